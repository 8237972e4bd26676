/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test-guest runtime: local APIC (xAPIC MMIO and x2APIC MSRs), IOAPIC, PIT, TSC and the
 * identity page tables.
 */
#include "rt.h"
#include "rt_internal.h"

bool rt_x2apic;
uint64_t rt_tsc_per_us;

/* ---- local APIC: SDM Vol. 3A 11.4 (xAPIC MMIO page) and 11.12 (x2APIC MSRs 0x800 + reg/16) ---- */
static volatile uint32_t *apic_reg(uint32_t reg)
{
	return (volatile uint32_t *)(uintptr_t)(APIC_BASE_ADDR + reg);
}

uint32_t rt_apic_read(uint32_t reg)
{
	if (rt_x2apic)
		return (uint32_t)rt_rdmsr(MSR_X2APIC_BASE + (reg >> 4));
	return *apic_reg(reg);
}

void rt_apic_write(uint32_t reg, uint32_t val)
{
	if (rt_x2apic)
		rt_wrmsr(MSR_X2APIC_BASE + (reg >> 4), val);
	else
		*apic_reg(reg) = val;
}

void rt_apic_eoi(void)
{
	rt_apic_write(APIC_EOI, 0);
}

uint32_t rt_apic_id(void)
{
	if (rt_x2apic)
		return (uint32_t)rt_rdmsr(MSR_X2APIC_BASE + (APIC_ID >> 4));
	return *apic_reg(APIC_ID) >> 24;
}

bool rt_apic_vec_bit(uint32_t base, uint8_t vec)
{
	return (rt_apic_read(base + 0x10 * (vec / 32)) >> (vec % 32)) & 1;
}

/* SDM Vol. 3A 11.6.1: ICR high (destination) first, the low write sends; x2APIC: one MSR. */
void rt_apic_send_ipi(uint32_t dest, uint32_t icr_lo)
{
	if (rt_x2apic) {
		rt_wrmsr(MSR_X2APIC_BASE + (APIC_ICR_LO >> 4), ((uint64_t)dest << 32) | icr_lo);
		return;
	}
	*apic_reg(APIC_ICR_HI) = dest << 24;
	*apic_reg(APIC_ICR_LO) = icr_lo;
	for (int i = 0; i < 1000000 && (*apic_reg(APIC_ICR_LO) & APIC_ICR_PENDING); i++)
		rt_pause();
}

/* SDM Vol. 3A 11.12.1: x2APIC mode is entered by setting EXTD with EN already set. */
int rt_x2apic_enable(void)
{
	uint32_t r[4];

	rt_cpuid(1, 0, r);
	if (!(r[2] & (1U << 21)))
		return -1;
	rt_wrmsr(MSR_APIC_BASE, rt_rdmsr(MSR_APIC_BASE) | (1U << 11) | (1U << 10));
	rt_x2apic = true;
	return 0;
}

void rt_apic_init_cpu(void)
{
	rt_apic_write(APIC_SVR, 0x100 | RT_SPURIOUS_VECTOR);
	rt_apic_write(APIC_TPR, 0);
	rt_apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | 0x20);
	rt_apic_write(APIC_LVT_ERROR, APIC_LVT_MASKED | 0x21);
}

/* ---- IOAPIC: indirect access, IOREGSEL at +0x00, IOWIN at +0x10 (82093AA datasheet 3.1) ---- */
uint32_t rt_ioapic_read(uint32_t index)
{
	volatile uint32_t *base = (volatile uint32_t *)(uintptr_t)IOAPIC_BASE_ADDR;

	base[0] = index;
	return base[4];
}

void rt_ioapic_write(uint32_t index, uint32_t val)
{
	volatile uint32_t *base = (volatile uint32_t *)(uintptr_t)IOAPIC_BASE_ADDR;

	base[0] = index;
	base[4] = val;
}

/*
 * ---- PIT channel 2 (8254 datasheet, mode 0 "interrupt on terminal count") ----
 * Port 0x61 bit 0 gates channel 2, bit 1 would feed the speaker, bit 5 reads OUT2.
 * OUT2 goes low when the count is written and high when it reaches zero.
 */
uint64_t rt_pit_wait(uint16_t ticks)
{
	uint8_t v = rt_inb(0x61);
	uint64_t t0;

	rt_outb(0x61, (uint8_t)((v & ~0x02) | 0x01));
	rt_outb(0x43, 0xB0);
	rt_outb(0x42, (uint8_t)ticks);
	rt_outb(0x42, (uint8_t)(ticks >> 8));
	t0 = rt_rdtsc();
	for (uint32_t i = 0; i < 20000000; i++) {
		if (rt_inb(0x61) & 0x20)
			return rt_rdtsc() - t0;
	}
	return 0;
}

void rt_tsc_calibrate(void)
{
	/* 11932 ticks of 1.193182 MHz = 10 ms. */
	uint64_t d = rt_pit_wait(11932);

	rt_tsc_per_us = d / 10000;
	if (rt_tsc_per_us == 0) {
		rt_printf("# PIT channel 2 did not count: assuming 1000 TSC ticks per us\n");
		rt_tsc_per_us = 1000;
	}
}

void rt_udelay(uint64_t us)
{
	uint64_t end = rt_rdtsc() + us * rt_tsc_per_us;

	while (rt_rdtsc() < end)
		rt_pause();
}

bool rt_wait_count(volatile uint32_t *p, uint32_t want, uint64_t us)
{
	uint64_t end = rt_rdtsc() + us * rt_tsc_per_us;

	while (*p < want) {
		if (rt_rdtsc() >= end)
			return *p >= want;
		rt_pause();
	}
	return true;
}

/* ---- PCI configuration mechanism #1 (PCI 3.0 3.2.2.3.2): bus 0 only ---- */
static uint32_t pci_addr(unsigned int slot, unsigned int func, unsigned int reg)
{
	return 0x80000000U | ((slot & 31) << 11) | ((func & 7) << 8) | (reg & 0xFC);
}

uint32_t rt_pci_read32(unsigned int slot, unsigned int func, unsigned int reg)
{
	rt_outl(0xCF8, pci_addr(slot, func, reg));
	return rt_inl(0xCFC);
}

void rt_pci_write32(unsigned int slot, unsigned int func, unsigned int reg, uint32_t val)
{
	rt_outl(0xCF8, pci_addr(slot, func, reg));
	rt_outl(0xCFC, val);
}

int rt_testdev_find(struct rt_testdev *td)
{
	for (unsigned int slot = 0; slot < 32; slot++) {
		uint32_t id = rt_pci_read32(slot, 0, 0);
		uint32_t b0, b1;

		if (id != ((uint32_t)TDEV_DEVICE << 16 | TDEV_VENDOR))
			continue;
		b0 = rt_pci_read32(slot, 0, 0x10);
		b1 = rt_pci_read32(slot, 0, 0x14);
		if ((b0 & 1) != 0 || (b0 & ~0xFU) == 0 || (b1 & 1) == 0 || (b1 & ~3U) == 0)
			return -1;
		td->slot = slot;
		td->mmio = (volatile uint8_t *)(uintptr_t)(b0 & ~0xFU);
		td->pio = (uint16_t)(b1 & ~3U);
		return 0;
	}
	return -1;
}

int32_t rt_testdev_irq(const struct rt_testdev *td, uint32_t gsi, uint32_t op)
{
	rt_outl((uint16_t)(td->pio + TDEV_PIO_IRQ), (op << 8) | gsi);
	return (int32_t)rt_inl((uint16_t)(td->pio + TDEV_PIO_IRQ));
}

/* ---- paging: the 2 MiB identity map built by entry.S ---- */
void rt_page_set_present(uint64_t addr, bool present)
{
	uint64_t idx = addr >> 21;

	if (idx >= 2048)
		return;
	if (present)
		rt_pd[idx] |= 1;
	else
		rt_pd[idx] &= ~1ULL;
	__asm__ volatile("invlpg (%0)" :: "r"(addr) : "memory");
}

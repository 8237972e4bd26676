/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Physical local APIC access (SDM Vol. 3 ch. 11): through MMIO in xAPIC
 * mode, through MSRs 0x800+ in x2APIC mode, whichever the firmware left on.
 */
#include <arch/x86/lapic.h>
#include <stdbool.h>
#include <arch/x86/cpu.h>
#include <arch/x86/msr.h>
#include <arch/x86/timer.h>

#define LAPIC_ID	0x020
#define LAPIC_TPR	0x080
#define LAPIC_EOI	0x0B0
#define LAPIC_SVR	0x0F0
#define LAPIC_ISR	0x100
#define LAPIC_ICR_LO	0x300
#define LAPIC_ICR_HI	0x310
#define LAPIC_LVT_TIMER	0x320
#define LAPIC_LVT_LINT0	0x350
#define LAPIC_LVT_LINT1	0x360
#define LAPIC_LVT_ERR	0x370

#define ICR_INIT	0x00000500U
#define ICR_STARTUP	0x00000600U
#define ICR_ASSERT	0x00004000U
#define ICR_PENDING	0x00001000U

static bool is_x2apic(void)
{
	return (rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_X2APIC) != 0;
}

static volatile uint32_t *xapic_reg(uint32_t off)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE) & 0xFFFFFF000ULL;

	return (volatile uint32_t *)(uintptr_t)(base + off);
}

uint32_t lapic_read(uint32_t off)
{
	if (is_x2apic())
		return (uint32_t)rdmsr(MSR_IA32_X2APIC_BASE + (off >> 4));
	return *xapic_reg(off);
}

void lapic_write(uint32_t off, uint32_t v)
{
	if (is_x2apic())
		wrmsr(MSR_IA32_X2APIC_BASE + (off >> 4), v);
	else
		*xapic_reg(off) = v;
}

void lapic_send_icr(uint32_t apic_id, uint32_t lo)
{
	if (is_x2apic()) {
		wrmsr(MSR_IA32_X2APIC_BASE + (LAPIC_ICR_LO >> 4), ((uint64_t)apic_id << 32) | lo);
		return;
	}
	*xapic_reg(LAPIC_ICR_HI) = apic_id << 24;
	*xapic_reg(LAPIC_ICR_LO) = lo;
	for (int i = 0; i < 100000 && (*xapic_reg(LAPIC_ICR_LO) & ICR_PENDING); i++)
		cpu_relax();
}

void lapic_send_fixed(uint32_t dest, bool logical, uint8_t vector)
{
	lapic_send_icr(dest, vector | (logical ? (1U << 11) : 0) | ICR_ASSERT);
}

void lapic_init(void)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

	if (!(base & APIC_BASE_ENABLE))
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_ENABLE);
	lapic_write(LAPIC_LVT_TIMER, 0x10000);
	lapic_write(LAPIC_LVT_ERR, 0x10000);
	lapic_write(LAPIC_SVR, 0x1FF);		/* enabled, spurious vector 0xFF */
}

uint32_t lapic_reclaim(void)
{
	uint32_t svr = lapic_read(LAPIC_SVR);

	lapic_write(LAPIC_SVR, 0x1FF);		/* enabled, spurious vector 0xFF */
	lapic_write(LAPIC_TPR, 0);
	/* Each EOI retires the highest vector in service: at most 256. */
	for (uint32_t n = 0; n < 256; n++) {
		bool busy = false;

		for (uint32_t i = 0; i < 8 && !busy; i++)
			busy = lapic_read(LAPIC_ISR + i * 0x10) != 0;
		if (!busy)
			break;
		lapic_write(LAPIC_EOI, 0);
	}
	lapic_write(LAPIC_LVT_TIMER, 0x10000);
	lapic_write(LAPIC_LVT_ERR, 0x10000);
	return svr;
}

uint32_t lapic_id(void)
{
	uint32_t id = lapic_read(LAPIC_ID);

	return is_x2apic() ? id : id >> 24;
}

void lapic_start_ap(uint32_t apic_id, uint8_t vector)
{
	lapic_send_icr(apic_id, ICR_INIT | ICR_ASSERT);
	udelay(10000);
	for (int i = 0; i < 2; i++) {
		lapic_send_icr(apic_id, ICR_STARTUP | vector);
		udelay(200);
	}
}

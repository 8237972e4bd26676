/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ioapic: the virtual IOAPIC and 8259 PIC with interrupts from a device of acrn-dm.  The
 * testdev's interrupt generator (doc/testdev.md) drives a GSI through acrn-dm's VMM back-end
 * (HC_SET_IRQLINE): pulses and held levels, so edge and level semantics, remote IRR, masking
 * and ExtINT delivery through LINT0 can be checked from inside the guest.
 *
 * IOAPIC checks use GSIs 20 and 21 (no ISA line, so the vPIC stays out of it); the PIC checks
 * use IRQ 5 on the master and IRQ 10 on the slave, whose IOAPIC pins stay masked.
 */
#include "rt.h"

RT_GUEST(ioapic, 18);

#define PIN_EDGE	20
#define PIN_LEVEL	21
#define VEC_EDGE	0x40
#define VEC_LEVEL	0x41
#define VEC_LOW		0x42

#define RTE_LEVEL	(1U << 15)
#define RTE_REMOTE_IRR	(1U << 14)
#define RTE_ACTIVE_LOW	(1U << 13)
#define RTE_MASKED	(1U << 16)
#define IOAPIC_EOI_REG	0x40

#define PIC_BASE_MASTER	0x30
#define PIC_BASE_SLAVE	0x38
#define IRQ_MASTER	5
#define IRQ_SLAVE	10

#define WAIT_US		100000	/* an interrupt expected: it should be there at once */
#define QUIET_US	2000	/* and then nothing more for this long */

static struct rt_testdev td;

static void rte_write(unsigned int pin, uint32_t lo)
{
	rt_ioapic_write(0x11 + 2 * pin, rt_apic_id() << 24);
	rt_ioapic_write(0x10 + 2 * pin, lo);
}

static uint32_t rte_read(unsigned int pin)
{
	return rt_ioapic_read(0x10 + 2 * pin);
}

static int32_t line(unsigned int gsi, uint32_t op)
{
	return rt_testdev_irq(&td, gsi, op);
}

/* Wait for rt_irq_count[vec] to reach @p want, then make sure it stays there a while. */
static uint32_t settle(uint8_t vec, uint32_t want)
{
	rt_wait_count(&rt_irq_count[vec], want, WAIT_US);
	rt_udelay(QUIET_US);
	return rt_irq_count[vec];
}

/* Level handler: owns the EOI (the test sends it), records remote IRR at delivery. */
static volatile uint32_t level_rirr_seen;

static void level_handler(struct rt_frame *f)
{
	level_rirr_seen = rte_read(PIN_LEVEL) & RTE_REMOTE_IRR;
}

static void no_eoi_handler(struct rt_frame *f)
{
}

static void check_ioapic_rte(void)
{
	uint32_t lo, hi, ver = rt_ioapic_read(1);

	/* 82093AA 3.2.4: bits 12 (delivery status) and 14 (remote IRR) are read-only. */
	rt_ioapic_write(0x11 + 2 * PIN_EDGE, 0xFF000000U);
	rt_ioapic_write(0x10 + 2 * PIN_EDGE, 0x1FFFFU);
	lo = rte_read(PIN_EDGE);
	hi = rt_ioapic_read(0x11 + 2 * PIN_EDGE);
	rte_write(PIN_EDGE, RTE_MASKED);
	rt_check("ioapic/rte_writable_bits_read_back", lo == 0x1AFFFU && hi == 0xFF000000U &&
		 ((ver >> 16) & 0xFF) >= PIN_LEVEL, "RTE 0x%x:0x%x, version 0x%x", hi, lo, ver);
}

static void check_ioapic_edge(void)
{
	uint32_t n;
	int32_t rc;

	rte_write(PIN_EDGE, VEC_EDGE);
	rc = line(PIN_EDGE, TDEV_IRQ_RAISING_PULSE);
	n = settle(VEC_EDGE, 1);
	rt_check("ioapic/edge_pulse_delivers_once", rc == 0 && n == 1, "result %d, %u interrupts",
		 rc, n);

	rc = line(PIN_EDGE, TDEV_IRQ_HIGH);
	n = settle(VEC_EDGE, 2);
	line(PIN_EDGE, TDEV_IRQ_LOW);
	rt_udelay(QUIET_US);
	rt_check("ioapic/edge_high_delivers_once_while_held", rc == 0 && n == 2 &&
		 rt_irq_count[VEC_EDGE] == 2,
		 "result %d, count %u while high and %u after (want 2 and 2)", rc, n,
		 rt_irq_count[VEC_EDGE]);

	rte_write(PIN_EDGE, VEC_EDGE | RTE_MASKED);
	line(PIN_EDGE, TDEV_IRQ_RAISING_PULSE);
	n = settle(VEC_EDGE, 3);
	rt_check("ioapic/edge_masked_not_delivered", n == 2, "count %u after a pulse while masked (want 2)", n);
	rte_write(PIN_EDGE, RTE_MASKED);
}

static void check_ioapic_level(void)
{
	uint32_t n, rirr;
	bool tmr;

	rt_set_irq_handler(VEC_LEVEL, level_handler);
	rte_write(PIN_LEVEL, RTE_LEVEL | VEC_LEVEL);
	line(PIN_LEVEL, TDEV_IRQ_HIGH);
	rt_wait_count(&rt_irq_count[VEC_LEVEL], 1, WAIT_US);
	tmr = rt_apic_vec_bit(APIC_TMR, VEC_LEVEL);
	rt_check("ioapic/level_delivered_remote_irr_and_tmr_set",
		 rt_irq_count[VEC_LEVEL] == 1 && level_rirr_seen && tmr,
		 "%u interrupts, remote IRR %u, TMR %u", rt_irq_count[VEC_LEVEL],
		 level_rirr_seen != 0, tmr);

	rt_udelay(QUIET_US);
	rirr = rte_read(PIN_LEVEL) & RTE_REMOTE_IRR;
	rt_check("ioapic/level_held_until_eoi", rt_irq_count[VEC_LEVEL] == 1 && rirr,
		 "%u interrupts, remote IRR %u", rt_irq_count[VEC_LEVEL], rirr != 0);

	/* EOI with the line still high: the pin is still asserted, so it fires again. */
	level_rirr_seen = 0;
	rt_apic_eoi();
	n = settle(VEC_LEVEL, 2);
	rt_check("ioapic/level_eoi_while_high_redelivers", n == 2 && level_rirr_seen,
		 "%u interrupts, remote IRR %u", n, level_rirr_seen != 0);

	line(PIN_LEVEL, TDEV_IRQ_LOW);
	rirr = rte_read(PIN_LEVEL) & RTE_REMOTE_IRR;	/* still set: no EOI yet */
	rt_apic_eoi();
	n = settle(VEC_LEVEL, 3);
	rt_check("ioapic/level_deassert_then_eoi_clears_remote_irr",
		 n == 2 && rirr && !(rte_read(PIN_LEVEL) & RTE_REMOTE_IRR),
		 "%u interrupts, remote IRR before EOI %u, after %u", n, rirr != 0,
		 (rte_read(PIN_LEVEL) & RTE_REMOTE_IRR) != 0);

	/* Masked: an asserted level waits in the pin and is delivered on unmask. */
	rte_write(PIN_LEVEL, RTE_LEVEL | RTE_MASKED | VEC_LEVEL);
	line(PIN_LEVEL, TDEV_IRQ_HIGH);
	rt_udelay(QUIET_US);
	n = rt_irq_count[VEC_LEVEL];
	rte_write(PIN_LEVEL, RTE_LEVEL | VEC_LEVEL);
	rt_wait_count(&rt_irq_count[VEC_LEVEL], 3, WAIT_US);
	rt_check("ioapic/level_masked_delivered_on_unmask", n == 2 && rt_irq_count[VEC_LEVEL] == 3,
		 "count %u while masked (want 2), %u after unmask (want 3)", n,
		 rt_irq_count[VEC_LEVEL]);
	line(PIN_LEVEL, TDEV_IRQ_LOW);
	rt_apic_eoi();

	/* The vIOAPIC's EOI register (version 0x20) clears remote IRR by vector. */
	line(PIN_LEVEL, TDEV_IRQ_HIGH);
	rt_wait_count(&rt_irq_count[VEC_LEVEL], 4, WAIT_US);
	line(PIN_LEVEL, TDEV_IRQ_LOW);
	rirr = rte_read(PIN_LEVEL) & RTE_REMOTE_IRR;
	*(volatile uint32_t *)(uintptr_t)(IOAPIC_BASE_ADDR + IOAPIC_EOI_REG) = VEC_LEVEL;
	rt_check("ioapic/eoi_register_clears_remote_irr", rt_irq_count[VEC_LEVEL] == 4 && rirr &&
		 !(rte_read(PIN_LEVEL) & RTE_REMOTE_IRR), "%u interrupts, remote IRR %u then %u",
		 rt_irq_count[VEC_LEVEL], rirr != 0, (rte_read(PIN_LEVEL) & RTE_REMOTE_IRR) != 0);
	rt_apic_eoi();		/* the local APIC's ISR bit */
	rte_write(PIN_LEVEL, RTE_MASKED);
	rt_udelay(QUIET_US);

	/* Active low: the line going low asserts the pin (82093AA 3.2.4, bit 13). */
	rt_set_irq_handler(VEC_LOW, no_eoi_handler);
	line(PIN_LEVEL, TDEV_IRQ_HIGH);
	rte_write(PIN_LEVEL, RTE_LEVEL | RTE_ACTIVE_LOW | VEC_LOW);
	rt_udelay(QUIET_US);
	n = rt_irq_count[VEC_LOW];
	line(PIN_LEVEL, TDEV_IRQ_LOW);
	rt_wait_count(&rt_irq_count[VEC_LOW], 1, WAIT_US);
	line(PIN_LEVEL, TDEV_IRQ_HIGH);
	rt_apic_eoi();
	rt_udelay(QUIET_US);
	rt_check("ioapic/level_active_low_polarity", n == 0 && rt_irq_count[VEC_LOW] == 1 &&
		 !(rte_read(PIN_LEVEL) & RTE_REMOTE_IRR), "%u while high, %u after low, remote IRR %u",
		 n, rt_irq_count[VEC_LOW], (rte_read(PIN_LEVEL) & RTE_REMOTE_IRR) != 0);
	rte_write(PIN_LEVEL, RTE_MASKED);
	line(PIN_LEVEL, TDEV_IRQ_LOW);
	rt_set_irq_handler(VEC_LEVEL, NULL);
	rt_set_irq_handler(VEC_LOW, NULL);

	rt_check("ioapic/testdev_refuses_gsi_48", line(48, TDEV_IRQ_HIGH) == -22,
		 "result %d", rt_inl((uint16_t)(td.pio + TDEV_PIO_IRQ)));
}

/* ---- 8259A (Intel 8259A datasheet: ICW1-4, OCW1-3) ---- */
static void pic_init(void)
{
	rt_outb(0x20, 0x11);			/* ICW1: edge, cascade, ICW4 follows */
	rt_outb(0x21, PIC_BASE_MASTER);		/* ICW2 */
	rt_outb(0x21, 0x04);			/* ICW3: slave on IR2 */
	rt_outb(0x21, 0x01);			/* ICW4: 8086 mode, normal EOI */
	rt_outb(0xA0, 0x11);
	rt_outb(0xA1, PIC_BASE_SLAVE);
	rt_outb(0xA1, 0x02);			/* slave ID 2 */
	rt_outb(0xA1, 0x01);
	rt_outb(0x21, 0xFF);
	rt_outb(0xA1, 0xFF);
}

static uint8_t pic_isr(uint16_t cmd)
{
	rt_outb(cmd, 0x0B);			/* OCW3: read ISR */
	return rt_inb(cmd);
}

static volatile uint8_t master_isr_seen;

static void master_handler(struct rt_frame *f)
{
	master_isr_seen = pic_isr(0x20);
	rt_outb(0x20, 0x20);			/* OCW2: non-specific EOI */
}

static void slave_handler(struct rt_frame *f)
{
	/* Level: the second delivery proves the line was sampled again after the EOI. */
	if (rt_irq_count[PIC_BASE_SLAVE + IRQ_SLAVE - 8] >= 2)
		line(IRQ_SLAVE, TDEV_IRQ_LOW);
	rt_outb(0xA0, 0x20);
	rt_outb(0x20, 0x20);
}

static void check_pic(void)
{
	const uint8_t vm = PIC_BASE_MASTER + IRQ_MASTER, vs = PIC_BASE_SLAVE + IRQ_SLAVE - 8;
	uint32_t n, m;
	uint8_t isr_after;

	pic_init();
	rt_set_irq_handler(vm, master_handler);
	rt_set_irq_handler(vs, slave_handler);
	rt_apic_write(APIC_LVT_LINT0, 0x700);		/* ExtINT, unmasked (virtual wire) */
	rt_outb(0x21, (uint8_t)~(1U << IRQ_MASTER));

	line(IRQ_MASTER, TDEV_IRQ_RAISING_PULSE);
	n = settle(vm, 1);
	rt_check("pic/extint_edge_delivered_with_pic_vector", n == 1,
		 "%u interrupts on vector 0x%x", n, vm);
	isr_after = pic_isr(0x20);
	rt_check("pic/isr_set_in_handler_cleared_by_eoi",
		 master_isr_seen == (1U << IRQ_MASTER) && isr_after == 0,
		 "ISR 0x%x in the handler, 0x%x after", master_isr_seen, isr_after);

	/* IMR masks the request, which waits in the IRR while the line is high. */
	rt_outb(0x21, 0xFF);
	line(IRQ_MASTER, TDEV_IRQ_HIGH);
	rt_udelay(QUIET_US);
	m = rt_irq_count[vm];
	rt_outb(0x21, (uint8_t)~(1U << IRQ_MASTER));
	n = settle(vm, 2);
	line(IRQ_MASTER, TDEV_IRQ_LOW);
	rt_check("pic/masked_irq_delivered_on_unmask", m == 1 && n == 2,
		 "count %u while masked (want 1), %u after unmask (want 2)", m, n);

	/* LINT0 masked: the PIC's INTR waits for it (SDM Vol. 3A 11.5.1). */
	rt_apic_write(APIC_LVT_LINT0, 0x700 | APIC_LVT_MASKED);
	line(IRQ_MASTER, TDEV_IRQ_HIGH);
	rt_udelay(QUIET_US);
	m = rt_irq_count[vm];
	rt_apic_write(APIC_LVT_LINT0, 0x700);
	n = settle(vm, 3);
	line(IRQ_MASTER, TDEV_IRQ_LOW);
	rt_check("pic/extint_waits_for_lint0_unmask", m == 2 && n == 3,
		 "count %u while LINT0 masked (want 2), %u after (want 3)", m, n);

	/* ELCR level mode on the slave: redelivered after each EOI until the line drops. */
	rt_outb(0x4D1, (uint8_t)(rt_inb(0x4D1) | (1U << (IRQ_SLAVE - 8))));
	rt_outb(0x21, (uint8_t)~((1U << IRQ_MASTER) | (1U << 2)));
	rt_outb(0xA1, (uint8_t)~(1U << (IRQ_SLAVE - 8)));
	line(IRQ_SLAVE, TDEV_IRQ_HIGH);
	n = settle(vs, 2);
	rt_check("pic/level_elcr_slave_cascade_redelivers_until_deasserted", n == 2,
		 "%u interrupts on vector 0x%x", n, vs);

	rt_outb(0x21, 0xFF);
	rt_outb(0xA1, 0xFF);
	rt_outb(0x4D1, (uint8_t)(rt_inb(0x4D1) & ~(1U << (IRQ_SLAVE - 8))));
	line(IRQ_SLAVE, TDEV_IRQ_LOW);
	rt_apic_write(APIC_LVT_LINT0, 0x700 | APIC_LVT_MASKED);
	rt_set_irq_handler(vm, NULL);
	rt_set_irq_handler(vs, NULL);
}

void rt_guest_main(void)
{
	if (!rt_check("ioapic/testdev_found", rt_testdev_find(&td) == 0 &&
		      rt_inl((uint16_t)(td.pio + TDEV_PIO_ID)) == TDEV_ID_VALUE,
		      "no testdev on bus 0: run with -s N,testdev"))
		return;
	rt_sti();
	check_ioapic_rte();
	check_ioapic_edge();
	check_ioapic_level();
	check_pic();
	rt_cli();
}

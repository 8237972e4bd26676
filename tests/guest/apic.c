/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test guest "apic": the local APIC as a guest programs it (SDM Vol. 3A chapter 11):
 * identification, task priority, the timer in one-shot, periodic and TSC-deadline modes,
 * self-IPIs, delivery order by priority class, ISR/EOI semantics, the spurious-vector
 * register, the IOAPIC's identification registers and x2APIC mode.
 */
#include "rt.h"

RT_GUEST(apic, 21);

#define V_TIMER		0x40
#define V_DEADLINE	0x42
#define V_SELF		0x50
#define V_LOW		0x60
#define V_HIGH		0xA0
#define V_TPR_LOW	0x70
#define V_TPR_HIGH	0x90
#define V_NEST_OUT	0x68
#define V_NEST_IN	0xC8
#define V_HOLD_OUT	0xB0
#define V_HOLD_IN	0x74
#define V_X2SELF	0x52

static volatile uint64_t last_tsc[256];
static volatile uint8_t order[8];
static volatile uint32_t norder;
static uint32_t apic_ticks_per_ms;

/* Counts (the runtime does) plus the time and order of arrival, then EOI. */
static void record_eoi(struct rt_frame *f)
{
	uint32_t i = norder;

	last_tsc[f->vector] = rt_rdtsc();
	if (i < sizeof(order))
		order[i] = (uint8_t)f->vector;
	norder = i + 1;
	rt_apic_eoi();
}

static void order_reset(void)
{
	norder = 0;
	memset((void *)order, 0, sizeof(order));
}

static void check_ident(void)
{
	uint32_t r[4], ver = rt_apic_read(APIC_VERSION), v, tpr;

	rt_cpuid(1, 0, r);
	rt_check("apic/xapic_id_matches_cpuid", rt_apic_id() == r[1] >> 24,
		 "ID register %u, CPUID.1 %u", rt_apic_id(), r[1] >> 24);
	/* 11.4.8: version 0x1x = integrated APIC; bits 23:16 = number of LVT entries - 1. */
	rt_check("apic/version_integrated_with_lvts", (ver & 0xF0) == 0x10 &&
		 ((ver >> 16) & 0xFF) >= 4, "version register 0x%x", ver);
	rt_apic_write(APIC_TPR, 0x5A);
	tpr = rt_apic_read(APIC_TPR);
	rt_apic_write(APIC_TPR, 0);
	rt_check("apic/tpr_write_read_roundtrip", tpr == 0x5A, "TPR read 0x%x", tpr);

	/* 11.9: the SVR vector is programmable (low 4 bits too on P6 and later). */
	rt_apic_write(APIC_SVR, 0x100 | 0xE7);
	v = rt_apic_read(APIC_SVR);
	rt_apic_write(APIC_SVR, 0x100 | RT_SPURIOUS_VECTOR);
	rt_check("apic/spurious_vector_programmable", (v & 0x1FF) == 0x1E7, "SVR read 0x%x", v);

	/* 11.4.7.2: while software-disabled, the LVT mask bits are set and cannot be cleared. */
	rt_apic_write(APIC_SVR, RT_SPURIOUS_VECTOR);
	rt_apic_write(APIC_LVT_TIMER, V_TIMER);
	v = rt_apic_read(APIC_LVT_TIMER);
	rt_apic_write(APIC_SVR, 0x100 | RT_SPURIOUS_VECTOR);
	rt_check("apic/lvt_stays_masked_while_disabled", (v & APIC_LVT_MASKED) != 0,
		 "LVT timer 0x%x with APIC disabled", v);
	rt_apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | V_TIMER);

	/* 82093AA 3.2.2: version register, bits 23:16 = redirection entries - 1. */
	v = rt_ioapic_read(1);
	rt_check("apic/ioapic_version_and_24_pins", ((v & 0xFF) == 0x11 || (v & 0xFF) == 0x20) &&
		 ((v >> 16) & 0xFF) >= 23, "IOAPIC version register 0x%x", v);
}

/* 11.8.3.1: interrupts of a priority class <= TPR[7:4] wait in the IRR. */
static void check_tpr(void)
{
	uint32_t c = rt_irq_count[V_TPR_LOW];
	bool held, irr;

	rt_apic_write(APIC_TPR, 0x80);
	rt_sti();
	rt_apic_send_ipi(0, APIC_ICR_SELF | V_TPR_LOW);
	rt_udelay(500);
	held = rt_irq_count[V_TPR_LOW] == c;
	irr = rt_apic_vec_bit(APIC_IRR, V_TPR_LOW);
	rt_check("apic/tpr_holds_lower_class_in_irr", held && irr,
		 "delivered %u, IRR bit %u", rt_irq_count[V_TPR_LOW] - c, irr);
	c = rt_irq_count[V_TPR_HIGH];
	rt_apic_send_ipi(0, APIC_ICR_SELF | V_TPR_HIGH);
	rt_check("apic/tpr_passes_higher_class",
		 rt_wait_count(&rt_irq_count[V_TPR_HIGH], c + 1, 5000), "0x%x not delivered",
		 V_TPR_HIGH);
	c = rt_irq_count[V_TPR_LOW];
	rt_apic_write(APIC_TPR, 0);
	rt_check("apic/tpr_lowering_delivers_pending",
		 rt_wait_count(&rt_irq_count[V_TPR_LOW], c + 1, 5000),
		 "0x%x still pending", V_TPR_LOW);
	rt_cli();
}

static void timer_calibrate(void)
{
	uint32_t left;

	rt_apic_write(APIC_TIMER_DCR, 0xB);	/* divide by 1 */
	rt_apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | V_TIMER);
	rt_apic_write(APIC_TIMER_ICR, 0xFFFFFFFFU);
	rt_udelay(1000);
	left = rt_apic_read(APIC_TIMER_CCR);
	rt_apic_write(APIC_TIMER_ICR, 0);
	apic_ticks_per_ms = 0xFFFFFFFFU - left;
	rt_printf("# APIC timer %u ticks/ms\n", apic_ticks_per_ms);
}

/* 11.5.4: one-shot counts down once, interrupts at zero and stays at zero. */
static void check_oneshot(void)
{
	uint32_t c = rt_irq_count[V_TIMER];
	uint64_t t0, want = 2000 * rt_tsc_per_us;	/* 2 ms */

	rt_sti();
	t0 = rt_rdtsc();
	rt_apic_write(APIC_LVT_TIMER, V_TIMER);
	rt_apic_write(APIC_TIMER_ICR, 2 * apic_ticks_per_ms);
	rt_wait_count(&rt_irq_count[V_TIMER], c + 1, 50000);
	rt_udelay(10000);	/* five more periods: a one-shot must stay quiet */
	rt_check("apic/oneshot_timer_fires_once", rt_irq_count[V_TIMER] == c + 1 &&
		 rt_apic_read(APIC_TIMER_CCR) == 0, "fired %u times, CCR %u",
		 rt_irq_count[V_TIMER] - c, rt_apic_read(APIC_TIMER_CCR));
	rt_check("apic/oneshot_timer_not_early", last_tsc[V_TIMER] - t0 >= want * 9 / 10,
		 "fired after %lu TSC ticks, programmed %lu", last_tsc[V_TIMER] - t0, want);
	rt_cli();
}

/* 11.5.4: periodic mode reloads the initial count; masking stops delivery. */
static void check_periodic(void)
{
	uint32_t c = rt_irq_count[V_TIMER], after;
	uint64_t t0, dt, period = 1000 * rt_tsc_per_us;

	rt_sti();
	t0 = rt_rdtsc();
	rt_apic_write(APIC_LVT_TIMER, APIC_TIMER_PERIODIC | V_TIMER);
	rt_apic_write(APIC_TIMER_ICR, apic_ticks_per_ms);
	rt_wait_count(&rt_irq_count[V_TIMER], c + 5, 100000);
	dt = last_tsc[V_TIMER] - t0;
	rt_apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | APIC_TIMER_PERIODIC | V_TIMER);
	after = rt_irq_count[V_TIMER];
	rt_check("apic/periodic_timer_fires_repeatedly_at_period",
		 after >= c + 5 && dt >= period * 45 / 10 && dt <= period * 20,
		 "%u interrupts, 5th after %lu TSC ticks (period %lu)", after - c, dt, period);
	rt_udelay(5000);
	rt_check("apic/periodic_timer_masked_stops", rt_irq_count[V_TIMER] == after,
		 "%u more after masking", rt_irq_count[V_TIMER] - after);
	rt_apic_write(APIC_TIMER_ICR, 0);
	rt_cli();
}

/*
 * 11.5.4.1: TSC-deadline mode fires once when the TSC reaches IA32_TSC_DEADLINE; writing 0
 * disarms.  The SDM also says the MSR reads 0 after the interrupt, but Bochs 2.7 keeps the old
 * value, so that is printed, not checked.
 */
static void check_tsc_deadline(void)
{
	uint32_t r[4], c = rt_irq_count[V_DEADLINE];
	uint64_t dl, msr;

	rt_cpuid(1, 0, r);
	if (!(r[2] & (1U << 24))) {
		rt_skip("apic/tsc_deadline_fires_once_after_deadline", "no TSC-deadline in CPUID");
		rt_skip("apic/tsc_deadline_zero_disarms", "no TSC-deadline in CPUID");
		return;
	}
	rt_sti();
	rt_apic_write(APIC_LVT_TIMER, APIC_TIMER_TSC_DEADLINE | V_DEADLINE);
	dl = rt_rdtsc() + 1000 * rt_tsc_per_us;
	rt_wrmsr(MSR_TSC_DEADLINE, dl);
	rt_wait_count(&rt_irq_count[V_DEADLINE], c + 1, 50000);
	rt_udelay(3000);
	msr = rt_rdmsr(MSR_TSC_DEADLINE);
	rt_check("apic/tsc_deadline_fires_once_after_deadline",
		 rt_irq_count[V_DEADLINE] == c + 1 && last_tsc[V_DEADLINE] >= dl,
		 "fired %u times, at %ld ticks from deadline, MSR now 0x%lx",
		 rt_irq_count[V_DEADLINE] - c, (int64_t)(last_tsc[V_DEADLINE] - dl), msr);
	c = rt_irq_count[V_DEADLINE];
	rt_printf("# IA32_TSC_DEADLINE after the interrupt: 0x%lx\n", msr);
	rt_wrmsr(MSR_TSC_DEADLINE, rt_rdtsc() + 1000 * rt_tsc_per_us);
	rt_wrmsr(MSR_TSC_DEADLINE, 0);
	rt_udelay(3000);
	rt_check("apic/tsc_deadline_zero_disarms", rt_irq_count[V_DEADLINE] == c,
		 "fired %u times after disarming", rt_irq_count[V_DEADLINE] - c);
	rt_apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | V_TIMER);
	rt_cli();
}

static volatile bool nest_isr_both, nest_isr_after_eoi, hold_held, hold_after_eoi;

/* Handler of V_NEST_OUT: raise a higher class, which must preempt this handler. */
static void nest_out(struct rt_frame *f)
{
	rt_apic_send_ipi(0, APIC_ICR_SELF | V_NEST_IN);
	rt_sti();
	rt_udelay(500);
	rt_cli();
	rt_apic_eoi();
}

/* Nested inside nest_out: both in service; the EOI retires the highest (11.8.5). */
static void nest_in(struct rt_frame *f)
{
	nest_isr_both = rt_apic_vec_bit(APIC_ISR, V_NEST_IN) && rt_apic_vec_bit(APIC_ISR, V_NEST_OUT);
	rt_apic_eoi();
	nest_isr_after_eoi = !rt_apic_vec_bit(APIC_ISR, V_NEST_IN) &&
			     rt_apic_vec_bit(APIC_ISR, V_NEST_OUT);
}

/* Handler of V_HOLD_OUT: a lower class raised now must wait for our EOI (PPR, 11.8.3.1). */
static void hold_out(struct rt_frame *f)
{
	uint32_t c = rt_irq_count[V_HOLD_IN];

	rt_apic_send_ipi(0, APIC_ICR_SELF | V_HOLD_IN);
	rt_sti();
	rt_udelay(500);
	hold_held = rt_irq_count[V_HOLD_IN] == c && rt_apic_vec_bit(APIC_IRR, V_HOLD_IN);
	rt_apic_eoi();
	hold_after_eoi = rt_wait_count(&rt_irq_count[V_HOLD_IN], c + 1, 5000);
	rt_cli();
}

static void check_ipi_and_order(void)
{
	uint32_t c = rt_irq_count[V_SELF];
	bool irr_lo, irr_hi;

	rt_apic_send_ipi(0, APIC_ICR_SELF | V_SELF);
	rt_sti();
	rt_check("apic/self_ipi_fixed_delivered_once",
		 rt_wait_count(&rt_irq_count[V_SELF], c + 1, 5000) &&
		 (rt_udelay(500), rt_irq_count[V_SELF] == c + 1),
		 "delivered %u times", rt_irq_count[V_SELF] - c);
	rt_cli();

	/* 11.8.3: with IF clear both wait in the IRR; then the higher vector goes first. */
	order_reset();
	rt_apic_send_ipi(0, APIC_ICR_SELF | V_LOW);
	rt_apic_send_ipi(0, APIC_ICR_SELF | V_HIGH);
	irr_lo = rt_apic_vec_bit(APIC_IRR, V_LOW);
	irr_hi = rt_apic_vec_bit(APIC_IRR, V_HIGH);
	rt_sti();
	rt_wait_count(&norder, 2, 5000);
	rt_cli();
	rt_check("apic/pending_irr_delivered_highest_first",
		 irr_lo && irr_hi && norder == 2 && order[0] == V_HIGH && order[1] == V_LOW,
		 "IRR %u/%u, %u delivered, order 0x%x 0x%x", irr_lo, irr_hi, norder, order[0],
		 order[1]);

	c = rt_irq_count[V_NEST_IN];
	rt_apic_send_ipi(0, APIC_ICR_SELF | V_NEST_OUT);
	rt_sti();
	rt_wait_count(&rt_irq_count[V_NEST_OUT], 1, 5000);
	rt_cli();
	rt_check("apic/higher_class_preempts_and_eoi_retires_highest_isr",
		 rt_irq_count[V_NEST_IN] == c + 1 && nest_isr_both && nest_isr_after_eoi,
		 "nested %u, ISR both %u, after EOI %u", rt_irq_count[V_NEST_IN] - c,
		 nest_isr_both, nest_isr_after_eoi);

	rt_apic_send_ipi(0, APIC_ICR_SELF | V_HOLD_OUT);
	rt_sti();
	rt_wait_count(&rt_irq_count[V_HOLD_OUT], 1, 5000);
	rt_cli();
	rt_check("apic/lower_class_waits_for_eoi", hold_held && hold_after_eoi,
		 "held %u, delivered after EOI %u", hold_held, hold_after_eoi);
}

/* 11.12: x2APIC mode — ID from MSR 0x802, self-IPI through the SELF IPI MSR (0x83F). */
static void check_x2apic(void)
{
	uint32_t xid = rt_apic_id(), c = rt_irq_count[V_X2SELF];
	uint64_t base;

	if (rt_x2apic_enable() != 0) {
		rt_skip("apic/x2apic_id_matches_xapic_id", "no x2APIC in CPUID");
		rt_skip("apic/x2apic_self_ipi_msr_delivered", "no x2APIC in CPUID");
		return;
	}
	rt_check("apic/x2apic_id_matches_xapic_id", rt_apic_id() == xid,
		 "x2APIC ID %u, xAPIC ID %u", rt_apic_id(), xid);
	rt_sti();
	rt_wrmsr(0x83F, V_X2SELF);
	rt_check("apic/x2apic_self_ipi_msr_delivered",
		 rt_wait_count(&rt_irq_count[V_X2SELF], c + 1, 5000), "not delivered");
	rt_cli();
	/* Back to xAPIC: x2APIC -> disabled -> xAPIC is the legal path (11.12.5). */
	base = rt_rdmsr(MSR_APIC_BASE);
	rt_wrmsr(MSR_APIC_BASE, base & ~((1ULL << 11) | (1ULL << 10)));
	rt_x2apic = false;
	rt_wrmsr(MSR_APIC_BASE, (base & ~(1ULL << 10)) | (1ULL << 11));
	rt_apic_write(APIC_SVR, 0x100 | RT_SPURIOUS_VECTOR);
}

void rt_guest_main(void)
{
	static const uint8_t recorded[] = { V_TIMER, V_DEADLINE, V_LOW, V_HIGH };

	for (unsigned int i = 0; i < sizeof(recorded); i++)
		rt_set_irq_handler(recorded[i], record_eoi);
	rt_set_irq_handler(V_NEST_OUT, nest_out);
	rt_set_irq_handler(V_NEST_IN, nest_in);
	rt_set_irq_handler(V_HOLD_OUT, hold_out);

	check_ident();		/* 6 */
	check_tpr();		/* 3 */
	timer_calibrate();
	check_oneshot();	/* 2 */
	check_periodic();	/* 2 */
	check_tsc_deadline();	/* 2 */
	check_ipi_and_order();	/* 4 */
	check_x2apic();		/* 2 */
}

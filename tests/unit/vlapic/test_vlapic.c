/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the vLAPIC model: fake clock, recording ops, up to four
 * vLAPICs wired together through dest_mask.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include <string.h>
#include <lib/errno.h>
#include <dm/vlapic.h>
#include <dm/vioapic.h>

#define NR 4U

struct fake {
	uint64_t now;
	bool armed;
	uint64_t deadline;
	int arms, cancels;
	uint64_t ipi_mask;
	uint32_t ipi_mode, ipi_vec;
	int ipis;
	uint32_t eoi_vec;
	int eois;
	int inits, sipis;
	uint32_t sipi_vec, init_sipi_vcpu;
	int kicks;
};

static struct vlapic lapics[NR];
static struct fake fk[NR];
static uint64_t clock_now;

static uint64_t f_now(void *ctx) { (void)ctx; return clock_now; }
static void f_arm(void *ctx, uint64_t d) { struct fake *f = ctx; f->armed = true; f->deadline = d; f->arms++; }
static void f_cancel(void *ctx) { struct fake *f = ctx; f->armed = false; f->cancels++; }

static uint64_t f_dest_mask(void *ctx, uint32_t dest, bool logical, bool x2apic)
{
	uint64_t m = 0;
	unsigned i;

	(void)ctx;
	for (i = 0; i < NR; i++)
		if (vlapic_match_dest(&lapics[i], dest, logical, x2apic))
			m |= 1ULL << i;
	return m;
}

static void f_send_ipi(void *ctx, uint64_t mask, uint32_t mode, uint32_t vector)
{
	struct fake *f = ctx;

	f->ipi_mask = mask;
	f->ipi_mode = mode;
	f->ipi_vec = vector;
	f->ipis++;
}

static void f_eoi(void *ctx, uint32_t vector) { struct fake *f = ctx; f->eoi_vec = vector; f->eois++; }

static void f_init_sipi(void *ctx, uint32_t vcpu, bool is_sipi, uint32_t vector)
{
	struct fake *f = ctx;

	f->init_sipi_vcpu = vcpu;
	if (is_sipi) {
		f->sipis++;
		f->sipi_vec = vector;
	} else {
		f->inits++;
	}
}

static void f_kick(void *ctx) { struct fake *f = ctx; f->kicks++; }

static const struct vlapic_ops ops = {
	.now = f_now, .timer_arm = f_arm, .timer_cancel = f_cancel,
	.dest_mask = f_dest_mask, .send_ipi = f_send_ipi, .eoi_level = f_eoi,
	.init_sipi = f_init_sipi, .kick = f_kick,
};

static void setup_n(uint32_t ratio, bool directed_eoi)
{
	unsigned i;

	clock_now = 1000;
	memset(fk, 0, sizeof(fk));
	for (i = 0; i < NR; i++) {
		struct vlapic_config cfg = {
			.vcpu_id = i, .nr_vcpus = NR, .apic_id = i, .bsp = (i == 0),
			.directed_eoi = directed_eoi, .tsc_per_bus_tick = ratio,
		};
		assert_int_equal(vlapic_init(&lapics[i], &cfg, &ops, &fk[i]), 0);
	}
}

static uint32_t rd(struct vlapic *v, uint32_t off)
{
	uint32_t val = 0xdeadbeef;

	assert_int_equal(vlapic_mmio_read(v, off, 4, &val), 0);
	return val;
}

static void wr(struct vlapic *v, uint32_t off, uint32_t val)
{
	assert_int_equal(vlapic_mmio_write(v, off, 4, val), 0);
}

static bool irr_has(struct vlapic *v, uint32_t vec)
{
	return (rd(v, VLAPIC_OFF_IRR0 + (vec / 32) * 16) >> (vec % 32)) & 1;
}

static bool isr_has(struct vlapic *v, uint32_t vec)
{
	return (rd(v, VLAPIC_OFF_ISR0 + (vec / 32) * 16) >> (vec % 32)) & 1;
}

/* Software-enable the APIC (SVR) with spurious vector 0xFF. */
static void enable(struct vlapic *v)
{
	wr(v, VLAPIC_OFF_SVR, 0x1FF);
}

static void to_x2apic(struct vlapic *v)
{
	assert_int_equal(vlapic_msr_write(v, VLAPIC_MSR_APIC_BASE,
					  vlapic_get_apicbase(v) | VLAPIC_BASE_EXTD), 0);
}

/* ---------------------------------------------------------------- reset */

static void test_vlapic_reset_state_matches_sdm(void **s)
{
	struct vlapic *v = &lapics[2];

	setup_n(1, true);
	assert_int_equal(rd(v, VLAPIC_OFF_ID), 2U << 24);
	assert_int_equal(rd(v, VLAPIC_OFF_VER) & 0xFF, 0x14);
	assert_int_equal((rd(v, VLAPIC_OFF_VER) >> 16) & 0xFF, 6);	/* max LVT */
	assert_true(rd(v, VLAPIC_OFF_VER) & (1U << 24));			/* directed EOI */
	assert_int_equal(rd(v, VLAPIC_OFF_SVR), 0xFF);
	assert_int_equal(rd(v, VLAPIC_OFF_DFR), 0xFFFFFFFFU);
	assert_int_equal(rd(v, VLAPIC_OFF_LVT_TIMER), VLAPIC_LVT_MASKED);
	assert_int_equal(rd(v, VLAPIC_OFF_LVT_CMCI), VLAPIC_LVT_MASKED);
	assert_int_equal(rd(v, VLAPIC_OFF_LVT_ERROR), VLAPIC_LVT_MASKED);
	assert_int_equal(vlapic_get_apicbase(v), 0xFEE00000ULL | VLAPIC_BASE_EN);
	assert_int_equal(vlapic_get_apicbase(&lapics[0]), 0xFEE00000ULL | VLAPIC_BASE_EN | VLAPIC_BASE_BSP);
	setup_n(1, false);
	assert_false(rd(v, VLAPIC_OFF_VER) & (1U << 24));
}

static void test_vlapic_init_rejects_bad_config(void **s)
{
	struct vlapic_config cfg = { .vcpu_id = 0, .nr_vcpus = 1, .tsc_per_bus_tick = 0 };

	assert_int_equal(vlapic_init(&lapics[0], &cfg, &ops, NULL), -EINVAL);
	cfg.tsc_per_bus_tick = 1;
	cfg.vcpu_id = 1;
	assert_int_equal(vlapic_init(&lapics[0], &cfg, &ops, NULL), -EINVAL);
	cfg.vcpu_id = 0;
	cfg.nr_vcpus = 65;
	assert_int_equal(vlapic_init(&lapics[0], &cfg, &ops, NULL), -EINVAL);
}

static void test_vlapic_register_page_is_xapic_layout(void **s)
{
	struct vlapic *v = &lapics[0];

	setup_n(1, false);
	enable(v);
	wr(v, VLAPIC_OFF_TPR, 0x35);
	assert_int_equal(v->regs[VLAPIC_OFF_TPR / 4], 0x35);
	assert_int_equal(vlapic_set_intr(v, 0x41, false), 0);
	assert_int_equal(v->regs[(VLAPIC_OFF_IRR0 + 0x20) / 4], 1U << 1);
	assert_int_equal(vlapic_set_intr(v, 0xFF, true), 0);
	assert_int_equal(v->regs[(VLAPIC_OFF_TMR0 + 0x70) / 4], 1U << 31);
	assert_int_equal(sizeof(v->regs), 4096);
	assert_int_equal((uintptr_t)v->regs & 0xFFF, 0);
}

/* ---------------------------------------------------------------- timer */

static void test_vlapic_oneshot_timer_fires_once(void **s)
{
	struct vlapic *v = &lapics[0];

	setup_n(2, false);
	enable(v);
	wr(v, VLAPIC_OFF_TDCR, 0xB);		/* divide by 1 */
	wr(v, VLAPIC_OFF_LVT_TIMER, 0x40);	/* one-shot, vector 0x40 */
	wr(v, VLAPIC_OFF_TMICT, 100);
	assert_true(fk[0].armed);
	assert_int_equal(fk[0].deadline, 1000 + 100 * 2);
	clock_now = 1100;			/* early host timer: nothing */
	vlapic_timer_expired(v);
	assert_false(irr_has(v, 0x40));
	assert_int_equal(rd(v, VLAPIC_OFF_TMCCT), 50);
	clock_now = 1200;
	vlapic_timer_expired(v);
	assert_true(irr_has(v, 0x40));
	assert_int_equal(rd(v, VLAPIC_OFF_TMCCT), 0);
	/* Take and EOI it; a stale second expiry must not fire again. */
	assert_int_equal(vlapic_intr_accepted(v, 0x40), 0);
	wr(v, VLAPIC_OFF_EOI, 0);
	clock_now = 5000;
	vlapic_timer_expired(v);
	assert_false(irr_has(v, 0x40));
}

static void test_vlapic_periodic_timer_rearms(void **s)
{
	struct vlapic *v = &lapics[0];

	setup_n(1, false);
	enable(v);
	wr(v, VLAPIC_OFF_TDCR, 0x0);		/* divide by 2 */
	wr(v, VLAPIC_OFF_LVT_TIMER, 0x50 | (VLAPIC_LVT_TIMER_PERIODIC << 17));
	wr(v, VLAPIC_OFF_TMICT, 10);		/* period 20 TSC */
	assert_int_equal(fk[0].deadline, 1020);
	clock_now = 1020;
	vlapic_timer_expired(v);
	assert_true(irr_has(v, 0x50));
	assert_true(fk[0].armed);
	assert_int_equal(fk[0].deadline, 1040);
	assert_int_equal(vlapic_intr_accepted(v, 0x50), 0);
	wr(v, VLAPIC_OFF_EOI, 0);
	/* 25 ticks late: one interrupt, next deadline stays on the period grid. */
	clock_now = 1065;
	vlapic_timer_expired(v);
	assert_true(irr_has(v, 0x50));
	assert_int_equal(fk[0].deadline, 1080);
	assert_int_equal(rd(v, VLAPIC_OFF_TMCCT), 8);	/* 15 TSC left = 7.5 ticks, rounded up */
	/* Writing 0 to TMICT stops it. */
	wr(v, VLAPIC_OFF_TMICT, 0);
	assert_false(fk[0].armed);
}

static void test_vlapic_periodic_rearm_respects_min_period(void **s)
{
	struct vlapic *v = &lapics[0];
	struct vlapic_config cfg = { .vcpu_id = 0, .nr_vcpus = 1, .tsc_per_bus_tick = 1,
				     .min_period_tsc = 500 };

	setup_n(1, false);
	assert_int_equal(vlapic_init(v, &cfg, &ops, &fk[0]), 0);
	enable(v);
	wr(v, VLAPIC_OFF_TDCR, 0xB);
	wr(v, VLAPIC_OFF_LVT_TIMER, 0x50 | (VLAPIC_LVT_TIMER_PERIODIC << 17));
	wr(v, VLAPIC_OFF_TMICT, 1);		/* a 1-tick period from a hostile guest */
	assert_int_equal(fk[0].deadline, 1001);
	clock_now = 1001;
	vlapic_timer_expired(v);
	assert_true(irr_has(v, 0x50));
	assert_int_equal(fk[0].deadline, 1501);
}

static void test_vlapic_divide_config_values(void **s)
{
	static const struct { uint32_t tdcr, div; } t[] = {
		{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
		{ 0x8, 32 }, { 0x9, 64 }, { 0xA, 128 }, { 0xB, 1 },
	};
	struct vlapic *v = &lapics[0];
	unsigned i;

	setup_n(3, false);
	enable(v);
	wr(v, VLAPIC_OFF_LVT_TIMER, 0x40);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		wr(v, VLAPIC_OFF_TDCR, t[i].tdcr);
		assert_int_equal(rd(v, VLAPIC_OFF_TDCR), t[i].tdcr);
		wr(v, VLAPIC_OFF_TMICT, 7);
		assert_int_equal(fk[0].deadline, clock_now + 7ULL * t[i].div * 3);
		assert_int_equal(rd(v, VLAPIC_OFF_TMCCT), 7);
	}
}

static void test_vlapic_divider_change_keeps_remaining_count(void **s)
{
	struct vlapic *v = &lapics[0];

	setup_n(1, false);
	enable(v);
	wr(v, VLAPIC_OFF_TDCR, 0xB);			/* divide by 1 */
	wr(v, VLAPIC_OFF_LVT_TIMER, 0x40);
	wr(v, VLAPIC_OFF_TMICT, 100);
	clock_now += 40;				/* 60 ticks left */
	wr(v, VLAPIC_OFF_TDCR, 0x0);			/* divide by 2 */
	assert_int_equal(rd(v, VLAPIC_OFF_TMCCT), 60);
	assert_int_equal(fk[0].deadline, clock_now + 120);
	/* Count already at 0, expiry not yet delivered: it must still fire. */
	clock_now += 120;
	wr(v, VLAPIC_OFF_TDCR, 0xB);
	assert_true(fk[0].armed);
	vlapic_timer_expired(v);
	assert_true(irr_has(v, 0x40));
}

static void test_vlapic_masked_timer_does_not_deliver(void **s)
{
	struct vlapic *v = &lapics[0];

	setup_n(1, false);
	enable(v);
	wr(v, VLAPIC_OFF_TDCR, 0xB);
	wr(v, VLAPIC_OFF_LVT_TIMER, 0x40 | VLAPIC_LVT_MASKED);
	wr(v, VLAPIC_OFF_TMICT, 10);
	clock_now += 10;
	vlapic_timer_expired(v);
	assert_false(irr_has(v, 0x40));
	assert_int_equal(vlapic_pending_intr(v, &(uint32_t){0}), -ENOENT);
}

static void test_vlapic_tsc_deadline_fires_once_and_clears_msr(void **s)
{
	struct vlapic *v = &lapics[0];
	uint64_t val;

	setup_n(1, false);
	enable(v);
	wr(v, VLAPIC_OFF_LVT_TIMER, 0x60 | (VLAPIC_LVT_TIMER_TSCDEADLINE << 17));
	assert_int_equal(vlapic_msr_write(v, VLAPIC_MSR_TSC_DEADLINE, 5000), 0);
	assert_true(fk[0].armed);
	assert_int_equal(fk[0].deadline, 5000);
	assert_int_equal(vlapic_msr_read(v, VLAPIC_MSR_TSC_DEADLINE, &val), 0);
	assert_int_equal(val, 5000);
	wr(v, VLAPIC_OFF_TMICT, 10);		/* ignored in TSC-deadline mode */
	assert_int_equal(rd(v, VLAPIC_OFF_TMICT), 0);
	assert_int_equal(fk[0].deadline, 5000);
	clock_now = 5000;
	vlapic_timer_expired(v);
	assert_true(irr_has(v, 0x60));
	assert_int_equal(vlapic_get_tsc_deadline(v), 0);
	assert_int_equal(vlapic_intr_accepted(v, 0x60), 0);
	vlapic_timer_expired(v);
	assert_false(irr_has(v, 0x60));
}

static void test_vlapic_tsc_deadline_cancel_by_zero(void **s)
{
	struct vlapic *v = &lapics[0];

	setup_n(1, false);
	enable(v);
	wr(v, VLAPIC_OFF_LVT_TIMER, 0x60 | (VLAPIC_LVT_TIMER_TSCDEADLINE << 17));
	vlapic_set_tsc_deadline(v, 3000);
	assert_true(fk[0].armed);
	vlapic_set_tsc_deadline(v, 0);
	assert_false(fk[0].armed);
	assert_int_equal(fk[0].cancels, 1);
	clock_now = 4000;
	vlapic_timer_expired(v);		/* stale host timer */
	assert_false(irr_has(v, 0x60));
}

static void test_vlapic_tsc_deadline_ignored_outside_mode(void **s)
{
	struct vlapic *v = &lapics[0];

	setup_n(1, false);
	enable(v);
	wr(v, VLAPIC_OFF_LVT_TIMER, 0x60);	/* one-shot */
	vlapic_set_tsc_deadline(v, 3000);
	assert_false(fk[0].armed);
	assert_int_equal(vlapic_get_tsc_deadline(v), 0);
	/* Leaving TSC-deadline mode disarms a running deadline. */
	wr(v, VLAPIC_OFF_LVT_TIMER, 0x60 | (VLAPIC_LVT_TIMER_TSCDEADLINE << 17));
	vlapic_set_tsc_deadline(v, 3000);
	assert_true(fk[0].armed);
	wr(v, VLAPIC_OFF_LVT_TIMER, 0x60);
	assert_false(fk[0].armed);
	clock_now = 3000;
	vlapic_timer_expired(v);
	assert_false(irr_has(v, 0x60));
}

/* ---------------------------------------------------------------- priority */

static void test_vlapic_tpr_masks_lower_class(void **s)
{
	struct vlapic *v = &lapics[0];
	uint32_t vec;

	setup_n(1, false);
	enable(v);
	assert_int_equal(vlapic_set_intr(v, 0x45, false), 0);
	wr(v, VLAPIC_OFF_TPR, 0x50);
	assert_int_equal(vlapic_pending_intr(v, &vec), -ENOENT);
	wr(v, VLAPIC_OFF_TPR, 0x40);		/* same class still blocks */
	assert_int_equal(vlapic_pending_intr(v, &vec), -ENOENT);
	assert_int_equal(vlapic_intr_accepted(v, 0x45), -EINVAL);
	wr(v, VLAPIC_OFF_TPR, 0x3F);
	assert_int_equal(vlapic_pending_intr(v, &vec), 0);
	assert_int_equal(vec, 0x45);
}

static void test_vlapic_ppr_follows_isr_and_blocks_same_class(void **s)
{
	struct vlapic *v = &lapics[0];
	uint32_t vec;

	setup_n(1, false);
	enable(v);
	wr(v, VLAPIC_OFF_TPR, 0x21);
	assert_int_equal(rd(v, VLAPIC_OFF_PPR), 0x21);
	vlapic_set_intr(v, 0x80, false);
	assert_int_equal(vlapic_intr_accepted(v, 0x80), 0);
	assert_int_equal(rd(v, VLAPIC_OFF_PPR), 0x80);
	vlapic_set_intr(v, 0x8F, false);
	assert_int_equal(vlapic_pending_intr(v, &vec), -ENOENT);
	vlapic_set_intr(v, 0x91, false);
	assert_int_equal(vlapic_pending_intr(v, &vec), 0);
	assert_int_equal(vec, 0x91);
	assert_int_equal(vlapic_intr_accepted(v, 0x91), 0);
	wr(v, VLAPIC_OFF_EOI, 0);			/* ends 0x91 */
	assert_false(isr_has(v, 0x91));
	assert_true(isr_has(v, 0x80));
	assert_int_equal(vlapic_pending_intr(v, &vec), -ENOENT);
	wr(v, VLAPIC_OFF_EOI, 0);			/* ends 0x80: 0x8F now deliverable */
	assert_int_equal(rd(v, VLAPIC_OFF_PPR), 0x21);
	assert_int_equal(vlapic_pending_intr(v, &vec), 0);
	assert_int_equal(vec, 0x8F);
}

static void test_vlapic_eoi_clears_highest_isr_and_notifies_level(void **s)
{
	struct vlapic *v = &lapics[0];

	setup_n(1, false);
	enable(v);
	vlapic_set_intr(v, 0x50, true);
	assert_int_equal(vlapic_intr_accepted(v, 0x50), 0);
	vlapic_set_intr(v, 0x90, false);
	assert_int_equal(vlapic_intr_accepted(v, 0x90), 0);
	wr(v, VLAPIC_OFF_EOI, 0);
	assert_false(isr_has(v, 0x90));
	assert_true(isr_has(v, 0x50));
	assert_int_equal(fk[0].eois, 0);	/* edge: no broadcast */
	wr(v, VLAPIC_OFF_EOI, 0);
	assert_false(isr_has(v, 0x50));
	assert_int_equal(fk[0].eois, 1);
	assert_int_equal(fk[0].eoi_vec, 0x50);
	wr(v, VLAPIC_OFF_EOI, 0);			/* nothing in service */
	assert_int_equal(fk[0].eois, 1);
}

static void test_vlapic_eoi_broadcast_suppressed_by_svr(void **s)
{
	struct vlapic *v = &lapics[0];

	setup_n(1, true);
	wr(v, VLAPIC_OFF_SVR, 0x1FF | VLAPIC_SVR_SUPPRESS_EOI_BCAST);
	assert_true(rd(v, VLAPIC_OFF_SVR) & VLAPIC_SVR_SUPPRESS_EOI_BCAST);
	vlapic_set_intr(v, 0x50, true);
	vlapic_intr_accepted(v, 0x50);
	wr(v, VLAPIC_OFF_EOI, 0);
	assert_false(isr_has(v, 0x50));
	assert_int_equal(fk[0].eois, 0);
	/* Without the directed-EOI capability the bit is not writable. */
	setup_n(1, false);
	wr(v, VLAPIC_OFF_SVR, 0x1FF | VLAPIC_SVR_SUPPRESS_EOI_BCAST);
	assert_false(rd(v, VLAPIC_OFF_SVR) & VLAPIC_SVR_SUPPRESS_EOI_BCAST);
}

static void test_vlapic_illegal_vector_sets_esr_write_then_read(void **s)
{
	struct vlapic *v = &lapics[0];

	setup_n(1, false);
	enable(v);
	assert_int_equal(vlapic_set_intr(v, 5, false), -EINVAL);
	assert_int_equal(rd(v, VLAPIC_OFF_ESR), 0);	/* not visible until written */
	wr(v, VLAPIC_OFF_ESR, 0);
	assert_int_equal(rd(v, VLAPIC_OFF_ESR), VLAPIC_ESR_RECV_ILLEGAL_VECTOR);
	wr(v, VLAPIC_OFF_ESR, 0);
	assert_int_equal(rd(v, VLAPIC_OFF_ESR), 0);
	assert_false(irr_has(v, 5));
}

static void test_vlapic_error_lvt_signals_new_error(void **s)
{
	struct vlapic *v = &lapics[0];

	setup_n(1, false);
	enable(v);
	wr(v, VLAPIC_OFF_LVT_ERROR, 0xE0);
	assert_int_equal(vlapic_set_intr(v, 3, false), -EINVAL);
	assert_true(irr_has(v, 0xE0));
	assert_int_equal(vlapic_intr_accepted(v, 0xE0), 0);
	wr(v, VLAPIC_OFF_EOI, 0);
	/* The same error again, not yet collected by an ESR write: no new interrupt. */
	assert_int_equal(vlapic_set_intr(v, 3, false), -EINVAL);
	assert_false(irr_has(v, 0xE0));
	/* A different error is new. */
	assert_int_equal(vlapic_mmio_write(v, VLAPIC_OFF_ICR_LO, 4, 0x01), -EINVAL);
	assert_true(irr_has(v, 0xE0));
	/* An illegal vector in the error LVT itself does not recurse. */
	wr(v, VLAPIC_OFF_LVT_ERROR, 0x02);
	wr(v, VLAPIC_OFF_ESR, 0);
	assert_int_equal(vlapic_set_intr(v, 4, false), -EINVAL);
	assert_false(irr_has(v, 2));
}

static void test_vlapic_sw_disable_masks_all_lvts(void **s)
{
	struct vlapic *v = &lapics[0];
	uint32_t off;

	setup_n(1, false);
	enable(v);
	wr(v, VLAPIC_OFF_LVT_TIMER, 0x40);
	wr(v, VLAPIC_OFF_LVT_LINT0, 0x700);
	wr(v, VLAPIC_OFF_LVT_CMCI, 0x41);
	wr(v, VLAPIC_OFF_SVR, 0xFF);		/* software disable */
	assert_true(rd(v, VLAPIC_OFF_LVT_CMCI) & VLAPIC_LVT_MASKED);
	for (off = VLAPIC_OFF_LVT_TIMER; off <= VLAPIC_OFF_LVT_ERROR; off += 16)
		assert_true(rd(v, off) & VLAPIC_LVT_MASKED);
	wr(v, VLAPIC_OFF_LVT_TIMER, 0x40);	/* cannot unmask while disabled */
	assert_true(rd(v, VLAPIC_OFF_LVT_TIMER) & VLAPIC_LVT_MASKED);
	assert_int_equal(vlapic_set_intr(v, 0x40, false), -ENODEV);
	assert_false(irr_has(v, 0x40));
	enable(v);
	assert_true(rd(v, VLAPIC_OFF_LVT_TIMER) & VLAPIC_LVT_MASKED);
	wr(v, VLAPIC_OFF_LVT_TIMER, 0x40);
	assert_false(rd(v, VLAPIC_OFF_LVT_TIMER) & VLAPIC_LVT_MASKED);
}

static void test_vlapic_intr_accepted_rejects_non_pending(void **s)
{
	struct vlapic *v = &lapics[0];

	setup_n(1, false);
	enable(v);
	assert_int_equal(vlapic_intr_accepted(v, 0x70), -EINVAL);
	assert_int_equal(vlapic_intr_accepted(v, 300), -EINVAL);
	assert_int_equal(vlapic_set_intr(v, 256, false), -EINVAL);
	assert_false(isr_has(v, 0x70));
}

static void test_vlapic_new_irr_bit_kicks(void **s)
{
	struct vlapic *v = &lapics[0];

	setup_n(1, false);
	enable(v);
	vlapic_set_intr(v, 0x70, false);
	vlapic_set_intr(v, 0x70, false);	/* already pending: no second kick */
	assert_int_equal(fk[0].kicks, 1);
}

/* ---------------------------------------------------------------- IPIs */

static void test_vlapic_icr_all_excluding_self(void **s)
{
	struct vlapic *v = &lapics[1];

	setup_n(1, false);
	enable(v);
	wr(v, VLAPIC_OFF_ICR_LO, 0x31 | (VLAPIC_SH_ALL_EXCL_SELF << 18));
	assert_int_equal(fk[1].ipis, 1);
	assert_int_equal(fk[1].ipi_mask, 0xD);
	assert_int_equal(fk[1].ipi_mode, VLAPIC_DM_FIXED);
	assert_int_equal(fk[1].ipi_vec, 0x31);
	wr(v, VLAPIC_OFF_ICR_LO, 0x31 | (VLAPIC_SH_ALL_INCL_SELF << 18));
	assert_int_equal(fk[1].ipi_mask, 0xF);
	wr(v, VLAPIC_OFF_ICR_LO, 0x31 | (VLAPIC_SH_SELF << 18));
	assert_int_equal(fk[1].ipi_mask, 0x2);
	assert_int_equal(rd(v, VLAPIC_OFF_ICR_LO) & (1U << 12), 0);	/* delivery status idle */
}

static void test_vlapic_icr_physical_and_broadcast(void **s)
{
	struct vlapic *v = &lapics[0];

	setup_n(1, false);
	wr(v, VLAPIC_OFF_ICR_HI, 3U << 24);
	wr(v, VLAPIC_OFF_ICR_LO, 0x44 | (VLAPIC_DM_NMI << 8));
	assert_int_equal(fk[0].ipi_mask, 0x8);
	assert_int_equal(fk[0].ipi_mode, VLAPIC_DM_NMI);
	wr(v, VLAPIC_OFF_ICR_HI, 0xFFU << 24);
	wr(v, VLAPIC_OFF_ICR_LO, 0x44);
	assert_int_equal(fk[0].ipi_mask, 0xF);
	/* No such APIC: nothing is sent. */
	wr(v, VLAPIC_OFF_ICR_HI, 9U << 24);
	fk[0].ipis = 0;
	wr(v, VLAPIC_OFF_ICR_LO, 0x44);
	assert_int_equal(fk[0].ipis, 0);
}

static void test_vlapic_logical_flat_and_cluster_match(void **s)
{
	setup_n(1, false);
	wr(&lapics[1], VLAPIC_OFF_LDR, 0x02U << 24);
	wr(&lapics[2], VLAPIC_OFF_LDR, 0x04U << 24);
	assert_int_equal(f_dest_mask(NULL, 0x06, true, false), 0x6);
	assert_int_equal(f_dest_mask(NULL, 0x02, true, false), 0x2);
	/* Cluster model: high nibble = cluster, low nibble = members. */
	wr(&lapics[1], VLAPIC_OFF_DFR, 0x0FFFFFFF);
	wr(&lapics[2], VLAPIC_OFF_DFR, 0x0FFFFFFF);
	assert_int_equal(rd(&lapics[1], VLAPIC_OFF_DFR), 0x0FFFFFFF);
	wr(&lapics[1], VLAPIC_OFF_LDR, 0x21U << 24);	/* cluster 2, member 1 */
	wr(&lapics[2], VLAPIC_OFF_LDR, 0x31U << 24);	/* cluster 3, member 1 */
	assert_int_equal(f_dest_mask(NULL, 0x21, true, false), 0x2);
	assert_int_equal(f_dest_mask(NULL, 0x31, true, false), 0x4);
	assert_int_equal(f_dest_mask(NULL, 0x22, true, false), 0x0);
	assert_true(vlapic_match_dest(&lapics[1], 0xFF, true, false));
	/* Sending through the ICR uses the same matching. */
	enable(&lapics[0]);
	wr(&lapics[0], VLAPIC_OFF_ICR_HI, 0x31U << 24);
	wr(&lapics[0], VLAPIC_OFF_ICR_LO, 0x55 | VLAPIC_ICR_DEST_LOGICAL);
	assert_int_equal(fk[0].ipi_mask, 0x4);
}

static void test_vlapic_icr_lowest_priority_picks_lowest_vcpu(void **s)
{
	setup_n(1, false);
	wr(&lapics[0], VLAPIC_OFF_ICR_LO, 0x66 | (VLAPIC_DM_LOWPRI << 8) |
	   (VLAPIC_SH_ALL_EXCL_SELF << 18));
	assert_int_equal(fk[0].ipi_mask, 0x2);
	assert_int_equal(fk[0].ipi_mode, VLAPIC_DM_FIXED);
}

static void test_vlapic_icr_illegal_vector_not_sent(void **s)
{
	struct vlapic *v = &lapics[0];

	setup_n(1, false);
	enable(v);
	wr(v, VLAPIC_OFF_ICR_HI, 1U << 24);
	assert_int_equal(vlapic_mmio_write(v, VLAPIC_OFF_ICR_LO, 4, 0x0F), -EINVAL);
	assert_int_equal(fk[0].ipis, 0);
	wr(v, VLAPIC_OFF_ESR, 0);
	assert_int_equal(rd(v, VLAPIC_OFF_ESR), VLAPIC_ESR_SEND_ILLEGAL_VECTOR);
}

static void test_vlapic_icr_smi_deassert_extint_not_sent(void **s)
{
	struct vlapic *v = &lapics[0];

	setup_n(1, false);
	wr(v, VLAPIC_OFF_ICR_HI, 1U << 24);
	wr(v, VLAPIC_OFF_ICR_LO, VLAPIC_DM_SMI << 8);
	wr(v, VLAPIC_OFF_ICR_LO, (VLAPIC_DM_INIT << 8) | VLAPIC_ICR_TRIGGER_LEVEL);	/* de-assert */
	assert_int_equal(vlapic_mmio_write(v, VLAPIC_OFF_ICR_LO, 4, (VLAPIC_DM_EXTINT << 8) | 0x30),
			 -ENOTSUP);
	assert_int_equal(fk[0].ipis, 0);
	wr(v, VLAPIC_OFF_ICR_LO, (VLAPIC_DM_INIT << 8) | VLAPIC_ICR_LEVEL_ASSERT | VLAPIC_ICR_TRIGGER_LEVEL);
	assert_int_equal(fk[0].ipis, 1);
	assert_int_equal(fk[0].ipi_mode, VLAPIC_DM_INIT);
	wr(v, VLAPIC_OFF_ICR_LO, (VLAPIC_DM_SIPI << 8) | 0x9A);
	assert_int_equal(fk[0].ipi_mode, VLAPIC_DM_SIPI);
	assert_int_equal(fk[0].ipi_vec, 0x9A);
	assert_int_equal(fk[0].ipi_mask, 0x2);
}

static void test_vlapic_init_sipi_sequence(void **s)
{
	struct vlapic *v = &lapics[1];

	setup_n(1, false);
	enable(v);
	wr(v, VLAPIC_OFF_TPR, 0x20);
	assert_int_equal(vlapic_deliver_sipi(v, 0x10), 0);	/* AP waits for SIPI after power-on */
	assert_int_equal(fk[1].sipis, 1);
	assert_int_equal(vlapic_deliver_sipi(v, 0x10), -EAGAIN);	/* not waiting any more */
	vlapic_deliver_init(v);
	assert_int_equal(fk[1].inits, 1);
	assert_int_equal(fk[1].init_sipi_vcpu, 1);
	assert_int_equal(rd(v, VLAPIC_OFF_TPR), 0);	/* INIT reset the registers */
	assert_int_equal(rd(v, VLAPIC_OFF_SVR), 0xFF);
	assert_int_equal(rd(v, VLAPIC_OFF_ID), 1U << 24);	/* but kept the ID */
	assert_int_equal(vlapic_deliver_sipi(v, 0x9A), 0);
	assert_int_equal(fk[1].sipis, 2);
	assert_int_equal(fk[1].sipi_vec, 0x9A);
	/* BSP does not wait for SIPI at power-on. */
	assert_int_equal(vlapic_deliver_sipi(&lapics[0], 0x10), -EAGAIN);
}

/* ---------------------------------------------------------------- x2APIC */

static void test_vlapic_x2apic_icr_single_msr(void **s)
{
	struct vlapic *v = &lapics[0];
	unsigned i;
	uint64_t val;

	setup_n(1, false);
	for (i = 0; i < NR; i++)
		to_x2apic(&lapics[i]);
	assert_int_equal(vlapic_msr_write(v, VLAPIC_MSR_X2APIC_ICR, (3ULL << 32) | 0x77), 0);
	assert_int_equal(fk[0].ipis, 1);
	assert_int_equal(fk[0].ipi_mask, 0x8);
	assert_int_equal(vlapic_msr_read(v, VLAPIC_MSR_X2APIC_ICR, &val), 0);
	assert_int_equal(val, (3ULL << 32) | 0x77);
	/* The 64-bit ICR sits at page offset 0x300 as the CPU's x2APIC virtualization expects. */
	assert_int_equal(v->regs[0x300 / 4], 0x77);
	assert_int_equal(v->regs[0x304 / 4], 3);
	assert_int_equal(vlapic_msr_read(v, 0x831, &val), -EINVAL);	/* no ICR high in x2APIC */
	assert_int_equal(vlapic_msr_write(v, VLAPIC_MSR_X2APIC_ICR, 0x77 | (1U << 12)), -EINVAL);
	/* x2APIC broadcast. */
	assert_int_equal(vlapic_msr_write(v, VLAPIC_MSR_X2APIC_ICR, (0xFFFFFFFFULL << 32) | 0x77), 0);
	assert_int_equal(fk[0].ipi_mask, 0xF);
}

static void test_vlapic_x2apic_ldr_derived_readonly_no_dfr(void **s)
{
	struct vlapic *v = &lapics[0];
	struct vlapic_config cfg = { .vcpu_id = 0, .nr_vcpus = 1, .apic_id = 0x23, .tsc_per_bus_tick = 1 };
	uint64_t val;

	assert_int_equal(vlapic_init(v, &cfg, &ops, &fk[0]), 0);
	to_x2apic(v);
	assert_int_equal(vlapic_msr_read(v, 0x802, &val), 0);
	assert_int_equal(val, 0x23);
	assert_int_equal(vlapic_msr_read(v, 0x80D, &val), 0);
	assert_int_equal(val, (0x2U << 16) | (1U << 3));
	assert_int_equal(vlapic_msr_write(v, 0x80D, 0), -EINVAL);
	assert_int_equal(vlapic_msr_read(v, 0x80E, &val), -EINVAL);
	assert_int_equal(vlapic_msr_write(v, 0x80E, 0), -EINVAL);
	assert_true(vlapic_match_dest(v, (0x2U << 16) | 0x8, true, true));
	assert_false(vlapic_match_dest(v, (0x3U << 16) | 0x8, true, true));
	assert_true(vlapic_match_dest(v, 0x23, false, true));
}

static void test_vlapic_x2apic_reserved_bits_fault(void **s)
{
	struct vlapic *v = &lapics[0];
	uint64_t val;

	setup_n(1, false);
	to_x2apic(v);
	assert_int_equal(vlapic_msr_write(v, 0x808, 0x100), -EINVAL);		/* TPR */
	assert_int_equal(vlapic_msr_write(v, 0x808, 1ULL << 32), -EINVAL);
	assert_int_equal(vlapic_msr_write(v, 0x808, 0x40), 0);
	assert_int_equal(vlapic_msr_read(v, 0x808, &val), 0);
	assert_int_equal(val, 0x40);
	assert_int_equal(vlapic_msr_write(v, 0x80B, 1), -EINVAL);		/* EOI must be 0 */
	assert_int_equal(vlapic_msr_write(v, 0x80B, 0), 0);
	assert_int_equal(vlapic_msr_read(v, 0x80B, &val), -EINVAL);		/* write-only */
	assert_int_equal(vlapic_msr_write(v, 0x828, 1), -EINVAL);		/* ESR */
	assert_int_equal(vlapic_msr_write(v, 0x80A, 0), -EINVAL);		/* PPR read-only */
	assert_int_equal(vlapic_msr_write(v, 0x839, 0), -EINVAL);		/* CCR read-only */
	assert_int_equal(vlapic_msr_read(v, 0x809, &val), -EINVAL);		/* no APR */
	assert_int_equal(vlapic_msr_read(v, 0x83F, &val), -EINVAL);		/* SELF IPI write-only */
	assert_int_equal(vlapic_msr_write(v, 0x83F, 0x100), -EINVAL);
	assert_int_equal(vlapic_msr_write(v, 0x832, 3U << 17), -EINVAL);	/* reserved timer mode */
	assert_int_equal(vlapic_msr_write(v, 0x835, 1U << 14), -EINVAL);	/* RO remote IRR */
	assert_int_equal(vlapic_msr_write(v, 0x83E, 0x4), -EINVAL);
	assert_int_equal(vlapic_msr_read(v, 0x8FF, &val), -EINVAL);
	assert_int_equal(vlapic_msr_write(v, 0x80F, 0x2000), -EINVAL);		/* SVR reserved */
	/* The xAPIC MMIO view is gone in x2APIC mode. */
	assert_int_equal(vlapic_mmio_read(v, VLAPIC_OFF_ID, 4, &(uint32_t){0}), -ENODEV);
}

static void test_vlapic_x2apic_self_ipi_sets_irr(void **s)
{
	struct vlapic *v = &lapics[0];
	uint64_t val;
	uint32_t vec;

	setup_n(1, false);
	to_x2apic(v);
	assert_int_equal(vlapic_msr_write(v, 0x80F, 0x1FF), 0);
	assert_int_equal(vlapic_msr_write(v, VLAPIC_MSR_X2APIC_SELF_IPI, 0x99), 0);
	assert_int_equal(fk[0].ipis, 0);
	assert_int_equal(vlapic_pending_intr(v, &vec), 0);
	assert_int_equal(vec, 0x99);
	assert_int_equal(vlapic_msr_read(v, 0x824, &val), 0);		/* IRR[159:128] */
	assert_int_equal(val, 1U << (0x99 - 128));
}

static void test_vlapic_msr_view_needs_x2apic_mode(void **s)
{
	struct vlapic *v = &lapics[0];
	uint64_t val;

	setup_n(1, false);
	assert_int_equal(vlapic_msr_read(v, 0x802, &val), -EINVAL);
	assert_int_equal(vlapic_msr_write(v, 0x808, 0), -EINVAL);
	assert_int_equal(vlapic_msr_read(v, 0x1000, &val), -EINVAL);
}

static void test_vlapic_illegal_mode_transition_rejected(void **s)
{
	struct vlapic *v = &lapics[0];
	uint64_t b = 0xFEE00000ULL | VLAPIC_BASE_BSP;

	setup_n(1, false);
	assert_int_equal(vlapic_set_apicbase(v, b | VLAPIC_BASE_EXTD), -EINVAL);	/* EXTD without EN */
	assert_int_equal(vlapic_set_apicbase(v, b | VLAPIC_BASE_EN | 1), -EINVAL);	/* reserved bit 0 */
	assert_int_equal(vlapic_set_apicbase(v, b | VLAPIC_BASE_EN | (1ULL << 45)), -EINVAL);
	assert_int_equal(vlapic_set_apicbase(v, b | VLAPIC_BASE_EN | VLAPIC_BASE_EXTD), 0);
	assert_true(vlapic_is_x2apic(v));
	assert_int_equal(vlapic_set_apicbase(v, b | VLAPIC_BASE_EN), -EINVAL);	/* x2APIC -> xAPIC */
	assert_true(vlapic_is_x2apic(v));
	assert_int_equal(vlapic_set_apicbase(v, b), 0);				/* x2APIC -> disabled */
	assert_int_equal(vlapic_set_apicbase(v, b | VLAPIC_BASE_EN | VLAPIC_BASE_EXTD), -EINVAL);
	assert_int_equal(vlapic_set_apicbase(v, b | VLAPIC_BASE_EN), 0);		/* disabled -> xAPIC */
	assert_false(vlapic_is_x2apic(v));
	assert_int_equal(rd(v, VLAPIC_OFF_ID), 0);
	/* The BSP flag cannot be changed by the guest. */
	assert_int_equal(vlapic_set_apicbase(v, 0xFEE00000ULL | VLAPIC_BASE_EN), 0);
	assert_true(vlapic_get_apicbase(v) & VLAPIC_BASE_BSP);
}

static void test_vlapic_global_disable_resets_and_blocks(void **s)
{
	struct vlapic *v = &lapics[0];
	uint32_t val;

	setup_n(1, false);
	enable(v);
	wr(v, VLAPIC_OFF_LVT_TIMER, 0x40);
	wr(v, VLAPIC_OFF_TMICT, 100);
	assert_true(fk[0].armed);
	vlapic_set_intr(v, 0x40, false);
	assert_int_equal(vlapic_set_apicbase(v, 0xFEE00000ULL), 0);
	assert_false(fk[0].armed);
	assert_int_equal(vlapic_set_intr(v, 0x41, false), -ENODEV);
	assert_int_equal(vlapic_mmio_read(v, VLAPIC_OFF_TPR, 4, &val), -ENODEV);
	assert_false(vlapic_match_dest(v, 0, false, false));
	assert_true(vlapic_accepts_extint(v));
	assert_int_equal(vlapic_set_apicbase(v, 0xFEE00000ULL | VLAPIC_BASE_EN), 0);
	assert_false(irr_has(v, 0x40));
	assert_false(vlapic_accepts_extint(v));
	wr(v, VLAPIC_OFF_LVT_LINT0, VLAPIC_DM_EXTINT << 8);
	assert_true(rd(v, VLAPIC_OFF_LVT_LINT0) & VLAPIC_LVT_MASKED);	/* still sw-disabled */
	enable(v);
	wr(v, VLAPIC_OFF_LVT_LINT0, VLAPIC_DM_EXTINT << 8);
	assert_true(vlapic_accepts_extint(v));
}

static void test_vlapic_mmio_bad_access_reported(void **s)
{
	struct vlapic *v = &lapics[0];
	uint32_t val = 1;

	setup_n(1, false);
	assert_int_equal(vlapic_mmio_read(v, 0x24, 4, &val), -EINVAL);
	assert_int_equal(val, 0);
	assert_int_equal(vlapic_mmio_read(v, VLAPIC_OFF_TPR, 2, &val), -EINVAL);
	assert_int_equal(vlapic_mmio_read(v, 0x040, 4, &val), -EINVAL);	/* reserved */
	assert_int_equal(vlapic_mmio_read(v, 0xFF0, 4, &val), -EINVAL);
	assert_int_equal(vlapic_mmio_read(v, 0xFFFFFFF0U, 4, &val), -EINVAL);
	assert_int_equal(vlapic_mmio_write(v, VLAPIC_OFF_ID, 4, 0x5U << 24), -EPERM);
	assert_int_equal(rd(v, VLAPIC_OFF_ID), 0);
	assert_int_equal(vlapic_mmio_write(v, VLAPIC_OFF_PPR, 4, 0xFF), -EPERM);
	assert_int_equal(rd(v, VLAPIC_OFF_PPR), 0);
	assert_int_equal(vlapic_mmio_write(v, 0x3F0, 4, 0x33), -EINVAL);	/* no SELF IPI in xAPIC */
}

static void test_vlapic_fire_lvt_follows_entry(void **s)
{
	struct vlapic *v = &lapics[2];

	setup_n(1, false);
	assert_int_equal(vlapic_fire_lvt(v, VLAPIC_OFF_LVT_PMC), -ENODEV);	/* sw-disabled */
	enable(v);
	assert_int_equal(vlapic_fire_lvt(v, VLAPIC_OFF_LVT_PMC), -EAGAIN);	/* masked at reset */
	wr(v, VLAPIC_OFF_LVT_PMC, 0xA1);
	assert_int_equal(vlapic_fire_lvt(v, VLAPIC_OFF_LVT_PMC), 0);
	assert_true(irr_has(v, 0xA1));
	wr(v, VLAPIC_OFF_LVT_LINT1, VLAPIC_DM_NMI << 8);
	assert_int_equal(vlapic_fire_lvt(v, VLAPIC_OFF_LVT_LINT1), 0);
	assert_int_equal(fk[2].ipi_mode, VLAPIC_DM_NMI);
	assert_int_equal(fk[2].ipi_mask, 1U << 2);
	wr(v, VLAPIC_OFF_LVT_LINT0, VLAPIC_DM_EXTINT << 8);
	assert_int_equal(vlapic_fire_lvt(v, VLAPIC_OFF_LVT_LINT0), -ENOTSUP);
	wr(v, VLAPIC_OFF_LVT_THERMAL, 0x05);
	assert_int_equal(vlapic_fire_lvt(v, VLAPIC_OFF_LVT_THERMAL), -EINVAL);
	assert_false(irr_has(v, 0x05));
	assert_int_equal(vlapic_fire_lvt(v, VLAPIC_OFF_LVT_TIMER), -EINVAL);
	assert_int_equal(vlapic_fire_lvt(v, 0x12345), -EINVAL);
}

static void test_vlapic_dest_mask_of_matches_and_lowest(void **s)
{
	const struct vlapic *const all[NR] = { &lapics[0], &lapics[1], &lapics[2], &lapics[3] };

	setup_n(1, false);
	assert_int_equal(vlapic_dest_mask_of(all, NR, 2, false, false, false), 0x4);
	assert_int_equal(vlapic_dest_mask_of(all, NR, 0xFF, false, false, false), 0xF);
	assert_int_equal(vlapic_dest_mask_of(all, NR, 0xFF, false, false, true), 0x1);
	assert_int_equal(vlapic_dest_mask_of(all, 2, 0xFF, false, false, false), 0x3);
	assert_int_equal(vlapic_dest_mask_of(all, NR, 7, false, false, false), 0);
}

static void test_vlapic_msi_decode_fields_and_rejects(void **s)
{
	struct vlapic_msi m;

	assert_int_equal(vlapic_msi_decode(0xFEE0300CULL, 0xC000 | (1 << 8) | 0x41, &m), 0);
	assert_int_equal(m.dest, 3);
	assert_true(m.logical);
	assert_true(m.redirect_hint);
	assert_int_equal(m.mode, VLAPIC_DM_LOWPRI);
	assert_int_equal(m.vector, 0x41);
	assert_true(m.level);
	assert_int_equal(vlapic_msi_decode(0xFED00000ULL, 0x41, &m), -EINVAL);
	assert_int_equal(vlapic_msi_decode(0x1FEE00000ULL, 0x41, &m), -EINVAL);
	assert_int_equal(vlapic_msi_decode(0xFEE00000ULL, 0x0F, &m), -EINVAL);
	assert_int_equal(vlapic_msi_decode(0xFEE00000ULL, 0x300 | 0x41, &m), -EINVAL);
	assert_int_equal(vlapic_msi_decode(0xFEE00000ULL, 0x400, &m), 0);	/* NMI: vector unused */
}

static void test_vlapic_refresh_ppr_after_page_update(void **s)
{
	struct vlapic *v = &lapics[0];

	setup_n(1, false);
	enable(v);
	/* The CPU (virtual-interrupt delivery) moved 0x61 into the ISR. */
	v->regs[(VLAPIC_OFF_ISR0 + 0x30) / 4] |= 1U << 1;
	v->regs[VLAPIC_OFF_TPR / 4] = 0x1234;
	vlapic_refresh_ppr(v);
	assert_int_equal(rd(v, VLAPIC_OFF_TPR), 0x34);
	assert_int_equal(vlapic_get_ppr(v), 0x60);
	assert_int_equal(vlapic_highest_isr(v), 0x61);
	assert_int_equal(vlapic_highest_irr(v), -ENOENT);
	vlapic_set_intr(v, 0x99, false);
	assert_int_equal(vlapic_highest_irr(v), 0x99);
}

/* End to end with the vIOAPIC: level interrupt, EOI broadcast, re-delivery. */
static struct vioapic ioapic;

static void io_deliver(void *ctx, uint32_t dest, bool logical, uint32_t mode, uint32_t vector, bool level)
{
	uint64_t mask = f_dest_mask(NULL, dest, logical, false);
	unsigned i;

	for (i = 0; i < NR; i++)
		if (mask & (1ULL << i))
			vlapic_set_intr(&lapics[i], vector, level);
}

static const struct vioapic_ops io_ops = { .deliver = io_deliver };

static void io_eoi(void *ctx, uint32_t vector) { vioapic_eoi(&ioapic, vector); }

static void test_vlapic_level_eoi_reaches_vioapic_and_redelivers(void **s)
{
	struct vlapic_ops wired = ops;
	struct vlapic_config cfg = { .vcpu_id = 0, .nr_vcpus = 1, .apic_id = 0, .bsp = true,
				     .tsc_per_bus_tick = 1 };
	struct vlapic *v = &lapics[0];
	uint32_t vec;
	uint64_t rte;

	setup_n(1, false);
	wired.eoi_level = io_eoi;
	assert_int_equal(vlapic_init(v, &cfg, &wired, &fk[0]), 0);
	assert_int_equal(vioapic_init(&ioapic, 1, &io_ops, NULL), 0);
	enable(v);
	/* Pin 10: level, vector 0x5A, physical destination APIC 0. */
	vioapic_mmio_write(&ioapic, VIOAPIC_OFF_IOREGSEL, 4, 0x10 + 20);
	vioapic_mmio_write(&ioapic, VIOAPIC_OFF_IOWIN, 4, VIOAPIC_RTE_LEVEL | 0x5A);
	vioapic_set_irq(&ioapic, 10, VIOAPIC_IRQ_ASSERT);
	assert_int_equal(vlapic_pending_intr(v, &vec), 0);
	assert_int_equal(vec, 0x5A);
	assert_true(v->regs[(VLAPIC_OFF_TMR0 + 0x20) / 4] & (1U << (0x5A - 64)));
	assert_int_equal(vlapic_intr_accepted(v, 0x5A), 0);
	wr(v, VLAPIC_OFF_EOI, 0);			/* line still high: comes back */
	assert_int_equal(vlapic_pending_intr(v, &vec), 0);
	assert_int_equal(vlapic_intr_accepted(v, 0x5A), 0);
	vioapic_set_irq(&ioapic, 10, VIOAPIC_IRQ_DEASSERT);
	wr(v, VLAPIC_OFF_EOI, 0);
	assert_int_equal(vlapic_pending_intr(v, &vec), -ENOENT);
	assert_int_equal(vioapic_get_rte(&ioapic, 10, &rte), 0);
	assert_false(rte & VIOAPIC_RTE_REM_IRR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vlapic_reset_state_matches_sdm),
		cmocka_unit_test(test_vlapic_init_rejects_bad_config),
		cmocka_unit_test(test_vlapic_register_page_is_xapic_layout),
		cmocka_unit_test(test_vlapic_oneshot_timer_fires_once),
		cmocka_unit_test(test_vlapic_periodic_timer_rearms),
		cmocka_unit_test(test_vlapic_periodic_rearm_respects_min_period),
		cmocka_unit_test(test_vlapic_divide_config_values),
		cmocka_unit_test(test_vlapic_divider_change_keeps_remaining_count),
		cmocka_unit_test(test_vlapic_masked_timer_does_not_deliver),
		cmocka_unit_test(test_vlapic_tsc_deadline_fires_once_and_clears_msr),
		cmocka_unit_test(test_vlapic_tsc_deadline_cancel_by_zero),
		cmocka_unit_test(test_vlapic_tsc_deadline_ignored_outside_mode),
		cmocka_unit_test(test_vlapic_tpr_masks_lower_class),
		cmocka_unit_test(test_vlapic_ppr_follows_isr_and_blocks_same_class),
		cmocka_unit_test(test_vlapic_eoi_clears_highest_isr_and_notifies_level),
		cmocka_unit_test(test_vlapic_eoi_broadcast_suppressed_by_svr),
		cmocka_unit_test(test_vlapic_illegal_vector_sets_esr_write_then_read),
		cmocka_unit_test(test_vlapic_error_lvt_signals_new_error),
		cmocka_unit_test(test_vlapic_sw_disable_masks_all_lvts),
		cmocka_unit_test(test_vlapic_intr_accepted_rejects_non_pending),
		cmocka_unit_test(test_vlapic_new_irr_bit_kicks),
		cmocka_unit_test(test_vlapic_icr_all_excluding_self),
		cmocka_unit_test(test_vlapic_icr_physical_and_broadcast),
		cmocka_unit_test(test_vlapic_logical_flat_and_cluster_match),
		cmocka_unit_test(test_vlapic_icr_lowest_priority_picks_lowest_vcpu),
		cmocka_unit_test(test_vlapic_icr_illegal_vector_not_sent),
		cmocka_unit_test(test_vlapic_icr_smi_deassert_extint_not_sent),
		cmocka_unit_test(test_vlapic_init_sipi_sequence),
		cmocka_unit_test(test_vlapic_x2apic_icr_single_msr),
		cmocka_unit_test(test_vlapic_x2apic_ldr_derived_readonly_no_dfr),
		cmocka_unit_test(test_vlapic_x2apic_reserved_bits_fault),
		cmocka_unit_test(test_vlapic_x2apic_self_ipi_sets_irr),
		cmocka_unit_test(test_vlapic_msr_view_needs_x2apic_mode),
		cmocka_unit_test(test_vlapic_illegal_mode_transition_rejected),
		cmocka_unit_test(test_vlapic_global_disable_resets_and_blocks),
		cmocka_unit_test(test_vlapic_mmio_bad_access_reported),
		cmocka_unit_test(test_vlapic_fire_lvt_follows_entry),
		cmocka_unit_test(test_vlapic_level_eoi_reaches_vioapic_and_redelivers),
		cmocka_unit_test(test_vlapic_dest_mask_of_matches_and_lowest),
		cmocka_unit_test(test_vlapic_msi_decode_fields_and_rejects),
		cmocka_unit_test(test_vlapic_refresh_ppr_after_page_update),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

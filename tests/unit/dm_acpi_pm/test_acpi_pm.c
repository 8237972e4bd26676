/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the ACPI PM registers (devicemodel/hw/platform/acpi_pm.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "hw/acpi_pm.h"

#define NS	1000000000ULL

struct fake {
	uint64_t now;
	bool sci;
	int poweroffs;
	int resets;
	int sleeps;
	unsigned int sleep_typ;
	bool armed;
	uint64_t when;
};

static uint64_t f_now(void *ctx) { return ((struct fake *)ctx)->now; }
static void f_sci(void *ctx, bool l) { ((struct fake *)ctx)->sci = l; }
static void f_off(void *ctx) { ((struct fake *)ctx)->poweroffs++; }
static void f_reset(void *ctx) { ((struct fake *)ctx)->resets++; }

static void f_sleep(void *ctx, unsigned int typ)
{
	struct fake *f = ctx;

	f->sleeps++;
	f->sleep_typ = typ;
}

static void f_arm(void *ctx, uint64_t when)
{
	struct fake *f = ctx;

	f->armed = true;
	f->when = when;
}

static void f_cancel(void *ctx) { ((struct fake *)ctx)->armed = false; }

static const struct acpi_pm_ops f_ops = {
	.now_ns = f_now, .sci_set = f_sci, .poweroff = f_off, .reset = f_reset,
	.timer_arm = f_arm, .timer_cancel = f_cancel,
};

static const struct acpi_pm_ops f_ops_sleep = {
	.now_ns = f_now, .sci_set = f_sci, .poweroff = f_off, .reset = f_reset,
	.sleep = f_sleep,
};

static struct acpi_pm *mk(struct fake *f, const struct acpi_pm_config *cfg,
			  const struct acpi_pm_ops *ops)
{
	struct acpi_pm *pm = NULL;

	memset(f, 0, sizeof(*f));
	f->now = 7 * NS + 333;
	assert_int_equal(acpi_pm_create(cfg, ops, f, &pm), 0);
	return pm;
}

static uint32_t rd(struct acpi_pm *pm, uint16_t port, unsigned int size)
{
	uint32_t v = 0;

	assert_int_equal(acpi_pm_pio_read(pm, port, size, &v), 0);
	return v;
}

static void wr(struct acpi_pm *pm, uint16_t port, unsigned int size, uint32_t v)
{
	assert_int_equal(acpi_pm_pio_write(pm, port, size, v), 0);
}

static void test_acpi_pm_timer_counts_at_3579545_hz(void **state)
{
	struct fake f;
	struct acpi_pm *pm = mk(&f, NULL, &f_ops);
	uint64_t t0 = f.now;
	uint32_t a, b;

	assert_int_equal(rd(pm, ACPI_PM_TMR_ADDR, 4), 0);
	f.now = t0 + NS;
	assert_int_equal(rd(pm, ACPI_PM_TMR_ADDR, 4), 3579545);
	f.now = t0 + NS / 1000;		/* 1 ms: 3579.545 ticks */
	assert_int_equal(rd(pm, ACPI_PM_TMR_ADDR, 4), 3579);
	/* 24-bit timer wraps: 10 s = 35795450 ticks. */
	f.now = t0 + 10 * NS;
	assert_int_equal(rd(pm, ACPI_PM_TMR_ADDR, 4), 35795450u & 0xffffff);
	/* Byte reads assemble to the same value. */
	a = rd(pm, ACPI_PM_TMR_ADDR, 2) | rd(pm, ACPI_PM_TMR_ADDR + 2, 2) << 16;
	assert_int_equal(a, 35795450u & 0xffffff);
	/* The timer is read-only. */
	wr(pm, ACPI_PM_TMR_ADDR, 4, 0);
	assert_int_equal(rd(pm, ACPI_PM_TMR_ADDR, 4), 35795450u & 0xffffff);
	acpi_pm_destroy(pm);

	{
		const struct acpi_pm_config c32 = {
			.pm1a_evt = 0x600, .pm1a_cnt = 0x604, .pm_tmr = 0x608,
			.reset_port = 0, .tmr_32bit = true,
		};

		pm = mk(&f, &c32, &f_ops);
		f.now += 10 * NS;
		b = rd(pm, 0x608, 4);
		assert_int_equal(b, 35795450u);
		assert_false(acpi_pm_owns_port(pm, ACPI_RESET_ADDR, 1));
		acpi_pm_destroy(pm);
	}
}

static void test_acpi_pm_tmr_sts_on_carry_raises_sci(void **state)
{
	struct fake f;
	struct acpi_pm *pm = mk(&f, NULL, &f_ops);
	uint64_t t0 = f.now, carry = ((1ULL << 23) * NS + 3579545 - 1) / 3579545;

	assert_false(f.armed);
	wr(pm, ACPI_PM1A_EVT_ADDR + 2, 2, ACPI_PM1_TMR_EN);
	assert_true(f.armed);
	assert_int_equal(f.when, t0 + carry);
	f.now = t0 + carry - 1;
	acpi_pm_timer_fired(pm);	/* early: nothing yet */
	assert_false(f.sci);
	f.now = t0 + carry;
	acpi_pm_timer_fired(pm);
	assert_true(f.sci);
	assert_int_equal(rd(pm, ACPI_PM1A_EVT_ADDR, 2) & ACPI_PM1_TMR_STS, ACPI_PM1_TMR_STS);
	wr(pm, ACPI_PM1A_EVT_ADDR, 2, ACPI_PM1_TMR_STS);
	assert_false(f.sci);
	assert_int_equal(rd(pm, ACPI_PM1A_EVT_ADDR, 2) & ACPI_PM1_TMR_STS, 0);
	/* Next carry is armed one half-period later. */
	assert_int_equal(f.when, t0 + ((1ULL << 24) * NS + 3579545 - 1) / 3579545);
	acpi_pm_destroy(pm);
}

static void test_acpi_pm_s5_write_calls_poweroff_once(void **state)
{
	struct fake f;
	struct acpi_pm *pm = mk(&f, NULL, &f_ops);
	uint16_t s5 = ACPI_SLP_TYP_S5 << ACPI_PM1_SLP_TYP_SHIFT;

	/* Setting SLP_TYP alone does nothing. */
	wr(pm, ACPI_PM1A_CNT_ADDR, 2, s5);
	assert_int_equal(f.poweroffs, 0);
	wr(pm, ACPI_PM1A_CNT_ADDR, 2, s5 | ACPI_PM1_SLP_EN);
	assert_int_equal(f.poweroffs, 1);
	/* SLP_EN is write-only; SLP_TYP reads back; SCI_EN stays set. */
	assert_int_equal(rd(pm, ACPI_PM1A_CNT_ADDR, 2), s5 | ACPI_PM1_SCI_EN);
	wr(pm, ACPI_PM1A_CNT_ADDR, 2, s5 | ACPI_PM1_SLP_EN);
	assert_int_equal(f.poweroffs, 1);
	/* After a VM reset a new S5 request goes through, even byte-wise. */
	acpi_pm_reset(pm);
	wr(pm, ACPI_PM1A_CNT_ADDR + 1, 1, (s5 | ACPI_PM1_SLP_EN) >> 8);
	assert_int_equal(f.poweroffs, 2);
	assert_int_equal(f.resets, 0);
	acpi_pm_destroy(pm);
}

static void test_acpi_pm_other_sleep_states_do_not_power_off(void **state)
{
	struct fake f;
	struct acpi_pm *pm = mk(&f, NULL, &f_ops);
	uint16_t s3 = ACPI_SLP_TYP_S3 << ACPI_PM1_SLP_TYP_SHIFT;

	wr(pm, ACPI_PM1A_CNT_ADDR, 2, s3 | ACPI_PM1_SLP_EN);
	assert_int_equal(f.poweroffs, 0);
	/* No sleep support: the platform wakes at once. */
	assert_int_equal(rd(pm, ACPI_PM1A_EVT_ADDR, 2) & ACPI_PM1_WAK_STS, ACPI_PM1_WAK_STS);
	acpi_pm_destroy(pm);

	pm = mk(&f, NULL, &f_ops_sleep);
	wr(pm, ACPI_PM1A_CNT_ADDR, 2, s3 | ACPI_PM1_SLP_EN);
	assert_int_equal(f.sleeps, 1);
	assert_int_equal(f.sleep_typ, ACPI_SLP_TYP_S3);
	assert_int_equal(f.poweroffs, 0);
	acpi_pm_destroy(pm);
}

static void test_acpi_pm_reset_register_requests_reset(void **state)
{
	struct fake f;
	struct acpi_pm *pm = mk(&f, NULL, &f_ops);
	uint32_t v;

	wr(pm, ACPI_RESET_ADDR, 1, ACPI_RST_SYS);	/* arm only */
	assert_int_equal(f.resets, 0);
	assert_int_equal(rd(pm, ACPI_RESET_ADDR, 1), ACPI_RST_SYS);
	wr(pm, ACPI_RESET_ADDR, 1, ACPI_RESET_VALUE);
	assert_int_equal(f.resets, 1);
	wr(pm, ACPI_RESET_ADDR, 1, 0x0e);
	assert_int_equal(f.resets, 2);
	assert_int_equal(f.poweroffs, 0);
	/* Wider accesses at 0xcf8..0xcfb belong to PCI config, not to us. */
	assert_int_equal(acpi_pm_pio_write(pm, ACPI_RESET_ADDR, 4, 0x06), -ENOENT);
	assert_int_equal(acpi_pm_pio_read(pm, 0xcf8, 1, &v), -ENOENT);
	assert_int_equal(f.resets, 2);
	acpi_pm_destroy(pm);
}

static void test_acpi_pm1_sts_is_write_one_to_clear(void **state)
{
	struct fake f;
	struct acpi_pm *pm = mk(&f, NULL, &f_ops);

	acpi_pm_press_power_button(pm);
	assert_false(f.sci);	/* not enabled */
	assert_int_equal(rd(pm, ACPI_PM1A_EVT_ADDR, 2), ACPI_PM1_PWRBTN_STS);
	wr(pm, ACPI_PM1A_EVT_ADDR + 2, 2, ACPI_PM1_PWRBTN_EN);
	assert_true(f.sci);
	wr(pm, ACPI_PM1A_EVT_ADDR, 2, 0);		/* writing 0 keeps it */
	wr(pm, ACPI_PM1A_EVT_ADDR, 2, ACPI_PM1_SLPBTN_STS);	/* other bit */
	assert_int_equal(rd(pm, ACPI_PM1A_EVT_ADDR, 2), ACPI_PM1_PWRBTN_STS);
	assert_true(f.sci);
	/* A dword write covering STS and EN: clear status, keep enable. */
	wr(pm, ACPI_PM1A_EVT_ADDR, 4, (uint32_t)ACPI_PM1_PWRBTN_EN << 16 | ACPI_PM1_PWRBTN_STS);
	assert_int_equal(rd(pm, ACPI_PM1A_EVT_ADDR, 4), (uint32_t)ACPI_PM1_PWRBTN_EN << 16);
	assert_false(f.sci);
	acpi_pm_destroy(pm);
}

static void test_acpi_pm_sci_en_is_hardware_owned(void **state)
{
	struct fake f;
	struct acpi_pm *pm = mk(&f, NULL, &f_ops);

	assert_int_equal(rd(pm, ACPI_PM1A_CNT_ADDR, 2) & ACPI_PM1_SCI_EN, ACPI_PM1_SCI_EN);
	wr(pm, ACPI_PM1A_CNT_ADDR, 2, 0);
	assert_int_equal(rd(pm, ACPI_PM1A_CNT_ADDR, 2), ACPI_PM1_SCI_EN);
	/* GBL_RLS is write-only; BM_RLD is read/write. */
	wr(pm, ACPI_PM1A_CNT_ADDR, 2, ACPI_PM1_GBL_RLS | ACPI_PM1_BM_RLD);
	assert_int_equal(rd(pm, ACPI_PM1A_CNT_ADDR, 2), ACPI_PM1_SCI_EN | ACPI_PM1_BM_RLD);
	acpi_pm_destroy(pm);
}

static void test_acpi_pm_hostile_accesses(void **state)
{
	struct fake f;
	struct acpi_pm *pm = mk(&f, NULL, &f_ops);
	uint32_t v = 0;

	assert_int_equal(acpi_pm_pio_read(pm, ACPI_PM1A_EVT_ADDR, 3, &v), -EINVAL);
	assert_int_equal(acpi_pm_pio_write(pm, ACPI_PM1A_EVT_ADDR, 8, 0), -EINVAL);
	assert_int_equal(acpi_pm_pio_read(pm, ACPI_PM1A_EVT_ADDR - 1, 1, &v), -ENOENT);
	assert_int_equal(acpi_pm_pio_write(pm, 0xffff, 4, 0xffffffff), -ENOENT);
	/* A dword at PM1_CNT runs past its 2-byte block: tail reads 0xff. */
	assert_int_equal(rd(pm, ACPI_PM1A_CNT_ADDR, 4), 0xffff0000u | ACPI_PM1_SCI_EN);
	/* Writing all ones everywhere: reserved bits stay clear, S7 is not S5. */
	wr(pm, ACPI_PM1A_EVT_ADDR, 4, 0xffffffff);
	wr(pm, ACPI_PM1A_CNT_ADDR, 4, 0xffffffff);
	assert_int_equal(rd(pm, ACPI_PM1A_EVT_ADDR + 2, 2), 0x4721);
	assert_int_equal(f.poweroffs, 0);
	assert_int_equal(f.resets, 0);
	acpi_pm_destroy(pm);
}

static void test_acpi_pm_rejects_overlapping_config(void **state)
{
	struct fake f = { 0 };
	struct acpi_pm *pm = NULL;
	const struct acpi_pm_config bad = {
		.pm1a_evt = 0x400, .pm1a_cnt = 0x402, .pm_tmr = 0x408,
	};
	const struct acpi_pm_config wrap = {
		.pm1a_evt = 0xfffe, .pm1a_cnt = 0x404, .pm_tmr = 0x408,
	};

	assert_int_equal(acpi_pm_create(&bad, &f_ops, &f, &pm), -EINVAL);
	assert_int_equal(acpi_pm_create(&wrap, &f_ops, &f, &pm), -EINVAL);
	assert_int_equal(acpi_pm_create(NULL, NULL, &f, &pm), -EINVAL);
	assert_null(pm);
}

static uint64_t rng_state = 0xd1b54a32d192ed03ULL;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

/*
 * Hostile guest: random sizes and values on every port near our blocks.
 * Invariants: the return code agrees with acpi_pm_owns_port(); the SCI
 * level always equals SCI_EN && (PM1_STS & PM1_EN & sources); poweroff is
 * requested at most once; deadlines lie in the future.
 */
static void test_acpi_pm_random_guest_keeps_invariants(void **state)
{
	static const unsigned int sizes[5] = { 1, 2, 3, 4, 8 };
	struct fake f;
	struct acpi_pm *pm = mk(&f, NULL, &f_ops);
	int i;

	for (i = 0; i < 100000; i++) {
		uint32_t r = rng(), v = rng() | rng() << 16, got = 0;
		unsigned int size = sizes[r % 5];
		uint16_t port = (r >> 8) & 1 ? (uint16_t)(0x3fc + ((r >> 9) & 0x1f)) :
					       (uint16_t)(0xcf7 + ((r >> 9) & 7));
		int want = (size == 3 || size == 8) ? -EINVAL :
			   acpi_pm_owns_port(pm, port, size) ? 0 : -ENOENT;
		uint32_t sts, en;

		if ((r >> 12) % 8 == 0)
			f.now += (r >> 16) * 1000;
		if (f.armed && f.when <= f.now) {
			f.armed = false;
			acpi_pm_timer_fired(pm);
		}
		if (r & 0x80)
			assert_int_equal(acpi_pm_pio_read(pm, port, size, &got), want);
		else
			assert_int_equal(acpi_pm_pio_write(pm, port, size, v), want);
		sts = rd(pm, ACPI_PM1A_EVT_ADDR, 2);
		en = rd(pm, ACPI_PM1A_EVT_ADDR + 2, 2);
		assert_int_equal(f.sci, (sts & en & 0x0721) != 0);
		assert_true(f.poweroffs <= 1);
		if (f.armed)
			assert_true(f.when > f.now);
	}
	assert_int_equal(f.poweroffs, 1);	/* S5 was hit, once */
	assert_true(f.resets > 0);
	acpi_pm_destroy(pm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acpi_pm_timer_counts_at_3579545_hz),
		cmocka_unit_test(test_acpi_pm_tmr_sts_on_carry_raises_sci),
		cmocka_unit_test(test_acpi_pm_s5_write_calls_poweroff_once),
		cmocka_unit_test(test_acpi_pm_other_sleep_states_do_not_power_off),
		cmocka_unit_test(test_acpi_pm_reset_register_requests_reset),
		cmocka_unit_test(test_acpi_pm1_sts_is_write_one_to_clear),
		cmocka_unit_test(test_acpi_pm_sci_en_is_hardware_owned),
		cmocka_unit_test(test_acpi_pm_hostile_accesses),
		cmocka_unit_test(test_acpi_pm_rejects_overlapping_config),
		cmocka_unit_test(test_acpi_pm_random_guest_keeps_invariants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

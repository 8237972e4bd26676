/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the MC146818A RTC/CMOS model (devicemodel/hw/platform/rtc_cmos.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "hw/rtc_cmos.h"

#define NS	1000000000ULL
#define T_2024_02_29_134556	1709214356LL	/* a Thursday */
#define T_2000_01_01		946684800LL

struct clk {
	uint64_t now;
	bool irq;
	int rises;
	bool armed;
	uint64_t when;
};

static uint64_t clk_now(void *ctx)
{
	return ((struct clk *)ctx)->now;
}

static void clk_irq(void *ctx, bool level)
{
	struct clk *c = ctx;

	if (level && !c->irq)
		c->rises++;
	c->irq = level;
}

static void clk_arm(void *ctx, uint64_t when)
{
	struct clk *c = ctx;

	c->armed = true;
	c->when = when;
}

static void clk_cancel(void *ctx)
{
	((struct clk *)ctx)->armed = false;
}

static const struct rtc_ops clk_ops = {
	.now_ns = clk_now,
	.irq_set = clk_irq,
	.timer_arm = clk_arm,
	.timer_cancel = clk_cancel,
};

static struct rtc_cmos *mk(struct clk *c, int64_t t)
{
	struct rtc_cmos *rtc = NULL;

	memset(c, 0, sizeof(*c));
	c->now = 5 * NS;	/* arbitrary host uptime */
	assert_int_equal(rtc_create(&clk_ops, c, t, &rtc), 0);
	return rtc;
}

static uint8_t rd(struct rtc_cmos *rtc, uint8_t idx)
{
	uint8_t v = 0;

	assert_int_equal(rtc_pio_write(rtc, RTC_PORT_INDEX, idx), 0);
	assert_int_equal(rtc_pio_read(rtc, RTC_PORT_DATA, &v), 0);
	return v;
}

static void wr(struct rtc_cmos *rtc, uint8_t idx, uint8_t v)
{
	assert_int_equal(rtc_pio_write(rtc, RTC_PORT_INDEX, idx), 0);
	assert_int_equal(rtc_pio_write(rtc, RTC_PORT_DATA, v), 0);
}

/* Let the fake timer run until @p until, firing every armed deadline. */
static void run_until(struct rtc_cmos *rtc, struct clk *c, uint64_t until, bool ack)
{
	while (c->armed && c->when <= until) {
		c->now = c->when;
		c->armed = false;
		rtc_timer_fired(rtc);
		if (ack && c->irq)
			rd(rtc, RTC_REG_C);
	}
	c->now = until;
}

static void test_rtc_reads_known_time_in_bcd_and_binary(void **state)
{
	struct clk c;
	struct rtc_cmos *rtc = mk(&c, T_2024_02_29_134556);

	assert_int_equal(rd(rtc, RTC_SEC), 0x56);
	assert_int_equal(rd(rtc, RTC_MIN), 0x45);
	assert_int_equal(rd(rtc, RTC_HOUR), 0x13);
	assert_int_equal(rd(rtc, RTC_WDAY), 5);		/* Thursday, Sunday = 1 */
	assert_int_equal(rd(rtc, RTC_MDAY), 0x29);
	assert_int_equal(rd(rtc, RTC_MONTH), 0x02);
	assert_int_equal(rd(rtc, RTC_YEAR), 0x24);
	assert_int_equal(rd(rtc, RTC_CENTURY), 0x20);
	wr(rtc, RTC_REG_B, RTC_B_24H | RTC_B_DM);
	assert_int_equal(rd(rtc, RTC_SEC), 56);
	assert_int_equal(rd(rtc, RTC_MIN), 45);
	assert_int_equal(rd(rtc, RTC_HOUR), 13);
	assert_int_equal(rd(rtc, RTC_MDAY), 29);
	assert_int_equal(rd(rtc, RTC_MONTH), 2);
	assert_int_equal(rd(rtc, RTC_YEAR), 24);
	assert_int_equal(rd(rtc, RTC_CENTURY), 20);
	rtc_destroy(rtc);
}

static void test_rtc_time_advances_with_host_clock(void **state)
{
	struct clk c;
	struct rtc_cmos *rtc = mk(&c, T_2024_02_29_134556);

	c.now += 4 * NS + NS / 2;	/* 13:46:00.5 */
	assert_int_equal(rd(rtc, RTC_SEC), 0x00);
	assert_int_equal(rd(rtc, RTC_MIN), 0x46);
	c.now += (10 * 3600 + 14 * 60) * NS;	/* 2024-03-01 00:00:00 */
	assert_int_equal(rd(rtc, RTC_HOUR), 0x00);
	assert_int_equal(rd(rtc, RTC_MDAY), 0x01);
	assert_int_equal(rd(rtc, RTC_MONTH), 0x03);
	assert_int_equal(rd(rtc, RTC_WDAY), 6);
	assert_int_equal(rtc_get_time(rtc), T_2024_02_29_134556 + 4 + 10 * 3600 + 14 * 60);
	rtc_destroy(rtc);
}

static void test_rtc_12h_mode_sets_pm_bit(void **state)
{
	struct clk c;
	struct rtc_cmos *rtc = mk(&c, T_2024_02_29_134556);

	wr(rtc, RTC_REG_B, 0);				/* 12 h, BCD */
	assert_int_equal(rd(rtc, RTC_HOUR), 0x81);	/* 1 PM */
	wr(rtc, RTC_REG_B, RTC_B_DM);			/* 12 h, binary */
	assert_int_equal(rd(rtc, RTC_HOUR), 0x81);
	rtc_destroy(rtc);

	rtc = mk(&c, T_2000_01_01);			/* midnight */
	wr(rtc, RTC_REG_B, 0);
	assert_int_equal(rd(rtc, RTC_HOUR), 0x12);	/* 12 AM */
	c.now += 12 * 3600 * NS;
	assert_int_equal(rd(rtc, RTC_HOUR), 0x92);	/* 12 PM */
	rtc_destroy(rtc);
}

static void test_rtc_set_bit_freezes_then_release_moves_base(void **state)
{
	struct clk c;
	struct rtc_cmos *rtc = mk(&c, T_2024_02_29_134556);

	wr(rtc, RTC_REG_B, RTC_B_24H | RTC_B_SET);
	wr(rtc, RTC_SEC, 0x58);
	wr(rtc, RTC_MIN, 0x59);
	wr(rtc, RTC_HOUR, 0x23);
	wr(rtc, RTC_MDAY, 0x31);
	wr(rtc, RTC_MONTH, 0x12);
	wr(rtc, RTC_YEAR, 0x99);
	wr(rtc, RTC_CENTURY, 0x19);
	c.now += 7 * NS;
	assert_int_equal(rd(rtc, RTC_SEC), 0x58);	/* held while SET */
	wr(rtc, RTC_REG_B, RTC_B_24H);
	assert_int_equal(rtc_get_time(rtc), T_2000_01_01 - 2);
	c.now += 3 * NS;
	assert_int_equal(rtc_get_time(rtc), T_2000_01_01 + 1);
	assert_int_equal(rd(rtc, RTC_SEC), 0x01);
	assert_int_equal(rd(rtc, RTC_YEAR), 0x00);
	assert_int_equal(rd(rtc, RTC_CENTURY), 0x20);
	rtc_destroy(rtc);
}

static void test_rtc_set_bit_clears_uie(void **state)
{
	struct clk c;
	struct rtc_cmos *rtc = mk(&c, T_2000_01_01);

	wr(rtc, RTC_REG_B, RTC_B_24H | RTC_B_UIE);
	wr(rtc, RTC_REG_B, RTC_B_24H | RTC_B_UIE | RTC_B_SET);
	assert_int_equal(rd(rtc, RTC_REG_B), RTC_B_24H | RTC_B_SET);
	rtc_destroy(rtc);
}

static void test_rtc_write_while_running_takes_effect(void **state)
{
	struct clk c;
	struct rtc_cmos *rtc = mk(&c, T_2000_01_01);

	wr(rtc, RTC_MIN, 0x30);
	assert_int_equal(rtc_get_time(rtc), T_2000_01_01 + 30 * 60);
	c.now += NS;
	assert_int_equal(rd(rtc, RTC_SEC), 0x01);
	assert_int_equal(rd(rtc, RTC_MIN), 0x30);
	rtc_destroy(rtc);
}

static void test_rtc_reg_c_read_clears_flags_and_lowers_irq(void **state)
{
	struct clk c;
	struct rtc_cmos *rtc = mk(&c, T_2000_01_01);

	wr(rtc, RTC_REG_A, RTC_A_DV_32K);	/* no periodic flag in the way */
	wr(rtc, RTC_REG_B, RTC_B_24H | RTC_B_UIE);
	assert_true(c.armed);
	assert_int_equal(c.when, c.now + NS);	/* next update */
	assert_false(c.irq);
	run_until(rtc, &c, c.now + NS, false);
	assert_true(c.irq);
	assert_int_equal(rd(rtc, RTC_REG_C), RTC_C_IRQF | RTC_C_UF);
	assert_false(c.irq);
	assert_int_equal(rd(rtc, RTC_REG_C), 0);
	/* Writes to C and D are ignored; D always reports valid RAM. */
	wr(rtc, RTC_REG_C, 0xff);
	wr(rtc, RTC_REG_D, 0x00);
	assert_int_equal(rd(rtc, RTC_REG_C), 0);
	assert_int_equal(rd(rtc, RTC_REG_D), RTC_D_VRT);
	rtc_destroy(rtc);
}

static void test_rtc_flags_set_without_irq_when_disabled(void **state)
{
	struct clk c;
	struct rtc_cmos *rtc = mk(&c, T_2000_01_01);

	rd(rtc, RTC_REG_C);
	c.now += NS;
	assert_int_equal(rd(rtc, RTC_REG_C) & (RTC_C_UF | RTC_C_PF | RTC_C_IRQF),
			 RTC_C_UF | RTC_C_PF);
	assert_int_equal(c.rises, 0);
	assert_false(c.armed);	/* nothing enabled: no host timer */
	rtc_destroy(rtc);
}

static int count_periodic(int rs, uint64_t span)
{
	struct clk c;
	struct rtc_cmos *rtc = mk(&c, T_2000_01_01);
	uint64_t start;
	int n;

	wr(rtc, RTC_REG_A, RTC_A_DV_32K | (uint8_t)rs);
	rd(rtc, RTC_REG_C);
	start = c.now;
	wr(rtc, RTC_REG_B, RTC_B_24H | RTC_B_PIE);
	run_until(rtc, &c, start + span, true);
	n = c.rises;
	rtc_destroy(rtc);
	return n;
}

static void test_rtc_periodic_interrupt_rate(void **state)
{
	struct clk c;
	struct rtc_cmos *rtc;

	assert_int_equal(count_periodic(6, NS), 1024);	/* 976.5625 us */
	assert_int_equal(count_periodic(15, NS), 2);	/* 500 ms */
	assert_int_equal(count_periodic(1, NS), 256);	/* 3.90625 ms */
	assert_int_equal(count_periodic(3, NS / 10), 819);	/* 8192 Hz */
	assert_int_equal(count_periodic(0, NS), 0);	/* rate 0: off */

	/* First deadline of rate 15 is exactly 500 ms after programming. */
	rtc = mk(&c, T_2000_01_01);
	wr(rtc, RTC_REG_A, RTC_A_DV_32K | 15);
	wr(rtc, RTC_REG_B, RTC_B_24H | RTC_B_PIE);
	assert_true(c.armed);
	assert_int_equal(c.when, c.now + NS / 2);
	rtc_destroy(rtc);
}

static void test_rtc_unacked_periodic_stops_host_timer(void **state)
{
	struct clk c;
	struct rtc_cmos *rtc = mk(&c, T_2000_01_01);

	wr(rtc, RTC_REG_B, RTC_B_24H | RTC_B_PIE);
	run_until(rtc, &c, c.now + NS, false);
	assert_int_equal(c.rises, 1);
	assert_false(c.armed);
	rd(rtc, RTC_REG_C);
	assert_true(c.armed);
	rtc_destroy(rtc);
}

static void test_rtc_uip_set_only_just_before_update(void **state)
{
	struct clk c;
	struct rtc_cmos *rtc = mk(&c, T_2000_01_01);
	uint64_t s = c.now;

	c.now = s + 999700000ULL;		/* 300 us before the update */
	assert_int_equal(rd(rtc, RTC_REG_A) & RTC_A_UIP, 0);
	c.now = s + 999800000ULL;		/* 200 us before */
	assert_int_equal(rd(rtc, RTC_REG_A) & RTC_A_UIP, RTC_A_UIP);
	assert_int_equal(rd(rtc, RTC_SEC), 0x00);	/* old time still */
	c.now = s + NS;
	assert_int_equal(rd(rtc, RTC_REG_A) & RTC_A_UIP, 0);
	assert_int_equal(rd(rtc, RTC_SEC), 0x01);
	/* UIP is read-only and never set while SET holds the clock. */
	c.now = s + NS + 999900000ULL;
	wr(rtc, RTC_REG_A, RTC_A_UIP | RTC_A_DV_32K | 6);
	wr(rtc, RTC_REG_B, RTC_B_24H | RTC_B_SET);
	assert_int_equal(rd(rtc, RTC_REG_A), RTC_A_DV_32K | 6);
	rtc_destroy(rtc);
}

static void test_rtc_alarm_fires_on_matching_second(void **state)
{
	struct clk c;
	struct rtc_cmos *rtc = mk(&c, T_2000_01_01);
	uint64_t s = c.now;

	wr(rtc, RTC_REG_A, RTC_A_DV_32K);
	wr(rtc, RTC_SEC_ALARM, 0x03);
	wr(rtc, RTC_MIN_ALARM, 0xc0);	/* don't care */
	wr(rtc, RTC_HOUR_ALARM, 0xff);	/* don't care */
	wr(rtc, RTC_REG_B, RTC_B_24H | RTC_B_AIE);
	rd(rtc, RTC_REG_C);
	run_until(rtc, &c, s + 2 * NS, true);
	assert_int_equal(c.rises, 0);
	run_until(rtc, &c, s + 3 * NS, false);
	assert_int_equal(c.rises, 1);
	assert_int_equal(rd(rtc, RTC_REG_C), RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
	rtc_destroy(rtc);
}

static void test_rtc_alarm_missed_update_still_sets_af(void **state)
{
	struct clk c;
	struct rtc_cmos *rtc = mk(&c, T_2000_01_01);

	wr(rtc, RTC_SEC_ALARM, 0x30);	/* 00:00:30 */
	wr(rtc, RTC_MIN_ALARM, 0x00);
	wr(rtc, RTC_HOUR_ALARM, 0x00);
	rd(rtc, RTC_REG_C);
	/* Polling guest, AIE off, looks only once a minute. */
	c.now += 60 * NS;
	assert_int_equal(rd(rtc, RTC_REG_C) & RTC_C_AF, RTC_C_AF);
	c.now += 60 * NS;
	assert_int_equal(rd(rtc, RTC_REG_C) & RTC_C_AF, 0);
	/* A day later it has matched again; 12 h mode compares PM-encoded hours. */
	wr(rtc, RTC_REG_B, RTC_B_DM);
	wr(rtc, RTC_HOUR_ALARM, 0x81);	/* 1 PM, binary */
	wr(rtc, RTC_SEC_ALARM, 0xc0);
	wr(rtc, RTC_MIN_ALARM, 0xc0);
	rd(rtc, RTC_REG_C);
	c.now += 12 * 3600 * NS;	/* 12:02 */
	assert_int_equal(rd(rtc, RTC_REG_C) & RTC_C_AF, 0);
	c.now += 3600 * NS;		/* 13:02 */
	assert_int_equal(rd(rtc, RTC_REG_C) & RTC_C_AF, RTC_C_AF);
	rtc_destroy(rtc);
}

static void test_rtc_divider_reset_holds_time_and_restarts_half_second(void **state)
{
	struct clk c;
	struct rtc_cmos *rtc = mk(&c, T_2000_01_01);
	uint64_t s = c.now;

	wr(rtc, RTC_REG_A, 0x70 | 6);	/* divider in reset */
	c.now = s + 10 * NS;
	assert_int_equal(rd(rtc, RTC_SEC), 0x00);
	wr(rtc, RTC_REG_A, RTC_A_DV_32K | 6);
	c.now = s + 10 * NS + NS / 2 - 1;
	assert_int_equal(rd(rtc, RTC_SEC), 0x00);
	c.now = s + 10 * NS + NS / 2;
	assert_int_equal(rd(rtc, RTC_SEC), 0x01);
	rtc_destroy(rtc);
}

static void test_rtc_hostile_register_values_stay_in_range(void **state)
{
	struct clk c;
	struct rtc_cmos *rtc = mk(&c, T_2000_01_01);
	unsigned int i;
	int64_t t;

	wr(rtc, RTC_REG_B, RTC_B_SET);		/* 12 h BCD */
	for (i = 0; i <= 0x0d; i++)
		wr(rtc, (uint8_t)i, 0xff);
	wr(rtc, RTC_CENTURY, 0xff);
	wr(rtc, RTC_REG_B, 0x7f);		/* release, everything on */
	wr(rtc, RTC_REG_A, RTC_A_DV_32K | 6);	/* 0xff had reset the divider */
	t = rtc_get_time(rtc);
	/* Clamped to 9999-12-31 23:59:59 at the latest. */
	assert_true(t <= 253402300799LL);
	assert_true(t > 0);
	wr(rtc, RTC_REG_B, RTC_B_24H);
	assert_true((rd(rtc, RTC_SEC) & 0x0f) <= 9);
	assert_int_equal(rd(rtc, RTC_CENTURY), 0x99);
	rtc_destroy(rtc);
}

static void test_rtc_memsize_bytes_follow_firmware_layout(void **state)
{
	struct clk c;
	struct rtc_cmos *rtc = mk(&c, T_2000_01_01);
	uint8_t v[0x60];
	unsigned int i, sum = 0;

	assert_int_equal(rtc_set_memsize(rtc, 2ULL << 30, 4ULL << 30), 0);
	for (i = 0x0e; i < sizeof(v); i++)
		if (i != RTC_CENTURY)
			assert_int_equal(rtc_cmos_read(rtc, i, &v[i]), 0);
	assert_int_equal(v[CMOS_BASEMEM_LO] | v[CMOS_BASEMEM_HI] << 8, 640);
	assert_int_equal(v[CMOS_EXTMEM_LO] | v[CMOS_EXTMEM_HI] << 8, 0xffff);
	assert_int_equal(v[CMOS_EXTMEM2_LO] | v[CMOS_EXTMEM2_HI] << 8, 0xffff);
	assert_int_equal(v[CMOS_MEM16M_LO] | v[CMOS_MEM16M_HI] << 8, 0x7f00);
	assert_int_equal(v[CMOS_HIGHMEM_LO], 0x00);
	assert_int_equal(v[CMOS_HIGHMEM_MID], 0x00);
	assert_int_equal(v[CMOS_HIGHMEM_HI], 0x01);
	for (i = 0x10; i <= 0x2d; i++)
		sum += v[i];
	assert_int_equal(v[0x2e] << 8 | v[0x2f], sum);

	/* Small guest: 8 MiB, nothing above 16 MiB or 4 GiB. */
	assert_int_equal(rtc_set_memsize(rtc, 8ULL << 20, 0), 0);
	assert_int_equal(rtc_cmos_read(rtc, CMOS_EXTMEM_LO, &v[0]), 0);
	assert_int_equal(rtc_cmos_read(rtc, CMOS_EXTMEM_HI, &v[1]), 0);
	assert_int_equal(v[0] | v[1] << 8, 7 * 1024);
	assert_int_equal(rtc_cmos_read(rtc, CMOS_MEM16M_LO, &v[0]), 0);
	assert_int_equal(v[0], 0);
	assert_int_equal(rtc_set_memsize(rtc, (4ULL << 30) + 1, 0), -EINVAL);
	/* The same bytes reach the guest through 0x70/0x71. */
	assert_int_equal(rd(rtc, CMOS_BASEMEM_HI), 0x02);
	rtc_destroy(rtc);
}

static void test_rtc_nmi_bit_extended_bank_and_bad_ports(void **state)
{
	struct clk c;
	struct rtc_cmos *rtc = mk(&c, T_2000_01_01);
	uint8_t v;

	assert_false(rtc_nmi_masked(rtc));
	/* Index 0x8f: NMI masked, register 0x0f selected. */
	assert_int_equal(rtc_pio_write(rtc, RTC_PORT_INDEX, 0x8f), 0);
	assert_true(rtc_nmi_masked(rtc));
	assert_int_equal(rtc_pio_write(rtc, RTC_PORT_DATA, 0xab), 0);
	assert_int_equal(rtc_cmos_read(rtc, 0x0f, &v), 0);
	assert_int_equal(v, 0xab);
	assert_int_equal(rtc_cmos_read(rtc, RTC_REG_C, &v), -EPERM);
	assert_int_equal(rd(rtc, 0x0f), 0xab);
	assert_false(rtc_nmi_masked(rtc));
	/* Extended bank is separate from the standard one. */
	assert_int_equal(rtc_pio_write(rtc, RTC_PORT_EXT_INDEX, 0x0f), 0);
	assert_int_equal(rtc_pio_write(rtc, RTC_PORT_EXT_DATA, 0x5a), 0);
	assert_int_equal(rd(rtc, 0x0f), 0xab);
	assert_int_equal(rtc_pio_read(rtc, RTC_PORT_EXT_DATA, &v), 0);
	assert_int_equal(v, 0x5a);
	assert_int_equal(rtc_cmos_read(rtc, 0x8f, &v), 0);
	assert_int_equal(v, 0x5a);
	assert_int_equal(rtc_pio_read(rtc, 4, &v), -EINVAL);
	assert_int_equal(v, 0xff);
	assert_int_equal(rtc_pio_write(rtc, 0xffff, 0), -EINVAL);
	assert_int_equal(rtc_cmos_write(rtc, 0x100, 0), -EINVAL);
	assert_int_equal(rtc_cmos_write(rtc, RTC_REG_B, 0), -EPERM);
	rtc_destroy(rtc);
}

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static bool is_bcd(uint8_t v, uint8_t max)
{
	return (v & 0x0f) <= 9 && (v >> 4) <= 9 && v <= max;
}

/*
 * Hostile guest: random index/data traffic on all four ports with time
 * moving on. Invariants: IRQ 8 is high exactly when a register C read
 * reports IRQF (and that read lowers it); deadlines lie in the future;
 * with BCD, 24 h and a running clock every time register is valid BCD in
 * range.
 */
static void test_rtc_random_guest_keeps_invariants(void **state)
{
	struct clk c;
	struct rtc_cmos *rtc = mk(&c, T_2024_02_29_134556);
	int i, checked = 0;

	for (i = 0; i < 100000; i++) {
		uint32_t r = rng();
		uint8_t v = (uint8_t)(r >> 8), got;
		bool before;

		switch ((r >> 16) % 6) {
		case 0:
			assert_int_equal(rtc_pio_write(rtc, r % 4, v), 0);
			break;
		case 1:
			assert_int_equal(rtc_pio_read(rtc, r % 4, &got), 0);
			break;
		case 2:
			before = c.irq;
			got = rd(rtc, RTC_REG_C);
			assert_int_equal(before, (got & RTC_C_IRQF) != 0);
			assert_false(c.irq);
			break;
		case 3:
			/* Sane mode now and then, so the time check below runs. */
			wr(rtc, RTC_REG_A, RTC_A_DV_32K | (v & 0x0f));
			wr(rtc, RTC_REG_B, (v & 0x70) | RTC_B_24H);
			break;
		case 4:
			if ((rd(rtc, RTC_REG_B) & (RTC_B_SET | RTC_B_DM | RTC_B_24H)) != RTC_B_24H ||
			    (rd(rtc, RTC_REG_A) & 0x60) == 0x60)
				break;
			assert_true(is_bcd(rd(rtc, RTC_SEC), 0x59));
			assert_true(is_bcd(rd(rtc, RTC_MIN), 0x59));
			assert_true(is_bcd(rd(rtc, RTC_HOUR), 0x23));
			assert_true(is_bcd(rd(rtc, RTC_MDAY), 0x31) && rd(rtc, RTC_MDAY));
			assert_true(is_bcd(rd(rtc, RTC_MONTH), 0x12) && rd(rtc, RTC_MONTH));
			assert_true(rd(rtc, RTC_WDAY) >= 1 && rd(rtc, RTC_WDAY) <= 7);
			checked++;
			break;
		default:
			c.now += (uint64_t)(r >> 12) * 1000;
			if (c.armed && c.when <= c.now) {
				c.armed = false;
				rtc_timer_fired(rtc);
			}
			break;
		}
		if (c.armed)
			assert_true(c.when > c.now);
	}
	assert_true(checked > 100);
	assert_true(c.rises > 0);
	rtc_destroy(rtc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rtc_reads_known_time_in_bcd_and_binary),
		cmocka_unit_test(test_rtc_time_advances_with_host_clock),
		cmocka_unit_test(test_rtc_12h_mode_sets_pm_bit),
		cmocka_unit_test(test_rtc_set_bit_freezes_then_release_moves_base),
		cmocka_unit_test(test_rtc_set_bit_clears_uie),
		cmocka_unit_test(test_rtc_write_while_running_takes_effect),
		cmocka_unit_test(test_rtc_reg_c_read_clears_flags_and_lowers_irq),
		cmocka_unit_test(test_rtc_flags_set_without_irq_when_disabled),
		cmocka_unit_test(test_rtc_periodic_interrupt_rate),
		cmocka_unit_test(test_rtc_unacked_periodic_stops_host_timer),
		cmocka_unit_test(test_rtc_uip_set_only_just_before_update),
		cmocka_unit_test(test_rtc_alarm_fires_on_matching_second),
		cmocka_unit_test(test_rtc_alarm_missed_update_still_sets_af),
		cmocka_unit_test(test_rtc_divider_reset_holds_time_and_restarts_half_second),
		cmocka_unit_test(test_rtc_hostile_register_values_stay_in_range),
		cmocka_unit_test(test_rtc_memsize_bytes_follow_firmware_layout),
		cmocka_unit_test(test_rtc_nmi_bit_extended_bank_and_bad_ports),
		cmocka_unit_test(test_rtc_random_guest_keeps_invariants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

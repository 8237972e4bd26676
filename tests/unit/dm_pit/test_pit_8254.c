/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the i8254 PIT model (devicemodel/hw/platform/pit_8254.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "hw/pit_8254.h"

#define NS	1000000000ULL

struct clk {
	uint64_t now;
	int pulses;
	bool armed;
	uint64_t when;
};

static uint64_t clk_now(void *ctx)
{
	return ((struct clk *)ctx)->now;
}

static void clk_pulse(void *ctx)
{
	((struct clk *)ctx)->pulses++;
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

static const struct pit_ops clk_ops = {
	.now_ns = clk_now,
	.irq_pulse = clk_pulse,
	.timer_arm = clk_arm,
	.timer_cancel = clk_cancel,
};

static struct pit_8254 *mk(struct clk *c)
{
	struct pit_8254 *pit = NULL;

	memset(c, 0, sizeof(*c));
	c->now = 3 * NS + 12345;
	assert_int_equal(pit_create(&clk_ops, c, &pit), 0);
	return pit;
}

static void wr(struct pit_8254 *pit, uint32_t off, uint8_t v)
{
	assert_int_equal(pit_write(pit, off, v), 0);
}

static uint8_t rd(struct pit_8254 *pit, uint32_t off)
{
	uint8_t v = 0;

	assert_int_equal(pit_read(pit, off, &v), 0);
	return v;
}

static uint16_t rd16(struct pit_8254 *pit, uint32_t off)
{
	uint8_t lo = rd(pit, off);

	return (uint16_t)(lo | rd(pit, off) << 8);
}

/* ns for @p ticks of the 1.193182 MHz clock, rounded up */
static uint64_t ticks_ns(uint64_t ticks)
{
	return (ticks * NS + 1193182 - 1) / 1193182;
}

static void run_until(struct pit_8254 *pit, struct clk *c, uint64_t until)
{
	while (c->armed && c->when <= until) {
		c->now = c->when;
		c->armed = false;
		pit_timer_fired(pit);
	}
	c->now = until;
}

static void test_pit_mode2_period_drives_irq0(void **state)
{
	struct clk c;
	struct pit_8254 *pit = mk(&c);
	uint64_t t0 = c.now;

	wr(pit, 3, 0x34);		/* counter 0, LSB/MSB, mode 2, binary */
	wr(pit, 0, 1193 & 0xff);
	assert_false(c.armed);		/* nothing until the MSB arrives */
	wr(pit, 0, 1193 >> 8);
	assert_true(c.armed);
	assert_int_equal(c.when, t0 + ticks_ns(1193));
	run_until(pit, &c, t0 + NS);
	/* 1193182 / 1193 = 1000.15 periods in one second */
	assert_int_equal(c.pulses, 1000);
	assert_true(c.armed);		/* periodic: keeps going */
	assert_int_equal(c.when, t0 + ticks_ns(1001 * 1193ULL));
	pit_destroy(pit);
}

static void test_pit_mode2_count_reads_down_and_reloads(void **state)
{
	struct clk c;
	struct pit_8254 *pit = mk(&c);
	uint64_t t0 = c.now;

	wr(pit, 3, 0x34);
	wr(pit, 0, 0xe8);
	wr(pit, 0, 0x03);		/* 1000 */
	assert_int_equal(rd16(pit, 0), 1000);
	c.now = t0 + ticks_ns(250);
	assert_int_equal(rd16(pit, 0), 750);
	c.now = t0 + ticks_ns(999);
	assert_int_equal(rd16(pit, 0), 1);
	c.now = t0 + ticks_ns(1000);
	assert_int_equal(rd16(pit, 0), 1000);	/* reloaded */
	c.now = t0 + ticks_ns(1100);
	assert_int_equal(rd16(pit, 0), 900);
	pit_destroy(pit);
}

static void test_pit_mode0_one_shot_fires_once(void **state)
{
	struct clk c;
	struct pit_8254 *pit = mk(&c);
	uint64_t t0 = c.now;

	wr(pit, 3, 0x30);		/* counter 0, LSB/MSB, mode 0 */
	wr(pit, 0, 100);
	wr(pit, 0, 0);
	assert_true(c.armed);
	assert_int_equal(c.when, t0 + ticks_ns(100));
	run_until(pit, &c, t0 + NS);
	assert_int_equal(c.pulses, 1);
	assert_false(c.armed);
	/* The counter keeps counting down through zero and wraps. */
	c.now = t0 + ticks_ns(110);
	assert_int_equal(rd16(pit, 0), 65526);
	/* A new count re-arms exactly one more interrupt. */
	wr(pit, 0, 50);
	wr(pit, 0, 0);
	run_until(pit, &c, c.now + NS);
	assert_int_equal(c.pulses, 2);
	pit_destroy(pit);
}

static void test_pit_mode0_first_byte_of_new_count_stops_counter(void **state)
{
	struct clk c;
	struct pit_8254 *pit = mk(&c);
	uint64_t t0 = c.now;

	wr(pit, 3, 0x30);
	wr(pit, 0, 100);
	wr(pit, 0, 0);
	assert_true(c.armed);
	c.now = t0 + ticks_ns(40);
	wr(pit, 0, 200);		/* LSB of a new count: counting stops */
	assert_false(c.armed);
	c.now = t0 + ticks_ns(1000);
	assert_int_equal(rd16(pit, 0), 60);	/* held where it stopped */
	wr(pit, 0, 0);			/* MSB: 200 loaded and counting */
	assert_true(c.armed);
	assert_int_equal(c.when, c.now + ticks_ns(200));
	run_until(pit, &c, c.now + NS);
	assert_int_equal(c.pulses, 1);
	pit_destroy(pit);
}

static void test_pit_mode4_one_shot_strobe_fires_once(void **state)
{
	struct clk c;
	struct pit_8254 *pit = mk(&c);
	uint64_t t0 = c.now;

	wr(pit, 3, 0x38);		/* Linux's one-shot clockevent mode */
	wr(pit, 0, 10);
	wr(pit, 0, 0);
	assert_int_equal(c.when, t0 + ticks_ns(11));	/* rising edge after the strobe */
	run_until(pit, &c, t0 + NS);
	assert_int_equal(c.pulses, 1);
	assert_false(c.armed);
	pit_destroy(pit);
}

static void test_pit_reprogramming_counter0_cancels_timer(void **state)
{
	struct clk c;
	struct pit_8254 *pit = mk(&c);

	wr(pit, 3, 0x34);
	wr(pit, 0, 0);
	wr(pit, 0, 0);			/* 65536 */
	assert_true(c.armed);
	wr(pit, 3, 0x30);		/* new mode, no count yet */
	assert_false(c.armed);
	pit_destroy(pit);
}

static void test_pit_latch_command_freezes_count(void **state)
{
	struct clk c;
	struct pit_8254 *pit = mk(&c);
	uint64_t t0 = c.now;

	wr(pit, 3, 0x34);
	wr(pit, 0, 0x10);
	wr(pit, 0, 0x27);		/* 10000 */
	c.now = t0 + ticks_ns(1234);
	wr(pit, 3, 0x00);		/* latch counter 0 */
	c.now = t0 + ticks_ns(5000);
	wr(pit, 3, 0x00);		/* ignored: previous latch unread */
	assert_int_equal(rd16(pit, 0), 10000 - 1234);
	/* Latch released: reads are live again. */
	assert_int_equal(rd16(pit, 0), 5000);
	pit_destroy(pit);
}

static void test_pit_latch_respects_lsb_only_access(void **state)
{
	struct clk c;
	struct pit_8254 *pit = mk(&c);
	uint64_t t0 = c.now;

	wr(pit, 3, 0x54);		/* counter 1, LSB only, mode 2 */
	wr(pit, 1, 200);
	c.now = t0 + ticks_ns(50);
	wr(pit, 3, 0x40);		/* latch counter 1 */
	c.now = t0 + ticks_ns(60);
	assert_int_equal(rd(pit, 1), 150);	/* one byte, latched */
	assert_int_equal(rd(pit, 1), 140);	/* live */
	wr(pit, 3, 0x64);		/* counter 1, MSB only, mode 2 */
	wr(pit, 1, 0x02);		/* 0x200 = 512 */
	c.now += ticks_ns(256);
	assert_int_equal(rd(pit, 1), 0x01);
	pit_destroy(pit);
}

static void test_pit_readback_returns_status_then_count(void **state)
{
	struct clk c;
	struct pit_8254 *pit = mk(&c);
	uint64_t t0;

	pit_port61_write(pit, PIT_P61_GATE2);
	wr(pit, 3, 0xb0);		/* counter 2, LSB/MSB, mode 0, binary */
	/* Read-back status of counter 2: OUT low, null count, RW 3, mode 0. */
	wr(pit, 3, 0xe0 | PIT_RB_CNT(2));
	assert_int_equal(rd(pit, 2), PIT_ST_NULL | 0x30);
	t0 = c.now;
	wr(pit, 2, 0x00);
	wr(pit, 2, 0x01);		/* 256 */
	c.now = t0 + ticks_ns(16);
	wr(pit, 3, 0xc0 | PIT_RB_CNT(2));	/* status and count */
	c.now = t0 + ticks_ns(100);
	assert_int_equal(rd(pit, 2), 0x30);	/* status first: count loaded */
	assert_int_equal(rd16(pit, 2), 240);	/* then the count latched at 16 */
	/* After terminal count the status reports OUT high. */
	c.now = t0 + ticks_ns(300);
	wr(pit, 3, 0xe0 | PIT_RB_CNT(2));
	assert_int_equal(rd(pit, 2), PIT_ST_OUT | 0x30);
	/* Read-back of several counters at once, count only. */
	wr(pit, 3, 0x34);
	wr(pit, 0, 0x00);
	wr(pit, 0, 0x10);		/* 4096 */
	wr(pit, 3, 0xd0 | PIT_RB_CNT(0) | PIT_RB_CNT(2));
	c.now += ticks_ns(1000);
	assert_int_equal(rd16(pit, 0), 4096);
	assert_int_equal(rd16(pit, 2), (uint16_t)(256 - 300));
	pit_destroy(pit);
}

static void test_pit_port61_gate_and_out2_calibration_loop(void **state)
{
	struct clk c;
	struct pit_8254 *pit = mk(&c);
	uint64_t t0;
	uint8_t v;

	/* Linux pit_calibrate_tsc(): gate high, speaker off, mode 0, 0xffff. */
	pit_port61_write(pit, (pit_port61_read(pit) & ~PIT_P61_SPKR) | PIT_P61_GATE2);
	wr(pit, 3, 0xb0);
	assert_int_equal(pit_port61_read(pit) & PIT_P61_OUT2, 0);
	t0 = c.now;
	wr(pit, 2, 0xff);
	wr(pit, 2, 0xff);
	c.now = t0 + ticks_ns(65534);
	assert_int_equal(pit_port61_read(pit) & PIT_P61_OUT2, 0);
	c.now = t0 + ticks_ns(65535);
	v = pit_port61_read(pit);
	assert_int_equal(v & PIT_P61_OUT2, PIT_P61_OUT2);
	assert_int_equal(v & (PIT_P61_GATE2 | PIT_P61_SPKR), PIT_P61_GATE2);
	/* Counter 2 never raises IRQ 0. */
	assert_int_equal(c.pulses, 0);
	pit_destroy(pit);
}

static void test_pit_gate_low_pauses_mode0_counter2(void **state)
{
	struct clk c;
	struct pit_8254 *pit = mk(&c);
	uint64_t t0 = c.now;

	assert_int_equal(pit_port61_read(pit) & PIT_P61_GATE2, 0);
	wr(pit, 3, 0xb0);
	wr(pit, 2, 0xe8);
	wr(pit, 2, 0x03);		/* 1000, gate low: not counting */
	c.now = t0 + ticks_ns(5000);
	assert_int_equal(rd16(pit, 2), 1000);
	assert_int_equal(pit_port61_read(pit) & PIT_P61_OUT2, 0);
	pit_port61_write(pit, PIT_P61_GATE2);
	c.now += ticks_ns(400);
	assert_int_equal(rd16(pit, 2), 600);
	pit_port61_write(pit, 0);	/* pause */
	c.now += ticks_ns(10000);
	assert_int_equal(rd16(pit, 2), 600);
	pit_port61_write(pit, PIT_P61_GATE2);
	c.now += ticks_ns(600);
	assert_int_equal(pit_port61_read(pit) & PIT_P61_OUT2, PIT_P61_OUT2);
	pit_destroy(pit);
}

static void test_pit_mode1_retriggers_on_gate_edge(void **state)
{
	struct clk c;
	struct pit_8254 *pit = mk(&c);

	wr(pit, 3, 0xb2);		/* counter 2, mode 1 */
	wr(pit, 2, 100);
	wr(pit, 2, 0);
	assert_int_equal(pit_port61_read(pit) & PIT_P61_OUT2, PIT_P61_OUT2);
	pit_port61_write(pit, PIT_P61_GATE2);	/* trigger: OUT low */
	c.now += ticks_ns(50);
	assert_int_equal(pit_port61_read(pit) & PIT_P61_OUT2, 0);
	assert_int_equal(rd16(pit, 2), 50);
	pit_port61_write(pit, 0);		/* falling edge: no effect */
	c.now += ticks_ns(10);
	assert_int_equal(rd16(pit, 2), 40);
	pit_port61_write(pit, PIT_P61_GATE2);	/* retrigger */
	c.now += ticks_ns(99);
	assert_int_equal(pit_port61_read(pit) & PIT_P61_OUT2, 0);
	c.now += ticks_ns(1);
	assert_int_equal(pit_port61_read(pit) & PIT_P61_OUT2, PIT_P61_OUT2);
	pit_destroy(pit);
}

static void test_pit_mode3_square_wave_on_out2(void **state)
{
	struct clk c;
	struct pit_8254 *pit = mk(&c);
	uint64_t t0;
	int i, high = 0;

	pit_port61_write(pit, PIT_P61_GATE2);
	wr(pit, 3, 0xb6);		/* counter 2, mode 3 (speaker tone) */
	t0 = c.now;
	wr(pit, 2, 10);
	wr(pit, 2, 0);
	for (i = 0; i < 10; i++) {
		c.now = t0 + ticks_ns((uint64_t)i);
		if (pit_port61_read(pit) & PIT_P61_OUT2)
			high++;
		else
			assert_true(i >= 5);
	}
	assert_int_equal(high, 5);
	c.now = t0 + ticks_ns(2);
	assert_int_equal(rd16(pit, 2), 6);	/* decrements by two */
	pit_destroy(pit);
}

static void test_pit_bcd_counting(void **state)
{
	struct clk c;
	struct pit_8254 *pit = mk(&c);
	uint64_t t0 = c.now;

	wr(pit, 3, 0x35);		/* counter 0, mode 2, BCD */
	wr(pit, 0, 0x00);
	wr(pit, 0, 0x01);		/* BCD 0100 = 100 */
	assert_int_equal(c.when, t0 + ticks_ns(100));
	c.now = t0 + ticks_ns(1);
	assert_int_equal(rd16(pit, 0), 0x0099);
	c.now = t0 + ticks_ns(58);
	assert_int_equal(rd16(pit, 0), 0x0042);
	/* Count 0 in BCD means 10000; invalid digits saturate at 9. */
	wr(pit, 3, 0x31);		/* mode 0 BCD */
	wr(pit, 0, 0x00);
	wr(pit, 0, 0x00);
	assert_int_equal(c.when, c.now + ticks_ns(10000));
	wr(pit, 0, 0xff);
	wr(pit, 0, 0xff);
	assert_int_equal(c.when, c.now + ticks_ns(9999));
	pit_destroy(pit);
}

static void test_pit_hostile_ports_and_unprogrammed_reads(void **state)
{
	struct clk c;
	struct pit_8254 *pit = mk(&c);
	uint8_t v = 0;

	assert_int_equal(pit_read(pit, 4, &v), -EINVAL);
	assert_int_equal(v, 0xff);
	assert_int_equal(pit_write(pit, 0xffffffffu, 0), -EINVAL);
	assert_int_equal(rd(pit, 3), 0xff);	/* control word is write-only */
	assert_int_equal(rd(pit, 1), 0xff);	/* never programmed */
	wr(pit, 1, 0x12);			/* ignored, no crash */
	wr(pit, 3, 0x00);			/* latch of unprogrammed counter 0 */
	assert_int_equal(rd(pit, 0), 0xff);
	wr(pit, 3, 0xfe);			/* read-back of everything (bit 0 reserved) */
	assert_int_equal(pit_create(NULL, NULL, &pit), -EINVAL);
	pit_destroy(pit);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

/*
 * Hostile guest: random control words, counts, reads and gate flips with
 * time moving on. Invariants: IRQ 0 pulses come only from the timer
 * callback, a requested deadline always lies in the future, status bytes
 * report the programmed RW/mode/BCD, and sanitizers see no fault.
 */
static void test_pit_random_guest_keeps_invariants(void **state)
{
	struct clk c;
	struct pit_8254 *pit = mk(&c);
	uint8_t cw[3] = { 0 };
	int i, pulses;

	for (i = 0; i < 200000; i++) {
		uint32_t r = rng();
		unsigned int off = r % 4, ch;
		uint8_t v = (uint8_t)(r >> 8);

		pulses = c.pulses;
		switch ((r >> 16) % 6) {
		case 0:
			if (off == 3 && (v >> 6) != 3 && ((v >> 4) & 3))
				cw[v >> 6] = v & 0x3f;
			wr(pit, off, v);
			break;
		case 1:
			rd(pit, off);
			break;
		case 2:
			pit_port61_write(pit, v);
			break;
		case 3:
			assert_int_equal(pit_port61_read(pit) & 0xc0, 0);
			break;
		case 4:
			/* Status read-back of one counter: must echo its control word. */
			ch = off % 3;
			if (!cw[ch])
				break;
			wr(pit, 3, (uint8_t)(0xe0 | PIT_RB_CNT(ch)));
			/* A status latched earlier is returned first, and is equally valid. */
			assert_int_equal(rd(pit, ch) & 0x3f, cw[ch]);
			break;
		default:
			c.now += (r >> 20) * 100;
			if (c.armed && c.when <= c.now) {
				c.armed = false;
				pit_timer_fired(pit);
				continue;
			}
			break;
		}
		assert_int_equal(c.pulses, pulses);
		if (c.armed)
			assert_true(c.when > c.now);
	}
	assert_true(c.pulses > 0);	/* the timer path was exercised */
	pit_destroy(pit);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pit_mode2_period_drives_irq0),
		cmocka_unit_test(test_pit_mode2_count_reads_down_and_reloads),
		cmocka_unit_test(test_pit_mode0_one_shot_fires_once),
		cmocka_unit_test(test_pit_mode0_first_byte_of_new_count_stops_counter),
		cmocka_unit_test(test_pit_mode4_one_shot_strobe_fires_once),
		cmocka_unit_test(test_pit_reprogramming_counter0_cancels_timer),
		cmocka_unit_test(test_pit_latch_command_freezes_count),
		cmocka_unit_test(test_pit_latch_respects_lsb_only_access),
		cmocka_unit_test(test_pit_readback_returns_status_then_count),
		cmocka_unit_test(test_pit_port61_gate_and_out2_calibration_loop),
		cmocka_unit_test(test_pit_gate_low_pauses_mode0_counter2),
		cmocka_unit_test(test_pit_mode1_retriggers_on_gate_edge),
		cmocka_unit_test(test_pit_mode3_square_wave_on_out2),
		cmocka_unit_test(test_pit_bcd_counting),
		cmocka_unit_test(test_pit_hostile_ports_and_unprogrammed_reads),
		cmocka_unit_test(test_pit_random_guest_keeps_invariants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

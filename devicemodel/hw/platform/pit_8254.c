/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Intel 8254 programmable interval timer.
 *
 * Reference: Intel 8254 datasheet (order 231164): control word format,
 * counter latch command, read-back command and status byte, and the
 * waveforms of modes 0-5. PC wiring (IRQ 0, port 0x61 gate/OUT2) follows
 * the IBM PC/AT technical reference.
 *
 * A counter is a pure function of time: it remembers when its counting
 * element was loaded (start_ns) and how many clocks it had already counted
 * before the last gate pause (acc); the count and OUT are computed on
 * demand. Simplification: the count is loaded at the write itself, not on
 * the following CLK edge, and a new count written to a running mode 2/3
 * counter restarts it at once instead of at the end of the current period.
 * While a mode 0 counter waits for the second byte of a new count it reads
 * the count it was stopped at.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hw/pit_8254.h"

#define NS_PER_SEC	1000000000ULL
#define PIT_NONE	UINT64_MAX
/* DRAM refresh request toggles port 0x61 bit 4 every 15.085 us on a PC. */
#define PIT_REFRESH_NS	15085ULL

struct pit_counter {
	uint8_t cw_mode;	/* mode bits as written (6/7 alias 2/3) */
	uint8_t mode;		/* 0..5 */
	uint8_t rw;		/* 0: never programmed, else PIT_CW_RW_* */
	bool bcd;
	bool gate;
	bool loaded;		/* a count reached the counting element */
	bool null_count;	/* control word written, count not yet */
	bool triggered;		/* modes 1/5: gate edge seen */
	bool running;		/* clock edges are being counted now */
	uint32_t n;		/* initial count: 1..65536 (or 10000 BCD) */
	uint64_t start_ns;
	uint64_t acc;		/* clocks counted before start_ns */
	bool wr_msb;		/* next count byte is the MSB (word access) */
	uint8_t wr_lsb;
	bool rd_msb;		/* read flip-flop */
	uint8_t latch_bytes;	/* latched count bytes still unread */
	uint16_t latched;
	bool status_latched;
	uint8_t status;
	uint64_t next_irq;	/* counter 0: clock of the next OUT rising edge */
};

struct pit_8254 {
	pthread_mutex_t lock;
	const struct pit_ops *ops;
	void *ctx;
	struct pit_counter cnt[3];
	uint8_t p61;		/* writable bits 0..3 of port 0x61 */
};

static uint64_t pit_ticks(const struct pit_counter *c, uint64_t now)
{
	uint64_t d;

	if (!c->running)
		return c->acc;
	d = now > c->start_ns ? now - c->start_ns : 0;
	return c->acc + (uint64_t)((unsigned __int128)d * PIT_FREQ_HZ / NS_PER_SEC);
}

static uint32_t pit_modulus(const struct pit_counter *c)
{
	return c->bcd ? 10000 : 65536;
}

/* Count of 1 is illegal in modes 2 and 3 (datasheet): treat it as 2. */
static uint64_t pit_period(const struct pit_counter *c)
{
	return c->n < 2 ? 2 : c->n;
}

/* OUT pin at clock @p t since load (datasheet, mode waveforms). */
static bool pit_out(const struct pit_counter *c, uint64_t t)
{
	uint64_t p;

	if (!c->loaded)
		return c->mode != 0;	/* mode 0: OUT low after the control word */
	switch (c->mode) {
	case 0:
		return t >= c->n;
	case 1:
		return !c->triggered || t >= c->n;
	case 2:
		p = pit_period(c);
		return !c->running || t % p != p - 1;
	case 3:
		p = pit_period(c);
		return !c->running || t % p < (p + 1) / 2;
	case 4:
		return t != c->n;
	default:
		return !c->triggered || t != c->n;
	}
}

/* Count value at clock @p t, as a number 0..65536. */
static uint32_t pit_count(const struct pit_counter *c, uint64_t t)
{
	uint64_t p, ph, half, k;
	uint32_t m = pit_modulus(c);
	int64_t v;

	if (!c->loaded || ((c->mode == 1 || c->mode == 5) && !c->triggered))
		return c->n % m;
	switch (c->mode) {
	case 2:
		p = pit_period(c);
		return (uint32_t)(p - t % p);
	case 3:
		/* Square wave: decrements by two through each half period. */
		p = pit_period(c);
		half = (p + 1) / 2;
		ph = t % p;
		k = ph < half ? ph : ph - half;
		v = (int64_t)(p & ~1ULL) - 2 * (int64_t)k;
		return v < 2 ? 2 : (uint32_t)v;
	default:
		/* Modes 0, 1, 4, 5 keep counting down and wrap. */
		return (uint32_t)((c->n + m - t % m) % m);
	}
}

static uint16_t pit_encode(const struct pit_counter *c, uint32_t v)
{
	if (!c->bcd)
		return (uint16_t)v;
	v %= 10000;
	return (uint16_t)((v / 1000) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10);
}

/* Guest BCD digits above 9 are clamped to 9, like a saturated decade. */
static uint32_t pit_decode(const struct pit_counter *c, uint16_t raw)
{
	uint32_t v = 0;
	int i;

	if (!c->bcd)
		return raw ? raw : 65536;
	for (i = 12; i >= 0; i -= 4) {
		uint32_t d = (raw >> i) & 0xf;

		v = v * 10 + (d > 9 ? 9 : d);
	}
	return v ? v : 10000;
}

/* First clock after @p t at which OUT rises (IRQ 0 edge), or PIT_NONE. */
static uint64_t pit_next_edge(const struct pit_counter *c, uint64_t t)
{
	uint64_t p;

	if (!c->loaded || !c->running)
		return PIT_NONE;
	switch (c->mode) {
	case 0:
	case 1:
		return t < c->n ? c->n : PIT_NONE;
	case 2:
	case 3:
		p = pit_period(c);
		return (t / p + 1) * p;
	default:
		/* Modes 4/5: OUT returns high one clock after terminal count. */
		return t < (uint64_t)c->n + 1 ? (uint64_t)c->n + 1 : PIT_NONE;
	}
}

/* Host time at which counter 0 reaches clock @p tick. */
static uint64_t pit_tick_time(const struct pit_counter *c, uint64_t tick)
{
	unsigned __int128 ns = (unsigned __int128)(tick - c->acc) * NS_PER_SEC;

	return c->start_ns + (uint64_t)((ns + PIT_FREQ_HZ - 1) / PIT_FREQ_HZ);
}

static void pit_rearm(struct pit_8254 *pit, uint64_t now)
{
	struct pit_counter *c = &pit->cnt[0];

	c->next_irq = pit_next_edge(c, pit_ticks(c, now));
	if (c->next_irq == PIT_NONE)
		pit->ops->timer_cancel(pit->ctx);
	else
		pit->ops->timer_arm(pit->ctx, pit_tick_time(c, c->next_irq));
}

static void pit_latch_count(struct pit_counter *c, uint64_t now)
{
	if (c->latch_bytes || c->rw == 0)
		return;		/* a pending latch is kept until read */
	c->latched = pit_encode(c, pit_count(c, pit_ticks(c, now)));
	c->latch_bytes = c->rw == PIT_CW_RW_WORD ? 2 : 1;
}

static void pit_latch_status(struct pit_counter *c, uint64_t now)
{
	if (c->status_latched)
		return;
	c->status = (pit_out(c, pit_ticks(c, now)) ? PIT_ST_OUT : 0) |
		    (c->null_count ? PIT_ST_NULL : 0) |
		    (uint8_t)(c->rw << PIT_CW_RW_SHIFT) |
		    (uint8_t)(c->cw_mode << PIT_CW_MODE_SHIFT) | (c->bcd ? 1 : 0);
	c->status_latched = true;
}

/*
 * Control word (datasheet, "Write Operations"): resets the counter's
 * control logic; OUT takes its initial level and the counter waits for a
 * count. RW = 00 is the counter latch command; SC = 11 is read-back.
 */
static void pit_write_control(struct pit_8254 *pit, uint8_t val, uint64_t now)
{
	unsigned int sc = val >> PIT_CW_SC_SHIFT, rw = (val >> PIT_CW_RW_SHIFT) & 3, i;
	struct pit_counter *c;

	if (sc == PIT_CW_SC_READBACK) {
		for (i = 0; i < 3; i++) {
			if (!(val & PIT_RB_CNT(i)))
				continue;
			if (!(val & PIT_RB_NO_STATUS))
				pit_latch_status(&pit->cnt[i], now);
			if (!(val & PIT_RB_NO_COUNT))
				pit_latch_count(&pit->cnt[i], now);
		}
		return;
	}
	c = &pit->cnt[sc];
	if (rw == PIT_CW_RW_LATCH) {
		pit_latch_count(c, now);
		return;
	}
	c->cw_mode = (val >> PIT_CW_MODE_SHIFT) & 7;
	c->mode = c->cw_mode > 5 ? c->cw_mode - 4 : c->cw_mode;
	c->rw = (uint8_t)rw;
	c->bcd = val & PIT_CW_BCD;
	c->loaded = false;
	c->null_count = true;
	c->triggered = false;
	c->running = false;
	c->acc = 0;
	c->wr_msb = false;
	c->rd_msb = false;
	c->latch_bytes = 0;
	c->status_latched = false;
	if (sc == 0)
		pit_rearm(pit, now);
}

/* A complete count reaches the counting element (mode-dependent start). */
static void pit_load(struct pit_8254 *pit, unsigned int idx, uint16_t raw, uint64_t now)
{
	struct pit_counter *c = &pit->cnt[idx];

	c->n = pit_decode(c, raw);
	c->loaded = true;
	c->null_count = false;
	c->acc = 0;
	c->start_ns = now;
	c->triggered = false;
	/* Modes 1 and 5 wait for a rising gate edge; the others need gate high. */
	c->running = (c->mode == 1 || c->mode == 5) ? false : c->gate;
	if (idx == 0)
		pit_rearm(pit, now);
}

static void pit_write_count(struct pit_8254 *pit, unsigned int idx, uint8_t val, uint64_t now)
{
	struct pit_counter *c = &pit->cnt[idx];

	switch (c->rw) {
	case PIT_CW_RW_LSB:
		pit_load(pit, idx, val, now);
		break;
	case PIT_CW_RW_MSB:
		pit_load(pit, idx, (uint16_t)(val << 8), now);
		break;
	case PIT_CW_RW_WORD:
		if (!c->wr_msb) {
			c->wr_lsb = val;
			c->wr_msb = true;
			/*
			 * Mode 0: the first byte of a new count disables
			 * counting and drops OUT at once (datasheet, mode 0),
			 * so a pending one-shot cannot fire in between.
			 */
			if (c->mode == 0 && c->loaded) {
				uint32_t v = pit_count(c, pit_ticks(c, now));

				c->n = v ? v : pit_modulus(c);	/* what reads return */
				c->acc = 0;
				c->running = false;
				c->loaded = false;
				if (idx == 0)
					pit_rearm(pit, now);
			}
		} else {
			c->wr_msb = false;
			pit_load(pit, idx, (uint16_t)(c->wr_lsb | val << 8), now);
		}
		break;
	default:
		break;		/* never programmed: nothing to load */
	}
}

/* Reads return a pending status first, then a latched count, else live. */
static uint8_t pit_read_count(struct pit_counter *c, uint64_t now)
{
	uint16_t v;
	uint8_t b;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->latch_bytes) {
		v = c->latched;
		c->latch_bytes--;
	} else {
		if (c->rw == 0)
			return 0xff;
		v = pit_encode(c, pit_count(c, pit_ticks(c, now)));
	}
	switch (c->rw) {
	case PIT_CW_RW_LSB:
		return (uint8_t)v;
	case PIT_CW_RW_MSB:
		return (uint8_t)(v >> 8);
	default:
		b = c->rd_msb ? (uint8_t)(v >> 8) : (uint8_t)v;
		c->rd_msb = !c->rd_msb;
		return b;
	}
}

int pit_read(struct pit_8254 *pit, uint32_t offset, uint8_t *val)
{
	int ret = 0;

	pthread_mutex_lock(&pit->lock);
	if (offset < 3)
		*val = pit_read_count(&pit->cnt[offset], pit->ops->now_ns(pit->ctx));
	else
		*val = 0xff;	/* the control word register is write-only */
	if (offset > 3)
		ret = -EINVAL;
	pthread_mutex_unlock(&pit->lock);
	return ret;
}

int pit_write(struct pit_8254 *pit, uint32_t offset, uint8_t val)
{
	uint64_t now;

	if (offset > 3)
		return -EINVAL;
	pthread_mutex_lock(&pit->lock);
	now = pit->ops->now_ns(pit->ctx);
	if (offset == PIT_PORT_CTRL)
		pit_write_control(pit, val, now);
	else
		pit_write_count(pit, offset, val, now);
	pthread_mutex_unlock(&pit->lock);
	return 0;
}

/*
 * Gate input (datasheet, "Gate" table): modes 0/4 pause while low; modes
 * 2/3 stop while low (OUT high) and reload on the rising edge; modes 1/5
 * (re)trigger on the rising edge only.
 */
static void pit_set_gate(struct pit_counter *c, bool gate, uint64_t now)
{
	bool rise = gate && !c->gate, fall = !gate && c->gate;

	c->gate = gate;
	if (!c->loaded || (!rise && !fall))
		return;
	if (fall) {
		if (c->mode != 1 && c->mode != 5 && c->running) {
			c->acc = pit_ticks(c, now);
			c->running = false;
		}
		return;
	}
	if (c->mode == 1 || c->mode == 5) {
		c->triggered = true;
		c->acc = 0;
	} else if (c->mode == 2 || c->mode == 3) {
		c->acc = 0;
	}
	c->start_ns = now;
	c->running = true;
}

uint8_t pit_port61_read(struct pit_8254 *pit)
{
	const struct pit_counter *c2;
	uint64_t now;
	uint8_t v;

	pthread_mutex_lock(&pit->lock);
	now = pit->ops->now_ns(pit->ctx);
	c2 = &pit->cnt[2];
	v = pit->p61 & 0x0f;
	if ((now / PIT_REFRESH_NS) & 1)
		v |= PIT_P61_REFRESH;
	if (pit_out(c2, pit_ticks(c2, now)))
		v |= PIT_P61_OUT2;
	pthread_mutex_unlock(&pit->lock);
	return v;
}

void pit_port61_write(struct pit_8254 *pit, uint8_t val)
{
	pthread_mutex_lock(&pit->lock);
	pit->p61 = val & 0x0f;
	pit_set_gate(&pit->cnt[2], (val & PIT_P61_GATE2) != 0,
		     pit->ops->now_ns(pit->ctx));
	pthread_mutex_unlock(&pit->lock);
}

/* IRQ 0 follows counter 0's OUT rising edges; missed edges are coalesced. */
void pit_timer_fired(struct pit_8254 *pit)
{
	struct pit_counter *c = &pit->cnt[0];
	uint64_t now;

	pthread_mutex_lock(&pit->lock);
	now = pit->ops->now_ns(pit->ctx);
	if (c->next_irq != PIT_NONE && pit_ticks(c, now) >= c->next_irq) {
		pit->ops->irq_pulse(pit->ctx);
		pit_rearm(pit, now);
	} else if (c->next_irq != PIT_NONE) {
		/* Early or stale call: ask again for the same edge. */
		pit->ops->timer_arm(pit->ctx, pit_tick_time(c, c->next_irq));
	}
	pthread_mutex_unlock(&pit->lock);
}

int pit_create(const struct pit_ops *ops, void *ctx, struct pit_8254 **out)
{
	struct pit_8254 *pit;
	int i;

	if (!ops || !ops->now_ns || !ops->irq_pulse || !ops->timer_arm ||
	    !ops->timer_cancel || !out)
		return -EINVAL;
	pit = calloc(1, sizeof(*pit));
	if (!pit)
		return -ENOMEM;
	if (pthread_mutex_init(&pit->lock, NULL) != 0) {
		free(pit);
		return -ENOMEM;
	}
	pit->ops = ops;
	pit->ctx = ctx;
	for (i = 0; i < 3; i++) {
		pit->cnt[i].n = 65536;
		pit->cnt[i].next_irq = PIT_NONE;
		pit->cnt[i].gate = i != 2;	/* gates 0/1 are tied high on a PC */
	}
	*out = pit;
	return 0;
}

void pit_destroy(struct pit_8254 *pit)
{
	if (!pit)
		return;
	pit->ops->timer_cancel(pit->ctx);
	pthread_mutex_destroy(&pit->lock);
	free(pit);
}

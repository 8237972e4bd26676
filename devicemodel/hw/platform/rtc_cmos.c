/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MC146818A real-time clock and CMOS memory.
 *
 * Reference: Motorola MC146818A datasheet ("Real-Time Clock Plus RAM"):
 * address map (Figure 2), time/calendar/alarm data modes (Table 2),
 * periodic interrupt rates (Table 4), registers A-D.
 *
 * Nothing runs in the background. Guest time is
 *     base_sec + (now_ns - base_ns + phase_ns) / 1e9
 * and the time registers are regenerated from it whenever the guest reads
 * them; status flags (PF, UF, AF) are brought up to date lazily whenever
 * the guest looks, and a host timer is requested only for the next event
 * that would raise IRQ 8 and is not already pending.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hw/rtc_cmos.h"

#define NS_PER_SEC	1000000000ULL
#define RTC_TB_HZ	32768ULL	/* time base behind the divider */
/* UIP rises 244 us before each update (datasheet, register A, UIP). */
#define RTC_UIP_NS	244141ULL

struct rtc_cmos {
	pthread_mutex_t lock;
	const struct rtc_ops *ops;
	void *ctx;

	uint8_t mem[256];	/* 0x00..0x7f standard, 0x80..0xff extended */
	uint8_t index;
	uint8_t ext_index;
	bool nmi_masked;

	int64_t base_sec;	/* guest seconds at base_ns (phase 0) */
	uint64_t base_ns;
	uint64_t phase_ns;	/* sub-second offset at base_ns, < 1 s */
	int64_t last_sec;	/* second of the last processed update */

	uint64_t period_origin_ns;
	uint64_t last_period;	/* periodic index of the last PF */

	bool irq_level;
};

/* ---- calendar arithmetic (proleptic Gregorian, days since 1970-01-01) ---- */

static int64_t rtc_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* Days from 1970-01-01 to y-m-d; counts years from March so Feb 29 is last. */
static int64_t rtc_days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	if (m <= 2)
		y--;
	era = rtc_floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

struct rtc_tm {
	int64_t year;
	int mon, mday, hour, min, sec, wday;	/* wday 0 = Sunday */
};

static void rtc_civil_from_secs(int64_t t, struct rtc_tm *tm)
{
	int64_t days = rtc_floor_div(t, 86400);
	int64_t sod = t - days * 86400;
	int64_t z = days + 719468, era, doe, yoe, doy, mp;

	era = rtc_floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	tm->mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	tm->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	tm->year = yoe + era * 400 + (tm->mon <= 2);
	tm->hour = (int)(sod / 3600);
	tm->min = (int)(sod / 60 % 60);
	tm->sec = (int)(sod % 60);
	tm->wday = (int)(((days % 7) + 7 + 4) % 7);	/* 1970-01-01 was a Thursday */
}

/* ---- register encoding (datasheet Table 2: BCD or binary, 12/24 h) ---- */

static bool rtc_is_binary(const struct rtc_cmos *rtc)
{
	return (rtc->mem[RTC_REG_B] & RTC_B_DM) != 0;
}

static uint8_t rtc_enc(const struct rtc_cmos *rtc, int v)
{
	if (rtc_is_binary(rtc))
		return (uint8_t)v;
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

/* Guest bytes may hold any value: invalid BCD digits decode to > 9. */
static int rtc_dec(const struct rtc_cmos *rtc, uint8_t b)
{
	if (rtc_is_binary(rtc))
		return b;
	return (b >> 4) * 10 + (b & 0x0f);
}

static uint8_t rtc_enc_hour(const struct rtc_cmos *rtc, int h)
{
	int h12;

	if (rtc->mem[RTC_REG_B] & RTC_B_24H)
		return rtc_enc(rtc, h);
	h12 = h % 12 ? h % 12 : 12;
	return rtc_enc(rtc, h12) | (h >= 12 ? 0x80 : 0);
}

static int rtc_dec_hour(const struct rtc_cmos *rtc, uint8_t b)
{
	int h;

	if (rtc->mem[RTC_REG_B] & RTC_B_24H)
		return rtc_dec(rtc, b);
	h = rtc_dec(rtc, b & 0x7f);
	if (h == 12)
		h = 0;
	return (b & 0x80) ? h + 12 : h;
}

static int rtc_clamp(int v, int lo, int hi)
{
	return v < lo ? lo : (v > hi ? hi : v);
}

/* ---- time base ---- */

static bool rtc_divider_running(const struct rtc_cmos *rtc)
{
	/* DV = 11x holds the divider chain in reset. */
	return (rtc->mem[RTC_REG_A] & 0x60) != 0x60;
}

static bool rtc_is_frozen(const struct rtc_cmos *rtc)
{
	return (rtc->mem[RTC_REG_B] & RTC_B_SET) || !rtc_divider_running(rtc);
}

static uint64_t rtc_elapsed(const struct rtc_cmos *rtc, uint64_t now)
{
	return (now >= rtc->base_ns ? now - rtc->base_ns : 0) + rtc->phase_ns;
}

static int64_t rtc_now_sec(const struct rtc_cmos *rtc, uint64_t now)
{
	return rtc->base_sec + (int64_t)(rtc_elapsed(rtc, now) / NS_PER_SEC);
}

/* Time registers <- current guest time (only while the clock runs). */
static void rtc_refresh_regs(struct rtc_cmos *rtc, uint64_t now)
{
	struct rtc_tm tm;
	int64_t year;

	if (rtc_is_frozen(rtc))
		return;
	rtc_civil_from_secs(rtc_now_sec(rtc, now), &tm);
	year = tm.year < 0 ? 0 : (tm.year > 9999 ? 9999 : tm.year);
	rtc->mem[RTC_SEC] = rtc_enc(rtc, tm.sec);
	rtc->mem[RTC_MIN] = rtc_enc(rtc, tm.min);
	rtc->mem[RTC_HOUR] = rtc_enc_hour(rtc, tm.hour);
	rtc->mem[RTC_WDAY] = rtc_enc(rtc, tm.wday + 1);
	rtc->mem[RTC_MDAY] = rtc_enc(rtc, tm.mday);
	rtc->mem[RTC_MONTH] = rtc_enc(rtc, tm.mon);
	rtc->mem[RTC_YEAR] = rtc_enc(rtc, (int)(year % 100));
	rtc->mem[RTC_CENTURY] = rtc_enc(rtc, (int)(year / 100));
}

/* Guest-written time registers -> seconds; out-of-range fields are clamped. */
static int64_t rtc_regs_to_sec(const struct rtc_cmos *rtc)
{
	int sec = rtc_clamp(rtc_dec(rtc, rtc->mem[RTC_SEC]), 0, 59);
	int min = rtc_clamp(rtc_dec(rtc, rtc->mem[RTC_MIN]), 0, 59);
	int hour = rtc_clamp(rtc_dec_hour(rtc, rtc->mem[RTC_HOUR]), 0, 23);
	int mday = rtc_clamp(rtc_dec(rtc, rtc->mem[RTC_MDAY]), 1, 31);
	int mon = rtc_clamp(rtc_dec(rtc, rtc->mem[RTC_MONTH]), 1, 12);
	int year = rtc_clamp(rtc_dec(rtc, rtc->mem[RTC_YEAR]), 0, 99);
	int cent = rtc_clamp(rtc_dec(rtc, rtc->mem[RTC_CENTURY]), 0, 99);

	return rtc_days_from_civil(cent * 100 + year, mon, mday) * 86400 +
	       hour * 3600 + min * 60 + sec;
}

static void rtc_set_base(struct rtc_cmos *rtc, int64_t sec, uint64_t now, uint64_t phase)
{
	rtc->base_sec = sec;
	rtc->base_ns = now;
	rtc->phase_ns = phase;
	rtc->last_sec = rtc_now_sec(rtc, now);
}

/* Periodic rate in 32.768 kHz ticks (datasheet Table 4); 0 = off. */
static uint64_t rtc_period_ticks(const struct rtc_cmos *rtc)
{
	unsigned int rs = rtc->mem[RTC_REG_A] & RTC_A_RS_MASK;

	if (rs == 0)
		return 0;
	if (rs <= 2)
		return 1ULL << (rs + 6);	/* 3.90625 ms, 7.8125 ms */
	return 1ULL << (rs - 1);
}

static uint64_t rtc_period_index(const struct rtc_cmos *rtc, uint64_t now, uint64_t pt)
{
	uint64_t d = now >= rtc->period_origin_ns ? now - rtc->period_origin_ns : 0;

	return (uint64_t)((unsigned __int128)d * RTC_TB_HZ / NS_PER_SEC) / pt;
}

/* Alarm bytes with both top bits set are "don't care" (datasheet, alarm). */
static bool rtc_alarm_field_matches(uint8_t alarm, uint8_t now)
{
	return (alarm & 0xc0) == 0xc0 || alarm == now;
}

static bool rtc_alarm_matches_at(const struct rtc_cmos *rtc, int64_t t)
{
	int64_t sod = t - rtc_floor_div(t, 86400) * 86400;

	return rtc_alarm_field_matches(rtc->mem[RTC_SEC_ALARM], rtc_enc(rtc, (int)(sod % 60))) &&
	       rtc_alarm_field_matches(rtc->mem[RTC_MIN_ALARM], rtc_enc(rtc, (int)(sod / 60 % 60))) &&
	       rtc_alarm_field_matches(rtc->mem[RTC_HOUR_ALARM], rtc_enc_hour(rtc, (int)(sod / 3600)));
}

/*
 * Did any update in (from, to] match the alarm? Updates missed while
 * nobody looked (a late host timer, a guest polling C slowly) still count;
 * one day of seconds covers every time of day, so the scan is bounded.
 */
static bool rtc_alarm_in_range(const struct rtc_cmos *rtc, int64_t from, int64_t to)
{
	int64_t t;

	if (to - from > 86400)
		from = to - 86400;
	for (t = from + 1; t <= to; t++)
		if (rtc_alarm_matches_at(rtc, t))
			return true;
	return false;
}

/* Bring PF/UF/AF and IRQF up to date with the clock and drive IRQ 8. */
static void rtc_catch_up(struct rtc_cmos *rtc, uint64_t now)
{
	uint8_t *c = &rtc->mem[RTC_REG_C];
	uint8_t b = rtc->mem[RTC_REG_B];
	uint64_t pt = rtc_period_ticks(rtc);
	bool level;

	if (rtc_divider_running(rtc) && pt) {
		uint64_t idx = rtc_period_index(rtc, now, pt);

		if (idx != rtc->last_period) {
			*c |= RTC_C_PF;
			rtc->last_period = idx;
		}
	}
	if (!rtc_is_frozen(rtc)) {
		int64_t s = rtc_now_sec(rtc, now);

		if (s != rtc->last_sec) {
			if (s > rtc->last_sec && rtc_alarm_in_range(rtc, rtc->last_sec, s))
				*c |= RTC_C_AF;
			rtc->last_sec = s;
			*c |= RTC_C_UF;
		}
	}
	if (((*c & RTC_C_PF) && (b & RTC_B_PIE)) ||
	    ((*c & RTC_C_AF) && (b & RTC_B_AIE)) ||
	    ((*c & RTC_C_UF) && (b & RTC_B_UIE)))
		*c |= RTC_C_IRQF;
	level = (*c & RTC_C_IRQF) != 0;
	if (level != rtc->irq_level) {
		rtc->irq_level = level;
		rtc->ops->irq_set(rtc->ctx, level);
	}
}

/*
 * Ask for a timer only for enabled sources whose flag is still clear: once
 * a flag is set nothing new can happen to IRQ 8 until the guest reads C,
 * and that read catches up lazily. A guest that never acknowledges
 * therefore costs no host timer wake-ups.
 */
static void rtc_rearm(struct rtc_cmos *rtc, uint64_t now)
{
	uint8_t b = rtc->mem[RTC_REG_B], c = rtc->mem[RTC_REG_C];
	uint64_t pt = rtc_period_ticks(rtc), when = UINT64_MAX;

	if ((b & RTC_B_PIE) && !(c & RTC_C_PF) && pt && rtc_divider_running(rtc)) {
		unsigned __int128 t = (unsigned __int128)(rtc_period_index(rtc, now, pt) + 1) *
				      pt * NS_PER_SEC;
		uint64_t off = (uint64_t)((t + RTC_TB_HZ - 1) / RTC_TB_HZ);

		when = rtc->period_origin_ns + off;
	}
	if ((((b & RTC_B_UIE) && !(c & RTC_C_UF)) || ((b & RTC_B_AIE) && !(c & RTC_C_AF))) &&
	    !rtc_is_frozen(rtc)) {
		uint64_t el = rtc_elapsed(rtc, now);
		uint64_t next = rtc->base_ns + (el / NS_PER_SEC + 1) * NS_PER_SEC - rtc->phase_ns;

		if (next < when)
			when = next;
	}
	if (when == UINT64_MAX)
		rtc->ops->timer_cancel(rtc->ctx);
	else
		rtc->ops->timer_arm(rtc->ctx, when);
}

/* ---- register access ---- */

static bool rtc_is_time_reg(uint32_t idx)
{
	return idx == RTC_SEC || idx == RTC_MIN || idx == RTC_HOUR ||
	       (idx >= RTC_WDAY && idx <= RTC_YEAR) || idx == RTC_CENTURY;
}

static uint8_t rtc_read_reg(struct rtc_cmos *rtc, uint32_t idx, uint64_t now)
{
	uint8_t v;

	rtc_catch_up(rtc, now);
	if (rtc_is_time_reg(idx)) {
		rtc_refresh_regs(rtc, now);
		return rtc->mem[idx];
	}
	switch (idx) {
	case RTC_REG_A:
		v = rtc->mem[RTC_REG_A] & ~RTC_A_UIP;
		if (!rtc_is_frozen(rtc) &&
		    rtc_elapsed(rtc, now) % NS_PER_SEC >= NS_PER_SEC - RTC_UIP_NS)
			v |= RTC_A_UIP;
		return v;
	case RTC_REG_C:
		/* Reading C clears every flag and releases IRQ 8. */
		v = rtc->mem[RTC_REG_C];
		rtc->mem[RTC_REG_C] = 0;
		if (rtc->irq_level) {
			rtc->irq_level = false;
			rtc->ops->irq_set(rtc->ctx, false);
		}
		rtc_rearm(rtc, now);
		return v;
	case RTC_REG_D:
		return RTC_D_VRT;
	default:
		return rtc->mem[idx];
	}
}

/* Register A: UIP is read-only; leaving divider reset starts 0.5 s early. */
static void rtc_write_a(struct rtc_cmos *rtc, uint8_t val, uint64_t now)
{
	bool was_running = rtc_divider_running(rtc);
	uint8_t old_rs = rtc->mem[RTC_REG_A] & RTC_A_RS_MASK;
	int64_t held;

	rtc_refresh_regs(rtc, now);
	rtc->mem[RTC_REG_A] = val & ~RTC_A_UIP;
	if (was_running != rtc_divider_running(rtc) || old_rs != (val & RTC_A_RS_MASK)) {
		rtc->period_origin_ns = now;
		rtc->last_period = 0;
	}
	if (!was_running && rtc_divider_running(rtc) && !(rtc->mem[RTC_REG_B] & RTC_B_SET)) {
		/* The first update follows the end of divider reset by 500 ms. */
		held = rtc_regs_to_sec(rtc);
		rtc_set_base(rtc, held, now, NS_PER_SEC / 2);
	}
}

/* Register B: SET freezes the registers (and clears UIE); releasing it
 * makes the written time current. */
static void rtc_write_b(struct rtc_cmos *rtc, uint8_t val, uint64_t now)
{
	uint8_t old = rtc->mem[RTC_REG_B];

	if ((val & RTC_B_SET) && !(old & RTC_B_SET)) {
		rtc_refresh_regs(rtc, now);
		val &= ~RTC_B_UIE;
	}
	rtc->mem[RTC_REG_B] = val;
	if (!(val & RTC_B_SET) && (old & RTC_B_SET) && rtc_divider_running(rtc))
		rtc_set_base(rtc, rtc_regs_to_sec(rtc), now, 0);
}

static void rtc_write_reg(struct rtc_cmos *rtc, uint32_t idx, uint8_t val, uint64_t now)
{
	rtc_catch_up(rtc, now);
	if (rtc_is_time_reg(idx)) {
		if (rtc_is_frozen(rtc)) {
			rtc->mem[idx] = val;
		} else {
			/* A write while running takes effect at once, keeping the phase. */
			uint64_t phase = rtc_elapsed(rtc, now) % NS_PER_SEC;

			rtc_refresh_regs(rtc, now);
			rtc->mem[idx] = val;
			rtc_set_base(rtc, rtc_regs_to_sec(rtc), now, phase);
		}
	} else if (idx == RTC_REG_A) {
		rtc_write_a(rtc, val, now);
	} else if (idx == RTC_REG_B) {
		rtc_write_b(rtc, val, now);
	} else if (idx != RTC_REG_C && idx != RTC_REG_D) {
		rtc->mem[idx] = val;
	}
	rtc_catch_up(rtc, now);
	rtc_rearm(rtc, now);
}

int rtc_pio_read(struct rtc_cmos *rtc, uint32_t offset, uint8_t *val)
{
	uint64_t now;
	int ret = 0;

	pthread_mutex_lock(&rtc->lock);
	now = rtc->ops->now_ns(rtc->ctx);
	switch (offset) {
	case RTC_PORT_INDEX:
		*val = rtc->index | (rtc->nmi_masked ? 0x80 : 0);
		break;
	case RTC_PORT_DATA:
		*val = rtc_read_reg(rtc, rtc->index, now);
		break;
	case RTC_PORT_EXT_INDEX:
		*val = rtc->ext_index;
		break;
	case RTC_PORT_EXT_DATA:
		*val = rtc->mem[0x80 | rtc->ext_index];
		break;
	default:
		*val = 0xff;
		ret = -EINVAL;
		break;
	}
	pthread_mutex_unlock(&rtc->lock);
	return ret;
}

int rtc_pio_write(struct rtc_cmos *rtc, uint32_t offset, uint8_t val)
{
	uint64_t now;
	int ret = 0;

	pthread_mutex_lock(&rtc->lock);
	now = rtc->ops->now_ns(rtc->ctx);
	switch (offset) {
	case RTC_PORT_INDEX:
		rtc->index = val & 0x7f;
		rtc->nmi_masked = (val & 0x80) != 0;
		break;
	case RTC_PORT_DATA:
		rtc_write_reg(rtc, rtc->index, val, now);
		break;
	case RTC_PORT_EXT_INDEX:
		rtc->ext_index = val & 0x7f;
		break;
	case RTC_PORT_EXT_DATA:
		rtc->mem[0x80 | rtc->ext_index] = val;
		break;
	default:
		ret = -EINVAL;
		break;
	}
	pthread_mutex_unlock(&rtc->lock);
	return ret;
}

void rtc_timer_fired(struct rtc_cmos *rtc)
{
	uint64_t now;

	pthread_mutex_lock(&rtc->lock);
	now = rtc->ops->now_ns(rtc->ctx);
	rtc_catch_up(rtc, now);
	rtc_rearm(rtc, now);
	pthread_mutex_unlock(&rtc->lock);
}

int rtc_create(const struct rtc_ops *ops, void *ctx, int64_t unix_sec,
	       struct rtc_cmos **out)
{
	struct rtc_cmos *rtc;
	uint64_t now;

	if (!ops || !ops->now_ns || !ops->irq_set || !ops->timer_arm ||
	    !ops->timer_cancel || !out)
		return -EINVAL;
	/* Keep the year within what the century register can show. */
	if (unix_sec < -62135596800LL || unix_sec > 253402300799LL)
		return -EINVAL;
	rtc = calloc(1, sizeof(*rtc));
	if (!rtc)
		return -ENOMEM;
	if (pthread_mutex_init(&rtc->lock, NULL) != 0) {
		free(rtc);
		return -ENOMEM;
	}
	rtc->ops = ops;
	rtc->ctx = ctx;
	rtc->mem[RTC_REG_A] = RTC_A_DV_32K | 0x06;
	rtc->mem[RTC_REG_B] = RTC_B_24H;
	rtc->mem[RTC_REG_D] = RTC_D_VRT;
	now = ops->now_ns(ctx);
	rtc->period_origin_ns = now;
	rtc_set_base(rtc, unix_sec, now, 0);
	rtc_refresh_regs(rtc, now);
	*out = rtc;
	return 0;
}

void rtc_destroy(struct rtc_cmos *rtc)
{
	if (!rtc)
		return;
	rtc->ops->timer_cancel(rtc->ctx);
	pthread_mutex_destroy(&rtc->lock);
	free(rtc);
}

bool rtc_nmi_masked(struct rtc_cmos *rtc)
{
	bool m;

	pthread_mutex_lock(&rtc->lock);
	m = rtc->nmi_masked;
	pthread_mutex_unlock(&rtc->lock);
	return m;
}

int64_t rtc_get_time(struct rtc_cmos *rtc)
{
	int64_t t;

	pthread_mutex_lock(&rtc->lock);
	t = rtc_is_frozen(rtc) ? rtc_regs_to_sec(rtc) :
				 rtc_now_sec(rtc, rtc->ops->now_ns(rtc->ctx));
	pthread_mutex_unlock(&rtc->lock);
	return t;
}

static bool rtc_is_host_protected(uint32_t idx)
{
	return idx <= RTC_REG_D || idx == RTC_CENTURY;
}

int rtc_cmos_write(struct rtc_cmos *rtc, uint32_t index, uint8_t val)
{
	if (index >= sizeof(rtc->mem))
		return -EINVAL;
	if (rtc_is_host_protected(index))
		return -EPERM;
	pthread_mutex_lock(&rtc->lock);
	rtc->mem[index] = val;
	pthread_mutex_unlock(&rtc->lock);
	return 0;
}

int rtc_cmos_read(struct rtc_cmos *rtc, uint32_t index, uint8_t *val)
{
	if (index >= sizeof(rtc->mem))
		return -EINVAL;
	if (rtc_is_host_protected(index))
		return -EPERM;
	pthread_mutex_lock(&rtc->lock);
	*val = rtc->mem[index];
	pthread_mutex_unlock(&rtc->lock);
	return 0;
}

static void rtc_put16(struct rtc_cmos *rtc, uint32_t lo, uint64_t v)
{
	if (v > 0xffff)
		v = 0xffff;
	rtc->mem[lo] = (uint8_t)v;
	rtc->mem[lo + 1] = (uint8_t)(v >> 8);
}

/*
 * Memory-size bytes as PC firmware (BIOS, SeaBIOS, OVMF's PlatformPei)
 * reads them; the checksum covers 0x10..0x2d (IBM AT CMOS convention).
 */
int rtc_set_memsize(struct rtc_cmos *rtc, uint64_t lowmem, uint64_t highmem)
{
	const uint64_t mib = 1ULL << 20;
	uint64_t hi64k = highmem >> 16;
	unsigned int sum = 0, i;

	if (lowmem > (4ULL << 30))
		return -EINVAL;
	pthread_mutex_lock(&rtc->lock);
	rtc_put16(rtc, CMOS_BASEMEM_LO, 640);
	rtc_put16(rtc, CMOS_EXTMEM_LO, lowmem > mib ? (lowmem - mib) >> 10 : 0);
	rtc_put16(rtc, CMOS_EXTMEM2_LO, lowmem > mib ? (lowmem - mib) >> 10 : 0);
	rtc_put16(rtc, CMOS_MEM16M_LO, lowmem > 16 * mib ? (lowmem - 16 * mib) >> 16 : 0);
	if (hi64k > 0xffffff)
		hi64k = 0xffffff;
	rtc->mem[CMOS_HIGHMEM_LO] = (uint8_t)hi64k;
	rtc->mem[CMOS_HIGHMEM_MID] = (uint8_t)(hi64k >> 8);
	rtc->mem[CMOS_HIGHMEM_HI] = (uint8_t)(hi64k >> 16);
	for (i = 0x10; i <= 0x2d; i++)
		sum += rtc->mem[i];
	rtc->mem[0x2e] = (uint8_t)(sum >> 8);
	rtc->mem[0x2f] = (uint8_t)sum;
	pthread_mutex_unlock(&rtc->lock);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ACPI fixed-hardware PM registers.
 *
 * Reference: ACPI Specification 6.5, §4.8.3 "PM1 Event Grouping"
 * (PM1_STS Table 4.16, PM1_EN Table 4.17), §4.8.3.2 "PM1 Control Grouping"
 * (Table 4.18), §4.8.3.3 "Power Management Timer", §4.8.3.6 "Reset
 * Register", §7.4.2 (SLP_TYP / \_Sx), §5.2.9 FADT.
 *
 * The platform has no SMI_CMD port: it is always in ACPI mode, so SCI_EN
 * reads 1 and guest writes to it are ignored (§4.8.3.2.1: "if the SMI_CMD
 * field is zero, SCI_EN is owned by hardware").
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hw/acpi_pm.h"

#define NS_PER_SEC	1000000000ULL

/* Register ids for the byte-to-register map. */
enum acpi_pm_reg { PM_STS, PM_EN, PM_CNT, PM_TMR, PM_RST, PM_NREGS, PM_NONE = -1 };

#define ACPI_PM1_STS_VALID (ACPI_PM1_TMR_STS | ACPI_PM1_BM_STS | ACPI_PM1_GBL_STS | \
			    ACPI_PM1_PWRBTN_STS | ACPI_PM1_SLPBTN_STS | ACPI_PM1_RTC_STS | \
			    ACPI_PM1_PCIEXP_WAKE_STS | ACPI_PM1_WAK_STS)
#define ACPI_PM1_EN_VALID (ACPI_PM1_TMR_EN | ACPI_PM1_GBL_EN | ACPI_PM1_PWRBTN_EN | \
			   ACPI_PM1_SLPBTN_EN | ACPI_PM1_RTC_EN | ACPI_PM1_PCIEXP_WAKE_DIS)
/* Status bits that raise the SCI when their enable bit is set. */
#define ACPI_PM1_SCI_SRC (ACPI_PM1_TMR_STS | ACPI_PM1_GBL_STS | ACPI_PM1_PWRBTN_STS | \
			  ACPI_PM1_SLPBTN_STS | ACPI_PM1_RTC_STS)

struct acpi_pm {
	pthread_mutex_t lock;
	struct acpi_pm_config cfg;
	const struct acpi_pm_ops *ops;
	void *ctx;

	uint16_t sts;
	uint16_t en;
	uint16_t cnt;		/* SCI_EN, BM_RLD, SLP_TYP (write-only bits dropped) */
	uint8_t rst;		/* SYS_RST / FULL_RST as last written */
	uint64_t tmr_start_ns;
	uint64_t tmr_epoch;	/* timer value >> carry bit at the last check */
	bool poweroff_sent;
	bool sci_level;
};

static unsigned int acpi_pm_tmr_shift(const struct acpi_pm *pm)
{
	return pm->cfg.tmr_32bit ? 31 : 23;
}

static uint64_t acpi_pm_tmr_ticks(const struct acpi_pm *pm, uint64_t now)
{
	uint64_t d = now > pm->tmr_start_ns ? now - pm->tmr_start_ns : 0;

	return (uint64_t)((unsigned __int128)d * ACPI_PM_TMR_FREQ_HZ / NS_PER_SEC);
}

/*
 * §4.8.3.3: TMR_STS is set whenever the timer's most significant bit
 * (bit 23, or bit 31 with TMR_VAL_EXT) changes. Epochs of that bit are
 * counted on the unbounded tick count, so the check can be lazy.
 */
static void acpi_pm_tmr_check(struct acpi_pm *pm, uint64_t now)
{
	uint64_t epoch = acpi_pm_tmr_ticks(pm, now) >> acpi_pm_tmr_shift(pm);

	if (epoch != pm->tmr_epoch) {
		pm->tmr_epoch = epoch;
		pm->sts |= ACPI_PM1_TMR_STS;
	}
}

static void acpi_pm_update(struct acpi_pm *pm, uint64_t now)
{
	bool level;

	acpi_pm_tmr_check(pm, now);
	level = (pm->cnt & ACPI_PM1_SCI_EN) && (pm->sts & pm->en & ACPI_PM1_SCI_SRC);
	if (level != pm->sci_level) {
		pm->sci_level = level;
		pm->ops->sci_set(pm->ctx, level);
	}
	if (!pm->ops->timer_arm)
		return;
	if ((pm->en & ACPI_PM1_TMR_EN) && !(pm->sts & ACPI_PM1_TMR_STS)) {
		unsigned __int128 t = (unsigned __int128)(pm->tmr_epoch + 1)
				      << acpi_pm_tmr_shift(pm);

		t = (t * NS_PER_SEC + ACPI_PM_TMR_FREQ_HZ - 1) / ACPI_PM_TMR_FREQ_HZ;
		pm->ops->timer_arm(pm->ctx, pm->tmr_start_ns + (uint64_t)t);
	} else if (pm->ops->timer_cancel) {
		pm->ops->timer_cancel(pm->ctx);
	}
}

/* Map one port to (register, byte index); PM_NONE if not ours. */
static enum acpi_pm_reg acpi_pm_map(const struct acpi_pm *pm, uint32_t port, unsigned int *byte)
{
	const struct acpi_pm_config *c = &pm->cfg;

	if (port >= c->pm1a_evt && port < c->pm1a_evt + 4u) {
		*byte = (port - c->pm1a_evt) & 1;
		return port - c->pm1a_evt < 2 ? PM_STS : PM_EN;
	}
	if (port >= c->pm1a_cnt && port < c->pm1a_cnt + 2u) {
		*byte = port - c->pm1a_cnt;
		return PM_CNT;
	}
	if (port >= c->pm_tmr && port < c->pm_tmr + 4u) {
		*byte = port - c->pm_tmr;
		return PM_TMR;
	}
	if (c->reset_port && port == c->reset_port) {
		*byte = 0;
		return PM_RST;
	}
	return PM_NONE;
}

bool acpi_pm_owns_port(const struct acpi_pm *pm, uint16_t port, unsigned int size)
{
	unsigned int b;
	enum acpi_pm_reg r = acpi_pm_map(pm, port, &b);

	if (size != 1 && size != 2 && size != 4)
		return false;
	/* 0xcf9 shares a dword with the PCI CONFIG_ADDRESS port: bytes only. */
	return r != PM_NONE && (r != PM_RST || size == 1);
}

int acpi_pm_pio_read(struct acpi_pm *pm, uint16_t port, unsigned int size, uint32_t *val)
{
	uint32_t regs[PM_NREGS], v = 0;
	unsigned int i, b;
	uint64_t now;

	if (size != 1 && size != 2 && size != 4)
		return -EINVAL;
	if (!acpi_pm_owns_port(pm, port, size))
		return -ENOENT;
	pthread_mutex_lock(&pm->lock);
	now = pm->ops->now_ns(pm->ctx);
	acpi_pm_update(pm, now);
	regs[PM_STS] = pm->sts;
	regs[PM_EN] = pm->en;
	regs[PM_CNT] = pm->cnt;
	regs[PM_TMR] = (uint32_t)acpi_pm_tmr_ticks(pm, now) &
		       (pm->cfg.tmr_32bit ? 0xffffffffu : 0x00ffffffu);
	regs[PM_RST] = pm->rst;
	for (i = 0; i < size; i++) {
		enum acpi_pm_reg r = acpi_pm_map(pm, (uint32_t)port + i, &b);
		uint32_t byte = r == PM_NONE ? 0xff : (regs[r] >> (8 * b)) & 0xff;

		v |= byte << (8 * i);
	}
	pthread_mutex_unlock(&pm->lock);
	*val = v;
	return 0;
}

/*
 * PM1_CNT write (§4.8.3.2.1): SLP_EN starts the transition to the state
 * in SLP_TYP; S5 powers off, once per VM life (a guest writing it again
 * while the VM tears down must not queue another request).
 */
static void acpi_pm_write_cnt(struct acpi_pm *pm, uint16_t mask, uint16_t val)
{
	uint16_t rw = ACPI_PM1_BM_RLD | ACPI_PM1_SLP_TYP_MASK;
	unsigned int typ;

	pm->cnt = (uint16_t)((pm->cnt & ~(mask & rw)) | (val & mask & rw));
	if (!(mask & val & ACPI_PM1_SLP_EN))
		return;
	typ = (pm->cnt & ACPI_PM1_SLP_TYP_MASK) >> ACPI_PM1_SLP_TYP_SHIFT;
	if (typ == ACPI_SLP_TYP_S5) {
		if (!pm->poweroff_sent) {
			pm->poweroff_sent = true;
			pm->ops->poweroff(pm->ctx);
		}
	} else if (pm->ops->sleep) {
		pm->ops->sleep(pm->ctx, typ);
	} else {
		pm->sts |= ACPI_PM1_WAK_STS;	/* no sleep support: wake at once */
	}
}

/* Reset register (§4.8.3.6, FADT RESET_REG): RST_CPU requests the reset. */
static void acpi_pm_write_rst(struct acpi_pm *pm, uint8_t val)
{
	pm->rst = val & (ACPI_RST_SYS | ACPI_RST_FULL);
	if (val & ACPI_RST_CPU)
		pm->ops->reset(pm->ctx);
}

int acpi_pm_pio_write(struct acpi_pm *pm, uint16_t port, unsigned int size, uint32_t val)
{
	uint32_t mask[PM_NREGS] = { 0 }, v[PM_NREGS] = { 0 };
	unsigned int i, b;

	if (size != 1 && size != 2 && size != 4)
		return -EINVAL;
	if (!acpi_pm_owns_port(pm, port, size))
		return -ENOENT;
	for (i = 0; i < size; i++) {
		enum acpi_pm_reg r = acpi_pm_map(pm, (uint32_t)port + i, &b);

		if (r == PM_NONE)
			continue;
		mask[r] |= 0xffu << (8 * b);
		v[r] |= ((val >> (8 * i)) & 0xff) << (8 * b);
	}
	pthread_mutex_lock(&pm->lock);
	acpi_pm_tmr_check(pm, pm->ops->now_ns(pm->ctx));
	/* PM1_STS is write-one-to-clear (§4.8.3.1). */
	pm->sts &= (uint16_t)~(v[PM_STS] & mask[PM_STS] & ACPI_PM1_STS_VALID);
	pm->en = (uint16_t)((pm->en & ~mask[PM_EN]) | (v[PM_EN] & mask[PM_EN] & ACPI_PM1_EN_VALID));
	if (mask[PM_CNT])
		acpi_pm_write_cnt(pm, (uint16_t)mask[PM_CNT], (uint16_t)v[PM_CNT]);
	if (mask[PM_RST])
		acpi_pm_write_rst(pm, (uint8_t)v[PM_RST]);
	acpi_pm_update(pm, pm->ops->now_ns(pm->ctx));
	pthread_mutex_unlock(&pm->lock);
	return 0;
}

void acpi_pm_press_power_button(struct acpi_pm *pm)
{
	pthread_mutex_lock(&pm->lock);
	pm->sts |= ACPI_PM1_PWRBTN_STS;
	acpi_pm_update(pm, pm->ops->now_ns(pm->ctx));
	pthread_mutex_unlock(&pm->lock);
}

void acpi_pm_timer_fired(struct acpi_pm *pm)
{
	pthread_mutex_lock(&pm->lock);
	acpi_pm_update(pm, pm->ops->now_ns(pm->ctx));
	pthread_mutex_unlock(&pm->lock);
}

static void acpi_pm_reset_locked(struct acpi_pm *pm)
{
	pm->sts = 0;
	pm->en = 0;
	pm->cnt = ACPI_PM1_SCI_EN;
	pm->rst = 0;
	pm->poweroff_sent = false;
	pm->tmr_epoch = acpi_pm_tmr_ticks(pm, pm->ops->now_ns(pm->ctx)) >> acpi_pm_tmr_shift(pm);
	acpi_pm_update(pm, pm->ops->now_ns(pm->ctx));
}

void acpi_pm_reset(struct acpi_pm *pm)
{
	pthread_mutex_lock(&pm->lock);
	acpi_pm_reset_locked(pm);
	pthread_mutex_unlock(&pm->lock);
}

static bool acpi_pm_overlap(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
	return a < b + blen && b < a + alen;
}

static bool acpi_pm_config_valid(const struct acpi_pm_config *c)
{
	const uint32_t base[4] = { c->pm1a_evt, c->pm1a_cnt, c->pm_tmr, c->reset_port };
	const uint32_t len[4] = { ACPI_PM1_EVT_LEN, ACPI_PM1_CNT_LEN, ACPI_PM_TMR_LEN,
				  c->reset_port ? 1 : 0 };
	unsigned int i, j;

	for (i = 0; i < 4; i++) {
		if (base[i] + len[i] > 0x10000 || (i < 3 && base[i] == 0))
			return false;
		for (j = i + 1; j < 4; j++)
			if (len[i] && len[j] && acpi_pm_overlap(base[i], len[i], base[j], len[j]))
				return false;
	}
	return true;
}

int acpi_pm_create(const struct acpi_pm_config *cfg, const struct acpi_pm_ops *ops,
		   void *ctx, struct acpi_pm **out)
{
	static const struct acpi_pm_config defaults = {
		.pm1a_evt = ACPI_PM1A_EVT_ADDR,
		.pm1a_cnt = ACPI_PM1A_CNT_ADDR,
		.pm_tmr = ACPI_PM_TMR_ADDR,
		.reset_port = ACPI_RESET_ADDR,
		.tmr_32bit = false,
	};
	struct acpi_pm *pm;

	if (!cfg)
		cfg = &defaults;
	if (!ops || !ops->now_ns || !ops->sci_set || !ops->poweroff || !ops->reset ||
	    !out || !acpi_pm_config_valid(cfg))
		return -EINVAL;
	pm = calloc(1, sizeof(*pm));
	if (!pm)
		return -ENOMEM;
	if (pthread_mutex_init(&pm->lock, NULL) != 0) {
		free(pm);
		return -ENOMEM;
	}
	pm->cfg = *cfg;
	pm->ops = ops;
	pm->ctx = ctx;
	pm->tmr_start_ns = ops->now_ns(ctx);
	acpi_pm_reset_locked(pm);
	*out = pm;
	return 0;
}

void acpi_pm_destroy(struct acpi_pm *pm)
{
	if (!pm)
		return;
	if (pm->ops->timer_cancel)
		pm->ops->timer_cancel(pm->ctx);
	pthread_mutex_destroy(&pm->lock);
	free(pm);
}

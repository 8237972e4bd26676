/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtual local APIC.  Pure state machine: see dm/vlapic.h and doc/interrupts.md.
 * Section numbers refer to Intel SDM Vol. 3A, chapter 11 "Advanced
 * Programmable Interrupt Controller (APIC)".
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <lib/errno.h>
#include <lib/string.h>
#include <lib/util.h>
#include <dm/vlapic.h>

#define APIC_VERSION		0x14U	/* integrated xAPIC */
#define APIC_MAX_LVT		6U	/* CMCI, timer, thermal, PMC, LINT0, LINT1, error */
#define APIC_VER_DIRECTED_EOI	(1U << 24)

#define LVT_VECTOR		0xFFU
#define LVT_DELMODE		(7U << 8)
#define LVT_POLARITY		(1U << 13)
#define LVT_TRIGGER		(1U << 15)
#define LVT_TIMER_MODE		(3U << VLAPIC_LVT_TIMER_MODE_SHIFT)

/* Guest-writable bits of each LVT (SDM 11.5.1, figure 11-8). */
#define LVT_WR_TIMER		(LVT_VECTOR | VLAPIC_LVT_MASKED | LVT_TIMER_MODE)
#define LVT_WR_GENERIC		(LVT_VECTOR | LVT_DELMODE | VLAPIC_LVT_MASKED)
#define LVT_WR_LINT		(LVT_WR_GENERIC | LVT_POLARITY | LVT_TRIGGER)
#define LVT_WR_ERROR		(LVT_VECTOR | VLAPIC_LVT_MASKED)

/* ICR low: vector, delivery mode, destination mode, level, trigger, shorthand (11.6.1). */
#define ICR_LO_WRITABLE		(0xFFU | (7U << 8) | VLAPIC_ICR_DEST_LOGICAL | VLAPIC_ICR_LEVEL_ASSERT | \
				 VLAPIC_ICR_TRIGGER_LEVEL | (3U << VLAPIC_ICR_SHORTHAND_SHIFT))
#define TDCR_WRITABLE		0xBU

static inline uint32_t *vlapic_reg(struct vlapic *v, uint32_t off)
{
	return &v->regs[off >> 2];
}

static inline uint32_t vlapic_rd(const struct vlapic *v, uint32_t off)
{
	return v->regs[off >> 2];
}

static inline void vlapic_wr(struct vlapic *v, uint32_t off, uint32_t val)
{
	v->regs[off >> 2] = val;
}

/* The 256-bit ISR/TMR/IRR are eight 32-bit registers 16 bytes apart (11.8.4). */
static inline uint32_t vlapic_vec_off(uint32_t base, uint32_t vector)
{
	return base + ((vector >> 5) << 4);
}

static inline bool vlapic_vec_test(const struct vlapic *v, uint32_t base, uint32_t vector)
{
	return (vlapic_rd(v, vlapic_vec_off(base, vector)) & (1U << (vector & 31U))) != 0U;
}

static inline void vlapic_vec_set(struct vlapic *v, uint32_t base, uint32_t vector)
{
	*vlapic_reg(v, vlapic_vec_off(base, vector)) |= 1U << (vector & 31U);
}

static inline void vlapic_vec_clear(struct vlapic *v, uint32_t base, uint32_t vector)
{
	*vlapic_reg(v, vlapic_vec_off(base, vector)) &= ~(1U << (vector & 31U));
}

/* Highest set vector of a 256-bit register, or -1. */
static int vlapic_vec_highest(const struct vlapic *v, uint32_t base)
{
	int i;

	for (i = 7; i >= 0; i--) {
		uint32_t w = vlapic_rd(v, base + ((uint32_t)i << 4));

		if (w != 0U)
			return i * 32 + 31 - __builtin_clz(w);
	}
	return -1;
}

static uint64_t vlapic_sat_add(uint64_t a, uint64_t b)
{
	return (a + b < a) ? UINT64_MAX : a + b;
}

bool vlapic_is_x2apic(const struct vlapic *v)
{
	return (v->apic_base & (VLAPIC_BASE_EN | VLAPIC_BASE_EXTD)) == (VLAPIC_BASE_EN | VLAPIC_BASE_EXTD);
}

static bool vlapic_is_xapic(const struct vlapic *v)
{
	return (v->apic_base & (VLAPIC_BASE_EN | VLAPIC_BASE_EXTD)) == VLAPIC_BASE_EN;
}

static bool vlapic_hw_enabled(const struct vlapic *v)
{
	return (v->apic_base & VLAPIC_BASE_EN) != 0U;
}

static bool vlapic_sw_enabled(const struct vlapic *v)
{
	return (vlapic_rd(v, VLAPIC_OFF_SVR) & VLAPIC_SVR_ENABLE) != 0U;
}

bool vlapic_is_enabled(const struct vlapic *v)
{
	return vlapic_hw_enabled(v) && vlapic_sw_enabled(v);
}

static uint32_t vlapic_svr_writable(const struct vlapic *v)
{
	return 0xFFU | VLAPIC_SVR_ENABLE | (1U << 9) |
	       (v->cfg.directed_eoi ? VLAPIC_SVR_SUPPRESS_EOI_BCAST : 0U);
}

/* x2APIC logical ID is derived from the x2APIC ID (11.12.10.2). */
static uint32_t vlapic_x2apic_ldr(uint32_t id)
{
	return ((id >> 4) << 16) | (1U << (id & 0xFU));
}

/*
 * PPR and APR (11.8.3.1, 11.6.2.4): PPR is the TPR when its class is at
 * least that of the highest in-service vector, otherwise that vector's class.
 */
static void vlapic_update_ppr(struct vlapic *v)
{
	uint32_t tpr = vlapic_rd(v, VLAPIC_OFF_TPR) & 0xFFU;
	int isrv = vlapic_vec_highest(v, VLAPIC_OFF_ISR0);
	int irrv = vlapic_vec_highest(v, VLAPIC_OFF_IRR0);
	uint32_t isr_class = isrv < 0 ? 0U : ((uint32_t)isrv & 0xF0U);
	uint32_t irr_class = irrv < 0 ? 0U : ((uint32_t)irrv & 0xF0U);
	uint32_t hi = MAX(isr_class, irr_class);

	vlapic_wr(v, VLAPIC_OFF_PPR, (tpr & 0xF0U) >= isr_class ? tpr : isr_class);
	vlapic_wr(v, VLAPIC_OFF_APR, (tpr & 0xF0U) >= hi ? tpr : hi);
}

uint32_t vlapic_get_ppr(const struct vlapic *v)
{
	return vlapic_rd(v, VLAPIC_OFF_PPR);
}

void vlapic_refresh_ppr(struct vlapic *v)
{
	*vlapic_reg(v, VLAPIC_OFF_TPR) &= 0xFFU;
	vlapic_update_ppr(v);
}

int vlapic_highest_irr(const struct vlapic *v)
{
	int vec = vlapic_vec_highest(v, VLAPIC_OFF_IRR0);

	return vec < 0 ? -ENOENT : vec;
}

int vlapic_highest_isr(const struct vlapic *v)
{
	int vec = vlapic_vec_highest(v, VLAPIC_OFF_ISR0);

	return vec < 0 ? -ENOENT : vec;
}

static void vlapic_kick(struct vlapic *v)
{
	if (v->ops->kick != NULL)
		v->ops->kick(v->ctx);
}

/* Raw IRR insertion used for locally generated interrupts (LVT sources). */
static void vlapic_accept(struct vlapic *v, uint32_t vector, bool level)
{
	bool was = vlapic_vec_test(v, VLAPIC_OFF_IRR0, vector);

	vlapic_vec_set(v, VLAPIC_OFF_IRR0, vector);
	if (level)
		vlapic_vec_set(v, VLAPIC_OFF_TMR0, vector);
	else
		vlapic_vec_clear(v, VLAPIC_OFF_TMR0, vector);
	vlapic_update_ppr(v);
	if (!was)
		vlapic_kick(v);
}

/*
 * Error handling (11.5.3): errors accumulate internally; the LVT error
 * entry is signalled once for each newly detected error.  An illegal
 * vector in the LVT error entry itself only records the receive error, so
 * a hostile guest cannot recurse.
 */
static void vlapic_set_error(struct vlapic *v, uint32_t bits)
{
	uint32_t fresh = bits & ~v->esr_pending;
	uint32_t lvt = vlapic_rd(v, VLAPIC_OFF_LVT_ERROR);
	uint32_t vec = lvt & LVT_VECTOR;

	v->esr_pending |= bits;
	if (fresh == 0U || (lvt & VLAPIC_LVT_MASKED) != 0U || !vlapic_is_enabled(v))
		return;
	if (vec < 16U) {
		v->esr_pending |= VLAPIC_ESR_RECV_ILLEGAL_VECTOR;
		return;
	}
	vlapic_accept(v, vec, false);
}

/* Fixed interrupt acceptance (11.8.4, 11.4.7.2: dropped when disabled). */
int vlapic_set_intr(struct vlapic *v, uint32_t vector, bool level)
{
	if (vector > 255U)
		return -EINVAL;
	if (!vlapic_hw_enabled(v))
		return -ENODEV;
	if (vector < 16U) {
		vlapic_set_error(v, VLAPIC_ESR_RECV_ILLEGAL_VECTOR);
		return -EINVAL;
	}
	if (!vlapic_sw_enabled(v))
		return -ENODEV;
	vlapic_accept(v, vector, level);
	return 0;
}

/* Interrupt delivery decision (11.8.3.1): class must exceed PPR's class. */
int vlapic_pending_intr(struct vlapic *v, uint32_t *vector)
{
	int irrv = vlapic_vec_highest(v, VLAPIC_OFF_IRR0);

	if (irrv < 0 || !vlapic_hw_enabled(v))
		return -ENOENT;
	if (((uint32_t)irrv & 0xF0U) <= (vlapic_rd(v, VLAPIC_OFF_PPR) & 0xF0U))
		return -ENOENT;
	*vector = (uint32_t)irrv;
	return 0;
}

int vlapic_intr_accepted(struct vlapic *v, uint32_t vector)
{
	if (vector < 16U || vector > 255U || !vlapic_vec_test(v, VLAPIC_OFF_IRR0, vector))
		return -EINVAL;
	if ((vector & 0xF0U) <= (vlapic_rd(v, VLAPIC_OFF_PPR) & 0xF0U))
		return -EINVAL;
	vlapic_vec_clear(v, VLAPIC_OFF_IRR0, vector);
	vlapic_vec_set(v, VLAPIC_OFF_ISR0, vector);
	vlapic_update_ppr(v);
	return 0;
}

/*
 * EOI (11.8.5): clears the highest ISR bit; a level-triggered vector is
 * broadcast to the IOAPICs unless the guest enabled EOI-broadcast
 * suppression (11.8.5, SVR bit 12), in which case it EOIs the IOAPIC itself.
 */
static void vlapic_process_eoi(struct vlapic *v)
{
	int isrv = vlapic_vec_highest(v, VLAPIC_OFF_ISR0);
	uint32_t vec;

	if (isrv < 0)
		return;
	vec = (uint32_t)isrv;
	vlapic_vec_clear(v, VLAPIC_OFF_ISR0, vec);
	vlapic_update_ppr(v);
	if (vlapic_vec_test(v, VLAPIC_OFF_TMR0, vec) &&
	    (vlapic_rd(v, VLAPIC_OFF_SVR) & VLAPIC_SVR_SUPPRESS_EOI_BCAST) == 0U)
		v->ops->eoi_level(v->ctx, vec);
}

/* ---------------------------------------------------------------- timer */

static uint32_t vlapic_timer_mode(const struct vlapic *v)
{
	return (vlapic_rd(v, VLAPIC_OFF_LVT_TIMER) & LVT_TIMER_MODE) >> VLAPIC_LVT_TIMER_MODE_SHIFT;
}

/* Divide configuration (11.5.4, figure 11-10): bits 3,1,0 encode 2^(n+1), 111b = 1. */
static uint64_t vlapic_timer_unit(const struct vlapic *v)
{
	uint32_t tdcr = vlapic_rd(v, VLAPIC_OFF_TDCR);
	uint32_t code = ((tdcr & 0x8U) >> 1) | (tdcr & 0x3U);

	return ((uint64_t)1 << ((code + 1U) & 7U)) * v->cfg.tsc_per_bus_tick;
}

static void vlapic_timer_stop(struct vlapic *v)
{
	if (v->timer_armed)
		v->ops->timer_cancel(v->ctx);
	v->timer_armed = false;
}

static void vlapic_timer_arm_at(struct vlapic *v, uint64_t deadline)
{
	v->timer_deadline = deadline;
	v->timer_armed = true;
	v->ops->timer_arm(v->ctx, deadline);
}

/* Start a count of `count` bus ticks from now; the period uses TMICT. */
static void vlapic_timer_start(struct vlapic *v, uint64_t count)
{
	uint64_t unit = vlapic_timer_unit(v);

	vlapic_timer_stop(v);
	v->timer_period = (uint64_t)vlapic_rd(v, VLAPIC_OFF_TMICT) * unit;
	if (count == 0U || v->timer_period == 0U)
		return;
	vlapic_timer_arm_at(v, vlapic_sat_add(v->ops->now(v->ctx), count * unit));
}

/* Current count (11.5.4): derived from now(), never stored. */
static uint32_t vlapic_timer_ccr(struct vlapic *v)
{
	uint64_t now, rem, unit;

	if (!v->timer_armed || vlapic_timer_mode(v) == VLAPIC_LVT_TIMER_TSCDEADLINE)
		return 0U;
	now = v->ops->now(v->ctx);
	unit = vlapic_timer_unit(v);
	if (now < v->timer_deadline)
		rem = v->timer_deadline - now;
	else if (vlapic_timer_mode(v) == VLAPIC_LVT_TIMER_PERIODIC && v->timer_period != 0U)
		rem = v->timer_period - ((now - v->timer_deadline) % v->timer_period);
	else
		return 0U;
	rem = rem / unit + ((rem % unit) != 0U);	/* round up without overflow */
	return rem > UINT32_MAX ? UINT32_MAX : (uint32_t)rem;
}

/*
 * Timer expiry (11.5.4): one-shot and TSC-deadline disarm (the deadline MSR
 * reads 0 afterwards, 11.5.4.1); periodic reloads from TMICT.  A late host
 * timer delivers one interrupt and skips the missed periods; an early or
 * stale one changes nothing.
 */
void vlapic_timer_expired(struct vlapic *v)
{
	uint32_t lvt = vlapic_rd(v, VLAPIC_OFF_LVT_TIMER);
	uint64_t now;

	if (!v->timer_armed)
		return;
	now = v->ops->now(v->ctx);
	if (now < v->timer_deadline) {
		v->ops->timer_arm(v->ctx, v->timer_deadline);
		return;
	}
	v->timer_armed = false;
	if (vlapic_timer_mode(v) == VLAPIC_LVT_TIMER_TSCDEADLINE) {
		v->tsc_deadline = 0U;
	} else if (vlapic_timer_mode(v) == VLAPIC_LVT_TIMER_PERIODIC && v->timer_period != 0U) {
		uint64_t period = MAX(v->timer_period, v->cfg.min_period_tsc);
		uint64_t late = (now - v->timer_deadline) % period;

		vlapic_timer_arm_at(v, vlapic_sat_add(now, period - late));
	}
	if ((lvt & VLAPIC_LVT_MASKED) == 0U && vlapic_is_enabled(v)) {
		if ((lvt & LVT_VECTOR) < 16U)
			vlapic_set_error(v, VLAPIC_ESR_RECV_ILLEGAL_VECTOR);
		else
			vlapic_accept(v, lvt & LVT_VECTOR, false);
	}
}

uint64_t vlapic_get_tsc_deadline(struct vlapic *v)
{
	if (vlapic_timer_mode(v) != VLAPIC_LVT_TIMER_TSCDEADLINE || !vlapic_hw_enabled(v))
		return 0U;
	return v->tsc_deadline;
}

/* IA32_TSC_DEADLINE (11.5.4.1): writes outside TSC-deadline mode are ignored; 0 disarms. */
void vlapic_set_tsc_deadline(struct vlapic *v, uint64_t deadline)
{
	if (vlapic_timer_mode(v) != VLAPIC_LVT_TIMER_TSCDEADLINE || !vlapic_hw_enabled(v))
		return;
	vlapic_timer_stop(v);
	v->tsc_deadline = deadline;
	if (deadline != 0U)
		vlapic_timer_arm_at(v, deadline);
}

static void vlapic_write_tmict(struct vlapic *v, uint32_t val)
{
	/* TMICT is ignored in TSC-deadline mode (11.5.4.1). */
	if (vlapic_timer_mode(v) == VLAPIC_LVT_TIMER_TSCDEADLINE)
		return;
	vlapic_wr(v, VLAPIC_OFF_TMICT, val);
	vlapic_timer_start(v, val);
}

/*
 * A divider change keeps the remaining count and rescales its rate.  A
 * count that already reached 0 keeps its due expiry untouched.
 */
static void vlapic_write_tdcr(struct vlapic *v, uint32_t val)
{
	uint32_t ccr = vlapic_timer_ccr(v);
	bool running = v->timer_armed && vlapic_timer_mode(v) != VLAPIC_LVT_TIMER_TSCDEADLINE;

	vlapic_wr(v, VLAPIC_OFF_TDCR, val & TDCR_WRITABLE);
	if (running && ccr != 0U)
		vlapic_timer_start(v, ccr);
}

/* ---------------------------------------------------------------- LVT/SVR */

static uint32_t vlapic_lvt_writable(uint32_t off)
{
	switch (off) {
	case VLAPIC_OFF_LVT_TIMER:
		return LVT_WR_TIMER;
	case VLAPIC_OFF_LVT_LINT0:
	case VLAPIC_OFF_LVT_LINT1:
		return LVT_WR_LINT;
	case VLAPIC_OFF_LVT_ERROR:
		return LVT_WR_ERROR;
	default:
		return LVT_WR_GENERIC;
	}
}

static bool vlapic_is_lvt(uint32_t off)
{
	return off == VLAPIC_OFF_LVT_CMCI || (off >= VLAPIC_OFF_LVT_TIMER && off <= VLAPIC_OFF_LVT_ERROR);
}

/*
 * LVT write (11.5.1).  While the APIC is software-disabled the mask bits
 * are forced (11.4.7.2).  Entering or leaving TSC-deadline mode disarms the
 * timer and clears TMICT and the deadline (11.5.4.1).
 */
static void vlapic_write_lvt(struct vlapic *v, uint32_t off, uint32_t val)
{
	uint32_t old_mode = vlapic_timer_mode(v), new_mode;

	val &= vlapic_lvt_writable(off);
	if (off == VLAPIC_OFF_LVT_TIMER &&
	    ((val & LVT_TIMER_MODE) >> VLAPIC_LVT_TIMER_MODE_SHIFT) == 3U)
		val &= ~LVT_TIMER_MODE;	/* reserved mode: treat as one-shot */
	if (!vlapic_sw_enabled(v))
		val |= VLAPIC_LVT_MASKED;
	/* Keep the read-only remote-IRR bit of LINT entries. */
	if (off == VLAPIC_OFF_LVT_LINT0 || off == VLAPIC_OFF_LVT_LINT1)
		val |= vlapic_rd(v, off) & (1U << 14);
	vlapic_wr(v, off, val);
	if (off != VLAPIC_OFF_LVT_TIMER)
		return;
	new_mode = vlapic_timer_mode(v);
	if ((old_mode == VLAPIC_LVT_TIMER_TSCDEADLINE) != (new_mode == VLAPIC_LVT_TIMER_TSCDEADLINE)) {
		vlapic_timer_stop(v);
		vlapic_wr(v, VLAPIC_OFF_TMICT, 0U);
		v->tsc_deadline = 0U;
	}
}

static void vlapic_mask_all_lvts(struct vlapic *v)
{
	uint32_t off;

	*vlapic_reg(v, VLAPIC_OFF_LVT_CMCI) |= VLAPIC_LVT_MASKED;
	for (off = VLAPIC_OFF_LVT_TIMER; off <= VLAPIC_OFF_LVT_ERROR; off += 0x10U)
		*vlapic_reg(v, off) |= VLAPIC_LVT_MASKED;
}

/* SVR (11.4.7.2, 11.9): clearing the enable bit masks every LVT entry. */
static void vlapic_write_svr(struct vlapic *v, uint32_t val)
{
	vlapic_wr(v, VLAPIC_OFF_SVR, val & vlapic_svr_writable(v));
	if (!vlapic_sw_enabled(v))
		vlapic_mask_all_lvts(v);
}

/* ESR (11.5.3): a write latches the errors collected so far and clears them. */
static void vlapic_write_esr(struct vlapic *v)
{
	vlapic_wr(v, VLAPIC_OFF_ESR, v->esr_pending);
	v->esr_pending = 0U;
}

/* ---------------------------------------------------------------- IPIs */

static uint64_t vlapic_all_mask(const struct vlapic *v)
{
	return v->cfg.nr_vcpus >= 64U ? UINT64_MAX : ((1ULL << v->cfg.nr_vcpus) - 1U);
}

/*
 * Issue the IPI described by an ICR value (11.6.1).  Lowest-priority is
 * delivered as fixed to the lowest-numbered vCPU of the destination set
 * (allowed: the choice among candidates is model specific, 11.6.2.4).
 * SMI and INIT level de-assert are ignored, ExtINT and reserved modes are
 * refused.  Self-shorthand is only defined for fixed delivery.
 */
static int vlapic_send_icr(struct vlapic *v, uint32_t lo, uint32_t dest, bool x2apic)
{
	uint32_t vec = lo & 0xFFU, mode = (lo >> 8) & 7U;
	uint32_t sh = (lo >> VLAPIC_ICR_SHORTHAND_SHIFT) & 3U;
	uint64_t self = 1ULL << v->cfg.vcpu_id, all = vlapic_all_mask(v), mask = 0U;

	switch (mode) {
	case VLAPIC_DM_FIXED:
	case VLAPIC_DM_LOWPRI:
		if (vec < 16U) {
			vlapic_set_error(v, VLAPIC_ESR_SEND_ILLEGAL_VECTOR);
			return -EINVAL;
		}
		break;
	case VLAPIC_DM_SMI:
		return 0;
	case VLAPIC_DM_INIT:
		if ((lo & VLAPIC_ICR_LEVEL_ASSERT) == 0U && (lo & VLAPIC_ICR_TRIGGER_LEVEL) != 0U)
			return 0;
		break;
	case VLAPIC_DM_NMI:
	case VLAPIC_DM_SIPI:
		break;
	default:
		return -ENOTSUP;
	}
	switch (sh) {
	case VLAPIC_SH_NONE:
		mask = v->ops->dest_mask(v->ctx, dest, (lo & VLAPIC_ICR_DEST_LOGICAL) != 0U, x2apic);
		break;
	case VLAPIC_SH_SELF:
		if (mode != VLAPIC_DM_FIXED)
			return -ENOTSUP;
		mask = self;
		break;
	case VLAPIC_SH_ALL_INCL_SELF:
		mask = all;
		break;
	default:
		mask = all & ~self;
		break;
	}
	mask &= all;
	if (mode == VLAPIC_DM_LOWPRI) {
		mask &= ~mask + 1U;
		mode = VLAPIC_DM_FIXED;
	}
	if (mask != 0U)
		v->ops->send_ipi(v->ctx, mask, mode, vec);
	return 0;
}

/* Destination matching (11.6.2.1, 11.6.2.2, 11.12.10.2). */
bool vlapic_match_dest(const struct vlapic *v, uint32_t dest, bool logical, bool x2apic)
{
	uint32_t ldr;

	if (!vlapic_hw_enabled(v))
		return false;
	if (dest == (x2apic ? 0xFFFFFFFFU : 0xFFU))
		return true;
	if (!logical) {
		if (vlapic_is_x2apic(v))
			return dest == vlapic_rd(v, VLAPIC_OFF_ID);
		return !x2apic && dest == (vlapic_rd(v, VLAPIC_OFF_ID) >> 24);
	}
	ldr = vlapic_rd(v, VLAPIC_OFF_LDR);
	if (vlapic_is_x2apic(v)) {
		/* An 8-bit message reaches x2APIC cluster 0 (no remapping). */
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xFFFFU) != 0U;
	}
	if (x2apic)
		return false;
	ldr >>= 24;
	dest &= 0xFFU;
	if ((vlapic_rd(v, VLAPIC_OFF_DFR) >> 28) == 0xFU)
		return (dest & ldr) != 0U;			/* flat model */
	return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xFU) != 0U;	/* cluster model */
}

uint64_t vlapic_dest_mask_of(const struct vlapic *const *vlapics, size_t n, uint32_t dest,
			     bool logical, bool x2apic, bool lowest_prio)
{
	uint64_t mask = 0U;
	size_t i;

	for (i = 0U; i < n && i < VLAPIC_MAX_VCPUS; i++) {
		if (vlapics[i] != NULL && vlapic_match_dest(vlapics[i], dest, logical, x2apic))
			mask |= 1ULL << i;
	}
	if (lowest_prio)
		mask &= ~mask + 1U;
	return mask;
}

/*
 * MSI format (11.11.1 address, 11.11.2 data): address 0xFEE in bits 31:20,
 * destination ID 19:12, redirection hint 3, destination mode 2; data vector
 * 7:0, delivery mode 10:8, level 14, trigger 15.  Bits 63:32 of the address
 * must be 0 without interrupt remapping.
 */
int vlapic_msi_decode(uint64_t addr, uint32_t data, struct vlapic_msi *msi)
{
	uint32_t mode = (data >> 8) & 7U, vector = data & 0xFFU;

	if ((addr >> 20) != 0xFEEU)
		return -EINVAL;
	if (mode == 3U)
		return -EINVAL;
	if ((mode == VLAPIC_DM_FIXED || mode == VLAPIC_DM_LOWPRI) && vector < 16U)
		return -EINVAL;
	msi->dest = (uint32_t)(addr >> 12) & 0xFFU;
	msi->logical = (addr & (1U << 2)) != 0U;
	msi->redirect_hint = (addr & (1U << 3)) != 0U;
	msi->mode = mode;
	msi->vector = vector;
	msi->level = (data & (1U << 15)) != 0U;
	return 0;
}

/* ---------------------------------------------------------------- reset */

static void vlapic_reset_regs(struct vlapic *v, uint32_t id_reg, uint32_t ldr)
{
	uint32_t off;

	vlapic_timer_stop(v);
	memset(v->regs, 0, sizeof(v->regs));
	vlapic_wr(v, VLAPIC_OFF_ID, id_reg);
	vlapic_wr(v, VLAPIC_OFF_VER, APIC_VERSION | (APIC_MAX_LVT << 16) |
		  (v->cfg.directed_eoi ? APIC_VER_DIRECTED_EOI : 0U));
	vlapic_wr(v, VLAPIC_OFF_LDR, ldr);
	vlapic_wr(v, VLAPIC_OFF_DFR, 0xFFFFFFFFU);
	vlapic_wr(v, VLAPIC_OFF_SVR, 0xFFU);
	vlapic_wr(v, VLAPIC_OFF_LVT_CMCI, VLAPIC_LVT_MASKED);
	for (off = VLAPIC_OFF_LVT_TIMER; off <= VLAPIC_OFF_LVT_ERROR; off += 0x10U)
		vlapic_wr(v, off, VLAPIC_LVT_MASKED);
	v->esr_pending = 0U;
	v->timer_deadline = 0U;
	v->timer_period = 0U;
	v->tsc_deadline = 0U;
}

static uint32_t vlapic_id_reg(const struct vlapic *v)
{
	return vlapic_is_x2apic(v) ? v->cfg.apic_id : (v->cfg.apic_id << 24);
}

static uint32_t vlapic_ldr_for_mode(const struct vlapic *v)
{
	return vlapic_is_x2apic(v) ? vlapic_x2apic_ldr(v->cfg.apic_id) : 0U;
}

/* Power-up reset (11.4.7.1). */
void vlapic_reset(struct vlapic *v)
{
	v->apic_base = VLAPIC_BASE_DEFAULT | VLAPIC_BASE_EN | (v->cfg.bsp ? VLAPIC_BASE_BSP : 0U);
	vlapic_reset_regs(v, vlapic_id_reg(v), 0U);
	v->wait_for_sipi = !v->cfg.bsp;
}

int vlapic_init(struct vlapic *v, const struct vlapic_config *cfg,
		const struct vlapic_ops *ops, void *ctx)
{
	if (v == NULL || cfg == NULL || ops == NULL || ops->now == NULL ||
	    ops->timer_arm == NULL || ops->timer_cancel == NULL || ops->dest_mask == NULL ||
	    ops->send_ipi == NULL || ops->eoi_level == NULL || ops->init_sipi == NULL)
		return -EINVAL;
	if (cfg->nr_vcpus == 0U || cfg->nr_vcpus > VLAPIC_MAX_VCPUS || cfg->vcpu_id >= cfg->nr_vcpus ||
	    cfg->tsc_per_bus_tick == 0U || cfg->tsc_per_bus_tick > VLAPIC_MAX_TSC_RATIO ||
	    cfg->phys_addr_bits > 52U || (cfg->phys_addr_bits != 0U && cfg->phys_addr_bits < 32U))
		return -EINVAL;
	memset(v, 0, sizeof(*v));
	v->cfg = *cfg;
	if (v->cfg.phys_addr_bits == 0U)
		v->cfg.phys_addr_bits = 39U;
	v->ops = ops;
	v->ctx = ctx;
	vlapic_reset(v);
	return 0;
}

/* INIT (11.4.7.3): like power-up except ID, APIC base and mode are kept. */
void vlapic_deliver_init(struct vlapic *v)
{
	vlapic_reset_regs(v, vlapic_id_reg(v), vlapic_ldr_for_mode(v));
	v->wait_for_sipi = true;
	v->ops->init_sipi(v->ctx, v->cfg.vcpu_id, false, 0U);
}

/* SIPI is only recognised in wait-for-SIPI state (SDM Vol. 3A 9.4.4). */
int vlapic_deliver_sipi(struct vlapic *v, uint32_t vector)
{
	if (!v->wait_for_sipi || vector > 0xFFU)
		return -EAGAIN;
	v->wait_for_sipi = false;
	v->ops->init_sipi(v->ctx, v->cfg.vcpu_id, true, vector);
	return 0;
}

bool vlapic_accepts_extint(const struct vlapic *v)
{
	uint32_t lint0 = vlapic_rd(v, VLAPIC_OFF_LVT_LINT0);

	if (!vlapic_hw_enabled(v))
		return true;
	return (lint0 & VLAPIC_LVT_MASKED) == 0U &&
	       ((lint0 & LVT_DELMODE) >> 8) == VLAPIC_DM_EXTINT;
}

/*
 * Local interrupt sources (11.5.1): the LVT entry chooses vector and
 * delivery mode.  Level-triggered LINT entries are delivered as edge: the
 * model keeps no LVT remote-IRR state (documented in doc/interrupts.md).
 */
int vlapic_fire_lvt(struct vlapic *v, uint32_t off)
{
	uint32_t lvt, vec;

	if (off != VLAPIC_OFF_LVT_CMCI && off != VLAPIC_OFF_LVT_THERMAL && off != VLAPIC_OFF_LVT_PMC &&
	    off != VLAPIC_OFF_LVT_LINT0 && off != VLAPIC_OFF_LVT_LINT1)
		return -EINVAL;
	if (!vlapic_is_enabled(v))
		return -ENODEV;
	lvt = vlapic_rd(v, off);
	vec = lvt & LVT_VECTOR;
	if ((lvt & VLAPIC_LVT_MASKED) != 0U)
		return -EAGAIN;
	switch ((lvt & LVT_DELMODE) >> 8) {
	case VLAPIC_DM_FIXED:
		if (vec < 16U) {
			vlapic_set_error(v, VLAPIC_ESR_RECV_ILLEGAL_VECTOR);
			return -EINVAL;
		}
		vlapic_accept(v, vec, false);
		return 0;
	case VLAPIC_DM_NMI:
		v->ops->send_ipi(v->ctx, 1ULL << v->cfg.vcpu_id, VLAPIC_DM_NMI, 0U);
		return 0;
	default:
		return -ENOTSUP;
	}
}

/* ---------------------------------------------------------------- APIC base */

uint64_t vlapic_get_apicbase(const struct vlapic *v)
{
	return v->apic_base;
}

/*
 * IA32_APIC_BASE (11.4.4, 11.12.5 figure 11-27).  Legal: disabled ↔ xAPIC,
 * xAPIC → x2APIC, x2APIC → disabled.  EXTD without EN, x2APIC → xAPIC and
 * disabled → x2APIC fault.  The BSP flag is fixed by the platform: writes
 * cannot change it.  Disabling resets the APIC; entering x2APIC mode
 * derives ID and LDR from the x2APIC ID and keeps everything else.
 */
int vlapic_set_apicbase(struct vlapic *v, uint64_t val)
{
	uint64_t reserved = ~(VLAPIC_BASE_BSP | VLAPIC_BASE_EXTD | VLAPIC_BASE_EN |
			      (((1ULL << v->cfg.phys_addr_bits) - 1U) & ~0xFFFULL));
	uint64_t old_st = v->apic_base & (VLAPIC_BASE_EN | VLAPIC_BASE_EXTD);
	uint64_t new_st = val & (VLAPIC_BASE_EN | VLAPIC_BASE_EXTD);

	if ((val & reserved) != 0U || new_st == VLAPIC_BASE_EXTD)
		return -EINVAL;
	if (old_st != new_st) {
		if (old_st == (VLAPIC_BASE_EN | VLAPIC_BASE_EXTD) && new_st == VLAPIC_BASE_EN)
			return -EINVAL;
		if (old_st == 0U && new_st == (VLAPIC_BASE_EN | VLAPIC_BASE_EXTD))
			return -EINVAL;
	}
	v->apic_base = (val & ~VLAPIC_BASE_BSP) | (v->apic_base & VLAPIC_BASE_BSP);
	if (old_st == new_st)
		return 0;
	if (new_st == 0U) {
		vlapic_reset_regs(v, v->cfg.apic_id << 24, 0U);
	} else if (new_st == VLAPIC_BASE_EN) {
		vlapic_reset_regs(v, v->cfg.apic_id << 24, 0U);
	} else {
		vlapic_wr(v, VLAPIC_OFF_ID, v->cfg.apic_id);
		vlapic_wr(v, VLAPIC_OFF_LDR, vlapic_x2apic_ldr(v->cfg.apic_id));
	}
	return 0;
}

/* ---------------------------------------------------------------- xAPIC MMIO */

static bool vlapic_is_vec_reg(uint32_t off)
{
	return off >= VLAPIC_OFF_ISR0 && off < VLAPIC_OFF_IRR0 + 0x80U;
}

/* Register read shared by both views; false for registers that do not exist. */
static bool vlapic_read_reg(struct vlapic *v, uint32_t off, uint32_t *val)
{
	switch (off) {
	case VLAPIC_OFF_ID: case VLAPIC_OFF_VER: case VLAPIC_OFF_TPR: case VLAPIC_OFF_APR:
	case VLAPIC_OFF_PPR: case VLAPIC_OFF_LDR: case VLAPIC_OFF_DFR: case VLAPIC_OFF_SVR:
	case VLAPIC_OFF_ESR: case VLAPIC_OFF_ICR_LO: case VLAPIC_OFF_ICR_HI:
	case VLAPIC_OFF_TMICT: case VLAPIC_OFF_TDCR:
		*val = vlapic_rd(v, off);
		return true;
	case VLAPIC_OFF_EOI:
	case VLAPIC_OFF_RRD:
		*val = 0U;
		return true;
	case VLAPIC_OFF_TMCCT:
		*val = vlapic_timer_ccr(v);
		return true;
	default:
		if (vlapic_is_vec_reg(off) || vlapic_is_lvt(off)) {
			*val = vlapic_rd(v, off);
			return true;
		}
		return false;
	}
}

int vlapic_mmio_read(struct vlapic *v, uint32_t offset, uint32_t size, uint32_t *val)
{
	*val = 0U;
	if (!vlapic_is_xapic(v))
		return -ENODEV;
	if (size != 4U || offset >= 0x400U || (offset & 0xFU) != 0U)
		return -EINVAL;
	if (!vlapic_read_reg(v, offset, val)) {
		*val = 0U;
		vlapic_set_error(v, VLAPIC_ESR_ILLEGAL_REG);
		return -EINVAL;
	}
	return 0;
}

/*
 * Register writes shared by both views (11.4 – 11.9); the caller has
 * checked the view's own rules.  Read-only registers drop the write.
 */
static int vlapic_write_reg(struct vlapic *v, uint32_t offset, uint32_t val)
{
	uint32_t dummy;

	switch (offset) {
	case VLAPIC_OFF_TPR:
		vlapic_wr(v, offset, val & 0xFFU);
		vlapic_update_ppr(v);
		return 0;
	case VLAPIC_OFF_EOI:
		vlapic_process_eoi(v);
		return 0;
	case VLAPIC_OFF_LDR:
		vlapic_wr(v, offset, val & 0xFF000000U);
		return 0;
	case VLAPIC_OFF_DFR:
		vlapic_wr(v, offset, (val & 0xF0000000U) | 0x0FFFFFFFU);
		return 0;
	case VLAPIC_OFF_SVR:
		vlapic_write_svr(v, val);
		return 0;
	case VLAPIC_OFF_ESR:
		vlapic_write_esr(v);
		return 0;
	case VLAPIC_OFF_ICR_LO:
		vlapic_wr(v, offset, val & ICR_LO_WRITABLE);
		return vlapic_send_icr(v, val & ICR_LO_WRITABLE, vlapic_rd(v, VLAPIC_OFF_ICR_HI) >> 24, false);
	case VLAPIC_OFF_ICR_HI:
		vlapic_wr(v, offset, val & 0xFF000000U);
		return 0;
	case VLAPIC_OFF_TMICT:
		vlapic_write_tmict(v, val);
		return 0;
	case VLAPIC_OFF_TDCR:
		vlapic_write_tdcr(v, val);
		return 0;
	default:
		break;
	}
	if (vlapic_is_lvt(offset)) {
		vlapic_write_lvt(v, offset, val);
		return 0;
	}
	if (vlapic_read_reg(v, offset, &dummy))
		return -EPERM;	/* read-only register (the ID is read-only here) */
	vlapic_set_error(v, VLAPIC_ESR_ILLEGAL_REG);
	return -EINVAL;
}

int vlapic_mmio_write(struct vlapic *v, uint32_t offset, uint32_t size, uint32_t val)
{
	if (!vlapic_is_xapic(v))
		return -ENODEV;
	if (size != 4U || offset >= 0x400U || (offset & 0xFU) != 0U)
		return -EINVAL;
	return vlapic_write_reg(v, offset, val);
}

/* ---------------------------------------------------------------- x2APIC MSRs */

/* x2APIC MSR reads (11.12.1.2, table 11-6). */
static int vlapic_x2apic_read(struct vlapic *v, uint32_t msr, uint64_t *val)
{
	uint32_t off = (msr - VLAPIC_MSR_X2APIC_FIRST) << 4;
	uint32_t r;

	if (!vlapic_is_x2apic(v))
		return -EINVAL;
	switch (off) {
	case VLAPIC_OFF_ICR_LO:
		*val = ((uint64_t)vlapic_rd(v, VLAPIC_OFF_ICR_LO + 4U) << 32) | vlapic_rd(v, VLAPIC_OFF_ICR_LO);
		return 0;
	case VLAPIC_OFF_APR: case VLAPIC_OFF_EOI: case VLAPIC_OFF_RRD: case VLAPIC_OFF_DFR:
	case VLAPIC_OFF_ICR_HI:
		return -EINVAL;
	default:
		break;
	}
	if (msr == VLAPIC_MSR_X2APIC_SELF_IPI || !vlapic_read_reg(v, off, &r))
		return -EINVAL;
	*val = r;
	return 0;
}

/* x2APIC MSR writes: reserved bits and read-only registers fault (11.12.1.2). */
static int vlapic_x2apic_write(struct vlapic *v, uint32_t msr, uint64_t val)
{
	uint32_t off = (msr - VLAPIC_MSR_X2APIC_FIRST) << 4, lo = (uint32_t)val;

	if (!vlapic_is_x2apic(v))
		return -EINVAL;
	if (off == VLAPIC_OFF_ICR_LO) {
		if ((lo & ~ICR_LO_WRITABLE) != 0U)
			return -EINVAL;
		vlapic_wr(v, VLAPIC_OFF_ICR_LO, lo);
		vlapic_wr(v, VLAPIC_OFF_ICR_LO + 4U, (uint32_t)(val >> 32));
		vlapic_wr(v, VLAPIC_OFF_ICR_HI, (uint32_t)(val >> 32));
		(void)vlapic_send_icr(v, lo, (uint32_t)(val >> 32), true);
		return 0;
	}
	if ((val >> 32) != 0U)
		return -EINVAL;
	switch (off) {
	case VLAPIC_OFF_TPR:
		if ((lo & ~0xFFU) != 0U)
			return -EINVAL;
		return vlapic_write_reg(v, off, lo);
	case VLAPIC_OFF_EOI:
	case VLAPIC_OFF_ESR:
		if (lo != 0U)
			return -EINVAL;
		return vlapic_write_reg(v, off, lo);
	case VLAPIC_OFF_SVR:
		if ((lo & ~vlapic_svr_writable(v)) != 0U)
			return -EINVAL;
		return vlapic_write_reg(v, off, lo);
	case VLAPIC_OFF_TMICT:
		return vlapic_write_reg(v, off, lo);
	case VLAPIC_OFF_TDCR:
		if ((lo & ~TDCR_WRITABLE) != 0U)
			return -EINVAL;
		return vlapic_write_reg(v, off, lo);
	case 0x3F0U:	/* SELF IPI (11.12.11): fixed, edge, to this APIC */
		if ((lo & ~0xFFU) != 0U)
			return -EINVAL;
		if (lo < 16U)
			vlapic_set_error(v, VLAPIC_ESR_SEND_ILLEGAL_VECTOR);
		else
			(void)vlapic_set_intr(v, lo, false);
		return 0;
	default:
		break;
	}
	if (vlapic_is_lvt(off)) {
		uint32_t wr = vlapic_lvt_writable(off);

		if ((lo & ~wr) != 0U || (off == VLAPIC_OFF_LVT_TIMER &&
		    ((lo & LVT_TIMER_MODE) >> VLAPIC_LVT_TIMER_MODE_SHIFT) == 3U))
			return -EINVAL;
		vlapic_write_lvt(v, off, lo);
		return 0;
	}
	return -EINVAL;
}

int vlapic_msr_read(struct vlapic *v, uint32_t msr, uint64_t *val)
{
	*val = 0U;
	if (msr == VLAPIC_MSR_APIC_BASE) {
		*val = v->apic_base;
		return 0;
	}
	if (msr == VLAPIC_MSR_TSC_DEADLINE) {
		*val = vlapic_get_tsc_deadline(v);
		return 0;
	}
	if (msr < VLAPIC_MSR_X2APIC_FIRST || msr > VLAPIC_MSR_X2APIC_LAST)
		return -EINVAL;
	return vlapic_x2apic_read(v, msr, val);
}

int vlapic_msr_write(struct vlapic *v, uint32_t msr, uint64_t val)
{
	if (msr == VLAPIC_MSR_APIC_BASE)
		return vlapic_set_apicbase(v, val);
	if (msr == VLAPIC_MSR_TSC_DEADLINE) {
		vlapic_set_tsc_deadline(v, val);
		return 0;
	}
	if (msr < VLAPIC_MSR_X2APIC_FIRST || msr > VLAPIC_MSR_X2APIC_LAST)
		return -EINVAL;
	return vlapic_x2apic_write(v, msr, val);
}

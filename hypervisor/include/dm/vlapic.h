/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file vlapic.h
 * Virtual local APIC (xAPIC MMIO and x2APIC MSR views) as a host-testable
 * state machine.  Reference: Intel SDM Vol. 3A chapter 11 "Advanced
 * Programmable Interrupt Controller (APIC)" (chapter 10 in older editions).
 *
 * The model knows nothing of vCPUs, VMCS or host timers: time, timer
 * arming, IPI delivery, level-EOI broadcast and INIT/SIPI reach the outside
 * world only through struct vlapic_ops.  The register file is a 4 KiB page
 * laid out exactly like the xAPIC MMIO page, so the same page can later be
 * used as the VMCS virtual-APIC page.
 *
 * Error convention: functions return 0 or a negative errno.  For the MSR
 * entry points -EINVAL means "the access faults: inject #GP".  For the MMIO
 * entry points a negative value only reports an access with no
 * architectural effect (the guest sees 0 / the write is dropped); the caller
 * may log it but must not fault the guest.
 */
#ifndef DM_VLAPIC_H
#define DM_VLAPIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Most vCPUs a VM may have: destinations are 64-bit vCPU masks. */
#define VLAPIC_MAX_VCPUS	64U
/** Largest TSC-ticks-per-APIC-bus-tick ratio accepted by vlapic_init(). */
#define VLAPIC_MAX_TSC_RATIO	(1U << 20)

/** @name xAPIC register offsets (SDM Vol. 3A table 11-1) */
/**@{*/
#define VLAPIC_OFF_ID		0x020U
#define VLAPIC_OFF_VER		0x030U
#define VLAPIC_OFF_TPR		0x080U
#define VLAPIC_OFF_APR		0x090U
#define VLAPIC_OFF_PPR		0x0A0U
#define VLAPIC_OFF_EOI		0x0B0U
#define VLAPIC_OFF_RRD		0x0C0U
#define VLAPIC_OFF_LDR		0x0D0U
#define VLAPIC_OFF_DFR		0x0E0U
#define VLAPIC_OFF_SVR		0x0F0U
#define VLAPIC_OFF_ISR0		0x100U
#define VLAPIC_OFF_TMR0		0x180U
#define VLAPIC_OFF_IRR0		0x200U
#define VLAPIC_OFF_ESR		0x280U
#define VLAPIC_OFF_LVT_CMCI	0x2F0U
#define VLAPIC_OFF_ICR_LO		0x300U
#define VLAPIC_OFF_ICR_HI		0x310U
#define VLAPIC_OFF_LVT_TIMER	0x320U
#define VLAPIC_OFF_LVT_THERMAL	0x330U
#define VLAPIC_OFF_LVT_PMC	0x340U
#define VLAPIC_OFF_LVT_LINT0	0x350U
#define VLAPIC_OFF_LVT_LINT1	0x360U
#define VLAPIC_OFF_LVT_ERROR	0x370U
#define VLAPIC_OFF_TMICT		0x380U
#define VLAPIC_OFF_TMCCT		0x390U
#define VLAPIC_OFF_TDCR		0x3E0U
/**@}*/

/** @name MSRs handled by vlapic_msr_read()/vlapic_msr_write() */
/**@{*/
#define VLAPIC_MSR_APIC_BASE	0x01BU
#define VLAPIC_MSR_TSC_DEADLINE	0x6E0U
#define VLAPIC_MSR_X2APIC_FIRST	0x800U
#define VLAPIC_MSR_X2APIC_LAST		0x8FFU
#define VLAPIC_MSR_X2APIC_ICR		0x830U
#define VLAPIC_MSR_X2APIC_SELF_IPI	0x83FU
/**@}*/

/** @name IA32_APIC_BASE bits (SDM Vol. 3A 11.4.4, 11.12.1) */
/**@{*/
#define VLAPIC_BASE_BSP		(1ULL << 8)
#define VLAPIC_BASE_EXTD		(1ULL << 10)
#define VLAPIC_BASE_EN		(1ULL << 11)
#define VLAPIC_BASE_DEFAULT	0xFEE00000ULL
/**@}*/

/** @name ESR bits (SDM Vol. 3A 11.5.3) */
/**@{*/
#define VLAPIC_ESR_SEND_ILLEGAL_VECTOR	(1U << 5)
#define VLAPIC_ESR_RECV_ILLEGAL_VECTOR	(1U << 6)
#define VLAPIC_ESR_ILLEGAL_REG		(1U << 7)
/**@}*/

/** @name SVR bits */
/**@{*/
#define VLAPIC_SVR_ENABLE			(1U << 8)
#define VLAPIC_SVR_SUPPRESS_EOI_BCAST	(1U << 12)
/**@}*/

/** @name LVT / ICR fields */
/**@{*/
#define VLAPIC_LVT_MASKED			(1U << 16)
#define VLAPIC_LVT_TIMER_MODE_SHIFT	17U
#define VLAPIC_LVT_TIMER_ONESHOT		0U
#define VLAPIC_LVT_TIMER_PERIODIC		1U
#define VLAPIC_LVT_TIMER_TSCDEADLINE	2U
#define VLAPIC_ICR_DEST_LOGICAL		(1U << 11)
#define VLAPIC_ICR_LEVEL_ASSERT		(1U << 14)
#define VLAPIC_ICR_TRIGGER_LEVEL		(1U << 15)
#define VLAPIC_ICR_SHORTHAND_SHIFT	18U
/**@}*/

/** Delivery modes of ICR / LVT / IOAPIC RTE / MSI (SDM Vol. 3A 11.6.1). */
enum vlapic_delmode {
	VLAPIC_DM_FIXED  = 0,
	VLAPIC_DM_LOWPRI = 1,
	VLAPIC_DM_SMI    = 2,
	VLAPIC_DM_NMI    = 4,
	VLAPIC_DM_INIT   = 5,
	VLAPIC_DM_SIPI   = 6,
	VLAPIC_DM_EXTINT = 7,
};

/** ICR destination shorthand (ICR bits 19:18). */
enum vlapic_shorthand {
	VLAPIC_SH_NONE = 0,
	VLAPIC_SH_SELF = 1,
	VLAPIC_SH_ALL_INCL_SELF = 2,
	VLAPIC_SH_ALL_EXCL_SELF = 3,
};

/**
 * Everything impure the vLAPIC needs.  All hooks are mandatory except kick.
 * The model never calls a hook while it holds a half-updated state.
 */
struct vlapic_ops {
	/** Current guest TSC value. */
	uint64_t (*now)(void *ctx);
	/** Arm (or re-arm, replacing any previous) the host timer for an absolute guest TSC. */
	void (*timer_arm)(void *ctx, uint64_t deadline_tsc);
	/** Cancel the host timer; harmless if not armed. */
	void (*timer_cancel)(void *ctx);
	/**
	 * Mask of vCPUs whose vLAPIC accepts (dest, logical) — the glue
	 * implements it with vlapic_match_dest() over the VM's vCPUs.
	 * @param x2apic true when dest is a 32-bit x2APIC destination.
	 */
	uint64_t (*dest_mask)(void *ctx, uint32_t dest, bool logical, bool x2apic);
	/**
	 * Deliver an IPI to every vCPU in dest_mask (already limited to the
	 * VM's vCPUs; may include the sender).  mode is enum vlapic_delmode:
	 * FIXED (edge, vector >= 16) → vlapic_set_intr() on each target;
	 * NMI → inject NMI; INIT → vlapic_deliver_init(); SIPI →
	 * vlapic_deliver_sipi(vector).  LOWPRI arrives as FIXED with one bit.
	 */
	void (*send_ipi)(void *ctx, uint64_t dest_mask, uint32_t mode, uint32_t vector);
	/** EOI of a level-triggered vector (TMR set): broadcast to the vIOAPIC. */
	void (*eoi_level)(void *ctx, uint32_t vector);
	/** INIT (is_sipi false) or SIPI(vector) was accepted by vCPU vcpu_id. */
	void (*init_sipi)(void *ctx, uint32_t vcpu_id, bool is_sipi, uint32_t vector);
	/** Optional (may be NULL): a new vector entered the IRR — kick the vCPU. */
	void (*kick)(void *ctx);
};

/** Static configuration given to vlapic_init(). */
struct vlapic_config {
	uint32_t vcpu_id;		/**< index of this vCPU, < nr_vcpus */
	uint32_t nr_vcpus;		/**< 1..VLAPIC_MAX_VCPUS */
	uint32_t apic_id;		/**< APIC ID; must be < 0xFF to be usable in xAPIC mode */
	bool bsp;			/**< IA32_APIC_BASE.BSP */
	bool directed_eoi;		/**< advertise (and honour) EOI-broadcast suppression */
	uint32_t tsc_per_bus_tick;	/**< TSC ticks per APIC timer bus tick, 1..VLAPIC_MAX_TSC_RATIO */
	uint32_t phys_addr_bits;	/**< MAXPHYADDR for IA32_APIC_BASE checks; 0 means 39 */
	/**
	 * Shortest interval a periodic timer is re-armed with, in TSC ticks
	 * (0: none).  Bounds the host-timer rate a guest can cause with a
	 * tiny TMICT; the guest then sees fewer, not faster, interrupts.
	 */
	uint64_t min_period_tsc;
};

/**
 * One virtual local APIC.  Callers embed it and treat every field as
 * private except regs, which may be handed to the CPU as virtual-APIC page.
 */
struct vlapic {
	uint32_t regs[1024] __attribute__((aligned(4096)));	/**< xAPIC page image */
	const struct vlapic_ops *ops;
	void *ctx;
	struct vlapic_config cfg;
	uint64_t apic_base;		/**< IA32_APIC_BASE value */
	uint32_t esr_pending;		/**< errors collected since the last ESR write */
	bool wait_for_sipi;		/**< INIT received, SIPI not yet */
	bool timer_armed;		/**< host timer armed by this model */
	uint64_t timer_deadline;	/**< absolute TSC of the next expiry */
	uint64_t timer_period;		/**< one-shot/periodic length in TSC ticks */
	uint64_t tsc_deadline;		/**< IA32_TSC_DEADLINE value */
};

/**
 * Initialise a vLAPIC and bring it to its power-on state (vlapic_reset()).
 * @return 0, or -EINVAL for a bad configuration or missing ops.
 */
int vlapic_init(struct vlapic *vlapic, const struct vlapic_config *cfg,
		const struct vlapic_ops *ops, void *ctx);

/** Power-on reset (SDM 11.4.7.1): xAPIC mode, enabled, registers at reset values. */
void vlapic_reset(struct vlapic *vlapic);

/**
 * xAPIC MMIO read at offset (0..0xFFF) into the APIC page.
 * @param size access width in bytes; only 4 at 16-byte aligned offsets is defined.
 * @return 0; -EINVAL (reserved/unaligned, *val = 0) or -ENODEV (not in xAPIC mode).
 */
int vlapic_mmio_read(struct vlapic *vlapic, uint32_t offset, uint32_t size, uint32_t *val);

/**
 * xAPIC MMIO write.  @return 0, or a negative errno reporting a dropped write.
 */
int vlapic_mmio_write(struct vlapic *vlapic, uint32_t offset, uint32_t size, uint32_t val);

/**
 * RDMSR of IA32_APIC_BASE, IA32_TSC_DEADLINE or an x2APIC MSR (0x800-0x8FF).
 * @return 0, or -EINVAL: inject #GP.
 */
int vlapic_msr_read(struct vlapic *vlapic, uint32_t msr, uint64_t *val);

/**
 * WRMSR of IA32_APIC_BASE, IA32_TSC_DEADLINE or an x2APIC MSR.
 * @return 0, or -EINVAL: inject #GP.
 */
int vlapic_msr_write(struct vlapic *vlapic, uint32_t msr, uint64_t val);

/** Current IA32_APIC_BASE. */
uint64_t vlapic_get_apicbase(const struct vlapic *vlapic);

/**
 * Write IA32_APIC_BASE with the SDM 11.12.5 legal-transition rules.
 * @return 0, or -EINVAL (reserved bit or illegal transition: inject #GP).
 */
int vlapic_set_apicbase(struct vlapic *vlapic, uint64_t val);

/** IA32_TSC_DEADLINE read (0 unless the LVT timer is in TSC-deadline mode and armed). */
uint64_t vlapic_get_tsc_deadline(struct vlapic *vlapic);

/** IA32_TSC_DEADLINE write: 0 disarms; ignored outside TSC-deadline mode. */
void vlapic_set_tsc_deadline(struct vlapic *vlapic, uint64_t deadline);

/**
 * Accept a fixed interrupt into the IRR (SDM 11.8.4); TMR set for level.
 * @return 0; -EINVAL for vector < 16 (ESR receive-illegal-vector) or > 255;
 *         -ENODEV if the APIC is hardware or software disabled (dropped).
 */
int vlapic_set_intr(struct vlapic *vlapic, uint32_t vector, bool level);

/**
 * Highest IRR vector whose priority class beats the PPR (SDM 11.8.3.1).
 * @return 0 with *vector set, or -ENOENT if none is deliverable.
 */
int vlapic_pending_intr(struct vlapic *vlapic, uint32_t *vector);

/**
 * The CPU took vector: move it IRR → ISR and update PPR.
 * @return 0, or -EINVAL if vector is not in the IRR or does not beat PPR.
 */
int vlapic_intr_accepted(struct vlapic *vlapic, uint32_t vector);

/** Host timer expired: deliver the LVT timer vector and re-arm when periodic. */
void vlapic_timer_expired(struct vlapic *vlapic);

/**
 * Does this vLAPIC accept a message for dest?  Broadcast is 0xFF (xAPIC
 * format) or 0xFFFFFFFF (x2APIC format).  Logical mode uses the LDR with
 * the flat/cluster model of the DFR (xAPIC) or the x2APIC cluster format.
 */
bool vlapic_match_dest(const struct vlapic *vlapic, uint32_t dest, bool logical, bool x2apic);

/** INIT arrived: INIT-reset the APIC (ID and base kept) and report via ops->init_sipi. */
void vlapic_deliver_init(struct vlapic *vlapic);

/**
 * Start-up IPI arrived.  @return 0 and ops->init_sipi called if the vCPU
 * was waiting for SIPI, -EAGAIN (ignored, SDM 8.4.4) otherwise.
 */
int vlapic_deliver_sipi(struct vlapic *vlapic, uint32_t vector);

/** Is the APIC in x2APIC mode? */
bool vlapic_is_x2apic(const struct vlapic *vlapic);

/** Is the APIC hardware (IA32_APIC_BASE.EN) and software (SVR) enabled? */
bool vlapic_is_enabled(const struct vlapic *vlapic);

/**
 * Should an 8259 INTR be taken by this vCPU?  True when LINT0 is unmasked
 * in ExtINT mode, or when the APIC is hardware-disabled (INTR bypasses it).
 */
bool vlapic_accepts_extint(const struct vlapic *vlapic);

/**
 * A local interrupt source fired: deliver through its LVT entry (SDM 11.5.1).
 * @param lvt_offset VLAPIC_OFF_LVT_CMCI, _THERMAL, _PMC, _LINT0 or _LINT1
 *        (the timer uses vlapic_timer_expired(), errors are internal).
 * @return 0 when delivered (fixed → IRR, as edge; NMI → ops->send_ipi to
 *         self); -EAGAIN masked; -ENODEV APIC disabled; -ENOTSUP for
 *         ExtINT/SMI/INIT modes (ExtINT: see vlapic_accepts_extint());
 *         -EINVAL for a bad offset or an illegal vector (ESR updated).
 */
int vlapic_fire_lvt(struct vlapic *vlapic, uint32_t lvt_offset);

/** Processor priority (PPR) as currently computed. */
uint32_t vlapic_get_ppr(const struct vlapic *vlapic);

/**
 * Recompute PPR/APR after something other than the model changed TPR, ISR
 * or IRR in regs (the CPU, when regs serves as virtual-APIC page).
 */
void vlapic_refresh_ppr(struct vlapic *vlapic);

/** Highest vector in the IRR (RVI for virtual-interrupt delivery), or -ENOENT if empty. */
int vlapic_highest_irr(const struct vlapic *vlapic);

/** Highest vector in the ISR (SVI for virtual-interrupt delivery), or -ENOENT if empty. */
int vlapic_highest_isr(const struct vlapic *vlapic);

/**
 * Destination mask over a VM's vLAPICs (index = vCPU id) for a message
 * to dest — what a glue's ops->dest_mask and the IOAPIC/MSI paths compute.
 * @param n number of entries in vlapics (at most VLAPIC_MAX_VCPUS are used)
 * @param lowest_prio keep only the lowest-numbered match (lowest-priority
 *        delivery, as the ICR path does)
 */
uint64_t vlapic_dest_mask_of(const struct vlapic *const *vlapics, size_t n, uint32_t dest,
			     bool logical, bool x2apic, bool lowest_prio);

/** A decoded MSI (SDM 11.11). */
struct vlapic_msi {
	uint32_t dest;		/**< destination APIC ID (address bits 19:12) */
	bool logical;		/**< destination mode (address bit 2) */
	bool redirect_hint;	/**< address bit 3 */
	uint32_t mode;		/**< delivery mode (data bits 10:8) */
	uint32_t vector;	/**< data bits 7:0 */
	bool level;		/**< trigger mode (data bit 15) */
};

/**
 * Decode an MSI address/data pair (SDM 11.11.1, 11.11.2).
 * @return 0, or -EINVAL when the address is not in the 0xFEExxxxx window
 *         or the delivery mode is reserved (3) or the vector is < 16 for
 *         fixed/lowest-priority delivery.
 */
int vlapic_msi_decode(uint64_t addr, uint32_t data, struct vlapic_msi *msi);

#endif /* DM_VLAPIC_H */

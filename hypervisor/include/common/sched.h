/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file sched.h
 * vCPU scheduling on the pCPUs.
 *
 * Every pCPU runs one loop over its own vCPUs; vCPUs never migrate, so a
 * VMCS is only ever current on its own pCPU.  Two policies follow from
 * where a User VM's vCPUs are pinned (doc/user-vms.md, "Scheduling"):
 *  - partitioned: the pCPU's Service VM vCPU is offline
 *    (HC_SERVICE_VM_OFFLINE_CPU); the pCPU runs User VM vCPUs only, round
 *    robin in 10 ms slices, polling while none is runnable;
 *  - shared: the pCPU also runs its Service VM vCPU, which always comes
 *    first: a User VM vCPU runs only while the Service VM vCPU halts, and
 *    any physical interrupt (all of them are the Service VM's) ends its turn.
 * Among the User VM vCPUs of a pCPU the one of the highest scheduling class
 * (HC_CREATE_VM's vm_flag: high, normal, low) that can run goes first, round
 * robin among equals; a lower class runs only while no higher one can, and
 * gives way at the next tick when one can again.
 * A vCPU stops being runnable while it waits for an IOREQ, halts, or is
 * paused; everything that changes a vCPU arrives as a request (vm.h) that
 * this loop hands to vcpu_run() before the next entry.
 */
#ifndef COMMON_SCHED_H
#define COMMON_SCHED_H

#include <stdbool.h>
#include <stdint.h>
#include <public/acrn_common.h>

struct vcpu;

/** vCPUs one pCPU can hold besides its Service VM vCPU. */
#define SCHED_MAX_PER_PCPU	4

/** Scheduling ranks of the User VM classes: a higher rank runs first. */
#define SCHED_RANK_LOW		0
#define SCHED_RANK_NORMAL	1
#define SCHED_RANK_HIGH		2

/**
 * The rank of the class in an HC_CREATE_VM vm_flag (ACRN_VM_FLAG_PRIO_*);
 * -1 for the reserved class.  Other bits are not looked at.
 */
int8_t sched_rank_of_flags(uint64_t vm_flag);

/**
 * Pick a slot of a pCPU's run queue: the highest @p rank (< 0: empty or not
 * runnable), the first at or after @p cursor (mod @p n) among equals.
 * @return the slot, or -1 when none can run
 */
int sched_pick_slot(const int8_t rank[], unsigned int n, unsigned int cursor);

/** Does pCPU pcpu hold any User VM vCPU (runnable or not)? */
bool sched_has_uos(uint32_t pcpu);
/**
 * Since boot: how often pCPU @p pcpu went idle in its Service VM's HLT while
 * it held User VM vCPUs (@p halts), and how often another pCPU kicked it
 * out of that for a User VM vCPU's sake (@p kicks).
 */
void sched_idle_stats(uint32_t pcpu, uint64_t *halts, uint64_t *kicks);

/**
 * The vector of the kick IPI (vcpu_kick()).  It reaches the Service VM: a
 * Linux Service VM takes it as its reschedule IPI (arch/x86 RESCHEDULE_VECTOR,
 * 0xFD since Linux 2.6), which does nothing when nothing is to be rescheduled.
 */
#define SCHED_KICK_VECTOR	0xFDU

/**
 * The watch over the Service VM's interrupts on one pCPU (sched_irq_watch_tick()).
 * With the LAPIC passed through, an interrupt the Service VM never takes is
 * invisible to it: an edge-triggered device (a UART) then waits for good.
 */
struct sched_irq_watch {
	int32_t irr, isr;	/* what the last tick saw (-1: none) */
	uint32_t ticks;		/* consecutive ticks it was seen */
	bool deliverable;	/* the IRR's vector could be taken now */
	bool reported;
};

enum sched_irq_verdict {
	SCHED_IRQ_FINE,		/* nothing is waiting */
	SCHED_IRQ_WAITING,	/* the same vector waited at the last tick too */
	SCHED_IRQ_STUCK,	/* ... for @p limit ticks: report it (once) */
};

/**
 * One hypervisor tick of the Service VM vCPU of a pCPU.  @p irr, @p isr: the
 * highest vector in the physical LAPIC's IRR and ISR (-1: none); @p tpr its
 * TPR; @p guest_if the vCPU's RFLAGS.IF.  Something waits when a vector is
 * in service, or when one in the IRR beats the processor priority (the
 * higher of the ISR's and the TPR's class, SDM Vol. 3 §11.8.3.1) while the
 * guest has interrupts on -- the Service VM should have taken it.  The same
 * (IRR, ISR) pair at consecutive ticks counts up; anything else restarts.
 */
enum sched_irq_verdict sched_irq_watch_tick(struct sched_irq_watch *w, int32_t irr, int32_t isr,
					    uint32_t tpr, bool guest_if, uint32_t limit);

/** Put a User VM vCPU on the run queue of v->pcpu. @return 0, -EBUSY (queue full). */
int sched_attach(struct vcpu *v);

/** Mark a pCPU as given to User VMs (its Service VM vCPU is going offline). */
void sched_set_dedicated(uint32_t pcpu);

/** True when the pCPU runs User VMs only. */
bool sched_is_dedicated(uint32_t pcpu);

/** True when a User VM vCPU of this pCPU could run now. */
bool sched_uos_runnable(uint32_t pcpu);

/**
 * Carry out VCPU_REQ_PAUSE or VCPU_REQ_RELEASE for a vCPU of this pCPU that
 * is not running (the caller is another vCPU's exit handler on this pCPU,
 * which cannot wait for the loop).
 */
void sched_local_request(struct vcpu *v, uint32_t req);

/**
 * Carry out the pause and release requests pending for User VM vCPUs of
 * this pCPU, from an exit handler of another vCPU that has to wait.
 */
void sched_serve_local_requests(void);

/** A physical interrupt for the Service VM arrived: its vCPU on @p pcpu may run. */
void sched_wake_service_vcpu(uint32_t pcpu);

/**
 * The hypervisor tick (VMX-preemption timer exit) of the vCPU running here:
 * time slices between User VM vCPUs, and a halted Service VM vCPU hands
 * the pCPU to a User VM vCPU that became runnable meanwhile.
 */
void sched_tick(struct vcpu *v);

/**
 * The scheduling loop of this pCPU.  @p sos is its Service VM vCPU (its
 * VMCS current), or NULL for a pCPU that serves User VMs only.  Returns only
 * if the Service VM vCPU stops with an error.
 */
void sched_loop(struct vcpu *sos);

#endif /* COMMON_SCHED_H */

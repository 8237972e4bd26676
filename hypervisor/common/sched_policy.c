/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which User VM vCPU of a pCPU runs next (doc/user-vms.md, "Scheduling"): a pure
 * function of the run queue's ranks and the round-robin cursor, kept apart
 * from the loop in sched.c so that the host unit tests can drive it; so is
 * the watch over the Service VM's untaken interrupts.
 */
#include <common/sched.h>

int sched_pick_slot(const int8_t rank[], unsigned int n, unsigned int cursor)
{
	int best = -1;

	if (n == 0)
		return -1;
	/* From the cursor on, so that among equal ranks the turn goes round. */
	for (unsigned int k = 0; k < n; k++) {
		unsigned int i = (cursor + k) % n;

		if (rank[i] >= 0 && (best < 0 || rank[i] > rank[best]))
			best = (int)i;
	}
	return best;
}

int8_t sched_rank_of_flags(uint64_t vm_flag)
{
	switch ((vm_flag & ACRN_VM_FLAG_PRIO_MASK) >> ACRN_VM_FLAG_PRIO_SHIFT) {
	case ACRN_VM_PRIO_LOW:
		return SCHED_RANK_LOW;
	case ACRN_VM_PRIO_NORMAL:
		return SCHED_RANK_NORMAL;
	case ACRN_VM_PRIO_HIGH:
		return SCHED_RANK_HIGH;
	default:
		return -1;
	}
}

enum sched_irq_verdict sched_irq_watch_tick(struct sched_irq_watch *w, int32_t irr, int32_t isr,
					    uint32_t tpr, bool guest_if, uint32_t limit)
{
	int32_t ppr_class = (int32_t)(tpr >> 4) & 0xF;
	bool deliverable;

	if (isr >= 0 && (isr >> 4) > ppr_class)
		ppr_class = isr >> 4;
	deliverable = irr >= 0 && guest_if && (irr >> 4) > ppr_class;
	if (!deliverable && isr < 0) {
		*w = (struct sched_irq_watch){ .irr = -1, .isr = -1 };
		return SCHED_IRQ_FINE;
	}
	if (w->ticks == 0 || w->irr != irr || w->isr != isr) {
		*w = (struct sched_irq_watch){ .irr = irr, .isr = isr, .ticks = 1,
					       .deliverable = deliverable };
		return SCHED_IRQ_FINE;	/* first sight: it may be taken right away */
	}
	w->deliverable = deliverable;
	if (w->ticks < UINT32_MAX)
		w->ticks++;
	if (w->ticks >= limit && !w->reported) {
		w->reported = true;
		return SCHED_IRQ_STUCK;
	}
	return SCHED_IRQ_WAITING;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which User VM vCPU of a pCPU runs next (doc/user-vms.md, "Scheduling"): a pure
 * function of the run queue's ranks and the round-robin cursor, kept apart
 * from the loop in sched.c so that the host unit tests can drive it.
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

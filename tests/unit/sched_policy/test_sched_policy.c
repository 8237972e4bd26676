/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the scheduling policy (hypervisor/common/sched_policy.c):
 * which run-queue slot sched_loop() gives the pCPU to, the class of a
 * VM from HC_CREATE_VM's vm_flag, and the watch over the Service VM's
 * untaken interrupts.  The loop itself simulates a pCPU turn by
 * turn, as sched.c moves its cursor, to check shares over many turns.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include <string.h>
#include <common/sched.h>

#define N	SCHED_MAX_PER_PCPU
#define NONE	(-1)

/* Run @p turns turns from cursor 0 as sched_loop() does; count the turns each slot got. */
static void run_turns(const int8_t rank[N], unsigned int turns, unsigned int got[N])
{
	unsigned int cursor = 0;

	memset(got, 0, N * sizeof(got[0]));
	for (unsigned int t = 0; t < turns; t++) {
		int i = sched_pick_slot(rank, N, cursor);

		if (i < 0)
			return;
		got[i]++;
		cursor = ((unsigned int)i + 1) % N;
	}
}

static void test_pick_none_runnable_is_minus_one(void **state)
{
	const int8_t rank[N] = { NONE, NONE, NONE, NONE };

	for (unsigned int c = 0; c < N; c++)
		assert_int_equal(sched_pick_slot(rank, N, c), -1);
	assert_int_equal(sched_pick_slot(rank, 0, 0), -1);
}

static void test_pick_equal_ranks_go_round_robin_from_the_cursor(void **state)
{
	const int8_t rank[N] = { SCHED_RANK_NORMAL, NONE, SCHED_RANK_NORMAL, SCHED_RANK_NORMAL };
	unsigned int got[N];

	assert_int_equal(sched_pick_slot(rank, N, 0), 0);
	assert_int_equal(sched_pick_slot(rank, N, 1), 2);
	assert_int_equal(sched_pick_slot(rank, N, 3), 3);
	assert_int_equal(sched_pick_slot(rank, N, 4 % N), 0);
	run_turns(rank, 300, got);
	assert_int_equal(got[0], 100);
	assert_int_equal(got[1], 0);
	assert_int_equal(got[2], 100);
	assert_int_equal(got[3], 100);
}

static void test_pick_higher_class_first_wherever_the_cursor_is(void **state)
{
	const int8_t rank[N] = { SCHED_RANK_LOW, SCHED_RANK_NORMAL, SCHED_RANK_HIGH, SCHED_RANK_NORMAL };

	for (unsigned int c = 0; c < N; c++)
		assert_int_equal(sched_pick_slot(rank, N, c), 2);
}

static void test_pick_lower_class_runs_only_when_no_higher_can(void **state)
{
	int8_t rank[N] = { SCHED_RANK_HIGH, SCHED_RANK_LOW, SCHED_RANK_HIGH, SCHED_RANK_NORMAL };
	unsigned int got[N];

	/* Strict priority: the two high vCPUs share the pCPU, the others starve. */
	run_turns(rank, 100, got);
	assert_int_equal(got[0], 50);
	assert_int_equal(got[2], 50);
	assert_int_equal(got[1] + got[3], 0);
	/* The high ones halt: normal before low. */
	rank[0] = rank[2] = NONE;
	run_turns(rank, 10, got);
	assert_int_equal(got[3], 10);
	assert_int_equal(got[1], 0);
	/* Only the low one can run: it gets every turn. */
	rank[3] = NONE;
	run_turns(rank, 10, got);
	assert_int_equal(got[1], 10);
}

static void test_pick_cursor_beyond_the_queue_wraps(void **state)
{
	const int8_t rank[N] = { SCHED_RANK_NORMAL, SCHED_RANK_NORMAL, NONE, NONE };

	assert_int_equal(sched_pick_slot(rank, N, N), 0);
	assert_int_equal(sched_pick_slot(rank, N, N + 1), 1);
}

static void test_rank_of_flags_maps_each_class_and_refuses_the_reserved_one(void **state)
{
	assert_int_equal(sched_rank_of_flags(0), SCHED_RANK_NORMAL);
	assert_int_equal(sched_rank_of_flags(ACRN_VM_FLAG_PRIO(ACRN_VM_PRIO_NORMAL)), SCHED_RANK_NORMAL);
	assert_int_equal(sched_rank_of_flags(ACRN_VM_FLAG_PRIO(ACRN_VM_PRIO_HIGH)), SCHED_RANK_HIGH);
	assert_int_equal(sched_rank_of_flags(ACRN_VM_FLAG_PRIO(ACRN_VM_PRIO_LOW)), SCHED_RANK_LOW);
	assert_int_equal(sched_rank_of_flags(ACRN_VM_FLAG_PRIO(3)), -1);
	/* Only the class bits count here; HC_CREATE_VM refuses the other bits itself. */
	assert_int_equal(sched_rank_of_flags(ACRN_VM_FLAG_PRIO(ACRN_VM_PRIO_HIGH) | 1), SCHED_RANK_HIGH);
	assert_true(SCHED_RANK_HIGH > SCHED_RANK_NORMAL && SCHED_RANK_NORMAL > SCHED_RANK_LOW);
}

/* ---- sched_irq_watch_tick() ---- */

#define LIMIT	5U

/* Feed the same LAPIC state @p n ticks; return the last verdict. */
static enum sched_irq_verdict ticks(struct sched_irq_watch *w, unsigned int n, int32_t irr,
				    int32_t isr, uint32_t tpr, bool gif)
{
	enum sched_irq_verdict r = SCHED_IRQ_FINE;

	for (unsigned int i = 0; i < n; i++)
		r = sched_irq_watch_tick(w, irr, isr, tpr, gif, LIMIT);
	return r;
}

static void test_irq_watch_quiet_lapic_is_fine(void **state)
{
	struct sched_irq_watch w = { .irr = -1, .isr = -1 };

	(void)state;
	assert_int_equal(ticks(&w, 100, -1, -1, 0, true), SCHED_IRQ_FINE);
	assert_int_equal(w.ticks, 0);
}

static void test_irq_watch_pending_vector_waits_then_is_reported_once(void **state)
{
	struct sched_irq_watch w = { .irr = -1, .isr = -1 };

	(void)state;
	/* First sight: an interrupt may arrive just before the tick. */
	assert_int_equal(sched_irq_watch_tick(&w, 0x34, -1, 0, true, LIMIT), SCHED_IRQ_FINE);
	assert_true(w.deliverable);
	assert_int_equal(ticks(&w, LIMIT - 2, 0x34, -1, 0, true), SCHED_IRQ_WAITING);
	assert_int_equal(sched_irq_watch_tick(&w, 0x34, -1, 0, true, LIMIT), SCHED_IRQ_STUCK);
	assert_int_equal(w.ticks, LIMIT);
	assert_int_equal(ticks(&w, 50, 0x34, -1, 0, true), SCHED_IRQ_WAITING);
}

static void test_irq_watch_taken_vector_restarts_the_count(void **state)
{
	struct sched_irq_watch w = { .irr = -1, .isr = -1 };

	(void)state;
	assert_int_equal(ticks(&w, LIMIT - 1, 0x34, -1, 0, true), SCHED_IRQ_WAITING);
	/* Taken (nothing left), then the next one: counted from 1 again. */
	assert_int_equal(sched_irq_watch_tick(&w, -1, -1, 0, true, LIMIT), SCHED_IRQ_FINE);
	assert_int_equal(ticks(&w, LIMIT - 1, 0x34, -1, 0, true), SCHED_IRQ_WAITING);
	/* A different vector on top is a different wait. */
	assert_int_equal(sched_irq_watch_tick(&w, 0x41, -1, 0, true, LIMIT), SCHED_IRQ_FINE);
	assert_int_equal(w.ticks, 1);
}

static void test_irq_watch_masked_vectors_are_not_waiting(void **state)
{
	struct sched_irq_watch w = { .irr = -1, .isr = -1 };

	(void)state;
	/* Guest IF=0 (an offlined CPU in play_dead): nothing to take. */
	assert_int_equal(ticks(&w, 3 * LIMIT, 0x34, -1, 0, false), SCHED_IRQ_FINE);
	/* TPR class 3 masks class 3 (SDM: the vector's class must be above it). */
	assert_int_equal(ticks(&w, 3 * LIMIT, 0x34, -1, 0x30, true), SCHED_IRQ_FINE);
	assert_false(w.deliverable);
	/* Class 4 beats TPR class 3. */
	assert_int_equal(ticks(&w, 2, 0x41, -1, 0x30, true), SCHED_IRQ_WAITING);
}

static void test_irq_watch_vector_in_service_blocks_its_class_and_is_watched(void **state)
{
	struct sched_irq_watch w = { .irr = -1, .isr = -1 };

	(void)state;
	/* 0x34 in service holds 0x33 back: what waits is the ISR, even with IF=0. */
	assert_int_equal(sched_irq_watch_tick(&w, 0x33, 0x34, 0, false, LIMIT), SCHED_IRQ_FINE);
	assert_false(w.deliverable);
	assert_int_equal(ticks(&w, LIMIT - 1, 0x33, 0x34, 0, false), SCHED_IRQ_STUCK);
	/* A higher class than the one in service is deliverable. */
	assert_int_equal(sched_irq_watch_tick(&w, 0x41, 0x34, 0, true, LIMIT), SCHED_IRQ_FINE);
	assert_true(w.deliverable);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick_none_runnable_is_minus_one),
		cmocka_unit_test(test_pick_equal_ranks_go_round_robin_from_the_cursor),
		cmocka_unit_test(test_pick_higher_class_first_wherever_the_cursor_is),
		cmocka_unit_test(test_pick_lower_class_runs_only_when_no_higher_can),
		cmocka_unit_test(test_pick_cursor_beyond_the_queue_wraps),
		cmocka_unit_test(test_rank_of_flags_maps_each_class_and_refuses_the_reserved_one),
		cmocka_unit_test(test_irq_watch_quiet_lapic_is_fine),
		cmocka_unit_test(test_irq_watch_pending_vector_waits_then_is_reported_once),
		cmocka_unit_test(test_irq_watch_taken_vector_restarts_the_count),
		cmocka_unit_test(test_irq_watch_masked_vectors_are_not_waiting),
		cmocka_unit_test(test_irq_watch_vector_in_service_blocks_its_class_and_is_watched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

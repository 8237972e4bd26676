/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file dm_timer.h
 * One-shot timers for device models.  A single thread per acrn-dm process
 * keeps the armed timers in a list sorted by deadline and sleeps on a
 * CLOCK_MONOTONIC condition variable until the earliest one is due; the
 * callbacks run on that thread, one at a time, without any timer lock held,
 * so a callback may re-arm its own timer or arm and cancel others.
 *
 * Times are absolute CLOCK_MONOTONIC nanoseconds (dm_timer_now_ns()), the
 * same clock the platform device cores are given as now_ns().
 */
#ifndef DM_TIMER_H
#define DM_TIMER_H

#include <stdbool.h>
#include <stdint.h>

/** Timer callback; runs on the timer thread. */
typedef void (*dm_timer_cb_t)(void *arg);

/** One timer.  Embed it in the device state; fields are private to timer.c. */
struct dm_timer {
	dm_timer_cb_t cb;
	void *arg;
	uint64_t when_ns;
	bool live;		/**< between dm_timer_init() and dm_timer_deinit() */
	bool armed;		/**< in the sorted list */
	struct dm_timer *next;
};

/** Current CLOCK_MONOTONIC time in nanoseconds. */
uint64_t dm_timer_now_ns(void);

/**
 * Prepare @p t (zeroed, deinitialised or already initialised) to call
 * @p cb(@p arg), disarmed; starts the timer thread on first use.
 * @return 0, -EINVAL (NULL argument) or the negative errno of pthread_create
 */
int dm_timer_init(struct dm_timer *t, dm_timer_cb_t cb, void *arg);

/**
 * Arm @p t to fire once at or after @p when_ns (a past time fires at once),
 * replacing any earlier deadline.  Callable from any thread, including from
 * a timer callback.  @return 0, or -EINVAL if @p t is not initialised
 */
int dm_timer_arm(struct dm_timer *t, uint64_t when_ns);

/**
 * Disarm @p t.  Does not wait for a callback already running (so it may be
 * called with a lock that callback takes); use dm_timer_deinit() for that.
 * @return 0, or -EINVAL if @p t is not initialised
 */
int dm_timer_cancel(struct dm_timer *t);

/** Whether @p t is armed (for tests). */
bool dm_timer_is_armed(struct dm_timer *t);

/**
 * Disarm @p t for good and wait until its callback is not running (unless
 * called from that callback).  Later dm_timer_arm() calls fail with -EINVAL
 * until dm_timer_init() again.  Must not be called with a lock the callback
 * takes.  Safe on a zeroed or already deinitialised timer.
 */
void dm_timer_deinit(struct dm_timer *t);

#endif /* DM_TIMER_H */

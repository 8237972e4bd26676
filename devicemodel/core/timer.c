/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device timers: one thread, one sorted singly linked list, one condition
 * variable on CLOCK_MONOTONIC.
 *
 * Why one thread: acrn-dm has a handful of timers (PIT counter 0, RTC,
 * PM timer) whose callbacks are short and take their device's mutex; one
 * thread keeps them ordered and needs no per-timer file descriptors.
 *
 * Why callbacks run unlocked: a device core calls timer_arm/timer_cancel
 * from inside its own mutex, and its timer callback takes that mutex.  If
 * the timer thread held the list lock while calling back, the two lock
 * orders would invert.  So the thread unlinks the timer, records it as
 * "running", drops the lock, calls back, and retakes the lock.
 * dm_timer_deinit() waits on "running" so a device can be freed safely.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <time.h>

#include "dm_timer.h"

struct dm_timer_base {
	pthread_mutex_t lock;
	pthread_cond_t wake;		/* list head changed (CLOCK_MONOTONIC) */
	pthread_cond_t idle;		/* a callback returned */
	struct dm_timer *head;		/* armed timers, earliest first */
	struct dm_timer *running;	/* callback in progress, or NULL */
	pthread_t thread;
	bool started;
};

static struct dm_timer_base dm_tbase = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.idle = PTHREAD_COND_INITIALIZER,
};

uint64_t dm_timer_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Remove @p t from the list if it is there.  Lock held. */
static void dm_timer_unlink(struct dm_timer *t)
{
	struct dm_timer **pp;

	if (!t->armed)
		return;
	for (pp = &dm_tbase.head; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->next = NULL;
	t->armed = false;
}

static void *dm_timer_thread(void *unused)
{
	struct dm_timer_base *b = &dm_tbase;

	pthread_mutex_lock(&b->lock);
	for (;;) {
		struct dm_timer *t = b->head;
		uint64_t now = dm_timer_now_ns();

		if (t == NULL) {
			pthread_cond_wait(&b->wake, &b->lock);
			continue;
		}
		if (t->when_ns > now) {
			struct timespec ts = {
				.tv_sec = (time_t)(t->when_ns / 1000000000ULL),
				.tv_nsec = (long)(t->when_ns % 1000000000ULL),
			};

			pthread_cond_timedwait(&b->wake, &b->lock, &ts);
			continue;
		}
		dm_timer_unlink(t);
		b->running = t;
		pthread_mutex_unlock(&b->lock);
		t->cb(t->arg);
		pthread_mutex_lock(&b->lock);
		b->running = NULL;
		pthread_cond_broadcast(&b->idle);
	}
	return NULL;
}

/* Start the thread once.  Lock held. */
static int dm_timer_start_thread(void)
{
	pthread_condattr_t attr;
	sigset_t all, old;
	int rc;

	if (dm_tbase.started)
		return 0;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&dm_tbase.wake, &attr);
	pthread_condattr_destroy(&attr);
	/* The thread must not take acrn-dm's stop signals: main() sigwait()s for them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&dm_tbase.thread, NULL, dm_timer_thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		pthread_cond_destroy(&dm_tbase.wake);
		return -rc;
	}
	pthread_detach(dm_tbase.thread);
	dm_tbase.started = true;
	return 0;
}

int dm_timer_init(struct dm_timer *t, dm_timer_cb_t cb, void *arg)
{
	int rc;

	if (t == NULL || cb == NULL)
		return -EINVAL;
	pthread_mutex_lock(&dm_tbase.lock);
	rc = dm_timer_start_thread();
	if (rc == 0) {
		if (t->live)		/* re-initialised while live: take it off the list */
			dm_timer_unlink(t);
		t->cb = cb;
		t->arg = arg;
		t->when_ns = 0;
		t->armed = false;
		t->next = NULL;
		t->live = true;
	}
	pthread_mutex_unlock(&dm_tbase.lock);
	return rc;
}

int dm_timer_arm(struct dm_timer *t, uint64_t when_ns)
{
	struct dm_timer **pp;

	if (t == NULL)
		return -EINVAL;
	pthread_mutex_lock(&dm_tbase.lock);
	if (!t->live) {
		pthread_mutex_unlock(&dm_tbase.lock);
		return -EINVAL;
	}
	dm_timer_unlink(t);
	t->when_ns = when_ns;
	/* Equal deadlines keep arming order: insert after them. */
	for (pp = &dm_tbase.head; *pp != NULL && (*pp)->when_ns <= when_ns; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	t->armed = true;
	if (dm_tbase.head == t)
		pthread_cond_signal(&dm_tbase.wake);
	pthread_mutex_unlock(&dm_tbase.lock);
	return 0;
}

int dm_timer_cancel(struct dm_timer *t)
{
	int rc = 0;

	if (t == NULL)
		return -EINVAL;
	pthread_mutex_lock(&dm_tbase.lock);
	if (t->live)
		dm_timer_unlink(t);
	else
		rc = -EINVAL;
	pthread_mutex_unlock(&dm_tbase.lock);
	return rc;
}

bool dm_timer_is_armed(struct dm_timer *t)
{
	bool armed;

	pthread_mutex_lock(&dm_tbase.lock);
	armed = t->live && t->armed;
	pthread_mutex_unlock(&dm_tbase.lock);
	return armed;
}

void dm_timer_deinit(struct dm_timer *t)
{
	if (t == NULL)
		return;
	pthread_mutex_lock(&dm_tbase.lock);
	if (t->live) {
		dm_timer_unlink(t);
		t->live = false;
		/* From inside its own callback the caller is the running callback. */
		while (dm_tbase.running == t && !pthread_equal(pthread_self(), dm_tbase.thread))
			pthread_cond_wait(&dm_tbase.idle, &dm_tbase.lock);
	}
	pthread_mutex_unlock(&dm_tbase.lock);
}

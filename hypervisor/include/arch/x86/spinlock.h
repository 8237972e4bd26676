/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file spinlock.h
 * Ticket spinlocks.  The hypervisor runs with interrupts disabled in VMX root,
 * so no irqsave variants are needed yet.
 */
#ifndef ARCH_X86_SPINLOCK_H
#define ARCH_X86_SPINLOCK_H

#include <stdint.h>
#include <arch/x86/cpu.h>

typedef struct {
	volatile uint32_t next;
	volatile uint32_t owner;
} spinlock_t;

#define SPINLOCK_INIT	{ 0, 0 }

static inline void spin_lock(spinlock_t *l)
{
	uint32_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_ACQUIRE);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
		cpu_relax();
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

#endif /* ARCH_X86_SPINLOCK_H */

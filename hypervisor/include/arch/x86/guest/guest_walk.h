/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file guest_walk.h
 * Guest linear → guest-physical translation by walking the guest's own page
 * tables (SDM Vol. 3 §4.3 32-bit, §4.4 PAE, §4.5 4- and 5-level paging).
 *
 * Used to fetch the instruction that caused an EPT violation, whose linear
 * RIP the exit reports but whose physical location it does not.  Pure: guest
 * memory is read only through the callback, so the walker is unit-tested on
 * the host.  Permissions are not checked: the walk serves an access the
 * processor has already translated and allowed.
 */
#ifndef ARCH_X86_GUEST_GUEST_WALK_H
#define ARCH_X86_GUEST_GUEST_WALK_H

#include <stdint.h>

/** The paging state of a vCPU, as the guest sees it. */
struct guest_paging {
	uint64_t cr0, cr3, cr4, efer;
};

/**
 * Read @p size (4 or 8) bytes of guest-physical memory at @p gpa into *val
 * (zero-extended).  @return 0 or a negative errno.
 */
typedef int (*guest_walk_read_fn)(void *ctx, uint64_t gpa, unsigned size, uint64_t *val);

/**
 * Translate @p gla.
 * @return 0 and *gpa; -EFAULT if an entry on the way is not present or
 *         has reserved bits the walker relies on; or the callback's error.
 */
int guest_walk(const struct guest_paging *pg, uint64_t gla, uint64_t *gpa,
	       guest_walk_read_fn read, void *ctx);

#endif /* ARCH_X86_GUEST_GUEST_WALK_H */

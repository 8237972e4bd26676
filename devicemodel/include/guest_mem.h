/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file guest_mem.h
 * Guest RAM: lowmem below the PCI hole, highmem above 4 GiB, and
 * vm_map_gpa(), the one way devices reach guest memory.
 */
#ifndef DM_GUEST_MEM_H
#define DM_GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>

struct vmctx;

#define DM_LOWMEM_LIMIT		0x80000000ULL	/**< PCI hole is [2 GiB, 4 GiB) */
#define DM_HIGHMEM_BASE		0x100000000ULL	/**< RAM above the hole starts at 4 GiB */

/**
 * Allocate @p size bytes of guest RAM (hugetlbfs if huge pages are reserved,
 * else anonymous memory with a one-line notice) and map it through the back-end.
 * @return 0 or a negative errno
 */
int guest_mem_setup(struct vmctx *ctx, uint64_t size);

/** Unmap guest memory from the back-end and release it. */
void guest_mem_teardown(struct vmctx *ctx);

/**
 * Host address of guest physical range [@p gpa, @p gpa + @p len).
 * @return a pointer only if the whole range (len >= 1) lies in one RAM region
 *         (overflow-checked), else NULL
 */
void *vm_map_gpa(struct vmctx *ctx, uint64_t gpa, size_t len);

#endif /* DM_GUEST_MEM_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file page_alloc.h
 * The hypervisor's page allocator: 4 KiB pages from a pool inside the
 * hypervisor image (so the Service VM's e820 reserves one contiguous range).
 */
#ifndef COMMON_PAGE_ALLOC_H
#define COMMON_PAGE_ALLOC_H

#include <stdint.h>
#include <stddef.h>

#define HV_POOL_SIZE	(32UL * 1024 * 1024)

/** Set up the pool; call once on the BSP before any allocation. */
void page_alloc_init(void);

/** One zeroed 4 KiB page, or NULL when the pool is exhausted. */
void *page_alloc(void);

/** Return a page obtained from page_alloc(); NULL is ignored. */
void page_free(void *page);

/** Free and total pages, for the shell's mem_stats. */
void page_alloc_stats(size_t *free_pages, size_t *total_pages);

/** Physical <-> virtual: the hypervisor is identity-mapped. */
static inline uint64_t hva2hpa(const void *va)
{
	return (uint64_t)(uintptr_t)va;
}

static inline void *hpa2hva(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

#endif /* COMMON_PAGE_ALLOC_H */

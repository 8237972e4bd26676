/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file pgt_test_mem.h
 * Host page allocator for the pgtable unit tests and fuzz target.
 *
 * Pages come from one arena and get fake physical addresses far from their
 * host addresses (bits 51..44 set), so a library that dereferences a
 * physical address, or stores a virtual one in an entry, fails at once.
 * phys_to_virt() aborts on an address that is not a live page, and free
 * pages are poisoned for AddressSanitizer, so a use after free is reported.
 * The allocator counts live pages and can fail the Nth allocation.
 */
#ifndef PGT_TEST_MEM_H
#define PGT_TEST_MEM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/asan_interface.h>
#include <lib/pgtable.h>

#define PGT_TEST_MAX_PAGES	4096U
#define PGT_TEST_PA_BASE	0x000ff00000000000ULL

/** Allocator state, one per table under test. */
struct pgt_test_mem {
	uint8_t *arena;			/**< PGT_TEST_MAX_PAGES pages */
	bool used[PGT_TEST_MAX_PAGES];	/**< slot is allocated */
	unsigned int free_stack[PGT_TEST_MAX_PAGES];
	unsigned int nfree;		/**< entries in free_stack */
	unsigned int live;		/**< pages currently allocated */
	unsigned long allocs;		/**< successful + failed alloc calls */
	unsigned long fail_at;		/**< fail call number fail_at (1-based); 0: never */
	bool fail_after;		/**< also fail every call after fail_at */
};

static inline void pgt_test_die(const char *why, uint64_t val)
{
	fprintf(stderr, "pgt_test_mem: %s 0x%llx\n", why, (unsigned long long)val);
	abort();
}

/* Forget every page (all must have been freed); keeps the arena. */
static inline void pgt_test_mem_reset(struct pgt_test_mem *m)
{
	uint8_t *arena = m->arena;
	unsigned int i;

	memset(m, 0, sizeof(*m));
	m->arena = arena;
	ASAN_POISON_MEMORY_REGION(m->arena, (size_t)PGT_TEST_MAX_PAGES * 4096U);
	/* Hand out low slots first, so the stack pops slot 0 first. */
	for (i = 0; i < PGT_TEST_MAX_PAGES; i++)
		m->free_stack[i] = PGT_TEST_MAX_PAGES - 1U - i;
	m->nfree = PGT_TEST_MAX_PAGES;
}

static inline void pgt_test_mem_init(struct pgt_test_mem *m)
{
	m->arena = aligned_alloc(4096, (size_t)PGT_TEST_MAX_PAGES * 4096U);
	if (m->arena == NULL)
		pgt_test_die("no arena", 0);
	pgt_test_mem_reset(m);
}

static inline void pgt_test_mem_fini(struct pgt_test_mem *m)
{
	if (m->arena == NULL)
		return;
	ASAN_UNPOISON_MEMORY_REGION(m->arena, (size_t)PGT_TEST_MAX_PAGES * 4096U);
	free(m->arena);
	m->arena = NULL;
}

static inline void *pgt_test_alloc(void *ctx)
{
	struct pgt_test_mem *m = ctx;
	unsigned int slot;
	void *p;

	m->allocs++;
	if (m->fail_at != 0 && (m->allocs == m->fail_at ||
				(m->fail_after && m->allocs > m->fail_at)))
		return NULL;
	if (m->nfree == 0)
		return NULL;
	slot = m->free_stack[--m->nfree];
	p = m->arena + (size_t)slot * 4096U;
	ASAN_UNPOISON_MEMORY_REGION(p, 4096);
	memset(p, 0, 4096);
	m->used[slot] = true;
	m->live++;
	return p;
}

static inline unsigned int pgt_test_slot(struct pgt_test_mem *m, const void *va)
{
	uintptr_t off = (uintptr_t)va - (uintptr_t)m->arena;
	unsigned int slot = (unsigned int)(off / 4096U);

	if ((uintptr_t)va < (uintptr_t)m->arena || off % 4096U != 0 ||
	    off / 4096U >= PGT_TEST_MAX_PAGES || !m->used[slot])
		pgt_test_die("not a live page", (uint64_t)(uintptr_t)va);
	return slot;
}

static inline void pgt_test_free(void *ctx, void *page)
{
	struct pgt_test_mem *m = ctx;
	unsigned int slot = pgt_test_slot(m, page);

	memset(page, 0xa5, 4096);
	ASAN_POISON_MEMORY_REGION(page, 4096);
	m->used[slot] = false;
	m->free_stack[m->nfree++] = slot;
	m->live--;
}

static inline uint64_t pgt_test_v2p(void *ctx, const void *va)
{
	return PGT_TEST_PA_BASE + (uint64_t)pgt_test_slot(ctx, va) * 4096U;
}

static inline void *pgt_test_p2v(void *ctx, uint64_t pa)
{
	struct pgt_test_mem *m = ctx;
	uint64_t slot = (pa - PGT_TEST_PA_BASE) / 4096U;

	if (pa < PGT_TEST_PA_BASE || (pa & 4095U) != 0 || slot >= PGT_TEST_MAX_PAGES ||
	    !m->used[slot])
		pgt_test_die("bad table pa", pa);
	return m->arena + slot * 4096U;
}

static const struct pgtable_ops pgt_test_ops = {
	.alloc_page = pgt_test_alloc,
	.free_page = pgt_test_free,
	.virt_to_phys = pgt_test_v2p,
	.phys_to_virt = pgt_test_p2v,
};

#endif /* PGT_TEST_MEM_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for hypervisor/lib/pgtable.c.  Entry bit values are written
 * out here from the SDM / VT-d spec, independently of the library's tables.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <lib/errno.h>
#include <lib/pgtable.h>
#include "pgt_test_mem.h"

#define K4 0x1000ULL
#define M2 0x200000ULL
#define G1 0x40000000ULL
#define ADDR_MASK 0x000ffffffffff000ULL

struct fixture {
	struct pgt_test_mem mem;
	struct pgtable pt;
};

static struct fixture *fx_new(enum pgtable_format fmt, bool allow_1g)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	pgt_test_mem_init(&f->mem);
	assert_int_equal(pgtable_init(&f->pt, fmt, &pgt_test_ops, &f->mem, allow_1g), 0);
	assert_int_equal(f->mem.live, 1);
	return f;
}

/* Destroy must give back every page, the root included. */
static void fx_free(struct fixture *f)
{
	pgtable_destroy(&f->pt);
	assert_int_equal(f->mem.live, 0);
	pgtable_destroy(&f->pt);	/* second call is a no-op */
	assert_int_equal(f->mem.live, 0);
	pgt_test_mem_fini(&f->mem);
	free(f);
}

static void expect_map(struct fixture *f, uint64_t va, uint64_t pa, uint32_t prot,
		       uint64_t size)
{
	uint64_t qpa = 0, qsz = 0;
	uint32_t qprot = 0;

	assert_int_equal(pgtable_query(&f->pt, va, &qpa, &qprot, &qsz), 0);
	assert_int_equal(qpa, pa);
	assert_int_equal(qprot, prot);
	assert_int_equal(qsz, size);
}

static void expect_unmapped(struct fixture *f, uint64_t va)
{
	uint64_t qpa;

	assert_int_equal(pgtable_query(&f->pt, va, &qpa, NULL, NULL), -ENOENT);
}

/* Raw entry for va at level (4 = PML4 ... 1 = PT), following table pointers. */
static uint64_t raw_entry(struct fixture *f, uint64_t va, unsigned int level)
{
	uint64_t *table = pgt_test_p2v(&f->mem, pgtable_root_pa(&f->pt));
	unsigned int l;

	for (l = 4; l > level; l--)
		table = pgt_test_p2v(&f->mem, table[(va >> (12 + 9 * (l - 1))) & 511] & ADDR_MASK);
	return table[(va >> (12 + 9 * (level - 1))) & 511];
}

static uint64_t *raw_slot(struct fixture *f, uint64_t va, unsigned int level)
{
	uint64_t *table = pgt_test_p2v(&f->mem, pgtable_root_pa(&f->pt));
	unsigned int l;

	for (l = 4; l > level; l--)
		table = pgt_test_p2v(&f->mem, table[(va >> (12 + 9 * (l - 1))) & 511] & ADDR_MASK);
	return &table[(va >> (12 + 9 * (level - 1))) & 511];
}

static const enum pgtable_format all_fmts[] = { PGT_FMT_EPT, PGT_FMT_IA32E, PGT_FMT_VTD };

/* ---- round trips --------------------------------------------------------- */

static void test_map_query_roundtrip_every_size_every_format(void **state)
{
	unsigned int i;

	for (i = 0; i < 3; i++) {
		struct fixture *f = fx_new(all_fmts[i], true);
		uint32_t prot = PGT_R | PGT_W;
		uint64_t off;

		assert_int_equal(pgtable_map(&f->pt, 0x1000, 0x7654321000ULL, K4, prot), 0);
		assert_int_equal(pgtable_map(&f->pt, 0x40200000ULL, 0x1234600000ULL, M2,
					     prot | PGT_LARGE_OK), 0);
		assert_int_equal(pgtable_map(&f->pt, 0x8000000000ULL, 0x000fffc0000000ULL, G1,
					     prot | PGT_LARGE_OK), 0);
		for (off = 0; off < K4; off += 0x7ff)
			expect_map(f, 0x1000 + off, 0x7654321000ULL + off, prot, K4);
		for (off = 0; off < M2; off += 0x3ffff)
			expect_map(f, 0x40200000ULL + off, 0x1234600000ULL + off, prot, M2);
		for (off = 0; off < G1; off += 0x3ffffff)
			expect_map(f, 0x8000000000ULL + off, 0x000fffc0000000ULL + off, prot, G1);
		expect_map(f, 0x8000000000ULL + G1 - 1, 0x000fffc0000000ULL + G1 - 1, prot, G1);
		expect_unmapped(f, 0);
		expect_unmapped(f, 0x2000);
		expect_unmapped(f, 0x40200000ULL + M2);
		expect_unmapped(f, 0x8000000000ULL + G1);
		expect_unmapped(f, 0xffffffffffffULL);
		fx_free(f);
	}
}

static void test_query_outputs_are_optional_and_va_range_checked(void **state)
{
	struct fixture *f = fx_new(PGT_FMT_EPT, false);
	uint64_t sz = 0;

	assert_int_equal(pgtable_map(&f->pt, 0x5000, 0x9000, K4, PGT_R), 0);
	assert_int_equal(pgtable_query(&f->pt, 0x5123, NULL, NULL, NULL), 0);
	assert_int_equal(pgtable_query(&f->pt, 1ULL << 48, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(pgtable_query(NULL, 0x5000, NULL, NULL, NULL), -EINVAL);
	/* -ENOENT reports the size of the empty aligned block around va */
	assert_int_equal(pgtable_query(&f->pt, 0x6000, NULL, NULL, &sz), -ENOENT);
	assert_int_equal(sz, K4);
	assert_int_equal(pgtable_query(&f->pt, M2 + 5, NULL, NULL, &sz), -ENOENT);
	assert_int_equal(sz, M2);
	assert_int_equal(pgtable_query(&f->pt, G1, NULL, NULL, &sz), -ENOENT);
	assert_int_equal(sz, G1);
	assert_int_equal(pgtable_query(&f->pt, 512 * G1, NULL, NULL, &sz), -ENOENT);
	assert_int_equal(sz, 512 * G1);
	fx_free(f);
}

static void test_prot_bits_roundtrip_per_format(void **state)
{
	struct fixture *e = fx_new(PGT_FMT_EPT, false);
	struct fixture *a = fx_new(PGT_FMT_IA32E, false);
	struct fixture *v = fx_new(PGT_FMT_VTD, false);
	static const uint32_t mts[] = { PGT_MT_UC, PGT_MT_WC, PGT_MT_WT, PGT_MT_WP, PGT_MT_WB };
	unsigned int i;

	for (i = 0; i < 5; i++) {
		uint64_t va = 0x100000ULL * (i + 1);

		assert_int_equal(pgtable_map(&e->pt, va, va, K4, PGT_R | PGT_X | mts[i] |
					     PGT_IGNORE_PAT), 0);
		expect_map(e, va, va, PGT_R | PGT_X | mts[i] | PGT_IGNORE_PAT, K4);
		/* Small and large leaves keep the PAT bit in different places. */
		assert_int_equal(pgtable_map(&a->pt, va, va, K4, PGT_R | PGT_U | mts[i]), 0);
		expect_map(a, va, va, PGT_R | PGT_U | mts[i], K4);
		assert_int_equal(pgtable_map(&a->pt, G1 + va * 32, 0, M2,
					     PGT_R | PGT_W | PGT_X | PGT_GLOBAL | mts[i] | PGT_LARGE_OK), 0);
		expect_map(a, G1 + va * 32, 0, PGT_R | PGT_W | PGT_X | PGT_GLOBAL | mts[i], M2);
	}
	/* Execute-only EPT is expressible (the CPU may or may not support it). */
	assert_int_equal(pgtable_map(&e->pt, 0, 0, K4, PGT_X | PGT_MT_WB), 0);
	expect_map(e, 0, 0, PGT_X | PGT_MT_WB, K4);
	/* Bits a format cannot express are dropped, not stored. */
	assert_int_equal(pgtable_map(&e->pt, 0x1000, 0, K4, PGT_R | PGT_U | PGT_SNOOP | PGT_GLOBAL), 0);
	expect_map(e, 0x1000, 0, PGT_R, K4);
	assert_int_equal(pgtable_map(&v->pt, 0x1000, 0, K4, PGT_R | PGT_W | PGT_X | PGT_MT_WB |
				     PGT_SNOOP | PGT_U), 0);
	expect_map(v, 0x1000, 0, PGT_R | PGT_W | PGT_SNOOP, K4);
	assert_int_equal(pgtable_map(&v->pt, 0x2000, 0, K4, PGT_W), 0);
	expect_map(v, 0x2000, 0, PGT_W, K4);
	fx_free(e);
	fx_free(a);
	fx_free(v);
}

/* ---- leaf-size selection ------------------------------------------------- */

static void test_large_leaves_only_with_large_ok(void **state)
{
	struct fixture *f = fx_new(PGT_FMT_EPT, true);

	assert_int_equal(pgtable_map(&f->pt, G1, G1, G1, PGT_R), 0);
	expect_map(f, G1 + 0x12345000ULL, G1 + 0x12345000ULL, PGT_R, K4);
	/* root + PDPT + PD + 512 PTs */
	assert_int_equal(f->mem.live, 1 + 1 + 1 + 512);
	fx_free(f);
}

static void test_1g_leaf_only_when_allowed(void **state)
{
	struct fixture *f = fx_new(PGT_FMT_EPT, false);

	assert_int_equal(pgtable_map(&f->pt, G1, 0, G1, PGT_R | PGT_LARGE_OK), 0);
	expect_map(f, G1 + 0x12345678ULL, 0x12345678ULL, PGT_R, M2);
	assert_int_equal(f->mem.live, 1 + 1 + 1);	/* root, PDPT, one PD of 2M leaves */
	fx_free(f);

	f = fx_new(PGT_FMT_EPT, true);
	assert_int_equal(pgtable_map(&f->pt, G1, 0, G1, PGT_R | PGT_LARGE_OK), 0);
	expect_map(f, G1 + 0x12345678ULL, 0x12345678ULL, PGT_R, G1);
	assert_int_equal(f->mem.live, 1 + 1);
	/* 1G leaves need 2M allowed too (a split 1G leaf is made of 2M ones) */
	pgtable_set_leaf_sizes(&f->pt, false, true);
	assert_int_equal(pgtable_map(&f->pt, 2 * G1, 0, G1, PGT_R | PGT_LARGE_OK), 0);
	expect_map(f, 2 * G1 + 0x12345678ULL, 0x12345678ULL, PGT_R, K4);
	assert_int_equal(pgtable_unmap(&f->pt, 2 * G1, G1), 0);
	/* pgtable_set_leaf_sizes() can turn both sizes off. */
	pgtable_set_leaf_sizes(&f->pt, false, false);
	assert_int_equal(pgtable_map(&f->pt, 0, 0, M2, PGT_R | PGT_LARGE_OK), 0);
	expect_map(f, 0x1000, 0x1000, PGT_R, K4);
	fx_free(f);
}

static void test_large_leaf_needs_aligned_va_and_pa(void **state)
{
	struct fixture *f = fx_new(PGT_FMT_IA32E, true);

	/* va aligned, pa only 4K aligned: 4K leaves */
	assert_int_equal(pgtable_map(&f->pt, M2, 0x301000, M2, PGT_R | PGT_LARGE_OK), 0);
	expect_map(f, M2, 0x301000, PGT_R, K4);
	expect_map(f, 2 * M2 - K4, 0x301000 + M2 - K4, PGT_R, K4);
	/* unaligned head and tail around one aligned 2M: 4K + 2M + 4K */
	assert_int_equal(pgtable_map(&f->pt, 4 * M2 - K4, 4 * M2 - K4, M2 + 2 * K4,
				     PGT_R | PGT_LARGE_OK), 0);
	expect_map(f, 4 * M2 - K4, 4 * M2 - K4, PGT_R, K4);
	expect_map(f, 4 * M2, 4 * M2, PGT_R, M2);
	expect_map(f, 5 * M2, 5 * M2, PGT_R, K4);
	expect_unmapped(f, 5 * M2 + K4);
	expect_unmapped(f, 4 * M2 - 2 * K4);
	/* 1G + 2M + 4K, all aligned: one of each */
	assert_int_equal(pgtable_map(&f->pt, 4 * G1, 8 * G1, G1 + M2 + K4,
				     PGT_R | PGT_LARGE_OK), 0);
	expect_map(f, 4 * G1, 8 * G1, PGT_R, G1);
	expect_map(f, 5 * G1, 9 * G1, PGT_R, M2);
	expect_map(f, 5 * G1 + M2, 9 * G1 + M2, PGT_R, K4);
	fx_free(f);
}

/* ---- splitting ------------------------------------------------------------ */

static void test_protect_one_4k_splits_2m_and_keeps_other_511(void **state)
{
	unsigned int i, k;

	for (k = 0; k < 3; k++) {
		struct fixture *f = fx_new(all_fmts[k], false);
		uint64_t va = 0x7fe00000ULL, pa = 0x3c00000ULL;
		uint32_t rw = PGT_R | PGT_W;

		assert_int_equal(pgtable_map(&f->pt, va, pa, M2, rw | PGT_LARGE_OK), 0);
		expect_map(f, va, pa, rw, M2);
		assert_int_equal(f->mem.live, 3);
		assert_int_equal(pgtable_protect(&f->pt, va + 77 * K4, K4, PGT_R), 0);
		assert_int_equal(f->mem.live, 4);	/* the new PT */
		for (i = 0; i < 512; i++)
			expect_map(f, va + i * K4 + 5, pa + i * K4 + 5, i == 77 ? PGT_R : rw, K4);
		fx_free(f);
	}
}

static void test_unmap_4k_inside_1g_splits_down_to_2m_and_4k(void **state)
{
	struct fixture *f = fx_new(PGT_FMT_EPT, true);
	uint64_t hole = 3 * G1 + 5 * M2 + 9 * K4;
	uint32_t p = PGT_R | PGT_W | PGT_X | PGT_MT_WB;
	unsigned int i;

	assert_int_equal(pgtable_map(&f->pt, 3 * G1, G1, G1, p | PGT_LARGE_OK), 0);
	assert_int_equal(f->mem.live, 2);
	assert_int_equal(pgtable_unmap(&f->pt, hole, K4), 0);
	assert_int_equal(f->mem.live, 4);	/* + PD + PT */
	expect_unmapped(f, hole);
	for (i = 0; i < 512; i++) {
		if (i != 5)
			expect_map(f, 3 * G1 + i * M2, G1 + i * M2, p, M2);
		else
			expect_map(f, 3 * G1 + 5 * M2, G1 + 5 * M2, p, K4);
	}
	for (i = 0; i < 512; i++) {
		if (i != 9)
			expect_map(f, 3 * G1 + 5 * M2 + i * K4, G1 + 5 * M2 + i * K4, p, K4);
	}
	fx_free(f);
}

static void test_split_keeps_accessed_dirty_bits(void **state)
{
	struct fixture *f = fx_new(PGT_FMT_EPT, false);
	uint64_t *slot;

	assert_int_equal(pgtable_map(&f->pt, 0, 0, M2, PGT_R | PGT_W | PGT_LARGE_OK), 0);
	slot = raw_slot(f, 0, 2);
	*slot |= (1ULL << 8) | (1ULL << 9);	/* what the CPU would set */
	assert_int_equal(pgtable_protect(&f->pt, K4, K4, PGT_R), 0);
	assert_int_equal(raw_entry(f, 0, 1), 0x0ULL | 0x3 | (1ULL << 8) | (1ULL << 9));
	assert_int_equal(raw_entry(f, K4, 1), K4 | 0x1 | (1ULL << 8) | (1ULL << 9));
	/* protect of a whole leaf keeps them too */
	assert_int_equal(pgtable_protect(&f->pt, 0, K4, PGT_R | PGT_X), 0);
	assert_int_equal(raw_entry(f, 0, 1), 0x5 | (1ULL << 8) | (1ULL << 9));
	fx_free(f);
}

/* ---- merging ---------------------------------------------------------------- */

static void test_protect_back_with_large_ok_merges_split_leaf(void **state)
{
	struct fixture *f = fx_new(PGT_FMT_EPT, false);
	uint32_t rw = PGT_R | PGT_W | PGT_MT_WB;

	assert_int_equal(pgtable_map(&f->pt, M2, 0, M2, rw | PGT_LARGE_OK), 0);
	assert_int_equal(pgtable_protect(&f->pt, M2 + 9 * K4, K4, PGT_R | PGT_MT_WB), 0);
	assert_int_equal(f->mem.live, 4);
	/* without PGT_LARGE_OK the table stays split */
	assert_int_equal(pgtable_protect(&f->pt, M2 + 9 * K4, K4, rw), 0);
	assert_int_equal(f->mem.live, 4);
	expect_map(f, M2 + 9 * K4, 9 * K4, rw, K4);
	/* with it, the uniform table folds back into one 2M leaf */
	assert_int_equal(pgtable_protect(&f->pt, M2 + 9 * K4, K4, rw | PGT_LARGE_OK), 0);
	assert_int_equal(f->mem.live, 3);
	expect_map(f, M2 + 9 * K4, 9 * K4, rw, M2);
	fx_free(f);
}

static void test_map_pieces_with_large_ok_merge_up_to_1g(void **state)
{
	struct fixture *f = fx_new(PGT_FMT_IA32E, true);
	uint32_t p = PGT_R | PGT_X | PGT_MT_WC | PGT_LARGE_OK;
	unsigned int i;

	/* 511 2M leaves, then the last 2M as 512 4K pieces */
	for (i = 0; i < 511; i++)
		assert_int_equal(pgtable_map(&f->pt, G1 + i * M2, 2 * G1 + i * M2, M2, p), 0);
	assert_int_equal(f->mem.live, 3);
	for (i = 0; i < 511; i++)
		assert_int_equal(pgtable_map(&f->pt, 2 * G1 - M2 + i * K4,
					     3 * G1 - M2 + i * K4, K4, p), 0);
	assert_int_equal(f->mem.live, 4);
	expect_map(f, 2 * G1 - M2, 3 * G1 - M2, p & ~PGT_LARGE_OK, K4);
	/* the last page makes the PT uniform (-> 2M), then the PD (-> 1G) */
	assert_int_equal(pgtable_map(&f->pt, 2 * G1 - K4, 3 * G1 - K4, K4, p), 0);
	assert_int_equal(f->mem.live, 2);
	expect_map(f, G1 + 0x1234567, 2 * G1 + 0x1234567, p & ~PGT_LARGE_OK, G1);
	fx_free(f);
}

static void test_no_merge_when_not_contiguous_or_prot_differs(void **state)
{
	struct fixture *f = fx_new(PGT_FMT_VTD, false);
	unsigned int i;

	/* contiguous but the base is not 2M aligned */
	for (i = 0; i < 512; i++)
		assert_int_equal(pgtable_map(&f->pt, i * K4, K4 + i * K4, K4,
					     PGT_R | PGT_LARGE_OK), 0);
	expect_map(f, 0, K4, PGT_R, K4);
	/* aligned, one page out of order */
	for (i = 0; i < 512; i++)
		assert_int_equal(pgtable_map(&f->pt, M2 + i * K4, (i == 7 ? 8 : i == 8 ? 7 : i) * K4,
					     K4, PGT_R | PGT_LARGE_OK), 0);
	expect_map(f, M2, 0, PGT_R, K4);
	/* aligned and contiguous, one page with another prot */
	for (i = 0; i < 512; i++)
		assert_int_equal(pgtable_map(&f->pt, 2 * M2 + i * K4, i * K4, K4,
					     (i == 100 ? PGT_W : PGT_R) | PGT_LARGE_OK), 0);
	expect_map(f, 2 * M2, 0, PGT_R, K4);
	assert_int_equal(f->mem.live, 1 + 1 + 1 + 3);
	fx_free(f);
}

static void test_merge_keeps_accessed_dirty_bits(void **state)
{
	struct fixture *f = fx_new(PGT_FMT_EPT, false);

	assert_int_equal(pgtable_map(&f->pt, 0, 0, M2, PGT_R | PGT_W | PGT_LARGE_OK), 0);
	assert_int_equal(pgtable_protect(&f->pt, 0, K4, PGT_R), 0);
	*raw_slot(f, 5 * K4, 1) |= 1ULL << 9;	/* the CPU dirtied one page */
	assert_int_equal(pgtable_protect(&f->pt, 0, K4, PGT_R | PGT_W | PGT_LARGE_OK), 0);
	assert_int_equal(raw_entry(f, 0, 2), 0x3 | (1ULL << 7) | (1ULL << 9));
	fx_free(f);
}

/* ---- unmap ------------------------------------------------------------------ */

static void test_unmap_frees_tables_back_to_baseline(void **state)
{
	struct fixture *f = fx_new(PGT_FMT_IA32E, true);

	assert_int_equal(pgtable_map(&f->pt, 0, 0, 3 * M2, PGT_R), 0);
	assert_int_equal(pgtable_map(&f->pt, 0x7f0000000000ULL, 0, 5 * K4, PGT_R), 0);
	assert_int_equal(pgtable_map(&f->pt, 7 * G1 - K4, G1 - K4, G1 + 2 * K4, PGT_R | PGT_LARGE_OK), 0);
	assert_true(f->mem.live > 8);
	/* piecewise, in odd chunks */
	assert_int_equal(pgtable_unmap(&f->pt, K4, 3 * M2 - K4), 0);
	assert_int_equal(pgtable_unmap(&f->pt, 0, K4), 0);
	assert_int_equal(pgtable_unmap(&f->pt, 0x7f0000000000ULL, 5 * K4), 0);
	assert_int_equal(pgtable_unmap(&f->pt, 6 * G1, 3 * G1), 0);
	assert_int_equal(f->mem.live, 1);
	expect_unmapped(f, 0);
	expect_unmapped(f, 7 * G1);
	fx_free(f);
}

static void test_unmap_of_nothing_is_ok_and_allocates_nothing(void **state)
{
	struct fixture *f = fx_new(PGT_FMT_VTD, true);
	unsigned long allocs = f->mem.allocs;

	assert_int_equal(pgtable_unmap(&f->pt, 0, 1ULL << 48), 0);
	assert_int_equal(pgtable_map(&f->pt, G1, 0, K4, PGT_R), 0);
	assert_int_equal(pgtable_unmap(&f->pt, G1 + K4, M2), 0);
	expect_map(f, G1, 0, PGT_R, K4);
	assert_int_equal(f->mem.allocs, allocs + 3);
	assert_int_equal(pgtable_unmap(&f->pt, 0, 1ULL << 48), 0);
	assert_int_equal(f->mem.live, 1);
	fx_free(f);
}

/* ---- remapping -------------------------------------------------------------- */

static void test_overlapping_remap_replaces_only_the_overlap(void **state)
{
	struct fixture *f = fx_new(PGT_FMT_EPT, false);
	unsigned int i;

	assert_int_equal(pgtable_map(&f->pt, 0x100000, 0x5000000, 64 * K4, PGT_R), 0);
	assert_int_equal(pgtable_map(&f->pt, 0x120000, 0x9000000, 64 * K4, PGT_R | PGT_W), 0);
	for (i = 0; i < 96; i++) {
		uint64_t va = 0x100000 + i * K4;

		if (i < 32)
			expect_map(f, va, 0x5000000 + i * K4, PGT_R, K4);
		else
			expect_map(f, va, 0x9000000 + (i - 32) * K4, PGT_R | PGT_W, K4);
	}
	fx_free(f);
}

static void test_large_remap_over_4k_table_frees_the_table(void **state)
{
	struct fixture *f = fx_new(PGT_FMT_EPT, true);

	assert_int_equal(pgtable_map(&f->pt, 0, 0, M2, PGT_R), 0);
	assert_int_equal(f->mem.live, 4);
	assert_int_equal(pgtable_map(&f->pt, 0, 4 * M2, M2, PGT_R | PGT_W | PGT_LARGE_OK), 0);
	assert_int_equal(f->mem.live, 3);
	expect_map(f, 0x1234, 4 * M2 + 0x1234, PGT_R | PGT_W, M2);
	/* and a 1G over a PD full of PTs */
	assert_int_equal(pgtable_map(&f->pt, G1, 0, G1, PGT_R), 0);
	assert_int_equal(f->mem.live, 3 + 1 + 512);
	assert_int_equal(pgtable_map(&f->pt, G1, G1, G1, PGT_R | PGT_LARGE_OK), 0);
	assert_int_equal(f->mem.live, 3);
	expect_map(f, G1 + 0x1234, G1 + 0x1234, PGT_R, G1);
	/* a 4K-aligned remap over a 2M leaf: leaf becomes a full PT */
	assert_int_equal(pgtable_map(&f->pt, 0, 0x1000, M2, PGT_R), 0);
	assert_int_equal(f->mem.live, 4);
	expect_map(f, M2 - K4, M2, PGT_R, K4);
	fx_free(f);
}

/* ---- arguments ------------------------------------------------------------- */

static void test_bad_arguments_are_rejected_without_change(void **state)
{
	struct fixture *f = fx_new(PGT_FMT_EPT, true);
	struct fixture *a = fx_new(PGT_FMT_IA32E, true);
	struct fixture *v = fx_new(PGT_FMT_VTD, true);
	const uint64_t top = 1ULL << 48;
	struct pgtable dead = { 0 };
	struct pgtable_ops noalloc = pgt_test_ops;

	assert_int_equal(pgtable_map(&f->pt, 0x1001, 0, K4, PGT_R), -EINVAL);
	assert_int_equal(pgtable_map(&f->pt, 0x1000, 0x10, K4, PGT_R), -EINVAL);
	assert_int_equal(pgtable_map(&f->pt, 0x1000, 0, 0x800, PGT_R), -EINVAL);
	assert_int_equal(pgtable_map(&f->pt, 0x1000, 0, 0, PGT_R), -EINVAL);
	assert_int_equal(pgtable_map(&f->pt, top - K4, 0, 2 * K4, PGT_R), -EINVAL);
	assert_int_equal(pgtable_map(&f->pt, top, 0, K4, PGT_R), -EINVAL);
	assert_int_equal(pgtable_map(&f->pt, K4, 0, 0xfffffffffffff000ULL, PGT_R), -EINVAL);
	assert_int_equal(pgtable_map(&f->pt, 0, 1ULL << 52, K4, PGT_R), -EINVAL);
	assert_int_equal(pgtable_map(&f->pt, 0, (1ULL << 52) - K4, 2 * K4, PGT_R), -EINVAL);
	assert_int_equal(pgtable_map(&f->pt, 0, 0xfffffffffffff000ULL, 2 * K4, PGT_R), -EINVAL);
	assert_int_equal(pgtable_map(&f->pt, 0, 0, K4, PGT_R | (1U << 20)), -EINVAL);
	assert_int_equal(pgtable_map(&f->pt, 0, 0, K4, PGT_R | (2U << 8)), -EINVAL);
	assert_int_equal(pgtable_map(&f->pt, 0, 0, K4, PGT_R | (3U << 8)), -EINVAL);
	assert_int_equal(pgtable_map(&f->pt, 0, 0, K4, PGT_R | (7U << 8)), -EINVAL);
	assert_int_equal(pgtable_map(&f->pt, 0, 0, K4, PGT_W), -EINVAL);	/* misconfig */
	assert_int_equal(pgtable_map(&f->pt, 0, 0, K4, PGT_W | PGT_X), -EINVAL);
	assert_int_equal(pgtable_map(&f->pt, 0, 0, K4, 0), -EINVAL);
	assert_int_equal(pgtable_map(&f->pt, 0, 0, K4, PGT_MT_WB | PGT_LARGE_OK), -EINVAL);
	assert_int_equal(pgtable_map(&a->pt, 0, 0, K4, PGT_X), -EINVAL);
	assert_int_equal(pgtable_map(&a->pt, 0, 0, K4, PGT_W), -EINVAL);
	assert_int_equal(pgtable_map(&v->pt, 0, 0, K4, PGT_X), -EINVAL);
	assert_int_equal(pgtable_unmap(&f->pt, 0x800, K4), -EINVAL);
	assert_int_equal(pgtable_unmap(&f->pt, 0, 0), -EINVAL);
	assert_int_equal(pgtable_unmap(&f->pt, top - K4, 2 * K4), -EINVAL);
	assert_int_equal(pgtable_protect(&f->pt, 0, K4, PGT_W), -EINVAL);
	assert_int_equal(pgtable_map(&dead, 0, 0, K4, PGT_R), -EINVAL);
	assert_int_equal(pgtable_unmap(NULL, 0, K4), -EINVAL);
	assert_int_equal(f->mem.live, 1);
	assert_int_equal(f->mem.allocs, 1);

	/* init checks its arguments */
	noalloc.alloc_page = NULL;
	assert_int_equal(pgtable_init(&dead, PGT_FMT_EPT, &noalloc, &f->mem, false), -EINVAL);
	assert_int_equal(pgtable_init(&dead, (enum pgtable_format)7, &pgt_test_ops, &f->mem, false),
			 -EINVAL);
	assert_int_equal(pgtable_init(NULL, PGT_FMT_EPT, &pgt_test_ops, &f->mem, false), -EINVAL);
	assert_int_equal(f->mem.live, 1);
	fx_free(f);
	fx_free(a);
	fx_free(v);
}

static void test_protect_over_hole_is_enoent_and_changes_nothing(void **state)
{
	struct fixture *f = fx_new(PGT_FMT_EPT, false);

	assert_int_equal(pgtable_map(&f->pt, 0, 0, M2, PGT_R | PGT_W | PGT_LARGE_OK), 0);
	assert_int_equal(pgtable_map(&f->pt, M2 + K4, M2 + K4, K4, PGT_R | PGT_W), 0);
	/* [0, 2M) mapped, [2M, 2M+4K) hole, [2M+4K, 2M+8K) mapped */
	assert_int_equal(pgtable_protect(&f->pt, K4, M2 + K4, PGT_R), -ENOENT);
	assert_int_equal(f->mem.live, 4);
	expect_map(f, K4, K4, PGT_R | PGT_W, M2);
	expect_map(f, M2 + K4, M2 + K4, PGT_R | PGT_W, K4);
	assert_int_equal(pgtable_protect(&f->pt, 4 * G1, K4, PGT_R), -ENOENT);
	fx_free(f);
}

/* ---- -ENOMEM ----------------------------------------------------------------- */

struct probe {
	int ret;
	uint64_t pa, size;
	uint32_t prot;
};

#define NPROBES 64
static const uint64_t probe_va[NPROBES] = {
	0, K4, 2 * K4, M2 - K4, M2, M2 + K4, 3 * M2, 3 * M2 + 7 * K4,
	G1 - K4, G1, G1 + K4, G1 + M2, G1 + M2 + 5 * K4, 2 * G1 - K4, 2 * G1, 2 * G1 + 0x3000,
	3 * G1 + 17 * M2, 3 * G1 + 17 * M2 + 3 * K4, 4 * G1 - K4, 512 * G1, 512 * G1 + K4,
	513 * G1 + M2, 0x7fffffffe000ULL, 0x7ffffffff000ULL, 0xfffffffff000ULL,
};

static void snapshot(struct fixture *f, struct probe *p)
{
	unsigned int i;

	for (i = 0; i < NPROBES; i++) {
		memset(&p[i], 0, sizeof(p[i]));
		p[i].ret = pgtable_query(&f->pt, probe_va[i], &p[i].pa, &p[i].prot, &p[i].size);
	}
}

/*
 * Digest of every translation in the 48-bit space, walked with query (holes
 * skipped by the size query reports): equal digests mean equal mappings.
 */
static uint64_t walk_digest(struct fixture *f)
{
	uint64_t va = 0, h = 0xcbf29ce484222325ULL;

	while (va < (1ULL << 48)) {
		uint64_t pa = 0, sz = 0, rec[4];
		uint32_t prot = 0;
		int ret = pgtable_query(&f->pt, va, &pa, &prot, &sz);
		unsigned int i;

		assert_true(ret == 0 || ret == -ENOENT);
		assert_true(sz >= K4 && (va & (sz - 1)) == 0);
		rec[0] = va;
		rec[1] = (uint64_t)ret;
		rec[2] = ret == 0 ? pa : 0;
		rec[3] = ((uint64_t)prot << 32) ^ sz;
		for (i = 0; i < 32; i++)
			h = (h ^ ((const uint8_t *)rec)[i]) * 0x100000001b3ULL;
		va += sz;
	}
	return h;
}

typedef int (*mutation_fn)(struct pgtable *pt);

static int mut_map_many_levels(struct pgtable *pt)
{
	return pgtable_map(pt, 512 * G1 - M2 - K4, 0x7000000 - K4, G1 + 2 * M2 + 2 * K4,
			   PGT_R | PGT_W | PGT_LARGE_OK);
}

static int mut_unmap_splitting(struct pgtable *pt)
{
	return pgtable_unmap(pt, G1 + M2 + 5 * K4, K4);
}

static int mut_protect_splitting(struct pgtable *pt)
{
	return pgtable_protect(pt, 3 * G1 + 17 * M2 + 3 * K4, K4, PGT_R);
}

static int mut_map_small_over_large(struct pgtable *pt)
{
	return pgtable_map(pt, 2 * G1 + 0x3000, 0x55000, 3 * K4, PGT_R | PGT_X);
}

static int mut_map_top(struct pgtable *pt)
{
	return pgtable_map(pt, 0x7fffffffe000ULL, 0x10000, 8 * K4, PGT_R);
}

static void build_base(struct pgtable *pt)
{
	assert_int_equal(pgtable_map(pt, 0, 0x100000, 4 * M2, PGT_R | PGT_W | PGT_LARGE_OK), 0);
	assert_int_equal(pgtable_map(pt, G1, 0x40000000, 2 * M2, PGT_R | PGT_LARGE_OK), 0);
	assert_int_equal(pgtable_map(pt, 2 * G1, 0x80000000, G1, PGT_R | PGT_X | PGT_LARGE_OK), 0);
	assert_int_equal(pgtable_map(pt, 3 * G1, 0xc0000000, G1, PGT_R | PGT_W | PGT_LARGE_OK), 0);
}

static void test_enomem_at_every_allocation_leaves_table_unchanged(void **state)
{
	static const mutation_fn muts[] = {
		mut_map_many_levels, mut_unmap_splitting, mut_protect_splitting,
		mut_map_small_over_large, mut_map_top,
	};
	struct probe before[NPROBES], after[NPROBES];
	unsigned int k, m;

	for (k = 0; k < 3; k++) {
		for (m = 0; m < 5; m++) {
			unsigned long n;

			for (n = 1;; n++) {
				struct fixture *f = fx_new(all_fmts[k], true);
				uint64_t digest;
				unsigned int live;
				int ret;

				build_base(&f->pt);
				snapshot(f, before);
				digest = walk_digest(f);
				live = f->mem.live;
				f->mem.fail_at = f->mem.allocs + n;
				ret = muts[m](&f->pt);
				f->mem.fail_at = 0;
				if (ret == 0) {
					/* n is past the last allocation the change needs */
					fx_free(f);
					break;
				}
				assert_int_equal(ret, -ENOMEM);
				snapshot(f, after);
				assert_memory_equal(before, after, sizeof(before));
				assert_int_equal(walk_digest(f), digest);
				assert_int_equal(f->mem.live, live);
				/* the table still works after the failure */
				assert_int_equal(muts[m](&f->pt), 0);
				fx_free(f);
				assert_true(n < 100);
			}
			/* every mutation needs at least one page: n went past 1 */
			assert_true(n > 1);
		}
	}
}

static void test_init_enomem(void **state)
{
	struct pgt_test_mem mem;
	struct pgtable pt;

	pgt_test_mem_init(&mem);
	mem.fail_at = 1;

	assert_int_equal(pgtable_init(&pt, PGT_FMT_EPT, &pgt_test_ops, &mem, true), -ENOMEM);
	assert_int_equal(mem.live, 0);
	pgtable_destroy(&pt);
	assert_int_equal(pgtable_root_pa(&pt), 0);
	pgt_test_mem_fini(&mem);
}

/* ---- raw entry bits ----------------------------------------------------------- */

static void test_eptp_is_wb_walk4_rootpa(void **state)
{
	struct fixture *f = fx_new(PGT_FMT_EPT, false);
	struct fixture *a = fx_new(PGT_FMT_IA32E, false);
	uint64_t root = pgtable_root_pa(&f->pt);

	assert_int_equal(root, pgt_test_v2p(&f->mem, f->pt.root));
	assert_int_equal(root & 0xfff, 0);
	/* SDM 24.6.11: bits 2:0 = 6 (WB), 5:3 = 3 (4-level), 6 = A/D enable */
	assert_int_equal(pgtable_eptp(&f->pt, false), root | 0x1e);
	assert_int_equal(pgtable_eptp(&f->pt, true), root | 0x5e);
	assert_int_equal(pgtable_eptp(&a->pt, false), 0);
	fx_free(f);
	fx_free(a);
}

static void test_ept_entry_bits_match_sdm(void **state)
{
	struct fixture *f = fx_new(PGT_FMT_EPT, true);
	uint64_t pml4e, pdpte, pde;

	assert_int_equal(pgtable_map(&f->pt, 0x1000, 0xabcdef000ULL, K4,
				     PGT_R | PGT_W | PGT_X | PGT_MT_WB | PGT_IGNORE_PAT), 0);
	assert_int_equal(raw_entry(f, 0x1000, 1), 0xabcdef000ULL | 0x7 | (6 << 3) | (1 << 6));
	assert_int_equal(pgtable_map(&f->pt, M2, 0xfedc00000ULL, M2, PGT_R | PGT_MT_UC |
				     PGT_LARGE_OK), 0);
	assert_int_equal(raw_entry(f, M2, 2), 0xfedc00000ULL | 0x1 | (1 << 7));
	assert_int_equal(pgtable_map(&f->pt, G1, 0x000fffffc0000000ULL, G1, PGT_X | PGT_MT_WC |
				     PGT_LARGE_OK), 0);
	assert_int_equal(raw_entry(f, G1, 3), 0x000fffffc0000000ULL | 0x4 | (1 << 3) | (1 << 7));
	assert_int_equal(pgtable_map(&f->pt, 2 * G1, 0x5000, K4, PGT_R | PGT_MT_WT), 0);
	assert_int_equal(raw_entry(f, 2 * G1, 1), 0x5000 | 0x1 | (4 << 3));
	assert_int_equal(pgtable_map(&f->pt, 2 * G1 + K4, 0x6000, K4, PGT_R | PGT_W | PGT_MT_WP), 0);
	assert_int_equal(raw_entry(f, 2 * G1 + K4, 1), 0x6000 | 0x3 | (5 << 3));
	/* non-leaf: RWX all set, address of the next table, nothing else */
	pml4e = raw_entry(f, 0x1000, 4);
	pdpte = raw_entry(f, 0x1000, 3);
	pde = raw_entry(f, 0x1000, 2);
	assert_int_equal(pml4e & ~ADDR_MASK, 0x7);
	assert_int_equal(pdpte & ~ADDR_MASK, 0x7);
	assert_int_equal(pde & ~ADDR_MASK, 0x7);
	assert_true((pml4e & ADDR_MASK) != pgtable_root_pa(&f->pt));
	assert_true((pdpte & ADDR_MASK) != (pml4e & ADDR_MASK));
	fx_free(f);
}

static void test_ia32e_entry_bits_match_sdm(void **state)
{
	struct fixture *f = fx_new(PGT_FMT_IA32E, true);
	const uint64_t nx = 1ULL << 63;

	/* P=1, R/W=1, NX clear, PAT index 0 (WB) */
	assert_int_equal(pgtable_map(&f->pt, 0x1000, 0x123456000ULL, K4,
				     PGT_R | PGT_W | PGT_X | PGT_MT_WB), 0);
	assert_int_equal(raw_entry(f, 0x1000, 1), 0x123456000ULL | 0x3);
	/* read-only, no execute, user, global, UC = PAT index 3 = PCD|PWT */
	assert_int_equal(pgtable_map(&f->pt, 0x2000, 0x2000, K4, PGT_R | PGT_U | PGT_GLOBAL), 0);
	assert_int_equal(raw_entry(f, 0x2000, 1), 0x2000 | nx | 0x1 | 0x4 | 0x8 | 0x10 | 0x100);
	/* WC = PAT index 4: PAT is bit 7 in a PTE */
	assert_int_equal(pgtable_map(&f->pt, 0x3000, 0x3000, K4, PGT_R | PGT_X | PGT_MT_WC), 0);
	assert_int_equal(raw_entry(f, 0x3000, 1), 0x3000 | 0x1 | 0x80);
	/* WP = PAT index 5 in a 2M leaf: PAT bit 12, PS bit 7, PWT */
	assert_int_equal(pgtable_map(&f->pt, M2, 0x40000000, M2,
				     PGT_R | PGT_X | PGT_MT_WP | PGT_LARGE_OK), 0);
	assert_int_equal(raw_entry(f, M2, 2), 0x40000000ULL | 0x1 | 0x80 | 0x1000 | 0x8);
	/* WT = PAT index 1 (PWT) in a 1G leaf */
	assert_int_equal(pgtable_map(&f->pt, G1, 0x80000000ULL, G1,
				     PGT_R | PGT_W | PGT_X | PGT_MT_WT | PGT_LARGE_OK), 0);
	assert_int_equal(raw_entry(f, G1, 3), 0x80000000ULL | 0x3 | 0x80 | 0x8);
	/* query reads the PAT bit back from the right place after a split */
	assert_int_equal(pgtable_protect(&f->pt, M2, K4, PGT_R | PGT_MT_WP), 0);
	assert_int_equal(raw_entry(f, M2 + K4, 1), 0x40001000ULL | 0x1 | 0x80 | 0x8);
	assert_int_equal(raw_entry(f, M2, 1), 0x40000000ULL | nx | 0x1 | 0x80 | 0x8);
	/* non-leaf: P, R/W, U/S */
	assert_int_equal(raw_entry(f, 0x1000, 4) & ~ADDR_MASK, 0x7);
	assert_int_equal(raw_entry(f, 0x1000, 3) & ~ADDR_MASK, 0x7);
	assert_int_equal(raw_entry(f, 0x1000, 2) & ~ADDR_MASK, 0x7);
	assert_int_equal(PGTABLE_IA32E_PAT, 0x0007050100070406ULL);
	fx_free(f);
}

static void test_vtd_entry_bits_match_spec(void **state)
{
	struct fixture *f = fx_new(PGT_FMT_VTD, true);

	assert_int_equal(pgtable_map(&f->pt, 0x1000, 0xfff0000ULL, K4,
				     PGT_R | PGT_W | PGT_X | PGT_MT_WB), 0);
	assert_int_equal(raw_entry(f, 0x1000, 1), 0xfff0000ULL | 0x3);
	assert_int_equal(pgtable_map(&f->pt, 0x2000, 0x2000, K4, PGT_R | PGT_SNOOP), 0);
	assert_int_equal(raw_entry(f, 0x2000, 1), 0x2000 | 0x1 | 0x800);
	assert_int_equal(pgtable_map(&f->pt, M2, M2, M2, PGT_W | PGT_LARGE_OK), 0);
	assert_int_equal(raw_entry(f, M2, 2), M2 | 0x2 | 0x80);
	assert_int_equal(pgtable_map(&f->pt, G1, G1, G1, PGT_R | PGT_LARGE_OK), 0);
	assert_int_equal(raw_entry(f, G1, 3), G1 | 0x1 | 0x80);
	assert_int_equal(raw_entry(f, 0x1000, 4) & ~ADDR_MASK, 0x3);
	assert_int_equal(raw_entry(f, 0x1000, 3) & ~ADDR_MASK, 0x3);
	assert_int_equal(raw_entry(f, 0x1000, 2) & ~ADDR_MASK, 0x3);
	assert_int_equal(pgtable_eptp(&f->pt, false), 0);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_query_roundtrip_every_size_every_format),
		cmocka_unit_test(test_query_outputs_are_optional_and_va_range_checked),
		cmocka_unit_test(test_prot_bits_roundtrip_per_format),
		cmocka_unit_test(test_large_leaves_only_with_large_ok),
		cmocka_unit_test(test_1g_leaf_only_when_allowed),
		cmocka_unit_test(test_large_leaf_needs_aligned_va_and_pa),
		cmocka_unit_test(test_protect_one_4k_splits_2m_and_keeps_other_511),
		cmocka_unit_test(test_unmap_4k_inside_1g_splits_down_to_2m_and_4k),
		cmocka_unit_test(test_split_keeps_accessed_dirty_bits),
		cmocka_unit_test(test_protect_back_with_large_ok_merges_split_leaf),
		cmocka_unit_test(test_map_pieces_with_large_ok_merge_up_to_1g),
		cmocka_unit_test(test_no_merge_when_not_contiguous_or_prot_differs),
		cmocka_unit_test(test_merge_keeps_accessed_dirty_bits),
		cmocka_unit_test(test_unmap_frees_tables_back_to_baseline),
		cmocka_unit_test(test_unmap_of_nothing_is_ok_and_allocates_nothing),
		cmocka_unit_test(test_overlapping_remap_replaces_only_the_overlap),
		cmocka_unit_test(test_large_remap_over_4k_table_frees_the_table),
		cmocka_unit_test(test_bad_arguments_are_rejected_without_change),
		cmocka_unit_test(test_protect_over_hole_is_enoent_and_changes_nothing),
		cmocka_unit_test(test_enomem_at_every_allocation_leaves_table_unchanged),
		cmocka_unit_test(test_init_enomem),
		cmocka_unit_test(test_eptp_is_wb_walk4_rootpa),
		cmocka_unit_test(test_ept_entry_bits_match_sdm),
		cmocka_unit_test(test_ia32e_entry_bits_match_sdm),
		cmocka_unit_test(test_vtd_entry_bits_match_spec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for hypervisor/lib/pgtable.c.
 *
 * Input: one configuration byte (format, window, leaf sizes), then 8-byte
 * operations (map / unmap / protect, optionally with an allocation failure
 * injected).  A reference model keeps one record per 4 KiB page of a VA
 * window; after every operation the whole window is compared with the
 * table through pgtable_query() (leaf by leaf, hole by hole), and nothing
 * may be mapped just outside it.  At the end everything is unmapped (the
 * page count must fall back to the root alone) and destroy must free all.
 *
 * Two windows: "small" is 8 MiB across the 512 GiB boundary (a PML4 entry
 * change, 2 MiB leaves); "large" is [1 GiB - 2 MiB, 2 GiB + 2 MiB), so
 * 1 GiB leaves can appear and be split.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lib/errno.h>
#include <lib/pgtable.h>
#include <lib/util.h>
#include "../../unit/pgtable/pgt_test_mem.h"

#define K4 0x1000ULL
#define M2 0x200000ULL
#define G1 0x40000000ULL

#define SMALL_BASE	(512 * G1 - 2 * M2)
#define SMALL_PAGES	(4 * M2 / K4)	/* 8 MiB: 2048 pages */
#define LARGE_BASE	(G1 - M2)
#define LARGE_PAGES	((G1 + 2 * M2) / K4)
#define MAX_OPS		32
#define MAX_OPS_LARGE	12

/* The checker is not what is being fuzzed: keep its compares out of the feedback. */
#if defined(__clang__)
#define NO_COV __attribute__((no_sanitize("coverage")))
#else
#define NO_COV
#endif

struct page_model {
	uint64_t pa;
	uint32_t prot;		/* 0: not mapped */
};

static struct page_model model[LARGE_PAGES];
static struct pgt_test_mem mem;

struct ctx {
	struct pgtable pt;
	enum pgtable_format fmt;
	uint64_t base;
	uint64_t npages;
	bool allow_2m, allow_1g;
	bool large_seen;	/* some map asked for PGT_LARGE_OK */
};

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "CHECK failed: %s (line %d)\n", #cond, __LINE__); \
		abort(); \
	} \
} while (0)

/* What the API promises each format stores (pgtable.h), written out again. */
static uint32_t fmt_mask(enum pgtable_format fmt)
{
	switch (fmt) {
	case PGT_FMT_EPT:
		return PGT_R | PGT_W | PGT_X | PGT_MT_MASK | PGT_IGNORE_PAT;
	case PGT_FMT_IA32E:
		return PGT_R | PGT_W | PGT_X | PGT_U | PGT_MT_MASK | PGT_GLOBAL;
	default:
		return PGT_R | PGT_W | PGT_SNOOP;
	}
}

static bool prot_valid(enum pgtable_format fmt, uint32_t prot)
{
	uint32_t mt = (prot & PGT_MT_MASK) >> PGT_MT_SHIFT;
	uint32_t p = prot & fmt_mask(fmt);

	if ((prot & ~PGT_PROT_ALL) != 0 || mt == 2 || mt == 3 || mt == 7)
		return false;
	switch (fmt) {
	case PGT_FMT_EPT:
		return (p & (PGT_R | PGT_W | PGT_X)) != 0 && !((p & PGT_W) && !(p & PGT_R));
	case PGT_FMT_IA32E:
		return (p & PGT_R) != 0;
	default:
		return (p & (PGT_R | PGT_W)) != 0;
	}
}

static const uint32_t prot_choice[16] = {
	PGT_R, PGT_R | PGT_W, PGT_R | PGT_X, PGT_R | PGT_W | PGT_X | PGT_MT_WB,
	PGT_X | PGT_MT_WB, PGT_W, PGT_R | PGT_U | PGT_MT_WC, PGT_R | PGT_W | PGT_MT_WT | PGT_GLOBAL,
	PGT_R | PGT_MT_WP | PGT_IGNORE_PAT, PGT_R | PGT_W | PGT_SNOOP, PGT_R | (3U << 8),
	PGT_R | PGT_X | PGT_U | PGT_MT_UC, 0, PGT_R | (1U << 20), PGT_W | PGT_SNOOP,
	PGT_R | PGT_W | PGT_X | PGT_U | PGT_MT_WB | PGT_GLOBAL | PGT_IGNORE_PAT,
};

static const uint64_t pa_delta_choice[8] = {
	0, K4, M2, G1, 3 * G1 + K4, 0x000ffff000000000ULL, 0x000ffffff0000000ULL, 64 * G1 - M2,
};

/*
 * Compare pages [lo, hi) of the window with the model, leaf by leaf and hole
 * by hole (every leaf touching the range is checked in full).
 */
NO_COV static void check_pages(struct ctx *c, uint64_t lo, uint64_t hi)
{
	uint64_t i = lo;
	const uint64_t wend = c->base + c->npages * K4;

	while (i < hi) {
		uint64_t va = c->base + i * K4, pa = 0, sz = 0, start, end, j;
		uint32_t prot = 0;
		int ret = pgtable_query(&c->pt, va + (i & 0xfff), &pa, &prot, &sz);

		CHECK(ret == 0 || ret == -ENOENT);
		CHECK(sz == K4 || sz == M2 || sz == G1 || (ret == -ENOENT && sz == 512 * G1));
		start = va & ~(sz - 1);
		end = start + sz;
		if (ret == 0) {
			/* leaves never reach outside the window the ops touched */
			CHECK(start >= c->base && end <= wend);
			CHECK(sz != M2 || (c->allow_2m && c->large_seen));
			CHECK(sz != G1 || (c->allow_1g && c->large_seen));
			pa -= (i & 0xfff);
		}
		for (j = (MAX(start, c->base) - c->base) / K4; j < (MIN(end, wend) - c->base) / K4; j++) {
			if (ret == -ENOENT) {
				CHECK(model[j].prot == 0);
				continue;
			}
			CHECK(model[j].prot == prot);
			CHECK(model[j].pa == pa + (c->base + j * K4 - va));
		}
		i = (MIN(end, wend) - c->base) / K4;
	}
}

/* The whole window matches the model and nothing is mapped around it. */
NO_COV static void check_window(struct ctx *c)
{
	check_pages(c, 0, c->npages);
	CHECK(pgtable_query(&c->pt, c->base - K4, NULL, NULL, NULL) == -ENOENT);
	CHECK(pgtable_query(&c->pt, c->base + c->npages * K4, NULL, NULL, NULL) == -ENOENT);
}

/*
 * After one operation: the small window is checked whole; in the large one
 * (263k pages, a full check per operation would make the target crawl) the
 * operation's range widened by 2 MiB on each side, every leaf touching it in
 * full; the whole large window every 4th operation and at the end, which
 * catches damage further away (e.g. the far pieces of a split 1 GiB leaf).
 */
static void check_after_op(struct ctx *c, uint64_t idx, uint64_t len, size_t nops)
{
	uint64_t lo, hi;

	if (c->npages <= SMALL_PAGES || nops % 4 == 3) {
		check_window(c);
		return;
	}
	lo = idx > 512 ? idx - 512 : 0;
	hi = MIN(idx + len + 512, c->npages);
	check_pages(c, lo, hi);
}

static void run_op(struct ctx *c, const uint8_t *b, uint64_t *pidx, uint64_t *plen)
{
	unsigned int op = b[0] % 3U;
	bool large_ok = (b[0] & 4U) != 0;
	bool inject = (b[0] & 8U) != 0;
	unsigned int snap = (b[0] >> 4) & 3U, lenmode = (b[0] >> 6) & 3U;
	uint64_t idx = ((uint64_t)b[1] | ((uint64_t)b[2] << 8) | ((uint64_t)b[3] << 16)) % c->npages;
	uint64_t len, va, pa, size, i;
	uint32_t prot = prot_choice[b[6] & 15U] | (large_ok ? PGT_LARGE_OK : 0U);
	int ret, expect = 0;

	if (snap == 1 || snap == 2) {
		uint64_t a = snap == 1 ? M2 : G1;
		uint64_t v = (c->base + idx * K4) & ~(a - 1);

		if (v >= c->base)
			idx = (v - c->base) / K4;
	}
	switch (lenmode) {
	case 0:
		len = (uint64_t)b[4] + 1;
		break;
	case 1:
		len = ((uint64_t)(b[4] & 3U) + 1) * 512 + (uint64_t)(b[5] % 3U) - 1;
		break;
	case 2:
		len = ((uint64_t)b[4] | ((uint64_t)b[5] << 8)) * 16 + 1;
		break;
	default:
		len = G1 / K4 + (uint64_t)(b[5] % 3U) - 1;
		break;
	}
	len = MIN(len, c->npages - idx);
	/*
	 * In the large window a map that can only make 4 KiB leaves is kept to
	 * 16 MiB: a gigabyte of them makes every check crawl and covers
	 * nothing the small window does not.
	 */
	if (c->npages > SMALL_PAGES && op == 0 &&
	    !(large_ok && c->allow_2m && (pa_delta_choice[b[7] & 7U] % M2) == 0))
		len = MIN(len, 4096U);
	va = c->base + idx * K4;
	size = len * K4;
	pa = va + pa_delta_choice[b[7] & 7U];

	*pidx = idx;
	*plen = len;
	if (inject) {
		mem.fail_at = mem.allocs + (b[7] >> 3) % 8U + 1U;
		mem.fail_after = (b[5] & 1U) != 0;
	}
	switch (op) {
	case 0:
		if (!prot_valid(c->fmt, prot & ~PGT_LARGE_OK) || pa + size > (1ULL << 52))
			expect = -EINVAL;
		ret = pgtable_map(&c->pt, va, pa, size, prot);
		break;
	case 1:
		ret = pgtable_unmap(&c->pt, va, size);
		break;
	default:
		if (!prot_valid(c->fmt, prot & ~PGT_LARGE_OK)) {
			expect = -EINVAL;
		} else {
			for (i = 0; i < len; i++)
				if (model[idx + i].prot == 0)
					expect = -ENOENT;
		}
		ret = pgtable_protect(&c->pt, va, size, prot);
		break;
	}
	mem.fail_at = 0;
	mem.fail_after = false;

	if (ret == -ENOMEM) {
		/* only an injected failure may cause it; the table is unchanged */
		CHECK(inject && expect == 0);
		return;
	}
	CHECK(ret == expect);
	if (ret != 0)
		return;
	if (op != 1 && large_ok)
		c->large_seen = true;	/* map and protect may make or merge large leaves */
	for (i = 0; i < len; i++) {
		struct page_model *m = &model[idx + i];

		if (op == 0) {
			m->pa = pa + i * K4;
			m->prot = prot & fmt_mask(c->fmt);
		} else if (op == 1) {
			m->prot = 0;
		} else {
			m->prot = prot & fmt_mask(c->fmt);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx c;
	size_t off, nops = 0;
	uint64_t split;

	if (size < 1)
		return 0;
	memset(&c, 0, sizeof(c));
	c.fmt = (enum pgtable_format)(data[0] % 3U);
	if (data[0] & 4U) {
		c.base = LARGE_BASE;
		c.npages = LARGE_PAGES;
	} else {
		c.base = SMALL_BASE;
		c.npages = SMALL_PAGES;
	}
	c.allow_1g = (data[0] & 8U) != 0;
	c.allow_2m = (data[0] & 16U) == 0;
	memset(model, 0, sizeof(model[0]) * c.npages);

	/* One arena for the whole run: a fresh 16 MiB per input costs more than the test. */
	if (mem.arena == NULL)
		pgt_test_mem_init(&mem);
	else
		pgt_test_mem_reset(&mem);
	CHECK(pgtable_init(&c.pt, c.fmt, &pgt_test_ops, &mem, c.allow_1g) == 0);
	pgtable_set_leaf_sizes(&c.pt, c.allow_2m, c.allow_1g);

	for (off = 1; off + 8 <= size && nops < (c.npages > SMALL_PAGES ? MAX_OPS_LARGE : MAX_OPS);
	     off += 8, nops++) {
		uint64_t idx, len;

		run_op(&c, data + off, &idx, &len);
		check_after_op(&c, idx, len, nops);
	}
	check_window(&c);

	/* Unmapping everything, in two odd pieces, frees every table but the root. */
	split = size > 1 ? (data[size - 1] * 97ULL) % c.npages : 0;
	if (split != 0)
		CHECK(pgtable_unmap(&c.pt, c.base, split * K4) == 0);
	CHECK(pgtable_unmap(&c.pt, c.base + split * K4, (c.npages - split) * K4) == 0);
	memset(model, 0, sizeof(model[0]) * c.npages);
	check_window(&c);
	CHECK(mem.live == 1);
	pgtable_destroy(&c.pt);
	CHECK(mem.live == 0);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Guest page-table walk.  Four layouts share one loop: each level takes
 * some bits of the linear address as an index into a table of 4- or 8-byte
 * entries, stops at a present entry with PS set (a large page) or at the
 * last level, and the remaining low bits are the offset.
 */
#include <arch/x86/guest/guest_walk.h>
#include <lib/errno.h>

#define CR0_PG		(1ULL << 31)
#define CR4_PSE		(1ULL << 4)
#define CR4_PAE		(1ULL << 5)
#define CR4_LA57	(1ULL << 12)
#define EFER_LMA	(1ULL << 10)

#define PTE_P		(1ULL << 0)
#define PTE_PS		(1ULL << 7)
/* Bits 51:12 of a 64-bit entry hold the frame (MAXPHYADDR ≤ 52). */
#define PTE_ADDR_MASK	0x000FFFFFFFFFF000ULL

/* PAE mode (§4.4.1): CR3[31:5] holds four PDPTEs, indexed by bits 31:30. */
static int walk_pae(const struct guest_paging *pg, uint64_t gla, uint64_t *gpa,
		    guest_walk_read_fn read, void *ctx)
{
	uint64_t e, table;
	int ret;

	gla &= 0xFFFFFFFFULL;
	ret = read(ctx, (pg->cr3 & 0xFFFFFFE0ULL) + ((gla >> 30) & 3) * 8, 8, &e);
	if (ret != 0)
		return ret;
	if (!(e & PTE_P))
		return -EFAULT;
	table = e & PTE_ADDR_MASK;
	for (unsigned shift = 21; ; shift -= 9) {
		ret = read(ctx, table + ((gla >> shift) & 0x1FF) * 8, 8, &e);
		if (ret != 0)
			return ret;
		if (!(e & PTE_P))
			return -EFAULT;
		if (shift == 12 || (e & PTE_PS)) {
			uint64_t mask = (1ULL << shift) - 1;

			*gpa = ((e & PTE_ADDR_MASK) & ~mask) | (gla & mask);
			return 0;
		}
		table = e & PTE_ADDR_MASK;
	}
}

/* 32-bit paging (§4.3): 10+10+12, 4 MiB pages with CR4.PSE (PSE-36 ignored). */
static int walk_32(const struct guest_paging *pg, uint64_t gla, uint64_t *gpa,
		   guest_walk_read_fn read, void *ctx)
{
	uint64_t pde, pte;
	int ret;

	gla &= 0xFFFFFFFFULL;
	ret = read(ctx, (pg->cr3 & 0xFFFFF000ULL) + (gla >> 22) * 4, 4, &pde);
	if (ret != 0)
		return ret;
	if (!(pde & PTE_P))
		return -EFAULT;
	if ((pde & PTE_PS) && (pg->cr4 & CR4_PSE)) {
		*gpa = (pde & 0xFFC00000ULL) | (gla & 0x3FFFFFULL);
		return 0;
	}
	ret = read(ctx, (pde & 0xFFFFF000ULL) + ((gla >> 12) & 0x3FF) * 4, 4, &pte);
	if (ret != 0)
		return ret;
	if (!(pte & PTE_P))
		return -EFAULT;
	*gpa = (pte & 0xFFFFF000ULL) | (gla & 0xFFFULL);
	return 0;
}

/* 4- and 5-level paging (§4.5): 9 bits per level, 1 GiB / 2 MiB large pages. */
static int walk_long(const struct guest_paging *pg, uint64_t gla, uint64_t *gpa,
		     guest_walk_read_fn read, void *ctx)
{
	unsigned top = (pg->cr4 & CR4_LA57) ? 48 : 39;
	uint64_t table = pg->cr3 & PTE_ADDR_MASK, e;
	int ret;

	for (unsigned shift = top; ; shift -= 9) {
		ret = read(ctx, table + ((gla >> shift) & 0x1FF) * 8, 8, &e);
		if (ret != 0)
			return ret;
		if (!(e & PTE_P))
			return -EFAULT;
		if (shift == 12 || ((e & PTE_PS) && shift <= 30)) {
			uint64_t mask = (1ULL << shift) - 1;

			*gpa = ((e & PTE_ADDR_MASK) & ~mask) | (gla & mask);
			return 0;
		}
		if (e & PTE_PS)
			return -EFAULT;		/* PS is reserved in PML5E/PML4E */
		table = e & PTE_ADDR_MASK;
	}
}

int guest_walk(const struct guest_paging *pg, uint64_t gla, uint64_t *gpa,
	       guest_walk_read_fn read, void *ctx)
{
	if (!(pg->cr0 & CR0_PG)) {
		*gpa = gla;
		return 0;
	}
	if (pg->efer & EFER_LMA)
		return walk_long(pg, gla, gpa, read, ctx);
	if (pg->cr4 & CR4_PAE)
		return walk_pae(pg, gla, gpa, read, ctx);
	return walk_32(pg, gla, gpa, read, ctx);
}

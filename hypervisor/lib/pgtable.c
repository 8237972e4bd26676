/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * 4-level page tables in EPT, IA-32e and VT-d second-level format.
 *
 * Every change runs twice over the range: a read-only planning pass counts
 * the table pages the change needs (and finds -ENOENT for protect), then,
 * once all of them are allocated, an apply pass that cannot fail edits the
 * table.  That is what makes map/unmap/protect all-or-nothing.
 *
 * The bit layouts live in the X-macro tables below and nowhere else; the
 * logic only uses the generated FMASK/FSET/FGET accessors.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <lib/errno.h>
#include <lib/util.h>
#include <lib/pgtable.h>

#define PGT_LEVELS	4U
#define PGT_ENTRIES	512U
#define PGT_LEVEL_SHIFT(l)	(PAGE_SHIFT + 9U * ((l) - 1U))
#define PGT_LEVEL_SIZE(l)	(1ULL << PGT_LEVEL_SHIFT(l))
#define PGT_INDEX(va, l)	(((va) >> PGT_LEVEL_SHIFT(l)) & (PGT_ENTRIES - 1U))

/*
 * EPT paging-structure entries, SDM Vol. 3 §29.3.2 (Tables 29-1..29-6 in
 * recent SDMs, §28.2.2 in older ones): same low bits at every level, the
 * memory type / ignore-PAT / dirty bits only mean something in leaves, bit 7
 * is "page size" in PDPTEs and PDEs.
 */
#define EPT_LAYOUT(F)			\
	F(EPT_R,	0,  1)		\
	F(EPT_W,	1,  1)		\
	F(EPT_X,	2,  1)		\
	F(EPT_MT,	3,  3)		\
	F(EPT_IPAT,	6,  1)		\
	F(EPT_PS,	7,  1)		\
	F(EPT_A,	8,  1)		\
	F(EPT_D,	9,  1)		\
	F(EPT_ADDR,	12, 40)

/*
 * IA-32e paging entries, SDM Vol. 3 §4.5 (Tables 4-15..4-20).  The PAT bit is
 * bit 7 in a 4 KiB PTE but bit 12 in a 2 MiB / 1 GiB leaf, where bit 7 is PS.
 */
#define IA32E_LAYOUT(F)			\
	F(IA32E_P,	0,  1)		\
	F(IA32E_RW,	1,  1)		\
	F(IA32E_US,	2,  1)		\
	F(IA32E_PWT,	3,  1)		\
	F(IA32E_PCD,	4,  1)		\
	F(IA32E_A,	5,  1)		\
	F(IA32E_D,	6,  1)		\
	F(IA32E_PS,	7,  1)		\
	F(IA32E_PAT4K,	7,  1)		\
	F(IA32E_G,	8,  1)		\
	F(IA32E_PATLG,	12, 1)		\
	F(IA32E_ADDR,	12, 40)		\
	F(IA32E_NX,	63, 1)

/*
 * VT-d second-level paging entries, VT-d spec §9.8: R, W, PS in bit 7 of
 * SL-PDPEs / SL-PDEs, SNP (bit 11, only with ECAP.SC), address 51:12.
 */
#define VTD_LAYOUT(F)			\
	F(VTD_R,	0,  1)		\
	F(VTD_W,	1,  1)		\
	F(VTD_PS,	7,  1)		\
	F(VTD_SNP,	11, 1)		\
	F(VTD_ADDR,	12, 40)

/* Extended-page-table pointer, SDM Vol. 3 §24.6.11. */
#define EPTP_LAYOUT(F)			\
	F(EPTP_MT,	0,  3)		\
	F(EPTP_PWL,	3,  3)		\
	F(EPTP_AD,	6,  1)		\
	F(EPTP_ADDR,	12, 40)

#define PGT_FIELD_ENUM(name, lo, width) name##_LO = (lo), name##_WIDTH = (width),
enum pgt_fields {
	EPT_LAYOUT(PGT_FIELD_ENUM)
	IA32E_LAYOUT(PGT_FIELD_ENUM)
	VTD_LAYOUT(PGT_FIELD_ENUM)
	EPTP_LAYOUT(PGT_FIELD_ENUM)
};

#define FMASK(f)	((~0ULL >> (64 - f##_WIDTH)) << f##_LO)
#define FSET(f, v)	(((uint64_t)(v) << f##_LO) & FMASK(f))
#define FGET(f, e)	(((e) & FMASK(f)) >> f##_LO)
#define FFLAG(f, cond)	((cond) ? FMASK(f) : 0ULL)

#define PGT_ACCESS	(PGT_R | PGT_W | PGT_X)
#define PGT_MT_OF(p)	(((p) & PGT_MT_MASK) >> PGT_MT_SHIFT)
#define MT_UC	0U
#define MT_WC	1U
#define MT_WT	4U
#define MT_WP	5U
#define MT_WB	6U

/* How one format turns PGT_* bits into entry bits and back. */
struct pgt_fmt {
	uint64_t present;	/* entry is present iff any of these is set */
	uint64_t table;		/* attribute bits of an entry that points to a table */
	uint64_t ps;		/* page-size bit (levels 2 and 3) */
	uint64_t addr;		/* address field */
	uint64_t hw_bits;	/* bits the CPU sets (A/D): kept by protect and split */
	uint32_t prot_mask;	/* PGT_* bits the format can express */
	bool (*prot_ok)(uint32_t prot);
	uint64_t (*encode)(uint32_t prot, unsigned int level);
	uint32_t (*decode)(uint64_t e, unsigned int level);
};

/* ---- EPT ---------------------------------------------------------------- */

/*
 * SDM §29.3.3.1: an entry with bit 0 (read) clear and bit 1 (write) set is
 * an EPT misconfiguration; all three clear means not present.
 */
static bool pgt_ept_prot_ok(uint32_t prot)
{
	if ((prot & PGT_ACCESS) == 0U)
		return false;
	return !((prot & PGT_W) != 0U && (prot & PGT_R) == 0U);
}

static uint64_t pgt_ept_encode(uint32_t prot, unsigned int level)
{
	return FFLAG(EPT_R, prot & PGT_R) | FFLAG(EPT_W, prot & PGT_W) |
	       FFLAG(EPT_X, prot & PGT_X) | FSET(EPT_MT, PGT_MT_OF(prot)) |
	       FFLAG(EPT_IPAT, prot & PGT_IGNORE_PAT) | FFLAG(EPT_PS, level > 1U);
}

static uint32_t pgt_ept_decode(uint64_t e, unsigned int level)
{
	uint32_t prot = (uint32_t)FGET(EPT_MT, e) << PGT_MT_SHIFT;

	prot |= FGET(EPT_R, e) ? PGT_R : 0U;
	prot |= FGET(EPT_W, e) ? PGT_W : 0U;
	prot |= FGET(EPT_X, e) ? PGT_X : 0U;
	prot |= FGET(EPT_IPAT, e) ? PGT_IGNORE_PAT : 0U;
	return prot;
}

static const struct pgt_fmt pgt_fmt_ept = {
	.present = FMASK(EPT_R) | FMASK(EPT_W) | FMASK(EPT_X),
	.table = FMASK(EPT_R) | FMASK(EPT_W) | FMASK(EPT_X),
	.ps = FMASK(EPT_PS),
	.addr = FMASK(EPT_ADDR),
	.hw_bits = FMASK(EPT_A) | FMASK(EPT_D),
	.prot_mask = PGT_ACCESS | PGT_MT_MASK | PGT_IGNORE_PAT,
	.prot_ok = pgt_ept_prot_ok,
	.encode = pgt_ept_encode,
	.decode = pgt_ept_decode,
};

/* ---- IA-32e ------------------------------------------------------------- */

/*
 * PAT index (PAT:PCD:PWT, SDM §13.12.3) for each memory type, matching
 * PGTABLE_IA32E_PAT.  0xff marks the types the API rejects.
 */
static const uint8_t pgt_mt_to_pat[8] = {
	[MT_UC] = 3U, [MT_WC] = 4U, [2] = 0xffU, [3] = 0xffU,
	[MT_WT] = 1U, [MT_WP] = 5U, [MT_WB] = 0U, [7] = 0xffU,
};
/* And back; the UC- slots 2 and 6 (never written by us) read as UC. */
static const uint8_t pgt_pat_to_mt[8] = {
	MT_WB, MT_WT, MT_UC, MT_UC, MT_WC, MT_WP, MT_UC, MT_UC,
};

/* A present IA-32e entry is always readable (SDM §4.6). */
static bool pgt_ia32e_prot_ok(uint32_t prot)
{
	return (prot & PGT_R) != 0U;
}

static uint64_t pgt_ia32e_encode(uint32_t prot, unsigned int level)
{
	unsigned int pat = pgt_mt_to_pat[PGT_MT_OF(prot)] & 7U;
	uint64_t e = FMASK(IA32E_P);

	e |= FFLAG(IA32E_RW, prot & PGT_W) | FFLAG(IA32E_US, prot & PGT_U);
	e |= FFLAG(IA32E_NX, !(prot & PGT_X)) | FFLAG(IA32E_G, prot & PGT_GLOBAL);
	e |= FFLAG(IA32E_PWT, pat & 1U) | FFLAG(IA32E_PCD, pat & 2U);
	if (level > 1U)
		e |= FMASK(IA32E_PS) | FFLAG(IA32E_PATLG, pat & 4U);
	else
		e |= FFLAG(IA32E_PAT4K, pat & 4U);
	return e;
}

static uint32_t pgt_ia32e_decode(uint64_t e, unsigned int level)
{
	unsigned int pat = (unsigned int)(FGET(IA32E_PWT, e) | (FGET(IA32E_PCD, e) << 1));
	uint32_t prot = PGT_R;

	pat |= (unsigned int)(level > 1U ? FGET(IA32E_PATLG, e) : FGET(IA32E_PAT4K, e)) << 2;
	prot |= (uint32_t)pgt_pat_to_mt[pat] << PGT_MT_SHIFT;
	prot |= FGET(IA32E_RW, e) ? PGT_W : 0U;
	prot |= FGET(IA32E_US, e) ? PGT_U : 0U;
	prot |= FGET(IA32E_NX, e) ? 0U : PGT_X;
	prot |= FGET(IA32E_G, e) ? PGT_GLOBAL : 0U;
	return prot;
}

static const struct pgt_fmt pgt_fmt_ia32e = {
	.present = FMASK(IA32E_P),
	/* Permissions are the AND over all levels: non-leaf entries grant all. */
	.table = FMASK(IA32E_P) | FMASK(IA32E_RW) | FMASK(IA32E_US),
	.ps = FMASK(IA32E_PS),
	.addr = FMASK(IA32E_ADDR),
	.hw_bits = FMASK(IA32E_A) | FMASK(IA32E_D),
	.prot_mask = PGT_ACCESS | PGT_U | PGT_MT_MASK | PGT_GLOBAL,
	.prot_ok = pgt_ia32e_prot_ok,
	.encode = pgt_ia32e_encode,
	.decode = pgt_ia32e_decode,
};

/* ---- VT-d second level -------------------------------------------------- */

/* VT-d §9.8: an entry with R and W both clear is not present. */
static bool pgt_vtd_prot_ok(uint32_t prot)
{
	return (prot & (PGT_R | PGT_W)) != 0U;
}

static uint64_t pgt_vtd_encode(uint32_t prot, unsigned int level)
{
	return FFLAG(VTD_R, prot & PGT_R) | FFLAG(VTD_W, prot & PGT_W) |
	       FFLAG(VTD_SNP, prot & PGT_SNOOP) | FFLAG(VTD_PS, level > 1U);
}

static uint32_t pgt_vtd_decode(uint64_t e, unsigned int level)
{
	return (FGET(VTD_R, e) ? PGT_R : 0U) | (FGET(VTD_W, e) ? PGT_W : 0U) |
	       (FGET(VTD_SNP, e) ? PGT_SNOOP : 0U);
}

static const struct pgt_fmt pgt_fmt_vtd = {
	.present = FMASK(VTD_R) | FMASK(VTD_W),
	.table = FMASK(VTD_R) | FMASK(VTD_W),
	.ps = FMASK(VTD_PS),
	.addr = FMASK(VTD_ADDR),
	.hw_bits = 0ULL,
	.prot_mask = PGT_R | PGT_W | PGT_SNOOP,
	.prot_ok = pgt_vtd_prot_ok,
	.encode = pgt_vtd_encode,
	.decode = pgt_vtd_decode,
};

static const struct pgt_fmt *pgt_fmt_of(const struct pgtable *pt)
{
	switch (pt->fmt) {
	case PGT_FMT_EPT:
		return &pgt_fmt_ept;
	case PGT_FMT_IA32E:
		return &pgt_fmt_ia32e;
	case PGT_FMT_VTD:
	default:
		return &pgt_fmt_vtd;
	}
}

/* ---- entries ------------------------------------------------------------ */

enum pgt_class { PGT_EMPTY, PGT_LEAF, PGT_TABLE };

static enum pgt_class pgt_classify(const struct pgt_fmt *f, uint64_t e, unsigned int level)
{
	if ((e & f->present) == 0ULL)
		return PGT_EMPTY;
	if (level == 1U || (level <= 3U && (e & f->ps) != 0ULL))
		return PGT_LEAF;
	return PGT_TABLE;
}

/* Address bits of a leaf at this level (IA-32e keeps PAT in bit 12 of large leaves). */
static uint64_t pgt_leaf_addr(const struct pgt_fmt *f, uint64_t e, unsigned int level)
{
	return e & f->addr & ~(PGT_LEVEL_SIZE(level) - 1ULL);
}

/*
 * One 64-bit store, after every earlier store to the page it may link in:
 * a CPU or IOMMU walking the table concurrently sees the old or the new
 * entry, and a new table only once it is complete (x86 stores are ordered,
 * so a compiler barrier is all that is needed).
 */
static void pgt_write_entry(uint64_t *slot, uint64_t val)
{
	__asm__ __volatile__("" ::: "memory");
	*(volatile uint64_t *)slot = val;
}

static uint64_t *pgt_child(const struct pgtable *pt, uint64_t e)
{
	return pt->ops->phys_to_virt(pt->ctx, e & pgt_fmt_of(pt)->addr);
}

static void pgt_free_child(const struct pgtable *pt, uint64_t e, unsigned int level);

/* Free a table page and everything below it; level is the table's own level. */
static void pgt_free_table(const struct pgtable *pt, uint64_t *table, unsigned int level)
{
	const struct pgt_fmt *f = pgt_fmt_of(pt);
	unsigned int i;

	if (level > 1U) {
		for (i = 0U; i < PGT_ENTRIES; i++) {
			if (pgt_classify(f, table[i], level) != PGT_TABLE)
				continue;
			pgt_free_child(pt, table[i], level - 1U);
		}
	}
	pt->ops->free_page(pt->ctx, table);
}

/* Free the table an entry pointed to (it is already unlinked). */
static void pgt_free_child(const struct pgtable *pt, uint64_t e, unsigned int level)
{
	uint64_t *child = pgt_child(pt, e);

	if (child != NULL)
		pgt_free_table(pt, child, level);
}

static bool pgt_table_is_empty(const struct pgt_fmt *f, const uint64_t *table)
{
	unsigned int i;

	for (i = 0U; i < PGT_ENTRIES; i++) {
		if ((table[i] & f->present) != 0ULL)
			return false;
	}
	return true;
}

/* ---- range walks -------------------------------------------------------- */

enum pgt_op { PGT_OP_MAP, PGT_OP_UNMAP, PGT_OP_PROTECT };

struct pgt_walk {
	struct pgtable *pt;
	const struct pgt_fmt *f;
	enum pgt_op op;
	uint64_t pa_delta;	/* map: pa = va + pa_delta (mod 2^64) */
	uint32_t prot;		/* map/protect: already reduced to prot_mask */
	bool large_ok;		/* map/protect: PGT_LARGE_OK was given */
	uint64_t need;		/* plan: table pages the change needs */
	uint64_t *reserve;	/* apply: preallocated pages, linked through word 0 */
};

/* May a leaf of this level be created (PGT_LARGE_OK given, size allowed)? */
static bool pgt_size_ok(const struct pgt_walk *w, unsigned int level)
{
	switch (level) {
	case 1U:
		return true;
	case 2U:
		return w->large_ok && w->pt->allow_2m;
	case 3U:
		/*
		 * 1 GiB needs 2 MiB allowed too: splitting a 1 GiB leaf makes
		 * 2 MiB leaves (every CPU and IOMMU with 1 GiB pages has 2 MiB).
		 */
		return w->large_ok && w->pt->allow_1g && w->pt->allow_2m;
	default:
		return false;
	}
}

/* Can [s, s + level size) become a single leaf at this level? */
static bool pgt_can_leaf(const struct pgt_walk *w, unsigned int level, uint64_t s)
{
	return pgt_size_ok(w, level) &&
	       IS_ALIGNED(s + w->pa_delta, PGT_LEVEL_SIZE(level));
}

/*
 * If the 512 entries of a table at level - 1 are leaves with one prot and
 * consecutive addresses from an address aligned for a level leaf, return
 * that leaf in *leaf (accessed/dirty bits OR-ed: conservative).  The
 * translation of every address stays the same, so swapping the table for
 * the leaf is invisible to a concurrent walker but for leaf size.
 */
static bool pgt_merge_leaf(const struct pgt_walk *w, const uint64_t *table,
			   unsigned int level, uint64_t *leaf)
{
	const struct pgt_fmt *f = w->f;
	uint64_t step = PGT_LEVEL_SIZE(level - 1U);
	uint64_t base, hw = 0ULL;
	uint32_t prot;
	unsigned int i;

	if (!w->large_ok || !pgt_size_ok(w, level) ||
	    pgt_classify(f, table[0], level - 1U) != PGT_LEAF)
		return false;
	base = pgt_leaf_addr(f, table[0], level - 1U);
	prot = f->decode(table[0], level - 1U);
	if (!IS_ALIGNED(base, PGT_LEVEL_SIZE(level)))
		return false;
	for (i = 0U; i < PGT_ENTRIES; i++) {
		uint64_t e = table[i];

		if (pgt_classify(f, e, level - 1U) != PGT_LEAF ||
		    pgt_leaf_addr(f, e, level - 1U) != base + (uint64_t)i * step ||
		    f->decode(e, level - 1U) != prot)
			return false;
		hw |= e & f->hw_bits;
	}
	*leaf = f->encode(prot, level) | base | hw;
	return true;
}

static int pgt_plan(struct pgt_walk *w, const uint64_t *table, enum pgt_class vstate,
		    unsigned int level, uint64_t s, uint64_t e);

/*
 * Plan one entry of class cls covering [s, e) (part of the entry's span).
 * Mirrors pgt_apply_one() case by case: each "need++" there is a page
 * pgt_apply_one() takes from the reserve.
 */
static int pgt_plan_one(struct pgt_walk *w, enum pgt_class cls, const uint64_t *child,
			unsigned int level, uint64_t s, uint64_t e)
{
	bool full = (e - s) == PGT_LEVEL_SIZE(level);

	switch (w->op) {
	case PGT_OP_MAP:
		if (full && pgt_can_leaf(w, level, s))
			return 0;
		if (cls == PGT_TABLE)
			return pgt_plan(w, child, PGT_EMPTY, level - 1U, s, e);
		w->need++;
		return pgt_plan(w, NULL, (cls == PGT_LEAF && !full) ? PGT_LEAF : PGT_EMPTY,
				level - 1U, s, e);
	case PGT_OP_UNMAP:
		if (cls == PGT_EMPTY || full)
			return 0;
		break;
	case PGT_OP_PROTECT:
	default:
		if (cls == PGT_EMPTY)
			return -ENOENT;
		if (cls == PGT_LEAF && full)
			return 0;
		break;
	}
	if (cls == PGT_TABLE)
		return pgt_plan(w, child, PGT_EMPTY, level - 1U, s, e);
	/* A large leaf partly covered: split it. */
	w->need++;
	return pgt_plan(w, NULL, PGT_LEAF, level - 1U, s, e);
}

/*
 * Plan [s, e) inside a table at this level.  table == NULL stands for a
 * table that does not exist yet and whose entries would all be vstate.
 * Fully covered entries of such a table all plan alike (va and pa keep the
 * same offset), so a run of them is planned once and multiplied: planning
 * stays cheap even for huge ranges that will fail with -ENOMEM.
 */
static int pgt_plan(struct pgt_walk *w, const uint64_t *table, enum pgt_class vstate,
		    unsigned int level, uint64_t s, uint64_t e)
{
	uint64_t sz = PGT_LEVEL_SIZE(level);
	uint64_t cur = s;
	int ret;

	while (cur < e) {
		uint64_t ent_end = ALIGN_DOWN(cur, sz) + sz;
		uint64_t stop = MIN(ent_end, e);
		enum pgt_class cls = vstate;
		const uint64_t *child = NULL;

		if (table == NULL && IS_ALIGNED(cur, sz) && e - cur >= 2U * sz) {
			uint64_t n = (ALIGN_DOWN(e, sz) - cur) / sz;
			uint64_t before = w->need;

			ret = pgt_plan_one(w, cls, NULL, level, cur, cur + sz);
			if (ret != 0)
				return ret;
			w->need += (n - 1U) * (w->need - before);
			cur += n * sz;
			continue;
		}
		if (table != NULL) {
			uint64_t ent = table[PGT_INDEX(cur, level)];

			cls = pgt_classify(w->f, ent, level);
			if (cls == PGT_TABLE) {
				child = pgt_child(w->pt, ent);
				if (child == NULL)
					return -EFAULT;
			}
		}
		ret = pgt_plan_one(w, cls, child, level, cur, stop);
		if (ret != 0)
			return ret;
		cur = stop;
	}
	return 0;
}

static uint64_t *pgt_take_page(struct pgt_walk *w)
{
	uint64_t *page = w->reserve;

	/* The plan counted this page, so the reserve cannot be empty here. */
	w->reserve = (uint64_t *)(uintptr_t)page[0];
	page[0] = 0ULL;
	return page;
}

/* Fill a new table at level - 1 with the 512 pieces of a large leaf. */
static void pgt_split_leaf(const struct pgt_walk *w, uint64_t *table, uint64_t leaf,
			   unsigned int level)
{
	const struct pgt_fmt *f = w->f;
	uint64_t base = pgt_leaf_addr(f, leaf, level);
	uint64_t step = PGT_LEVEL_SIZE(level - 1U);
	uint64_t attr = f->encode(f->decode(leaf, level), level - 1U) | (leaf & f->hw_bits);
	unsigned int i;

	for (i = 0U; i < PGT_ENTRIES; i++)
		table[i] = attr | (base + (uint64_t)i * step);
}

static void pgt_apply(struct pgt_walk *w, uint64_t *table, unsigned int level,
		      uint64_t s, uint64_t e);

/* Apply the change to one entry covering [s, e) (see pgt_plan_one()). */
static void pgt_apply_one(struct pgt_walk *w, uint64_t *slot, unsigned int level,
			  uint64_t s, uint64_t e)
{
	const struct pgt_fmt *f = w->f;
	uint64_t old = *slot;
	enum pgt_class cls = pgt_classify(f, old, level);
	bool full = (e - s) == PGT_LEVEL_SIZE(level);
	uint64_t *child, leaf;

	switch (w->op) {
	case PGT_OP_MAP:
		if (full && pgt_can_leaf(w, level, s)) {
			pgt_write_entry(slot, f->encode(w->prot, level) |
					((s + w->pa_delta) & f->addr));
			/* Only now that no walker can reach it. */
			if (cls == PGT_TABLE)
				pgt_free_child(w->pt, old, level - 1U);
			return;
		}
		break;
	case PGT_OP_UNMAP:
		if (cls == PGT_EMPTY)
			return;
		if (full) {
			pgt_write_entry(slot, 0ULL);
			if (cls == PGT_TABLE)
				pgt_free_child(w->pt, old, level - 1U);
			return;
		}
		break;
	case PGT_OP_PROTECT:
	default:
		if (cls == PGT_EMPTY)
			return;	/* excluded by the plan */
		if (cls == PGT_LEAF && full) {
			pgt_write_entry(slot, f->encode(w->prot, level) |
					pgt_leaf_addr(f, old, level) | (old & f->hw_bits));
			return;
		}
		break;
	}

	if (cls == PGT_TABLE) {
		child = pgt_child(w->pt, old);
		pgt_apply(w, child, level - 1U, s, e);
		if (w->op == PGT_OP_UNMAP && pgt_table_is_empty(f, child)) {
			pgt_write_entry(slot, 0ULL);
			w->pt->ops->free_page(w->pt->ctx, child);
		} else if (w->op != PGT_OP_UNMAP && pgt_merge_leaf(w, child, level, &leaf)) {
			pgt_write_entry(slot, leaf);
			w->pt->ops->free_page(w->pt->ctx, child);
		}
		return;
	}
	/*
	 * New table: a split copy of the old leaf (unless map overwrites all of
	 * it anyway), edited while still private, then linked in one store -
	 * or, if the edit made it uniform again, not linked at all.
	 */
	child = pgt_take_page(w);
	if (cls == PGT_LEAF && !(w->op == PGT_OP_MAP && full))
		pgt_split_leaf(w, child, old, level);
	pgt_apply(w, child, level - 1U, s, e);
	if (w->op != PGT_OP_UNMAP && pgt_merge_leaf(w, child, level, &leaf)) {
		pgt_write_entry(slot, leaf);
		w->pt->ops->free_page(w->pt->ctx, child);
		return;
	}
	pgt_write_entry(slot, f->table | (w->pt->ops->virt_to_phys(w->pt->ctx, child) & f->addr));
}

static void pgt_apply(struct pgt_walk *w, uint64_t *table, unsigned int level,
		      uint64_t s, uint64_t e)
{
	uint64_t sz = PGT_LEVEL_SIZE(level);
	uint64_t cur = s;

	while (cur < e) {
		uint64_t stop = MIN(ALIGN_DOWN(cur, sz) + sz, e);

		pgt_apply_one(w, &table[PGT_INDEX(cur, level)], level, cur, stop);
		cur = stop;
	}
}

static void pgt_release_reserve(struct pgt_walk *w)
{
	while (w->reserve != NULL)
		w->pt->ops->free_page(w->pt->ctx, pgt_take_page(w));
}

/* Plan, allocate everything, apply. */
static int pgt_run(struct pgt_walk *w, uint64_t va, uint64_t size)
{
	struct pgtable *pt = w->pt;
	uint64_t i;
	int ret;

	w->need = 0ULL;
	w->reserve = NULL;
	ret = pgt_plan(w, pt->root, PGT_EMPTY, PGT_LEVELS, va, va + size);
	if (ret != 0)
		return ret;
	for (i = 0ULL; i < w->need; i++) {
		uint64_t *page = pt->ops->alloc_page(pt->ctx);
		uint64_t pa;

		if (page == NULL) {
			pgt_release_reserve(w);
			return -ENOMEM;
		}
		pa = pt->ops->virt_to_phys(pt->ctx, page);
		if (!IS_ALIGNED(pa, SZ_4K) || pa >= PGTABLE_PA_LIMIT ||
		    !IS_ALIGNED((uintptr_t)page, SZ_4K)) {
			pt->ops->free_page(pt->ctx, page);
			pgt_release_reserve(w);
			return -EFAULT;
		}
		page[0] = (uint64_t)(uintptr_t)w->reserve;
		w->reserve = page;
	}
	pgt_apply(w, pt->root, PGT_LEVELS, va, va + size);
	pgt_release_reserve(w);	/* empty unless plan and apply disagree */
	return 0;
}

/* Common checks: a live table, 4 KiB granularity, no wrap, below 2^48. */
static int pgt_check_range(const struct pgtable *pt, uint64_t va, uint64_t size)
{
	if (pt == NULL || pt->root == NULL)
		return -EINVAL;
	if (size == 0ULL || !IS_ALIGNED(va, SZ_4K) || !IS_ALIGNED(size, SZ_4K))
		return -EINVAL;
	if (va >= PGTABLE_VA_LIMIT || size > PGTABLE_VA_LIMIT - va)
		return -EINVAL;
	return 0;
}

/* Reduce prot to what the format stores; reject unknown bits and types. */
static int pgt_check_prot(const struct pgt_fmt *f, uint32_t prot, uint32_t *stored)
{
	uint32_t mt = PGT_MT_OF(prot);

	if ((prot & ~PGT_PROT_ALL) != 0U)
		return -EINVAL;
	if (mt != MT_UC && mt != MT_WC && mt != MT_WT && mt != MT_WP && mt != MT_WB)
		return -EINVAL;
	if (!f->prot_ok(prot & f->prot_mask))
		return -EINVAL;
	*stored = prot & f->prot_mask;
	return 0;
}

/* ---- API ---------------------------------------------------------------- */

int pgtable_init(struct pgtable *pt, enum pgtable_format fmt, const struct pgtable_ops *ops,
		 void *ctx, bool allow_1g)
{
	uint64_t pa;

	if (pt == NULL || ops == NULL || ops->alloc_page == NULL || ops->free_page == NULL ||
	    ops->virt_to_phys == NULL || ops->phys_to_virt == NULL)
		return -EINVAL;
	if (fmt != PGT_FMT_EPT && fmt != PGT_FMT_IA32E && fmt != PGT_FMT_VTD)
		return -EINVAL;
	pt->fmt = fmt;
	pt->ops = ops;
	pt->ctx = ctx;
	pt->allow_2m = true;
	pt->allow_1g = allow_1g;
	pt->root = NULL;
	pt->root_pa = 0ULL;

	pt->root = ops->alloc_page(ctx);
	if (pt->root == NULL)
		return -ENOMEM;
	pa = ops->virt_to_phys(ctx, pt->root);
	if (!IS_ALIGNED(pa, SZ_4K) || pa >= PGTABLE_PA_LIMIT) {
		ops->free_page(ctx, pt->root);
		pt->root = NULL;
		return -EFAULT;
	}
	pt->root_pa = pa;
	return 0;
}

void pgtable_set_leaf_sizes(struct pgtable *pt, bool allow_2m, bool allow_1g)
{
	if (pt == NULL)
		return;
	pt->allow_2m = allow_2m;
	pt->allow_1g = allow_1g;
}

int pgtable_map(struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t size, uint32_t prot)
{
	struct pgt_walk w = { .pt = pt, .op = PGT_OP_MAP };
	int ret;

	ret = pgt_check_range(pt, va, size);
	if (ret != 0)
		return ret;
	if (!IS_ALIGNED(pa, SZ_4K) || pa >= PGTABLE_PA_LIMIT || size > PGTABLE_PA_LIMIT - pa)
		return -EINVAL;
	w.f = pgt_fmt_of(pt);
	ret = pgt_check_prot(w.f, prot, &w.prot);
	if (ret != 0)
		return ret;
	w.large_ok = (prot & PGT_LARGE_OK) != 0U;
	w.pa_delta = pa - va;
	return pgt_run(&w, va, size);
}

int pgtable_unmap(struct pgtable *pt, uint64_t va, uint64_t size)
{
	struct pgt_walk w = { .pt = pt, .op = PGT_OP_UNMAP };
	int ret;

	ret = pgt_check_range(pt, va, size);
	if (ret != 0)
		return ret;
	w.f = pgt_fmt_of(pt);
	return pgt_run(&w, va, size);
}

int pgtable_protect(struct pgtable *pt, uint64_t va, uint64_t size, uint32_t prot)
{
	struct pgt_walk w = { .pt = pt, .op = PGT_OP_PROTECT };
	int ret;

	ret = pgt_check_range(pt, va, size);
	if (ret != 0)
		return ret;
	w.f = pgt_fmt_of(pt);
	ret = pgt_check_prot(w.f, prot, &w.prot);
	if (ret != 0)
		return ret;
	w.large_ok = (prot & PGT_LARGE_OK) != 0U;
	return pgt_run(&w, va, size);
}

int pgtable_query(const struct pgtable *pt, uint64_t va, uint64_t *pa, uint32_t *prot,
		  uint64_t *page_size)
{
	const struct pgt_fmt *f;
	const uint64_t *table;
	unsigned int level;

	if (pt == NULL || pt->root == NULL || va >= PGTABLE_VA_LIMIT)
		return -EINVAL;
	f = pgt_fmt_of(pt);
	table = pt->root;
	for (level = PGT_LEVELS; level >= 1U; level--) {
		uint64_t e = table[PGT_INDEX(va, level)];
		uint64_t sz = PGT_LEVEL_SIZE(level);

		switch (pgt_classify(f, e, level)) {
		case PGT_EMPTY:
			/* Lets a caller skip the whole hole in one step. */
			if (page_size != NULL)
				*page_size = sz;
			return -ENOENT;
		case PGT_LEAF:
			if (pa != NULL)
				*pa = pgt_leaf_addr(f, e, level) + (va & (sz - 1ULL));
			if (prot != NULL)
				*prot = f->decode(e, level);
			if (page_size != NULL)
				*page_size = sz;
			return 0;
		case PGT_TABLE:
		default:
			table = pgt_child(pt, e);
			if (table == NULL)
				return -EFAULT;
			break;
		}
	}
	return -ENOENT;	/* not reached: level 1 entries are leaves */
}

void pgtable_destroy(struct pgtable *pt)
{
	if (pt == NULL || pt->root == NULL)
		return;
	pgt_free_table(pt, pt->root, PGT_LEVELS);
	pt->root = NULL;
	pt->root_pa = 0ULL;
}

uint64_t pgtable_root_pa(const struct pgtable *pt)
{
	return (pt != NULL && pt->root != NULL) ? pt->root_pa : 0ULL;
}

uint64_t pgtable_eptp(const struct pgtable *pt, bool enable_ad)
{
	if (pt == NULL || pt->root == NULL || pt->fmt != PGT_FMT_EPT)
		return 0ULL;
	/* Walk length is encoded minus one: 3 means four levels. */
	return FSET(EPTP_MT, MT_WB) | FSET(EPTP_PWL, PGT_LEVELS - 1U) |
	       FFLAG(EPTP_AD, enable_ad) | (pt->root_pa & FMASK(EPTP_ADDR));
}

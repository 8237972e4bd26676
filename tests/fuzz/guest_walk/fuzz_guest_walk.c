/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for hypervisor/arch/x86/guest/guest_walk.c.
 *
 * Input layout (little endian):
 *   byte 0   flags: bit 0 folds CR3 into [0, 128 KiB) so tables often land
 *            in the memory; bit 3 forces a paging mode chosen by bits 6:4
 *            (0 off, 1 32-bit, 2 32-bit+PSE, 3 PAE, 4 4-level, 5 5-level),
 *            otherwise CR0/CR4/EFER are used raw
 *   byte 1   fault injection: bit 7 makes read number bits 2:0 fail with
 *            the error chosen by bits 4:3
 *   bytes 2..41  CR0, CR3, CR4, EFER, linear address (u64 each)
 *   rest     guest-physical memory from address 0 (at most 64 KiB)
 *
 * The walk is checked against a reference written here from the SDM
 * (Vol. 3 §4.3, §4.4, §4.5) in a different shape: a table of level
 * descriptors per mode and a recursive resolver that reads memory directly.
 * The reference yields the exact list of reads (address, width) a walk must
 * make; the walker's reads, seen through the callback, must equal it in
 * order, be 4 bytes (32-bit paging) or 8 bytes (otherwise), naturally
 * aligned, at most 5, and those outside the memory are refused with -EFAULT.
 * The result (0 and the address, or the error) must match the reference.
 *
 * Simplifications the walker documents are mirrored: PSE-36 is ignored for
 * 4 MiB pages, reserved bits are not checked except PS in a PML5E/PML4E
 * (which faults), permissions and canonicality are not checked.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lib/errno.h>
#include <arch/x86/guest/guest_walk.h>

/* The checker is not what is being fuzzed: keep its compares out of the feedback. */
#if defined(__clang__)
#define NO_COV __attribute__((no_sanitize("coverage")))
#else
#define NO_COV
#endif

#define HDR_LEN		42
#define MEM_MAX		0x10000u
#define MAX_READS	8	/* more than any walk may take: overruns are caught */

/* Architectural bits, SDM Vol. 3 §2.5 and Tables 4-4..4-28. */
#define R_CR0_PG	(1ULL << 31)
#define R_CR4_PSE	(1ULL << 4)
#define R_CR4_PAE	(1ULL << 5)
#define R_CR4_LA57	(1ULL << 12)
#define R_EFER_LMA	(1ULL << 10)
#define R_P		(1ULL << 0)
#define R_PS		(1ULL << 7)

struct rd {
	uint64_t gpa;
	unsigned size;
};

struct fz {
	const uint8_t *mem;
	size_t mem_len;
	unsigned width;		/* entry width of the mode, 0: no read allowed */
	unsigned n;
	struct rd log[MAX_READS];
	int fail_at;		/* -1: none */
	int fail_err;
};

static NO_COV void fz_die(const char *what, const struct guest_paging *pg, uint64_t gla)
{
	fprintf(stderr, "guest_walk mismatch: %s\n  cr0=%#llx cr3=%#llx cr4=%#llx efer=%#llx gla=%#llx\n",
		what, (unsigned long long)pg->cr0, (unsigned long long)pg->cr3,
		(unsigned long long)pg->cr4, (unsigned long long)pg->efer,
		(unsigned long long)gla);
	abort();
}

/* Bytes [gpa, gpa + size) of the fake memory, or false when outside it. */
static NO_COV bool mem_load(const uint8_t *mem, size_t len, uint64_t gpa, unsigned size,
			    uint64_t *val)
{
	uint64_t v = 0;

	if (gpa > len || len - gpa < size)
		return false;
	for (unsigned i = size; i-- > 0;)
		v = (v << 8) | mem[gpa + i];
	*val = v;
	return true;
}

/* The callback handed to the walker: checks each access, then serves it. */
static NO_COV int fz_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	struct fz *f = ctx;
	unsigned idx = f->n;

	if (size != 4 && size != 8) {
		fprintf(stderr, "read of %u bytes at %#llx\n", size, (unsigned long long)gpa);
		abort();
	}
	if (size != f->width) {
		fprintf(stderr, "read of %u bytes where entries are %u bytes\n", size, f->width);
		abort();
	}
	if (gpa % size != 0) {
		fprintf(stderr, "misaligned read at %#llx\n", (unsigned long long)gpa);
		abort();
	}
	if (idx >= 5) {
		fprintf(stderr, "sixth read (at %#llx)\n", (unsigned long long)gpa);
		abort();
	}
	f->log[idx].gpa = gpa;
	f->log[idx].size = size;
	f->n++;
	if ((int)idx == f->fail_at)
		return f->fail_err;
	if (!mem_load(f->mem, f->mem_len, gpa, size, val))
		return -EFAULT;
	return 0;
}

/* ------------------------------------------------------------ reference */

/*
 * One level of a paging structure: the linear-address bits [shift + bits - 1
 * : shift] index a table of @width-byte entries whose next-table / frame
 * address is selected by @next_mask.  @large: PS = 1 here maps a page of
 * 2^shift bytes whose base is selected by @large_mask; @ps_fault: PS = 1 is
 * reserved here and the walker faults on it; otherwise PS is ignored.
 */
struct ref_level {
	unsigned shift, bits, width;
	uint64_t next_mask;
	bool large, ps_fault;
	uint64_t large_mask;
};

#define M52	0x000FFFFFFFFFF000ULL

/* §4.3, Figures 4-2/4-3: 32-bit paging, without and with CR4.PSE. */
static const struct ref_level ref_32[] = {
	{ 22, 10, 4, 0xFFFFF000ULL, false, false, 0 },
	{ 12, 10, 4, 0xFFFFF000ULL, false, false, 0 },
};
static const struct ref_level ref_32pse[] = {
	{ 22, 10, 4, 0xFFFFF000ULL, true, false, 0xFFC00000ULL },
	{ 12, 10, 4, 0xFFFFF000ULL, false, false, 0 },
};
/* §4.4, Figures 4-5/4-6: PDPTE (no PS), PDE (2 MiB), PTE. */
static const struct ref_level ref_pae[] = {
	{ 30, 2, 8, M52, false, false, 0 },
	{ 21, 9, 8, M52, true, false, M52 & ~0x1FFFFFULL },
	{ 12, 9, 8, M52, false, false, 0 },
};
/* §4.5, Figures 4-8..4-10: PML5E, PML4E (PS reserved), PDPTE (1 GiB), PDE (2 MiB), PTE. */
static const struct ref_level ref_long[] = {
	{ 48, 9, 8, M52, false, true, 0 },
	{ 39, 9, 8, M52, false, true, 0 },
	{ 30, 9, 8, M52, true, false, M52 & ~0x3FFFFFFFULL },
	{ 21, 9, 8, M52, true, false, M52 & ~0x1FFFFFULL },
	{ 12, 9, 8, M52, false, false, 0 },
};

struct ref_ctx {
	const uint8_t *mem;
	size_t mem_len;
	uint64_t gla;
	unsigned n;
	struct rd log[MAX_READS];
};

/* Resolve gla through table @base using levels lv[0 .. count-1]. */
static NO_COV int ref_resolve(struct ref_ctx *r, const struct ref_level *lv, unsigned count,
			      uint64_t base, uint64_t *gpa)
{
	uint64_t index = (r->gla >> lv->shift) & ((1ULL << lv->bits) - 1);
	uint64_t at = base + index * lv->width, e;
	uint64_t page = 1ULL << lv->shift;

	r->log[r->n].gpa = at;
	r->log[r->n].size = lv->width;
	r->n++;
	if (!mem_load(r->mem, r->mem_len, at, lv->width, &e))
		return -EFAULT;
	if ((e & R_P) == 0)
		return -EFAULT;
	if (count == 1) {
		/* The last level always maps a 4 KiB page; bit 7 there is PAT. */
		*gpa = (e & lv->next_mask) + (r->gla % page);
		return 0;
	}
	if (e & R_PS) {
		if (lv->ps_fault)
			return -EFAULT;
		if (lv->large) {
			*gpa = (e & lv->large_mask) + (r->gla % page);
			return 0;
		}
	}
	return ref_resolve(r, lv + 1, count - 1, e & lv->next_mask, gpa);
}

/* §4.1.1: which paging mode CR0.PG, CR4.PAE, EFER.LMA, CR4.LA57 select. */
static NO_COV int ref_walk(struct ref_ctx *r, const struct guest_paging *pg, uint64_t *gpa,
			   unsigned *width)
{
	const uint64_t gla32 = r->gla & 0xFFFFFFFFULL;

	*width = 0;
	if ((pg->cr0 & R_CR0_PG) == 0) {
		*gpa = r->gla;
		return 0;
	}
	if (pg->efer & R_EFER_LMA) {
		*width = 8;
		if (pg->cr4 & R_CR4_LA57)
			return ref_resolve(r, ref_long, 5, pg->cr3 & M52, gpa);
		return ref_resolve(r, ref_long + 1, 4, pg->cr3 & M52, gpa);
	}
	/* Legacy modes: linear addresses are 32 bits wide. */
	r->gla = gla32;
	if (pg->cr4 & R_CR4_PAE) {
		*width = 8;
		return ref_resolve(r, ref_pae, 3, pg->cr3 & 0xFFFFFFE0ULL, gpa);
	}
	*width = 4;
	return ref_resolve(r, (pg->cr4 & R_CR4_PSE) ? ref_32pse : ref_32, 2,
			   pg->cr3 & 0xFFFFF000ULL, gpa);
}

/* ------------------------------------------------------------- the target */

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned i = 8; i-- > 0;)
		v = (v << 8) | p[i];
	return v;
}

static void force_mode(struct guest_paging *pg, unsigned mode)
{
	switch (mode) {
	case 0:
		pg->cr0 &= ~R_CR0_PG;
		break;
	case 1:
	case 2:
		pg->cr0 |= R_CR0_PG;
		pg->efer &= ~R_EFER_LMA;
		pg->cr4 &= ~(R_CR4_PAE | R_CR4_PSE);
		if (mode == 2)
			pg->cr4 |= R_CR4_PSE;
		break;
	case 3:
		pg->cr0 |= R_CR0_PG;
		pg->efer &= ~R_EFER_LMA;
		pg->cr4 |= R_CR4_PAE;
		break;
	default:
		pg->cr0 |= R_CR0_PG;
		pg->efer |= R_EFER_LMA;
		pg->cr4 |= R_CR4_PAE;
		pg->cr4 &= ~R_CR4_LA57;
		if (mode == 5)
			pg->cr4 |= R_CR4_LA57;
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int errs[4] = { -EIO, -EAGAIN, -ENOENT, -EFAULT };
	struct guest_paging pg;
	struct ref_ctx ref;
	struct fz f;
	uint64_t gla, gpa, ref_gpa = 0;
	unsigned width;
	uint8_t *mem;
	size_t mem_len;
	int ret, ref_ret;

	if (size < HDR_LEN)
		return -1;
	pg.cr0 = get64(data + 2);
	pg.cr3 = get64(data + 10);
	pg.cr4 = get64(data + 18);
	pg.efer = get64(data + 26);
	gla = get64(data + 34);
	if (data[0] & 0x01)
		pg.cr3 &= 0x1FFFFULL;
	if (data[0] & 0x08)
		force_mode(&pg, ((data[0] >> 4) & 7) % 6);

	/* An exact-size heap copy: ASan catches any access past it. */
	mem_len = size - HDR_LEN;
	if (mem_len > MEM_MAX)
		mem_len = MEM_MAX;
	mem = malloc(mem_len ? mem_len : 1);
	if (!mem)
		return 0;
	memcpy(mem, data + HDR_LEN, mem_len);

	memset(&ref, 0, sizeof(ref));
	ref.mem = mem;
	ref.mem_len = mem_len;
	ref.gla = gla;
	ref_ret = ref_walk(&ref, &pg, &ref_gpa, &width);

	memset(&f, 0, sizeof(f));
	f.mem = mem;
	f.mem_len = mem_len;
	f.width = width;
	f.fail_at = (data[1] & 0x80) ? (int)(data[1] & 7) : -1;
	f.fail_err = errs[(data[1] >> 3) & 3];
	gpa = 0xA5A5A5A5A5A5A5A5ULL;
	ret = guest_walk(&pg, gla, &gpa, fz_read, &f);

	/* An injected failure cuts the reference walk short at that read. */
	if (f.fail_at >= 0 && (unsigned)f.fail_at < ref.n) {
		ref.n = (unsigned)f.fail_at + 1;
		ref_ret = f.fail_err;
	}

	if (f.n != ref.n) {
		fprintf(stderr, "walker made %u reads, reference %u\n", f.n, ref.n);
		fz_die("read count", &pg, gla);
	}
	for (unsigned i = 0; i < ref.n; i++) {
		if (f.log[i].gpa != ref.log[i].gpa || f.log[i].size != ref.log[i].size) {
			fprintf(stderr, "read %u: walker %#llx/%u, reference %#llx/%u\n", i,
				(unsigned long long)f.log[i].gpa, f.log[i].size,
				(unsigned long long)ref.log[i].gpa, ref.log[i].size);
			fz_die("read sequence", &pg, gla);
		}
	}
	if (ret != ref_ret) {
		fprintf(stderr, "walker returned %d, reference %d (ref gpa %#llx, walker gpa %#llx)\n",
			ret, ref_ret, (unsigned long long)ref_gpa, (unsigned long long)gpa);
		fz_die("result", &pg, gla);
	}
	if (ret == 0 && gpa != ref_gpa) {
		fprintf(stderr, "walker gpa %#llx, reference %#llx\n",
			(unsigned long long)gpa, (unsigned long long)ref_gpa);
		fz_die("address", &pg, gla);
	}
	if (ret != 0 && ret != -EFAULT && ret != f.fail_err)
		fz_die("error that neither the walker nor the callback defines", &pg, gla);

#ifdef GUEST_WALK_FUZZ_TRACE
	fprintf(stderr, "ret=%d gpa=%#llx reads=%u\n", ret, (unsigned long long)gpa, f.n);
#endif
	free(mem);
	return 0;
}

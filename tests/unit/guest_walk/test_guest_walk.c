/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for hypervisor/arch/x86/guest/guest_walk.c.
 *
 * Page tables are written into a small fake guest-physical memory served by
 * the read callback.  Entry layouts and control-register bits are written
 * out here from the SDM (Vol. 3 §4.3 32-bit paging, §4.4 PAE, §4.5 4- and
 * 5-level paging), independently of the walker's own definitions.  The
 * callback also checks that every read has the width the mode's entries
 * have (4 bytes for 32-bit paging, 8 otherwise), is naturally aligned and
 * falls inside the fake memory; reads outside it are refused with -EFAULT
 * and recorded so a test can prove the walker followed a pointer there.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <lib/errno.h>
#include <arch/x86/guest/guest_walk.h>

/* Control bits (SDM Vol. 3 §2.5, §2.2.1). */
#define T_CR0_PE	(1ULL << 0)
#define T_CR0_PG	(1ULL << 31)
#define T_CR4_PSE	(1ULL << 4)
#define T_CR4_PAE	(1ULL << 5)
#define T_CR4_PCIDE	(1ULL << 17)
#define T_CR4_LA57	(1ULL << 12)
#define T_EFER_LME	(1ULL << 8)
#define T_EFER_LMA	(1ULL << 10)

/* Entry bits (SDM Vol. 3 Tables 4-4..4-28). */
#define E_P	(1ULL << 0)
#define E_RW	(1ULL << 1)
#define E_US	(1ULL << 2)
#define E_A	(1ULL << 5)
#define E_D	(1ULL << 6)
#define E_PS	(1ULL << 7)
#define E_G	(1ULL << 8)
#define E_AVL	(7ULL << 9)		/* bits 11:9 ignored */
#define E_PAT_LARGE (1ULL << 12)	/* PAT bit of a 2 MiB / 1 GiB / 4 MiB page */
#define E_HI_IGN (0x7FULL << 52)	/* bits 58:52 ignored */
#define E_PKEY	(0xFULL << 59)		/* bits 62:59 protection key */
#define E_XD	(1ULL << 63)
#define E_TABLE	(E_P | E_RW | E_US | E_A)

#define K4 0x1000ULL
#define M2 0x200000ULL
#define M4 0x400000ULL
#define G1 0x40000000ULL

#define MEM_PAGES 32
#define MEM_SIZE (MEM_PAGES * K4)
#define MAX_LOG 16

struct fake_mem {
	uint8_t bytes[MEM_SIZE];
	unsigned want_size;	/* entry width of the mode under test */
	unsigned nreads;
	uint64_t log[MAX_LOG];	/* gpa of each read */
	int fail_at;		/* index of the read to fail, -1: none */
	int fail_err;
	unsigned outside;	/* reads refused because outside bytes[] */
	uint64_t last_outside;
};

static struct fake_mem fm;

static void fm_reset(unsigned want_size)
{
	memset(&fm, 0, sizeof(fm));
	fm.want_size = want_size;
	fm.fail_at = -1;
}

static int fm_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	struct fake_mem *m = ctx;
	uint64_t v = 0;

	assert_ptr_equal(m, &fm);
	assert_int_equal(size, m->want_size);
	assert_int_equal(gpa % size, 0);
	assert_true(m->nreads < MAX_LOG);
	m->log[m->nreads] = gpa;
	if ((int)m->nreads++ == m->fail_at)
		return m->fail_err;
	if (gpa >= MEM_SIZE || MEM_SIZE - gpa < size) {
		m->outside++;
		m->last_outside = gpa;
		return -EFAULT;
	}
	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)m->bytes[gpa + i] << (8 * i);	/* little endian */
	*val = v;
	return 0;
}

static void put32(uint64_t gpa, uint32_t v)
{
	assert_true(gpa + 4 <= MEM_SIZE);
	for (unsigned i = 0; i < 4; i++)
		fm.bytes[gpa + i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint64_t gpa, uint64_t v)
{
	assert_true(gpa + 8 <= MEM_SIZE);
	for (unsigned i = 0; i < 8; i++)
		fm.bytes[gpa + i] = (uint8_t)(v >> (8 * i));
}

static int walk(uint64_t cr0, uint64_t cr3, uint64_t cr4, uint64_t efer,
		uint64_t gla, uint64_t *gpa)
{
	struct guest_paging pg = { .cr0 = cr0, .cr3 = cr3, .cr4 = cr4, .efer = efer };

	return guest_walk(&pg, gla, gpa, fm_read, &fm);
}

#define PROT_PG (T_CR0_PE | T_CR0_PG)
#define LONG_EFER (T_EFER_LME | T_EFER_LMA)
#define LONG_CR4 (T_CR4_PAE)

/* The walk succeeds, translating to @want after exactly @nreads reads in all since fm_reset(). */
static void expect_walk(uint64_t cr0, uint64_t cr3, uint64_t cr4, uint64_t efer, uint64_t gla,
			uint64_t want, unsigned nreads)
{
	uint64_t gpa = 0;

	assert_int_equal(walk(cr0, cr3, cr4, efer, gla, &gpa), 0);
	assert_int_equal(gpa, want);
	assert_int_equal(fm.nreads, nreads);
}

/* ---------------------------------------------------------------- paging off */

/* CR0.PG = 0: linear addresses are physical (§4.1.1); nothing is read. */
static void test_guest_walk_paging_off_is_identity_without_reads(void **state)
{
	uint64_t gpa = 0;

	fm_reset(8);
	/* Even with CR4.PAE / EFER.LME and a garbage CR3, PG=0 means no paging. */
	assert_int_equal(walk(T_CR0_PE, 0xFFFFF000ULL, T_CR4_PAE | T_CR4_PSE, T_EFER_LME,
			      0x00000000DEADBEEFULL, &gpa), 0);
	assert_int_equal(gpa, 0xDEADBEEFULL);
	expect_walk(0, 0, 0, 0, 0x123456789ABCDEF0ULL, 0x123456789ABCDEF0ULL, 0);
}

/* ------------------------------------------------------------ 32-bit paging */

/*
 * §4.3: CR3[31:12] is the page directory; PDE index gla[31:22], PTE index
 * gla[21:12], 4-byte entries; frame in bits 31:12, offset gla[11:0].
 */
static void test_guest_walk_32bit_4k_page_translates(void **state)
{
	const uint64_t pd = 0x3000, pt = 0x5000;
	const uint64_t gla = 0xC0345ABCULL;	/* PDE 0x300, PTE 0x345 */

	fm_reset(4);
	put32(pd + 0x300 * 4, (uint32_t)(pt | E_TABLE | E_AVL));
	put32(pt + 0x345 * 4, (uint32_t)(0xFEDCB000ULL | E_P | E_RW | E_D | E_G | E_AVL |
					 E_PS /* PAT in a PTE */));
	/* CR3 low bits (PWT/PCD) must not move the table. */
	expect_walk(PROT_PG, pd | 0x18, T_CR4_PSE, 0, gla, 0xFEDCBABCULL, 2);
	assert_int_equal(fm.log[0], pd + 0x300 * 4);
	assert_int_equal(fm.log[1], pt + 0x345 * 4);
}

/* §4.3: with CR4.PSE = 1 a PDE with PS = 1 maps a 4 MiB page: frame bits 31:22. */
static void test_guest_walk_32bit_4m_page_with_pse(void **state)
{
	const uint64_t pd = 0x2000;
	const uint64_t gla = 0x8123ABCDULL;	/* PDE 0x204, offset 0x23ABCD */

	fm_reset(4);
	put32(pd + 0x204 * 4, (uint32_t)(0xFFC00000ULL | E_P | E_PS | E_PAT_LARGE | E_AVL));
	expect_walk(PROT_PG, pd, T_CR4_PSE, 0, gla, 0xFFC00000ULL | 0x23ABCDULL, 1);
}

/* §4.3: with CR4.PSE = 0 the PS bit of a PDE is ignored: it still points to a page table. */
static void test_guest_walk_32bit_ps_ignored_without_pse(void **state)
{
	const uint64_t pd = 0x2000, pt = 0x7000;
	const uint64_t gla = 0x8123ABCDULL;	/* PDE 0x204, PTE 0x23A */

	fm_reset(4);
	put32(pd + 0x204 * 4, (uint32_t)(pt | E_TABLE | E_PS));
	put32(pt + 0x23A * 4, (uint32_t)(0x00ABC000ULL | E_P));
	expect_walk(PROT_PG, pd, 0, 0, gla, 0x00ABCBCDULL, 2);
	assert_int_equal(fm.log[1], pt + 0x23A * 4);
}

/* §4.3: linear addresses are 32 bits wide; bits 63:32 of the input play no part. */
static void test_guest_walk_32bit_ignores_gla_bits_above_31(void **state)
{
	const uint64_t pd = 0x2000, pt = 0x7000;
	uint64_t gpa = 0;

	fm_reset(4);
	put32(pd + 0x001 * 4, (uint32_t)(pt | E_TABLE));
	put32(pt + 0x002 * 4, (uint32_t)(0x12345000ULL | E_P));
	assert_int_equal(walk(PROT_PG, pd, 0, 0, 0xFFFFFFFF00402678ULL, &gpa), 0);
	assert_int_equal(gpa, 0x12345678ULL);
}

/* §4.3: P = 0 in the PDE or in the PTE ends the walk with a fault. */
static void test_guest_walk_32bit_not_present_faults(void **state)
{
	const uint64_t pd = 0x2000, pt = 0x7000;
	uint64_t gpa = 0;

	fm_reset(4);
	put32(pd + 0x001 * 4, (uint32_t)(pt | E_RW | E_US));	/* P = 0 */
	assert_int_equal(walk(PROT_PG, pd, T_CR4_PSE, 0, 0x00400000ULL, &gpa), -EFAULT);
	assert_int_equal(fm.nreads, 1);

	/* A non-present 4 MiB PDE is not a page either. */
	fm_reset(4);
	put32(pd + 0x001 * 4, (uint32_t)(0x00800000ULL | E_PS));
	assert_int_equal(walk(PROT_PG, pd, T_CR4_PSE, 0, 0x00400000ULL, &gpa), -EFAULT);

	fm_reset(4);
	put32(pd + 0x001 * 4, (uint32_t)(pt | E_TABLE));
	put32(pt + 0x002 * 4, (uint32_t)(0x12345000ULL | E_RW));	/* P = 0 */
	assert_int_equal(walk(PROT_PG, pd, T_CR4_PSE, 0, 0x00402000ULL, &gpa), -EFAULT);
	assert_int_equal(fm.nreads, 2);
}

/* ---------------------------------------------------------------- PAE paging */

/*
 * §4.4: the four PDPTEs sit at CR3[31:5] (32-byte aligned, not page aligned),
 * indexed by gla[31:30]; then PD (gla[29:21]) and PT (gla[20:12]), 8-byte
 * entries with frames above 4 GiB.
 */
static void test_guest_walk_pae_4k_page_translates(void **state)
{
	const uint64_t pdpt = 0x1060, pd = 0x4000, pt = 0x6000;
	const uint64_t gla = 0xC0A0B123ULL;	/* PDPTE 3, PDE 5, PTE 0x0B */

	fm_reset(8);
	put64(pdpt + 3 * 8, pd | E_P);
	put64(pd + 5 * 8, pt | E_TABLE | E_AVL | E_HI_IGN);
	put64(pt + 0x0B * 8, 0x0000000123456000ULL | E_P | E_XD | E_HI_IGN | E_PS /* PAT */);
	expect_walk(PROT_PG, pdpt | 0x18, T_CR4_PAE, 0, gla, 0x0000000123456123ULL, 3);
	assert_int_equal(fm.log[0], pdpt + 3 * 8);
	assert_int_equal(fm.log[1], pd + 5 * 8);
	assert_int_equal(fm.log[2], pt + 0x0B * 8);
}

/* §4.4.2: a PDE with PS = 1 maps a 2 MiB page, offset gla[20:0]; PAT bit 12 is not address. */
static void test_guest_walk_pae_2m_page_translates(void **state)
{
	const uint64_t pdpt = 0x1000, pd = 0x4000;
	const uint64_t gla = 0x401FEDCBULL;	/* PDPTE 1, PDE 0, offset 0x1FEDCB */

	fm_reset(8);
	put64(pdpt + 1 * 8, pd | E_P);
	put64(pd + 0 * 8, 0x0000000FFFE00000ULL | E_P | E_PS | E_PAT_LARGE | E_XD | E_PKEY);
	expect_walk(PROT_PG, pdpt, T_CR4_PAE | T_CR4_PSE, 0, gla,
		    0x0000000FFFE00000ULL | 0x1FEDCBULL, 2);
}

/* §4.4.1: a PDPTE with P = 0 faults at once. */
static void test_guest_walk_pae_not_present_pdpte_faults(void **state)
{
	const uint64_t pdpt = 0x1000, pd = 0x4000;
	uint64_t gpa = 0;

	fm_reset(8);
	put64(pdpt + 0 * 8, pd | E_P);
	put64(pdpt + 2 * 8, pd);		/* P = 0 */
	put64(pd, 0x200000ULL | E_P | E_PS);
	assert_int_equal(walk(PROT_PG, pdpt, T_CR4_PAE, 0, 0x80000000ULL, &gpa), -EFAULT);
	assert_int_equal(fm.nreads, 1);
	assert_int_equal(fm.log[0], pdpt + 2 * 8);
	/* The sibling PDPTE is fine: the fault was really the P bit of entry 2. */
	assert_int_equal(walk(PROT_PG, pdpt, T_CR4_PAE, 0, 0x00000042ULL, &gpa), 0);
	assert_int_equal(gpa, 0x200042ULL);
}

/* §4.4.2: P = 0 in the PDE or PTE faults. */
static void test_guest_walk_pae_not_present_pde_pte_fault(void **state)
{
	const uint64_t pdpt = 0x1000, pd = 0x4000, pt = 0x6000;
	uint64_t gpa = 0;

	fm_reset(8);
	put64(pdpt, pd | E_P);
	put64(pd + 1 * 8, pt | E_RW);		/* P = 0 */
	put64(pd + 2 * 8, pt | E_P);
	put64(pt + 3 * 8, 0x9000ULL | E_RW);	/* P = 0 */
	put64(pt + 4 * 8, 0x9000ULL | E_P);
	assert_int_equal(walk(PROT_PG, pdpt, T_CR4_PAE, 0, 0x00200000ULL, &gpa), -EFAULT);
	assert_int_equal(fm.nreads, 2);
	fm.nreads = 0;
	assert_int_equal(walk(PROT_PG, pdpt, T_CR4_PAE, 0, 0x00403000ULL, &gpa), -EFAULT);
	assert_int_equal(fm.nreads, 3);
	assert_int_equal(walk(PROT_PG, pdpt, T_CR4_PAE, 0, 0x00404FFFULL, &gpa), 0);
	assert_int_equal(gpa, 0x9FFFULL);
}

/* §4.4: PAE linear addresses are 32 bits too. */
static void test_guest_walk_pae_ignores_gla_bits_above_31(void **state)
{
	const uint64_t pdpt = 0x1000, pd = 0x4000;
	uint64_t gpa = 0;

	fm_reset(8);
	put64(pdpt + 3 * 8, pd | E_P);
	put64(pd + 0x1FF * 8, 0x40000000ULL | E_P | E_PS);
	assert_int_equal(walk(PROT_PG, pdpt, T_CR4_PAE, 0, 0xABCD0000FFF12345ULL, &gpa), 0);
	assert_int_equal(gpa, 0x40112345ULL);
}

/* --------------------------------------------------------- 4- and 5-level */

/*
 * Build a 4-level walk for @gla down to a 4 KiB leaf @frame in tables at
 * 0x1000 (PML4), 0x2000, 0x3000, 0x4000; returns CR3.
 */
static uint64_t build_4level(uint64_t gla, uint64_t frame)
{
	put64(0x1000 + ((gla >> 39) & 0x1FF) * 8, 0x2000 | E_TABLE | E_XD | E_HI_IGN);
	put64(0x2000 + ((gla >> 30) & 0x1FF) * 8, 0x3000 | E_TABLE | E_AVL);
	put64(0x3000 + ((gla >> 21) & 0x1FF) * 8, 0x4000 | E_TABLE);
	put64(0x4000 + ((gla >> 12) & 0x1FF) * 8, frame | E_P | E_D | E_G | E_PS | E_XD |
	      E_PKEY | E_HI_IGN | E_AVL);
	return 0x1000;
}

/* §4.5.4: PML4 gla[47:39], PDPT [38:30], PD [29:21], PT [20:12]; frame bits 51:12. */
static void test_guest_walk_4level_4k_page_translates(void **state)
{
	const uint64_t gla = 0xFFFF8A5B3C7D9E0FULL;	/* kernel half */
	const uint64_t frame = 0x000FEDCBA9876000ULL;	/* MAXPHYADDR 52 */
	uint64_t cr3;

	fm_reset(8);
	cr3 = build_4level(gla, frame);
	/* PCID in CR3[11:0] and LAM bits 62:61 are not part of the table address. */
	expect_walk(PROT_PG, cr3 | 0xABC | (3ULL << 61), LONG_CR4 | T_CR4_PCIDE, LONG_EFER, gla,
		    frame | 0xE0FULL, 4);
	assert_int_equal(fm.log[0], 0x1000 + ((gla >> 39) & 0x1FF) * 8);
	assert_int_equal(fm.log[1], 0x2000 + ((gla >> 30) & 0x1FF) * 8);
	assert_int_equal(fm.log[2], 0x3000 + ((gla >> 21) & 0x1FF) * 8);
	assert_int_equal(fm.log[3], 0x4000 + ((gla >> 12) & 0x1FF) * 8);
}

/* §4.5.4: a PDE with PS = 1 maps a 2 MiB page; offset gla[20:0]. */
static void test_guest_walk_4level_2m_page_translates(void **state)
{
	const uint64_t gla = 0x00007F0123456789ULL;

	fm_reset(8);
	put64(0x1000 + ((gla >> 39) & 0x1FF) * 8, 0x2000 | E_TABLE);
	put64(0x2000 + ((gla >> 30) & 0x1FF) * 8, 0x3000 | E_TABLE);
	put64(0x3000 + ((gla >> 21) & 0x1FF) * 8, 0x000ABCDEFFE00000ULL | E_P | E_PS |
	      E_PAT_LARGE | E_XD | E_PKEY);
	expect_walk(PROT_PG, 0x1000, LONG_CR4, LONG_EFER, gla,
		    0x000ABCDEFFE00000ULL | (gla & (M2 - 1)), 3);
}

/* §4.5.4: a PDPTE with PS = 1 maps a 1 GiB page; offset gla[29:0]. */
static void test_guest_walk_4level_1g_page_translates(void **state)
{
	const uint64_t gla = 0xFFFFFFFFBFFFFFFFULL;	/* last byte below -1 GiB */

	fm_reset(8);
	put64(0x1000 + 0x1FF * 8, 0x2000 | E_TABLE);
	put64(0x2000 + 0x1FE * 8, 0x000FFFFFC0000000ULL | E_P | E_PS | E_PAT_LARGE | E_XD);
	expect_walk(PROT_PG, 0x1000, LONG_CR4, LONG_EFER, gla, 0x000FFFFFFFFFFFFFULL, 2);
}

/* §4.5.1: without CR4.LA57 the walk starts at the PML4 (gla[47:39]). */
static void test_guest_walk_4level_uses_gla_bits_47_39_first(void **state)
{
	/* Bit 48 set: with 5-level paging this would select PML5E 1 instead. */
	const uint64_t gla = 0x0001008000001000ULL;	/* PML4E 1, PDPTE 0, PDE 0, PTE 1 */
	uint64_t gpa = 0;

	fm_reset(8);
	build_4level(gla, 0x77000);
	assert_int_equal(walk(PROT_PG, 0x1000, LONG_CR4, LONG_EFER, gla, &gpa), 0);
	assert_int_equal(gpa, 0x77000ULL);
	assert_int_equal(fm.log[0], 0x1000 + 1 * 8);
}

/* §4.5.1: CR4.LA57 adds a PML5 indexed by gla[56:48] above the PML4. */
static void test_guest_walk_5level_4k_page_translates(void **state)
{
	const uint64_t gla = 0xFF5A8A5B3C7D9E0FULL;	/* PML5E 0x15A */
	const uint64_t frame = 0x0000000ABCDEF000ULL;

	fm_reset(8);
	put64(0x5000 + 0x15A * 8, 0x1000 | E_TABLE);
	build_4level(gla, frame);
	expect_walk(PROT_PG, 0x5000, LONG_CR4 | T_CR4_LA57, LONG_EFER, gla, frame | 0xE0FULL, 5);
	assert_int_equal(fm.log[0], 0x5000 + 0x15A * 8);
	assert_int_equal(fm.log[1], 0x1000 + ((gla >> 39) & 0x1FF) * 8);
}

/* §4.5.4: 5-level paging keeps the 1 GiB and 2 MiB pages. */
static void test_guest_walk_5level_large_pages_translate(void **state)
{
	const uint64_t gla1g = 0x0100000040000123ULL;	/* PML5E 0x100, PML4E 0, PDPTE 1 */
	const uint64_t gla2m = 0x0100000000212345ULL;	/* PML5E 0x100, PML4E 0, PDPTE 0, PDE 1 */

	fm_reset(8);
	put64(0x5000 + 0x100 * 8, 0x1000 | E_TABLE);
	put64(0x1000, 0x2000 | E_TABLE);
	put64(0x2000 + 1 * 8, 0x0000004000000000ULL | E_P | E_PS);
	put64(0x2000, 0x3000 | E_TABLE);
	put64(0x3000 + 1 * 8, 0x0000000000600000ULL | E_P | E_PS);
	expect_walk(PROT_PG, 0x5000, LONG_CR4 | T_CR4_LA57, LONG_EFER, gla1g,
		    0x0000004000000123ULL, 3);
	expect_walk(PROT_PG, 0x5000, LONG_CR4 | T_CR4_LA57, LONG_EFER, gla2m,
		    0x0000000000612345ULL, 3 + 4);
}

/* §4.5.4: P = 0 at any of the five levels ends the walk there with a fault. */
static void test_guest_walk_5level_not_present_at_each_level_faults(void **state)
{
	const uint64_t gla = 0x00FF8A5B3C7D9E0FULL;
	const uint64_t entry[5] = {
		0x5000 + ((gla >> 48) & 0x1FF) * 8,
		0x1000 + ((gla >> 39) & 0x1FF) * 8,
		0x2000 + ((gla >> 30) & 0x1FF) * 8,
		0x3000 + ((gla >> 21) & 0x1FF) * 8,
		0x4000 + ((gla >> 12) & 0x1FF) * 8,
	};
	uint64_t gpa;

	for (unsigned lvl = 0; lvl < 5; lvl++) {
		fm_reset(8);
		put64(entry[0], 0x1000 | E_TABLE);
		build_4level(gla, 0x8000);
		/* Clear P only; everything else (address, PS for a leaf) stays. */
		put64(entry[lvl], (lvl == 4 ? 0x8000ULL : (uint64_t)(lvl + 1) * 0x1000ULL) |
		      E_RW | E_US | E_A);
		gpa = 0x5A5A;
		assert_int_equal(walk(PROT_PG, 0x5000, LONG_CR4 | T_CR4_LA57, LONG_EFER, gla, &gpa),
				 -EFAULT);
		assert_int_equal(fm.nreads, lvl + 1);
		assert_int_equal(fm.log[lvl], entry[lvl]);
	}
}

/* Not-present leaves that would otherwise be large pages fault too (4-level). */
static void test_guest_walk_4level_not_present_large_pages_fault(void **state)
{
	uint64_t gpa;

	fm_reset(8);
	put64(0x1000, 0x2000 | E_TABLE);
	put64(0x2000, 0x40000000ULL | E_PS | E_RW);			/* 1 GiB, P = 0 */
	put64(0x2000 + 8, 0x3000 | E_TABLE);
	put64(0x3000, 0x200000ULL | E_PS | E_RW);			/* 2 MiB, P = 0 */
	assert_int_equal(walk(PROT_PG, 0x1000, LONG_CR4, LONG_EFER, 0x1234, &gpa), -EFAULT);
	assert_int_equal(fm.nreads, 2);
	assert_int_equal(walk(PROT_PG, 0x1000, LONG_CR4, LONG_EFER, G1 + 0x1234, &gpa), -EFAULT);
	assert_int_equal(fm.nreads, 2 + 3);
}

/* §4.5.4: PS is reserved in a PML4E (and a PML5E): the walker must fault, not map 512 GiB. */
static void test_guest_walk_ps_in_pml4e_or_pml5e_faults(void **state)
{
	uint64_t gpa = 0;

	fm_reset(8);
	put64(0x1000, 0x2000 | E_TABLE | E_PS);
	/* Make the mis-walk (treating it as a table) succeed, so only PS can fault. */
	put64(0x2000, 0x40000000ULL | E_P | E_PS);
	assert_int_equal(walk(PROT_PG, 0x1000, LONG_CR4, LONG_EFER, 0x1234, &gpa), -EFAULT);
	assert_int_equal(fm.nreads, 1);

	fm_reset(8);
	put64(0x5000, 0x1000 | E_TABLE | E_PS);			/* PML5E */
	put64(0x1000, 0x2000 | E_TABLE);
	put64(0x2000, 0x40000000ULL | E_P | E_PS);
	assert_int_equal(walk(PROT_PG, 0x5000, LONG_CR4 | T_CR4_LA57, LONG_EFER, 0x1234, &gpa),
			 -EFAULT);
	assert_int_equal(fm.nreads, 1);
	/* And without PS the same tables translate: the fault was PS. */
	put64(0x5000, 0x1000 | E_TABLE);
	assert_int_equal(walk(PROT_PG, 0x5000, LONG_CR4 | T_CR4_LA57, LONG_EFER, 0x1234, &gpa), 0);
	assert_int_equal(gpa, 0x40001234ULL);

	/* PML4E below a PML5E under 5-level paging. */
	fm_reset(8);
	put64(0x5000, 0x1000 | E_TABLE);
	put64(0x1000, 0x2000 | E_TABLE | E_PS);
	put64(0x2000, 0x40000000ULL | E_P | E_PS);
	assert_int_equal(walk(PROT_PG, 0x5000, LONG_CR4 | T_CR4_LA57, LONG_EFER, 0x1234, &gpa),
			 -EFAULT);
	assert_int_equal(fm.nreads, 2);
}

/* ------------------------------------------------ callback errors, bounds */

/* Whatever error the read callback reports, at whatever level, is returned as is. */
static void test_guest_walk_callback_error_is_returned_at_every_level(void **state)
{
	static const struct {
		uint64_t cr3, cr4, efer;
		unsigned width, reads;
	} mode[] = {
		{ 0x3000, 0,                       0,         4, 2 },	/* 32-bit */
		{ 0x1000, T_CR4_PAE,               0,         8, 3 },	/* PAE */
		{ 0x1000, LONG_CR4,                LONG_EFER, 8, 4 },	/* 4-level */
		{ 0x5000, LONG_CR4 | T_CR4_LA57,   LONG_EFER, 8, 5 },	/* 5-level */
	};
	const int errs[] = { -EIO, -EAGAIN, -ENOENT };
	const uint64_t gla = 0x00000000C0A0B123ULL;
	uint64_t gpa;

	for (unsigned m = 0; m < 4; m++) {
		for (unsigned n = 0; n < mode[m].reads; n++) {
			fm_reset(mode[m].width);
			if (m == 0) {
				put32(0x3000 + (gla >> 22) * 4, 0x4000 | E_TABLE);
				put32(0x4000 + ((gla >> 12) & 0x3FF) * 4, 0x9000 | E_P);
			} else if (m == 1) {
				put64(0x1000 + 3 * 8, 0x2000 | E_P);
				put64(0x2000 + 5 * 8, 0x3000 | E_TABLE);
				put64(0x3000 + 0x0B * 8, 0x9000 | E_P);
			} else {
				put64(0x5000, 0x1000 | E_TABLE);
				build_4level(gla, 0x9000);
			}
			/* The full walk works and takes exactly the expected reads ... */
			assert_int_equal(walk(PROT_PG, mode[m].cr3, mode[m].cr4, mode[m].efer,
					      gla, &gpa), 0);
			assert_int_equal(gpa, 0x9123ULL);
			assert_int_equal(fm.nreads, mode[m].reads);
			/* ... and failing read n yields that error, with no read after it. */
			fm.nreads = 0;
			fm.fail_at = (int)n;
			fm.fail_err = errs[(m + n) % 3];
			assert_int_equal(walk(PROT_PG, mode[m].cr3, mode[m].cr4, mode[m].efer,
					      gla, &gpa), fm.fail_err);
			assert_int_equal(fm.nreads, n + 1);
		}
	}
}

/*
 * A table pointer beyond guest memory: the walker reads exactly where the
 * entry points, the callback refuses, the walk fails with -EFAULT.
 */
static void test_guest_walk_table_outside_memory_faults(void **state)
{
	uint64_t gpa;

	/* 4-level: PDPT at 51:12 all ones. */
	fm_reset(8);
	put64(0x1000, 0x000FFFFFFFFFF000ULL | E_TABLE | E_XD);
	assert_int_equal(walk(PROT_PG, 0x1000, LONG_CR4, LONG_EFER, 0x7FFFFFFFFFULL, &gpa),
			 -EFAULT);
	assert_int_equal(fm.outside, 1);
	assert_int_equal(fm.last_outside, 0x000FFFFFFFFFF000ULL + 0x1FF * 8);

	/* 4-level: CR3 itself outside. */
	fm_reset(8);
	assert_int_equal(walk(PROT_PG, 0x123456000ULL, LONG_CR4, LONG_EFER, 0, &gpa), -EFAULT);
	assert_int_equal(fm.last_outside, 0x123456000ULL);

	/* PAE: PD at the top of a 52-bit physical space (PDPTE bits 51:12). */
	fm_reset(8);
	put64(0x1000, 0x000FFFFFFFFFF000ULL | E_P | E_HI_IGN);
	assert_int_equal(walk(PROT_PG, 0x1000, T_CR4_PAE, 0, 0x00201000ULL, &gpa), -EFAULT);
	assert_int_equal(fm.last_outside, 0x000FFFFFFFFFF000ULL + 1 * 8);

	/* PAE: PT above 4 GiB, beyond bit 47. */
	fm_reset(8);
	put64(0x1000, 0x2000 | E_P);
	put64(0x2000 + 1 * 8, 0x000FEDCB00000000ULL | E_TABLE | E_XD);
	assert_int_equal(walk(PROT_PG, 0x1000, T_CR4_PAE, 0, 0x00203000ULL, &gpa), -EFAULT);
	assert_int_equal(fm.last_outside, 0x000FEDCB00000000ULL + 3 * 8);

	/* 32-bit: page table at the top of the 4 GiB space. */
	fm_reset(4);
	put32(0x2000 + 0x3FF * 4, (uint32_t)(0xFFFFF000ULL | E_TABLE));
	assert_int_equal(walk(PROT_PG, 0x2000, 0, 0, 0xFFFFFFFFULL, &gpa), -EFAULT);
	assert_int_equal(fm.last_outside, 0xFFFFF000ULL + 0x3FF * 4);
}

/* A final frame outside memory is not read: the address is simply returned. */
static void test_guest_walk_does_not_read_the_final_page(void **state)
{
	uint64_t gpa = 0;

	fm_reset(8);
	build_4level(0x1000, 0x000F000000000000ULL);
	assert_int_equal(walk(PROT_PG, 0x1000, LONG_CR4, LONG_EFER, 0x1FFF, &gpa), 0);
	assert_int_equal(gpa, 0x000F000000000FFFULL);
	assert_int_equal(fm.outside, 0);
	assert_int_equal(fm.nreads, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guest_walk_paging_off_is_identity_without_reads),
		cmocka_unit_test(test_guest_walk_32bit_4k_page_translates),
		cmocka_unit_test(test_guest_walk_32bit_4m_page_with_pse),
		cmocka_unit_test(test_guest_walk_32bit_ps_ignored_without_pse),
		cmocka_unit_test(test_guest_walk_32bit_ignores_gla_bits_above_31),
		cmocka_unit_test(test_guest_walk_32bit_not_present_faults),
		cmocka_unit_test(test_guest_walk_pae_4k_page_translates),
		cmocka_unit_test(test_guest_walk_pae_2m_page_translates),
		cmocka_unit_test(test_guest_walk_pae_not_present_pdpte_faults),
		cmocka_unit_test(test_guest_walk_pae_not_present_pde_pte_fault),
		cmocka_unit_test(test_guest_walk_pae_ignores_gla_bits_above_31),
		cmocka_unit_test(test_guest_walk_4level_4k_page_translates),
		cmocka_unit_test(test_guest_walk_4level_2m_page_translates),
		cmocka_unit_test(test_guest_walk_4level_1g_page_translates),
		cmocka_unit_test(test_guest_walk_4level_uses_gla_bits_47_39_first),
		cmocka_unit_test(test_guest_walk_5level_4k_page_translates),
		cmocka_unit_test(test_guest_walk_5level_large_pages_translate),
		cmocka_unit_test(test_guest_walk_5level_not_present_at_each_level_faults),
		cmocka_unit_test(test_guest_walk_4level_not_present_large_pages_fault),
		cmocka_unit_test(test_guest_walk_ps_in_pml4e_or_pml5e_faults),
		cmocka_unit_test(test_guest_walk_callback_error_is_returned_at_every_level),
		cmocka_unit_test(test_guest_walk_table_outside_memory_faults),
		cmocka_unit_test(test_guest_walk_does_not_read_the_final_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

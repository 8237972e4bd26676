/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of ACPI table discovery (hypervisor/arch/x86/acpi.c).
 *
 * "Physical memory" is phys[]: physical address pa is phys[pa] for
 * pa < phys_limit, and p2v() refuses anything that reaches past that.
 * Tables are built here with the layouts of ACPI 6.5: RSDP §5.2.5.3,
 * system description table header §5.2.6, RSDT/XSDT §5.2.7/§5.2.8,
 * MADT §5.2.12 (Processor Local APIC 0, I/O APIC 1, Local x2APIC 9),
 * and the RSDP search of §5.2.5.1 (first KiB of the EBDA, whose segment
 * is the word at 0x40E, then 0xE0000-0xFFFFF on 16-byte boundaries).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include <string.h>
#include <lib/errno.h>
#include <arch/x86/acpi.h>

#define PHYS_SIZE	0x200000U
#define RSDT_PA		0x100000U
#define XSDT_PA		0x101000U
#define MADT_PA		0x102000U
#define DMAR_PA		0x104000U
#define FACP_PA		0x105000U
#define MADT2_PA	0x106000U

static uint8_t phys[PHYS_SIZE];
static uint64_t phys_limit;
static unsigned p2v_refused;
static struct acpi_platform plat;
static uint8_t rsdp[36];

static const void *t_p2v(uint64_t pa, size_t len)
{
	if (pa > phys_limit || len > phys_limit - pa) {
		p2v_refused++;
		return NULL;
	}
	return phys + pa;
}

static int setup(void **state)
{
	(void)state;
	memset(phys, 0, sizeof(phys));
	phys_limit = PHYS_SIZE;
	p2v_refused = 0;
	memset(&plat, 0xA5, sizeof(plat));
	return 0;
}

static void wr16(uint64_t pa, uint16_t v)
{
	memcpy(phys + pa, &v, 2);
}

static void wr32(uint64_t pa, uint32_t v)
{
	memcpy(phys + pa, &v, 4);
}

static void wr64(uint64_t pa, uint64_t v)
{
	memcpy(phys + pa, &v, 8);
}

static uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n-- > 0)
		s += *p++;
	return s;
}

/* RSDP image: revision 0 (20 bytes) or 2 (36 bytes), valid checksums. */
static void make_rsdp(uint8_t *r, uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
	uint32_t len = 36;

	memset(r, 0, 36);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "TESTOE", 6);
	r[15] = rev;
	memcpy(r + 16, &rsdt, 4);
	r[8] = (uint8_t)-sum8(r, 20);
	if (rev >= 2) {
		memcpy(r + 20, &len, 4);
		memcpy(r + 24, &xsdt, 8);
		r[32] = (uint8_t)-sum8(r, 36);
	}
}

/* Header of a system description table; returns the first payload offset. */
static uint32_t sdt_begin(uint64_t pa, const char *sig)
{
	memset(phys + pa, 0, 36);
	memcpy(phys + pa, sig, 4);
	phys[pa + 8] = 1;
	memcpy(phys + pa + 10, "TESTOE", 6);
	return 36;
}

static void sdt_finish(uint64_t pa, uint32_t len)
{
	wr32(pa + 4, len);
	phys[pa + 9] = 0;
	phys[pa + 9] = (uint8_t)-sum8(phys + pa, len);
}

static void make_rsdt(const uint32_t *tables, unsigned n)
{
	uint32_t off = sdt_begin(RSDT_PA, "RSDT");

	for (unsigned i = 0; i < n; i++, off += 4)
		wr32(RSDT_PA + off, tables[i]);
	sdt_finish(RSDT_PA, off);
}

static void make_xsdt(const uint64_t *tables, unsigned n)
{
	uint32_t off = sdt_begin(XSDT_PA, "XSDT");

	for (unsigned i = 0; i < n; i++, off += 8)
		wr64(XSDT_PA + off, tables[i]);
	sdt_finish(XSDT_PA, off);
}

/* MADT builder */
static uint32_t madt_off;
static uint64_t madt_pa;

static void madt_begin(uint64_t pa)
{
	madt_pa = pa;
	madt_off = sdt_begin(pa, "APIC");
	wr32(pa + 36, 0xFEE00000);
	wr32(pa + 40, 1);	/* PCAT_COMPAT */
	madt_off = 44;
}

static void madt_lapic(uint8_t uid, uint8_t apic_id, uint32_t flags)
{
	uint64_t e = madt_pa + madt_off;

	phys[e] = 0;
	phys[e + 1] = 8;
	phys[e + 2] = uid;
	phys[e + 3] = apic_id;
	wr32(e + 4, flags);
	madt_off += 8;
}

static void madt_ioapic(uint8_t id, uint32_t addr, uint32_t gsi)
{
	uint64_t e = madt_pa + madt_off;

	phys[e] = 1;
	phys[e + 1] = 12;
	phys[e + 2] = id;
	phys[e + 3] = 0;
	wr32(e + 4, addr);
	wr32(e + 8, gsi);
	madt_off += 12;
}

static void madt_x2apic(uint32_t id, uint32_t flags, uint32_t uid)
{
	uint64_t e = madt_pa + madt_off;

	phys[e] = 9;
	phys[e + 1] = 16;
	wr16(e + 2, 0);
	wr32(e + 4, id);
	wr32(e + 8, flags);
	wr32(e + 12, uid);
	madt_off += 16;
}

/* An entry type the parser does not know (Interrupt Source Override, 10 bytes). */
static void madt_iso(void)
{
	uint64_t e = madt_pa + madt_off;

	phys[e] = 2;
	phys[e + 1] = 10;
	phys[e + 2] = 0;
	phys[e + 3] = 0;	/* IRQ0 */
	wr32(e + 4, 2);		/* -> GSI 2 */
	madt_off += 10;
}

static void madt_finish(void)
{
	sdt_finish(madt_pa, madt_off);
}

static void make_dmar(void)
{
	uint32_t off = sdt_begin(DMAR_PA, "DMAR");

	phys[DMAR_PA + off] = 38;	/* host address width - 1 */
	sdt_finish(DMAR_PA, off + 12);
}

static void make_facp(void)
{
	sdt_begin(FACP_PA, "FACP");
	sdt_finish(FACP_PA, 116);
}

/* The machine most tests start from: two enabled LAPICs, one disabled,
 * one only online-capable, an ISO, two IOAPICs, two x2APICs (one enabled). */
static void make_std_madt(void)
{
	madt_begin(MADT_PA);
	madt_lapic(0, 0, 1);
	madt_lapic(1, 2, 1);
	madt_lapic(2, 4, 0);		/* disabled */
	madt_lapic(3, 6, 2);		/* online capable, not enabled */
	madt_iso();
	madt_ioapic(8, 0xFEC00000, 0);
	madt_ioapic(9, 0xFEC01000, 24);
	madt_x2apic(0x100, 1, 4);
	madt_x2apic(0x101, 0, 5);
	madt_finish();
}

static void check_std_madt(void)
{
	assert_int_equal(plat.madt_pa, MADT_PA);
	assert_int_equal(plat.lapic_addr, 0xFEE00000);
	assert_int_equal(plat.cpu_count, 3);
	assert_int_equal(plat.apic_ids[0], 0);
	assert_int_equal(plat.apic_ids[1], 2);
	assert_int_equal(plat.apic_ids[2], 0x100);
	assert_int_equal(plat.ioapic_count, 2);
	assert_int_equal(plat.ioapics[0].id, 8);
	assert_int_equal(plat.ioapics[0].addr, 0xFEC00000);
	assert_int_equal(plat.ioapics[0].gsi_base, 0);
	assert_int_equal(plat.ioapics[1].id, 9);
	assert_int_equal(plat.ioapics[1].addr, 0xFEC01000);
	assert_int_equal(plat.ioapics[1].gsi_base, 24);
}

static void test_acpi_checksum_ok_detects_any_byte_change(void **state)
{
	uint8_t b[40];

	for (int i = 0; i < 40; i++)
		b[i] = (uint8_t)(i * 7 + 3);
	b[0] = 0;
	b[0] = (uint8_t)-sum8(b, 40);
	assert_true(acpi_checksum_ok(b, 40));
	b[39]++;
	assert_false(acpi_checksum_ok(b, 40));
	assert_true(acpi_checksum_ok(b, 0));
}

static void test_acpi_v2_rsdp_xsdt_madt_dmar_parsed(void **state)
{
	const uint64_t t[] = { FACP_PA, MADT_PA, DMAR_PA };

	make_facp();
	make_std_madt();
	make_dmar();
	make_xsdt(t, 3);
	make_rsdp(rsdp, 2, 0xDEAD0000, XSDT_PA);	/* RSDT pointer must not be used */

	assert_int_equal(acpi_parse(rsdp, t_p2v, &plat), 0);
	check_std_madt();
	assert_int_equal(plat.dmar_pa, DMAR_PA);
	assert_int_equal(plat.rsdp_pa, 0);	/* came from the copy */
	assert_int_equal(p2v_refused, 0);
}

static void test_acpi_v1_rsdp_rsdt_parsed(void **state)
{
	const uint32_t t[] = { MADT_PA, FACP_PA };

	make_facp();
	make_std_madt();
	make_rsdt(t, 2);
	make_rsdp(rsdp, 0, RSDT_PA, 0);

	assert_int_equal(acpi_parse(rsdp, t_p2v, &plat), 0);
	check_std_madt();
	assert_int_equal(plat.dmar_pa, 0);
}

static void test_acpi_v2_rsdp_without_xsdt_uses_rsdt(void **state)
{
	const uint32_t t[] = { MADT_PA, DMAR_PA };

	make_std_madt();
	make_dmar();
	make_rsdt(t, 2);
	make_rsdp(rsdp, 2, RSDT_PA, 0);

	assert_int_equal(acpi_parse(rsdp, t_p2v, &plat), 0);
	check_std_madt();
	assert_int_equal(plat.dmar_pa, DMAR_PA);
}

static void test_acpi_xsdt_entries_use_64bit_addresses(void **state)
{
	/* a table above 4 GiB is out of reach, the one after it must still be read */
	const uint64_t t[] = { 0x100000000ULL + MADT2_PA, MADT_PA };

	make_std_madt();
	make_xsdt(t, 2);
	make_rsdp(rsdp, 2, 0, XSDT_PA);
	/* a MADT at the truncated address would be found if the high half were dropped */
	madt_begin(MADT2_PA);
	madt_lapic(0, 0x77, 1);
	madt_finish();

	assert_int_equal(acpi_parse(rsdp, t_p2v, &plat), 0);
	check_std_madt();
	assert_true(p2v_refused > 0);
}

static void test_acpi_bad_rsdp_checksum_rejected(void **state)
{
	const uint32_t t[] = { MADT_PA };

	make_std_madt();
	make_rsdt(t, 1);
	make_rsdp(rsdp, 0, RSDT_PA, 0);
	rsdp[8]++;
	assert_int_equal(acpi_parse(rsdp, t_p2v, &plat), -ENOENT);
	assert_int_equal(plat.cpu_count, 0);
}

static void test_acpi_bad_rsdp_extended_checksum_rejected(void **state)
{
	const uint64_t t[] = { MADT_PA };

	make_std_madt();
	make_xsdt(t, 1);
	make_rsdp(rsdp, 2, 0, XSDT_PA);
	rsdp[32]++;		/* first 20 bytes still sum to zero */
	assert_int_equal(acpi_parse(rsdp, t_p2v, &plat), -ENOENT);
}

static void test_acpi_bad_rsdp_copy_falls_back_to_bios_scan(void **state)
{
	const uint32_t t[] = { MADT_PA };
	uint8_t bad[36];

	make_std_madt();
	make_rsdt(t, 1);
	make_rsdp(phys + 0xE1230, 0, RSDT_PA, 0);
	make_rsdp(bad, 0, RSDT_PA, 0);
	bad[0] = 'X';
	assert_int_equal(acpi_parse(bad, t_p2v, &plat), 0);
	assert_int_equal(plat.rsdp_pa, 0xE1230);
	check_std_madt();
}

static void test_acpi_rsdp_found_in_bios_area(void **state)
{
	const uint64_t t[] = { MADT_PA };

	make_std_madt();
	make_xsdt(t, 1);
	/* a signature with a wrong checksum first: must be passed over */
	make_rsdp(phys + 0xE0040, 2, 0, XSDT_PA);
	phys[0xE0048]++;
	make_rsdp(phys + 0xF5A80, 2, 0, XSDT_PA);
	assert_int_equal(acpi_parse(NULL, t_p2v, &plat), 0);
	assert_int_equal(plat.rsdp_pa, 0xF5A80);
	check_std_madt();
}

static void test_acpi_rsdp_not_on_16_byte_boundary_ignored(void **state)
{
	const uint32_t t[] = { MADT_PA };

	make_std_madt();
	make_rsdt(t, 1);
	make_rsdp(phys + 0xE1238, 0, RSDT_PA, 0);
	assert_int_equal(acpi_parse(NULL, t_p2v, &plat), -ENOENT);
}

static void test_acpi_rsdp_outside_search_areas_ignored(void **state)
{
	const uint32_t t[] = { MADT_PA };

	make_std_madt();
	make_rsdt(t, 1);
	make_rsdp(phys + 0xD0000, 0, RSDT_PA, 0);	/* option ROM space, not searched */
	make_rsdp(phys + 0x80000, 0, RSDT_PA, 0);	/* conventional memory */
	assert_int_equal(acpi_parse(NULL, t_p2v, &plat), -ENOENT);
}

static void test_acpi_rsdp_found_in_ebda_first(void **state)
{
	const uint32_t t[] = { MADT_PA };
	const uint32_t t2[] = { MADT2_PA };

	make_std_madt();
	make_rsdt(t, 1);
	wr16(0x40E, 0x9FC0);		/* EBDA at 0x9FC00 */
	make_rsdp(phys + 0x9FC00 + 0x3F0 - 0x20, 0, RSDT_PA, 0);
	/* a second, valid RSDP in the BIOS area leads to another MADT */
	madt_begin(MADT2_PA);
	madt_lapic(0, 0x55, 1);
	madt_finish();
	{
		uint32_t off = sdt_begin(0x108000, "RSDT");

		wr32(0x108000 + off, t2[0]);
		sdt_finish(0x108000, off + 4);
	}
	make_rsdp(phys + 0xE0000, 0, 0x108000, 0);

	assert_int_equal(acpi_parse(NULL, t_p2v, &plat), 0);
	assert_int_equal(plat.rsdp_pa, 0x9FC00 + 0x3F0 - 0x20);
	check_std_madt();

	/* beyond the first KiB of the EBDA: not searched there, BIOS area wins */
	setup(state);
	make_std_madt();
	make_rsdt(t, 1);
	wr16(0x40E, 0x9FC0);
	make_rsdp(phys + 0x9FC00 + 0x400, 0, RSDT_PA, 0);
	madt_begin(MADT2_PA);
	madt_lapic(0, 0x55, 1);
	madt_finish();
	{
		uint32_t off = sdt_begin(0x108000, "RSDT");

		wr32(0x108000 + off, t2[0]);
		sdt_finish(0x108000, off + 4);
	}
	make_rsdp(phys + 0xE0000, 0, 0x108000, 0);
	assert_int_equal(acpi_parse(NULL, t_p2v, &plat), 0);
	assert_int_equal(plat.rsdp_pa, 0xE0000);
	assert_int_equal(plat.cpu_count, 1);
	assert_int_equal(plat.apic_ids[0], 0x55);
}

/* ACPI §5.2.5.1 allows a 20-byte RSDP on any 16-byte boundary below 1 MiB. */
static void test_acpi_v1_rsdp_at_top_of_bios_area_found(void **state)
{
	const uint32_t t[] = { MADT_PA };

	uint8_t r[36];

	make_std_madt();
	make_rsdt(t, 1);
	make_rsdp(r, 0, RSDT_PA, 0);
	memcpy(phys + 0xFFFE0, r, 20);	/* the RSDT starts right at 1 MiB */
	assert_int_equal(acpi_parse(NULL, t_p2v, &plat), 0);
	assert_int_equal(plat.rsdp_pa, 0xFFFE0);
}

static void test_acpi_no_rsdp_anywhere_is_enoent(void **state)
{
	assert_int_equal(acpi_parse(NULL, t_p2v, &plat), -ENOENT);
	/* nothing mapped at all */
	phys_limit = 0;
	assert_int_equal(acpi_parse(NULL, t_p2v, &plat), -ENOENT);
}

static void test_acpi_bad_root_table_is_einval(void **state)
{
	const uint64_t t[] = { MADT_PA };

	make_std_madt();
	make_xsdt(t, 1);
	make_rsdp(rsdp, 2, 0, XSDT_PA);
	phys[XSDT_PA + 20]++;		/* checksum */
	assert_int_equal(acpi_parse(rsdp, t_p2v, &plat), -EINVAL);

	phys[XSDT_PA + 20]--;
	memcpy(phys + XSDT_PA, "RSDT", 4);	/* wrong signature, checksum fixed */
	sdt_finish(XSDT_PA, 36 + 8);
	assert_int_equal(acpi_parse(rsdp, t_p2v, &plat), -EINVAL);

	make_xsdt(t, 1);
	wr32(XSDT_PA + 4, 35);		/* shorter than a header */
	assert_int_equal(acpi_parse(rsdp, t_p2v, &plat), -EINVAL);

	make_rsdp(rsdp, 2, 0, PHYS_SIZE - 16);	/* header not mappable */
	assert_int_equal(acpi_parse(rsdp, t_p2v, &plat), -EINVAL);
}

static void test_acpi_table_longer_than_1mib_skipped(void **state)
{
	const uint64_t t[] = { 0x1000, MADT_PA };

	make_std_madt();
	make_xsdt(t, 2);
	make_rsdp(rsdp, 2, 0, XSDT_PA);
	/* a DMAR claiming 1 MiB + 4 bytes, mappable here and with a valid checksum
	 * (built last: its range covers the start of the XSDT) */
	sdt_begin(0x1000, "DMAR");
	sdt_finish(0x1000, (1U << 20) + 4);
	assert_true(acpi_checksum_ok(phys + 0x1000, (1U << 20) + 4));
	assert_int_equal(acpi_parse(rsdp, t_p2v, &plat), 0);
	assert_int_equal(plat.dmar_pa, 0);
	check_std_madt();

	sdt_finish(0x1000, 1U << 20);	/* exactly 1 MiB is accepted */
	assert_int_equal(acpi_parse(rsdp, t_p2v, &plat), 0);
	assert_int_equal(plat.dmar_pa, 0x1000);
}

static void test_acpi_bad_table_checksum_skips_table(void **state)
{
	const uint64_t t[] = { DMAR_PA, MADT_PA };

	make_std_madt();
	make_dmar();
	make_xsdt(t, 2);
	make_rsdp(rsdp, 2, 0, XSDT_PA);
	phys[DMAR_PA + 40] ^= 0x10;
	assert_int_equal(acpi_parse(rsdp, t_p2v, &plat), 0);
	assert_int_equal(plat.dmar_pa, 0);
	check_std_madt();

	phys[MADT_PA + 50] ^= 0x01;	/* now the MADT is corrupt too */
	assert_int_equal(acpi_parse(rsdp, t_p2v, &plat), -ENOENT);
	assert_int_equal(plat.madt_pa, 0);
	assert_int_equal(plat.cpu_count, 0);
}

static void test_acpi_first_valid_madt_wins(void **state)
{
	const uint64_t t[] = { MADT2_PA, MADT_PA };

	make_std_madt();
	madt_begin(MADT2_PA);
	madt_lapic(0, 0x33, 1);
	madt_finish();
	make_xsdt(t, 2);
	make_rsdp(rsdp, 2, 0, XSDT_PA);
	assert_int_equal(acpi_parse(rsdp, t_p2v, &plat), 0);
	assert_int_equal(plat.madt_pa, MADT2_PA);
	assert_int_equal(plat.cpu_count, 1);
	assert_int_equal(plat.apic_ids[0], 0x33);
}

static void test_acpi_madt_shorter_than_header_not_used(void **state)
{
	const uint64_t t[] = { MADT_PA };

	sdt_begin(MADT_PA, "APIC");
	sdt_finish(MADT_PA, 40);
	make_xsdt(t, 1);
	make_rsdp(rsdp, 2, 0, XSDT_PA);
	assert_int_equal(acpi_parse(rsdp, t_p2v, &plat), -ENOENT);
}

static void test_acpi_madt_zero_length_entry_stops_walk(void **state)
{
	const uint64_t t[] = { MADT_PA };

	madt_begin(MADT_PA);
	madt_lapic(0, 1, 1);
	phys[MADT_PA + madt_off] = 0;
	phys[MADT_PA + madt_off + 1] = 0;	/* length 0 */
	madt_off += 2;
	madt_lapic(0, 2, 1);
	madt_ioapic(3, 0xFEC00000, 0);
	madt_finish();
	make_xsdt(t, 1);
	make_rsdp(rsdp, 2, 0, XSDT_PA);
	assert_int_equal(acpi_parse(rsdp, t_p2v, &plat), 0);
	assert_int_equal(plat.cpu_count, 1);
	assert_int_equal(plat.apic_ids[0], 1);
	assert_int_equal(plat.ioapic_count, 0);

	/* length 1 cannot even hold the entry header */
	phys[MADT_PA + 52 + 1] = 1;
	sdt_finish(MADT_PA, madt_off);
	assert_int_equal(acpi_parse(rsdp, t_p2v, &plat), 0);
	assert_int_equal(plat.cpu_count, 1);
}

static void test_acpi_madt_entry_past_table_end_stops_walk(void **state)
{
	const uint64_t t[] = { MADT_PA };

	madt_begin(MADT_PA);
	madt_lapic(0, 1, 1);
	madt_lapic(0, 2, 1);
	/* the table ends 4 bytes into the second LAPIC entry; the bytes after
	 * the table still hold its enabled flag, which must not be read */
	madt_off -= 4;
	madt_finish();
	make_xsdt(t, 1);
	make_rsdp(rsdp, 2, 0, XSDT_PA);
	assert_int_equal(acpi_parse(rsdp, t_p2v, &plat), 0);
	assert_int_equal(plat.cpu_count, 1);
	assert_int_equal(plat.apic_ids[0], 1);

	/* short entries of known types are not taken either */
	setup(state);
	madt_begin(MADT_PA);
	phys[MADT_PA + 44] = 0;
	phys[MADT_PA + 45] = 4;		/* LAPIC entry of 4 bytes */
	phys[MADT_PA + 47] = 9;
	madt_off += 4;
	phys[MADT_PA + madt_off] = 9;
	phys[MADT_PA + madt_off + 1] = 8;	/* x2APIC entry of 8 bytes */
	madt_off += 8;
	phys[MADT_PA + madt_off] = 1;
	phys[MADT_PA + madt_off + 1] = 8;	/* IOAPIC entry of 8 bytes */
	madt_off += 8;
	madt_lapic(0, 5, 1);
	wr32(MADT_PA + madt_off, 0x01010101);	/* after the table */
	madt_finish();
	make_xsdt(t, 1);
	make_rsdp(rsdp, 2, 0, XSDT_PA);
	assert_int_equal(acpi_parse(rsdp, t_p2v, &plat), 0);
	assert_int_equal(plat.cpu_count, 1);
	assert_int_equal(plat.apic_ids[0], 5);
	assert_int_equal(plat.ioapic_count, 0);
}

static void test_acpi_madt_at_end_of_memory_not_overread(void **state)
{
	const uint64_t t[] = { MADT_PA };

	madt_begin(MADT_PA);
	madt_lapic(0, 1, 1);
	madt_lapic(0, 2, 1);
	madt_finish();
	make_xsdt(t, 1);
	make_rsdp(rsdp, 2, 0, XSDT_PA);
	phys_limit = MADT_PA + madt_off;	/* nothing mapped after the MADT */
	assert_int_equal(acpi_parse(rsdp, t_p2v, &plat), 0);
	assert_int_equal(plat.cpu_count, 2);

	phys_limit--;			/* one byte short: the table is not mappable */
	assert_int_equal(acpi_parse(rsdp, t_p2v, &plat), -ENOENT);
	assert_true(p2v_refused > 0);
}

static void test_acpi_cpus_capped_at_max(void **state)
{
	const uint64_t t[] = { MADT_PA };

	madt_begin(MADT_PA);
	for (unsigned i = 0; i < ACPI_MAX_CPUS + 6; i++) {
		if (i & 1)
			madt_x2apic(0x1000 + i, 1, i);
		else
			madt_lapic((uint8_t)i, (uint8_t)i, 1);
	}
	for (unsigned i = 0; i < ACPI_MAX_IOAPICS + 2; i++)
		madt_ioapic((uint8_t)(20 + i), 0xFEC00000 + 0x1000 * i, 24 * i);
	madt_finish();
	make_xsdt(t, 1);
	make_rsdp(rsdp, 2, 0, XSDT_PA);
	assert_int_equal(acpi_parse(rsdp, t_p2v, &plat), 0);
	assert_int_equal(plat.cpu_count, ACPI_MAX_CPUS);
	for (unsigned i = 0; i < ACPI_MAX_CPUS; i++)
		assert_int_equal(plat.apic_ids[i], (i & 1) ? 0x1000 + i : i);
	/* IOAPICs after the CPU overflow are still taken, up to their limit */
	assert_int_equal(plat.ioapic_count, ACPI_MAX_IOAPICS);
	assert_int_equal(plat.ioapics[ACPI_MAX_IOAPICS - 1].id, 20 + ACPI_MAX_IOAPICS - 1);
}

static void test_acpi_unmappable_table_pointers_skipped(void **state)
{
	const uint64_t t[] = { 0xFFFFFFFFFFFFFFF0ULL, PHYS_SIZE - 8, MADT_PA };

	make_std_madt();
	make_xsdt(t, 3);
	make_rsdp(rsdp, 2, 0, XSDT_PA);
	assert_int_equal(acpi_parse(rsdp, t_p2v, &plat), 0);
	check_std_madt();
	assert_int_equal(p2v_refused, 2);
}

static void test_acpi_no_madt_is_enoent(void **state)
{
	const uint64_t t[] = { FACP_PA, DMAR_PA };

	make_facp();
	make_dmar();
	make_xsdt(t, 2);
	make_rsdp(rsdp, 2, 0, XSDT_PA);
	assert_int_equal(acpi_parse(rsdp, t_p2v, &plat), -ENOENT);
	assert_int_equal(plat.dmar_pa, DMAR_PA);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_acpi_checksum_ok_detects_any_byte_change, setup),
		cmocka_unit_test_setup(test_acpi_v2_rsdp_xsdt_madt_dmar_parsed, setup),
		cmocka_unit_test_setup(test_acpi_v1_rsdp_rsdt_parsed, setup),
		cmocka_unit_test_setup(test_acpi_v2_rsdp_without_xsdt_uses_rsdt, setup),
		cmocka_unit_test_setup(test_acpi_xsdt_entries_use_64bit_addresses, setup),
		cmocka_unit_test_setup(test_acpi_bad_rsdp_checksum_rejected, setup),
		cmocka_unit_test_setup(test_acpi_bad_rsdp_extended_checksum_rejected, setup),
		cmocka_unit_test_setup(test_acpi_bad_rsdp_copy_falls_back_to_bios_scan, setup),
		cmocka_unit_test_setup(test_acpi_rsdp_found_in_bios_area, setup),
		cmocka_unit_test_setup(test_acpi_rsdp_not_on_16_byte_boundary_ignored, setup),
		cmocka_unit_test_setup(test_acpi_rsdp_outside_search_areas_ignored, setup),
		cmocka_unit_test_setup(test_acpi_rsdp_found_in_ebda_first, setup),
		cmocka_unit_test_setup(test_acpi_v1_rsdp_at_top_of_bios_area_found, setup),
		cmocka_unit_test_setup(test_acpi_no_rsdp_anywhere_is_enoent, setup),
		cmocka_unit_test_setup(test_acpi_bad_root_table_is_einval, setup),
		cmocka_unit_test_setup(test_acpi_table_longer_than_1mib_skipped, setup),
		cmocka_unit_test_setup(test_acpi_bad_table_checksum_skips_table, setup),
		cmocka_unit_test_setup(test_acpi_first_valid_madt_wins, setup),
		cmocka_unit_test_setup(test_acpi_madt_shorter_than_header_not_used, setup),
		cmocka_unit_test_setup(test_acpi_madt_zero_length_entry_stops_walk, setup),
		cmocka_unit_test_setup(test_acpi_madt_entry_past_table_end_stops_walk, setup),
		cmocka_unit_test_setup(test_acpi_madt_at_end_of_memory_not_overread, setup),
		cmocka_unit_test_setup(test_acpi_cpus_capped_at_max, setup),
		cmocka_unit_test_setup(test_acpi_unmappable_table_pointers_skipped, setup),
		cmocka_unit_test_setup(test_acpi_no_madt_is_enoent, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for ACPI table discovery (hypervisor/arch/x86/acpi.c).
 *
 * Input layout:
 *   byte 0      bit 0: the next 36 bytes after the header are the loader's
 *               RSDP copy; bit 1: the BIOS data area word at 0x40E (EBDA
 *               segment) is mapped and holds bytes 1-2; bit 2: fix up
 *               checksums first (below)
 *   bytes 1-2   EBDA segment (little endian)
 *   byte 3      unused
 *   [36 bytes]  RSDP copy when bit 0 is set
 *   rest        "physical memory" image mapped at IMAGE_BASE (0xE0000, the
 *               BIOS area the RSDP search covers)
 *
 * The image lives in a heap block of exactly its size and p2v() maps
 * nothing else, so AddressSanitizer reports any read outside what was
 * granted.  The result is then compared with a reference model written
 * from ACPI 6.5 §5.2.5 (RSDP search), §5.2.7/§5.2.8 (RSDT/XSDT) and
 * §5.2.12 (MADT entries 0, 1 and 9): same return value, same tables found,
 * same CPUs and I/O APICs in the same order.
 *
 * Checksums would stop almost every mutation at the first table, so with
 * bit 2 set the harness first makes every RSDP it sees on a 16-byte
 * boundary, and every table header with a known signature on a 4-byte
 * boundary whose length fits, sum to zero.  Without bit 2 the bytes are
 * used as they are, so corrupt checksums are fuzzed too.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lib/errno.h>
#include <arch/x86/acpi.h>

#define IMAGE_BASE	0xE0000ULL
#define BDA_EBDA	0x40EULL
#define MAX_TABLE	(1U << 20)

static const uint8_t *image;
static size_t image_len;
static const uint8_t *bda;	/* NULL when the BDA word is not mapped */

static const void *fz_p2v(uint64_t pa, size_t len)
{
	uint64_t off;

	if (bda != NULL && pa == BDA_EBDA && len <= 2)
		return bda;
	if (pa < IMAGE_BASE)
		return NULL;
	off = pa - IMAGE_BASE;
	if (off > image_len || len > image_len - off)
		return NULL;
	return image + off;
}

/* ---- reference model: reads the image only through ref_map() ---- */

static const uint8_t *ref_map(uint64_t pa, size_t len)
{
	return fz_p2v(pa, len);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static bool sums_to_zero(const uint8_t *p, size_t n)
{
	unsigned s = 0;

	for (size_t i = 0; i < n; i++)
		s += p[i];
	return (s & 0xFF) == 0;
}

/* §5.2.5.3: signature, checksum over 20 bytes, extended checksum for rev >= 2. */
static bool ref_rsdp_ok(const uint8_t *r)
{
	if (memcmp(r, "RSD PTR ", 8) != 0 || !sums_to_zero(r, 20))
		return false;
	if (r[15] >= 2 && (le32(r + 20) < 36 || !sums_to_zero(r, 36)))
		return false;
	return true;
}

/* §5.2.6: a usable table has a mappable header, a sane length and checksum. */
static const uint8_t *ref_table(uint64_t pa, const char *sig)
{
	const uint8_t *h = ref_map(pa, 36);
	uint32_t len;

	if (h == NULL || (sig != NULL && memcmp(h, sig, 4) != 0))
		return NULL;
	len = le32(h + 4);
	if (len < 36 || len > MAX_TABLE)
		return NULL;
	h = ref_map(pa, len);
	return h != NULL && sums_to_zero(h, len) ? h : NULL;
}

/*
 * §5.2.5.1 search order: first KiB of the EBDA, then 0xE0000-0xFFFFF, on
 * 16-byte boundaries.  A v1 RSDP is 20 bytes, a v2 one 36.  With
 * v1_needs_36 set, every candidate needs 36 bytes inside the area and
 * mapped, as the parser currently requires (see the unit test
 * test_acpi_v1_rsdp_at_top_of_bios_area_found); both readings are accepted
 * so this target checks everything else before and after that is fixed.
 */
static const uint8_t *ref_find_rsdp(uint64_t *pa, bool v1_needs_36)
{
	uint64_t base[2] = { 0, IMAGE_BASE }, size[2] = { 0, 0x20000 };
	const uint8_t *w = ref_map(BDA_EBDA, 2);

	if (w != NULL) {
		base[0] = (uint64_t)(w[0] | w[1] << 8) << 4;
		size[0] = 1024;
	}
	for (int a = 0; a < 2; a++) {
		for (uint64_t off = 0; off + 20 <= size[a]; off += 16) {
			const uint8_t *r = ref_map(base[a] + off, 20);

			if (r != NULL && (r[15] >= 2 || v1_needs_36))
				r = off + 36 <= size[a] ? ref_map(base[a] + off, 36) : NULL;
			if (r != NULL && ref_rsdp_ok(r)) {
				*pa = base[a] + off;
				return r;
			}
		}
	}
	return NULL;
}

static void ref_madt(const uint8_t *t, struct acpi_platform *p)
{
	uint32_t len = le32(t + 4);

	p->lapic_addr = le32(t + 36);
	for (uint32_t off = 44; off + 2 <= len;) {
		const uint8_t *e = t + off;

		if (e[1] < 2 || off + e[1] > len)
			break;
		if (e[0] == 0 && e[1] >= 8 && (le32(e + 4) & 1) && p->cpu_count < ACPI_MAX_CPUS)
			p->apic_ids[p->cpu_count++] = e[3];
		if (e[0] == 9 && e[1] >= 16 && (le32(e + 8) & 1) && p->cpu_count < ACPI_MAX_CPUS)
			p->apic_ids[p->cpu_count++] = le32(e + 4);
		if (e[0] == 1 && e[1] >= 12 && p->ioapic_count < ACPI_MAX_IOAPICS) {
			p->ioapics[p->ioapic_count].id = e[2];
			p->ioapics[p->ioapic_count].addr = le32(e + 4);
			p->ioapics[p->ioapic_count].gsi_base = le32(e + 8);
			p->ioapic_count++;
		}
		off += e[1];
	}
}

static int ref_parse(const uint8_t *copy, struct acpi_platform *p, bool v1_needs_36)
{
	const uint8_t *r = NULL, *root;
	uint64_t rpa = 0;
	bool x;

	memset(p, 0, sizeof(*p));
	if (copy != NULL && ref_rsdp_ok(copy))
		r = copy;
	else
		r = ref_find_rsdp(&rpa, v1_needs_36);
	if (r == NULL)
		return -ENOENT;
	p->rsdp_pa = rpa;
	x = r[15] >= 2 && le64(r + 24) != 0;
	root = x ? ref_table(le64(r + 24), "XSDT") : ref_table(le32(r + 16), "RSDT");
	if (root == NULL)
		return -EINVAL;
	for (uint32_t off = 36, w = x ? 8 : 4; off + w <= le32(root + 4); off += w) {
		uint64_t pa = x ? le64(root + off) : le32(root + off);
		const uint8_t *t = ref_table(pa, NULL);

		if (t == NULL)
			continue;
		if (memcmp(t, "APIC", 4) == 0 && p->madt_pa == 0 && le32(t + 4) >= 44) {
			p->madt_pa = pa;
			ref_madt(t, p);
		} else if (memcmp(t, "DMAR", 4) == 0) {
			p->dmar_pa = pa;
		}
	}
	return p->madt_pa != 0 ? 0 : -ENOENT;
}

/* Make the n bytes at p sum to zero by setting the byte at p[at]. */
static void fix_sum(uint8_t *p, size_t n, size_t at)
{
	unsigned s = 0;

	p[at] = 0;
	for (size_t i = 0; i < n; i++)
		s += p[i];
	p[at] = (uint8_t)-s;
}

static void fix_rsdp(uint8_t *r, size_t avail)
{
	fix_sum(r, 20, 8);
	if (r[15] >= 2 && avail >= 36)
		fix_sum(r, 36, 32);
}

static void fix_checksums(uint8_t *img, size_t n, uint8_t *copy)
{
	static const char sigs[][5] = { "APIC", "DMAR", "XSDT", "RSDT", "FACP" };

	for (size_t off = 0; off + 36 <= n; off += 4) {
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
			uint32_t len = le32(img + off + 4);

			if (memcmp(img + off, sigs[i], 4) == 0 && len >= 36 && len <= n - off)
				fix_sum(img + off, len, 9);
		}
	}
	for (size_t off = 0; off + 20 <= n; off += 16) {
		if (memcmp(img + off, "RSD PTR ", 8) == 0)
			fix_rsdp(img + off, n - off);
	}
	if (copy != NULL)
		fix_rsdp(copy, 36);
}

static bool same(int ret, const struct acpi_platform *got, int want_ret,
		 const struct acpi_platform *want)
{
	if (ret != want_ret)
		return false;
	if (got->rsdp_pa != want->rsdp_pa || got->madt_pa != want->madt_pa ||
	    got->dmar_pa != want->dmar_pa || got->lapic_addr != want->lapic_addr)
		return false;
	if (got->cpu_count != want->cpu_count || got->ioapic_count != want->ioapic_count)
		return false;
	if (memcmp(got->apic_ids, want->apic_ids, got->cpu_count * sizeof(got->apic_ids[0])) != 0)
		return false;
	for (uint32_t i = 0; i < got->ioapic_count; i++) {
		if (got->ioapics[i].id != want->ioapics[i].id ||
		    got->ioapics[i].addr != want->ioapics[i].addr ||
		    got->ioapics[i].gsi_base != want->ioapics[i].gsi_base)
			return false;
	}
	return true;
}

static void check(int ret, const struct acpi_platform *got, const uint8_t *copy)
{
	static struct acpi_platform want;

	if (ret != 0 && ret != -ENOENT && ret != -EINVAL)
		abort();
	if (got->cpu_count > ACPI_MAX_CPUS || got->ioapic_count > ACPI_MAX_IOAPICS)
		abort();
	if (same(ret, got, ref_parse(copy, &want, false), &want))
		return;
	if (!same(ret, got, ref_parse(copy, &want, true), &want))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct acpi_platform plat;
	uint8_t *img, *bda_copy = NULL, *rsdp_copy = NULL;
	size_t hdr = 4;
	int ret;

	if (size < 4)
		return 0;
	if (data[0] & 1) {
		if (size < 4 + 36)
			return 0;
		rsdp_copy = malloc(36);
		if (rsdp_copy == NULL)
			return 0;
		memcpy(rsdp_copy, data + 4, 36);
		hdr += 36;
	}
	if (data[0] & 2) {
		bda_copy = malloc(2);
		if (bda_copy == NULL)
			goto out;
		memcpy(bda_copy, data + 1, 2);
	}
	image_len = size - hdr;
	img = malloc(image_len ? image_len : 1);
	if (img == NULL)
		goto out;
	memcpy(img, data + hdr, image_len);
	if (data[0] & 4)
		fix_checksums(img, image_len, rsdp_copy);
	image = img;
	bda = bda_copy;

	memset(&plat, 0x5A, sizeof(plat));
	ret = acpi_parse(rsdp_copy, fz_p2v, &plat);
	check(ret, &plat, rsdp_copy);

	free(img);
	image = NULL;
	bda = NULL;
out:
	free(bda_copy);
	free(rsdp_copy);
	return 0;
}

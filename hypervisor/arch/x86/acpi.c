/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ACPI table discovery.  Firmware tables are checked (signature, length,
 * checksum) before use; a MADT entry that would run past its table ends the walk.
 */
#include <arch/x86/acpi.h>
#include <lib/errno.h>
#include <lib/string.h>

#define SDT_HDR_LEN	36
#define MADT_HDR_LEN	44
#define MAX_TABLE_LEN	(1U << 20)

enum madt_type {
	MADT_LAPIC = 0,
	MADT_IOAPIC = 1,
	MADT_X2APIC = 9,
};

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

bool acpi_checksum_ok(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += b[i];
	return sum == 0;
}

/* Map a whole system description table after checking its header. */
static const uint8_t *map_sdt(uint64_t pa, boot_p2v_fn p2v, const char *sig)
{
	const uint8_t *hdr = p2v(pa, SDT_HDR_LEN);
	uint32_t len;

	if (hdr == NULL || (sig != NULL && memcmp(hdr, sig, 4) != 0))
		return NULL;
	len = rd32(hdr + 4);
	if (len < SDT_HDR_LEN || len > MAX_TABLE_LEN)
		return NULL;
	hdr = p2v(pa, len);
	if (hdr == NULL || !acpi_checksum_ok(hdr, len))
		return NULL;
	return hdr;
}

static bool rsdp_valid(const uint8_t *r)
{
	if (memcmp(r, "RSD PTR ", 8) != 0 || !acpi_checksum_ok(r, 20))
		return false;
	if (r[15] >= 2 && (rd32(r + 20) < 36 || !acpi_checksum_ok(r, 36)))
		return false;
	return true;
}

/* ACPI §5.2.5.1: the first KiB of the EBDA, then 0xE0000-0xFFFFF, 16-byte aligned. */
static const uint8_t *find_rsdp(boot_p2v_fn p2v, uint64_t *pa)
{
	const uint8_t *bda = p2v(0x40E, 2);
	uint64_t areas[2][2] = { { 0, 0 }, { 0xE0000, 0x20000 } };

	if (bda != NULL) {
		uint16_t seg;

		memcpy(&seg, bda, 2);
		areas[0][0] = (uint64_t)seg << 4;
		areas[0][1] = 1024;
	}
	for (int a = 0; a < 2; a++) {
		for (uint64_t off = 0; areas[a][1] != 0 && off + 20 <= areas[a][1]; off += 16) {
			const uint8_t *r = p2v(areas[a][0] + off, 20);

			/* a v1 RSDP is 20 bytes; only a v2 one needs 36 mapped */
			if (r != NULL && r[15] >= 2)
				r = off + 36 <= areas[a][1] ? p2v(areas[a][0] + off, 36) : NULL;
			if (r != NULL && rsdp_valid(r)) {
				*pa = areas[a][0] + off;
				return r;
			}
		}
	}
	return NULL;
}

static void madt_walk(const uint8_t *madt, struct acpi_platform *plat)
{
	uint32_t len = rd32(madt + 4), off = MADT_HDR_LEN;

	plat->lapic_addr = rd32(madt + 36);
	while (off + 2 <= len) {
		const uint8_t *e = madt + off;
		uint8_t type = e[0], elen = e[1];

		if (elen < 2 || elen > len - off)
			break;
		if (type == MADT_LAPIC && elen >= 8 && (rd32(e + 4) & 1U) &&
		    plat->cpu_count < ACPI_MAX_CPUS) {
			plat->apic_ids[plat->cpu_count++] = e[3];
		} else if (type == MADT_X2APIC && elen >= 16 && (rd32(e + 8) & 1U) &&
			   plat->cpu_count < ACPI_MAX_CPUS) {
			plat->apic_ids[plat->cpu_count++] = rd32(e + 4);
		} else if (type == MADT_IOAPIC && elen >= 12 && plat->ioapic_count < ACPI_MAX_IOAPICS) {
			struct acpi_ioapic *io = &plat->ioapics[plat->ioapic_count++];

			io->id = e[2];
			io->addr = rd32(e + 4);
			io->gsi_base = rd32(e + 8);
		}
		off += elen;
	}
}

/* A copy of the last successful parse, for readers such as the debug shell. */
static struct acpi_platform parsed_platform;
static bool platform_parsed;

const struct acpi_platform *acpi_platform_get(void)
{
	return platform_parsed ? &parsed_platform : NULL;
}

int acpi_parse(const uint8_t *rsdp_copy, boot_p2v_fn p2v, struct acpi_platform *plat)
{
	const uint8_t *rsdp = NULL, *root;
	uint64_t rsdp_pa = 0;
	bool xsdt;

	memset(plat, 0, sizeof(*plat));
	if (rsdp_copy != NULL && rsdp_valid(rsdp_copy))
		rsdp = rsdp_copy;
	else
		rsdp = find_rsdp(p2v, &rsdp_pa);
	if (rsdp == NULL)
		return -ENOENT;
	plat->rsdp_pa = rsdp_pa;

	xsdt = rsdp[15] >= 2 && rd64(rsdp + 24) != 0;
	root = xsdt ? map_sdt(rd64(rsdp + 24), p2v, "XSDT") : map_sdt(rd32(rsdp + 16), p2v, "RSDT");
	if (root == NULL)
		return -EINVAL;

	uint32_t esz = xsdt ? 8 : 4, len = rd32(root + 4);

	for (uint32_t off = SDT_HDR_LEN; off + esz <= len; off += esz) {
		uint64_t pa = xsdt ? rd64(root + off) : rd32(root + off);
		const uint8_t *t = map_sdt(pa, p2v, NULL);

		if (t == NULL)
			continue;
		if (memcmp(t, "APIC", 4) == 0 && plat->madt_pa == 0 && rd32(t + 4) >= MADT_HDR_LEN) {
			plat->madt_pa = pa;
			madt_walk(t, plat);
		} else if (memcmp(t, "DMAR", 4) == 0) {
			plat->dmar_pa = pa;
		}
	}
	if (plat->madt_pa == 0)
		return -ENOENT;
	parsed_platform = *plat;
	platform_parsed = true;
	return 0;
}

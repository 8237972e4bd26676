/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ACPI tables: built into guest memory for a VM on the fake back-end and
 * read back the way an OS does (RSDP -> XSDT -> tables, FADT -> DSDT/FACS),
 * with every checksum, the MADT, the FADT PM blocks and the DSDT's AML.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "acpi_tables.h"
#include "dm_log.h"
#include "dmtest.h"
#include "guest_mem.h"
#include "hw/acpi_pm.h"

#define REGION_LEN	(ACPI_TABLES_END - ACPI_TABLES_BASE)

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const uint8_t *p) { return get16(p) | (uint32_t)get16(p + 2) << 16; }
static uint64_t get64(const uint8_t *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }

struct acpi_vm {
	struct dmtest_vm vm;
	uint8_t *mem;
};

static void acpi_vm_create(struct acpi_vm *a, const char *ncpus, const char *com)
{
	if (com != NULL)
		assert_int_equal(dmtest_vm_create(&a->vm, "-m", "64M", "-c", ncpus, "-l", com,
						  "vm", NULL), 0);
	else
		assert_int_equal(dmtest_vm_create(&a->vm, "-m", "64M", "-c", ncpus, "vm", NULL),
				 0);
	assert_int_equal(acpi_tables_install(a->vm.ctx), 0);
	a->mem = vm_map_gpa(a->vm.ctx, ACPI_TABLES_BASE, REGION_LEN);
	assert_non_null(a->mem);
}

static const uint8_t *find(struct acpi_vm *a, const char *sig, uint32_t *len)
{
	const uint8_t *t = NULL;

	assert_int_equal(acpi_tables_find(a->mem, REGION_LEN, ACPI_TABLES_BASE, ACPI_TABLES_BASE,
					  sig, &t, len), 0);
	return t;
}

static void test_acpi_every_checksum_is_valid(void **state)
{
	static const char *const sigs[] = { "XSDT", "APIC", "FACP", "DSDT" };
	struct acpi_vm a;
	const uint8_t *t;
	uint32_t len;

	acpi_vm_create(&a, "2", "com1,stdio");
	assert_memory_equal(a.mem, "RSD PTR ", 8);
	assert_int_equal(acpi_checksum(a.mem, 20), 0);
	assert_int_equal(acpi_checksum(a.mem, 36), 0);
	assert_int_equal(a.mem[15], 2);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		t = find(&a, sigs[i], &len);
		assert_memory_equal(t, sigs[i], 4);
		assert_int_equal(get32(t + 4), len);
		assert_int_equal(acpi_checksum(t, len), 0);
	}
	/* The RSDT (for ACPI 1.0 readers) too. */
	t = a.mem + (get32(a.mem + 16) - ACPI_TABLES_BASE);
	assert_memory_equal(t, "RSDT", 4);
	assert_int_equal(acpi_checksum(t, get32(t + 4)), 0);
	dmtest_vm_destroy(&a.vm);
}

static void test_acpi_rsdp_reaches_every_table(void **state)
{
	struct acpi_vm a;
	const uint8_t *xsdt, *fadt, *facs, *dsdt;
	uint32_t xlen, flen, len;

	acpi_vm_create(&a, "1", NULL);
	xsdt = find(&a, "XSDT", &xlen);
	assert_int_equal(get64(a.mem + 24), ACPI_TABLES_BASE + (uint64_t)(xsdt - a.mem));
	assert_int_equal((xlen - 36) / 8, 2);		/* FADT and MADT */
	fadt = find(&a, "FACP", &flen);
	facs = find(&a, "FACS", &len);
	assert_int_equal(len, 64);
	assert_int_equal((ACPI_TABLES_BASE + (uint64_t)(facs - a.mem)) % 64, 0);
	assert_int_equal(get32(fadt + 36), ACPI_TABLES_BASE + (uint64_t)(facs - a.mem));
	dsdt = find(&a, "DSDT", &len);
	assert_int_equal(get64(fadt + 140), ACPI_TABLES_BASE + (uint64_t)(dsdt - a.mem));
	assert_int_equal(get32(fadt + 40), get64(fadt + 140));
	/* No MCFG: the PCI core offers no ECAM. */
	assert_int_equal(acpi_tables_find(a.mem, REGION_LEN, ACPI_TABLES_BASE, ACPI_TABLES_BASE,
					  "MCFG", &dsdt, &len), -ENOENT);
	dmtest_vm_destroy(&a.vm);
}

/* Count MADT entries of @p type; check LAPIC IDs are 0..n-1 and enabled. */
static void check_madt(const char *ncpus, unsigned int n)
{
	struct acpi_vm a;
	const uint8_t *m;
	uint32_t len, off;
	unsigned int lapics = 0, ioapics = 0;
	bool iso0 = false, iso9 = false;

	acpi_vm_create(&a, ncpus, NULL);
	m = find(&a, "APIC", &len);
	assert_int_equal(get32(m + 36), 0xfee00000U);
	assert_int_equal(get32(m + 40) & 1, 1);			/* PCAT_COMPAT: 8259s present */
	for (off = 44; off + 2 <= len; off += m[off + 1]) {
		assert_true(m[off + 1] >= 2 && off + m[off + 1] <= len);
		switch (m[off]) {
		case 0:
			assert_int_equal(m[off + 3], lapics);	/* APIC ID */
			assert_int_equal(get32(m + off + 4) & 1, 1);
			lapics++;
			break;
		case 1:
			assert_int_equal(get32(m + off + 4), 0xfec00000U);
			assert_int_equal(get32(m + off + 8), 0);	/* GSI base */
			ioapics++;
			break;
		case 2:
			if (m[off + 3] == 0) {
				assert_int_equal(get32(m + off + 4), 2);
				iso0 = true;
			} else if (m[off + 3] == 9) {
				assert_int_equal(get32(m + off + 4), 9);
				assert_int_equal(get16(m + off + 8), 0x000f);	/* level, active low */
				iso9 = true;
			}
			break;
		}
	}
	assert_int_equal(off, len);
	assert_int_equal(lapics, n);
	assert_int_equal(ioapics, 1);
	assert_true(iso0);
	assert_true(iso9);
	dmtest_vm_destroy(&a.vm);
}

static void test_acpi_madt_one_lapic_per_vcpu_and_the_ioapic(void **state)
{
	check_madt("1", 1);
	check_madt("4", 4);
	check_madt("16", 16);
}

static void test_acpi_fadt_pm_blocks_equal_acpi_pm_constants(void **state)
{
	struct acpi_vm a;
	const uint8_t *f;
	uint32_t len;

	acpi_vm_create(&a, "1", NULL);
	f = find(&a, "FACP", &len);
	assert_int_equal(len, 276);
	assert_int_equal(get16(f + 46), 9);			/* SCI_INT */
	assert_int_equal(get32(f + 48), 0);			/* SMI_CMD: always ACPI mode */
	assert_int_equal(get32(f + 56), ACPI_PM1A_EVT_ADDR);
	assert_int_equal(get32(f + 64), ACPI_PM1A_CNT_ADDR);
	assert_int_equal(get32(f + 76), ACPI_PM_TMR_ADDR);
	assert_int_equal(f[88], ACPI_PM1_EVT_LEN);
	assert_int_equal(f[89], ACPI_PM1_CNT_LEN);
	assert_int_equal(f[91], ACPI_PM_TMR_LEN);
	/* X_ blocks agree with the 32-bit ones (system I/O). */
	assert_int_equal(f[148], 1);
	assert_int_equal(get64(f + 152), ACPI_PM1A_EVT_ADDR);
	assert_int_equal(get64(f + 176), ACPI_PM1A_CNT_ADDR);
	assert_int_equal(get64(f + 212), ACPI_PM_TMR_ADDR);
	/* RESET_REG: system I/O, 8 bits at 0xCF9, value 6; RESET_REG_SUP set. */
	assert_int_equal(f[116], 1);
	assert_int_equal(f[117], 8);
	assert_int_equal(get64(f + 120), ACPI_RESET_ADDR);
	assert_int_equal(f[128], ACPI_RESET_VALUE);
	assert_int_equal(get32(f + 112) & (1u << 10), 1u << 10);
	assert_int_equal(get32(f + 112) & (1u << 20), 0);	/* not HW_REDUCED */
	assert_int_equal(get32(f + 112) & (1u << 8), 0);	/* 24-bit PM timer */
	dmtest_vm_destroy(&a.vm);
}

/* Decode a PkgLength at @p p; returns its value and stores the encoding size. */
static uint32_t pkglen(const uint8_t *p, unsigned int *nbytes)
{
	unsigned int n = (p[0] >> 6) + 1;
	uint32_t v;

	*nbytes = n;
	if (n == 1)
		return p[0] & 0x3f;
	v = p[0] & 0x0f;
	for (unsigned int i = 1; i < n; i++)
		v |= (uint32_t)p[i] << (4 + 8 * (i - 1));
	return v;
}

static const uint8_t *memfind(const uint8_t *h, size_t hl, const void *n, size_t nl)
{
	for (size_t i = 0; i + nl <= hl; i++)
		if (memcmp(h + i, n, nl) == 0)
			return h + i;
	return NULL;
}

static unsigned int memcount(const uint8_t *h, size_t hl, const void *n, size_t nl)
{
	unsigned int c = 0;
	const uint8_t *p;

	while ((p = memfind(h, hl, n, nl)) != NULL) {
		c++;
		hl -= (size_t)(p - h) + 1;
		h = p + 1;
	}
	return c;
}

static void test_acpi_dsdt_s5_carries_slp_typ_5(void **state)
{
	struct acpi_vm a;
	const uint8_t *d, *p;
	uint32_t len;
	unsigned int n;

	acpi_vm_create(&a, "1", NULL);
	d = find(&a, "DSDT", &len);
	/* Name(_S5_, Package(4) {5, 5, 0, 0}) at the root (ACPI 6.5 §7.4.2). */
	p = memfind(d + 36, len - 36, "\x08_S5_\x12", 6);
	assert_non_null(p);
	p += 6;
	pkglen(p, &n);
	p += n;
	assert_int_equal(p[0], 4);				/* NumElements */
	assert_int_equal(p[1], 0x0a);				/* BytePrefix */
	assert_int_equal(p[2], ACPI_SLP_TYP_S5);
	assert_int_equal(p[3], 0x0a);
	assert_int_equal(p[4], ACPI_SLP_TYP_S5);
	dmtest_vm_destroy(&a.vm);
}

static void test_acpi_dsdt_aml_lengths_nest_exactly(void **state)
{
	struct acpi_vm a;
	const uint8_t *d, *p, *dev;
	uint32_t len, scope_len, dev_len;
	unsigned int n;

	acpi_vm_create(&a, "1", "com2,stdio");
	d = find(&a, "DSDT", &len);
	/* 0x10 PkgLength '\' "_SB_": the scope is the last term and ends at the table end. */
	p = memfind(d + 36, len - 36, "\\_SB_", 5);
	assert_non_null(p);
	scope_len = 0;
	for (unsigned int k = 1; k <= 4 && scope_len == 0; k++) {
		if (p[-(int)k - 1] == 0x10 && pkglen(p - k, &n) != 0 && n == k) {
			scope_len = pkglen(p - k, &n);
			assert_int_equal((size_t)(p - k - d) + scope_len, len);
		}
	}
	assert_true(scope_len != 0);
	/* Device(PCI0) with a multi-byte PkgLength (its _PRT alone is > 1 KiB). */
	dev = memfind(d, len, "\x5b\x82", 2);
	assert_non_null(dev);
	dev_len = pkglen(dev + 2, &n);
	assert_true(n >= 2);
	assert_memory_equal(dev + 2 + n, "PCI0", 4);
	assert_true(dev + 2 + dev_len <= d + len);
	/* The next term after PCI0 is Device(COM2). */
	assert_memory_equal(dev + 2 + dev_len, "\x5b\x82", 2);
	pkglen(dev + 4 + dev_len, &n);
	assert_memory_equal(dev + 4 + dev_len + n, "COM2", 4);
	dmtest_vm_destroy(&a.vm);
}

static void test_acpi_dsdt_describes_present_devices(void **state)
{
	static const uint8_t pnp0a03[] = { 0x0c, 0x41, 0xd0, 0x0a, 0x03 };
	static const uint8_t pnp0501[] = { 0x0c, 0x41, 0xd0, 0x05, 0x01 };
	static const uint8_t pnp0b00[] = { 0x0c, 0x41, 0xd0, 0x0b, 0x00 };
	static const uint8_t com1_io[] = { 0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08,
					   0x22, 0x10, 0x00 };
	static const uint8_t com2_io[] = { 0x47, 0x01, 0xf8, 0x02, 0xf8, 0x02, 0x01, 0x08,
					   0x22, 0x08, 0x00 };
	static const uint8_t mmio32[] = { 0x87, 0x17, 0x00, 0x00, 0x0c, 0x01, 0, 0, 0, 0,
					  0x00, 0x00, 0x00, 0xc0, 0xff, 0xff, 0xff, 0xdf };
	static const uint8_t pio[] = { 0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03, 0, 0,
				       0x00, 0x20, 0xff, 0xff };
	struct acpi_vm a;
	const uint8_t *d;
	uint32_t len;

	acpi_vm_create(&a, "1", "com1,stdio");
	d = find(&a, "DSDT", &len);
	assert_int_equal(memcount(d, len, pnp0a03, sizeof(pnp0a03)), 1);
	assert_int_equal(memcount(d, len, pnp0501, sizeof(pnp0501)), 1);	/* only com1 */
	assert_int_equal(memcount(d, len, pnp0b00, sizeof(pnp0b00)), 1);
	assert_non_null(memfind(d, len, com1_io, sizeof(com1_io)));
	assert_null(memfind(d, len, com2_io, sizeof(com2_io)));
	/* Windows of the PCI core's BAR allocator. */
	assert_non_null(memfind(d, len, mmio32, sizeof(mmio32)));
	assert_non_null(memfind(d, len, pio, sizeof(pio)));
	/* _PRT entry for slot 3 INTB: GSI 16 + (3 + 1) % 8 = 20. */
	assert_non_null(memfind(d, len, "\x0c\xff\xff\x03\x00\x01\x00\x0a\x14", 9));
	dmtest_vm_destroy(&a.vm);
}

static void test_acpi_find_rejects_corruption(void **state)
{
	struct acpi_vm a;
	const uint8_t *t;
	uint8_t *x;
	uint32_t len;

	acpi_vm_create(&a, "2", NULL);
	/* A flipped byte in the MADT breaks its checksum. */
	t = find(&a, "APIC", &len);
	a.mem[(t - a.mem) + 40] ^= 0x80;
	assert_int_equal(acpi_tables_find(a.mem, REGION_LEN, ACPI_TABLES_BASE, ACPI_TABLES_BASE,
					  "APIC", &t, &len), -EBADMSG);
	/* An XSDT entry pointing outside the region, checksum fixed up. */
	assert_int_equal(acpi_tables_install(a.vm.ctx), 0);
	x = (uint8_t *)find(&a, "XSDT", &len);
	memset(x + 36, 0xf0, 8);
	x[9] = 0;
	x[9] = (uint8_t)(0 - acpi_checksum(x, len));
	assert_int_equal(acpi_tables_find(a.mem, REGION_LEN, ACPI_TABLES_BASE, ACPI_TABLES_BASE,
					  "FACP", &t, &len), -EFAULT);
	/* A bad RSDP checksum. */
	assert_int_equal(acpi_tables_install(a.vm.ctx), 0);
	a.mem[10] ^= 1;
	assert_int_equal(acpi_tables_find(a.mem, REGION_LEN, ACPI_TABLES_BASE, ACPI_TABLES_BASE,
					  "FACP", &t, &len), -EBADMSG);
	/* RSDP address outside the region. */
	assert_int_equal(acpi_tables_find(a.mem, REGION_LEN, ACPI_TABLES_BASE,
					  ACPI_TABLES_END - 8, "FACP", &t, &len), -EFAULT);
	dmtest_vm_destroy(&a.vm);
}

static void test_acpi_build_rejects_bad_config_and_small_buffer(void **state)
{
	struct acpi_tables_config cfg = { .ncpus = 1 };
	uint8_t *buf = calloc(1, 0x10000);

	assert_int_equal(acpi_tables_build(&cfg, buf, 0x400, 0xe0000), -ENOSPC);
	assert_int_equal(acpi_tables_build(&cfg, buf, 0x600, 0xe0000), -ENOSPC);	/* DSDT */
	assert_int_equal(acpi_tables_build(&cfg, buf, 0x10000, 0xe0008), -EINVAL);
	cfg.ncpus = 0;
	assert_int_equal(acpi_tables_build(&cfg, buf, 0x10000, 0xe0000), -EINVAL);
	cfg.ncpus = ACPI_MAX_CPUS + 1;
	assert_int_equal(acpi_tables_build(&cfg, buf, 0x10000, 0xe0000), -EINVAL);
	cfg.ncpus = 1;
	cfg.nuarts = 1;
	cfg.uarts[0].com = 1;
	cfg.uarts[0].irq = 16;
	assert_int_equal(acpi_tables_build(&cfg, buf, 0x10000, 0xe0000), -EINVAL);
	cfg.uarts[0].irq = 4;
	cfg.uarts[0].com = 0;
	assert_int_equal(acpi_tables_build(&cfg, buf, 0x10000, 0xe0000), -EINVAL);
	cfg.uarts[0].com = 1;
	assert_int_equal(acpi_tables_build(&cfg, buf, 0x10000, 0xe0000), 0);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acpi_every_checksum_is_valid),
		cmocka_unit_test(test_acpi_rsdp_reaches_every_table),
		cmocka_unit_test(test_acpi_madt_one_lapic_per_vcpu_and_the_ioapic),
		cmocka_unit_test(test_acpi_fadt_pm_blocks_equal_acpi_pm_constants),
		cmocka_unit_test(test_acpi_dsdt_s5_carries_slp_typ_5),
		cmocka_unit_test(test_acpi_dsdt_aml_lengths_nest_exactly),
		cmocka_unit_test(test_acpi_dsdt_describes_present_devices),
		cmocka_unit_test(test_acpi_find_rejects_corruption),
		cmocka_unit_test(test_acpi_build_rejects_bad_config_and_small_buffer),
	};

	dm_log_set_level(DM_LOG_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Linux direct boot and --ovmf loading on the fake back-end: a synthetic
 * bzImage built here is loaded, and the guest memory, zero page, e820 and
 * the vCPU registers the back-end received are checked; hostile images,
 * initrds and command lines are rejected with one message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acpi_tables.h"
#include "boot_linux.h"
#include "dm_config.h"
#include "dm_log.h"
#include "guest_mem.h"
#include "pci_core.h"
#include "vmctx.h"
#include "vmm_test.h"
#include "boot_fixture.h"

/* The fake back-end, with set_vcpu_regs recorded. */
static struct vmm_ops rec_ops;
static struct acrn_vcpu_regs rec_regs;
static int rec_calls;

static int rec_set_vcpu_regs(struct vmctx *ctx, const struct acrn_vcpu_regs *regs)
{
	rec_regs = *regs;
	rec_calls++;
	return vmm_test_ops.set_vcpu_regs(ctx, regs);
}

struct bvm {
	struct dm_config cfg;
	struct vmctx *ctx;
	char err[256];
};

static int bvm_create(struct bvm *vm, ...)
{
	char *argv[32];
	int argc = 0, rc;
	va_list ap;
	char *a;

	memset(vm, 0, sizeof(*vm));
	rec_ops = vmm_test_ops;
	rec_ops.set_vcpu_regs = rec_set_vcpu_regs;
	memset(&rec_regs, 0, sizeof(rec_regs));
	rec_calls = 0;
	argv[argc++] = (char *)"acrn-dm";
	va_start(ap, vm);
	while ((a = va_arg(ap, char *)) != NULL && argc < 31)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	rc = dm_config_parse(&vm->cfg, argc, argv, vm->err, sizeof(vm->err));
	if (rc == 0)
		rc = vmctx_create(&vm->cfg, &rec_ops, &vm->ctx, vm->err, sizeof(vm->err));
	return rc;
}

static void bvm_destroy(struct bvm *vm)
{
	dm_boot_release(vm->ctx);
	vmctx_destroy(vm->ctx);
	dm_config_free(&vm->cfg);
}

static uint32_t get32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t get64(const uint8_t *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }

static void test_boot_bzimage_pm_part_lands_at_16m(void **state)
{
	struct bvm vm;
	size_t klen;
	uint8_t *k = make_bzimage(0x020f, 2047, &klen);
	uint8_t got[PM_SIZE];

	assert_int_equal(bvm_create(&vm, "-m", "256M", "vm", NULL), 0);
	assert_int_equal(boot_linux_load(vm.ctx, k, klen, NULL, 0, "console=ttyS0", vm.err,
					 sizeof(vm.err)), 0);
	assert_int_equal(vmm_test_gpa_read(vm.ctx, BOOT_KERNEL_ADDR, got, PM_SIZE), 0);
	assert_memory_equal(got, k + SETUP_SIZE, PM_SIZE);
	bvm_destroy(&vm);
	free(k);
}

static void test_boot_zero_page_fields(void **state)
{
	static const char cmd[] = "console=ttyS0 root=/dev/vda rw";
	struct bvm vm;
	size_t klen, ilen = 3 * 4096 + 123;
	uint8_t *k = make_bzimage(0x020f, 2047, &klen), *initrd = malloc(ilen), *ird;
	uint8_t zp[4096];
	char line[sizeof(cmd)];
	uint32_t rd_addr, rd_size;

	for (size_t i = 0; i < ilen; i++)
		initrd[i] = (uint8_t)(i ^ 0x5a);
	assert_int_equal(bvm_create(&vm, "-m", "256M", "vm", NULL), 0);
	assert_int_equal(boot_linux_load(vm.ctx, k, klen, initrd, ilen, cmd, vm.err,
					 sizeof(vm.err)), 0);
	assert_int_equal(vmm_test_gpa_read(vm.ctx, BOOT_ZEROPAGE_ADDR, zp, sizeof(zp)), 0);
	assert_int_equal(zp[BP_TYPE_OF_LOADER], 0xff);
	assert_int_equal(get32(zp + BP_HEADER), BP_HDR_MAGIC);		/* header copied */
	assert_int_equal(zp[BP_SETUP_SECTS], SETUP_SECTS);
	assert_int_equal(get32(zp + BP_CMD_LINE_PTR), BOOT_CMDLINE_ADDR);
	assert_int_equal(vmm_test_gpa_read(vm.ctx, BOOT_CMDLINE_ADDR, line, sizeof(line)), 0);
	assert_string_equal(line, cmd);
	assert_int_equal(get64(zp + BP_ACPI_RSDP_ADDR), ACPI_TABLES_BASE);

	/* initrd: page aligned, as high as possible below lowmem (256 MiB), intact. */
	rd_addr = get32(zp + BP_RAMDISK_IMAGE);
	rd_size = get32(zp + BP_RAMDISK_SIZE);
	assert_int_equal(rd_size, ilen);
	assert_int_equal(rd_addr % 4096, 0);
	assert_true(rd_addr + ilen <= 256u << 20);
	assert_true(rd_addr + ilen > (256u << 20) - 4096);
	ird = vm_map_gpa(vm.ctx, rd_addr, ilen);
	assert_non_null(ird);
	assert_memory_equal(ird, initrd, ilen);

	/* e820: RAM low, BIOS area reserved, RAM from 1 MiB, the hole's non-BAR parts. */
	assert_int_equal(zp[BP_E820_ENTRIES], 5);
	{
		static const uint64_t want[5][3] = {
			{ 0, 0x9f000, E820_RAM },
			{ 0x9f000, 0x61000, E820_RESERVED },
			{ 0x100000, (256u << 20) - 0x100000, E820_RAM },
			{ 256u << 20, PCI_MMIO32_BASE - (256u << 20), E820_RESERVED },
			{ PCI_MMIO32_LIMIT, 0x100000000ULL - PCI_MMIO32_LIMIT, E820_RESERVED },
		};
		for (int i = 0; i < 5; i++) {
			const uint8_t *e = zp + BP_E820_TABLE + 20 * i;

			assert_int_equal(get64(e), want[i][0]);
			assert_int_equal(get64(e + 8), want[i][1]);
			assert_int_equal(get32(e + 16), want[i][2]);
		}
	}
	bvm_destroy(&vm);
	free(initrd);
	free(k);
}

static void test_boot_vcpu0_starts_in_32bit_protocol_state(void **state)
{
	struct bvm vm;
	size_t klen;
	uint8_t *k = make_bzimage(0x020f, 2047, &klen);
	uint8_t gdt[32];

	assert_int_equal(bvm_create(&vm, "-m", "128M", "-c", "2", "vm", NULL), 0);
	assert_int_equal(boot_linux_load(vm.ctx, k, klen, NULL, 0, NULL, vm.err,
					 sizeof(vm.err)), 0);
	assert_int_equal(rec_calls, 1);
	assert_int_equal(rec_regs.vcpu_id, 0);
	assert_int_equal(rec_regs.vcpu_regs.cs_ar, 0xc09b);
	assert_int_equal(rec_regs.vcpu_regs.cs_sel, 0x10);
	assert_int_equal(rec_regs.vcpu_regs.cs_base, 0);
	assert_int_equal(rec_regs.vcpu_regs.cs_limit, 0xffffffffU);
	assert_int_equal(rec_regs.vcpu_regs.ds_sel, 0x18);
	assert_int_equal(rec_regs.vcpu_regs.ss_sel, 0x18);
	assert_int_equal(rec_regs.vcpu_regs.es_sel, 0x18);
	assert_int_equal(rec_regs.vcpu_regs.rip, BOOT_KERNEL_ADDR);
	assert_int_equal(rec_regs.vcpu_regs.gprs.rsi, BOOT_ZEROPAGE_ADDR);
	assert_int_equal(rec_regs.vcpu_regs.cr0 & 0x80000001ULL, 1);	/* PE on, PG off */
	assert_int_equal(rec_regs.vcpu_regs.rflags & 0x200, 0);		/* IF off */
	assert_int_equal(rec_regs.vcpu_regs.gdt.base, BOOT_GDT_ADDR);
	assert_true(rec_regs.vcpu_regs.gdt.limit >= 0x1f);
	/* The GDT the selectors refer to: flat 4 GiB code at 0x10, data at 0x18. */
	assert_int_equal(vmm_test_gpa_read(vm.ctx, BOOT_GDT_ADDR, gdt, sizeof(gdt)), 0);
	assert_int_equal(get64(gdt + 0x10), 0x00cf9b000000ffffULL);
	assert_int_equal(get64(gdt + 0x18), 0x00cf93000000ffffULL);
	bvm_destroy(&vm);
	free(k);
}

/* Each bad input: an error, a message, and no vCPU started. */
static void expect_reject(const uint8_t *k, size_t klen, size_t ilen, const char *cmd,
			  const char *mem, const char *msg_part)
{
	struct bvm vm;
	uint8_t *initrd = ilen != 0 ? calloc(1, ilen) : NULL;

	assert_int_equal(bvm_create(&vm, "-m", mem, "vm", NULL), 0);
	assert_true(boot_linux_load(vm.ctx, k, klen, initrd, ilen, cmd, vm.err,
				    sizeof(vm.err)) < 0);
	assert_int_equal(rec_calls, 0);
	assert_non_null(strstr(vm.err, msg_part));
	assert_null(strchr(vm.err, '\n'));
	bvm_destroy(&vm);
	free(initrd);
}

static void test_boot_rejects_bad_magic(void **state)
{
	size_t klen;
	uint8_t *k = make_bzimage(0x020f, 2047, &klen);

	k[0x202] = 'X';
	expect_reject(k, klen, 0, NULL, "64M", "not a bzImage");
	free(k);
}

static void test_boot_rejects_protocol_2_05(void **state)
{
	size_t klen;
	uint8_t *k = make_bzimage(0x0205, 2047, &klen);

	expect_reject(k, klen, 0, NULL, "64M", "2.05 is too old");
	free(k);
	/* 2.06 is the oldest accepted. */
	k = make_bzimage(0x0206, 2047, &klen);
	{
		struct bvm vm;

		assert_int_equal(bvm_create(&vm, "-m", "64M", "vm", NULL), 0);
		assert_int_equal(boot_linux_load(vm.ctx, k, klen, NULL, 0, NULL, vm.err,
						 sizeof(vm.err)), 0);
		bvm_destroy(&vm);
	}
	free(k);
}

static void test_boot_rejects_truncated_kernel(void **state)
{
	size_t klen;
	uint8_t *k = make_bzimage(0x020f, 2047, &klen);

	expect_reject(k, klen - 16, 0, NULL, "64M", "truncated");	/* syssize says more */
	expect_reject(k, SETUP_SIZE, 0, NULL, "64M", "truncated");	/* no pm part at all */
	expect_reject(k, 0x100, 0, NULL, "64M", "not a bzImage");	/* not even a header */
	free(k);
}

static void test_boot_rejects_initrd_that_does_not_fit(void **state)
{
	size_t klen;
	uint8_t *k = make_bzimage(0x020f, 2047, &klen);

	/* 64 MiB of RAM, kernel up to 16 MiB + init_size: 48 MiB is too much. */
	expect_reject(k, klen, 48u << 20, NULL, "64M", "initrd");
	/* initrd_addr_max below the kernel end. */
	put32(k + 0x22c, 0x00ffffff);
	expect_reject(k, klen, 4096, NULL, "64M", "initrd");
	free(k);
}

static void test_boot_rejects_cmdline_longer_than_cmdline_size(void **state)
{
	size_t klen;
	uint8_t *k = make_bzimage(0x020f, 16, &klen);
	struct bvm vm;

	expect_reject(k, klen, 0, "0123456789abcdefX", "64M", "command line");
	/* Exactly cmdline_size bytes is fine. */
	assert_int_equal(bvm_create(&vm, "-m", "64M", "vm", NULL), 0);
	assert_int_equal(boot_linux_load(vm.ctx, k, klen, NULL, 0, "0123456789abcdef", vm.err,
					 sizeof(vm.err)), 0);
	bvm_destroy(&vm);
	free(k);
}

static void test_boot_rejects_kernel_that_does_not_fit_in_ram(void **state)
{
	size_t klen;
	uint8_t *k = make_bzimage(0x020f, 2047, &klen);

	expect_reject(k, klen, 0, NULL, "16M", "kernel");	/* RAM ends at the load address */
	free(k);
}

static void test_boot_prepare_loads_files_from_config(void **state)
{
	char dir[] = "/tmp/dmboot.XXXXXX", kpath[64], ipath[64];
	struct bvm vm;
	size_t klen;
	uint8_t *k = make_bzimage(0x020f, 2047, &klen), zp[4096], ird[5];
	char line[16];

	assert_non_null(mkdtemp(dir));
	snprintf(kpath, sizeof(kpath), "%s/bzImage", dir);
	snprintf(ipath, sizeof(ipath), "%s/initrd", dir);
	assert_int_equal(write_file(kpath, k, klen), 0);
	assert_int_equal(write_file(ipath, "hello", 5), 0);
	assert_int_equal(bvm_create(&vm, "-m", "64M", "-k", kpath, "-r", ipath, "-B", "quiet",
				    "vm", NULL), 0);
	assert_int_equal(dm_boot_prepare(vm.ctx, vm.err, sizeof(vm.err)), 0);
	assert_int_equal(vmm_test_gpa_read(vm.ctx, BOOT_ZEROPAGE_ADDR, zp, sizeof(zp)), 0);
	assert_int_equal(get32(zp + BP_RAMDISK_SIZE), 5);
	assert_int_equal(vmm_test_gpa_read(vm.ctx, get32(zp + BP_RAMDISK_IMAGE), ird, 5), 0);
	assert_memory_equal(ird, "hello", 5);
	assert_int_equal(vmm_test_gpa_read(vm.ctx, BOOT_CMDLINE_ADDR, line, 6), 0);
	assert_string_equal(line, "quiet");
	assert_int_equal(rec_regs.vcpu_regs.rip, BOOT_KERNEL_ADDR);
	bvm_destroy(&vm);

	/* A missing initrd: one line naming the file, no vCPU started. */
	unlink(ipath);
	assert_int_equal(bvm_create(&vm, "-m", "64M", "-k", kpath, "-r", ipath, "vm", NULL), 0);
	assert_true(dm_boot_prepare(vm.ctx, vm.err, sizeof(vm.err)) < 0);
	assert_non_null(strstr(vm.err, ipath));
	assert_int_equal(rec_calls, 0);
	bvm_destroy(&vm);
	unlink(kpath);
	rmdir(dir);
	free(k);
}

static void test_boot_ovmf_ends_at_4g_and_starts_at_reset_vector(void **state)
{
	struct bvm vm;
	size_t len = 64 * 1024;
	uint8_t *fw = malloc(len);
	struct vmm_test_state *st;
	bool found = false;

	for (size_t i = 0; i < len; i++)
		fw[i] = (uint8_t)(i >> 4);
	assert_int_equal(bvm_create(&vm, "-m", "64M", "vm", NULL), 0);
	assert_int_equal(boot_ovmf_load(vm.ctx, fw, len, vm.err, sizeof(vm.err)), 0);
	st = vmm_test_get(vm.ctx);
	for (size_t i = 0; i < st->nmemsegs; i++) {
		if (st->memsegs[i].user_vm_pa == 0x100000000ULL - len) {
			assert_int_equal(st->memsegs[i].len, len);
			/* The mapping holds the image: its last 16 bytes hold the reset vector. */
			assert_memory_equal((void *)(uintptr_t)st->memsegs[i].vma_base, fw, len);
			found = true;
		}
	}
	assert_true(found);
	assert_int_equal(rec_regs.vcpu_regs.cs_sel, 0xf000);
	assert_int_equal(rec_regs.vcpu_regs.cs_base, 0xffff0000ULL);
	assert_int_equal(rec_regs.vcpu_regs.rip, 0xfff0);
	assert_int_equal(rec_regs.vcpu_regs.cr0 & 1, 0);		/* real mode */
	/* A second load (VM reset) replaces the mapping instead of adding one. */
	assert_int_equal(boot_ovmf_load(vm.ctx, fw, len, vm.err, sizeof(vm.err)), 0);
	{
		size_t n = 0;

		for (size_t i = 0; i < st->nmemsegs; i++)
			n += st->memsegs[i].user_vm_pa == 0x100000000ULL - len;
		assert_int_equal(n, 1);
	}
	bvm_destroy(&vm);
	free(fw);
}

static void test_boot_ovmf_rejects_bad_sizes(void **state)
{
	struct bvm vm;
	uint8_t *fw = calloc(1, (16u << 20) + 4096);

	assert_int_equal(bvm_create(&vm, "-m", "64M", "vm", NULL), 0);
	assert_int_equal(boot_ovmf_load(vm.ctx, fw, 4097, vm.err, sizeof(vm.err)), -EINVAL);
	assert_int_equal(boot_ovmf_load(vm.ctx, fw, (16u << 20) + 4096, vm.err, sizeof(vm.err)),
			 -EINVAL);
	assert_int_equal(boot_ovmf_load(vm.ctx, fw, 0, vm.err, sizeof(vm.err)), -EINVAL);
	assert_int_equal(rec_calls, 0);
	assert_int_equal(boot_ovmf_load(vm.ctx, fw, 16u << 20, vm.err, sizeof(vm.err)), 0);
	bvm_destroy(&vm);
	free(fw);
}

static void test_boot_e820_covers_highmem_and_never_overlaps(void **state)
{
	struct bvm vm;
	struct boot_e820_entry e[8];
	unsigned int n;

	assert_int_equal(bvm_create(&vm, "-m", "3G", "vm", NULL), 0);
	n = boot_build_e820(vm.ctx, e, 8);
	assert_int_equal(n, 6);		/* lowmem reaches 2 GiB: the hole starts there */
	for (unsigned int i = 1; i < n; i++)
		assert_true(e[i - 1].addr + e[i - 1].size <= e[i].addr);
	assert_int_equal(e[n - 1].addr, 0x100000000ULL);
	assert_int_equal(e[n - 1].size, 1ULL << 30);
	assert_int_equal(e[n - 1].type, E820_RAM);
	/* The PCI BAR window is not in the map; IOAPIC and LAPIC pages are reserved. */
	for (unsigned int i = 0; i < n; i++) {
		assert_false(e[i].addr < PCI_MMIO32_LIMIT && e[i].addr + e[i].size > PCI_MMIO32_BASE);
		if (e[i].addr <= 0xfec00000ULL && e[i].addr + e[i].size >= 0xfee01000ULL)
			assert_int_equal(e[i].type, E820_RESERVED);
	}
	/* Table too small: entries are dropped, never written past the end. */
	assert_int_equal(boot_build_e820(vm.ctx, e, 2), 2);
	bvm_destroy(&vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boot_bzimage_pm_part_lands_at_16m),
		cmocka_unit_test(test_boot_zero_page_fields),
		cmocka_unit_test(test_boot_vcpu0_starts_in_32bit_protocol_state),
		cmocka_unit_test(test_boot_rejects_bad_magic),
		cmocka_unit_test(test_boot_rejects_protocol_2_05),
		cmocka_unit_test(test_boot_rejects_truncated_kernel),
		cmocka_unit_test(test_boot_rejects_initrd_that_does_not_fit),
		cmocka_unit_test(test_boot_rejects_cmdline_longer_than_cmdline_size),
		cmocka_unit_test(test_boot_rejects_kernel_that_does_not_fit_in_ram),
		cmocka_unit_test(test_boot_prepare_loads_files_from_config),
		cmocka_unit_test(test_boot_ovmf_ends_at_4g_and_starts_at_reset_vector),
		cmocka_unit_test(test_boot_ovmf_rejects_bad_sizes),
		cmocka_unit_test(test_boot_e820_covers_highmem_and_never_overlaps),
	};

	dm_log_set_level(DM_LOG_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrn-dm -E: synthetic ELF images, good (ELF32, ELF64, Multiboot) and bad (each malformed
 * field), loaded into a 64 MiB VM on the fake back-end whose set_vcpu_regs is recorded.
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
#include "hw/acpi_pm.h"
#include "boot_elf.h"
#include "dm_config.h"
#include "guest_mem.h"
#include "vmctx.h"
#include "vmm_test.h"

#define IMG_MAX		0x8000
#define SEG_DATA_OFF	0x1000
#define MB_OFF		0x200

struct seg {
	uint64_t paddr, filesz, memsz;
	uint64_t off;		/* 0: placed automatically after SEG_DATA_OFF */
};

struct img {
	uint8_t b[IMG_MAX];
	size_t len;
};

struct vm {
	struct dm_config cfg;
	struct vmctx *ctx;
	char err[256];
};

static struct vmm_ops rec_ops;
static struct acrn_vcpu_regs last_regs;
static int nregs;

static int rec_set_vcpu_regs(struct vmctx *ctx, const struct acrn_vcpu_regs *regs)
{
	last_regs = *regs;
	nregs++;
	return vmm_test_ops.set_vcpu_regs(ctx, regs);
}

static void w16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void w32(uint8_t *p, uint32_t v) { w16(p, (uint16_t)v); w16(p + 2, (uint16_t)(v >> 16)); }
static void w64(uint8_t *p, uint64_t v) { w32(p, (uint32_t)v); w32(p + 4, (uint32_t)(v >> 32)); }
static uint32_t r32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t r64(const uint8_t *p) { return r32(p) | (uint64_t)r32(p + 4) << 32; }

/* An x86 ELF executable with @p n PT_LOAD segments; segment i's bytes are 0x10 + i. */
static void build_elf(struct img *im, bool is64, uint16_t machine, uint64_t entry,
		      const struct seg *s, unsigned int n)
{
	size_t ehs = is64 ? 64 : 52, phs = is64 ? 56 : 32;
	uint64_t off = SEG_DATA_OFF;

	memset(im, 0, sizeof(*im));
	memcpy(im->b, "\177ELF", 4);
	im->b[4] = is64 ? 2 : 1;
	im->b[5] = 1;
	im->b[6] = 1;
	w16(im->b + 16, 2);
	w16(im->b + 18, machine);
	w32(im->b + 20, 1);
	if (is64) {
		w64(im->b + 24, entry);
		w64(im->b + 32, ehs);
		w16(im->b + 52, (uint16_t)ehs);
		w16(im->b + 54, (uint16_t)phs);
		w16(im->b + 56, (uint16_t)n);
	} else {
		w32(im->b + 24, (uint32_t)entry);
		w32(im->b + 28, (uint32_t)ehs);
		w16(im->b + 40, (uint16_t)ehs);
		w16(im->b + 42, (uint16_t)phs);
		w16(im->b + 44, (uint16_t)n);
	}
	im->len = SEG_DATA_OFF;
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *ph = im->b + ehs + i * phs;
		uint64_t o = s[i].off ? s[i].off : off;

		w32(ph, 1);
		if (is64) {
			w32(ph + 4, 7);
			w64(ph + 8, o);
			w64(ph + 16, s[i].paddr);
			w64(ph + 24, s[i].paddr);
			w64(ph + 32, s[i].filesz);
			w64(ph + 40, s[i].memsz);
		} else {
			w32(ph + 4, (uint32_t)o);
			w32(ph + 8, (uint32_t)s[i].paddr);
			w32(ph + 12, (uint32_t)s[i].paddr);
			w32(ph + 16, (uint32_t)s[i].filesz);
			w32(ph + 20, (uint32_t)s[i].memsz);
			w32(ph + 24, 7);
		}
		if (o <= IMG_MAX && s[i].filesz <= IMG_MAX - o) {
			memset(im->b + o, 0x10 + (int)i, s[i].filesz);
			if (o + s[i].filesz > im->len)
				im->len = o + s[i].filesz;
		}
		off = o + s[i].filesz;
	}
}

static void add_mb1(struct img *im, size_t at, uint32_t flags, uint32_t sum_adjust)
{
	w32(im->b + at, BOOT_ELF_MB1_MAGIC);
	w32(im->b + at + 4, flags);
	w32(im->b + at + 8, -(BOOT_ELF_MB1_MAGIC + flags) + sum_adjust);
	if (im->len < at + 12)
		im->len = at + 12;
}

static int setup(void **state)
{
	static struct vm v;
	char *argv[] = { (char *)"acrn-dm", (char *)"-m", (char *)"64M", (char *)"vm", NULL };

	rec_ops = vmm_test_ops;
	rec_ops.set_vcpu_regs = rec_set_vcpu_regs;
	memset(&v, 0, sizeof(v));
	memset(&last_regs, 0, sizeof(last_regs));
	nregs = 0;
	if (dm_config_parse(&v.cfg, 4, argv, v.err, sizeof(v.err)) != 0)
		return -1;
	if (vmctx_create(&v.cfg, &rec_ops, &v.ctx, v.err, sizeof(v.err)) != 0)
		return -1;
	/* Junk everywhere, so that zeroing and "untouched" are visible. */
	memset(vm_map_gpa(v.ctx, 0, v.ctx->lowmem), 0xAA, v.ctx->lowmem);
	*state = &v;
	return 0;
}

static int teardown(void **state)
{
	struct vm *v = *state;

	vmctx_destroy(v->ctx);
	dm_config_free(&v->cfg);
	return 0;
}

static const uint8_t *gpa(struct vm *v, uint64_t a, size_t len)
{
	const uint8_t *p = vm_map_gpa(v->ctx, a, len);

	assert_non_null(p);
	return p;
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t val)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != val)
			return false;
	return true;
}

/* A failed load leaves guest memory and the vCPU alone. */
static void assert_untouched(struct vm *v)
{
	assert_int_equal(nregs, 0);
	assert_true(all_bytes(gpa(v, 0, 0x400000), 0x400000, 0xAA));
	assert_null(strchr(v->err, '\n'));
}

static void test_boot_elf64_loads_segments_zeroes_bss_and_enters_long_mode(void **state)
{
	struct vm *v = *state;
	static struct img im;
	struct seg s[2] = { { 0x200000, 0x300, 0x2000, 0 }, { 0x300000, 0x10, 0x10, 0 } };

	build_elf(&im, true, 62, 0x200010, s, 2);
	assert_int_equal(boot_elf_load(v->ctx, im.b, im.len, NULL, v->err, sizeof(v->err)), 0);
	assert_true(all_bytes(gpa(v, 0x200000, 0x300), 0x300, 0x10));
	assert_true(all_bytes(gpa(v, 0x200300, 0x2000 - 0x300), 0x2000 - 0x300, 0));
	assert_true(all_bytes(gpa(v, 0x202000, 16), 16, 0xAA));	/* nothing past memsz */
	assert_true(all_bytes(gpa(v, 0x300000, 0x10), 0x10, 0x11));
	assert_int_equal(nregs, 1);
	assert_int_equal(last_regs.vcpu_id, 0);
	assert_int_equal(last_regs.vcpu_regs.rip, 0x200010);
	assert_int_equal(last_regs.vcpu_regs.cr0 & 0x80000001ULL, 0x80000001ULL);
	assert_int_equal(last_regs.vcpu_regs.cr4 & 0x20, 0x20);
	assert_int_equal(last_regs.vcpu_regs.ia32_efer, 0x500);
	assert_int_equal(last_regs.vcpu_regs.cr3, BOOT_ELF_PML4);
	assert_int_equal(last_regs.vcpu_regs.cs_sel, BOOT_ELF_SEL_CODE64);
	assert_int_equal(last_regs.vcpu_regs.cs_ar & 0x2000, 0x2000);	/* L bit */
	assert_int_not_equal(last_regs.vcpu_regs.gprs.rax, BOOT_ELF_MB1_BOOTED);
	/* Identity map: PML4[0] -> PDPT, PDPT[3] -> 4th PD, PD entry 1 = 2 MiB page at 2 MiB. */
	assert_int_equal(r64(gpa(v, BOOT_ELF_PML4, 8)), BOOT_ELF_PDPT | 3);
	assert_int_equal(r64(gpa(v, BOOT_ELF_PDPT + 24, 8)), (BOOT_ELF_PD + 3 * 4096) | 3);
	assert_int_equal(r64(gpa(v, BOOT_ELF_PD + 8, 8)), 0x200083);
	assert_int_equal(r64(gpa(v, BOOT_ELF_PD + 8 * 2047, 8)), 0xFFE00083ULL);
	/* The GDT's selector 0x08 is a 64-bit code segment (L = 1, D = 0). */
	assert_int_equal(r64(gpa(v, BOOT_ELF_GDT + 8, 8)) >> 52 & 0x6, 0x2);
}

static void test_boot_elf32_enters_protected_mode_without_paging(void **state)
{
	struct vm *v = *state;
	static struct img im;
	struct seg s = { 0x100000, 0x80, 0x100, 0 };

	build_elf(&im, false, 3, 0x100040, &s, 1);
	assert_int_equal(boot_elf_load(v->ctx, im.b, im.len, NULL, v->err, sizeof(v->err)), 0);
	assert_true(all_bytes(gpa(v, 0x100000, 0x80), 0x80, 0x10));
	assert_true(all_bytes(gpa(v, 0x100080, 0x80), 0x80, 0));
	assert_int_equal(last_regs.vcpu_regs.rip, 0x100040);
	assert_int_equal(last_regs.vcpu_regs.cr0 & 0x80000001ULL, 1);
	assert_int_equal(last_regs.vcpu_regs.ia32_efer, 0);
	assert_int_equal(last_regs.vcpu_regs.cs_sel, BOOT_ELF_SEL_CODE32);
	assert_int_equal(last_regs.vcpu_regs.cs_ar, 0xC09B);
	assert_int_equal(last_regs.vcpu_regs.cs_limit, 0xFFFFFFFFU);
	assert_int_equal(last_regs.vcpu_regs.rflags & 0x200, 0);	/* IF clear */
	/* No page tables written for a 32-bit entry. */
	assert_true(all_bytes(gpa(v, BOOT_ELF_PML4, 4096), 4096, 0xAA));
}

static void test_boot_elf_multiboot_sets_magic_info_mmap_and_cmdline(void **state)
{
	struct vm *v = *state;
	static struct img im;
	struct seg s = { 0x100000, 0x1000, 0x1000, 0 };
	const uint8_t *mbi, *mm;
	uint32_t n;
	uint64_t ram = 0;

	build_elf(&im, true, 62, 0x100030, &s, 1);
	add_mb1(&im, MB_OFF, 0x2, 0);
	assert_int_equal(boot_elf_load(v->ctx, im.b, im.len, "console=ttyS0 x=1", v->err,
				       sizeof(v->err)), 0);
	assert_int_equal(last_regs.vcpu_regs.gprs.rax, BOOT_ELF_MB1_BOOTED);
	assert_int_equal(last_regs.vcpu_regs.gprs.rbx, BOOT_ELF_MBI);
	assert_int_equal(last_regs.vcpu_regs.cr0 & 0x80000001ULL, 1);	/* PE, no PG */
	assert_int_equal(last_regs.vcpu_regs.ia32_efer, 0);
	assert_int_equal(last_regs.vcpu_regs.cs_ar, 0xC09B);
	assert_int_equal(last_regs.vcpu_regs.rip, 0x100030);

	mbi = gpa(v, BOOT_ELF_MBI, 116);
	assert_int_equal(r32(mbi) & 0x245, 0x245);	/* mem, cmdline, mmap, loader name */
	assert_int_equal(r32(mbi + 4), 0x9F000 / 1024);
	assert_int_equal(r32(mbi + 8), (v->ctx->lowmem - 0x100000) / 1024);
	assert_string_equal((const char *)gpa(v, r32(mbi + 16), 18), "console=ttyS0 x=1");
	assert_string_equal((const char *)gpa(v, r32(mbi + 64), 8), "acrn-dm");
	n = r32(mbi + 44) / 24;
	assert_true(n >= 3 && n <= BOOT_ELF_MMAP_MAX);
	mm = gpa(v, r32(mbi + 48), 24 * n);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(r32(mm + 24 * i), 20);
		if (r32(mm + 24 * i + 20) == 1)
			ram += r64(mm + 24 * i + 12);
	}
	assert_int_equal(r64(mm + 4), 0);		/* first entry: RAM at 0 */
	assert_int_equal(r32(mm + 20), 1);
	assert_int_equal(ram, v->ctx->lowmem - (0x100000 - 0x9F000));
}

static void test_boot_elf_multiboot_without_cmdline_has_no_cmdline_flag(void **state)
{
	struct vm *v = *state;
	static struct img im;
	struct seg s = { 0x100000, 0x1000, 0x1000, 0 };

	build_elf(&im, false, 3, 0x100000, &s, 1);
	add_mb1(&im, 0x1FF4, 0x3, 0);			/* last slot of the first 8 KiB */
	assert_int_equal(boot_elf_load(v->ctx, im.b, im.len, NULL, v->err, sizeof(v->err)), 0);
	assert_int_equal(last_regs.vcpu_regs.gprs.rax, BOOT_ELF_MB1_BOOTED);
	assert_int_equal(r32(gpa(v, BOOT_ELF_MBI, 4)) & 0x4, 0);
}

static void test_boot_elf_multiboot_header_ignored_past_8k_or_bad_checksum(void **state)
{
	struct vm *v = *state;
	static struct img im;
	struct seg s = { 0x100000, 0x3000, 0x3000, 0 };

	build_elf(&im, true, 62, 0x100000, &s, 1);
	add_mb1(&im, 0x2000, 0x2, 0);			/* too far: not a multiboot image */
	assert_int_equal(boot_elf_load(v->ctx, im.b, im.len, NULL, v->err, sizeof(v->err)), 0);
	assert_int_not_equal(last_regs.vcpu_regs.gprs.rax, BOOT_ELF_MB1_BOOTED);
	assert_int_equal(last_regs.vcpu_regs.ia32_efer, 0x500);

	build_elf(&im, true, 62, 0x100000, &s, 1);
	add_mb1(&im, MB_OFF, 0x2, 1);			/* checksum off by one */
	assert_int_equal(boot_elf_load(v->ctx, im.b, im.len, NULL, v->err, sizeof(v->err)), 0);
	assert_int_not_equal(last_regs.vcpu_regs.gprs.rax, BOOT_ELF_MB1_BOOTED);
}

static void test_boot_elf_multiboot_video_mode_request_refused(void **state)
{
	struct vm *v = *state;
	static struct img im;
	struct seg s = { 0x100000, 0x100, 0x100, 0 };

	build_elf(&im, true, 62, 0x100000, &s, 1);
	add_mb1(&im, MB_OFF, 0x4, 0);			/* bit 2: video mode, unsupported */
	assert_int_equal(boot_elf_load(v->ctx, im.b, im.len, NULL, v->err, sizeof(v->err)),
			 -ENOEXEC);
	assert_non_null(strstr(v->err, "multiboot"));
	assert_untouched(v);
}

static void test_boot_elf_rejects_wrong_machine_class_and_type(void **state)
{
	struct vm *v = *state;
	static struct img im;
	struct seg s = { 0x100000, 0x100, 0x100, 0 };

	build_elf(&im, true, 3, 0x100000, &s, 1);	/* ELF64 with EM_386 */
	assert_int_equal(boot_elf_load(v->ctx, im.b, im.len, NULL, v->err, sizeof(v->err)),
			 -ENOEXEC);
	assert_non_null(strstr(v->err, "machine"));
	build_elf(&im, false, 62, 0x100000, &s, 1);	/* ELF32 with EM_X86_64 */
	assert_int_equal(boot_elf_load(v->ctx, im.b, im.len, NULL, v->err, sizeof(v->err)),
			 -ENOEXEC);
	build_elf(&im, true, 183, 0x100000, &s, 1);	/* AArch64 */
	assert_int_equal(boot_elf_load(v->ctx, im.b, im.len, NULL, v->err, sizeof(v->err)),
			 -ENOEXEC);
	build_elf(&im, true, 62, 0x100000, &s, 1);
	im.b[4] = 3;					/* bad class */
	assert_int_equal(boot_elf_load(v->ctx, im.b, im.len, NULL, v->err, sizeof(v->err)),
			 -ENOEXEC);
	build_elf(&im, true, 62, 0x100000, &s, 1);
	im.b[5] = 2;					/* big endian */
	assert_int_equal(boot_elf_load(v->ctx, im.b, im.len, NULL, v->err, sizeof(v->err)),
			 -ENOEXEC);
	build_elf(&im, true, 62, 0x100000, &s, 1);
	w16(im.b + 16, 3);				/* ET_DYN */
	assert_int_equal(boot_elf_load(v->ctx, im.b, im.len, NULL, v->err, sizeof(v->err)),
			 -ENOEXEC);
	assert_int_equal(boot_elf_load(v->ctx, (const uint8_t *)"MZ\x90\0", 4, NULL, v->err,
				       sizeof(v->err)), -ENOEXEC);
	assert_int_equal(boot_elf_load(v->ctx, NULL, 0, NULL, v->err, sizeof(v->err)), -ENOEXEC);
	assert_untouched(v);
}

static void test_boot_elf_rejects_truncated_files(void **state)
{
	struct vm *v = *state;
	static struct img im;
	struct seg s = { 0x100000, 0x400, 0x400, 0 };
	size_t full;

	build_elf(&im, true, 62, 0x100000, &s, 1);
	full = im.len;
	/* Every strict prefix fails: in the header, the program headers or the segment data. */
	for (size_t cut = 0; cut < full; cut += (cut < 0x100 ? 1 : 0x80)) {
		int rc = boot_elf_load(v->ctx, im.b, cut, NULL, v->err, sizeof(v->err));

		assert_true(rc == -EINVAL || rc == -ENOEXEC);
	}
	assert_int_equal(boot_elf_load(v->ctx, im.b, full - 1, NULL, v->err, sizeof(v->err)),
			 -EINVAL);
	assert_non_null(strstr(v->err, "truncated"));
	/* A file offset near 2^64 must not wrap around the bounds check. */
	s.off = UINT64_MAX - 0x10;
	build_elf(&im, true, 62, 0x100000, &s, 1);
	assert_int_equal(boot_elf_load(v->ctx, im.b, IMG_MAX, NULL, v->err, sizeof(v->err)),
			 -EINVAL);
	/* Program header table offset beyond the end. */
	s.off = 0;
	build_elf(&im, true, 62, 0x100000, &s, 1);
	w64(im.b + 32, UINT64_MAX - 8);
	assert_int_equal(boot_elf_load(v->ctx, im.b, im.len, NULL, v->err, sizeof(v->err)),
			 -EINVAL);
	assert_untouched(v);
}

static void test_boot_elf_rejects_segments_outside_ram_or_wrapping(void **state)
{
	struct vm *v = *state;
	static struct img im;
	struct seg above = { 0x4000000 - 0x100, 0x200, 0x200, 0 };	/* crosses 64 MiB */
	struct seg hole = { 0xC0000000ULL, 0x10, 0x10, 0 };
	struct seg wrap = { UINT64_MAX - 0xFFF, 0x10, 0x2000, 0 };
	struct seg huge = { 0x100000, 0x10, 0x7FFFFFFFFFFFFFFFULL, 0 };

	build_elf(&im, true, 62, above.paddr, &above, 1);
	assert_int_equal(boot_elf_load(v->ctx, im.b, im.len, NULL, v->err, sizeof(v->err)),
			 -ERANGE);
	assert_non_null(strstr(v->err, "outside guest RAM"));
	build_elf(&im, true, 62, hole.paddr, &hole, 1);
	assert_int_equal(boot_elf_load(v->ctx, im.b, im.len, NULL, v->err, sizeof(v->err)),
			 -ERANGE);
	build_elf(&im, true, 62, wrap.paddr, &wrap, 1);
	assert_int_equal(boot_elf_load(v->ctx, im.b, im.len, NULL, v->err, sizeof(v->err)),
			 -ERANGE);
	build_elf(&im, true, 62, huge.paddr, &huge, 1);
	assert_int_equal(boot_elf_load(v->ctx, im.b, im.len, NULL, v->err, sizeof(v->err)),
			 -ERANGE);
	assert_untouched(v);
}

static void test_boot_elf_rejects_overlaps_and_inconsistent_segments(void **state)
{
	struct vm *v = *state;
	static struct img im;
	struct seg ov[2] = { { 0x100000, 0x100, 0x1000, 0 }, { 0x100F00, 0x100, 0x100, 0 } };
	struct seg area = { 0x7800, 0x100, 0x1000, 0 };
	struct seg fm = { 0x100000, 0x200, 0x100, 0 };
	struct seg ok = { 0x100000, 0x100, 0x100, 0 };

	build_elf(&im, true, 62, 0x100000, ov, 2);
	assert_int_equal(boot_elf_load(v->ctx, im.b, im.len, NULL, v->err, sizeof(v->err)),
			 -EINVAL);
	assert_non_null(strstr(v->err, "overlap"));
	build_elf(&im, true, 62, 0x7800, &area, 1);	/* on top of the GDT and info area */
	assert_int_equal(boot_elf_load(v->ctx, im.b, im.len, NULL, v->err, sizeof(v->err)),
			 -ERANGE);
	assert_non_null(strstr(v->err, "loader"));
	build_elf(&im, true, 62, 0x100000, &fm, 1);
	assert_int_equal(boot_elf_load(v->ctx, im.b, im.len, NULL, v->err, sizeof(v->err)),
			 -EINVAL);
	build_elf(&im, true, 62, 0x200000, &ok, 1);	/* entry outside the image */
	assert_int_equal(boot_elf_load(v->ctx, im.b, im.len, NULL, v->err, sizeof(v->err)),
			 -EINVAL);
	assert_non_null(strstr(v->err, "entry"));
	build_elf(&im, true, 62, 0x100000, &ok, 0);	/* no program headers */
	assert_int_equal(boot_elf_load(v->ctx, im.b, im.len, NULL, v->err, sizeof(v->err)),
			 -ENOEXEC);
	build_elf(&im, true, 62, 0x100000, &ok, 1);
	w16(im.b + 54, 40);				/* wrong e_phentsize */
	assert_int_equal(boot_elf_load(v->ctx, im.b, im.len, NULL, v->err, sizeof(v->err)),
			 -ENOEXEC);
	assert_untouched(v);
}

static void test_boot_elf_multiboot_cmdline_too_long_refused(void **state)
{
	struct vm *v = *state;
	static struct img im;
	static char cl[BOOT_ELF_CMDLINE_MAX + 1];
	struct seg s = { 0x100000, 0x100, 0x100, 0 };

	memset(cl, 'x', BOOT_ELF_CMDLINE_MAX);
	build_elf(&im, true, 62, 0x100000, &s, 1);
	add_mb1(&im, MB_OFF, 0x2, 0);
	assert_int_equal(boot_elf_load(v->ctx, im.b, im.len, cl, v->err, sizeof(v->err)),
			 -EINVAL);
	assert_non_null(strstr(v->err, "command line"));
	assert_untouched(v);
	cl[BOOT_ELF_CMDLINE_MAX - 1] = '\0';		/* the longest that fits */
	assert_int_equal(boot_elf_load(v->ctx, im.b, im.len, cl, v->err, sizeof(v->err)), 0);
	assert_int_equal(strlen((const char *)gpa(v, BOOT_ELF_CMDLINE, BOOT_ELF_CMDLINE_MAX)),
			 BOOT_ELF_CMDLINE_MAX - 1);
}

static void test_dm_boot_elf_reads_file_and_names_it_in_errors(void **state)
{
	struct vm *v = *state;
	static struct img im;
	struct seg s = { 0x100000, 0x100, 0x100, 0 };
	char path[] = "/tmp/test_boot_elf_XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	build_elf(&im, false, 3, 0x100000, &s, 1);
	assert_int_equal(write(fd, im.b, im.len), (ssize_t)im.len);
	assert_int_equal(dm_boot_elf(v->ctx, path, v->err, sizeof(v->err)), 0);
	assert_int_equal(last_regs.vcpu_regs.rip, 0x100000);
	assert_int_equal(ftruncate(fd, im.len - 1), 0);
	assert_int_equal(dm_boot_elf(v->ctx, path, v->err, sizeof(v->err)), -EINVAL);
	assert_non_null(strstr(v->err, path));
	assert_non_null(strstr(v->err, "truncated"));
	close(fd);
	unlink(path);
	assert_int_equal(dm_boot_elf(v->ctx, path, v->err, sizeof(v->err)), -ENOENT);
	assert_int_equal(dm_boot_elf(v->ctx, "/tmp", v->err, sizeof(v->err)), -EINVAL);
}

/*
 * The in-tree test guests (tests/guest, built into build/tests/guest next to this binary's
 * build/tests/dm) are what -E exists for: each must load as a Multiboot image.
 */
static void test_boot_elf_accepts_the_in_tree_test_guests(void **state)
{
	static const char *const guests[] = { "cpu", "apic", "exceptions", "smp" };
	struct vm *v = *state;
	char exe[4096], path[4200];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	assert_true(n > 0);
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	assert_non_null(slash);
	*slash = '\0';
	snprintf(path, sizeof(path), "%s/../guest/cpu.elf", exe);
	if (access(path, R_OK) != 0)
		skip();		/* make -C tests/guest not run: nothing to load */
	for (size_t i = 0; i < sizeof(guests) / sizeof(guests[0]); i++) {
		snprintf(path, sizeof(path), "%s/../guest/%s.elf", exe, guests[i]);
		nregs = 0;
		assert_int_equal(dm_boot_elf(v->ctx, path, v->err, sizeof(v->err)), 0);
		assert_int_equal(nregs, 1);
		assert_int_equal(last_regs.vcpu_regs.gprs.rax, BOOT_ELF_MB1_BOOTED);
		assert_true(last_regs.vcpu_regs.rip >= 0x100000 && last_regs.vcpu_regs.rip < 0x200000);
	}
}

/* The MADT and FADT a small guest needs (vCPUs, ACPI power-off) are there after a load, and
 * no segment may land on them. */
static void test_boot_elf_installs_acpi_tables_and_keeps_segments_off_them(void **state)
{
	struct vm *v = *state;
	static struct img im;
	struct seg ok = { 0x100000, 0x100, 0x100, 0 };
	struct seg bios = { 0xF0000, 0x100, 0x100, 0 };
	size_t len = ACPI_TABLES_END - ACPI_TABLES_BASE;
	const uint8_t *t;
	uint32_t tlen;

	build_elf(&im, true, 62, 0xF0000, &bios, 1);
	assert_int_equal(boot_elf_load(v->ctx, im.b, im.len, NULL, v->err, sizeof(v->err)),
			 -ERANGE);
	assert_non_null(strstr(v->err, "ACPI"));
	assert_untouched(v);
	build_elf(&im, true, 62, 0x100000, &ok, 1);
	assert_int_equal(boot_elf_load(v->ctx, im.b, im.len, NULL, v->err, sizeof(v->err)), 0);
	assert_int_equal(acpi_tables_find(gpa(v, ACPI_TABLES_BASE, len), len, ACPI_TABLES_BASE,
					  ACPI_TABLES_BASE, "APIC", &t, &tlen), 0);
	assert_int_equal(acpi_tables_find(gpa(v, ACPI_TABLES_BASE, len), len, ACPI_TABLES_BASE,
					  ACPI_TABLES_BASE, "FACP", &t, &tlen), 0);
	assert_true(tlen >= 68);
	assert_int_equal(r32(t + 64), ACPI_PM1A_CNT_ADDR);	/* PM1a_CNT_BLK */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_boot_elf64_loads_segments_zeroes_bss_and_enters_long_mode),
		T(test_boot_elf32_enters_protected_mode_without_paging),
		T(test_boot_elf_multiboot_sets_magic_info_mmap_and_cmdline),
		T(test_boot_elf_multiboot_without_cmdline_has_no_cmdline_flag),
		T(test_boot_elf_multiboot_header_ignored_past_8k_or_bad_checksum),
		T(test_boot_elf_multiboot_video_mode_request_refused),
		T(test_boot_elf_rejects_wrong_machine_class_and_type),
		T(test_boot_elf_rejects_truncated_files),
		T(test_boot_elf_rejects_segments_outside_ram_or_wrapping),
		T(test_boot_elf_rejects_overlaps_and_inconsistent_segments),
		T(test_boot_elf_multiboot_cmdline_too_long_refused),
		T(test_dm_boot_elf_reads_file_and_names_it_in_errors),
		T(test_boot_elf_accepts_the_in_tree_test_guests),
		T(test_boot_elf_installs_acpi_tables_and_keeps_segments_off_them),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrn-dm -E: ELF executables as User VM images (the in-tree test guests, Multiboot kernels,
 * any static x86 ELF).
 *
 * The image is untrusted input: every header field is bounds-checked (offsets, sizes, counts,
 * address arithmetic overflow) and the whole image is validated before a byte of it reaches
 * guest memory, so a bad image fails with one line and leaves the VM untouched.
 *
 * Formats: ELF (System V gABI, "ELF header" and "Program header" chapters; x86-64 psABI),
 * Multiboot 0.6.96 (header 3.1, machine state 3.2, boot information 3.3).
 */
#define DM_LOG_PREFIX "boot_elf: "

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/acrn.h>

#include "acpi_tables.h"
#include "boot_elf.h"
#include "boot_image.h"
#include "boot_linux.h"
#include "dm_log.h"
#include "guest_mem.h"
#include "vmctx.h"

#define EI_CLASS	4
#define EI_DATA		5
#define EI_VERSION	6
#define ELFCLASS32	1
#define ELFCLASS64	2
#define ELFDATA2LSB	1
#define ET_EXEC		2
#define EM_386		3
#define EM_X86_64	62
#define PT_LOAD		1
#define EHDR32_SIZE	52
#define EHDR64_SIZE	64
#define PHDR32_SIZE	32
#define PHDR64_SIZE	56

/* Multiboot 1 header flags this loader honours (3.1.2): bit 0 page-align modules (there are
 * none), bit 1 memory information (always given), bit 16 a.out address fields (ELF program
 * headers take precedence, as the specification allows for ELF images). */
#define MB1_FLAGS_OK	((1U << 0) | (1U << 1) | (1U << 16))
/* Boot information flags we fill (3.3): mem_*, cmdline, mmap, boot_loader_name. */
#define MBI_MEM		(1U << 0)
#define MBI_CMDLINE	(1U << 2)
#define MBI_MMAP	(1U << 6)
#define MBI_LOADER	(1U << 9)
#define MBI_SIZE	116

/* VMX access-rights format (SDM Vol. 3C 25.4.1, Table 25-2): type, S, DPL, P, L, D/B, G. */
#define AR_CODE32	0xC09BU
#define AR_CODE64	0xA09BU

struct elf_seg {
	uint64_t off, filesz, paddr, memsz;
};

struct elf_image {
	bool is64;
	uint64_t entry;
	unsigned int nseg;
	struct elf_seg seg[BOOT_ELF_MAX_PHDRS];
	bool multiboot;
	uint32_t mb_flags;
};

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }
static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void wr32(uint8_t *p, uint32_t v) { wr16(p, (uint16_t)v); wr16(p + 2, (uint16_t)(v >> 16)); }
static void wr64(uint8_t *p, uint64_t v) { wr32(p, (uint32_t)v); wr32(p + 4, (uint32_t)(v >> 32)); }

/* [a, a + alen) and [b, b + blen) intersect (lengths > 0, no overflow: checked by callers). */
static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* gABI "ELF Identification" and "ELF Header": a little-endian x86 executable. */
static int elf_parse_ehdr(const uint8_t *img, size_t len, struct elf_image *im,
			  uint64_t *phoff, unsigned int *phnum, char *err, size_t errlen)
{
	uint16_t type, machine, phentsize;

	if (len < 16 || memcmp(img, "\177ELF", 4) != 0) {
		dm_errf(err, errlen, "not an ELF file");
		return -ENOEXEC;
	}
	if (img[EI_CLASS] != ELFCLASS32 && img[EI_CLASS] != ELFCLASS64) {
		dm_errf(err, errlen, "unknown ELF class %u", img[EI_CLASS]);
		return -ENOEXEC;
	}
	im->is64 = img[EI_CLASS] == ELFCLASS64;
	if (img[EI_DATA] != ELFDATA2LSB || img[EI_VERSION] != 1) {
		dm_errf(err, errlen, "not a little-endian ELF version 1 file");
		return -ENOEXEC;
	}
	if (len < (im->is64 ? EHDR64_SIZE : EHDR32_SIZE)) {
		dm_errf(err, errlen, "truncated ELF header (%zu bytes)", len);
		return -EINVAL;
	}
	type = rd16(img + 16);
	machine = rd16(img + 18);
	if (machine != (im->is64 ? EM_X86_64 : EM_386)) {
		dm_errf(err, errlen, "wrong machine %u for ELF%d (want %u)", machine,
			im->is64 ? 64 : 32, im->is64 ? EM_X86_64 : EM_386);
		return -ENOEXEC;
	}
	if (type != ET_EXEC) {
		dm_errf(err, errlen, "ELF type %u is not an executable (ET_EXEC)", type);
		return -ENOEXEC;
	}
	if (im->is64) {
		im->entry = rd64(img + 24);
		*phoff = rd64(img + 32);
		phentsize = rd16(img + 54);
		*phnum = rd16(img + 56);
	} else {
		im->entry = rd32(img + 24);
		*phoff = rd32(img + 28);
		phentsize = rd16(img + 42);
		*phnum = rd16(img + 44);
	}
	if (phentsize != (im->is64 ? PHDR64_SIZE : PHDR32_SIZE) || *phnum == 0 ||
	    *phnum > BOOT_ELF_MAX_PHDRS) {
		dm_errf(err, errlen, "bad program header table (%u entries of %u bytes)", *phnum,
			phentsize);
		return -ENOEXEC;
	}
	if (*phoff > len || (uint64_t)*phnum * phentsize > len - *phoff) {
		dm_errf(err, errlen, "truncated file: program headers end beyond %zu bytes", len);
		return -EINVAL;
	}
	return 0;
}

/* gABI "Program Header": collect the PT_LOAD segments and check each against the file. */
static int elf_parse_phdrs(const uint8_t *img, size_t len, struct elf_image *im,
			   uint64_t phoff, unsigned int phnum, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < phnum; i++) {
		const uint8_t *ph = img + phoff + (uint64_t)i * (im->is64 ? PHDR64_SIZE : PHDR32_SIZE);
		struct elf_seg s;

		if (rd32(ph) != PT_LOAD)
			continue;
		if (im->is64) {
			s.off = rd64(ph + 8);
			s.paddr = rd64(ph + 24);
			s.filesz = rd64(ph + 32);
			s.memsz = rd64(ph + 40);
		} else {
			s.off = rd32(ph + 4);
			s.paddr = rd32(ph + 12);
			s.filesz = rd32(ph + 16);
			s.memsz = rd32(ph + 20);
		}
		if (s.filesz > s.memsz) {
			dm_errf(err, errlen, "segment %u: file size 0x%llx exceeds memory size 0x%llx",
				i, (unsigned long long)s.filesz, (unsigned long long)s.memsz);
			return -EINVAL;
		}
		if (s.off > len || s.filesz > len - s.off) {
			dm_errf(err, errlen, "truncated file: segment %u needs bytes up to 0x%llx, "
				"file has 0x%zx", i, (unsigned long long)s.off +
				(unsigned long long)s.filesz, len);
			return -EINVAL;
		}
		if (s.memsz == 0)
			continue;	/* valid, and nothing to load */
		if (s.paddr + s.memsz < s.paddr) {
			dm_errf(err, errlen, "segment %u: address range wraps", i);
			return -ERANGE;
		}
		im->seg[im->nseg++] = s;
	}
	if (im->nseg == 0) {
		dm_errf(err, errlen, "no loadable segment");
		return -ENOEXEC;
	}
	return 0;
}

/* Where the segments go: guest RAM, not the loader's area, not on top of each other. */
static int elf_check_placement(struct vmctx *ctx, const struct elf_image *im, char *err,
			       size_t errlen)
{
	bool entry_ok = false;

	for (unsigned int i = 0; i < im->nseg; i++) {
		const struct elf_seg *s = &im->seg[i];

		if (s->memsz > SIZE_MAX || vm_map_gpa(ctx, s->paddr, (size_t)s->memsz) == NULL) {
			dm_errf(err, errlen, "segment at 0x%llx-0x%llx is outside guest RAM",
				(unsigned long long)s->paddr,
				(unsigned long long)(s->paddr + s->memsz));
			return -ERANGE;
		}
		if (ranges_overlap(s->paddr, s->memsz, BOOT_ELF_AREA_START,
				   BOOT_ELF_AREA_END - BOOT_ELF_AREA_START)) {
			dm_errf(err, errlen, "segment at 0x%llx-0x%llx overlaps the loader's area "
				"0x%llx-0x%llx", (unsigned long long)s->paddr,
				(unsigned long long)(s->paddr + s->memsz),
				(unsigned long long)BOOT_ELF_AREA_START,
				(unsigned long long)BOOT_ELF_AREA_END);
			return -ERANGE;
		}
		for (unsigned int j = 0; j < i; j++) {
			if (ranges_overlap(s->paddr, s->memsz, im->seg[j].paddr, im->seg[j].memsz)) {
				dm_errf(err, errlen, "segments at 0x%llx and 0x%llx overlap",
					(unsigned long long)im->seg[j].paddr,
					(unsigned long long)s->paddr);
				return -EINVAL;
			}
		}
		if (ctx->lowmem >= BOOT_BIOS_END &&
		    ranges_overlap(s->paddr, s->memsz, ACPI_TABLES_BASE, ACPI_TABLES_END - ACPI_TABLES_BASE)) {
			dm_errf(err, errlen, "segment at 0x%llx-0x%llx overlaps the ACPI tables' area "
				"0x%llx-0x%llx", (unsigned long long)s->paddr,
				(unsigned long long)(s->paddr + s->memsz),
				(unsigned long long)ACPI_TABLES_BASE, (unsigned long long)ACPI_TABLES_END);
			return -ERANGE;
		}
		if (im->entry >= s->paddr && im->entry - s->paddr < s->memsz)
			entry_ok = true;
	}
	if (!entry_ok) {
		dm_errf(err, errlen, "entry point 0x%llx is outside the loaded segments",
			(unsigned long long)im->entry);
		return -EINVAL;
	}
	if ((im->multiboot || !im->is64) && im->entry > 0xFFFFFFFFULL) {
		dm_errf(err, errlen, "entry point 0x%llx is not reachable in 32-bit mode",
			(unsigned long long)im->entry);
		return -EINVAL;
	}
	return 0;
}

/* Multiboot 3.1.1: 4-byte aligned magic in the first 8 KiB, magic + flags + checksum == 0. */
static int mb1_find_header(const uint8_t *img, size_t len, struct elf_image *im, char *err,
			   size_t errlen)
{
	size_t end = len < BOOT_ELF_MB1_SEARCH ? len : BOOT_ELF_MB1_SEARCH;

	for (size_t off = 0; off + 12 <= end; off += 4) {
		uint32_t flags;

		if (rd32(img + off) != BOOT_ELF_MB1_MAGIC)
			continue;
		flags = rd32(img + off + 4);
		if ((uint32_t)(BOOT_ELF_MB1_MAGIC + flags + rd32(img + off + 8)) != 0)
			continue;
		/* 3.1.2: an unsupported requirement in bits 0-15 must make the load fail. */
		if (flags & 0xFFFFU & ~MB1_FLAGS_OK) {
			dm_errf(err, errlen, "multiboot header at 0x%zx asks for unsupported "
				"features (flags 0x%x)", off, flags);
			return -ENOEXEC;
		}
		im->multiboot = true;
		im->mb_flags = flags;
		return 0;
	}
	return 0;
}

static int elf_write_gdt(struct vmctx *ctx)
{
	static const uint64_t gdt[4] = {
		0, 0x00AF9B000000FFFFULL, 0x00CF93000000FFFFULL, 0x00CF9B000000FFFFULL,
	};
	uint8_t *p = vm_map_gpa(ctx, BOOT_ELF_GDT, sizeof(gdt));

	if (p == NULL)
		return -ERANGE;
	for (int i = 0; i < 4; i++)
		wr64(p + 8 * i, gdt[i]);
	return 0;
}

/* SDM Vol. 3A 4.5: PML4[0] -> PDPT, PDPT[0..3] -> PD, PD entries map 2 MiB pages (PS). */
static int elf_write_page_tables(struct vmctx *ctx)
{
	uint8_t *pml4 = vm_map_gpa(ctx, BOOT_ELF_PML4, 4096);
	uint8_t *pdpt = vm_map_gpa(ctx, BOOT_ELF_PDPT, 4096);
	uint8_t *pd = vm_map_gpa(ctx, BOOT_ELF_PD, 4 * 4096);

	if (pml4 == NULL || pdpt == NULL || pd == NULL)
		return -ERANGE;
	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	wr64(pml4, BOOT_ELF_PDPT | 0x3);
	for (uint64_t i = 0; i < 4; i++)
		wr64(pdpt + 8 * i, (BOOT_ELF_PD + 4096 * i) | 0x3);
	for (uint64_t i = 0; i < 2048; i++)
		wr64(pd + 8 * i, (i << 21) | 0x83);
	return 0;
}

/*
 * Multiboot 3.3 boot information: memory sizes and the full map from the guest's e820, the
 * -B command line and our name.  Addresses are all inside the loader's area.
 */
static int mb1_write_info(struct vmctx *ctx, const char *cmdline, char *err, size_t errlen)
{
	struct boot_e820_entry e820[BOOT_ELF_MMAP_MAX];
	static const char name[] = "acrn-dm";
	uint8_t *mbi = vm_map_gpa(ctx, BOOT_ELF_MBI, MBI_SIZE);
	uint8_t *mm = vm_map_gpa(ctx, BOOT_ELF_MMAP, 24 * BOOT_ELF_MMAP_MAX);
	uint8_t *ln = vm_map_gpa(ctx, BOOT_ELF_LOADER_NAME, sizeof(name));
	uint32_t flags = MBI_MEM | MBI_MMAP | MBI_LOADER;
	unsigned int n;
	uint64_t low = ctx->lowmem;

	if (mbi == NULL || mm == NULL || ln == NULL) {
		dm_errf(err, errlen, "guest RAM too small for the multiboot information");
		return -ERANGE;
	}
	memset(mbi, 0, MBI_SIZE);
	n = boot_build_e820(ctx, e820, BOOT_ELF_MMAP_MAX);
	for (unsigned int i = 0; i < n; i++) {
		wr32(mm + 24 * i, 20);		/* size of the entry without this field */
		wr64(mm + 24 * i + 4, e820[i].addr);
		wr64(mm + 24 * i + 12, e820[i].size);
		wr32(mm + 24 * i + 20, e820[i].type);
	}
	memcpy(ln, name, sizeof(name));
	if (cmdline != NULL) {
		size_t cl = strlen(cmdline) + 1;
		uint8_t *c = cl <= BOOT_ELF_CMDLINE_MAX ? vm_map_gpa(ctx, BOOT_ELF_CMDLINE, cl) : NULL;

		if (c == NULL) {
			dm_errf(err, errlen, "command line of %zu bytes is too long (at most %u)",
				cl - 1, BOOT_ELF_CMDLINE_MAX - 1);
			return -EINVAL;
		}
		memcpy(c, cmdline, cl);
		wr32(mbi + 16, (uint32_t)BOOT_ELF_CMDLINE);
		flags |= MBI_CMDLINE;
	}
	wr32(mbi + 0, flags);
	wr32(mbi + 4, (uint32_t)((low < BOOT_LOWRAM_END ? low : BOOT_LOWRAM_END) >> 10));
	wr32(mbi + 8, (uint32_t)(low > BOOT_BIOS_END ? (low - BOOT_BIOS_END) >> 10 : 0));
	wr32(mbi + 44, 24 * n);
	wr32(mbi + 48, (uint32_t)BOOT_ELF_MMAP);
	wr32(mbi + 64, (uint32_t)BOOT_ELF_LOADER_NAME);
	return 0;
}

/*
 * vCPU 0 entry state.  Multiboot (3.2) and ELF32: 32-bit protected mode, paging off, CS a
 * flat 4 GiB execute/read segment (selector 0x18), DS/ES/FS/GS/SS flat read/write (0x10),
 * EFLAGS.IF and VM clear.  ELF64 without Multiboot: IA-32e mode with CR0.PG, CR4.PAE,
 * EFER.LME|LMA, CR3 = identity map of [0, 4 GiB), CS = 64-bit code (0x08).
 */
static int elf_set_regs(struct vmctx *ctx, const struct elf_image *im)
{
	bool long_mode = im->is64 && !im->multiboot;
	struct acrn_vcpu_regs r;

	memset(&r, 0, sizeof(r));
	r.vcpu_id = 0;
	r.vcpu_regs.gdt.base = BOOT_ELF_GDT;
	r.vcpu_regs.gdt.limit = 4 * 8 - 1;
	r.vcpu_regs.rip = im->entry;
	r.vcpu_regs.cs_base = 0;
	r.vcpu_regs.cs_limit = 0xFFFFFFFFU;
	r.vcpu_regs.cs_ar = long_mode ? AR_CODE64 : AR_CODE32;
	r.vcpu_regs.cs_sel = long_mode ? BOOT_ELF_SEL_CODE64 : BOOT_ELF_SEL_CODE32;
	r.vcpu_regs.ss_sel = BOOT_ELF_SEL_DATA;
	r.vcpu_regs.ds_sel = BOOT_ELF_SEL_DATA;
	r.vcpu_regs.es_sel = BOOT_ELF_SEL_DATA;
	r.vcpu_regs.fs_sel = BOOT_ELF_SEL_DATA;
	r.vcpu_regs.gs_sel = BOOT_ELF_SEL_DATA;
	r.vcpu_regs.rflags = 0x2;
	r.vcpu_regs.gprs.rsp = BOOT_ELF_STACK;
	if (long_mode) {
		r.vcpu_regs.cr0 = 0x80000031ULL;	/* PG | NE | ET | PE */
		r.vcpu_regs.cr4 = 0x20;			/* PAE */
		r.vcpu_regs.cr3 = BOOT_ELF_PML4;
		r.vcpu_regs.ia32_efer = 0x500;		/* LMA | LME */
	} else {
		r.vcpu_regs.cr0 = 0x31;			/* NE | ET | PE */
	}
	if (im->multiboot) {
		r.vcpu_regs.gprs.rax = BOOT_ELF_MB1_BOOTED;
		r.vcpu_regs.gprs.rbx = BOOT_ELF_MBI;
	}
	return ctx->vmm->set_vcpu_regs(ctx, &r);
}

int boot_elf_load(struct vmctx *ctx, const uint8_t *img, size_t len, const char *cmdline,
		  char *err, size_t errlen)
{
	struct elf_image *im;
	unsigned int phnum = 0;
	uint64_t phoff = 0;
	int rc;

	if (img == NULL)
		len = 0;
	im = calloc(1, sizeof(*im));
	if (im == NULL) {
		dm_errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = elf_parse_ehdr(img, len, im, &phoff, &phnum, err, errlen);
	if (rc == 0)
		rc = elf_parse_phdrs(img, len, im, phoff, phnum, err, errlen);
	if (rc == 0)
		rc = mb1_find_header(img, len, im, err, errlen);
	if (rc == 0)
		rc = elf_check_placement(ctx, im, err, errlen);
	if (rc == 0 && im->multiboot && cmdline != NULL &&
	    strlen(cmdline) >= BOOT_ELF_CMDLINE_MAX) {
		dm_errf(err, errlen, "command line of %zu bytes is too long (at most %u)",
			strlen(cmdline), BOOT_ELF_CMDLINE_MAX - 1);
		rc = -EINVAL;
	}
	if (rc != 0)
		goto out;

	for (unsigned int i = 0; i < im->nseg; i++) {
		const struct elf_seg *s = &im->seg[i];
		uint8_t *dst = vm_map_gpa(ctx, s->paddr, (size_t)s->memsz);

		memcpy(dst, img + s->off, (size_t)s->filesz);
		memset(dst + s->filesz, 0, (size_t)(s->memsz - s->filesz));
	}
	rc = elf_write_gdt(ctx);
	if (rc == 0 && im->is64 && !im->multiboot)
		rc = elf_write_page_tables(ctx);
	if (rc != 0) {
		dm_errf(err, errlen, "guest RAM too small for the boot structures at 0x%llx",
			(unsigned long long)BOOT_ELF_AREA_START);
		goto out;
	}
	/* The ACPI tables (MADT for the vCPUs, FADT for power-off) where the legacy RSDP scan
	 * finds them, as for a Linux guest; below 1 MiB of RAM there is no room for them. */
	if (ctx->lowmem >= BOOT_BIOS_END) {
		rc = acpi_tables_install(ctx);
		if (rc != 0) {
			dm_errf(err, errlen, "cannot write the ACPI tables: %s", strerror(-rc));
			goto out;
		}
	}
	if (im->multiboot)
		rc = mb1_write_info(ctx, cmdline, err, errlen);
	else if (cmdline != NULL)
		pr_warn("-B ignored: the ELF image has no multiboot header to pass it");
	if (rc == 0) {
		rc = elf_set_regs(ctx, im);
		if (rc != 0)
			dm_errf(err, errlen, "cannot set vCPU 0 registers: %s", strerror(-rc));
	}
	if (rc == 0)
		pr_info("ELF%d image, %u segment(s), entry 0x%llx, %s", im->is64 ? 64 : 32, im->nseg,
			(unsigned long long)im->entry,
			im->multiboot ? "multiboot (32-bit protected mode)" :
			im->is64 ? "64-bit long mode" : "32-bit protected mode");
out:
	free(im);
	return rc;
}

int dm_boot_elf(struct vmctx *ctx, const char *path, char *err, size_t errlen)
{
	const char *cmdline = ctx->cfg != NULL ? ctx->cfg->bootargs : NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	rc = boot_read_image(ctx->cfg, "ELF image", path, BOOT_ELF_FILE_MAX, &buf, &len, err,
			     errlen);
	if (rc != 0)
		return rc;
	rc = boot_elf_load(ctx, buf, len, cmdline, err, errlen);
	if (rc != 0 && err != NULL && errlen > 0) {
		/* Name the file in the one error line. */
		char tmp[256];

		snprintf(tmp, sizeof(tmp), "%s", err);
		snprintf(err, errlen, "ELF image %s: %s", path, tmp);
	}
	free(buf);
	return rc;
}

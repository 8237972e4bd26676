/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: acrn-dm -E, boot_elf_load() fed hostile ELF32/ELF64 images with or
 * without a Multiboot 1 header.  The input is the image; the input length modulo 4
 * chooses the -B command line (none, short, the longest allowed, one byte too long).
 *
 * Properties checked for every input:
 *  - the result is 0, -ENOEXEC, -EINVAL or -ERANGE, with a one-line message;
 *  - accept/reject agrees with a model written from boot_elf.h and the gABI/Multiboot
 *    rules it cites (ELF header, program headers, Multiboot 0.6.96 3.1);
 *  - a rejected image leaves guest RAM untouched (mincore residency) and no vCPU set;
 *  - an accepted one touched only its segments' pages, the loader's area pages it
 *    needs (GDT, page tables in long mode, boot information for Multiboot) and the ACPI
 *    tables' area (guest RAM of 1 MiB or more; segments there are refused); every segment
 *    holds its file bytes then zeros; vCPU 0 starts at the entry (inside a segment, so
 *    inside guest RAM) with RSP, CR3, EBX, GDTR pointing into guest RAM, in the mode the
 *    header documents.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acpi_tables.h"
#include "boot_elf.h"
#include "boot_fuzz_vm.h"
#include "boot_linux.h"
#include "guest_mem.h"
#include "vmctx.h"

#define FZ_PAGE		4096ULL
#define FZ_MAXSEG	64U

static char fz_cmd_max[BOOT_ELF_CMDLINE_MAX];		/* MAX - 1 chars + NUL */
static char fz_cmd_long[BOOT_ELF_CMDLINE_MAX + 1];	/* MAX chars: one too many */
static const uint8_t fz_zero[65536];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	bfz_vm();
	memset(fz_cmd_max, 'm', sizeof(fz_cmd_max) - 1);
	memset(fz_cmd_long, 'l', sizeof(fz_cmd_long) - 1);
	return 0;
}

struct fz_seg {
	uint64_t off, filesz, paddr, memsz;
};

struct fz_model {
	bool ok;
	bool is64, multiboot;
	uint64_t entry;
	unsigned int nseg;
	struct fz_seg seg[FZ_MAXSEG];
};

static bool fz_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* System V gABI "ELF Header" / "Program Header", restricted as boot_elf.h documents. */
static bool fz_model_elf(const uint8_t *img, size_t len, struct fz_model *m)
{
	uint64_t phoff;
	unsigned int phnum, phentsize;

	if (len < 16 || memcmp(img, "\177ELF", 4) != 0 || (img[4] != 1 && img[4] != 2) ||
	    img[5] != 1 || img[6] != 1)
		return false;
	m->is64 = img[4] == 2;
	if (len < (m->is64 ? 64U : 52U) || bfz_rd16(img + 16) != 2 ||
	    bfz_rd16(img + 18) != (m->is64 ? 62 : 3))
		return false;
	m->entry = m->is64 ? bfz_rd64(img + 24) : bfz_rd32(img + 24);
	phoff = m->is64 ? bfz_rd64(img + 32) : bfz_rd32(img + 28);
	phentsize = bfz_rd16(img + (m->is64 ? 54 : 42));
	phnum = bfz_rd16(img + (m->is64 ? 56 : 44));
	if (phentsize != (m->is64 ? 56U : 32U) || phnum == 0 || phnum > BOOT_ELF_MAX_PHDRS)
		return false;
	if (phoff > len || (uint64_t)phnum * phentsize > len - phoff)
		return false;
	for (unsigned int i = 0; i < phnum; i++) {
		const uint8_t *ph = img + phoff + (uint64_t)i * phentsize;
		struct fz_seg s;

		if (bfz_rd32(ph) != 1)
			continue;
		s.off = m->is64 ? bfz_rd64(ph + 8) : bfz_rd32(ph + 4);
		s.paddr = m->is64 ? bfz_rd64(ph + 24) : bfz_rd32(ph + 12);
		s.filesz = m->is64 ? bfz_rd64(ph + 32) : bfz_rd32(ph + 16);
		s.memsz = m->is64 ? bfz_rd64(ph + 40) : bfz_rd32(ph + 20);
		/* Every PT_LOAD is validated; an empty one then loads nothing. */
		if (s.filesz > s.memsz || s.off > len || s.filesz > len - s.off)
			return false;
		if (s.memsz == 0)
			continue;
		if (!bfz_in_ram(s.paddr, s.memsz) ||
		    fz_overlap(s.paddr, s.memsz, BOOT_ELF_AREA_START,
			       BOOT_ELF_AREA_END - BOOT_ELF_AREA_START))
			return false;
		/* The ACPI tables' area, written whenever RAM reaches 1 MiB. */
		if (bfz_vm()->lowmem >= BOOT_BIOS_END &&
		    fz_overlap(s.paddr, s.memsz, ACPI_TABLES_BASE, ACPI_TABLES_END - ACPI_TABLES_BASE))
			return false;
		for (unsigned int j = 0; j < m->nseg; j++)
			if (fz_overlap(s.paddr, s.memsz, m->seg[j].paddr, m->seg[j].memsz))
				return false;
		m->seg[m->nseg++] = s;
	}
	return m->nseg != 0;
}

/* Multiboot 0.6.96 3.1.1-3.1.2: the first header with a valid checksum decides. */
static bool fz_model_mb1(const uint8_t *img, size_t len, struct fz_model *m)
{
	size_t end = len < BOOT_ELF_MB1_SEARCH ? len : BOOT_ELF_MB1_SEARCH;

	for (size_t off = 0; off + 12 <= end; off += 4) {
		uint32_t flags = bfz_rd32(img + off + 4);

		if (bfz_rd32(img + off) != BOOT_ELF_MB1_MAGIC ||
		    (uint32_t)(BOOT_ELF_MB1_MAGIC + flags + bfz_rd32(img + off + 8)) != 0)
			continue;
		/* Bits 0 (align modules), 1 (memory info) and 16 (a.out fields) are honoured. */
		if (flags & 0xFFFFU & ~0x10003U)
			return false;
		m->multiboot = true;
		return true;
	}
	return true;
}

static void fz_model(const uint8_t *img, size_t len, const char *cmd, struct fz_model *m)
{
	bool entry_ok = false;

	memset(m, 0, sizeof(*m));
	if (!fz_model_elf(img, len, m) || !fz_model_mb1(img, len, m))
		return;
	for (unsigned int i = 0; i < m->nseg; i++)
		if (m->entry >= m->seg[i].paddr && m->entry - m->seg[i].paddr < m->seg[i].memsz)
			entry_ok = true;
	if (!entry_ok || ((m->multiboot || !m->is64) && m->entry > 0xFFFFFFFFULL))
		return;
	if (m->multiboot && cmd != NULL && strlen(cmd) >= BOOT_ELF_CMDLINE_MAX)
		return;
	m->ok = true;
}

static const uint8_t *fz_gpa(struct vmctx *ctx, uint64_t gpa, size_t len)
{
	const uint8_t *p = vm_map_gpa(ctx, gpa, len);

	if (p == NULL)
		bfz_fail("guest range 0x%llx+%zu is not RAM", (unsigned long long)gpa, len);
	return p;
}

/* Multiboot 3.3: the boot information the guest gets in EBX. */
static void fz_check_mbi(struct vmctx *ctx, const char *cmd)
{
	const uint8_t *mbi = fz_gpa(ctx, BOOT_ELF_MBI, 116);
	uint32_t flags = bfz_rd32(mbi), mlen = bfz_rd32(mbi + 44);
	const uint8_t *mm;

	if (!(flags & (1U << 6)) || bfz_rd32(mbi + 48) != BOOT_ELF_MMAP || mlen == 0 ||
	    mlen > 24 * BOOT_ELF_MMAP_MAX || mlen % 24 != 0)
		bfz_fail("multiboot: memory map fields wrong (flags 0x%x, length %u)", flags, mlen);
	mm = fz_gpa(ctx, BOOT_ELF_MMAP, mlen);
	for (uint32_t o = 0; o < mlen; o += 24)
		if (bfz_rd32(mm + o + 20) == E820_RAM &&
		    !bfz_in_ram(bfz_rd64(mm + o + 4), bfz_rd64(mm + o + 12)))
			bfz_fail("multiboot: RAM map entry at +%u outside guest RAM", o);
	if (cmd != NULL) {
		size_t cl = strlen(cmd) + 1;

		if (!(flags & (1U << 2)) || bfz_rd32(mbi + 16) != BOOT_ELF_CMDLINE ||
		    memcmp(fz_gpa(ctx, BOOT_ELF_CMDLINE, cl), cmd, cl) != 0)
			bfz_fail("multiboot: command line not passed");
	} else if (flags & (1U << 2)) {
		bfz_fail("multiboot: command line flag without a command line");
	}
}

static void fz_check_loaded(struct vmctx *ctx, const uint8_t *img, const struct fz_model *m,
			    const char *cmd)
{
	bool long_mode = m->is64 && !m->multiboot;
	struct bfz_range allowed[FZ_MAXSEG + 3];
	struct acrn_vcpu_regs r;
	size_t n = 0;

	for (unsigned int i = 0; i < m->nseg; i++)
		allowed[n++] = (struct bfz_range){ m->seg[i].paddr, m->seg[i].memsz };
	/* GDT and Multiboot information share the page at 0x7000; long mode adds the tables. */
	allowed[n++] = (struct bfz_range){ BOOT_ELF_GDT, BOOT_ELF_AREA_END - BOOT_ELF_GDT };
	if (long_mode)
		allowed[n++] = (struct bfz_range){ BOOT_ELF_PML4, BOOT_ELF_GDT - BOOT_ELF_PML4 };
	if (ctx->lowmem >= BOOT_BIOS_END)
		allowed[n++] = (struct bfz_range){ ACPI_TABLES_BASE, ACPI_TABLES_END - ACPI_TABLES_BASE };
	bfz_check_touched(allowed, n, "elf");

	for (unsigned int i = 0; i < m->nseg; i++) {
		const struct fz_seg *s = &m->seg[i];
		const uint8_t *p = fz_gpa(ctx, s->paddr, (size_t)s->memsz);

		if (memcmp(p, img + s->off, (size_t)s->filesz) != 0)
			bfz_fail("elf: segment %u does not hold its file bytes", i);
		for (uint64_t b = s->filesz; b < s->memsz; b += sizeof(fz_zero)) {
			uint64_t chunk = s->memsz - b < sizeof(fz_zero) ? s->memsz - b : sizeof(fz_zero);

			if (memcmp(p + b, fz_zero, (size_t)chunk) != 0)
				bfz_fail("elf: segment %u not zero past p_filesz (near 0x%llx)", i,
					 (unsigned long long)b);
		}
	}
	if (bfz_regs(&r) != 1 || r.vcpu_id != 0)
		bfz_fail("elf: vCPU 0 not set exactly once");
	if (r.vcpu_regs.rip != m->entry || !bfz_in_ram(r.vcpu_regs.rip, 1) ||
	    r.vcpu_regs.gprs.rsp != BOOT_ELF_STACK || !bfz_in_ram(r.vcpu_regs.gprs.rsp - 1, 1) ||
	    !bfz_in_ram(r.vcpu_regs.gdt.base, (uint64_t)r.vcpu_regs.gdt.limit + 1))
		bfz_fail("elf: entry state wrong (rip 0x%llx, entry 0x%llx)",
			 (unsigned long long)r.vcpu_regs.rip, (unsigned long long)m->entry);
	if (long_mode) {
		const uint8_t *pml4 = fz_gpa(ctx, BOOT_ELF_PML4, 8);

		if (r.vcpu_regs.cr3 != BOOT_ELF_PML4 || (r.vcpu_regs.ia32_efer & 0x500) != 0x500 ||
		    (r.vcpu_regs.cr0 & 0x80000001ULL) != 0x80000001ULL ||
		    r.vcpu_regs.cs_sel != BOOT_ELF_SEL_CODE64 ||
		    (bfz_rd64(pml4) & ~0xFFFULL) != BOOT_ELF_PDPT)
			bfz_fail("elf: 64-bit entry state wrong");
	} else {
		if ((r.vcpu_regs.cr0 & 0x80000001ULL) != 1 || r.vcpu_regs.ia32_efer != 0 ||
		    r.vcpu_regs.cs_sel != BOOT_ELF_SEL_CODE32)
			bfz_fail("elf: 32-bit entry state wrong");
	}
	if (m->multiboot) {
		if (r.vcpu_regs.gprs.rax != BOOT_ELF_MB1_BOOTED ||
		    r.vcpu_regs.gprs.rbx != BOOT_ELF_MBI || !bfz_in_ram(r.vcpu_regs.gprs.rbx, 116))
			bfz_fail("multiboot: EAX/EBX wrong");
		fz_check_mbi(ctx, cmd);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const cmds[4] = { NULL, "console=ttyS0 quiet", fz_cmd_max,
					     fz_cmd_long };
	struct vmctx *ctx = bfz_vm();
	const char *cmd = cmds[size % 4];
	struct fz_model *m = malloc(sizeof(*m));
	int rc;

	if (m == NULL)
		abort();
	bfz_reset();
	fz_model(data, size, cmd, m);
	rc = boot_elf_load(ctx, data, size, cmd, bfz_err(), bfz_errlen());
	bfz_count(rc == 0);
	if (rc != 0 && rc != -ENOEXEC && rc != -EINVAL && rc != -ERANGE)
		bfz_fail("elf: undocumented result %d", rc);
	if ((rc == 0) != m->ok)
		bfz_fail("elf: loader says %d, the documented rules say %s", rc,
			 m->ok ? "accept" : "reject");
	if (rc != 0) {
		if (bfz_regs(NULL) != 0)
			bfz_fail("elf: rejected (%d) but vCPU 0 was set", rc);
		if (bfz_err()[0] == '\0' || strchr(bfz_err(), '\n') != NULL)
			bfz_fail("elf: rejected (%d) without a one-line message", rc);
		bfz_check_touched(NULL, 0, "elf (rejected)");
	} else {
		fz_check_loaded(ctx, data, m, cmd);
	}
	free(m);
	return 0;
}

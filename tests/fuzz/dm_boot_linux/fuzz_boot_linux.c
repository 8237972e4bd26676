/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: acrn-dm's Linux direct-boot loader (boot_linux_load) and
 * firmware loader (boot_ovmf_load) fed hostile images.
 *
 * Input: byte 0 = initrd size selector (0: none, else n * 4093 bytes of a
 * pattern), byte 1 = command-line length selector (n * 37 bytes, no NUL),
 * byte 2 = mode ('O': the rest is an --ovmf image), rest = the bzImage.
 *
 * Properties checked for every input:
 *  - the result is 0 or one of the documented errors, with a one-line message;
 *  - accept/reject agrees with a model written from doc/acrn-dm-boot.md
 *    ("Linux direct boot" steps 2-5) and boot_linux.h;
 *  - a rejected image leaves guest RAM untouched and starts no vCPU;
 *  - an accepted one touched only the GDT, zero page, command line, ACPI area,
 *    kernel and initrd pages (mincore residency), all inside guest RAM; the
 *    kernel, initrd, command line and zero page hold what they must; vCPU 0
 *    got EIP = load address, ESI = zero page, GDTR inside guest RAM.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acpi_tables.h"
#include "boot_fuzz_vm.h"
#include "boot_linux.h"
#include "guest_mem.h"
#include "vmctx.h"
#include "vmm_test.h"

#define FZ_INITRD_UNIT	4093U
#define FZ_INITRD_MAX	(255U * FZ_INITRD_UNIT)
#define FZ_CMD_UNIT	37U
#define FZ_CMD_MAX	(255U * FZ_CMD_UNIT)
#define FZ_PAGE		4096ULL
#define FZ_4G		0x100000000ULL

static uint8_t *fz_initrd;
static char fz_cmdline[FZ_CMD_MAX + 1];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	bfz_vm();
	fz_initrd = malloc(FZ_INITRD_MAX);
	if (fz_initrd == NULL)
		abort();
	for (size_t i = 0; i < FZ_INITRD_MAX; i++)
		fz_initrd[i] = (uint8_t)(i * 13 + 7);
	for (size_t i = 0; i < FZ_CMD_MAX; i++)
		fz_cmdline[i] = (char)('a' + i % 26);
	return 0;
}

/* What doc/acrn-dm-boot.md promises, computed without the loader's code. */
struct fz_model {
	bool ok;
	size_t setup, pm;
	uint64_t load, need, initrd;
	size_t hdr_end;
};

static struct fz_model fz_model_linux(const uint8_t *k, size_t klen, size_t ilen, size_t clen)
{
	struct fz_model m = { 0 };
	unsigned int sects;
	uint16_t ver;
	uint64_t syssize, pref, init_size = 0, top, lowmem = BFZ_MEM_SIZE;

	/* Step 2: boot flag, HdrS, protocol >= 2.06, LOADED_HIGH, sizes backed by the file. */
	if (klen < 0x268 || bfz_rd16(k + 0x1fe) != 0xaa55 || bfz_rd32(k + 0x202) != BP_HDR_MAGIC)
		return m;
	ver = bfz_rd16(k + 0x206);
	if (ver < 0x0206 || !(k[0x211] & 1))
		return m;
	sects = k[0x1f1] ? k[0x1f1] : 4;
	m.setup = (sects + 1) * 512;
	syssize = (uint64_t)bfz_rd32(k + 0x1f4) * 16;
	if (syssize == 0 || klen <= m.setup || klen - m.setup < syssize)
		return m;
	m.pm = klen - m.setup;
	/* Step 3: load address and the room it needs. */
	pref = ver >= 0x020a ? bfz_rd64(k + 0x258) : 0;
	if (ver >= 0x020a)
		init_size = bfz_rd32(k + 0x260);
	if (pref >= 0x100000 && pref < FZ_4G && pref % FZ_PAGE == 0)
		m.load = pref;
	else
		m.load = k[0x234] ? 0x1000000 : 0x100000;
	m.need = init_size > m.pm ? init_size : m.pm;
	if (m.load > lowmem || m.need > lowmem - m.load)
		return m;
	/* Step 4: command line. */
	if (clen > bfz_rd32(k + 0x238) || clen >= 0x9f000 - 0x8000)
		return m;
	/* Step 5: initrd page aligned, as high as allowed, above the init_size area. */
	if (ilen != 0) {
		uint64_t lim = (uint64_t)bfz_rd32(k + 0x22c) + 1;
		uint64_t floor = (m.load + m.need + FZ_PAGE - 1) / FZ_PAGE * FZ_PAGE;

		top = lim < lowmem ? lim : lowmem;
		if (ilen > top)
			return m;
		m.initrd = (top - ilen) / FZ_PAGE * FZ_PAGE;
		if (m.initrd < floor)
			return m;
	}
	m.hdr_end = 0x202 + (size_t)k[0x201];
	if (m.hdr_end > 0x280)
		m.hdr_end = 0x280;
	if (m.hdr_end < 0x23c)
		m.hdr_end = 0x23c;
	m.ok = true;
	return m;
}

static void fz_expect_eq(struct vmctx *ctx, uint64_t gpa, const void *want, size_t len,
			 const char *what)
{
	const uint8_t *p;

	if (len == 0)
		return;
	p = vm_map_gpa(ctx, gpa, len);
	if (p == NULL || memcmp(p, want, len) != 0)
		bfz_fail("%s at 0x%llx (%zu bytes) does not hold what was loaded", what,
			 (unsigned long long)gpa, len);
}

static void fz_check_rejected(int rc, const char *what)
{
	const char *err = bfz_err();

	if (bfz_regs(NULL) != 0)
		bfz_fail("%s: rejected (%d) but vCPU 0 was started", what, rc);
	if (err[0] == '\0' || strchr(err, '\n') != NULL)
		bfz_fail("%s: rejected (%d) without a one-line message", what, rc);
	bfz_check_touched(NULL, 0, what);
}

static void fz_check_zeropage(struct vmctx *ctx, const uint8_t *k, const struct fz_model *m,
			      size_t ilen)
{
	const uint8_t *zp = vm_map_gpa(ctx, BOOT_ZEROPAGE_ADDR, FZ_PAGE);
	unsigned int n;

	/* The setup header is the image's, except the fields the loader fills in. */
	for (size_t off = 0x1f1; off < m->hdr_end; off++) {
		bool filled = off == 0x210 || (off >= 0x214 && off < 0x220) ||
			      (off >= 0x228 && off < 0x22c);

		if (!filled && zp[off] != k[off])
			bfz_fail("zero page byte 0x%zx differs from the image's setup header", off);
	}
	if (zp[BP_TYPE_OF_LOADER] != 0xff || bfz_rd32(zp + BP_CODE32_START) != m->load ||
	    bfz_rd32(zp + BP_CMD_LINE_PTR) != BOOT_CMDLINE_ADDR ||
	    bfz_rd32(zp + BP_RAMDISK_IMAGE) != m->initrd ||
	    bfz_rd32(zp + BP_RAMDISK_SIZE) != ilen ||
	    bfz_rd64(zp + BP_ACPI_RSDP_ADDR) != ACPI_TABLES_BASE)
		bfz_fail("zero page loader fields wrong");
	n = zp[BP_E820_ENTRIES];
	if (n == 0 || n > BP_E820_MAX)
		bfz_fail("e820 count %u", n);
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *e = zp + BP_E820_TABLE + 20 * i;

		if (bfz_rd32(e + 16) == E820_RAM && !bfz_in_ram(bfz_rd64(e), bfz_rd64(e + 8)))
			bfz_fail("e820 RAM entry %u outside guest RAM", i);
	}
}

/* An accepted bzImage: where everything went, what it holds, how vCPU 0 starts. */
static void fz_check_loaded(struct vmctx *ctx, const uint8_t *k, const struct fz_model *mp,
			    size_t ilen, size_t clen, const char *cmd)
{
	const struct fz_model m = *mp;
	const struct bfz_range allowed[] = {
		{ BOOT_GDT_ADDR, 32 },
		{ BOOT_ZEROPAGE_ADDR, FZ_PAGE },
		{ BOOT_CMDLINE_ADDR, clen + 1 },
		{ ACPI_TABLES_BASE, ACPI_TABLES_END - ACPI_TABLES_BASE },
		{ m.load, m.pm },
		{ m.initrd, ilen },
	};
	const size_t nallowed = sizeof(allowed) / sizeof(allowed[0]);
	struct acrn_vcpu_regs r;

	for (size_t i = 0; i < nallowed; i++)
		if (allowed[i].len != 0 && !bfz_in_ram(allowed[i].start, allowed[i].len))
			bfz_fail("bzImage: region %zu outside guest RAM", i);
	/* First, before the content checks below make the pages they read resident. */
	bfz_check_touched(allowed, nallowed, "bzImage");
	if (bfz_regs(&r) != 1 || r.vcpu_id != 0)
		bfz_fail("bzImage: vCPU 0 not set exactly once");
	if (r.vcpu_regs.rip != m.load || !bfz_in_ram(r.vcpu_regs.rip, m.pm) ||
	    r.vcpu_regs.gprs.rsi != BOOT_ZEROPAGE_ADDR ||
	    !bfz_in_ram(r.vcpu_regs.gprs.rsi, FZ_PAGE) ||
	    !bfz_in_ram(r.vcpu_regs.gdt.base, (uint64_t)r.vcpu_regs.gdt.limit + 1) ||
	    (r.vcpu_regs.cr0 & 0x80000001ULL) != 1 || r.vcpu_regs.cs_ar != BOOT_CS_AR)
		bfz_fail("bzImage: vCPU 0 entry state wrong (rip 0x%llx)",
			 (unsigned long long)r.vcpu_regs.rip);
	fz_expect_eq(ctx, m.load, k + m.setup, m.pm, "kernel");
	fz_expect_eq(ctx, m.initrd, fz_initrd, ilen, "initrd");
	fz_expect_eq(ctx, BOOT_CMDLINE_ADDR, cmd != NULL ? cmd : "", clen + 1, "command line");
	fz_check_zeropage(ctx, k, &m, ilen);
}

static void fz_one_linux(struct vmctx *ctx, const uint8_t *k, size_t klen, size_t ilen,
			 size_t clen)
{
	struct fz_model m = fz_model_linux(k, klen, ilen, clen);
	const char *cmd;
	int rc;

	fz_cmdline[clen] = '\0';
	cmd = clen != 0 ? fz_cmdline : ((ilen & 1) ? NULL : fz_cmdline);
	rc = boot_linux_load(ctx, k, klen, ilen != 0 ? fz_initrd : NULL, ilen, cmd, bfz_err(),
			     bfz_errlen());
	if (rc != 0 && rc != -EINVAL && rc != -E2BIG)
		bfz_fail("bzImage: undocumented result %d", rc);
	if ((rc == 0) != m.ok)
		bfz_fail("bzImage: loader says %d, the documented rules say %s", rc,
			 m.ok ? "accept" : "reject");
	bfz_count(rc == 0);
	if (rc != 0)
		fz_check_rejected(rc, "bzImage");
	else
		fz_check_loaded(ctx, k, &m, ilen, clen, cmd);
	fz_cmdline[clen] = (char)('a' + clen % 26);
}

/* --ovmf: SDM Vol. 3A 9.1.4, the first instruction is fetched at 0xFFFFFFF0. */
static void fz_one_ovmf(struct vmctx *ctx, const uint8_t *img, size_t len)
{
	struct vmm_test_state *st = vmm_test_get(ctx);
	bool valid = len != 0 && len % FZ_PAGE == 0 && len <= BOOT_OVMF_MAX;
	size_t before = st->nmemsegs;
	struct acrn_vcpu_regs r;
	bool found = false;
	int rc;

	rc = boot_ovmf_load(ctx, img, len, bfz_err(), bfz_errlen());
	if (rc != 0 && rc != -EINVAL && rc != -ENOMEM)
		bfz_fail("ovmf: undocumented result %d", rc);
	bfz_count(rc == 0);
	if (valid != (rc == 0))
		bfz_fail("ovmf: %zu bytes: loader says %d", len, rc);
	if (rc != 0) {
		if (st->nmemsegs != before)
			bfz_fail("ovmf: rejected but the memory map changed");
		fz_check_rejected(rc, "ovmf");
		return;
	}
	{
		const struct bfz_range acpi = { ACPI_TABLES_BASE, ACPI_TABLES_END - ACPI_TABLES_BASE };

		bfz_check_touched(&acpi, 1, "ovmf");
	}
	for (size_t i = 0; i < st->nmemsegs; i++) {
		const struct acrn_vm_memmap *mm = &st->memsegs[i];

		if (mm->user_vm_pa == FZ_4G - len && mm->len == len) {
			found = true;
			if (memcmp((const void *)(uintptr_t)mm->vma_base, img, len) != 0)
				bfz_fail("ovmf: mapped image differs");
		} else if (mm->user_vm_pa >= BFZ_MEM_SIZE) {
			bfz_fail("ovmf: stale firmware mapping at 0x%llx",
				 (unsigned long long)mm->user_vm_pa);
		}
	}
	if (!found)
		bfz_fail("ovmf: image not mapped below 4 GiB");
	if (bfz_regs(&r) != 1 || r.vcpu_regs.cs_base + r.vcpu_regs.rip != 0xfffffff0ULL)
		bfz_fail("ovmf: vCPU 0 does not start at the reset vector");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmctx *ctx = bfz_vm();
	size_t ilen, clen;

	if (size < 3)
		return 0;
	bfz_reset();
	ilen = (size_t)data[0] * FZ_INITRD_UNIT;
	clen = (size_t)data[1] * FZ_CMD_UNIT;
	if (data[2] == 'O')
		fz_one_ovmf(ctx, data + 3, size - 3);
	else
		fz_one_linux(ctx, data + 3, size - 3, ilen, clen);
	return 0;
}

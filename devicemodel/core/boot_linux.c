/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Boot loading: Linux direct boot through the 32-bit boot protocol
 * (Linux Documentation/arch/x86/boot.rst, "32-bit BOOT PROTOCOL"), or UEFI
 * firmware mapped below 4 GiB and entered at the reset vector (Intel SDM
 * Vol. 3A §9.1.4 "First Instruction Executed").
 *
 * Everything read from the kernel image is hostile: the header is checked
 * field by field, sizes are compared against what was actually read, and
 * every guest address goes through vm_map_gpa() with its full length.
 *
 * Guest layout for direct boot (doc/acrn-dm-boot.md):
 *   0x5000 GDT   0x7000 zero page   0x8000 command line
 *   0xE0000 ACPI tables (RSDP first)   16 MiB (or pref_address) kernel
 *   initrd: page-aligned, as high as initrd_addr_max and lowmem allow
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define DM_LOG_PREFIX "boot: "
#include "acpi_tables.h"
#include "boot_image.h"
#include "boot_linux.h"
#include "boot_elf.h"
#include "dm_log.h"
#include "guest_mem.h"
#include "pci_core.h"
#include "vmctx.h"

#define BOOT_4G			0x100000000ULL
#define BOOT_PAGE		0x1000ULL
#define BOOT_MIN_VERSION	0x0206
#define BOOT_HDR_COPY_MAX	0x280	/* setup header fields we know end below */
#define BOOT_FILE_MAX		(1ULL << 31)

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)v);
	wr16(p + 2, (uint16_t)(v >> 16));
}

static void wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

static unsigned int e820_add(struct boot_e820_entry *tab, unsigned int n, unsigned int max,
			     uint64_t start, uint64_t end, uint32_t type)
{
	if (end <= start || n >= max)
		return n;
	tab[n].addr = start;
	tab[n].size = end - start;
	tab[n].type = type;
	return n + 1;
}

unsigned int boot_build_e820(const struct vmctx *ctx, struct boot_e820_entry *tab,
			     unsigned int max)
{
	uint64_t low = ctx->lowmem;
	unsigned int n = 0;

	n = e820_add(tab, n, max, 0, low < BOOT_LOWRAM_END ? low : BOOT_LOWRAM_END, E820_RAM);
	n = e820_add(tab, n, max, BOOT_LOWRAM_END, BOOT_BIOS_END, E820_RESERVED);
	n = e820_add(tab, n, max, BOOT_BIOS_END, low, E820_RAM);
	/*
	 * The hole: reserve what is not the PCI BAR window.  The window itself
	 * must stay a gap: Linux trims host bridge windows that overlap e820
	 * entries, and would then refuse the BARs acrn-dm assigned there.
	 */
	n = e820_add(tab, n, max, low > BOOT_BIOS_END ? low : BOOT_BIOS_END, PCI_MMIO32_BASE,
		     E820_RESERVED);
	n = e820_add(tab, n, max, PCI_MMIO32_LIMIT, BOOT_4G, E820_RESERVED);
	if (ctx->highmem != 0)
		n = e820_add(tab, n, max, DM_HIGHMEM_BASE, DM_HIGHMEM_BASE + ctx->highmem,
			     E820_RAM);
	return n;
}

/* Flat 4 GiB code and data descriptors for selectors 0x10 and 0x18 (SDM Vol. 3A §3.4.5). */
static int boot_write_gdt(struct vmctx *ctx)
{
	static const uint64_t gdt[4] = {
		0, 0, 0x00cf9b000000ffffULL, 0x00cf93000000ffffULL,
	};
	uint8_t *p = vm_map_gpa(ctx, BOOT_GDT_ADDR, sizeof(gdt));

	if (p == NULL)
		return -ENOMEM;
	for (int i = 0; i < 4; i++)
		wr64(p + 8 * i, gdt[i]);
	return 0;
}

/* 32-bit boot protocol entry state: protected mode, paging off, flat segments. */
static int boot_start_pm32(struct vmctx *ctx, uint32_t entry)
{
	struct acrn_vcpu_regs r;

	memset(&r, 0, sizeof(r));
	r.vcpu_id = 0;
	r.vcpu_regs.gprs.rsi = BOOT_ZEROPAGE_ADDR;
	r.vcpu_regs.gdt.base = BOOT_GDT_ADDR;
	r.vcpu_regs.gdt.limit = 4 * 8 - 1;
	r.vcpu_regs.rip = entry;
	r.vcpu_regs.cs_base = 0;
	r.vcpu_regs.cs_limit = 0xffffffffU;
	r.vcpu_regs.cs_ar = BOOT_CS_AR;
	r.vcpu_regs.cs_sel = BOOT_CS_SEL;
	r.vcpu_regs.ss_sel = BOOT_DS_SEL;
	r.vcpu_regs.ds_sel = BOOT_DS_SEL;
	r.vcpu_regs.es_sel = BOOT_DS_SEL;
	r.vcpu_regs.fs_sel = BOOT_DS_SEL;
	r.vcpu_regs.gs_sel = BOOT_DS_SEL;
	r.vcpu_regs.cr0 = 0x31;		/* PE | ET | NE */
	r.vcpu_regs.rflags = 0x2;	/* IF clear: interrupts off */
	return ctx->vmm->set_vcpu_regs(ctx, &r);
}

/* The parts of the setup header the loader needs, validated. */
struct boot_hdr {
	uint16_t version;
	size_t setup_size;		/* real-mode part, not loaded */
	size_t pm_size;			/* protected-mode part */
	size_t hdr_end;			/* end of the setup header to copy */
	uint64_t load;			/* where the pm part goes */
	uint64_t need;			/* bytes reserved from load: max(pm_size, init_size) */
	uint32_t cmdline_size;
	uint64_t initrd_max;		/* highest byte an initrd may use */
};

static int boot_parse_hdr(const uint8_t *k, size_t klen, struct boot_hdr *h, char *err,
			  size_t errlen)
{
	unsigned int sects;
	uint64_t syssize, init_size, pref;

	if (klen < BP_PREF_ADDRESS || rd32(k + BP_HEADER) != BP_HDR_MAGIC ||
	    rd16(k + BP_BOOT_FLAG) != 0xaa55) {
		dm_errf(err, errlen, "kernel: not a bzImage (no HdrS setup header)");
		return -EINVAL;
	}
	h->version = rd16(k + BP_VERSION);
	if (h->version < BOOT_MIN_VERSION) {
		dm_errf(err, errlen, "kernel: boot protocol %u.%02u is too old (need 2.06)",
			 h->version >> 8, h->version & 0xff);
		return -EINVAL;
	}
	if (!(k[BP_LOADFLAGS] & BP_LOADED_HIGH)) {
		dm_errf(err, errlen, "kernel: not a bzImage (zImage loaded low)");
		return -EINVAL;
	}
	sects = k[BP_SETUP_SECTS] != 0 ? k[BP_SETUP_SECTS] : 4;
	h->setup_size = (size_t)(sects + 1) * 512;
	syssize = (uint64_t)rd32(k + 0x1f4) * 16;
	if (klen <= h->setup_size || klen - h->setup_size < syssize || syssize == 0) {
		dm_errf(err, errlen, "kernel: truncated (%zu bytes, header needs %llu)", klen,
			 (unsigned long long)(h->setup_size + syssize));
		return -EINVAL;
	}
	h->pm_size = klen - h->setup_size;
	/* The header ends where the jump at 0x200 lands; copy no further than we know. */
	h->hdr_end = BP_HEADER + k[BP_JUMP + 1];
	if (h->hdr_end > BOOT_HDR_COPY_MAX)
		h->hdr_end = BOOT_HDR_COPY_MAX;
	if (h->hdr_end < BP_CMDLINE_SIZE + 4)
		h->hdr_end = BP_CMDLINE_SIZE + 4;
	h->cmdline_size = rd32(k + BP_CMDLINE_SIZE);
	h->initrd_max = rd32(k + BP_INITRD_ADDR_MAX);
	init_size = h->version >= 0x020a ? rd32(k + BP_INIT_SIZE) : 0;
	pref = h->version >= 0x020a ? rd64(k + BP_PREF_ADDRESS) : 0;
	if (pref >= BOOT_BIOS_END && pref < BOOT_4G && pref % BOOT_PAGE == 0)
		h->load = pref;
	else
		h->load = k[BP_RELOCATABLE] ? BOOT_KERNEL_ADDR : BOOT_KERNEL_ADDR_OLD;
	h->need = init_size > h->pm_size ? init_size : h->pm_size;
	return 0;
}

/* Initrd: page-aligned, as high as possible below min(initrd_addr_max, lowmem). */
static int boot_place_initrd(struct vmctx *ctx, const struct boot_hdr *h, size_t ilen,
			     uint64_t *addr, char *err, size_t errlen)
{
	uint64_t top = h->initrd_max + 1 < ctx->lowmem ? h->initrd_max + 1 : ctx->lowmem;
	uint64_t floor = (h->load + h->need + BOOT_PAGE - 1) & ~(BOOT_PAGE - 1);

	if (ilen > top || ((top - ilen) & ~(BOOT_PAGE - 1)) < floor) {
		dm_errf(err, errlen, "initrd: %zu bytes do not fit between the kernel end "
			 "0x%llx and 0x%llx", ilen, (unsigned long long)floor,
			 (unsigned long long)top);
		return -E2BIG;
	}
	*addr = (top - ilen) & ~(BOOT_PAGE - 1);
	return 0;
}

/* The zero page: setup header from the image, then what the loader fills in. */
static int boot_write_zeropage(struct vmctx *ctx, const uint8_t *k, const struct boot_hdr *h,
			       uint64_t initrd, size_t ilen, uint64_t rsdp)
{
	struct boot_e820_entry e820[8];
	uint8_t *zp = vm_map_gpa(ctx, BOOT_ZEROPAGE_ADDR, BOOT_PAGE);
	unsigned int n;

	if (zp == NULL)
		return -ENOMEM;
	memset(zp, 0, BOOT_PAGE);
	memcpy(zp + BP_SETUP_SECTS, k + BP_SETUP_SECTS, h->hdr_end - BP_SETUP_SECTS);
	zp[BP_TYPE_OF_LOADER] = 0xff;
	wr32(zp + BP_CODE32_START, (uint32_t)h->load);
	wr32(zp + BP_CMD_LINE_PTR, (uint32_t)BOOT_CMDLINE_ADDR);
	wr32(zp + BP_RAMDISK_IMAGE, (uint32_t)initrd);
	wr32(zp + BP_RAMDISK_SIZE, (uint32_t)ilen);
	wr64(zp + BP_ACPI_RSDP_ADDR, rsdp);
	wr32(zp + BP_ALT_MEM_K, (uint32_t)((ctx->lowmem - BOOT_BIOS_END) >> 10));
	n = boot_build_e820(ctx, e820, 8);
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *e = zp + BP_E820_TABLE + 20 * i;

		wr64(e, e820[i].addr);
		wr64(e + 8, e820[i].size);
		wr32(e + 16, e820[i].type);
	}
	zp[BP_E820_ENTRIES] = (uint8_t)n;
	return 0;
}

int boot_linux_load(struct vmctx *ctx, const uint8_t *kernel, size_t klen,
		    const uint8_t *initrd, size_t ilen, const char *cmdline,
		    char *err, size_t errlen)
{
	struct boot_hdr h;
	uint64_t initrd_addr = 0;
	size_t clen = cmdline != NULL ? strlen(cmdline) : 0;
	uint8_t *p;
	int rc;

	if (kernel == NULL || (initrd == NULL && ilen != 0))
		return -EINVAL;
	rc = boot_parse_hdr(kernel, klen, &h, err, errlen);
	if (rc != 0)
		return rc;
	if (h.load > ctx->lowmem || h.need > ctx->lowmem - h.load) {
		dm_errf(err, errlen, "kernel: needs 0x%llx bytes at 0x%llx, guest RAM below "
			 "4 GiB ends at 0x%llx", (unsigned long long)h.need,
			 (unsigned long long)h.load, (unsigned long long)ctx->lowmem);
		return -E2BIG;
	}
	if (clen > h.cmdline_size || clen >= BOOT_CMDLINE_LIMIT - BOOT_CMDLINE_ADDR) {
		dm_errf(err, errlen, "command line: %zu bytes, the kernel accepts at most %u",
			 clen, h.cmdline_size);
		return -EINVAL;
	}
	if (ilen != 0) {
		rc = boot_place_initrd(ctx, &h, ilen, &initrd_addr, err, errlen);
		if (rc != 0)
			return rc;
		p = vm_map_gpa(ctx, initrd_addr, ilen);
		if (p == NULL)
			return -ENOMEM;
		memcpy(p, initrd, ilen);
	}
	p = vm_map_gpa(ctx, h.load, h.pm_size);
	if (p == NULL)
		return -ENOMEM;
	memcpy(p, kernel + h.setup_size, h.pm_size);
	p = vm_map_gpa(ctx, BOOT_CMDLINE_ADDR, clen + 1);
	if (p == NULL)
		return -ENOMEM;
	memcpy(p, cmdline != NULL ? cmdline : "", clen + 1);

	rc = acpi_tables_install(ctx);
	if (rc != 0) {
		dm_errf(err, errlen, "cannot write the ACPI tables: %s", strerror(-rc));
		return rc;
	}
	rc = boot_write_zeropage(ctx, kernel, &h, initrd_addr, ilen, ACPI_TABLES_BASE);
	if (rc == 0)
		rc = boot_write_gdt(ctx);
	if (rc == 0)
		rc = boot_start_pm32(ctx, (uint32_t)h.load);
	if (rc != 0) {
		dm_errf(err, errlen, "cannot set up the boot vCPU: %s", strerror(-rc));
		return rc;
	}
	pr_info("kernel at 0x%llx (%zu bytes, protocol %u.%02u), initrd at 0x%llx (%zu bytes)",
		(unsigned long long)h.load, h.pm_size, h.version >> 8, h.version & 0xff,
		(unsigned long long)initrd_addr, ilen);
	return 0;
}

void dm_boot_release(struct vmctx *ctx)
{
	struct acrn_vm_memmap map;

	if (ctx == NULL || ctx->fw_mem == NULL)
		return;
	memset(&map, 0, sizeof(map));
	map.type = ACRN_MEMMAP_RAM;
	map.attr = ACRN_MEM_ACCESS_RWX | ACRN_MEM_TYPE_WB;
	map.user_vm_pa = BOOT_4G - ctx->fw_size;
	map.vma_base = (uint64_t)(uintptr_t)ctx->fw_mem;
	map.len = ctx->fw_size;
	if (ctx->vm_created && ctx->vmm->unset_memseg != NULL)
		ctx->vmm->unset_memseg(ctx, &map);
	munmap(ctx->fw_mem, ctx->fw_size);
	ctx->fw_mem = NULL;
	ctx->fw_size = 0;
}

/* Processor state after RESET (SDM Vol. 3A Table 9-1): real mode at F000:FFF0. */
static int boot_start_reset_vector(struct vmctx *ctx)
{
	struct acrn_vcpu_regs r;

	memset(&r, 0, sizeof(r));
	r.vcpu_id = 0;
	r.vcpu_regs.rip = 0xfff0;
	r.vcpu_regs.cs_sel = 0xf000;
	r.vcpu_regs.cs_base = 0xffff0000ULL;
	r.vcpu_regs.cs_limit = 0xffff;
	r.vcpu_regs.cs_ar = 0x009b;
	r.vcpu_regs.gdt.limit = 0xffff;
	r.vcpu_regs.idt.limit = 0xffff;
	r.vcpu_regs.cr0 = 0x60000010ULL;
	r.vcpu_regs.rflags = 0x2;
	return ctx->vmm->set_vcpu_regs(ctx, &r);
}

int boot_ovmf_load(struct vmctx *ctx, const uint8_t *image, size_t len, char *err, size_t errlen)
{
	struct acrn_vm_memmap map;
	void *mem;
	int rc;

	if (len == 0 || len % BOOT_PAGE != 0 || len > BOOT_OVMF_MAX) {
		dm_errf(err, errlen, "firmware: %zu bytes (must be a non-zero multiple of 4 KiB, "
			 "at most 16 MiB)", len);
		return -EINVAL;
	}
	dm_boot_release(ctx);
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		dm_errf(err, errlen, "firmware: cannot allocate %zu bytes", len);
		return -ENOMEM;
	}
	memcpy(mem, image, len);
	memset(&map, 0, sizeof(map));
	map.type = ACRN_MEMMAP_RAM;
	map.attr = ACRN_MEM_ACCESS_RWX | ACRN_MEM_TYPE_WB;
	map.user_vm_pa = BOOT_4G - len;
	map.vma_base = (uint64_t)(uintptr_t)mem;
	map.len = len;
	rc = ctx->vmm->set_memseg(ctx, &map);
	if (rc != 0) {
		munmap(mem, len);
		dm_errf(err, errlen, "firmware: cannot map it below 4 GiB: %s", strerror(-rc));
		return rc;
	}
	ctx->fw_mem = mem;
	ctx->fw_size = len;
	/* Below 1 MiB of RAM there is no BIOS area for the tables: firmware does without. */
	if (ctx->lowmem >= BOOT_BIOS_END) {
		rc = acpi_tables_install(ctx);
		if (rc != 0) {
			dm_errf(err, errlen, "cannot write the ACPI tables: %s", strerror(-rc));
			return rc;
		}
	}
	rc = boot_start_reset_vector(ctx);
	if (rc != 0)
		dm_errf(err, errlen, "cannot set up the boot vCPU: %s", strerror(-rc));
	return rc;
}

/* Linux direct boot from the -k/-r/-B configuration. */
static int boot_linux_from_files(struct vmctx *ctx, char *err, size_t errlen)
{
	const struct dm_config *cfg = ctx->cfg;
	uint8_t *kernel = NULL, *initrd = NULL;
	size_t klen = 0, ilen = 0;
	int rc;

	/* Both images are read (and verified, with --verify-key) before either is loaded. */
	rc = boot_read_image(cfg, "kernel", cfg->kernel, ctx->lowmem, &kernel, &klen, err, errlen);
	if (rc == 0 && cfg->initrd != NULL)
		rc = boot_read_image(cfg, "initrd", cfg->initrd, ctx->lowmem, &initrd, &ilen, err,
				     errlen);
	if (rc == 0)
		rc = boot_linux_load(ctx, kernel, klen, initrd, ilen, cfg->bootargs, err, errlen);
	free(initrd);
	free(kernel);
	return rc;
}

int dm_boot_prepare(struct vmctx *ctx, char *err, size_t errlen)
{
	const struct dm_config *cfg = ctx->cfg;
	uint8_t *fw = NULL;
	size_t len = 0;
	int rc;

	if (cfg->elf != NULL) {
		if (cfg->kernel != NULL || cfg->ovmf != NULL) {
			dm_errf(err, errlen, "-E cannot be combined with -k or --ovmf");
			return -EINVAL;
		}
		return dm_boot_elf(ctx, cfg->elf, err, errlen);
	}
	if (cfg->ovmf != NULL && cfg->kernel != NULL) {
		dm_errf(err, errlen, "--ovmf and -k cannot be combined");
		return -EINVAL;
	}
	if ((cfg->initrd != NULL || cfg->bootargs != NULL) && cfg->kernel == NULL)
		pr_warn("-r/-B ignored: they apply to a kernel given with -k");
	if (cfg->kernel != NULL)
		return boot_linux_from_files(ctx, err, errlen);
	if (cfg->ovmf == NULL) {
		pr_warn("no boot image (-k or --ovmf): the vCPUs have nothing to run");
		return 0;
	}
	rc = boot_read_image(cfg, "firmware", cfg->ovmf, BOOT_OVMF_MAX, &fw, &len, err, errlen);
	if (rc == 0)
		rc = boot_ovmf_load(ctx, fw, len, err, errlen);
	free(fw);
	return rc;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file boot_linux.h
 * Boot loading for a User VM: Linux direct boot (-k bzImage, -r initrd,
 * -B cmdline) through the 32-bit Linux/x86 boot protocol, or UEFI firmware
 * (--ovmf) mapped below 4 GiB and started at the reset vector.  This module
 * provides dm_boot_prepare() (vmctx.h).  See doc/acrn-dm-boot.md.
 */
#ifndef DM_BOOT_LINUX_H
#define DM_BOOT_LINUX_H

#include <stddef.h>
#include <stdint.h>

struct vmctx;

/** Guest physical layout of the boot structures (Linux direct boot). */
#define BOOT_GDT_ADDR		0x5000ULL	/**< 4 entries: null, null, code 0x10, data 0x18 */
#define BOOT_ZEROPAGE_ADDR	0x7000ULL	/**< struct boot_params */
#define BOOT_CMDLINE_ADDR	0x8000ULL
#define BOOT_CMDLINE_LIMIT	0x9f000ULL	/**< command line must end below */
#define BOOT_LOWRAM_END		0x9f000ULL	/**< RAM below, BIOS area reserved above */
#define BOOT_BIOS_END		0x100000ULL
#define BOOT_KERNEL_ADDR	0x1000000ULL	/**< default load address (16 MiB) */
#define BOOT_KERNEL_ADDR_OLD	0x100000ULL	/**< non-relocatable kernels */
#define BOOT_CS_SEL		0x10
#define BOOT_DS_SEL		0x18
#define BOOT_CS_AR		0xc09b		/**< 32-bit, 4 KiB granular, exec/read, present */
#define BOOT_DS_AR		0xc093

/** Zero page (struct boot_params) offsets, Documentation/arch/x86/zero-page.rst. */
#define BP_ACPI_RSDP_ADDR	0x070
#define BP_ALT_MEM_K		0x1e0
#define BP_E820_ENTRIES		0x1e8
#define BP_SETUP_SECTS		0x1f1
#define BP_BOOT_FLAG		0x1fe
#define BP_JUMP			0x200
#define BP_HEADER		0x202
#define BP_VERSION		0x206
#define BP_TYPE_OF_LOADER	0x210
#define BP_LOADFLAGS		0x211
#define BP_CODE32_START		0x214
#define BP_RAMDISK_IMAGE	0x218
#define BP_RAMDISK_SIZE		0x21c
#define BP_CMD_LINE_PTR		0x228
#define BP_INITRD_ADDR_MAX	0x22c
#define BP_KERNEL_ALIGNMENT	0x230
#define BP_RELOCATABLE		0x234
#define BP_CMDLINE_SIZE		0x238
#define BP_PREF_ADDRESS		0x258
#define BP_INIT_SIZE		0x260
#define BP_E820_TABLE		0x2d0
#define BP_E820_MAX		128
#define BP_HDR_MAGIC		0x53726448U	/**< "HdrS" */
#define BP_LOADED_HIGH		0x01

/** e820 memory types (ACPI 6.5 Table 15.1). */
#define E820_RAM		1
#define E820_RESERVED		2

/** One e820 entry as stored in the zero page (20 bytes packed). */
struct boot_e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};

/** --ovmf images: a multiple of 4 KiB, at most this large, ending at 4 GiB. */
#define BOOT_OVMF_MAX		(16ULL << 20)

/**
 * The e820 map of @p ctx's guest: RAM [0, 0x9F000), reserved BIOS area up to
 * 1 MiB, RAM [1 MiB, lowmem), reserved [lowmem, PCI MMIO32 window) and
 * [end of that window, 4 GiB) (IOAPIC, LAPIC, firmware), RAM above 4 GiB.
 * The BAR window itself is left out so the guest may use it for PCI.
 * @return number of entries written (at most @p max)
 */
unsigned int boot_build_e820(const struct vmctx *ctx, struct boot_e820_entry *tab,
			     unsigned int max);

/**
 * Load a bzImage held in memory: validate the setup header (HdrS, protocol
 * >= 2.06, LOADED_HIGH, size), copy the protected-mode part to its load
 * address, place the initrd page-aligned as high as allowed, write the
 * command line, zero page, e820 and ACPI tables, and start vCPU 0 in 32-bit
 * protected mode (EIP = load address, ESI = zero page).
 * @param initrd   may be NULL when @p ilen is 0
 * @param cmdline  may be NULL (empty command line)
 * @param err      one-line reason on failure
 * @return 0, -EINVAL (not a usable bzImage, command line too long),
 *         -E2BIG (kernel or initrd does not fit) or the back-end's error
 */
int boot_linux_load(struct vmctx *ctx, const uint8_t *kernel, size_t klen,
		    const uint8_t *initrd, size_t ilen, const char *cmdline,
		    char *err, size_t errlen);

/**
 * Map a firmware image so that it ends at 4 GiB and start vCPU 0 at the
 * reset vector (CS:IP F000:FFF0, CS base 0xFFFF0000, real mode).  Replaces
 * an image mapped earlier (reset).
 * @return 0, -EINVAL (size not a multiple of 4 KiB, 0 or above 16 MiB),
 *         -ENOMEM or the back-end's error
 */
int boot_ovmf_load(struct vmctx *ctx, const uint8_t *image, size_t len, char *err, size_t errlen);

/** Unmap the firmware image, if any (before vmctx_destroy()). */
void dm_boot_release(struct vmctx *ctx);

#endif /* DM_BOOT_LINUX_H */

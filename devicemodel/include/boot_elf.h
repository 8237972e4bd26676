/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file boot_elf.h
 * acrn-dm -E IMAGE: load a static ELF32 (EM_386) or ELF64 (EM_X86_64) executable into guest
 * memory and start vCPU 0 at its entry.  An image with a Multiboot 1 header in its first
 * 8 KiB is started the Multiboot way (EAX = 0x2BADB002, EBX = multiboot information, 32-bit
 * protected mode, paging off); otherwise in the mode its ELF class implies.  See
 * doc/test-guests.md ("acrn-dm -E") for the exact entry state.
 */
#ifndef DM_BOOT_ELF_H
#define DM_BOOT_ELF_H

#include <stddef.h>
#include <stdint.h>

struct vmctx;

/** Guest physical layout of what the loader writes besides the image. */
#define BOOT_ELF_AREA_START	0x1000ULL	/**< segments may not overlap [START, END) */
#define BOOT_ELF_PML4		0x1000ULL	/**< 64-bit entry: PML4, PDPT, 4 PDs */
#define BOOT_ELF_PDPT		0x2000ULL
#define BOOT_ELF_PD		0x3000ULL	/**< 4 pages: 2 MiB pages over [0, 4 GiB) */
#define BOOT_ELF_GDT		0x7000ULL	/**< null, 64-bit code, data, 32-bit code */
#define BOOT_ELF_MBI		0x7100ULL	/**< struct multiboot_info (116 bytes) */
#define BOOT_ELF_MMAP		0x7200ULL	/**< multiboot memory map */
#define BOOT_ELF_MMAP_MAX	16U		/**< entries */
#define BOOT_ELF_LOADER_NAME	0x7400ULL
#define BOOT_ELF_CMDLINE	0x7500ULL
#define BOOT_ELF_CMDLINE_MAX	0xB00U		/**< bytes including the NUL */
#define BOOT_ELF_AREA_END	0x8000ULL
#define BOOT_ELF_STACK		0x1000ULL	/**< initial RSP/ESP (stack below the PML4) */

#define BOOT_ELF_SEL_CODE64	0x08
#define BOOT_ELF_SEL_DATA	0x10
#define BOOT_ELF_SEL_CODE32	0x18

#define BOOT_ELF_MB1_MAGIC	0x1BADB002U	/**< header magic (Multiboot 0.6.96, 3.1.1) */
#define BOOT_ELF_MB1_BOOTED	0x2BADB002U	/**< EAX at entry (3.2) */
#define BOOT_ELF_MB1_SEARCH	8192U		/**< the header lies in the first 8 KiB */
#define BOOT_ELF_MAX_PHDRS	64U
#define BOOT_ELF_FILE_MAX	(256ULL << 20)	/**< -E images above this are refused */

/**
 * Load the ELF image held in @p img into @p ctx's guest memory and set vCPU 0's registers.
 * Every PT_LOAD segment goes to its physical address (p_paddr); bytes past p_filesz up to
 * p_memsz are zeroed.  Nothing is written to guest memory unless the whole image is valid.
 * @param cmdline  Multiboot command line (-B), may be NULL; ignored without a Multiboot header
 * @param err      one-line reason on failure
 * @return 0; -ENOEXEC (not a little-endian x86 ELF executable, wrong machine, bad or
 *         unsupported Multiboot header); -EINVAL (truncated file, overlapping segments,
 *         p_filesz > p_memsz, entry outside the segments, command line too long);
 *         -ERANGE (a segment outside guest RAM or over the loader's area); or the
 *         back-end's error from set_vcpu_regs
 */
int boot_elf_load(struct vmctx *ctx, const uint8_t *img, size_t len, const char *cmdline,
		  char *err, size_t errlen);

/**
 * acrn-dm -E: read @p path (a regular file of at most BOOT_ELF_FILE_MAX bytes) and
 * boot_elf_load() it with ctx->cfg->bootargs as the command line.
 * @return 0 or a negative errno with @p err set (acrn-dm then exits with status 2)
 */
int dm_boot_elf(struct vmctx *ctx, const char *path, char *err, size_t errlen);

#endif /* DM_BOOT_ELF_H */

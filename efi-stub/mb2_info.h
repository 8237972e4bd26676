/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file mb2_info.h
 * Building a Multiboot2 boot information structure (Multiboot2 spec 1.0
 * §3.6) and converting a UEFI memory map into E820 ranges for it.
 *
 * Pure code: compiled into acrn.efi and into the host tests, where the
 * hypervisor's own parser (hypervisor/boot/multiboot.c) reads the result.
 */
#ifndef EFI_STUB_MB2_INFO_H
#define EFI_STUB_MB2_INFO_H

#include <stddef.h>
#include <stdint.h>

/** Tag types used (Multiboot2 §3.6). */
#define MB2_TAG_END		0
#define MB2_TAG_CMDLINE		1
#define MB2_TAG_LOADER		2
#define MB2_TAG_MODULE		3
#define MB2_TAG_MMAP		6
#define MB2_TAG_FRAMEBUFFER	8
#define MB2_TAG_ACPI_OLD	14
#define MB2_TAG_ACPI_NEW	15

/** E820 types written into the memory map tag. */
#define MB2_MEM_RAM		1
#define MB2_MEM_RESERVED	2
#define MB2_MEM_ACPI		3
#define MB2_MEM_NVS		4

/** One memory map entry as the tag stores it (24 bytes). */
struct mb2_mmap_entry {
	uint64_t base;
	uint64_t len;
	uint32_t type;
	uint32_t zero;
};

/** A linear RGB framebuffer (from GOP); bpp 32 or less. */
struct mb2_fb {
	uint64_t addr;
	uint32_t pitch;		/**< bytes per scan line */
	uint32_t width, height;
	uint8_t bpp;
	uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
};

/**
 * Builder state.  Errors are sticky: once an add fails, every later call
 * fails too and mb2_finish() reports the first error.
 */
struct mb2_builder {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err;
};

/** Start an empty structure in buf (8-byte aligned, cap bytes). */
void mb2_init(struct mb2_builder *b, void *buf, size_t cap);

/** Add a NUL-terminated string tag (MB2_TAG_CMDLINE or MB2_TAG_LOADER). @return 0 or -ENOSPC */
int mb2_add_string(struct mb2_builder *b, uint32_t type, const char *s);

/**
 * Add a module tag.  @param start physical start, @param end exclusive end,
 * both below 4 GiB, start <= end. @return 0, -ENOSPC, -EINVAL for a bad range
 */
int mb2_add_module(struct mb2_builder *b, uint64_t start, uint64_t end, const char *cmdline);

/** Add the memory map tag (entry_size 24, entry_version 0). @return 0 or -ENOSPC */
int mb2_add_mmap(struct mb2_builder *b, const struct mb2_mmap_entry *e, size_t n);

/**
 * Add an ACPI RSDP tag: MB2_TAG_ACPI_NEW with the 36-byte ACPI 2.0 RSDP or
 * MB2_TAG_ACPI_OLD with the 20-byte ACPI 1.0 one. @return 0, -ENOSPC, -EINVAL
 */
int mb2_add_acpi(struct mb2_builder *b, uint32_t type, const void *rsdp, size_t len);

/** Add a framebuffer tag of type 1 (direct RGB). @return 0, -ENOSPC, -EINVAL */
int mb2_add_framebuffer(struct mb2_builder *b, const struct mb2_fb *fb);

/**
 * Append the end tag and write the total size.
 * @return total size in bytes (> 0), or the first error (negative)
 */
long mb2_finish(struct mb2_builder *b);

/**
 * Convert a UEFI memory map (UEFI 2.10 §7.2.3 GetMemoryMap(): descriptors
 * of desc_size bytes) to sorted E820 ranges, merging neighbours of equal type.
 * Loader, boot-services and conventional memory become RAM, ACPI reclaim
 * ACPI (3), ACPI NVS NVS (4), everything else reserved (2).
 *
 * @param map       the descriptors
 * @param map_size  bytes in map
 * @param desc_size stride between descriptors (>= 40, as the firmware says)
 * @param out       result array
 * @param out_max   capacity of out
 * @return number of ranges written, -EINVAL for a bad desc_size, -ENOSPC
 *         if the merged map does not fit out_max
 */
long mb2_efi_to_e820(const void *map, size_t map_size, size_t desc_size,
		     struct mb2_mmap_entry *out, size_t out_max);

#endif /* EFI_STUB_MB2_INFO_H */

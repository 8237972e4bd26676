/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file linux_loader.h
 * The Linux/x86 boot protocol (Documentation/arch/x86/boot.rst, zero-page.rst)
 * as the hypervisor uses it to start the Service VM: parse a bzImage, build
 * its zero page with an e820 map.  Pure functions; host-testable.
 */
#ifndef BOOT_LINUX_LOADER_H
#define BOOT_LINUX_LOADER_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <boot/boot_info.h>

#define LINUX_ZERO_PAGE_SIZE	4096
#define LINUX_E820_MAX		128

struct linux_image {
	uint16_t version;		/* boot protocol version, e.g. 0x020f */
	uint8_t loadflags;
	uint16_t xloadflags;
	uint32_t kernel_alignment;
	bool relocatable;
	uint64_t pref_address;
	uint32_t init_size;		/* memory the kernel needs from its load address */
	uint32_t cmdline_size;		/* max command line length, without NUL */
	uint32_t initrd_addr_max;
	size_t setup_len;		/* real-mode part: (setup_sects + 1) * 512 */
	size_t pm_len;			/* protected-mode part that is loaded */
};

/**
 * Check a bzImage and describe it.
 * @return 0, -ENOEXEC when it is not a bzImage with boot protocol >= 2.06
 *         that can be loaded high, -EINVAL when its header is inconsistent.
 */
int linux_parse_image(const uint8_t *img, size_t len, struct linux_image *li);

/** Parameters of the zero page. */
struct linux_boot_params_in {
	uint64_t load_addr;		/* where the protected-mode part was copied */
	uint64_t cmdline_pa;
	uint64_t initrd_pa, initrd_len;	/* 0, 0 for none */
	uint64_t rsdp_pa;		/* 0 if unknown */
	const struct boot_mem_range *e820;
	uint32_t e820_count;
};

/**
 * Fill a zero page (LINUX_ZERO_PAGE_SIZE bytes) for the image.
 * @return 0, -E2BIG when the e820 map has more than LINUX_E820_MAX entries.
 */
int linux_build_zero_page(uint8_t *zp, const uint8_t *img, const struct linux_image *li,
			  const struct linux_boot_params_in *in);

/**
 * Carve [start, end) out of a memory map as a range of the given type,
 * splitting and trimming other ranges.  The map stays sorted by base.
 * @return 0, -ENOSPC when the map would exceed max entries.
 */
int e820_set_range(struct boot_mem_range *map, uint32_t *count, uint32_t max,
		   uint64_t start, uint64_t end, uint32_t type);

#endif /* BOOT_LINUX_LOADER_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file boot_info.h
 * What the boot loader told us, copied out of its structures early (they may
 * live in memory we later reuse).  Filled from multiboot1, multiboot2, or the
 * UEFI stub, so everything after the hand-over has one code path.
 */
#ifndef BOOT_BOOT_INFO_H
#define BOOT_BOOT_INFO_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define MB1_LOADER_MAGIC	0x2BADB002U
#define MB2_LOADER_MAGIC	0x36D76289U

#define BOOT_MAX_MMAP		128
#define BOOT_MAX_MODULES	8
#define BOOT_CMDLINE_MAX	512
#define BOOT_MOD_CMDLINE_MAX	256

/* E820-compatible memory types (multiboot uses the same numbers) */
#define BOOT_MEM_RAM		1
#define BOOT_MEM_RESERVED	2
#define BOOT_MEM_ACPI		3
#define BOOT_MEM_NVS		4
#define BOOT_MEM_UNUSABLE	5

struct boot_mem_range {
	uint64_t base;
	uint64_t len;
	uint32_t type;
};

struct boot_module {
	uint64_t start;
	uint64_t end;		/* exclusive */
	char cmdline[BOOT_MOD_CMDLINE_MAX];
};

struct boot_info {
	uint32_t protocol;	/* 1, 2 (multiboot) or 0xEF1 (UEFI stub) */
	char cmdline[BOOT_CMDLINE_MAX];
	char loader[64];
	uint32_t mmap_count;
	struct boot_mem_range mmap[BOOT_MAX_MMAP];
	uint32_t mod_count;
	struct boot_module mods[BOOT_MAX_MODULES];
	bool has_rsdp;		/* rsdp holds a copy of the RSDP given by the loader */
	uint8_t rsdp[36];
};

/**
 * Translate a physical range given by the loader into a pointer, or NULL if
 * the range is not acceptable.  The hypervisor identity-maps; tests supply
 * their own.
 */
typedef const void *(*boot_p2v_fn)(uint64_t pa, size_t len);

/**
 * Parse multiboot1 or multiboot2 boot information.
 * @param magic loader magic from EAX
 * @param info_pa physical address from EBX
 * @return 0, -EINVAL for an unknown magic or malformed information
 *         (bi is still usable: what was parsed before the error is kept).
 */
int multiboot_parse(uint32_t magic, uint64_t info_pa, boot_p2v_fn p2v, struct boot_info *bi);

/** Total bytes of RAM (type 1) in the memory map. */
uint64_t boot_ram_size(const struct boot_info *bi);

#endif /* BOOT_BOOT_INFO_H */

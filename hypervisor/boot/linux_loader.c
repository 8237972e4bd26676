/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Linux/x86 boot protocol: the setup header of a bzImage starts at offset
 * 0x1F1 and ends at 0x202 + the byte at 0x201 (the length of the jump there);
 * the zero page holds a copy of it plus the e820 map at 0x2D0.  Offsets are
 * those of Documentation/arch/x86/boot.rst and zero-page.rst.
 */
#include <boot/linux_loader.h>
#include <lib/errno.h>
#include <lib/string.h>

#define HDR_SETUP_SECTS		0x1F1
#define HDR_BOOT_FLAG		0x1FE
#define HDR_JUMP_LEN		0x201
#define HDR_MAGIC		0x202
#define HDR_VERSION		0x206
#define HDR_TYPE_OF_LOADER	0x210
#define HDR_LOADFLAGS		0x211
#define HDR_CODE32_START	0x214
#define HDR_RAMDISK_IMAGE	0x218
#define HDR_RAMDISK_SIZE	0x21C
#define HDR_CMD_LINE_PTR	0x228
#define HDR_INITRD_ADDR_MAX	0x22C
#define HDR_KERNEL_ALIGNMENT	0x230
#define HDR_RELOCATABLE		0x234
#define HDR_XLOADFLAGS		0x236
#define HDR_CMDLINE_SIZE	0x238
#define HDR_PREF_ADDRESS	0x258
#define HDR_INIT_SIZE		0x260
#define HDR_END_MIN		0x264

#define ZP_ACPI_RSDP		0x070
#define ZP_EXT_RAMDISK_IMAGE	0x0C0
#define ZP_EXT_RAMDISK_SIZE	0x0C4
#define ZP_EXT_CMD_LINE_PTR	0x0C8
#define ZP_E820_ENTRIES		0x1E8
#define ZP_E820_TABLE		0x2D0

#define LOADED_HIGH		0x01
#define LOADER_UNDEFINED	0xFF

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static void wr32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

int linux_parse_image(const uint8_t *img, size_t len, struct linux_image *li)
{
	unsigned setup_sects;

	if (len < HDR_END_MIN + 4 || rd16(img + HDR_BOOT_FLAG) != 0xAA55 ||
	    memcmp(img + HDR_MAGIC, "HdrS", 4) != 0)
		return -ENOEXEC;
	memset(li, 0, sizeof(*li));
	li->version = rd16(img + HDR_VERSION);
	li->loadflags = img[HDR_LOADFLAGS];
	if (li->version < 0x0206 || !(li->loadflags & LOADED_HIGH))
		return -ENOEXEC;
	setup_sects = img[HDR_SETUP_SECTS] != 0 ? img[HDR_SETUP_SECTS] : 4;
	li->setup_len = (size_t)(setup_sects + 1) * 512;
	if (li->setup_len >= len || (size_t)HDR_MAGIC + img[HDR_JUMP_LEN] > li->setup_len)
		return -EINVAL;
	li->pm_len = len - li->setup_len;
	li->cmdline_size = rd32(img + HDR_CMDLINE_SIZE);
	li->initrd_addr_max = rd32(img + HDR_INITRD_ADDR_MAX);
	if (li->version >= 0x0205) {
		li->kernel_alignment = rd32(img + HDR_KERNEL_ALIGNMENT);
		li->relocatable = img[HDR_RELOCATABLE] != 0;
	}
	if (li->version >= 0x020A) {
		li->pref_address = (uint64_t)rd32(img + HDR_PREF_ADDRESS) |
				   ((uint64_t)rd32(img + HDR_PREF_ADDRESS + 4) << 32);
		li->init_size = rd32(img + HDR_INIT_SIZE);
	}
	if (li->version >= 0x020C)
		li->xloadflags = rd16(img + HDR_XLOADFLAGS);
	if (li->kernel_alignment == 0 || (li->kernel_alignment & (li->kernel_alignment - 1)) != 0)
		li->kernel_alignment = 0x200000;
	if (li->init_size < li->pm_len)
		li->init_size = (uint32_t)li->pm_len;
	return 0;
}

int linux_build_zero_page(uint8_t *zp, const uint8_t *img, const struct linux_image *li,
			  const struct linux_boot_params_in *in)
{
	size_t hdr_end = HDR_MAGIC + img[HDR_JUMP_LEN];

	if (in->e820_count > LINUX_E820_MAX)
		return -E2BIG;
	memset(zp, 0, LINUX_ZERO_PAGE_SIZE);
	/* The setup header, as the kernel's own setup code would have left it. */
	memcpy(zp + HDR_SETUP_SECTS, img + HDR_SETUP_SECTS, hdr_end - HDR_SETUP_SECTS);

	zp[HDR_TYPE_OF_LOADER] = LOADER_UNDEFINED;
	wr32(zp + HDR_CODE32_START, (uint32_t)in->load_addr);
	wr32(zp + HDR_CMD_LINE_PTR, (uint32_t)in->cmdline_pa);
	wr32(zp + ZP_EXT_CMD_LINE_PTR, (uint32_t)(in->cmdline_pa >> 32));
	wr32(zp + HDR_RAMDISK_IMAGE, (uint32_t)in->initrd_pa);
	wr32(zp + ZP_EXT_RAMDISK_IMAGE, (uint32_t)(in->initrd_pa >> 32));
	wr32(zp + HDR_RAMDISK_SIZE, (uint32_t)in->initrd_len);
	wr32(zp + ZP_EXT_RAMDISK_SIZE, (uint32_t)(in->initrd_len >> 32));
	if (li->version >= 0x020E)
		wr64(zp + ZP_ACPI_RSDP, in->rsdp_pa);

	zp[ZP_E820_ENTRIES] = (uint8_t)in->e820_count;
	for (uint32_t i = 0; i < in->e820_count; i++) {
		uint8_t *e = zp + ZP_E820_TABLE + i * 20;

		wr64(e, in->e820[i].base);
		wr64(e + 8, in->e820[i].len);
		wr32(e + 16, in->e820[i].type);
	}
	return 0;
}

static int e820_insert(struct boot_mem_range *map, uint32_t *count, uint32_t max, uint32_t at,
		       uint64_t base, uint64_t len, uint32_t type)
{
	if (*count >= max)
		return -ENOSPC;
	memmove(&map[at + 1], &map[at], (*count - at) * sizeof(*map));
	map[at].base = base;
	map[at].len = len;
	map[at].type = type;
	(*count)++;
	return 0;
}

int e820_set_range(struct boot_mem_range *map, uint32_t *count, uint32_t max,
		   uint64_t start, uint64_t end, uint32_t type)
{
	uint32_t i = 0;

	if (end <= start)
		return 0;
	/* Trim or split every range that overlaps [start, end). */
	while (i < *count) {
		uint64_t b = map[i].base, e = map[i].base + map[i].len;

		if (e <= start || b >= end) {
			i++;
			continue;
		}
		if (b < start && e > end) {
			/* split: keep [b, start), insert [end, e) after it */
			map[i].len = start - b;
			if (e820_insert(map, count, max, i + 1, end, e - end, map[i].type) != 0)
				return -ENOSPC;
			i += 2;
		} else if (b < start) {
			map[i].len = start - b;
			i++;
		} else if (e > end) {
			map[i].base = end;
			map[i].len = e - end;
			i++;
		} else {
			memmove(&map[i], &map[i + 1], (*count - i - 1) * sizeof(*map));
			(*count)--;
		}
	}
	for (i = 0; i < *count && map[i].base < start; i++)
		;
	return e820_insert(map, count, max, i, start, end - start, type);
}

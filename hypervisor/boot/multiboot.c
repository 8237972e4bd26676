/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Multiboot 0.6.96 and Multiboot2 1.0 boot-information parsing.  Everything
 * the loader hands over is treated as untrusted layout: every length is
 * checked against the structure that contains it before it is used.
 */
#include <boot/boot_info.h>
#include <lib/errno.h>
#include <lib/string.h>

#define MB2_MAX_INFO_SIZE	(1U << 20)

enum mb2_tag_type {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_LOADER = 2,
	MB2_TAG_MODULE = 3,
	MB2_TAG_MMAP = 6,
	MB2_TAG_ACPI_OLD = 14,
	MB2_TAG_ACPI_NEW = 15,
};

#define MB1_FLAG_CMDLINE	(1U << 2)
#define MB1_FLAG_MODS		(1U << 3)
#define MB1_FLAG_MMAP		(1U << 6)
#define MB1_FLAG_LOADER		(1U << 9)

static void copy_str(char *dst, size_t dst_size, const char *src, size_t src_max)
{
	size_t n = strnlen(src, src_max);

	if (n >= dst_size)
		n = dst_size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void add_range(struct boot_info *bi, uint64_t base, uint64_t len, uint32_t type)
{
	if (bi->mmap_count >= BOOT_MAX_MMAP || len == 0 || base + len < base)
		return;
	bi->mmap[bi->mmap_count].base = base;
	bi->mmap[bi->mmap_count].len = len;
	bi->mmap[bi->mmap_count].type = type;
	bi->mmap_count++;
}

static int add_module(struct boot_info *bi, uint64_t start, uint64_t end, const char *cmd, size_t cmd_max)
{
	struct boot_module *m;

	if (end < start)
		return -EINVAL;
	if (bi->mod_count >= BOOT_MAX_MODULES)
		return 0;	/* extra modules are ignored, not fatal */
	m = &bi->mods[bi->mod_count++];
	m->start = start;
	m->end = end;
	m->cmdline[0] = '\0';
	if (cmd != NULL)
		copy_str(m->cmdline, sizeof(m->cmdline), cmd, cmd_max);
	return 0;
}

static int mb2_parse_mmap(struct boot_info *bi, const uint8_t *tag, uint32_t size)
{
	uint32_t esize, off;

	if (size < 16)
		return -EINVAL;
	esize = rd32(tag + 8);
	if (esize < 24 || esize > 256)
		return -EINVAL;
	for (off = 16; off + esize <= size; off += esize)
		add_range(bi, rd64(tag + off), rd64(tag + off + 8), rd32(tag + off + 16));
	return 0;
}

static int mb2_parse(uint64_t info_pa, boot_p2v_fn p2v, struct boot_info *bi)
{
	const uint8_t *hdr = p2v(info_pa, 8), *info;
	uint32_t total, off;
	int ret = 0;

	if (hdr == NULL)
		return -EINVAL;
	total = rd32(hdr);
	if (total < 16 || total > MB2_MAX_INFO_SIZE)
		return -EINVAL;
	info = p2v(info_pa, total);
	if (info == NULL)
		return -EINVAL;

	for (off = 8; off + 8 <= total; off = (off + ((rd32(info + off + 4) + 7) & ~7U))) {
		const uint8_t *tag = info + off;
		uint32_t type = rd32(tag), size = rd32(tag + 4);

		if (size < 8 || size > total - off)
			return -EINVAL;
		switch (type) {
		case MB2_TAG_END:
			return ret;
		case MB2_TAG_CMDLINE:
			copy_str(bi->cmdline, sizeof(bi->cmdline), (const char *)tag + 8, size - 8);
			break;
		case MB2_TAG_LOADER:
			copy_str(bi->loader, sizeof(bi->loader), (const char *)tag + 8, size - 8);
			break;
		case MB2_TAG_MODULE:
			if (size < 16 || add_module(bi, rd32(tag + 8), rd32(tag + 12),
						    (const char *)tag + 16, size - 16) != 0)
				ret = -EINVAL;
			break;
		case MB2_TAG_MMAP:
			if (mb2_parse_mmap(bi, tag, size) != 0)
				ret = -EINVAL;
			break;
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW:
			/* Prefer the ACPI 2.0+ RSDP when both are present. */
			if (size >= 8 + 20 && (!bi->has_rsdp || type == MB2_TAG_ACPI_NEW)) {
				uint32_t n = size - 8 < sizeof(bi->rsdp) ? size - 8 : sizeof(bi->rsdp);

				memset(bi->rsdp, 0, sizeof(bi->rsdp));
				memcpy(bi->rsdp, tag + 8, n);
				bi->has_rsdp = true;
			}
			break;
		default:
			break;
		}
		if (off + ((size + 7) & ~7U) < off)
			return -EINVAL;
	}
	return -EINVAL;		/* no end tag */
}

/* Copy a loader string one byte at a time: only bytes p2v() grants are read. */
static void copy_phys_str(char *dst, size_t dst_size, uint64_t pa, boot_p2v_fn p2v)
{
	size_t i;

	for (i = 0; i + 1 < dst_size; i++) {
		const char *c = p2v(pa + i, 1);

		if (c == NULL || *c == '\0')
			break;
		dst[i] = *c;
	}
	dst[i] = '\0';
}

static int mb1_parse(uint64_t info_pa, boot_p2v_fn p2v, struct boot_info *bi)
{
	const uint8_t *info = p2v(info_pa, 72);
	uint32_t flags;

	if (info == NULL)
		return -EINVAL;
	flags = rd32(info);
	if (flags & MB1_FLAG_CMDLINE)
		copy_phys_str(bi->cmdline, sizeof(bi->cmdline), rd32(info + 16), p2v);
	if (flags & MB1_FLAG_LOADER)
		copy_phys_str(bi->loader, sizeof(bi->loader), rd32(info + 64), p2v);
	if (flags & MB1_FLAG_MMAP) {
		uint32_t len = rd32(info + 44), off = 0;
		const uint8_t *mm = len <= MB2_MAX_INFO_SIZE ? p2v(rd32(info + 48), len) : NULL;

		if (mm == NULL)
			return -EINVAL;
		while (off + 24 <= len) {
			uint32_t esize = rd32(mm + off);

			if (esize < 20 || esize > len - off - 4)
				return -EINVAL;
			add_range(bi, rd64(mm + off + 4), rd64(mm + off + 12), rd32(mm + off + 20));
			off += esize + 4;
		}
	}
	if (flags & MB1_FLAG_MODS) {
		uint32_t count = rd32(info + 20);
		const uint8_t *mods = count <= 64 ? p2v(rd32(info + 24), (size_t)count * 16) : NULL;

		if (mods == NULL)
			return -EINVAL;
		for (uint32_t i = 0; i < count; i++) {
			const uint8_t *m = mods + i * 16;

			if (add_module(bi, rd32(m), rd32(m + 4), NULL, 0) != 0)
				return -EINVAL;
			if (rd32(m + 8) != 0 && i < BOOT_MAX_MODULES)
				copy_phys_str(bi->mods[bi->mod_count - 1].cmdline, BOOT_MOD_CMDLINE_MAX,
					      rd32(m + 8), p2v);
		}
	}
	return 0;
}

int multiboot_parse(uint32_t magic, uint64_t info_pa, boot_p2v_fn p2v, struct boot_info *bi)
{
	memset(bi, 0, sizeof(*bi));
	if (magic == MB2_LOADER_MAGIC) {
		bi->protocol = 2;
		return mb2_parse(info_pa, p2v, bi);
	}
	if (magic == MB1_LOADER_MAGIC) {
		bi->protocol = 1;
		return mb1_parse(info_pa, p2v, bi);
	}
	return -EINVAL;
}

uint64_t boot_ram_size(const struct boot_info *bi)
{
	uint64_t total = 0;

	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		if (bi->mmap[i].type == BOOT_MEM_RAM)
			total += bi->mmap[i].len;
	}
	return total;
}

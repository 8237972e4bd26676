/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Multiboot2 boot information builder (Multiboot2 spec 1.0 §3.6) and the
 * UEFI memory map to E820 conversion that feeds its memory map tag.
 *
 * Layout reminders, all little endian:
 *  - the structure starts with u32 total_size, u32 reserved; then tags, each
 *    starting on an 8-byte boundary with u32 type, u32 size (size excludes
 *    the padding); it ends with the tag {0, 8} (§3.6.1-§3.6.2);
 *  - §3.6.3 module: u32 mod_start, u32 mod_end, NUL-terminated string;
 *  - §3.6.8 memory map: u32 entry_size, u32 entry_version, then entries of
 *    u64 base_addr, u64 length, u32 type, u32 reserved;
 *  - §3.6.12 framebuffer: u64 addr, u32 pitch, u32 width, u32 height,
 *    u8 bpp, u8 type, reserved, colour info.  The reserved field is 16 bits
 *    wide in the reference implementation (GRUB) and every consumer reads the
 *    colour information at offset 32, so that is where it goes;
 *  - §3.6.15/§3.6.16 ACPI old/new RSDP: a copy of the RSDP.
 */
#include "mb2_info.h"

#include <stdbool.h>
#include <lib/errno.h>
#include <lib/string.h>

#define MB2_ALIGN(x)	(((x) + 7) & ~(size_t)7)

/* UEFI 2.10 §7.2.1 EFI_MEMORY_TYPE values */
enum {
	EFI_LOADER_CODE = 1,
	EFI_LOADER_DATA = 2,
	EFI_BS_CODE = 3,
	EFI_BS_DATA = 4,
	EFI_CONVENTIONAL = 7,
	EFI_ACPI_RECLAIM = 9,
	EFI_ACPI_NVS = 10,
};

/* EFI_MEMORY_DESCRIPTOR: u32 Type, pad, u64 PhysicalStart, u64 VirtualStart,
 * u64 NumberOfPages, u64 Attribute. */
#define EFI_DESC_MIN	40
#define EFI_PAGE_SHIFT	12

static void mb2_put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void mb2_put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static uint64_t mb2_get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static size_t mb2_strlen(const char *s)
{
	size_t n = 0;

	while (s[n] != '\0')
		n++;
	return n;
}

void mb2_init(struct mb2_builder *b, void *buf, size_t cap)
{
	b->buf = buf;
	b->cap = cap;
	b->len = 8;
	b->err = cap < 16 ? -ENOSPC : 0;
}

/* Reserve a tag of `size` bytes (header included) and fill its header; the
 * padding up to the next 8-byte boundary is zeroed. */
static uint8_t *mb2_tag(struct mb2_builder *b, uint32_t type, size_t size)
{
	uint8_t *t;

	if (b->err != 0)
		return NULL;
	/* keep room for the end tag */
	if (size > b->cap || MB2_ALIGN(size) + 8 > b->cap - b->len) {
		b->err = -ENOSPC;
		return NULL;
	}
	t = b->buf + b->len;
	memset(t, 0, MB2_ALIGN(size));
	mb2_put32(t, type);
	mb2_put32(t + 4, (uint32_t)size);
	b->len += MB2_ALIGN(size);
	return t;
}

static int mb2_bad(struct mb2_builder *b, int err)
{
	if (b->err == 0)
		b->err = err;
	return b->err;
}

int mb2_add_string(struct mb2_builder *b, uint32_t type, const char *s)
{
	size_t n = mb2_strlen(s);
	uint8_t *t = mb2_tag(b, type, 8 + n + 1);

	if (t == NULL)
		return b->err;
	memcpy(t + 8, s, n + 1);
	return 0;
}

int mb2_add_module(struct mb2_builder *b, uint64_t start, uint64_t end, const char *cmdline)
{
	size_t n = mb2_strlen(cmdline);
	uint8_t *t;

	/* mod_start/mod_end are 32-bit fields */
	if (start > end || end > 0xFFFFFFFFULL)
		return mb2_bad(b, -EINVAL);
	t = mb2_tag(b, MB2_TAG_MODULE, 16 + n + 1);
	if (t == NULL)
		return b->err;
	mb2_put32(t + 8, (uint32_t)start);
	mb2_put32(t + 12, (uint32_t)end);
	memcpy(t + 16, cmdline, n + 1);
	return 0;
}

int mb2_add_mmap(struct mb2_builder *b, const struct mb2_mmap_entry *e, size_t n)
{
	uint8_t *t;

	if (n > (b->cap / sizeof(*e)))
		return mb2_bad(b, -ENOSPC);
	t = mb2_tag(b, MB2_TAG_MMAP, 16 + n * sizeof(*e));
	if (t == NULL)
		return b->err;
	mb2_put32(t + 8, (uint32_t)sizeof(*e));
	mb2_put32(t + 12, 0);
	for (size_t i = 0; i < n; i++) {
		uint8_t *p = t + 16 + i * sizeof(*e);

		mb2_put64(p, e[i].base);
		mb2_put64(p + 8, e[i].len);
		mb2_put32(p + 16, e[i].type);
		mb2_put32(p + 20, 0);
	}
	return 0;
}

int mb2_add_acpi(struct mb2_builder *b, uint32_t type, const void *rsdp, size_t len)
{
	uint8_t *t;

	if (!((type == MB2_TAG_ACPI_NEW && len == 36) || (type == MB2_TAG_ACPI_OLD && len == 20)))
		return mb2_bad(b, -EINVAL);
	t = mb2_tag(b, type, 8 + len);
	if (t == NULL)
		return b->err;
	memcpy(t + 8, rsdp, len);
	return 0;
}

int mb2_add_framebuffer(struct mb2_builder *b, const struct mb2_fb *fb)
{
	uint8_t *t;

	if (fb->bpp == 0 || fb->bpp > 32 || fb->width == 0 || fb->height == 0 ||
	    (uint64_t)fb->width * ((fb->bpp + 7) / 8) > fb->pitch)
		return mb2_bad(b, -EINVAL);
	t = mb2_tag(b, MB2_TAG_FRAMEBUFFER, 38);
	if (t == NULL)
		return b->err;
	mb2_put64(t + 8, fb->addr);
	mb2_put32(t + 16, fb->pitch);
	mb2_put32(t + 20, fb->width);
	mb2_put32(t + 24, fb->height);
	t[28] = fb->bpp;
	t[29] = 1;		/* direct RGB colour */
	t[32] = fb->red_pos;
	t[33] = fb->red_size;
	t[34] = fb->green_pos;
	t[35] = fb->green_size;
	t[36] = fb->blue_pos;
	t[37] = fb->blue_size;
	return 0;
}

long mb2_finish(struct mb2_builder *b)
{
	/* mb2_tag() always left room for the end tag: only an earlier error stops it */
	if (b->err != 0)
		return b->err;
	mb2_put32(b->buf + b->len, MB2_TAG_END);
	mb2_put32(b->buf + b->len + 4, 8);
	b->len += 8;
	mb2_put32(b->buf, (uint32_t)b->len);
	mb2_put32(b->buf + 4, 0);
	return (long)b->len;
}

static uint32_t mb2_e820_type(uint32_t efi_type)
{
	switch (efi_type) {
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA:
	case EFI_BS_CODE:
	case EFI_BS_DATA:
	case EFI_CONVENTIONAL:
		return MB2_MEM_RAM;
	case EFI_ACPI_RECLAIM:
		return MB2_MEM_ACPI;
	case EFI_ACPI_NVS:
		return MB2_MEM_NVS;
	default:
		return MB2_MEM_RESERVED;
	}
}

/* b directly follows or overlaps a, and both have the same type */
static bool mb2_joins(const struct mb2_mmap_entry *a, const struct mb2_mmap_entry *b)
{
	return a->type == b->type && b->base >= a->base && b->base - a->base <= a->len;
}

static void mb2_join(struct mb2_mmap_entry *a, const struct mb2_mmap_entry *b)
{
	uint64_t end = b->base + b->len;

	if (end > a->base + a->len)
		a->len = end - a->base;
}

/* Insert r into the sorted array out[0..*n), joining it with its neighbours. */
static int mb2_insert(struct mb2_mmap_entry *out, size_t *n, size_t max,
		      const struct mb2_mmap_entry *r)
{
	size_t pos = *n;

	while (pos > 0 && out[pos - 1].base > r->base)
		pos--;
	if (pos > 0 && mb2_joins(&out[pos - 1], r)) {
		pos--;
		mb2_join(&out[pos], r);
	} else {
		if (*n == max)
			return -ENOSPC;
		for (size_t i = *n; i > pos; i--)
			out[i] = out[i - 1];
		out[pos] = *r;
		(*n)++;
	}
	/* the grown range may now reach its successors */
	while (pos + 1 < *n && mb2_joins(&out[pos], &out[pos + 1])) {
		mb2_join(&out[pos], &out[pos + 1]);
		for (size_t i = pos + 1; i + 1 < *n; i++)
			out[i] = out[i + 1];
		(*n)--;
	}
	return 0;
}

long mb2_efi_to_e820(const void *map, size_t map_size, size_t desc_size,
		     struct mb2_mmap_entry *out, size_t out_max)
{
	const uint8_t *m = map;
	size_t n = 0;

	if (desc_size < EFI_DESC_MIN || desc_size > 4096)
		return -EINVAL;
	for (size_t off = 0; off <= map_size && map_size - off >= desc_size; off += desc_size) {
		struct mb2_mmap_entry r;
		uint32_t type;
		uint64_t pages;

		memcpy(&type, m + off, sizeof(type));
		r.base = mb2_get64(m + off + 8);
		pages = mb2_get64(m + off + 24);
		/* clamp a range that would run past 2^64 */
		if (pages > ((~0ULL - r.base) >> EFI_PAGE_SHIFT))
			pages = (~0ULL - r.base) >> EFI_PAGE_SHIFT;
		if (pages == 0)
			continue;
		r.len = pages << EFI_PAGE_SHIFT;
		r.type = mb2_e820_type(type);
		r.zero = 0;
		if (mb2_insert(out, &n, out_max, &r) != 0)
			return -ENOSPC;
	}
	return (long)n;
}

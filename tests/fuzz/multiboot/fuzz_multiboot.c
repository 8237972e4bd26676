/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the multiboot1/multiboot2 boot-information parser
 * (hypervisor/boot/multiboot.c).
 *
 * Input layout:
 *   byte 0      magic selector: bit 0 clear = multiboot2, set = multiboot1;
 *               0xFF = an unknown magic (must be refused without parsing)
 *   bytes 1-2   offset of the info structure inside the image (little endian)
 *   byte 3      unused
 *   bytes 4-    the "physical memory" image, mapped at IMAGE_BASE
 *
 * The image is copied into a heap block of exactly its size and p2v() maps
 * nothing else, so AddressSanitizer reports any byte the parser reads
 * beyond the ranges it was granted.  Afterwards the result must satisfy the
 * boot_info invariants, and everything the parser reports must come from
 * the image (it may truncate, never invent).
 */
#define _GNU_SOURCE	/* memmem */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lib/errno.h>
#include <boot/boot_info.h>

#define IMAGE_BASE	0x10000ULL

static const uint8_t *image;
static size_t image_len;

static const void *fz_p2v(uint64_t pa, size_t len)
{
	uint64_t off;

	if (pa < IMAGE_BASE)
		return NULL;
	off = pa - IMAGE_BASE;
	if (off > image_len || len > image_len - off)
		return NULL;
	return image + off;
}

static bool terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/* A reported string is empty or a run of bytes present in the image. */
static bool from_image(const char *s)
{
	size_t n = strlen(s);

	return n == 0 || memmem(image, image_len, s, n) != NULL;
}

static void check(int ret, uint32_t magic, const struct boot_info *bi)
{
	if (ret != 0 && ret != -EINVAL)
		abort();
	if (magic != MB1_LOADER_MAGIC && magic != MB2_LOADER_MAGIC) {
		if (ret != -EINVAL || bi->protocol != 0 || bi->mmap_count != 0 || bi->mod_count != 0)
			abort();
		return;
	}
	if (bi->protocol != (magic == MB1_LOADER_MAGIC ? 1U : 2U))
		abort();
	if (bi->mmap_count > BOOT_MAX_MMAP || bi->mod_count > BOOT_MAX_MODULES)
		abort();
	if (!terminated(bi->cmdline, sizeof(bi->cmdline)) || !terminated(bi->loader, sizeof(bi->loader)))
		abort();
	if (!from_image(bi->cmdline) || !from_image(bi->loader))
		abort();
	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		const struct boot_mem_range *r = &bi->mmap[i];
		uint8_t raw[20];

		if (r->len == 0 || r->base + r->len < r->base)
			abort();
		/* both protocols store base, length, type as 8+8+4 bytes */
		memcpy(raw, &r->base, 8);
		memcpy(raw + 8, &r->len, 8);
		memcpy(raw + 16, &r->type, 4);
		if (memmem(image, image_len, raw, sizeof(raw)) == NULL)
			abort();
	}
	for (uint32_t i = 0; i < bi->mod_count; i++) {
		const struct boot_module *m = &bi->mods[i];
		uint32_t raw[2] = { (uint32_t)m->start, (uint32_t)m->end };

		if (m->end < m->start || m->start > UINT32_MAX || m->end > UINT32_MAX)
			abort();
		if (memmem(image, image_len, raw, sizeof(raw)) == NULL)
			abort();
		if (!terminated(m->cmdline, sizeof(m->cmdline)) || !from_image(m->cmdline))
			abort();
	}
	if (bi->has_rsdp && magic != MB2_LOADER_MAGIC)
		abort();
	if (bi->has_rsdp && memmem(image, image_len, bi->rsdp, 20) == NULL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_info bi;
	uint32_t magic;
	uint8_t *copy;
	int ret;

	if (size < 4)
		return 0;
	magic = data[0] == 0xFF ? 0x12345678U : (data[0] & 1) ? MB1_LOADER_MAGIC : MB2_LOADER_MAGIC;
	image_len = size - 4;
	copy = malloc(image_len ? image_len : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data + 4, image_len);
	image = copy;

	memset(&bi, 0x5A, sizeof(bi));
	ret = multiboot_parse(magic, IMAGE_BASE + (uint64_t)(data[1] | data[2] << 8), fz_p2v, &bi);
	check(ret, magic, &bi);

	free(copy);
	image = NULL;
	return 0;
}

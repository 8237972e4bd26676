/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for acrn.efi's parsers.  The first input byte picks one:
 *   0: acrn.conf (conf_parse): accepted values respect their limits and
 *      character sets, and a configuration written back as text parses to
 *      the same result;
 *   1: hypervisor ELF (elfimg_parse): an accepted plan stays inside the file
 *      and the 1 MiB..4 GiB window, the entry is in a segment, and loading it
 *      reproduces the file bytes of every segment;
 *   2: UEFI memory map (mb2_efi_to_e820): output sorted, equal-type
 *      neighbours merged, every input range covered by its E820 type, and
 *      the multiboot2 structure built from it reads back in the hypervisor's
 *      parser with the same ranges.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <boot/boot_info.h>
#include "conf.h"
#include "elf_image.h"
#include "mb2_info.h"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "property failed: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

static void fuzz_conf(const uint8_t *d, size_t n)
{
	static struct conf c, c2;
	struct conf_error e;
	static char text[4096];
	const char *paths[3];
	int len;

	if (conf_parse((const char *)d, n, &c, &e) != 0) {
		CHECK(e.why != NULL && e.why[0] != '\0');
		return;
	}
	CHECK(c.hypervisor[0] != '\0');
	CHECK(c.initrd[0] == '\0' || c.kernel[0] != '\0');
	paths[0] = c.hypervisor; paths[1] = c.kernel; paths[2] = c.initrd;
	for (int i = 0; i < 3; i++) {
		CHECK(strlen(paths[i]) <= CONF_PATH_MAX);
		for (const char *p = paths[i]; *p; p++)
			CHECK(*p > 0x20 - 1 && *p < 0x7F && *p != '/');
	}
	CHECK(strlen(c.hv_cmdline) <= CONF_HV_CMDLINE_MAX);
	CHECK(strlen(c.kernel_cmdline) <= CONF_KERNEL_CMDLINE_MAX);
	len = snprintf(text, sizeof(text), "hypervisor=%s\nhv_cmdline=%s\n%s%s%s%s%s%s%s",
		       c.hypervisor, c.hv_cmdline,
		       c.kernel[0] ? "kernel=" : "", c.kernel, c.kernel[0] ? "\n" : "",
		       c.kernel[0] ? "kernel_cmdline=" : "", c.kernel[0] ? c.kernel_cmdline : "",
		       c.kernel[0] ? "\n" : "", "");
	CHECK(len > 0 && (size_t)len < sizeof(text));
	if (c.initrd[0])
		len += snprintf(text + len, sizeof(text) - (size_t)len, "initrd=%s\n", c.initrd);
	CHECK(conf_parse(text, (size_t)len, &c2, &e) == 0);
	CHECK(strcmp(c.hypervisor, c2.hypervisor) == 0);
	CHECK(strcmp(c.hv_cmdline, c2.hv_cmdline) == 0);
	CHECK(strcmp(c.kernel, c2.kernel) == 0);
	CHECK(strcmp(c.initrd, c2.initrd) == 0);
	CHECK(c.kernel[0] == '\0' || strcmp(c.kernel_cmdline, c2.kernel_cmdline) == 0);
}

static void fuzz_elf(const uint8_t *d, size_t n)
{
	struct elfimg img;
	const char *why;
	bool entry_ok = false;
	uint8_t *mem;

	if (elfimg_parse(d, n, &img, &why) != 0) {
		CHECK(why != NULL && why[0] != '\0');
		return;
	}
	CHECK(img.nseg >= 1 && img.nseg <= ELFIMG_MAX_SEGS);
	CHECK(img.start >= ELFIMG_MIN_ADDR && img.start < img.end && img.end <= ELFIMG_MAX_ADDR);
	CHECK(img.end - img.start <= ELFIMG_MAX_SPAN);
	CHECK((img.start & 0xFFF) == 0 && (img.end & 0xFFF) == 0);
	for (uint32_t i = 0; i < img.nseg; i++) {
		const struct elfimg_seg *s = &img.seg[i];

		CHECK(s->filesz <= s->memsz && s->offset + s->filesz <= n);
		CHECK(s->paddr >= img.start && s->paddr + s->memsz <= img.end);
		if (img.entry >= s->paddr && img.entry < s->paddr + s->filesz)
			entry_ok = true;
	}
	CHECK(entry_ok);
	if (img.end - img.start > (4U << 20))
		return;		/* loading is checked on small plans only */
	mem = malloc(img.end - img.start);
	CHECK(mem != NULL);
	elfimg_load(d, &img, mem);
	for (uint32_t i = 0; i < img.nseg; i++) {
		const struct elfimg_seg *s = &img.seg[i];
		const uint8_t *m = mem + (s->paddr - img.start);

		CHECK(memcmp(m, d + s->offset, s->filesz) == 0);
		for (uint64_t j = s->filesz; j < s->memsz; j++)
			CHECK(m[j] == 0);
	}
	free(mem);
}

static uint8_t *pmem;
static size_t pmem_size;

static const void *fuzz_p2v(uint64_t pa, size_t len)
{
	if (pa < 0x1000 || pa - 0x1000 > pmem_size || len > pmem_size - (pa - 0x1000))
		return NULL;
	return pmem + (pa - 0x1000);
}

static uint32_t fuzz_e820_type(uint32_t t)
{
	if (t == 1 || t == 2 || t == 3 || t == 4 || t == 7)
		return MB2_MEM_RAM;
	return t == 9 ? MB2_MEM_ACPI : t == 10 ? MB2_MEM_NVS : MB2_MEM_RESERVED;
}

static void fuzz_map(const uint8_t *d, size_t n)
{
	static struct mb2_mmap_entry out[64];
	static uint8_t mbi[8192] __attribute__((aligned(8)));
	static struct boot_info bi;
	struct mb2_builder b;
	size_t dsize;
	long cnt, len;

	if (n < 1)
		return;
	dsize = 40 + (d[0] % 4) * 8;
	d++; n--;
	cnt = mb2_efi_to_e820(d, n, dsize, out, 64);
	if (cnt < 0)
		return;
	for (long i = 1; i < cnt; i++) {
		CHECK(out[i - 1].base <= out[i].base);
		/* same-type neighbours that touch would have been merged */
		if (out[i - 1].type == out[i].type)
			CHECK(out[i].base - out[i - 1].base > out[i - 1].len);
	}
	for (size_t off = 0; off + dsize <= n; off += dsize) {
		uint32_t type;
		uint64_t base, pages, last;
		bool first_ok = false, last_ok = false;

		memcpy(&type, d + off, 4);
		memcpy(&base, d + off + 8, 8);
		memcpy(&pages, d + off + 24, 8);
		if (pages == 0 || pages > ((~0ULL - base) >> 12))
			continue;
		last = base + (pages << 12) - 1;
		for (long i = 0; i < cnt; i++) {
			if (out[i].type != fuzz_e820_type(type))
				continue;
			if (base >= out[i].base && base - out[i].base < out[i].len)
				first_ok = true;
			if (last >= out[i].base && last - out[i].base < out[i].len)
				last_ok = true;
		}
		CHECK(first_ok && last_ok);
	}
	mb2_init(&b, mbi, sizeof(mbi));
	mb2_add_string(&b, MB2_TAG_LOADER, "acrn.efi");
	mb2_add_mmap(&b, out, (size_t)cnt);
	len = mb2_finish(&b);
	CHECK(len > 0);
	pmem = mbi;
	pmem_size = (size_t)len;
	CHECK(multiboot_parse(MB2_LOADER_MAGIC, 0x1000, fuzz_p2v, &bi) == 0);
	CHECK(bi.mmap_count == (uint32_t)(cnt < BOOT_MAX_MMAP ? cnt : BOOT_MAX_MMAP));
	for (uint32_t i = 0; i < bi.mmap_count; i++)
		CHECK(bi.mmap[i].base == out[i].base && bi.mmap[i].len == out[i].len &&
		      bi.mmap[i].type == out[i].type);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *d;

	if (size < 1)
		return 0;
	/* an exact-size copy, so ASan sees reads past the input */
	d = malloc(size - 1 ? size - 1 : 1);
	if (d == NULL)
		return 0;
	memcpy(d, data + 1, size - 1);
	switch (data[0] % 3) {
	case 0: fuzz_conf(d, size - 1); break;
	case 1: fuzz_elf(d, size - 1); break;
	default: fuzz_map(d, size - 1); break;
	}
	free(d);
	return 0;
}

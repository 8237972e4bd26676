/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the Linux boot protocol loader and the e820 editor. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <boot/linux_loader.h>
#include <lib/errno.h>

#define IMG_LEN	(64 * 1024)

static uint8_t img[IMG_LEN];

static void w16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void w32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static uint32_t r32(const uint8_t *p) { return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24); }
static uint64_t r64(const uint8_t *p) { return r32(p) | ((uint64_t)r32(p + 4) << 32); }

/* A bzImage header as boot.rst describes it: protocol 2.15, 4 setup sectors. */
static void make_bzimage(uint16_t version)
{
	memset(img, 0x90, sizeof(img));
	img[0x1F1] = 4;				/* setup_sects */
	w16(img + 0x1FE, 0xAA55);
	img[0x200] = 0xEB;			/* jmp */
	img[0x201] = 0x66;			/* header ends at 0x202 + 0x66 = 0x268 */
	memcpy(img + 0x202, "HdrS", 4);
	w16(img + 0x206, version);
	img[0x210] = 0;				/* type_of_loader */
	img[0x211] = 0x01;			/* LOADED_HIGH */
	w32(img + 0x22C, 0x7FFFFFFF);		/* initrd_addr_max */
	w32(img + 0x230, 0x200000);		/* kernel_alignment */
	img[0x234] = 1;				/* relocatable */
	w16(img + 0x236, 0x1);			/* XLF_KERNEL_64 */
	w32(img + 0x238, 2047);			/* cmdline_size */
	w32(img + 0x258, 0x1000000);		/* pref_address, 64 bits */
	w32(img + 0x25C, 0);
	w32(img + 0x260, 0x800000);		/* init_size */
}

static void test_linux_parse_reads_header_fields(void **state)
{
	struct linux_image li;

	make_bzimage(0x020F);
	assert_int_equal(linux_parse_image(img, IMG_LEN, &li), 0);
	assert_int_equal(li.version, 0x020F);
	assert_int_equal(li.setup_len, 5 * 512);
	assert_int_equal(li.pm_len, IMG_LEN - 5 * 512);
	assert_int_equal(li.kernel_alignment, 0x200000);
	assert_true(li.relocatable);
	assert_int_equal(li.pref_address, 0x1000000);
	assert_int_equal(li.init_size, 0x800000);
	assert_int_equal(li.cmdline_size, 2047);
	assert_int_equal(li.xloadflags, 1);
}

static void test_linux_parse_rejects_bad_images(void **state)
{
	struct linux_image li;

	make_bzimage(0x020F);
	assert_int_equal(linux_parse_image(img, 0x200, &li), -ENOEXEC);	/* truncated */
	img[0x202] = 'X';
	assert_int_equal(linux_parse_image(img, IMG_LEN, &li), -ENOEXEC);	/* no HdrS */
	make_bzimage(0x0205);
	assert_int_equal(linux_parse_image(img, IMG_LEN, &li), -ENOEXEC);	/* too old */
	make_bzimage(0x020F);
	img[0x211] = 0;
	assert_int_equal(linux_parse_image(img, IMG_LEN, &li), -ENOEXEC);	/* not loaded high */
	make_bzimage(0x020F);
	img[0x1F1] = 200;							/* setup beyond the file */
	assert_int_equal(linux_parse_image(img, 90000, &li), -EINVAL);
	assert_int_equal(linux_parse_image(img, 200 * 512, &li), -EINVAL);
	make_bzimage(0x020F);
	img[0x1F1] = 0;								/* 0 means 4 */
	assert_int_equal(linux_parse_image(img, IMG_LEN, &li), 0);
	assert_int_equal(li.setup_len, 5 * 512);
}

static void test_linux_parse_fixes_bad_alignment_and_small_init_size(void **state)
{
	struct linux_image li;

	make_bzimage(0x020F);
	w32(img + 0x230, 0x300000);	/* not a power of two */
	w32(img + 0x260, 16);		/* smaller than the image */
	assert_int_equal(linux_parse_image(img, IMG_LEN, &li), 0);
	assert_int_equal(li.kernel_alignment, 0x200000);
	assert_int_equal(li.init_size, li.pm_len);
}

static void test_linux_zero_page_fields(void **state)
{
	static uint8_t zp[LINUX_ZERO_PAGE_SIZE];
	struct boot_mem_range e820[2] = { { 0, 0x9F000, 1 }, { 0x100000, 0x3FF00000, 1 } };
	struct linux_boot_params_in in = {
		.load_addr = 0x2E00000, .cmdline_pa = 0x91000,
		.initrd_pa = 0x1234000, .initrd_len = 0x200000, .rsdp_pa = 0xF9FE0,
		.e820 = e820, .e820_count = 2,
	};
	struct linux_image li;

	make_bzimage(0x020F);
	memset(zp, 0xCC, sizeof(zp));
	assert_int_equal(linux_parse_image(img, IMG_LEN, &li), 0);
	assert_int_equal(linux_build_zero_page(zp, img, &li, &in), 0);
	assert_memory_equal(zp + 0x202, "HdrS", 4);		/* header copied */
	assert_int_equal(zp[0x268], 0);				/* nothing past the header */
	assert_int_equal(zp[0x210], 0xFF);			/* type_of_loader */
	assert_int_equal(r32(zp + 0x214), 0x2E00000);		/* code32_start */
	assert_int_equal(r32(zp + 0x228), 0x91000);		/* cmd_line_ptr */
	assert_int_equal(r32(zp + 0x218), 0x1234000);		/* ramdisk_image */
	assert_int_equal(r32(zp + 0x21C), 0x200000);		/* ramdisk_size */
	assert_int_equal(r64(zp + 0x070), 0xF9FE0);		/* acpi_rsdp_addr */
	assert_int_equal(zp[0x1E8], 2);				/* e820_entries */
	assert_int_equal(r64(zp + 0x2D0 + 20), 0x100000);
	assert_int_equal(r64(zp + 0x2D0 + 28), 0x3FF00000);
	assert_int_equal(r32(zp + 0x2D0 + 36), 1);
}

static void test_linux_zero_page_rejects_too_many_e820_entries(void **state)
{
	static uint8_t zp[LINUX_ZERO_PAGE_SIZE];
	static struct boot_mem_range e820[LINUX_E820_MAX + 1];
	struct linux_boot_params_in in = { .e820 = e820, .e820_count = LINUX_E820_MAX + 1 };
	struct linux_image li;

	make_bzimage(0x020F);
	assert_int_equal(linux_parse_image(img, IMG_LEN, &li), 0);
	assert_int_equal(linux_build_zero_page(zp, img, &li, &in), -E2BIG);
}

static void test_e820_reserve_splits_a_ram_range(void **state)
{
	struct boot_mem_range map[8] = {
		{ 0, 0x9F000, 1 }, { 0x100000, 0x3FEF0000, 1 }, { 0x3FFF0000, 0x10000, 3 },
	};
	uint32_t n = 3;

	assert_int_equal(e820_set_range(map, &n, 8, 0x400000, 0x2600000, 2), 0);
	assert_int_equal(n, 5);
	assert_int_equal(map[1].base, 0x100000);
	assert_int_equal(map[1].len, 0x300000);
	assert_int_equal(map[2].base, 0x400000);
	assert_int_equal(map[2].len, 0x2200000);
	assert_int_equal(map[2].type, 2);
	assert_int_equal(map[3].base, 0x2600000);
	assert_int_equal(map[3].len, 0x3FFF0000 - 0x2600000);
	assert_int_equal(map[3].type, 1);
	assert_int_equal(map[4].type, 3);
}

static void test_e820_set_range_trims_and_removes(void **state)
{
	struct boot_mem_range map[8] = {
		{ 0x0, 0x1000, 1 }, { 0x1000, 0x1000, 1 }, { 0x2000, 0x2000, 1 },
	};
	uint32_t n = 3;

	/* Covers the middle range whole and the ends of its neighbours. */
	assert_int_equal(e820_set_range(map, &n, 8, 0x800, 0x3000, 2), 0);
	assert_int_equal(n, 3);
	assert_int_equal(map[0].len, 0x800);
	assert_int_equal(map[1].base, 0x800);
	assert_int_equal(map[1].len, 0x2800);
	assert_int_equal(map[2].base, 0x3000);
	assert_int_equal(map[2].len, 0x1000);
}

static void test_e820_set_range_full_map_reports_enospc(void **state)
{
	struct boot_mem_range map[2] = { { 0, 0x100000, 1 } };
	uint32_t n = 1;

	assert_int_equal(e820_set_range(map, &n, 2, 0x1000, 0x2000, 2), -ENOSPC);
	assert_int_equal(e820_set_range(map, &n, 2, 0x2000, 0x2000, 2), 0);	/* empty: no-op */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linux_parse_reads_header_fields),
		cmocka_unit_test(test_linux_parse_rejects_bad_images),
		cmocka_unit_test(test_linux_parse_fixes_bad_alignment_and_small_init_size),
		cmocka_unit_test(test_linux_zero_page_fields),
		cmocka_unit_test(test_linux_zero_page_rejects_too_many_e820_entries),
		cmocka_unit_test(test_e820_reserve_splits_a_ram_range),
		cmocka_unit_test(test_e820_set_range_trims_and_removes),
		cmocka_unit_test(test_e820_set_range_full_map_reports_enospc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

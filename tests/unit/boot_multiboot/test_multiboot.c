/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the multiboot1 / multiboot2 boot-information parser
 * (hypervisor/boot/multiboot.c).
 *
 * "Physical memory" is the array mem[]: physical address pa maps to
 * mem[pa - MEM_BASE].  Only the first `win` bytes form the window that
 * p2v() hands out; every byte of mem[] outside that window (and every byte
 * not written by a test) holds the poison character 'Z', so a parser that
 * reads beyond the range p2v() granted shows up as 'Z' in its output even
 * where AddressSanitizer cannot see it.
 *
 * Layouts: Multiboot Specification 0.6.96 §3.3 (boot information format,
 * memory map entries carrying their own size field) and Multiboot2
 * Specification 1.0 §3.6 (8-byte aligned tags; types 1 cmdline, 2 loader
 * name, 3 module, 6 memory map, 14/15 ACPI old/new RSDP, 0 end).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <lib/errno.h>
#include <boot/boot_info.h>

#define MEM_BASE	0x1000ULL
#define MEM_SIZE	((1U << 20) + 0x10000U)
#define WIN_DEFAULT	0x10000U

static uint8_t mem[MEM_SIZE];
static size_t win;
static unsigned p2v_refused;
static struct boot_info bi;

static const void *t_p2v(uint64_t pa, size_t len)
{
	uint64_t off;

	if (pa < MEM_BASE) {
		p2v_refused++;
		return NULL;
	}
	off = pa - MEM_BASE;
	if (off > win || len > win - off) {
		p2v_refused++;
		return NULL;
	}
	return mem + off;
}

static uint64_t pa_of(uint32_t off)
{
	return MEM_BASE + off;
}

static int setup(void **state)
{
	(void)state;
	memset(mem, 'Z', sizeof(mem));
	win = WIN_DEFAULT;
	p2v_refused = 0;
	memset(&bi, 0xA5, sizeof(bi));	/* the parser must clear it */
	return 0;
}

static void wr32(uint32_t off, uint32_t v)
{
	memcpy(mem + off, &v, 4);
}

static uint32_t rd32(uint32_t off)
{
	uint32_t v;

	memcpy(&v, mem + off, 4);
	return v;
}

/* True when no byte of s is the poison character. */
static bool clean(const char *s, size_t max)
{
	return memchr(s, 'Z', strnlen(s, max)) == NULL;
}

/* ---------------------------------------------------------------------- */
/* Multiboot2 builder: the info structure starts at mem offset 0.          */

static uint32_t mb2_pos;

static void mb2_begin(void)
{
	wr32(4, 0);
	mb2_pos = 8;
}

/* Append one tag with the given payload; returns the tag's offset. */
static uint32_t mb2_tag(uint32_t type, const void *payload, uint32_t plen)
{
	uint32_t at = mb2_pos;

	wr32(at, type);
	wr32(at + 4, 8 + plen);
	if (plen != 0)
		memcpy(mem + at + 8, payload, plen);
	mb2_pos = (at + 8 + plen + 7) & ~7U;
	/* alignment padding is zero, as a loader leaves it */
	memset(mem + at + 8 + plen, 0, mb2_pos - (at + 8 + plen));
	return at;
}

static uint32_t mb2_str(uint32_t type, const char *s)
{
	return mb2_tag(type, s, (uint32_t)strlen(s) + 1);
}

static void mb2_module(uint32_t start, uint32_t end, const char *cmd)
{
	uint8_t p[512];
	uint32_t n = (uint32_t)strlen(cmd) + 1;

	memcpy(p, &start, 4);
	memcpy(p + 4, &end, 4);
	memcpy(p + 8, cmd, n);
	mb2_tag(3, p, 8 + n);
}

struct mm_ent {
	uint64_t base, len;
	uint32_t type;
};

static void mb2_mmap(const struct mm_ent *e, uint32_t n, uint32_t esize)
{
	uint8_t p[8 + 160 * 32];
	uint32_t ver = 0;

	assert_true(n <= 160 && esize >= 20 && esize <= 32);
	memset(p, 0, sizeof(p));
	memcpy(p, &esize, 4);
	memcpy(p + 4, &ver, 4);
	for (uint32_t i = 0; i < n; i++) {
		memcpy(p + 8 + i * esize, &e[i].base, 8);
		memcpy(p + 8 + i * esize + 8, &e[i].len, 8);
		if (esize >= 20)
			memcpy(p + 8 + i * esize + 16, &e[i].type, 4);
	}
	mb2_tag(6, p, 8 + n * esize);
}

/* A v1 (20-byte) or v2 (36-byte) RSDP image with valid checksums. */
static void make_rsdp(uint8_t *r, uint8_t rev, uint8_t tag)
{
	uint8_t sum = 0;
	uint32_t len = 36;

	memset(r, 0, 36);
	memcpy(r, "RSD PTR ", 8);
	r[9] = tag;		/* OEM ID byte, used to tell copies apart */
	r[15] = rev;
	for (int i = 0; i < 20; i++)
		sum += r[i];
	r[8] = (uint8_t)-sum;
	if (rev >= 2) {
		memcpy(r + 20, &len, 4);
		sum = 0;
		for (int i = 0; i < 36; i++)
			sum += r[i];
		r[32] = (uint8_t)-sum;
	}
}

static void mb2_rsdp(int new_tag, uint8_t id)
{
	uint8_t r[36];

	make_rsdp(r, new_tag ? 2 : 0, id);
	mb2_tag(new_tag ? 15 : 14, r, new_tag ? 36 : 20);
}

static void mb2_end(void)
{
	mb2_tag(0, NULL, 0);
	wr32(0, mb2_pos);
}

static int mb2_run(void)
{
	return multiboot_parse(MB2_LOADER_MAGIC, pa_of(0), t_p2v, &bi);
}

static const struct mm_ent std_map[] = {
	{ 0x0, 0x9FC00, BOOT_MEM_RAM },
	{ 0x9FC00, 0x400, BOOT_MEM_RESERVED },
	{ 0xF0000, 0x10000, BOOT_MEM_RESERVED },
	{ 0x100000, 0x7FF00000, BOOT_MEM_RAM },
	{ 0x7FFF0000, 0x10000, BOOT_MEM_ACPI },
	{ 0x100000000ULL, 0x80000000ULL, BOOT_MEM_RAM },
};

static void test_mb2_wellformed_info_fills_every_field(void **state)
{
	mb2_begin();
	mb2_str(1, "console=com1 loglevel=4");
	mb2_str(2, "GRUB 2.06");
	mb2_module(0x200000, 0x600000, "bzImage root=/dev/sda");
	mb2_module(0x600000, 0x900000, "initrd");
	mb2_mmap(std_map, 6, 24);
	mb2_rsdp(0, 0x11);
	mb2_rsdp(1, 0x22);
	mb2_end();

	assert_int_equal(mb2_run(), 0);
	assert_int_equal(bi.protocol, 2);
	assert_string_equal(bi.cmdline, "console=com1 loglevel=4");
	assert_string_equal(bi.loader, "GRUB 2.06");
	assert_int_equal(bi.mod_count, 2);
	assert_int_equal(bi.mods[0].start, 0x200000);
	assert_int_equal(bi.mods[0].end, 0x600000);
	assert_string_equal(bi.mods[0].cmdline, "bzImage root=/dev/sda");
	assert_int_equal(bi.mods[1].start, 0x600000);
	assert_int_equal(bi.mods[1].end, 0x900000);
	assert_string_equal(bi.mods[1].cmdline, "initrd");
	assert_int_equal(bi.mmap_count, 6);
	for (unsigned i = 0; i < 6; i++) {
		assert_int_equal(bi.mmap[i].base, std_map[i].base);
		assert_int_equal(bi.mmap[i].len, std_map[i].len);
		assert_int_equal(bi.mmap[i].type, std_map[i].type);
	}
	assert_true(bi.has_rsdp);
	assert_memory_equal(bi.rsdp, "RSD PTR ", 8);
	assert_int_equal(bi.rsdp[9], 0x22);
	assert_int_equal(bi.rsdp[15], 2);
	assert_int_equal(p2v_refused, 0);
}

static void test_mb2_new_rsdp_preferred_in_either_order(void **state)
{
	mb2_begin();
	mb2_rsdp(1, 0x22);
	mb2_rsdp(0, 0x11);
	mb2_end();
	assert_int_equal(mb2_run(), 0);
	assert_true(bi.has_rsdp);
	assert_int_equal(bi.rsdp[9], 0x22);
	assert_int_equal(bi.rsdp[15], 2);

	setup(state);
	mb2_begin();
	mb2_rsdp(0, 0x11);
	mb2_end();
	assert_int_equal(mb2_run(), 0);
	assert_true(bi.has_rsdp);
	assert_int_equal(bi.rsdp[9], 0x11);
	/* A v1 RSDP copy is 20 bytes: the rest of the copy must be zero. */
	for (int i = 20; i < 36; i++)
		assert_int_equal(bi.rsdp[i], 0);
}

static void test_mb2_short_acpi_tag_ignored(void **state)
{
	uint8_t r[36];

	make_rsdp(r, 0, 1);
	mb2_begin();
	mb2_tag(14, r, 19);	/* one byte short of an RSDP */
	mb2_end();
	assert_int_equal(mb2_run(), 0);
	assert_false(bi.has_rsdp);
}

static void test_mb2_ram_size_counts_only_ram(void **state)
{
	static const struct mm_ent m[] = {
		{ 0x0, 0x9F000, BOOT_MEM_RAM },
		{ 0x9F000, 0x1000, BOOT_MEM_RESERVED },
		{ 0x100000, 0x3FF00000, BOOT_MEM_RAM },
		{ 0x40000000, 0x100000, BOOT_MEM_NVS },
		{ 0x40100000, 0x0, BOOT_MEM_RAM },	/* empty: dropped */
		{ 0xFFFFFFFFFFFFF000ULL, 0x2000, BOOT_MEM_RAM },	/* wraps: dropped */
		{ 0x100000000ULL, 0x40000000, BOOT_MEM_RAM },
	};

	mb2_begin();
	mb2_mmap(m, 7, 24);
	mb2_end();
	assert_int_equal(mb2_run(), 0);
	assert_int_equal(bi.mmap_count, 5);
	assert_int_equal(boot_ram_size(&bi), 0x9F000ULL + 0x3FF00000ULL + 0x40000000ULL);
}

static void test_mb2_mmap_larger_entry_size_is_honoured(void **state)
{
	mb2_begin();
	mb2_mmap(std_map, 6, 32);	/* a future loader with 8 more bytes per entry */
	mb2_end();
	assert_int_equal(mb2_run(), 0);
	assert_int_equal(bi.mmap_count, 6);
	assert_int_equal(bi.mmap[5].base, 0x100000000ULL);
	assert_int_equal(bi.mmap[5].len, 0x80000000ULL);
	assert_int_equal(bi.mmap[5].type, BOOT_MEM_RAM);
}

static void test_mb2_mmap_entry_size_below_24_rejected(void **state)
{
	mb2_begin();
	mb2_mmap(std_map, 6, 20);
	mb2_str(1, "after");
	mb2_end();
	assert_int_equal(mb2_run(), -EINVAL);
	assert_int_equal(bi.mmap_count, 0);
	/* the bad tag does not stop the walk: later tags are still taken */
	assert_string_equal(bi.cmdline, "after");
}

static void test_mb2_mmap_capped_at_max_entries(void **state)
{
	struct mm_ent m[BOOT_MAX_MMAP + 10];

	for (unsigned i = 0; i < BOOT_MAX_MMAP + 10; i++) {
		m[i].base = (uint64_t)i << 20;
		m[i].len = 0x1000;
		m[i].type = BOOT_MEM_RAM;
	}
	mb2_begin();
	mb2_mmap(m, BOOT_MAX_MMAP + 10, 24);
	mb2_end();
	assert_int_equal(mb2_run(), 0);
	assert_int_equal(bi.mmap_count, BOOT_MAX_MMAP);
	assert_int_equal(bi.mmap[BOOT_MAX_MMAP - 1].base, (uint64_t)(BOOT_MAX_MMAP - 1) << 20);
}

static void test_mb2_total_size_below_16_rejected(void **state)
{
	mb2_begin();
	mb2_end();		/* total 16: the smallest valid info */
	assert_int_equal(mb2_run(), 0);

	wr32(0, 15);
	assert_int_equal(mb2_run(), -EINVAL);
	wr32(0, 8);
	assert_int_equal(mb2_run(), -EINVAL);
	wr32(0, 0);
	assert_int_equal(mb2_run(), -EINVAL);
}

static void test_mb2_total_size_above_1mib_rejected(void **state)
{
	uint32_t total = (1U << 20) + 16;

	win = MEM_SIZE;		/* p2v would map it: only the size limit refuses */
	mb2_begin();
	mb2_str(1, "big");
	/* an unknown tag padding the info out to total - 8, then the end tag */
	wr32(mb2_pos, 0x7777);
	wr32(mb2_pos + 4, total - 8 - mb2_pos);
	mb2_pos = total - 8;
	mb2_end();
	assert_int_equal(rd32(0), total);
	assert_int_equal(mb2_run(), -EINVAL);
	assert_string_equal(bi.cmdline, "");

	/* exactly 1 MiB is accepted */
	total = 1U << 20;
	mb2_begin();
	mb2_str(1, "big");
	wr32(mb2_pos, 0x7777);
	wr32(mb2_pos + 4, total - 8 - mb2_pos);
	mb2_pos = total - 8;
	mb2_end();
	assert_int_equal(mb2_run(), 0);
	assert_string_equal(bi.cmdline, "big");
}

static void test_mb2_info_beyond_mapped_memory_fails_cleanly(void **state)
{
	/* header outside memory */
	assert_int_equal(multiboot_parse(MB2_LOADER_MAGIC, 0x10, t_p2v, &bi), -EINVAL);
	assert_int_equal(multiboot_parse(MB2_LOADER_MAGIC, pa_of(WIN_DEFAULT - 4), t_p2v, &bi),
			 -EINVAL);
	/* total size larger than what is mapped */
	setup(state);
	mb2_begin();
	mb2_str(1, "x");
	mb2_end();
	win = 64;
	wr32(0, 128);
	assert_int_equal(mb2_run(), -EINVAL);
	assert_true(p2v_refused > 0);
	assert_string_equal(bi.cmdline, "");
}

static void test_mb2_tag_running_past_total_rejected(void **state)
{
	uint32_t at;

	mb2_begin();
	mb2_str(2, "loader");
	at = mb2_str(1, "cmd");
	mb2_end();
	/* the cmdline tag claims to extend 1 byte past the end of the info */
	wr32(at + 4, rd32(0) - at + 1);
	memset(bi.cmdline, 0, sizeof(bi.cmdline));
	assert_int_equal(mb2_run(), -EINVAL);
	assert_string_equal(bi.loader, "loader");	/* parsed before the error */
	assert_string_equal(bi.cmdline, "");
}

static void test_mb2_tag_size_below_header_rejected(void **state)
{
	uint32_t at;

	mb2_begin();
	at = mb2_str(1, "cmd");
	mb2_end();
	wr32(at + 4, 4);
	assert_int_equal(mb2_run(), -EINVAL);
	wr32(at + 4, 0);	/* size 0 must not loop forever either */
	assert_int_equal(mb2_run(), -EINVAL);
}

static void test_mb2_missing_end_tag_rejected_but_keeps_parsed(void **state)
{
	mb2_begin();
	mb2_str(1, "kept");
	mb2_str(2, "loader");
	wr32(0, mb2_pos);	/* no end tag */
	assert_int_equal(mb2_run(), -EINVAL);
	assert_string_equal(bi.cmdline, "kept");
	assert_string_equal(bi.loader, "loader");
}

static void test_mb2_tags_after_end_tag_ignored(void **state)
{
	uint32_t total;

	mb2_begin();
	mb2_str(1, "first");
	mb2_tag(0, NULL, 0);
	mb2_str(2, "after end");
	total = mb2_pos;
	wr32(0, total);
	assert_int_equal(mb2_run(), 0);
	assert_string_equal(bi.cmdline, "first");
	assert_string_equal(bi.loader, "");
}

static void test_mb2_extra_modules_ignored(void **state)
{
	char cmd[16];

	mb2_begin();
	for (unsigned i = 0; i < BOOT_MAX_MODULES + 3; i++) {
		snprintf(cmd, sizeof(cmd), "mod%u", i);
		mb2_module(0x100000 * (i + 1), 0x100000 * (i + 1) + 0x1000, cmd);
	}
	mb2_str(1, "still parsed");
	mb2_end();
	assert_int_equal(mb2_run(), 0);
	assert_int_equal(bi.mod_count, BOOT_MAX_MODULES);
	for (unsigned i = 0; i < BOOT_MAX_MODULES; i++) {
		snprintf(cmd, sizeof(cmd), "mod%u", i);
		assert_string_equal(bi.mods[i].cmdline, cmd);
		assert_int_equal(bi.mods[i].start, 0x100000 * (i + 1));
	}
	assert_string_equal(bi.cmdline, "still parsed");
}

static void test_mb2_module_end_before_start_rejected(void **state)
{
	mb2_begin();
	mb2_module(0x500000, 0x400000, "backwards");
	mb2_module(0x600000, 0x600000, "empty is fine");
	mb2_end();
	assert_int_equal(mb2_run(), -EINVAL);
	assert_int_equal(bi.mod_count, 1);
	assert_string_equal(bi.mods[0].cmdline, "empty is fine");
}

static void test_mb2_module_tag_too_short_rejected(void **state)
{
	uint32_t start = 0x100000;

	mb2_begin();
	mb2_tag(3, &start, 4);	/* no end address */
	mb2_end();
	assert_int_equal(mb2_run(), -EINVAL);
	assert_int_equal(bi.mod_count, 0);
}

static void test_mb2_overlong_strings_truncated_and_terminated(void **state)
{
	char big[1000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	mb2_begin();
	mb2_str(1, big);
	mb2_str(2, big);
	mb2_module(0x100000, 0x200000, big + 500);	/* 499 characters */
	mb2_end();
	assert_int_equal(mb2_run(), 0);
	assert_int_equal(strnlen(bi.cmdline, sizeof(bi.cmdline)), BOOT_CMDLINE_MAX - 1);
	assert_int_equal(strnlen(bi.loader, sizeof(bi.loader)), sizeof(bi.loader) - 1);
	assert_int_equal(strnlen(bi.mods[0].cmdline, BOOT_MOD_CMDLINE_MAX), BOOT_MOD_CMDLINE_MAX - 1);
	assert_memory_equal(bi.cmdline, big, BOOT_CMDLINE_MAX - 1);
}

static void test_mb2_unterminated_string_stops_at_tag_end(void **state)
{
	uint32_t at;

	mb2_begin();
	at = mb2_tag(1, "abc", 3);	/* no NUL inside the tag */
	memset(mem + at + 11, 'Z', 5);	/* non-zero alignment padding */
	mb2_str(2, "loader");
	mb2_end();
	assert_int_equal(mb2_run(), 0);
	assert_string_equal(bi.cmdline, "abc");
}

static void test_unknown_magic_rejected(void **state)
{
	mb2_begin();
	mb2_str(1, "x");
	mb2_end();
	assert_int_equal(multiboot_parse(0x12345678, pa_of(0), t_p2v, &bi), -EINVAL);
	assert_string_equal(bi.cmdline, "");
	assert_int_equal(bi.mod_count, 0);
	assert_int_equal(multiboot_parse(0, pa_of(0), t_p2v, &bi), -EINVAL);
}

/* ---------------------------------------------------------------------- */
/* Multiboot1: info at mem offset 0, referenced data from offset 0x100.   */

#define MB1_CMDLINE	(1U << 2)
#define MB1_MODS	(1U << 3)
#define MB1_MMAP	(1U << 6)
#define MB1_LOADER	(1U << 9)

static uint32_t mb1_pos;

static void mb1_begin(uint32_t flags)
{
	memset(mem, 0, 0x100);
	wr32(0, flags);
	mb1_pos = 0x100;
}

static uint32_t mb1_put(const void *p, uint32_t n)
{
	uint32_t at = mb1_pos;

	memcpy(mem + at, p, n);
	mb1_pos = (at + n + 15) & ~15U;
	return at;
}

static uint32_t mb1_putstr(const char *s)
{
	return mb1_put(s, (uint32_t)strlen(s) + 1);
}

/* Entries with the given size field (20 = the standard layout). */
static void mb1_mmap(const struct mm_ent *e, uint32_t n, uint32_t size_field)
{
	uint8_t p[160 * 40];
	uint32_t off = 0;

	memset(p, 0, sizeof(p));
	for (uint32_t i = 0; i < n; i++) {
		memcpy(p + off, &size_field, 4);
		memcpy(p + off + 4, &e[i].base, 8);
		memcpy(p + off + 12, &e[i].len, 8);
		memcpy(p + off + 20, &e[i].type, 4);
		off += size_field + 4;
	}
	wr32(44, off);
	wr32(48, (uint32_t)pa_of(mb1_put(p, off)));
}

static void mb1_mods(const uint32_t (*m)[2], const char *const *cmd, uint32_t n)
{
	uint8_t p[64 * 16];

	memset(p, 0, sizeof(p));
	for (uint32_t i = 0; i < n; i++) {
		uint32_t s = cmd[i] != NULL ? (uint32_t)pa_of(mb1_putstr(cmd[i])) : 0;

		memcpy(p + i * 16, &m[i][0], 4);
		memcpy(p + i * 16 + 4, &m[i][1], 4);
		memcpy(p + i * 16 + 8, &s, 4);
	}
	wr32(20, n);
	wr32(24, (uint32_t)pa_of(mb1_put(p, n * 16)));
}

static int mb1_run(void)
{
	return multiboot_parse(MB1_LOADER_MAGIC, pa_of(0), t_p2v, &bi);
}

static void test_mb1_all_flags_parsed(void **state)
{
	static const uint32_t m[2][2] = { { 0x200000, 0x600000 }, { 0x600000, 0x700000 } };
	static const char *const c[2] = { "vmlinuz quiet", NULL };

	mb1_begin(MB1_CMDLINE | MB1_MODS | MB1_MMAP | MB1_LOADER);
	wr32(16, (uint32_t)pa_of(mb1_putstr("hv console=com2")));
	wr32(64, (uint32_t)pa_of(mb1_putstr("GRUB 0.97")));
	mb1_mmap(std_map, 6, 20);
	mb1_mods(m, c, 2);

	assert_int_equal(mb1_run(), 0);
	assert_int_equal(bi.protocol, 1);
	assert_string_equal(bi.cmdline, "hv console=com2");
	assert_string_equal(bi.loader, "GRUB 0.97");
	assert_int_equal(bi.mmap_count, 6);
	for (unsigned i = 0; i < 6; i++) {
		assert_int_equal(bi.mmap[i].base, std_map[i].base);
		assert_int_equal(bi.mmap[i].len, std_map[i].len);
		assert_int_equal(bi.mmap[i].type, std_map[i].type);
	}
	assert_int_equal(boot_ram_size(&bi), 0x9FC00ULL + 0x7FF00000ULL + 0x80000000ULL);
	assert_int_equal(bi.mod_count, 2);
	assert_int_equal(bi.mods[0].start, 0x200000);
	assert_int_equal(bi.mods[0].end, 0x600000);
	assert_string_equal(bi.mods[0].cmdline, "vmlinuz quiet");
	assert_int_equal(bi.mods[1].start, 0x600000);
	assert_string_equal(bi.mods[1].cmdline, "");
	assert_false(bi.has_rsdp);
	assert_int_equal(p2v_refused, 0);
}

static void test_mb1_unset_flags_ignore_fields(void **state)
{
	mb1_begin(0);
	wr32(16, (uint32_t)pa_of(mb1_putstr("not me")));
	wr32(64, (uint32_t)pa_of(mb1_putstr("nor me")));
	mb1_mmap(std_map, 6, 20);
	wr32(20, 3);
	wr32(24, 0xFFFFFFF0);	/* bogus, but MODS flag is clear */
	assert_int_equal(mb1_run(), 0);
	assert_string_equal(bi.cmdline, "");
	assert_string_equal(bi.loader, "");
	assert_int_equal(bi.mmap_count, 0);
	assert_int_equal(bi.mod_count, 0);
}

static void test_mb1_mmap_size_field_skips_extra_bytes(void **state)
{
	mb1_begin(MB1_MMAP);
	mb1_mmap(std_map, 6, 28);	/* 8 bytes of padding per entry */
	assert_int_equal(mb1_run(), 0);
	assert_int_equal(bi.mmap_count, 6);
	for (unsigned i = 0; i < 6; i++) {
		assert_int_equal(bi.mmap[i].base, std_map[i].base);
		assert_int_equal(bi.mmap[i].type, std_map[i].type);
	}
}

static void test_mb1_bad_mmap_entry_size_rejected(void **state)
{
	mb1_begin(MB1_MMAP);
	mb1_mmap(std_map, 3, 16);	/* entry smaller than base+len+type */
	assert_int_equal(mb1_run(), -EINVAL);

	setup(state);
	mb1_begin(MB1_MMAP);
	mb1_mmap(std_map, 3, 20);
	wr32(44, 2 * 24 + 24);
	/* the last entry's size field says it runs 4 bytes past mmap_length */
	{
		uint32_t mm = rd32(48) - (uint32_t)MEM_BASE;

		wr32(mm + 48, 24);
	}
	assert_int_equal(mb1_run(), -EINVAL);
	assert_int_equal(bi.mmap_count, 2);
}

static void test_mb1_mmap_out_of_range_fails_cleanly(void **state)
{
	mb1_begin(MB1_MMAP);
	wr32(44, 0x100);
	wr32(48, (uint32_t)pa_of(WIN_DEFAULT - 0x80));
	assert_int_equal(mb1_run(), -EINVAL);
	assert_true(p2v_refused > 0);
	assert_int_equal(bi.mmap_count, 0);

	/* an absurd length is refused before it is mapped */
	setup(state);
	mb1_begin(MB1_MMAP);
	wr32(44, 0xFFFFFFF0);
	wr32(48, (uint32_t)pa_of(0x100));
	assert_int_equal(mb1_run(), -EINVAL);
}

/* Some loaders set the MODS flag with a count of 0 (and a valid address). */
static void test_mb1_zero_modules_accepted(void **state)
{
	mb1_begin(MB1_MODS);
	wr32(20, 0);
	wr32(24, (uint32_t)pa_of(0x100));
	assert_int_equal(mb1_run(), 0);
	assert_int_equal(bi.mod_count, 0);
}

static void test_mb1_mods_out_of_range_fails_cleanly(void **state)
{
	mb1_begin(MB1_MODS);
	wr32(20, 2);
	wr32(24, (uint32_t)pa_of(WIN_DEFAULT - 16));	/* only one module fits */
	assert_int_equal(mb1_run(), -EINVAL);
	assert_int_equal(bi.mod_count, 0);
	assert_true(p2v_refused > 0);
}

static void test_mb1_extra_modules_ignored(void **state)
{
	uint32_t m[12][2];
	const char *c[12];

	for (unsigned i = 0; i < 12; i++) {
		m[i][0] = 0x100000 * (i + 1);
		m[i][1] = m[i][0] + 0x100;
		c[i] = (i & 1) ? "odd" : "even";
	}
	mb1_begin(MB1_MODS);
	mb1_mods((const uint32_t (*)[2])m, c, 12);
	assert_int_equal(mb1_run(), 0);
	assert_int_equal(bi.mod_count, BOOT_MAX_MODULES);
	assert_int_equal(bi.mods[7].start, 0x800000);
	assert_string_equal(bi.mods[7].cmdline, "odd");
}

static void test_mb1_module_end_before_start_rejected(void **state)
{
	static const uint32_t m[1][2] = { { 0x300000, 0x200000 } };
	static const char *const c[1] = { "x" };

	mb1_begin(MB1_MODS);
	mb1_mods(m, c, 1);
	assert_int_equal(mb1_run(), -EINVAL);
	assert_int_equal(bi.mod_count, 0);
}

static void test_mb1_info_out_of_range_fails_cleanly(void **state)
{
	assert_int_equal(multiboot_parse(MB1_LOADER_MAGIC, pa_of(WIN_DEFAULT - 8), t_p2v, &bi),
			 -EINVAL);
	assert_int_equal(multiboot_parse(MB1_LOADER_MAGIC, 0, t_p2v, &bi), -EINVAL);
}

static void test_mb1_overlong_cmdline_truncated_and_terminated(void **state)
{
	char big[700];

	memset(big, 'c', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	mb1_begin(MB1_CMDLINE | MB1_LOADER);
	wr32(16, (uint32_t)pa_of(mb1_putstr(big)));
	wr32(64, (uint32_t)pa_of(mb1_putstr(big)));
	assert_int_equal(mb1_run(), 0);
	assert_int_equal(strnlen(bi.cmdline, sizeof(bi.cmdline)), BOOT_CMDLINE_MAX - 1);
	assert_int_equal(strnlen(bi.loader, sizeof(bi.loader)), sizeof(bi.loader) - 1);
}

/*
 * The loader's command line is only as long as memory says: a string that
 * meets the end of the range p2v() will map must not be continued with
 * bytes p2v() never handed out (here: the poison after the window).
 */
static void test_mb1_cmdline_never_read_beyond_mapped_range(void **state)
{
	mb1_begin(MB1_CMDLINE);
	memcpy(mem + WIN_DEFAULT - 3, "abc", 3);	/* no NUL before the window ends */
	wr32(16, (uint32_t)pa_of(WIN_DEFAULT - 3));
	mb1_run();
	assert_true(clean(bi.cmdline, sizeof(bi.cmdline)));
}

static void test_mb1_module_cmdline_never_read_beyond_mapped_range(void **state)
{
	static const uint32_t m[1][2] = { { 0x200000, 0x300000 } };
	static const char *const c[1] = { "placeholder" };

	mb1_begin(MB1_MODS);
	mb1_mods(m, c, 1);
	memcpy(mem + WIN_DEFAULT - 2, "mo", 2);	/* no NUL before the window ends */
	{
		uint32_t mods = rd32(24) - (uint32_t)MEM_BASE;

		wr32(mods + 8, (uint32_t)pa_of(WIN_DEFAULT - 2));
	}
	mb1_run();
	assert_true(clean(bi.mods[0].cmdline, BOOT_MOD_CMDLINE_MAX));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_mb2_wellformed_info_fills_every_field, setup),
		cmocka_unit_test_setup(test_mb2_new_rsdp_preferred_in_either_order, setup),
		cmocka_unit_test_setup(test_mb2_short_acpi_tag_ignored, setup),
		cmocka_unit_test_setup(test_mb2_ram_size_counts_only_ram, setup),
		cmocka_unit_test_setup(test_mb2_mmap_larger_entry_size_is_honoured, setup),
		cmocka_unit_test_setup(test_mb2_mmap_entry_size_below_24_rejected, setup),
		cmocka_unit_test_setup(test_mb2_mmap_capped_at_max_entries, setup),
		cmocka_unit_test_setup(test_mb2_total_size_below_16_rejected, setup),
		cmocka_unit_test_setup(test_mb2_total_size_above_1mib_rejected, setup),
		cmocka_unit_test_setup(test_mb2_info_beyond_mapped_memory_fails_cleanly, setup),
		cmocka_unit_test_setup(test_mb2_tag_running_past_total_rejected, setup),
		cmocka_unit_test_setup(test_mb2_tag_size_below_header_rejected, setup),
		cmocka_unit_test_setup(test_mb2_missing_end_tag_rejected_but_keeps_parsed, setup),
		cmocka_unit_test_setup(test_mb2_tags_after_end_tag_ignored, setup),
		cmocka_unit_test_setup(test_mb2_extra_modules_ignored, setup),
		cmocka_unit_test_setup(test_mb2_module_end_before_start_rejected, setup),
		cmocka_unit_test_setup(test_mb2_module_tag_too_short_rejected, setup),
		cmocka_unit_test_setup(test_mb2_overlong_strings_truncated_and_terminated, setup),
		cmocka_unit_test_setup(test_mb2_unterminated_string_stops_at_tag_end, setup),
		cmocka_unit_test_setup(test_unknown_magic_rejected, setup),
		cmocka_unit_test_setup(test_mb1_all_flags_parsed, setup),
		cmocka_unit_test_setup(test_mb1_unset_flags_ignore_fields, setup),
		cmocka_unit_test_setup(test_mb1_mmap_size_field_skips_extra_bytes, setup),
		cmocka_unit_test_setup(test_mb1_bad_mmap_entry_size_rejected, setup),
		cmocka_unit_test_setup(test_mb1_mmap_out_of_range_fails_cleanly, setup),
		cmocka_unit_test_setup(test_mb1_zero_modules_accepted, setup),
		cmocka_unit_test_setup(test_mb1_mods_out_of_range_fails_cleanly, setup),
		cmocka_unit_test_setup(test_mb1_extra_modules_ignored, setup),
		cmocka_unit_test_setup(test_mb1_module_end_before_start_rejected, setup),
		cmocka_unit_test_setup(test_mb1_info_out_of_range_fails_cleanly, setup),
		cmocka_unit_test_setup(test_mb1_overlong_cmdline_truncated_and_terminated, setup),
		cmocka_unit_test_setup(test_mb1_cmdline_never_read_beyond_mapped_range, setup),
		cmocka_unit_test_setup(test_mb1_module_cmdline_never_read_beyond_mapped_range, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Host unit tests of acrn.efi's pure parts: the acrn.conf parser (conf.c),
 * the hypervisor ELF validator (elf_image.c) and the multiboot2 builder with
 * the UEFI -> E820 memory map conversion (mb2_info.c).  The multiboot2
 * structures built here are read back with the hypervisor's own parser
 * (hypervisor/boot/multiboot.c), so both ends of the hand-over agree.
 *
 * Buffers handed to the code under test are heap copies of exactly the
 * stated size, so AddressSanitizer reports any read past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lib/errno.h>
#include <boot/boot_info.h>
#include "conf.h"
#include "elf_image.h"
#include "mb2_info.h"

/* ------------------------------------------------------------ helpers */

static void *dup_exact(const void *p, size_t n)
{
	void *q = malloc(n ? n : 1);

	assert_non_null(q);
	memcpy(q, p, n);
	return q;
}

static int parse_text(const char *text, struct conf *c, struct conf_error *e)
{
	size_t n = strlen(text);
	char *buf = dup_exact(text, n);	/* no NUL terminator */
	int ret = conf_parse(buf, n, c, e);

	free(buf);
	return ret;
}

/* ------------------------------------------------------------ conf */

static void test_conf_parses_every_key_with_blanks_comments_and_crlf(void **state)
{
	static struct conf c;
	struct conf_error e;
	const char *t =
		"# ACRN boot configuration\r\n"
		"\r\n"
		"  hypervisor = \\EFI\\acrn\\acrn.32.out  \r\n"
		"\thv_cmdline=console=com2 loglevel=4\t\r\n"
		"   # indented comment\n"
		"kernel=\\EFI\\acrn\\bzImage\n"
		"kernel_cmdline = root=/dev/sda2 rw console=ttyS0,115200 a=b=c\n"
		"initrd=\\EFI\\acrn\\initrd.img";	/* no final newline */

	assert_int_equal(parse_text(t, &c, &e), 0);
	assert_string_equal(c.hypervisor, "\\EFI\\acrn\\acrn.32.out");
	assert_string_equal(c.hv_cmdline, "console=com2 loglevel=4");
	assert_string_equal(c.kernel, "\\EFI\\acrn\\bzImage");
	/* only the first '=' separates: the value keeps its own '=' and '/' */
	assert_string_equal(c.kernel_cmdline, "root=/dev/sda2 rw console=ttyS0,115200 a=b=c");
	assert_string_equal(c.initrd, "\\EFI\\acrn\\initrd.img");
}

static void test_conf_turns_slashes_in_paths_into_backslashes(void **state)
{
	static struct conf c;
	struct conf_error e;

	assert_int_equal(parse_text("hypervisor=/EFI/acrn/acrn.32.out\n", &c, &e), 0);
	assert_string_equal(c.hypervisor, "\\EFI\\acrn\\acrn.32.out");
	assert_string_equal(c.kernel, "");
	assert_string_equal(c.hv_cmdline, "");
}

static void test_conf_rejects_unknown_key_and_names_its_line(void **state)
{
	static struct conf c;
	struct conf_error e;

	assert_int_equal(parse_text("hypervisor=a\n\n# c\nkernal=b\n", &c, &e), -EINVAL);
	assert_int_equal(e.line, 4);
	assert_string_equal(e.why, "unknown key");
	/* a key that is a prefix of a real one is unknown too */
	assert_int_equal(parse_text("hyper=a\n", &c, &e), -EINVAL);
	assert_int_equal(parse_text("hypervisorx=a\n", &c, &e), -EINVAL);
}

static void test_conf_rejects_a_key_given_twice(void **state)
{
	static struct conf c;
	struct conf_error e;

	assert_int_equal(parse_text("hypervisor=a\nkernel=b\nkernel=c\n", &c, &e), -EINVAL);
	assert_int_equal(e.line, 3);
	assert_string_equal(e.why, "key given twice");
}

static void test_conf_rejects_line_without_equals_sign(void **state)
{
	static struct conf c;
	struct conf_error e;

	assert_int_equal(parse_text("hypervisor=a\nkernel \\EFI\\k\n", &c, &e), -EINVAL);
	assert_int_equal(e.line, 2);
}

static void test_conf_requires_a_hypervisor_line(void **state)
{
	static struct conf c;
	struct conf_error e;

	assert_int_equal(parse_text("kernel=a\n", &c, &e), -EINVAL);
	assert_int_equal(e.line, 0);
	assert_string_equal(e.why, "no hypervisor= line");
	assert_int_equal(parse_text("", &c, &e), -EINVAL);
	/* an empty path is not a path */
	assert_int_equal(parse_text("hypervisor=   \n", &c, &e), -EINVAL);
	assert_string_equal(e.why, "empty path");
}

static void test_conf_rejects_initrd_without_kernel(void **state)
{
	static struct conf c;
	struct conf_error e;

	assert_int_equal(parse_text("hypervisor=a\ninitrd=b\n", &c, &e), -EINVAL);
	assert_string_equal(e.why, "initrd= given without kernel=");
}

static void test_conf_limits_values_to_what_the_hypervisor_keeps(void **state)
{
	static struct conf c;
	struct conf_error e;
	char t[2048];

	/* 255 bytes of kernel command line fit (the hypervisor keeps 255 + NUL) ... */
	strcpy(t, "hypervisor=a\nkernel=k\nkernel_cmdline=");
	memset(t + strlen(t), 'x', CONF_KERNEL_CMDLINE_MAX);
	t[strlen("hypervisor=a\nkernel=k\nkernel_cmdline=") + CONF_KERNEL_CMDLINE_MAX] = '\0';
	assert_int_equal(parse_text(t, &c, &e), 0);
	assert_int_equal(strlen(c.kernel_cmdline), CONF_KERNEL_CMDLINE_MAX);
	/* ... 256 do not */
	strcat(t, "y");
	assert_int_equal(parse_text(t, &c, &e), -E2BIG);
	assert_int_equal(e.line, 3);

	strcpy(t, "hypervisor=");
	memset(t + 11, 'p', CONF_PATH_MAX + 1);
	t[11 + CONF_PATH_MAX + 1] = '\0';
	assert_int_equal(parse_text(t, &c, &e), -E2BIG);
	t[11 + CONF_PATH_MAX] = '\0';
	assert_int_equal(parse_text(t, &c, &e), 0);

	strcpy(t, "hypervisor=a\nhv_cmdline=");
	memset(t + strlen(t), 'h', CONF_HV_CMDLINE_MAX + 1);
	t[strlen("hypervisor=a\nhv_cmdline=") + CONF_HV_CMDLINE_MAX + 1] = '\0';
	assert_int_equal(parse_text(t, &c, &e), -E2BIG);
}

static void test_conf_rejects_nul_and_control_bytes(void **state)
{
	static struct conf c;
	struct conf_error e;
	const char with_nul[] = "hypervisor=a\nkernel=b\0c\n";

	assert_int_equal(conf_parse(with_nul, sizeof(with_nul) - 1, &c, &e), -EINVAL);
	assert_int_equal(e.line, 2);
	assert_int_equal(parse_text("hypervisor=a\nhv_cmdline=a\033b\n", &c, &e), -EINVAL);
	assert_int_equal(parse_text("hypervisor=a\x7f\n", &c, &e), -EINVAL);
}

static void test_conf_allows_utf8_in_command_lines_but_not_in_paths(void **state)
{
	static struct conf c;
	struct conf_error e;

	assert_int_equal(parse_text("hypervisor=a\nhv_cmdline=caf\xc3\xa9\n", &c, &e), 0);
	assert_string_equal(c.hv_cmdline, "caf\xc3\xa9");
	assert_int_equal(parse_text("hypervisor=\\EFI\\caf\xc3\xa9\n", &c, &e), -EINVAL);
	assert_string_equal(e.why, "character not allowed in value");
}

static void test_conf_rejects_oversized_file(void **state)
{
	static struct conf c;
	struct conf_error e;
	char *big = malloc(CONF_FILE_MAX + 1);

	assert_non_null(big);
	memset(big, '#', CONF_FILE_MAX + 1);
	assert_int_equal(conf_parse(big, CONF_FILE_MAX + 1, &c, &e), -E2BIG);
	/* exactly the limit is fine as far as size goes (then: no hypervisor line) */
	assert_int_equal(conf_parse(big, CONF_FILE_MAX, &c, &e), -EINVAL);
	assert_string_equal(e.why, "no hypervisor= line");
	free(big);
}

/* misc/acrn.conf.example is what users copy: it must parse as documented */
static void test_conf_example_file_parses(void **state)
{
	static struct conf c;
	static char text[CONF_FILE_MAX];
	struct conf_error e;
	FILE *f = fopen(EXAMPLE_CONF, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(text, 1, sizeof(text), f);
	fclose(f);
	assert_int_equal(conf_parse(text, n, &c, &e), 0);
	assert_string_equal(c.hypervisor, "\\EFI\\acrn\\acrn.32.out");
	assert_string_equal(c.kernel, "\\EFI\\acrn\\bzImage");
	assert_string_equal(c.initrd, "\\EFI\\acrn\\initrd.img");
	assert_string_equal(c.hv_cmdline, "console=com2");
}

static void test_conf_resolve_path_joins_relative_and_keeps_absolute(void **state)
{
	char out[32];

	assert_int_equal(conf_resolve_path("\\EFI\\acrn\\", "bzImage", out, sizeof(out)), 0);
	assert_string_equal(out, "\\EFI\\acrn\\bzImage");
	assert_int_equal(conf_resolve_path("\\EFI\\acrn", "sub/initrd", out, sizeof(out)), 0);
	assert_string_equal(out, "\\EFI\\acrn\\sub\\initrd");
	assert_int_equal(conf_resolve_path("\\EFI\\acrn\\", "\\boot\\k", out, sizeof(out)), 0);
	assert_string_equal(out, "\\boot\\k");
	assert_int_equal(conf_resolve_path("\\", "k", out, sizeof(out)), 0);
	assert_string_equal(out, "\\k");
	/* the result must fit with its NUL: 10 + 1 bytes do not fit in 10 */
	assert_int_equal(conf_resolve_path("\\EFI\\", "abcde", out, 10), -E2BIG);
	assert_int_equal(conf_resolve_path("\\EFI\\", "abcd", out, 10), 0);
	assert_string_equal(out, "\\EFI\\abcd");
	assert_int_equal(conf_resolve_path("EFI", "k", out, sizeof(out)), -EINVAL);
	assert_int_equal(conf_resolve_path("\\EFI", "", out, sizeof(out)), -EINVAL);
}

/* ------------------------------------------------------------ ELF */

struct t_seg {
	uint32_t type, offset, paddr, vaddr, filesz, memsz;
};

/* An ELF32 i386 executable: header, program headers, segment bytes
 * (byte value = 0x10 + segment index), optionally a symbol table with
 * hv_image_end = sym_value.  Returns the size. */
static size_t make_elf32(uint8_t *f, size_t cap, const struct t_seg *s, int n, uint32_t entry,
			 bool with_sym, uint32_t sym_value)
{
	size_t size = 52 + 32 * (size_t)n;

	memset(f, 0, cap);
	memcpy(f, "\x7f" "ELF", 4);
	f[4] = 1; f[5] = 1; f[6] = 1;
	*(uint16_t *)(f + 16) = 2;		/* ET_EXEC */
	*(uint16_t *)(f + 18) = 3;		/* EM_386 */
	*(uint32_t *)(f + 20) = 1;
	*(uint32_t *)(f + 24) = entry;
	*(uint32_t *)(f + 28) = 52;		/* e_phoff */
	*(uint16_t *)(f + 40) = 52;
	*(uint16_t *)(f + 42) = 32;
	*(uint16_t *)(f + 44) = (uint16_t)n;
	*(uint16_t *)(f + 46) = 40;
	for (int i = 0; i < n; i++) {
		uint8_t *ph = f + 52 + 32 * i;

		*(uint32_t *)(ph + 0) = s[i].type;
		*(uint32_t *)(ph + 4) = s[i].offset;
		*(uint32_t *)(ph + 8) = s[i].vaddr ? s[i].vaddr : s[i].paddr;
		*(uint32_t *)(ph + 12) = s[i].paddr;
		*(uint32_t *)(ph + 16) = s[i].filesz;
		*(uint32_t *)(ph + 20) = s[i].memsz;
		if (s[i].offset + s[i].filesz <= cap) {
			memset(f + s[i].offset, 0x10 + i, s[i].filesz);
			if (s[i].offset + s[i].filesz > size)
				size = s[i].offset + s[i].filesz;
		}
	}
	if (with_sym) {
		/* sections: 0 null, 1 symtab (2 symbols), 2 strtab */
		size_t strtab = size, symtab = strtab + 24, shdr = symtab + 32;
		const char names[] = "\0foo\0hv_image_end\0";

		memcpy(f + strtab, names, sizeof(names) - 1);
		*(uint32_t *)(f + symtab + 0) = 1;		/* "foo" */
		*(uint32_t *)(f + symtab + 4) = 0x1234;
		*(uint32_t *)(f + symtab + 16) = 5;		/* "hv_image_end" */
		*(uint32_t *)(f + symtab + 20) = sym_value;
		memset(f + shdr, 0, 3 * 40);
		*(uint32_t *)(f + shdr + 40 + 4) = 2;		/* SHT_SYMTAB */
		*(uint32_t *)(f + shdr + 40 + 16) = (uint32_t)symtab;
		*(uint32_t *)(f + shdr + 40 + 20) = 32;
		*(uint32_t *)(f + shdr + 40 + 24) = 2;		/* sh_link -> strtab */
		*(uint32_t *)(f + shdr + 40 + 36) = 16;
		*(uint32_t *)(f + shdr + 80 + 4) = 3;		/* SHT_STRTAB */
		*(uint32_t *)(f + shdr + 80 + 16) = (uint32_t)strtab;
		*(uint32_t *)(f + shdr + 80 + 20) = sizeof(names) - 1;
		*(uint32_t *)(f + 32) = (uint32_t)shdr;		/* e_shoff */
		*(uint16_t *)(f + 48) = 3;			/* e_shnum */
		size = shdr + 3 * 40;
	}
	return size;
}

static uint8_t elf_buf[16384];

/* The shape of acrn.32.out: text at 4 MiB, data + bss + pool after it. */
static const struct t_seg hv_like[] = {
	{ 1, 0x1000, 0x400000, 0, 0x1200, 0x1200 },
	{ 1, 0x3000, 0x402000, 0, 0x80, 0x5000 },
	{ 0x6474e551, 0, 0, 0, 0, 0 },		/* PT_GNU_STACK: ignored */
};

static int parse_elf(size_t size, struct elfimg *img, const char **why)
{
	uint8_t *f = dup_exact(elf_buf, size);
	int ret = elfimg_parse(f, size, img, why);

	free(f);
	return ret;
}

static void test_elfimg_plans_hypervisor_shaped_image(void **state)
{
	struct elfimg img;
	const char *why;
	size_t n = make_elf32(elf_buf, sizeof(elf_buf), hv_like, 3, 0x400030, false, 0);

	assert_int_equal(parse_elf(n, &img, &why), 0);
	assert_int_equal(img.entry, 0x400030);
	assert_int_equal(img.nseg, 2);
	assert_int_equal(img.start, 0x400000);
	assert_int_equal(img.end, 0x407000);	/* 0x402000 + 0x5000 */
	assert_int_equal(img.seg[1].filesz, 0x80);
	assert_int_equal(img.seg[1].memsz, 0x5000);
}

static void test_elfimg_extends_reservation_to_hv_image_end(void **state)
{
	struct elfimg img;
	const char *why;
	size_t n = make_elf32(elf_buf, sizeof(elf_buf), hv_like, 3, 0x400030, true, 0x600000);

	assert_int_equal(parse_elf(n, &img, &why), 0);
	assert_int_equal(img.end, 0x600000);
	/* a symbol below the last segment's end cannot shrink the reservation */
	n = make_elf32(elf_buf, sizeof(elf_buf), hv_like, 3, 0x400030, true, 0x401000);
	assert_int_equal(parse_elf(n, &img, &why), 0);
	assert_int_equal(img.end, 0x407000);
}

static void test_elfimg_ignores_symbol_table_pointing_outside_the_file(void **state)
{
	struct elfimg img;
	const char *why;
	size_t n = make_elf32(elf_buf, sizeof(elf_buf), hv_like, 3, 0x400030, true, 0x600000);
	uint32_t shdr = *(uint32_t *)(elf_buf + 32);

	/* string table size runs past the end of the file */
	*(uint32_t *)(elf_buf + shdr + 80 + 20) = 0x100000;
	assert_int_equal(parse_elf(n, &img, &why), 0);
	assert_int_equal(img.end, 0x407000);
	/* string table cut just before the name's NUL: the name is not read as a match */
	*(uint32_t *)(elf_buf + shdr + 80 + 20) = 17;
	assert_int_equal(parse_elf(n, &img, &why), 0);
	assert_int_equal(img.end, 0x407000);
	/* with the NUL inside the table the same file does match */
	*(uint32_t *)(elf_buf + shdr + 80 + 20) = 18;
	assert_int_equal(parse_elf(n, &img, &why), 0);
	assert_int_equal(img.end, 0x600000);
	/* symbol table size not a whole number of entries: only whole ones are read */
	*(uint32_t *)(elf_buf + shdr + 40 + 20) = 31;
	assert_int_equal(parse_elf(n, &img, &why), 0);
	assert_int_equal(img.end, 0x407000);
}

static void test_elfimg_load_copies_file_bytes_and_zeroes_the_rest(void **state)
{
	struct elfimg img;
	const char *why;
	size_t n = make_elf32(elf_buf, sizeof(elf_buf), hv_like, 3, 0x400030, false, 0);
	uint8_t *mem;

	assert_int_equal(parse_elf(n, &img, &why), 0);
	mem = malloc(img.end - img.start);
	assert_non_null(mem);
	memset(mem, 0xEE, img.end - img.start);
	elfimg_load(elf_buf, &img, mem);
	assert_int_equal(mem[0], 0x10);
	assert_int_equal(mem[0x11FF], 0x10);
	assert_int_equal(mem[0x1200], 0);		/* gap between the segments */
	assert_int_equal(mem[0x1FFF], 0);
	assert_int_equal(mem[0x2000], 0x11);
	assert_int_equal(mem[0x207F], 0x11);
	assert_int_equal(mem[0x2080], 0);		/* bss */
	assert_int_equal(mem[img.end - img.start - 1], 0);
	free(mem);
}

static void expect_elf_error(const struct t_seg *s, int nseg, uint32_t entry, const char *text)
{
	struct elfimg img;
	const char *why;
	size_t n = make_elf32(elf_buf, sizeof(elf_buf), s, nseg, entry, false, 0);

	assert_int_equal(parse_elf(n, &img, &why), -ENOEXEC);
	assert_string_equal(why, text);
}

static void test_elfimg_rejects_bad_segments(void **state)
{
	const struct t_seg filesz_big[] = { { 1, 0x1000, 0x400000, 0, 0x2000, 0x1000 } };
	const struct t_seg past_eof[] = { { 1, 0x3F00, 0x400000, 0, 0x100, 0x100 } };
	const struct t_seg low[] = { { 1, 0x1000, 0xF0000, 0, 0x100, 0x100 } };
	const struct t_seg over_4g[] = { { 1, 0x1000, 0xFFFFF000, 0, 0x100, 0x2000 } };
	const struct t_seg overlap[] = {
		{ 1, 0x1000, 0x400000, 0, 0x100, 0x2000 },
		{ 1, 0x2000, 0x401000, 0, 0x100, 0x100 },
	};
	const struct t_seg none[] = { { 4, 0, 0, 0, 0, 0 } };
	const struct t_seg huge[] = {
		{ 1, 0x1000, 0x400000, 0, 0x100, 0x100 },
		{ 1, 0x2000, 0x30000000, 0, 0x100, 0x100 },
	};
	const struct t_seg entry_in_bss[] = { { 1, 0x1000, 0x400000, 0, 0x100, 0x1000 } };
	uint8_t *f;

	expect_elf_error(filesz_big, 1, 0x400000, "segment file size exceeds its memory size");
	/* past the end of the file: make_elf32 leaves such a segment out of the file */
	{
		struct elfimg img;
		const char *why;
		size_t n = make_elf32(elf_buf, sizeof(elf_buf), past_eof, 1, 0x400000, false, 0);

		f = dup_exact(elf_buf, n - 1);
		assert_int_equal(elfimg_parse(f, n - 1, &img, &why), -ENOEXEC);
		assert_string_equal(why, "segment extends past the end of the file");
		free(f);
	}
	expect_elf_error(low, 1, 0xF0000, "segment not between 1 MiB and 4 GiB");
	expect_elf_error(over_4g, 1, 0xFFFFF000, "segment not between 1 MiB and 4 GiB");
	expect_elf_error(overlap, 2, 0x400000, "segments overlap");
	expect_elf_error(none, 1, 0, "no loadable segment");
	expect_elf_error(huge, 2, 0x400000, "loadable segments span more than 512 MiB");
	expect_elf_error(entry_in_bss, 1, 0x400200, "entry point outside the loaded file bytes");
}

static void test_elfimg_rejects_bad_headers(void **state)
{
	struct elfimg img;
	const char *why;
	size_t n = make_elf32(elf_buf, sizeof(elf_buf), hv_like, 2, 0x400030, false, 0);
	uint8_t saved[64];

	memcpy(saved, elf_buf, sizeof(saved));
	elf_buf[1] = 'X';
	assert_int_equal(parse_elf(n, &img, &why), -ENOEXEC);
	assert_string_equal(why, "not an ELF file");
	memcpy(elf_buf, saved, sizeof(saved));
	elf_buf[4] = 2;			/* ELF64 class with an i386 header */
	assert_int_equal(parse_elf(n, &img, &why), -ENOEXEC);
	assert_string_equal(why, "ELF machine is not i386 (ELF32) or x86-64 (ELF64)");
	memcpy(elf_buf, saved, sizeof(saved));
	elf_buf[5] = 2;			/* big endian */
	assert_int_equal(parse_elf(n, &img, &why), -ENOEXEC);
	memcpy(elf_buf, saved, sizeof(saved));
	*(uint16_t *)(elf_buf + 16) = 3;	/* ET_DYN */
	assert_int_equal(parse_elf(n, &img, &why), -ENOEXEC);
	assert_string_equal(why, "not an ELF executable (ET_EXEC)");
	memcpy(elf_buf, saved, sizeof(saved));
	*(uint16_t *)(elf_buf + 42) = 40;	/* wrong e_phentsize */
	assert_int_equal(parse_elf(n, &img, &why), -ENOEXEC);
	assert_string_equal(why, "program header table outside the file");
	memcpy(elf_buf, saved, sizeof(saved));
	*(uint32_t *)(elf_buf + 28) = 0xFFFFFFF0;	/* e_phoff far away */
	assert_int_equal(parse_elf(n, &img, &why), -ENOEXEC);
	memcpy(elf_buf, saved, sizeof(saved));
	/* every truncation of a valid file is refused, never read past */
	for (size_t len = 0; len < 52 + 64; len++)
		assert_int_equal(parse_elf(len, &img, &why), -ENOEXEC);
	assert_int_equal(parse_elf(n, &img, &why), 0);
}

static void test_elfimg_accepts_elf64_x86_64(void **state)
{
	uint8_t f[0x2000] = { 0 };
	struct elfimg img;
	const char *why;

	memcpy(f, "\x7f" "ELF", 4);
	f[4] = 2; f[5] = 1; f[6] = 1;
	*(uint16_t *)(f + 16) = 2;
	*(uint16_t *)(f + 18) = 62;
	*(uint64_t *)(f + 24) = 0x1000010;	/* entry */
	*(uint64_t *)(f + 32) = 64;		/* phoff */
	*(uint16_t *)(f + 54) = 56;
	*(uint16_t *)(f + 56) = 1;
	*(uint32_t *)(f + 64) = 1;		/* PT_LOAD */
	*(uint64_t *)(f + 64 + 8) = 0x1000;	/* offset */
	*(uint64_t *)(f + 64 + 16) = 0x1000000;	/* vaddr */
	*(uint64_t *)(f + 64 + 24) = 0x1000000;	/* paddr */
	*(uint64_t *)(f + 64 + 32) = 0x800;
	*(uint64_t *)(f + 64 + 40) = 0x3000;
	assert_int_equal(elfimg_parse(f, sizeof(f), &img, &why), 0);
	assert_int_equal(img.start, 0x1000000);
	assert_int_equal(img.end, 0x1003000);
	assert_int_equal(img.entry, 0x1000010);
	f[18] = 3;	/* EM_386 in an ELF64 */
	assert_int_equal(elfimg_parse(f, sizeof(f), &img, &why), -ENOEXEC);
}

/* ------------------------------------------------------------ multiboot2 */

static uint8_t *mem_base;
static size_t mem_size;

/* The hypervisor's view of physical memory: mbi "physical" address 0x10000. */
#define T_PA	0x10000ULL
static const void *t_p2v(uint64_t pa, size_t len)
{
	if (pa < T_PA || pa - T_PA > mem_size || len > mem_size - (pa - T_PA))
		return NULL;
	return mem_base + (pa - T_PA);
}

static const uint8_t t_rsdp[36] = "RSD PTR \x42OEMID\x02\x00\x10\x00\x00\x24\x00\x00\x00"
				  "\x00\x20\x00\x00\x00\x00\x00\x00\x77";

static void test_mb2_info_reads_back_with_hypervisor_parser(void **state)
{
	static uint8_t buf[4096] __attribute__((aligned(8)));
	static struct boot_info bi;
	const struct mb2_mmap_entry mm[] = {
		{ 0, 0xA0000, MB2_MEM_RAM, 0 },
		{ 0x100000, 0x3FF00000, MB2_MEM_RAM, 0 },
		{ 0x40000000, 0x10000, MB2_MEM_ACPI, 0 },
		{ 0x40010000, 0x10000, MB2_MEM_NVS, 0 },
		{ 0xFEC00000, 0x1000, MB2_MEM_RESERVED, 0 },
	};
	const struct mb2_fb fb = { 0xC0000000, 5120, 1280, 800, 32, 16, 8, 8, 8, 0, 8 };
	struct mb2_builder b;
	long len;

	mb2_init(&b, buf, sizeof(buf));
	assert_int_equal(mb2_add_string(&b, MB2_TAG_CMDLINE, "console=com2"), 0);
	assert_int_equal(mb2_add_string(&b, MB2_TAG_LOADER, "acrn.efi"), 0);
	assert_int_equal(mb2_add_module(&b, 0x2600000, 0x2E00000, "console=ttyS0 root=/dev/sda2"), 0);
	assert_int_equal(mb2_add_module(&b, 0x2E00000, 0x2E0007D, "initrd"), 0);
	assert_int_equal(mb2_add_mmap(&b, mm, 5), 0);
	assert_int_equal(mb2_add_acpi(&b, MB2_TAG_ACPI_NEW, t_rsdp, 36), 0);
	assert_int_equal(mb2_add_framebuffer(&b, &fb), 0);
	len = mb2_finish(&b);
	assert_true(len > 0);
	assert_int_equal(len % 8, 0);
	assert_int_equal(*(uint32_t *)buf, (uint32_t)len);

	mem_base = dup_exact(buf, (size_t)len);
	mem_size = (size_t)len;
	assert_int_equal(multiboot_parse(MB2_LOADER_MAGIC, T_PA, t_p2v, &bi), 0);
	assert_string_equal(bi.cmdline, "console=com2");
	assert_string_equal(bi.loader, "acrn.efi");
	assert_int_equal(bi.mod_count, 2);
	assert_int_equal(bi.mods[0].start, 0x2600000);
	assert_int_equal(bi.mods[0].end, 0x2E00000);
	assert_string_equal(bi.mods[0].cmdline, "console=ttyS0 root=/dev/sda2");
	assert_int_equal(bi.mods[1].end - bi.mods[1].start, 0x7D);
	assert_string_equal(bi.mods[1].cmdline, "initrd");
	assert_int_equal(bi.mmap_count, 5);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(bi.mmap[i].base, mm[i].base);
		assert_int_equal(bi.mmap[i].len, mm[i].len);
		assert_int_equal(bi.mmap[i].type, mm[i].type);
	}
	assert_int_equal(boot_ram_size(&bi), 0xA0000 + 0x3FF00000);
	assert_true(bi.has_rsdp);
	assert_memory_equal(bi.rsdp, t_rsdp, 36);
	free(mem_base);
}

static void test_mb2_framebuffer_tag_layout(void **state)
{
	static uint8_t buf[256] __attribute__((aligned(8)));
	const struct mb2_fb fb = { 0x123456789000ULL, 4096, 1024, 768, 32, 16, 8, 8, 8, 0, 8 };
	struct mb2_builder b;
	uint8_t *t = buf + 8;

	mb2_init(&b, buf, sizeof(buf));
	assert_int_equal(mb2_add_framebuffer(&b, &fb), 0);
	assert_int_equal(mb2_finish(&b), 8 + 40 + 8);
	assert_int_equal(*(uint32_t *)t, MB2_TAG_FRAMEBUFFER);
	assert_int_equal(*(uint32_t *)(t + 4), 38);
	assert_int_equal(*(uint64_t *)(t + 8), 0x123456789000ULL);
	assert_int_equal(*(uint32_t *)(t + 16), 4096);
	assert_int_equal(*(uint32_t *)(t + 20), 1024);
	assert_int_equal(*(uint32_t *)(t + 24), 768);
	assert_int_equal(t[28], 32);
	assert_int_equal(t[29], 1);		/* direct RGB */
	assert_int_equal(*(uint16_t *)(t + 30), 0);
	assert_int_equal(t[32], 16);		/* red position */
	assert_int_equal(t[33], 8);
	assert_int_equal(t[36], 0);		/* blue position */
	assert_int_equal(t[38], 0);		/* padding */
	/* a pitch too small for the width is refused */
	{
		struct mb2_fb bad = fb;

		bad.pitch = 1024 * 4 - 1;
		mb2_init(&b, buf, sizeof(buf));
		assert_int_equal(mb2_add_framebuffer(&b, &bad), -EINVAL);
	}
}

static void test_mb2_builder_stops_at_capacity_and_error_sticks(void **state)
{
	uint8_t *buf = malloc(64);
	struct mb2_builder b;

	assert_non_null(buf);
	mb2_init(&b, buf, 64);
	/* 8 header + 24 tag, leaving 32: a second 24-byte tag plus the end tag fit exactly */
	assert_int_equal(mb2_add_string(&b, MB2_TAG_CMDLINE, "0123456789abcde"), 0);
	assert_int_equal(mb2_add_string(&b, MB2_TAG_LOADER, "0123456789abcde"), 0);
	assert_int_equal(mb2_add_string(&b, MB2_TAG_LOADER, ""), -ENOSPC);
	assert_int_equal(mb2_add_module(&b, 0, 1, ""), -ENOSPC);
	assert_int_equal(mb2_finish(&b), -ENOSPC);
	mb2_init(&b, buf, 64);
	assert_int_equal(mb2_add_string(&b, MB2_TAG_CMDLINE, "0123456789abcde"), 0);
	assert_int_equal(mb2_add_string(&b, MB2_TAG_LOADER, "0123456789abcde"), 0);
	assert_int_equal(mb2_finish(&b), 64);
	free(buf);
}

static void test_mb2_module_must_lie_below_4g(void **state)
{
	static uint8_t buf[256] __attribute__((aligned(8)));
	struct mb2_builder b;

	mb2_init(&b, buf, sizeof(buf));
	assert_int_equal(mb2_add_module(&b, 0xFFFFF000, 0x100000000ULL, "k"), -EINVAL);
	assert_int_equal(mb2_finish(&b), -EINVAL);
	mb2_init(&b, buf, sizeof(buf));
	assert_int_equal(mb2_add_module(&b, 0x2000, 0x1000, "k"), -EINVAL);
	mb2_init(&b, buf, sizeof(buf));
	assert_int_equal(mb2_add_acpi(&b, MB2_TAG_ACPI_NEW, t_rsdp, 20), -EINVAL);
}

/* EFI_MEMORY_DESCRIPTOR with a stride chosen by the test */
static void put_desc(uint8_t *m, size_t stride, int i, uint32_t type, uint64_t base, uint64_t pages)
{
	uint8_t *d = m + (size_t)i * stride;

	memset(d, 0xCC, stride);
	memcpy(d, &type, 4);
	memcpy(d + 8, &base, 8);
	memset(d + 16, 0, 8);
	memcpy(d + 24, &pages, 8);
	memset(d + 32, 0, 8);
}

static void test_efi_map_becomes_sorted_merged_e820(void **state)
{
	const size_t stride = 48;	/* firmware may use descriptors larger than the spec's 40 */
	uint8_t *m = malloc(12 * stride);
	struct mb2_mmap_entry out[16];
	long n;

	assert_non_null(m);
	/* deliberately unsorted */
	put_desc(m, stride, 0, 7, 0x100000, 0x700);	/* conventional 1 MiB..8 MiB */
	put_desc(m, stride, 1, 0, 0x0, 1);		/* reserved page 0 */
	put_desc(m, stride, 2, 3, 0x1000, 0x9F);	/* BS code .. 0xA0000 */
	put_desc(m, stride, 3, 4, 0x800000, 0x100);	/* BS data 8..9 MiB */
	put_desc(m, stride, 4, 1, 0x900000, 0x10);	/* loader code */
	put_desc(m, stride, 5, 2, 0x910000, 0x6F0);	/* loader data .. 16 MiB */
	put_desc(m, stride, 6, 9, 0x3F000000, 0x10);	/* ACPI reclaim */
	put_desc(m, stride, 7, 10, 0x3F010000, 0x10);	/* ACPI NVS */
	put_desc(m, stride, 8, 11, 0xFEC00000, 1);	/* MMIO */
	put_desc(m, stride, 9, 5, 0x3F020000, 2);	/* runtime code */
	put_desc(m, stride, 10, 6, 0x3F022000, 2);	/* runtime data: joins runtime code */
	put_desc(m, stride, 11, 8, 0x3F024000, 1);	/* unusable */

	n = mb2_efi_to_e820(m, 12 * stride, stride, out, 16);
	assert_int_equal(n, 7);
	assert_int_equal(out[0].base, 0);
	assert_int_equal(out[0].len, 0x1000);
	assert_int_equal(out[0].type, MB2_MEM_RESERVED);
	assert_int_equal(out[1].base, 0x1000);
	assert_int_equal(out[1].len, 0x9F000);
	assert_int_equal(out[1].type, MB2_MEM_RAM);
	/* conventional + boot services + loader memory: one RAM range 1..16 MiB */
	assert_int_equal(out[2].base, 0x100000);
	assert_int_equal(out[2].len, 0xF00000);
	assert_int_equal(out[2].type, MB2_MEM_RAM);
	assert_int_equal(out[3].type, MB2_MEM_ACPI);
	assert_int_equal(out[4].type, MB2_MEM_NVS);
	assert_int_equal(out[5].base, 0x3F020000);
	assert_int_equal(out[5].len, 0x5000);		/* runtime code+data+unusable: reserved */
	assert_int_equal(out[5].type, MB2_MEM_RESERVED);
	assert_int_equal(out[6].base, 0xFEC00000);
	for (int i = 0; i < 7; i++)
		assert_int_equal(out[i].zero, 0);
	free(m);
}

static void test_efi_map_insertion_joins_both_neighbours(void **state)
{
	uint8_t m[3 * 40];
	struct mb2_mmap_entry out[4];

	/* the third descriptor fills the hole between the first two */
	put_desc(m, 40, 0, 7, 0x0, 1);
	put_desc(m, 40, 1, 7, 0x2000, 1);
	put_desc(m, 40, 2, 4, 0x1000, 1);
	assert_int_equal(mb2_efi_to_e820(m, sizeof(m), 40, out, 4), 1);
	assert_int_equal(out[0].len, 0x3000);
}

static void test_efi_map_limits_and_bad_input(void **state)
{
	uint8_t m[4 * 40];
	struct mb2_mmap_entry out[4];

	put_desc(m, 40, 0, 7, 0x0, 1);
	put_desc(m, 40, 1, 0, 0x2000, 1);
	put_desc(m, 40, 2, 7, 0x4000, 1);
	put_desc(m, 40, 3, 0, 0x6000, 1);
	assert_int_equal(mb2_efi_to_e820(m, sizeof(m), 40, out, 3), -ENOSPC);
	assert_int_equal(mb2_efi_to_e820(m, sizeof(m), 40, out, 4), 4);
	assert_int_equal(mb2_efi_to_e820(m, sizeof(m), 39, out, 4), -EINVAL);
	/* a trailing partial descriptor is ignored, not read */
	assert_int_equal(mb2_efi_to_e820(m, sizeof(m) - 1, 40, out, 4), 3);
	/* pages running past 2^64 are clamped, zero-page entries dropped */
	put_desc(m, 40, 0, 7, 0xFFFFFFFFFFFFF000ULL, ~0ULL);
	put_desc(m, 40, 1, 7, 0x1000, 0);
	assert_int_equal(mb2_efi_to_e820(m, 2 * 40, 40, out, 4), 0);
	put_desc(m, 40, 0, 7, 0xFFFFFFFFFFF00000ULL, ~0ULL);
	assert_int_equal(mb2_efi_to_e820(m, 40, 40, out, 4), 1);
	assert_true(out[0].base + out[0].len - 1 >= out[0].base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_parses_every_key_with_blanks_comments_and_crlf),
		cmocka_unit_test(test_conf_turns_slashes_in_paths_into_backslashes),
		cmocka_unit_test(test_conf_rejects_unknown_key_and_names_its_line),
		cmocka_unit_test(test_conf_rejects_a_key_given_twice),
		cmocka_unit_test(test_conf_rejects_line_without_equals_sign),
		cmocka_unit_test(test_conf_requires_a_hypervisor_line),
		cmocka_unit_test(test_conf_rejects_initrd_without_kernel),
		cmocka_unit_test(test_conf_limits_values_to_what_the_hypervisor_keeps),
		cmocka_unit_test(test_conf_rejects_nul_and_control_bytes),
		cmocka_unit_test(test_conf_allows_utf8_in_command_lines_but_not_in_paths),
		cmocka_unit_test(test_conf_rejects_oversized_file),
		cmocka_unit_test(test_conf_example_file_parses),
		cmocka_unit_test(test_conf_resolve_path_joins_relative_and_keeps_absolute),
		cmocka_unit_test(test_elfimg_plans_hypervisor_shaped_image),
		cmocka_unit_test(test_elfimg_extends_reservation_to_hv_image_end),
		cmocka_unit_test(test_elfimg_ignores_symbol_table_pointing_outside_the_file),
		cmocka_unit_test(test_elfimg_load_copies_file_bytes_and_zeroes_the_rest),
		cmocka_unit_test(test_elfimg_rejects_bad_segments),
		cmocka_unit_test(test_elfimg_rejects_bad_headers),
		cmocka_unit_test(test_elfimg_accepts_elf64_x86_64),
		cmocka_unit_test(test_mb2_info_reads_back_with_hypervisor_parser),
		cmocka_unit_test(test_mb2_framebuffer_tag_layout),
		cmocka_unit_test(test_mb2_builder_stops_at_capacity_and_error_sticks),
		cmocka_unit_test(test_mb2_module_must_lie_below_4g),
		cmocka_unit_test(test_efi_map_becomes_sorted_merged_e820),
		cmocka_unit_test(test_efi_map_insertion_joins_both_neighbours),
		cmocka_unit_test(test_efi_map_limits_and_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

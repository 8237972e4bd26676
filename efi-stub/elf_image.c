/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ELF executable validation (System V ABI, "ELF Object File Format" and the
 * Intel386/AMD64 supplements: e_ident, Elf32/Elf64 Ehdr, Phdr, Shdr, Sym).
 * The file comes from a FAT partition: every offset, size and count in it is
 * checked against the file size before anything is read through it, with
 * 64-bit arithmetic so that no sum can wrap.
 */
#include "elf_image.h"

#include <stdbool.h>
#include <lib/errno.h>
#include <lib/string.h>

#define EI_CLASS	4
#define EI_DATA		5
#define EI_VERSION	6
#define ELFCLASS32	1
#define ELFCLASS64	2
#define ELFDATA2LSB	1
#define ET_EXEC		2
#define EM_386		3
#define EM_X86_64	62
#define PT_LOAD		1
#define SHT_SYMTAB	2
#define PAGE_4K		0x1000ULL

/* Field offsets and sizes that differ between the two classes. */
struct elfimg_layout {
	uint32_t ehdr_size, phdr_size, shdr_size, sym_size;
	uint32_t e_entry, e_phoff, e_shoff, e_phentsize, e_phnum, e_shentsize, e_shnum;
	uint32_t p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz;
	uint32_t sh_type, sh_link, sh_offset, sh_size, sh_entsize;
	uint32_t st_name, st_value;
	uint32_t word;		/* size of an address/offset field: 4 or 8 */
};

static const struct elfimg_layout elfimg_l32 = {
	52, 32, 40, 16,
	24, 28, 32, 42, 44, 46, 48,
	0, 4, 8, 12, 16, 20,
	4, 24, 16, 20, 36,
	0, 4,
	4,
};

static const struct elfimg_layout elfimg_l64 = {
	64, 56, 64, 24,
	24, 32, 40, 54, 56, 58, 60,
	0, 8, 16, 24, 32, 40,
	4, 40, 24, 32, 56,
	0, 8,
	8,
};

static uint64_t elfimg_rd(const uint8_t *p, uint32_t n)
{
	uint64_t v = 0;

	/* Little endian, any alignment. */
	while (n-- > 0)
		v = (v << 8) | p[n];
	return v;
}

static uint64_t elfimg_word(const struct elfimg_layout *l, const uint8_t *p)
{
	return elfimg_rd(p, l->word);
}

/* [off, off + count * esize) inside a file of `size` bytes? */
static bool elfimg_table_fits(uint64_t off, uint64_t count, uint64_t esize, uint64_t size)
{
	if (count > 0x10000 || esize > 0x1000)
		return false;
	return off <= size && count * esize <= size - off;
}

/* memcmp() == 0; acrn.efi's library (gnu-efi) provides no memcmp. */
static bool elfimg_same(const uint8_t *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i] != (uint8_t)b[i])
			return false;
	}
	return true;
}

/* [off, off + len) inside a file of `size` bytes? */
static bool elfimg_range_fits(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

static int elfimg_fail(const char **why, const char *text)
{
	*why = text;
	return -ENOEXEC;
}

/* Value of the symbol `name` in the first SHT_SYMTAB, or false. */
static bool elfimg_symbol(const uint8_t *f, uint64_t size, const struct elfimg_layout *l,
			  const char *name, uint64_t *value)
{
	uint64_t shoff = elfimg_word(l, f + l->e_shoff);
	uint64_t shnum = elfimg_rd(f + l->e_shnum, 2), shentsize = elfimg_rd(f + l->e_shentsize, 2);
	size_t nlen = 0;

	while (name[nlen] != '\0')
		nlen++;
	if (shnum == 0 || shentsize != l->shdr_size || !elfimg_table_fits(shoff, shnum, shentsize, size))
		return false;
	for (uint64_t i = 0; i < shnum; i++) {
		const uint8_t *sh = f + shoff + i * shentsize, *strsh;
		uint64_t off, sz, link, stroff, strsz;

		if (elfimg_rd(sh + l->sh_type, 4) != SHT_SYMTAB)
			continue;
		off = elfimg_word(l, sh + l->sh_offset);
		sz = elfimg_word(l, sh + l->sh_size);
		link = elfimg_rd(sh + l->sh_link, 4);
		if (elfimg_word(l, sh + l->sh_entsize) != l->sym_size || link >= shnum ||
		    !elfimg_range_fits(off, sz, size))
			return false;
		strsh = f + shoff + link * shentsize;
		stroff = elfimg_word(l, strsh + l->sh_offset);
		strsz = elfimg_word(l, strsh + l->sh_size);
		if (!elfimg_range_fits(stroff, strsz, size))
			return false;
		for (uint64_t s = 0; s + l->sym_size <= sz; s += l->sym_size) {
			const uint8_t *sym = f + off + s;
			uint64_t n = elfimg_rd(sym + l->st_name, 4);

			/* the name and its NUL must lie inside the string table */
			if (n >= strsz || strsz - n <= nlen)
				continue;
			if (elfimg_same(f + stroff + n, name, nlen + 1)) {
				*value = elfimg_word(l, sym + l->st_value);
				return true;
			}
		}
		return false;
	}
	return false;
}

static int elfimg_check_header(const uint8_t *f, size_t size, const struct elfimg_layout **lp,
			       const char **why)
{
	uint32_t machine;

	if (size < 16 || f[0] != 0x7F || f[1] != 'E' || f[2] != 'L' || f[3] != 'F')
		return elfimg_fail(why, "not an ELF file");
	if (f[EI_DATA] != ELFDATA2LSB || f[EI_VERSION] != 1)
		return elfimg_fail(why, "not a little-endian ELF version 1 file");
	if (f[EI_CLASS] == ELFCLASS32) {
		*lp = &elfimg_l32;
		machine = EM_386;
	} else if (f[EI_CLASS] == ELFCLASS64) {
		*lp = &elfimg_l64;
		machine = EM_X86_64;
	} else {
		return elfimg_fail(why, "unknown ELF class");
	}
	if (size < (*lp)->ehdr_size)
		return elfimg_fail(why, "file shorter than the ELF header");
	if (elfimg_rd(f + 16, 2) != ET_EXEC)
		return elfimg_fail(why, "not an ELF executable (ET_EXEC)");
	if (elfimg_rd(f + 18, 2) != machine)
		return elfimg_fail(why, "ELF machine is not i386 (ELF32) or x86-64 (ELF64)");
	return 0;
}

static int elfimg_add_seg(struct elfimg *img, const struct elfimg_layout *l, const uint8_t *ph,
			  uint64_t size, bool *identity, const char **why)
{
	struct elfimg_seg *s;
	uint64_t end;

	if (img->nseg == ELFIMG_MAX_SEGS)
		return elfimg_fail(why, "too many PT_LOAD segments");
	s = &img->seg[img->nseg];
	s->offset = elfimg_word(l, ph + l->p_offset);
	s->paddr = elfimg_word(l, ph + l->p_paddr);
	s->filesz = elfimg_word(l, ph + l->p_filesz);
	s->memsz = elfimg_word(l, ph + l->p_memsz);
	if (s->memsz == 0)
		return 0;	/* nothing to place */
	if (s->filesz > s->memsz)
		return elfimg_fail(why, "segment file size exceeds its memory size");
	if (s->offset > size || s->filesz > size - s->offset)
		return elfimg_fail(why, "segment extends past the end of the file");
	if (s->paddr < ELFIMG_MIN_ADDR || s->paddr >= ELFIMG_MAX_ADDR ||
	    s->memsz > ELFIMG_MAX_ADDR - s->paddr)
		return elfimg_fail(why, "segment not between 1 MiB and 4 GiB");
	end = s->paddr + s->memsz;
	for (uint32_t i = 0; i < img->nseg; i++) {
		if (s->paddr < img->seg[i].paddr + img->seg[i].memsz && img->seg[i].paddr < end)
			return elfimg_fail(why, "segments overlap");
	}
	if (elfimg_word(l, ph + l->p_vaddr) != s->paddr)
		*identity = false;
	if (img->nseg == 0 || s->paddr < img->start)
		img->start = s->paddr;
	if (img->nseg == 0 || end > img->end)
		img->end = end;
	img->nseg++;
	return 0;
}

int elfimg_parse(const void *buf, size_t size, struct elfimg *img, const char **why)
{
	const uint8_t *f = buf;
	const struct elfimg_layout *l = NULL;
	uint64_t phoff, phnum, phentsize, sym;
	bool identity = true, entry_ok = false;
	int ret;

	memset(img, 0, sizeof(*img));
	*why = "";
	ret = elfimg_check_header(f, size, &l, why);
	if (ret != 0)
		return ret;
	phoff = elfimg_word(l, f + l->e_phoff);
	phnum = elfimg_rd(f + l->e_phnum, 2);
	phentsize = elfimg_rd(f + l->e_phentsize, 2);
	if (phentsize != l->phdr_size || !elfimg_table_fits(phoff, phnum, phentsize, size))
		return elfimg_fail(why, "program header table outside the file");
	for (uint64_t i = 0; i < phnum; i++) {
		const uint8_t *ph = f + phoff + i * phentsize;

		if (elfimg_rd(ph + l->p_type, 4) != PT_LOAD)
			continue;
		ret = elfimg_add_seg(img, l, ph, size, &identity, why);
		if (ret != 0)
			return ret;
	}
	if (img->nseg == 0)
		return elfimg_fail(why, "no loadable segment");
	if (img->end - img->start > ELFIMG_MAX_SPAN)
		return elfimg_fail(why, "loadable segments span more than 512 MiB");

	img->entry = elfimg_word(l, f + l->e_entry);
	for (uint32_t i = 0; i < img->nseg; i++) {
		const struct elfimg_seg *s = &img->seg[i];

		if (img->entry >= s->paddr && img->entry - s->paddr < s->filesz)
			entry_ok = true;
	}
	if (!entry_ok)
		return elfimg_fail(why, "entry point outside the loaded file bytes");

	/* hv_image_end covers alignment padding after the last segment, which
	 * the hypervisor treats as its own (it hides [start, hv_image_end)
	 * from the Service VM): nothing else may be put there.  Symbol values
	 * are virtual addresses, usable only when the image is identity-linked. */
	if (identity && elfimg_symbol(f, size, l, "hv_image_end", &sym) &&
	    sym > img->end && sym <= ELFIMG_MAX_ADDR && sym - img->start <= ELFIMG_MAX_SPAN)
		img->end = sym;
	img->start &= ~(PAGE_4K - 1);
	img->end = (img->end + PAGE_4K - 1) & ~(PAGE_4K - 1);
	return 0;
}

void elfimg_load(const void *buf, const struct elfimg *img, void *dst)
{
	const uint8_t *f = buf;
	uint8_t *d = dst;

	memset(d, 0, (size_t)(img->end - img->start));
	for (uint32_t i = 0; i < img->nseg; i++) {
		const struct elfimg_seg *s = &img->seg[i];

		memcpy(d + (s->paddr - img->start), f + s->offset, (size_t)s->filesz);
	}
}

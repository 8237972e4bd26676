/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file elf_image.h
 * Validation of the hypervisor's ELF file and the plan for placing it.
 *
 * acrn.32.out is an ELF32 i386 executable whose PT_LOAD segments must land
 * at their physical addresses (p_paddr) below 4 GiB.  An ELF64 x86-64
 * executable with the same properties is accepted too.  Pure code: compiled
 * into acrn.efi and into the host tests.
 */
#ifndef EFI_STUB_ELF_IMAGE_H
#define EFI_STUB_ELF_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/** Most PT_LOAD segments accepted. */
#define ELFIMG_MAX_SEGS		8
/** Lowest load address accepted: below 1 MiB live the IVT, BDA, EBDA and ROMs. */
#define ELFIMG_MIN_ADDR		0x100000ULL
/** Highest end address: the hypervisor is entered with paging off. */
#define ELFIMG_MAX_ADDR		0x100000000ULL
/** Largest span from the first to the last loaded byte. */
#define ELFIMG_MAX_SPAN		(512ULL << 20)

/** One PT_LOAD segment: copy filesz bytes from the file, zero the rest of memsz. */
struct elfimg_seg {
	uint64_t paddr;
	uint64_t offset;
	uint64_t filesz;
	uint64_t memsz;
};

/** What acrn.efi needs to place and enter the hypervisor. */
struct elfimg {
	uint64_t entry;		/**< e_entry: physical address of the 32-bit entry */
	uint64_t start;		/**< first byte to reserve, page aligned */
	uint64_t end;		/**< end of the reservation (exclusive), page aligned */
	uint32_t nseg;
	struct elfimg_seg seg[ELFIMG_MAX_SEGS];
};

/**
 * Validate an ELF executable and compute its load plan.
 *
 * Checked: magic, class (32 with EM_386 or 64 with EM_X86_64), little endian,
 * version, ET_EXEC, program header table inside the file, 1..ELFIMG_MAX_SEGS
 * PT_LOAD segments each with filesz <= memsz, file bytes inside the file,
 * memory inside [ELFIMG_MIN_ADDR, ELFIMG_MAX_ADDR), no two segments
 * overlapping, span at most ELFIMG_MAX_SPAN, entry inside a segment's file
 * bytes.  The reservation [start, end) covers every segment and, if the
 * symbol table defines hv_image_end (the linker's end of the image, which
 * may lie beyond the last segment because of alignment), extends up to it.
 *
 * @param buf  the whole file
 * @param size its size in bytes
 * @param img  filled on success
 * @param why  on failure, set to a static English reason
 * @return 0 or -ENOEXEC
 */
int elfimg_parse(const void *buf, size_t size, struct elfimg *img, const char **why);

/**
 * Copy the segments of a validated image into memory laid out from img->start.
 * @param buf  the file given to elfimg_parse()
 * @param img  its plan
 * @param dst  img->end - img->start bytes; byte i lands at physical img->start + i.
 *             Everything not covered by file bytes (bss, gaps) is zeroed.
 */
void elfimg_load(const void *buf, const struct elfimg *img, void *dst);

#endif /* EFI_STUB_ELF_IMAGE_H */

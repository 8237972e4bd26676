/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file stub.h
 * Interfaces between the UEFI-facing parts of acrn.efi (console.c, file.c,
 * mem.c, boot.c, main.c).  Only these files include the gnu-efi headers.
 */
#ifndef EFI_STUB_STUB_H
#define EFI_STUB_STUB_H

#include <efi.h>
#include <efilib.h>

/** Highest address (inclusive) of memory the 32-bit hypervisor entry can reach. */
#define STUB_MAX_32BIT	0xFFFFFFFFULL

/** Start the console: ConOut, plus COM1 directly when ConOut does not reach it. */
void con_init(void);

/** Print one informational line, "acrn.efi: " prefixed (UEFI Print() format). */
void con_info(const CHAR16 *fmt, ...);

/** Print one error line, "acrn.efi: error: " prefixed (UEFI Print() format). */
void con_error(const CHAR16 *fmt, ...);

/**
 * Allocate pages of EfiLoaderData (or EfiLoaderCode if code is TRUE) below
 * 4 GiB, at the lowest free address at or above min_addr when there is one,
 * else anywhere below 4 GiB.  Every allocation is recorded so that
 * mem_free_all() can give it back when acrn.efi fails.
 * @return EFI_SUCCESS or the firmware's error (EFI_OUT_OF_RESOURCES ...)
 */
EFI_STATUS mem_alloc_low(UINTN pages, UINT64 min_addr, BOOLEAN code, EFI_PHYSICAL_ADDRESS *addr);

/** Allocate pages anywhere (for buffers only acrn.efi itself reads), recorded likewise. */
EFI_STATUS mem_alloc_any(UINTN pages, EFI_PHYSICAL_ADDRESS *addr);

/** Allocate pages at exactly addr (AllocateAddress), recorded like mem_alloc_low(). */
EFI_STATUS mem_alloc_at(EFI_PHYSICAL_ADDRESS addr, UINTN pages);

/** Free every recorded allocation (on the way back to the firmware). */
void mem_free_all(void);

/**
 * Fetch the UEFI memory map into a pool buffer with room to spare.
 * @param map   *map receives a buffer of *size bytes (caller frees with FreePool)
 * @param cap   *cap receives the buffer's capacity in bytes
 */
EFI_STATUS mem_get_map(EFI_MEMORY_DESCRIPTOR **map, UINTN *size, UINTN *cap, UINTN *key,
		       UINTN *desc_size);

/** A file read from the ESP. */
struct stub_file {
	const char *path;		/**< absolute ESP path, '\' separated */
	EFI_PHYSICAL_ADDRESS addr;	/**< where its bytes are (page aligned) */
	UINTN size;			/**< bytes */
};

/**
 * Open the file system acrn.efi was loaded from.
 * @param image    acrn.efi's image handle
 * @param root     receives the root directory
 * @param dir      receives acrn.efi's own directory (ASCII, absolute), size bytes
 */
EFI_STATUS file_open_root(EFI_HANDLE image, EFI_FILE_HANDLE *root, char *dir, UINTN size);

/** file_load() placement for files only acrn.efi reads: anywhere, even above 4 GiB. */
#define FILE_ANYWHERE	(~0ULL)

/**
 * Read a whole file into pages below 4 GiB at or above min_addr (see
 * mem_alloc_low()), or anywhere if min_addr is FILE_ANYWHERE.  Prints
 * "loaded PATH (N bytes) at ADDR" on success and one error line naming the
 * file on failure.
 * @param max_size  a larger file is refused (EFI_BAD_BUFFER_SIZE)
 */
EFI_STATUS file_load(EFI_FILE_HANDLE root, struct stub_file *f, UINT64 min_addr, UINT64 max_size);

/** Everything the hand-over needs. */
struct boot_plan {
	UINT64 entry;			/**< hypervisor entry (physical) */
	const char *hv_cmdline;
	struct stub_file *mods;		/**< kernel then initrd */
	const char *const *mod_cmdlines;
	UINTN nmods;
	EFI_PHYSICAL_ADDRESS staged;	/**< 0, or where the image waits to be moved */
	UINT64 image_start, image_size;	/**< final place of the image */
};

/**
 * Build the multiboot2 information, exit boot services and enter the
 * hypervisor.  Returns only on failure (boot services still usable).
 */
EFI_STATUS boot_start(EFI_HANDLE image, const struct boot_plan *plan);

#endif /* EFI_STUB_STUB_H */

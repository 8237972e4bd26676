/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file trampoline.h
 * The last code acrn.efi runs: from 64-bit long mode (UEFI) to 32-bit
 * protected mode with paging off, then into the hypervisor's multiboot2 entry.
 */
#ifndef EFI_STUB_TRAMPOLINE_H
#define EFI_STUB_TRAMPOLINE_H

#include <stdint.h>

/**
 * One block move done after paging is off: copy `copy_len` bytes from `src`
 * to `dst`, then zero `zero_len` bytes after them.  Source and destination
 * must not overlap.  A list ends with an all-zero entry.
 */
struct tramp_copy {
	uint32_t dst;
	uint32_t src;
	uint32_t copy_len;
	uint32_t zero_len;
};

/** Start and end of the position-independent trampoline code (trampoline.S). */
extern const uint8_t tramp_start[], tramp_end[];

/**
 * Signature of the trampoline once copied to a page below 4 GiB.  Never
 * returns.  Must be called with boot services exited and interrupts off,
 * from identity-mapped code; every pointer is a physical address < 4 GiB.
 * @param entry   32-bit entry point (hv_entry32)
 * @param mbi     multiboot2 information, handed over in EBX
 * @param copies  tramp_copy list run before the jump
 */
typedef void (*tramp_fn)(uint64_t entry, uint64_t mbi, uint64_t copies) __attribute__((noreturn));

#endif /* EFI_STUB_TRAMPOLINE_H */

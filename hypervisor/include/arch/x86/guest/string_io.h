/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file string_io.h
 * INS/OUTS (with or without REP) after an I/O-instruction VM exit, one
 * element per exit: the exit qualification and VM-exit instruction
 * information (SDM Vol. 3 §28.2.1 Table 28-5, §28.2.5 Table 28-8) give the
 * element size, the REP prefix, the address size and the segment; the
 * element's linear address is segment base + (E)SI or (E)DI.  After the
 * element moved, the index register steps by the size (down with
 * RFLAGS.DF), a REP count in (E)CX drops by one, and while the count is not
 * zero the instruction is not skipped: the guest executes it again (an
 * interrupt may be taken in between, as between iterations on hardware).
 *
 * Pure functions on a register array: the VMCS reads, guest-memory access
 * and the port itself are the caller's (mmio_emul.c, vmexit.c).
 */
#ifndef ARCH_X86_GUEST_STRING_IO_H
#define ARCH_X86_GUEST_STRING_IO_H

#include <stdbool.h>
#include <stdint.h>

/** VMX segment encoding of the instruction-information field. */
enum string_io_seg { STRING_IO_ES, STRING_IO_CS, STRING_IO_SS, STRING_IO_DS, STRING_IO_FS, STRING_IO_GS };

/** One element of a string I/O instruction. */
struct string_io {
	bool in;		/* INS: port to memory at ES:(E)DI; else OUTS from seg:(E)SI */
	bool rep;
	uint8_t size;		/* element bytes: 1, 2 or 4 */
	uint8_t asize;		/* address size in bytes: 2, 4 or 8 */
	uint64_t gla;		/* linear address of the element */
};

/**
 * The segment whose base the caller must read: ES for INS, the instruction's
 * (override or DS) for OUTS.
 */
enum string_io_seg string_io_segment(uint64_t qual, uint32_t info);

/**
 * Decode the exit into @p s.  @p gpr are the guest's general-purpose
 * registers (vm.h order), @p seg_base the base of string_io_segment()'s
 * segment, @p long_mode whether the guest runs 64-bit code (no 32-bit wrap
 * of the linear address).
 * @return 1: move one element at s->gla; 0: REP with a zero count, the
 *         instruction completes without any access; -EINVAL: not a string
 *         instruction or a reserved size / address-size encoding.
 */
int string_io_begin(struct string_io *s, uint64_t qual, uint32_t info, const uint64_t *gpr,
		    uint64_t seg_base, bool long_mode);

/**
 * Step the index register (and the REP count) past the element just moved;
 * @p df is RFLAGS.DF.  Only the low asize bytes change (a 32-bit address
 * size writes the whole 64-bit register zero-extended, as any 32-bit
 * register write in 64-bit mode).
 * @return true when the instruction is complete (skip it), false when the
 *         guest must execute it again for the next element.
 */
bool string_io_advance(const struct string_io *s, uint64_t *gpr, bool df);

#endif /* ARCH_X86_GUEST_STRING_IO_H */

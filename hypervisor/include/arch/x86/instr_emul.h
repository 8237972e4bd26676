/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file instr_emul.h
 * x86 instruction decoder and MMIO emulator.
 *
 * When a guest access to emulated MMIO causes an EPT violation, the exit
 * reports the guest-physical address but not what the instruction meant to
 * do.  The hypervisor fetches the instruction bytes at the guest RIP, decodes
 * them with instr_emul_decode() and completes the access with
 * instr_emul_emulate(), which updates the guest registers (destination
 * register, RFLAGS, RSI/RDI/RCX, RIP).
 *
 * The library is pure: it keeps no state between calls and reaches MMIO and
 * guest memory only through a caller-supplied struct instr_emul_ops.  The same
 * sources build freestanding into the hypervisor and on the host for the unit
 * tests and the fuzzer.  See doc/instr_emul.md for what is covered.
 *
 * Return values (negated errno):
 *  - -EAGAIN:  the buffer ended before the instruction did (fetch more bytes);
 *  - -EINVAL:  the encoding is invalid (longer than 15 bytes, LOCK on an
 *              instruction that cannot take it, no memory operand where the
 *              emulation needs one); the hypervisor should inject #UD/#GP;
 *  - -ENOTSUP: a valid instruction this library does not emulate;
 *  - anything an ops callback returned.
 */
#ifndef ARCH_X86_INSTR_EMUL_H
#define ARCH_X86_INSTR_EMUL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Architectural maximum instruction length (SDM Vol. 2A, 2.3.11). */
#define INSTR_EMUL_MAX_LEN	15U

/** RFLAGS bits the emulator reads or writes (SDM Vol. 1, 3.4.3). */
#define INSTR_EMUL_RFLAGS_CF	(1ULL << 0)
#define INSTR_EMUL_RFLAGS_PF	(1ULL << 2)
#define INSTR_EMUL_RFLAGS_AF	(1ULL << 4)
#define INSTR_EMUL_RFLAGS_ZF	(1ULL << 6)
#define INSTR_EMUL_RFLAGS_SF	(1ULL << 7)
#define INSTR_EMUL_RFLAGS_DF	(1ULL << 10)
#define INSTR_EMUL_RFLAGS_OF	(1ULL << 11)
/** The six status flags written by the arithmetic and logic instructions. */
#define INSTR_EMUL_RFLAGS_STATUS \
	(INSTR_EMUL_RFLAGS_CF | INSTR_EMUL_RFLAGS_PF | INSTR_EMUL_RFLAGS_AF | \
	 INSTR_EMUL_RFLAGS_ZF | INSTR_EMUL_RFLAGS_SF | INSTR_EMUL_RFLAGS_OF)

/** General-purpose registers in the SDM's encoding order (ModRM reg/rm + REX). */
enum instr_emul_gpr {
	INSTR_EMUL_RAX = 0, INSTR_EMUL_RCX, INSTR_EMUL_RDX, INSTR_EMUL_RBX,
	INSTR_EMUL_RSP, INSTR_EMUL_RBP, INSTR_EMUL_RSI, INSTR_EMUL_RDI,
	INSTR_EMUL_R8, INSTR_EMUL_R9, INSTR_EMUL_R10, INSTR_EMUL_R11,
	INSTR_EMUL_R12, INSTR_EMUL_R13, INSTR_EMUL_R14, INSTR_EMUL_R15,
	INSTR_EMUL_NR_GPRS
};

/** Segment registers in the SDM's Sreg encoding order. */
enum instr_emul_seg {
	INSTR_EMUL_ES = 0, INSTR_EMUL_CS, INSTR_EMUL_SS, INSTR_EMUL_DS,
	INSTR_EMUL_FS, INSTR_EMUL_GS,
	INSTR_EMUL_NR_SEGS
};

/** Processor mode of the vCPU, as the caller reads it from CR0.PE/EFER.LMA/CS.L. */
enum instr_emul_cpu_mode {
	INSTR_EMUL_MODE_REAL = 0,	/**< real or virtual-8086 mode: 16-bit defaults */
	INSTR_EMUL_MODE_PROTECTED,	/**< protected or compatibility mode: CS.D decides */
	INSTR_EMUL_MODE_64BIT,		/**< IA-32e 64-bit mode (CS.L = 1) */
};

/**
 * Guest register state the caller fills before emulation and reads back
 * after it (only fields the instruction changes are modified).
 */
struct instr_emul_regs {
	uint64_t gpr[INSTR_EMUL_NR_GPRS];	/**< indexed by enum instr_emul_gpr */
	uint64_t rip;
	uint64_t rflags;
	/** Segment base addresses, indexed by enum instr_emul_seg.  In 64-bit
	 *  mode only FS and GS bases are used (SDM Vol. 1, 3.4.2.1). */
	uint64_t seg_base[INSTR_EMUL_NR_SEGS];
	enum instr_emul_cpu_mode mode;
	bool cs_d;	/**< CS.D (default operand/address size 32) in protected mode */
};

/** What the instruction does with its operands. */
enum instr_emul_op {
	INSTR_EMUL_OP_NONE = 0,
	INSTR_EMUL_OP_MOV_TO_MEM,	/**< 88, 89, A2, A3, C6 /0, C7 /0 */
	INSTR_EMUL_OP_MOV_FROM_MEM,	/**< 8A, 8B, A0, A1 */
	INSTR_EMUL_OP_MOVZX,		/**< 0F B6, 0F B7 */
	INSTR_EMUL_OP_MOVSX,		/**< 0F BE, 0F BF, 63 (MOVSXD) */
	INSTR_EMUL_OP_STOS,		/**< AA, AB */
	INSTR_EMUL_OP_MOVS,		/**< A4, A5 */
	INSTR_EMUL_OP_ADD,		/**< 00-03, 80-83 /0 */
	INSTR_EMUL_OP_OR,		/**< 08-0B, 80-83 /1 */
	INSTR_EMUL_OP_AND,		/**< 20-23, 80-83 /4 */
	INSTR_EMUL_OP_SUB,		/**< 28-2B, 80-83 /5 */
	INSTR_EMUL_OP_XOR,		/**< 30-33, 80-83 /6 */
	INSTR_EMUL_OP_CMP,		/**< 38-3B, 80-83 /7 */
	INSTR_EMUL_OP_TEST,		/**< 84, 85, F6 /0, F7 /0 */
	INSTR_EMUL_OP_BT,		/**< 0F A3, 0F BA /4 */
};

/** Where the non-memory operand of an instruction comes from. */
enum instr_emul_src {
	INSTR_EMUL_SRC_NONE = 0,	/**< string instructions use fixed registers */
	INSTR_EMUL_SRC_REG,		/**< ModRM.reg (or rAX for moffs forms) */
	INSTR_EMUL_SRC_IMM,		/**< immediate */
};

/** Memory operand of a decoded instruction (ModRM/SIB or moffs). */
struct instr_emul_mem {
	bool present;		/**< false if ModRM.mod == 3 or no memory operand */
	bool rip_relative;	/**< effective address = next RIP + disp */
	int8_t base;		/**< GPR index, or -1 for none */
	int8_t index;		/**< GPR index, or -1 for none */
	uint8_t scale;		/**< 1, 2, 4 or 8 */
	int64_t disp;		/**< sign-extended displacement, or the moffs value */
	/** Segment after defaults and overrides; for MOVS the source segment. */
	enum instr_emul_seg seg;
};

/** Register operand of a decoded instruction. */
struct instr_emul_reg {
	uint8_t index;		/**< enum instr_emul_gpr */
	bool high8;		/**< AH/CH/DH/BH: bits 15:8 of gpr[index] (index 0-3) */
};

/** A decoded instruction.  Filled completely (zeroed first) by instr_emul_decode(). */
struct instr_emul_insn {
	enum instr_emul_op op;
	enum instr_emul_src src;
	uint8_t length;		/**< bytes, 1..15 */
	uint8_t opcode;		/**< last opcode byte */
	bool two_byte;		/**< opcode was preceded by 0F */
	uint8_t op_size;	/**< operation/destination size in bytes: 1, 2, 4, 8 */
	uint8_t mem_size;	/**< bytes read from/written to memory (MOVZX/MOVSX: source size) */
	uint8_t addr_size;	/**< effective address size in bytes: 2, 4, 8 */
	/** For ALU ops, CMP, TEST, BT: the memory operand is the first operand
	 *  (result, if any, goes to memory).  False: register is first and the
	 *  result goes to the register. */
	bool mem_is_dest;
	struct instr_emul_reg reg;	/**< valid when src == REG or the op writes a register */
	int64_t imm;		/**< immediate, sign-extended to 64 bits */
	uint8_t rep;		/**< 0, or the last of F2/F3 seen */
	bool lock;		/**< F0 */
	bool seg_override;	/**< a segment-override prefix was present */
	uint8_t rex;		/**< REX byte (0 if none) */
	uint8_t modrm;		/**< ModRM byte (0 if none) */
	bool has_modrm;
	struct instr_emul_mem mem;
};

/** Which address instr_emul_operand_gla() computes. */
enum instr_emul_operand {
	INSTR_EMUL_OPERAND_MEM = 0,	/**< ModRM/moffs operand; STOS/MOVS: ES:rDI */
	INSTR_EMUL_OPERAND_STR_SRC,	/**< MOVS source: seg:rSI */
	INSTR_EMUL_OPERAND_STR_DST,	/**< STOS/MOVS destination: ES:rDI */
};

/** The access that caused the exit (from the EPT-violation exit). */
struct instr_emul_access {
	uint64_t gpa;		/**< guest-physical address the processor accessed */
	/** The faulting access was a write.  Only MOVS needs it: true means the
	 *  destination is MMIO and the source is read with mem_read(); false
	 *  means the source is MMIO and the destination is written with
	 *  mem_write(). */
	bool is_write;
};

/**
 * Everything impure the emulator needs.  Callbacks return 0 or a negative
 * errno, which the emulator passes back unchanged without touching the
 * registers.
 */
struct instr_emul_ops {
	/** Read @p size (1, 2, 4, 8) bytes of emulated MMIO at @p gpa into *val. */
	int (*mmio_read)(void *ctx, uint64_t gpa, uint64_t *val, unsigned int size);
	/** Write the low @p size bytes of @p val to emulated MMIO at @p gpa. */
	int (*mmio_write)(void *ctx, uint64_t gpa, uint64_t val, unsigned int size);
	/** Read ordinary guest memory at linear address @p gla (MOVS only; may be NULL). */
	int (*mem_read)(void *ctx, uint64_t gla, void *buf, unsigned int size);
	/** Write ordinary guest memory at linear address @p gla (MOVS only; may be NULL). */
	int (*mem_write)(void *ctx, uint64_t gla, const void *buf, unsigned int size);
};

/**
 * Decode one instruction.
 *
 * Reads at most min(@p len, 15) bytes of @p buf and never past them.
 *
 * @param buf   instruction bytes fetched at the guest RIP
 * @param len   number of valid bytes in @p buf
 * @param mode  processor mode
 * @param cs_d  CS.D (used in protected mode only)
 * @param insn  output; zeroed and filled on success, zeroed on failure
 * @return 0, -EAGAIN (truncated), -EINVAL (invalid encoding) or -ENOTSUP
 */
int instr_emul_decode(const uint8_t *buf, size_t len, enum instr_emul_cpu_mode mode,
		      bool cs_d, struct instr_emul_insn *insn);

/**
 * Compute a guest linear address used by a decoded instruction.
 *
 * Applies the segment base (FS/GS only in 64-bit mode), truncates the
 * effective address to the address size and, outside 64-bit mode, the linear
 * address to 32 bits.  For BT with a register bit offset the address of the
 * operand-sized unit holding the bit is returned (SDM Vol. 2A, BT).
 * No segment limit or permission checks are done.
 *
 * @return 0, or -EINVAL if the instruction has no such operand
 */
int instr_emul_operand_gla(const struct instr_emul_insn *insn,
			   const struct instr_emul_regs *regs,
			   enum instr_emul_operand which, uint64_t *gla);

/**
 * Emulate a decoded instruction whose memory operand is the MMIO access
 * @p acc.
 *
 * On success the registers are updated as the processor would have: the
 * destination register, RFLAGS status flags, rSI/rDI/rCX for string
 * instructions, and RIP (advanced by the instruction length; for REP string
 * instructions only after the last iteration, see doc/instr_emul.md).
 * On failure @p regs is left unchanged.
 *
 * @return 0, -EINVAL, -ENOTSUP, or an error from @p ops
 */
int instr_emul_emulate(const struct instr_emul_insn *insn, struct instr_emul_regs *regs,
		       const struct instr_emul_access *acc,
		       const struct instr_emul_ops *ops, void *ctx);

/**
 * Decode @p buf in the mode described by @p regs, then emulate it.
 * Convenience wrapper around instr_emul_decode() and instr_emul_emulate().
 */
int instr_emul_run(const uint8_t *buf, size_t len, struct instr_emul_regs *regs,
		   const struct instr_emul_access *acc,
		   const struct instr_emul_ops *ops, void *ctx);

#endif /* ARCH_X86_INSTR_EMUL_H */

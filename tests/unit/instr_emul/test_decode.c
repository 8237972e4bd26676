/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Decoder tests: prefixes, REX, ModRM/SIB/displacement forms, immediates,
 * sizes, and the rejection paths (truncated, too long, unknown, LOCK misuse).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <lib/errno.h>
#include <arch/x86/instr_emul.h>
#include "instr_emul_tests.h"

#define M64 INSTR_EMUL_MODE_64BIT
#define MPROT INSTR_EMUL_MODE_PROTECTED
#define MREAL INSTR_EMUL_MODE_REAL

/*
 * Decode from a heap copy of exactly n bytes, so that AddressSanitizer
 * catches any read past the length the decoder was given.
 */
static int decode_exact(const uint8_t *bytes, size_t n, enum instr_emul_cpu_mode mode,
			bool cs_d, struct instr_emul_insn *insn)
{
	uint8_t *copy = malloc(n ? n : 1);
	int ret;

	assert_non_null(copy);
	memcpy(copy, bytes, n);
	ret = instr_emul_decode(copy, n, mode, cs_d, insn);
	free(copy);
	return ret;
}

#define DECODE(mode, cs_d, insn, ...) ({ \
	static const uint8_t b_[] = { __VA_ARGS__ }; \
	decode_exact(b_, sizeof(b_), (mode), (cs_d), (insn)); })

static void test_decode_mov_store_r32_basic_fields(void **state)
{
	struct instr_emul_insn in;

	/* mov [rbx], eax */
	assert_int_equal(DECODE(M64, false, &in, 0x89, 0x03), 0);
	assert_int_equal(in.op, INSTR_EMUL_OP_MOV_TO_MEM);
	assert_int_equal(in.src, INSTR_EMUL_SRC_REG);
	assert_int_equal(in.length, 2);
	assert_int_equal(in.op_size, 4);
	assert_int_equal(in.mem_size, 4);
	assert_int_equal(in.addr_size, 8);
	assert_int_equal(in.reg.index, INSTR_EMUL_RAX);
	assert_false(in.reg.high8);
	assert_true(in.mem.present);
	assert_int_equal(in.mem.base, INSTR_EMUL_RBX);
	assert_int_equal(in.mem.index, -1);
	assert_int_equal(in.mem.disp, 0);
	assert_int_equal(in.mem.seg, INSTR_EMUL_DS);
	assert_false(in.mem.rip_relative);
}

static void test_decode_rex_wrb_extend_reg_and_sib_base(void **state)
{
	struct instr_emul_insn in;

	/* mov [r12], r8 : REX.WRB, ModRM rm=100 → SIB 0x24 (no index, base 100+B) */
	assert_int_equal(DECODE(M64, false, &in, 0x4D, 0x89, 0x04, 0x24), 0);
	assert_int_equal(in.op_size, 8);
	assert_int_equal(in.reg.index, INSTR_EMUL_R8);
	assert_int_equal(in.mem.base, INSTR_EMUL_R12);
	assert_int_equal(in.mem.index, -1);
	assert_int_equal(in.length, 4);
	assert_int_equal(in.rex, 0x4D);
}

static void test_decode_rex_x_makes_index_100_r12(void **state)
{
	struct instr_emul_insn in;

	/* mov rax, [rbx + r12*4 + 0x10] : REX.WX, SIB ss=10 idx=100 base=011, disp8 */
	assert_int_equal(DECODE(M64, false, &in, 0x4A, 0x8B, 0x44, 0xA3, 0x10), 0);
	assert_int_equal(in.op, INSTR_EMUL_OP_MOV_FROM_MEM);
	assert_int_equal(in.mem.base, INSTR_EMUL_RBX);
	assert_int_equal(in.mem.index, INSTR_EMUL_R12);
	assert_int_equal(in.mem.scale, 4);
	assert_int_equal(in.mem.disp, 0x10);
	assert_int_equal(in.length, 5);

	/* same SIB without REX.X: index 100 means "no index" */
	assert_int_equal(DECODE(M64, false, &in, 0x48, 0x8B, 0x44, 0xA3, 0x10), 0);
	assert_int_equal(in.mem.index, -1);
}

static void test_decode_sib_base_101_mod00_is_disp32_without_base(void **state)
{
	struct instr_emul_insn in;

	/* mov eax, [rcx*8 + 0x12345678] */
	assert_int_equal(DECODE(M64, false, &in, 0x8B, 0x04, 0xCD, 0x78, 0x56, 0x34, 0x12), 0);
	assert_int_equal(in.mem.base, -1);
	assert_int_equal(in.mem.index, INSTR_EMUL_RCX);
	assert_int_equal(in.mem.scale, 8);
	assert_int_equal(in.mem.disp, 0x12345678);
	assert_int_equal(in.length, 7);

	/* base 101 with mod 01 is RBP + disp8, default segment SS */
	assert_int_equal(DECODE(M64, false, &in, 0x8B, 0x44, 0x25, 0xF0), 0);
	assert_int_equal(in.mem.base, INSTR_EMUL_RBP);
	assert_int_equal(in.mem.index, -1);
	assert_int_equal(in.mem.disp, -16);
	assert_int_equal(in.mem.seg, INSTR_EMUL_SS);
}

static void test_decode_mod00_rm101_is_rip_relative_only_in_64bit(void **state)
{
	struct instr_emul_insn in;

	assert_int_equal(DECODE(M64, false, &in, 0x8B, 0x05, 0x00, 0xF0, 0xFF, 0xFF), 0);
	assert_true(in.mem.rip_relative);
	assert_int_equal(in.mem.base, -1);
	assert_int_equal(in.mem.disp, -0x1000);
	assert_int_equal(in.length, 6);

	assert_int_equal(DECODE(MPROT, true, &in, 0x8B, 0x05, 0x00, 0xF0, 0xFF, 0xFF), 0);
	assert_false(in.mem.rip_relative);
	assert_int_equal(in.mem.base, -1);
	assert_int_equal(in.addr_size, 4);
}

static void test_decode_16bit_modrm_forms(void **state)
{
	struct instr_emul_insn in;

	/* real mode: mov ax, [bp+si+0x12] → SS, base BP, index SI */
	assert_int_equal(DECODE(MREAL, false, &in, 0x8B, 0x42, 0x12), 0);
	assert_int_equal(in.op_size, 2);
	assert_int_equal(in.addr_size, 2);
	assert_int_equal(in.mem.base, INSTR_EMUL_RBP);
	assert_int_equal(in.mem.index, INSTR_EMUL_RSI);
	assert_int_equal(in.mem.seg, INSTR_EMUL_SS);
	assert_int_equal(in.mem.disp, 0x12);

	/* mod 00 rm 110 is a bare disp16 in DS */
	assert_int_equal(DECODE(MREAL, false, &in, 0x89, 0x06, 0x34, 0x82), 0);
	assert_int_equal(in.mem.base, -1);
	assert_int_equal(in.mem.index, -1);
	assert_int_equal(in.mem.seg, INSTR_EMUL_DS);
	assert_int_equal(in.mem.disp, (int16_t)0x8234);
	assert_int_equal(in.length, 4);

	/* 32-bit code with 67: 16-bit addressing, [bx+di] */
	assert_int_equal(DECODE(MPROT, true, &in, 0x67, 0x8B, 0x01), 0);
	assert_int_equal(in.addr_size, 2);
	assert_int_equal(in.op_size, 4);
	assert_int_equal(in.mem.base, INSTR_EMUL_RBX);
	assert_int_equal(in.mem.index, INSTR_EMUL_RDI);
}

static void test_decode_operand_and_address_size_prefixes(void **state)
{
	struct instr_emul_insn in;

	assert_int_equal(DECODE(M64, false, &in, 0x66, 0x89, 0x03), 0);
	assert_int_equal(in.op_size, 2);
	/* REX.W wins over 66 */
	assert_int_equal(DECODE(M64, false, &in, 0x66, 0x48, 0x89, 0x03), 0);
	assert_int_equal(in.op_size, 8);
	assert_int_equal(DECODE(M64, false, &in, 0x67, 0x89, 0x03), 0);
	assert_int_equal(in.addr_size, 4);
	/* 16-bit protected mode (CS.D = 0): 66 gives 32 bits */
	assert_int_equal(DECODE(MPROT, false, &in, 0x66, 0x89, 0x03), 0);
	assert_int_equal(in.op_size, 4);
	assert_int_equal(in.addr_size, 2);
	/* 32-bit protected mode: 66 gives 16 bits */
	assert_int_equal(DECODE(MPROT, true, &in, 0x66, 0x89, 0x03), 0);
	assert_int_equal(in.op_size, 2);
	assert_int_equal(in.addr_size, 4);
}

static void test_decode_rex_followed_by_legacy_prefix_is_ignored(void **state)
{
	struct instr_emul_insn in;

	/* 48 66 89 03: the REX.W is not adjacent to the opcode → 16-bit store */
	assert_int_equal(DECODE(M64, false, &in, 0x48, 0x66, 0x89, 0x03), 0);
	assert_int_equal(in.op_size, 2);
	assert_int_equal(in.rex, 0);
	assert_int_equal(in.length, 4);
}

static void test_decode_byte_regs_high8_without_rex_low8_with_rex(void **state)
{
	struct instr_emul_insn in;

	/* mov [rbx], ah */
	assert_int_equal(DECODE(M64, false, &in, 0x88, 0x23), 0);
	assert_int_equal(in.reg.index, INSTR_EMUL_RAX);
	assert_true(in.reg.high8);
	/* mov [rbx], bh */
	assert_int_equal(DECODE(M64, false, &in, 0x88, 0x3B), 0);
	assert_int_equal(in.reg.index, INSTR_EMUL_RBX);
	assert_true(in.reg.high8);
	/* 40 88 23: mov [rbx], spl */
	assert_int_equal(DECODE(M64, false, &in, 0x40, 0x88, 0x23), 0);
	assert_int_equal(in.reg.index, INSTR_EMUL_RSP);
	assert_false(in.reg.high8);
	/* 44 88 3B: mov [rbx], r15b */
	assert_int_equal(DECODE(M64, false, &in, 0x44, 0x88, 0x3B), 0);
	assert_int_equal(in.reg.index, INSTR_EMUL_R15);
	assert_false(in.reg.high8);
	/* 32-bit mode has no REX: 88 23 is AH too */
	assert_int_equal(DECODE(MPROT, true, &in, 0x88, 0x23), 0);
	assert_true(in.reg.high8);
	/* 16/32-bit register operands never use high8 */
	assert_int_equal(DECODE(M64, false, &in, 0x89, 0x23), 0);
	assert_int_equal(in.reg.index, INSTR_EMUL_RSP);
	assert_false(in.reg.high8);
}

static void test_decode_immediate_sizes_and_sign_extension(void **state)
{
	struct instr_emul_insn in;

	/* mov qword [rbx], -2 : imm32 sign-extended */
	assert_int_equal(DECODE(M64, false, &in, 0x48, 0xC7, 0x03, 0xFE, 0xFF, 0xFF, 0xFF), 0);
	assert_int_equal(in.src, INSTR_EMUL_SRC_IMM);
	assert_int_equal(in.imm, -2);
	assert_int_equal(in.length, 7);
	/* mov word [rbx], 0x1234 : imm16 */
	assert_int_equal(DECODE(M64, false, &in, 0x66, 0xC7, 0x03, 0x34, 0x12), 0);
	assert_int_equal(in.imm, 0x1234);
	assert_int_equal(in.length, 5);
	/* and dword [rbx+8], -16 (83 /4 ib) */
	assert_int_equal(DECODE(M64, false, &in, 0x83, 0x63, 0x08, 0xF0), 0);
	assert_int_equal(in.op, INSTR_EMUL_OP_AND);
	assert_int_equal(in.imm, -16);
	assert_int_equal(in.mem.disp, 8);
	assert_int_equal(in.length, 4);
	/* cmp dword [rbx], 0x80000000 (81 /7 id) */
	assert_int_equal(DECODE(M64, false, &in, 0x81, 0x3B, 0x00, 0x00, 0x00, 0x80), 0);
	assert_int_equal(in.op, INSTR_EMUL_OP_CMP);
	assert_int_equal(in.imm, (int32_t)0x80000000);
	/* test byte [rbx], 0x81 (F6 /0 ib) */
	assert_int_equal(DECODE(M64, false, &in, 0xF6, 0x03, 0x81), 0);
	assert_int_equal(in.op, INSTR_EMUL_OP_TEST);
	assert_int_equal(in.op_size, 1);
	assert_int_equal(in.length, 3);
	/* bt dword [rbx], 5 (0F BA /4 ib) */
	assert_int_equal(DECODE(M64, false, &in, 0x0F, 0xBA, 0x23, 0x05), 0);
	assert_int_equal(in.op, INSTR_EMUL_OP_BT);
	assert_int_equal(in.imm, 5);
	assert_int_equal(in.length, 4);
	assert_true(in.two_byte);
}

static void test_decode_moffs_width_follows_address_size(void **state)
{
	struct instr_emul_insn in;

	/* 64-bit: 8-byte moffs */
	assert_int_equal(DECODE(M64, false, &in, 0xA1, 0x08, 0x00, 0xD0, 0xFE, 0, 0, 0, 0), 0);
	assert_int_equal(in.length, 9);
	assert_int_equal(in.mem.disp, 0xFED00008LL);
	assert_int_equal(in.op, INSTR_EMUL_OP_MOV_FROM_MEM);
	assert_int_equal(in.reg.index, INSTR_EMUL_RAX);
	/* 64-bit with 67: 4-byte moffs */
	assert_int_equal(DECODE(M64, false, &in, 0x67, 0xA3, 0x08, 0x00, 0xD0, 0xFE), 0);
	assert_int_equal(in.length, 6);
	assert_int_equal(in.op, INSTR_EMUL_OP_MOV_TO_MEM);
	/* 32-bit: 4-byte moffs, the value is not sign-extended */
	assert_int_equal(DECODE(MPROT, true, &in, 0xA2, 0x08, 0x00, 0xD0, 0xFE), 0);
	assert_int_equal(in.length, 5);
	assert_int_equal(in.op_size, 1);
	assert_int_equal(in.mem.disp, 0xFED00008LL);
}

static void test_decode_segment_override_recorded(void **state)
{
	struct instr_emul_insn in;

	assert_int_equal(DECODE(M64, false, &in, 0x65, 0x8B, 0x03), 0);
	assert_true(in.seg_override);
	assert_int_equal(in.mem.seg, INSTR_EMUL_GS);
	/* the last override wins */
	assert_int_equal(DECODE(MPROT, true, &in, 0x2E, 0x26, 0x8B, 0x03), 0);
	assert_int_equal(in.mem.seg, INSTR_EMUL_ES);
	/* override on an SS-default base */
	assert_int_equal(DECODE(MPROT, true, &in, 0x3E, 0x8B, 0x45, 0x00), 0);
	assert_int_equal(in.mem.seg, INSTR_EMUL_DS);
}

static void test_decode_movzx_movsx_movsxd_sizes(void **state)
{
	struct instr_emul_insn in;

	assert_int_equal(DECODE(M64, false, &in, 0x0F, 0xB6, 0x03), 0);
	assert_int_equal(in.op, INSTR_EMUL_OP_MOVZX);
	assert_int_equal(in.op_size, 4);
	assert_int_equal(in.mem_size, 1);
	assert_int_equal(DECODE(M64, false, &in, 0x48, 0x0F, 0xBF, 0x03), 0);
	assert_int_equal(in.op, INSTR_EMUL_OP_MOVSX);
	assert_int_equal(in.op_size, 8);
	assert_int_equal(in.mem_size, 2);
	assert_int_equal(DECODE(M64, false, &in, 0x48, 0x63, 0x03), 0);
	assert_int_equal(in.op, INSTR_EMUL_OP_MOVSX);
	assert_int_equal(in.op_size, 8);
	assert_int_equal(in.mem_size, 4);
	/* movzx r8-destination byte register is never high8 (op_size >= 2) */
	assert_int_equal(DECODE(M64, false, &in, 0x0F, 0xB6, 0x23), 0);
	assert_int_equal(in.reg.index, INSTR_EMUL_RSP);
	assert_false(in.reg.high8);
}

static void test_decode_truncated_input_returns_eagain_without_overread(void **state)
{
	static const uint8_t full[] = { 0xF3, 0x67, 0x4A, 0x8B, 0x84, 0xA3, 0x78, 0x56, 0x34, 0x12 };
	struct instr_emul_insn in;

	assert_int_equal(decode_exact(full, sizeof(full), M64, false, &in), 0);
	assert_int_equal(in.length, sizeof(full));
	for (size_t n = 0; n < sizeof(full); n++) {
		assert_int_equal(decode_exact(full, n, M64, false, &in), -EAGAIN);
		/* a failed decode leaves nothing half-filled */
		assert_int_equal(in.length, 0);
		assert_int_equal(in.op, INSTR_EMUL_OP_NONE);
	}
}

static void test_decode_extra_bytes_after_instruction_are_not_consumed(void **state)
{
	struct instr_emul_insn in;

	assert_int_equal(DECODE(M64, false, &in, 0x89, 0x03, 0x0F, 0x0B, 0xFF), 0);
	assert_int_equal(in.length, 2);
}

static void test_decode_16_byte_instruction_is_invalid(void **state)
{
	uint8_t b[20];
	struct instr_emul_insn in;

	/* 13 prefixes + 89 03 = 15 bytes: the architectural maximum */
	memset(b, 0x66, sizeof(b));
	b[13] = 0x89;
	b[14] = 0x03;
	assert_int_equal(decode_exact(b, 15, M64, false, &in), 0);
	assert_int_equal(in.length, 15);

	/* 14 prefixes + 89 03 = 16 bytes */
	memset(b, 0x66, sizeof(b));
	b[14] = 0x89;
	b[15] = 0x03;
	assert_int_equal(decode_exact(b, 16, M64, false, &in), -EINVAL);
	/* even when the caller supplies only 15 of them */
	assert_int_equal(decode_exact(b, 15, M64, false, &in), -EINVAL);
	/* 15 bytes of prefixes alone */
	memset(b, 0x2E, sizeof(b));
	assert_int_equal(decode_exact(b, sizeof(b), M64, false, &in), -EINVAL);
	/* disp32 that runs over byte 15 */
	memset(b, 0x3E, sizeof(b));
	b[9] = 0x8B;
	b[10] = 0x05;	/* disp32 in bytes 11..14: exactly 15 */
	assert_int_equal(decode_exact(b, sizeof(b), M64, false, &in), 0);
	assert_int_equal(in.length, 15);
	memset(b, 0x3E, sizeof(b));
	b[10] = 0x8B;
	b[11] = 0x05;	/* disp32 in bytes 12..15: one too many */
	assert_int_equal(decode_exact(b, sizeof(b), M64, false, &in), -EINVAL);
}

static void test_decode_unknown_opcodes_return_enotsup(void **state)
{
	struct instr_emul_insn in;

	assert_int_equal(DECODE(M64, false, &in, 0x90), -ENOTSUP);		/* nop */
	assert_int_equal(DECODE(M64, false, &in, 0x0F, 0x0B), -ENOTSUP);	/* ud2 */
	assert_int_equal(DECODE(M64, false, &in, 0xF6, 0x13), -ENOTSUP);	/* not byte [rbx] */
	assert_int_equal(DECODE(M64, false, &in, 0x80, 0x13, 0x01), -ENOTSUP);	/* adc */
	assert_int_equal(DECODE(M64, false, &in, 0x83, 0x1B, 0x01), -ENOTSUP);	/* sbb */
	assert_int_equal(DECODE(M64, false, &in, 0xC7, 0x0B, 0, 0, 0, 0), -ENOTSUP); /* C7 /1 */
	assert_int_equal(DECODE(M64, false, &in, 0x0F, 0xBA, 0x2B, 0x01), -ENOTSUP); /* bts */
	/* 63 is ARPL outside 64-bit mode */
	assert_int_equal(DECODE(MPROT, true, &in, 0x63, 0x03), -ENOTSUP);
	/* 48 is DEC EAX outside 64-bit mode, not REX.W */
	assert_int_equal(DECODE(MPROT, true, &in, 0x48, 0x89, 0x03), -ENOTSUP);
	assert_int_equal(in.op, INSTR_EMUL_OP_NONE);
}

static void test_decode_lock_only_on_rmw_with_memory_destination(void **state)
{
	struct instr_emul_insn in;

	/* lock or [rbx], eax and lock add dword [rbx], 1 are fine */
	assert_int_equal(DECODE(M64, false, &in, 0xF0, 0x09, 0x03), 0);
	assert_true(in.lock);
	assert_int_equal(DECODE(M64, false, &in, 0xF0, 0x83, 0x03, 0x01), 0);
	/* lock mov, lock cmp, lock test, lock bt: #UD */
	assert_int_equal(DECODE(M64, false, &in, 0xF0, 0x89, 0x03), -EINVAL);
	assert_int_equal(DECODE(M64, false, &in, 0xF0, 0x39, 0x03), -EINVAL);
	assert_int_equal(DECODE(M64, false, &in, 0xF0, 0x85, 0x03), -EINVAL);
	assert_int_equal(DECODE(M64, false, &in, 0xF0, 0x0F, 0xA3, 0x03), -EINVAL);
	/* lock with a register destination (or eax, [rbx]) or register operand */
	assert_int_equal(DECODE(M64, false, &in, 0xF0, 0x0B, 0x03), -EINVAL);
	assert_int_equal(DECODE(M64, false, &in, 0xF0, 0x09, 0xC3), -EINVAL);
	/* lock stos */
	assert_int_equal(DECODE(M64, false, &in, 0xF0, 0xAB), -EINVAL);
}

static void test_decode_register_form_has_no_memory_operand(void **state)
{
	struct instr_emul_insn in;

	assert_int_equal(DECODE(M64, false, &in, 0x89, 0xC3), 0);	/* mov ebx, eax */
	assert_false(in.mem.present);
	assert_int_equal(in.length, 2);
}

static void test_decode_string_ops_and_rep(void **state)
{
	struct instr_emul_insn in;

	assert_int_equal(DECODE(M64, false, &in, 0xF3, 0x48, 0xAB), 0);
	assert_int_equal(in.op, INSTR_EMUL_OP_STOS);
	assert_int_equal(in.rep, 0xF3);
	assert_int_equal(in.op_size, 8);
	assert_int_equal(DECODE(M64, false, &in, 0x64, 0xA4), 0);
	assert_int_equal(in.op, INSTR_EMUL_OP_MOVS);
	assert_int_equal(in.op_size, 1);
	assert_int_equal(in.rep, 0);
	assert_int_equal(in.mem.seg, INSTR_EMUL_FS);
}

static void test_decode_rejects_null_and_bad_mode(void **state)
{
	struct instr_emul_insn in;
	static const uint8_t b[] = { 0x89, 0x03 };

	assert_int_equal(instr_emul_decode(NULL, 2, M64, false, &in), -EINVAL);
	assert_int_equal(instr_emul_decode(b, 2, M64, false, NULL), -EINVAL);
	assert_int_equal(instr_emul_decode(b, 2, (enum instr_emul_cpu_mode)7, false, &in), -EINVAL);
}

const struct CMUnitTest instr_decode_tests[] = {
	cmocka_unit_test(test_decode_mov_store_r32_basic_fields),
	cmocka_unit_test(test_decode_rex_wrb_extend_reg_and_sib_base),
	cmocka_unit_test(test_decode_rex_x_makes_index_100_r12),
	cmocka_unit_test(test_decode_sib_base_101_mod00_is_disp32_without_base),
	cmocka_unit_test(test_decode_mod00_rm101_is_rip_relative_only_in_64bit),
	cmocka_unit_test(test_decode_16bit_modrm_forms),
	cmocka_unit_test(test_decode_operand_and_address_size_prefixes),
	cmocka_unit_test(test_decode_rex_followed_by_legacy_prefix_is_ignored),
	cmocka_unit_test(test_decode_byte_regs_high8_without_rex_low8_with_rex),
	cmocka_unit_test(test_decode_immediate_sizes_and_sign_extension),
	cmocka_unit_test(test_decode_moffs_width_follows_address_size),
	cmocka_unit_test(test_decode_segment_override_recorded),
	cmocka_unit_test(test_decode_movzx_movsx_movsxd_sizes),
	cmocka_unit_test(test_decode_truncated_input_returns_eagain_without_overread),
	cmocka_unit_test(test_decode_extra_bytes_after_instruction_are_not_consumed),
	cmocka_unit_test(test_decode_16_byte_instruction_is_invalid),
	cmocka_unit_test(test_decode_unknown_opcodes_return_enotsup),
	cmocka_unit_test(test_decode_lock_only_on_rmw_with_memory_destination),
	cmocka_unit_test(test_decode_register_form_has_no_memory_operand),
	cmocka_unit_test(test_decode_string_ops_and_rep),
	cmocka_unit_test(test_decode_rejects_null_and_bad_mode),
};
const size_t instr_decode_ntests = sizeof(instr_decode_tests) / sizeof(instr_decode_tests[0]);

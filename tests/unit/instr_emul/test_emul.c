/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Emulation tests: every emulated form against the fake MMIO device, with
 * the exact gpa/size/value of each access, the resulting registers and
 * RFLAGS, REP/DF string handling, and failure paths.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <lib/errno.h>
#include <arch/x86/instr_emul.h>
#include "fake_mmio.h"
#include "instr_emul_tests.h"

#define CF INSTR_EMUL_RFLAGS_CF
#define PF INSTR_EMUL_RFLAGS_PF
#define AF INSTR_EMUL_RFLAGS_AF
#define ZF INSTR_EMUL_RFLAGS_ZF
#define SF INSTR_EMUL_RFLAGS_SF
#define OF INSTR_EMUL_RFLAGS_OF
#define DF INSTR_EMUL_RFLAGS_DF
#define STATUS INSTR_EMUL_RFLAGS_STATUS

#define GPA(off) (FAKE_MMIO_BASE + (off))
#define RIP0 0x401000ULL

static struct fake_dev dev;

static struct instr_emul_regs regs_mode(enum instr_emul_cpu_mode mode, bool cs_d)
{
	struct instr_emul_regs r;

	memset(&r, 0, sizeof(r));
	for (unsigned int i = 0; i < INSTR_EMUL_NR_GPRS; i++)
		r.gpr[i] = 0x1111111111111111ULL * (i + 1);	/* distinct junk */
	r.rip = RIP0;
	r.rflags = 0x2;
	r.mode = mode;
	r.cs_d = cs_d;
	fake_reset(&dev);
	return r;
}

static struct instr_emul_regs regs64(void)
{
	return regs_mode(INSTR_EMUL_MODE_64BIT, false);
}

static int emul_bytes(struct instr_emul_regs *r, uint64_t gpa, bool is_write,
		      const struct instr_emul_ops *ops, const uint8_t *b, size_t n)
{
	struct instr_emul_access acc = { .gpa = gpa, .is_write = is_write };

	return instr_emul_run(b, n, r, &acc, ops, &dev);
}

#define EMUL(r, gpa, is_write, ...) ({ \
	static const uint8_t b_[] = { __VA_ARGS__ }; \
	emul_bytes((r), (gpa), (is_write), &fake_ops, b_, sizeof(b_)); })

static void assert_log(unsigned int i, enum fake_kind kind, uint64_t addr,
		       unsigned int size, uint64_t val)
{
	assert_true(i < dev.nlog);
	assert_int_equal(dev.log[i].kind, kind);
	assert_int_equal(dev.log[i].addr, addr);
	assert_int_equal(dev.log[i].size, size);
	assert_int_equal(dev.log[i].val, val);
}

/* ---- MOV ---------------------------------------------------------------- */

static void test_mov_store_reg_all_sizes(void **state)
{
	struct instr_emul_regs r = regs64();
	const uint64_t rax = 0x8877665544332211ULL;

	r.gpr[INSTR_EMUL_RAX] = rax;
	assert_int_equal(EMUL(&r, GPA(0x10), true, 0x88, 0x03), 0);		/* mov [rbx], al */
	assert_int_equal(EMUL(&r, GPA(0x10), true, 0x66, 0x89, 0x03), 0);	/* ax */
	assert_int_equal(EMUL(&r, GPA(0x10), true, 0x89, 0x03), 0);		/* eax */
	assert_int_equal(EMUL(&r, GPA(0x10), true, 0x48, 0x89, 0x03), 0);	/* rax */
	assert_int_equal(dev.nlog, 4);
	assert_log(0, FAKE_MMIO_WRITE, GPA(0x10), 1, 0x11);
	assert_log(1, FAKE_MMIO_WRITE, GPA(0x10), 2, 0x2211);
	assert_log(2, FAKE_MMIO_WRITE, GPA(0x10), 4, 0x44332211);
	assert_log(3, FAKE_MMIO_WRITE, GPA(0x10), 8, rax);
	/* stores change no register but RIP */
	assert_int_equal(r.gpr[INSTR_EMUL_RAX], rax);
	assert_int_equal(r.rip, RIP0 + 2 + 3 + 2 + 3);
	assert_int_equal(r.rflags, 0x2);
}

static void test_mov_store_high8_and_rex_byte_regs(void **state)
{
	struct instr_emul_regs r = regs64();

	r.gpr[INSTR_EMUL_RAX] = 0xAABB;
	r.gpr[INSTR_EMUL_RSP] = 0x77;
	r.gpr[INSTR_EMUL_R15] = 0x1F;
	assert_int_equal(EMUL(&r, GPA(0), true, 0x88, 0x23), 0);		/* ah */
	assert_int_equal(EMUL(&r, GPA(1), true, 0x40, 0x88, 0x23), 0);	/* spl */
	assert_int_equal(EMUL(&r, GPA(2), true, 0x44, 0x88, 0x3B), 0);	/* r15b */
	assert_log(0, FAKE_MMIO_WRITE, GPA(0), 1, 0xAA);
	assert_log(1, FAKE_MMIO_WRITE, GPA(1), 1, 0x77);
	assert_log(2, FAKE_MMIO_WRITE, GPA(2), 1, 0x1F);
}

static void test_mov_load_32bit_zero_extends_to_64(void **state)
{
	struct instr_emul_regs r = regs64();

	r.gpr[INSTR_EMUL_RAX] = ~0ULL;
	fake_mmio_set(&dev, 0x20, 0x89ABCDEF, 4);
	assert_int_equal(EMUL(&r, GPA(0x20), false, 0x8B, 0x03), 0);
	assert_int_equal(r.gpr[INSTR_EMUL_RAX], 0x0000000089ABCDEFULL);
	assert_log(0, FAKE_MMIO_READ, GPA(0x20), 4, 0x89ABCDEF);
	assert_int_equal(dev.nlog, 1);
	assert_int_equal(r.rip, RIP0 + 2);
}

static void test_mov_load_8_16_bit_preserve_upper_bits(void **state)
{
	struct instr_emul_regs r = regs64();

	fake_mmio_set(&dev, 0, 0xBEEF, 2);
	r.gpr[INSTR_EMUL_RCX] = 0x1122334455667788ULL;
	assert_int_equal(EMUL(&r, GPA(0), false, 0x66, 0x8B, 0x0B), 0);	/* mov cx, [rbx] */
	assert_int_equal(r.gpr[INSTR_EMUL_RCX], 0x112233445566BEEFULL);
	assert_int_equal(EMUL(&r, GPA(0), false, 0x8A, 0x0B), 0);		/* mov cl, [rbx] */
	assert_int_equal(r.gpr[INSTR_EMUL_RCX], 0x112233445566BEEFULL);
	assert_int_equal(EMUL(&r, GPA(1), false, 0x8A, 0x0B), 0);		/* cl = 0xBE */
	assert_int_equal(r.gpr[INSTR_EMUL_RCX], 0x112233445566BEBEULL);
	assert_log(0, FAKE_MMIO_READ, GPA(0), 2, 0xBEEF);
	assert_log(1, FAKE_MMIO_READ, GPA(0), 1, 0xEF);
}

static void test_mov_load_ah_writes_bits_15_8_and_sil_with_rex(void **state)
{
	struct instr_emul_regs r = regs64();

	fake_mmio_set(&dev, 0, 0x5A, 1);
	r.gpr[INSTR_EMUL_RAX] = 0xFFFFFFFFFFFF0011ULL;
	assert_int_equal(EMUL(&r, GPA(0), false, 0x8A, 0x23), 0);		/* mov ah, [rbx] */
	assert_int_equal(r.gpr[INSTR_EMUL_RAX], 0xFFFFFFFFFFFF5A11ULL);
	r.gpr[INSTR_EMUL_RSI] = 0x123456789ABCDEF0ULL;
	r.gpr[INSTR_EMUL_RDX] = 0xFFFF;
	assert_int_equal(EMUL(&r, GPA(0), false, 0x40, 0x8A, 0x33), 0);	/* mov sil, [rbx] */
	assert_int_equal(r.gpr[INSTR_EMUL_RSI], 0x123456789ABCDE5AULL);
	assert_int_equal(r.gpr[INSTR_EMUL_RDX], 0xFFFF);	/* not DH */
}

static void test_mov_load_rex_r_reaches_r8_to_r15(void **state)
{
	struct instr_emul_regs r = regs64();

	fake_mmio_set(&dev, 8, 0x0123456789ABCDEFULL, 8);
	/* mov r13, [rbx+8] */
	assert_int_equal(EMUL(&r, GPA(8), false, 0x4C, 0x8B, 0x6B, 0x08), 0);
	assert_int_equal(r.gpr[INSTR_EMUL_R13], 0x0123456789ABCDEFULL);
	assert_int_equal(r.gpr[INSTR_EMUL_RBP], 0x6666666666666666ULL);
	assert_log(0, FAKE_MMIO_READ, GPA(8), 8, 0x0123456789ABCDEFULL);
	assert_int_equal(r.rip, RIP0 + 4);
}

static void test_mov_imm_c6_c7_store_immediates(void **state)
{
	struct instr_emul_regs r = regs64();

	assert_int_equal(EMUL(&r, GPA(0), true, 0xC6, 0x03, 0xAB), 0);
	assert_int_equal(EMUL(&r, GPA(0), true, 0x66, 0xC7, 0x03, 0x34, 0x12), 0);
	assert_int_equal(EMUL(&r, GPA(0), true, 0xC7, 0x03, 0x78, 0x56, 0x34, 0x92), 0);
	assert_int_equal(EMUL(&r, GPA(0), true, 0x48, 0xC7, 0x03, 0xFE, 0xFF, 0xFF, 0xFF), 0);
	assert_log(0, FAKE_MMIO_WRITE, GPA(0), 1, 0xAB);
	assert_log(1, FAKE_MMIO_WRITE, GPA(0), 2, 0x1234);
	assert_log(2, FAKE_MMIO_WRITE, GPA(0), 4, 0x92345678);
	assert_log(3, FAKE_MMIO_WRITE, GPA(0), 8, 0xFFFFFFFFFFFFFFFEULL);
	assert_int_equal(r.rip, RIP0 + 3 + 5 + 6 + 7);
}

static void test_mov_moffs_load_and_store(void **state)
{
	struct instr_emul_regs r = regs64();

	fake_mmio_set(&dev, 0x40, 0xCAFEF00DDEADBEEFULL, 8);
	/* mov rax, [0xFED00040] */
	assert_int_equal(EMUL(&r, GPA(0x40), false,
			      0x48, 0xA1, 0x40, 0x00, 0xD0, 0xFE, 0, 0, 0, 0), 0);
	assert_int_equal(r.gpr[INSTR_EMUL_RAX], 0xCAFEF00DDEADBEEFULL);
	assert_int_equal(r.rip, RIP0 + 10);
	/* mov al, [moffs] preserves the rest of RAX */
	assert_int_equal(EMUL(&r, GPA(0x41), false,
			      0xA0, 0x41, 0x00, 0xD0, 0xFE, 0, 0, 0, 0), 0);
	assert_int_equal(r.gpr[INSTR_EMUL_RAX], 0xCAFEF00DDEADBEBEULL);
	/* 32-bit mode: mov [moffs32], eax */
	r = regs_mode(INSTR_EMUL_MODE_PROTECTED, true);
	r.gpr[INSTR_EMUL_RAX] = 0xFFFFFFFF12345678ULL;
	assert_int_equal(EMUL(&r, GPA(0x44), true, 0xA3, 0x44, 0x00, 0xD0, 0xFE), 0);
	assert_log(0, FAKE_MMIO_WRITE, GPA(0x44), 4, 0x12345678);
	assert_int_equal(r.rip, RIP0 + 5);
}

static void test_movzx_movsx_movsxd_extend(void **state)
{
	struct instr_emul_regs r = regs64();

	fake_mmio_set(&dev, 0, 0x8081, 2);
	assert_int_equal(EMUL(&r, GPA(0), false, 0x0F, 0xB6, 0x03), 0);	/* movzx eax, byte */
	assert_int_equal(r.gpr[INSTR_EMUL_RAX], 0x81);
	assert_int_equal(EMUL(&r, GPA(0), false, 0x0F, 0xB7, 0x03), 0);	/* movzx eax, word */
	assert_int_equal(r.gpr[INSTR_EMUL_RAX], 0x8081);
	assert_int_equal(EMUL(&r, GPA(0), false, 0x0F, 0xBE, 0x03), 0);	/* movsx eax, byte */
	assert_int_equal(r.gpr[INSTR_EMUL_RAX], 0xFFFFFF81ULL);
	assert_int_equal(EMUL(&r, GPA(0), false, 0x48, 0x0F, 0xBF, 0x03), 0); /* movsx rax, word */
	assert_int_equal(r.gpr[INSTR_EMUL_RAX], 0xFFFFFFFFFFFF8081ULL);
	r.gpr[INSTR_EMUL_RAX] = 0x1234567890ABCDEFULL;
	assert_int_equal(EMUL(&r, GPA(0), false, 0x66, 0x0F, 0xBE, 0x03), 0); /* movsx ax, byte */
	assert_int_equal(r.gpr[INSTR_EMUL_RAX], 0x1234567890ABFF81ULL);
	fake_mmio_set(&dev, 4, 0x80000000, 4);
	assert_int_equal(EMUL(&r, GPA(4), false, 0x48, 0x63, 0x03), 0);	/* movsxd rax, dword */
	assert_int_equal(r.gpr[INSTR_EMUL_RAX], 0xFFFFFFFF80000000ULL);
	/* the memory access has the source size, not the destination size */
	assert_log(0, FAKE_MMIO_READ, GPA(0), 1, 0x81);
	assert_log(1, FAKE_MMIO_READ, GPA(0), 2, 0x8081);
	assert_log(3, FAKE_MMIO_READ, GPA(0), 2, 0x8081);
	assert_log(5, FAKE_MMIO_READ, GPA(4), 4, 0x80000000);
}

static void test_mmio_read_junk_above_size_is_masked(void **state)
{
	struct instr_emul_regs r = regs64();

	fake_mmio_set(&dev, 0, 0x7F, 1);
	dev.read_junk = 0xFFFFFFFFFFFFFFULL;
	assert_int_equal(EMUL(&r, GPA(0), false, 0x0F, 0xB6, 0x03), 0);
	assert_int_equal(r.gpr[INSTR_EMUL_RAX], 0x7F);
	assert_int_equal(EMUL(&r, GPA(0), false, 0x8B, 0x03), 0);
	assert_int_equal(r.gpr[INSTR_EMUL_RAX], 0x7F);
}

/* ---- addressing ----------------------------------------------------------- */

static void test_gla_rip_relative_uses_next_rip(void **state)
{
	struct instr_emul_regs r = regs64();
	struct instr_emul_insn in;
	static const uint8_t b[] = { 0x8B, 0x05, 0x00, 0xF0, 0xFF, 0xFF };	/* [rip-0x1000] */
	uint64_t gla;

	assert_int_equal(instr_emul_decode(b, sizeof(b), r.mode, r.cs_d, &in), 0);
	assert_int_equal(instr_emul_operand_gla(&in, &r, INSTR_EMUL_OPERAND_MEM, &gla), 0);
	assert_int_equal(gla, RIP0 + 6 - 0x1000);
}

static void test_gla_sib_index_scale_disp(void **state)
{
	struct instr_emul_regs r = regs64();
	struct instr_emul_insn in;
	/* mov rax, [rbx + r12*4 + 0x10] */
	static const uint8_t b[] = { 0x4A, 0x8B, 0x44, 0xA3, 0x10 };
	/* mov eax, [ebx + ecx*2 - 4] with 67 in long mode: wraps at 32 bits */
	static const uint8_t b67[] = { 0x67, 0x8B, 0x44, 0x4B, 0xFC };
	uint64_t gla;

	r.gpr[INSTR_EMUL_RBX] = 0x100000;
	r.gpr[INSTR_EMUL_R12] = 0x30;
	assert_int_equal(instr_emul_decode(b, sizeof(b), r.mode, r.cs_d, &in), 0);
	assert_int_equal(instr_emul_operand_gla(&in, &r, INSTR_EMUL_OPERAND_MEM, &gla), 0);
	assert_int_equal(gla, 0x100000 + 0x30 * 4 + 0x10);

	r.gpr[INSTR_EMUL_RBX] = 0xAAAAAAAA00000000ULL;
	r.gpr[INSTR_EMUL_RCX] = 1;
	assert_int_equal(instr_emul_decode(b67, sizeof(b67), r.mode, r.cs_d, &in), 0);
	assert_int_equal(instr_emul_operand_gla(&in, &r, INSTR_EMUL_OPERAND_MEM, &gla), 0);
	assert_int_equal(gla, 0xFFFFFFFEULL);
}

static void test_gla_segment_override_rules(void **state)
{
	struct instr_emul_regs r = regs64();
	struct instr_emul_insn in;
	static const uint8_t fs_mov[] = { 0x64, 0x8B, 0x03 };
	static const uint8_t gs_mov[] = { 0x65, 0x8B, 0x03 };
	static const uint8_t ds_mov[] = { 0x3E, 0x8B, 0x03 };
	static const uint8_t es_mov[] = { 0x26, 0x8B, 0x03 };
	static const uint8_t ss_mov[] = { 0x8B, 0x45, 0x08 };	/* [ebp+8] */
	uint64_t gla;

	r.seg_base[INSTR_EMUL_FS] = 0x7FFF00000000ULL;
	r.seg_base[INSTR_EMUL_DS] = 0x5000;
	r.seg_base[INSTR_EMUL_ES] = 0xFFFFF000;
	r.seg_base[INSTR_EMUL_SS] = 0x300;
	r.gpr[INSTR_EMUL_RBX] = 0x2000;
	r.gpr[INSTR_EMUL_RBP] = 0x100;
	/* 64-bit: FS base applies, DS base is treated as 0 */
	assert_int_equal(instr_emul_decode(fs_mov, 3, r.mode, r.cs_d, &in), 0);
	assert_int_equal(instr_emul_operand_gla(&in, &r, INSTR_EMUL_OPERAND_MEM, &gla), 0);
	assert_int_equal(gla, 0x7FFF00002000ULL);
	r.seg_base[INSTR_EMUL_GS] = 0xFFFF888000000000ULL;
	assert_int_equal(instr_emul_decode(gs_mov, 3, r.mode, r.cs_d, &in), 0);
	assert_int_equal(instr_emul_operand_gla(&in, &r, INSTR_EMUL_OPERAND_MEM, &gla), 0);
	assert_int_equal(gla, 0xFFFF888000002000ULL);
	assert_int_equal(instr_emul_decode(ds_mov, 3, r.mode, r.cs_d, &in), 0);
	assert_int_equal(instr_emul_operand_gla(&in, &r, INSTR_EMUL_OPERAND_MEM, &gla), 0);
	assert_int_equal(gla, 0x2000);
	/* 32-bit: ES override base applies, linear address wraps at 4 GiB */
	r.mode = INSTR_EMUL_MODE_PROTECTED;
	r.cs_d = true;
	assert_int_equal(instr_emul_decode(es_mov, 3, r.mode, r.cs_d, &in), 0);
	assert_int_equal(instr_emul_operand_gla(&in, &r, INSTR_EMUL_OPERAND_MEM, &gla), 0);
	assert_int_equal(gla, 0x1000);
	/* EBP base defaults to SS */
	assert_int_equal(instr_emul_decode(ss_mov, 3, r.mode, r.cs_d, &in), 0);
	assert_int_equal(instr_emul_operand_gla(&in, &r, INSTR_EMUL_OPERAND_MEM, &gla), 0);
	assert_int_equal(gla, 0x300 + 0x108);
	/* a register-only form has no memory operand */
	static const uint8_t reg_form[] = { 0x89, 0xC3 };
	assert_int_equal(instr_emul_decode(reg_form, 2, r.mode, r.cs_d, &in), 0);
	assert_int_equal(instr_emul_operand_gla(&in, &r, INSTR_EMUL_OPERAND_MEM, &gla), -EINVAL);
}

static void test_gla_real_mode_16bit_wraps_offset(void **state)
{
	struct instr_emul_regs r = regs_mode(INSTR_EMUL_MODE_REAL, false);
	struct instr_emul_insn in;
	static const uint8_t b[] = { 0x8B, 0x40, 0x10 };	/* mov ax, [bx+si+0x10] */
	uint64_t gla;

	r.seg_base[INSTR_EMUL_DS] = 0xF0000;
	r.gpr[INSTR_EMUL_RBX] = 0xFFF8;
	r.gpr[INSTR_EMUL_RSI] = 0x12340000;	/* upper bits are not part of SI */
	assert_int_equal(instr_emul_decode(b, 3, r.mode, r.cs_d, &in), 0);
	assert_int_equal(instr_emul_operand_gla(&in, &r, INSTR_EMUL_OPERAND_MEM, &gla), 0);
	assert_int_equal(gla, 0xF0000 + 0x0008);
}

static void test_rip_wraps_at_code_segment_width(void **state)
{
	struct instr_emul_regs r = regs_mode(INSTR_EMUL_MODE_REAL, false);

	r.rip = 0xFFFE;
	assert_int_equal(EMUL(&r, GPA(0), true, 0x89, 0x07), 0);	/* mov [bx], ax */
	assert_int_equal(r.rip, 0);
	assert_log(0, FAKE_MMIO_WRITE, GPA(0), 2, 0x1111);

	r = regs_mode(INSTR_EMUL_MODE_PROTECTED, true);
	r.rip = 0xFFFFFFFF;
	assert_int_equal(EMUL(&r, GPA(0), true, 0x89, 0x03), 0);
	assert_int_equal(r.rip, 1);
}

/* ---- arithmetic and logic ----------------------------------------------------- */

static void test_and_sets_zf_pf_clears_cf_of(void **state)
{
	struct instr_emul_regs r = regs64();

	fake_mmio_set(&dev, 0, 0xF0, 1);
	r.rflags = 0x2 | CF | OF | AF | SF;
	assert_int_equal(EMUL(&r, GPA(0), true, 0x80, 0x23, 0x0F), 0);	/* and byte [rbx], 0x0F */
	assert_int_equal(r.rflags & STATUS, ZF | PF);
	assert_int_equal(fake_mmio_get(&dev, 0, 1), 0);
	assert_log(0, FAKE_MMIO_READ, GPA(0), 1, 0xF0);
	assert_log(1, FAKE_MMIO_WRITE, GPA(0), 1, 0x00);
	assert_int_equal(r.rflags & ~STATUS, 0x2);
}

static void test_or_sets_sf_and_parity(void **state)
{
	struct instr_emul_regs r = regs64();

	fake_mmio_set(&dev, 0, 0x80000000, 4);
	r.gpr[INSTR_EMUL_RAX] = 0x3;
	assert_int_equal(EMUL(&r, GPA(0), true, 0x09, 0x03), 0);	/* or [rbx], eax */
	assert_int_equal(fake_mmio_get(&dev, 0, 4), 0x80000003);
	/* low byte 0x03: two bits set → PF */
	assert_int_equal(r.rflags & STATUS, SF | PF);
	r.gpr[INSTR_EMUL_RAX] = 0x4;
	assert_int_equal(EMUL(&r, GPA(0), true, 0x09, 0x03), 0);
	assert_int_equal(r.rflags & STATUS, SF);	/* 0x07: odd parity */
}

static void test_xor_register_destination_zero_extends(void **state)
{
	struct instr_emul_regs r = regs64();

	fake_mmio_set(&dev, 0, 0xFFFF0000, 4);
	r.gpr[INSTR_EMUL_RDX] = 0xDEADBEEFFFFF00FFULL;
	assert_int_equal(EMUL(&r, GPA(0), false, 0x33, 0x13), 0);	/* xor edx, [rbx] */
	assert_int_equal(r.gpr[INSTR_EMUL_RDX], 0x00000000000000FFULL);
	assert_int_equal(r.rflags & STATUS, PF);
	assert_int_equal(dev.nlog, 1);	/* register destination: no MMIO write */
	/* 8-bit register destination keeps the rest */
	r.gpr[INSTR_EMUL_RDX] = 0xAB00;
	assert_int_equal(EMUL(&r, GPA(2), false, 0x32, 0x33), 0);	/* xor dh, [rbx] */
	assert_int_equal(r.gpr[INSTR_EMUL_RDX], 0x5400);
}

static void test_cmp_borrow_overflow_and_no_write(void **state)
{
	struct instr_emul_regs r = regs64();

	/* 0x80 - 1 = 0x7F: signed overflow, borrow from bit 4, no carry */
	fake_mmio_set(&dev, 0, 0x80, 1);
	assert_int_equal(EMUL(&r, GPA(0), false, 0x80, 0x3B, 0x01), 0);	/* cmp byte [rbx], 1 */
	assert_int_equal(r.rflags & STATUS, OF | AF);
	/* 0 - 1 = 0xFF: carry, sign, even parity, AF */
	fake_mmio_set(&dev, 0, 0x00, 1);
	assert_int_equal(EMUL(&r, GPA(0), false, 0x80, 0x3B, 0x01), 0);
	assert_int_equal(r.rflags & STATUS, CF | SF | PF | AF);
	/* equal operands: ZF | PF only */
	fake_mmio_set(&dev, 0, 0x12345678, 4);
	r.gpr[INSTR_EMUL_RAX] = 0x12345678;
	assert_int_equal(EMUL(&r, GPA(0), false, 0x39, 0x03), 0);	/* cmp [rbx], eax */
	assert_int_equal(r.rflags & STATUS, ZF | PF);
	for (unsigned int i = 0; i < dev.nlog; i++)
		assert_int_equal(dev.log[i].kind, FAKE_MMIO_READ);
	assert_int_equal(r.gpr[INSTR_EMUL_RAX], 0x12345678);
}

static void test_cmp_direction_bit_swaps_operands(void **state)
{
	struct instr_emul_regs r = regs64();

	fake_mmio_set(&dev, 0, 5, 4);
	r.gpr[INSTR_EMUL_RAX] = 3;
	assert_int_equal(EMUL(&r, GPA(0), false, 0x39, 0x03), 0);	/* cmp [rbx], eax: 5-3 */
	assert_int_equal(r.rflags & CF, 0);
	assert_int_equal(EMUL(&r, GPA(0), false, 0x3B, 0x03), 0);	/* cmp eax, [rbx]: 3-5 */
	assert_int_equal(r.rflags & (CF | SF), CF | SF);
	/* 64-bit compare against sign-extended imm8: 5 - (-1) */
	assert_int_equal(EMUL(&r, GPA(0), false, 0x48, 0x83, 0x3B, 0xFF), 0);
	/* 5 - 0xFFFF...FF = 6 with a borrow; 5 ^ ~0 ^ 6 has bit 4 set; 0b110 is even */
	assert_int_equal(r.rflags & STATUS, CF | AF | PF);
	assert_log(2, FAKE_MMIO_READ, GPA(0), 8, 5);
}

static void test_add_sub_carry_overflow_aux(void **state)
{
	struct instr_emul_regs r = regs64();

	/* add dword [rbx], 1 on 0xFFFFFFFF → 0 with CF, ZF, AF, PF */
	fake_mmio_set(&dev, 0, 0xFFFFFFFF, 4);
	assert_int_equal(EMUL(&r, GPA(0), true, 0x83, 0x03, 0x01), 0);
	assert_int_equal(fake_mmio_get(&dev, 0, 4), 0);
	assert_int_equal(r.rflags & STATUS, CF | ZF | AF | PF);
	/* add byte [rbx], 1 on 0x7F → 0x80: OF, SF, AF */
	fake_mmio_set(&dev, 0, 0x7F, 1);
	assert_int_equal(EMUL(&r, GPA(0), true, 0x80, 0x03, 0x01), 0);
	assert_int_equal(fake_mmio_get(&dev, 0, 1), 0x80);
	assert_int_equal(r.rflags & STATUS, OF | SF | AF);
	/* add rax, [rbx] (register destination, 64-bit carry out) */
	fake_mmio_set(&dev, 0, 0x8000000000000000ULL, 8);
	r.gpr[INSTR_EMUL_RAX] = 0x8000000000000001ULL;
	assert_int_equal(EMUL(&r, GPA(0), false, 0x48, 0x03, 0x03), 0);
	assert_int_equal(r.gpr[INSTR_EMUL_RAX], 1);
	assert_int_equal(r.rflags & STATUS, CF | OF);
	/* sub word [rbx], 0x10 on 0x0008 → 0xFFF8: CF, SF; AF clear (no nibble borrow) */
	fake_mmio_set(&dev, 0, 0x0008, 2);
	assert_int_equal(EMUL(&r, GPA(0), true, 0x66, 0x83, 0x2B, 0x10), 0);
	assert_int_equal(fake_mmio_get(&dev, 0, 2), 0xFFF8);
	assert_int_equal(r.rflags & STATUS, CF | SF);
	/* sub dword [rbx], ecx: 0x80000000 - 1 → signed overflow */
	fake_mmio_set(&dev, 0, 0x80000000, 4);
	r.gpr[INSTR_EMUL_RCX] = 1;
	assert_int_equal(EMUL(&r, GPA(0), true, 0x29, 0x0B), 0);
	assert_int_equal(fake_mmio_get(&dev, 0, 4), 0x7FFFFFFF);
	assert_int_equal(r.rflags & STATUS, OF | AF | PF);
}

static void test_test_sets_flags_without_writing(void **state)
{
	struct instr_emul_regs r = regs64();

	fake_mmio_set(&dev, 0, 0x80000001, 4);
	assert_int_equal(EMUL(&r, GPA(0), false, 0xF7, 0x03, 0x00, 0x00, 0x00, 0x80), 0);
	assert_int_equal(r.rflags & STATUS, SF | PF);
	r.rflags |= CF | OF;
	assert_int_equal(EMUL(&r, GPA(0), false, 0xF6, 0x03, 0x02), 0);	/* test byte, 2 */
	assert_int_equal(r.rflags & STATUS, ZF | PF);
	r.gpr[INSTR_EMUL_RAX] = 1;
	assert_int_equal(EMUL(&r, GPA(0), false, 0x85, 0x03), 0);		/* test [rbx], eax */
	assert_int_equal(r.rflags & STATUS, 0);
	assert_int_equal(dev.nlog, 3);
	for (unsigned int i = 0; i < dev.nlog; i++)
		assert_int_equal(dev.log[i].kind, FAKE_MMIO_READ);
	assert_int_equal(r.rip, RIP0 + 6 + 3 + 2);
}

static void test_locked_rmw_emulates_like_plain(void **state)
{
	struct instr_emul_regs r = regs64();

	fake_mmio_set(&dev, 0, 0x0F, 4);
	assert_int_equal(EMUL(&r, GPA(0), true, 0xF0, 0x81, 0x0B, 0x00, 0x01, 0x00, 0x00), 0);
	assert_int_equal(fake_mmio_get(&dev, 0, 4), 0x10F);
	assert_int_equal(r.rip, RIP0 + 7);
}

/* ---- BT ---------------------------------------------------------------------- */

static void test_bt_imm_sets_and_clears_cf_only(void **state)
{
	struct instr_emul_regs r = regs64();

	fake_mmio_set(&dev, 0, 0x00000020, 4);
	r.rflags = 0x2 | ZF;
	assert_int_equal(EMUL(&r, GPA(0), false, 0x0F, 0xBA, 0x23, 0x05), 0);	/* bt [rbx], 5 */
	assert_int_equal(r.rflags, 0x2 | ZF | CF);
	/* imm is taken modulo the operand width: 37 % 32 = 5 */
	r.rflags = 0x2;
	assert_int_equal(EMUL(&r, GPA(0), false, 0x0F, 0xBA, 0x23, 37), 0);
	assert_int_equal(r.rflags, 0x2 | CF);
	assert_int_equal(EMUL(&r, GPA(0), false, 0x0F, 0xBA, 0x23, 4), 0);
	assert_int_equal(r.rflags, 0x2);
	assert_int_equal(dev.nlog, 3);
	assert_log(0, FAKE_MMIO_READ, GPA(0), 4, 0x20);
}

static void test_bt_reg_offset_selects_unit_and_bit(void **state)
{
	struct instr_emul_regs r = regs64();
	struct instr_emul_insn in;
	static const uint8_t bt[] = { 0x0F, 0xA3, 0x03 };	/* bt [rbx], eax */
	uint64_t gla;

	r.gpr[INSTR_EMUL_RBX] = 0x10000;
	/* bit 35: unit +4, bit 3 */
	r.gpr[INSTR_EMUL_RAX] = 35;
	assert_int_equal(instr_emul_decode(bt, 3, r.mode, r.cs_d, &in), 0);
	assert_int_equal(instr_emul_operand_gla(&in, &r, INSTR_EMUL_OPERAND_MEM, &gla), 0);
	assert_int_equal(gla, 0x10004);
	fake_mmio_set(&dev, 4, 0x8, 4);
	assert_int_equal(EMUL(&r, GPA(4), false, 0x0F, 0xA3, 0x03), 0);
	assert_true(r.rflags & CF);
	/* bit -1: unit -4, bit 31 (offset is signed) */
	r.gpr[INSTR_EMUL_RAX] = 0xFFFFFFFF;
	assert_int_equal(instr_emul_operand_gla(&in, &r, INSTR_EMUL_OPERAND_MEM, &gla), 0);
	assert_int_equal(gla, 0x10000 - 4);
	fake_mmio_set(&dev, 0, 0x7FFFFFFF, 4);
	assert_int_equal(EMUL(&r, GPA(0), false, 0x0F, 0xA3, 0x03), 0);
	assert_false(r.rflags & CF);
}

/* ---- string instructions --------------------------------------------------------- */

static void test_rep_stos_one_iteration_per_call_rip_held_until_rcx_zero(void **state)
{
	struct instr_emul_regs r = regs64();

	r.gpr[INSTR_EMUL_RAX] = 0xA5A5A5A5DEADBEEFULL;
	r.gpr[INSTR_EMUL_RCX] = 3;
	r.gpr[INSTR_EMUL_RDI] = 0x9000;
	for (unsigned int i = 0; i < 3; i++) {
		/* the guest re-executes and faults on the next dword each time */
		assert_int_equal(EMUL(&r, GPA(4 * i), true, 0xF3, 0xAB), 0);
		assert_int_equal(r.gpr[INSTR_EMUL_RCX], 2 - i);
		assert_int_equal(r.gpr[INSTR_EMUL_RDI], 0x9000 + 4 * (i + 1));
		assert_int_equal(r.rip, i < 2 ? RIP0 : RIP0 + 2);
		assert_log(i, FAKE_MMIO_WRITE, GPA(4 * i), 4, 0xDEADBEEF);
	}
	assert_int_equal(dev.nlog, 3);
}

static void test_rep_stos_with_zero_count_only_advances_rip(void **state)
{
	struct instr_emul_regs r = regs64();

	r.gpr[INSTR_EMUL_RCX] = 0;
	assert_int_equal(EMUL(&r, GPA(0), true, 0xF3, 0xAA), 0);
	assert_int_equal(dev.nlog, 0);
	assert_int_equal(r.rip, RIP0 + 2);
	assert_int_equal(r.gpr[INSTR_EMUL_RDI], 0x8888888888888888ULL);
	/* 32-bit address size: only ECX counts */
	r.gpr[INSTR_EMUL_RCX] = 0x100000000ULL;
	assert_int_equal(EMUL(&r, GPA(0), true, 0xF3, 0x67, 0xAA), 0);
	assert_int_equal(dev.nlog, 0);
	assert_int_equal(r.gpr[INSTR_EMUL_RCX], 0x100000000ULL);
}

static void test_repne_stos_repeats_like_rep(void **state)
{
	struct instr_emul_regs r = regs64();

	r.gpr[INSTR_EMUL_RCX] = 2;
	r.gpr[INSTR_EMUL_RDI] = 0x9000;
	assert_int_equal(EMUL(&r, GPA(0), true, 0xF2, 0xAA), 0);
	assert_int_equal(r.gpr[INSTR_EMUL_RCX], 1);
	assert_int_equal(r.rip, RIP0);
}

static void test_moffs_segment_override_and_string_gla(void **state)
{
	struct instr_emul_regs r = regs_mode(INSTR_EMUL_MODE_PROTECTED, true);
	struct instr_emul_insn in;
	static const uint8_t moffs[] = { 0x26, 0xA1, 0x10, 0x00, 0x00, 0x00 };	/* mov eax, es:[0x10] */
	static const uint8_t movs[] = { 0x2E, 0xA5 };				/* movsd cs:[esi] */
	uint64_t gla;

	r.seg_base[INSTR_EMUL_ES] = 0xA0000;
	r.seg_base[INSTR_EMUL_CS] = 0xC0000;
	r.gpr[INSTR_EMUL_RSI] = 0xFFFFFFFF00000020ULL;	/* ESI = 0x20 */
	r.gpr[INSTR_EMUL_RDI] = 0x30;
	assert_int_equal(instr_emul_decode(moffs, sizeof(moffs), r.mode, r.cs_d, &in), 0);
	assert_int_equal(instr_emul_operand_gla(&in, &r, INSTR_EMUL_OPERAND_MEM, &gla), 0);
	assert_int_equal(gla, 0xA0010);
	assert_int_equal(instr_emul_operand_gla(&in, &r, INSTR_EMUL_OPERAND_STR_SRC, &gla), -EINVAL);
	assert_int_equal(instr_emul_decode(movs, sizeof(movs), r.mode, r.cs_d, &in), 0);
	assert_int_equal(instr_emul_operand_gla(&in, &r, INSTR_EMUL_OPERAND_STR_SRC, &gla), 0);
	assert_int_equal(gla, 0xC0020);
	assert_int_equal(instr_emul_operand_gla(&in, &r, INSTR_EMUL_OPERAND_STR_DST, &gla), 0);
	assert_int_equal(gla, 0xA0030);
	/* MEM on a string instruction means its destination */
	assert_int_equal(instr_emul_operand_gla(&in, &r, INSTR_EMUL_OPERAND_MEM, &gla), 0);
	assert_int_equal(gla, 0xA0030);
}

static void test_stos_df_decrements_rdi_by_operand_size(void **state)
{
	struct instr_emul_regs r = regs64();

	r.rflags |= DF;
	r.gpr[INSTR_EMUL_RDI] = 0x9000;
	r.gpr[INSTR_EMUL_RAX] = 0x0102030405060708ULL;
	assert_int_equal(EMUL(&r, GPA(8), true, 0x48, 0xAB), 0);	/* stosq, no rep */
	assert_int_equal(r.gpr[INSTR_EMUL_RDI], 0x9000 - 8);
	assert_int_equal(r.gpr[INSTR_EMUL_RCX], 0x2222222222222222ULL);
	assert_int_equal(r.rip, RIP0 + 2);
	assert_log(0, FAKE_MMIO_WRITE, GPA(8), 8, 0x0102030405060708ULL);
	assert_int_equal(EMUL(&r, GPA(0), true, 0x66, 0xAB), 0);	/* stosw */
	assert_int_equal(r.gpr[INSTR_EMUL_RDI], 0x9000 - 10);
	assert_log(1, FAKE_MMIO_WRITE, GPA(0), 2, 0x0708);
}

static void test_rep_stos_16bit_address_size_uses_cx_di_only(void **state)
{
	struct instr_emul_regs r = regs_mode(INSTR_EMUL_MODE_REAL, false);

	r.rip = 0x100;
	r.gpr[INSTR_EMUL_RCX] = 0xABCD0001;
	r.gpr[INSTR_EMUL_RDI] = 0x5555FFFF;
	r.gpr[INSTR_EMUL_RAX] = 0x77;
	assert_int_equal(EMUL(&r, GPA(0), true, 0xF3, 0xAA), 0);
	assert_int_equal(r.gpr[INSTR_EMUL_RCX], 0xABCD0000);	/* CX hit 0, upper kept */
	assert_int_equal(r.gpr[INSTR_EMUL_RDI], 0x55550000);	/* DI wrapped, upper kept */
	assert_int_equal(r.rip, 0x102);
	/* 32-bit address size in long mode writes ECX/EDI, zero-extending */
	r = regs64();
	r.gpr[INSTR_EMUL_RCX] = 0xFFFFFFFF00000002ULL;
	r.gpr[INSTR_EMUL_RDI] = 0xFFFFFFFFFFFFFFFFULL;
	assert_int_equal(EMUL(&r, GPA(0), true, 0x67, 0xF3, 0xAA), 0);
	assert_int_equal(r.gpr[INSTR_EMUL_RCX], 1);
	assert_int_equal(r.gpr[INSTR_EMUL_RDI], 0);
	assert_int_equal(r.rip, RIP0);
}

static void test_movs_write_fault_reads_memory_writes_mmio(void **state)
{
	struct instr_emul_regs r = regs64();

	for (unsigned int i = 0; i < 8; i++)
		dev.ram[0x10 + i] = (uint8_t)(0xA0 + i);
	r.gpr[INSTR_EMUL_RSI] = FAKE_RAM_BASE + 0x10;
	r.gpr[INSTR_EMUL_RDI] = 0x9000;
	r.gpr[INSTR_EMUL_RCX] = 2;
	/* rep movsd, MMIO is the destination */
	assert_int_equal(EMUL(&r, GPA(0x20), true, 0xF3, 0xA5), 0);
	assert_log(0, FAKE_MEM_READ, FAKE_RAM_BASE + 0x10, 4, 0xA3A2A1A0);
	assert_log(1, FAKE_MMIO_WRITE, GPA(0x20), 4, 0xA3A2A1A0);
	assert_int_equal(r.gpr[INSTR_EMUL_RSI], FAKE_RAM_BASE + 0x14);
	assert_int_equal(r.gpr[INSTR_EMUL_RDI], 0x9004);
	assert_int_equal(r.gpr[INSTR_EMUL_RCX], 1);
	assert_int_equal(r.rip, RIP0);
	assert_int_equal(EMUL(&r, GPA(0x24), true, 0xF3, 0xA5), 0);
	assert_log(3, FAKE_MMIO_WRITE, GPA(0x24), 4, 0xA7A6A5A4);
	assert_int_equal(r.gpr[INSTR_EMUL_RCX], 0);
	assert_int_equal(r.rip, RIP0 + 2);
}

static void test_movs_read_fault_reads_mmio_writes_memory_with_df(void **state)
{
	struct instr_emul_regs r = regs64();

	fake_mmio_set(&dev, 0x30, 0x1122, 2);
	r.rflags |= DF;
	r.gpr[INSTR_EMUL_RSI] = 0x9000;
	r.gpr[INSTR_EMUL_RDI] = FAKE_RAM_BASE + 0x40;
	assert_int_equal(EMUL(&r, GPA(0x30), false, 0x66, 0xA5), 0);	/* movsw */
	assert_log(0, FAKE_MMIO_READ, GPA(0x30), 2, 0x1122);
	assert_log(1, FAKE_MEM_WRITE, FAKE_RAM_BASE + 0x40, 2, 0x1122);
	assert_int_equal(dev.ram[0x40], 0x22);
	assert_int_equal(dev.ram[0x41], 0x11);
	assert_int_equal(r.gpr[INSTR_EMUL_RSI], 0x9000 - 2);
	assert_int_equal(r.gpr[INSTR_EMUL_RDI], FAKE_RAM_BASE + 0x3E);
	assert_int_equal(r.rip, RIP0 + 2);
}

static void test_movs_source_segment_override_and_es_destination(void **state)
{
	struct instr_emul_regs r = regs_mode(INSTR_EMUL_MODE_PROTECTED, true);

	dev.ram[0x50] = 0x99;
	r.seg_base[INSTR_EMUL_FS] = FAKE_RAM_BASE;
	r.seg_base[INSTR_EMUL_DS] = 0x100000;
	r.gpr[INSTR_EMUL_RSI] = 0x50;
	assert_int_equal(EMUL(&r, GPA(0), true, 0x64, 0xA4), 0);	/* movsb fs:[esi] */
	assert_log(0, FAKE_MEM_READ, FAKE_RAM_BASE + 0x50, 1, 0x99);
	assert_log(1, FAKE_MMIO_WRITE, GPA(0), 1, 0x99);
	/* destination is always ES:rDI, even with an override */
	r.seg_base[INSTR_EMUL_ES] = FAKE_RAM_BASE;
	r.gpr[INSTR_EMUL_RDI] = 0x60;
	fake_mmio_set(&dev, 1, 0x42, 1);
	assert_int_equal(EMUL(&r, GPA(1), false, 0x64, 0xA4), 0);
	assert_log(3, FAKE_MEM_WRITE, FAKE_RAM_BASE + 0x60, 1, 0x42);
}

static void test_movs_without_memory_ops_is_enotsup(void **state)
{
	struct instr_emul_regs r = regs64();
	struct instr_emul_regs before;
	static const uint8_t b[] = { 0xA4 };

	before = r;
	assert_int_equal(emul_bytes(&r, GPA(0), true, &fake_ops_mmio_only, b, 1), -ENOTSUP);
	assert_memory_equal(&r, &before, sizeof(r));
	assert_int_equal(dev.nlog, 0);
}

/* ---- failure paths ------------------------------------------------------------------ */

static void test_register_form_is_einval(void **state)
{
	struct instr_emul_regs r = regs64();

	assert_int_equal(EMUL(&r, GPA(0), true, 0x89, 0xC3), -EINVAL);
	assert_int_equal(dev.nlog, 0);
	assert_int_equal(r.rip, RIP0);
}

static void test_mmio_error_leaves_registers_unchanged(void **state)
{
	struct instr_emul_regs r = regs64();
	struct instr_emul_regs before;

	before = r;
	dev.read_ret = -EIO;
	assert_int_equal(EMUL(&r, GPA(0), false, 0x8B, 0x03), -EIO);
	assert_memory_equal(&r, &before, sizeof(r));
	/* read-modify-write whose write fails: no flags, no RIP */
	dev.read_ret = 0;
	dev.write_ret = -EFAULT;
	assert_int_equal(EMUL(&r, GPA(0), true, 0x83, 0x03, 0x01), -EFAULT);
	assert_memory_equal(&r, &before, sizeof(r));
	r.gpr[INSTR_EMUL_RCX] = 5;
	before = r;
	assert_int_equal(EMUL(&r, GPA(0), true, 0xF3, 0xAB), -EFAULT);
	assert_memory_equal(&r, &before, sizeof(r));
}

static void test_emulate_rejects_unsupported_and_bad_arguments(void **state)
{
	struct instr_emul_regs r = regs64();
	struct instr_emul_insn in;
	struct instr_emul_access acc = { .gpa = GPA(0) };
	static const uint8_t b[] = { 0x89, 0x03 };

	assert_int_equal(EMUL(&r, GPA(0), false, 0x0F, 0x0B), -ENOTSUP);
	assert_int_equal(EMUL(&r, GPA(0), false, 0x89), -EAGAIN);
	assert_int_equal(instr_emul_decode(b, 2, r.mode, r.cs_d, &in), 0);
	assert_int_equal(instr_emul_emulate(&in, &r, &acc, NULL, &dev), -EINVAL);
	assert_int_equal(instr_emul_emulate(&in, &r, NULL, &fake_ops, &dev), -EINVAL);
	/* a hand-made insn with impossible sizes or registers is refused */
	in.op_size = 3;
	assert_int_equal(instr_emul_emulate(&in, &r, &acc, &fake_ops, &dev), -EINVAL);
	in.op_size = 4;
	in.reg.index = 16;
	assert_int_equal(instr_emul_emulate(&in, &r, &acc, &fake_ops, &dev), -EINVAL);
	in.reg.index = 0;
	in.op = INSTR_EMUL_OP_NONE;
	assert_int_equal(instr_emul_emulate(&in, &r, &acc, &fake_ops, &dev), -ENOTSUP);
	assert_int_equal(dev.nlog, 0);
	assert_int_equal(r.rip, RIP0);
}

const struct CMUnitTest instr_emul_tests[] = {
	cmocka_unit_test(test_mov_store_reg_all_sizes),
	cmocka_unit_test(test_mov_store_high8_and_rex_byte_regs),
	cmocka_unit_test(test_mov_load_32bit_zero_extends_to_64),
	cmocka_unit_test(test_mov_load_8_16_bit_preserve_upper_bits),
	cmocka_unit_test(test_mov_load_ah_writes_bits_15_8_and_sil_with_rex),
	cmocka_unit_test(test_mov_load_rex_r_reaches_r8_to_r15),
	cmocka_unit_test(test_mov_imm_c6_c7_store_immediates),
	cmocka_unit_test(test_mov_moffs_load_and_store),
	cmocka_unit_test(test_movzx_movsx_movsxd_extend),
	cmocka_unit_test(test_mmio_read_junk_above_size_is_masked),
	cmocka_unit_test(test_gla_rip_relative_uses_next_rip),
	cmocka_unit_test(test_gla_sib_index_scale_disp),
	cmocka_unit_test(test_gla_segment_override_rules),
	cmocka_unit_test(test_gla_real_mode_16bit_wraps_offset),
	cmocka_unit_test(test_rip_wraps_at_code_segment_width),
	cmocka_unit_test(test_and_sets_zf_pf_clears_cf_of),
	cmocka_unit_test(test_or_sets_sf_and_parity),
	cmocka_unit_test(test_xor_register_destination_zero_extends),
	cmocka_unit_test(test_cmp_borrow_overflow_and_no_write),
	cmocka_unit_test(test_cmp_direction_bit_swaps_operands),
	cmocka_unit_test(test_add_sub_carry_overflow_aux),
	cmocka_unit_test(test_test_sets_flags_without_writing),
	cmocka_unit_test(test_locked_rmw_emulates_like_plain),
	cmocka_unit_test(test_bt_imm_sets_and_clears_cf_only),
	cmocka_unit_test(test_bt_reg_offset_selects_unit_and_bit),
	cmocka_unit_test(test_rep_stos_one_iteration_per_call_rip_held_until_rcx_zero),
	cmocka_unit_test(test_rep_stos_with_zero_count_only_advances_rip),
	cmocka_unit_test(test_repne_stos_repeats_like_rep),
	cmocka_unit_test(test_moffs_segment_override_and_string_gla),
	cmocka_unit_test(test_stos_df_decrements_rdi_by_operand_size),
	cmocka_unit_test(test_rep_stos_16bit_address_size_uses_cx_di_only),
	cmocka_unit_test(test_movs_write_fault_reads_memory_writes_mmio),
	cmocka_unit_test(test_movs_read_fault_reads_mmio_writes_memory_with_df),
	cmocka_unit_test(test_movs_source_segment_override_and_es_destination),
	cmocka_unit_test(test_movs_without_memory_ops_is_enotsup),
	cmocka_unit_test(test_register_form_is_einval),
	cmocka_unit_test(test_mmio_error_leaves_registers_unchanged),
	cmocka_unit_test(test_emulate_rejects_unsupported_and_bad_arguments),
};
const size_t instr_emul_ntests = sizeof(instr_emul_tests) / sizeof(instr_emul_tests[0]);

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmio: the hypervisor's MMIO instruction emulation (doc/instr_emul.md) against acrn-dm's
 * testdev (doc/testdev.md), whose BAR0 is not RAM: every access there exits, is decoded and
 * emulated by the hypervisor and sent to acrn-dm as an IOREQ.
 *
 * Each check runs one instruction form twice, on the testdev's scratch area and on an
 * ordinary RAM buffer with the same contents, registers and flags, and compares: memory
 * afterwards, the register, the arithmetic flags the SDM defines for the instruction (the CPU
 * computes the reference on RAM), and what the device saw — how many scratch accesses, and
 * the size, offset and direction of the last one (COUNT and LAST).  A few expected values are
 * also checked literally, so a CPU and an emulator that agree on a wrong answer still fail.
 *
 * Only under acrn-dm with `-s N,testdev`; without the device the first check fails and the
 * plan does not add up.
 */
#include "rt.h"

RT_GUEST(mmio, 69);

#define FL_CF	0x001ULL
#define FL_PF	0x004ULL
#define FL_AF	0x010ULL
#define FL_ZF	0x040ULL
#define FL_SF	0x080ULL
#define FL_OF	0x800ULL
#define FL_ARITH	(FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)
#define FL_LOGIC	(FL_CF | FL_PF | FL_ZF | FL_SF | FL_OF)	/* AF undefined (SDM) */
#define FL_BT		(FL_CF | FL_ZF)			/* CF result, ZF unaffected */
#define FL_NONE		0ULL
#define FL_ALLSET	(0x2ULL | FL_ARITH)		/* flags going in: CF..OF all set */
#define FL_CLEAR	0x2ULL

static struct rt_testdev td;
static uint8_t ram[TDEV_SCRATCH_SIZE] __attribute__((aligned(64)));

static uint32_t td_reg(uint32_t off)
{
	return *(volatile uint32_t *)(td.mmio + off);
}

static void td_clear(void)
{
	*(volatile uint32_t *)(td.mmio + TDEV_REG_CLEAR) = 1;
}

static uint64_t mmio_get64(uint32_t off)
{
	return *(volatile uint64_t *)(td.mmio + off);
}

static void mmio_set64(uint32_t off, uint64_t v)
{
	*(volatile uint64_t *)(td.mmio + off) = v;
}

static uint64_t ram_get64(uint32_t off)
{
	uint64_t v;

	rt_memcpy(&v, &ram[off], 8);
	return v;
}

static void ram_set64(uint32_t off, uint64_t v)
{
	rt_memcpy(&ram[off], &v, 8);
}

static uint32_t extra_off;	/* a second quadword for the next prep(), 0 if none */
static uint64_t extra_val;

/* Scratch and RAM alike: 0 from 8 bytes before @p off to 16 after, @p mem0 at @p off. */
static void prep(uint32_t off, uint64_t mem0)
{
	uint32_t lo = (off & ~7U) >= 8 ? (off & ~7U) - 8 : 0;

	for (uint32_t o = lo; o < lo + 32 && o + 8 <= TDEV_SCRATCH_SIZE; o += 8) {
		mmio_set64(o, 0);
		ram_set64(o, 0);
	}
	if (extra_off != 0) {
		mmio_set64(extra_off, extra_val);
		ram_set64(extra_off, extra_val);
		extra_off = 0;
	}
	mmio_set64(off, mem0);
	ram_set64(off, mem0);
}

/* What one run of an instruction form left behind. */
struct run {
	uint64_t mem, reg, flags;
	uint32_t count, last;
};

/*
 * Compare the MMIO run @p m with the RAM run @p r: memory, register, flags under @p mask,
 * and the device's view (@p nacc scratch accesses, the last one @p last).
 */
static void judge(const char *name, const struct run *m, const struct run *r, uint64_t mask,
		  uint32_t nacc, uint32_t last)
{
	if (m->mem != r->mem)
		rt_fail(name, "memory 0x%lx, on RAM 0x%lx", m->mem, r->mem);
	else if (m->reg != r->reg)
		rt_fail(name, "register 0x%lx, on RAM 0x%lx", m->reg, r->reg);
	else if ((m->flags & mask) != (r->flags & mask))
		rt_fail(name, "flags 0x%lx, on RAM 0x%lx (mask 0x%lx)", m->flags & mask,
			r->flags & mask, mask);
	else if (m->count != nacc || m->last != last)
		rt_fail(name, "device saw %u accesses, last 0x%x; expected %u, last 0x%x", m->count,
			m->last, nacc, last);
	else
		rt_pass(name);
}

/*
 * One instruction form, @p insn, with its memory operand "(%[p])" and its register operand
 * %[r] (constraint @p rc, "+&r" or "+&a" for AH), flags @p fin going in.  The 8 bytes at
 * scratch offset @p off start as @p mem0 (in RAM too), the register as @p reg0.
 * @p lastoff/@p size/@p wr describe the last device access; @p nacc the number of them.
 */
#define FORM(name, insn, rc, off, mem0, reg0, fin, mask, nacc, lastoff, size, wr) do {	\
	struct run m_, r_;								\
	uint64_t fi_ = (fin);								\
	m_.reg = (reg0);								\
	r_.reg = (reg0);								\
	prep(off, (mem0));								\
	td_clear();									\
	__asm__ volatile("pushq %[fi]\n\tpopfq\n\t" insn "\n\tpushfq\n\tpopq %[f]"	\
			 : [r] rc(m_.reg), [f] "=&r"(m_.flags)				\
			 : [p] "r"(td.mmio + (off)), [fi] "r"(fi_) : "memory", "cc");	\
	m_.count = td_reg(TDEV_REG_COUNT);						\
	m_.last = td_reg(TDEV_REG_LAST);						\
	m_.mem = mmio_get64(off);							\
	__asm__ volatile("pushq %[fi]\n\tpopfq\n\t" insn "\n\tpushfq\n\tpopq %[f]"	\
			 : [r] rc(r_.reg), [f] "=&r"(r_.flags)				\
			 : [p] "r"(&ram[off]), [fi] "r"(fi_) : "memory", "cc");		\
	r_.mem = ram_get64(off);							\
	judge("mmio/" name, &m_, &r_, (mask), (nacc), TDEV_LAST(lastoff, size, wr));	\
} while (0)

/* Shorthands: a load (1 read), a store (1 write), read-modify-write (read, then write), a
 * read-only compare (1 read), all at offset @p off with operand size @p sz. */
#define LOAD(n, i, off, m0, r0, sz)		FORM(n, i, "+&r", off, m0, r0, FL_ALLSET, FL_ARITH, 1, off, sz, false)
#define STORE(n, i, off, m0, r0, sz)		FORM(n, i, "+&r", off, m0, r0, FL_ALLSET, FL_ARITH, 1, off, sz, true)
#define RMW(n, i, off, m0, r0, fin, mask, sz)	FORM(n, i, "+&r", off, m0, r0, fin, mask, 2, off, sz, true)
#define READ(n, i, off, m0, r0, fin, mask, sz)	FORM(n, i, "+&r", off, m0, r0, fin, mask, 1, off, sz, false)

static void check_mov(void)
{
	STORE("mov_m8_r8", "movb %b[r], (%[p])", 0x10, 0x1111111111111111ULL, 0xA5, 1);
	STORE("mov_m16_r16", "movw %w[r], (%[p])", 0x10, 0x1111111111111111ULL, 0xBEEF, 2);
	STORE("mov_m32_r32", "movl %k[r], (%[p])", 0x10, 0x1111111111111111ULL, 0xCAFEF00D, 4);
	STORE("mov_m64_r64", "movq %q[r], (%[p])", 0x10, 0, 0x0123456789ABCDEFULL, 8);
	LOAD("mov_r8_m8", "movb (%[p]), %b[r]", 0x18, 0x8877665544332211ULL, ~0ULL, 1);
	LOAD("mov_r16_m16", "movw (%[p]), %w[r]", 0x18, 0x8877665544332211ULL, ~0ULL, 2);
	LOAD("mov_r32_m32_zero_extends", "movl (%[p]), %k[r]", 0x18, 0x8877665544332211ULL, ~0ULL, 4);
	LOAD("mov_r64_m64", "movq (%[p]), %q[r]", 0x18, 0x8877665544332211ULL, 0, 8);
	LOAD("mov_r32_m32_unaligned", "movl (%[p]), %k[r]", 0x23, 0x8877665544332211ULL, 0, 4);
	FORM("mov_r32_disp8", "movl 8(%[p]), %k[r]", "+&r", 0x28, 0x0102030405060708ULL, 0,
	     FL_ALLSET, FL_ARITH, 1, 0x30, 4, false);
	FORM("mov_ah_m8", "movb (%[p]), %%ah", "+&a", 0x30, 0x7E, 0x1122334455667788ULL,
	     FL_ALLSET, FL_ARITH, 1, 0x30, 1, false);
	STORE("mov_m8_imm8", "movb $0x5A, (%[p])", 0x38, ~0ULL, 0, 1);
	STORE("mov_m16_imm16", "movw $0x1234, (%[p])", 0x38, ~0ULL, 0, 2);
	STORE("mov_m32_imm32", "movl $0x89ABCDEF, (%[p])", 0x38, ~0ULL, 0, 4);
	STORE("mov_m64_simm32", "movq $-2, (%[p])", 0x38, 0, 0, 8);
}

/*
 * MOV with a moffs operand (A0-A3) takes an absolute address in the instruction, here the
 * BAR's, known only at run time: the instruction is written into a stub followed by RET and
 * called (the runtime's single segment is RWX).
 */
static uint8_t stub[32] __attribute__((aligned(16)));

static uint64_t run_moffs(const uint8_t *op, unsigned int n, uint32_t off, uint64_t rax)
{
	uint64_t addr = (uint64_t)(uintptr_t)(td.mmio + off);

	rt_memcpy(stub, op, n);
	rt_memcpy(stub + n, &addr, 8);
	stub[n + 8] = 0xC3;
	__asm__ volatile("call *%[s]" : "+a"(rax) : [s] "r"(stub) : "memory", "cc");
	return rax;
}

static void check_moffs(void)
{
	static const uint8_t load64[] = { 0x48, 0xA1 }, store32[] = { 0xA3 }, load8[] = { 0xA0 };
	uint64_t v;
	uint32_t n, last;

	mmio_set64(0xF0, 0x1122334455667788ULL);
	td_clear();
	v = run_moffs(load64, sizeof(load64), 0xF0, 0);
	n = td_reg(TDEV_REG_COUNT);
	last = td_reg(TDEV_REG_LAST);
	rt_check("mmio/mov_rax_moffs64", v == 0x1122334455667788ULL && n == 1 &&
		 last == TDEV_LAST(0xF0, 8, false), "RAX 0x%lx, %u accesses, last 0x%x", v, n, last);

	td_clear();
	v = run_moffs(load8, sizeof(load8), 0xF1, 0xAAAAAAAAAAAAAAAAULL);
	n = td_reg(TDEV_REG_COUNT);
	last = td_reg(TDEV_REG_LAST);
	rt_check("mmio/mov_al_moffs8", v == 0xAAAAAAAAAAAAAA77ULL && n == 1 &&
		 last == TDEV_LAST(0xF1, 1, false), "RAX 0x%lx, %u accesses, last 0x%x", v, n, last);

	mmio_set64(0xF8, ~0ULL);
	td_clear();
	run_moffs(store32, sizeof(store32), 0xF8, 0x0123456789ABCDEFULL);
	n = td_reg(TDEV_REG_COUNT);
	last = td_reg(TDEV_REG_LAST);
	v = mmio_get64(0xF8);
	rt_check("mmio/mov_moffs32_eax", v == 0xFFFFFFFF89ABCDEFULL && n == 1 &&
		 last == TDEV_LAST(0xF8, 4, true), "memory 0x%lx, %u accesses, last 0x%x", v, n, last);
}

static void check_movzx_movsx(void)
{
	LOAD("movzx_r32_m8", "movzbl (%[p]), %k[r]", 0x40, 0xF0E1D2C3B4A59687ULL, ~0ULL, 1);
	LOAD("movzx_r64_m16", "movzwq (%[p]), %q[r]", 0x40, 0xF0E1D2C3B4A59687ULL, ~0ULL, 2);
	LOAD("movzx_r16_m8", "movzbw (%[p]), %w[r]", 0x40, 0xF0E1D2C3B4A59687ULL, ~0ULL, 1);
	LOAD("movsx_r64_m8", "movsbq (%[p]), %q[r]", 0x40, 0xF0E1D2C3B4A59687ULL, 0, 1);
	LOAD("movsx_r32_m16", "movswl (%[p]), %k[r]", 0x40, 0xF0E1D2C3B4A59687ULL, ~0ULL, 2);
	LOAD("movsx_r16_m8", "movsbw (%[p]), %w[r]", 0x40, 0xF0E1D2C3B4A59687ULL, ~0ULL, 1);
	LOAD("movsx_r64_m16_positive", "movswq (%[p]), %q[r]", 0x40, 0x7F00ULL, ~0ULL, 2);
	LOAD("movsxd_r64_m32", "movslq (%[p]), %q[r]", 0x40, 0xF0E1D2C3B4A59687ULL, 0, 4);
}

static void check_logic(void)
{
	RMW("and_m32_r32", "andl %k[r], (%[p])", 0x50, 0xFFFF0000F0F0F0F0ULL, 0x0FF00FF0, FL_ALLSET, FL_LOGIC, 4);
	RMW("and_m16_r16_zero", "andw %w[r], (%[p])", 0x50, 0x00FF, 0xFF00, FL_CLEAR, FL_LOGIC, 2);
	READ("and_r64_m64", "andq (%[p]), %q[r]", 0x50, 0x8000000000000001ULL, ~0ULL, FL_ALLSET, FL_LOGIC, 8);
	RMW("and_m8_imm8", "andb $0x0F, (%[p])", 0x50, 0xF6, 0, FL_ALLSET, FL_LOGIC, 1);
	RMW("and_m64_simm8", "andq $-16, (%[p])", 0x50, 0x123456789ABCDEFFULL, 0, FL_CLEAR, FL_LOGIC, 8);
	RMW("lock_and_m32_imm32", "lock andl $0x7FFF0001, (%[p])", 0x50, 0xFFFFFFFFULL, 0, FL_ALLSET, FL_LOGIC, 4);
	RMW("or_m16_r16", "orw %w[r], (%[p])", 0x58, 0x8001, 0x0F00, FL_ALLSET, FL_LOGIC, 2);
	READ("or_r32_m32", "orl (%[p]), %k[r]", 0x58, 0x80000000ULL, 0x1, FL_CLEAR, FL_LOGIC, 4);
	RMW("or_m32_imm8", "orl $0x80, (%[p])", 0x58, 0x00010000ULL, 0, FL_ALLSET, FL_LOGIC, 4);
	RMW("lock_or_m64_r64", "lock orq %q[r], (%[p])", 0x58, 0x1ULL, 0x8000000000000000ULL, FL_CLEAR, FL_LOGIC, 8);
	RMW("or_m8_r8_zero", "orb %b[r], (%[p])", 0x58, 0, 0x100, FL_ALLSET, FL_LOGIC, 1);
	RMW("xor_m8_r8", "xorb %b[r], (%[p])", 0x60, 0x55, 0xFF, FL_ALLSET, FL_LOGIC, 1);
	READ("xor_r16_m16", "xorw (%[p]), %w[r]", 0x60, 0x1234, 0xFFFF00001234ULL, FL_CLEAR, FL_LOGIC, 2);
	RMW("xor_m64_imm32", "xorq $0x7FFFFFFF, (%[p])", 0x60, 0xFFFFFFFF00000000ULL, 0, FL_ALLSET, FL_LOGIC, 8);
	RMW("lock_xor_m32_r32", "lock xorl %k[r], (%[p])", 0x60, 0xA5A5A5A5ULL, 0x5A5A5A5A, FL_CLEAR, FL_LOGIC, 4);
}

static void check_test_cmp(void)
{
	READ("test_m8_imm8", "testb $0x80, (%[p])", 0x68, 0x80, 0, FL_CLEAR, FL_LOGIC, 1);
	READ("test_m16_imm16", "testw $0x8001, (%[p])", 0x68, 0x7FFE, 0, FL_ALLSET, FL_LOGIC, 2);
	READ("test_m32_r32", "testl %k[r], (%[p])", 0x68, 0xF0000003ULL, 0x80000001, FL_ALLSET, FL_LOGIC, 4);
	READ("test_m64_r64", "testq %q[r], (%[p])", 0x68, 0x8000000000000000ULL, ~0ULL, FL_CLEAR, FL_LOGIC, 8);
	READ("cmp_m32_r32_equal", "cmpl %k[r], (%[p])", 0x70, 0x12345678ULL, 0x12345678, FL_CLEAR, FL_ARITH, 4);
	READ("cmp_m64_r64_below", "cmpq %q[r], (%[p])", 0x70, 1, 2, FL_CLEAR, FL_ARITH, 8);
	READ("cmp_r32_m32_overflow", "cmpl (%[p]), %k[r]", 0x70, 1, 0x80000000, FL_CLEAR, FL_ARITH, 4);
	READ("cmp_m8_imm8_overflow", "cmpb $0x7F, (%[p])", 0x70, 0x80, 0, FL_CLEAR, FL_ARITH, 1);
	READ("cmp_m16_simm8", "cmpw $-1, (%[p])", 0x70, 0x0010, 0, FL_ALLSET, FL_ARITH, 2);
	READ("cmp_r8_m8_af", "cmpb (%[p]), %b[r]", 0x70, 0x0F, 0x10, FL_CLEAR, FL_ARITH, 1);
	RMW("add_m32_r32_carry", "addl %k[r], (%[p])", 0x78, 0xFFFFFFF0ULL, 0x20, FL_CLEAR, FL_ARITH, 4);
	READ("sub_r64_m64", "subq (%[p]), %q[r]", 0x78, 0x10, 0x8, FL_CLEAR, FL_ARITH, 8);
}

static void check_bt(void)
{
	READ("bt_m32_imm8_set", "btl $5, (%[p])", 0x80, 0x20, 0, FL_CLEAR, FL_BT, 4);
	READ("bt_m16_imm8_clear", "btw $15, (%[p])", 0x80, 0x7FFF, 0, FL_ALLSET, FL_BT, 2);
	READ("bt_m64_imm8", "btq $63, (%[p])", 0x80, 0x8000000000000000ULL, 0, FL_CLEAR, FL_BT, 8);
	/* A register bit offset past the operand addresses a later unit (SDM BT). */
	FORM("bt_m32_r32_next_unit", "btl %k[r], (%[p])", "+&r", 0x88, 0x0000002000000000ULL, 37,
	     FL_CLEAR, FL_BT, 1, 0x8C, 4, false);
	/* ... and a negative one an earlier unit: -1 is bit 63 of the quadword before. */
	extra_off = 0x90;
	extra_val = 0x8000000000000000ULL;
	FORM("bt_m64_r64_negative", "btq %q[r], (%[p])", "+&r", 0x98, 0, ~0ULL,
	     FL_ALLSET, FL_BT, 1, 0x90, 8, false);
}

/* Literal expectations, so that a CPU and an emulator agreeing on a wrong answer fail. */
static void check_literal(void)
{
	uint64_t v, f;

	mmio_set64(0xA0, 0x00000000FFFFFFF0ULL);
	v = 0x20;
	__asm__ volatile("addl %k0, (%2)\n\tpushfq\n\tpopq %1" : "+r"(v), "=r"(f)
			 : "r"(td.mmio + 0xA0) : "memory", "cc");
	v = mmio_get64(0xA0);
	rt_check("mmio/literal_add_wraps_sets_cf", v == 0x10 && (f & (FL_CF | FL_ZF)) == FL_CF,
		 "memory 0x%lx flags 0x%lx", v, f);
	mmio_set64(0xA0, 0x8877665544332211ULL);
	v = ~0ULL;
	__asm__ volatile("movsbq (%1), %0" : "+r"(v) : "r"(td.mmio + 0xA7) : "memory");
	rt_check("mmio/literal_movsx_sign", v == 0xFFFFFFFFFFFFFF88ULL, "0x%lx", v);
}

/* STOS and MOVS: one exit per MMIO element (doc/instr_emul.md, REP and MOVS strategy). */
static void check_string(void)
{
	uint64_t rdi, rsi, rcx, rax;
	uint8_t src[64], dst[64];
	bool ok;

	for (int i = 0; i < 64; i++)
		src[i] = (uint8_t)(0x31 * i + 7);
	for (uint32_t o = 0xA8; o < TDEV_SCRATCH_SIZE; o += 8)
		mmio_set64(o, 0);

	td_clear();
	rdi = (uint64_t)(uintptr_t)(td.mmio + 0xA8);
	rax = 0x5A;
	__asm__ volatile("cld; stosb" : "+D"(rdi) : "a"(rax) : "memory");
	ok = rdi == (uint64_t)(uintptr_t)(td.mmio + 0xA9) && td_reg(TDEV_REG_COUNT) == 1 &&
	     td_reg(TDEV_REG_LAST) == TDEV_LAST(0xA8, 1, true);
	rt_check("mmio/stosb", ok && mmio_get64(0xA8) == 0x5A, "rdi +%ld, %u accesses, last 0x%x, mem 0x%lx",
		 (long)(rdi - (uint64_t)(uintptr_t)(td.mmio + 0xA8)), td_reg(TDEV_REG_COUNT),
		 td_reg(TDEV_REG_LAST), mmio_get64(0xA8));

	td_clear();
	rdi = (uint64_t)(uintptr_t)(td.mmio + 0xB0);
	rcx = 4;
	__asm__ volatile("cld; rep stosl" : "+D"(rdi), "+c"(rcx) : "a"(0x11223344U) : "memory");
	ok = rcx == 0 && rdi == (uint64_t)(uintptr_t)(td.mmio + 0xC0) &&
	     td_reg(TDEV_REG_COUNT) == 4 && td_reg(TDEV_REG_LAST) == TDEV_LAST(0xBC, 4, true);
	rt_check("mmio/rep_stosl", ok && mmio_get64(0xB0) == 0x1122334411223344ULL &&
		 mmio_get64(0xB8) == 0x1122334411223344ULL, "rcx %lu, %u accesses, last 0x%x",
		 rcx, td_reg(TDEV_REG_COUNT), td_reg(TDEV_REG_LAST));

	td_clear();
	rdi = (uint64_t)(uintptr_t)(td.mmio + 0xD0);
	rcx = 3;
	__asm__ volatile("std; rep stosq; cld" : "+D"(rdi), "+c"(rcx) : "a"(0xA1B2C3D4E5F60718ULL)
			 : "memory", "cc");
	ok = rcx == 0 && rdi == (uint64_t)(uintptr_t)(td.mmio + 0xB8) &&
	     td_reg(TDEV_REG_COUNT) == 3 && td_reg(TDEV_REG_LAST) == TDEV_LAST(0xC0, 8, true);
	rt_check("mmio/rep_stosq_backwards", ok && mmio_get64(0xC0) == 0xA1B2C3D4E5F60718ULL &&
		 mmio_get64(0xD0) == 0xA1B2C3D4E5F60718ULL && mmio_get64(0xB8) == 0x1122334411223344ULL,
		 "rcx %lu rdi %s, %u accesses, last 0x%x", rcx,
		 rdi == (uint64_t)(uintptr_t)(td.mmio + 0xB8) ? "ok" : "wrong",
		 td_reg(TDEV_REG_COUNT), td_reg(TDEV_REG_LAST));

	/* RAM -> MMIO: the destination exits. */
	td_clear();
	rsi = (uint64_t)(uintptr_t)src;
	rdi = (uint64_t)(uintptr_t)(td.mmio + 0xE0);
	rcx = 5;
	__asm__ volatile("cld; rep movsl" : "+S"(rsi), "+D"(rdi), "+c"(rcx) :: "memory");
	ok = rcx == 0 && rsi == (uint64_t)(uintptr_t)(src + 20) &&
	     rdi == (uint64_t)(uintptr_t)(td.mmio + 0xF4) && td_reg(TDEV_REG_COUNT) == 5 &&
	     td_reg(TDEV_REG_LAST) == TDEV_LAST(0xF0, 4, true);
	for (int i = 0; ok && i < 20; i++)
		ok = td.mmio[0xE0 + i] == src[i];
	rt_check("mmio/rep_movsl_ram_to_mmio", ok, "rcx %lu, %u accesses, last 0x%x", rcx,
		 td_reg(TDEV_REG_COUNT), td_reg(TDEV_REG_LAST));

	/* MMIO -> RAM: the source exits. */
	rt_memset(dst, 0, sizeof(dst));
	td_clear();
	rsi = (uint64_t)(uintptr_t)(td.mmio + 0xE1);
	rdi = (uint64_t)(uintptr_t)dst;
	rcx = 7;
	__asm__ volatile("cld; rep movsb" : "+S"(rsi), "+D"(rdi), "+c"(rcx) :: "memory");
	ok = rcx == 0 && rdi == (uint64_t)(uintptr_t)(dst + 7) && td_reg(TDEV_REG_COUNT) == 7 &&
	     td_reg(TDEV_REG_LAST) == TDEV_LAST(0xE7, 1, false) && dst[7] == 0;
	for (int i = 0; ok && i < 7; i++)
		ok = dst[i] == src[1 + i];
	rt_check("mmio/rep_movsb_mmio_to_ram", ok, "rcx %lu, %u accesses, last 0x%x", rcx,
		 td_reg(TDEV_REG_COUNT), td_reg(TDEV_REG_LAST));

	/* MMIO -> MMIO: one read of the source, one write of the destination. */
	mmio_set64(0x90, 0x0F1E2D3C4B5A6978ULL);
	mmio_set64(0x98, 0);
	td_clear();
	rsi = (uint64_t)(uintptr_t)(td.mmio + 0x90);
	rdi = (uint64_t)(uintptr_t)(td.mmio + 0x98);
	__asm__ volatile("cld; movsq" : "+S"(rsi), "+D"(rdi) :: "memory");
	ok = rsi == (uint64_t)(uintptr_t)(td.mmio + 0x98) &&
	     rdi == (uint64_t)(uintptr_t)(td.mmio + 0xA0) && td_reg(TDEV_REG_COUNT) == 2 &&
	     td_reg(TDEV_REG_LAST) == TDEV_LAST(0x98, 8, true);
	rt_check("mmio/movsq_mmio_to_mmio", ok && mmio_get64(0x98) == 0x0F1E2D3C4B5A6978ULL,
		 "%u accesses, last 0x%x, mem 0x%lx", td_reg(TDEV_REG_COUNT),
		 td_reg(TDEV_REG_LAST), mmio_get64(0x98));
}

/* Port I/O to acrn-dm: every width reads back, bytes compose little-endian. */
static void check_pio(void)
{
	uint16_t p = (uint16_t)(td.pio + TDEV_PIO_SCRATCH);
	uint32_t a, b, c;

	rt_outl(p, 0x11223344);
	a = rt_inl(p);
	rt_outw((uint16_t)(p + 1), 0xA5B6);
	rt_outb((uint16_t)(p + 3), 0x7F);
	b = rt_inl(p);
	c = (uint32_t)rt_inw((uint16_t)(p + 2)) << 16 | rt_inb(p);
	rt_check("mmio/pio_scratch_widths", a == 0x11223344 && b == 0x7FA5B644 && c == 0x7FA50044,
		 "0x%x 0x%x 0x%x", a, b, c);
}

void rt_guest_main(void)
{
	uint32_t id = 0;

	if (rt_testdev_find(&td) == 0)
		id = td_reg(TDEV_REG_ID);
	if (!rt_check("mmio/testdev_found", id == TDEV_ID_VALUE && rt_inl((uint16_t)(td.pio + TDEV_PIO_ID)) == TDEV_ID_VALUE,
		      "no testdev on bus 0 (ID 0x%x): run with -s N,testdev", id))
		return;
	rt_printf("# testdev at slot %u, BAR0 %p, BAR1 0x%x\n", td.slot, (void *)td.mmio, td.pio);
	check_mov();
	check_moffs();
	check_movzx_movsx();
	check_logic();
	check_test_cmp();
	check_bt();
	check_literal();
	check_string();
	check_pio();
	rt_check("mmio/device_saw_no_bad_access", td_reg(TDEV_REG_BAD) == 0,
		 "%u accesses of undefined width or offset", td_reg(TDEV_REG_BAD));
}

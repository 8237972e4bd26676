/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * x86 MMIO instruction emulator.
 *
 * Completes an instruction decoded by instr_decode.c against the MMIO access
 * that caused an EPT violation.  All side effects go through the caller's
 * struct instr_emul_ops; the register state is worked on in a local copy and
 * committed only when every access succeeded, so a failed emulation leaves
 * the vCPU exactly as it was.
 *
 * The MMIO operand is accessed at the guest-physical address from the exit
 * (struct instr_emul_access), not at an address recomputed from the
 * registers: that is the address the processor really used, and the library
 * has no page tables to walk.  Only the ordinary-memory side of MOVS is
 * addressed by linear address through mem_read()/mem_write().
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <lib/errno.h>
#include <lib/string.h>
#include <lib/util.h>
#include <arch/x86/instr_emul.h>

static uint64_t emul_mask(unsigned int size)
{
	return (size >= 8U) ? ~0ULL : ((1ULL << (size * 8U)) - 1ULL);
}

static uint64_t emul_sign_bit(unsigned int size)
{
	return 1ULL << (size * 8U - 1U);
}

/* Sign-extend the low size bytes of v to 64 bits. */
static uint64_t emul_sext(uint64_t v, unsigned int size)
{
	uint64_t m = emul_mask(size);

	v &= m;
	if (v & emul_sign_bit(size))
		v |= ~m;
	return v;
}

static bool emul_size_ok(unsigned int size)
{
	return size == 1U || size == 2U || size == 4U || size == 8U;
}

static uint64_t emul_reg_get(const struct instr_emul_regs *r, const struct instr_emul_reg *reg,
			     unsigned int size)
{
	uint64_t v = r->gpr[reg->index & 15U];

	if (reg->high8)
		return (v >> 8) & 0xFFU;
	return v & emul_mask(size);
}

/*
 * Register writes follow SDM Vol. 1, 3.4.1.1: a 32-bit destination is
 * zero-extended to 64 bits, 8- and 16-bit destinations leave the other bits
 * unchanged.  AH/CH/DH/BH replace bits 15:8.
 */
static void emul_reg_set(struct instr_emul_regs *r, const struct instr_emul_reg *reg,
			 unsigned int size, uint64_t val)
{
	uint64_t *g = &r->gpr[reg->index & 15U];

	if (reg->high8) {
		*g = (*g & ~0xFF00ULL) | ((val & 0xFFU) << 8);
	} else if (size >= 4U) {
		*g = val & emul_mask(size);
	} else {
		*g = (*g & ~emul_mask(size)) | (val & emul_mask(size));
	}
}

static void emul_gpr_set(struct instr_emul_regs *r, unsigned int idx, unsigned int size,
			 uint64_t val)
{
	struct instr_emul_reg reg = { .index = (uint8_t)idx, .high8 = false };

	emul_reg_set(r, &reg, size, val);
}

/*
 * Segment base for a linear address (SDM Vol. 3A, 3.4; 64-bit mode:
 * Vol. 1, 3.4.2.1 — CS, DS, ES and SS bases are treated as zero).
 */
static uint64_t emul_linear(const struct instr_emul_regs *r, enum instr_emul_seg seg,
			    uint64_t ea)
{
	uint64_t base = 0;

	if (seg < INSTR_EMUL_NR_SEGS &&
	    (r->mode != INSTR_EMUL_MODE_64BIT || seg == INSTR_EMUL_FS || seg == INSTR_EMUL_GS))
		base = r->seg_base[seg];
	if (r->mode != INSTR_EMUL_MODE_64BIT)
		return (base + ea) & 0xFFFFFFFFULL;
	return base + ea;
}

/* Effective address of the ModRM/moffs operand (SDM Vol. 2A, 2.1.5). */
static uint64_t emul_ea(const struct instr_emul_insn *insn, const struct instr_emul_regs *r)
{
	const struct instr_emul_mem *m = &insn->mem;
	uint64_t ea;

	if (m->rip_relative) {
		ea = r->rip + insn->length + (uint64_t)m->disp;
	} else {
		ea = (uint64_t)m->disp;
		if (m->base >= 0)
			ea += r->gpr[m->base & 15];
		if (m->index >= 0)
			ea += r->gpr[m->index & 15] * m->scale;
	}
	return ea & emul_mask(insn->addr_size);
}

/*
 * BT with a register bit offset and a memory operand addresses the bit
 * string starting at the operand: the offset is signed, and the unit
 * accessed is ea + op_size * floor(offset / (8 * op_size)) (SDM Vol. 2A, BT).
 */
static int64_t emul_bt_unit_delta(const struct instr_emul_insn *insn,
				  const struct instr_emul_regs *r)
{
	int64_t off;
	unsigned int shift = (insn->op_size == 2) ? 4U : (insn->op_size == 4) ? 5U : 6U;

	if (insn->op != INSTR_EMUL_OP_BT || insn->src != INSTR_EMUL_SRC_REG)
		return 0;
	off = (int64_t)emul_sext(emul_reg_get(r, &insn->reg, insn->op_size), insn->op_size);
	/* Arithmetic shift: floor division by the bit width for negatives too. */
	return (off >> shift) * (int64_t)insn->op_size;
}

int instr_emul_operand_gla(const struct instr_emul_insn *insn,
			   const struct instr_emul_regs *regs,
			   enum instr_emul_operand which, uint64_t *gla)
{
	bool string;
	uint64_t amask, ea;

	if (insn == NULL || regs == NULL || gla == NULL || !emul_size_ok(insn->addr_size) ||
	    insn->addr_size == 1U)
		return -EINVAL;
	amask = emul_mask(insn->addr_size);
	string = insn->op == INSTR_EMUL_OP_STOS || insn->op == INSTR_EMUL_OP_MOVS;

	if (which == INSTR_EMUL_OPERAND_MEM && string)
		which = INSTR_EMUL_OPERAND_STR_DST;
	switch (which) {
	case INSTR_EMUL_OPERAND_MEM:
		if (!insn->mem.present)
			return -EINVAL;
		ea = (emul_ea(insn, regs) + (uint64_t)emul_bt_unit_delta(insn, regs)) & amask;
		*gla = emul_linear(regs, insn->mem.seg, ea);
		return 0;
	case INSTR_EMUL_OPERAND_STR_SRC:
		if (insn->op != INSTR_EMUL_OP_MOVS)
			return -EINVAL;
		*gla = emul_linear(regs, insn->mem.seg, regs->gpr[INSTR_EMUL_RSI] & amask);
		return 0;
	case INSTR_EMUL_OPERAND_STR_DST:
		if (!string)
			return -EINVAL;
		/* ES:rDI cannot be overridden (SDM Vol. 2B, STOS/MOVS). */
		*gla = emul_linear(regs, INSTR_EMUL_ES, regs->gpr[INSTR_EMUL_RDI] & amask);
		return 0;
	default:
		return -EINVAL;
	}
}

static bool emul_parity_even(uint64_t v)
{
	uint8_t b = (uint8_t)v;

	b ^= (uint8_t)(b >> 4);
	b ^= (uint8_t)(b >> 2);
	b ^= (uint8_t)(b >> 1);
	return (b & 1U) == 0U;
}

/*
 * Result and status flags of the two-operand arithmetic/logic instructions
 * (SDM Vol. 2A/2B, ADD, SUB, CMP, AND, OR, XOR, TEST; flag definitions
 * Vol. 1, 3.4.3.1):
 *  - ADD: CF = carry out of the MSB, OF = both operands have the same sign
 *    and the result the other, AF = carry out of bit 3;
 *  - SUB/CMP: CF = borrow (a < b unsigned), OF = operands of different sign
 *    and the result's sign differs from a, AF = borrow from bit 4;
 *  - AND/OR/XOR/TEST: CF = OF = 0; AF is undefined, we clear it as current
 *    Intel processors do;
 *  - all: ZF, SF from the result, PF = even parity of its low byte.
 */
static uint64_t emul_alu(enum instr_emul_op op, uint64_t a, uint64_t b, unsigned int size,
			 uint64_t *flags)
{
	uint64_t m = emul_mask(size), sign = emul_sign_bit(size);
	uint64_t res, f = 0;

	a &= m;
	b &= m;
	switch (op) {
	case INSTR_EMUL_OP_ADD:
		res = (a + b) & m;
		if (((a & b) | ((a | b) & ~res)) & sign)
			f |= INSTR_EMUL_RFLAGS_CF;
		if ((a ^ res) & (b ^ res) & sign)
			f |= INSTR_EMUL_RFLAGS_OF;
		if ((a ^ b ^ res) & 0x10U)
			f |= INSTR_EMUL_RFLAGS_AF;
		break;
	case INSTR_EMUL_OP_SUB:
	case INSTR_EMUL_OP_CMP:
		res = (a - b) & m;
		if (a < b)
			f |= INSTR_EMUL_RFLAGS_CF;
		if ((a ^ b) & (a ^ res) & sign)
			f |= INSTR_EMUL_RFLAGS_OF;
		if ((a ^ b ^ res) & 0x10U)
			f |= INSTR_EMUL_RFLAGS_AF;
		break;
	case INSTR_EMUL_OP_AND:
	case INSTR_EMUL_OP_TEST:
		res = a & b;
		break;
	case INSTR_EMUL_OP_OR:
		res = a | b;
		break;
	default: /* XOR */
		res = a ^ b;
		break;
	}
	if (res == 0)
		f |= INSTR_EMUL_RFLAGS_ZF;
	if (res & sign)
		f |= INSTR_EMUL_RFLAGS_SF;
	if (emul_parity_even(res))
		f |= INSTR_EMUL_RFLAGS_PF;
	*flags = f;
	return res;
}

struct emul_ctx {
	const struct instr_emul_insn *insn;
	struct instr_emul_regs *r;	/* working copy */
	const struct instr_emul_access *acc;
	const struct instr_emul_ops *ops;
	void *ctx;
	bool advance_rip;
};

static int emul_mmio_read(struct emul_ctx *e, unsigned int size, uint64_t *val)
{
	uint64_t v = 0;
	int ret = e->ops->mmio_read(e->ctx, e->acc->gpa, &v, size);

	/* A device model may leave junk above the access size. */
	*val = v & emul_mask(size);
	return ret;
}

static int emul_mmio_write(struct emul_ctx *e, unsigned int size, uint64_t val)
{
	return e->ops->mmio_write(e->ctx, e->acc->gpa, val & emul_mask(size), size);
}

/* MOV r/m, reg / MOV r/m, imm / MOV moffs, rAX (SDM Vol. 2B, MOV). */
static int emul_mov_to_mem(struct emul_ctx *e)
{
	const struct instr_emul_insn *insn = e->insn;
	uint64_t val;

	if (insn->src == INSTR_EMUL_SRC_IMM)
		val = (uint64_t)insn->imm;
	else
		val = emul_reg_get(e->r, &insn->reg, insn->op_size);
	return emul_mmio_write(e, insn->op_size, val);
}

/*
 * MOV reg, r/m and MOV rAX, moffs (SDM Vol. 2B, MOV); MOVZX and MOVSX/MOVSXD
 * (SDM Vol. 2B, MOVZX, MOVSX/MOVSXD): read mem_size bytes, zero- or
 * sign-extend to the operand size, write the register.
 */
static int emul_load(struct emul_ctx *e)
{
	const struct instr_emul_insn *insn = e->insn;
	uint64_t val;
	int ret;

	ret = emul_mmio_read(e, insn->mem_size, &val);
	if (ret != 0)
		return ret;
	if (insn->op == INSTR_EMUL_OP_MOVSX)
		val = emul_sext(val, insn->mem_size);
	emul_reg_set(e->r, &insn->reg, insn->op_size, val & emul_mask(insn->op_size));
	return 0;
}

/*
 * ADD/OR/AND/SUB/XOR/CMP/TEST with an MMIO operand.  The first operand is
 * the memory one unless the opcode's direction bit makes the register the
 * destination; CMP and TEST only set flags.
 */
static int emul_arith(struct emul_ctx *e)
{
	const struct instr_emul_insn *insn = e->insn;
	unsigned int size = insn->op_size;
	uint64_t mem, other, a, b, res, flags;
	int ret;

	ret = emul_mmio_read(e, size, &mem);
	if (ret != 0)
		return ret;
	if (insn->src == INSTR_EMUL_SRC_IMM)
		other = (uint64_t)insn->imm & emul_mask(size);
	else
		other = emul_reg_get(e->r, &insn->reg, size);
	a = insn->mem_is_dest ? mem : other;
	b = insn->mem_is_dest ? other : mem;
	res = emul_alu(insn->op, a, b, size, &flags);

	if (insn->op != INSTR_EMUL_OP_CMP && insn->op != INSTR_EMUL_OP_TEST) {
		if (insn->mem_is_dest) {
			ret = emul_mmio_write(e, size, res);
			if (ret != 0)
				return ret;
		} else {
			emul_reg_set(e->r, &insn->reg, size, res);
		}
	}
	e->r->rflags = (e->r->rflags & ~INSTR_EMUL_RFLAGS_STATUS) | flags;
	return 0;
}

/*
 * BT (SDM Vol. 2A, BT): CF = selected bit.  ZF is unaffected and OF, SF, AF,
 * PF are undefined; we leave them unchanged.  The access is the
 * operand-sized unit holding the bit, which is what the processor touched
 * and therefore what acc->gpa already points to.
 */
static int emul_bt(struct emul_ctx *e)
{
	const struct instr_emul_insn *insn = e->insn;
	unsigned int bits = insn->op_size * 8U;
	uint64_t mem, off;
	int ret;

	ret = emul_mmio_read(e, insn->op_size, &mem);
	if (ret != 0)
		return ret;
	if (insn->src == INSTR_EMUL_SRC_IMM)
		off = (uint64_t)insn->imm;
	else
		off = emul_reg_get(e->r, &insn->reg, insn->op_size);
	off &= bits - 1U;
	if ((mem >> off) & 1U)
		e->r->rflags |= INSTR_EMUL_RFLAGS_CF;
	else
		e->r->rflags &= ~INSTR_EMUL_RFLAGS_CF;
	return 0;
}

/*
 * Register updates shared by the string instructions (SDM Vol. 2B, MOVS,
 * STOS and REP): rSI/rDI move by the operand size, down if RFLAGS.DF is set;
 * the address size picks SI/ESI/RSI, DI/EDI/RDI and CX/ECX/RCX, with the
 * usual register-write rules (16-bit keeps the upper bits, 32-bit
 * zero-extends).
 */
static void emul_string_step(struct emul_ctx *e, bool has_src)
{
	const struct instr_emul_insn *insn = e->insn;
	struct instr_emul_regs *r = e->r;
	unsigned int as = insn->addr_size;
	uint64_t step = insn->op_size;
	uint64_t count;

	if (r->rflags & INSTR_EMUL_RFLAGS_DF)
		step = 0ULL - step;
	emul_gpr_set(r, INSTR_EMUL_RDI, as, r->gpr[INSTR_EMUL_RDI] + step);
	if (has_src)
		emul_gpr_set(r, INSTR_EMUL_RSI, as, r->gpr[INSTR_EMUL_RSI] + step);
	if (insn->rep == 0)
		return;
	count = (r->gpr[INSTR_EMUL_RCX] & emul_mask(as)) - 1U;
	emul_gpr_set(r, INSTR_EMUL_RCX, as, count);
	/* One iteration per exit: re-execute until the count runs out. */
	e->advance_rip = (count & emul_mask(as)) == 0;
}

/* A REP string instruction with rCX == 0 does nothing but advance RIP. */
static bool emul_rep_done(const struct emul_ctx *e)
{
	return e->insn->rep != 0 &&
	       (e->r->gpr[INSTR_EMUL_RCX] & emul_mask(e->insn->addr_size)) == 0;
}

/* STOS (SDM Vol. 2B, STOS): store AL/AX/EAX/RAX at ES:rDI, which is the MMIO. */
static int emul_stos(struct emul_ctx *e)
{
	const struct instr_emul_insn *insn = e->insn;
	struct instr_emul_reg rax = { .index = INSTR_EMUL_RAX, .high8 = false };
	int ret;

	if (emul_rep_done(e))
		return 0;
	ret = emul_mmio_write(e, insn->op_size, emul_reg_get(e->r, &rax, insn->op_size));
	if (ret != 0)
		return ret;
	emul_string_step(e, false);
	return 0;
}

static uint64_t emul_le_load(const uint8_t *b, unsigned int size)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < size; i++)
		v |= (uint64_t)b[i] << (8U * i);
	return v;
}

static void emul_le_store(uint8_t *b, uint64_t v, unsigned int size)
{
	unsigned int i;

	for (i = 0; i < size; i++)
		b[i] = (uint8_t)(v >> (8U * i));
}

/*
 * MOVS (SDM Vol. 2B, MOVS): copy seg:rSI to ES:rDI.  The exit tells which
 * side faulted: a write fault means the destination is the MMIO and the
 * source was readable memory; a read fault means the source is the MMIO and
 * the destination is written through mem_write() (which may itself route to
 * another MMIO region).
 */
static int emul_movs(struct emul_ctx *e)
{
	const struct instr_emul_insn *insn = e->insn;
	unsigned int size = insn->op_size;
	uint8_t tmp[8];
	uint64_t gla, val;
	int ret;

	if (emul_rep_done(e))
		return 0;
	if (e->ops->mem_read == NULL || e->ops->mem_write == NULL)
		return -ENOTSUP;
	if (e->acc->is_write) {
		ret = instr_emul_operand_gla(insn, e->r, INSTR_EMUL_OPERAND_STR_SRC, &gla);
		if (ret == 0)
			ret = e->ops->mem_read(e->ctx, gla, tmp, size);
		if (ret == 0)
			ret = emul_mmio_write(e, size, emul_le_load(tmp, size));
	} else {
		ret = emul_mmio_read(e, size, &val);
		if (ret == 0)
			ret = instr_emul_operand_gla(insn, e->r, INSTR_EMUL_OPERAND_STR_DST, &gla);
		if (ret == 0) {
			emul_le_store(tmp, val, size);
			ret = e->ops->mem_write(e->ctx, gla, tmp, size);
		}
	}
	if (ret != 0)
		return ret;
	emul_string_step(e, true);
	return 0;
}

/*
 * Next RIP: the instruction pointer is as wide as the code segment — 64-bit
 * mode RIP, else EIP or IP by CS.D (SDM Vol. 1, 3.5 and 3.6).
 */
static uint64_t emul_next_rip(const struct instr_emul_regs *r, unsigned int length)
{
	uint64_t rip = r->rip + length;

	if (r->mode == INSTR_EMUL_MODE_64BIT)
		return rip;
	if (r->mode == INSTR_EMUL_MODE_PROTECTED && r->cs_d)
		return rip & 0xFFFFFFFFULL;
	return rip & 0xFFFFULL;
}

/* Reject a decoded instruction the emulator cannot trust (built by hand or stale). */
static bool emul_insn_ok(const struct instr_emul_insn *insn)
{
	if (insn->length == 0 || insn->length > INSTR_EMUL_MAX_LEN ||
	    !emul_size_ok(insn->op_size) || !emul_size_ok(insn->mem_size) ||
	    !emul_size_ok(insn->addr_size) || insn->addr_size == 1U ||
	    insn->reg.index >= INSTR_EMUL_NR_GPRS || (insn->reg.high8 && insn->reg.index > 3U))
		return false;
	if (insn->op == INSTR_EMUL_OP_STOS || insn->op == INSTR_EMUL_OP_MOVS)
		return true;
	return insn->mem.present && insn->mem.base < INSTR_EMUL_NR_GPRS &&
	       insn->mem.index < INSTR_EMUL_NR_GPRS;
}

int instr_emul_emulate(const struct instr_emul_insn *insn, struct instr_emul_regs *regs,
		       const struct instr_emul_access *acc,
		       const struct instr_emul_ops *ops, void *ctx)
{
	struct instr_emul_regs work;
	struct emul_ctx e;
	int ret;

	if (insn == NULL || regs == NULL || acc == NULL || ops == NULL ||
	    ops->mmio_read == NULL || ops->mmio_write == NULL || !emul_insn_ok(insn))
		return -EINVAL;

	work = *regs;
	e = (struct emul_ctx){ .insn = insn, .r = &work, .acc = acc, .ops = ops,
			       .ctx = ctx, .advance_rip = true };
	switch (insn->op) {
	case INSTR_EMUL_OP_MOV_TO_MEM:
		ret = emul_mov_to_mem(&e);
		break;
	case INSTR_EMUL_OP_MOV_FROM_MEM:
	case INSTR_EMUL_OP_MOVZX:
	case INSTR_EMUL_OP_MOVSX:
		ret = emul_load(&e);
		break;
	case INSTR_EMUL_OP_ADD:
	case INSTR_EMUL_OP_OR:
	case INSTR_EMUL_OP_AND:
	case INSTR_EMUL_OP_SUB:
	case INSTR_EMUL_OP_XOR:
	case INSTR_EMUL_OP_CMP:
	case INSTR_EMUL_OP_TEST:
		ret = emul_arith(&e);
		break;
	case INSTR_EMUL_OP_BT:
		ret = emul_bt(&e);
		break;
	case INSTR_EMUL_OP_STOS:
		ret = emul_stos(&e);
		break;
	case INSTR_EMUL_OP_MOVS:
		ret = emul_movs(&e);
		break;
	default:
		ret = -ENOTSUP;
		break;
	}
	if (ret != 0)
		return ret;
	if (e.advance_rip)
		work.rip = emul_next_rip(&work, insn->length);
	*regs = work;
	return 0;
}

int instr_emul_run(const uint8_t *buf, size_t len, struct instr_emul_regs *regs,
		   const struct instr_emul_access *acc,
		   const struct instr_emul_ops *ops, void *ctx)
{
	struct instr_emul_insn insn;
	int ret;

	if (regs == NULL)
		return -EINVAL;
	ret = instr_emul_decode(buf, len, regs->mode, regs->cs_d, &insn);
	if (ret != 0)
		return ret;
	return instr_emul_emulate(&insn, regs, acc, ops, ctx);
}

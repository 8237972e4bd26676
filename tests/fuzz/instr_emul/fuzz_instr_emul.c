/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the instruction decoder and MMIO emulator.
 *
 * Input: a 10-byte header choosing the vCPU state, then the instruction
 * bytes (any length, so over-long encodings are exercised too).
 *   byte 0: bits 1:0 mode (0 real, 1 protected, 2-3 64-bit), bit 2 CS.D,
 *           bit 3 RFLAGS.DF, bit 4 fault is a write, bit 5 make mmio_read
 *           fail, bit 6 make mmio_write fail, bit 7 small RCX
 *   byte 1: RCX value when bit 7 of byte 0 is set
 *   bytes 2-9: seed for every other register and for MMIO read values
 *
 * Properties checked (abort() on violation):
 *  - decoding is deterministic and never reads past the given length
 *    (the bytes live in an exact-size heap copy, so ASan sees any over-read);
 *  - the decoded length is <= the input length and <= 15; the first
 *    `length` bytes alone decode to the same result and one byte fewer gives
 *    -EAGAIN; failures leave the output zeroed and use the documented codes;
 *  - decoded fields are within their ranges and consistent with the mode;
 *  - the emulator touches MMIO only at the faulting gpa, with the size the
 *    instruction implies, in the order read-then-write, never more than one
 *    read and one write; ordinary memory only for MOVS, at the address
 *    instr_emul_operand_gla() reports;
 *  - on failure the registers are unchanged; on success only the registers
 *    the instruction may write change, RIP advances by the length (or stays
 *    for an unfinished REP), and results and RFLAGS match an independent
 *    reference model.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lib/errno.h>
#include <arch/x86/instr_emul.h>

#define HDR 10
#define CHECK(c) do { if (!(c)) abort(); } while (0)

struct fz {
	const struct instr_emul_insn *insn;
	struct instr_emul_regs before;
	struct instr_emul_access acc;
	uint64_t seed;
	bool fail_read, fail_write;
	unsigned int nread, nwrite, nmem;
	uint64_t read_val;	/* value returned by the MMIO read, masked */
	uint64_t write_val;
	uint64_t mem_val;
	uint64_t exp_mem_gla;
};

static uint64_t fz_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static uint64_t fz_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static bool fz_size_ok(unsigned int size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

static bool fz_is_string(const struct instr_emul_insn *in)
{
	return in->op == INSTR_EMUL_OP_STOS || in->op == INSTR_EMUL_OP_MOVS;
}

static bool fz_reads_mmio(const struct instr_emul_insn *in, bool is_write)
{
	switch (in->op) {
	case INSTR_EMUL_OP_MOV_TO_MEM:
	case INSTR_EMUL_OP_STOS:
		return false;
	case INSTR_EMUL_OP_MOVS:
		return !is_write;
	default:
		return true;
	}
}

static bool fz_writes_mmio(const struct instr_emul_insn *in, bool is_write)
{
	switch (in->op) {
	case INSTR_EMUL_OP_MOV_TO_MEM:
	case INSTR_EMUL_OP_STOS:
		return true;
	case INSTR_EMUL_OP_MOVS:
		return is_write;
	case INSTR_EMUL_OP_ADD:
	case INSTR_EMUL_OP_OR:
	case INSTR_EMUL_OP_AND:
	case INSTR_EMUL_OP_SUB:
	case INSTR_EMUL_OP_XOR:
		return in->mem_is_dest;
	default:
		return false;
	}
}

static unsigned int fz_mmio_size(const struct instr_emul_insn *in)
{
	return in->mem_size;
}

static int fz_mmio_read(void *ctx, uint64_t gpa, uint64_t *val, unsigned int size)
{
	struct fz *f = ctx;
	uint64_t v;

	CHECK(gpa == f->acc.gpa);
	CHECK(fz_size_ok(size) && size == fz_mmio_size(f->insn));
	CHECK(fz_reads_mmio(f->insn, f->acc.is_write));
	CHECK(f->nread == 0 && f->nwrite == 0);
	f->nread++;
	if (f->fail_read)
		return -EIO;
	v = fz_rand(&f->seed);
	f->read_val = v & fz_mask(size);
	*val = v;	/* junk above size on purpose */
	return 0;
}

static int fz_mmio_write(void *ctx, uint64_t gpa, uint64_t val, unsigned int size)
{
	struct fz *f = ctx;

	CHECK(gpa == f->acc.gpa);
	CHECK(fz_size_ok(size) && size == fz_mmio_size(f->insn));
	CHECK(fz_writes_mmio(f->insn, f->acc.is_write));
	CHECK((val & ~fz_mask(size)) == 0);
	CHECK(f->nwrite == 0);
	f->nwrite++;
	f->write_val = val;
	return f->fail_write ? -EIO : 0;
}

static int fz_mem_read(void *ctx, uint64_t gla, void *buf, unsigned int size)
{
	struct fz *f = ctx;
	uint64_t v = fz_rand(&f->seed);

	CHECK(f->insn->op == INSTR_EMUL_OP_MOVS && f->acc.is_write);
	CHECK(gla == f->exp_mem_gla && size == f->insn->op_size);
	CHECK(f->nmem == 0 && f->nwrite == 0);
	f->nmem++;
	memcpy(buf, &v, size);	/* host is little-endian x86 */
	f->mem_val = v & fz_mask(size);
	return 0;
}

static int fz_mem_write(void *ctx, uint64_t gla, const void *buf, unsigned int size)
{
	struct fz *f = ctx;
	uint64_t v = 0;

	CHECK(f->insn->op == INSTR_EMUL_OP_MOVS && !f->acc.is_write);
	CHECK(gla == f->exp_mem_gla && size == f->insn->op_size);
	CHECK(f->nmem == 0 && f->nread == 1);
	f->nmem++;
	memcpy(&v, buf, size);
	f->mem_val = v;
	return 0;
}

static const struct instr_emul_ops fz_ops = {
	.mmio_read = fz_mmio_read,
	.mmio_write = fz_mmio_write,
	.mem_read = fz_mem_read,
	.mem_write = fz_mem_write,
};

static void fz_check_fields(const struct instr_emul_insn *in, enum instr_emul_cpu_mode mode,
			    size_t len)
{
	bool m64 = mode == INSTR_EMUL_MODE_64BIT;

	CHECK(in->length >= 1 && in->length <= INSTR_EMUL_MAX_LEN && in->length <= len);
	CHECK(in->op != INSTR_EMUL_OP_NONE);
	CHECK(fz_size_ok(in->op_size) && fz_size_ok(in->mem_size) && in->mem_size <= in->op_size);
	CHECK(in->addr_size == 2 || in->addr_size == 4 || in->addr_size == 8);
	CHECK(m64 || (in->op_size != 8 && in->addr_size != 8 && in->rex == 0));
	CHECK(!m64 || in->addr_size != 2);
	CHECK(in->reg.index < 16);
	CHECK(!in->reg.high8 || (in->reg.index < 4 && in->op_size == 1 && in->rex == 0));
	CHECK(in->mem.base >= -1 && in->mem.base < 16);
	CHECK(in->mem.index >= -1 && in->mem.index < 16);
	CHECK(in->mem.scale == 1 || in->mem.scale == 2 || in->mem.scale == 4 || in->mem.scale == 8);
	CHECK(in->mem.seg < INSTR_EMUL_NR_SEGS);
	CHECK(!in->mem.rip_relative || (m64 && in->mem.base == -1 && in->mem.index == -1));
	CHECK(!in->lock || (in->mem.present && in->mem_is_dest &&
			    (in->op == INSTR_EMUL_OP_ADD || in->op == INSTR_EMUL_OP_OR ||
			     in->op == INSTR_EMUL_OP_AND || in->op == INSTR_EMUL_OP_SUB ||
			     in->op == INSTR_EMUL_OP_XOR)));
	CHECK(fz_is_string(in) == (in->src == INSTR_EMUL_SRC_NONE));
	/* memory access width by opcode (SDM Vol. 2B, MOVZX, MOVSX/MOVSXD) */
	if (in->two_byte && (in->opcode == 0xB6 || in->opcode == 0xBE))
		CHECK(in->mem_size == 1 && in->op_size >= 2);
	else if (in->two_byte && (in->opcode == 0xB7 || in->opcode == 0xBF))
		CHECK(in->mem_size == 2 && in->op_size >= 2);
	else if (!in->two_byte && in->opcode == 0x63)
		CHECK(in->mem_size == (in->op_size < 4 ? in->op_size : 4));
	else
		CHECK(in->mem_size == in->op_size);
	/* byte-sized opcodes have the low opcode bit clear */
	if (!in->two_byte && in->opcode != 0x63 && in->opcode != 0x83)
		CHECK((in->op_size == 1) == ((in->opcode & 1) == 0));
}

/* Reference flags from wide arithmetic, independent of the library's formulas. */
static uint64_t fz_ref_alu(enum instr_emul_op op, uint64_t a, uint64_t b, unsigned int size,
			   uint64_t *flags)
{
	unsigned int bits = 8 * size;
	uint64_t m = fz_mask(size);
	__int128 sa = (__int128)(int64_t)(a << (64 - bits)) >> (64 - bits);
	__int128 sb = (__int128)(int64_t)(b << (64 - bits)) >> (64 - bits);
	__int128 smin = -((__int128)1 << (bits - 1)), smax = ((__int128)1 << (bits - 1)) - 1;
	unsigned __int128 wide;
	__int128 s;
	uint64_t res, f = 0;

	switch (op) {
	case INSTR_EMUL_OP_ADD:
		wide = (unsigned __int128)a + b;
		s = sa + sb;
		res = (uint64_t)wide & m;
		if (wide > m)
			f |= INSTR_EMUL_RFLAGS_CF;
		if (s < smin || s > smax)
			f |= INSTR_EMUL_RFLAGS_OF;
		if ((a & 0xF) + (b & 0xF) > 0xF)
			f |= INSTR_EMUL_RFLAGS_AF;
		break;
	case INSTR_EMUL_OP_SUB:
	case INSTR_EMUL_OP_CMP:
		res = (a - b) & m;
		s = sa - sb;
		if (a < b)
			f |= INSTR_EMUL_RFLAGS_CF;
		if (s < smin || s > smax)
			f |= INSTR_EMUL_RFLAGS_OF;
		if ((a & 0xF) < (b & 0xF))
			f |= INSTR_EMUL_RFLAGS_AF;
		break;
	case INSTR_EMUL_OP_AND:
	case INSTR_EMUL_OP_TEST:
		res = a & b;
		break;
	case INSTR_EMUL_OP_OR:
		res = a | b;
		break;
	default:
		res = a ^ b;
		break;
	}
	if (res == 0)
		f |= INSTR_EMUL_RFLAGS_ZF;
	if ((res >> (bits - 1)) & 1)
		f |= INSTR_EMUL_RFLAGS_SF;
	if (!__builtin_parityll(res & 0xFF))
		f |= INSTR_EMUL_RFLAGS_PF;
	*flags = f;
	return res;
}

static uint64_t fz_reg_read(const struct instr_emul_regs *r, const struct instr_emul_reg *reg,
			    unsigned int size)
{
	if (reg->high8)
		return (r->gpr[reg->index] >> 8) & 0xFF;
	return r->gpr[reg->index] & fz_mask(size);
}

static uint64_t fz_reg_merge(uint64_t old, const struct instr_emul_reg *reg, unsigned int size,
			     uint64_t v)
{
	if (reg->high8)
		return (old & ~0xFF00ULL) | ((v & 0xFF) << 8);
	if (size == 4)
		return v & 0xFFFFFFFFULL;	/* 32-bit writes zero-extend */
	return (old & ~fz_mask(size)) | (v & fz_mask(size));
}

static uint64_t fz_sext(uint64_t v, unsigned int size)
{
	unsigned int sh = 64 - 8 * size;

	return (uint64_t)((int64_t)(v << sh) >> sh);
}

/* Expected state after a successful emulation. */
static void fz_expect(const struct fz *f, struct instr_emul_regs *x, bool *rip_done)
{
	const struct instr_emul_insn *in = f->insn;
	unsigned int sz = in->op_size, as = in->addr_size;
	uint64_t other, a, b, res, flags, step, am = fz_mask(as), cnt;

	*rip_done = true;
	switch (in->op) {
	case INSTR_EMUL_OP_MOV_TO_MEM:
		other = in->src == INSTR_EMUL_SRC_IMM ? (uint64_t)in->imm : fz_reg_read(x, &in->reg, sz);
		CHECK(f->write_val == (other & fz_mask(sz)));
		break;
	case INSTR_EMUL_OP_MOV_FROM_MEM:
	case INSTR_EMUL_OP_MOVZX:
	case INSTR_EMUL_OP_MOVSX:
		res = f->read_val;
		if (in->op == INSTR_EMUL_OP_MOVSX)
			res = fz_sext(res, in->mem_size);
		x->gpr[in->reg.index] = fz_reg_merge(x->gpr[in->reg.index], &in->reg, sz, res);
		break;
	case INSTR_EMUL_OP_BT:
		other = in->src == INSTR_EMUL_SRC_IMM ? (uint64_t)in->imm : fz_reg_read(x, &in->reg, sz);
		x->rflags &= ~INSTR_EMUL_RFLAGS_CF;
		x->rflags |= (f->read_val >> (other % (8 * sz))) & 1;
		break;
	case INSTR_EMUL_OP_STOS:
	case INSTR_EMUL_OP_MOVS:
		cnt = x->gpr[INSTR_EMUL_RCX] & am;
		if (in->rep && cnt == 0)
			break;
		if (in->op == INSTR_EMUL_OP_STOS)
			CHECK(f->write_val == (x->gpr[INSTR_EMUL_RAX] & fz_mask(sz)));
		else if (f->acc.is_write)
			CHECK(f->write_val == f->mem_val);
		else
			CHECK(f->mem_val == f->read_val);
		step = (x->rflags & INSTR_EMUL_RFLAGS_DF) ? (uint64_t)-(int64_t)sz : sz;
		{
			struct instr_emul_reg rdi = { INSTR_EMUL_RDI, false };
			struct instr_emul_reg rsi = { INSTR_EMUL_RSI, false };
			struct instr_emul_reg rcx = { INSTR_EMUL_RCX, false };

			x->gpr[INSTR_EMUL_RDI] = fz_reg_merge(x->gpr[INSTR_EMUL_RDI], &rdi, as,
							      x->gpr[INSTR_EMUL_RDI] + step);
			if (in->op == INSTR_EMUL_OP_MOVS)
				x->gpr[INSTR_EMUL_RSI] = fz_reg_merge(x->gpr[INSTR_EMUL_RSI], &rsi, as,
								      x->gpr[INSTR_EMUL_RSI] + step);
			if (in->rep) {
				x->gpr[INSTR_EMUL_RCX] = fz_reg_merge(x->gpr[INSTR_EMUL_RCX], &rcx,
								      as, cnt - 1);
				*rip_done = (cnt - 1) == 0;
			}
		}
		break;
	default:
		other = in->src == INSTR_EMUL_SRC_IMM ? (uint64_t)in->imm & fz_mask(sz)
						      : fz_reg_read(x, &in->reg, sz);
		a = in->mem_is_dest ? f->read_val : other;
		b = in->mem_is_dest ? other : f->read_val;
		res = fz_ref_alu(in->op, a, b, sz, &flags);
		x->rflags = (x->rflags & ~INSTR_EMUL_RFLAGS_STATUS) | flags;
		if (in->op == INSTR_EMUL_OP_CMP || in->op == INSTR_EMUL_OP_TEST)
			break;
		if (in->mem_is_dest)
			CHECK(f->write_val == res);
		else
			x->gpr[in->reg.index] = fz_reg_merge(x->gpr[in->reg.index], &in->reg, sz, res);
		break;
	}
}

/* Field-wise: struct padding is not guaranteed to survive assignment. */
static bool fz_regs_equal(const struct instr_emul_regs *a, const struct instr_emul_regs *b)
{
	return memcmp(a->gpr, b->gpr, sizeof(a->gpr)) == 0 && a->rip == b->rip &&
	       a->rflags == b->rflags &&
	       memcmp(a->seg_base, b->seg_base, sizeof(a->seg_base)) == 0 &&
	       a->mode == b->mode && a->cs_d == b->cs_d;
}

/*
 * Linear addresses: return codes follow the operand kinds, addresses stay
 * within 4 GiB outside 64-bit mode, and match an effective-address model
 * (base + index * scale + disp, or next RIP + disp, truncated to the
 * address size, plus the segment base) for every ModRM/moffs operand except
 * BT with a register bit offset, whose unit adjustment is unit-tested.
 */
static void fz_check_gla(const struct instr_emul_insn *in, const struct instr_emul_regs *r)
{
	bool string = fz_is_string(in);
	uint64_t gla, ea, base = 0, am = fz_mask(in->addr_size);
	int ret;

	ret = instr_emul_operand_gla(in, r, INSTR_EMUL_OPERAND_STR_SRC, &gla);
	CHECK(ret == (in->op == INSTR_EMUL_OP_MOVS ? 0 : -EINVAL));
	ret = instr_emul_operand_gla(in, r, INSTR_EMUL_OPERAND_STR_DST, &gla);
	CHECK(ret == (string ? 0 : -EINVAL));
	ret = instr_emul_operand_gla(in, r, INSTR_EMUL_OPERAND_MEM, &gla);
	CHECK(ret == ((string || in->mem.present) ? 0 : -EINVAL));
	if (ret != 0)
		return;
	if (r->mode != INSTR_EMUL_MODE_64BIT)
		CHECK(gla <= 0xFFFFFFFFULL);
	if (string || (in->op == INSTR_EMUL_OP_BT && in->src == INSTR_EMUL_SRC_REG))
		return;
	if (in->mem.rip_relative) {
		ea = r->rip + in->length + (uint64_t)in->mem.disp;
	} else {
		ea = (uint64_t)in->mem.disp;
		if (in->mem.base >= 0)
			ea += r->gpr[in->mem.base];
		if (in->mem.index >= 0)
			ea += r->gpr[in->mem.index] * in->mem.scale;
	}
	ea &= am;
	if (r->mode != INSTR_EMUL_MODE_64BIT || in->mem.seg == INSTR_EMUL_FS ||
	    in->mem.seg == INSTR_EMUL_GS)
		base = r->seg_base[in->mem.seg];
	if (r->mode != INSTR_EMUL_MODE_64BIT)
		CHECK(gla == ((base + ea) & 0xFFFFFFFFULL));
	else
		CHECK(gla == base + ea);
}

static void fz_emulate(const uint8_t *data, const struct instr_emul_insn *in,
		       enum instr_emul_cpu_mode mode)
{
	struct instr_emul_regs r, x;
	struct fz f;
	uint64_t seed, next;
	bool rip_done;
	int ret;

	memset(&f, 0, sizeof(f));
	memcpy(&seed, data + 2, sizeof(seed));
	memset(&r, 0, sizeof(r));
	for (unsigned int i = 0; i < INSTR_EMUL_NR_GPRS; i++)
		r.gpr[i] = fz_rand(&seed);
	if (data[0] & 0x80)
		r.gpr[INSTR_EMUL_RCX] = data[1];
	for (unsigned int i = 0; i < INSTR_EMUL_NR_SEGS; i++)
		r.seg_base[i] = fz_rand(&seed) & (mode == INSTR_EMUL_MODE_64BIT ? ~0ULL : 0xFFFFFFFFULL);
	r.rip = fz_rand(&seed);
	r.rflags = 0x2 | (fz_rand(&seed) & 0xCD5);
	if (data[0] & 0x08)
		r.rflags |= INSTR_EMUL_RFLAGS_DF;
	else
		r.rflags &= ~INSTR_EMUL_RFLAGS_DF;
	r.mode = mode;
	r.cs_d = (data[0] & 0x04) != 0;

	f.insn = in;
	f.seed = seed;
	f.acc.gpa = fz_rand(&seed);
	f.acc.is_write = (data[0] & 0x10) != 0;
	f.fail_read = (data[0] & 0x20) != 0;
	f.fail_write = (data[0] & 0x40) != 0;
	if (in->op == INSTR_EMUL_OP_MOVS)
		CHECK(instr_emul_operand_gla(in, &r, f.acc.is_write ? INSTR_EMUL_OPERAND_STR_SRC
								   : INSTR_EMUL_OPERAND_STR_DST,
					     &f.exp_mem_gla) == 0);
	f.before = r;
	fz_check_gla(in, &r);

	ret = instr_emul_emulate(in, &r, &f.acc, &fz_ops, &f);
	CHECK(f.nread <= 1 && f.nwrite <= 1 && f.nmem <= 1);
	if (ret != 0) {
		CHECK(fz_regs_equal(&r, &f.before));
		CHECK(ret == -EINVAL || ret == -EIO);
		CHECK(ret != -EINVAL || !in->mem.present);
		CHECK(ret != -EIO || f.fail_read || f.fail_write);
		return;
	}
	CHECK(in->mem.present || fz_is_string(in));
	CHECK(!f.fail_read || f.nread == 0);
	CHECK(!f.fail_write || f.nwrite == 0);

	x = f.before;
	fz_expect(&f, &x, &rip_done);
	next = x.rip + in->length;
	if (mode != INSTR_EMUL_MODE_64BIT)
		next &= (mode == INSTR_EMUL_MODE_PROTECTED && x.cs_d) ? 0xFFFFFFFFULL : 0xFFFFULL;
	if (rip_done)
		x.rip = next;
	CHECK(fz_regs_equal(&r, &x));
	/* the MMIO side of the access happened exactly as the op implies */
	if (!(in->rep && fz_is_string(in) && (f.before.gpr[INSTR_EMUL_RCX] & fz_mask(in->addr_size)) == 0)) {
		CHECK(f.nread == (fz_reads_mmio(in, f.acc.is_write) ? 1U : 0U));
		CHECK(f.nwrite == (fz_writes_mmio(in, f.acc.is_write) ? 1U : 0U));
		CHECK(f.nmem == (in->op == INSTR_EMUL_OP_MOVS ? 1U : 0U));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct instr_emul_insn a, b;
	enum instr_emul_cpu_mode mode;
	bool cs_d;
	size_t n;
	uint8_t *copy;
	int ra, rb;

	if (size < HDR)
		return 0;
	mode = (data[0] & 3) == 0 ? INSTR_EMUL_MODE_REAL :
	       (data[0] & 3) == 1 ? INSTR_EMUL_MODE_PROTECTED : INSTR_EMUL_MODE_64BIT;
	cs_d = (data[0] & 0x04) != 0;
	n = size - HDR;
	copy = malloc(n ? n : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data + HDR, n);

	ra = instr_emul_decode(copy, n, mode, cs_d, &a);
	rb = instr_emul_decode(copy, n, mode, cs_d, &b);
	CHECK(ra == rb && memcmp(&a, &b, sizeof(a)) == 0);
	if (ra != 0) {
		static const struct instr_emul_insn zero;

		CHECK(ra == -EAGAIN || ra == -EINVAL || ra == -ENOTSUP);
		CHECK(ra != -EAGAIN || n < INSTR_EMUL_MAX_LEN);
		CHECK(memcmp(&a, &zero, sizeof(a)) == 0);
		free(copy);
		return 0;
	}
	fz_check_fields(&a, mode, n);
	free(copy);

	/* The first `length` bytes alone are enough, one fewer is not. */
	copy = malloc(a.length);
	CHECK(copy != NULL);
	memcpy(copy, data + HDR, a.length);
	CHECK(instr_emul_decode(copy, a.length, mode, cs_d, &b) == 0);
	CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	CHECK(instr_emul_decode(copy, a.length - 1U, mode, cs_d, &b) == -EAGAIN);
	free(copy);

	fz_emulate(data, &a, mode);
	return 0;
}

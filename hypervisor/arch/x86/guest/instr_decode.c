/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * x86 instruction decoder for MMIO emulation.
 *
 * Decodes only the instructions the emulator (instr_emul.c) can complete;
 * everything else is reported as -ENOTSUP as soon as the opcode is known.
 * The buffer comes from guest memory, so every byte is fetched through
 * dec_fetch(), which enforces both the caller's length and the architectural
 * 15-byte limit.
 *
 * References: Intel SDM Vol. 2A chapter 2 (instruction format, prefixes,
 * ModRM/SIB, REX) and the individual instruction pages in Vol. 2A/2B.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <lib/errno.h>
#include <lib/string.h>
#include <lib/util.h>
#include <arch/x86/instr_emul.h>

/* Opcode descriptor flags. */
#define D_MODRM		(1U << 0)	/* a ModRM byte follows the opcode */
#define D_BYTE		(1U << 1)	/* operation size is 8 bits */
#define D_SRC_REG	(1U << 2)	/* the non-memory operand is ModRM.reg */
#define D_SRC_IMM	(1U << 3)	/* the non-memory operand is an immediate */
#define D_REG_FIRST	(1U << 4)	/* register is the first (destination) operand */
#define D_IMM8		(1U << 5)	/* 8-bit immediate, sign-extended */
#define D_IMMZ		(1U << 6)	/* 16/32-bit immediate, sign-extended */
#define D_MOFFS		(1U << 7)	/* address-size absolute offset, no ModRM */
#define D_STRING	(1U << 8)	/* string instruction, rSI/rDI implicit */
#define D_MEM8		(1U << 9)	/* memory operand is 8 bits (MOVZX/MOVSX) */
#define D_MEM16		(1U << 10)	/* memory operand is 16 bits */
#define D_MEM32		(1U << 11)	/* memory operand is at most 32 bits (MOVSXD) */
#define D_64ONLY	(1U << 12)	/* only valid in 64-bit mode */

/* Group opcodes: the operation is chosen by ModRM.reg (SDM Vol. 2D, A.4). */
enum dec_group {
	GRP_NONE = 0,
	GRP_1,		/* 80, 81, 83 */
	GRP_3,		/* F6, F7 */
	GRP_8,		/* 0F BA */
	GRP_11,		/* C6, C7 */
};

struct dec_opdesc {
	uint8_t op;		/* enum instr_emul_op, or 0 with a group */
	uint8_t group;		/* enum dec_group */
	uint16_t flags;
};

#define M	D_MODRM
#define B	D_BYTE
#define R	D_SRC_REG
#define I	D_SRC_IMM
#define RF	D_REG_FIRST

/* The four ModRM forms of a classic ALU opcode row (SDM Vol. 2D, Table A-2). */
#define ALU_ROW(base, o) \
	[(base) + 0] = { (o), GRP_NONE, M | B | R }, \
	[(base) + 1] = { (o), GRP_NONE, M | R }, \
	[(base) + 2] = { (o), GRP_NONE, M | B | R | RF }, \
	[(base) + 3] = { (o), GRP_NONE, M | R | RF }

static const struct dec_opdesc dec_onebyte[256] = {
	ALU_ROW(0x00, INSTR_EMUL_OP_ADD),
	ALU_ROW(0x08, INSTR_EMUL_OP_OR),
	ALU_ROW(0x20, INSTR_EMUL_OP_AND),
	ALU_ROW(0x28, INSTR_EMUL_OP_SUB),
	ALU_ROW(0x30, INSTR_EMUL_OP_XOR),
	ALU_ROW(0x38, INSTR_EMUL_OP_CMP),
	[0x63] = { INSTR_EMUL_OP_MOVSX, GRP_NONE, M | R | RF | D_MEM32 | D_64ONLY },
	[0x80] = { 0, GRP_1, M | B | I | D_IMM8 },
	[0x81] = { 0, GRP_1, M | I | D_IMMZ },
	[0x83] = { 0, GRP_1, M | I | D_IMM8 },
	[0x84] = { INSTR_EMUL_OP_TEST, GRP_NONE, M | B | R },
	[0x85] = { INSTR_EMUL_OP_TEST, GRP_NONE, M | R },
	[0x88] = { INSTR_EMUL_OP_MOV_TO_MEM, GRP_NONE, M | B | R },
	[0x89] = { INSTR_EMUL_OP_MOV_TO_MEM, GRP_NONE, M | R },
	[0x8A] = { INSTR_EMUL_OP_MOV_FROM_MEM, GRP_NONE, M | B | R | RF },
	[0x8B] = { INSTR_EMUL_OP_MOV_FROM_MEM, GRP_NONE, M | R | RF },
	[0xA0] = { INSTR_EMUL_OP_MOV_FROM_MEM, GRP_NONE, D_MOFFS | B | R | RF },
	[0xA1] = { INSTR_EMUL_OP_MOV_FROM_MEM, GRP_NONE, D_MOFFS | R | RF },
	[0xA2] = { INSTR_EMUL_OP_MOV_TO_MEM, GRP_NONE, D_MOFFS | B | R },
	[0xA3] = { INSTR_EMUL_OP_MOV_TO_MEM, GRP_NONE, D_MOFFS | R },
	[0xA4] = { INSTR_EMUL_OP_MOVS, GRP_NONE, D_STRING | B },
	[0xA5] = { INSTR_EMUL_OP_MOVS, GRP_NONE, D_STRING },
	[0xAA] = { INSTR_EMUL_OP_STOS, GRP_NONE, D_STRING | B },
	[0xAB] = { INSTR_EMUL_OP_STOS, GRP_NONE, D_STRING },
	[0xC6] = { 0, GRP_11, M | B | I | D_IMM8 },
	[0xC7] = { 0, GRP_11, M | I | D_IMMZ },
	[0xF6] = { 0, GRP_3, M | B | I | D_IMM8 },
	[0xF7] = { 0, GRP_3, M | I | D_IMMZ },
};

static const struct dec_opdesc dec_twobyte[256] = {
	[0xA3] = { INSTR_EMUL_OP_BT, GRP_NONE, M | R },
	[0xB6] = { INSTR_EMUL_OP_MOVZX, GRP_NONE, M | R | RF | D_MEM8 },
	[0xB7] = { INSTR_EMUL_OP_MOVZX, GRP_NONE, M | R | RF | D_MEM16 },
	[0xBA] = { 0, GRP_8, M | I | D_IMM8 },
	[0xBE] = { INSTR_EMUL_OP_MOVSX, GRP_NONE, M | R | RF | D_MEM8 },
	[0xBF] = { INSTR_EMUL_OP_MOVSX, GRP_NONE, M | R | RF | D_MEM16 },
};

#undef M
#undef B
#undef R
#undef I
#undef RF

/* Group 1 /reg → operation; ADC (/2) and SBB (/3) are not emulated. */
static const uint8_t dec_grp1_ops[8] = {
	INSTR_EMUL_OP_ADD, INSTR_EMUL_OP_OR, INSTR_EMUL_OP_NONE, INSTR_EMUL_OP_NONE,
	INSTR_EMUL_OP_AND, INSTR_EMUL_OP_SUB, INSTR_EMUL_OP_XOR, INSTR_EMUL_OP_CMP,
};

#define REX_W(rex)	(((rex) >> 3) & 1U)
#define REX_R(rex)	(((rex) >> 2) & 1U)
#define REX_X(rex)	(((rex) >> 1) & 1U)
#define REX_B(rex)	((rex) & 1U)

struct dec_state {
	const uint8_t *buf;
	size_t len;
	size_t pos;
	enum instr_emul_cpu_mode mode;
};

/*
 * Fetch n little-endian bytes.  The 15-byte limit is checked first: an
 * instruction that would need a 16th byte is invalid (SDM Vol. 2A, 2.3.11:
 * #GP) whatever the caller fetched, while running out of buffer below that
 * limit only means the caller must fetch more (-EAGAIN).
 */
static int dec_fetch(struct dec_state *s, unsigned int n, uint64_t *val)
{
	uint64_t v = 0;
	unsigned int i;

	if (s->pos + n > INSTR_EMUL_MAX_LEN)
		return -EINVAL;
	if (s->pos + n > s->len)
		return -EAGAIN;
	for (i = 0; i < n; i++)
		v |= (uint64_t)s->buf[s->pos + i] << (8U * i);
	s->pos += n;
	*val = v;
	return 0;
}

static int dec_fetch_sext(struct dec_state *s, unsigned int n, int64_t *val)
{
	uint64_t v;
	int ret = dec_fetch(s, n, &v);

	if (ret != 0)
		return ret;
	switch (n) {
	case 1:
		*val = (int8_t)v;
		break;
	case 2:
		*val = (int16_t)v;
		break;
	case 4:
		*val = (int32_t)v;
		break;
	default:
		*val = (int64_t)v;
		break;
	}
	return 0;
}

struct dec_prefixes {
	bool opsize;	/* 66 */
	bool adsize;	/* 67 */
	int seg;	/* -1 or enum instr_emul_seg */
	uint8_t rex;
};

/*
 * Legacy prefixes (SDM Vol. 2A, 2.1.1) in any order, then REX (2.2.1).
 * A REX byte only counts when it immediately precedes the opcode: a legacy
 * prefix after it makes the processor ignore it.  Returns the first opcode
 * byte in *opcode.
 */
static int dec_prefixes(struct dec_state *s, struct instr_emul_insn *insn,
			struct dec_prefixes *p, uint8_t *opcode)
{
	uint64_t b;
	int ret;

	for (;;) {
		ret = dec_fetch(s, 1, &b);
		if (ret != 0)
			return ret;
		switch (b) {
		case 0x66:
			p->opsize = true;
			break;
		case 0x67:
			p->adsize = true;
			break;
		case 0xF0:
			insn->lock = true;
			break;
		case 0xF2:
		case 0xF3:
			insn->rep = (uint8_t)b;
			break;
		case 0x26:
			p->seg = INSTR_EMUL_ES;
			break;
		case 0x2E:
			p->seg = INSTR_EMUL_CS;
			break;
		case 0x36:
			p->seg = INSTR_EMUL_SS;
			break;
		case 0x3E:
			p->seg = INSTR_EMUL_DS;
			break;
		case 0x64:
			p->seg = INSTR_EMUL_FS;
			break;
		case 0x65:
			p->seg = INSTR_EMUL_GS;
			break;
		default:
			if (s->mode == INSTR_EMUL_MODE_64BIT && (b & 0xF0U) == 0x40U) {
				p->rex = (uint8_t)b;
				continue;	/* keep it: next byte may be the opcode */
			}
			*opcode = (uint8_t)b;
			return 0;
		}
		p->rex = 0;	/* a legacy prefix after REX cancels it */
	}
}

/*
 * Default operand and address sizes (SDM Vol. 1, 3.6 and Vol. 2A, 2.2.1.2):
 * 64-bit mode: operand 32 (REX.W → 64, else 66 → 16), address 64 (67 → 32).
 * Elsewhere the defaults come from CS.D (real mode: 16) and 66/67 toggle them.
 */
static void dec_sizes(enum instr_emul_cpu_mode mode, bool cs_d,
		      const struct dec_prefixes *p, struct instr_emul_insn *insn)
{
	bool d32;

	if (mode == INSTR_EMUL_MODE_64BIT) {
		insn->op_size = REX_W(p->rex) ? 8 : (p->opsize ? 2 : 4);
		insn->addr_size = p->adsize ? 4 : 8;
		return;
	}
	d32 = (mode == INSTR_EMUL_MODE_PROTECTED) && cs_d;
	insn->op_size = (d32 != p->opsize) ? 4 : 2;
	insn->addr_size = (d32 != p->adsize) ? 4 : 2;
}

/*
 * 16-bit ModRM addressing (SDM Vol. 2A, Table 2-1).  BP-based forms default
 * to SS.
 */
static int dec_modrm16(struct dec_state *s, struct instr_emul_insn *insn,
		       unsigned int mod, unsigned int rm)
{
	static const int8_t base16[8] = {
		INSTR_EMUL_RBX, INSTR_EMUL_RBX, INSTR_EMUL_RBP, INSTR_EMUL_RBP,
		INSTR_EMUL_RSI, INSTR_EMUL_RDI, INSTR_EMUL_RBP, INSTR_EMUL_RBX,
	};
	static const int8_t index16[8] = {
		INSTR_EMUL_RSI, INSTR_EMUL_RDI, INSTR_EMUL_RSI, INSTR_EMUL_RDI,
		-1, -1, -1, -1,
	};
	struct instr_emul_mem *m = &insn->mem;

	m->base = base16[rm];
	m->index = index16[rm];
	if (mod == 0 && rm == 6) {
		m->base = -1;
		return dec_fetch_sext(s, 2, &m->disp);
	}
	if (m->base == INSTR_EMUL_RBP)
		m->seg = INSTR_EMUL_SS;
	if (mod == 1)
		return dec_fetch_sext(s, 1, &m->disp);
	if (mod == 2)
		return dec_fetch_sext(s, 2, &m->disp);
	return 0;
}

/*
 * 32/64-bit ModRM and SIB addressing (SDM Vol. 2A, Tables 2-2, 2-3 and
 * 2.2.1.6 for RIP-relative).  With a SIB byte, index 100b means "no index"
 * unless REX.X extends it to R12, and base 101b with mod 00 means disp32 and
 * no base.  In 64-bit mode mod 00 rm 101 is RIP-relative; elsewhere it is an
 * absolute disp32.
 */
static int dec_modrm32(struct dec_state *s, struct instr_emul_insn *insn,
		       unsigned int mod, unsigned int rm, uint8_t rex)
{
	struct instr_emul_mem *m = &insn->mem;
	uint64_t sib;
	unsigned int idx, base;
	int ret;

	if (rm == 4) {
		ret = dec_fetch(s, 1, &sib);
		if (ret != 0)
			return ret;
		idx = ((unsigned int)(sib >> 3) & 7U) | (REX_X(rex) << 3);
		base = (unsigned int)sib & 7U;
		if (idx != 4U) {
			m->index = (int8_t)idx;
			m->scale = (uint8_t)(1U << (sib >> 6));
		}
		if (base == 5U && mod == 0U) {
			return dec_fetch_sext(s, 4, &m->disp);
		}
		m->base = (int8_t)(base | (REX_B(rex) << 3));
	} else if (rm == 5 && mod == 0) {
		m->rip_relative = (s->mode == INSTR_EMUL_MODE_64BIT);
		return dec_fetch_sext(s, 4, &m->disp);
	} else {
		m->base = (int8_t)(rm | (REX_B(rex) << 3));
	}
	if (m->base == INSTR_EMUL_RSP || m->base == INSTR_EMUL_RBP)
		m->seg = INSTR_EMUL_SS;
	if (mod == 1)
		return dec_fetch_sext(s, 1, &m->disp);
	if (mod == 2)
		return dec_fetch_sext(s, 4, &m->disp);
	return 0;
}

static int dec_modrm(struct dec_state *s, struct instr_emul_insn *insn, uint8_t rex)
{
	uint64_t b;
	unsigned int mod, rm;
	int ret;

	ret = dec_fetch(s, 1, &b);
	if (ret != 0)
		return ret;
	insn->has_modrm = true;
	insn->modrm = (uint8_t)b;
	mod = (unsigned int)(b >> 6);
	rm = (unsigned int)b & 7U;
	insn->mem.base = -1;
	insn->mem.index = -1;
	insn->mem.scale = 1;
	insn->mem.seg = INSTR_EMUL_DS;
	if (mod == 3U)
		return 0;	/* register operand: nothing for MMIO to do */

	insn->mem.present = true;
	if (insn->addr_size == 2)
		return dec_modrm16(s, insn, mod, rm);
	return dec_modrm32(s, insn, mod, rm, rex);
}

/* Resolve a group opcode to its operation from ModRM.reg (SDM Vol. 2D, A.4). */
static int dec_group(struct instr_emul_insn *insn, unsigned int group)
{
	unsigned int reg = ((unsigned int)insn->modrm >> 3) & 7U;

	switch (group) {
	case GRP_1:
		insn->op = (enum instr_emul_op)dec_grp1_ops[reg];
		break;
	case GRP_3:
		insn->op = (reg == 0U) ? INSTR_EMUL_OP_TEST : INSTR_EMUL_OP_NONE;
		break;
	case GRP_8:
		insn->op = (reg == 4U) ? INSTR_EMUL_OP_BT : INSTR_EMUL_OP_NONE;
		break;
	case GRP_11:
		insn->op = (reg == 0U) ? INSTR_EMUL_OP_MOV_TO_MEM : INSTR_EMUL_OP_NONE;
		break;
	default:
		break;
	}
	return (insn->op == INSTR_EMUL_OP_NONE) ? -ENOTSUP : 0;
}

/*
 * The register operand: ModRM.reg extended by REX.R.  Byte registers 4-7 are
 * AH/CH/DH/BH without any REX prefix and SPL/BPL/SIL/DIL with one
 * (SDM Vol. 2A, 2.2.1.2 and Table 3-1).
 */
static void dec_reg(struct instr_emul_insn *insn, unsigned int idx, uint8_t rex)
{
	if (insn->op_size == 1 && rex == 0 && idx >= 4U && idx < 8U) {
		insn->reg.index = (uint8_t)(idx - 4U);
		insn->reg.high8 = true;
	} else {
		insn->reg.index = (uint8_t)idx;
	}
}

/*
 * LOCK is only valid on read-modify-write instructions with a memory
 * destination (SDM Vol. 2A, LOCK): of those we decode, ADD, OR, AND, SUB and
 * XOR.  Anything else raises #UD.
 */
static bool dec_lock_ok(const struct instr_emul_insn *insn)
{
	switch (insn->op) {
	case INSTR_EMUL_OP_ADD:
	case INSTR_EMUL_OP_OR:
	case INSTR_EMUL_OP_AND:
	case INSTR_EMUL_OP_SUB:
	case INSTR_EMUL_OP_XOR:
		return insn->mem_is_dest && insn->mem.present;
	default:
		return false;
	}
}

/* Operands after the opcode: ModRM/moffs, register, immediate. */
static int dec_operands(struct dec_state *s, struct instr_emul_insn *insn,
			const struct dec_opdesc *d, const struct dec_prefixes *p)
{
	uint64_t moffs;
	int ret;

	if (d->flags & D_MODRM) {
		ret = dec_modrm(s, insn, p->rex);
		if (ret != 0)
			return ret;
		if (d->group != GRP_NONE) {
			ret = dec_group(insn, d->group);
			if (ret != 0)
				return ret;
		}
		dec_reg(insn, (((unsigned int)insn->modrm >> 3) & 7U) | (REX_R(p->rex) << 3),
			p->rex);
	} else if (d->flags & D_MOFFS) {
		/* moffs is address-size wide (SDM Vol. 2A, MOV: A0-A3). */
		ret = dec_fetch(s, insn->addr_size, &moffs);
		if (ret != 0)
			return ret;
		insn->mem.present = true;
		insn->mem.base = -1;
		insn->mem.index = -1;
		insn->mem.scale = 1;
		insn->mem.disp = (int64_t)moffs;
		insn->mem.seg = INSTR_EMUL_DS;
		insn->reg.index = INSTR_EMUL_RAX;
	} else {
		/* String instructions: source is DS:rSI (overridable). */
		insn->mem.base = -1;
		insn->mem.index = -1;
		insn->mem.scale = 1;
		insn->mem.seg = INSTR_EMUL_DS;
		insn->reg.index = INSTR_EMUL_RAX;
	}

	if (d->flags & D_IMM8)
		ret = dec_fetch_sext(s, 1, &insn->imm);
	else if (d->flags & D_IMMZ)
		ret = dec_fetch_sext(s, insn->op_size == 2 ? 2 : 4, &insn->imm);
	return ret;
}

int instr_emul_decode(const uint8_t *buf, size_t len, enum instr_emul_cpu_mode mode,
		      bool cs_d, struct instr_emul_insn *insn)
{
	struct dec_state s = { .buf = buf, .len = len, .pos = 0, .mode = mode };
	struct dec_prefixes p = { .seg = -1 };
	const struct dec_opdesc *d;
	uint64_t b;
	uint8_t opcode;
	int ret;

	if (insn == NULL)
		return -EINVAL;
	memset(insn, 0, sizeof(*insn));
	if (buf == NULL || mode > INSTR_EMUL_MODE_64BIT)
		return -EINVAL;

	ret = dec_prefixes(&s, insn, &p, &opcode);
	if (ret != 0)
		goto fail;
	dec_sizes(mode, cs_d, &p, insn);
	insn->rex = p.rex;

	d = &dec_onebyte[opcode];
	if (opcode == 0x0F) {
		ret = dec_fetch(&s, 1, &b);
		if (ret != 0)
			goto fail;
		opcode = (uint8_t)b;
		insn->two_byte = true;
		d = &dec_twobyte[opcode];
	}
	insn->opcode = opcode;
	ret = -ENOTSUP;
	if ((d->op == INSTR_EMUL_OP_NONE && d->group == GRP_NONE) ||
	    ((d->flags & D_64ONLY) && mode != INSTR_EMUL_MODE_64BIT))
		goto fail;

	insn->op = (enum instr_emul_op)d->op;
	if (d->flags & D_BYTE)
		insn->op_size = 1;
	insn->src = (d->flags & D_SRC_REG) ? INSTR_EMUL_SRC_REG :
		    (d->flags & D_SRC_IMM) ? INSTR_EMUL_SRC_IMM : INSTR_EMUL_SRC_NONE;
	insn->mem_is_dest = !(d->flags & D_REG_FIRST);

	ret = dec_operands(&s, insn, d, &p);
	if (ret != 0)
		goto fail;

	insn->mem_size = insn->op_size;
	if (d->flags & D_MEM8)
		insn->mem_size = 1;
	else if (d->flags & D_MEM16)
		insn->mem_size = 2;
	else if (d->flags & D_MEM32)
		insn->mem_size = (uint8_t)MIN(insn->op_size, 4U);

	if (p.seg >= 0) {
		insn->seg_override = true;
		insn->mem.seg = (enum instr_emul_seg)p.seg;
	}
	ret = -EINVAL;
	if (insn->lock && !dec_lock_ok(insn))
		goto fail;
	insn->length = (uint8_t)s.pos;
	return 0;

fail:
	memset(insn, 0, sizeof(*insn));
	return ret;
}

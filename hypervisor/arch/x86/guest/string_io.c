/* SPDX-License-Identifier: BSD-3-Clause */
/* INS/OUTS, one element per exit: see string_io.h. */
#include <arch/x86/guest/string_io.h>
#include <common/vm.h>
#include <lib/errno.h>

#define QUAL_STRING	(1ULL << 4)
#define QUAL_REP	(1ULL << 5)
#define QUAL_IN		(1ULL << 3)

enum string_io_seg string_io_segment(uint64_t qual, uint32_t info)
{
	if (qual & QUAL_IN)
		return STRING_IO_ES;	/* INS always writes ES:(E)DI, no override */
	return (enum string_io_seg)((info >> 15) & 7);
}

static uint64_t amask(unsigned asize)
{
	return asize == 8 ? ~0ULL : (1ULL << (asize * 8)) - 1;
}

/* Write the low asize bytes of a register (16-bit: the rest is kept). */
static void set_reg(uint64_t *r, unsigned asize, uint64_t val)
{
	if (asize == 2)
		*r = (*r & ~0xFFFFULL) | (val & 0xFFFF);
	else
		*r = val & amask(asize);
}

int string_io_begin(struct string_io *s, uint64_t qual, uint32_t info, const uint64_t *gpr,
		    uint64_t seg_base, bool long_mode)
{
	unsigned size = (unsigned)(qual & 7) + 1, aenc = (info >> 7) & 7;
	uint64_t idx;

	if (!(qual & QUAL_STRING) || (size != 1 && size != 2 && size != 4) || aenc > 2 ||
	    (aenc == 2 && !long_mode) || string_io_segment(qual, info) > STRING_IO_GS)
		return -EINVAL;
	s->in = (qual & QUAL_IN) != 0;
	s->rep = (qual & QUAL_REP) != 0;
	s->size = (uint8_t)size;
	s->asize = (uint8_t)(2U << aenc);
	if (s->rep && (gpr[GPR_RCX] & amask(s->asize)) == 0)
		return 0;
	idx = gpr[s->in ? GPR_RDI : GPR_RSI] & amask(s->asize);
	s->gla = seg_base + idx;
	if (!long_mode)
		s->gla &= 0xFFFFFFFFULL;
	return 1;
}

bool string_io_advance(const struct string_io *s, uint64_t *gpr, bool df)
{
	uint64_t *idx = &gpr[s->in ? GPR_RDI : GPR_RSI];
	uint64_t step = df ? (uint64_t)0 - s->size : s->size, count;

	set_reg(idx, s->asize, (*idx & amask(s->asize)) + step);
	if (!s->rep)
		return true;
	count = (gpr[GPR_RCX] & amask(s->asize)) - 1;
	set_reg(&gpr[GPR_RCX], s->asize, count);
	return (count & amask(s->asize)) == 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * INS/OUTS one element per exit (string_io.c): decoding of the exit
 * qualification and instruction information, the element's linear address,
 * the index and count registers after each element, and when the
 * instruction is complete.  A REP INSB of 4 bytes is run to the end the way
 * the exit handler does (begin, move, advance, again while not complete).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <arch/x86/guest/string_io.h>
#include <common/vm.h>
#include <lib/errno.h>

/* Exit qualification (SDM Table 28-5): size-1 in 2:0, IN 3, string 4, REP 5, port 31:16. */
static uint64_t qual(unsigned size, bool in, bool rep, uint16_t port)
{
	return (uint64_t)(size - 1) | (in ? 1U << 3 : 0) | (1U << 4) | (rep ? 1U << 5 : 0) |
	       ((uint64_t)port << 16);
}

/* Instruction information (SDM Table 28-8): address size 9:7 (0/1/2 = 16/32/64), segment 17:15. */
static uint32_t info(unsigned aenc, enum string_io_seg seg)
{
	return (aenc << 7) | ((uint32_t)seg << 15);
}

static void test_rep_insb_64bit_runs_to_completion(void **state)
{
	uint64_t gpr[16] = { 0 };
	uint8_t mem[8] = { 0 }, port[4] = { 'Q', 'E', 'M', 'U' };
	struct string_io s;
	unsigned n = 0;
	bool done = false;

	(void)state;
	gpr[GPR_RDI] = 0x1000;
	gpr[GPR_RCX] = 4;
	while (!done) {
		assert_int_equal(string_io_begin(&s, qual(1, true, true, 0x511), info(2, STRING_IO_DS),
						 gpr, 0, true), 1);
		assert_true(s.in && s.rep);
		assert_int_equal(s.size, 1);
		assert_int_equal(s.asize, 8);
		assert_int_equal(s.gla, 0x1000 + n);	/* ES:RDI, not DS */
		mem[s.gla - 0x1000] = port[n++];
		done = string_io_advance(&s, gpr, false);
		assert_true(n <= 4);
	}
	assert_int_equal(n, 4);
	assert_memory_equal(mem, "QEMU", 4);
	assert_int_equal(gpr[GPR_RDI], 0x1004);
	assert_int_equal(gpr[GPR_RCX], 0);
	/* Executed again with RCX = 0 (or first reached so): nothing to move. */
	assert_int_equal(string_io_begin(&s, qual(1, true, true, 0x511), info(2, 0), gpr, 0, true), 0);
}

static void test_outs_uses_the_segment_and_steps_down_with_df(void **state)
{
	uint64_t gpr[16] = { 0 };
	struct string_io s;

	(void)state;
	gpr[GPR_RSI] = 0xFFFFFFFF00000010ULL;	/* 32-bit address size: the high half is ignored */
	gpr[GPR_RCX] = 0x1234;
	assert_int_equal(string_io_segment(qual(2, false, false, 0x402), info(1, STRING_IO_FS)),
			 STRING_IO_FS);
	assert_int_equal(string_io_begin(&s, qual(2, false, false, 0x402), info(1, STRING_IO_FS),
					 gpr, 0x20000, true), 1);
	assert_false(s.in || s.rep);
	assert_int_equal(s.size, 2);
	assert_int_equal(s.gla, 0x20010);
	assert_true(string_io_advance(&s, gpr, true));		/* no REP: always complete */
	assert_int_equal(gpr[GPR_RSI], 0x0E);			/* ESI - 2, zero-extended */
	assert_int_equal(gpr[GPR_RCX], 0x1234);			/* untouched without REP */
	/* INS ignores the segment field: always ES. */
	assert_int_equal(string_io_segment(qual(1, true, false, 0x60), info(1, STRING_IO_GS)),
			 STRING_IO_ES);
}

static void test_16bit_address_size_wraps_and_keeps_high_bits(void **state)
{
	uint64_t gpr[16] = { 0 };
	struct string_io s;

	(void)state;
	gpr[GPR_RDI] = 0xABCD0000FFFEULL;
	gpr[GPR_RCX] = 0x55550002ULL;
	assert_int_equal(string_io_begin(&s, qual(4, true, true, 0x1F0), info(0, 0), gpr, 0xF0000,
					 false), 1);
	assert_int_equal(s.asize, 2);
	assert_int_equal(s.gla, 0xF0000 + 0xFFFE);
	assert_false(string_io_advance(&s, gpr, false));	/* CX 2 -> 1: again */
	assert_int_equal(gpr[GPR_RDI], 0xABCD00000002ULL);	/* DI wrapped, bits 63:16 kept */
	assert_int_equal(gpr[GPR_RCX], 0x55550001ULL);
	assert_int_equal(string_io_begin(&s, qual(4, true, true, 0x1F0), info(0, 0), gpr, 0xF0000,
					 false), 1);
	assert_true(string_io_advance(&s, gpr, false));		/* CX 1 -> 0: complete */
	assert_int_equal(gpr[GPR_RCX], 0x55550000ULL);
}

static void test_32bit_mode_linear_address_wraps_at_4g(void **state)
{
	uint64_t gpr[16] = { 0 };
	struct string_io s;

	(void)state;
	gpr[GPR_RSI] = 0x20;
	assert_int_equal(string_io_begin(&s, qual(1, false, false, 0x3F8), info(1, STRING_IO_DS),
					 gpr, 0xFFFFFFF0ULL, false), 1);
	assert_int_equal(s.gla, 0x10);
}

static void test_bad_encodings_are_refused(void **state)
{
	uint64_t gpr[16] = { 0 };
	struct string_io s;

	(void)state;
	/* Not a string instruction. */
	assert_int_equal(string_io_begin(&s, qual(1, true, false, 0x60) & ~(1ULL << 4), 0, gpr, 0,
					 true), -EINVAL);
	/* Size 3 (encoding 2) is reserved. */
	assert_int_equal(string_io_begin(&s, qual(3, true, false, 0x60), 0, gpr, 0, true), -EINVAL);
	/* Address size encoding 3 is reserved; 64-bit only in 64-bit mode. */
	assert_int_equal(string_io_begin(&s, qual(1, true, false, 0x60), info(3, 0), gpr, 0, true),
			 -EINVAL);
	assert_int_equal(string_io_begin(&s, qual(1, true, false, 0x60), info(2, 0), gpr, 0, false),
			 -EINVAL);
	/* Segment encodings 6 and 7 do not exist (OUTS reads the field). */
	assert_int_equal(string_io_begin(&s, qual(1, false, false, 0x60), 6U << 15, gpr, 0, true),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rep_insb_64bit_runs_to_completion),
		cmocka_unit_test(test_outs_uses_the_segment_and_steps_down_with_df),
		cmocka_unit_test(test_16bit_address_size_wraps_and_keeps_high_bits),
		cmocka_unit_test(test_32bit_mode_linear_address_wraps_at_4g),
		cmocka_unit_test(test_bad_encodings_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file instr_emul_tests.h
 * Test tables of the instr_emul unit-test binary, run as one cmocka group.
 */
#ifndef TESTS_UNIT_INSTR_EMUL_TESTS_H
#define TESTS_UNIT_INSTR_EMUL_TESTS_H

#include <stddef.h>

struct CMUnitTest;

/** Decoder tests (test_decode.c). */
extern const struct CMUnitTest instr_decode_tests[];
/** Number of entries in instr_decode_tests. */
extern const size_t instr_decode_ntests;
/** Emulation tests (test_emul.c). */
extern const struct CMUnitTest instr_emul_tests[];
/** Number of entries in instr_emul_tests. */
extern const size_t instr_emul_ntests;

#endif /* TESTS_UNIT_INSTR_EMUL_TESTS_H */

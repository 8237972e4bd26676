/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One cmocka group for the whole module: tests/unit/run.sh reads the
 * results of the first group only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "instr_emul_tests.h"

int main(void)
{
	size_t n = instr_decode_ntests + instr_emul_ntests;
	struct CMUnitTest *all = calloc(n, sizeof(*all));
	int ret;

	if (all == NULL)
		return 1;
	memcpy(all, instr_decode_tests, instr_decode_ntests * sizeof(*all));
	memcpy(all + instr_decode_ntests, instr_emul_tests, instr_emul_ntests * sizeof(*all));
	ret = _cmocka_run_group_tests("instr_emul", all, n, NULL, NULL);
	free(all);
	return ret;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One cmocka group for the whole module: tests/unit/run.sh reads the
 * output of the first group only, so the per-file tables are joined here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "dm_uart_tests.h"

int main(void)
{
	size_t n = uart_core_ntests + uart_backend_ntests;
	struct CMUnitTest *all = calloc(n, sizeof(*all));
	int rc;

	if (!all)
		return 1;
	memcpy(all, uart_core_tests, uart_core_ntests * sizeof(*all));
	memcpy(all + uart_core_ntests, uart_backend_tests,
	       uart_backend_ntests * sizeof(*all));
	rc = _cmocka_run_group_tests("dm_uart", all, n, NULL, NULL);
	free(all);
	return rc;
}

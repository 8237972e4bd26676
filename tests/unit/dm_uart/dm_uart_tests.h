/* SPDX-License-Identifier: BSD-3-Clause */
/** @file dm_uart_tests.h Test tables of the dm_uart unit-test binary. */
#ifndef DM_UART_TESTS_H
#define DM_UART_TESTS_H

#include <stddef.h>

struct CMUnitTest;

/** Tests of the 16550 register model. */
extern const struct CMUnitTest uart_core_tests[];
/** Number of entries in uart_core_tests. */
extern const size_t uart_core_ntests;
/** Tests of the UART back-ends. */
extern const struct CMUnitTest uart_backend_tests[];
/** Number of entries in uart_backend_tests. */
extern const size_t uart_backend_ntests;

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file cmdline.h
 * The hypervisor command line (from the boot loader).
 *
 *   console=com1|com2|mmio@0xADDR   console UART (default com2)
 *   loglevel=1..4                   console log level (default 3, info)
 *   test=smoke|bench                run the built-in test guest on every pCPU
 *   shutdown                        end the emulator (Bochs port 0x8900) when done
 *   trace_exits=N                   log the first N VM exits of every vCPU (debugging)
 *   vpid_first=N                    first VPID handed out, 1..65535 (default 1; tests use it
 *                                   to cross the 16-bit wrap in a short run)
 */
#ifndef COMMON_CMDLINE_H
#define COMMON_CMDLINE_H

#include <stddef.h>
#include <stdbool.h>
#include <common/console.h>

enum hv_test_mode {
	HV_TEST_NONE,
	HV_TEST_SMOKE,
	HV_TEST_BENCH,
};

struct hv_options {
	struct uart_cfg console;
	int loglevel;
	enum hv_test_mode test;
	bool shutdown;
	uint32_t trace_exits;
	uint16_t vpid_first;
	char bad[64];		/* first option that did not parse, for a warning */
};

/** Parse the command line; unknown words are left for the Service VM. */
void cmdline_parse(const char *cmdline, struct hv_options *opt);

/**
 * Find "key=" in a space-separated command line and copy its value.
 * @return true when found (value truncated to size-1 bytes).
 */
bool cmdline_get(const char *cmdline, const char *key, char *value, size_t size);

/** True when the bare word appears in the command line. */
bool cmdline_has(const char *cmdline, const char *word);

#endif /* COMMON_CMDLINE_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file shell.h
 * The hypervisor console shell (debug builds; release builds link empty stubs).
 */
#ifndef COMMON_SHELL_H
#define COMMON_SHELL_H

#include <stddef.h>

/** Read whatever input is waiting on the console and run complete lines. */
void shell_poll(void);

/**
 * Run one command line (split in place at blanks) and write its output to
 * the console.
 * @return 0, or -EINVAL for an unknown command or bad or extra arguments
 *         (one line of usage printed); -ENOSYS in release builds.
 */
int shell_exec(char *line);

/**
 * The idle loop of a pCPU with nothing left to run: poll the console shell
 * for ever.  Release builds, which have no shell, halt the pCPU instead.
 */
void shell_idle(void) __attribute__((noreturn));

#endif /* COMMON_SHELL_H */

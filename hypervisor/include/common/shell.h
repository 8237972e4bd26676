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
 * Run one command line and write its output through printk.
 * @return 0, or -EINVAL for an unknown command or bad arguments (usage printed).
 */
int shell_exec(char *line);

#endif /* COMMON_SHELL_H */

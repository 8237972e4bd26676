/* SPDX-License-Identifier: BSD-3-Clause */
/* Release builds have no shell: the console only carries log output. */
#include <common/shell.h>
#include <lib/errno.h>
#include <arch/x86/cpu.h>

void shell_poll(void)
{
}

int shell_exec(char *line)
{
	return -ENOSYS;
}

void shell_idle(void)
{
	cpu_dead();
}

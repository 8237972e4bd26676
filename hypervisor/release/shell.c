/* SPDX-License-Identifier: BSD-3-Clause */
/* Release builds have no shell: the console only carries log output. */
#include <common/shell.h>
#include <lib/errno.h>

void shell_poll(void)
{
}

int shell_exec(char *line)
{
	return -ENOSYS;
}

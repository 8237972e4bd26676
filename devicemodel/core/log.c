/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrn-dm log lines go to stderr, which the launch script or systemd captures.
 * One fprintf() per line keeps lines from different threads whole.
 */
#include <stdarg.h>
#include <stdio.h>

#include "dm_log.h"

static enum dm_log_level dm_log_level = DM_LOG_INFO;
static void (*dm_log_sink)(enum dm_log_level level, const char *line);

void dm_log_set_sink(void (*sink)(enum dm_log_level level, const char *line))
{
	dm_log_sink = sink;
}

void dm_log_set_level(enum dm_log_level level)
{
	dm_log_level = level;
}

void dm_log(enum dm_log_level level, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (level > dm_log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (dm_log_sink != NULL)
		dm_log_sink(level, line);
	else
		fprintf(stderr, "acrn-dm: %s\n", line);
}

void dm_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * printk and the hypervisor log buffer.  Every message goes into a ring
 * buffer (readable later from the Service VM); messages at or below the
 * console level are also written to the console UART.
 */
#include <common/log.h>
#include <common/console.h>
#include <arch/x86/cpu.h>
#include <arch/x86/spinlock.h>
#include <lib/logring.h>
#include <lib/sprintf.h>
#include <stdarg.h>

#define LOG_BUF_SIZE	(64 * 1024)

static char log_buf[LOG_BUF_SIZE];
static struct logring log_ring = { log_buf, LOG_BUF_SIZE, 0 };
static spinlock_t log_lock = SPINLOCK_INIT;
static int console_level = LOG_INFO;

void log_set_level(int level)
{
	if (level >= LOG_ERR && level <= LOG_DEBUG)
		console_level = level;
}

int log_get_level(void)
{
	return console_level;
}

static void vprintk(int level, const char *fmt, va_list ap)
{
	char line[256];
	int n = hv_vsnprintf(line, sizeof(line), fmt, ap);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	spin_lock(&log_lock);
	logring_write(&log_ring, line, (size_t)n);
	spin_unlock(&log_lock);
	if (level <= console_level)
		console_write(line, n);
}

void printk(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(level, fmt, ap);
	va_end(ap);
}

size_t log_read(char *out, size_t size)
{
	struct logring_span span;
	uint64_t from;

	spin_lock(&log_lock);
	from = logring_oldest(&log_ring);
	if (log_ring.head - from > size)
		from = log_ring.head - size;
	logring_read(&log_ring, from, out, size, &span);
	spin_unlock(&log_lock);
	return (size_t)span.copied;
}

int log_read_at(uint64_t pos, char *out, size_t size, struct logring_span *span)
{
	int ret;

	spin_lock(&log_lock);
	ret = logring_read(&log_ring, pos, out, size, span);
	spin_unlock(&log_lock);
	return ret;
}

void panic(const char *fmt, ...)
{
	va_list ap;

	printk(LOG_ERR, "PANIC: ");
	va_start(ap, fmt);
	vprintk(LOG_ERR, fmt, ap);
	va_end(ap);
	printk(LOG_ERR, "\nhalted\n");
	cpu_dead();
}

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file sprintf.h
 * Bounded formatted output for the hypervisor (no floating point).
 *
 * Conversions: %d %i %u %x %X %o %p %s %c %%, flags - 0 #, a field width
 * (or '*'), precision for %s, and length modifiers hh h l ll z.
 */
#ifndef LIB_SPRINTF_H
#define LIB_SPRINTF_H

#include <stdarg.h>
#include <stddef.h>

/**
 * Format into buf, writing at most size bytes including the terminating NUL.
 * @return the length the full output would have had (as C99 vsnprintf).
 */
int hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/** As hv_vsnprintf() with variable arguments. */
int hv_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* LIB_SPRINTF_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file string.h
 * The few C string functions the hypervisor provides (hypervisor/lib/string.c).
 * Prototypes match ISO C, so host builds of the same sources link the C
 * library's versions instead.
 */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

#endif /* LIB_STRING_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading a libFuzzer input as a program: the fuzz targets that interpret
 * their input step by step take bytes from it with these helpers.  Past the
 * end of the input every read gives zeroes, so a short input is simply a
 * program whose remaining arguments are 0.
 */
#ifndef TESTS_FUZZ_INPUT_H
#define TESTS_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct input {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t take8(struct input *in)
{
	uint8_t b = 0;

	if (in->n > 0) {
		b = *in->p++;
		in->n--;
	}
	return b;
}

/* Eight bytes, little-endian. */
static inline uint64_t take64(struct input *in)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)take8(in) << (8 * i);
	return v;
}

/* Up to len bytes into dst; the part the input cannot fill is zeroed. */
static inline void take_bytes(struct input *in, void *dst, size_t len)
{
	size_t n = len < in->n ? len : in->n;

	memcpy(dst, in->p, n);
	memset((uint8_t *)dst + n, 0, len - n);
	in->p += n;
	in->n -= n;
}

#endif

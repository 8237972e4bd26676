/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rdtsc(): the time-stamp counter, for the static user-space probes of the e2e initramfs
 * (tsc.c, uos-blk/blkread.c, uos-net/netxfer.c).  Under Bochs with clock sync=none it counts
 * emulated instructions.
 */
#ifndef E2E_RDTSC_H
#define E2E_RDTSC_H

#include <stdint.h>

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Boot images for the tests/dm suites that load them (test_boot.c, test_verify.c): a
 * synthetic bzImage and a helper writing a buffer to a file.
 */
#ifndef TESTS_DM_BOOT_FIXTURE_H
#define TESTS_DM_BOOT_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SETUP_SECTS	4
#define SETUP_SIZE	((SETUP_SECTS + 1) * 512)
#define PM_SIZE		0x3000

static inline void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }

/* A minimal bzImage: setup header of protocol @p version, PM_SIZE bytes of pattern. */
static inline uint8_t *make_bzimage(uint16_t version, uint32_t cmdline_size, size_t *len)
{
	uint8_t *k = calloc(1, SETUP_SIZE + PM_SIZE);

	k[0x1f1] = SETUP_SECTS;
	put32(k + 0x1f4, PM_SIZE / 16);			/* syssize */
	put16(k + 0x1fe, 0xaa55);
	k[0x200] = 0xeb;
	k[0x201] = 0x6a;				/* header ends at 0x26c */
	memcpy(k + 0x202, "HdrS", 4);
	put16(k + 0x206, version);
	k[0x211] = 0x01;				/* LOADED_HIGH */
	put32(k + 0x22c, 0x7fffffff);			/* initrd_addr_max */
	put32(k + 0x230, 0x200000);
	k[0x234] = 1;					/* relocatable */
	put32(k + 0x238, cmdline_size);
	put32(k + 0x258, 0x1000000);			/* pref_address */
	put32(k + 0x260, 0x20000);			/* init_size */
	for (size_t i = 0; i < PM_SIZE; i++)
		k[SETUP_SIZE + i] = (uint8_t)(i * 7 + 3);
	*len = SETUP_SIZE + PM_SIZE;
	return k;
}

static inline int write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		return -1;
	if (fwrite(buf, 1, len, f) != len) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

#endif /* TESTS_DM_BOOT_FIXTURE_H */

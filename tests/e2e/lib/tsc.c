/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tsc: user-space probe for the e2e initramfs (built with gcc -static).
 *   tsc                 print the time-stamp counter in decimal
 *   tsc bench NAME      print "BENCH NAME <tsc> instructions" (under Bochs with clock sync=none
 *                       the TSC advances one tick per emulated instruction)
 *   tsc shutdown        write "Shutdown" to port 0x8900 (ends Bochs; needs root for ioperm)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/io.h>

#include "rdtsc.h"

int main(int argc, char **argv)
{
	if (argc == 1) {
		printf("%llu\n", (unsigned long long)rdtsc());
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "bench") == 0) {
		printf("BENCH %s %llu instructions\n", argv[2], (unsigned long long)rdtsc());
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "shutdown") == 0) {
		const char *s = "Shutdown";

		if (ioperm(0x8900, 1, 1) != 0) {
			perror("tsc: ioperm");
			return 1;
		}
		for (; *s; s++)
			outb((unsigned char)*s, 0x8900);
		return 0;
	}
	fprintf(stderr, "usage: tsc [bench NAME | shutdown]\n");
	return 2;
}

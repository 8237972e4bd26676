/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrn-cpuid: run inside a VM, print what the hypervisor's CPUID leaves say.
 *   acrn-cpuid          "signature ACRNACRNACRN privileged 1 tsc_khz 80000"
 * Exit status 1 when the hypervisor signature is absent.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

int main(void)
{
	uint32_t r[4];
	char sig[13];

	cpuid(0x40000000, r);
	memcpy(sig, &r[1], 4);
	memcpy(sig + 4, &r[2], 4);
	memcpy(sig + 8, &r[3], 4);
	sig[12] = '\0';
	if (strcmp(sig, "ACRNACRNACRN") != 0) {
		printf("signature none\n");
		return 1;
	}
	uint32_t max = r[0];

	cpuid(0x40000001, r);
	printf("signature %s privileged %u", sig, r[0] & 1);
	if (max >= 0x40000010) {
		cpuid(0x40000010, r);
		printf(" tsc_khz %u", r[0]);
	}
	printf("\n");
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * boot-init: the whole /init of the boot benchmarks (tests/e2e/scenarios/native-boot-bench.sh and
 * sos-boot-bench.sh).
 *
 * It is a static C program rather than a busybox script so that the first thing user space
 * does after the kernel hands over is RDTSC -- no shell start-up between the kernel's exec of
 * /init and the measurement.  Under Bochs with "clock: sync=none" the TSC starts at 0 at
 * power-on and advances one tick per emulated instruction, so the value printed is the number
 * of instructions from power-on to /init: BIOS + GRUB + (hypervisor +) kernel.
 *
 * The same binary runs natively and as the Service VM's /init, so both scenarios boot the same
 * initramfs.  Which of the two runs it is comes from CPUID (Intel SDM Vol. 2A, CPUID: leaf 1
 * ECX bit 31 is reserved as 0 on hardware and set by hypervisors; the ACRN hypervisor leaf
 * 0x40000000 returns the signature "ACRNACRNACRN" in EBX, ECX, EDX):
 *     BENCH boot_to_init_native N instructions     on bare (emulated) hardware
 *     BENCH boot_to_init_sos N instructions        in the Service VM of the ACRN hypervisor
 *     BENCH boot_to_init_other N instructions      under some other hypervisor
 * Then, for the record, the kernel log lines that explain boot-time differences (TSC
 * frequency, clock source, delay-loop calibration), then "boot-bench: done", and it ends
 * the emulator: "Shutdown" to Bochs' port 0x8900, or an ACPI power-off if that port is
 * not reachable.  It never exits (init exiting would panic the kernel).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/io.h>
#include <sys/klog.h>
#include <sys/reboot.h>

#define BOOT_BENCH_LOG_SIZE (1 << 20)	/* the kernel's default log buffer is 128 KiB-1 MiB */

static uint64_t boot_bench_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static void boot_bench_cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

/* "native", "sos" or "other" (see the comment at the top). */
static const char *boot_bench_mode(void)
{
	uint32_t r[4];
	char sig[13];

	boot_bench_cpuid(1, r);
	if ((r[2] & (1u << 31)) == 0)
		return "native";
	boot_bench_cpuid(0x40000000u, r);
	memcpy(sig, &r[1], 4);
	memcpy(sig + 4, &r[2], 4);
	memcpy(sig + 8, &r[3], 4);
	sig[12] = '\0';
	return strcmp(sig, "ACRNACRNACRN") == 0 ? "sos" : "other";
}

/* Print the kernel log lines worth keeping next to the figure (bounded copy of the log). */
static void boot_bench_print_klog(void)
{
	static const char *const keys[] = {
		"tsc:", "clocksource:", "Calibrating delay", "BogoMIPS", "Freeing unused",
	};
	static char buf[BOOT_BENCH_LOG_SIZE + 1];
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, BOOT_BENCH_LOG_SIZE);
	char *line, *save = NULL;

	if (n <= 0)
		return;
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			if (strstr(line, keys[i]) != NULL) {
				printf("boot-bench: klog %s\n", line);
				break;
			}
		}
	}
}

int main(void)
{
	uint64_t t = boot_bench_rdtsc();
	const char *mode = boot_bench_mode();

	printf("BENCH boot_to_init_%s %llu instructions\n", mode, (unsigned long long)t);
	fflush(stdout);
	boot_bench_print_klog();
	printf("boot-bench: done\n");
	fflush(stdout);
	/* The console UART sends from the kernel's buffer, on interrupts: ending the emulator
	 * before the buffer is empty would cut the lines above. */
	tcdrain(STDOUT_FILENO);
	sync();
	if (ioperm(0x8900, 1, 1) == 0) {
		for (const char *s = "Shutdown"; *s != '\0'; s++)
			outb((unsigned char)*s, 0x8900);
	}
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TSC calibration against the i8254 PIT.  CPUID leaf 0x15/0x16 cannot be
 * trusted under emulators (Bochs declares 3.5 GHz and ticks once per
 * instruction), so we measure, and later report the measured value to guests.
 */
#define pr_fmt(fmt) "timer: " fmt
#include <arch/x86/timer.h>
#include <arch/x86/cpu.h>
#include <common/log.h>

#define PIT_HZ		1193182U
#define CAL_MS		10U

uint32_t tsc_khz = 1000000;	/* until calibrated: assume 1 GHz */

void tsc_calibrate(void)
{
	uint32_t count = PIT_HZ * CAL_MS / 1000;
	uint64_t t0, t1;
	uint8_t gate = inb(0x61);

	/* Channel 2, gate on, speaker off; mode 0 (interrupt on terminal count):
	 * OUT2 (port 0x61 bit 5) goes high when the count reaches zero. */
	outb(0x61, (gate & ~0x02) | 0x01);
	outb(0x43, 0xB0);		/* ch2, lobyte/hibyte, mode 0, binary */
	outb(0x42, count & 0xFF);
	outb(0x42, count >> 8);
	t0 = rdtsc();
	for (uint64_t spins = 0; !(inb(0x61) & 0x20); spins++) {
		if (spins > 100000000ULL) {
			pr_warn("PIT channel 2 does not count; assuming %u kHz TSC", tsc_khz);
			outb(0x61, gate);
			return;
		}
	}
	t1 = rdtsc();
	outb(0x61, gate);
	tsc_khz = (uint32_t)((t1 - t0) / CAL_MS);
	if (tsc_khz == 0)
		tsc_khz = 1;
}

void udelay(uint32_t us)
{
	uint64_t end = rdtsc() + (uint64_t)us * tsc_khz / 1000;

	while (rdtsc() < end)
		cpu_relax();
}

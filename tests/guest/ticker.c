/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test guest "ticker": not a test of its own but a User VM that runs until it is stopped, for
 * the VM-management scenario (tests/e2e/scenarios/acrnctl.sh).  Every 0.5 s of its TSC it
 * prints
 *     ticker: N tsc T (+D ms)
 * (N counts from 1, T is the TSC, D the time since the previous line), so a paused VM is
 * seen printing nothing and a continued one printing again, with the pause in D.  Between
 * lines it halts (TSC-deadline timer, then STI; HLT: SDM Vol. 3A 11.5.4.1), leaving its pCPU
 * to the Service VM; without a TSC-deadline timer it spins.  With "spin" on its command line
 * (acrn-dm -B spin) it is a CPU-bound VM for the scheduling-class checks: it spins and prints a
 * line every 5 s only, since each character it prints is an I/O request during which it
 * cannot run, a window in which a VM of a lower class would get the pCPU.  Each tick it polls the ACPI
 * power button (rt_power_button()): a press prints "ticker: power button after N ticks" and
 * powers off through ACPI S5, which is how "acrnctl stop" ends it.  Plan 0: it never prints
 * a SUMMARY, so guest-tests must not run it.
 */
#include "rt.h"

RT_GUEST(ticker, 0);

#define TICK_US		500000
#define SPIN_TICK_US	5000000
#define V_TICK		0x40	/* counted and EOIed by the runtime: no handler needed */

static bool have_deadline;

/* Wait until the TSC reaches @p when. */
static void wait_until(uint64_t when)
{
	if (have_deadline)
		rt_wrmsr(MSR_TSC_DEADLINE, when);
	while (rt_rdtsc() < when) {
		if (have_deadline)
			__asm__ volatile("sti; hlt; cli" ::: "memory");
		else
			rt_pause();
	}
}

void rt_guest_main(void)
{
	uint32_t r[4];
	bool spin = rt_cmdline_has("spin");
	uint64_t period = (spin ? SPIN_TICK_US : TICK_US) * rt_tsc_per_us, prev = rt_rdtsc(), now;

	rt_cpuid(1, 0, r);
	have_deadline = (r[2] & (1U << 24)) != 0 && !spin;
	if (have_deadline)
		rt_apic_write(APIC_LVT_TIMER, APIC_TIMER_TSC_DEADLINE | V_TICK);
	rt_printf("# ticker: a line every %u ms (%s)\n", (spin ? SPIN_TICK_US : TICK_US) / 1000,
		  have_deadline ? "TSC-deadline timer, HLT between lines" : "busy wait");
	for (uint32_t n = 1;; n++) {
		/* From the previous line, not on a fixed grid: no burst of lines after a pause. */
		wait_until(prev + period);
		now = rt_rdtsc();
		rt_printf("ticker: %u tsc %lu (+%lu ms)\n", n, now,
			  (now - prev) / (rt_tsc_per_us * 1000));
		prev = now;
		if (rt_power_button()) {
			rt_printf("ticker: power button after %u ticks\n", n);
			rt_poweroff();
		}
	}
}

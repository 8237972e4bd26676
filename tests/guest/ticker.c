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
 *
 * It also keeps values of its own in CR2 and in XMM7, neither of which VMX switches (they are
 * not in the VMCS): whenever it finds another value there it prints "ticker: CR2 clobbered:
 * ..." or "ticker: XMM7 clobbered: ..." (the scenario fails on those lines).  Tickers sharing
 * a pCPU with each other and with the Service VM prove the hypervisor saves and restores them
 * with the vCPU -- XMM7 although this guest never enables XSAVE (XCR0 stays 1).
 */
#include "rt.h"

RT_GUEST(ticker, 0);

#define TICK_US		500000
#define SPIN_TICK_US	5000000
#define V_TICK		0x40	/* counted and EOIed by the runtime: no handler needed */

#define CR4_OSFXSR	(1U << 9)	/* SSE instructions allowed (SDM Vol. 3A 2.5) */

static bool have_deadline;
static uint64_t cr2_mark, xmm_mark;

/* The low quadword of XMM7 (the runtime is built without SSE: nothing else touches it). */
static void xmm7_write(uint64_t v)
{
	__asm__ volatile("movq %0, %%xmm7" :: "r"(v));
}

static uint64_t xmm7_read(void)
{
	uint64_t v;

	__asm__ volatile("movq %%xmm7, %0" : "=r"(v));
	return v;
}

/* Named for its first job; it checks every mark. */
static void cr2_check(void)
{
	uint64_t v = rt_read_cr2();

	if (v != cr2_mark) {
		rt_printf("ticker: CR2 clobbered: %lx, this VM wrote %lx\n", v, cr2_mark);
		rt_write_cr2(cr2_mark);
	}
	v = xmm7_read();
	if (v != xmm_mark) {
		rt_printf("ticker: XMM7 clobbered: %lx, this VM wrote %lx\n", v, xmm_mark);
		xmm7_write(xmm_mark);
	}
}

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
		cr2_check();
	}
}

void rt_guest_main(void)
{
	uint32_t r[4];
	bool spin = rt_cmdline_has("spin");
	uint64_t period = (spin ? SPIN_TICK_US : TICK_US) * rt_tsc_per_us, prev = rt_rdtsc(), now;

	/* A canonical address unlikely to be any other VM's: from this VM's start TSC. */
	cr2_mark = 0x7C0000000000ULL | (rt_rdtsc() & 0xFFFFFFFFFULL);
	rt_write_cr2(cr2_mark);
	rt_write_cr4(rt_read_cr4() | CR4_OSFXSR);
	xmm_mark = 0x5EE0000000000000ULL ^ cr2_mark;
	xmm7_write(xmm_mark);
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
		cr2_check();	/* across the I/O requests of the line just printed */
		if (rt_power_button()) {
			rt_printf("ticker: power button after %u ticks\n", n);
			rt_poweroff();
		}
	}
}

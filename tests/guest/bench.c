/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench: exit costs as a User VM sees them, in TSC ticks per iteration.  With Bochs'
 * `clock: sync=none` a TSC tick is one emulated instruction, so the figures are instruction
 * counts and repeat exactly (doc/performance.md).  Each benchmark prints
 * "BENCH <name> <ticks> ticks" (collected by `make bench`) and one check that the operation
 * did what it should — a bench that timed the wrong path must not pass:
 *
 *   uvm_cpuid            CPUID leaf 0x40000000 (handled in the hypervisor)
 *   uvm_vmcall_refused   VMCALL from a User VM: refused with -EPERM in RAX
 *   uvm_inl_hv           inl from port 0x80, answered by the hypervisor itself
 *   uvm_inl_dm           inl from the testdev's ID port: a round trip through acrn-dm
 *   uvm_mmio_read_dm     a 32-bit MMIO read of the testdev's ID register: decode + acrn-dm
 *   uvm_timer_latency    TSC-deadline timer: from the deadline to the handler's first
 *                        instruction, the vCPU halted in between
 *
 * Needs acrn-dm's testdev (`-s N,testdev`).
 */
#include "rt.h"

RT_GUEST(bench, 6);

#define ITERS_EXIT	2000	/* exits handled by the hypervisor alone */
#define ITERS_DM	500	/* round trips through the Service VM */
#define TIMER_SHOTS	50
#define TIMER_DELTA	50000	/* ticks from arming to the deadline */
#define VEC_TIMER	0x50
#define HC_GET_API_VERSION	0x80000000ULL
#define EPERM		1

static struct rt_testdev td;

static void report(const char *name, uint64_t total, uint64_t iters)
{
	rt_printf("BENCH %s %lu ticks\n", name, (total + iters / 2) / iters);
}

static void bench_cpuid(void)
{
	uint32_t r[4] = { 0 };
	uint64_t t0, t1;

	t0 = rt_rdtsc();
	for (int i = 0; i < ITERS_EXIT; i++)
		rt_cpuid(0x40000000, 0, r);
	t1 = rt_rdtsc();
	report("uvm_cpuid", t1 - t0, ITERS_EXIT);
	rt_check("bench/cpuid_acrn_leaf", r[1] == 0x4E524341 && r[2] == 0x4E524341 &&
		 r[3] == 0x4E524341, "signature 0x%x 0x%x 0x%x", r[1], r[2], r[3]);
}

static void bench_vmcall(void)
{
	uint64_t t0, t1, ret = 0;

	rt_fault_clear();
	t0 = rt_rdtsc();
	for (int i = 0; i < ITERS_EXIT; i++) {
		register uint64_t r8 __asm__("r8") = HC_GET_API_VERSION;

		__asm__ volatile("1: vmcall\n2:\n\t" RT_EXTABLE("1b", "2b")
				 : "=a"(ret), "+r"(r8) : "D"(0ULL), "S"(0ULL) : "memory");
		if (rt_last_fault.vector != RT_NO_FAULT)
			break;
	}
	t1 = rt_rdtsc();
	if (rt_last_fault.vector == RT_NO_FAULT)
		report("uvm_vmcall_refused", t1 - t0, ITERS_EXIT);
	rt_check("bench/vmcall_refused_eperm", rt_last_fault.vector == RT_NO_FAULT &&
		 ret == (uint64_t)-EPERM, "vector %ld, RAX 0x%lx", (long)rt_last_fault.vector, ret);
}

static void bench_inl(void)
{
	uint64_t t0, t1;
	uint32_t v = 0;
	uint16_t port = (uint16_t)(td.pio + TDEV_PIO_ID);

	t0 = rt_rdtsc();
	for (int i = 0; i < ITERS_EXIT; i++)
		v = rt_inl(0x80);
	t1 = rt_rdtsc();
	report("uvm_inl_hv", t1 - t0, ITERS_EXIT);
	rt_check("bench/inl_port80_floats_high", v == 0xFFFFFFFFU, "0x%x", v);

	t0 = rt_rdtsc();
	for (int i = 0; i < ITERS_DM; i++)
		v = rt_inl(port);
	t1 = rt_rdtsc();
	report("uvm_inl_dm", t1 - t0, ITERS_DM);
	rt_check("bench/inl_testdev_id", v == TDEV_ID_VALUE, "0x%x", v);
}

static void bench_mmio(void)
{
	volatile uint32_t *id = (volatile uint32_t *)(td.mmio + TDEV_REG_ID);
	uint64_t t0, t1;
	uint32_t v = 0;

	t0 = rt_rdtsc();
	for (int i = 0; i < ITERS_DM; i++)
		v = *id;
	t1 = rt_rdtsc();
	report("uvm_mmio_read_dm", t1 - t0, ITERS_DM);
	rt_check("bench/mmio_testdev_id", v == TDEV_ID_VALUE, "0x%x", v);
}

static volatile uint64_t timer_deadline, timer_lat_sum;

static void timer_handler(struct rt_frame *f)
{
	timer_lat_sum += rt_rdtsc() - timer_deadline;
	rt_apic_eoi();
}

static void bench_timer(void)
{
	uint32_t r[4];
	uint32_t before;

	rt_cpuid(1, 0, r);
	if (!(r[2] & (1U << 24))) {
		rt_skip("bench/timer_fired_every_time", "no TSC-deadline timer in CPUID");
		return;
	}
	rt_set_irq_handler(VEC_TIMER, timer_handler);
	rt_apic_write(APIC_LVT_TIMER, APIC_TIMER_TSC_DEADLINE | VEC_TIMER);
	before = rt_irq_count[VEC_TIMER];
	for (int i = 0; i < TIMER_SHOTS; i++) {
		uint64_t end;

		timer_deadline = rt_rdtsc() + TIMER_DELTA;
		rt_wrmsr(MSR_TSC_DEADLINE, timer_deadline);
		end = timer_deadline + 1000 * rt_tsc_per_us * 100;	/* 100 ms */
		while (rt_irq_count[VEC_TIMER] == before + (uint32_t)i && rt_rdtsc() < end)
			__asm__ volatile("sti; hlt; cli" ::: "memory");
	}
	rt_apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | VEC_TIMER);
	rt_set_irq_handler(VEC_TIMER, NULL);
	if (rt_irq_count[VEC_TIMER] - before == TIMER_SHOTS)
		report("uvm_timer_latency", timer_lat_sum, TIMER_SHOTS);
	rt_check("bench/timer_fired_every_time", rt_irq_count[VEC_TIMER] - before == TIMER_SHOTS,
		 "%u of %u", rt_irq_count[VEC_TIMER] - before, TIMER_SHOTS);
}

void rt_guest_main(void)
{
	bench_cpuid();
	bench_vmcall();
	if (rt_testdev_find(&td) != 0) {
		rt_fail("bench/testdev_found", "no testdev on bus 0: run with -s N,testdev");
		return;
	}
	bench_inl();
	bench_mmio();
	bench_timer();
}

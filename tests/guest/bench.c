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
 *   uvm_lapic_write      a write to the xAPIC TPR: EPT violation, decode, the vLAPIC
 *   uvm_ipi_roundtrip    vCPU 0 sends a fixed IPI to vCPU 1 and halts; vCPU 1's handler
 *                        EOIs and sends one back; vCPU 0's handler EOIs (xAPIC MMIO)
 *
 * Needs acrn-dm's testdev (`-s N,testdev`) and, for the IPI round trip, 2 vCPUs (`-c 2`).
 */
#include "rt.h"

RT_GUEST(bench, 8);

#define ITERS_EXIT	2000	/* exits handled by the hypervisor alone */
#define ITERS_DM	500	/* round trips through the Service VM */
#define TIMER_SHOTS	50
#define TIMER_DELTA	50000	/* ticks from arming to the deadline */
#define VEC_TIMER	0x50
#define IPI_ROUNDS	500
#define IPI_BUDGET_US	4000	/* per round trip, for the watchdog */
#define VEC_PING	0x60	/* vCPU 0 -> vCPU 1 */
#define VEC_PONG	0x61	/* vCPU 1 -> vCPU 0 */
#define VEC_WATCHDOG	0x62
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

static void bench_lapic_write(void)
{
	uint64_t t0, t1;
	uint32_t tpr;

	t0 = rt_rdtsc();
	for (int i = 0; i < ITERS_EXIT; i++)
		rt_apic_write(APIC_TPR, (uint32_t)i & 0x0F);
	t1 = rt_rdtsc();
	tpr = rt_apic_read(APIC_TPR);
	rt_apic_write(APIC_TPR, 0);
	report("uvm_lapic_write", t1 - t0, ITERS_EXIT);
	rt_check("bench/lapic_tpr_holds_last_write", tpr == ((ITERS_EXIT - 1) & 0x0F),
		 "TPR 0x%x, last written 0x%x", tpr, (ITERS_EXIT - 1) & 0x0F);
}

/*
 * IPI round trip.  Each side counts only its own vector; the first (untimed) round trip
 * also records the APIC ID each handler ran on, so a message delivered to the wrong vCPU
 * fails the check instead of being timed.
 */
static uint32_t bsp_apic, ap_apic;
static volatile uint32_t ap_up, pings, pongs, note_cpu;
static volatile uint32_t ping_cpu = ~0U, pong_cpu = ~0U;

static void on_ping(struct rt_frame *f)
{
	if (note_cpu)
		ping_cpu = rt_apic_id();
	pings++;
	rt_apic_eoi();
	rt_apic_send_ipi(bsp_apic, VEC_PONG);
}

static void on_pong(struct rt_frame *f)
{
	if (note_cpu)
		pong_cpu = rt_apic_id();
	pongs++;
	rt_apic_eoi();
}

static void ipi_ap(unsigned int cpu)
{
	ap_apic = rt_apic_id();
	ap_up = 1;
}

/* Send one ping and halt until its pong.  @return false if it did not come before @p end */
static bool ipi_round(uint64_t end)
{
	uint32_t want = pongs + 1;

	rt_apic_send_ipi(ap_apic, VEC_PING);
	while (pongs < want) {
		if (rt_rdtsc() >= end)
			return false;
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	}
	return true;
}

static void bench_ipi(void)
{
	const char *name = "bench/ipi_roundtrip_every_ipi_arrived";
	uint32_t r[4], n, done = 0;
	uint64_t t0, t1, end;
	bool first;

	if (rt_ncpus_madt < 2) {
		rt_skip(name, "needs 2 vCPUs (acrn-dm -c 2), the MADT lists one");
		return;
	}
	rt_cpuid(1, 0, r);
	if (!(r[2] & (1U << 24))) {
		/* Without a wake-up timer a lost IPI would leave vCPU 0 halted for good. */
		rt_skip(name, "no TSC-deadline timer in CPUID for the watchdog");
		return;
	}
	bsp_apic = rt_apic_id();
	rt_set_irq_handler(VEC_PING, on_ping);
	rt_set_irq_handler(VEC_PONG, on_pong);
	n = rt_smp_start(ipi_ap);
	/* An AP counts itself online before it runs ipi_ap(). */
	if (n < 2 || !rt_wait_count(&ap_up, 1, 100000)) {
		rt_fail(name, "vCPU 1 did not start: %u of %u CPUs online", n, rt_ncpus_madt);
		return;
	}
	/* The watchdog: one deadline for the whole run, after the budget of every round trip. */
	end = rt_rdtsc() + (uint64_t)(IPI_ROUNDS + 1) * IPI_BUDGET_US * rt_tsc_per_us;
	rt_apic_write(APIC_LVT_TIMER, APIC_TIMER_TSC_DEADLINE | VEC_WATCHDOG);
	rt_wrmsr(MSR_TSC_DEADLINE, end);

	note_cpu = 1;
	first = ipi_round(end);
	note_cpu = 0;
	pings = pongs = 0;
	t0 = rt_rdtsc();
	while (first && done < IPI_ROUNDS && ipi_round(end))
		done++;
	t1 = rt_rdtsc();

	rt_wrmsr(MSR_TSC_DEADLINE, 0);
	rt_apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | VEC_WATCHDOG);
	rt_udelay(1000);	/* a late or duplicate message shows in the counts */
	rt_set_irq_handler(VEC_PING, NULL);
	rt_set_irq_handler(VEC_PONG, NULL);
	if (first && done == IPI_ROUNDS && pings == IPI_ROUNDS && pongs == IPI_ROUNDS)
		report("uvm_ipi_roundtrip", t1 - t0, IPI_ROUNDS);
	rt_check(name, first && ping_cpu == ap_apic && pong_cpu == bsp_apic &&
		 done == IPI_ROUNDS && pings == IPI_ROUNDS && pongs == IPI_ROUNDS,
		 "first round %s (ping on APIC %d, pong on APIC %d; vCPU 1 is %u, vCPU 0 %u), "
		 "then %u of %u rounds: %u pings on vCPU 1, %u pongs on vCPU 0",
		 first ? "ok" : "timed out", (int)ping_cpu, (int)pong_cpu, ap_apic, bsp_apic,
		 done, IPI_ROUNDS, pings, pongs);
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
	bench_lapic_write();
	bench_ipi();
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test guest "smp": the APs of the MADT start by INIT-SIPI-SIPI (SDM Vol. 3A 9.4), IPIs flow
 * BSP -> AP, AP -> BSP and by the all-excluding-self shorthand (11.6), and LOCK XADD on a
 * shared counter loses no update (Vol. 3A 9.1.2.2).
 */
#include "rt.h"

RT_GUEST(smp, 7);

#define V_TO_AP		0x80
#define V_TO_BSP	0x81
#define V_BCAST		0x82
#define XADD_LOOPS	20000

static uint32_t bsp_id;
static volatile uint32_t ap_apic_id[RT_MAX_CPUS];
static volatile uint32_t go_xadd, xadd_done, go_ipi;
static volatile uint32_t counter;
static volatile uint32_t to_ap_on_ap, to_ap_on_bsp, bcast_on_bsp;

static void xadd_loop(void)
{
	for (uint32_t i = 0; i < XADD_LOOPS; i++)
		rt_atomic_xadd(&counter, 1);
}

static void on_to_ap(struct rt_frame *f)
{
	rt_atomic_xadd(rt_apic_id() == bsp_id ? &to_ap_on_bsp : &to_ap_on_ap, 1);
	rt_apic_eoi();
}

static void on_bcast(struct rt_frame *f)
{
	if (rt_apic_id() == bsp_id)
		rt_atomic_xadd(&bcast_on_bsp, 1);
	rt_apic_eoi();
}

static void ap_fn(unsigned int cpu)
{
	ap_apic_id[cpu] = rt_apic_id();
	rt_sti();
	while (!go_xadd)
		rt_pause();
	xadd_loop();
	rt_atomic_xadd(&xadd_done, 1);
	while (!go_ipi)
		rt_pause();
	rt_apic_send_ipi(bsp_id, V_TO_BSP);
}

void rt_guest_main(void)
{
	unsigned int n, aps;
	bool ids_ok = true;
	uint32_t c;

	bsp_id = rt_apic_id();
	rt_set_irq_handler(V_TO_AP, on_to_ap);
	rt_set_irq_handler(V_BCAST, on_bcast);
	rt_check("smp/madt_lists_at_least_two_cpus", rt_ncpus_madt >= 2, "%u CPU(s) in the MADT",
		 rt_ncpus_madt);
	n = rt_smp_start(ap_fn);
	aps = n - 1;
	rt_check("smp/all_madt_aps_start", n == rt_ncpus_madt && n >= 2, "%u of %u CPUs online",
		 n, rt_ncpus_madt);
	for (unsigned int i = 1; i < n; i++)
		if (ap_apic_id[i] == bsp_id || ap_apic_id[i] != rt_cpu_apic_id[i])
			ids_ok = false;
	rt_check("smp/aps_report_their_madt_apic_ids", ids_ok && aps >= 1,
		 "AP 1 reports APIC ID %u (BSP %u)", ap_apic_id[1], bsp_id);

	/* Every CPU adds XADD_LOOPS at the same time. */
	go_xadd = 1;
	xadd_loop();
	rt_wait_count(&xadd_done, aps, 2000000);
	rt_check("smp/lock_xadd_counter_reaches_total", counter == (aps + 1) * XADD_LOOPS,
		 "counter %u, want %u", counter, (aps + 1) * XADD_LOOPS);

	rt_sti();
	for (unsigned int i = 1; i < n; i++)
		rt_apic_send_ipi(ap_apic_id[i], V_TO_AP);
	rt_wait_count(&to_ap_on_ap, aps, 100000);
	rt_check("smp/ipi_bsp_to_each_ap", to_ap_on_ap == aps && to_ap_on_bsp == 0,
		 "%u on APs, %u on the BSP, want %u and 0", to_ap_on_ap, to_ap_on_bsp, aps);

	c = rt_irq_count[V_TO_BSP];
	go_ipi = 1;
	rt_check("smp/ipi_each_ap_to_bsp",
		 rt_wait_count(&rt_irq_count[V_TO_BSP], c + aps, 100000),
		 "%u of %u arrived", rt_irq_count[V_TO_BSP] - c, aps);

	c = rt_irq_count[V_BCAST];
	rt_apic_send_ipi(0, APIC_ICR_ALL_BUT_SELF | V_BCAST);
	rt_wait_count(&rt_irq_count[V_BCAST], c + aps, 100000);
	rt_udelay(1000);
	rt_check("smp/ipi_all_but_self_skips_sender",
		 rt_irq_count[V_BCAST] == c + aps && bcast_on_bsp == 0,
		 "%u delivered (%u on the BSP), want %u", rt_irq_count[V_BCAST] - c, bcast_on_bsp,
		 aps);
	rt_cli();
}

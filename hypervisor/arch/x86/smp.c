/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SMP bring-up: copy the trampoline below 1 MiB, then INIT-SIPI-SIPI each AP
 * in turn and wait (bounded) for it to report online.
 */
#define pr_fmt(fmt) "smp: " fmt
#include <arch/x86/per_cpu.h>
#include <arch/x86/smp.h>
#include <arch/x86/lapic.h>
#include <arch/x86/timer.h>
#include <arch/x86/cpu.h>
#include <common/log.h>
#include <lib/string.h>

extern const char trampoline_start[], trampoline_end[];
extern uint64_t tramp_cr3, tramp_stack, tramp_arg;

void ap_entry64(struct per_cpu *pc);

/* Called from the trampoline on the AP's own stack. */
void ap_entry64(struct per_cpu *pc)
{
	cpu_setup_tables(pc);
	ap_main(pc);
}

static void tramp_set(const uint64_t *field, uint64_t v)
{
	uintptr_t off = (uintptr_t)field - (uintptr_t)trampoline_start;

	*(volatile uint64_t *)(uintptr_t)(TRAMPOLINE_BASE + off) = v;
}

uint32_t smp_start_aps(const struct acpi_platform *plat)
{
	uint32_t bsp = lapic_id(), n = 1;

	memcpy((void *)(uintptr_t)TRAMPOLINE_BASE, trampoline_start,
	       (size_t)(trampoline_end - trampoline_start));
	tramp_set(&tramp_cr3, read_cr3());

	for (uint32_t i = 0; i < plat->cpu_count && n < MAX_PCPUS; i++) {
		uint32_t id = plat->apic_ids[i];
		struct per_cpu *pc = &per_cpu_data[n];

		if (id == bsp)
			continue;
		pc->cpu_id = n;
		pc->apic_id = id;
		pc->state = PCPU_STARTING;
		tramp_set(&tramp_stack, (uint64_t)(uintptr_t)(pc->stack + PCPU_STACK_SIZE));
		tramp_set(&tramp_arg, (uint64_t)(uintptr_t)pc);
		lapic_start_ap(id, TRAMPOLINE_BASE >> 12);
		/* Wait up to 1 s for the AP to reach ap_main(). */
		for (uint32_t ms = 0; ms < 1000 && pc->state == PCPU_STARTING; ms++)
			udelay(1000);
		if (pc->state == PCPU_STARTING) {
			pr_err("pCPU with APIC ID %u did not start", id);
			pc->state = PCPU_DEAD;
			continue;
		}
		n++;
	}
	if (plat->cpu_count > MAX_PCPUS)
		pr_warn("%u CPUs present, using the first %u", plat->cpu_count, MAX_PCPUS);
	return n;
}

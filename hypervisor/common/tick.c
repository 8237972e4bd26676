/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Periodic hypervisor work, run from the VMX-preemption timer exit of every
 * vCPU of a VM that asks for it: the console shell's input (on pCPU 0) and a
 * debug watchdog line per pCPU, and VT-d fault reporting (on pCPU 0).
 */
#include <common/vm.h>
#include <common/log.h>
#include <common/shell.h>
#include <arch/x86/vmx/vmx.h>
#include <arch/x86/per_cpu.h>
#include <arch/x86/vtd.h>

void hv_tick(struct vcpu *v)
{
	static uint32_t ticks[MAX_PCPUS];
	uint32_t cpu = this_cpu_id();

	++ticks[cpu];
	if (cpu == 0) {
		shell_poll();
		/* VT-d fault interrupts are masked: poll the fault records about once a second. */
		if (ticks[cpu] % 100 == 0)
			(void)vtd_report_faults();
	}
	if (ticks[cpu] % 500 == 0)
		pr_dbg("tick: VM %s vCPU %u RIP %#lx, %lu exits", v->vm->name, v->id,
		       vmcs_read(VMCS_GUEST_RIP), v->exits);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Periodic hypervisor work, run from the VMX-preemption timer exit of the
 * vCPU on pCPU 0: the console shell's input and a debug watchdog line.
 */
#include <common/vm.h>
#include <common/log.h>
#include <common/shell.h>
#include <arch/x86/vmx/vmx.h>

void hv_tick(struct vcpu *v)
{
	static uint32_t ticks;

	shell_poll();
	if (++ticks % 500 == 0)
		pr_dbg("tick: VM %s vCPU %u RIP %#lx, %lu exits", v->vm->name, v->id,
		       vmcs_read(VMCS_GUEST_RIP), v->exits);
}

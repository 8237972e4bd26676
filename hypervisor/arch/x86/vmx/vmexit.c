/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VM-exit dispatch: one handler per basic exit reason (SDM Vol. 3 §28.2.1,
 * Appendix C).  A handler returns 0 to resume the guest or a negative errno
 * to stop the vCPU; anything without a handler stops the vCPU with a report
 * instead of guessing.
 */
#define pr_fmt(fmt) "vmexit: " fmt
#include <common/vm.h>
#include <common/log.h>
#include <arch/x86/vmx/vmx.h>
#include <arch/x86/guest/vcpuid.h>
#include <lib/errno.h>

typedef int (*vmexit_fn)(struct vcpu *v);

static int handle_cpuid(struct vcpu *v)
{
	uint32_t regs[4];

	vcpuid_emulate(v, (uint32_t)v->regs.gpr[GPR_RAX], (uint32_t)v->regs.gpr[GPR_RCX], regs);
	v->regs.gpr[GPR_RAX] = regs[0];
	v->regs.gpr[GPR_RBX] = regs[1];
	v->regs.gpr[GPR_RCX] = regs[2];
	v->regs.gpr[GPR_RDX] = regs[3];
	vcpu_skip_instruction(v);
	return 0;
}

static int handle_hlt(struct vcpu *v)
{
	int ret = v->vm->ops->hlt != NULL ? v->vm->ops->hlt(v) : 0;

	if (ret == 0)
		vcpu_skip_instruction(v);
	return ret;
}

/* SDM Table 28-5: exit qualification for I/O instructions. */
static int handle_io(struct vcpu *v)
{
	uint64_t q = vmcs_read(VMCS_EXIT_QUALIFICATION);
	unsigned size = (unsigned)(q & 7) + 1;
	bool in = (q >> 3) & 1, string = (q >> 4) & 1;
	uint16_t port = (uint16_t)(q >> 16);
	uint32_t val = 0;
	int ret;

	if (string || (size != 1 && size != 2 && size != 4))
		return -ENOTSUP;	/* INS/OUTS: not emulated yet */
	if (!in)
		val = (uint32_t)v->regs.gpr[GPR_RAX];
	if (v->vm->ops->pio == NULL)
		return -ENOTSUP;
	ret = v->vm->ops->pio(v, port, size, !in, &val);
	if (ret != 0)
		return ret;
	if (in) {
		uint64_t *rax = &v->regs.gpr[GPR_RAX];

		/* 8/16-bit IN preserve the rest of RAX; 32-bit IN zero-extends. */
		if (size == 4)
			*rax = val;
		else if (size == 2)
			*rax = (*rax & ~0xFFFFULL) | (val & 0xFFFF);
		else
			*rax = (*rax & ~0xFFULL) | (val & 0xFF);
	}
	vcpu_skip_instruction(v);
	return 0;
}

static int handle_vmcall(struct vcpu *v)
{
	hypercall_handle(v);
	return 0;
}

static int handle_triple_fault(struct vcpu *v)
{
	pr_err("VM %s vCPU %u: triple fault at RIP %#lx", v->vm->name, v->id,
	       vmcs_read(VMCS_GUEST_RIP));
	return -EFAULT;
}

static int handle_ept_violation(struct vcpu *v)
{
	pr_err("VM %s vCPU %u: EPT violation at GPA %#lx (qualification %#lx) RIP %#lx",
	       v->vm->name, v->id, vmcs_read(VMCS_GUEST_PHYS_ADDR),
	       vmcs_read(VMCS_EXIT_QUALIFICATION), vmcs_read(VMCS_GUEST_RIP));
	return -EFAULT;
}

static int handle_external_interrupt(struct vcpu *v)
{
	/* Acknowledged on exit; no device interrupts are routed to the
	 * hypervisor yet, so there is nothing to do but resume. */
	return 0;
}

static const vmexit_fn handlers[EXIT_REASON_MAX] = {
	[EXIT_EXTERNAL_INTERRUPT] = handle_external_interrupt,
	[EXIT_TRIPLE_FAULT] = handle_triple_fault,
	[EXIT_CPUID] = handle_cpuid,
	[EXIT_HLT] = handle_hlt,
	[EXIT_VMCALL] = handle_vmcall,
	[EXIT_IO_INSTRUCTION] = handle_io,
	[EXIT_EPT_VIOLATION] = handle_ept_violation,
};

void vmexit_handle(struct vcpu *v)
{
	uint32_t reason = (uint32_t)vmcs_read(VMCS_EXIT_REASON);
	uint32_t basic = reason & 0xFFFF;
	int ret;

	if (reason & (1U << 31)) {
		pr_err("VM %s vCPU %u: VM entry failed: %s, qualification %#lx",
		       v->vm->name, v->id, vmx_exit_name(basic), vmcs_read(VMCS_EXIT_QUALIFICATION));
		vcpu_stop(v, "VM entry failed");
		return;
	}
	if (basic < EXIT_REASON_MAX)
		v->exit_count[basic]++;
	if (basic >= EXIT_REASON_MAX || handlers[basic] == NULL) {
		pr_err("VM %s vCPU %u: unhandled VM exit %u (%s), qualification %#lx, RIP %#lx",
		       v->vm->name, v->id, basic, vmx_exit_name(basic),
		       vmcs_read(VMCS_EXIT_QUALIFICATION), vmcs_read(VMCS_GUEST_RIP));
		vcpu_stop(v, "unhandled VM exit");
		return;
	}
	ret = handlers[basic](v);
	if (ret != 0) {
		pr_err("VM %s vCPU %u: stopped after %s exit (error %d)",
		       v->vm->name, v->id, vmx_exit_name(basic), ret);
		vcpu_stop(v, vmx_exit_name(basic));
	}
}

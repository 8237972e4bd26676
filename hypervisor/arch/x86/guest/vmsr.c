/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MSR virtualization.  The Service VM owns the platform, so its MSR accesses
 * pass through except those that would reveal or change VMX (SDM Vol. 3
 * §25.6.9 bitmap layout).  Whatever exits and is not emulated gets #GP, as
 * an MSR the CPU does not implement would.
 */
#define pr_fmt(fmt) "vmsr: " fmt
#include <arch/x86/guest/vmsr.h>
#include <arch/x86/guest/virq.h>
#include <arch/x86/msr.h>
#include <common/vm.h>
#include <common/page_alloc.h>
#include <common/log.h>
#include <lib/errno.h>
#include <lib/string.h>
#include <lib/util.h>
#include <arch/x86/cpu.h>

#define MSR_IA32_BIOS_UPDT_TRIG	0x00000079U

void vmsr_intercept(uint8_t *bitmap, uint32_t msr, bool read, bool write)
{
	uint32_t base;

	if (msr <= 0x1FFFU)
		base = 0;
	else if (msr >= 0xC0000000U && msr <= 0xC0001FFFU)
		base = 0x400, msr -= 0xC0000000U;
	else
		return;		/* outside the bitmap: always exits */
	if (read)
		bitmap[base + msr / 8] |= (uint8_t)(1U << (msr % 8));
	if (write)
		bitmap[0x800 + base + msr / 8] |= (uint8_t)(1U << (msr % 8));
}

int vmsr_setup_service_vm(struct vm *vm)
{
	vm->msr_bitmap = page_alloc();
	if (vm->msr_bitmap == NULL)
		return -ENOMEM;
	vmsr_intercept(vm->msr_bitmap, MSR_IA32_FEATURE_CONTROL, true, true);
	for (uint32_t msr = MSR_IA32_VMX_BASIC; msr <= 0x491U; msr++)
		vmsr_intercept(vm->msr_bitmap, msr, true, true);
	vmsr_intercept(vm->msr_bitmap, MSR_IA32_BIOS_UPDT_TRIG, false, true);
	return 0;
}

/* Let the guest access an MSR directly (clear its intercept bits). */
static void vmsr_passthrough(uint8_t *bitmap, uint32_t msr)
{
	uint32_t base = 0;

	if (msr >= 0xC0000000U) {
		base = 0x400;
		msr -= 0xC0000000U;
	}
	bitmap[base + msr / 8] &= (uint8_t)~(1U << (msr % 8));
	bitmap[0x800 + base + msr / 8] &= (uint8_t)~(1U << (msr % 8));
}

/*
 * User VMs: everything exits except state that VMX itself saves and loads
 * per VM (EFER, PAT, SYSENTER, FS/GS bases are VMCS fields) and the syscall
 * MSRs, which the hypervisor does not use — safe while a pCPU runs User VM
 * vCPUs only (partitioned scheduling); sharing a pCPU with the Service VM
 * will need them switched.
 */
int vmsr_setup_user_vm(struct vm *vm)
{
	static const uint32_t direct[] = {
		0x174, 0x175, 0x176,			/* SYSENTER_CS/ESP/EIP */
		0x277,					/* PAT */
		0xC0000080U,				/* EFER */
		0xC0000081U, 0xC0000082U, 0xC0000083U, 0xC0000084U, /* STAR..FMASK */
		0xC0000100U, 0xC0000101U, 0xC0000102U,	/* FS, GS, KERNEL_GS base */
		0xC0000103U,				/* TSC_AUX */
	};

	vm->msr_bitmap = page_alloc();
	if (vm->msr_bitmap == NULL)
		return -ENOMEM;
	memset(vm->msr_bitmap, 0xFF, PAGE_SIZE);
	for (unsigned i = 0; i < sizeof(direct) / sizeof(direct[0]); i++)
		vmsr_passthrough(vm->msr_bitmap, direct[i]);
	return 0;
}

static void gp(struct vcpu *v)
{
	vcpu_inject_exception(v, 13, true, 0);
}

int vmsr_handle_rdmsr(struct vcpu *v)
{
	uint32_t msr = (uint32_t)v->regs.gpr[GPR_RCX];
	uint64_t val;
	int ret = v->vm->virt_irq ? virq_msr(v, msr, false, &val) : -ENOENT;

	if (ret == -EINVAL) {
		gp(v);
		return 0;
	}
	if (ret == 0)
		goto done;
	switch (msr) {
	case MSR_IA32_FEATURE_CONTROL:
		val = FEATURE_CONTROL_LOCK;	/* locked, VMX off */
		break;
	case 0x10:			/* IA32_TIME_STAMP_COUNTER: no offset */
		if (!v->vm->user_vm)
			goto refuse;
		val = rdtsc();
		break;
	case MSR_IA32_APIC_BASE:	/* xAPIC enabled at the default base; BSP flag */
		if (!v->vm->user_vm)
			goto refuse;
		val = 0xFEE00000ULL | (1U << 11) | (v->id == 0 ? 1U << 8 : 0);
		break;
	case MSR_IA32_MISC_ENABLE:
		/* Linux reads it unguarded at its entry (verify_cpu), so a #GP
		 * would be a triple fault; see vmsr_user_misc_enable(). */
		if (!v->vm->user_vm)
			goto refuse;
		val = vmsr_user_misc_enable(rdmsr(MSR_IA32_MISC_ENABLE));
		break;
	case MSR_IA32_MTRRCAP:		/* no variable or fixed ranges, no WC */
	case MSR_IA32_PLATFORM_ID:
	case MSR_IA32_BIOS_SIGN_ID:	/* no microcode revision to report */
		if (!v->vm->user_vm)
			goto refuse;
		val = 0;
		break;
	case MSR_IA32_MTRR_DEF_TYPE:	/* MTRRs enabled, everything write-back (EPT decides) */
		if (!v->vm->user_vm)
			goto refuse;
		val = (1ULL << 11) | 6;
		break;
	default:
	refuse:
		pr_dbg("VM %s: RDMSR %#x -> #GP", v->vm->name, msr);
		gp(v);
		return 0;
	}
done:
	v->regs.gpr[GPR_RAX] = (uint32_t)val;
	v->regs.gpr[GPR_RDX] = (uint32_t)(val >> 32);
	vcpu_skip_instruction(v);
	return 0;
}

int vmsr_handle_wrmsr(struct vcpu *v)
{
	uint32_t msr = (uint32_t)v->regs.gpr[GPR_RCX];
	uint64_t val = (v->regs.gpr[GPR_RDX] << 32) | (uint32_t)v->regs.gpr[GPR_RAX];
	int ret = v->vm->virt_irq ? virq_msr(v, msr, true, &val) : -ENOENT;

	if (ret == -EINVAL) {
		gp(v);
		return 0;
	}
	if (ret == 0) {
		vcpu_skip_instruction(v);
		return 0;
	}
	switch (msr) {
	case MSR_IA32_BIOS_UPDT_TRIG:
		break;		/* microcode updates belong to the hypervisor: ignore */
	case MSR_IA32_MISC_ENABLE:	/* a User VM's writes change nothing it can see */
	case MSR_IA32_MTRR_DEF_TYPE:
	case MSR_IA32_BIOS_SIGN_ID:
		if (!v->vm->user_vm)
			goto refuse;
		break;
	default:
	refuse:
		pr_dbg("VM %s: WRMSR %#x -> #GP", v->vm->name, msr);
		gp(v);
		return 0;
	}
	vcpu_skip_instruction(v);
	return 0;
}

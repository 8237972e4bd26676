/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VMX capability checks and VMXON (SDM Vol. 3 ch. 24 "Introduction to VMX
 * operation", Appendix A "VMX capability reporting facility").
 */
#define pr_fmt(fmt) "vmx: " fmt
#include <arch/x86/vmx/vmx.h>
#include <arch/x86/cpu.h>
#include <arch/x86/msr.h>
#include <arch/x86/per_cpu.h>
#include <common/page_alloc.h>
#include <common/log.h>
#include <lib/errno.h>

struct vmx_caps vmx_caps;

#define VMX_BASIC_TRUE_CTLS	(1ULL << 55)

const char *vmx_check_support(void)
{
	struct cpuid_regs r;
	uint64_t fc, basic;
	bool true_ctls;

	cpuid_count(1, 0, &r);
	if (!(r.ecx & CPUID1_ECX_VMX))
		return "the CPU has no VMX (CPUID.1:ECX[5] is 0)";
	fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if ((fc & FEATURE_CONTROL_LOCK) && !(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX))
		return "VMX is disabled by the firmware (IA32_FEATURE_CONTROL locked)";

	basic = rdmsr(MSR_IA32_VMX_BASIC);
	true_ctls = (basic & VMX_BASIC_TRUE_CTLS) != 0;
	vmx_caps.revision = (uint32_t)basic & 0x7FFFFFFFU;
	vmx_caps.pin = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS);
	vmx_caps.proc = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS);
	vmx_caps.exit = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS);
	vmx_caps.entry = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS);
	vmx_caps.cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	vmx_caps.cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	vmx_caps.cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	vmx_caps.cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);

	if (!vmx_ctls_allow(vmx_caps.proc, PROC_SECONDARY))
		return "the CPU has no secondary processor-based VM-execution controls";
	vmx_caps.proc2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
	if (!vmx_ctls_allow(vmx_caps.proc2, PROC2_EPT))
		return "the CPU has no EPT";
	if (!vmx_ctls_allow(vmx_caps.proc2, PROC2_UNRESTRICTED))
		return "the CPU has no unrestricted guest";
	vmx_caps.ept_vpid = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	if (!(vmx_caps.ept_vpid & EPT_CAP_WALK4) || !(vmx_caps.ept_vpid & EPT_CAP_WB))
		return "EPT lacks 4-level walks or write-back paging structures";
	if (!vmx_ctls_allow(vmx_caps.exit, EXIT_HOST_ADDR64 | EXIT_LOAD_EFER | EXIT_SAVE_EFER) ||
	    !vmx_ctls_allow(vmx_caps.entry, ENTRY_IA32E_GUEST | ENTRY_LOAD_EFER))
		return "VM entry/exit cannot load IA32_EFER";
	return NULL;
}

int vmx_on(void)
{
	struct per_cpu *pc = this_cpu();
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL), pa;
	uint8_t ok;

	if (!(fc & FEATURE_CONTROL_LOCK))
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX);

	/* SDM §24.8: CR0 and CR4 must respect the fixed-bit MSRs in VMX operation. */
	write_cr0((read_cr0() | vmx_caps.cr0_fixed0) & vmx_caps.cr0_fixed1);
	write_cr4(((read_cr4() | vmx_caps.cr4_fixed0) & vmx_caps.cr4_fixed1) | CR4_VMXE);

	if (pc->vmxon_region == NULL)
		pc->vmxon_region = page_alloc();
	if (pc->vmxon_region == NULL)
		return -ENOMEM;
	*(uint32_t *)pc->vmxon_region = vmx_caps.revision;
	pa = hva2hpa(pc->vmxon_region);
	__asm__ volatile("vmxon %1; seta %0" : "=q"(ok) : "m"(pa) : "cc", "memory");
	if (!ok)
		return -EIO;
	pc->state = PCPU_VMX_ROOT;
	return 0;
}

int vmcs_load(uint64_t pa, bool clear)
{
	uint8_t ok = 1;

	if (clear)
		__asm__ volatile("vmclear %1; seta %0" : "=q"(ok) : "m"(pa) : "cc", "memory");
	if (!ok)
		return -EIO;
	__asm__ volatile("vmptrld %1; seta %0" : "=q"(ok) : "m"(pa) : "cc", "memory");
	return ok ? 0 : -EIO;
}

const char *vmx_exit_name(uint32_t reason)
{
	switch (reason) {
#define EXIT_NAME(name, n) case n: return #name;
	EXIT_REASONS(EXIT_NAME)
#undef EXIT_NAME
	default:
		return "UNKNOWN";
	}
}

const char *vmcs_field_name(enum vmcs_field f)
{
	switch (f) {
#define FIELD_NAME(name, enc) case enc: return #name;
	VMCS_FIELDS(FIELD_NAME)
#undef FIELD_NAME
	default:
		return "?";
	}
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CPUID virtualization: the host's leaves with what the hypervisor does not
 * virtualize hidden (VMX), the hypervisor-present bit set, and the ACRN
 * leaves 0x40000000.. (signature, features, measured TSC frequency).
 */
#include <arch/x86/guest/vcpuid.h>
#include <arch/x86/cpu.h>
#include <arch/x86/timer.h>
#include <common/vm.h>
#include <public/acrn_hypercall.h>
#include <lib/string.h>
#include <arch/x86/vmx/vmx.h>

/*
 * Extended topology (leaf 0xB/0x1F, SDM Vol. 2 CPUID) of a VM with virtual
 * LAPICs: one thread per core, vcpu_count cores, x2APIC ID = vCPU index.
 */
static void virt_topology(const struct vcpu *v, uint32_t subleaf, struct cpuid_regs *r)
{
	uint32_t n = v->vm->vcpu_count, shift = 0;

	while ((1U << shift) < n)
		shift++;
	r->eax = 0;
	r->ebx = 0;
	r->ecx = subleaf & 0xFFU;
	r->edx = v->id;
	if (subleaf == 0) {		/* SMT level */
		r->ebx = 1;
		r->ecx |= 1U << 8;
	} else if (subleaf == 1) {	/* core level */
		r->eax = shift;
		r->ebx = n;
		r->ecx |= 2U << 8;
	}
}

void vcpuid_emulate(struct vcpu *v, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	struct cpuid_regs r = { 0, 0, 0, 0 };

	if (leaf >= 0x40000000U && leaf <= 0x400000FFU) {
		switch (leaf) {
		case ACRN_CPUID_SIGNATURE_LEAF:
			r.eax = ACRN_CPUID_TIMING_LEAF;
			memcpy(&r.ebx, ACRN_CPUID_SIGNATURE, 4);
			memcpy(&r.ecx, ACRN_CPUID_SIGNATURE + 4, 4);
			memcpy(&r.edx, ACRN_CPUID_SIGNATURE + 8, 4);
			break;
		case ACRN_CPUID_FEATURES_LEAF:
			r.eax = v->vm->privileged ? ACRN_CPUID_FEATURE_PRIVILEGED : 0;
			break;
		case ACRN_CPUID_TIMING_LEAF:
			r.eax = tsc_khz;
			break;
		default:
			break;
		}
	} else {
		cpuid_count(leaf, subleaf, &r);
		switch (leaf) {
		case 0:
			/* Guarantee the TSC leaves below exist. */
			if (r.eax < 0x15)
				r.eax = 0x15;
			break;
		case 1:
			/* No MONITOR/MWAIT: an idle guest must HLT, which exits,
			 * so the scheduler can lend its pCPU to another vCPU. */
			r.ecx &= ~(CPUID1_ECX_VMX | CPUID1_ECX_OSXSAVE | CPUID1_ECX_MONITOR);
			r.ecx |= CPUID1_ECX_HYPERVISOR;
			/* OSXSAVE mirrors the CR4 of the CPU executing CPUID: the
			 * guest's, not the hypervisor's (SDM Vol. 2 CPUID). */
			if (vmcs_read(VMCS_GUEST_CR4) & CR4_OSXSAVE)
				r.ecx |= CPUID1_ECX_OSXSAVE;
			/* A virtual LAPIC's ID is the vCPU index. */
			if (v->vm->virt_irq)
				r.ebx = (r.ebx & 0x0000FFFFU) | ((uint32_t)v->vm->vcpu_count << 16) |
					((uint32_t)v->id << 24);
			break;
		case 0xB:
		case 0x1F:
			if (v->vm->virt_irq)
				virt_topology(v, subleaf, &r);
			break;
		case 5:		/* the MONITOR/MWAIT leaf, hidden with them */
			r.eax = r.ebx = r.ecx = r.edx = 0;
			break;
		case 0x15:
			/* TSC = crystal * EBX / EAX: report the frequency the hypervisor
			 * measured, not the one the CPU model declares (SDM Vol. 2 CPUID). */
			r.eax = 1;
			r.ebx = 1;
			r.ecx = tsc_khz * 1000U;
			r.edx = 0;
			break;
		case 0x16:
			r.eax = tsc_khz / 1000U;	/* base MHz */
			r.ebx = tsc_khz / 1000U;	/* max MHz */
			break;
		default:
			break;
		}
	}
	out[0] = r.eax;
	out[1] = r.ebx;
	out[2] = r.ecx;
	out[3] = r.edx;
}

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

/* Feature bits (SDM Vol. 2A, CPUID, Tables 3-10, 3-11 and leaf 06H/07H/0DH descriptions). */
#define L1_ECX_HIDDEN_UOS	((1U << 2) |	/* DTES64 */				\
				 (1U << 4) |	/* DS-CPL */				\
				 (1U << 6) |	/* SMX */				\
				 (1U << 7) |	/* EIST: IA32_PERF_CTL */		\
				 (1U << 8) |	/* TM2 */				\
				 (1U << 11) |	/* SDBG: IA32_DEBUG_INTERFACE */	\
				 (1U << 14) |	/* xTPR update control */		\
				 (1U << 15) |	/* PDCM: IA32_PERF_CAPABILITIES */	\
				 (1U << 18))	/* DCA */
#define L1_EDX_HIDDEN_UOS	((1U << 7) |	/* MCE */				\
				 (1U << 14) |	/* MCA: IA32_MCG_* and banks */		\
				 (1U << 18) |	/* PSN */				\
				 (1U << 21) |	/* DS: debug store */			\
				 (1U << 22) |	/* ACPI: thermal MSRs */		\
				 (1U << 29) |	/* TM */				\
				 (1U << 31))	/* PBE */
#define L6_EAX_ARAT		(1U << 2)	/* APIC timer runs in every C-state */
#define L7_EBX_HIDDEN_UOS	((1U << 1) |	/* IA32_TSC_ADJUST */			\
				 (1U << 2) |	/* SGX */				\
				 (1U << 12) |	/* RDT monitoring */			\
				 (1U << 14) |	/* MPX: IA32_BNDCFGS */			\
				 (1U << 15) |	/* RDT allocation */			\
				 (1U << 25))	/* Intel PT */
#define L7_ECX_OSPKE		(1U << 4)
#define L7_ECX_HIDDEN_UOS	((1U << 5) |	/* WAITPKG: IA32_UMWAIT_CONTROL */	\
				 (1U << 7) |	/* CET shadow stacks */			\
				 (1U << 30) |	/* SGX launch control */		\
				 (1U << 31))	/* PKS: IA32_PKRS */
#define L7_EDX_HIDDEN_UOS	((1U << 9) |	/* SRBDS_CTRL: MCU_OPT_CTRL */		\
				 (1U << 13) |	/* TSX_FORCE_ABORT */			\
				 (1U << 18) |	/* PCONFIG */				\
				 (1U << 20) |	/* CET IBT */				\
				 (1U << 26) |	/* IBRS/IBPB: IA32_SPEC_CTRL, PRED_CMD */ \
				 (1U << 27) |	/* STIBP */				\
				 (1U << 28) |	/* L1D_FLUSH */				\
				 (1U << 29) |	/* IA32_ARCH_CAPABILITIES */		\
				 (1U << 30) |	/* IA32_CORE_CAPABILITIES */		\
				 (1U << 31))	/* SSBD */
#define LD1_EAX_XSAVES		(1U << 3)
#define CR4_PKE			(1UL << 22)

/*
 * What a User VM sees of the host's leaves: features whose MSRs, instructions
 * or VMX controls the hypervisor neither emulates nor gives it are hidden, so
 * a guest kernel takes its "not present" paths instead of faulting (Linux
 * panics on the #GP from a machine-check MSR its CPUID promised).  Hidden:
 * machine check, thermal and power management, performance monitoring and
 * debug store, resource director, SGX, PT, MPX, CET, WAITPKG, XSAVES (the
 * enable-XSAVES control is off) and the speculation-control MSRs (the guest
 * then assumes the CPU needs its software mitigations, which is safe).
 */
void vcpuid_filter_user_vm(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r)
{
	switch (leaf) {
	case 1:
		r->ecx &= ~L1_ECX_HIDDEN_UOS;
		r->edx &= ~L1_EDX_HIDDEN_UOS;
		break;
	case 6:			/* thermal and power management: only ARAT */
		r->eax &= L6_EAX_ARAT;
		r->ebx = r->ecx = r->edx = 0;
		break;
	case 7:
		if (subleaf == 0) {
			r->ebx &= ~L7_EBX_HIDDEN_UOS;
			r->ecx &= ~L7_ECX_HIDDEN_UOS;
			r->edx &= ~L7_EDX_HIDDEN_UOS;
		} else if (subleaf == 2) {	/* speculation controls of IA32_SPEC_CTRL */
			r->eax = r->ebx = r->ecx = r->edx = 0;
		}
		break;
	case 0xD:
		if (subleaf == 1) {
			r->eax &= ~LD1_EAX_XSAVES;
			r->ecx = r->edx = 0;	/* no IA32_XSS components */
		}
		break;
	case 9:			/* direct cache access */
	case 0xA:		/* architectural performance monitoring */
	case 0xF:		/* RDT monitoring */
	case 0x10:		/* RDT allocation */
	case 0x12:		/* SGX */
	case 0x14:		/* Intel PT */
	case 0x1B:		/* PCONFIG */
		r->eax = r->ebx = r->ecx = r->edx = 0;
		break;
	default:
		break;
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
		case 7:
			/* OSPKE mirrors the guest's CR4.PKE, like OSXSAVE. */
			if (subleaf == 0) {
				r.ecx &= ~L7_ECX_OSPKE;
				if (vmcs_read(VMCS_GUEST_CR4) & CR4_PKE)
					r.ecx |= L7_ECX_OSPKE;
			}
			break;
		default:
			break;
		}
		if (v->vm->user_vm)
			vcpuid_filter_user_vm(leaf, subleaf, &r);
	}
	out[0] = r.eax;
	out[1] = r.ebx;
	out[2] = r.ecx;
	out[3] = r.edx;
}

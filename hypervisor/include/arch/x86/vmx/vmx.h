/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file vmx.h
 * VMX operation: capability discovery, VMXON, VMCS access and VM entry.
 */
#ifndef ARCH_X86_VMX_VMX_H
#define ARCH_X86_VMX_VMX_H

#include <stdint.h>
#include <stdbool.h>
#include <arch/x86/vmx/vmcs_fields.h>

/* Pin-based controls (SDM Vol. 3 §25.6.1) */
#define PIN_EXT_INTR_EXIT	(1U << 0)
#define PIN_NMI_EXIT		(1U << 3)
#define PIN_VIRTUAL_NMI		(1U << 5)
#define PIN_PREEMPT_TIMER	(1U << 6)
/* Primary processor-based controls (§25.6.2) */
#define PROC_INTR_WINDOW	(1U << 2)
#define PROC_TSC_OFFSET		(1U << 3)
#define PROC_HLT_EXIT		(1U << 7)
#define PROC_INVLPG_EXIT	(1U << 9)
#define PROC_MWAIT_EXIT		(1U << 10)
#define PROC_RDPMC_EXIT		(1U << 11)
#define PROC_RDTSC_EXIT		(1U << 12)
#define PROC_CR3_LOAD_EXIT	(1U << 15)
#define PROC_CR3_STORE_EXIT	(1U << 16)
#define PROC_CR8_LOAD_EXIT	(1U << 19)
#define PROC_CR8_STORE_EXIT	(1U << 20)
#define PROC_TPR_SHADOW		(1U << 21)
#define PROC_NMI_WINDOW		(1U << 22)
#define PROC_MOV_DR_EXIT	(1U << 23)
#define PROC_UNCOND_IO_EXIT	(1U << 24)
#define PROC_IO_BITMAPS		(1U << 25)
#define PROC_MTF		(1U << 27)
#define PROC_MSR_BITMAPS	(1U << 28)
#define PROC_MONITOR_EXIT	(1U << 29)
#define PROC_PAUSE_EXIT		(1U << 30)
#define PROC_SECONDARY		(1U << 31)
/* Secondary processor-based controls (§25.6.2) */
#define PROC2_VIRT_APIC_ACCESS	(1U << 0)
#define PROC2_EPT		(1U << 1)
#define PROC2_DESC_EXIT		(1U << 2)
#define PROC2_RDTSCP		(1U << 3)
#define PROC2_VIRT_X2APIC	(1U << 4)
#define PROC2_VPID		(1U << 5)
#define PROC2_WBINVD_EXIT	(1U << 6)
#define PROC2_UNRESTRICTED	(1U << 7)
#define PROC2_APIC_REG_VIRT	(1U << 8)
#define PROC2_VIRT_INTR_DELIV	(1U << 9)
#define PROC2_INVPCID		(1U << 12)
#define PROC2_XSAVES		(1U << 20)
/* VM-exit controls (§25.7.1) */
#define EXIT_HOST_ADDR64	(1U << 9)
#define EXIT_ACK_INTR		(1U << 15)
#define EXIT_SAVE_PAT		(1U << 18)
#define EXIT_LOAD_PAT		(1U << 19)
#define EXIT_SAVE_EFER		(1U << 20)
#define EXIT_SAVE_PREEMPT	(1U << 22)	/* save the VMX-preemption timer value */
#define EXIT_LOAD_EFER		(1U << 21)
/* VM-entry controls (§25.8.1) */
#define ENTRY_IA32E_GUEST	(1U << 9)
#define ENTRY_LOAD_PAT		(1U << 14)
#define ENTRY_LOAD_EFER		(1U << 15)

/* EPT/VPID capabilities (IA32_VMX_EPT_VPID_CAP, SDM Appendix A.10) */
#define EPT_CAP_WALK4		(1ULL << 6)
#define EPT_CAP_WB		(1ULL << 14)
#define EPT_CAP_2M		(1ULL << 16)
#define EPT_CAP_1G		(1ULL << 17)
#define EPT_CAP_INVEPT		(1ULL << 20)
#define EPT_CAP_INVEPT_SINGLE	(1ULL << 25)
#define EPT_CAP_AD		(1ULL << 21)
#define VPID_CAP_INVVPID	(1ULL << 32)
#define VPID_CAP_INVVPID_SINGLE	(1ULL << 41)

/** What this CPU's VMX implementation offers (read once on the BSP). */
struct vmx_caps {
	uint32_t revision;
	uint64_t pin, proc, proc2, exit, entry;	/* allowed-0 in low, allowed-1 in high half */
	uint64_t ept_vpid;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
};

extern struct vmx_caps vmx_caps;

/**
 * Check that VMX with EPT and unrestricted guest is usable.
 * @return NULL when it is, else a sentence naming the missing feature.
 */
const char *vmx_check_support(void);

/** Enable VMX and execute VMXON on this pCPU. @return 0 or -errno. */
int vmx_on(void);

/** Adjust a desired control value to what the CPU allows (cap: allowed-0/1 pair). */
static inline uint32_t vmx_adjust_ctls(uint64_t cap, uint32_t want)
{
	return (want | (uint32_t)cap) & (uint32_t)(cap >> 32);
}

/** True when the CPU can set every bit of want in the control with this cap. */
static inline bool vmx_ctls_allow(uint64_t cap, uint32_t want)
{
	return (want & (uint32_t)(cap >> 32)) == want;
}

static inline uint64_t vmcs_read(enum vmcs_field f)
{
	uint64_t v;

	__asm__ volatile("vmread %1, %0" : "=rm"(v) : "r"((uint64_t)f) : "cc");
	return v;
}

static inline void vmcs_write(enum vmcs_field f, uint64_t v)
{
	__asm__ volatile("vmwrite %1, %0" : : "r"((uint64_t)f), "rm"(v) : "cc");
}

/* Guest interruptibility state (SDM Vol. 3 §25.4.2, Table 25-3). */
#define INTR_BLOCK_STI		(1U << 0)
#define INTR_BLOCK_MOVSS	(1U << 1)
#define INTR_BLOCK_NMI		(1U << 3)

/*
 * A HLT the hypervisor completes: drop the STI/MOV SS shadow, which the
 * skipped instruction would have ended, so the wake-up interrupt is not
 * held back by one more instruction.
 */
static inline void vmcs_end_intr_shadow(void)
{
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY,
		   vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) & ~(uint64_t)(INTR_BLOCK_STI | INTR_BLOCK_MOVSS));
}

/** VMCLEAR then VMPTRLD the VMCS at physical address pa. @return 0 or -EIO. */
int vmcs_load(uint64_t pa, bool clear);

/** Human-readable name of an exit reason. */
const char *vmx_exit_name(uint32_t reason);

/** The name of a VMCS field (for dumps). */
const char *vmcs_field_name(enum vmcs_field f);

/**
 * Enter the guest whose general registers are in regs (layout: struct
 * guest_regs) with VMLAUNCH or VMRESUME.  Returns 0 after a VM exit, 1 when
 * the VM-entry instruction itself failed (see VM_INSTR_ERROR).
 */
int vmx_vmrun(void *regs, int launched);

#endif /* ARCH_X86_VMX_VMX_H */

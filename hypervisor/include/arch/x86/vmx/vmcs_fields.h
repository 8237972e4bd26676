/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file vmcs_fields.h
 * VMCS field encodings (Intel SDM Vol. 3 Appendix B), as one declarative
 * table.  X(name, encoding) expands to the enum below and to the name table
 * used by the register dump; the field width is encoded in bits 14:13.
 */
#ifndef ARCH_X86_VMX_VMCS_FIELDS_H
#define ARCH_X86_VMX_VMCS_FIELDS_H

#define VMCS_FIELDS(X)							\
	/* 16-bit control */						\
	X(VPID,				0x0000)				\
	/* 16-bit guest state */					\
	X(GUEST_ES_SEL,			0x0800)				\
	X(GUEST_CS_SEL,			0x0802)				\
	X(GUEST_SS_SEL,			0x0804)				\
	X(GUEST_DS_SEL,			0x0806)				\
	X(GUEST_FS_SEL,			0x0808)				\
	X(GUEST_GS_SEL,			0x080A)				\
	X(GUEST_LDTR_SEL,		0x080C)				\
	X(GUEST_TR_SEL,			0x080E)				\
	/* 16-bit host state */						\
	X(HOST_ES_SEL,			0x0C00)				\
	X(HOST_CS_SEL,			0x0C02)				\
	X(HOST_SS_SEL,			0x0C04)				\
	X(HOST_DS_SEL,			0x0C06)				\
	X(HOST_FS_SEL,			0x0C08)				\
	X(HOST_GS_SEL,			0x0C0A)				\
	X(HOST_TR_SEL,			0x0C0C)				\
	/* 64-bit control */						\
	X(IO_BITMAP_A,			0x2000)				\
	X(IO_BITMAP_B,			0x2002)				\
	X(MSR_BITMAP,			0x2004)				\
	X(EXIT_MSR_STORE_ADDR,		0x2006)				\
	X(EXIT_MSR_LOAD_ADDR,		0x2008)				\
	X(ENTRY_MSR_LOAD_ADDR,		0x200A)				\
	X(TSC_OFFSET,			0x2010)				\
	X(VIRTUAL_APIC_PAGE,		0x2012)				\
	X(APIC_ACCESS_ADDR,		0x2014)				\
	X(EPT_POINTER,			0x201A)				\
	/* 64-bit read-only */						\
	X(GUEST_PHYS_ADDR,		0x2400)				\
	/* 64-bit guest state */					\
	X(VMCS_LINK_PTR,		0x2800)				\
	X(GUEST_DEBUGCTL,		0x2802)				\
	X(GUEST_PAT,			0x2804)				\
	X(GUEST_EFER,			0x2806)				\
	/* 64-bit host state */						\
	X(HOST_PAT,			0x2C00)				\
	X(HOST_EFER,			0x2C02)				\
	/* 32-bit control */						\
	X(PIN_CTLS,			0x4000)				\
	X(PROC_CTLS,			0x4002)				\
	X(EXCEPTION_BITMAP,		0x4004)				\
	X(PF_ERRCODE_MASK,		0x4006)				\
	X(PF_ERRCODE_MATCH,		0x4008)				\
	X(CR3_TARGET_COUNT,		0x400A)				\
	X(EXIT_CTLS,			0x400C)				\
	X(EXIT_MSR_STORE_COUNT,		0x400E)				\
	X(EXIT_MSR_LOAD_COUNT,		0x4010)				\
	X(ENTRY_CTLS,			0x4012)				\
	X(ENTRY_MSR_LOAD_COUNT,		0x4014)				\
	X(ENTRY_INTR_INFO,		0x4016)				\
	X(ENTRY_EXC_ERRCODE,		0x4018)				\
	X(ENTRY_INSTR_LEN,		0x401A)				\
	X(TPR_THRESHOLD,		0x401C)				\
	X(PROC_CTLS2,			0x401E)				\
	/* 32-bit read-only */						\
	X(VM_INSTR_ERROR,		0x4400)				\
	X(EXIT_REASON,			0x4402)				\
	X(EXIT_INTR_INFO,		0x4404)				\
	X(EXIT_INTR_ERRCODE,		0x4406)				\
	X(IDT_VECTORING_INFO,		0x4408)				\
	X(IDT_VECTORING_ERRCODE,	0x440A)				\
	X(EXIT_INSTR_LEN,		0x440C)				\
	X(EXIT_INSTR_INFO,		0x440E)				\
	/* 32-bit guest state */					\
	X(GUEST_ES_LIMIT,		0x4800)				\
	X(GUEST_CS_LIMIT,		0x4802)				\
	X(GUEST_SS_LIMIT,		0x4804)				\
	X(GUEST_DS_LIMIT,		0x4806)				\
	X(GUEST_FS_LIMIT,		0x4808)				\
	X(GUEST_GS_LIMIT,		0x480A)				\
	X(GUEST_LDTR_LIMIT,		0x480C)				\
	X(GUEST_TR_LIMIT,		0x480E)				\
	X(GUEST_GDTR_LIMIT,		0x4810)				\
	X(GUEST_IDTR_LIMIT,		0x4812)				\
	X(GUEST_ES_AR,			0x4814)				\
	X(GUEST_CS_AR,			0x4816)				\
	X(GUEST_SS_AR,			0x4818)				\
	X(GUEST_DS_AR,			0x481A)				\
	X(GUEST_FS_AR,			0x481C)				\
	X(GUEST_GS_AR,			0x481E)				\
	X(GUEST_LDTR_AR,		0x4820)				\
	X(GUEST_TR_AR,			0x4822)				\
	X(GUEST_INTERRUPTIBILITY,	0x4824)				\
	X(GUEST_ACTIVITY,		0x4826)				\
	X(GUEST_SYSENTER_CS,		0x482A)				\
	X(PREEMPTION_TIMER,		0x482E)				\
	/* 32-bit host state */						\
	X(HOST_SYSENTER_CS,		0x4C00)				\
	/* natural-width control */					\
	X(CR0_MASK,			0x6000)				\
	X(CR4_MASK,			0x6002)				\
	X(CR0_SHADOW,			0x6004)				\
	X(CR4_SHADOW,			0x6006)				\
	/* natural-width read-only */					\
	X(EXIT_QUALIFICATION,		0x6400)				\
	X(GUEST_LINEAR_ADDR,		0x640A)				\
	/* natural-width guest state */					\
	X(GUEST_CR0,			0x6800)				\
	X(GUEST_CR3,			0x6802)				\
	X(GUEST_CR4,			0x6804)				\
	X(GUEST_ES_BASE,		0x6806)				\
	X(GUEST_CS_BASE,		0x6808)				\
	X(GUEST_SS_BASE,		0x680A)				\
	X(GUEST_DS_BASE,		0x680C)				\
	X(GUEST_FS_BASE,		0x680E)				\
	X(GUEST_GS_BASE,		0x6810)				\
	X(GUEST_LDTR_BASE,		0x6812)				\
	X(GUEST_TR_BASE,		0x6814)				\
	X(GUEST_GDTR_BASE,		0x6816)				\
	X(GUEST_IDTR_BASE,		0x6818)				\
	X(GUEST_DR7,			0x681A)				\
	X(GUEST_RSP,			0x681C)				\
	X(GUEST_RIP,			0x681E)				\
	X(GUEST_RFLAGS,			0x6820)				\
	X(GUEST_PENDING_DBG,		0x6822)				\
	X(GUEST_SYSENTER_ESP,		0x6824)				\
	X(GUEST_SYSENTER_EIP,		0x6826)				\
	/* natural-width host state */					\
	X(HOST_CR0,			0x6C00)				\
	X(HOST_CR3,			0x6C02)				\
	X(HOST_CR4,			0x6C04)				\
	X(HOST_FS_BASE,			0x6C06)				\
	X(HOST_GS_BASE,			0x6C08)				\
	X(HOST_TR_BASE,			0x6C0A)				\
	X(HOST_GDTR_BASE,		0x6C0C)				\
	X(HOST_IDTR_BASE,		0x6C0E)				\
	X(HOST_SYSENTER_ESP,		0x6C10)				\
	X(HOST_SYSENTER_EIP,		0x6C12)				\
	X(HOST_RSP,			0x6C14)				\
	X(HOST_RIP,			0x6C16)

#ifndef __ASSEMBLY__
enum vmcs_field {
#define VMCS_ENUM(name, enc) VMCS_##name = enc,
	VMCS_FIELDS(VMCS_ENUM)
#undef VMCS_ENUM
};
#else
#define VMCS_HOST_RSP	0x6C14
#endif

/* Exit reasons (SDM Vol. 3 Appendix C) */
#define EXIT_REASONS(X)							\
	X(EXCEPTION_NMI, 0) X(EXTERNAL_INTERRUPT, 1) X(TRIPLE_FAULT, 2)	\
	X(INIT_SIGNAL, 3) X(SIPI, 4) X(INTERRUPT_WINDOW, 7)		\
	X(NMI_WINDOW, 8) X(TASK_SWITCH, 9) X(CPUID, 10) X(GETSEC, 11)	\
	X(HLT, 12) X(INVD, 13) X(INVLPG, 14) X(RDPMC, 15) X(RDTSC, 16)	\
	X(VMCALL, 18) X(VMCLEAR, 19) X(VMLAUNCH, 20) X(VMPTRLD, 21)	\
	X(VMPTRST, 22) X(VMREAD, 23) X(VMRESUME, 24) X(VMWRITE, 25)	\
	X(VMXOFF, 26) X(VMXON, 27) X(CR_ACCESS, 28) X(DR_ACCESS, 29)	\
	X(IO_INSTRUCTION, 30) X(RDMSR, 31) X(WRMSR, 32)			\
	X(ENTRY_FAIL_GUEST, 33) X(ENTRY_FAIL_MSR, 34) X(MWAIT, 36)	\
	X(MTF, 37) X(MONITOR, 39) X(PAUSE, 40) X(ENTRY_FAIL_MCE, 41)	\
	X(TPR_BELOW_THRESHOLD, 43) X(APIC_ACCESS, 44)			\
	X(VIRTUALIZED_EOI, 45) X(GDTR_IDTR, 46) X(LDTR_TR, 47)		\
	X(EPT_VIOLATION, 48) X(EPT_MISCONFIG, 49) X(INVEPT, 50)		\
	X(RDTSCP, 51) X(PREEMPTION_TIMER, 52) X(INVVPID, 53)		\
	X(WBINVD, 54) X(XSETBV, 55) X(APIC_WRITE, 56) X(RDRAND, 57)	\
	X(INVPCID, 58) X(VMFUNC, 59) X(RDSEED, 61) X(XSAVES, 63)	\
	X(XRSTORS, 64)

#define EXIT_REASON_MAX	65

#ifndef __ASSEMBLY__
enum vmx_exit_reason {
#define EXIT_ENUM(name, n) EXIT_##name = n,
	EXIT_REASONS(EXIT_ENUM)
#undef EXIT_ENUM
};
#endif

#endif /* ARCH_X86_VMX_VMCS_FIELDS_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file acrn_hypercall.h
 * The one definition of the hypercall ABI shared by the hypervisor, the VHM
 * kernel module and the tests.
 *
 * Calling convention (ACRN's public ABI, as Linux's ACRN driver uses it):
 * VMCALL from ring 0 of the Service VM; hypercall id in R8, arguments in RDI
 * and RSI, result in RAX: 0 or a negative errno.  Pointer arguments are guest
 * physical addresses in the Service VM (identity-mapped, GPA == HPA).
 *
 * Guest detection: CPUID leaf 0x40000000 returns "ACRNACRNACRN" in
 * EBX/ECX/EDX; leaf 0x40000001 EAX bit 0 marks the privileged (Service) VM.
 */
#ifndef ACRN_PUBLIC_HYPERCALL_H
#define ACRN_PUBLIC_HYPERCALL_H

#define ACRN_CPUID_SIGNATURE_LEAF	0x40000000U
#define ACRN_CPUID_FEATURES_LEAF	0x40000001U
#define ACRN_CPUID_TIMING_LEAF		0x40000010U	/* EAX: TSC kHz */
#define ACRN_CPUID_FEATURE_PRIVILEGED	(1U << 0)
#define ACRN_CPUID_SIGNATURE		"ACRNACRNACRN"

#define HC_ID_BASE		0x80000000UL
#define _HC_ID(n)		(HC_ID_BASE | (n))

/* General */
#define HC_GET_API_VERSION		_HC_ID(0x00)
#define HC_SERVICE_VM_OFFLINE_CPU	_HC_ID(0x01)
#define HC_SET_CALLBACK_VECTOR		_HC_ID(0x02)
/* VM management */
#define HC_CREATE_VM			_HC_ID(0x10)
#define HC_DESTROY_VM			_HC_ID(0x11)
#define HC_START_VM			_HC_ID(0x12)
#define HC_PAUSE_VM			_HC_ID(0x13)
#define HC_RESET_VM			_HC_ID(0x15)
#define HC_SET_VCPU_REGS		_HC_ID(0x16)
/* Interrupts */
#define HC_INJECT_MSI			_HC_ID(0x23)
#define HC_VM_INTR_MONITOR		_HC_ID(0x24)
#define HC_SET_IRQLINE			_HC_ID(0x25)
/* I/O requests */
#define HC_SET_IOREQ_BUFFER		_HC_ID(0x30)
#define HC_NOTIFY_REQUEST_FINISH	_HC_ID(0x31)
/* Guest memory */
#define HC_VM_SET_MEMORY_REGIONS	_HC_ID(0x42)
/* Passthrough */
#define HC_VM_PCI_MSIX_REMAP		_HC_ID(0x52)	/* ACRN's number, in its 0x50 block */
#define HC_SET_PTDEV_INTR_INFO		_HC_ID(0x53)
#define HC_RESET_PTDEV_INTR_INFO	_HC_ID(0x54)
#define HC_ASSIGN_PCIDEV		_HC_ID(0x55)
#define HC_DEASSIGN_PCIDEV		_HC_ID(0x56)
/*
 * Not ACRN's: its hypervisor owns the IOAPIC.  Here the Service VM does (it
 * runs with the physical LAPIC), so its VHM takes a forwarded pin's interrupt
 * and reports it: arg0 = GSI (doc/passthrough.md).  Past ACRN's 0x50-0x5A.
 */
#define HC_PTDEV_INTX_FIRED		_HC_ID(0x5F)
/*
 * Debug: ACRN numbers its debug calls from 0x60 (0x60-0x63 are its shared
 * buffer, NPK log, profiling and hardware-info calls, not implemented here
 * and kept free); reading the log buffer is the next one.
 */
#define HC_GET_HV_LOG			_HC_ID(0x64)	/* &acrn_hc_hv_log */
/* Power management */
#define HC_PM_GET_CPU_STATE		_HC_ID(0x80)

/* Test-only hypercalls used by the built-in test guest (never from a VM). */
#define HC_TEST_ECHO			_HC_ID(0xF0)	/* returns ~arg0 */
#define HC_TEST_BENCH			_HC_ID(0xF1)	/* arg0 = id, arg1 = value */
#define HC_TEST_MEM_STATS		_HC_ID(0xF2)	/* Service VM: free hypervisor pages */

/** Default upcall vector for kernels built with ACRN guest support. */
#define ACRN_DEFAULT_CALLBACK_VECTOR	0xF3U

/** API version reported by HC_GET_API_VERSION. */
#define ACRN_API_MAJOR	1U
#define ACRN_API_MINOR	0U

#endif /* ACRN_PUBLIC_HYPERCALL_H */

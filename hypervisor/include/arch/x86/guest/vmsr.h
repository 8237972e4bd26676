/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file vmsr.h
 * MSR virtualization: the MSR bitmap of a VM and RDMSR/WRMSR emulation.
 */
#ifndef ARCH_X86_GUEST_VMSR_H
#define ARCH_X86_GUEST_VMSR_H

#include <stdint.h>
#include <stdbool.h>

struct vcpu;
struct vm;

/** Make accesses to msr exit (read and/or write) in the VM's MSR bitmap. */
void vmsr_intercept(uint8_t *bitmap, uint32_t msr, bool read, bool write);

/** Allocate the Service VM's MSR bitmap: everything passes but what the hypervisor owns. */
int vmsr_setup_service_vm(struct vm *vm);

/** Allocate a User VM's MSR bitmap: all exit but per-VMCS state and syscall MSRs. */
int vmsr_setup_user_vm(struct vm *vm);

/** IA32_MISC_ENABLE bits a User VM sees (SDM Vol. 4, Table 2-2). */
#define VMSR_MISC_FAST_STRINGS	(1ULL << 0)
#define VMSR_MISC_BTS_UNAVAIL	(1ULL << 11)
#define VMSR_MISC_PEBS_UNAVAIL	(1ULL << 12)

/**
 * What a User VM reads from IA32_MISC_ENABLE, given the physical CPU's value
 * @p host: fast strings as the platform has them (a guest told "on" where they
 * are off picks ERMS copies, which are then slow: Linux clears ERMS and
 * REP_GOOD for itself when it reads the bit clear, as the Service VM does);
 * BTS and PEBS unavailable; MONITOR (hidden by CPUID), XD-disable, thermal
 * and SpeedStep controls off.
 */
static inline uint64_t vmsr_user_misc_enable(uint64_t host)
{
	return (host & VMSR_MISC_FAST_STRINGS) | VMSR_MISC_BTS_UNAVAIL | VMSR_MISC_PEBS_UNAVAIL;
}

/** RDMSR/WRMSR exits. @return 0 (the guest may have been given #GP). */
int vmsr_handle_rdmsr(struct vcpu *v);
int vmsr_handle_wrmsr(struct vcpu *v);

#endif /* ARCH_X86_GUEST_VMSR_H */

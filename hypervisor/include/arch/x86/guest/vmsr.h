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

/** RDMSR/WRMSR exits. @return 0 (the guest may have been given #GP). */
int vmsr_handle_rdmsr(struct vcpu *v);
int vmsr_handle_wrmsr(struct vcpu *v);

#endif /* ARCH_X86_GUEST_VMSR_H */

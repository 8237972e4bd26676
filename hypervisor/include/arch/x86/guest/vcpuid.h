/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file vcpuid.h
 * The CPUID view a guest gets.
 */
#ifndef ARCH_X86_GUEST_VCPUID_H
#define ARCH_X86_GUEST_VCPUID_H

#include <stdint.h>

struct vcpu;
struct cpuid_regs;

/** Emulate CPUID(leaf, subleaf) for v into out[0..3] = EAX, EBX, ECX, EDX. */
void vcpuid_emulate(struct vcpu *v, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

/**
 * Hide from a User VM the features of CPUID(leaf, subleaf) whose MSRs,
 * instructions or controls the hypervisor does not give it (r: the host's
 * values on entry, the User VM's on return).
 */
void vcpuid_filter_user_vm(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r);

#endif /* ARCH_X86_GUEST_VCPUID_H */

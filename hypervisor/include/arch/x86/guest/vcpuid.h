/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file vcpuid.h
 * The CPUID view a guest gets.
 */
#ifndef ARCH_X86_GUEST_VCPUID_H
#define ARCH_X86_GUEST_VCPUID_H

#include <stdint.h>

struct vcpu;

/** Emulate CPUID(leaf, subleaf) for v into out[0..3] = EAX, EBX, ECX, EDX. */
void vcpuid_emulate(struct vcpu *v, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

#endif /* ARCH_X86_GUEST_VCPUID_H */

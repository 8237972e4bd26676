/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file vmx_shim.h
 * Force-included (gcc -include) into the host build of user_vm.c and its
 * fakes.  <arch/x86/vmx/vmx.h> defines vmcs_read()/vmcs_write() as inline
 * VMREAD/VMWRITE, which fault outside VMX root, and inline helpers built
 * on them.  Defining that header's guard first and declaring the accessors
 * and helpers user_vm.c uses as ordinary functions lets user_vm.c compile
 * unchanged while the fakes (fake_hv.c) supply them.  Whatever else of
 * vmx.h user_vm.c needs is repeated here, with the same values.
 */
#ifndef TESTS_USER_VM_VMX_SHIM_H
#define TESTS_USER_VM_VMX_SHIM_H

#include <stdint.h>
#include <arch/x86/vmx/vmcs_fields.h>

#define ARCH_X86_VMX_VMX_H

/** Fake VMREAD: the value set with fake_vmcs_set(), else 0. */
uint64_t vmcs_read(enum vmcs_field f);

/** Fake VMWRITE: stores the value for a later vmcs_read(). */
void vmcs_write(enum vmcs_field f, uint64_t v);

/* Guest interruptibility state (SDM Vol. 3 §25.4.2, Table 25-3), as in vmx.h. */
#define INTR_BLOCK_STI		(1U << 0)
#define INTR_BLOCK_MOVSS	(1U << 1)
#define INTR_BLOCK_NMI		(1U << 3)

/**
 * As the inline in vmx.h: clear the STI and MOV SS blocking bits of the
 * fake VMCS_GUEST_INTERRUPTIBILITY; counted (fake_intr_shadow_ends()).
 */
void vmcs_end_intr_shadow(void);

#endif /* TESTS_USER_VM_VMX_SHIM_H */

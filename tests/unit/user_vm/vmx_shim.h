/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file vmx_shim.h
 * Force-included (gcc -include) into the host build of user_vm.c and its
 * fakes.  <arch/x86/vmx/vmx.h> defines vmcs_read()/vmcs_write() as inline
 * VMREAD/VMWRITE, which fault outside VMX root.  Defining that header's
 * guard first and declaring the two accessors as ordinary functions lets
 * user_vm.c compile unchanged while the fakes (fake_hv.c) supply them.
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

#endif /* TESTS_USER_VM_VMX_SHIM_H */

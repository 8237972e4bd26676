# SPDX-License-Identifier: BSD-3-Clause
# CPUID virtualization (hypervisor/arch/x86/guest/vcpuid.c); VMREAD replaced as for user_vm.
SRCS := tests/unit/vcpuid/test_vcpuid.c hypervisor/arch/x86/guest/vcpuid.c
CFLAGS_EXTRA := -include $(TOP)/tests/unit/user_vm/vmx_shim.h

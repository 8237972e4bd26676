# SPDX-License-Identifier: BSD-3-Clause
# User VM hypercalls (hypervisor/common/user_vm.c) against host fakes; the VM
# objects (common/vm.c), EPT (lib/pgtable.c) and formatting (lib/sprintf.c)
# are the real ones.  vmx_shim.h replaces the inline VMREAD/VMWRITE.
SRCS := tests/unit/user_vm/test_user_vm.c tests/unit/user_vm/fake_hv.c \
	hypervisor/common/user_vm.c hypervisor/common/sched_policy.c hypervisor/common/ptdev.c hypervisor/dm/vlapic.c hypervisor/common/vm.c \
	hypervisor/arch/x86/vtd.c hypervisor/arch/x86/dmar.c \
	hypervisor/lib/pgtable.c hypervisor/lib/sprintf.c
CFLAGS_EXTRA := -include $(TOP)/tests/unit/user_vm/vmx_shim.h

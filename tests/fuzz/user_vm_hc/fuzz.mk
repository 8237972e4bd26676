# SPDX-License-Identifier: BSD-3-Clause
# User VM hypercalls on the host fakes of tests/unit/user_vm (see fake_hv.h).
SRCS := tests/fuzz/user_vm_hc/fuzz_user_vm_hc.c tests/unit/user_vm/fake_hv.c \
	hypervisor/common/user_vm.c hypervisor/common/sched_policy.c hypervisor/common/ptdev.c hypervisor/dm/vlapic.c hypervisor/common/vm.c \
	hypervisor/arch/x86/vtd.c hypervisor/arch/x86/dmar.c \
	hypervisor/lib/pgtable.c hypervisor/lib/sprintf.c
CFLAGS_EXTRA := -include $(TOP)/tests/unit/user_vm/vmx_shim.h

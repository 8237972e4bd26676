# SPDX-License-Identifier: BSD-3-Clause
# Passthrough hypercalls and INTx forwarding (hypervisor/common/ptdev.c) with
# the real User VM code (VMs are created by HC_CREATE_VM) on the fakes of
# tests/unit/user_vm/fake_hv.c; MSI remapping through the real VT-d driver
# on the register model of tests/unit/vtd (a unit with QI and IR).
SRCS := tests/unit/ptdev/test_ptdev.c tests/unit/user_vm/fake_hv.c tests/unit/vtd/vtd_model.c \
	hypervisor/common/ptdev.c hypervisor/dm/vlapic.c hypervisor/common/user_vm.c hypervisor/common/sched_policy.c hypervisor/common/vm.c \
	hypervisor/arch/x86/vtd.c hypervisor/arch/x86/dmar.c \
	hypervisor/lib/pgtable.c hypervisor/lib/sprintf.c
CFLAGS_EXTRA := -include $(TOP)/tests/unit/user_vm/vmx_shim.h -I$(TOP)/tests/unit/user_vm

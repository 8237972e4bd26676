# SPDX-License-Identifier: BSD-3-Clause
# Passthrough hypercalls and INTx forwarding (common/ptdev.c) interleaved with
# User VM creation and destruction, on the host fakes of tests/unit/user_vm;
# inputs starting with "VT" add VT-d on the register model of tests/unit/vtd.
SRCS := tests/fuzz/ptdev_hc/fuzz_ptdev_hc.c tests/unit/user_vm/fake_hv.c tests/unit/vtd/vtd_model.c \
	hypervisor/common/user_vm.c hypervisor/common/sched_policy.c hypervisor/common/ptdev.c hypervisor/dm/vlapic.c hypervisor/common/vm.c \
	hypervisor/arch/x86/vtd.c hypervisor/arch/x86/dmar.c \
	hypervisor/lib/pgtable.c hypervisor/lib/sprintf.c
CFLAGS_EXTRA := -include $(TOP)/tests/unit/user_vm/vmx_shim.h -I$(TOP)/tests/unit/user_vm

# SPDX-License-Identifier: BSD-3-Clause
# HC_GET_HV_LOG (common/log_hc.c) with the real log (common/log.c,
# lib/logring.c) on the Service VM fakes of tests/unit/user_vm.
SRCS := tests/fuzz/hv_log_hc/fuzz_hv_log_hc.c tests/unit/user_vm/fake_hv.c \
	hypervisor/lib/logring.c hypervisor/common/log.c hypervisor/common/log_hc.c \
	hypervisor/common/user_vm.c hypervisor/common/sched_policy.c hypervisor/common/ptdev.c hypervisor/dm/vlapic.c hypervisor/common/vm.c \
	hypervisor/arch/x86/vtd.c hypervisor/arch/x86/dmar.c \
	hypervisor/lib/pgtable.c hypervisor/lib/sprintf.c
CFLAGS_EXTRA := -include $(TOP)/tests/unit/user_vm/vmx_shim.h

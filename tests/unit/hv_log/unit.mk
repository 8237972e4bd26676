# SPDX-License-Identifier: BSD-3-Clause
# The hypervisor log buffer: the ring (lib/logring.c), printk into it
# (common/log.c), HC_GET_HV_LOG (common/log_hc.c) and its dispatch
# (common/hypercall.c), against the Service VM fakes of tests/unit/user_vm
# (whose weak printk/panic give way to the real ones of log.c).
SRCS := tests/unit/hv_log/test_hv_log.c tests/unit/user_vm/fake_hv.c \
	hypervisor/lib/logring.c hypervisor/common/log.c hypervisor/common/log_hc.c \
	hypervisor/common/hypercall.c hypervisor/common/user_vm.c hypervisor/common/sched_policy.c hypervisor/common/ptdev.c hypervisor/dm/vlapic.c hypervisor/common/vm.c \
	hypervisor/arch/x86/vtd.c hypervisor/arch/x86/dmar.c \
	hypervisor/lib/pgtable.c hypervisor/lib/sprintf.c
CFLAGS_EXTRA := -include $(TOP)/tests/unit/user_vm/vmx_shim.h

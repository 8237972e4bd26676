# SPDX-License-Identifier: BSD-3-Clause
# The MMIO emulation glue (hypervisor/arch/x86/guest/mmio_emul.c) with the real decoder,
# emulator and guest page walker; guest memory, the VMCS and the VM's MMIO op are fakes in the
# test file.  vmx_shim.h (from the user_vm suite) turns VMREAD/VMWRITE into functions.
SRCS := tests/unit/mmio_emul/test_mmio_emul.c hypervisor/arch/x86/guest/mmio_emul.c \
	hypervisor/arch/x86/guest/guest_walk.c hypervisor/arch/x86/guest/instr_decode.c \
	hypervisor/arch/x86/guest/instr_emul.c hypervisor/arch/x86/guest/string_io.c
CFLAGS_EXTRA := -include $(TOP)/tests/unit/user_vm/vmx_shim.h

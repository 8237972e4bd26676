# SPDX-License-Identifier: BSD-3-Clause
# Instruction decoder/emulator (hypervisor/arch/x86/guest/instr_{decode,emul}.c)
SRCS := tests/unit/instr_emul/test_main.c \
	tests/unit/instr_emul/test_decode.c \
	tests/unit/instr_emul/test_emul.c \
	tests/unit/instr_emul/fake_mmio.c \
	hypervisor/arch/x86/guest/instr_decode.c \
	hypervisor/arch/x86/guest/instr_emul.c
CFLAGS_EXTRA :=

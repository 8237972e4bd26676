# SPDX-License-Identifier: BSD-3-Clause
# Instruction decoder/emulator fuzz target
SRCS := tests/fuzz/instr_emul/fuzz_instr_emul.c \
	hypervisor/arch/x86/guest/instr_decode.c \
	hypervisor/arch/x86/guest/instr_emul.c
CFLAGS_EXTRA :=

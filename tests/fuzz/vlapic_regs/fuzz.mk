# SPDX-License-Identifier: BSD-3-Clause
SRCS := tests/fuzz/vlapic_regs/fuzz_vlapic_regs.c hypervisor/dm/vlapic.c hypervisor/dm/vioapic.c \
	hypervisor/dm/vpic.c

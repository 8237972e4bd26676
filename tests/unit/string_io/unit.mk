# SPDX-License-Identifier: BSD-3-Clause
# INS/OUTS element stepping (hypervisor/arch/x86/guest/string_io.c).
SRCS := tests/unit/string_io/test_string_io.c hypervisor/arch/x86/guest/string_io.c

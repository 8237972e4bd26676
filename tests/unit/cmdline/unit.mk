# SPDX-License-Identifier: BSD-3-Clause
# console_parse() comes from the real UART driver; its port-I/O code is linked but never run.
SRCS := tests/unit/cmdline/test_cmdline.c hypervisor/common/cmdline.c hypervisor/arch/x86/uart16550.c

# SPDX-License-Identifier: BSD-3-Clause
SRCS := tests/fuzz/dm_uart/fuzz_uart_16550.c devicemodel/hw/platform/uart_16550.c
CFLAGS_EXTRA := -I$(TOP)/devicemodel/include -D_GNU_SOURCE -pthread

# SPDX-License-Identifier: BSD-3-Clause
SRCS := tests/unit/dm_uart/test_uart_16550.c tests/unit/dm_uart/test_uart_backend.c \
	tests/unit/dm_uart/main.c \
	devicemodel/hw/platform/uart_16550.c devicemodel/hw/platform/uart_backend.c
CFLAGS_EXTRA := -I$(TOP)/devicemodel/include -D_GNU_SOURCE -pthread

# SPDX-License-Identifier: BSD-3-Clause
SRCS := tests/unit/dm_pit/test_pit_8254.c devicemodel/hw/platform/pit_8254.c
CFLAGS_EXTRA := -I$(TOP)/devicemodel/include -D_GNU_SOURCE -pthread

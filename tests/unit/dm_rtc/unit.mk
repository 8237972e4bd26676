# SPDX-License-Identifier: BSD-3-Clause
SRCS := tests/unit/dm_rtc/test_rtc_cmos.c devicemodel/hw/platform/rtc_cmos.c
CFLAGS_EXTRA := -I$(TOP)/devicemodel/include -D_GNU_SOURCE -pthread

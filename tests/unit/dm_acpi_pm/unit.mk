# SPDX-License-Identifier: BSD-3-Clause
SRCS := tests/unit/dm_acpi_pm/test_acpi_pm.c devicemodel/hw/platform/acpi_pm.c
CFLAGS_EXTRA := -I$(TOP)/devicemodel/include -D_GNU_SOURCE -pthread

# SPDX-License-Identifier: BSD-3-Clause
SRCS := tests/unit/acpi/test_acpi.c hypervisor/arch/x86/acpi.c

# SPDX-License-Identifier: BSD-3-Clause
SRCS := tests/fuzz/acpi/fuzz_acpi.c hypervisor/arch/x86/acpi.c

# SPDX-License-Identifier: BSD-3-Clause
SRCS := tests/unit/boot_multiboot/test_multiboot.c hypervisor/boot/multiboot.c

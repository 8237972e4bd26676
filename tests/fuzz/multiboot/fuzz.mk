# SPDX-License-Identifier: BSD-3-Clause
SRCS := tests/fuzz/multiboot/fuzz_multiboot.c hypervisor/boot/multiboot.c

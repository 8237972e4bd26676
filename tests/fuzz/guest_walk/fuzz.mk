# SPDX-License-Identifier: BSD-3-Clause
SRCS := tests/fuzz/guest_walk/fuzz_guest_walk.c hypervisor/arch/x86/guest/guest_walk.c

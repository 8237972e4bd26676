# SPDX-License-Identifier: BSD-3-Clause
SRCS := tests/unit/guest_walk/test_guest_walk.c hypervisor/arch/x86/guest/guest_walk.c

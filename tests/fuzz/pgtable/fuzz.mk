# SPDX-License-Identifier: BSD-3-Clause
SRCS := tests/fuzz/pgtable/fuzz_pgtable.c hypervisor/lib/pgtable.c

# SPDX-License-Identifier: BSD-3-Clause
SRCS := tests/unit/pgtable/test_pgtable.c hypervisor/lib/pgtable.c

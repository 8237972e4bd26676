# SPDX-License-Identifier: BSD-3-Clause
SRCS := tests/unit/sprintf/test_sprintf.c hypervisor/lib/sprintf.c

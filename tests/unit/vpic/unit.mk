# SPDX-License-Identifier: BSD-3-Clause
SRCS := tests/unit/vpic/test_vpic.c hypervisor/dm/vpic.c

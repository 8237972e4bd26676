# SPDX-License-Identifier: BSD-3-Clause
SRCS := tests/unit/vlapic/test_vlapic.c hypervisor/dm/vlapic.c hypervisor/dm/vioapic.c

# SPDX-License-Identifier: BSD-3-Clause
SRCS := tests/unit/vioapic/test_vioapic.c hypervisor/dm/vioapic.c

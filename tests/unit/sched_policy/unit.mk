# SPDX-License-Identifier: BSD-3-Clause
# The pick of the next User VM vCPU (hypervisor/common/sched_policy.c): classes and round robin.
SRCS := tests/unit/sched_policy/test_sched_policy.c hypervisor/common/sched_policy.c

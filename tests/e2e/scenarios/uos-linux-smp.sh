# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
# uos-linux with only its 2-vCPU User VM run (2 pCPUs, --cpu_affinity 0,1), for working on SMP.
UOS_LINUX_CPUS=2
. "$E2E_SCENARIOS/uos-linux.sh"
unset UOS_LINUX_CPUS
DESC="2 pCPUs, a 2-vCPU User VM: $DESC"
CHECK=0 ; BENCH=0

# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
# uos-linux with a 2-vCPU User VM on 2 pCPUs (--cpu_affinity 0,1): everything else is uos-linux's.
UOS_LINUX_CPUS=2
. "$E2E_SCENARIOS/uos-linux.sh"
unset UOS_LINUX_CPUS
DESC="2 pCPUs, a 2-vCPU User VM: $DESC"
CHECK=0 ; BENCH=0

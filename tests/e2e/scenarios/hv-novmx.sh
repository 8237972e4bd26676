# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="On a CPU without VMX (AMD Ryzen model) the hypervisor says why and halts cleanly instead of crashing"
CPU_MODEL=ryzen ; CPUS=1 ; MEGS=512 ; TIMEOUT=120
HV=build/hypervisor/acrn.32.out
HV_CMDLINE="console=com2 test=smoke"
EXPECT=( 'ACRN hypervisor' 'VMX not supported: .+' 'halted' )
# "VMX not supported" is the expected outcome here; entering VMX root would be the bug.
FAIL_ON='PANIC|pcpu[0-9]+: VMX root|Triple fault'
WATCH="com2 e9"
CHECK=1 ; BENCH=0

# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="Hypervisor micro-benchmarks (test=bench): every 'BENCH name value unit' line until the hypervisor shuts Bochs down"
CPU_MODEL=corei7_skylake_x ; CPUS=1 ; MEGS=1024 ; TIMEOUT=300
HV=build/hypervisor/acrn.32.out
HV_CMDLINE="console=com2 test=bench shutdown"
EXPECT=( 'ACRN hypervisor' 'pcpu0: VMX root' 'BENCH [A-Za-z0-9_.-]+ [0-9]+ [A-Za-z]+' )
FAIL_ON='PANIC|guest-test: pcpu[0-9]+: FAIL|VMX not supported|Triple fault'
WATCH="com2 e9"
CHECK=0 ; BENCH=1
UNTIL_EXIT=1     # collect every BENCH line: wait for the "shutdown" option to end Bochs

# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="Hypervisor boots on 2 pCPUs, enters VMX root on each and runs the built-in test guest (with virtual LAPIC/IOAPIC/PIC) on each"
CPU_MODEL=corei7_skylake_x ; CPUS=2 ; MEGS=1024 ; TIMEOUT=240
HV=build/hypervisor/acrn.32.out
HV_CMDLINE="console=com2 test=smoke shutdown"
EXPECT=( 'ACRN hypervisor' 'vtd: no DMAR table' 'pcpu0: VMX root' 'pcpu1: VMX root'
         'guest-test: pcpu0: all [0-9]+ checks passed' 'guest-test: pcpu1: all [0-9]+ checks passed' )
FAIL_ON='PANIC|guest-test: pcpu[0-9]+: FAIL|VMX not supported|Triple fault'
WATCH="com2 e9"
CHECK=1 ; BENCH=0

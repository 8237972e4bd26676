# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
# shellcheck disable=SC1091  # sourced by path at run time
. "$E2E_SCENARIOS/uos-minimal.sh"
DESC="2 pCPUs: a User VM shares pCPU 0 while the Service VM runs on both; then the Service VM offlines CPU 1 through the VHM's offline_cpu; a User VM runs alone on it (partitioned) while another shares pCPU 0 with the Service VM; both pass every uos-minimal check"
CPUS=2 ; TIMEOUT=1500
EST=98   # measured in make check on a clean clone (2026-11-26, idle pCPUs halting), beside one other emulator
MODULES=( "build/kernel/vmlinuz|$UOS_CMDLINE e2e.uos=partitioned" "$SCEN_DIR/initrd.img|initrd" )
EXPECT=( '^uos-minimal: reached /init' '^uos-check: vhm-loaded ok' '^uos-check: shared-2cpus ok'
         '^uos-check: cpu1-offlined ok'
         'Service VM vCPU 1 offline: pCPU 1 is for User VMs'
         'pcpu1: LAPIC enabled again \(the Service VM left it software-disabled, SVR 0x'
         'VM [0-9]+ created: 1 vCPUs on pCPU mask 0x2'
         'VM [0-9]+ created: 1 vCPUs on pCPU mask 0x1'
         '^uos-check: partitioned ok' '^uos-check: shared-beside ok' '^uos-check: partitioned-again ok'
         '^uos-check: kernel-clean ok' '^uos-minimal: done' )
HV_SHELL=()
CHECK=1 ; BENCH=0

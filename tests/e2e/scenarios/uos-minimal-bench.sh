# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
# The uos-minimal scenario in benchmark mode: only the User VM -> client -> User VM round trip
# of one inl, timed in the guest with RDTSC (an instruction count under Bochs' clock sync=none).
. "$E2E_SCENARIOS/uos-minimal.sh"
DESC="User VM -> uos-minimal client -> User VM round trip of one inl (guest RDTSC over 1000 iterations minus the empty loop)"
TIMEOUT=1800
MODULES=( "build/kernel/vmlinuz|$UOS_CMDLINE e2e.uos=bench e2e.uos_iters=1000" "$SCEN_DIR/initrd.img|initrd" )
EXPECT=( '^uos-minimal: reached /init' '^uos-check: vhm-loaded ok' '^PASS uos-minimal/guest_checks'
         '^BENCH uos_inl_roundtrip [0-9]+ instructions' '^uos-check: bench ok' '^uos-minimal: done' )
HV_SHELL=()
CHECK=0 ; BENCH=1

# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="The runner stops a hung guest at TIMEOUT and names the first EXPECT line it never saw"
CPU_MODEL=corei7_skylake_x ; CPUS=1 ; MEGS=64 ; TIMEOUT=6
HV=none
HV_CMDLINE="hang"
EXPECT=( '^selftest: done' )
CHECK=1 ; BENCH=0
EXPECT_FAIL="^timeout after [0-9]+s, missing '\^selftest: done'$"
prepare() {
  . "$TOP/tests/e2e/lib/selftest.sh"
  e2e_build_selftest "$SCEN_DIR/selftest.elf"
  KERNEL_MB=$SCEN_DIR/selftest.elf
  e2e_export KERNEL_MB
}

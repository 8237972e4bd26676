# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="A triple fault ends Bochs (no silent reboot) and the runner reports Bochs' own exit message"
CPU_MODEL=corei7_skylake_x ; CPUS=1 ; MEGS=64 ; TIMEOUT=120
HV=none
HV_CMDLINE="triple hang"
EXPECT=( '^selftest: triple fault next' '^selftest: hanging' )
CHECK=1 ; BENCH=0
EXPECT_FAIL="^bochs exited \(.*(exception|fault).*\), missing '\^selftest: hanging'$"
prepare() {
  . "$TOP/tests/e2e/lib/selftest.sh"
  e2e_build_selftest "$SCEN_DIR/selftest.elf"
  KERNEL_MB=$SCEN_DIR/selftest.elf
  e2e_export KERNEL_MB
}

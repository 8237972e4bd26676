# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="The runner fails a scenario as soon as FAIL_ON matches (the self-test kernel prints PANIC and hangs)"
CPU_MODEL=corei7_skylake_x ; CPUS=1 ; MEGS=64 ; TIMEOUT=120
HV=none
HV_CMDLINE="panic hang"
EXPECT=( '^selftest: this line is never printed' )
FAIL_ON='PANIC'
CHECK=1 ; BENCH=0
EXPECT_FAIL="^matched 'PANIC: selftest asked to panic'"
prepare() {
  . "$TOP/tests/e2e/lib/selftest.sh"
  e2e_build_selftest "$SCEN_DIR/selftest.elf"
  KERNEL_MB=$SCEN_DIR/selftest.elf
  e2e_export KERNEL_MB
}

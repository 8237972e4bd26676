# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="Test guest 'cpu' natively (GRUB multiboot2): CPUID, MSR #GP, CR0/CR4 round trips, XSETBV checks"
CPU_MODEL=corei7_skylake_x ; CPUS=1 ; MEGS=64 ; TIMEOUT=60
HV=none
# Bochs silently ignores unknown MSRs by default; a real CPU raises #GP, which the guest checks.
BOCHS_EXTRA="cpu: ignore_bad_msrs=0"
EXPECT=( '^PLAN cpu 20$' '^SUMMARY: 18 passed, 0 failed, 2 skipped$' )
FAIL_ON='FAIL |SUMMARY: [0-9]+ passed, [1-9]'
WATCH="com1"
CHECK=1 ; BENCH=0
UNTIL_EXIT=1     # the guest powers the machine off itself
prepare() {
  make -C "$TOP/tests/guest" O="$SCEN_DIR/guest" "$SCEN_DIR/guest/cpu.elf" >/dev/null
  KERNEL_MB=$SCEN_DIR/guest/cpu.elf
  e2e_export KERNEL_MB
}

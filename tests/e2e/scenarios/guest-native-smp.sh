# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="Test guest 'smp' natively (GRUB multiboot2): 2 CPUs: INIT-SIPI-SIPI from the MADT, IPIs both ways and broadcast, LOCK XADD counter"
CPU_MODEL=corei7_skylake_x ; CPUS=2 ; MEGS=64 ; TIMEOUT=120   # ~35 s: BIOS and GRUB are slow with 2 CPUs
HV=none
# Bochs silently ignores unknown MSRs by default; a real CPU raises #GP, which the guest checks.
BOCHS_EXTRA="cpu: ignore_bad_msrs=0"
EXPECT=( '^PLAN smp 7$' '^SUMMARY: 7 passed, 0 failed, 0 skipped$' )
FAIL_ON='FAIL |SUMMARY: [0-9]+ passed, [1-9]'
WATCH="com1"
CHECK=1 ; BENCH=0
UNTIL_EXIT=1     # the guest powers the machine off itself
prepare() {
  make -C "$TOP/tests/guest" O="$SCEN_DIR/guest" "$SCEN_DIR/guest/smp.elf" >/dev/null
  KERNEL_MB=$SCEN_DIR/guest/smp.elf
  e2e_export KERNEL_MB
}

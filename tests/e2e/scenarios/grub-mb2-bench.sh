# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="Boot benchmark, GRUB share: GRUB loads the runner's multiboot2 self-test kernel with the sos-boot-bench modules (and the hypervisor image as a third, for its bytes); its TSC = BIOS + GRUB instructions before a multiboot2 kernel runs"
. "$TOP/tests/e2e/bench/boot-bench.sh"
TIMEOUT=600
HV=none
HV_CMDLINE=$BOOT_BENCH_HV_CMDLINE
# The hypervisor image as a third module: GRUB then reads the same bytes as in sos-boot-bench.
MODULES=( "$BOOT_BENCH_KERNEL|$BOOT_BENCH_CMDLINE" "$SCEN_DIR/initrd.img|initrd" "build/hypervisor/acrn.32.out|pad" )
EXPECT=( '^selftest: modules 3$' '^BENCH selftest_boot_tsc [0-9]+ instructions' '^selftest: done$' )
FAIL_ON='PANIC|bad multiboot2 magic'
WATCH="com2"
CHECK=0 ; BENCH=1
UNTIL_EXIT=1     # the self-test kernel ends Bochs itself
prepare() {
  boot_bench_initramfs || return 1
  . "$TOP/tests/e2e/lib/selftest.sh"
  e2e_build_selftest "$SCEN_DIR/selftest.elf" || return 1
  KERNEL_MB=$SCEN_DIR/selftest.elf
  e2e_export KERNEL_MB
}

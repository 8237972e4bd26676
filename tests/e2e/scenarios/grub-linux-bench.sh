# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="Boot benchmark, GRUB share of native-boot-bench: GRUB's linux/initrd commands load a stand-in bzImage of the kernel's size and the same initramfs; its TSC at entry = BIOS + GRUB instructions"
. "$TOP/tests/e2e/bench/boot-bench.sh"
TIMEOUT=600
HV=none
LINUX=$SCEN_DIR/tsc-bzimage
INITRD=$SCEN_DIR/initrd.img
LINUX_CMDLINE=$BOOT_BENCH_CMDLINE
EXPECT=( '^BENCH grub_linux_kernel_entry [0-9]+ instructions' )
FAIL_ON='PANIC'
WATCH="com1"
CHECK=0 ; BENCH=1
UNTIL_EXIT=1     # the stand-in kernel ends Bochs itself
prepare() { boot_bench_initramfs && boot_bench_tsc_bzimage "$SCEN_DIR/tsc-bzimage"; }

# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="Boot benchmark baseline: GRUB boots the Debian kernel natively; /init (boot-init) reads the TSC first = instructions from power-on to /init"
. "$TOP/tests/e2e/bench/boot-bench.sh"
TIMEOUT=900
HV=none
LINUX=$BOOT_BENCH_KERNEL
INITRD=$SCEN_DIR/initrd.img
LINUX_CMDLINE=$BOOT_BENCH_CMDLINE
EXPECT=( '^BENCH boot_to_init_native [0-9]+ instructions' '^boot-bench: done' )
FAIL_ON='Kernel panic|BUG:|Oops|boot_to_init_(sos|other)'
WATCH="com1"
CHECK=0 ; BENCH=1
UNTIL_EXIT=1     # boot-init ends Bochs itself
prepare() { boot_bench_initramfs; }

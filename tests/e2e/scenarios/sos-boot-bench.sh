# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="Boot benchmark: GRUB -> hypervisor -> the native-boot-bench kernel, command line and initramfs as the Service VM; instructions from power-on to /init, and hypervisor entry to first Service VM entry"
. "$TOP/tests/e2e/bench/boot-bench.sh"
TIMEOUT=1200
HV_CMDLINE=$BOOT_BENCH_HV_CMDLINE
MODULES=( "$BOOT_BENCH_KERNEL|$BOOT_BENCH_CMDLINE" "$SCEN_DIR/initrd.img|initrd" )
EXPECT=( '^BENCH hv_entry_to_sos_entry [0-9]+ instructions' '^BENCH boot_to_init_sos [0-9]+ instructions'
         '^boot-bench: done' )
FAIL_ON='Kernel panic|BUG:|Oops|PANIC|VM entry failed|interrupt untaken for|Triple fault|triple fault|boot_to_init_(native|other)'
WATCH="com1 com2"
CHECK=0 ; BENCH=1
UNTIL_EXIT=1     # boot-init ends Bochs itself
prepare() { boot_bench_initramfs; }

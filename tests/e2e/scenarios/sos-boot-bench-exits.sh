# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="Diagnosis of sos-boot-bench (not a benchmark: logging slows it): the same boot with the hypervisor's debug log (a tick line with the vCPU's exit count) and the first VM exits traced"
. "$TOP/tests/e2e/bench/boot-bench.sh"
TIMEOUT=2400
# Exit tracing costs a UART line per exit, so only the first ones are traced; the exit counts
# come from the debug tick line.  Run: tests/e2e/run.sh sos-boot-bench-exits, then
# tests/e2e/bench/exit-summary.sh build/e2e/sos-boot-bench-exits/com2.log
HV_CMDLINE="$BOOT_BENCH_HV_CMDLINE loglevel=4 trace_exits=${BOOT_BENCH_TRACE_EXITS:-3000}"
MODULES=( "$BOOT_BENCH_KERNEL|$BOOT_BENCH_CMDLINE" "$SCEN_DIR/initrd.img|initrd" )
EXPECT=( '^BENCH hv_entry_to_sos_entry [0-9]+ instructions' '^BENCH boot_to_init_sos [0-9]+ instructions'
         '^boot-bench: done' )
FAIL_ON='Kernel panic|BUG:|Oops|PANIC|VM entry failed|Triple fault|triple fault|boot_to_init_(native|other)'
WATCH="com1 com2"
CHECK=0 ; BENCH=0
UNTIL_EXIT=1
prepare() { boot_bench_initramfs; }

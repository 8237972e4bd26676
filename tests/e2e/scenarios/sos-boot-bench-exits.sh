# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
# sos-boot-bench with the hypervisor's debug log and exit tracing: the same kernel, command line,
# initramfs, expectations and failure patterns; only what differs is set here.
. "$E2E_SCENARIOS/sos-boot-bench.sh"
DESC="Diagnosis of sos-boot-bench (not a benchmark: logging slows it): the same boot with the hypervisor's debug log (a tick line with the vCPU's exit count) and the first VM exits traced"
TIMEOUT=2400
# Exit tracing costs a UART line per exit, so only the first ones are traced; the exit counts
# come from the debug tick line.  Run: tests/e2e/run.sh sos-boot-bench-exits, then
# tests/e2e/bench/exit-summary.sh build/e2e/sos-boot-bench-exits/com2.log
HV_CMDLINE="$BOOT_BENCH_HV_CMDLINE loglevel=4 trace_exits=${BOOT_BENCH_TRACE_EXITS:-3000}"
BENCH=0

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Checks the derived figures of tests/bench/run.sh (sos_boot_ratio, sos_kernel_ratio) without
# running Bochs: run.sh is given a scenario name that does not exist, so only rows already in the
# table (a scratch copy of the document, BENCH_DOC) feed the ratios.  Prints one PASS/FAIL line
# per check; exits non-zero on any failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

check() {	# check NAME COMMAND...: PASS when the command succeeds
  local name=$1
  shift
  if "$@"; then echo "PASS bench-derived/$name"; else echo "FAIL bench-derived/$name"; fails=$((fails + 1)); fi
}

row() { printf '| %s | %s | %s | %s | 2026-01-01 |\n' "$@"; }

doc() {	# doc ROWS...: a document with text around the table
  {
    echo "# title"
    echo "text before"
    echo "<!-- bench:begin -->"
    echo "| benchmark | value | unit | scenario | date |"
    echo "|---|---:|---|---|---|"
    printf '%s\n' "$@"
    echo "<!-- bench:end -->"
    echo "text after"
  } > "$tmp/doc.md"
}

run() { BENCH_DOC=$tmp/doc.md "$top/tests/bench/run.sh" no-such-bench-scenario > "$tmp/out" 2>&1; }

value_of() { awk -F'|' -v n="$1" '{ gsub(/ /, "", $2); gsub(/ /, "", $3) } $2 == n { print $3 }' "$tmp/doc.md"; }

# All inputs present, and a stale ratio row that must be replaced, not kept.
doc "$(row boot_to_init_native 6000000000 instructions native-boot-bench)" \
    "$(row boot_to_init_sos 7500000000 instructions sos-boot-bench)" \
    "$(row hv_entry_to_sos_entry 10000000 instructions sos-boot-bench)" \
    "$(row selftest_boot_tsc 490000000 instructions grub-mb2-bench)" \
    "$(row grub_linux_kernel_entry 500000000 instructions grub-linux-bench)" \
    "$(row sos_boot_ratio 9.99 x sos-boot-bench/native-boot-bench)"
run
check boot_ratio_is_sos_over_native [ "$(value_of sos_boot_ratio)" = 1.25 ]
check stale_ratio_row_replaced [ "$(grep -c '^| sos_boot_ratio ' "$tmp/doc.md")" = 1 ]
# (7.5e9 - 0.49e9 - 0.01e9) / (6e9 - 0.5e9) = 1.2727...
check kernel_ratio_subtracts_preboot [ "$(value_of sos_kernel_ratio)" = 1.27 ]
check ratio_line_printed grep -q '^BENCH sos_boot_ratio 1.25 x' "$tmp/out"
check measured_rows_kept [ "$(value_of boot_to_init_sos)" = 7500000000 ]
check text_around_table_kept grep -q '^text after$' "$tmp/doc.md"

# One input missing: no ratio row at all (not a stale one), and a message saying why.
doc "$(row boot_to_init_sos 7500000000 instructions sos-boot-bench)" \
    "$(row sos_boot_ratio 1.25 x sos-boot-bench/native-boot-bench)"
run
check missing_input_drops_ratio [ -z "$(value_of sos_boot_ratio)" ]
check missing_input_reported grep -q 'no sos_boot_ratio: boot_to_init_native@native-boot-bench not measured' "$tmp/out"

# A row of another scenario with the same benchmark name is not an input.
doc "$(row boot_to_init_native 5000000000 instructions native-linux)" \
    "$(row boot_to_init_sos 7500000000 instructions sos-boot-bench)"
run
check input_matched_by_scenario [ -z "$(value_of sos_boot_ratio)" ]

# virtio-net: vhost over the user-space back-end, both from uos-net-bench.
doc "$(row uvm_net_tx_user 1000 KiB/s uos-net-bench)" "$(row uvm_net_tx_vhost 1500 KiB/s uos-net-bench)"
run
check net_ratio_is_vhost_over_user [ "$(value_of uvm_net_tx_ratio)" = 1.50 ]

[ "$fails" -eq 0 ]

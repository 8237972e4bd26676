#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# exit-summary.sh COM2.LOG: what the hypervisor's log of a sos-boot-bench-exits run says about
# VM exits: the exit count of each debug tick line (one every 500 ticks of 10 ms), and the traced
# exits (option trace_exits=N: the first N exits other than the preemption timer) by reason and
# by reason + guest RIP.
set -euo pipefail
[ $# -eq 1 ] && [ -f "$1" ] || { echo "usage: $0 COM2.LOG" >&2; exit 2; }
log=$1

echo "== exits so far, per debug tick line (every 5 s of guest time)"
tr -d '\r' < "$log" | grep -a -o -E 'tick: VM [^ ]+ vCPU [0-9]+ RIP 0x[0-9a-f]+, [0-9]+ exits' | nl -w3 -s'  ' || echo "   (none: loglevel=4 not given?)"

echo "== traced exits by reason"
tr -d '\r' < "$log" | grep -a -E 'trace: VM [^ ]+ vCPU [0-9]+ exit [0-9]+: ' |
  sed -E 's/.*exit [0-9]+: (.*) RIP (0x[0-9a-f]+) qualification (0x[0-9a-f]+|0).*/\1|\2|\3/' > "${TMPDIR:-/tmp}/exit-summary.$$" || true
total=$(wc -l < "${TMPDIR:-/tmp}/exit-summary.$$")
echo "   $total traced"
cut -d'|' -f1 "${TMPDIR:-/tmp}/exit-summary.$$" | sort | uniq -c | sort -rn
echo "== top 15 reason + RIP + qualification"
sort "${TMPDIR:-/tmp}/exit-summary.$$" | uniq -c | sort -rn | head -15
rm -f "${TMPDIR:-/tmp}/exit-summary.$$"

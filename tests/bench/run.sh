#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# make bench: run every BENCH=1 e2e scenario (or the ones named), collect the
# "BENCH <name> <value> <unit>" lines from their logs, print them and rewrite the table between
# <!-- bench:begin --> and <!-- bench:end --> in doc/performance.md.
#
# Usage: tests/bench/run.sh [scenario...]
# Environment: E2E_JOBS (parallel scenarios, default nproc), BENCH_DOC (default doc/performance.md).
# Rows of scenarios that were not run, or failed, this time are kept from the previous table.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/e2e/lib/common.sh"
doc=${BENCH_DOC:-$top/doc/performance.md}

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  mapfile -t names < <("$top/tests/e2e/run.sh" --list bench)
fi
[ ${#names[@]} -gt 0 ] || { echo "bench: no BENCH=1 scenarios"; exit 0; }

out=$(mktemp)
trap 'rm -f "$out" "$out.rows" "$out.doc"' EXIT
"$top/tests/e2e/run.sh" "${names[@]}" | tee "$out"
status=${PIPESTATUS[0]}

today=$(date -u +%Y-%m-%d)
: > "$out.rows"
ran=" "
for name in $(sed -n 's/^PASS \([A-Za-z0-9_-]*\) .*/\1/p' "$out"); do
  ran+="$name "
  dir=$E2E_BUILD/$name
  # A benchmark line may appear on several outputs (COM2 and port 0xE9): keep one per name.
  cat "$dir"/com1.log "$dir"/com2.log "$dir"/e9.log 2>/dev/null | tr -d '\r' |
    grep -a -o -E 'BENCH [A-Za-z0-9_.-]+ [0-9]+(\.[0-9]+)? [A-Za-z/%]+' |
    awk -v s="$name" -v d="$today" '!seen[$2]++ { printf "| %s | %s | %s | %s | %s |\n", $2, $3, $4, s, d }' \
    >> "$out.rows"
done

echo "bench: results"
if [ -s "$out.rows" ]; then
  awk -F' [|] ' '{ sub(/^[|] /, "", $1); printf "BENCH %s %s %s (%s)\n", $1, $2, $3, $4 }' "$out.rows"
else
  echo "bench: no BENCH lines collected"
fi

# Previous rows of scenarios not re-measured now stay.
old_rows=
if [ -f "$doc" ]; then
  old_rows=$(awk '/<!-- bench:begin -->/{f=1; next} /<!-- bench:end -->/{f=0} f && /^\| / && !/^\| benchmark / && !/^\|---/' "$doc" |
    awk -F' [|] ' -v ran="$ran" '{ if (index(ran, " " $4 " ") == 0) print }')
fi
{
  echo "<!-- bench:begin -->"
  echo "| benchmark | value | unit | scenario | date |"
  echo "|---|---:|---|---|---|"
  { [ -z "$old_rows" ] || printf '%s\n' "$old_rows"; cat "$out.rows"; } | LC_ALL=C sort -t'|' -k5,5 -k2,2
  echo "<!-- bench:end -->"
} > "$out.doc"

mkdir -p "$(dirname "$doc")"
if [ ! -f "$doc" ]; then
  cat > "$doc" <<'EOF'
<!-- SPDX-License-Identifier: BSD-3-Clause -->
# Performance

Figures measured by `make bench` (`tests/bench/run.sh`) in Bochs with `clock: sync=none`:
the guest's TSC advances one tick per emulated instruction, so "instructions" are
instruction counts, not wall time.  Bare-metal and hypervisor figures are identical from run
to run (fixed `time0`); Linux boot counts differ by about 0.01% between runs (measured:
6674783855, 6675159674, 6675401512), most likely because the kernel draws entropy (RDRAND,
KASLR) that Bochs does not make deterministic -- compare them at that precision.
`native_boot_to_init` is the baseline: the Debian kernel booted by GRUB without the
hypervisor, TSC read as the first action of `/init`.  The table below is rewritten by the script;
edit the text around it freely.

<!-- bench:begin -->
<!-- bench:end -->
EOF
fi
if ! grep -q '<!-- bench:begin -->' "$doc" || ! grep -q '<!-- bench:end -->' "$doc"; then
  printf '\n## Measurements\n\n<!-- bench:begin -->\n<!-- bench:end -->\n' >> "$doc"
fi
awk -v tbl="$out.doc" '
  /<!-- bench:begin -->/ { while ((getline l < tbl) > 0) print l; skip = 1; next }
  /<!-- bench:end -->/ { skip = 0; next }
  !skip' "$doc" > "$doc.tmp" && mv -f "$doc.tmp" "$doc"
echo "bench: table updated in ${doc#"$top"/}"
exit "$status"

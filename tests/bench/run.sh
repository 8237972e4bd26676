#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# make bench: run every host benchmark and every BENCH=1 e2e scenario (or the ones named), collect
# the "BENCH <name> <value> <unit>" lines from their logs, print them and rewrite the table between
# <!-- bench:begin --> and <!-- bench:end --> in doc/performance.md.
#
# Host benchmarks (no emulator) are named host-*: host-blk is tests/dm/bench_blk (virtio-blk
# back-end vs pread), built by `make -C tests/dm bench`, run before the scenarios so that no
# emulator of ours competes with it; its output is kept in build/e2e/host-blk/host.log.  It runs
# on one CPU (BENCH_HOST_CPU, default 0), driver and back-end threads alike, as the emulated
# platform shares one pCPU: otherwise each hand-off may wake the other CPU from idle, and what that
# costs is the host's (on this VM, ~12 us more per hand-off one afternoon than the same morning,
# same binary: doc/performance.md, "On the host").
#
# Usage: tests/bench/run.sh [scenario | host-blk]...
# Environment: E2E_JOBS (parallel scenarios, default nproc), BENCH_DOC (default doc/performance.md),
# BENCH_HOST_CPU (the CPU host benchmarks run on, default 0).
# Rows of scenarios that were not run, or failed, this time are kept from the previous table.
# Derived rows (ratios, see bench_derived below) are recomputed from the merged table each time,
# so re-running one side of a ratio updates it with the other side's stored value.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/e2e/lib/common.sh"
doc=${BENCH_DOC:-$top/doc/performance.md}

host_benches=(host-blk)
names=() hosts=()
for n in "$@"; do
  case $n in host-*) hosts+=("$n") ;; *) names+=("$n") ;; esac
done
if [ $# -eq 0 ]; then
  hosts=("${host_benches[@]}")
  mapfile -t names < <("$top/tests/e2e/run.sh" --list bench)
fi
[ ${#names[@]} -gt 0 ] || [ ${#hosts[@]} -gt 0 ] || { echo "bench: no BENCH=1 scenarios"; exit 0; }

out=$(mktemp)
trap 'rm -f "$out" "$out.rows" "$out.all" "$out.doc"' EXIT
status=0

# bench_host NAME: build and run one host benchmark; one PASS/FAIL line like the scenarios'.
bench_host() {
  local name=$1 dir=$E2E_BUILD/$1 t0=$SECONDS cmd
  case $name in
    host-blk) cmd=(taskset -c "${BENCH_HOST_CPU:-0}" "${BUILD:-$top/build}/tests/dm/bench_blk") ;;
    *) echo "FAIL $name (no such host benchmark; known: ${host_benches[*]})"; return 1 ;;
  esac
  mkdir -p "$dir"
  if ! make --no-print-directory -C "$top/tests/dm" O="${BUILD:-$top/build}/tests/dm" bench \
      > "$dir/build.log" 2>&1; then
    echo "FAIL $name (build failed; logs: ${dir#"$top"/}/build.log)"; return 1
  fi
  if "${cmd[@]}" > "$dir/host.log" 2>&1; then
    echo "PASS $name ($((SECONDS - t0))s)"
  else
    echo "FAIL $name ($(grep -m1 'FAIL' "$dir/host.log" || tail -n1 "$dir/host.log"); logs: ${dir#"$top"/}/host.log)"
    return 1
  fi
}
for h in "${hosts[@]}"; do
  bench_host "$h" | tee -a "$out"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
done
if [ ${#names[@]} -gt 0 ]; then
  "$top/tests/e2e/run.sh" "${names[@]}" | tee -a "$out"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
fi

today=$(date -u +%Y-%m-%d)
: > "$out.rows"
ran=" "
for name in $(sed -n 's/^PASS \([A-Za-z0-9_-]*\) .*/\1/p' "$out"); do
  ran+="$name "
  dir=$E2E_BUILD/$name
  # A benchmark line may appear on several outputs (COM2 and port 0xE9): keep one per name.
  cat "$dir"/com1.log "$dir"/com2.log "$dir"/e9.log "$dir"/host.log 2>/dev/null | tr -d '\r' |
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

# Derived figures, one per line: "NAME UNIT TERM [+|- TERM]... / TERM [+|- TERM]...", where
# TERM is BENCHMARK@SCENARIO, a measured row: the quotient of the two sums, two decimals.
# doc/performance.md explains each.
bench_derived=(
  # whole boot, power-on to the first instruction of /init: hypervisor vs. native
  "sos_boot_ratio x boot_to_init_sos@sos-boot-bench / boot_to_init_native@native-boot-bench"
  # kernel only, its entry to /init: BIOS + GRUB (grub-*-bench) and, under the hypervisor,
  # hypervisor entry to first Service VM entry subtracted
  "sos_kernel_ratio x boot_to_init_sos@sos-boot-bench - selftest_boot_tsc@grub-mb2-bench - hv_entry_to_sos_entry@sos-boot-bench / boot_to_init_native@native-boot-bench - grub_linux_kernel_entry@grub-linux-bench"
  # virtio-blk: the User VM reading /dev/vda vs the Service VM reading the same image file
  "uos_blk_seq_ratio x uos_blk_seq_mibps@uos-blk-bench / sos_blk_seq_mibps@uos-blk-bench"
  "uos_blk_rand4k_ratio x uos_blk_rand4k_iops@uos-blk-bench / sos_blk_rand4k_iops@uos-blk-bench"
  # ... with 1 MiB reads on both sides; buffered reads against the Service VM's own buffered
  # reads of a block device (loop); and no virtio-blk at all: each VM reading its own tmpfs file
  "uos_blk_1m_seq_ratio x uos_blk_1m_seq_mibps@uos-blk-bench / sos_blk_1m_seq_mibps@uos-blk-bench"
  "uos_blk_buffered_ratio x uos_blk_buffered_seq_mibps@uos-blk-bench / sos_loop_buffered_seq_mibps@uos-blk-bench"
  "uos_tmpfs_ratio x uos_tmpfs_seq_mibps@uos-blk-bench / sos_blk_seq_mibps@uos-blk-bench"
  # ... and O_DIRECT against O_DIRECT: the Service VM reading the image as a block device (loop)
  "uos_blk_loop_ratio x uos_blk_seq_mibps@uos-blk-bench / sos_loop_seq_mibps@uos-blk-bench"
  "uos_blk_1m_loop_ratio x uos_blk_1m_seq_mibps@uos-blk-bench / sos_loop_1m_seq_mibps@uos-blk-bench"
  # virtio-net: User VM -> Service VM TCP throughput, vhost-net over acrn-dm's user-space back-end
  "uvm_net_tx_ratio x uvm_net_tx_vhost@uos-net-bench / uvm_net_tx_user@uos-net-bench"
)

# Previous rows of scenarios not re-measured now stay; previous derived rows are dropped.
old_rows=
if [ -f "$doc" ]; then
  dnames=" "
  for d in "${bench_derived[@]}"; do dnames+="${d%% *} "; done
  old_rows=$(awk '/<!-- bench:begin -->/{f=1; next} /<!-- bench:end -->/{f=0} f && /^\| / && !/^\| benchmark / && !/^\|---/' "$doc" |
    awk -F' [|] ' -v ran="$ran" -v dn="$dnames" '{
        name = $1; sub(/^[|] /, "", name)
        if (index(ran, " " $4 " ") == 0 && index(dn, " " name " ") == 0) print }')
fi
{ [ -z "$old_rows" ] || printf '%s\n' "$old_rows"; cat "$out.rows"; } > "$out.all"

# bench_value NAME SCENARIO < rows: the value of that row, empty when absent.
bench_value() {
  awk -F'|' -v n="$1" -v s="$2" '{
      for (i = 2; i <= 6; i++) gsub(/^ +| +$/, "", $i)
      if ($2 == n && $5 == s) v = $3
    } END { if (v != "") print v }'
}

# bench_eval SPEC: the awk expression "(a - b) / (c)" of a derived figure's terms, from the
# merged rows in $out.all; fails (message on stdout) when a term was never measured.
bench_eval() {
  local tok v expr="(" sign=""
  for tok in "$@"; do
    case $tok in
      +|-) sign=$tok ;;
      /) expr+=") / (" sign="" ;;
      *@*)
        v=$(bench_value "${tok%@*}" "${tok#*@}" < "$out.all")
        [[ $v =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "$tok not measured"; return 1; }
        expr+="${sign:+ $sign }$v" sign="" ;;
      *) echo "bad term '$tok'"; return 1 ;;
    esac
  done
  echo "$expr)"
}

for d in "${bench_derived[@]}"; do
  read -r dname dunit dspec <<< "$d"
  # shellcheck disable=SC2086  # the spec is split into its terms on purpose
  if ! expr=$(bench_eval $dspec); then
    echo "bench: no $dname: $expr"
    continue
  fi
  if ! val=$(awk "BEGIN { d = ${expr#*) / }; if (d <= 0) exit 1; printf \"%.2f\", $expr }"); then
    echo "bench: no $dname: $expr is not a ratio"
    continue
  fi
  scen=$(printf "%s\n" $dspec | sed -n "s/.*@//p" | awk "!seen[\$0]++" | paste -sd/)
  echo "BENCH $dname $val $dunit = $expr"
  printf '| %s | %s | %s | %s | %s |\n' "$dname" "$val" "$dunit" "$scen" "$today" >> "$out.all"
done

{
  echo "<!-- bench:begin -->"
  echo "| benchmark | value | unit | scenario | date |"
  echo "|---|---:|---|---|---|"
  LC_ALL=C sort -t'|' -k5,5 -k2,2 "$out.all"
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

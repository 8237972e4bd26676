#!/usr/bin/env bash
# Run every fuzz target for FUZZ_SECONDS (default 20), two at a time.
# Seeds come from tests/fuzz/<target>/corpus/ when present; new inputs are
# kept in build/tests/fuzz/<target>.corpus/.  One PASS/FAIL line per target.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${BUILD:-$top/build}/tests/fuzz
secs=${FUZZ_SECONDS:-20}
jobs=${FUZZ_JOBS:-$(nproc)}

run_one() {
  local t=$1 exe=$bin/$1 out=$bin/$1.log corpus=$bin/$1.corpus
  if [ ! -x "$exe" ]; then echo "FAIL fuzz/$t (binary not built)"; return; fi
  mkdir -p "$corpus"
  local seeds=()
  [ -d "$top/tests/fuzz/$t/corpus" ] && seeds=("$top/tests/fuzz/$t/corpus")
  if (cd "$bin" && "$exe" -max_total_time="$secs" -timeout=30 -rss_limit_mb=2048 \
        -print_final_stats=1 "$corpus" "${seeds[@]}" >"$out" 2>&1); then
    local runs
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out" | grep -o '[0-9]*$')
    echo "PASS fuzz/$t (${runs:-?} runs in ${secs}s)"
  else
    echo "FAIL fuzz/$t (crash, see $out; reproducer in $bin)"
  fi
}
export -f run_one
export top bin secs
targets=$(cd "$top/tests/fuzz" && for d in */; do [ -f "$d/fuzz.mk" ] && echo "${d%/}"; done)
[ -n "$targets" ] || exit 0
printf '%s\n' $targets | xargs -P "$jobs" -I{} bash -c 'run_one {}'

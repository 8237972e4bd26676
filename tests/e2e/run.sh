#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# End-to-end scenarios in Bochs.  See tests/e2e/README.md and doc/testing.md.
#
# Usage: tests/e2e/run.sh [-j N] [name...]     run the named scenarios (default: every CHECK=1 one)
#        tests/e2e/run.sh --list [check|bench|all]   list scenario names (default: all)
#
# Prints one "PASS <name> (<s>s)" or "FAIL <name> (<reason>; logs: build/e2e/<name>/)" line per
# scenario, as each finishes.  Exit status 1 if any failed.
# Environment: E2E_JOBS (parallel scenarios, default nproc), E2E_DEBUG=1 (Bochs reports
# errors in bochs.log, e.g. why a VM entry failed), BUILD (build directory, default build/).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/common.sh"

jobs=${E2E_JOBS:-$(nproc 2>/dev/null || echo 1)}
names=()
while [ $# -gt 0 ]; do
  case $1 in
    -j) jobs=$2; shift 2 ;;
    -j*) jobs=${1#-j}; shift ;;
    --list)
      what=${2:-all}
      for n in $(e2e_scenario_names); do
        case $what in
          all) echo "$n" ;;
          check) [ "$(e2e_scenario_var "$n" CHECK)" = 1 ] && echo "$n" ;;
          bench) [ "$(e2e_scenario_var "$n" BENCH)" = 1 ] && echo "$n" ;;
          *) echo "e2e: --list takes check, bench or all" >&2; exit 2 ;;
        esac
      done
      exit 0 ;;
    -h|--help) sed -n '4,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "e2e: unknown option $1" >&2; exit 2 ;;
    *) names+=("$1"); shift ;;
  esac
done
case $jobs in ''|*[!0-9]*|0) echo "e2e: bad job count '$jobs'" >&2; exit 2 ;; esac

# The default set starts the longest scenarios first (by their measured EST, else TIMEOUT),
# so that the short ones fill the other job slots instead of a long one starting last and
# running alone (longest processing time first: within 4/3 of the best split).
if [ ${#names[@]} -eq 0 ]; then
  while read -r _ n; do names+=("$n"); done < <(
    for n in $(e2e_scenario_names); do
      [ "$(e2e_scenario_var "$n" CHECK)" = 1 ] || continue
      est=$(e2e_scenario_var "$n" EST)
      printf '%s %s\n' "${est:-$(e2e_scenario_var "$n" TIMEOUT)}" "$n"
    done | sort -s -k1,1nr)
fi
[ ${#names[@]} -gt 0 ] || { echo "e2e: no scenarios to run"; exit 0; }

mkdir -p "$E2E_BUILD"
results=$(mktemp -d "$E2E_BUILD/.results.XXXXXX")	# per runner: two runners may coexist
declare -A running=()	# pid of the scenario's subshell -> scenario name
failed=0 passed=0

cleanup() {
  local pid
  for pid in "${!running[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  # The subshells stop their Bochs themselves; this is the backstop if one could not.
  sleep 0.2
  for pid in "${!running[@]}"; do e2e_kill_pidfile "$E2E_BUILD/${running[$pid]}" "$pid"; done
  for pid in "${!running[@]}"; do wait "$pid" 2>/dev/null; done
  running=()
  rm -rf "$results"
}
trap 'cleanup; echo "e2e: interrupted" >&2; exit 130' INT TERM
trap 'cleanup' EXIT

# finish PID: print the finished scenario's result block in one piece (no interleaving).
finish() {
  local pid=$1 st=$2 name=${running[$1]}
  unset "running[$pid]"
  cat "$results/$name"
  if [ "$st" = 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

declare -A queued=()
for name in "${names[@]}"; do
  [ -z "${queued[$name]:-}" ] || continue
  queued[$name]=1
  case $name in
    *[!A-Za-z0-9_-]*) echo "FAIL $name (bad scenario name)"; failed=$((failed + 1)); continue ;;
  esac
  while [ ${#running[@]} -ge "$jobs" ]; do
    wait -n -p done_pid "${!running[@]}"; st=$?
    finish "$done_pid" "$st"
  done
  ( e2e_run_one "$name" ) > "$results/$name" 2>&1 &
  running[$!]=$name
done
while [ ${#running[@]} -gt 0 ]; do
  wait -n -p done_pid "${!running[@]}"; st=$?
  finish "$done_pid" "$st"
done

echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

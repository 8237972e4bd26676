#!/usr/bin/env bash
# make check: build every component, run every test suite, count the results.
#
# Every suite prints one line per test: "PASS <name>", "FAIL <name> (<why>)"
# or "SKIP <name> (<why>)".  This script tees all output into
# build/check.log and ends with the one line "N passed, N failed[, N skipped]".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
mkdir -p "$build"
log=$build/check.log
: > "$log"

step() {	# step NAME CMD...: a build step is one test; its output goes to a log
  local name=$1; shift
  local out=$build/logs/$name.log
  mkdir -p "$(dirname "$out")"
  if "$@" >"$out" 2>&1; then
    echo "PASS build/$name"
  else
    echo "FAIL build/$name (see $out)"
    tail -n 30 "$out" | sed 's/^/    /'
  fi
}

suite() {	# suite NAME CMD...: a test script printing PASS/FAIL lines itself
  local name=$1 out=$build/logs/suite-${1//\//-}.log rc; shift
  mkdir -p "$build/logs"
  "$@" 2>&1 | tee "$out"; rc=${PIPESTATUS[0]}
  if [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' "$out"; then
    echo "FAIL $name (exit $rc without a FAIL line; see $out)"
  fi
}

{
  cd "$top"
  step hypervisor  make --no-print-directory hypervisor
  step devicemodel make --no-print-directory devicemodel
  step tools       make --no-print-directory tools
  step vhm         make --no-print-directory vhm
  # The module's behaviour, in QEMU (TCG) against the Debian kernel: refused
  # without the hypervisor, then every ioctl path against a fake hypervisor.
  suite vhm/smoke kernel-modules/vhm/tests/smoke-qemu.sh
  suite vhm/fake kernel-modules/vhm/tests/run-fake.sh
  step efi         make --no-print-directory efi
  step unit        make --no-print-directory -C tests/unit O="$build/tests/unit"
  suite unit tests/unit/run.sh
  step dmtest      make --no-print-directory -C tests/dm O="$build/tests/dm"
  suite dmtest tests/dm/run.sh
  step toolstest   make --no-print-directory -C tests/tools O="$build/tests/tools"
  suite toolstest tests/tools/run.sh
  step fuzz        make --no-print-directory -C tests/fuzz O="$build/tests/fuzz"
  suite fuzz tests/fuzz/run.sh
  suite image tests/image/run.sh
  suite e2e tests/e2e/run.sh
  suite e2e-efi tests/e2e/efi/run.sh
} 2>&1 | tee -a "$log"

pass=$(grep -c '^PASS ' "$log")
fail=$(grep -c '^FAIL ' "$log")
skip=$(grep -c '^SKIP ' "$log")
if [ "$skip" -gt 0 ]; then
  echo "$pass passed, $fail failed, $skip skipped"
else
  echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]

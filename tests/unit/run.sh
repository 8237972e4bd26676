#!/usr/bin/env bash
# Run every unit-test binary; print "PASS unit/<module>/<test>" or
# "FAIL unit/<module>/<test> (...)" for each cmocka test case.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${BUILD:-$top/build}/tests/unit
status=0
for mod in $(cd "$top/tests/unit" && ls -d */ 2>/dev/null | tr -d /); do
  [ -f "$top/tests/unit/$mod/unit.mk" ] || continue
  if [ ! -x "$bin/$mod" ]; then
    echo "FAIL unit/$mod (binary not built)"; status=1; continue
  fi
  out=$bin/$mod.log
  CMOCKA_MESSAGE_OUTPUT=stdout ASAN_OPTIONS=detect_leaks=1 "$bin/$mod" >"$out" 2>&1
  rc=$?
  awk -v m="$mod" -v lg="$out" '
    /^\[==========\] .* run\./ { done = 1 }
    done { next }
    /^\[       OK \] /     { print "PASS unit/" m "/" $4; n++ }
    /^\[  FAILED  \] /     { print "FAIL unit/" m "/" $4 " (see " lg ")"; n++ }
    END { if (n == 0) print "FAIL unit/" m " (no test ran, see " lg ")" }' "$out"
  grep -q '^\[  FAILED  \]\|^\[  ERROR   \]' "$out" && status=1
  # A sanitizer abort kills the binary before cmocka reports: make it visible.
  if [ $rc -ne 0 ] && ! grep -q '^\[  FAILED  \]' "$out"; then
    echo "FAIL unit/$mod (exit $rc, see $out)"; status=1
  fi
done
exit $status

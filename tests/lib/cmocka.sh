# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# cmocka_run PREFIX BINARY: run one cmocka test binary and print one line per
# test case, "PASS PREFIX/<test>" or "FAIL PREFIX/<test> (see LOG)".  The
# binary's output goes to BINARY.log.  Returns non-zero when a test failed,
# none ran, or the binary died before cmocka could report (a sanitizer abort).
cmocka_run() {
  local prefix=$1 exe=$2 out=$2.log rc
  if [ ! -x "$exe" ]; then
    echo "FAIL $prefix (binary not built)"
    return 1
  fi
  CMOCKA_MESSAGE_OUTPUT=stdout ASAN_OPTIONS=detect_leaks=1 "$exe" >"$out" 2>&1
  rc=$?
  # cmocka repeats the failed tests after its summary line: stop reading there.
  awk -v p="$prefix" -v lf="$out" '
    /^\[==========\] .* run\./ { done = 1 }
    done { next }
    /^\[       OK \] /     { print "PASS " p "/" $4; n++ }
    /^\[  FAILED  \] /     { print "FAIL " p "/" $4 " (see " lf ")"; n++; bad = 1 }
    END { if (n == 0) print "FAIL " p " (no test ran, see " lf ")"; exit (n == 0 || bad) }' "$out" ||
    { [ "$rc" -eq 0 ] && rc=1; }
  if [ "$rc" -ne 0 ] && ! grep -q '^\[  FAILED  \]' "$out"; then
    echo "FAIL $prefix (exit $rc, see $out)"
  fi
  return $(( rc != 0 ))
}

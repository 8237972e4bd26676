#!/usr/bin/env bash
# Run every unit-test binary; print "PASS unit/<module>/<test>" or
# "FAIL unit/<module>/<test> (...)" for each cmocka test case.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${BUILD:-$top/build}/tests/unit
. "$top/tests/lib/cmocka.sh"
status=0
for mk in "$top"/tests/unit/*/unit.mk; do
  mod=$(basename "$(dirname "$mk")")
  cmocka_run "unit/$mod" "$bin/$mod" || status=1
done
exit $status

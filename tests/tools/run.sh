#!/usr/bin/env bash
# Run every tests/tools binary; print "PASS tools/<suite>/<test>" or
# "FAIL tools/<suite>/<test> (...)" for each cmocka test case; exit non-zero
# if any failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${BUILD:-$top/build}/tests/tools
status=0
. "$top/tests/lib/cmocka.sh"
for suite in proto server vmstore cli acrnlog; do
  cmocka_run "tools/$suite" "$bin/$suite" || status=1
done
exit $status

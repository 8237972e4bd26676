#!/usr/bin/env bash
# Run every tests/dm binary; print "PASS dm/<suite>/<test>" or
# "FAIL dm/<suite>/<test> (...)" for each cmocka test case.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${BUILD:-$top/build}/tests/dm
status=0
. "$top/tests/lib/cmocka.sh"
for src in "$top"/tests/dm/test_*.c; do
  [ -f "$src" ] || continue
  suite=$(basename "$src" .c); suite=${suite#test_}
  cmocka_run "dm/$suite" "$bin/$suite" || status=1
done

# The acrn-dm binary itself: exit status 2 and one line for every start-up error.
dm=$bin/acrn-dm-build/acrn-dm
check_main() {  # name expected-status expected-regex args... (stderr; stdout if OUT=1)
  local name=$1 want=$2 re=$3; shift 3
  local err rc
  if [ ! -x "$dm" ]; then echo "FAIL dm/main/$name (acrn-dm not built)"; status=1; return; fi
  if [ "${OUT:-0}" = 1 ]; then
    err=$("$dm" "$@" 2>/dev/null); rc=$?; err=${err%%$'\n'*}
  else
    err=$("$dm" "$@" 2>&1 >/dev/null); rc=$?
  fi
  if [ "$rc" -eq "$want" ] && [ "$(printf '%s' "$err" | grep -c .)" -le 1 ] &&
     printf '%s' "$err" | grep -Eq -- "$re"; then
    echo "PASS dm/main/$name"
  else
    echo "FAIL dm/main/$name (exit $rc, stderr: $err)"; status=1
  fi
}
check_main test_main_bad_option_exits_2 2 '^acrn-dm: unknown option' --nope vm
check_main test_main_missing_name_exits_2 2 '^acrn-dm: missing VM name' -m 1G
check_main test_main_verify_key_twice_exits_2 2 '^acrn-dm: option --verify-key given twice$' \
  --verify-key a.pem --verify-key=b.pem vm
OUT=1 check_main test_main_help_exits_0 0 '^Usage: acrn-dm ' -h
OUT=1 check_main test_main_version_exits_0 0 '^acrn-dm [0-9]' -v
if [ ! -e /dev/acrn_vhm ] && [ ! -e /dev/acrn_hsm ]; then
  check_main test_main_without_vhm_exits_2 2 \
    '^acrn-dm: cannot open /dev/acrn_vhm or /dev/acrn_hsm: ' -m 64M -s 1:0,lpc vm
else
  echo "SKIP dm/main/test_main_without_vhm_exits_2 (a VHM device is present)"
fi
# passthru without an IOMMU: refused before the VM (or the VHM) is touched, one line, exit 2.
if [ -z "$(ls -A /sys/class/iommu 2>/dev/null)" ]; then
  check_main test_main_passthru_without_iommu_exits_2 2 \
    "^acrn-dm: device passthru at 5:0: no IOMMU .*add ',unsafe'" -m 64M -s 5,passthru,0/2/0 vm
else
  echo "SKIP dm/main/test_main_passthru_without_iommu_exits_2 (this host has an IOMMU)"
fi
exit $status

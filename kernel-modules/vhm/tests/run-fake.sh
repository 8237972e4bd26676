#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Behaviour test of acrn_vhm.ko without VMX: build the module with the fake
# hypervisor (make VHM_FAKE_HV=1, tests/vhm_fake_hv.c), boot the Debian
# Service VM kernel of build/kernel in QEMU (TCG) with a busybox initramfs,
# load it and run tests/vhm_fake_test.c against /dev/acrn_vhm.  Prints the
# test's PASS/FAIL lines; exits non-zero on any failure.  Logs: $BUILD/vhm-fake/.
set -euo pipefail

top=$(cd "$(dirname "$0")/../../.." && pwd)
build=${BUILD:-$top/build}
out=$build/vhm-fake
work=$out/qemu
kernel=$build/kernel/vmlinuz
. "$top/tests/lib/qemu-initramfs.sh"

fail() { echo "FAIL vhm/fake-harness: $*"; exit 1; }
[ -f "$kernel" ] || fail "no kernel at $kernel (make deps)"
make --no-print-directory -C "$top/kernel-modules/vhm" O="$out" VHM_FAKE_HV=1 >"$out.build.log" 2>&1 ||
  { cat "$out.build.log"; fail "module build"; }

qemu_initramfs_begin "$work"
gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -pthread \
  -I"$top/kernel-modules/vhm" -o "$work/root/vhm_fake_test" "$top/kernel-modules/vhm/tests/vhm_fake_test.c" || fail "test build"
cp "$out/acrn_vhm.ko" "$work/root/acrn_vhm.ko"
# acrnlog, the real tool, reads the fake hypervisor's log through the module.
make --no-print-directory -C "$top/tools/acrnlog" O="$work/tools" EXTRA_CFLAGS=-static >/dev/null ||
  fail "acrnlog build"
cp "$work/tools/acrnlog" "$work/root/acrnlog"
cat >> "$work/root/init" <<'INIT'
mount -t debugfs debugfs /sys/kernel/debug
insmod /acrn_vhm.ko || echo "VHM-FAKE-EXIT insmod failed"
# Bind QEMU's edu device as the upcall function: requests then arrive by MSI.
if [ "${VHM_UPCALL:-msi}" = msi ]; then
  echo "1234 11e8" > /sys/bus/pci/drivers/acrn_vhm/new_id
fi
/vhm_fake_test
echo "VHM-FAKE-EXIT rc=$?"
echo "acrnlog-fake: first line" > /sys/kernel/debug/acrn_vhm_fake/log
/acrnlog -c -m /tmp/acrnlog.mark | tail -n 1 | sed 's/^/ACRNLOG1 /'
echo "acrnlog-fake: second line" > /sys/kernel/debug/acrn_vhm_fake/log
/acrnlog -m /tmp/acrnlog.mark 2>&1 | sed 's/^/ACRNLOG2 /'
grep acrn_vhm /proc/interrupts | sed 's/^/IRQ /'
grep upcall_msi /sys/kernel/debug/acrn_vhm_fake/stats | sed 's/^/STAT /'
dmesg | grep -E 'acrn_vhm|Oops|BUG:|WARNING:' | sed 's/^/DMESG /'
rmmod acrn_vhm && echo "VHM-FAKE-RMMOD ok"
poweroff -f
INIT
qemu_initramfs_pack "$work"

qemu_boot "$work" "$kernel" 300 "${VHM_QEMU_ACCEL:-tcg}" \
  "console=ttyS0 loglevel=${VHM_LOGLEVEL:-4} panic=-1 VHM_UPCALL=${VHM_UPCALL:-msi}" -smp 2 -device edu

log=$work/console.log
tr -d '\r' < "$log" | grep -aoE '(PASS|FAIL) vhm/.*' || true
grep -q 'VHM-FAKE-EXIT rc=0' "$log" || { grep -E 'VHM-FAKE|DMESG' "$log"; fail "test failed (see $log)"; }
grep -qE 'DMESG.*(Oops|BUG:|WARNING:)' "$log" && fail "kernel warning (see $log)"
grep -q 'VHM-FAKE-RMMOD ok' "$log" || fail "rmmod failed after all files closed"
# The tool through the module: the newest line, then after -c only the line logged since.
a1=$(tr -d '\r' < "$log" | grep '^ACRNLOG1 ' || true)
a2=$(tr -d '\r' < "$log" | grep '^ACRNLOG2 ' || true)
if [ "$a1" = "ACRNLOG1 acrnlog-fake: first line" ] && [ "$a2" = "ACRNLOG2 acrnlog-fake: second line" ]; then
  echo "PASS vhm/acrnlog_reads_and_marks_through_the_module"
else
  fail "acrnlog through the module: '${a1:-no output}' then '${a2:-no output}'"
fi
if [ "${VHM_UPCALL:-msi}" = msi ]; then
  # Every injected request must have come by MSI, through the real handler.
  msi=$(tr -d '\r' < "$log" | sed -n 's/^STAT upcall_msi //p')
  irqs=$(tr -d '\r' < "$log" | awk '/^IRQ/ { s = 0; for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; else break; print s }')
  [ -n "$msi" ] && [ "$msi" -gt 0 ] || fail "no request was signalled by MSI"
  [ -n "$irqs" ] && [ "$irqs" -ge "$msi" ] || fail "upcall IRQ count ${irqs:-none} < MSIs raised $msi"
  grep -aq 'IOREQ upcall on IRQ' "$log" || fail "upcall device not probed"
  echo "PASS vhm/upcall_msi_dispatches_requests ($msi MSIs, $irqs interrupts)"
fi
echo "PASS vhm/fake-harness"

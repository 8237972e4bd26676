#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Load-time smoke test of acrn_vhm.ko in the real Service VM kernel, without
# the hypervisor: boot the Debian kernel of build/kernel (misc/deps.sh) in
# QEMU with a busybox initramfs, insmod the module and check that
#   - every symbol resolves against that kernel (no "Unknown symbol",
#     no "disagrees about version"),
#   - without ACRN's CPUID signature it refuses to load with -ENODEV
#     (insmod fails with "No such device") and one "not running as the ACRN Service VM" line,
#   - nothing oopses, and /dev/acrn_vhm does not exist afterwards.
# Prints one PASS/FAIL line; logs in $BUILD/vhm/smoke/.
#
# Usage: kernel-modules/vhm/tests/smoke-qemu.sh [path/to/acrn_vhm.ko]
set -euo pipefail

top=$(cd "$(dirname "$0")/../../.." && pwd)
build=${BUILD:-$top/build}
ko=${1:-$build/vhm/acrn_vhm.ko}
kernel=$build/kernel/vmlinuz
work=$build/vhm/smoke
name=vhm/load-without-hypervisor
. "$top/tests/lib/qemu-initramfs.sh"

fail() { echo "FAIL $name: $*"; exit 1; }
[ -f "$ko" ] || fail "no module at $ko (make vhm)"
[ -f "$kernel" ] || fail "no kernel at $kernel (make deps)"
command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 missing"

qemu_initramfs_begin "$work"
cp "$ko" "$work/root/acrn_vhm.ko"
cat >> "$work/root/init" <<'INIT'
insmod /acrn_vhm.ko 2>/insmod.err
echo "VHM-SMOKE insmod-rc=$? $(cat /insmod.err)"
[ -e /dev/acrn_vhm ] && echo "VHM-SMOKE dev-exists" || echo "VHM-SMOKE dev-absent"
echo "VHM-SMOKE dmesg-begin"
dmesg | grep -E 'acrn_vhm|Unknown symbol|disagrees|Oops|BUG:|WARNING:'
echo "VHM-SMOKE dmesg-end"
poweroff -f
INIT
qemu_initramfs_pack "$work"

qemu_boot "$work" "$kernel" 300 "${VHM_QEMU_ACCEL:-tcg}" "console=ttyS0 quiet loglevel=4 panic=-1" -smp 1

log=$work/console.log
grep -q 'VHM-SMOKE dmesg-end' "$log" || fail "guest did not finish (see $log)"
grep -q 'VHM-SMOKE insmod-rc=0' "$log" && fail "module loaded without a hypervisor"
grep -q 'VHM-SMOKE dev-absent' "$log" || fail "/dev/acrn_vhm exists"
sed -n '/VHM-SMOKE dmesg-begin/,/VHM-SMOKE dmesg-end/p' "$log" > "$work/dmesg.txt"
grep -qiE 'unknown symbol|disagrees' "$work/dmesg.txt" && fail "unresolved symbols: $(cat "$work/dmesg.txt")"
grep -qE 'Oops|BUG:|WARNING:' "$work/dmesg.txt" && fail "kernel oops (see $log)"
grep 'VHM-SMOKE insmod-rc=' "$log" | grep -q 'No such device' ||
  fail "insmod did not fail with ENODEV: $(grep 'VHM-SMOKE insmod-rc=' "$log")"
# One line per load attempt; busybox insmod retries init_module() after finit_module().
n=$(grep -c 'acrn_vhm: not running as the ACRN Service VM' "$work/dmesg.txt" || true)
[ "$n" -ge 1 ] && [ "$n" -le 2 ] || fail "expected one detection line per attempt, got $n"
echo "PASS $name"

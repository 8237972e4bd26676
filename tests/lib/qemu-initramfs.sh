# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# The Service VM kernel (build/kernel) booted in QEMU, without a hypervisor, on a throw-away
# busybox initramfs: what kernel-modules/vhm/tests/run-fake.sh, smoke-qemu.sh and
# tests/e2e/uos/run-fake.sh share.  Sourced; defines only qemu_* functions.
#
#   qemu_initramfs_begin WORK   a fresh WORK/root with busybox, and the start of WORK/root/init
#                               (busybox applets; /proc, /sys and /dev mounted): the caller
#                               copies its files into WORK/root and appends its test to the init
#   qemu_initramfs_pack WORK    WORK/initrd.img from WORK/root
#   qemu_boot WORK KERNEL SECONDS ACCEL APPEND [QEMU ARG...]
#                               boot KERNEL with WORK/initrd.img (512 MiB, no display, no reboot:
#                               the init ends with poweroff -f), killed after SECONDS; the console
#                               goes to WORK/console.log.  Never fails: the caller judges the log.

qemu_initramfs_begin() {
  local work=$1
  rm -rf "$work" && mkdir -p "$work/root/bin"
  cp /bin/busybox "$work/root/bin/busybox"
  cat > "$work/root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
INIT
}

qemu_initramfs_pack() {
  local work=$1
  chmod 755 "$work/root/init"
  (cd "$work/root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd.img"
}

qemu_boot() {
  local work=$1 kernel=$2 seconds=$3 accel=$4 append=$5
  shift 5
  timeout "$seconds" qemu-system-x86_64 -accel "$accel" -m 512 -nographic -no-reboot "$@" \
    -kernel "$kernel" -initrd "$work/initrd.img" -append "$append" </dev/null >"$work/console.log" 2>&1 || true
}

# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="Service VM sets up a bridge + tap and runs acrn-dm with virtio-blk (ext4 image), virtio-net (tap), virtio-console (pty) and virtio-rnd: the User VM (Debian kernel, its own virtio modules) reads and writes the disk with sync, pings both ways, swaps a line over the console, reads /dev/hwrng, powers off; the Service VM then checks the files in the image"
CPU_MODEL=corei7_skylake_x ; CPUS=1 ; MEGS=1024 ; TIMEOUT=1800
EST=170   # measured in make check on a clean clone (2026-11-26, idle pCPUs halting), beside one other emulator
HV_CMDLINE="console=com2"
SOS_CMDLINE="console=ttyS0,115200 quiet panic=-1 cryptomgr.notests e2e.uos_timeout=${E2E_UOS_TIMEOUT:-900}"
MODULES=( "build/kernel/vmlinuz|$SOS_CMDLINE" "$SCEN_DIR/initrd.img|initrd" )
# Service VM checks (sos-init) and User VM checks (uos-init): every one must say "ok".
EXPECT=( '^uos-virtio: reached Service VM /init' '^uos-virtio-check: sos-modules ok' '^uos-virtio-check: vhm ok'
         '^uos-virtio-check: bridge ok' '^uos-virtio: reached /init'
         '^uos-virtio-check: modules ok' '^uos-virtio-check: devices ok' '^uos-virtio-check: rng ok'
         '^uos-virtio-check: blk-read ok' '^uos-virtio-check: blk-write ok' '^uos-virtio-check: blk-discard ok'
         '^uos-virtio-check: blk-readback ok' '^uos-virtio-check: blk-1mib-request ok' '^uos-virtio-check: notify-pio ok'
         '^uos-virtio-check: net-ping ok' '^uos-virtio-check: console-rx ok' '^uos-virtio-check: sos-ping ok'
         '^uos-virtio-check: console ok' '^uos-virtio-check: reset ok' '^uos-virtio-check: kernel-clean ok'
         '^uos-virtio-check: dm-exit ok' '^uos-virtio-check: disk-trimmed ok' '^uos-virtio-check: disk-files ok'
         '^uos-virtio-check: sos-kernel-clean ok' '^uos-virtio: done' )
# A failed check does not stop the run: every later line is still there to read.  A virtio
# device the User VM's driver drove into NEEDS_RESET (acrn-dm's log line) fails it at once.
FAIL_ON='Kernel panic|PANIC|VM entry failed|interrupt untaken for|Triple fault|device needs reset|Segmentation fault'
WATCH="com1 com2"
CHECK=1 ; BENCH=0
prepare() {
  . "$TOP/tests/e2e/lib/initramfs.sh"
  e2e_build_dm_vhm || return 1
  # The virtio-blk disk: 16 MiB of ext4 holding one file the User VM must read.  Fixed UUID and
  # hash seed (same image every run); inode tables and journal written now, so the User VM
  # spends no time on ext4lazyinit.
  local mkfs
  mkfs=$(PATH=$PATH:/sbin:/usr/sbin command -v mkfs.ext4) || { echo "mkfs.ext4 missing (e2fsprogs)"; return 1; }
  rm -rf "$SCEN_DIR/disk-root" "$SCEN_DIR/disk.img"
  mkdir -p "$SCEN_DIR/disk-root"
  echo "uos-virtio: written at prepare time" > "$SCEN_DIR/disk-root/prepared.txt"
  E2FSPROGS_FAKE_TIME=946684800 "$mkfs" -q -F -L uos-virtio -U 5a1e0f3c-6b7d-4e21-9c3a-0d8e2f4b6a10 \
    -E lazy_itable_init=0,lazy_journal_init=0,root_owner=0:0,hash_seed=5a1e0f3c-6b7d-4e21-9c3a-0d8e2f4b6a11 \
    -d "$SCEN_DIR/disk-root" "$SCEN_DIR/disk.img" 16M || return 1
  "$TOP/misc/mkinitramfs.sh" "$SCEN_DIR/uos-initrd.img" --init "$TOP/tests/e2e/uos-virtio/uos-init" \
    --modules virtio_pci,virtio_blk,virtio_net,virtio_console,virtio-rng,crc32c_generic,ext4 || return 1
  e2e_build_initramfs "$SCEN_DIR/initrd.img" "$TOP/tests/e2e/uos-virtio/sos-init" \
    --modules tun,bridge,loop,crc32c_generic,ext4 \
    --add "$SCEN_DIR/dm/acrn-dm:/bin/acrn-dm" \
    --add "$SCEN_DIR/vhm/acrn_vhm.ko:/lib/uos/acrn_vhm.ko" \
    --add "$TOP/build/kernel/vmlinuz:/uos/vmlinuz" \
    --add "$SCEN_DIR/uos-initrd.img:/uos/initrd.img" \
    --add "$SCEN_DIR/disk.img:/uos/disk.img"
}

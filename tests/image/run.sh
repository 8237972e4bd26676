#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Tests of the image builder's dm-verity Service VM root (misc/mkimage.sh --rootfs,
# misc/mkinitramfs.sh --verity, misc/verity-root.sh).  One line per test:
#   PASS image/NAME   or   FAIL image/NAME (why)
# The last three boot the Debian kernel of build/kernel (misc/deps.sh) in QEMU (TCG) with the
# image as a virtio disk: no hypervisor is involved, this checks the initramfs + verity part.
# A missing tool (veritysetup, qemu) is a FAIL, never a skip: misc/deps.sh installs them.
#
# Usage: tests/image/run.sh [NAME...]   (default: all; files and QEMU logs stay in build/tests/image;
#                                        IMAGE_VERBOSE=1 prints a failing test's whole output)
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
work=$build/tests/image
mkimage=$top/misc/mkimage.sh
mkinitramfs=$top/misc/mkinitramfs.sh
. "$top/tests/image/lib.sh"

t_help() {
  local h
  h=$("$mkimage" --help) || fail "mkimage.sh --help exited non-zero"
  for w in -- '--rootfs DIR' '--rootfs-size' acrn-root acrn-hash acrn.verity_root= acrn.verity_hash= acrn.roothash= .roothash; do
    [ "$w" = -- ] && continue
    grep -qF -- "$w" <<< "$h" || fail "mkimage.sh --help does not mention $w"
  done
  h=$("$mkinitramfs" --help) || fail "mkinitramfs.sh --help exited non-zero"
  grep -qF -- '--verity' <<< "$h" || fail "mkinitramfs.sh --help does not mention --verity"
  grep -qF -- 'verity-root.sh' <<< "$h" || fail "mkinitramfs.sh --help does not mention verity-root.sh"
}

t_bad_args() {
  local d=$work/bad o
  mkdir -p "$d"
  fake_boot_files
  make_rootdir "$d/root" bad-args
  o=(-o "$d/x.img" --efi "$work/acrn.efi" --hv "$work/acrn.32.out")
  expect_error "unknown argument" "unknown argument '--rootfsx'" "$mkimage" "${o[@]}" --rootfsx "$d/root"
  expect_error "missing rootfs" "no such file or directory: $d/nope" "$mkimage" "${o[@]}" --kernel "$kernel" --rootfs "$d/nope"
  printf 'not a file system\n' > "$d/text"
  expect_error "text file" "is not an ext4 image" "$mkimage" "${o[@]}" --kernel "$kernel" --rootfs "$d/text"
  truncate -s 4M "$d/zero.img"
  expect_error "zero file" "is not an ext4 image" "$mkimage" "${o[@]}" --kernel "$kernel" --rootfs "$d/zero.img"
  truncate -s 4M "$d/ext2.img"; mkfs.ext2 -q -F "$d/ext2.img" || fail "mkfs.ext2 failed"
  expect_error "ext2 image" "is ext2, not ext4" "$mkimage" "${o[@]}" --kernel "$kernel" --rootfs "$d/ext2.img"
  expect_error "no --kernel" "--rootfs needs --kernel" "$mkimage" "${o[@]}" --rootfs "$d/root"
  printf 'hypervisor=\\EFI\\acrn\\acrn.32.out\n' > "$d/acrn.conf"
  expect_error "with --conf" "cannot be combined with --conf" "$mkimage" "${o[@]}" --kernel "$kernel" --conf "$d/acrn.conf" --rootfs "$d/root"
  expect_error "size too small" "--size 44 is too small: needs at least [0-9]+ MiB" \
    "$mkimage" "${o[@]}" --size 44 --kernel "$kernel" --rootfs "$d/root" --rootfs-size 8
  mkdir -p "$d/big"; head -c 3000000 /dev/urandom > "$d/big/3mb.bin"
  expect_error "rootfs too small" "mkfs.ext4 -d .* failed" "$mkimage" "${o[@]}" --kernel "$kernel" --rootfs "$d/big" --rootfs-size 2
  expect_error "rootfs-size alone" "--rootfs-size needs --rootfs" "$mkimage" "${o[@]}" --rootfs-size 8
  expect_error "rootfs-size word" "whole number" "$mkimage" "${o[@]}" --kernel "$kernel" --rootfs "$d/root" --rootfs-size 8M
  expect_error "cmdline too long" "more than 255" "$mkimage" "${o[@]}" --kernel "$kernel" --rootfs "$d/root" \
    --cmdline "$(printf 'x%.0s' $(seq 1 100))"
  # Without veritysetup on PATH (every other tool still reachable through symlinks).
  mkdir -p "$d/bin"
  for t in bash sfdisk mkfs.vfat mmd mcopy mkfs.ext4 mktemp rm truncate dirname sed cat dd \
           du cut find wc stat cp od tr blkid awk ls basename mkdir busybox ldd chmod gzip cpio sort touch mv id head; do
    p=$(command -v "$t") && ln -sf "$p" "$d/bin/$t"
  done
  expect_error "no veritysetup (mkimage)" "veritysetup not found .*cryptsetup-bin" \
    env PATH="$d/bin" "$mkimage" "${o[@]}" --kernel "$kernel" --rootfs "$d/root"
  printf '#!/bin/sh\n' > "$d/init"
  expect_error "no veritysetup (mkinitramfs)" "veritysetup not found .*cryptsetup-bin" \
    env PATH="$d/bin" "$mkinitramfs" "$d/i.img" --init "$d/init" --verity
  [ ! -e "$d/x.img" ] || fail "an image was written despite the errors"
}

t_partitions() {
  local img=$work/p.img rh cl n
  make_rootdir "$work/p-root" "part-$RANDOM"
  build_image "$img" "$work/p-root" --rootfs-size 8
  [ -f "$img.roothash" ] || fail "no $img.roothash"
  rh=$(cat "$img.roothash")
  [[ $rh =~ ^[0-9a-f]{64}$ ]] || fail "$img.roothash is not 64 hex digits: $rh"
  n=$(sfdisk --json "$img" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["partitiontable"]["partitions"]))')
  [ "$n" = 3 ] || fail "$n partitions, expected 3"
  [ "$(part_field "$img" 1 name)" = "EFI System" ] || fail "partition 1 is '$(part_field "$img" 1 name)'"
  [ "$(part_field "$img" 2 name)" = acrn-root ] || fail "partition 2 is '$(part_field "$img" 2 name)'"
  [ "$(part_field "$img" 3 name)" = acrn-hash ] || fail "partition 3 is '$(part_field "$img" 3 name)'"
  [ "$(part_field "$img" 2 type)" = 4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709 ] || fail "acrn-root type $(part_field "$img" 2 type)"
  [ "$(part_field "$img" 3 type)" = 2C7357ED-EBD2-46D9-AEC1-23D437EC2BF5 ] || fail "acrn-hash type $(part_field "$img" 3 type)"
  [ "$(part_field "$img" 2 size)" = $((8 * 2048)) ] || fail "acrn-root is $(part_field "$img" 2 size) sectors, --rootfs-size 8 asked 16384"
  cl=$(conf_cmdline "$img")
  local ru hu
  ru=$(part_field "$img" 2 uuid | tr 'A-F' 'a-f') hu=$(part_field "$img" 3 uuid | tr 'A-F' 'a-f')
  grep -qF "acrn.verity_root=PARTUUID=$ru" <<< "$cl" || fail "acrn.conf cmdline lacks acrn.verity_root=PARTUUID=$ru: $cl"
  grep -qF "acrn.verity_hash=PARTUUID=$hu" <<< "$cl" || fail "acrn.conf cmdline lacks acrn.verity_hash=PARTUUID=$hu: $cl"
  grep -qF "acrn.roothash=$rh" <<< "$cl" || fail "acrn.conf cmdline lacks acrn.roothash=$rh: $cl"
  grep -qF "console=ttyS0,115200n8 acrn.verity_root" <<< "$cl" || fail "default --cmdline lost: $cl"
  [ "$ru" != "$hu" ] || fail "both partitions have PARTUUID $ru"
  # The ESP still holds what it held before.
  MTOOLS_SKIP_CHECK=1 mdir -i "$img@@1M" ::/EFI/acrn 2>/dev/null | grep -q bzImage || fail "no bzImage on the ESP"
  # The data partition is the ext4 of the directory: no journal, marker inside, read-only use.
  extract "$img" 2 "$work/p-data"
  [ "$(blkid -p -o value -s TYPE "$work/p-data")" = ext4 ] || fail "acrn-root is not ext4"
  dumpe2fs -h "$work/p-data" 2>/dev/null | grep -q '^Filesystem features:.*has_journal' && fail "acrn-root has a journal"
  [ "$(debugfs -R 'cat /etc/marker' "$work/p-data" 2>/dev/null)" = "$(cat "$work/p-root/etc/marker")" ] ||
    fail "/etc/marker differs in acrn-root"
  cmp -s <(debugfs -R 'cat /usr/share/filler/random.bin' "$work/p-data" 2>/dev/null) "$work/p-root/usr/share/filler/random.bin" ||
    fail "random.bin differs in acrn-root"
}

t_verity_verify() {
  local img=$work/v.img rh off
  need_tools veritysetup
  make_rootdir "$work/v-root" "verify-$RANDOM"
  build_image "$img" "$work/v-root"
  rh=$(cat "$img.roothash")
  extract "$img" 2 "$work/v-data"
  extract "$img" 3 "$work/v-hash"
  veritysetup verify "$work/v-data" "$work/v-hash" "$rh" > "$work/v-verify.log" 2>&1 ||
    fail "veritysetup verify of the built partitions failed: $(tail -n 1 "$work/v-verify.log")"
  # Another root hash (last digit changed) must not verify.
  local other
  other=${rh:0:63}$(printf '%x' $(( (0x${rh:63:1} + 1) % 16 )))
  veritysetup verify "$work/v-data" "$work/v-hash" "$other" > /dev/null 2>&1 &&
    fail "veritysetup verify accepted a wrong root hash"
  # One flipped byte in /usr/share/filler/numbers.txt's data.
  off=$(file_offset "$work/v-data" /usr/share/filler/numbers.txt)
  flip_byte "$work/v-data" $((off + 123))
  veritysetup verify "$work/v-data" "$work/v-hash" "$rh" > "$work/v-verify2.log" 2>&1 &&
    fail "veritysetup verify accepted a data partition with one flipped byte"
  grep -qi 'verification failed\|corrupt' "$work/v-verify2.log" ||
    fail "no verification error from veritysetup: $(tail -n 1 "$work/v-verify2.log")"
  # Flipped back: verifies again (the failure was that byte).
  flip_byte "$work/v-data" $((off + 123))
  veritysetup verify "$work/v-data" "$work/v-hash" "$rh" > /dev/null 2>&1 ||
    fail "veritysetup verify failed after restoring the byte"
  # A flipped byte in the hash partition fails too.
  flip_byte "$work/v-hash" 5000
  veritysetup verify "$work/v-data" "$work/v-hash" "$rh" > /dev/null 2>&1 &&
    fail "veritysetup verify accepted a hash partition with one flipped byte"
  return 0
}

t_rootfs_file() {
  local img=$work/f.img fs=$work/f-root.ext4 rh
  need_tools veritysetup
  make_rootdir "$work/f-root" "file-$RANDOM"
  # 6 MiB + 512 KiB: not a whole number of MiB, mkimage pads it.
  truncate -s $((6 * 1048576 + 524288)) "$fs"
  mkfs.ext4 -q -F -b 4096 -d "$work/f-root" "$fs" || fail "mkfs.ext4 of the test FILE failed"
  build_image "$img" "$fs"
  rh=$(cat "$img.roothash")
  [ "$(part_field "$img" 2 size)" = $((7 * 2048)) ] || fail "acrn-root is $(part_field "$img" 2 size) sectors, expected 7 MiB"
  extract "$img" 2 "$work/f-data"
  extract "$img" 3 "$work/f-hash"
  cmp -s -n $((6 * 1048576 + 524288)) "$fs" "$work/f-data" || fail "acrn-root does not start with the FILE's bytes"
  veritysetup verify "$work/f-data" "$work/f-hash" "$rh" > /dev/null 2>&1 || fail "veritysetup verify failed"
  grep -qF "acrn.roothash=$rh" <<< "$(conf_cmdline "$img")" || fail "root hash not on the command line"
}

t_initramfs_verity() {
  local ir=$work/ir.img x=$work/ir-x abi m l
  need_tools veritysetup
  printf '#!/bin/sh\n' > "$work/ir-init"
  "$mkinitramfs" "$ir" --init "$work/ir-init" --verity --modules virtio_blk > "$work/ir.log" 2>&1 ||
    fail "mkinitramfs --verity failed: $(tail -n 1 "$work/ir.log")"
  rm -rf "$x"; mkdir -p "$x"
  (cd "$x" && gzip -dc "$ir" | cpio -id --quiet) || fail "cannot unpack the initramfs"
  abi=$(ls "$x/lib/modules" | head -n 1)
  for m in dm-verity dm-mod dm-bufio crc32c_generic ext4 jbd2 mbcache crc16 virtio_blk; do
    find "$x/lib/modules/$abi" -name "$m.ko" | grep -q . || fail "module $m.ko missing"
  done
  for m in virtio_blk dm_verity crc32c_generic ext4; do
    grep -qx "$m" "$x/lib/modules/$abi/load.list" || fail "$m not in load.list"
  done
  grep -q 'dm-verity.ko:.*dm-bufio.ko' "$x/lib/modules/$abi/modules.dep" || fail "modules.dep lacks dm-verity's dependencies"
  for b in veritysetup blkid verity-root.sh; do
    [ -x "$x/sbin/$b" ] || fail "/sbin/$b missing or not executable"
  done
  cmp -s "$x/sbin/verity-root.sh" "$top/misc/verity-root.sh" || fail "/sbin/verity-root.sh is not misc/verity-root.sh"
  for l in $(ldd "$(command -v veritysetup)" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'); do
    [ -f "$x$l" ] || fail "library $l of veritysetup missing"
  done
  # Runs inside the image with only the image's libraries.
  if [ "$(id -u)" = 0 ]; then
    chroot "$x" /sbin/veritysetup --version 2>&1 | grep -q '^veritysetup ' || fail "veritysetup does not run in the image"
    chroot "$x" /sbin/blkid -V 2>&1 | grep -q 'util-linux' || fail "blkid does not run in the image"
  fi
  # Without --verity nothing of it is there.
  "$mkinitramfs" "$work/ir0.img" --init "$work/ir-init" > /dev/null 2>&1 || fail "mkinitramfs without --verity failed"
  gzip -dc "$work/ir0.img" | cpio -t --quiet 2>/dev/null | grep -qE 'veritysetup|verity-root|dm-verity' &&
    fail "veritysetup/verity-root in an initramfs built without --verity"
  return 0
}

# verity-root.sh's checks of its command line, which come before it touches any device.
t_verity_root_args() {
  local c=$work/cmdline h=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
  local r=acrn.verity_root=PARTUUID=01234567-89ab-cdef-0123-456789abcdef
  local s=acrn.verity_hash=PARTUUID=fedcba98-7654-3210-fedc-ba9876543210
  vr() { echo "$1" > "$c"; VERITY_ROOT_CMDLINE=$c sh "$top/misc/verity-root.sh" "$work/never-mounted"; }
  expect_error "no parameters" "^verity-root: FAILED: no acrn.verity_root=" vr "console=ttyS0 root=/dev/sda1"
  expect_error "no hash" "^verity-root: FAILED: no acrn.verity_hash=" vr "$r acrn.roothash=$h"
  expect_error "no roothash" "^verity-root: FAILED: no acrn.roothash=" vr "$r $s"
  expect_error "short roothash" "has 63 hex digits" vr "$r $s acrn.roothash=${h:1}"
  expect_error "non-hex roothash" "not hexadecimal" vr "$r $s acrn.roothash=${h:1}g"
  expect_error "bad root spec" "acrn.verity_root=LABEL=root: expected PARTUUID" vr "acrn.verity_root=LABEL=root $s acrn.roothash=$h"
  expect_error "short PARTUUID" "acrn.verity_hash=PARTUUID=fedc: expected" vr "$r acrn.verity_hash=PARTUUID=fedc acrn.roothash=$h"
  expect_error "dotdot" "expected PARTUUID" vr "acrn.verity_root=/dev/../etc/x $s acrn.roothash=$h"
  expect_error "bad wait" "acrn.verity_wait=x is not" vr "$r $s acrn.roothash=$h acrn.verity_wait=x"
  [ ! -e "$work/never-mounted" ] || fail "a mount point was made despite the errors"
}

# The QEMU part: one initramfs, one image; boots with the image's own command line.
boot_init() {
  cat > "$work/q-init" <<'INIT'
#!/bin/sh
. /lib/e2e/init-common.sh
init_mount_basics
init_load_modules || init_say "VROOT-MODULES-FAILED"
if verity-root.sh /sysroot 2>/dev/console; then
	init_say "VROOT-MOUNTED"
	grep ' /sysroot ' /proc/mounts | grep -q ' ro[ ,]' && init_say "VROOT-RO"
	touch /sysroot/etc/written 2>/dev/null && init_say "VROOT-WRITABLE"
	if m=$(cat /sysroot/etc/marker 2>/tmp/cat.err); then
		init_say "VROOT-MARKER $m"
	else
		init_say "VROOT-READ-ERROR $(cat /tmp/cat.err)"
	fi
	dmesg | grep -i 'verity' | sed 's/^/VROOT-DMESG /' > /dev/console
else
	init_say "VROOT-NOT-MOUNTED rc=$?"
	grep -q ' /sysroot ' /proc/mounts && init_say "VROOT-BUT-MOUNTED"
fi
init_say "VROOT-END"
init_poweroff
INIT
}

qemu_image() {		# the image and initramfs shared by the boots, made once
  [ -f "$work/q.ready" ] && return 0
  need_tools veritysetup qemu-system-x86_64
  [ -f "$kernel" ] || fail "no kernel at $kernel (make deps)"
  boot_init
  "$mkinitramfs" "$work/q-initrd.img" --init "$work/q-init" --verity --modules virtio_pci,virtio_blk \
    > "$work/q-mkinitramfs.log" 2>&1 || fail "mkinitramfs failed: $(tail -n 1 "$work/q-mkinitramfs.log")"
  make_rootdir "$work/q-root" "verified-root-$RANDOM-$$"
  build_image "$work/q.img" "$work/q-root" --rootfs-size 8 --cmdline "console=ttyS0,115200n8"
  touch "$work/q.ready"
}

# qemu_run IMG LOG [APPEND]: boot with the command line of IMG's acrn.conf (or APPEND).
qemu_run() {
  local img=$1 log=$2 append=${3:-}
  [ -n "$append" ] || append="$(conf_cmdline "$img") panic=-1 loglevel=4"
  timeout "${IMAGE_QEMU_TIMEOUT:-120}" qemu-system-x86_64 -accel tcg -m 384 -smp 1 -nographic -no-reboot \
    -kernel "$kernel" -initrd "$work/q-initrd.img" -append "$append" \
    -drive "file=$img,format=raw,if=virtio" < /dev/null > "$log" 2>&1
  grep -q VROOT-END "$log" || fail "guest did not finish (see $log)"
}

t_qemu_verified_boot() {
  local log=$work/q-good.log token
  qemu_image
  token=$(cat "$work/q-root/etc/marker")
  qemu_run "$work/q.img" "$log"
  grep -qF "verity-root: /dev/vda2 opened with root hash $(cat "$work/q.img.roothash") (hash tree /dev/vda3; first blocks verified" "$log" ||
    fail "no verity-root success line (see $log)"
  grep -q "VROOT-MARKER $token" "$log" || fail "marker '$token' not read from the verified root (see $log)"
  grep -q VROOT-RO "$log" || fail "root not mounted read-only (see $log)"
  grep -q VROOT-WRITABLE "$log" && fail "the verified root accepted a write"
  grep -qE 'VROOT-MODULES-FAILED|FAILED' "$log" && fail "a failure line in a good boot (see $log)"
  return 0
}

t_qemu_corrupt_data() {
  local img=$work/q-bad.img log=$work/q-bad.log start off token
  qemu_image
  token=$(cat "$work/q-root/etc/marker")
  cp --sparse=always "$work/q.img" "$img"
  extract "$img" 2 "$work/q-bad-data"
  off=$(file_offset "$work/q-bad-data" /etc/marker)
  start=$(part_field "$img" 2 start)
  flip_byte "$img" $((start * 512 + off + 3))
  qemu_run "$img" "$log"
  grep -q "VROOT-MARKER $token" "$log" && fail "the corrupted marker was read (see $log)"
  grep -q VROOT-MARKER "$log" && fail "a corrupted marker was read without an error (see $log)"
  grep -q 'VROOT-READ-ERROR.*Input/output error' "$log" || fail "no I/O error reading the corrupted file (see $log)"
  grep -qE 'VROOT-DMESG .*device-mapper: verity: .*corrupted' "$log" || fail "no dm-verity corruption message in dmesg (see $log)"
}

t_qemu_wrong_roothash() {
  local log=$work/q-hash.log rh other
  qemu_image
  rh=$(cat "$work/q.img.roothash")
  other=${rh:0:63}$(printf '%x' $(( (0x${rh:63:1} + 1) % 16 )))
  qemu_run "$work/q.img" "$log" "$(conf_cmdline "$work/q.img" | sed "s/acrn.roothash=$rh/acrn.roothash=$other/") panic=-1 loglevel=4"
  grep -q "verity-root: FAILED: .*does not match root hash $other" "$log" ||
    fail "no 'verity-root: FAILED' line for a wrong root hash (see $log)"
  grep -q VROOT-NOT-MOUNTED "$log" || fail "verity-root succeeded with a wrong root hash (see $log)"
  grep -qE 'VROOT-MOUNTED|VROOT-BUT-MOUNTED|VROOT-MARKER' "$log" && fail "a root was mounted (see $log)"
  return 0
}

rm -rf "$work"
mkdir -p "$work"

all=(help bad-args partitions verity-verify rootfs-file initramfs-verity verity-root-args
     qemu-verified-boot qemu-corrupt-data qemu-wrong-roothash)
want=("$@")
[ ${#want[@]} -gt 0 ] || want=("${all[@]}")

for t in "${want[@]}"; do
  case " ${all[*]} " in *" $t "*) ;; *) echo "FAIL image/$t (no such test)"; continue ;; esac
  out=$( "t_${t//-/_}" 2>&1 ); rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "PASS image/$t"
  else
    why=$(printf '%s\n' "$out" | grep -v '^\s*$' | tail -n 1)
    echo "FAIL image/$t (${why:-failed})"
    [ -z "${IMAGE_VERBOSE:-}" ] || printf '%s\n' "$out" | sed 's/^/    /'
  fi
done

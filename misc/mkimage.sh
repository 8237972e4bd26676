#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Build a bootable UEFI disk image: GPT with one FAT32 EFI System Partition
# holding acrn.efi (as the removable-media default \EFI\BOOT\BOOTX64.EFI),
# \EFI\acrn\acrn.conf, the hypervisor, and optionally the Service VM kernel
# and initrd.  No loop devices, no root: the partition is formatted as a file
# (mkfs.vfat), filled with mtools, and dropped into a disk file whose GPT is
# written by sfdisk.  See doc/uefi.md.  With --rootfs it adds a read-only ext4
# Service VM root file system and its dm-verity hash tree (doc/verified-boot.md).
#
# Usage: misc/mkimage.sh -o IMG [--size MiB] [--efi PATH] [--hv PATH] [--hv-cmdline "..."]
#                        [--kernel PATH] [--initrd PATH] [--cmdline "..."] [--conf PATH]
#                        [--rootfs DIR|FILE [--rootfs-size MiB]]
#   -o IMG          output disk image (raw)
#   --size MiB      disk size, default 128 (FAT32 needs at least 40)
#   --efi PATH      acrn.efi, default build/efi-stub/acrn.efi
#   --hv PATH       hypervisor ELF, default build/hypervisor/acrn.32.out
#   --hv-cmdline S  hypervisor command line (hv_cmdline=), default empty
#   --kernel PATH   Service VM kernel (bzImage); none by default
#   --initrd PATH   its initrd; needs --kernel
#   --cmdline S     kernel command line, default "console=tty0 console=ttyS0,115200n8"
#   --conf PATH     use this acrn.conf instead of writing one
#   --rootfs DIR    Service VM root: an ext4 file system made from DIR (mkfs.ext4 -d, 4 KiB
#                   blocks, no journal), or FILE, an existing ext4 image; needs --kernel.
#                   Adds GPT partitions "acrn-root" (the ext4 data) and "acrn-hash" (its
#                   dm-verity hash tree, veritysetup format, SHA-256), writes the root hash
#                   to IMG.roothash and appends to the kernel command line:
#                     acrn.verity_root=PARTUUID=U1 acrn.verity_hash=PARTUUID=U2 acrn.roothash=HEX
#                   U1/U2 are the first/last 128 bits of the root hash.  The initramfs of
#                   misc/mkinitramfs.sh --verity opens and mounts it (misc/verity-root.sh).
#   --rootfs-size M size of the ext4 made from DIR, MiB; default: its content + 25% + 4
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}

die() { echo "mkimage: $*" >&2; exit 1; }
usage() { sed -n '12,32p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

out='' size=128 efi=$build/efi-stub/acrn.efi hv=$build/hypervisor/acrn.32.out
hv_cmdline='' kernel='' initrd='' cmdline='console=tty0 console=ttyS0,115200n8' conf=''
rootfs='' rootfs_size=''
while [ $# -gt 0 ]; do
  case $1 in
    -o) out=${2:?}; shift 2 ;;
    --size) size=${2:?}; shift 2 ;;
    --efi) efi=${2:?}; shift 2 ;;
    --hv) hv=${2:?}; shift 2 ;;
    --hv-cmdline) hv_cmdline=${2?}; shift 2 ;;
    --kernel) kernel=${2:?}; shift 2 ;;
    --initrd) initrd=${2:?}; shift 2 ;;
    --cmdline) cmdline=${2?}; shift 2 ;;
    --conf) conf=${2:?}; shift 2 ;;
    --rootfs) rootfs=${2:?}; shift 2 ;;
    --rootfs-size) rootfs_size=${2:?}; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "mkimage: unknown argument '$1'" >&2; usage 2 ;;
  esac
done

[ -n "$out" ] || die "-o IMG is required"
case $size in ''|*[!0-9]*) die "--size takes a whole number of MiB" ;; esac
[ "$size" -ge 40 ] || die "--size must be at least 40 (MiB): FAT32 needs 65525 clusters"
[ "$size" -le 65536 ] || die "--size is limited to 65536 MiB"
for f in "$efi" "$hv" ${kernel:+"$kernel"} ${initrd:+"$initrd"} ${conf:+"$conf"}; do
  [ -f "$f" ] || die "no such file: $f"
done
[ -z "$initrd" ] || [ -n "$kernel" ] || die "--initrd needs --kernel"
# The hypervisor keeps 511 bytes of its command line and 255 of a module's.
[ ${#hv_cmdline} -le 511 ] || die "--hv-cmdline is longer than 511 bytes"
[ ${#cmdline} -le 255 ] || die "--cmdline is longer than 255 bytes"
case "$hv_cmdline$cmdline" in *$'\n'*|*$'\r'*) die "command lines must be one line" ;; esac
for t in sfdisk mkfs.vfat mmd mcopy; do
  command -v "$t" >/dev/null 2>&1 || die "$t not found (run misc/deps.sh: packages fdisk, dosfstools, mtools)"
done

if [ -n "$rootfs" ]; then
  [ -e "$rootfs" ] || die "--rootfs: no such file or directory: $rootfs"
  [ -n "$kernel" ] || die "--rootfs needs --kernel: the root hash goes on the Service VM kernel command line"
  [ -z "$conf" ] || die "--rootfs writes the verity parameters into acrn.conf; it cannot be combined with --conf"
  command -v veritysetup >/dev/null 2>&1 ||
    die "veritysetup not found (run misc/deps.sh: package cryptsetup-bin)"
  if [ -n "$rootfs_size" ]; then
    [ -d "$rootfs" ] || die "--rootfs-size applies to a --rootfs DIR only (a FILE keeps its size)"
    case $rootfs_size in ''|*[!0-9]*) die "--rootfs-size takes a whole number of MiB" ;; esac
    [ "$rootfs_size" -ge 1 ] && [ "$rootfs_size" -le 65536 ] || die "--rootfs-size must be 1..65536 (MiB)"
  fi
  if [ -d "$rootfs" ]; then
    command -v mkfs.ext4 >/dev/null 2>&1 || die "mkfs.ext4 not found (run misc/deps.sh: package e2fsprogs)"
  fi
elif [ -n "$rootfs_size" ]; then
  die "--rootfs-size needs --rootfs DIR"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mkimage.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The verified root: ext4 data + dm-verity hash tree, each padded to whole MiB (partitions
# are MiB-aligned; the padding is hashed too, so the partition is exactly what was hashed).
root_mib=0 hash_mib=0 roothash=''
if [ -n "$rootfs" ]; then
  root=$tmp/root.img hash=$tmp/hash.img
  if [ -d "$rootfs" ]; then
    if [ -z "$rootfs_size" ]; then
      kib=$(du -s -k --apparent-size "$rootfs" | cut -f1)
      nfiles=$(find "$rootfs" | wc -l)
      # content + 25%, one 4 KiB block per file for small files' tails and directories, 4 MiB of metadata
      rootfs_size=$(( (kib * 5 / 4 + nfiles * 4 + 4096 + 1023) / 1024 ))
    fi
    truncate -s "${rootfs_size}M" "$root"
    mkfs.ext4 -q -F -b 4096 -O ^has_journal -L acrn-root -E root_owner=0:0 -d "$rootfs" "$root" \
      >"$tmp/mkfs.log" 2>&1 ||
      die "mkfs.ext4 -d $rootfs failed (content larger than --rootfs-size ${rootfs_size} MiB?): $(tail -n 2 "$tmp/mkfs.log" | tr '\n' ' ')"
  else
    [ -f "$rootfs" ] || die "--rootfs: $rootfs is neither a directory nor a regular file"
    # ext2/3/4 superblock: at byte 1024, magic 0xEF53 (little endian) at offset 56.
    magic=$(od -An -tx1 -j 1080 -N 2 "$rootfs" 2>/dev/null | tr -d ' \n' || true)
    [ "$magic" = 53ef ] || die "--rootfs: $rootfs is not an ext4 image (no ext2/3/4 superblock magic)"
    fstype=$(blkid -p -o value -s TYPE "$rootfs" 2>/dev/null || true)
    [ -z "$fstype" ] || [ "$fstype" = ext4 ] || die "--rootfs: $rootfs is $fstype, not ext4"
    cp --sparse=always "$rootfs" "$root"
    bytes=$(stat -c %s "$root")
    truncate -s $(( (bytes + 1048575) / 1048576 ))M "$root"
  fi
  veritysetup format --hash=sha256 --data-block-size=4096 --hash-block-size=4096 \
    "$root" "$hash" > "$tmp/verity.log" 2>&1 || die "veritysetup format failed: $(tail -n 2 "$tmp/verity.log" | tr '\n' ' ')"
  roothash=$(sed -n 's/^Root hash:[[:space:]]*\([0-9a-f]*\)$/\1/p' "$tmp/verity.log")
  [ ${#roothash} -eq 64 ] || die "veritysetup format printed no SHA-256 root hash (see its output: $(tr '\n' ' ' < "$tmp/verity.log"))"
  root_mib=$(( ($(stat -c %s "$root") + 1048575) / 1048576 ))
  hash_mib=$(( ($(stat -c %s "$hash") + 1048575) / 1048576 ))
  truncate -s "${hash_mib}M" "$hash"
  # PARTUUIDs from the root hash (as the UAPI Discoverable Partitions Specification does):
  # a different root gets different partition UUIDs, the same root the same ones.
  u() { echo "${1:0:8}-${1:8:4}-${1:12:4}-${1:16:4}-${1:20:12}"; }
  root_uuid=$(u "${roothash:0:32}") hash_uuid=$(u "${roothash:32:32}")
  cmdline="${cmdline:+$cmdline }acrn.verity_root=PARTUUID=$root_uuid acrn.verity_hash=PARTUUID=$hash_uuid acrn.roothash=$roothash"
  [ ${#cmdline} -le 255 ] ||
    die "kernel command line with the verity parameters is ${#cmdline} bytes, more than 255: shorten --cmdline"
fi

# Layout: 1 MiB for the protective MBR + primary GPT and alignment, the ESP, then
# (with --rootfs) acrn-root and acrn-hash, 1 MiB at the end for the backup GPT.
esp_min=38
part_start_mib=1
part_mib=$((size - 2 - root_mib - hash_mib))
[ "$part_mib" -ge "$esp_min" ] ||
  die "--size $size is too small: needs at least $((2 + esp_min + root_mib + hash_mib)) MiB (ESP $esp_min, acrn-root $root_mib, acrn-hash $hash_mib, GPT 2)"
part=$tmp/esp.img

truncate -s "${part_mib}M" "$part"
mkfs.vfat -F 32 -n ACRN-ESP "$part" >/dev/null
export MTOOLS_SKIP_CHECK=1
mmd -i "$part" ::/EFI ::/EFI/BOOT ::/EFI/acrn
mcopy -i "$part" "$efi" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$part" "$efi" ::/EFI/acrn/acrn.efi
mcopy -i "$part" "$hv" ::/EFI/acrn/acrn.32.out
[ -z "$kernel" ] || mcopy -i "$part" "$kernel" ::/EFI/acrn/bzImage
[ -z "$initrd" ] || mcopy -i "$part" "$initrd" ::/EFI/acrn/initrd.img

if [ -n "$conf" ]; then
  cp "$conf" "$tmp/acrn.conf"
else
  {
    echo "# acrn.conf written by misc/mkimage.sh; format in doc/uefi.md"
    echo "hypervisor=\\EFI\\acrn\\acrn.32.out"
    echo "hv_cmdline=$hv_cmdline"
    if [ -n "$kernel" ]; then
      echo "kernel=\\EFI\\acrn\\bzImage"
      echo "kernel_cmdline=$cmdline"
    fi
    [ -z "$initrd" ] || echo "initrd=\\EFI\\acrn\\initrd.img"
  } > "$tmp/acrn.conf"
fi
mcopy -i "$part" "$tmp/acrn.conf" ::/EFI/acrn/acrn.conf

rm -f "$out" "$out.roothash"
truncate -s "${size}M" "$out"
# Type GUIDs: EFI System Partition (UEFI 2.10 §5.3.3); root x86-64 and root verity x86-64 of
# the UAPI Discoverable Partitions Specification.
root_start_mib=$((part_start_mib + part_mib))
hash_start_mib=$((root_start_mib + root_mib))
{
  printf 'label: gpt\nstart=%s, size=%s, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI System"\n' \
    "$((part_start_mib * 2048))" "$((part_mib * 2048))"
  if [ -n "$rootfs" ]; then
    printf 'start=%s, size=%s, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, uuid=%s, name="acrn-root"\n' \
      "$((root_start_mib * 2048))" "$((root_mib * 2048))" "$root_uuid"
    printf 'start=%s, size=%s, type=2C7357ED-EBD2-46D9-AEC1-23D437EC2BF5, uuid=%s, name="acrn-hash"\n' \
      "$((hash_start_mib * 2048))" "$((hash_mib * 2048))" "$hash_uuid"
  fi
} | sfdisk --quiet "$out" >/dev/null
dd if="$part" of="$out" bs=1M seek="$part_start_mib" conv=notrunc,sparse status=none
if [ -n "$rootfs" ]; then
  dd if="$root" of="$out" bs=1M seek="$root_start_mib" conv=notrunc,sparse status=none
  dd if="$hash" of="$out" bs=1M seek="$hash_start_mib" conv=notrunc,sparse status=none
  echo "$roothash" > "$out.roothash"
  echo "mkimage: wrote $out (${size} MiB GPT: ESP at ${part_start_mib} MiB, acrn-root ${root_mib} MiB at ${root_start_mib}, acrn-hash ${hash_mib} MiB at ${hash_start_mib}; root hash in $out.roothash)"
else
  echo "mkimage: wrote $out (${size} MiB GPT, ESP at ${part_start_mib} MiB)"
fi

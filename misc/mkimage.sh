#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Build a bootable UEFI disk image: GPT with one FAT32 EFI System Partition
# holding acrn.efi (as the removable-media default \EFI\BOOT\BOOTX64.EFI),
# \EFI\acrn\acrn.conf, the hypervisor, and optionally the Service VM kernel
# and initrd.  No loop devices, no root: the partition is formatted as a file
# (mkfs.vfat), filled with mtools, and dropped into a disk file whose GPT is
# written by sfdisk.  See doc/uefi.md.
#
# Usage: misc/mkimage.sh -o IMG [--size MiB] [--efi PATH] [--hv PATH] [--hv-cmdline "..."]
#                        [--kernel PATH] [--initrd PATH] [--cmdline "..."] [--conf PATH]
#   -o IMG          output disk image (raw)
#   --size MiB      disk size, default 128 (FAT32 needs at least 40)
#   --efi PATH      acrn.efi, default build/efi-stub/acrn.efi
#   --hv PATH       hypervisor ELF, default build/hypervisor/acrn.32.out
#   --hv-cmdline S  hypervisor command line (hv_cmdline=), default empty
#   --kernel PATH   Service VM kernel (bzImage); none by default
#   --initrd PATH   its initrd; needs --kernel
#   --cmdline S     kernel command line, default "console=tty0 console=ttyS0,115200n8"
#   --conf PATH     use this acrn.conf instead of writing one
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}

die() { echo "mkimage: $*" >&2; exit 1; }
usage() { sed -n '11,21p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

out='' size=128 efi=$build/efi-stub/acrn.efi hv=$build/hypervisor/acrn.32.out
hv_cmdline='' kernel='' initrd='' cmdline='console=tty0 console=ttyS0,115200n8' conf=''
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

# Layout: 1 MiB for the protective MBR + primary GPT and alignment, the ESP,
# 1 MiB at the end for the backup GPT.
part_start_mib=1
part_mib=$((size - 2))
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mkimage.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
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

rm -f "$out"
truncate -s "${size}M" "$out"
# EFI System Partition type GUID (UEFI 2.10 §5.3.3)
printf 'label: gpt\nstart=%s, size=%s, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI System"\n' \
  "$((part_start_mib * 2048))" "$((part_mib * 2048))" | sfdisk --quiet "$out" >/dev/null
dd if="$part" of="$out" bs=1M seek="$part_start_mib" conv=notrunc,sparse status=none
echo "mkimage: wrote $out (${size} MiB GPT, ESP at ${part_start_mib} MiB)"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Build a busybox initramfs (cpio newc, gzip) for the Service VM / test guests.
#
# Usage: misc/mkinitramfs.sh OUT.img --init FILE [--add SRC:DEST]... [--modules name1,name2]
#                            [--kernel-root DIR] [--verity]
#   --init FILE      becomes /init (mode 0755); it mounts /proc, /sys, /dev itself, e.g. with
#                    the helpers of /lib/e2e/init-common.sh (tests/e2e/lib/init-common.sh)
#   --add SRC:DEST   copy SRC (file or directory) to DEST inside the image (repeatable)
#   --modules LIST   kernel modules (names as in lsmod, '-' or '_') with every dependency from
#                    modules.dep, copied to /lib/modules/<abi>/; /lib/modules/<abi>/load.list
#                    holds the requested names in order (init_load_modules loads them)
#   --kernel-root D  unpacked kernel package (default build/kernel/root, from misc/deps.sh)
#   --verity         what a dm-verity root needs (misc/mkimage.sh --rootfs): the modules
#                    dm_verity, crc32c_generic and ext4 (appended to --modules, with their
#                    dependencies), /sbin/veritysetup and /sbin/blkid with the shared libraries
#                    ldd names, and misc/verity-root.sh as /sbin/verity-root.sh, which /init calls
#                    to open and mount the verified root.  The disk's driver (ahci, nvme,
#                    virtio_blk, ...) is not included: name it in --modules.
#
# The image holds busybox-static with one symlink per applet, /dev/console and /dev/null
# nodes (the kernel opens /dev/console for init before anything is mounted), and the helpers.
set -euo pipefail

die() { echo "mkinitramfs: $*" >&2; exit 1; }

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
out='' init='' modules='' kroot=$build/kernel/root verity=0
adds=()
[ $# -gt 0 ] || die "usage: $0 OUT.img --init FILE [--add SRC:DEST]... [--modules a,b]"
case $1 in -h|--help) awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' "$0"; exit 0 ;; -*) ;; *) out=$1; shift ;; esac
while [ $# -gt 0 ]; do
  case $1 in
    --init) init=$2; shift 2 ;;
    --add) adds+=("$2"); shift 2 ;;
    --modules) modules=$2; shift 2 ;;
    --kernel-root) kroot=$2; shift 2 ;;
    --verity) verity=1; shift ;;
    -h|--help) awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' "$0"; exit 0 ;;
    *) die "unknown argument '$1'" ;;
  esac
done
[ -n "$out" ] || die "OUT.img is required"
[ -n "$init" ] || die "--init FILE is required"
[ -f "$init" ] || die "init '$init' not found"
if [ "$verity" = 1 ]; then
  modules=${modules:+$modules,}dm_verity,crc32c_generic,ext4
  vsetup=$(command -v veritysetup) || die "--verity: veritysetup not found (run misc/deps.sh: package cryptsetup-bin)"
  blkid=$(command -v blkid) || die "--verity: blkid not found (package util-linux)"
fi
bb=$(command -v busybox) || die "busybox missing (package busybox-static)"
# ldd fails on a static executable: a dynamic busybox would not run without its libraries.
! ldd "$bb" >/dev/null 2>&1 || die "$bb is dynamically linked (install busybox-static)"

stage=$(mktemp -d "${TMPDIR:-/tmp}/mkinitramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,root,etc,lib/e2e,mnt}
cp "$bb" "$stage/bin/busybox"
# One symlink per applet, at the path busybox itself reports (bin/sh, sbin/modprobe, ...).
while read -r applet; do
  [ -n "$applet" ] && [ "$applet" != bin/busybox ] || continue
  [ -e "$stage/$applet" ] || ln -s /bin/busybox "$stage/$applet"
done < <("$bb" --list-full)
cp "$init" "$stage/init"
chmod 0755 "$stage/init"
cp "$top/tests/e2e/lib/init-common.sh" "$stage/lib/e2e/init-common.sh"
echo "root:x:0:0:root:/root:/bin/sh" > "$stage/etc/passwd"
echo "root:x:0:" > "$stage/etc/group"
if [ "$(id -u)" = 0 ]; then
  mknod -m 600 "$stage/dev/console" c 5 1
  mknod -m 666 "$stage/dev/null" c 1 3
else
  echo "mkinitramfs: not root, no /dev/console node (init must mount devtmpfs first)" >&2
fi

if [ "$verity" = 1 ]; then
  # The binaries and every library ldd resolves for them, at the same paths (the dynamic
  # loader in the image is the one ldd names, e.g. /lib64/ld-linux-x86-64.so.2).
  for b in "$vsetup" "$blkid"; do
    rm -f "$stage/sbin/$(basename "$b")"
    cp -L "$b" "$stage/sbin/$(basename "$b")"
    libs=$(ldd "$b") || die "--verity: ldd $b failed"
    for l in $(echo "$libs" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'); do
      [ -f "$l" ] || die "--verity: library $l of $b not found"
      mkdir -p "$stage$(dirname "$l")"
      cp -L "$l" "$stage$l"
    done
  done
  cp "$top/misc/verity-root.sh" "$stage/sbin/verity-root.sh"
  chmod 0755 "$stage/sbin/verity-root.sh"
fi

for a in "${adds[@]}"; do
  src=${a%%:*} dest=${a#*:}
  [ "$src" != "$a" ] && [ -n "$dest" ] || die "--add wants SRC:DEST, got '$a'"
  [ -e "$src" ] || die "--add: '$src' not found"
  case $dest in /*) ;; *) dest=/$dest ;; esac
  case $dest in *..*) die "--add: '..' in destination '$dest'" ;; esac
  mkdir -p "$stage$(dirname "$dest")"
  cp -a "$src" "$stage$dest"
done

if [ -n "$modules" ]; then
  [ -d "$kroot/lib/modules" ] || die "no kernel modules under $kroot (run misc/deps.sh)"
  abi=$(ls "$kroot/lib/modules" | head -n1)
  mdir=$kroot/lib/modules/$abi
  # The unpacked package has no modules.dep (depmod runs at install time).  Debian 12's depmod
  # has no --outdir: run it on a hard-linked copy of the tree (same filesystem, no data
  # copied; symlinks as fallback), leaving build/kernel untouched.
  dep=$(mktemp -d "$(dirname "$kroot")/.mkinitramfs-depmod.XXXXXX")
  trap 'rm -rf "$stage" "$dep"' EXIT
  mkdir -p "$dep/lib/modules"
  cp -al "$mdir" "$dep/lib/modules/$abi" 2>/dev/null || { rm -rf "$dep/lib/modules/$abi"; cp -as "$mdir" "$dep/lib/modules/$abi"; }
  depmod -b "$dep" "$abi" || die "depmod failed on $mdir"
  depfile=$dep/lib/modules/$abi/modules.dep
  [ -s "$depfile" ] || die "depmod produced no modules.dep"
  mkdir -p "$stage/lib/modules/$abi"
  want=()
  IFS=, read -r -a want <<< "$modules"
  : > "$stage/lib/modules/$abi/load.list"
  declare -A have=()
  for name in "${want[@]}"; do
    [ -n "$name" ] || continue
    case $name in *[!A-Za-z0-9_-]*) die "bad module name '$name'" ;; esac
    norm=${name//-/_}
    # modules.dep lines: "kernel/path/mod.ko[.xz]: dep1.ko dep2.ko" (deps already transitive).
    line=$(awk -v n="$norm" -F: '{ f=$1; sub(/.*\//, "", f); sub(/\.ko(\.[a-z]+)?$/, "", f);
             gsub(/-/, "_", f); if (f == n) { print; exit } }' "$depfile")
    if [ -z "$line" ]; then
      grep -q -E "/${norm//_/[-_]}\.ko" "$mdir/modules.builtin" 2>/dev/null &&
        { echo "mkinitramfs: $name is built into the kernel, skipped" >&2; continue; }
      die "module '$name' not found in $mdir"
    fi
    echo "$name" >> "$stage/lib/modules/$abi/load.list"
    for m in ${line%%:*} ${line#*:}; do
      [ -z "${have[$m]:-}" ] || continue
      have[$m]=1
      mkdir -p "$stage/lib/modules/$abi/$(dirname "$m")"
      case $m in
        # busybox insmod cannot read compressed modules: store them plain.
        *.ko.xz)  xz -dc "$mdir/$m" > "$stage/lib/modules/$abi/${m%.xz}" ;;
        *.ko.zst) zstd -q -dc "$mdir/$m" > "$stage/lib/modules/$abi/${m%.zst}" ;;
        *.ko.gz)  gzip -dc "$mdir/$m" > "$stage/lib/modules/$abi/${m%.gz}" ;;
        *) cp "$mdir/$m" "$stage/lib/modules/$abi/$m" ;;
      esac
    done
  done
  # modules.dep restricted to what was copied, with compressed names made plain.
  for m in "${!have[@]}"; do
    grep -E "^${m//./\\.}:" "$depfile"
  done | sed -E 's/\.ko\.(xz|zst|gz)/.ko/g' > "$stage/lib/modules/$abi/modules.dep"
  for f in modules.builtin modules.order; do
    [ -f "$mdir/$f" ] && cp "$mdir/$f" "$stage/lib/modules/$abi/"
  done
  rm -rf "$dep"
fi

mkdir -p "$(dirname "$out")"
# Reproducible image (same bytes for the same inputs): fixed mtimes, sorted names, gzip -n.
# Under Bochs with a fixed time0 this keeps boot instruction counts identical run to run.
find "$stage" -mindepth 1 -exec touch -h -d @0 {} +
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet) | gzip -9n > "$out.tmp"
mv -f "$out.tmp" "$out"
exit 0

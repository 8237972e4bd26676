# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Helpers of tests/image/run.sh.  Every test is a function t_NAME run in a subshell: it
# prints what it wants and ends with "fail WHY" (exit 1) or returns 0.

fail() { echo "$*"; exit 1; }

# expect_error WHAT PATTERN CMD...: CMD must exit non-zero and print PATTERN (grep -E) on
# stderr or stdout.
expect_error() {
  local what=$1 pat=$2 out rc; shift 2
  out=$("$@" 2>&1); rc=$?
  [ "$rc" -ne 0 ] || fail "$what: exit 0, expected an error"
  grep -qE -- "$pat" <<< "$out" || fail "$what: no /$pat/ in: $(head -c 300 <<< "$out")"
}

need_tools() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || fail "$t not found (misc/deps.sh installs it)"
  done
}

# part_field IMG N FIELD: start|size (sectors)|name|uuid|type of GPT partition N (1-based).
part_field() {
  sfdisk --json "$1" | python3 -c '
import json, sys
p = json.load(sys.stdin)["partitiontable"]["partitions"]
n, f = int(sys.argv[1]), sys.argv[2]
print(p[n - 1].get(f, "") if n <= len(p) else "")' "$2" "$3"
}

# extract IMG N OUT: copy partition N of IMG to the file OUT.
extract() {
  local start size
  start=$(part_field "$1" "$2" start) size=$(part_field "$1" "$2" size)
  [ -n "$start" ] || fail "no partition $2 in $1"
  dd if="$1" of="$3" bs=512 skip="$start" count="$size" status=none
}

# flip_byte FILE OFFSET: invert every bit of one byte in place.
flip_byte() {
  python3 -c '
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); b = f.read(1)
    if len(b) != 1: sys.exit("offset beyond end of file")
    f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 0xFF]))' "$1" "$2"
}

# file_offset EXT4IMG PATH: byte offset in the ext4 image of the first data block of PATH.
file_offset() {
  local blk
  blk=$(debugfs -R "bmap $2 0" "$1" 2>/dev/null | tail -n 1)
  case $blk in ''|*[!0-9]*) fail "debugfs found no data block of $2 in $1" ;; esac
  [ "$blk" -gt 0 ] || fail "$2 has no data block (inline data?)"
  echo $((blk * 4096))
}

# Stand-ins for acrn.efi and the hypervisor: mkimage.sh only copies them onto the ESP.
fake_boot_files() {
  printf 'MZ stand-in for acrn.efi\n' > "$work/acrn.efi"
  printf 'ELF stand-in for the hypervisor\n' > "$work/acrn.32.out"
}

# make_rootdir DIR TOKEN: a small root with /etc/marker = TOKEN and some filler.
make_rootdir() {
  mkdir -p "$1/etc" "$1/bin" "$1/usr/share/filler"
  printf '%s\n' "$2" > "$1/etc/marker"
  head -c 200000 /dev/urandom > "$1/usr/share/filler/random.bin"
  seq 1 20000 > "$1/usr/share/filler/numbers.txt"
}

# build_image IMG ROOTFS [more mkimage args]: the disk with stand-in ESP files.
build_image() {
  local img=$1 rootfs=$2; shift 2
  fake_boot_files
  "$mkimage" -o "$img" --size 64 --efi "$work/acrn.efi" --hv "$work/acrn.32.out" \
    --kernel "$kernel" --rootfs "$rootfs" "$@" > "$work/mkimage.log" 2>&1 ||
    fail "mkimage failed: $(tail -n 2 "$work/mkimage.log")"
}

# conf_cmdline IMG: kernel_cmdline= of the acrn.conf on the image's ESP.
conf_cmdline() {
  local start
  start=$(part_field "$1" 1 start)
  MTOOLS_SKIP_CHECK=1 mtype -i "$1@@$((start * 512))" ::/EFI/acrn/acrn.conf |
    sed -n 's/^kernel_cmdline=//p' | tr -d '\r'
}

kernel=$(ls "$build"/kernel/root/boot/vmlinuz-* 2>/dev/null | head -n 1)
kernel=${kernel:-$build/kernel/vmlinuz}

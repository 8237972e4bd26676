#!/usr/bin/env bash
# Install, idempotently, everything the build and the tests need on Debian 12,
# and unpack the Debian kernel matching the installed linux-headers-amd64 into
# build/kernel/ (used as the Service VM and User VM kernel by the tests).
#
# Usage: misc/deps.sh [--no-kernel]
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}

PKGS=(
  build-essential make gcc clang libclang-rt-14-dev lld
  bochs bochsbios vgabios
  grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools dosfstools fdisk sbsigntool openssl
  busybox-static cpio e2fsprogs kmod cryptsetup-bin
  qemu-system-x86 ovmf
  gnu-efi uuid-dev libssl-dev libpciaccess-dev zlib1g-dev libcmocka-dev
  linux-headers-amd64 linux-libc-dev
  python3
  tmux
)

missing=()
for p in "${PKGS[@]}"; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$st" = "install ok installed" ] || missing+=("$p")
done

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ "${1:-}" = "--no-kernel" ] && exit 0

# The kernel image that matches the installed headers: linux-headers-amd64
# depends on linux-headers-<abi>-amd64; the image package has the same <abi>.
hdr=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 | grep -o 'linux-headers-[0-9][^ ,]*-amd64' | head -n1)
abi=${hdr#linux-headers-}
kdir=$build/kernel
if [ ! -f "$kdir/vmlinuz" ] || [ "$(cat "$kdir/abi" 2>/dev/null)" != "$abi" ]; then
  echo "deps: fetching linux-image-$abi into $kdir"
  rm -rf "$kdir" && mkdir -p "$kdir/dl"
  (cd "$kdir/dl" && apt-get download "linux-image-$abi" >/dev/null 2>&1 ||
     { as_root apt-get update -qq && apt-get download "linux-image-$abi" >/dev/null; })
  dpkg-deb -x "$kdir"/dl/linux-image-*.deb "$kdir/root"
  cp "$kdir/root/boot/vmlinuz-$abi" "$kdir/vmlinuz"
  echo "$abi" > "$kdir/abi"
  rm -rf "$kdir/dl"
fi
exit 0

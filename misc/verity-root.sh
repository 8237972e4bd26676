#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=sh
#
# Open and mount the dm-verity protected Service VM root file system of a disk made by
# misc/mkimage.sh --rootfs.  Runs in the initramfs (busybox sh); misc/mkinitramfs.sh --verity
# installs it as /sbin/verity-root.sh with veritysetup, blkid and the kernel modules it needs.
#
# Usage: verity-root.sh [MOUNTPOINT]        (default /sysroot)
#
# Reads from /proc/cmdline (all three are required):
#   acrn.verity_root=PARTUUID=UUID | /dev/NAME    the ext4 data partition (acrn-root)
#   acrn.verity_hash=PARTUUID=UUID | /dev/NAME    its hash tree partition (acrn-hash)
#   acrn.roothash=HEX                             SHA-256 root hash, 64 hex digits
# and optionally acrn.verity_wait=SECONDS (default 10): how long to wait for the partitions
# to appear (the disk driver may still be probing).
#
# On success: /dev/mapper/acrn-root is the verified device, mounted read-only (ext4) on
# MOUNTPOINT, one "verity-root: ..." line on stderr, exit 0.  dm-verity then checks every
# block against the hash tree when it is read: a modified block reads as an I/O error.
# On any failure: one line "verity-root: FAILED: <why>" on stderr, nothing mounted, exit 1.
# There is no fallback: a root that cannot be verified is never mounted.
# VERITY_ROOT_CMDLINE=FILE reads the parameters from FILE instead (tests).

mnt=${1:-/sysroot}
name=acrn-root

fail() {
	echo "verity-root: FAILED: $*" >&2
	[ -e "/dev/mapper/$name" ] && veritysetup close "$name" >/dev/null 2>&1
	exit 1
}

data='' hashdev='' roothash='' wait=10
cmdline=${VERITY_ROOT_CMDLINE:-/proc/cmdline}
[ -r "$cmdline" ] || fail "$cmdline not readable (mount /proc first)"
for w in $(cat "$cmdline"); do
	case $w in
	acrn.verity_root=*) data=${w#*=} ;;
	acrn.verity_hash=*) hashdev=${w#*=} ;;
	acrn.roothash=*) roothash=${w#*=} ;;
	acrn.verity_wait=*) wait=${w#*=} ;;
	esac
done
[ -n "$data" ] || fail "no acrn.verity_root= on the kernel command line"
[ -n "$hashdev" ] || fail "no acrn.verity_hash= on the kernel command line"
[ -n "$roothash" ] || fail "no acrn.roothash= on the kernel command line"
case $roothash in *[!0-9a-fA-F]*) fail "acrn.roothash is not hexadecimal" ;; esac
[ ${#roothash} -eq 64 ] || fail "acrn.roothash has ${#roothash} hex digits, a SHA-256 root hash has 64"
case $wait in '' | *[!0-9]*) fail "acrn.verity_wait=$wait is not a whole number of seconds" ;; esac
[ "$wait" -le 300 ] || wait=300

# check_spec VALUE: PARTUUID=<8-4-4-4-12 hex> or /dev/<name> without '..'.
check_spec() {
	case $1 in
	PARTUUID=*)
		_u=${1#PARTUUID=}
		[ ${#_u} -eq 36 ] || return 1
		case $_u in *[!0-9a-fA-F-]*) return 1 ;; esac
		;;
	/dev/*) case $1 in *..*) return 1 ;; esac ;;
	*) return 1 ;;
	esac
	return 0
}
check_spec "$data" || fail "acrn.verity_root=$data: expected PARTUUID=<uuid> or /dev/<name>"
check_spec "$hashdev" || fail "acrn.verity_hash=$hashdev: expected PARTUUID=<uuid> or /dev/<name>"

# resolve SPEC: print the device node of a partition spec, or nothing.  PARTUUIDs are read
# from the GPT entry of each partition the kernel knows (libblkid low-level probe).
resolve() {
	case $1 in
	/dev/*) [ -b "$1" ] && echo "$1"; return 0 ;;
	esac
	_want=$(echo "${1#PARTUUID=}" | tr 'A-F' 'a-f')
	for _p in /sys/class/block/*; do
		[ -e "$_p/partition" ] || continue
		_dev=/dev/${_p##*/}
		[ -b "$_dev" ] || continue
		_got=$(blkid -p -o value -s PART_ENTRY_UUID "$_dev" 2>/dev/null | tr 'A-F' 'a-f')
		[ "$_got" = "$_want" ] && { echo "$_dev"; return 0; }
	done
	return 0
}

# Modules; quiet, as they may be built in.  crc32c: ext4 metadata checksums.
for m in dm-verity crc32c ext4; do modprobe "$m" 2>/dev/null; done
grep -q device-mapper /proc/misc 2>/dev/null || fail "no device-mapper in the kernel (dm_mod/dm_verity not loaded)"
command -v veritysetup >/dev/null 2>&1 || fail "veritysetup not in the initramfs (misc/mkinitramfs.sh --verity)"

n=0 ddev='' hdev=''
while :; do
	ddev=$(resolve "$data")
	hdev=$(resolve "$hashdev")
	[ -n "$ddev" ] && [ -n "$hdev" ] && break
	[ "$n" -ge $((wait * 4)) ] && break
	sleep 0.25
	n=$((n + 1))
done
[ -n "$ddev" ] || fail "data partition $data not found after ${wait} s"
[ -n "$hdev" ] || fail "hash partition $hashdev not found after ${wait} s"
[ "$ddev" != "$hdev" ] || fail "data and hash are the same device $ddev"

# No udev in the initramfs: libdevmapper creates /dev/mapper/NAME itself.
export DM_DISABLE_UDEV=1
err=$(veritysetup open "$ddev" "$name" "$hdev" "$roothash" 2>&1) ||
	fail "veritysetup open $ddev $hdev: $(echo "$err" | tail -n 1)"
[ -b "/dev/mapper/$name" ] || fail "veritysetup open made no /dev/mapper/$name"
# The kernel checks blocks when they are read, the root hash included: a wrong root hash or a
# changed superblock shows here as an I/O error, before anything is mounted.
dd if="/dev/mapper/$name" of=/dev/null bs=4096 count=2 2>/dev/null ||
	fail "$ddev does not match root hash $roothash (dm-verity I/O error on its first blocks)"
mkdir -p "$mnt"
err=$(mount -t ext4 -o ro "/dev/mapper/$name" "$mnt" 2>&1) ||
	fail "mount of /dev/mapper/$name on $mnt: $err"
echo "verity-root: $ddev opened with root hash $roothash (hash tree $hdev; first blocks verified, every other block when read), mounted read-only on $mnt" >&2
exit 0

#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Sample launch script: the "ivi" VM (in-vehicle infotainment), a UEFI guest
# booted by OVMF from a disk image, with
#   - virtio-blk     its root disk (change it later: acrnctl blkrescan ivi 3 NEW.img)
#   - virtio-net     a tap device, created here if missing
#   - virtio-console a pseudo-terminal linked at /run/acrn/ivi.console
# Register it with
#     acrnctl add --autostart /usr/share/acrn/launch/launch_ivi_vm.sh
set -euo pipefail

DISK=${IVI_DISK:-/var/lib/acrn/images/ivi/disk.img}
OVMF=${IVI_OVMF:-/usr/share/ovmf/OVMF.fd}
TAP=${IVI_TAP:-tap_ivi}
BRIDGE=${IVI_BRIDGE:-}		# e.g. br0: the tap joins it when set

[ -r "$DISK" ] || { echo "launch_ivi_vm: missing disk image $DISK" >&2; exit 1; }
[ -r "$OVMF" ] || { echo "launch_ivi_vm: missing firmware $OVMF" >&2; exit 1; }

if ! ip link show "$TAP" >/dev/null 2>&1; then
	ip tuntap add dev "$TAP" mode tap
fi
ip link set "$TAP" up
if [ -n "$BRIDGE" ]; then
	ip link set "$TAP" master "$BRIDGE"
fi
mkdir -p /run/acrn

exec acrn-dm -A -m 2G -c 2 \
	-s 0:0,hostbridge \
	-s 1:0,lpc \
	-l com1,stdio \
	-s 3,virtio-blk,"$DISK" \
	-s 4,virtio-net,tap="$TAP" \
	-s 5,virtio-console,@pty:ivi_console=/run/acrn/ivi.console \
	--ovmf "$OVMF" \
	-U 615db82a-e189-4b4f-8dbb-d321343e4ab3 \
	ivi

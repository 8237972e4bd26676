#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Sample launch script: the "cluster" VM, a small instrument-cluster guest
# with a direct-booted Linux kernel and its console on COM1 (the log file
# acrnctl/acrnd captures).  Register it with
#     acrnctl add --autostart --restart /usr/share/acrn/launch/launch_cluster_vm.sh
# acrnctl finds the VM name in the last argument of the acrn-dm line below.
# What the hypervisor logged about the VM (its creation, a failed VM entry, a
# triple fault) is not in that file: read it with acrnlog (doc/acrnlog.md).
#
# Paths can be overridden from the environment (e.g. in acrnd.service).
set -euo pipefail

KERNEL=${CLUSTER_KERNEL:-/var/lib/acrn/images/cluster/bzImage}
INITRD=${CLUSTER_INITRD:-/var/lib/acrn/images/cluster/initrd.img}

for f in "$KERNEL" "$INITRD"; do
	[ -r "$f" ] || { echo "launch_cluster_vm: missing $f" >&2; exit 1; }
done

# exec: acrn-dm replaces the shell, so acrnd sees acrn-dm's own exit status.
exec acrn-dm -A -m 512M -c 1 \
	-s 0:0,hostbridge \
	-s 1:0,lpc \
	-s 2,virtio-rnd \
	-l com1,stdio \
	-k "$KERNEL" -r "$INITRD" \
	-B "console=ttyS0 quiet" \
	cluster

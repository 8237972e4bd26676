# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="VBS-K: the Service VM loads vhost_net and runs acrn-dm with -s N,virtio-net,tap=tap0,vhost; the User VM (Debian kernel, its own virtio_net) pings the Service VM and the Service VM pings back over the vhost-net data plane; acrn-dm reports 0 virtio-net queue notifications handled by itself"
CPU_MODEL=corei7_skylake_x ; CPUS=1 ; MEGS=1024 ; TIMEOUT=1500
EST=240   # measured on a clean clone (2026-11-26), alone
HV_CMDLINE="console=com2"
SOS_CMDLINE="console=ttyS0,115200 quiet panic=-1 cryptomgr.notests e2e.uos_timeout=${E2E_UOS_TIMEOUT:-600}"
MODULES=( "build/kernel/vmlinuz|$SOS_CMDLINE" "$SCEN_DIR/initrd.img|initrd" )
EXPECT=( '^uos-vhost: reached Service VM /init' '^uos-vhost-check: sos-modules ok' '^uos-vhost-check: vhm ok'
         '^uos-vhost-check: vhost-dev ok' '^uos-vhost-check: bridge ok' '^uos-vhost: reached /init'
         '^uos-vhost-check: modules ok' '^uos-vhost-check: net-ping ok' '^uos-vhost-check: pinged ok'
         '^uos-vhost-check: sos-ping ok' '^uos-vhost-check: dm-exit ok' '^uos-vhost-check: vhost-used ok'
         '^uos-vhost-check: dm-notifications ok' '^uos-vhost-check: sos-kernel-clean ok' '^uos-vhost: done' )
FAIL_ON='Kernel panic|PANIC|VM entry failed|interrupt untaken for|Triple fault|device needs reset'
WATCH="com1 com2"
CHECK=1 ; BENCH=0
prepare() {
  . "$TOP/tests/e2e/lib/initramfs.sh"
  e2e_build_dm_vhm || return 1
  "$TOP/misc/mkinitramfs.sh" "$SCEN_DIR/uos-initrd.img" --init "$TOP/tests/e2e/uos-vhost/uos-init" \
    --modules virtio_pci,virtio_net || return 1
  e2e_build_initramfs "$SCEN_DIR/initrd.img" "$TOP/tests/e2e/uos-vhost/sos-init" \
    --modules tun,bridge,vhost_iotlb,vhost,vhost_net \
    --add "$SCEN_DIR/dm/acrn-dm:/bin/acrn-dm" \
    --add "$SCEN_DIR/vhm/acrn_vhm.ko:/lib/uos/acrn_vhm.ko" \
    --add "$TOP/build/kernel/vmlinuz:/uos/vmlinuz" \
    --add "$SCEN_DIR/uos-initrd.img:/uos/initrd.img"
}

# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="virtio-net bulk TCP throughput User VM -> Service VM: one User VM with two NICs, tap0 on acrn-dm's user-space back-end and tap1 on vhost-net; netxfer sends e2e.mib MiB over each (two alternating rounds, the second timed with RDTSC), the receivers in the Service VM count the bytes and checksum them; acrn-dm reports 0 notifications handled for the vhost NIC"
CPU_MODEL=corei7_skylake_x ; CPUS=1 ; MEGS=1024 ; TIMEOUT=2400
HV_CMDLINE="console=com2"
SOS_CMDLINE="console=ttyS0,115200 quiet panic=-1 e2e.hz=${IPS:-80000000} e2e.mib=8 e2e.uos_timeout=${E2E_UOS_TIMEOUT:-900}"
MODULES=( "build/kernel/vmlinuz|$SOS_CMDLINE" "$SCEN_DIR/initrd.img|initrd" )
EXPECT=( '^uos-net: reached Service VM /init' '^uos-net-check: vhm ok' '^uos-net-check: vhost-dev ok'
         '^uos-net-check: taps ok' '^uos-net: reached /init' '^uos-net-check: nics ok'
         '^uos-net-check: tx-user-1 ok' '^uos-net-check: tx-vhost-1 ok'
         '^BENCH uvm_net_tx_user [0-9]+ KiB/s' '^uos-net-check: tx-user-2 ok'
         '^BENCH uvm_net_tx_vhost [0-9]+ KiB/s' '^uos-net-check: tx-vhost-2 ok'
         '^uos-net-check: dm-exit ok' '^uos-net-check: recv-5101 ok' '^uos-net-check: recv-5102 ok'
         '^uos-net-check: recv-5201 ok' '^uos-net-check: recv-5202 ok' '^uos-net-check: tap-bytes ok'
         '^uos-net-check: vhost-used ok' '^uos-net-check: dm-notifications ok' '^uos-net: done' )
FAIL_ON='Kernel panic|PANIC|VM entry failed|interrupt untaken for|Triple fault|device needs reset|uos-net-check: .* FAIL'
WATCH="com1 com2"
CHECK=0 ; BENCH=1
prepare() {
  . "$TOP/tests/e2e/lib/initramfs.sh"
  e2e_build_dm_vhm || return 1
  gcc -static -O2 -Wall -Wextra -Werror -o "$SCEN_DIR/netxfer" "$TOP/tests/e2e/uos-net/netxfer.c" || return 1
  "$TOP/misc/mkinitramfs.sh" "$SCEN_DIR/uos-initrd.img" --init "$TOP/tests/e2e/uos-net/uos-init" \
    --modules virtio_pci,virtio_net --add "$SCEN_DIR/netxfer:/bin/netxfer" || return 1
  e2e_build_initramfs "$SCEN_DIR/initrd.img" "$TOP/tests/e2e/uos-net/sos-init" \
    --modules tun,vhost_iotlb,vhost,vhost_net \
    --add "$SCEN_DIR/netxfer:/bin/netxfer" \
    --add "$SCEN_DIR/dm/acrn-dm:/bin/acrn-dm" \
    --add "$SCEN_DIR/vhm/acrn_vhm.ko:/lib/uos/acrn_vhm.ko" \
    --add "$TOP/build/kernel/vmlinuz:/uos/vmlinuz" \
    --add "$SCEN_DIR/uos-initrd.img:/uos/initrd.img"
}

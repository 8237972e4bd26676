# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="Bochs' NE2000 (00:02.0, no IOMMU): acrn-dm -s 5,passthru,0/2/0 refuses in one line with exit 2; with ,unsafe the User VM sees 10ec:8029 at 00:05.0, its I/O BAR reaches the chip, ne2k-pci binds and its INTx interrupts arrive; acrn-dm exits 0 and the Service VM has the device, its driver and its interrupts back"
CPU_MODEL=corei7_skylake_x ; CPUS=1 ; MEGS=1024 ; TIMEOUT=1800
EST=182   # measured on a clean clone (2026-11-26), beside two other emulators
HV_CMDLINE="console=com2"
SOS_CMDLINE="console=ttyS0,115200 quiet panic=-1 cryptomgr.notests"
MODULES=( "build/kernel/vmlinuz|$SOS_CMDLINE" "$SCEN_DIR/initrd.img|initrd" )
EXPECT=( '^uos-passthru: reached Service VM /init' '^uos-passthru-check: vhm-loaded ok'
         '^uos-passthru-check: ne2k-present ok' '^uos-passthru-check: sos-driver-bound ok' '^uos-passthru-check: dm-refuses-without-iommu ok'
         'ptdev: VM [0-9]+: 00:02.0 passed through as 00:05.0'
         '^uos-passthru: reached User VM /init' '^uos-passthru-check: uos-sees-ne2k ok'
         '^uos-passthru-check: uos-pio-reaches-ne2k ok' '^uos-passthru-check: uos-driver-binds ok'
         '^uos-passthru-check: uos-link-up ok' '^uos-passthru-check: uos-intx-arrives ok'
         'ptdev: VM [0-9]+: physical pin [0-9]+ no longer forwarded \([1-9][0-9]* interrupts\)'
         'ptdev: VM [0-9]+: 00:02.0 given back'
         '^uos-passthru-check: dm-exit ok' '^uos-passthru-check: device-back ok'
         '^uos-passthru-check: driver-back ok' '^uos-passthru-check: sos-intx-back ok'
         '^uos-passthru: done' )
FAIL_ON='Kernel panic|PANIC|VM entry failed|interrupt untaken for|Triple fault'
WATCH="com1 com2"
# In make check since interrupts reach the User VM (issue #9 acceptance).
CHECK=1 ; BENCH=0
prepare() {
  . "$TOP/tests/e2e/lib/initramfs.sh"
  e2e_build_dm_vhm || return 1
  "$TOP/misc/mkinitramfs.sh" "$SCEN_DIR/uos-initrd.img" --init "$TOP/tests/e2e/uos-passthru/uos-init" \
    --modules ne2k-pci || return 1
  e2e_build_initramfs "$SCEN_DIR/initrd.img" "$TOP/tests/e2e/uos-passthru/sos-init" \
    --add "$SCEN_DIR/dm/acrn-dm:/bin/acrn-dm" \
    --add "$SCEN_DIR/vhm/acrn_vhm.ko:/lib/uos/acrn_vhm.ko" \
    --add "$TOP/build/kernel/vmlinuz:/uos/vmlinuz" \
    --add "$SCEN_DIR/uos-initrd.img:/uos/initrd.img" --modules ne2k-pci
}

# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="misc/mkinitramfs.sh: busybox applets, /dev/console, helpers, a module with its modules.dep dependencies; GRUB hands the image over intact"
CPU_MODEL=corei7_skylake_x ; CPUS=1 ; MEGS=128 ; TIMEOUT=180
HV=none
HV_CMDLINE="initramfs-check"
EXPECT=( "^selftest: module 'initrd' bytes [1-9][0-9]{5,}" '^selftest: modules 1$' '^selftest: done$' )
FAIL_ON='PANIC|bad multiboot2 magic'
CHECK=1 ; BENCH=0
UNTIL_EXIT=1
prepare() {
  . "$TOP/tests/e2e/lib/selftest.sh"
  . "$TOP/tests/e2e/lib/initramfs.sh"
  printf '#!/bin/sh\n. /lib/e2e/init-common.sh\ninit_mount_basics\ninit_shell\n' > "$SCEN_DIR/init"
  e2e_build_initramfs "$SCEN_DIR/initrd.img" "$SCEN_DIR/init" --add "$TOP/LICENSE:/etc/LICENSE" \
    --modules virtio_net
  # The image's contents, checked here because the self-test kernel cannot unpack it.
  zcat "$SCEN_DIR/initrd.img" | cpio -t --quiet > "$SCEN_DIR/initrd.list"
  local want
  for want in init bin/busybox bin/sh sbin/modprobe dev/console dev/null bin/tsc etc/LICENSE \
      lib/e2e/init-common.sh 'lib/modules/[^/]*/modules.dep' 'lib/modules/[^/]*/load.list' \
      'lib/modules/.*/virtio_net.ko' 'lib/modules/.*/net_failover.ko' 'lib/modules/.*/virtio_ring.ko'; do
    grep -q -x -E "$want" "$SCEN_DIR/initrd.list" || { echo "initramfs lacks $want"; return 1; }
  done
  zcat "$SCEN_DIR/initrd.img" | cpio -i --quiet --to-stdout 'lib/modules/*/modules.dep' |
    grep -q -E '^kernel/drivers/net/virtio_net\.ko: .*net_failover\.ko' ||
    { echo "modules.dep lacks virtio_net's dependencies"; return 1; }
  # A bad module name must be refused, not silently skipped.
  if "$TOP/misc/mkinitramfs.sh" "$SCEN_DIR/bad.img" --init "$SCEN_DIR/init" --modules no_such_module_x 2>/dev/null; then
    echo "mkinitramfs accepted an unknown module"; return 1
  fi
  e2e_build_selftest "$SCEN_DIR/selftest.elf"
  KERNEL_MB=$SCEN_DIR/selftest.elf
  MODULES=( "$SCEN_DIR/initrd.img|initrd" )
  e2e_export KERNEL_MB MODULES
}

# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="Baseline without the hypervisor: GRUB boots the Debian kernel natively with a busybox initramfs; /init reports the TSC (= instructions since reset)"
CPU_MODEL=corei7_skylake_x ; CPUS=1 ; MEGS=1024 ; TIMEOUT=900
HV=none
LINUX=build/kernel/vmlinuz
INITRD=$SCEN_DIR/initrd.img
LINUX_CMDLINE="console=ttyS0,115200 quiet panic=-1"
EXPECT=( '^native-linux: reached /init' '^BENCH native_boot_to_init [0-9]+ instructions' '^native-linux: kernel 6\.' )
FAIL_ON='Kernel panic|BUG:|Oops'
WATCH="com1"
CHECK=0 ; BENCH=1
UNTIL_EXIT=1     # wait for the power-off: proves the init ran to its end
prepare() {
  . "$TOP/tests/e2e/lib/initramfs.sh"
  cat > "$SCEN_DIR/init" <<'INIT'
#!/bin/sh
# The first thing /init does: read the TSC, so the figure is kernel boot time only.
t=$(/bin/tsc bench native_boot_to_init)
. /lib/e2e/init-common.sh
init_mount_basics
init_say "native-linux: reached /init"
init_say "$t"
init_say "native-linux: kernel $(uname -r)"
init_poweroff
INIT
  e2e_build_initramfs "$SCEN_DIR/initrd.img" "$SCEN_DIR/init"
}

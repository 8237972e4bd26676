# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="Service VM runs acrn-dm (-l com1,stdio, -k/-r/-B): the Debian kernel + a busybox initramfs boot as a User VM whose init checks vCPUs, memory = -m, ACPI tables, RTC date, sleep 1; it reboots once (acrn-dm resets it, second boot seen) and powers off (acrn-dm exits 0)"
# e2e.uos_cpus: the User VM's vCPUs, one per pCPU: 1 here; uos-linux-smp sets UOS_LINUX_CPUS=2
# before sourcing this file.
UOS_CPUS=${UOS_LINUX_CPUS:-1} ; UOS_MEM=256
CPU_MODEL=corei7_skylake_x ; CPUS=$UOS_CPUS ; MEGS=1024 ; TIMEOUT=$((1800 * UOS_CPUS))
HV_CMDLINE="console=com2"
SOS_CMDLINE="console=ttyS0,115200 quiet panic=-1 e2e.uos_cpus=$UOS_CPUS e2e.uos_mem=$UOS_MEM e2e.uos_timeout=${E2E_UOS_TIMEOUT:-900}"
MODULES=( "build/kernel/vmlinuz|$SOS_CMDLINE" "$SCEN_DIR/initrd.img|initrd" )
EXPECT=( '^uos-linux: reached Service VM /init' '^uos-linux-check: vhm-loaded ok' '^uos-linux-check: vhm-device ok'
         "^uos-linux: reached /init \\(cpus=$UOS_CPUS "
         "^uos-linux-check: cpus-$UOS_CPUS ok" '^uos-linux-check: mem ok' '^uos-linux-check: acpi ok'
         '^uos-linux-check: rtc ok' '^uos-linux-check: sleep ok' '^uos-linux-check: kernel-clean ok'
         '^uos-linux: rebooting' "^uos-linux: second boot \\(cpus=$UOS_CPUS\\)" "^uos-linux-check: dm-exit-$UOS_CPUS ok"
         '^uos-linux-check: sos-kernel-clean ok' '^uos-linux: done' )
# A failed check does not stop the run (the Service VM powers off at the end either way), so
# every later line is still there to read; a missing "ok" line fails the scenario.  A User VM
# triple fault is not in FAIL_ON: the hypervisor turns it into a reset acrn-dm carries out.
FAIL_ON='Kernel panic|PANIC|VM entry failed|Triple fault'
WATCH="com1 com2"
CHECK=1 ; BENCH=0
prepare() {
  . "$TOP/tests/e2e/lib/initramfs.sh"
  e2e_build_dm_vhm || return 1
  "$TOP/misc/mkinitramfs.sh" "$SCEN_DIR/uos-initrd.img" --init "$TOP/tests/e2e/uos-linux/uos-init" || return 1
  e2e_build_initramfs "$SCEN_DIR/initrd.img" "$TOP/tests/e2e/uos-linux/sos-init" \
    --add "$SCEN_DIR/dm/acrn-dm:/bin/acrn-dm" \
    --add "$SCEN_DIR/vhm/acrn_vhm.ko:/lib/uos/acrn_vhm.ko" \
    --add "$TOP/build/kernel/vmlinuz:/uos/vmlinuz" \
    --add "$SCEN_DIR/uos-initrd.img:/uos/initrd.img"
}

# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="Service VM runs acrn-dm (-l com1,stdio, -k/-r/-B) twice: the Debian kernel + a busybox initramfs boot as a User VM with 1 vCPU, then with 2 vCPUs on 2 pCPUs; each time its init checks vCPUs, memory = -m, ACPI tables, RTC date, sleep 1; the 1-vCPU VM reboots once (acrn-dm resets it, second boot seen); each powers off (acrn-dm exits 0)"
# e2e.uos_cpus: the vCPU counts of the User VM runs, one after the other, each vCPU on its own
# pCPU (Bochs gets as many CPUs as the largest count).  UOS_LINUX_CPUS overrides the list
# (uos-linux-smp: only the 2-vCPU run).  UOS_REBOOT: the runs whose User VM reboots once before
# it powers off (here the first, to keep make check short; uos-linux-smp reboots its 2 vCPUs).
UOS_CPU_LIST=${UOS_LINUX_CPUS:-1,2} ; UOS_MEM=256 ; UOS_REBOOT=${UOS_LINUX_CPUS:-1}
CPUS=1 ; for _c in ${UOS_CPU_LIST//,/ }; do [ "$_c" -gt "$CPUS" ] && CPUS=$_c; done
CPU_MODEL=corei7_skylake_x ; MEGS=1024 ; TIMEOUT=$((1800 * CPUS))
EST=381   # measured in make check on a clean clone (2026-11-26, idle pCPUs halting), beside one other emulator
HV_CMDLINE="console=com2"
SOS_CMDLINE="console=ttyS0,115200 quiet panic=-1 cryptomgr.notests e2e.uos_cpus=$UOS_CPU_LIST e2e.uos_reboot=$UOS_REBOOT e2e.uos_mem=$UOS_MEM e2e.uos_timeout=${E2E_UOS_TIMEOUT:-1500}"
MODULES=( "build/kernel/vmlinuz|$SOS_CMDLINE" "$SCEN_DIR/initrd.img|initrd" )
EXPECT=( '^uos-linux: reached Service VM /init' '^uos-linux-check: vhm-loaded ok' '^uos-linux-check: vhm-device ok' )
for _c in ${UOS_CPU_LIST//,/ }; do
  EXPECT+=( "^uos-linux: reached /init \\(cpus=$_c " "^uos-linux-check: cpus-$_c ok" "^uos-linux-check: dm-exit-$_c ok" )
  [[ ",$UOS_REBOOT," == *",$_c,"* ]] && EXPECT+=( "^uos-linux: second boot \\(cpus=$_c\\)" )
done
unset _c
EXPECT+=( '^uos-linux-check: fast-strings ok' '^uos-linux-check: mem ok' '^uos-linux-check: acpi ok' '^uos-linux-check: rtc ok'
          '^uos-linux-check: sleep ok' '^uos-linux-check: kernel-clean ok' '^uos-linux: rebooting'
          '^uos-linux-check: sos-kernel-clean ok' '^uos-linux: done' )
# The 2-vCPU User VM's pCPU 1 idled halted in the Service VM, and vCPU 0's IPIs kicked it out
# (sched.c, idle_arm()); before, the hypervisor polled there.
[[ ",$UOS_CPU_LIST," == *",2,"* ]] &&
  EXPECT+=( 'idle: pcpu0 [0-9]+ halts, [0-9]+ kicks; pcpu1 [1-9][0-9]* halts, [1-9][0-9]* kicks;' )
# The checks of every run print the same names, so a FAIL line fails the scenario at once (an
# "ok" of the other run must not hide it).  A User VM triple fault is not in FAIL_ON: the
# hypervisor turns it into a reset acrn-dm carries out.
FAIL_ON='uos-linux-check: [a-z0-9-]+ FAIL|Kernel panic|PANIC|VM entry failed|interrupt untaken for|Triple fault|Segmentation fault'
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

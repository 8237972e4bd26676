# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="GRUB -> hypervisor -> Debian kernel as the Service VM on 2 pCPUs (APs started by emulated INIT/SIPI); its /init checks CPUs, the hypervisor shell (vm_list, vcpu_list, dump_ioapic), the ACRN CPUID leaves, the timer, a disk, the NIC, the upcall function and the hidden hypervisor UART"
CPU_MODEL=corei7_skylake_x ; CPUS=2 ; MEGS=1024 ; TIMEOUT=1200
EST=115   # measured in make check on a clean clone (2026-11-26, idle pCPUs halting), beside one other emulator
HV_CMDLINE="console=com2"
MODULES=( "build/kernel/vmlinuz|console=ttyS0,115200 quiet panic=-1 e2e.cpus=2" "$SCEN_DIR/initrd.img|initrd" )
EXPECT=( '^sos-boot: reached /init' '^sos-check: cpus ok' '^sos-check: cpuid ok' '^sos-check: timer ok'
         '^sos-check: disk ok' '^sos-check: nic ok' '^sos-check: upcall-function ok'
         '^sos-check: hv-uart-hidden ok' '^sos-boot: done'
         'sos: pcpu0: running Service VM vCPU 0' 'vCPU 1: started by SIPI at 0x[0-9a-f]+' )
FAIL_ON='sos-check: [a-z-]+ FAIL|Kernel panic|PANIC|VM entry failed|interrupt untaken for|Triple fault|triple fault'
WATCH="com1 com2"
CHECK=1 ; BENCH=0
# The hypervisor shell queried while the Service VM runs (polled from the 10 ms tick on pCPU 0):
# typed once Linux has both CPUs up, answered before /init powers off.
HV_SHELL_TIMEOUT=60
HV_SHELL=(
  '^sos-check: cpus ok|vm_list|^0 +service-vm +2 +Service VM$'
  '|vcpu_list|(?s)^0 +0 +[0-9]+ +running +[0-9]+$.*^0 +1 +[0-9]+ +running +[0-9]+$'
  '|dump_ioapic|(?s)^IOAPIC ([0-9]+) \(MADT\) at 0xfec00000: id \1, .*^  [0-9]+ +[0-9]+ +0x[0-9a-f]{2} +fixed +(phys|log) +(high|low) +(edge|level) +no '
)
BOCHS_EXTRA="ata0-slave: type=disk, path=$SCEN_DIR/disk.img, mode=flat"
prepare() {
  . "$TOP/tests/e2e/lib/initramfs.sh"
  gcc -static -O2 -Wall -Wextra -Werror -o "$SCEN_DIR/acrn-cpuid" "$TOP/tests/e2e/sos/acrn-cpuid.c" || return 1
  # A flat disk whose size Bochs accepts (a multiple of 16 heads x 63 sectors x 512 bytes),
  # with a known string in sector 1.
  rm -f "$SCEN_DIR/disk.img.lock"    # left behind when a Bochs run is killed
  dd if=/dev/zero of="$SCEN_DIR/disk.img" bs=516096 count=4 2>/dev/null
  printf 'ACRN-E2E-DISK-SECTOR-1' | dd of="$SCEN_DIR/disk.img" bs=512 seek=1 conv=notrunc 2>/dev/null
  e2e_build_initramfs "$SCEN_DIR/initrd.img" "$TOP/tests/e2e/sos/init" \
    --add "$SCEN_DIR/acrn-cpuid:/bin/acrn-cpuid" --modules ata_piix,sd_mod,ne2k-pci
}

# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="Service VM runs the uos-minimal client: a User VM (real -> protected -> long mode) doing PIO, MMIO, PCI config, IOAPIC and MSI interrupts through the VHM; 50x create/destroy without leaks; kill -9 mid-run; refused hypercalls (ring 3, User VM, GPAs in the hypervisor, IOREQ buffer outside RAM)"
CPU_MODEL=corei7_skylake_x ; CPUS=1 ; MEGS=1024 ; TIMEOUT=2400
EST=112   # measured in make check on a clean clone (2026-11-26, idle pCPUs halting), beside one other emulator
# VPIDs from 65500: the 50x create/destroy loop crosses the 16-bit wrap (VPID 0 is skipped,
# reused VPIDs are invalidated); the hypervisor says so once.
HV_CMDLINE="console=com2 vpid_first=65500"
UOS_CMDLINE="console=ttyS0,115200 quiet panic=-1 cryptomgr.notests"
MODULES=( "build/kernel/vmlinuz|$UOS_CMDLINE" "$SCEN_DIR/initrd.img|initrd" )
EXPECT=( '^uos-minimal: reached /init' '^uos-check: vhm-loaded ok' '^uos-check: hcprobe-loaded ok'
         '^uos-check: hypercall-probe-works ok'
         '^PASS uos-minimal/ring3_vmcall_get_api_version_gp' '^uos-check: ring3 ok'
         '^PASS uos-minimal/step_long_mode' '^PASS uos-minimal/mmio_read64' '^PASS uos-minimal/pcicfg_read32'
         '^PASS uos-minimal/irqline_woke_hlt' '^PASS uos-minimal/msi_woke_hlt'
         '^PASS uos-minimal/user_vm_vmcall_create_vm_refused' '^PASS uos-minimal/guest_checks'
         '^uos-check: run ok'
         '^uos-check: hc-api-version-gpa-in-hv ok' '^uos-check: hc-create-vm-gpa-in-hv ok'
         '^uos-check: ioreq-buffer-in-hv ok' '^uos-check: ioreq-buffer-above-ram ok'
         '^uos-check: ioreq-buffer-ram-page-accepted ok' '^uos-check: kill-created-leaves-no-vm ok'
         '^uos-check: kill-leaves-no-vm ok' '^uos-check: kill-pins ok'
         '^uos-check: hv-alive-after-negative-checks ok'
         '^PASS uos-minimal/create_destroy_loop \(50 runs\)' '^uos-check: loop ok'
         'VPIDs wrapped: handing them out again from 1'
         '^uos-check: loop-memfree ok' '^uos-check: loop-pins ok' '^uos-check: loop-hv-mem-stats ok'
         '^uos-check: hv-alive-at-end ok' '^uos-check: kernel-clean ok' '^uos-minimal: done' )
FAIL_ON='uos-check: [a-z0-9-]+ FAIL|FAIL uos-minimal/|Kernel panic|PANIC|VM entry failed|interrupt untaken for|Triple fault|triple fault|BUG:|Oops'
WATCH="com1 com2"
# The hypervisor's own view (tests/e2e/lib/serial_peer.py types into its shell): vm_list lists
# the --hold client's User VM while it runs, and no User VM once the client was killed (the
# init stays busy for 10 s after each of those two lines).
HV_SHELL_TIMEOUT=60
HV_SHELL=(
  '^uos-check: hold-running ok|vm_list|^[0-9]+ +.*User VM$'
  '^uos-check: kill-leaves-no-vm|vm_list|(?s)Service VM$(?:(?!User VM).)*ACRN:\\>'
)
# One pCPU: the User VM's vCPU shares pCPU 0 with the Service VM (the shared policy).
CHECK=1 ; BENCH=0
prepare() {
  . "$TOP/tests/e2e/lib/initramfs.sh"
  make --no-print-directory -C "$TOP/tests/e2e/uos" O="$SCEN_DIR/uos" all hcprobe || return 1
  make --no-print-directory -C "$TOP/kernel-modules/vhm" O="$SCEN_DIR/vhm" || return 1
  e2e_build_initramfs "$SCEN_DIR/initrd.img" "$TOP/tests/e2e/uos/init" \
    --add "$SCEN_DIR/uos/uos-minimal:/bin/uos-minimal" \
    --add "$SCEN_DIR/uos/hcprobe.ko:/lib/uos/hcprobe.ko" \
    --add "$SCEN_DIR/vhm/acrn_vhm.ko:/lib/uos/acrn_vhm.ko"
}

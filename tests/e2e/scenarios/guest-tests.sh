# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="Service VM boots each in-tree test guest (tests/guest: cpu, apic, exceptions, mmio, ioapic, virtio with 1 vCPU, smp with 2 on 2 pCPUs) as a User VM with acrn-dm -E and -s 2,testdev (virtio also -s 3,virtio-rnd, and acrn-dm must log one NEEDS_RESET line per hostile case); each must print SUMMARY: N passed, 0 failed with N its declared plan, and acrn-dm must exit 0 after the guest's ACPI power-off"
CPU_MODEL=corei7_skylake_x ; CPUS=2 ; MEGS=1024 ; TIMEOUT=1800
EST=198   # measured in make check on a clean clone (2026-11-26, idle pCPUs halting), beside one other emulator
HV_CMDLINE="console=com2"
# E2E_GUESTS=name:vcpus,... runs a subset (while working on one guest); EXPECT follows it.
GUESTS="${E2E_GUESTS:-cpu:1,apic:1,exceptions:1,mmio:1,ioapic:1,virtio:1,smp:2}"
SOS_CMDLINE="console=ttyS0,115200 quiet panic=-1 cryptomgr.notests e2e.guests=$GUESTS e2e.guest_timeout=${E2E_GUEST_TIMEOUT:-300}"
MODULES=( "build/kernel/vmlinuz|$SOS_CMDLINE" "$SCEN_DIR/initrd.img|initrd" )
EXPECT=( '^guest-tests: reached Service VM /init' )
for _g in ${GUESTS//,/ }; do EXPECT+=( "^guest-tests: ${_g%%:*}-${_g#*:}vcpu ok " ); done
EXPECT+=( '^guest-tests: done' )
FAIL_ON='guest-tests: [a-z0-9-]+ FAIL|Kernel panic|PANIC|VM entry failed|interrupt untaken for'
WATCH="com1 com2"
CHECK=1 ; BENCH=0
prepare() {
  . "$TOP/tests/e2e/lib/initramfs.sh"
  e2e_build_dm_vhm || return 1
  make --no-print-directory -C "$TOP/tests/guest" O="$SCEN_DIR/guest" >/dev/null || return 1
  local adds=() g
  for g in $(tr ',' '\n' <<<"$GUESTS" | sed 's/:.*//' | sort -u); do
    adds+=( --add "$SCEN_DIR/guest/$g.elf:/guest/$g.elf" --add "$SCEN_DIR/guest/$g.plan:/guest/$g.plan" )
  done
  e2e_build_initramfs "$SCEN_DIR/initrd.img" "$TOP/tests/e2e/guest-tests/sos-init" \
    --add "$SCEN_DIR/dm/acrn-dm:/bin/acrn-dm" --add "$SCEN_DIR/vhm/acrn_vhm.ko:/lib/uos/acrn_vhm.ko" "${adds[@]}"
}

# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="VM management end to end (issue #7): in the Service VM, acrnctl adds a launch script, starts it (the ticker test guest), lists it running, pauses it (no output) and continues it (output again), runs a second VM on the other pCPU beside it, stops it (power button, guest ACPI power-off, acrn-dm exits 0) and deletes it; commands on a VM that does not exist exit 1 with one line on stderr; acrnlog reads the hypervisor's log buffer (banner; after -c only new lines; -f follows VM creation and destruction)"
CPU_MODEL=corei7_skylake_x ; CPUS=2 ; MEGS=1024 ; TIMEOUT=1200
EST=328   # measured in make check on a clean clone (2026-11-26, idle pCPUs halting), beside one other emulator
HV_CMDLINE="console=com2"
SOS_CMDLINE="console=ttyS0,115200 quiet panic=-1 cryptomgr.notests"
MODULES=( "build/kernel/vmlinuz|$SOS_CMDLINE" "$SCEN_DIR/initrd.img|initrd" )
EXPECT=( '^acrnctl: reached Service VM /init'
         '^acrnctl-check: acrnlog-read ok .*banner .ACRN hypervisor '
         '^acrnctl-check: add ok ' '^acrnctl-check: start-vm1 ok ' '^acrnctl-check: list-running ok '
         '^acrnctl-check: acrnlog-mark ok '
         '^acrnctl-check: pause ok ' '^acrnctl-check: pause-again ok ' '^acrnctl-check: continue ok '
         '^acrnctl-check: start-vm2 ok ' '^acrnctl-check: second-vm ok '
         '^acrnctl-check: stop-vm1 ok ' '^acrnctl-check: vm2-unaffected ok ' '^acrnctl-check: acrnlog-follow ok '
         '^acrnctl-check: not-running ok '
         '^acrnctl-check: del ok ' '^acrnctl-check: nosuchvm ok '
         '^acrnctl-check: prio-normal-shares ok ' '^acrnctl-check: prio-high-first ok ' '^acrnctl-check: prio-high-gone ok '
         '^acrnctl-check: stop-vm2 ok ' '^acrnctl-check: clean ok ' '^acrnctl-check: cr2-kept ok '
         '^acrnctl: done \(0 failed\)' )
FAIL_ON='acrnctl-check: [a-z0-9-]+ FAIL|Kernel panic|PANIC|VM entry failed|interrupt untaken for'
WATCH="com1 com2"
CHECK=1 ; BENCH=0
prepare() {
  . "$TOP/tests/e2e/lib/initramfs.sh"
  e2e_build_dm_vhm || return 1
  make --no-print-directory -C "$TOP/tools/acrnctl" O="$SCEN_DIR/tools" EXTRA_CFLAGS=-static || return 1
  make --no-print-directory -C "$TOP/tools/acrnlog" O="$SCEN_DIR/tools" EXTRA_CFLAGS=-static || return 1
  ! ldd "$SCEN_DIR/tools/acrnctl" >/dev/null 2>&1 || { echo "acrnctl is not static"; return 1; }
  ! ldd "$SCEN_DIR/tools/acrnlog" >/dev/null 2>&1 || { echo "acrnlog is not static"; return 1; }
  make --no-print-directory -C "$TOP/tests/guest" O="$SCEN_DIR/guest" "$SCEN_DIR/guest/ticker.elf" >/dev/null || return 1
  e2e_build_initramfs "$SCEN_DIR/initrd.img" "$TOP/tests/e2e/acrnctl/sos-init" \
    --add "$SCEN_DIR/dm/acrn-dm:/bin/acrn-dm" --add "$SCEN_DIR/tools/acrnctl:/bin/acrnctl" \
    --add "$SCEN_DIR/tools/acrnlog:/bin/acrnlog" \
    --add "$SCEN_DIR/vhm/acrn_vhm.ko:/lib/uos/acrn_vhm.ko" --add "$SCEN_DIR/guest/ticker.elf:/guest/ticker.elf"
}

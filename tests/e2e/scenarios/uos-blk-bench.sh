# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="virtio-blk read throughput: the Service VM reads a 64 MiB pattern image on tmpfs (file -- read(), and preadv() into separate pages as acrn-dm does -- then loop device O_DIRECT and buffered), then a User VM reads the same image as /dev/vda through acrn-dm (O_DIRECT 128 KiB and 1 MiB sequential and 4 KiB random at the same offsets, then buffered sequential, then a file in its own tmpfs); a compute loop timed in both VMs; every byte checked, read() calls timed with RDTSC"
CPU_MODEL=corei7_skylake_x ; CPUS=1 ; MEGS=1024 ; TIMEOUT=3600
HV_CMDLINE="console=com2"
SOS_CMDLINE="console=ttyS0,115200 quiet panic=-1 e2e.hz=${IPS:-80000000} e2e.mib=64 e2e.nrand=2048 e2e.uos_timeout=${E2E_UOS_TIMEOUT:-900}"
MODULES=( "build/kernel/vmlinuz|$SOS_CMDLINE" "$SCEN_DIR/initrd.img|initrd" )
EXPECT=( '^uos-blk: reached Service VM /init' '^uos-blk-check: vhm ok' '^uos-blk-check: gen ok'
         '^BENCH sos_blk_seq_mibps [0-9.]+ MiB/s' '^uos-blk-check: sos-seqv1m ok' '^BENCH sos_blk_rand4k_iops [0-9]+ IOPS'
         '^uos-blk-check: sos-loop-seq1m ok' '^uos-blk-check: sos-loop-rand ok' '^uos-blk-check: sos-loop-buffered ok' '^BENCH sos_spin_ticks'
         '^uos-blk: reached /init' '^BENCH uos_spin_ticks' '^uos-blk-check: vda ok'
         '^BENCH uos_blk_seq_mibps [0-9.]+ MiB/s' '^uos-blk-check: uos-seq ok' '^uos-blk-check: uos-seq1m ok'
         '^BENCH uos_blk_rand4k_iops [0-9]+ IOPS' '^uos-blk-check: uos-rand ok'
         '^uos-blk-check: uos-buffered-seq ok' '^uos-blk-check: uos-tmpfs ok' '^uos-blk-check: dm-exit ok' '^uos-blk: done' )
FAIL_ON='Kernel panic|PANIC|VM entry failed|interrupt untaken for|Triple fault|device needs reset|uos-blk-check: .* FAIL'
WATCH="com1 com2"
CHECK=0 ; BENCH=1
prepare() {
  . "$TOP/tests/e2e/lib/initramfs.sh"
  e2e_build_dm_vhm || return 1
  gcc -static -O2 -Wall -Wextra -Werror -o "$SCEN_DIR/blkread" "$TOP/tests/e2e/uos-blk/blkread.c" || return 1
  "$TOP/misc/mkinitramfs.sh" "$SCEN_DIR/uos-initrd.img" --init "$TOP/tests/e2e/uos-blk/uos-init" \
    --modules virtio_pci,virtio_blk --add "$SCEN_DIR/blkread:/bin/blkread" || return 1
  e2e_build_initramfs "$SCEN_DIR/initrd.img" "$TOP/tests/e2e/uos-blk/sos-init" \
    --modules loop \
    --add "$SCEN_DIR/blkread:/bin/blkread" \
    --add "$SCEN_DIR/dm/acrn-dm:/bin/acrn-dm" \
    --add "$SCEN_DIR/vhm/acrn_vhm.ko:/lib/uos/acrn_vhm.ko" \
    --add "$TOP/build/kernel/vmlinuz:/uos/vmlinuz" \
    --add "$SCEN_DIR/uos-initrd.img:/uos/initrd.img"
}

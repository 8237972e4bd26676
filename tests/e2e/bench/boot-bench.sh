# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # sourced by the *-boot-bench.sh scenarios
#
# What the boot benchmarks share, so that the native and the hypervisor boot differ only in the
# hypervisor: kernel, kernel command line, initramfs (its /init is tests/e2e/bench/boot-init.c),
# CPU model, CPU count and memory.  doc/performance.md explains the figures.

BOOT_BENCH_KERNEL=build/kernel/vmlinuz
# tsc_early_khz: the TSC rate Bochs really has (IPS, one tick per instruction).  Without it the
# native kernel believes CPUID leaf 0x16 (3.5 GHz) and its delay loops run 44 times too long,
# while under the hypervisor it gets the calibrated rate: the two boots would not do the same work.
BOOT_BENCH_CMDLINE="console=ttyS0,115200 quiet panic=-1 tsc_early_khz=$((IPS / 1000))"
BOOT_BENCH_HV_CMDLINE="console=com2"
CPU_MODEL=corei7_skylake_x ; CPUS=1 ; MEGS=1024

# boot_bench_initramfs: $SCEN_DIR/initrd.img, busybox image whose /init is boot-init.
boot_bench_initramfs() {
  . "$TOP/tests/e2e/lib/initramfs.sh"
  gcc -static -O2 -Wall -Wextra -Werror -o "$SCEN_DIR/boot-init" "$TOP/tests/e2e/bench/boot-init.c" || return 1
  e2e_build_initramfs "$SCEN_DIR/initrd.img" "$SCEN_DIR/boot-init"
}

# boot_bench_tsc_bzimage OUT: tsc-bzimage.S, padded to the size of the benchmark kernel.
boot_bench_tsc_bzimage() {
  local size
  size=$(stat -c %s "$TOP/$BOOT_BENCH_KERNEL") || return 1
  gcc -m32 -c -DFILE_SIZE="$size" -o "$SCEN_DIR/tsc-bzimage.o" "$TOP/tests/e2e/bench/tsc-bzimage.S" || return 1
  ld -m elf_i386 -Ttext=0 --oformat binary -o "$1" "$SCEN_DIR/tsc-bzimage.o"
}

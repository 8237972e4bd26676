# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="the UEFI image of misc/mkimage.sh in Bochs: Debian's OVMF.fd as the ROM boots acrn.efi from the GPT disk on ata0, acrn.efi loads the hypervisor, kernel and initrd, the hypervisor starts the Service VM, whose /init checks CPUs, the ACRN CPUID leaves, the boot disk, the upcall function and the hidden hypervisor UART"
# 407 s with 4 emulators on the host's 2 cores, 824 s with 7: the timeout leaves room for that.
CPU_MODEL=corei7_skylake_x ; CPUS=1 ; MEGS=1024 ; TIMEOUT=1500
# OVMF without QEMU's fw_cfg publishes no ACPI tables: the hypervisor runs on the boot CPU only
# (doc/uefi.md, "Booting the image in Bochs"), hence one CPU.
ROMIMAGE=/usr/share/ovmf/OVMF.fd
BOOT_DISK=$SCEN_DIR/disk.img
SOS_CMDLINE="console=ttyS0,115200 quiet panic=-1 e2e.cpus=1"
# acrn.efi reports each file with its size; the hypervisor and kernel are the build's own.
EXPECT=( 'BdsDxe: starting Boot[0-9A-F]+ .*Ata\(Primary,Master'
         '^acrn\.efi: loaded \\EFI\\acrn\\acrn\.conf \([0-9]+ bytes\)'
         "^acrn\\.efi: loaded \\\\EFI\\\\acrn\\\\acrn\\.32\\.out \\($(stat -c %s "$TOP/build/hypervisor/acrn.32.out" 2>/dev/null) bytes\\)"
         "^acrn\\.efi: loaded \\\\EFI\\\\acrn\\\\bzImage \\($(stat -c %s "$TOP/build/kernel/vmlinuz" 2>/dev/null) bytes\\)"
         '^acrn\.efi: loaded \\EFI\\acrn\\initrd\.img \([0-9]+ bytes\)'
         '^acrn\.efi: starting the hypervisor at 0x'
         '^ACRN hypervisor ' "boot loader: acrn\\.efi \\(multiboot2\\), command line: 'console=com2'"
         "sos: command line: $SOS_CMDLINE" 'sos: pcpu0: running Service VM vCPU 0'
         '^efi-sos: reached /init' '^efi-sos-check: cpus ok' '^efi-sos-check: cpuid ok'
         '^efi-sos-check: boot-disk ok' '^efi-sos-check: upcall-function ok'
         '^efi-sos-check: hv-uart-hidden ok' '^efi-sos: done' )
FAIL_ON='efi-sos-check: [a-z-]+ FAIL|acrn\.efi: error|Kernel panic|PANIC|VM entry failed|interrupt untaken for|Triple fault|triple fault'
WATCH="com1 com2"
CHECK=0 ; BENCH=0
prepare() {
  . "$TOP/tests/e2e/lib/initramfs.sh"
  gcc -static -O2 -Wall -Wextra -Werror -o "$SCEN_DIR/acrn-cpuid" "$TOP/tests/e2e/sos/acrn-cpuid.c" || return 1
  make --no-print-directory -C "$TOP/efi-stub" O="$SCEN_DIR/efi" || return 1
  e2e_build_initramfs "$SCEN_DIR/initrd.img" "$TOP/tests/e2e/sos/efi-init" \
    --add "$SCEN_DIR/acrn-cpuid:/bin/acrn-cpuid" --modules ata_piix,sd_mod || return 1
  rm -f "$SCEN_DIR/disk.img.lock"    # left behind when a Bochs run is killed
  # 63 MiB = 128 cylinders of 16 heads x 63 sectors: Bochs takes the flat image's geometry
  # from its size, and the backup GPT in the last sector stays reachable.
  "$TOP/misc/mkimage.sh" -o "$SCEN_DIR/disk.img" --size 63 --efi "$SCEN_DIR/efi/acrn.efi" \
    --hv "$TOP/build/hypervisor/acrn.32.out" --hv-cmdline "console=com2" \
    --kernel "$TOP/build/kernel/vmlinuz" --initrd "$SCEN_DIR/initrd.img" --cmdline "$SOS_CMDLINE"
}

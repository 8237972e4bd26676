# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="Service VM runs acrn-dm --ovmf (Debian's OVMF) with a virtio-blk disk image: OVMF boots GRUB from the EFI system partition, GRUB the Debian kernel + the uos-linux initramfs; the User VM's init runs the uos-linux checks and powers off (acrn-dm exits 0)"
UOS_MEM=512
# UOS_OVMF_BOOTS (set by uos-ovmf-reboot): 1 = power off after the checks; 2 = reboot once first (acrn-dm resets the
# VM: OVMF, GRUB and the kernel run again, the second boot is seen through the CMOS marker).
UOS_BOOTS=${UOS_OVMF_BOOTS:-1}
CPU_MODEL=corei7_skylake_x ; CPUS=1 ; MEGS=1024 ; TIMEOUT=3000
EST=160   # measured in make check on a clean clone (2026-11-26, idle pCPUs halting), beside one other emulator
HV_CMDLINE="console=com2"
SOS_CMDLINE="console=ttyS0,115200 quiet panic=-1 cryptomgr.notests e2e.uos_mem=$UOS_MEM e2e.uos_timeout=${E2E_UOS_TIMEOUT:-1800}"
MODULES=( "build/kernel/vmlinuz|$SOS_CMDLINE" "$SCEN_DIR/initrd.img|initrd" )
EXPECT=( '^uos-ovmf: reached Service VM /init' '^uos-linux-check: vhm-loaded ok' '^uos-linux-check: vhm-device ok'
         'uos-ovmf: GRUB loads the kernel' '^uos-linux: reached /init \(cpus=1 '
         '^uos-linux-check: cpus-1 ok' '^uos-linux-check: mem ok' '^uos-linux-check: acpi ok'
         '^uos-linux-check: rtc ok' '^uos-linux-check: sleep ok' '^uos-linux-check: kernel-clean ok'
         '^uos-linux: powering off' '^uos-linux-check: dm-exit ok'
         '^uos-linux-check: sos-kernel-clean ok' '^uos-ovmf: done' )
if [ "$UOS_BOOTS" = 2 ]; then
  EXPECT+=( '^uos-linux: rebooting' '^uos-linux: second boot \(cpus=1\)' )
fi
FAIL_ON='Kernel panic|PANIC|VM entry failed|interrupt untaken for|Triple fault|uos-linux-check: .* FAIL|Segmentation fault'
WATCH="com1 com2"
CHECK=1 ; BENCH=0
# The RAM OVMF keeps for itself (runtime services, ACPI NVS, reserved pages) is missing from
# the User VM's e820: the mem check allows this much besides the legacy hole.
# (GRUB's line starts with its terminal escape sequences: no ^ in its EXPECT.)
UOS_FWRAM_KIB=16384

# uos_ovmf_disk OUT NOWOFF: a GPT disk image with one EFI system partition (FAT) holding
# \EFI\BOOT\BOOTX64.EFI (a standalone GRUB whose embedded configuration loads /e2e/grub.cfg
# from the partition), /e2e/vmlinuz and /e2e/initrd.img; the byte offset in OUT of the ten
# zeros after "e2e.now=" in /e2e/grub.cfg goes to NOWOFF.
uos_ovmf_disk() {
  local out=$1 nowoff=$2 d=$SCEN_DIR/disk
  rm -rf "$d" && mkdir -p "$d" || return 1
  cat > "$d/embed.cfg" <<'CFG'
search --no-floppy --file --set=root /e2e/grub.cfg
configfile /e2e/grub.cfg
CFG
  cat > "$d/grub.cfg" <<CFG
echo "uos-ovmf: GRUB loads the kernel"
linux /e2e/vmlinuz console=ttyS0,115200 quiet panic=-1 cryptomgr.notests e2e.cpus=1 e2e.mem=$UOS_MEM e2e.boots=$UOS_BOOTS e2e.fwram=$UOS_FWRAM_KIB e2e.now=0000000000
initrd /e2e/initrd.img
boot
CFG
  grub-mkstandalone -O x86_64-efi -o "$d/BOOTX64.EFI" \
    --install-modules="normal configfile search search_fs_file part_gpt fat linux echo boot" \
    --modules="part_gpt fat" --locales= --fonts= --themes= "boot/grub/grub.cfg=$d/embed.cfg" || return 1
  # 32 MiB partition at 1 MiB; 1 MiB after it for the backup GPT.
  truncate -s 32M "$d/esp.img" && mkfs.vfat -n UOSESP "$d/esp.img" >/dev/null || return 1
  export MTOOLS_SKIP_CHECK=1
  mmd -i "$d/esp.img" ::/EFI ::/EFI/BOOT ::/e2e &&
    mcopy -i "$d/esp.img" "$d/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI &&
    mcopy -i "$d/esp.img" "$d/grub.cfg" ::/e2e/grub.cfg &&
    mcopy -i "$d/esp.img" "$TOP/build/kernel/vmlinuz" ::/e2e/vmlinuz &&
    mcopy -i "$d/esp.img" "$SCEN_DIR/uos-initrd.img" ::/e2e/initrd.img || return 1
  rm -f "$out" && truncate -s 34M "$out" || return 1
  printf 'label: gpt\nstart=2048, size=65536, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="ESP"\n' |
    sfdisk -q "$out" || return 1
  dd if="$d/esp.img" of="$out" bs=1M seek=1 conv=notrunc status=none || return 1
  local hit
  hit=$(grep -obUa 'e2e\.now=0000000000' "$out" | head -n1 | cut -d: -f1)
  [ -n "$hit" ] || { echo "uos-ovmf: e2e.now placeholder not found in $out"; return 1; }
  echo $((hit + 8)) > "$nowoff"
}

prepare() {
  . "$TOP/tests/e2e/lib/initramfs.sh"
  e2e_build_dm_vhm || return 1
  "$TOP/misc/mkinitramfs.sh" "$SCEN_DIR/uos-initrd.img" --init "$TOP/tests/e2e/uos-linux/uos-init" || return 1
  uos_ovmf_disk "$SCEN_DIR/disk.img" "$SCEN_DIR/now.off" || return 1
  # Debian's split image as one: the variable store first, the code (reset vector) at the end.
  cat /usr/share/OVMF/OVMF_VARS.fd /usr/share/OVMF/OVMF_CODE.fd > "$SCEN_DIR/OVMF.fd" || return 1
  e2e_build_initramfs "$SCEN_DIR/initrd.img" "$TOP/tests/e2e/uos-ovmf/sos-init" \
    --add "$SCEN_DIR/dm/acrn-dm:/bin/acrn-dm" \
    --add "$SCEN_DIR/vhm/acrn_vhm.ko:/lib/uos/acrn_vhm.ko" \
    --add "$SCEN_DIR/OVMF.fd:/uos/OVMF.fd" \
    --add "$SCEN_DIR/disk.img:/uos/disk.img" \
    --add "$SCEN_DIR/now.off:/uos/now.off"
}

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# End-to-end tests of acrn.efi: a GPT disk image made by misc/mkimage.sh boots
# in QEMU (TCG) with OVMF; the logs of both serial ports are checked.
#
# Usage: tests/e2e/efi/run.sh [scenario...]      default: every scenario
#        tests/e2e/efi/run.sh --list
# Prints "PASS <name> (<s>s)" or "FAIL <name> (<reason>; logs: <dir>)" per scenario and
# exits 1 if any failed.  Logs stay in build/e2e/efi-<name>/ (com1.log: firmware console
# incl. acrn.efi's lines, com2.log: hypervisor console, qemu.log, ovmf-debug.log).
#
# Scenarios:
#   efi-boot            OVMF -> acrn.efi -> hypervisor: loaded lines with the right sizes,
#                       banner, memory size within 2% of 1024 MiB, ACPI CPUs (2 given),
#                       loader name and command line, modules, "VMX not supported", "halted"
#   efi-missing-kernel  kernel= names a file not on the ESP: one error line naming it,
#                       nothing from the hypervisor, the firmware's boot manager goes on
#   efi-bad-hv          hypervisor= names a file that is not an ELF: one error line, no jump
#   efi-nvs-overlap     S3 enabled, so OVMF keeps ACPI NVS at 0x800000 inside the
#                       hypervisor's link range: acrn.efi refuses instead of overwriting it
#   efi-selftest        acrn.efi started from the UEFI shell as \EFI\test\acrn.efi reads the
#                       acrn.conf beside it (relative and '/' paths) and loads the e2e self-test
#                       kernel (tests/e2e/selftest, linked at 1 MiB in free memory: placed
#                       directly, not staged), which echoes its command line and each module's
#                       command line and exact size from the multiboot2 information
#   efi-secureboot      Secure Boot OVMF (Debian's snakeoil keys enrolled): the unsigned
#                       acrn.efi is refused, the one signed with sbsign boots the hypervisor
# QEMU's TCG has no VMX, so the hypervisor stops at its VMX check: that is the expected end.
# Environment: BUILD (default build/), EFI_E2E_TIMEOUT (seconds per boot, default 90).
set -uo pipefail

top=$(cd "$(dirname "$0")/../../.." && pwd)
build=${BUILD:-$top/build}
timeout_s=${EFI_E2E_TIMEOUT:-90}
ovmf=/usr/share/ovmf/OVMF.fd
all=(efi-boot efi-missing-kernel efi-bad-hv efi-nvs-overlap efi-selftest efi-secureboot)

case ${1:-} in
  --list) printf '%s\n' "${all[@]}"; exit 0 ;;
  -h|--help) sed -n '4,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
names=("$@")
[ ${#names[@]} -gt 0 ] || names=("${all[@]}")

qemu_pid=''
cleanup() { [ -z "$qemu_pid" ] || kill "$qemu_pid" 2>/dev/null; }
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

# ---------------------------------------------------------------- inputs
prep_log=$build/e2e/efi-prepare.log
hv=$build/e2e/efi-acrn.32.out
kernel=$build/e2e/efi-vmlinuz
prepare() {
  mkdir -p "$build/e2e"
  : > "$prep_log"
  if [ ! -f "$build/hypervisor/acrn.32.out" ]; then
    make -C "$top/hypervisor" O="$build/hypervisor" >> "$prep_log" 2>&1 || { echo "hypervisor build failed"; return 1; }
  fi
  make -C "$top/efi-stub" O="$build/efi-stub" >> "$prep_log" 2>&1 || { echo "acrn.efi build failed"; return 1; }
  [ -f "$build/kernel/vmlinuz" ] || { echo "no $build/kernel/vmlinuz (run misc/deps.sh)"; return 1; }
  # Snapshots: a rebuild by somebody else during the run must not change what is checked.
  cp "$build/hypervisor/acrn.32.out" "$hv" && cp "$build/kernel/vmlinuz" "$kernel" ||
    { echo "cannot copy the hypervisor and kernel"; return 1; }
  [ -f "$ovmf" ] || { echo "no $ovmf (package ovmf)"; return 1; }
  command -v qemu-system-x86_64 >/dev/null || { echo "no qemu-system-x86_64"; return 1; }
  # Any small initrd will do: acrn.efi only loads it and passes it on.
  local d=$build/e2e/efi-initrd
  rm -rf "$d" && mkdir -p "$d/root"
  printf '#!/bin/sh\necho efi-e2e initrd\n' > "$d/root/init"
  chmod +x "$d/root/init"
  (cd "$d/root" && echo init | cpio -o -H newc --quiet | gzip -9) > "$build/e2e/efi-initrd.img" ||
    { echo "initrd build failed"; return 1; }
  return 0
}

# image DIR [mkimage args...]: the standard image for the scenarios
image() {
  local dir=$1; shift
  "$top/misc/mkimage.sh" -o "$dir/disk.img" --size 64 \
    --efi "$build/efi-stub/acrn.efi" --hv "$hv" \
    --hv-cmdline "console=com2" \
    --kernel "$kernel" --initrd "$build/e2e/efi-initrd.img" \
    --cmdline "console=ttyS0 efi-e2e" "$@" >> "$dir/prepare.log" 2>&1
}

# esp CMD ARGS...: mtools on the ESP inside DIR/disk.img (it starts at 1 MiB)
esp() { local cmd=$1 dir=$2; shift 2; MTOOLS_SKIP_CHECK=1 "$cmd" -i "$dir/disk.img@@1M" "$@"; }

# clean LOG: the text without terminal escapes and carriage returns
clean() { sed -e 's/\x1b\[[0-9;=?]*[A-Za-z]//g' -e 's/\r/\n/g' "$1" 2>/dev/null | grep -av '^$'; }

# boot DIR DONE_REGEX [qemu args...]: run until DONE_REGEX shows up in a serial log,
# QEMU exits, or the timeout; leaves com1.txt / com2.txt (cleaned logs) in DIR.
boot() {
  local dir=$1 done_re=$2 t=0; shift 2
  rm -f "$dir"/com1.log "$dir"/com2.log
  qemu-system-x86_64 -machine q35 -accel tcg -m 1024 -smp "${smp:-1}" ${ovmf:+-bios "$ovmf"} \
    -display none -monitor none -nic none -no-reboot \
    -serial "file:$dir/com1.log" -serial "file:$dir/com2.log" \
    -debugcon "file:$dir/ovmf-debug.log" -global isa-debugcon.iobase=0x402 \
    -drive "file=$dir/disk.img,format=raw" "$@" > "$dir/qemu.log" 2>&1 &
  qemu_pid=$!
  while kill -0 "$qemu_pid" 2>/dev/null; do
    if cat "$dir/com1.log" "$dir/com2.log" 2>/dev/null | clean /dev/stdin | grep -aqE "$done_re"; then
      sleep 1	# let the last lines reach the files
      break
    fi
    if [ "$t" -ge $((timeout_s * 2)) ]; then
      echo "timeout after ${timeout_s}s" > "$dir/timeout"
      break
    fi
    sleep 0.5
    t=$((t + 1))
  done
  kill "$qemu_pid" 2>/dev/null
  wait "$qemu_pid" 2>/dev/null
  qemu_pid=''
  echo "boot until '$done_re': $((t / 2))s" >> "$dir/boot-times.log"
  clean "$dir/com1.log" > "$dir/com1.txt"
  clean "$dir/com2.log" > "$dir/com2.txt"
}

# Checks append to $why; a scenario passes when $why stays empty.
why=''
fail() { why=${why:+$why, }$1; }
has() { grep -aqE -- "$2" "$1" || fail "missing '$2' in $(basename "$1" .txt)"; }
hasnt() { ! grep -aqE -- "$2" "$1" || fail "unexpected '$(grep -aE -- "$2" "$1" | head -n1)' in $(basename "$1" .txt)"; }
# line_no FILE REGEX: first matching line number, or 0
line_no() { local n; n=$(grep -anE -- "$2" "$1" | head -n1 | cut -d: -f1); echo "${n:-0}"; }

# loaded FILE ESP_PATH HOST_FILE: acrn.efi's "loaded" line shows the file's exact size
loaded() {
  local re size
  re="acrn\.efi: loaded ${2//\\/\\\\} \\(([0-9]+) bytes\\)"
  size=$(grep -aoE -- "$re" "$1" | head -n1 | sed -E 's/.*\(([0-9]+) bytes\)/\1/')
  if [ -z "$size" ]; then fail "no 'loaded $2' line"
  elif [ "$size" != "$(stat -c %s "$3")" ]; then fail "$2 loaded with $size bytes, file has $(stat -c %s "$3")"
  fi
}

# ---------------------------------------------------------------- scenarios
# Without S3 OVMF gives its early work area at 0x800000 back as boot-services
# memory, which acrn.efi may overwrite once boot services are gone.
NO_S3=(-global ICH9-LPC.disable_s3=1)

scen_efi_boot() {
  local dir=$1 c1=$1/com1.txt c2=$1/com2.txt n
  image "$dir" || { fail "mkimage failed"; return; }
  smp=2 boot "$dir" '^halted' "${NO_S3[@]}"
  # acrn.conf is generated by mkimage: compare with the copy on the ESP
  esp mcopy "$dir" ::/EFI/acrn/acrn.conf "$dir/acrn.conf"
  loaded "$c1" '\EFI\acrn\acrn.conf' "$dir/acrn.conf"
  loaded "$c1" '\EFI\acrn\acrn.32.out' "$hv"
  loaded "$c1" '\EFI\acrn\bzImage' "$kernel"
  loaded "$c1" '\EFI\acrn\initrd.img' "$build/e2e/efi-initrd.img"
  has "$c1" 'acrn\.efi: framebuffer [0-9]+x[0-9]+, 32 bpp'
  hasnt "$c1" 'acrn\.efi: error'
  has "$c2" 'ACRN hypervisor'
  has "$c2" "boot loader: acrn\.efi \(multiboot2\), command line: 'console=com2'"
  n=$(grep -aoE 'memory: [0-9]+ MiB RAM' "$c2" | head -n1 | grep -oE '[0-9]+')
  if [ -z "$n" ]; then fail "no 'memory: N MiB RAM' line"
  # within 2% of 1024 MiB: |N - 1024| * 100 <= 2 * 1024
  elif [ $(( (n > 1024 ? n - 1024 : 1024 - n) * 100 )) -gt 2048 ]; then fail "memory: $n MiB, not within 2% of 1024"
  fi
  has "$c2" 'memory: [0-9]+ MiB RAM in [0-9]+ ranges, 2 boot modules'
  has "$c2" 'ACPI: 2 CPUs'
  has "$c2" 'VMX not supported'
  if [ "$(line_no "$c2" '^halted')" -le "$(line_no "$c2" 'VMX not supported')" ]; then
    fail "no 'halted' after 'VMX not supported'"
  fi
  hasnt "$c2" 'PANIC|Triple fault|boot information incomplete'
}

scen_efi_missing_kernel() {
  local dir=$1 c1=$1/com1.txt c2=$1/com2.txt e
  image "$dir" || { fail "mkimage failed"; return; }
  esp mdel "$dir" ::/EFI/acrn/bzImage || { fail "mdel failed"; return; }
  boot "$dir" 'Shell>|starting Boot[0-9A-F]+ "EFI Internal Shell"' "${NO_S3[@]}"
  [ "$(grep -ac 'acrn\.efi: error' "$c1")" = 1 ] || fail "expected exactly one acrn.efi error line, got $(grep -ac 'acrn\.efi: error' "$c1")"
  has "$c1" 'acrn\.efi: error: cannot open \\EFI\\acrn\\bzImage: Not Found'
  e=$(line_no "$c1" 'acrn\.efi: error')
  # the firmware's boot manager is back in charge after the error
  if [ "$e" = 0 ] || [ "$(line_no "$c1" 'BdsDxe: failed to start .*HARDDISK')" -le "$e" ] ||
     [ "$(line_no "$c1" 'EFI Internal Shell|Shell>')" -le "$e" ]; then
    fail "firmware boot manager did not resume after the error"
  fi
  hasnt "$c2" 'ACRN hypervisor'
  hasnt "$c1" 'starting the hypervisor'
}

scen_efi_bad_hv() {
  local dir=$1 c1=$1/com1.txt c2=$1/com2.txt
  # a text file in place of the hypervisor
  printf 'this is not an ELF file\n' > "$dir/not-elf"
  image "$dir" --hv "$dir/not-elf" || { fail "mkimage failed"; return; }
  boot "$dir" 'Shell>|starting Boot[0-9A-F]+ "EFI Internal Shell"' "${NO_S3[@]}"
  has "$c1" 'acrn\.efi: error: \\EFI\\acrn\\acrn\.32\.out: not a usable hypervisor image: not an ELF file'
  [ "$(grep -ac 'acrn\.efi: error' "$c1")" = 1 ] || fail "expected exactly one acrn.efi error line"
  has "$c1" 'BdsDxe: failed to start .*HARDDISK'
  hasnt "$c2" 'ACRN hypervisor'
}

scen_efi_nvs_overlap() {
  local dir=$1 c1=$1/com1.txt c2=$1/com2.txt
  image "$dir" || { fail "mkimage failed"; return; }
  boot "$dir" 'Shell>|starting Boot[0-9A-F]+ "EFI Internal Shell"'
  has "$c1" 'acrn\.efi: error: hypervisor range 0x400000-0x[0-9A-F]+ overlaps firmware memory 0x[0-9A-F]+-0x[0-9A-F]+ \(UEFI type 10\)'
  has "$c1" 'BdsDxe: failed to start .*HARDDISK'
  hasnt "$c2" 'ACRN hypervisor'
}

scen_efi_selftest() {
  local dir=$1 c1=$1/com1.txt c2=$1/com2.txt src=$top/tests/e2e/selftest
  # the same build as tests/e2e/lib/selftest.sh
  gcc -m32 -std=gnu11 -ffreestanding -fno-pic -no-pie -fno-stack-protector -nostdlib -static \
      -O2 -Wall -Wextra -Werror -Wl,-T,"$src/link.ld" -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
      -o "$dir/selftest.elf" "$src/entry.S" "$src/main.c" >> "$dir/prepare.log" 2>&1 ||
    { fail "selftest build failed"; return; }
  image "$dir" || { fail "mkimage failed"; return; }
  # No BOOTX64.EFI: the firmware falls back to the UEFI shell, whose startup.nsh runs
  # \EFI\test\acrn.efi.  Its acrn.conf next to it must win over \EFI\acrn\acrn.conf, and
  # its relative and '/' paths must resolve.
  printf 'hypervisor=selftest.elf\r\nhv_cmdline=efi selftest words\r\nkernel=/EFI/acrn/bzImage\r\n%s\r\n%s\r\n' \
    'kernel_cmdline=console=ttyS0 efi-e2e' 'initrd=\EFI\acrn\initrd.img' > "$dir/acrn.conf"
  printf 'FS0:\r\n\\EFI\\test\\acrn.efi\r\n' > "$dir/startup.nsh"
  { esp mdel "$dir" ::/EFI/BOOT/BOOTX64.EFI && esp mmd "$dir" ::/EFI/test &&
    esp mcopy "$dir" "$build/efi-stub/acrn.efi" "$dir/selftest.elf" "$dir/acrn.conf" ::/EFI/test/ &&
    esp mcopy "$dir" "$dir/startup.nsh" ::/startup.nsh; } >> "$dir/prepare.log" 2>&1 ||
    { fail "mtools failed"; return; }
  boot "$dir" 'selftest: done' "${NO_S3[@]}"
  has "$c1" 'acrn\.efi: loaded \\EFI\\test\\acrn\.conf'
  has "$c1" 'acrn\.efi: loaded \\EFI\\test\\selftest\.elf'
  hasnt "$c1" 'acrn\.efi: error|staged'
  has "$c2" 'selftest: multiboot2 magic ok'
  has "$c2" "selftest: module 'console=ttyS0 efi-e2e' bytes $(stat -c %s "$kernel")\$"
  has "$c2" "selftest: module 'initrd' bytes $(stat -c %s "$build/e2e/efi-initrd.img")\$"
  has "$c2" "selftest: cmdline 'efi selftest words'"
  has "$c2" 'selftest: modules 2$'
  has "$c2" 'selftest: done'
}

scen_efi_secureboot() {
  local dir=$1 c1=$1/com1.txt c2=$1/com2.txt code=/usr/share/OVMF/OVMF_CODE_4M.snakeoil.fd
  local vars=/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd sb
  command -v sbsign >/dev/null || { fail "sbsign not installed (package sbsigntool, misc/deps.sh)"; return; }
  [ -f "$code" ] && [ -f "$vars" ] || { fail "no snakeoil OVMF ($code)"; return; }
  # Debian's snakeoil key (passphrase "snakeoil") is enrolled in db of the snakeoil VARS.
  openssl pkey -in /usr/share/ovmf/PkKek-1-snakeoil.key -passin pass:snakeoil \
    -out "$dir/db.key" >> "$dir/prepare.log" 2>&1 &&
  sbsign --key "$dir/db.key" --cert /usr/share/ovmf/PkKek-1-snakeoil.pem \
    --output "$dir/acrn.signed.efi" "$build/efi-stub/acrn.efi" >> "$dir/prepare.log" 2>&1 ||
    { fail "sbsign failed"; return; }
  sb=(-machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on
      -drive "if=pflash,format=raw,unit=0,file=$code,readonly=on"
      -drive "if=pflash,format=raw,unit=1,file=$dir/vars.fd" "${NO_S3[@]}")

  # 1: the unsigned acrn.efi never runs
  image "$dir" || { fail "mkimage failed"; return; }
  cp "$vars" "$dir/vars.fd"
  ovmf='' boot "$dir" 'failed to load Boot[0-9A-F]+ .*HARDDISK.*Access Denied|acrn\.efi' "${sb[@]}"
  mv "$dir/com1.txt" "$dir/unsigned-com1.txt"
  has "$dir/unsigned-com1.txt" 'failed to load Boot[0-9A-F]+ .*HARDDISK.*: Access Denied'
  hasnt "$dir/unsigned-com1.txt" 'acrn\.efi'
  rm -f "$dir/timeout"

  # 2: the signed one boots the hypervisor
  image "$dir" --efi "$dir/acrn.signed.efi" || { fail "mkimage failed"; return; }
  cp "$vars" "$dir/vars.fd"
  ovmf='' boot "$dir" '^halted' "${sb[@]}"
  has "$c1" 'acrn\.efi: starting the hypervisor'
  has "$c2" 'ACRN hypervisor'
  has "$c2" '^halted'
}

# ---------------------------------------------------------------- runner
if ! err=$(prepare); then
  for n in "${names[@]}"; do echo "FAIL $n (prepare failed: $err; logs: $prep_log)"; done
  exit 1
fi
failed=0 passed=0
for n in "${names[@]}"; do
  fn=scen_${n//-/_}
  dir=$build/e2e/$n
  if ! declare -F "$fn" >/dev/null; then
    echo "FAIL $n (no such scenario; logs: -)"; failed=$((failed + 1)); continue
  fi
  rm -rf "$dir" && mkdir -p "$dir"
  start=$(date +%s)
  why=''
  "$fn" "$dir"
  [ ! -f "$dir/timeout" ] || why="$(cat "$dir/timeout")${why:+, $why}"
  rel=${dir#"$top"/}
  if [ -z "$why" ]; then
    echo "PASS $n ($(( $(date +%s) - start ))s)"; passed=$((passed + 1))
    rm -f "$dir/disk.img"	# 64 MiB each; the logs are what is kept
  else
    echo "FAIL $n ($why; logs: $rel/)"; failed=$((failed + 1))
  fi
done
echo "efi e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

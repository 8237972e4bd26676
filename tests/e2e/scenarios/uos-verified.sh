# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="Service VM runs acrn-dm --verify-key (doc/verified-boot.md), with libcrypto's ADX paths hidden when crypto-probe finds ADOX wrong (Bochs 2.7): a kernel + initrd signed with EC P-256, then with RSA-3072 (RSA-PSS), boot as a User VM (its COM1 line seen, acrn-dm exits 0); the same kernel with one flipped bit is refused with one line and exit 2 before the VM runs, and boots without --verify-key; an unsigned initrd and an ECDSA signature checked with an RSA key are refused too"
CPU_MODEL=corei7_skylake_x ; CPUS=1 ; MEGS=1024 ; TIMEOUT=1800
EST=71   # measured in make check on a clean clone (2026-11-26, idle pCPUs halting), beside one other emulator
HV_CMDLINE="console=com2"
SOS_CMDLINE="console=ttyS0,115200 quiet panic=-1 cryptomgr.notests"
MODULES=( "build/kernel/vmlinuz|$SOS_CMDLINE" "$SCEN_DIR/initrd.img|initrd" )
EXPECT=( '^uos-verified: reached Service VM /init' '^uos-verified-check: crypto ok'
         '^uos-verified-check: vhm-loaded ok'
         '^uos-verified: ec: guest: uos-verified: kernel says hello' '^uos-verified-check: ec-boots ok'
         '^uos-verified-check: rsa-boots ok'
         '^uos-verified: flipped: dm: acrn-dm: kernel /tmp/bad/hello: signature does not verify with key /keys/ec.pem[[:cntrl:]]?$'
         '^uos-verified-check: flipped-refused ok' '^uos-verified-check: flipped-boots-without-key ok'
         '^uos-verified-check: unsigned-initrd-refused ok' '^uos-verified-check: wrong-key-type-refused ok'
         '^uos-verified: done' )
FAIL_ON='uos-verified-check: [a-z0-9-]+ FAIL|Kernel panic|PANIC|VM entry failed|interrupt untaken for|Triple fault'
WATCH="com1 com2"
CHECK=1 ; BENCH=0
if [ "${UV_NATIVE:-0}" = 1 ]; then   # diagnosis: the same initramfs booted natively, probe only
  HV=none ; MODULES=( ) ; LINUX=build/kernel/vmlinuz ; INITRD=$SCEN_DIR/initrd.img
  LINUX_CMDLINE="$SOS_CMDLINE uv.probe-only" ; WATCH="com1" ; TIMEOUT=900
  EXPECT=( '^uos-verified: probe nosha: ' '^uos-verified: done' )
fi
prepare() {
  . "$TOP/tests/e2e/lib/initramfs.sh"
  e2e_build_dm_vhm || return 1
  local s=$TOP/misc/sign-image.sh u=$SCEN_DIR/uos k=$SCEN_DIR/keys t at
  rm -rf "$u" "$k" && mkdir -p "$u/ec" "$u/rsa" "$k/pub" || return 1
  gcc -m32 -c -o "$SCEN_DIR/hello-bzimage.o" "$TOP/tests/e2e/uos-verified/hello-bzimage.S" &&
    ld -m elf_i386 -Ttext=0 --oformat binary -o "$u/hello" "$SCEN_DIR/hello-bzimage.o" || return 1
  head -c 65536 /dev/urandom > "$u/initrd.img"
  # The byte sos-init flips: the 'h' of "says hello" in the kernel's message.
  at=$(grep -obUa 'says hello' "$u/hello" | head -n1 | cut -d: -f1) && [ -n "$at" ] || return 1
  echo $((at + 5)) > "$u/flip-at"
  gcc -static -O2 -Wall -Wextra -Werror -o "$SCEN_DIR/crypto-probe" \
    "$TOP/tests/e2e/uos-verified/crypto-probe.c" -lcrypto 2>"$SCEN_DIR/crypto-probe.log" ||
    { cat "$SCEN_DIR/crypto-probe.log"; return 1; }
  for t in ec rsa; do   # keys made per run, never committed; only the public halves go in
    "$s" keygen "$t" "$k/$t" && cp "$k/$t.pem" "$k/pub/" || return 1
    cp "$u/hello" "$u/initrd.img" "$u/$t/" && "$s" sign "$k/$t.key" "$u/$t/hello" "$u/$t/initrd.img" || return 1
  done
  sha256sum "$u/hello" | cut -d' ' -f1 > "$u/ec/sha256"
  e2e_build_initramfs "$SCEN_DIR/initrd.img" "$TOP/tests/e2e/uos-verified/sos-init" \
    --add "$SCEN_DIR/dm/acrn-dm:/bin/acrn-dm" --add "$SCEN_DIR/crypto-probe:/bin/crypto-probe" --add "$SCEN_DIR/vhm/acrn_vhm.ko:/lib/uos/acrn_vhm.ko" \
    --add "$u:/uos" --add "$k/pub:/keys"
}

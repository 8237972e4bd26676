# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Initramfs helpers for scenarios' prepare() hooks (sourced; uses E2E_TOP and SCEN_DIR).

# e2e_build_tsc OUT: the static "tsc" probe (tests/e2e/lib/tsc.c).
e2e_build_tsc() {
  gcc -static -O2 -Wall -Wextra -Werror -o "$1" "$E2E_TOP/tests/e2e/lib/tsc.c"
}

# e2e_build_initramfs OUT INIT [mkinitramfs options...]: busybox initramfs with /bin/tsc.
e2e_build_initramfs() {
  local out=$1 init=$2
  shift 2
  e2e_build_tsc "$SCEN_DIR/tsc" || return 1
  "$E2E_TOP/misc/mkinitramfs.sh" "$out" --init "$init" --add "$SCEN_DIR/tsc:/bin/tsc" "$@"
}

# e2e_build_dm_vhm: what a Service VM initramfs needs to run User VMs, built for this scenario:
# acrn-dm linked statically (the busybox initramfs has no libc) in $SCEN_DIR/dm/acrn-dm, and
# the VHM module for the Debian kernel in $SCEN_DIR/vhm/acrn_vhm.ko.
e2e_build_dm_vhm() {
  make --no-print-directory -C "$E2E_TOP/devicemodel" O="$SCEN_DIR/dm" EXTRA_CFLAGS=-static || return 1
  ! ldd "$SCEN_DIR/dm/acrn-dm" >/dev/null 2>&1 || { echo "acrn-dm is not static"; return 1; }
  make --no-print-directory -C "$E2E_TOP/kernel-modules/vhm" O="$SCEN_DIR/vhm"
}

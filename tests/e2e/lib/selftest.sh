# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Builds the runner's multiboot2 self-test kernel (tests/e2e/selftest/) with gcc -m32.
# Sourced by the runner-selftest* scenarios' prepare().

# e2e_build_selftest OUT: link the self-test kernel to OUT (an ELF32 with a multiboot2 header).
e2e_build_selftest() {
  local src=$E2E_TOP/tests/e2e/selftest
  gcc -m32 -std=gnu11 -ffreestanding -fno-pic -no-pie -fno-stack-protector -nostdlib -static \
      -O2 -Wall -Wextra -Werror \
      -Wl,-T,"$src/link.ld" -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
      -o "$1" "$src/entry.S" "$src/main.c"
}

# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="The runner itself: GRUB boots a multiboot2 test kernel with a command line and two modules; COM1, COM2 and port 0xE9 reach the logs"
CPU_MODEL=corei7_skylake_x ; CPUS=1 ; MEGS=64 ; TIMEOUT=120
HV=none
HV_CMDLINE="selftest console=com2 quote=it's"
MODULES=( "tests/e2e/selftest/link.ld|first module" "tests/e2e/selftest/main.c|second" )
EXPECT=( '^selftest: com1 alive' '^selftest: e9 alive' '^selftest: multiboot2 magic ok'
         "^selftest: cmdline 'selftest console=com2 quote=it.*s'"
         "^selftest: module 'first module' bytes [1-9]" "^selftest: module 'second' bytes [1-9]"
         '^selftest: modules 2$' '^BENCH selftest_boot_tsc [0-9]+ instructions' '^selftest: done$' )
FAIL_ON='PANIC|bad multiboot2 magic'
WATCH="com1 com2 e9"
CHECK=1 ; BENCH=0
UNTIL_EXIT=1     # the kernel shuts Bochs down itself: also proves the 0x8900 path
prepare() {
  . "$TOP/tests/e2e/lib/selftest.sh"
  e2e_build_selftest "$SCEN_DIR/selftest.elf"
  KERNEL_MB=$SCEN_DIR/selftest.elf
  e2e_export KERNEL_MB
}

# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="The shell's reboot command resets the platform: the hypervisor boots a second time"
# One CPU: Bochs 2.7 with cpu count=2 stops advancing time after a platform reset (the BIOS
# then fails its keyboard self-test, "Keyboard error:21"), whoever triggers the reset.
CPU_MODEL=corei7_skylake_x ; CPUS=1 ; MEGS=256 ; TIMEOUT=180
HV=build/hypervisor/acrn.32.out
HV_CMDLINE="console=com2"
EXPECT=( 'ACRN hypervisor' 'nothing more to run; pcpu0 serves the console shell' )
FAIL_ON='PANIC|VMX not supported|Triple fault'
WATCH="com2 e9"
CHECK=1 ; BENCH=0
HV_SHELL_TIMEOUT=90
# The banner "ACRN hypervisor <version> (built ...)" after the command's echo can only come
# from a second boot.
HV_SHELL=(
  'serves the console shell|reboot|(?s)^resetting the platform$.*^ACRN hypervisor \S+ \(built .*^hv: nothing more to run; pcpu0 serves the console shell$'
)

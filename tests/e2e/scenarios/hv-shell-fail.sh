# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="Runner self-test: a shell command whose output does not match its expect-regex fails the scenario"
CPU_MODEL=corei7_skylake_x ; CPUS=1 ; MEGS=256 ; TIMEOUT=120
HV=build/hypervisor/acrn.32.out
HV_CMDLINE="console=com2"
EXPECT=( 'nothing more to run; pcpu0 serves the console shell' )
FAIL_ON='PANIC|VMX not supported|Triple fault'
WATCH="com2 e9"
CHECK=1 ; BENCH=0
HV_SHELL_TIMEOUT=5
# version answers, but not with this; the next entry still runs and passes.
HV_SHELL=(
  'serves the console shell|version|^this line never appears$'
  '|version|^ACRN hypervisor '
)
EXPECT_FAIL="^hv-shell-fail/shell: version \(no match for '\^this line never appears\\$' in time"

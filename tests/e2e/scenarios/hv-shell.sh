# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
DESC="The hypervisor shell on its own UART (COM2) on 2 pCPUs: every command answers, bad input gets one usage line (reboot: hv-shell-reboot)"
CPU_MODEL=corei7_skylake_x ; CPUS=2 ; MEGS=256 ; TIMEOUT=360
HV=build/hypervisor/acrn.32.out
# No "shutdown": after the test guests pcpu0 stays in the shell's idle loop.
HV_CMDLINE="console=com2 test=smoke"
# The test guests only get the hypervisor to the end of bsp_main after running VMs on both
# pCPUs; whether they pass is hv-smoke's business.
EXPECT=( 'ACRN hypervisor' 'guest-test: [0-9]+ of 2 pCPUs passed' 'nothing more to run; pcpu0 serves the console shell' )
FAIL_ON='PANIC|VMX not supported|Triple fault'
WATCH="com2 e9"
CHECK=1 ; BENCH=0
HV_SHELL_TIMEOUT=60
# "after|command|expect": Python regexes, expect is matched (MULTILINE) against the output
# that follows the echoed command line.
HV_SHELL=(
  'serves the console shell|help|(?s)^  help .*^  version .*^  vm_list .*^  vcpu_list .*^  vcpu_dumpreg .*^  dump_ioapic .*^  dump_lapic .*^  dump_irq .*^  mem_stats .*^  loglevel .*^  reboot '
  '|version|^ACRN hypervisor \S+, built .+, 2 pCPUs$'
  '|vm_list|^VM_ID +NAME +VCPUS +TYPE$'
  '|vcpu_list|^VM_ID +VCPU_ID +PCPU_ID +STATE +EXITS$'
  '|vcpu_dumpreg 0 0|^no vCPU 0 in VM 0$'
  '|vcpu_dumpreg 0|^usage: vcpu_dumpreg <vm_id> <vcpu_id>$'
  '|vcpu_dumpreg 0 99999999999999999999999|^usage: vcpu_dumpreg <vm_id> <vcpu_id>$'
  '|dump_ioapic|(?s)^IOAPIC ([0-9]+) \(MADT\) at 0xfec00000: id \1, version 0x11, 24 pins, GSI 0-23$.*^  0 +0 +0x[0-9a-f]{2} +(fixed|lowest|SMI|NMI|INIT|ExtINT) +(phys|log) +(high|low) +(edge|level) +(yes|no) +0x[0-9a-f]{2} +(idle|pending).*^  23 +23 +0x'
  '|dump_ioapic now|^usage: dump_ioapic$'
  '|dump_irq|(?s)^IDT vectors fired in VMX root +pcpu0 +pcpu1$.*^  0x02 NMI \(counted, resumed\) +0 +0$.*^  0x0e #PF page fault +0 +0$.*^  0xff LAPIC spurious .*^  VM exits, all reasons +[1-9][0-9]* +[1-9][0-9]*$'
  '|dump_irq 1 2 3 4 5 6|^usage: dump_irq$'
  '|dump_lapic|(?s)^pCPU 0 LAPIC: ID 0x0 TPR 0x[0-9a-f]+ PPR 0x[0-9a-f]+ SVR 0x1[0-9a-f]{2}$.*^  IRR( [0-9a-f]{8}){8}$.*^  LVT timer 0x[0-9a-f]+ initial [0-9]+ current [0-9]+ divide 0x[0-9a-f]+; TSC deadline 0x[0-9a-f]+, TSC now 0x[0-9a-f]+$'
  '|dump_lapic 0|^usage: dump_lapic$'
  '|mem_stats|^page pool: [0-9]+ of [0-9]+ pages free'
  '|loglevel 4|^console log level 4 '
  '|loglevel 0|^usage: loglevel \[1-4\]$'
  '|loglevel|^console log level 4 '
  '|no_such_command --now|^unknown command .no_such_command.; type help$'
  '|version000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000|^line too long \(at most 127 characters\); type help$'
  '|logdump|serves the console shell'
)

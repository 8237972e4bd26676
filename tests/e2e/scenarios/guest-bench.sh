# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
# The guest-tests scenario running only tests/guest/bench.c with 2 vCPUs (acrn-dm -c 2
# --cpu_affinity 0,1: vCPU 0 on pCPU 0, vCPU 1 on pCPU 1, each shared with a Service VM vCPU;
# testdev in slot 2): exit costs as a User VM sees them, "BENCH uvm_* N ticks" (a TSC tick is
# an instruction under Bochs' clock sync=none); make bench collects them into
# doc/performance.md.  vCPU 1 only serves the IPI round trip, the other benchmarks run on vCPU 0.
_saved_guests=${E2E_GUESTS-}
E2E_GUESTS=bench:2
. "$E2E_SCENARIOS/guest-tests.sh"
E2E_GUESTS=$_saved_guests
unset _saved_guests
DESC="User VM exit costs from tests/guest/bench.c (2 vCPUs): CPUID, refused VMCALL, inl from a hypervisor port and from acrn-dm, MMIO read from acrn-dm, TSC-deadline timer latency, xAPIC register write, IPI round trip between the two vCPUs"
EXPECT=( '^guest-tests: reached Service VM /init'
         '^BENCH uvm_cpuid [0-9]+ ticks' '^BENCH uvm_vmcall_refused [0-9]+ ticks'
         '^BENCH uvm_inl_hv [0-9]+ ticks' '^BENCH uvm_inl_dm [0-9]+ ticks'
         '^BENCH uvm_mmio_read_dm [0-9]+ ticks' '^BENCH uvm_timer_latency [0-9]+ ticks'
         '^BENCH uvm_lapic_write [0-9]+ ticks' '^BENCH uvm_ipi_roundtrip [0-9]+ ticks'
         '^PASS bench/ipi_roundtrip_every_ipi_arrived'
         '^guest-tests: bench-2vcpu ok ' '^guest-tests: done' )
CHECK=0 ; BENCH=1

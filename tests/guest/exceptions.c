/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test guest "exceptions": each exception class a virtual CPU must deliver with the right
 * vector, error code, saved RIP and (for #PF) CR2 — SDM Vol. 3A 6.15 "Exception and Interrupt
 * Reference".  Faults must resume at the faulting instruction (RIP = the instruction), traps
 * after it (int3).
 */
#include "rt.h"

RT_GUEST(exceptions, 11);

#define PF_TEST_ADDR	0x600000ULL	/* 6 MiB: a 2 MiB page of RAM (past the image) we unmap */

extern const uint8_t ex_ud2_insn[], ex_div_insn[], ex_int3_after[], ex_pf_read_insn[],
	ex_pf_write_insn[];

/* noinline: the asm defines a global label, so there must be exactly one copy. */
static __attribute__((noinline)) void check_ud(const char *name)
{
	rt_fault_clear();
	__asm__ volatile(".globl ex_ud2_insn\nex_ud2_insn: ud2\n2:\n\t"
			 RT_EXTABLE("ex_ud2_insn", "2b") ::: "memory");
	rt_check(name,
		 rt_last_fault.vector == 6 && rt_last_fault.rip == (uintptr_t)ex_ud2_insn,
		 "vector %ld rip 0x%lx (want 6 at %p)", rt_last_fault.vector, rt_last_fault.rip,
		 ex_ud2_insn);
}

static void check_gp(void)
{
	uint64_t v, vec = rt_rdmsr_safe(0x2FF0, &v);

	rt_check("exceptions/bad_msr_raises_gp0", vec == 13 && rt_last_fault.error == 0,
		 "vector %ld error 0x%lx", vec, rt_last_fault.error);
}

static __attribute__((noinline)) void check_de(void)
{
	uint32_t a = 1234, d = 0, divisor = 0;

	rt_fault_clear();
	__asm__ volatile(".globl ex_div_insn\nex_div_insn: divl %2\n2:\n\t"
			 RT_EXTABLE("ex_div_insn", "2b")
			 : "+a"(a), "+d"(d) : "r"(divisor) : "memory");
	rt_check("exceptions/div_by_zero_raises_de",
		 rt_last_fault.vector == 0 && rt_last_fault.rip == (uintptr_t)ex_div_insn,
		 "vector %ld rip 0x%lx", rt_last_fault.vector, rt_last_fault.rip);
}

static __attribute__((noinline)) void check_bp(void)
{
	rt_fault_clear();
	/* #BP is a trap: the saved RIP is the instruction after int3. */
	__asm__ volatile("int3\n.globl ex_int3_after\nex_int3_after:\n\t"
			 RT_EXTABLE("ex_int3_after", "ex_int3_after") ::: "memory");
	rt_check("exceptions/int3_raises_bp_as_trap",
		 rt_last_fault.vector == 3 && rt_last_fault.rip == (uintptr_t)ex_int3_after,
		 "vector %ld rip 0x%lx (want 3 at %p)", rt_last_fault.vector, rt_last_fault.rip,
		 ex_int3_after);
}

/* SDM Vol. 3A 4.7: #PF error code bit 0 P (0: not present), bit 1 W/R, CR2 = linear address. */
static __attribute__((noinline)) void check_pf(void)
{
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)(PF_TEST_ADDR + 0x1238);
	uint64_t v = 0;

	*p = 0x1122334455667788ULL;
	rt_page_set_present(PF_TEST_ADDR, false);
	rt_fault_clear();
	__asm__ volatile(".globl ex_pf_read_insn\nex_pf_read_insn: movq (%1), %0\n2:\n\t"
			 RT_EXTABLE("ex_pf_read_insn", "2b") : "+r"(v) : "r"(p) : "memory");
	rt_check("exceptions/read_unmapped_raises_pf", rt_last_fault.vector == 14 &&
		 rt_last_fault.rip == (uintptr_t)ex_pf_read_insn,
		 "vector %ld rip 0x%lx", rt_last_fault.vector, rt_last_fault.rip);
	rt_check("exceptions/pf_cr2_is_faulting_address", rt_last_fault.cr2 == (uintptr_t)p,
		 "CR2 0x%lx, want %p", rt_last_fault.cr2, p);
	rt_check("exceptions/pf_read_error_code_not_present", rt_last_fault.error == 0,
		 "error 0x%lx, want 0 (not present, read, supervisor)", rt_last_fault.error);

	rt_fault_clear();
	__asm__ volatile(".globl ex_pf_write_insn\nex_pf_write_insn: movq %0, (%1)\n2:\n\t"
			 RT_EXTABLE("ex_pf_write_insn", "2b") :: "r"(v), "r"(p + 1) : "memory");
	rt_check("exceptions/pf_write_error_code_and_cr2", rt_last_fault.vector == 14 &&
		 rt_last_fault.error == 2 && rt_last_fault.cr2 == (uintptr_t)(p + 1),
		 "vector %ld error 0x%lx CR2 0x%lx", rt_last_fault.vector, rt_last_fault.error,
		 rt_last_fault.cr2);
	rt_page_set_present(PF_TEST_ADDR, true);
	rt_fault_clear();
	v = *p;
	rt_check("exceptions/remapped_page_reads_without_fault",
		 rt_last_fault.vector == RT_NO_FAULT && v == 0x1122334455667788ULL,
		 "vector %ld, read 0x%lx", rt_last_fault.vector, v);
}

/* SDM Vol. 3A 11.6.1: delivery mode NMI (100b) to our own APIC ID raises vector 2, even with
 * interrupts disabled (RFLAGS.IF does not mask NMI). */
static void check_nmi(void)
{
	uint32_t before = rt_irq_count[2];
	bool got;

	rt_cli();
	rt_apic_send_ipi(rt_apic_id(), APIC_ICR_NMI | APIC_ICR_ASSERT);
	got = rt_wait_count(&rt_irq_count[2], before + 1, 10000);
	rt_udelay(1000);
	rt_check("exceptions/self_nmi_delivered_once_with_if_clear",
		 got && rt_irq_count[2] == before + 1, "NMIs taken %u", rt_irq_count[2] - before);
}

void rt_guest_main(void)
{
	check_ud("exceptions/ud2_raises_ud_at_insn");
	check_gp();
	check_de();
	check_bp();
	check_pf();	/* 5 */
	check_nmi();
	/* An exception after recovery still works: the IDT path is not one-shot. */
	check_ud("exceptions/ud_again_after_nmi_and_faults");
}

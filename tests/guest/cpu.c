/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test guest "cpu": what a virtual CPU must look like from ring 0 — CPUID, MSR access
 * control, control-register round trips and XSETBV checking (SDM Vol. 2A CPUID, Vol. 4 MSRs,
 * Vol. 3A 2.5 control registers, Vol. 1 13.3 XCR0).  Checks that only hold under ACRN are
 * SKIPped on bare metal.
 */
#include "rt.h"

RT_GUEST(cpu, 20);

#define MSR_TSC		0x10
#define MSR_PAT		0x277
#define MSR_BOGUS	0x2FF0	/* no MSR is defined there (SDM Vol. 4 Table 2-2 gap) */
#define CR0_AM		(1ULL << 18)
#define CR4_TSD		(1ULL << 2)
#define CR4_OSXSAVE	(1ULL << 18)

static bool under_acrn;

static bool printable(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7E)
			return false;
	return true;
}

static void check_cpuid(void)
{
	uint32_t r[4], l1[4];
	char vendor[13];
	uint32_t fam;

	rt_cpuid(0, 0, r);
	rt_check("cpu/cpuid_max_basic_leaf_sane", r[0] >= 1 && r[0] < 0x100,
		 "leaf 0 EAX 0x%x", r[0]);
	memcpy(vendor, &r[1], 4);
	memcpy(vendor + 4, &r[3], 4);
	memcpy(vendor + 8, &r[2], 4);
	vendor[12] = '\0';
	rt_check("cpu/cpuid_vendor_printable", printable(vendor, 12), "vendor bytes not ASCII");
	rt_printf("# vendor '%s' max leaf 0x%x\n", vendor, r[0]);

	rt_cpuid(1, 0, l1);
	fam = (l1[0] >> 8) & 0xF;
	/* EDX bits 4 TSC, 5 MSR, 9 APIC: every x86-64 CPU a guest of ours runs on has them. */
	rt_check("cpu/cpuid1_family_and_tsc_msr_apic", fam != 0 && (l1[3] & 0x230) == 0x230,
		 "family %u EDX 0x%x", fam, l1[3]);
	rt_check("cpu/cpuid1_initial_apic_id_matches_apic", (l1[1] >> 24) == rt_apic_id(),
		 "CPUID.1 EBX[31:24] %u, APIC ID %u", l1[1] >> 24, rt_apic_id());

	rt_cpuid(0x80000000, 0, r);
	if (r[0] >= 0x80000001)
		rt_cpuid(0x80000001, 0, r);
	rt_check("cpu/cpuid_ext_long_mode_reported", (r[3] & (1U << 29)) != 0,
		 "CPUID.80000001 EDX 0x%x lacks LM though we run in 64-bit mode", r[3]);

	/* CPUID.1:ECX bit 31 and the 0x40000000 signature (ACRN: "ACRNACRNACRN"). */
	rt_cpuid(0x40000000, 0, r);
	under_acrn = r[1] == 0x4E524341 && r[2] == 0x4E524341 && r[3] == 0x4E524341;
	rt_printf("# CPUID.1 hypervisor bit %u, under ACRN: %s\n", l1[2] >> 31,
		  under_acrn ? "yes" : "no");
	if (under_acrn) {
		rt_check("cpu/cpuid1_hypervisor_bit_set", (l1[2] >> 31) != 0, "ECX 0x%x", l1[2]);
		rt_check("cpu/cpuid_acrn_max_hv_leaf", r[0] >= 0x40000001, "EAX 0x%x", r[0]);
	} else {
		rt_skip("cpu/cpuid1_hypervisor_bit_set", "not under ACRN");
		rt_skip("cpu/cpuid_acrn_max_hv_leaf", "not under ACRN");
	}
}

static void check_msrs(void)
{
	uint64_t t0, t1, v, pat, back;
	uint64_t vec;

	t0 = rt_rdtsc();
	vec = rt_rdmsr_safe(MSR_TSC, &v);
	t1 = rt_rdtsc();
	rt_check("cpu/msr_tsc_between_rdtsc", vec == RT_NO_FAULT && v >= t0 && v <= t1,
		 "vector %ld, %lu not in [%lu, %lu]", vec, v, t0, t1);

	vec = rt_rdmsr_safe(MSR_APIC_BASE, &v);
	rt_check("cpu/msr_apic_base_enabled_bsp_default",
		 vec == RT_NO_FAULT && (v & 0xFFFFF000ULL) == APIC_BASE_ADDR &&
		 (v & (1U << 11)) && (v & (1U << 8)),
		 "vector %ld value 0x%lx", vec, v);

	vec = rt_rdmsr_safe(MSR_PAT, &pat);
	if (vec == RT_NO_FAULT) {
		/* PA1 WT -> WC: a legal memory type (SDM Vol. 3A 13.12.2); nothing uses PA1 here. */
		uint64_t want = (pat & ~0xFF00ULL) | 0x0100ULL;

		vec = rt_wrmsr_safe(MSR_PAT, want);
		back = rt_rdmsr(MSR_PAT);
		rt_wrmsr(MSR_PAT, pat);
		rt_check("cpu/msr_pat_write_read_roundtrip", vec == RT_NO_FAULT && back == want,
			 "wrote 0x%lx read 0x%lx (vector %ld)", want, back, vec);
	} else {
		rt_fail("cpu/msr_pat_write_read_roundtrip", "RDMSR PAT took vector %ld", vec);
	}

	vec = rt_rdmsr_safe(MSR_BOGUS, &v);
	rt_check("cpu/rdmsr_nonexistent_gp", vec == 13 && rt_last_fault.error == 0,
		 "RDMSR 0x%x: vector %ld error 0x%lx value 0x%lx", MSR_BOGUS, vec,
		 rt_last_fault.error, v);
	vec = rt_wrmsr_safe(MSR_BOGUS, 0);
	rt_check("cpu/wrmsr_nonexistent_gp", vec == 13, "WRMSR 0x%x: vector %ld", MSR_BOGUS, vec);
	/* Writing a reserved memory type (2) into PAT is #GP (SDM Vol. 3A 13.12.2). */
	vec = rt_wrmsr_safe(MSR_PAT, (pat & ~0xFFULL) | 0x02);
	rt_wrmsr(MSR_PAT, pat);
	rt_check("cpu/wrmsr_pat_reserved_type_gp", vec == 13, "vector %ld", vec);
}

static void check_crs(void)
{
	uint64_t cr0 = rt_read_cr0(), cr4 = rt_read_cr4(), a, b, vec;

	rt_write_cr0(cr0 ^ CR0_AM);
	a = rt_read_cr0();
	rt_write_cr0(cr0);
	b = rt_read_cr0();
	rt_check("cpu/cr0_am_roundtrip", a == (cr0 ^ CR0_AM) && b == cr0,
		 "CR0 0x%lx -> 0x%lx -> 0x%lx", cr0, a, b);

	rt_write_cr4(cr4 ^ CR4_TSD);
	a = rt_read_cr4();
	rt_write_cr4(cr4);
	b = rt_read_cr4();
	rt_check("cpu/cr4_tsd_roundtrip", a == (cr4 ^ CR4_TSD) && b == cr4,
		 "CR4 0x%lx -> 0x%lx -> 0x%lx", cr4, a, b);

	/* SDM Vol. 3A 2.5: setting a reserved CR4 bit (here bit 32) is #GP(0). */
	vec = rt_write_cr4_safe(cr4 | (1ULL << 32));
	a = rt_read_cr4();
	rt_write_cr4(cr4);
	rt_check("cpu/cr4_reserved_bit_gp", vec == 13 && a == cr4,
		 "vector %ld, CR4 became 0x%lx", vec, a);
}

static void check_xsave(void)
{
	uint32_t r[4];
	uint64_t cr4 = rt_read_cr4(), vec, xcr0;
	uint32_t lo, hi;

	rt_cpuid(1, 0, r);
	if (!(r[2] & (1U << 26))) {
		rt_skip("cpu/xsetbv_without_osxsave_ud", "no XSAVE in CPUID.1:ECX");
		rt_skip("cpu/xgetbv_xcr0_x87_set", "no XSAVE in CPUID.1:ECX");
		rt_skip("cpu/xsetbv_x87_clear_gp", "no XSAVE in CPUID.1:ECX");
		rt_skip("cpu/xsetbv_x87_sse_accepted", "no XSAVE in CPUID.1:ECX");
		return;
	}
	/* SDM Vol. 2B XSETBV: #UD if CR4.OSXSAVE = 0. */
	rt_write_cr4(cr4 & ~CR4_OSXSAVE);
	vec = rt_xsetbv_safe(0, 1);
	rt_check("cpu/xsetbv_without_osxsave_ud", vec == 6, "vector %ld", vec);

	rt_write_cr4(cr4 | CR4_OSXSAVE);
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	xcr0 = ((uint64_t)hi << 32) | lo;
	rt_check("cpu/xgetbv_xcr0_x87_set", (xcr0 & 1) != 0, "XCR0 0x%lx", xcr0);
	/* XCR0 bit 0 (x87) must be 1: #GP(0) otherwise (SDM Vol. 1 13.3). */
	vec = rt_xsetbv_safe(0, 2);
	rt_check("cpu/xsetbv_x87_clear_gp", vec == 13, "vector %ld", vec);
	vec = rt_xsetbv_safe(0, 3);
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	rt_check("cpu/xsetbv_x87_sse_accepted", vec == RT_NO_FAULT && lo == 3,
		 "vector %ld, XCR0 0x%x", vec, lo);
	rt_xsetbv_safe(0, xcr0 != 0 ? xcr0 : 1);
	rt_write_cr4(cr4);
}

void rt_guest_main(void)
{
	check_cpuid();		/* 7 */
	check_msrs();		/* 6 */
	check_crs();		/* 3 */
	check_xsave();		/* 4 */
}

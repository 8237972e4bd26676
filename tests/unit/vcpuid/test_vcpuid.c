/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for hypervisor/arch/x86/guest/vcpuid.c: which host CPUID
 * features a User VM sees.  The filter is fed all-ones registers, so every
 * bit it keeps or hides is visible whatever the build host's CPU has; bit
 * positions are written out here from the SDM (Vol. 2A, CPUID), independently
 * of vcpuid.c's own definitions.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <arch/x86/cpu.h>
#include <arch/x86/guest/vcpuid.h>
#include <arch/x86/guest/vmsr.h>
#include <common/vm.h>

uint32_t tsc_khz = 80000;
static uint64_t fake_cr4;

uint64_t vmcs_read(enum vmcs_field f)
{
	return f == VMCS_GUEST_CR4 ? fake_cr4 : 0;
}

void vmcs_write(enum vmcs_field f, uint64_t v)
{
	(void)f;
	(void)v;
}

void vmcs_end_intr_shadow(void)
{
}

#define BIT(n)	(1U << (n))

static struct cpuid_regs filtered(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r = { ~0U, ~0U, ~0U, ~0U };

	vcpuid_filter_user_vm(leaf, subleaf, &r);
	return r;
}

static void test_leaf1_hides_machine_check_thermal_and_perfmon(void **state)
{
	struct cpuid_regs r = filtered(1, 0);

	(void)state;
	/* EDX: MCE 7, MCA 14, PSN 18, DS 21, ACPI 22, TM 29, PBE 31 hidden. */
	assert_int_equal(r.edx & (BIT(7) | BIT(14) | BIT(18) | BIT(21) | BIT(22) | BIT(29) | BIT(31)), 0);
	/* ECX: DTES64 2, DS-CPL 4, SMX 6, EIST 7, TM2 8, SDBG 11, xTPR 14, PDCM 15, DCA 18. */
	assert_int_equal(r.ecx & (BIT(2) | BIT(4) | BIT(6) | BIT(7) | BIT(8) | BIT(11) | BIT(14) |
				  BIT(15) | BIT(18)), 0);
	/* Kept: FPU 0, TSC 4, MSR 5, PAE 6, CX8 8, APIC 9, MTRR 12, PAT 16, SSE2 26, HTT 28. */
	assert_int_equal(r.edx & (BIT(0) | BIT(4) | BIT(5) | BIT(6) | BIT(8) | BIT(9) | BIT(12) |
				  BIT(16) | BIT(26) | BIT(28)),
			 BIT(0) | BIT(4) | BIT(5) | BIT(6) | BIT(8) | BIT(9) | BIT(12) | BIT(16) |
			 BIT(26) | BIT(28));
	/* Kept: SSE3 0, PCID 17, x2APIC 21, TSC-deadline 24, XSAVE 26, AVX 28, RDRAND 30. */
	assert_int_equal(r.ecx & (BIT(0) | BIT(17) | BIT(21) | BIT(24) | BIT(26) | BIT(28) | BIT(30)),
			 BIT(0) | BIT(17) | BIT(21) | BIT(24) | BIT(26) | BIT(28) | BIT(30));
	assert_int_equal(r.eax, ~0U);	/* signature untouched */
	assert_int_equal(r.ebx, ~0U);
}

static void test_leaf6_keeps_only_arat(void **state)
{
	struct cpuid_regs r = filtered(6, 0);

	(void)state;
	assert_int_equal(r.eax, BIT(2));
	assert_int_equal(r.ebx | r.ecx | r.edx, 0);
}

static void test_leaf7_hides_msr_backed_features_keeps_instructions(void **state)
{
	struct cpuid_regs r = filtered(7, 0), s1 = filtered(7, 1), s2 = filtered(7, 2);

	(void)state;
	assert_int_equal(r.eax, ~0U);			/* max subleaf */
	/* EBX: TSC_ADJUST 1, SGX 2, RDT-M 12, MPX 14, RDT-A 15, PT 25 hidden. */
	assert_int_equal(r.ebx & (BIT(1) | BIT(2) | BIT(12) | BIT(14) | BIT(15) | BIT(25)), 0);
	/* Kept: FSGSBASE 0, BMI1 3, AVX2 5, SMEP 7, ERMS 9, INVPCID 10, SMAP 20. */
	assert_int_equal(r.ebx & (BIT(0) | BIT(3) | BIT(5) | BIT(7) | BIT(9) | BIT(10) | BIT(20)),
			 BIT(0) | BIT(3) | BIT(5) | BIT(7) | BIT(9) | BIT(10) | BIT(20));
	/* ECX: WAITPKG 5, CET_SS 7, SGX_LC 30, PKS 31 hidden; UMIP 2, PKU 3 kept. */
	assert_int_equal(r.ecx & (BIT(5) | BIT(7) | BIT(30) | BIT(31)), 0);
	assert_int_equal(r.ecx & (BIT(2) | BIT(3)), BIT(2) | BIT(3));
	/* EDX: speculation-control MSRs 26-31, SRBDS 9, TSX_FORCE_ABORT 13, PCONFIG 18, IBT 20
	 * hidden; MD_CLEAR 10 (VERW, no MSR) kept. */
	assert_int_equal(r.edx & (0xFC000000U | BIT(9) | BIT(13) | BIT(18) | BIT(20)), 0);
	assert_int_equal(r.edx & BIT(10), BIT(10));
	assert_int_equal(s1.eax, ~0U);			/* subleaf 1: instructions only */
	assert_int_equal(s2.eax | s2.ebx | s2.ecx | s2.edx, 0);
}

static void test_pmu_rdt_sgx_pt_pconfig_dca_leaves_are_empty(void **state)
{
	static const uint32_t leaves[] = { 9, 0xA, 0xF, 0x10, 0x12, 0x14, 0x1B };

	(void)state;
	for (unsigned i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		struct cpuid_regs r = filtered(leaves[i], 0);

		assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	}
}

static void test_xsave_leaf_hides_xsaves_and_supervisor_components(void **state)
{
	struct cpuid_regs d0 = filtered(0xD, 0), d1 = filtered(0xD, 1), d2 = filtered(0xD, 2);

	(void)state;
	assert_int_equal(d0.eax & d0.ebx & d0.ecx & d0.edx, ~0U);	/* XCR0 components as is */
	assert_int_equal(d1.eax & BIT(3), 0);				/* XSAVES */
	assert_int_equal(d1.eax & (BIT(0) | BIT(1) | BIT(2)), BIT(0) | BIT(1) | BIT(2));
	assert_int_equal(d1.ecx | d1.edx, 0);				/* IA32_XSS bits */
	assert_int_equal(d2.eax & d2.ebx & d2.ecx & d2.edx, ~0U);
}

static void test_other_leaves_pass_unchanged(void **state)
{
	static const uint32_t leaves[] = { 0, 2, 4, 0xB, 0x15, 0x16, 0x80000001U, 0x80000008U };

	(void)state;
	for (unsigned i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		struct cpuid_regs r = filtered(leaves[i], 0);

		assert_int_equal(r.eax & r.ebx & r.ecx & r.edx, ~0U);
	}
}

/* Through vcpuid_emulate: only User VMs are filtered; OSXSAVE/OSPKE follow the guest's CR4. */
static void test_emulate_filters_user_vms_only_and_mirrors_guest_cr4(void **state)
{
	static struct vm uos, sos;
	static struct vcpu vu, vs;
	struct cpuid_regs host;
	uint32_t out[4];

	(void)state;
	uos.user_vm = true;
	uos.vcpu_count = 1;
	sos.privileged = true;
	sos.vcpu_count = 1;
	vu.vm = &uos;
	vs.vm = &sos;
	cpuid_count(1, 0, &host);
	fake_cr4 = 0;
	vcpuid_emulate(&vu, 1, 0, out);
	assert_int_equal(out[3] & (BIT(7) | BIT(14)), 0);
	assert_int_equal(out[2] & BIT(27), 0);				/* OSXSAVE: CR4 clear */
	assert_int_equal(out[2] & BIT(31), BIT(31));			/* hypervisor present */
	vcpuid_emulate(&vs, 1, 0, out);
	assert_int_equal(out[3] & (BIT(7) | BIT(14)), host.edx & (BIT(7) | BIT(14)));
	fake_cr4 = 1ULL << 18;
	vcpuid_emulate(&vu, 1, 0, out);
	assert_int_equal(out[2] & BIT(27), BIT(27));			/* OSXSAVE: CR4 set */
	fake_cr4 = 0;
	vcpuid_emulate(&vu, 7, 0, out);
	assert_int_equal(out[2] & BIT(4), 0);				/* OSPKE: CR4.PKE clear */
	fake_cr4 = 1ULL << 22;
	vcpuid_emulate(&vu, 7, 0, out);
	assert_int_equal(out[2] & BIT(4), BIT(4));
}

/*
 * IA32_MISC_ENABLE of a User VM: the fast-string bit follows the platform
 * (Bochs leaves it clear; a guest told "on" would pick ERMS copies), the rest
 * is fixed whatever the host has set.
 */
static void test_misc_enable_fast_strings_follow_the_platform(void **state)
{
	const uint64_t fixed = (1ULL << 11) | (1ULL << 12);

	(void)state;
	assert_int_equal(vmsr_user_misc_enable(0), fixed);
	assert_int_equal(vmsr_user_misc_enable(1), fixed | 1);
	/* Host bits other than fast strings (thermal, MONITOR, XD disable...) stay hidden. */
	assert_int_equal(vmsr_user_misc_enable(~0ULL), fixed | 1);
	assert_int_equal(vmsr_user_misc_enable(~1ULL), fixed);
	assert_int_equal(vmsr_user_misc_enable((1ULL << 18) | (1ULL << 34) | 1), fixed | 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leaf1_hides_machine_check_thermal_and_perfmon),
		cmocka_unit_test(test_leaf6_keeps_only_arat),
		cmocka_unit_test(test_leaf7_hides_msr_backed_features_keeps_instructions),
		cmocka_unit_test(test_pmu_rdt_sgx_pt_pconfig_dca_leaves_are_empty),
		cmocka_unit_test(test_xsave_leaf_hides_xsaves_and_supervisor_components),
		cmocka_unit_test(test_other_leaves_pass_unchanged),
		cmocka_unit_test(test_emulate_filters_user_vms_only_and_mirrors_guest_cr4),
		cmocka_unit_test(test_misc_enable_fast_strings_follow_the_platform),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the upcall function's configuration space. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dm/vpci_upcall.h>

static void test_vpci_upcall_ids_and_capability_list(void **state)
{
	struct vpci_upcall f;

	vpci_upcall_init(&f);
	assert_int_equal(vpci_upcall_cfg_read(&f, 0, 4), 0x0001ACE0);
	assert_int_equal(vpci_upcall_cfg_read(&f, 0x08, 4) >> 8, VPCI_UPCALL_CLASS);
	assert_true(vpci_upcall_cfg_read(&f, 0x06, 2) & 0x10);
	assert_int_equal(vpci_upcall_cfg_read(&f, 0x34, 1), 0x40);
	assert_int_equal(vpci_upcall_cfg_read(&f, 0x40, 1), 0x05);	/* MSI */
	assert_int_equal(vpci_upcall_cfg_read(&f, 0x41, 1), 0x00);	/* end of list */
}

static void test_vpci_upcall_ids_are_read_only(void **state)
{
	struct vpci_upcall f;

	vpci_upcall_init(&f);
	vpci_upcall_cfg_write(&f, 0, 4, 0xFFFFFFFF);
	vpci_upcall_cfg_write(&f, 0x10, 4, 0xFFFFFFFF);	/* BAR0: none implemented */
	vpci_upcall_cfg_write(&f, 0x34, 1, 0x80);
	assert_int_equal(vpci_upcall_cfg_read(&f, 0, 4), 0x0001ACE0);
	assert_int_equal(vpci_upcall_cfg_read(&f, 0x10, 4), 0);
	assert_int_equal(vpci_upcall_cfg_read(&f, 0x34, 1), 0x40);
}

static void test_vpci_upcall_msi_only_when_enabled(void **state)
{
	struct vpci_upcall f;
	uint64_t addr;
	uint32_t data;

	vpci_upcall_init(&f);
	vpci_upcall_cfg_write(&f, 0x44, 4, 0xFEE01000);
	vpci_upcall_cfg_write(&f, 0x48, 2, 0x0041);
	assert_false(vpci_upcall_msi(&f, &addr, &data));
	vpci_upcall_cfg_write(&f, 0x42, 2, 0x0001);
	assert_true(vpci_upcall_msi(&f, &addr, &data));
	assert_int_equal(addr, 0xFEE01000);
	assert_int_equal(data, 0x41);
	vpci_upcall_cfg_write(&f, 0x42, 2, 0x0000);
	assert_false(vpci_upcall_msi(&f, &addr, &data));
}

static void test_vpci_upcall_misaligned_and_out_of_range_ignored(void **state)
{
	struct vpci_upcall f;

	vpci_upcall_init(&f);
	assert_int_equal(vpci_upcall_cfg_read(&f, 1, 2), 0xFFFFFFFF);
	assert_int_equal(vpci_upcall_cfg_read(&f, 2, 4), 0xFFFFFFFF);
	assert_int_equal(vpci_upcall_cfg_read(&f, 256, 1), 0xFFFFFFFF);
	assert_int_equal(vpci_upcall_cfg_read(&f, 0, 3), 0xFFFFFFFF);
	vpci_upcall_cfg_write(&f, 0x43, 2, 0xFFFF);	/* misaligned: ignored */
	vpci_upcall_cfg_write(&f, 0x4000, 4, 0xFFFFFFFF);
	assert_int_equal(vpci_upcall_cfg_read(&f, 0x40, 4), 0x00000005);
}

static void test_vpci_upcall_address_low_bits_cleared(void **state)
{
	struct vpci_upcall f;
	uint64_t addr;
	uint32_t data;

	vpci_upcall_init(&f);
	vpci_upcall_cfg_write(&f, 0x44, 4, 0xFEE00003);
	vpci_upcall_cfg_write(&f, 0x42, 2, 0x0001);
	assert_true(vpci_upcall_msi(&f, &addr, &data));
	assert_int_equal(addr, 0xFEE00000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vpci_upcall_ids_and_capability_list),
		cmocka_unit_test(test_vpci_upcall_ids_are_read_only),
		cmocka_unit_test(test_vpci_upcall_msi_only_when_enabled),
		cmocka_unit_test(test_vpci_upcall_misaligned_and_out_of_range_ignored),
		cmocka_unit_test(test_vpci_upcall_address_low_bits_cleared),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

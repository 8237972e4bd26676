/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * testdev (hw/pci/pci_testdev.c) through the fake back-end: IDs and BARs, the
 * MMIO scratch area at every width with the access recorder, the interrupt
 * generator reaching set_irqline(), the port registers, hostile accesses
 * logged (rate-limited) and ignored, reset.  Layout: doc/testdev.md.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dmtest.h"
#include "dm_log.h"
#include "io_dispatch.h"
#include "pci_core.h"
#include "vmm.h"

#define SLOT		4
#define TDEV_ID		0x56454454U
#define R_ID		0x100
#define R_LAST		0x108
#define R_COUNT		0x110
#define R_CLEAR		0x114
#define R_IRQ		0x120
#define R_LEVELS	0x128
#define R_BAD		0x130
#define P_SCRATCH	0x0
#define P_ID		0x4
#define P_IRQ		0x8
#define LAST(off, size, wr)	(0x80000000U | ((uint32_t)(off) << 16) | ((wr) ? 0x100U : 0) | (size))

static int setup(void **state)
{
	return dmtest_setup(state, "-m", "64M", "-s", "1:0,lpc", "-s", "4,testdev",    "vm", NULL);
}

#define teardown dmtest_teardown
#define ctx_of dmtest_ctx

static uint32_t cfg_read(struct vmctx *ctx, int reg, int size)
{
	uint32_t v = 0;

	assert_int_equal(vmm_test_pcicfg(ctx, ACRN_IOREQ_DIR_READ, 0, SLOT, 0, (uint32_t)reg,
					 size, &v), 0);
	return v;
}

static void cfg_write(struct vmctx *ctx, int reg, int size, uint32_t v)
{
	assert_int_equal(vmm_test_pcicfg(ctx, ACRN_IOREQ_DIR_WRITE, 0, SLOT, 0, (uint32_t)reg,
					 size, &v), 0);
}

static uint64_t bar0(struct vmctx *ctx)
{
	return cfg_read(ctx, PCIR_BAR0, 4) & ~0xfULL;
}

static uint32_t bar1(struct vmctx *ctx)
{
	return cfg_read(ctx, PCIR_BAR0 + 4, 4) & ~0x3U;
}

static uint64_t rd(struct vmctx *ctx, uint64_t off, int size)
{
	uint64_t v = 0;

	assert_int_equal(vmm_test_mmio(ctx, ACRN_IOREQ_DIR_READ, bar0(ctx) + off, size, &v), 0);
	return v;
}

static void wr(struct vmctx *ctx, uint64_t off, int size, uint64_t v)
{
	assert_int_equal(vmm_test_mmio(ctx, ACRN_IOREQ_DIR_WRITE, bar0(ctx) + off, size, &v), 0);
}

static uint64_t prd(struct vmctx *ctx, uint32_t off, int size)
{
	uint64_t v = 0;

	assert_int_equal(vmm_test_pio(ctx, ACRN_IOREQ_DIR_READ, bar1(ctx) + off, size, &v), 0);
	return v;
}

static void pwr(struct vmctx *ctx, uint32_t off, int size, uint64_t v)
{
	assert_int_equal(vmm_test_pio(ctx, ACRN_IOREQ_DIR_WRITE, bar1(ctx) + off, size, &v), 0);
}

static unsigned int log_lines;
static char last_line[256];

static void count_lines(enum dm_log_level level, const char *line)
{
	log_lines++;
	snprintf(last_line, sizeof(last_line), "%s", line);
}

/* --- tests --- */

static void test_testdev_ids_class_and_bar_sizes(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	uint32_t orig;

	assert_int_equal(cfg_read(ctx, PCIR_VENDOR, 2), 0xACE0);
	assert_int_equal(cfg_read(ctx, PCIR_DEVICE, 2), 0x0010);
	assert_int_equal(cfg_read(ctx, PCIR_CLASS, 1), 0xff);
	/* BAR0: 32-bit memory, 4 KiB; BAR1: I/O, 16 ports (PCI 3.0 6.2.5.1 sizing). */
	orig = cfg_read(ctx, PCIR_BAR0, 4);
	assert_int_equal(orig & 0xf, 0);
	assert_true(orig != 0);
	cfg_write(ctx, PCIR_BAR0, 4, 0xffffffffU);
	assert_int_equal(cfg_read(ctx, PCIR_BAR0, 4), 0xfffff000U);
	cfg_write(ctx, PCIR_BAR0, 4, orig);
	orig = cfg_read(ctx, PCIR_BAR0 + 4, 4);
	assert_int_equal(orig & 0x3, 1);
	cfg_write(ctx, PCIR_BAR0 + 4, 4, 0xffffffffU);
	assert_int_equal(cfg_read(ctx, PCIR_BAR0 + 4, 4) & 0xffff, 0xfff1);
	cfg_write(ctx, PCIR_BAR0 + 4, 4, orig);
	assert_int_equal(rd(ctx, R_ID, 4), TDEV_ID);
	assert_int_equal(prd(ctx, P_ID, 4), TDEV_ID);
}

static void test_testdev_scratch_reads_back_every_width_little_endian(void **state)
{
	struct vmctx *ctx = ctx_of(state);

	wr(ctx, 0x10, 8, 0x8877665544332211ULL);
	assert_int_equal(rd(ctx, R_LAST, 4), LAST(0x10, 8, true));
	assert_int_equal(rd(ctx, 0x10, 8), 0x8877665544332211ULL);
	assert_int_equal(rd(ctx, R_LAST, 4), LAST(0x10, 8, false));
	assert_int_equal(rd(ctx, 0x10, 1), 0x11);
	assert_int_equal(rd(ctx, 0x13, 1), 0x44);
	assert_int_equal(rd(ctx, R_LAST, 4), LAST(0x13, 1, false));
	assert_int_equal(rd(ctx, 0x12, 2), 0x4433);
	assert_int_equal(rd(ctx, R_LAST, 4), LAST(0x12, 2, false));
	assert_int_equal(rd(ctx, 0x14, 4), 0x88776655);
	assert_int_equal(rd(ctx, 0x11, 4), 0x55443322);	/* unaligned is fine */
	wr(ctx, 0x15, 1, 0xab);
	assert_int_equal(rd(ctx, R_LAST, 4), LAST(0x15, 1, true));
	wr(ctx, 0x16, 2, 0xcdef);
	assert_int_equal(rd(ctx, 0x10, 8), 0xcdefab5544332211ULL);
	wr(ctx, 0xf8, 8, 0x0102030405060708ULL);	/* the last 8 bytes */
	assert_int_equal(rd(ctx, 0xfc, 4), 0x01020304);
	assert_int_equal(rd(ctx, 0xff, 1), 0x01);
	/* Register accesses are not scratch accesses: they leave LAST and COUNT alone. */
	wr(ctx, R_CLEAR, 4, 1);
	assert_int_equal(rd(ctx, R_COUNT, 4), 0);
	assert_int_equal(rd(ctx, R_LAST, 4), 0);
	wr(ctx, 0x20, 4, 0xdeadbeef);
	assert_int_equal(rd(ctx, 0x20, 2), 0xbeef);
	assert_int_equal(rd(ctx, 0x22, 2), 0xdead);
	assert_int_equal(rd(ctx, R_COUNT, 4), 3);
	assert_int_equal(rd(ctx, R_COUNT, 4), 3);
	assert_int_equal(rd(ctx, R_LAST, 4), LAST(0x22, 2, false));
}

static void test_testdev_irq_generator_drives_set_irqline(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	struct vmm_test_state *st = vmm_test_get(ctx);
	unsigned int ch = st->irq_changes[10], pu = st->irq_pulses[10];

	wr(ctx, R_IRQ, 4, (VMM_GSI_SET_HIGH << 8) | 10);
	assert_int_equal(rd(ctx, R_IRQ, 4), 0);
	assert_int_equal(st->irq_level[10], 1);
	assert_int_equal(st->irq_changes[10], ch + 1);
	assert_int_equal(rd(ctx, R_LEVELS, 8), 1ULL << 10);
	wr(ctx, R_IRQ, 4, (VMM_GSI_SET_LOW << 8) | 10);
	assert_int_equal(st->irq_level[10], 0);
	assert_int_equal(rd(ctx, R_LEVELS, 8), 0);
	wr(ctx, R_IRQ, 4, (VMM_GSI_RAISING_PULSE << 8) | 10);
	assert_int_equal(st->irq_pulses[10], pu + 1);
	assert_int_equal(st->irq_level[10], 0);
	assert_int_equal(rd(ctx, R_LEVELS, 8), 0);
	/* The last GSI, through the port register. */
	pwr(ctx, P_IRQ, 4, (VMM_GSI_FALLING_PULSE << 8) | 47);
	assert_int_equal(prd(ctx, P_IRQ, 4), 0);
	assert_int_equal(st->irq_level[47], 1);
	assert_int_equal(st->irq_pulses[47], 1);
	assert_int_equal(rd(ctx, R_LEVELS, 8), 1ULL << 47);
	pwr(ctx, P_IRQ, 4, (VMM_GSI_SET_LOW << 8) | 47);
	assert_int_equal(st->irq_level[47], 0);
	assert_int_equal(st->irq_changes[10], ch + 3);
}

static void test_testdev_pio_scratch_widths(void **state)
{
	struct vmctx *ctx = ctx_of(state);

	pwr(ctx, P_SCRATCH, 4, 0x11223344);
	assert_int_equal(prd(ctx, P_SCRATCH, 4), 0x11223344);
	pwr(ctx, P_SCRATCH + 1, 2, 0xa5b6);
	assert_int_equal(prd(ctx, P_SCRATCH, 4), 0x11a5b644);
	pwr(ctx, P_SCRATCH + 3, 1, 0x7f);
	assert_int_equal(prd(ctx, P_SCRATCH + 2, 2), 0x7fa5);
	assert_int_equal(prd(ctx, P_SCRATCH, 1), 0x44);
}

static void test_testdev_hostile_accesses_logged_ignored_and_rate_limited(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	struct vmm_test_state *st = vmm_test_get(ctx);
	uint32_t bad0 = (uint32_t)rd(ctx, R_BAD, 4);
	unsigned int ch5 = st->irq_changes[5];

	wr(ctx, 0xf8, 8, 0x1111111111111111ULL);
	log_lines = 0;
	dm_log_set_sink(count_lines);
	/* A scratch access running past 0x100 is not scratch: nothing written, all-ones read. */
	wr(ctx, 0xfc, 8, 0);
	assert_int_equal(log_lines, 1);
	assert_non_null(strstr(last_line, "testdev: undefined access: BAR0 offset 0xfc size 8 write"));
	assert_int_equal(rd(ctx, 0xfc, 8), ~0ULL);
	assert_int_equal(rd(ctx, 0xf8, 8), 0x1111111111111111ULL);
	/* Registers have one width; undefined offsets; writes to read-only registers. */
	assert_int_equal(rd(ctx, R_ID, 2), 0xffff);
	assert_int_equal(rd(ctx, R_ID, 8), ~0ULL);
	assert_int_equal(rd(ctx, 0x104, 4), 0xffffffffU);
	assert_int_equal(rd(ctx, 0xffc, 4), 0xffffffffU);
	wr(ctx, R_ID, 4, 0);
	assert_int_equal(rd(ctx, R_ID, 4), TDEV_ID);
	assert_int_equal(rd(ctx, R_LEVELS, 4), 0xffffffffU);
	assert_int_equal(prd(ctx, P_ID, 2), 0xffff);
	assert_int_equal(prd(ctx, P_SCRATCH + 2, 4), 0xffffffffU);	/* runs into the ID */
	assert_int_equal(prd(ctx, 0xc, 4), 0xffffffffU);
	assert_int_equal(rd(ctx, R_BAD, 4), bad0 + 11);
	/* GSIs beyond the vIOAPIC and unknown operations: -EINVAL, no call. */
	wr(ctx, R_IRQ, 4, 48);
	assert_int_equal((int32_t)rd(ctx, R_IRQ, 4), -EINVAL);
	wr(ctx, R_IRQ, 4, (4 << 8) | 5);
	assert_int_equal((int32_t)rd(ctx, R_IRQ, 4), -EINVAL);
	wr(ctx, R_IRQ, 4, 0xffffff05U);
	assert_int_equal((int32_t)rd(ctx, R_IRQ, 4), -EINVAL);
	assert_int_equal(st->irq_changes[5], ch5);
	/* A flood: at most 8 lines (the last says so), the counter keeps counting. */
	for (int i = 0; i < 50; i++)
		wr(ctx, 0x200, 4, (uint64_t)i);
	assert_int_equal(rd(ctx, R_BAD, 4), bad0 + 61);
	dm_log_set_sink(NULL);
	assert_true(log_lines <= 8);
	assert_non_null(strstr(last_line, "no more such lines"));
}

static void test_testdev_reset_lowers_its_lines_and_clears_state(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	struct vmm_test_state *st = vmm_test_get(ctx);

	wr(ctx, 0x40, 4, 0x12345678);
	pwr(ctx, P_SCRATCH, 4, 0x9abcdef0);
	wr(ctx, R_IRQ, 4, (VMM_GSI_SET_HIGH << 8) | 17);
	wr(ctx, R_IRQ, 4, (VMM_GSI_SET_HIGH << 8) | 3);
	assert_int_equal(st->irq_level[17], 1);
	assert_int_equal(st->irq_level[3], 1);
	pci_reset(ctx);
	assert_int_equal(st->irq_level[17], 0);
	assert_int_equal(st->irq_level[3], 0);
	assert_int_equal(rd(ctx, R_LEVELS, 8), 0);
	assert_int_equal(rd(ctx, 0x40, 4), 0);
	assert_int_equal(prd(ctx, P_SCRATCH, 4), 0);
	assert_int_equal(rd(ctx, R_COUNT, 4), 1);	/* the scratch read just made */
	assert_int_equal(rd(ctx, R_BAD, 4), 0);
	assert_int_equal(rd(ctx, R_ID, 4), TDEV_ID);
}

static void test_testdev_refuses_options(void **state)
{
	struct dmtest_vm vm;

	assert_int_equal(dmtest_vm_create(&vm, "-s", "4,testdev,fast", "v", NULL), -EINVAL);
	assert_non_null(strstr(vm.err, "testdev"));
	dmtest_vm_destroy(&vm);
	assert_int_equal(dmtest_vm_create(&vm, "-s", "4,testdev", "-s", "5,testdev", "v", NULL), 0);
	dmtest_vm_destroy(&vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_testdev_ids_class_and_bar_sizes),
		cmocka_unit_test(test_testdev_scratch_reads_back_every_width_little_endian),
		cmocka_unit_test(test_testdev_irq_generator_drives_set_irqline),
		cmocka_unit_test(test_testdev_pio_scratch_widths),
		cmocka_unit_test(test_testdev_hostile_accesses_logged_ignored_and_rate_limited),
		cmocka_unit_test(test_testdev_reset_lowers_its_lines_and_clears_state),
		cmocka_unit_test(test_testdev_refuses_options),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

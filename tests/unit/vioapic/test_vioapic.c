/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the vIOAPIC model with a recording deliver hook. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include <string.h>
#include <lib/errno.h>
#include <dm/vioapic.h>

struct msg {
	uint32_t dest, mode, vector;
	bool logical, level;
};

static struct msg msgs[16];
static int nmsgs;
static struct vioapic io;

static void f_deliver(void *ctx, uint32_t dest, bool logical, uint32_t mode, uint32_t vector, bool level)
{
	(void)ctx;
	if (nmsgs < 16)
		msgs[nmsgs] = (struct msg){ dest, mode, vector, logical, level };
	nmsgs++;
}

static const struct vioapic_ops ops = { .deliver = f_deliver };

static void setup(void)
{
	nmsgs = 0;
	memset(msgs, 0, sizeof(msgs));
	assert_int_equal(vioapic_init(&io, 2, &ops, NULL), 0);
}

static uint32_t ind_read(uint32_t index)
{
	uint32_t v = 0xdeadbeef;

	assert_int_equal(vioapic_mmio_write(&io, VIOAPIC_OFF_IOREGSEL, 4, index), 0);
	assert_int_equal(vioapic_mmio_read(&io, VIOAPIC_OFF_IOWIN, 4, &v), 0);
	return v;
}

static void ind_write(uint32_t index, uint32_t val)
{
	assert_int_equal(vioapic_mmio_write(&io, VIOAPIC_OFF_IOREGSEL, 4, index), 0);
	assert_int_equal(vioapic_mmio_write(&io, VIOAPIC_OFF_IOWIN, 4, val), 0);
}

static void set_rte(uint32_t pin, uint64_t rte)
{
	ind_write(VIOAPIC_REG_RTE0 + 2 * pin + 1, (uint32_t)(rte >> 32));
	ind_write(VIOAPIC_REG_RTE0 + 2 * pin, (uint32_t)rte);
}

static void test_vioapic_id_version_arbitration(void **s)
{
	setup();
	assert_int_equal(ind_read(VIOAPIC_REG_ID), 2U << 24);
	assert_int_equal(ind_read(VIOAPIC_REG_VER), 0x20 | (47U << 16));
	assert_int_equal(ind_read(VIOAPIC_REG_ARB), 2U << 24);
	ind_write(VIOAPIC_REG_ID, 0x0B000000);
	assert_int_equal(ind_read(VIOAPIC_REG_ID), 0x0BU << 24);
	ind_write(VIOAPIC_REG_VER, 0);				/* read-only */
	assert_int_equal(ind_read(VIOAPIC_REG_VER), 0x20 | (47U << 16));
	assert_int_equal(ind_read(0x03), 0);			/* hole */
	assert_int_equal(ind_read(0x10 + 2 * 48), 0);		/* past the last entry */
	assert_int_equal(vioapic_init(&io, 16, &ops, NULL), -EINVAL);
}

static void test_vioapic_reset_masks_every_pin(void **s)
{
	uint32_t pin;

	setup();
	for (pin = 0; pin < VIOAPIC_PINS; pin++) {
		assert_int_equal(ind_read(VIOAPIC_REG_RTE0 + 2 * pin), (uint32_t)VIOAPIC_RTE_MASKED);
		assert_int_equal(ind_read(VIOAPIC_REG_RTE0 + 2 * pin + 1), 0);
	}
}

static void test_vioapic_rte_readonly_bits_preserved(void **s)
{
	setup();
	set_rte(5, 0xFFFFFFFFFFFFFFFFULL);
	/* delivery status and remote IRR cannot be set by software. */
	assert_int_equal(ind_read(VIOAPIC_REG_RTE0 + 10) & (VIOAPIC_RTE_DELIVS | VIOAPIC_RTE_REM_IRR), 0);
	assert_int_equal(ind_read(VIOAPIC_REG_RTE0 + 11), 0xFFFF0000U);	/* 47:32 reserved */
	assert_true(vioapic_pin_is_active_low(&io, 5));
	assert_false(vioapic_pin_is_active_low(&io, 6));
	assert_false(vioapic_pin_is_active_low(&io, 1000));
}

static void test_vioapic_edge_delivers_once_per_rising_edge(void **s)
{
	setup();
	set_rte(4, (1ULL << 56) | 0x34);
	assert_int_equal(vioapic_set_irq(&io, 4, VIOAPIC_IRQ_ASSERT), 0);
	assert_int_equal(nmsgs, 1);
	assert_int_equal(msgs[0].dest, 1);
	assert_int_equal(msgs[0].vector, 0x34);
	assert_false(msgs[0].level);
	assert_false(msgs[0].logical);
	vioapic_set_irq(&io, 4, VIOAPIC_IRQ_ASSERT);		/* still high: no edge */
	assert_int_equal(nmsgs, 1);
	vioapic_set_irq(&io, 4, VIOAPIC_IRQ_DEASSERT);
	vioapic_set_irq(&io, 4, VIOAPIC_IRQ_PULSE);
	assert_int_equal(nmsgs, 2);
	vioapic_set_irq(&io, 4, VIOAPIC_IRQ_PULSE);
	assert_int_equal(nmsgs, 3);
}

static void test_vioapic_masked_pin_not_delivered(void **s)
{
	setup();
	set_rte(1, VIOAPIC_RTE_MASKED | 0x31);
	vioapic_set_irq(&io, 1, VIOAPIC_IRQ_PULSE);
	assert_int_equal(nmsgs, 0);
	/* Unmasking an edge pin does not replay the lost edge. */
	set_rte(1, 0x31);
	assert_int_equal(nmsgs, 0);
	/* A level pin asserted while masked is delivered when unmasked. */
	set_rte(2, VIOAPIC_RTE_MASKED | VIOAPIC_RTE_LEVEL | 0x32);
	vioapic_set_irq(&io, 2, VIOAPIC_IRQ_ASSERT);
	assert_int_equal(nmsgs, 0);
	set_rte(2, VIOAPIC_RTE_LEVEL | 0x32);
	assert_int_equal(nmsgs, 1);
	assert_int_equal(msgs[0].vector, 0x32);
	assert_true(msgs[0].level);
}

static void test_vioapic_level_remote_irr_blocks_until_eoi(void **s)
{
	setup();
	set_rte(9, VIOAPIC_RTE_LEVEL | VIOAPIC_RTE_DESTLOG | (0x3ULL << 56) | 0x59);
	vioapic_set_irq(&io, 9, VIOAPIC_IRQ_ASSERT);
	assert_int_equal(nmsgs, 1);
	assert_true(msgs[0].logical);
	assert_int_equal(msgs[0].dest, 3);
	assert_true(ind_read(VIOAPIC_REG_RTE0 + 18) & VIOAPIC_RTE_REM_IRR);
	vioapic_set_irq(&io, 9, VIOAPIC_IRQ_DEASSERT);
	vioapic_set_irq(&io, 9, VIOAPIC_IRQ_ASSERT);		/* blocked by remote IRR */
	assert_int_equal(nmsgs, 1);
	vioapic_eoi(&io, 0x58);					/* other vector: no effect */
	assert_int_equal(nmsgs, 1);
	vioapic_eoi(&io, 0x59);					/* still asserted: re-delivered */
	assert_int_equal(nmsgs, 2);
	assert_true(ind_read(VIOAPIC_REG_RTE0 + 18) & VIOAPIC_RTE_REM_IRR);
	vioapic_set_irq(&io, 9, VIOAPIC_IRQ_DEASSERT);
	vioapic_eoi(&io, 0x59);					/* line low: just cleared */
	assert_int_equal(nmsgs, 2);
	assert_false(ind_read(VIOAPIC_REG_RTE0 + 18) & VIOAPIC_RTE_REM_IRR);
}

/* eoi_pin hook: records the pins and, like a passed-through device's INTx
 * (common/ptdev.c), drops the line of the pin it is told to. */
static uint32_t eoi_pins_seen;
static int eoi_lower_pin = -1;

static void f_eoi_pin(void *ctx, uint32_t pin)
{
	eoi_pins_seen |= 1U << pin;
	if ((int)pin == eoi_lower_pin)
		vioapic_set_line(ctx, pin, false);
}

static const struct vioapic_ops ops_eoi = { .deliver = f_deliver, .eoi_pin = f_eoi_pin };

static void test_vioapic_eoi_pin_hook_runs_before_redelivery(void **s)
{
	setup();
	assert_int_equal(vioapic_init(&io, 2, &ops_eoi, &io), 0);
	eoi_pins_seen = 0;
	eoi_lower_pin = 16;
	set_rte(16, VIOAPIC_RTE_LEVEL | 0x61);
	set_rte(17, VIOAPIC_RTE_LEVEL | 0x61);		/* shares the vector */
	set_rte(18, 0x61);				/* edge: no remote IRR */
	vioapic_set_line(&io, 16, true);
	vioapic_set_line(&io, 17, true);
	assert_int_equal(nmsgs, 2);
	vioapic_eoi(&io, 0x60);				/* other vector: no hook */
	assert_int_equal(eoi_pins_seen, 0);
	vioapic_eoi(&io, 0x61);
	assert_int_equal(eoi_pins_seen, (1U << 16) | (1U << 17));
	/* 16 was lowered by the hook: not delivered again; 17 still high: again. */
	assert_int_equal(nmsgs, 3);
	assert_false(ind_read(VIOAPIC_REG_RTE0 + 32) & VIOAPIC_RTE_REM_IRR);
	assert_true(ind_read(VIOAPIC_REG_RTE0 + 34) & VIOAPIC_RTE_REM_IRR);
	eoi_pins_seen = 0;
	vioapic_eoi(&io, 0x61);
	assert_int_equal(eoi_pins_seen, 1U << 17);	/* only entries with remote IRR */
	eoi_lower_pin = -1;
}

static void test_vioapic_eoi_register_clears_remote_irr(void **s)
{
	setup();
	set_rte(20, VIOAPIC_RTE_LEVEL | 0x61);
	vioapic_set_irq(&io, 20, VIOAPIC_IRQ_ASSERT);
	assert_int_equal(nmsgs, 1);
	assert_int_equal(vioapic_mmio_write(&io, VIOAPIC_OFF_EOI, 4, 0x61), 0);
	assert_int_equal(nmsgs, 2);
	vioapic_set_irq(&io, 20, VIOAPIC_IRQ_DEASSERT);
	assert_int_equal(vioapic_mmio_write(&io, VIOAPIC_OFF_EOI, 4, 0x61), 0);
	assert_false(ind_read(VIOAPIC_REG_RTE0 + 40) & VIOAPIC_RTE_REM_IRR);
	assert_int_equal(nmsgs, 2);
}

static void test_vioapic_level_pulse_delivers_once(void **s)
{
	setup();
	set_rte(3, VIOAPIC_RTE_LEVEL | 0x40);
	vioapic_set_irq(&io, 3, VIOAPIC_IRQ_PULSE);
	assert_int_equal(nmsgs, 1);
	vioapic_eoi(&io, 0x40);
	assert_int_equal(nmsgs, 1);
}

static void test_vioapic_switch_to_edge_drops_remote_irr(void **s)
{
	setup();
	set_rte(7, VIOAPIC_RTE_LEVEL | 0x47);
	vioapic_set_irq(&io, 7, VIOAPIC_IRQ_ASSERT);
	assert_true(ind_read(VIOAPIC_REG_RTE0 + 14) & VIOAPIC_RTE_REM_IRR);
	ind_write(VIOAPIC_REG_RTE0 + 14, 0x47);
	assert_false(ind_read(VIOAPIC_REG_RTE0 + 14) & VIOAPIC_RTE_REM_IRR);
}

static void test_vioapic_delivery_mode_passed_through(void **s)
{
	setup();
	set_rte(0, (7ULL << 8));				/* ExtINT */
	set_rte(47, (4ULL << 8) | (0xFFULL << 56));		/* NMI, broadcast, last pin */
	vioapic_set_irq(&io, 0, VIOAPIC_IRQ_PULSE);
	vioapic_set_irq(&io, 47, VIOAPIC_IRQ_PULSE);
	assert_int_equal(nmsgs, 2);
	assert_int_equal(msgs[0].mode, 7);
	assert_int_equal(msgs[1].mode, 4);
	assert_int_equal(msgs[1].dest, 0xFF);
}

/* An electrical line keeps its level; the polarity programmed later decides what it means
 * (the SCI: the device model drives it high = idle before Linux makes pin 9 active low). */
static void test_vioapic_line_level_read_through_current_polarity(void **s)
{
	setup();
	assert_int_equal(vioapic_set_line(&io, 9, true), 0);	/* idle SCI, pin still reset */
	assert_int_equal(nmsgs, 0);				/* masked */
	set_rte(9, VIOAPIC_RTE_LEVEL | VIOAPIC_RTE_POLLOW | 0x41);	/* active low, unmasked */
	assert_int_equal(nmsgs, 0);				/* high = inactive now */
	vioapic_eoi(&io, 0x41);
	assert_int_equal(nmsgs, 0);
	vioapic_set_line(&io, 9, false);			/* asserted */
	assert_int_equal(nmsgs, 1);
	assert_true(msgs[0].level);
	vioapic_eoi(&io, 0x41);					/* still low: again */
	assert_int_equal(nmsgs, 2);
	vioapic_set_line(&io, 9, true);
	vioapic_eoi(&io, 0x41);					/* released: no more */
	assert_int_equal(nmsgs, 2);
	assert_false(ind_read(VIOAPIC_REG_RTE0 + 18) & VIOAPIC_RTE_REM_IRR);
	/* Polarity flipped back to active high while the line is high: it asserts at once. */
	set_rte(9, VIOAPIC_RTE_LEVEL | 0x41);
	assert_int_equal(nmsgs, 3);
}

/* Edge entries send on the inactive-to-active change of the electrical level; pins never
 * driven are inactive whatever their polarity; bad pins are refused. */
static void test_vioapic_line_edges_and_undriven_pins(void **s)
{
	setup();
	set_rte(4, 0x34);					/* edge, active high */
	vioapic_set_line(&io, 4, false);
	assert_int_equal(nmsgs, 0);
	vioapic_set_line(&io, 4, true);
	assert_int_equal(nmsgs, 1);
	vioapic_set_line(&io, 4, true);				/* no new edge */
	assert_int_equal(nmsgs, 1);
	set_rte(5, VIOAPIC_RTE_LEVEL | VIOAPIC_RTE_POLLOW | 0x35);	/* never driven */
	assert_int_equal(nmsgs, 1);
	set_rte(6, VIOAPIC_RTE_POLLOW | 0x36);			/* edge, active low */
	vioapic_set_line(&io, 6, true);
	vioapic_set_line(&io, 6, false);			/* falling = active edge */
	assert_int_equal(nmsgs, 2);
	assert_int_equal(msgs[1].vector, 0x36);
	assert_int_equal(vioapic_set_line(&io, VIOAPIC_PINS, true), -EINVAL);
}

static void test_vioapic_hostile_inputs_rejected(void **s)
{
	uint32_t v = 1;

	setup();
	assert_int_equal(vioapic_set_irq(&io, 48, VIOAPIC_IRQ_ASSERT), -EINVAL);
	assert_int_equal(vioapic_set_irq(&io, 0xFFFFFFFFU, VIOAPIC_IRQ_ASSERT), -EINVAL);
	assert_int_equal(vioapic_set_irq(&io, 1, 3), -EINVAL);
	assert_int_equal(vioapic_mmio_read(&io, 0x04, 4, &v), -EINVAL);
	assert_int_equal(v, 0);
	assert_int_equal(vioapic_mmio_read(&io, VIOAPIC_OFF_IOWIN, 1, &v), -EINVAL);
	assert_int_equal(vioapic_mmio_write(&io, 0x20, 4, 0), -EINVAL);
	ind_write(0xFF, 0x12345678);				/* index past the table */
	assert_int_equal(nmsgs, 0);
	assert_int_equal(vioapic_mmio_write(&io, VIOAPIC_OFF_IOREGSEL, 4, 0x1234), 0);
	assert_int_equal(vioapic_mmio_read(&io, VIOAPIC_OFF_IOREGSEL, 4, &v), 0);
	assert_int_equal(v, 0x34);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vioapic_id_version_arbitration),
		cmocka_unit_test(test_vioapic_reset_masks_every_pin),
		cmocka_unit_test(test_vioapic_rte_readonly_bits_preserved),
		cmocka_unit_test(test_vioapic_edge_delivers_once_per_rising_edge),
		cmocka_unit_test(test_vioapic_masked_pin_not_delivered),
		cmocka_unit_test(test_vioapic_level_remote_irr_blocks_until_eoi),
		cmocka_unit_test(test_vioapic_eoi_register_clears_remote_irr),
		cmocka_unit_test(test_vioapic_eoi_pin_hook_runs_before_redelivery),
		cmocka_unit_test(test_vioapic_level_pulse_delivers_once),
		cmocka_unit_test(test_vioapic_switch_to_edge_drops_remote_irr),
		cmocka_unit_test(test_vioapic_delivery_mode_passed_through),
		cmocka_unit_test(test_vioapic_line_level_read_through_current_polarity),
		cmocka_unit_test(test_vioapic_line_edges_and_undriven_pins),
		cmocka_unit_test(test_vioapic_hostile_inputs_rejected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

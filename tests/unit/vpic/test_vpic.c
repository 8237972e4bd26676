/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the 8259A pair model driven through its ports, as a guest would. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include <string.h>
#include <lib/errno.h>
#include <dm/vpic.h>

static struct vpic pic;
static int notifies;
static bool intr_line;

static void f_notify(void *ctx, bool asserted)
{
	(void)ctx;
	notifies++;
	intr_line = asserted;
}

static const struct vpic_ops ops = { .notify = f_notify };

static void out(uint16_t port, uint32_t val)
{
	assert_int_equal(vpic_pio_write(&pic, port, 1, val), 0);
}

static uint32_t in(uint16_t port)
{
	uint32_t v = 0x1234;

	assert_int_equal(vpic_pio_read(&pic, port, 1, &v), 0);
	return v;
}

/* The PC initialisation sequence: master at 0x20, slave at 0x28 on IR2. */
static void setup_pc(uint32_t icw4)
{
	notifies = 0;
	intr_line = false;
	assert_int_equal(vpic_init(&pic, &ops, NULL), 0);
	out(0x20, 0x11);
	out(0x21, 0x20);
	out(0x21, 0x04);
	out(0x21, icw4);
	out(0xA0, 0x11);
	out(0xA1, 0x28);
	out(0xA1, 0x02);
	out(0xA1, icw4);
	out(0x21, 0x00);
	out(0xA1, 0x00);
}

static uint32_t pending(void)
{
	uint32_t v = 0;

	assert_int_equal(vpic_pending_intr(&pic, &v), 0);
	return v;
}

static void assert_none_pending(void)
{
	uint32_t v;

	assert_int_equal(vpic_pending_intr(&pic, &v), -ENOENT);
}

static uint32_t read_isr(uint16_t cmd)
{
	uint32_t v;

	out(cmd, 0x0B);
	v = in(cmd);
	out(cmd, 0x0A);
	return v;
}

static void test_vpic_icw_sequence_sets_vector_base(void **s)
{
	setup_pc(0x01);
	vpic_set_irq(&pic, 1, VPIC_IRQ_PULSE);
	assert_int_equal(pending(), 0x21);
	assert_int_equal(vpic_intr_accepted(&pic, 0x21), 0);
	out(0x20, 0x20);
	vpic_set_irq(&pic, 10, VPIC_IRQ_PULSE);
	assert_int_equal(pending(), 0x2A);
	assert_int_equal(vpic_intr_accepted(&pic, 0x2A), 0);
	/* ICW2 bits 2:0 are not part of the base (x86 mode). */
	out(0x20, 0x11);
	out(0x21, 0x77);
	out(0x21, 0x04);
	out(0x21, 0x01);
	vpic_set_irq(&pic, 3, VPIC_IRQ_PULSE);
	assert_int_equal(pending(), 0x73);
}

static void test_vpic_no_interrupt_until_initialised(void **s)
{
	notifies = 0;
	assert_int_equal(vpic_init(&pic, &ops, NULL), 0);
	vpic_set_irq(&pic, 1, VPIC_IRQ_ASSERT);
	assert_none_pending();
	out(0x20, 0x11);
	out(0x21, 0x08);
	assert_none_pending();			/* still expecting ICW3 */
	out(0x21, 0x04);
	out(0x21, 0x01);
	assert_none_pending();			/* ICW1 reset the edge sense: needs a new edge */
	vpic_set_irq(&pic, 1, VPIC_IRQ_DEASSERT);
	vpic_set_irq(&pic, 1, VPIC_IRQ_ASSERT);
	assert_int_equal(pending(), 0x09);
}

static void test_vpic_icw1_clears_imr_isr_and_selects_irr(void **s)
{
	setup_pc(0x01);
	out(0x21, 0xF0);
	vpic_set_irq(&pic, 0, VPIC_IRQ_PULSE);
	vpic_intr_accepted(&pic, 0x20);
	out(0x20, 0x0B);			/* read ISR */
	assert_int_equal(in(0x20), 0x01);
	out(0x20, 0x11);
	out(0x21, 0x20);
	out(0x21, 0x04);
	out(0x21, 0x01);
	assert_int_equal(in(0x21), 0x00);
	assert_int_equal(in(0x20), 0x00);	/* IRR selected again, and empty */
	assert_int_equal(read_isr(0x20), 0x00);
}

static void test_vpic_edge_irr_latched_isr_set_on_inta(void **s)
{
	setup_pc(0x01);
	vpic_set_irq(&pic, 3, VPIC_IRQ_ASSERT);
	assert_true(intr_line);
	assert_int_equal(in(0x20), 0x08);
	vpic_set_irq(&pic, 3, VPIC_IRQ_DEASSERT);
	assert_int_equal(in(0x20), 0x08);	/* edge stays latched */
	assert_int_equal(vpic_intr_accepted(&pic, 0x23), 0);
	assert_int_equal(in(0x20), 0x00);
	assert_int_equal(read_isr(0x20), 0x08);
	assert_false(intr_line);
	assert_none_pending();
	/* Same line high again without a new edge: nothing. */
	vpic_set_irq(&pic, 3, VPIC_IRQ_ASSERT);
	vpic_set_irq(&pic, 3, VPIC_IRQ_ASSERT);
	out(0x20, 0x20);
	assert_int_equal(pending(), 0x23);	/* the first assert was a new edge */
	vpic_intr_accepted(&pic, 0x23);
	out(0x20, 0x20);
	assert_none_pending();
}

static void test_vpic_fully_nested_priority(void **s)
{
	setup_pc(0x01);
	vpic_set_irq(&pic, 3, VPIC_IRQ_PULSE);
	vpic_intr_accepted(&pic, 0x23);
	vpic_set_irq(&pic, 5, VPIC_IRQ_PULSE);
	assert_none_pending();			/* lower priority than in-service 3 */
	vpic_set_irq(&pic, 1, VPIC_IRQ_PULSE);
	assert_int_equal(pending(), 0x21);	/* higher priority nests */
	vpic_intr_accepted(&pic, 0x21);
	out(0x20, 0x20);			/* non-specific EOI ends 1 (highest) */
	assert_int_equal(read_isr(0x20), 0x08);
	assert_none_pending();
	out(0x20, 0x20);
	assert_int_equal(pending(), 0x25);
}

static void test_vpic_specific_eoi(void **s)
{
	setup_pc(0x01);
	vpic_set_irq(&pic, 4, VPIC_IRQ_PULSE);
	vpic_intr_accepted(&pic, 0x24);
	vpic_set_irq(&pic, 1, VPIC_IRQ_PULSE);
	vpic_intr_accepted(&pic, 0x21);
	assert_int_equal(read_isr(0x20), 0x12);
	out(0x20, 0x60 | 4);			/* specific EOI for IR4 */
	assert_int_equal(read_isr(0x20), 0x02);
	out(0x20, 0x60 | 1);
	assert_int_equal(read_isr(0x20), 0x00);
}

static void test_vpic_cascade_slave_irq_via_irq2(void **s)
{
	setup_pc(0x01);
	vpic_set_irq(&pic, 12, VPIC_IRQ_PULSE);
	assert_true(intr_line);
	assert_int_equal(in(0x20), 0x04);	/* master sees IR2 */
	assert_int_equal(pending(), 0x2C);
	assert_int_equal(vpic_intr_accepted(&pic, 0x2C), 0);
	assert_int_equal(read_isr(0x20), 0x04);
	assert_int_equal(read_isr(0xA0), 0x10);
	/* Another slave request is held while master IR2 is in service. */
	vpic_set_irq(&pic, 8, VPIC_IRQ_PULSE);
	assert_none_pending();
	out(0xA0, 0x20);
	out(0x20, 0x20);
	assert_int_equal(pending(), 0x28);
	/* Masking IR2 on the master hides the whole slave. */
	out(0x21, 0x04);
	assert_none_pending();
	assert_int_equal(vpic_set_irq(&pic, 2, VPIC_IRQ_ASSERT), -EINVAL);
}

static void test_vpic_special_fully_nested_lets_higher_slave_irq_through(void **s)
{
	setup_pc(0x11);				/* ICW4: SFNM, x86 */
	vpic_set_irq(&pic, 12, VPIC_IRQ_PULSE);
	vpic_intr_accepted(&pic, 0x2C);
	vpic_set_irq(&pic, 9, VPIC_IRQ_PULSE);	/* higher than 12 on the slave */
	assert_int_equal(pending(), 0x29);
	vpic_set_irq(&pic, 14, VPIC_IRQ_PULSE);	/* lower: still blocked by slave ISR */
	vpic_intr_accepted(&pic, 0x29);
	assert_int_equal(read_isr(0xA0), 0x12);
	assert_none_pending();
}

static void test_vpic_elcr_level(void **s)
{
	setup_pc(0x01);
	out(0x4D0, 0xFF);
	assert_int_equal(in(0x4D0), 0xF8);	/* IRQ0-2 are always edge */
	out(0x4D1, 0xFF);
	assert_int_equal(in(0x4D1), 0xDE);	/* IRQ8 and IRQ13 are always edge */
	vpic_set_irq(&pic, 5, VPIC_IRQ_ASSERT);
	assert_int_equal(pending(), 0x25);
	vpic_intr_accepted(&pic, 0x25);
	out(0x20, 0x20);
	assert_int_equal(pending(), 0x25);	/* still asserted: requests again */
	vpic_intr_accepted(&pic, 0x25);
	vpic_set_irq(&pic, 5, VPIC_IRQ_DEASSERT);
	assert_int_equal(in(0x20) & 0x20, 0);	/* level IRR follows the line */
	out(0x20, 0x20);
	assert_none_pending();
	/* A level request that drops before INTA disappears. */
	vpic_set_irq(&pic, 11, VPIC_IRQ_ASSERT);
	assert_true(intr_line);
	vpic_set_irq(&pic, 11, VPIC_IRQ_DEASSERT);
	assert_false(intr_line);
}

static void test_vpic_spurious_irq7_when_request_vanishes(void **s)
{
	uint32_t vec = 0;

	setup_pc(0x01);
	out(0x4D0, 0x20);
	vpic_set_irq(&pic, 5, VPIC_IRQ_ASSERT);
	assert_int_equal(pending(), 0x25);
	vpic_set_irq(&pic, 5, VPIC_IRQ_DEASSERT);
	/* The CPU already committed to the INTA: it gets IR7, no ISR bit. */
	assert_int_equal(vpic_intr_accepted(&pic, 0x25), -EAGAIN);
	assert_int_equal(vpic_inta(&pic, &vec), 0);
	assert_int_equal(vec, 0x27);
	assert_int_equal(read_isr(0x20), 0x00);
}

static void test_vpic_imr_masks_requests(void **s)
{
	setup_pc(0x01);
	out(0x21, 0x10);
	assert_int_equal(in(0x21), 0x10);
	vpic_set_irq(&pic, 4, VPIC_IRQ_PULSE);
	assert_none_pending();
	assert_false(intr_line);
	out(0x21, 0x00);			/* the latched edge is delivered on unmask */
	assert_int_equal(pending(), 0x24);
	assert_true(intr_line);
}

static void test_vpic_auto_eoi(void **s)
{
	setup_pc(0x03);
	vpic_set_irq(&pic, 6, VPIC_IRQ_PULSE);
	vpic_intr_accepted(&pic, 0x26);
	assert_int_equal(read_isr(0x20), 0x00);
	vpic_set_irq(&pic, 7, VPIC_IRQ_PULSE);	/* lower priority not blocked */
	assert_int_equal(pending(), 0x27);
}

static void test_vpic_poll_mode(void **s)
{
	setup_pc(0x01);
	out(0x20, 0x0C);			/* OCW3 poll, nothing pending */
	assert_int_equal(in(0x20), 0x00);
	vpic_set_irq(&pic, 6, VPIC_IRQ_PULSE);
	vpic_set_irq(&pic, 4, VPIC_IRQ_PULSE);
	out(0x20, 0x0C);
	assert_int_equal(in(0x20), 0x84);	/* poll acknowledges IR4 */
	assert_int_equal(read_isr(0x20), 0x10);
	assert_int_equal(in(0x20), 0x40);	/* back to reading IRR */
	out(0x20, 0x20);
	out(0x20, 0x0C);
	assert_int_equal(in(0x20), 0x86);
}

static void test_vpic_rotate_on_nonspecific_eoi(void **s)
{
	setup_pc(0x01);
	vpic_set_irq(&pic, 0, VPIC_IRQ_PULSE);
	vpic_intr_accepted(&pic, 0x20);
	out(0x20, 0xA0);			/* rotate on non-specific EOI: IR0 lowest */
	vpic_set_irq(&pic, 0, VPIC_IRQ_PULSE);
	vpic_set_irq(&pic, 5, VPIC_IRQ_PULSE);
	assert_int_equal(pending(), 0x25);
}

static void test_vpic_rotate_on_specific_eoi_and_in_aeoi(void **s)
{
	setup_pc(0x01);
	vpic_set_irq(&pic, 3, VPIC_IRQ_PULSE);
	vpic_intr_accepted(&pic, 0x23);
	out(0x20, 0xE0 | 3);			/* rotate on specific EOI: IR3 lowest */
	assert_int_equal(read_isr(0x20), 0);
	vpic_set_irq(&pic, 3, VPIC_IRQ_PULSE);
	vpic_set_irq(&pic, 6, VPIC_IRQ_PULSE);
	assert_int_equal(pending(), 0x26);
	/* Automatic EOI with rotation: the acknowledged IRQ becomes lowest. */
	setup_pc(0x03);
	out(0x20, 0x80);			/* set rotate in AEOI */
	vpic_set_irq(&pic, 1, VPIC_IRQ_PULSE);
	vpic_intr_accepted(&pic, 0x21);
	vpic_set_irq(&pic, 1, VPIC_IRQ_PULSE);
	vpic_set_irq(&pic, 5, VPIC_IRQ_PULSE);
	assert_int_equal(pending(), 0x25);
	out(0x20, 0x00);			/* clear rotate in AEOI */
	vpic_intr_accepted(&pic, 0x25);		/* no rotation: IR1 stays lowest */
	vpic_set_irq(&pic, 6, VPIC_IRQ_PULSE);
	vpic_set_irq(&pic, 3, VPIC_IRQ_PULSE);
	assert_int_equal(pending(), 0x23);	/* IR3 before IR6: order starts at IR2 */
}

static void test_vpic_single_mode_skips_icw3_and_icw4(void **s)
{
	notifies = 0;
	assert_int_equal(vpic_init(&pic, &ops, NULL), 0);
	out(0x20, 0x12);			/* ICW1: single, no ICW4 */
	out(0x21, 0x40);			/* ICW2 */
	out(0x21, 0xFB);			/* already OCW1: IMR */
	assert_int_equal(in(0x21), 0xFB);
	out(0x21, 0x00);
	vpic_set_irq(&pic, 0, VPIC_IRQ_PULSE);
	assert_int_equal(pending(), 0x40);
	vpic_intr_accepted(&pic, 0x40);
	assert_int_equal(read_isr(0x20), 0x01);	/* no AEOI without ICW4 */
}

static void test_vpic_set_priority_command(void **s)
{
	setup_pc(0x01);
	out(0x20, 0xC0 | 4);			/* IR4 lowest, IR5 highest */
	vpic_set_irq(&pic, 3, VPIC_IRQ_PULSE);
	vpic_set_irq(&pic, 6, VPIC_IRQ_PULSE);
	assert_int_equal(pending(), 0x26);
}

static void test_vpic_special_mask_mode(void **s)
{
	setup_pc(0x01);
	vpic_set_irq(&pic, 1, VPIC_IRQ_PULSE);
	vpic_intr_accepted(&pic, 0x21);
	vpic_set_irq(&pic, 4, VPIC_IRQ_PULSE);
	assert_none_pending();
	out(0x21, 0x02);			/* mask IR1 */
	out(0x20, 0x68);			/* set special mask */
	assert_int_equal(pending(), 0x24);
	out(0x20, 0x48);			/* reset special mask */
	assert_none_pending();
}

static void test_vpic_notify_only_on_change(void **s)
{
	setup_pc(0x01);
	assert_int_equal(notifies, 0);
	vpic_set_irq(&pic, 3, VPIC_IRQ_PULSE);
	assert_int_equal(notifies, 1);
	vpic_set_irq(&pic, 4, VPIC_IRQ_PULSE);
	assert_int_equal(notifies, 1);		/* already asserted */
	out(0x21, 0xFF);
	assert_int_equal(notifies, 2);
	assert_false(intr_line);
	assert_false(vpic_intr_asserted(&pic));
}

static void test_vpic_hostile_inputs_rejected(void **s)
{
	uint32_t v = 0;

	setup_pc(0x01);
	assert_int_equal(vpic_set_irq(&pic, 16, VPIC_IRQ_ASSERT), -EINVAL);
	assert_int_equal(vpic_set_irq(&pic, 0xFFFFFFFFU, VPIC_IRQ_ASSERT), -EINVAL);
	assert_int_equal(vpic_set_irq(&pic, 3, 7), -EINVAL);
	assert_int_equal(vpic_pio_read(&pic, 0x20, 2, &v), -EINVAL);
	assert_int_equal(v, 0xFF);
	assert_int_equal(vpic_pio_write(&pic, 0x22, 1, 0), -EINVAL);
	assert_int_equal(vpic_pio_write(&pic, 0x21, 4, 0xFF), -EINVAL);
	assert_int_equal(in(0x21), 0x00);
	out(0x21, 0x1FF);			/* upper bits dropped */
	assert_int_equal(in(0x21), 0xFF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vpic_icw_sequence_sets_vector_base),
		cmocka_unit_test(test_vpic_no_interrupt_until_initialised),
		cmocka_unit_test(test_vpic_icw1_clears_imr_isr_and_selects_irr),
		cmocka_unit_test(test_vpic_edge_irr_latched_isr_set_on_inta),
		cmocka_unit_test(test_vpic_fully_nested_priority),
		cmocka_unit_test(test_vpic_specific_eoi),
		cmocka_unit_test(test_vpic_cascade_slave_irq_via_irq2),
		cmocka_unit_test(test_vpic_special_fully_nested_lets_higher_slave_irq_through),
		cmocka_unit_test(test_vpic_elcr_level),
		cmocka_unit_test(test_vpic_spurious_irq7_when_request_vanishes),
		cmocka_unit_test(test_vpic_imr_masks_requests),
		cmocka_unit_test(test_vpic_auto_eoi),
		cmocka_unit_test(test_vpic_poll_mode),
		cmocka_unit_test(test_vpic_rotate_on_nonspecific_eoi),
		cmocka_unit_test(test_vpic_rotate_on_specific_eoi_and_in_aeoi),
		cmocka_unit_test(test_vpic_single_mode_skips_icw3_and_icw4),
		cmocka_unit_test(test_vpic_set_priority_command),
		cmocka_unit_test(test_vpic_special_mask_mode),
		cmocka_unit_test(test_vpic_notify_only_on_change),
		cmocka_unit_test(test_vpic_hostile_inputs_rejected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

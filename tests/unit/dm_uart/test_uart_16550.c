/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the PC16550D register model (devicemodel/hw/platform/uart_16550.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "hw/uart_16550.h"
#include "dm_uart_tests.h"

struct fake {
	bool irq;
	int irq_calls;
	uint8_t tx[64];
	size_t ntx;
	int rx_ready_calls;
};

static void fake_irq_set(void *ctx, bool level)
{
	struct fake *f = ctx;

	f->irq = level;
	f->irq_calls++;
}

static void fake_tx(void *ctx, uint8_t byte)
{
	struct fake *f = ctx;

	if (f->ntx < sizeof(f->tx))
		f->tx[f->ntx++] = byte;
}

static void fake_rx_ready(void *ctx)
{
	((struct fake *)ctx)->rx_ready_calls++;
}

static const struct uart_ops fake_ops = {
	.irq_set = fake_irq_set,
	.tx = fake_tx,
	.rx_ready = fake_rx_ready,
};

static struct uart_16550 *mk(struct fake *f)
{
	struct uart_16550 *u = NULL;

	memset(f, 0, sizeof(*f));
	assert_int_equal(uart_create(&fake_ops, f, &u), 0);
	return u;
}

static uint8_t rd(struct uart_16550 *u, uint32_t off)
{
	uint8_t v = 0;

	assert_int_equal(uart_read(u, off, &v), 0);
	return v;
}

static void wr(struct uart_16550 *u, uint32_t off, uint8_t v)
{
	assert_int_equal(uart_write(u, off, v), 0);
}

static void test_uart_tx_goes_to_backend_with_thr_empty(void **state)
{
	struct fake f;
	struct uart_16550 *u = mk(&f);

	wr(u, UART_REG_THR, 'h');
	wr(u, UART_REG_THR, 'i');
	assert_int_equal(f.ntx, 2);
	assert_memory_equal(f.tx, "hi", 2);
	assert_int_equal(rd(u, UART_REG_LSR) & (UART_LSR_THRE | UART_LSR_TEMT),
			 UART_LSR_THRE | UART_LSR_TEMT);
	uart_destroy(u);
}

static void test_uart_loopback_echoes_tx_to_rx(void **state)
{
	struct fake f;
	struct uart_16550 *u = mk(&f);

	wr(u, UART_REG_MCR, UART_MCR_LOOP);
	assert_int_equal(rd(u, UART_REG_LSR) & UART_LSR_DR, 0);
	wr(u, UART_REG_THR, 0x5a);
	assert_int_equal(f.ntx, 0);	/* nothing leaves the chip */
	assert_int_equal(rd(u, UART_REG_LSR) & UART_LSR_DR, UART_LSR_DR);
	assert_int_equal(rd(u, UART_REG_RBR), 0x5a);
	assert_int_equal(rd(u, UART_REG_LSR) & UART_LSR_DR, 0);
	/* Leaving loopback sends to the back-end again. */
	wr(u, UART_REG_MCR, 0);
	wr(u, UART_REG_THR, 0x11);
	assert_int_equal(f.ntx, 1);
	uart_destroy(u);
}

static void test_uart_loopback_msr_follows_mcr(void **state)
{
	struct fake f;
	struct uart_16550 *u = mk(&f);

	/* Not in loopback: a connected terminal (DCD, DSR, CTS). */
	assert_int_equal(rd(u, UART_REG_MSR) & 0xf0, 0xb0);
	wr(u, UART_REG_MCR, UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_OUT2);
	/* RTS->CTS, OUT2->DCD; DSR dropped -> DDSR delta. */
	assert_int_equal(rd(u, UART_REG_MSR), UART_MSR_CTS | UART_MSR_DCD | UART_MSR_DDSR);
	/* Delta bits clear on read. */
	assert_int_equal(rd(u, UART_REG_MSR), UART_MSR_CTS | UART_MSR_DCD);
	wr(u, UART_REG_MCR, UART_MCR_LOOP | UART_MCR_OUT1);
	assert_int_equal(rd(u, UART_REG_MSR),
			 UART_MSR_RI | UART_MSR_DCTS | UART_MSR_DDCD);
	/* RI falling edge -> TERI. */
	wr(u, UART_REG_MCR, UART_MCR_LOOP);
	assert_int_equal(rd(u, UART_REG_MSR), UART_MSR_TERI);
	uart_destroy(u);
}

static void test_uart_fifo_fill_to_16_then_overflow_sets_oe(void **state)
{
	struct fake f;
	struct uart_16550 *u = mk(&f);
	uint8_t in[20];
	int i;

	for (i = 0; i < 20; i++)
		in[i] = (uint8_t)(0x30 + i);
	wr(u, UART_REG_FCR, UART_FCR_ENABLE);
	assert_int_equal(uart_rx_push(u, in, 20), 16);	/* back-end keeps 4 */
	assert_int_equal(uart_rx_count(u), 16);
	assert_int_equal(uart_rx_space(u), 0);
	assert_int_equal(rd(u, UART_REG_LSR) & UART_LSR_OE, 0);
	/* A 17th character arriving on the line (loopback) is an overrun. */
	wr(u, UART_REG_MCR, UART_MCR_LOOP);
	wr(u, UART_REG_THR, 0xee);
	assert_int_equal(rd(u, UART_REG_LSR) & (UART_LSR_OE | UART_LSR_DR),
			 UART_LSR_OE | UART_LSR_DR);
	/* OE is cleared by the LSR read; the FIFO kept the first 16 bytes. */
	assert_int_equal(rd(u, UART_REG_LSR) & UART_LSR_OE, 0);
	for (i = 0; i < 16; i++)
		assert_int_equal(rd(u, UART_REG_RBR), 0x30 + i);
	assert_int_equal(rd(u, UART_REG_LSR) & UART_LSR_DR, 0);
	assert_true(f.rx_ready_calls >= 16);
	uart_destroy(u);
}

static void test_uart_fifo_disabled_holds_one_byte(void **state)
{
	struct fake f;
	struct uart_16550 *u = mk(&f);
	const uint8_t in[3] = { 1, 2, 3 };

	assert_int_equal(uart_rx_push(u, in, 3), 1);
	assert_int_equal(uart_rx_push(u, in + 1, 2), 0);
	assert_int_equal(rd(u, UART_REG_RBR), 1);
	assert_int_equal(uart_rx_push(u, in + 1, 2), 1);
	assert_int_equal(rd(u, UART_REG_RBR), 2);
	uart_destroy(u);
}

static void test_uart_fcr_rx_reset_empties_fifo(void **state)
{
	struct fake f;
	struct uart_16550 *u = mk(&f);
	const uint8_t in[4] = { 1, 2, 3, 4 };

	wr(u, UART_REG_FCR, UART_FCR_ENABLE);
	assert_int_equal(uart_rx_push(u, in, 4), 4);
	wr(u, UART_REG_FCR, UART_FCR_ENABLE | UART_FCR_CLR_RX);
	assert_int_equal(uart_rx_count(u), 0);
	assert_int_equal(rd(u, UART_REG_LSR) & UART_LSR_DR, 0);
	/* Reset bits self-clear: FIFO stays enabled and reports so in IIR. */
	assert_int_equal(rd(u, UART_REG_IIR) & UART_IIR_FIFO, UART_IIR_FIFO);
	assert_int_equal(uart_rx_push(u, in, 4), 4);
	/* Turning FIFOs off empties them too. */
	wr(u, UART_REG_FCR, 0);
	assert_int_equal(uart_rx_count(u), 0);
	assert_int_equal(rd(u, UART_REG_IIR) & UART_IIR_FIFO, 0);
	uart_destroy(u);
}

static void test_uart_thre_interrupt_raise_clear_reraise(void **state)
{
	struct fake f;
	struct uart_16550 *u = mk(&f);

	wr(u, UART_REG_MCR, UART_MCR_OUT2);
	assert_false(f.irq);
	/* Enabling ETBEI with THR empty raises THRE. */
	wr(u, UART_REG_IER, UART_IER_ETBEI);
	assert_true(f.irq);
	assert_int_equal(rd(u, UART_REG_IIR), UART_IIR_THRI);
	/* That IIR read cleared it. */
	assert_false(f.irq);
	assert_int_equal(rd(u, UART_REG_IIR), UART_IIR_NO_INT);
	/* Writing THR: THR empties again, THRE is raised again. */
	wr(u, UART_REG_THR, 'x');
	assert_true(f.irq);
	assert_int_equal(rd(u, UART_REG_IIR), UART_IIR_THRI);
	assert_false(f.irq);
	/* Re-enable 0 -> 1 re-raises; rewriting 1 -> 1 does not. */
	wr(u, UART_REG_IER, UART_IER_ETBEI);
	assert_false(f.irq);
	wr(u, UART_REG_IER, 0);
	wr(u, UART_REG_IER, UART_IER_ETBEI);
	assert_true(f.irq);
	/* Disabling ETBEI lowers the line without consuming the event. */
	wr(u, UART_REG_IER, 0);
	assert_false(f.irq);
	uart_destroy(u);
}

static void test_uart_irq_line_gated_by_out2_and_loopback(void **state)
{
	struct fake f;
	struct uart_16550 *u = mk(&f);
	const uint8_t b = 7;

	wr(u, UART_REG_IER, UART_IER_ERBFI);
	assert_int_equal(uart_rx_push(u, &b, 1), 1);
	assert_false(f.irq);
	assert_int_equal(rd(u, UART_REG_IIR), UART_IIR_RDI);
	wr(u, UART_REG_MCR, UART_MCR_OUT2);
	assert_true(f.irq);
	wr(u, UART_REG_MCR, UART_MCR_OUT2 | UART_MCR_LOOP);
	assert_false(f.irq);
	wr(u, UART_REG_MCR, UART_MCR_OUT2);
	assert_true(f.irq);
	assert_int_equal(rd(u, UART_REG_RBR), 7);
	assert_false(f.irq);
	uart_destroy(u);
}

static void test_uart_iir_reports_sources_in_priority_order(void **state)
{
	struct fake f;
	struct uart_16550 *u = mk(&f);
	int i;

	/* FIFO on, trigger level 4. */
	wr(u, UART_REG_FCR, UART_FCR_ENABLE | (1 << UART_FCR_TRIG_SHIFT));
	/* Loopback: entering it changes DSR/CTS/DCD -> modem status deltas. */
	wr(u, UART_REG_MCR, UART_MCR_LOOP);
	/* 17 characters: 16 in the FIFO, one overrun; THR empty again. */
	for (i = 0; i < 17; i++)
		wr(u, UART_REG_THR, (uint8_t)i);
	wr(u, UART_REG_IER, 0x0f);
	assert_int_equal(rd(u, UART_REG_IIR), UART_IIR_FIFO | UART_IIR_RLSI);
	rd(u, UART_REG_LSR);
	assert_int_equal(rd(u, UART_REG_IIR), UART_IIR_FIFO | UART_IIR_RDI);
	for (i = 0; i < 13; i++)
		rd(u, UART_REG_RBR);
	/* 3 bytes left, below the trigger level of 4: character timeout. */
	assert_int_equal(rd(u, UART_REG_IIR), UART_IIR_FIFO | UART_IIR_CTI);
	for (i = 0; i < 3; i++)
		rd(u, UART_REG_RBR);
	assert_int_equal(rd(u, UART_REG_IIR), UART_IIR_FIFO | UART_IIR_THRI);
	/* THRE was consumed by that read: modem status is next. */
	assert_int_equal(rd(u, UART_REG_IIR), UART_IIR_FIFO | UART_IIR_MSI);
	rd(u, UART_REG_MSR);
	assert_int_equal(rd(u, UART_REG_IIR), UART_IIR_FIFO | UART_IIR_NO_INT);
	uart_destroy(u);
}

static void test_uart_rx_trigger_level_selects_rdi_over_timeout(void **state)
{
	struct fake f;
	struct uart_16550 *u = mk(&f);
	const uint8_t in[8] = { 0 };

	wr(u, UART_REG_FCR, UART_FCR_ENABLE | (2 << UART_FCR_TRIG_SHIFT)); /* 8 */
	wr(u, UART_REG_IER, UART_IER_ERBFI);
	assert_int_equal(uart_rx_push(u, in, 7), 7);
	assert_int_equal(rd(u, UART_REG_IIR) & UART_IIR_ID_MASK, UART_IIR_CTI);
	assert_int_equal(uart_rx_push(u, in, 1), 1);
	assert_int_equal(rd(u, UART_REG_IIR) & UART_IIR_ID_MASK, UART_IIR_RDI);
	/* Reading IIR does not consume a data interrupt. */
	assert_int_equal(rd(u, UART_REG_IIR) & UART_IIR_ID_MASK, UART_IIR_RDI);
	uart_destroy(u);
}

static void test_uart_dlab_selects_divisor_latch(void **state)
{
	struct fake f;
	struct uart_16550 *u = mk(&f);

	wr(u, UART_REG_IER, 0x05);
	wr(u, UART_REG_LCR, UART_LCR_DLAB | 0x03);
	wr(u, UART_REG_DLL, 0x01);
	wr(u, UART_REG_DLM, 0x02);
	assert_int_equal(f.ntx, 0);	/* DLL write is not a transmit */
	assert_int_equal(rd(u, UART_REG_DLL), 0x01);
	assert_int_equal(rd(u, UART_REG_DLM), 0x02);
	assert_int_equal(rd(u, UART_REG_LCR), UART_LCR_DLAB | 0x03);
	wr(u, UART_REG_LCR, 0x03);
	assert_int_equal(rd(u, UART_REG_IER), 0x05);	/* IER untouched */
	wr(u, UART_REG_THR, 'z');
	assert_int_equal(f.ntx, 1);
	wr(u, UART_REG_LCR, UART_LCR_DLAB);
	assert_int_equal(rd(u, UART_REG_DLL), 0x01);	/* latch unchanged by THR */
	uart_destroy(u);
}

static void test_uart_scratch_and_bad_offsets(void **state)
{
	struct fake f;
	struct uart_16550 *u = mk(&f);
	uint8_t v = 0;

	wr(u, UART_REG_SCR, 0xa5);
	assert_int_equal(rd(u, UART_REG_SCR), 0xa5);
	assert_int_equal(uart_read(u, 8, &v), -EINVAL);
	assert_int_equal(v, 0xff);
	assert_int_equal(uart_read(u, 0xffffffffu, &v), -EINVAL);
	assert_int_equal(uart_write(u, 8, 0), -EINVAL);
	assert_int_equal(uart_create(NULL, NULL, &u), -EINVAL);
	uart_destroy(u);
}

static void test_uart_reset_drops_state_and_lowers_irq(void **state)
{
	struct fake f;
	struct uart_16550 *u = mk(&f);
	const uint8_t b = 1;

	wr(u, UART_REG_MCR, UART_MCR_OUT2);
	wr(u, UART_REG_IER, UART_IER_ERBFI);
	uart_rx_push(u, &b, 1);
	assert_true(f.irq);
	uart_reset(u);
	assert_false(f.irq);
	assert_int_equal(uart_rx_count(u), 0);
	assert_int_equal(rd(u, UART_REG_IER), 0);
	assert_int_equal(rd(u, UART_REG_MCR), 0);
	uart_destroy(u);
}

const struct CMUnitTest uart_core_tests[] = {
	cmocka_unit_test(test_uart_tx_goes_to_backend_with_thr_empty),
	cmocka_unit_test(test_uart_loopback_echoes_tx_to_rx),
	cmocka_unit_test(test_uart_loopback_msr_follows_mcr),
	cmocka_unit_test(test_uart_fifo_fill_to_16_then_overflow_sets_oe),
	cmocka_unit_test(test_uart_fifo_disabled_holds_one_byte),
	cmocka_unit_test(test_uart_fcr_rx_reset_empties_fifo),
	cmocka_unit_test(test_uart_thre_interrupt_raise_clear_reraise),
	cmocka_unit_test(test_uart_irq_line_gated_by_out2_and_loopback),
	cmocka_unit_test(test_uart_iir_reports_sources_in_priority_order),
	cmocka_unit_test(test_uart_rx_trigger_level_selects_rdi_over_timeout),
	cmocka_unit_test(test_uart_dlab_selects_divisor_latch),
	cmocka_unit_test(test_uart_scratch_and_bad_offsets),
	cmocka_unit_test(test_uart_reset_drops_state_and_lowers_irq),
};
const size_t uart_core_ntests = sizeof(uart_core_tests) / sizeof(uart_core_tests[0]);

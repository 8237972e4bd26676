/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file uart_16550.h
 * Register-level model of a National Semiconductor PC16550D UART.
 *
 * The core knows nothing of ports, IRQ chips or file descriptors: the
 * dispatch glue calls uart_read()/uart_write() with the register offset
 * (0..7 from the base port), a back-end feeds received bytes with
 * uart_rx_push(), and the UART reaches the world only through
 * struct uart_ops.
 *
 * Locking: every entry point takes the mutex inside struct uart_16550, so
 * the IOREQ thread(s) and the back-end thread may call in concurrently.
 * The ops are invoked with that mutex held: they must not call back into
 * the same UART (a back-end reacts to rx_ready by waking its own thread,
 * which then calls uart_rx_push()).
 */
#ifndef HW_UART_16550_H
#define HW_UART_16550_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Register offsets from the base port (PC16550D datasheet, Table II). */
#define UART_REG_RBR	0	/**< read: receiver buffer (DLAB=0) */
#define UART_REG_THR	0	/**< write: transmitter holding (DLAB=0) */
#define UART_REG_DLL	0	/**< divisor latch LSB (DLAB=1) */
#define UART_REG_IER	1	/**< interrupt enable (DLAB=0) */
#define UART_REG_DLM	1	/**< divisor latch MSB (DLAB=1) */
#define UART_REG_IIR	2	/**< read: interrupt identification */
#define UART_REG_FCR	2	/**< write: FIFO control */
#define UART_REG_LCR	3	/**< line control */
#define UART_REG_MCR	4	/**< modem control */
#define UART_REG_LSR	5	/**< line status */
#define UART_REG_MSR	6	/**< modem status */
#define UART_REG_SCR	7	/**< scratch */
#define UART_NREGS	8	/**< size of the port window */

#define UART_IER_ERBFI	0x01	/**< received data available / timeout */
#define UART_IER_ETBEI	0x02	/**< transmitter holding register empty */
#define UART_IER_ELSI	0x04	/**< receiver line status */
#define UART_IER_EDSSI	0x08	/**< modem status */

#define UART_IIR_NO_INT	0x01	/**< no interrupt pending */
#define UART_IIR_MSI	0x00	/**< modem status */
#define UART_IIR_THRI	0x02	/**< THR empty */
#define UART_IIR_RDI	0x04	/**< received data available */
#define UART_IIR_RLSI	0x06	/**< receiver line status */
#define UART_IIR_CTI	0x0c	/**< character timeout */
#define UART_IIR_ID_MASK 0x0f
#define UART_IIR_FIFO	0xc0	/**< FIFOs enabled */

#define UART_FCR_ENABLE	0x01
#define UART_FCR_CLR_RX	0x02
#define UART_FCR_CLR_TX	0x04
#define UART_FCR_DMA	0x08
#define UART_FCR_TRIG_SHIFT 6

#define UART_LCR_DLAB	0x80

#define UART_MCR_DTR	0x01
#define UART_MCR_RTS	0x02
#define UART_MCR_OUT1	0x04
#define UART_MCR_OUT2	0x08
#define UART_MCR_LOOP	0x10
#define UART_MCR_MASK	0x1f

#define UART_LSR_DR	0x01	/**< data ready */
#define UART_LSR_OE	0x02	/**< overrun error */
#define UART_LSR_PE	0x04	/**< parity error */
#define UART_LSR_FE	0x08	/**< framing error */
#define UART_LSR_BI	0x10	/**< break interrupt */
#define UART_LSR_THRE	0x20	/**< THR empty */
#define UART_LSR_TEMT	0x40	/**< transmitter empty */
#define UART_LSR_RXFE	0x80	/**< error in RX FIFO */
#define UART_LSR_ERRORS	(UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | UART_LSR_BI)

#define UART_MSR_DCTS	0x01
#define UART_MSR_DDSR	0x02
#define UART_MSR_TERI	0x04
#define UART_MSR_DDCD	0x08
#define UART_MSR_CTS	0x10
#define UART_MSR_DSR	0x20
#define UART_MSR_RI	0x40
#define UART_MSR_DCD	0x80
#define UART_MSR_DELTA	0x0f

/** Depth of the receive FIFO of a 16550A. */
#define UART_FIFO_SIZE	16

/** Outside world of a UART. Every op is called with the UART mutex held. */
struct uart_ops {
	/** Drive the interrupt line to @p level (called on changes only). */
	void (*irq_set)(void *ctx, bool level);
	/** One byte leaves the transmitter (not called in loopback mode). */
	void (*tx)(void *ctx, uint8_t byte);
	/**
	 * Optional: the guest made room in the receive FIFO. A back-end that
	 * holds bytes uart_rx_push() refused should push them again (from its
	 * own thread, never from inside this callback).
	 */
	void (*rx_ready)(void *ctx);
};

struct uart_16550;

/**
 * Allocate a UART in its power-on state.
 * @param ops  callbacks, must outlive the UART; irq_set and tx are required
 * @param ctx  passed to every op
 * @param out  receives the new UART
 * @return 0, -EINVAL on bad arguments or -ENOMEM
 */
int uart_create(const struct uart_ops *ops, void *ctx, struct uart_16550 **out);

/** Free a UART created by uart_create(); NULL is accepted. */
void uart_destroy(struct uart_16550 *u);

/**
 * Return the UART to its power-on (master reset) state, dropping any
 * received data and lowering the interrupt line.
 */
void uart_reset(struct uart_16550 *u);

/**
 * Guest read of register @p offset.
 * @param u       the UART
 * @param offset  0..7 from the base port
 * @param val     receives the register value (0xff for bad offsets)
 * @return 0 or -EINVAL if @p offset is outside the port window
 */
int uart_read(struct uart_16550 *u, uint32_t offset, uint8_t *val);

/**
 * Guest write of register @p offset.
 * @return 0 or -EINVAL if @p offset is outside the port window
 */
int uart_write(struct uart_16550 *u, uint32_t offset, uint8_t val);

/**
 * Deliver bytes received on the line (from the back-end).
 * Only as many bytes as the receive FIFO (or the single holding register
 * when FIFOs are disabled) can take are accepted: the rest stays with the
 * caller, so nothing is lost to an overrun the guest did not cause.
 * @return number of bytes accepted (0..n)
 */
size_t uart_rx_push(struct uart_16550 *u, const uint8_t *bytes, size_t n);

/** Number of bytes uart_rx_push() would accept right now. */
size_t uart_rx_space(struct uart_16550 *u);

/** Number of bytes waiting in the receive FIFO (for tests and fuzzers). */
size_t uart_rx_count(struct uart_16550 *u);

/** Current level of the interrupt line as last reported to irq_set. */
bool uart_irq_level(struct uart_16550 *u);

#endif /* HW_UART_16550_H */

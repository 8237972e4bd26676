/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PC16550D UART register model.
 *
 * Reference: National Semiconductor PC16550D "Universal Asynchronous
 * Receiver/Transmitter with FIFOs" datasheet (register description,
 * Table II register summary, Table IV interrupt control functions).
 *
 * The transmitter is infinitely fast: a byte written to THR is handed to
 * ops->tx at once, so THR and the transmitter shift register are always
 * empty again by the time the guest can look (LSR.THRE = LSR.TEMT = 1).
 * The receiver is fed by uart_rx_push(), which never overruns the FIFO;
 * an overrun can only happen in loopback mode, where the guest itself
 * transmits faster than it reads.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hw/uart_16550.h"

/* Modem inputs seen when not in loopback: a terminal that is present. */
#define UART_LINE_MSR	(UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS)

struct uart_16550 {
	pthread_mutex_t lock;
	const struct uart_ops *ops;
	void *ctx;

	uint8_t rxfifo[UART_FIFO_SIZE];
	unsigned int rx_head;	/* index of the oldest byte */
	unsigned int rx_count;	/* bytes in rxfifo */

	uint8_t ier;
	uint8_t fcr;		/* FIFO enable, DMA mode, trigger level */
	uint8_t lcr;
	uint8_t mcr;
	uint8_t lsr_err;	/* sticky OE/PE/FE/BI, cleared by LSR read */
	uint8_t msr;		/* modem status incl. delta bits */
	uint8_t scr;
	uint8_t dll;
	uint8_t dlm;
	bool thre_pending;	/* THRE interrupt source latched */
	bool irq_level;
};

static bool uart_fifo_enabled(const struct uart_16550 *u)
{
	return (u->fcr & UART_FCR_ENABLE) != 0;
}

static unsigned int uart_rx_capacity(const struct uart_16550 *u)
{
	/* With FIFOs off the receiver is a single holding register. */
	return uart_fifo_enabled(u) ? UART_FIFO_SIZE : 1;
}

static unsigned int uart_rx_trigger(const struct uart_16550 *u)
{
	static const uint8_t levels[4] = { 1, 4, 8, 14 };

	return levels[(u->fcr >> UART_FCR_TRIG_SHIFT) & 3];
}

/*
 * Interrupt identification, PC16550D Table IV: the highest-priority
 * enabled source wins: line status > received data > character timeout >
 * THR empty > modem status.
 *
 * Character timeout: real hardware raises it when data below the trigger
 * level sat for four character times without new input. Bytes arrive here
 * in bursts from the back-end, and the end of a burst is an idle line, so
 * the timeout is considered expired as soon as data sits below the trigger
 * level; the guest then drains the FIFO until LSR.DR clears, exactly as it
 * does after a real timeout.
 */
static uint8_t uart_intr_id(const struct uart_16550 *u)
{
	if ((u->ier & UART_IER_ELSI) && (u->lsr_err & UART_LSR_ERRORS))
		return UART_IIR_RLSI;
	if ((u->ier & UART_IER_ERBFI) && u->rx_count > 0) {
		if (!uart_fifo_enabled(u) || u->rx_count >= uart_rx_trigger(u))
			return UART_IIR_RDI;
		return UART_IIR_CTI;
	}
	if ((u->ier & UART_IER_ETBEI) && u->thre_pending)
		return UART_IIR_THRI;
	if ((u->ier & UART_IER_EDSSI) && (u->msr & UART_MSR_DELTA))
		return UART_IIR_MSI;
	return UART_IIR_NO_INT;
}

/*
 * On PC boards the UART's INTR pin reaches the interrupt controller only
 * through a driver enabled by MCR.OUT2, and loopback mode forces OUT2
 * inactive (datasheet, MCR bit 4), so both gate the line here.
 */
static void uart_update_irq(struct uart_16550 *u)
{
	bool level = uart_intr_id(u) != UART_IIR_NO_INT &&
		     (u->mcr & UART_MCR_OUT2) && !(u->mcr & UART_MCR_LOOP);

	if (level != u->irq_level) {
		u->irq_level = level;
		u->ops->irq_set(u->ctx, level);
	}
}

/*
 * MSR bits 7:4 follow the modem inputs; bits 3:0 record changes since the
 * last MSR read (TERI only on the trailing edge of RI). In loopback the
 * inputs are wired to MCR: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD.
 */
static void uart_update_msr(struct uart_16550 *u)
{
	uint8_t in, old = u->msr & 0xf0, delta = 0;

	if (u->mcr & UART_MCR_LOOP) {
		in = 0;
		if (u->mcr & UART_MCR_RTS)
			in |= UART_MSR_CTS;
		if (u->mcr & UART_MCR_DTR)
			in |= UART_MSR_DSR;
		if (u->mcr & UART_MCR_OUT1)
			in |= UART_MSR_RI;
		if (u->mcr & UART_MCR_OUT2)
			in |= UART_MSR_DCD;
	} else {
		in = UART_LINE_MSR;
	}
	if ((in ^ old) & UART_MSR_CTS)
		delta |= UART_MSR_DCTS;
	if ((in ^ old) & UART_MSR_DSR)
		delta |= UART_MSR_DDSR;
	if ((old & UART_MSR_RI) && !(in & UART_MSR_RI))
		delta |= UART_MSR_TERI;
	if ((in ^ old) & UART_MSR_DCD)
		delta |= UART_MSR_DDCD;
	u->msr = in | (u->msr & UART_MSR_DELTA) | delta;
}

static void uart_rx_clear(struct uart_16550 *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

/* Append one received byte; an arrival with no room is an overrun. */
static void uart_rx_put(struct uart_16550 *u, uint8_t byte)
{
	if (u->rx_count >= uart_rx_capacity(u)) {
		u->lsr_err |= UART_LSR_OE;
		return;
	}
	u->rxfifo[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = byte;
	u->rx_count++;
}

/* Master reset values (datasheet reset table); SCR is not affected. */
static void uart_reset_locked(struct uart_16550 *u)
{
	uart_rx_clear(u);
	u->ier = 0;
	u->fcr = 0;
	u->lcr = 0;
	u->mcr = 0;
	u->lsr_err = 0;
	u->msr = UART_LINE_MSR;
	u->dll = 0x0c;		/* 9600 baud with the 1.8432 MHz PC clock */
	u->dlm = 0;
	u->thre_pending = false;
	uart_update_irq(u);
}

int uart_create(const struct uart_ops *ops, void *ctx, struct uart_16550 **out)
{
	struct uart_16550 *u;

	if (!ops || !ops->irq_set || !ops->tx || !out)
		return -EINVAL;
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	if (pthread_mutex_init(&u->lock, NULL) != 0) {
		free(u);
		return -ENOMEM;
	}
	u->ops = ops;
	u->ctx = ctx;
	uart_reset_locked(u);
	*out = u;
	return 0;
}

void uart_destroy(struct uart_16550 *u)
{
	if (!u)
		return;
	pthread_mutex_destroy(&u->lock);
	free(u);
}

void uart_reset(struct uart_16550 *u)
{
	pthread_mutex_lock(&u->lock);
	uart_reset_locked(u);
	pthread_mutex_unlock(&u->lock);
}

/* RBR read: pop the oldest byte; LSR.DR follows the FIFO count. */
static uint8_t uart_read_rbr(struct uart_16550 *u)
{
	uint8_t val = 0;

	if (u->rx_count == 0)
		return val;
	val = u->rxfifo[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
	u->rx_count--;
	if (u->ops->rx_ready)
		u->ops->rx_ready(u->ctx);
	return val;
}

/* IIR read: reading it while THRE is the reported source clears THRE. */
static uint8_t uart_read_iir(struct uart_16550 *u)
{
	uint8_t id = uart_intr_id(u);

	if (id == UART_IIR_THRI)
		u->thre_pending = false;
	return id | (uart_fifo_enabled(u) ? UART_IIR_FIFO : 0);
}

/* LSR read clears the error bits (and with them the line status source). */
static uint8_t uart_read_lsr(struct uart_16550 *u)
{
	uint8_t val = UART_LSR_THRE | UART_LSR_TEMT | u->lsr_err;

	if (u->rx_count > 0)
		val |= UART_LSR_DR;
	u->lsr_err = 0;
	return val;
}

int uart_read(struct uart_16550 *u, uint32_t offset, uint8_t *val)
{
	uint8_t v = 0xff;
	int ret = 0;

	pthread_mutex_lock(&u->lock);
	switch (offset) {
	case UART_REG_RBR:
		v = (u->lcr & UART_LCR_DLAB) ? u->dll : uart_read_rbr(u);
		break;
	case UART_REG_IER:
		v = (u->lcr & UART_LCR_DLAB) ? u->dlm : u->ier;
		break;
	case UART_REG_IIR:
		v = uart_read_iir(u);
		break;
	case UART_REG_LCR:
		v = u->lcr;
		break;
	case UART_REG_MCR:
		v = u->mcr;
		break;
	case UART_REG_LSR:
		v = uart_read_lsr(u);
		break;
	case UART_REG_MSR:
		v = u->msr;
		u->msr &= ~UART_MSR_DELTA;
		break;
	case UART_REG_SCR:
		v = u->scr;
		break;
	default:
		ret = -EINVAL;
		break;
	}
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
	*val = v;
	return ret;
}

/*
 * THR write: the byte leaves at once (or loops back to the receiver), so
 * THR is empty again and a new THRE event is latched.
 */
static void uart_write_thr(struct uart_16550 *u, uint8_t val)
{
	if (u->mcr & UART_MCR_LOOP)
		uart_rx_put(u, val);
	else
		u->ops->tx(u->ctx, val);
	u->thre_pending = true;
}

/*
 * IER write: enabling ETBEI while THR is empty raises the THRE interrupt
 * again (datasheet, IIR description; drivers use it to kick transmission).
 */
static void uart_write_ier(struct uart_16550 *u, uint8_t val)
{
	val &= 0x0f;
	if ((val & UART_IER_ETBEI) && !(u->ier & UART_IER_ETBEI))
		u->thre_pending = true;
	u->ier = val;
}

/*
 * FCR write: FCR0 must be set for the other bits to be programmed;
 * changing FCR0 clears the FIFOs; bits 1/2 reset the FIFOs and self-clear.
 */
static void uart_write_fcr(struct uart_16550 *u, uint8_t val)
{
	bool was_on = uart_fifo_enabled(u);

	if (!(val & UART_FCR_ENABLE)) {
		u->fcr = 0;
		if (was_on)
			uart_rx_clear(u);
		return;
	}
	if (!was_on || (val & UART_FCR_CLR_RX))
		uart_rx_clear(u);
	u->fcr = val & (UART_FCR_ENABLE | UART_FCR_DMA | (3u << UART_FCR_TRIG_SHIFT));
	if (u->ops->rx_ready)
		u->ops->rx_ready(u->ctx);
}

int uart_write(struct uart_16550 *u, uint32_t offset, uint8_t val)
{
	int ret = 0;

	pthread_mutex_lock(&u->lock);
	switch (offset) {
	case UART_REG_THR:
		if (u->lcr & UART_LCR_DLAB)
			u->dll = val;
		else
			uart_write_thr(u, val);
		break;
	case UART_REG_IER:
		if (u->lcr & UART_LCR_DLAB)
			u->dlm = val;
		else
			uart_write_ier(u, val);
		break;
	case UART_REG_FCR:
		uart_write_fcr(u, val);
		break;
	case UART_REG_LCR:
		u->lcr = val;
		break;
	case UART_REG_MCR:
		u->mcr = val & UART_MCR_MASK;
		uart_update_msr(u);
		break;
	case UART_REG_LSR:
	case UART_REG_MSR:
		/* Factory-test writes to status registers are ignored. */
		break;
	case UART_REG_SCR:
		u->scr = val;
		break;
	default:
		ret = -EINVAL;
		break;
	}
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return ret;
}

size_t uart_rx_push(struct uart_16550 *u, const uint8_t *bytes, size_t n)
{
	size_t i, room;

	if (!bytes)
		return 0;
	pthread_mutex_lock(&u->lock);
	room = uart_rx_capacity(u) - u->rx_count;
	if (n > room)
		n = room;
	for (i = 0; i < n; i++)
		uart_rx_put(u, bytes[i]);
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return n;
}

size_t uart_rx_space(struct uart_16550 *u)
{
	size_t room;

	pthread_mutex_lock(&u->lock);
	room = uart_rx_capacity(u) - u->rx_count;
	pthread_mutex_unlock(&u->lock);
	return room;
}

size_t uart_rx_count(struct uart_16550 *u)
{
	size_t n;

	pthread_mutex_lock(&u->lock);
	n = u->rx_count;
	pthread_mutex_unlock(&u->lock);
	return n;
}

bool uart_irq_level(struct uart_16550 *u)
{
	bool level;

	pthread_mutex_lock(&u->lock);
	level = u->irq_level;
	pthread_mutex_unlock(&u->lock);
	return level;
}

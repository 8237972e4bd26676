/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: random register read/write/receive sequences against
 * the PC16550D model, checked step by step against a small reference model
 * written from the datasheet's tables, plus invariants:
 *  - the receive FIFO never holds more than 16 bytes (1 with FIFOs off);
 *  - uart_rx_push() accepts exactly the free room, never more;
 *  - every register read and the IRQ line match the reference model
 *    (so IIR is always the highest-priority enabled source of IER/LSR/MSR);
 *  - IIR's "no interrupt" bit agrees with the IRQ line whenever OUT2 is set
 *    and loopback is off;
 *  - bytes come out of RBR in the order they went in.
 *
 * Input: a stream of commands, each one opcode byte followed by operands.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hw/uart_16550.h"

struct ref {
	uint8_t fifo[16];
	unsigned int n;
	uint8_t ier, lcr, mcr, fcr, err, msr, scr, dll, dlm;
	bool thre;
	bool irq;
	size_t ntx;
};

struct harness {
	bool irq;
	int irq_changes_without_edge;
	size_t ntx;
	uint8_t last_tx;
};

static void h_irq(void *ctx, bool level)
{
	struct harness *h = ctx;

	/* The model promises calls on changes only. */
	if (level == h->irq)
		h->irq_changes_without_edge++;
	h->irq = level;
}

static void h_tx(void *ctx, uint8_t b)
{
	struct harness *h = ctx;

	h->ntx++;
	h->last_tx = b;
}

static const struct uart_ops h_ops = { .irq_set = h_irq, .tx = h_tx };

static unsigned int ref_cap(const struct ref *r)
{
	return (r->fcr & 1) ? 16 : 1;
}

static uint8_t ref_iir_id(const struct ref *r)
{
	static const uint8_t trig[4] = { 1, 4, 8, 14 };

	if ((r->ier & 4) && (r->err & 0x1e))
		return 6;
	if ((r->ier & 1) && r->n)
		return (!(r->fcr & 1) || r->n >= trig[r->fcr >> 6]) ? 4 : 0xc;
	if ((r->ier & 2) && r->thre)
		return 2;
	if ((r->ier & 8) && (r->msr & 0x0f))
		return 0;
	return 1;
}

static void ref_irq(struct ref *r)
{
	r->irq = ref_iir_id(r) != 1 && (r->mcr & 0x08) && !(r->mcr & 0x10);
}

static void ref_msr(struct ref *r)
{
	uint8_t in = 0xb0, old = r->msr & 0xf0;

	if (r->mcr & 0x10)
		in = (uint8_t)(((r->mcr & 2) ? 0x10 : 0) | ((r->mcr & 1) ? 0x20 : 0) |
			       ((r->mcr & 4) ? 0x40 : 0) | ((r->mcr & 8) ? 0x80 : 0));
	r->msr = (uint8_t)(in | (r->msr & 0x0f) | (((in ^ old) & 0x10) ? 1 : 0) |
			   (((in ^ old) & 0x20) ? 2 : 0) | (((old & ~in) & 0x40) ? 4 : 0) |
			   (((in ^ old) & 0x80) ? 8 : 0));
}

/* Master reset leaves the scratch register alone (datasheet reset table). */
static void ref_reset(struct ref *r)
{
	uint8_t scr = r->scr;

	memset(r, 0, sizeof(*r));
	r->scr = scr;
	r->msr = 0xb0;
	r->dll = 0x0c;
}

static uint8_t ref_read(struct ref *r, unsigned int off)
{
	uint8_t v = 0xff, id;
	bool dlab = r->lcr & 0x80;

	switch (off) {
	case 0:
		if (dlab) {
			v = r->dll;
		} else {
			v = r->n ? r->fifo[0] : 0;
			if (r->n)
				memmove(r->fifo, r->fifo + 1, --r->n);
		}
		break;
	case 1: v = dlab ? r->dlm : r->ier; break;
	case 2:
		id = ref_iir_id(r);
		if (id == 2)
			r->thre = false;
		v = (uint8_t)(id | ((r->fcr & 1) ? 0xc0 : 0));
		break;
	case 3: v = r->lcr; break;
	case 4: v = r->mcr; break;
	case 5:
		v = (uint8_t)(0x60 | r->err | (r->n ? 1 : 0));
		r->err = 0;
		break;
	case 6: v = r->msr; r->msr &= 0xf0; break;
	case 7: v = r->scr; break;
	}
	ref_irq(r);
	return v;
}

static void ref_write(struct ref *r, unsigned int off, uint8_t val)
{
	bool dlab = r->lcr & 0x80;

	switch (off) {
	case 0:
		if (dlab) {
			r->dll = val;
			break;
		}
		if (r->mcr & 0x10) {
			if (r->n < ref_cap(r))
				r->fifo[r->n++] = val;
			else
				r->err |= 2;
		} else {
			r->ntx++;
		}
		r->thre = true;
		break;
	case 1:
		if (dlab) {
			r->dlm = val;
		} else {
			if ((val & 2) && !(r->ier & 2))
				r->thre = true;
			r->ier = val & 0x0f;
		}
		break;
	case 2:
		if (!(val & 1)) {
			if (r->fcr & 1)
				r->n = 0;
			r->fcr = 0;
		} else {
			if (!(r->fcr & 1) || (val & 2))
				r->n = 0;
			r->fcr = val & 0xc9;
		}
		break;
	case 3: r->lcr = val; break;
	case 4: r->mcr = val & 0x1f; ref_msr(r); break;
	case 7: r->scr = val; break;
	default: break;
	}
	ref_irq(r);
}

static size_t ref_push(struct ref *r, const uint8_t *b, size_t n)
{
	size_t room = ref_cap(r) - r->n, i;

	if (n > room)
		n = room;
	for (i = 0; i < n; i++)
		r->fifo[r->n++] = b[i];
	ref_irq(r);
	return n;
}

static void check(struct uart_16550 *u, struct ref *r, struct harness *h)
{
	size_t cnt = uart_rx_count(u);

	if (cnt > UART_FIFO_SIZE || cnt != r->n || cnt > ref_cap(r))
		abort();
	if (h->irq != r->irq || uart_irq_level(u) != r->irq)
		abort();
	if (h->irq_changes_without_edge || h->ntx != r->ntx)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct harness h = { 0 };
	struct uart_16550 *u;
	struct ref r = { .scr = 0 };
	size_t i = 0;

	if (uart_create(&h_ops, &h, &u) != 0)
		abort();
	ref_reset(&r);
	while (i < size) {
		uint8_t op = data[i++];
		unsigned int off = (op >> 2) % 9;	/* 8 = outside the window */
		uint8_t val = i < size ? data[i] : 0, got = 0, want;
		size_t n, acc;

		switch (op & 3) {
		case 0:
			if (uart_read(u, off, &got) != (off < 8 ? 0 : -EINVAL))
				abort();
			want = off < 8 ? ref_read(&r, off) : 0xff;
			if (got != want)
				abort();
			/*
			 * Self-consistency of IIR with the line (OUT2 set, no
			 * loopback): "no interrupt" means the line is low, and
			 * any source other than THRE (consumed by this very
			 * read) keeps it high.
			 */
			if (off == 2 && (r.mcr & 0x18) == 0x08) {
				if ((got & 1) && h.irq)
					abort();
				if (!(got & 1) && (got & 0x0f) != 2 && !h.irq)
					abort();
			}
			break;
		case 1:
			i++;
			if (uart_write(u, off, val) != (off < 8 ? 0 : -EINVAL))
				abort();
			if (off < 8)
				ref_write(&r, off, val);
			break;
		case 2:
			n = (size_t)(op >> 2) % 24;
			if (n > size - i)
				n = size - i;
			acc = uart_rx_push(u, data + i, n);
			if (acc != ref_push(&r, data + i, n) || acc > n)
				abort();
			i += n;
			break;
		default:
			if ((op >> 2) == 0x3f) {
				uart_reset(u);
				ref_reset(&r);
				r.ntx = h.ntx;
				ref_irq(&r);
			}
			break;
		}
		check(u, &r, &h);
	}
	uart_destroy(u);
	return 0;
}

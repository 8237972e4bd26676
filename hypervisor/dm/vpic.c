/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtual 8259A pair.  Pure state machine: see dm/vpic.h and
 * doc/interrupts.md.  References are to the Intel 8259A datasheet
 * ("Interrupt Sequence", "Initialization Command Words", "Operation Command
 * Words", "The Special Fully Nested Mode", "Poll Command") and to the
 * PIIX/ICH edge/level control register (ELCR) description.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <lib/errno.h>
#include <lib/string.h>
#include <lib/util.h>
#include <dm/vpic.h>

#define MASTER		0U
#define SLAVE		1U
#define CASCADE_IRQ	2U

/* ELCR bits that exist: IRQ0, 1, 2 and IRQ8, 13 are always edge (PIIX). */
static const uint8_t vpic_elcr_mask[2] = { 0xF8U, 0xDEU };

/* Priority rank of irq, 0 = highest (fully nested mode with rotation). */
static uint32_t vpic_rank(const struct vpic_chip *c, uint32_t irq)
{
	return (irq - c->lowest - 1U) & 7U;
}

/* Highest-priority IRQ set in bits, or -1. */
static int vpic_highest(const struct vpic_chip *c, uint8_t bits)
{
	uint32_t p;

	for (p = 0U; p < 8U; p++) {
		uint32_t irq = (c->lowest + 1U + p) & 7U;

		if ((bits & (1U << irq)) != 0U)
			return (int)irq;
	}
	return -1;
}

/*
 * Priority resolver: the highest unmasked request wins if no in-service
 * level of equal or higher priority blocks it.  Special mask mode lets
 * masked in-service levels stop blocking (OCW3 SMM); special fully nested
 * mode lets the slave's higher requests through while IR2 is in service.
 */
static int vpic_chip_pending(const struct vpic_chip *c, bool master)
{
	uint8_t req = c->irr & (uint8_t)~c->imr;
	uint8_t isr = c->isr;
	int r, s;

	if (c->init_step != 0U)
		return -1;
	r = vpic_highest(c, req);
	if (r < 0)
		return -1;
	if (c->special_mask)
		isr &= (uint8_t)~c->imr;
	if (master && c->sfnm && (uint32_t)r == CASCADE_IRQ)
		isr &= (uint8_t)~(1U << CASCADE_IRQ);
	s = vpic_highest(c, isr);
	if (s >= 0 && vpic_rank(c, (uint32_t)s) <= vpic_rank(c, (uint32_t)r))
		return -1;
	return r;
}

/* Recompute the cascade (slave INT drives master IR2) and the INTR output. */
static void vpic_update(struct vpic *p)
{
	struct vpic_chip *m = &p->chip[MASTER];
	bool slave_out = vpic_chip_pending(&p->chip[SLAVE], false) >= 0;
	bool intr;

	if (slave_out) {
		m->lines |= 1U << CASCADE_IRQ;
		m->irr |= 1U << CASCADE_IRQ;
	} else {
		m->lines &= (uint8_t)~(1U << CASCADE_IRQ);
		m->irr &= (uint8_t)~(1U << CASCADE_IRQ);
	}
	intr = vpic_chip_pending(m, true) >= 0;
	if (intr != p->intr) {
		p->intr = intr;
		p->ops->notify(p->ctx, intr);
	}
}

static void vpic_chip_reset(struct vpic_chip *c)
{
	uint8_t elcr = c->elcr, lines = c->lines;

	memset(c, 0, sizeof(*c));
	c->elcr = elcr;
	c->lines = lines;
	c->lowest = 7U;
}

void vpic_reset(struct vpic *p)
{
	memset(p->chip, 0, sizeof(p->chip));
	vpic_chip_reset(&p->chip[MASTER]);
	vpic_chip_reset(&p->chip[SLAVE]);
	/* Until ICW1 arrives a chip requests nothing (its vector base is undefined). */
	p->chip[MASTER].init_step = 1U;
	p->chip[SLAVE].init_step = 1U;
	p->intr = false;
}

int vpic_init(struct vpic *p, const struct vpic_ops *ops, void *ctx)
{
	if (p == NULL || ops == NULL || ops->notify == NULL)
		return -EINVAL;
	p->ops = ops;
	p->ctx = ctx;
	vpic_reset(p);
	return 0;
}

bool vpic_intr_asserted(const struct vpic *p)
{
	return p->intr;
}

/*
 * Inputs: an edge-triggered IRR bit is latched on the rising edge and
 * stays until acknowledged; a level-triggered one follows the line
 * (8259A "Edge and Level Triggered Modes", ELCR).
 */
int vpic_set_irq(struct vpic *p, uint32_t irq, uint32_t op)
{
	struct vpic_chip *c;
	uint8_t bit;

	if (irq >= VPIC_IRQS || irq == CASCADE_IRQ || op > VPIC_IRQ_PULSE)
		return -EINVAL;
	c = &p->chip[irq >> 3];
	bit = (uint8_t)(1U << (irq & 7U));
	if (op != VPIC_IRQ_DEASSERT) {
		if ((c->lines & bit) == 0U || (c->elcr & bit) != 0U || op == VPIC_IRQ_PULSE)
			c->irr |= bit;
		c->lines |= bit;
		vpic_update(p);
	}
	if (op != VPIC_IRQ_ASSERT) {
		c->lines &= (uint8_t)~bit;
		if ((c->elcr & bit) != 0U)
			c->irr &= (uint8_t)~bit;
		vpic_update(p);
	}
	return 0;
}

/* Acknowledge irq on one chip (first INTA pulse). */
static void vpic_chip_ack(struct vpic_chip *c, uint32_t irq)
{
	uint8_t bit = (uint8_t)(1U << irq);

	if ((c->elcr & bit) == 0U)
		c->irr &= (uint8_t)~bit;
	if (c->auto_eoi) {
		if (c->rotate_aeoi)
			c->lowest = (uint8_t)irq;
	} else {
		c->isr |= bit;
	}
}

int vpic_pending_intr(struct vpic *p, uint32_t *vector)
{
	int m, s;

	if (!p->intr)
		return -ENOENT;
	m = vpic_chip_pending(&p->chip[MASTER], true);
	if (m < 0)
		return -ENOENT;
	if ((uint32_t)m != CASCADE_IRQ) {
		*vector = p->chip[MASTER].vector_base + (uint32_t)m;
		return 0;
	}
	s = vpic_chip_pending(&p->chip[SLAVE], false);
	*vector = p->chip[SLAVE].vector_base + (s < 0 ? 7U : (uint32_t)s);
	return 0;
}

/*
 * Interrupt sequence (8259A datasheet): the master resolves priority; if
 * the winner is the cascade input the slave supplies the vector.  A
 * request that disappeared before INTA yields IR7 of the chip asked, with
 * no ISR bit set (the spurious IRQ7 / IRQ15 a guest must tolerate).
 */
int vpic_inta(struct vpic *p, uint32_t *vector)
{
	struct vpic_chip *m = &p->chip[MASTER], *sl = &p->chip[SLAVE];
	int mi = vpic_chip_pending(m, true), si;

	if (mi < 0) {
		*vector = m->vector_base + 7U;
	} else if ((uint32_t)mi != CASCADE_IRQ) {
		vpic_chip_ack(m, (uint32_t)mi);
		*vector = m->vector_base + (uint32_t)mi;
	} else {
		vpic_chip_ack(m, CASCADE_IRQ);
		si = vpic_chip_pending(sl, false);
		if (si < 0) {
			*vector = sl->vector_base + 7U;
		} else {
			vpic_chip_ack(sl, (uint32_t)si);
			*vector = sl->vector_base + (uint32_t)si;
		}
	}
	vpic_update(p);
	return 0;
}

int vpic_intr_accepted(struct vpic *p, uint32_t vector)
{
	uint32_t got;

	(void)vpic_inta(p, &got);
	return got == vector ? 0 : -EAGAIN;
}

/* OCW2 (8259A "Operation Command Words"): EOI, specific EOI, rotation, priority. */
static void vpic_write_ocw2(struct vpic_chip *c, uint32_t val)
{
	uint32_t level = val & 7U;
	int irq;

	switch (val >> 5) {
	case 1U:	/* non-specific EOI */
	case 5U:	/* rotate on non-specific EOI */
		irq = vpic_highest(c, c->isr);
		if (irq < 0)
			return;
		c->isr &= (uint8_t)~(1U << (uint32_t)irq);
		if ((val >> 5) == 5U)
			c->lowest = (uint8_t)irq;
		return;
	case 3U:	/* specific EOI */
		c->isr &= (uint8_t)~(1U << level);
		return;
	case 7U:	/* rotate on specific EOI */
		c->isr &= (uint8_t)~(1U << level);
		c->lowest = (uint8_t)level;
		return;
	case 6U:	/* set priority */
		c->lowest = (uint8_t)level;
		return;
	case 4U:
		c->rotate_aeoi = true;
		return;
	case 0U:
		c->rotate_aeoi = false;
		return;
	default:	/* 010: no operation */
		return;
	}
}

/*
 * ICW1 (8259A "Initialization Command Words"): starts the sequence, clears
 * IMR and ISR, resets the edge-sense latches, makes IR7 lowest priority,
 * leaves special mask mode and selects IRR for reads.  LTIM is ignored:
 * the ELCR decides edge/level, as on PIIX/ICH.
 */
static void vpic_write_icw1(struct vpic_chip *c, uint32_t val)
{
	vpic_chip_reset(c);
	c->irr = c->lines & c->elcr;
	c->init_step = 2U;
	c->icw4_needed = (val & 1U) != 0U;
	c->single = (val & 2U) != 0U;
}

static void vpic_write_cmd(struct vpic_chip *c, uint32_t val)
{
	if ((val & 0x10U) != 0U) {
		vpic_write_icw1(c, val);
	} else if ((val & 0x08U) != 0U) {	/* OCW3 */
		if ((val & 0x04U) != 0U)
			c->poll = true;
		if ((val & 0x02U) != 0U)
			c->read_isr = (val & 0x01U) != 0U;
		if ((val & 0x40U) != 0U)
			c->special_mask = (val & 0x20U) != 0U;
	} else {
		vpic_write_ocw2(c, val);
	}
}

/* Data port: ICW2-ICW4 during initialisation, OCW1 (IMR) afterwards. */
static void vpic_write_data(struct vpic_chip *c, uint32_t val)
{
	switch (c->init_step) {
	case 2U:
		c->vector_base = (uint8_t)(val & 0xF8U);
		c->init_step = c->single ? (c->icw4_needed ? 4U : 0U) : 3U;
		return;
	case 3U:
		c->icw3 = (uint8_t)val;
		c->init_step = c->icw4_needed ? 4U : 0U;
		return;
	case 4U:
		c->auto_eoi = (val & 0x02U) != 0U;
		c->sfnm = (val & 0x10U) != 0U;
		c->init_step = 0U;
		return;
	default:
		c->imr = (uint8_t)val;
		return;
	}
}

/* Poll command (8259A "The Poll Command"): the read acts as INTA for one chip. */
static uint32_t vpic_poll_read(struct vpic_chip *c, bool master)
{
	int irq = vpic_chip_pending(c, master);

	c->poll = false;
	if (irq < 0)
		return 0U;
	vpic_chip_ack(c, (uint32_t)irq);
	return 0x80U | (uint32_t)irq;
}

int vpic_pio_read(struct vpic *p, uint16_t port, uint32_t size, uint32_t *val)
{
	struct vpic_chip *c;

	*val = 0xFFU;
	if (size != 1U)
		return -EINVAL;
	switch (port) {
	case VPIC_PORT_MASTER_CMD:
	case VPIC_PORT_SLAVE_CMD:
		c = &p->chip[port == VPIC_PORT_SLAVE_CMD];
		if (c->poll) {
			*val = vpic_poll_read(c, c == &p->chip[MASTER]);
			vpic_update(p);
		} else {
			*val = c->read_isr ? c->isr : c->irr;
		}
		return 0;
	case VPIC_PORT_MASTER_DATA:
	case VPIC_PORT_SLAVE_DATA:
		*val = p->chip[port == VPIC_PORT_SLAVE_DATA].imr;
		return 0;
	case VPIC_PORT_ELCR_MASTER:
	case VPIC_PORT_ELCR_SLAVE:
		*val = p->chip[port - VPIC_PORT_ELCR_MASTER].elcr;
		return 0;
	default:
		return -EINVAL;
	}
}

int vpic_pio_write(struct vpic *p, uint16_t port, uint32_t size, uint32_t val)
{
	struct vpic_chip *c;
	uint32_t idx;

	if (size != 1U)
		return -EINVAL;
	val &= 0xFFU;
	switch (port) {
	case VPIC_PORT_MASTER_CMD:
	case VPIC_PORT_SLAVE_CMD:
		vpic_write_cmd(&p->chip[port == VPIC_PORT_SLAVE_CMD], val);
		break;
	case VPIC_PORT_MASTER_DATA:
	case VPIC_PORT_SLAVE_DATA:
		vpic_write_data(&p->chip[port == VPIC_PORT_SLAVE_DATA], val);
		break;
	case VPIC_PORT_ELCR_MASTER:
	case VPIC_PORT_ELCR_SLAVE:
		/* A level input's IRR follows its line from now on. */
		idx = port - VPIC_PORT_ELCR_MASTER;
		c = &p->chip[idx];
		c->elcr = (uint8_t)(val & vpic_elcr_mask[idx]);
		c->irr = (uint8_t)((c->irr & ~c->elcr) | (c->lines & c->elcr));
		break;
	default:
		return -EINVAL;
	}
	vpic_update(p);
	return 0;
}

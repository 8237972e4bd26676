/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtual I/O APIC.  Pure state machine: see dm/vioapic.h and
 * doc/interrupts.md.  Register references are to the Intel 82093AA I/O
 * APIC datasheet (section 3: registers) and, for the EOI register of
 * version 0x20, to the ICH/PCH I/O APIC register descriptions.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <lib/errno.h>
#include <lib/util.h>
#include <dm/vioapic.h>

/* Bits software may write in a redirection entry: delivery status and
 * remote IRR are read-only (82093AA 3.2.4); bits 55:48 are the extended
 * destination ID of later IOAPICs. */
#define RTE_WRITABLE	(0xFFULL | (7ULL << 8) | VIOAPIC_RTE_DESTLOG | VIOAPIC_RTE_POLLOW | \
			 VIOAPIC_RTE_LEVEL | VIOAPIC_RTE_MASKED | (0xFFFFULL << 48))

/*
 * Logical input state.  A line driven electrically (vioapic_set_line()) is
 * active when its level matches the polarity the entry has now, so a guest
 * that reprograms the polarity (Linux makes the SCI and PCI INTx pins active
 * low) changes what the unchanged level means; any other pin keeps the
 * logical state vioapic_set_irq() gave it.
 */
static bool vioapic_pin_asserted(const struct vioapic *io, uint32_t pin)
{
	if ((io->line_driven & (1ULL << pin)) != 0U)
		return ((io->line_high >> pin) & 1U) != ((io->rte[pin] & VIOAPIC_RTE_POLLOW) != 0U);
	return (io->asserted & (1ULL << pin)) != 0U;
}

/*
 * Send the message of one pin if its state allows (82093AA 3.2.4):
 * masked pins send nothing; an edge entry sends on each rising edge; a
 * level entry sends while asserted and remote IRR is clear, then sets
 * remote IRR until the local APIC's EOI.
 */
static void vioapic_try_deliver(struct vioapic *io, uint32_t pin, bool rising_edge)
{
	uint64_t rte = io->rte[pin];
	bool level = (rte & VIOAPIC_RTE_LEVEL) != 0U;

	if ((rte & VIOAPIC_RTE_MASKED) != 0U)
		return;
	if (level) {
		if (!vioapic_pin_asserted(io, pin) || (rte & VIOAPIC_RTE_REM_IRR) != 0U)
			return;
		io->rte[pin] = rte | VIOAPIC_RTE_REM_IRR;
	} else if (!rising_edge) {
		return;
	}
	io->ops->deliver(io->ctx, (uint32_t)(rte >> VIOAPIC_RTE_DEST_SHIFT),
			 (rte & VIOAPIC_RTE_DESTLOG) != 0U,
			 (uint32_t)((rte >> VIOAPIC_RTE_DELMODE_SHIFT) & 7U),
			 (uint32_t)(rte & VIOAPIC_RTE_VECTOR), level);
}

void vioapic_reset(struct vioapic *io)
{
	uint32_t pin;

	io->ioregsel = 0U;
	for (pin = 0U; pin < VIOAPIC_PINS; pin++)
		io->rte[pin] = VIOAPIC_RTE_MASKED;
}

int vioapic_init(struct vioapic *io, uint32_t apic_id, const struct vioapic_ops *ops, void *ctx)
{
	if (io == NULL || ops == NULL || ops->deliver == NULL || apic_id > 0xFU)
		return -EINVAL;
	io->ops = ops;
	io->ctx = ctx;
	io->id = apic_id;
	io->asserted = 0U;
	io->line_driven = 0U;
	io->line_high = 0U;
	vioapic_reset(io);
	return 0;
}

int vioapic_set_irq(struct vioapic *io, uint32_t pin, uint32_t op)
{
	bool was;

	if (pin >= VIOAPIC_PINS || op > VIOAPIC_IRQ_PULSE)
		return -EINVAL;
	was = vioapic_pin_asserted(io, pin);
	if (op == VIOAPIC_IRQ_DEASSERT) {
		io->asserted &= ~(1ULL << pin);
		return 0;
	}
	io->asserted |= 1ULL << pin;
	vioapic_try_deliver(io, pin, !was || op == VIOAPIC_IRQ_PULSE);
	if (op == VIOAPIC_IRQ_PULSE)
		io->asserted &= ~(1ULL << pin);
	return 0;
}

int vioapic_set_line(struct vioapic *io, uint32_t pin, bool high)
{
	bool was;

	if (pin >= VIOAPIC_PINS)
		return -EINVAL;
	was = vioapic_pin_asserted(io, pin);
	io->line_driven |= 1ULL << pin;
	if (high)
		io->line_high |= 1ULL << pin;
	else
		io->line_high &= ~(1ULL << pin);
	if (vioapic_pin_asserted(io, pin))
		vioapic_try_deliver(io, pin, !was);
	return 0;
}

bool vioapic_pin_is_active_low(const struct vioapic *io, uint32_t pin)
{
	return pin < VIOAPIC_PINS && (io->rte[pin] & VIOAPIC_RTE_POLLOW) != 0U;
}

/* EOI (82093AA: remote IRR is reset by the EOI message with a matching vector). */
void vioapic_eoi(struct vioapic *io, uint32_t vector)
{
	uint32_t pin;

	for (pin = 0U; pin < VIOAPIC_PINS; pin++) {
		uint64_t rte = io->rte[pin];

		if ((rte & VIOAPIC_RTE_VECTOR) != (vector & 0xFFU) ||
		    (rte & VIOAPIC_RTE_REM_IRR) == 0U)
			continue;
		io->rte[pin] = rte & ~VIOAPIC_RTE_REM_IRR;
		if (io->ops->eoi_pin != NULL)
			io->ops->eoi_pin(io->ctx, pin);
		vioapic_try_deliver(io, pin, false);
	}
}

int vioapic_get_rte(const struct vioapic *io, uint32_t pin, uint64_t *rte)
{
	if (pin >= VIOAPIC_PINS)
		return -EINVAL;
	*rte = io->rte[pin];
	return 0;
}

static uint32_t vioapic_read_indirect(const struct vioapic *io, uint32_t index)
{
	uint32_t pin;

	switch (index) {
	case VIOAPIC_REG_ID:
	case VIOAPIC_REG_ARB:
		return io->id << 24;
	case VIOAPIC_REG_VER:
		return VIOAPIC_VERSION | ((VIOAPIC_PINS - 1U) << 16);
	default:
		break;
	}
	if (index < VIOAPIC_REG_RTE0 || index >= VIOAPIC_REG_RTE0 + 2U * VIOAPIC_PINS)
		return 0U;
	pin = (index - VIOAPIC_REG_RTE0) >> 1;
	if ((index & 1U) != 0U)
		return (uint32_t)(io->rte[pin] >> 32);
	return (uint32_t)io->rte[pin];
}

/*
 * Redirection entry write (82093AA 3.2.4).  Unmasking a level entry whose
 * line is asserted delivers it (edges seen while masked are lost);
 * switching an entry to edge forgets remote IRR, which is only defined
 * for level entries.
 */
static void vioapic_write_rte(struct vioapic *io, uint32_t pin, bool high, uint32_t val)
{
	uint64_t old = io->rte[pin], nval;

	if (high)
		nval = (old & 0xFFFFFFFFULL) | ((uint64_t)val << 32);
	else
		nval = (old & ~0xFFFFFFFFULL) | val;
	nval = (nval & RTE_WRITABLE) | (old & VIOAPIC_RTE_REM_IRR);
	if ((nval & VIOAPIC_RTE_LEVEL) == 0U)
		nval &= ~VIOAPIC_RTE_REM_IRR;
	io->rte[pin] = nval;
	vioapic_try_deliver(io, pin, false);
}

static void vioapic_write_indirect(struct vioapic *io, uint32_t index, uint32_t val)
{
	if (index == VIOAPIC_REG_ID) {
		io->id = (val >> 24) & 0xFU;
		return;
	}
	if (index < VIOAPIC_REG_RTE0 || index >= VIOAPIC_REG_RTE0 + 2U * VIOAPIC_PINS)
		return;	/* version, arbitration and holes are read-only */
	vioapic_write_rte(io, (index - VIOAPIC_REG_RTE0) >> 1, (index & 1U) != 0U, val);
}

/* Direct registers (82093AA 3.1): IOREGSEL, IOWIN; EOI register (version 0x20). */
int vioapic_mmio_read(struct vioapic *io, uint32_t offset, uint32_t size, uint32_t *val)
{
	*val = 0U;
	if (size != 4U)
		return -EINVAL;
	switch (offset) {
	case VIOAPIC_OFF_IOREGSEL:
		*val = io->ioregsel;
		return 0;
	case VIOAPIC_OFF_IOWIN:
		*val = vioapic_read_indirect(io, io->ioregsel);
		return 0;
	case VIOAPIC_OFF_EOI:
		return 0;
	default:
		return -EINVAL;
	}
}

int vioapic_mmio_write(struct vioapic *io, uint32_t offset, uint32_t size, uint32_t val)
{
	if (size != 4U)
		return -EINVAL;
	switch (offset) {
	case VIOAPIC_OFF_IOREGSEL:
		io->ioregsel = val & 0xFFU;
		return 0;
	case VIOAPIC_OFF_IOWIN:
		vioapic_write_indirect(io, io->ioregsel, val);
		return 0;
	case VIOAPIC_OFF_EOI:
		vioapic_eoi(io, val & 0xFFU);
		return 0;
	default:
		return -EINVAL;
	}
}

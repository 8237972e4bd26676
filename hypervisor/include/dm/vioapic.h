/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file vioapic.h
 * Virtual I/O APIC (82093AA programming model, version 0x20 with the EOI
 * register of later chipset IOAPICs) as a host-testable state machine.
 * Delivery to local APICs goes through struct vioapic_ops.
 */
#ifndef DM_VIOAPIC_H
#define DM_VIOAPIC_H

#include <stdbool.h>
#include <stdint.h>

/** Number of redirection entries (input pins). */
#define VIOAPIC_PINS		48U
/** Value of the version register's version field. */
#define VIOAPIC_VERSION		0x20U

/** @name MMIO offsets within the IOAPIC window */
/**@{*/
#define VIOAPIC_OFF_IOREGSEL	0x00U
#define VIOAPIC_OFF_IOWIN	0x10U
#define VIOAPIC_OFF_EOI		0x40U
/**@}*/

/** @name Indirect register indices */
/**@{*/
#define VIOAPIC_REG_ID		0x00U
#define VIOAPIC_REG_VER		0x01U
#define VIOAPIC_REG_ARB		0x02U
#define VIOAPIC_REG_RTE0	0x10U
/**@}*/

/** @name Redirection-table entry bits (82093AA section 3.2.4) */
/**@{*/
#define VIOAPIC_RTE_VECTOR	0xFFULL
#define VIOAPIC_RTE_DELMODE_SHIFT 8U
#define VIOAPIC_RTE_DESTLOG	(1ULL << 11)
#define VIOAPIC_RTE_DELIVS	(1ULL << 12)
#define VIOAPIC_RTE_POLLOW	(1ULL << 13)
#define VIOAPIC_RTE_REM_IRR	(1ULL << 14)
#define VIOAPIC_RTE_LEVEL	(1ULL << 15)
#define VIOAPIC_RTE_MASKED	(1ULL << 16)
#define VIOAPIC_RTE_DEST_SHIFT	56U
/**@}*/

/** Input operations for vioapic_set_irq(). */
enum vioapic_irq_op {
	VIOAPIC_IRQ_DEASSERT = 0,	/**< line goes inactive */
	VIOAPIC_IRQ_ASSERT = 1,		/**< line goes active */
	VIOAPIC_IRQ_PULSE = 2,		/**< active then inactive (an edge) */
};

/** Interrupt message output. */
struct vioapic_ops {
	/**
	 * Send an interrupt message to the local APICs.
	 * @param dest 8-bit destination field (RTE bits 63:56)
	 * @param logical destination mode (RTE bit 11)
	 * @param delivery_mode RTE bits 10:8 (enum vlapic_delmode values)
	 * @param level true for a level-triggered entry (target sets TMR)
	 */
	void (*deliver)(void *ctx, uint32_t dest, bool logical, uint32_t delivery_mode,
			uint32_t vector, bool level);
	/**
	 * Optional (may be NULL): an EOI just cleared the remote IRR of level
	 * entry @p pin.  Called before the pin is re-evaluated, so a source
	 * that lowers its line from here (a passed-through device's INTx)
	 * is not delivered again.  May call vioapic_set_line()/set_irq().
	 */
	void (*eoi_pin)(void *ctx, uint32_t pin);
};

/** One virtual IOAPIC; fields are private. */
struct vioapic {
	const struct vioapic_ops *ops;
	void *ctx;
	uint32_t id;			/**< ID register (bits 27:24) */
	uint32_t ioregsel;		/**< index register */
	uint64_t asserted;		/**< per-pin logical input state (vioapic_set_irq) */
	uint64_t line_driven;		/**< pins driven electrically (vioapic_set_line) */
	uint64_t line_high;		/**< their levels */
	uint64_t rte[VIOAPIC_PINS];	/**< redirection table */
};

/**
 * Initialise and reset (all pins masked).  @param apic_id IOAPIC ID (0..15).
 * @return 0 or -EINVAL.
 */
int vioapic_init(struct vioapic *vioapic, uint32_t apic_id, const struct vioapic_ops *ops, void *ctx);

/** Reset: every entry masked, edge, vector 0; inputs keep their levels. */
void vioapic_reset(struct vioapic *vioapic);

/**
 * Drive input pin with op (enum vioapic_irq_op).  States are logical
 * (asserted = active), for sources that know nothing of polarity.
 * @return 0, or -EINVAL for pin >= VIOAPIC_PINS or an unknown op.
 */
int vioapic_set_irq(struct vioapic *vioapic, uint32_t pin, uint32_t op);

/**
 * Drive input pin to an electrical level (a device model's IRQ line).  From
 * then on the pin is active while its level matches the entry's polarity
 * (RTE bit 13) as programmed at each moment: a polarity write re-evaluates
 * it (a level entry that becomes active and is unmasked delivers), and an
 * inactive-to-active change is the edge an edge entry sends on.
 * @return 0, or -EINVAL for pin >= VIOAPIC_PINS.
 */
int vioapic_set_line(struct vioapic *vioapic, uint32_t pin, bool high);

/** Does the guest program pin as active-low (RTE bit 13)?  False for a bad pin. */
bool vioapic_pin_is_active_low(const struct vioapic *vioapic, uint32_t pin);

/**
 * EOI for vector from a local APIC (broadcast) or the EOI register:
 * clears remote IRR of matching level entries, tells ops->eoi_pin, and
 * re-delivers those whose line is still asserted.
 */
void vioapic_eoi(struct vioapic *vioapic, uint32_t vector);

/**
 * MMIO read at offset in the IOAPIC window (4-byte accesses).
 * @return 0, or -EINVAL for an undefined access (*val = 0).
 */
int vioapic_mmio_read(struct vioapic *vioapic, uint32_t offset, uint32_t size, uint32_t *val);

/** MMIO write.  @return 0, or -EINVAL for an undefined (dropped) access. */
int vioapic_mmio_write(struct vioapic *vioapic, uint32_t offset, uint32_t size, uint32_t val);

/** Read a redirection entry (for the glue / debug shell).  @return 0 or -EINVAL. */
int vioapic_get_rte(const struct vioapic *vioapic, uint32_t pin, uint64_t *rte);

#endif /* DM_VIOAPIC_H */

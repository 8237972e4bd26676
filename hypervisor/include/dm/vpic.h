/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file vpic.h
 * Virtual 8259A programmable interrupt controller pair (master at 0x20,
 * slave at 0xA0 cascaded on master IR2) with the PIIX/ICH edge/level
 * control registers (ELCR, ports 0x4D0/0x4D1), as a host-testable state
 * machine.  Reference: Intel 8259A datasheet.
 */
#ifndef DM_VPIC_H
#define DM_VPIC_H

#include <stdbool.h>
#include <stdint.h>

/** @name I/O ports */
/**@{*/
#define VPIC_PORT_MASTER_CMD	0x20U
#define VPIC_PORT_MASTER_DATA	0x21U
#define VPIC_PORT_SLAVE_CMD	0xA0U
#define VPIC_PORT_SLAVE_DATA	0xA1U
#define VPIC_PORT_ELCR_MASTER	0x4D0U
#define VPIC_PORT_ELCR_SLAVE	0x4D1U
/**@}*/

/** Number of IRQ inputs (0-7 master, 8-15 slave; 2 is the cascade). */
#define VPIC_IRQS		16U

/** Input operations for vpic_set_irq(). */
enum vpic_irq_op {
	VPIC_IRQ_DEASSERT = 0,
	VPIC_IRQ_ASSERT = 1,
	VPIC_IRQ_PULSE = 2,	/**< assert then deassert */
};

/** Outside world of the PIC. */
struct vpic_ops {
	/** The master's INTR output changed to `asserted`. */
	void (*notify)(void *ctx, bool asserted);
};

/** State of one 8259A; fields are private. */
struct vpic_chip {
	uint8_t irr;		/**< interrupt request register */
	uint8_t isr;		/**< in-service register */
	uint8_t imr;		/**< interrupt mask register (OCW1) */
	uint8_t elcr;		/**< 1 = level-triggered input */
	uint8_t lines;		/**< current input levels */
	uint8_t vector_base;	/**< ICW2 & 0xF8 */
	uint8_t icw3;		/**< cascade configuration */
	uint8_t lowest;		/**< IRQ with the lowest priority (rotation) */
	uint8_t init_step;	/**< 0: operational; 1: never initialised; 2,3,4: expecting ICWn */
	bool icw4_needed;
	bool single;		/**< ICW1.SNGL */
	bool auto_eoi;		/**< ICW4.AEOI */
	bool rotate_aeoi;	/**< OCW2 rotate in automatic EOI mode */
	bool sfnm;		/**< ICW4 special fully nested mode */
	bool special_mask;	/**< OCW3 special mask mode */
	bool read_isr;		/**< OCW3: command-port read returns ISR */
	bool poll;		/**< OCW3 poll command pending */
};

/** Master/slave pair; fields are private. */
struct vpic {
	const struct vpic_ops *ops;
	void *ctx;
	struct vpic_chip chip[2];	/**< [0] master, [1] slave */
	bool intr;			/**< master INTR output */
};

/** Initialise and reset.  @return 0 or -EINVAL. */
int vpic_init(struct vpic *vpic, const struct vpic_ops *ops, void *ctx);

/** Power-on state: both chips uninitialised, all masks clear, vectors 0. */
void vpic_reset(struct vpic *vpic);

/**
 * Drive IRQ input irq (0..15, except the cascade input 2).
 * @return 0, or -EINVAL for a bad irq or op.
 */
int vpic_set_irq(struct vpic *vpic, uint32_t irq, uint32_t op);

/**
 * Vector the pair would present on INTA now, without acknowledging.
 * @return 0 with *vector set, or -ENOENT when INTR is not asserted.
 */
int vpic_pending_intr(struct vpic *vpic, uint32_t *vector);

/**
 * Run the INTA cycle (8259A "interrupt sequence"): set ISR (unless AEOI),
 * clear edge IRR, and return the vector on the bus; IRQ7/IRQ15 spurious
 * vectors when the request vanished.  @return 0.
 */
int vpic_inta(struct vpic *vpic, uint32_t *vector);

/**
 * The CPU accepted vector (obtained from vpic_pending_intr()): runs the
 * INTA cycle.  @return 0, or -EAGAIN if the request changed meanwhile and
 * the acknowledged vector differs (it was then a spurious or new one).
 */
int vpic_intr_accepted(struct vpic *vpic, uint32_t vector);

/**
 * Port read (size 1).  @return 0, or -EINVAL for a port/size not handled
 * (*val = 0xFF).
 */
int vpic_pio_read(struct vpic *vpic, uint16_t port, uint32_t size, uint32_t *val);

/** Port write (size 1).  @return 0, or -EINVAL for a port/size not handled. */
int vpic_pio_write(struct vpic *vpic, uint16_t port, uint32_t size, uint32_t val);

/** Current master INTR output. */
bool vpic_intr_asserted(const struct vpic *vpic);

#endif /* DM_VPIC_H */

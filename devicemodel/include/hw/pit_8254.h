/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file pit_8254.h
 * Register-level model of the Intel 8254 programmable interval timer as
 * wired in a PC: counter 0 drives IRQ 0, counter 2's gate and output are
 * reached through port 0x61 (NMI status and control port).
 *
 * Counts are derived from ops->now_ns() with a 1.193182 MHz input clock;
 * only counter 0 needs a host timer (for IRQ 0), requested with
 * ops->timer_arm and delivered back through pit_timer_fired().
 *
 * Locking: every entry point takes the mutex inside the PIT; ops are
 * called with it held and must not call back into the PIT.
 */
#ifndef HW_PIT_8254_H
#define HW_PIT_8254_H

#include <stdbool.h>
#include <stdint.h>

#define PIT_BASE_PORT	0x40
#define PIT_NPORTS	4	/**< 0x40-0x42 counters, 0x43 control word */
#define PIT_PORT_CTRL	3	/**< offset of the control word register */
#define PIT_PORT_61	0x61	/**< NMI status and control (speaker, gate 2) */
#define PIT_IRQ		0
#define PIT_FREQ_HZ	1193182ULL

/** Control word fields (8254 datasheet, "Control Word Format"). */
#define PIT_CW_SC_SHIFT		6
#define PIT_CW_SC_READBACK	3
#define PIT_CW_RW_SHIFT		4
#define PIT_CW_RW_LATCH		0
#define PIT_CW_RW_LSB		1
#define PIT_CW_RW_MSB		2
#define PIT_CW_RW_WORD		3
#define PIT_CW_MODE_SHIFT	1
#define PIT_CW_BCD		0x01

/** Read-back command bits. */
#define PIT_RB_NO_COUNT		0x20	/**< 0 = latch count */
#define PIT_RB_NO_STATUS	0x10	/**< 0 = latch status */
#define PIT_RB_CNT(n)		(0x02 << (n))

/** Status byte bits. */
#define PIT_ST_OUT		0x80
#define PIT_ST_NULL		0x40

/** Port 0x61 bits. */
#define PIT_P61_GATE2		0x01
#define PIT_P61_SPKR		0x02
#define PIT_P61_REFRESH		0x10
#define PIT_P61_OUT2		0x20

/** Outside world of the PIT. */
struct pit_ops {
	/** Monotonic host time in nanoseconds. */
	uint64_t (*now_ns)(void *ctx);
	/** Edge on IRQ 0 (counter 0 output went high). */
	void (*irq_pulse)(void *ctx);
	/** Call pit_timer_fired() at (or after) @p when_ns; replaces any earlier request. */
	void (*timer_arm)(void *ctx, uint64_t when_ns);
	/** Forget the armed timer (a late pit_timer_fired() is harmless). */
	void (*timer_cancel)(void *ctx);
};

struct pit_8254;

/**
 * Allocate a PIT with every counter unprogrammed and gate 2 low.
 * @return 0, -EINVAL or -ENOMEM
 */
int pit_create(const struct pit_ops *ops, void *ctx, struct pit_8254 **out);

/** Free a PIT; NULL is accepted. Cancels its timer. */
void pit_destroy(struct pit_8254 *pit);

/**
 * Guest read of port 0x40 + @p offset (0..2: counters; 3 reads 0xff).
 * @return 0 or -EINVAL for an offset outside 0..3 (*val = 0xff)
 */
int pit_read(struct pit_8254 *pit, uint32_t offset, uint8_t *val);

/**
 * Guest write of port 0x40 + @p offset (0..2: counts, 3: control word).
 * @return 0 or -EINVAL for an offset outside 0..3
 */
int pit_write(struct pit_8254 *pit, uint32_t offset, uint8_t val);

/** Guest read of port 0x61: gate 2, speaker enable, refresh toggle, OUT2. */
uint8_t pit_port61_read(struct pit_8254 *pit);

/** Guest write of port 0x61: bit 0 = gate 2, bit 1 = speaker data enable. */
void pit_port61_write(struct pit_8254 *pit, uint8_t val);

/** Timer callback: pulse IRQ 0 if counter 0's output rose, then re-arm. */
void pit_timer_fired(struct pit_8254 *pit);

#endif /* HW_PIT_8254_H */

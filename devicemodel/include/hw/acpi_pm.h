/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file acpi_pm.h
 * ACPI fixed-hardware power-management registers (ACPI 6.x §4.8): the
 * PM1a event block (PM1_STS, PM1_EN), the PM1a control block (SCI_EN,
 * SLP_TYP, SLP_EN), the PM timer and the FADT reset register.
 *
 * The port addresses are parameters (struct acpi_pm_config); the defaults
 * and the lengths below are what the FADT/DSDT generator must publish.
 *
 * Locking: every entry point takes the mutex inside the device; ops are
 * called with it held and must not call back into the device (poweroff
 * and reset should only post a request to the VM's main loop).
 */
#ifndef HW_ACPI_PM_H
#define HW_ACPI_PM_H

#include <stdbool.h>
#include <stdint.h>

/** Default port layout (FADT PM1a_EVT_BLK, PM1a_CNT_BLK, PM_TMR_BLK). */
#define ACPI_PM1A_EVT_ADDR	0x400
#define ACPI_PM1A_CNT_ADDR	0x404
#define ACPI_PM_TMR_ADDR	0x408
#define ACPI_RESET_ADDR		0xcf9

/** Block lengths for FADT PM1_EVT_LEN, PM1_CNT_LEN, PM_TMR_LEN. */
#define ACPI_PM1_EVT_LEN	4
#define ACPI_PM1_CNT_LEN	2
#define ACPI_PM_TMR_LEN		4

/** FADT RESET_REG (system I/O, 8 bits at ACPI_RESET_ADDR) and RESET_VALUE. */
#define ACPI_RESET_VALUE	0x06

/** SLP_TYP values published in the DSDT \_S5 (and \_S3) packages. */
#define ACPI_SLP_TYP_S5		5
#define ACPI_SLP_TYP_S3		3

/** PM timer input frequency (ACPI §4.8.3.3). */
#define ACPI_PM_TMR_FREQ_HZ	3579545ULL

/** PM1_STS bits (ACPI Table 4.16). */
#define ACPI_PM1_TMR_STS	0x0001
#define ACPI_PM1_BM_STS		0x0010
#define ACPI_PM1_GBL_STS	0x0020
#define ACPI_PM1_PWRBTN_STS	0x0100
#define ACPI_PM1_SLPBTN_STS	0x0200
#define ACPI_PM1_RTC_STS	0x0400
#define ACPI_PM1_PCIEXP_WAKE_STS 0x4000
#define ACPI_PM1_WAK_STS	0x8000

/** PM1_EN bits (ACPI Table 4.17). */
#define ACPI_PM1_TMR_EN		0x0001
#define ACPI_PM1_GBL_EN		0x0020
#define ACPI_PM1_PWRBTN_EN	0x0100
#define ACPI_PM1_SLPBTN_EN	0x0200
#define ACPI_PM1_RTC_EN		0x0400
#define ACPI_PM1_PCIEXP_WAKE_DIS 0x4000

/** PM1_CNT bits (ACPI Table 4.18). */
#define ACPI_PM1_SCI_EN		0x0001
#define ACPI_PM1_BM_RLD		0x0002
#define ACPI_PM1_GBL_RLS	0x0004
#define ACPI_PM1_SLP_TYP_SHIFT	10
#define ACPI_PM1_SLP_TYP_MASK	(7u << ACPI_PM1_SLP_TYP_SHIFT)
#define ACPI_PM1_SLP_EN		0x2000

/** Reset control register (port 0xcf9) bits. */
#define ACPI_RST_SYS		0x02
#define ACPI_RST_CPU		0x04
#define ACPI_RST_FULL		0x08

/** Where the registers live; all ports must be distinct ranges. */
struct acpi_pm_config {
	uint16_t pm1a_evt;	/**< 4 bytes: PM1_STS (2), PM1_EN (2) */
	uint16_t pm1a_cnt;	/**< 2 bytes */
	uint16_t pm_tmr;	/**< 4 bytes, read-only */
	uint16_t reset_port;	/**< 1 byte; 0 = no reset register */
	bool tmr_32bit;		/**< FADT flag TMR_VAL_EXT */
};

/** Outside world of the PM registers. */
struct acpi_pm_ops {
	/** Monotonic host time in nanoseconds. */
	uint64_t (*now_ns)(void *ctx);
	/** Level of the SCI (ACPI: active-high level on the FADT SCI_INT GSI). */
	void (*sci_set)(void *ctx, bool level);
	/** Guest entered S5: power the VM off. Called once per request. */
	void (*poweroff)(void *ctx);
	/** Guest wrote the reset value: reset the VM. */
	void (*reset)(void *ctx);
	/** Optional: sleep state other than S5 (@p slp_typ 0..7); NULL = wake at once. */
	void (*sleep)(void *ctx, unsigned int slp_typ);
	/** Optional: call acpi_pm_timer_fired() at @p when_ns (for TMR_STS). */
	void (*timer_arm)(void *ctx, uint64_t when_ns);
	/** Optional: forget the armed timer. */
	void (*timer_cancel)(void *ctx);
};

struct acpi_pm;

/**
 * Create the PM register block; @p cfg NULL selects the defaults above
 * with a 24-bit timer.
 * @return 0, -EINVAL (overlapping ports, missing ops) or -ENOMEM
 */
int acpi_pm_create(const struct acpi_pm_config *cfg, const struct acpi_pm_ops *ops,
		   void *ctx, struct acpi_pm **out);

/** Free the block; NULL is accepted. */
void acpi_pm_destroy(struct acpi_pm *pm);

/** Whether @p port (with @p size bytes) is handled by this block. */
bool acpi_pm_owns_port(const struct acpi_pm *pm, uint16_t port, unsigned int size);

/**
 * Guest read of @p size (1, 2 or 4) bytes at @p port. Accesses that run
 * past the end of a block read the missing bytes as 0xff.
 * @return 0, -EINVAL (bad size) or -ENOENT (not one of our ports)
 */
int acpi_pm_pio_read(struct acpi_pm *pm, uint16_t port, unsigned int size, uint32_t *val);

/**
 * Guest write of @p size (1, 2 or 4) bytes at @p port.
 * @return 0, -EINVAL (bad size) or -ENOENT (not one of our ports)
 */
int acpi_pm_pio_write(struct acpi_pm *pm, uint16_t port, unsigned int size, uint32_t val);

/** Host side: the power button was pressed (sets PWRBTN_STS, may raise SCI). */
void acpi_pm_press_power_button(struct acpi_pm *pm);

/** Timer callback for TMR_STS (timer carry bit toggled). */
void acpi_pm_timer_fired(struct acpi_pm *pm);

/** Reset PM1 registers to their power-on values (after a VM reset). */
void acpi_pm_reset(struct acpi_pm *pm);

#endif /* HW_ACPI_PM_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file rtc_cmos.h
 * Register-level model of the PC real-time clock (Motorola MC146818A) and
 * its CMOS memory: 128 bytes behind ports 0x70/0x71 plus an extended bank
 * of 128 bytes behind 0x72/0x73.
 *
 * Guest time is base time + elapsed ops->now_ns(); nothing ticks in the
 * background. Timers (periodic, update-ended and alarm interrupts) are
 * requested through ops->timer_arm and delivered back by rtc_timer_fired().
 *
 * Locking: every entry point takes the mutex inside the RTC; ops are
 * called with it held and must not call back into the RTC (a timer that
 * fires calls rtc_timer_fired() from its own thread, which is fine).
 */
#ifndef HW_RTC_CMOS_H
#define HW_RTC_CMOS_H

#include <stdbool.h>
#include <stdint.h>

/** Port offsets from the base port 0x70. */
#define RTC_PORT_INDEX		0	/**< 0x70: index, bit 7 = NMI disable */
#define RTC_PORT_DATA		1	/**< 0x71 */
#define RTC_PORT_EXT_INDEX	2	/**< 0x72: extended bank index */
#define RTC_PORT_EXT_DATA	3	/**< 0x73 */
#define RTC_NPORTS		4
#define RTC_BASE_PORT		0x70
#define RTC_IRQ			8

/** MC146818A register indices. */
#define RTC_SEC		0x00
#define RTC_SEC_ALARM	0x01
#define RTC_MIN		0x02
#define RTC_MIN_ALARM	0x03
#define RTC_HOUR	0x04
#define RTC_HOUR_ALARM	0x05
#define RTC_WDAY	0x06	/**< day of week, 1 = Sunday */
#define RTC_MDAY	0x07
#define RTC_MONTH	0x08
#define RTC_YEAR	0x09
#define RTC_REG_A	0x0a
#define RTC_REG_B	0x0b
#define RTC_REG_C	0x0c
#define RTC_REG_D	0x0d
#define RTC_CENTURY	0x32	/**< IBM PC convention; FADT CENTURY field */

#define RTC_A_UIP	0x80
#define RTC_A_DV_MASK	0x70
#define RTC_A_DV_32K	0x20	/**< normal operation, 32.768 kHz time base */
#define RTC_A_RS_MASK	0x0f

#define RTC_B_SET	0x80
#define RTC_B_PIE	0x40
#define RTC_B_AIE	0x20
#define RTC_B_UIE	0x10
#define RTC_B_SQWE	0x08
#define RTC_B_DM	0x04	/**< 1 = binary, 0 = BCD */
#define RTC_B_24H	0x02
#define RTC_B_DSE	0x01

#define RTC_C_IRQF	0x80
#define RTC_C_PF	0x40
#define RTC_C_AF	0x20
#define RTC_C_UF	0x10

#define RTC_D_VRT	0x80

/** CMOS bytes firmware reads for the memory size (see rtc_set_memsize()). */
#define CMOS_BASEMEM_LO		0x15
#define CMOS_BASEMEM_HI		0x16
#define CMOS_EXTMEM_LO		0x17
#define CMOS_EXTMEM_HI		0x18
#define CMOS_EXTMEM2_LO		0x30
#define CMOS_EXTMEM2_HI		0x31
#define CMOS_MEM16M_LO		0x34
#define CMOS_MEM16M_HI		0x35
#define CMOS_HIGHMEM_LO		0x5b
#define CMOS_HIGHMEM_MID	0x5c
#define CMOS_HIGHMEM_HI		0x5d

/** Outside world of the RTC. */
struct rtc_ops {
	/** Monotonic host time in nanoseconds. */
	uint64_t (*now_ns)(void *ctx);
	/** Level of IRQ 8 (high while register C has IRQF set). */
	void (*irq_set)(void *ctx, bool level);
	/** Call rtc_timer_fired() at (or after) @p when_ns; replaces any earlier request. */
	void (*timer_arm)(void *ctx, uint64_t when_ns);
	/** Forget the armed timer (a late rtc_timer_fired() is harmless). */
	void (*timer_cancel)(void *ctx);
};

struct rtc_cmos;

/**
 * Allocate an RTC whose clock reads @p unix_sec (seconds since 1970-01-01
 * 00:00:00, as the guest should see its local time) at the current now_ns.
 * Registers start as firmware leaves them: 24-hour BCD, 32.768 kHz divider,
 * rate 6 (1024 Hz), no interrupts enabled, VRT set.
 * @return 0, -EINVAL or -ENOMEM
 */
int rtc_create(const struct rtc_ops *ops, void *ctx, int64_t unix_sec,
	       struct rtc_cmos **out);

/** Free an RTC; NULL is accepted. Cancels its timer. */
void rtc_destroy(struct rtc_cmos *rtc);

/**
 * Guest read of port 0x70 + @p offset.
 * @return 0 or -EINVAL for an offset outside 0..3 (*val = 0xff)
 */
int rtc_pio_read(struct rtc_cmos *rtc, uint32_t offset, uint8_t *val);

/**
 * Guest write of port 0x70 + @p offset.
 * @return 0 or -EINVAL for an offset outside 0..3
 */
int rtc_pio_write(struct rtc_cmos *rtc, uint32_t offset, uint8_t val);

/** Timer callback: process the events due by now and re-arm. */
void rtc_timer_fired(struct rtc_cmos *rtc);

/** Whether the guest set the NMI-disable bit (port 0x70 bit 7). */
bool rtc_nmi_masked(struct rtc_cmos *rtc);

/**
 * Fill the memory-size bytes firmware expects: base memory (640 KiB) at
 * 0x15/0x16, KiB above 1 MiB (max 0xffff) at 0x17/0x18 and 0x30/0x31,
 * 64 KiB units above 16 MiB below 4 GiB (max 0xffff) at 0x34/0x35, and
 * 64 KiB units above 4 GiB (24 bits) at 0x5b..0x5d; then refresh the
 * standard checksum over 0x10..0x2d at 0x2e/0x2f.
 * @param lowmem   bytes of RAM below 4 GiB, starting at 0
 * @param highmem  bytes of RAM from 4 GiB up
 * @return 0 or -EINVAL if @p lowmem exceeds 4 GiB
 */
int rtc_set_memsize(struct rtc_cmos *rtc, uint64_t lowmem, uint64_t highmem);

/**
 * Host access to CMOS memory (0x00..0xff; 0x80.. is the extended bank).
 * Clock and status registers (0x00..0x0d, 0x32) are refused with -EPERM.
 * @return 0, -EINVAL or -EPERM
 */
int rtc_cmos_write(struct rtc_cmos *rtc, uint32_t index, uint8_t val);

/** Host read of CMOS memory, see rtc_cmos_write(). */
int rtc_cmos_read(struct rtc_cmos *rtc, uint32_t index, uint8_t *val);

/** Current guest time in seconds since the epoch (what the registers show). */
int64_t rtc_get_time(struct rtc_cmos *rtc);

#endif /* HW_RTC_CMOS_H */

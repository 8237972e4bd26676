/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file timer.h
 * TSC calibration and delays.
 */
#ifndef ARCH_X86_TIMER_H
#define ARCH_X86_TIMER_H

#include <stdint.h>

/** TSC frequency in kHz, measured against the PIT at boot. */
extern uint32_t tsc_khz;

/** Measure the TSC frequency (PIT channel 2, 10 ms gate). */
void tsc_calibrate(void);

/** Busy-wait at least us microseconds. */
void udelay(uint32_t us);

#endif /* ARCH_X86_TIMER_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file lapic.h
 * The physical local APIC (owned by the hypervisor), xAPIC or x2APIC mode.
 */
#ifndef ARCH_X86_LAPIC_H
#define ARCH_X86_LAPIC_H

#include <stdint.h>
#include <stdbool.h>

/** Enable this CPU's local APIC (software enable, LVTs masked). */
void lapic_init(void);

/**
 * Take this CPU's local APIC back from a Service VM that has offlined the
 * CPU: Linux software-disables it on the way out (SVR bit 8 clear; then no
 * fixed interrupt, kick or remapped MSI would reach the pCPU).  TPR to 0,
 * enabled again, vectors left in service EOIed, timer and error LVTs masked.
 * @return the SVR the Service VM left
 */
uint32_t lapic_reclaim(void);

/** Read a LAPIC register by its xAPIC offset (x2APIC mode: the matching MSR). */
uint32_t lapic_read(uint32_t off);

/** Write a LAPIC register by its xAPIC offset (x2APIC mode: the matching MSR). */
void lapic_write(uint32_t off, uint32_t v);

/**
 * Send an IPI: destination APIC ID (ignored with a shorthand) and the low
 * ICR word, written as one unit, then wait for the send to complete.
 */
void lapic_send_icr(uint32_t apic_id, uint32_t lo);

/** This CPU's APIC ID. */
uint32_t lapic_id(void);

/** INIT then two STARTUP IPIs to apic_id with the start page vector (SDM Vol. 3 §8.4.4.1). */
void lapic_start_ap(uint32_t apic_id, uint8_t vector);

/**
 * Send a fixed interrupt with vector to a destination, as an MSI with that
 * address/data would (physical or logical destination mode).
 */
void lapic_send_fixed(uint32_t dest, bool logical, uint8_t vector);

#endif /* ARCH_X86_LAPIC_H */

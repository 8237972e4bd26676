/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file ioapic.h
 * The hypervisor's one use of the physical IOAPICs (Intel 82093AA datasheet):
 * masking and unmasking the redirection entry of a GSI whose interrupt is
 * forwarded to a User VM (common/ptdev.c).
 *
 * The Service VM programs the IOAPICs itself (it runs with the physical LAPIC
 * and sees the IOAPIC pages); the hypervisor only flips the mask bit (bit 16)
 * of a pin the Service VM has handed over, and puts the index register back as
 * it found it, so a Service VM access interrupted between its index write and
 * its data access on this pCPU is not disturbed.
 */
#ifndef ARCH_X86_IOAPIC_H
#define ARCH_X86_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

struct acpi_platform;

/** Record the IOAPICs of the MADT and their pin counts; @return their number. */
uint32_t ioapic_init(const struct acpi_platform *plat);

/**
 * Set or clear the mask bit of the redirection entry of @gsi.
 * @return 0, or -EINVAL when no IOAPIC has that GSI.
 */
int ioapic_set_gsi_masked(uint32_t gsi, bool masked);

#endif /* ARCH_X86_IOAPIC_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file acpi.h
 * ACPI table discovery (ACPI 6.5 §5.2): RSDP -> XSDT/RSDT -> MADT.
 */
#ifndef ARCH_X86_ACPI_H
#define ARCH_X86_ACPI_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <boot/boot_info.h>

#define ACPI_MAX_CPUS		64
#define ACPI_MAX_IOAPICS	4

struct acpi_ioapic {
	uint8_t id;
	uint32_t addr;
	uint32_t gsi_base;
};

struct acpi_platform {
	uint64_t rsdp_pa;
	uint64_t madt_pa;
	uint64_t dmar_pa;		/* 0 when absent */
	uint32_t lapic_addr;
	uint32_t cpu_count;
	uint32_t apic_ids[ACPI_MAX_CPUS];	/* enabled CPUs, firmware order */
	uint32_t ioapic_count;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
};

/** Validate an ACPI checksum: the bytes sum to zero. */
bool acpi_checksum_ok(const void *p, size_t len);

/**
 * Find the tables.  rsdp_copy may be the loader's copy of the RSDP (or NULL,
 * then the BIOS areas are searched through p2v).
 * @return 0, -ENOENT when there is no RSDP or MADT, -EINVAL on a corrupt table.
 */
int acpi_parse(const uint8_t *rsdp_copy, boot_p2v_fn p2v, struct acpi_platform *plat);

/**
 * The platform found by the last successful acpi_parse() (a copy: valid even
 * when the caller's structure goes away), for readers such as the shell.
 * @return NULL until acpi_parse() has succeeded once.
 */
const struct acpi_platform *acpi_platform_get(void);

#endif /* ARCH_X86_ACPI_H */

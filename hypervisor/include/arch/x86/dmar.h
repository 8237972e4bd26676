/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file dmar.h
 * Parser of the ACPI DMA Remapping Reporting table (Intel VT-d spec §8):
 * remapping hardware units (DRHD) with their device scopes, and reserved
 * memory regions (RMRR).  Pure: works on a copy of the table in memory.
 */
#ifndef ARCH_X86_DMAR_H
#define ARCH_X86_DMAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DMAR_MAX_UNITS		8
#define DMAR_MAX_SCOPES		16	/**< device scopes kept per DRHD or RMRR */
#define DMAR_MAX_RMRRS		8

/** Device scope types, VT-d §8.3.1 "Device Scope Structure". */
enum dmar_scope_type {
	DMAR_SCOPE_ENDPOINT = 1,	/**< PCI endpoint device */
	DMAR_SCOPE_BRIDGE = 2,		/**< PCI sub-hierarchy (the bridge and all behind it) */
	DMAR_SCOPE_IOAPIC = 3,
	DMAR_SCOPE_HPET = 4,
	DMAR_SCOPE_ACPI = 5,
};

/** One device scope entry. */
struct dmar_scope {
	uint8_t type;		/**< enum dmar_scope_type */
	uint8_t enum_id;	/**< IOAPIC/HPET/ACPI enumeration ID */
	uint8_t start_bus;
	uint8_t depth;		/**< number of (device, function) path elements */
	/** The requester ID is known: depth == 1 (bus = start_bus).  Deeper
	 *  paths need the bridges' secondary bus numbers, not read here. */
	bool resolved;
	uint16_t bdf;		/**< requester ID when resolved, else 0 */
};

/** One DMA-remapping hardware unit (DRHD, VT-d §8.3). */
struct dmar_unit {
	uint64_t reg_base;	/**< physical address of the register set */
	uint16_t segment;
	bool include_all;	/**< INCLUDE_PCI_ALL: every device of the segment not in another unit's scope */
	uint32_t scope_count;
	struct dmar_scope scopes[DMAR_MAX_SCOPES];
};

/** One reserved memory region (RMRR, VT-d §8.4): DMA the firmware keeps doing. */
struct dmar_rmrr {
	uint64_t base;
	uint64_t limit;		/**< last byte, inclusive */
	uint16_t segment;
	uint32_t scope_count;
	struct dmar_scope scopes[DMAR_MAX_SCOPES];
};

/** Everything the parser keeps of a DMAR table. */
struct dmar_info {
	uint8_t host_addr_width;	/**< DMA physical address width (HAW field + 1) */
	uint8_t flags;			/**< INTR_REMAP bit 0, X2APIC_OPT_OUT bit 1 */
	uint32_t unit_count;
	struct dmar_unit units[DMAR_MAX_UNITS];
	uint32_t rmrr_count;
	struct dmar_rmrr rmrrs[DMAR_MAX_RMRRS];
	/** Why the table was rejected (a static string), NULL on success. */
	const char *error;
};

/**
 * Parse a DMAR table.  Every length is checked against the table and the
 * table against @p len; a garbled table is rejected as a whole (no unit is
 * reported) so that no device is left half-described.
 * @param tbl  the table, header included
 * @param len  bytes available at @p tbl (the table's own length must fit)
 * @param out  filled; on failure unit_count = rmrr_count = 0 and error set
 * @return 0, -EINVAL (garbled: signature, checksum, lengths, no unit),
 *         -E2BIG (more units, RMRRs or scopes than the fixed arrays hold)
 */
int dmar_parse(const uint8_t *tbl, size_t len, struct dmar_info *out);

/**
 * Hide a DMAR table from the OS that boots next (the Service VM): its
 * signature becomes "XMAR" and the checksum is adjusted, so the table stays
 * well-formed ACPI but no OS driver takes the remapping units the
 * hypervisor owns.
 * @return 0, -EINVAL (no DMAR signature, a length beyond @p len or a bad
 *         checksum: nothing changed)
 */
int dmar_hide(uint8_t *tbl, size_t len);

/**
 * The unit that translates requests from @p bdf on segment 0: the one listing
 * it as an endpoint (or listing the bridge at that requester ID), otherwise
 * the segment's INCLUDE_PCI_ALL unit.
 * @return index into info->units, or -1 when no unit covers the device
 */
int dmar_unit_for(const struct dmar_info *info, uint16_t bdf);

#endif /* ARCH_X86_DMAR_H */

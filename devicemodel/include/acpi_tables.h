/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file acpi_tables.h
 * ACPI tables of a User VM (ACPI 6.5 chapter 5): RSDP, RSDT, XSDT, MADT,
 * FADT, FACS and a DSDT with hand-assembled AML for the devices acrn-dm
 * emulates.  They are built into the BIOS area [0xE0000, 0x100000), which
 * the e820 table reserves, with the RSDP at 0xE0000 so both the legacy
 * RSDP scan and boot_params.acpi_rsdp_addr find it.
 */
#ifndef DM_ACPI_TABLES_H
#define DM_ACPI_TABLES_H

#include <stddef.h>
#include <stdint.h>

struct vmctx;

#define ACPI_TABLES_BASE	0xe0000ULL	/**< RSDP here, tables after it */
#define ACPI_TABLES_END		0x100000ULL
#define ACPI_LAPIC_ADDR		0xfee00000U
#define ACPI_IOAPIC_ADDR	0xfec00000U
#define ACPI_IOAPIC_PINS	24
#define ACPI_SCI_IRQ		9
#define ACPI_MAX_CPUS		16
#define ACPI_MAX_UARTS		4

/** MADT interrupt source override flags (ACPI 6.5 Table 5.26, MPS INTI flags). */
#define ACPI_MADT_FLAGS_BUS_DEFAULT	0x0000
#define ACPI_MADT_FLAGS_LEVEL_LOW	0x000f

/** One legacy UART to describe as PNP0501. */
struct acpi_uart_desc {
	uint8_t com;		/**< 1..9: device name COMn and _UID n */
	uint16_t port;
	uint8_t irq;
};

/** What the tables describe. */
struct acpi_tables_config {
	unsigned int ncpus;			/**< 1..ACPI_MAX_CPUS: LAPIC IDs 0..n-1 */
	unsigned int nuarts;			/**< 0..ACPI_MAX_UARTS */
	struct acpi_uart_desc uarts[ACPI_MAX_UARTS];
	uint64_t mmio64_base;			/**< 64-bit BAR window; size 0 = none */
	uint64_t mmio64_size;
};

/**
 * Build every table into @p mem, which stands for guest physical
 * [@p base_gpa, @p base_gpa + @p len); the RSDP goes at @p base_gpa.
 * @return 0, -EINVAL (bad config, base not 16-byte aligned or above 4 GiB)
 *         or -ENOSPC (@p len too small)
 */
int acpi_tables_build(const struct acpi_tables_config *cfg, uint8_t *mem, size_t len,
		      uint64_t base_gpa);

/**
 * Build the tables for @p ctx (vCPUs, -l com1/com2, PCI windows) into guest
 * memory at ACPI_TABLES_BASE.  @return 0 or a negative errno
 */
int acpi_tables_install(struct vmctx *ctx);

/**
 * Parse tables back as an OS would: check the RSDP at @p rsdp_gpa (both
 * checksums), the XSDT, and find the table with signature @p sig ("DSDT"
 * and "FACS" through the FADT).  Every pointer is bounds-checked against
 * the region @p mem = [@p base_gpa, @p base_gpa + @p len).
 * @param table      receives a pointer into @p mem
 * @param table_len  receives its length
 * @return 0, -ENOENT (not found), -EFAULT (pointer outside the region) or
 *         -EBADMSG (bad signature, length or checksum)
 */
int acpi_tables_find(const uint8_t *mem, size_t len, uint64_t base_gpa, uint64_t rsdp_gpa,
		     const char *sig, const uint8_t **table, uint32_t *table_len);

/** Sum of @p len bytes modulo 256 (0 for a valid ACPI table). */
uint8_t acpi_checksum(const void *p, size_t len);

#endif /* DM_ACPI_TABLES_H */

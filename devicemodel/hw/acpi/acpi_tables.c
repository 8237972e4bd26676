/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ACPI tables for a User VM, generated in memory at start-up (ACPI 6.5,
 * chapter 5 "ACPI Software Programming Model", chapter 19 "ACPI Source
 * Language", chapter 20 "ACPI Machine Language").
 *
 * No iasl at build time and no table blobs: the few AML constructs a
 * DSDT for this platform needs (Scope, Device, Name, Package, Buffer,
 * integers, EISA IDs and resource descriptors) are encoded directly.
 *
 * Layout in the region (default [0xE0000, 0x100000), e820-reserved):
 *   +0x000 RSDP (36 bytes)      +0x040 RSDT   +0x080 XSDT
 *   +0x100 MADT   +0x300 FADT   +0x440 FACS (64-byte aligned)   +0x480 DSDT
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define DM_LOG_PREFIX "acpi: "
#include "acpi_tables.h"
#include "dm_log.h"
#include "guest_mem.h"
#include "hw/acpi_pm.h"
#include "hw/rtc_cmos.h"
#include "pci_core.h"
#include "platform_devices.h"
#include "vmctx.h"

#define ACPI_HDR_LEN		36
#define ACPI_RSDP_LEN		36
#define ACPI_OEM_ID		"ACRN  "
#define ACPI_OEM_TABLE_ID	"ACRNDM  "
#define ACPI_CREATOR_ID		"ACRN"

/* FADT field offsets (ACPI 6.5 Table 5.9). */
#define FADT_LEN		276
#define FADT_FIRMWARE_CTRL	36
#define FADT_DSDT		40
#define FADT_PM_PROFILE		45
#define FADT_SCI_INT		46
#define FADT_SMI_CMD		48
#define FADT_PM1A_EVT_BLK	56
#define FADT_PM1A_CNT_BLK	64
#define FADT_PM_TMR_BLK		76
#define FADT_PM1_EVT_LEN	88
#define FADT_PM1_CNT_LEN	89
#define FADT_PM_TMR_LEN		91
#define FADT_P_LVL2_LAT		96
#define FADT_P_LVL3_LAT		98
#define FADT_CENTURY		108
#define FADT_IAPC_BOOT_ARCH	109
#define FADT_FLAGS		112
#define FADT_RESET_REG		116
#define FADT_RESET_VALUE	128
#define FADT_MINOR_VERSION	131
#define FADT_X_FIRMWARE_CTRL	132
#define FADT_X_DSDT		140
#define FADT_X_PM1A_EVT_BLK	148
#define FADT_X_PM1A_CNT_BLK	172
#define FADT_X_PM_TMR_BLK	208

/* FADT Flags (Table 5.10) and IA-PC boot architecture flags (Table 5.11). */
#define FADT_F_WBINVD		(1u << 0)
#define FADT_F_PROC_C1		(1u << 2)
#define FADT_F_SLP_BUTTON	(1u << 5)
#define FADT_F_FIX_RTC		(1u << 6)
#define FADT_F_RESET_REG_SUP	(1u << 10)
#define IAPC_LEGACY_DEVICES	(1u << 0)
#define IAPC_VGA_NOT_PRESENT	(1u << 2)

#define GAS_SYSTEM_IO		1

/* MADT structure types (Table 5.21). */
#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_ISO		2
#define MADT_LAPIC_NMI		4
#define MADT_PCAT_COMPAT	1u

/* AML opcodes (ACPI 6.5 §20.3). */
#define AML_ZERO		0x00
#define AML_ONE			0x01
#define AML_NAME		0x08
#define AML_BYTE		0x0a
#define AML_WORD		0x0b
#define AML_DWORD		0x0c
#define AML_QWORD		0x0e
#define AML_SCOPE		0x10
#define AML_BUFFER		0x11
#define AML_PACKAGE		0x12
#define AML_EXT			0x5b
#define AML_DEVICE		0x82
#define AML_ROOT		'\\'

/* Little-endian stores into a byte buffer. */
static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

uint8_t acpi_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len-- > 0)
		sum = (uint8_t)(sum + *b++);
	return sum;
}

/* ---- AML byte stream with back-patched PkgLength (ACPI 6.5 §20.2.4) ---- */

struct aml {
	uint8_t *p;
	size_t len, cap;
	bool overflow;
};

static void aml_bytes(struct aml *a, const void *src, size_t n)
{
	if (a->overflow || n > a->cap - a->len) {
		a->overflow = true;
		return;
	}
	memcpy(a->p + a->len, src, n);
	a->len += n;
}

static void aml_byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

/* Start a PkgLength-prefixed construct: reserve the longest encoding (4 bytes). */
static size_t aml_open(struct aml *a)
{
	size_t at = a->len;

	aml_bytes(a, "\0\0\0\0", 4);
	return at;
}

/*
 * Close it: PkgLength counts itself and what follows.  One byte holds up to
 * 63; otherwise bits 7:6 of the lead byte give the number of following
 * bytes, its bits 3:0 the low nibble, each following byte 8 more bits.
 */
static void aml_close(struct aml *a, size_t at)
{
	size_t body, n, v;

	if (a->overflow)
		return;
	body = a->len - at - 4;
	for (n = 1; n <= 4; n++) {
		v = body + n;
		if ((n == 1 && v < 0x40) || (n > 1 && v < (1ULL << (4 + 8 * (n - 1)))))
			break;
	}
	if (n > 4) {
		a->overflow = true;
		return;
	}
	memmove(a->p + at + n, a->p + at + 4, body);
	a->len = at + n + body;
	if (n == 1) {
		a->p[at] = (uint8_t)v;
		return;
	}
	a->p[at] = (uint8_t)(((n - 1) << 6) | (v & 0xf));
	for (size_t i = 1; i < n; i++)
		a->p[at + i] = (uint8_t)(v >> (4 + 8 * (i - 1)));
}

/* A NameSeg: four characters, '_'-padded (§20.2.2). */
static void aml_nameseg(struct aml *a, const char *name)
{
	char seg[4] = { '_', '_', '_', '_' };

	for (int i = 0; i < 4 && name[i] != '\0'; i++)
		seg[i] = name[i];
	aml_bytes(a, seg, 4);
}

/* Smallest integer encoding (ZeroOp, OneOp, Byte/Word/DWord/QWordConst). */
static void aml_int(struct aml *a, uint64_t v)
{
	uint8_t b[9];

	if (v == 0 || v == 1) {
		aml_byte(a, v == 0 ? AML_ZERO : AML_ONE);
	} else if (v <= 0xff) {
		b[0] = AML_BYTE;
		b[1] = (uint8_t)v;
		aml_bytes(a, b, 2);
	} else if (v <= 0xffff) {
		b[0] = AML_WORD;
		put16(b + 1, (uint16_t)v);
		aml_bytes(a, b, 3);
	} else if (v <= 0xffffffffULL) {
		b[0] = AML_DWORD;
		put32(b + 1, (uint32_t)v);
		aml_bytes(a, b, 5);
	} else {
		b[0] = AML_QWORD;
		put64(b + 1, v);
		aml_bytes(a, b, 9);
	}
}

/*
 * EISAID("PNPxxxx") (ACPI 6.5 §19.6.35): three letters of 5 bits each and
 * four hex digits, stored most significant byte first.
 */
static uint32_t aml_eisaid(const char *id)
{
	uint32_t v = 0;

	for (int i = 0; i < 3; i++)
		v = v << 5 | (uint32_t)((id[i] - 0x40) & 0x1f);
	for (int i = 3; i < 7; i++) {
		char c = id[i];

		v = v << 4 | (uint32_t)(c <= '9' ? c - '0' : c - 'A' + 10);
	}
	return __builtin_bswap32(v);
}

static void aml_name_int(struct aml *a, const char *name, uint64_t v)
{
	aml_byte(a, AML_NAME);
	aml_nameseg(a, name);
	aml_int(a, v);
}

static void aml_name_eisaid(struct aml *a, const char *name, const char *id)
{
	uint8_t b[5] = { AML_DWORD };

	aml_byte(a, AML_NAME);
	aml_nameseg(a, name);
	put32(b + 1, aml_eisaid(id));
	aml_bytes(a, b, sizeof(b));
}

/* Name(NAME, Buffer() {bytes}): a ResourceTemplate already encoded. */
static void aml_name_buffer(struct aml *a, const char *name, const uint8_t *bytes, size_t n)
{
	size_t pkg;

	aml_byte(a, AML_NAME);
	aml_nameseg(a, name);
	aml_byte(a, AML_BUFFER);
	pkg = aml_open(a);
	aml_int(a, n);
	aml_bytes(a, bytes, n);
	aml_close(a, pkg);
}

/* ---- Resource descriptors (ACPI 6.5 §6.4) ---- */

/* I/O port descriptor, 16-bit decode (§6.4.2.5). */
static size_t rd_io(uint8_t *p, uint16_t base, uint8_t align, uint8_t len)
{
	p[0] = 0x47;
	p[1] = 0x01;
	put16(p + 2, base);
	put16(p + 4, base);
	p[6] = align;
	p[7] = len;
	return 8;
}

/* IRQ descriptor without flags: ISA edge, active high (§6.4.2.1). */
static size_t rd_irq(uint8_t *p, uint8_t irq)
{
	p[0] = 0x22;
	put16(p + 1, (uint16_t)(1u << (irq & 15)));
	return 3;
}

/* Word address space descriptor (§6.4.3.5.3): bus numbers or I/O ranges. */
static size_t rd_word(uint8_t *p, uint8_t type, uint8_t tflags, uint16_t min, uint16_t max)
{
	p[0] = 0x88;
	put16(p + 1, 13);
	p[3] = type;
	p[4] = 0x0c;		/* producer, min and max fixed, positive decode */
	p[5] = tflags;
	put16(p + 6, 0);
	put16(p + 8, min);
	put16(p + 10, max);
	put16(p + 12, 0);
	put16(p + 14, (uint16_t)(max - min + 1));
	return 16;
}

/* DWord memory descriptor (§6.4.3.5.2), read-write, non-cacheable. */
static size_t rd_dword_mem(uint8_t *p, uint32_t min, uint32_t max)
{
	p[0] = 0x87;
	put16(p + 1, 23);
	p[3] = 0;
	p[4] = 0x0c;
	p[5] = 0x01;
	put32(p + 6, 0);
	put32(p + 10, min);
	put32(p + 14, max);
	put32(p + 18, 0);
	put32(p + 22, max - min + 1);
	return 26;
}

/* QWord memory descriptor (§6.4.3.5.1), read-write, non-cacheable. */
static size_t rd_qword_mem(uint8_t *p, uint64_t min, uint64_t max)
{
	p[0] = 0x8a;
	put16(p + 1, 43);
	p[3] = 0;
	p[4] = 0x0c;
	p[5] = 0x01;
	put64(p + 6, 0);
	put64(p + 14, min);
	put64(p + 22, max);
	put64(p + 30, 0);
	put64(p + 38, max - min + 1);
	return 46;
}

/* End tag (§6.4.2.9); checksum 0 means "treat as valid". */
static size_t rd_end(uint8_t *p)
{
	p[0] = 0x79;
	p[1] = 0;
	return 2;
}

/* ---- DSDT contents ---- */

/*
 * \_SB.PCI0: the host bridge (PNP0A03) with the windows the PCI core
 * allocates BARs from, and _PRT with the INTx routing of pci_lintr_request():
 * slot S pin P (0 = INTA) -> GSI 16 + ((S + P) mod 8).
 */
static void dsdt_pci0(struct aml *a, const struct acpi_tables_config *cfg)
{
	uint8_t crs[160];
	size_t n = 0, dev, pkg, prt;

	aml_byte(a, AML_EXT);
	aml_byte(a, AML_DEVICE);
	dev = aml_open(a);
	aml_nameseg(a, "PCI0");
	aml_name_eisaid(a, "_HID", "PNP0A03");
	aml_name_int(a, "_ADR", 0);
	aml_name_int(a, "_UID", 0);
	aml_name_int(a, "_BBN", 0);

	n += rd_word(crs + n, 2, 0, 0x00, 0xff);			/* bus 0-255 */
	n += rd_io(crs + n, 0xcf8, 1, 8);				/* config mechanism #1 */
	n += rd_word(crs + n, 1, 3, 0x0000, 0x0cf7);			/* legacy I/O */
	n += rd_word(crs + n, 1, 3, (uint16_t)PCI_PIO_BASE, (uint16_t)(PCI_PIO_LIMIT - 1));
	n += rd_dword_mem(crs + n, (uint32_t)PCI_MMIO32_BASE, (uint32_t)(PCI_MMIO32_LIMIT - 1));
	if (cfg->mmio64_size != 0)
		n += rd_qword_mem(crs + n, cfg->mmio64_base,
				  cfg->mmio64_base + cfg->mmio64_size - 1);
	n += rd_end(crs + n);
	aml_name_buffer(a, "_CRS", crs, n);

	aml_byte(a, AML_NAME);
	aml_nameseg(a, "_PRT");
	aml_byte(a, AML_PACKAGE);
	prt = aml_open(a);
	aml_byte(a, DM_PCI_SLOTS * 4);
	for (unsigned int slot = 0; slot < DM_PCI_SLOTS; slot++) {
		for (unsigned int pin = 0; pin < 4; pin++) {
			aml_byte(a, AML_PACKAGE);
			pkg = aml_open(a);
			aml_byte(a, 4);
			aml_int(a, (uint64_t)slot << 16 | 0xffff);
			aml_int(a, pin);
			aml_int(a, 0);
			aml_int(a, 16 + ((slot + pin) & 7));
			aml_close(a, pkg);
		}
	}
	aml_close(a, prt);
	aml_close(a, dev);
}

/* A PNP device with a _CRS of one I/O range and one ISA IRQ. */
static void dsdt_isa_dev(struct aml *a, const char *name, const char *hid, unsigned int uid,
			 uint16_t port, uint8_t nports, uint8_t irq)
{
	uint8_t crs[16];
	size_t n = 0, dev;

	aml_byte(a, AML_EXT);
	aml_byte(a, AML_DEVICE);
	dev = aml_open(a);
	aml_nameseg(a, name);
	aml_name_eisaid(a, "_HID", hid);
	aml_name_int(a, "_UID", uid);
	n += rd_io(crs + n, port, 1, nports);
	n += rd_irq(crs + n, irq);
	n += rd_end(crs + n);
	aml_name_buffer(a, "_CRS", crs, n);
	aml_close(a, dev);
}

static void dsdt_body(struct aml *a, const struct acpi_tables_config *cfg)
{
	size_t scope, pkg;
	char name[5];

	/* \_S5: SLP_TYPa, SLP_TYPb, reserved, reserved (ACPI 6.5 §7.4.2). */
	aml_byte(a, AML_NAME);
	aml_nameseg(a, "_S5_");
	aml_byte(a, AML_PACKAGE);
	pkg = aml_open(a);
	aml_byte(a, 4);
	aml_byte(a, AML_BYTE);
	aml_byte(a, ACPI_SLP_TYP_S5);
	aml_byte(a, AML_BYTE);
	aml_byte(a, ACPI_SLP_TYP_S5);
	aml_byte(a, AML_ZERO);
	aml_byte(a, AML_ZERO);
	aml_close(a, pkg);

	aml_byte(a, AML_SCOPE);
	scope = aml_open(a);
	aml_byte(a, AML_ROOT);
	aml_nameseg(a, "_SB_");
	dsdt_pci0(a, cfg);
	for (unsigned int i = 0; i < cfg->nuarts; i++) {
		memcpy(name, "COM", 3);
		name[3] = (char)('0' + cfg->uarts[i].com);
		name[4] = '\0';
		dsdt_isa_dev(a, name, "PNP0501", cfg->uarts[i].com, cfg->uarts[i].port, 8,
			     cfg->uarts[i].irq);
	}
	dsdt_isa_dev(a, "RTC", "PNP0B00", 0, RTC_BASE_PORT, 2, RTC_IRQ);
	aml_close(a, scope);
}

/* ---- Tables ---- */

/* Standard description header (ACPI 6.5 §5.2.6). */
static void acpi_header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	t[9] = 0;
	memcpy(t + 10, ACPI_OEM_ID, 6);
	memcpy(t + 16, ACPI_OEM_TABLE_ID, 8);
	put32(t + 24, 1);
	memcpy(t + 28, ACPI_CREATOR_ID, 4);
	put32(t + 32, 1);
}

static void acpi_finish(uint8_t *t)
{
	t[9] = 0;
	t[9] = (uint8_t)(0 - acpi_checksum(t, get32(t + 4)));
}

/* MADT (§5.2.12): one LAPIC per vCPU, the IOAPIC, ISA overrides, LINT1 NMI. */
static size_t acpi_build_madt(uint8_t *t, const struct acpi_tables_config *cfg)
{
	size_t n = 44;

	put32(t + 36, ACPI_LAPIC_ADDR);
	put32(t + 40, MADT_PCAT_COMPAT);
	for (unsigned int i = 0; i < cfg->ncpus; i++, n += 8) {
		t[n] = MADT_LAPIC;
		t[n + 1] = 8;
		t[n + 2] = (uint8_t)i;		/* ACPI processor UID */
		t[n + 3] = (uint8_t)i;		/* APIC ID */
		put32(t + n + 4, 1);		/* enabled */
	}
	t[n] = MADT_IOAPIC;
	t[n + 1] = 12;
	t[n + 2] = (uint8_t)(cfg->ncpus & 0xf);	/* IOAPIC ID: after the LAPIC IDs */
	t[n + 3] = 0;
	put32(t + n + 4, ACPI_IOAPIC_ADDR);
	put32(t + n + 8, 0);			/* GSI base */
	n += 12;
	/* ISA IRQ 0 (PIT) is wired to IOAPIC pin 2. */
	t[n] = MADT_ISO;
	t[n + 1] = 10;
	t[n + 2] = 0;
	t[n + 3] = 0;
	put32(t + n + 4, 2);
	put16(t + n + 8, ACPI_MADT_FLAGS_BUS_DEFAULT);
	n += 10;
	/* The SCI: level-triggered, active low. */
	t[n] = MADT_ISO;
	t[n + 1] = 10;
	t[n + 2] = 0;
	t[n + 3] = ACPI_SCI_IRQ;
	put32(t + n + 4, ACPI_SCI_IRQ);
	put16(t + n + 8, ACPI_MADT_FLAGS_LEVEL_LOW);
	n += 10;
	/* LINT1 of every processor is the NMI input (edge, high). */
	t[n] = MADT_LAPIC_NMI;
	t[n + 1] = 6;
	t[n + 2] = 0xff;
	put16(t + n + 3, 0x0005);
	t[n + 5] = 1;
	n += 6;
	acpi_header(t, "APIC", (uint32_t)n, 5);
	return n;
}

/* Generic address structure (§5.2.3.2) for a system I/O block. */
static void acpi_gas_io(uint8_t *p, uint8_t bits, uint8_t access, uint64_t port)
{
	p[0] = GAS_SYSTEM_IO;
	p[1] = bits;
	p[2] = 0;
	p[3] = access;
	put64(p + 4, port);
}

/* FADT (§5.2.9), revision 6.5: PM blocks from acpi_pm.h, reset via 0xCF9. */
static size_t acpi_build_fadt(uint8_t *t, uint32_t facs, uint32_t dsdt)
{
	put32(t + FADT_FIRMWARE_CTRL, facs);
	put32(t + FADT_DSDT, dsdt);
	t[FADT_PM_PROFILE] = 0;				/* unspecified */
	put16(t + FADT_SCI_INT, ACPI_SCI_IRQ);
	put32(t + FADT_SMI_CMD, 0);			/* always in ACPI mode */
	put32(t + FADT_PM1A_EVT_BLK, ACPI_PM1A_EVT_ADDR);
	put32(t + FADT_PM1A_CNT_BLK, ACPI_PM1A_CNT_ADDR);
	put32(t + FADT_PM_TMR_BLK, ACPI_PM_TMR_ADDR);
	t[FADT_PM1_EVT_LEN] = ACPI_PM1_EVT_LEN;
	t[FADT_PM1_CNT_LEN] = ACPI_PM1_CNT_LEN;
	t[FADT_PM_TMR_LEN] = ACPI_PM_TMR_LEN;
	put16(t + FADT_P_LVL2_LAT, 101);		/* > 100: C2 not supported */
	put16(t + FADT_P_LVL3_LAT, 1001);		/* > 1000: C3 not supported */
	t[FADT_CENTURY] = RTC_CENTURY;
	/* No i8042 (bit 1 clear): Linux then skips probing a keyboard controller. */
	put16(t + FADT_IAPC_BOOT_ARCH, IAPC_LEGACY_DEVICES | IAPC_VGA_NOT_PRESENT);
	put32(t + FADT_FLAGS, FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_SLP_BUTTON |
	      FADT_F_FIX_RTC | FADT_F_RESET_REG_SUP);
	acpi_gas_io(t + FADT_RESET_REG, 8, 1, ACPI_RESET_ADDR);
	t[FADT_RESET_VALUE] = ACPI_RESET_VALUE;
	t[FADT_MINOR_VERSION] = 5;
	put64(t + FADT_X_FIRMWARE_CTRL, 0);		/* FIRMWARE_CTRL is used */
	put64(t + FADT_X_DSDT, dsdt);
	acpi_gas_io(t + FADT_X_PM1A_EVT_BLK, ACPI_PM1_EVT_LEN * 8, 2, ACPI_PM1A_EVT_ADDR);
	acpi_gas_io(t + FADT_X_PM1A_CNT_BLK, ACPI_PM1_CNT_LEN * 8, 2, ACPI_PM1A_CNT_ADDR);
	acpi_gas_io(t + FADT_X_PM_TMR_BLK, ACPI_PM_TMR_LEN * 8, 3, ACPI_PM_TMR_ADDR);
	acpi_header(t, "FACP", FADT_LEN, 6);
	return FADT_LEN;
}

/* FACS (§5.2.10): no checksum; version 2; no waking vector. */
static size_t acpi_build_facs(uint8_t *t)
{
	memcpy(t, "FACS", 4);
	put32(t + 4, 64);
	t[32] = 2;
	return 64;
}

static int acpi_check_config(const struct acpi_tables_config *cfg, size_t len, uint64_t base)
{
	if (cfg == NULL || cfg->ncpus == 0 || cfg->ncpus > ACPI_MAX_CPUS ||
	    cfg->nuarts > ACPI_MAX_UARTS || base % 16 != 0 || base > 0xffffffffULL ||
	    len > 0xffffffffULL - base + 1)
		return -EINVAL;
	if (cfg->mmio64_size != 0 && cfg->mmio64_base > UINT64_MAX - cfg->mmio64_size)
		return -EINVAL;
	for (unsigned int i = 0; i < cfg->nuarts; i++)
		if (cfg->uarts[i].irq > 15 || cfg->uarts[i].com < 1 || cfg->uarts[i].com > 9)
			return -EINVAL;
	return 0;
}

int acpi_tables_build(const struct acpi_tables_config *cfg, uint8_t *mem, size_t len,
		      uint64_t base_gpa)
{
	/* Fixed part: RSDP, RSDT (4 entries), XSDT (4 entries), MADT, FADT, FACS. */
	const size_t rsdt = 0x40, xsdt = 0x80, madt = 0x100, fadt = 0x300, facs = 0x440,
		     dsdt = 0x480;
	struct aml a;
	size_t dsdt_len;
	uint32_t addr[4];
	int rc;

	rc = acpi_check_config(cfg, len, base_gpa);
	if (rc != 0)
		return rc;
	if (len < dsdt + ACPI_HDR_LEN)
		return -ENOSPC;
	memset(mem, 0, len);

	/* DSDT first: its length is only known after encoding. */
	a.p = mem + dsdt + ACPI_HDR_LEN;
	a.len = 0;
	a.cap = len - dsdt - ACPI_HDR_LEN;
	a.overflow = false;
	dsdt_body(&a, cfg);
	if (a.overflow || a.len > 0xffffffffULL - ACPI_HDR_LEN)
		return -ENOSPC;
	dsdt_len = ACPI_HDR_LEN + a.len;
	acpi_header(mem + dsdt, "DSDT", (uint32_t)dsdt_len, 2);
	acpi_finish(mem + dsdt);

	acpi_build_madt(mem + madt, cfg);
	acpi_finish(mem + madt);
	acpi_build_facs(mem + facs);
	acpi_build_fadt(mem + fadt, (uint32_t)(base_gpa + facs), (uint32_t)(base_gpa + dsdt));
	acpi_finish(mem + fadt);

	/* RSDT and XSDT list FADT and MADT (DSDT/FACS are reached through the FADT). */
	addr[0] = (uint32_t)(base_gpa + fadt);
	addr[1] = (uint32_t)(base_gpa + madt);
	for (int i = 0; i < 2; i++) {
		put32(mem + rsdt + ACPI_HDR_LEN + 4 * i, addr[i]);
		put64(mem + xsdt + ACPI_HDR_LEN + 8 * i, addr[i]);
	}
	acpi_header(mem + rsdt, "RSDT", ACPI_HDR_LEN + 2 * 4, 1);
	acpi_finish(mem + rsdt);
	acpi_header(mem + xsdt, "XSDT", ACPI_HDR_LEN + 2 * 8, 1);
	acpi_finish(mem + xsdt);

	/* RSDP (§5.2.5.3): checksum over the first 20 bytes, extended over all 36. */
	memcpy(mem, "RSD PTR ", 8);
	memcpy(mem + 9, ACPI_OEM_ID, 6);
	mem[15] = 2;
	put32(mem + 16, (uint32_t)(base_gpa + rsdt));
	put32(mem + 20, ACPI_RSDP_LEN);
	put64(mem + 24, base_gpa + xsdt);
	mem[8] = (uint8_t)(0 - acpi_checksum(mem, 20));
	mem[32] = (uint8_t)(0 - acpi_checksum(mem, ACPI_RSDP_LEN));
	return 0;
}

int acpi_tables_install(struct vmctx *ctx)
{
	struct acpi_tables_config cfg;
	size_t len = ACPI_TABLES_END - ACPI_TABLES_BASE;
	uint8_t *mem = vm_map_gpa(ctx, ACPI_TABLES_BASE, len);
	uint16_t port;
	uint8_t irq;

	if (mem == NULL)
		return -ENOMEM;
	memset(&cfg, 0, sizeof(cfg));
	cfg.ncpus = ctx->ncpus;
	for (unsigned int i = 0; i < PLATFORM_NUARTS; i++) {
		if (ctx->cfg->com[i].backend == DM_COM_NONE ||
		    !platform_uart_resources(i, &port, &irq))
			continue;
		cfg.uarts[cfg.nuarts].com = (uint8_t)(i + 1);
		cfg.uarts[cfg.nuarts].port = port;
		cfg.uarts[cfg.nuarts].irq = irq;
		cfg.nuarts++;
	}
	/* The PCI core puts its 64-bit window on the first 1 GiB boundary above RAM. */
	cfg.mmio64_base = (DM_HIGHMEM_BASE + ctx->highmem + (1ULL << 30) - 1) & ~((1ULL << 30) - 1);
	cfg.mmio64_size = PCI_MMIO64_SIZE;
	return acpi_tables_build(&cfg, mem, len, ACPI_TABLES_BASE);
}

/* ---- Parse-back ---- */

/* Table at @p gpa inside the region: header sane and checksum zero. */
static int acpi_table_at(const uint8_t *mem, size_t len, uint64_t base, uint64_t gpa,
			 const uint8_t **t, uint32_t *tlen)
{
	uint32_t l;

	if (gpa < base || gpa - base > len || len - (gpa - base) < ACPI_HDR_LEN)
		return -EFAULT;
	*t = mem + (gpa - base);
	l = get32(*t + 4);
	if (l < ACPI_HDR_LEN)
		return -EBADMSG;
	if (l > len - (gpa - base))
		return -EFAULT;
	if (acpi_checksum(*t, l) != 0)
		return -EBADMSG;
	*tlen = l;
	return 0;
}

/* Follow the FADT to the DSDT or the FACS. */
static int acpi_find_via_fadt(const uint8_t *mem, size_t len, uint64_t base,
			      const uint8_t *fadt, uint32_t flen, const char *sig,
			      const uint8_t **table, uint32_t *table_len)
{
	uint64_t gpa;
	size_t off;

	if (memcmp(sig, "DSDT", 4) == 0) {
		gpa = flen >= FADT_X_DSDT + 8 ? get64(fadt + FADT_X_DSDT) : 0;
		if (gpa == 0)
			gpa = get32(fadt + FADT_DSDT);
		if (acpi_table_at(mem, len, base, gpa, table, table_len) != 0)
			return -EBADMSG;
		return memcmp(*table, "DSDT", 4) == 0 ? 0 : -EBADMSG;
	}
	gpa = get32(fadt + FADT_FIRMWARE_CTRL);
	if (gpa == 0 && flen >= FADT_X_FIRMWARE_CTRL + 8)
		gpa = get64(fadt + FADT_X_FIRMWARE_CTRL);
	if (gpa < base || gpa - base > len || len - (gpa - base) < 64)
		return -EFAULT;
	off = (size_t)(gpa - base);
	if (memcmp(mem + off, "FACS", 4) != 0 || get32(mem + off + 4) < 64 ||
	    get32(mem + off + 4) > len - off)
		return -EBADMSG;
	*table = mem + off;
	*table_len = get32(mem + off + 4);
	return 0;
}

int acpi_tables_find(const uint8_t *mem, size_t len, uint64_t base_gpa, uint64_t rsdp_gpa,
		     const char *sig, const uint8_t **table, uint32_t *table_len)
{
	const uint8_t *rsdp, *xsdt, *t, *fadt = NULL;
	uint32_t xlen, tlen, flen = 0;
	bool via_fadt;
	int rc;

	if (mem == NULL || sig == NULL || strlen(sig) != 4 || table == NULL || table_len == NULL)
		return -EINVAL;
	if (rsdp_gpa < base_gpa || rsdp_gpa - base_gpa > len ||
	    len - (rsdp_gpa - base_gpa) < ACPI_RSDP_LEN)
		return -EFAULT;
	rsdp = mem + (rsdp_gpa - base_gpa);
	if (memcmp(rsdp, "RSD PTR ", 8) != 0 || acpi_checksum(rsdp, 20) != 0 || rsdp[15] < 2 ||
	    get32(rsdp + 20) < ACPI_RSDP_LEN || acpi_checksum(rsdp, ACPI_RSDP_LEN) != 0)
		return -EBADMSG;
	rc = acpi_table_at(mem, len, base_gpa, get64(rsdp + 24), &xsdt, &xlen);
	if (rc != 0)
		return rc;
	if (memcmp(xsdt, "XSDT", 4) != 0)
		return -EBADMSG;
	if (memcmp(sig, "XSDT", 4) == 0) {
		*table = xsdt;
		*table_len = xlen;
		return 0;
	}
	via_fadt = memcmp(sig, "DSDT", 4) == 0 || memcmp(sig, "FACS", 4) == 0;
	for (uint32_t off = ACPI_HDR_LEN; off + 8 <= xlen; off += 8) {
		rc = acpi_table_at(mem, len, base_gpa, get64(xsdt + off), &t, &tlen);
		if (rc != 0)
			return rc;
		if (via_fadt && memcmp(t, "FACP", 4) == 0) {
			fadt = t;
			flen = tlen;
		} else if (!via_fadt && memcmp(t, sig, 4) == 0) {
			*table = t;
			*table_len = tlen;
			return 0;
		}
	}
	if (fadt == NULL)
		return -ENOENT;
	if (flen < FADT_X_DSDT + 8)
		return -EBADMSG;
	return acpi_find_via_fadt(mem, len, base_gpa, fadt, flen, sig, table, table_len);
}

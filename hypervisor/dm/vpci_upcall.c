/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration space of the upcall function (PCI Local Bus 3.0 §6.1 type 0
 * header, §6.8.1 MSI capability, 32-bit address form).  Writes go through a
 * per-byte write mask, so a guest can only change the command register's
 * bus-master/memory/I/O enables, the interrupt line and the MSI fields.
 */
#include <dm/vpci_upcall.h>
#include <lib/string.h>

#define MSI_CTRL	(VPCI_UPCALL_MSI_CAP + 2)
#define MSI_ADDR	(VPCI_UPCALL_MSI_CAP + 4)
#define MSI_DATA	(VPCI_UPCALL_MSI_CAP + 8)
#define MSI_ENABLE	0x0001U

static void put(uint8_t *p, uint32_t off, uint32_t size, uint32_t v)
{
	for (uint32_t i = 0; i < size; i++)
		p[off + i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get(const uint8_t *p, uint32_t off, uint32_t size)
{
	uint32_t v = 0;

	for (uint32_t i = 0; i < size; i++)
		v |= (uint32_t)p[off + i] << (8 * i);
	return v;
}

/* Which bits of each byte the guest may write. */
static uint8_t wmask(uint32_t off)
{
	switch (off) {
	case 0x04:
		return 0x07;	/* command: I/O, memory, bus master */
	case 0x05:
		return 0x04;	/* command: INTx disable */
	case 0x3C:
		return 0xFF;	/* interrupt line */
	case MSI_CTRL:
		return 0x71;	/* MSI enable, multiple message enable */
	case MSI_ADDR:
		return 0xFC;	/* dword-aligned address */
	case MSI_ADDR + 1:
	case MSI_ADDR + 2:
	case MSI_ADDR + 3:
	case MSI_DATA:
	case MSI_DATA + 1:
		return 0xFF;
	default:
		return 0;
	}
}

void vpci_upcall_init(struct vpci_upcall *f)
{
	memset(f->cfg, 0, sizeof(f->cfg));
	put(f->cfg, 0x00, 2, VPCI_UPCALL_VENDOR);
	put(f->cfg, 0x02, 2, VPCI_UPCALL_DEVICE);
	put(f->cfg, 0x06, 2, 0x0010);			/* status: capabilities list */
	put(f->cfg, 0x08, 4, (VPCI_UPCALL_CLASS << 8) | 0x01);	/* class, revision 1 */
	put(f->cfg, 0x2C, 2, VPCI_UPCALL_VENDOR);	/* subsystem vendor */
	put(f->cfg, 0x2E, 2, VPCI_UPCALL_DEVICE);
	f->cfg[0x34] = VPCI_UPCALL_MSI_CAP;
	f->cfg[VPCI_UPCALL_MSI_CAP] = 0x05;		/* MSI, end of list */
	put(f->cfg, MSI_CTRL, 2, 0x0000);		/* 32-bit, one message */
}

static bool access_ok(uint32_t offset, uint32_t size)
{
	return (size == 1 || size == 2 || size == 4) && offset < 256 &&
	       (offset & (size - 1)) == 0;
}

uint32_t vpci_upcall_cfg_read(const struct vpci_upcall *f, uint32_t offset, uint32_t size)
{
	if (!access_ok(offset, size))
		return 0xFFFFFFFFU;
	return get(f->cfg, offset, size);
}

void vpci_upcall_cfg_write(struct vpci_upcall *f, uint32_t offset, uint32_t size, uint32_t val)
{
	if (!access_ok(offset, size))
		return;
	for (uint32_t i = 0; i < size; i++) {
		uint8_t m = wmask(offset + i), b = (uint8_t)(val >> (8 * i));

		f->cfg[offset + i] = (uint8_t)((f->cfg[offset + i] & ~m) | (b & m));
	}
}

bool vpci_upcall_msi(const struct vpci_upcall *f, uint64_t *addr, uint32_t *data)
{
	if (!(get(f->cfg, MSI_CTRL, 2) & MSI_ENABLE))
		return false;
	*addr = get(f->cfg, MSI_ADDR, 4);
	*data = get(f->cfg, MSI_DATA, 2);
	return true;
}

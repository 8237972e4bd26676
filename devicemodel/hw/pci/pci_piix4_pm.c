/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Power-management function of an Intel PIIX4 (82371AB function 3,
 * `-s 1:3,piix4-pm`), as firmware for the i440FX platform expects it next to
 * the ISA bridge: OVMF finds the ACPI PM I/O block through its PMBA register
 * (config 0x40: bits 15:6 the base, bit 0 reads 1 for I/O space) once the
 * PMIOSE bit (bit 0 of PMREGMISC, config 0x80) says it is enabled, and reads
 * its ACPI PM timer at PMBA + 8.
 *
 * acrn-dm's PM block sits at the fixed ports the FADT publishes
 * (acpi_pm.h), so both registers are hard-wired: PMBA reads
 * ACPI_PM1A_EVT_ADDR | 1 and PMIOSE reads 1; writes change neither (firmware
 * that sees PMIOSE set leaves the base alone).  No BARs, no interrupt pin.
 */
#include <errno.h>

#include "hw/acpi_pm.h"
#include "pci_core.h"

#define PIIX4_VENDOR_INTEL	0x8086
#define PIIX4_DEVICE_PM		0x7113
#define PIIX4_REVISION		0x03
#define PIIX4_PMBA		0x40
#define PIIX4_PMREGMISC		0x80
#define PIIX4_PMBA_IO		0x01U	/* resource type: I/O space */
#define PIIX4_PMIOSE		0x01U

_Static_assert((ACPI_PM1A_EVT_ADDR & 0x3f) == 0, "the PIIX4 PM block is 64-byte aligned");
_Static_assert(ACPI_PM_TMR_ADDR == ACPI_PM1A_EVT_ADDR + 8, "PIIX4 keeps the PM timer at PMBA + 8");

static int piix4_pm_init(struct vmctx *ctx, struct pci_vdev *dev, const struct dm_dev_config *cfg)
{
	(void)ctx;
	(void)cfg;
	if (dev->func == 0)
		return -EINVAL;	/* function 3 of the ISA bridge's slot, never function 0 */
	pci_set_cfgdata16(dev, PCIR_VENDOR, PIIX4_VENDOR_INTEL);
	pci_set_cfgdata16(dev, PCIR_DEVICE, PIIX4_DEVICE_PM);
	pci_set_cfgdata8(dev, PCIR_REVID, PIIX4_REVISION);
	pci_set_cfgdata8(dev, PCIR_CLASS, 0x06);	/* bridge */
	pci_set_cfgdata8(dev, PCIR_SUBCLASS, 0x80);	/* other bridge */
	pci_set_cfgdata8(dev, PCIR_HDRTYPE, 0x00);
	pci_set_cfgdata32(dev, PIIX4_PMBA, ACPI_PM1A_EVT_ADDR | PIIX4_PMBA_IO);
	pci_set_cfgdata8(dev, PIIX4_PMREGMISC, PIIX4_PMIOSE);
	return 0;
}

static const struct pci_vdev_ops pci_ops_piix4_pm = {
	.class_name = "piix4-pm",
	.vdev_init = piix4_pm_init,
};
PCI_VDEV_REGISTER(pci_ops_piix4_pm);

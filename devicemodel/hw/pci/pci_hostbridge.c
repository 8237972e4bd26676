/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Host bridge at 0:0.0.  Guests find bus 0 through it; it has no BARs.
 * IDs are those of the Intel 440FX PMC (class 06/00/00, PCI 3.0 Appendix D),
 * which every PC operating system knows needs no driver quirks.
 */
#include "pci_core.h"

#define HB_VENDOR_INTEL		0x8086
#define HB_DEVICE_440FX		0x1237

static int hostbridge_init(struct vmctx *ctx, struct pci_vdev *dev,
			   const struct dm_dev_config *cfg)
{
	pci_set_cfgdata16(dev, PCIR_VENDOR, HB_VENDOR_INTEL);
	pci_set_cfgdata16(dev, PCIR_DEVICE, HB_DEVICE_440FX);
	pci_set_cfgdata8(dev, PCIR_CLASS, 0x06);	/* bridge */
	pci_set_cfgdata8(dev, PCIR_SUBCLASS, 0x00);	/* host bridge */
	pci_set_cfgdata8(dev, PCIR_HDRTYPE, 0x00);
	pci_set_cfgdata16(dev, PCIR_SUBVEND, HB_VENDOR_INTEL);
	pci_set_cfgdata16(dev, PCIR_SUBDEV, HB_DEVICE_440FX);
	return 0;
}

static const struct pci_vdev_ops pci_ops_hostbridge = {
	.class_name = "hostbridge",
	.vdev_init = hostbridge_init,
};
PCI_VDEV_REGISTER(pci_ops_hostbridge);

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * LPC/ISA bridge (`-s 1:0,lpc`).  The PC's legacy devices (COM ports, RTC,
 * PIT, ACPI PM) sit behind it at their fixed ports; this function only gives
 * the guest the bridge it expects to find (Intel PIIX3 ISA bridge IDs,
 * class 06/01/00).  The `-l comN,...` back-ends are in ctx->cfg->com[] for the
 * platform-device wiring to pick up.
 */
#include <errno.h>

#include "pci_core.h"

#define LPC_VENDOR_INTEL	0x8086
#define LPC_DEVICE_PIIX3	0x7000

static int lpc_init(struct vmctx *ctx, struct pci_vdev *dev, const struct dm_dev_config *cfg)
{
	/* There can be only one ISA bus. */
	for (int s = 0; s < DM_PCI_SLOTS; s++)
		for (int f = 0; f < DM_PCI_FUNCS; f++) {
			struct pci_vdev *o = pci_get_vdev(ctx, 0, s, f);

			if (o != NULL && o != dev && o->ops == dev->ops)
				return -EEXIST;
		}
	pci_set_cfgdata16(dev, PCIR_VENDOR, LPC_VENDOR_INTEL);
	pci_set_cfgdata16(dev, PCIR_DEVICE, LPC_DEVICE_PIIX3);
	pci_set_cfgdata8(dev, PCIR_CLASS, 0x06);	/* bridge */
	pci_set_cfgdata8(dev, PCIR_SUBCLASS, 0x01);	/* ISA bridge */
	pci_set_cfgdata8(dev, PCIR_HDRTYPE, 0x00);
	return 0;
}

static const struct pci_vdev_ops pci_ops_lpc = {
	.class_name = "lpc",
	.vdev_init = lpc_init,
};
PCI_VDEV_REGISTER(pci_ops_lpc);

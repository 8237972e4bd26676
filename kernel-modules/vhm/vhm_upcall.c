/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The upcall on a stock kernel.
 *
 * Debian's kernel exports no hook for ACRN's callback vector, so the
 * hypervisor exposes a small virtual PCI function on bus 0 (vendor 0xACE0,
 * device 0x0001, class 0x088000 "other system peripheral", one 32-bit MSI
 * capability) and signals its MSI whenever an IOREQ slot turns PENDING.
 * This driver binds to it and dispatches the pending requests in its interrupt.
 * Without the function, a 10 ms polling timer does the same job.
 */
#define pr_fmt(fmt) "acrn_vhm: " fmt

#include <linux/interrupt.h>
#include <linux/pci.h>

#include "vhm.h"

#define VHM_UPCALL_VENDOR	0xACE0
#define VHM_UPCALL_DEVICE	0x0001

static atomic_t vhm_upcall_devices = ATOMIC_INIT(0);
static bool vhm_upcall_registered;

/* Hard IRQ: the dispatch does not sleep (vhm_ioreq.c), so it runs here. */
static irqreturn_t vhm_upcall_irq(int irq, void *data)
{
	vhm_ioreq_kick();
	return IRQ_HANDLED;
}

static int vhm_upcall_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int ret;

	ret = pci_enable_device(pdev);
	if (ret)
		return ret;
	/* An MSI is a memory write: no Bus Master Enable, no MSI (PCI 3.0, 6.8). */
	pci_set_master(pdev);
	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI);
	if (ret < 0)
		goto err_disable;
	ret = request_irq(pci_irq_vector(pdev, 0), vhm_upcall_irq, 0, VHM_NAME, pdev);
	if (ret)
		goto err_vectors;
	atomic_inc(&vhm_upcall_devices);
	vhm_ioreq_set_polling(false);
	dev_info(&pdev->dev, "IOREQ upcall on IRQ %d\n", pci_irq_vector(pdev, 0));
	/* Requests may have turned PENDING before the interrupt was ours. */
	vhm_ioreq_kick();
	return 0;

err_vectors:
	pci_free_irq_vectors(pdev);
err_disable:
	pci_clear_master(pdev);
	pci_disable_device(pdev);
	dev_err(&pdev->dev, "upcall setup failed: %d\n", ret);
	return ret;
}

static void vhm_upcall_remove(struct pci_dev *pdev)
{
	free_irq(pci_irq_vector(pdev, 0), pdev);
	pci_free_irq_vectors(pdev);
	pci_clear_master(pdev);
	pci_disable_device(pdev);
	if (atomic_dec_and_test(&vhm_upcall_devices))
		vhm_ioreq_set_polling(true);
}

static const struct pci_device_id vhm_upcall_ids[] = {
	{ PCI_DEVICE(VHM_UPCALL_VENDOR, VHM_UPCALL_DEVICE) },
	{ 0 }
};
MODULE_DEVICE_TABLE(pci, vhm_upcall_ids);

static struct pci_driver vhm_upcall_driver = {
	.name = VHM_NAME,
	.id_table = vhm_upcall_ids,
	.probe = vhm_upcall_probe,
	.remove = vhm_upcall_remove,
};

int vhm_upcall_init(void)
{
	int ret = pci_register_driver(&vhm_upcall_driver);

	if (ret) {
		/* Still usable: requests are noticed by polling. */
		pr_warn("PCI driver registration failed (%d)\n", ret);
	} else {
		vhm_upcall_registered = true;
	}
	/* Probing of present devices is synchronous: none bound means none present. */
	if (atomic_read(&vhm_upcall_devices) == 0)
		vhm_ioreq_set_polling(true);
	return 0;
}

void vhm_upcall_exit(void)
{
	if (vhm_upcall_registered)
		pci_unregister_driver(&vhm_upcall_driver);
	vhm_upcall_registered = false;
	vhm_ioreq_set_polling(false);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * INTx of passed-through PCI functions (doc/passthrough.md, "INTx").
 *
 * The Service VM runs with the physical LAPIC and programs the IOAPIC, so
 * the interrupt of a device handed to a User VM arrives here, in this
 * kernel.  When acrn-dm maps the device's pin (ACRN_IOCTL_SET_PTDEV_INTR)
 * the VHM requests that IRQ; its handler only tells the hypervisor
 * (HC_PTDEV_INTX_FIRED), which masks the IOAPIC pin, raises the User VM's
 * line and unmasks the pin when the User VM EOIs it.  The IRQ is freed
 * before the mapping is reset, so the host driver can have it back.
 */
#define pr_fmt(fmt) "acrn_vhm: " fmt

#include <linux/interrupt.h>
#include <linux/pci.h>

#include "vhm.h"
#include "vhm_hypercall.h"

static irqreturn_t vhm_intx_irq(int irq, void *data)
{
	const struct vhm_intx *x = data;

	/* -ENOENT: the hypervisor no longer forwards it (being torn down). */
	return vhm_hcall(HC_PTDEV_INTX_FIRED, x->gsi, 0) == 0 ? IRQ_HANDLED : IRQ_NONE;
}

static struct vhm_intx *vhm_intx_find(struct vhm_vm *vm, const struct acrn_ptdev_irq *p)
{
	for (unsigned int i = 0; i < VHM_MAX_INTX; i++) {
		struct vhm_intx *x = &vm->intx[i];

		if (x->used && x->phys_bdf == p->phys_bdf && x->gsi == p->intx.phys_pin)
			return x;
	}
	return NULL;
}

/* The Linux IRQ of the function, which must be the GSI acrn-dm named. */
static int vhm_intx_irq_of(const struct acrn_ptdev_irq *p)
{
	struct pci_dev *pdev;
	int irq;

	pdev = pci_get_domain_bus_and_slot(0, p->phys_bdf >> 8, p->phys_bdf & 0xFF);
	if (!pdev) {
		pr_warn("PTDEV_INTR: no PCI function %02x:%02x.%u\n", p->phys_bdf >> 8,
			(p->phys_bdf >> 3) & 0x1F, p->phys_bdf & 7);
		return -ENODEV;
	}
	irq = pdev->irq;
	pci_dev_put(pdev);
	if (irq <= 0 || (u32)irq != p->intx.phys_pin) {
		pr_warn("PTDEV_INTR: %02x:%02x.%u has IRQ %d, not GSI %u\n", p->phys_bdf >> 8,
			(p->phys_bdf >> 3) & 0x1F, p->phys_bdf & 7, irq, p->intx.phys_pin);
		return -EINVAL;
	}
	return irq;
}

int vhm_ptdev_intx_set(struct vhm_vm *vm, struct acrn_ptdev_irq *p)
{
	struct vhm_intx *x = NULL;
	long ret;
	int irq;

	if (p->type != ACRN_PTDEV_IRQ_INTX)
		return vhm_hc_vm_ptr(HC_SET_PTDEV_INTR_INFO, vm->vmid, p);
	irq = vhm_intx_irq_of(p);
	if (irq < 0)
		return irq;
	for (unsigned int i = 0; i < VHM_MAX_INTX && !x; i++)
		if (!vm->intx[i].used)
			x = &vm->intx[i];
	if (!x)
		return -ENOSPC;
	ret = vhm_hc_vm_ptr(HC_SET_PTDEV_INTR_INFO, vm->vmid, p);
	if (ret)
		return ret;
	x->irq = irq;
	x->gsi = p->intx.phys_pin;
	x->phys_bdf = p->phys_bdf;
	/* Shared: the line may also serve Service VM devices (they then wait
	 * while the User VM handles its interrupt). */
	ret = request_irq(irq, vhm_intx_irq, IRQF_SHARED, "acrn-ptdev", x);
	if (ret) {
		pr_warn("VM %u: cannot request IRQ %d for passthrough (%ld)\n", vm->vmid, irq, ret);
		(void)vhm_hc_vm_ptr(HC_RESET_PTDEV_INTR_INFO, vm->vmid, p);
		return ret;
	}
	x->used = true;
	return 0;
}

int vhm_ptdev_intx_reset(struct vhm_vm *vm, struct acrn_ptdev_irq *p)
{
	struct vhm_intx *x = p->type == ACRN_PTDEV_IRQ_INTX ? vhm_intx_find(vm, p) : NULL;

	if (x) {
		free_irq(x->irq, x);
		x->used = false;
	}
	return vhm_hc_vm_ptr(HC_RESET_PTDEV_INTR_INFO, vm->vmid, p);
}

void vhm_ptdev_release_all(struct vhm_vm *vm)
{
	for (unsigned int i = 0; i < VHM_MAX_INTX; i++) {
		if (vm->intx[i].used) {
			free_irq(vm->intx[i].irq, &vm->intx[i]);
			vm->intx[i].used = false;
		}
	}
}

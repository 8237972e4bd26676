/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PCI passthrough bookkeeping (common/ptdev.h): the table of assigned PCI
 * functions and the table of forwarded INTx pins.
 *
 * Rules enforced here, whatever the Service VM asks:
 *  - only User VMs receive devices; a physical function belongs to at most
 *    one VM at a time, and occupies one virtual slot of that VM;
 *  - a device's INTx pin is forwarded only to the VM it is assigned to, a
 *    physical pin to one virtual line, a virtual line from one physical pin;
 *  - destroying a VM gives all its devices and pins back.
 *
 * INTx is level-triggered: when a forwarded physical pin fires, the VM's
 * virtual line goes high and the physical pin stays masked; when the VM
 * EOIs that line it goes low and the pin is unmasked, so a device that
 * still asserts interrupts again (ptdev_intx_phys_irq / ptdev_intx_eoi).
 *
 * The tables are touched by the hypercalls (under user_vm_lock) and by the
 * interrupt path of any pCPU, hence their own lock.
 */
#define pr_fmt(fmt) "ptdev: " fmt
#include <common/ptdev.h>
#include <common/vm.h>
#include <common/log.h>
#include <arch/x86/guest/virq.h>
#include <arch/x86/ioapic.h>
#include <arch/x86/vtd.h>
#include <arch/x86/spinlock.h>
#include <public/acrn_common.h>
#include <lib/errno.h>
#include <lib/string.h>

struct ptdev {
	bool used;
	struct vm *vm;
	uint16_t phys_bdf, virt_bdf;
	uint8_t intr_line, intr_pin;
	uint32_t bar[ACRN_HC_PCI_NUM_BARS];
};

struct ptdev_intx {
	bool used;
	bool asserted;		/* virtual line high, physical pin masked */
	uint32_t fired;		/* physical interrupts forwarded (log only) */
	bool is_pic_pin;
	struct vm *vm;
	uint16_t phys_bdf, virt_bdf;
	uint32_t virt_pin, phys_pin;
};

static struct ptdev devs[PTDEV_MAX];
static struct ptdev_intx intxs[PTDEV_INTX_MAX];
static spinlock_t ptdev_lock = SPINLOCK_INIT;

#define BDF_BUS(b)	((uint32_t)(b) >> 8)
#define BDF_DEV(b)	(((uint32_t)(b) >> 3) & 0x1FU)
#define BDF_FN(b)	((uint32_t)(b) & 7U)

/*
 * THE place where an assignment reaches the IOMMU (arch/x86/vtd.c).
 * Without remapping units (no DMAR table: emulators, some boards) there is
 * nothing to program and the assignment goes ahead: acrn-dm has refused
 * DMA-capable passthrough there unless told "unsafe" (doc/passthrough.md).
 * Called with ptdev_lock held; @assign false = take the device out of the
 * VM's domain.
 */
static int iommu_attach(struct vm *vm, uint16_t bdf, bool assign)
{
	if (!vtd_present())
		return 0;
	return assign ? vtd_assign_device(vm, bdf) : vtd_unassign_device(vm, bdf);
}

/* The User VM @vmid, or NULL (never the Service VM or a test VM). */
static struct vm *ptdev_vm(uint64_t vmid)
{
	struct vm *vm;

	if (vmid >= MAX_VMS)
		return NULL;
	vm = vm_get((uint16_t)vmid);
	return vm != NULL && vm->user_vm ? vm : NULL;
}

static struct ptdev *dev_by_phys(uint16_t phys_bdf)
{
	for (uint32_t i = 0; i < PTDEV_MAX; i++)
		if (devs[i].used && devs[i].phys_bdf == phys_bdf)
			return &devs[i];
	return NULL;
}

static struct ptdev *dev_by_virt(const struct vm *vm, uint16_t virt_bdf)
{
	for (uint32_t i = 0; i < PTDEV_MAX; i++)
		if (devs[i].used && devs[i].vm == vm && devs[i].virt_bdf == virt_bdf)
			return &devs[i];
	return NULL;
}

/*
 * Virtual lines to lower once ptdev_lock is released: the vIOAPIC EOI path
 * holds the VM's virq lock when it calls ptdev_intx_eoi(), so ptdev_lock is
 * never held while taking a virq lock (the order is virq, then ptdev).
 */
struct intx_lowering {
	uint32_t n;
	struct vm *vm[PTDEV_INTX_MAX];
	uint32_t pin[PTDEV_INTX_MAX];
};

static void intx_lower_all(const struct intx_lowering *l)
{
	for (uint32_t i = 0; i < l->n; i++)
		(void)virq_set_gsi_asserted(l->vm[i], l->pin[i], false);
}

/*
 * Drop mapping @x.  A line left high is lowered; its physical pin stays
 * masked: by now the Service VM's VHM has freed the interrupt (Linux masks
 * it then) and unmasks it itself when a driver requests it again.
 */
static void intx_drop(struct ptdev_intx *x, struct intx_lowering *l)
{
	pr_info("VM %u: physical pin %u no longer forwarded (%u interrupts)", x->vm->id,
		x->phys_pin, x->fired);
	if (x->asserted && l != NULL && l->n < PTDEV_INTX_MAX) {
		l->vm[l->n] = x->vm;
		l->pin[l->n++] = x->virt_pin;
	}
	memset(x, 0, sizeof(*x));
}

static void dev_drop(struct ptdev *d, struct intx_lowering *l)
{
	for (uint32_t i = 0; i < PTDEV_INTX_MAX; i++)
		if (intxs[i].used && intxs[i].vm == d->vm && intxs[i].phys_bdf == d->phys_bdf)
			intx_drop(&intxs[i], l);
	(void)iommu_attach(d->vm, d->phys_bdf, false);
	memset(d, 0, sizeof(*d));
}

/* Checks shared by ASSIGN and DEASSIGN. */
static int pcidev_check(const struct acrn_hc_pcidev *p)
{
	if ((p->type & ~ACRN_HC_PTDEV_QUIRK_ASSIGN) != 0)
		return -EINVAL;
	if (p->intr_pin > 4U)		/* 0 none, 1..4 INTA..INTD */
		return -EINVAL;
	/* acrn-dm has one virtual bus; 00:00.0 is its host bridge. */
	if (BDF_BUS(p->virt_bdf) != 0 || BDF_DEV(p->virt_bdf) == 0)
		return -EINVAL;
	/* The physical host bridge is never given away. */
	if (p->phys_bdf == 0)
		return -EINVAL;
	return 0;
}

int64_t hc_assign_pcidev(struct vcpu *caller, uint64_t vmid, uint64_t param_gpa)
{
	struct vm *vm = ptdev_vm(vmid);
	struct acrn_hc_pcidev p;
	struct ptdev *d = NULL;
	int ret;

	if (vm == NULL)
		return -EINVAL;
	if (vm_copy_from_gpa(caller->vm, &p, param_gpa, sizeof(p)) != 0)
		return -EFAULT;
	ret = pcidev_check(&p);
	if (ret != 0)
		return ret;

	spin_lock(&ptdev_lock);
	if (dev_by_phys(p.phys_bdf) != NULL || dev_by_virt(vm, p.virt_bdf) != NULL) {
		ret = -EBUSY;	/* assigned already (here or elsewhere), or slot taken */
		goto out;
	}
	for (uint32_t i = 0; i < PTDEV_MAX && d == NULL; i++)
		if (!devs[i].used)
			d = &devs[i];
	if (d == NULL) {
		ret = -ENOSPC;
		goto out;
	}
	ret = iommu_attach(vm, p.phys_bdf, true);
	if (ret != 0)
		goto out;
	d->used = true;
	d->vm = vm;
	d->phys_bdf = p.phys_bdf;
	d->virt_bdf = p.virt_bdf;
	d->intr_line = p.intr_line;
	d->intr_pin = p.intr_pin;
	memcpy(d->bar, p.bar, sizeof(d->bar));
	pr_info("VM %u: %02x:%02x.%u passed through as 00:%02x.%u", vm->id,
		BDF_BUS(p.phys_bdf), BDF_DEV(p.phys_bdf), BDF_FN(p.phys_bdf),
		BDF_DEV(p.virt_bdf), BDF_FN(p.virt_bdf));
out:
	spin_unlock(&ptdev_lock);
	return ret;
}

int64_t hc_deassign_pcidev(struct vcpu *caller, uint64_t vmid, uint64_t param_gpa)
{
	struct vm *vm = ptdev_vm(vmid);
	struct acrn_hc_pcidev p;
	struct intx_lowering low = { 0 };
	struct ptdev *d;
	int ret;

	if (vm == NULL)
		return -EINVAL;
	if (vm_copy_from_gpa(caller->vm, &p, param_gpa, sizeof(p)) != 0)
		return -EFAULT;
	ret = pcidev_check(&p);
	if (ret != 0)
		return ret;

	spin_lock(&ptdev_lock);
	d = dev_by_phys(p.phys_bdf);
	if (d == NULL || d->vm != vm || d->virt_bdf != p.virt_bdf) {
		ret = -ENODEV;
	} else {
		pr_info("VM %u: %02x:%02x.%u given back", vm->id, BDF_BUS(p.phys_bdf),
			BDF_DEV(p.phys_bdf), BDF_FN(p.phys_bdf));
		dev_drop(d, &low);
	}
	spin_unlock(&ptdev_lock);
	intx_lower_all(&low);
	return ret;
}

static int intx_check(struct vm *vm, const struct acrn_hc_ptdev_irq *q)
{
	struct ptdev *d;

	if (q->type == ACRN_HC_PTDEV_IRQ_MSI || q->type == ACRN_HC_PTDEV_IRQ_MSIX)
		return -ENOTSUP;	/* MSI remapping is not implemented */
	if (q->type != ACRN_HC_PTDEV_IRQ_INTX || q->intx.is_pic_pin > 1U)
		return -EINVAL;
	if (q->intx.virt_pin >= (q->intx.is_pic_pin != 0U ? PTDEV_PIC_PINS : PTDEV_VIOAPIC_PINS))
		return -EINVAL;
	if (q->intx.phys_pin >= PTDEV_PHYS_PINS)
		return -EINVAL;
	d = dev_by_phys(q->phys_bdf);
	if (d == NULL || d->vm != vm || d->virt_bdf != q->virt_bdf)
		return -ENODEV;		/* not this VM's device */
	return 0;
}

int64_t hc_set_ptdev_intr_info(struct vcpu *caller, uint64_t vmid, uint64_t param_gpa)
{
	struct vm *vm = ptdev_vm(vmid);
	struct acrn_hc_ptdev_irq q;
	struct ptdev_intx *x = NULL;
	int ret;

	if (vm == NULL)
		return -EINVAL;
	if (vm_copy_from_gpa(caller->vm, &q, param_gpa, sizeof(q)) != 0)
		return -EFAULT;
	spin_lock(&ptdev_lock);
	ret = intx_check(vm, &q);
	if (ret != 0)
		goto out;
	for (uint32_t i = 0; i < PTDEV_INTX_MAX; i++) {
		struct ptdev_intx *o = &intxs[i];

		if (!o->used) {
			if (x == NULL)
				x = o;
			continue;
		}
		/* One physical pin feeds one line; one line is fed by one pin;
		 * a device has one INTx pin. */
		if (o->phys_pin == q.intx.phys_pin ||
		    (o->vm == vm && o->virt_pin == q.intx.virt_pin) ||
		    (o->vm == vm && o->phys_bdf == q.phys_bdf)) {
			ret = -EBUSY;
			goto out;
		}
	}
	if (x == NULL) {
		ret = -ENOSPC;
		goto out;
	}
	x->used = true;
	x->asserted = false;
	x->is_pic_pin = q.intx.is_pic_pin != 0U;
	x->vm = vm;
	x->phys_bdf = q.phys_bdf;
	x->virt_bdf = q.virt_bdf;
	x->virt_pin = q.intx.virt_pin;
	x->phys_pin = q.intx.phys_pin;
	pr_info("VM %u: physical pin %u -> virtual %s line %u", vm->id, x->phys_pin,
		x->is_pic_pin ? "PIC" : "IOAPIC", x->virt_pin);
out:
	spin_unlock(&ptdev_lock);
	return ret;
}

int64_t hc_reset_ptdev_intr_info(struct vcpu *caller, uint64_t vmid, uint64_t param_gpa)
{
	struct vm *vm = ptdev_vm(vmid);
	struct acrn_hc_ptdev_irq q;
	struct intx_lowering low = { 0 };
	int ret;

	if (vm == NULL)
		return -EINVAL;
	if (vm_copy_from_gpa(caller->vm, &q, param_gpa, sizeof(q)) != 0)
		return -EFAULT;
	spin_lock(&ptdev_lock);
	ret = intx_check(vm, &q);
	if (ret == 0) {
		ret = -ENOENT;
		for (uint32_t i = 0; i < PTDEV_INTX_MAX; i++) {
			struct ptdev_intx *x = &intxs[i];

			if (x->used && x->vm == vm && x->phys_bdf == q.phys_bdf &&
			    x->phys_pin == q.intx.phys_pin && x->virt_pin == q.intx.virt_pin &&
			    x->is_pic_pin == (q.intx.is_pic_pin != 0U)) {
				intx_drop(x, &low);
				ret = 0;
				break;
			}
		}
	}
	spin_unlock(&ptdev_lock);
	intx_lower_all(&low);
	return ret;
}

void ptdev_release_vm(struct vm *vm)
{
	struct intx_lowering low = { 0 };

	spin_lock(&ptdev_lock);
	for (uint32_t i = 0; i < PTDEV_MAX; i++)
		if (devs[i].used && devs[i].vm == vm)
			dev_drop(&devs[i], &low);
	/* Mappings whose device went first (cannot happen, but never leave a
	 * pointer to a freed VM behind). */
	for (uint32_t i = 0; i < PTDEV_INTX_MAX; i++)
		if (intxs[i].used && intxs[i].vm == vm)
			memset(&intxs[i], 0, sizeof(intxs[i]));
	spin_unlock(&ptdev_lock);
	intx_lower_all(&low);
}

struct vm *ptdev_owner(uint16_t bdf)
{
	struct ptdev *d;
	struct vm *vm;

	spin_lock(&ptdev_lock);
	d = dev_by_phys(bdf);
	vm = d != NULL ? d->vm : NULL;
	spin_unlock(&ptdev_lock);
	return vm;
}

/*
 * The physical pin fired (82093AA level-triggered input): mask it first, so
 * the Service VM's EOI of the physical interrupt does not make it fire again
 * while the device still asserts, then raise the VM's line.  It stays masked
 * until the VM EOIs that line (ptdev_intx_eoi).
 */
bool ptdev_intx_phys_irq(uint32_t phys_pin)
{
	struct vm *vm = NULL;
	uint32_t line = 0;
	bool ours = false;

	spin_lock(&ptdev_lock);
	for (uint32_t i = 0; i < PTDEV_INTX_MAX; i++) {
		struct ptdev_intx *x = &intxs[i];

		if (!x->used || x->phys_pin != phys_pin)
			continue;
		ours = true;
		(void)ioapic_set_gsi_masked(phys_pin, true);
		if (!x->asserted) {
			x->asserted = true;
			x->fired++;
			vm = x->vm;
			line = x->virt_pin;
		}
		break;
	}
	spin_unlock(&ptdev_lock);
	if (vm != NULL)
		(void)virq_set_gsi_asserted(vm, line, true);
	return ours;
}

int ptdev_intx_eoi(struct vm *vm, uint32_t virt_pin)
{
	int pin = -1;

	spin_lock(&ptdev_lock);
	for (uint32_t i = 0; i < PTDEV_INTX_MAX; i++) {
		struct ptdev_intx *x = &intxs[i];

		if (!x->used || x->vm != vm || x->virt_pin != virt_pin || !x->asserted)
			continue;
		x->asserted = false;
		pin = (int)x->phys_pin;
		break;
	}
	spin_unlock(&ptdev_lock);
	if (pin >= 0) {
		/* Line low before the unmask: a device that still asserts fires
		 * again and raises it anew. */
		(void)virq_set_gsi_asserted(vm, virt_pin, false);
		(void)ioapic_set_gsi_masked((uint32_t)pin, false);
	}
	return pin;
}

int64_t hc_ptdev_intx_fired(struct vcpu *caller, uint64_t phys_pin)
{
	(void)caller;
	if (phys_pin >= PTDEV_PHYS_PINS)
		return -EINVAL;
	return ptdev_intx_phys_irq((uint32_t)phys_pin) ? 0 : -ENOENT;
}

bool ptdev_intx_phys_masked(uint32_t phys_pin)
{
	bool masked = false;

	spin_lock(&ptdev_lock);
	for (uint32_t i = 0; i < PTDEV_INTX_MAX; i++)
		if (intxs[i].used && intxs[i].phys_pin == phys_pin)
			masked = intxs[i].asserted;
	spin_unlock(&ptdev_lock);
	return masked;
}

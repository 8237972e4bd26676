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
 * MSI and MSI-X (HC_VM_PCI_MSIX_REMAP): acrn-dm keeps the guest's view of
 * the capability and table and hands each enabled message here; the
 * hypervisor gives it a host vector on the pCPU that runs the guest's
 * target vCPU and answers with the physical message acrn-dm programs into
 * the device: when the device's VT-d unit remaps interrupts, a
 * remappable-format message naming an interrupt remapping entry (IRTE)
 * that holds that vector and pCPU and accepts only the device's requester
 * ID; without VT-d or IR, a compatibility-format one.  Masked or disabled
 * messages hold no IRTE.  When that vector arrives (an acknowledged
 * external-interrupt exit, vmexit.c) the guest's own address/data are
 * injected into its vLAPICs (ptdev_msi_phys_irq).
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
#include <arch/x86/per_cpu.h>
#include <common/sched.h>
#include <common/service_vm.h>
#include <dm/vlapic.h>
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

/* One remapped MSI message or MSI-X table entry. */
struct ptdev_msi {
	bool used;
	bool msix;
	bool masked;		/* the guest masked it: drop, do not inject */
	struct vm *vm;
	uint16_t phys_bdf, virt_bdf;
	uint32_t index;		/* MSI-X table entry; 0 for MSI */
	uint64_t guest_addr;
	uint32_t guest_data;
	uint32_t pcpu, vector;	/* where the physical message lands */
	bool has_irte;		/* the device sends remappable format through irte */
	uint16_t irte;		/* VT-d interrupt remapping entry (valid if has_irte) */
	uint32_t fired;
};

static struct ptdev devs[PTDEV_MAX];
static struct ptdev_intx intxs[PTDEV_INTX_MAX];
static struct ptdev_msi msis[PTDEV_MSI_MAX];
/* Bit n: host vector PTDEV_MSI_VECTOR_BASE + n taken on that pCPU. */
static uint32_t msi_vectors[MAX_PCPUS];
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

/*
 * Give back @m's interrupt remapping entry, if it has one.  On failure the
 * entry is already not present in memory but the unit may still cache it:
 * vtd.c keeps it as @m's VM's, and vtd_release_vm() retries at VM destruction.
 */
static int msi_irte_put(struct ptdev_msi *m)
{
	int ret;

	if (!m->has_irte)
		return 0;
	ret = vtd_irte_clear(m->vm, m->phys_bdf, m->irte);
	if (ret != 0)
		pr_warn("VM %u: IRTE %u of %02x:%02x.%u not cleared (%d)", m->vm->id, m->irte,
			BDF_BUS(m->phys_bdf), BDF_DEV(m->phys_bdf), BDF_FN(m->phys_bdf), ret);
	m->has_irte = false;
	return ret;
}

static void msi_drop(struct ptdev_msi *m)
{
	pr_info("VM %u: %s %u of %02x:%02x.%u no longer remapped (%u interrupts)", m->vm->id,
		m->msix ? "MSI-X entry" : "MSI", m->index, BDF_BUS(m->phys_bdf),
		BDF_DEV(m->phys_bdf), BDF_FN(m->phys_bdf), m->fired);
	(void)msi_irte_put(m);
	msi_vectors[m->pcpu] &= ~(1U << (m->vector - PTDEV_MSI_VECTOR_BASE));
	memset(m, 0, sizeof(*m));
}

static void dev_drop(struct ptdev *d, struct intx_lowering *l)
{
	for (uint32_t i = 0; i < PTDEV_MSI_MAX; i++)
		if (msis[i].used && msis[i].vm == d->vm && msis[i].phys_bdf == d->phys_bdf)
			msi_drop(&msis[i]);
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
	for (uint32_t i = 0; i < PTDEV_MSI_MAX; i++)
		if (msis[i].used && msis[i].vm == vm)
			msi_drop(&msis[i]);
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

/* ------------------------------------------------------------------------ */
/* MSI / MSI-X remapping (HC_VM_PCI_MSIX_REMAP)                             */

/*
 * Everything that can be checked without the tables: flags, index bounds
 * and, when enabling, the guest's message (SDM Vol. 3 §11.11: address
 * 0xFEExxxxx, data bits 31:16 reserved; only fixed and lowest-priority
 * delivery make sense for a device, NMI/SMI/INIT/ExtINT are refused).
 */
static int msi_remap_check(const struct acrn_hc_msix_remap *r, struct vlapic_msi *g)
{
	bool enable = (r->msi_ctl & ACRN_HC_MSIX_REMAP_ENABLE) != 0;

	if ((r->msi_ctl & ~ACRN_HC_MSIX_REMAP_ENABLE) != 0 || r->reserved != 0 ||
	    (r->vector_ctl & ~ACRN_HC_MSIX_VECTOR_MASKED) != 0)
		return -EINVAL;
	if (r->msix != 0 && r->msix != 1)
		return -EINVAL;
	/* acrn-dm offers one MSI message (MMC = 0); MSI-X tables end at 2048. */
	if (r->msix_entry_index < 0 ||
	    (uint32_t)r->msix_entry_index >= (r->msix != 0 ? ACRN_HC_MSIX_MAX_ENTRIES : 1U))
		return -EINVAL;
	if (!enable)
		return 0;
	if ((r->msi_data >> 16) != 0 || vlapic_msi_decode(r->msi_addr, r->msi_data, g) != 0)
		return -EINVAL;
	if (g->mode != VLAPIC_DM_FIXED && g->mode != VLAPIC_DM_LOWPRI)
		return -EINVAL;
	return 0;
}

static struct ptdev_msi *msi_find(const struct vm *vm, uint16_t phys_bdf, bool msix, uint32_t index)
{
	for (uint32_t i = 0; i < PTDEV_MSI_MAX; i++) {
		struct ptdev_msi *m = &msis[i];

		if (m->used && m->vm == vm && m->phys_bdf == phys_bdf && m->msix == msix &&
		    m->index == index)
			return m;
	}
	return NULL;
}

/*
 * The pCPU that should take the physical interrupt: the one running the
 * guest's physical-mode destination vCPU (APIC ID = vCPU index), vCPU 0 for
 * logical or broadcast destinations.  Injection still uses the guest's own
 * message, so this only decides where the hypervisor hears the device.
 */
static uint32_t msi_target_pcpu(const struct vm *vm, const struct vlapic_msi *g)
{
	uint32_t idx = !g->logical && g->dest < vm->vcpu_count ? g->dest : 0U;

	return vm->vcpus[idx]->pcpu;
}

static int msi_vector_alloc(uint32_t pcpu, uint32_t *vector)
{
	for (uint32_t n = 0; n < PTDEV_MSI_VECTORS; n++) {
		if ((msi_vectors[pcpu] & (1U << n)) == 0) {
			msi_vectors[pcpu] |= 1U << n;
			*vector = PTDEV_MSI_VECTOR_BASE + n;
			return 0;
		}
	}
	return -ENOSPC;
}

/*
 * Point @m's interrupt remapping entry at host @vector on @pcpu, taking an
 * entry on first use (vtd_irte_set() updates a held one in place, one atomic
 * store).  -ENODEV: no VT-d, or the device's unit does not remap interrupts.
 * On any other error @m holds the entry it held before, with its old
 * contents (a new one is given back, an updated one is written back).
 */
static int msi_irte_get(struct ptdev_msi *m, struct vm *vm, uint16_t bdf, uint32_t pcpu,
			uint32_t vector)
{
	struct vtd_irq irq = {
		.vector = (uint8_t)vector, .dest = per_cpu_data[pcpu].apic_id,
		.logical = false, .delivery = VTD_DELIVERY_FIXED, .level = false,
	};
	uint16_t index = m->has_irte ? m->irte : VTD_IRTE_NEW;
	int ret = vtd_irte_set(vm, bdf, &irq, &index);

	if (ret == 0) {
		m->has_irte = true;
		m->irte = index;
	} else if (!m->has_irte && index != VTD_IRTE_NEW) {
		/* Taken and written, but the invalidation failed: give it back. */
		(void)vtd_irte_clear(vm, bdf, index);
	} else if (m->has_irte && (ret == -ETIMEDOUT || ret == -EIO) &&
		   (m->pcpu != pcpu || m->vector != vector)) {
		/* Written with the new target, not invalidated: restore the old one. */
		irq.vector = (uint8_t)m->vector;
		irq.dest = per_cpu_data[m->pcpu].apic_id;
		(void)vtd_irte_set(vm, bdf, &irq, &index);
	}
	return ret;
}

/*
 * Create or update @r's mapping; ptdev_lock held.  Fills in the physical message.
 * On error nothing changed: no slot, host vector or remapping entry is taken.
 */
static int msi_map(struct vm *vm, struct acrn_hc_msix_remap *r, const struct vlapic_msi *g)
{
	bool msix = r->msix != 0;
	bool masked = (r->vector_ctl & ACRN_HC_MSIX_VECTOR_MASKED) != 0;
	uint32_t index = (uint32_t)r->msix_entry_index, pcpu, vector;
	struct ptdev_msi *m = msi_find(vm, r->phys_bdf, msix, index);
	bool fresh = m == NULL, moved, had_irte;
	uint16_t old_irte;
	int ret;

	if (vm->vcpu_count == 0)
		return -EINVAL;
	pcpu = msi_target_pcpu(vm, g);
	/* A shared pCPU runs the Service VM with the physical LAPIC: its
	 * interrupts are the Service VM's, the hypervisor never sees them. */
	if (pcpu >= MAX_PCPUS || !sched_is_dedicated(pcpu) || per_cpu_data[pcpu].apic_id > 0xFFU)
		return -EBUSY;
	if (fresh) {
		for (uint32_t i = 0; i < PTDEV_MSI_MAX && m == NULL; i++)
			if (!msis[i].used)
				m = &msis[i];
		if (m == NULL)
			return -ENOSPC;
	}
	/* A new mapping, or the guest retargeted it to a vCPU on another pCPU. */
	moved = fresh || m->pcpu != pcpu;
	if (moved) {
		if (msi_vector_alloc(pcpu, &vector) != 0)
			return -ENOSPC;
	} else {
		vector = m->vector;
	}

	had_irte = m->has_irte;
	old_irte = m->irte;
	/*
	 * With VT-d interrupt remapping on the device's unit, the device gets a
	 * remappable-format message naming an entry that holds this pCPU's APIC
	 * ID and the host vector and accepts only the device's requester ID:
	 * the device (or its driver in the guest, through a BAR) can no longer
	 * name a vector or destination of its own.  A masked message holds no
	 * entry (its in-flight interrupts, if any, fault or are dropped below).
	 * Without VT-d or IR (emulators) the message stays compatibility format.
	 */
	if (!masked) {
		ret = msi_irte_get(m, vm, r->phys_bdf, pcpu, vector);
		if (ret != 0 && ret != -ENODEV) {
			if (moved)
				msi_vectors[pcpu] &= ~(1U << (vector - PTDEV_MSI_VECTOR_BASE));
			return ret;
		}
		if (ret == -ENODEV && m->has_irte)	/* VT-d went away (cannot happen) */
			m->has_irte = false;
	} else {
		(void)msi_irte_put(m);
	}
	if (moved && !fresh)
		msi_vectors[m->pcpu] &= ~(1U << (m->vector - PTDEV_MSI_VECTOR_BASE));
	m->used = true;
	m->pcpu = pcpu;
	m->vector = vector;
	m->msix = msix;
	m->vm = vm;
	m->phys_bdf = r->phys_bdf;
	m->virt_bdf = r->virt_bdf;
	m->index = index;
	m->guest_addr = r->msi_addr;
	m->guest_data = r->msi_data;
	m->masked = masked;
	if (m->has_irte) {
		/* Remappable format (VT-d spec §5.1): the handle is all; data 0. */
		r->msi_addr = vtd_irte_msi_addr(m->irte);
		r->msi_data = 0;
	} else {
		/* Compatibility format (SDM Vol. 3 §11.11): physical destination
		 * mode, fixed delivery, edge. */
		r->msi_addr = 0xFEE00000ULL | ((uint64_t)per_cpu_data[m->pcpu].apic_id << 12);
		r->msi_data = m->vector;
	}
	/* One line whenever the host side changes (not for guest-only edits). */
	if (moved || had_irte != m->has_irte || (had_irte && old_irte != m->irte)) {
		if (m->has_irte)
			pr_info("VM %u: %s %u of %02x:%02x.%u -> host vector %#x on pCPU %u, "
				"remapped via IRTE %u", vm->id, msix ? "MSI-X entry" : "MSI", index,
				BDF_BUS(m->phys_bdf), BDF_DEV(m->phys_bdf), BDF_FN(m->phys_bdf),
				vector, pcpu, m->irte);
		else
			pr_info("VM %u: %s %u of %02x:%02x.%u -> host vector %#x on pCPU %u, "
				"compatibility format%s", vm->id, msix ? "MSI-X entry" : "MSI",
				index, BDF_BUS(m->phys_bdf), BDF_DEV(m->phys_bdf),
				BDF_FN(m->phys_bdf), vector, pcpu, masked ? " (masked: no IRTE)" : "");
	}
	return 0;
}

int64_t hc_vm_pci_msix_remap(struct vcpu *caller, uint64_t vmid, uint64_t param_gpa)
{
	struct vm *vm = ptdev_vm(vmid);
	struct acrn_hc_msix_remap r;
	struct vlapic_msi g;
	struct ptdev_msi *m;
	struct ptdev *d;
	bool enable;
	int ret;

	if (vm == NULL)
		return -EINVAL;
	if (vm_copy_from_gpa(caller->vm, &r, param_gpa, sizeof(r)) != 0)
		return -EFAULT;
	enable = (r.msi_ctl & ACRN_HC_MSIX_REMAP_ENABLE) != 0;
	ret = msi_remap_check(&r, &g);
	spin_lock(&ptdev_lock);
	d = ret == 0 ? dev_by_phys(r.phys_bdf) : NULL;
	if (ret == 0 && (d == NULL || d->vm != vm || d->virt_bdf != r.virt_bdf))
		ret = -ENODEV;
	if (ret == 0 && enable) {
		ret = msi_map(vm, &r, &g);
	} else if (ret == 0) {
		m = msi_find(vm, r.phys_bdf, r.msix != 0, (uint32_t)r.msix_entry_index);
		if (m == NULL)
			ret = -ENOENT;
		else
			msi_drop(m);
	}
	spin_unlock(&ptdev_lock);
	if (ret == 0 && enable && vm_copy_to_gpa(caller->vm, param_gpa, &r, sizeof(r)) != 0) {
		spin_lock(&ptdev_lock);
		m = msi_find(vm, r.phys_bdf, r.msix != 0, (uint32_t)r.msix_entry_index);
		if (m != NULL)
			msi_drop(m);
		spin_unlock(&ptdev_lock);
		ret = -EFAULT;
	}
	if (ret != 0 && ret != -ENOENT)
		pr_warn("VM %u: %s %d of %04x refused (%d): message %#lx/%#x, control %#x/%#x",
			vm->id, r.msix == 1 ? "MSI-X entry" : "MSI", r.msix_entry_index, r.phys_bdf,
			ret, r.msi_addr, r.msi_data, r.msi_ctl, r.vector_ctl);
	return ret;
}

bool ptdev_msi_phys_irq(uint32_t pcpu, uint32_t vector)
{
	struct vm *vm = NULL;
	uint64_t addr = 0;
	uint32_t data = 0;
	bool ours = false;

	if (vector < PTDEV_MSI_VECTOR_BASE || vector >= PTDEV_MSI_VECTOR_BASE + PTDEV_MSI_VECTORS)
		return false;
	spin_lock(&ptdev_lock);
	for (uint32_t i = 0; i < PTDEV_MSI_MAX; i++) {
		struct ptdev_msi *m = &msis[i];

		if (!m->used || m->pcpu != pcpu || m->vector != vector)
			continue;
		ours = true;
		/* Masked in the guest: acrn-dm masked it in the device too, this
		 * one was in flight; the guest never sees it. */
		if (!m->masked) {
			m->fired++;
			vm = m->vm;
			addr = m->guest_addr;
			data = m->guest_data;
		}
		break;
	}
	spin_unlock(&ptdev_lock);
	if (vm != NULL)
		(void)virq_inject_msi(vm, addr, data);
	return ours;
}

uint32_t ptdev_msi_count(const struct vm *vm)
{
	uint32_t n = 0;

	spin_lock(&ptdev_lock);
	for (uint32_t i = 0; i < PTDEV_MSI_MAX; i++)
		if (msis[i].used && msis[i].vm == vm)
			n++;
	spin_unlock(&ptdev_lock);
	return n;
}

/* ------------------------------------------------------------------------ */
/* BARs mapped into the User VM's EPT (HC_VM_SET_MEMORY_REGIONS)            */

/* Does memory BAR @i of @d (PCI 3.0 §6.2.5.1) contain [hpa, hpa+size)? */
static bool bar_contains(const struct ptdev *d, uint32_t i, uint64_t hpa, uint64_t size)
{
	uint32_t lo = d->bar[i];
	uint64_t base = lo & ~0xFULL;

	if ((lo & 1U) != 0)
		return false;		/* I/O BAR */
	if ((lo & 6U) == 4U) {		/* 64-bit: the next register is the high half */
		if (i + 1U >= ACRN_HC_PCI_NUM_BARS)
			return false;
		base |= (uint64_t)d->bar[i + 1U] << 32;
	}
	if (base == 0)
		return false;
	/* The BAR is naturally aligned: its size is at most base's lowest set bit. */
	return hpa >= base && size <= (base & -base) && hpa - base <= (base & -base) - size;
}

bool ptdev_mmio_ok(const struct vm *vm, uint64_t hpa, uint64_t size)
{
	bool ok = false;

	if (size == 0 || hpa + size < hpa || !service_vm_mmio_ok(hpa, size))
		return false;
	spin_lock(&ptdev_lock);
	for (uint32_t i = 0; i < PTDEV_MAX && !ok; i++) {
		if (!devs[i].used || devs[i].vm != vm)
			continue;
		for (uint32_t b = 0; b < ACRN_HC_PCI_NUM_BARS && !ok; b++)
			ok = bar_contains(&devs[i], b, hpa, size);
	}
	spin_unlock(&ptdev_lock);
	return ok;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IOREQ dispatch.
 *
 * Each VM's IOREQ page has one struct acrn_io_request per vCPU.  An upcall
 * (the MSI of the virtual PCI function, or the 10 ms polling timer) scans
 * every created VM there and then, in its interrupt: nothing below sleeps
 * (spinlocks, plain hypercalls, eventfd signals, wake-ups), and a notify
 * that matches an ioeventfd is then complete without the Service VM
 * scheduling a kworker first.  For each slot in state PENDING
 * the slot is copied ONCE and only the copy is validated and used: the page is
 * also writable by the hypervisor and by the device model.  Then:
 *   - dword accesses to 0xCF8 are answered here (the address is kept per VM);
 *   - accesses to 0xCFC-0xCFF become PCICFG requests (PCI Local Bus spec 3.0,
 *     3.2.2.3.2, configuration mechanism #1);
 *   - writes matching an ioeventfd signal it and complete here;
 *   - everything else is marked PROCESSING and the user-space client woken.
 * Requests answered in the kernel are completed with the value first, then
 * state COMPLETE (release store), then HC_NOTIFY_REQUEST_FINISH unless the
 * hypervisor polls for completion.
 */
#define pr_fmt(fmt) "acrn_vhm: " fmt

#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timer.h>

#include "vhm.h"
#include "vhm_hypercall.h"

#define VHM_POLL_MS		10
#define PCI_CONFIG_ADDRESS	0xCF8
#define PCI_CONFIG_DATA		0xCFC
#define PCI_CF8_ENABLE		0x80000000U
#define PCI_CF8_MASK		0x80FFFFFCU	/* bits 30:24 and 1:0 read as 0 */

static LIST_HEAD(vhm_vms);		/* created VMs */
static DEFINE_SPINLOCK(vhm_vms_lock);	/* the list, and one scan at a time; IRQs off */
static struct timer_list vhm_poll_timer;
static bool vhm_polling;

static bool vhm_size_ok(u64 size, u64 max)
{
	return (size == 1 || size == 2 || size == 4 || size == 8) && size <= max;
}

/* Validate a local copy; returns false for anything we will not forward. */
static bool vhm_ioreq_valid(const struct acrn_io_request *r)
{
	const struct acrn_pio_request *p = &r->reqs.pio_request;
	const struct acrn_mmio_request *m = &r->reqs.mmio_request;
	const struct acrn_pci_request *c = &r->reqs.pci_request;

	switch (r->type) {
	case ACRN_IOREQ_TYPE_PORTIO:
		return p->direction <= ACRN_IOREQ_DIR_WRITE && vhm_size_ok(p->size, 4) &&
		       p->address < 0x10000 && p->size <= 0x10000 - p->address;
	case ACRN_IOREQ_TYPE_MMIO:
		return m->direction <= ACRN_IOREQ_DIR_WRITE && vhm_size_ok(m->size, 8) &&
		       m->address + (m->size - 1) >= m->address;
	case ACRN_IOREQ_TYPE_PCICFG:
		return c->direction <= ACRN_IOREQ_DIR_WRITE && vhm_size_ok(c->size, 4) &&
		       c->bus < 256 && c->dev < 32 && c->func < 8 && c->reg < 0x1000 &&
		       (c->reg & 3) + c->size <= 4;
	}
	return false;
}

/* Store the read result of @r (our copy) into the shared slot. */
static void vhm_ioreq_put_value(struct acrn_io_request *slot, const struct acrn_io_request *r)
{
	switch (r->type) {
	case ACRN_IOREQ_TYPE_PORTIO:
		WRITE_ONCE(slot->reqs.pio_request.value, r->reqs.pio_request.value);
		break;
	case ACRN_IOREQ_TYPE_MMIO:
		WRITE_ONCE(slot->reqs.mmio_request.value, r->reqs.mmio_request.value);
		break;
	case ACRN_IOREQ_TYPE_PCICFG:
		WRITE_ONCE(slot->reqs.pci_request.value, r->reqs.pci_request.value);
		break;
	}
}

/* Complete a request in the kernel: value, then COMPLETE, then notify. */
static void vhm_ioreq_complete(struct vhm_vm *vm, u32 vcpu, struct acrn_io_request *slot,
			       const struct acrn_io_request *r, bool put_value)
{
	long ret;

	if (put_value)
		vhm_ioreq_put_value(slot, r);
	smp_store_release(&slot->processed, ACRN_IOREQ_STATE_COMPLETE);
	if (r->completion_polling)
		return;
	ret = vhm_hc_notify_finish(vm->vmid, vcpu);
	if (ret)
		pr_err_ratelimited("VM %u vCPU %u: HC_NOTIFY_REQUEST_FINISH failed: %ld\n",
				   vm->vmid, vcpu, ret);
}

/* Port 0xCF8 as a dword: CONFIG_ADDRESS, answered from the per-VM copy. */
static bool vhm_ioreq_is_cf8(const struct acrn_io_request *r)
{
	return r->type == ACRN_IOREQ_TYPE_PORTIO &&
	       r->reqs.pio_request.address == PCI_CONFIG_ADDRESS &&
	       r->reqs.pio_request.size == 4;
}

static void vhm_ioreq_cf8(struct vhm_vm *vm, struct acrn_io_request *r)
{
	struct acrn_pio_request *p = &r->reqs.pio_request;

	if (p->direction == ACRN_IOREQ_DIR_WRITE)
		WRITE_ONCE(vm->pci_cf8, p->value & PCI_CF8_MASK);
	else
		p->value = READ_ONCE(vm->pci_cf8);
}

/*
 * 0xCFC-0xCFF with CONFIG_ADDRESS enabled, access inside the dword: rewrite
 * the copy as a PCICFG request.  Returns false to leave it as port I/O (the
 * enable bit clear, or an access straddling 0xCFF).
 */
static bool vhm_ioreq_fold_cfc(struct vhm_vm *vm, struct acrn_io_request *r)
{
	const struct acrn_pio_request p = r->reqs.pio_request;
	u32 cf8 = READ_ONCE(vm->pci_cf8);
	struct acrn_pci_request *c = &r->reqs.pci_request;
	u32 off;

	if (r->type != ACRN_IOREQ_TYPE_PORTIO || p.address < PCI_CONFIG_DATA ||
	    p.address > PCI_CONFIG_DATA + 3 || !(cf8 & PCI_CF8_ENABLE))
		return false;
	off = p.address - PCI_CONFIG_DATA;
	if (off + p.size > 4)
		return false;
	memset(&r->reqs, 0, sizeof(r->reqs));
	r->type = ACRN_IOREQ_TYPE_PCICFG;
	c->direction = p.direction;
	c->size = p.size;
	c->value = p.value;
	c->bus = (cf8 >> 16) & 0xFF;
	c->dev = (cf8 >> 11) & 0x1F;
	c->func = (cf8 >> 8) & 0x7;
	c->reg = (cf8 & 0xFC) + off;
	return true;
}

/* Handle one PENDING slot; @r is our single copy of it. */
static void vhm_ioreq_handle(struct vhm_vm *vm, u32 vcpu, struct acrn_io_request *slot,
			     struct acrn_io_request *r)
{
	if (!vhm_ioreq_valid(r)) {
		pr_err_ratelimited("VM %u vCPU %u: invalid request type %u: completed unhandled\n",
				   vm->vmid, vcpu, r->type);
		vhm_ioreq_complete(vm, vcpu, slot, r, false);
		return;
	}
	if (vhm_ioreq_is_cf8(r)) {
		smp_store_release(&slot->processed, ACRN_IOREQ_STATE_PROCESSING);
		vhm_ioreq_cf8(vm, r);
		vhm_ioreq_complete(vm, vcpu, slot, r,
				   r->reqs.pio_request.direction == ACRN_IOREQ_DIR_READ);
		return;
	}
	if (vhm_ioreq_fold_cfc(vm, r)) {
		/* The client reads the slot: publish the rewritten request. */
		memcpy(&slot->reqs, &r->reqs, sizeof(r->reqs));
		WRITE_ONCE(slot->type, r->type);
	}
	if (vhm_ioeventfd_handle(vm, r)) {
		smp_store_release(&slot->processed, ACRN_IOREQ_STATE_PROCESSING);
		vhm_ioreq_complete(vm, vcpu, slot, r, false);
		return;
	}
	WRITE_ONCE(slot->kernel_handled, 0);
	smp_store_release(&slot->processed, ACRN_IOREQ_STATE_PROCESSING);
	set_bit(vcpu, vm->pending);
	wake_up_interruptible(&vm->client_wq);
}

static void vhm_ioreq_scan_vm(struct vhm_vm *vm)
{
	struct acrn_io_request *slot, copy;
	u32 i;

	for (i = 0; i < vm->vcpu_num; i++) {
		slot = &vm->ioreq->req_slot[i];
		if (smp_load_acquire(&slot->processed) != ACRN_IOREQ_STATE_PENDING)
			continue;
		memcpy(&copy, slot, sizeof(copy));	/* the one read of the slot */
		vhm_ioreq_handle(vm, i, slot, &copy);
	}
}

/* Any context: the upcall's hard IRQ, the polling timer, a VM attached. */
void vhm_ioreq_kick(void)
{
	struct vhm_vm *vm;
	unsigned long flags;

	spin_lock_irqsave(&vhm_vms_lock, flags);
	list_for_each_entry(vm, &vhm_vms, node)
		vhm_ioreq_scan_vm(vm);
	spin_unlock_irqrestore(&vhm_vms_lock, flags);
}

static void vhm_ioreq_poll(struct timer_list *t)
{
	vhm_ioreq_kick();
	if (READ_ONCE(vhm_polling))
		mod_timer(&vhm_poll_timer, jiffies + msecs_to_jiffies(VHM_POLL_MS));
}

void vhm_ioreq_set_polling(bool on)
{
	static DEFINE_MUTEX(poll_lock);	/* probe/remove vs. module init/exit */

	mutex_lock(&poll_lock);
	if (on != READ_ONCE(vhm_polling)) {
		WRITE_ONCE(vhm_polling, on);
		if (on) {
			pr_notice("no upcall device: polling IOREQ pages every %d ms\n",
				  VHM_POLL_MS);
			mod_timer(&vhm_poll_timer, jiffies + msecs_to_jiffies(VHM_POLL_MS));
		} else {
			del_timer_sync(&vhm_poll_timer);
		}
	}
	mutex_unlock(&poll_lock);
}

void vhm_ioreq_attach_vm(struct vhm_vm *vm)
{
	unsigned long flags;

	spin_lock_irqsave(&vhm_vms_lock, flags);
	list_add_tail(&vm->node, &vhm_vms);
	spin_unlock_irqrestore(&vhm_vms_lock, flags);
	/* A request may already be pending (e.g. the upcall came before us). */
	vhm_ioreq_kick();
}

void vhm_ioreq_detach_vm(struct vhm_vm *vm)
{
	unsigned long flags;

	/* The scan holds vhm_vms_lock: once off the list, no scan sees @vm. */
	spin_lock_irqsave(&vhm_vms_lock, flags);
	list_del_init(&vm->node);
	spin_unlock_irqrestore(&vhm_vms_lock, flags);
}

/* ------------------------------------------------------------------------ */
/* The user-space client.                                                   */

int vhm_ioreq_create_client(struct vhm_vm *vm)
{
	if (READ_ONCE(vm->client_active))
		return -EEXIST;
	WRITE_ONCE(vm->client_active, true);
	/* Requests that arrived before the client are still flagged pending. */
	wake_up_interruptible(&vm->client_wq);
	return 0;
}

void vhm_ioreq_destroy_client(struct vhm_vm *vm)
{
	WRITE_ONCE(vm->client_active, false);
	WRITE_ONCE(vm->client_gen, vm->client_gen + 1);
	wake_up_all(&vm->client_wq);
}

/* ATTACH_IOREQ_CLIENT: sleep until this client has requests, or goes away. */
int vhm_ioreq_attach_client(struct vhm_vm *vm)
{
	unsigned int gen = READ_ONCE(vm->client_gen);
	int ret;

	if (!READ_ONCE(vm->client_active))
		return -ENODEV;
	ret = wait_event_interruptible(vm->client_wq,
				       !bitmap_empty(vm->pending, ACRN_IO_REQUEST_MAX) ||
				       READ_ONCE(vm->client_gen) != gen ||
				       !READ_ONCE(vm->client_active));
	if (ret)
		return -ERESTARTSYS;
	if (READ_ONCE(vm->client_gen) != gen || !READ_ONCE(vm->client_active))
		return -ENODEV;
	return 0;
}

/*
 * NOTIFY_REQUEST_FINISH: the client has written the result (acrn-dm also sets
 * COMPLETE itself; a client that does not is covered by the store below).
 */
int vhm_ioreq_notify_finish(struct vhm_vm *vm, u32 vcpu)
{
	struct acrn_io_request *slot;
	long ret;

	if (vcpu >= vm->vcpu_num) {
		pr_err_ratelimited("NOTIFY_REQUEST_FINISH: vcpu %u >= %u\n", vcpu, vm->vcpu_num);
		return -EINVAL;
	}
	slot = &vm->ioreq->req_slot[vcpu];
	clear_bit(vcpu, vm->pending);
	if (smp_load_acquire(&slot->processed) == ACRN_IOREQ_STATE_PROCESSING)
		smp_store_release(&slot->processed, ACRN_IOREQ_STATE_COMPLETE);
	if (READ_ONCE(slot->completion_polling))
		return 0;
	ret = vhm_hc_notify_finish(vm->vmid, vcpu);
	return ret;
}

/*
 * CLEAR_VM_IOREQ (before a VM reset): finish every request the client still
 * owns, so no vCPU is left waiting on a slot nobody will serve.
 */
int vhm_ioreq_clear(struct vhm_vm *vm)
{
	struct acrn_io_request *slot;
	unsigned long flags;
	u32 i, state;

	/* Under the scan's lock: no upcall hands out a slot while we finish it. */
	spin_lock_irqsave(&vhm_vms_lock, flags);
	for (i = 0; i < vm->vcpu_num; i++) {
		slot = &vm->ioreq->req_slot[i];
		clear_bit(i, vm->pending);
		state = smp_load_acquire(&slot->processed);
		if (state != ACRN_IOREQ_STATE_PENDING && state != ACRN_IOREQ_STATE_PROCESSING)
			continue;
		smp_store_release(&slot->processed, ACRN_IOREQ_STATE_COMPLETE);
		vhm_hc_notify_finish(vm->vmid, i);
	}
	spin_unlock_irqrestore(&vhm_vms_lock, flags);
	return 0;
}

int vhm_ioreq_init(void)
{
	timer_setup(&vhm_poll_timer, vhm_ioreq_poll, 0);
	return 0;
}

void vhm_ioreq_exit(void)
{
	WRITE_ONCE(vhm_polling, false);
	del_timer_sync(&vhm_poll_timer);
}

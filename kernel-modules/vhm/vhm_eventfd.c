/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ioeventfd and irqfd.
 *
 * ioeventfd: a guest write to a registered PIO/MMIO address (of the given
 * length, optionally with the given value) signals an eventfd and completes
 * in the kernel, without waking acrn-dm's IOREQ thread (virtio queue notify).
 * irqfd: a signal on an eventfd injects the registered MSI into the VM (a
 * backend thread raises an interrupt without an ioctl).  The injection is a
 * hypercall made in the eventfd's wake-up itself, from a parameter block
 * prepared at assignment: no work item, so the Service VM does not schedule a
 * kworker between the back-end's completion and the guest's interrupt.
 */
#define pr_fmt(fmt) "acrn_vhm: " fmt

#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/poll.h>
#include <linux/slab.h>

#include "vhm.h"
#include "vhm_hypercall.h"

/* Per VM: bounds memory and the time the IOREQ dispatch spends matching. */
#define VHM_MAX_IOEVENTFDS	256U
#define VHM_MAX_IRQFDS		256U

struct vhm_ioeventfd {
	struct list_head node;
	struct eventfd_ctx *ctx;
	u64 addr;
	u64 data;
	u32 len;
	bool pio;
	bool wildcard;		/* no data match */
};

struct vhm_irqfd {
	struct list_head node;
	struct vhm_vm *vm;
	struct eventfd_ctx *ctx;
	struct acrn_hc_msi_entry *msi;	/* the hypercall's parameter, constant */
	wait_queue_entry_t wait;
	poll_table pt;
};

/* ------------------------------------------------------------------------ */
/* ioeventfd                                                                */

static unsigned int vhm_list_len(struct list_head *head)
{
	struct list_head *p;
	unsigned int n = 0;

	list_for_each(p, head)
		n++;
	return n;
}

static bool vhm_ioeventfd_args_ok(const struct acrn_ioeventfd *a)
{
	bool pio = a->flags & ACRN_IOEVENTFD_FLAG_PIO;

	if (a->flags & ~(ACRN_IOEVENTFD_FLAG_PIO | ACRN_IOEVENTFD_FLAG_DATAMATCH |
			 ACRN_IOEVENTFD_FLAG_DEASSIGN) || a->reserved)
		return false;
	if (a->len != 1 && a->len != 2 && a->len != 4 && a->len != 8)
		return false;
	if (pio)
		return a->len <= 4 && a->addr < 0x10000 && a->len <= 0x10000 - a->addr;
	return a->addr + a->len > a->addr;
}

static struct vhm_ioeventfd *vhm_ioeventfd_find(struct vhm_vm *vm, const struct acrn_ioeventfd *a,
						struct eventfd_ctx *ctx)
{
	bool pio = a->flags & ACRN_IOEVENTFD_FLAG_PIO;
	bool wildcard = !(a->flags & ACRN_IOEVENTFD_FLAG_DATAMATCH);
	struct vhm_ioeventfd *e;

	list_for_each_entry(e, &vm->ioeventfds, node) {
		if (e->pio != pio || e->addr != a->addr || e->len != a->len)
			continue;
		if (ctx ? e->ctx == ctx : (e->wildcard || wildcard || e->data == a->data))
			return e;
	}
	return NULL;
}

/* @e is off the list. */
static void vhm_ioeventfd_free(struct vhm_ioeventfd *e)
{
	eventfd_ctx_put(e->ctx);
	kfree(e);
}

int vhm_ioeventfd_config(struct vhm_vm *vm, const struct acrn_ioeventfd *a)
{
	struct vhm_ioeventfd *e = NULL, *fresh;
	struct eventfd_ctx *ctx;
	unsigned long flags;
	int ret = 0;

	if (!vhm_ioeventfd_args_ok(a)) {
		pr_err_ratelimited("IOEVENTFD: bad flags %#x / range %#llx+%u\n",
				   a->flags, a->addr, a->len);
		return -EINVAL;
	}
	ctx = eventfd_ctx_fdget(a->fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);

	/* An assignment allocates before the lock: the IOREQ dispatch takes it in IRQ context. */
	fresh = NULL;
	if (!(a->flags & ACRN_IOEVENTFD_FLAG_DEASSIGN)) {
		fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
		if (!fresh) {
			eventfd_ctx_put(ctx);
			return -ENOMEM;
		}
	}
	spin_lock_irqsave(&vm->ioeventfds_lock, flags);
	if (a->flags & ACRN_IOEVENTFD_FLAG_DEASSIGN) {
		e = vhm_ioeventfd_find(vm, a, ctx);
		if (e)
			list_del(&e->node);
		else
			ret = -ENOENT;
		goto out;
	}
	if (vhm_ioeventfd_find(vm, a, NULL)) {
		ret = -EEXIST;
		goto out;
	}
	if (vhm_list_len(&vm->ioeventfds) >= VHM_MAX_IOEVENTFDS) {
		ret = -ENOSPC;
		goto out;
	}
	e = fresh;
	fresh = NULL;
	e->ctx = ctx;
	e->addr = a->addr;
	e->len = a->len;
	e->pio = a->flags & ACRN_IOEVENTFD_FLAG_PIO;
	e->wildcard = !(a->flags & ACRN_IOEVENTFD_FLAG_DATAMATCH);
	e->data = a->data;
	list_add_tail(&e->node, &vm->ioeventfds);
	ctx = NULL;	/* the reference now belongs to @e */
	e = NULL;
out:
	spin_unlock_irqrestore(&vm->ioeventfds_lock, flags);
	if (e)
		vhm_ioeventfd_free(e);	/* deassigned: unlinked above */
	kfree(fresh);
	if (ctx)
		eventfd_ctx_put(ctx);
	return ret;
}

bool vhm_ioeventfd_handle(struct vhm_vm *vm, const struct acrn_io_request *r)
{
	struct vhm_ioeventfd *e;
	u64 addr, size, value;
	bool pio, hit = false;

	if (r->type == ACRN_IOREQ_TYPE_PORTIO) {
		if (r->reqs.pio_request.direction != ACRN_IOREQ_DIR_WRITE)
			return false;
		pio = true;
		addr = r->reqs.pio_request.address;
		size = r->reqs.pio_request.size;
		value = r->reqs.pio_request.value;
	} else if (r->type == ACRN_IOREQ_TYPE_MMIO) {
		if (r->reqs.mmio_request.direction != ACRN_IOREQ_DIR_WRITE)
			return false;
		pio = false;
		addr = r->reqs.mmio_request.address;
		size = r->reqs.mmio_request.size;
		value = r->reqs.mmio_request.value;
	} else {
		return false;
	}
	/* Only the written bytes take part in a data match. */
	if (size < 8)
		value &= (1ULL << (size * 8)) - 1;

	spin_lock(&vm->ioeventfds_lock);	/* IRQs are off: the dispatch's lock */
	list_for_each_entry(e, &vm->ioeventfds, node) {
		if (e->pio == pio && e->addr == addr && e->len == size &&
		    (e->wildcard || e->data == value)) {
			eventfd_signal(e->ctx, 1);
			hit = true;
			break;
		}
	}
	spin_unlock(&vm->ioeventfds_lock);
	return hit;
}

/* ------------------------------------------------------------------------ */
/* irqfd                                                                    */

/* Atomic-safe: one VMCALL on the prepared entry, nothing that sleeps. */
static void vhm_irqfd_inject(struct vhm_irqfd *irqfd)
{
	long ret = vhm_hc_inject_msi_prepared(irqfd->vm->vmid, irqfd->msi);

	if (ret)
		pr_err_ratelimited("VM %u: irqfd MSI injection failed: %ld\n", irqfd->vm->vmid, ret);
}

/*
 * Called with the eventfd's wait-queue lock held, interrupts off, possibly in
 * IRQ context: inject here (vhm_irqfd_free() removes this entry under the same
 * lock, so the irqfd cannot go away meanwhile).
 */
static int vhm_irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode, int sync, void *key)
{
	struct vhm_irqfd *irqfd = container_of(wait, struct vhm_irqfd, wait);
	u64 cnt;

	if (key_to_poll(key) & EPOLLIN) {
		eventfd_ctx_do_read(irqfd->ctx, &cnt);
		vhm_irqfd_inject(irqfd);
	}
	return 0;
}

static void vhm_irqfd_queue(struct file *file, wait_queue_head_t *wqh, poll_table *pt)
{
	struct vhm_irqfd *irqfd = container_of(pt, struct vhm_irqfd, pt);

	add_wait_queue(wqh, &irqfd->wait);
}

static void vhm_irqfd_free(struct vhm_irqfd *irqfd)
{
	u64 cnt;

	list_del(&irqfd->node);
	eventfd_ctx_remove_wait_queue(irqfd->ctx, &irqfd->wait, &cnt);
	eventfd_ctx_put(irqfd->ctx);
	kfree(irqfd->msi);
	kfree(irqfd);
}

static struct vhm_irqfd *vhm_irqfd_find(struct vhm_vm *vm, struct eventfd_ctx *ctx)
{
	struct vhm_irqfd *irqfd;

	list_for_each_entry(irqfd, &vm->irqfds, node)
		if (irqfd->ctx == ctx)
			return irqfd;
	return NULL;
}

static int vhm_irqfd_assign(struct vhm_vm *vm, const struct acrn_irqfd *a, struct file *file,
			    struct eventfd_ctx *ctx)
{
	struct vhm_irqfd *irqfd;
	__poll_t events;

	if (vhm_irqfd_find(vm, ctx))
		return -EBUSY;
	if (vhm_list_len(&vm->irqfds) >= VHM_MAX_IRQFDS)
		return -ENOSPC;
	irqfd = kzalloc(sizeof(*irqfd), GFP_KERNEL);
	if (irqfd)
		irqfd->msi = kzalloc(sizeof(*irqfd->msi), GFP_KERNEL);
	if (!irqfd || !irqfd->msi) {
		kfree(irqfd);
		return -ENOMEM;
	}
	irqfd->vm = vm;
	irqfd->ctx = ctx;
	irqfd->msi->msi_addr = a->msi.msi_addr;
	irqfd->msi->msi_data = a->msi.msi_data;
	init_waitqueue_func_entry(&irqfd->wait, vhm_irqfd_wakeup);
	init_poll_funcptr(&irqfd->pt, vhm_irqfd_queue);
	list_add_tail(&irqfd->node, &vm->irqfds);
	/* Registers the wait entry; a signal sent before now injects at once. */
	events = vfs_poll(file, &irqfd->pt);
	if (events & EPOLLIN)
		vhm_irqfd_inject(irqfd);
	return 0;
}

int vhm_irqfd_config(struct vhm_vm *vm, const struct acrn_irqfd *a)
{
	struct eventfd_ctx *ctx;
	struct vhm_irqfd *irqfd;
	struct fd f;
	int ret;

	if (a->flags & ~ACRN_IRQFD_FLAG_DEASSIGN ||
	    (!(a->flags & ACRN_IRQFD_FLAG_DEASSIGN) &&
	     ((a->msi.msi_addr & 0xFFFFFFFFFFF00000ULL) != 0xFEE00000ULL ||
	      (a->msi.msi_data >> 32) != 0))) {
		pr_err_ratelimited("IRQFD: bad flags %#x or MSI %#llx/%#llx\n",
				   a->flags, a->msi.msi_addr, a->msi.msi_data);
		return -EINVAL;
	}
	f = fdget(a->fd);
	if (!f.file)
		return -EBADF;
	ctx = eventfd_ctx_fileget(f.file);
	if (IS_ERR(ctx)) {
		fdput(f);
		return PTR_ERR(ctx);
	}
	mutex_lock(&vm->irqfds_lock);
	if (a->flags & ACRN_IRQFD_FLAG_DEASSIGN) {
		irqfd = vhm_irqfd_find(vm, ctx);
		ret = irqfd ? 0 : -ENOENT;
		if (irqfd)
			vhm_irqfd_free(irqfd);
	} else {
		ret = vhm_irqfd_assign(vm, a, f.file, ctx);
	}
	mutex_unlock(&vm->irqfds_lock);
	/* On a successful assign the irqfd keeps this reference. */
	if (ret || (a->flags & ACRN_IRQFD_FLAG_DEASSIGN))
		eventfd_ctx_put(ctx);
	fdput(f);
	return ret;
}

void vhm_eventfd_release_all(struct vhm_vm *vm)
{
	struct vhm_ioeventfd *e, *etmp;
	struct vhm_irqfd *irqfd, *itmp;
	unsigned long flags;
	LIST_HEAD(gone);

	mutex_lock(&vm->irqfds_lock);
	list_for_each_entry_safe(irqfd, itmp, &vm->irqfds, node)
		vhm_irqfd_free(irqfd);
	mutex_unlock(&vm->irqfds_lock);

	spin_lock_irqsave(&vm->ioeventfds_lock, flags);
	list_splice_init(&vm->ioeventfds, &gone);
	spin_unlock_irqrestore(&vm->ioeventfds_lock, flags);
	list_for_each_entry_safe(e, etmp, &gone, node)
		vhm_ioeventfd_free(e);
}

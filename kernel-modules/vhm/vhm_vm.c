/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VM objects: creation (HC_CREATE_VM + IOREQ page + HC_SET_IOREQ_BUFFER) and
 * the one teardown path shared by ACRN_IOCTL_DESTROY_VM and file release.
 */
#define pr_fmt(fmt) "acrn_vhm: " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "vhm.h"
#include "vhm_hypercall.h"

struct vhm_vm *vhm_vm_alloc(void)
{
	struct vhm_vm *vm = kzalloc(sizeof(*vm), GFP_KERNEL);

	if (!vm)
		return NULL;
	mutex_init(&vm->lock);
	INIT_LIST_HEAD(&vm->node);
	init_waitqueue_head(&vm->client_wq);
	INIT_LIST_HEAD(&vm->memsegs);
	spin_lock_init(&vm->ioeventfds_lock);
	INIT_LIST_HEAD(&vm->ioeventfds);
	mutex_init(&vm->irqfds_lock);
	INIT_LIST_HEAD(&vm->irqfds);
	return vm;
}

/*
 * The IOREQ page: acrn-dm (like the in-tree HSM's users) passes the user
 * address of a page it allocated and reads the slots there, so that page is
 * pinned.  With ioreq_buf == 0 a zeroed kernel page is used instead, which
 * user space can mmap() from the file.
 */
static int vhm_vm_get_ioreq_page(struct vhm_vm *vm, u64 uaddr)
{
	unsigned int i;
	int ret;

	if (uaddr != 0) {
		if (!PAGE_ALIGNED(uaddr) || uaddr > TASK_SIZE_MAX - PAGE_SIZE) {
			pr_err_ratelimited("CREATE_VM: ioreq_buf %#llx not a page-aligned user address\n",
					   uaddr);
			return -EINVAL;
		}
		ret = vhm_mm_pin_one(uaddr, &vm->ioreq_page);
		if (ret)
			return ret;
		vm->ioreq_pinned = true;
	} else {
		vm->ioreq_page = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!vm->ioreq_page)
			return -ENOMEM;
		vm->ioreq_pinned = false;
	}
	vm->ioreq = page_address(vm->ioreq_page);
	if (!vm->ioreq_pinned)
		for (i = 0; i < ACRN_IO_REQUEST_MAX; i++)
			vm->ioreq->req_slot[i].processed = ACRN_IOREQ_STATE_FREE;
	return 0;
}

static void vhm_vm_put_ioreq_page(struct vhm_vm *vm)
{
	if (!vm->ioreq_page)
		return;
	if (vm->ioreq_pinned)
		unpin_user_pages_dirty_lock(&vm->ioreq_page, 1, true);
	else
		__free_page(vm->ioreq_page);
	vm->ioreq_page = NULL;
	vm->ioreq = NULL;
}

int vhm_vm_create(struct vhm_vm *vm, struct acrn_vm_creation *cv)
{
	struct acrn_hc_vm_creation hc;
	u64 user_buf = cv->ioreq_buf;
	long ret;

	ret = vhm_vm_get_ioreq_page(vm, user_buf);
	if (ret)
		return ret;

	/* The hypervisor gets the page's physical address, never a user one. */
	BUILD_BUG_ON(sizeof(hc) != sizeof(*cv));
	memcpy(&hc, cv, sizeof(hc));
	hc.ioreq_buf = page_to_phys(vm->ioreq_page);
	ret = vhm_hc_create_vm(&hc);
	if (ret) {
		pr_err_ratelimited("HC_CREATE_VM failed: %ld\n", ret);
		goto err_page;
	}
	if (hc.vcpu_num == 0 || hc.vcpu_num > ACRN_IO_REQUEST_MAX) {
		pr_err("hypervisor created VM %u with %u vCPUs\n", hc.vmid, hc.vcpu_num);
		ret = -EIO;
		goto err_vm;
	}
	ret = vhm_hc_set_ioreq_buffer(hc.vmid, page_to_phys(vm->ioreq_page));
	if (ret) {
		pr_err("HC_SET_IOREQ_BUFFER for VM %u failed: %ld\n", hc.vmid, ret);
		goto err_vm;
	}
	vm->vmid = hc.vmid;
	vm->vcpu_num = hc.vcpu_num;
	vm->pci_cf8 = 0;
	bitmap_zero(vm->pending, ACRN_IO_REQUEST_MAX);
	vm->created = true;
	vhm_ioreq_attach_vm(vm);

	cv->vmid = hc.vmid;
	cv->vcpu_num = hc.vcpu_num;
	cv->ioreq_buf = user_buf;
	return 0;

err_vm:
	if (vhm_hc_destroy_vm(hc.vmid) != 0) {
		/* The hypervisor may still write the page: never give it back. */
		pr_err("VM %u: HC_DESTROY_VM failed, leaking its IOREQ page\n", hc.vmid);
		return ret;
	}
err_page:
	vhm_vm_put_ioreq_page(vm);
	return ret;
}

/*
 * Teardown order (doc/vhm.md):
 *  1. off the dispatch list, so no upcall touches the IOREQ page any more;
 *  2. wake and invalidate the user-space client;
 *  3. drop ioeventfds and irqfds (no more signalling, no more injection);
 *  4. HC_DESTROY_VM: the hypervisor stops the vCPUs and unmaps guest memory;
 *  5. only then unpin guest memory, the monitor page and the IOREQ page —
 *     unpinning earlier would let the guest reach recycled Service VM pages.
 * If HC_DESTROY_VM fails, the pages stay pinned forever: a leak is safe, a
 * page still mapped into a guest and reused by the Service VM is not.
 */
int vhm_vm_destroy(struct vhm_vm *vm)
{
	long ret;

	if (!vm->created)
		return -ENODEV;
	vhm_ioreq_detach_vm(vm);
	vhm_ioreq_destroy_client(vm);
	vhm_eventfd_release_all(vm);
	vhm_ptdev_release_all(vm);	/* before the hypervisor drops the pins */
	vm->created = false;

	ret = vhm_hc_destroy_vm(vm->vmid);
	if (ret) {
		pr_err("VM %u: HC_DESTROY_VM failed (%ld): its pages stay pinned\n",
		       vm->vmid, ret);
		INIT_LIST_HEAD(&vm->memsegs);
		vm->intr_page = NULL;
		vm->ioreq_page = NULL;
		vm->ioreq = NULL;
		return ret;
	}
	vhm_mm_release_all(vm);
	if (vm->intr_page) {
		unpin_user_pages_dirty_lock(&vm->intr_page, 1, true);
		vm->intr_page = NULL;
	}
	vhm_vm_put_ioreq_page(vm);
	return 0;
}

void vhm_vm_free(struct vhm_vm *vm)
{
	mutex_lock(&vm->lock);
	if (vm->created)
		vhm_vm_destroy(vm);
	mutex_unlock(&vm->lock);
	kfree(vm);
}

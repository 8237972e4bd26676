/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file vhm.h
 * Internal interfaces of acrn_vhm.ko: the per-file VM object and the entry
 * points each source file offers the others.
 */
#ifndef VHM_H
#define VHM_H

#include <linux/bitmap.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/acrn.h>

#define VHM_NAME "acrn_vhm"

/** One guest-memory mapping made by ACRN_IOCTL_SET_MEMSEG. */
struct vhm_memseg {
	struct list_head node;
	u32 type;		/* ACRN_MEMMAP_RAM or ACRN_MEMMAP_MMIO */
	u64 gpa;
	u64 len;
	struct page **pages;	/* RAM: pinned pages, len / PAGE_SIZE of them */
	unsigned long npages;
};

/** A passed-through function's INTx taken by the VHM (vhm_ptdev.c). */
struct vhm_intx {
	bool used;
	int irq;		/* Linux IRQ, = the GSI */
	u32 gsi;
	u16 phys_bdf;
};
#define VHM_MAX_INTX	8

/** One VM, owned by one open file of /dev/acrn_vhm. */
struct vhm_vm {
	struct mutex lock;		/* serialises ioctls changing the VM */
	struct list_head node;		/* in the dispatch list while created */
	bool created;
	u16 vmid;
	u16 vcpu_num;			/* <= ACRN_IO_REQUEST_MAX */

	/* IOREQ page: the user's page pinned, or a kernel page (mmap-able). */
	struct acrn_io_request_buffer *ioreq;
	struct page *ioreq_page;
	bool ioreq_pinned;
	u32 pci_cf8;			/* last dword written to port 0xCF8 */

	/* The user-space IOREQ client (one per VM). */
	wait_queue_head_t client_wq;
	DECLARE_BITMAP(pending, ACRN_IO_REQUEST_MAX);
	bool client_active;
	unsigned int client_gen;	/* bumped on destroy to wake old waiters */

	struct list_head memsegs;	/* struct vhm_memseg, under lock */
	struct page *intr_page;		/* VM_INTR_MONITOR buffer, pinned */

	spinlock_t ioeventfds_lock;	/* taken by the IOREQ dispatch, IRQs off */
	struct list_head ioeventfds;
	struct mutex irqfds_lock;
	struct list_head irqfds;

	struct vhm_intx intx[VHM_MAX_INTX];	/* under lock */
};

/* vhm_vm.c */
/** Allocate the VM object of a newly opened file. */
struct vhm_vm *vhm_vm_alloc(void);
/** Tear down what is left of @vm and free it (file release). */
void vhm_vm_free(struct vhm_vm *vm);
/** ACRN_IOCTL_CREATE_VM: @cv is the user's request, updated for copy-back. */
int vhm_vm_create(struct vhm_vm *vm, struct acrn_vm_creation *cv);
/** Destroy the VM in the hypervisor and release every resource; lock held. */
int vhm_vm_destroy(struct vhm_vm *vm);

/* vhm_mm.c */
/** ACRN_IOCTL_SET_MEMSEG; lock held. */
int vhm_mm_set_memseg(struct vhm_vm *vm, const struct acrn_vm_memmap *map);
/** ACRN_IOCTL_UNSET_MEMSEG; lock held. */
int vhm_mm_unset_memseg(struct vhm_vm *vm, const struct acrn_vm_memmap *map);
/** Unpin and forget every memseg (after HC_DESTROY_VM); lock held. */
void vhm_mm_release_all(struct vhm_vm *vm);
/** Pin one page-aligned user page for the hypervisor to write. */
int vhm_mm_pin_one(unsigned long uaddr, struct page **page);

/* vhm_ptdev.c */
/** ACRN_IOCTL_SET_PTDEV_INTR: hypercall, then request the IRQ; lock held. */
int vhm_ptdev_intx_set(struct vhm_vm *vm, struct acrn_ptdev_irq *p);
/** ACRN_IOCTL_RESET_PTDEV_INTR: free the IRQ, then hypercall; lock held. */
int vhm_ptdev_intx_reset(struct vhm_vm *vm, struct acrn_ptdev_irq *p);
/** Free every IRQ taken for @vm (before HC_DESTROY_VM); lock held. */
void vhm_ptdev_release_all(struct vhm_vm *vm);

/* vhm_ioreq.c */
/** Start the dispatch machinery (polling timer off). */
int vhm_ioreq_init(void);
/** Stop it. */
void vhm_ioreq_exit(void);
/** Upcall: scan every VM's IOREQ page now (any context; does not sleep). */
void vhm_ioreq_kick(void);
/** Turn the 10 ms polling fallback on or off. */
void vhm_ioreq_set_polling(bool on);
/** Put a created @vm on the dispatch list (its IOREQ page gets scanned). */
void vhm_ioreq_attach_vm(struct vhm_vm *vm);
/** Take @vm off the dispatch list; no scan touches it once this returns. */
void vhm_ioreq_detach_vm(struct vhm_vm *vm);
/** ACRN_IOCTL_CREATE_IOREQ_CLIENT: 0, or -EEXIST if the VM has one. */
int vhm_ioreq_create_client(struct vhm_vm *vm);
/** ACRN_IOCTL_ATTACH_IOREQ_CLIENT: 0 with requests, -ERESTARTSYS, -ENODEV. */
int vhm_ioreq_attach_client(struct vhm_vm *vm);
/** ACRN_IOCTL_DESTROY_IOREQ_CLIENT: waiters in attach return -ENODEV. */
void vhm_ioreq_destroy_client(struct vhm_vm *vm);
/** ACRN_IOCTL_NOTIFY_REQUEST_FINISH for slot @vcpu; lock held. */
int vhm_ioreq_notify_finish(struct vhm_vm *vm, u32 vcpu);
/** ACRN_IOCTL_CLEAR_VM_IOREQ: complete every unfinished slot; lock held. */
int vhm_ioreq_clear(struct vhm_vm *vm);

/* vhm_eventfd.c */
/** ACRN_IOCTL_IOEVENTFD. */
int vhm_ioeventfd_config(struct vhm_vm *vm, const struct acrn_ioeventfd *args);
/**
 * Match a write request against the VM's ioeventfds; signal the eventfd and
 * return true when one matches (the request is then complete).
 */
bool vhm_ioeventfd_handle(struct vhm_vm *vm, const struct acrn_io_request *req);
/** ACRN_IOCTL_IRQFD. */
int vhm_irqfd_config(struct vhm_vm *vm, const struct acrn_irqfd *args);
/** Drop every ioeventfd and irqfd of @vm. */
void vhm_eventfd_release_all(struct vhm_vm *vm);

/* vhm_upcall.c */
/** Register the PCI driver of the upcall function; polling if absent. */
int vhm_upcall_init(void);
/** Unregister the PCI driver and stop polling. */
void vhm_upcall_exit(void);

#endif /* VHM_H */

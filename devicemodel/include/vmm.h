/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file vmm.h
 * The VMM back-end interface: everything acrn-dm asks of the hypervisor goes
 * through one const struct vmm_ops.  vmm_vhm_ops talks to the kernel module
 * (/dev/acrn_vhm, else /dev/acrn_hsm) with the ioctls of <linux/acrn.h>;
 * vmm_test_ops (vmm_test.h) is an in-process fake for tests/dm.
 */
#ifndef DM_VMM_H
#define DM_VMM_H

#include <stdint.h>
#include <linux/acrn.h>
#include "../../kernel-modules/vhm/acrn_vhm_uapi.h"

struct vmctx;

/**
 * Operations of ACRN_IOCTL_SET_IRQLINE.  The ioctl's 64-bit argument is
 * ACRN's struct acrn_irqline_ops { u32 gsi; u32 op; }: gsi in bits 31:0,
 * op in bits 63:32.
 */
#define VMM_GSI_SET_HIGH	0U
#define VMM_GSI_SET_LOW		1U
#define VMM_GSI_RAISING_PULSE	2U
#define VMM_GSI_FALLING_PULSE	3U

/** A VMM back-end.  Every operation returns 0 or a negative errno. */
struct vmm_ops {
	const char *name;
	/** Open the back-end; store private state in ctx->vmm_priv. */
	int (*open)(struct vmctx *ctx);
	/** Release what open() acquired. */
	void (*close)(struct vmctx *ctx);
	/** Create the VM; fills cv->vmid (and cv->vcpu_num). */
	int (*create_vm)(struct vmctx *ctx, struct acrn_vm_creation *cv);
	int (*destroy_vm)(struct vmctx *ctx);
	int (*start_vm)(struct vmctx *ctx);
	int (*pause_vm)(struct vmctx *ctx);
	int (*reset_vm)(struct vmctx *ctx);
	int (*set_vcpu_regs)(struct vmctx *ctx, const struct acrn_vcpu_regs *regs);
	/** Map guest memory (EPT) described by @p map. */
	int (*set_memseg)(struct vmctx *ctx, const struct acrn_vm_memmap *map);
	int (*unset_memseg)(struct vmctx *ctx, const struct acrn_vm_memmap *map);
	int (*create_ioreq_client)(struct vmctx *ctx);
	/** Block until requests are pending; -ENODEV/-EINTR once the client is destroyed. */
	int (*attach_ioreq_client)(struct vmctx *ctx);
	int (*destroy_ioreq_client)(struct vmctx *ctx);
	int (*clear_vm_ioreq)(struct vmctx *ctx);
	/** Tell the hypervisor the request of @p vcpu is complete. */
	int (*notify_request_finish)(struct vmctx *ctx, uint32_t vcpu);
	/** Drive a virtual IOAPIC/PIC line: @p op is VMM_GSI_*. */
	int (*set_irqline)(struct vmctx *ctx, uint32_t gsi, uint32_t op);
	int (*inject_msi)(struct vmctx *ctx, uint64_t addr, uint64_t data);
	/** Interrupt storm monitor: @p page is one 4 KiB buffer. */
	int (*intr_monitor)(struct vmctx *ctx, void *page);
	/** Passthrough: give the physical PCI function @p dev to the VM / take it back. */
	int (*assign_pcidev)(struct vmctx *ctx, const struct acrn_pcidev *dev);
	int (*deassign_pcidev)(struct vmctx *ctx, const struct acrn_pcidev *dev);
	/** Passthrough: forward a physical INTx pin to a virtual line / stop. */
	int (*set_ptdev_intr)(struct vmctx *ctx, const struct acrn_ptdev_irq *irq);
	int (*reset_ptdev_intr)(struct vmctx *ctx, const struct acrn_ptdev_irq *irq);
	/**
	 * Passthrough: remap one MSI message / MSI-X entry (this VHM's
	 * ACRN_VHM_IOCTL_VM_PCI_MSIX_REMAP); on enable @p r comes back with the
	 * physical message to program into the device.  NULL: not offered.
	 */
	int (*msix_remap)(struct vmctx *ctx, struct acrn_vhm_msix_remap *r);
	/** vhost: a guest write to a PIO/MMIO address signals an eventfd (ACRN_IOCTL_IOEVENTFD). */
	int (*ioeventfd)(struct vmctx *ctx, const struct acrn_ioeventfd *io);
	/** vhost: a signal on an eventfd injects an MSI (ACRN_IOCTL_IRQFD). */
	int (*irqfd)(struct vmctx *ctx, const struct acrn_irqfd *irq);
};

/** The real back-end (ioctls on /dev/acrn_vhm, falling back to /dev/acrn_hsm). */
extern const struct vmm_ops vmm_vhm_ops;

#endif /* DM_VMM_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The real VMM back-end: ioctls of <linux/acrn.h> on /dev/acrn_vhm (our VHM)
 * or, failing that, /dev/acrn_hsm (the in-tree Linux driver).  Each open file
 * is one VM: CREATE_VM binds it, closing it releases whatever is left.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmctx.h"
#include "vmm.h"

struct vhm_priv {
	int fd;
};

static int vhm_fd(struct vmctx *ctx)
{
	return ((struct vhm_priv *)ctx->vmm_priv)->fd;
}

static int vhm_ioctl(struct vmctx *ctx, unsigned long req, unsigned long arg)
{
	int rc;

	do {
		rc = ioctl(vhm_fd(ctx), req, arg);
	} while (rc < 0 && errno == EINTR && req != ACRN_IOCTL_ATTACH_IOREQ_CLIENT);
	return rc < 0 ? -errno : 0;
}

static int vhm_open(struct vmctx *ctx)
{
	static const char *const paths[] = { "/dev/acrn_vhm", "/dev/acrn_hsm" };
	struct vhm_priv *p;
	int fd = -1, err = ENOENT;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]) && fd < 0; i++) {
		fd = open(paths[i], O_RDWR | O_CLOEXEC);
		/* Report the first device's error unless it simply does not exist. */
		if (fd < 0 && (i == 0 || err == ENOENT))
			err = errno;
	}
	if (fd < 0)
		return -err;
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		close(fd);
		return -ENOMEM;
	}
	p->fd = fd;
	ctx->vmm_priv = p;
	return 0;
}

static void vhm_close(struct vmctx *ctx)
{
	struct vhm_priv *p = ctx->vmm_priv;

	if (p == NULL)
		return;
	close(p->fd);
	free(p);
	ctx->vmm_priv = NULL;
}

static int vhm_create_vm(struct vmctx *ctx, struct acrn_vm_creation *cv)
{
	return vhm_ioctl(ctx, ACRN_IOCTL_CREATE_VM, (unsigned long)cv);
}

static int vhm_destroy_vm(struct vmctx *ctx)
{
	return vhm_ioctl(ctx, ACRN_IOCTL_DESTROY_VM, 0);
}

static int vhm_start_vm(struct vmctx *ctx)
{
	return vhm_ioctl(ctx, ACRN_IOCTL_START_VM, 0);
}

static int vhm_pause_vm(struct vmctx *ctx)
{
	return vhm_ioctl(ctx, ACRN_IOCTL_PAUSE_VM, 0);
}

static int vhm_reset_vm(struct vmctx *ctx)
{
	return vhm_ioctl(ctx, ACRN_IOCTL_RESET_VM, 0);
}

static int vhm_set_vcpu_regs(struct vmctx *ctx, const struct acrn_vcpu_regs *regs)
{
	return vhm_ioctl(ctx, ACRN_IOCTL_SET_VCPU_REGS, (unsigned long)regs);
}

static int vhm_set_memseg(struct vmctx *ctx, const struct acrn_vm_memmap *map)
{
	return vhm_ioctl(ctx, ACRN_IOCTL_SET_MEMSEG, (unsigned long)map);
}

static int vhm_unset_memseg(struct vmctx *ctx, const struct acrn_vm_memmap *map)
{
	return vhm_ioctl(ctx, ACRN_IOCTL_UNSET_MEMSEG, (unsigned long)map);
}

static int vhm_create_ioreq_client(struct vmctx *ctx)
{
	return vhm_ioctl(ctx, ACRN_IOCTL_CREATE_IOREQ_CLIENT, 0);
}

static int vhm_attach_ioreq_client(struct vmctx *ctx)
{
	return vhm_ioctl(ctx, ACRN_IOCTL_ATTACH_IOREQ_CLIENT, 0);
}

static int vhm_destroy_ioreq_client(struct vmctx *ctx)
{
	return vhm_ioctl(ctx, ACRN_IOCTL_DESTROY_IOREQ_CLIENT, 0);
}

static int vhm_clear_vm_ioreq(struct vmctx *ctx)
{
	return vhm_ioctl(ctx, ACRN_IOCTL_CLEAR_VM_IOREQ, 0);
}

static int vhm_notify_request_finish(struct vmctx *ctx, uint32_t vcpu)
{
	struct acrn_ioreq_notify n = { .vmid = ctx->vmid, .vcpu = vcpu };

	return vhm_ioctl(ctx, ACRN_IOCTL_NOTIFY_REQUEST_FINISH, (unsigned long)&n);
}

static int vhm_set_irqline(struct vmctx *ctx, uint32_t gsi, uint32_t op)
{
	/* The argument is the value itself: struct acrn_irqline_ops { u32 gsi; u32 op; }. */
	uint64_t arg = (uint64_t)gsi | ((uint64_t)op << 32);

	return vhm_ioctl(ctx, ACRN_IOCTL_SET_IRQLINE, (unsigned long)arg);
}

static int vhm_inject_msi(struct vmctx *ctx, uint64_t addr, uint64_t data)
{
	struct acrn_msi_entry msi = { .msi_addr = addr, .msi_data = data };

	return vhm_ioctl(ctx, ACRN_IOCTL_INJECT_MSI, (unsigned long)&msi);
}

static int vhm_intr_monitor(struct vmctx *ctx, void *page)
{
	return vhm_ioctl(ctx, ACRN_IOCTL_VM_INTR_MONITOR, (unsigned long)page);
}

static int vhm_assign_pcidev(struct vmctx *ctx, const struct acrn_pcidev *dev)
{
	return vhm_ioctl(ctx, ACRN_IOCTL_ASSIGN_PCIDEV, (unsigned long)dev);
}

static int vhm_deassign_pcidev(struct vmctx *ctx, const struct acrn_pcidev *dev)
{
	return vhm_ioctl(ctx, ACRN_IOCTL_DEASSIGN_PCIDEV, (unsigned long)dev);
}

static int vhm_set_ptdev_intr(struct vmctx *ctx, const struct acrn_ptdev_irq *irq)
{
	return vhm_ioctl(ctx, ACRN_IOCTL_SET_PTDEV_INTR, (unsigned long)irq);
}

static int vhm_reset_ptdev_intr(struct vmctx *ctx, const struct acrn_ptdev_irq *irq)
{
	return vhm_ioctl(ctx, ACRN_IOCTL_RESET_PTDEV_INTR, (unsigned long)irq);
}

static int vhm_msix_remap(struct vmctx *ctx, struct acrn_vhm_msix_remap *r)
{
	return vhm_ioctl(ctx, ACRN_VHM_IOCTL_VM_PCI_MSIX_REMAP, (unsigned long)r);
}

static int vhm_ioeventfd(struct vmctx *ctx, const struct acrn_ioeventfd *io)
{
	return vhm_ioctl(ctx, ACRN_IOCTL_IOEVENTFD, (unsigned long)io);
}

static int vhm_irqfd(struct vmctx *ctx, const struct acrn_irqfd *irq)
{
	return vhm_ioctl(ctx, ACRN_IOCTL_IRQFD, (unsigned long)irq);
}

const struct vmm_ops vmm_vhm_ops = {
	.name = "/dev/acrn_vhm or /dev/acrn_hsm",
	.open = vhm_open,
	.close = vhm_close,
	.create_vm = vhm_create_vm,
	.destroy_vm = vhm_destroy_vm,
	.start_vm = vhm_start_vm,
	.pause_vm = vhm_pause_vm,
	.reset_vm = vhm_reset_vm,
	.set_vcpu_regs = vhm_set_vcpu_regs,
	.set_memseg = vhm_set_memseg,
	.unset_memseg = vhm_unset_memseg,
	.create_ioreq_client = vhm_create_ioreq_client,
	.attach_ioreq_client = vhm_attach_ioreq_client,
	.destroy_ioreq_client = vhm_destroy_ioreq_client,
	.clear_vm_ioreq = vhm_clear_vm_ioreq,
	.notify_request_finish = vhm_notify_request_finish,
	.set_irqline = vhm_set_irqline,
	.inject_msi = vhm_inject_msi,
	.intr_monitor = vhm_intr_monitor,
	.assign_pcidev = vhm_assign_pcidev,
	.deassign_pcidev = vhm_deassign_pcidev,
	.set_ptdev_intr = vhm_set_ptdev_intr,
	.reset_ptdev_intr = vhm_reset_ptdev_intr,
	.msix_remap = vhm_msix_remap,
	.ioeventfd = vhm_ioeventfd,
	.irqfd = vhm_irqfd,
};

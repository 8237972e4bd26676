/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VBS-K for virtio-net: Linux vhost-net moves the frames between the guest's
 * rings and the tap inside the Service VM kernel.
 *
 *   guest kick   -> VHM ioeventfd (notify register) -> kick eventfd -> vhost
 *   vhost done   -> call eventfd -> VHM irqfd -> the queue's MSI-X message
 *
 * vhost reads guest memory through acrn-dm's own mapping of it (the memory
 * table gives host-virtual addresses), so acrn-dm must stay the owner.  The
 * queue-notify ioreqs complete in the VHM and never reach acrn-dm.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
/* Only the vhost ioctls: our virtqueue.h has its own ring structures. */
#define _LINUX_VIRTIO_RING_H
#include <linux/vhost.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "guest_mem.h"
#include "pci_core.h"
#include "vmctx.h"
#include "vmm.h"
#include "virtio/vhost_net.h"
#include "virtio/virtio_core.h"
#include "virtio/virtio_net.h"

#define DM_LOG_PREFIX "virtio-net: "
#include "dm_log.h"

#define VHOST_NQ		2	/* vhost-net: 0 = rx, 1 = tx, as VIRTIO_NET_RXQ/TXQ */
#define VHOST_HDR_DEFAULT	12	/* the tap's header length outside vhost */

/* The data-plane bits vhost implements for us; the rest stay in acrn-dm (config space). */
#define VHOST_DATA_FEATURES	((1ULL << VIRTIO_NET_F_MRG_RXBUF) | \
				 (1ULL << VIRTIO_RING_F_INDIRECT_DESC) | \
				 (1ULL << VIRTIO_RING_F_EVENT_IDX) | \
				 (1ULL << VIRTIO_F_VERSION_1))

static int vhost_sys_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg);
}

const char *vhost_net_path = "/dev/vhost-net";
int (*vhost_net_ioctl)(int fd, unsigned long req, void *arg) = vhost_sys_ioctl;

struct vhost_net {
	struct virtio_dev *vs;
	const char *ifname;
	int fd;
	int tap_fd;
	uint64_t features;		/* what the kernel offers */
	bool running;
	bool failed_logged;
	struct {
		int kick, call;
		bool call_reg;
		struct virtio_notify_fd io;
		struct acrn_irqfd irq;
	} q[VHOST_NQ];
};

/* One vhost ioctl: 0 or a negative errno. */
static int vh_do(struct vhost_net *v, unsigned long req, void *arg)
{
	return vhost_net_ioctl(v->fd, req, arg) < 0 ? -errno : 0;
}

struct vhost_net *vhost_net_open(struct virtio_dev *vs, int tap_fd, const char *ifname)
{
	struct vhost_net *v = calloc(1, sizeof(*v));
	const char *what = "open";
	int rc = 0;

	if (v == NULL)
		return NULL;
	v->vs = vs;
	v->ifname = ifname;
	v->tap_fd = tap_fd;
	for (int i = 0; i < VHOST_NQ; i++)
		v->q[i].kick = v->q[i].call = -1;
	v->fd = open(vhost_net_path, O_RDWR | O_CLOEXEC);
	if (v->fd < 0)
		rc = -errno;
	if (rc == 0 && (vs->ctx->vmm->ioeventfd == NULL || vs->ctx->vmm->irqfd == NULL)) {
		what = "ioeventfd/irqfd";
		rc = -EOPNOTSUPP;
	}
	if (rc == 0) {
		what = "VHOST_SET_OWNER";
		rc = vh_do(v, VHOST_SET_OWNER, NULL);
	}
	if (rc == 0) {
		what = "VHOST_GET_FEATURES";
		rc = vh_do(v, VHOST_GET_FEATURES, &v->features);
	}
	for (int i = 0; rc == 0 && i < VHOST_NQ; i++) {
		what = "eventfd";
		v->q[i].kick = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		v->q[i].call = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (v->q[i].kick < 0 || v->q[i].call < 0)
			rc = -errno;
	}
	if (rc != 0) {
		pr_info("%s: vhost unavailable (%s %s: %s), using the user-space back-end",
			ifname, what, vhost_net_path, strerror(-rc));
		vhost_net_close(v);
		return NULL;
	}
	/* Offer only what the kernel can serve (the core already added ring + VERSION_1). */
	vs->dev_features &= ~(VHOST_DATA_FEATURES & ~v->features);
	pr_info("%s: vhost-net data plane (%s)", ifname, vhost_net_path);
	return v;
}

void vhost_net_close(struct vhost_net *v)
{
	if (v == NULL)
		return;
	vhost_net_stop(v);
	for (int i = 0; i < VHOST_NQ; i++) {
		if (v->q[i].kick >= 0)
			close(v->q[i].kick);
		if (v->q[i].call >= 0)
			close(v->q[i].call);
	}
	if (v->fd >= 0)
		close(v->fd);
	free(v);
}

bool vhost_net_running(const struct vhost_net *v)
{
	return v != NULL && v->running;
}

void vhost_net_kick(struct vhost_net *v, unsigned int q)
{
	uint64_t one = 1;

	if (vhost_net_running(v) && q < VHOST_NQ &&
	    write(v->q[q].kick, &one, sizeof(one)) < 0 && errno != EAGAIN)
		pr_warn("%s: cannot forward a kick to vhost: %s", v->ifname, strerror(errno));
}

/* Guest RAM as acrn-dm maps it: [0, lowmem) and [4 GiB, 4 GiB + highmem). */
static int vh_set_mem(struct vhost_net *v)
{
	struct vmctx *ctx = v->vs->ctx;
	/* struct vhost_memory ends in a flexible array: room for two regions after it. */
	union {
		struct vhost_memory hdr;
		uint8_t bytes[sizeof(struct vhost_memory) + 2 * sizeof(struct vhost_memory_region)];
	} m;
	struct vhost_memory_region *r = m.hdr.regions;
	uint32_t n = 0;

	memset(&m, 0, sizeof(m));
	if (ctx->mem_base == NULL || ctx->lowmem == 0)
		return -EFAULT;
	r[n].guest_phys_addr = 0;
	r[n].memory_size = ctx->lowmem;
	r[n].userspace_addr = (uint64_t)(uintptr_t)ctx->mem_base;
	n++;
	if (ctx->highmem != 0) {
		r[n].guest_phys_addr = DM_HIGHMEM_BASE;
		r[n].memory_size = ctx->highmem;
		r[n].userspace_addr = (uint64_t)(uintptr_t)(ctx->mem_base + DM_HIGHMEM_BASE);
		n++;
	}
	m.hdr.nregions = n;
	return vh_do(v, VHOST_SET_MEM_TABLE, &m);
}

/* One queue: size, base, ring addresses, kick and call.  Returns what failed in *what. */
static int vh_start_queue(struct vhost_net *v, unsigned int qi, const char **what)
{
	struct virtio_dev *vs = v->vs;
	struct virtio_queue *q = &vs->q[qi];
	const struct pci_msix_entry *e;
	struct vhost_vring_state st = { .index = qi };
	struct vhost_vring_addr a = { .index = qi };
	struct vhost_vring_file f = { .index = qi };
	void *desc, *avail, *used;
	int rc;

	*what = "queue not live";
	if (!q->enabled || !q->vq.ready)
		return -EINVAL;
	*what = "no MSI-X vector for the queue";
	if (!pci_msix_enabled(vs->pdev) || q->msix == VIRTIO_NO_VECTOR ||
	    q->msix >= vs->pdev->msix.table_count)
		return -ENOTSUP;
	*what = "rings outside guest RAM";
	desc = vm_map_gpa(vs->ctx, q->vq.desc_gpa, vq_desc_bytes(q->vq.size));
	avail = vm_map_gpa(vs->ctx, q->vq.avail_gpa, vq_avail_bytes(q->vq.size));
	used = vm_map_gpa(vs->ctx, q->vq.used_gpa, vq_used_bytes(q->vq.size));
	if (desc == NULL || avail == NULL || used == NULL)
		return -EFAULT;

	*what = "VHOST_SET_VRING_NUM";
	st.num = q->vq.size;
	rc = vh_do(v, VHOST_SET_VRING_NUM, &st);
	if (rc == 0) {
		*what = "VHOST_SET_VRING_BASE";
		st.num = q->vq.last_avail;
		rc = vh_do(v, VHOST_SET_VRING_BASE, &st);
	}
	if (rc == 0) {
		*what = "VHOST_SET_VRING_ADDR";
		a.desc_user_addr = (uint64_t)(uintptr_t)desc;
		a.avail_user_addr = (uint64_t)(uintptr_t)avail;
		a.used_user_addr = (uint64_t)(uintptr_t)used;
		rc = vh_do(v, VHOST_SET_VRING_ADDR, &a);
	}
	if (rc == 0) {
		*what = "VHOST_SET_VRING_KICK";
		f.fd = v->q[qi].kick;
		rc = vh_do(v, VHOST_SET_VRING_KICK, &f);
	}
	if (rc == 0) {
		*what = "VHOST_SET_VRING_CALL";
		f.fd = v->q[qi].call;
		rc = vh_do(v, VHOST_SET_VRING_CALL, &f);
	}
	if (rc == 0) {
		*what = "VHM irqfd";
		e = &vs->pdev->msix.table[q->msix];
		memset(&v->q[qi].irq, 0, sizeof(v->q[qi].irq));
		v->q[qi].irq.fd = v->q[qi].call;
		v->q[qi].irq.msi.msi_addr = e->addr;
		v->q[qi].irq.msi.msi_data = e->data;
		rc = vs->ctx->vmm->irqfd(vs->ctx, &v->q[qi].irq);
		v->q[qi].call_reg = rc == 0;
	}
	if (rc == 0) {
		*what = "VHM ioeventfd";
		rc = virtio_notify_ioeventfd_assign(vs, qi, v->q[qi].kick, &v->q[qi].io);
	}
	if (rc == 0) {
		*what = "VHOST_NET_SET_BACKEND";
		f.fd = v->tap_fd;
		rc = vh_do(v, VHOST_NET_SET_BACKEND, &f);
	}
	return rc;
}

int vhost_net_start(struct vhost_net *v, size_t guest_hdr_len)
{
	uint64_t feat = v->vs->drv_features & VHOST_DATA_FEATURES;
	const char *what = "VHOST_SET_MEM_TABLE";
	int hdr = (int)guest_hdr_len, rc;

	if (v->running)
		return 0;
	v->running = true;	/* from here on vhost_net_stop() undoes what was done */
	rc = vh_set_mem(v);
	if (rc == 0) {
		what = "VHOST_SET_FEATURES";
		rc = vh_do(v, VHOST_SET_FEATURES, &feat);
	}
	if (rc == 0) {
		/* vhost passes the guest's header through: the tap must expect its length. */
		what = "TUNSETVNETHDRSZ";
		if (ioctl(v->tap_fd, TUNSETVNETHDRSZ, &hdr) != 0)
			rc = -errno;
	}
	for (unsigned int i = 0; rc == 0 && i < VHOST_NQ; i++)
		rc = vh_start_queue(v, i, &what);
	if (rc != 0) {
		vhost_net_stop(v);
		if (!v->failed_logged)
			pr_info("%s: vhost set-up failed (%s: %s), using the user-space back-end",
				v->ifname, what, strerror(-rc));
		v->failed_logged = true;
		return rc;
	}
	return 0;
}

void vhost_net_stop(struct vhost_net *v)
{
	struct vmctx *ctx;
	int hdr = VHOST_HDR_DEFAULT;

	if (v == NULL || !v->running)
		return;
	ctx = v->vs->ctx;
	for (unsigned int i = 0; i < VHOST_NQ; i++) {
		struct vhost_vring_file f = { .index = i, .fd = -1 };
		struct vhost_vring_state st = { .index = i };

		/* Errors here only mean the queue never got that far. */
		(void)vh_do(v, VHOST_NET_SET_BACKEND, &f);
		if (virtio_notify_ioeventfd_deassign(v->vs, &v->q[i].io) != 0)
			pr_warn("%s: cannot unregister the queue %u ioeventfd", v->ifname, i);
		if (v->q[i].call_reg) {
			v->q[i].irq.flags |= ACRN_IRQFD_FLAG_DEASSIGN;
			if (ctx->vmm->irqfd(ctx, &v->q[i].irq) != 0)
				pr_warn("%s: cannot unregister the queue %u irqfd", v->ifname, i);
			v->q[i].call_reg = false;
		}
		(void)vh_do(v, VHOST_GET_VRING_BASE, &st);
	}
	if (ioctl(v->tap_fd, TUNSETVNETHDRSZ, &hdr) != 0)
		pr_warn("%s: cannot restore the tap header length: %s", v->ifname, strerror(errno));
	v->running = false;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file vhost_net.h
 * VBS-K for virtio-net: the data plane in the Service VM kernel (Linux
 * vhost-net), wired to the guest through the VHM's ioeventfd (queue kicks)
 * and irqfd (MSI-X interrupts).  acrn-dm keeps the control plane: PCI
 * transport, feature negotiation, device configuration, reset.
 *
 * Every failure logs one notice line and leaves the device on the user-space
 * back-end; nothing here is fatal.
 */
#ifndef DM_VIRTIO_VHOST_NET_H
#define DM_VIRTIO_VHOST_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct virtio_dev;
struct vhost_net;

/** The vhost character device (tests/dm points it elsewhere). */
extern const char *vhost_net_path;
/** ioctl() on the vhost fd: tests/dm replaces it with a fake kernel. */
extern int (*vhost_net_ioctl)(int fd, unsigned long req, void *arg);

/**
 * Open the vhost device for the tap @p tap_fd, take ownership, read its
 * features and drop from @p vs->dev_features the data-plane bits vhost lacks.
 * @return the handle, or NULL (one notice logged: use user space)
 */
struct vhost_net *vhost_net_open(struct virtio_dev *vs, int tap_fd, const char *ifname);

/** Stop (if running) and release everything. */
void vhost_net_close(struct vhost_net *v);

/**
 * DRIVER_OK: hand the rings to the kernel (vs->mtx held).  Memory table,
 * negotiated features, per queue size/base/addresses, kick eventfd as
 * ioeventfd on the notify register, call eventfd as irqfd on the queue's
 * MSI-X message, tap as back-end.
 * @return 0 (vhost runs the queues) or a negative errno: everything undone,
 *         one notice logged, the caller serves the queues itself
 */
int vhost_net_start(struct vhost_net *v, size_t guest_hdr_len);

/** Reset / teardown: detach the tap, unregister the eventfds, fetch the ring bases. */
void vhost_net_stop(struct vhost_net *v);

/** True between a successful vhost_net_start() and vhost_net_stop(). */
bool vhost_net_running(const struct vhost_net *v);

/** A kick for queue @p q reached acrn-dm anyway (raced the registration): pass it on. */
void vhost_net_kick(struct vhost_net *v, unsigned int q);

#endif /* DM_VIRTIO_VHOST_NET_H */

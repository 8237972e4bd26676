/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file virtio_net.h
 * virtio-net (Virtio 1.2 §5.1): `-s N,virtio-net,tap=NAME[,mac=..][,vhost]`.
 * The device registers through PCI_VDEV_REGISTER; this header carries what
 * tests and the monitor ask of it at run time.
 */
#ifndef DM_VIRTIO_NET_H
#define DM_VIRTIO_NET_H

#include <stdbool.h>
#include <stdint.h>

struct vmctx;

/* Feature bits (§5.1.3) and queues (§5.1.2) of our device. */
#define VIRTIO_NET_F_MAC	5
#define VIRTIO_NET_F_MRG_RXBUF	15
#define VIRTIO_NET_F_STATUS	16
#define VIRTIO_NET_RXQ		0
#define VIRTIO_NET_TXQ		1

/**
 * Counters of the virtio-net function at 0:@p slot.@p func.
 * @param notifies  queue notifications acrn-dm handled itself (0 while vhost serves them)
 * @param vhost     true while the vhost-net data plane runs the queues
 * @return 0, or -ENODEV if there is no virtio-net there
 */
int virtio_net_stats(struct vmctx *ctx, int slot, int func, uint64_t *notifies, bool *vhost);

#endif /* DM_VIRTIO_NET_H */

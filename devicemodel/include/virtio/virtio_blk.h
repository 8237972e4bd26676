/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file virtio_blk.h
 * virtio-blk (Virtio 1.2 §5.2): `-s N,virtio-blk,PATH[,ro][,serial=ID]`.
 * The device itself registers through PCI_VDEV_REGISTER; this header only
 * carries what other code (the monitor, tests) calls at run time.
 */
#ifndef DM_VIRTIO_BLK_H
#define DM_VIRTIO_BLK_H

struct vmctx;

/**
 * blkrescan: switch the backing file of the virtio-blk function at
 * 0:@p slot.@p func to @p path (opened read-only if the device is), wait for the
 * requests in flight, publish the new capacity and raise a configuration-change
 * interrupt.
 * @return 0; -ENODEV if there is no virtio-blk there; -errno of open()/stat()
 */
int virtio_blk_rescan(struct vmctx *ctx, int slot, int func, const char *path);

#endif /* DM_VIRTIO_BLK_H */

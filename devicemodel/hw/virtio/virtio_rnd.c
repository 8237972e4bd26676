/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * virtio-rnd: the entropy device (Virtio 1.2 §5.4).  One request queue; the
 * driver posts device-writable buffers and we fill them from the kernel's
 * CSPRNG (getrandom(), i.e. /dev/urandom).
 *
 *   -s N,virtio-rnd
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include "pci_core.h"
#include "virtio/virtio_core.h"

#define DM_LOG_PREFIX "virtio-rnd: "
#include "dm_log.h"

#define VRND_QSIZE	64

struct virtio_rnd {
	struct virtio_dev vs;	/* first: the core casts pci_vdev.arg to it */
};

/* Fill one buffer; getrandom() may return short counts for large requests. */
static size_t vrnd_fill(void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = getrandom((char *)buf + done, len - done, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	return done;
}

/* §5.4.6: every device-writable buffer of a chain is filled with entropy. */
static void vrnd_notify(struct virtio_dev *vs, unsigned int q)
{
	struct iovec iov[VRND_QSIZE];
	struct vq_chain c;
	bool any = false;
	int n;

	while ((n = virtio_getchain(vs, q, iov, VRND_QSIZE, &c)) > 0) {
		uint64_t written = 0;

		for (unsigned int i = c.nread; i < c.niov; i++) {
			size_t got = vrnd_fill(iov[i].iov_base, iov[i].iov_len);

			written += got;
			if (got < iov[i].iov_len)
				break;
		}
		vq_relchain(&vs->q[q].vq, c.head, (uint32_t)(written > UINT32_MAX ? UINT32_MAX :
							       written));
		any = true;
	}
	if (any)
		virtio_queue_interrupt(vs, q);
}

static const struct virtio_ops vrnd_virtio_ops = {
	.name = "virtio-rnd",
	.type = VIRTIO_ID_RNG,
	.legacy_pci_id = VIRTIO_DEV_TRANS_BASE + 5,
	.pci_class = 0xff,
	.pci_subclass = 0x00,
	.nqueues = 1,
	.qsize = VRND_QSIZE,
	.qnotify = vrnd_notify,
};

static int vrnd_init(struct vmctx *ctx, struct pci_vdev *dev, const struct dm_dev_config *cfg)
{
	struct virtio_rnd *rnd = calloc(1, sizeof(*rnd));
	int rc;

	if (rnd == NULL)
		return -ENOMEM;
	rc = virtio_dev_init(&rnd->vs, &vrnd_virtio_ops, dev, cfg, 0, NULL, 0);
	if (rc != 0) {
		free(rnd);
		dev->arg = NULL;
	}
	return rc;
}

static void vrnd_deinit(struct vmctx *ctx, struct pci_vdev *dev)
{
	struct virtio_rnd *rnd = dev->arg;

	if (rnd == NULL)
		return;
	virtio_dev_deinit(&rnd->vs);
	free(rnd);
}

static const struct pci_vdev_ops pci_ops_virtio_rnd = {
	.class_name = "virtio-rnd",
	.vdev_init = vrnd_init,
	.vdev_deinit = vrnd_deinit,
	.vdev_barwrite = virtio_pci_barwrite,
	.vdev_barread = virtio_pci_barread,
	.vdev_reset = virtio_pci_reset,
};
PCI_VDEV_REGISTER(pci_ops_virtio_rnd);

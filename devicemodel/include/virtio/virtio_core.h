/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file virtio_core.h
 * The virtio PCI transport shared by every virtio device (Virtio 1.2 §4.1):
 * the legacy (0.9.5) register block in I/O BAR 0, the modern (1.0) vendor
 * capabilities in memory BAR 2 with a second notify region in I/O BAR 3,
 * MSI-X in BAR 1 (INTx + ISR when MSI-X is off),
 * feature negotiation, the device status state machine, reset, and the
 * NEEDS_RESET path for hostile drivers.
 *
 * A device embeds struct virtio_dev as the FIRST member of its state, sets
 * pci_vdev.arg to it, describes itself with a const struct virtio_ops and
 * plugs virtio_pci_barread/virtio_pci_barwrite/virtio_pci_reset into its
 * struct pci_vdev_ops.  Device callbacks run with virtio_dev.mtx held; back-end
 * threads take the same mutex before touching a queue.
 */
#ifndef DM_VIRTIO_CORE_H
#define DM_VIRTIO_CORE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include <linux/acrn.h>

#include "dm_config.h"
#include "virtio/virtqueue.h"

struct vmctx;
struct pci_vdev;

#define VIRTIO_VENDOR		0x1af4
#define VIRTIO_DEV_TRANS_BASE	0x1000	/**< transitional IDs: 0x1000 + legacy index */
#define VIRTIO_DEV_MODERN_BASE	0x1040	/**< modern IDs: 0x1040 + virtio device type */
#define VIRTIO_MAX_QUEUES	8
#define VIRTIO_NO_VECTOR	0xffff

/* Virtio device types (§5). */
#define VIRTIO_ID_NET		1
#define VIRTIO_ID_BLOCK		2
#define VIRTIO_ID_CONSOLE	3
#define VIRTIO_ID_RNG		4

/* Device status bits (§2.1). */
#define VIRTIO_S_ACKNOWLEDGE	0x01
#define VIRTIO_S_DRIVER		0x02
#define VIRTIO_S_DRIVER_OK	0x04
#define VIRTIO_S_FEATURES_OK	0x08
#define VIRTIO_S_NEEDS_RESET	0x40
#define VIRTIO_S_FAILED		0x80

/* Transport feature bits (§6). */
#define VIRTIO_F_VERSION_1	32

/* ISR status bits (§4.1.4.5). */
#define VIRTIO_ISR_QUEUE	0x1
#define VIRTIO_ISR_CONFIG	0x2

/* Legacy register block in BAR 0 (§4.1.4.8). */
#define VIRTIO_LEG_HOST_FEATURES	0x00
#define VIRTIO_LEG_GUEST_FEATURES	0x04
#define VIRTIO_LEG_QUEUE_PFN		0x08
#define VIRTIO_LEG_QUEUE_SIZE		0x0c
#define VIRTIO_LEG_QUEUE_SEL		0x0e
#define VIRTIO_LEG_QUEUE_NOTIFY		0x10
#define VIRTIO_LEG_STATUS		0x12
#define VIRTIO_LEG_ISR			0x13
#define VIRTIO_LEG_MSIX_CONFIG		0x14
#define VIRTIO_LEG_MSIX_QUEUE		0x16
#define VIRTIO_LEG_CFG_NOMSIX		0x14	/**< device config without MSI-X */
#define VIRTIO_LEG_CFG_MSIX		0x18	/**< device config with MSI-X enabled */

/* Modern common configuration structure (§4.1.4.3). */
#define VIRTIO_PCI_DFSELECT	0x00
#define VIRTIO_PCI_DF		0x04
#define VIRTIO_PCI_GFSELECT	0x08
#define VIRTIO_PCI_GF		0x0c
#define VIRTIO_PCI_MSIX_CONFIG	0x10
#define VIRTIO_PCI_NUM_QUEUES	0x12
#define VIRTIO_PCI_STATUS	0x14
#define VIRTIO_PCI_CFG_GEN	0x15
#define VIRTIO_PCI_Q_SELECT	0x16
#define VIRTIO_PCI_Q_SIZE	0x18
#define VIRTIO_PCI_Q_MSIX	0x1a
#define VIRTIO_PCI_Q_ENABLE	0x1c
#define VIRTIO_PCI_Q_NOFF	0x1e
#define VIRTIO_PCI_Q_DESC	0x20
#define VIRTIO_PCI_Q_AVAIL	0x28
#define VIRTIO_PCI_Q_USED	0x30
#define VIRTIO_PCI_COMMON_LEN	0x38

/* Capability types (§4.1.4) and our layout of the modern BAR. */
#define VIRTIO_PCI_CAP_COMMON	1
#define VIRTIO_PCI_CAP_NOTIFY	2
#define VIRTIO_PCI_CAP_ISR	3
#define VIRTIO_PCI_CAP_DEVICE	4
#define VIRTIO_BAR_LEGACY	0	/**< I/O */
#define VIRTIO_BAR_MSIX		1	/**< MEM32, owned by the PCI core */
#define VIRTIO_BAR_MODERN	2	/**< MEM32 */
#define VIRTIO_BAR_NOTIFY_PIO	3	/**< I/O: the modern notify registers again, see below */
#define VIRTIO_MODERN_COMMON	0x0000
#define VIRTIO_MODERN_ISR	0x1000
#define VIRTIO_MODERN_DEVICE	0x2000
#define VIRTIO_MODERN_NOTIFY	0x3000
#define VIRTIO_MODERN_BAR_SIZE	0x4000
#define VIRTIO_NOTIFY_MULT	4	/**< notify_off_multiplier */
/*
 * A modern function announces two notify structures (§4.1.4.4): first the I/O
 * BAR 3 (queue n at n * VIRTIO_NOTIFY_MULT), then the memory BAR 2 at
 * VIRTIO_MODERN_NOTIFY.  A driver uses the first it supports (Linux does): an
 * OUT to an I/O port exits with port, size and value in the exit qualification,
 * where an MMIO write is an EPT violation the hypervisor must decode from the
 * guest's instruction bytes.
 */
#define VIRTIO_NOTIFY_ADDRS	2	/**< notify addresses of a queue: PIO + MMIO */

/** Which interfaces the function exposes (`virtio_mode=` option). */
enum virtio_mode {
	VIRTIO_MODE_TRANSITIONAL = 0,	/**< default: legacy I/O BAR + modern caps, ID 0x1000+, rev 0 */
	VIRTIO_MODE_LEGACY,		/**< I/O BAR only, ID 0x1000+, rev 0 */
	VIRTIO_MODE_MODERN,		/**< modern caps only, ID 0x1040+type, rev 1 */
};

struct virtio_dev;

/** What a device tells the core about itself. */
struct virtio_ops {
	const char *name;		/**< for log lines */
	uint16_t type;			/**< VIRTIO_ID_* */
	uint16_t legacy_pci_id;		/**< transitional device ID (0x1000 + n, §4.1.2.1) */
	uint8_t pci_class, pci_subclass;
	unsigned int nqueues;		/**< 1..VIRTIO_MAX_QUEUES */
	uint16_t qsize;			/**< largest queue size (power of two <= VQ_MAX_SIZE) */
	/** Quiesce and forget device state (status 0 written, or platform reset). */
	void (*reset)(struct virtio_dev *vs);
	/** The driver kicked queue @p q. */
	void (*qnotify)(struct virtio_dev *vs, unsigned int q);
	/** Optional: driver wrote device configuration (bytes already stored in vs->config). */
	void (*cfgwrite)(struct virtio_dev *vs, uint32_t off, int size, uint32_t val);
	/** Optional: status just gained DRIVER_OK. */
	void (*driver_ok)(struct virtio_dev *vs);
	/** Optional: may the driver run with @p features?  (FEATURES_OK, §3.1.1 step 5) */
	bool (*features_ok)(struct virtio_dev *vs, uint64_t features);
};

/** Per-queue transport state. */
struct virtio_queue {
	struct virtqueue vq;
	uint16_t size;			/**< size the driver chose (modern) or the maximum */
	uint16_t msix;			/**< MSI-X vector or VIRTIO_NO_VECTOR */
	bool enabled;
	uint32_t pfn;			/**< legacy queue PFN, 0 = inactive */
};

/** Transport state; the first member of every virtio device's state. */
struct virtio_dev {
	const struct virtio_ops *ops;
	struct pci_vdev *pdev;
	struct vmctx *ctx;
	pthread_mutex_t mtx;		/**< guards everything below and the queues */
	enum virtio_mode mode;
	uint64_t dev_features;		/**< offered (ring + device + VERSION_1 unless legacy) */
	uint64_t drv_features;		/**< accepted by the driver */
	uint32_t dfsel, gfsel;
	uint8_t status;
	uint8_t isr;
	uint8_t cfg_gen;
	uint16_t qsel;
	uint16_t msix_config;
	bool error_logged;		/**< one NEEDS_RESET line per reset cycle */
	uint8_t *config;		/**< device-specific configuration (little-endian) */
	uint32_t config_size;
	struct virtio_queue q[VIRTIO_MAX_QUEUES];
};

/**
 * Set up the PCI function for a virtio device: IDs, BARs, capabilities,
 * MSI-X (nqueues + 1 vectors) and INTx; reads `virtio_mode=` from @p cfg.
 * @param features  device-specific feature bits offered (ring and transport
 *                  bits are added by the core)
 * @param config    device configuration buffer (owned by the device)
 * @return 0 or a negative errno
 */
int virtio_dev_init(struct virtio_dev *vs, const struct virtio_ops *ops, struct pci_vdev *pdev,
		    const struct dm_dev_config *cfg, uint64_t features, void *config,
		    uint32_t config_size);

/** Release what virtio_dev_init() set up (the mutex). */
void virtio_dev_deinit(struct virtio_dev *vs);

/** True if the driver accepted feature @p bit. */
bool virtio_has_feature(const struct virtio_dev *vs, unsigned int bit);

/**
 * Take the next chain from queue @p q (vs->mtx held).  On a malformed chain
 * the device goes to NEEDS_RESET (virtio_dev_fail()).
 * @return as vq_getchain(): > 0 buffers, 0 none, < 0 malformed
 */
int virtio_getchain(struct virtio_dev *vs, unsigned int q, struct iovec *iov, unsigned int niov,
		    struct vq_chain *chain);

/** Release a chain and interrupt the driver if it wants it (vs->mtx held). */
void virtio_relchain(struct virtio_dev *vs, unsigned int q, uint16_t head, uint32_t len);

/** Interrupt for queue @p q if the driver wants one (after vq_relchain() calls). */
void virtio_queue_interrupt(struct virtio_dev *vs, unsigned int q);

/** The ioeventfds of one queue's notify: what virtio_notify_ioeventfd_assign() registered. */
struct virtio_notify_fd {
	struct acrn_ioeventfd io[VIRTIO_NOTIFY_ADDRS];
	unsigned int n;			/**< registered entries of io[] */
};

/**
 * Register eventfd @p fd with the VMM (ACRN_IOCTL_IOEVENTFD) on every address
 * the driver in use may notify queue @p qi at (2-byte writes): once
 * VIRTIO_F_VERSION_1 is negotiated, both modern notify registers (I/O BAR 3 and
 * memory BAR 2, any value); else the legacy I/O port with the queue index as
 * data.  @return 0, or -errno with nothing left registered.
 */
int virtio_notify_ioeventfd_assign(struct virtio_dev *vs, unsigned int qi, int fd,
				   struct virtio_notify_fd *nf);

/** Undo virtio_notify_ioeventfd_assign() (no-op if nothing is registered). @return 0 or -errno. */
int virtio_notify_ioeventfd_deassign(struct virtio_dev *vs, struct virtio_notify_fd *nf);

/** Configuration changed: bump the generation, send the config interrupt (vs->mtx held). */
void virtio_config_changed(struct virtio_dev *vs);

/**
 * The driver broke the protocol: set NEEDS_RESET (§2.1.2), stop all queues,
 * send a config interrupt and log one line (once per reset).  vs->mtx held.
 */
void virtio_dev_fail(struct virtio_dev *vs, const char *why);

/** True while the device is usable (DRIVER_OK set, NEEDS_RESET clear). */
bool virtio_dev_running(const struct virtio_dev *vs);

/**
 * Gather up to @p len bytes starting @p skip bytes into @p iov[0..n) into @p buf.
 * @return bytes copied
 */
size_t virtio_iov_to_buf(const struct iovec *iov, unsigned int n, size_t skip, void *buf,
			 size_t len);

/**
 * Scatter @p len bytes of @p buf into @p iov[0..n) starting @p skip bytes in.
 * @return bytes copied (less than @p len if the buffers are too small)
 */
size_t virtio_buf_to_iov(const struct iovec *iov, unsigned int n, size_t skip, const void *buf,
			 size_t len);

/** pci_vdev_ops.vdev_barwrite of every virtio device: legacy (BAR 0) and modern (BAR 2) registers. */
void virtio_pci_barwrite(struct vmctx *ctx, struct pci_vdev *dev, int idx, uint64_t offset,
			 int size, uint64_t val);
/** pci_vdev_ops.vdev_barread of every virtio device. */
uint64_t virtio_pci_barread(struct vmctx *ctx, struct pci_vdev *dev, int idx, uint64_t offset,
			    int size);
/** pci_vdev_ops.vdev_reset of every virtio device: the device reset of §2.4. */
void virtio_pci_reset(struct vmctx *ctx, struct pci_vdev *dev);

#endif /* DM_VIRTIO_CORE_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file virtqueue.h
 * The split-virtqueue walker (Virtio 1.2 §2.7).  Pure code: it reaches guest
 * memory only through a const struct vq_mem_ops, so the same file is linked
 * into acrn-dm, the unit tests and the libFuzzer target.
 *
 * Every descriptor is copied once out of guest memory and validated before it
 * is used; a malformed chain makes vq_getchain() fail with a negative errno
 * and mark the queue broken (the caller then sets NEEDS_RESET).
 *
 * Locking: none inside.  One queue is driven by one thread at a time (the
 * virtio core holds its device lock around every call).
 */
#ifndef DM_VIRTIO_VIRTQUEUE_H
#define DM_VIRTIO_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define VQ_MAX_SIZE		1024U	/**< largest queue we offer (power of two) */

/* Descriptor flags (§2.7.5). */
#define VRING_DESC_F_NEXT	1
#define VRING_DESC_F_WRITE	2
#define VRING_DESC_F_INDIRECT	4
/* Ring flags (§2.7.6, §2.7.8). */
#define VRING_AVAIL_F_NO_INTERRUPT	1
#define VRING_USED_F_NO_NOTIFY		1

/* Feature bits the walker implements (§6). */
#define VIRTIO_RING_F_INDIRECT_DESC	28
#define VIRTIO_RING_F_EVENT_IDX		29

/** Legacy ring alignment (§2.7.2 "Legacy Interfaces"). */
#define VQ_LEGACY_ALIGN		4096U

/** Guest-memory access: the only way the walker reaches guest RAM. */
struct vq_mem_ops {
	/**
	 * Host address of guest range [@p gpa, @p gpa + @p len), or NULL unless the
	 * whole range (len >= 1) is ordinary guest RAM.
	 */
	void *(*map)(void *opaque, uint64_t gpa, size_t len);
};

/** One descriptor as laid out in guest memory (§2.7.5). */
struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
} __attribute__((packed));

/** Element of the used ring (§2.7.8). */
struct vring_used_elem {
	uint32_t id;
	uint32_t len;
} __attribute__((packed));

/** One split virtqueue. Zero-initialise, then vq_setup(). */
struct virtqueue {
	uint16_t size;			/**< entries, power of two <= VQ_MAX_SIZE */
	bool ready;			/**< rings mapped, queue live */
	bool broken;			/**< a hostile chain was seen: no more processing */
	bool event_idx;			/**< VIRTIO_RING_F_EVENT_IDX negotiated */
	bool indirect;			/**< VIRTIO_RING_F_INDIRECT_DESC negotiated */
	uint64_t desc_gpa, avail_gpa, used_gpa;

	/* Host mappings of the three areas (valid while ready). */
	struct vring_desc *desc;
	uint16_t *avail;		/**< flags, idx, ring[size], used_event */
	uint8_t *used;			/**< flags, idx, ring[size], avail_event */

	uint16_t last_avail;		/**< next avail entry we will consume */
	uint16_t used_idx;		/**< our shadow of used->idx */
	uint16_t signalled_used;	/**< used idx at the last interrupt */
	bool signalled_valid;

	const struct vq_mem_ops *mem;
	void *opaque;
};

/** One descriptor chain: readable buffers first, then writable ones (§2.7.4.2). */
struct vq_chain {
	uint16_t head;			/**< id to hand back in vq_relchain() */
	unsigned int niov;		/**< buffers in iov[] */
	unsigned int nread;		/**< iov[0 .. nread) are device-readable, the rest writable */
	uint64_t read_len;		/**< bytes in the readable buffers */
	uint64_t write_len;		/**< bytes in the writable buffers */
};

/** Bytes of the descriptor table of a @p size-entry queue (§2.7). */
size_t vq_desc_bytes(uint16_t size);
/** Bytes of the driver area (avail ring incl. used_event) (§2.7). */
size_t vq_avail_bytes(uint16_t size);
/** Bytes of the device area (used ring incl. avail_event) (§2.7). */
size_t vq_used_bytes(uint16_t size);

/**
 * Map a queue's three areas and make it live.  Set vq->size, the three GPAs,
 * vq->mem/opaque and the feature flags first.
 * @return 0; -EINVAL if size is not a power of two in 1..VQ_MAX_SIZE or an area
 *         is misaligned; -EFAULT if an area is not wholly guest RAM
 */
int vq_setup(struct virtqueue *vq);

/**
 * Compute the GPAs of a legacy queue (§4.1.4.8: one contiguous area at
 * pfn * 4096, used ring aligned to 4096) and vq_setup() it.
 */
int vq_setup_legacy(struct virtqueue *vq, uint32_t pfn);

/** Forget everything (queue no longer live); keeps mem/opaque. */
void vq_reset(struct virtqueue *vq);

/**
 * Is there a chain the driver made available that we have not taken?
 * @return 1 yes, 0 no, -EPROTO if avail->idx moved by more than the queue size
 *         (the queue is then broken)
 */
int vq_has_descs(struct virtqueue *vq);

/**
 * Take the next available chain (§2.7.13): follow NEXT links and one level of
 * indirect table, map each buffer through the mem ops.
 * @param iov    receives up to @p niov buffers (host addresses, lengths)
 * @param chain  head id, buffer counts and byte totals
 * @return number of buffers (> 0); 0 if nothing is available; a negative errno
 *         if the chain is malformed (index out of range, loop/overlong chain,
 *         nested or malformed indirect table, zero length, address outside RAM
 *         or wrapping, writable before readable, more than @p niov buffers,
 *         avail idx jump): the queue is then broken and stays so until reset.
 *         With EVENT_IDX, avail_event is advanced to the new last_avail so the
 *         driver keeps notifying us.
 */
int vq_getchain(struct virtqueue *vq, struct iovec *iov, unsigned int niov,
		struct vq_chain *chain);

/** Give back the last @p n chains taken with vq_getchain() (not yet released). */
void vq_retchains(struct virtqueue *vq, uint16_t n);

/**
 * Put chain @p head into the used ring with @p len bytes written, and publish
 * the new used->idx (release ordering: the buffer contents and the used element
 * are visible before the index).
 */
void vq_relchain(struct virtqueue *vq, uint16_t head, uint32_t len);

/**
 * Should the driver be interrupted now for what was released since the last
 * interrupt (§2.7.7.2 / §2.7.10)?  EVENT_IDX: used_event crossed; otherwise
 * VRING_AVAIL_F_NO_INTERRUPT clear.  Records the index as signalled when true.
 */
bool vq_need_interrupt(struct virtqueue *vq);

/**
 * Ask the driver (not) to notify us of new buffers (§2.7.10): VRING_USED_F_NO_NOTIFY,
 * or with EVENT_IDX avail_event = last_avail.  Full barrier after the store so
 * a later vq_has_descs() sees buffers added before the driver read the flag.
 */
void vq_set_notify(struct virtqueue *vq, bool enable);

#endif /* DM_VIRTIO_VIRTQUEUE_H */

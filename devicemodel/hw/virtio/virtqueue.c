/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Split-virtqueue walker (Virtio 1.2 §2.7).  Everything in guest memory is
 * hostile and may change under our feet: each field is fetched once into a
 * local and checked before use, and every guest address goes through the
 * mem ops, which refuse anything that is not wholly guest RAM.
 */
#include <errno.h>
#include <string.h>

#include "virtio/virtqueue.h"

/* Offsets inside the driver area (avail) and the device area (used), §2.7.6/§2.7.8. */
#define VQ_AVAIL_FLAGS		0
#define VQ_AVAIL_IDX		1
#define VQ_AVAIL_RING		2	/* in uint16_t units */
#define VQ_USED_HDR		4	/* flags + idx, bytes */

static bool vq_is_pow2(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

size_t vq_desc_bytes(uint16_t size)
{
	return (size_t)size * sizeof(struct vring_desc);
}

size_t vq_avail_bytes(uint16_t size)
{
	return 6 + 2 * (size_t)size;	/* flags, idx, ring[size], used_event */
}

size_t vq_used_bytes(uint16_t size)
{
	return 6 + 8 * (size_t)size;	/* flags, idx, ring[size], avail_event */
}

/* §2.7: descriptor table 16-byte, driver area 2-byte, device area 4-byte aligned. */
int vq_setup(struct virtqueue *vq)
{
	void *d, *a, *u;

	vq->ready = false;
	if (!vq_is_pow2(vq->size) || vq->size > VQ_MAX_SIZE || vq->mem == NULL)
		return -EINVAL;
	if ((vq->desc_gpa & 15) != 0 || (vq->avail_gpa & 1) != 0 || (vq->used_gpa & 3) != 0)
		return -EINVAL;
	d = vq->mem->map(vq->opaque, vq->desc_gpa, vq_desc_bytes(vq->size));
	a = vq->mem->map(vq->opaque, vq->avail_gpa, vq_avail_bytes(vq->size));
	u = vq->mem->map(vq->opaque, vq->used_gpa, vq_used_bytes(vq->size));
	if (d == NULL || a == NULL || u == NULL)
		return -EFAULT;
	vq->desc = d;
	vq->avail = a;
	vq->used = u;
	vq->last_avail = 0;
	vq->used_idx = 0;
	vq->signalled_used = 0;
	vq->signalled_valid = false;
	vq->broken = false;
	vq->ready = true;
	return 0;
}

/* §4.1.4.8 / §2.7.2 legacy layout: desc, avail right after, used on the next 4 KiB. */
int vq_setup_legacy(struct virtqueue *vq, uint32_t pfn)
{
	uint64_t base = (uint64_t)pfn * VQ_LEGACY_ALIGN;
	uint64_t avail_end;

	vq->desc_gpa = base;
	vq->avail_gpa = base + vq_desc_bytes(vq->size);
	avail_end = vq->avail_gpa + vq_avail_bytes(vq->size);
	vq->used_gpa = (avail_end + VQ_LEGACY_ALIGN - 1) & ~(uint64_t)(VQ_LEGACY_ALIGN - 1);
	return vq_setup(vq);
}

void vq_reset(struct virtqueue *vq)
{
	const struct vq_mem_ops *mem = vq->mem;
	void *opaque = vq->opaque;

	memset(vq, 0, sizeof(*vq));
	vq->mem = mem;
	vq->opaque = opaque;
}

static uint16_t vq_avail_load(const struct virtqueue *vq, size_t i)
{
	return __atomic_load_n(&vq->avail[i], __ATOMIC_RELAXED);
}

/* §2.7.13.1: avail->idx only grows; more than a ring's worth ahead is a driver bug. */
int vq_has_descs(struct virtqueue *vq)
{
	uint16_t idx, n;

	if (!vq->ready || vq->broken)
		return 0;
	idx = __atomic_load_n(&vq->avail[VQ_AVAIL_IDX], __ATOMIC_ACQUIRE);
	n = (uint16_t)(idx - vq->last_avail);
	if (n > vq->size) {
		vq->broken = true;
		return -EPROTO;
	}
	return n != 0;
}

/* Walk state of one chain: which table we are in and what we have collected. */
struct vq_walk {
	const struct vring_desc *tbl;	/* host address of the current table */
	uint32_t tbl_n;			/* entries in it */
	bool in_indirect;
	unsigned int visited;
	bool seen_write;
};

/* Add one data descriptor to the chain; checks §2.7.5 rules and guest-RAM bounds. */
static int vq_take_buffer(struct virtqueue *vq, const struct vring_desc *d, struct iovec *iov,
			  unsigned int niov, struct vq_chain *c, struct vq_walk *w)
{
	bool wr = (d->flags & VRING_DESC_F_WRITE) != 0;
	void *p;

	if (d->len == 0)
		return -EINVAL;
	if (d->addr + d->len < d->addr)
		return -EFAULT;
	if (!wr && w->seen_write)
		return -EINVAL;	/* §2.7.4.2: device-readable before device-writable */
	if (c->niov >= niov)
		return -E2BIG;
	p = vq->mem->map(vq->opaque, d->addr, d->len);
	if (p == NULL)
		return -EFAULT;
	iov[c->niov].iov_base = p;
	iov[c->niov].iov_len = d->len;
	c->niov++;
	if (wr) {
		w->seen_write = true;
		c->write_len += d->len;
	} else {
		c->nread++;
		c->read_len += d->len;
	}
	return 0;
}

/* §2.7.5.3: one indirect table, never nested, never combined with NEXT. */
static int vq_enter_indirect(struct virtqueue *vq, const struct vring_desc *d, struct vq_walk *w)
{
	const void *t;

	if (!vq->indirect || w->in_indirect || (d->flags & VRING_DESC_F_NEXT) != 0)
		return -EINVAL;
	if (d->len == 0 || d->len % sizeof(struct vring_desc) != 0 ||
	    d->len / sizeof(struct vring_desc) > vq->size)
		return -EINVAL;
	if (d->addr + d->len < d->addr)
		return -EFAULT;
	t = vq->mem->map(vq->opaque, d->addr, d->len);
	if (t == NULL)
		return -EFAULT;
	w->tbl = t;
	w->tbl_n = d->len / sizeof(struct vring_desc);
	w->in_indirect = true;
	return 0;
}

/* §2.7.13 (device side of §2.7.13.2): follow one chain from its head. */
static int vq_walk_chain(struct virtqueue *vq, uint16_t head, struct iovec *iov, unsigned int niov,
			 struct vq_chain *c)
{
	struct vq_walk w = { .tbl = vq->desc, .tbl_n = vq->size };
	uint32_t idx = head;
	struct vring_desc d;
	int rc;

	for (;;) {
		/* Total descriptors in one chain are bounded by the queue size (§2.7.13.1):
		 * this catches loops in the ring and in an indirect table alike. */
		if (w.visited >= vq->size)
			return -ELOOP;
		memcpy(&d, &w.tbl[idx], sizeof(d));	/* fetched once */
		if ((d.flags & VRING_DESC_F_INDIRECT) != 0) {
			rc = vq_enter_indirect(vq, &d, &w);
			if (rc != 0)
				return rc;
			idx = 0;
			continue;
		}
		w.visited++;
		rc = vq_take_buffer(vq, &d, iov, niov, c, &w);
		if (rc != 0)
			return rc;
		if ((d.flags & VRING_DESC_F_NEXT) == 0)
			return (int)c->niov;
		if (d.next >= w.tbl_n)
			return -EINVAL;
		idx = d.next;
	}
}

int vq_getchain(struct virtqueue *vq, struct iovec *iov, unsigned int niov,
		struct vq_chain *chain)
{
	uint16_t head;
	int rc;

	memset(chain, 0, sizeof(*chain));
	if (!vq->ready)
		return 0;
	if (vq->broken)
		return -EIO;
	rc = vq_has_descs(vq);
	if (rc <= 0)
		return rc;
	/* vq_has_descs() loaded avail->idx with acquire: ring entries are visible. */
	head = vq_avail_load(vq, VQ_AVAIL_RING + (vq->last_avail & (vq->size - 1)));
	if (head >= vq->size) {
		vq->broken = true;
		return -EINVAL;
	}
	chain->head = head;
	rc = vq_walk_chain(vq, head, iov, niov, chain);
	if (rc < 0) {
		vq->broken = true;
		memset(chain, 0, sizeof(*chain));
		return rc;
	}
	vq->last_avail++;
	if (vq->event_idx) {
		/* §2.7.10: with EVENT_IDX the driver kicks only when its avail idx passes
		 * avail_event, so keep it at what we have consumed.  The full fence orders
		 * this store before our next load of avail->idx (the driver does the mirror
		 * image), so a buffer published meanwhile is either seen or kicked. */
		__atomic_store_n((uint16_t *)(vq->used + VQ_USED_HDR + 8 * (size_t)vq->size),
				 vq->last_avail, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
	return rc;
}

void vq_retchains(struct virtqueue *vq, uint16_t n)
{
	vq->last_avail = (uint16_t)(vq->last_avail - n);
}

/* §2.7.8 / §2.7.14: element first, then (release) the index the driver polls. */
void vq_relchain(struct virtqueue *vq, uint16_t head, uint32_t len)
{
	struct vring_used_elem e = { .id = head, .len = len };
	uint8_t *slot;

	if (!vq->ready)
		return;
	slot = vq->used + VQ_USED_HDR + sizeof(e) * (vq->used_idx & (vq->size - 1));
	memcpy(slot, &e, sizeof(e));
	vq->used_idx++;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n((uint16_t *)(vq->used + 2), vq->used_idx, __ATOMIC_RELEASE);
}

/* §2.7.10: does the driver want an interrupt for used entries up to used_idx? */
bool vq_need_interrupt(struct virtqueue *vq)
{
	uint16_t new_idx = vq->used_idx, old = vq->signalled_used;
	bool need;

	if (!vq->ready)
		return false;
	/* Our used->idx store must be globally visible before we read the driver's
	 * suppression state, or both sides may decide the other will act. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vq->signalled_valid && new_idx == old)
		return false;
	if (vq->event_idx) {
		uint16_t ev = vq_avail_load(vq, VQ_AVAIL_RING + vq->size);

		/* vring_need_event(): the driver asked to hear once used idx passes ev. */
		need = !vq->signalled_valid ||
		       (uint16_t)(new_idx - ev - 1) < (uint16_t)(new_idx - old);
	} else {
		need = (vq_avail_load(vq, VQ_AVAIL_FLAGS) & VRING_AVAIL_F_NO_INTERRUPT) == 0;
	}
	vq->signalled_used = new_idx;
	vq->signalled_valid = true;
	return need;
}

void vq_set_notify(struct virtqueue *vq, bool enable)
{
	if (!vq->ready)
		return;
	if (vq->event_idx) {
		if (enable)
			__atomic_store_n((uint16_t *)(vq->used + VQ_USED_HDR + 8 * (size_t)vq->size),
					 vq->last_avail, __ATOMIC_RELAXED);
	} else {
		__atomic_store_n((uint16_t *)vq->used, enable ? 0 : VRING_USED_F_NO_NOTIFY,
				 __ATOMIC_RELAXED);
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

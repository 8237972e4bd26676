/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the split-virtqueue walker (devicemodel/hw/virtio/
 * virtqueue.c) alone, against a 16 KiB fake guest memory that the input
 * fills and keeps rewriting between operations (a hostile, racing driver).
 *
 * Invariants checked on every step:
 *  - every iovec returned lies wholly inside guest memory and is non-empty;
 *  - a chain has at most queue-size buffers and at most the caller's capacity,
 *    readable ones first, and the byte totals add up;
 *  - the result (success and the exact buffers, or failure) agrees with an
 *    independent reference walker over the same memory;
 *  - once a chain is refused the queue stays broken and yields nothing;
 *  - with EVENT_IDX, avail_event equals the number of chains consumed;
 *  - used->idx in guest memory advances by exactly one per vq_relchain(),
 *    and the used element holds the id and length given;
 *  - no crash, no hang, no read outside the buffer (ASan).
 *
 * Input: header (queue size, features, ring offsets in 64-byte units, iov
 * capacity, image offset, image length), the memory image, then a command
 * stream: each command is one opcode byte and its operands.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "virtio/virtqueue.h"

#define MEM_SIZE	0x4000U
#define MAX_OUT		VQ_MAX_SIZE

static uint8_t *mem;

static void *f_map(void *opaque, uint64_t gpa, size_t len)
{
	if (len == 0 || gpa >= MEM_SIZE || len > MEM_SIZE - gpa)
		return NULL;
	return mem + gpa;
}

static const struct vq_mem_ops f_ops = { .map = f_map };

struct ref_buf {
	uint64_t addr;
	uint32_t len;
	bool write;
};

static bool ref_in_mem(uint64_t a, uint64_t l)
{
	return l != 0 && a < MEM_SIZE && l <= MEM_SIZE - a;
}

static void ref_desc(uint64_t at, uint64_t *addr, uint32_t *len, uint16_t *flags, uint16_t *next)
{
	memcpy(addr, mem + at, 8);
	memcpy(len, mem + at + 8, 4);
	memcpy(flags, mem + at + 12, 2);
	memcpy(next, mem + at + 14, 2);
}

/* Reference walk of the chain at @p head; the rules of Virtio 1.2 §2.7.5 as we enforce them. */
static int ref_walk(const struct virtqueue *vq, uint16_t head, unsigned int cap,
		    struct ref_buf *out, unsigned int *nout)
{
	uint64_t tbl = vq->desc_gpa;
	uint32_t entries = vq->size, i = head, data = 0;
	bool indirect_seen = false, wrote = false;

	*nout = 0;
	if (head >= vq->size)
		return -1;
	for (;;) {
		uint64_t addr;
		uint32_t len;
		uint16_t flags, next;

		if (data >= vq->size)
			return -1;
		ref_desc(tbl + 16ULL * i, &addr, &len, &flags, &next);
		if (flags & VRING_DESC_F_INDIRECT) {
			if (!vq->indirect || indirect_seen || (flags & VRING_DESC_F_NEXT))
				return -1;
			if (len == 0 || len % 16 || len / 16 > vq->size || !ref_in_mem(addr, len))
				return -1;
			indirect_seen = true;
			tbl = addr;
			entries = len / 16;
			i = 0;
			continue;
		}
		data++;
		if (!ref_in_mem(addr, len))
			return -1;
		if (!(flags & VRING_DESC_F_WRITE) && wrote)
			return -1;
		if (*nout >= cap)
			return -1;
		wrote |= (flags & VRING_DESC_F_WRITE) != 0;
		out[(*nout)++] = (struct ref_buf){ addr, len, (flags & VRING_DESC_F_WRITE) != 0 };
		if (!(flags & VRING_DESC_F_NEXT))
			return 0;
		if (next >= entries)
			return -1;
		i = next;
	}
}

struct input {
	const uint8_t *p;
	size_t n;
};

static bool take(struct input *in, void *dst, size_t len)
{
	if (in->n < len)
		return false;
	memcpy(dst, in->p, len);
	in->p += len;
	in->n -= len;
	return true;
}

static uint16_t mem16(uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, mem + gpa, 2);
	return v;
}

/* One vq_getchain() checked against the reference walker. */
static void check_getchain(struct virtqueue *vq, unsigned int cap, uint16_t *outstanding,
			   unsigned int *nout_q, bool *broken)
{
	struct iovec iov[MAX_OUT];
	struct ref_buf ref[MAX_OUT];
	unsigned int nref = 0;
	struct vq_chain c;
	uint16_t avail_idx = mem16(vq->avail_gpa + 2), last = vq->last_avail;
	uint16_t pending = (uint16_t)(avail_idx - last);
	int want, rc;

	/* The reference decision, computed before the walker runs. */
	if (*broken)
		want = -1;
	else if (pending > vq->size)
		want = -1;
	else if (pending == 0)
		want = 0;
	else
		want = ref_walk(vq, mem16(vq->avail_gpa + 4 + 2ULL * (last & (vq->size - 1))), cap,
				ref, &nref) == 0 ? 1 : -1;

	rc = vq_getchain(vq, iov, cap, &c);
	if (want == 0) {
		if (rc != 0)
			abort();
		return;
	}
	if (want < 0) {
		if (rc >= 0 || !vq->broken)
			abort();
		*broken = true;
		return;
	}
	if (rc <= 0 || (unsigned int)rc != nref || c.niov != nref || nref > vq->size || nref > cap)
		abort();
	if (c.head >= vq->size || vq->last_avail != (uint16_t)(last + 1))
		abort();
	/* EVENT_IDX: avail_event tracks what was consumed. */
	if (vq->event_idx && mem16(vq->used_gpa + 4 + 8ULL * vq->size) != vq->last_avail)
		abort();
	uint64_t rl = 0, wl = 0;

	for (unsigned int i = 0; i < c.niov; i++) {
		uint8_t *b = iov[i].iov_base;

		if (b < mem || iov[i].iov_len == 0 || b + iov[i].iov_len > mem + MEM_SIZE)
			abort();
		if (b != mem + ref[i].addr || iov[i].iov_len != ref[i].len)
			abort();
		if ((i >= c.nread) != ref[i].write)
			abort();
		if (i < c.nread)
			rl += iov[i].iov_len;
		else
			wl += iov[i].iov_len;
	}
	if (rl != c.read_len || wl != c.write_len)
		abort();
	if (*nout_q < MAX_OUT)
		outstanding[(*nout_q)++] = c.head;
}

/* vq_relchain(): used->idx moves by exactly one and the element is what we gave. */
static void check_relchain(struct virtqueue *vq, uint16_t id, uint32_t len)
{
	uint16_t before = vq->used_idx;
	uint32_t e[2];
	uint64_t slot = vq->used_gpa + 4 + 8ULL * (before & (vq->size - 1));

	vq_relchain(vq, id, len);
	if (vq->used_idx != (uint16_t)(before + 1) || mem16(vq->used_gpa + 2) != vq->used_idx)
		abort();
	memcpy(e, mem + slot, 8);
	if (e[0] != id || e[1] != len)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct virtqueue vq;
	uint8_t hdr[10];
	uint16_t imglen;
	uint16_t outstanding[MAX_OUT];
	unsigned int nout = 0, cap, steps = 0;
	bool broken = false;
	uint16_t fill;

	if (!take(&in, hdr, sizeof(hdr)))
		return 0;
	mem = calloc(1, MEM_SIZE);
	if (mem == NULL)
		return 0;
	memset(&vq, 0, sizeof(vq));
	vq.mem = &f_ops;
	vq.size = (uint16_t)(1U << (hdr[0] % 10));	/* 1 .. 512: 512 must be refused */
	if (hdr[0] & 0x80)
		vq.size = (uint16_t)(vq.size + 1);	/* not a power of two (or 2 for size 1) */
	vq.indirect = hdr[1] & 1;
	vq.event_idx = hdr[1] & 2;
	vq.desc_gpa = ((uint64_t)hdr[2] << 6) | (hdr[1] & 0x08);
	vq.avail_gpa = ((uint64_t)hdr[3] << 6) | (hdr[1] & 0x10) >> 4;
	vq.used_gpa = ((uint64_t)hdr[4] << 6) | (hdr[1] & 0x20) >> 4;
	cap = 1 + hdr[5] % MAX_OUT;
	memcpy(&fill, &hdr[6], 2);
	memcpy(&imglen, &hdr[8], 2);

	/* Initial memory: an image from the input at an offset; the rest is commands. */
	fill %= MEM_SIZE;
	if (imglen > in.n)
		imglen = (uint16_t)in.n;
	if (imglen > MEM_SIZE - fill)
		imglen = (uint16_t)(MEM_SIZE - fill);
	take(&in, mem + fill, imglen);

	if (vq_setup(&vq) != 0) {
		bool pow2 = vq.size != 0 && (vq.size & (vq.size - 1)) == 0;

		/* Refused only for a bad size, misalignment, or rings outside memory. */
		if (pow2 && vq.size <= VQ_MAX_SIZE && (vq.desc_gpa & 15) == 0 &&
		    (vq.avail_gpa & 1) == 0 && (vq.used_gpa & 3) == 0 &&
		    vq.desc_gpa + vq_desc_bytes(vq.size) <= MEM_SIZE &&
		    vq.avail_gpa + vq_avail_bytes(vq.size) <= MEM_SIZE &&
		    vq.used_gpa + vq_used_bytes(vq.size) <= MEM_SIZE)
			abort();
		free(mem);
		return 0;
	}

	while (in.n > 0 && steps++ < 4096) {
		uint8_t op;
		uint16_t a, b;
		uint32_t l;

		take(&in, &op, 1);
		switch (op % 7) {
		case 0:
			check_getchain(&vq, cap, outstanding, &nout, &broken);
			break;
		case 1:	/* release the oldest outstanding chain */
			if (nout > 0 && take(&in, &l, 4)) {
				check_relchain(&vq, outstanding[0], l);
				memmove(outstanding, outstanding + 1, --nout * sizeof(outstanding[0]));
			}
			break;
		case 2:	/* the driver scribbles on memory (rings, descriptors, buffers) */
			if (take(&in, &a, 2) && take(&in, &b, 2))
				memcpy(mem + (a % (MEM_SIZE - 2)), &b, 2);
			break;
		case 3:	/* the driver publishes more: avail->idx += k */
			if (take(&in, &a, 2)) {
				uint16_t idx = (uint16_t)(mem16(vq.avail_gpa + 2) + (a % 8));

				memcpy(mem + vq.avail_gpa + 2, &idx, 2);
			}
			break;
		case 4:
			(void)vq_need_interrupt(&vq);
			break;
		case 5:
			vq_set_notify(&vq, op & 0x80);
			break;
		case 6: {	/* vq_has_descs agrees with the avail distance */
			uint16_t pend = (uint16_t)(mem16(vq.avail_gpa + 2) - vq.last_avail);
			int r = vq_has_descs(&vq);

			if (broken) {
				if (r != 0)
					abort();
			} else if (pend > vq.size) {
				if (r != -EPROTO || !vq.broken)
					abort();
				broken = true;
			} else if (r != (pend != 0)) {
				abort();
			}
			break;
		}
		}
		if (broken && !vq.broken)
			abort();
	}
	free(mem);
	return 0;
}

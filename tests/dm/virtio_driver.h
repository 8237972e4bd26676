/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A minimal virtio guest driver for the tests/dm virtio suites: it finds the
 * BARs, negotiates features over the legacy or the modern interface, lays out
 * split rings in fake guest memory, posts chains, kicks through the notify
 * register and reads the used ring back — all through vmm_test requests and
 * vmm_test_gpa_read/write, exactly what a guest can do.
 */
#ifndef TESTS_DM_VIRTIO_DRIVER_H
#define TESTS_DM_VIRTIO_DRIVER_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <time.h>

#include "dmtest.h"
#include "pci_core.h"
#include "virtio/virtio_core.h"

#define VD_QBASE	0x100000ULL	/* queue qi at VD_QBASE + qi * VD_QSTRIDE */
#define VD_QSTRIDE	0x10000ULL
#define VD_DATA		0x400000ULL	/* tests put buffers from here on */

struct vd_queue {
	uint64_t desc, avail, used;
	uint16_t size;
	uint16_t avail_idx;
	uint16_t used_seen;
	uint16_t next_desc;
};

struct vdrv {
	struct vmctx *ctx;
	int slot;
	bool legacy;
	uint32_t io;		/* legacy I/O BAR */
	uint64_t mem;		/* modern BAR */
	uint32_t notify_io;	/* the first notify structure's I/O port if it is in an I/O BAR, else 0 */
	bool mmio_notify;	/* kick through the memory BAR's notify even so */
	uint64_t msix;		/* MSI-X table BAR */
	int msix_cap;
	bool msix_on;
	struct vd_queue q[VIRTIO_MAX_QUEUES];
};

/* One buffer of a chain to post. */
struct vd_buf {
	uint64_t gpa;
	uint32_t len;
	bool write;		/* device-writable */
};

static inline uint32_t vd_cfg_r(struct vdrv *d, int reg, int size)
{
	uint32_t v = 0;

	assert_int_equal(vmm_test_pcicfg(d->ctx, ACRN_IOREQ_DIR_READ, 0, (uint32_t)d->slot, 0,
					 (uint32_t)reg, size, &v), 0);
	return v;
}

static inline void vd_cfg_w(struct vdrv *d, int reg, int size, uint32_t v)
{
	assert_int_equal(vmm_test_pcicfg(d->ctx, ACRN_IOREQ_DIR_WRITE, 0, (uint32_t)d->slot, 0,
					 (uint32_t)reg, size, &v), 0);
}

static inline uint64_t vd_mmio_r(struct vdrv *d, uint64_t addr, int size)
{
	uint64_t v = 0;

	assert_int_equal(vmm_test_mmio(d->ctx, ACRN_IOREQ_DIR_READ, addr, size, &v), 0);
	return v;
}

static inline void vd_mmio_w(struct vdrv *d, uint64_t addr, int size, uint64_t v)
{
	assert_int_equal(vmm_test_mmio(d->ctx, ACRN_IOREQ_DIR_WRITE, addr, size, &v), 0);
}

static inline uint64_t vd_pio_r(struct vdrv *d, uint32_t port, int size)
{
	uint64_t v = 0;

	assert_int_equal(vmm_test_pio(d->ctx, ACRN_IOREQ_DIR_READ, port, size, &v), 0);
	return v;
}

static inline void vd_pio_w(struct vdrv *d, uint32_t port, int size, uint64_t v)
{
	assert_int_equal(vmm_test_pio(d->ctx, ACRN_IOREQ_DIR_WRITE, port, size, &v), 0);
}

/* Common configuration register (modern) or the legacy equivalent. */
static inline uint64_t vd_common_r(struct vdrv *d, uint64_t off, int size)
{
	return vd_mmio_r(d, d->mem + VIRTIO_MODERN_COMMON + off, size);
}

static inline void vd_common_w(struct vdrv *d, uint64_t off, int size, uint64_t v)
{
	vd_mmio_w(d, d->mem + VIRTIO_MODERN_COMMON + off, size, v);
}

static inline uint8_t vd_status(struct vdrv *d)
{
	return d->legacy ? (uint8_t)vd_pio_r(d, d->io + VIRTIO_LEG_STATUS, 1) :
			   (uint8_t)vd_common_r(d, VIRTIO_PCI_STATUS, 1);
}

static inline void vd_set_status(struct vdrv *d, uint8_t s)
{
	if (d->legacy)
		vd_pio_w(d, d->io + VIRTIO_LEG_STATUS, 1, s);
	else
		vd_common_w(d, VIRTIO_PCI_STATUS, 1, s);
}

static inline uint8_t vd_isr(struct vdrv *d)
{
	return d->legacy ? (uint8_t)vd_pio_r(d, d->io + VIRTIO_LEG_ISR, 1) :
			   (uint8_t)vd_mmio_r(d, d->mem + VIRTIO_MODERN_ISR, 1);
}

/* Device-specific configuration. */
static inline uint64_t vd_devcfg_r(struct vdrv *d, uint32_t off, int size)
{
	if (d->legacy)
		return vd_pio_r(d, d->io + (d->msix_on ? VIRTIO_LEG_CFG_MSIX : VIRTIO_LEG_CFG_NOMSIX) +
				off, size);
	return vd_mmio_r(d, d->mem + VIRTIO_MODERN_DEVICE + off, size);
}

static inline int vd_find_cap(struct vdrv *d, uint8_t id)
{
	int off = (int)vd_cfg_r(d, PCIR_CAP_PTR, 1), steps = 0;

	while (off != 0 && steps++ < 48) {
		if (vd_cfg_r(d, off, 1) == id)
			return off;
		off = (int)vd_cfg_r(d, off + 1, 1);
	}
	return 0;
}

/* Locate the BARs, enable bus mastering; reset the device. */
static inline void vd_open(struct vdrv *d, struct vmctx *ctx, int slot, bool legacy)
{
	memset(d, 0, sizeof(*d));
	d->ctx = ctx;
	d->slot = slot;
	d->legacy = legacy;
	d->io = vd_cfg_r(d, PCIR_BAR0 + 4 * VIRTIO_BAR_LEGACY, 4) & ~3U;
	d->mem = vd_cfg_r(d, PCIR_BAR0 + 4 * VIRTIO_BAR_MODERN, 4) & ~0xfU;
	d->msix = vd_cfg_r(d, PCIR_BAR0 + 4 * VIRTIO_BAR_MSIX, 4) & ~0xfU;
	d->msix_cap = vd_find_cap(d, PCIY_MSIX);
	/* As Linux does: the first notify structure (§4.1.4.4) whose BAR is implemented. */
	for (int off = vd_find_cap(d, 0x09), steps = 0; off != 0 && steps++ < 48;
	     off = (int)vd_cfg_r(d, off + 1, 1)) {
		uint32_t bar;

		if (vd_cfg_r(d, off, 1) != 0x09 || vd_cfg_r(d, off + 3, 1) != VIRTIO_PCI_CAP_NOTIFY)
			continue;
		bar = vd_cfg_r(d, PCIR_BAR0 + 4 * (int)vd_cfg_r(d, off + 4, 1), 4);
		if (bar == 0)
			continue;
		if (bar & 1)
			d->notify_io = (bar & ~3U) + vd_cfg_r(d, off + 8, 4);
		break;
	}
	vd_cfg_w(d, PCIR_COMMAND, 2, vd_cfg_r(d, PCIR_COMMAND, 2) | PCIM_CMD_BUSMASTER);
	vd_set_status(d, 0);
}

/* Program MSI-X vector i as data 0x40 + i and enable MSI-X. */
static inline void vd_enable_msix(struct vdrv *d, int nvec)
{
	for (int i = 0; i < nvec; i++) {
		vd_mmio_w(d, d->msix + 16 * (uint64_t)i, 4, 0xfee00000);
		vd_mmio_w(d, d->msix + 16 * (uint64_t)i + 4, 4, 0);
		vd_mmio_w(d, d->msix + 16 * (uint64_t)i + 8, 4, 0x40 + (uint32_t)i);
		vd_mmio_w(d, d->msix + 16 * (uint64_t)i + 12, 4, 0);
	}
	vd_cfg_w(d, d->msix_cap + 2, 2, 0x8000);
	d->msix_on = true;
}

/* Offered features (64 bits modern, 32 legacy). */
static inline uint64_t vd_dev_features(struct vdrv *d)
{
	if (d->legacy)
		return vd_pio_r(d, d->io + VIRTIO_LEG_HOST_FEATURES, 4);
	vd_common_w(d, VIRTIO_PCI_DFSELECT, 4, 0);
	uint64_t lo = vd_common_r(d, VIRTIO_PCI_DF, 4);
	vd_common_w(d, VIRTIO_PCI_DFSELECT, 4, 1);
	return lo | (vd_common_r(d, VIRTIO_PCI_DF, 4) << 32);
}

/* §3.1.1 steps 1-6; returns the status read back after FEATURES_OK. */
static inline uint8_t vd_negotiate(struct vdrv *d, uint64_t want)
{
	uint64_t f;

	vd_set_status(d, 0);
	vd_set_status(d, VIRTIO_S_ACKNOWLEDGE);
	vd_set_status(d, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER);
	f = vd_dev_features(d) & want;
	if (d->legacy) {
		vd_pio_w(d, d->io + VIRTIO_LEG_GUEST_FEATURES, 4, (uint32_t)f);
		return vd_status(d);
	}
	vd_common_w(d, VIRTIO_PCI_GFSELECT, 4, 0);
	vd_common_w(d, VIRTIO_PCI_GF, 4, (uint32_t)f);
	vd_common_w(d, VIRTIO_PCI_GFSELECT, 4, 1);
	vd_common_w(d, VIRTIO_PCI_GF, 4, f >> 32);
	vd_set_status(d, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK);
	return vd_status(d);
}

/* Lay out queue qi (legacy layout, which also satisfies modern alignment) and enable it. */
static inline void vd_setup_queue(struct vdrv *d, int qi, uint16_t size, uint16_t vector)
{
	struct vd_queue *q = &d->q[qi];
	uint64_t base = VD_QBASE + VD_QSTRIDE * (uint64_t)qi;
	static const uint8_t zero[VD_QSTRIDE];

	memset(q, 0, sizeof(*q));
	assert_int_equal(vmm_test_gpa_write(d->ctx, base, zero, sizeof(zero)), 0);
	if (d->legacy) {
		vd_pio_w(d, d->io + VIRTIO_LEG_QUEUE_SEL, 2, (uint64_t)qi);
		size = (uint16_t)vd_pio_r(d, d->io + VIRTIO_LEG_QUEUE_SIZE, 2);
	}
	q->size = size;
	q->desc = base;
	q->avail = base + 16ULL * size;
	q->used = (q->avail + 6 + 2ULL * size + 4095) & ~4095ULL;
	if (d->legacy) {
		if (d->msix_on)
			vd_pio_w(d, d->io + VIRTIO_LEG_MSIX_QUEUE, 2, vector);
		vd_pio_w(d, d->io + VIRTIO_LEG_QUEUE_PFN, 4, base >> 12);
		return;
	}
	vd_common_w(d, VIRTIO_PCI_Q_SELECT, 2, (uint64_t)qi);
	vd_common_w(d, VIRTIO_PCI_Q_SIZE, 2, size);
	vd_common_w(d, VIRTIO_PCI_Q_MSIX, 2, vector);
	vd_common_w(d, VIRTIO_PCI_Q_DESC, 4, (uint32_t)q->desc);
	vd_common_w(d, VIRTIO_PCI_Q_DESC + 4, 4, q->desc >> 32);
	vd_common_w(d, VIRTIO_PCI_Q_AVAIL, 8, q->avail);
	vd_common_w(d, VIRTIO_PCI_Q_USED, 8, q->used);
	vd_common_w(d, VIRTIO_PCI_Q_ENABLE, 2, 1);
}

static inline void vd_driver_ok(struct vdrv *d)
{
	vd_set_status(d, (uint8_t)(vd_status(d) | VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER |
				   VIRTIO_S_DRIVER_OK));
}

static inline void vd_put16(struct vdrv *d, uint64_t gpa, uint16_t v)
{
	assert_int_equal(vmm_test_gpa_write(d->ctx, gpa, &v, 2), 0);
}

static inline uint16_t vd_get16(struct vdrv *d, uint64_t gpa)
{
	uint16_t v;

	assert_int_equal(vmm_test_gpa_read(d->ctx, gpa, &v, 2), 0);
	return v;
}

/* Write one raw descriptor. */
static inline void vd_put_desc(struct vdrv *d, uint64_t table, uint16_t i, uint64_t addr,
			       uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t raw[16];

	memcpy(raw, &addr, 8);
	memcpy(raw + 8, &len, 4);
	memcpy(raw + 12, &flags, 2);
	memcpy(raw + 14, &next, 2);
	assert_int_equal(vmm_test_gpa_write(d->ctx, table + 16ULL * i, raw, 16), 0);
}

/* Make descriptor @p head available (no kick). */
static inline void vd_publish(struct vdrv *d, int qi, uint16_t head)
{
	struct vd_queue *q = &d->q[qi];

	vd_put16(d, q->avail + 4 + 2ULL * (q->avail_idx % q->size), head);
	q->avail_idx++;
	vd_put16(d, q->avail + 2, q->avail_idx);
}

/* Post a chain of @p n buffers (descriptors taken round-robin); returns the head. */
static inline uint16_t vd_post(struct vdrv *d, int qi, const struct vd_buf *b, int n)
{
	struct vd_queue *q = &d->q[qi];
	uint16_t head = q->next_desc;

	for (int i = 0; i < n; i++) {
		uint16_t me = (uint16_t)((head + i) % q->size);
		uint16_t nx = (uint16_t)((head + i + 1) % q->size);

		vd_put_desc(d, q->desc, me, b[i].gpa, b[i].len,
			    (uint16_t)((i + 1 < n ? VRING_DESC_F_NEXT : 0) |
				       (b[i].write ? VRING_DESC_F_WRITE : 0)), nx);
	}
	q->next_desc = (uint16_t)((head + n) % q->size);
	vd_publish(d, qi, head);
	return head;
}

static inline void vd_kick(struct vdrv *d, int qi)
{
	if (d->legacy)
		vd_pio_w(d, d->io + VIRTIO_LEG_QUEUE_NOTIFY, 2, (uint64_t)qi);
	else if (d->notify_io != 0 && !d->mmio_notify)
		vd_pio_w(d, d->notify_io + VIRTIO_NOTIFY_MULT * (uint32_t)qi, 2, (uint64_t)qi);
	else
		vd_mmio_w(d, d->mem + VIRTIO_MODERN_NOTIFY + VIRTIO_NOTIFY_MULT * (uint64_t)qi, 2,
			  (uint64_t)qi);
}

/* Number of used entries the device has published on queue qi. */
static inline uint16_t vd_used_idx(struct vdrv *d, int qi)
{
	return vd_get16(d, d->q[qi].used + 2);
}

/*
 * Wait (up to @p ms) for the next used element of queue qi.
 * @return 0 with *id and *len filled, -1 on timeout
 */
static inline int vd_wait_used(struct vdrv *d, int qi, uint32_t *id, uint32_t *len, int ms)
{
	struct vd_queue *q = &d->q[qi];
	struct timespec ts = { 0, 1000000 };
	uint32_t e[2];

	for (int i = 0; i <= ms; i++) {
		if (vd_used_idx(d, qi) != q->used_seen) {
			assert_int_equal(vmm_test_gpa_read(d->ctx, q->used + 4 +
							   8ULL * (q->used_seen % q->size), e, 8), 0);
			q->used_seen++;
			if (id != NULL)
				*id = e[0];
			if (len != NULL)
				*len = e[1];
			return 0;
		}
		nanosleep(&ts, NULL);
	}
	return -1;
}

/* MSIs recorded with data @p data since index @p from. */
static inline int vd_msi_count(struct vmctx *ctx, size_t from, uint32_t data)
{
	struct vmm_test_state *st = vmm_test_get(ctx);
	int n = 0;

	for (size_t i = from; i < st->nmsi && i < VMM_TEST_MSIS; i++)
		if (st->msi[i].msi_data == data)
			n++;
	return n;
}

/* Full bring-up: negotiate, MSI-X (config 0, queue i -> vector i + 1), queues, DRIVER_OK. */
static inline void vd_bringup(struct vdrv *d, uint64_t want, int nq, uint16_t qsize)
{
	uint8_t st;

	vd_enable_msix(d, nq + 1);
	st = vd_negotiate(d, want);
	if (!d->legacy)
		assert_true(st & VIRTIO_S_FEATURES_OK);
	if (d->legacy)
		vd_pio_w(d, d->io + VIRTIO_LEG_MSIX_CONFIG, 2, 0);
	else
		vd_common_w(d, VIRTIO_PCI_MSIX_CONFIG, 2, 0);
	for (int i = 0; i < nq; i++)
		vd_setup_queue(d, i, qsize, (uint16_t)(i + 1));
	vd_driver_ok(d);
	assert_int_equal(vd_status(d) & (VIRTIO_S_DRIVER_OK | VIRTIO_S_NEEDS_RESET),
			 VIRTIO_S_DRIVER_OK);
}

#endif /* TESTS_DM_VIRTIO_DRIVER_H */

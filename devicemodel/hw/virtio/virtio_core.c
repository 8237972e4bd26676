/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtio over PCI (Virtio 1.2 §4.1), legacy and modern interfaces.
 *
 * BAR 0 (I/O): the legacy register block (§4.1.4.8) followed by the device
 * configuration.  BAR 1: MSI-X table and PBA (PCI core).  BAR 2 (MEM32): the
 * modern structures at fixed offsets, announced by vendor capabilities
 * (§4.1.4): common 0x0000, ISR 0x1000, device 0x2000, notify 0x3000.  BAR 3
 * (I/O): the notify registers once more, announced first (virtio_core.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/acrn.h>

#include "guest_mem.h"
#include "io_dispatch.h"
#include "pci_core.h"
#include "vmctx.h"
#include "virtio/virtio_core.h"

#define DM_LOG_PREFIX "virtio: "
#include "dm_log.h"

#define VIRTIO_RING_FEATURES	((1ULL << VIRTIO_RING_F_INDIRECT_DESC) | \
				 (1ULL << VIRTIO_RING_F_EVENT_IDX))

static void *virtio_map(void *opaque, uint64_t gpa, size_t len)
{
	return vm_map_gpa(opaque, gpa, len);
}

static const struct vq_mem_ops virtio_mem_ops = { .map = virtio_map };

bool virtio_has_feature(const struct virtio_dev *vs, unsigned int bit)
{
	return bit < 64 && (vs->drv_features >> bit) & 1;
}

bool virtio_dev_running(const struct virtio_dev *vs)
{
	return (vs->status & (VIRTIO_S_DRIVER_OK | VIRTIO_S_NEEDS_RESET)) == VIRTIO_S_DRIVER_OK;
}

/* Copy between a flat buffer and an iovec list, skipping skip bytes of the list first. */
static size_t iov_copy(const struct iovec *iov, unsigned int n, size_t skip, uint8_t *buf,
		       size_t len, bool to_iov)
{
	size_t done = 0;

	for (unsigned int i = 0; i < n && done < len; i++) {
		size_t l = iov[i].iov_len, c;
		uint8_t *seg = iov[i].iov_base;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		c = l - skip < len - done ? l - skip : len - done;
		if (to_iov)
			memcpy(seg + skip, buf + done, c);
		else
			memcpy(buf + done, seg + skip, c);
		done += c;
		skip = 0;
	}
	return done;
}

size_t virtio_iov_to_buf(const struct iovec *iov, unsigned int n, size_t skip, void *buf,
			 size_t len)
{
	return iov_copy(iov, n, skip, buf, len, false);
}

size_t virtio_buf_to_iov(const struct iovec *iov, unsigned int n, size_t skip, const void *buf,
			 size_t len)
{
	/* iov_copy only reads buf in this direction. */
	return iov_copy(iov, n, skip, (uint8_t *)(uintptr_t)buf, len, true);
}

/* --- interrupts (§4.1.4.5 ISR, §4.1.5.1.2 MSI-X vectors) --- */

static void virtio_send(struct virtio_dev *vs, uint16_t vector, uint8_t isr_bit)
{
	if (pci_msix_enabled(vs->pdev)) {
		if (vector != VIRTIO_NO_VECTOR)
			pci_generate_msix(vs->pdev, vector);
		return;
	}
	vs->isr |= isr_bit;
	pci_lintr_assert(vs->pdev);
}

void virtio_queue_interrupt(struct virtio_dev *vs, unsigned int q)
{
	if (q >= vs->ops->nqueues || !vs->q[q].vq.ready)
		return;
	if (vq_need_interrupt(&vs->q[q].vq))
		virtio_send(vs, vs->q[q].msix, VIRTIO_ISR_QUEUE);
}

void virtio_relchain(struct virtio_dev *vs, unsigned int q, uint16_t head, uint32_t len)
{
	if (q >= vs->ops->nqueues)
		return;
	vq_relchain(&vs->q[q].vq, head, len);
	virtio_queue_interrupt(vs, q);
}

int virtio_notify_ioeventfd_assign(struct virtio_dev *vs, unsigned int qi, int fd,
				   struct virtio_notify_fd *nf)
{
	struct acrn_ioeventfd want[VIRTIO_NOTIFY_ADDRS];
	unsigned int n = 0;
	int rc = 0;

	memset(want, 0, sizeof(want));
	nf->n = 0;
	if (virtio_has_feature(vs, VIRTIO_F_VERSION_1)) {
		/* §4.1.4.4: notify base + queue_notify_off (= index) * multiplier; any value. */
		want[n].flags = ACRN_IOEVENTFD_FLAG_PIO;
		want[n++].addr = vs->pdev->bar[VIRTIO_BAR_NOTIFY_PIO].addr +
				 (uint64_t)qi * VIRTIO_NOTIFY_MULT;
		want[n++].addr = vs->pdev->bar[VIRTIO_BAR_MODERN].addr + VIRTIO_MODERN_NOTIFY +
				 (uint64_t)qi * VIRTIO_NOTIFY_MULT;
	} else {
		/* §4.1.4.8: one register for all queues, the value is the index. */
		want[n].flags = ACRN_IOEVENTFD_FLAG_PIO | ACRN_IOEVENTFD_FLAG_DATAMATCH;
		want[n].addr = vs->pdev->bar[VIRTIO_BAR_LEGACY].addr + VIRTIO_LEG_QUEUE_NOTIFY;
		want[n++].data = qi;
	}
	for (unsigned int i = 0; i < n && rc == 0; i++) {
		want[i].fd = (uint32_t)fd;
		want[i].len = 2;
		rc = vs->ctx->vmm->ioeventfd(vs->ctx, &want[i]);
		if (rc == 0)
			nf->io[nf->n++] = want[i];
	}
	if (rc != 0)
		(void)virtio_notify_ioeventfd_deassign(vs, nf);
	return rc;
}

int virtio_notify_ioeventfd_deassign(struct virtio_dev *vs, struct virtio_notify_fd *nf)
{
	int rc = 0;

	for (unsigned int i = 0; i < nf->n; i++) {
		int r;

		nf->io[i].flags |= ACRN_IOEVENTFD_FLAG_DEASSIGN;
		r = vs->ctx->vmm->ioeventfd(vs->ctx, &nf->io[i]);
		if (rc == 0)
			rc = r;
	}
	nf->n = 0;
	return rc;
}

void virtio_config_changed(struct virtio_dev *vs)
{
	vs->cfg_gen++;
	if (vs->status & VIRTIO_S_DRIVER_OK)
		virtio_send(vs, vs->msix_config, VIRTIO_ISR_CONFIG);
}

/* §2.1.2: the device signals an unrecoverable error with NEEDS_RESET. */
void virtio_dev_fail(struct virtio_dev *vs, const char *why)
{
	if (vs->status & VIRTIO_S_NEEDS_RESET)
		return;
	vs->status |= VIRTIO_S_NEEDS_RESET;
	for (unsigned int i = 0; i < vs->ops->nqueues; i++)
		vs->q[i].vq.broken = true;
	if (!vs->error_logged) {
		pr_warn("%s at %u:%u: %s; device needs reset", vs->ops->name, vs->pdev->slot,
			vs->pdev->func, why);
		vs->error_logged = true;
	}
	vs->cfg_gen++;
	if (vs->status & VIRTIO_S_DRIVER_OK)
		virtio_send(vs, vs->msix_config, VIRTIO_ISR_CONFIG);
}

int virtio_getchain(struct virtio_dev *vs, unsigned int q, struct iovec *iov, unsigned int niov,
		    struct vq_chain *chain)
{
	char why[64];
	int rc;

	if (q >= vs->ops->nqueues || !virtio_dev_running(vs)) {
		memset(chain, 0, sizeof(*chain));
		return 0;
	}
	rc = vq_getchain(&vs->q[q].vq, iov, niov, chain);
	if (rc < 0) {
		snprintf(why, sizeof(why), "malformed chain on queue %u (%s)", q, strerror(-rc));
		virtio_dev_fail(vs, why);
	}
	return rc;
}

/* --- reset (§2.4, §4.1.4.3.2: writing 0 to device_status) --- */

static void virtio_reset_locked(struct virtio_dev *vs)
{
	if (vs->ops->reset != NULL)
		vs->ops->reset(vs);
	for (unsigned int i = 0; i < VIRTIO_MAX_QUEUES; i++) {
		struct virtio_queue *q = &vs->q[i];

		vq_reset(&q->vq);
		q->size = vs->ops->qsize;
		q->msix = VIRTIO_NO_VECTOR;
		q->enabled = false;
		q->pfn = 0;
	}
	vs->drv_features = 0;
	vs->dfsel = vs->gfsel = 0;
	vs->status = 0;
	vs->qsel = 0;
	vs->msix_config = VIRTIO_NO_VECTOR;
	vs->error_logged = false;
	if (vs->isr != 0) {
		vs->isr = 0;
		pci_lintr_deassert(vs->pdev);
	}
}

void virtio_pci_reset(struct vmctx *ctx, struct pci_vdev *dev)
{
	struct virtio_dev *vs = dev->arg;

	pthread_mutex_lock(&vs->mtx);
	virtio_reset_locked(vs);
	pthread_mutex_unlock(&vs->mtx);
}

/* Bring a queue live with the negotiated ring features; failure means NEEDS_RESET. */
static void virtio_queue_start(struct virtio_dev *vs, unsigned int qi, bool legacy)
{
	struct virtio_queue *q = &vs->q[qi];
	int rc;

	q->vq.size = q->size;
	q->vq.event_idx = virtio_has_feature(vs, VIRTIO_RING_F_EVENT_IDX);
	q->vq.indirect = virtio_has_feature(vs, VIRTIO_RING_F_INDIRECT_DESC);
	rc = legacy ? vq_setup_legacy(&q->vq, q->pfn) : vq_setup(&q->vq);
	if (rc != 0) {
		char why[64];

		snprintf(why, sizeof(why), "queue %u rings not in guest RAM or misaligned", qi);
		q->enabled = false;
		virtio_dev_fail(vs, why);
		return;
	}
	q->enabled = true;
}

/* §2.1 / §3.1.1: the driver may only add bits; 0 resets; FEATURES_OK is checked. */
static void virtio_set_status(struct virtio_dev *vs, uint8_t val, bool legacy)
{
	uint8_t old = vs->status;

	if (val == 0) {
		virtio_reset_locked(vs);
		return;
	}
	val &= (uint8_t)~VIRTIO_S_NEEDS_RESET;
	if ((val & VIRTIO_S_FEATURES_OK) && !(old & VIRTIO_S_FEATURES_OK)) {
		uint64_t f = vs->drv_features;
		bool ok = (f & ~vs->dev_features) == 0;

		/* The modern interface only works with VIRTIO_F_VERSION_1 (§6.1). */
		if (!legacy && !(f & (1ULL << VIRTIO_F_VERSION_1)))
			ok = false;
		if (ok && vs->ops->features_ok != NULL)
			ok = vs->ops->features_ok(vs, f);
		if (!ok)
			val &= (uint8_t)~VIRTIO_S_FEATURES_OK;
	}
	vs->status = (uint8_t)(old | val);
	if ((vs->status & VIRTIO_S_DRIVER_OK) && !(old & VIRTIO_S_DRIVER_OK)) {
		for (unsigned int i = 0; i < vs->ops->nqueues; i++) {
			vs->q[i].vq.event_idx = virtio_has_feature(vs, VIRTIO_RING_F_EVENT_IDX);
			vs->q[i].vq.indirect = virtio_has_feature(vs, VIRTIO_RING_F_INDIRECT_DESC);
		}
		if (vs->ops->driver_ok != NULL && !(vs->status & VIRTIO_S_NEEDS_RESET))
			vs->ops->driver_ok(vs);
	}
}

static void virtio_notify(struct virtio_dev *vs, uint32_t qi)
{
	if (qi >= vs->ops->nqueues || !vs->q[qi].enabled || !virtio_dev_running(vs))
		return;
	if (vs->ops->qnotify != NULL)
		vs->ops->qnotify(vs, qi);
}

static uint16_t virtio_check_vector(struct virtio_dev *vs, uint16_t v)
{
	/* §4.1.5.1.2: a vector the table does not have reads back as NO_VECTOR. */
	if (v != VIRTIO_NO_VECTOR && v >= vs->pdev->msix.table_count)
		return VIRTIO_NO_VECTOR;
	return v;
}

static uint8_t virtio_read_isr(struct virtio_dev *vs)
{
	uint8_t v = vs->isr;

	/* §4.1.4.5.1: reading the ISR clears it and de-asserts INTx. */
	vs->isr = 0;
	if (v != 0)
		pci_lintr_deassert(vs->pdev);
	return v;
}

/* --- device-specific configuration --- */

static uint64_t virtio_cfg_read(struct virtio_dev *vs, uint64_t off, int size)
{
	uint64_t v = 0;

	if (off >= vs->config_size || (uint64_t)size > vs->config_size - off)
		return 0;
	memcpy(&v, vs->config + off, (size_t)size);	/* little-endian host */
	return v;
}

static void virtio_cfg_write(struct virtio_dev *vs, uint64_t off, int size, uint64_t val)
{
	if (off >= vs->config_size || (uint64_t)size > vs->config_size - off ||
	    vs->ops->cfgwrite == NULL)
		return;	/* read-only unless the device takes writes */
	vs->ops->cfgwrite(vs, (uint32_t)off, size, (uint32_t)val);
}

/* --- legacy register block (§4.1.4.8) --- */

static uint32_t virtio_leg_cfg_base(struct virtio_dev *vs)
{
	return pci_msix_enabled(vs->pdev) ? VIRTIO_LEG_CFG_MSIX : VIRTIO_LEG_CFG_NOMSIX;
}

static uint64_t virtio_leg_read(struct virtio_dev *vs, uint64_t off, int size)
{
	uint32_t cfg = virtio_leg_cfg_base(vs);
	struct virtio_queue *q = vs->qsel < vs->ops->nqueues ? &vs->q[vs->qsel] : NULL;

	if (off >= cfg)
		return virtio_cfg_read(vs, off - cfg, size);
	switch (off) {
	case VIRTIO_LEG_HOST_FEATURES:
		return size == 4 ? (uint32_t)vs->dev_features : 0;
	case VIRTIO_LEG_GUEST_FEATURES:
		return size == 4 ? (uint32_t)vs->drv_features : 0;
	case VIRTIO_LEG_QUEUE_PFN:
		return size == 4 && q != NULL ? q->pfn : 0;
	case VIRTIO_LEG_QUEUE_SIZE:
		return size == 2 && q != NULL ? vs->ops->qsize : 0;
	case VIRTIO_LEG_QUEUE_SEL:
		return size == 2 ? vs->qsel : 0;
	case VIRTIO_LEG_STATUS:
		return size == 1 ? vs->status : 0;
	case VIRTIO_LEG_ISR:
		return size == 1 ? virtio_read_isr(vs) : 0;
	case VIRTIO_LEG_MSIX_CONFIG:
		return size == 2 ? vs->msix_config : 0;
	case VIRTIO_LEG_MSIX_QUEUE:
		return size == 2 && q != NULL ? q->msix : VIRTIO_NO_VECTOR;
	default:
		return 0;
	}
}

static void virtio_leg_write(struct virtio_dev *vs, uint64_t off, int size, uint64_t val)
{
	uint32_t cfg = virtio_leg_cfg_base(vs);
	struct virtio_queue *q = vs->qsel < vs->ops->nqueues ? &vs->q[vs->qsel] : NULL;

	if (off >= cfg) {
		virtio_cfg_write(vs, off - cfg, size, val);
		return;
	}
	switch (off) {
	case VIRTIO_LEG_GUEST_FEATURES:
		/* Legacy drivers see 32 bits and may set them until DRIVER_OK. */
		if (size == 4 && !(vs->status & VIRTIO_S_DRIVER_OK))
			vs->drv_features = (uint32_t)val & vs->dev_features;
		break;
	case VIRTIO_LEG_QUEUE_PFN:
		if (size != 4 || q == NULL)
			break;
		if (val == 0) {
			vq_reset(&q->vq);	/* legacy drivers release a queue with PFN 0 */
			q->pfn = 0;
			q->enabled = false;
			break;
		}
		q->pfn = (uint32_t)val;
		q->size = vs->ops->qsize;
		virtio_queue_start(vs, vs->qsel, true);
		break;
	case VIRTIO_LEG_QUEUE_SEL:
		if (size == 2)
			vs->qsel = (uint16_t)val;
		break;
	case VIRTIO_LEG_QUEUE_NOTIFY:
		if (size == 2)
			virtio_notify(vs, (uint16_t)val);
		break;
	case VIRTIO_LEG_STATUS:
		if (size == 1)
			virtio_set_status(vs, (uint8_t)val, true);
		break;
	case VIRTIO_LEG_MSIX_CONFIG:
		if (size == 2)
			vs->msix_config = virtio_check_vector(vs, (uint16_t)val);
		break;
	case VIRTIO_LEG_MSIX_QUEUE:
		if (size == 2 && q != NULL)
			q->msix = virtio_check_vector(vs, (uint16_t)val);
		break;
	default:
		break;
	}
}

/* --- modern common configuration (§4.1.4.3) --- */

static uint64_t virtio_common_read(struct virtio_dev *vs, uint64_t off, int size)
{
	struct virtio_queue *q = vs->qsel < vs->ops->nqueues ? &vs->q[vs->qsel] : NULL;
	uint64_t v;

	switch (off & ~7ULL) {	/* 64-bit queue addresses may be read in two halves */
	case VIRTIO_PCI_Q_DESC:
		v = q != NULL ? q->vq.desc_gpa : 0;
		return size == 8 ? v : size == 4 ? (uint32_t)(v >> (8 * (off & 4))) : 0;
	case VIRTIO_PCI_Q_AVAIL:
		v = q != NULL ? q->vq.avail_gpa : 0;
		return size == 8 ? v : size == 4 ? (uint32_t)(v >> (8 * (off & 4))) : 0;
	case VIRTIO_PCI_Q_USED:
		v = q != NULL ? q->vq.used_gpa : 0;
		return size == 8 ? v : size == 4 ? (uint32_t)(v >> (8 * (off & 4))) : 0;
	default:
		break;
	}
	switch (off) {
	case VIRTIO_PCI_DFSELECT:
		return size == 4 ? vs->dfsel : 0;
	case VIRTIO_PCI_DF:
		if (size != 4 || vs->dfsel > 1)
			return 0;
		return (uint32_t)(vs->dev_features >> (32 * vs->dfsel));
	case VIRTIO_PCI_GFSELECT:
		return size == 4 ? vs->gfsel : 0;
	case VIRTIO_PCI_GF:
		if (size != 4 || vs->gfsel > 1)
			return 0;
		return (uint32_t)(vs->drv_features >> (32 * vs->gfsel));
	case VIRTIO_PCI_MSIX_CONFIG:
		return size == 2 ? vs->msix_config : 0;
	case VIRTIO_PCI_NUM_QUEUES:
		return size == 2 ? vs->ops->nqueues : 0;
	case VIRTIO_PCI_STATUS:
		return size == 1 ? vs->status : 0;
	case VIRTIO_PCI_CFG_GEN:
		return size == 1 ? vs->cfg_gen : 0;
	case VIRTIO_PCI_Q_SELECT:
		return size == 2 ? vs->qsel : 0;
	case VIRTIO_PCI_Q_SIZE:
		return size == 2 && q != NULL ? q->size : 0;	/* 0: no such queue */
	case VIRTIO_PCI_Q_MSIX:
		return size == 2 && q != NULL ? q->msix : VIRTIO_NO_VECTOR;
	case VIRTIO_PCI_Q_ENABLE:
		return size == 2 && q != NULL ? q->enabled : 0;
	case VIRTIO_PCI_Q_NOFF:
		return size == 2 ? vs->qsel : 0;
	default:
		return 0;
	}
}

/* Store a 32- or 64-bit write into a 64-bit queue address register. */
static void virtio_set_addr(uint64_t *reg, uint64_t off, int size, uint64_t val)
{
	if (size == 8)
		*reg = val;
	else if (size == 4 && (off & 4) == 0)
		*reg = (*reg & ~0xffffffffULL) | (uint32_t)val;
	else if (size == 4)
		*reg = (*reg & 0xffffffffULL) | ((uint64_t)(uint32_t)val << 32);
}

/* §4.1.4.3.2: queue_size must be a power of two no larger than the maximum. */
static void virtio_set_qsize(struct virtio_dev *vs, struct virtio_queue *q, uint16_t val)
{
	if (val == 0 || (val & (val - 1)) != 0 || val > vs->ops->qsize) {
		char why[64];

		snprintf(why, sizeof(why), "queue size %u invalid", val);
		virtio_dev_fail(vs, why);
		return;
	}
	q->size = val;
}

static void virtio_common_write(struct virtio_dev *vs, uint64_t off, int size, uint64_t val)
{
	struct virtio_queue *q = vs->qsel < vs->ops->nqueues ? &vs->q[vs->qsel] : NULL;
	/* Queue registers are frozen once the queue is enabled (§4.1.4.3.2). */
	bool qwritable = q != NULL && !q->enabled;

	switch (off & ~7ULL) {
	case VIRTIO_PCI_Q_DESC:
		if (qwritable)
			virtio_set_addr(&q->vq.desc_gpa, off, size, val);
		return;
	case VIRTIO_PCI_Q_AVAIL:
		if (qwritable)
			virtio_set_addr(&q->vq.avail_gpa, off, size, val);
		return;
	case VIRTIO_PCI_Q_USED:
		if (qwritable)
			virtio_set_addr(&q->vq.used_gpa, off, size, val);
		return;
	default:
		break;
	}
	switch (off) {
	case VIRTIO_PCI_DFSELECT:
		if (size == 4)
			vs->dfsel = (uint32_t)val;
		break;
	case VIRTIO_PCI_GFSELECT:
		if (size == 4)
			vs->gfsel = (uint32_t)val;
		break;
	case VIRTIO_PCI_GF:
		/* Features are fixed once FEATURES_OK is set (§3.1.1). */
		if (size != 4 || vs->gfsel > 1 || (vs->status & VIRTIO_S_FEATURES_OK))
			break;
		if (vs->gfsel == 0)
			vs->drv_features = (vs->drv_features & ~0xffffffffULL) | (uint32_t)val;
		else
			vs->drv_features = (vs->drv_features & 0xffffffffULL) | (val << 32);
		break;
	case VIRTIO_PCI_MSIX_CONFIG:
		if (size == 2)
			vs->msix_config = virtio_check_vector(vs, (uint16_t)val);
		break;
	case VIRTIO_PCI_STATUS:
		if (size == 1)
			virtio_set_status(vs, (uint8_t)val, false);
		break;
	case VIRTIO_PCI_Q_SELECT:
		if (size == 2)
			vs->qsel = (uint16_t)val;
		break;
	case VIRTIO_PCI_Q_SIZE:
		if (size == 2 && qwritable)
			virtio_set_qsize(vs, q, (uint16_t)val);
		break;
	case VIRTIO_PCI_Q_MSIX:
		if (size == 2 && q != NULL)
			q->msix = virtio_check_vector(vs, (uint16_t)val);
		break;
	case VIRTIO_PCI_Q_ENABLE:
		/* Only 1 may be written (§4.1.4.3.2); NEEDS_RESET blocks new queues. */
		if (size == 2 && val == 1 && qwritable && !(vs->status & VIRTIO_S_NEEDS_RESET))
			virtio_queue_start(vs, vs->qsel, false);
		break;
	default:
		break;
	}
}

static uint64_t virtio_modern_read(struct virtio_dev *vs, uint64_t off, int size)
{
	if (off < VIRTIO_MODERN_COMMON + VIRTIO_PCI_COMMON_LEN)
		return virtio_common_read(vs, off - VIRTIO_MODERN_COMMON, size);
	if (off == VIRTIO_MODERN_ISR)
		return size == 1 ? virtio_read_isr(vs) : 0;
	if (off >= VIRTIO_MODERN_DEVICE && off < VIRTIO_MODERN_NOTIFY)
		return virtio_cfg_read(vs, off - VIRTIO_MODERN_DEVICE, size);
	return 0;
}

static void virtio_modern_write(struct virtio_dev *vs, uint64_t off, int size, uint64_t val)
{
	if (off < VIRTIO_MODERN_COMMON + VIRTIO_PCI_COMMON_LEN)
		virtio_common_write(vs, off - VIRTIO_MODERN_COMMON, size, val);
	else if (off >= VIRTIO_MODERN_DEVICE && off < VIRTIO_MODERN_NOTIFY)
		virtio_cfg_write(vs, off - VIRTIO_MODERN_DEVICE, size, val);
	else if (off >= VIRTIO_MODERN_NOTIFY)
		/* §4.1.4.4: queue_notify_off == queue index, multiplier 4. */
		virtio_notify(vs, (uint32_t)((off - VIRTIO_MODERN_NOTIFY) / VIRTIO_NOTIFY_MULT));
}

void virtio_pci_barwrite(struct vmctx *ctx, struct pci_vdev *dev, int idx, uint64_t offset,
			 int size, uint64_t val)
{
	struct virtio_dev *vs = dev->arg;

	pthread_mutex_lock(&vs->mtx);
	if (idx == VIRTIO_BAR_LEGACY && vs->mode != VIRTIO_MODE_MODERN)
		virtio_leg_write(vs, offset, size, val);
	else if (idx == VIRTIO_BAR_MODERN && vs->mode != VIRTIO_MODE_LEGACY)
		virtio_modern_write(vs, offset, size, val);
	else if (idx == VIRTIO_BAR_NOTIFY_PIO && vs->mode != VIRTIO_MODE_LEGACY)
		virtio_notify(vs, (uint32_t)(offset / VIRTIO_NOTIFY_MULT));
	pthread_mutex_unlock(&vs->mtx);
}

uint64_t virtio_pci_barread(struct vmctx *ctx, struct pci_vdev *dev, int idx, uint64_t offset,
			    int size)
{
	struct virtio_dev *vs = dev->arg;
	uint64_t v = dm_io_ones(size);

	pthread_mutex_lock(&vs->mtx);
	if (idx == VIRTIO_BAR_LEGACY && vs->mode != VIRTIO_MODE_MODERN)
		v = virtio_leg_read(vs, offset, size);
	else if (idx == VIRTIO_BAR_MODERN && vs->mode != VIRTIO_MODE_LEGACY)
		v = virtio_modern_read(vs, offset, size);
	else if (idx == VIRTIO_BAR_NOTIFY_PIO && vs->mode != VIRTIO_MODE_LEGACY)
		v = 0;		/* notify registers read as 0, as in BAR 2 */
	pthread_mutex_unlock(&vs->mtx);
	return v;
}

/* --- set-up --- */

/* §4.1.4: struct virtio_pci_cap (+ notify_off_multiplier for the notify cap). */
static int virtio_add_cap(struct pci_vdev *pdev, uint8_t type, uint8_t bar, uint32_t off,
			  uint32_t len)
{
	uint8_t cap[20] = { 0x09, 0, 16, type, bar };
	int n = 16;

	memcpy(&cap[8], &off, 4);
	memcpy(&cap[12], &len, 4);
	if (type == VIRTIO_PCI_CAP_NOTIFY) {
		uint32_t mult = VIRTIO_NOTIFY_MULT;

		cap[2] = 20;
		memcpy(&cap[16], &mult, 4);
		n = 20;
	}
	return pci_emul_add_capability(pdev, cap, n);
}

static int virtio_parse_mode(const struct dm_dev_config *cfg, enum virtio_mode *mode)
{
	const char *m = cfg != NULL ? dm_dev_opt(cfg, "virtio_mode") : NULL;

	*mode = VIRTIO_MODE_TRANSITIONAL;
	if (m == NULL || strcmp(m, "transitional") == 0)
		return 0;
	if (strcmp(m, "legacy") == 0)
		*mode = VIRTIO_MODE_LEGACY;
	else if (strcmp(m, "modern") == 0)
		*mode = VIRTIO_MODE_MODERN;
	else
		return -EINVAL;
	return 0;
}

static int virtio_pci_setup(struct virtio_dev *vs, struct pci_vdev *pdev)
{
	const struct virtio_ops *ops = vs->ops;
	bool modern_only = vs->mode == VIRTIO_MODE_MODERN;
	int rc = 0;

	/* §4.1.2.1: modern-only devices use 0x1040 + type and revision >= 1. */
	pci_set_cfgdata16(pdev, PCIR_VENDOR, VIRTIO_VENDOR);
	pci_set_cfgdata16(pdev, PCIR_DEVICE, modern_only ? VIRTIO_DEV_MODERN_BASE + ops->type :
			  ops->legacy_pci_id);
	pci_set_cfgdata8(pdev, PCIR_REVID, modern_only ? 1 : 0);
	pci_set_cfgdata8(pdev, PCIR_CLASS, ops->pci_class);
	pci_set_cfgdata8(pdev, PCIR_SUBCLASS, ops->pci_subclass);
	pci_set_cfgdata16(pdev, PCIR_SUBVEND, VIRTIO_VENDOR);
	pci_set_cfgdata16(pdev, PCIR_SUBDEV, ops->type);
	if (vs->mode != VIRTIO_MODE_MODERN)
		rc = pci_emul_alloc_bar(pdev, VIRTIO_BAR_LEGACY, PCI_BAR_IO,
					VIRTIO_LEG_CFG_MSIX + vs->config_size);
	if (rc == 0)
		rc = pci_emul_add_msixcap(pdev, (int)ops->nqueues + 1, VIRTIO_BAR_MSIX);
	if (rc == 0 && vs->mode != VIRTIO_MODE_LEGACY) {
		rc = pci_emul_alloc_bar(pdev, VIRTIO_BAR_MODERN, PCI_BAR_MEM32,
					VIRTIO_MODERN_BAR_SIZE);
		if (rc == 0)	/* one 4-byte slot per queue */
			rc = pci_emul_alloc_bar(pdev, VIRTIO_BAR_NOTIFY_PIO, PCI_BAR_IO,
						ops->nqueues * VIRTIO_NOTIFY_MULT);
		if (rc == 0)
			rc = virtio_add_cap(pdev, VIRTIO_PCI_CAP_COMMON, VIRTIO_BAR_MODERN,
					    VIRTIO_MODERN_COMMON, 0x1000);
		if (rc >= 0)
			rc = virtio_add_cap(pdev, VIRTIO_PCI_CAP_ISR, VIRTIO_BAR_MODERN,
					    VIRTIO_MODERN_ISR, 0x1000);
		if (rc >= 0)
			rc = virtio_add_cap(pdev, VIRTIO_PCI_CAP_DEVICE, VIRTIO_BAR_MODERN,
					    VIRTIO_MODERN_DEVICE, 0x1000);
		/* The I/O notify first: drivers take the first notify structure they support. */
		if (rc >= 0)
			rc = virtio_add_cap(pdev, VIRTIO_PCI_CAP_NOTIFY, VIRTIO_BAR_NOTIFY_PIO, 0,
					    ops->nqueues * VIRTIO_NOTIFY_MULT);
		if (rc >= 0)
			rc = virtio_add_cap(pdev, VIRTIO_PCI_CAP_NOTIFY, VIRTIO_BAR_MODERN,
					    VIRTIO_MODERN_NOTIFY, 0x1000);
		if (rc > 0)
			rc = 0;
	}
	if (rc == 0)
		rc = pci_lintr_request(pdev);
	return rc;
}

int virtio_dev_init(struct virtio_dev *vs, const struct virtio_ops *ops, struct pci_vdev *pdev,
		    const struct dm_dev_config *cfg, uint64_t features, void *config,
		    uint32_t config_size)
{
	int rc;

	if (ops->nqueues == 0 || ops->nqueues > VIRTIO_MAX_QUEUES || ops->qsize == 0 ||
	    ops->qsize > VQ_MAX_SIZE || (ops->qsize & (ops->qsize - 1)) != 0 ||
	    config_size > 256 - VIRTIO_LEG_CFG_MSIX)	/* legacy I/O BARs end at 256 bytes */
		return -EINVAL;
	vs->ops = ops;
	vs->pdev = pdev;
	vs->ctx = pdev->ctx;
	vs->config = config;
	vs->config_size = config_size;
	rc = virtio_parse_mode(cfg, &vs->mode);
	if (rc != 0) {
		pr_err("%s: virtio_mode must be legacy, modern or transitional", ops->name);
		return rc;
	}
	/* 0.9.5 drivers see only the low 32 bits, so VERSION_1 never reaches them. */
	vs->dev_features = features | VIRTIO_RING_FEATURES;
	if (vs->mode != VIRTIO_MODE_LEGACY)
		vs->dev_features |= 1ULL << VIRTIO_F_VERSION_1;
	for (unsigned int i = 0; i < VIRTIO_MAX_QUEUES; i++) {
		vs->q[i].vq.mem = &virtio_mem_ops;
		vs->q[i].vq.opaque = pdev->ctx;
		vs->q[i].size = ops->qsize;
		vs->q[i].msix = VIRTIO_NO_VECTOR;
	}
	vs->msix_config = VIRTIO_NO_VECTOR;
	pdev->arg = vs;
	rc = virtio_pci_setup(vs, pdev);
	if (rc != 0)
		return rc;
	pthread_mutex_init(&vs->mtx, NULL);
	return 0;
}

void virtio_dev_deinit(struct virtio_dev *vs)
{
	pthread_mutex_destroy(&vs->mtx);
}

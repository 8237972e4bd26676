/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fake VMM back-end used by tests/dm.  It keeps a record of every call
 * (struct vmm_test_state) and plays the hypervisor+VHM side of the request
 * page: tests post requests, the device model completes them.
 *
 * Not linked into acrn-dm.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "guest_mem.h"
#include "ioreq.h"
#include "vmctx.h"
#include "vmm_test.h"

struct vmm_test_priv {
	struct vmm_test_state st;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static struct vmm_test_priv *vt_priv(struct vmctx *ctx)
{
	return ctx->vmm_priv;
}

struct vmm_test_state *vmm_test_get(struct vmctx *ctx)
{
	return &vt_priv(ctx)->st;
}

static int vt_open(struct vmctx *ctx)
{
	struct vmm_test_priv *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return -ENOMEM;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	ctx->vmm_priv = p;
	return 0;
}

static void vt_close(struct vmctx *ctx)
{
	struct vmm_test_priv *p = vt_priv(ctx);

	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p);
	ctx->vmm_priv = NULL;
}

static int vt_create_vm(struct vmctx *ctx, struct acrn_vm_creation *cv)
{
	struct vmm_test_state *st = vmm_test_get(ctx);

	if (st->vm_created)
		return -EEXIST;
	cv->vmid = 1;
	st->cv = *cv;
	st->vm_created = true;
	return 0;
}

static int vt_destroy_vm(struct vmctx *ctx)
{
	vmm_test_get(ctx)->vm_created = false;
	return 0;
}

static int vt_start_vm(struct vmctx *ctx)
{
	vmm_test_get(ctx)->vm_started = true;
	return 0;
}

static int vt_pause_vm(struct vmctx *ctx)
{
	vmm_test_get(ctx)->vm_paused = true;
	return 0;
}

static int vt_reset_vm(struct vmctx *ctx)
{
	vmm_test_get(ctx)->vm_resets++;
	return 0;
}

static int vt_set_vcpu_regs(struct vmctx *ctx, const struct acrn_vcpu_regs *regs)
{
	return regs->vcpu_id < ctx->ncpus ? 0 : -EINVAL;
}

static int vt_set_memseg(struct vmctx *ctx, const struct acrn_vm_memmap *map)
{
	struct vmm_test_state *st = vmm_test_get(ctx);

	st->memseg_sets++;
	if (st->nmemsegs == VMM_TEST_MEMSEGS)
		return -ENOSPC;
	st->memsegs[st->nmemsegs++] = *map;
	return 0;
}

static int vt_unset_memseg(struct vmctx *ctx, const struct acrn_vm_memmap *map)
{
	struct vmm_test_state *st = vmm_test_get(ctx);

	st->memseg_unsets++;
	for (size_t i = 0; i < st->nmemsegs; i++) {
		if (st->memsegs[i].user_vm_pa == map->user_vm_pa) {
			st->memsegs[i] = st->memsegs[--st->nmemsegs];
			return 0;
		}
	}
	return -ENOENT;
}

static int vt_create_ioreq_client(struct vmctx *ctx)
{
	struct vmm_test_priv *p = vt_priv(ctx);

	pthread_mutex_lock(&p->lock);
	p->st.client_created = true;
	p->st.client_destroyed = false;
	pthread_mutex_unlock(&p->lock);
	return 0;
}

static int vt_attach_ioreq_client(struct vmctx *ctx)
{
	struct vmm_test_priv *p = vt_priv(ctx);
	int rc = 0;

	pthread_mutex_lock(&p->lock);
	while (p->st.kicks == 0 && !p->st.client_destroyed)
		pthread_cond_wait(&p->cond, &p->lock);
	if (p->st.client_destroyed)
		rc = -ENODEV;
	else
		p->st.kicks = 0;
	pthread_mutex_unlock(&p->lock);
	return rc;
}

static int vt_destroy_ioreq_client(struct vmctx *ctx)
{
	struct vmm_test_priv *p = vt_priv(ctx);

	pthread_mutex_lock(&p->lock);
	p->st.client_destroyed = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

static int vt_clear_vm_ioreq(struct vmctx *ctx)
{
	return 0;
}

static int vt_notify_request_finish(struct vmctx *ctx, uint32_t vcpu)
{
	struct vmm_test_priv *p = vt_priv(ctx);

	if (vcpu >= ACRN_IO_REQUEST_MAX)
		return -EINVAL;
	pthread_mutex_lock(&p->lock);
	p->st.notify_count[vcpu]++;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

static int vt_set_irqline(struct vmctx *ctx, uint32_t gsi, uint32_t op)
{
	struct vmm_test_priv *p = vt_priv(ctx);

	if (gsi >= VMM_TEST_GSIS || op > VMM_GSI_FALLING_PULSE)
		return -EINVAL;
	pthread_mutex_lock(&p->lock);
	p->st.irq_changes[gsi]++;
	if (op == VMM_GSI_SET_HIGH)
		p->st.irq_level[gsi] = 1;
	else if (op == VMM_GSI_SET_LOW)
		p->st.irq_level[gsi] = 0;
	else
		p->st.irq_pulses[gsi]++;
	/* A raising pulse ends low, a falling one high (ACRN's irqline ops). */
	if (op == VMM_GSI_RAISING_PULSE)
		p->st.irq_level[gsi] = 0;
	else if (op == VMM_GSI_FALLING_PULSE)
		p->st.irq_level[gsi] = 1;
	pthread_mutex_unlock(&p->lock);
	return 0;
}

static int vt_inject_msi(struct vmctx *ctx, uint64_t addr, uint64_t data)
{
	struct vmm_test_priv *p = vt_priv(ctx);
	int rc = 0;

	pthread_mutex_lock(&p->lock);
	p->st.msi_total++;
	pthread_cond_broadcast(&p->cond);
	if (p->st.nmsi < VMM_TEST_MSIS) {
		p->st.msi[p->st.nmsi].msi_addr = addr;
		p->st.msi[p->st.nmsi].msi_data = data;
		p->st.nmsi++;
	} else {
		rc = -ENOSPC;
	}
	pthread_mutex_unlock(&p->lock);
	return rc;
}

static int vt_intr_monitor(struct vmctx *ctx, void *page)
{
	return page != NULL ? 0 : -EINVAL;
}

/* Passthrough: kept as a set, as the hypervisor would; a second assignment
 * of the same physical function or an unknown deassignment is refused. */
static int vt_assign_pcidev(struct vmctx *ctx, const struct acrn_pcidev *dev)
{
	struct vmm_test_state *st = &vt_priv(ctx)->st;

	st->assigns++;
	if (st->assign_ret != 0)
		return st->assign_ret;
	for (size_t i = 0; i < st->npcidev; i++)
		if (st->pcidev[i].phys_bdf == dev->phys_bdf)
			return -EBUSY;
	if (st->npcidev >= VMM_TEST_PCIDEVS)
		return -ENOSPC;
	st->pcidev[st->npcidev++] = *dev;
	return 0;
}

static int vt_deassign_pcidev(struct vmctx *ctx, const struct acrn_pcidev *dev)
{
	struct vmm_test_state *st = &vt_priv(ctx)->st;

	st->deassigns++;
	for (size_t i = 0; i < st->npcidev; i++) {
		if (st->pcidev[i].phys_bdf != dev->phys_bdf)
			continue;
		st->pcidev[i] = st->pcidev[--st->npcidev];
		return 0;
	}
	return -ENODEV;
}

static int vt_set_ptdev_intr(struct vmctx *ctx, const struct acrn_ptdev_irq *irq)
{
	struct vmm_test_state *st = &vt_priv(ctx)->st;

	st->ptirq_sets++;
	if (st->nptirq >= VMM_TEST_PCIDEVS)
		return -ENOSPC;
	st->ptirq[st->nptirq++] = *irq;
	return 0;
}

static int vt_msix_remap(struct vmctx *ctx, struct acrn_vhm_msix_remap *r)
{
	struct vmm_test_state *st = &vt_priv(ctx)->st;

	if (st->nremap < VMM_TEST_REMAPS)
		st->remap[st->nremap] = *r;
	st->nremap++;
	if ((r->msi_ctl & ACRN_VHM_MSIX_REMAP_ENABLE) == 0)
		return 0;
	if (st->remap_ret != 0)
		return st->remap_ret;
	r->msi_addr = 0xFEE01000;
	r->msi_data = r->msix != 0 ? 0x40U + (uint32_t)r->msix_entry_index : 0x60U;
	return 0;
}

static int vt_reset_ptdev_intr(struct vmctx *ctx, const struct acrn_ptdev_irq *irq)
{
	struct vmm_test_state *st = &vt_priv(ctx)->st;

	st->ptirq_resets++;
	for (size_t i = 0; i < st->nptirq; i++) {
		if (memcmp(&st->ptirq[i], irq, sizeof(*irq)) != 0)
			continue;
		st->ptirq[i] = st->ptirq[--st->nptirq];
		return 0;
	}
	return -ENOENT;
}

/* Same key as the VHM: kind, address, length and (with DATAMATCH) the data. */
static bool vt_ioeventfd_same(const struct acrn_ioeventfd *a, const struct acrn_ioeventfd *b)
{
	uint32_t kind = ACRN_IOEVENTFD_FLAG_PIO | ACRN_IOEVENTFD_FLAG_DATAMATCH;

	return (a->flags & kind) == (b->flags & kind) && a->addr == b->addr && a->len == b->len &&
	       (!(a->flags & ACRN_IOEVENTFD_FLAG_DATAMATCH) || a->data == b->data);
}

static int vt_ioeventfd(struct vmctx *ctx, const struct acrn_ioeventfd *io)
{
	struct vmm_test_state *st = &vt_priv(ctx)->st;

	if (st->eventfd_ret != 0 && !(io->flags & ACRN_IOEVENTFD_FLAG_DEASSIGN))
		return st->eventfd_ret;

	for (size_t i = 0; i < st->nioeventfd; i++) {
		if (!vt_ioeventfd_same(&st->ioeventfd[i], io))
			continue;
		if (!(io->flags & ACRN_IOEVENTFD_FLAG_DEASSIGN))
			return -EEXIST;
		st->ioeventfd[i] = st->ioeventfd[--st->nioeventfd];
		return 0;
	}
	if (io->flags & ACRN_IOEVENTFD_FLAG_DEASSIGN)
		return -ENOENT;
	if (st->nioeventfd >= VMM_TEST_EVENTFDS)
		return -ENOSPC;
	st->ioeventfd[st->nioeventfd++] = *io;
	return 0;
}

static int vt_irqfd(struct vmctx *ctx, const struct acrn_irqfd *irq)
{
	struct vmm_test_state *st = &vt_priv(ctx)->st;

	if (st->eventfd_ret != 0 && !(irq->flags & ACRN_IRQFD_FLAG_DEASSIGN))
		return st->eventfd_ret;

	for (size_t i = 0; i < st->nirqfd; i++) {
		if (st->irqfd[i].fd != irq->fd)
			continue;
		if (!(irq->flags & ACRN_IRQFD_FLAG_DEASSIGN))
			return -EEXIST;
		st->irqfd[i] = st->irqfd[--st->nirqfd];
		return 0;
	}
	if (irq->flags & ACRN_IRQFD_FLAG_DEASSIGN)
		return -ENOENT;
	if (st->nirqfd >= VMM_TEST_EVENTFDS)
		return -ENOSPC;
	st->irqfd[st->nirqfd++] = *irq;
	return 0;
}

/* The VHM's ioeventfd path: a matching write signals the eventfd, acrn-dm never sees it. */
static bool vt_ioeventfd_hit(struct vmctx *ctx, bool pio, uint64_t addr, int size, uint64_t val)
{
	struct vmm_test_state *st = &vt_priv(ctx)->st;
	struct acrn_ioeventfd w = { .flags = ACRN_IOEVENTFD_FLAG_PIO, .addr = addr,
				    .len = (uint32_t)size };
	uint64_t one = 1;

	if (size < 8)
		val &= (1ULL << (size * 8)) - 1;
	w.data = val;
	for (size_t i = 0; i < st->nioeventfd; i++) {
		struct acrn_ioeventfd *e = &st->ioeventfd[i];

		w.flags = (pio ? ACRN_IOEVENTFD_FLAG_PIO : 0) |
			  (e->flags & ACRN_IOEVENTFD_FLAG_DATAMATCH);
		if (vt_ioeventfd_same(e, &w)) {
			st->ioeventfd_hits++;
			return write((int)e->fd, &one, sizeof(one)) == sizeof(one);
		}
	}
	return false;
}

const struct vmm_ops vmm_test_ops = {
	.name = "vmm_test",
	.open = vt_open,
	.close = vt_close,
	.create_vm = vt_create_vm,
	.destroy_vm = vt_destroy_vm,
	.start_vm = vt_start_vm,
	.pause_vm = vt_pause_vm,
	.reset_vm = vt_reset_vm,
	.set_vcpu_regs = vt_set_vcpu_regs,
	.set_memseg = vt_set_memseg,
	.unset_memseg = vt_unset_memseg,
	.create_ioreq_client = vt_create_ioreq_client,
	.attach_ioreq_client = vt_attach_ioreq_client,
	.destroy_ioreq_client = vt_destroy_ioreq_client,
	.clear_vm_ioreq = vt_clear_vm_ioreq,
	.notify_request_finish = vt_notify_request_finish,
	.set_irqline = vt_set_irqline,
	.inject_msi = vt_inject_msi,
	.intr_monitor = vt_intr_monitor,
	.assign_pcidev = vt_assign_pcidev,
	.deassign_pcidev = vt_deassign_pcidev,
	.set_ptdev_intr = vt_set_ptdev_intr,
	.reset_ptdev_intr = vt_reset_ptdev_intr,
	.msix_remap = vt_msix_remap,
	.ioeventfd = vt_ioeventfd,
	.irqfd = vt_irqfd,
};

int vmm_test_post(struct vmctx *ctx, uint32_t vcpu, const struct acrn_io_request *req)
{
	struct acrn_io_request *slot;
	uint32_t state;

	if (vcpu >= ACRN_IO_REQUEST_MAX || vcpu >= ctx->ncpus)
		return -EINVAL;
	slot = &ctx->ioreq_buf->req_slot[vcpu];
	state = __atomic_load_n(&slot->processed, __ATOMIC_ACQUIRE);
	if (state != ACRN_IOREQ_STATE_FREE && state != ACRN_IOREQ_STATE_COMPLETE)
		return -EBUSY;
	memcpy(slot, req, sizeof(*slot));
	/* The VHM hands requests to its client in PROCESSING state. */
	__atomic_store_n(&slot->processed, ACRN_IOREQ_STATE_PROCESSING, __ATOMIC_RELEASE);
	return 0;
}

void vmm_test_kick(struct vmctx *ctx)
{
	struct vmm_test_priv *p = vt_priv(ctx);

	pthread_mutex_lock(&p->lock);
	p->st.kicks++;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

/* CLOCK_REALTIME deadline @p ms from now, for pthread_cond_timedwait(). */
static struct timespec vt_deadline(int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

int vmm_test_wait(struct vmctx *ctx, uint32_t vcpu, int timeout_ms, struct acrn_io_request *out)
{
	struct vmm_test_priv *p = vt_priv(ctx);
	struct acrn_io_request *slot = &ctx->ioreq_buf->req_slot[vcpu];
	struct timespec ts = vt_deadline(timeout_ms);
	int rc = 0;

	pthread_mutex_lock(&p->lock);
	while (__atomic_load_n(&slot->processed, __ATOMIC_ACQUIRE) != ACRN_IOREQ_STATE_COMPLETE) {
		if (pthread_cond_timedwait(&p->cond, &p->lock, &ts) == ETIMEDOUT) {
			rc = -ETIMEDOUT;
			break;
		}
	}
	pthread_mutex_unlock(&p->lock);
	if (rc == 0) {
		if (out != NULL)
			memcpy(out, slot, sizeof(*out));
		__atomic_store_n(&slot->processed, ACRN_IOREQ_STATE_FREE, __ATOMIC_RELEASE);
	}
	return rc;
}

/*
 * The VHM's irqfd path: a signalled irqfd sends its MSI.  The fake has no
 * kernel to do that when the eventfd is written, so the waiter does it: it
 * polls the registered irqfds up to @p ms and records one MSI per signalled
 * one (reading the eventfd resets it).  @return how many were signalled
 */
static unsigned int vt_irqfd_deliver(struct vmctx *ctx, int ms)
{
	struct vmm_test_state *st = vmm_test_get(ctx);
	struct pollfd pfd[VMM_TEST_EVENTFDS];
	size_t k = st->nirqfd;
	unsigned int hits = 0;
	uint64_t cnt;

	if (k == 0)
		return 0;
	for (size_t i = 0; i < k; i++)
		pfd[i] = (struct pollfd){ .fd = (int)st->irqfd[i].fd, .events = POLLIN };
	if (poll(pfd, k, ms) <= 0)
		return 0;
	for (size_t i = 0; i < k; i++) {
		if (!(pfd[i].revents & POLLIN) || read(pfd[i].fd, &cnt, sizeof(cnt)) != sizeof(cnt))
			continue;
		vt_inject_msi(ctx, st->irqfd[i].msi.msi_addr, st->irqfd[i].msi.msi_data);
		st->irqfd_msis++;
		hits++;
	}
	return hits;
}

unsigned int vmm_test_wait_msi(struct vmctx *ctx, unsigned int seen, int timeout_ms)
{
	struct vmm_test_priv *p = vt_priv(ctx);
	struct timespec ts = vt_deadline(timeout_ms);
	unsigned int n;
	int left = timeout_ms, slice = 0;

	/* With irqfds registered: sleep in poll() on them, 1 ms slices for inject_msi(). */
	while (p->st.nirqfd > 0) {
		if (vt_irqfd_deliver(ctx, slice) == 0)
			left -= slice;
		n = __atomic_load_n(&p->st.msi_total, __ATOMIC_ACQUIRE);
		if (n != seen || left <= 0)
			return n;
		slice = 1;
	}
	pthread_mutex_lock(&p->lock);
	while (p->st.msi_total == seen &&
	       pthread_cond_timedwait(&p->cond, &p->lock, &ts) != ETIMEDOUT)
		;
	n = p->st.msi_total;
	pthread_mutex_unlock(&p->lock);
	return n;
}

/* Post on vCPU 0, handle synchronously, check it was completed and notified. */
static int vt_roundtrip(struct vmctx *ctx, struct acrn_io_request *req)
{
	struct vmm_test_state *st = vmm_test_get(ctx);
	struct acrn_io_request *slot = &ctx->ioreq_buf->req_slot[0];
	unsigned int before = st->notify_count[0];
	int rc;

	rc = vmm_test_post(ctx, 0, req);
	if (rc != 0)
		return rc;
	rc = ioreq_handle_slot(ctx, 0);
	if (rc < 0 && rc != -EINVAL)
		return rc;
	if (slot->processed != ACRN_IOREQ_STATE_COMPLETE || st->notify_count[0] != before + 1)
		return -EIO;
	memcpy(req, slot, sizeof(*req));
	slot->processed = ACRN_IOREQ_STATE_FREE;
	return 0;
}

int vmm_test_pio(struct vmctx *ctx, int dir, uint32_t port, int size, uint64_t *val)
{
	struct acrn_io_request req;
	int rc;

	vt_irqfd_deliver(ctx, 0);	/* pending interrupts first, as before an instruction */
	memset(&req, 0, sizeof(req));
	req.type = ACRN_IOREQ_TYPE_PORTIO;
	req.reqs.pio_request.direction = (uint32_t)dir;
	req.reqs.pio_request.address = port;
	req.reqs.pio_request.size = (uint64_t)size;
	req.reqs.pio_request.value = dir == ACRN_IOREQ_DIR_WRITE ? (uint32_t)*val : 0;
	if (dir == ACRN_IOREQ_DIR_WRITE && vt_ioeventfd_hit(ctx, true, port, size, *val))
		return 0;
	rc = vt_roundtrip(ctx, &req);
	if (rc == 0 && dir == ACRN_IOREQ_DIR_READ)
		*val = req.reqs.pio_request.value;
	return rc;
}

int vmm_test_mmio(struct vmctx *ctx, int dir, uint64_t addr, int size, uint64_t *val)
{
	struct acrn_io_request req;
	int rc;

	vt_irqfd_deliver(ctx, 0);	/* pending interrupts first, as before an instruction */
	memset(&req, 0, sizeof(req));
	req.type = ACRN_IOREQ_TYPE_MMIO;
	req.reqs.mmio_request.direction = (uint32_t)dir;
	req.reqs.mmio_request.address = addr;
	req.reqs.mmio_request.size = (uint64_t)size;
	req.reqs.mmio_request.value = dir == ACRN_IOREQ_DIR_WRITE ? *val : 0;
	if (dir == ACRN_IOREQ_DIR_WRITE && vt_ioeventfd_hit(ctx, false, addr, size, *val))
		return 0;
	rc = vt_roundtrip(ctx, &req);
	if (rc == 0 && dir == ACRN_IOREQ_DIR_READ)
		*val = req.reqs.mmio_request.value;
	return rc;
}

int vmm_test_pcicfg(struct vmctx *ctx, int dir, uint32_t bus, uint32_t dev, uint32_t func,
		    uint32_t reg, int size, uint32_t *val)
{
	struct acrn_io_request req;
	int rc;

	vt_irqfd_deliver(ctx, 0);	/* pending interrupts first, as before an instruction */
	memset(&req, 0, sizeof(req));
	req.type = ACRN_IOREQ_TYPE_PCICFG;
	req.reqs.pci_request.direction = (uint32_t)dir;
	req.reqs.pci_request.bus = bus;
	req.reqs.pci_request.dev = dev;
	req.reqs.pci_request.func = func;
	req.reqs.pci_request.reg = reg;
	req.reqs.pci_request.size = (uint64_t)size;
	req.reqs.pci_request.value = dir == ACRN_IOREQ_DIR_WRITE ? *val : 0;
	rc = vt_roundtrip(ctx, &req);
	if (rc == 0 && dir == ACRN_IOREQ_DIR_READ)
		*val = req.reqs.pci_request.value;
	return rc;
}

int vmm_test_gpa_write(struct vmctx *ctx, uint64_t gpa, const void *buf, size_t len)
{
	void *p = vm_map_gpa(ctx, gpa, len);

	if (p == NULL)
		return -EFAULT;
	memcpy(p, buf, len);
	return 0;
}

int vmm_test_gpa_read(struct vmctx *ctx, uint64_t gpa, void *buf, size_t len)
{
	const void *p = vm_map_gpa(ctx, gpa, len);

	if (p == NULL)
		return -EFAULT;
	memcpy(buf, p, len);
	return 0;
}

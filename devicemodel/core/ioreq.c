/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IOREQ loop.
 *
 * The shared page holds one struct acrn_io_request per vCPU (slot = vCPU id).
 * The hypervisor (and the VHM) can write a slot while we look at it, so each
 * request is copied ONCE into a local struct; validation, dispatch and the
 * write-back all use that copy.  Whatever the copy says, the slot is completed,
 * because a vCPU waiting on a request we drop would hang forever; a malformed
 * read is answered with all-ones, like a master abort.
 *
 * Completion order: value, then state COMPLETE (release store, so the value is
 * visible first), then the NOTIFY_REQUEST_FINISH ioctl.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define DM_LOG_PREFIX "ioreq: "
#include "dm_log.h"
#include "io_dispatch.h"
#include "ioreq.h"
#include "pci_core.h"
#include "vmctx.h"

static unsigned int ioreq_invalid_count;

static bool ioreq_size_ok(uint64_t size, bool allow8)
{
	return size == 1 || size == 2 || size == 4 || (allow8 && size == 8);
}

int ioreq_validate(const struct acrn_io_request *req)
{
	switch (req->type) {
	case ACRN_IOREQ_TYPE_PORTIO: {
		const struct acrn_pio_request *p = &req->reqs.pio_request;

		if (p->direction > ACRN_IOREQ_DIR_WRITE || !ioreq_size_ok(p->size, false))
			return -EINVAL;
		if (p->address >= 0x10000 || p->size > 0x10000 - p->address)
			return -EINVAL;
		return 0;
	}
	case ACRN_IOREQ_TYPE_MMIO: {
		const struct acrn_mmio_request *m = &req->reqs.mmio_request;

		if (m->direction > ACRN_IOREQ_DIR_WRITE || !ioreq_size_ok(m->size, true))
			return -EINVAL;
		if (m->address + (m->size - 1) < m->address)
			return -EINVAL;
		return 0;
	}
	case ACRN_IOREQ_TYPE_PCICFG: {
		const struct acrn_pci_request *c = &req->reqs.pci_request;

		if (c->direction > ACRN_IOREQ_DIR_WRITE || !ioreq_size_ok(c->size, false))
			return -EINVAL;
		/* An access may not leave its dword (what 0xCFC-0xCFF can express). */
		if (c->bus > 255 || c->dev > 31 || c->func > 7 || c->reg > 0xfff ||
		    (c->reg & 3) + c->size > 4)
			return -EINVAL;
		return 0;
	}
	default:
		return -EINVAL;
	}
}

/* Dispatch a validated local copy; returns the value to hand back for reads. */
static void ioreq_dispatch(struct vmctx *ctx, struct acrn_io_request *req)
{
	uint64_t v;
	uint32_t v32;

	switch (req->type) {
	case ACRN_IOREQ_TYPE_PORTIO: {
		struct acrn_pio_request *p = &req->reqs.pio_request;

		v = p->value;
		pio_dispatch(ctx, (int)p->direction, (uint32_t)p->address, (int)p->size, &v);
		p->value = (uint32_t)v;
		break;
	}
	case ACRN_IOREQ_TYPE_MMIO: {
		struct acrn_mmio_request *m = &req->reqs.mmio_request;

		v = m->value;
		mmio_dispatch(ctx, (int)m->direction, m->address, (int)m->size, &v);
		m->value = v;
		break;
	}
	case ACRN_IOREQ_TYPE_PCICFG: {
		struct acrn_pci_request *c = &req->reqs.pci_request;

		v32 = c->value;
		pci_cfg_access(ctx, (int)c->direction, c->bus, c->dev, c->func, c->reg,
			       (int)c->size, &v32);
		c->value = v32;
		break;
	}
	}
}

/* Master-abort answer for a request we refuse to dispatch. */
static void ioreq_fail_read(struct acrn_io_request *req)
{
	switch (req->type) {
	case ACRN_IOREQ_TYPE_PORTIO:
		req->reqs.pio_request.value = 0xffffffffU;
		break;
	case ACRN_IOREQ_TYPE_MMIO:
		req->reqs.mmio_request.value = ~0ULL;
		break;
	case ACRN_IOREQ_TYPE_PCICFG:
		req->reqs.pci_request.value = 0xffffffffU;
		break;
	}
}

/* Write the result of a read back into the shared slot (type/dir from the copy). */
static void ioreq_write_back(struct acrn_io_request *slot, const struct acrn_io_request *req)
{
	switch (req->type) {
	case ACRN_IOREQ_TYPE_PORTIO:
		if (req->reqs.pio_request.direction == ACRN_IOREQ_DIR_READ)
			__atomic_store_n(&slot->reqs.pio_request.value, req->reqs.pio_request.value,
					 __ATOMIC_RELAXED);
		break;
	case ACRN_IOREQ_TYPE_MMIO:
		if (req->reqs.mmio_request.direction == ACRN_IOREQ_DIR_READ)
			__atomic_store_n(&slot->reqs.mmio_request.value,
					 req->reqs.mmio_request.value, __ATOMIC_RELAXED);
		break;
	case ACRN_IOREQ_TYPE_PCICFG:
		if (req->reqs.pci_request.direction == ACRN_IOREQ_DIR_READ)
			__atomic_store_n(&slot->reqs.pci_request.value, req->reqs.pci_request.value,
					 __ATOMIC_RELAXED);
		break;
	}
}

int ioreq_handle_slot(struct vmctx *ctx, uint32_t vcpu)
{
	struct acrn_io_request *slot, req;
	uint32_t state;
	int rc, valid;

	if (ctx->ioreq_buf == NULL || vcpu >= ACRN_IO_REQUEST_MAX)
		return -EINVAL;
	slot = &ctx->ioreq_buf->req_slot[vcpu];
	state = __atomic_load_n(&slot->processed, __ATOMIC_ACQUIRE);
	/* Only slots the kernel has handed over: a PENDING slot may still be
	 * completed by the VHM itself (0xCF8, ioeventfd), so it is not ours yet. */
	if (state != ACRN_IOREQ_STATE_PROCESSING)
		return 0;
	/* The one and only read of the slot's contents. */
	memcpy(&req, (const void *)slot, sizeof(req));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (req.kernel_handled != 0)
		return 0;	/* the VHM answers these itself */

	valid = ioreq_validate(&req);
	if (valid == 0) {
		ioreq_dispatch(ctx, &req);
	} else {
		/* Only a broken hypervisor sends these: say so, but never flood the log. */
		unsigned int n = __atomic_add_fetch(&ioreq_invalid_count, 1, __ATOMIC_RELAXED);

		if (n <= 10 || n % 1000 == 0)
			pr_warn("vCPU %u: invalid request (type %u) completed without dispatch (%u so far)",
				vcpu, req.type, n);
		ioreq_fail_read(&req);
		/*
		 * A bogus direction is answered as a read (all-ones); direction is
		 * the first field of all three request layouts.  An unknown type
		 * cannot be written back at all, only completed.
		 */
		if (req.reqs.pio_request.direction != ACRN_IOREQ_DIR_WRITE)
			req.reqs.pio_request.direction = ACRN_IOREQ_DIR_READ;
	}
	ioreq_write_back(slot, &req);
	__atomic_store_n(&slot->processed, ACRN_IOREQ_STATE_COMPLETE, __ATOMIC_RELEASE);
	rc = ctx->vmm->notify_request_finish(ctx, vcpu);
	if (rc != 0) {
		pr_err("vCPU %u: NOTIFY_REQUEST_FINISH failed (%d)", vcpu, rc);
		return rc;
	}
	return valid == 0 ? 1 : valid;
}

int ioreq_handle_pending(struct vmctx *ctx)
{
	uint32_t n = ctx->ncpus < ACRN_IO_REQUEST_MAX ? ctx->ncpus : ACRN_IO_REQUEST_MAX;
	int handled = 0, rc;

	for (uint32_t i = 0; i < n; i++) {
		rc = ioreq_handle_slot(ctx, i);
		if (rc > 0 || rc == -EINVAL)
			handled++;
		else if (rc < 0)
			return rc;
	}
	return handled;
}

void ioreq_thread_class(enum dm_prio prio, int *policy, int *rt_prio, int *nice)
{
	*policy = SCHED_OTHER;
	*rt_prio = 0;
	*nice = 0;
	if (prio == DM_PRIO_HIGH) {
		*policy = SCHED_FIFO;	/* before every ordinary task of the Service VM */
		*rt_prio = 1;		/* the lowest real-time priority: below the kernel's own */
	} else if (prio == DM_PRIO_LOW) {
		*nice = 10;
	}
}

/*
 * The thread that serves the VM's requests runs at the VM's class (the
 * mediator inherits the User VM's priority); threads it creates inherit it.
 * Without the right to (no CAP_SYS_NICE) it stays as it is, with one notice.
 */
static void ioreq_thread_set_class(enum dm_prio prio)
{
	struct sched_param sp;
	int policy, rt_prio, nice, rc = 0;

	ioreq_thread_class(prio, &policy, &rt_prio, &nice);
	if (prio == DM_PRIO_NORMAL)
		return;
	memset(&sp, 0, sizeof(sp));
	sp.sched_priority = rt_prio;
	rc = pthread_setschedparam(pthread_self(), policy, &sp);
	if (rc == 0 && nice != 0 && setpriority(PRIO_PROCESS, (id_t)gettid(), nice) != 0)
		rc = errno;
	if (rc != 0)
		pr_warn("cannot give the IOREQ thread the VM's %s class (%s): it keeps the default",
			prio == DM_PRIO_HIGH ? "high" : "low", strerror(rc));
}

static void *ioreq_thread_main(void *arg)
{
	struct vmctx *ctx = arg;
	int rc;

	if (ctx->cfg != NULL)
		ioreq_thread_set_class(ctx->cfg->prio);

	while (!__atomic_load_n(&ctx->quit, __ATOMIC_ACQUIRE)) {
		rc = ctx->vmm->attach_ioreq_client(ctx);
		if (__atomic_load_n(&ctx->quit, __ATOMIC_ACQUIRE))
			break;
		if (rc == -EINTR)
			continue;
		if (rc < 0) {
			pr_err("attaching the IOREQ client failed (%d): stopping", rc);
			break;
		}
		pthread_mutex_lock(&ctx->ioreq_lock);
		rc = ioreq_handle_pending(ctx);
		pthread_mutex_unlock(&ctx->ioreq_lock);
		if (rc < 0) {
			pr_err("request completion failed (%d): stopping", rc);
			break;
		}
	}
	if (!__atomic_load_n(&ctx->quit, __ATOMIC_ACQUIRE) && ctx->on_loop_exit != NULL)
		ctx->on_loop_exit(ctx);
	return NULL;
}

int ioreq_loop_start(struct vmctx *ctx)
{
	int rc;

	rc = ctx->vmm->create_ioreq_client(ctx);
	if (rc != 0)
		return rc;
	__atomic_store_n(&ctx->quit, 0, __ATOMIC_RELEASE);
	rc = -pthread_create(&ctx->ioreq_thread, NULL, ioreq_thread_main, ctx);
	if (rc != 0) {
		ctx->vmm->destroy_ioreq_client(ctx);
		return rc;
	}
	ctx->ioreq_running = true;
	return 0;
}

void ioreq_loop_stop(struct vmctx *ctx)
{
	if (!ctx->ioreq_running)
		return;
	__atomic_store_n(&ctx->quit, 1, __ATOMIC_RELEASE);
	/* Destroying the client wakes a thread blocked in ATTACH_IOREQ_CLIENT. */
	ctx->vmm->destroy_ioreq_client(ctx);
	pthread_join(ctx->ioreq_thread, NULL);
	ctx->ioreq_running = false;
}

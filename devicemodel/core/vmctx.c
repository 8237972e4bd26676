/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VM life cycle: the order of creation matters (the I/O tables must exist
 * before devices register handlers; memory before devices that map it) and
 * teardown is its exact reverse, safe at any point of a failed creation.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DM_LOG_PREFIX "vm: "
#include "dm_log.h"
#include "guest_mem.h"
#include "io_dispatch.h"
#include "ioreq.h"
#include "pci_core.h"
#include "hw/passthru.h"
#include "vmctx.h"
#include "../../kernel-modules/vhm/acrn_vhm_uapi.h"

/* vm_flag of CREATE_VM for the configured scheduling class. */
uint64_t vmctx_vm_flag(const struct dm_config *cfg)
{
	switch (cfg->prio) {
	case DM_PRIO_HIGH:
		return ACRN_VHM_VM_FLAG_PRIO(ACRN_VHM_VM_PRIO_HIGH);
	case DM_PRIO_LOW:
		return ACRN_VHM_VM_FLAG_PRIO(ACRN_VHM_VM_PRIO_LOW);
	default:
		return ACRN_VHM_VM_FLAG_PRIO(ACRN_VHM_VM_PRIO_NORMAL);
	}
}

/* Create the VM in the hypervisor with a fresh, all-FREE request page. */
static int vmctx_create_vm(struct vmctx *ctx, char *err, size_t errlen)
{
	struct acrn_vm_creation cv;
	int rc;

	ctx->ioreq_buf = aligned_alloc(4096, sizeof(*ctx->ioreq_buf));
	if (ctx->ioreq_buf == NULL)
		return -ENOMEM;
	memset(ctx->ioreq_buf, 0, sizeof(*ctx->ioreq_buf));
	/* Zero would mean PENDING: every slot must start FREE. */
	for (int i = 0; i < ACRN_IO_REQUEST_MAX; i++)
		ctx->ioreq_buf->req_slot[i].processed = ACRN_IOREQ_STATE_FREE;

	memset(&cv, 0, sizeof(cv));
	cv.vcpu_num = ctx->ncpus;
	if (ctx->cfg->has_uuid)
		memcpy(&cv.uuid, ctx->cfg->uuid, sizeof(cv.uuid));
	cv.ioreq_buf = (uint64_t)(uintptr_t)ctx->ioreq_buf;
	cv.cpu_affinity = ctx->cfg->cpu_affinity;
	cv.vm_flag = vmctx_vm_flag(ctx->cfg);
	rc = ctx->vmm->create_vm(ctx, &cv);
	if (rc != 0) {
		dm_errf(err, errlen, "cannot create VM %s: %s", ctx->cfg->vm_name, strerror(-rc));
		return rc;
	}
	ctx->vmid = cv.vmid;
	ctx->vm_created = true;
	/* The hypervisor may report the vCPU count it granted. */
	if (cv.vcpu_num != 0 && cv.vcpu_num <= ACRN_IO_REQUEST_MAX)
		ctx->ncpus = cv.vcpu_num;
	return 0;
}

int vmctx_create(const struct dm_config *cfg, const struct vmm_ops *vmm, struct vmctx **out,
		 char *err, size_t errlen)
{
	struct vmctx *ctx;
	int rc;

	rc = passthru_precheck(cfg, err, errlen);	/* before anything prints or is created */
	if (rc != 0)
		return rc;
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return -ENOMEM;
	ctx->cfg = cfg;
	ctx->vmm = vmm;
	pthread_mutex_init(&ctx->ioreq_lock, NULL);
	ctx->ncpus = cfg->ncpus;

	rc = vmm->open(ctx);
	if (rc != 0) {
		dm_errf(err, errlen, "cannot open %s: %s", vmm->name, strerror(-rc));
		free(ctx);
		return rc;
	}
	rc = vmctx_create_vm(ctx, err, errlen);
	if (rc == 0)
		rc = pio_table_init(ctx);
	if (rc == 0)
		rc = mmio_table_init(ctx);
	if (rc != 0) {
		if (rc == -ENOMEM)
			dm_errf(err, errlen, "out of memory");
		goto fail;
	}
	rc = guest_mem_setup(ctx, cfg->mem_size);
	if (rc != 0) {
		dm_errf(err, errlen, "cannot set up %llu MiB of guest memory: %s",
			  (unsigned long long)(cfg->mem_size >> 20), strerror(-rc));
		goto fail;
	}
	rc = pci_init(ctx, err, errlen);
	if (rc != 0)
		goto fail;
	*out = ctx;
	return 0;
fail:
	vmctx_destroy(ctx);
	return rc;
}

void vm_request_stop(struct vmctx *ctx, enum vm_stop_reason why)
{
	int none = VM_STOP_NONE;

	if (why == VM_STOP_NONE)
		return;
	/* First request wins: a reset racing a power-off must not undo it. */
	if (__atomic_compare_exchange_n(&ctx->stop_reason, &none, (int)why, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) &&
	    ctx->on_stop_request != NULL)
		ctx->on_stop_request(ctx);
}

enum vm_stop_reason vm_take_stop_request(struct vmctx *ctx)
{
	return (enum vm_stop_reason)__atomic_exchange_n(&ctx->stop_reason, VM_STOP_NONE,
							 __ATOMIC_ACQ_REL);
}

void vmctx_destroy(struct vmctx *ctx)
{
	if (ctx == NULL)
		return;
	ioreq_loop_stop(ctx);
	if (ctx->pci != NULL)
		pci_deinit(ctx);
	guest_mem_teardown(ctx);
	mmio_table_fini(ctx);
	pio_table_fini(ctx);
	if (ctx->vm_created) {
		/* Drop requests still in flight so no vCPU waits on a dead client. */
		ctx->vmm->clear_vm_ioreq(ctx);
		ctx->vmm->destroy_vm(ctx);
		ctx->vm_created = false;
	}
	ctx->vmm->close(ctx);
	free(ctx->ioreq_buf);
	free(ctx);
}

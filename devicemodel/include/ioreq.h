/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file ioreq.h
 * The IOREQ loop: take requests from the shared page, validate, dispatch to
 * the PIO/MMIO tables or the PCI core, complete them.
 */
#ifndef DM_IOREQ_H
#define DM_IOREQ_H

#include <stdint.h>
#include <linux/acrn.h>
#include "dm_config.h"

struct vmctx;

/**
 * Check a local copy of a request: type, direction, size in {1,2,4,8}
 * ({1,2,4} for port I/O and PCI config), port < 0x10000, no address wrap,
 * PCI bus/device/function/register in range, no PCI access across a dword.
 * @return 0 or -EINVAL
 */
int ioreq_validate(const struct acrn_io_request *req);

/**
 * Handle the request in slot @p vcpu if it is PENDING or PROCESSING: copy it
 * once, validate the copy, dispatch, write the result value, mark it COMPLETE
 * and notify the back-end.  An invalid request is completed without dispatch
 * (reads return all-ones) so the vCPU is not stuck.
 * @return 1 if a request was handled, 0 if the slot was idle, -EINVAL for an
 *         invalid request (still completed), other negative errno on back-end failure
 */
int ioreq_handle_slot(struct vmctx *ctx, uint32_t vcpu);

/** Handle every pending slot once; returns the number handled or a negative errno. */
int ioreq_handle_pending(struct vmctx *ctx);

/**
 * The Linux scheduling the IOREQ thread takes for a VM of class @p prio:
 * high = SCHED_FIFO priority 1, normal = SCHED_OTHER (unchanged), low =
 * SCHED_OTHER at nice 10 (doc/user-vms.md, "Scheduling").
 */
void ioreq_thread_class(enum dm_prio prio, int *policy, int *rt_prio, int *nice);

/**
 * Create the IOREQ client and start the loop thread, which first takes the
 * class of the VM's --priority (ioreq_thread_class()).
 */
int ioreq_loop_start(struct vmctx *ctx);

/** Stop the loop thread (destroys the client to wake it) and join it. */
void ioreq_loop_stop(struct vmctx *ctx);

#endif /* DM_IOREQ_H */

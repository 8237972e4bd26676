/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The two acrn-dm entry points monitor.c's VM glue calls, recorded instead of
 * carried out: tests/tools links monitor.c without the rest of acrn-dm.
 */
#include <stdio.h>
#include <string.h>

#include "dm_stubs.h"
#include "virtio/virtio_blk.h"
#include "vmctx.h"

struct dm_stubs_record dm_stubs;

void vm_request_stop(struct vmctx *ctx, enum vm_stop_reason why)
{
	dm_stubs.stop_calls++;
	dm_stubs.last_stop_reason = (int)why;
}

int virtio_blk_rescan(struct vmctx *ctx, int slot, int func, const char *path)
{
	dm_stubs.rescan_calls++;
	dm_stubs.rescan_slot = slot;
	dm_stubs.rescan_func = func;
	snprintf(dm_stubs.rescan_path, sizeof(dm_stubs.rescan_path), "%s", path);
	return dm_stubs.rescan_result;
}

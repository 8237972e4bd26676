/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file dm_stubs.h
 * Stand-ins for the acrn-dm functions monitor.c calls (vm_request_stop,
 * virtio_blk_rescan), recording their arguments so tests can check them.
 */
#ifndef TESTS_TOOLS_DM_STUBS_H
#define TESTS_TOOLS_DM_STUBS_H

#include <limits.h>

/** What the stubs saw last. */
struct dm_stubs_record {
	int stop_calls;			/**< vm_request_stop() calls */
	int last_stop_reason;		/**< its enum vm_stop_reason */
	int rescan_calls;
	int rescan_slot, rescan_func;
	char rescan_path[PATH_MAX];
	int rescan_result;		/**< what virtio_blk_rescan() returns */
};

/** The record (reset it with memset). */
extern struct dm_stubs_record dm_stubs;

#endif /* TESTS_TOOLS_DM_STUBS_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file monitor.h
 * acrn-dm's monitor: a unix stream socket, `<dir>/<vmname>.<pid>.socket`
 * with dir = $ACRN_MNGR_DIR or /run/acrn/mngr (created 0700), served by one
 * thread with poll().  Each request (monitor_proto.h) becomes a call through
 * struct monitor_vm_ops and is answered with one reply; malformed messages get
 * an error reply and never reach the VM.
 *
 * The server (monitor_server_*) knows nothing of struct vmctx, so tests run
 * it with fake ops; monitor_start()/monitor_stop() bind it to a real VM.
 */
#ifndef DM_MONITOR_H
#define DM_MONITOR_H

#include <stdbool.h>

#include "monitor_proto.h"

struct vmctx;
struct monitor_server;

#define MONITOR_DEFAULT_DIR	"/run/acrn/mngr"	/**< unless $ACRN_MNGR_DIR */
#define MONITOR_MAX_CLIENTS	16			/**< connections served at once */

/**
 * What the monitor can do to a VM.  Every operation returns 0 or a negative
 * errno (sent back as the reply's status); a NULL operation is answered with
 * -EOPNOTSUPP.  Called from the monitor thread only, one at a time.
 */
struct monitor_vm_ops {
	/** Stop the VM: ask the guest to shut down, or at once if @p force. */
	int (*stop)(void *opaque, bool force);
	int (*suspend)(void *opaque);
	int (*resume)(void *opaque);
	/** Stop the vCPUs (the VM stays in memory). */
	int (*pause)(void *opaque);
	/** Run the vCPUs again after pause. */
	int (*cont)(void *opaque);
	int (*reset)(void *opaque);
	/** Switch virtio-blk at 0:@p slot.@p func to the image @p path (absolute). */
	int (*blkrescan)(void *opaque, unsigned int slot, unsigned int func, const char *path);
	/** Fill info->vcpus and info->mem_bytes (the server fills the rest). */
	void (*query)(void *opaque, struct monitor_vm_info *info);
};

/** The socket directory: $ACRN_MNGR_DIR if set and not empty, else MONITOR_DEFAULT_DIR. */
const char *monitor_dir(void);

/**
 * True if @p name is a valid VM name: 1-31 characters of A-Z a-z 0-9 _ - .,
 * not starting with '-' or '.' (acrn-dm's rule; names end up in paths).
 */
bool monitor_name_is_valid(const char *name);

/**
 * Create the socket `<dir>/<vm_name>.<getpid()>.socket` (mode 0600, dir created
 * 0700 if missing) and start the monitor thread.  The VM starts in state
 * MONITOR_STATE_RUNNING.  Call with the signals acrn-dm handles blocked.
 * @param dir      socket directory (NULL: monitor_dir())
 * @param ops      VM operations, @p opaque their first argument
 * @return 0 and *out; -EINVAL bad name; -ENAMETOOLONG path too long for a
 *         socket address; -errno of mkdir/socket/bind/pthread_create
 */
int monitor_server_create(const char *dir, const char *vm_name, const struct monitor_vm_ops *ops,
			  void *opaque, struct monitor_server **out);

/** Stop the thread, close every connection, remove the socket; NULL is a no-op. */
void monitor_server_destroy(struct monitor_server *srv);

/** Path of the server's socket. */
const char *monitor_server_path(const struct monitor_server *srv);

/** Current state as the monitor tracks it. */
enum monitor_vm_state monitor_server_state(struct monitor_server *srv);

/** Override the tracked state (e.g. STOPPING when the VM stops by itself). */
void monitor_server_set_state(struct monitor_server *srv, enum monitor_vm_state state);

/**
 * Start the monitor of acrn-dm's VM @p ctx named @p vm_name (call once, after
 * START_VM, with SIGINT/SIGTERM/SIGUSR1 blocked).  STOP requests
 * vm_request_stop(VM_STOP_POWEROFF) (a non-forced stop presses the ACPI power
 * button instead when the platform devices provide one), RESET
 * vm_request_stop(VM_STOP_RESET), PAUSE/CONTINUE the back-end's
 * pause_vm/start_vm, BLKRESCAN virtio_blk_rescan().
 * @return 0 or a negative errno (see monitor_server_create())
 */
int monitor_start(struct vmctx *ctx, const char *vm_name);

/** Stop the monitor started by monitor_start() and remove its socket; safe if none. */
void monitor_stop(void);

#endif /* DM_MONITOR_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file mngr.h
 * Client side of acrn-dm's monitor socket, shared by acrnctl and acrnd:
 * finding the socket of a running VM in the manager directory
 * (`$ACRN_MNGR_DIR` or /run/acrn/mngr, files `<name>.<pid>.socket`) and
 * sending one request.
 */
#ifndef ACRNCTL_MNGR_H
#define ACRNCTL_MNGR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "monitor_proto.h"

#define MNGR_DEFAULT_DIR	"/run/acrn/mngr"
#define MNGR_PATH_MAX		108		/**< sizeof(sockaddr_un.sun_path) */
#define MNGR_TIMEOUT_MS		5000		/**< default wait for a reply */

/** One running VM, as its socket name tells. */
struct mngr_vm {
	char name[MONITOR_NAME_MAX];
	pid_t pid;				/**< of its acrn-dm */
	char path[MNGR_PATH_MAX];		/**< its socket */
};

/** Called for every stale socket removed (its acrn-dm is gone). */
typedef void (*mngr_stale_fn)(const char *path);

/** The manager directory: $ACRN_MNGR_DIR if set and not empty, else MNGR_DEFAULT_DIR. */
const char *mngr_dir(void);

/**
 * Split a socket file name `<name>.<pid>.socket` (name as acrn-dm accepts it).
 * @return 0, or -EINVAL if @p file is not such a name
 */
int mngr_parse_socket_name(const char *file, char name[MONITOR_NAME_MAX], pid_t *pid);

/**
 * Every VM with a live socket in mngr_dir(), sorted by name.  Sockets whose
 * process is gone (or that refuse connections) are unlinked and reported
 * through @p on_stale (may be NULL).
 * @param out  malloc'ed array (free()), *n entries; NULL if none
 * @return 0 (also if the directory does not exist) or a negative errno
 */
int mngr_list(struct mngr_vm **out, size_t *n, mngr_stale_fn on_stale);

/**
 * The live socket of VM @p name (see mngr_list() for stale ones).
 * @return 0 and *vm; -ENOENT if the VM is not running
 */
int mngr_find(const char *name, struct mngr_vm *vm, mngr_stale_fn on_stale);

/**
 * Send @p req to the socket @p path and wait up to @p timeout_ms for the reply
 * with the same seq (req->seq is filled in).
 * @return 0 and *reply (whose status may be an error of the VM);
 *         -ECONNREFUSED no server; -ETIMEDOUT; -EPROTO bad reply; -errno of connect/send/recv
 */
int mngr_request(const char *path, struct monitor_msg *req, struct monitor_msg *reply,
		 int timeout_ms);

/** Convenience: a request of @p type (STOP with @p flags) to VM @p vm. */
int mngr_simple(const struct mngr_vm *vm, uint16_t type, uint32_t flags,
		struct monitor_msg *reply);

/** True if process @p pid exists (kill(pid, 0) does not say ESRCH). */
bool mngr_pid_alive(pid_t pid);

#endif /* ACRNCTL_MNGR_H */

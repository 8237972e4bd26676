/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file vmstore.h
 * The VMs acrnctl knows: one directory per VM under the state directory
 * (`$ACRN_STATE_DIR` or /var/lib/acrn/vms), holding
 *   - `vm.conf`   `script=`, `autostart=`, `restart=`, `seq=` lines
 *   - `args`      the launch script's arguments, each NUL-terminated
 *   - `launcher`  "PID STARTTIME" of the last launch (while it may be alive)
 * plus helpers to find the VM name in a launch script and to launch it.
 */
#ifndef ACRNCTL_VMSTORE_H
#define ACRNCTL_VMSTORE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "monitor_proto.h"

#define VMSTORE_DEFAULT_DIR	"/var/lib/acrn/vms"
#define VMSTORE_DEFAULT_LOGDIR	"/var/log/acrn"
#define VMSTORE_MAX_ARGS	64		/**< launch script arguments kept */
#define VMSTORE_ARGS_BYTES	16384		/**< all arguments together */
#define VMSTORE_SCRIPT_MAX	(1 << 20)	/**< launch scripts larger than this are refused */

/** One added VM. */
struct vm_record {
	char name[MONITOR_NAME_MAX];
	char script[PATH_MAX];			/**< absolute path of the launch script */
	int argc;
	char *argv[VMSTORE_MAX_ARGS + 1];	/**< NULL-terminated; point into argbuf */
	char argbuf[VMSTORE_ARGS_BYTES];
	bool autostart;				/**< acrnd starts it at boot */
	bool restart;				/**< acrnd restarts it after an abnormal exit */
	unsigned long seq;			/**< order of `acrnctl add` */
};

/** The state directory: $ACRN_STATE_DIR if set and not empty, else VMSTORE_DEFAULT_DIR. */
const char *vmstore_dir(void);

/** True if @p name is a VM name acrn-dm accepts (1-31 of A-Z a-z 0-9 _ - ., not first - or .). */
bool vmstore_name_is_valid(const char *name);

/**
 * Find the VM name in launch script @p path: the last argument of the last
 * acrn-dm command line in it whose last argument is a valid name.  Shell
 * quoting, comments, `\` continuations, redirections and `$1`..`$9` / `${1}`..`${9}`
 * (taken from @p argv) are understood; other variables are not expanded.
 * @return 0 and @p name; -ENOENT if no such command line; -EFBIG script too
 *         large; -errno of open/read
 */
int vmstore_name_from_script(const char *path, int argc, char *const argv[],
			     char name[MONITOR_NAME_MAX]);

/** Same as vmstore_name_from_script() on the text @p text of @p len bytes. */
int vmstore_name_from_text(const char *text, size_t len, int argc, char *const argv[],
			   char name[MONITOR_NAME_MAX]);

/**
 * Record @p r (name, script, args, autostart, restart; seq is assigned).
 * @return 0; -EEXIST already added; -E2BIG too many/long args; -errno
 */
int vmstore_add(struct vm_record *r);

/** Load the record of @p name.  @return 0; -ENOENT not added; -EINVAL corrupt */
int vmstore_load(const char *name, struct vm_record *r);

/** Remove the record of @p name.  @return 0 or -ENOENT / -errno */
int vmstore_del(const char *name);

/**
 * Every added VM, in the order they were added.
 * @param out  malloc'ed array (free()), *n entries
 * @return 0 or a negative errno (a missing state directory is an empty list)
 */
int vmstore_list(struct vm_record **out, size_t *n);

/** Path of the log of VM @p name (see doc/acrnctl.md); creates its directory. */
int vmstore_log_path(const char *name, char *buf, size_t len);

/**
 * Launch the recorded script of @p r: a child in its own session, stdin
 * /dev/null, stdout and stderr appended to vmstore_log_path(), signal mask
 * and dispositions reset; the child's identity is saved as the VM's launcher.
 * Returns once the child has exec'ed the script (or failed to and exited), so
 * the caller may exit at once and finds the child in its own session.
 * @return 0 and *pid, or a negative errno
 */
int vmstore_launch(const struct vm_record *r, pid_t *pid);

/** The launcher recorded for @p name if that very process still runs (else 0). */
pid_t vmstore_launcher_alive(const char *name);

/** Forget the launcher of @p name (it exited). */
void vmstore_launcher_clear(const char *name);

#endif /* ACRNCTL_VMSTORE_H */

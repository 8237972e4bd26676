/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrnctl: manage User VMs.  Added VMs are records in the state directory
 * (vmstore.h); running VMs are acrn-dm processes with a monitor socket
 * (mngr.h).  Every failure prints exactly one line "acrnctl: ..." on stderr
 * and exits 1 (2 for a usage error), so scripts can rely on the status and
 * people on the message.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mngr.h"
#include "vmstore.h"

#define EXIT_FAIL	1
#define EXIT_USAGE	2

struct cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *synopsis;
	const char *help;
};

static const struct cmd *find_cmd(const char *name);

static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	fputs("acrnctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void on_stale(const char *path)
{
	fail("stale socket %s removed", path);
}

/* One line naming the command's right syntax. */
static int usage_error(const char *cmd, const char *problem)
{
	const struct cmd *c = find_cmd(cmd);

	fail("%s (usage: acrnctl %s)", problem, c ? c->synopsis : cmd);
	return EXIT_USAGE;
}

/* "acrnctl CMD --help" (right after the command: later words may be a script's). */
static bool wants_help(int argc, char **argv)
{
	return argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);
}

static void print_cmd_help(const struct cmd *c)
{
	printf("Usage: acrnctl %s\n\n%s", c->synopsis, c->help);
}

/* The VM must be running: find its socket or say why not. */
static int need_running(const char *name, struct mngr_vm *vm)
{
	struct vm_record *r;
	int rc;

	rc = mngr_find(name, vm, on_stale);
	if (rc == 0)
		return 0;
	if (rc != -ENOENT) {
		fail("cannot read %s: %s", mngr_dir(), strerror(-rc));
		return EXIT_FAIL;
	}
	r = malloc(sizeof(*r));
	if (r != NULL && vmstore_load(name, r) == 0)
		fail("VM '%s' is not running", name);
	else
		fail("no VM named '%s'", name);
	free(r);
	return EXIT_FAIL;
}

static const char *state_of(const struct mngr_vm *vm, char *buf, size_t len)
{
	struct monitor_msg *reply = malloc(sizeof(*reply));

	snprintf(buf, len, "unknown");
	if (reply != NULL && mngr_simple(vm, MONITOR_MSG_QUERY_STATE, 0, reply) == 0 &&
	    reply->status == 0)
		snprintf(buf, len, "%s", reply->info.state);
	free(reply);
	return buf;
}

/* Explain a refused request in one line. */
static void explain(const char *cmd, const struct mngr_vm *vm, int status)
{
	static const char *const already[] = {
		[MONITOR_MSG_STOP] = "stopping",
		[MONITOR_MSG_SUSPEND] = "suspended",
		[MONITOR_MSG_RESUME] = "running",
		[MONITOR_MSG_PAUSE] = "paused",
		[MONITOR_MSG_CONTINUE] = "running",
	};
	const struct cmd *c = find_cmd(cmd);
	char st[MONITOR_STATE_MAX];
	int type = -1;

	for (int t = MONITOR_MSG_STOP; t <= MONITOR_MSG_TYPE_LAST; t++)
		if (c && strcmp(monitor_type_name((uint32_t)t), c->name) == 0)
			type = t;
	if (status == -EALREADY && type > 0 && type <= MONITOR_MSG_CONTINUE)
		fail("VM '%s' is already %s", vm->name, already[type]);
	else if (status == -EBUSY)
		fail("cannot %s VM '%s' while it is %s", cmd, vm->name,
		     state_of(vm, st, sizeof(st)));
	else if (status == -EOPNOTSUPP)
		fail("VM '%s' does not support %s", vm->name, cmd);
	else
		fail("cannot %s VM '%s': %s", cmd, vm->name, strerror(-status));
}

/* Send one request to a running VM and report the outcome. */
static int vm_request(const char *cmd, const char *name, struct monitor_msg *req)
{
	struct monitor_msg *reply;
	struct mngr_vm vm;
	int rc;

	rc = need_running(name, &vm);
	if (rc != 0)
		return rc;
	reply = malloc(sizeof(*reply));
	if (reply == NULL) {
		fail("out of memory");
		return EXIT_FAIL;
	}
	rc = mngr_request(vm.path, req, reply, MNGR_TIMEOUT_MS);
	if (rc == -ETIMEDOUT)
		fail("VM '%s' did not answer within %d s", name, MNGR_TIMEOUT_MS / 1000);
	else if (rc == -ECONNREFUSED || rc == -ENOENT)
		fail("VM '%s' is not running", name);
	else if (rc != 0)
		fail("cannot talk to VM '%s': %s", name, strerror(-rc));
	else if (reply->status != 0)
		explain(cmd, &vm, reply->status);
	rc = (rc == 0 && reply->status == 0) ? 0 : EXIT_FAIL;
	free(reply);
	return rc;
}

static int simple_cmd(int argc, char **argv, uint16_t type, uint32_t flags)
{
	struct monitor_msg *req;
	int rc;

	if (argc != 2)
		return usage_error(argv[0], argc < 2 ? "missing VM name" : "too many arguments");
	req = calloc(1, sizeof(*req));
	if (req == NULL)
		return EXIT_FAIL;
	req->type = type;
	req->flags = flags;
	rc = vm_request(argv[0], argv[1], req);
	free(req);
	return rc;
}

static int cmd_pause(int argc, char **argv)
{
	return simple_cmd(argc, argv, MONITOR_MSG_PAUSE, 0);
}

static int cmd_continue(int argc, char **argv)
{
	return simple_cmd(argc, argv, MONITOR_MSG_CONTINUE, 0);
}

static int cmd_suspend(int argc, char **argv)
{
	return simple_cmd(argc, argv, MONITOR_MSG_SUSPEND, 0);
}

static int cmd_resume(int argc, char **argv)
{
	return simple_cmd(argc, argv, MONITOR_MSG_RESUME, 0);
}

static int cmd_reset(int argc, char **argv)
{
	return simple_cmd(argc, argv, MONITOR_MSG_RESET, 0);
}

static int cmd_stop(int argc, char **argv)
{
	uint32_t flags = 0;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--force") == 0) {
			flags |= MONITOR_STOP_FORCE;
		} else {
			fail("unknown option '%s' (usage: acrnctl %s)", argv[i],
			     find_cmd("stop")->synopsis);
			return EXIT_USAGE;
		}
	}
	argv[i - 1] = argv[0];
	return simple_cmd(argc - i + 1, argv + i - 1, MONITOR_MSG_STOP, flags);
}

/* SLOT or SLOT:FUNC, decimal, slot 0-31, function 0-7. */
static int parse_slot(const char *s, unsigned int *slot, unsigned int *func)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (end == s || errno != 0 || v > 31 || s[0] == '-' || s[0] == '+')
		return -EINVAL;
	*slot = (unsigned int)v;
	*func = 0;
	if (*end == ':') {
		s = end + 1;
		v = strtoul(s, &end, 10);
		if (end == s || v > 7 || s[0] == '-' || s[0] == '+')
			return -EINVAL;
		*func = (unsigned int)v;
	}
	return *end == '\0' ? 0 : -EINVAL;
}

static int cmd_blkrescan(int argc, char **argv)
{
	struct monitor_msg *req;
	unsigned int slot, func;
	char *path;
	int rc;

	if (argc != 4)
		return usage_error(argv[0], argc < 4 ? "missing arguments" : "too many arguments");
	if (parse_slot(argv[2], &slot, &func) != 0)
		return usage_error(argv[0], "SLOT must be N or N:F with N 0-31 and F 0-7");
	/* acrn-dm runs elsewhere: send an absolute path. */
	path = realpath(argv[3], NULL);
	if (path == NULL) {
		fail("cannot use image '%s': %s", argv[3], strerror(errno));
		return EXIT_FAIL;
	}
	req = calloc(1, sizeof(*req));
	if (req == NULL || strlen(path) >= sizeof(req->path)) {
		fail("image path too long");
		free(req);
		free(path);
		return EXIT_FAIL;
	}
	req->type = MONITOR_MSG_BLKRESCAN;
	req->slot = (uint8_t)slot;
	req->func = (uint8_t)func;
	strcpy(req->path, path);
	rc = vm_request(argv[0], argv[1], req);
	free(req);
	free(path);
	return rc;
}

/* ---- list -------------------------------------------------------------- */

struct row {
	char name[MONITOR_NAME_MAX];
	char state[MONITOR_STATE_MAX];
	char vcpus[8], mem[24], uptime[32];
};

static void fmt_mem(uint64_t bytes, char *buf, size_t len)
{
	if (bytes != 0 && bytes % (1ULL << 30) == 0)
		snprintf(buf, len, "%lluG", (unsigned long long)(bytes >> 30));
	else
		snprintf(buf, len, "%lluM", (unsigned long long)((bytes + (1ULL << 20) - 1) >> 20));
}

static void fmt_uptime(uint64_t start, char *buf, size_t len)
{
	uint64_t now = (uint64_t)time(NULL), s = now > start ? now - start : 0;

	if (s >= 86400)
		snprintf(buf, len, "%llud %02llu:%02llu:%02llu", (unsigned long long)(s / 86400),
			 (unsigned long long)(s / 3600 % 24), (unsigned long long)(s / 60 % 60),
			 (unsigned long long)(s % 60));
	else
		snprintf(buf, len, "%02llu:%02llu:%02llu", (unsigned long long)(s / 3600),
			 (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
}

static void fill_running(struct row *r, const struct mngr_vm *vm)
{
	struct monitor_msg *reply = malloc(sizeof(*reply));

	snprintf(r->name, sizeof(r->name), "%s", vm->name);
	snprintf(r->state, sizeof(r->state), "unknown");
	strcpy(r->vcpus, "-");
	strcpy(r->mem, "-");
	strcpy(r->uptime, "-");
	if (reply == NULL || mngr_simple(vm, MONITOR_MSG_QUERY_STATE, 0, reply) != 0 ||
	    reply->status != 0) {
		free(reply);
		return;
	}
	snprintf(r->state, sizeof(r->state), "%s", reply->info.state);
	snprintf(r->vcpus, sizeof(r->vcpus), "%u", reply->info.vcpus);
	fmt_mem(reply->info.mem_bytes, r->mem, sizeof(r->mem));
	fmt_uptime(reply->info.start_time, r->uptime, sizeof(r->uptime));
	free(reply);
}

static int cmd_list(int argc, char **argv)
{
	struct vm_record *recs;
	struct mngr_vm *vms;
	size_t nrec, nvm, nrow = 0, width = 4;
	struct row *rows;
	int rc;

	if (argc != 1)
		return usage_error(argv[0], "too many arguments");
	rc = vmstore_list(&recs, &nrec);
	if (rc != 0) {
		fail("cannot read %s: %s", vmstore_dir(), strerror(-rc));
		return EXIT_FAIL;
	}
	rc = mngr_list(&vms, &nvm, on_stale);
	if (rc != 0) {
		fail("cannot read %s: %s", mngr_dir(), strerror(-rc));
		free(recs);
		return EXIT_FAIL;
	}
	rows = calloc(nrec + nvm + 1, sizeof(*rows));
	if (rows == NULL) {
		free(recs);
		free(vms);
		return EXIT_FAIL;
	}
	/* Added VMs in the order they were added, then running VMs nobody added. */
	for (size_t i = 0; i < nrec; i++) {
		struct row *r = &rows[nrow++];
		size_t k = 0;

		while (k < nvm && strcmp(vms[k].name, recs[i].name) != 0)
			k++;
		if (k < nvm) {
			fill_running(r, &vms[k]);
			continue;
		}
		snprintf(r->name, sizeof(r->name), "%s", recs[i].name);
		snprintf(r->state, sizeof(r->state), "%s",
			 vmstore_launcher_alive(recs[i].name) ? "starting" : "stopped");
		strcpy(r->vcpus, "-");
		strcpy(r->mem, "-");
		strcpy(r->uptime, "-");
	}
	for (size_t k = 0; k < nvm; k++) {
		size_t i = 0;

		while (i < nrec && strcmp(vms[k].name, recs[i].name) != 0)
			i++;
		if (i == nrec)
			fill_running(&rows[nrow++], &vms[k]);
	}
	for (size_t i = 0; i < nrow; i++)
		if (strlen(rows[i].name) > width)
			width = strlen(rows[i].name);
	printf("%-*s  %-9s  %5s  %7s  %s\n", (int)width, "NAME", "STATE", "VCPUS", "MEMORY",
	       "UPTIME");
	for (size_t i = 0; i < nrow; i++)
		printf("%-*s  %-9s  %5s  %7s  %s\n", (int)width, rows[i].name, rows[i].state,
		       rows[i].vcpus, rows[i].mem, rows[i].uptime);
	free(rows);
	free(recs);
	free(vms);
	return 0;
}

/* ---- add / del / start ------------------------------------------------- */

static bool vm_is_running(const char *name)
{
	struct mngr_vm vm;

	return mngr_find(name, &vm, on_stale) == 0 || vmstore_launcher_alive(name) != 0;
}

static int cmd_add(int argc, char **argv)
{
	struct vm_record *r;
	const char *name = NULL;
	char found[MONITOR_NAME_MAX], *script;
	bool autostart = false, restart = false;
	int i = 1, rc, ret = EXIT_FAIL;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--autostart") == 0)
			autostart = true;
		else if (strcmp(argv[i], "--restart") == 0)
			restart = true;
		else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
			name = argv[++i];
		else if (strncmp(argv[i], "--name=", 7) == 0)
			name = argv[i] + 7;
		else
			return usage_error("add", "unknown option");
	}
	if (i >= argc)
		return usage_error("add", "missing launch script");
	if (argc - i - 1 > VMSTORE_MAX_ARGS)
		return usage_error("add", "too many script arguments");
	if (name != NULL && !vmstore_name_is_valid(name)) {
		fail("invalid VM name '%s' (1-31 of A-Z a-z 0-9 _ - ., not starting with - or .)",
		     name);
		return EXIT_USAGE;
	}
	script = realpath(argv[i], NULL);
	if (script == NULL || access(script, R_OK) != 0) {
		fail("cannot read launch script '%s': %s", argv[i], strerror(errno));
		free(script);
		return EXIT_FAIL;
	}
	rc = vmstore_name_from_script(script, argc - i - 1, argv + i + 1, found);
	if (rc != 0 && rc != -ENOENT) {
		fail("cannot read launch script '%s': %s", argv[i], strerror(-rc));
		goto out;
	}
	if (rc == -ENOENT && name == NULL) {
		fail("no VM name found in '%s': the last argument of its acrn-dm command line "
		     "must be a literal name or $1..$9 (or use --name NAME)", argv[i]);
		goto out;
	}
	if (rc == 0 && name != NULL && strcmp(name, found) != 0) {
		fail("launch script '%s' starts VM '%s', not '%s'", argv[i], found, name);
		goto out;
	}
	if (name == NULL)
		name = found;
	r = calloc(1, sizeof(*r));
	if (r == NULL || strlen(script) >= sizeof(r->script)) {
		free(r);
		goto out;
	}
	strcpy(r->name, name);
	strcpy(r->script, script);
	r->argc = argc - i - 1;
	for (int a = 0; a < r->argc; a++)
		r->argv[a] = argv[i + 1 + a];
	r->autostart = autostart;
	r->restart = restart;
	rc = vmstore_add(r);
	if (rc == -EEXIST)
		fail("VM '%s' is already added (acrnctl del %s first)", name, name);
	else if (rc != 0)
		fail("cannot record VM '%s' in %s: %s", name, vmstore_dir(), strerror(-rc));
	else
		printf("added VM '%s'\n", name);
	ret = rc == 0 ? 0 : EXIT_FAIL;
	free(r);
out:
	free(script);
	return ret;
}

static int cmd_del(int argc, char **argv)
{
	struct vm_record *r;
	int rc;

	if (argc != 2)
		return usage_error(argv[0], argc < 2 ? "missing VM name" : "too many arguments");
	r = malloc(sizeof(*r));
	if (r == NULL)
		return EXIT_FAIL;
	rc = vmstore_load(argv[1], r);
	free(r);
	if (rc == -ENOENT) {
		fail("no VM named '%s'", argv[1]);
		return EXIT_FAIL;
	}
	if (vm_is_running(argv[1])) {
		fail("VM '%s' is running: stop it first", argv[1]);
		return EXIT_FAIL;
	}
	rc = vmstore_del(argv[1]);
	if (rc != 0) {
		fail("cannot delete VM '%s': %s", argv[1], strerror(-rc));
		return EXIT_FAIL;
	}
	printf("deleted VM '%s'\n", argv[1]);
	return 0;
}

static int cmd_start(int argc, char **argv)
{
	struct vm_record *r;
	char log[PATH_MAX];
	int rc, status = 0, ret = EXIT_FAIL;
	pid_t pid, w = 0;

	if (argc != 2)
		return usage_error(argv[0], argc < 2 ? "missing VM name" : "too many arguments");
	r = malloc(sizeof(*r));
	if (r == NULL)
		return EXIT_FAIL;
	rc = vmstore_load(argv[1], r);
	if (rc != 0) {
		if (rc == -ENOENT && vm_is_running(argv[1]))
			fail("VM '%s' is already running", argv[1]);
		else if (rc == -ENOENT)
			fail("no VM named '%s'", argv[1]);
		else
			fail("record of VM '%s' is corrupt (acrnctl del and add it again)", argv[1]);
		goto out;
	}
	if (vm_is_running(argv[1])) {
		fail("VM '%s' is already running", argv[1]);
		goto out;
	}
	rc = vmstore_log_path(r->name, log, sizeof(log));
	if (rc == 0)
		rc = vmstore_launch(r, &pid);
	if (rc != 0) {
		fail("cannot start VM '%s': %s", argv[1], strerror(-rc));
		goto out;
	}
	/* Catch a launch script that fails at once; anything later is in the log. */
	for (int i = 0; i < 25 && w == 0; i++) {
		usleep(20000);
		w = waitpid(pid, &status, WNOHANG);
	}
	if (w == pid && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		vmstore_launcher_clear(r->name);
		if (WIFEXITED(status))
			fail("VM '%s' failed to start: launch script exited with status %d, see %s",
			     argv[1], WEXITSTATUS(status), log);
		else
			fail("VM '%s' failed to start: launch script killed by signal %d, see %s",
			     argv[1], WTERMSIG(status), log);
		goto out;
	}
	printf("started VM '%s' (log: %s)\n", argv[1], log);
	ret = 0;
out:
	free(r);
	return ret;
}

/* ---- help -------------------------------------------------------------- */

static int cmd_help(int argc, char **argv);

static const struct cmd cmds[] = {
	{ "list", cmd_list, "list",
	  "    Show every added VM and every running VM: NAME, STATE (running, paused,\n"
	  "    suspended, stopping, starting, stopped), VCPUS, MEMORY and UPTIME.\n"
	  "    Running VMs are asked through their monitor socket; added VMs without\n"
	  "    one are 'stopped' ('starting' while their launch script runs).\n" },
	{ "add", cmd_add, "add [--autostart] [--restart] [--name NAME] SCRIPT [ARGS...]",
	  "    Record launch script SCRIPT (and ARGS, passed to it at start) as a VM.\n"
	  "    Nothing is run.  The VM name is the last argument of the acrn-dm\n"
	  "    command line in SCRIPT (a literal, or $1..$9 taken from ARGS); --name\n"
	  "    gives it when the script computes it.\n"
	  "    --autostart   acrnd starts the VM at boot, in the order VMs were added\n"
	  "    --restart     acrnd restarts the VM when its acrn-dm exits abnormally\n" },
	{ "del", cmd_del, "del NAME",
	  "    Forget VM NAME (its launch script is left alone).  Refused while the VM\n"
	  "    runs.\n" },
	{ "start", cmd_start, "start NAME",
	  "    Run the launch script of VM NAME in the background, in its own session,\n"
	  "    output appended to /var/log/acrn/NAME.log ($ACRN_LOG_DIR/NAME.log, or\n"
	  "    the VM's state directory when $ACRN_STATE_DIR is set).  Fails if the\n"
	  "    script exits with an error within half a second.\n" },
	{ "stop", cmd_stop, "stop [-f|--force] NAME",
	  "    Ask VM NAME to stop: the guest gets an ACPI power-button press and\n"
	  "    acrn-dm exits once it has shut down.  With -f acrn-dm stops the VM at\n"
	  "    once, whatever the guest does.  A paused VM can only be stopped\n"
	  "    with -f (its guest cannot react to the power button).\n" },
	{ "pause", cmd_pause, "pause NAME",
	  "    Stop the vCPUs of VM NAME; its memory and devices stay as they are.\n" },
	{ "continue", cmd_continue, "continue NAME",
	  "    Run the vCPUs of a paused VM NAME again.\n" },
	{ "suspend", cmd_suspend, "suspend NAME",
	  "    Suspend VM NAME to RAM (if its acrn-dm supports it).\n" },
	{ "resume", cmd_resume, "resume NAME",
	  "    Resume a suspended VM NAME.\n" },
	{ "reset", cmd_reset, "reset NAME",
	  "    Reset VM NAME, as the reset button of a PC would.\n" },
	{ "blkrescan", cmd_blkrescan, "blkrescan NAME SLOT[:FUNC] PATH",
	  "    Make the virtio-blk device at PCI 0:SLOT.FUNC of VM NAME use the image\n"
	  "    PATH (e.g. after the old one was resized or replaced).  The guest sees\n"
	  "    the new capacity through a configuration-change interrupt.\n" },
	{ "help", cmd_help, "help [COMMAND]",
	  "    Show the overview, or the help of COMMAND.\n" },
};

static const struct cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f, "NAME\n    acrnctl - manage ACRN User VMs\n\n"
		   "SYNOPSIS\n    acrnctl COMMAND [ARGUMENTS]\n    acrnctl help [COMMAND]\n\n"
		   "COMMANDS\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "    %s\n", cmds[i].synopsis);
	fprintf(f, "\nENVIRONMENT\n"
		   "    ACRN_STATE_DIR  records of added VMs (default %s)\n"
		   "    ACRN_MNGR_DIR   monitor sockets of running VMs (default %s)\n"
		   "    ACRN_LOG_DIR    logs of started VMs (default %s)\n\n"
		   "EXIT STATUS\n    0 success, 1 failure, 2 usage error.  Every failure prints\n"
		   "    one line on standard error.\n\nSee acrnctl help COMMAND and doc/acrnctl.md.\n",
		VMSTORE_DEFAULT_DIR, MNGR_DEFAULT_DIR, VMSTORE_DEFAULT_LOGDIR);
}

static int cmd_help(int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	c = find_cmd(argv[1]);
	if (c == NULL) {
		fail("no command named '%s' (see acrnctl --help)", argv[1]);
		return EXIT_USAGE;
	}
	print_cmd_help(c);
	return 0;
}

int main(int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 2) {
		fail("missing command (see acrnctl --help)");
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	c = find_cmd(argv[1]);
	if (c == NULL) {
		fail("no command named '%s' (see acrnctl --help)", argv[1]);
		return EXIT_USAGE;
	}
	if (c->run != cmd_help && wants_help(argc - 1, argv + 1)) {
		print_cmd_help(c);
		return 0;
	}
	return c->run(argc - 1, argv + 1);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrnd: the boot-time VM manager.  At start it launches every VM added with
 * --autostart, in the order they were added, waiting (briefly) for each one's
 * monitor socket before the next, so a VM that serves others comes up first.
 * It keeps the launch scripts as children, so it learns how each acrn-dm
 * ended and restarts the --restart ones after an abnormal exit (non-zero
 * status or a signal), at most ACRND_RESTART_BURST times a minute.  On
 * SIGTERM/SIGINT it asks every running VM to stop, waits --timeout seconds,
 * forces the rest, and finally kills what still runs.
 *
 * All signals are taken synchronously with sigtimedwait(): no handler, no
 * async-signal-safety traps.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mngr.h"
#include "vmstore.h"

#define ACRND_TIMEOUT_DEFAULT	30	/* seconds for guests to shut down */
#define ACRND_FORCE_WAIT	5	/* seconds after a forced stop before SIGKILL */
#define ACRND_START_WAIT_MS	3000	/* wait for a VM's socket before the next */
#define ACRND_RESTART_DELAY	1	/* seconds before a restart */
#define ACRND_RESTART_BURST	5	/* restarts allowed per ACRND_RESTART_WINDOW */
#define ACRND_RESTART_WINDOW	60

struct acrnd_vm {
	struct vm_record rec;
	pid_t pid;			/* launch script, 0 when not running */
	time_t restart_at;		/* 0: no restart pending */
	time_t window_start;
	int restarts;			/* in the current window */
};

static struct acrnd_vm *vms;
static size_t nvms;
static int shutdown_timeout = ACRND_TIMEOUT_DEFAULT;

static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	va_list ap;

	fputs("acrnd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void on_stale(const char *path)
{
	say("stale socket %s removed", path);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static time_t now_s(void)
{
	return (time_t)(now_ms() / 1000);
}

static struct acrnd_vm *vm_by_pid(pid_t pid)
{
	for (size_t i = 0; i < nvms; i++)
		if (vms[i].pid == pid)
			return &vms[i];
	return NULL;
}

static int launch(struct acrnd_vm *v)
{
	int rc = vmstore_launch(&v->rec, &v->pid);

	if (rc != 0) {
		say("cannot start VM '%s': %s", v->rec.name, strerror(-rc));
		v->pid = 0;
		return rc;
	}
	say("started VM '%s' (launch script pid %d)", v->rec.name, (int)v->pid);
	return 0;
}

/* What to do once a launch script ended: forget it, or schedule a restart. */
static void child_exited(struct acrnd_vm *v, int status, bool stopping)
{
	bool abnormal = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	time_t now = now_s();

	v->pid = 0;
	vmstore_launcher_clear(v->rec.name);
	if (WIFEXITED(status))
		say("VM '%s' exited with status %d", v->rec.name, WEXITSTATUS(status));
	else
		say("VM '%s' killed by signal %d", v->rec.name, WTERMSIG(status));
	if (!abnormal || !v->rec.restart || stopping)
		return;
	if (now - v->window_start >= ACRND_RESTART_WINDOW) {
		v->window_start = now;
		v->restarts = 0;
	}
	if (v->restarts >= ACRND_RESTART_BURST) {
		say("VM '%s' failed %d times within %d s: not restarting it", v->rec.name,
		    ACRND_RESTART_BURST, ACRND_RESTART_WINDOW);
		return;
	}
	v->restarts++;
	v->restart_at = now + ACRND_RESTART_DELAY;
}

static void reap(bool stopping)
{
	int status;
	pid_t p;

	while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
		struct acrnd_vm *v = vm_by_pid(p);

		if (v != NULL)
			child_exited(v, status, stopping);
	}
}

static void restart_due(void)
{
	time_t now = now_s();

	for (size_t i = 0; i < nvms; i++) {
		if (vms[i].restart_at == 0 || vms[i].restart_at > now)
			continue;
		vms[i].restart_at = 0;
		say("restarting VM '%s'", vms[i].rec.name);
		launch(&vms[i]);
	}
}

/* Give a freshly started VM time to open its monitor socket. */
static void wait_for_socket(struct acrnd_vm *v)
{
	long deadline = now_ms() + ACRND_START_WAIT_MS;
	struct mngr_vm m;

	while (now_ms() < deadline && v->pid != 0) {
		if (mngr_find(v->rec.name, &m, on_stale) == 0)
			return;
		usleep(50000);
		reap(false);
	}
}

static void autostart(void)
{
	struct mngr_vm m;

	for (size_t i = 0; i < nvms; i++) {
		struct acrnd_vm *v = &vms[i];

		if (!v->rec.autostart)
			continue;
		if (mngr_find(v->rec.name, &m, on_stale) == 0 || vmstore_launcher_alive(v->rec.name)) {
			say("VM '%s' is already running", v->rec.name);
			continue;
		}
		if (launch(v) == 0)
			wait_for_socket(v);
	}
}

/* VMs still alive: running acrn-dm (socket) or our launch scripts. */
static size_t count_alive(void)
{
	struct mngr_vm *list;
	size_t n = 0, alive = 0;

	reap(true);
	if (mngr_list(&list, &n, NULL) == 0) {
		alive = n;
		free(list);
	}
	for (size_t i = 0; i < nvms; i++)
		if (vms[i].pid != 0)
			alive++;
	return alive;
}

static void stop_all(uint32_t flags)
{
	struct monitor_msg *reply = malloc(sizeof(*reply));
	struct mngr_vm *list;
	size_t n;

	if (reply == NULL || mngr_list(&list, &n, on_stale) != 0) {
		free(reply);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		int rc = mngr_simple(&list[i], MONITOR_MSG_STOP, flags, reply);

		/* A paused VM cannot shut down by itself: no point waiting for it. */
		if (rc == 0 && reply->status == -EBUSY && flags == 0) {
			say("VM '%s' is not running its guest: stopping it at once", list[i].name);
			rc = mngr_simple(&list[i], MONITOR_MSG_STOP, MONITOR_STOP_FORCE, reply);
		}
		if (rc == 0 && reply->status != 0 && reply->status != -EALREADY)
			rc = reply->status;
		if (rc != 0)
			say("VM '%s': %sstop request failed: %s", list[i].name,
			    flags ? "forced " : "", strerror(-rc));
		else
			say("VM '%s': %sstop requested", list[i].name, flags ? "forced " : "");
	}
	free(list);
	free(reply);
}

static bool wait_all(int seconds)
{
	long deadline = now_ms() + seconds * 1000L;

	while (count_alive() > 0) {
		if (now_ms() >= deadline)
			return false;
		usleep(100000);
	}
	return true;
}

static void kill_all(void)
{
	struct mngr_vm *list;
	size_t n;

	if (mngr_list(&list, &n, NULL) == 0) {
		for (size_t i = 0; i < n; i++) {
			say("VM '%s' still runs: killing acrn-dm (pid %d)", list[i].name,
			    (int)list[i].pid);
			kill(list[i].pid, SIGKILL);
		}
		free(list);
	}
	for (size_t i = 0; i < nvms; i++)
		if (vms[i].pid != 0)
			kill(-vms[i].pid, SIGKILL);	/* its whole session */
}

static void shutdown_vms(void)
{
	say("stopping every VM (timeout %d s)", shutdown_timeout);
	for (size_t i = 0; i < nvms; i++)
		vms[i].restart_at = 0;
	/* Launch scripts whose acrn-dm has no socket yet stop on SIGTERM. */
	for (size_t i = 0; i < nvms; i++) {
		struct mngr_vm m;

		if (vms[i].pid != 0 && mngr_find(vms[i].rec.name, &m, NULL) != 0)
			kill(-vms[i].pid, SIGTERM);
	}
	stop_all(0);
	if (wait_all(shutdown_timeout))
		return;
	stop_all(MONITOR_STOP_FORCE);
	if (wait_all(ACRND_FORCE_WAIT))
		return;
	kill_all();
	wait_all(ACRND_FORCE_WAIT);
}

static void usage(FILE *f)
{
	fprintf(f,
		"NAME\n    acrnd - start ACRN User VMs at boot, restart them, stop them at shutdown\n\n"
		"SYNOPSIS\n    acrnd [--timeout SECONDS]\n\n"
		"DESCRIPTION\n"
		"    Runs in the foreground (systemd: acrnd.service).  At start it launches\n"
		"    every VM added with 'acrnctl add --autostart', in the order they were\n"
		"    added.  A VM added with --restart whose launch script ends abnormally\n"
		"    (non-zero status or a signal) is started again after %d s, at most %d\n"
		"    times in %d s.  On SIGTERM or SIGINT every running VM is asked to stop\n"
		"    (the guest gets an ACPI power-button press); VMs still running after\n"
		"    the timeout are stopped by force, then killed %d s later.\n\n"
		"OPTIONS\n"
		"    --timeout SECONDS   time the guests get to shut down (default %d)\n"
		"    -h, --help          this text\n\n"
		"ENVIRONMENT\n    ACRN_STATE_DIR, ACRN_MNGR_DIR, ACRN_LOG_DIR as for acrnctl.\n",
		ACRND_RESTART_DELAY, ACRND_RESTART_BURST, ACRND_RESTART_WINDOW, ACRND_FORCE_WAIT,
		ACRND_TIMEOUT_DEFAULT);
}

static int parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *v = NULL;
		char *end;
		long t;

		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 1;
		}
		if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			v = argv[++i];
		else if (strncmp(argv[i], "--timeout=", 10) == 0)
			v = argv[i] + 10;
		if (v == NULL) {
			say("unknown option '%s' (see acrnd --help)", argv[i]);
			return 2;
		}
		errno = 0;
		t = strtol(v, &end, 10);
		if (errno != 0 || end == v || *end != '\0' || t < 0 || t > 3600) {
			say("--timeout takes 0-3600 seconds, not '%s'", v);
			return 2;
		}
		shutdown_timeout = (int)t;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct vm_record *recs;
	struct timespec tick = { .tv_sec = 0, .tv_nsec = 200 * 1000000L };
	sigset_t set;
	size_t n;
	int rc, sig;

	rc = parse_args(argc, argv);
	if (rc != 0)
		return rc == 1 ? 0 : 2;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	rc = vmstore_list(&recs, &n);
	if (rc != 0) {
		say("cannot read %s: %s", vmstore_dir(), strerror(-rc));
		return 1;
	}
	vms = calloc(n + 1, sizeof(*vms));
	if (vms == NULL)
		return 1;
	for (size_t i = 0; i < n; i++) {
		vms[i].rec = recs[i];
		/* argv pointed into recs[i]: repoint it into the copy. */
		for (int a = 0; a < vms[i].rec.argc; a++)
			vms[i].rec.argv[a] = vms[i].rec.argbuf + (recs[i].argv[a] - recs[i].argbuf);
	}
	nvms = n;
	free(recs);
	say("%zu VM(s) added, state in %s", nvms, vmstore_dir());
	autostart();

	for (;;) {
		sig = sigtimedwait(&set, NULL, &tick);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		reap(false);
		restart_due();
	}
	say("%s received", strsignal(sig));
	shutdown_vms();
	say("exiting");
	free(vms);
	return 0;
}

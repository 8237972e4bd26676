/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The real acrnctl and acrnd binaries (sanitized builds in TOOLS_BIN) against
 * fake_vm (FAKE_VM): acrn-dm's real monitor server with fake VM operations,
 * which logs every operation it receives to $FAKE_VM_OPLOG.  Every test runs
 * in its own state and socket directories.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ACRNCTL TOOLS_BIN "/acrnctl"
#define ACRND TOOLS_BIN "/acrnd"

static char tmpdir[32], mngr[48], statedir[48], oplog[48], dm[48];
static char out[16384], err[16384];
static pid_t fakes[8];		/* children killed at teardown: fake VMs, acrnd */
static int nfakes;

static int setup(void **state)
{
	strcpy(tmpdir, "/tmp/acrnctl-test.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(mngr, sizeof(mngr), "%s/mngr", tmpdir);
	snprintf(statedir, sizeof(statedir), "%s/state", tmpdir);
	snprintf(oplog, sizeof(oplog), "%s/oplog", tmpdir);
	setenv("ACRN_MNGR_DIR", mngr, 1);
	setenv("ACRN_STATE_DIR", statedir, 1);
	setenv("FAKE_VM_OPLOG", oplog, 1);
	unsetenv("ACRN_LOG_DIR");
	unsetenv("FAKE_VM_IGNORE_STOP");
	nfakes = 0;
	/* Launch scripts name the program acrn-dm: that is how acrnctl finds the VM name. */
	snprintf(dm, sizeof(dm), "%s/bin", tmpdir);
	mkdir(dm, 0755);
	strcat(dm, "/acrn-dm");
	return symlink(FAKE_VM, dm);
}

static int teardown(void **state)
{
	char cmd[128];

	for (int i = 0; i < nfakes; i++) {
		kill(fakes[i], SIGKILL);
		waitpid(fakes[i], NULL, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd);
}

static void slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f != NULL) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

/* Run a shell command line; stdout/stderr land in out/err; returns the exit status. */
static int __attribute__((format(printf, 1, 2))) run(const char *fmt, ...)
{
	char cmd[2048], full[2400], o[128], e[128];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(o, sizeof(o), "%s/out", tmpdir);
	snprintf(e, sizeof(e), "%s/err", tmpdir);
	snprintf(full, sizeof(full), "%s >%s 2>%s", cmd, o, e);
	st = system(full);
	slurp(o, out, sizeof(out));
	slurp(e, err, sizeof(err));
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* pid in a socket name of VM @p name other than @p not, 0 if none. */
static pid_t socket_pid_not(const char *name, pid_t not)
{
	size_t len = strlen(name);
	struct dirent *de;
	pid_t pid = 0;
	DIR *d = opendir(mngr);

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, name, len) == 0 && de->d_name[len] == '.' &&
		    strstr(de->d_name, ".socket") != NULL && strstr(de->d_name, ".tmp") == NULL &&
		    atoi(de->d_name + len + 1) != not)
			pid = atoi(de->d_name + len + 1);
	closedir(d);
	return pid;
}

/* pid of the acrn-dm serving VM @p name (from its socket name), 0 if none. */
static pid_t socket_pid(const char *name)
{
	return socket_pid_not(name, 0);
}

static pid_t wait_socket(const char *name, pid_t not, int ms)
{
	for (int t = 0; t < ms; t += 20) {
		pid_t p = socket_pid_not(name, not);

		if (p != 0)
			return p;
		usleep(20000);
	}
	return 0;
}

static bool wait_no_socket(const char *name, int ms)
{
	for (int t = 0; t < ms; t += 20) {
		if (socket_pid(name) == 0)
			return true;
		usleep(20000);
	}
	return false;
}

static pid_t start_fake(const char *vcpus, const char *mem, const char *name)
{
	pid_t p = fork();

	assert_true(p >= 0);
	if (p == 0) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		dup2(fd, 2);
		execl(FAKE_VM, FAKE_VM, "-A", "-c", vcpus, "-m", mem, name, (char *)NULL);
		_exit(127);
	}
	fakes[nfakes++] = p;
	assert_int_equal(wait_socket(name, 0, 3000), p);
	return p;
}

static int wait_exit(pid_t p, int ms)
{
	int st;

	for (int t = 0; t < ms; t += 20) {
		if (waitpid(p, &st, WNOHANG) == p) {
			for (int i = 0; i < nfakes; i++)
				if (fakes[i] == p)
					fakes[i] = fakes[--nfakes];
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		usleep(20000);
	}
	return -1;
}

/* The list row of @p name: "STATE VCPUS MEMORY" (uptime left out). */
static const char *row(const char *name)
{
	static char r[128];
	char *line = out;

	r[0] = '\0';
	assert_int_equal(run("%s list", ACRNCTL), 0);
	assert_true(strncmp(out, "NAME", 4) == 0);
	while ((line = strchr(line, '\n')) != NULL) {
		char n[64], st[32], vc[16], mem[32];

		line++;
		if (sscanf(line, "%63s %31s %15s %31s", n, st, vc, mem) == 4 &&
		    strcmp(n, name) == 0) {
			snprintf(r, sizeof(r), "%s %s %s", st, vc, mem);
			break;
		}
	}
	return r;
}

static void write_script(const char *file, const char *body)
{
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, file);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(body, f);
	fclose(f);
	chmod(path, 0755);
}

static void test_cli_list_shows_running_vm_state_vcpus_memory_uptime(void **state)
{
	start_fake("2", "2G", "vm1");
	start_fake("1", "768M", "vm2");
	assert_string_equal(row("vm1"), "running 2 2G");
	assert_string_equal(row("vm2"), "running 1 768M");
	assert_non_null(strstr(out, "UPTIME"));
	assert_non_null(strstr(out, "00:00:0"));
	assert_int_equal(lines(out), 3);
	assert_string_equal(err, "");
}

static void test_cli_pause_continue_reach_the_vm_and_change_state(void **state)
{
	char log[4096];

	start_fake("1", "1G", "vm1");
	assert_int_equal(run("%s pause vm1", ACRNCTL), 0);
	assert_string_equal(out, "");
	assert_string_equal(err, "");
	assert_string_equal(row("vm1"), "paused 1 1G");
	assert_int_equal(run("%s pause vm1", ACRNCTL), 1);
	assert_string_equal(err, "acrnctl: VM 'vm1' is already paused\n");
	assert_int_equal(run("%s continue vm1", ACRNCTL), 0);
	assert_string_equal(row("vm1"), "running 1 1G");
	assert_int_equal(run("%s reset vm1", ACRNCTL), 0);
	assert_int_equal(run("%s suspend vm1", ACRNCTL), 1);
	assert_string_equal(err, "acrnctl: VM 'vm1' does not support suspend\n");
	slurp(oplog, log, sizeof(log));
	assert_string_equal(log, "vm1 pause\nvm1 continue\nvm1 reset\n");
}

static void test_cli_stop_ends_the_vm_and_force_flag_reaches_it(void **state)
{
	char log[4096];
	pid_t p = start_fake("1", "1G", "vm1");

	assert_int_equal(run("%s stop vm1", ACRNCTL), 0);
	assert_int_equal(wait_exit(p, 3000), 0);
	assert_true(wait_no_socket("vm1", 1000));
	assert_string_equal(row("vm1"), "");
	p = start_fake("1", "1G", "vm2");
	assert_int_equal(run("%s pause vm2", ACRNCTL), 0);
	assert_int_equal(run("%s stop vm2", ACRNCTL), 1);
	assert_string_equal(err, "acrnctl: cannot stop VM 'vm2' while it is paused\n");
	assert_int_equal(run("%s stop -f vm2", ACRNCTL), 0);
	assert_int_equal(wait_exit(p, 3000), 0);
	slurp(oplog, log, sizeof(log));
	assert_string_equal(log, "vm1 stop\nvm2 pause\nvm2 stop force\n");
	assert_int_equal(run("%s stop --bogus vm2", ACRNCTL), 2);
	assert_int_equal(lines(err), 1);
}

static void test_cli_pause_of_unknown_vm_prints_one_line_and_exits_1(void **state)
{
	start_fake("1", "1G", "vm1");
	assert_int_equal(run("%s pause nosuch", ACRNCTL), 1);
	assert_string_equal(out, "");
	assert_string_equal(err, "acrnctl: no VM named 'nosuch'\n");
	assert_int_equal(run("%s pause", ACRNCTL), 2);
	assert_int_equal(lines(err), 1);
	assert_int_equal(run("%s frobnicate vm1", ACRNCTL), 2);
	assert_string_equal(err, "acrnctl: no command named 'frobnicate' (see acrnctl --help)\n");
	assert_int_equal(run("%s", ACRNCTL), 2);
	assert_int_equal(lines(err), 1);
}

static void test_cli_stale_socket_is_reported_and_removed(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char want[256];
	pid_t dead = fork();
	int fd;

	if (dead == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	mkdir(mngr, 0700);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/vm1.%d.socket", mngr, (int)dead);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(run("%s pause vm1", ACRNCTL), 1);
	snprintf(want, sizeof(want), "acrnctl: stale socket %s removed\nacrnctl: no VM named 'vm1'\n",
		 sa.sun_path);
	assert_string_equal(err, want);
	assert_int_equal(access(sa.sun_path, F_OK), -1);
}

static void test_cli_add_start_stop_del_with_fake_dm_script(void **state)
{
	char body[512], log[4096];
	pid_t p;

	snprintf(body, sizeof(body),
		 "#!/bin/sh\n# a launch script\nexec %s -A -m 512M -c 3 \\\n  -s 0:0,hostbridge \"$1\"\n",
		 dm);
	write_script("web.sh", body);
	assert_int_equal(run("cd %s && %s add --autostart web.sh web1", tmpdir, ACRNCTL), 0);
	assert_string_equal(out, "added VM 'web1'\n");
	assert_int_equal(run("%s add %s/web.sh web1", ACRNCTL, tmpdir), 1);
	assert_string_equal(err, "acrnctl: VM 'web1' is already added (acrnctl del web1 first)\n");
	assert_string_equal(row("web1"), "stopped - -");
	assert_int_equal(run("%s pause web1", ACRNCTL), 1);
	assert_string_equal(err, "acrnctl: VM 'web1' is not running\n");

	assert_int_equal(run("%s start web1", ACRNCTL), 0);
	assert_non_null(strstr(out, "started VM 'web1'"));
	p = wait_socket("web1", 0, 3000);
	assert_true(p > 0);
	assert_string_equal(row("web1"), "running 3 512M");
	assert_int_equal(run("%s start web1", ACRNCTL), 1);
	assert_string_equal(err, "acrnctl: VM 'web1' is already running\n");
	assert_int_equal(run("%s del web1", ACRNCTL), 1);
	assert_string_equal(err, "acrnctl: VM 'web1' is running: stop it first\n");

	assert_int_equal(run("%s stop web1", ACRNCTL), 0);
	assert_true(wait_no_socket("web1", 3000));
	usleep(100000);
	assert_string_equal(row("web1"), "stopped - -");
	/* the script's output went to the VM's log */
	snprintf(body, sizeof(body), "%s/web1/web1.log", statedir);
	slurp(body, log, sizeof(log));
	assert_non_null(strstr(log, "fake_vm web1: stopped"));
	assert_int_equal(run("%s del web1", ACRNCTL), 0);
	assert_string_equal(out, "deleted VM 'web1'\n");
	assert_string_equal(row("web1"), "");
	assert_int_equal(run("%s del web1", ACRNCTL), 1);
	assert_string_equal(err, "acrnctl: no VM named 'web1'\n");
}

static void test_cli_sleeping_launcher_counts_as_running(void **state)
{
	char path[160], buf[64];
	int pid = 0;

	write_script("sleepy.sh",
		     "#!/bin/bash\nacrn-dm() { exec sleep 30; }\nacrn-dm -m 1G sleepy\n");
	assert_int_equal(run("%s add %s/sleepy.sh", ACRNCTL, tmpdir), 0);
	assert_int_equal(run("%s start sleepy", ACRNCTL), 0);
	assert_string_equal(row("sleepy"), "starting - -");
	assert_int_equal(run("%s del sleepy", ACRNCTL), 1);
	assert_string_equal(err, "acrnctl: VM 'sleepy' is running: stop it first\n");
	assert_int_equal(run("%s start sleepy", ACRNCTL), 1);
	assert_string_equal(err, "acrnctl: VM 'sleepy' is already running\n");
	snprintf(path, sizeof(path), "%s/sleepy/launcher", statedir);
	slurp(path, buf, sizeof(buf));
	pid = atoi(buf);
	assert_true(pid > 1);
	kill(pid, SIGKILL);
	usleep(200000);
	assert_string_equal(row("sleepy"), "stopped - -");
	assert_int_equal(run("%s del sleepy", ACRNCTL), 0);
}

static void test_cli_start_reports_a_failing_script(void **state)
{
	write_script("bad.sh", "#!/bin/bash\nacrn-dm() { return 3; }\nacrn-dm -m 1G bad1\nexit 3\n");
	assert_int_equal(run("%s add %s/bad.sh", ACRNCTL, tmpdir), 0);
	assert_int_equal(run("%s start bad1", ACRNCTL), 1);
	assert_int_equal(lines(err), 1);
	assert_non_null(strstr(err, "acrnctl: VM 'bad1' failed to start: launch script exited "
				    "with status 3, see "));
	assert_string_equal(row("bad1"), "stopped - -");
}

static void test_cli_add_refuses_scripts_without_a_name(void **state)
{
	write_script("noname.sh", "acrn-dm -m 1G $VM\n");
	assert_int_equal(run("%s add %s/noname.sh", ACRNCTL, tmpdir), 1);
	assert_int_equal(lines(err), 1);
	assert_non_null(strstr(err, "no VM name found"));
	assert_int_equal(run("%s add --name given %s/noname.sh", ACRNCTL, tmpdir), 0);
	assert_string_equal(row("given"), "stopped - -");
	write_script("named.sh", "acrn-dm -m 1G other\n");
	assert_int_equal(run("%s add --name mine %s/named.sh", ACRNCTL, tmpdir), 1);
	assert_non_null(strstr(err, "starts VM 'other', not 'mine'"));
	assert_int_equal(run("%s add %s/missing.sh", ACRNCTL, tmpdir), 1);
	assert_int_equal(lines(err), 1);
}

static void test_cli_blkrescan_sends_slot_and_absolute_path(void **state)
{
	char log[4096], want[256];

	start_fake("1", "1G", "vm1");
	write_script("disk.img", "");
	assert_int_equal(run("cd %s && %s blkrescan vm1 3:1 disk.img", tmpdir, ACRNCTL), 0);
	slurp(oplog, log, sizeof(log));
	snprintf(want, sizeof(want), "vm1 blkrescan 3:1 %s/disk.img\n", tmpdir);
	assert_string_equal(log, want);
	assert_int_equal(run("%s blkrescan vm1 40 %s/disk.img", ACRNCTL, tmpdir), 2);
	assert_int_equal(lines(err), 1);
	assert_int_equal(run("%s blkrescan vm1 3 %s/nothere.img", ACRNCTL, tmpdir), 1);
	assert_int_equal(lines(err), 1);
}

static void test_cli_help_texts(void **state)
{
	assert_int_equal(run("%s --help", ACRNCTL), 0);
	assert_non_null(strstr(out, "SYNOPSIS"));
	assert_non_null(strstr(out, "blkrescan NAME SLOT[:FUNC] PATH"));
	assert_int_equal(run("%s help stop", ACRNCTL), 0);
	assert_true(strncmp(out, "Usage: acrnctl stop [-f|--force] NAME\n", 38) == 0);
	assert_int_equal(run("%s pause --help", ACRNCTL), 0);
	assert_true(strncmp(out, "Usage: acrnctl pause NAME\n", 26) == 0);
	assert_int_equal(run("%s help nosuch", ACRNCTL), 2);
	assert_int_equal(lines(err), 1);
	assert_int_equal(run("%s --help", ACRND), 0);
	assert_non_null(strstr(out, "--timeout SECONDS"));
	assert_int_equal(run("%s --timeout x", ACRND), 2);
	assert_int_equal(lines(err), 1);
}

static pid_t start_acrnd(const char *timeout)
{
	char log[160];
	pid_t p;

	snprintf(log, sizeof(log), "%s/acrnd.log", tmpdir);
	p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		dup2(fd, 2);
		execl(ACRND, ACRND, "--timeout", timeout, (char *)NULL);
		_exit(127);
	}
	fakes[nfakes++] = p;
	return p;
}

static void add_fake_vm(const char *opts, const char *name)
{
	char body[256], file[64];

	snprintf(file, sizeof(file), "%s.sh", name);
	snprintf(body, sizeof(body), "exec %s -m 1G %s\n", dm, name);
	write_script(file, body);
	assert_int_equal(run("%s add %s %s/%s", ACRNCTL, opts, tmpdir, file), 0);
}

static void test_acrnd_autostarts_in_order_restarts_and_stops_all(void **state)
{
	char log[8192], path[160], *a, *b;
	pid_t d, pa, pb, pa2;

	add_fake_vm("--autostart --restart", "first");
	add_fake_vm("", "manual");
	add_fake_vm("--autostart", "second");
	d = start_acrnd("5");
	pa = wait_socket("first", 0, 5000);
	pb = wait_socket("second", 0, 5000);
	assert_true(pa > 0 && pb > 0);
	usleep(200000);
	assert_int_equal(socket_pid("manual"), 0);
	snprintf(path, sizeof(path), "%s/acrnd.log", tmpdir);
	slurp(path, log, sizeof(log));
	a = strstr(log, "started VM 'first'");
	b = strstr(log, "started VM 'second'");
	assert_true(a != NULL && b != NULL && a < b);

	/* An abnormal end of 'first' brings it back; 'second' stays as it is. */
	kill(pa, SIGKILL);
	pa2 = wait_socket("first", pa, 5000);
	assert_true(pa2 > 0 && pa2 != pa);
	assert_int_equal(socket_pid("second"), pb);

	kill(d, SIGTERM);
	assert_int_equal(wait_exit(d, 5000), 0);
	assert_int_equal(socket_pid("first"), 0);
	assert_int_equal(socket_pid("second"), 0);
	slurp(oplog, log, sizeof(log));
	assert_non_null(strstr(log, "first stop\n"));
	assert_non_null(strstr(log, "second stop\n"));
	assert_null(strstr(log, "force"));
}

static void test_acrnd_forces_a_vm_that_ignores_stop(void **state)
{
	char log[4096];
	pid_t d;

	add_fake_vm("--autostart", "stubborn");
	setenv("FAKE_VM_IGNORE_STOP", "1", 1);
	d = start_acrnd("1");
	assert_true(wait_socket("stubborn", 0, 5000) > 0);
	kill(d, SIGTERM);
	assert_int_equal(wait_exit(d, 5000), 0);
	assert_int_equal(socket_pid("stubborn"), 0);
	slurp(oplog, log, sizeof(log));
	assert_string_equal(log, "stubborn stop\nstubborn stop force\n");
}

static void test_acrnd_stops_a_paused_vm_at_once_without_waiting(void **state)
{
	char log[4096];
	pid_t d;

	add_fake_vm("--autostart", "frozen");
	d = start_acrnd("60");
	assert_true(wait_socket("frozen", 0, 5000) > 0);
	assert_int_equal(run("%s pause frozen", ACRNCTL), 0);
	kill(d, SIGTERM);
	assert_int_equal(wait_exit(d, 5000), 0);	/* far below the 60 s timeout */
	slurp(oplog, log, sizeof(log));
	assert_string_equal(log, "frozen pause\nfrozen stop force\n");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_cli_list_shows_running_vm_state_vcpus_memory_uptime),
		T(test_cli_pause_continue_reach_the_vm_and_change_state),
		T(test_cli_stop_ends_the_vm_and_force_flag_reaches_it),
		T(test_cli_pause_of_unknown_vm_prints_one_line_and_exits_1),
		T(test_cli_stale_socket_is_reported_and_removed),
		T(test_cli_add_start_stop_del_with_fake_dm_script),
		T(test_cli_sleeping_launcher_counts_as_running),
		T(test_cli_start_reports_a_failing_script),
		T(test_cli_add_refuses_scripts_without_a_name),
		T(test_cli_blkrescan_sends_slot_and_absolute_path),
		T(test_cli_help_texts),
		T(test_acrnd_autostarts_in_order_restarts_and_stops_all),
		T(test_acrnd_forces_a_vm_that_ignores_stop),
		T(test_acrnd_stops_a_paused_vm_at_once_without_waiting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

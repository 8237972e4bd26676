/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrnctl's records (vmstore.c): finding the VM name in launch scripts,
 * storing and reloading VMs in order, refusing corrupt records, launching
 * scripts and telling whether the launched process still runs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmstore.h"

static char tmpdir[64];

static int setup(void **state)
{
	strcpy(tmpdir, "/tmp/vmstore-test.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	setenv("ACRN_STATE_DIR", tmpdir, 1);
	unsetenv("ACRN_LOG_DIR");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd);
}

static int name_of(const char *text, int argc, char *const argv[], char *name)
{
	return vmstore_name_from_text(text, strlen(text), argc, argv, name);
}

static void test_vmstore_name_is_last_argument_of_acrn_dm(void **state)
{
	char name[MONITOR_NAME_MAX];

	assert_int_equal(name_of("acrn-dm -m 1G vm1\n", 0, NULL, name), 0);
	assert_string_equal(name, "vm1");
	/* continuations, quotes, comments, redirections, background */
	assert_int_equal(name_of("#!/bin/bash\n# acrn-dm -m 1G commented\n"
				 "/usr/bin/acrn-dm -A -m 2G \\\n  -s 3,virtio-blk,'/a b.img' \\\n"
				 "  \"ivi_vm\" 2>&1 >/var/log/x.log &\necho done\n",
				 0, NULL, name), 0);
	assert_string_equal(name, "ivi_vm");
	assert_int_equal(name_of("taskset -c 1 acrn-dm -m 1G cl.x | tee log\n", 0, NULL, name), 0);
	assert_string_equal(name, "cl.x");
	/* the last acrn-dm command with a valid name wins; `which acrn-dm` has none */
	assert_int_equal(name_of("acrn-dm -m 1G first\nacrn-dm -m 1G second\nwhich acrn-dm\n",
				 0, NULL, name), 0);
	assert_string_equal(name, "second");
}

static void test_vmstore_name_from_positional_argument(void **state)
{
	char *args[] = { "guest3", "x" };
	char name[MONITOR_NAME_MAX];

	assert_int_equal(name_of("exec acrn-dm -m 1G \"$1\"\n", 2, args, name), 0);
	assert_string_equal(name, "guest3");
	assert_int_equal(name_of("acrn-dm -m 1G ${1}\n", 2, args, name), 0);
	assert_string_equal(name, "guest3");
	/* $3 is not given, '$1' in single quotes is literal, other variables unknown */
	assert_int_equal(name_of("acrn-dm -m 1G $3\n", 2, args, name), -ENOENT);
	assert_int_equal(name_of("acrn-dm -m 1G '$1'\n", 2, args, name), -ENOENT);
	assert_int_equal(name_of("acrn-dm -m 1G $vm_name\n", 2, args, name), -ENOENT);
}

static void test_vmstore_script_without_valid_name_is_refused(void **state)
{
	char name[MONITOR_NAME_MAX] = "unchanged";

	assert_int_equal(name_of("", 0, NULL, name), -ENOENT);
	assert_int_equal(name_of("acrn-dm\n", 0, NULL, name), -ENOENT);
	assert_int_equal(name_of("acrn-dm -m 1G ../../etc\n", 0, NULL, name), -ENOENT);
	assert_int_equal(name_of("acrn-dm -m 1G -v\n", 0, NULL, name), -ENOENT);
	assert_int_equal(name_of("qemu -m 1G vm1\n", 0, NULL, name), -ENOENT);
	assert_int_equal(name_of("acrn-dm -m 1G abcdefghijklmnopqrstuvwxyz0123456\n", 0, NULL,
				 name), -ENOENT);
	assert_int_equal(name_of("acrn-dm 'unterminated\n", 0, NULL, name), -ENOENT);
	assert_string_equal(name, "unchanged");
}

static void add(const char *name, bool autostart, int argc, char **argv)
{
	struct vm_record *r = calloc(1, sizeof(*r));

	strcpy(r->name, name);
	strcpy(r->script, "/opt/launch.sh");
	r->argc = argc;
	for (int i = 0; i < argc; i++)
		r->argv[i] = argv[i];
	r->autostart = autostart;
	assert_int_equal(vmstore_add(r), 0);
	free(r);
}

static void test_vmstore_records_keep_order_flags_and_args(void **state)
{
	char *args[] = { "vm b", "", "--x=\"y\"\nz" };
	struct vm_record *list, *r = calloc(1, sizeof(*r));
	size_t n;

	add("zeta", true, 3, args);
	add("alpha", false, 0, NULL);
	add("mid", true, 1, args);
	assert_int_equal(vmstore_list(&list, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(list[0].name, "zeta");	/* added first */
	assert_string_equal(list[1].name, "alpha");
	assert_string_equal(list[2].name, "mid");
	assert_true(list[0].autostart && !list[1].autostart);
	assert_int_equal(list[0].argc, 3);
	for (int i = 0; i < 3; i++)
		assert_string_equal(list[0].argv[i], args[i]);
	assert_null(list[0].argv[3]);
	assert_string_equal(list[2].argv[0], "vm b");
	free(list);

	strcpy(r->name, "zeta");
	strcpy(r->script, "/x");
	assert_int_equal(vmstore_add(r), -EEXIST);
	assert_int_equal(vmstore_del("zeta"), 0);
	assert_int_equal(vmstore_load("zeta", r), -ENOENT);
	assert_int_equal(vmstore_del("zeta"), -ENOENT);
	/* A re-added VM goes to the end. */
	strcpy(r->name, "zeta");
	strcpy(r->script, "/x");
	assert_int_equal(vmstore_add(r), 0);
	assert_int_equal(vmstore_list(&list, &n), 0);
	assert_string_equal(list[n - 1].name, "zeta");
	free(list);
	free(r);
}

static void test_vmstore_refuses_bad_records(void **state)
{
	struct vm_record *r = calloc(1, sizeof(*r));
	char path[128];
	FILE *f;

	strcpy(r->name, "../x");
	strcpy(r->script, "/s");
	assert_int_equal(vmstore_add(r), -EINVAL);
	strcpy(r->name, "ok");
	strcpy(r->script, "relative.sh");
	assert_int_equal(vmstore_add(r), -EINVAL);
	strcpy(r->script, "/s");
	r->argc = VMSTORE_MAX_ARGS + 1;
	assert_int_equal(vmstore_add(r), -E2BIG);
	r->argc = 0;
	assert_int_equal(vmstore_add(r), 0);

	/* Hand-edited garbage: a duplicated key, a bad boolean, args without NUL. */
	snprintf(path, sizeof(path), "%s/ok/vm.conf", tmpdir);
	f = fopen(path, "w");
	fputs("script=/s\nautostart=1\nautostart=0\n", f);
	fclose(f);
	assert_int_equal(vmstore_load("ok", r), -EINVAL);
	f = fopen(path, "w");
	fputs("script=/s\nautostart=yes\n", f);
	fclose(f);
	assert_int_equal(vmstore_load("ok", r), -EINVAL);
	f = fopen(path, "w");
	fputs("script=/s\nseq=3\nfuture=1\n", f);
	fclose(f);
	assert_int_equal(vmstore_load("ok", r), 0);
	assert_int_equal(r->seq, 3);
	snprintf(path, sizeof(path), "%s/ok/args", tmpdir);
	f = fopen(path, "w");
	fputs("abc", f);
	fclose(f);
	assert_int_equal(vmstore_load("ok", r), -EINVAL);
	free(r);
}

static void test_vmstore_launch_logs_and_tracks_the_process(void **state)
{
	struct vm_record *r = calloc(1, sizeof(*r));
	char script[128], log[256], buf[64] = "";
	pid_t pid;
	FILE *f;
	int st;

	snprintf(script, sizeof(script), "%s/run.sh", tmpdir);
	f = fopen(script, "w");
	fputs("echo \"hello $1\"\nexec sleep 30\n", f);	/* not executable: run by sh */
	fclose(f);
	strcpy(r->name, "sleeper");
	strcpy(r->script, script);
	r->argc = 1;
	r->argv[0] = "world";
	assert_int_equal(vmstore_add(r), 0);
	assert_int_equal(vmstore_load("sleeper", r), 0);
	assert_int_equal(vmstore_launcher_alive("sleeper"), 0);
	assert_int_equal(vmstore_launch(r, &pid), 0);
	assert_int_equal(vmstore_launcher_alive("sleeper"), pid);
	assert_int_equal(getsid(pid), pid);		/* its own session */
	usleep(300000);
	assert_int_equal(vmstore_log_path("sleeper", log, sizeof(log)), 0);
	f = fopen(log, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "hello world\n");
	kill(pid, SIGKILL);
	/* Even unreaped (a zombie) it no longer counts as running. */
	usleep(100000);
	assert_int_equal(vmstore_launcher_alive("sleeper"), 0);
	waitpid(pid, &st, 0);
	assert_int_equal(vmstore_launcher_alive("sleeper"), 0);
	/* del removes the record and the log kept beside it */
	assert_int_equal(vmstore_del("sleeper"), 0);
	assert_int_equal(access(log, F_OK), -1);
	free(r);
}

/*
 * vmstore_launch() returns only once the child runs the script: in its own session and no
 * longer a copy of the caller (acrnctl start exits right after; a caller that looked at the
 * child at once used to find it still before setsid() now and then).
 */
static void test_vmstore_launch_returns_once_the_script_runs(void **state)
{
	struct vm_record *r = calloc(1, sizeof(*r));
	char script[128], path[64], self[PATH_MAX], exe[PATH_MAX];
	ssize_t n;
	FILE *f;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = '\0';
	snprintf(script, sizeof(script), "%s/run.sh", tmpdir);
	f = fopen(script, "w");
	fputs("exec sleep 30\n", f);
	fclose(f);
	strcpy(r->name, "quick");
	strcpy(r->script, script);
	assert_int_equal(vmstore_add(r), 0);
	assert_int_equal(vmstore_load("quick", r), 0);
	for (int i = 0; i < 20; i++) {
		pid_t pid;

		assert_int_equal(vmstore_launch(r, &pid), 0);
		assert_int_equal(getsid(pid), pid);
		/* The shell running the script (or sleep), not this test program any more;
		 * the kernel sets a new /proc/PID/exe before it closes the O_CLOEXEC files. */
		snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
		n = readlink(path, exe, sizeof(exe) - 1);
		assert_true(n > 0);
		exe[n] = '\0';
		assert_string_not_equal(exe, self);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	assert_int_equal(vmstore_del("quick"), 0);
	free(r);
}

static void test_vmstore_log_dir_follows_environment(void **state)
{
	char log[256], want[256];
	struct stat st;

	snprintf(want, sizeof(want), "%s/vm9/vm9.log", tmpdir);
	assert_int_equal(vmstore_log_path("vm9", log, sizeof(log)), 0);
	assert_string_equal(log, want);
	snprintf(want, sizeof(want), "%s/logs", tmpdir);
	setenv("ACRN_LOG_DIR", want, 1);
	assert_int_equal(vmstore_log_path("vm9", log, sizeof(log)), 0);
	assert_int_equal(stat(want, &st), 0);		/* created */
	strcat(want, "/vm9.log");
	assert_string_equal(log, want);
	unsetenv("ACRN_LOG_DIR");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_vmstore_name_is_last_argument_of_acrn_dm),
		T(test_vmstore_name_from_positional_argument),
		T(test_vmstore_script_without_valid_name_is_refused),
		T(test_vmstore_records_keep_order_flags_and_args),
		T(test_vmstore_refuses_bad_records),
		T(test_vmstore_launch_logs_and_tracks_the_process),
		T(test_vmstore_launch_returns_once_the_script_runs),
		T(test_vmstore_log_dir_follows_environment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrnlog's core (tools/acrnlog/hvlog.c) against a fake hypervisor whose log
 * is the hypervisor's own ring (hypervisor/lib/logring.c) behind the
 * ACRN_VHM_IOCTL_GET_HV_LOG contract, plus the real binary (sanitized build
 * in TOOLS_BIN) for what only the glue does: opening the device.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hvlog.h"
#include <lib/logring.h>

#define ACRNLOG TOOLS_BIN "/acrnlog"

/* ------------------------------------------------------------------ */
/* The fake hypervisor + VHM                                            */

struct fake {
	struct logring ring;
	char store[16384];
	int fail_with;			/* != 0: every read fails with it */
	bool lie;			/* claim one byte more than asked */
	unsigned reads, max_len_seen;
	unsigned waits, stop_after;	/* -f: wait() returns false after stop_after */
	const char *on_wait[8];		/* logged at the n-th wait */
};

static struct fake fk;

static void fake_log(const char *s)
{
	logring_write(&fk.ring, s, strlen(s));
}

static int fake_read(void *ctx, struct acrn_vhm_hv_log *q)
{
	struct fake *f = ctx;
	struct logring_span s;
	uint32_t len = q->len < ACRN_VHM_HV_LOG_READ_MAX ? q->len : ACRN_VHM_HV_LOG_READ_MAX;
	int ret;

	f->reads++;
	if (q->len > f->max_len_seen)
		f->max_len_seen = q->len;
	if (f->fail_with)
		return f->fail_with;
	ret = logring_read(&f->ring, q->pos, (char *)(uintptr_t)q->buf, len, &s);
	if (ret != 0)
		return ret;
	q->copied = (uint32_t)s.copied + (f->lie ? 1 : 0);
	q->next = s.next;
	q->lost = s.lost;
	q->head = s.head;
	return 0;
}

static bool fake_wait(void *ctx, unsigned ms)
{
	struct fake *f = ctx;

	if (f->waits < 8 && f->on_wait[f->waits] != NULL)
		fake_log(f->on_wait[f->waits]);
	return ++f->waits <= f->stop_after;
}

static const struct hvlog_ops fake_ops = { fake_read, fake_wait };

/* ------------------------------------------------------------------ */
/* Running acrnlog's core with captured output                          */

static char tmpdir[32], markfile[64];
static char *out, *err;
static size_t out_len, err_len;

static int setup(void **state)
{
	memset(&fk, 0, sizeof(fk));
	fk.ring.buf = fk.store;
	fk.ring.size = sizeof(fk.store);
	strcpy(tmpdir, "/tmp/acrnlog-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(markfile, sizeof(markfile), "%s/run/acrnlog.mark", tmpdir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	free(out);
	free(err);
	out = err = NULL;
	return system(cmd) == 0 ? 0 : -1;
}

/* acrnlog ARGS... (NULL-terminated) through parse + run; the exit status. */
static int acrnlog(const char *arg, ...)
{
	char *argv[16] = { "acrnlog", "-m", markfile };
	int argc = 3, rc;
	struct hvlog_opts o;
	FILE *fo, *fe;
	va_list ap;

	va_start(ap, arg);
	for (const char *a = arg; a != NULL && argc < 15; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	free(out);
	free(err);
	fo = open_memstream(&out, &out_len);
	fe = open_memstream(&err, &err_len);
	assert_non_null(fo);
	assert_non_null(fe);
	rc = hvlog_parse_args(argc, argv, &o, fo, fe);
	if (rc < 0)
		rc = hvlog_run(&o, &fake_ops, &fk, fo, fe);
	fclose(fo);
	fclose(fe);
	return rc;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* ------------------------------------------------------------------ */
/* Tests                                                                */

static void test_acrnlog_prints_the_whole_log_when_it_fits(void **state)
{
	fake_log("ACRN hypervisor 0.1.0\n");
	fake_log("VM 1 created: 1 vCPUs\n");
	assert_int_equal(acrnlog(NULL), 0);
	assert_string_equal(out, "ACRN hypervisor 0.1.0\nVM 1 created: 1 vCPUs\n");
	assert_string_equal(err, "");
}

static void test_acrnlog_reads_a_log_larger_than_one_read_in_pieces(void **state)
{
	char line[64], *want = calloc(1, 16384);
	size_t len = 0;

	assert_non_null(want);
	for (int i = 0; len + 40 < 12000; i++) {
		int n = snprintf(line, sizeof(line), "line %d of a long log\n", i);

		fake_log(line);
		memcpy(want + len, line, (size_t)n);
		len += (size_t)n;
	}
	assert_int_equal(acrnlog(NULL), 0);
	assert_string_equal(out, want);
	assert_true(fk.reads >= 1 + 3);		/* the query, then at least 3 x 4 KiB */
	assert_true(fk.max_len_seen <= ACRN_VHM_HV_LOG_READ_MAX);
	free(want);
}

static void test_acrnlog_wrapped_ring_starts_at_its_first_whole_line(void **state)
{
	char line[64];

	fk.ring.size = 100;		/* a small ring: most lines are gone */
	for (int i = 0; i < 20; i++) {
		snprintf(line, sizeof(line), "message %02d\n", i);	/* 11 bytes */
		fake_log(line);
	}
	assert_int_equal(acrnlog(NULL), 0);
	/* 100 bytes hold the last 9 lines and 1 byte of the one before. */
	assert_string_equal(out, "message 11\nmessage 12\nmessage 13\nmessage 14\nmessage 15\n"
			    "message 16\nmessage 17\nmessage 18\nmessage 19\n");
	assert_string_equal(err, "");	/* nothing was missed: it was gone before we came */
}

static void test_acrnlog_clear_marks_the_log_read_for_the_next_run(void **state)
{
	fake_log("before the mark\n");
	assert_int_equal(acrnlog("-c", NULL), 0);
	assert_string_equal(out, "before the mark\n");
	assert_int_equal(access(markfile, R_OK), 0);	/* its directory was created */

	assert_int_equal(acrnlog(NULL), 0);
	assert_string_equal(out, "");
	fake_log("VM 2 created\n");
	assert_int_equal(acrnlog(NULL), 0);
	assert_string_equal(out, "VM 2 created\n");
	assert_int_equal(acrnlog(NULL), 0);		/* without -c the mark stays */
	assert_string_equal(out, "VM 2 created\n");
	assert_int_equal(acrnlog("--all", NULL), 0);
	assert_string_equal(out, "before the mark\nVM 2 created\n");
	assert_string_equal(err, "");
}

static void test_acrnlog_mark_overwritten_reports_the_loss_in_one_line(void **state)
{
	char line[64];

	fk.ring.size = 64;
	fake_log("seen\n");
	assert_int_equal(acrnlog("-c", NULL), 0);
	for (int i = 0; i < 10; i++) {
		snprintf(line, sizeof(line), "missed or not %d\n", i);	/* 16 bytes */
		fake_log(line);
	}
	assert_int_equal(acrnlog(NULL), 0);
	/* 165 bytes logged, 64 held: 96 after the mark at 5 were lost.  The
	 * first line held may be cut (here it happens not to be): it is dropped. */
	assert_string_equal(err, "acrnlog: 96 bytes of the log were overwritten before they could be read\n");
	assert_string_equal(out, "missed or not 7\nmissed or not 8\nmissed or not 9\n");
}

static void test_acrnlog_follow_prints_new_messages_until_stopped(void **state)
{
	fake_log("boot\n");
	fk.on_wait[0] = "VM 1 created\n";
	fk.on_wait[2] = "VM 1 destroyed\n";
	fk.stop_after = 3;
	assert_int_equal(acrnlog("-f", "-c", NULL), 0);
	assert_string_equal(out, "boot\nVM 1 created\nVM 1 destroyed\n");
	assert_int_equal(fk.waits, 4);
	/* -c with -f marks what was printed when it stopped. */
	fake_log("later\n");
	assert_int_equal(acrnlog(NULL), 0);
	assert_string_equal(out, "later\n");
}

static void test_acrnlog_refused_by_the_hypervisor_is_one_line(void **state)
{
	fake_log("secret\n");
	fk.fail_with = -EPERM;
	assert_int_equal(acrnlog(NULL), 1);
	assert_string_equal(out, "");
	assert_string_equal(err, "acrnlog: the hypervisor refused: this is not the Service VM\n");
}

static void test_acrnlog_names_an_old_module_or_hypervisor(void **state)
{
	fk.fail_with = -ENOTTY;
	assert_int_equal(acrnlog("-d", "/dev/acrn_vhm", NULL), 1);
	assert_int_equal(count_lines(err), 1);
	assert_non_null(strstr(err, "acrn_vhm.ko older than acrnlog"));
	fk.fail_with = -ENOSYS;
	assert_int_equal(acrnlog(NULL), 1);
	assert_int_equal(count_lines(err), 1);
	assert_non_null(strstr(err, "older hypervisor"));
	fk.fail_with = -EIO;
	assert_int_equal(acrnlog(NULL), 1);
	assert_string_equal(err, "acrnlog: reading the hypervisor log: Input/output error\n");
}

static void test_acrnlog_refuses_a_reply_claiming_more_than_asked(void **state)
{
	fake_log("x\n");
	fk.lie = true;
	assert_int_equal(acrnlog(NULL), 1);
	assert_string_equal(out, "");
	assert_string_equal(err, "acrnlog: /dev/acrn_vhm gave an inconsistent answer\n");
}

static void test_acrnlog_mark_beyond_the_log_prints_all_of_it(void **state)
{
	FILE *f;

	fake_log("after a restart\n");
	assert_int_equal(hvlog_mark_save(markfile, 5000), 0);
	assert_int_equal(acrnlog(NULL), 0);
	assert_string_equal(out, "after a restart\n");
	assert_int_equal(count_lines(err), 1);
	assert_non_null(strstr(err, "mark 5000 is beyond the log"));

	f = fopen(markfile, "w");
	assert_non_null(f);
	fputs("12abc\n", f);
	fclose(f);
	assert_int_equal(acrnlog(NULL), 0);
	assert_string_equal(out, "after a restart\n");
	assert_int_equal(count_lines(err), 1);
	assert_non_null(strstr(err, "ignoring mark file"));
}

static void test_acrnlog_mark_file_round_trips_and_rejects_garbage(void **state)
{
	uint64_t pos = 0;
	FILE *f;

	assert_int_equal(hvlog_mark_load(markfile, &pos), -ENOENT);
	assert_int_equal(hvlog_mark_save(markfile, UINT64_MAX), 0);
	assert_int_equal(hvlog_mark_load(markfile, &pos), 0);
	assert_true(pos == UINT64_MAX);
	for (const char **t = (const char *[]){ "", "-1\n", " 5\n", "99999999999999999999\n",
						 "5 6\n", NULL }; *t; t++) {
		f = fopen(markfile, "w");
		assert_non_null(f);
		fputs(*t, f);
		fclose(f);
		assert_int_equal(hvlog_mark_load(markfile, &pos), -EINVAL);
	}
}

static void test_acrnlog_usage_errors_are_one_line_exit_2(void **state)
{
	assert_int_equal(acrnlog("-x", NULL), 2);
	assert_int_equal(count_lines(err), 1);
	assert_non_null(strstr(err, "unknown option '-x'"));
	assert_int_equal(acrnlog("extra", NULL), 2);
	assert_non_null(strstr(err, "unexpected argument 'extra'"));
	assert_int_equal(acrnlog("-d", NULL), 2);
	assert_int_equal(count_lines(err), 1);
	assert_int_equal(fk.reads, 0);
	assert_int_equal(acrnlog("--help", NULL), 0);
	assert_non_null(strstr(out, "Usage: acrnlog"));
	assert_non_null(strstr(out, "--follow"));
	assert_string_equal(err, "");
	assert_int_equal(fk.reads, 0);
}

/* The real binary: what happens before the core runs. */
static void test_acrnlog_binary_without_the_device_says_so_in_one_line(void **state)
{
	char cmd[256], buf[512] = "";
	FILE *p;
	int rc;
	size_t n;

	snprintf(cmd, sizeof(cmd), "%s -d %s/acrn_vhm 2>&1; echo \"rc=$?\"", ACRNLOG, tmpdir);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	rc = pclose(p);
	assert_int_equal(rc, 0);
	snprintf(cmd, sizeof(cmd), "acrnlog: no %s/acrn_vhm (load acrn_vhm.ko; acrnlog runs in the Service VM)\nrc=1\n",
		 tmpdir);
	assert_string_equal(buf, cmd);

	/* A device without the ioctl (an old module): one line too. */
	snprintf(cmd, sizeof(cmd), "%s -d /dev/null 2>&1; echo \"rc=$?\"", ACRNLOG);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	pclose(p);
	assert_string_equal(buf, "acrnlog: /dev/null cannot read the hypervisor log (acrn_vhm.ko older than acrnlog?)\nrc=1\n");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_acrnlog_prints_the_whole_log_when_it_fits),
		T(test_acrnlog_reads_a_log_larger_than_one_read_in_pieces),
		T(test_acrnlog_wrapped_ring_starts_at_its_first_whole_line),
		T(test_acrnlog_clear_marks_the_log_read_for_the_next_run),
		T(test_acrnlog_mark_overwritten_reports_the_loss_in_one_line),
		T(test_acrnlog_follow_prints_new_messages_until_stopped),
		T(test_acrnlog_refused_by_the_hypervisor_is_one_line),
		T(test_acrnlog_names_an_old_module_or_hypervisor),
		T(test_acrnlog_refuses_a_reply_claiming_more_than_asked),
		T(test_acrnlog_mark_beyond_the_log_prints_all_of_it),
		T(test_acrnlog_mark_file_round_trips_and_rejects_garbage),
		T(test_acrnlog_usage_errors_are_one_line_exit_2),
		T(test_acrnlog_binary_without_the_device_says_so_in_one_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

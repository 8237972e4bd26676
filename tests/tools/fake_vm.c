/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A stand-in for acrn-dm in the acrnctl/acrnd tests: the real monitor server
 * (devicemodel/core/monitor.c) with fake VM operations.  Accepts acrn-dm's
 * command line, reads -c and -m from it, takes the VM name from the last
 * argument and serves `$ACRN_MNGR_DIR/<name>.<pid>.socket` until a STOP
 * request, SIGTERM or SIGINT; then exits 0.
 *
 * Environment:
 *   FAKE_VM_OPLOG=FILE      append "NAME OP [ARGS]" per VM operation called
 *   FAKE_VM_IGNORE_STOP=1   accept non-forced STOP requests but keep running
 *                           (a guest that ignores the power button)
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"

static atomic_int fake_quit;
static uint16_t fake_vcpus = 1;
static uint64_t fake_mem = 256ULL << 20;
static const char *fake_name;

static void oplog(const char *fmt, const char *arg)
{
	const char *path = getenv("FAKE_VM_OPLOG");
	FILE *f;

	if (path == NULL || (f = fopen(path, "a")) == NULL)
		return;
	fprintf(f, "%s ", fake_name);
	fprintf(f, fmt, arg);
	fputc('\n', f);
	fclose(f);
}

static int fake_stop(void *o, bool force)
{
	const char *ign = getenv("FAKE_VM_IGNORE_STOP");

	oplog("stop%s", force ? " force" : "");
	if (!force && ign != NULL && ign[0] == '1')
		return 0;
	atomic_store(&fake_quit, 1);
	return 0;
}

static int fake_pause(void *o)
{
	oplog("pause%s", "");
	return 0;
}

static int fake_cont(void *o)
{
	oplog("continue%s", "");
	return 0;
}

static int fake_reset(void *o)
{
	oplog("reset%s", "");
	return 0;
}

static int fake_blkrescan(void *o, unsigned int slot, unsigned int func, const char *path)
{
	char line[4200];

	snprintf(line, sizeof(line), "%u:%u %s", slot, func, path);
	oplog("blkrescan %s", line);
	return 0;
}

static void fake_query(void *o, struct monitor_vm_info *info)
{
	info->vcpus = fake_vcpus;
	info->mem_bytes = fake_mem;
}

static const struct monitor_vm_ops fake_ops = {
	.stop = fake_stop,
	.pause = fake_pause,
	.cont = fake_cont,
	.reset = fake_reset,
	.blkrescan = fake_blkrescan,
	.query = fake_query,
};

static uint64_t parse_mem(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 10);

	switch (*end) {
	case 'G': case 'g': return v << 30;
	case 'K': case 'k': return v << 10;
	default: return v << 20;
	}
}

int main(int argc, char **argv)
{
	struct monitor_server *srv;
	struct timespec tick = { .tv_sec = 0, .tv_nsec = 50 * 1000000L };
	sigset_t set;
	int rc;

	if (argc < 2) {
		fprintf(stderr, "fake_vm: missing VM name\n");
		return 2;
	}
	for (int i = 1; i + 1 < argc; i++) {
		if (strcmp(argv[i], "-c") == 0)
			fake_vcpus = (uint16_t)atoi(argv[++i]);
		else if (strcmp(argv[i], "-m") == 0)
			fake_mem = parse_mem(argv[++i]);
	}
	fake_name = argv[argc - 1];
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	rc = monitor_server_create(NULL, argv[argc - 1], &fake_ops, NULL, &srv);
	if (rc != 0) {
		fprintf(stderr, "fake_vm: monitor: %s\n", strerror(-rc));
		return 2;
	}
	printf("fake_vm %s: %s\n", argv[argc - 1], monitor_server_path(srv));
	fflush(stdout);
	while (!atomic_load(&fake_quit)) {
		rc = sigtimedwait(&set, NULL, &tick);
		if (rc == SIGTERM || rc == SIGINT)
			break;
	}
	monitor_server_destroy(srv);
	printf("fake_vm %s: stopped\n", argv[argc - 1]);
	return 0;
}

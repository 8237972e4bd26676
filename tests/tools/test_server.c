/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrn-dm's monitor server over a real unix socket in a temporary directory,
 * with fake VM operations: each request reaches exactly the right op and is
 * answered; malformed input gets an error reply and never reaches the VM.
 * Also the VM glue (monitor_start) against a fake vmctx, and the client
 * library's socket discovery (mngr.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dm_log.h"
#include "dm_stubs.h"
#include "mngr.h"
#include "monitor.h"
#include "vmctx.h"

struct fake {
	int stop, stop_force, pause, cont, reset, rescan, query;
	int pause_rc;
	unsigned int slot, func;
	char path[MONITOR_PATH_MAX];
};

static struct fake fk;
static char tmpdir[32];
static char sockdir[64];
static struct monitor_server *srv;

static int f_stop(void *o, bool force)
{
	fk.stop++;
	fk.stop_force += force;
	return 0;
}

static int f_pause(void *o)
{
	fk.pause++;
	return fk.pause_rc;
}

static int f_cont(void *o)
{
	fk.cont++;
	return 0;
}

static int f_reset(void *o)
{
	fk.reset++;
	return 0;
}

static int f_rescan(void *o, unsigned int slot, unsigned int func, const char *path)
{
	fk.rescan++;
	fk.slot = slot;
	fk.func = func;
	snprintf(fk.path, sizeof(fk.path), "%s", path);
	return 0;
}

static void f_query(void *o, struct monitor_vm_info *info)
{
	fk.query++;
	info->vcpus = 3;
	info->mem_bytes = 768ULL << 20;
}

static const struct monitor_vm_ops fake_ops = {
	.stop = f_stop, .pause = f_pause, .cont = f_cont, .reset = f_reset,
	.blkrescan = f_rescan, .query = f_query,	/* no suspend/resume */
};

static void rm_rf(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
	memset(&fk, 0, sizeof(fk));
	strcpy(tmpdir, "/tmp/monitor-test.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(sockdir, sizeof(sockdir), "%s/run/mngr", tmpdir);
	setenv("ACRN_MNGR_DIR", sockdir, 1);
	return monitor_server_create(sockdir, "vm1", &fake_ops, NULL, &srv);
}

static int teardown(void **state)
{
	monitor_server_destroy(srv);
	srv = NULL;
	rm_rf(tmpdir);
	return 0;
}

static int raw_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	strcpy(sa.sun_path, monitor_server_path(srv));
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/*
 * Read exactly one reply (or EOF: -ECONNRESET) within 2 s: header first, then
 * the payload it announces, so a second reply stays in the socket.
 */
static int raw_reply(int fd, struct monitor_msg *m)
{
	uint8_t b[MONITOR_MSG_MAX];
	size_t len = 0, want = MONITOR_HDR_SIZE, used;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (len == want) {
			if (len == MONITOR_HDR_SIZE && monitor_msg_peek(b, len, &want) != 0)
				return monitor_msg_peek(b, len, &want);
			if (len == want)
				return monitor_msg_decode(b, len, m, &used);
		}
		if (poll(&p, 1, 2000) != 1)
			return -ETIMEDOUT;
		r = recv(fd, b + len, want - len, 0);
		if (r <= 0)
			return -ECONNRESET;
		len += (size_t)r;
	}
}

static size_t enc(const struct monitor_msg *m, uint8_t *b)
{
	size_t n;

	assert_int_equal(monitor_msg_encode(m, b, MONITOR_MSG_MAX, &n), 0);
	return n;
}

static int32_t request(uint16_t type, uint32_t flags, struct monitor_msg *reply)
{
	struct monitor_msg req = { .type = type, .flags = flags };

	assert_int_equal(mngr_request(monitor_server_path(srv), &req, reply, 2000), 0);
	assert_int_equal(reply->type, type | MONITOR_REPLY);
	return reply->status;
}

static void test_server_socket_is_private_and_named_after_vm_and_pid(void **state)
{
	char want[256];
	struct stat st;

	snprintf(want, sizeof(want), "%s/vm1.%d.socket", sockdir, (int)getpid());
	assert_string_equal(monitor_server_path(srv), want);
	assert_int_equal(lstat(want, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(sockdir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
}

static void test_server_pause_calls_op_once_and_tracks_state(void **state)
{
	struct monitor_msg r;

	assert_int_equal(request(MONITOR_MSG_PAUSE, 0, &r), 0);
	assert_int_equal(fk.pause, 1);
	assert_int_equal(monitor_server_state(srv), MONITOR_STATE_PAUSED);
	assert_int_equal(request(MONITOR_MSG_PAUSE, 0, &r), -EALREADY);
	assert_int_equal(fk.pause, 1);
	assert_int_equal(request(MONITOR_MSG_CONTINUE, 0, &r), 0);
	assert_int_equal(fk.cont, 1);
	assert_int_equal(monitor_server_state(srv), MONITOR_STATE_RUNNING);
	assert_int_equal(request(MONITOR_MSG_CONTINUE, 0, &r), -EALREADY);
	assert_int_equal(fk.cont, 1);
}

static void test_server_query_reports_state_vcpus_memory_start(void **state)
{
	struct monitor_msg r;
	uint64_t now = (uint64_t)time(NULL);

	assert_int_equal(request(MONITOR_MSG_QUERY_STATE, 0, &r), 0);
	assert_int_equal(fk.query, 1);
	assert_string_equal(r.info.state, "running");
	assert_string_equal(r.info.name, "vm1");
	assert_int_equal(r.info.vcpus, 3);
	assert_true(r.info.mem_bytes == (768ULL << 20));
	assert_int_equal(r.info.pid, getpid());
	assert_true(r.info.start_time <= now && r.info.start_time + 5 >= now);
	request(MONITOR_MSG_PAUSE, 0, &r);
	request(MONITOR_MSG_QUERY_STATE, 0, &r);
	assert_string_equal(r.info.state, "paused");
}

static void test_server_stop_passes_force_flag_and_allows_forcing_later(void **state)
{
	struct monitor_msg r;

	assert_int_equal(request(MONITOR_MSG_STOP, 0, &r), 0);
	assert_int_equal(fk.stop, 1);
	assert_int_equal(fk.stop_force, 0);
	assert_int_equal(monitor_server_state(srv), MONITOR_STATE_STOPPING);
	assert_int_equal(request(MONITOR_MSG_STOP, 0, &r), -EALREADY);
	assert_int_equal(request(MONITOR_MSG_PAUSE, 0, &r), -EBUSY);
	assert_int_equal(fk.pause, 0);
	assert_int_equal(request(MONITOR_MSG_STOP, MONITOR_STOP_FORCE, &r), 0);
	assert_int_equal(fk.stop, 2);
	assert_int_equal(fk.stop_force, 1);
}

static void test_server_graceful_stop_of_paused_vm_is_busy_forced_is_not(void **state)
{
	struct monitor_msg r;

	assert_int_equal(request(MONITOR_MSG_PAUSE, 0, &r), 0);
	assert_int_equal(request(MONITOR_MSG_STOP, 0, &r), -EBUSY);
	assert_int_equal(fk.stop, 0);
	assert_int_equal(monitor_server_state(srv), MONITOR_STATE_PAUSED);
	assert_int_equal(request(MONITOR_MSG_STOP, MONITOR_STOP_FORCE, &r), 0);
	assert_int_equal(fk.stop_force, 1);
	assert_int_equal(monitor_server_state(srv), MONITOR_STATE_STOPPING);
}

static void test_server_op_error_is_returned_and_state_kept(void **state)
{
	struct monitor_msg r;

	fk.pause_rc = -EIO;
	assert_int_equal(request(MONITOR_MSG_PAUSE, 0, &r), -EIO);
	assert_int_equal(monitor_server_state(srv), MONITOR_STATE_RUNNING);
	fk.pause_rc = 5;		/* a buggy op's positive value is not a status */
	assert_int_equal(request(MONITOR_MSG_PAUSE, 0, &r), -EIO);
}

static void test_server_missing_op_answers_eopnotsupp(void **state)
{
	struct monitor_msg r;

	assert_int_equal(request(MONITOR_MSG_SUSPEND, 0, &r), -EOPNOTSUPP);
	assert_int_equal(monitor_server_state(srv), MONITOR_STATE_RUNNING);
	assert_int_equal(request(MONITOR_MSG_RESUME, 0, &r), -EALREADY);
}

static void test_server_reset_and_blkrescan_reach_ops(void **state)
{
	struct monitor_msg req = { .type = MONITOR_MSG_BLKRESCAN, .slot = 5, .func = 2 }, r;

	assert_int_equal(request(MONITOR_MSG_RESET, 0, &r), 0);
	assert_int_equal(fk.reset, 1);
	strcpy(req.path, "disk.img");	/* relative: refused before the op */
	assert_int_equal(mngr_request(monitor_server_path(srv), &req, &r, 2000), 0);
	assert_int_equal(r.status, -EINVAL);
	assert_int_equal(fk.rescan, 0);
	strcpy(req.path, "/images/new disk.img");
	assert_int_equal(mngr_request(monitor_server_path(srv), &req, &r, 2000), 0);
	assert_int_equal(r.status, 0);
	assert_int_equal(fk.rescan, 1);
	assert_int_equal(fk.slot, 5);
	assert_int_equal(fk.func, 2);
	assert_string_equal(fk.path, "/images/new disk.img");
}

static void test_server_unknown_type_gets_error_reply_and_connection_survives(void **state)
{
	struct monitor_msg m = { .type = MONITOR_MSG_PAUSE, .seq = 41 }, r;
	uint8_t b[2 * MONITOR_MSG_MAX];
	size_t n;
	int fd = raw_connect();

	n = enc(&m, b);
	b[6] = 0x42;			/* unknown type 0x42 */
	m.seq = 42;
	n += enc(&m, b + n);		/* followed by a valid pause, same write */
	assert_int_equal(send(fd, b, n, 0), (ssize_t)n);
	assert_int_equal(raw_reply(fd, &r), 0);
	assert_int_equal(r.type, MONITOR_MSG_ERROR);
	assert_int_equal(r.seq, 41);
	assert_int_equal(r.status, -EOPNOTSUPP);
	assert_int_equal(raw_reply(fd, &r), 0);
	assert_int_equal(r.type, MONITOR_MSG_PAUSE | MONITOR_REPLY);
	assert_int_equal(r.seq, 42);
	assert_int_equal(r.status, 0);
	assert_int_equal(fk.pause, 1);
	close(fd);
}

static void test_server_bad_payload_gets_typed_error_reply(void **state)
{
	struct monitor_msg m = { .type = MONITOR_MSG_STOP, .seq = 8 }, r;
	uint8_t b[MONITOR_MSG_MAX];
	size_t n = enc(&m, b);
	int fd = raw_connect();

	b[MONITOR_HDR_SIZE] = 0x80;	/* undefined STOP flag */
	assert_int_equal(send(fd, b, n, 0), (ssize_t)n);
	assert_int_equal(raw_reply(fd, &r), 0);
	assert_int_equal(r.type, MONITOR_MSG_STOP | MONITOR_REPLY);
	assert_int_equal(r.seq, 8);
	assert_int_equal(r.status, -EINVAL);
	assert_int_equal(fk.stop, 0);
	close(fd);
}

static void test_server_bad_magic_gets_one_error_reply_then_close(void **state)
{
	struct monitor_msg m = { .type = MONITOR_MSG_STOP }, r;
	uint8_t b[MONITOR_MSG_MAX];
	size_t n = enc(&m, b);
	int fd = raw_connect();

	b[1] = 'X';
	assert_int_equal(send(fd, b, n, 0), (ssize_t)n);
	assert_int_equal(raw_reply(fd, &r), 0);
	assert_int_equal(r.type, MONITOR_MSG_ERROR);
	assert_int_equal(r.status, -EBADMSG);
	assert_int_equal(raw_reply(fd, &r), -ECONNRESET);
	assert_int_equal(fk.stop, 0);
	close(fd);
	/* The server still serves others. */
	assert_int_equal(request(MONITOR_MSG_QUERY_STATE, 0, &r), 0);
}

static void test_server_oversized_or_wrong_version_closes_connection(void **state)
{
	struct monitor_msg m = { .type = MONITOR_MSG_PAUSE }, r;
	uint8_t b[MONITOR_MSG_MAX];
	size_t n = enc(&m, b);
	int fd = raw_connect();

	b[10] = 1;			/* payload length 64 KiB */
	assert_int_equal(send(fd, b, n, 0), (ssize_t)n);
	assert_int_equal(raw_reply(fd, &r), 0);
	assert_int_equal(r.status, -EMSGSIZE);
	assert_int_equal(raw_reply(fd, &r), -ECONNRESET);
	close(fd);
	n = enc(&m, b);
	b[5] = 1;			/* version 0x101 */
	fd = raw_connect();
	assert_int_equal(send(fd, b, n, 0), (ssize_t)n);
	assert_int_equal(raw_reply(fd, &r), 0);
	assert_int_equal(r.status, -EPROTONOSUPPORT);
	close(fd);
	assert_int_equal(fk.pause, 0);
}

static void test_server_client_sending_a_reply_is_refused(void **state)
{
	struct monitor_msg m = { .type = MONITOR_MSG_PAUSE | MONITOR_REPLY, .seq = 3 }, r;
	uint8_t b[MONITOR_MSG_MAX];
	size_t n = enc(&m, b);
	int fd = raw_connect();

	assert_int_equal(send(fd, b, n, 0), (ssize_t)n);
	assert_int_equal(raw_reply(fd, &r), 0);
	assert_int_equal(r.type, MONITOR_MSG_ERROR);
	assert_int_equal(r.status, -EINVAL);
	assert_int_equal(fk.pause, 0);
	close(fd);
}

static void test_server_truncated_message_waits_for_the_rest(void **state)
{
	struct monitor_msg m = { .type = MONITOR_MSG_BLKRESCAN, .seq = 5, .slot = 1 }, r;
	uint8_t b[MONITOR_MSG_MAX];
	struct pollfd p;
	size_t n;
	int fd = raw_connect();

	strcpy(m.path, "/a");
	n = enc(&m, b);
	assert_int_equal(send(fd, b, 10, 0), 10);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 200), 0);	/* no reply to half a header */
	assert_int_equal(send(fd, b + 10, n - 10, 0), (ssize_t)(n - 10));
	assert_int_equal(raw_reply(fd, &r), 0);
	assert_int_equal(r.seq, 5);
	assert_int_equal(r.status, 0);
	assert_int_equal(fk.rescan, 1);
	close(fd);
}

static void test_server_serves_several_clients_at_once(void **state)
{
	struct monitor_msg m = { .type = MONITOR_MSG_QUERY_STATE }, r;
	uint8_t b[MONITOR_MSG_MAX];
	int fd[4];

	for (int i = 0; i < 4; i++)
		fd[i] = raw_connect();
	for (int i = 3; i >= 0; i--) {
		size_t n;

		m.seq = 100 + (uint32_t)i;
		n = enc(&m, b);
		assert_int_equal(send(fd[i], b, n, 0), (ssize_t)n);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(raw_reply(fd[i], &r), 0);
		assert_int_equal(r.seq, 100 + (uint32_t)i);
		assert_int_equal(r.status, 0);
		close(fd[i]);
	}
	assert_int_equal(fk.query, 4);
}

static void test_server_connection_beyond_limit_gets_ebusy(void **state)
{
	struct monitor_msg m = { .type = MONITOR_MSG_QUERY_STATE }, r;
	uint8_t b[MONITOR_MSG_MAX];
	int fd[MONITOR_MAX_CLIENTS + 1];
	size_t n = enc(&m, b);

	for (int i = 0; i <= MONITOR_MAX_CLIENTS; i++) {
		fd[i] = raw_connect();
		/* Make sure each is accepted before the next arrives. */
		if (i < MONITOR_MAX_CLIENTS) {
			assert_int_equal(send(fd[i], b, n, 0), (ssize_t)n);
			assert_int_equal(raw_reply(fd[i], &r), 0);
			assert_int_equal(r.status, 0);
		}
	}
	assert_int_equal(raw_reply(fd[MONITOR_MAX_CLIENTS], &r), 0);
	assert_int_equal(r.status, -EBUSY);
	for (int i = 0; i <= MONITOR_MAX_CLIENTS; i++)
		close(fd[i]);
	/* Slots come back once clients leave. */
	assert_int_equal(request(MONITOR_MSG_QUERY_STATE, 0, &r), 0);
}

static void test_server_refuses_bad_names_and_long_paths(void **state)
{
	struct monitor_server *s = NULL;
	char longdir[200];

	assert_int_equal(monitor_server_create(sockdir, "../evil", &fake_ops, NULL, &s), -EINVAL);
	assert_int_equal(monitor_server_create(sockdir, "", &fake_ops, NULL, &s), -EINVAL);
	assert_int_equal(monitor_server_create(sockdir, "-x", &fake_ops, NULL, &s), -EINVAL);
	assert_int_equal(monitor_server_create(sockdir, "abcdefghijklmnopqrstuvwxyz0123456",
					       &fake_ops, NULL, &s), -EINVAL);
	memset(longdir, 'd', sizeof(longdir) - 1);
	longdir[0] = '/';
	longdir[sizeof(longdir) - 1] = '\0';
	assert_int_equal(monitor_server_create(longdir, "vm2", &fake_ops, NULL, &s), -ENAMETOOLONG);
	assert_null(s);
}

static void test_server_destroy_removes_socket(void **state)
{
	char path[256];

	snprintf(path, sizeof(path), "%s", monitor_server_path(srv));
	monitor_server_destroy(srv);
	srv = NULL;
	assert_int_equal(access(path, F_OK), -1);
}

/* ---- the acrn-dm glue ------------------------------------------------- */

static int vmm_pause_calls, vmm_start_calls;

static int fake_pause_vm(struct vmctx *ctx)
{
	vmm_pause_calls++;
	return 0;
}

static int fake_start_vm(struct vmctx *ctx)
{
	vmm_start_calls++;
	return 0;
}

static void test_monitor_start_maps_requests_onto_the_vm(void **state)
{
	struct vmm_ops vmm = { .pause_vm = fake_pause_vm, .start_vm = fake_start_vm };
	struct dm_config cfg = { .mem_size = 2ULL << 30 };
	struct vmctx ctx = { .vmm = &vmm, .cfg = &cfg, .ncpus = 2 };
	struct monitor_msg req = { .type = MONITOR_MSG_BLKRESCAN, .slot = 40 }, r;
	struct mngr_vm vm;

	monitor_server_destroy(srv);	/* the fixture's; monitor_start makes its own */
	srv = NULL;
	memset(&dm_stubs, 0, sizeof(dm_stubs));
	assert_int_equal(monitor_start(&ctx, "guest7"), 0);
	assert_int_equal(monitor_start(&ctx, "guest7"), -EBUSY);
	assert_int_equal(mngr_find("guest7", &vm, NULL), 0);
	assert_int_equal(vm.pid, getpid());

	assert_int_equal(mngr_simple(&vm, MONITOR_MSG_QUERY_STATE, 0, &r), 0);
	assert_int_equal(r.info.vcpus, 2);
	assert_true(r.info.mem_bytes == (2ULL << 30));
	assert_int_equal(mngr_simple(&vm, MONITOR_MSG_PAUSE, 0, &r), 0);
	assert_int_equal(vmm_pause_calls, 1);
	assert_int_equal(mngr_simple(&vm, MONITOR_MSG_CONTINUE, 0, &r), 0);
	assert_int_equal(vmm_start_calls, 1);
	assert_int_equal(mngr_simple(&vm, MONITOR_MSG_RESET, 0, &r), 0);
	assert_int_equal(dm_stubs.stop_calls, 1);
	assert_int_equal(dm_stubs.last_stop_reason, VM_STOP_RESET);
	assert_int_equal(mngr_simple(&vm, MONITOR_MSG_SUSPEND, 0, &r), 0);
	assert_int_equal(r.status, -EOPNOTSUPP);

	strcpy(req.path, "/img");	/* slot 40 does not exist on PCI bus 0 */
	assert_int_equal(mngr_request(vm.path, &req, &r, 2000), 0);
	assert_int_equal(r.status, -EINVAL);
	assert_int_equal(dm_stubs.rescan_calls, 0);
	req.slot = 4;
	req.func = 1;
	dm_stubs.rescan_result = -ENODEV;
	assert_int_equal(mngr_request(vm.path, &req, &r, 2000), 0);
	assert_int_equal(r.status, -ENODEV);
	assert_int_equal(dm_stubs.rescan_slot, 4);
	assert_int_equal(dm_stubs.rescan_func, 1);
	assert_string_equal(dm_stubs.rescan_path, "/img");

	/* No power button in this build: a stop powers the VM off at once. */
	assert_int_equal(mngr_simple(&vm, MONITOR_MSG_STOP, 0, &r), 0);
	assert_int_equal(r.status, 0);
	assert_int_equal(dm_stubs.last_stop_reason, VM_STOP_POWEROFF);
	monitor_stop();
	assert_int_equal(access(vm.path, F_OK), -1);
	monitor_stop();			/* harmless twice */
}

/* ---- client side: socket discovery ------------------------------------ */

static void test_mngr_parses_socket_names(void **state)
{
	char name[MONITOR_NAME_MAX];
	pid_t pid;

	assert_int_equal(mngr_parse_socket_name("vm1.123.socket", name, &pid), 0);
	assert_string_equal(name, "vm1");
	assert_int_equal(pid, 123);
	assert_int_equal(mngr_parse_socket_name("a.b.c.9.socket", name, &pid), 0);
	assert_string_equal(name, "a.b.c");
	assert_int_equal(mngr_parse_socket_name("vm1.socket", name, &pid), -EINVAL);
	assert_int_equal(mngr_parse_socket_name(".123.socket", name, &pid), -EINVAL);
	assert_int_equal(mngr_parse_socket_name("vm1.0.socket", name, &pid), -EINVAL);
	assert_int_equal(mngr_parse_socket_name("vm1.12x.socket", name, &pid), -EINVAL);
	assert_int_equal(mngr_parse_socket_name("vm 1.12.socket", name, &pid), -EINVAL);
	assert_int_equal(mngr_parse_socket_name("vm1.1234567890.socket", name, &pid), -EINVAL);
	assert_int_equal(mngr_parse_socket_name("vm1.12.socket.tmp", name, &pid), -EINVAL);
	assert_int_equal(
		mngr_parse_socket_name("abcdefghijklmnopqrstuvwxyz0123456.1.socket", name, &pid),
		-EINVAL);
}

static int stale_reports;

static void count_stale(const char *path)
{
	stale_reports++;
}

static void test_mngr_removes_stale_socket_of_dead_process(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct mngr_vm *list, vm;
	size_t n;
	pid_t dead;
	int fd;

	/* A pid that surely is gone: a child we reaped. */
	dead = fork();
	if (dead == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/old.%d.socket", sockdir, (int)dead);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	stale_reports = 0;
	assert_int_equal(mngr_list(&list, &n, count_stale), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].name, "vm1");
	free(list);
	assert_int_equal(stale_reports, 1);
	assert_int_equal(access(sa.sun_path, F_OK), -1);
	assert_int_equal(mngr_find("old", &vm, NULL), -ENOENT);
	/* A socket of a live process nobody listens on is stale too. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/deaf.%d.socket", sockdir, (int)getpid());
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(mngr_find("deaf", &vm, count_stale), -ENOENT);
	assert_int_equal(stale_reports, 2);
	close(fd);
}

static void test_mngr_request_times_out_on_silent_server(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct monitor_msg req = { .type = MONITOR_MSG_PAUSE }, r;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/silent", sockdir);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(mngr_request(sa.sun_path, &req, &r, 200), -ETIMEDOUT);
	close(fd);
	assert_int_equal(mngr_request(sa.sun_path, &req, &r, 200), -ECONNREFUSED);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_server_socket_is_private_and_named_after_vm_and_pid),
		T(test_server_pause_calls_op_once_and_tracks_state),
		T(test_server_query_reports_state_vcpus_memory_start),
		T(test_server_stop_passes_force_flag_and_allows_forcing_later),
		T(test_server_graceful_stop_of_paused_vm_is_busy_forced_is_not),
		T(test_server_op_error_is_returned_and_state_kept),
		T(test_server_missing_op_answers_eopnotsupp),
		T(test_server_reset_and_blkrescan_reach_ops),
		T(test_server_unknown_type_gets_error_reply_and_connection_survives),
		T(test_server_bad_payload_gets_typed_error_reply),
		T(test_server_bad_magic_gets_one_error_reply_then_close),
		T(test_server_oversized_or_wrong_version_closes_connection),
		T(test_server_client_sending_a_reply_is_refused),
		T(test_server_truncated_message_waits_for_the_rest),
		T(test_server_serves_several_clients_at_once),
		T(test_server_connection_beyond_limit_gets_ebusy),
		T(test_server_refuses_bad_names_and_long_paths),
		T(test_server_destroy_removes_socket),
		T(test_monitor_start_maps_requests_onto_the_vm),
		T(test_mngr_parses_socket_names),
		T(test_mngr_removes_stale_socket_of_dead_process),
		T(test_mngr_request_times_out_on_silent_server),
	};

	/* Keep the server's log lines out of the test output. */
	dm_log_set_level(DM_LOG_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

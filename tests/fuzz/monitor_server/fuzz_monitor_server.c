/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for acrn-dm's monitor server (monitor.c): the input is
 * what one client writes to the socket of a real server thread with counting
 * VM ops.  A reference model walks the same bytes with the codec and predicts
 * the exact sequence of replies (type and seq): one per framed message, an
 * error reply of type MONITOR_MSG_ERROR then end of stream after a framing
 * error, nothing for a trailing partial message.  The server must produce
 * exactly that, never hang, and call VM ops only for valid requests.
 */
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "dm_log.h"
#include "monitor.h"

#define INPUT_MAX	32768		/* below the socket buffer: send never blocks */
#define REPLIES_MAX	(INPUT_MAX / MONITOR_HDR_SIZE + 1)

static struct monitor_server *srv;
static atomic_int op_calls;
static struct monitor_msg msg;
static uint16_t want_type[REPLIES_MAX];
static uint32_t want_seq[REPLIES_MAX];
static uint8_t rx[REPLIES_MAX * (MONITOR_HDR_SIZE + 4 + MONITOR_INFO_SIZE)];

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "property violated: %s\n", what);
		abort();
	}
}

static int f_stop(void *o, bool force) { atomic_fetch_add(&op_calls, 1); return 0; }
static int f_op(void *o) { atomic_fetch_add(&op_calls, 1); return 0; }
static int f_rescan(void *o, unsigned int s, unsigned int f, const char *p)
{
	check(p[0] == '/' && strlen(p) < MONITOR_PATH_MAX, "rescan path");
	atomic_fetch_add(&op_calls, 1);
	return -ENODEV;
}
static void f_query(void *o, struct monitor_vm_info *i) { i->vcpus = 1; i->mem_bytes = 1 << 20; }

static const struct monitor_vm_ops ops = {
	.stop = f_stop, .suspend = f_op, .resume = f_op, .pause = f_op, .cont = f_op,
	.reset = f_op, .blkrescan = f_rescan, .query = f_query,
};

static char dir[] = "/tmp/monitor-fuzz.XXXXXX";

static void cleanup(void)
{
	monitor_server_destroy(srv);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	check(mkdtemp(dir) != NULL, "mkdtemp");
	dm_log_set_level(DM_LOG_ERR);
	check(monitor_server_create(dir, "fuzz", &ops, NULL, &srv) == 0, "server");
	atexit(cleanup);
	return 0;
}

/* The replies the server must send for @p data, and how many valid requests it holds. */
static size_t model(const uint8_t *data, size_t size, int *valid)
{
	size_t off = 0, n = 0, used;

	*valid = 0;
	while (off < size) {
		int rc = monitor_msg_decode(data + off, size - off, &msg, &used);

		if (rc == -EAGAIN)
			break;
		if (used == 0) {		/* framing lost: one error reply, then close */
			want_type[n] = MONITOR_MSG_ERROR;
			want_seq[n++] = 0;
			break;
		}
		if (rc == 0 && !(msg.type & MONITOR_REPLY)) {
			want_type[n] = msg.type | MONITOR_REPLY;
			(*valid)++;
		} else if (!(msg.type & MONITOR_REPLY) && monitor_is_request_type(msg.type)) {
			want_type[n] = msg.type | MONITOR_REPLY;
		} else {
			want_type[n] = MONITOR_MSG_ERROR;
		}
		want_seq[n++] = msg.seq;
		off += used;
	}
	return n;
}

/*
 * Wait up to @p ms for @p fd to be readable.  libFuzzer's -timeout alarm
 * (SIGALRM every timeout/2 + 1 s) interrupts poll(), which is never
 * restarted: an EINTR is not the server's silence, so wait on for the rest.
 */
static int wait_readable(int fd, int ms)
{
	struct timespec t0, t;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long spent;

		r = poll(&p, 1, ms);
		if (r >= 0 || errno != EINTR)
			return r;
		clock_gettime(CLOCK_MONOTONIC, &t);
		spent = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (spent >= ms)
			return 0;
		ms -= (int)spent;
		t0 = t;
	}
}

static int connect_server(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	check(fd >= 0, "socket");
	strcpy(sa.sun_path, monitor_server_path(srv));
	check(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect");
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t nwant, len = 0, off = 0, n = 0, used;
	int fd, valid, before;

	if (size > INPUT_MAX)
		size = INPUT_MAX;
	nwant = model(data, size, &valid);
	monitor_server_set_state(srv, MONITOR_STATE_RUNNING);
	before = atomic_load(&op_calls);
	fd = connect_server();
	/* The server may close early (framing error): EPIPE is expected then. */
	if (size > 0)
		send(fd, data, size, MSG_NOSIGNAL);
	shutdown(fd, SHUT_WR);
	for (;;) {
		ssize_t r;

		check(wait_readable(fd, 25000) == 1, "server answers within 25 s");
		r = recv(fd, rx + len, sizeof(rx) - len, 0);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	while (off < len) {
		check(monitor_msg_decode(rx + off, len - off, &msg, &used) == 0, "reply decodes");
		check(n < nwant, "no more replies than messages");
		check(msg.type == want_type[n] && msg.seq == want_seq[n], "reply matches model");
		check(msg.type == MONITOR_MSG_ERROR ? msg.status < 0 : 1, "error reply carries errno");
		off += used;
		n++;
	}
	check(n == nwant, "one reply per framed message");
	check(atomic_load(&op_calls) - before <= valid, "ops only for valid requests");
	return 0;
}

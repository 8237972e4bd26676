/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Monitor socket client.  A reply is only believed if it decodes, answers the
 * request we sent (type and seq) and arrives in time; acrn-dm may be wedged
 * or gone, and acrnctl must then say so instead of hanging.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "mngr.h"

const char *mngr_dir(void)
{
	const char *d = getenv("ACRN_MNGR_DIR");

	return (d != NULL && d[0] != '\0') ? d : MNGR_DEFAULT_DIR;
}

bool mngr_pid_alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno != ESRCH);
}

static bool name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

int mngr_parse_socket_name(const char *file, char name[MONITOR_NAME_MAX], pid_t *pid)
{
	static const char sfx[] = ".socket";
	size_t n = strlen(file), end, dot;
	long v = 0;

	if (n <= sizeof(sfx) - 1 || strcmp(file + n - (sizeof(sfx) - 1), sfx) != 0)
		return -EINVAL;
	end = n - (sizeof(sfx) - 1);
	dot = end;
	while (dot > 0 && file[dot - 1] >= '0' && file[dot - 1] <= '9')
		dot--;
	/* 1..9 digits of pid, a '.', then a 1..31 character name */
	if (dot == end || end - dot > 9 || dot < 2 || file[dot - 1] != '.')
		return -EINVAL;
	for (size_t i = dot; i < end; i++)
		v = v * 10 + (file[i] - '0');
	dot--;
	if (dot >= MONITOR_NAME_MAX || file[0] == '-' || file[0] == '.' || v <= 0)
		return -EINVAL;
	for (size_t i = 0; i < dot; i++)
		if (!name_char_ok(file[i]))
			return -EINVAL;
	memcpy(name, file, dot);
	name[dot] = '\0';
	*pid = (pid_t)v;
	return 0;
}

static int mngr_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

/* A socket is stale when its process is gone or nobody listens on it. */
static bool mngr_is_stale(const struct mngr_vm *vm)
{
	int fd;

	if (!mngr_pid_alive(vm->pid))
		return true;
	fd = mngr_connect(vm->path);
	if (fd == -ECONNREFUSED)
		return true;
	if (fd >= 0)
		close(fd);
	return false;
}

static int mngr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct mngr_vm *)a)->name, ((const struct mngr_vm *)b)->name);
}

int mngr_list(struct mngr_vm **out, size_t *n, mngr_stale_fn on_stale)
{
	const char *dir = mngr_dir();
	struct mngr_vm *v = NULL, vm;
	size_t cnt = 0, cap = 0;
	struct dirent *de;
	struct stat st;
	DIR *d;

	*out = NULL;
	*n = 0;
	d = opendir(dir);
	if (d == NULL)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) != NULL) {
		int len;

		if (mngr_parse_socket_name(de->d_name, vm.name, &vm.pid) != 0)
			continue;
		len = snprintf(vm.path, sizeof(vm.path), "%s/%s", dir, de->d_name);
		if (len < 0 || (size_t)len >= sizeof(vm.path))
			continue;
		if (lstat(vm.path, &st) != 0 || !S_ISSOCK(st.st_mode))
			continue;
		if (mngr_is_stale(&vm)) {
			if (unlink(vm.path) == 0 && on_stale != NULL)
				on_stale(vm.path);
			continue;
		}
		if (cnt == cap) {
			struct mngr_vm *nv;

			cap = cap ? cap * 2 : 8;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
		}
		v[cnt++] = vm;
	}
	closedir(d);
	if (cnt > 0)
		qsort(v, cnt, sizeof(*v), mngr_cmp);
	*out = v;
	*n = cnt;
	return 0;
}

int mngr_find(const char *name, struct mngr_vm *vm, mngr_stale_fn on_stale)
{
	struct mngr_vm *all;
	size_t n;
	int rc;

	rc = mngr_list(&all, &n, on_stale);
	if (rc != 0)
		return rc;
	rc = -ENOENT;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(all[i].name, name) == 0) {
			*vm = all[i];
			rc = 0;
			break;
		}
	}
	free(all);
	return rc;
}

static long mngr_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Read until one whole message is buffered or the deadline passes. */
static int mngr_read_reply(int fd, struct monitor_msg *reply, long deadline)
{
	uint8_t buf[MONITOR_MSG_MAX];
	size_t len = 0, used;
	int rc;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long left = deadline - mngr_now_ms();
		ssize_t r;

		rc = monitor_msg_decode(buf, len, reply, &used);
		if (rc != -EAGAIN)
			return rc == 0 ? 0 : -EPROTO;
		if (left <= 0)
			return -ETIMEDOUT;
		rc = poll(&p, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		if (rc == 0)
			return -ETIMEDOUT;
		r = recv(fd, buf + len, sizeof(buf) - len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ECONNRESET;
		len += (size_t)r;
	}
}

int mngr_request(const char *path, struct monitor_msg *req, struct monitor_msg *reply,
		 int timeout_ms)
{
	static uint32_t seq;
	uint8_t out[MONITOR_MSG_MAX];
	long deadline = mngr_now_ms() + timeout_ms;
	size_t n;
	int fd, rc;

	req->seq = ((uint32_t)getpid() << 8) + ++seq;
	rc = monitor_msg_encode(req, out, sizeof(out), &n);
	if (rc != 0)
		return rc;
	fd = mngr_connect(path);
	if (fd < 0)
		return fd;
	if (send(fd, out, n, MSG_NOSIGNAL) != (ssize_t)n) {
		rc = -errno;
		close(fd);
		return rc != 0 ? rc : -EIO;
	}
	rc = mngr_read_reply(fd, reply, deadline);
	close(fd);
	if (rc == 0 && (reply->type != (req->type | MONITOR_REPLY) || reply->seq != req->seq)) {
		/* An error reply to a message the server could not read is still an answer. */
		if (reply->type == MONITOR_MSG_ERROR)
			return 0;
		return -EPROTO;
	}
	return rc;
}

int mngr_simple(const struct mngr_vm *vm, uint16_t type, uint32_t flags,
		struct monitor_msg *reply)
{
	struct monitor_msg *req = calloc(1, sizeof(*req));
	int rc;

	if (req == NULL)
		return -ENOMEM;
	req->type = type;
	req->flags = flags;
	rc = mngr_request(vm->path, req, reply, MNGR_TIMEOUT_MS);
	free(req);
	return rc;
}

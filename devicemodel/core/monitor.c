/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The monitor socket of acrn-dm (monitor.h).  One thread polls the listening
 * socket, a wake-up pipe and up to MONITOR_MAX_CLIENTS connections.  Each
 * connection owns a buffer of one maximal message; complete messages are
 * decoded (monitor_proto.c), checked against the VM's state, turned into one
 * call of struct monitor_vm_ops and answered.  Nothing a client sends can
 * block the thread: sockets are non-blocking, a client that does not read its
 * replies is dropped, and a stream whose framing is lost (bad magic, version
 * or length) gets one error reply and is closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define DM_LOG_PREFIX "monitor: "
#include "dm_config.h"
#include "dm_log.h"
#include "monitor.h"
#include "virtio/virtio_blk.h"
#include "vmctx.h"

struct monitor_client {
	int fd;				/* -1: free slot */
	size_t len;			/* bytes buffered */
	uint8_t buf[MONITOR_MSG_MAX];
};

struct monitor_server {
	const struct monitor_vm_ops *ops;
	void *opaque;
	char name[MONITOR_NAME_MAX];
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int listen_fd;
	int wake[2];			/* pipe: destroy() writes, the thread wakes */
	pthread_t thread;
	pthread_mutex_t lock;		/* state, read by other threads */
	enum monitor_vm_state state;
	uint64_t start_time;
	struct monitor_client clients[MONITOR_MAX_CLIENTS];
};

const char *monitor_dir(void)
{
	const char *d = getenv("ACRN_MNGR_DIR");

	return (d != NULL && d[0] != '\0') ? d : MONITOR_DEFAULT_DIR;
}

bool monitor_name_is_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > DM_VM_NAME_MAX || name[0] == '-' || name[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

enum monitor_vm_state monitor_server_state(struct monitor_server *srv)
{
	enum monitor_vm_state s;

	pthread_mutex_lock(&srv->lock);
	s = srv->state;
	pthread_mutex_unlock(&srv->lock);
	return s;
}

void monitor_server_set_state(struct monitor_server *srv, enum monitor_vm_state state)
{
	pthread_mutex_lock(&srv->lock);
	srv->state = state;
	pthread_mutex_unlock(&srv->lock);
}

const char *monitor_server_path(const struct monitor_server *srv)
{
	return srv->path;
}

/*
 * Which requests a state allows, and the state they lead to.  A request for
 * the state the VM is already in is -EALREADY; one that makes no sense in the
 * current state (continue a suspended VM, pause a stopping one) is -EBUSY.
 * A graceful stop needs a running guest; a forced stop is always allowed: it
 * is the way out of a stuck shutdown or a paused VM.
 */
static int monitor_transition(enum monitor_vm_state cur, const struct monitor_msg *m,
			      enum monitor_vm_state *next)
{
	*next = cur;
	switch (m->type) {
	case MONITOR_MSG_STOP:
		*next = MONITOR_STATE_STOPPING;
		if (m->flags & MONITOR_STOP_FORCE)
			return 0;
		if (cur == MONITOR_STATE_STOPPING)
			return -EALREADY;
		/* A guest whose vCPUs are stopped cannot answer the power button. */
		return cur == MONITOR_STATE_RUNNING || cur == MONITOR_STATE_STARTING ? 0 : -EBUSY;
	case MONITOR_MSG_PAUSE:
	case MONITOR_MSG_SUSPEND:
		*next = m->type == MONITOR_MSG_PAUSE ? MONITOR_STATE_PAUSED :
						       MONITOR_STATE_SUSPENDED;
		if (cur == *next)
			return -EALREADY;
		return cur == MONITOR_STATE_RUNNING ? 0 : -EBUSY;
	case MONITOR_MSG_CONTINUE:
	case MONITOR_MSG_RESUME:
		*next = MONITOR_STATE_RUNNING;
		if (cur == MONITOR_STATE_RUNNING)
			return -EALREADY;
		if (cur == (m->type == MONITOR_MSG_CONTINUE ? MONITOR_STATE_PAUSED :
							      MONITOR_STATE_SUSPENDED))
			return 0;
		return -EBUSY;
	case MONITOR_MSG_RESET:
		*next = MONITOR_STATE_RUNNING;
		return cur == MONITOR_STATE_STOPPING ? -EBUSY : 0;
	case MONITOR_MSG_BLKRESCAN:
		return cur == MONITOR_STATE_STOPPING ? -EBUSY : 0;
	default:
		return 0;
	}
}

/* An op's result as a wire status: 0 or -errno in range; anything else is -EIO. */
static int32_t monitor_status(int rc)
{
	return (rc <= 0 && rc > -4096) ? rc : -EIO;
}

static int monitor_call(struct monitor_server *srv, const struct monitor_msg *m,
			struct monitor_msg *reply)
{
	const struct monitor_vm_ops *ops = srv->ops;
	void *o = srv->opaque;

	switch (m->type) {
	case MONITOR_MSG_STOP:
		return ops->stop ? ops->stop(o, (m->flags & MONITOR_STOP_FORCE) != 0) : -EOPNOTSUPP;
	case MONITOR_MSG_SUSPEND:
		return ops->suspend ? ops->suspend(o) : -EOPNOTSUPP;
	case MONITOR_MSG_RESUME:
		return ops->resume ? ops->resume(o) : -EOPNOTSUPP;
	case MONITOR_MSG_PAUSE:
		return ops->pause ? ops->pause(o) : -EOPNOTSUPP;
	case MONITOR_MSG_CONTINUE:
		return ops->cont ? ops->cont(o) : -EOPNOTSUPP;
	case MONITOR_MSG_RESET:
		return ops->reset ? ops->reset(o) : -EOPNOTSUPP;
	case MONITOR_MSG_BLKRESCAN:
		/* acrn-dm's working directory is nobody's business: paths are absolute. */
		if (m->path[0] != '/')
			return -EINVAL;
		return ops->blkrescan ? ops->blkrescan(o, m->slot, m->func, m->path) : -EOPNOTSUPP;
	case MONITOR_MSG_QUERY_STATE:
		if (ops->query != NULL)
			ops->query(o, &reply->info);
		reply->info.start_time = srv->start_time;
		reply->info.pid = (uint32_t)getpid();
		monitor_set_field(reply->info.name, MONITOR_NAME_MAX, srv->name);
		monitor_set_field(reply->info.state, MONITOR_STATE_MAX,
				  monitor_state_name(monitor_server_state(srv)));
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/* Carry out one valid request and fill its reply. */
static void monitor_handle(struct monitor_server *srv, const struct monitor_msg *m,
			   struct monitor_msg *reply)
{
	enum monitor_vm_state next;
	int rc;

	memset(reply, 0, sizeof(*reply));
	reply->type = m->type | MONITOR_REPLY;
	reply->seq = m->seq;
	rc = monitor_transition(monitor_server_state(srv), m, &next);
	if (rc == 0)
		rc = monitor_call(srv, m, reply);
	reply->status = monitor_status(rc);
	if (reply->status == 0) {
		monitor_server_set_state(srv, next);
		if (m->type != MONITOR_MSG_QUERY_STATE)
			pr_info("%s of VM %s done", monitor_type_name(m->type), srv->name);
	} else if (m->type != MONITOR_MSG_QUERY_STATE) {
		pr_info("%s of VM %s refused: %s", monitor_type_name(m->type), srv->name,
			strerror(-reply->status));
	}
}

static void monitor_drop(struct monitor_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->len = 0;
}

/* Send one reply; a client whose socket buffer is full is not worth waiting for. */
static int monitor_send(struct monitor_client *c, const struct monitor_msg *reply)
{
	uint8_t out[MONITOR_HDR_SIZE + 4 + MONITOR_INFO_SIZE];
	size_t n;
	ssize_t w;

	if (monitor_msg_encode(reply, out, sizeof(out), &n) != 0)
		return -EIO;
	w = send(c->fd, out, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	return (w == (ssize_t)n) ? 0 : -EIO;
}

static int monitor_send_error(struct monitor_client *c, uint16_t type, uint32_t seq, int status)
{
	struct monitor_msg r;

	memset(&r, 0, sizeof(r));
	/* Answer a known request type in kind, so the client can match it. */
	r.type = monitor_is_request_type(type) ? (uint16_t)(type | MONITOR_REPLY) : MONITOR_MSG_ERROR;
	r.seq = seq;
	r.status = status;
	return monitor_send(c, &r);
}

/*
 * Decode and answer every complete message in the client's buffer.
 * @return 0 to keep the connection, -1 to close it
 */
static int monitor_process(struct monitor_server *srv, struct monitor_client *c)
{
	struct monitor_msg *m, reply;
	size_t used;
	int rc, ret = 0;

	m = malloc(sizeof(*m));
	if (m == NULL)
		return -1;
	while (c->len > 0) {
		rc = monitor_msg_decode(c->buf, c->len, m, &used);
		if (rc == -EAGAIN)
			break;			/* wait for the rest */
		if (used == 0) {
			/* Framing lost: bad magic, version or length. */
			pr_warn("VM %s: malformed message (%s), closing connection", srv->name,
				strerror(-rc));
			monitor_send_error(c, 0, 0, rc);
			ret = -1;
			break;
		}
		if (rc == 0 && (m->type & MONITOR_REPLY))
			rc = -EINVAL;		/* clients send requests, not replies */
		if (rc != 0) {
			pr_warn("VM %s: rejected message type %#x: %s", srv->name, m->type,
				strerror(-rc));
			rc = monitor_send_error(c, (m->type & MONITOR_REPLY) ? 0 : m->type,
						m->seq, rc);
		} else {
			monitor_handle(srv, m, &reply);
			rc = monitor_send(c, &reply);
		}
		memmove(c->buf, c->buf + used, c->len - used);
		c->len -= used;
		if (rc != 0) {
			ret = -1;
			break;
		}
	}
	free(m);
	return ret;
}

static void monitor_read(struct monitor_server *srv, struct monitor_client *c)
{
	ssize_t r;

	r = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, MSG_DONTWAIT);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		monitor_drop(c);		/* closed, or an error on the socket */
		return;
	}
	c->len += (size_t)r;
	if (monitor_process(srv, c) != 0)
		monitor_drop(c);
}

/* Accept one connection; only root and acrn-dm's own user may manage the VM. */
static void monitor_accept(struct monitor_server *srv)
{
	struct monitor_client probe = { .fd = -1 };
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	int fd;

	fd = accept4(srv->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	probe.fd = fd;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0 ||
	    (cred.uid != 0 && cred.uid != geteuid())) {
		monitor_send_error(&probe, 0, 0, -EACCES);
		close(fd);
		return;
	}
	for (int i = 0; i < MONITOR_MAX_CLIENTS; i++) {
		if (srv->clients[i].fd < 0) {
			srv->clients[i].fd = fd;
			srv->clients[i].len = 0;
			return;
		}
	}
	monitor_send_error(&probe, 0, 0, -EBUSY);
	close(fd);
}

static void *monitor_thread(void *arg)
{
	struct monitor_server *srv = arg;
	struct pollfd pfd[2 + MONITOR_MAX_CLIENTS];
	int idx[2 + MONITOR_MAX_CLIENTS];

	for (;;) {
		nfds_t n = 2;

		pfd[0] = (struct pollfd){ .fd = srv->wake[0], .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = srv->listen_fd, .events = POLLIN };
		for (int i = 0; i < MONITOR_MAX_CLIENTS; i++) {
			if (srv->clients[i].fd < 0)
				continue;
			pfd[n] = (struct pollfd){ .fd = srv->clients[i].fd, .events = POLLIN };
			idx[n++] = i;
		}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			pr_err("poll: %s; monitor of VM %s stops", strerror(errno), srv->name);
			break;
		}
		if (pfd[0].revents != 0)
			break;
		for (nfds_t k = 2; k < n; k++)
			if (pfd[k].revents != 0)
				monitor_read(srv, &srv->clients[idx[k]]);
		if (pfd[1].revents & POLLIN)
			monitor_accept(srv);
	}
	return NULL;
}

/* mkdir -p: missing parents 0755, the socket directory itself 0700. */
static int monitor_mkdir(const char *dir)
{
	char tmp[sizeof(((struct sockaddr_un *)0)->sun_path)];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, i == n ? 0700 : 0755) != 0 && errno != EEXIST)
			return -errno;
		tmp[i] = i == n ? '\0' : '/';
	}
	return 0;
}

/*
 * Bind to a temporary name and rename it into place once listening: a client
 * never finds the socket before it accepts connections, so "connection
 * refused" always means a stale socket.
 */
static int monitor_listen(struct monitor_server *srv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc, n;

	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s.tmp", srv->path);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	/* Same name and pid: a socket left by an earlier process with our pid. */
	if (lstat(srv->path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(srv->path);
	if (lstat(sa.sun_path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(sa.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if (chmod(sa.sun_path, 0600) != 0 || listen(fd, 8) != 0 ||
	    rename(sa.sun_path, srv->path) != 0) {
		rc = -errno;
		close(fd);
		unlink(sa.sun_path);
		return rc;
	}
	srv->listen_fd = fd;
	return 0;
}

int monitor_server_create(const char *dir, const char *vm_name, const struct monitor_vm_ops *ops,
			  void *opaque, struct monitor_server **out)
{
	struct monitor_server *srv;
	int rc, n;

	*out = NULL;
	if (dir == NULL)
		dir = monitor_dir();
	if (!monitor_name_is_valid(vm_name))
		return -EINVAL;
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return -ENOMEM;
	srv->ops = ops;
	srv->opaque = opaque;
	srv->listen_fd = -1;
	srv->wake[0] = srv->wake[1] = -1;
	srv->state = MONITOR_STATE_RUNNING;
	srv->start_time = (uint64_t)time(NULL);
	monitor_set_field(srv->name, sizeof(srv->name), vm_name);
	for (int i = 0; i < MONITOR_MAX_CLIENTS; i++)
		srv->clients[i].fd = -1;
	pthread_mutex_init(&srv->lock, NULL);
	n = snprintf(srv->path, sizeof(srv->path), "%s/%s.%d.socket", dir, vm_name, (int)getpid());
	rc = (n < 0 || (size_t)n >= sizeof(srv->path)) ? -ENAMETOOLONG : 0;
	if (rc == 0)
		rc = monitor_mkdir(dir);
	if (rc == 0)
		rc = monitor_listen(srv);
	if (rc == 0 && pipe2(srv->wake, O_CLOEXEC) != 0)
		rc = -errno;
	if (rc == 0) {
		rc = -pthread_create(&srv->thread, NULL, monitor_thread, srv);
		if (rc != 0)
			unlink(srv->path);
	}
	if (rc != 0) {
		if (srv->listen_fd >= 0) {
			close(srv->listen_fd);
			unlink(srv->path);
		}
		if (srv->wake[0] >= 0) {
			close(srv->wake[0]);
			close(srv->wake[1]);
		}
		pthread_mutex_destroy(&srv->lock);
		free(srv);
		return rc;
	}
	*out = srv;
	return 0;
}

void monitor_server_destroy(struct monitor_server *srv)
{
	char b = 1;

	if (srv == NULL)
		return;
	while (write(srv->wake[1], &b, 1) < 0 && errno == EINTR)
		;
	pthread_join(srv->thread, NULL);
	for (int i = 0; i < MONITOR_MAX_CLIENTS; i++)
		monitor_drop(&srv->clients[i]);
	close(srv->listen_fd);
	unlink(srv->path);
	close(srv->wake[0]);
	close(srv->wake[1]);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
}

/* ---- acrn-dm's VM behind the monitor ---------------------------------- */

/*
 * Optional hook of the platform devices: press the ACPI power button (ACPI
 * 6.x §4.8.2.2.1.3), so that a non-forced stop lets the guest shut down.
 * Without it a stop is immediate.
 */
int platform_devices_power_button(struct vmctx *ctx) __attribute__((weak));

static struct monitor_server *monitor_vm_srv;

static int monitor_vm_stop(void *opaque, bool force)
{
	struct vmctx *ctx = opaque;

	if (!force && platform_devices_power_button != NULL &&
	    platform_devices_power_button(ctx) == 0)
		return 0;
	vm_request_stop(ctx, VM_STOP_POWEROFF);
	return 0;
}

static int monitor_vm_pause(void *opaque)
{
	struct vmctx *ctx = opaque;

	return ctx->vmm->pause_vm(ctx);
}

static int monitor_vm_cont(void *opaque)
{
	struct vmctx *ctx = opaque;

	/* ACRN resumes a paused VM with START_VM. */
	return ctx->vmm->start_vm(ctx);
}

static int monitor_vm_reset(void *opaque)
{
	vm_request_stop(opaque, VM_STOP_RESET);
	return 0;
}

static int monitor_vm_blkrescan(void *opaque, unsigned int slot, unsigned int func,
				const char *path)
{
	if (slot >= DM_PCI_SLOTS || func >= DM_PCI_FUNCS)
		return -EINVAL;
	return virtio_blk_rescan(opaque, (int)slot, (int)func, path);
}

static void monitor_vm_query(void *opaque, struct monitor_vm_info *info)
{
	struct vmctx *ctx = opaque;

	info->vcpus = ctx->ncpus;
	info->mem_bytes = ctx->cfg != NULL ? ctx->cfg->mem_size : 0;
}

static const struct monitor_vm_ops monitor_vm_ops = {
	.stop = monitor_vm_stop,
	.pause = monitor_vm_pause,
	.cont = monitor_vm_cont,
	.reset = monitor_vm_reset,
	.blkrescan = monitor_vm_blkrescan,
	.query = monitor_vm_query,
	/* No S3 support in acrn-dm yet: suspend/resume answer -EOPNOTSUPP. */
};

int monitor_start(struct vmctx *ctx, const char *vm_name)
{
	int rc;

	if (monitor_vm_srv != NULL)
		return -EBUSY;
	rc = monitor_server_create(NULL, vm_name, &monitor_vm_ops, ctx, &monitor_vm_srv);
	if (rc != 0)
		pr_err("cannot create the monitor socket of VM %s in %s: %s", vm_name,
		       monitor_dir(), strerror(-rc));
	else
		pr_info("VM %s: monitor socket %s", vm_name, monitor_server_path(monitor_vm_srv));
	return rc;
}

void monitor_stop(void)
{
	monitor_server_destroy(monitor_vm_srv);
	monitor_vm_srv = NULL;
}

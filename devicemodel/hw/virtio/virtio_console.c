/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * virtio-console (Virtio 1.2 §5.3), one port (no VIRTIO_CONSOLE_F_MULTIPORT):
 * queue 0 receives (host -> guest), queue 1 transmits (guest -> host).
 *
 *   -s N,virtio-console,@stdio:NAME             the acrn-dm process's stdin/stdout
 *   -s N,virtio-console,@pty:NAME[=LINK]        a new pseudo-terminal (path logged,
 *                                               optionally symlinked at LINK)
 *   -s N,virtio-console,@socket:NAME=PATH[:server]  (or @sock:PATH) a listening
 *                                               UNIX socket, one client at a time
 *   -s N,virtio-console,@file:NAME=PATH         (or @file:PATH) output appended
 *                                               to a file, no input
 *
 * Guest output is written from the IOREQ thread with non-blocking writes (a
 * stalled reader loses output rather than stalling the vCPU).  Input is read
 * by one thread that polls the back-end only while the guest has receive
 * buffers posted.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "pci_core.h"
#include "virtio/virtio_core.h"

#define DM_LOG_PREFIX "virtio-console: "
#include "dm_log.h"

#define VCON_QSIZE	64
#define VCON_RXQ	0
#define VCON_TXQ	1

enum vcon_backend { VCON_STDIO, VCON_PTY, VCON_SOCK, VCON_FILE };

/* Device configuration (§5.3.4): cols, rows, max_nr_ports, emerg_wr. */
struct vcon_config {
	uint16_t cols;
	uint16_t rows;
	uint32_t max_nr_ports;
	uint32_t emerg_wr;
} __attribute__((packed));

struct virtio_console {
	struct virtio_dev vs;	/* first */
	struct vcon_config cfg;
	enum vcon_backend kind;
	char name[64];
	char path[108];		/* socket, file or pty link path */
	int in_fd, out_fd;	/* -1 when absent */
	int listen_fd;		/* VCON_SOCK */
	int pty_slave;		/* kept open so the master never sees a hang-up */
	int wake_fd;		/* eventfd: rx buffers posted, or quit */
	bool rx_ready;		/* guest may have rx buffers (guarded by vs.mtx) */
	bool quit;
	bool tx_drop_logged;
	pthread_t rx_thread;
	bool rx_started;
};

static void vcon_wake(struct virtio_console *c)
{
	uint64_t one = 1;

	if (write(c->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		pr_warn("cannot wake the input thread: %s", strerror(errno));
}

/* §5.3.6.2: transmitq buffers are device-readable; send them to the back-end. */
static void vcon_tx(struct virtio_console *c)
{
	struct iovec iov[VCON_QSIZE];
	struct vq_chain ch;
	bool any = false;

	while (virtio_getchain(&c->vs, VCON_TXQ, iov, VCON_QSIZE, &ch) > 0) {
		if (c->out_fd >= 0 && ch.nread > 0) {
			ssize_t n = writev(c->out_fd, iov, (int)ch.nread);

			if (n < 0 && !c->tx_drop_logged) {
				pr_warn("%s: output dropped: %s", c->name, strerror(errno));
				c->tx_drop_logged = true;
			}
		}
		vq_relchain(&c->vs.q[VCON_TXQ].vq, ch.head, 0);
		any = true;
	}
	if (any)
		virtio_queue_interrupt(&c->vs, VCON_TXQ);
}

static void vcon_notify(struct virtio_dev *vs, unsigned int q)
{
	struct virtio_console *c = (struct virtio_console *)vs;

	if (q == VCON_TXQ) {
		vcon_tx(c);
	} else if (q == VCON_RXQ) {
		c->rx_ready = true;
		vcon_wake(c);
	}
}

static void vcon_driver_ok(struct virtio_dev *vs)
{
	struct virtio_console *c = (struct virtio_console *)vs;

	c->rx_ready = true;	/* buffers may have been posted before DRIVER_OK */
	vcon_wake(c);
}

static void vcon_reset(struct virtio_dev *vs)
{
	((struct virtio_console *)vs)->rx_ready = false;
}

/* Forget a socket client that went away. */
static void vcon_drop_client(struct virtio_console *c)
{
	if (c->kind != VCON_SOCK || c->in_fd < 0)
		return;
	close(c->in_fd);
	c->in_fd = c->out_fd = -1;
}

/* One receive step (§5.3.6.1): read what is available into one guest buffer. */
static void vcon_rx_once(struct virtio_console *c)
{
	struct iovec iov[VCON_QSIZE];
	struct vq_chain ch;
	ssize_t n;

	pthread_mutex_lock(&c->vs.mtx);
	if (c->in_fd < 0 || virtio_getchain(&c->vs, VCON_RXQ, iov, VCON_QSIZE, &ch) <= 0) {
		c->rx_ready = false;	/* wait for the next kick */
		pthread_mutex_unlock(&c->vs.mtx);
		return;
	}
	if (ch.niov == ch.nread) {	/* nothing writable: hand it back empty */
		virtio_relchain(&c->vs, VCON_RXQ, ch.head, 0);
		pthread_mutex_unlock(&c->vs.mtx);
		return;
	}
	n = readv(c->in_fd, iov + ch.nread, (int)(ch.niov - ch.nread));
	if (n > 0) {
		virtio_relchain(&c->vs, VCON_RXQ, ch.head, (uint32_t)n);
	} else {
		vq_retchains(&c->vs.q[VCON_RXQ].vq, 1);
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			if (c->kind == VCON_SOCK)
				vcon_drop_client(c);
			else
				c->in_fd = -1;	/* end of input (stdin closed) */
		}
	}
	pthread_mutex_unlock(&c->vs.mtx);
}

static void vcon_accept(struct virtio_console *c)
{
	int fd = accept4(c->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	pthread_mutex_lock(&c->vs.mtx);
	if (c->in_fd >= 0) {
		close(fd);		/* one client at a time */
	} else {
		c->in_fd = c->out_fd = fd;
		c->tx_drop_logged = false;
	}
	pthread_mutex_unlock(&c->vs.mtx);
}

static void *vcon_rx_thread(void *arg)
{
	struct virtio_console *c = arg;

	for (;;) {
		struct pollfd p[3];
		int np = 0, in_idx = -1, ls_idx = -1;
		uint64_t v;

		pthread_mutex_lock(&c->vs.mtx);
		if (c->quit) {
			pthread_mutex_unlock(&c->vs.mtx);
			break;
		}
		p[np++] = (struct pollfd){ .fd = c->wake_fd, .events = POLLIN };
		if (c->in_fd >= 0 && c->rx_ready) {
			in_idx = np;
			p[np++] = (struct pollfd){ .fd = c->in_fd, .events = POLLIN };
		}
		if (c->listen_fd >= 0 && c->in_fd < 0) {
			ls_idx = np;
			p[np++] = (struct pollfd){ .fd = c->listen_fd, .events = POLLIN };
		}
		pthread_mutex_unlock(&c->vs.mtx);

		if (poll(p, (nfds_t)np, -1) < 0)
			continue;
		if (p[0].revents & POLLIN) {
			if (read(c->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				pr_warn("wake read failed: %s", strerror(errno));
		}
		if (ls_idx >= 0 && (p[ls_idx].revents & POLLIN))
			vcon_accept(c);
		if (in_idx >= 0 && (p[in_idx].revents & (POLLIN | POLLHUP | POLLERR)))
			vcon_rx_once(c);
	}
	return NULL;
}

static int vcon_open_pty(struct virtio_console *c)
{
	struct termios t;
	char *slave;
	int fd = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0 || grantpt(fd) != 0 || unlockpt(fd) != 0 || (slave = ptsname(fd)) == NULL)
		goto fail;
	c->pty_slave = open(slave, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (c->pty_slave < 0)
		goto fail;
	/* Raw: the guest's console bytes pass through unchanged. */
	if (tcgetattr(c->pty_slave, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(c->pty_slave, TCSANOW, &t);
	}
	c->in_fd = c->out_fd = fd;
	if (c->path[0] != '\0') {
		/* ACRN's @pty:NAME=LINK: a stable name for the changing /dev/pts/N. */
		unlink(c->path);
		if (symlink(slave, c->path) != 0)
			pr_warn("cannot link %s to %s: %s", c->path, slave, strerror(errno));
	}
	pr_info("port %s at %s", c->name, slave);
	return 0;
fail:
	pr_err("cannot create a pty: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	return -EIO;
}

static int vcon_open_sock(struct virtio_console *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(c->path) >= sizeof(sa.sun_path)) {
		pr_err("socket path too long: %s", c->path);
		return -EINVAL;
	}
	strcpy(sa.sun_path, c->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(c->path);	/* a stale socket from an earlier run */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 1) != 0) {
		int e = errno;

		pr_err("cannot listen on %s: %s", c->path, strerror(e));
		close(fd);
		return -e;
	}
	c->listen_fd = fd;
	return 0;
}

static int vcon_open_backend(struct virtio_console *c)
{
	switch (c->kind) {
	case VCON_STDIO:
		c->in_fd = STDIN_FILENO;
		c->out_fd = STDOUT_FILENO;
		return 0;
	case VCON_PTY:
		return vcon_open_pty(c);
	case VCON_SOCK:
		return vcon_open_sock(c);
	case VCON_FILE:
		c->out_fd = open(c->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (c->out_fd < 0) {
			pr_err("cannot open %s: %s", c->path, strerror(errno));
			return -errno;
		}
		return 0;
	}
	return -EINVAL;
}

struct vcon_kind {
	const char *kind;
	enum vcon_backend be;
};

static const struct vcon_kind vcon_kinds[] = {
	{ "stdio:", VCON_STDIO }, { "pty:", VCON_PTY }, { "file:", VCON_FILE },
	{ "socket:", VCON_SOCK }, { "sock:", VCON_SOCK },
};

static bool vcon_is_port_spec(const char *key)
{
	if (*key == '@')
		return true;
	for (size_t i = 0; i < sizeof(vcon_kinds) / sizeof(vcon_kinds[0]); i++)
		if (strncmp(key, vcon_kinds[i].kind, strlen(vcon_kinds[i].kind)) == 0)
			return true;
	return false;
}

/*
 * The central parser split "@socket:NAME=PATH" at '=' into a key and a value:
 * find the one port among the options and join it again.
 */
static int vcon_port_spec(const struct dm_dev_config *cfg, char *buf, size_t len)
{
	int found = 0;

	for (size_t i = 0; i < cfg->nopts; i++) {
		const struct dm_kv *kv = &cfg->opts[i];
		int n;

		if (!vcon_is_port_spec(kv->key))
			continue;
		if (found++ > 0)
			return -EINVAL;	/* MULTIPORT is not implemented */
		n = snprintf(buf, len, "%s%s%s", kv->key, kv->value != NULL ? "=" : "",
			     kv->value != NULL ? kv->value : "");
		if (n < 0 || (size_t)n >= len)
			return -EINVAL;
	}
	return found == 1 ? 0 : -EINVAL;
}

/*
 * ACRN's port syntax, one port: [@]KIND:NAME[=PATH[:server]], KIND one of
 * stdio, pty, file, socket (alias sock).  The short forms @file:PATH and
 * @sock:PATH (no NAME) are accepted too.
 */
static int vcon_parse(struct virtio_console *c, const struct dm_dev_config *cfg)
{
	const struct vcon_kind *kinds = vcon_kinds;	/* short name for the loop */
	char buf[256];
	const char *spec = buf, *arg, *eq;
	size_t nl;

	if (vcon_port_spec(cfg, buf, sizeof(buf)) != 0)
		goto usage;
	if (*spec == '@')
		spec++;
	for (size_t i = 0; i < sizeof(vcon_kinds) / sizeof(vcon_kinds[0]); i++) {
		if (strncmp(spec, kinds[i].kind, strlen(kinds[i].kind)) != 0)
			continue;
		arg = spec + strlen(kinds[i].kind);
		c->kind = kinds[i].be;
		eq = strchr(arg, '=');
		nl = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
		if (eq == NULL && (c->kind == VCON_FILE || c->kind == VCON_SOCK)) {
			/* Short form: the argument is the path. */
			snprintf(c->name, sizeof(c->name), "port0");
			eq = arg - 1;
		} else if (nl == 0 || nl >= sizeof(c->name)) {
			goto usage;
		} else {
			snprintf(c->name, sizeof(c->name), "%.*s", (int)nl, arg);
		}
		if (eq == NULL)
			return 0;	/* stdio or pty without a link */
		if (c->kind == VCON_STDIO || eq[1] == '\0' || strlen(eq + 1) >= sizeof(c->path))
			goto usage;
		snprintf(c->path, sizeof(c->path), "%s", eq + 1);
		if (c->kind == VCON_SOCK) {
			char *mode = strrchr(c->path, ':');

			if (mode != NULL && strcmp(mode, ":server") == 0)
				*mode = '\0';
			else if (mode != NULL && strcmp(mode, ":client") == 0)
				goto usage;	/* we only listen */
		}
		return 0;
	}
usage:
	pr_err("usage: -s N,virtio-console,@stdio:NAME | @pty:NAME[=LINK] | @file:[NAME=]PATH | "
	       "@socket:[NAME=]PATH[:server] (one port)");
	return -EINVAL;
}

static const struct virtio_ops vcon_virtio_ops = {
	.name = "virtio-console",
	.type = VIRTIO_ID_CONSOLE,
	.legacy_pci_id = VIRTIO_DEV_TRANS_BASE + 3,
	.pci_class = 0x07,
	.pci_subclass = 0x80,
	.nqueues = 2,
	.qsize = VCON_QSIZE,
	.reset = vcon_reset,
	.qnotify = vcon_notify,
	.driver_ok = vcon_driver_ok,
};

static void vcon_close(struct virtio_console *c)
{
	if (c->kind != VCON_STDIO) {
		if (c->in_fd >= 0)
			close(c->in_fd);
		if (c->out_fd >= 0 && c->out_fd != c->in_fd)
			close(c->out_fd);
	}
	if (c->listen_fd >= 0) {
		close(c->listen_fd);
		unlink(c->path);
	}
	if (c->kind == VCON_PTY && c->path[0] != '\0')
		unlink(c->path);
	if (c->pty_slave >= 0)
		close(c->pty_slave);
	if (c->wake_fd >= 0)
		close(c->wake_fd);
	free(c);
}

static int vcon_init(struct vmctx *ctx, struct pci_vdev *dev, const struct dm_dev_config *cfg)
{
	struct virtio_console *c = calloc(1, sizeof(*c));
	int rc;

	if (c == NULL)
		return -ENOMEM;
	c->in_fd = c->out_fd = c->listen_fd = c->pty_slave = -1;
	c->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	rc = c->wake_fd < 0 ? -errno : vcon_parse(c, cfg);
	if (rc == 0)
		rc = vcon_open_backend(c);
	if (rc == 0) {
		c->cfg.max_nr_ports = 1;
		rc = virtio_dev_init(&c->vs, &vcon_virtio_ops, dev, cfg, 0, &c->cfg,
				     sizeof(c->cfg));
	}
	if (rc == 0) {
		if (pthread_create(&c->rx_thread, NULL, vcon_rx_thread, c) != 0) {
			virtio_dev_deinit(&c->vs);
			rc = -EAGAIN;
		} else {
			c->rx_started = true;
		}
	}
	if (rc != 0) {
		vcon_close(c);
		dev->arg = NULL;
	}
	return rc;
}

static void vcon_deinit(struct vmctx *ctx, struct pci_vdev *dev)
{
	struct virtio_console *c = dev->arg;

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->vs.mtx);
	c->quit = true;
	pthread_mutex_unlock(&c->vs.mtx);
	vcon_wake(c);
	if (c->rx_started)
		pthread_join(c->rx_thread, NULL);
	virtio_dev_deinit(&c->vs);
	vcon_close(c);
}

static const struct pci_vdev_ops pci_ops_virtio_console = {
	.class_name = "virtio-console",
	.vdev_init = vcon_init,
	.vdev_deinit = vcon_deinit,
	.vdev_barwrite = virtio_pci_barwrite,
	.vdev_barread = virtio_pci_barread,
	.vdev_reset = virtio_pci_reset,
};
PCI_VDEV_REGISTER(pci_ops_virtio_console);

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UART back-ends: stdio, pty, tcp listener, output file.
 *
 * One thread per back-end polls the input fd, the output fd (when bytes
 * are queued), the TCP listener (when no client is connected) and a wake-up
 * pipe. The vCPU path (uart_backend_tx) never blocks: it tries one
 * non-blocking write and otherwise queues.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "hw/uart_backend.h"

#define UART_BE_BUF	4096

enum uart_be_kind {
	UART_BE_FDS,
	UART_BE_STDIO,
	UART_BE_PTY,
	UART_BE_TCP,
	UART_BE_FILE,
};

struct uart_backend {
	enum uart_be_kind kind;
	int in_fd;		/* -1: no input */
	int out_fd;		/* -1: output dropped */
	int listen_fd;		/* tcp only */
	int pty_slave_fd;	/* kept open so the master never sees a hangup */
	int wake[2];		/* self-pipe: rx_ready and close */
	bool owns_fds;
	bool started;
	bool stop;		/* under lock */
	pthread_t thread;
	pthread_mutex_t lock;	/* tx ring, out_fd, stop */
	struct uart_16550 *uart;

	uint8_t tx[UART_BE_BUF];
	size_t tx_head, tx_len;
	uint64_t tx_dropped;
	bool peer_gone;		/* tcp: send failed hard, drop the client */

	uint8_t rx[UART_BE_BUF];	/* back-end thread only */
	size_t rx_head, rx_len;
	_Atomic bool rx_waiting;	/* side buffer holds bytes the FIFO refused */

	bool tty_saved;
	struct termios tty;
	int saved_flags[2];	/* stdin/stdout file status flags */
	char pty_name[128];
	int tcp_port;
};

static int uart_be_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

static int uart_be_alloc(enum uart_be_kind kind, struct uart_backend **out)
{
	struct uart_backend *be = calloc(1, sizeof(*be));

	if (!be)
		return -ENOMEM;
	be->kind = kind;
	be->in_fd = be->out_fd = be->listen_fd = be->pty_slave_fd = -1;
	if (pipe2(be->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		free(be);
		return -errno;
	}
	pthread_mutex_init(&be->lock, NULL);
	*out = be;
	return 0;
}

static void uart_be_free(struct uart_backend *be)
{
	close(be->wake[0]);
	close(be->wake[1]);
	pthread_mutex_destroy(&be->lock);
	free(be);
}

int uart_backend_open_fds(int in_fd, int out_fd, struct uart_backend **out)
{
	struct uart_backend *be;
	int ret;

	if (!out || in_fd < -1 || out_fd < -1)
		return -EINVAL;
	ret = uart_be_alloc(UART_BE_FDS, &be);
	if (ret)
		return ret;
	be->in_fd = in_fd;
	be->out_fd = out_fd;
	if ((in_fd >= 0 && uart_be_set_nonblock(in_fd)) ||
	    (out_fd >= 0 && uart_be_set_nonblock(out_fd))) {
		uart_be_free(be);
		return -EINVAL;
	}
	*out = be;
	return 0;
}

/* stdio: raw terminal so that control characters reach the guest. */
static int uart_be_open_stdio(struct uart_backend *be)
{
	struct termios raw;

	be->in_fd = STDIN_FILENO;
	be->out_fd = STDOUT_FILENO;
	be->saved_flags[0] = fcntl(STDIN_FILENO, F_GETFL);
	be->saved_flags[1] = fcntl(STDOUT_FILENO, F_GETFL);
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &be->tty) == 0) {
		raw = be->tty;
		cfmakeraw(&raw);
		raw.c_oflag |= OPOST | ONLCR;	/* keep the host's newlines sane */
		if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
			be->tty_saved = true;
	}
	if (be->saved_flags[0] >= 0)
		uart_be_set_nonblock(STDIN_FILENO);
	if (be->saved_flags[1] >= 0)
		uart_be_set_nonblock(STDOUT_FILENO);
	return 0;
}

static int uart_be_open_pty(struct uart_backend *be)
{
	struct termios raw;
	int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (grantpt(fd) < 0 || unlockpt(fd) < 0 ||
	    ptsname_r(fd, be->pty_name, sizeof(be->pty_name)) != 0)
		goto fail;
	be->pty_slave_fd = open(be->pty_name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (be->pty_slave_fd < 0)
		goto fail;
	if (tcgetattr(be->pty_slave_fd, &raw) == 0) {
		cfmakeraw(&raw);
		tcsetattr(be->pty_slave_fd, TCSANOW, &raw);
	}
	uart_be_set_nonblock(fd);
	be->in_fd = be->out_fd = fd;
	return 0;
fail:
	close(fd);
	return -EIO;
}

static int uart_be_open_tcp(struct uart_backend *be, const char *arg)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char host[64] = "127.0.0.1";
	const char *colon = strrchr(arg, ':');
	const char *portstr = colon ? colon + 1 : arg;
	socklen_t len = sizeof(sa);
	char *end;
	long port;
	int fd, one = 1;

	if (colon) {
		size_t hl = (size_t)(colon - arg);

		if (hl == 0 || hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, arg, hl);
		host[hl] = '\0';
	}
	errno = 0;
	port = strtol(portstr, &end, 10);
	if (errno || end == portstr || *end || port < 0 || port > 65535)
		return -EINVAL;
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return -EINVAL;
	sa.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	be->tcp_port = ntohs(sa.sin_port);
	be->listen_fd = fd;
	return 0;
}

static int uart_be_open_file(struct uart_backend *be, const char *path)
{
	if (!*path)
		return -EINVAL;
	be->out_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK, 0644);
	return be->out_fd < 0 ? -errno : 0;
}

int uart_backend_open(const char *spec, struct uart_backend **out)
{
	struct uart_backend *be;
	enum uart_be_kind kind;
	int ret;

	if (!spec || !out)
		return -EINVAL;
	if (!strcmp(spec, "stdio"))
		kind = UART_BE_STDIO;
	else if (!strcmp(spec, "pty"))
		kind = UART_BE_PTY;
	else if (!strncmp(spec, "tcp:", 4))
		kind = UART_BE_TCP;
	else if (!strncmp(spec, "file:", 5))
		kind = UART_BE_FILE;
	else
		return -EINVAL;
	ret = uart_be_alloc(kind, &be);
	if (ret)
		return ret;
	be->owns_fds = true;
	switch (kind) {
	case UART_BE_STDIO:
		ret = uart_be_open_stdio(be);
		break;
	case UART_BE_PTY:
		ret = uart_be_open_pty(be);
		break;
	case UART_BE_TCP:
		ret = uart_be_open_tcp(be, spec + 4);
		break;
	default:
		ret = uart_be_open_file(be, spec + 5);
		break;
	}
	if (ret) {
		uart_be_free(be);
		return ret;
	}
	*out = be;
	return 0;
}

/*
 * A vanished reader (TCP peer, closed pipe, detached stdout) must not kill
 * acrn-dm with SIGPIPE, whatever the process's signal disposition: sockets
 * use MSG_NOSIGNAL; other fds write with SIGPIPE blocked in this thread and
 * swallow the signal the failed write left pending.
 */
static ssize_t uart_be_write(struct uart_backend *be, const void *buf, size_t len)
{
	static const struct timespec zero = { 0, 0 };
	sigset_t pipe_set, old;
	ssize_t n;
	int err;

	if (be->kind == UART_BE_TCP)
		return send(be->out_fd, buf, len, MSG_NOSIGNAL);
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	n = write(be->out_fd, buf, len);
	err = errno;
	if (n < 0 && err == EPIPE)
		sigtimedwait(&pipe_set, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = err;
	return n;
}

/* Write what the ring holds; called with be->lock held. */
static void uart_be_flush_locked(struct uart_backend *be)
{
	while (be->tx_len > 0 && be->out_fd >= 0) {
		size_t chunk = UART_BE_BUF - be->tx_head;
		ssize_t n;

		if (chunk > be->tx_len)
			chunk = be->tx_len;
		n = uart_be_write(be, be->tx + be->tx_head, chunk);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
				be->tx_len = 0;	/* dead output: stop trying */
				if (be->kind == UART_BE_TCP)
					be->peer_gone = true;
			}
			return;
		}
		be->tx_head = (be->tx_head + (size_t)n) % UART_BE_BUF;
		be->tx_len -= (size_t)n;
	}
	if (be->out_fd < 0)
		be->tx_len = 0;
}

static void uart_be_wake(struct uart_backend *be)
{
	const uint8_t b = 1;
	ssize_t n = write(be->wake[1], &b, 1);

	(void)n;	/* a full pipe already guarantees a wake-up */
}

void uart_backend_tx(void *opaque, uint8_t byte)
{
	struct uart_backend *be = opaque;
	bool was_empty, wake;

	pthread_mutex_lock(&be->lock);
	if (be->out_fd < 0) {
		pthread_mutex_unlock(&be->lock);
		return;		/* nobody listening: the line is idle */
	}
	if (be->tx_len >= UART_BE_BUF) {
		be->tx_dropped++;
		pthread_mutex_unlock(&be->lock);
		return;
	}
	was_empty = be->tx_len == 0;
	be->tx[(be->tx_head + be->tx_len) % UART_BE_BUF] = byte;
	be->tx_len++;
	if (was_empty)
		uart_be_flush_locked(be);
	wake = was_empty && be->tx_len > 0;
	pthread_mutex_unlock(&be->lock);
	if (wake)
		uart_be_wake(be);	/* let the thread wait for POLLOUT */
}

void uart_backend_rx_ready(void *opaque)
{
	struct uart_backend *be = opaque;

	if (atomic_load_explicit(&be->rx_waiting, memory_order_relaxed))
		uart_be_wake(be);
}

/* Feed the side buffer into the UART until the FIFO refuses. */
static void uart_be_push(struct uart_backend *be)
{
	/*
	 * Announce pending bytes before pushing: a guest read that makes room
	 * after uart_rx_push() returned must find the flag set and wake us.
	 */
	if (be->rx_len > 0)
		atomic_store_explicit(&be->rx_waiting, true, memory_order_seq_cst);
	while (be->rx_len > 0) {
		size_t chunk = UART_BE_BUF - be->rx_head;
		size_t n;

		if (chunk > be->rx_len)
			chunk = be->rx_len;
		n = uart_rx_push(be->uart, be->rx + be->rx_head, chunk);
		be->rx_head = (be->rx_head + n) % UART_BE_BUF;
		be->rx_len -= n;
		if (n < chunk)
			break;
	}
	if (be->rx_len == 0)
		be->rx_head = 0;
	atomic_store_explicit(&be->rx_waiting, be->rx_len > 0, memory_order_relaxed);
}

static void uart_be_drop_client(struct uart_backend *be)
{
	int fd;

	pthread_mutex_lock(&be->lock);
	fd = be->in_fd;
	be->in_fd = be->out_fd = -1;
	be->tx_len = 0;
	pthread_mutex_unlock(&be->lock);
	close(fd);
}

/* Read input into the side buffer; EOF ends the input (or the client). */
static void uart_be_read(struct uart_backend *be)
{
	size_t tail = (be->rx_head + be->rx_len) % UART_BE_BUF;
	size_t room = UART_BE_BUF - be->rx_len;
	ssize_t n;

	if (room > UART_BE_BUF - tail)
		room = UART_BE_BUF - tail;
	n = read(be->in_fd, be->rx + tail, room);
	if (n > 0) {
		be->rx_len += (size_t)n;
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (be->kind == UART_BE_TCP)
		uart_be_drop_client(be);
	else
		be->in_fd = -1;	/* stdin closed: the guest sees an idle line */
}

static void uart_be_accept(struct uart_backend *be)
{
	int fd = accept4(be->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	pthread_mutex_lock(&be->lock);
	be->in_fd = be->out_fd = fd;
	pthread_mutex_unlock(&be->lock);
}

/*
 * A descriptor closed under our feet (only possible with caller-owned
 * fds) polls as POLLNVAL forever: stop using it instead of spinning.
 */
static void uart_be_forget_invalid(struct uart_backend *be, struct pollfd *pfd, int nfd)
{
	int i;

	for (i = 1; i < nfd; i++) {
		if (!(pfd[i].revents & POLLNVAL))
			continue;
		pfd[i].revents = 0;
		pthread_mutex_lock(&be->lock);
		if (pfd[i].fd == be->in_fd)
			be->in_fd = -1;
		if (pfd[i].fd == be->out_fd) {
			be->out_fd = -1;
			be->tx_len = 0;
		}
		if (pfd[i].fd == be->listen_fd)
			be->listen_fd = -1;
		pthread_mutex_unlock(&be->lock);
	}
}

static void *uart_be_thread(void *arg)
{
	struct uart_backend *be = arg;
	struct pollfd pfd[3];
	uint8_t drain[64];

	for (;;) {
		int nfd = 1, io = -1, lst = -1;
		short ev = 0;
		bool gone;

		pthread_mutex_lock(&be->lock);
		if (be->stop) {
			pthread_mutex_unlock(&be->lock);
			break;
		}
		if (be->out_fd >= 0 && be->tx_len > 0)
			ev |= POLLOUT;
		pthread_mutex_unlock(&be->lock);

		uart_be_push(be);
		pfd[0] = (struct pollfd){ .fd = be->wake[0], .events = POLLIN };
		if (be->in_fd >= 0 && be->rx_len < UART_BE_BUF)
			ev |= POLLIN;
		if (ev) {
			/* tcp and pty use one fd both ways; files have no input */
			io = nfd++;
			pfd[io] = (struct pollfd){
				.fd = (ev & POLLIN) ? be->in_fd : be->out_fd,
				.events = ev,
			};
			if ((ev & POLLIN) && (ev & POLLOUT) && be->in_fd != be->out_fd) {
				pfd[io].events = POLLIN;
				pfd[nfd++] = (struct pollfd){ .fd = be->out_fd, .events = POLLOUT };
			}
		}
		if (be->listen_fd >= 0 && be->in_fd < 0) {
			lst = nfd++;
			pfd[lst] = (struct pollfd){ .fd = be->listen_fd, .events = POLLIN };
		}
		if (poll(pfd, (nfds_t)nfd, -1) < 0)
			continue;
		while (read(be->wake[0], drain, sizeof(drain)) > 0)
			;
		if (lst >= 0 && (pfd[lst].revents & POLLIN))
			uart_be_accept(be);
		uart_be_forget_invalid(be, pfd, nfd);
		if (io >= 0 && (pfd[io].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    (pfd[io].events & POLLIN))
			uart_be_read(be);
		pthread_mutex_lock(&be->lock);
		uart_be_flush_locked(be);
		gone = be->peer_gone;
		be->peer_gone = false;
		pthread_mutex_unlock(&be->lock);
		if (gone && be->in_fd >= 0)
			uart_be_drop_client(be);	/* wait for the next client */
	}
	return NULL;
}

int uart_backend_start(struct uart_backend *be, struct uart_16550 *u)
{
	int ret;

	if (!be || !u || be->started)
		return -EINVAL;
	be->uart = u;
	ret = pthread_create(&be->thread, NULL, uart_be_thread, be);
	if (ret)
		return -ret;
	be->started = true;
	return 0;
}

void uart_backend_close(struct uart_backend *be)
{
	if (!be)
		return;
	if (be->started) {
		pthread_mutex_lock(&be->lock);
		be->stop = true;
		pthread_mutex_unlock(&be->lock);
		uart_be_wake(be);
		pthread_join(be->thread, NULL);
	}
	if (be->kind == UART_BE_STDIO) {
		if (be->tty_saved)
			tcsetattr(STDIN_FILENO, TCSANOW, &be->tty);
		if (be->saved_flags[0] >= 0)
			fcntl(STDIN_FILENO, F_SETFL, be->saved_flags[0]);
		if (be->saved_flags[1] >= 0)
			fcntl(STDOUT_FILENO, F_SETFL, be->saved_flags[1]);
	} else if (be->owns_fds) {
		if (be->in_fd >= 0)
			close(be->in_fd);
		if (be->out_fd >= 0 && be->out_fd != be->in_fd)
			close(be->out_fd);
		if (be->listen_fd >= 0)
			close(be->listen_fd);
		if (be->pty_slave_fd >= 0)
			close(be->pty_slave_fd);
	}
	uart_be_free(be);
}

const char *uart_backend_pty_name(const struct uart_backend *be)
{
	return (be && be->kind == UART_BE_PTY) ? be->pty_name : NULL;
}

int uart_backend_tcp_port(const struct uart_backend *be)
{
	return (be && be->kind == UART_BE_TCP) ? be->tcp_port : -EINVAL;
}

uint64_t uart_backend_tx_dropped(struct uart_backend *be)
{
	uint64_t n;

	pthread_mutex_lock(&be->lock);
	n = be->tx_dropped;
	pthread_mutex_unlock(&be->lock);
	return n;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the UART back-ends (devicemodel/hw/platform/uart_backend.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hw/uart_16550.h"
#include "hw/uart_backend.h"
#include "dm_uart_tests.h"

struct rig {
	struct uart_16550 *u;
	struct uart_backend *be;
};

static void rig_irq(void *ctx, bool level)
{
}

static void rig_tx(void *ctx, uint8_t byte)
{
	uart_backend_tx(((struct rig *)ctx)->be, byte);
}

static void rig_rx_ready(void *ctx)
{
	uart_backend_rx_ready(((struct rig *)ctx)->be);
}

static const struct uart_ops rig_ops = {
	.irq_set = rig_irq,
	.tx = rig_tx,
	.rx_ready = rig_rx_ready,
};

static void rig_start(struct rig *r, struct uart_backend *be)
{
	r->be = be;
	assert_int_equal(uart_create(&rig_ops, r, &r->u), 0);
	uart_write(r->u, UART_REG_FCR, UART_FCR_ENABLE);
	assert_int_equal(uart_backend_start(be, r->u), 0);
}

static void rig_stop(struct rig *r)
{
	uart_backend_close(r->be);
	uart_destroy(r->u);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = ms * 1000000L };

	nanosleep(&ts, NULL);
}

/* Read what the guest would read, waiting up to ~2 s for @p n bytes. */
static size_t guest_read(struct rig *r, uint8_t *buf, size_t n)
{
	size_t got = 0;
	int spins = 0;

	while (got < n && spins < 2000) {
		uint8_t lsr = 0;

		uart_read(r->u, UART_REG_LSR, &lsr);
		if (lsr & UART_LSR_DR) {
			uart_read(r->u, UART_REG_RBR, &buf[got++]);
			continue;
		}
		sleep_ms(1);
		spins++;
	}
	return got;
}

static ssize_t read_wait(int fd, uint8_t *buf, size_t n)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t got = 0;

	while (got < n && poll(&p, 1, 2000) > 0) {
		ssize_t k = read(fd, buf + got, n - got);

		if (k <= 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

static void test_uart_backend_fds_carries_both_directions(void **state)
{
	int in[2], out[2];
	struct uart_backend *be;
	struct rig r;
	uint8_t buf[8];

	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	assert_int_equal(uart_backend_open_fds(in[0], out[1], &be), 0);
	rig_start(&r, be);
	assert_int_equal(write(in[1], "hello", 5), 5);
	assert_int_equal(guest_read(&r, buf, 5), 5);
	assert_memory_equal(buf, "hello", 5);
	uart_write(r.u, UART_REG_THR, 'O');
	uart_write(r.u, UART_REG_THR, 'K');
	assert_int_equal(read_wait(out[0], buf, 2), 2);
	assert_memory_equal(buf, "OK", 2);
	rig_stop(&r);
	close(in[0]); close(in[1]); close(out[0]); close(out[1]);
}

/* 1000 bytes through a 16-byte FIFO: the side buffer holds the rest. */
static void test_uart_backend_side_buffer_delivers_all_in_order(void **state)
{
	int in[2];
	struct uart_backend *be;
	struct rig r;
	uint8_t src[1000], dst[1000];
	size_t i;

	for (i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(pipe(in), 0);
	assert_int_equal(uart_backend_open_fds(in[0], -1, &be), 0);
	rig_start(&r, be);
	assert_int_equal(write(in[1], src, sizeof(src)), (ssize_t)sizeof(src));
	sleep_ms(50);
	assert_true(uart_rx_count(r.u) <= UART_FIFO_SIZE);
	assert_int_equal(guest_read(&r, dst, sizeof(dst)), sizeof(dst));
	assert_memory_equal(src, dst, sizeof(src));
	uart_write(r.u, UART_REG_THR, 'x');	/* no output fd: dropped quietly */
	rig_stop(&r);
	close(in[0]); close(in[1]);
}

static int tcp_connect(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void test_uart_backend_tcp_serves_one_client_then_next(void **state)
{
	struct uart_backend *be;
	struct rig r;
	uint8_t buf[8];
	int port, c;

	assert_int_equal(uart_backend_open("tcp:127.0.0.1:0", &be), 0);
	port = uart_backend_tcp_port(be);
	assert_true(port > 0);
	rig_start(&r, be);

	c = tcp_connect(port);
	assert_int_equal(write(c, "ab", 2), 2);
	assert_int_equal(guest_read(&r, buf, 2), 2);
	assert_memory_equal(buf, "ab", 2);
	sleep_ms(20);
	uart_write(r.u, UART_REG_THR, 'Z');
	assert_int_equal(read_wait(c, buf, 1), 1);
	assert_int_equal(buf[0], 'Z');
	close(c);
	sleep_ms(50);
	/* Output with nobody connected is dropped, not queued for later. */
	uart_write(r.u, UART_REG_THR, 'L');

	c = tcp_connect(port);
	assert_int_equal(write(c, "c", 1), 1);
	assert_int_equal(guest_read(&r, buf, 1), 1);
	assert_int_equal(buf[0], 'c');
	uart_write(r.u, UART_REG_THR, 'Y');
	assert_int_equal(read_wait(c, buf, 1), 1);
	assert_int_equal(buf[0], 'Y');
	close(c);
	rig_stop(&r);
}

static void test_uart_backend_file_appends_output(void **state)
{
	char path[] = "/tmp/dm_uart_file_XXXXXX";
	char spec[64];
	struct uart_backend *be;
	struct rig r;
	char buf[16] = { 0 };
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	snprintf(spec, sizeof(spec), "file:%s", path);
	assert_int_equal(uart_backend_open(spec, &be), 0);
	rig_start(&r, be);
	uart_write(r.u, UART_REG_THR, 'l');
	uart_write(r.u, UART_REG_THR, 'o');
	uart_write(r.u, UART_REG_THR, 'g');
	rig_stop(&r);
	assert_int_equal(read(fd, buf, sizeof(buf)), 3);
	assert_string_equal(buf, "log");
	close(fd);
	unlink(path);
}

static void test_uart_backend_pty_reaches_slave(void **state)
{
	struct uart_backend *be;
	struct rig r;
	uint8_t buf[4];
	int fd;

	assert_int_equal(uart_backend_open("pty", &be), 0);
	assert_non_null(uart_backend_pty_name(be));
	rig_start(&r, be);
	fd = open(uart_backend_pty_name(be), O_RDWR | O_NOCTTY);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "p", 1), 1);
	assert_int_equal(guest_read(&r, buf, 1), 1);
	assert_int_equal(buf[0], 'p');
	uart_write(r.u, UART_REG_THR, 'q');
	assert_int_equal(read_wait(fd, buf, 1), 1);
	assert_int_equal(buf[0], 'q');
	close(fd);
	rig_stop(&r);
}

/* Default SIGPIPE disposition kills the process: this test dies if leaked. */
static void test_uart_backend_closed_reader_does_not_raise_sigpipe(void **state)
{
	struct uart_backend *be;
	struct rig r;
	int out[2], i;

	signal(SIGPIPE, SIG_DFL);
	assert_int_equal(pipe(out), 0);
	close(out[0]);
	assert_int_equal(uart_backend_open_fds(-1, out[1], &be), 0);
	rig_start(&r, be);
	for (i = 0; i < 10; i++)
		uart_write(r.u, UART_REG_THR, 'x');
	sleep_ms(20);
	rig_stop(&r);
	close(out[1]);
}

static void test_uart_backend_rejects_malformed_specs(void **state)
{
	struct uart_backend *be = NULL;

	assert_int_equal(uart_backend_open("serial", &be), -EINVAL);
	assert_int_equal(uart_backend_open("tcp:", &be), -EINVAL);
	assert_int_equal(uart_backend_open("tcp:70000", &be), -EINVAL);
	assert_int_equal(uart_backend_open("tcp:1.2.3:99", &be), -EINVAL);
	assert_int_equal(uart_backend_open("tcp:12ab", &be), -EINVAL);
	assert_int_equal(uart_backend_open("file:", &be), -EINVAL);
	assert_int_equal(uart_backend_open(NULL, &be), -EINVAL);
	assert_null(be);
}

const struct CMUnitTest uart_backend_tests[] = {
	cmocka_unit_test(test_uart_backend_fds_carries_both_directions),
	cmocka_unit_test(test_uart_backend_side_buffer_delivers_all_in_order),
	cmocka_unit_test(test_uart_backend_tcp_serves_one_client_then_next),
	cmocka_unit_test(test_uart_backend_file_appends_output),
	cmocka_unit_test(test_uart_backend_pty_reaches_slave),
	cmocka_unit_test(test_uart_backend_closed_reader_does_not_raise_sigpipe),
	cmocka_unit_test(test_uart_backend_rejects_malformed_specs),
};
const size_t uart_backend_ntests = sizeof(uart_backend_tests) / sizeof(uart_backend_tests[0]);

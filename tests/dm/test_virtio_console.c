/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * virtio-console round trips: guest output appears on the back-end (UNIX
 * socket, pty, file) and back-end input lands in the guest's receive buffers
 * with an interrupt.
 */
#include "virtio_driver.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "dm_log.h"

#define SLOT_SOCK	4
#define SLOT_PTY	5
#define SLOT_FILE	6
#define QSZ		16
#define F_V1		(1ULL << VIRTIO_F_VERSION_1)
#define RXQ		0
#define TXQ		1

struct con_fixture {
	struct dmtest_vm vm;
	char sock[64];
	char file[64];
};

static char pty_path[128];

/* The pty back-end logs "port NAME at /dev/pts/N": that is how a user finds it. */
static void sink(enum dm_log_level level, const char *line)
{
	const char *at = strstr(line, "port tty0 at ");

	if (at != NULL)
		snprintf(pty_path, sizeof(pty_path), "%s", at + strlen("port tty0 at "));
}

static int setup(void **state)
{
	struct con_fixture *f = calloc(1, sizeof(*f));
	char s1[128], s3[128];
	int fd;

	if (f == NULL)
		return -1;
	snprintf(f->sock, sizeof(f->sock), "/tmp/vcon-%d.sock", (int)getpid());
	strcpy(f->file, "/tmp/vcon-out-XXXXXX");
	fd = mkstemp(f->file);
	if (fd < 0)
		return -1;
	close(fd);
	snprintf(s1, sizeof(s1), "4,virtio-console,@sock:%s", f->sock);
	snprintf(s3, sizeof(s3), "6,virtio-console,@file:%s", f->file);
	dm_log_set_sink(sink);
	if (dmtest_vm_create(&f->vm, "-m", "64M", "-s", s1, "-s", "5,virtio-console,@pty:tty0",
			     "-s", s3, "vm", NULL) != 0) {
		dm_log_set_sink(NULL);
		print_error("%s\n", f->vm.err);
		return -1;
	}
	dm_log_set_sink(NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct con_fixture *f = *state;

	dmtest_vm_destroy(&f->vm);
	unlink(f->file);
	free(f);
	return 0;
}

static struct vmctx *ctx_of(void **state)
{
	return ((struct con_fixture *)*state)->vm.ctx;
}

/* Guest sends @p s on the transmit queue; it is consumed synchronously. */
static void guest_tx(struct vdrv *d, const char *s)
{
	struct vd_buf b = { VD_DATA, (uint32_t)strlen(s), false };
	uint32_t id;

	assert_int_equal(vmm_test_gpa_write(d->ctx, VD_DATA, s, strlen(s)), 0);
	vd_post(d, TXQ, &b, 1);
	vd_kick(d, TXQ);
	assert_int_equal(vd_wait_used(d, TXQ, &id, NULL, 1000), 0);
}

static void guest_post_rx(struct vdrv *d, uint32_t len)
{
	struct vd_buf b = { VD_DATA + 0x1000, len, true };

	vd_post(d, RXQ, &b, 1);
	vd_kick(d, RXQ);
}

/* Read exactly @p len bytes from @p fd within a few seconds. */
static void read_all(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		assert_int_equal(poll(&p, 1, 5000), 1);
		n = read(fd, buf + got, len - got);
		assert_true(n > 0);
		got += (size_t)n;
	}
}

static void guest_expect_rx(struct vdrv *d, const char *want)
{
	uint32_t id, len;
	char buf[64] = { 0 };

	assert_int_equal(vd_wait_used(d, RXQ, &id, &len, 5000), 0);
	assert_int_equal(len, strlen(want));
	assert_int_equal(vmm_test_gpa_read(d->ctx, VD_DATA + 0x1000, buf, len), 0);
	assert_memory_equal(buf, want, len);
}

static void test_virtio_console_config_one_port(void **state)
{
	struct vdrv d;

	vd_open(&d, ctx_of(state), SLOT_SOCK, false);
	assert_int_equal(vd_cfg_r(&d, PCIR_DEVICE, 2), 0x1003);
	assert_int_equal(vd_common_r(&d, VIRTIO_PCI_NUM_QUEUES, 2), 2);
	assert_int_equal(vd_devcfg_r(&d, 4, 4), 1);		/* max_nr_ports */
	assert_int_equal(vd_dev_features(&d) & 7, 0);		/* no SIZE/MULTIPORT/EMERG */
}

static void test_virtio_console_socket_round_trip(void **state)
{
	struct con_fixture *f = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vmm_test_state *st = vmm_test_get(ctx_of(state));
	char buf[16] = { 0 };
	struct vdrv d;
	size_t n0;
	int s;

	vd_open(&d, ctx_of(state), SLOT_SOCK, false);
	vd_bringup(&d, F_V1, 2, QSZ);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(sa.sun_path, f->sock);
	assert_int_equal(connect(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	/* Let the device accept the client before the guest writes. */
	for (int i = 0; i < 100; i++) {
		guest_tx(&d, "ping");
		struct pollfd p = { .fd = s, .events = POLLIN };
		if (poll(&p, 1, 20) == 1)
			break;
	}
	read_all(s, buf, 4);
	assert_memory_equal(buf, "ping", 4);
	/* Host -> guest, with the receive queue's MSI (vector 1 -> 0x41). */
	n0 = st->nmsi;
	guest_post_rx(&d, 32);
	assert_int_equal(write(s, "pong!", 5), 5);
	guest_expect_rx(&d, "pong!");
	assert_true(vd_msi_count(d.ctx, n0, 0x41) >= 1);
	close(s);
	vd_set_status(&d, 0);
}

static void test_virtio_console_pty_round_trip(void **state)
{
	char buf[16] = { 0 };
	struct vdrv d;
	int t;

	assert_true(strncmp(pty_path, "/dev/pts/", 9) == 0);
	t = open(pty_path, O_RDWR | O_NOCTTY);
	assert_true(t >= 0);
	vd_open(&d, ctx_of(state), SLOT_PTY, true);
	vd_bringup(&d, 0, 2, QSZ);
	guest_tx(&d, "hello");
	read_all(t, buf, 5);
	assert_memory_equal(buf, "hello", 5);
	guest_post_rx(&d, 32);
	assert_int_equal(write(t, "world", 5), 5);
	guest_expect_rx(&d, "world");
	close(t);
	vd_set_status(&d, 0);
}

static void test_virtio_console_file_receives_output(void **state)
{
	struct con_fixture *f = *state;
	char buf[32] = { 0 };
	struct vdrv d;
	int fd;

	vd_open(&d, ctx_of(state), SLOT_FILE, false);
	vd_bringup(&d, F_V1, 2, QSZ);
	guest_tx(&d, "log line 1\n");
	guest_tx(&d, "log line 2\n");
	fd = open(f->file, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 22);
	assert_string_equal(buf, "log line 1\nlog line 2\n");
	close(fd);
	vd_set_status(&d, 0);
}

static void test_virtio_console_acrn_long_syntax(void **state)
{
	char sock[64], link[64], s1[160], s2[160], target[128];
	struct dmtest_vm vm;
	struct stat st;
	ssize_t n;

	snprintf(sock, sizeof(sock), "/tmp/vcon-long-%d.sock", (int)getpid());
	snprintf(link, sizeof(link), "/tmp/vcon-link-%d", (int)getpid());
	snprintf(s1, sizeof(s1), "4,virtio-console,@socket:con0=%s:server", sock);
	snprintf(s2, sizeof(s2), "5,virtio-console,@pty:tty1=%s", link);
	assert_int_equal(dmtest_vm_create(&vm, "-m", "16M", "-s", s1, "-s", s2, "vm", NULL), 0);
	assert_int_equal(stat(sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	n = readlink(link, target, sizeof(target) - 1);
	assert_true(n > 9);
	target[n] = '\0';
	assert_true(strncmp(target, "/dev/pts/", 9) == 0);
	dmtest_vm_destroy(&vm);
	/* Both are removed when the VM goes away. */
	assert_int_not_equal(lstat(sock, &st), 0);
	assert_int_not_equal(lstat(link, &st), 0);
	/* Client mode is not supported: refused, not silently turned into a server. */
	snprintf(s1, sizeof(s1), "4,virtio-console,@socket:con0=%s:client", sock);
	assert_int_not_equal(dmtest_vm_create(&vm, "-m", "16M", "-s", s1, "vm", NULL), 0);
	dmtest_vm_destroy(&vm);
}

static void test_virtio_console_bad_backend_is_rejected(void **state)
{
	struct dmtest_vm vm;

	assert_int_not_equal(dmtest_vm_create(&vm, "-m", "64M", "-s", "4,virtio-console,@bogus:x",
					      "vm", NULL), 0);
	dmtest_vm_destroy(&vm);
	assert_int_not_equal(dmtest_vm_create(&vm, "-m", "64M", "-s", "4,virtio-console", "vm",
					      NULL), 0);
	dmtest_vm_destroy(&vm);
	assert_int_not_equal(dmtest_vm_create(&vm, "-m", "64M", "-s", "4,virtio-console,@stdio:",
					      "vm", NULL), 0);
	dmtest_vm_destroy(&vm);
	assert_int_not_equal(dmtest_vm_create(&vm, "-m", "64M", "-s",
					      "4,virtio-console,@stdio:a,@pty:b", "vm", NULL), 0);
	dmtest_vm_destroy(&vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_virtio_console_config_one_port),
		cmocka_unit_test(test_virtio_console_socket_round_trip),
		cmocka_unit_test(test_virtio_console_pty_round_trip),
		cmocka_unit_test(test_virtio_console_file_receives_output),
		cmocka_unit_test(test_virtio_console_acrn_long_syntax),
		cmocka_unit_test(test_virtio_console_bad_backend_is_rejected),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

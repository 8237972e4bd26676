/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * virtio-blk driven like a guest driver: configuration, read/write that really
 * reach the image file, FLUSH (fdatasync before the status byte), GET_ID,
 * DISCARD/WRITE_ZEROES, out-of-range and read-only errors, several requests in
 * flight, blkrescan, and framing errors ending in NEEDS_RESET.  Cached reads
 * served by the notify thread (preadv2 RWF_NOWAIT) and the workers behind
 * them; asynchronous notify (ioeventfd) and completion (irqfd), and the
 * synchronous fallback when the VMM refuses them.
 */
#include "virtio_driver.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "virtio/virtio_blk.h"

#define SLOT_RW		4
#define SLOT_RO		5
#define NSECT		2048
#define QSZ		32
#define F_V1		(1ULL << VIRTIO_F_VERSION_1)
#define F_SEG_MAX	(1ULL << 2)
#define F_RO		(1ULL << 5)
#define F_BLK_SIZE	(1ULL << 6)
#define F_FLUSH		(1ULL << 9)
#define F_DISCARD	(1ULL << 13)
#define F_WZ		(1ULL << 14)
#define F_INDIRECT	(1ULL << VIRTIO_RING_F_INDIRECT_DESC)
#define T_IN		0
#define T_OUT		1
#define T_FLUSH		4
#define T_GET_ID	8
#define T_DISCARD	11
#define T_WZ		13
#define S_OK		0
#define S_IOERR		1
#define S_UNSUPP	2
#define HDR_GPA		(VD_DATA)
#define STATUS_GPA	(VD_DATA + 0x100)
#define BUF_GPA		(VD_DATA + 0x10000)

struct blk_fixture {
	struct dmtest_vm vm;
	char img[64], img_ro[64], img2[64];
};

/* --- fdatasync() seen by the device: count calls and sample the status byte --- */
static struct vmctx *sync_ctx;
static int sync_calls;
static int status_at_sync = -1;

int fdatasync(int fd)
{
	uint8_t s;

	sync_calls++;
	if (sync_ctx != NULL && vmm_test_gpa_read(sync_ctx, STATUS_GPA, &s, 1) == 0)
		status_at_sync = s;
	return (int)syscall(SYS_fdatasync, fd);
}

/* --- preadv()/pwritev() seen by the device: count calls, optionally cap each transfer --- */
static int preadv_calls, pwritev_calls;
static size_t io_cap;		/* 0: no cap; else at most io_cap bytes per call (short I/O) */
static int io_delay_ms;		/* each preadv() first sleeps this long (a slow disk) */

/* preadv2(RWF_NOWAIT), the notify thread's cached read: counted; a capped or slow disk has
 * nothing cached (EAGAIN); nowait_errno != 0 makes it fail so. */
static int preadv2_calls;
static int nowait_errno;

static ssize_t capped_rw(long nr, int fd, const struct iovec *iov, int n, off_t off)
{
	struct iovec cut[8];
	size_t left = io_cap;
	int k = 0;

	if (io_cap == 0 || n > 8)
		return syscall(nr, fd, iov, n, (long)off, 0L);
	for (; k < n && left > 0; k++) {
		cut[k] = iov[k];
		if (cut[k].iov_len > left)
			cut[k].iov_len = left;
		left -= cut[k].iov_len;
	}
	return syscall(nr, fd, cut, k, (long)off, 0L);
}

ssize_t preadv(int fd, const struct iovec *iov, int n, off_t off)
{
	struct timespec ts = { 0, (long)io_delay_ms * 1000000L };

	preadv_calls++;
	if (io_delay_ms > 0)
		nanosleep(&ts, NULL);
	return capped_rw(SYS_preadv, fd, iov, n, off);
}

ssize_t preadv2(int fd, const struct iovec *iov, int n, off_t off, int flags)
{
	preadv2_calls++;
	if (nowait_errno != 0 || ((flags & RWF_NOWAIT) && (io_cap != 0 || io_delay_ms > 0))) {
		errno = nowait_errno != 0 ? nowait_errno : EAGAIN;
		return -1;
	}
	return syscall(SYS_preadv2, fd, iov, n, (long)off, 0L, (long)flags);
}

ssize_t pwritev(int fd, const struct iovec *iov, int n, off_t off)
{
	pwritev_calls++;
	return capped_rw(SYS_pwritev, fd, iov, n, off);
}

static uint8_t pattern(uint64_t off)
{
	return (uint8_t)(off * 7 + (off >> 9));
}

static int make_image(char *path, const char *tmpl, uint64_t sectors, uint8_t xor)
{
	uint8_t sec[512];
	int fd;

	strcpy(path, tmpl);
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	for (uint64_t s = 0; s < sectors; s++) {
		for (int i = 0; i < 512; i++)
			sec[i] = pattern(s * 512 + (uint64_t)i) ^ xor;
		if (write(fd, sec, 512) != 512) {
			close(fd);
			return -1;
		}
	}
	close(fd);
	return 0;
}

static int setup(void **state)
{
	struct blk_fixture *f = calloc(1, sizeof(*f));
	char rw[128], ro[128];

	if (f == NULL || make_image(f->img, "/tmp/vblk-rw-XXXXXX", NSECT, 0) != 0 ||
	    make_image(f->img_ro, "/tmp/vblk-ro-XXXXXX", NSECT, 0) != 0 ||
	    make_image(f->img2, "/tmp/vblk-2-XXXXXX", 4096, 0x5a) != 0)
		return -1;
	snprintf(rw, sizeof(rw), "4,virtio-blk,%s,serial=SER-0123456789ABC", f->img);
	snprintf(ro, sizeof(ro), "5,virtio-blk,%s,ro", f->img_ro);
	if (dmtest_vm_create(&f->vm, "-m", "64M", "-s", rw, "-s", ro, "vm", NULL) != 0) {
		print_error("%s\n", f->vm.err);
		return -1;
	}
	sync_ctx = f->vm.ctx;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct blk_fixture *f = *state;

	sync_ctx = NULL;
	dmtest_vm_destroy(&f->vm);
	unlink(f->img);
	unlink(f->img_ro);
	unlink(f->img2);
	free(f);
	return 0;
}

static struct vmctx *ctx_of(void **state)
{
	return ((struct blk_fixture *)*state)->vm.ctx;
}

/* Post header + optional data + status, kick, wait; return the status byte. */
static int blk_req(struct vdrv *d, uint32_t type, uint64_t sector, uint64_t data, uint32_t len,
		   bool dev_writes, uint32_t *used)
{
	struct { uint32_t type, reserved; uint64_t sector; } hdr = { type, 0, sector };
	struct vd_buf b[3];
	uint8_t st = 0xff;
	uint32_t id, ulen;
	int n = 0;

	assert_int_equal(vmm_test_gpa_write(d->ctx, HDR_GPA, &hdr, sizeof(hdr)), 0);
	assert_int_equal(vmm_test_gpa_write(d->ctx, STATUS_GPA, &st, 1), 0);
	b[n++] = (struct vd_buf){ HDR_GPA, sizeof(hdr), false };
	if (len > 0)
		b[n++] = (struct vd_buf){ data, len, dev_writes };
	b[n++] = (struct vd_buf){ STATUS_GPA, 1, true };
	vd_post(d, 0, b, n);
	vd_kick(d, 0);
	if (vd_wait_used(d, 0, &id, &ulen, 5000) != 0)
		return -1;
	if (used != NULL)
		*used = ulen;
	assert_int_equal(vmm_test_gpa_read(d->ctx, STATUS_GPA, &st, 1), 0);
	return st;
}

static void file_read(const char *path, uint64_t off, void *buf, size_t len)
{
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, len, (off_t)off), (ssize_t)len);
	close(fd);
}

static void open_rw(void **state, struct vdrv *d, bool legacy, uint64_t feats)
{
	vd_open(d, ctx_of(state), SLOT_RW, legacy);
	vd_bringup(d, feats, 1, QSZ);
}

static void test_virtio_blk_config_reports_capacity_and_features(void **state)
{
	struct vdrv d;
	uint64_t f;

	vd_open(&d, ctx_of(state), SLOT_RW, false);
	f = vd_dev_features(&d);
	assert_true((f & (F_SEG_MAX | F_BLK_SIZE | F_FLUSH | F_DISCARD | F_WZ)) ==
		    (F_SEG_MAX | F_BLK_SIZE | F_FLUSH | F_DISCARD | F_WZ));
	assert_false(f & F_RO);
	assert_true(vd_devcfg_r(&d, 0, 8) == NSECT);
	assert_int_equal(vd_devcfg_r(&d, 12, 4), 510);		/* seg_max */
	assert_int_equal(vd_devcfg_r(&d, 20, 4), 512);		/* blk_size */
	assert_int_equal(vd_devcfg_r(&d, 40, 4), 32);		/* max_discard_seg */
	assert_int_equal(vd_cfg_r(&d, PCIR_DEVICE, 2), 0x1001);
	vd_open(&d, ctx_of(state), SLOT_RO, true);
	f = vd_dev_features(&d);
	assert_true(f & F_RO);
	assert_false(f & (F_DISCARD | F_WZ));
	assert_true(vd_devcfg_r(&d, 0, 4) == NSECT);		/* legacy: at 0x14 */
	assert_true(vd_pio_r(&d, d.io + 0x14, 4) == NSECT);
	/* §4.1.4.8: with MSI-X enabled two vector registers come first. */
	vd_enable_msix(&d, 2);
	assert_true(vd_pio_r(&d, d.io + 0x18, 4) == NSECT);
	assert_int_equal(vd_pio_r(&d, d.io + VIRTIO_LEG_MSIX_CONFIG, 2), VIRTIO_NO_VECTOR);
	vd_pio_w(&d, d.io + VIRTIO_LEG_MSIX_CONFIG, 2, 1);
	assert_int_equal(vd_pio_r(&d, d.io + VIRTIO_LEG_MSIX_CONFIG, 2), 1);
	vd_cfg_w(&d, d.msix_cap + 2, 2, 0);			/* MSI-X off again */
	assert_true(vd_pio_r(&d, d.io + 0x14, 4) == NSECT);
	vd_set_status(&d, 0);
}

static void test_virtio_blk_read_returns_file_contents_both_transports(void **state)
{
	uint8_t buf[1024];
	uint32_t used;
	struct vdrv d;

	for (int legacy = 0; legacy < 2; legacy++) {
		open_rw(state, &d, legacy, F_V1 | F_FLUSH);
		memset(buf, 0, sizeof(buf));
		assert_int_equal(vmm_test_gpa_write(d.ctx, BUF_GPA, buf, sizeof(buf)), 0);
		assert_int_equal(blk_req(&d, T_IN, 100, BUF_GPA, 1024, true, &used), S_OK);
		assert_int_equal(used, 1025);
		assert_int_equal(vmm_test_gpa_read(d.ctx, BUF_GPA, buf, sizeof(buf)), 0);
		for (int i = 0; i < 1024; i++)
			assert_int_equal(buf[i], pattern(100 * 512 + (uint64_t)i));
		vd_set_status(&d, 0);
	}
}

static void test_virtio_blk_write_with_split_header_reaches_file(void **state)
{
	struct blk_fixture *fx = *state;
	struct { uint32_t type, reserved; uint64_t sector; } hdr = { T_OUT, 0, 10 };
	uint8_t data[1024], back[1024], st = 0xff;
	struct vd_buf b[5];
	uint32_t used;
	struct vdrv d;

	open_rw(state, &d, false, F_V1);
	for (int i = 0; i < 1024; i++)
		data[i] = (uint8_t)(0xa5 ^ i);
	assert_int_equal(vmm_test_gpa_write(d.ctx, HDR_GPA, &hdr, sizeof(hdr)), 0);
	assert_int_equal(vmm_test_gpa_write(d.ctx, BUF_GPA, data, sizeof(data)), 0);
	assert_int_equal(vmm_test_gpa_write(d.ctx, STATUS_GPA, &st, 1), 0);
	/* Header in two pieces, data in two pieces (any layout, §2.6.4). */
	b[0] = (struct vd_buf){ HDR_GPA, 5, false };
	b[1] = (struct vd_buf){ HDR_GPA + 5, 11, false };
	b[2] = (struct vd_buf){ BUF_GPA, 300, false };
	b[3] = (struct vd_buf){ BUF_GPA + 300, 724, false };
	b[4] = (struct vd_buf){ STATUS_GPA, 1, true };
	vd_post(&d, 0, b, 5);
	vd_kick(&d, 0);
	assert_int_equal(vd_wait_used(&d, 0, NULL, &used, 5000), 0);
	assert_int_equal(used, 1);
	assert_int_equal(vmm_test_gpa_read(d.ctx, STATUS_GPA, &st, 1), 0);
	assert_int_equal(st, S_OK);
	file_read(fx->img, 10 * 512, back, sizeof(back));
	assert_memory_equal(back, data, sizeof(data));
	file_read(fx->img, 9 * 512, back, 512);			/* neighbours untouched */
	assert_int_equal(back[511], pattern(9 * 512 + 511));
	vd_set_status(&d, 0);
}

static void test_virtio_blk_flush_syncs_before_status_byte(void **state)
{
	struct vdrv d;
	int calls;

	open_rw(state, &d, false, F_V1 | F_FLUSH);
	calls = sync_calls;
	status_at_sync = -1;
	assert_int_equal(blk_req(&d, T_FLUSH, 0, 0, 0, false, NULL), S_OK);
	assert_int_equal(sync_calls, calls + 1);
	assert_int_equal(status_at_sync, 0xff);	/* not yet acknowledged while syncing */
	vd_set_status(&d, 0);
}

static void test_virtio_blk_get_id_returns_serial(void **state)
{
	uint8_t id[32];
	uint32_t used;
	struct vdrv d;

	open_rw(state, &d, false, F_V1);
	memset(id, 0xee, sizeof(id));
	assert_int_equal(vmm_test_gpa_write(d.ctx, BUF_GPA, id, sizeof(id)), 0);
	assert_int_equal(blk_req(&d, T_GET_ID, 0, BUF_GPA, 20, true, &used), S_OK);
	assert_int_equal(used, 21);
	assert_int_equal(vmm_test_gpa_read(d.ctx, BUF_GPA, id, sizeof(id)), 0);
	assert_memory_equal(id, "SER-0123456789ABC\0\0\0", 20);
	assert_int_equal(id[20], 0xee);
	vd_set_status(&d, 0);
}

static void test_virtio_blk_out_of_range_is_ioerr(void **state)
{
	struct blk_fixture *fx = *state;
	uint8_t back[512];
	struct vdrv d;

	open_rw(state, &d, false, F_V1);
	assert_int_equal(blk_req(&d, T_IN, NSECT - 1, BUF_GPA, 1024, true, NULL), S_IOERR);
	assert_int_equal(blk_req(&d, T_IN, NSECT - 1, BUF_GPA, 512, true, NULL), S_OK);
	assert_int_equal(blk_req(&d, T_OUT, NSECT, BUF_GPA, 512, false, NULL), S_IOERR);
	assert_int_equal(blk_req(&d, T_OUT, ~0ULL - 1, BUF_GPA, 1024, false, NULL), S_IOERR);
	assert_int_equal(blk_req(&d, T_IN, 0, BUF_GPA, 100, true, NULL), S_IOERR); /* not a sector */
	file_read(fx->img, (NSECT - 1) * 512, back, 512);
	assert_int_equal(back[0], pattern((NSECT - 1) * 512));
	assert_int_equal(blk_req(&d, 99, 0, 0, 0, false, NULL), S_UNSUPP);
	vd_set_status(&d, 0);
}

static void test_virtio_blk_read_only_rejects_writes(void **state)
{
	struct blk_fixture *fx = *state;
	uint8_t data[512], back[512];
	struct vdrv d;

	vd_open(&d, ctx_of(state), SLOT_RO, false);
	vd_bringup(&d, F_V1 | F_RO, 1, QSZ);
	memset(data, 0x11, sizeof(data));
	assert_int_equal(vmm_test_gpa_write(d.ctx, BUF_GPA, data, sizeof(data)), 0);
	assert_int_equal(blk_req(&d, T_OUT, 3, BUF_GPA, 512, false, NULL), S_IOERR);
	assert_int_equal(blk_req(&d, T_DISCARD, 0, BUF_GPA, 16, false, NULL), S_UNSUPP);
	file_read(fx->img_ro, 3 * 512, back, 512);
	assert_int_equal(back[0], pattern(3 * 512));
	assert_int_equal(blk_req(&d, T_IN, 3, BUF_GPA, 512, true, NULL), S_OK);
	vd_set_status(&d, 0);
}

static void test_virtio_blk_discard_and_write_zeroes_zero_the_file(void **state)
{
	struct blk_fixture *fx = *state;
	struct { uint64_t sector; uint32_t num, flags; } seg[2];
	uint8_t back[4096], zero[4096] = { 0 };
	struct vdrv d;

	open_rw(state, &d, false, F_V1 | F_DISCARD | F_WZ);
	seg[0] = (typeof(seg[0])){ 200, 8, 0 };
	seg[1] = (typeof(seg[0])){ 300, 8, 1 };		/* unmap allowed for write zeroes */
	assert_int_equal(vmm_test_gpa_write(d.ctx, BUF_GPA, seg, sizeof(seg)), 0);
	assert_int_equal(blk_req(&d, T_WZ, 0, BUF_GPA, sizeof(seg), false, NULL), S_OK);
	file_read(fx->img, 200 * 512, back, sizeof(back));
	assert_memory_equal(back, zero, sizeof(back));
	file_read(fx->img, 300 * 512, back, sizeof(back));
	assert_memory_equal(back, zero, sizeof(back));
	file_read(fx->img, 208 * 512, back, 1);
	assert_int_equal(back[0], pattern(208 * 512));

	seg[0] = (typeof(seg[0])){ 400, 8, 0 };
	assert_int_equal(vmm_test_gpa_write(d.ctx, BUF_GPA, seg, sizeof(seg[0])), 0);
	assert_int_equal(blk_req(&d, T_DISCARD, 0, BUF_GPA, 16, false, NULL), S_OK);
	file_read(fx->img, 400 * 512, back, sizeof(back));
	assert_memory_equal(back, zero, sizeof(back));
	/* The unmap flag is reserved for DISCARD; a range beyond the end is an error. */
	seg[0] = (typeof(seg[0])){ 400, 8, 1 };
	assert_int_equal(vmm_test_gpa_write(d.ctx, BUF_GPA, seg, sizeof(seg[0])), 0);
	assert_int_equal(blk_req(&d, T_DISCARD, 0, BUF_GPA, 16, false, NULL), S_UNSUPP);
	seg[0] = (typeof(seg[0])){ NSECT - 4, 8, 0 };
	assert_int_equal(vmm_test_gpa_write(d.ctx, BUF_GPA, seg, sizeof(seg[0])), 0);
	assert_int_equal(blk_req(&d, T_WZ, 0, BUF_GPA, 16, false, NULL), S_IOERR);
	assert_int_equal(blk_req(&d, T_WZ, 0, BUF_GPA, 12, false, NULL), S_IOERR);
	vd_set_status(&d, 0);
}

static void test_virtio_blk_several_requests_in_flight_all_complete(void **state)
{
	struct { uint32_t type, reserved; uint64_t sector; } hdr;
	uint8_t buf[512], st = 0xff;
	uint32_t id, seen = 0;
	struct vdrv d;

	open_rw(state, &d, false, F_V1);
	for (uint32_t i = 0; i < 8; i++) {
		struct vd_buf b[3] = {
			{ HDR_GPA + 16 * i, 16, false },
			{ BUF_GPA + 512 * i, 512, true },
			{ STATUS_GPA + i, 1, true },
		};

		hdr = (typeof(hdr)){ T_IN, 0, 1000 + i };
		assert_int_equal(vmm_test_gpa_write(d.ctx, HDR_GPA + 16 * i, &hdr, 16), 0);
		assert_int_equal(vmm_test_gpa_write(d.ctx, STATUS_GPA + i, &st, 1), 0);
		vd_post(&d, 0, b, 3);
	}
	vd_kick(&d, 0);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(vd_wait_used(&d, 0, &id, NULL, 5000), 0);
		assert_true(id % 3 == 0 && id / 3 < 8);
		seen |= 1U << (id / 3);
	}
	assert_int_equal(seen, 0xff);
	for (uint32_t i = 0; i < 8; i++) {
		assert_int_equal(vmm_test_gpa_read(d.ctx, STATUS_GPA + i, &st, 1), 0);
		assert_int_equal(st, S_OK);
		assert_int_equal(vmm_test_gpa_read(d.ctx, BUF_GPA + 512 * i, buf, 512), 0);
		assert_int_equal(buf[3], pattern((1000 + i) * 512 + 3));
	}
	vd_set_status(&d, 0);
}

static void test_virtio_blk_rescan_switches_file_and_raises_config_irq(void **state)
{
	struct blk_fixture *fx = *state;
	struct vmm_test_state *st = vmm_test_get(ctx_of(state));
	uint8_t buf[512], gen;
	struct vdrv d;
	size_t n0;

	open_rw(state, &d, false, F_V1);
	gen = (uint8_t)vd_common_r(&d, VIRTIO_PCI_CFG_GEN, 1);
	n0 = st->nmsi;
	assert_int_equal(virtio_blk_rescan(d.ctx, SLOT_RW, 0, fx->img2), 0);
	assert_int_equal(vd_msi_count(d.ctx, n0, 0x40), 1);		/* config vector */
	assert_true(vd_devcfg_r(&d, 0, 8) == 4096);
	assert_int_not_equal(vd_common_r(&d, VIRTIO_PCI_CFG_GEN, 1), gen);
	assert_int_equal(blk_req(&d, T_IN, 3000, BUF_GPA, 512, true, NULL), S_OK);
	assert_int_equal(vmm_test_gpa_read(d.ctx, BUF_GPA, buf, 512), 0);
	assert_int_equal(buf[1], pattern(3000 * 512 + 1) ^ 0x5a);
	assert_int_equal(virtio_blk_rescan(d.ctx, SLOT_RW, 0, "/nonexistent/img"), -ENOENT);
	assert_int_equal(virtio_blk_rescan(d.ctx, 9, 0, fx->img), -ENODEV);
	assert_int_equal(virtio_blk_rescan(d.ctx, SLOT_RW, 0, fx->img), 0);
	assert_true(vd_devcfg_r(&d, 0, 8) == NSECT);
	vd_set_status(&d, 0);
}

static void test_virtio_blk_request_without_status_byte_needs_reset(void **state)
{
	struct vd_buf b = { HDR_GPA, 16, false };
	struct vdrv d;

	open_rw(state, &d, false, F_V1);
	vd_post(&d, 0, &b, 1);
	vd_kick(&d, 0);
	/* The kick thread sees it (asynchronous notify): the config interrupt follows. */
	for (int i = 0; i < 5000 && !(vd_status(&d) & VIRTIO_S_NEEDS_RESET); i++)
		usleep(1000);
	assert_true(vd_status(&d) & VIRTIO_S_NEEDS_RESET);
	assert_int_equal(vd_used_idx(&d, 0), 0);
	/* Reset recovers the device. */
	open_rw(state, &d, false, F_V1);
	assert_int_equal(blk_req(&d, T_IN, 0, BUF_GPA, 512, true, NULL), S_OK);
	vd_set_status(&d, 0);
}

/* Data in four segments of odd sizes, scattered in guest memory (4096 bytes in all). */
static const struct vd_buf scattered[4] = {
	{ BUF_GPA + 0x3000, 1000, true }, { BUF_GPA + 0x100, 24, true },
	{ BUF_GPA + 0x1000, 2048, true }, { BUF_GPA + 0x2200, 1024, true },
};

/* Post header, the scattered data (device-writable if @p in), status; return the status. */
static int blk_scattered_req(struct vdrv *d, uint32_t type, uint64_t sector, bool in)
{
	struct { uint32_t type, reserved; uint64_t sector; } hdr = { type, 0, sector };
	struct vd_buf b[6];
	uint8_t st = 0xff;

	assert_int_equal(vmm_test_gpa_write(d->ctx, HDR_GPA, &hdr, sizeof(hdr)), 0);
	assert_int_equal(vmm_test_gpa_write(d->ctx, STATUS_GPA, &st, 1), 0);
	b[0] = (struct vd_buf){ HDR_GPA, sizeof(hdr), false };
	for (int i = 0; i < 4; i++)
		b[i + 1] = (struct vd_buf){ scattered[i].gpa, scattered[i].len, in };
	b[5] = (struct vd_buf){ STATUS_GPA, 1, true };
	vd_post(d, 0, b, 6);
	vd_kick(d, 0);
	if (vd_wait_used(d, 0, NULL, NULL, 5000) != 0)
		return -1;
	assert_int_equal(vmm_test_gpa_read(d->ctx, STATUS_GPA, &st, 1), 0);
	return st;
}

/* Check the scattered segments hold the file's bytes from @p sector on (xor @p x). */
static void check_scattered(struct vdrv *d, uint64_t sector, uint8_t x)
{
	uint64_t off = sector * 512;
	uint8_t buf[2048];

	for (int i = 0; i < 4; i++) {
		assert_int_equal(vmm_test_gpa_read(d->ctx, scattered[i].gpa, buf, scattered[i].len), 0);
		for (uint32_t j = 0; j < scattered[i].len; j++)
			assert_int_equal(buf[j], pattern(off + j) ^ x);
		off += scattered[i].len;
	}
}

static void test_virtio_blk_scattered_read_is_one_preadv(void **state)
{
	struct vdrv d;
	int calls;

	open_rw(state, &d, false, F_V1);
	calls = preadv_calls + preadv2_calls;
	assert_int_equal(blk_scattered_req(&d, T_IN, 40, true), S_OK);
	assert_int_equal(preadv_calls + preadv2_calls, calls + 1);	/* not one per segment */
	check_scattered(&d, 40, 0);
	vd_set_status(&d, 0);
}

static void test_virtio_blk_short_transfers_resume_mid_segment(void **state)
{
	struct blk_fixture *fx = *state;
	uint8_t data[2048], back[4096];
	struct vdrv d;
	int calls;

	open_rw(state, &d, false, F_V1);
	/* 700-byte transfers end inside segments: 4096 bytes take 6 calls. */
	io_cap = 700;
	calls = preadv_calls;
	assert_int_equal(blk_scattered_req(&d, T_IN, 60, true), S_OK);
	assert_int_equal(preadv_calls, calls + 6);
	check_scattered(&d, 60, 0);
	/* The same layout written back xor 0x3c, also in short pieces. */
	for (int i = 0; i < 4; i++) {
		assert_int_equal(vmm_test_gpa_read(d.ctx, scattered[i].gpa, data, scattered[i].len), 0);
		for (uint32_t j = 0; j < scattered[i].len; j++)
			data[j] ^= 0x3c;
		assert_int_equal(vmm_test_gpa_write(d.ctx, scattered[i].gpa, data, scattered[i].len), 0);
	}
	calls = pwritev_calls;
	assert_int_equal(blk_scattered_req(&d, T_OUT, 60, false), S_OK);
	assert_int_equal(pwritev_calls, calls + 6);
	io_cap = 0;
	file_read(fx->img, 60 * 512, back, sizeof(back));
	for (uint32_t j = 0; j < sizeof(back); j++)
		assert_int_equal(back[j], pattern(60 * 512 + j) ^ 0x3c);
	vd_set_status(&d, 0);
}

/* The fake VMM's MSI wait (what bench_blk sleeps on) times out with nothing sent, and returns
 * once the device's completion interrupt arrives, with the used element already visible.  The
 * read is slowed down (200 ms) so that the wait surely starts before the interrupt. */
static void test_virtio_blk_completion_msi_ends_wait(void **state)
{
	struct { uint32_t type, reserved; uint64_t sector; } hdr = { T_IN, 0, 7 };
	struct vd_buf b[3] = { { HDR_GPA, 16, false }, { BUF_GPA, 512, true }, { STATUS_GPA, 1, true } };
	struct timespec t0, t1;
	struct vdrv d;
	unsigned int m;

	open_rw(state, &d, false, F_V1);
	m = vmm_test_get(d.ctx)->msi_total;
	assert_int_equal(vmm_test_wait_msi(d.ctx, m, 20), m);
	assert_int_equal(vmm_test_gpa_write(d.ctx, HDR_GPA, &hdr, sizeof(hdr)), 0);
	vd_post(&d, 0, b, 3);
	io_delay_ms = 200;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	vd_kick(&d, 0);
	assert_int_equal(vd_used_idx(&d, 0), 0);
	assert_true(vmm_test_wait_msi(d.ctx, m, 8000) > m);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	io_delay_ms = 0;
	assert_true(t1.tv_sec - t0.tv_sec < 4);		/* woken by the MSI, not the timeout */
	assert_int_equal(vd_used_idx(&d, 0), 1);
	vd_set_status(&d, 0);
}

/* Read @p sector into BUF_GPA and check it; @return the status. */
static int read_check(struct vdrv *d, uint64_t sector)
{
	uint8_t buf[512];
	int st = blk_req(d, T_IN, sector, BUF_GPA, 512, true, NULL);

	assert_int_equal(vmm_test_gpa_read(d->ctx, BUF_GPA, buf, 512), 0);
	for (int i = 0; i < 512; i++)
		assert_int_equal(buf[i], pattern(sector * 512 + (uint64_t)i));
	return st;
}

/* A read the page cache holds is done by the notify thread (one preadv2, no worker
 * preadv); one that is not (EAGAIN) goes to a worker; without RWF_NOWAIT
 * support (EOPNOTSUPP) every read goes to the workers until the file changes. */
static void test_virtio_blk_cached_read_inline_else_worker(void **state)
{
	struct blk_fixture *fx = *state;
	struct vdrv d;
	int v1, v2;

	open_rw(state, &d, false, F_V1);
	v1 = preadv_calls;
	v2 = preadv2_calls;
	assert_int_equal(read_check(&d, 100), S_OK);
	assert_int_equal(preadv2_calls, v2 + 1);
	assert_int_equal(preadv_calls, v1);

	nowait_errno = EAGAIN;
	assert_int_equal(read_check(&d, 101), S_OK);
	assert_int_equal(preadv2_calls, v2 + 2);
	assert_int_equal(preadv_calls, v1 + 1);

	nowait_errno = EOPNOTSUPP;
	assert_int_equal(read_check(&d, 102), S_OK);
	assert_int_equal(read_check(&d, 103), S_OK);
	nowait_errno = 0;
	assert_int_equal(preadv2_calls, v2 + 3);	/* tried once, then not any more */
	assert_int_equal(preadv_calls, v1 + 3);

	assert_int_equal(virtio_blk_rescan(d.ctx, SLOT_RW, 0, fx->img), 0);
	assert_int_equal(read_check(&d, 104), S_OK);
	assert_int_equal(preadv2_calls, v2 + 4);	/* a new file is tried again */
	assert_int_equal(preadv_calls, v1 + 3);
	vd_set_status(&d, 0);
}

/* With ioeventfd and irqfd: the notify write completes in the "VHM" (no IOREQ reaches
 * acrn-dm), the kick thread runs the request, and the completion MSI is the irqfd's
 * (queue vector 1: data 0x41).  Both transports; reset unregisters both. */
static void test_virtio_blk_notify_via_ioeventfd_completes_via_irqfd(void **state)
{
	struct vmm_test_state *st = vmm_test_get(ctx_of(state));
	struct vdrv d;

	for (int legacy = 0; legacy < 2; legacy++) {
		unsigned int hits, notes, irqs, m;

		open_rw(state, &d, legacy, F_V1);
		assert_int_equal(st->nioeventfd, legacy ? 1 : 2);
		assert_int_equal(st->nirqfd, 1);
		if (legacy) {
			assert_int_equal(st->ioeventfd[0].flags,
					 ACRN_IOEVENTFD_FLAG_PIO | ACRN_IOEVENTFD_FLAG_DATAMATCH);
			assert_true(st->ioeventfd[0].addr == d.io + VIRTIO_LEG_QUEUE_NOTIFY);
			assert_true(st->ioeventfd[0].data == 0);
		} else {
			/* Both modern notify registers: the I/O one the driver uses, and memory. */
			assert_true(d.notify_io != 0);
			assert_int_equal(st->ioeventfd[0].flags, ACRN_IOEVENTFD_FLAG_PIO);
			assert_true(st->ioeventfd[0].addr == d.notify_io);
			assert_int_equal(st->ioeventfd[1].flags, 0);
			assert_true(st->ioeventfd[1].addr == d.mem + VIRTIO_MODERN_NOTIFY);
		}
		assert_int_equal(st->irqfd[0].msi.msi_data, 0x41);
		hits = st->ioeventfd_hits;
		notes = st->notify_count[0];
		irqs = st->irqfd_msis;
		m = st->msi_total;
		assert_int_equal(read_check(&d, 1200 + (uint64_t)legacy), S_OK);
		assert_int_equal(st->ioeventfd_hits, hits + 1);
		assert_int_equal(st->notify_count[0], notes);	/* no IOREQ for the kick */
		assert_true(vmm_test_wait_msi(d.ctx, m, 5000) > m);
		assert_int_equal(st->irqfd_msis, irqs + 1);
		assert_int_equal(st->msi[st->nmsi - 1].msi_data, 0x41);
		if (!legacy) {	/* a driver that uses the memory BAR's notify: the same */
			d.mmio_notify = true;
			m = st->msi_total;
			assert_int_equal(read_check(&d, 1210), S_OK);
			assert_int_equal(st->ioeventfd_hits, hits + 2);
			assert_int_equal(st->notify_count[0], notes);
			assert_true(vmm_test_wait_msi(d.ctx, m, 5000) > m);
		}
		vd_set_status(&d, 0);
		assert_int_equal(st->nioeventfd, 0);
		assert_int_equal(st->nirqfd, 0);
	}
}

/* The VMM refuses ioeventfd/irqfd: kicks are IOREQs handled by acrn-dm, the MSI is
 * injected by acrn-dm; a write then a flush still reach the file before their status. */
static void test_virtio_blk_without_eventfds_notify_stays_synchronous(void **state)
{
	struct blk_fixture *fx = *state;
	struct vmm_test_state *st = vmm_test_get(ctx_of(state));
	uint8_t data[512], back[512];
	unsigned int hits, notes, irqs, m;
	struct vdrv d;

	st->eventfd_ret = -ENOTTY;
	open_rw(state, &d, false, F_V1 | F_FLUSH);
	st->eventfd_ret = 0;
	assert_int_equal(st->nioeventfd, 0);
	assert_int_equal(st->nirqfd, 0);
	hits = st->ioeventfd_hits;
	notes = st->notify_count[0];
	irqs = st->irqfd_msis;
	m = st->msi_total;
	assert_int_equal(read_check(&d, 1300), S_OK);
	assert_int_equal(st->notify_count[0], notes + 1);
	assert_int_equal(st->ioeventfd_hits, hits);
	assert_true(vmm_test_wait_msi(d.ctx, m, 5000) > m);
	assert_int_equal(st->irqfd_msis, irqs);

	for (int i = 0; i < 512; i++)
		data[i] = (uint8_t)(i ^ 0xa5);
	assert_int_equal(vmm_test_gpa_write(d.ctx, BUF_GPA, data, 512), 0);
	assert_int_equal(blk_req(&d, T_OUT, 1301, BUF_GPA, 512, false, NULL), S_OK);
	file_read(fx->img, 1301 * 512, back, 512);
	assert_memory_equal(back, data, 512);
	status_at_sync = -1;
	assert_int_equal(blk_req(&d, T_FLUSH, 0, 0, 0, false, NULL), S_OK);
	assert_int_equal(status_at_sync, 0xff);		/* synced before the status byte */
	vd_set_status(&d, 0);
}

/*
 * One read whose table holds header, @p nbuf buffers of @p len bytes 8 KiB
 * apart (nothing contiguous to merge) and status, posted as one indirect
 * descriptor.  Returns the status byte, or -1 if the device never used it.
 */
#define IND_TABLE	(VD_DATA + 0x8000)
#define IND_PAGES	(VD_DATA + 0x100000)
static int blk_indirect_read(struct vdrv *d, uint64_t sector, unsigned int nbuf, uint32_t len)
{
	struct { uint32_t type, reserved; uint64_t sector; } hdr = { T_IN, 0, sector };
	struct vd_queue *q = &d->q[0];
	uint16_t head = q->next_desc;
	uint8_t st = 0xff;

	assert_int_equal(vmm_test_gpa_write(d->ctx, HDR_GPA, &hdr, sizeof(hdr)), 0);
	assert_int_equal(vmm_test_gpa_write(d->ctx, STATUS_GPA, &st, 1), 0);
	vd_put_desc(d, IND_TABLE, 0, HDR_GPA, sizeof(hdr), VRING_DESC_F_NEXT, 1);
	for (unsigned int i = 0; i < nbuf; i++)
		vd_put_desc(d, IND_TABLE, (uint16_t)(i + 1), IND_PAGES + 0x2000ULL * i, len,
			    VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, (uint16_t)(i + 2));
	vd_put_desc(d, IND_TABLE, (uint16_t)(nbuf + 1), STATUS_GPA, 1, VRING_DESC_F_WRITE, 0);
	vd_put_desc(d, q->desc, head, IND_TABLE, 16 * (nbuf + 2), VRING_DESC_F_INDIRECT, 0);
	q->next_desc = (uint16_t)((head + 1) % q->size);
	vd_publish(d, 0, head);
	vd_kick(d, 0);
	if (vd_wait_used(d, 0, NULL, NULL, 5000) != 0)
		return -1;
	assert_int_equal(vmm_test_gpa_read(d->ctx, STATUS_GPA, &st, 1), 0);
	return st;
}

/*
 * Linux's O_DIRECT read of 1 MiB is one bio of 256 pages; seg_max decides
 * whether it reaches the device as one request.  The queue (512) allows a
 * chain of 512: header, 510 data buffers (seg_max), status.
 */
static void test_virtio_blk_1mib_in_256_pages_is_one_request(void **state)
{
	struct blk_fixture *fx = *state;
	static uint8_t file[1 << 20];
	uint8_t page[4096];
	struct vdrv d;
	int calls;

	file_read(fx->img, 0, file, sizeof(file));	/* earlier tests wrote to it */
	vd_open(&d, ctx_of(state), SLOT_RW, false);
	vd_bringup(&d, F_V1 | F_INDIRECT, 1, 512);
	assert_true(vd_devcfg_r(&d, 12, 4) >= 256);
	calls = preadv_calls + preadv2_calls;
	assert_int_equal(blk_indirect_read(&d, 0, 256, 4096), S_OK);
	assert_int_equal(preadv_calls + preadv2_calls, calls + 1);
	for (unsigned int i = 0; i < 256; i++) {
		assert_int_equal(vmm_test_gpa_read(d.ctx, IND_PAGES + 0x2000ULL * i, page, 4096), 0);
		assert_memory_equal(page, file + 4096 * i, 4096);
	}
	/* seg_max data buffers are the most (here 1 KiB each): one more is a broken driver. */
	assert_int_equal(blk_indirect_read(&d, 2, 510, 1024), S_OK);
	assert_int_equal(vmm_test_gpa_read(d.ctx, IND_PAGES + 0x2000ULL * 509, page, 1024), 0);
	assert_memory_equal(page, file + 1024 + 1024 * 509, 1024);
	assert_int_equal(vd_status(&d) & VIRTIO_S_NEEDS_RESET, 0);
	blk_indirect_read(&d, 0, 511, 1024);
	assert_true(vd_status(&d) & VIRTIO_S_NEEDS_RESET);
	vd_set_status(&d, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_virtio_blk_config_reports_capacity_and_features),
		cmocka_unit_test(test_virtio_blk_read_returns_file_contents_both_transports),
		cmocka_unit_test(test_virtio_blk_write_with_split_header_reaches_file),
		cmocka_unit_test(test_virtio_blk_flush_syncs_before_status_byte),
		cmocka_unit_test(test_virtio_blk_get_id_returns_serial),
		cmocka_unit_test(test_virtio_blk_out_of_range_is_ioerr),
		cmocka_unit_test(test_virtio_blk_read_only_rejects_writes),
		cmocka_unit_test(test_virtio_blk_discard_and_write_zeroes_zero_the_file),
		cmocka_unit_test(test_virtio_blk_several_requests_in_flight_all_complete),
		cmocka_unit_test(test_virtio_blk_scattered_read_is_one_preadv),
		cmocka_unit_test(test_virtio_blk_1mib_in_256_pages_is_one_request),
		cmocka_unit_test(test_virtio_blk_short_transfers_resume_mid_segment),
		cmocka_unit_test(test_virtio_blk_completion_msi_ends_wait),
		cmocka_unit_test(test_virtio_blk_rescan_switches_file_and_raises_config_irq),
		cmocka_unit_test(test_virtio_blk_request_without_status_byte_needs_reset),
		cmocka_unit_test(test_virtio_blk_cached_read_inline_else_worker),
		cmocka_unit_test(test_virtio_blk_notify_via_ioeventfd_completes_via_irqfd),
		cmocka_unit_test(test_virtio_blk_without_eventfds_notify_stays_synchronous),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

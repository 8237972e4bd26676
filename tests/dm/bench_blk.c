/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_blk: host-side read throughput of the virtio-blk back-end against a
 * plain pread() loop on the same file (run by `make bench`, tests/bench/run.sh).
 *
 * The back-end runs as in acrn-dm (its kick and worker threads, the fake VMM
 * of tests/dm instead of the VHM, built with -O2 and no sanitizers).  The fake
 * offers ioeventfd and irqfd as the VHM does, so a kick signals the back-end's
 * kick thread and a completion signals its irqfd, which this driver's MSI wait
 * polls (the "notify:" line says which path ran); this program
 * is its guest driver, shaped like Linux's virtio_blk: modern interface,
 * EVENT_IDX (kick only when the device asks, interrupt only when we ask),
 * one indirect table per request (header, data as 4 KiB page segments,
 * status), up to QD requests in flight, wait for the MSI when nothing is
 * used.  The driver writes the rings and reads the data straight from guest
 * memory, as a guest does.
 *
 * Workloads, on a 64 MiB file whose 8-byte word at offset o is a function of
 * o (so data from a wrong offset is caught):
 *   seq    the whole file in 128 KiB requests, in order
 *   rand   4 KiB requests at offsets from a fixed-seed xorshift64, the same
 *          list for both paths
 * Page cache: warm for both (the file was just written and is read once
 * more before the first measurement), so both sides copy from the page cache
 * and the ratio isolates the back-end's cost.  Each measurement is wall-clock
 * (CLOCK_MONOTONIC), repeated REPS times; the best is reported (the machine
 * is shared: the best is the run least disturbed), the median is printed in
 * the detail line.  A first, untimed pass of each path checks every byte.
 * The CPU time of all threads per request (least over the runs) is printed
 * too: wall-clock figures on a loaded machine mostly measure how soon the
 * scheduler runs a woken worker, CPU time measures the work.
 *
 * Output: detail lines "bench_blk: ...", then "BENCH name value unit".
 * Exit status 1 (with a "bench_blk: FAIL ..." line) on any error or mismatch.
 */
#include "virtio_driver.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest_mem.h"

#define SLOT		4
#define QSIZE		128
#define FILE_BYTES	(64ULL << 20)
#define SEQ_BS		(128U << 10)
#define RAND_BS		4096U
#define NRAND		100000U
#define PAGE		4096U
#define MAX_SEGS	(SEQ_BS / PAGE)
#define QD_MAX		16
#define REPS		7
#define T_IN		0
#define S_OK		0
#define F_V1		(1ULL << VIRTIO_F_VERSION_1)
#define F_INDIRECT	(1ULL << VIRTIO_RING_F_INDIRECT_DESC)
#define F_EVENT_IDX	(1ULL << VIRTIO_RING_F_EVENT_IDX)
#define F_SEG_MAX	(1ULL << 2)
#define F_RO		(1ULL << 5)
#define F_BLK_SIZE	(1ULL << 6)

/* Guest memory layout per request slot: header, status, indirect table, data pages. */
#define SLOT_GPA(s)	(VD_DATA + (uint64_t)(s) * (SEQ_BS + 2 * PAGE))
#define HDR_OFF		0
#define STATUS_OFF	64
#define TABLE_OFF	128
#define DATA_OFF	PAGE

struct vring_d {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

struct drv {
	struct vdrv vd;
	struct vring_d *desc;
	volatile uint16_t *avail;	/* flags, idx, ring[QSIZE], used_event */
	volatile uint8_t *used;		/* flags, idx, ring[QSIZE] of {u32 id, u32 len}, avail_event */
	uint8_t *slot[QD_MAX];		/* host view of each slot's area */
	uint64_t slot_off[QD_MAX];	/* file offset of the request in flight */
	uint16_t avail_idx, kicked_idx, used_seen;
	unsigned int msi_seen, kicks, waits;
};

struct result {
	double best, median;
	double cpu_us;		/* least CPU time (all threads) per request over the runs */
};

static char file_path[] = "/tmp/bench_blk-XXXXXX";
static bool file_made;

static void die(const char *fmt, ...)
{
	va_list ap;

	if (file_made)
		unlink(file_path);	/* no 64 MiB file left behind */

	printf("bench_blk: FAIL ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(1);
}

static uint64_t word_at(uint64_t off)
{
	return (off / 8) * 0x9E3779B97F4A7C15ULL + 0x5DEECE66DULL;
}

static void check(const void *buf, size_t len, uint64_t off, const char *who)
{
	const uint64_t *w = buf;

	for (size_t i = 0; i < len / 8; i++)
		if (w[i] != word_at(off + 8 * i))
			die("%s: wrong data at file offset %llu", who,
			    (unsigned long long)(off + 8 * i));
}

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* CPU time of every thread of the process (the driver and the back-end's workers). */
static double cpu_now(void)
{
	return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static struct result summarize(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return (struct result){ v[n - 1], v[n / 2], 0 };
}

static void make_file(const char *path)
{
	uint64_t *buf = malloc(1 << 20);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (buf == NULL || fd < 0)
		die("cannot create %s: %s", path, strerror(errno));
	for (uint64_t off = 0; off < FILE_BYTES; off += 1 << 20) {
		for (size_t i = 0; i < (1 << 20) / 8; i++)
			buf[i] = word_at(off + 8 * i);
		if (write(fd, buf, 1 << 20) != 1 << 20)
			die("write %s: %s", path, strerror(errno));
	}
	close(fd);
	free(buf);
}

/* --- the driver --- */

static void drv_open(struct drv *d, struct vmctx *ctx)
{
	struct vd_queue *q;
	uint64_t f;

	memset(d, 0, sizeof(*d));
	vd_open(&d->vd, ctx, SLOT, false);
	f = vd_dev_features(&d->vd);
	if ((f & (F_V1 | F_INDIRECT | F_EVENT_IDX)) != (F_V1 | F_INDIRECT | F_EVENT_IDX))
		die("device offers features %#llx: no VERSION_1, INDIRECT_DESC or EVENT_IDX",
		    (unsigned long long)f);
	vd_bringup(&d->vd, F_V1 | F_INDIRECT | F_EVENT_IDX | F_SEG_MAX | F_RO | F_BLK_SIZE, 1,
		   QSIZE);
	q = &d->vd.q[0];
	d->desc = vm_map_gpa(ctx, q->desc, 16U * QSIZE);
	d->avail = vm_map_gpa(ctx, q->avail, 6 + 2U * QSIZE);
	d->used = vm_map_gpa(ctx, q->used, 6 + 8U * QSIZE);
	for (int s = 0; s < QD_MAX; s++)
		d->slot[s] = vm_map_gpa(ctx, SLOT_GPA(s), SEQ_BS + 2 * PAGE);
	if (d->desc == NULL || d->avail == NULL || d->used == NULL || d->slot[QD_MAX - 1] == NULL)
		die("rings or buffers not in guest RAM");
}

/* Post one read of @p len bytes at @p off in slot @p s: indirect header, pages, status. */
static void drv_post(struct drv *d, int s, uint64_t off, uint32_t len)
{
	struct { uint32_t type, reserved; uint64_t sector; } hdr = { T_IN, 0, off / 512 };
	struct vring_d *t = (struct vring_d *)(d->slot[s] + TABLE_OFF);
	uint64_t base = SLOT_GPA(s);
	uint32_t n = 0;

	memcpy(d->slot[s] + HDR_OFF, &hdr, sizeof(hdr));
	d->slot[s][STATUS_OFF] = 0xff;
	t[n++] = (struct vring_d){ base + HDR_OFF, sizeof(hdr), VRING_DESC_F_NEXT, 1 };
	for (uint32_t p = 0; p < len; p += PAGE, n++)
		t[n] = (struct vring_d){ base + DATA_OFF + p, PAGE,
					 VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, (uint16_t)(n + 1) };
	t[n++] = (struct vring_d){ base + STATUS_OFF, 1, VRING_DESC_F_WRITE, 0 };
	d->desc[s] = (struct vring_d){ base + TABLE_OFF, 16 * n, VRING_DESC_F_INDIRECT, 0 };
	d->slot_off[s] = off;
	d->avail[2 + d->avail_idx % QSIZE] = (uint16_t)s;
	d->avail_idx++;
}

/* §2.7.10: publish the new avail idx, kick only if the device's avail_event lies in it. */
static void drv_publish(struct drv *d)
{
	uint16_t ev, old = d->kicked_idx;

	__atomic_store_n(&d->avail[1], d->avail_idx, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	ev = *(volatile uint16_t *)(d->used + 4 + 8 * QSIZE);
	d->kicked_idx = d->avail_idx;
	if ((uint16_t)(d->avail_idx - ev - 1) < (uint16_t)(d->avail_idx - old)) {
		vd_kick(&d->vd, 0);
		d->kicks++;
	}
}

/*
 * Next used slot: poll the used ring; when it is empty ask for an interrupt at
 * the next entry (used_event), look once more, then sleep until an MSI.
 */
static int drv_next_used(struct drv *d, uint32_t *len)
{
	for (;;) {
		uint16_t idx = __atomic_load_n((uint16_t *)(d->used + 2), __ATOMIC_ACQUIRE);
		unsigned int m;

		if (idx != d->used_seen) {
			const volatile uint8_t *e = d->used + 4 + 8 * (d->used_seen % QSIZE);
			uint32_t id = *(const volatile uint32_t *)e;

			*len = *(const volatile uint32_t *)(e + 4);
			d->used_seen++;
			if (id >= QD_MAX)
				die("used ring returned id %u", id);
			return (int)id;
		}
		m = d->msi_seen;
		d->avail[2 + QSIZE] = d->used_seen;	/* used_event */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (__atomic_load_n((uint16_t *)(d->used + 2), __ATOMIC_ACQUIRE) != d->used_seen)
			continue;
		d->waits++;
		d->msi_seen = vmm_test_wait_msi(d->vd.ctx, m, 5000);
		if (d->msi_seen == m)
			die("no completion within 5 s (avail %u, used %u seen %u, avail_event %u, "
			    "used_event %u, kicks %u, MSIs %u)", d->avail_idx,
			    *(volatile uint16_t *)(d->used + 2), d->used_seen,
			    *(volatile uint16_t *)(d->used + 4 + 8 * QSIZE), d->avail[2 + QSIZE],
			    d->kicks, m);
	}
}

/*
 * Read @p n requests of @p len bytes at offs[i] with up to @p qd in flight;
 * @p verify checks each completed buffer.  @return seconds from first post to last completion
 */
static double drv_run(struct drv *d, const uint64_t *offs, uint32_t n, uint32_t len, int qd,
		      bool verify)
{
	uint32_t next = 0, done = 0;
	double t0 = now();

	for (int s = 0; s < qd && next < n; s++)
		drv_post(d, s, offs[next++], len);
	drv_publish(d);
	while (done < n) {
		uint32_t ulen;
		int s = drv_next_used(d, &ulen);

		if (d->slot[s][STATUS_OFF] != S_OK || ulen != len + 1)
			die("request at %llu: status %u, used len %u (want 0, %u)",
			    (unsigned long long)d->slot_off[s], d->slot[s][STATUS_OFF], ulen, len + 1);
		if (verify)
			check(d->slot[s] + DATA_OFF, len, d->slot_off[s], "virtio-blk");
		done++;
		if (next < n)
			drv_post(d, s, offs[next++], len);
		/* Batch like blk-mq: publish once no more completions are waiting. */
		if (d->kicked_idx != d->avail_idx &&
		    __atomic_load_n((uint16_t *)(d->used + 2), __ATOMIC_ACQUIRE) == d->used_seen)
			drv_publish(d);
	}
	if (d->kicked_idx != d->avail_idx)
		die("unpublished requests at the end");
	return now() - t0;
}

/* --- the baseline --- */

/* Into @p nbuf rotating buffers of @p len bytes: the same memory the driver's slots span. */
static double pread_run(int fd, const uint64_t *offs, uint32_t n, uint32_t len, uint8_t *buf,
			int nbuf, bool verify)
{
	double t0 = now();

	for (uint32_t i = 0; i < n; i++) {
		uint8_t *b = buf + (size_t)(i % (uint32_t)nbuf) * len;

		if (pread(fd, b, len, (off_t)offs[i]) != (ssize_t)len)
			die("pread at %llu: %s", (unsigned long long)offs[i], strerror(errno));
		if (verify)
			check(b, len, offs[i], "pread");
	}
	return now() - t0;
}

/*
 * One workload: a verifying pass of each path, then REPS timed runs of each,
 * alternating so that both see the same machine load.
 */
static void workload(struct drv *d, int fd, const char *name, const uint64_t *offs, uint32_t n,
		     uint32_t len, int qd, struct result *blk, struct result *pr)
{
	double vb[REPS], vp[REPS], cb = 1e9, cp = 1e9;
	uint8_t *buf = aligned_alloc(PAGE, (size_t)qd * len);
	unsigned int k0, w0;
	double mib = (double)n * len / (1 << 20);
	bool iops = len == RAND_BS;

	if (buf == NULL)
		die("out of memory");
	drv_run(d, offs, n, len, qd, true);
	pread_run(fd, offs, n, len, buf, qd, true);
	k0 = d->kicks;
	w0 = d->waits;
	for (int r = 0; r < REPS; r++) {
		double c0 = cpu_now();
		double tb = drv_run(d, offs, n, len, qd, false);
		double c1 = cpu_now();
		double tp = pread_run(fd, offs, n, len, buf, qd, false);
		double c2 = cpu_now();

		cb = c1 - c0 < cb ? c1 - c0 : cb;
		cp = c2 - c1 < cp ? c2 - c1 : cp;

		vb[r] = iops ? n / tb : mib / tb;
		vp[r] = iops ? n / tp : mib / tp;
	}
	*blk = summarize(vb, REPS);
	*pr = summarize(vp, REPS);
	blk->cpu_us = cb * 1e6 / n;
	pr->cpu_us = cp * 1e6 / n;
	printf("bench_blk: %s: %u x %u KiB, data checked; virtio-blk (queue depth %d, %.2f kicks and "
	       "%.2f interrupt waits per request, %.1f us CPU per request) best %.0f median %.0f %s; "
	       "pread (%.1f us CPU per request) best %.0f median %.0f %s\n", name, n, len >> 10, qd,
	       (double)(d->kicks - k0) / (REPS * n), (double)(d->waits - w0) / (REPS * n),
	       blk->cpu_us, blk->best, blk->median, iops ? "IOPS" : "MiB/s", pr->cpu_us,
	       pr->best, pr->median, iops ? "IOPS" : "MiB/s");
	free(buf);
}

int main(int argc, char **argv)
{
	static uint64_t seq[FILE_BYTES / SEQ_BS], rnd[NRAND];
	struct result sb, sp, rb, rp, r1b, r1p;
	char *path = file_path, dev[128];
	struct dmtest_vm vm;
	struct drv d;
	uint64_t x = 0x2545F4914F6CDD1DULL;
	int fd, qd = argc > 1 ? atoi(argv[1]) : 8;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (qd < 1 || qd > QD_MAX)
		die("queue depth %d not in 1..%d", qd, QD_MAX);
	fd = mkstemp(path);
	if (fd < 0)
		die("mkstemp: %s", strerror(errno));
	file_made = true;
	close(fd);
	make_file(path);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	snprintf(dev, sizeof(dev), "%d,virtio-blk,%s,ro", SLOT, path);
	if (dmtest_vm_create(&vm, "-m", "64M", "-s", dev, "bench", NULL) != 0)
		die("cannot create the VM: %s", vm.err);
	drv_open(&d, vm.ctx);
	printf("bench_blk: notify: %s\n", vmm_test_get(vm.ctx)->nioeventfd > 0 ?
	       "ioeventfd/irqfd (asynchronous, kick thread)" : "synchronous (IOREQ)");

	for (uint32_t i = 0; i < FILE_BYTES / SEQ_BS; i++)
		seq[i] = (uint64_t)i * SEQ_BS;
	for (uint32_t i = 0; i < NRAND; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		rnd[i] = (x % (FILE_BYTES / RAND_BS)) * RAND_BS;
	}
	printf("bench_blk: 64 MiB file %s, page cache warm for both paths, best of %d runs\n", path,
	       REPS);
	workload(&d, fd, "seq", seq, FILE_BYTES / SEQ_BS, SEQ_BS, qd, &sb, &sp);
	workload(&d, fd, "rand4k", rnd, NRAND, RAND_BS, qd, &rb, &rp);
	workload(&d, fd, "rand4k-qd1", rnd, NRAND / 4, RAND_BS, 1, &r1b, &r1p);

	vd_set_status(&d.vd, 0);
	dmtest_vm_destroy(&vm);
	close(fd);
	unlink(path);
	printf("BENCH host_blk_seq_mibps %.0f MiB/s\n", sb.best);
	printf("BENCH host_pread_seq_mibps %.0f MiB/s\n", sp.best);
	printf("BENCH host_blk_seq_ratio %.2f x\n", sb.best / sp.best);
	printf("BENCH host_blk_rand4k_iops %.0f IOPS\n", rb.best);
	printf("BENCH host_pread_rand4k_iops %.0f IOPS\n", rp.best);
	printf("BENCH host_blk_rand4k_ratio %.2f x\n", rb.best / rp.best);
	printf("BENCH host_blk_rand4k_qd1_iops %.0f IOPS\n", r1b.best);
	printf("BENCH host_blk_rand4k_qd1_ratio %.2f x\n", r1b.best / r1p.best);
	/* CPU time is less sensitive than wall-clock time to other load on the machine. */
	printf("BENCH host_blk_seq_cpu_ratio %.2f x\n", sp.cpu_us / sb.cpu_us);
	printf("BENCH host_blk_rand4k_cpu_ratio %.2f x\n", rp.cpu_us / rb.cpu_us);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * virtio-blk (Virtio 1.2 §5.2) on a raw image file or a block device.
 *
 *   -s N,virtio-blk,PATH[,ro][,serial=ID]
 *
 * The thread that sees the notify drains the whole avail ring.  A read whose
 * data is in memory is served there and then (preadv2 RWF_NOWAIT, or any read
 * on tmpfs/ramfs: a copy, no thread hand-off); everything else goes to a small
 * pool of worker threads, so a few requests are in flight at once.  A request is
 * acknowledged (status byte, then used ring) only after its data is in the
 * file; FLUSH calls fdatasync() first, so an acknowledged flush is durable.
 *
 * Notify and completion are asynchronous when the VMM offers ioeventfd and
 * irqfd (the VHM does) and the queue has an MSI-X vector at DRIVER_OK: the
 * VHM completes the guest's notify write in the kernel and signals kick_fd,
 * our kick thread drains the queue, and a completion signals call_fd, which
 * the VHM turns into the queue's MSI-X message.  Otherwise the IOREQ thread
 * calls the notify and completions inject the interrupt through acrn-dm, as
 * before.  Like vhost-net, the MSI-X address/data are taken at DRIVER_OK.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <x86intrin.h>

#include "pci_core.h"
#include "vmctx.h"
#include "vmm.h"
#include "virtio/virtio_blk.h"
#include "virtio/virtio_core.h"

#define DM_LOG_PREFIX "virtio-blk: "
#include "dm_log.h"

/*
 * 512 entries so that seg_max (the queue size less header and status: a chain
 * may not be longer than the queue, §2.7.5.3.1) holds a 1 MiB read in 4 KiB
 * pages that are not physically contiguous -- 256 segments, the most one bio
 * carries.  With 128 (seg_max 126) Linux split such a read into two or three
 * requests, how many depending on the buffer's physical layout.
 */
#define VBLK_QSIZE		512
#define VBLK_SEG_MAX		(VBLK_QSIZE - 2)	/* header and status take two */
#define VBLK_WORKERS		3
#define VBLK_SECTOR		512ULL
#define VBLK_ID_BYTES		20
#define VBLK_HDR_BYTES		16
#define VBLK_MAX_DISCARD_SEG	32
#define VBLK_MAX_DISCARD_SECT	(1U << 22)	/* 2 GiB per segment */

/* Feature bits (§5.2.3). */
#define VIRTIO_BLK_F_SEG_MAX		2
#define VIRTIO_BLK_F_RO			5
#define VIRTIO_BLK_F_BLK_SIZE		6
#define VIRTIO_BLK_F_FLUSH		9
#define VIRTIO_BLK_F_DISCARD		13
#define VIRTIO_BLK_F_WRITE_ZEROES	14

/* Request types and status values (§5.2.6). */
#define VIRTIO_BLK_T_IN			0
#define VIRTIO_BLK_T_OUT		1
#define VIRTIO_BLK_T_FLUSH		4
#define VIRTIO_BLK_T_GET_ID		8
#define VIRTIO_BLK_T_DISCARD		11
#define VIRTIO_BLK_T_WRITE_ZEROES	13
#define VIRTIO_BLK_S_OK			0
#define VIRTIO_BLK_S_IOERR		1
#define VIRTIO_BLK_S_UNSUPP		2
#define VBLK_DEFER			0xff	/* not a status: leave it to a worker */

/* Device configuration layout (§5.2.4), little-endian. */
struct vblk_config {
	uint64_t capacity;
	uint32_t size_max;
	uint32_t seg_max;
	uint16_t cylinders;
	uint8_t heads;
	uint8_t sectors;
	uint32_t blk_size;
	uint8_t physical_block_exp;
	uint8_t alignment_offset;
	uint16_t min_io_size;
	uint32_t opt_io_size;
	uint8_t writeback;
	uint8_t unused0[3];
	uint32_t max_discard_sectors;
	uint32_t max_discard_seg;
	uint32_t discard_sector_alignment;
	uint32_t max_write_zeroes_sectors;
	uint32_t max_write_zeroes_seg;
	uint8_t write_zeroes_may_unmap;
	uint8_t unused1[3];
} __attribute__((packed));

/* struct virtio_blk_discard_write_zeroes (§5.2.6). */
struct vblk_seg {
	uint64_t sector;
	uint32_t num_sectors;
	uint32_t flags;		/* bit 0: unmap */
} __attribute__((packed));

struct vblk_req {
	struct vblk_req *next;
	uint16_t head;
	struct vq_chain c;
	struct iovec iov[VBLK_QSIZE];
};

/* Which reads the notify thread does itself. */
enum vblk_inline {
	VBLK_INLINE_OFF,	/* none: the file may block and RWF_NOWAIT is not supported */
	VBLK_INLINE_NOWAIT,	/* those preadv2(RWF_NOWAIT) completes (page-cache hits) */
	VBLK_INLINE_MEMFS,	/* all: tmpfs/ramfs data is memory, a read is a copy */
};

struct virtio_blk {
	struct virtio_dev vs;	/* first */
	struct vblk_config cfg;
	int fd;
	bool ro;
	uint64_t nsectors;
	char ident[VBLK_ID_BYTES];
	char path[256];

	/* Work queue, guarded by vs.mtx. */
	struct vblk_req *reqs;		/* VBLK_QSIZE slots */
	struct vblk_req *free_list, *pending_head, *pending_tail;
	unsigned int in_flight;
	bool quit;
	pthread_cond_t work_cv;		/* pending work or quit */
	pthread_cond_t idle_cv;		/* in_flight dropped */
	pthread_t workers[VBLK_WORKERS];
	int nworkers;
	enum vblk_inline inl;		/* reads served by the notify thread; guarded by vs.mtx */
	uint64_t nreq, nbuf;		/* requests taken, guest buffers in them; vs.mtx */
	/*
	 * Kick-thread wake-ups and the TSC ticks they took, by the bytes the
	 * wake-up's requests carried: <= 4 KiB, <= 128 KiB, more; kick thread only.
	 */
	uint64_t kick_n[3], kick_tsc[3];
	uint64_t drained_bytes;		/* data bytes of the requests the last drain took; vs.mtx */

	/* Asynchronous notify / completion; kick_fd < 0 when the VMM lacks them. */
	int kick_fd, call_fd;
	bool async;			/* ioeventfd and irqfd registered now */
	bool mode_logged;		/* which notify path: one line per device */
	struct virtio_notify_fd io;
	struct acrn_irqfd irq;
	pthread_t kick_thread;
	bool kick_live;
};

static const struct pci_vdev_ops pci_ops_virtio_blk;

/* Byte range [skip, skip + len) of @p src as a new iovec array. */
static unsigned int vblk_subiov(const struct iovec *src, unsigned int n, uint64_t skip,
				uint64_t len, struct iovec *dst)
{
	unsigned int k = 0;

	for (unsigned int i = 0; i < n && len > 0; i++) {
		uint64_t l = src[i].iov_len;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		dst[k].iov_base = (uint8_t *)src[i].iov_base + skip;
		dst[k].iov_len = l - skip < len ? l - skip : len;
		len -= dst[k].iov_len;
		skip = 0;
		k++;
	}
	return k;
}

/*
 * A read only if it can be served from the page cache at once: -EAGAIN when
 * any of it would block (or came back short), -EOPNOTSUPP when the kernel or
 * the file does not do RWF_NOWAIT.
 */
static int vblk_read_nowait(int fd, const struct iovec *iov, unsigned int n, uint64_t off)
{
	size_t want = 0;
	ssize_t r;

	for (unsigned int i = 0; i < n; i++)
		want += iov[i].iov_len;
	r = preadv2(fd, iov, (int)n, (off_t)off, RWF_NOWAIT);
	if (r == (ssize_t)want)
		return 0;
	return r < 0 && (errno == EOPNOTSUPP || errno == ENOSYS) ? -EOPNOTSUPP : -EAGAIN;
}

/*
 * Full-length positional I/O over an iovec array: one preadv()/pwritev() for
 * the whole request (a guest's 128 KiB read typically arrives as 32 page-sized
 * segments), resumed where a short transfer stopped; zero bytes is an error.
 * @p iov is consumed (advanced in place).
 */
static int vblk_rw(int fd, struct iovec *iov, unsigned int n, uint64_t off, bool write)
{
	for (;;) {
		ssize_t r;

		while (n > 0 && iov->iov_len == 0) {
			iov++;
			n--;
		}
		if (n == 0)
			return 0;
		r = write ? pwritev(fd, iov, (int)n, (off_t)off) : preadv(fd, iov, (int)n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		off += (uint64_t)r;
		while (n > 0 && (size_t)r >= iov->iov_len) {
			r -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + r;
			iov->iov_len -= (size_t)r;
		}
	}
}

static bool vblk_in_range(const struct virtio_blk *b, uint64_t sector, uint64_t nsect)
{
	return sector <= b->nsectors && nsect <= b->nsectors - sector;
}

/* §5.2.6.2 DISCARD / WRITE_ZEROES: a list of segments in the readable data. */
static uint8_t vblk_segments(struct virtio_blk *b, struct vblk_req *r, uint32_t type)
{
	uint64_t len = r->c.read_len - VBLK_HDR_BYTES;
	struct vblk_seg seg;
	uint64_t nseg = len / sizeof(seg);

	if (b->ro)
		return VIRTIO_BLK_S_UNSUPP;
	if (len == 0 || len % sizeof(seg) != 0 || nseg > VBLK_MAX_DISCARD_SEG)
		return VIRTIO_BLK_S_IOERR;
	for (uint64_t i = 0; i < nseg; i++) {
		int mode;

		virtio_iov_to_buf(r->iov, r->c.nread, VBLK_HDR_BYTES + i * sizeof(seg), &seg,
				  sizeof(seg));
		if (type == VIRTIO_BLK_T_DISCARD && (seg.flags & 1))
			return VIRTIO_BLK_S_UNSUPP;	/* unmap flag is reserved for discard */
		if ((seg.flags & ~1U) != 0 || seg.num_sectors > VBLK_MAX_DISCARD_SECT ||
		    !vblk_in_range(b, seg.sector, seg.num_sectors))
			return VIRTIO_BLK_S_IOERR;
		if (seg.num_sectors == 0)
			continue;
		mode = type == VIRTIO_BLK_T_DISCARD || (seg.flags & 1) ?
		       FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE :
		       FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
		if (fallocate(b->fd, mode, (off_t)(seg.sector * VBLK_SECTOR),
			      (off_t)(seg.num_sectors * VBLK_SECTOR)) != 0) {
			if (type == VIRTIO_BLK_T_DISCARD && errno == EOPNOTSUPP)
				return VIRTIO_BLK_S_UNSUPP;
			return VIRTIO_BLK_S_IOERR;
		}
	}
	return VIRTIO_BLK_S_OK;
}

/*
 * §5.2.6: one request.  Header (16 bytes, readable), data, status byte (last
 * writable byte).  Returns the status; *used gets the bytes written to the guest.
 * With @p inline_only (vs.mtx held) only a read the page cache holds is done;
 * anything else returns VBLK_DEFER untouched.
 */
static uint8_t vblk_execute(struct virtio_blk *b, struct vblk_req *r, uint32_t *used,
			    bool inline_only)
{
	struct iovec d[VBLK_QSIZE];
	struct { uint32_t type, reserved; uint64_t sector; } hdr;
	uint64_t wdata = r->c.write_len - 1;	/* writable bytes before the status */
	uint64_t rdata = r->c.read_len - VBLK_HDR_BYTES;
	unsigned int n;
	int rc;

	*used = 1;
	virtio_iov_to_buf(r->iov, r->c.nread, 0, &hdr, sizeof(hdr));
	if (inline_only && hdr.type != VIRTIO_BLK_T_IN)
		return VBLK_DEFER;
	switch (hdr.type) {
	case VIRTIO_BLK_T_IN:
		if (wdata % VBLK_SECTOR != 0 || !vblk_in_range(b, hdr.sector, wdata / VBLK_SECTOR))
			return VIRTIO_BLK_S_IOERR;
		n = vblk_subiov(r->iov + r->c.nread, r->c.niov - r->c.nread, 0, wdata, d);
		if (inline_only && b->inl == VBLK_INLINE_NOWAIT) {
			rc = vblk_read_nowait(b->fd, d, n, hdr.sector * VBLK_SECTOR);
			if (rc == -EOPNOTSUPP)
				b->inl = VBLK_INLINE_OFF;	/* every read goes to the workers */
			if (rc != 0)
				return VBLK_DEFER;
		} else {
			rc = vblk_rw(b->fd, d, n, hdr.sector * VBLK_SECTOR, false);
		}
		if (rc != 0)
			return VIRTIO_BLK_S_IOERR;
		*used = (uint32_t)(wdata + 1);
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_OUT:
		if (b->ro || rdata % VBLK_SECTOR != 0 ||
		    !vblk_in_range(b, hdr.sector, rdata / VBLK_SECTOR))
			return VIRTIO_BLK_S_IOERR;
		n = vblk_subiov(r->iov, r->c.nread, VBLK_HDR_BYTES, rdata, d);
		return vblk_rw(b->fd, d, n, hdr.sector * VBLK_SECTOR, true) == 0 ?
		       VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
	case VIRTIO_BLK_T_FLUSH:
		/* Durable before the status byte says so. */
		return fdatasync(b->fd) == 0 ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
	case VIRTIO_BLK_T_GET_ID: {
		uint64_t c = wdata < VBLK_ID_BYTES ? wdata : VBLK_ID_BYTES;

		virtio_buf_to_iov(r->iov + r->c.nread, r->c.niov - r->c.nread, 0, b->ident, c);
		*used = (uint32_t)(c + 1);
		return VIRTIO_BLK_S_OK;
	}
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		return vblk_segments(b, r, hdr.type);
	default:
		return VIRTIO_BLK_S_UNSUPP;
	}
}

/* Put a finished request in the used ring (vs.mtx held); vblk_interrupt() follows. */
static void vblk_complete(struct virtio_blk *b, struct vblk_req *r, uint8_t status, uint32_t used)
{
	/* The status byte is the last writable byte of the chain. */
	virtio_buf_to_iov(r->iov + r->c.nread, r->c.niov - r->c.nread, r->c.write_len - 1, &status,
			  1);
	vq_relchain(&b->vs.q[0].vq, r->head, used);
}

/*
 * Interrupt the driver if it wants one (vs.mtx held).  Synchronous: sent here.
 * Async: @return true, and the caller signals call_fd (vblk_signal()) after
 * dropping vs.mtx, so that the driver it wakes does not block on the lock.
 */
static bool vblk_interrupt(struct virtio_blk *b)
{
	struct virtqueue *vq = &b->vs.q[0].vq;

	if (!b->async) {
		virtio_queue_interrupt(&b->vs, 0);
		return false;
	}
	return vq->ready && vq_need_interrupt(vq);
}

/* The irqfd: the VHM sends the queue's MSI-X message. */
static void vblk_signal(struct virtio_blk *b)
{
	uint64_t one = 1;

	if (write(b->call_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		pr_warn("cannot signal the completion irqfd: %s", strerror(errno));
}

static void *vblk_worker(void *arg)
{
	struct virtio_blk *b = arg;

	pthread_mutex_lock(&b->vs.mtx);
	for (;;) {
		struct vblk_req *r;
		uint32_t used;
		uint8_t status;

		while (!b->quit && b->pending_head == NULL)
			pthread_cond_wait(&b->work_cv, &b->vs.mtx);
		if (b->quit)
			break;
		r = b->pending_head;
		b->pending_head = r->next;
		if (b->pending_head == NULL)
			b->pending_tail = NULL;
		b->in_flight++;
		pthread_mutex_unlock(&b->vs.mtx);

		status = vblk_execute(b, r, &used, false);

		pthread_mutex_lock(&b->vs.mtx);
		vblk_complete(b, r, status, used);
		r->next = b->free_list;
		b->free_list = r;
		b->in_flight--;
		if (vblk_interrupt(b)) {
			pthread_mutex_unlock(&b->vs.mtx);
			vblk_signal(b);
			pthread_mutex_lock(&b->vs.mtx);
		}
		pthread_cond_broadcast(&b->idle_cv);
	}
	pthread_mutex_unlock(&b->vs.mtx);
	return NULL;
}

/* Wait until no worker is inside vblk_execute(); vs.mtx held. */
static void vblk_drain(struct virtio_blk *b)
{
	while (b->in_flight > 0)
		pthread_cond_wait(&b->idle_cv, &b->vs.mtx);
}

/*
 * §5.2.6: drain the avail ring (IOREQ thread or kick thread, vs.mtx held).
 * Cached reads complete here, one interrupt for the lot; the rest go to the
 * workers.  At most a queue's worth inline per call: a driver refilling the
 * ring as fast as we drain it cannot keep this thread (and vs.mtx) forever.
 * @return true if call_fd is to be signalled (vblk_interrupt())
 */
static bool vblk_drain_avail(struct virtio_blk *b, unsigned int q)
{
	struct virtio_dev *vs = &b->vs;
	unsigned int budget = VBLK_QSIZE;
	bool done = false;

	while (b->free_list != NULL) {
		struct vblk_req *r = b->free_list;
		int n = virtio_getchain(vs, q, r->iov, VBLK_QSIZE, &r->c);
		uint32_t used;
		uint8_t status;

		if (n <= 0)
			break;
		if (r->c.read_len < VBLK_HDR_BYTES || r->c.write_len < 1) {
			virtio_dev_fail(vs, "request without header or status byte");
			break;
		}
		r->head = r->c.head;
		b->nreq++;
		b->nbuf += r->c.niov;
		b->drained_bytes += r->c.read_len + r->c.write_len - VBLK_HDR_BYTES - 1;
		if (b->inl != VBLK_INLINE_OFF && budget > 0) {
			budget--;
			status = vblk_execute(b, r, &used, true);
			if (status != VBLK_DEFER) {
				vblk_complete(b, r, status, used);	/* r stays free */
				done = true;
				continue;
			}
		}
		b->free_list = r->next;
		r->next = NULL;
		if (b->pending_tail != NULL)
			b->pending_tail->next = r;
		else
			b->pending_head = r;
		b->pending_tail = r;
		pthread_cond_signal(&b->work_cv);
	}
	return done && vblk_interrupt(b);
}

/* The IOREQ thread's notify (synchronous path, or a write the ioeventfd does not match). */
static void vblk_notify(struct virtio_dev *vs, unsigned int q)
{
	struct virtio_blk *b = (struct virtio_blk *)vs;

	if (vblk_drain_avail(b, q))
		vblk_signal(b);
}

/* Stop the asynchronous path: the VHM forgets our eventfds (vs.mtx held). */
static void vblk_async_stop(struct virtio_blk *b)
{
	struct vmctx *ctx = b->vs.ctx;

	if (!b->async)
		return;
	if (virtio_notify_ioeventfd_deassign(&b->vs, &b->io) != 0)
		pr_warn("cannot unregister the notify ioeventfd");
	b->irq.flags |= ACRN_IRQFD_FLAG_DEASSIGN;
	if (ctx->vmm->irqfd(ctx, &b->irq) != 0)
		pr_warn("cannot unregister the completion irqfd");
	b->async = false;
}

/*
 * DRIVER_OK: register call_fd as the irqfd of the queue's MSI-X message, then
 * kick_fd as the ioeventfd of its notify register.  Any failure leaves the
 * synchronous path (one log line per device).
 */
static void vblk_driver_ok(struct virtio_dev *vs)
{
	struct virtio_blk *b = (struct virtio_blk *)vs;
	struct virtio_queue *q = &vs->q[0];
	struct vmctx *ctx = vs->ctx;
	const char *why = NULL;
	int rc = 0;

	if (b->async)
		return;
	if (b->kick_fd < 0)
		why = "the VMM has no ioeventfd/irqfd";
	else if (!q->enabled || !pci_msix_enabled(vs->pdev) || q->msix == VIRTIO_NO_VECTOR ||
		 q->msix >= vs->pdev->msix.table_count)
		why = "no MSI-X vector for the queue";
	if (why == NULL) {
		const struct pci_msix_entry *e = &vs->pdev->msix.table[q->msix];

		memset(&b->irq, 0, sizeof(b->irq));
		b->irq.fd = b->call_fd;
		b->irq.msi.msi_addr = e->addr;
		b->irq.msi.msi_data = e->data;
		rc = ctx->vmm->irqfd(ctx, &b->irq);
		if (rc != 0)
			why = "irqfd refused";
	}
	if (why == NULL) {
		rc = virtio_notify_ioeventfd_assign(vs, 0, b->kick_fd, &b->io);
		if (rc != 0) {
			why = "ioeventfd refused";
			b->irq.flags |= ACRN_IRQFD_FLAG_DEASSIGN;
			(void)ctx->vmm->irqfd(ctx, &b->irq);
		}
	}
	if (why != NULL) {
		if (!b->mode_logged)
			pr_info("%u:%u: synchronous notify (%s%s%s)", vs->pdev->slot,
				vs->pdev->func, why, rc != 0 ? ": " : "",
				rc != 0 ? strerror(rc < 0 ? -rc : EIO) : "");
		b->mode_logged = true;
		return;
	}
	if (!b->mode_logged)
		pr_info("%u:%u: asynchronous notify (ioeventfd) and completion (irqfd)",
			vs->pdev->slot, vs->pdev->func);
	b->mode_logged = true;
	b->async = true;
}

/* The kick thread: each signal on kick_fd is a guest notify the VHM completed. */
static void *vblk_kick_loop(void *arg)
{
	struct virtio_blk *b = arg;
	uint64_t n;

	for (;;) {
		bool signal = false;
		uint64_t t0, bytes;
		unsigned int cls;

		if (read(b->kick_fd, &n, sizeof(n)) < 0 && errno != EINTR && errno != EAGAIN) {
			pr_warn("kick eventfd: %s", strerror(errno));
			return NULL;
		}
		t0 = __rdtsc();
		pthread_mutex_lock(&b->vs.mtx);
		if (b->quit) {
			pthread_mutex_unlock(&b->vs.mtx);
			return NULL;
		}
		b->drained_bytes = 0;
		if (b->async && b->vs.q[0].enabled && virtio_dev_running(&b->vs))
			signal = vblk_drain_avail(b, 0);
		bytes = b->drained_bytes;
		pthread_mutex_unlock(&b->vs.mtx);
		if (signal)
			vblk_signal(b);
		cls = bytes <= 4096 ? 0 : bytes <= 131072 ? 1 : 2;
		__atomic_add_fetch(&b->kick_n[cls], 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&b->kick_tsc[cls], __rdtsc() - t0, __ATOMIC_RELAXED);
	}
}

static void vblk_free_all(struct virtio_blk *b)
{
	b->free_list = b->pending_head = b->pending_tail = NULL;
	for (int i = VBLK_QSIZE - 1; i >= 0; i--) {
		b->reqs[i].next = b->free_list;
		b->free_list = &b->reqs[i];
	}
}

/* Device reset: finish what is in flight, drop what was not started. */
static void vblk_reset(struct virtio_dev *vs)
{
	struct virtio_blk *b = (struct virtio_blk *)vs;

	vblk_drain(b);
	vblk_async_stop(b);
	vblk_free_all(b);
}

static const struct virtio_ops vblk_virtio_ops = {
	.name = "virtio-blk",
	.type = VIRTIO_ID_BLOCK,
	.legacy_pci_id = VIRTIO_DEV_TRANS_BASE + 1,
	.pci_class = 0x01,
	.pci_subclass = 0x80,
	.nqueues = 1,
	.qsize = VBLK_QSIZE,
	.reset = vblk_reset,
	.qnotify = vblk_notify,
	.driver_ok = vblk_driver_ok,
};

/* Open the image and measure it: regular file size or block device size. */
static int vblk_open(const char *path, bool ro, int *fdp, uint64_t *nsect)
{
	struct stat st;
	uint64_t bytes;
	int fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0)
		goto fail;
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &bytes) != 0)
			goto fail;
	} else if (S_ISREG(st.st_mode)) {
		bytes = (uint64_t)st.st_size;
	} else {
		close(fd);
		return -EINVAL;
	}
	*fdp = fd;
	*nsect = bytes / VBLK_SECTOR;
	return 0;
fail:
	close(fd);
	return -errno;
}

/* How reads of the new @p fd may be done inline (vs.mtx held or not yet shared). */
static void vblk_set_inline(struct virtio_blk *b, int fd)
{
	struct statfs sf;

	b->inl = VBLK_INLINE_NOWAIT;
	if (fstatfs(fd, &sf) == 0 && (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC))
		b->inl = VBLK_INLINE_MEMFS;
}

static void vblk_set_capacity(struct virtio_blk *b, uint64_t nsect)
{
	b->nsectors = nsect;
	b->cfg.capacity = nsect;
}

static int vblk_parse(struct virtio_blk *b, const struct dm_dev_config *cfg)
{
	const char *path = dm_dev_positional(cfg, 0);
	const char *serial = dm_dev_opt(cfg, "serial");

	if (path == NULL || strlen(path) >= sizeof(b->path)) {
		pr_err("usage: -s N,virtio-blk,PATH[,ro][,serial=ID]");
		return -EINVAL;
	}
	snprintf(b->path, sizeof(b->path), "%s", path);
	b->ro = dm_dev_has_flag(cfg, "ro");
	if (serial != NULL) {
		if (strlen(serial) > VBLK_ID_BYTES) {
			pr_err("serial is longer than %d bytes", VBLK_ID_BYTES);
			return -EINVAL;
		}
		memcpy(b->ident, serial, strlen(serial));	/* NUL-padded, not terminated */
	}
	return 0;
}

static void vblk_stop_workers(struct virtio_blk *b)
{
	uint64_t one = 1;

	pthread_mutex_lock(&b->vs.mtx);
	b->quit = true;
	pthread_cond_broadcast(&b->work_cv);
	pthread_mutex_unlock(&b->vs.mtx);
	for (int i = 0; i < b->nworkers; i++)
		pthread_join(b->workers[i], NULL);
	b->nworkers = 0;
	if (b->kick_live) {
		if (write(b->kick_fd, &one, sizeof(one)) != sizeof(one))
			pr_warn("cannot wake the kick thread: %s", strerror(errno));
		pthread_join(b->kick_thread, NULL);
		b->kick_live = false;
	}
}

static void vblk_free(struct virtio_blk *b)
{
	if (b->fd >= 0)
		close(b->fd);
	if (b->kick_fd >= 0)
		close(b->kick_fd);
	if (b->call_fd >= 0)
		close(b->call_fd);
	pthread_cond_destroy(&b->work_cv);
	pthread_cond_destroy(&b->idle_cv);
	free(b->reqs);
	free(b);
}

/* Eventfds and the kick thread when the VMM can use them; else stay synchronous. */
static void vblk_async_init(struct virtio_blk *b)
{
	const struct vmm_ops *vmm = b->vs.ctx->vmm;

	if (vmm->ioeventfd == NULL || vmm->irqfd == NULL)
		return;
	b->kick_fd = eventfd(0, EFD_CLOEXEC);
	b->call_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (b->kick_fd >= 0 && b->call_fd >= 0 &&
	    pthread_create(&b->kick_thread, NULL, vblk_kick_loop, b) == 0) {
		b->kick_live = true;
		return;
	}
	pr_warn("no eventfd or kick thread (%s): synchronous notify", strerror(errno));
	if (b->kick_fd >= 0)
		close(b->kick_fd);
	if (b->call_fd >= 0)
		close(b->call_fd);
	b->kick_fd = b->call_fd = -1;
}

static int vblk_init(struct vmctx *ctx, struct pci_vdev *dev, const struct dm_dev_config *cfg)
{
	struct virtio_blk *b = calloc(1, sizeof(*b));
	uint64_t feat, nsect;
	int rc;

	if (b == NULL)
		return -ENOMEM;
	b->fd = -1;
	b->kick_fd = b->call_fd = -1;
	pthread_cond_init(&b->work_cv, NULL);
	pthread_cond_init(&b->idle_cv, NULL);
	b->reqs = calloc(VBLK_QSIZE, sizeof(*b->reqs));
	rc = b->reqs == NULL ? -ENOMEM : vblk_parse(b, cfg);
	if (rc == 0) {
		rc = vblk_open(b->path, b->ro, &b->fd, &nsect);
		if (rc != 0)
			pr_err("cannot open %s: %s", b->path, strerror(-rc));
	}
	if (rc != 0)
		goto fail;
	vblk_set_capacity(b, nsect);
	vblk_set_inline(b, b->fd);
	vblk_free_all(b);
	b->cfg.seg_max = VBLK_SEG_MAX;
	b->cfg.blk_size = VBLK_SECTOR;
	feat = (1ULL << VIRTIO_BLK_F_SEG_MAX) | (1ULL << VIRTIO_BLK_F_BLK_SIZE) |
	       (1ULL << VIRTIO_BLK_F_FLUSH);
	if (b->ro) {
		feat |= 1ULL << VIRTIO_BLK_F_RO;
	} else {
		feat |= (1ULL << VIRTIO_BLK_F_DISCARD) | (1ULL << VIRTIO_BLK_F_WRITE_ZEROES);
		b->cfg.max_discard_sectors = VBLK_MAX_DISCARD_SECT;
		b->cfg.max_discard_seg = VBLK_MAX_DISCARD_SEG;
		b->cfg.discard_sector_alignment = 1;
		b->cfg.max_write_zeroes_sectors = VBLK_MAX_DISCARD_SECT;
		b->cfg.max_write_zeroes_seg = VBLK_MAX_DISCARD_SEG;
		b->cfg.write_zeroes_may_unmap = 1;
	}
	rc = virtio_dev_init(&b->vs, &vblk_virtio_ops, dev, cfg, feat, &b->cfg, sizeof(b->cfg));
	if (rc != 0)
		goto fail;
	for (int i = 0; i < VBLK_WORKERS; i++) {
		if (pthread_create(&b->workers[i], NULL, vblk_worker, b) != 0) {
			vblk_stop_workers(b);
			virtio_dev_deinit(&b->vs);
			rc = -EAGAIN;
			goto fail;
		}
		b->nworkers++;
	}
	vblk_async_init(b);
	return 0;
fail:
	vblk_free(b);
	dev->arg = NULL;
	return rc;
}

static void vblk_deinit(struct vmctx *ctx, struct pci_vdev *dev)
{
	struct virtio_blk *b = dev->arg;

	if (b == NULL)
		return;
	pthread_mutex_lock(&b->vs.mtx);
	vblk_drain(b);
	vblk_async_stop(b);
	/*
	 * How the guest shaped its I/O: buffers per request (header and status
	 * included); and what the kick thread cost per wake-up, from the eventfd
	 * read returning to the irqfd signalled (walk, inline reads, used ring).
	 */
	if (b->nreq > 0)
		pr_info("%u:%u: %llu requests, %.1f guest buffers per request", dev->slot, dev->func,
			(unsigned long long)b->nreq, (double)b->nbuf / (double)b->nreq);
	for (unsigned int c = 0; c < 3; c++) {
		static const char *const what[3] = { "<= 4 KiB", "4-128 KiB", "> 128 KiB" };
		uint64_t n = __atomic_load_n(&b->kick_n[c], __ATOMIC_RELAXED);

		if (n > 0)
			pr_info("%u:%u: kick thread, wake-ups with %s of data: %llu, %llu TSC ticks each",
				dev->slot, dev->func, what[c], (unsigned long long)n,
				(unsigned long long)(__atomic_load_n(&b->kick_tsc[c],
								     __ATOMIC_RELAXED) / n));
	}
	pthread_mutex_unlock(&b->vs.mtx);
	vblk_stop_workers(b);
	virtio_dev_deinit(&b->vs);
	vblk_free(b);
}

int virtio_blk_rescan(struct vmctx *ctx, int slot, int func, const char *path)
{
	struct pci_vdev *dev = pci_get_vdev(ctx, 0, slot, func);
	struct virtio_blk *b;
	uint64_t nsect;
	int fd, old, rc;

	if (dev == NULL || dev->ops != &pci_ops_virtio_blk || dev->arg == NULL || path == NULL)
		return -ENODEV;
	b = dev->arg;
	rc = vblk_open(path, b->ro, &fd, &nsect);
	if (rc != 0)
		return rc;
	pthread_mutex_lock(&b->vs.mtx);
	vblk_drain(b);		/* nothing uses the old file any more */
	old = b->fd;
	b->fd = fd;
	vblk_set_inline(b, fd);
	snprintf(b->path, sizeof(b->path), "%s", path);
	vblk_set_capacity(b, nsect);
	virtio_config_changed(&b->vs);	/* §5.2.2: capacity lives in config space */
	pthread_mutex_unlock(&b->vs.mtx);
	close(old);
	pr_info("%u:%u now backed by %s (%llu sectors)", (unsigned int)slot, (unsigned int)func,
		path, (unsigned long long)nsect);
	return 0;
}

static const struct pci_vdev_ops pci_ops_virtio_blk = {
	.class_name = "virtio-blk",
	.vdev_init = vblk_init,
	.vdev_deinit = vblk_deinit,
	.vdev_barwrite = virtio_pci_barwrite,
	.vdev_barread = virtio_pci_barread,
	.vdev_reset = virtio_pci_reset,
};
PCI_VDEV_REGISTER(pci_ops_virtio_blk);

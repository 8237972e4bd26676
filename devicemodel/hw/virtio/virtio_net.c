/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * virtio-net (Virtio 1.2 §5.1) on a Linux tap device.
 *
 *   -s N,virtio-net,tap=NAME[,mac=xx:xx:xx:xx:xx:xx][,vhost]  (ACRN's bare "tapNAME" works too)
 *
 * Queue 0 receives, queue 1 transmits; no control queue, no offloads.  The tap
 * is opened with IFF_TAP | IFF_NO_PI | IFF_VNET_HDR and a 12-byte virtio-net
 * header on its side; the guest's header is 12 bytes with VERSION_1 or
 * MRG_RXBUF, 10 otherwise (§5.1.6), and we convert.  One thread polls the tap
 * and an eventfd (kicks), and moves frames both ways, so a vCPU never waits
 * for the network.
 *
 * With `vhost` the kernel's vhost-net serves both queues once the driver sets
 * DRIVER_OK (vhost_net.c); that thread then only idles, and any failure falls
 * back to it.  Every queue notification acrn-dm itself handles is counted and
 * the count printed at exit: with vhost running it stays 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "pci_core.h"
#include "vmctx.h"
#include "virtio/vhost_net.h"
#include "virtio/virtio_core.h"
#include "virtio/virtio_net.h"

#define DM_LOG_PREFIX "virtio-net: "
#include "dm_log.h"

#define VNET_QSIZE		256
#define VNET_HDR_TAP		12	/* struct virtio_net_hdr_v1 on the tap side */
#define VNET_FRAME_MAX		(65535 + VNET_HDR_TAP)
#define VNET_TUN_PATH		"/dev/net/tun"

#define VIRTIO_NET_S_LINK_UP	1

/* Device configuration (§5.1.4). */
struct vnet_config {
	uint8_t mac[6];
	uint16_t status;
	uint16_t max_virtqueue_pairs;
} __attribute__((packed));

struct virtio_net {
	struct virtio_dev vs;	/* first */
	struct vnet_config cfg;
	char ifname[IFNAMSIZ];
	int tap_fd;
	int wake_fd;
	bool rx_ready;		/* guest posted rx buffers since we last ran dry (vs.mtx) */
	bool tx_kicked;		/* (vs.mtx) */
	bool quit;
	pthread_t thread;
	bool thread_started;
	uint8_t *rxbuf;		/* one frame read from the tap, waiting for guest buffers */
	size_t rx_pending;	/* its length, 0 if none */
	uint8_t *txbuf;
	bool drop_logged;
	struct vhost_net *vhost;	/* NULL: user space only */
	uint64_t notifies;		/* queue notifications acrn-dm handled (vs.mtx) */
};

static void vnet_wake(struct virtio_net *n)
{
	uint64_t one = 1;

	if (write(n->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		pr_warn("cannot wake the I/O thread: %s", strerror(errno));
}

/* §5.1.6: the header has num_buffers (12 bytes) with VERSION_1 or MRG_RXBUF. */
static size_t vnet_guest_hdr_len(const struct virtio_net *n)
{
	return virtio_has_feature(&n->vs, VIRTIO_F_VERSION_1) ||
	       virtio_has_feature(&n->vs, VIRTIO_NET_F_MRG_RXBUF) ? 12 : 10;
}

/* §5.1.6.2: transmit every chain: guest header + frame -> tap header + frame. */
static void vnet_tx(struct virtio_net *n)
{
	struct iovec iov[VNET_QSIZE];
	size_t gh = vnet_guest_hdr_len(n);
	struct vq_chain c;
	bool any = false;

	while (virtio_getchain(&n->vs, VIRTIO_NET_TXQ, iov, VNET_QSIZE, &c) > 0) {
		size_t len = c.read_len > VNET_FRAME_MAX ? VNET_FRAME_MAX : (size_t)c.read_len;

		if (len > gh) {
			/* No offloads were offered, so the tap header is all zeroes. */
			memset(n->txbuf, 0, VNET_HDR_TAP);
			virtio_iov_to_buf(iov, c.nread, gh, n->txbuf + VNET_HDR_TAP,
					  VNET_FRAME_MAX - VNET_HDR_TAP);
			len = len - gh + VNET_HDR_TAP;
			if (len > VNET_FRAME_MAX)
				len = VNET_FRAME_MAX;
			if (write(n->tap_fd, n->txbuf, len) < 0 && !n->drop_logged) {
				pr_warn("%s: frame dropped: %s", n->ifname, strerror(errno));
				n->drop_logged = true;
			}
		}
		vq_relchain(&n->vs.q[VIRTIO_NET_TXQ].vq, c.head, 0);
		any = true;
	}
	if (any)
		virtio_queue_interrupt(&n->vs, VIRTIO_NET_TXQ);
}

/*
 * §5.1.6.3/§5.1.6.4: deliver the pending frame into one chain, or (MRG_RXBUF)
 * as many as it needs.  Returns false if the guest has too few buffers: the
 * frame stays pending and the chains go back.
 */
static bool vnet_rx_deliver(struct virtio_net *n)
{
	static const uint16_t max_chains = VNET_QSIZE;
	struct iovec iov[VNET_QSIZE], first[VNET_QSIZE];
	uint32_t lens[VNET_QSIZE];
	uint16_t heads[VNET_QSIZE];
	unsigned int first_n = 0;
	size_t gh = vnet_guest_hdr_len(n);
	size_t payload = n->rx_pending - VNET_HDR_TAP, off = 0;
	bool mrg = virtio_has_feature(&n->vs, VIRTIO_NET_F_MRG_RXBUF);
	uint8_t hdr[12] = { 0 };
	uint16_t cnt = 0;
	struct vq_chain c;

	while (cnt == 0 || off < payload) {
		size_t room, hl = cnt == 0 ? gh : 0, take;

		if (cnt == max_chains || (cnt > 0 && !mrg)) {
			/* It can never fit: drop the frame, keep the buffers. */
			vq_retchains(&n->vs.q[VIRTIO_NET_RXQ].vq, cnt);
			if (!n->drop_logged)
				pr_warn("%s: rx buffer too small for a %zu-byte frame, dropped",
					n->ifname, payload);
			n->drop_logged = true;
			n->rx_pending = 0;
			return true;
		}
		if (virtio_getchain(&n->vs, VIRTIO_NET_RXQ, iov, VNET_QSIZE, &c) <= 0) {
			vq_retchains(&n->vs.q[VIRTIO_NET_RXQ].vq, cnt);
			return false;
		}
		room = c.write_len;
		if (room < hl) {	/* not even room for the header */
			vq_retchains(&n->vs.q[VIRTIO_NET_RXQ].vq, (uint16_t)(cnt + 1));
			virtio_dev_fail(&n->vs, "rx buffer smaller than the header");
			return true;
		}
		take = payload - off < room - hl ? payload - off : room - hl;
		virtio_buf_to_iov(iov + c.nread, c.niov - c.nread, hl,
				  n->rxbuf + VNET_HDR_TAP + off, take);
		if (cnt == 0) {
			first_n = c.niov - c.nread;
			memcpy(first, iov + c.nread, first_n * sizeof(first[0]));
		}
		off += take;
		heads[cnt] = c.head;
		lens[cnt] = (uint32_t)(take + hl);
		cnt++;
	}
	/* Header last: num_buffers is known now (bytes 10-11, little-endian). */
	hdr[10] = (uint8_t)cnt;
	hdr[11] = (uint8_t)(cnt >> 8);
	virtio_buf_to_iov(first, first_n, 0, hdr, gh);
	for (uint16_t i = 0; i < cnt; i++)
		vq_relchain(&n->vs.q[VIRTIO_NET_RXQ].vq, heads[i], lens[i]);
	virtio_queue_interrupt(&n->vs, VIRTIO_NET_RXQ);
	n->rx_pending = 0;
	return true;
}

/* Read frames from the tap while the guest has room (vs.mtx held). */
static void vnet_rx(struct virtio_net *n)
{
	for (int budget = 0; budget < 64; budget++) {
		if (n->rx_pending == 0) {
			ssize_t r = read(n->tap_fd, n->rxbuf, VNET_FRAME_MAX);

			if (r <= VNET_HDR_TAP)
				return;	/* EAGAIN, or a runt not worth a buffer */
			n->rx_pending = (size_t)r;
		}
		if (!virtio_dev_running(&n->vs) || !vnet_rx_deliver(n)) {
			n->rx_ready = false;	/* wait for the next rx kick */
			return;
		}
	}
}

static void *vnet_thread(void *arg)
{
	struct virtio_net *n = arg;

	for (;;) {
		struct pollfd p[2] = { { .fd = n->wake_fd, .events = POLLIN },
				       { .fd = n->tap_fd, .events = POLLIN } };
		nfds_t np = 1;
		uint64_t v;

		pthread_mutex_lock(&n->vs.mtx);
		if (n->quit) {
			pthread_mutex_unlock(&n->vs.mtx);
			break;
		}
		if (n->tx_kicked) {
			n->tx_kicked = false;
			vnet_tx(n);
		}
		if (n->rx_ready) {
			vnet_rx(n);
			np = n->rx_ready ? 2 : 1;
		}
		pthread_mutex_unlock(&n->vs.mtx);

		if (poll(p, np, -1) < 0)
			continue;
		if ((p[0].revents & POLLIN) && read(n->wake_fd, &v, sizeof(v)) < 0 &&
		    errno != EAGAIN)
			pr_warn("wake read failed: %s", strerror(errno));
	}
	return NULL;
}

static void vnet_notify(struct virtio_dev *vs, unsigned int q)
{
	struct virtio_net *n = (struct virtio_net *)vs;

	n->notifies++;
	if (vhost_net_running(n->vhost)) {
		vhost_net_kick(n->vhost, q);
		return;
	}
	if (q == VIRTIO_NET_TXQ)
		n->tx_kicked = true;
	else
		n->rx_ready = true;
	vnet_wake(n);
}

static void vnet_driver_ok(struct virtio_dev *vs)
{
	struct virtio_net *n = (struct virtio_net *)vs;

	if (n->vhost != NULL && vhost_net_start(n->vhost, vnet_guest_hdr_len(n)) == 0)
		return;
	n->rx_ready = true;
	n->tx_kicked = true;
	vnet_wake(n);
}

static void vnet_reset(struct virtio_dev *vs)
{
	struct virtio_net *n = (struct virtio_net *)vs;

	vhost_net_stop(n->vhost);
	n->rx_ready = false;
	n->tx_kicked = false;
	n->rx_pending = 0;
}

static const struct virtio_ops vnet_virtio_ops = {
	.name = "virtio-net",
	.type = VIRTIO_ID_NET,
	.legacy_pci_id = VIRTIO_DEV_TRANS_BASE + 0,
	.pci_class = 0x02,
	.pci_subclass = 0x00,
	.nqueues = 2,
	.qsize = VNET_QSIZE,
	.reset = vnet_reset,
	.qnotify = vnet_notify,
	.driver_ok = vnet_driver_ok,
};

/* Open (or create) tap @p name with a 12-byte vnet header and no offloads. */
static int vnet_open_tap(struct virtio_net *n, const char *name)
{
	struct ifreq ifr;
	int hdr = VNET_HDR_TAP, fd, e;

	fd = open(VNET_TUN_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		pr_err("cannot open %s: %s", VNET_TUN_PATH, strerror(e));
		return -e;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) != 0 || ioctl(fd, TUNSETVNETHDRSZ, &hdr) != 0 ||
	    ioctl(fd, TUNSETOFFLOAD, 0) != 0) {
		e = errno;
		pr_err("cannot attach tap %s: %s", name, strerror(e));
		close(fd);
		return -e;
	}
	snprintf(n->ifname, sizeof(n->ifname), "%s", ifr.ifr_name);
	n->tap_fd = fd;
	return 0;
}

/* A stable, locally administered unicast MAC from the VM name and the slot. */
static void vnet_default_mac(struct virtio_net *n, struct vmctx *ctx, const struct pci_vdev *dev)
{
	const struct dm_config *cfg = ctx->cfg;
	char key[128];
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */

	snprintf(key, sizeof(key), "%s/%s/%u/%u", cfg != NULL && cfg->mac_seed != NULL ?
		 cfg->mac_seed : "", cfg != NULL && cfg->vm_name != NULL ? cfg->vm_name : "",
		 dev->slot, dev->func);
	for (const char *p = key; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ULL;
	for (int i = 0; i < 6; i++)
		n->cfg.mac[i] = (uint8_t)(h >> (8 * i));
	n->cfg.mac[0] = (uint8_t)((n->cfg.mac[0] & 0xfc) | 0x02);
}

static int vnet_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char end;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &end) != 6 || strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	if (mac[0] & 1)
		return -EINVAL;	/* multicast */
	return 0;
}

static int vnet_config(struct virtio_net *n, struct vmctx *ctx, struct pci_vdev *dev,
		       const struct dm_dev_config *cfg, const char **tap)
{
	const char *mac = dm_dev_opt(cfg, "mac"), *pos = dm_dev_positional(cfg, 0);

	*tap = dm_dev_opt(cfg, "tap");
	if (*tap == NULL && pos != NULL && strncmp(pos, "tap", 3) == 0)
		*tap = pos;	/* ACRN's "-s 4,virtio-net,tap0" */
	if (*tap == NULL || **tap == '\0' || strlen(*tap) >= IFNAMSIZ) {
		pr_err("usage: -s N,virtio-net,tap=NAME[,mac=xx:xx:xx:xx:xx:xx][,vhost]");
		return -EINVAL;
	}
	if (mac != NULL) {
		if (vnet_parse_mac(mac, n->cfg.mac) != 0) {
			pr_err("bad mac=%s (want a unicast xx:xx:xx:xx:xx:xx)", mac);
			return -EINVAL;
		}
	} else {
		vnet_default_mac(n, ctx, dev);
	}
	n->cfg.status = VIRTIO_NET_S_LINK_UP;
	n->cfg.max_virtqueue_pairs = 1;
	return 0;
}

static void vnet_free(struct virtio_net *n)
{
	vhost_net_close(n->vhost);
	if (n->tap_fd >= 0)
		close(n->tap_fd);
	if (n->wake_fd >= 0)
		close(n->wake_fd);
	free(n->rxbuf);
	free(n->txbuf);
	free(n);
}

static int vnet_init(struct vmctx *ctx, struct pci_vdev *dev, const struct dm_dev_config *cfg)
{
	struct virtio_net *n = calloc(1, sizeof(*n));
	const char *tap = NULL;
	uint64_t feat = (1ULL << VIRTIO_NET_F_MAC) | (1ULL << VIRTIO_NET_F_MRG_RXBUF) |
			(1ULL << VIRTIO_NET_F_STATUS);
	int rc;

	if (n == NULL)
		return -ENOMEM;
	n->tap_fd = -1;
	n->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	n->rxbuf = malloc(VNET_FRAME_MAX);
	n->txbuf = malloc(VNET_FRAME_MAX);
	rc = n->wake_fd < 0 || n->rxbuf == NULL || n->txbuf == NULL ? -ENOMEM :
	     vnet_config(n, ctx, dev, cfg, &tap);
	if (rc == 0)
		rc = vnet_open_tap(n, tap);
	if (rc == 0)
		rc = virtio_dev_init(&n->vs, &vnet_virtio_ops, dev, cfg, feat, &n->cfg,
				     sizeof(n->cfg));
	if (rc == 0 && dm_dev_has_flag(cfg, "vhost"))
		n->vhost = vhost_net_open(&n->vs, n->tap_fd, n->ifname);
	if (rc == 0) {
		if (pthread_create(&n->thread, NULL, vnet_thread, n) != 0) {
			virtio_dev_deinit(&n->vs);
			rc = -EAGAIN;
		} else {
			n->thread_started = true;
		}
	}
	if (rc != 0) {
		vnet_free(n);
		dev->arg = NULL;
	}
	return rc;
}

static void vnet_deinit(struct vmctx *ctx, struct pci_vdev *dev)
{
	struct virtio_net *n = dev->arg;

	if (n == NULL)
		return;
	pthread_mutex_lock(&n->vs.mtx);
	n->quit = true;
	pthread_mutex_unlock(&n->vs.mtx);
	vnet_wake(n);
	if (n->thread_started)
		pthread_join(n->thread, NULL);
	pthread_mutex_lock(&n->vs.mtx);
	vhost_net_close(n->vhost);
	n->vhost = NULL;
	pr_info("%s: %llu queue notifications handled by acrn-dm", n->ifname,
		(unsigned long long)n->notifies);
	pthread_mutex_unlock(&n->vs.mtx);
	virtio_dev_deinit(&n->vs);
	vnet_free(n);
}

static const struct pci_vdev_ops pci_ops_virtio_net;

int virtio_net_stats(struct vmctx *ctx, int slot, int func, uint64_t *notifies, bool *vhost)
{
	struct pci_vdev *dev = pci_get_vdev(ctx, 0, slot, func);
	struct virtio_net *n;

	if (dev == NULL || dev->ops != &pci_ops_virtio_net || dev->arg == NULL)
		return -ENODEV;
	n = dev->arg;
	pthread_mutex_lock(&n->vs.mtx);
	*notifies = n->notifies;
	*vhost = vhost_net_running(n->vhost);
	pthread_mutex_unlock(&n->vs.mtx);
	return 0;
}

static const struct pci_vdev_ops pci_ops_virtio_net = {
	.class_name = "virtio-net",
	.vdev_init = vnet_init,
	.vdev_deinit = vnet_deinit,
	.vdev_barwrite = virtio_pci_barwrite,
	.vdev_barread = virtio_pci_barread,
	.vdev_reset = virtio_pci_reset,
};
PCI_VDEV_REGISTER(pci_ops_virtio_net);

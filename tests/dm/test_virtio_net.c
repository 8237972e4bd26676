/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * virtio-net on a real tap device (created by the device; we are root here):
 * guest transmit appears on the tap, frames sent into the tap reach the
 * guest's receive buffers (one buffer, or several with MRG_RXBUF), the MAC
 * is stable and locally administered, the link is up.  The tap part is
 * skipped only when /dev/net/tun cannot be used (not root).
 */
#include "virtio_driver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define SLOT_NET	4
#define QSZ		32
#define RXQ		0
#define TXQ		1
#define F_V1		(1ULL << VIRTIO_F_VERSION_1)
#define F_MAC		(1ULL << 5)
#define F_MRG		(1ULL << 15)
#define F_STATUS	(1ULL << 16)
#define ETHERTYPE_TEST	0x88b5		/* IEEE local experimental */
#define RXBUF		(VD_DATA + 0x10000)

struct net_fixture {
	struct dmtest_vm vm;
	char ifname[IFNAMSIZ];
	int pkt;			/* AF_PACKET socket bound to the tap */
};

static int ifup(const char *name)
{
	struct ifreq ifr = { 0 };
	char path[128];
	int s, fd, rc;

	/* No IPv6 chatter (router solicitations, MLD) on the test wire. */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);
	fd = open(path, O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			perror("disable_ipv6");
		close(fd);
	}
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	rc = ioctl(s, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	if (rc == 0)
		rc = ioctl(s, SIOCSIFFLAGS, &ifr);
	close(s);
	return rc;
}

static int packet_socket(const char *name)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));

	if (s < 0)
		return -1;
	sll.sll_ifindex = (int)if_nametoindex(name);
	if (sll.sll_ifindex == 0 || bind(s, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
		close(s);
		return -1;
	}
	return s;
}

static int setup(void **state)
{
	struct net_fixture *f = calloc(1, sizeof(*f));
	char dev[64];

	if (f == NULL)
		return -1;
	f->pkt = -1;
	snprintf(f->ifname, sizeof(f->ifname), "vnt%d", (int)(getpid() % 100000));
	snprintf(dev, sizeof(dev), "4,virtio-net,tap=%s", f->ifname);
	if (dmtest_vm_create(&f->vm, "-m", "64M", "-s", dev, "vm", NULL) != 0) {
		print_message("SKIP: tap unavailable (%s)\n", f->vm.err);
		dmtest_vm_destroy(&f->vm);
		free(f);
		*state = NULL;
		return 0;
	}
	if (ifup(f->ifname) != 0 || (f->pkt = packet_socket(f->ifname)) < 0) {
		print_error("cannot bring %s up: %s\n", f->ifname, strerror(errno));
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct net_fixture *f = *state;

	if (f == NULL)
		return 0;
	close(f->pkt);
	dmtest_vm_destroy(&f->vm);	/* closing the tap fd removes the interface */
	free(f);
	return 0;
}

#define NEED_TAP(f)						\
	do {							\
		if ((f) == NULL) {				\
			skip();					\
			return;					\
		}						\
	} while (0)

static void make_frame(uint8_t *fr, size_t len, const uint8_t *dst, uint8_t seed)
{
	static const uint8_t src[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };

	memcpy(fr, dst, 6);
	memcpy(fr + 6, src, 6);
	fr[12] = ETHERTYPE_TEST >> 8;
	fr[13] = ETHERTYPE_TEST & 0xff;
	for (size_t i = 14; i < len; i++)
		fr[i] = (uint8_t)(seed + i);
}

/* Wait for a test-ethertype frame on the packet socket; return its length. */
static ssize_t pkt_recv(int s, uint8_t *buf, size_t cap)
{
	for (int i = 0; i < 100; i++) {
		struct pollfd p = { .fd = s, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 50) != 1)
			continue;
		n = recv(s, buf, cap, 0);
		if (n >= 14 && buf[12] == (ETHERTYPE_TEST >> 8) && buf[13] == (ETHERTYPE_TEST & 0xff))
			return n;
	}
	return -1;
}

static void mac_of(struct vdrv *d, uint8_t mac[6])
{
	for (uint32_t i = 0; i < 6; i++)
		mac[i] = (uint8_t)vd_devcfg_r(d, i, 1);
}

static void test_virtio_net_config_mac_stable_local_and_link_up(void **state)
{
	struct net_fixture *f = *state;
	uint8_t mac[6], mac2[6];
	struct dmtest_vm vm2;
	struct vdrv d;
	char dev[64];
	uint64_t feat;

	NEED_TAP(f);
	vd_open(&d, f->vm.ctx, SLOT_NET, false);
	assert_int_equal(vd_cfg_r(&d, PCIR_DEVICE, 2), 0x1000);
	assert_int_equal(vd_cfg_r(&d, PCIR_CLASS, 1), 0x02);
	feat = vd_dev_features(&d);
	assert_true((feat & (F_MAC | F_MRG | F_STATUS)) == (F_MAC | F_MRG | F_STATUS));
	mac_of(&d, mac);
	assert_int_equal(mac[0] & 3, 2);			/* local, unicast */
	assert_int_equal(vd_devcfg_r(&d, 6, 2), 1);		/* VIRTIO_NET_S_LINK_UP */
	vd_set_status(&d, 0);

	/* Same VM name and slot: same MAC.  Another slot: another MAC. */
	snprintf(dev, sizeof(dev), "4,virtio-net,tap=%sb", f->ifname);
	assert_int_equal(dmtest_vm_create(&vm2, "-m", "16M", "-s", dev, "vm", NULL), 0);
	vd_open(&d, vm2.ctx, SLOT_NET, false);
	mac_of(&d, mac2);
	assert_memory_equal(mac, mac2, 6);
	dmtest_vm_destroy(&vm2);
	snprintf(dev, sizeof(dev), "5,virtio-net,tap=%sb", f->ifname);
	assert_int_equal(dmtest_vm_create(&vm2, "-m", "16M", "-s", dev, "vm", NULL), 0);
	vd_open(&d, vm2.ctx, 5, false);
	mac_of(&d, mac2);
	assert_memory_not_equal(mac, mac2, 6);
	dmtest_vm_destroy(&vm2);
	/* An explicit mac= wins; a multicast one is refused. */
	snprintf(dev, sizeof(dev), "4,virtio-net,tap=%sb,mac=52:54:00:12:34:56", f->ifname);
	assert_int_equal(dmtest_vm_create(&vm2, "-m", "16M", "-s", dev, "vm", NULL), 0);
	vd_open(&d, vm2.ctx, SLOT_NET, true);
	mac_of(&d, mac2);
	assert_memory_equal(mac2, "\x52\x54\x00\x12\x34\x56", 6);
	dmtest_vm_destroy(&vm2);
	snprintf(dev, sizeof(dev), "4,virtio-net,tap=%sb,mac=01:54:00:12:34:56", f->ifname);
	assert_int_not_equal(dmtest_vm_create(&vm2, "-m", "16M", "-s", dev, "vm", NULL), 0);
	dmtest_vm_destroy(&vm2);
}

static void test_virtio_net_tx_frame_appears_on_tap(void **state)
{
	struct net_fixture *f = *state;
	uint8_t frame[12 + 100], got[2048];
	struct vd_buf b[2];
	struct vdrv d;
	uint32_t id;

	NEED_TAP(f);
	vd_open(&d, f->vm.ctx, SLOT_NET, false);
	vd_bringup(&d, F_V1 | F_MAC, 2, QSZ);
	memset(frame, 0, 12);
	make_frame(frame + 12, 100, (const uint8_t *)"\xff\xff\xff\xff\xff\xff", 7);
	assert_int_equal(vmm_test_gpa_write(d.ctx, VD_DATA, frame, sizeof(frame)), 0);
	/* Header and frame in separate descriptors, as Linux does without ANY_LAYOUT. */
	b[0] = (struct vd_buf){ VD_DATA, 12, false };
	b[1] = (struct vd_buf){ VD_DATA + 12, 100, false };
	vd_post(&d, TXQ, b, 2);
	vd_kick(&d, TXQ);
	assert_int_equal(vd_wait_used(&d, TXQ, &id, NULL, 5000), 0);
	assert_int_equal(pkt_recv(f->pkt, got, sizeof(got)), 100);
	assert_memory_equal(got, frame + 12, 100);
	vd_set_status(&d, 0);
}

/* Send a frame into the tap and wait for the guest to receive one test frame. */
static void rx_expect(struct net_fixture *f, struct vdrv *d, size_t flen, size_t hdrlen,
		      uint16_t want_bufs, uint32_t bufsz)
{
	uint8_t frame[1514], got[4096];
	uint8_t mac[6];
	uint32_t id, len, total = 0;
	uint16_t nb;

	mac_of(d, mac);
	make_frame(frame, flen, mac, 3);
	assert_int_equal(send(f->pkt, frame, flen, 0), (ssize_t)flen);
	assert_int_equal(vd_wait_used(d, RXQ, &id, &len, 5000), 0);
	/* Descriptor id i was posted as buffer RXBUF + i * bufsz (one per chain). */
	assert_int_equal(vmm_test_gpa_read(d->ctx, RXBUF + id * (uint64_t)bufsz, got, len), 0);
	total = len;
	nb = hdrlen == 12 ? (uint16_t)(got[10] | got[11] << 8) : 1;
	assert_int_equal(nb, want_bufs);
	for (uint16_t i = 1; i < nb; i++) {
		uint32_t l2;

		assert_int_equal(vd_wait_used(d, RXQ, &id, &l2, 1000), 0);
		assert_int_equal(vmm_test_gpa_read(d->ctx, RXBUF + id * (uint64_t)bufsz,
						   got + total, l2), 0);
		total += l2;
	}
	assert_int_equal(total, hdrlen + flen);
	assert_memory_equal(got + hdrlen, frame, flen);
	assert_int_equal(got[0], 0);				/* no offload flags */
}

static void post_rx_buffers(struct vdrv *d, int n, uint32_t bufsz)
{
	for (int i = 0; i < n; i++) {
		struct vd_buf b = { RXBUF + (uint64_t)i * bufsz, bufsz, true };

		vd_post(d, RXQ, &b, 1);
	}
	vd_kick(d, RXQ);
}

static void test_virtio_net_rx_frame_reaches_guest_with_msi(void **state)
{
	struct net_fixture *f = *state;
	struct vmm_test_state *st;
	struct vdrv d;
	size_t n0;

	NEED_TAP(f);
	st = vmm_test_get(f->vm.ctx);
	vd_open(&d, f->vm.ctx, SLOT_NET, false);
	vd_bringup(&d, F_V1 | F_MAC, 2, QSZ);
	post_rx_buffers(&d, 8, 2048);
	n0 = st->nmsi;
	rx_expect(f, &d, 200, 12, 1, 2048);
	assert_true(vd_msi_count(d.ctx, n0, 0x41) >= 1);
	vd_set_status(&d, 0);
}

static void test_virtio_net_rx_mergeable_spreads_frame_over_buffers(void **state)
{
	struct net_fixture *f = *state;
	struct vdrv d;

	NEED_TAP(f);
	vd_open(&d, f->vm.ctx, SLOT_NET, false);
	vd_bringup(&d, F_V1 | F_MAC | F_MRG, 2, QSZ);
	post_rx_buffers(&d, 16, 128);
	rx_expect(f, &d, 500, 12, 4, 128);			/* 512 bytes in 128-byte buffers */
	vd_set_status(&d, 0);
}

static void test_virtio_net_legacy_rx_uses_10_byte_header(void **state)
{
	struct net_fixture *f = *state;
	struct vdrv d;

	NEED_TAP(f);
	vd_open(&d, f->vm.ctx, SLOT_NET, true);
	vd_bringup(&d, F_MAC, 2, 0);
	post_rx_buffers(&d, 8, 2048);
	rx_expect(f, &d, 80, 10, 1, 2048);
	vd_set_status(&d, 0);
}

static void test_virtio_net_rejects_missing_tap(void **state)
{
	struct dmtest_vm vm;

	assert_int_not_equal(dmtest_vm_create(&vm, "-m", "16M", "-s", "4,virtio-net", "vm", NULL), 0);
	dmtest_vm_destroy(&vm);
	assert_int_not_equal(dmtest_vm_create(&vm, "-m", "16M", "-s",
					      "4,virtio-net,tap=name-far-too-long-for-ifnamsiz",
					      "vm", NULL), 0);
	dmtest_vm_destroy(&vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_virtio_net_config_mac_stable_local_and_link_up),
		cmocka_unit_test(test_virtio_net_tx_frame_appears_on_tap),
		cmocka_unit_test(test_virtio_net_rx_frame_reaches_guest_with_msi),
		cmocka_unit_test(test_virtio_net_rx_mergeable_spreads_frame_over_buffers),
		cmocka_unit_test(test_virtio_net_legacy_rx_uses_10_byte_header),
		cmocka_unit_test(test_virtio_net_rejects_missing_tap),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

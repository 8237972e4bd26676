/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * virtio-net with `vhost` (VBS-K).  This host has no /dev/vhost-net, so:
 *  - the fallback is real: a missing device gives one notice and the
 *    user-space back-end, which then handles (and counts) the kicks;
 *  - the set-up sequence runs against a fake kernel (vhost_net_ioctl hook,
 *    /dev/null as the device) and the fake VMM, which records and emulates
 *    ioeventfd/irqfd like the VHM: a kick on a registered notify address
 *    signals the eventfd and never reaches acrn-dm.
 * Needs a tap (root); skipped otherwise.
 */
/* Only the vhost ioctls: the harness has its own ring structures. */
#define _LINUX_VIRTIO_RING_H
#include <linux/vhost.h>

#include "virtio_driver.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "dm_log.h"
#include "guest_mem.h"
#include "pci_core.h"
#include "virtio/vhost_net.h"
#include "virtio/virtio_net.h"

#define SLOT_NET	4
#define QSZ		32
#define RXQ		VIRTIO_NET_RXQ
#define TXQ		VIRTIO_NET_TXQ
#define F_V1		(1ULL << VIRTIO_F_VERSION_1)
#define F_MAC		(1ULL << VIRTIO_NET_F_MAC)
#define F_MRG		(1ULL << VIRTIO_NET_F_MRG_RXBUF)
#define F_EVENT_IDX	(1ULL << VIRTIO_RING_F_EVENT_IDX)
#define F_INDIRECT	(1ULL << VIRTIO_RING_F_INDIRECT_DESC)
#define MAX_CALLS	64

/* The fake kernel: every ioctl in order, what it was given. */
struct fake_call {
	unsigned long req;
	unsigned int index;
	uint64_t val;			/* num, fd or features */
	struct vhost_vring_addr addr;
	struct vhost_memory_region mem[4];
	uint32_t nregions;
};

static struct {
	struct fake_call c[MAX_CALLS];
	int n;
	uint64_t features;		/* what GET_FEATURES reports */
	unsigned long fail_req;		/* this request fails with EIO */
} fk;

static int fake_ioctl(int fd, unsigned long req, void *arg)
{
	struct fake_call *c;

	(void)fd;
	if (fk.n >= MAX_CALLS)
		return errno = ENOSPC, -1;
	c = &fk.c[fk.n++];
	memset(c, 0, sizeof(*c));
	c->req = req;
	if (req == fk.fail_req)
		return errno = EIO, -1;
	switch (req) {
	case VHOST_GET_FEATURES:
		*(uint64_t *)arg = fk.features;
		break;
	case VHOST_SET_FEATURES:
		c->val = *(uint64_t *)arg;
		break;
	case VHOST_SET_MEM_TABLE: {
		const struct vhost_memory *m = arg;

		c->nregions = m->nregions;
		for (uint32_t i = 0; i < m->nregions && i < 4; i++)
			c->mem[i] = m->regions[i];
		break;
	}
	case VHOST_SET_VRING_NUM:
	case VHOST_SET_VRING_BASE:
	case VHOST_GET_VRING_BASE:
		c->index = ((struct vhost_vring_state *)arg)->index;
		c->val = ((struct vhost_vring_state *)arg)->num;
		break;
	case VHOST_SET_VRING_ADDR:
		c->addr = *(struct vhost_vring_addr *)arg;
		c->index = c->addr.index;
		break;
	case VHOST_SET_VRING_KICK:
	case VHOST_SET_VRING_CALL:
	case VHOST_NET_SET_BACKEND:
		c->index = ((struct vhost_vring_file *)arg)->index;
		c->val = (uint64_t)(int64_t)((struct vhost_vring_file *)arg)->fd;
		break;
	default:
		break;
	}
	return 0;
}

/* The last call of @p req on queue @p index (index ignored if < 0), or NULL. */
static const struct fake_call *fk_find(unsigned long req, int index)
{
	for (int i = fk.n - 1; i >= 0; i--)
		if (fk.c[i].req == req && (index < 0 || fk.c[i].index == (unsigned int)index))
			return &fk.c[i];
	return NULL;
}

static int fk_count(unsigned long req)
{
	int n = 0;

	for (int i = 0; i < fk.n; i++)
		n += fk.c[i].req == req;
	return n;
}

/* Captured log lines. */
static char logbuf[8192];

static void log_sink(enum dm_log_level level, const char *line)
{
	(void)level;
	if (strlen(logbuf) + strlen(line) + 2 < sizeof(logbuf)) {
		strcat(logbuf, line);
		strcat(logbuf, "\n");
	}
}

static int log_count(const char *needle)
{
	int n = 0;

	for (const char *p = logbuf; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

struct fixture {
	struct dmtest_vm vm;
	bool up;
};

/* A VM with `-s 4,virtio-net,tap=NAME,vhost`; false (and a skip) without a tap. */
static bool vm_up(struct fixture *f, const char *path)
{
	char dev[64];

	vhost_net_path = path;
	logbuf[0] = '\0';
	dm_log_set_sink(log_sink);
	snprintf(dev, sizeof(dev), "%d,virtio-net,tap=vht%d,vhost", SLOT_NET, (int)(getpid() % 100000));
	f->up = dmtest_vm_create(&f->vm, "-m", "64M", "-s", dev, "vm", NULL) == 0;
	if (!f->up) {
		print_message("SKIP: tap unavailable (%s)\n", f->vm.err);
		dmtest_vm_destroy(&f->vm);
		skip();
	}
	return f->up;
}

static void vm_down(struct fixture *f)
{
	if (f->up)
		dmtest_vm_destroy(&f->vm);
	f->up = false;
	dm_log_set_sink(NULL);
}

static uint64_t notifies(struct fixture *f, bool *vhost)
{
	uint64_t n = ~0ULL;

	assert_int_equal(virtio_net_stats(f->vm.ctx, SLOT_NET, 0, &n, vhost), 0);
	return n;
}

static int setup(void **state)
{
	memset(&fk, 0, sizeof(fk));
	fk.features = F_MRG | F_INDIRECT | F_EVENT_IDX | F_V1 | (1ULL << VHOST_NET_F_VIRTIO_NET_HDR);
	vhost_net_ioctl = fake_ioctl;
	*state = NULL;
	return 0;
}

/* Transmit one small frame and wait until the device hands the buffer back. */
static void tx_one(struct vdrv *d)
{
	uint8_t frame[12 + 60] = { 0 };
	struct vd_buf b = { VD_DATA, sizeof(frame), false };
	uint32_t id;

	memset(frame + 12, 0xff, 6);
	assert_int_equal(vmm_test_gpa_write(d->ctx, VD_DATA, frame, sizeof(frame)), 0);
	vd_post(d, TXQ, &b, 1);
	vd_kick(d, TXQ);
	assert_int_equal(vd_wait_used(d, TXQ, &id, NULL, 5000), 0);
}

static void test_vhost_missing_device_falls_back_with_one_notice(void **state)
{
	struct fixture f = { 0 };
	struct vdrv d;
	bool vh = true;

	(void)state;
	if (!vm_up(&f, "/nonexistent/vhost-net"))
		return;
	assert_int_equal(log_count("vhost unavailable"), 1);
	assert_int_equal(log_count("using the user-space back-end"), 1);
	assert_int_equal(fk.n, 0);
	vd_open(&d, f.vm.ctx, SLOT_NET, false);
	vd_bringup(&d, F_V1 | F_MAC | F_MRG, 2, QSZ);
	tx_one(&d);	/* served by the user-space thread */
	assert_true(notifies(&f, &vh) >= 1);
	assert_false(vh);
	assert_int_equal(vmm_test_get(f.vm.ctx)->nioeventfd, 0);
	vd_set_status(&d, 0);
	assert_int_equal(log_count("using the user-space back-end"), 1);
	vm_down(&f);
}

static void test_vhost_modern_setup_sequence_and_kick_bypasses_dm(void **state)
{
	struct fixture f = { 0 };
	struct vmm_test_state *st;
	const struct fake_call *c;
	struct pci_vdev *pdev;
	struct vdrv d;
	uint64_t v;
	bool vh = false;

	(void)state;
	fk.features &= ~F_EVENT_IDX;	/* a kernel without EVENT_IDX: not offered */
	if (!vm_up(&f, "/dev/null"))
		return;
	assert_int_equal(log_count("vhost-net data plane"), 1);
	assert_non_null(fk_find(VHOST_SET_OWNER, -1));
	vd_open(&d, f.vm.ctx, SLOT_NET, false);
	assert_int_equal(vd_dev_features(&d) & (F_EVENT_IDX | F_MRG | F_INDIRECT | F_V1),
			 F_MRG | F_INDIRECT | F_V1);
	vd_bringup(&d, F_V1 | F_MAC | F_MRG | F_INDIRECT, 2, QSZ);
	assert_int_equal(log_count("user-space back-end"), 0);

	/* Memory table: guest RAM at acrn-dm's mapping; features: the data-plane bits acked. */
	c = fk_find(VHOST_SET_MEM_TABLE, -1);
	assert_non_null(c);
	assert_int_equal(c->nregions, 1);
	assert_int_equal(c->mem[0].guest_phys_addr, 0);
	assert_int_equal(c->mem[0].memory_size, f.vm.ctx->lowmem);
	assert_int_equal(c->mem[0].userspace_addr, (uint64_t)(uintptr_t)f.vm.ctx->mem_base);
	c = fk_find(VHOST_SET_FEATURES, -1);
	assert_non_null(c);
	assert_int_equal(c->val, F_V1 | F_MRG | F_INDIRECT);

	st = vmm_test_get(f.vm.ctx);
	pdev = pci_get_vdev(f.vm.ctx, 0, SLOT_NET, 0);
	assert_int_equal(st->nioeventfd, 4);	/* each queue: I/O and memory notify */
	assert_int_equal(st->nirqfd, 2);
	for (int q = 0; q < 2; q++) {
		uint64_t notify = pdev->bar[VIRTIO_BAR_MODERN].addr + VIRTIO_MODERN_NOTIFY +
				  4ULL * (uint64_t)q;
		uint64_t notify_io = pdev->bar[VIRTIO_BAR_NOTIFY_PIO].addr + 4ULL * (uint64_t)q;
		bool io_found = false, pio_found = false, irq_found = false;

		assert_int_equal(fk_find(VHOST_SET_VRING_NUM, q)->val, QSZ);
		assert_int_equal(fk_find(VHOST_SET_VRING_BASE, q)->val, 0);
		c = fk_find(VHOST_SET_VRING_ADDR, q);
		assert_int_equal(c->addr.desc_user_addr,
				 (uint64_t)(uintptr_t)vm_map_gpa(d.ctx, d.q[q].desc, 1));
		assert_int_equal(c->addr.avail_user_addr,
				 (uint64_t)(uintptr_t)vm_map_gpa(d.ctx, d.q[q].avail, 1));
		assert_int_equal(c->addr.used_user_addr,
				 (uint64_t)(uintptr_t)vm_map_gpa(d.ctx, d.q[q].used, 1));
		/* The kick fd is the ioeventfd on the queue's notify address ... */
		for (size_t i = 0; i < st->nioeventfd; i++) {
			const struct acrn_ioeventfd *e = &st->ioeventfd[i];

			if (e->fd != fk_find(VHOST_SET_VRING_KICK, q)->val || e->len != 2)
				continue;
			io_found |= e->addr == notify && e->flags == 0;
			pio_found |= e->addr == notify_io && e->flags == ACRN_IOEVENTFD_FLAG_PIO;
		}
		/* ... the call fd the irqfd of its MSI-X vector (vd_bringup: q -> q + 1). */
		for (size_t i = 0; i < st->nirqfd; i++)
			if ((uint64_t)st->irqfd[i].fd == fk_find(VHOST_SET_VRING_CALL, q)->val)
				irq_found = st->irqfd[i].msi.msi_data == 0x40 + (uint32_t)q + 1 &&
					    st->irqfd[i].msi.msi_addr == 0xfee00000;
		assert_true(io_found);
		assert_true(pio_found);
		assert_true(irq_found);
		assert_true((int64_t)fk_find(VHOST_NET_SET_BACKEND, q)->val >= 0);
	}

	/* A guest kick completes in the "VHM": the kick eventfd fires, acrn-dm sees nothing. */
	vd_kick(&d, TXQ);
	assert_int_equal(st->ioeventfd_hits, 1);
	assert_int_equal(read((int)fk_find(VHOST_SET_VRING_KICK, TXQ)->val, &v, sizeof(v)), 8);
	assert_int_equal(v, 1);
	assert_int_equal(notifies(&f, &vh), 0);
	assert_true(vh);

	/* Reset: back-end detached, eventfds unregistered, ring bases fetched. */
	vd_set_status(&d, 0);
	assert_int_equal(st->nioeventfd, 0);
	assert_int_equal(st->nirqfd, 0);
	assert_int_equal((int64_t)fk_find(VHOST_NET_SET_BACKEND, RXQ)->val, -1);
	assert_int_equal((int64_t)fk_find(VHOST_NET_SET_BACKEND, TXQ)->val, -1);
	assert_non_null(fk_find(VHOST_GET_VRING_BASE, RXQ));
	assert_non_null(fk_find(VHOST_GET_VRING_BASE, TXQ));
	notifies(&f, &vh);
	assert_false(vh);
	vm_down(&f);
	assert_int_equal(log_count("0 queue notifications handled by acrn-dm"), 1);
}

static void test_vhost_legacy_notify_is_pio_with_queue_index(void **state)
{
	struct fixture f = { 0 };
	struct vmm_test_state *st;
	struct pci_vdev *pdev;
	struct vdrv d;
	bool vh = false;

	(void)state;
	if (!vm_up(&f, "/dev/null"))
		return;
	vd_open(&d, f.vm.ctx, SLOT_NET, true);
	vd_bringup(&d, F_MAC | F_MRG, 2, QSZ);
	st = vmm_test_get(f.vm.ctx);
	pdev = pci_get_vdev(f.vm.ctx, 0, SLOT_NET, 0);
	assert_int_equal(st->nioeventfd, 2);
	for (size_t i = 0; i < st->nioeventfd; i++) {
		assert_int_equal(st->ioeventfd[i].flags,
				 ACRN_IOEVENTFD_FLAG_PIO | ACRN_IOEVENTFD_FLAG_DATAMATCH);
		assert_int_equal(st->ioeventfd[i].addr,
				 pdev->bar[VIRTIO_BAR_LEGACY].addr + VIRTIO_LEG_QUEUE_NOTIFY);
		assert_true(st->ioeventfd[i].data < 2);
	}
	assert_int_not_equal(st->ioeventfd[0].data, st->ioeventfd[1].data);
	assert_int_equal(fk_find(VHOST_SET_FEATURES, -1)->val, F_MRG);
	vd_kick(&d, RXQ);
	vd_kick(&d, TXQ);
	assert_int_equal(st->ioeventfd_hits, 2);
	assert_int_equal(notifies(&f, &vh), 0);
	assert_true(vh);
	vd_set_status(&d, 0);
	vm_down(&f);
}

/* INTx only (no MSI-X): no irqfd possible, so the user-space back-end, one notice. */
static void test_vhost_without_msix_falls_back(void **state)
{
	struct fixture f = { 0 };
	struct vdrv d;
	bool vh = true;

	(void)state;
	if (!vm_up(&f, "/dev/null"))
		return;
	vd_open(&d, f.vm.ctx, SLOT_NET, false);
	assert_int_equal(vd_negotiate(&d, F_V1 | F_MAC) & VIRTIO_S_FEATURES_OK, VIRTIO_S_FEATURES_OK);
	vd_setup_queue(&d, RXQ, QSZ, VIRTIO_NO_VECTOR);
	vd_setup_queue(&d, TXQ, QSZ, VIRTIO_NO_VECTOR);
	vd_driver_ok(&d);
	assert_int_equal(log_count("vhost set-up failed (no MSI-X vector"), 1);
	assert_int_equal(vmm_test_get(f.vm.ctx)->nioeventfd, 0);
	assert_int_equal(vmm_test_get(f.vm.ctx)->nirqfd, 0);
	tx_one(&d);
	assert_true(notifies(&f, &vh) >= 1);
	assert_false(vh);
	vd_set_status(&d, 0);
	vm_down(&f);
}

/* A vhost ioctl failing half-way: everything registered is undone, user space serves. */
static void test_vhost_ioctl_failure_undoes_and_falls_back(void **state)
{
	struct fixture f = { 0 };
	struct vmm_test_state *st;
	struct vdrv d;
	bool vh = true;

	(void)state;
	fk.fail_req = VHOST_NET_SET_BACKEND;
	if (!vm_up(&f, "/dev/null"))
		return;
	vd_open(&d, f.vm.ctx, SLOT_NET, false);
	vd_bringup(&d, F_V1 | F_MAC | F_MRG, 2, QSZ);
	st = vmm_test_get(f.vm.ctx);
	assert_int_equal(log_count("vhost set-up failed (VHOST_NET_SET_BACKEND"), 1);
	assert_int_equal(st->nioeventfd, 0);
	assert_int_equal(st->nirqfd, 0);
	tx_one(&d);
	assert_true(notifies(&f, &vh) >= 1);
	assert_false(vh);
	/* A second bring-up does not repeat the notice. */
	vd_bringup(&d, F_V1 | F_MAC | F_MRG, 2, QSZ);
	assert_int_equal(log_count("vhost set-up failed"), 1);
	vd_set_status(&d, 0);
	fk.fail_req = 0;
	vm_down(&f);
}

/* The kernel refusing ownership at start-up: one notice, no vhost at all. */
static void test_vhost_set_owner_failure_falls_back_at_init(void **state)
{
	struct fixture f = { 0 };
	struct vdrv d;

	(void)state;
	fk.fail_req = VHOST_SET_OWNER;
	if (!vm_up(&f, "/dev/null"))
		return;
	assert_int_equal(log_count("vhost unavailable (VHOST_SET_OWNER"), 1);
	vd_open(&d, f.vm.ctx, SLOT_NET, false);
	vd_bringup(&d, F_V1 | F_MAC, 2, QSZ);
	assert_int_equal(fk_count(VHOST_SET_MEM_TABLE), 0);
	tx_one(&d);
	vd_set_status(&d, 0);
	fk.fail_req = 0;
	vm_down(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_vhost_missing_device_falls_back_with_one_notice, setup),
		cmocka_unit_test_setup(test_vhost_modern_setup_sequence_and_kick_bypasses_dm, setup),
		cmocka_unit_test_setup(test_vhost_legacy_notify_is_pio_with_queue_index, setup),
		cmocka_unit_test_setup(test_vhost_without_msix_falls_back, setup),
		cmocka_unit_test_setup(test_vhost_ioctl_failure_undoes_and_falls_back, setup),
		cmocka_unit_test_setup(test_vhost_set_owner_failure_falls_back_at_init, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The virtio PCI transport and the virtqueue walker inside acrn-dm, driven
 * like a guest driver would through the fake back-end, using virtio-rnd as the
 * simplest device: IDs and capabilities, feature negotiation on both
 * interfaces, the status machine, reset, interrupts (MSI-X, INTx + ISR,
 * suppression, EVENT_IDX), and hostile chains ending in NEEDS_RESET.
 */
#include "virtio_driver.h"

#include <errno.h>
#include <stdlib.h>

#include "dm_log.h"
#include "ioreq.h"
#include "vmctx.h"

#define SLOT_TRANS	4	/* transitional: both interfaces */
#define SLOT_MODERN	5
#define SLOT_LEGACY	6
#define QSZ		16
#define F_INDIRECT	(1ULL << VIRTIO_RING_F_INDIRECT_DESC)
#define F_EVENT_IDX	(1ULL << VIRTIO_RING_F_EVENT_IDX)
#define F_V1		(1ULL << VIRTIO_F_VERSION_1)
#define MSI_CONFIG	0x40	/* vd_enable_msix: vector i -> data 0x40 + i */
#define MSI_Q0		0x41

static int log_warns;

static void count_sink(enum dm_log_level level, const char *line)
{
	if (level <= DM_LOG_WARN)
		log_warns++;
}

static int setup(void **state)
{
	struct dmtest_vm *vm = calloc(1, sizeof(*vm));

	if (vm == NULL || dmtest_vm_create(vm, "-m", "64M", "-s", "4,virtio-rnd",
					   "-s", "5,virtio-rnd,virtio_mode=modern",
					   "-s", "6,virtio-rnd,virtio_mode=legacy", "vm", NULL) != 0) {
		if (vm != NULL)
			print_error("%s\n", vm->err);
		free(vm);
		return -1;
	}
	dm_log_set_sink(count_sink);
	*state = vm;
	return 0;
}

static int teardown(void **state)
{
	struct dmtest_vm *vm = *state;

	dm_log_set_sink(NULL);
	dmtest_vm_destroy(vm);
	free(vm);
	return 0;
}

static struct vmctx *ctx_of(void **state)
{
	return ((struct dmtest_vm *)*state)->ctx;
}

static void test_virtio_pci_ids_follow_transport_mode(void **state)
{
	struct vdrv d;

	vd_open(&d, ctx_of(state), SLOT_TRANS, false);
	assert_int_equal(vd_cfg_r(&d, PCIR_VENDOR, 2), VIRTIO_VENDOR);
	assert_int_equal(vd_cfg_r(&d, PCIR_DEVICE, 2), 0x1005);
	assert_int_equal(vd_cfg_r(&d, PCIR_REVID, 1), 0);
	assert_int_equal(vd_cfg_r(&d, PCIR_SUBDEV, 2), VIRTIO_ID_RNG);
	assert_int_equal(vd_cfg_r(&d, PCIR_BAR0, 4) & 1, 1);		/* I/O BAR 0 */
	vd_open(&d, ctx_of(state), SLOT_MODERN, false);
	assert_int_equal(vd_cfg_r(&d, PCIR_DEVICE, 2), 0x1040 + VIRTIO_ID_RNG);
	assert_int_equal(vd_cfg_r(&d, PCIR_REVID, 1), 1);
	assert_int_equal(vd_cfg_r(&d, PCIR_BAR0, 4), 0);		/* no legacy BAR */
	vd_open(&d, ctx_of(state), SLOT_LEGACY, true);
	assert_int_equal(vd_cfg_r(&d, PCIR_DEVICE, 2), 0x1005);
	assert_int_equal(vd_find_cap(&d, 0x09), 0);			/* no modern caps */
	assert_int_equal(vd_cfg_r(&d, PCIR_BAR0 + 4 * VIRTIO_BAR_MODERN, 4), 0);
}

static void test_virtio_bad_virtio_mode_is_rejected(void **state)
{
	struct dmtest_vm vm;

	assert_int_equal(dmtest_vm_create(&vm, "-m", "16M", "-s", "4,virtio-rnd,virtio_mode=v2",
					  "vm", NULL), -EINVAL);
	dmtest_vm_destroy(&vm);
}

static void test_virtio_modern_caps_describe_bar_layout(void **state)
{
	struct vdrv d;
	int off, seen = 0, steps = 0, notifies = 0;
	uint32_t bar3;

	vd_open(&d, ctx_of(state), SLOT_MODERN, false);
	off = (int)vd_cfg_r(&d, PCIR_CAP_PTR, 1);
	while (off != 0 && steps++ < 16) {
		if (vd_cfg_r(&d, off, 1) == 0x09) {
			int type = (int)vd_cfg_r(&d, off + 3, 1), bar = (int)vd_cfg_r(&d, off + 4, 1);
			uint32_t boff = vd_cfg_r(&d, off + 8, 4);

			seen |= 1 << type;
			if (type == VIRTIO_PCI_CAP_COMMON)
				assert_int_equal(boff, VIRTIO_MODERN_COMMON);
			if (type == VIRTIO_PCI_CAP_NOTIFY) {
				assert_int_equal(vd_cfg_r(&d, off + 2, 1), 20);
				assert_int_equal(vd_cfg_r(&d, off + 16, 4), VIRTIO_NOTIFY_MULT);
				/* The I/O BAR's notify first, then the memory BAR's. */
				assert_int_equal(bar, notifies++ == 0 ? VIRTIO_BAR_NOTIFY_PIO :
							VIRTIO_BAR_MODERN);
				assert_true(vd_cfg_r(&d, off + 12, 4) >= VIRTIO_NOTIFY_MULT);
			} else {
				assert_int_equal(bar, VIRTIO_BAR_MODERN);
			}
		}
		off = (int)vd_cfg_r(&d, off + 1, 1);
	}
	assert_int_equal(seen, (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4));
	assert_int_equal(notifies, 2);
	bar3 = vd_cfg_r(&d, PCIR_BAR0 + 4 * VIRTIO_BAR_NOTIFY_PIO, 4);
	assert_int_equal(bar3 & 1, 1);					/* I/O */
	assert_true(d.notify_io == (bar3 & ~3U));
	assert_int_equal(vd_common_r(&d, VIRTIO_PCI_NUM_QUEUES, 2), 1);
	vd_open(&d, ctx_of(state), SLOT_LEGACY, true);
	assert_int_equal(vd_cfg_r(&d, PCIR_BAR0 + 4 * VIRTIO_BAR_NOTIFY_PIO, 4), 0);
}

static void test_virtio_modern_negotiation_requires_version_1(void **state)
{
	struct vdrv d;
	uint64_t f;

	vd_open(&d, ctx_of(state), SLOT_MODERN, false);
	f = vd_dev_features(&d);
	assert_true(f & F_V1);
	assert_true(f & F_INDIRECT);
	assert_true(f & F_EVENT_IDX);
	/* Without VERSION_1 the device refuses FEATURES_OK. */
	assert_int_equal(vd_negotiate(&d, F_INDIRECT) & VIRTIO_S_FEATURES_OK, 0);
	/* A feature that was not offered is refused too. */
	assert_false(f & (1ULL << 50));
	vd_set_status(&d, 0);
	vd_set_status(&d, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER);
	vd_common_w(&d, VIRTIO_PCI_GFSELECT, 4, 1);
	vd_common_w(&d, VIRTIO_PCI_GF, 4, (F_V1 | (1ULL << 50)) >> 32);
	vd_set_status(&d, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK);
	assert_int_equal(vd_status(&d) & VIRTIO_S_FEATURES_OK, 0);
	/* A proper set is accepted, reads back, and is frozen after FEATURES_OK. */
	assert_int_equal(vd_negotiate(&d, F_V1 | F_EVENT_IDX) & VIRTIO_S_FEATURES_OK,
			 VIRTIO_S_FEATURES_OK);
	vd_common_w(&d, VIRTIO_PCI_GFSELECT, 4, 0);
	vd_common_w(&d, VIRTIO_PCI_GF, 4, 0);
	assert_int_equal(vd_common_r(&d, VIRTIO_PCI_GF, 4), (uint32_t)F_EVENT_IDX);
	vd_common_w(&d, VIRTIO_PCI_GFSELECT, 4, 1);
	assert_int_equal(vd_common_r(&d, VIRTIO_PCI_GF, 4), 1);
	vd_set_status(&d, 0);
}

static void test_virtio_legacy_negotiation_32_bits_without_version_1(void **state)
{
	struct vdrv d;

	vd_open(&d, ctx_of(state), SLOT_TRANS, true);
	assert_int_equal(vd_dev_features(&d), F_INDIRECT | F_EVENT_IDX);
	vd_negotiate(&d, ~0ULL);
	/* The legacy guest-features register keeps only offered bits. */
	vd_pio_w(&d, d.io + VIRTIO_LEG_GUEST_FEATURES, 4, 0xffffffff);
	assert_int_equal(vd_pio_r(&d, d.io + VIRTIO_LEG_GUEST_FEATURES, 4),
			 F_INDIRECT | F_EVENT_IDX);
	assert_int_equal(vd_pio_r(&d, d.io + VIRTIO_LEG_QUEUE_SIZE, 2), 64);
	vd_set_status(&d, 0);
	assert_int_equal(vd_pio_r(&d, d.io + VIRTIO_LEG_GUEST_FEATURES, 4), 0);
}

static void test_virtio_status_bits_only_added_reset_by_zero(void **state)
{
	struct vdrv d;

	vd_open(&d, ctx_of(state), SLOT_MODERN, false);
	vd_set_status(&d, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER);
	vd_set_status(&d, VIRTIO_S_ACKNOWLEDGE);	/* cannot clear DRIVER */
	assert_int_equal(vd_status(&d), VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER);
	vd_set_status(&d, VIRTIO_S_NEEDS_RESET);	/* only the device sets it */
	assert_int_equal(vd_status(&d) & VIRTIO_S_NEEDS_RESET, 0);
	vd_set_status(&d, 0);
	assert_int_equal(vd_status(&d), 0);
}

static void test_virtio_reset_drops_queue_state(void **state)
{
	struct vdrv d;

	vd_open(&d, ctx_of(state), SLOT_MODERN, false);
	vd_bringup(&d, F_V1, 1, 8);
	vd_common_w(&d, VIRTIO_PCI_Q_SELECT, 2, 0);
	assert_int_equal(vd_common_r(&d, VIRTIO_PCI_Q_ENABLE, 2), 1);
	assert_int_equal(vd_common_r(&d, VIRTIO_PCI_Q_SIZE, 2), 8);
	assert_int_equal(vd_common_r(&d, VIRTIO_PCI_Q_MSIX, 2), 1);
	assert_true(vd_common_r(&d, VIRTIO_PCI_Q_DESC, 8) == VD_QBASE);
	vd_set_status(&d, 0);
	assert_int_equal(vd_common_r(&d, VIRTIO_PCI_Q_ENABLE, 2), 0);
	assert_int_equal(vd_common_r(&d, VIRTIO_PCI_Q_SIZE, 2), 64);
	assert_int_equal(vd_common_r(&d, VIRTIO_PCI_Q_MSIX, 2), VIRTIO_NO_VECTOR);
	assert_int_equal(vd_common_r(&d, VIRTIO_PCI_MSIX_CONFIG, 2), VIRTIO_NO_VECTOR);
	assert_true(vd_common_r(&d, VIRTIO_PCI_Q_DESC, 8) == 0);
	vd_common_w(&d, VIRTIO_PCI_GFSELECT, 4, 1);
	assert_int_equal(vd_common_r(&d, VIRTIO_PCI_GF, 4), 0);
	/* A kick after reset does nothing: nothing is used. */
	vd_kick(&d, 0);
	assert_int_equal(vd_used_idx(&d, 0), 0);
}

static void test_virtio_queue_msix_vector_beyond_table_reads_no_vector(void **state)
{
	struct vdrv d;

	vd_open(&d, ctx_of(state), SLOT_MODERN, false);
	vd_common_w(&d, VIRTIO_PCI_Q_SELECT, 2, 0);
	vd_common_w(&d, VIRTIO_PCI_Q_MSIX, 2, 2);	/* table has 2 entries: 0, 1 */
	assert_int_equal(vd_common_r(&d, VIRTIO_PCI_Q_MSIX, 2), VIRTIO_NO_VECTOR);
	vd_common_w(&d, VIRTIO_PCI_Q_MSIX, 2, 1);
	assert_int_equal(vd_common_r(&d, VIRTIO_PCI_Q_MSIX, 2), 1);
	vd_common_w(&d, VIRTIO_PCI_Q_SELECT, 2, 7);	/* no such queue */
	assert_int_equal(vd_common_r(&d, VIRTIO_PCI_Q_SIZE, 2), 0);
	vd_set_status(&d, 0);
}

static void test_virtio_queue_size_not_power_of_two_needs_reset(void **state)
{
	struct vdrv d;

	vd_open(&d, ctx_of(state), SLOT_MODERN, false);
	vd_negotiate(&d, F_V1);
	vd_common_w(&d, VIRTIO_PCI_Q_SELECT, 2, 0);
	vd_common_w(&d, VIRTIO_PCI_Q_SIZE, 2, 12);
	assert_true(vd_status(&d) & VIRTIO_S_NEEDS_RESET);
	assert_int_equal(vd_common_r(&d, VIRTIO_PCI_Q_SIZE, 2), 64);
	vd_set_status(&d, 0);
	assert_int_equal(vd_status(&d), 0);
	vd_negotiate(&d, F_V1);
	vd_common_w(&d, VIRTIO_PCI_Q_SIZE, 2, 128);	/* larger than the maximum */
	assert_true(vd_status(&d) & VIRTIO_S_NEEDS_RESET);
	vd_set_status(&d, 0);
	vd_negotiate(&d, F_V1);
	vd_common_w(&d, VIRTIO_PCI_Q_SIZE, 2, 16);	/* a guest may shrink it */
	assert_int_equal(vd_common_r(&d, VIRTIO_PCI_Q_SIZE, 2), 16);
	assert_int_equal(vd_status(&d) & VIRTIO_S_NEEDS_RESET, 0);
	vd_set_status(&d, 0);
}

static void test_virtio_queue_rings_outside_ram_need_reset(void **state)
{
	struct vdrv d;

	vd_open(&d, ctx_of(state), SLOT_MODERN, false);
	vd_negotiate(&d, F_V1);
	vd_common_w(&d, VIRTIO_PCI_Q_SELECT, 2, 0);
	vd_common_w(&d, VIRTIO_PCI_Q_DESC, 8, 0x80000000ULL);	/* PCI hole */
	vd_common_w(&d, VIRTIO_PCI_Q_AVAIL, 8, VD_QBASE);
	vd_common_w(&d, VIRTIO_PCI_Q_USED, 8, VD_QBASE + 0x1000);
	vd_common_w(&d, VIRTIO_PCI_Q_ENABLE, 2, 1);
	assert_true(vd_status(&d) & VIRTIO_S_NEEDS_RESET);
	assert_int_equal(vd_common_r(&d, VIRTIO_PCI_Q_ENABLE, 2), 0);
	vd_set_status(&d, 0);
}

/* Fill one 64-byte buffer; return the used length (or -1 on no completion). */
static int rnd_once(struct vdrv *d, uint64_t gpa)
{
	static const uint8_t zero[64];
	struct vd_buf b = { gpa, 64, true };
	uint32_t id, len;

	assert_int_equal(vmm_test_gpa_write(d->ctx, gpa, zero, sizeof(zero)), 0);
	vd_post(d, 0, &b, 1);
	vd_kick(d, 0);
	if (vd_wait_used(d, 0, &id, &len, 0) != 0)
		return -1;
	return (int)len;
}

static void test_virtio_msix_queue_vector_fires_per_completion(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	struct vmm_test_state *st = vmm_test_get(ctx);
	struct vdrv d;
	size_t n0;

	vd_open(&d, ctx, SLOT_MODERN, false);
	vd_bringup(&d, F_V1, 1, QSZ);
	n0 = st->nmsi;
	assert_int_equal(rnd_once(&d, VD_DATA), 64);
	assert_int_equal(vd_msi_count(ctx, n0, MSI_Q0), 1);
	assert_int_equal(vd_msi_count(ctx, n0, MSI_CONFIG), 0);
	/* Driver suppresses interrupts: the buffer is used, no MSI. */
	vd_put16(&d, d.q[0].avail, VRING_AVAIL_F_NO_INTERRUPT);
	n0 = st->nmsi;
	assert_int_equal(rnd_once(&d, VD_DATA), 64);
	assert_int_equal(st->nmsi, n0);
	vd_set_status(&d, 0);
}

/*
 * The I/O notify BAR from a hostile driver: every offset, every size, reads and
 * writes of any value, before set-up and with a live queue.  Only a kick of an
 * enabled queue does anything; the device stays out of NEEDS_RESET and works.
 */
static void test_virtio_pio_notify_hostile_accesses_are_harmless(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	struct vdrv d;
	uint32_t size;

	vd_open(&d, ctx, SLOT_MODERN, false);
	assert_true(d.notify_io != 0);
	size = (uint32_t)pci_get_vdev(ctx, 0, SLOT_MODERN, 0)->bar[VIRTIO_BAR_NOTIFY_PIO].size;
	assert_true(size >= VIRTIO_NOTIFY_MULT);
	for (int round = 0; round < 2; round++) {
		if (round == 1)
			vd_bringup(&d, F_V1, 1, QSZ);
		for (uint32_t off = 0; off < size + 4; off++)
			for (int sz = 1; sz <= 4; sz <<= 1) {
				vd_pio_w(&d, d.notify_io + off, sz, 0xffffffffU);
				vd_pio_w(&d, d.notify_io + off, sz, off);
				if (off + (uint32_t)sz <= size)
					assert_int_equal(vd_pio_r(&d, d.notify_io + off, sz), 0);
			}
		assert_int_equal(vd_status(&d) & VIRTIO_S_NEEDS_RESET, 0);
	}
	assert_int_equal(rnd_once(&d, VD_DATA), 64);	/* kicked through the I/O BAR */
	vd_set_status(&d, 0);
}

static void test_virtio_event_idx_interrupts_only_when_used_event_crossed(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	struct vmm_test_state *st = vmm_test_get(ctx);
	struct vdrv d;
	size_t n0;

	vd_open(&d, ctx, SLOT_MODERN, false);
	vd_bringup(&d, F_V1 | F_EVENT_IDX, 1, QSZ);
	/* used_event = 2: interrupt when used idx moves past 2, i.e. on the 3rd buffer. */
	vd_put16(&d, d.q[0].avail + 4 + 2 * QSZ, 2);
	n0 = st->nmsi;
	assert_int_equal(rnd_once(&d, VD_DATA), 64);	/* first ever: signalled */
	assert_int_equal(vd_msi_count(ctx, n0, MSI_Q0), 1);
	assert_int_equal(rnd_once(&d, VD_DATA), 64);	/* used idx 2 */
	assert_int_equal(vd_msi_count(ctx, n0, MSI_Q0), 1);
	assert_int_equal(rnd_once(&d, VD_DATA), 64);	/* used idx 3 > used_event + 1 */
	assert_int_equal(vd_msi_count(ctx, n0, MSI_Q0), 2);
	assert_int_equal(rnd_once(&d, VD_DATA), 64);	/* used_event not moved */
	assert_int_equal(vd_msi_count(ctx, n0, MSI_Q0), 2);
	/* avail_event follows what the device consumed, so the driver keeps kicking. */
	assert_int_equal(vd_get16(&d, d.q[0].used + 4 + 8 * QSZ), 4);
	vd_set_status(&d, 0);
}

static void test_virtio_intx_and_isr_when_msix_off(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	struct vmm_test_state *st = vmm_test_get(ctx);
	struct vdrv d;
	uint32_t gsi;

	vd_open(&d, ctx, SLOT_LEGACY, true);
	gsi = vd_cfg_r(&d, PCIR_INTLINE, 1);
	vd_negotiate(&d, 0);
	vd_setup_queue(&d, 0, 0, 0);
	vd_driver_ok(&d);
	assert_int_equal(st->irq_level[gsi], 0);
	assert_int_equal(rnd_once(&d, VD_DATA), 64);
	assert_int_equal(st->irq_level[gsi], 1);
	assert_int_equal(vd_isr(&d), VIRTIO_ISR_QUEUE);		/* read clears, lowers INTx */
	assert_int_equal(st->irq_level[gsi], 0);
	assert_int_equal(vd_isr(&d), 0);
	vd_set_status(&d, 0);
}

static void test_virtio_indirect_chain_is_walked(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	struct vdrv d;
	uint64_t tbl = VD_DATA + 0x1000;
	uint8_t buf[96];
	uint32_t id, len;

	vd_open(&d, ctx, SLOT_MODERN, false);
	vd_bringup(&d, F_V1 | F_INDIRECT, 1, QSZ);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(vmm_test_gpa_write(ctx, VD_DATA, buf, sizeof(buf)), 0);
	vd_put_desc(&d, tbl, 0, VD_DATA, 32, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	vd_put_desc(&d, tbl, 1, VD_DATA + 32, 64, VRING_DESC_F_WRITE, 0);
	vd_put_desc(&d, d.q[0].desc, 0, tbl, 32, VRING_DESC_F_INDIRECT, 0);
	vd_publish(&d, 0, 0);
	vd_kick(&d, 0);
	assert_int_equal(vd_wait_used(&d, 0, &id, &len, 0), 0);
	assert_int_equal(id, 0);
	assert_int_equal(len, 96);
	assert_int_equal(vmm_test_gpa_read(ctx, VD_DATA, buf, sizeof(buf)), 0);
	assert_true(memcmp(buf, (uint8_t[96]){ 0 }, 96) != 0);
	vd_set_status(&d, 0);
}

/* A hostile chain: post it, kick, expect NEEDS_RESET, a config MSI, one log line. */
typedef void (*hostile_fn)(struct vdrv *d);

static void expect_needs_reset(void **state, hostile_fn fn, uint64_t feats)
{
	struct vmctx *ctx = ctx_of(state);
	struct vmm_test_state *st = vmm_test_get(ctx);
	struct vdrv d;
	size_t n0;
	int w0;

	vd_open(&d, ctx, SLOT_TRANS, false);
	vd_bringup(&d, F_V1 | feats, 1, QSZ);
	n0 = st->nmsi;
	w0 = log_warns;
	fn(&d);
	vd_kick(&d, 0);
	assert_true(vd_status(&d) & VIRTIO_S_NEEDS_RESET);
	assert_int_equal(vd_used_idx(&d, 0), 0);
	assert_int_equal(vd_msi_count(ctx, n0, MSI_CONFIG), 1);
	assert_int_equal(log_warns, w0 + 1);
	/* Further kicks are ignored, without more log lines. */
	vd_kick(&d, 0);
	vd_kick(&d, 0);
	assert_int_equal(log_warns, w0 + 1);
	assert_int_equal(vd_msi_count(ctx, n0, MSI_CONFIG), 1);
	/* The driver resets; the device works again. */
	vd_open(&d, ctx, SLOT_TRANS, false);
	vd_bringup(&d, F_V1, 1, QSZ);
	assert_int_equal(rnd_once(&d, VD_DATA), 64);
	vd_set_status(&d, 0);
}

static void h_loop(struct vdrv *d)
{
	vd_put_desc(d, d->q[0].desc, 0, VD_DATA, 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	vd_put_desc(d, d->q[0].desc, 1, VD_DATA, 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 0);
	vd_publish(d, 0, 0);
}

static void h_head_out_of_range(struct vdrv *d)
{
	vd_publish(d, 0, QSZ);
}

static void h_next_out_of_range(struct vdrv *d)
{
	vd_put_desc(d, d->q[0].desc, 0, VD_DATA, 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, QSZ);
	vd_publish(d, 0, 0);
}

static void h_zero_length(struct vdrv *d)
{
	vd_put_desc(d, d->q[0].desc, 0, VD_DATA, 0, VRING_DESC_F_WRITE, 0);
	vd_publish(d, 0, 0);
}

static void h_outside_ram(struct vdrv *d)
{
	vd_put_desc(d, d->q[0].desc, 0, 64ULL << 20, 16, VRING_DESC_F_WRITE, 0);
	vd_publish(d, 0, 0);
}

static void h_straddles_ram_end(struct vdrv *d)
{
	vd_put_desc(d, d->q[0].desc, 0, (64ULL << 20) - 8, 16, VRING_DESC_F_WRITE, 0);
	vd_publish(d, 0, 0);
}

static void h_wrapping(struct vdrv *d)
{
	vd_put_desc(d, d->q[0].desc, 0, ~0ULL - 7, 0x100, VRING_DESC_F_WRITE, 0);
	vd_publish(d, 0, 0);
}

static void h_overlong_indirect(struct vdrv *d)
{
	vd_put_desc(d, d->q[0].desc, 0, VD_DATA + 0x1000, 16 * (QSZ + 1), VRING_DESC_F_INDIRECT, 0);
	vd_publish(d, 0, 0);
}

static void h_indirect_not_multiple_of_16(struct vdrv *d)
{
	vd_put_desc(d, VD_DATA + 0x1000, 0, VD_DATA, 8, VRING_DESC_F_WRITE, 0);
	vd_put_desc(d, d->q[0].desc, 0, VD_DATA + 0x1000, 24, VRING_DESC_F_INDIRECT, 0);
	vd_publish(d, 0, 0);
}

static void h_nested_indirect(struct vdrv *d)
{
	vd_put_desc(d, VD_DATA + 0x1000, 0, VD_DATA + 0x2000, 16, VRING_DESC_F_INDIRECT, 0);
	vd_put_desc(d, VD_DATA + 0x2000, 0, VD_DATA, 8, VRING_DESC_F_WRITE, 0);
	vd_put_desc(d, d->q[0].desc, 0, VD_DATA + 0x1000, 16, VRING_DESC_F_INDIRECT, 0);
	vd_publish(d, 0, 0);
}

static void h_indirect_loop(struct vdrv *d)
{
	vd_put_desc(d, VD_DATA + 0x1000, 0, VD_DATA, 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	vd_put_desc(d, VD_DATA + 0x1000, 1, VD_DATA, 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 0);
	vd_put_desc(d, d->q[0].desc, 0, VD_DATA + 0x1000, 32, VRING_DESC_F_INDIRECT, 0);
	vd_publish(d, 0, 0);
}

static void h_indirect_not_negotiated(struct vdrv *d)
{
	vd_put_desc(d, VD_DATA + 0x1000, 0, VD_DATA, 8, VRING_DESC_F_WRITE, 0);
	vd_put_desc(d, d->q[0].desc, 0, VD_DATA + 0x1000, 16, VRING_DESC_F_INDIRECT, 0);
	vd_publish(d, 0, 0);
}

static void h_avail_idx_jump(struct vdrv *d)
{
	vd_put_desc(d, d->q[0].desc, 0, VD_DATA, 8, VRING_DESC_F_WRITE, 0);
	vd_put16(d, d->q[0].avail + 2, QSZ + 1);
}

static void h_read_after_write(struct vdrv *d)
{
	vd_put_desc(d, d->q[0].desc, 0, VD_DATA, 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	vd_put_desc(d, d->q[0].desc, 1, VD_DATA + 8, 8, 0, 0);
	vd_publish(d, 0, 0);
}

static void test_virtio_hostile_loop_needs_reset(void **s)
{
	expect_needs_reset(s, h_loop, 0);
}

static void test_virtio_hostile_head_index_out_of_range_needs_reset(void **s)
{
	expect_needs_reset(s, h_head_out_of_range, 0);
}

static void test_virtio_hostile_next_index_out_of_range_needs_reset(void **s)
{
	expect_needs_reset(s, h_next_out_of_range, 0);
}

static void test_virtio_hostile_zero_length_needs_reset(void **s)
{
	expect_needs_reset(s, h_zero_length, 0);
}

static void test_virtio_hostile_address_outside_ram_needs_reset(void **s)
{
	expect_needs_reset(s, h_outside_ram, 0);
}

static void test_virtio_hostile_buffer_straddling_ram_end_needs_reset(void **s)
{
	expect_needs_reset(s, h_straddles_ram_end, 0);
}

static void test_virtio_hostile_wrapping_address_needs_reset(void **s)
{
	expect_needs_reset(s, h_wrapping, 0);
}

static void test_virtio_hostile_overlong_indirect_needs_reset(void **s)
{
	expect_needs_reset(s, h_overlong_indirect, F_INDIRECT);
}

static void test_virtio_hostile_indirect_len_not_multiple_of_16_needs_reset(void **s)
{
	expect_needs_reset(s, h_indirect_not_multiple_of_16, F_INDIRECT);
}

static void test_virtio_hostile_nested_indirect_needs_reset(void **s)
{
	expect_needs_reset(s, h_nested_indirect, F_INDIRECT);
}

static void test_virtio_hostile_loop_in_indirect_table_needs_reset(void **s)
{
	expect_needs_reset(s, h_indirect_loop, F_INDIRECT);
}

static void test_virtio_hostile_indirect_without_feature_needs_reset(void **s)
{
	expect_needs_reset(s, h_indirect_not_negotiated, 0);
}

static void test_virtio_hostile_avail_idx_jump_needs_reset(void **s)
{
	expect_needs_reset(s, h_avail_idx_jump, 0);
}

static void test_virtio_hostile_readable_after_writable_needs_reset(void **s)
{
	expect_needs_reset(s, h_read_after_write, 0);
}

/* One MMIO access served by the real IOREQ thread (posted on vCPU 0). */
static uint64_t thread_mmio(struct vmctx *ctx, uint32_t dir, uint64_t addr, int size, uint64_t v)
{
	struct acrn_io_request req, out;

	memset(&req, 0, sizeof(req));
	req.type = ACRN_IOREQ_TYPE_MMIO;
	req.reqs.mmio_request.direction = dir;
	req.reqs.mmio_request.address = addr;
	req.reqs.mmio_request.size = (uint64_t)size;
	req.reqs.mmio_request.value = v;
	assert_int_equal(vmm_test_post(ctx, 0, &req), 0);
	vmm_test_kick(ctx);
	assert_int_equal(vmm_test_wait(ctx, 0, 5000, &out), 0);
	return out.reqs.mmio_request.value;
}

static void test_virtio_hostile_kick_through_ioreq_thread_keeps_dm_running(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	struct vdrv d;

	vd_open(&d, ctx, SLOT_MODERN, false);
	vd_bringup(&d, F_V1, 1, QSZ);
	h_loop(&d);
	assert_int_equal(ioreq_loop_start(ctx), 0);
	/* The guest kicks through the IOREQ path, as a vCPU would. */
	thread_mmio(ctx, ACRN_IOREQ_DIR_WRITE, d.mem + VIRTIO_MODERN_NOTIFY, 2, 0);
	assert_true(thread_mmio(ctx, ACRN_IOREQ_DIR_READ, d.mem + VIRTIO_PCI_STATUS, 1, 0) &
		    VIRTIO_S_NEEDS_RESET);
	/* The device model still serves requests and did not ask to stop the VM. */
	thread_mmio(ctx, ACRN_IOREQ_DIR_WRITE, d.mem + VIRTIO_PCI_STATUS, 1, 0);
	assert_int_equal(thread_mmio(ctx, ACRN_IOREQ_DIR_READ, d.mem + VIRTIO_PCI_STATUS, 1, 0), 0);
	assert_int_equal(vm_take_stop_request(ctx), VM_STOP_NONE);
	ioreq_loop_stop(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_virtio_pci_ids_follow_transport_mode),
		cmocka_unit_test(test_virtio_bad_virtio_mode_is_rejected),
		cmocka_unit_test(test_virtio_modern_caps_describe_bar_layout),
		cmocka_unit_test(test_virtio_modern_negotiation_requires_version_1),
		cmocka_unit_test(test_virtio_legacy_negotiation_32_bits_without_version_1),
		cmocka_unit_test(test_virtio_status_bits_only_added_reset_by_zero),
		cmocka_unit_test(test_virtio_reset_drops_queue_state),
		cmocka_unit_test(test_virtio_queue_msix_vector_beyond_table_reads_no_vector),
		cmocka_unit_test(test_virtio_queue_size_not_power_of_two_needs_reset),
		cmocka_unit_test(test_virtio_queue_rings_outside_ram_need_reset),
		cmocka_unit_test(test_virtio_msix_queue_vector_fires_per_completion),
		cmocka_unit_test(test_virtio_pio_notify_hostile_accesses_are_harmless),
		cmocka_unit_test(test_virtio_event_idx_interrupts_only_when_used_event_crossed),
		cmocka_unit_test(test_virtio_intx_and_isr_when_msix_off),
		cmocka_unit_test(test_virtio_indirect_chain_is_walked),
		cmocka_unit_test(test_virtio_hostile_loop_needs_reset),
		cmocka_unit_test(test_virtio_hostile_head_index_out_of_range_needs_reset),
		cmocka_unit_test(test_virtio_hostile_next_index_out_of_range_needs_reset),
		cmocka_unit_test(test_virtio_hostile_zero_length_needs_reset),
		cmocka_unit_test(test_virtio_hostile_address_outside_ram_needs_reset),
		cmocka_unit_test(test_virtio_hostile_buffer_straddling_ram_end_needs_reset),
		cmocka_unit_test(test_virtio_hostile_wrapping_address_needs_reset),
		cmocka_unit_test(test_virtio_hostile_overlong_indirect_needs_reset),
		cmocka_unit_test(test_virtio_hostile_indirect_len_not_multiple_of_16_needs_reset),
		cmocka_unit_test(test_virtio_hostile_nested_indirect_needs_reset),
		cmocka_unit_test(test_virtio_hostile_loop_in_indirect_table_needs_reset),
		cmocka_unit_test(test_virtio_hostile_indirect_without_feature_needs_reset),
		cmocka_unit_test(test_virtio_hostile_avail_idx_jump_needs_reset),
		cmocka_unit_test(test_virtio_hostile_readable_after_writable_needs_reset),
		/* Last: it starts and stops the IOREQ thread. */
		cmocka_unit_test(test_virtio_hostile_kick_through_ioreq_thread_keeps_dm_running),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

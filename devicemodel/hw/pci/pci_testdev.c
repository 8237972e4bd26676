/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * testdev (`-s N,testdev`): a PCI function for the in-tree test guests
 * (tests/guest/mmio.c, ioapic.c, bench.c), never for production VMs.  It
 * gives a guest what a real device would make hard to check:
 *
 *  - BAR0, 4 KiB of MMIO: a 256-byte scratch area that reads back what was
 *    written at any offset with any access size 1/2/4/8, and registers that
 *    record the size, offset and direction of the last scratch access and
 *    count them, so a guest can check exactly which accesses an emulated
 *    instruction produced (doc/testdev.md);
 *  - an interrupt generator: the guest names a GSI and an operation (assert,
 *    deassert, raising or falling pulse) and the device passes it to the VMM
 *    back-end's set_irqline(), i.e. the vIOAPIC pin and, below 16, the vPIC
 *    line — edge and level interrupts under the guest's control;
 *  - BAR1, 16 ports: a scratch register and the ID for `inl` benches, and the
 *    interrupt generator again.
 *
 * Everything the guest sends is hostile: accesses at undefined offsets or of
 * a width a register does not have are logged (rate-limited) and ignored,
 * such reads return all-ones; a GSI out of range is refused with -EINVAL in
 * the result register.  The register layout is in doc/testdev.md.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "io_dispatch.h"
#include "pci_core.h"
#include "vmctx.h"
#include "vmm.h"

#define DM_LOG_PREFIX "testdev: "
#include "dm_log.h"

/* The project's private vendor ID (also the hypervisor's upcall function, 0001). */
#define TDEV_VENDOR		0xACE0
#define TDEV_DEVICE		0x0010
#define TDEV_ID			0x56454454U	/* "TDEV" little-endian */

#define TDEV_MMIO_SIZE		4096
#define TDEV_PIO_SIZE		16

/* BAR0 (MMIO) layout. */
#define TDEV_SCRATCH		0x000	/* 256 bytes, any size 1/2/4/8, any offset */
#define TDEV_SCRATCH_SIZE	0x100
#define TDEV_REG_ID		0x100	/* RO 32: TDEV_ID */
#define TDEV_REG_LAST		0x108	/* RO 32: last scratch access (TDEV_LAST_*) */
#define TDEV_REG_COUNT		0x110	/* RO 32: scratch accesses since reset */
#define TDEV_REG_CLEAR		0x114	/* WO 32: any write: LAST and COUNT to 0 */
#define TDEV_REG_IRQ		0x120	/* WO 32: (op << 8) | gsi; RO 32: last result */
#define TDEV_REG_LEVELS		0x128	/* RO 64: bit n = GSI n left high by us */
#define TDEV_REG_BAD		0x130	/* RO 32: rejected accesses since reset */

/* TDEV_REG_LAST: bits 3:0 size, bit 8 write, bits 23:16 offset, bit 31 valid. */
#define TDEV_LAST_WRITE		(1U << 8)
#define TDEV_LAST_VALID		(1U << 31)

/* BAR1 (port I/O) layout. */
#define TDEV_PIO_SCRATCH	0x0	/* RW 1/2/4 at offsets 0..3 */
#define TDEV_PIO_ID		0x4	/* RO 32 */
#define TDEV_PIO_IRQ		0x8	/* as TDEV_REG_IRQ */

/* The GSIs a User VM's vIOAPIC has (hypervisor VIOAPIC_PINS). */
#define TDEV_GSIS		48U
#define TDEV_BAD_LOG_MAX	8	/* log lines for rejected accesses per reset */

struct testdev {
	pthread_mutex_t lock;
	uint8_t scratch[TDEV_SCRATCH_SIZE];
	uint32_t pio_scratch;
	uint32_t last;
	uint32_t count;
	int32_t irq_result;
	uint64_t levels;
	uint32_t bad;
};

/* A rejected access: count it and log the first few, never fail the VM. */
static void tdev_bad(struct testdev *t, const char *what, int bar, uint64_t off, int size,
		     bool write)
{
	t->bad++;
	if (t->bad <= TDEV_BAD_LOG_MAX)
		pr_warn("%s: BAR%d offset 0x%llx size %d %s ignored%s", what, bar,
			(unsigned long long)off, size, write ? "write" : "read",
			t->bad == TDEV_BAD_LOG_MAX ? " (no more such lines until reset)" : "");
}

/*
 * The interrupt generator: @p cmd is (op << 8) | gsi with op one of
 * VMM_GSI_SET_HIGH/SET_LOW/RAISING_PULSE/FALLING_PULSE (bits 31:10 must be 0).
 */
static int32_t tdev_irq(struct vmctx *ctx, struct testdev *t, uint32_t cmd)
{
	uint32_t gsi = cmd & 0xff, op = cmd >> 8;
	int rc;

	if (gsi >= TDEV_GSIS || op > VMM_GSI_FALLING_PULSE)
		return -EINVAL;
	rc = ctx->vmm->set_irqline(ctx, gsi, op);
	if (rc == 0 && op == VMM_GSI_SET_HIGH)
		t->levels |= 1ULL << gsi;
	else if (rc == 0)
		t->levels &= ~(1ULL << gsi);	/* both pulses end low... */
	if (rc == 0 && op == VMM_GSI_FALLING_PULSE)
		t->levels |= 1ULL << gsi;	/* ...but a falling one ends high */
	return rc;
}

static void tdev_scratch_access(struct testdev *t, uint64_t off, int size, bool write,
				uint64_t *val)
{
	if (write) {
		uint64_t v = *val;

		memcpy(&t->scratch[off], &v, (size_t)size);	/* little-endian host */
	} else {
		uint64_t v = 0;

		memcpy(&v, &t->scratch[off], (size_t)size);
		*val = v;
	}
	t->last = TDEV_LAST_VALID | ((uint32_t)off << 16) | (write ? TDEV_LAST_WRITE : 0) |
		  (uint32_t)size;
	t->count++;
}

/* BAR0.  Returns false for an access the layout does not define. */
static bool tdev_mmio(struct vmctx *ctx, struct testdev *t, uint64_t off, int size, bool write,
		      uint64_t *val)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return false;
	if (off < TDEV_SCRATCH_SIZE) {
		if ((uint64_t)size > TDEV_SCRATCH_SIZE - off)
			return false;
		tdev_scratch_access(t, off, size, write, val);
		return true;
	}
	if (off == TDEV_REG_LEVELS && size == 8 && !write) {
		*val = t->levels;
		return true;
	}
	if (size != 4)
		return false;
	switch (off) {
	case TDEV_REG_ID:
		if (write)
			return false;
		*val = TDEV_ID;
		return true;
	case TDEV_REG_LAST:
		if (write)
			return false;
		*val = t->last;
		return true;
	case TDEV_REG_COUNT:
		if (write)
			return false;
		*val = t->count;
		return true;
	case TDEV_REG_CLEAR:
		if (!write)
			return false;
		t->last = 0;
		t->count = 0;
		return true;
	case TDEV_REG_IRQ:
		if (write)
			t->irq_result = tdev_irq(ctx, t, (uint32_t)*val);
		else
			*val = (uint32_t)t->irq_result;
		return true;
	case TDEV_REG_BAD:
		if (write)
			return false;
		*val = t->bad;
		return true;
	default:
		return false;
	}
}

/* BAR1.  Returns false for an access the layout does not define. */
static bool tdev_pio(struct vmctx *ctx, struct testdev *t, uint64_t off, int size, bool write,
		     uint64_t *val)
{
	if (off < TDEV_PIO_ID) {
		if (size != 1 && size != 2 && size != 4)
			return false;
		if ((uint64_t)size > TDEV_PIO_ID - off)
			return false;
		if (write)
			memcpy((uint8_t *)&t->pio_scratch + off, val, (size_t)size);
		else {
			uint64_t v = 0;

			memcpy(&v, (uint8_t *)&t->pio_scratch + off, (size_t)size);
			*val = v;
		}
		return true;
	}
	if (size != 4)
		return false;
	if (off == TDEV_PIO_ID && !write) {
		*val = TDEV_ID;
		return true;
	}
	if (off == TDEV_PIO_IRQ) {
		if (write)
			t->irq_result = tdev_irq(ctx, t, (uint32_t)*val);
		else
			*val = (uint32_t)t->irq_result;
		return true;
	}
	return false;
}

static void tdev_access(struct vmctx *ctx, struct pci_vdev *dev, int idx, uint64_t off,
			int size, bool write, uint64_t *val)
{
	struct testdev *t = dev->arg;
	bool ok;

	pthread_mutex_lock(&t->lock);
	ok = idx == 0 ? tdev_mmio(ctx, t, off, size, write, val) :
			tdev_pio(ctx, t, off, size, write, val);
	if (!ok) {
		tdev_bad(t, "undefined access", idx, off, size, write);
		if (!write)
			*val = dm_io_ones(size);
	}
	pthread_mutex_unlock(&t->lock);
}

static void tdev_barwrite(struct vmctx *ctx, struct pci_vdev *dev, int idx, uint64_t off,
			  int size, uint64_t val)
{
	tdev_access(ctx, dev, idx, off, size, true, &val);
}

static uint64_t tdev_barread(struct vmctx *ctx, struct pci_vdev *dev, int idx, uint64_t off,
			     int size)
{
	uint64_t val = 0;

	tdev_access(ctx, dev, idx, off, size, false, &val);
	return val;
}

/* Power-on state; every line we left high goes low, as a device losing power would. */
static void tdev_reset(struct vmctx *ctx, struct pci_vdev *dev)
{
	struct testdev *t = dev->arg;

	pthread_mutex_lock(&t->lock);
	for (uint32_t gsi = 0; gsi < TDEV_GSIS; gsi++)
		if (t->levels & (1ULL << gsi))
			(void)ctx->vmm->set_irqline(ctx, gsi, VMM_GSI_SET_LOW);
	memset(t->scratch, 0, sizeof(t->scratch));
	t->pio_scratch = 0;
	t->last = 0;
	t->count = 0;
	t->irq_result = 0;
	t->levels = 0;
	t->bad = 0;
	pthread_mutex_unlock(&t->lock);
}

static int tdev_init(struct vmctx *ctx, struct pci_vdev *dev, const struct dm_dev_config *cfg)
{
	struct testdev *t;
	int rc;

	if (cfg->nopts != 0)
		return -EINVAL;		/* no options: refuse what we would silently ignore */
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	pthread_mutex_init(&t->lock, NULL);
	dev->arg = t;
	pci_set_cfgdata16(dev, PCIR_VENDOR, TDEV_VENDOR);
	pci_set_cfgdata16(dev, PCIR_DEVICE, TDEV_DEVICE);
	pci_set_cfgdata16(dev, PCIR_SUBVEND, TDEV_VENDOR);
	pci_set_cfgdata16(dev, PCIR_SUBDEV, TDEV_DEVICE);
	pci_set_cfgdata8(dev, PCIR_CLASS, 0xff);	/* unassigned class */
	pci_set_cfgdata8(dev, PCIR_HDRTYPE, 0x00);
	rc = pci_emul_alloc_bar(dev, 0, PCI_BAR_MEM32, TDEV_MMIO_SIZE);
	if (rc == 0)
		rc = pci_emul_alloc_bar(dev, 1, PCI_BAR_IO, TDEV_PIO_SIZE);
	if (rc != 0) {
		pthread_mutex_destroy(&t->lock);
		free(t);
		dev->arg = NULL;
	}
	return rc;
}

static void tdev_deinit(struct vmctx *ctx, struct pci_vdev *dev)
{
	struct testdev *t = dev->arg;

	if (t == NULL)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t);
	dev->arg = NULL;
}

static const struct pci_vdev_ops pci_ops_testdev = {
	.class_name = "testdev",
	.vdev_init = tdev_init,
	.vdev_deinit = tdev_deinit,
	.vdev_barwrite = tdev_barwrite,
	.vdev_barread = tdev_barread,
	.vdev_reset = tdev_reset,
};
PCI_VDEV_REGISTER(pci_ops_testdev);

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MSI and MSI-X (PCI Local Bus Specification 3.0, §6.8).
 *
 * The capability registers live in configuration space (pci_core.c applies
 * the write masks, then calls us to refresh our decoded copy).  The MSI-X
 * table and PBA live in a BAR the core owns.  Callers hold dev->lock for
 * configuration writes; interrupt generation takes it itself.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DM_LOG_PREFIX "pci-msi: "
#include "dm_log.h"
#include "io_dispatch.h"
#include "pci_core.h"
#include "vmctx.h"

#define MSI_CAP_LEN		14	/* 64-bit address capable, no per-vector masking */
#define MSI_CTRL_ENABLE		0x0001
#define MSI_CTRL_64BIT		0x0080
#define MSIX_CAP_LEN		12
#define MSIX_CTRL_FMASK		0x4000
#define MSIX_CTRL_ENABLE	0x8000
#define MSIX_ENTRY_SIZE		16
#define MSIX_VCTRL_MASK		0x1

/* A function may only write to memory, and so send MSIs, as a bus master (§6.2.2). */
static bool pci_is_bus_master(const struct pci_vdev *dev)
{
	return (pci_get_cfgdata16(dev, PCIR_COMMAND) & PCIM_CMD_BUSMASTER) != 0;
}

/* --- MSI (§6.8.1) --- */

int pci_emul_add_msicap(struct pci_vdev *dev, int nmsgs)
{
	uint8_t cap[MSI_CAP_LEN];
	int mmc = 0, off;

	if (nmsgs < 1 || nmsgs > 32 || (nmsgs & (nmsgs - 1)) != 0 || dev->msi.capoff != 0)
		return -EINVAL;
	while ((1 << mmc) < nmsgs)
		mmc++;
	memset(cap, 0, sizeof(cap));
	cap[0] = PCIY_MSI;
	cap[2] = (uint8_t)((mmc << 1) | MSI_CTRL_64BIT);
	off = pci_emul_add_capability(dev, cap, sizeof(cap));
	if (off < 0)
		return off;
	/* Enable and Multiple Message Enable; address dword aligned; data 16 bits. */
	pci_set_wmask(dev, off + 2, 2, 0x0071);
	pci_set_wmask(dev, off + 4, 4, 0xfffffffc);
	pci_set_wmask(dev, off + 8, 4, 0xffffffff);
	pci_set_wmask(dev, off + 12, 2, 0xffff);
	dev->msi.capoff = (uint8_t)off;
	return 0;
}

/* Refresh the decoded MSI state after the guest wrote the capability. */
void pci_msi_cfgwrite(struct pci_vdev *dev, int off, int bytes)
{
	int c = dev->msi.capoff;
	uint16_t ctrl = pci_get_cfgdata16(dev, c + 2);
	uint32_t mmc = (ctrl >> 1) & 7, mme = (ctrl >> 4) & 7;

	/* MME above MMC is a guest error (§6.8.1.3): grant what we advertised. */
	if (mme > mmc)
		mme = mmc;
	dev->msi.enabled = (ctrl & MSI_CTRL_ENABLE) != 0;
	dev->msi.nmsgs = 1U << mme;
	dev->msi.addr = pci_get_cfgdata32(dev, c + 4) |
			((uint64_t)pci_get_cfgdata32(dev, c + 8) << 32);
	dev->msi.data = pci_get_cfgdata16(dev, c + 12);
}

bool pci_msi_enabled(struct pci_vdev *dev)
{
	return dev->msi.capoff != 0 && dev->msi.enabled;
}

int pci_generate_msi(struct pci_vdev *dev, int index)
{
	uint32_t data;
	int rc;

	pthread_mutex_lock(&dev->lock);
	if (!pci_msi_enabled(dev) || !pci_is_bus_master(dev)) {
		rc = -EAGAIN;
	} else if (index < 0 || (uint32_t)index >= dev->msi.nmsgs) {
		rc = -EINVAL;
	} else {
		/* Multiple messages: the low bits of the data carry the vector index. */
		data = (dev->msi.data & ~(dev->msi.nmsgs - 1)) | (uint32_t)index;
		rc = dev->ctx->vmm->inject_msi(dev->ctx, dev->msi.addr, data);
	}
	pthread_mutex_unlock(&dev->lock);
	return rc;
}

/* --- MSI-X (§6.8.2) --- */

int pci_emul_add_msixcap(struct pci_vdev *dev, int nvec, int barnum)
{
	uint8_t cap[MSIX_CAP_LEN];
	uint32_t table_size, pba_off, pba_size;
	int off, rc;

	if (nvec < 1 || nvec > PCI_MSIX_MAX_VECTORS || barnum < 0 || barnum >= PCI_BAR_COUNT ||
	    dev->msix.capoff != 0)
		return -EINVAL;
	table_size = (uint32_t)nvec * MSIX_ENTRY_SIZE;
	/* The PBA gets its own page so a hypervisor could map the table separately. */
	pba_off = (table_size + 4095U) & ~4095U;
	pba_size = (((uint32_t)nvec + 63U) / 64U) * 8U;
	dev->msix.table = calloc((size_t)nvec, sizeof(*dev->msix.table));
	dev->msix.pba = calloc(pba_size / 8, sizeof(uint64_t));
	if (dev->msix.table == NULL || dev->msix.pba == NULL) {
		pci_msix_free(dev);
		return -ENOMEM;
	}
	/* Every vector starts masked (§6.8.2.9). */
	for (int i = 0; i < nvec; i++)
		dev->msix.table[i].vector_control = MSIX_VCTRL_MASK;
	dev->msix.table_count = (uint32_t)nvec;
	dev->msix.table_offset = 0;
	dev->msix.pba_offset = pba_off;
	dev->msix.pba_size = pba_size;
	dev->msix.bar = barnum;

	memset(cap, 0, sizeof(cap));
	cap[0] = PCIY_MSIX;
	cap[2] = (uint8_t)(nvec - 1);
	cap[3] = (uint8_t)((nvec - 1) >> 8);
	cap[4] = (uint8_t)barnum;		/* table offset 0, BIR */
	cap[8] = (uint8_t)(pba_off | (uint32_t)barnum);
	cap[9] = (uint8_t)(pba_off >> 8);
	cap[10] = (uint8_t)(pba_off >> 16);
	cap[11] = (uint8_t)(pba_off >> 24);
	off = pci_emul_add_capability(dev, cap, sizeof(cap));
	if (off < 0) {
		pci_msix_free(dev);
		return off;
	}
	pci_set_wmask(dev, off + 2, 2, MSIX_CTRL_ENABLE | MSIX_CTRL_FMASK);
	dev->msix.capoff = (uint8_t)off;
	rc = pci_emul_alloc_bar(dev, barnum, PCI_BAR_MEM32, pba_off + pba_size);
	if (rc != 0)
		return rc;	/* table freed by pci_msix_free() at device teardown */
	return 0;
}

void pci_msix_free(struct pci_vdev *dev)
{
	free(dev->msix.table);
	free(dev->msix.pba);
	dev->msix.table = NULL;
	dev->msix.pba = NULL;
	dev->msix.table_count = 0;
}

bool pci_msix_enabled(struct pci_vdev *dev)
{
	return dev->msix.capoff != 0 && dev->msix.enabled;
}

static bool pci_msix_is_pending(const struct pci_vdev *dev, uint32_t i)
{
	return (dev->msix.pba[i / 64] >> (i % 64)) & 1;
}

static void pci_msix_set_pending(struct pci_vdev *dev, uint32_t i, bool on)
{
	if (on)
		dev->msix.pba[i / 64] |= 1ULL << (i % 64);
	else
		dev->msix.pba[i / 64] &= ~(1ULL << (i % 64));
}

/* Can vector i be delivered now?  dev->lock held. */
static bool pci_msix_deliverable(const struct pci_vdev *dev, uint32_t i)
{
	return dev->msix.enabled && !dev->msix.function_mask &&
	       !(dev->msix.table[i].vector_control & MSIX_VCTRL_MASK) && pci_is_bus_master(dev);
}

/* A vector that became unmasked sends its pending message (§6.8.2.9). */
static void pci_msix_flush_pending(struct pci_vdev *dev, uint32_t i)
{
	if (pci_msix_is_pending(dev, i) && pci_msix_deliverable(dev, i)) {
		pci_msix_set_pending(dev, i, false);
		dev->ctx->vmm->inject_msi(dev->ctx, dev->msix.table[i].addr,
					  dev->msix.table[i].data);
	}
}

void pci_msix_cfgwrite(struct pci_vdev *dev, int off, int bytes)
{
	uint16_t ctrl = pci_get_cfgdata16(dev, dev->msix.capoff + 2);

	dev->msix.enabled = (ctrl & MSIX_CTRL_ENABLE) != 0;
	dev->msix.function_mask = (ctrl & MSIX_CTRL_FMASK) != 0;
	for (uint32_t i = 0; i < dev->msix.table_count; i++)
		pci_msix_flush_pending(dev, i);
}

int pci_generate_msix(struct pci_vdev *dev, int index)
{
	struct pci_msix_entry e;
	int rc = 0;

	pthread_mutex_lock(&dev->lock);
	if (!pci_msix_enabled(dev)) {
		rc = -EAGAIN;
	} else if (index < 0 || (uint32_t)index >= dev->msix.table_count) {
		rc = -EINVAL;
	} else if (!pci_msix_deliverable(dev, (uint32_t)index)) {
		pci_msix_set_pending(dev, (uint32_t)index, true);
		rc = -EAGAIN;
	} else {
		e = dev->msix.table[index];
		rc = dev->ctx->vmm->inject_msi(dev->ctx, e.addr, e.data);
	}
	pthread_mutex_unlock(&dev->lock);
	return rc;
}

/* Table access: software uses aligned DWORD or QWORD accesses only (§6.8.2). */
static void pci_msix_table_access(struct pci_vdev *dev, int dir, uint64_t off, int size,
				  uint64_t *val)
{
	uint32_t i = (uint32_t)(off / MSIX_ENTRY_SIZE);
	struct pci_msix_entry *e = &dev->msix.table[i];
	uint8_t raw[MSIX_ENTRY_SIZE];
	uint32_t field = (uint32_t)(off % MSIX_ENTRY_SIZE);
	bool was_masked = e->vector_control & MSIX_VCTRL_MASK;

	for (int b = 0; b < 8; b++) {
		raw[b] = (uint8_t)(e->addr >> (8 * b));
		raw[8 + (b & 3)] = (uint8_t)(e->data >> (8 * (b & 3)));
		raw[12 + (b & 3)] = (uint8_t)(e->vector_control >> (8 * (b & 3)));
	}
	if (dir == ACRN_IOREQ_DIR_READ) {
		*val = 0;
		for (int b = 0; b < size; b++)
			*val |= (uint64_t)raw[field + (uint32_t)b] << (8 * b);
		return;
	}
	for (int b = 0; b < size; b++)
		raw[field + (uint32_t)b] = (uint8_t)(*val >> (8 * b));
	e->addr = 0;
	for (int b = 0; b < 8; b++)
		e->addr |= (uint64_t)raw[b] << (8 * b);
	e->data = (uint32_t)raw[8] | ((uint32_t)raw[9] << 8) | ((uint32_t)raw[10] << 16) |
		  ((uint32_t)raw[11] << 24);
	/* Only the mask bit of Vector Control is defined; the rest is reserved 0. */
	e->vector_control = raw[12] & MSIX_VCTRL_MASK;
	if (was_masked && !(e->vector_control & MSIX_VCTRL_MASK))
		pci_msix_flush_pending(dev, i);
}

bool pci_msix_bar_access(struct pci_vdev *dev, int idx, int dir, uint64_t off, int size,
			 uint64_t *val)
{
	uint64_t table_end = (uint64_t)dev->msix.table_offset +
			     (uint64_t)dev->msix.table_count * MSIX_ENTRY_SIZE;
	bool aligned = (size == 4 || size == 8) && (off & (uint64_t)(size - 1)) == 0;

	if (idx != dev->msix.bar || dev->msix.table == NULL)
		return false;
	pthread_mutex_lock(&dev->lock);
	if (aligned && off >= dev->msix.table_offset && off < table_end) {
		pci_msix_table_access(dev, dir, off - dev->msix.table_offset, size, val);
	} else if (aligned && off >= dev->msix.pba_offset &&
		   off - dev->msix.pba_offset < dev->msix.pba_size) {
		/* The PBA is read-only; writes are ignored (§6.8.2.10). */
		uint64_t q = dev->msix.pba[(off - dev->msix.pba_offset) / 8];

		if (dir == ACRN_IOREQ_DIR_READ)
			*val = size == 8 ? q : (uint32_t)(q >> (8 * (off & 4)));
	} else if (dir == ACRN_IOREQ_DIR_READ) {
		*val = 0;	/* the rest of the BAR, or a malformed access */
	}
	pthread_mutex_unlock(&dev->lock);
	return true;
}

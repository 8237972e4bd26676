/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PCI core: bus 0, device registry, configuration space, BARs, INTx and the
 * 0xCF8/0xCFC configuration mechanism.  References are to the PCI Local Bus
 * Specification, revision 3.0.  MSI and MSI-X live in pci_msi.c.
 *
 * Locking: each function has a recursive mutex held around configuration
 * accesses and interrupt state changes, so back-end threads may raise
 * interrupts while the IOREQ thread reconfigures the function (recursive,
 * because a device's config hook may itself raise an interrupt).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DM_LOG_PREFIX "pci: "
#include "dm_log.h"
#include "guest_mem.h"
#include "io_dispatch.h"
#include "pci_core.h"
#include "vmctx.h"

/* Linker-provided bounds of the PCI_VDEV_REGISTER() section. */
extern const struct pci_vdev_ops *const __start_pci_vdev_set[] __attribute__((weak));
extern const struct pci_vdev_ops *const __stop_pci_vdev_set[] __attribute__((weak));

#define PCI_CF8_PORT		0xcf8
#define PCI_CFC_PORT		0xcfc
#define PCI_CF8_ENABLE		0x80000000U
#define PCI_LINTR_GSI_BASE	16	/* IOAPIC pins 16-23 carry PCI INTx */
#define ALIGN_UP_U64(x, a)	(((uint64_t)(x) + ((a) - 1)) & ~((uint64_t)(a) - 1))

const struct pci_vdev_ops *pci_vdev_find_ops(const char *name)
{
	const struct pci_vdev_ops *const *p;

	if (__start_pci_vdev_set == NULL)
		return NULL;
	for (p = __start_pci_vdev_set; p < __stop_pci_vdev_set; p++)
		if (strcmp((*p)->class_name, name) == 0)
			return *p;
	return NULL;
}

/* --- configuration space helpers (little endian, like the bus) --- */

void pci_set_cfgdata8(struct pci_vdev *dev, int off, uint8_t val)
{
	dev->cfg[off] = val;
}

void pci_set_cfgdata16(struct pci_vdev *dev, int off, uint16_t val)
{
	dev->cfg[off] = (uint8_t)val;
	dev->cfg[off + 1] = (uint8_t)(val >> 8);
}

void pci_set_cfgdata32(struct pci_vdev *dev, int off, uint32_t val)
{
	for (int i = 0; i < 4; i++)
		dev->cfg[off + i] = (uint8_t)(val >> (8 * i));
}

uint8_t pci_get_cfgdata8(const struct pci_vdev *dev, int off)
{
	return dev->cfg[off];
}

uint16_t pci_get_cfgdata16(const struct pci_vdev *dev, int off)
{
	return (uint16_t)(dev->cfg[off] | (dev->cfg[off + 1] << 8));
}

uint32_t pci_get_cfgdata32(const struct pci_vdev *dev, int off)
{
	return (uint32_t)pci_get_cfgdata16(dev, off) | ((uint32_t)pci_get_cfgdata16(dev, off + 2) << 16);
}

void pci_set_wmask(struct pci_vdev *dev, int off, int bytes, uint32_t mask)
{
	for (int i = 0; i < bytes && off + i < PCI_CFG_SIZE; i++)
		dev->wmask[off + i] = (uint8_t)(mask >> (8 * i));
}

/* --- BARs (§6.2.5.1) --- */

static bool pci_bar_is_mem(const struct pci_bar *bar)
{
	return bar->type == PCI_BAR_MEM32 || bar->type == PCI_BAR_MEM64;
}

static bool pci_bar_decode_on(const struct pci_vdev *dev, const struct pci_bar *bar)
{
	uint16_t cmd = pci_get_cfgdata16(dev, PCIR_COMMAND);

	if (bar->type == PCI_BAR_IO)
		return (cmd & PCIM_CMD_PORTEN) != 0;
	return pci_bar_is_mem(bar) && (cmd & PCIM_CMD_MEMEN) != 0;
}

/*
 * Addresses a BAR takes while the guest sizes it (all-ones written) or
 * before it is assigned (0) are not decoded: registering them would only
 * collide with real ranges.
 */
static bool pci_bar_addr_decodable(const struct pci_bar *bar)
{
	if (bar->addr == 0 || bar->addr + bar->size < bar->addr)
		return false;
	if (bar->type == PCI_BAR_IO)
		return bar->addr + bar->size <= 0x10000;
	if (bar->type == PCI_BAR_MEM32)
		return bar->addr + bar->size < (1ULL << 32);
	return (bar->addr >> 32) != 0xffffffffULL;
}

/* The handler every BAR is registered with; arg is the struct pci_bar. */
static int pci_bar_io(struct vmctx *ctx, int dir, uint64_t addr, int size, uint64_t *val,
		      void *arg)
{
	struct pci_bar *bar = arg;
	struct pci_vdev *dev = bar->dev;
	uint64_t off = addr - bar->addr;

	if (off >= bar->size || (uint64_t)size > bar->size - off) {
		if (dir == ACRN_IOREQ_DIR_READ)
			*val = dm_io_ones(size);
		return 0;
	}
	if (dev->msix.capoff != 0 && bar->idx == dev->msix.bar &&
	    pci_msix_bar_access(dev, bar->idx, dir, off, size, val))
		return 0;
	if (dir == ACRN_IOREQ_DIR_WRITE) {
		if (dev->ops->vdev_barwrite != NULL)
			dev->ops->vdev_barwrite(ctx, dev, bar->idx, off, size, *val);
	} else {
		*val = dev->ops->vdev_barread != NULL ?
		       dev->ops->vdev_barread(ctx, dev, bar->idx, off, size) : dm_io_ones(size);
	}
	return 0;
}

static void pci_bar_unregister(struct pci_vdev *dev, struct pci_bar *bar)
{
	if (!bar->registered)
		return;
	if (bar->type == PCI_BAR_IO)
		pio_unregister(dev->ctx, (uint32_t)bar->addr, (uint32_t)bar->size);
	else
		mmio_unregister(dev->ctx, bar->addr, bar->size);
	bar->registered = false;
}

static int pci_bar_register(struct pci_vdev *dev, struct pci_bar *bar)
{
	int rc;

	if (bar->registered || !pci_bar_decode_on(dev, bar) || !pci_bar_addr_decodable(bar))
		return 0;
	if (bar->type == PCI_BAR_IO)
		rc = pio_register(dev->ctx, dev->name, (uint32_t)bar->addr, (uint32_t)bar->size,
				  pci_bar_io, bar);
	else
		rc = mmio_register(dev->ctx, dev->name, bar->addr, bar->size, pci_bar_io, bar);
	if (rc != 0) {
		/* The guest placed it over something else: leave it undecoded. */
		pr_dbg("%s: BAR%d at 0x%llx not decoded (%d)", dev->name, bar->idx,
		       (unsigned long long)bar->addr, rc);
		return rc;
	}
	bar->registered = true;
	return 0;
}

/* Move BAR @p idx to @p addr: drop the old decode, add the new one. */
static void pci_bar_move(struct pci_vdev *dev, int idx, uint64_t addr)
{
	struct pci_bar *bar = &dev->bar[idx];

	pci_bar_unregister(dev, bar);
	bar->addr = addr;
	pci_bar_register(dev, bar);
}

/* A dword written to BAR register @p idx: keep only the address bits the size allows. */
static void pci_bar_write(struct pci_vdev *dev, int idx, uint32_t val)
{
	struct pci_bar *bar = &dev->bar[idx];
	int reg = PCIR_BAR0 + 4 * idx;
	uint32_t lo, hi;

	switch (bar->type) {
	case PCI_BAR_IO:
		lo = (val & ~(uint32_t)(bar->size - 1) & ~0x3U) | 0x1U;
		pci_set_cfgdata32(dev, reg, lo);
		pci_bar_move(dev, idx, lo & ~0x3U);
		break;
	case PCI_BAR_MEM32:
		lo = val & ~(uint32_t)(bar->size - 1) & ~0xfU;
		pci_set_cfgdata32(dev, reg, lo);
		pci_bar_move(dev, idx, lo);
		break;
	case PCI_BAR_MEM64:
		lo = (val & (uint32_t)~(bar->size - 1) & ~0xfU) | 0x4U;
		pci_set_cfgdata32(dev, reg, lo);
		hi = pci_get_cfgdata32(dev, reg + 4);
		pci_bar_move(dev, idx, ((uint64_t)hi << 32) | (lo & ~0xfU));
		break;
	case PCI_BAR_MEM64_HI:
		hi = val & (uint32_t)(~(bar->size - 1) >> 32);
		pci_set_cfgdata32(dev, reg, hi);
		lo = pci_get_cfgdata32(dev, reg - 4);
		pci_bar_move(dev, idx - 1, ((uint64_t)hi << 32) | (lo & ~0xfU));
		break;
	case PCI_BAR_NONE:
		break;	/* unimplemented BARs are read-only zero */
	}
}

static uint64_t pci_roundup_pow2(uint64_t v)
{
	uint64_t p = 1;

	while (p < v && p != 0)
		p <<= 1;
	return p;
}

int pci_emul_alloc_bar(struct pci_vdev *dev, int idx, enum pci_bar_type type, uint64_t size)
{
	struct pci_bus *bus = dev->ctx->pci;
	uint64_t *next, limit, base, min, max;
	int reg = PCIR_BAR0 + 4 * idx;
	uint16_t cmd;

	if (idx < 0 || idx >= PCI_BAR_COUNT || dev->bar[idx].type != PCI_BAR_NONE || size == 0)
		return -EINVAL;
	switch (type) {
	case PCI_BAR_IO:
		next = &bus->pio_next; limit = PCI_PIO_LIMIT; min = 4; max = 256;
		break;
	case PCI_BAR_MEM32:
		next = &bus->mmio32_next; limit = PCI_MMIO32_LIMIT; min = 16; max = 256ULL << 20;
		break;
	case PCI_BAR_MEM64:
		if (idx + 1 >= PCI_BAR_COUNT || dev->bar[idx + 1].type != PCI_BAR_NONE)
			return -EINVAL;
		next = &bus->mmio64_next; limit = bus->mmio64_limit; min = 16; max = 32ULL << 30;
		break;
	default:
		return -EINVAL;
	}
	if (size > max)
		return -EINVAL;
	size = pci_roundup_pow2(size < min ? min : size);
	base = ALIGN_UP_U64(*next, size);
	if (base < *next || base > limit || size > limit - base)
		return -ENOSPC;
	*next = base + size;

	dev->bar[idx].type = type;
	dev->bar[idx].size = size;
	dev->bar[idx].addr = base;
	cmd = pci_get_cfgdata16(dev, PCIR_COMMAND);
	if (type == PCI_BAR_IO) {
		pci_set_cfgdata32(dev, reg, (uint32_t)base | 0x1U);
		cmd |= PCIM_CMD_PORTEN;
	} else if (type == PCI_BAR_MEM32) {
		pci_set_cfgdata32(dev, reg, (uint32_t)base);
		cmd |= PCIM_CMD_MEMEN;
	} else {
		pci_set_cfgdata32(dev, reg, (uint32_t)base | 0x4U);
		pci_set_cfgdata32(dev, reg + 4, (uint32_t)(base >> 32));
		dev->bar[idx + 1].type = PCI_BAR_MEM64_HI;
		dev->bar[idx + 1].size = size;
		cmd |= PCIM_CMD_MEMEN;
	}
	/* Firmware would have enabled decoding of an assigned BAR; so do we. */
	pci_set_cfgdata16(dev, PCIR_COMMAND, cmd);
	return pci_bar_register(dev, &dev->bar[idx]);
}

/* --- capabilities (§6.7) --- */

int pci_emul_add_capability(struct pci_vdev *dev, const uint8_t *cap, int len)
{
	int off;

	if (len < 2 || dev->capend == 0)
		return -EINVAL;
	off = ALIGN_UP_U64(dev->capend, 4);
	if (off + len > PCI_CFG_SIZE)
		return -ENOSPC;
	memcpy(&dev->cfg[off], cap, (size_t)len);
	dev->cfg[off + 1] = 0;
	if (dev->lastcap == 0)
		pci_set_cfgdata8(dev, PCIR_CAP_PTR, (uint8_t)off);
	else
		pci_set_cfgdata8(dev, dev->lastcap + 1, (uint8_t)off);
	pci_set_cfgdata16(dev, PCIR_STATUS,
			  pci_get_cfgdata16(dev, PCIR_STATUS) | PCIM_STATUS_CAPPRESENT);
	dev->lastcap = (uint8_t)off;
	dev->capend = (uint8_t)(off + len < PCI_CFG_SIZE ? off + len : 0);
	return off;
}

/* --- INTx (§2.2.6, §6.2.4) --- */

int pci_lintr_request(struct pci_vdev *dev)
{
	if (dev->lintr.pin != 0)
		return -EEXIST;
	/* INTA#, routed to an IOAPIC pin swizzled by slot as on a PC. */
	dev->lintr.pin = 1;
	dev->lintr.gsi = PCI_LINTR_GSI_BASE + ((dev->slot + dev->lintr.pin - 1) & 7);
	pci_set_cfgdata8(dev, PCIR_INTPIN, dev->lintr.pin);
	pci_set_cfgdata8(dev, PCIR_INTLINE, (uint8_t)dev->lintr.gsi);
	return 0;
}

/* Bring the line in line with the device's wish and INTx Disable; dev->lock held. */
static int pci_lintr_update(struct pci_vdev *dev)
{
	bool disabled = (pci_get_cfgdata16(dev, PCIR_COMMAND) & PCIM_CMD_INTXDIS) != 0;
	bool high = dev->lintr.asserted && !disabled;
	uint16_t status = pci_get_cfgdata16(dev, PCIR_STATUS);
	int rc = 0;

	/* Interrupt Status reflects the device's request whatever INTx Disable says. */
	if (dev->lintr.asserted)
		status |= PCIM_STATUS_INTXSTAT;
	else
		status &= (uint16_t)~PCIM_STATUS_INTXSTAT;
	pci_set_cfgdata16(dev, PCIR_STATUS, status);
	if (high != dev->lintr.line_high) {
		rc = dev->ctx->vmm->set_irqline(dev->ctx, dev->lintr.gsi,
						high ? VMM_GSI_SET_HIGH : VMM_GSI_SET_LOW);
		if (rc == 0)
			dev->lintr.line_high = high;
	}
	return rc;
}

int pci_lintr_assert(struct pci_vdev *dev)
{
	int rc;

	if (dev->lintr.pin == 0)
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	dev->lintr.asserted = true;
	rc = pci_lintr_update(dev);
	pthread_mutex_unlock(&dev->lock);
	return rc;
}

int pci_lintr_deassert(struct pci_vdev *dev)
{
	int rc;

	if (dev->lintr.pin == 0)
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	dev->lintr.asserted = false;
	rc = pci_lintr_update(dev);
	pthread_mutex_unlock(&dev->lock);
	return rc;
}

/* --- configuration accesses (§6.1, §6.2) --- */

/* Command register changed: follow decode enables and INTx Disable (§6.2.2). */
static void pci_cmd_changed(struct pci_vdev *dev, uint16_t old)
{
	uint16_t cmd = pci_get_cfgdata16(dev, PCIR_COMMAND);

	if ((old ^ cmd) & (PCIM_CMD_PORTEN | PCIM_CMD_MEMEN)) {
		for (int i = 0; i < PCI_BAR_COUNT; i++) {
			struct pci_bar *bar = &dev->bar[i];

			if (bar->type == PCI_BAR_NONE || bar->type == PCI_BAR_MEM64_HI)
				continue;
			if (pci_bar_decode_on(dev, bar))
				pci_bar_register(dev, bar);
			else
				pci_bar_unregister(dev, bar);
		}
	}
	if (((old ^ cmd) & PCIM_CMD_INTXDIS) && dev->lintr.pin != 0)
		pci_lintr_update(dev);
}

static bool pci_range_overlaps(int off, int bytes, int start, int len)
{
	return off < start + len && start < off + bytes;
}

void pci_emul_cfgwrite(struct pci_vdev *dev, int off, int bytes, uint32_t val)
{
	uint16_t oldcmd = pci_get_cfgdata16(dev, PCIR_COMMAND);

	if (off >= PCIR_BAR0 && off < PCIR_BAR0 + 4 * PCI_BAR_COUNT) {
		/* Merge a partial write into the dword, then apply BAR semantics. */
		int reg = off & ~3;
		uint32_t dw = pci_get_cfgdata32(dev, reg);

		for (int i = 0; i < bytes; i++) {
			int sh = 8 * ((off & 3) + i);

			dw = (dw & ~(0xffU << sh)) | (((val >> (8 * i)) & 0xffU) << sh);
		}
		pci_bar_write(dev, (reg - PCIR_BAR0) / 4, dw);
		return;
	}
	for (int i = 0; i < bytes; i++) {
		uint8_t b = (uint8_t)(val >> (8 * i));
		uint8_t o = dev->cfg[off + i];
		uint8_t n = (uint8_t)((o & ~dev->wmask[off + i]) | (b & dev->wmask[off + i]));

		n &= (uint8_t)~(b & dev->w1cmask[off + i]);
		dev->cfg[off + i] = n;
	}
	if (pci_range_overlaps(off, bytes, PCIR_COMMAND, 2))
		pci_cmd_changed(dev, oldcmd);
	if (dev->msi.capoff != 0 && pci_range_overlaps(off, bytes, dev->msi.capoff, 14))
		pci_msi_cfgwrite(dev, off, bytes);
	if (dev->msix.capoff != 0 && pci_range_overlaps(off, bytes, dev->msix.capoff, 12))
		pci_msix_cfgwrite(dev, off, bytes);
}

struct pci_vdev *pci_get_vdev(struct vmctx *ctx, int bus, int slot, int func)
{
	if (ctx->pci == NULL || bus != 0 || slot < 0 || slot >= DM_PCI_SLOTS || func < 0 ||
	    func >= DM_PCI_FUNCS)
		return NULL;
	return ctx->pci->dev[slot][func];
}

int pci_cfg_access(struct vmctx *ctx, int dir, uint32_t bus, uint32_t slot, uint32_t func,
		   uint32_t reg, int size, uint32_t *val)
{
	struct pci_vdev *dev;
	uint32_t v = 0;

	if ((size != 1 && size != 2 && size != 4) || (reg & 3) + (uint32_t)size > 4) {
		if (dir == ACRN_IOREQ_DIR_READ)
			*val = 0xffffffffU;
		return -EINVAL;
	}
	dev = pci_get_vdev(ctx, (int)bus, (int)slot, (int)func);
	if (dev == NULL) {
		/* No function: master abort, reads return all-ones (§3.7.4). */
		if (dir == ACRN_IOREQ_DIR_READ)
			*val = (uint32_t)dm_io_ones(size);
		return 0;
	}
	if (reg >= PCI_CFG_SIZE) {
		/* Conventional PCI: no extended configuration space. */
		if (dir == ACRN_IOREQ_DIR_READ)
			*val = 0;
		return 0;
	}
	pthread_mutex_lock(&dev->lock);
	if (dir == ACRN_IOREQ_DIR_READ) {
		if (dev->ops->vdev_cfgread == NULL ||
		    dev->ops->vdev_cfgread(ctx, dev, (int)reg, size, &v) != 0) {
			v = 0;
			for (int i = 0; i < size; i++)
				v |= (uint32_t)dev->cfg[reg + i] << (8 * i);
		}
		*val = v & (uint32_t)dm_io_ones(size);
	} else {
		v = *val & (uint32_t)dm_io_ones(size);
		if (dev->ops->vdev_cfgwrite == NULL ||
		    dev->ops->vdev_cfgwrite(ctx, dev, (int)reg, size, v) != 0)
			pci_emul_cfgwrite(dev, (int)reg, size, v);
	}
	pthread_mutex_unlock(&dev->lock);
	return 0;
}

/* CONFIG_ADDRESS, a dword register at 0xCF8 (§3.2.2.3.2). */
static int pci_cf8_io(struct vmctx *ctx, int dir, uint64_t addr, int size, uint64_t *val,
		      void *arg)
{
	struct pci_bus *bus = ctx->pci;

	if (size != 4) {
		/* Not a configuration cycle: byte/word accesses belong to the ISA bus. */
		if (dir == ACRN_IOREQ_DIR_READ)
			*val = dm_io_ones(size);
		return 0;
	}
	if (dir == ACRN_IOREQ_DIR_WRITE)
		bus->cf8 = (uint32_t)*val & 0x80fffffcU;
	else
		*val = bus->cf8;
	return 0;
}

/* CONFIG_DATA, 0xCFC-0xCFF: the register selected by CONFIG_ADDRESS. */
static int pci_cfc_io(struct vmctx *ctx, int dir, uint64_t addr, int size, uint64_t *val,
		      void *arg)
{
	uint32_t cf8 = ctx->pci->cf8, v = (uint32_t)*val;
	uint32_t byte = (uint32_t)addr & 3;

	if (!(cf8 & PCI_CF8_ENABLE) || byte + (uint32_t)size > 4) {
		if (dir == ACRN_IOREQ_DIR_READ)
			*val = dm_io_ones(size);
		return 0;
	}
	pci_cfg_access(ctx, dir, (cf8 >> 16) & 0xff, (cf8 >> 11) & 0x1f, (cf8 >> 8) & 0x7,
		       (cf8 & 0xfc) + byte, size, &v);
	if (dir == ACRN_IOREQ_DIR_READ)
		*val = v;
	return 0;
}

/* --- bus set-up --- */

static void pci_vdev_free(struct vmctx *ctx, struct pci_vdev *dev, bool deinit)
{
	for (int i = 0; i < PCI_BAR_COUNT; i++)
		pci_bar_unregister(dev, &dev->bar[i]);
	if (deinit && dev->ops->vdev_deinit != NULL)
		dev->ops->vdev_deinit(ctx, dev);
	pci_msix_free(dev);
	pthread_mutex_destroy(&dev->lock);
	free(dev);
}

static int pci_vdev_create(struct vmctx *ctx, const struct pci_vdev_ops *ops,
			   const struct dm_dev_config *dc, char *err, size_t errlen)
{
	pthread_mutexattr_t attr;
	struct pci_vdev *dev;
	int rc;

	dev = calloc(1, sizeof(*dev));
	if (dev == NULL)
		return -ENOMEM;
	dev->ops = ops;
	dev->ctx = ctx;
	dev->slot = dc->slot;
	dev->func = dc->func;
	snprintf(dev->name, sizeof(dev->name), "%s", dc->name);
	dev->capend = 0x40;
	dev->msix.bar = -1;
	for (int i = 0; i < PCI_BAR_COUNT; i++) {
		dev->bar[i].dev = dev;
		dev->bar[i].idx = i;
	}
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&dev->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	/* Type 0 header defaults (§6.2): what software may write, what it clears. */
	pci_set_wmask(dev, PCIR_COMMAND, 2, PCIM_CMD_PORTEN | PCIM_CMD_MEMEN | PCIM_CMD_BUSMASTER |
		      PCIM_CMD_PERRESPEN | PCIM_CMD_SERRESPEN | PCIM_CMD_INTXDIS);
	dev->w1cmask[PCIR_STATUS + 1] = 0xf9;	/* parity, aborts, SERR, PERR */
	pci_set_wmask(dev, PCIR_CACHELNSZ, 1, 0xff);
	pci_set_wmask(dev, PCIR_LATTIMER, 1, 0xff);
	pci_set_wmask(dev, PCIR_INTLINE, 1, 0xff);

	ctx->pci->dev[dev->slot][dev->func] = dev;
	rc = ops->vdev_init != NULL ? ops->vdev_init(ctx, dev, dc) : 0;
	if (rc != 0) {
		if (dev->init_err[0] != '\0')
			dm_errf(err, errlen, "device %s at %u:%u: %s", dc->name, dc->slot,
				dc->func, dev->init_err);
		else
			dm_errf(err, errlen, "device %s at %u:%u failed to initialise: %s", dc->name,
				dc->slot, dc->func, strerror(rc < 0 ? -rc : rc));
		ctx->pci->dev[dev->slot][dev->func] = NULL;
		pci_vdev_free(ctx, dev, false);	/* a failed init cleans up after itself */
		return rc < 0 ? rc : -EINVAL;
	}
	return 0;
}

/* Function 0 must exist where others do; it then announces itself multi-function. */
static int pci_check_functions(struct vmctx *ctx, char *err, size_t errlen)
{
	for (int s = 0; s < DM_PCI_SLOTS; s++) {
		bool others = false;

		for (int f = 1; f < DM_PCI_FUNCS; f++)
			others |= ctx->pci->dev[s][f] != NULL;
		if (!others)
			continue;
		if (ctx->pci->dev[s][0] == NULL) {
			dm_errf(err, errlen, "slot %d has functions but no function 0", s);
			return -EINVAL;
		}
		ctx->pci->dev[s][0]->cfg[PCIR_HDRTYPE] |= PCIM_HDRTYPE_MULTI;
	}
	return 0;
}

int pci_init(struct vmctx *ctx, char *err, size_t errlen)
{
	const struct dm_config *cfg = ctx->cfg;
	const struct dm_dev_config hb = { .slot = 0, .func = 0, .name = (char *)"hostbridge" };
	struct pci_bus *bus;
	int rc;

	bus = calloc(1, sizeof(*bus));
	if (bus == NULL)
		return -ENOMEM;
	ctx->pci = bus;
	bus->pio_next = PCI_PIO_BASE;
	bus->mmio32_next = PCI_MMIO32_BASE;
	bus->mmio64_base = ALIGN_UP_U64(DM_HIGHMEM_BASE + ctx->highmem, 1ULL << 30);
	bus->mmio64_next = bus->mmio64_base;
	bus->mmio64_limit = bus->mmio64_base + PCI_MMIO64_SIZE;

	/* The host bridge at 0:0.0 is mandatory: add it unless the user did. */
	if (cfg->ndevs == 0 || cfg->devs[0].slot != 0 || cfg->devs[0].func != 0) {
		const struct pci_vdev_ops *hbops = pci_vdev_find_ops("hostbridge");

		if (hbops == NULL) {
			dm_errf(err, errlen, "no host bridge device type is built in");
			rc = -ENODEV;
			goto fail;
		}
		rc = pci_vdev_create(ctx, hbops, &hb, err, errlen);
		if (rc != 0)
			goto fail;
	} else if (strcmp(cfg->devs[0].name, "hostbridge") != 0) {
		dm_errf(err, errlen, "slot 0:0 is reserved for the host bridge, not %s",
			cfg->devs[0].name);
		rc = -EINVAL;
		goto fail;
	}
	for (size_t i = 0; i < cfg->ndevs; i++) {
		const struct pci_vdev_ops *ops = pci_vdev_find_ops(cfg->devs[i].name);

		if (ops == NULL) {
			dm_errf(err, errlen, "unknown device '%s' at slot %u:%u", cfg->devs[i].name,
				cfg->devs[i].slot, cfg->devs[i].func);
			rc = -EINVAL;
			goto fail;
		}
		rc = pci_vdev_create(ctx, ops, &cfg->devs[i], err, errlen);
		if (rc != 0)
			goto fail;
	}
	rc = pci_check_functions(ctx, err, errlen);
	for (int sl = 0; sl < DM_PCI_SLOTS; sl++)
		for (int f = 0; f < DM_PCI_FUNCS; f++)
			if (bus->dev[sl][f] != NULL)
				memcpy(bus->dev[sl][f]->cfg_init, bus->dev[sl][f]->cfg, PCI_CFG_SIZE);
	if (rc == 0)
		rc = pio_register(ctx, "pci-cf8", PCI_CF8_PORT, 1, pci_cf8_io, NULL);
	if (rc == 0) {
		rc = pio_register(ctx, "pci-cfc", PCI_CFC_PORT, 4, pci_cfc_io, NULL);
		if (rc != 0)
			pio_unregister(ctx, PCI_CF8_PORT, 1);
	}
	if (rc != 0) {
		if (err != NULL && err[0] == '\0')
			dm_errf(err, errlen, "cannot register PCI configuration ports");
		goto fail;
	}
	bus->cf8_registered = true;
	return 0;
fail:
	pci_deinit(ctx);
	return rc;
}

/* Return one function to its post-init state (§6.2: what firmware left at boot). */
static void pci_vdev_reset(struct vmctx *ctx, struct pci_vdev *dev)
{
	pthread_mutex_lock(&dev->lock);
	for (int i = 0; i < PCI_BAR_COUNT; i++)
		pci_bar_unregister(dev, &dev->bar[i]);
	memcpy(dev->cfg, dev->cfg_init, PCI_CFG_SIZE);
	for (int i = 0; i < PCI_BAR_COUNT; i++) {
		struct pci_bar *bar = &dev->bar[i];
		uint32_t lo = pci_get_cfgdata32(dev, PCIR_BAR0 + 4 * i);

		if (bar->type == PCI_BAR_IO)
			bar->addr = lo & ~0x3U;
		else if (bar->type == PCI_BAR_MEM32)
			bar->addr = lo & ~0xfU;
		else if (bar->type == PCI_BAR_MEM64)
			bar->addr = (lo & ~0xfULL) |
				    ((uint64_t)pci_get_cfgdata32(dev, PCIR_BAR0 + 4 * i + 4) << 32);
	}
	for (int i = 0; i < PCI_BAR_COUNT; i++)
		if (dev->bar[i].type != PCI_BAR_MEM64_HI)
			pci_bar_register(dev, &dev->bar[i]);
	if (dev->msi.capoff != 0)
		pci_msi_cfgwrite(dev, dev->msi.capoff, 2);
	if (dev->msix.capoff != 0) {
		for (uint32_t i = 0; i < dev->msix.table_count; i++) {
			memset(&dev->msix.table[i], 0, sizeof(dev->msix.table[i]));
			dev->msix.table[i].vector_control = 1;
		}
		memset(dev->msix.pba, 0, dev->msix.pba_size);
		pci_msix_cfgwrite(dev, dev->msix.capoff, 2);
	}
	if (dev->lintr.pin != 0) {
		dev->lintr.asserted = false;
		pci_lintr_update(dev);
	}
	pthread_mutex_unlock(&dev->lock);
	if (dev->ops->vdev_reset != NULL)
		dev->ops->vdev_reset(ctx, dev);
}

void pci_reset(struct vmctx *ctx)
{
	struct pci_bus *bus = ctx->pci;

	if (bus == NULL)
		return;
	bus->cf8 = 0;
	for (int s = 0; s < DM_PCI_SLOTS; s++)
		for (int f = 0; f < DM_PCI_FUNCS; f++)
			if (bus->dev[s][f] != NULL)
				pci_vdev_reset(ctx, bus->dev[s][f]);
}

void pci_deinit(struct vmctx *ctx)
{
	struct pci_bus *bus = ctx->pci;

	if (bus == NULL)
		return;
	if (bus->cf8_registered) {
		pio_unregister(ctx, PCI_CF8_PORT, 1);
		pio_unregister(ctx, PCI_CFC_PORT, 4);
	}
	for (int s = DM_PCI_SLOTS - 1; s >= 0; s--) {
		for (int f = DM_PCI_FUNCS - 1; f >= 0; f--) {
			if (bus->dev[s][f] != NULL)
				pci_vdev_free(ctx, bus->dev[s][f], true);
			bus->dev[s][f] = NULL;
		}
	}
	free(bus);
	ctx->pci = NULL;
}

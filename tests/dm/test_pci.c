/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PCI core through the fake back-end: configuration mechanisms, BAR sizing and
 * relocation, capability list, MSI, MSI-X and INTx, driven by guest-style
 * requests against the host bridge, the LPC bridge and a test device.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "dmtest.h"
#include "io_dispatch.h"
#include "guest_mem.h"
#include "pci_core.h"
#include "platform_devices.h"
#include "hw/acpi_pm.h"

/* --- a test device: I/O, MEM32 and MEM64 BARs, MSI, MSI-X, INTx --- */

#define TD_SLOT		3
#define TD_IO_SIZE	16
#define TD_MEM_SIZE	4096
#define TD_MEM64_SIZE	(1 << 20)
#define TD_MSIX_BAR	4
#define TD_MSIX_VECS	8

struct td_state {
	int writes;
	int last_idx;
	uint64_t last_off, last_val;
};

static int td_init(struct vmctx *ctx, struct pci_vdev *dev, const struct dm_dev_config *cfg)
{
	struct td_state *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL)
		return -ENOMEM;
	dev->arg = s;
	pci_set_cfgdata16(dev, PCIR_VENDOR, 0xabcd);
	pci_set_cfgdata16(dev, PCIR_DEVICE, 0x0042);
	pci_set_cfgdata8(dev, PCIR_CLASS, 0xff);
	rc = pci_emul_alloc_bar(dev, 0, PCI_BAR_IO, TD_IO_SIZE);
	if (rc == 0)
		rc = pci_emul_alloc_bar(dev, 1, PCI_BAR_MEM32, TD_MEM_SIZE);
	if (rc == 0)
		rc = pci_emul_alloc_bar(dev, 2, PCI_BAR_MEM64, TD_MEM64_SIZE);
	if (rc == 0)
		rc = pci_emul_add_msicap(dev, 4);
	if (rc == 0)
		rc = pci_emul_add_msixcap(dev, TD_MSIX_VECS, TD_MSIX_BAR);
	if (rc == 0)
		rc = pci_lintr_request(dev);
	if (rc != 0) {
		free(s);
		dev->arg = NULL;
	}
	return rc;
}

static void td_deinit(struct vmctx *ctx, struct pci_vdev *dev)
{
	free(dev->arg);
}

static void td_barwrite(struct vmctx *ctx, struct pci_vdev *dev, int idx, uint64_t off, int size,
			uint64_t val)
{
	struct td_state *s = dev->arg;

	s->writes++;
	s->last_idx = idx;
	s->last_off = off;
	s->last_val = val;
}

static uint64_t td_barread(struct vmctx *ctx, struct pci_vdev *dev, int idx, uint64_t off,
			   int size)
{
	return 0x1000u * (uint64_t)(idx + 1) + off;	/* identifies BAR and offset */
}

static const struct pci_vdev_ops pci_ops_dmtest = {
	.class_name = "dmtest-dev",
	.vdev_init = td_init,
	.vdev_deinit = td_deinit,
	.vdev_barwrite = td_barwrite,
	.vdev_barread = td_barread,
};
PCI_VDEV_REGISTER(pci_ops_dmtest);

/* --- helpers --- */

static int setup(void **state)
{
	return dmtest_setup(state, "-m", "64M", "-s", "1:0,lpc", "-s", "3,dmtest-dev",    "vm", NULL);
}

#define teardown dmtest_teardown
#define ctx_of dmtest_ctx

static uint32_t cfg_read(struct vmctx *ctx, int slot, int reg, int size)
{
	uint32_t v = 0;

	assert_int_equal(vmm_test_pcicfg(ctx, ACRN_IOREQ_DIR_READ, 0, (uint32_t)slot, 0,
					 (uint32_t)reg, size, &v), 0);
	return v;
}

static void cfg_write(struct vmctx *ctx, int slot, int reg, int size, uint32_t v)
{
	assert_int_equal(vmm_test_pcicfg(ctx, ACRN_IOREQ_DIR_WRITE, 0, (uint32_t)slot, 0,
					 (uint32_t)reg, size, &v), 0);
}

static uint64_t mmio_read(struct vmctx *ctx, uint64_t addr, int size)
{
	uint64_t v = 0;

	assert_int_equal(vmm_test_mmio(ctx, ACRN_IOREQ_DIR_READ, addr, size, &v), 0);
	return v;
}

static void mmio_write(struct vmctx *ctx, uint64_t addr, int size, uint64_t v)
{
	assert_int_equal(vmm_test_mmio(ctx, ACRN_IOREQ_DIR_WRITE, addr, size, &v), 0);
}

static uint64_t pio_read(struct vmctx *ctx, uint32_t port, int size)
{
	uint64_t v = 0;

	assert_int_equal(vmm_test_pio(ctx, ACRN_IOREQ_DIR_READ, port, size, &v), 0);
	return v;
}

static void pio_write(struct vmctx *ctx, uint32_t port, int size, uint64_t v)
{
	assert_int_equal(vmm_test_pio(ctx, ACRN_IOREQ_DIR_WRITE, port, size, &v), 0);
}

static uint32_t cf8_read(struct vmctx *ctx, int slot, int reg, int size)
{
	pio_write(ctx, 0xcf8, 4, 0x80000000U | ((uint32_t)slot << 11) | ((uint32_t)reg & 0xfc));
	return (uint32_t)pio_read(ctx, 0xcfc + ((uint32_t)reg & 3), size);
}

/* Walk the capability list; return the offset of capability @p id, 0 if absent. */
static int find_cap(struct vmctx *ctx, int slot, uint8_t id)
{
	int off = (int)cfg_read(ctx, slot, PCIR_CAP_PTR, 1), steps = 0;

	while (off != 0) {
		assert_true(off >= 0x40 && off <= 0xfc && (off & 3) == 0);
		assert_true(++steps < 48);
		if (cfg_read(ctx, slot, off, 1) == id)
			return off;
		off = (int)cfg_read(ctx, slot, off + 1, 1);
	}
	return 0;
}

/* --- tests --- */

static void test_pci_hostbridge_ids_via_cf8_cfc(void **state)
{
	struct vmctx *ctx = ctx_of(state);

	assert_int_equal(cf8_read(ctx, 0, PCIR_VENDOR, 4), 0x12378086);
	assert_int_equal(pio_read(ctx, 0xcf8, 4), 0x80000000U);	/* CONFIG_ADDRESS reads back */
	assert_int_equal(cf8_read(ctx, 0, PCIR_DEVICE, 2), 0x1237);
	assert_int_equal(cf8_read(ctx, 0, PCIR_CLASS, 1), 0x06);
	assert_int_equal(cf8_read(ctx, 0, PCIR_SUBCLASS, 1), 0x00);
	assert_int_equal(cf8_read(ctx, 1, PCIR_VENDOR, 4), 0x70008086);	/* LPC bridge */
	assert_int_equal(cf8_read(ctx, 1, PCIR_SUBCLASS, 1), 0x01);
	assert_int_equal(cf8_read(ctx, 9, PCIR_VENDOR, 4), 0xffffffffU);	/* empty slot */
	/* Enable bit clear: no configuration cycle, the data port floats. */
	pio_write(ctx, 0xcf8, 4, 0x00000000);
	assert_int_equal(pio_read(ctx, 0xcfc, 4), 0xffffffffU);
	/* A byte write to 0xCF8 is not CONFIG_ADDRESS. */
	pio_write(ctx, 0xcf8, 4, 0x80000000U);
	pio_write(ctx, 0xcf8, 1, 0x55);
	assert_int_equal(pio_read(ctx, 0xcf8, 4), 0x80000000U);
}

static void test_pci_hostbridge_ids_via_pcicfg_request(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	uint32_t v;

	assert_int_equal(cfg_read(ctx, 0, PCIR_VENDOR, 4), 0x12378086);
	assert_int_equal(cfg_read(ctx, 0, PCIR_DEVICE, 2), 0x1237);
	assert_int_equal(cfg_read(ctx, 0, PCIR_HDRTYPE, 1), 0x00);
	assert_int_equal(cfg_read(ctx, TD_SLOT, PCIR_VENDOR, 4), 0x0042abcd);
	assert_int_equal(cfg_read(ctx, 7, PCIR_VENDOR, 2), 0xffff);
	assert_int_equal(cfg_read(ctx, 0, 0x100, 4), 0);	/* no extended space */
	/* Bus 1 does not exist. */
	assert_int_equal(vmm_test_pcicfg(ctx, ACRN_IOREQ_DIR_READ, 1, 0, 0, 0, 4, &v), 0);
	assert_int_equal(v, 0xffffffffU);
	/* The IDs are read-only. */
	cfg_write(ctx, 0, PCIR_VENDOR, 4, 0);
	assert_int_equal(cfg_read(ctx, 0, PCIR_VENDOR, 4), 0x12378086);
}

static void test_pci_bar_sizing_returns_size_mask(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	uint32_t orig[6];

	for (int i = 0; i < 6; i++)
		orig[i] = cfg_read(ctx, TD_SLOT, PCIR_BAR0 + 4 * i, 4);
	assert_int_equal(orig[0] & 1, 1);		/* I/O */
	assert_int_equal(orig[2] & 6, 4);		/* 64-bit memory */
	for (int i = 0; i < 6; i++)
		cfg_write(ctx, TD_SLOT, PCIR_BAR0 + 4 * i, 4, 0xffffffffU);
	assert_int_equal(cfg_read(ctx, TD_SLOT, PCIR_BAR0, 4), (uint32_t)~(TD_IO_SIZE - 1) | 1);
	assert_int_equal(cfg_read(ctx, TD_SLOT, PCIR_BAR0 + 4, 4), (uint32_t)~(TD_MEM_SIZE - 1));
	assert_int_equal(cfg_read(ctx, TD_SLOT, PCIR_BAR0 + 8, 4),
			 (uint32_t)~(TD_MEM64_SIZE - 1) | 4);
	assert_int_equal(cfg_read(ctx, TD_SLOT, PCIR_BAR0 + 12, 4), 0xffffffffU);
	assert_int_equal(cfg_read(ctx, TD_SLOT, PCIR_BAR0 + 16, 4), 0xffffe000U);	/* MSI-X: 8 KiB */
	assert_int_equal(cfg_read(ctx, TD_SLOT, PCIR_BAR0 + 20, 4), 0);		/* none */
	for (int i = 0; i < 6; i++)
		cfg_write(ctx, TD_SLOT, PCIR_BAR0 + 4 * i, 4, orig[i]);
	for (int i = 0; i < 6; i++)
		assert_int_equal(cfg_read(ctx, TD_SLOT, PCIR_BAR0 + 4 * i, 4), orig[i]);
	/* Back at its address, the memory BAR decodes again. */
	assert_int_equal(mmio_read(ctx, orig[1] + 0x10, 4), 0x2010);
}

static void test_pci_bar_relocation_moves_handler(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	uint32_t mem = cfg_read(ctx, TD_SLOT, PCIR_BAR0 + 4, 4);
	uint32_t io = cfg_read(ctx, TD_SLOT, PCIR_BAR0, 4) & ~3U;
	uint64_t hi = cfg_read(ctx, TD_SLOT, PCIR_BAR0 + 12, 4);
	uint64_t m64 = (hi << 32) | (cfg_read(ctx, TD_SLOT, PCIR_BAR0 + 8, 4) & ~0xfU);
	struct pci_vdev *dev = pci_get_vdev(ctx, 0, TD_SLOT, 0);
	struct td_state *s = dev->arg;

	assert_true(mem >= PCI_MMIO32_BASE && mem < PCI_MMIO32_LIMIT);
	assert_true(io >= PCI_PIO_BASE && io < PCI_PIO_LIMIT);
	assert_true(m64 >= DM_HIGHMEM_BASE);
	assert_int_equal(mmio_read(ctx, mem + 4, 4), 0x2004);
	assert_int_equal(pio_read(ctx, io + 2, 2), 0x1002);
	assert_int_equal(mmio_read(ctx, m64 + 8, 8), 0x3008);

	cfg_write(ctx, TD_SLOT, PCIR_BAR0 + 4, 4, 0xd1000000);
	cfg_write(ctx, TD_SLOT, PCIR_BAR0, 4, 0x3000);
	cfg_write(ctx, TD_SLOT, PCIR_BAR0 + 8, 4, 0x00000000);
	cfg_write(ctx, TD_SLOT, PCIR_BAR0 + 12, 4, 0x20);
	assert_true(mmio_read(ctx, mem + 4, 4) == 0xffffffffU);	/* old range gone */
	assert_int_equal(mmio_read(ctx, 0xd1000004, 4), 0x2004);
	assert_true(pio_read(ctx, io + 2, 2) == 0xffff);
	assert_int_equal(pio_read(ctx, 0x3002, 2), 0x1002);
	assert_int_equal(mmio_read(ctx, 0x2000000000ULL + 8, 8), 0x3008);
	mmio_write(ctx, 0xd1000008, 4, 0x77);
	assert_int_equal(s->last_idx, 1);
	assert_int_equal(s->last_off, 8);
	assert_int_equal(s->last_val, 0x77);
	/* Put everything back for the other tests. */
	cfg_write(ctx, TD_SLOT, PCIR_BAR0 + 4, 4, mem);
	cfg_write(ctx, TD_SLOT, PCIR_BAR0, 4, io);
	cfg_write(ctx, TD_SLOT, PCIR_BAR0 + 8, 4, (uint32_t)m64);
	cfg_write(ctx, TD_SLOT, PCIR_BAR0 + 12, 4, (uint32_t)hi);
	assert_int_equal(mmio_read(ctx, mem + 4, 4), 0x2004);
}

static void test_pci_command_decode_bits_toggle_handlers(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	uint32_t mem = cfg_read(ctx, TD_SLOT, PCIR_BAR0 + 4, 4);
	uint32_t io = cfg_read(ctx, TD_SLOT, PCIR_BAR0, 4) & ~3U;
	uint16_t cmd = (uint16_t)cfg_read(ctx, TD_SLOT, PCIR_COMMAND, 2);

	assert_int_equal(cmd & (PCIM_CMD_PORTEN | PCIM_CMD_MEMEN), PCIM_CMD_PORTEN | PCIM_CMD_MEMEN);
	cfg_write(ctx, TD_SLOT, PCIR_COMMAND, 2, cmd & ~PCIM_CMD_MEMEN);
	assert_true(mmio_read(ctx, mem, 4) == 0xffffffffU);
	assert_int_equal(pio_read(ctx, io, 1), 0x00);		/* I/O still decoded */
	cfg_write(ctx, TD_SLOT, PCIR_COMMAND, 2, cmd & ~PCIM_CMD_PORTEN);
	assert_int_equal(mmio_read(ctx, mem, 4), 0x2000);
	assert_true(pio_read(ctx, io, 1) == 0xff);
	cfg_write(ctx, TD_SLOT, PCIR_COMMAND, 2, cmd);
	assert_int_equal(pio_read(ctx, io + 1, 1), 0x01);
}

static void test_pci_capability_list_walk(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	int msi, msix;

	assert_true(cfg_read(ctx, TD_SLOT, PCIR_STATUS, 2) & PCIM_STATUS_CAPPRESENT);
	assert_false(cfg_read(ctx, 0, PCIR_STATUS, 2) & PCIM_STATUS_CAPPRESENT);
	msi = find_cap(ctx, TD_SLOT, PCIY_MSI);
	msix = find_cap(ctx, TD_SLOT, PCIY_MSIX);
	assert_int_not_equal(msi, 0);
	assert_int_not_equal(msix, 0);
	assert_int_equal(find_cap(ctx, TD_SLOT, 0x09), 0);
	/* MSI: 4 vectors capable (MMC = 2), 64-bit. MSI-X: table size 8 in BAR 4. */
	assert_int_equal(cfg_read(ctx, TD_SLOT, msi + 2, 2) & 0x8e, 0x84);
	assert_int_equal(cfg_read(ctx, TD_SLOT, msix + 2, 2) & 0x7ff, TD_MSIX_VECS - 1);
	assert_int_equal(cfg_read(ctx, TD_SLOT, msix + 4, 4), TD_MSIX_BAR);
	assert_int_equal(cfg_read(ctx, TD_SLOT, msix + 8, 4), 0x1000 | TD_MSIX_BAR);
	/* The list pointers are read-only. */
	cfg_write(ctx, TD_SLOT, PCIR_CAP_PTR, 1, 0x80);
	cfg_write(ctx, TD_SLOT, msi + 1, 1, 0x90);
	assert_int_equal(find_cap(ctx, TD_SLOT, PCIY_MSIX), msix);
}

static void test_pci_msi_delivered_only_when_enabled_with_vector_index(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	struct vmm_test_state *st = vmm_test_get(ctx);
	struct pci_vdev *dev = pci_get_vdev(ctx, 0, TD_SLOT, 0);
	int msi = find_cap(ctx, TD_SLOT, PCIY_MSI);
	uint16_t cmd = (uint16_t)cfg_read(ctx, TD_SLOT, PCIR_COMMAND, 2);
	size_t n0 = st->nmsi;

	assert_int_equal(pci_generate_msi(dev, 0), -EAGAIN);
	cfg_write(ctx, TD_SLOT, msi + 4, 4, 0xfee01003);	/* low 2 bits read-only 0 */
	cfg_write(ctx, TD_SLOT, msi + 8, 4, 0);
	cfg_write(ctx, TD_SLOT, msi + 12, 2, 0x4420);
	cfg_write(ctx, TD_SLOT, msi + 2, 2, (2 << 4) | 1);	/* 4 messages, enable */
	assert_int_equal(cfg_read(ctx, TD_SLOT, msi + 4, 4), 0xfee01000);
	assert_int_equal(pci_generate_msi(dev, 3), -EAGAIN);	/* not a bus master yet */
	cfg_write(ctx, TD_SLOT, PCIR_COMMAND, 2, cmd | PCIM_CMD_BUSMASTER);
	assert_int_equal(pci_generate_msi(dev, 3), 0);
	assert_int_equal(pci_generate_msi(dev, 4), -EINVAL);
	assert_int_equal(st->nmsi, n0 + 1);
	assert_true(st->msi[n0].msi_addr == 0xfee01000);
	assert_true(st->msi[n0].msi_data == 0x4423);
	cfg_write(ctx, TD_SLOT, msi + 2, 2, 0);
	assert_int_equal(pci_generate_msi(dev, 0), -EAGAIN);
	cfg_write(ctx, TD_SLOT, PCIR_COMMAND, 2, cmd);
}

static void test_pci_msix_table_write_mask_and_pending(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	struct vmm_test_state *st = vmm_test_get(ctx);
	struct pci_vdev *dev = pci_get_vdev(ctx, 0, TD_SLOT, 0);
	int cap = find_cap(ctx, TD_SLOT, PCIY_MSIX);
	uint64_t bar = cfg_read(ctx, TD_SLOT, PCIR_BAR0 + 4 * TD_MSIX_BAR, 4) & ~0xfULL;
	uint64_t e2 = bar + 2 * 16, pba = bar + 0x1000;
	uint16_t cmd = (uint16_t)cfg_read(ctx, TD_SLOT, PCIR_COMMAND, 2);
	size_t n0 = st->nmsi;

	assert_int_equal(mmio_read(ctx, e2 + 12, 4), 1);	/* masked after reset */
	mmio_write(ctx, e2, 8, 0xfee02000);
	mmio_write(ctx, e2 + 8, 4, 0x51);
	mmio_write(ctx, e2 + 8, 2, 0xffff);			/* not DWORD/QWORD: ignored */
	assert_int_equal(mmio_read(ctx, e2, 8), 0xfee02000);
	assert_int_equal(mmio_read(ctx, e2 + 8, 4), 0x51);
	assert_int_equal(pci_generate_msix(dev, 2), -EAGAIN);	/* MSI-X not enabled */
	cfg_write(ctx, TD_SLOT, PCIR_COMMAND, 2, cmd | PCIM_CMD_BUSMASTER);
	cfg_write(ctx, TD_SLOT, cap + 2, 2, 0x8000);		/* enable */
	assert_true(pci_msix_enabled(dev));

	/* Masked vector: the message is held as a pending bit. */
	assert_int_equal(pci_generate_msix(dev, 2), -EAGAIN);
	assert_int_equal(st->nmsi, n0);
	assert_int_equal(mmio_read(ctx, pba, 8), 1 << 2);
	mmio_write(ctx, pba, 8, 0);				/* the PBA is read-only */
	assert_int_equal(mmio_read(ctx, pba, 4), 1 << 2);
	/* Unmasking sends it and clears the pending bit. */
	mmio_write(ctx, e2 + 12, 4, 0);
	assert_int_equal(st->nmsi, n0 + 1);
	assert_true(st->msi[n0].msi_addr == 0xfee02000 && st->msi[n0].msi_data == 0x51);
	assert_int_equal(mmio_read(ctx, pba, 8), 0);
	assert_int_equal(pci_generate_msix(dev, 2), 0);
	assert_int_equal(st->nmsi, n0 + 2);

	/* Function mask holds every vector; clearing it delivers the pending one. */
	cfg_write(ctx, TD_SLOT, cap + 2, 2, 0xc000);
	assert_int_equal(pci_generate_msix(dev, 2), -EAGAIN);
	assert_int_equal(st->nmsi, n0 + 2);
	cfg_write(ctx, TD_SLOT, cap + 2, 2, 0x8000);
	assert_int_equal(st->nmsi, n0 + 3);
	assert_int_equal(pci_generate_msix(dev, TD_MSIX_VECS), -EINVAL);

	cfg_write(ctx, TD_SLOT, cap + 2, 2, 0);
	mmio_write(ctx, e2 + 12, 4, 1);
	cfg_write(ctx, TD_SLOT, PCIR_COMMAND, 2, cmd);
}

static void test_pci_intx_assert_drives_irqline(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	struct vmm_test_state *st = vmm_test_get(ctx);
	struct pci_vdev *dev = pci_get_vdev(ctx, 0, TD_SLOT, 0);
	uint16_t cmd = (uint16_t)cfg_read(ctx, TD_SLOT, PCIR_COMMAND, 2);
	uint32_t gsi = cfg_read(ctx, TD_SLOT, PCIR_INTLINE, 1);
	unsigned int changes;

	assert_int_equal(cfg_read(ctx, TD_SLOT, PCIR_INTPIN, 1), 1);	/* INTA# */
	assert_true(gsi >= 16 && gsi < 24);
	assert_int_equal(pci_lintr_assert(dev), 0);
	assert_int_equal(st->irq_level[gsi], 1);
	assert_true(cfg_read(ctx, TD_SLOT, PCIR_STATUS, 2) & PCIM_STATUS_INTXSTAT);
	changes = st->irq_changes[gsi];
	assert_int_equal(pci_lintr_assert(dev), 0);		/* level: no second edge */
	assert_int_equal(st->irq_changes[gsi], changes);
	/* INTx Disable lowers the line but the status bit still shows the request. */
	cfg_write(ctx, TD_SLOT, PCIR_COMMAND, 2, cmd | PCIM_CMD_INTXDIS);
	assert_int_equal(st->irq_level[gsi], 0);
	assert_true(cfg_read(ctx, TD_SLOT, PCIR_STATUS, 2) & PCIM_STATUS_INTXSTAT);
	cfg_write(ctx, TD_SLOT, PCIR_COMMAND, 2, cmd);
	assert_int_equal(st->irq_level[gsi], 1);
	assert_int_equal(pci_lintr_deassert(dev), 0);
	assert_int_equal(st->irq_level[gsi], 0);
	assert_false(cfg_read(ctx, TD_SLOT, PCIR_STATUS, 2) & PCIM_STATUS_INTXSTAT);
	/* The host bridge has no pin. */
	assert_int_equal(pci_lintr_assert(pci_get_vdev(ctx, 0, 0, 0)), -EINVAL);
}

static void test_pci_reset_restores_post_init_state(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	struct vmm_test_state *st = vmm_test_get(ctx);
	struct pci_vdev *dev = pci_get_vdev(ctx, 0, TD_SLOT, 0);
	uint32_t mem = cfg_read(ctx, TD_SLOT, PCIR_BAR0 + 4, 4);
	uint16_t cmd = (uint16_t)cfg_read(ctx, TD_SLOT, PCIR_COMMAND, 2);
	uint32_t gsi = cfg_read(ctx, TD_SLOT, PCIR_INTLINE, 1);
	int cap = find_cap(ctx, TD_SLOT, PCIY_MSIX);
	uint64_t msix_bar = cfg_read(ctx, TD_SLOT, PCIR_BAR0 + 4 * TD_MSIX_BAR, 4) & ~0xfULL;

	/* The guest moves a BAR, sets up MSI-X with a pending vector, raises INTx. */
	cfg_write(ctx, TD_SLOT, PCIR_BAR0 + 4, 4, 0xd2000000);
	cfg_write(ctx, TD_SLOT, PCIR_COMMAND, 2, cmd | PCIM_CMD_BUSMASTER);
	cfg_write(ctx, TD_SLOT, cap + 2, 2, 0x8000);
	mmio_write(ctx, msix_bar, 8, 0xfee03000);
	assert_int_equal(pci_generate_msix(dev, 0), -EAGAIN);
	assert_int_equal(pci_lintr_assert(dev), 0);
	cfg_write(ctx, 0, PCIR_INTLINE, 1, 0x0b);

	pci_reset(ctx);
	assert_int_equal(cfg_read(ctx, TD_SLOT, PCIR_BAR0 + 4, 4), mem);
	assert_int_equal(mmio_read(ctx, mem + 4, 4), 0x2004);		/* decoded again */
	assert_true(mmio_read(ctx, 0xd2000004, 4) == 0xffffffffU);
	assert_int_equal(cfg_read(ctx, TD_SLOT, PCIR_COMMAND, 2), cmd);
	assert_false(pci_msix_enabled(dev));
	assert_int_equal(mmio_read(ctx, msix_bar + 12, 4), 1);		/* masked */
	assert_int_equal(mmio_read(ctx, msix_bar, 8), 0);
	assert_int_equal(mmio_read(ctx, msix_bar + 0x1000, 8), 0);	/* no pending bits */
	assert_int_equal(st->irq_level[gsi], 0);
	assert_int_equal(cfg_read(ctx, 0, PCIR_INTLINE, 1), 0);
	assert_int_equal(cfg_read(ctx, 0, PCIR_VENDOR, 4), 0x12378086);
}

static void test_pci_bad_topologies_rejected(void **state)
{
	struct dmtest_vm vm;

	assert_int_equal(dmtest_vm_create(&vm, "-s", "3,no-such-dev", "v", NULL), -EINVAL);
	assert_non_null(strstr(vm.err, "unknown device"));
	dmtest_vm_destroy(&vm);
	assert_int_equal(dmtest_vm_create(&vm, "-s", "0:0,lpc", "v", NULL), -EINVAL);
	assert_non_null(strstr(vm.err, "host bridge"));
	dmtest_vm_destroy(&vm);
	assert_int_equal(dmtest_vm_create(&vm, "-s", "5:1,dmtest-dev", "v", NULL), -EINVAL);
	assert_non_null(strstr(vm.err, "no function 0"));
	dmtest_vm_destroy(&vm);
	assert_int_equal(dmtest_vm_create(&vm, "-s", "1,lpc", "-s", "2,lpc", "v", NULL), -EEXIST);
	dmtest_vm_destroy(&vm);
}

static void test_pci_multifunction_bit_and_explicit_hostbridge(void **state)
{
	struct dmtest_vm vm;

	assert_int_equal(dmtest_vm_create(&vm, "-s", "0:0,hostbridge", "-s", "5:0,dmtest-dev",
					  "-s", "5:1,dmtest-dev", "v", NULL), 0);
	assert_int_equal(cfg_read(vm.ctx, 5, PCIR_HDRTYPE, 1) & PCIM_HDRTYPE_MULTI,
			 PCIM_HDRTYPE_MULTI);
	assert_int_equal(cfg_read(vm.ctx, 0, PCIR_HDRTYPE, 1), 0);
	assert_int_equal(cfg_read(vm.ctx, 0, PCIR_VENDOR, 2), 0x8086);
	dmtest_vm_destroy(&vm);
}

static uint32_t cfg_read_fn(struct vmctx *ctx, int slot, int func, int reg, int size)
{
	uint32_t v = 0;

	assert_int_equal(vmm_test_pcicfg(ctx, ACRN_IOREQ_DIR_READ, 0, (uint32_t)slot,
					 (uint32_t)func, (uint32_t)reg, size, &v), 0);
	return v;
}

static void cfg_write_fn(struct vmctx *ctx, int slot, int func, int reg, int size, uint32_t v)
{
	assert_int_equal(vmm_test_pcicfg(ctx, ACRN_IOREQ_DIR_WRITE, 0, (uint32_t)slot,
					 (uint32_t)func, (uint32_t)reg, size, &v), 0);
}

/*
 * The PIIX4 PM function at 1:3, walked the way OVMF's timer library does on an
 * i440FX: PMREGMISC.PMIOSE set means "configured", then PMBA (I/O indicator
 * masked off) + 8 is the ACPI PM timer, which must count at 3.58 MHz.  Writes
 * that would move the block are ignored: the FADT publishes the fixed ports.
 */
static void test_pci_piix4_pm_leads_firmware_to_the_pm_timer(void **state)
{
	struct dmtest_vm vm;
	uint32_t pmba, port, a, b;
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	(void)state;
	assert_int_equal(dmtest_vm_create(&vm, "-m", "16M", "-s", "1:0,lpc", "-s", "1:3,piix4-pm",
					  "v", NULL), 0);
	assert_int_equal(platform_devices_init(vm.ctx, vm.err, sizeof(vm.err)), 0);
	/* Function 3 is only found when function 0 says it has more. */
	assert_int_equal(cfg_read_fn(vm.ctx, 1, 0, PCIR_HDRTYPE, 1) & PCIM_HDRTYPE_MULTI,
			 PCIM_HDRTYPE_MULTI);
	assert_int_equal(cfg_read_fn(vm.ctx, 1, 3, PCIR_VENDOR, 4), 0x71138086);
	assert_int_equal(cfg_read_fn(vm.ctx, 1, 3, PCIR_CLASS, 1), 0x06);
	assert_int_equal(cfg_read_fn(vm.ctx, 1, 3, 0x80, 1) & 1, 1);	/* PMIOSE */
	/* Firmware's "set the base if not enabled" write changes nothing. */
	cfg_write_fn(vm.ctx, 1, 3, 0x40, 4, 0x0601);
	cfg_write_fn(vm.ctx, 1, 3, 0x80, 1, 0);
	assert_int_equal(cfg_read_fn(vm.ctx, 1, 3, 0x80, 1) & 1, 1);
	pmba = cfg_read_fn(vm.ctx, 1, 3, 0x40, 4);
	assert_int_equal(pmba & 1, 1);				/* I/O space indicator */
	assert_int_equal(pmba & ~1U, ACPI_PM1A_EVT_ADDR);	/* the FADT's block */
	port = (pmba & ~1U) + 8;
	a = (uint32_t)pio_read(vm.ctx, port, 4);
	nanosleep(&ts, NULL);
	b = (uint32_t)pio_read(vm.ctx, port, 4);
	assert_true(((b - a) & 0xffffff) >= 35000);		/* 10 ms at 3.579545 MHz */
	/* Function 0 of a slot is the ISA bridge's, never this one's. */
	platform_devices_deinit(vm.ctx);
	dmtest_vm_destroy(&vm);
	assert_int_not_equal(dmtest_vm_create(&vm, "-s", "4:0,piix4-pm", "v", NULL), 0);
	dmtest_vm_destroy(&vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pci_hostbridge_ids_via_cf8_cfc),
		cmocka_unit_test(test_pci_hostbridge_ids_via_pcicfg_request),
		cmocka_unit_test(test_pci_bar_sizing_returns_size_mask),
		cmocka_unit_test(test_pci_bar_relocation_moves_handler),
		cmocka_unit_test(test_pci_command_decode_bits_toggle_handlers),
		cmocka_unit_test(test_pci_capability_list_walk),
		cmocka_unit_test(test_pci_msi_delivered_only_when_enabled_with_vector_index),
		cmocka_unit_test(test_pci_msix_table_write_mask_and_pending),
		cmocka_unit_test(test_pci_intx_assert_drives_irqline),
		cmocka_unit_test(test_pci_reset_restores_post_init_state),
		cmocka_unit_test(test_pci_bad_topologies_rejected),
		cmocka_unit_test(test_pci_multifunction_bit_and_explicit_hostbridge),
		cmocka_unit_test(test_pci_piix4_pm_leads_firmware_to_the_pm_timer),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

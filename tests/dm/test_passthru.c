/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -s N,passthru,B/D/F against a fake sysfs tree (passthru_sysfs_root): a
 * NE2000-like function 00:04.0 with an I/O BAR, a 16 KiB memory BAR (MSI-X
 * table of 4 entries in its third page, PBA in the fourth), an MSI
 * capability (64-bit, per-vector masking) and INTA# on IOAPIC pin 11, bound
 * to a driver "ne2k-pci".  Regular files stand in for
 * config, resourceN, reset and the driver's bind/unbind, so every effect on
 * the "host" can be read back.  The VMM is the fake back-end, which records
 * the assign and INTx hypercalls.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dm_log.h"
#include "dmtest.h"
#include "fake_pciaccess.h"
#include "hw/passthru.h"
#include "pci_core.h"

#define SLOT		5
#define PHYS_BDF	0x20		/* 00:04.0 */
#define IO_SIZE		32
#define MEM_SIZE	0x4000
#define HOST_MEM	0xfebf0000ULL
#define HOST_MSI	0x40		/* host capability offsets */
#define HOST_MSIX	0x50
#define TABLE_OFF	0x2000
#define PBA_OFF		0x3000
#define NVEC		4

static char root[64];
static char devdir[256];

static void put(const char *rel, const void *data, size_t len)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static size_t get(const char *rel, void *buf, size_t len, off_t off)
{
	char path[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = pread(fd, buf, len, off);
	close(fd);
	return n > 0 ? (size_t)n : 0;
}

/* The content of a small text file, "" if absent or empty. */
static const char *text(const char *rel)
{
	static char buf[128];
	size_t n = get(rel, buf, sizeof(buf) - 1, 0);

	buf[n] = '\0';
	return buf;
}

static void mk(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(mkdir(path, 0700), 0);
}

#define DEV "bus/pci/devices/0000:00:04.0"

static int setup(void **state)
{
	uint8_t cfg[256] = { 0 };
	uint8_t io[IO_SIZE], mem[MEM_SIZE];
	char res[1024] = "";
	char path[512];

	strcpy(root, "/tmp/dm-passthru-XXXXXX");
	if (mkdtemp(root) == NULL)
		return -1;
	mk("bus"); mk("bus/pci"); mk("bus/pci/devices"); mk("bus/pci/drivers");
	mk("bus/pci/drivers/ne2k-pci"); mk(DEV); mk("class"); mk("class/iommu");
	put("bus/pci/drivers/ne2k-pci/bind", "", 0);
	put("bus/pci/drivers/ne2k-pci/unbind", "", 0);
	snprintf(path, sizeof(path), "%s/" DEV "/driver", root);
	assert_int_equal(symlink("../../drivers/ne2k-pci", path), 0);

	cfg[0] = 0xec; cfg[1] = 0x10; cfg[2] = 0x29; cfg[3] = 0x80;	/* 10ec:8029 */
	cfg[4] = 0x03;							/* IO+MEM */
	cfg[6] = 0x10;							/* cap list */
	cfg[8] = 0x07; cfg[0x0a] = 0x00; cfg[0x0b] = 0x02;		/* ethernet */
	cfg[0x10] = 0x01; cfg[0x11] = 0xc1;				/* I/O 0xc100 */
	cfg[0x14] = 0x00; cfg[0x16] = 0xbf; cfg[0x17] = 0xfe;		/* mem 0xfebf0000 */
	cfg[0x2c] = 0xf4; cfg[0x2d] = 0x1a; cfg[0x2e] = 0x00; cfg[0x2f] = 0x11;
	cfg[0x34] = HOST_MSI;
	cfg[HOST_MSI] = PCIY_MSI; cfg[HOST_MSI + 1] = HOST_MSIX;
	cfg[HOST_MSI + 2] = 0x80 | 0x06; cfg[HOST_MSI + 3] = 0x01;	/* 64-bit, PVM, MMC 8 */
	cfg[HOST_MSIX] = PCIY_MSIX; cfg[HOST_MSIX + 2] = NVEC - 1;
	cfg[HOST_MSIX + 4] = (TABLE_OFF & 0xff) | 1; cfg[HOST_MSIX + 5] = TABLE_OFF >> 8;
	cfg[HOST_MSIX + 8] = (PBA_OFF & 0xff) | 1; cfg[HOST_MSIX + 9] = PBA_OFF >> 8;
	cfg[0x3c] = 11; cfg[0x3d] = 1;
	put(DEV "/config", cfg, sizeof(cfg));
	snprintf(res, sizeof(res),
		 "0x000000000000c100 0x000000000000c11f 0x0000000000040101\n"
		 "0x00000000febf0000 0x00000000febf3fff 0x0000000000040200\n"
		 "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		 "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		 "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		 "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		 "0x0000000000000000 0x0000000000000000 0x0000000000000000\n");
	put(DEV "/resource", res, strlen(res));
	for (int i = 0; i < IO_SIZE; i++)
		io[i] = (uint8_t)(0x40 + i);
	for (int i = 0; i < MEM_SIZE; i++)
		mem[i] = (uint8_t)i;
	put(DEV "/resource0", io, sizeof(io));
	put(DEV "/resource1", mem, sizeof(mem));
	put(DEV "/irq", "11\n", 3);
	put(DEV "/reset", "", 0);
	put("class/iommu/dmar0", "", 0);
	snprintf(devdir, sizeof(devdir), "%s/" DEV, root);
	passthru_sysfs_root = root;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	passthru_sysfs_root = "/sys";
	return system(cmd) == 0 ? 0 : -1;
}

static void no_iommu(void)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/class/iommu/dmar0", root);
	assert_int_equal(unlink(path), 0);
}

static int create(struct dmtest_vm *vm, const char *spec)
{
	return dmtest_vm_create(vm, "-m", "64M", "-s", spec, "vm", NULL);
}

static struct pci_vdev *ptdev(struct dmtest_vm *vm)
{
	return pci_get_vdev(vm->ctx, 0, SLOT, 0);
}

static void cfg_write(struct dmtest_vm *vm, int reg, int size, uint32_t v)
{
	assert_int_equal(vmm_test_pcicfg(vm->ctx, ACRN_IOREQ_DIR_WRITE, 0, SLOT, 0, reg, size, &v), 0);
}

static uint32_t cfg_read(struct dmtest_vm *vm, int reg, int size)
{
	uint32_t v = 0;

	assert_int_equal(vmm_test_pcicfg(vm->ctx, ACRN_IOREQ_DIR_READ, 0, SLOT, 0, reg, size, &v), 0);
	return v;
}

/* ------------------------------------------------------------------ */

static void test_refused_without_iommu_unless_unsafe(void **state)
{
	struct dmtest_vm vm;

	no_iommu();
	assert_int_equal(create(&vm, "5,passthru,0/4/0"), -EPERM);
	assert_null(vm.ctx);			/* refused before any VM exists */
	assert_non_null(strstr(vm.err, "device passthru at 5:0: no IOMMU"));
	assert_non_null(strstr(vm.err, "unsafe"));
	assert_null(strchr(vm.err, '\n'));
	assert_string_equal(text("bus/pci/drivers/ne2k-pci/unbind"), "");	/* untouched */
	dm_config_free(&vm.cfg);

	assert_int_equal(create(&vm, "5,passthru,0/4/0,unsafe"), 0);
	assert_non_null(ptdev(&vm));
	dmtest_vm_destroy(&vm);
}

static void test_iommu_present_needs_no_unsafe(void **state)
{
	struct dmtest_vm vm;

	assert_int_equal(create(&vm, "5,passthru,0/4/0"), 0);
	assert_int_equal(vmm_test_get(vm.ctx)->npcidev, 1);
	dmtest_vm_destroy(&vm);
}

static void test_bad_bdf_and_missing_device_are_one_line_errors(void **state)
{
	static const char *const bad[] = {
		"5,passthru", "5,passthru,0/4", "5,passthru,0/20/0", "5,passthru,0/4/8",
		"5,passthru,100/4/0", "5,passthru,0/4/0/0", "5,passthru,x/4/0", "5,passthru,0/-4/0",
	};
	struct dmtest_vm vm;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(create(&vm, bad[i]), -EINVAL);
		assert_non_null(strstr(vm.err, "BUS/DEV/FUNC"));
		dm_config_free(&vm.cfg);
	}
	assert_int_equal(create(&vm, "5,passthru,0/5/0"), -ENODEV);
	assert_non_null(strstr(vm.err, "no PCI device 0000:00:05.0"));
	assert_int_equal(fake_pciaccess_live, 0);	/* libpciaccess released */
	dm_config_free(&vm.cfg);
}

static void test_config_space_is_virtualized(void **state)
{
	struct dmtest_vm vm;
	struct pci_vdev *d;

	assert_int_equal(create(&vm, "5,passthru,0/4/0"), 0);
	d = ptdev(&vm);
	assert_int_equal(cfg_read(&vm, PCIR_VENDOR, 2), 0x10ec);
	assert_int_equal(cfg_read(&vm, PCIR_DEVICE, 2), 0x8029);
	assert_int_equal(cfg_read(&vm, PCIR_REVID, 1), 0x07);
	assert_int_equal(cfg_read(&vm, PCIR_CLASS, 1), 0x02);
	assert_int_equal(cfg_read(&vm, PCIR_SUBVEND, 2), 0x1af4);
	assert_int_equal(cfg_read(&vm, PCIR_SUBDEV, 2), 0x1100);
	/* MSI and MSI-X are offered (virtual copies), nothing else */
	assert_int_not_equal(cfg_read(&vm, PCIR_CAP_PTR, 1), 0);
	assert_int_not_equal(cfg_read(&vm, PCIR_STATUS, 2) & PCIM_STATUS_CAPPRESENT, 0);
	/* BARs of the same kinds and sizes, placed by the core, not the host's */
	assert_int_equal(d->bar[0].type, PCI_BAR_IO);
	assert_int_equal(d->bar[0].size, IO_SIZE);
	assert_int_equal(d->bar[1].type, PCI_BAR_MEM32);
	assert_int_equal(d->bar[1].size, MEM_SIZE);
	assert_int_not_equal(d->bar[0].addr, 0xc100);
	assert_int_equal(cfg_read(&vm, PCIR_BAR0, 4) & ~3U, d->bar[0].addr);
	assert_int_equal(d->bar[2].type, PCI_BAR_NONE);
	/* INTA# on a guest line */
	assert_int_equal(cfg_read(&vm, PCIR_INTPIN, 1), 1);
	assert_int_equal(cfg_read(&vm, PCIR_INTLINE, 1), d->lintr.gsi);
	/* BAR sizing as a guest does it */
	{
		uint32_t v = 0xffffffff;

		assert_int_equal(vmm_test_pcicfg(vm.ctx, ACRN_IOREQ_DIR_WRITE, 0, SLOT, 0,
						 PCIR_BAR0 + 4, 4, &v), 0);
		assert_int_equal(cfg_read(&vm, PCIR_BAR0 + 4, 4) & ~0xfU, (uint32_t)-MEM_SIZE);
	}
	dmtest_vm_destroy(&vm);
}

static void test_hypercalls_name_the_device_and_its_pin(void **state)
{
	struct dmtest_vm vm;
	struct vmm_test_state *st;
	struct pci_vdev *d;

	assert_int_equal(create(&vm, "5,passthru,0/4/0"), 0);
	st = vmm_test_get(vm.ctx);
	d = ptdev(&vm);
	assert_int_equal(st->npcidev, 1);
	assert_int_equal(st->pcidev[0].phys_bdf, PHYS_BDF);
	assert_int_equal(st->pcidev[0].virt_bdf, SLOT << 3);
	assert_int_equal(st->pcidev[0].intr_pin, 1);
	assert_int_equal(st->pcidev[0].intr_line, d->lintr.gsi);
	assert_int_equal(st->pcidev[0].bar[0], 0xc101);
	assert_int_equal(st->pcidev[0].bar[1], 0xfebf0000);
	assert_int_equal(st->nptirq, 1);
	assert_int_equal(st->ptirq[0].type, ACRN_PTDEV_IRQ_INTX);
	assert_int_equal(st->ptirq[0].phys_bdf, PHYS_BDF);
	assert_int_equal(st->ptirq[0].virt_bdf, SLOT << 3);
	assert_int_equal(st->ptirq[0].intx.phys_pin, 11);
	assert_int_equal(st->ptirq[0].intx.virt_pin, d->lintr.gsi);
	assert_int_equal(st->ptirq[0].intx.is_pic_pin, 0);
	dmtest_vm_destroy(&vm);
}

static void test_host_driver_unbound_device_reset_then_given_back(void **state)
{
	struct dmtest_vm vm;
	struct vmm_test_state *st;

	assert_int_equal(create(&vm, "5,passthru,0/4/0"), 0);
	st = vmm_test_get(vm.ctx);
	assert_string_equal(text("bus/pci/drivers/ne2k-pci/unbind"), "0000:00:04.0");
	assert_string_equal(text(DEV "/reset"), "1");
	assert_string_equal(text("bus/pci/drivers/ne2k-pci/bind"), "");
	put(DEV "/reset", "", 0);
	pci_deinit(vm.ctx);			/* what stopping the VM does first */
	assert_int_equal(st->npcidev, 0);
	assert_int_equal(st->deassigns, 1);
	assert_int_equal(st->nptirq, 0);
	assert_int_equal(st->ptirq_resets, 1);
	assert_string_equal(text(DEV "/reset"), "1");
	assert_string_equal(text("bus/pci/drivers/ne2k-pci/bind"), "0000:00:04.0");
	assert_int_equal(fake_pciaccess_live, 0);	/* libpciaccess released */
	dmtest_vm_destroy(&vm);
}

static void test_assign_refused_is_one_line_and_gives_the_device_back(void **state)
{
	struct dmtest_vm vm;

	/* The same function twice: the (fake) hypervisor refuses the second. */
	assert_int_not_equal(dmtest_vm_create(&vm, "-m", "64M", "-s", "5,passthru,0/4/0",
					      "-s", "6,passthru,0/4/0", "vm", NULL), 0);
	assert_non_null(strstr(vm.err, "refused to assign 0000:00:04.0"));
	assert_null(strchr(vm.err, '\n'));
	assert_int_equal(fake_pciaccess_live, 0);
	assert_string_equal(text("bus/pci/drivers/ne2k-pci/bind"), "0000:00:04.0");
	dm_config_free(&vm.cfg);
}

static void test_pio_bar_reaches_the_device(void **state)
{
	struct dmtest_vm vm;
	uint64_t port, v = 0;
	uint8_t b;

	assert_int_equal(create(&vm, "5,passthru,0/4/0"), 0);
	port = ptdev(&vm)->bar[0].addr;
	assert_int_equal(vmm_test_pio(vm.ctx, ACRN_IOREQ_DIR_READ, port + 5, 1, &v), 0);
	assert_int_equal(v, 0x45);
	assert_int_equal(vmm_test_pio(vm.ctx, ACRN_IOREQ_DIR_READ, port + 0x10, 2, &v), 0);
	assert_int_equal(v, 0x5150);
	v = 0xa5;
	assert_int_equal(vmm_test_pio(vm.ctx, ACRN_IOREQ_DIR_WRITE, port + 7, 1, &v), 0);
	assert_int_equal(get(DEV "/resource0", &b, 1, 7), 1);
	assert_int_equal(b, 0xa5);
	/* the host's own port is not the guest's */
	assert_int_equal(vmm_test_pio(vm.ctx, ACRN_IOREQ_DIR_READ, 0xc105, 1, &v), 0);
	assert_int_not_equal(v, 0x45);
	dmtest_vm_destroy(&vm);
}

static void test_mmio_bar_reaches_the_device_and_follows_relocation(void **state)
{
	struct dmtest_vm vm;
	uint64_t addr, v = 0;
	uint32_t w;

	assert_int_equal(create(&vm, "5,passthru,0/4/0"), 0);
	addr = ptdev(&vm)->bar[1].addr;
	assert_int_equal(vmm_test_mmio(vm.ctx, ACRN_IOREQ_DIR_READ, addr + 0x104, 4, &v), 0);
	assert_int_equal(v, 0x07060504);
	v = 0xdeadbeef;
	assert_int_equal(vmm_test_mmio(vm.ctx, ACRN_IOREQ_DIR_WRITE, addr + 0x200, 4, &v), 0);
	assert_int_equal(get(DEV "/resource1", &w, 4, 0x200), 4);
	assert_int_equal(w, 0xdeadbeef);
	/* the guest moves the BAR: accesses follow */
	w = 0xd0000000;
	cfg_write(&vm, PCIR_BAR0 + 4, 4, w);
	assert_int_equal(vmm_test_mmio(vm.ctx, ACRN_IOREQ_DIR_READ, 0xd0000200, 4, &v), 0);
	assert_int_equal(v, 0xdeadbeef);
	dmtest_vm_destroy(&vm);
}

static void test_command_bus_master_reaches_the_host(void **state)
{
	struct dmtest_vm vm;
	uint32_t v;
	uint16_t cmd = 0;

	assert_int_equal(create(&vm, "5,passthru,0/4/0"), 0);
	assert_int_equal(get(DEV "/config", &cmd, 2, PCIR_COMMAND), 2);
	assert_int_equal(cmd & PCIM_CMD_BUSMASTER, 0);
	assert_int_equal(cmd & (PCIM_CMD_PORTEN | PCIM_CMD_MEMEN), PCIM_CMD_PORTEN | PCIM_CMD_MEMEN);
	v = PCIM_CMD_PORTEN | PCIM_CMD_MEMEN | PCIM_CMD_BUSMASTER | PCIM_CMD_INTXDIS;
	cfg_write(&vm, PCIR_COMMAND, 2, v);
	assert_int_equal(get(DEV "/config", &cmd, 2, PCIR_COMMAND), 2);
	assert_int_equal(cmd & (PCIM_CMD_BUSMASTER | PCIM_CMD_INTXDIS),
			 PCIM_CMD_BUSMASTER | PCIM_CMD_INTXDIS);
	/* the guest turning decoding off does not turn the host's off (BARs trap) */
	v = 0;
	cfg_write(&vm, PCIR_COMMAND, 2, v);
	assert_int_equal(get(DEV "/config", &cmd, 2, PCIR_COMMAND), 2);
	assert_int_equal(cmd & (PCIM_CMD_BUSMASTER | PCIM_CMD_PORTEN), PCIM_CMD_PORTEN);
	dmtest_vm_destroy(&vm);
	/* and the host gets its own command register back */
	assert_int_equal(get(DEV "/config", &cmd, 2, PCIR_COMMAND), 2);
	assert_int_equal(cmd, 0x03);
}


/* ---- MSI, MSI-X and the EPT ---- */

static char logged[4096];

static void log_sink(enum dm_log_level level, const char *line)
{
	size_t n = strlen(logged);

	snprintf(logged + n, sizeof(logged) - n, "%s\n", line);
}

static void log_capture(void)
{
	logged[0] = '\0';
	dm_log_set_sink(log_sink);
}

/* The guest's capability @id, found as a guest driver walks the list. */
static int guest_cap(struct dmtest_vm *vm, uint8_t id)
{
	int off = (int)cfg_read(vm, PCIR_CAP_PTR, 1);

	for (int n = 0; off != 0 && n < 48; n++) {
		if (cfg_read(vm, off, 1) == id)
			return off;
		off = (int)cfg_read(vm, off + 1, 1);
	}
	fail_msg("capability %#x not offered", id);
	return 0;
}

static uint32_t host32(const char *file, off_t off)
{
	uint32_t v = 0;

	assert_int_equal(get(file, &v, 4, off), 4);
	return v;
}

/* A VM with the device; its state record in *st; the offset of the guest's capability @id. */
static int create_with_cap(struct dmtest_vm *vm, uint8_t id, struct vmm_test_state **st)
{
	assert_int_equal(create(vm, "5,passthru,0/4/0"), 0);
	*st = vmm_test_get(vm->ctx);
	return guest_cap(vm, id);
}

static struct acrn_vhm_msix_remap *last_remap(struct vmm_test_state *st)
{
	assert_true(st->nremap > 0 && st->nremap <= VMM_TEST_REMAPS);
	return &st->remap[st->nremap - 1];
}

/* Guest access to dword @w of MSI-X table entry @i (BAR1 at its guest address). */
static void tbl_write(struct dmtest_vm *vm, uint32_t i, uint32_t w, uint32_t v)
{
	uint64_t val = v, a = ptdev(vm)->bar[1].addr + TABLE_OFF + 16 * i + 4 * w;

	assert_int_equal(vmm_test_mmio(vm->ctx, ACRN_IOREQ_DIR_WRITE, a, 4, &val), 0);
}

static uint32_t tbl_read(struct dmtest_vm *vm, uint32_t i, uint32_t w)
{
	uint64_t val = 0, a = ptdev(vm)->bar[1].addr + TABLE_OFF + 16 * i + 4 * w;

	assert_int_equal(vmm_test_mmio(vm->ctx, ACRN_IOREQ_DIR_READ, a, 4, &val), 0);
	return (uint32_t)val;
}

static uint32_t host_entry(uint32_t i, uint32_t w)
{
	return host32(DEV "/resource1", TABLE_OFF + 16 * i + 4 * w);
}

static void test_msi_enable_remaps_and_programs_the_physical_message(void **state)
{
	struct dmtest_vm vm;
	struct vmm_test_state *st;
	struct acrn_vhm_msix_remap *r;
	int c;

	c = create_with_cap(&vm, PCIY_MSI, &st);
	/* 64-bit, per-vector masking as the device, one message (MMC 0) */
	assert_int_equal(cfg_read(&vm, c + 2, 2), 0x0180);
	/* Address and data while disabled: nothing goes to the hypervisor. */
	cfg_write(&vm, c + 4, 4, 0xfee02000);
	cfg_write(&vm, c + 8, 4, 0);
	cfg_write(&vm, c + 12, 2, 0x4041);
	assert_int_equal(st->nremap, 0);
	assert_int_equal(host32(DEV "/config", HOST_MSI + 2) & 1, 0);
	/* Enable (with MME bits the guest may not set): one remap, exactly the guest's message. */
	cfg_write(&vm, c + 2, 2, 0x0071);
	assert_int_equal(st->nremap, 1);
	r = last_remap(st);
	assert_int_equal(r->msix, 0);
	assert_int_equal(r->msix_entry_index, 0);
	assert_int_equal(r->msi_ctl, ACRN_VHM_MSIX_REMAP_ENABLE);
	assert_int_equal(r->msi_addr, 0xfee02000);
	assert_int_equal(r->msi_data, 0x4041);
	assert_int_equal(r->vector_ctl, 0);
	assert_int_equal(r->phys_bdf, PHYS_BDF);
	assert_int_equal(r->virt_bdf, SLOT << 3);
	/* The device got the hypervisor's message, enabled, one message. */
	assert_int_equal(host32(DEV "/config", HOST_MSI + 4), 0xfee01000);
	assert_int_equal(host32(DEV "/config", HOST_MSI + 12) & 0xffff, 0x60);
	assert_int_equal(host32(DEV "/config", HOST_MSI + 2) & 0x71, 1);
	/* The guest still reads its own. */
	assert_int_equal(cfg_read(&vm, c + 4, 4), 0xfee02000);
	assert_int_equal(cfg_read(&vm, c + 12, 2), 0x4041);
	assert_int_equal(cfg_read(&vm, c + 2, 2) & 0x71, 1);
	/* The same value again: no hypercall. */
	cfg_write(&vm, c + 12, 2, 0x4041);
	assert_int_equal(st->nremap, 1);
	/* A new vector: remapped. */
	cfg_write(&vm, c + 12, 2, 0x4052);
	assert_int_equal(st->nremap, 2);
	assert_int_equal(last_remap(st)->msi_data, 0x4052);
	/* The mask bit: told to the hypervisor and set in the device. */
	cfg_write(&vm, c + 16, 4, 1);
	assert_int_equal(st->nremap, 3);
	assert_int_equal(last_remap(st)->vector_ctl, ACRN_VHM_MSIX_VECTOR_MASKED);
	assert_int_equal(host32(DEV "/config", HOST_MSI + 16), 1);
	cfg_write(&vm, c + 16, 4, 0);
	assert_int_equal(host32(DEV "/config", HOST_MSI + 16), 0);
	/* Disable: the mapping is dropped and the device stops. */
	cfg_write(&vm, c + 2, 2, 0);
	r = last_remap(st);
	assert_int_equal(r->msi_ctl, 0);
	assert_int_equal(host32(DEV "/config", HOST_MSI + 2) & 1, 0);
	dmtest_vm_destroy(&vm);
}

static void test_msi_refused_by_the_hypervisor_stays_off_with_a_log_line(void **state)
{
	struct dmtest_vm vm;
	struct vmm_test_state *st;
	int c;

	c = create_with_cap(&vm, PCIY_MSI, &st);
	st->remap_ret = -EINVAL;		/* e.g. vector 5 */
	log_capture();
	cfg_write(&vm, c + 4, 4, 0xfee00000);
	cfg_write(&vm, c + 12, 2, 0x0005);
	cfg_write(&vm, c + 2, 2, 1);
	dm_log_set_sink(NULL);
	assert_int_equal(st->nremap, 1);
	assert_non_null(strstr(logged, "MSI message 0xfee00000/0x5 refused by the hypervisor"));
	assert_int_equal(host32(DEV "/config", HOST_MSI + 2) & 1, 0);
	assert_int_not_equal(host32(DEV "/config", HOST_MSI + 4), 0xfee00000);
	dmtest_vm_destroy(&vm);
}

static void test_msix_table_is_virtual_and_unmasked_entries_are_remapped(void **state)
{
	struct dmtest_vm vm;
	struct vmm_test_state *st;
	struct acrn_vhm_msix_remap *r;
	uint32_t before;
	int c;

	c = create_with_cap(&vm, PCIY_MSIX, &st);
	assert_int_equal(cfg_read(&vm, c + 2, 2), NVEC - 1);
	assert_int_equal(cfg_read(&vm, c + 4, 4), TABLE_OFF | 1);
	assert_int_equal(cfg_read(&vm, c + 8, 4), PBA_OFF | 1);
	/* Entries reset masked; the guest fills entry 1 while masked: nothing sent. */
	assert_int_equal(tbl_read(&vm, 1, 3), 1);
	before = host_entry(1, 0);
	tbl_write(&vm, 1, 0, 0xfee00000);
	tbl_write(&vm, 1, 1, 0);
	tbl_write(&vm, 1, 2, 0x4071);
	assert_int_equal(tbl_read(&vm, 1, 2), 0x4071);
	assert_int_equal(host_entry(1, 0), before);	/* the device's table untouched */
	cfg_write(&vm, c + 2, 2, 0x8000);		/* MSI-X Enable */
	assert_int_equal(host32(DEV "/config", HOST_MSIX + 2) >> 14 & 3, 2);
	assert_int_equal(st->nremap, 0);
	assert_int_equal(host_entry(1, 3) & 1, 1);	/* masked in the device */
	/* Unmask: remapped with the guest's message; the device gets the physical one. */
	tbl_write(&vm, 1, 3, 0);
	assert_int_equal(st->nremap, 1);
	r = last_remap(st);
	assert_int_equal(r->msix, 1);
	assert_int_equal(r->msix_entry_index, 1);
	assert_int_equal(r->msi_ctl, ACRN_VHM_MSIX_REMAP_ENABLE);
	assert_int_equal(r->msi_addr, 0xfee00000);
	assert_int_equal(r->msi_data, 0x4071);
	assert_int_equal(r->vector_ctl, 0);
	assert_int_equal(host_entry(1, 0), 0xfee01000);
	assert_int_equal(host_entry(1, 1), 0);
	assert_int_equal(host_entry(1, 2), 0x41);
	assert_int_equal(host_entry(1, 3) & 1, 0);
	assert_int_equal(tbl_read(&vm, 1, 2), 0x4071);	/* the guest reads its own */
	/* Mask: the hypervisor is told and the device entry masked. */
	tbl_write(&vm, 1, 3, 1);
	assert_int_equal(last_remap(st)->vector_ctl, ACRN_VHM_MSIX_VECTOR_MASKED);
	assert_int_equal(host_entry(1, 3) & 1, 1);
	tbl_write(&vm, 1, 3, 0);
	assert_int_equal(host_entry(1, 3) & 1, 0);
	/* Function mask reaches the device. */
	cfg_write(&vm, c + 2, 2, 0xc000);
	assert_int_equal(host32(DEV "/config", HOST_MSIX + 2) >> 14 & 3, 3);
	cfg_write(&vm, c + 2, 2, 0x8000);
	/* Disable: dropped. */
	cfg_write(&vm, c + 2, 2, 0);
	r = last_remap(st);
	assert_int_equal(r->msi_ctl, 0);
	assert_int_equal(r->msix_entry_index, 1);
	assert_int_equal(host32(DEV "/config", HOST_MSIX + 2) >> 14 & 3, 0);
	assert_int_equal(host_entry(1, 3) & 1, 1);
	dmtest_vm_destroy(&vm);
}

static void test_msix_accesses_past_the_table_or_misaligned_remap_nothing(void **state)
{
	struct dmtest_vm vm;
	struct vmm_test_state *st;
	uint64_t v = 0xfee00000, base;
	int c;

	c = create_with_cap(&vm, PCIY_MSIX, &st);
	cfg_write(&vm, c + 2, 2, 0x8000);
	base = ptdev(&vm)->bar[1].addr + TABLE_OFF;
	/* "Entry" NVEC is past the table: it is device memory, not an entry. */
	tbl_write(&vm, NVEC, 2, 0x4071);
	tbl_write(&vm, NVEC, 3, 0);
	assert_int_equal(st->nremap, 0);
	assert_int_equal(host32(DEV "/resource1", TABLE_OFF + 16 * NVEC + 8), 0x4071);
	/* Byte and misaligned accesses to the table are dropped, with a log line. */
	log_capture();
	assert_int_equal(vmm_test_mmio(vm.ctx, ACRN_IOREQ_DIR_WRITE, base + 12, 1, &v), 0);
	assert_int_equal(vmm_test_mmio(vm.ctx, ACRN_IOREQ_DIR_WRITE, base + 4, 8, &v), 0);
	dm_log_set_sink(NULL);
	assert_non_null(strstr(logged, "MSI-X table access of 1 bytes at 0x200c ignored"));
	assert_non_null(strstr(logged, "MSI-X table access of 8 bytes at 0x2004 ignored"));
	assert_int_equal(tbl_read(&vm, 0, 3), 1);	/* still masked */
	assert_int_equal(st->nremap, 0);
	/* A qword write of address then data+control is one entry update. */
	v = 0xfee00000;
	assert_int_equal(vmm_test_mmio(vm.ctx, ACRN_IOREQ_DIR_WRITE, base + 16 * 2, 8, &v), 0);
	v = 0x4033;				/* vector control 0: unmasked */
	assert_int_equal(vmm_test_mmio(vm.ctx, ACRN_IOREQ_DIR_WRITE, base + 16 * 2 + 8, 8, &v), 0);
	assert_int_equal(st->nremap, 1);
	assert_int_equal(last_remap(st)->msix_entry_index, 2);
	assert_int_equal(last_remap(st)->msi_data, 0x4033);
	dmtest_vm_destroy(&vm);
}

static void test_vm_stop_drops_remaps_and_masks_the_device(void **state)
{
	struct dmtest_vm vm;
	struct vmm_test_state *st;
	int c;

	c = create_with_cap(&vm, PCIY_MSIX, &st);
	cfg_write(&vm, c + 2, 2, 0x8000);
	tbl_write(&vm, 3, 0, 0xfee00000);
	tbl_write(&vm, 3, 2, 0x4044);
	tbl_write(&vm, 3, 3, 0);
	assert_int_equal(st->nremap, 1);
	pci_deinit(vm.ctx);			/* what stopping the VM does first */
	assert_int_equal(st->nremap, 2);
	assert_int_equal(last_remap(st)->msi_ctl, 0);
	assert_int_equal(last_remap(st)->msix_entry_index, 3);
	assert_int_equal(host_entry(3, 3) & 1, 1);
	assert_int_equal(host32(DEV "/config", HOST_MSIX + 2) >> 14 & 3, 0);
	dmtest_vm_destroy(&vm);
}

/* The MMIO ranges the fake hypervisor holds now, sorted by guest address. */
static size_t mmio_maps(struct vmm_test_state *st, struct acrn_vm_memmap *out)
{
	size_t n = 0;

	for (size_t i = 0; i < st->nmemsegs; i++)
		if (st->memsegs[i].type == ACRN_MEMMAP_MMIO)
			out[n++] = st->memsegs[i];
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && out[j - 1].user_vm_pa > out[j].user_vm_pa; j--) {
			struct acrn_vm_memmap t = out[j];

			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

static void assert_bar1_mapped_at(struct vmm_test_state *st, uint64_t gpa)
{
	struct acrn_vm_memmap m[VMM_TEST_MEMSEGS];

	/* Around the MSI-X table page, uncached, at the host's BAR. */
	assert_int_equal(mmio_maps(st, m), 2);
	assert_int_equal(m[0].user_vm_pa, gpa);
	assert_int_equal(m[0].service_vm_pa, HOST_MEM);
	assert_int_equal(m[0].len, TABLE_OFF);
	assert_int_equal(m[1].user_vm_pa, gpa + PBA_OFF);
	assert_int_equal(m[1].service_vm_pa, HOST_MEM + PBA_OFF);
	assert_int_equal(m[1].len, MEM_SIZE - PBA_OFF);
	for (int i = 0; i < 2; i++)
		assert_int_equal(m[i].attr, ACRN_MEM_ACCESS_READ | ACRN_MEM_ACCESS_WRITE |
				 ACRN_MEM_TYPE_UC);
}

static void test_memory_bar_is_mapped_in_the_ept_and_follows_the_guest(void **state)
{
	struct acrn_vm_memmap m[VMM_TEST_MEMSEGS];
	struct dmtest_vm vm;
	struct vmm_test_state *st;
	unsigned int unsets;

	assert_int_equal(create(&vm, "5,passthru,0/4/0"), 0);
	st = vmm_test_get(vm.ctx);
	assert_bar1_mapped_at(st, ptdev(&vm)->bar[1].addr);	/* the I/O BAR is not */
	/* The guest moves the BAR: old ranges out, new ones in. */
	unsets = st->memseg_unsets;
	cfg_write(&vm, PCIR_BAR0 + 4, 4, 0xd0000000);
	assert_int_equal(st->memseg_unsets, unsets + 2);
	assert_bar1_mapped_at(st, 0xd0000000);
	/* Memory decoding off: unmapped; on again: mapped again. */
	cfg_write(&vm, PCIR_COMMAND, 2, PCIM_CMD_PORTEN);
	assert_int_equal(mmio_maps(st, m), 0);
	cfg_write(&vm, PCIR_COMMAND, 2, PCIM_CMD_PORTEN | PCIM_CMD_MEMEN);
	assert_bar1_mapped_at(st, 0xd0000000);
	/* Hostile addresses: 0, and over the guest's RAM (64 MiB from 0). */
	log_capture();
	cfg_write(&vm, PCIR_BAR0 + 4, 4, 0);
	assert_int_equal(mmio_maps(st, m), 0);
	cfg_write(&vm, PCIR_BAR0 + 4, 4, 0x00100000);
	assert_int_equal(mmio_maps(st, m), 0);
	dm_log_set_sink(NULL);
	assert_non_null(strstr(logged, "guest BAR1 at 0 (address 0) not mapped"));
	assert_non_null(strstr(logged, "guest BAR1 at 0x100000 (over guest RAM) not mapped"));
	/* VM stop: nothing left mapped. */
	cfg_write(&vm, PCIR_BAR0 + 4, 4, 0xd0000000);
	assert_bar1_mapped_at(st, 0xd0000000);
	pci_deinit(vm.ctx);
	assert_int_equal(mmio_maps(st, m), 0);
	dmtest_vm_destroy(&vm);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_refused_without_iommu_unless_unsafe),
		T(test_iommu_present_needs_no_unsafe),
		T(test_bad_bdf_and_missing_device_are_one_line_errors),
		T(test_config_space_is_virtualized),
		T(test_hypercalls_name_the_device_and_its_pin),
		T(test_host_driver_unbound_device_reset_then_given_back),
		T(test_assign_refused_is_one_line_and_gives_the_device_back),
		T(test_pio_bar_reaches_the_device),
		T(test_mmio_bar_reaches_the_device_and_follows_relocation),
		T(test_command_bus_master_reaches_the_host),
		T(test_msi_enable_remaps_and_programs_the_physical_message),
		T(test_msi_refused_by_the_hypervisor_stays_off_with_a_log_line),
		T(test_msix_table_is_virtual_and_unmasked_entries_are_remapped),
		T(test_msix_accesses_past_the_table_or_misaligned_remap_nothing),
		T(test_vm_stop_drops_remaps_and_masks_the_device),
		T(test_memory_bar_is_mapped_in_the_ept_and_follows_the_guest),
	};

	return cmocka_run_group_tests_name("passthru", tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PCI passthrough: `-s N,passthru,BUS/DEV/FUNC[,unsafe]` (BUS, DEV, FUNC in
 * hex) gives a physical function of the Service VM to the User VM.
 *
 * Init: refuse without an IOMMU unless "unsafe"; find the function and read
 * its config space and BAR layout with libpciaccess; unbind its host driver
 * and reset it (sysfs: libpciaccess does neither); give
 * the guest a virtual function with the same IDs and class, BARs of the same
 * kinds and sizes placed by the PCI core (the guest moves them at will),
 * virtual MSI and MSI-X capabilities when the device has them (no other
 * capability) and INTA# if the device has an INTx pin; then
 * HC_ASSIGN_PCIDEV and, for INTx, HC_SET_PTDEV_INTR_INFO (physical IOAPIC
 * pin -> the guest's line).  Deinit undoes it all and binds the host driver
 * again.
 *
 * MSI / MSI-X (PCI 3.0 §6.8): the guest writes only our copy of the
 * capability and of the table; each message it enables (or changes, or
 * masks) goes to the hypervisor (ACRN_VHM_IOCTL_VM_PCI_MSIX_REMAP), which
 * answers with the physical message we write into the device.  An entry the
 * guest masks is masked in the device.
 *
 * BARs: memory BARs whose host range is page aligned are mapped into the
 * User VM's EPT at the guest's BAR address (uncached), except the pages of
 * the MSI-X table, and remapped when the guest moves them.  The rest traps
 * to acrn-dm and is carried out on the device through sysfs: I/O BARs with
 * pread/pwrite of resourceN, memory BARs through an mmap of resourceN.
 */
#define DM_LOG_PREFIX "passthru: "
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pciaccess.h>

#include "dm_log.h"
#include "hw/passthru.h"
#include "pci_core.h"
#include "vmctx.h"
#include "vmm.h"

const char *passthru_sysfs_root = "/sys";

/* Command bits the guest controls on the real device. */
#define GUEST_CMD_BITS	(PCIM_CMD_BUSMASTER | PCIM_CMD_INTXDIS)

/* A guest range of a BAR mapped into the EPT. */
struct pt_ept {
	uint64_t gpa, hpa, len;
};

struct pt_bar {
	enum pci_bar_type type;
	uint64_t size;
	uint64_t hpa;		/* host address (memory BARs) */
	int fd;			/* resourceN, -1 if none */
	uint8_t *map;		/* memory BARs: mmap of resourceN */
	struct pt_ept ept[2];	/* mapped now: around the MSI-X table pages */
	int nept;
	const char *refused;	/* why the guest address is not mapped (logged once) */
};

/* The guest's MSI capability and what the hypervisor maps now. */
struct pt_msi {
	int hoff;		/* host capability, 0: none */
	uint16_t hctrl;		/* its Message Control at init */
	int voff;		/* the guest's capability */
	bool mapped;
	uint64_t addr;		/* the guest message last remapped */
	uint32_t data;
	bool masked;
};

/* The guest's MSI-X capability and table. */
struct pt_msix {
	int hoff, voff;		/* 0: none */
	uint32_t count;		/* table entries */
	int bir;		/* BAR of the table */
	uint32_t table_off;
	struct pci_msix_entry *vt;	/* the guest's table */
	struct pci_msix_entry *last;	/* as last remapped (vector_control: masked) */
	bool *mapped;
};

struct pt_state {
	char dir[PATH_MAX];	/* <root>/bus/pci/devices/0000:BB:DD.F */
	char name[16];		/* 0000:BB:DD.F */
	char driver[64];	/* host driver to bind again, "" if none */
	bool pciaccess;		/* holds a pt_pciaccess_get() reference */
	struct pci_device *pdev;	/* libpciaccess's, NULL until found */
	bool cmd_saved;		/* host_cmd read: restore it on release */
	uint8_t hcfg[PCI_CFG_SIZE];
	uint16_t host_cmd;
	struct pt_bar bar[PCI_BAR_COUNT];
	struct acrn_pcidev pcidev;
	bool assigned;
	struct acrn_ptdev_irq irq;
	bool irq_set;
	struct pt_msi msi;
	struct pt_msix msix;
};

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

/* "B/D/F" in hex: bus <= ff, device <= 1f, function <= 7. */
static int parse_bdf(const char *s, uint16_t *bdf)
{
	unsigned long v[3];
	const char *p = s;
	char *end;

	if (s == NULL)
		return -EINVAL;
	for (int i = 0; i < 3; i++) {
		if (*p < '0' || (*p > '9' && (*p | 0x20) < 'a') || (*p | 0x20) > 'f')
			return -EINVAL;
		errno = 0;
		v[i] = strtoul(p, &end, 16);
		if (errno != 0 || end == p || end - p > 2)
			return -EINVAL;
		if (*end != (i < 2 ? '/' : '\0'))
			return -EINVAL;
		p = end + 1;
	}
	if (v[0] > 0xff || v[1] > 0x1f || v[2] > 7)
		return -EINVAL;
	*bdf = (uint16_t)(v[0] << 8 | v[1] << 3 | v[2]);
	return 0;
}

/* True if <root>/class/iommu has at least one unit. */
static bool iommu_present(void)
{
	char path[PATH_MAX];
	struct dirent *e;
	bool found = false;
	DIR *d;

	snprintf(path, sizeof(path), "%s/class/iommu", passthru_sysfs_root);
	d = opendir(path);
	if (d == NULL)
		return false;
	while (!found && (e = readdir(d)) != NULL)
		found = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return found;
}

#define NO_IOMMU_MSG	"no IOMMU (nothing in /sys/class/iommu): the device could DMA " \
			"anywhere; add ',unsafe' to pass it through anyway"

int passthru_precheck(const struct dm_config *cfg, char *err, size_t errlen)
{
	for (size_t i = 0; i < cfg->ndevs; i++) {
		const struct dm_dev_config *dc = &cfg->devs[i];

		if (dc->name == NULL || strcmp(dc->name, "passthru") != 0 ||
		    dm_dev_has_flag(dc, "unsafe") || iommu_present())
			continue;
		dm_errf(err, errlen, "device passthru at %u:%u: %s", dc->slot, dc->func,
			NO_IOMMU_MSG);
		return -EPERM;
	}
	return 0;
}

static int pt_fail(struct pci_vdev *dev, int rc, const char *fmt, const char *arg)
{
	snprintf(dev->init_err, sizeof(dev->init_err), fmt, arg);
	return rc;
}

/*
 * libpciaccess is initialised once for all passthru devices of the process
 * (pci_system_init() scans the whole bus) and cleaned up with the last one.
 */
static unsigned int pt_pciaccess_users;

static int pt_pciaccess_get(void)
{
	int rc;

	if (pt_pciaccess_users == 0) {
		rc = pci_system_init();
		if (rc != 0)
			return -rc;
	}
	pt_pciaccess_users++;
	return 0;
}

static void pt_pciaccess_put(void)
{
	if (pt_pciaccess_users > 0 && --pt_pciaccess_users == 0)
		pci_system_cleanup();
}

/* The BAR layout as libpciaccess probed it (PCI Local Bus 3.0 §6.2.5.1). */
static int read_bars(struct pt_state *s)
{
	int rc = pci_device_probe(s->pdev);

	if (rc != 0)
		return -rc;
	for (int i = 0; i < PCI_BAR_COUNT; i++) {
		const struct pci_mem_region *r = &s->pdev->regions[i];
		struct pt_bar *b = &s->bar[i];

		if (b->type == PCI_BAR_MEM64_HI || r->size == 0)
			continue;
		b->size = r->size;
		b->hpa = r->base_addr;
		if (r->is_IO) {
			b->type = PCI_BAR_IO;
		} else if (r->is_64 && i + 1 < PCI_BAR_COUNT) {
			b->type = PCI_BAR_MEM64;
			s->bar[i + 1].type = PCI_BAR_MEM64_HI;
		} else {
			b->type = PCI_BAR_MEM32;
		}
		if ((b->size & (b->size - 1)) != 0 || b->size > (1ULL << 32))
			return -EINVAL;		/* not a BAR a guest could size */
	}
	return 0;
}

static int open_bar(struct pt_state *s, int i)
{
	char path[PATH_MAX + 32];
	struct pt_bar *b = &s->bar[i];

	snprintf(path, sizeof(path), "%s/resource%d", s->dir, i);
	b->fd = open(path, O_RDWR | O_CLOEXEC);
	if (b->fd < 0)
		return -errno;
	if (b->type == PCI_BAR_IO)
		return 0;
	b->map = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, b->fd, 0);
	if (b->map == MAP_FAILED) {
		b->map = NULL;
		return -errno;
	}
	return 0;
}

static void host_cmd_write(struct pt_state *s, uint16_t cmd)
{
	if (pci_device_cfg_write_u16(s->pdev, cmd, PCIR_COMMAND) != 0)
		pr_warn("%s: command register write failed", s->name);
}

/* Host driver name from the "driver" link, and unbind it. */
static int unbind_host_driver(struct pt_state *s)
{
	char link[PATH_MAX + 16], target[PATH_MAX], path[PATH_MAX + 32];
	const char *base;
	ssize_t n;

	snprintf(link, sizeof(link), "%s/driver", s->dir);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return errno == ENOENT ? 0 : -errno;	/* no driver bound */
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base != NULL ? base + 1 : target;
	if (strlen(base) >= sizeof(s->driver))
		return -ENAMETOOLONG;
	snprintf(path, sizeof(path), "%s/unbind", link);
	n = write_str(path, s->name);
	if (n != 0)
		return (int)n;
	strcpy(s->driver, base);
	return 0;
}

static void rebind_host_driver(struct pt_state *s)
{
	char path[PATH_MAX + 128];

	if (s->driver[0] == '\0')
		return;
	snprintf(path, sizeof(path), "%s/bus/pci/drivers/%s/bind", passthru_sysfs_root, s->driver);
	if (write_str(path, s->name) != 0)
		pr_warn("%s: cannot bind %s again", s->name, s->driver);
	s->driver[0] = '\0';
}

static void reset_host_device(struct pt_state *s)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/reset", s->dir);
	if (access(path, F_OK) == 0 && write_str(path, "1") != 0)
		pr_warn("%s: reset failed", s->name);
}

/* Physical IOAPIC pin of the device's INTx, or -1. */
static int host_irq(struct pt_state *s)
{
	char path[PATH_MAX + 16];
	unsigned int irq;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/irq", s->dir);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	ok = fscanf(f, "%u", &irq) == 1;
	fclose(f);
	return ok && irq < 256 ? (int)irq : -1;
}


/* --------------------------------------------------------------------- */
/* MSI and MSI-X (PCI Local Bus 3.0 §6.8)                                */

#define PT_MSI_CTRL_ENABLE	0x0001U
#define PT_MSI_CTRL_64BIT	0x0080U
#define PT_MSI_CTRL_PVM		0x0100U		/* per-vector masking */
#define PT_MSI_CAP_LEN		24		/* 64-bit with mask and pending bits */
#define PT_MSIX_CTRL_ENABLE	0x8000U
#define PT_MSIX_CTRL_FMASK	0x4000U
#define PT_MSIX_CTRL_SIZE	0x07FFU
#define PT_MSIX_ENTRY_SIZE	16U
#define PT_MSIX_VCTRL_MASK	0x1U
#define PT_PAGE			4096ULL

static uint32_t hcfg32(const struct pt_state *s, int off)
{
	uint32_t v;

	memcpy(&v, &s->hcfg[off], 4);
	return v;
}

/* Offset of the host's capability @id (§6.7), 0 if absent. */
static int host_cap(const struct pt_state *s, uint8_t id)
{
	int off = s->hcfg[PCIR_CAP_PTR] & 0xfc;

	if ((s->hcfg[PCIR_STATUS] & PCIM_STATUS_CAPPRESENT) == 0)
		return 0;
	/* At most 48 capabilities fit in 192 bytes: a loop is a broken device. */
	for (int n = 0; off >= 0x40 && off <= PCI_CFG_SIZE - 12 && n < 48; n++) {
		if (s->hcfg[off] == id)
			return off;
		off = s->hcfg[off + 1] & 0xfc;
	}
	return 0;
}

static void host_cfg_write32(struct pt_state *s, int off, uint32_t v)
{
	if (pci_device_cfg_write_u32(s->pdev, v, off) != 0)
		pr_warn("%s: config write at %#x failed", s->name, off);
}

/* Host MSI registers: the data, mask and pending words move with the 64-bit flag. */
static int host_msi_data_off(const struct pt_state *s)
{
	return s->msi.hoff + ((s->msi.hctrl & PT_MSI_CTRL_64BIT) != 0 ? 12 : 8);
}

static void host_msi_ctrl(struct pt_state *s, bool enable)
{
	uint16_t ctrl = (uint16_t)(s->msi.hctrl & ~0x0071U);	/* one message */

	if (enable)
		ctrl |= PT_MSI_CTRL_ENABLE;
	if (pci_device_cfg_write_u16(s->pdev, ctrl, s->msi.hoff + 2) != 0)
		pr_warn("%s: MSI control write failed", s->name);
}

static void host_msi_program(struct pt_state *s, uint64_t addr, uint32_t data, bool masked)
{
	int d = host_msi_data_off(s);

	host_cfg_write32(s, s->msi.hoff + 4, (uint32_t)addr);
	if ((s->msi.hctrl & PT_MSI_CTRL_64BIT) != 0)
		host_cfg_write32(s, s->msi.hoff + 8, (uint32_t)(addr >> 32));
	if (pci_device_cfg_write_u16(s->pdev, (uint16_t)data, d) != 0)
		pr_warn("%s: MSI data write failed", s->name);
	if ((s->msi.hctrl & PT_MSI_CTRL_PVM) != 0)
		host_cfg_write32(s, d + 4, masked ? 1U : 0U);
	host_msi_ctrl(s, true);
}

/* The device's own MSI-X table entry @i (in the mmap of its BAR). */
static volatile uint32_t *host_msix_entry(struct pt_state *s, uint32_t i)
{
	return (volatile uint32_t *)(s->bar[s->msix.bir].map + s->msix.table_off +
				     (uint64_t)i * PT_MSIX_ENTRY_SIZE);
}

static void host_msix_mask(struct pt_state *s, uint32_t i, bool masked)
{
	volatile uint32_t *e = host_msix_entry(s, i);

	e[3] = masked ? (e[3] | PT_MSIX_VCTRL_MASK) : (e[3] & ~PT_MSIX_VCTRL_MASK);
}

static void host_msix_ctrl(struct pt_state *s, uint16_t ctrl)
{
	if (pci_device_cfg_write_u16(s->pdev, ctrl & (PT_MSIX_CTRL_ENABLE | PT_MSIX_CTRL_FMASK),
				     s->msix.hoff + 2) != 0)
		pr_warn("%s: MSI-X control write failed", s->name);
}

/* Ask the hypervisor; on enable *addr / *data become the physical message. */
static int pt_remap(struct vmctx *ctx, struct pt_state *s, bool msix, uint32_t idx, bool enable,
		    bool masked, uint64_t *addr, uint32_t *data)
{
	struct acrn_vhm_msix_remap r = {
		.virt_bdf = s->pcidev.virt_bdf, .phys_bdf = s->pcidev.phys_bdf,
		.msi_ctl = enable ? ACRN_VHM_MSIX_REMAP_ENABLE : 0,
		.msi_addr = *addr, .msi_data = *data, .msix = msix ? 1 : 0,
		.msix_entry_index = (int32_t)idx,
		.vector_ctl = masked ? ACRN_VHM_MSIX_VECTOR_MASKED : 0,
	};
	int rc;

	if (ctx->vmm->msix_remap == NULL)
		return -ENOTSUP;
	rc = ctx->vmm->msix_remap(ctx, &r);
	if (rc == 0 && enable) {
		*addr = r.msi_addr;
		*data = r.msi_data;
	}
	return rc;
}

/* The guest's MSI capability changed: remap, reprogram or disable the device's. */
static void pt_msi_sync(struct vmctx *ctx, struct pci_vdev *dev, struct pt_state *s)
{
	struct pt_msi *m = &s->msi;
	int c = m->voff;
	bool enabled = (pci_get_cfgdata16(dev, c + 2) & PT_MSI_CTRL_ENABLE) != 0;
	uint64_t addr = pci_get_cfgdata32(dev, c + 4) | (uint64_t)pci_get_cfgdata32(dev, c + 8) << 32;
	uint32_t data = pci_get_cfgdata16(dev, c + 12);
	bool masked = (m->hctrl & PT_MSI_CTRL_PVM) != 0 && (pci_get_cfgdata32(dev, c + 16) & 1U) != 0;
	uint64_t paddr = addr;
	uint32_t pdata = data;
	int rc;

	if (!enabled) {
		if (m->mapped) {
			host_msi_ctrl(s, false);
			(void)pt_remap(ctx, s, false, 0, false, true, &paddr, &pdata);
			m->mapped = false;
		}
		return;
	}
	if (m->mapped && m->addr == addr && m->data == data && m->masked == masked)
		return;		/* a write that changed nothing */
	rc = pt_remap(ctx, s, false, 0, true, masked, &paddr, &pdata);
	if (rc != 0) {
		pr_warn("%s: guest MSI message %#" PRIx64 "/%#x refused by the hypervisor (%d): "
			"MSI left disabled", s->name, addr, data, rc);
		host_msi_ctrl(s, false);
		if (m->mapped)
			(void)pt_remap(ctx, s, false, 0, false, true, &paddr, &pdata);
		m->mapped = false;
		return;
	}
	m->mapped = true;
	m->addr = addr;
	m->data = data;
	m->masked = masked;
	host_msi_program(s, paddr, pdata, masked);
}

/*
 * MSI-X entry @i after a change of the entry or of the control register.
 * A masked entry stays masked in the device; an entry the guest never
 * unmasked costs no hypercall.
 */
static void pt_msix_sync(struct vmctx *ctx, struct pci_vdev *dev, struct pt_state *s, uint32_t i)
{
	struct pt_msix *x = &s->msix;
	uint16_t ctrl = pci_get_cfgdata16(dev, x->voff + 2);
	const struct pci_msix_entry *e = &x->vt[i];
	bool enabled = (ctrl & PT_MSIX_CTRL_ENABLE) != 0;
	bool masked = (ctrl & PT_MSIX_CTRL_FMASK) != 0 || (e->vector_control & PT_MSIX_VCTRL_MASK) != 0;
	uint64_t paddr = e->addr;
	uint32_t pdata = e->data;
	int rc;

	if (!enabled || (masked && !x->mapped[i])) {
		host_msix_mask(s, i, true);
		if (!enabled && x->mapped[i])
			(void)pt_remap(ctx, s, true, i, false, true, &paddr, &pdata);
		x->mapped[i] = x->mapped[i] && enabled;
		return;
	}
	if (x->mapped[i] && x->last[i].addr == e->addr && x->last[i].data == e->data &&
	    (x->last[i].vector_control != 0) == masked)
		return;
	host_msix_mask(s, i, true);
	rc = pt_remap(ctx, s, true, i, true, masked, &paddr, &pdata);
	if (rc != 0) {
		pr_warn("%s: guest MSI-X entry %u message %#" PRIx64 "/%#x refused by the hypervisor "
			"(%d): entry left masked", s->name, i, e->addr, e->data, rc);
		if (x->mapped[i])
			(void)pt_remap(ctx, s, true, i, false, true, &paddr, &pdata);
		x->mapped[i] = false;
		return;
	}
	x->mapped[i] = true;
	x->last[i] = *e;
	x->last[i].vector_control = masked ? 1U : 0U;
	host_msix_entry(s, i)[0] = (uint32_t)paddr;
	host_msix_entry(s, i)[1] = (uint32_t)(paddr >> 32);
	host_msix_entry(s, i)[2] = pdata;
	if (!masked)
		host_msix_mask(s, i, false);
}

/* MSI-X Enable / Function Mask written: the device follows, every entry is re-evaluated. */
static void pt_msix_ctrl_sync(struct vmctx *ctx, struct pci_vdev *dev, struct pt_state *s)
{
	uint16_t ctrl = pci_get_cfgdata16(dev, s->msix.voff + 2);

	/* Entries are settled with the whole function masked, then it gets the guest's mask. */
	if ((ctrl & PT_MSIX_CTRL_ENABLE) != 0)
		host_msix_ctrl(s, PT_MSIX_CTRL_ENABLE | PT_MSIX_CTRL_FMASK);
	for (uint32_t i = 0; i < s->msix.count; i++)
		pt_msix_sync(ctx, dev, s, i);
	host_msix_ctrl(s, ctrl);
}

static bool pt_in_msix_table(const struct pt_state *s, int idx, uint64_t off)
{
	return s->msix.count != 0 && idx == s->msix.bir && off >= s->msix.table_off &&
	       off - s->msix.table_off < (uint64_t)s->msix.count * PT_MSIX_ENTRY_SIZE;
}

/* §6.8.2: table accesses (@off: from the table) are aligned dwords or qwords; others dropped. */
static bool pt_msix_access_ok(const struct pt_state *s, uint64_t off, int size)
{
	if ((size == 4 || size == 8) && (off & (uint64_t)(size - 1)) == 0)
		return true;
	pr_warn("%s: MSI-X table access of %d bytes at %#" PRIx64 " ignored", s->name, size,
		off + s->msix.table_off);
	return false;
}

static uint64_t pt_msix_table_read(struct pt_state *s, uint64_t off, int size)
{
	const struct pci_msix_entry *e = &s->msix.vt[off / PT_MSIX_ENTRY_SIZE];
	uint32_t dw[4];
	uint32_t w = (uint32_t)(off % PT_MSIX_ENTRY_SIZE) / 4;

	if (!pt_msix_access_ok(s, off, size))
		return ~0ULL >> (64 - 8 * size);
	dw[0] = (uint32_t)e->addr;
	dw[1] = (uint32_t)(e->addr >> 32);
	dw[2] = e->data;
	dw[3] = e->vector_control;
	return size == 4 ? dw[w] : dw[w] | (uint64_t)dw[w + 1] << 32;
}

static void pt_msix_table_write(struct vmctx *ctx, struct pci_vdev *dev, struct pt_state *s,
				uint64_t off, int size, uint64_t val)
{
	uint32_t i = (uint32_t)(off / PT_MSIX_ENTRY_SIZE);
	struct pci_msix_entry *e = &s->msix.vt[i];
	uint32_t dw[4] = { (uint32_t)e->addr, (uint32_t)(e->addr >> 32), e->data, e->vector_control };
	uint32_t w = (uint32_t)(off % PT_MSIX_ENTRY_SIZE) / 4;

	if (!pt_msix_access_ok(s, off, size))
		return;
	dw[w] = (uint32_t)val;
	if (size == 8)
		dw[w + 1] = (uint32_t)(val >> 32);
	e->addr = dw[0] | (uint64_t)dw[1] << 32;
	e->data = dw[2];
	e->vector_control = dw[3] & PT_MSIX_VCTRL_MASK;	/* the other bits are reserved */
	pt_msix_sync(ctx, dev, s, i);
}

/* Virtual MSI: 64-bit, one message (MMC 0), per-vector masking if the device has it. */
static int pt_msi_init(struct pci_vdev *dev, struct pt_state *s)
{
	uint8_t cap[PT_MSI_CAP_LEN] = { PCIY_MSI };
	uint16_t ctrl;
	int off;

	s->msi.hoff = host_cap(s, PCIY_MSI);
	if (s->msi.hoff == 0)
		return 0;
	s->msi.hctrl = (uint16_t)(s->hcfg[s->msi.hoff + 2] | s->hcfg[s->msi.hoff + 3] << 8);
	ctrl = PT_MSI_CTRL_64BIT | (s->msi.hctrl & PT_MSI_CTRL_PVM);
	cap[2] = (uint8_t)ctrl;
	cap[3] = (uint8_t)(ctrl >> 8);
	off = pci_emul_add_capability(dev, cap, (ctrl & PT_MSI_CTRL_PVM) != 0 ? 24 : 14);
	if (off < 0)
		return off;
	pci_set_wmask(dev, off + 2, 2, PT_MSI_CTRL_ENABLE);
	pci_set_wmask(dev, off + 4, 4, 0xfffffffc);
	pci_set_wmask(dev, off + 8, 4, 0xffffffff);
	pci_set_wmask(dev, off + 12, 2, 0xffff);
	if ((ctrl & PT_MSI_CTRL_PVM) != 0)
		pci_set_wmask(dev, off + 16, 4, 1);
	s->msi.voff = off;
	host_msi_ctrl(s, false);
	return 0;
}

/* Virtual MSI-X: the device's table size and BAR layout, our own table. */
static int pt_msix_init(struct pci_vdev *dev, struct pt_state *s)
{
	struct pt_msix *x = &s->msix;
	uint8_t cap[12] = { PCIY_MSIX };
	uint32_t table, pba;
	uint16_t ctrl;
	int off;

	x->hoff = host_cap(s, PCIY_MSIX);
	if (x->hoff == 0)
		return 0;
	ctrl = (uint16_t)(s->hcfg[x->hoff + 2] | s->hcfg[x->hoff + 3] << 8);
	table = hcfg32(s, x->hoff + 4);
	pba = hcfg32(s, x->hoff + 8);
	x->count = (ctrl & PT_MSIX_CTRL_SIZE) + 1U;
	x->bir = (int)(table & 7U);
	x->table_off = table & ~7U;
	if (x->bir >= PCI_BAR_COUNT || s->bar[x->bir].map == NULL ||
	    x->table_off > s->bar[x->bir].size ||
	    (uint64_t)x->count * PT_MSIX_ENTRY_SIZE > s->bar[x->bir].size - x->table_off) {
		x->count = 0;
		return -EINVAL;		/* table outside a memory BAR */
	}
	x->vt = calloc(x->count, sizeof(*x->vt));
	x->last = calloc(x->count, sizeof(*x->last));
	x->mapped = calloc(x->count, sizeof(*x->mapped));
	if (x->vt == NULL || x->last == NULL || x->mapped == NULL) {
		x->count = 0;
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < x->count; i++)
		x->vt[i].vector_control = PT_MSIX_VCTRL_MASK;	/* reset value (§6.8.2.9) */
	cap[2] = (uint8_t)(ctrl & PT_MSIX_CTRL_SIZE);
	cap[3] = (uint8_t)((ctrl & PT_MSIX_CTRL_SIZE) >> 8);
	memcpy(&cap[4], &table, 4);
	memcpy(&cap[8], &pba, 4);
	off = pci_emul_add_capability(dev, cap, sizeof(cap));
	if (off < 0)
		return off;
	pci_set_wmask(dev, off + 2, 2, PT_MSIX_CTRL_ENABLE | PT_MSIX_CTRL_FMASK);
	x->voff = off;
	host_msix_ctrl(s, 0);
	return 0;
}

static int pt_caps_init(struct pci_vdev *dev, struct pt_state *s)
{
	int rc = pt_msi_init(dev, s);

	return rc != 0 ? rc : pt_msix_init(dev, s);
}

/* VM stop: the hypervisor forgets every message, the device sends none. */
static void pt_intr_release(struct vmctx *ctx, struct pt_state *s)
{
	uint64_t a = 0;
	uint32_t d = 0;

	if (s->msi.mapped) {
		host_msi_ctrl(s, false);
		(void)pt_remap(ctx, s, false, 0, false, true, &a, &d);
		s->msi.mapped = false;
	}
	for (uint32_t i = 0; i < s->msix.count; i++) {
		host_msix_mask(s, i, true);
		if (s->msix.mapped[i])
			(void)pt_remap(ctx, s, true, i, false, true, &a, &d);
		s->msix.mapped[i] = false;
	}
	if (s->msix.voff != 0)
		host_msix_ctrl(s, 0);
}

/* --------------------------------------------------------------------- */
/* Memory BARs in the EPT                                                */

static bool gpa_is_ram(const struct vmctx *ctx, uint64_t gpa, uint64_t len)
{
	const uint64_t hi = 1ULL << 32;

	return gpa < ctx->lowmem || (ctx->highmem != 0 && gpa < hi + ctx->highmem && gpa + len > hi);
}

static void pt_ept_unmap(struct vmctx *ctx, struct pt_state *s, int i)
{
	struct pt_bar *b = &s->bar[i];

	for (int k = 0; k < b->nept; k++) {
		struct acrn_vm_memmap m = {
			.type = ACRN_MEMMAP_MMIO, .user_vm_pa = b->ept[k].gpa,
			.service_vm_pa = b->ept[k].hpa, .len = b->ept[k].len,
			.attr = ACRN_MEM_ACCESS_READ | ACRN_MEM_ACCESS_WRITE | ACRN_MEM_TYPE_UC,
		};

		if (ctx->vmm->unset_memseg(ctx, &m) != 0)
			pr_warn("%s: BAR%d unmap of %#" PRIx64 " failed", s->name, i, b->ept[k].gpa);
	}
	b->nept = 0;
}

/*
 * Where BAR @i should be mapped now: nowhere unless the core decodes it
 * (memory decoding on, a real address that collides with no other device)
 * and it is not over guest RAM; the pages of the MSI-X table stay out.
 * @return the number of ranges in @want; *why: reason for none
 */
static int pt_ept_wanted(struct vmctx *ctx, struct pci_vdev *dev, struct pt_state *s, int i,
			 struct pt_ept want[2], const char **why)
{
	const struct pci_bar *vb = &dev->bar[i];
	const struct pt_bar *b = &s->bar[i];
	uint64_t lo = b->size, hi = b->size;
	int n = 0;

	*why = NULL;
	if ((pci_get_cfgdata16(dev, PCIR_COMMAND) & PCIM_CMD_MEMEN) == 0)
		return 0;
	if (vb->addr == 0) {
		*why = "address 0";
		return 0;
	}
	if (gpa_is_ram(ctx, vb->addr, b->size)) {
		*why = "over guest RAM";
		return 0;
	}
	if (!vb->registered)
		return 0;		/* sizing, or over another device: the core says why */
	if (s->msix.count != 0 && s->msix.bir == i) {
		lo = s->msix.table_off & ~(PT_PAGE - 1);
		hi = (s->msix.table_off + (uint64_t)s->msix.count * PT_MSIX_ENTRY_SIZE + PT_PAGE - 1) &
		     ~(PT_PAGE - 1);
	}
	if (lo > 0)
		want[n++] = (struct pt_ept){ vb->addr, b->hpa, lo };
	if (hi < b->size)
		want[n++] = (struct pt_ept){ vb->addr + hi, b->hpa + hi, b->size - hi };
	return n;
}

/* Make the EPT mapping of BAR @i follow the guest's BAR (called after every change). */
static void pt_ept_sync(struct vmctx *ctx, struct pci_vdev *dev, struct pt_state *s, int i)
{
	struct pt_bar *b = &s->bar[i];
	struct pt_ept want[2];
	const char *why;
	int n;

	if ((b->type != PCI_BAR_MEM32 && b->type != PCI_BAR_MEM64) || b->map == NULL ||
	    (b->hpa & (PT_PAGE - 1)) != 0 || b->size < PT_PAGE)
		return;		/* stays trapped */
	n = pt_ept_wanted(ctx, dev, s, i, want, &why);
	if (why != b->refused && why != NULL)
		pr_warn("%s: guest BAR%d at %#" PRIx64 " (%s) not mapped", s->name, i,
			dev->bar[i].addr, why);
	b->refused = why;
	if (n == b->nept && memcmp(want, b->ept, sizeof(want[0]) * (size_t)n) == 0)
		return;
	pt_ept_unmap(ctx, s, i);
	for (int k = 0; k < n; k++) {
		struct acrn_vm_memmap m = {
			.type = ACRN_MEMMAP_MMIO, .user_vm_pa = want[k].gpa,
			.service_vm_pa = want[k].hpa, .len = want[k].len,
			.attr = ACRN_MEM_ACCESS_READ | ACRN_MEM_ACCESS_WRITE | ACRN_MEM_TYPE_UC,
		};
		int rc = ctx->vmm->set_memseg(ctx, &m);

		if (rc != 0) {
			/* Still correct, only slower: the accesses trap to us. */
			pr_warn("%s: BAR%d: mapping %#" PRIx64 "+%#" PRIx64 " refused (%d): trapped",
				s->name, i, want[k].gpa, want[k].len, rc);
			continue;
		}
		b->ept[b->nept++] = want[k];
	}
}

static void pt_release(struct vmctx *ctx, struct pci_vdev *dev, struct pt_state *s)
{
	pt_intr_release(ctx, s);
	for (int i = 0; i < PCI_BAR_COUNT; i++)
		pt_ept_unmap(ctx, s, i);
	if (s->irq_set && ctx->vmm->reset_ptdev_intr(ctx, &s->irq) != 0)
		pr_warn("%s: RESET_PTDEV_INTR failed", s->name);
	if (s->assigned && ctx->vmm->deassign_pcidev(ctx, &s->pcidev) != 0)
		pr_warn("%s: DEASSIGN_PCIDEV failed", s->name);
	for (int i = 0; i < PCI_BAR_COUNT; i++) {
		if (s->bar[i].map != NULL)
			munmap(s->bar[i].map, s->bar[i].size);
		if (s->bar[i].fd >= 0)
			close(s->bar[i].fd);
	}
	free(s->msix.vt);
	free(s->msix.last);
	free(s->msix.mapped);
	if (s->cmd_saved)
		host_cmd_write(s, s->host_cmd);
	if (s->pciaccess)
		pt_pciaccess_put();
	if (s->driver[0] != '\0') {
		reset_host_device(s);
		rebind_host_driver(s);
	}
	free(s);
	dev->arg = NULL;
}

static int pt_init(struct vmctx *ctx, struct pci_vdev *dev, const struct dm_dev_config *cfg)
{
	const char *spec = dm_dev_positional(cfg, 0);
	bool unsafe = dm_dev_has_flag(cfg, "unsafe");
	uint16_t bdf, cmd = 0;
	struct pci_device *pdev;
	struct pt_state *s;
	pciaddr_t got = 0;
	int rc, pin;

	if (parse_bdf(spec, &bdf) != 0)
		return pt_fail(dev, -EINVAL, "'%s' is not BUS/DEV/FUNC in hex (e.g. 0/4/0)",
			       spec != NULL ? spec : "");
	if (!unsafe && !iommu_present())
		return pt_fail(dev, -EPERM, "%s", NO_IOMMU_MSG);
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	for (int i = 0; i < PCI_BAR_COUNT; i++)
		s->bar[i].fd = -1;
	snprintf(s->name, sizeof(s->name), "0000:%02x:%02x.%x", bdf >> 8, (bdf >> 3) & 0x1f, bdf & 7);
	snprintf(s->dir, sizeof(s->dir), "%s/bus/pci/devices/%s", passthru_sysfs_root, s->name);
	dev->arg = s;
	rc = pt_pciaccess_get();
	if (rc != 0) {
		rc = pt_fail(dev, rc, "%s", "libpciaccess cannot scan the host's PCI bus");
		goto fail;
	}
	s->pciaccess = true;
	pdev = pci_device_find_by_slot(0, bdf >> 8, (bdf >> 3) & 0x1f, bdf & 7);
	if (pdev == NULL) {
		rc = pt_fail(dev, -ENODEV, "no PCI device %s on the host", s->name);
		goto fail;
	}
	s->pdev = pdev;
	memset(s->hcfg, 0xff, sizeof(s->hcfg));
	if (pci_device_cfg_read(pdev, s->hcfg, 0, sizeof(s->hcfg), &got) != 0 || got < 64) {
		rc = pt_fail(dev, -EIO, "cannot read the config space of %s", s->name);
		goto fail;
	}
	if ((s->hcfg[PCIR_HDRTYPE] & 0x7f) != 0) {
		rc = pt_fail(dev, -EINVAL, "%s is a bridge: only endpoints can be passed through", s->name);
		goto fail;
	}
	rc = read_bars(s);
	if (rc != 0) {
		rc = pt_fail(dev, rc, "cannot read the BARs of %s", s->name);
		goto fail;
	}
	memcpy(&s->host_cmd, &s->hcfg[PCIR_COMMAND], sizeof(s->host_cmd));
	s->cmd_saved = true;
	rc = unbind_host_driver(s);
	if (rc != 0) {
		rc = pt_fail(dev, rc, "cannot unbind the host driver of %s", s->name);
		goto fail;
	}
	reset_host_device(s);

	/* The virtual function: identity and class of the real one, nothing else. */
	pci_set_cfgdata16(dev, PCIR_VENDOR, (uint16_t)(s->hcfg[0] | s->hcfg[1] << 8));
	pci_set_cfgdata16(dev, PCIR_DEVICE, (uint16_t)(s->hcfg[2] | s->hcfg[3] << 8));
	for (int off = PCIR_REVID; off <= PCIR_CLASS; off++)
		pci_set_cfgdata8(dev, off, s->hcfg[off]);
	pci_set_cfgdata16(dev, PCIR_SUBVEND, (uint16_t)(s->hcfg[0x2c] | s->hcfg[0x2d] << 8));
	pci_set_cfgdata16(dev, PCIR_SUBDEV, (uint16_t)(s->hcfg[0x2e] | s->hcfg[0x2f] << 8));

	for (int i = 0; i < PCI_BAR_COUNT; i++) {
		struct pt_bar *b = &s->bar[i];

		if (b->type == PCI_BAR_NONE || b->type == PCI_BAR_MEM64_HI)
			continue;
		rc = open_bar(s, i);
		if (rc == 0)
			rc = pci_emul_alloc_bar(dev, i, b->type, b->size);
		if (rc != 0) {
			rc = pt_fail(dev, rc, "cannot set up the BARs of %s", s->name);
			goto fail;
		}
		cmd |= b->type == PCI_BAR_IO ? PCIM_CMD_PORTEN : PCIM_CMD_MEMEN;
	}
	rc = pt_caps_init(dev, s);
	if (rc != 0) {
		rc = pt_fail(dev, rc, "cannot virtualize the MSI/MSI-X capabilities of %s", s->name);
		goto fail;
	}
	/* The host keeps decoding at its own addresses; DMA off until the guest says. */
	cmd |= PCIM_CMD_INTXDIS & s->host_cmd;
	host_cmd_write(s, cmd);

	s->pcidev.virt_bdf = (uint16_t)(dev->bus << 8 | dev->slot << 3 | dev->func);
	s->pcidev.phys_bdf = bdf;
	s->pcidev.intr_pin = s->hcfg[PCIR_INTPIN] <= 4 ? s->hcfg[PCIR_INTPIN] : 0;
	pin = s->pcidev.intr_pin != 0 ? host_irq(s) : -1;
	if (pin >= 0) {
		rc = pci_lintr_request(dev);
		if (rc != 0)
			goto fail;
		s->pcidev.intr_line = (uint8_t)dev->lintr.gsi;
	}
	for (int i = 0; i < PCI_BAR_COUNT; i++)
		memcpy(&s->pcidev.bar[i], &s->hcfg[PCIR_BAR0 + 4 * i], 4);
	rc = ctx->vmm->assign_pcidev(ctx, &s->pcidev);
	if (rc != 0) {
		rc = pt_fail(dev, rc, "the hypervisor refused to assign %s", s->name);
		goto fail;
	}
	s->assigned = true;
	if (pin >= 0) {
		s->irq.type = ACRN_PTDEV_IRQ_INTX;
		s->irq.virt_bdf = s->pcidev.virt_bdf;
		s->irq.phys_bdf = bdf;
		s->irq.intx.virt_pin = dev->lintr.gsi;
		s->irq.intx.phys_pin = (uint32_t)pin;
		rc = ctx->vmm->set_ptdev_intr(ctx, &s->irq);
		if (rc != 0) {
			rc = pt_fail(dev, rc, "the hypervisor refused the INTx pin of %s", s->name);
			goto fail;
		}
		s->irq_set = true;
	}
	for (int i = 0; i < PCI_BAR_COUNT; i++)
		pt_ept_sync(ctx, dev, s, i);
	pr_info("%s passed through as 00:%02x.%u%s", s->name, dev->slot, dev->func,
		unsafe ? " (unsafe: no DMA protection)" : "");
	return 0;
fail:
	pt_release(ctx, dev, s);
	return rc;
}

static void pt_deinit(struct vmctx *ctx, struct pci_vdev *dev)
{
	if (dev->arg != NULL)
		pt_release(ctx, dev, dev->arg);
}

static bool pt_overlaps(int off, int bytes, int start, int len)
{
	return off < start + len && start < off + bytes;
}

/*
 * The core applies the write (masks, BAR moves); then Bus Master and INTx
 * Disable reach the device, moved or (un)decoded BARs are (un)mapped in the
 * EPT, and a changed MSI capability or MSI-X control is remapped.
 */
static int pt_cfgwrite(struct vmctx *ctx, struct pci_vdev *dev, int offset, int bytes, uint32_t val)
{
	struct pt_state *s = dev->arg;

	if (s == NULL)
		return -ENOENT;
	pci_emul_cfgwrite(dev, offset, bytes, val);
	if (pt_overlaps(offset, bytes, PCIR_COMMAND, 2)) {
		uint16_t guest = pci_get_cfgdata16(dev, PCIR_COMMAND);
		uint16_t cmd;

		if (pci_device_cfg_read_u16(s->pdev, &cmd, PCIR_COMMAND) == 0) {
			cmd = (uint16_t)((cmd & ~GUEST_CMD_BITS) | (guest & GUEST_CMD_BITS));
			host_cmd_write(s, cmd);
		}
	}
	if (pt_overlaps(offset, bytes, PCIR_COMMAND, 2) ||
	    pt_overlaps(offset, bytes, PCIR_BAR0, 4 * PCI_BAR_COUNT))
		for (int i = 0; i < PCI_BAR_COUNT; i++)
			pt_ept_sync(ctx, dev, s, i);
	if (s->msi.voff != 0 && pt_overlaps(offset, bytes, s->msi.voff, PT_MSI_CAP_LEN))
		pt_msi_sync(ctx, dev, s);
	if (s->msix.voff != 0 && pt_overlaps(offset, bytes, s->msix.voff + 2, 2))
		pt_msix_ctrl_sync(ctx, dev, s);
	return 0;
}

/* Platform reset: the core restored config space; drop what the old one mapped. */
static void pt_reset(struct vmctx *ctx, struct pci_vdev *dev)
{
	struct pt_state *s = dev->arg;

	if (s == NULL)
		return;
	pthread_mutex_lock(&dev->lock);
	for (uint32_t i = 0; i < s->msix.count; i++)
		s->msix.vt[i] = (struct pci_msix_entry){ .vector_control = PT_MSIX_VCTRL_MASK };
	if (s->msi.voff != 0)
		pt_msi_sync(ctx, dev, s);
	if (s->msix.voff != 0)
		pt_msix_ctrl_sync(ctx, dev, s);
	for (int i = 0; i < PCI_BAR_COUNT; i++)
		pt_ept_sync(ctx, dev, s, i);
	pthread_mutex_unlock(&dev->lock);
}

static bool bar_ok(struct pt_state *s, int idx, uint64_t off, int size)
{
	return s != NULL && idx >= 0 && idx < PCI_BAR_COUNT && s->bar[idx].fd >= 0 &&
	       (size == 1 || size == 2 || size == 4 || size == 8) &&
	       off < s->bar[idx].size && (uint64_t)size <= s->bar[idx].size - off;
}

static void pt_barwrite(struct vmctx *ctx, struct pci_vdev *dev, int idx, uint64_t off, int size,
			uint64_t val)
{
	struct pt_state *s = dev->arg;
	struct pt_bar *b;

	if (!bar_ok(s, idx, off, size))
		return;
	if (pt_in_msix_table(s, idx, off)) {
		pthread_mutex_lock(&dev->lock);
		pt_msix_table_write(ctx, dev, s, off - s->msix.table_off, size, val);
		pthread_mutex_unlock(&dev->lock);
		return;
	}
	b = &s->bar[idx];
	if (b->map == NULL) {
		if (pwrite(b->fd, &val, (size_t)size, (off_t)off) != size)
			pr_warn("%s: BAR%d write at %#" PRIx64 " failed", s->name, idx, off);
		return;
	}
	switch (size) {
	case 1: *(volatile uint8_t *)(b->map + off) = (uint8_t)val; break;
	case 2: *(volatile uint16_t *)(b->map + off) = (uint16_t)val; break;
	case 4: *(volatile uint32_t *)(b->map + off) = (uint32_t)val; break;
	default: *(volatile uint64_t *)(b->map + off) = val; break;
	}
}

static uint64_t pt_barread(struct vmctx *ctx, struct pci_vdev *dev, int idx, uint64_t off, int size)
{
	struct pt_state *s = dev->arg;
	struct pt_bar *b;
	uint64_t val = 0;

	if (!bar_ok(s, idx, off, size))
		return ~0ULL >> (64 - 8 * (size > 0 && size <= 8 ? size : 8));
	if (pt_in_msix_table(s, idx, off)) {
		pthread_mutex_lock(&dev->lock);
		val = pt_msix_table_read(s, off - s->msix.table_off, size);
		pthread_mutex_unlock(&dev->lock);
		return val;
	}
	b = &s->bar[idx];
	if (b->map == NULL) {
		if (pread(b->fd, &val, (size_t)size, (off_t)off) != size)
			return ~0ULL >> (64 - 8 * size);
		return val;
	}
	switch (size) {
	case 1: return *(volatile uint8_t *)(b->map + off);
	case 2: return *(volatile uint16_t *)(b->map + off);
	case 4: return *(volatile uint32_t *)(b->map + off);
	default: return *(volatile uint64_t *)(b->map + off);
	}
}

static const struct pci_vdev_ops passthru_ops = {
	.class_name = "passthru",
	.vdev_init = pt_init,
	.vdev_deinit = pt_deinit,
	.vdev_cfgwrite = pt_cfgwrite,
	.vdev_barwrite = pt_barwrite,
	.vdev_barread = pt_barread,
	.vdev_reset = pt_reset,
};
PCI_VDEV_REGISTER(passthru_ops);

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PCI passthrough: `-s N,passthru,BUS/DEV/FUNC[,unsafe]` (BUS, DEV, FUNC in
 * hex) gives a physical function of the Service VM to the User VM.
 *
 * Init: refuse without an IOMMU unless "unsafe"; find the function and read
 * its config space and BAR layout with libpciaccess; unbind its host driver
 * and reset it (sysfs: libpciaccess does neither); give
 * the guest a virtual function with the same IDs and class, BARs of the same
 * kinds and sizes placed by the PCI core (the guest moves them at will), no
 * capabilities (MSI/MSI-X are not virtualized yet, so they stay hidden) and
 * INTA# if the device has an INTx pin; then HC_ASSIGN_PCIDEV and, for INTx,
 * HC_SET_PTDEV_INTR_INFO (physical IOAPIC pin -> the guest's line).
 * Deinit undoes it all and binds the host driver again.
 *
 * BAR accesses trap to acrn-dm and are carried out on the device through
 * sysfs: I/O BARs with pread/pwrite of resourceN, memory BARs through an
 * mmap of resourceN.  Slower than mapping the BARs into the guest, but the
 * guest can place its BARs anywhere and every access is bounded here.
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

struct pt_bar {
	enum pci_bar_type type;
	uint64_t size;
	int fd;			/* resourceN, -1 if none */
	uint8_t *map;		/* memory BARs: mmap of resourceN */
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

static void pt_release(struct vmctx *ctx, struct pci_vdev *dev, struct pt_state *s)
{
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

/* Bus master and INTx Disable reach the device; the core keeps the rest. */
static int pt_cfgwrite(struct vmctx *ctx, struct pci_vdev *dev, int offset, int bytes, uint32_t val)
{
	struct pt_state *s = dev->arg;

	if (s != NULL && offset <= PCIR_COMMAND && offset + bytes >= PCIR_COMMAND + 2) {
		uint16_t guest = (uint16_t)(val >> (8 * (PCIR_COMMAND - offset)));
		uint16_t cmd;

		if (pci_device_cfg_read_u16(s->pdev, &cmd, PCIR_COMMAND) == 0) {
			cmd = (uint16_t)((cmd & ~GUEST_CMD_BITS) | (guest & GUEST_CMD_BITS));
			host_cmd_write(s, cmd);
		}
	}
	return -ENOENT;
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
};
PCI_VDEV_REGISTER(passthru_ops);

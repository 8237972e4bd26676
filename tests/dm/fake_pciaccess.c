/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The part of libpciaccess acrn-dm's passthru device uses, over the fake
 * sysfs tree of tests/dm/test_passthru.c (passthru_sysfs_root) instead of
 * /sys: the tests link this instead of -lpciaccess.  Like the library's
 * Linux back-end, a device exists when its directory does, config accesses
 * are pread/pwrite of "config", and pci_device_probe() reads the BARs from
 * "resource" (start, end, flags per line; IORESOURCE_IO 0x100,
 * IORESOURCE_MEM_64 0x100000).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pciaccess.h>

#include "hw/passthru.h"
#include "fake_pciaccess.h"

#define FAKE_PCI_DEVS	4

static struct pci_device devs[FAKE_PCI_DEVS];
int fake_pciaccess_live;

int pci_system_init(void)
{
	fake_pciaccess_live++;
	return 0;
}

void pci_system_cleanup(void)
{
	fake_pciaccess_live--;
}

static void dev_path(const struct pci_device *d, const char *file, char *buf, size_t len)
{
	snprintf(buf, len, "%s/bus/pci/devices/%04x:%02x:%02x.%u/%s", passthru_sysfs_root,
		 d->domain, d->bus, d->dev, d->func, file);
}

struct pci_device *pci_device_find_by_slot(uint32_t domain, uint32_t bus, uint32_t dev,
					   uint32_t func)
{
	struct pci_device want = { .domain = (uint16_t)domain, .bus = (uint8_t)bus,
				   .dev = (uint8_t)dev, .func = (uint8_t)func };
	char path[512];
	struct stat st;

	if (fake_pciaccess_live <= 0)
		return NULL;			/* pci_system_init() not called */
	dev_path(&want, "", path, sizeof(path));
	if (stat(path, &st) != 0)
		return NULL;
	for (int i = 0; i < FAKE_PCI_DEVS; i++) {
		if (devs[i].domain == want.domain && devs[i].bus == want.bus &&
		    devs[i].dev == want.dev && devs[i].func == want.func && devs[i].vendor_id != 0)
			return &devs[i];
		if (devs[i].vendor_id == 0) {
			memset(&devs[i], 0, sizeof(devs[i]));
			devs[i].domain = want.domain;
			devs[i].bus = want.bus;
			devs[i].dev = want.dev;
			devs[i].func = want.func;
			devs[i].vendor_id = 0xffff;	/* slot used; probe fills the rest */
			devs[i].irq = -1;
			return &devs[i];
		}
	}
	return NULL;
}

int pci_device_probe(struct pci_device *d)
{
	char path[512], line[128];
	FILE *f;

	dev_path(d, "resource", path, sizeof(path));
	f = fopen(path, "re");
	if (f == NULL)
		return errno;
	for (int i = 0; i < 6 && fgets(line, sizeof(line), f) != NULL; i++) {
		unsigned long long start, end, flags;
		struct pci_mem_region *r = &d->regions[i];

		memset(r, 0, sizeof(*r));
		if (sscanf(line, "%llx %llx %llx", &start, &end, &flags) != 3) {
			fclose(f);
			return EINVAL;
		}
		if (end <= start)
			continue;
		r->base_addr = start;
		r->size = end - start + 1;
		r->is_IO = (flags & 0x100) != 0;
		r->is_64 = (flags & 0x100000) != 0;
	}
	fclose(f);
	return 0;
}

static int cfg_rw(struct pci_device *d, void *data, pciaddr_t off, pciaddr_t size,
		  pciaddr_t *done, bool write)
{
	char path[512];
	ssize_t n;
	int fd;

	dev_path(d, "config", path, sizeof(path));
	fd = open(path, write ? O_WRONLY : O_RDONLY);
	if (fd < 0)
		return errno;
	n = write ? pwrite(fd, data, size, (off_t)off) : pread(fd, data, size, (off_t)off);
	close(fd);
	if (n < 0)
		return EIO;
	if (done != NULL)
		*done = (pciaddr_t)n;
	return 0;
}

int pci_device_cfg_read(struct pci_device *d, void *data, pciaddr_t off, pciaddr_t size,
			pciaddr_t *bytes_read)
{
	return cfg_rw(d, data, off, size, bytes_read, false);
}

int pci_device_cfg_read_u16(struct pci_device *d, uint16_t *data, pciaddr_t off)
{
	pciaddr_t n = 0;
	int rc = cfg_rw(d, data, off, 2, &n, false);

	return rc != 0 ? rc : (n == 2 ? 0 : EIO);
}

int pci_device_cfg_write_u16(struct pci_device *d, uint16_t data, pciaddr_t off)
{
	pciaddr_t n = 0;
	int rc = cfg_rw(d, &data, off, 2, &n, true);

	return rc != 0 ? rc : (n == 2 ? 0 : EIO);
}

int pci_device_cfg_write_u32(struct pci_device *d, uint32_t data, pciaddr_t off)
{
	pciaddr_t n = 0;
	int rc = cfg_rw(d, &data, off, 4, &n, true);

	return rc != 0 ? rc : (n == 4 ? 0 : EIO);
}

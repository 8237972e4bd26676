/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hypervisor glue of the VT-d driver: the DMAR table and the units'
 * registers through the boot identity map of the low 4 GiB, pages from the
 * hypervisor pool, CLFLUSH for units that do not snoop their table walks.
 */
#define pr_fmt(fmt) "vtd: " fmt
#include <arch/x86/vtd.h>
#include <arch/x86/timer.h>
#include <common/log.h>
#include <common/page_alloc.h>
#include <lib/errno.h>

#define VTD_MAP_LIMIT	(4ULL << 30)	/* what entry.S identity-maps */
#define VTD_REG_SIZE	0x1000ULL

static volatile void *vtd_reg(uint64_t base, uint32_t off)
{
	return (volatile void *)(uintptr_t)(base + off);
}

static uint32_t hv_read32(void *ctx, uint64_t base, uint32_t off)
{
	return *(volatile uint32_t *)vtd_reg(base, off);
}

static void hv_write32(void *ctx, uint64_t base, uint32_t off, uint32_t val)
{
	*(volatile uint32_t *)vtd_reg(base, off) = val;
}

static uint64_t hv_read64(void *ctx, uint64_t base, uint32_t off)
{
	return *(volatile uint64_t *)vtd_reg(base, off);
}

static void hv_write64(void *ctx, uint64_t base, uint32_t off, uint64_t val)
{
	*(volatile uint64_t *)vtd_reg(base, off) = val;
}

static void hv_delay(void *ctx, uint32_t us)
{
	udelay(us);
}

static void hv_flush_cache(void *ctx, const void *va, size_t len)
{
	const char *p = (const char *)((uintptr_t)va & ~63UL);

	for (; p < (const char *)va + len; p += 64)
		__asm__ volatile("clflush %0" : : "m"(*p) : "memory");
	__asm__ volatile("mfence" ::: "memory");
}

static void *hv_alloc(void *ctx)
{
	return page_alloc();
}

static void hv_free(void *ctx, void *page)
{
	page_free(page);
}

static uint64_t hv_v2p(void *ctx, const void *va)
{
	return hva2hpa(va);
}

static void *hv_p2v(void *ctx, uint64_t pa)
{
	return hpa2hva(pa);
}

static const struct pgtable_ops hv_mem = {
	.alloc_page = hv_alloc,
	.free_page = hv_free,
	.virt_to_phys = hv_v2p,
	.phys_to_virt = hv_p2v,
};

static const struct vtd_ops hv_vtd_ops = {
	.read32 = hv_read32,
	.write32 = hv_write32,
	.read64 = hv_read64,
	.write64 = hv_write64,
	.delay_us = hv_delay,
	.flush_cache = hv_flush_cache,
	.mem = &hv_mem,
};

/* Too big for the stack: 8 units and 8 RMRRs with their scopes. */
static struct dmar_info dmar_info;

int vtd_init(const struct acpi_platform *plat)
{
	const uint8_t *tbl;
	uint32_t len;
	int ret;

	if (plat == NULL || plat->dmar_pa == 0) {
		pr_warn("no DMAR table: no IOMMU, devices with DMA cannot be passed through");
		return -ENODEV;
	}
	/* acpi_parse() checked the header and checksum; recheck length and range. */
	if (plat->dmar_pa + 8U > VTD_MAP_LIMIT) {
		pr_warn("DMAR table above 4 GiB: VT-d not used");
		return -ENODEV;
	}
	tbl = (const uint8_t *)(uintptr_t)plat->dmar_pa;
	len = *(const uint32_t *)(tbl + 4);
	if (plat->dmar_pa + len > VTD_MAP_LIMIT) {
		pr_warn("DMAR table runs past 4 GiB: VT-d not used");
		return -ENODEV;
	}
	ret = dmar_parse(tbl, len, &dmar_info);
	if (ret != 0) {
		pr_warn("DMAR table rejected (%s): VT-d not used", dmar_info.error);
		return ret;
	}
	for (uint32_t i = 0; i < dmar_info.unit_count; i++) {
		if (dmar_info.units[i].reg_base + VTD_REG_SIZE > VTD_MAP_LIMIT) {
			pr_warn("unit %#llx above 4 GiB: VT-d not used",
				(unsigned long long)dmar_info.units[i].reg_base);
			return -ENODEV;
		}
	}
	ret = vtd_setup(&dmar_info, &hv_vtd_ops, NULL);
	if (ret != 0) {
		pr_warn("no usable remapping unit (%d): devices with DMA cannot be passed through", ret);
		return ret;
	}
	/* The units are the hypervisor's: the Service VM's kernel must not find them. */
	if (dmar_hide((uint8_t *)(uintptr_t)plat->dmar_pa, len) == 0)
		pr_info("DMAR table hidden from the Service VM (signature now XMAR)");
	return 0;
}

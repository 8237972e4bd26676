/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Guest RAM.
 *
 * Layout (what firmware and the e820 table will describe):
 *   [0, lowmem)                    RAM, lowmem = min(size, 2 GiB)
 *   [2 GiB, 4 GiB)                 PCI hole: MMIO32 BARs, IOAPIC, LAPIC, BIOS
 *   [4 GiB, 4 GiB + highmem)       the rest of RAM
 *
 * One address-space reservation covers [0, 4 GiB + highmem) so that
 * mem_base + gpa is the host address of any RAM gpa; the hole stays PROT_NONE,
 * so a stray host access faults instead of silently hitting other memory.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define DM_LOG_PREFIX "mem: "
#include "dm_log.h"
#include "guest_mem.h"
#include "vmctx.h"

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#define GMEM_HUGE_2M	(21 << MAP_HUGE_SHIFT)
#define GMEM_2M		0x200000ULL

/* Free huge pages reported by /proc/meminfo (2 MiB pages assumed). */
static uint64_t gmem_free_hugepages(void)
{
	char line[128];
	unsigned long long n = 0, v;
	FILE *f = fopen("/proc/meminfo", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "HugePages_Free: %llu", &v) == 1)
			n = v;
	fclose(f);
	return n;
}

/* Map one RAM region at host address @p at (inside the reservation). */
static int gmem_map_region(struct vmctx *ctx, uint64_t gpa, uint64_t len)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE;
	void *at = ctx->mem_base + gpa, *p = MAP_FAILED;
	struct acrn_vm_memmap map;

	if (ctx->mem_hugetlb && len % GMEM_2M == 0)
		p = mmap(at, len, PROT_READ | PROT_WRITE, flags | MAP_HUGETLB | GMEM_HUGE_2M, -1, 0);
	if (p == MAP_FAILED) {
		if (ctx->mem_hugetlb)
			pr_info("huge pages unavailable for %llu MiB at 0x%llx, using normal pages",
				(unsigned long long)(len >> 20), (unsigned long long)gpa);
		ctx->mem_hugetlb = false;
		p = mmap(at, len, PROT_READ | PROT_WRITE, flags, -1, 0);
	}
	if (p == MAP_FAILED)
		return -errno;

	memset(&map, 0, sizeof(map));
	map.type = ACRN_MEMMAP_RAM;
	map.attr = ACRN_MEM_ACCESS_RWX | ACRN_MEM_TYPE_WB;
	map.user_vm_pa = gpa;
	map.vma_base = (uint64_t)(uintptr_t)at;
	map.len = len;
	return ctx->vmm->set_memseg(ctx, &map);
}

int guest_mem_setup(struct vmctx *ctx, uint64_t size)
{
	uint64_t total;
	void *base;
	int rc;

	if (size == 0 || size % 4096 != 0)
		return -EINVAL;
	ctx->lowmem = size < DM_LOWMEM_LIMIT ? size : DM_LOWMEM_LIMIT;
	ctx->highmem = size - ctx->lowmem;
	total = ctx->highmem != 0 ? DM_HIGHMEM_BASE + ctx->highmem : ctx->lowmem;

	base = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return -errno;
	ctx->mem_base = base;
	ctx->mem_reserved = total;

	ctx->mem_hugetlb = gmem_free_hugepages() * GMEM_2M >= size;
	if (!ctx->mem_hugetlb)
		pr_info("no huge pages reserved: guest memory is ordinary memory, the VHM pins it");

	rc = gmem_map_region(ctx, 0, ctx->lowmem);
	if (rc == 0 && ctx->highmem != 0)
		rc = gmem_map_region(ctx, DM_HIGHMEM_BASE, ctx->highmem);
	if (rc != 0) {
		guest_mem_teardown(ctx);
		return rc;
	}
	return 0;
}

void guest_mem_teardown(struct vmctx *ctx)
{
	struct acrn_vm_memmap map;

	if (ctx->mem_base == NULL)
		return;
	memset(&map, 0, sizeof(map));
	map.type = ACRN_MEMMAP_RAM;
	map.attr = ACRN_MEM_ACCESS_RWX | ACRN_MEM_TYPE_WB;
	if (ctx->vm_created && ctx->vmm->unset_memseg != NULL) {
		map.user_vm_pa = 0;
		map.vma_base = (uint64_t)(uintptr_t)ctx->mem_base;
		map.len = ctx->lowmem;
		ctx->vmm->unset_memseg(ctx, &map);
		if (ctx->highmem != 0) {
			map.user_vm_pa = DM_HIGHMEM_BASE;
			map.vma_base = (uint64_t)(uintptr_t)(ctx->mem_base + DM_HIGHMEM_BASE);
			map.len = ctx->highmem;
			ctx->vmm->unset_memseg(ctx, &map);
		}
	}
	munmap(ctx->mem_base, ctx->mem_reserved);
	ctx->mem_base = NULL;
	ctx->mem_reserved = 0;
	ctx->lowmem = 0;
	ctx->highmem = 0;
}

void *vm_map_gpa(struct vmctx *ctx, uint64_t gpa, size_t len)
{
	/* Written so that no sum can wrap: compare lengths against remaining room. */
	if (ctx->mem_base == NULL || len == 0)
		return NULL;
	if (gpa < ctx->lowmem && len <= ctx->lowmem - gpa)
		return ctx->mem_base + gpa;
	if (ctx->highmem != 0 && gpa >= DM_HIGHMEM_BASE && gpa - DM_HIGHMEM_BASE < ctx->highmem &&
	    len <= ctx->highmem - (gpa - DM_HIGHMEM_BASE))
		return ctx->mem_base + gpa;
	return NULL;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Page allocations of acrn.efi.  Everything handed to the hypervisor must be
 * below 4 GiB (it is entered with paging off and identity-maps only the low
 * 4 GiB at first).  Modules go as low as possible above the hypervisor image,
 * the way a multiboot loader places them after the kernel: the hypervisor
 * puts the Service VM kernel above the highest module, so modules at the top
 * of RAM would leave it no room.  All allocations are recorded so that a
 * failed boot returns every page to the firmware.
 */
#include "stub.h"

#define MEM_MAX_RECORDS	32
#define MEM_PAGE	4096ULL

struct mem_record {
	EFI_PHYSICAL_ADDRESS addr;
	UINTN pages;
};

static struct mem_record mem_records[MEM_MAX_RECORDS];
static UINTN mem_nrecords;

static EFI_STATUS mem_record(EFI_PHYSICAL_ADDRESS addr, UINTN pages)
{
	if (mem_nrecords == MEM_MAX_RECORDS) {
		BS->FreePages(addr, pages);
		return EFI_OUT_OF_RESOURCES;
	}
	mem_records[mem_nrecords].addr = addr;
	mem_records[mem_nrecords].pages = pages;
	mem_nrecords++;
	return EFI_SUCCESS;
}

void mem_free_all(void)
{
	while (mem_nrecords > 0) {
		mem_nrecords--;
		BS->FreePages(mem_records[mem_nrecords].addr, mem_records[mem_nrecords].pages);
	}
}

EFI_STATUS mem_get_map(EFI_MEMORY_DESCRIPTOR **map, UINTN *size, UINTN *cap, UINTN *key,
		       UINTN *desc_size)
{
	UINT32 version;
	EFI_STATUS st;

	*map = NULL;
	*cap = 0;
	for (int tries = 0; tries < 4; tries++) {
		*size = *cap;
		st = BS->GetMemoryMap(size, *map, key, desc_size, &version);
		if (st != EFI_BUFFER_TOO_SMALL)
			break;
		if (*map != NULL)
			FreePool(*map);
		/* the pool allocation itself may add descriptors: leave room */
		*cap = *size + 32 * (*desc_size ? *desc_size : sizeof(EFI_MEMORY_DESCRIPTOR));
		*map = AllocatePool(*cap);
		if (*map == NULL)
			return EFI_OUT_OF_RESOURCES;
	}
	if (EFI_ERROR(st) && *map != NULL) {
		FreePool(*map);
		*map = NULL;
	}
	return st;
}

EFI_STATUS mem_alloc_any(UINTN pages, EFI_PHYSICAL_ADDRESS *addr)
{
	EFI_STATUS st = BS->AllocatePages(AllocateAnyPages, EfiLoaderData, pages, addr);

	return EFI_ERROR(st) ? st : mem_record(*addr, pages);
}

EFI_STATUS mem_alloc_at(EFI_PHYSICAL_ADDRESS addr, UINTN pages)
{
	EFI_STATUS st = BS->AllocatePages(AllocateAddress, EfiLoaderData, pages, &addr);

	return EFI_ERROR(st) ? st : mem_record(addr, pages);
}

/* Lowest free page run of `pages` at or above min_addr ending below 4 GiB. */
static EFI_STATUS mem_alloc_lowest(UINTN pages, UINT64 min_addr, EFI_MEMORY_TYPE type,
				   EFI_PHYSICAL_ADDRESS *addr)
{
	EFI_MEMORY_DESCRIPTOR *map;
	UINTN size, cap, key, dsize;
	UINT64 best = 0, need = (UINT64)pages * MEM_PAGE;
	BOOLEAN found = FALSE;
	EFI_STATUS st;

	st = mem_get_map(&map, &size, &cap, &key, &dsize);
	if (EFI_ERROR(st))
		return st;
	for (UINTN off = 0; off + dsize <= size; off += dsize) {
		EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)((UINT8 *)map + off);
		UINT64 start = d->PhysicalStart, end = start + d->NumberOfPages * MEM_PAGE;

		if (d->Type != EfiConventionalMemory || end <= min_addr)
			continue;
		if (start < min_addr)
			start = (min_addr + MEM_PAGE - 1) & ~(MEM_PAGE - 1);
		if (end > STUB_MAX_32BIT + 1)
			end = STUB_MAX_32BIT + 1;
		if (start < end && end - start >= need && (!found || start < best)) {
			best = start;
			found = TRUE;
		}
	}
	FreePool(map);
	if (!found)
		return EFI_NOT_FOUND;
	*addr = best;
	return BS->AllocatePages(AllocateAddress, type, pages, addr);
}

EFI_STATUS mem_alloc_low(UINTN pages, UINT64 min_addr, BOOLEAN code, EFI_PHYSICAL_ADDRESS *addr)
{
	EFI_MEMORY_TYPE type = code ? EfiLoaderCode : EfiLoaderData;
	EFI_STATUS st = EFI_NOT_FOUND;

	if (min_addr != 0)
		st = mem_alloc_lowest(pages, min_addr, type, addr);
	if (EFI_ERROR(st)) {
		*addr = STUB_MAX_32BIT;
		st = BS->AllocatePages(AllocateMaxAddress, type, pages, addr);
	}
	return EFI_ERROR(st) ? st : mem_record(*addr, pages);
}

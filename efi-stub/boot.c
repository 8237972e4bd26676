/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hand-over: multiboot2 information, ExitBootServices(), trampoline.
 *
 * UEFI 2.10 §7.4.6 ExitBootServices(): the map key must be the one of the
 * latest GetMemoryMap(); if it is stale the call fails with
 * EFI_INVALID_PARAMETER and the loader must fetch the map again and retry,
 * calling nothing but the memory allocation services in between.  So every
 * buffer used in that loop is allocated beforehand, and the information
 * structure (which carries the memory map) is rebuilt from scratch each time.
 */
#include "stub.h"
#include "mb2_info.h"
#include "trampoline.h"

#define BOOT_MBI_SIZE		(64U * 1024U)
#define BOOT_E820_MAX		512U
#define BOOT_COPY_MAX		4U
#define BOOT_HANDOVER_SIZE	(BOOT_MBI_SIZE + BOOT_E820_MAX * sizeof(struct mb2_mmap_entry) + \
				 BOOT_COPY_MAX * sizeof(struct tramp_copy))
#define BOOT_EBS_TRIES		8

struct boot_env {
	BOOLEAN has_rsdp2, has_rsdp1;
	UINT8 rsdp[36];
	BOOLEAN has_fb;
	struct mb2_fb fb;
};

static BOOLEAN boot_guid_eq(const EFI_GUID *a, const EFI_GUID *b)
{
	return CompareMem(a, b, sizeof(*a)) == 0;
}

/* ACPI 6.5 §5.2.5.3 RSDP: "RSD PTR " signature, revision 0 (20 bytes, ACPI
 * 1.0) or >= 2 (36 bytes).  UEFI 2.10 §4.6 lists it in the configuration
 * table under the ACPI 2.0 GUID, or the ACPI 1.0 one on old firmware. */
static void boot_find_rsdp(struct boot_env *env)
{
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID;

	for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];
		const UINT8 *r = t->VendorTable;

		if (r == NULL || CompareMem(r, "RSD PTR ", 8) != 0)
			continue;
		if (boot_guid_eq(&t->VendorGuid, &acpi20) && r[15] >= 2) {
			CopyMem(env->rsdp, (void *)r, 36);
			env->has_rsdp2 = TRUE;
			env->has_rsdp1 = FALSE;
			return;
		}
		if (boot_guid_eq(&t->VendorGuid, &AcpiTableGuid) && !env->has_rsdp1) {
			CopyMem(env->rsdp, (void *)r, 20);
			env->has_rsdp1 = TRUE;
		}
	}
}

/* Position and width of the contiguous run of ones in a GOP pixel mask. */
static void boot_mask_field(UINT32 mask, UINT8 *pos, UINT8 *size)
{
	UINT8 p = 0, s = 0;

	while (p < 32 && !(mask & (1U << p)))
		p++;
	while (p + s < 32 && (mask & (1U << (p + s))))
		s++;
	*pos = p < 32 ? p : 0;
	*size = s;
}

/* UEFI 2.10 §12.9 Graphics Output Protocol: a linear framebuffer exists for
 * every pixel format but PixelBltOnly; the 8-bit formats are 32 bpp. */
static void boot_find_fb(struct boot_env *env)
{
	EFI_GRAPHICS_OUTPUT_PROTOCOL *gop;
	EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *mi;
	struct mb2_fb *fb = &env->fb;

	if (EFI_ERROR(LibLocateProtocol(&GraphicsOutputProtocol, (void **)&gop)) ||
	    gop->Mode == NULL || gop->Mode->Info == NULL)
		return;
	mi = gop->Mode->Info;
	fb->addr = gop->Mode->FrameBufferBase;
	fb->width = mi->HorizontalResolution;
	fb->height = mi->VerticalResolution;
	fb->bpp = 32;
	switch (mi->PixelFormat) {
	case PixelRedGreenBlueReserved8BitPerColor:
		fb->red_pos = 0; fb->green_pos = 8; fb->blue_pos = 16;
		fb->red_size = fb->green_size = fb->blue_size = 8;
		break;
	case PixelBlueGreenRedReserved8BitPerColor:
		fb->blue_pos = 0; fb->green_pos = 8; fb->red_pos = 16;
		fb->red_size = fb->green_size = fb->blue_size = 8;
		break;
	case PixelBitMask: {
		UINT32 all = mi->PixelInformation.RedMask | mi->PixelInformation.GreenMask |
			     mi->PixelInformation.BlueMask | mi->PixelInformation.ReservedMask;
		UINT8 top = 32;

		while (top > 0 && !(all & (1U << (top - 1))))
			top--;
		fb->bpp = (UINT8)((top + 7) & ~7U);
		boot_mask_field(mi->PixelInformation.RedMask, &fb->red_pos, &fb->red_size);
		boot_mask_field(mi->PixelInformation.GreenMask, &fb->green_pos, &fb->green_size);
		boot_mask_field(mi->PixelInformation.BlueMask, &fb->blue_pos, &fb->blue_size);
		break;
	}
	default:
		return;		/* PixelBltOnly: no framebuffer to hand over */
	}
	fb->pitch = mi->PixelsPerScanLine * (fb->bpp / 8);
	/* the same rule mb2_add_framebuffer() applies: an odd mode is left
	 * out rather than failing the whole boot information */
	if (fb->bpp == 0 || fb->width == 0 || fb->height == 0 ||
	    (UINT64)fb->width * ((fb->bpp + 7) / 8) > fb->pitch)
		return;
	env->has_fb = TRUE;
}

static long boot_build_mbi(const struct boot_plan *p, const struct boot_env *env, UINT8 *buf,
			   struct mb2_mmap_entry *e820, const void *map, UINTN map_size, UINTN dsize)
{
	struct mb2_builder b;
	long n = mb2_efi_to_e820(map, map_size, dsize, e820, BOOT_E820_MAX);

	if (n < 0)
		return n;
	mb2_init(&b, buf, BOOT_MBI_SIZE);
	mb2_add_string(&b, MB2_TAG_CMDLINE, p->hv_cmdline);
	mb2_add_string(&b, MB2_TAG_LOADER, "acrn.efi");
	for (UINTN i = 0; i < p->nmods; i++)
		mb2_add_module(&b, p->mods[i].addr, p->mods[i].addr + p->mods[i].size,
			       p->mod_cmdlines[i]);
	mb2_add_mmap(&b, e820, (size_t)n);
	if (env->has_rsdp2)
		mb2_add_acpi(&b, MB2_TAG_ACPI_NEW, env->rsdp, 36);
	else if (env->has_rsdp1)
		mb2_add_acpi(&b, MB2_TAG_ACPI_OLD, env->rsdp, 20);
	if (env->has_fb)
		mb2_add_framebuffer(&b, &env->fb);
	return mb2_finish(&b);
}

EFI_STATUS boot_start(EFI_HANDLE image, const struct boot_plan *p)
{
	struct boot_env env = { 0 };
	EFI_PHYSICAL_ADDRESS handover, tramp;
	EFI_MEMORY_DESCRIPTOR *map;
	UINTN map_size, map_cap, key, dsize, tsize = (UINTN)(tramp_end - tramp_start);
	struct mb2_mmap_entry *e820;
	struct tramp_copy *copies;
	UINT32 version;
	EFI_STATUS st;
	long mbi_len = 0;

	st = mem_alloc_low(EFI_SIZE_TO_PAGES(BOOT_HANDOVER_SIZE), 0, FALSE, &handover);
	if (!EFI_ERROR(st))
		st = mem_alloc_low(EFI_SIZE_TO_PAGES(tsize), 0, TRUE, &tramp);
	if (EFI_ERROR(st)) {
		con_error(L"no memory below 4 GiB for the boot information: %r", st);
		return st;
	}
	e820 = (struct mb2_mmap_entry *)(UINTN)(handover + BOOT_MBI_SIZE);
	copies = (struct tramp_copy *)(e820 + BOOT_E820_MAX);
	SetMem(copies, BOOT_COPY_MAX * sizeof(*copies), 0);
	if (p->staged != 0) {
		copies[0].dst = (UINT32)p->image_start;
		copies[0].src = (UINT32)p->staged;
		copies[0].copy_len = (UINT32)p->image_size;
	}
	/* Written once, before it runs, through a data mapping: plain loading. */
	CopyMem((void *)(UINTN)tramp, (void *)tramp_start, tsize);

	boot_find_rsdp(&env);
	if (!env.has_rsdp2 && !env.has_rsdp1)
		con_info(L"no ACPI RSDP in the UEFI configuration table");
	boot_find_fb(&env);
	if (env.has_fb)
		con_info(L"framebuffer %dx%d, %d bpp, at 0x%lx", env.fb.width, env.fb.height,
			 env.fb.bpp, env.fb.addr);
	con_info(L"starting the hypervisor at 0x%lx", p->entry);

	st = mem_get_map(&map, &map_size, &map_cap, &key, &dsize);
	if (EFI_ERROR(st)) {
		con_error(L"cannot read the UEFI memory map: %r", st);
		return st;
	}
	for (int i = 0; i < BOOT_EBS_TRIES; i++) {
		if (i > 0) {
			map_size = map_cap;
			st = BS->GetMemoryMap(&map_size, map, &key, &dsize, &version);
			if (EFI_ERROR(st))
				break;
		}
		mbi_len = boot_build_mbi(p, &env, (UINT8 *)(UINTN)handover, e820, map, map_size, dsize);
		if (mbi_len < 0) {
			st = EFI_BUFFER_TOO_SMALL;
			break;
		}
		st = BS->ExitBootServices(image, key);
		if (st != EFI_INVALID_PARAMETER)
			break;
	}
	if (EFI_ERROR(st)) {
		if (mbi_len < 0)
			con_error(L"cannot build the boot information (error %d)", (INT32)mbi_len);
		else
			con_error(L"ExitBootServices failed: %r", st);
		FreePool(map);
		return st;
	}

	/* Boot services are gone: no firmware call from here on. */
	__asm__ volatile("cli" ::: "memory");
	((tramp_fn)(UINTN)tramp)(p->entry, handover, (UINT64)(UINTN)copies);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrn.efi: loads the ACRN hypervisor and the Service VM kernel from the ESP
 * and enters the hypervisor through its multiboot2 entry, as GRUB would.
 *
 *   1. read acrn.conf (next to acrn.efi, else \EFI\acrn\acrn.conf);
 *   2. load and validate the hypervisor ELF, place its segments at their
 *      physical addresses;
 *   3. load the kernel and initrd below 4 GiB, just above the hypervisor;
 *   4. build the multiboot2 information, exit boot services, leave long mode
 *      and jump (boot.c, trampoline.S).
 *
 * Any failure prints one line naming what went wrong, returns every page
 * allocated so far and hands an error status back to the firmware, whose
 * boot manager then tries the next boot option.
 */
#include "stub.h"
#include "conf.h"
#include "elf_image.h"

#define MAIN_CONF_NAME		"acrn.conf"
#define MAIN_CONF_FALLBACK	"\\EFI\\acrn\\acrn.conf"
#define MAIN_DIR_MAX		(CONF_PATH_MAX + 1)
#define MAIN_HV_MAX		(256ULL << 20)
#define MAIN_MOD_MAX		(1ULL << 30)
#define MAIN_PAGE		4096ULL

static struct conf main_conf;
static char main_paths[4][CONF_PATH_MAX + 1];

static BOOLEAN main_file_exists(EFI_FILE_HANDLE root, const char *path)
{
	CHAR16 w[CONF_PATH_MAX + 1];
	EFI_FILE_HANDLE fh;
	UINTN i;

	for (i = 0; path[i] != '\0' && i < CONF_PATH_MAX; i++)
		w[i] = (CHAR16)(UINT8)path[i];
	w[i] = 0;
	if (EFI_ERROR(root->Open(root, &fh, w, EFI_FILE_MODE_READ, 0)))
		return FALSE;
	fh->Close(fh);
	return TRUE;
}

/* acrn.conf next to acrn.efi, else \EFI\acrn\acrn.conf; only the last
 * candidate's failure is reported. */
static EFI_STATUS main_read_conf(EFI_FILE_HANDLE root, const char *efi_dir, struct stub_file *f)
{
	if (conf_resolve_path(efi_dir, MAIN_CONF_NAME, main_paths[0], sizeof(main_paths[0])) != 0 ||
	    !main_file_exists(root, main_paths[0]))
		f->path = MAIN_CONF_FALLBACK;
	else
		f->path = main_paths[0];
	return file_load(root, f, FILE_ANYWHERE, CONF_FILE_MAX);
}

/* The directory part of an absolute path, with its trailing '\'. */
static void main_dirname(const char *path, char *dir, UINTN size)
{
	UINTN last = 0;

	for (UINTN i = 0; path[i] != '\0' && i + 1 < size; i++) {
		dir[i] = path[i];
		if (path[i] == '\\')
			last = i;
	}
	dir[last + 1] = '\0';
}

/* Put the image at its link address.  The whole range is normally free
 * conventional memory and is simply allocated.  Where the firmware's own
 * boot-services memory overlaps it, that memory only becomes free at
 * ExitBootServices(): then the image is assembled in a staging buffer and
 * the trampoline moves it after paging is off. */
static EFI_STATUS main_place_hv(const struct stub_file *f, const struct elfimg *img,
				struct boot_plan *plan)
{
	UINTN pages = (UINTN)((img->end - img->start) / MAIN_PAGE);
	EFI_MEMORY_DESCRIPTOR *map;
	UINTN size, cap, key, dsize;
	UINT64 covered = 0;
	EFI_STATUS st;

	plan->image_start = img->start;
	plan->image_size = img->end - img->start;
	plan->staged = 0;
	if (!EFI_ERROR(mem_alloc_at(img->start, pages))) {
		elfimg_load((void *)(UINTN)f->addr, img, (void *)(UINTN)img->start);
		return EFI_SUCCESS;
	}
	st = mem_get_map(&map, &size, &cap, &key, &dsize);
	if (EFI_ERROR(st)) {
		con_error(L"cannot read the UEFI memory map: %r", st);
		return st;
	}
	for (UINTN off = 0; off + dsize <= size; off += dsize) {
		EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)((UINT8 *)map + off);
		UINT64 s = d->PhysicalStart, e = s + d->NumberOfPages * MAIN_PAGE;

		if (e <= img->start || s >= img->end)
			continue;
		/* descriptors never overlap (UEFI 2.10 §7.2.3): summing the
		 * overlaps tells whether RAM covers the whole range */
		covered += (e < img->end ? e : img->end) - (s > img->start ? s : img->start);
		if (d->Type == EfiBootServicesCode || d->Type == EfiBootServicesData)
			continue;
		if (d->Type != EfiConventionalMemory) {
			con_error(L"hypervisor range 0x%lx-0x%lx overlaps firmware memory "
				  L"0x%lx-0x%lx (UEFI type %d)", img->start, img->end - 1, s, e - 1,
				  d->Type);
			st = EFI_ACCESS_DENIED;
			break;
		}
		s = s < img->start ? img->start : s;
		e = e > img->end ? img->end : e;
		st = mem_alloc_at(s, (UINTN)((e - s) / MAIN_PAGE));
		if (EFI_ERROR(st)) {
			con_error(L"cannot reserve 0x%lx-0x%lx for the hypervisor: %r", s, e - 1, st);
			break;
		}
	}
	FreePool(map);
	if (!EFI_ERROR(st) && covered != img->end - img->start) {
		con_error(L"hypervisor range 0x%lx-0x%lx is not all RAM", img->start, img->end - 1);
		st = EFI_NOT_FOUND;
	}
	if (EFI_ERROR(st))
		return st;
	st = mem_alloc_low(pages, 0, FALSE, &plan->staged);
	if (EFI_ERROR(st)) {
		con_error(L"no memory to stage the hypervisor image: %r", st);
		return st;
	}
	elfimg_load((void *)(UINTN)f->addr, img, (void *)(UINTN)plan->staged);
	con_info(L"hypervisor staged at 0x%lx, moved to 0x%lx after boot services",
		 plan->staged, img->start);
	return EFI_SUCCESS;
}

static EFI_STATUS main_load_conf(EFI_FILE_HANDLE root, const char *efi_dir)
{
	struct stub_file cf = { 0 };
	struct conf_error cerr;
	char dir[MAIN_DIR_MAX];
	EFI_STATUS st;

	st = main_read_conf(root, efi_dir, &cf);
	if (EFI_ERROR(st))
		return st;
	if (conf_parse((const char *)(UINTN)cf.addr, cf.size, &main_conf, &cerr) != 0) {
		if (cerr.line != 0)
			con_error(L"%a line %d: %a", cf.path, cerr.line, cerr.why);
		else
			con_error(L"%a: %a", cf.path, cerr.why);
		return EFI_LOAD_ERROR;
	}
	/* relative paths are relative to the directory holding acrn.conf */
	main_dirname(cf.path, dir, sizeof(dir));
	if (conf_resolve_path(dir, main_conf.hypervisor, main_paths[1], sizeof(main_paths[1])) != 0 ||
	    (main_conf.kernel[0] != '\0' &&
	     conf_resolve_path(dir, main_conf.kernel, main_paths[2], sizeof(main_paths[2])) != 0) ||
	    (main_conf.initrd[0] != '\0' &&
	     conf_resolve_path(dir, main_conf.initrd, main_paths[3], sizeof(main_paths[3])) != 0)) {
		con_error(L"%a: a path is too long once joined with %a", cf.path, dir);
		return EFI_BAD_BUFFER_SIZE;
	}
	return EFI_SUCCESS;
}

static EFI_STATUS main_load_hv(EFI_FILE_HANDLE root, struct elfimg *img, struct boot_plan *plan)
{
	struct stub_file hv = { 0 };
	const char *why;
	EFI_STATUS st;

	hv.path = main_paths[1];
	st = file_load(root, &hv, FILE_ANYWHERE, MAIN_HV_MAX);
	if (EFI_ERROR(st))
		return st;
	if (elfimg_parse((const void *)(UINTN)hv.addr, hv.size, img, &why) != 0) {
		con_error(L"%a: not a usable hypervisor image: %a", hv.path, why);
		return EFI_LOAD_ERROR;
	}
	st = main_place_hv(&hv, img, plan);
	if (EFI_ERROR(st))
		return st;
	con_info(L"hypervisor image 0x%lx-0x%lx, entry 0x%lx", img->start, img->end - 1, img->entry);
	plan->entry = img->entry;
	return EFI_SUCCESS;
}

static EFI_STATUS main_load_modules(EFI_FILE_HANDLE root, UINT64 above, struct boot_plan *plan)
{
	static struct stub_file mods[2];
	static const char *cmdlines[2];
	EFI_STATUS st;

	plan->mods = mods;
	plan->mod_cmdlines = cmdlines;
	plan->nmods = 0;
	if (main_conf.kernel[0] != '\0') {
		mods[plan->nmods].path = main_paths[2];
		cmdlines[plan->nmods] = main_conf.kernel_cmdline;
		st = file_load(root, &mods[plan->nmods], above, MAIN_MOD_MAX);
		if (EFI_ERROR(st))
			return st;
		plan->nmods++;
	}
	if (main_conf.initrd[0] != '\0') {
		mods[plan->nmods].path = main_paths[3];
		/* the hypervisor tells the initrd from the kernel by this command line */
		cmdlines[plan->nmods] = "initrd";
		st = file_load(root, &mods[plan->nmods], above, MAIN_MOD_MAX);
		if (EFI_ERROR(st))
			return st;
		plan->nmods++;
	}
	return EFI_SUCCESS;
}

static EFI_STATUS main_run(EFI_HANDLE image)
{
	struct boot_plan plan = { 0 };
	struct elfimg img;
	EFI_FILE_HANDLE root;
	char efi_dir[MAIN_DIR_MAX];
	EFI_STATUS st;

	st = file_open_root(image, &root, efi_dir, sizeof(efi_dir));
	if (EFI_ERROR(st))
		return st;
	st = main_load_conf(root, efi_dir);
	if (!EFI_ERROR(st))
		st = main_load_hv(root, &img, &plan);
	if (!EFI_ERROR(st))
		st = main_load_modules(root, img.end, &plan);
	root->Close(root);
	if (EFI_ERROR(st))
		return st;
	plan.hv_cmdline = main_conf.hv_cmdline;
	return boot_start(image, &plan);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_STATUS st;

	InitializeLib(image, systab);
	con_init();
	con_info(L"ACRN UEFI loader");
	st = main_run(image);
	/* Only failures come back here. */
	mem_free_all();
	con_info(L"boot aborted (%r), returning to the firmware", st);
	return EFI_ERROR(st) ? st : EFI_LOAD_ERROR;
}

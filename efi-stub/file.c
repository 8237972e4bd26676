/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading files from the ESP through the Simple File System protocol
 * (UEFI 2.10 §13.4 EFI_SIMPLE_FILE_SYSTEM_PROTOCOL, §13.5 EFI_FILE_PROTOCOL).
 */
#include "stub.h"

#define FILE_PATH_MAX	256
#define FILE_CHUNK	(16U << 20)	/* some FAT drivers dislike huge single reads */

static void file_widen(const char *s, CHAR16 *w, UINTN n)
{
	UINTN i;

	for (i = 0; i + 1 < n && s[i] != '\0'; i++)
		w[i] = (CHAR16)(UINT8)s[i];
	w[i] = 0;
}

/* acrn.efi's directory from its loaded-image file path: the MEDIA_FILEPATH
 * nodes (UEFI 2.10 §10.3.5.4) concatenated, cut after the last '\'. */
static void file_own_dir(EFI_DEVICE_PATH *dp, char *dir, UINTN size)
{
	UINTN n = 0, last = 0;

	while (dp != NULL && !IsDevicePathEnd(dp)) {
		UINTN len = DevicePathNodeLength(dp);

		if (len < 4)
			break;
		if (DevicePathType(dp) == MEDIA_DEVICE_PATH && DevicePathSubType(dp) == MEDIA_FILEPATH_DP) {
			const CHAR16 *p = ((FILEPATH_DEVICE_PATH *)dp)->PathName;
			UINTN chars = (len - 4) / sizeof(CHAR16);

			if (n > 0 && dir[n - 1] != '\\' && n + 1 < size && chars > 0 && p[0] != '\\')
				dir[n++] = '\\';
			for (UINTN i = 0; i < chars && p[i] != 0 && n + 1 < size; i++)
				dir[n++] = p[i] == '/' ? '\\' : (p[i] < 0x80 ? (char)p[i] : '_');
		}
		dp = NextDevicePathNode(dp);
	}
	for (UINTN i = 0; i < n; i++) {
		if (dir[i] == '\\')
			last = i;
	}
	if (n == 0 || dir[0] != '\\') {
		dir[0] = '\\';
		last = 0;
	}
	dir[last + 1] = '\0';
}

EFI_STATUS file_open_root(EFI_HANDLE image, EFI_FILE_HANDLE *root, char *dir, UINTN size)
{
	EFI_LOADED_IMAGE *li;
	EFI_STATUS st;

	st = BS->HandleProtocol(image, &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(st)) {
		con_error(L"no loaded-image protocol on our own handle (%r)", st);
		return st;
	}
	file_own_dir(li->FilePath, dir, size);
	*root = LibOpenRoot(li->DeviceHandle);
	if (*root == NULL) {
		con_error(L"cannot open the file system acrn.efi was loaded from");
		return EFI_NOT_FOUND;
	}
	return EFI_SUCCESS;
}

static EFI_STATUS file_read_all(EFI_FILE_HANDLE fh, UINT8 *buf, UINTN size)
{
	UINTN done = 0;

	while (done < size) {
		UINTN n = size - done < FILE_CHUNK ? size - done : FILE_CHUNK;
		EFI_STATUS st = fh->Read(fh, &n, buf + done);

		if (EFI_ERROR(st))
			return st;
		if (n == 0)
			return EFI_END_OF_FILE;	/* shorter than its directory entry said */
		done += n;
	}
	return EFI_SUCCESS;
}

EFI_STATUS file_load(EFI_FILE_HANDLE root, struct stub_file *f, UINT64 min_addr, UINT64 max_size)
{
	CHAR16 wpath[FILE_PATH_MAX];
	EFI_FILE_HANDLE fh;
	EFI_FILE_INFO *info;
	EFI_STATUS st;
	UINT64 size;
	BOOLEAN dir;

	file_widen(f->path, wpath, FILE_PATH_MAX);
	st = root->Open(root, &fh, wpath, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st)) {
		con_error(L"cannot open %a: %r", f->path, st);
		return st;
	}
	info = LibFileInfo(fh);
	if (info == NULL) {
		con_error(L"cannot read the size of %a", f->path);
		fh->Close(fh);
		return EFI_DEVICE_ERROR;
	}
	size = info->FileSize;
	dir = (info->Attribute & EFI_FILE_DIRECTORY) != 0;
	FreePool(info);
	if (dir || size == 0 || size > max_size) {
		con_error(L"%a: %a", f->path, dir ? "is a directory" : size == 0 ? "file is empty" : "file too large");
		fh->Close(fh);
		return dir ? EFI_INVALID_PARAMETER : EFI_BAD_BUFFER_SIZE;
	}
	if (min_addr == FILE_ANYWHERE)
		st = mem_alloc_any(EFI_SIZE_TO_PAGES(size), &f->addr);
	else
		st = mem_alloc_low(EFI_SIZE_TO_PAGES(size), min_addr, FALSE, &f->addr);
	if (EFI_ERROR(st)) {
		con_error(L"no memory for %a (%ld bytes): %r", f->path, size, st);
		fh->Close(fh);
		return st;
	}
	st = file_read_all(fh, (UINT8 *)(UINTN)f->addr, (UINTN)size);
	fh->Close(fh);
	if (EFI_ERROR(st)) {
		con_error(L"cannot read %a: %r", f->path, st);
		return st;
	}
	f->size = (UINTN)size;
	con_info(L"loaded %a (%ld bytes) at 0x%lx", f->path, size, f->addr);
	return EFI_SUCCESS;
}

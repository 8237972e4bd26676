/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrn.conf parser.  The file sits on a FAT partition anybody with the disk
 * can edit, so it is parsed strictly: every byte is bounded by `len`, a typo
 * in a key is an error (a silently ignored "kernal=" line would boot without
 * a Service VM), and a value that would not fit the hypervisor's limits is
 * refused here rather than cut short later.
 */
#include "conf.h"

#include <stdbool.h>
#include <boot/boot_info.h>
#include <lib/errno.h>

/* The limits in conf.h must stay those of the hypervisor's boot_info. */
_Static_assert(CONF_HV_CMDLINE_MAX + 1 == BOOT_CMDLINE_MAX, "hv_cmdline limit");
_Static_assert(CONF_KERNEL_CMDLINE_MAX + 1 == BOOT_MOD_CMDLINE_MAX, "kernel_cmdline limit");

enum conf_kind { CONF_KIND_PATH, CONF_KIND_TEXT };

struct conf_key {
	const char *name;
	size_t field;		/* offset of the destination in struct conf */
	size_t size;		/* size of the destination, NUL included */
	enum conf_kind kind;
};

#define CONF_KEY(n, k) { #n, __builtin_offsetof(struct conf, n), sizeof(((struct conf *)0)->n), k }

static const struct conf_key conf_keys[] = {
	CONF_KEY(hypervisor, CONF_KIND_PATH),
	CONF_KEY(hv_cmdline, CONF_KIND_TEXT),
	CONF_KEY(kernel, CONF_KIND_PATH),
	CONF_KEY(kernel_cmdline, CONF_KIND_TEXT),
	CONF_KEY(initrd, CONF_KIND_PATH),
};

#define CONF_NKEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))

static bool conf_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool conf_name_is(const char *name, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (name[i] == '\0' || name[i] != s[i])
			return false;
	}
	return name[n] == '\0';
}

static int conf_fail(struct conf_error *err, uint32_t line, const char *why, int ret)
{
	err->line = line;
	err->why = why;
	return ret;
}

/* One "key=value" line, blanks already trimmed from both ends. */
static int conf_line(const char *s, size_t n, uint32_t line, struct conf *out,
		     bool *seen, struct conf_error *err)
{
	size_t eq, ke, vs, i;
	const struct conf_key *key = NULL;
	char *dst;

	for (eq = 0; eq < n && s[eq] != '='; eq++)
		;
	if (eq == n)
		return conf_fail(err, line, "expected key=value", -EINVAL);
	for (ke = eq; ke > 0 && conf_is_blank(s[ke - 1]); ke--)
		;
	for (vs = eq + 1; vs < n && conf_is_blank(s[vs]); vs++)
		;
	for (i = 0; i < CONF_NKEYS; i++) {
		if (conf_name_is(conf_keys[i].name, s, ke)) {
			key = &conf_keys[i];
			break;
		}
	}
	if (key == NULL)
		return conf_fail(err, line, "unknown key", -EINVAL);
	if (seen[i])
		return conf_fail(err, line, "key given twice", -EINVAL);
	seen[i] = true;
	if (n - vs >= key->size)
		return conf_fail(err, line, "value too long", -E2BIG);
	dst = (char *)out + key->field;
	for (i = vs; i < n; i++) {
		char c = s[i];

		/* Paths become UCS-2 file names: printable ASCII only.  Command
		 * lines may carry anything but control characters. */
		if ((unsigned char)c < 0x20 || c == 0x7F ||
		    (key->kind == CONF_KIND_PATH && (unsigned char)c > 0x7E))
			return conf_fail(err, line, "character not allowed in value", -EINVAL);
		if (key->kind == CONF_KIND_PATH && c == '/')
			c = '\\';
		dst[i - vs] = c;
	}
	dst[n - vs] = '\0';
	if (key->kind == CONF_KIND_PATH && n == vs)
		return conf_fail(err, line, "empty path", -EINVAL);
	return 0;
}

int conf_parse(const char *buf, size_t len, struct conf *out, struct conf_error *err)
{
	bool seen[CONF_NKEYS] = { false };
	size_t pos = 0;
	uint32_t line = 0;
	int ret;

	err->line = 0;
	err->why = "";
	for (size_t i = 0; i < sizeof(*out); i++)
		((char *)out)[i] = '\0';
	if (len > CONF_FILE_MAX)
		return conf_fail(err, 0, "file too large", -E2BIG);

	while (pos < len) {
		size_t start = pos, end;

		line++;
		while (pos < len && buf[pos] != '\n') {
			if (buf[pos] == '\0')
				return conf_fail(err, line, "NUL byte in file", -EINVAL);
			pos++;
		}
		end = pos;
		if (pos < len)
			pos++;		/* the '\n' */
		if (end > start && buf[end - 1] == '\r')
			end--;
		while (start < end && conf_is_blank(buf[start]))
			start++;
		while (end > start && conf_is_blank(buf[end - 1]))
			end--;
		if (start == end || buf[start] == '#')
			continue;
		ret = conf_line(buf + start, end - start, line, out, seen, err);
		if (ret != 0)
			return ret;
	}
	if (out->hypervisor[0] == '\0')
		return conf_fail(err, 0, "no hypervisor= line", -EINVAL);
	if (out->initrd[0] != '\0' && out->kernel[0] == '\0')
		return conf_fail(err, 0, "initrd= given without kernel=", -EINVAL);
	return 0;
}

int conf_resolve_path(const char *dir, const char *path, char *out, size_t size)
{
	size_t n = 0, i;

	if (path[0] == '\0' || dir[0] != '\\' || size == 0)
		return -EINVAL;
	if (path[0] != '\\') {
		for (i = 0; dir[i] != '\0'; i++) {
			if (n + 1 >= size)
				return -E2BIG;
			out[n++] = dir[i] == '/' ? '\\' : dir[i];
		}
		if (out[n - 1] != '\\') {
			if (n + 1 >= size)
				return -E2BIG;
			out[n++] = '\\';
		}
	}
	for (i = 0; path[i] != '\0'; i++) {
		if (n + 1 >= size)
			return -E2BIG;
		out[n++] = path[i] == '/' ? '\\' : path[i];
	}
	out[n] = '\0';
	return 0;
}

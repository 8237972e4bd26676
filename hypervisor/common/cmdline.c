/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Command-line parsing.  Words are separated by spaces; a value ends at the
 * next space.  Everything is bounded by the caller's buffer sizes.
 */
#include <common/cmdline.h>
#include <lib/string.h>

static const char *next_word(const char *p, size_t *len)
{
	while (*p == ' ')
		p++;
	*len = 0;
	while (p[*len] != '\0' && p[*len] != ' ')
		(*len)++;
	return p;
}

bool cmdline_get(const char *cmdline, const char *key, char *value, size_t size)
{
	size_t klen = strlen(key), len;

	for (const char *w = next_word(cmdline, &len); len > 0; w = next_word(w + len, &len)) {
		if (len > klen && strncmp(w, key, klen) == 0 && w[klen] == '=') {
			size_t vlen = len - klen - 1;

			if (size == 0)
				return true;
			if (vlen >= size)
				vlen = size - 1;
			memcpy(value, w + klen + 1, vlen);
			value[vlen] = '\0';
			return true;
		}
	}
	return false;
}

bool cmdline_has(const char *cmdline, const char *word)
{
	size_t wlen = strlen(word), len;

	for (const char *w = next_word(cmdline, &len); len > 0; w = next_word(w + len, &len)) {
		if (len == wlen && strncmp(w, word, wlen) == 0)
			return true;
	}
	return false;
}

void cmdline_parse(const char *cmdline, struct hv_options *opt)
{
	char val[64];

	opt->console.mmio = false;
	opt->console.base = 0x2F8;
	opt->loglevel = 3;
	opt->test = HV_TEST_NONE;
	opt->shutdown = cmdline_has(cmdline, "shutdown");
	opt->bad[0] = '\0';

	if (cmdline_get(cmdline, "console", val, sizeof(val)) &&
	    console_parse(val, &opt->console) != 0)
		memcpy(opt->bad, "console", 8);
	if (cmdline_get(cmdline, "loglevel", val, sizeof(val))) {
		if (val[0] >= '1' && val[0] <= '4' && val[1] == '\0')
			opt->loglevel = val[0] - '0';
		else
			memcpy(opt->bad, "loglevel", 9);
	}
	if (cmdline_get(cmdline, "test", val, sizeof(val))) {
		if (strcmp(val, "smoke") == 0)
			opt->test = HV_TEST_SMOKE;
		else if (strcmp(val, "bench") == 0)
			opt->test = HV_TEST_BENCH;
		else
			memcpy(opt->bad, "test", 5);
	}
}

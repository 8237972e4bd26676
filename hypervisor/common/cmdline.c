/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Command-line parsing.  Words are separated by white space (a command line
 * read from a file may carry tabs or a newline); a value ends at the next
 * separator.  Everything is bounded by the caller's buffer sizes.
 */
#include <common/cmdline.h>
#include <lib/string.h>

static bool is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *next_word(const char *p, size_t *len)
{
	while (is_sep(*p))
		p++;
	*len = 0;
	while (p[*len] != '\0' && !is_sep(p[*len]))
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

/* Keep the first option that failed: later failures must not hide it. */
static void set_bad(struct hv_options *opt, const char *name)
{
	size_t n = strlen(name);

	if (opt->bad[0] != '\0')
		return;
	if (n >= sizeof(opt->bad))
		n = sizeof(opt->bad) - 1;
	memcpy(opt->bad, name, n);
	opt->bad[n] = '\0';
}

/* A decimal number in [min, max] (max < 429496729), digits only; *out untouched otherwise. */
static bool parse_decimal(const char *val, uint32_t min, uint32_t max, uint32_t *out)
{
	uint32_t n = 0;

	if (val[0] == '\0')
		return false;
	for (const char *c = val; *c != '\0'; c++) {
		if (*c < '0' || *c > '9' || n > max)
			return false;
		n = n * 10 + (uint32_t)(*c - '0');
	}
	if (n < min || n > max)
		return false;
	*out = n;
	return true;
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
		set_bad(opt, "console");
	if (cmdline_get(cmdline, "loglevel", val, sizeof(val))) {
		if (val[0] >= '1' && val[0] <= '4' && val[1] == '\0')
			opt->loglevel = val[0] - '0';
		else
			set_bad(opt, "loglevel");
	}
	opt->trace_exits = 0;
	if (cmdline_get(cmdline, "trace_exits", val, sizeof(val)) &&
	    !parse_decimal(val, 0, 1000000, &opt->trace_exits))
		set_bad(opt, "trace_exits");
	opt->vpid_first = 1;
	if (cmdline_get(cmdline, "vpid_first", val, sizeof(val))) {
		uint32_t n;

		if (parse_decimal(val, 1, 65535, &n))
			opt->vpid_first = (uint16_t)n;
		else
			set_bad(opt, "vpid_first");
	}
	if (cmdline_get(cmdline, "test", val, sizeof(val))) {
		if (strcmp(val, "smoke") == 0)
			opt->test = HV_TEST_SMOKE;
		else if (strcmp(val, "bench") == 0)
			opt->test = HV_TEST_BENCH;
		else
			set_bad(opt, "test");
	}
}

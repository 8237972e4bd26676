/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small vsnprintf.  Output is always bounded by the buffer size; the
 * return value is the untruncated length, so callers can detect truncation.
 */
#include <lib/sprintf.h>
#include <stdint.h>
#include <stdbool.h>

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void out_ch(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		out_ch(o, c);
}

static void out_num(struct out *o, uint64_t v, unsigned base, bool upper,
		    const char *prefix, int width, bool zero, bool left)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v != 0);

	int plen = 0;

	while (prefix[plen] != '\0')
		plen++;

	int len = n + plen;

	if (!left && !zero)
		out_pad(o, ' ', width - len);
	for (int i = 0; i < plen; i++)
		out_ch(o, prefix[i]);
	if (!left && zero)
		out_pad(o, '0', width - len);
	while (n > 0)
		out_ch(o, tmp[--n]);
	if (left)
		out_pad(o, ' ', width - len);
}

int hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (const char *p = fmt; *p != '\0'; p++) {
		if (*p != '%') {
			out_ch(&o, *p);
			continue;
		}
		p++;
		bool left = false, zero = false, alt = false;
		int width = 0, prec = -1, lng = 0;

		for (;; p++) {
			if (*p == '-')
				left = true;
			else if (*p == '#')
				alt = true;
			else if (*p == '0')
				zero = true;
			else
				break;
		}
		if (*p == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				left = true;
				width = width < -4096 ? 4096 : -width;
			}
			if (width > 4096)
				width = 4096;
			p++;
		} else {
			while (*p >= '0' && *p <= '9' && width < 4096)
				width = width * 10 + (*p++ - '0');
		}
		if (*p == '.') {
			p++;
			prec = 0;
			while (*p >= '0' && *p <= '9' && prec < 4096)
				prec = prec * 10 + (*p++ - '0');
		}
		while (*p == 'l' || *p == 'h' || *p == 'z') {
			if (*p == 'l' || *p == 'z')
				lng = (*p == 'z') ? 2 : lng + 1;
			else
				lng = lng < 0 ? -2 : -1;	/* h, hh */
			p++;
		}

		uint64_t u;
		int64_t s;

		switch (*p) {
		case 'd':
		case 'i':
			s = (lng >= 1) ? va_arg(ap, int64_t) : va_arg(ap, int);
			if (lng == -1)
				s = (int16_t)s;
			else if (lng == -2)
				s = (int8_t)s;
			u = (s < 0) ? (uint64_t)0 - (uint64_t)s : (uint64_t)s;
			out_num(&o, u, 10, false, s < 0 ? "-" : "", width, zero, left);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			u = (lng >= 1) ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
			if (lng == -1)
				u = (uint16_t)u;
			else if (lng == -2)
				u = (uint8_t)u;
			out_num(&o, u, *p == 'u' ? 10 : (*p == 'o' ? 8 : 16), *p == 'X',
				!alt || u == 0 || *p == 'u' ? "" : *p == 'x' ? "0x" : *p == 'X' ? "0X" : "0",
				width, zero, left);
			break;
		case 'p':
			out_num(&o, (uint64_t)(uintptr_t)va_arg(ap, void *), 16, false,
				"0x", width, zero, left);
			break;
		case 'c':
			if (!left)
				out_pad(&o, ' ', width - 1);
			out_ch(&o, (char)va_arg(ap, int));
			if (left)
				out_pad(&o, ' ', width - 1);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			int n = 0;

			if (str == NULL)
				str = "(null)";
			while ((prec < 0 || n < prec) && str[n] != '\0')
				n++;
			if (!left)
				out_pad(&o, ' ', width - n);
			for (int i = 0; i < n; i++)
				out_ch(&o, str[i]);
			if (left)
				out_pad(&o, ' ', width - n);
			break;
		}
		case '%':
			out_ch(&o, '%');
			break;
		case '\0':
			p--;	/* trailing '%': stop at the NUL */
			break;
		default:
			out_ch(&o, '%');
			out_ch(&o, *p);
			break;
		}
	}
	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int hv_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hv_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The log ring (lib/logring.h).  Copies take at most two memcpy()s: the run
 * up to the end of the storage and the run from its start.
 */
#include <lib/logring.h>
#include <lib/errno.h>
#include <lib/string.h>

/* Copy n bytes of the ring starting at position pos (all of them held). */
static void ring_copy_out(const struct logring *r, uint64_t pos, char *out, uint64_t n)
{
	uint64_t off = pos % r->size;
	uint64_t first = r->size - off < n ? r->size - off : n;

	memcpy(out, r->buf + off, first);
	memcpy(out + first, r->buf, n - first);
}

void logring_write(struct logring *r, const char *s, size_t n)
{
	uint64_t skip = n > r->size ? n - r->size : 0;	/* would be overwritten at once */
	uint64_t pos = r->head + skip, len = n - skip;
	uint64_t off = pos % r->size;
	uint64_t first = r->size - off < len ? r->size - off : len;

	memcpy(r->buf + off, s + skip, first);
	memcpy(r->buf, s + skip + first, len - first);
	r->head += n;
}

uint64_t logring_oldest(const struct logring *r)
{
	return r->head > r->size ? r->head - r->size : 0;
}

int logring_read(const struct logring *r, uint64_t pos, char *out, size_t size,
		 struct logring_span *span)
{
	uint64_t oldest = logring_oldest(r), start, n;

	if (pos > r->head)
		return -EINVAL;
	start = pos < oldest ? oldest : pos;
	n = r->head - start;
	if (n > size)
		n = size;
	if (n > 0)
		ring_copy_out(r, start, out, n);
	span->copied = n;
	span->next = start + n;
	span->lost = start - pos;
	span->head = r->head;
	return 0;
}

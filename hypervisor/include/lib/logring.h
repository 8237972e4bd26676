/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file logring.h
 * A byte ring addressed by sequence position: the hypervisor log buffer's
 * logic without its lock, so the same code runs in the hypervisor, in host
 * unit tests and as the fake hypervisor of the acrnlog tool's tests.
 *
 * A byte's position is the number of bytes written before it; positions
 * only grow.  The ring holds the newest @c size of them: positions
 * [oldest, head) with oldest = head - size once it has wrapped.
 * The caller serialises writers against readers.
 */
#ifndef LIB_LOGRING_H
#define LIB_LOGRING_H

#include <stddef.h>
#include <stdint.h>

struct logring {
	char *buf;		/**< storage, @c size bytes */
	uint64_t size;		/**< > 0 */
	uint64_t head;		/**< bytes ever written */
};

/** Result of logring_read(). */
struct logring_span {
	uint64_t copied;	/**< bytes copied */
	uint64_t next;		/**< position after the last byte copied */
	uint64_t lost;		/**< bytes from the requested position on already overwritten */
	uint64_t head;		/**< position after the newest byte */
};

/** Append @p n bytes of @p s (any n: only the last @c size stay). */
void logring_write(struct logring *r, const char *s, size_t n);

/** Position of the oldest byte still held. */
uint64_t logring_oldest(const struct logring *r);

/**
 * Copy at most @p size bytes from position @p pos on (or from the oldest
 * byte held, when @p pos was overwritten) into @p out and describe them.
 * @return 0, or -EINVAL when @p pos is beyond the head (nothing copied).
 */
int logring_read(const struct logring *r, uint64_t pos, char *out, size_t size,
		 struct logring_span *span);

#endif /* LIB_LOGRING_H */

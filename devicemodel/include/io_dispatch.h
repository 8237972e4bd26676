/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file io_dispatch.h
 * Port I/O and MMIO dispatch tables.  A device registers a handler for a
 * range; the IOREQ loop dispatches each request to the handler whose range
 * holds the whole access.  Ranges never overlap.
 *
 * Threading: register/unregister from the IOREQ thread, or before it starts.
 */
#ifndef DM_IO_DISPATCH_H
#define DM_IO_DISPATCH_H

#include <stdint.h>
#include <linux/acrn.h>

struct vmctx;

/**
 * An I/O handler.  A port I/O handler is chosen by the first port of the
 * access and must itself cope with an access that runs past its range; an
 * MMIO handler only sees accesses that lie wholly inside its range.
 * @param dir   ACRN_IOREQ_DIR_READ or ACRN_IOREQ_DIR_WRITE
 * @param addr  port or guest physical address of the access
 * @param size  1, 2, 4 (or 8 for MMIO)
 * @param val   value written, or where to store the value read
 * @param arg   as given at registration
 * @return 0, or a negative errno (a read then returns all-ones)
 */
typedef int (*dm_io_handler_t)(struct vmctx *ctx, int dir, uint64_t addr, int size,
			       uint64_t *val, void *arg);

/** Create / free the port I/O table of @p ctx. */
int pio_table_init(struct vmctx *ctx);
void pio_table_fini(struct vmctx *ctx);

/**
 * Register @p fn for ports [@p base, @p base + @p len).
 * @return 0, -EINVAL (empty range or beyond 0xFFFF), -EEXIST (overlap), -ENOMEM
 */
int pio_register(struct vmctx *ctx, const char *name, uint32_t base, uint32_t len,
		 dm_io_handler_t fn, void *arg);

/** Remove the registration that starts at @p base with length @p len; -ENOENT if none. */
int pio_unregister(struct vmctx *ctx, uint32_t base, uint32_t len);

/**
 * Dispatch one port access.  Unhandled reads return all-ones, unhandled
 * writes are dropped (logged once per port, rate-limited).
 * @return 0 if a handler took it, -ENOENT if unhandled, or the handler's error
 */
int pio_dispatch(struct vmctx *ctx, int dir, uint32_t port, int size, uint64_t *val);

/** Create / free the MMIO table of @p ctx. */
int mmio_table_init(struct vmctx *ctx);
void mmio_table_fini(struct vmctx *ctx);

/**
 * Register @p fn for guest physical range [@p base, @p base + @p len).
 * @return 0, -EINVAL (empty or wrapping range), -EEXIST (overlap), -ENOMEM
 */
int mmio_register(struct vmctx *ctx, const char *name, uint64_t base, uint64_t len,
		  dm_io_handler_t fn, void *arg);

/** Remove the registration that starts at @p base with length @p len; -ENOENT if none. */
int mmio_unregister(struct vmctx *ctx, uint64_t base, uint64_t len);

/** Dispatch one MMIO access; unhandled: reads all-ones, writes dropped. */
int mmio_dispatch(struct vmctx *ctx, int dir, uint64_t addr, int size, uint64_t *val);

/** All-ones of @p size bytes (size 1..8). */
static inline uint64_t dm_io_ones(int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

#endif /* DM_IO_DISPATCH_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port I/O and MMIO dispatch tables.
 *
 * Both are sorted arrays of non-overlapping [base, base + len) ranges with a
 * binary-search lookup.  The lookup copies the handler out under the table
 * lock and calls it unlocked, because a handler may itself re-register ranges
 * (a PCI config write that moves a BAR).
 *
 * Unhandled accesses behave like an empty ISA bus / unclaimed PCI cycle:
 * reads float to all-ones (PCI 3.0 §3.7.4 master abort), writes vanish.  They
 * are logged, but a guest probing ports must not flood the log: PIO logs once
 * per port, and both tables log at most DM_IO_LOG_PER_SEC lines a second.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DM_LOG_PREFIX "io: "
#include "dm_log.h"
#include "io_dispatch.h"
#include "vmctx.h"

#define DM_IO_LOG_PER_SEC	10
#define DM_PIO_PORTS		0x10000U

struct io_entry {
	uint64_t base;
	uint64_t len;
	dm_io_handler_t fn;
	void *arg;
	char name[24];
};

struct io_table {
	pthread_mutex_t lock;
	struct io_entry *e;
	size_t n, cap;
	const char *kind;
	time_t log_sec;
	unsigned int log_count;
	uint8_t *logged;	/* PIO: one bit per port already reported */
};

struct pio_table {
	struct io_table t;
};

struct mmio_table {
	struct io_table t;
};

static int io_table_init(struct io_table *t, const char *kind, bool per_port_log)
{
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	if (per_port_log) {
		t->logged = calloc(DM_PIO_PORTS / 8, 1);
		if (t->logged == NULL)
			return -ENOMEM;
	}
	pthread_mutex_init(&t->lock, NULL);
	return 0;
}

static void io_table_fini(struct io_table *t)
{
	pthread_mutex_destroy(&t->lock);
	free(t->e);
	free(t->logged);
	memset(t, 0, sizeof(*t));
}

/* Index of the first entry whose base is > addr. */
static size_t io_upper_bound(const struct io_table *t, uint64_t addr)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->e[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int io_table_add(struct io_table *t, const char *name, uint64_t base, uint64_t len,
			dm_io_handler_t fn, void *arg)
{
	struct io_entry *ne;
	size_t pos;
	int rc = 0;

	if (len == 0 || fn == NULL || base + len - 1 < base)
		return -EINVAL;
	pthread_mutex_lock(&t->lock);
	pos = io_upper_bound(t, base);
	/* Overlap with the predecessor or the successor? */
	if ((pos > 0 && t->e[pos - 1].base + (t->e[pos - 1].len - 1) >= base) ||
	    (pos < t->n && t->e[pos].base <= base + (len - 1))) {
		rc = -EEXIST;
		goto out;
	}
	if (t->n == t->cap) {
		size_t ncap = t->cap != 0 ? t->cap * 2 : 16;

		ne = realloc(t->e, ncap * sizeof(*ne));
		if (ne == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		t->e = ne;
		t->cap = ncap;
	}
	memmove(&t->e[pos + 1], &t->e[pos], (t->n - pos) * sizeof(*t->e));
	memset(&t->e[pos], 0, sizeof(t->e[pos]));
	t->e[pos].base = base;
	t->e[pos].len = len;
	t->e[pos].fn = fn;
	t->e[pos].arg = arg;
	strncpy(t->e[pos].name, name != NULL ? name : "?", sizeof(t->e[pos].name) - 1);
	t->n++;
out:
	pthread_mutex_unlock(&t->lock);
	return rc;
}

static int io_table_del(struct io_table *t, uint64_t base, uint64_t len)
{
	size_t pos;
	int rc = -ENOENT;

	pthread_mutex_lock(&t->lock);
	pos = io_upper_bound(t, base);
	if (pos > 0 && t->e[pos - 1].base == base && t->e[pos - 1].len == len) {
		memmove(&t->e[pos - 1], &t->e[pos], (t->n - pos) * sizeof(*t->e));
		t->n--;
		rc = 0;
	}
	pthread_mutex_unlock(&t->lock);
	return rc;
}

/*
 * Copy out the entry that decodes an access.  MMIO: the entry must hold the
 * whole access [addr, addr + size).  Port I/O: the entry holding the first
 * port takes it, as on an ISA bus (a 4-byte access at 0xCF8 goes to
 * CONFIG_ADDRESS, even though 0xCF9 is the separately decoded reset register).
 */
static bool io_table_find(struct io_table *t, uint64_t addr, int size, bool whole,
			  struct io_entry *out)
{
	bool found = false;
	size_t pos;

	pthread_mutex_lock(&t->lock);
	pos = io_upper_bound(t, addr);
	if (pos > 0) {
		const struct io_entry *e = &t->e[pos - 1];
		uint64_t off = addr - e->base;

		if (off < e->len && (!whole || (uint64_t)size <= e->len - off)) {
			*out = *e;
			found = true;
		}
	}
	pthread_mutex_unlock(&t->lock);
	return found;
}

static void io_log_unhandled(struct io_table *t, int dir, uint64_t addr, int size, uint64_t val)
{
	time_t now = time(NULL);
	bool print = false;

	pthread_mutex_lock(&t->lock);
	if (t->logged != NULL && addr < DM_PIO_PORTS) {
		if (t->logged[addr / 8] & (1U << (addr % 8)))
			goto out;
		t->logged[addr / 8] |= (uint8_t)(1U << (addr % 8));
	}
	if (now != t->log_sec) {
		t->log_sec = now;
		t->log_count = 0;
	}
	if (t->log_count < DM_IO_LOG_PER_SEC) {
		t->log_count++;
		print = true;
	}
out:
	pthread_mutex_unlock(&t->lock);
	if (print)
		pr_info("unhandled %s %s 0x%llx size %d%s", t->kind,
		       dir == ACRN_IOREQ_DIR_READ ? "read" : "write", (unsigned long long)addr,
		       size, dir == ACRN_IOREQ_DIR_READ ? "" : " (dropped)");
	(void)val;
}

static int io_table_dispatch(struct vmctx *ctx, struct io_table *t, int dir, uint64_t addr,
			     int size, uint64_t *val)
{
	struct io_entry e;
	int rc;

	if (!io_table_find(t, addr, size, t->logged == NULL, &e)) {
		io_log_unhandled(t, dir, addr, size, *val);
		if (dir == ACRN_IOREQ_DIR_READ)
			*val = dm_io_ones(size);
		return -ENOENT;
	}
	if (dir == ACRN_IOREQ_DIR_WRITE)
		*val &= dm_io_ones(size);
	rc = e.fn(ctx, dir, addr, size, val, e.arg);
	if (dir == ACRN_IOREQ_DIR_READ)
		*val = rc == 0 ? (*val & dm_io_ones(size)) : dm_io_ones(size);
	return rc;
}

int pio_table_init(struct vmctx *ctx)
{
	struct pio_table *p = calloc(1, sizeof(*p));
	int rc;

	if (p == NULL)
		return -ENOMEM;
	rc = io_table_init(&p->t, "port", true);
	if (rc != 0) {
		free(p);
		return rc;
	}
	ctx->pio = p;
	return 0;
}

void pio_table_fini(struct vmctx *ctx)
{
	if (ctx->pio == NULL)
		return;
	io_table_fini(&ctx->pio->t);
	free(ctx->pio);
	ctx->pio = NULL;
}

int pio_register(struct vmctx *ctx, const char *name, uint32_t base, uint32_t len,
		 dm_io_handler_t fn, void *arg)
{
	if (len == 0 || base >= DM_PIO_PORTS || len > DM_PIO_PORTS - base)
		return -EINVAL;
	return io_table_add(&ctx->pio->t, name, base, len, fn, arg);
}

int pio_unregister(struct vmctx *ctx, uint32_t base, uint32_t len)
{
	return io_table_del(&ctx->pio->t, base, len);
}

int pio_dispatch(struct vmctx *ctx, int dir, uint32_t port, int size, uint64_t *val)
{
	if (port >= DM_PIO_PORTS || (size != 1 && size != 2 && size != 4)) {
		if (dir == ACRN_IOREQ_DIR_READ)
			*val = dm_io_ones(size == 1 || size == 2 ? size : 4);
		return -EINVAL;
	}
	return io_table_dispatch(ctx, &ctx->pio->t, dir, port, size, val);
}

int mmio_table_init(struct vmctx *ctx)
{
	struct mmio_table *m = calloc(1, sizeof(*m));
	int rc;

	if (m == NULL)
		return -ENOMEM;
	rc = io_table_init(&m->t, "mmio", false);
	if (rc != 0) {
		free(m);
		return rc;
	}
	ctx->mmio = m;
	return 0;
}

void mmio_table_fini(struct vmctx *ctx)
{
	if (ctx->mmio == NULL)
		return;
	io_table_fini(&ctx->mmio->t);
	free(ctx->mmio);
	ctx->mmio = NULL;
}

int mmio_register(struct vmctx *ctx, const char *name, uint64_t base, uint64_t len,
		  dm_io_handler_t fn, void *arg)
{
	return io_table_add(&ctx->mmio->t, name, base, len, fn, arg);
}

int mmio_unregister(struct vmctx *ctx, uint64_t base, uint64_t len)
{
	return io_table_del(&ctx->mmio->t, base, len);
}

int mmio_dispatch(struct vmctx *ctx, int dir, uint64_t addr, int size, uint64_t *val)
{
	if (size != 1 && size != 2 && size != 4 && size != 8) {
		if (dir == ACRN_IOREQ_DIR_READ)
			*val = ~0ULL;
		return -EINVAL;
	}
	if (addr + (uint64_t)(size - 1) < addr) {
		if (dir == ACRN_IOREQ_DIR_READ)
			*val = dm_io_ones(size);
		return -EINVAL;
	}
	return io_table_dispatch(ctx, &ctx->mmio->t, dir, addr, size, val);
}

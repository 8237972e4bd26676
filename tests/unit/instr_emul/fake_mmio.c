/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fake MMIO device for the emulator tests.  Accesses outside the arrays or
 * with a size other than 1/2/4/8 fail the test at once, so a wrong gpa or
 * size computed by the emulator cannot go unnoticed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "fake_mmio.h"

void fake_reset(struct fake_dev *d)
{
	memset(d, 0, sizeof(*d));
}

static uint64_t fake_le_load(const uint8_t *p, unsigned int size)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < size; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void fake_le_store(uint8_t *p, uint64_t v, unsigned int size)
{
	for (unsigned int i = 0; i < size; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void fake_mmio_set(struct fake_dev *d, unsigned int off, uint64_t val, unsigned int size)
{
	assert_true(off + size <= FAKE_MMIO_SIZE);
	fake_le_store(&d->mmio[off], val, size);
}

uint64_t fake_mmio_get(const struct fake_dev *d, unsigned int off, unsigned int size)
{
	assert_true(off + size <= FAKE_MMIO_SIZE);
	return fake_le_load(&d->mmio[off], size);
}

static void fake_log(struct fake_dev *d, enum fake_kind kind, uint64_t addr,
		     unsigned int size, uint64_t val)
{
	assert_true(d->nlog < FAKE_LOG_MAX);
	d->log[d->nlog++] = (struct fake_access){ kind, addr, size, val };
}

static void fake_check(uint64_t addr, unsigned int size, uint64_t base, unsigned int span)
{
	assert_true(size == 1 || size == 2 || size == 4 || size == 8);
	assert_true(addr >= base);
	assert_true(addr - base + size <= span);
}

static int fake_mmio_read(void *ctx, uint64_t gpa, uint64_t *val, unsigned int size)
{
	struct fake_dev *d = ctx;
	uint64_t v;

	if (d->read_ret)
		return d->read_ret;
	fake_check(gpa, size, FAKE_MMIO_BASE, FAKE_MMIO_SIZE);
	v = fake_le_load(&d->mmio[gpa - FAKE_MMIO_BASE], size);
	fake_log(d, FAKE_MMIO_READ, gpa, size, v);
	if (size < 8)
		v |= d->read_junk << (8 * size);
	*val = v;
	return 0;
}

static int fake_mmio_write(void *ctx, uint64_t gpa, uint64_t val, unsigned int size)
{
	struct fake_dev *d = ctx;

	if (d->write_ret)
		return d->write_ret;
	fake_check(gpa, size, FAKE_MMIO_BASE, FAKE_MMIO_SIZE);
	fake_le_store(&d->mmio[gpa - FAKE_MMIO_BASE], val, size);
	fake_log(d, FAKE_MMIO_WRITE, gpa, size, val);
	return 0;
}

static int fake_mem_read(void *ctx, uint64_t gla, void *buf, unsigned int size)
{
	struct fake_dev *d = ctx;

	fake_check(gla, size, FAKE_RAM_BASE, FAKE_RAM_SIZE);
	memcpy(buf, &d->ram[gla - FAKE_RAM_BASE], size);
	fake_log(d, FAKE_MEM_READ, gla, size, fake_le_load(buf, size));
	return 0;
}

static int fake_mem_write(void *ctx, uint64_t gla, const void *buf, unsigned int size)
{
	struct fake_dev *d = ctx;

	fake_check(gla, size, FAKE_RAM_BASE, FAKE_RAM_SIZE);
	memcpy(&d->ram[gla - FAKE_RAM_BASE], buf, size);
	fake_log(d, FAKE_MEM_WRITE, gla, size, fake_le_load(buf, size));
	return 0;
}

const struct instr_emul_ops fake_ops = {
	.mmio_read = fake_mmio_read,
	.mmio_write = fake_mmio_write,
	.mem_read = fake_mem_read,
	.mem_write = fake_mem_write,
};

const struct instr_emul_ops fake_ops_mmio_only = {
	.mmio_read = fake_mmio_read,
	.mmio_write = fake_mmio_write,
};

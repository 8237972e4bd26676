/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared harness of the boot-loader fuzz targets (see boot_fuzz_vm.h).
 *
 * Why residency: guest RAM is a private anonymous mapping.  After
 * MADV_DONTNEED no page of it is mapped; any page the loader then reads or
 * writes becomes resident, which mincore() reports.  Comparing that set with
 * the ranges the loader is allowed to touch proves, at page granularity, that
 * no byte went anywhere else in guest RAM, without snapshotting 256 MiB.
 * PROT_NONE guards right below and above the reservation turn a write past
 * guest RAM into a crash instead of silent corruption of host memory.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "boot_fuzz_vm.h"
#include "dm_config.h"
#include "dm_log.h"
#include "vmctx.h"
#include "vmm_test.h"

#define BFZ_PAGE	4096ULL
#define BFZ_GUARD	(64ULL << 20)

static struct dm_config bfz_cfg;
static struct vmctx *bfz_ctx;
static struct vmm_ops bfz_ops;
static struct acrn_vcpu_regs bfz_last_regs;
static unsigned int bfz_nregs;
static unsigned char *bfz_vec;
static bool bfz_track = true;
static char bfz_errbuf[256];
static unsigned long bfz_accepted, bfz_rejected;

static void bfz_print_counts(void)
{
	fprintf(stderr, "boot_fuzz_vm: accepted %lu, rejected %lu\n", bfz_accepted, bfz_rejected);
}

void bfz_count(bool accepted)
{
	if (accepted)
		bfz_accepted++;
	else
		bfz_rejected++;
}

void bfz_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "PROPERTY VIOLATED: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (err: \"%s\")\n", bfz_errbuf);
	abort();
}

uint16_t bfz_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t bfz_rd32(const uint8_t *p)
{
	return (uint32_t)bfz_rd16(p) | (uint32_t)bfz_rd16(p + 2) << 16;
}

uint64_t bfz_rd64(const uint8_t *p)
{
	return (uint64_t)bfz_rd32(p) | (uint64_t)bfz_rd32(p + 4) << 32;
}

static int bfz_set_vcpu_regs(struct vmctx *ctx, const struct acrn_vcpu_regs *regs)
{
	bfz_last_regs = *regs;
	bfz_nregs++;
	return vmm_test_ops.set_vcpu_regs(ctx, regs);
}

/* Log lines are part of the contract too: one line each, never a newline inside. */
static void bfz_log_sink(enum dm_log_level level, const char *line)
{
	if (strchr(line, '\n') != NULL)
		bfz_fail("log line with an embedded newline: %s", line);
}

static void bfz_guard(void *at)
{
	void *p = mmap(at, BFZ_GUARD, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);

	if (p != at) {
		fprintf(stderr, "boot_fuzz_vm: no guard at %p (address in use)\n", at);
		if (p != MAP_FAILED)
			munmap(p, BFZ_GUARD);
	}
}

struct vmctx *bfz_vm(void)
{
	char *argv[] = { (char *)"acrn-dm", (char *)"-m", (char *)"256M", (char *)"fuzzvm", NULL };

	if (bfz_ctx != NULL)
		return bfz_ctx;
	dm_log_set_sink(bfz_log_sink);
	atexit(bfz_print_counts);
	bfz_ops = vmm_test_ops;
	bfz_ops.set_vcpu_regs = bfz_set_vcpu_regs;
	if (dm_config_parse(&bfz_cfg, 4, argv, bfz_errbuf, sizeof(bfz_errbuf)) != 0 ||
	    vmctx_create(&bfz_cfg, &bfz_ops, &bfz_ctx, bfz_errbuf, sizeof(bfz_errbuf)) != 0) {
		fprintf(stderr, "boot_fuzz_vm: cannot create the VM: %s\n", bfz_errbuf);
		abort();
	}
	if (bfz_ctx->lowmem != BFZ_MEM_SIZE || bfz_ctx->highmem != 0) {
		fprintf(stderr, "boot_fuzz_vm: unexpected memory layout\n");
		abort();
	}
	bfz_guard(bfz_ctx->mem_base - BFZ_GUARD);
	bfz_guard(bfz_ctx->mem_base + bfz_ctx->mem_reserved);
	/* A transparent huge page would make one touched byte look like 512 pages. */
	madvise(bfz_ctx->mem_base, bfz_ctx->lowmem, MADV_NOHUGEPAGE);
	bfz_vec = malloc(bfz_ctx->lowmem / BFZ_PAGE);
	if (bfz_vec == NULL)
		abort();
	if (bfz_ctx->mem_hugetlb) {
		fprintf(stderr, "boot_fuzz_vm: hugetlbfs guest RAM: residency check disabled\n");
		bfz_track = false;
	}
	return bfz_ctx;
}

char *bfz_err(void)
{
	return bfz_errbuf;
}

size_t bfz_errlen(void)
{
	return sizeof(bfz_errbuf);
}

unsigned int bfz_regs(struct acrn_vcpu_regs *regs)
{
	if (regs != NULL)
		*regs = bfz_last_regs;
	return bfz_nregs;
}

void bfz_reset(void)
{
	struct vmctx *ctx = bfz_vm();

	memset(&bfz_last_regs, 0, sizeof(bfz_last_regs));
	bfz_nregs = 0;
	memset(bfz_errbuf, 0, sizeof(bfz_errbuf));
	if (!bfz_track) {
		memset(ctx->mem_base, 0, ctx->lowmem);
		return;
	}
	if (madvise(ctx->mem_base, ctx->lowmem, MADV_DONTNEED) != 0) {
		perror("boot_fuzz_vm: madvise");
		abort();
	}
}

bool bfz_in_ram(uint64_t gpa, uint64_t len)
{
	return len != 0 && gpa < BFZ_MEM_SIZE && len <= BFZ_MEM_SIZE - gpa;
}

static bool bfz_page_allowed(uint64_t page, const struct bfz_range *allowed, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (allowed[i].len == 0)
			continue;
		if (page < allowed[i].start + allowed[i].len && allowed[i].start < page + BFZ_PAGE)
			return true;
	}
	return false;
}

void bfz_check_touched(const struct bfz_range *allowed, size_t n, const char *what)
{
	struct vmctx *ctx = bfz_vm();
	size_t npages = ctx->lowmem / BFZ_PAGE;

	if (!bfz_track)
		return;
	if (mincore(ctx->mem_base, ctx->lowmem, bfz_vec) != 0) {
		perror("boot_fuzz_vm: mincore");
		abort();
	}
	for (size_t i = 0; i < npages; i++) {
		if ((bfz_vec[i] & 1) && !bfz_page_allowed(i * BFZ_PAGE, allowed, n))
			bfz_fail("%s: guest page 0x%llx was touched but lies outside every "
				 "range the loader may write", what,
				 (unsigned long long)(i * BFZ_PAGE));
	}
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bitmap page allocator over a static pool.  A bitmap (rather than a free
 * list threaded through the pages) keeps double frees detectable and the
 * pages themselves untouched until they are handed out.
 */
#define pr_fmt(fmt) "page: " fmt
#include <common/page_alloc.h>
#include <common/log.h>
#include <arch/x86/spinlock.h>
#include <lib/string.h>
#include <lib/util.h>

#define POOL_PAGES	(HV_POOL_SIZE / PAGE_SIZE)

static uint8_t pool[HV_POOL_SIZE] __attribute__((section(".page_pool"), aligned(4096)));
static uint64_t bitmap[POOL_PAGES / 64];	/* 1 = in use */
static size_t free_count;
static size_t hint;
static spinlock_t lock = SPINLOCK_INIT;

void page_alloc_init(void)
{
	memset(bitmap, 0, sizeof(bitmap));
	free_count = POOL_PAGES;
	hint = 0;
}

void *page_alloc(void)
{
	void *page = NULL;

	spin_lock(&lock);
	for (size_t n = 0; n < ARRAY_SIZE(bitmap) && free_count > 0; n++) {
		size_t w = (hint + n) % ARRAY_SIZE(bitmap);

		if (bitmap[w] != ~0ULL) {
			unsigned bit = (unsigned)__builtin_ctzll(~bitmap[w]);

			bitmap[w] |= 1ULL << bit;
			free_count--;
			hint = w;
			page = pool + (w * 64 + bit) * PAGE_SIZE;
			break;
		}
	}
	spin_unlock(&lock);
	if (page != NULL)
		memset(page, 0, PAGE_SIZE);
	return page;
}

void page_free(void *page)
{
	uintptr_t off = (uintptr_t)page - (uintptr_t)pool;
	size_t idx = off / PAGE_SIZE;

	if (page == NULL)
		return;
	if ((uintptr_t)page < (uintptr_t)pool || idx >= POOL_PAGES || (off % PAGE_SIZE) != 0) {
		pr_err("free of foreign page %p", page);
		return;
	}
	spin_lock(&lock);
	if (bitmap[idx / 64] & (1ULL << (idx % 64))) {
		bitmap[idx / 64] &= ~(1ULL << (idx % 64));
		free_count++;
	} else {
		pr_err("double free of page %p", page);
	}
	spin_unlock(&lock);
}

void page_alloc_stats(size_t *free_pages, size_t *total_pages)
{
	*free_pages = free_count;
	*total_pages = POOL_PAGES;
}

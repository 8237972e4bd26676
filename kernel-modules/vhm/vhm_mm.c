/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Guest memory: ACRN_IOCTL_SET_MEMSEG / UNSET_MEMSEG.
 *
 * RAM: the user range is pinned (FOLL_LONGTERM, so it is never migrated while
 * the hypervisor maps it), split into physically contiguous chunks and sent
 * with HC_VM_SET_MEMORY_REGIONS, at most one page of regions per hypercall.
 * The pages stay pinned until UNSET_MEMSEG or VM teardown, which unmaps them
 * in the hypervisor first.  MMIO: a Service VM physical range that is not RAM
 * is mapped as given.
 */
#define pr_fmt(fmt) "acrn_vhm: " fmt

#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "vhm.h"
#include "vhm_hypercall.h"

/* 64 GiB per mapping: bounds the page array (512 MiB of pointers at most). */
#define VHM_MEMSEG_MAX_PAGES	(1UL << 24)
#define VHM_PIN_CHUNK		4096UL

int vhm_mm_pin_one(unsigned long uaddr, struct page **page)
{
	int ret = pin_user_pages_fast(uaddr, 1, FOLL_WRITE | FOLL_LONGTERM, page);

	if (ret == 1)
		return 0;
	return ret < 0 ? ret : -EFAULT;
}

/* A batch of region operations under construction; @ops is one page. */
struct vhm_region_batch {
	struct vhm_vm *vm;
	struct acrn_hc_memory_region_op *ops;
	u32 n;
};

static int vhm_mm_flush(struct vhm_region_batch *b)
{
	struct acrn_hc_memory_region_batch *hb;
	long ret;

	if (b->n == 0)
		return 0;
	hb = kzalloc(sizeof(*hb), GFP_KERNEL);
	if (!hb)
		return -ENOMEM;
	hb->vmid = b->vm->vmid;
	hb->regions_num = b->n;
	hb->regions_gpa = virt_to_phys(b->ops);
	ret = vhm_hc_set_memory_regions(hb);
	kfree(hb);
	b->n = 0;
	if (ret)
		pr_err_ratelimited("VM %u: HC_VM_SET_MEMORY_REGIONS failed: %ld\n",
				   b->vm->vmid, ret);
	return ret;
}

static int vhm_mm_add_op(struct vhm_region_batch *b, u32 op, u32 attr,
			 u64 gpa, u64 hpa, u64 size)
{
	struct acrn_hc_memory_region_op *r = &b->ops[b->n++];

	r->type = op;
	r->attr = attr;
	r->user_vm_pa = gpa;
	r->service_vm_pa = hpa;
	r->size = size;
	return b->n == ACRN_HC_MAX_REGIONS_PER_BATCH ? vhm_mm_flush(b) : 0;
}

/* One op for a whole range (MMIO map, or unmap of anything). */
static int vhm_mm_one_op(struct vhm_vm *vm, u32 op, u32 attr, u64 gpa, u64 hpa, u64 size)
{
	struct vhm_region_batch b = { .vm = vm };
	int ret;

	b.ops = (void *)get_zeroed_page(GFP_KERNEL);
	if (!b.ops)
		return -ENOMEM;
	ret = vhm_mm_add_op(&b, op, attr, gpa, hpa, size);
	if (!ret)
		ret = vhm_mm_flush(&b);
	free_page((unsigned long)b.ops);
	return ret;
}

/* Map @seg's pinned pages, merging runs of consecutive page frames. */
static int vhm_mm_map_pages(struct vhm_vm *vm, struct vhm_memseg *seg, u32 attr)
{
	struct vhm_region_batch b = { .vm = vm };
	unsigned long i, start = 0;
	int ret = 0;

	b.ops = (void *)get_zeroed_page(GFP_KERNEL);
	if (!b.ops)
		return -ENOMEM;
	for (i = 1; i <= seg->npages && ret == 0; i++) {
		if (i < seg->npages &&
		    page_to_pfn(seg->pages[i]) == page_to_pfn(seg->pages[i - 1]) + 1)
			continue;
		ret = vhm_mm_add_op(&b, ACRN_HC_MEM_REGION_ADD, attr,
				    seg->gpa + ((u64)start << PAGE_SHIFT),
				    page_to_phys(seg->pages[start]),
				    (u64)(i - start) << PAGE_SHIFT);
		start = i;
		if ((i & 1023) == 0)
			cond_resched();
	}
	if (!ret)
		ret = vhm_mm_flush(&b);
	free_page((unsigned long)b.ops);
	return ret;
}

static int vhm_mm_pin(struct vhm_memseg *seg, unsigned long uaddr)
{
	unsigned long done = 0;
	int n;

	seg->pages = kvcalloc(seg->npages, sizeof(*seg->pages), GFP_KERNEL);
	if (!seg->pages)
		return -ENOMEM;
	while (done < seg->npages) {
		n = pin_user_pages_fast(uaddr + (done << PAGE_SHIFT),
					min(seg->npages - done, VHM_PIN_CHUNK),
					FOLL_WRITE | FOLL_LONGTERM, seg->pages + done);
		if (n <= 0) {
			unpin_user_pages(seg->pages, done);
			kvfree(seg->pages);
			seg->pages = NULL;
			return n < 0 ? n : -EFAULT;
		}
		done += n;
		cond_resched();
	}
	if (!PageCompound(seg->pages[0]))
		pr_info_once("guest RAM is ordinary memory: pinned while mapped\n");
	return 0;
}

static void vhm_mm_unpin(struct vhm_memseg *seg)
{
	if (seg->pages) {
		unpin_user_pages_dirty_lock(seg->pages, seg->npages, true);
		kvfree(seg->pages);
		seg->pages = NULL;
	}
}

static bool vhm_mm_overlaps(struct vhm_vm *vm, u64 gpa, u64 len)
{
	struct vhm_memseg *s;

	list_for_each_entry(s, &vm->memsegs, node)
		if (gpa < s->gpa + s->len && s->gpa < gpa + len)
			return true;
	return false;
}

/* Checks shared by SET and UNSET: page-aligned, non-empty, nothing wraps. */
static int vhm_mm_check(const struct acrn_vm_memmap *m)
{
	u32 memtype = m->attr & ACRN_MEM_TYPE_MASK;

	if (m->type != ACRN_MEMMAP_RAM && m->type != ACRN_MEMMAP_MMIO)
		return -EINVAL;
	if (m->attr & ~(ACRN_MEM_ACCESS_RIGHT_MASK | ACRN_MEM_TYPE_MASK) ||
	    hweight32(memtype) != 1)
		return -EINVAL;
	if (m->len == 0 || !PAGE_ALIGNED(m->len) || !PAGE_ALIGNED(m->user_vm_pa) ||
	    !PAGE_ALIGNED(m->vma_base))
		return -EINVAL;
	if (m->user_vm_pa + m->len < m->user_vm_pa || m->vma_base + m->len < m->vma_base)
		return -EINVAL;
	if (m->type == ACRN_MEMMAP_RAM &&
	    (m->len >> PAGE_SHIFT > VHM_MEMSEG_MAX_PAGES || m->vma_base + m->len > TASK_SIZE_MAX))
		return -EINVAL;
	return 0;
}

int vhm_mm_set_memseg(struct vhm_vm *vm, const struct acrn_vm_memmap *map)
{
	struct vhm_memseg *seg;
	int ret;

	if (vhm_mm_check(map) || vhm_mm_overlaps(vm, map->user_vm_pa, map->len)) {
		pr_err_ratelimited("SET_MEMSEG: bad or overlapping range gpa %#llx len %#llx\n",
				   map->user_vm_pa, map->len);
		return -EINVAL;
	}
	/* An "MMIO" range that is Service VM RAM would hand that RAM to the guest. */
	if (map->type == ACRN_MEMMAP_MMIO &&
	    region_intersects(map->service_vm_pa, map->len, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT) {
		pr_err_ratelimited("SET_MEMSEG: MMIO range %#llx overlaps RAM\n", map->service_vm_pa);
		return -EINVAL;
	}
	seg = kzalloc(sizeof(*seg), GFP_KERNEL);
	if (!seg)
		return -ENOMEM;
	seg->type = map->type;
	seg->gpa = map->user_vm_pa;
	seg->len = map->len;
	if (map->type == ACRN_MEMMAP_MMIO) {
		ret = vhm_mm_one_op(vm, ACRN_HC_MEM_REGION_ADD, map->attr, map->user_vm_pa,
				    map->service_vm_pa, map->len);
	} else {
		seg->npages = map->len >> PAGE_SHIFT;
		ret = vhm_mm_pin(seg, map->vma_base);
		if (!ret)
			ret = vhm_mm_map_pages(vm, seg, map->attr);
	}
	if (ret) {
		/* Part of the range may be mapped: remove it before unpinning. */
		if (vhm_mm_one_op(vm, ACRN_HC_MEM_REGION_DEL, 0, seg->gpa, 0, seg->len) == 0)
			vhm_mm_unpin(seg);
		kfree(seg);	/* if DEL failed too, the pages stay pinned: safe leak */
		return ret;
	}
	list_add_tail(&seg->node, &vm->memsegs);
	return 0;
}

int vhm_mm_unset_memseg(struct vhm_vm *vm, const struct acrn_vm_memmap *map)
{
	struct vhm_memseg *s;
	int ret;

	if (vhm_mm_check(map))
		return -EINVAL;
	list_for_each_entry(s, &vm->memsegs, node) {
		if (s->gpa != map->user_vm_pa || s->len != map->len || s->type != map->type)
			continue;
		ret = vhm_mm_one_op(vm, ACRN_HC_MEM_REGION_DEL, 0, s->gpa, 0, s->len);
		if (ret)
			return ret;	/* still mapped: keep it pinned and listed */
		list_del(&s->node);
		vhm_mm_unpin(s);
		kfree(s);
		return 0;
	}
	pr_err_ratelimited("UNSET_MEMSEG: no mapping at gpa %#llx len %#llx\n",
			   map->user_vm_pa, map->len);
	return -EINVAL;
}

void vhm_mm_release_all(struct vhm_vm *vm)
{
	struct vhm_memseg *s, *tmp;

	list_for_each_entry_safe(s, tmp, &vm->memsegs, node) {
		list_del(&s->node);
		vhm_mm_unpin(s);
		kfree(s);
	}
}

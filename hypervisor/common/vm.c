/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VM objects: identity, EPT, vCPU list, and guest-physical memory access
 * for hypercall arguments (always through the VM's own EPT, so a guest can
 * only name memory that was mapped for it).
 */
#define pr_fmt(fmt) "vm: " fmt
#include <common/vm.h>
#include <common/page_alloc.h>
#include <common/log.h>
#include <arch/x86/spinlock.h>
#include <arch/x86/vtd.h>
#include <lib/errno.h>
#include <lib/string.h>
#include <lib/util.h>

static struct vm *vms[MAX_VMS];
static spinlock_t vms_lock = SPINLOCK_INIT;

static void *ept_alloc(void *ctx)
{
	return page_alloc();
}

static void ept_free(void *ctx, void *page)
{
	page_free(page);
}

static uint64_t ept_v2p(void *ctx, const void *va)
{
	return hva2hpa(va);
}

static void *ept_p2v(void *ctx, uint64_t pa)
{
	return hpa2hva(pa);
}

static const struct pgtable_ops ept_ops = {
	.alloc_page = ept_alloc,
	.free_page = ept_free,
	.virt_to_phys = ept_v2p,
	.phys_to_virt = ept_p2v,
};

struct vm *vm_create(const char *name, const struct vm_ops *ops, void *priv)
{
	struct vm *vm = page_alloc();	/* struct vm fits in a page */
	int slot = -1;

	_Static_assert(sizeof(struct vm) <= PAGE_SIZE, "struct vm must fit in a page");
	if (vm == NULL)
		return NULL;
	spin_lock(&vms_lock);
	for (int i = 0; i < MAX_VMS; i++) {
		if (vms[i] == NULL) {
			vms[i] = vm;
			slot = i;
			break;
		}
	}
	spin_unlock(&vms_lock);
	if (slot < 0) {
		page_free(vm);
		return NULL;
	}
	vm->id = (uint16_t)slot;
	memcpy(vm->name, name, strnlen(name, sizeof(vm->name) - 1));
	vm->ops = ops;
	vm->priv = priv;
	if (pgtable_init(&vm->ept, PGT_FMT_EPT, &ept_ops, NULL, false) != 0) {
		vm_destroy(vm);
		return NULL;
	}
	return vm;
}

struct vm *vm_get(uint16_t id)
{
	return id < MAX_VMS ? __atomic_load_n(&vms[id], __ATOMIC_ACQUIRE) : NULL;
}

void vm_destroy(struct vm *vm)
{
	for (uint32_t i = 0; i < vm->vcpu_count; i++)
		vcpu_release(vm->vcpus[i]);
	vtd_release_vm(vm);	/* devices blocked before the memory goes back */
	if (vm->ept.root != NULL)
		pgtable_destroy(&vm->ept);
	spin_lock(&vms_lock);
	vms[vm->id] = NULL;
	spin_unlock(&vms_lock);
	page_free(vm);
}

int vm_map(struct vm *vm, uint64_t gpa, uint64_t hpa, uint64_t size, uint32_t prot)
{
	int ret = pgtable_map(&vm->ept, gpa, hpa, size, prot);

	/* A VM with assigned devices: its DMA domain follows its memory (no-op otherwise). */
	return ret != 0 ? ret : vtd_map(vm, gpa, hpa, size, prot);
}

int vm_unmap(struct vm *vm, uint64_t gpa, uint64_t size)
{
	int ret = pgtable_unmap(&vm->ept, gpa, size);
	/* The DMA domain loses the range even if the EPT walk failed half-way. */
	int dma = vtd_unmap(vm, gpa, size);

	return ret != 0 ? ret : dma;
}

/* Walk the VM's EPT page by page; each chunk stays within one mapped page. */
static int vm_copy(struct vm *vm, uint64_t gpa, void *buf, size_t len, bool to_guest)
{
	uint8_t *p = buf;

	if (gpa + len < gpa)
		return -EFAULT;
	while (len > 0) {
		uint64_t hpa, psize, off;
		uint32_t prot;
		size_t chunk;

		if (pgtable_query(&vm->ept, gpa, &hpa, &prot, &psize) != 0)
			return -EFAULT;
		if (!(prot & PGT_R) || (to_guest && !(prot & PGT_W)))
			return -EFAULT;
		off = gpa & (psize - 1);
		chunk = MIN(len, psize - off);
		if (to_guest)
			memcpy(hpa2hva(hpa), p, chunk);
		else
			memcpy(p, hpa2hva(hpa), chunk);
		p += chunk;
		gpa += chunk;
		len -= chunk;
	}
	return 0;
}

int vm_copy_from_gpa(struct vm *vm, void *dst, uint64_t gpa, size_t len)
{
	return vm_copy(vm, gpa, dst, len, false);
}

int vm_copy_to_gpa(struct vm *vm, uint64_t gpa, const void *src, size_t len)
{
	return vm_copy(vm, gpa, (void *)src, len, true);
}

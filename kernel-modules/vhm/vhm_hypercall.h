/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file vhm_hypercall.h
 * Hypercall wrappers of the VHM.  Convention (acrn_hypercall.h): VMCALL from
 * ring 0 of the Service VM, id in R8, arguments in RDI and RSI, result in RAX
 * (0 or a negative errno).  A pointer argument is the physical address of a
 * kmalloc'ed copy (never of a stack or vmalloc buffer: with VMAP_STACK those
 * are not physically contiguous, and virt_to_phys() is wrong for them).
 */
#ifndef VHM_HYPERCALL_H
#define VHM_HYPERCALL_H

#include <linux/slab.h>
#include <linux/string.h>
#include <linux/types.h>
#include <asm/io.h>

#include "acrn_hypercall.h"
#include "acrn_common.h"

#ifdef VHM_FAKE_HV
/* Test build: tests/vhm_fake_hv.c answers instead of the hypervisor. */
long vhm_fake_hcall(unsigned long id, unsigned long a0, unsigned long a1);
void vhm_fake_init(void);
void vhm_fake_exit(void);
#endif

/**
 * Issue hypercall @id with arguments @a0 (RDI) and @a1 (RSI).
 * The "memory" clobber orders the VMCALL against the stores that filled in a
 * parameter structure and the loads that read results back.
 * @return 0 or a negative errno from the hypervisor.
 */
static inline long vhm_hcall(unsigned long id, unsigned long a0, unsigned long a1)
{
#ifdef VHM_FAKE_HV
	return vhm_fake_hcall(id, a0, a1);
#else
	register unsigned long r8 asm("r8") = id;
	long ret;

	asm volatile("vmcall"
		     : "=a"(ret)
		     : "r"(r8), "D"(a0), "S"(a1)
		     : "memory");
	return ret;
#endif
}

/**
 * Issue hypercall @id with @a0 and the physical address of a kmalloc'ed copy
 * of @buf (@len bytes) as the pointer argument; the pointer goes in RDI when
 * @ptr_first, else in RSI.  With @out, the copy is written back into @buf on
 * success.
 * @return 0 or a negative errno.
 */
static inline long vhm_hcall_buf(unsigned long id, unsigned long a0, bool ptr_first,
				 void *buf, size_t len, bool out)
{
	void *copy = kmemdup(buf, len, GFP_KERNEL);
	unsigned long pa;
	long ret;

	if (!copy)
		return -ENOMEM;
	pa = virt_to_phys(copy);
	ret = ptr_first ? vhm_hcall(id, pa, a0) : vhm_hcall(id, a0, pa);
	if (ret == 0 && out)
		memcpy(buf, copy, len);
	kfree(copy);
	return ret;
}

/** HC_GET_API_VERSION into @ver. */
static inline long vhm_hc_get_api_version(struct acrn_hc_api_version *ver)
{
	return vhm_hcall_buf(HC_GET_API_VERSION, 0, true, ver, sizeof(*ver), true);
}

/** HC_SERVICE_VM_OFFLINE_CPU for the CPU whose local APIC id is @apicid. */
static inline long vhm_hc_offline_cpu(u32 apicid)
{
	return vhm_hcall(HC_SERVICE_VM_OFFLINE_CPU, apicid, 0);
}

/** HC_CREATE_VM: @cv in, vmid and vcpu_num out. */
static inline long vhm_hc_create_vm(struct acrn_hc_vm_creation *cv)
{
	return vhm_hcall_buf(HC_CREATE_VM, 0, true, cv, sizeof(*cv), true);
}

/** HC_DESTROY_VM. */
static inline long vhm_hc_destroy_vm(u16 vmid)
{
	return vhm_hcall(HC_DESTROY_VM, vmid, 0);
}

/** HC_START_VM. */
static inline long vhm_hc_start_vm(u16 vmid)
{
	return vhm_hcall(HC_START_VM, vmid, 0);
}

/** HC_PAUSE_VM. */
static inline long vhm_hc_pause_vm(u16 vmid)
{
	return vhm_hcall(HC_PAUSE_VM, vmid, 0);
}

/** HC_RESET_VM. */
static inline long vhm_hc_reset_vm(u16 vmid)
{
	return vhm_hcall(HC_RESET_VM, vmid, 0);
}

/** HC_SET_IOREQ_BUFFER: the IOREQ page of @vmid is at physical @pa. */
static inline long vhm_hc_set_ioreq_buffer(u16 vmid, u64 pa)
{
	struct acrn_hc_ioreq_buffer b = { .ioreq_buf = pa };

	return vhm_hcall_buf(HC_SET_IOREQ_BUFFER, vmid, false, &b, sizeof(b), false);
}

/** HC_NOTIFY_REQUEST_FINISH for slot @vcpu of @vmid. */
static inline long vhm_hc_notify_finish(u16 vmid, u32 vcpu)
{
	return vhm_hcall(HC_NOTIFY_REQUEST_FINISH, vmid, vcpu);
}

/** HC_SET_IRQLINE; @arg is the by-value acrn_hc_irqline_ops image. */
static inline long vhm_hc_set_irqline(u16 vmid, u64 arg)
{
	return vhm_hcall(HC_SET_IRQLINE, vmid, arg);
}

/** HC_INJECT_MSI. */
static inline long vhm_hc_inject_msi(u16 vmid, u64 addr, u64 data)
{
	struct acrn_hc_msi_entry m = { .msi_addr = addr, .msi_data = data };

	return vhm_hcall_buf(HC_INJECT_MSI, vmid, false, &m, sizeof(m), false);
}

/**
 * HC_INJECT_MSI from a prepared entry, without an allocation: callable in
 * atomic context (an eventfd wake-up).  @m is kmalloc'ed (direct-mapped) and
 * not changed while the hypercall reads it.
 */
static inline long vhm_hc_inject_msi_prepared(u16 vmid, struct acrn_hc_msi_entry *m)
{
	return vhm_hcall(HC_INJECT_MSI, vmid, virt_to_phys(m));
}

/** HC_VM_INTR_MONITOR: @pa is the physical address of a pinned 4 KiB page. */
static inline long vhm_hc_intr_monitor(u16 vmid, u64 pa)
{
	return vhm_hcall(HC_VM_INTR_MONITOR, vmid, pa);
}

/** HC_VM_SET_MEMORY_REGIONS: @batch is kmalloc'ed, its array too. */
static inline long vhm_hc_set_memory_regions(struct acrn_hc_memory_region_batch *batch)
{
	return vhm_hcall(HC_VM_SET_MEMORY_REGIONS, virt_to_phys(batch), 0);
}

/**
 * Hypercalls whose parameter is one structure already copied into kmalloc'ed
 * memory by the ioctl (SET_VCPU_REGS, PTDEV, PCIDEV): @kbuf is passed as is.
 */
static inline long vhm_hc_vm_ptr(unsigned long id, u16 vmid, void *kbuf)
{
	return vhm_hcall(id, vmid, virt_to_phys(kbuf));
}

/** HC_PM_GET_CPU_STATE: result written to the kmalloc'ed @kbuf. */
static inline long vhm_hc_pm_get_cpu_state(u64 cmd, void *kbuf)
{
	return vhm_hcall(HC_PM_GET_CPU_STATE, cmd, virt_to_phys(kbuf));
}

/** HC_GET_HV_LOG: @kbuf is kmalloc'ed, and so is the buffer it names. */
static inline long vhm_hc_get_hv_log(struct acrn_hc_hv_log *kbuf)
{
	return vhm_hcall(HC_GET_HV_LOG, virt_to_phys(kbuf), 0);
}

#endif /* VHM_HYPERCALL_H */

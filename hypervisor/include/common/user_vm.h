/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file user_vm.h
 * User VMs: created, started, paused, reset and destroyed by the Service VM
 * through hypercalls; their memory is Service VM RAM mapped by EPT; every
 * I/O access the hypervisor does not emulate itself is forwarded to the
 * Service VM as an IOREQ (ARCHITECTURE.md, items 3 and 4).
 *
 * Each hc_* function implements one hypercall for the calling Service VM
 * vCPU @p caller: it validates every argument (pointer arguments are
 * guest-physical addresses resolved through the caller's EPT) and returns
 * 0 or a negative errno, which becomes the hypercall's result.  The caller
 * holds user_vm_lock() around each call.
 */
#ifndef COMMON_USER_VM_H
#define COMMON_USER_VM_H

#include <stdint.h>

struct vcpu;

/** Serialise the hc_* calls (taken by the hypercall dispatcher). */
void user_vm_lock(void);
void user_vm_unlock(void);

int64_t hc_create_vm(struct vcpu *caller, uint64_t param_gpa);
int64_t hc_destroy_vm(struct vcpu *caller, uint64_t vmid);
int64_t hc_start_vm(struct vcpu *caller, uint64_t vmid);
int64_t hc_pause_vm(struct vcpu *caller, uint64_t vmid);
int64_t hc_reset_vm(struct vcpu *caller, uint64_t vmid);
int64_t hc_set_vcpu_regs(struct vcpu *caller, uint64_t vmid, uint64_t param_gpa);
int64_t hc_set_memory_regions(struct vcpu *caller, uint64_t param_gpa);
int64_t hc_set_ioreq_buffer(struct vcpu *caller, uint64_t vmid, uint64_t param_gpa);
int64_t hc_notify_request_finish(struct vcpu *caller, uint64_t vmid, uint64_t vcpu_id);
/** HC_SET_IRQLINE: ops = gsi | op << 32 (struct acrn_irqline_ops by value). */
int64_t hc_set_irqline(struct vcpu *caller, uint64_t vmid, uint64_t ops);
/** HC_INJECT_MSI: param_gpa = Service VM GPA of a struct acrn_hc_msi_entry. */
int64_t hc_inject_msi(struct vcpu *caller, uint64_t vmid, uint64_t param_gpa);
int64_t hc_offline_cpu(struct vcpu *caller, uint64_t apic_id);

/** Number of User VMs that exist (for the shell and the tests). */
unsigned user_vm_count(void);

#endif /* COMMON_USER_VM_H */

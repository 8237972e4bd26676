/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hypercall entry (ACRN ABI: id in R8, arguments in RDI and RSI, result in
 * RAX).  Only ring 0 of a VM may call; ring 3 gets #GP.  Only the Service VM
 * may use the VM-management calls; the built-in test VM may use the test calls.
 * Every pointer argument is a guest-physical address resolved through the
 * caller's own EPT, so it can never name hypervisor memory.
 */
#define pr_fmt(fmt) "hcall: " fmt
#include <common/vm.h>
#include <common/log.h>
#include <arch/x86/vmx/vmx.h>
#include <public/acrn_hypercall.h>
#include <common/user_vm.h>
#include <common/ptdev.h>
#include <common/page_alloc.h>
#include <lib/errno.h>

struct hc_api_version {
	uint32_t major;
	uint32_t minor;
};

static int64_t hc_get_api_version(struct vcpu *v, uint64_t gpa)
{
	struct hc_api_version ver = { ACRN_API_MAJOR, ACRN_API_MINOR };

	return vm_copy_to_gpa(v->vm, gpa, &ver, sizeof(ver));
}

/*
 * The Service VM's calls: User VM management (common/user_vm.c) and the log
 * buffer (common/log_hc.c, which needs no lock but this one does no harm).
 */
static int64_t hc_vm_management(struct vcpu *v, uint64_t id, uint64_t a0, uint64_t a1)
{
	int64_t ret;

	switch (id) {
	case HC_SERVICE_VM_OFFLINE_CPU:
		ret = hc_offline_cpu(v, a0);
		break;
	case HC_CREATE_VM:
		ret = hc_create_vm(v, a0);
		break;
	case HC_DESTROY_VM:
		ret = hc_destroy_vm(v, a0);
		break;
	case HC_START_VM:
		ret = hc_start_vm(v, a0);
		break;
	case HC_PAUSE_VM:
		ret = hc_pause_vm(v, a0);
		break;
	case HC_RESET_VM:
		ret = hc_reset_vm(v, a0);
		break;
	case HC_SET_VCPU_REGS:
		ret = hc_set_vcpu_regs(v, a0, a1);
		break;
	case HC_VM_SET_MEMORY_REGIONS:
		ret = hc_set_memory_regions(v, a0);
		break;
	case HC_SET_IOREQ_BUFFER:
		ret = hc_set_ioreq_buffer(v, a0, a1);
		break;
	case HC_NOTIFY_REQUEST_FINISH:
		ret = hc_notify_request_finish(v, a0, a1);
		break;
	case HC_SET_IRQLINE:
		ret = hc_set_irqline(v, a0, a1);
		break;
	case HC_INJECT_MSI:
		ret = hc_inject_msi(v, a0, a1);
		break;
	case HC_ASSIGN_PCIDEV:
		ret = hc_assign_pcidev(v, a0, a1);	/* common/ptdev.c */
		break;
	case HC_DEASSIGN_PCIDEV:
		ret = hc_deassign_pcidev(v, a0, a1);
		break;
	case HC_SET_PTDEV_INTR_INFO:
		ret = hc_set_ptdev_intr_info(v, a0, a1);
		break;
	case HC_RESET_PTDEV_INTR_INFO:
		ret = hc_reset_ptdev_intr_info(v, a0, a1);
		break;
	case HC_VM_PCI_MSIX_REMAP:
		ret = hc_vm_pci_msix_remap(v, a0, a1);
		break;
	case HC_PTDEV_INTX_FIRED:
		ret = hc_ptdev_intx_fired(v, a0);
		break;
	case HC_GET_HV_LOG:
		ret = hc_get_hv_log(v, a0);	/* common/log_hc.c */
		break;
	default:
		ret = -ENOSYS;
		break;
	}
	return ret;
}

void hypercall_handle(struct vcpu *v)
{
	uint64_t id = v->regs.gpr[GPR_R8];
	uint64_t a0 = v->regs.gpr[GPR_RDI], a1 = v->regs.gpr[GPR_RSI];
	/* CPL is SS.DPL (SDM §5.5), bits 6:5 of the access rights. */
	unsigned cpl = (unsigned)(vmcs_read(VMCS_GUEST_SS_AR) >> 5) & 3;
	int64_t ret;

	if (cpl != 0) {
		vcpu_inject_exception(v, 13, true, 0);
		return;
	}
	if (!v->vm->privileged && !v->vm->test_hypercalls) {
		ret = -EPERM;
		goto out;
	}
	/* VM management: the Service VM only. */
	if (id >= HC_SERVICE_VM_OFFLINE_CPU && id < HC_TEST_ECHO) {
		if (!v->vm->privileged) {
			ret = -EPERM;
			goto out;
		}
		user_vm_lock();
		ret = hc_vm_management(v, id, a0, a1);
		user_vm_unlock();
		goto out;
	}
	switch (id) {
	case HC_GET_API_VERSION:
		ret = hc_get_api_version(v, a0);
		break;
	case HC_TEST_ECHO:
		ret = v->vm->test_hypercalls ? (int64_t)~a0 : -EPERM;
		break;
	case HC_TEST_BENCH:
		if (v->vm->test_hypercalls && v->vm->ops->bench != NULL) {
			v->vm->ops->bench(v, a0, a1);
			ret = 0;
		} else {
			ret = -EPERM;
		}
		break;
	case HC_TEST_MEM_STATS:
		if (v->vm->privileged) {
			size_t free_pages, total;

			page_alloc_stats(&free_pages, &total);
			ret = (int64_t)free_pages;
		} else {
			ret = -EPERM;
		}
		break;
	default:
		ret = -ENOSYS;
		break;
	}
out:
	v->regs.gpr[GPR_RAX] = (uint64_t)ret;
	vcpu_skip_instruction(v);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file acrn_vhm_uapi.h
 * What /dev/acrn_vhm offers beyond the kernel UAPI <linux/acrn.h>: ioctls
 * of this VHM that Linux's in-tree ACRN driver (/dev/acrn_hsm) does not have.
 * Included by the module and by the tools that use them (tools/acrnlog;
 * acrn-dm for the vm_flag bits, passthrough MSI remapping).  Numbers: the
 * log reader sits far above <linux/acrn.h>'s (type 0xA2, numbers 0x10-0x71);
 * the MSI remap ioctl takes its hypercall's number, 0x52, as the UAPI's
 * passthrough ioctls do (0x53-0x56), which <linux/acrn.h> leaves free.
 */
#ifndef ACRN_VHM_UAPI_H
#define ACRN_VHM_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * struct acrn_vm_creation's vm_flag (ACRN_IOCTL_CREATE_VM), passed to the
 * hypervisor as it is: bits 9:8 the User VM's scheduling class on the pCPUs
 * it shares with other User VMs (doc/user-vms.md, "Scheduling"); every other bit, and
 * class 3, is reserved and makes CREATE_VM fail with EINVAL.  The same
 * values as the hypervisor's ACRN_VM_FLAG_PRIO_* (checked at build time).
 */
#define ACRN_VHM_VM_PRIO_SHIFT		8
#define ACRN_VHM_VM_PRIO_NORMAL		0ULL
#define ACRN_VHM_VM_PRIO_HIGH		1ULL
#define ACRN_VHM_VM_PRIO_LOW		2ULL
#define ACRN_VHM_VM_FLAG_PRIO(c)	((__u64)(c) << ACRN_VHM_VM_PRIO_SHIFT)

/** ioctl type of <linux/acrn.h> (ACRN_IOCTL_TYPE). */
#define ACRN_VHM_IOCTL_TYPE	0xA2

/**
 * ACRN_VHM_IOCTL_GET_HV_LOG: read the hypervisor's log buffer (hypercall
 * HC_GET_HV_LOG, see acrn_common.h: struct acrn_hc_hv_log has this layout,
 * with buf a user address instead of a physical one).  Needs no VM: any
 * open file of /dev/acrn_vhm may ask.
 *
 * In: pos (position to read from: bytes logged since the hypervisor booted),
 * buf, len (at most ACRN_VHM_HV_LOG_READ_MAX bytes are copied per call; 0
 * only reports the positions).  Out: copied, next (position to ask for
 * next), lost (bytes from pos on overwritten before they were read), head
 * (position after the newest byte).
 * Errors: EFAULT (bad pointer), EINVAL (pos beyond head), EPERM (the
 * hypervisor refused: not the Service VM).
 */
struct acrn_vhm_hv_log {
	__u64 pos;
	__u64 buf;
	__u32 len;
	__u32 copied;
	__u64 next;
	__u64 lost;
	__u64 head;
};

/** Most bytes one ACRN_VHM_IOCTL_GET_HV_LOG copies (ACRN_HV_LOG_READ_MAX). */
#define ACRN_VHM_HV_LOG_READ_MAX	4096U

#define ACRN_VHM_IOCTL_GET_HV_LOG	_IOWR(ACRN_VHM_IOCTL_TYPE, 0xE0, struct acrn_vhm_hv_log)

/**
 * ACRN_VHM_IOCTL_VM_PCI_MSIX_REMAP: remap one MSI message or MSI-X table
 * entry of a function passed through to this VM (hypercall
 * HC_VM_PCI_MSIX_REMAP; struct acrn_hc_msix_remap in acrn_common.h has this
 * layout, which is ACRN's struct acrn_vm_pci_msix_remap).
 *
 * In: virt_bdf, phys_bdf, msix (0 MSI, 1 MSI-X), msix_entry_index,
 * msi_ctl (ACRN_VHM_MSIX_REMAP_ENABLE: map or update; clear: unmap),
 * msi_addr/msi_data (the guest's message), vector_ctl (bit 0: masked by
 * the guest).  Out, when enabling: msi_addr/msi_data, the physical message
 * for the device.  Errors: EINVAL (bad index, message or flags), ENODEV
 * (not this VM's function), EBUSY (target vCPU on a pCPU shared with the
 * Service VM), ENOSPC, ENOENT (unmapping what is not mapped).
 */
struct acrn_vhm_msix_remap {
	__u16 virt_bdf;
	__u16 phys_bdf;
	__u16 msi_ctl;
	__u16 reserved;
	__u64 msi_addr;
	__u32 msi_data;
	__s32 msix;
	__s32 msix_entry_index;
	__u32 vector_ctl;
};

#define ACRN_VHM_MSIX_REMAP_ENABLE	(1U << 0)
#define ACRN_VHM_MSIX_VECTOR_MASKED	(1U << 0)

#define ACRN_VHM_IOCTL_VM_PCI_MSIX_REMAP \
	_IOWR(ACRN_VHM_IOCTL_TYPE, 0x52, struct acrn_vhm_msix_remap)

#endif /* ACRN_VHM_UAPI_H */

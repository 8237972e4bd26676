/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file acrn_common.h
 * Parameter structures of the hypercalls (ids in acrn_hypercall.h), shared by
 * the hypervisor, the VHM kernel module and the tests.
 *
 * The layouts are those of ACRN's public ABI as the Linux ACRN driver uses
 * them, so a kernel with CONFIG_ACRN_HSM can drive this hypervisor too.
 * Structures that have the same layout as a type of the Linux UAPI header
 * <linux/acrn.h> carry an "acrn_hc_" prefix here (the hypervisor cannot
 * include Linux headers, and the VHM includes both): the VHM checks with
 * _Static_assert that each pair agrees.
 *
 * Arguments of each hypercall (RDI, RSI; "&x" = Service VM physical address
 * of a structure x, which the hypervisor copies once before validating):
 *
 * | hypercall                 | RDI                    | RSI                        |
 * |---------------------------|------------------------|----------------------------|
 * | HC_GET_API_VERSION        | &acrn_hc_api_version   | -                          |
 * | HC_SERVICE_VM_OFFLINE_CPU | local APIC id          | -                          |
 * | HC_CREATE_VM              | &acrn_hc_vm_creation   | -                          |
 * | HC_DESTROY/START/PAUSE/RESET_VM | vmid             | -                          |
 * | HC_SET_VCPU_REGS          | vmid                   | &acrn_hc_vcpu_regs         |
 * | HC_INJECT_MSI             | vmid                   | &acrn_hc_msi_entry         |
 * | HC_VM_INTR_MONITOR        | vmid                   | address of a 4 KiB page    |
 * | HC_SET_IRQLINE            | vmid                   | acrn_hc_irqline_ops BY VALUE |
 * | HC_SET_IOREQ_BUFFER       | vmid                   | &acrn_hc_ioreq_buffer      |
 * | HC_NOTIFY_REQUEST_FINISH  | vmid                   | vcpu id                    |
 * | HC_VM_SET_MEMORY_REGIONS  | &acrn_hc_memory_region_batch | -                    |
 * | HC_SET/RESET_PTDEV_INTR_INFO | vmid                | &acrn_hc_ptdev_irq         |
 * | HC_VM_PCI_MSIX_REMAP      | vmid                   | &acrn_hc_msix_remap (in/out) |
 * | HC_ASSIGN/DEASSIGN_PCIDEV | vmid                   | &acrn_hc_pcidev            |
 * | HC_GET_HV_LOG             | &acrn_hc_hv_log        | -                          |
 * | HC_PM_GET_CPU_STATE       | command (ACRN_HC_PMCMD_*) | address of the result   |
 */
#ifndef ACRN_PUBLIC_COMMON_H
#define ACRN_PUBLIC_COMMON_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
#endif

/* Header-neutral offsetof: neither <stddef.h> nor <linux/stddef.h> is assumed. */
#define ACRN_HC_OFFSETOF(type, field)	__builtin_offsetof(type, field)

/* ------------------------------------------------------------------------ */
/* API version (HC_GET_API_VERSION)                                         */

/** Filled in by the hypervisor. */
struct acrn_hc_api_version {
	uint32_t major;
	uint32_t minor;
};

/* ------------------------------------------------------------------------ */
/* VM creation (HC_CREATE_VM), same layout as UAPI struct acrn_vm_creation. */

/**
 * In: uuid, vm_flag (ACRN_VM_FLAG_*), ioreq_buf (physical address of the
 * IOREQ page, or 0 when HC_SET_IOREQ_BUFFER follows), cpu_affinity (bitmap
 * of pCPUs).
 * Out: vmid, vcpu_num.  Reserved fields are zero.
 */
struct acrn_hc_vm_creation {
	uint16_t vmid;
	uint16_t reserved0;
	uint16_t vcpu_num;
	uint16_t reserved1;
	uint8_t  uuid[16];
	uint64_t vm_flag;
	uint64_t ioreq_buf;
	uint64_t cpu_affinity;
};

/*
 * vm_flag bits 9:8: the User VM's scheduling class on the pCPUs it shares
 * with other User VMs (doc/user-vms.md, "Scheduling").  The Service VM comes before every
 * class.  Every other bit, and class 3, is reserved: HC_CREATE_VM fails with
 * -EINVAL.
 */
#define ACRN_VM_FLAG_PRIO_SHIFT		8
#define ACRN_VM_FLAG_PRIO_MASK		(3ULL << ACRN_VM_FLAG_PRIO_SHIFT)
#define ACRN_VM_PRIO_NORMAL		0ULL	/* the default (vm_flag 0) */
#define ACRN_VM_PRIO_HIGH		1ULL
#define ACRN_VM_PRIO_LOW		2ULL
#define ACRN_VM_FLAG_PRIO(c)		((uint64_t)(c) << ACRN_VM_FLAG_PRIO_SHIFT)
#define ACRN_VM_FLAGS_KNOWN		ACRN_VM_FLAG_PRIO_MASK

/* ------------------------------------------------------------------------ */
/* vCPU registers (HC_SET_VCPU_REGS), same layout as UAPI acrn_vcpu_regs.   */

/** General purpose registers, in this order. */
struct acrn_hc_gp_regs {
	uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

/** GDTR/IDTR image. */
struct acrn_hc_descriptor_ptr {
	uint16_t limit;
	uint64_t base;
	uint16_t reserved[3];
} __attribute__((packed));

/** Initial register state of a vCPU. Reserved fields are zero. */
struct acrn_hc_regs {
	struct acrn_hc_gp_regs gprs;
	struct acrn_hc_descriptor_ptr gdt;
	struct acrn_hc_descriptor_ptr idt;
	uint64_t rip;
	uint64_t cs_base;
	uint64_t cr0;
	uint64_t cr4;
	uint64_t cr3;
	uint64_t ia32_efer;
	uint64_t rflags;
	uint64_t reserved_64[4];
	uint32_t cs_ar;
	uint32_t cs_limit;
	uint32_t reserved_32[3];
	uint16_t cs_sel;
	uint16_t ss_sel;
	uint16_t ds_sel;
	uint16_t es_sel;
	uint16_t fs_sel;
	uint16_t gs_sel;
	uint16_t ldt_sel;
	uint16_t tr_sel;
};

/** HC_SET_VCPU_REGS parameter; vcpu_id < the VM's vcpu_num. */
struct acrn_hc_vcpu_regs {
	uint16_t vcpu_id;
	uint16_t reserved[3];
	struct acrn_hc_regs vcpu_regs;
};

/* ------------------------------------------------------------------------ */
/* Guest memory (HC_VM_SET_MEMORY_REGIONS)                                  */

/** Region operations (acrn_hc_memory_region_op.type). */
#define ACRN_HC_MEM_REGION_ADD		0U
#define ACRN_HC_MEM_REGION_DEL		2U

/** Attribute bits (acrn_hc_memory_region_op.attr), as in <linux/acrn.h>. */
#define ACRN_HC_MEM_ACCESS_READ		0x00000001U
#define ACRN_HC_MEM_ACCESS_WRITE	0x00000002U
#define ACRN_HC_MEM_ACCESS_EXEC		0x00000004U
#define ACRN_HC_MEM_ACCESS_RIGHT_MASK	0x00000007U
#define ACRN_HC_MEM_TYPE_WB		0x00000040U
#define ACRN_HC_MEM_TYPE_WT		0x00000080U
#define ACRN_HC_MEM_TYPE_UC		0x00000100U
#define ACRN_HC_MEM_TYPE_WC		0x00000200U
#define ACRN_HC_MEM_TYPE_WP		0x00000400U
#define ACRN_HC_MEM_TYPE_MASK		0x000007C0U

/**
 * One EPT change: map (ADD) or unmap (DEL) @size bytes at User VM physical
 * address @user_vm_pa onto Service VM physical address @service_vm_pa.
 * All three are multiples of 4 KiB; same field offsets as UAPI
 * struct acrn_vm_memmap (type, attr, user_vm_pa, service_vm_pa, len).
 */
struct acrn_hc_memory_region_op {
	uint32_t type;
	uint32_t attr;
	uint64_t user_vm_pa;
	uint64_t service_vm_pa;
	uint64_t size;
};

/**
 * A batch of region operations for VM @vmid: @regions_gpa is the Service VM
 * physical address of an array of @regions_num struct acrn_hc_memory_region_op
 * (physically contiguous).  Reserved fields are zero.
 */
struct acrn_hc_memory_region_batch {
	uint16_t vmid;
	uint16_t reserved[3];
	uint32_t regions_num;
	uint32_t reserved1;
	uint64_t regions_gpa;
};

/** Most regions the VHM puts in one batch (one 4 KiB page of them). */
#define ACRN_HC_MAX_REGIONS_PER_BATCH	128U

/* ------------------------------------------------------------------------ */
/* I/O requests (HC_SET_IOREQ_BUFFER, HC_NOTIFY_REQUEST_FINISH)             */

/** HC_SET_IOREQ_BUFFER parameter: physical address of the 4 KiB IOREQ page. */
struct acrn_hc_ioreq_buffer {
	uint64_t ioreq_buf;
};

/* Slot states, same values as ACRN_IOREQ_STATE_* of <linux/acrn.h>. */
#define ACRN_HC_IOREQ_STATE_PENDING	0U
#define ACRN_HC_IOREQ_STATE_COMPLETE	1U
#define ACRN_HC_IOREQ_STATE_PROCESSING	2U
#define ACRN_HC_IOREQ_STATE_FREE	3U

#define ACRN_HC_IOREQ_TYPE_PORTIO	0U
#define ACRN_HC_IOREQ_TYPE_MMIO		1U
#define ACRN_HC_IOREQ_TYPE_PCICFG	2U

#define ACRN_HC_IOREQ_DIR_READ		0U
#define ACRN_HC_IOREQ_DIR_WRITE		1U

/** Number of slots in the IOREQ page; slot index = vCPU id. */
#define ACRN_HC_IO_REQUEST_MAX		16U

/** MMIO request (UAPI struct acrn_mmio_request). */
struct acrn_hc_mmio_request {
	uint32_t direction;
	uint32_t reserved;
	uint64_t address;
	uint64_t size;
	uint64_t value;
};

/** Port I/O request (UAPI struct acrn_pio_request). */
struct acrn_hc_pio_request {
	uint32_t direction;
	uint32_t reserved;
	uint64_t address;
	uint64_t size;
	uint32_t value;
};

/** PCI configuration request (UAPI struct acrn_pci_request). */
struct acrn_hc_pci_request {
	uint32_t direction;
	uint32_t reserved[3];
	uint64_t size;
	uint32_t value;
	uint32_t bus;
	uint32_t dev;
	uint32_t func;
	uint32_t reg;
};

/**
 * One 256-byte slot of the IOREQ page (UAPI struct acrn_io_request).
 * @processed is the state word (ACRN_HC_IOREQ_STATE_*), written with release
 * and read with acquire semantics by both sides.
 */
struct acrn_hc_io_request {
	uint32_t type;
	uint32_t completion_polling;
	uint32_t reserved0[14];
	union {
		struct acrn_hc_pio_request pio_request;
		struct acrn_hc_pci_request pci_request;
		struct acrn_hc_mmio_request mmio_request;
		uint64_t data[8];
	} reqs;
	uint32_t reserved1;
	uint32_t kernel_handled;
	uint32_t processed;
} __attribute__((aligned(256)));

/** The IOREQ page. */
struct acrn_hc_io_request_buffer {
	union {
		struct acrn_hc_io_request req_slot[ACRN_HC_IO_REQUEST_MAX];
		uint8_t reserved[4096];
	};
};

/* ------------------------------------------------------------------------ */
/* Interrupts (HC_INJECT_MSI, HC_SET_IRQLINE)                               */

/** MSI to inject (UAPI struct acrn_msi_entry). */
struct acrn_hc_msi_entry {
	uint64_t msi_addr;
	uint64_t msi_data;
};

/** acrn_hc_irqline_ops.op values. */
#define ACRN_HC_IRQLINE_SET_HIGH	0U
#define ACRN_HC_IRQLINE_SET_LOW		1U
#define ACRN_HC_IRQLINE_RAISING_PULSE	2U
#define ACRN_HC_IRQLINE_FALLING_PULSE	3U

/**
 * HC_SET_IRQLINE operation, passed BY VALUE in RSI: gsi in bits 31:0 and op
 * in bits 63:32 (the little-endian image of this struct).
 */
struct acrn_hc_irqline_ops {
	uint32_t gsi;
	uint32_t op;
};

/** Pack a gsi and an ACRN_HC_IRQLINE_* op into the HC_SET_IRQLINE argument. */
#define ACRN_HC_IRQLINE_ARG(gsi, op) \
	((uint64_t)(uint32_t)(gsi) | ((uint64_t)(uint32_t)(op) << 32))

/* ------------------------------------------------------------------------ */
/* Passthrough (HC_SET/RESET_PTDEV_INTR_INFO, HC_ASSIGN/DEASSIGN_PCIDEV)    */

#define ACRN_HC_PTDEV_IRQ_INTX		0U
#define ACRN_HC_PTDEV_IRQ_MSI		1U
#define ACRN_HC_PTDEV_IRQ_MSIX		2U

/** Interrupt remapping of a passthrough device (UAPI struct acrn_ptdev_irq). */
struct acrn_hc_ptdev_irq {
	uint32_t type;
	uint16_t virt_bdf;
	uint16_t phys_bdf;
	struct {
		uint32_t virt_pin;
		uint32_t phys_pin;
		uint32_t is_pic_pin;
	} intx;
};

/**
 * HC_VM_PCI_MSIX_REMAP: one MSI message or MSI-X table entry of a passed-
 * through function (the layout of ACRN's struct acrn_vm_pci_msix_remap).
 *
 * In: virt_bdf/phys_bdf (a function assigned to the VM), msix (0 MSI,
 * 1 MSI-X), msix_entry_index (MSI: 0; MSI-X: < ACRN_HC_MSIX_MAX_ENTRIES),
 * msi_ctl (ACRN_HC_MSIX_REMAP_ENABLE set: create or update the mapping;
 * clear: drop it), msi_addr/msi_data (the guest's message: 0xFEExxxxx,
 * fixed or lowest-priority, vector 16..255), vector_ctl (bit 0: the guest
 * masked the entry; no injection while set).
 * Out (written back on success when enabling): msi_addr/msi_data, the
 * physical message the Service VM must program into the device (entry
 * masked until then): remappable format (address 0xFEE with the interrupt
 * remapping table index, data 0) when the device's VT-d unit remaps
 * interrupts and the entry is unmasked, compatibility format otherwise.
 * Errors: -EINVAL (not a User VM; bad index, message or flags), -ENODEV
 * (function not this VM's at that virtual BDF), -EBUSY (the guest's target
 * vCPU runs on a pCPU shared with the Service VM, which owns that pCPU's
 * LAPIC), -ENOSPC (no host vector or remapping table entry left), -ENOENT
 * (dropping a mapping that does not exist), -ETIMEDOUT / -EIO (the unit did
 * not invalidate the entry: nothing changed), -EFAULT.
 */
struct acrn_hc_msix_remap {
	uint16_t virt_bdf;
	uint16_t phys_bdf;
	uint16_t msi_ctl;
	uint16_t reserved;
	uint64_t msi_addr;
	uint32_t msi_data;
	int32_t msix;
	int32_t msix_entry_index;
	uint32_t vector_ctl;
};

#define ACRN_HC_MSIX_REMAP_ENABLE	(1U << 0)
#define ACRN_HC_MSIX_VECTOR_MASKED	(1U << 0)
/** Entries of the largest MSI-X table (PCI 3.0 §6.8.2.3: Table Size is 11 bits). */
#define ACRN_HC_MSIX_MAX_ENTRIES	2048U

#define ACRN_HC_PTDEV_QUIRK_ASSIGN	(1U << 0)
#define ACRN_HC_PCI_NUM_BARS		6U

/** PCI device (de)assignment (UAPI struct acrn_pcidev). */
struct acrn_hc_pcidev {
	uint32_t type;
	uint16_t virt_bdf;
	uint16_t phys_bdf;
	uint8_t intr_line;
	uint8_t intr_pin;
	uint32_t bar[ACRN_HC_PCI_NUM_BARS];
};

/* ------------------------------------------------------------------------ */
/* Power management (HC_PM_GET_CPU_STATE)                                   */

/** Command word: bits 7:0 type; the other bits select VM and state. */
#define ACRN_HC_PMCMD_TYPE_MASK		0x000000FFU
#define ACRN_HC_PMCMD_GET_PX_CNT	0U	/* result: uint64_t */
#define ACRN_HC_PMCMD_GET_PX_DATA	1U	/* result: acrn_hc_pstate_data */
#define ACRN_HC_PMCMD_GET_CX_CNT	2U	/* result: uint64_t */
#define ACRN_HC_PMCMD_GET_CX_DATA	3U	/* result: acrn_hc_cstate_data */

/** ACPI Generic Address Structure (ACPI spec, 5.2.3.2). */
struct acrn_hc_acpi_generic_address {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} __attribute__((packed));

/** One ACPI _CST package (UAPI struct acrn_cstate_data). */
struct acrn_hc_cstate_data {
	struct acrn_hc_acpi_generic_address cx_reg;
	uint8_t type;
	uint32_t latency;
	uint64_t power;
};

/** One ACPI _PSS package (UAPI struct acrn_pstate_data). */
struct acrn_hc_pstate_data {
	uint64_t core_frequency;
	uint64_t power;
	uint64_t transition_latency;
	uint64_t bus_master_latency;
	uint64_t control;
	uint64_t status;
};

/* ------------------------------------------------------------------------ */
/* Hypervisor log buffer (HC_GET_HV_LOG)                                    */

/**
 * The hypervisor keeps every message it prints in a ring buffer.  A byte's
 * position is the number of bytes logged before it since boot, so positions
 * only grow; the ring holds the newest ones.  HC_GET_HV_LOG copies the bytes
 * from @c pos on (or from the oldest byte still held, if @c pos was already
 * overwritten) into @c buf.  Service VM only.
 *
 * In: pos, buf (Service VM physical address of RAM it may write), len (at
 * most ACRN_HV_LOG_READ_MAX bytes are copied; 0 copies nothing and only
 * reports the positions).  Out (written back on success): copied, next (the
 * position to ask for next time), lost (bytes from pos on that were
 * overwritten before this read), head (the position after the newest byte).
 * Errors: -EFAULT (the structure is not readable and writable), -EINVAL
 * (pos beyond head; buf not Service VM RAM), -EPERM (not the Service VM).
 */
struct acrn_hc_hv_log {
	uint64_t pos;
	uint64_t buf;
	uint32_t len;
	uint32_t copied;
	uint64_t next;
	uint64_t lost;
	uint64_t head;
};

/** Most bytes one HC_GET_HV_LOG copies. */
#define ACRN_HV_LOG_READ_MAX	4096U

/* ------------------------------------------------------------------------ */
/* Layout checks: these are ABI, a change here breaks the other side.       */

_Static_assert(sizeof(struct acrn_hc_api_version) == 8, "api_version");
_Static_assert(sizeof(struct acrn_hc_vm_creation) == 48, "vm_creation");
_Static_assert(ACRN_HC_OFFSETOF(struct acrn_hc_vm_creation, uuid) == 8, "vm_creation.uuid");
_Static_assert(ACRN_HC_OFFSETOF(struct acrn_hc_vm_creation, ioreq_buf) == 32, "vm_creation.ioreq_buf");
_Static_assert(sizeof(struct acrn_hc_descriptor_ptr) == 16, "descriptor_ptr");
_Static_assert(ACRN_HC_OFFSETOF(struct acrn_hc_regs, gdt) == 128, "regs.gdt");
_Static_assert(ACRN_HC_OFFSETOF(struct acrn_hc_regs, rip) == 160, "regs.rip");
_Static_assert(ACRN_HC_OFFSETOF(struct acrn_hc_regs, cs_ar) == 248, "regs.cs_ar");
_Static_assert(ACRN_HC_OFFSETOF(struct acrn_hc_regs, cs_sel) == 268, "regs.cs_sel");
_Static_assert(sizeof(struct acrn_hc_regs) == 288, "regs");
_Static_assert(ACRN_HC_OFFSETOF(struct acrn_hc_vcpu_regs, vcpu_regs) == 8, "vcpu_regs");
_Static_assert(sizeof(struct acrn_hc_vcpu_regs) == 296, "vcpu_regs size");
_Static_assert(sizeof(struct acrn_hc_memory_region_op) == 32, "region_op");
_Static_assert(ACRN_HC_OFFSETOF(struct acrn_hc_memory_region_op, service_vm_pa) == 16, "region_op.pa");
_Static_assert(sizeof(struct acrn_hc_memory_region_batch) == 24, "region_batch");
_Static_assert(ACRN_HC_OFFSETOF(struct acrn_hc_memory_region_batch, regions_num) == 8, "batch.num");
_Static_assert(ACRN_HC_OFFSETOF(struct acrn_hc_memory_region_batch, regions_gpa) == 16, "batch.gpa");
_Static_assert(ACRN_HC_MAX_REGIONS_PER_BATCH * sizeof(struct acrn_hc_memory_region_op) == 4096,
	       "one page of regions");
_Static_assert(sizeof(struct acrn_hc_ioreq_buffer) == 8, "ioreq_buffer");
_Static_assert(sizeof(struct acrn_hc_pio_request) == 32, "pio_request");
_Static_assert(sizeof(struct acrn_hc_pci_request) == 48, "pci_request");
_Static_assert(ACRN_HC_OFFSETOF(struct acrn_hc_pci_request, value) == 24, "pci_request.value");
_Static_assert(ACRN_HC_OFFSETOF(struct acrn_hc_pci_request, reg) == 40, "pci_request.reg");
_Static_assert(sizeof(struct acrn_hc_mmio_request) == 32, "mmio_request");
_Static_assert(ACRN_HC_OFFSETOF(struct acrn_hc_io_request, reqs) == 64, "io_request.reqs");
_Static_assert(ACRN_HC_OFFSETOF(struct acrn_hc_io_request, kernel_handled) == 132, "kernel_handled");
_Static_assert(ACRN_HC_OFFSETOF(struct acrn_hc_io_request, processed) == 136, "processed");
_Static_assert(sizeof(struct acrn_hc_io_request) == 256, "io_request");
_Static_assert(sizeof(struct acrn_hc_io_request_buffer) == 4096, "io_request_buffer");
_Static_assert(sizeof(struct acrn_hc_msi_entry) == 16, "msi_entry");
_Static_assert(sizeof(struct acrn_hc_irqline_ops) == 8, "irqline_ops");
_Static_assert(sizeof(struct acrn_hc_ptdev_irq) == 20, "ptdev_irq");
_Static_assert(sizeof(struct acrn_hc_pcidev) == 36, "pcidev");
_Static_assert(sizeof(struct acrn_hc_msix_remap) == 32, "msix_remap");
_Static_assert(ACRN_HC_OFFSETOF(struct acrn_hc_msix_remap, msi_addr) == 8, "msix_remap.addr");
_Static_assert(ACRN_HC_OFFSETOF(struct acrn_hc_msix_remap, vector_ctl) == 28, "msix_remap.vctl");
_Static_assert(ACRN_HC_OFFSETOF(struct acrn_hc_pcidev, bar) == 12, "pcidev.bar");
_Static_assert(sizeof(struct acrn_hc_acpi_generic_address) == 12, "gas");
_Static_assert(sizeof(struct acrn_hc_cstate_data) == 32, "cstate_data");
_Static_assert(sizeof(struct acrn_hc_pstate_data) == 48, "pstate_data");
_Static_assert(sizeof(struct acrn_hc_hv_log) == 48, "hv_log");
_Static_assert(ACRN_HC_OFFSETOF(struct acrn_hc_hv_log, copied) == 20, "hv_log.copied");
_Static_assert(ACRN_HC_OFFSETOF(struct acrn_hc_hv_log, head) == 40, "hv_log.head");

#endif /* ACRN_PUBLIC_COMMON_H */

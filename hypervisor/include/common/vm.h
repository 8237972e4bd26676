/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file vm.h
 * Virtual machines and virtual CPUs.
 */
#ifndef COMMON_VM_H
#define COMMON_VM_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <lib/pgtable.h>
#include <arch/x86/vmx/vmcs_fields.h>
#include <arch/x86/guest/string_io.h>

#define MAX_VMS		8
#define MAX_VCPUS_PER_VM 8

/** General registers, indexed by the x86 register number (SDM Table 2-2). */
enum gpr {
	GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI,
	GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15,
};

struct guest_regs {
	uint64_t gpr[16];	/* gpr[GPR_RSP] is unused: RSP lives in the VMCS */
};

/** A segment register as the VMCS holds it. */
struct seg_state {
	uint16_t sel;
	uint64_t base;
	uint32_t limit;
	uint32_t ar;		/* VMX access-rights format (SDM Table 25-2) */
};

/** The architectural state a vCPU starts from. */
struct vcpu_boot_state {
	uint64_t gpr[16];
	uint64_t rip, rsp, rflags;
	uint64_t cr0, cr3, cr4, efer;
	uint64_t gdt_base, idt_base;
	uint16_t gdt_limit, idt_limit;
	struct seg_state cs, ss, ds, es, fs, gs, tr, ldtr;
	uint32_t activity;	/* VMCS activity state: 0 active, 1 HLT, 3 wait-for-SIPI */
};

#define VCPU_ACTIVITY_ACTIVE		0
#define VCPU_ACTIVITY_HLT		1
#define VCPU_ACTIVITY_WAIT_SIPI		3

struct vcpu;

/** One guest access being emulated through the device model (IOREQ). */
struct vcpu_io_access {
	uint64_t addr;
	uint64_t value;
	uint8_t size;
	bool write;
};

/**
 * I/O emulation state of a vCPU.  An MMIO instruction may make two accesses
 * (read-modify-write); each one completed by the device model is recorded
 * in done[] and the instruction is emulated again, replaying them, until it
 * finishes without a new access.
 */
struct vcpu_io {
	uint32_t type;			/* ACRN_HC_IOREQ_TYPE_* of the access in flight */
	struct vcpu_io_access cur;	/* the access in flight */
	uint64_t fault_gpa;		/* MMIO: the EPT-violation address */
	bool fault_write;
	uint8_t n_done, replay;
	struct vcpu_io_access done[2];
	/* INS/OUTS: the element in flight (string_io.h); str_active while
	 * the device model has it. */
	struct string_io str;
	bool str_active;
	/* TSC when the request was posted and when NOTIFY_REQUEST_FINISH
	 * came (User VM round-trip statistics, user_vm.c). */
	uint64_t t_sent, t_notified;
};

/** Behaviour that differs between kinds of VM (test VM, Service VM, User VM). */
struct vm_ops {
	/** Port I/O not handled inside the hypervisor. @return 0, or -errno to stop the VM. */
	int (*pio)(struct vcpu *v, uint16_t port, unsigned size, bool write, uint32_t *val);
	/**
	 * Emulated MMIO (an EPT violation the VM's memory map leaves to the
	 * hypervisor): read or write @p size bytes at @p gpa.
	 * @return 0; -ENOENT if @p gpa is not emulated; or -errno to stop the vCPU.
	 */
	int (*mmio)(struct vcpu *v, uint64_t gpa, unsigned size, bool write, uint64_t *val);
	/** HLT: return 0 to resume after it. */
	int (*hlt)(struct vcpu *v);
	/** The device model completed the vCPU's I/O request (VCPU_REQ_IOREQ_DONE). */
	void (*ioreq_done)(struct vcpu *v);
	/** A posted request this VM kind handles (VCPU_REQ_RESET). */
	void (*request)(struct vcpu *v, uint32_t req);
	/** Test hypercall HC_TEST_BENCH: a benchmark result from the guest. */
	void (*bench)(struct vcpu *v, uint64_t id, uint64_t value);
};

struct vcpu {
	struct guest_regs regs;		/* first: vmx_vmrun() takes &regs */
	struct vm *vm;
	uint32_t id;			/* index in the VM */
	uint32_t pcpu;
	uint16_t vpid;
	void *vmcs;
	bool launched;
	bool vmcs_ready;		/* vcpu_init_vmcs() done */
	bool stopped;
	const char *stop_reason;
	uint64_t exits;
	uint64_t ticks;			/* hypervisor ticks taken on this vCPU */
	uint32_t traced;		/* exits logged so far (option trace_exits) */
	uint32_t tick_period;		/* VMX-preemption timer reload; 0 = off */
	uint64_t exit_count[EXIT_REASON_MAX];
	uint64_t last_rip;		/* guest RIP at the last VM exit (shell) */
	uint32_t last_exit;		/* basic reason of the last VM exit (shell) */
	/** Work for this vCPU's pCPU, set by others (VCPU_REQ_*), done before entry. */
	uint32_t requests;
	uint8_t sipi_vector;		/* with VCPU_REQ_SIPI */
	bool wait_sipi;			/* INIT received, no SIPI yet */
	/** Why the vCPU may not enter the guest now (VCPU_BLOCK_*); 0 = runnable. */
	uint32_t blocked;
	/** Requests acknowledged by the vCPU's pCPU (VCPU_REQ_PAUSE, _RELEASE). */
	uint32_t acked;
	struct vcpu_io io;		/* the I/O request in flight (User VMs) */
	bool queued;			/* on its pCPU's run queue (sched.c) */
	bool yield;			/* leave the pCPU to another vCPU at the next exit */
	bool halt_on_entry;		/* enter in the HLT activity state (idle Service VM) */
	bool halt_if;			/* RFLAGS.IF at the HLT that blocked it (VCPU_BLOCK_HALT) */
	/** State VMX does not switch, kept here while another vCPU has the pCPU. */
	struct {
		uint64_t msrs[6];	/* STAR, LSTAR, CSTAR, FMASK, KERNEL_GS_BASE, TSC_AUX */
		uint64_t xcr0;
		uint64_t cr2;		/* the last page-fault address (SDM Vol. 3 §4.7) */
		uint64_t dr[4], dr6;	/* breakpoint addresses and status (DR7 is in the VMCS) */
		bool saved;
	} ctx;
	void *xsave_area;		/* one page, XSAVE format */
	void *virq;			/* vLAPIC glue (arch/x86/guest/virq.c), virt_irq VMs */
};

#define VCPU_REQ_INIT		(1U << 0)	/* an emulated INIT IPI */
#define VCPU_REQ_SIPI		(1U << 1)	/* an emulated STARTUP IPI (sipi_vector) */
#define VCPU_REQ_PAUSE		(1U << 2)	/* stop entering the guest; ack */
#define VCPU_REQ_RESUME		(1U << 3)	/* undo VCPU_REQ_PAUSE */
#define VCPU_REQ_RELEASE	(1U << 4)	/* VMCLEAR, leave the pCPU; ack */
#define VCPU_REQ_IOREQ_DONE	(1U << 5)	/* the device model completed io */
#define VCPU_REQ_FLUSH_EPT	(1U << 6)	/* the VM's EPT changed: INVEPT */
#define VCPU_REQ_RESET		(1U << 7)	/* reload the VM's start state */
#define VCPU_REQ_OFFLINE	(1U << 8)	/* Service VM vCPU: give up the pCPU */

#define VCPU_BLOCK_PAUSED	(1U << 0)
#define VCPU_BLOCK_IOREQ	(1U << 1)
#define VCPU_BLOCK_HALT		(1U << 2)
#define VCPU_BLOCK_OFFLINE	(1U << 3)
#define VCPU_BLOCK_SIPI		(1U << 4)	/* User VM AP: waits for INIT/SIPI */

struct vm {
	uint16_t id;
	char name[32];
	bool privileged;		/* the Service VM */
	bool test_hypercalls;		/* the built-in test guest */
	bool user_vm;			/* created by HC_CREATE_VM (common/user_vm.c) */
	int8_t sched_rank;		/* User VM: SCHED_RANK_* of its class (sched.h) */
	bool hv_tick;			/* its vCPUs give the hypervisor periodic turns (10 ms) */
	bool lapic_passthrough;		/* owns the physical LAPIC: no HLT or interrupt exits */
	bool virt_irq;			/* virtual LAPIC/IOAPIC/PIC (arch/x86/guest/virq.h) */
	void *virq;			/* their state, set by virq_vm_init() */
	uint8_t *io_bitmap[2];		/* NULL: every port access exits */
	uint8_t *msr_bitmap;		/* NULL: every MSR access exits */
	struct pgtable ept;
	const struct vm_ops *ops;
	void *priv;
	uint32_t vcpu_count;
	struct vcpu *vcpus[MAX_VCPUS_PER_VM];
};

/** Create an empty VM (EPT root allocated, no memory mapped). NULL on failure. */
struct vm *vm_create(const char *name, const struct vm_ops *ops, void *priv);

/** The VM with this id, or NULL. */
struct vm *vm_get(uint16_t id);

/** Free the VM, its vCPUs and its EPT (not the guest memory it maps). */
void vm_destroy(struct vm *vm);

/** Map guest-physical [gpa, gpa+size) to host-physical hpa in the VM's EPT. */
int vm_map(struct vm *vm, uint64_t gpa, uint64_t hpa, uint64_t size, uint32_t prot);

/**
 * Remove guest-physical [gpa, gpa+size) from the VM's EPT and, when devices
 * are assigned to it, from its DMA domain (IOTLB flushed before returning,
 * so the memory can go back to the Service VM).  The caller flushes the EPT
 * of running vCPUs (VCPU_REQ_FLUSH_EPT).
 */
int vm_unmap(struct vm *vm, uint64_t gpa, uint64_t size);

/** Copy between hypervisor memory and guest-physical memory; -EFAULT if unmapped. */
int vm_copy_from_gpa(struct vm *vm, void *dst, uint64_t gpa, size_t len);
int vm_copy_to_gpa(struct vm *vm, uint64_t gpa, const void *src, size_t len);

/** Create a vCPU and its VMCS, initialised from st, for running on this pCPU. */
struct vcpu *vcpu_create(struct vm *vm, const struct vcpu_boot_state *st);

/**
 * Allocate a vCPU (and its VMCS page) that will run on @p pcpu; its VMCS is
 * set up there later by vcpu_init_vmcs().  NULL when out of memory or slots.
 */
struct vcpu *vcpu_alloc(struct vm *vm, uint32_t pcpu);

/**
 * Switch the pCPU's guest-visible state that VMX leaves alone (syscall
 * MSRs, XCR0 and the x87/SSE/AVX registers) from @p prev (may be NULL) to
 * @p next.  A vCPU that never ran starts from the reset values.
 */
void vcpu_switch_context(struct vcpu *prev, struct vcpu *next);

/** Make the vCPU's VMCS current on this pCPU and initialise it from st. @return 0 or -EIO. */
int vcpu_init_vmcs(struct vcpu *v, const struct vcpu_boot_state *st);

/** VMCLEAR the vCPU's VMCS (on the pCPU that used it) and free it with the vCPU. */
void vcpu_release(struct vcpu *v);

/** Fill st with a flat 32-bit protected-mode state, paging off (CS 0x10, DS 0x18). */
void vcpu_boot_state_protected(struct vcpu_boot_state *st, uint64_t rip);

/** Reset st to the real-mode state a SIPI with this vector starts (SDM §8.4.4.1). */
void vcpu_boot_state_sipi(struct vcpu_boot_state *st, uint8_t vector);

/** Load the architectural state st into the current vCPU's VMCS. */
void vcpu_load_state(struct vcpu *v, const struct vcpu_boot_state *st);

/** Fill st with a flat 64-bit long-mode state (CS 0x08, DS 0x10, TR 0x18). */
void vcpu_boot_state_long_mode(struct vcpu_boot_state *st, uint64_t rip, uint64_t rsp, uint64_t cr3);

/** Run the vCPU on the current pCPU until it stops. */
void vcpu_run(struct vcpu *v);

/** Stop the vCPU with a reason (it returns from vcpu_run()). */
void vcpu_stop(struct vcpu *v, const char *reason);

/** Advance the guest RIP past the instruction that exited. */
void vcpu_skip_instruction(struct vcpu *v);

/** Queue a hardware exception for the next VM entry. */
void vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_errcode, uint32_t errcode);

/**
 * Post a request (VCPU_REQ_*) to a vCPU; it is handled before its next
 * entry.  A pCPU idling for its User VM vCPUs is kicked (vcpu_kick()).
 */
void vcpu_make_request(struct vcpu *v, uint32_t req);

/**
 * Bring the VMX-preemption timer of @p v (its VMCS current) forward so that
 * it expires by TSC @p deadline; 0 or a later deadline leaves it alone.
 */
void vcpu_timer_deadline(struct vcpu *v, uint64_t deadline);

/** Act on posted requests (runs on the vCPU's pCPU with its VMCS loaded). */
void vcpu_handle_requests(struct vcpu *v);

/** Log the first this-many exits of every vCPU (option trace_exits=N). */
extern uint32_t vmexit_trace_limit;

/** The next VPID vcpu_alloc() hands out (option vpid_first); 0 is never handed out. */
void vcpu_set_next_vpid(uint16_t vpid);

/** Dispatch one VM exit.  Defined in arch/x86/vmx/vmexit.c. */
void vmexit_handle(struct vcpu *v);
/**
 * The vCPU cannot continue (triple fault, failed VM entry, unhandled exit):
 * a User VM's device model gets a reset request (0xCF9 <- 0x06) and the
 * vCPU waits for it; any other vCPU stops.  VMCS of v current.
 */
void vmexit_fatal(struct vcpu *v, const char *why);

/** Periodic hypervisor work on a pCPU running v (console shell, watchdog). */
void hv_tick(struct vcpu *v);

/** Handle VMCALL.  Defined in common/hypercall.c. */
void hypercall_handle(struct vcpu *v);

#endif /* COMMON_VM_H */

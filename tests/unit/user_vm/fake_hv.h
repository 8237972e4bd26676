/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file fake_hv.h
 * Host fakes for everything hypervisor/common/user_vm.c reaches outside
 * itself, so the hypercalls run unchanged in a unit test or a fuzzer.
 *
 * What is real: user_vm.c, common/vm.c (VM objects, guest-memory copies
 * through the EPT), lib/pgtable.c (the EPTs) and lib/sprintf.c.
 *
 * What is faked here:
 *  - the page allocator (4 KiB host pages, counted, with fault injection);
 *  - a Service VM (VM 0, privileged) whose guest-physical memory is a host
 *    buffer mapped identity (GPA == HPA == host address) in its real EPT,
 *    plus one read-only page, and a fake e820 for service_vm_ram_ok() that
 *    lists that buffer as RAM and a "hypervisor" buffer as reserved;
 *  - vCPU allocation (pages as the real vcpu_alloc), VMCS set-up (records
 *    the start state it was given), requests (as the real
 *    vcpu_make_request: a bit in v->requests);
 *  - the partitioned scheduler: run queues and dedicated pCPUs, and a pCPU
 *    model, fake_pcpu_run(), that does what sched_loop() + vcpu_run() +
 *    vcpu_handle_requests() do with posted requests (release, pause,
 *    resume, reset, I/O completion) without entering a guest.  udelay()
 *    lets every pCPU that is not "stuck" take one turn, so the hypercalls'
 *    wait for an acknowledgement completes as it would on hardware;
 *    sched_local_request() acts at once, as for a vCPU that shares the
 *    caller's pCPU;
 *  - this_cpu(): the host thread's GS base points at per_cpu_data[0] (the
 *    hypercalls come from Service VM vCPU 0 on pCPU 0);
 *  - the virtual interrupt controllers (arch/x86/guest/virq.h): struct
 *    fake_virq records every call and its arguments and says what each
 *    function returns.  virq_vm_init() keeps the real contract (-EINVAL
 *    without vm->virt_irq or when already initialised) and allocates one
 *    page, so the page count catches a VM whose controllers are leaked;
 *    virq_vcpu_init() needs them (-EINVAL otherwise) and marks v->virq;
 *    virq_vm_deinit() frees the page and clears every vCPU's v->virq.
 *    By default nothing is claimed (virq_pio/virq_mmio: -ENOENT) and
 *    nothing is pending, so every access is forwarded as before;
 *  - INIT and SIPI requests as vcpu_handle_requests() handles them for a
 *    User VM (INIT: wait for SIPI, VCPU_BLOCK_SIPI; SIPI: unblock), and
 *    the scheduler's wake-up of a vCPU blocked only by VCPU_BLOCK_HALT
 *    when virq_pending() (common/sched.c wants_cpu());
 *  - printk and panic (weak: a binary with the real common/log.c uses
 *    that one), udelay, service_vm_upcall, mmio_emulate, vmsr_setup_user_vm,
 *    vmcs_read/vmcs_write, vmcs_end_intr_shadow, per_cpu_data, pcpu_count.
 */
#ifndef TESTS_USER_VM_FAKE_HV_H
#define TESTS_USER_VM_FAKE_HV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct vcpu;
struct vcpu_boot_state;

/** Size of the Service VM's RAM buffer (GPA == host address). */
#define FAKE_SOS_RAM_SIZE	(8UL << 20)
/** Size of the "hypervisor" range the fake e820 marks reserved. */
#define FAKE_HV_RES_SIZE	(2UL << 20)
/** Service VM vCPUs (one per pCPU 0..FAKE_PCPUS-1). */
#define FAKE_PCPUS		4U

/** The fake platform: set up by fake_hv_init(), torn down by fake_hv_fini(). */
struct fake_hv {
	uint8_t *sos_ram;	/**< Service VM RAM, FAKE_SOS_RAM_SIZE, 2 MiB aligned */
	uint8_t *hv_res;	/**< reserved in the e820, not mapped for the Service VM */
	uint8_t *ro_page;	/**< one page mapped read-only for the Service VM */
	struct vm *sos;		/**< the Service VM (VM 0) */
	struct vcpu *caller;	/**< its vCPU 0, the hypercall caller */
};

extern struct fake_hv fake;

/**
 * Build the fake platform: fresh page accounting, Service VM with
 * FAKE_PCPUS vCPUs (vCPU i on pCPU i, APIC id 2*i + 1 for i > 0, 0 for the
 * BSP), no pCPU dedicated.  @return 0 or -1.
 */
int fake_hv_init(void);

/** Destroy every remaining VM and free the fake platform's buffers. */
void fake_hv_fini(void);

/** Guest-physical address (== host address) of byte @p off of Service VM RAM. */
uint64_t fake_sos_gpa(size_t off);

/** Host pointer to byte @p off of Service VM RAM. */
void *fake_sos_ptr(size_t off);

/** Pages handed out by page_alloc() and not yet freed. */
long fake_pages_outstanding(void);

/** Make the n-th next page_alloc() (1 = the next one) fail; 0 disables. */
void fake_page_fail_at(unsigned n);

/** Fail every page_alloc() after @p n more succeed; -1 disables. */
void fake_page_limit(long n);

/** Run one scheduler pass on pCPU @p pcpu (see file comment). */
void fake_pcpu_run(uint32_t pcpu);

/** Make this_cpu()/this_cpu_id() (%gs:0) return pCPU @p pcpu from now on. */
void fake_set_this_cpu(uint32_t pcpu);

/** Run one pass on every pCPU that is not stuck. */
void fake_pcpus_run(void);

/** A stuck pCPU never acknowledges anything (udelay() skips it). */
void fake_pcpu_set_stuck(uint32_t pcpu, bool stuck);

/** True when @p v is on its pCPU's run queue. */
bool fake_in_runq(const struct vcpu *v);

/** Take @p v off every run queue (without touching it: it may be freed). */
void fake_sched_forget(const struct vcpu *v);

/** Number of vCPUs on the run queue of @p pcpu. */
unsigned fake_runq_len(uint32_t pcpu);

/** Times the fake pCPU let @p v "enter the guest" (runnable with a VMCS). */
unsigned fake_vcpu_entries(const struct vcpu *v);

/** vcpu_init_vmcs() calls for @p v, and the state of the last one (NULL if none). */
unsigned fake_vcpu_vmcs_inits(const struct vcpu *v);
const struct vcpu_boot_state *fake_vcpu_last_state(const struct vcpu *v);

/** vcpu_skip_instruction() calls for @p v. */
unsigned fake_vcpu_skips(const struct vcpu *v);

/** service_vm_upcall() calls since fake_hv_init(). */
unsigned fake_upcalls(void);

/** udelay() calls since fake_hv_init(). */
unsigned long fake_udelay_calls(void);

/** mmio_emulate(): calls so far, last arguments, and the value it returns. */
struct fake_mmio {
	unsigned calls;
	struct vcpu *v;
	uint64_t gpa;
	bool is_write;
	int ret;
};
extern struct fake_mmio fake_mmio;

/** vcpu_string_io_finish() (mmio_emul.c) calls: the last vCPU and value; ret is returned. */
struct fake_string_io {
	unsigned calls;
	struct vcpu *v;
	uint32_t val;
	int ret;
};
extern struct fake_string_io fake_string_io;

/** Set the value vmcs_read() returns for field encoding @p f. */
void fake_vmcs_set(uint32_t f, uint64_t v);

/** Value vcpu_init_vmcs() returns (0 by default). */
extern int fake_vmcs_init_ret;

/** vmcs_end_intr_shadow() calls since fake_hv_init(). */
unsigned fake_intr_shadow_ends(void);

/**
 * The fake virtual interrupt controllers (virq.h).  fake_hv_init() zeroes
 * it: every call succeeds, nothing is claimed or pending.  Tests set the
 * knobs, then read the counters and last arguments.
 */
struct fake_virq {
	/* Knobs */
	int vm_init_ret;		/**< != 0: virq_vm_init() fails with it, allocates nothing */
	unsigned vcpu_init_fail_at;	/**< n-th next virq_vcpu_init() (1 = next) fails; 0 never */
	int vcpu_init_err;		/**< ... with this value (-ENOMEM if 0) */
	bool pending;			/**< a maskable interrupt is pending (virq_pending()) */
	bool nmi;			/**< an NMI is pending: wakes a HLT even with IF = 0 */
	bool pio_claim;			/**< virq_pio() handles port pio_port */
	uint16_t pio_port;
	uint32_t pio_read_val;		/**< value a claimed IN returns */
	bool mmio_claim;		/**< virq_mmio() handles [mmio_base, mmio_base + mmio_size) */
	uint64_t mmio_base, mmio_size;
	uint64_t mmio_read_val;		/**< value a claimed MMIO read returns */
	int irqline_ret;		/**< what virq_set_irqline() returns */
	int msi_ret;			/**< what virq_inject_msi() returns */

	/* Calls since fake_hv_init() */
	unsigned vm_inits;		/**< virq_vm_init() calls that succeeded */
	unsigned vm_init_calls;		/**< all virq_vm_init() calls */
	unsigned vm_deinits;		/**< virq_vm_deinit() calls (with or without controllers) */
	unsigned vcpu_inits;		/**< virq_vcpu_init() calls that succeeded */
	unsigned vcpu_init_calls;
	unsigned pio_calls, pio_claimed;
	unsigned mmio_calls, mmio_claimed;
	unsigned pending_calls;
	unsigned irqline_calls, msi_calls;

	/* Last arguments */
	struct vm *vm_init_vm, *vm_deinit_vm;
	struct vcpu *pio_vcpu, *mmio_vcpu, *pending_vcpu;
	uint16_t pio_last_port;
	unsigned pio_last_size;
	bool pio_last_write;
	uint32_t pio_last_val;		/**< *val on entry (the value of a write) */
	uint64_t mmio_last_gpa;
	unsigned mmio_last_size;
	bool mmio_last_write;
	uint64_t mmio_last_val;
	struct vm *irqline_vm;
	uint32_t irqline_gsi, irqline_op;
	bool irqline_logical;		/**< last call was virq_set_gsi_asserted() (op HIGH = asserted) */
	struct vm *msi_vm;
	uint64_t msi_addr, msi_data;
};
extern struct fake_virq fake_virq;

/**
 * The physical IOAPIC pins as ioapic_set_gsi_masked() left them: bit n set =
 * GSI n masked; GSIs from FAKE_IOAPIC_PINS on are refused (-EINVAL).
 */
#define FAKE_IOAPIC_PINS	24U
extern uint32_t fake_ioapic_masked;
/** Make @p pcpu shared with the Service VM again (sched_is_dedicated() false). */
void fake_sched_set_shared(uint32_t pcpu);
/** Calls of ioapic_set_gsi_masked() since fake_hv_init(). */
extern unsigned fake_ioapic_calls;

/* sched_idle_stats() returns these (per pCPU). */
extern uint64_t fake_idle_halts[], fake_idle_kicks[];

/** True when @p vm has fake controllers (virq_vm_init() succeeded, no deinit since). */
bool fake_virq_vm_live(const struct vm *vm);

/** SIPIs (VCPU_REQ_SIPI while waiting for one) the fake pCPUs carried out for @p v. */
unsigned fake_vcpu_sipis(const struct vcpu *v);

/** Lines printk() was called for since fake_hv_init(). */
unsigned fake_log_lines(void);
/** The last line printk() formatted ("" before any). */
const char *fake_log_last(void);

/** When true, printk() also prints to stderr (env USER_VM_VERBOSE sets it). */
extern bool fake_log_verbose;

#endif /* TESTS_USER_VM_FAKE_HV_H */

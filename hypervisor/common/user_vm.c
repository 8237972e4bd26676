/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * User VMs and the hypercalls that manage them.
 *
 * Life cycle: CREATED (HC_CREATE_VM; vCPUs allocated, pinned to pCPUs, no
 * VMCS yet) → RUNNING (HC_START_VM; the vCPUs join their pCPUs' run queues,
 * which build each VMCS from the start state) ⇄ PAUSED (HC_PAUSE_VM /
 * HC_START_VM) → CREATED again by HC_RESET_VM; HC_DESTROY_VM from any state.
 * Changes to a running vCPU are requests that its own pCPU carries out
 * before the next VM entry; pause and release are acknowledged, so when a
 * hypercall returns no vCPU of the VM is in guest mode or holds a VMCS.
 *
 * I/O: an access the hypervisor does not emulate becomes a request in the
 * vCPU's slot of the IOREQ page (a Service VM page) — PENDING, then the
 * upcall; the vCPU waits (VCPU_BLOCK_IOREQ) until HC_NOTIFY_REQUEST_FINISH
 * finds the slot COMPLETE.  The slot is shared with the Service VM, so it is
 * read once into a local copy and validated before use.
 */
#define pr_fmt(fmt) "uos: " fmt
#include <common/user_vm.h>
#include <common/service_vm.h>
#include <common/ptdev.h>
#include <common/sched.h>
#include <common/vm.h>
#include <common/log.h>
#include <common/page_alloc.h>
#include <arch/x86/guest/mmio_emul.h>
#include <arch/x86/guest/vmsr.h>
#include <arch/x86/guest/virq.h>
#include <arch/x86/vmx/vmx.h>
#include <arch/x86/per_cpu.h>
#include <arch/x86/spinlock.h>
#include <arch/x86/timer.h>
#include <arch/x86/cpu.h>
#include <public/acrn_common.h>
#include <lib/errno.h>
#include <lib/string.h>
#include <lib/util.h>
#include <lib/sprintf.h>

enum uos_state { UOS_CREATED, UOS_RUNNING, UOS_PAUSED };

struct uos {
	enum uos_state state;
	uint8_t uuid[16];
	struct acrn_hc_io_request_buffer *ioreq;	/* NULL until HC_SET_IOREQ_BUFFER */
	struct vcpu_boot_state start[MAX_VCPUS_PER_VM];
	/* Forwarded requests completed, and their TSC sums: request posted →
	 * NOTIFY_REQUEST_FINISH (the Service VM's part), NOTIFY → consumed. */
	uint64_t io_n, io_to_notify, io_notify_to_done;
	/* For the lifetime report: when it was created, on which pCPUs, and
	 * their idle counters (sched_idle_stats()) by then. */
	uint64_t created_tsc, pcpu_mask, idle_halts_at_create[MAX_PCPUS],
		 idle_kicks_at_create[MAX_PCPUS];
};

/* Round trips a VM must have made for its statistics to be printed at destroy. */
#define IO_STATS_MIN	100

_Static_assert(sizeof(struct uos) <= PAGE_SIZE, "struct uos must fit in a page");

/*
 * Serialises the management hypercalls (they come from any Service VM
 * vCPU), so none can free a VM another is using.  Held by the dispatcher.
 */
static spinlock_t uos_lock = SPINLOCK_INIT;

void user_vm_lock(void)
{
	uint32_t me = __atomic_fetch_add(&uos_lock.next, 1, __ATOMIC_ACQUIRE);

	/* The holder may be waiting for a User VM vCPU of this very pCPU to
	 * acknowledge a pause or release: do that while waiting our turn. */
	while (__atomic_load_n(&uos_lock.owner, __ATOMIC_ACQUIRE) != me) {
		sched_serve_local_requests();
		cpu_relax();
	}
}

void user_vm_unlock(void)
{
	spin_unlock(&uos_lock);
}
static unsigned uos_count;

/* Highest guest-physical address a User VM may have: 512 GiB. */
#define UOS_GPA_LIMIT	(1ULL << 39)
#define LAPIC_GPA	0xFEE00000ULL
#define IOAPIC_GPA	0xFEC00000ULL

#define ACK_TIMEOUT_US	1000000U

unsigned user_vm_count(void)
{
	return __atomic_load_n(&uos_count, __ATOMIC_RELAXED);
}

static struct uos *uos_of(struct vm *vm)
{
	return vm->priv;
}

/* The User VM @vmid, or NULL (never the Service VM or a test VM). */
static struct vm *find_uos(uint64_t vmid)
{
	struct vm *vm;

	if (vmid >= MAX_VMS)
		return NULL;
	vm = vm_get((uint16_t)vmid);
	return vm != NULL && vm->user_vm ? vm : NULL;
}

/* ------------------------------------------------------------------ */
/* I/O forwarding                                                      */

static struct acrn_hc_io_request *slot_of(struct vcpu *v)
{
	return &uos_of(v->vm)->ioreq->req_slot[v->id];
}

/*
 * Post the access in v->io.cur to the vCPU's slot.  The hypervisor owns a
 * slot while it is FREE; the PENDING store publishes it (release order), so
 * the Service VM never sees a half-written request.
 */
static int ioreq_send(struct vcpu *v, uint32_t type)
{
	struct uos *u = uos_of(v->vm);
	struct acrn_hc_io_request *slot;
	uint32_t state;

	if (u->ioreq == NULL) {
		pr_err("VM %s vCPU %u: I/O at %#lx with no IOREQ buffer", v->vm->name, v->id,
		       v->io.cur.addr);
		return -EIO;
	}
	slot = slot_of(v);
	state = __atomic_load_n(&slot->processed, __ATOMIC_ACQUIRE);
	/* COMPLETE while the vCPU waits for nothing: the device model finished
	 * a request the VM's reset had already dropped.  It is done with the
	 * slot, which is the vCPU's again.  PENDING or PROCESSING: it may still
	 * write there, so the vCPU cannot go on. */
	if (state == ACRN_HC_IOREQ_STATE_COMPLETE) {
		pr_warn("VM %s vCPU %u: stale completion in its IOREQ slot (after a reset?): reused",
			v->vm->name, v->id);
	} else if (state != ACRN_HC_IOREQ_STATE_FREE) {
		pr_err("VM %s vCPU %u: IOREQ slot busy (state %u)", v->vm->name, v->id, state);
		return -EIO;
	}
	memset(&slot->reqs, 0, sizeof(slot->reqs));
	slot->type = type;
	slot->completion_polling = 0;
	slot->kernel_handled = 0;
	if (type == ACRN_HC_IOREQ_TYPE_PORTIO) {
		slot->reqs.pio_request.direction = v->io.cur.write ? ACRN_HC_IOREQ_DIR_WRITE :
								     ACRN_HC_IOREQ_DIR_READ;
		slot->reqs.pio_request.address = v->io.cur.addr;
		slot->reqs.pio_request.size = v->io.cur.size;
		slot->reqs.pio_request.value = (uint32_t)v->io.cur.value;
	} else {
		slot->reqs.mmio_request.direction = v->io.cur.write ? ACRN_HC_IOREQ_DIR_WRITE :
								      ACRN_HC_IOREQ_DIR_READ;
		slot->reqs.mmio_request.address = v->io.cur.addr;
		slot->reqs.mmio_request.size = v->io.cur.size;
		slot->reqs.mmio_request.value = v->io.cur.value;
	}
	v->io.type = type;
	v->io.t_sent = rdtsc();
	v->io.t_notified = 0;
	v->blocked |= VCPU_BLOCK_IOREQ;
	__atomic_store_n(&slot->processed, ACRN_HC_IOREQ_STATE_PENDING, __ATOMIC_RELEASE);
	service_vm_upcall();
	return -EINPROGRESS;
}

#define UOS_PORT_IO_DELAY	0x80U

static int uos_pio(struct vcpu *v, uint16_t port, unsigned size, bool write, uint32_t *val)
{
	/* The vPIC and ELCR are the hypervisor's own. */
	if (virq_pio(v, port, size, write, val) == 0)
		return 0;
	/* Port 0x80 (POST codes; Linux's I/O delay after each outb_p/inb_p):
	 * nothing there, so no trip to the device model: writes vanish, reads
	 * float high. */
	if (port == UOS_PORT_IO_DELAY) {
		if (!write)
			*val = size == 4 ? 0xFFFFFFFFU : (1U << (size * 8)) - 1;
		return 0;
	}
	v->io.cur = (struct vcpu_io_access){ port, write ? *val : 0, (uint8_t)size, write };
	return ioreq_send(v, ACRN_HC_IOREQ_TYPE_PORTIO);
}

/*
 * MMIO the instruction emulator asks for.  Accesses already completed for
 * this instruction are replayed in order; the first new one is forwarded,
 * and the instruction is emulated again when it completes.
 */
static int uos_mmio(struct vcpu *v, uint64_t gpa, unsigned size, bool write, uint64_t *val)
{
	struct vcpu_io *io = &v->io;

	/* The vLAPIC and vIOAPIC pages: the hypervisor's fast path. */
	if (virq_mmio(v, gpa, size, write, val) == 0)
		return 0;
	if (io->replay < io->n_done) {
		struct vcpu_io_access *d = &io->done[io->replay];

		if (d->addr == gpa && d->size == size && d->write == write &&
		    (!write || d->value == *val)) {
			if (!write)
				*val = d->value;
			io->replay++;
			return 0;
		}
		/* The instruction changed under us (guest memory rewritten by
		 * another vCPU): start its accesses afresh. */
		io->n_done = 0;
		io->replay = 0;
	}
	if (io->n_done >= ARRAY_SIZE(io->done))
		return -EIO;
	io->cur = (struct vcpu_io_access){ gpa, write ? *val : 0, (uint8_t)size, write };
	io->fault_gpa = vmcs_read(VMCS_GUEST_PHYS_ADDR);
	io->fault_write = (vmcs_read(VMCS_EXIT_QUALIFICATION) & 2) != 0;
	return ioreq_send(v, ACRN_HC_IOREQ_TYPE_MMIO);
}

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

static void io_stats_note(struct uos *u, struct vcpu_io *io)
{
	uint64_t now = rdtsc();

	if (io->t_notified >= io->t_sent && io->t_sent != 0 && now >= io->t_notified) {
		__atomic_fetch_add(&u->io_n, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&u->io_to_notify, io->t_notified - io->t_sent, __ATOMIC_RELAXED);
		__atomic_fetch_add(&u->io_notify_to_done, now - io->t_notified, __ATOMIC_RELAXED);
	}
	io->t_sent = io->t_notified = 0;
}

/*
 * The device model completed the request (on the vCPU's pCPU, VMCS
 * current).  The slot is copied once, then validated against what was
 * sent: a Service VM that rewrote the address or size is not believed.
 */
static void uos_ioreq_done(struct vcpu *v)
{
	struct acrn_hc_io_request copy;
	struct acrn_hc_io_request *slot;
	struct vcpu_io *io = &v->io;
	uint64_t value;
	int ret = 0;

	if (!(v->blocked & VCPU_BLOCK_IOREQ) || uos_of(v->vm)->ioreq == NULL)
		return;
	slot = slot_of(v);
	if (__atomic_load_n(&slot->processed, __ATOMIC_ACQUIRE) != ACRN_HC_IOREQ_STATE_COMPLETE)
		return;		/* not finished yet: a stray notification */
	memcpy(&copy, slot, sizeof(copy));
	__atomic_store_n(&slot->processed, ACRN_HC_IOREQ_STATE_FREE, __ATOMIC_RELEASE);
	v->blocked &= ~VCPU_BLOCK_IOREQ;
	io_stats_note(uos_of(v->vm), io);

	value = io->type == ACRN_HC_IOREQ_TYPE_PORTIO ? copy.reqs.pio_request.value :
							 copy.reqs.mmio_request.value;
	value &= size_mask(io->cur.size);
	if (io->type == ACRN_HC_IOREQ_TYPE_PORTIO) {
		if (io->str_active) {
			/* An INS/OUTS element: memory and registers (mmio_emul.c). */
			if (vcpu_string_io_finish(v, (uint32_t)value) != 0)
				vcpu_stop(v, "string I/O to an unmapped guest address");
			return;
		}
		if (!io->cur.write) {
			uint64_t *rax = &v->regs.gpr[GPR_RAX];

			/* As handle_io(): 8/16-bit IN keep the rest of RAX. */
			*rax = io->cur.size == 4 ? value :
			       (*rax & ~size_mask(io->cur.size)) | value;
		}
		vcpu_skip_instruction(v);
		return;
	}
	if (!io->cur.write)
		io->cur.value = value;
	io->done[io->n_done++] = io->cur;
	ret = mmio_emulate(v, io->fault_gpa, io->fault_write);
	if (ret != 0 && ret != -EINPROGRESS) {
		pr_err("VM %s vCPU %u: MMIO completion failed (%d)", v->vm->name, v->id, ret);
		vcpu_stop(v, "MMIO emulation failed");
	}
}

/* ------------------------------------------------------------------ */
/* vCPU start state and requests                                       */

/* The architectural state after RESET (SDM Vol. 3 §9.1.1): real mode at F000:FFF0. */
static void reset_state(struct vcpu_boot_state *st, bool bsp)
{
	vcpu_boot_state_sipi(st, 0);
	st->cs.sel = 0xF000;
	st->cs.base = 0xFFFF0000ULL;
	st->rip = 0xFFF0;
	/* APs wait, as after INIT, for a SIPI from the BSP (HLT, IF = 0). */
	if (!bsp)
		st->activity = VCPU_ACTIVITY_HLT;
}

static void uos_request(struct vcpu *v, uint32_t req)
{
	struct uos *u = uos_of(v->vm);

	if (req == VCPU_REQ_RESET) {
		memset(&v->io, 0, sizeof(v->io));
		/* An AP whose registers the device model did not set waits
		 * for the BSP's INIT/SIPI (reset_state()). */
		v->wait_sipi = u->start[v->id].activity != VCPU_ACTIVITY_ACTIVE;
		if (vcpu_init_vmcs(v, &u->start[v->id]) != 0)
			vcpu_stop(v, "VMCS set-up failed");
	}
}

/*
 * HLT: the vCPU leaves the pCPU until its interrupt controllers have
 * something for it (the scheduler asks virq_pending()) or a request such as
 * INIT arrives.  The HLT is skipped now, so the wake-up resumes after it; a
 * "STI; HLT" shadow must not hold the wake-up interrupt back.
 */
static int uos_hlt(struct vcpu *v)
{
	vmcs_end_intr_shadow();
	/* With IF = 0 only an NMI or INIT ends the HLT (SDM Vol. 3 §9.9). */
	v->halt_if = (vmcs_read(VMCS_GUEST_RFLAGS) & RFLAGS_IF) != 0;
	if (!virq_halt_wake(v, v->halt_if))
		v->blocked |= VCPU_BLOCK_HALT;
	return 0;
}

static const struct vm_ops uos_ops = {
	.pio = uos_pio,
	.mmio = uos_mmio,
	.hlt = uos_hlt,
	.ioreq_done = uos_ioreq_done,
	.request = uos_request,
};

/* Post req to every vCPU that a pCPU serves and wait for the acknowledgement. */
static int post_and_wait(struct vm *vm, uint32_t req)
{
	int ret = 0;

	for (uint32_t i = 0; i < vm->vcpu_count; i++) {
		struct vcpu *v = vm->vcpus[i];

		/* Only a queued vCPU has a pCPU to answer (and a VMCS to drop). */
		if (!v->queued) {
			__atomic_fetch_or(&v->acked, req, __ATOMIC_RELEASE);
			continue;
		}
		__atomic_fetch_and(&v->acked, ~req, __ATOMIC_ACQ_REL);
		/* A vCPU sharing the caller's pCPU cannot run while we wait. */
		if (v->pcpu == this_cpu_id())
			sched_local_request(v, req);
		else
			vcpu_make_request(v, req);
	}
	for (uint32_t i = 0; i < vm->vcpu_count; i++) {
		struct vcpu *v = vm->vcpus[i];
		uint32_t waited = 0;

		while (!(__atomic_load_n(&v->acked, __ATOMIC_ACQUIRE) & req)) {
			if (waited++ >= ACK_TIMEOUT_US) {
				pr_err("VM %s vCPU %u: pCPU %u did not acknowledge request %#x",
				       vm->name, v->id, v->pcpu, req);
				ret = -ETIMEDOUT;
				break;
			}
			udelay(1);
		}
	}
	return ret;
}

/* ------------------------------------------------------------------ */
/* Hypercalls                                                          */

/* Pick the pCPU of each vCPU: the set bits of the affinity, in order. */
static int assign_pcpus(uint64_t affinity, uint16_t vcpu_num, uint32_t *pcpus)
{
	uint16_t n = 0;

	if (affinity == 0) {
		for (uint32_t p = 0; p < pcpu_count; p++)
			if (sched_is_dedicated(p))
				affinity |= 1ULL << p;
	}
	for (uint32_t p = 0; p < MAX_PCPUS && n < vcpu_num; p++) {
		if (!(affinity & (1ULL << p)))
			continue;
		if (p >= pcpu_count)
			return -EINVAL;
		pcpus[n++] = p;		/* dedicated: partitioned; else shared with the Service VM */
	}
	return n == vcpu_num ? 0 : -EINVAL;
}

static void uos_free(struct vm *vm)
{
	struct uos *u = uos_of(vm);
	uint8_t *msr_bitmap = vm->msr_bitmap;

	ptdev_release_vm(vm);	/* its devices and pins go back first */
	virq_vm_deinit(vm);
	vm_destroy(vm);
	if (msr_bitmap != NULL)
		page_free(msr_bitmap);
	page_free(u);
}

int64_t hc_create_vm(struct vcpu *caller, uint64_t param_gpa)
{
	struct acrn_hc_vm_creation cv;
	uint32_t pcpus[MAX_VCPUS_PER_VM];
	struct uos *u;
	struct vm *vm;
	int ret;

	if (vm_copy_from_gpa(caller->vm, &cv, param_gpa, sizeof(cv)) != 0)
		return -EFAULT;
	if (cv.vcpu_num == 0 || cv.vcpu_num > MAX_VCPUS_PER_VM)
		return -EINVAL;
	if ((cv.vm_flag & ~ACRN_VM_FLAGS_KNOWN) != 0 || sched_rank_of_flags(cv.vm_flag) < 0)
		return -EINVAL;
	if (cv.ioreq_buf != 0 && ((cv.ioreq_buf & (PAGE_SIZE - 1)) != 0 ||
				  !service_vm_ram_ok(cv.ioreq_buf, PAGE_SIZE)))
		return -EINVAL;
	ret = assign_pcpus(cv.cpu_affinity, cv.vcpu_num, pcpus);
	if (ret != 0)
		return ret;

	u = page_alloc();
	if (u == NULL)
		return -ENOMEM;
	memset(u, 0, sizeof(*u));
	memcpy(u->uuid, cv.uuid, sizeof(u->uuid));
	for (uint16_t i = 0; i < cv.vcpu_num; i++)
		reset_state(&u->start[i], i == 0);
	if (cv.ioreq_buf != 0)
		u->ioreq = hpa2hva(cv.ioreq_buf);
	u->created_tsc = rdtsc();
	for (uint16_t i = 0; i < cv.vcpu_num; i++) {
		u->pcpu_mask |= 1ULL << pcpus[i];
		sched_idle_stats(pcpus[i], &u->idle_halts_at_create[pcpus[i]],
				 &u->idle_kicks_at_create[pcpus[i]]);
	}

	vm = vm_create("user-vm", &uos_ops, u);
	if (vm == NULL) {
		page_free(u);
		return -ENOMEM;
	}
	hv_snprintf(vm->name, sizeof(vm->name), "user-vm-%u", vm->id);
	vm->user_vm = true;
	vm->sched_rank = sched_rank_of_flags(cv.vm_flag);
	vm->hv_tick = true;	/* a running vCPU leaves guest mode at least every 10 ms */
	vm->virt_irq = true;	/* vLAPIC, vIOAPIC and vPIC in the hypervisor */
	if (vmsr_setup_user_vm(vm) != 0 || virq_vm_init(vm) != 0)
		goto nomem;
	for (uint16_t i = 0; i < cv.vcpu_num; i++) {
		struct vcpu *v = vcpu_alloc(vm, pcpus[i]);

		if (v == NULL || virq_vcpu_init(v) != 0)
			goto nomem;
	}
	uos_count++;

	if (u->ioreq != NULL)
		for (uint32_t i = 0; i < ACRN_HC_IO_REQUEST_MAX; i++)
			u->ioreq->req_slot[i].processed = ACRN_HC_IOREQ_STATE_FREE;
	cv.vmid = vm->id;
	if (vm_copy_to_gpa(caller->vm, param_gpa, &cv, sizeof(cv)) != 0) {
		hc_destroy_vm(caller, vm->id);
		return -EFAULT;
	}
	pr_info("VM %u created: %u vCPUs on pCPU mask %#lx, class %s", vm->id, cv.vcpu_num,
		cv.cpu_affinity, vm->sched_rank == SCHED_RANK_HIGH ? "high" :
		vm->sched_rank == SCHED_RANK_LOW ? "low" : "normal");
	return 0;
nomem:
	uos_free(vm);
	return -ENOMEM;
}

/*
 * Where a forwarded I/O round trip's time goes, averaged over the VM's life
 * (printed for VMs with at least IO_STATS_MIN round trips; under Bochs with
 * clock sync=none a TSC tick is one instruction, doc/performance.md).
 */
static void io_stats_print(struct vm *vm)
{
	struct uos *u = uos_of(vm);

	if (u->io_n < IO_STATS_MIN)
		return;
	pr_info("VM %u: %lu I/O requests forwarded; TSC average: request to NOTIFY %lu, NOTIFY to consumed %lu",
		vm->id, u->io_n, u->io_to_notify / u->io_n, u->io_notify_to_done / u->io_n);
	printk(LOG_INFO, "BENCH uos_ioreq_to_notify %lu instructions\n", u->io_to_notify / u->io_n);
	printk(LOG_INFO, "BENCH uos_notify_to_consumed %lu instructions\n", u->io_notify_to_done / u->io_n);
}

/*
 * How often the VM's pCPUs went idle (halted in the Service VM) during its
 * life, and how often another pCPU kicked them out of it for this or another
 * User VM (sched.c, idle_arm()).
 */
static void idle_stats_print(struct vm *vm)
{
	struct uos *u = uos_of(vm);
	char line[200];
	size_t n = 0;

	for (uint32_t p = 0; p < MAX_PCPUS && n < sizeof(line); p++) {
		uint64_t halts, kicks;

		if (!(u->pcpu_mask & (1ULL << p)))
			continue;
		sched_idle_stats(p, &halts, &kicks);
		n += (size_t)hv_snprintf(line + n, sizeof(line) - n, " pcpu%u %lu halts, %lu kicks;", p,
					 halts - u->idle_halts_at_create[p],
					 kicks - u->idle_kicks_at_create[p]);
	}
	pr_info("VM %u: lived %lu TSC ticks; idle:%s", vm->id, rdtsc() - u->created_tsc, line);
}

int64_t hc_destroy_vm(struct vcpu *caller, uint64_t vmid)
{
	struct vm *vm = find_uos(vmid);
	int ret;

	if (vm == NULL)
		return -EINVAL;
	ret = post_and_wait(vm, VCPU_REQ_RELEASE);
	if (ret != 0)
		return ret;	/* a pCPU still uses it: keep it rather than corrupt */
	uos_count--;
	pr_info("VM %u destroyed", vm->id);
	idle_stats_print(vm);
	io_stats_print(vm);
	uos_free(vm);
	return 0;
}

int64_t hc_start_vm(struct vcpu *caller, uint64_t vmid)
{
	struct vm *vm = find_uos(vmid);
	struct uos *u;

	if (vm == NULL)
		return -EINVAL;
	u = uos_of(vm);
	if (u->ioreq == NULL)
		return -EINVAL;		/* nobody could serve its I/O */
	if (u->state == UOS_RUNNING)
		return -EBUSY;
	if (vm->virq == NULL)
		return -ENOMEM;		/* a failed reset left it without controllers */
	if (u->state == UOS_PAUSED) {
		for (uint32_t i = 0; i < vm->vcpu_count; i++)
			vcpu_make_request(vm->vcpus[i], VCPU_REQ_RESUME);
	} else {
		for (uint32_t i = 0; i < vm->vcpu_count; i++) {
			struct vcpu *v = vm->vcpus[i];

			/* Not on any run queue: nothing else touches it now.
			 * APs wait for the BSP's INIT/SIPI off the pCPU. */
			v->blocked = u->start[i].activity == VCPU_ACTIVITY_ACTIVE ? 0 :
				     VCPU_BLOCK_SIPI;
			v->stopped = false;
			v->requests = 0;
			if (sched_attach(v) != 0) {
				/* Undo: the vCPUs queued so far leave again. */
				post_and_wait(vm, VCPU_REQ_RELEASE);
				return -EBUSY;
			}
		}
	}
	u->state = UOS_RUNNING;
	pr_info("VM %u started", vm->id);
	return 0;
}

int64_t hc_pause_vm(struct vcpu *caller, uint64_t vmid)
{
	struct vm *vm = find_uos(vmid);
	int ret;

	if (vm == NULL)
		return -EINVAL;
	if (uos_of(vm)->state != UOS_RUNNING)
		return uos_of(vm)->state == UOS_PAUSED ? 0 : -EINVAL;
	ret = post_and_wait(vm, VCPU_REQ_PAUSE);
	if (ret == 0)
		uos_of(vm)->state = UOS_PAUSED;
	return ret;
}

int64_t hc_reset_vm(struct vcpu *caller, uint64_t vmid)
{
	struct vm *vm = find_uos(vmid);
	struct uos *u;
	int ret;

	if (vm == NULL)
		return -EINVAL;
	u = uos_of(vm);
	if (u->state == UOS_RUNNING)
		return -EBUSY;		/* pause first, as ACRN requires */
	if (u->state == UOS_PAUSED) {
		/* Leave the pCPUs; the next start builds fresh VMCSs. */
		ret = post_and_wait(vm, VCPU_REQ_RELEASE);
		if (ret != 0)
			return ret;
	}
	for (uint32_t i = 0; i < vm->vcpu_count; i++)
		reset_state(&u->start[i], i == 0);
	/* Interrupt controllers as at power-on: new ones (no pCPU uses them now). */
	virq_vm_deinit(vm);
	ret = virq_vm_init(vm);
	for (uint32_t i = 0; ret == 0 && i < vm->vcpu_count; i++)
		ret = virq_vcpu_init(vm->vcpus[i]);
	/* The vCPUs are off their pCPUs either way: CREATED.  Without
	 * controllers it may not start; another reset may retry. */
	u->state = UOS_CREATED;
	if (ret != 0) {
		virq_vm_deinit(vm);
		return ret;
	}
	if (u->ioreq != NULL)
		for (uint32_t i = 0; i < ACRN_HC_IO_REQUEST_MAX; i++)
			u->ioreq->req_slot[i].processed = ACRN_HC_IOREQ_STATE_FREE;
	return 0;
}

/* A data segment as the mode implies (the ABI passes selectors only). */
static struct seg_state data_seg(uint16_t sel, bool real)
{
	if (real)
		return (struct seg_state){ sel, (uint64_t)sel << 4, 0xFFFF, 0x93 };
	return (struct seg_state){ sel, 0, 0xFFFFFFFFU, 0xC093 };
}

int64_t hc_set_vcpu_regs(struct vcpu *caller, uint64_t vmid, uint64_t param_gpa)
{
	struct vm *vm = find_uos(vmid);
	struct acrn_hc_vcpu_regs p;
	const struct acrn_hc_regs *r = &p.vcpu_regs;
	struct vcpu_boot_state *st;
	bool real;

	if (vm == NULL)
		return -EINVAL;
	if (uos_of(vm)->state == UOS_RUNNING)
		return -EBUSY;
	if (vm_copy_from_gpa(caller->vm, &p, param_gpa, sizeof(p)) != 0)
		return -EFAULT;
	if (p.vcpu_id >= vm->vcpu_count)
		return -EINVAL;
	/* Architectural rules VM entry would refuse anyway (SDM §27.3.1.1). */
	if ((r->cr0 & CR0_PG) && !(r->cr0 & CR0_PE))
		return -EINVAL;
	if ((r->ia32_efer & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)) != 0 ||
	    ((r->ia32_efer & EFER_LMA) && !(r->cr0 & CR0_PG)))
		return -EINVAL;
	if ((r->cr4 & CR4_VMXE) || r->cs_limit == 0)
		return -EINVAL;

	st = &uos_of(vm)->start[p.vcpu_id];
	memset(st, 0, sizeof(*st));
	memcpy(st->gpr, &r->gprs, sizeof(st->gpr));
	st->rsp = r->gprs.rsp;
	st->rip = r->rip;
	st->rflags = r->rflags | 0x2;
	st->cr0 = r->cr0;
	st->cr3 = r->cr3;
	st->cr4 = r->cr4;
	st->efer = r->ia32_efer;
	st->gdt_base = r->gdt.base;
	st->gdt_limit = r->gdt.limit;
	st->idt_base = r->idt.base;
	st->idt_limit = r->idt.limit;
	real = !(r->cr0 & CR0_PE);
	st->cs = (struct seg_state){ r->cs_sel, r->cs_base, r->cs_limit, r->cs_ar };
	st->ss = data_seg(r->ss_sel, real);
	st->ds = data_seg(r->ds_sel, real);
	st->es = data_seg(r->es_sel, real);
	st->fs = data_seg(r->fs_sel, real);
	st->gs = data_seg(r->gs_sel, real);
	st->tr = (struct seg_state){ r->tr_sel, 0, 0xFF, 0x8B };
	st->ldtr = (struct seg_state){ r->ldt_sel, 0, 0xFFFF, 0x82 };
	st->activity = VCPU_ACTIVITY_ACTIVE;
	return 0;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/*
 * One region operation, checked completely before anything changes.  Added
 * memory is Service VM RAM, or, uncached, MMIO of a memory BAR of a device
 * passed through to this VM (doc/passthrough.md, "BARs").
 */
static int check_region(const struct vm *vm, const struct acrn_hc_memory_region_op *r)
{
	uint32_t rights = r->attr & ACRN_HC_MEM_ACCESS_RIGHT_MASK;

	if (r->size == 0 || ((r->user_vm_pa | r->size) & (PAGE_SIZE - 1)) != 0 ||
	    r->user_vm_pa + r->size < r->user_vm_pa || r->user_vm_pa + r->size > UOS_GPA_LIMIT)
		return -EINVAL;
	if (r->type == ACRN_HC_MEM_REGION_DEL)
		return 0;
	if (r->type != ACRN_HC_MEM_REGION_ADD)
		return -EINVAL;
	if ((r->service_vm_pa & (PAGE_SIZE - 1)) != 0)
		return -EFAULT;
	if (!service_vm_ram_ok(r->service_vm_pa, r->size) &&
	    ((r->attr & ACRN_HC_MEM_TYPE_MASK) != ACRN_HC_MEM_TYPE_UC ||
	     !ptdev_mmio_ok(vm, r->service_vm_pa, r->size)))
		return -EFAULT;
	/* The interrupt controllers' pages belong to the hypervisor. */
	if (overlaps(r->user_vm_pa, r->size, LAPIC_GPA, PAGE_SIZE) ||
	    overlaps(r->user_vm_pa, r->size, IOAPIC_GPA, PAGE_SIZE))
		return -EINVAL;
	if (rights == 0 || ((rights & ACRN_HC_MEM_ACCESS_WRITE) && !(rights & ACRN_HC_MEM_ACCESS_READ)))
		return -EINVAL;
	return 0;
}

static uint32_t region_prot(uint32_t attr)
{
	uint32_t prot = PGT_LARGE_OK;

	if (attr & ACRN_HC_MEM_ACCESS_READ)
		prot |= PGT_R;
	if (attr & ACRN_HC_MEM_ACCESS_WRITE)
		prot |= PGT_W;
	if (attr & ACRN_HC_MEM_ACCESS_EXEC)
		prot |= PGT_X;
	switch (attr & ACRN_HC_MEM_TYPE_MASK) {
	case ACRN_HC_MEM_TYPE_UC:
		return prot | PGT_MT_UC;
	case ACRN_HC_MEM_TYPE_WC:
		return prot | PGT_MT_WC;
	case ACRN_HC_MEM_TYPE_WT:
		return prot | PGT_MT_WT;
	case ACRN_HC_MEM_TYPE_WP:
		return prot | PGT_MT_WP;
	default:
		return prot | PGT_MT_WB;
	}
}

int64_t hc_set_memory_regions(struct vcpu *caller, uint64_t param_gpa)
{
	/* Static: too big for the stack; the management lock guards it. */
	static struct acrn_hc_memory_region_op regions[ACRN_HC_MAX_REGIONS_PER_BATCH];
	struct acrn_hc_memory_region_batch b;
	struct vm *vm;
	int ret = 0;

	if (vm_copy_from_gpa(caller->vm, &b, param_gpa, sizeof(b)) != 0)
		return -EFAULT;
	vm = find_uos(b.vmid);
	if (vm == NULL || b.regions_num == 0 || b.regions_num > ACRN_HC_MAX_REGIONS_PER_BATCH)
		return -EINVAL;
	if (vm_copy_from_gpa(caller->vm, regions, b.regions_gpa,
			     b.regions_num * sizeof(regions[0])) != 0) {
		ret = -EFAULT;
		goto out;
	}
	for (uint32_t i = 0; i < b.regions_num && ret == 0; i++) {
		ret = check_region(vm, &regions[i]);
		if (ret != 0)
			pr_warn("VM %u: memory region %u refused (%d): %#lx+%#lx from %#lx",
				vm->id, i, ret, regions[i].user_vm_pa, regions[i].size,
				regions[i].service_vm_pa);
	}
	for (uint32_t i = 0; i < b.regions_num && ret == 0; i++) {
		const struct acrn_hc_memory_region_op *r = &regions[i];

		if (r->type == ACRN_HC_MEM_REGION_ADD)
			ret = vm_map(vm, r->user_vm_pa, r->service_vm_pa, r->size, region_prot(r->attr));
		else
			ret = vm_unmap(vm, r->user_vm_pa, r->size);
	}
	for (uint32_t i = 0; i < vm->vcpu_count; i++)
		if (vm->vcpus[i]->vmcs_ready)
			vcpu_make_request(vm->vcpus[i], VCPU_REQ_FLUSH_EPT);
out:
	return ret;
}

int64_t hc_set_ioreq_buffer(struct vcpu *caller, uint64_t vmid, uint64_t param_gpa)
{
	struct vm *vm = find_uos(vmid);
	struct acrn_hc_ioreq_buffer b;
	struct uos *u;

	if (vm == NULL)
		return -EINVAL;
	if (vm_copy_from_gpa(caller->vm, &b, param_gpa, sizeof(b)) != 0)
		return -EFAULT;
	if ((b.ioreq_buf & (PAGE_SIZE - 1)) != 0 || !service_vm_ram_ok(b.ioreq_buf, PAGE_SIZE)) {
		pr_warn("VM %u: IOREQ buffer %#lx is not a Service VM RAM page", vm->id, b.ioreq_buf);
		return -EINVAL;
	}
	u = uos_of(vm);
	if (u->state == UOS_RUNNING)
		return -EBUSY;
	u->ioreq = hpa2hva(b.ioreq_buf);
	for (uint32_t i = 0; i < ACRN_HC_IO_REQUEST_MAX; i++)
		u->ioreq->req_slot[i].processed = ACRN_HC_IOREQ_STATE_FREE;
	return 0;
}

int64_t hc_notify_request_finish(struct vcpu *caller, uint64_t vmid, uint64_t vcpu_id)
{
	struct vm *vm = find_uos(vmid);

	if (vm == NULL || vcpu_id >= vm->vcpu_count)
		return -EINVAL;
	vm->vcpus[vcpu_id]->io.t_notified = rdtsc();	/* published by the request */
	vcpu_make_request(vm->vcpus[vcpu_id], VCPU_REQ_IOREQ_DONE);
	return 0;
}

/* HC_SET_IRQLINE: a1 carries struct acrn_irqline_ops by value (gsi, op). */
int64_t hc_set_irqline(struct vcpu *caller, uint64_t vmid, uint64_t ops)
{
	struct vm *vm = find_uos(vmid);

	if (vm == NULL)
		return -EINVAL;
	return virq_set_irqline(vm, (uint32_t)ops, (uint32_t)(ops >> 32));
}

/* HC_INJECT_MSI: a1 is the GPA of a struct acrn_hc_msi_entry. */
int64_t hc_inject_msi(struct vcpu *caller, uint64_t vmid, uint64_t param_gpa)
{
	struct vm *vm = find_uos(vmid);
	struct acrn_hc_msi_entry m;

	if (vm == NULL)
		return -EINVAL;
	if (vm_copy_from_gpa(caller->vm, &m, param_gpa, sizeof(m)) != 0)
		return -EFAULT;
	return virq_inject_msi(vm, m.msi_addr, m.msi_data);
}

/*
 * HC_SERVICE_VM_OFFLINE_CPU: Linux has offlined the CPU (it idles in
 * play_dead), so its vCPU gives the pCPU up; the pCPU then serves User VMs.
 */
int64_t hc_offline_cpu(struct vcpu *caller, uint64_t apic_id)
{
	struct vm *sos = caller->vm;

	for (uint32_t i = 1; i < sos->vcpu_count; i++) {
		struct vcpu *v = sos->vcpus[i];

		if (per_cpu_data[v->pcpu].apic_id != apic_id)
			continue;
		if (sched_is_dedicated(v->pcpu))
			return 0;
		sched_set_dedicated(v->pcpu);
		vcpu_make_request(v, VCPU_REQ_OFFLINE);
		pr_info("Service VM vCPU %u offline: pCPU %u is for User VMs", v->id, v->pcpu);
		return 0;
	}
	return -EINVAL;		/* unknown APIC ID, or the boot CPU */
}


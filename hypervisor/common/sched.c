/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-pCPU scheduling loop (policies: include/common/sched.h).
 *
 * Picking order on each turn: the Service VM vCPU if it is runnable; else
 * the runnable User VM vCPU of the highest class, among equals the next
 * after the last one that ran (round robin, sched_pick_slot());
 * else, if the pCPU has a Service VM vCPU, that vCPU is entered in the HLT
 * activity state, so the pCPU idles in the guest and the Service VM's next
 * physical interrupt wakes it with no hypervisor involvement (with User VM
 * vCPUs on the pCPU, a kick IPI or the preemption timer ends the idle turn
 * too: idle_arm()); else (a dedicated pCPU with nothing runnable) the loop
 * polls.
 */
#define pr_fmt(fmt) "sched: " fmt
#include <common/sched.h>
#include <common/vm.h>
#include <common/log.h>
#include <arch/x86/vmx/vmx.h>
#include <arch/x86/guest/virq.h>
#include <arch/x86/per_cpu.h>
#include <arch/x86/spinlock.h>
#include <arch/x86/cpu.h>
#include <arch/x86/lapic.h>
#include <arch/x86/timer.h>
#include <common/page_alloc.h>
#include <lib/errno.h>

static struct vcpu *runq[MAX_PCPUS][SCHED_MAX_PER_PCPU];
static struct vcpu *service_vcpu[MAX_PCPUS];
static bool dedicated[MAX_PCPUS];
static spinlock_t runq_lock = SPINLOCK_INIT;

int sched_attach(struct vcpu *v)
{
	int ret = -EBUSY;

	if (v->pcpu >= MAX_PCPUS)
		return -EINVAL;
	spin_lock(&runq_lock);
	for (unsigned i = 0; i < SCHED_MAX_PER_PCPU; i++) {
		if (runq[v->pcpu][i] == NULL) {
			v->queued = true;
			__atomic_store_n(&runq[v->pcpu][i], v, __ATOMIC_RELEASE);
			ret = 0;
			break;
		}
	}
	spin_unlock(&runq_lock);
	return ret;
}

static void sched_detach(struct vcpu *v)
{
	spin_lock(&runq_lock);
	for (unsigned i = 0; i < SCHED_MAX_PER_PCPU; i++)
		if (runq[v->pcpu][i] == v)
			__atomic_store_n(&runq[v->pcpu][i], NULL, __ATOMIC_RELEASE);
	v->queued = false;
	spin_unlock(&runq_lock);
}

void sched_set_dedicated(uint32_t pcpu)
{
	if (pcpu < MAX_PCPUS)
		__atomic_store_n(&dedicated[pcpu], true, __ATOMIC_RELEASE);
}

bool sched_is_dedicated(uint32_t pcpu)
{
	return pcpu < MAX_PCPUS && __atomic_load_n(&dedicated[pcpu], __ATOMIC_ACQUIRE);
}

/*
 * Runnable, or holding requests that need its pCPU (pause acks, completions).
 * A halted vCPU of a VM with virtual interrupt controllers becomes runnable
 * when they have something to deliver (an expired vLAPIC timer included).
 * Called on v's own pCPU, the only one that changes v->blocked.
 */
static bool wants_cpu(struct vcpu *v)
{
	if (__atomic_load_n(&v->requests, __ATOMIC_ACQUIRE) != 0)
		return true;
	if (v->stopped)
		return false;
	if (v->blocked == VCPU_BLOCK_HALT && v->vm->virt_irq && virq_halt_wake(v, v->halt_if))
		v->blocked = 0;
	return v->blocked == 0;
}

bool sched_uos_runnable(uint32_t pcpu)
{
	for (unsigned i = 0; i < SCHED_MAX_PER_PCPU; i++) {
		struct vcpu *v = __atomic_load_n(&runq[pcpu][i], __ATOMIC_ACQUIRE);

		if (v != NULL && wants_cpu(v))
			return true;
	}
	return false;
}

bool sched_has_uos(uint32_t pcpu)
{
	for (unsigned i = 0; pcpu < MAX_PCPUS && i < SCHED_MAX_PER_PCPU; i++)
		if (__atomic_load_n(&runq[pcpu][i], __ATOMIC_ACQUIRE) != NULL)
			return true;
	return false;
}

/* An interrupt waits in the physical LAPIC's IRR (SDM Vol. 3 §11.8.4): the Service VM's. */
static bool lapic_irr_pending(void)
{
	for (uint32_t i = 0; i < 8; i++)
		if (lapic_read(0x200 + i * 0x10) != 0)
			return true;
	return false;
}

/*
 * Idle on a pCPU shared by the Service VM and User VMs.  The pCPU halts in
 * the Service VM (its vCPU entered in the HLT activity state), exactly as on
 * a pCPU without User VMs, so an idle pCPU costs nothing -- no PAUSE loop in
 * the hypervisor burning a core (or, in an emulator, the other CPU's share).
 * What can make a User VM vCPU of this pCPU runnable while it halts:
 *  - the Service VM's own interrupts: they wake it in the guest; when it
 *    halts again its HLT exits (sos_hlt()) and the loop picks the User VM;
 *  - work posted from another pCPU (an I/O completion, an interrupt, a
 *    request): the poster kicks this pCPU (vcpu_kick()) with an IPI of
 *    SCHED_KICK_VECTOR, which the Service VM takes as one of its own;
 *  - a vLAPIC timer of a halted User VM vCPU: the Service VM's
 *    VMX-preemption timer is brought forward to the earliest deadline.
 * idle_armed[] says a kick is wanted; the poster clears it with the IPI, so
 * one idle turn costs at most one IPI.
 */
static bool idle_armed[MAX_PCPUS];
static uint64_t idle_halts[MAX_PCPUS], idle_kicks[MAX_PCPUS];

void sched_idle_stats(uint32_t pcpu, uint64_t *halts, uint64_t *kicks)
{
	bool ok = pcpu < MAX_PCPUS;

	*halts = ok ? __atomic_load_n(&idle_halts[pcpu], __ATOMIC_RELAXED) : 0;
	*kicks = ok ? __atomic_load_n(&idle_kicks[pcpu], __ATOMIC_RELAXED) : 0;
}

/*
 * Arm the kick, then look once more: work posted before the flag was
 * visible is seen here, work posted after it sends the IPI (each side
 * writes, then reads the other's location, with full barriers between).
 * @return the earliest vLAPIC timer deadline of the pCPU's User VM vCPUs
 * (TSC, 0 for none), or UINT64_MAX when one is runnable already.
 */
static uint64_t idle_arm(uint32_t cpu)
{
	uint64_t first = 0;

	__atomic_store_n(&idle_armed[cpu], true, __ATOMIC_SEQ_CST);
	if (sched_uos_runnable(cpu)) {
		__atomic_store_n(&idle_armed[cpu], false, __ATOMIC_RELAXED);
		return UINT64_MAX;
	}
	for (unsigned i = 0; i < SCHED_MAX_PER_PCPU; i++) {
		struct vcpu *v = __atomic_load_n(&runq[cpu][i], __ATOMIC_ACQUIRE);
		uint64_t d = v != NULL && v->vm->virt_irq ? virq_next_deadline(v) : 0;

		if (d != 0 && (first == 0 || d < first))
			first = d;
	}
	idle_halts[cpu]++;
	return first;
}

void vcpu_kick(struct vcpu *v)
{
	uint32_t cpu = v->pcpu;

	if (cpu >= MAX_PCPUS || cpu == this_cpu_id())
		return;
	/* The caller's posting was an atomic read-modify-write or a lock
	 * release: ordered before this read on x86; the fence says so. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&idle_armed[cpu], __ATOMIC_RELAXED) &&
	    __atomic_exchange_n(&idle_armed[cpu], false, __ATOMIC_ACQ_REL)) {
		__atomic_fetch_add(&idle_kicks[cpu], 1, __ATOMIC_RELAXED);
		lapic_send_fixed(per_cpu_data[cpu].apic_id, false, SCHED_KICK_VECTOR);
	}
}

void sched_wake_service_vcpu(uint32_t pcpu)
{
	struct vcpu *sos = pcpu < MAX_PCPUS ? service_vcpu[pcpu] : NULL;

	/* Only this pCPU touches its Service VM vCPU's blocked flags. */
	if (sos != NULL && sos->pcpu == this_cpu_id())
		sos->blocked &= ~VCPU_BLOCK_HALT;
}

/* The highest vector set in the physical LAPIC's ISR (0x100) or IRR (0x200), -1 for none. */
static int32_t lapic_top_vector(uint32_t base)
{
	for (int32_t i = 7; i >= 0; i--) {
		uint32_t w = lapic_read(base + (uint32_t)i * 0x10);

		if (w != 0)
			return i * 32 + 31 - __builtin_clz(w);
	}
	return -1;
}

/* About 2 s of 10 ms ticks. */
#define IRQ_STUCK_TICKS		200U

static struct sched_irq_watch irq_watches[MAX_PCPUS];
static uint64_t irq_nudges[MAX_PCPUS];

/*
 * At each tick of a Service VM vCPU: is an interrupt of its waiting in the
 * physical LAPIC that it does not take?  Hardware delivers a pending
 * interrupt at the VM entry into the HLT activity state; should an
 * emulator not, the vCPU is woken here (it finds the interrupt when it
 * halts again), once per tick.  An interrupt that stays in the ISR or IRR
 * for IRQ_STUCK_TICKS is reported once: the device behind it is silent
 * from then on (an edge-triggered UART stops transmitting).
 */
static void irq_watch(struct vcpu *v)
{
	uint32_t cpu = v->pcpu;
	struct sched_irq_watch *w = &irq_watches[cpu];
	int32_t irr = lapic_top_vector(0x200), isr = lapic_top_vector(0x100);
	uint32_t tpr = lapic_read(0x80);
	bool gif = (vmcs_read(VMCS_GUEST_RFLAGS) & (1U << 9)) != 0;
	bool halted = vmcs_read(VMCS_GUEST_ACTIVITY) == VCPU_ACTIVITY_HLT;
	enum sched_irq_verdict r = sched_irq_watch_tick(w, irr, isr, tpr, gif, IRQ_STUCK_TICKS);

	if (r == SCHED_IRQ_STUCK)
		pr_warn("pcpu%u: Service VM vCPU %u leaves an interrupt untaken for %u ticks: "
			"IRR top %#x, ISR top %#x, TPR %#x, IF %u, %s, %lu nudges",
			cpu, v->id, w->ticks, (uint32_t)irr, (uint32_t)isr, tpr, gif,
			halted ? "halted" : "running", irq_nudges[cpu]);
	if (r != SCHED_IRQ_FINE && w->deliverable && halted) {
		vmcs_write(VMCS_GUEST_ACTIVITY, VCPU_ACTIVITY_ACTIVE);
		if (irq_nudges[cpu]++ == 0)
			pr_warn("pcpu%u: Service VM vCPU %u halted over a pending vector %#x: woken",
				cpu, v->id, (uint32_t)irr);
	}
}

void sched_tick(struct vcpu *v)
{
	if (v->vm->user_vm) {
		v->yield = true;	/* round robin: the loop may pick it again */
		/*
		 * A Service VM interrupt that arrived while the hypervisor ran
		 * (IF=0) waits in the IRR; on hardware the next entry of this
		 * vCPU exits for it at once (external-interrupt exiting ignores
		 * the guest's IF).  Bochs 2.7 does not re-evaluate the masked
		 * interrupt at a VM entry that leaves RFLAGS.IF at 0, so a User
		 * VM running with interrupts off (a kernel decompressor) would
		 * keep a halted Service VM asleep for good: look at each tick.
		 */
		if (service_vcpu[v->pcpu] != NULL && lapic_irr_pending())
			sched_wake_service_vcpu(v->pcpu);
		return;
	}
	if (v->vm->privileged && v == service_vcpu[v->pcpu])
		irq_watch(v);
	if (v->vm->privileged && vmcs_read(VMCS_GUEST_ACTIVITY) == VCPU_ACTIVITY_HLT &&
	    sched_uos_runnable(v->pcpu)) {
		vmcs_write(VMCS_GUEST_ACTIVITY, VCPU_ACTIVITY_ACTIVE);
		v->blocked |= VCPU_BLOCK_HALT;
	}
}

struct pcpu_sched {
	struct vcpu *loaded;	/* VMCS current on this pCPU */
	struct vcpu *ctx;	/* whose MSRs/extended state are in the registers */
	unsigned next;		/* round-robin cursor */
};

static struct pcpu_sched pcpu_sched[MAX_PCPUS];

/*
 * Release: VMCLEAR writes the VMCS back to memory and makes it not current
 * (SDM §25.11.3), after which the owner may free it.  The acknowledgement is
 * the last access to v on this pCPU.
 */
static void release(struct pcpu_sched *ps, struct vcpu *v)
{
	uint64_t pa = hva2hpa(v->vmcs);

	if (v->vmcs_ready)
		__asm__ volatile("vmclear %0" : : "m"(pa) : "cc", "memory");
	v->vmcs_ready = false;
	if (ps->loaded == v)
		ps->loaded = NULL;
	if (ps->ctx == v)
		ps->ctx = NULL;		/* its saved state dies with it */
	sched_detach(v);
	__atomic_fetch_and(&v->requests, ~VCPU_REQ_RELEASE, __ATOMIC_ACQ_REL);
	__atomic_fetch_or(&v->acked, VCPU_REQ_RELEASE, __ATOMIC_RELEASE);
}

/* Make v's VMCS current and its context live; false if it cannot run. */
static bool switch_to(struct pcpu_sched *ps, struct vcpu *v)
{
	vcpu_switch_context(ps->ctx, v);
	ps->ctx = v;
	if (!v->vmcs_ready) {
		/* First run: the VM kind builds the VMCS from its start state. */
		v->vm->ops->request(v, VCPU_REQ_RESET);
		if (!v->vmcs_ready) {
			vcpu_stop(v, "no VMCS");
			return false;
		}
	} else if (ps->loaded != v && vmcs_load(hva2hpa(v->vmcs), false) != 0) {
		vcpu_stop(v, "VMPTRLD failed");
		return false;
	}
	ps->loaded = v;
	return true;
}

static struct vcpu *pick_uos(struct pcpu_sched *ps, uint32_t cpu)
{
	int8_t rank[SCHED_MAX_PER_PCPU];
	int i;

	for (unsigned n = 0; n < SCHED_MAX_PER_PCPU; n++) {
		struct vcpu *v = __atomic_load_n(&runq[cpu][n], __ATOMIC_ACQUIRE);

		rank[n] = -1;
		if (v == NULL)
			continue;
		if (__atomic_load_n(&v->requests, __ATOMIC_ACQUIRE) & VCPU_REQ_RELEASE) {
			release(ps, v);
			continue;
		}
		if (wants_cpu(v))
			rank[n] = v->vm->sched_rank;
	}
	i = sched_pick_slot(rank, SCHED_MAX_PER_PCPU, ps->next);
	if (i < 0)
		return NULL;
	ps->next = ((unsigned)i + 1) % SCHED_MAX_PER_PCPU;
	return __atomic_load_n(&runq[cpu][i], __ATOMIC_ACQUIRE);
}

void sched_local_request(struct vcpu *v, uint32_t req)
{
	struct pcpu_sched *ps = &pcpu_sched[this_cpu_id()];

	if (req & VCPU_REQ_RELEASE) {
		release(ps, v);
		return;
	}
	if (req & VCPU_REQ_PAUSE) {
		v->blocked |= VCPU_BLOCK_PAUSED;
		__atomic_fetch_or(&v->acked, VCPU_REQ_PAUSE, __ATOMIC_RELEASE);
	}
}

void sched_serve_local_requests(void)
{
	uint32_t cpu = this_cpu_id();

	for (unsigned i = 0; i < SCHED_MAX_PER_PCPU; i++) {
		struct vcpu *v = __atomic_load_n(&runq[cpu][i], __ATOMIC_ACQUIRE);
		uint32_t req;

		if (v == NULL || v == this_cpu()->current_vcpu)
			continue;
		req = __atomic_fetch_and(&v->requests, ~(VCPU_REQ_PAUSE | VCPU_REQ_RELEASE),
					 __ATOMIC_ACQ_REL) & (VCPU_REQ_PAUSE | VCPU_REQ_RELEASE);
		if (req != 0)
			sched_local_request(v, req);
	}
}

void sched_loop(struct vcpu *sos)
{
	uint32_t cpu = this_cpu_id();
	struct pcpu_sched *psp = &pcpu_sched[cpu];

	psp->loaded = sos;
	psp->ctx = NULL;
	psp->next = 0;
	service_vcpu[cpu] = sos;
	if (sos == NULL)
		pr_info("pcpu%u: runs User VM vCPUs only (partitioned)", cpu);
	for (;;) {
		struct vcpu *v = NULL;
		uint64_t deadline = 0;

		if (sos != NULL && (sos->blocked & VCPU_BLOCK_OFFLINE)) {
			uint32_t svr = lapic_reclaim();

			pr_info("pcpu%u: Service VM vCPU %u is offline; the pCPU runs User VMs only",
				cpu, sos->id);
			if (!(svr & 0x100U))
				pr_info("pcpu%u: LAPIC enabled again (the Service VM left it "
					"software-disabled, SVR %#x)", cpu, svr);
			sos = NULL;
			service_vcpu[cpu] = NULL;
		}
		if (sos != NULL && sos->stopped)
			return;
		if (sos != NULL && wants_cpu(sos))
			v = sos;
		if (v == NULL)
			v = pick_uos(psp, cpu);
		if (v == NULL && sos != NULL) {
			/* Idle: the Service VM vCPU halts in the guest (idle_arm()). */
			deadline = sched_has_uos(cpu) ? idle_arm(cpu) : 0;
			if (deadline == UINT64_MAX)
				continue;
			sos->blocked &= ~VCPU_BLOCK_HALT;
			sos->halt_on_entry = true;
			v = sos;
		}
		if (v == NULL) {
			cpu_relax();
			continue;
		}
		if (!switch_to(psp, v))
			continue;
		if (v->halt_on_entry) {
			vmcs_write(VMCS_GUEST_ACTIVITY, VCPU_ACTIVITY_HLT);
			vcpu_timer_deadline(v, deadline);
			v->halt_on_entry = false;
		}
		vcpu_run(v);
		__atomic_store_n(&idle_armed[cpu], false, __ATOMIC_RELAXED);
	}
}

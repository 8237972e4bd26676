/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hypervisor glue of the virtual interrupt controllers (dm/vlapic.c,
 * dm/vioapic.c, dm/vpic.c) for VMs that do not own the physical LAPIC.
 * The models are pure state machines; this file gives them time (the
 * TSC), a host timer (the VMX-preemption timer), a way into the guest
 * (event injection at VM entry, SDM Vol. 3 §27.6) and routes the guest's
 * MMIO, port and MSR accesses to them.
 *
 * All controllers of one VM share one recursive spinlock: vLAPIC hooks
 * call into other vLAPICs (IPIs), into themselves (self IPIs, INIT to
 * "all including self") and into the vIOAPIC (EOI broadcast), which then
 * calls back into vLAPICs.  A per-VM lock taken recursively by the pCPU
 * that holds it covers all of those paths without lock ordering rules.
 */
#define pr_fmt(fmt) "virq: " fmt
#include <arch/x86/guest/virq.h>
#include <arch/x86/vmx/vmx.h>
#include <arch/x86/per_cpu.h>
#include <arch/x86/spinlock.h>
#include <arch/x86/cpu.h>
#include <arch/x86/msr.h>
#include <arch/x86/timer.h>
#include <arch/x86/lapic.h>
#include <common/vm.h>
#include <common/page_alloc.h>
#include <common/log.h>
#include <public/acrn_common.h>
#include <dm/vlapic.h>
#include <dm/vioapic.h>
#include <common/ptdev.h>
#include <dm/vpic.h>
#include <lib/errno.h>
#include <lib/string.h>
#include <lib/util.h>

#define NO_OWNER		0xFFFFFFFFU
#define LAPIC_POOL_SIZE		(MAX_VMS * MAX_VCPUS_PER_VM)

/* VM-entry interruption information (SDM Vol. 3 §25.8.3, Table 25-17). */
#define INTR_INFO_VALID		(1U << 31)
#define INTR_INFO_ERRCODE	(1U << 11)
#define INTR_TYPE_EXTERNAL	(0U << 8)
#define INTR_TYPE_NMI		(2U << 8)
#define INTR_TYPE_MASK		(7U << 8)
#define INTR_TYPE_SOFT_INTR	(4U << 8)
#define INTR_TYPE_PRIV_SOFT_EXC	(5U << 8)
#define INTR_TYPE_SOFT_EXC	(6U << 8)

struct virq_vm;

/* One vCPU's vLAPIC.  struct vlapic is page aligned and larger than a page,
 * so the models come from a static pool rather than page_alloc(); the glue
 * state sits in a parallel array so it does not cost a page of padding. */
struct virq_lapic {
	struct vlapic *vlapic;		/* lapic_models[same index] */
	struct virq_vm *q;
	struct vcpu *vcpu;
	bool in_use;
	bool timer_on;			/* the model's host timer */
	uint64_t timer_deadline;	/* guest TSC */
	bool nmi_pending;
	bool window_on;			/* interrupt-window exiting requested */
	uint64_t preempt_value;		/* last VMX-preemption timer value written */
	/* Something that can change what is deliverable happened since the
	 * last evaluation at entry; lets most exits skip the evaluation. */
	bool dirty;
	uint64_t last_tick;		/* TSC of the last hv_tick() of this vCPU */
};

struct virq_vm {
	spinlock_t lock;
	uint32_t owner;			/* pCPU holding lock, NO_OWNER if free */
	uint32_t depth;
	struct vm *vm;
	struct vioapic vioapic;
	struct vpic vpic;
	const struct vlapic *vlapics[MAX_VCPUS_PER_VM];
	struct virq_lapic *lapics[MAX_VCPUS_PER_VM];
};

static struct vlapic lapic_models[LAPIC_POOL_SIZE];
static struct virq_lapic lapic_pool[LAPIC_POOL_SIZE];
static spinlock_t pool_lock = SPINLOCK_INIT;
static uint32_t preempt_shift;		/* IA32_VMX_MISC[4:0] */
/* Longest stretch in VMX non-root without a hypervisor tick (10 ms, in
 * preemption-timer units): bounds how late a vCPU notices work another
 * pCPU posted without kicking it (vcpu_kick()). */
static uint32_t poll_period = 0xFFFFFFFFU;

__attribute__((weak)) void vcpu_kick(struct vcpu *v)
{
	/* Without the scheduler (unit tests): the target notices at its next VM exit. */
}

static void virq_lock(struct virq_vm *q)
{
	uint32_t me = this_cpu_id();

	if (__atomic_load_n(&q->owner, __ATOMIC_ACQUIRE) == me) {
		q->depth++;
		return;
	}
	spin_lock(&q->lock);
	__atomic_store_n(&q->owner, me, __ATOMIC_RELAXED);
	q->depth = 1;
}

static void virq_unlock(struct virq_vm *q)
{
	if (--q->depth == 0) {
		__atomic_store_n(&q->owner, NO_OWNER, __ATOMIC_RELAXED);
		spin_unlock(&q->lock);
	}
}

static struct virq_vm *vm_virq(struct vm *vm)
{
	return vm != NULL && vm->virt_irq ? vm->virq : NULL;
}

static struct virq_lapic *vcpu_lapic(struct vcpu *v)
{
	return vm_virq(v->vm) != NULL ? v->virq : NULL;
}

static void kick_unless_current(struct virq_lapic *l)
{
	if (l->vcpu != this_cpu()->current_vcpu)
		vcpu_kick(l->vcpu);
}

/*
 * Deliver one interrupt message to every vCPU in mask (SDM Vol. 3A §11.6,
 * §11.11): fixed and lowest priority set the IRR, NMI is latched for the
 * next entry, INIT and SIPI go to the model's INIT/SIPI logic.  Lock held.
 */
static void deliver_mask(struct virq_vm *q, uint64_t mask, uint32_t mode, uint32_t vector,
			 bool level)
{
	for (uint32_t i = 0; i < MAX_VCPUS_PER_VM; i++) {
		struct virq_lapic *l = q->lapics[i];

		if (!(mask & (1ULL << i)) || l == NULL)
			continue;
		switch (mode) {
		case VLAPIC_DM_FIXED:
		case VLAPIC_DM_LOWPRI:
			if (vlapic_set_intr(l->vlapic, vector, level) != 0)
				continue;
			break;
		case VLAPIC_DM_NMI:
			l->nmi_pending = true;
			break;
		case VLAPIC_DM_INIT:
			vlapic_deliver_init(l->vlapic);
			break;
		case VLAPIC_DM_SIPI:
			(void)vlapic_deliver_sipi(l->vlapic, vector);
			break;
		default:
			/* SMI is not virtualized; ExtINT messages from the IOAPIC are
			 * not routed (the vPIC reaches vCPU 0 through LINT0). */
			continue;
		}
		l->dirty = true;
		kick_unless_current(l);
	}
}

/* ---- vLAPIC hooks ---- */

static uint64_t lapic_now(void *ctx)
{
	/* No TSC offsetting: the guest TSC is the host's (SDM §25.6.5). */
	return rdtsc();
}

static void lapic_timer_arm(void *ctx, uint64_t deadline)
{
	struct virq_lapic *l = ctx;

	l->timer_deadline = deadline;
	l->timer_on = true;
}

static void lapic_timer_cancel(void *ctx)
{
	((struct virq_lapic *)ctx)->timer_on = false;
}

static uint64_t lapic_dest_mask(void *ctx, uint32_t dest, bool logical, bool x2apic)
{
	struct virq_vm *q = ((struct virq_lapic *)ctx)->q;

	return vlapic_dest_mask_of(q->vlapics, MAX_VCPUS_PER_VM, dest, logical, x2apic, false);
}

static void lapic_send_ipi(void *ctx, uint64_t mask, uint32_t mode, uint32_t vector)
{
	deliver_mask(((struct virq_lapic *)ctx)->q, mask, mode, vector, false);
}

static void lapic_eoi_level(void *ctx, uint32_t vector)
{
	vioapic_eoi(&((struct virq_lapic *)ctx)->q->vioapic, vector);
}

/* INIT and SIPI reuse the vCPU request path that resets or starts the vCPU
 * on its own pCPU before its next entry (common/vm.h VCPU_REQ_*). */
static void lapic_init_sipi(void *ctx, uint32_t vcpu_id, bool is_sipi, uint32_t vector)
{
	struct virq_lapic *l = ctx;
	struct vcpu *t = vcpu_id < MAX_VCPUS_PER_VM && l->q->lapics[vcpu_id] != NULL ?
			 l->q->lapics[vcpu_id]->vcpu : NULL;

	if (t == NULL)
		return;
	if (is_sipi) {
		t->sipi_vector = (uint8_t)vector;
		vcpu_make_request(t, VCPU_REQ_SIPI);
	} else {
		vcpu_make_request(t, VCPU_REQ_INIT);
	}
}

static void lapic_kick(void *ctx)
{
	struct virq_lapic *l = ctx;

	l->dirty = true;
	kick_unless_current(l);
}

static const struct vlapic_ops lapic_ops = {
	.now = lapic_now,
	.timer_arm = lapic_timer_arm,
	.timer_cancel = lapic_timer_cancel,
	.dest_mask = lapic_dest_mask,
	.send_ipi = lapic_send_ipi,
	.eoi_level = lapic_eoi_level,
	.init_sipi = lapic_init_sipi,
	.kick = lapic_kick,
};

/* ---- vIOAPIC and vPIC hooks ---- */

/* An IOAPIC message is an MSI in all but format (82093AA §3.2.4): 8-bit
 * destination, lowest priority picks one vCPU (lowest-numbered). */
static void ioapic_deliver(void *ctx, uint32_t dest, bool logical, uint32_t mode,
			   uint32_t vector, bool level)
{
	struct virq_vm *q = ctx;
	uint64_t mask = vlapic_dest_mask_of(q->vlapics, MAX_VCPUS_PER_VM, dest, logical, false,
					    mode == VLAPIC_DM_LOWPRI);

	deliver_mask(q, mask, mode, vector, level);
}

/* A level entry's EOI: a passed-through device's line is lowered and its
 * physical pin unmasked (common/ptdev.c); other pins are not forwarded. */
static void ioapic_eoi_pin(void *ctx, uint32_t pin)
{
	(void)ptdev_intx_eoi(((struct virq_vm *)ctx)->vm, pin);
}

static const struct vioapic_ops ioapic_ops = {
	.deliver = ioapic_deliver,
	.eoi_pin = ioapic_eoi_pin,
};

/* The 8259A INTR output is wired to LINT0 of vCPU 0 only (virtual wire
 * mode A, as on a PC where the BIOS leaves LINT0 in ExtINT on the BSP). */
static void pic_notify(void *ctx, bool asserted)
{
	struct virq_vm *q = ctx;

	if (asserted && q->lapics[0] != NULL) {
		q->lapics[0]->dirty = true;
		kick_unless_current(q->lapics[0]);
	}
}

static const struct vpic_ops pic_ops = {
	.notify = pic_notify,
};

/* ---- creation ---- */

int virq_vm_init(struct vm *vm)
{
	struct virq_vm *q;

	_Static_assert(sizeof(struct virq_vm) <= PAGE_SIZE, "struct virq_vm must fit in a page");
	if (!vm->virt_irq || vm->virq != NULL)
		return -EINVAL;
	q = page_alloc();
	if (q == NULL)
		return -ENOMEM;
	q->lock = (spinlock_t)SPINLOCK_INIT;
	q->owner = NO_OWNER;
	q->vm = vm;
	if (vioapic_init(&q->vioapic, 0, &ioapic_ops, q) != 0 || vpic_init(&q->vpic, &pic_ops, q) != 0) {
		page_free(q);
		return -EINVAL;
	}
	/* Same values on every pCPU: concurrent initialisations agree. */
	preempt_shift = (uint32_t)(rdmsr(MSR_IA32_VMX_MISC) & 0x1F);
	poll_period = (uint32_t)MAX(1ULL, MIN(((uint64_t)tsc_khz * 10) >> preempt_shift, 0xFFFFFFFFULL));
	vm->virq = q;
	return 0;
}

void virq_vm_deinit(struct vm *vm)
{
	struct virq_vm *q = vm->virq;

	if (q == NULL)
		return;
	spin_lock(&pool_lock);
	for (uint32_t i = 0; i < MAX_VCPUS_PER_VM; i++) {
		if (q->lapics[i] != NULL) {
			q->lapics[i]->vcpu->virq = NULL;
			q->lapics[i]->in_use = false;
		}
	}
	spin_unlock(&pool_lock);
	vm->virq = NULL;
	page_free(q);
}

int virq_vcpu_init(struct vcpu *v)
{
	struct virq_vm *q = vm_virq(v->vm);
	struct virq_lapic *l = NULL;
	struct vlapic_config cfg = {
		.vcpu_id = v->id,
		.nr_vcpus = MAX_VCPUS_PER_VM,
		.apic_id = v->id,
		.bsp = v->id == 0,
		.directed_eoi = false,
		/* A 100 MHz APIC bus, at least one TSC tick per bus tick. */
		.tsc_per_bus_tick = MAX(1U, MIN(tsc_khz / 100000U, VLAPIC_MAX_TSC_RATIO)),
		.phys_addr_bits = 39,
		/* Periodic timers re-arm no faster than every 100 us. */
		.min_period_tsc = (uint64_t)tsc_khz / 10U,
	};
	int ret;

	if (q == NULL || v->id >= MAX_VCPUS_PER_VM || q->lapics[v->id] != NULL)
		return -EINVAL;
	spin_lock(&pool_lock);
	for (uint32_t i = 0; i < LAPIC_POOL_SIZE; i++) {
		if (!lapic_pool[i].in_use) {
			l = &lapic_pool[i];
			l->in_use = true;
			l->vlapic = &lapic_models[i];
			break;
		}
	}
	spin_unlock(&pool_lock);
	if (l == NULL)
		return -ENOMEM;
	l->q = q;
	l->vcpu = v;
	l->timer_on = l->nmi_pending = l->window_on = false;
	l->preempt_value = 0;	/* unknown: written at the first entry */
	l->last_tick = rdtsc();
	l->dirty = true;
	ret = vlapic_init(l->vlapic, &cfg, &lapic_ops, l);
	if (ret != 0) {
		l->in_use = false;
		return ret;
	}
	virq_lock(q);
	q->lapics[v->id] = l;
	q->vlapics[v->id] = l->vlapic;
	virq_unlock(q);
	v->virq = l;
	return 0;
}

/* ---- inputs ---- */

/* ACRN_HC_IRQLINE_*: electrical levels, pulses as two steps. */
static int irqline_steps(uint32_t op, bool high[2], unsigned *n)
{
	switch (op) {
	case ACRN_HC_IRQLINE_SET_HIGH:
		high[0] = true, *n = 1;
		return 0;
	case ACRN_HC_IRQLINE_SET_LOW:
		high[0] = false, *n = 1;
		return 0;
	case ACRN_HC_IRQLINE_RAISING_PULSE:
		high[0] = true, high[1] = false, *n = 2;
		return 0;
	case ACRN_HC_IRQLINE_FALLING_PULSE:
		high[0] = false, high[1] = true, *n = 2;
		return 0;
	default:
		return -EINVAL;
	}
}

int virq_set_irqline(struct vm *vm, uint32_t gsi, uint32_t op)
{
	struct virq_vm *q = vm_virq(vm);
	bool high[2] = { false, false };
	unsigned n = 0;

	if (q == NULL || gsi >= VIOAPIC_PINS || irqline_steps(op, high, &n) != 0)
		return -EINVAL;
	virq_lock(q);
	for (unsigned i = 0; i < n; i++) {
		/* Electrical levels: the vIOAPIC applies each pin's polarity as
		 * the guest programs it (doc/interrupts.md, vIOAPIC inputs). */
		(void)vioapic_set_line(&q->vioapic, gsi, high[i]);
		/* ISA IRQs are active high at the 8259A; IRQ2 is the cascade. */
		if (gsi < VPIC_IRQS && gsi != 2)
			(void)vpic_set_irq(&q->vpic, gsi, high[i] ? VPIC_IRQ_ASSERT : VPIC_IRQ_DEASSERT);
	}
	virq_unlock(q);
	return 0;
}

int virq_set_gsi_asserted(struct vm *vm, uint32_t gsi, bool asserted)
{
	struct virq_vm *q = vm_virq(vm);

	if (q == NULL || gsi >= VIOAPIC_PINS)
		return -EINVAL;
	virq_lock(q);
	/* Logical state: asserted is the pin's active level, whatever polarity the guest chose. */
	(void)vioapic_set_irq(&q->vioapic, gsi, asserted ? VIOAPIC_IRQ_ASSERT : VIOAPIC_IRQ_DEASSERT);
	if (gsi < VPIC_IRQS && gsi != 2)
		(void)vpic_set_irq(&q->vpic, gsi, asserted ? VPIC_IRQ_ASSERT : VPIC_IRQ_DEASSERT);
	virq_unlock(q);
	return 0;
}

int virq_inject_msi(struct vm *vm, uint64_t addr, uint64_t data)
{
	struct virq_vm *q = vm_virq(vm);
	struct vlapic_msi msi;
	uint64_t mask;

	if (q == NULL || (data >> 32) != 0 || vlapic_msi_decode(addr, (uint32_t)data, &msi) != 0)
		return -EINVAL;
	virq_lock(q);
	mask = vlapic_dest_mask_of(q->vlapics, MAX_VCPUS_PER_VM, msi.dest, msi.logical, false,
				   msi.mode == VLAPIC_DM_LOWPRI);
	deliver_mask(q, mask, msi.mode, msi.vector, msi.level);
	virq_unlock(q);
	return 0;
}

/* ---- guest accesses ---- */

/* xAPIC page (SDM Vol. 3A §11.4.1) and IOAPIC window (82093AA §3.1): the
 * models report undefined accesses, which read 0 / are dropped here. */
int virq_mmio(struct vcpu *v, uint64_t gpa, unsigned size, bool write, uint64_t *val)
{
	struct virq_lapic *l = vcpu_lapic(v);
	struct virq_vm *q;
	uint32_t v32 = write ? (uint32_t)*val : 0;
	int ret = -ENOENT;

	if (l == NULL)
		return -ENOENT;
	q = l->q;
	virq_lock(q);
	/* The page IA32_APIC_BASE names (only the default one is unmapped
	 * in the EPT today: see doc/interrupts.md on relocation). */
	if ((gpa & ~0xFFFULL) == (vlapic_get_apicbase(l->vlapic) & ~0xFFFULL)) {
		if (write)
			(void)vlapic_mmio_write(l->vlapic, (uint32_t)(gpa & 0xFFF), size, v32);
		else
			(void)vlapic_mmio_read(l->vlapic, (uint32_t)(gpa & 0xFFF), size, &v32);
		l->dirty |= write;	/* TPR, EOI, SVR, LVT: PPR or IRR may change */
		ret = 0;
	} else if ((gpa & ~0xFFFULL) == VIRQ_IOAPIC_GPA) {
		if (write)
			(void)vioapic_mmio_write(&q->vioapic, (uint32_t)(gpa & 0xFFF), size, v32);
		else
			(void)vioapic_mmio_read(&q->vioapic, (uint32_t)(gpa & 0xFFF), size, &v32);
		ret = 0;
	}
	virq_unlock(q);
	if (ret == 0 && !write)
		*val = v32;
	return ret;
}

int virq_pio(struct vcpu *v, uint16_t port, unsigned size, bool write, uint32_t *val)
{
	struct virq_vm *q = vm_virq(v->vm);

	if (q == NULL)
		return -ENOENT;
	switch (port) {
	case VPIC_PORT_MASTER_CMD: case VPIC_PORT_MASTER_DATA:
	case VPIC_PORT_SLAVE_CMD: case VPIC_PORT_SLAVE_DATA:
	case VPIC_PORT_ELCR_MASTER: case VPIC_PORT_ELCR_SLAVE:
		break;
	default:
		return -ENOENT;
	}
	virq_lock(q);
	/* Wider accesses are undefined on an 8-bit ISA device: the model
	 * refuses them, reads float high. */
	if (write)
		(void)vpic_pio_write(&q->vpic, port, size, *val);
	else
		(void)vpic_pio_read(&q->vpic, port, size, val);
	virq_unlock(q);
	return 0;
}

int virq_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val)
{
	struct virq_lapic *l = vcpu_lapic(v);
	int ret;

	if (l == NULL || (msr != VLAPIC_MSR_APIC_BASE && msr != VLAPIC_MSR_TSC_DEADLINE &&
			  (msr < VLAPIC_MSR_X2APIC_FIRST || msr > VLAPIC_MSR_X2APIC_LAST)))
		return -ENOENT;
	virq_lock(l->q);
	if (write) {
		ret = vlapic_msr_write(l->vlapic, msr, *val);
		l->dirty = true;
	} else {
		*val = 0;
		ret = vlapic_msr_read(l->vlapic, msr, val);
	}
	virq_unlock(l->q);
	return ret != 0 ? -EINVAL : 0;
}

/*
 * MOV to/from CR8 in 64-bit mode is the TPR (SDM Vol. 3A §11.8.6.1:
 * CR8[3:0] = TPR[7:4]; bits 63:4 reserved, #GP).  Without TPR shadowing
 * it would reach the physical TPR, so a virt_irq VM exits on it.
 */
int virq_cr8(struct vcpu *v, bool write, uint64_t *val)
{
	struct virq_lapic *l = vcpu_lapic(v);
	uint32_t tpr = 0;
	uint64_t tpr64 = 0;

	if (l == NULL)
		return -ENOENT;
	if (write && (*val >> 4) != 0)
		return -EINVAL;
	virq_lock(l->q);
	if (vlapic_is_x2apic(l->vlapic)) {
		if (write)
			(void)vlapic_msr_write(l->vlapic, VLAPIC_MSR_X2APIC_FIRST + (VLAPIC_OFF_TPR >> 4),
					       *val << 4);
		else
			(void)vlapic_msr_read(l->vlapic, VLAPIC_MSR_X2APIC_FIRST + (VLAPIC_OFF_TPR >> 4),
					      &tpr64);
		tpr = (uint32_t)tpr64;
	} else if (write) {
		(void)vlapic_mmio_write(l->vlapic, VLAPIC_OFF_TPR, 4, (uint32_t)(*val << 4));
	} else {
		(void)vlapic_mmio_read(l->vlapic, VLAPIC_OFF_TPR, 4, &tpr);
	}
	if (write)
		l->dirty = true;
	else
		*val = (tpr >> 4) & 0xF;
	virq_unlock(l->q);
	return 0;
}

/* ---- delivery ---- */

/* Lock held: deliver the vLAPIC timer if its host timer is due. */
static void fire_timer(struct virq_lapic *l)
{
	if (l->timer_on && rdtsc() >= l->timer_deadline) {
		l->timer_on = false;	/* the model re-arms through the hook if periodic */
		l->dirty = true;
		vlapic_timer_expired(l->vlapic);
	}
}

/* Lock held: does vCPU 0's LINT0 take a pending 8259A request? */
static bool extint_pending(struct virq_lapic *l)
{
	return l->vcpu->id == 0 && vlapic_accepts_extint(l->vlapic) &&
	       vpic_intr_asserted(&l->q->vpic);
}

/* Lock held: a maskable interrupt is waiting for the guest's IF. */
static bool maskable_pending(struct virq_lapic *l)
{
	uint32_t vector;

	return vlapic_pending_intr(l->vlapic, &vector) == 0 || extint_pending(l);
}

bool virq_halt_wake(struct vcpu *v, bool if_set)
{
	struct virq_lapic *l = vcpu_lapic(v);
	bool ret;

	if (l == NULL)
		return false;
	virq_lock(l->q);
	fire_timer(l);
	ret = l->nmi_pending || (if_set && maskable_pending(l));
	virq_unlock(l->q);
	return ret;
}

bool virq_pending(struct vcpu *v)
{
	return virq_halt_wake(v, true);
}

uint64_t virq_next_deadline(struct vcpu *v)
{
	struct virq_lapic *l = vcpu_lapic(v);
	uint64_t d = 0;

	if (l == NULL)
		return 0;
	virq_lock(l->q);
	if (l->timer_on)
		d = MAX(l->timer_deadline, 1ULL);
	virq_unlock(l->q);
	return d;
}

/*
 * An exit that interrupted the delivery of an event (IDT-vectoring
 * information valid, SDM Vol. 3 §28.2.4) must have it re-injected, or an
 * interrupt already moved from IRR to ISR would be lost (§28.2.4 note,
 * §27.6.1).  Only done when nothing else is queued for this entry.
 */
static void reinject_vectoring(struct vcpu *v)
{
	uint32_t info = (uint32_t)vmcs_read(VMCS_IDT_VECTORING_INFO);
	uint32_t type = info & INTR_TYPE_MASK;

	/* The field is read-only and rewritten by every exit, so each
	 * interrupted delivery is seen exactly once (one call per exit). */
	if (!(info & INTR_INFO_VALID))
		return;
	if (info & INTR_INFO_ERRCODE)
		vmcs_write(VMCS_ENTRY_EXC_ERRCODE, vmcs_read(VMCS_IDT_VECTORING_ERRCODE));
	if (type == INTR_TYPE_SOFT_INTR || type == INTR_TYPE_PRIV_SOFT_EXC || type == INTR_TYPE_SOFT_EXC)
		vmcs_write(VMCS_ENTRY_INSTR_LEN, vmcs_read(VMCS_EXIT_INSTR_LEN));
	/* Bits 30:12 of the vectoring field are not part of the entry format. */
	vmcs_write(VMCS_ENTRY_INTR_INFO, info & (INTR_INFO_VALID | INTR_INFO_ERRCODE |
						 INTR_TYPE_MASK | 0xFFU));
}

/* Lock held: the next external interrupt vector to inject, if any is
 * deliverable; acknowledges it in the model (IRR→ISR or 8259A INTA). */
static bool take_interrupt(struct virq_lapic *l, uint32_t *vector)
{
	if (vlapic_pending_intr(l->vlapic, vector) == 0)
		return vlapic_intr_accepted(l->vlapic, *vector) == 0;
	if (extint_pending(l))
		return vpic_inta(&l->q->vpic, vector) == 0;
	return false;
}

/* Arm the VMX-preemption timer (SDM Vol. 3 §26.5.1: counts down at TSC >>
 * IA32_VMX_MISC[4:0]) for the earlier of the hypervisor tick and the
 * vLAPIC deadline, so a due timer interrupt leaves the guest. */
static void arm_preemption_timer(struct vcpu *v, struct virq_lapic *l)
{
	uint64_t value = v->tick_period != 0 ? v->tick_period : poll_period;

	/* The value is not saved on exit, so it stays as written: skip the
	 * write (and the control check) when it would not change. */
	if (!l->timer_on && l->preempt_value == value)
		return;
	if (!(vmcs_read(VMCS_PIN_CTLS) & PIN_PREEMPT_TIMER))
		return;
	if (l->timer_on) {
		uint64_t now = rdtsc();
		uint64_t delta = l->timer_deadline > now ? (l->timer_deadline - now) >> preempt_shift : 0;

		value = MIN(value, delta);
	}
	vmcs_write(VMCS_PREEMPTION_TIMER, value);
	l->preempt_value = value;
}

static void set_window_exiting(struct virq_lapic *l, bool on)
{
	uint64_t proc;

	if (l->window_on == on)
		return;
	proc = vmcs_read(VMCS_PROC_CTLS);
	vmcs_write(VMCS_PROC_CTLS, on ? proc | PROC_INTR_WINDOW : proc & ~(uint64_t)PROC_INTR_WINDOW);
	l->window_on = on;
}

/*
 * Injection rules (SDM Vol. 3 §27.6 event injection, §25.4.2
 * interruptibility, §26.7.5 interrupt-window exiting): one event per entry;
 * an external interrupt only with RFLAGS.IF = 1 and no STI/MOV-SS blocking,
 * otherwise an interrupt-window exit brings us back as soon as the guest
 * can take it; an NMI only without STI/MOV-SS/NMI blocking (otherwise it
 * waits for the next exit: no NMI-window exiting without virtual NMIs).
 */
void virq_before_entry(struct vcpu *v)
{
	struct virq_lapic *l = vcpu_lapic(v);
	uint32_t intr_state, vector;
	bool busy, want_window = false;

	if (l == NULL)
		return;
	busy = (vmcs_read(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID) != 0;
	if (!busy && v->launched && !v->wait_sipi) {
		reinject_vectoring(v);
		busy = (vmcs_read(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID) != 0;
	}
	/*
	 * Fast path of most exits, without the lock: nothing changed since
	 * the last evaluation, no interrupt waits for a window and the timer
	 * is not due.  Other pCPUs only ever set dirty/nmi_pending (under the
	 * lock, before kicking): one seen late is seen at the next exit, as
	 * without a kick.  The timer fields change on this pCPU, or on another
	 * one only through virq_pending(), which the scheduler calls for a
	 * vCPU that is not running.
	 */
	if (!__atomic_load_n(&l->dirty, __ATOMIC_ACQUIRE) && !l->window_on &&
	    !__atomic_load_n(&l->nmi_pending, __ATOMIC_RELAXED) &&
	    !(l->timer_on && rdtsc() >= l->timer_deadline)) {
		arm_preemption_timer(v, l);
		return;
	}
	virq_lock(l->q);
	fire_timer(l);
	l->dirty = false;
	if (!l->nmi_pending && !maskable_pending(l))
		goto out;
	intr_state = (uint32_t)vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
	if (l->nmi_pending && !busy &&
	    !(intr_state & (INTR_BLOCK_STI | INTR_BLOCK_MOVSS | INTR_BLOCK_NMI))) {
		vmcs_write(VMCS_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_NMI | 2U);
		l->nmi_pending = false;
		busy = true;
	}
	if (maskable_pending(l)) {
		bool can_take = !busy && (vmcs_read(VMCS_GUEST_RFLAGS) & RFLAGS_IF) &&
				!(intr_state & (INTR_BLOCK_STI | INTR_BLOCK_MOVSS));

		if (can_take && take_interrupt(l, &vector)) {
			vmcs_write(VMCS_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_EXTERNAL | (vector & 0xFF));
			/* An interrupt ends HLT (SDM §27.6.1 / activity state). */
			if (vmcs_read(VMCS_GUEST_ACTIVITY) == VCPU_ACTIVITY_HLT)
				vmcs_write(VMCS_GUEST_ACTIVITY, VCPU_ACTIVITY_ACTIVE);
			/* A second vector may already wait behind this one. */
			want_window = maskable_pending(l);
		} else {
			want_window = true;
		}
	}
out:
	set_window_exiting(l, want_window);
	arm_preemption_timer(v, l);
	virq_unlock(l->q);
}

/*
 * The preemption timer also serves vLAPIC deadlines and the 10 ms poll,
 * so only some of its exits are hypervisor ticks: those of a vCPU that
 * asked for ticks (tick_period) once a tick period has passed.
 */
bool virq_preemption_exit(struct vcpu *v)
{
	struct virq_lapic *l = vcpu_lapic(v);
	uint64_t now;

	if (l == NULL)
		return v->tick_period != 0;
	if (v->tick_period == 0)
		return false;
	now = rdtsc();
	if (now - l->last_tick < ((uint64_t)v->tick_period << preempt_shift))
		return false;
	l->last_tick = now;
	return true;
}

int virq_handle_intr_window(struct vcpu *v)
{
	/* virq_before_entry() re-evaluates and clears the control if done. */
	return 0;
}

/* Any host vector of the remapped-MSI range requested in this LAPIC's IRR (SDM §11.8.4). */
static bool msi_waiting(void)
{
	uint32_t first = PTDEV_MSI_VECTOR_BASE, last = PTDEV_MSI_VECTOR_BASE + PTDEV_MSI_VECTORS - 1U;

	_Static_assert(PTDEV_MSI_VECTOR_BASE / 32U ==
		       (PTDEV_MSI_VECTOR_BASE + PTDEV_MSI_VECTORS - 1U) / 32U,
		       "the MSI vectors share one IRR register");
	return (lapic_read(0x200U + 0x10U * (first / 32U)) >> (first % 32U) &
		((1ULL << (last - first + 1U)) - 1U)) != 0;
}

/*
 * HLT (SDM Vol. 2 HLT; Vol. 3 §26.1.3 with HLT exiting): the processor
 * resumes on an unmasked interrupt, NMI, INIT or SIPI.  With IF = 0 only
 * the non-maskable events end it.  Polling is enough while each vCPU has
 * its own pCPU; the scheduler will replace this loop with a switch.
 */
int virq_wait(struct vcpu *v)
{
	struct virq_lapic *l = vcpu_lapic(v);
	uint64_t tick_tsc = (uint64_t)v->tick_period << preempt_shift;
	bool if_set = (vmcs_read(VMCS_GUEST_RFLAGS) & RFLAGS_IF) != 0;

	if (l == NULL)
		return 0;
	for (;;) {
		bool wake;

		if (v->stopped || __atomic_load_n(&v->requests, __ATOMIC_ACQUIRE) != 0)
			break;
		virq_lock(l->q);
		fire_timer(l);
		wake = l->nmi_pending || (if_set && maskable_pending(l));
		virq_unlock(l->q);
		/* A remapped MSI for this pCPU waits in the LAPIC's IRR (VMX root
		 * runs with interrupts off): enter so that it exits and is
		 * injected (ptdev_msi_phys_irq). */
		if (wake || msi_waiting())
			break;
		if (tick_tsc != 0 && rdtsc() - l->last_tick >= tick_tsc) {
			l->last_tick = rdtsc();
			hv_tick(v);
		}
		cpu_relax();
	}
	/* The HLT is skipped: a "STI; HLT" shadow must not delay the wake-up
	 * interrupt by one more instruction. */
	vmcs_end_intr_shadow();
	return 0;
}

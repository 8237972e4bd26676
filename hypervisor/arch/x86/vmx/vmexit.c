/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VM-exit dispatch: one handler per basic exit reason (SDM Vol. 3 §28.2.1,
 * Appendix C).  A handler returns 0 to resume the guest or a negative errno
 * to stop the vCPU; anything without a handler stops the vCPU with a report
 * instead of guessing.
 */
#define pr_fmt(fmt) "vmexit: " fmt
#include <common/vm.h>
#include <common/log.h>
#include <common/sched.h>
#include <common/ptdev.h>
#include <arch/x86/lapic.h>
#include <arch/x86/irq_stats.h>
#include <arch/x86/vmx/vmx.h>
#include <arch/x86/guest/vcpuid.h>
#include <arch/x86/guest/vmsr.h>
#include <arch/x86/guest/mmio_emul.h>
#include <arch/x86/guest/virq.h>
#include <arch/x86/cpu.h>
#include <lib/errno.h>
#include <lib/util.h>

typedef int (*vmexit_fn)(struct vcpu *v);

static int handle_cpuid(struct vcpu *v)
{
	uint32_t regs[4];

	vcpuid_emulate(v, (uint32_t)v->regs.gpr[GPR_RAX], (uint32_t)v->regs.gpr[GPR_RCX], regs);
	v->regs.gpr[GPR_RAX] = regs[0];
	v->regs.gpr[GPR_RBX] = regs[1];
	v->regs.gpr[GPR_RCX] = regs[2];
	v->regs.gpr[GPR_RDX] = regs[3];
	vcpu_skip_instruction(v);
	return 0;
}

static int handle_hlt(struct vcpu *v)
{
	int ret;

	if (v->vm->ops->hlt != NULL)
		ret = v->vm->ops->hlt(v);
	else
		ret = v->vm->virt_irq ? virq_wait(v) : 0;

	if (ret == 0)
		vcpu_skip_instruction(v);
	return ret;
}

/* SDM Table 28-5: exit qualification for I/O instructions. */
static int handle_io(struct vcpu *v)
{
	uint64_t q = vmcs_read(VMCS_EXIT_QUALIFICATION);
	unsigned size = (unsigned)(q & 7) + 1;
	bool in = (q >> 3) & 1, string = (q >> 4) & 1;
	uint16_t port = (uint16_t)(q >> 16);
	uint32_t val = 0;
	int ret;

	if (size != 1 && size != 2 && size != 4)
		return -ENOTSUP;
	if (v->vm->ops->pio == NULL)
		return -ENOTSUP;
	if (string) {
		/* INS/OUTS: one element per exit (string_io.h). */
		ret = vcpu_string_io_start(v, q, &val);
		if (ret <= 0)
			return ret;
		ret = v->vm->ops->pio(v, port, size, !in, &val);
		if (ret == -EINPROGRESS)
			return 0;	/* the ioreq_done hook finishes the element */
		if (ret != 0) {
			v->io.str_active = false;
			return ret;
		}
		return vcpu_string_io_finish(v, val);
	}
	/* OUT writes AL, AX or EAX: the rest of RAX is not the guest's data. */
	if (!in)
		val = (uint32_t)v->regs.gpr[GPR_RAX] & (size == 4 ? 0xFFFFFFFFU : (1U << (size * 8)) - 1);
	ret = v->vm->ops->pio(v, port, size, !in, &val);
	if (ret == -EINPROGRESS)
		return 0;	/* forwarded; completed by the VM's ioreq_done hook */
	if (ret != 0)
		return ret;
	if (in) {
		uint64_t *rax = &v->regs.gpr[GPR_RAX];

		/* 8/16-bit IN preserve the rest of RAX; 32-bit IN zero-extends. */
		if (size == 4)
			*rax = val;
		else if (size == 2)
			*rax = (*rax & ~0xFFFFULL) | (val & 0xFFFF);
		else
			*rax = (*rax & ~0xFFULL) | (val & 0xFF);
	}
	vcpu_skip_instruction(v);
	return 0;
}

/* PAUSE (spin-wait) of a User VM on a shared pCPU: the time slice goes to another vCPU. */
static int handle_pause(struct vcpu *v)
{
	v->yield = true;
	vcpu_skip_instruction(v);
	return 0;
}

static int handle_vmcall(struct vcpu *v)
{
	hypercall_handle(v);
	return 0;
}

/*
 * The vCPU cannot go on.  A User VM's device model is told the way a chipset
 * reset tells it (0x06 written to the reset control register 0xCF9), and
 * resets or stops the VM as configured; the vCPU never runs again until
 * then.  Any other vCPU (or a User VM whose IOREQ slot is busy) just stops.
 */
void vmexit_fatal(struct vcpu *v, const char *why)
{
	if (v->vm->user_vm && v->vm->ops->pio != NULL) {
		uint32_t val = 0x06;

		if (v->vm->ops->pio(v, 0xCF9, 1, true, &val) == -EINPROGRESS) {
			pr_err("VM %s vCPU %u: %s: the device model is told to reset the VM",
			       v->vm->name, v->id, why);
			v->blocked |= VCPU_BLOCK_PAUSED;
			return;
		}
	}
	vcpu_stop(v, why);
}

static int handle_triple_fault(struct vcpu *v)
{
	pr_err("VM %s vCPU %u: triple fault at RIP %#lx", v->vm->name, v->id,
	       vmcs_read(VMCS_GUEST_RIP));
	if (v->vm->privileged) {
		/* The Service VM owns the platform: its reset is the platform's. */
		pr_err("Service VM triple fault: resetting the platform");
		outb(0xCF9, 0x02);
		outb(0xCF9, 0x06);
		outb(0x64, 0xFE);
	}
	vmexit_fatal(v, "triple fault");
	return 0;
}

static int handle_ept_violation(struct vcpu *v)
{
	uint64_t q = vmcs_read(VMCS_EXIT_QUALIFICATION);
	int ret = mmio_emulate(v, vmcs_read(VMCS_GUEST_PHYS_ADDR), (q & 2) != 0);

	if (ret == -EINPROGRESS)
		return 0;	/* forwarded; emulated again on completion */
	if (ret != -ENOENT)
		return ret;
	pr_err("VM %s vCPU %u: EPT violation at GPA %#lx (qualification %#lx) RIP %#lx",
	       v->vm->name, v->id, vmcs_read(VMCS_GUEST_PHYS_ADDR),
	       vmcs_read(VMCS_EXIT_QUALIFICATION), vmcs_read(VMCS_GUEST_RIP));
	return -EFAULT;
}

/*
 * A physical interrupt while a vCPU without the LAPIC ran.  Acknowledged on
 * exit (SDM §25.7.1, exit interruption information valid): a remapped MSI
 * of a passed-through device is injected into its VM (common/ptdev.c);
 * anything else is only EOIed to keep the LAPIC delivering.  Not
 * acknowledged (a pCPU shared with the Service VM): it is the Service VM's,
 * which gets the pCPU back now.
 */
static int handle_external_interrupt(struct vcpu *v)
{
	uint64_t info = vmcs_read(VMCS_EXIT_INTR_INFO);

	if (info & (1U << 31)) {
		irq_note_exit((uint32_t)(info & 0xFFU));
		lapic_write(0xB0, 0);	/* EOI: an MSI is edge-triggered */
		(void)ptdev_msi_phys_irq(v->pcpu, (uint32_t)(info & 0xFFU));
		return 0;
	}
	sched_wake_service_vcpu(v->pcpu);
	v->yield = true;
	return 0;
}

static int handle_rdmsr(struct vcpu *v)
{
	return vmsr_handle_rdmsr(v);
}

static int handle_wrmsr(struct vcpu *v)
{
	return vmsr_handle_wrmsr(v);
}

/* The guest's view of CR0/CR4: owned bits from the read shadow, the rest real. */
static uint64_t guest_view(enum vmcs_field real, enum vmcs_field shadow, enum vmcs_field mask)
{
	uint64_t m = vmcs_read(mask);

	return (vmcs_read(real) & ~m) | (vmcs_read(shadow) & m);
}

/*
 * MOV to CR0/CR4 that touched a bit the hypervisor owns (SDM §28.1.3,
 * qualification in Table 28-3).  The guest's view goes to the read shadow;
 * the real register keeps what VMX operation requires.
 */
static int guest_write_cr0(struct vcpu *v, uint64_t val)
{
	uint64_t old = guest_view(VMCS_GUEST_CR0, VMCS_CR0_SHADOW, VMCS_CR0_MASK), efer = vmcs_read(VMCS_GUEST_EFER);
	uint64_t entry = vmcs_read(VMCS_ENTRY_CTLS);

	if ((val >> 32) != 0 || ((val & CR0_PG) && !(val & CR0_PE)) ||
	    ((val & CR0_NW) && !(val & CR0_CD))) {
		vcpu_inject_exception(v, 13, true, 0);
		return 0;
	}
	/* Paging toggled with EFER.LME set: enter or leave IA-32e mode (§10.8.5). */
	if ((val & CR0_PG) != (old & CR0_PG) && (efer & EFER_LME)) {
		if (val & CR0_PG) {
			efer |= EFER_LMA;
			entry |= ENTRY_IA32E_GUEST;
		} else {
			efer &= ~EFER_LMA;
			entry &= ~(uint64_t)ENTRY_IA32E_GUEST;
		}
		vmcs_write(VMCS_GUEST_EFER, efer);
		vmcs_write(VMCS_ENTRY_CTLS, entry);
	}
	vmcs_write(VMCS_CR0_SHADOW, val);
	vmcs_write(VMCS_GUEST_CR0, (val | (vmx_caps.cr0_fixed0 & ~(CR0_PE | CR0_PG))) &
		   vmx_caps.cr0_fixed1);
	return 0;
}

static int guest_write_cr4(struct vcpu *v, uint64_t val)
{
	uint64_t real = (val | vmx_caps.cr4_fixed0) & vmx_caps.cr4_fixed1;

	/* VMX is hidden; bits the CPU cannot set are reserved: both #GP. */
	if ((val & CR4_VMXE) || (real | CR4_VMXE) != (val | vmx_caps.cr4_fixed0)) {
		vcpu_inject_exception(v, 13, true, 0);
		return 0;
	}
	vmcs_write(VMCS_CR4_SHADOW, val);
	vmcs_write(VMCS_GUEST_CR4, real);
	return 0;
}

/* MOV to/from CR8 of a virt_irq VM: the vLAPIC TPR (virq.c). */
static int handle_cr8(struct vcpu *v, bool write, unsigned reg)
{
	uint64_t val = reg == GPR_RSP ? vmcs_read(VMCS_GUEST_RSP) : v->regs.gpr[reg];

	if (virq_cr8(v, write, &val) != 0) {
		vcpu_inject_exception(v, 13, true, 0);
		return 0;
	}
	if (!write) {
		if (reg == GPR_RSP)
			vmcs_write(VMCS_GUEST_RSP, val);
		else
			v->regs.gpr[reg] = val;
	}
	vcpu_skip_instruction(v);
	return 0;
}

static int handle_cr_access(struct vcpu *v)
{
	uint64_t q = vmcs_read(VMCS_EXIT_QUALIFICATION);
	unsigned cr = q & 0xF, type = (q >> 4) & 3, reg = (q >> 8) & 0xF;
	uint64_t val = reg == GPR_RSP ? vmcs_read(VMCS_GUEST_RSP) : v->regs.gpr[reg];
	int ret;

	if (cr == 8 && type <= 1 && v->vm->virt_irq)
		return handle_cr8(v, type == 0, reg);
	if (type != 0 || (cr != 0 && cr != 4))
		return -ENOTSUP;	/* only MOV to CR0/CR4 is intercepted */
	ret = cr == 0 ? guest_write_cr0(v, val) : guest_write_cr4(v, val);
	if (ret == 0 && (vmcs_read(VMCS_ENTRY_INTR_INFO) & (1U << 31)) == 0)
		vcpu_skip_instruction(v);
	return ret;
}

/* XSETBV (SDM Vol. 2): XCR0 must keep x87, AVX needs SSE, only supported bits. */
static int handle_xsetbv(struct vcpu *v)
{
	uint64_t val = (v->regs.gpr[GPR_RDX] << 32) | (uint32_t)v->regs.gpr[GPR_RAX];
	struct cpuid_regs r;
	uint64_t supported;

	cpuid_count(0xD, 0, &r);
	supported = ((uint64_t)r.edx << 32) | r.eax;
	if ((uint32_t)v->regs.gpr[GPR_RCX] != 0 || !(val & 1) || (val & ~supported) ||
	    ((val & 4) && !(val & 2)) || !(vmcs_read(VMCS_GUEST_CR4) & CR4_OSXSAVE)) {
		vcpu_inject_exception(v, 13, true, 0);
		return 0;
	}
	/* The hypervisor never uses extended state, so the guest's XCR0 can stay loaded. */
	__asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)));
	vcpu_skip_instruction(v);
	return 0;
}

static int handle_invd(struct vcpu *v)
{
	/* Dropping dirty lines would corrupt other VMs' memory: write back instead. */
	__asm__ volatile("wbinvd" ::: "memory");
	vcpu_skip_instruction(v);
	return 0;
}

/* Start the vCPU in real mode as a STARTUP IPI with this vector does. */
static void vcpu_start_at(struct vcpu *v, uint8_t vector)
{
	struct vcpu_boot_state st;

	vcpu_boot_state_sipi(&st, vector);
	vcpu_load_state(v, &st);
}

/*
 * Park the vCPU as INIT leaves a processor: waiting for a SIPI (SDM §8.4.1).
 * The VMCS wait-for-SIPI activity state is not used: in it the preemption
 * timer stops (SDM §26.5.1) and only a physical SIPI would end it, while
 * the hypervisor emulates the SIPI.  HLT with interrupts disabled waits the
 * same way and keeps the hypervisor tick running.
 */
static void vcpu_park(struct vcpu *v)
{
	struct vcpu_boot_state st;

	vcpu_boot_state_sipi(&st, 0);
	st.activity = VCPU_ACTIVITY_HLT;
	vcpu_load_state(v, &st);
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_write(VMCS_GUEST_PENDING_DBG, 0);
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	v->wait_sipi = true;
}

/* INVEPT single-context (SDM Vol. 3 §30.3, INVEPT type 1). */
static void invept_vm(struct vcpu *v)
{
	struct { uint64_t eptp, rsvd; } desc = { vmcs_read(VMCS_EPT_POINTER), 0 };

	__asm__ volatile("invept %0, %1" : : "m"(desc), "r"(1UL) : "cc", "memory");
}

void vcpu_handle_requests(struct vcpu *v)
{
	/* A release is left for the scheduler, which owns the vCPU's lifetime. */
	uint32_t req = __atomic_fetch_and(&v->requests, VCPU_REQ_RELEASE, __ATOMIC_ACQ_REL) &
		       ~VCPU_REQ_RELEASE;

	if (req & VCPU_REQ_FLUSH_EPT)
		invept_vm(v);
	if (req & VCPU_REQ_INIT) {
		vcpu_park(v);
		/* A User VM vCPU waits for its SIPI off the pCPU. */
		v->blocked &= ~VCPU_BLOCK_HALT;
		if (v->vm->user_vm)
			v->blocked |= VCPU_BLOCK_SIPI;
	}
	/* A SIPI only acts on a processor waiting for one (SDM §8.4.4.1). */
	if ((req & VCPU_REQ_SIPI) && v->wait_sipi) {
		v->wait_sipi = false;
		v->blocked &= ~(VCPU_BLOCK_SIPI | VCPU_BLOCK_HALT);
		vcpu_start_at(v, v->sipi_vector);
		pr_info("VM %s vCPU %u: started by SIPI at %#x", v->vm->name, v->id,
			(uint32_t)v->sipi_vector << 12);
	}
	if (req & VCPU_REQ_OFFLINE)
		v->blocked |= VCPU_BLOCK_OFFLINE;
	if (req & VCPU_REQ_RESUME)
		v->blocked &= ~VCPU_BLOCK_PAUSED;
	if (req & VCPU_REQ_PAUSE) {
		v->blocked |= VCPU_BLOCK_PAUSED;
		__atomic_fetch_or(&v->acked, VCPU_REQ_PAUSE, __ATOMIC_RELEASE);
	}
	if ((req & VCPU_REQ_RESET) && v->vm->ops->request != NULL)
		v->vm->ops->request(v, VCPU_REQ_RESET);
	if ((req & VCPU_REQ_IOREQ_DONE) && v->vm->ops->ioreq_done != NULL)
		v->vm->ops->ioreq_done(v);
}

/*
 * A physical INIT reached the vCPU (SDM §26.2).  With the LAPIC's ICR
 * emulated no guest sends one; Bochs 2.7 also keeps a physical INIT
 * pending after the exit, so it would strike again at every entry.
 */
static int handle_init(struct vcpu *v)
{
	vcpu_park(v);
	return 0;
}

static int handle_sipi(struct vcpu *v)
{
	uint8_t vector = (uint8_t)vmcs_read(VMCS_EXIT_QUALIFICATION);

	v->wait_sipi = false;
	vcpu_start_at(v, vector);
	pr_info("VM %s vCPU %u: started by SIPI at %#x", v->vm->name, v->id, (uint32_t)vector << 12);
	return 0;
}

static void vcpu_tick(struct vcpu *v)
{
	v->ticks++;
	hv_tick(v);
	sched_tick(v);
}

/* The VMX-preemption timer gives the hypervisor a periodic turn on this pCPU. */
static int handle_preemption_timer(struct vcpu *v)
{
	/* virt_irq vCPUs also use it for vLAPIC timers (virq.c), re-armed at
	 * each entry; the others save its value at exit and reload it here. */
	if (!v->vm->virt_irq)
		vmcs_write(VMCS_PREEMPTION_TIMER, v->tick_period);
	if (!v->vm->virt_irq || virq_preemption_exit(v))
		vcpu_tick(v);
	return 0;
}

/* Interrupt-window exiting (SDM §26.7.5) is only requested by virq. */
static int handle_intr_window(struct vcpu *v)
{
	return v->vm->virt_irq ? virq_handle_intr_window(v) : -ENOTSUP;
}

static const vmexit_fn handlers[EXIT_REASON_MAX] = {
	[EXIT_INTERRUPT_WINDOW] = handle_intr_window,
	[EXIT_PREEMPTION_TIMER] = handle_preemption_timer,
	[EXIT_INIT_SIGNAL] = handle_init,
	[EXIT_SIPI] = handle_sipi,
	[EXIT_CR_ACCESS] = handle_cr_access,
	[EXIT_RDMSR] = handle_rdmsr,
	[EXIT_WRMSR] = handle_wrmsr,
	[EXIT_XSETBV] = handle_xsetbv,
	[EXIT_INVD] = handle_invd,
	[EXIT_EXTERNAL_INTERRUPT] = handle_external_interrupt,
	[EXIT_TRIPLE_FAULT] = handle_triple_fault,
	[EXIT_CPUID] = handle_cpuid,
	[EXIT_HLT] = handle_hlt,
	[EXIT_PAUSE] = handle_pause,
	[EXIT_VMCALL] = handle_vmcall,
	[EXIT_IO_INSTRUCTION] = handle_io,
	[EXIT_EPT_VIOLATION] = handle_ept_violation,
};

uint32_t vmexit_trace_limit;

void vmexit_handle(struct vcpu *v)
{
	uint32_t reason = (uint32_t)vmcs_read(VMCS_EXIT_REASON);
	uint32_t basic = reason & 0xFFFF;
	int ret;

	if (reason & (1U << 31)) {
		pr_err("VM %s vCPU %u: VM entry failed: %s, qualification %#lx",
		       v->vm->name, v->id, vmx_exit_name(basic), vmcs_read(VMCS_EXIT_QUALIFICATION));
		pr_err("  RIP %#lx CS %#lx/%#lx CR0 %#lx CR4 %#lx EFER %#lx activity %lu interruptibility %#lx",
		       vmcs_read(VMCS_GUEST_RIP), vmcs_read(VMCS_GUEST_CS_SEL), vmcs_read(VMCS_GUEST_CS_AR),
		       vmcs_read(VMCS_GUEST_CR0), vmcs_read(VMCS_GUEST_CR4), vmcs_read(VMCS_GUEST_EFER),
		       vmcs_read(VMCS_GUEST_ACTIVITY), vmcs_read(VMCS_GUEST_INTERRUPTIBILITY));
		vmexit_fatal(v, "VM entry failed");
		return;
	}
	if (basic < EXIT_REASON_MAX)
		v->exit_count[basic]++;
	v->last_exit = basic;
	v->last_rip = vmcs_read(VMCS_GUEST_RIP);
	/* Timer ticks would flood the trace: they are left out of it. */
	if (unlikely(v->traced < vmexit_trace_limit) && basic != EXIT_PREEMPTION_TIMER &&
	    ++v->traced != 0)
		pr_info("trace: VM %s vCPU %u exit %lu: %s RIP %#lx qualification %#lx",
			v->vm->name, v->id, v->exits, vmx_exit_name(basic),
			vmcs_read(VMCS_GUEST_RIP), vmcs_read(VMCS_EXIT_QUALIFICATION));
	if (basic >= EXIT_REASON_MAX || handlers[basic] == NULL) {
		pr_err("VM %s vCPU %u: unhandled VM exit %u (%s), qualification %#lx, RIP %#lx",
		       v->vm->name, v->id, basic, vmx_exit_name(basic),
		       vmcs_read(VMCS_EXIT_QUALIFICATION), vmcs_read(VMCS_GUEST_RIP));
		vmexit_fatal(v, "unhandled VM exit");
		return;
	}
	ret = handlers[basic](v);
	if (ret != 0) {
		pr_err("VM %s vCPU %u: stopped after %s exit (error %d)",
		       v->vm->name, v->id, vmx_exit_name(basic), ret);
		vmexit_fatal(v, vmx_exit_name(basic));
		return;
	}
	/*
	 * A virt_irq vCPU's preemption timer restarts from its full value at
	 * every entry (its value is not saved at exit), so a guest that exits
	 * more often than the tick period (a PAUSE spin loop, an I/O poll)
	 * would never see its timer expire: the tick is due at any exit once
	 * a period has passed.  Without it the Service VM vCPU sharing the
	 * pCPU starved behind a User VM AP spinning in Linux's SMP bring-up.
	 */
	if (v->vm->virt_irq && basic != EXIT_PREEMPTION_TIMER && virq_preemption_exit(v))
		vcpu_tick(v);
}

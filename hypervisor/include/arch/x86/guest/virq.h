/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file virq.h
 * Virtual interrupt controllers of a VM that does not own the physical
 * LAPIC (vm->virt_irq): one vIOAPIC (GPA 0xFEC00000, 48 pins) and one vPIC
 * pair (ports 0x20/0x21/0xA0/0xA1, ELCR 0x4D0/0x4D1) per VM, one vLAPIC
 * (xAPIC page at 0xFEE00000, x2APIC MSRs, IA32_APIC_BASE,
 * IA32_TSC_DEADLINE) per vCPU, and their injection into the guest through
 * the VM-entry interruption-information field.  The state machines are the
 * host-tested libraries in dm/; this is their hypervisor glue.
 *
 * Locking: one recursive spinlock per VM serialises every controller of
 * the VM, so a vLAPIC may deliver to another (IPI), to itself (self IPI)
 * or to the vIOAPIC (EOI broadcast) from inside its own hooks.
 */
#ifndef ARCH_X86_GUEST_VIRQ_H
#define ARCH_X86_GUEST_VIRQ_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct vcpu;

/** Guest-physical base of the virtual IOAPIC window. */
#define VIRQ_IOAPIC_GPA		0xFEC00000ULL
/** Guest-physical base of the virtual xAPIC page (IA32_APIC_BASE default). */
#define VIRQ_LAPIC_GPA		0xFEE00000ULL

/**
 * Create the VM's vIOAPIC and vPIC.  Call once after vm_create() for a VM
 * with vm->virt_irq set, before its vCPUs are initialised.
 * @return 0, -EINVAL (vm->virt_irq not set or already initialised) or -ENOMEM.
 */
int virq_vm_init(struct vm *vm);

/** Free the VM's controllers and every vCPU's vLAPIC.  Safe on a VM without them. */
void virq_vm_deinit(struct vm *vm);

/**
 * Create the vLAPIC of a vCPU (APIC ID = vCPU index; vCPU 0 is the BSP).
 * Call after vcpu_create() and virq_vm_init().
 * @return 0, -EINVAL (VM without virt_irq) or -ENOMEM.
 */
int virq_vcpu_init(struct vcpu *v);

/**
 * Drive a GSI from an electrical operation (ACRN_HC_IRQLINE_SET_HIGH,
 * _SET_LOW, _RAISING_PULSE, _FALLING_PULSE).  The vIOAPIC pin gsi sees the
 * level through its programmed polarity; GSIs 0-15 except 2 also drive the
 * vPIC input of the same number.
 * @return 0, or -EINVAL for gsi >= 48, an unknown op or a VM without virt_irq.
 */
int virq_set_irqline(struct vm *vm, uint32_t gsi, uint32_t op);

/**
 * Assert or deassert a GSI logically: asserted means the pin's active level
 * under the polarity the guest programmed (a passed-through device's INTx,
 * whose physical line the hypervisor sees only as "fired"); GSIs 0-15 except
 * 2 also drive the vPIC input of the same number (active high).
 * @return 0, or -EINVAL for gsi >= 48 or a VM without virt_irq.
 */
int virq_set_gsi_asserted(struct vm *vm, uint32_t gsi, bool asserted);

/**
 * Deliver an MSI (address/data as programmed in a device, SDM 11.11).
 * @return 0, or -EINVAL for a malformed message or a VM without virt_irq.
 */
int virq_inject_msi(struct vm *vm, uint64_t addr, uint64_t data);

/**
 * Emulated MMIO on the vLAPIC page (of vCPU v) or the vIOAPIC window.
 * Accesses the models reject (bad size, reserved register) read 0 or are
 * dropped, as on hardware; they do not fault.
 * @return 0, or -ENOENT if gpa is in neither page.
 */
int virq_mmio(struct vcpu *v, uint64_t gpa, unsigned size, bool write, uint64_t *val);

/**
 * Port I/O on the vPIC (0x20, 0x21, 0xA0, 0xA1) and ELCR (0x4D0, 0x4D1).
 * @return 0, or -ENOENT for any other port.
 */
int virq_pio(struct vcpu *v, uint16_t port, unsigned size, bool write, uint32_t *val);

/**
 * RDMSR/WRMSR of IA32_APIC_BASE (0x1B), IA32_TSC_DEADLINE (0x6E0) and the
 * x2APIC MSRs (0x800-0x8FF).
 * @return 0; -ENOENT if msr is none of these; -EINVAL: inject #GP.
 */
int virq_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val);

/**
 * MOV to (write) or from CR8: the vLAPIC TPR bits 7:4 (SDM Vol. 3A §11.8.6.1).
 * @return 0; -ENOENT for a VM without virt_irq; -EINVAL: reserved bits set, inject #GP.
 */
int virq_cr8(struct vcpu *v, bool write, uint64_t *val);

/**
 * Is there something the vCPU's interrupt controllers want delivered now:
 * an NMI, a vLAPIC vector that beats the PPR, or (vCPU 0 with LINT0 in
 * ExtINT mode) a vPIC request?  Expired vLAPIC timers are fired first.
 * Ignores the guest's RFLAGS.IF; see virq_wait().  Callable from any pCPU.
 */
bool virq_pending(struct vcpu *v);

/**
 * Would a vCPU halted with RFLAGS.IF = if_set leave the HLT state now (SDM
 * Vol. 3 §9.9: an NMI always, a maskable interrupt only with IF set)?
 * Expired vLAPIC timers are fired first.  Callable from any pCPU.
 */
bool virq_halt_wake(struct vcpu *v, bool if_set);

/** Guest TSC of the vCPU's next vLAPIC timer expiry, 0 if none is armed. */
uint64_t virq_next_deadline(struct vcpu *v);

/**
 * Before each VM entry of a virt_irq vCPU (on its pCPU, VMCS loaded):
 * fire expired timers, re-inject an event whose delivery a VM exit
 * interrupted, inject the highest pending interrupt when the guest can
 * take it, otherwise request an interrupt-window exit, and arm the
 * VMX-preemption timer for min(hypervisor tick, next vLAPIC deadline).
 */
void virq_before_entry(struct vcpu *v);

/**
 * VMX-preemption timer exit of a vCPU: the timer also serves vLAPIC
 * deadlines and a 10 ms poll for virt_irq vCPUs.
 * @return true if this exit is a hypervisor tick (call hv_tick()): always
 *         for a VM without virt_irq that has a tick; for a virt_irq vCPU
 *         with a tick period, once that period has passed since its last tick.
 */
bool virq_preemption_exit(struct vcpu *v);

/** Interrupt-window VM exit (reason 7): nothing to do but re-evaluate at entry. @return 0. */
int virq_handle_intr_window(struct vcpu *v);

/**
 * The vCPU executed HLT: wait until it would leave the HLT state — an NMI,
 * a maskable interrupt with the guest's RFLAGS.IF set, a posted request
 * (INIT/SIPI) or a stop — running the hypervisor tick meanwhile.  Waits in
 * the hypervisor for now; the scheduler will switch to another vCPU here.
 * @return 0 (the caller then skips the HLT instruction).
 */
int virq_wait(struct vcpu *v);

/**
 * Make the vCPU notice new pending work soon.  The scheduler's (sched.c)
 * sends an IPI when the vCPU's pCPU idles for its User VM vCPUs; a vCPU in
 * VMX non-root sees the work at its next VM exit (a 10 ms tick at most).
 * virq.c has a weak no-op for unit tests built without the scheduler.
 */
void vcpu_kick(struct vcpu *v);

#endif /* ARCH_X86_GUEST_VIRQ_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file irq_stats.h
 * What the hypervisor knows about interrupts, per pCPU: which handler its IDT
 * holds for each vector and how often each vector fired, either in VMX root
 * (through the IDT) or as an external-interrupt VM exit.  Kept in
 * arch/x86/cpu_tables.c; read by the shell's dump_irq.
 */
#ifndef ARCH_X86_IRQ_STATS_H
#define ARCH_X86_IRQ_STATS_H

#include <stdint.h>

/** Number of interrupt vectors (SDM Vol. 3 §6.2). */
#define IRQ_NR_VECTORS	256U

/**
 * Name of what the hypervisor's IDT does with a vector, e.g. "#PF page fault
 * (fatal)", "NMI (counted, resumed)" or "unexpected interrupt (fatal)".
 * @return a static string; "" for vector >= IRQ_NR_VECTORS.
 */
const char *irq_vector_name(uint32_t vector);

/**
 * Times vector was delivered through the hypervisor's IDT on pCPU cpu.
 * @return the count, 0 for an out-of-range cpu or vector.
 */
uint64_t irq_root_count(uint32_t cpu, uint32_t vector);

/**
 * Record on the current pCPU an external interrupt or NMI that caused a VM
 * exit (vector from the VM-exit interruption information, SDM Vol. 3
 * §24.9.2).  Cheap: one per-pCPU increment; out-of-range vectors are ignored.
 */
void irq_note_exit(uint32_t vector);

/**
 * Times irq_note_exit(vector) ran on pCPU cpu.
 * @return the count, 0 for an out-of-range cpu or vector.
 */
uint64_t irq_exit_count(uint32_t cpu, uint32_t vector);

#endif /* ARCH_X86_IRQ_STATS_H */

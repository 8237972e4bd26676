/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file per_cpu.h
 * Per-physical-CPU data, reached through GS (offset 0 holds a self pointer).
 */
#ifndef ARCH_X86_PER_CPU_H
#define ARCH_X86_PER_CPU_H

#include <stdint.h>
#include <stdbool.h>
#include <arch/x86/seg.h>

#define MAX_PCPUS	8
#define PCPU_STACK_SIZE	(16 * 1024)
#define IST_STACK_SIZE	(4 * 1024)

enum pcpu_state {
	PCPU_OFFLINE = 0,
	PCPU_STARTING,
	PCPU_ONLINE,
	PCPU_VMX_ROOT,
	PCPU_DEAD,
};

struct tss64 {
	uint32_t rsvd0;
	uint64_t rsp[3];
	uint64_t rsvd1;
	uint64_t ist[7];
	uint64_t rsvd2;
	uint16_t rsvd3;
	uint16_t iomap_base;
} __attribute__((packed));

struct per_cpu {
	struct per_cpu *self;		/* must stay first: read via %gs:0 */
	uint32_t cpu_id;		/* 0 = BSP, dense */
	uint32_t apic_id;
	volatile uint32_t state;
	uint64_t gdt[HV_GDT_ENTRIES] __attribute__((aligned(16)));
	struct tss64 tss __attribute__((aligned(16)));
	void *vmxon_region;
	void *current_vcpu;
	uint64_t exits;			/* VM exits handled on this pCPU */
	uint8_t ist_stack[IST_STACK_SIZE] __attribute__((aligned(16)));
	uint8_t stack[PCPU_STACK_SIZE] __attribute__((aligned(16)));
};

extern struct per_cpu per_cpu_data[MAX_PCPUS];
extern uint32_t pcpu_count;

static inline struct per_cpu *this_cpu(void)
{
	struct per_cpu *p;

	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

static inline uint32_t this_cpu_id(void)
{
	return this_cpu()->cpu_id;
}

/** Load this CPU's GDT, TSS and GS base; call first thing on every pCPU. */
void cpu_setup_tables(struct per_cpu *pc);

/** Install the IDT (shared by all pCPUs). */
void idt_init(void);
void idt_load(void);

#endif /* ARCH_X86_PER_CPU_H */

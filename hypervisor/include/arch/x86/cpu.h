/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file cpu.h
 * Thin wrappers around privileged x86 instructions.
 */
#ifndef ARCH_X86_CPU_H
#define ARCH_X86_CPU_H

#include <stdint.h>

#define CR0_PE	(1UL << 0)
#define CR0_MP	(1UL << 1)
#define CR0_EM	(1UL << 2)
#define CR0_TS	(1UL << 3)
#define CR0_ET	(1UL << 4)
#define CR0_NE	(1UL << 5)
#define CR0_WP	(1UL << 16)
#define CR0_AM	(1UL << 18)
#define CR0_NW	(1UL << 29)
#define CR0_CD	(1UL << 30)
#define CR0_PG	(1UL << 31)

#define CR4_PAE		(1UL << 5)
#define CR4_PGE		(1UL << 7)
#define CR4_OSFXSR	(1UL << 9)
#define CR4_OSXMMEXCPT	(1UL << 10)
#define CR4_VMXE	(1UL << 13)
#define CR4_OSXSAVE	(1UL << 18)

#define RFLAGS_IF	(1UL << 9)

#define EFER_SCE	(1UL << 0)
#define EFER_LME	(1UL << 8)
#define EFER_LMA	(1UL << 10)
#define EFER_NXE	(1UL << 11)

/* CPUID.1:ECX / EDX feature bits used by the hypervisor */
#define CPUID1_ECX_MONITOR	(1U << 3)
#define CPUID1_ECX_VMX		(1U << 5)
#define CPUID1_ECX_X2APIC	(1U << 21)
#define CPUID1_ECX_XSAVE	(1U << 26)
#define CPUID1_ECX_OSXSAVE	(1U << 27)
#define CPUID1_ECX_HYPERVISOR	(1U << 31)

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline void cpuid_count(uint32_t leaf, uint32_t sub, struct cpuid_regs *r)
{
	__asm__ volatile("cpuid"
			 : "=a"(r->eax), "=b"(r->ebx), "=c"(r->ecx), "=d"(r->edx)
			 : "a"(leaf), "c"(sub));
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)) : "memory");
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* read_cr0() ... write_dr6(): control and debug registers (the assembler names DRn "db"). */
#define DEFINE_REG_ACCESSORS(name, asmname)					\
static inline uint64_t read_##name(void)					\
{										\
	uint64_t v;								\
	__asm__ volatile("mov %%" #asmname ", %0" : "=r"(v));			\
	return v;								\
}										\
static inline void write_##name(uint64_t v)					\
{										\
	__asm__ volatile("mov %0, %%" #asmname : : "r"(v) : "memory");		\
}
DEFINE_REG_ACCESSORS(cr0, cr0)
DEFINE_REG_ACCESSORS(cr2, cr2)
DEFINE_REG_ACCESSORS(cr3, cr3)
DEFINE_REG_ACCESSORS(cr4, cr4)
DEFINE_REG_ACCESSORS(dr0, db0)
DEFINE_REG_ACCESSORS(dr1, db1)
DEFINE_REG_ACCESSORS(dr2, db2)
DEFINE_REG_ACCESSORS(dr3, db3)
DEFINE_REG_ACCESSORS(dr6, db6)
#undef DEFINE_REG_ACCESSORS

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static inline void cpu_halt(void)
{
	__asm__ volatile("hlt" ::: "memory");
}

static inline void cpu_irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}

static inline uint64_t read_rflags(void)
{
	uint64_t f;

	__asm__ volatile("pushfq; popq %0" : "=r"(f));
	return f;
}

/** Stop this CPU for good: interrupts off, halt forever. */
static inline __attribute__((noreturn)) void cpu_dead(void)
{
	for (;;) {
		__asm__ volatile("cli; hlt" ::: "memory");
	}
}

#define barrier()	__asm__ volatile("" ::: "memory")

#endif /* ARCH_X86_CPU_H */

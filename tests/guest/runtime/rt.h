/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file rt.h
 * Test-guest runtime: what a test guest (tests/guest/<name>.c) may call.
 *
 * A guest defines rt_guest_name, rt_guest_plan and rt_guest_main(); the runtime boots into
 * 64-bit mode, prints "PLAN <name> <n>", runs rt_guest_main() on the boot CPU, then prints
 * "SUMMARY: P passed, F failed, S skipped" and powers the machine off.  Each check prints
 * exactly one "PASS <name>", "FAIL <name>: <reason>" or "SKIP <name>: <reason>" line; a
 * mismatch between the plan and the checks reported is itself a failure.
 */
#ifndef TESTS_GUEST_RT_H
#define TESTS_GUEST_RT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rt_layout.h"

/* ---- supplied by each guest ---- */
extern const char rt_guest_name[];	/**< e.g. "cpu" */
extern const unsigned int rt_guest_plan;	/**< number of checks it reports */
/** The guest's checks, run on the boot CPU with interrupts off. */
void rt_guest_main(void);
/** Declare a guest: its name and number of checks (the Makefile reads N from this line). */
#define RT_GUEST(name, n) \
	const char rt_guest_name[] = #name; \
	const unsigned int rt_guest_plan = (n)

/* ---- reporting ---- */
/** printf subset: %s %c %d %u %x %lx %llx %lu %ld %p %%, width and '0' flag. */
void rt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** The command line the multiboot loader passed ("" without one). */
const char *rt_cmdline(void);
/** True when @p word is one of the command line's space-separated words. */
bool rt_cmdline_has(const char *word);
void rt_vprintf(const char *fmt, va_list ap);
void rt_pass(const char *name);
void rt_fail(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rt_skip(const char *name, const char *reason);
/** PASS if @p cond, else FAIL with the formatted reason.  @return @p cond */
bool rt_check(const char *name, bool cond, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/** Print the summary and power off (never returns). */
__attribute__((noreturn)) void rt_finish(void);
/** Power off: ACPI S5 (FADT PM1a, else port 0x404), Bochs port 0x8900, cli;hlt. */
__attribute__((noreturn)) void rt_poweroff(void);

/* ---- port I/O, MSRs, control registers ---- */
static inline void rt_outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void rt_outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void rt_outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t rt_inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint16_t rt_inw(uint16_t port) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t rt_inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline uint64_t rt_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void rt_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

static inline uint64_t rt_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void rt_wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static inline uint64_t rt_read_cr0(void) { uint64_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline uint64_t rt_read_cr2(void) { uint64_t v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline uint64_t rt_read_cr3(void) { uint64_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline uint64_t rt_read_cr4(void) { uint64_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void rt_write_cr0(uint64_t v) { __asm__ volatile("mov %0, %%cr0" :: "r"(v) : "memory"); }
static inline void rt_write_cr2(uint64_t v) { __asm__ volatile("mov %0, %%cr2" :: "r"(v) : "memory"); }
static inline void rt_write_cr3(uint64_t v) { __asm__ volatile("mov %0, %%cr3" :: "r"(v) : "memory"); }
static inline void rt_write_cr4(uint64_t v) { __asm__ volatile("mov %0, %%cr4" :: "r"(v) : "memory"); }
static inline void rt_sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void rt_cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void rt_pause(void) { __asm__ volatile("pause" ::: "memory"); }
static inline uint64_t rt_rflags(void) { uint64_t f; __asm__ volatile("pushfq; popq %0" : "=r"(f)); return f; }

/* ---- exceptions ---- */
/** What the last expected exception was (see the *_safe helpers). */
struct rt_fault {
	uint64_t vector;	/**< RT_NO_FAULT if none */
	uint64_t error;
	uint64_t cr2;
	uint64_t rip;
};
#define RT_NO_FAULT	(~0ULL)	/* prints as -1 with %ld */

/**
 * Exception table: an instruction at label "insn" that may fault resumes at "fixup" with
 * the fault recorded in rt_last_fault (per boot CPU; the other CPUs must not fault).
 */
#define RT_EXTABLE(insn, fixup) \
	".pushsection .rt_extable, \"a\"\n\t.balign 8\n\t.quad " insn ", " fixup "\n\t.popsection\n\t"

extern volatile struct rt_fault rt_last_fault;
/** Forget the last fault. */
void rt_fault_clear(void);

/** RDMSR that survives #GP.  @return the vector taken (RT_NO_FAULT if none) */
uint64_t rt_rdmsr_safe(uint32_t msr, uint64_t *val);
/** WRMSR that survives #GP.  @return the vector taken (RT_NO_FAULT if none) */
uint64_t rt_wrmsr_safe(uint32_t msr, uint64_t val);
/** MOV to CR4 that survives #GP.  @return the vector taken (RT_NO_FAULT if none) */
uint64_t rt_write_cr4_safe(uint64_t val);
/** XSETBV that survives #GP/#UD.  @return the vector taken (RT_NO_FAULT if none) */
uint64_t rt_xsetbv_safe(uint32_t xcr, uint64_t val);

/* ---- interrupts ---- */
/** Saved state of an interrupted context (entry.S pushes it in this order). */
struct rt_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};
typedef void (*rt_irq_fn)(struct rt_frame *f);
/** Interrupts taken per vector (all CPUs), NMIs (vector 2) included. */
extern volatile uint32_t rt_irq_count[256];
/**
 * Handler for vector @p vec (>= 32).  With a handler, the handler owns the EOI; without
 * one the runtime counts the interrupt and sends the EOI itself (except for vector 0xFF,
 * the runtime's spurious vector: SDM Vol. 3A 11.9 says a spurious interrupt gets no EOI).
 */
void rt_set_irq_handler(uint8_t vec, rt_irq_fn fn);
#define RT_SPURIOUS_VECTOR	0xFF

/* ---- local APIC (xAPIC MMIO or x2APIC MSRs, whichever mode the runtime is in) ---- */
#define APIC_BASE_ADDR		0xFEE00000ULL
#define APIC_ID			0x020
#define APIC_VERSION		0x030
#define APIC_TPR		0x080
#define APIC_PPR		0x0A0
#define APIC_EOI		0x0B0
#define APIC_SVR		0x0F0
#define APIC_ISR		0x100
#define APIC_TMR		0x180
#define APIC_IRR		0x200
#define APIC_ESR		0x280
#define APIC_ICR_LO		0x300
#define APIC_ICR_HI		0x310
#define APIC_LVT_TIMER		0x320
#define APIC_LVT_LINT0		0x350
#define APIC_LVT_LINT1		0x360
#define APIC_LVT_ERROR		0x370
#define APIC_TIMER_ICR		0x380
#define APIC_TIMER_CCR		0x390
#define APIC_TIMER_DCR		0x3E0
#define APIC_LVT_MASKED		(1U << 16)
#define APIC_TIMER_PERIODIC	(1U << 17)
#define APIC_TIMER_TSC_DEADLINE	(2U << 17)
#define APIC_ICR_FIXED		(0U << 8)
#define APIC_ICR_NMI		(4U << 8)
#define APIC_ICR_INIT		(5U << 8)
#define APIC_ICR_STARTUP	(6U << 8)
#define APIC_ICR_PENDING	(1U << 12)
#define APIC_ICR_ASSERT		(1U << 14)
#define APIC_ICR_LEVEL		(1U << 15)
#define APIC_ICR_SELF		(1U << 18)
#define APIC_ICR_ALL_BUT_SELF	(3U << 18)
#define MSR_APIC_BASE		0x1B
#define MSR_TSC_DEADLINE	0x6E0
#define MSR_X2APIC_BASE		0x800

/** Local APIC register @p reg (an APIC_* offset) in the current mode. */
uint32_t rt_apic_read(uint32_t reg);
void rt_apic_write(uint32_t reg, uint32_t val);
/** Send an IPI: @p dest is an APIC ID (ignored with a shorthand), @p icr_lo the low ICR. */
void rt_apic_send_ipi(uint32_t dest, uint32_t icr_lo);
void rt_apic_eoi(void);
/** This CPU's APIC ID (xAPIC: bits 31:24 of the ID register; x2APIC: the full MSR). */
uint32_t rt_apic_id(void);
/** Is bit @p vec set in the 256-bit register starting at @p base (APIC_ISR/TMR/IRR)? */
bool rt_apic_vec_bit(uint32_t base, uint8_t vec);
/** Switch this CPU to x2APIC mode (MSR access).  @return 0 or -1 if unsupported */
int rt_x2apic_enable(void);
extern bool rt_x2apic;

/* ---- IOAPIC ---- */
#define IOAPIC_BASE_ADDR	0xFEC00000ULL
uint32_t rt_ioapic_read(uint32_t index);
void rt_ioapic_write(uint32_t index, uint32_t val);

/* ---- time ---- */
/** TSC ticks per microsecond, calibrated at start against PIT channel 2 (0 if unknown). */
extern uint64_t rt_tsc_per_us;
/** Busy-wait @p us microseconds (TSC based). */
void rt_udelay(uint64_t us);
/**
 * Program PIT channel 2 for @p ticks (1.193182 MHz) and wait for its output to rise.
 * @return TSC ticks elapsed, or 0 if the output never rose (no PIT)
 */
uint64_t rt_pit_wait(uint16_t ticks);
/** Spin until *@p p >= @p want or @p us microseconds pass.  @return true if reached */
bool rt_wait_count(volatile uint32_t *p, uint32_t want, uint64_t us);

/* ---- PCI bus 0 (configuration mechanism #1, 0xCF8/0xCFC) and acrn-dm's testdev ---- */
uint32_t rt_pci_read32(unsigned int slot, unsigned int func, unsigned int reg);
void rt_pci_write32(unsigned int slot, unsigned int func, unsigned int reg, uint32_t val);

/** acrn-dm's test device (doc/testdev.md): vendor 0xACE0, device 0x0010. */
#define TDEV_VENDOR		0xACE0
#define TDEV_DEVICE		0x0010
#define TDEV_ID_VALUE		0x56454454U	/* "TDEV" */
#define TDEV_SCRATCH_SIZE	0x100		/* BAR0 0x000-0x0FF, widths 1/2/4/8 */
#define TDEV_REG_ID		0x100
#define TDEV_REG_LAST		0x108		/* bits 3:0 size, 8 write, 23:16 offset, 31 valid */
#define TDEV_REG_COUNT		0x110
#define TDEV_REG_CLEAR		0x114
#define TDEV_REG_IRQ		0x120		/* write (op << 8) | gsi; read: last result */
#define TDEV_REG_LEVELS		0x128		/* 64-bit */
#define TDEV_REG_BAD		0x130
#define TDEV_PIO_SCRATCH	0x0
#define TDEV_PIO_ID		0x4
#define TDEV_PIO_IRQ		0x8
#define TDEV_IRQ_HIGH		0U
#define TDEV_IRQ_LOW		1U
#define TDEV_IRQ_RAISING_PULSE	2U
#define TDEV_IRQ_FALLING_PULSE	3U
#define TDEV_LAST(off, size, write) \
	(0x80000000U | ((uint32_t)(off) << 16) | ((write) ? 0x100U : 0U) | (uint32_t)(size))
struct rt_testdev {
	unsigned int slot;
	volatile uint8_t *mmio;		/**< BAR0 (identity mapped, uncached above 3 GiB) */
	uint16_t pio;			/**< BAR1 */
};
/** Find the testdev on bus 0.  @return 0, or -1 if there is none (or its BARs are unset) */
int rt_testdev_find(struct rt_testdev *td);
/** Drive GSI @p gsi with @p op (TDEV_IRQ_*) through BAR1.  @return the device's result */
int32_t rt_testdev_irq(const struct rt_testdev *td, uint32_t gsi, uint32_t op);

/* ---- paging ---- */
/** Make the 2 MiB page containing @p addr (below 4 GiB) present or not, and flush it. */
void rt_page_set_present(uint64_t addr, bool present);

/* ---- ACPI / SMP ---- */
/** Number of enabled processors in the MADT (1 if there is no MADT). */
extern unsigned int rt_ncpus_madt;
/** PM1a event block port (FADT PM1a_EVT_BLK: PM1_STS, then PM1_EN); 0 if there is no FADT. */
extern uint32_t rt_pm1a_evt;
/**
 * Was the ACPI power button pressed?  Reads PM1_STS (ACPI 6.5 4.8.3.1; acrn-dm's default port
 * 0x400 without a FADT) and clears PWRBTN_STS (bit 8, write-one-to-clear) when it is set, so
 * each press answers true once.  Polled: the runtime takes no SCI.
 */
bool rt_power_button(void);
/** APIC IDs from the MADT, BSP included. */
extern uint32_t rt_cpu_apic_id[RT_MAX_CPUS];
/** CPUs up and running rt_ap_main (BSP included). */
extern volatile uint32_t rt_cpus_online;
/**
 * Start every AP of the MADT by INIT-SIPI-SIPI (SDM Vol. 3A 9.4.4.1); each runs @p fn with
 * its index (1..n-1) and then idles with interrupts on.
 * @return number of CPUs online, BSP included
 */
unsigned int rt_smp_start(void (*fn)(unsigned int cpu));

/* ---- misc ---- */
/** EAX and EBX at entry: 0x2BADB002 and the Multiboot 1 information's address (or MB2's). */
extern uint32_t rt_boot_magic, rt_boot_info;
static inline uint32_t rt_atomic_xadd(volatile uint32_t *p, uint32_t v)
{
	__asm__ volatile("lock xaddl %0, %1" : "+r"(v), "+m"(*p) :: "memory");
	return v;
}
/* The compiler may emit calls to these itself; the runtime defines them. */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *rt_memset(void *d, int c, size_t n);
void *rt_memcpy(void *d, const void *s, size_t n);
int rt_memcmp(const void *a, const void *b, size_t n);

#endif /* TESTS_GUEST_RT_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-CPU GDT and TSS, the shared IDT, per-pCPU interrupt counts and the
 * fatal-exception report.
 * Descriptor formats: SDM Vol. 3 §3.4.5 (segment), §7.2.3 (64-bit TSS),
 * §6.14.1 (64-bit IDT gate).
 */
#define pr_fmt(fmt) "trap: " fmt
#include <arch/x86/per_cpu.h>
#include <arch/x86/trap.h>
#include <arch/x86/irq_stats.h>
#include <arch/x86/cpu.h>
#include <arch/x86/msr.h>
#include <common/log.h>
#include <lib/string.h>

struct per_cpu per_cpu_data[MAX_PCPUS] __attribute__((aligned(4096)));
uint32_t pcpu_count = 1;

struct idt_gate {
	uint16_t off0;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off1;
	uint32_t off2;
	uint32_t rsvd;
} __attribute__((packed));

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static struct idt_gate idt[256] __attribute__((aligned(16)));
extern const uint64_t trap_stubs[IRQ_NR_VECTORS];
extern char hv_image_start[], hv_image_end[];

static const char *const trap_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound", "#UD invalid opcode", "#NM no FPU", "#DF double fault",
	"coprocessor overrun", "#TS invalid TSS", "#NP segment not present",
	"#SS stack fault", "#GP general protection", "#PF page fault", "reserved",
	"#MF x87 error", "#AC alignment check", "#MC machine check", "#XM SIMD error",
	"#VE virtualization", "#CP control protection",
};

#define NMI_VECTOR	2U
#define SPURIOUS_VECTOR	0xFFU	/* programmed into the LAPIC SVR by lapic_init() */

/*
 * Plain per-pCPU counters: each pCPU only writes its own row, so no atomics
 * are needed; a reader on another pCPU may see a count one behind.
 */
static uint64_t root_counts[MAX_PCPUS][IRQ_NR_VECTORS];
static uint64_t exit_counts[MAX_PCPUS][IRQ_NR_VECTORS];

const char *irq_vector_name(uint32_t vector)
{
	if (vector == NMI_VECTOR)
		return "NMI (counted, resumed)";
	if (vector == SPURIOUS_VECTOR)
		return "LAPIC spurious (counted, resumed)";
	if (vector < 32)
		return trap_names[vector] != NULL ? trap_names[vector] : "reserved exception";
	if (vector < IRQ_NR_VECTORS)
		return "unexpected interrupt (fatal)";
	return "";
}

uint64_t irq_root_count(uint32_t cpu, uint32_t vector)
{
	if (cpu >= MAX_PCPUS || vector >= IRQ_NR_VECTORS)
		return 0;
	return __atomic_load_n(&root_counts[cpu][vector], __ATOMIC_RELAXED);
}

void irq_note_exit(uint32_t vector)
{
	uint32_t cpu = this_cpu_id();

	if (cpu < MAX_PCPUS && vector < IRQ_NR_VECTORS)
		exit_counts[cpu][vector]++;
}

uint64_t irq_exit_count(uint32_t cpu, uint32_t vector)
{
	if (cpu >= MAX_PCPUS || vector >= IRQ_NR_VECTORS)
		return 0;
	return __atomic_load_n(&exit_counts[cpu][vector], __ATOMIC_RELAXED);
}

static void set_gate(unsigned vec, uint64_t handler, uint8_t ist)
{
	idt[vec].off0 = (uint16_t)handler;
	idt[vec].sel = HV_CS64;
	idt[vec].ist = ist;
	idt[vec].type = 0x8E;		/* present, DPL 0, 64-bit interrupt gate */
	idt[vec].off1 = (uint16_t)(handler >> 16);
	idt[vec].off2 = (uint32_t)(handler >> 32);
	idt[vec].rsvd = 0;
}

/* NMI, #DF and #MC run on the IST stack: they may arrive with a bad RSP. */
void idt_init(void)
{
	for (unsigned v = 0; v < IRQ_NR_VECTORS; v++)
		set_gate(v, trap_stubs[v], (v == 2 || v == 8 || v == 18) ? 1 : 0);
}

void idt_load(void)
{
	struct desc_ptr p = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

	__asm__ volatile("lidt %0" : : "m"(p));
}

void cpu_setup_tables(struct per_cpu *pc)
{
	uint64_t tss = (uint64_t)(uintptr_t)&pc->tss;
	uint64_t lim = sizeof(pc->tss) - 1;
	struct desc_ptr p = { sizeof(pc->gdt) - 1, (uint64_t)(uintptr_t)pc->gdt };

	pc->self = pc;
	pc->gdt[0] = 0;
	pc->gdt[1] = 0x00AF9A000000FFFFULL;	/* HV_CS64 */
	pc->gdt[2] = 0x00CF92000000FFFFULL;	/* HV_DS */
	pc->gdt[3] = 0x00CF9A000000FFFFULL;	/* HV_CS32 */
	/* 64-bit available TSS, 16 bytes */
	pc->gdt[4] = (lim & 0xFFFF) | ((tss & 0xFFFFFF) << 16) | (0x89ULL << 40) |
		     (((lim >> 16) & 0xF) << 48) | (((tss >> 24) & 0xFF) << 56);
	pc->gdt[5] = tss >> 32;
	memset(&pc->tss, 0, sizeof(pc->tss));
	pc->tss.ist[0] = (uint64_t)(uintptr_t)(pc->ist_stack + IST_STACK_SIZE);
	pc->tss.iomap_base = sizeof(pc->tss);

	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %2, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "movl %%eax, %%fs\n\t"
			 "movl %%eax, %%gs\n\t"
			 "movw %3, %%ax\n\t"
			 "ltr %%ax"
			 : : "m"(p), "i"(HV_CS64), "i"(HV_DS), "i"(HV_TSS) : "rax", "memory");
	wrmsr(MSR_IA32_GS_BASE, (uint64_t)(uintptr_t)pc);
	idt_load();
}

static bool in_image(uint64_t a)
{
	return a >= (uint64_t)(uintptr_t)hv_image_start && a + 16 <= (uint64_t)(uintptr_t)hv_image_end;
}

void dump_stack(uint64_t rbp)
{
	printk(LOG_ERR, "stack trace:\n");
	for (int depth = 0; depth < 16 && in_image(rbp) && (rbp & 7) == 0; depth++) {
		const uint64_t *frame = (const uint64_t *)(uintptr_t)rbp;

		printk(LOG_ERR, "  #%d %016lx\n", depth, frame[1]);
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
}

/*
 * Every vector lands here (SDM Vol. 3 §6.12).  The hypervisor runs with
 * interrupts disabled in VMX root, so anything but an NMI or a LAPIC
 * spurious interrupt is a bug and stops the pCPU with a report.  An NMI in
 * VMX root (NMIs arriving in a guest cause VM exits instead) and a spurious
 * interrupt (SDM §10.9: no EOI) are counted and resumed; nothing may be
 * printed for them, as they can interrupt a printk holding the log lock.
 */
void trap_handler(struct trap_frame *f)
{
	const char *name = f->vector < 32 && trap_names[f->vector] ? trap_names[f->vector] :
			   "unexpected interrupt";
	uint32_t cpu = this_cpu()->self == this_cpu() ? this_cpu_id() : 0;

	if (cpu < MAX_PCPUS && f->vector < IRQ_NR_VECTORS)
		root_counts[cpu][f->vector]++;
	if (f->vector == NMI_VECTOR || f->vector == SPURIOUS_VECTOR)
		return;

	printk(LOG_ERR, "\nPANIC: pcpu%u: exception %lu (%s), error code %#lx\n",
	       cpu, f->vector, name, f->error_code);
	printk(LOG_ERR, "RIP %04lx:%016lx RFLAGS %016lx RSP %04lx:%016lx\n",
	       f->cs, f->rip, f->rflags, f->ss, f->rsp);
	printk(LOG_ERR, "CR0 %016lx CR2 %016lx CR3 %016lx CR4 %016lx\n",
	       read_cr0(), read_cr2(), read_cr3(), read_cr4());
	printk(LOG_ERR, "RAX %016lx RBX %016lx RCX %016lx RDX %016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
	printk(LOG_ERR, "RSI %016lx RDI %016lx RBP %016lx R8  %016lx\n", f->rsi, f->rdi, f->rbp, f->r8);
	printk(LOG_ERR, "R9  %016lx R10 %016lx R11 %016lx R12 %016lx\n", f->r9, f->r10, f->r11, f->r12);
	printk(LOG_ERR, "R13 %016lx R14 %016lx R15 %016lx\n", f->r13, f->r14, f->r15);
	dump_stack(f->rbp);
	printk(LOG_ERR, "halted\n");
	cpu_dead();
}

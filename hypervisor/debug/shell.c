/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hypervisor shell on its console UART.  Input is polled on pCPU 0,
 * from the periodic hypervisor tick while a VM runs and from shell_idle()
 * once nothing is left to run; a command runs when its line is complete.
 * Every argument is checked: an unknown command, a bad or extra argument or
 * an over-long line prints one line of usage or error, never more.
 */
#include <common/shell.h>
#include <common/console.h>
#include <common/log.h>
#include <common/vm.h>
#include <common/page_alloc.h>
#include <arch/x86/acpi.h>
#include <arch/x86/irq_stats.h>
#include <arch/x86/lapic.h>
#include <arch/x86/per_cpu.h>
#include <arch/x86/cpu.h>
#include <arch/x86/timer.h>
#include <arch/x86/vmx/vmx.h>
#include <lib/errno.h>
#include <lib/string.h>
#include <lib/util.h>

#define LINE_MAX	128
#define MAX_ARGS	4

struct shell_cmd {
	const char *name;
	const char *args;
	const char *help;
	int min_args, max_args;		/* argc range, command name included */
	int (*fn)(int argc, char **argv);
};

static const struct shell_cmd cmds[];
extern char hv_image_start[], hv_image_end[];

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#include <stdarg.h>
#include <lib/sprintf.h>
static void out(const char *fmt, ...)
{
	char buf[160];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hv_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	console_write(buf, (unsigned long)MIN((size_t)n, sizeof(buf) - 1));
}

static bool parse_uint(const char *s, uint64_t max, uint64_t *val)
{
	uint64_t v = 0;

	if (s == NULL || *s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > max / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > max)
		return false;
	*val = v;
	return true;
}

static int cmd_help(int argc, char **argv)
{
	for (const struct shell_cmd *c = cmds; c->name != NULL; c++)
		out("  %-14s %-18s %s\n", c->name, c->args, c->help);
	return 0;
}

static int cmd_version(int argc, char **argv)
{
	out("ACRN hypervisor %s, built %s %s, %u pCPUs\n", HV_VERSION, __DATE__, __TIME__, pcpu_count);
	return 0;
}

static int cmd_vm_list(int argc, char **argv)
{
	out("VM_ID  NAME              VCPUS  TYPE\n");
	for (uint16_t id = 0; id < MAX_VMS; id++) {
		struct vm *vm = vm_get(id);

		if (vm != NULL)
			out("%-6u %-17s %-6u %s\n", id, vm->name, vm->vcpu_count,
			    vm->privileged ? "Service VM" : "User VM");
	}
	return 0;
}

static int cmd_vcpu_list(int argc, char **argv)
{
	out("VM_ID  VCPU_ID  PCPU_ID  STATE     EXITS\n");
	for (uint16_t id = 0; id < MAX_VMS; id++) {
		struct vm *vm = vm_get(id);

		for (uint32_t i = 0; vm != NULL && i < vm->vcpu_count; i++) {
			struct vcpu *v = vm->vcpus[i];

			out("%-6u %-8u %-8u %-9s %lu\n", id, v->id, v->pcpu,
			    v->stopped ? "stopped" : "running", v->exits);
		}
	}
	return 0;
}

static int cmd_vcpu_dumpreg(int argc, char **argv)
{
	static const char *const names[16] = {
		"RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
		"R8 ", "R9 ", "R10", "R11", "R12", "R13", "R14", "R15",
	};
	uint64_t vm_id, vcpu_id;
	struct vm *vm;
	struct vcpu *v;

	if (!parse_uint(argv[1], MAX_VMS - 1, &vm_id) ||
	    !parse_uint(argv[2], MAX_VCPUS_PER_VM - 1, &vcpu_id))
		return -EINVAL;
	vm = vm_get((uint16_t)vm_id);
	if (vm == NULL || vcpu_id >= vm->vcpu_count) {
		out("no vCPU %lu in VM %lu\n", vcpu_id, vm_id);
		return 0;
	}
	v = vm->vcpus[vcpu_id];
	out("VM %lu vCPU %lu on pCPU %u, general registers as of its last VM exit:\n",
	    vm_id, vcpu_id, v->pcpu);
	for (int i = 0; i < 16; i++) {
		if (i == GPR_RSP)
			continue;
		out("  %s %016lx%s", names[i], v->regs.gpr[i], (i % 4 == 3) ? "\n" : "");
	}
	if (this_cpu()->current_vcpu == v)
		out("  RIP %016lx RSP %016lx RFLAGS %016lx\n  CR0 %016lx CR3 %016lx CR4 %016lx\n",
		    vmcs_read(VMCS_GUEST_RIP), vmcs_read(VMCS_GUEST_RSP), vmcs_read(VMCS_GUEST_RFLAGS),
		    vmcs_read(VMCS_GUEST_CR0), vmcs_read(VMCS_GUEST_CR3), vmcs_read(VMCS_GUEST_CR4));
	else
		out("  (RIP and control registers live in a VMCS loaded on pCPU %u)\n", v->pcpu);
	out("  last exit: %s at RIP %016lx; %lu exits, blocked %#x%s\n", vmx_exit_name(v->last_exit),
	    v->last_rip, v->exits, v->blocked, v->stopped ? ", stopped" : "");
	for (uint32_t r = 0; r < EXIT_REASON_MAX; r++)
		if (v->exit_count[r] != 0)
			out("  %-22s %lu\n", vmx_exit_name(r), v->exit_count[r]);
	return 0;
}

/* ---- dump_lapic -------------------------------------------------------- */

/* One 256-bit LAPIC vector register (ISR/TMR/IRR: 8 dwords 0x10 apart) as hex, vector 255 first. */
static void out_vec256(const char *name, uint32_t base)
{
	out("  %s", name);
	for (int i = 7; i >= 0; i--)
		out(" %08x", lapic_read(base + (uint32_t)i * 0x10));
	out("\n");
}

/*
 * The physical LAPIC of the pCPU the shell runs on (pCPU 0), which the
 * Service VM owns: where its interrupts and its timer stand (SDM Vol. 3
 * §11.4-§11.8; TSC deadline, §11.5.4.1).
 */
static int cmd_dump_lapic(int argc, char **argv)
{
	out("pCPU %u LAPIC: ID 0x%x TPR 0x%x PPR 0x%x SVR 0x%x\n", this_cpu_id(), lapic_read(0x20),
	    lapic_read(0x80), lapic_read(0xA0), lapic_read(0xF0));
	out_vec256("ISR", 0x100);
	out_vec256("TMR", 0x180);
	out_vec256("IRR", 0x200);
	out("  LVT timer 0x%x initial %u current %u divide 0x%x; TSC deadline 0x%lx, TSC now 0x%lx\n",
	    lapic_read(0x320), lapic_read(0x380), lapic_read(0x390), lapic_read(0x3E0),
	    rdmsr(0x6E0), rdtsc());
	out("  LVT LINT0 0x%x LINT1 0x%x error 0x%x\n", lapic_read(0x350), lapic_read(0x360),
	    lapic_read(0x370));
	return 0;
}

/* ---- dump_ioapic ------------------------------------------------------- */

/*
 * IOAPIC registers (Intel 82093AA datasheet §3.0/§3.2): an index register
 * IOREGSEL at offset 0x00 and a data window IOWIN at 0x10; ID at index 0,
 * version and maximum redirection entry at index 1, redirection entry n at
 * 0x10 + 2n (low dword) and 0x11 + 2n (high dword).
 */
#define IOAPIC_REGSEL		0x00U
#define IOAPIC_WIN		0x10U
#define IOAPIC_REG_ID		0x00U
#define IOAPIC_REG_VER		0x01U
#define IOAPIC_REG_RTE		0x10U
/* The index is 8 bits wide: at most (0x100 - 0x10) / 2 entries are addressable. */
#define IOAPIC_MAX_PINS		120U

#define PTE_P			(1ULL << 0)
#define PTE_PWT			(1ULL << 3)
#define PTE_PCD			(1ULL << 4)
#define PTE_PS			(1ULL << 7)
#define PTE_ADDR		0x000FFFFFFFFFF000ULL

/*
 * The hypervisor runs on identity page tables whose leaves are write-back
 * (PAT index 0).  Device registers must be uncached (SDM Vol. 3 §13.3
 * memory types, §13.12.3 PAT selection): set PCD and PWT in the leaf that
 * maps pa, i.e. PAT index 3, UC in both the power-up PAT and
 * PGTABLE_IA32E_PAT.  Walking the live
 * tables from CR3 (§4.5) finds the leaf whatever its size; a 2 MiB leaf
 * over the IOAPIC only covers other chipset MMIO (HPET, TPM), for which UC
 * is right too.  Only this pCPU touches the page, so a local INVLPG is
 * enough.  Returns the pointer, or NULL when pa is not mapped.
 */
static volatile uint32_t *shell_map_uc(uint64_t pa)
{
	uint64_t *table = (uint64_t *)(uintptr_t)(read_cr3() & PTE_ADDR);
	uint64_t *e = NULL;

	for (int shift = 39; shift >= 12; shift -= 9) {
		e = &table[(pa >> shift) & 0x1FFU];
		if (!(*e & PTE_P))
			return NULL;
		if (shift == 12 || (shift <= 30 && (*e & PTE_PS)))
			break;
		table = (uint64_t *)(uintptr_t)(*e & PTE_ADDR);
	}
	if ((*e & (PTE_PCD | PTE_PWT)) != (PTE_PCD | PTE_PWT)) {
		*e |= PTE_PCD | PTE_PWT;
		__asm__ volatile("invlpg (%0)" : : "r"((uintptr_t)pa) : "memory");
	}
	return (volatile uint32_t *)(uintptr_t)pa;
}

/*
 * The Service VM drives the physical IOAPIC through the same index
 * register: restore its selection afterwards, so a read between its
 * IOREGSEL write and its IOWIN access on this pCPU cannot mislead it.
 */
static uint32_t ioapic_read(volatile uint32_t *io, uint32_t reg)
{
	uint32_t sel = io[IOAPIC_REGSEL / 4], val;

	io[IOAPIC_REGSEL / 4] = reg;
	val = io[IOAPIC_WIN / 4];
	io[IOAPIC_REGSEL / 4] = sel;
	return val;
}

static const char *const ioapic_delmode[8] = {
	"fixed", "lowest", "SMI", "rsvd3", "NMI", "INIT", "rsvd6", "ExtINT",
};

static void dump_one_ioapic(const struct acpi_ioapic *a)
{
	volatile uint32_t *io;
	uint32_t id, ver, pins;

	/* xAPIC-era IOAPICs are 32-bit addressed and page-aligned at 1 KiB. */
	if (a->addr == 0 || (a->addr & 0x3FFU) != 0 || (io = shell_map_uc(a->addr)) == NULL) {
		out("IOAPIC %u at %#x: not mapped\n", a->id, a->addr);
		return;
	}
	id = ioapic_read(io, IOAPIC_REG_ID);
	ver = ioapic_read(io, IOAPIC_REG_VER);
	pins = ((ver >> 16) & 0xFFU) + 1U;
	out("IOAPIC %u (MADT) at %#x: id %u, version %#x, %u pins, GSI %u-%u\n", a->id, a->addr,
	    (id >> 24) & 0xFU, ver & 0xFFU, pins, a->gsi_base, a->gsi_base + pins - 1U);
	pins = MIN(pins, IOAPIC_MAX_PINS);
	out("  PIN GSI  VEC DELMODE DEST  POL  TRIG  MASK DEST_ID STATUS\n");
	for (uint32_t pin = 0; pin < pins; pin++) {
		uint32_t lo = ioapic_read(io, IOAPIC_REG_RTE + 2U * pin);
		uint32_t hi = ioapic_read(io, IOAPIC_REG_RTE + 2U * pin + 1U);

		out("  %-3u %-4u 0x%02x %-7s %-5s %-4s %-5s %-4s 0x%02x    %s%s\n", pin,
		    a->gsi_base + pin, lo & 0xFFU, ioapic_delmode[(lo >> 8) & 7U],
		    (lo & (1U << 11)) ? "log" : "phys", (lo & (1U << 13)) ? "low" : "high",
		    (lo & (1U << 15)) ? "level" : "edge", (lo & (1U << 16)) ? "yes" : "no",
		    hi >> 24, (lo & (1U << 12)) ? "pending" : "idle",
		    (lo & (1U << 14)) ? " remote-IRR" : "");
	}
}

static int cmd_dump_ioapic(int argc, char **argv)
{
	const struct acpi_platform *p = acpi_platform_get();

	if (p == NULL || p->ioapic_count == 0) {
		out("no IOAPIC in the ACPI MADT\n");
		return 0;
	}
	for (uint32_t i = 0; i < p->ioapic_count && i < ACPI_MAX_IOAPICS; i++)
		dump_one_ioapic(&p->ioapics[i]);
	return 0;
}

/* ---- dump_irq ---------------------------------------------------------- */

/* VM exits of every reason on a pCPU, in the shape of irq_root_count(). */
static uint64_t vm_exit_count(uint32_t cpu, uint32_t unused)
{
	return cpu < MAX_PCPUS ? __atomic_load_n(&per_cpu_data[cpu].exits, __ATOMIC_RELAXED) : 0;
}

/* One row: the vector (none for vec >= IRQ_NR_VECTORS), what it is, a count per pCPU. */
static void dump_irq_row(uint32_t vec, const char *what, uint64_t (*count)(uint32_t, uint32_t))
{
	char line[120];
	int n = vec < IRQ_NR_VECTORS ?
		hv_snprintf(line, sizeof(line), "  0x%02x %-34s", vec, what) :
		hv_snprintf(line, sizeof(line), "  %-39s", what);

	for (uint32_t cpu = 0; cpu < pcpu_count && cpu < MAX_PCPUS && n > 0 &&
	     (size_t)n < sizeof(line); cpu++)
		n += hv_snprintf(line + n, sizeof(line) - (size_t)n, " %8lu", count(cpu, vec));
	out("%s\n", line);
}

static void dump_irq_header(const char *title)
{
	char line[120];
	int n = hv_snprintf(line, sizeof(line), "%-41s", title);

	for (uint32_t cpu = 0; cpu < pcpu_count && cpu < MAX_PCPUS && n > 0 &&
	     (size_t)n < sizeof(line); cpu++)
		n += hv_snprintf(line + n, sizeof(line) - (size_t)n, "    pcpu%u", cpu);
	out("%s\n", line);
}

/*
 * The hypervisor's IDT (one for all pCPUs): vectors 0-31 are exceptions,
 * fatal in VMX root except NMI; 0xFF is the LAPIC spurious vector; any
 * other vector is unexpected, as VMX root runs with interrupts disabled and
 * external interrupts arrive as VM exits (SDM Vol. 3 §25.2, "external-
 * interrupt exiting").  Zero rows of vectors 0x20-0xFE are left out.
 */
static int cmd_dump_irq(int argc, char **argv)
{
	uint64_t nonzero;

	out("IDT of all pCPUs: exceptions 0x00-0x1f stop the pCPU, except NMI; 0xff is spurious\n");
	dump_irq_header("IDT vectors fired in VMX root");
	for (uint32_t vec = 0; vec < IRQ_NR_VECTORS; vec++) {
		nonzero = 0;
		for (uint32_t cpu = 0; cpu < pcpu_count && cpu < MAX_PCPUS; cpu++)
			nonzero |= irq_root_count(cpu, vec);
		if (vec < 32 || vec == 0xFFU || nonzero != 0)
			dump_irq_row(vec, irq_vector_name(vec), irq_root_count);
	}
	out("  0x20-0xfe: %s unless listed\n", irq_vector_name(0x20));
	dump_irq_header("VM exits on external interrupt/NMI");
	for (uint32_t vec = 0; vec < IRQ_NR_VECTORS; vec++) {
		nonzero = 0;
		for (uint32_t cpu = 0; cpu < pcpu_count && cpu < MAX_PCPUS; cpu++)
			nonzero |= irq_exit_count(cpu, vec);
		if (nonzero != 0)
			dump_irq_row(vec, vec == 2 ? "NMI" : "external interrupt", irq_exit_count);
	}
	dump_irq_row(IRQ_NR_VECTORS, "VM exits, all reasons", vm_exit_count);
	return 0;
}

static int cmd_mem_stats(int argc, char **argv)
{
	size_t free_pages, total;

	page_alloc_stats(&free_pages, &total);
	out("hypervisor image %#lx-%#lx (%lu KiB)\n", (uint64_t)(uintptr_t)hv_image_start,
	    (uint64_t)(uintptr_t)hv_image_end, (uint64_t)(hv_image_end - hv_image_start) >> 10);
	out("page pool: %lu of %lu pages free (%lu KiB used)\n", (uint64_t)free_pages,
	    (uint64_t)total, (uint64_t)(total - free_pages) * 4);
	return 0;
}

static int cmd_loglevel(int argc, char **argv)
{
	uint64_t lvl;

	if (argc == 2) {
		if (!parse_uint(argv[1], 4, &lvl) || lvl < 1)
			return -EINVAL;
		log_set_level((int)lvl);
	}
	out("console log level %d (1 error, 2 warning, 3 info, 4 debug)\n", log_get_level());
	return 0;
}

static int cmd_logdump(int argc, char **argv)
{
	static char buf[4096];
	size_t n = log_read(buf, sizeof(buf));

	console_write(buf, n);
	return 0;
}

/*
 * Reset control register 0xCF9 (PIIX3/ICH: bit 1 hard reset, bit 2 does
 * it), then, only if the platform is still running 100 ms later, the 8042
 * keyboard controller's pulse-reset command (0xFE to port 0x64), for
 * chipsets without 0xCF9.  The console is flushed first: the reset drops
 * whatever the UART still holds.
 */
static int cmd_reboot(int argc, char **argv)
{
	out("resetting the platform\n");
	console_flush();
	outb(0xCF9, 0x02);
	outb(0xCF9, 0x06);
	udelay(100000);
	outb(0x64, 0xFE);
	udelay(100000);
	out("reset failed\n");
	return 0;
}

static const struct shell_cmd cmds[] = {
	{ "help", "", "list the commands", 1, 1, cmd_help },
	{ "version", "", "hypervisor version and build", 1, 1, cmd_version },
	{ "vm_list", "", "list the VMs", 1, 1, cmd_vm_list },
	{ "vcpu_list", "", "list the vCPUs of every VM", 1, 1, cmd_vcpu_list },
	{ "vcpu_dumpreg", "<vm_id> <vcpu_id>", "registers of one vCPU", 3, 3, cmd_vcpu_dumpreg },
	{ "dump_ioapic", "", "physical IOAPICs and their pins", 1, 1, cmd_dump_ioapic },
	{ "dump_lapic", "", "this pCPU's LAPIC: ISR/IRR, timer", 1, 1, cmd_dump_lapic },
	{ "dump_irq", "", "interrupt vectors and counts per pCPU", 1, 1, cmd_dump_irq },
	{ "mem_stats", "", "hypervisor memory use", 1, 1, cmd_mem_stats },
	{ "loglevel", "[1-4]", "show or set the console log level", 1, 2, cmd_loglevel },
	{ "logdump", "", "print the newest part of the log buffer", 1, 1, cmd_logdump },
	{ "reboot", "", "reset the platform", 1, 1, cmd_reboot },
	{ NULL, NULL, NULL, 0, 0, NULL },
};

/*
 * Split line in place into at most MAX_ARGS words; argc counts every word,
 * also the ones beyond MAX_ARGS, so "too many" is caught by the range check.
 */
int shell_exec(char *line)
{
	char *argv[MAX_ARGS];
	int argc = 0;

	for (char *p = line; *p != '\0';) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (*p == '\0')
			break;
		if (argc < MAX_ARGS)
			argv[argc] = p;
		argc++;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
	}
	if (argc == 0)
		return 0;
	for (const struct shell_cmd *c = cmds; c->name != NULL; c++) {
		if (strcmp(argv[0], c->name) == 0) {
			int ret = -EINVAL;

			if (argc >= c->min_args && argc <= c->max_args)
				ret = c->fn(argc, argv);
			if (ret == -EINVAL)
				out("usage: %s%s%s\n", c->name, c->args[0] ? " " : "", c->args);
			return ret;
		}
	}
	out("unknown command '%s'; type help\n", argv[0]);
	return -EINVAL;
}

/*
 * A line longer than the buffer is not cut and run: its tail could turn
 * into a different command.  It is dropped whole with one line of usage.
 * Only printable ASCII is kept; other control characters are ignored.
 */
void shell_poll(void)
{
	static char line[LINE_MAX];
	static size_t len;
	static bool prompted, overflow;
	int c;

	if (!prompted) {
		out("\nACRN:\\>");
		prompted = true;
	}
	while ((c = console_getc()) >= 0) {
		if (c == '\r' || c == '\n') {
			out("\n");
			line[len] = '\0';
			if (overflow)
				out("line too long (at most %u characters); type help\n", LINE_MAX - 1);
			else
				shell_exec(line);
			len = 0;
			overflow = false;
			out("ACRN:\\>");
		} else if ((c == 0x7F || c == 0x08) && len > 0) {
			len--;
			out("\b \b");
		} else if (c >= 0x20 && c < 0x7F) {
			if (len < LINE_MAX - 1) {
				line[len++] = (char)c;
				console_write((const char *)&(char){ (char)c }, 1);
			} else {
				overflow = true;
			}
		}
	}
}

void shell_idle(void)
{
	for (;;) {
		shell_poll();
		cpu_relax();
	}
}

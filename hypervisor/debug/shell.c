/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hypervisor shell on its console UART.  Input is polled from the
 * periodic hypervisor tick; a command runs when its line is complete.
 * Every argument is checked: an unknown command or a bad argument prints
 * one line of usage.
 */
#include <common/shell.h>
#include <common/console.h>
#include <common/log.h>
#include <common/vm.h>
#include <common/page_alloc.h>
#include <arch/x86/per_cpu.h>
#include <arch/x86/cpu.h>
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

	if (argc != 3 || !parse_uint(argv[1], MAX_VMS - 1, &vm_id) ||
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

	if (argc == 1) {
		out("console log level %d (1 error, 2 warning, 3 info, 4 debug)\n", log_get_level());
		return 0;
	}
	if (argc != 2 || !parse_uint(argv[1], 4, &lvl) || lvl < 1)
		return -EINVAL;
	log_set_level((int)lvl);
	return 0;
}

static int cmd_logdump(int argc, char **argv)
{
	static char buf[4096];
	size_t n = log_read(buf, sizeof(buf));

	console_write(buf, n);
	return 0;
}

static int cmd_reboot(int argc, char **argv)
{
	out("resetting the platform\n");
	outb(0xCF9, 0x02);
	outb(0xCF9, 0x06);
	outb(0x64, 0xFE);
	return 0;
}

static const struct shell_cmd cmds[] = {
	{ "help", "", "list the commands", cmd_help },
	{ "version", "", "hypervisor version and build", cmd_version },
	{ "vm_list", "", "list the VMs", cmd_vm_list },
	{ "vcpu_list", "", "list the vCPUs of every VM", cmd_vcpu_list },
	{ "vcpu_dumpreg", "<vm_id> <vcpu_id>", "registers of one vCPU", cmd_vcpu_dumpreg },
	{ "mem_stats", "", "hypervisor memory use", cmd_mem_stats },
	{ "loglevel", "[1-4]", "show or set the console log level", cmd_loglevel },
	{ "logdump", "", "print the newest part of the log buffer", cmd_logdump },
	{ "reboot", "", "reset the platform", cmd_reboot },
	{ NULL, NULL, NULL, NULL },
};

int shell_exec(char *line)
{
	char *argv[MAX_ARGS + 1];
	int argc = 0;

	for (char *p = line; *p != '\0';) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (*p == '\0')
			break;
		if (argc == MAX_ARGS + 1) {
			out("too many arguments\n");
			return -EINVAL;
		}
		argv[argc++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
	}
	if (argc == 0)
		return 0;
	for (const struct shell_cmd *c = cmds; c->name != NULL; c++) {
		if (strcmp(argv[0], c->name) == 0) {
			int ret = c->fn(argc, argv);

			if (ret == -EINVAL)
				out("usage: %s %s\n", c->name, c->args);
			return ret;
		}
	}
	out("unknown command '%s'; type help\n", argv[0]);
	return -EINVAL;
}

void shell_poll(void)
{
	static char line[LINE_MAX];
	static size_t len;
	static bool prompted;
	int c;

	if (!prompted) {
		out("\nACRN:\\>");
		prompted = true;
	}
	while ((c = console_getc()) >= 0) {
		if (c == '\r' || c == '\n') {
			out("\n");
			line[len] = '\0';
			shell_exec(line);
			len = 0;
			out("ACRN:\\>");
		} else if ((c == 0x7F || c == 0x08) && len > 0) {
			len--;
			out("\b \b");
		} else if (c >= 0x20 && c < 0x7F && len < LINE_MAX - 1) {
			line[len++] = (char)c;
			console_write((const char *)&(char){ (char)c }, 1);
		}
	}
}

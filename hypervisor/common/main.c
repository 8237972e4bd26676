/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Start-up of the bootstrap processor and the application processors.
 * Order matters: tables and console first (so every later failure can be
 * reported), then memory, time, ACPI, VMX on every pCPU.
 */
#define pr_fmt(fmt) "hv: " fmt
#include <boot/boot_info.h>
#include <common/cmdline.h>
#include <common/console.h>
#include <common/log.h>
#include <common/page_alloc.h>
#include <common/test_vm.h>
#include <common/service_vm.h>
#include <common/shell.h>
#include <common/vm.h>
#include <arch/x86/acpi.h>
#include <arch/x86/cpu.h>
#include <arch/x86/lapic.h>
#include <arch/x86/per_cpu.h>
#include <arch/x86/smp.h>
#include <arch/x86/timer.h>
#include <arch/x86/ioapic.h>
#include <arch/x86/vtd.h>
#include <arch/x86/vmx/vmx.h>
#include <lib/string.h>

void bsp_main(uint32_t magic, uint32_t info_pa);

static struct boot_info boot_info;
static struct acpi_platform platform;
static struct hv_options options;
static volatile uint32_t tests_done, tests_failed;
static bool sos_expected;

/* The hypervisor never uses extended state, but XSETBV on behalf of a guest
 * needs CR4.OSXSAVE in VMX root. */
static void cpu_enable_xsave(void)
{
	struct cpuid_regs r;

	cpuid_count(1, 0, &r);
	if (r.ecx & CPUID1_ECX_XSAVE)
		write_cr4(read_cr4() | CR4_OSXSAVE);
}

/* The hypervisor identity-maps the low 4 GiB at boot. */
static const void *boot_p2v(uint64_t pa, size_t len)
{
	if (pa == 0 || pa + len < pa || pa + len > (4ULL << 30))
		return NULL;
	return (const void *)(uintptr_t)pa;
}

/* Bochs ends the simulation when "Shutdown" is written to port 0x8900. */
static void emulator_shutdown(void)
{
	/* Bochs drops whatever the UART is still sending when it stops. */
	console_flush();
	for (const char *s = "Shutdown"; *s != '\0'; s++)
		outb(0x8900, (uint8_t)*s);
}

static __attribute__((noreturn)) void halt_forever(void)
{
	if (options.shutdown)
		emulator_shutdown();
	cpu_dead();
}

static void run_tests(void)
{
	if (options.test == HV_TEST_NONE)
		return;
	if (!test_vm_run(options.test == HV_TEST_BENCH && this_cpu_id() == 0))
		__atomic_fetch_add(&tests_failed, 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&tests_done, 1, __ATOMIC_SEQ_CST);
}

static void vmx_enter_root(void)
{
	int ret = vmx_on();

	if (ret != 0) {
		pr_err("pcpu%u: VMXON failed (%d)", this_cpu_id(), ret);
		return;
	}
	pr_info("pcpu%u: VMX root", this_cpu_id());
}

void ap_main(struct per_cpu *pc)
{
	pc->apic_id = lapic_id();
	lapic_init();
	pc->state = PCPU_ONLINE;
	cpu_enable_xsave();
	/* The BSP checked VMX support before starting us. */
	vmx_enter_root();
	run_tests();
	if (sos_expected)
		service_vm_run_vcpu();
	cpu_dead();
}

static void print_memory_map(void)
{
	pr_info("boot loader: %s (multiboot%u), command line: '%s'",
		boot_info.loader[0] ? boot_info.loader : "unknown", boot_info.protocol,
		boot_info.cmdline);
	for (uint32_t i = 0; i < boot_info.mmap_count; i++)
		pr_dbg("  mem %016lx-%016lx type %u", boot_info.mmap[i].base,
		       boot_info.mmap[i].base + boot_info.mmap[i].len - 1, boot_info.mmap[i].type);
	pr_info("memory: %lu MiB RAM in %u ranges, %u boot modules",
		boot_ram_size(&boot_info) >> 20, boot_info.mmap_count, boot_info.mod_count);
}

uint64_t hv_entry_tsc;

void bsp_main(uint32_t magic, uint32_t info_pa)
{
	struct per_cpu *pc = &per_cpu_data[0];
	const char *no_vmx;
	int parse_ret;

	hv_entry_tsc = rdtsc();
	idt_init();
	cpu_setup_tables(pc);
	pc->cpu_id = 0;

	parse_ret = multiboot_parse(magic, info_pa, boot_p2v, &boot_info);
	cmdline_parse(boot_info.cmdline, &options);
	console_init(&options.console);
	log_set_level(options.loglevel);
	vmexit_trace_limit = options.trace_exits;
	vcpu_set_next_vpid(options.vpid_first);
	printk(LOG_ERR, "\nACRN hypervisor %s (built %s %s)\n", HV_VERSION, __DATE__, __TIME__);
	if (parse_ret != 0)
		pr_warn("boot information incomplete or malformed (magic %#x)", magic);
	if (options.bad[0] != '\0')
		pr_warn("ignoring bad value of option '%s'", options.bad);
	print_memory_map();

	page_alloc_init();
	tsc_calibrate();
	pr_info("TSC: %u.%03u MHz (calibrated against the PIT)", tsc_khz / 1000, tsc_khz % 1000);

	lapic_init();
	pc->apic_id = lapic_id();
	pc->state = PCPU_ONLINE;
	if (acpi_parse(boot_info.has_rsdp ? boot_info.rsdp : NULL, boot_p2v, &platform) != 0) {
		pr_warn("no usable ACPI MADT: running on the boot CPU only");
		platform.cpu_count = 1;
		platform.apic_ids[0] = pc->apic_id;
	}
	pr_info("ACPI: %u CPUs, %u IOAPICs, LAPIC at %#x%s", platform.cpu_count,
		platform.ioapic_count, platform.lapic_addr, platform.dmar_pa ? ", DMAR present" : "");
	/* Without DMAR (emulators) this logs one warning; passthrough of DMA devices is refused. */
	(void)vtd_init(&platform);
	/* Forwarded INTx pins are masked there while a User VM serves them. */
	(void)ioapic_init(&platform);

	no_vmx = vmx_check_support();
	if (no_vmx != NULL) {
		printk(LOG_ERR, "VMX not supported: %s\n", no_vmx);
		printk(LOG_ERR, "halted\n");
		halt_forever();
	}
	cpu_enable_xsave();
	vmx_enter_root();

	sos_expected = service_vm_present(&boot_info);
	pcpu_count = smp_start_aps(&platform);
	pr_info("%u pCPUs online", pcpu_count);

	run_tests();
	if (options.test != HV_TEST_NONE) {
		for (uint32_t ms = 0; ms < 60000 && tests_done < pcpu_count; ms++)
			udelay(1000);
		if (tests_done < pcpu_count)
			pr_err("guest-test: FAIL only %u of %u pCPUs finished", tests_done, pcpu_count);
		else
			pr_info("guest-test: %u of %u pCPUs passed", pcpu_count - tests_failed, pcpu_count);
	}
	if (sos_expected) {
		int ret = service_vm_create(&boot_info);

		if (ret == 0)
			service_vm_run_vcpu();
		else
			pr_err("Service VM not started (%d)", ret);
	} else {
		pr_info("no Service VM kernel among the boot modules");
	}
	/* Without "shutdown" the platform stays up and pCPU 0 keeps serving
	 * the console shell (debug builds; release builds halt here). */
	if (!options.shutdown) {
		pr_info("nothing more to run; pcpu0 serves the console shell");
		shell_idle();
	}
	pr_info("nothing more to run; halting");
	halt_forever();
}

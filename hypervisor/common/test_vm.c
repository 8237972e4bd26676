/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The built-in test VM: 64 KiB of guest memory holding the code of
 * arch/x86/guest/test_guest.S, its page tables and stack, started directly in
 * 64-bit mode.  Its checks exercise the CPUID, I/O, HLT and VMCALL exit paths
 * and the virtual LAPIC/IOAPIC/PIC (arch/x86/guest/virq.c), and report
 * through a few emulated ports.
 */
#define pr_fmt(fmt) "guest-test: " fmt
#include <common/test_vm.h>
#include <common/vm.h>
#include <common/page_alloc.h>
#include <common/log.h>
#include <arch/x86/per_cpu.h>
#include <arch/x86/guest/virq.h>
#include <arch/x86/timer.h>
#include <lib/errno.h>
#include <lib/string.h>
#include <lib/util.h>

#define GUEST_PAGES	16		/* GPA 0 .. 64 KiB */
#define GPA_PML4	0x1000
#define GPA_PDPT	0x2000
#define GPA_PD		0x3000
#define GPA_CODE	0x4000
#define GPA_CODE_END	0x8000
/* The guest itself uses 0x8000 (data, interrupt counters), 0x9000 (IDT)
 * and 0xA000 (GDT); see test_guest.S. */
#define GPA_PD_APIC	0xB000		/* maps the IOAPIC and LAPIC pages */
#define GPA_STACK_TOP	0xF000
#define BENCH_ITERS	10000

extern const char test_guest_start[], test_guest_end[];

static const char *const check_names[] = {
	[1] = "cpuid_signature", [2] = "cpuid_vmx_hidden", [3] = "pio_32bit",
	[4] = "pio_8bit_preserves_rax", [5] = "hlt_resumes_on_lapic_timer", [6] = "vmcall_echo",
	[7] = "vmcall_unknown_enosys", [8] = "vmcall_api_version", [9] = "vmcall_bad_gpa_efault",
	[10] = "lapic_id_version", [11] = "lapic_svr_enable", [12] = "lapic_self_ipi_icr_eoi",
	[13] = "lapic_tpr_masks_lower_class", [14] = "ioapic_edge_irqline",
	[15] = "ioapic_level_remote_irr_eoi", [16] = "msi_injected", [17] = "pic_extint_lint0",
	[18] = "x2apic_msr_self_ipi", [19] = "lapic_tsc_deadline_wakes_hlt",
	[20] = "intr_waits_for_if_and_sti_shadow", [21] = "cr8_is_vlapic_tpr",
	[22] = "lapic_timer_preempts_busy_guest", [23] = "tick_despite_frequent_exits",
};

struct test_state {
	uint32_t passed, failed, expected;
	uint32_t scratch, hlt_count;
	int32_t virq_result;		/* last virq_set_irqline/virq_inject_msi result */
	uint64_t bench[4];
	bool done, bench_on;
};

static int test_pio(struct vcpu *v, uint16_t port, unsigned size, bool write, uint32_t *val)
{
	struct test_state *t = v->vm->priv;
	uint32_t mask = size == 4 ? 0xFFFFFFFFU : (1U << (size * 8)) - 1;

	switch (port) {
	case 0xE0:
		if (!write)
			return -EINVAL;
		if (*val & 1) {
			t->passed++;
		} else {
			uint32_t id = (*val >> 8) & 0xFF;

			t->failed++;
			pr_err("pcpu%u: FAIL %s", this_cpu_id(),
			       id < ARRAY_SIZE(check_names) && check_names[id] ? check_names[id] : "?");
		}
		return 0;
	case 0xE1:
		if (!write)
			return -EINVAL;
		t->expected = *val;
		t->done = true;
		return 0;
	case 0xE2:
		if (write)
			t->scratch = *val & mask;
		else
			*val = ~t->scratch & mask;
		return 0;
	case 0xE3:
		if (!write)
			*val = t->hlt_count;
		return 0;
	case 0xE4:
		if (!write)
			*val = (uint32_t)v->ticks;
		return 0;
	case 0xE5:
		if (!write)
			*val = t->bench_on;
		return 0;
	case 0xE8:
		/* The hypervisor tick period in TSC ticks (10 ms). */
		if (!write)
			*val = (uint32_t)MIN((uint64_t)tsc_khz * 10, 0xFFFFFFFFULL);
		return 0;
	case 0xE6:
		/* (op << 8) | gsi: drive an interrupt line; read: the result. */
		if (write)
			t->virq_result = virq_set_irqline(v->vm, *val & 0xFF, (*val >> 8) & 0xFF);
		else
			*val = (uint32_t)t->virq_result;
		return 0;
	case 0xE7:
		/* (dest << 16) | MSI data[15:0]: inject an MSI to 0xFEE(dest)000. */
		if (write)
			t->virq_result = virq_inject_msi(v->vm, 0xFEE00000ULL | ((uint64_t)(*val >> 16 & 0xFF) << 12),
							 *val & 0xFFFF);
		else
			*val = (uint32_t)t->virq_result;
		return 0;
	default:
		return virq_pio(v, port, size, write, val) == 0 ? 0 : -ENOTSUP;
	}
}

static int test_mmio(struct vcpu *v, uint64_t gpa, unsigned size, bool write, uint64_t *val)
{
	return virq_mmio(v, gpa, size, write, val);
}

static int test_hlt(struct vcpu *v)
{
	struct test_state *t = v->vm->priv;

	t->hlt_count++;
	if (t->done) {
		vcpu_stop(v, "done");
		return 0;
	}
	return virq_wait(v);
}

static void test_bench(struct vcpu *v, uint64_t id, uint64_t value)
{
	struct test_state *t = v->vm->priv;

	if (id < ARRAY_SIZE(t->bench))
		t->bench[id] = value;
}

static const struct vm_ops test_vm_ops = {
	.pio = test_pio,
	.mmio = test_mmio,
	.hlt = test_hlt,
	.bench = test_bench,
};

/* Guest page tables: GPA 0-2 MiB identity-mapped by one 2 MiB page, and the
 * 2 MiB pages holding the IOAPIC (0xFEC00000) and LAPIC (0xFEE00000),
 * uncached; the EPT leaves those unmapped so accesses reach virq_mmio(). */
static void build_guest_paging(uint8_t *mem[GUEST_PAGES])
{
	uint64_t *pml4 = (uint64_t *)mem[GPA_PML4 >> 12];
	uint64_t *pdpt = (uint64_t *)mem[GPA_PDPT >> 12];
	uint64_t *pd = (uint64_t *)mem[GPA_PD >> 12];

	uint64_t *pd_apic = (uint64_t *)mem[GPA_PD_APIC >> 12];

	pml4[0] = GPA_PDPT | 0x3;
	pdpt[0] = GPA_PD | 0x3;
	pd[0] = 0x0 | 0x83;
	pdpt[3] = GPA_PD_APIC | 0x3;
	pd_apic[(VIRQ_IOAPIC_GPA >> 21) & 0x1FF] = VIRQ_IOAPIC_GPA | 0x9B;	/* P RW PWT PCD PS */
	pd_apic[(VIRQ_LAPIC_GPA >> 21) & 0x1FF] = VIRQ_LAPIC_GPA | 0x9B;
}

static void print_bench(const char *name, uint64_t total, uint64_t base)
{
	uint64_t net = total > base ? total - base : 0;

	printk(LOG_INFO, "BENCH %s %lu instructions\n", name, (net + BENCH_ITERS / 2) / BENCH_ITERS);
}

bool test_vm_run(bool bench)
{
	struct test_state t = { .bench_on = bench };
	uint8_t *mem[GUEST_PAGES] = { NULL };
	struct vcpu_boot_state st;
	struct vm *vm;
	struct vcpu *v;
	uint32_t cpu = this_cpu_id();
	size_t code_len = (size_t)(test_guest_end - test_guest_start);
	bool ok = false;
	char name[16] = "test-pcpu0";

	name[9] = (char)('0' + cpu % 10);
	vm = vm_create(name, &test_vm_ops, &t);
	if (vm == NULL) {
		pr_err("pcpu%u: FAIL cannot create the test VM", cpu);
		return false;
	}
	vm->test_hypercalls = true;
	vm->virt_irq = true;
	vm->hv_tick = true;	/* check 23: ticks reach a guest that exits often */
	if (virq_vm_init(vm) != 0) {
		pr_err("pcpu%u: FAIL cannot create the virtual interrupt controllers", cpu);
		goto out;
	}
	for (unsigned i = 0; i < GUEST_PAGES; i++) {
		mem[i] = page_alloc();
		if (mem[i] == NULL || vm_map(vm, (uint64_t)i << 12, hva2hpa(mem[i]), PAGE_SIZE,
					     PGT_R | PGT_W | PGT_X | PGT_MT_WB) != 0) {
			pr_err("pcpu%u: FAIL cannot map test guest memory", cpu);
			goto out;
		}
	}
	if (code_len > GPA_CODE_END - GPA_CODE) {
		pr_err("pcpu%u: FAIL test guest code too large", cpu);
		goto out;
	}
	for (size_t off = 0; off < code_len; off += PAGE_SIZE)
		memcpy(mem[(GPA_CODE + off) >> 12], test_guest_start + off, MIN(PAGE_SIZE, code_len - off));
	build_guest_paging(mem);

	vcpu_boot_state_long_mode(&st, GPA_CODE, GPA_STACK_TOP, GPA_PML4);
	v = vcpu_create(vm, &st);
	if (v == NULL) {
		pr_err("pcpu%u: FAIL cannot create the test vCPU", cpu);
		goto out;
	}
	if (virq_vcpu_init(v) != 0) {
		pr_err("pcpu%u: FAIL cannot create the test vCPU's vLAPIC", cpu);
		goto out;
	}
	vcpu_run(v);

	if (!t.done) {
		pr_err("pcpu%u: FAIL guest stopped early (%s)", cpu, v->stop_reason);
	} else if (t.failed != 0 || t.passed != t.expected) {
		pr_err("pcpu%u: FAIL %u of %u checks passed", cpu, t.passed, t.expected);
	} else {
		pr_info("pcpu%u: all %u checks passed (%lu VM exits)", cpu, t.passed, v->exits);
		ok = true;
	}
	if (ok && bench) {
		print_bench("cpuid_roundtrip", t.bench[1], t.bench[3]);
		print_bench("vmcall_roundtrip", t.bench[2], t.bench[3]);
	}
out:
	virq_vm_deinit(vm);
	vm_destroy(vm);
	for (unsigned i = 0; i < GUEST_PAGES; i++)
		page_free(mem[i]);
	return ok;
}

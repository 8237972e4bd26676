/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vCPU creation and the run loop.  The VMCS is filled in three groups, each
 * from its own description: host state (what VM exits return to, SDM §25.5),
 * execution controls (adjusted to the CPU's capabilities, §25.6-25.8) and
 * guest state (from a struct vcpu_boot_state, §25.4).
 */
#define pr_fmt(fmt) "vcpu: " fmt
#include <common/vm.h>
#include <common/page_alloc.h>
#include <common/log.h>
#include <common/sched.h>
#include <arch/x86/vmx/vmx.h>
#include <arch/x86/guest/virq.h>
#include <arch/x86/per_cpu.h>
#include <arch/x86/cpu.h>
#include <arch/x86/msr.h>
#include <arch/x86/timer.h>
#include <lib/errno.h>
#include <lib/string.h>
#include <lib/util.h>

extern char vmx_exit_entry[];

static uint16_t next_vpid = 1;

void vcpu_set_next_vpid(uint16_t vpid)
{
	__atomic_store_n(&next_vpid, vpid, __ATOMIC_RELAXED);
}

/*
 * VPIDs are 16 bits and handed out in turn, so after 65,535 vCPUs they come
 * round again; 0 is skipped (it tags the hypervisor's own translations, and a
 * VM entry with VPID 0 fails, SDM Vol. 3 §27.2.1.1).  A reused VPID, like an
 * EPT root page the allocator hands out again, may still tag translations of
 * the vCPU or VM that had it: vmcs_init_controls() invalidates both.
 */
static uint16_t vpid_alloc(void)
{
	uint16_t vpid;

	do {
		vpid = __atomic_fetch_add(&next_vpid, 1, __ATOMIC_RELAXED);
		if (vpid == 0)
			pr_info("VPIDs wrapped: handing them out again from 1");
	} while (vpid == 0);
	return vpid;
}

/*
 * Drop what this pCPU's TLBs may cache under the vCPU's tags (SDM Vol. 3
 * §29.4.3): INVEPT for its EPT root (guest-physical and combined mappings),
 * INVVPID for its VPID (linear and combined mappings); single-context where
 * supported, else all contexts.
 */
static void invalidate_tags(uint64_t eptp, uint16_t vpid, bool vpid_on)
{
	struct { uint64_t eptp, rsvd; } e = { eptp, 0 };
	struct { uint64_t vpid, addr; } d = { vpid, 0 };
	uint64_t caps = vmx_caps.ept_vpid;

	if (caps & EPT_CAP_INVEPT) {
		uint64_t type = (caps & EPT_CAP_INVEPT_SINGLE) ? 1 : 2;

		__asm__ volatile("invept %0, %1" : : "m"(e), "r"(type) : "cc", "memory");
	}
	if (vpid_on && (caps & VPID_CAP_INVVPID)) {
		uint64_t type = (caps & VPID_CAP_INVVPID_SINGLE) ? 1 : 2;

		__asm__ volatile("invvpid %0, %1" : : "m"(d), "r"(type) : "cc", "memory");
	}
}

/* Segment access rights (SDM Table 25-2): type, S, DPL, P, AVL, L, D/B, G. */
#define AR_CODE64	0xA09B	/* execute/read, accessed, S, P, L, G */
#define AR_DATA		0xC093	/* read/write, accessed, S, P, D/B, G */
#define AR_TSS64	0x008B	/* busy 64-bit TSS, P */
#define AR_LDT_UNUSABLE	0x10000

void vcpu_boot_state_long_mode(struct vcpu_boot_state *st, uint64_t rip, uint64_t rsp, uint64_t cr3)
{
	struct seg_state data = { 0x10, 0, 0xFFFFFFFF, AR_DATA };

	memset(st, 0, sizeof(*st));
	st->rip = rip;
	st->rsp = rsp;
	st->rflags = 0x2;
	st->cr0 = CR0_PE | CR0_PG | CR0_ET | CR0_NE | CR0_WP;
	st->cr3 = cr3;
	st->cr4 = CR4_PAE;
	st->efer = EFER_LME | EFER_LMA;
	st->cs = (struct seg_state){ 0x08, 0, 0xFFFFFFFF, AR_CODE64 };
	st->ss = st->ds = st->es = st->fs = st->gs = data;
	st->tr = (struct seg_state){ 0x18, 0, 0x67, AR_TSS64 };
	st->ldtr = (struct seg_state){ 0, 0, 0, AR_LDT_UNUSABLE };
}

void vcpu_boot_state_protected(struct vcpu_boot_state *st, uint64_t rip)
{
	struct seg_state data = { 0x18, 0, 0xFFFFFFFF, 0xC093 };

	memset(st, 0, sizeof(*st));
	st->rip = rip;
	st->rflags = 0x2;
	st->cr0 = CR0_PE | CR0_ET;
	st->cs = (struct seg_state){ 0x10, 0, 0xFFFFFFFF, 0xC09B };
	st->ss = st->ds = st->es = st->fs = st->gs = data;
	st->tr = (struct seg_state){ 0, 0, 0xFFFF, 0x008B };
	st->ldtr = (struct seg_state){ 0, 0, 0, AR_LDT_UNUSABLE };
}

void vcpu_boot_state_sipi(struct vcpu_boot_state *st, uint8_t vector)
{
	struct seg_state data = { 0, 0, 0xFFFF, 0x0093 };

	memset(st, 0, sizeof(*st));
	st->rip = 0;
	st->rflags = 0x2;
	st->cr0 = CR0_ET | CR0_CD | CR0_NW;
	st->cs = (struct seg_state){ (uint16_t)(vector << 8), (uint64_t)vector << 12, 0xFFFF, 0x009B };
	st->ss = st->ds = st->es = st->fs = st->gs = data;
	st->tr = (struct seg_state){ 0, 0, 0xFFFF, 0x008B };
	st->ldtr = (struct seg_state){ 0, 0, 0xFFFF, 0x0082 };
	st->gdt_limit = 0xFFFF;
	st->idt_limit = 0xFFFF;
	st->gpr[GPR_RDX] = 0x600;	/* family/model/stepping placeholder, as after RESET */
}

static void vmcs_init_host(void)
{
	struct per_cpu *pc = this_cpu();

	vmcs_write(VMCS_HOST_CR0, read_cr0());
	vmcs_write(VMCS_HOST_CR3, read_cr3());
	vmcs_write(VMCS_HOST_CR4, read_cr4());
	vmcs_write(VMCS_HOST_CS_SEL, HV_CS64);
	vmcs_write(VMCS_HOST_SS_SEL, HV_DS);
	vmcs_write(VMCS_HOST_DS_SEL, HV_DS);
	vmcs_write(VMCS_HOST_ES_SEL, HV_DS);
	vmcs_write(VMCS_HOST_FS_SEL, HV_DS);
	vmcs_write(VMCS_HOST_GS_SEL, HV_DS);
	vmcs_write(VMCS_HOST_TR_SEL, HV_TSS);
	vmcs_write(VMCS_HOST_FS_BASE, 0);
	vmcs_write(VMCS_HOST_GS_BASE, (uint64_t)(uintptr_t)pc);
	vmcs_write(VMCS_HOST_TR_BASE, (uint64_t)(uintptr_t)&pc->tss);
	vmcs_write(VMCS_HOST_GDTR_BASE, (uint64_t)(uintptr_t)pc->gdt);
	{
		struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr;

		__asm__ volatile("sidt %0" : "=m"(idtr));
		vmcs_write(VMCS_HOST_IDTR_BASE, idtr.base);
	}
	vmcs_write(VMCS_HOST_SYSENTER_CS, 0);
	vmcs_write(VMCS_HOST_SYSENTER_ESP, 0);
	vmcs_write(VMCS_HOST_SYSENTER_EIP, 0);
	vmcs_write(VMCS_HOST_EFER, rdmsr(MSR_IA32_EFER));
	vmcs_write(VMCS_HOST_PAT, rdmsr(MSR_IA32_PAT));
	vmcs_write(VMCS_HOST_RIP, (uint64_t)(uintptr_t)vmx_exit_entry);
}

static void vmcs_init_controls(struct vcpu *v)
{
	struct vm *vm = v->vm;
	uint32_t proc2 = PROC2_EPT | PROC2_UNRESTRICTED | PROC2_RDTSCP | PROC2_INVPCID;
	uint32_t proc = PROC_SECONDARY, pin = 0;
	uint32_t exit = EXIT_HOST_ADDR64 | EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_EFER |
			EXIT_LOAD_EFER;

	if (vmx_ctls_allow(vmx_caps.proc2, PROC2_VPID))
		proc2 |= PROC2_VPID;
	if (!vm->lapic_passthrough)
		pin |= PIN_EXT_INTR_EXIT | PIN_NMI_EXIT;
	/* The Service VM's HLT exits too: its idle time is lent to User VMs. */
	proc |= PROC_HLT_EXIT;
	/* CR8 is the TPR: without these exits a guest would set the pCPU's. */
	if (vm->virt_irq)
		proc |= PROC_CR8_LOAD_EXIT | PROC_CR8_STORE_EXIT;
	if (vm->io_bitmap[0] != NULL) {
		proc |= PROC_IO_BITMAPS;
		vmcs_write(VMCS_IO_BITMAP_A, hva2hpa(vm->io_bitmap[0]));
		vmcs_write(VMCS_IO_BITMAP_B, hva2hpa(vm->io_bitmap[1]));
	} else {
		proc |= PROC_UNCOND_IO_EXIT;
	}
	if (vm->msr_bitmap != NULL) {
		proc |= PROC_MSR_BITMAPS;
		vmcs_write(VMCS_MSR_BITMAP, hva2hpa(vm->msr_bitmap));
	}
	/* A virt_irq VM also needs the timer for its vLAPIC timers; the value is
	 * re-armed before every entry (virq_before_entry()). */
	if ((v->tick_period != 0 || vm->virt_irq) && vmx_ctls_allow(vmx_caps.pin, PIN_PREEMPT_TIMER)) {
		pin |= PIN_PREEMPT_TIMER;
		vmcs_write(VMCS_PREEMPTION_TIMER, v->tick_period != 0 ? v->tick_period : 0xFFFFFFFFU);
		/* The tick counts across VM exits rather than restarting at each
		 * entry, so a guest that exits often still gets its 10 ms tick;
		 * the timer exit reloads it (handle_preemption_timer()). */
		if (!vm->virt_irq && vmx_ctls_allow(vmx_caps.exit, EXIT_SAVE_PREEMPT))
			exit |= EXIT_SAVE_PREEMPT;
	}
	/* On a pCPU shared with the Service VM, a User VM exits for the
	 * Service VM's interrupts without acknowledging them: they stay pending
	 * in the LAPIC and reach the Service VM when it runs next.  Its
	 * spin-waits (PAUSE) yield: the lock holder may be waiting for the pCPU. */
	if (vm->user_vm && !sched_is_dedicated(v->pcpu))
		proc |= PROC_PAUSE_EXIT;
	else
		exit |= EXIT_ACK_INTR;
	vmcs_write(VMCS_PIN_CTLS, vmx_adjust_ctls(vmx_caps.pin, pin));
	vmcs_write(VMCS_PROC_CTLS, vmx_adjust_ctls(vmx_caps.proc, proc));
	vmcs_write(VMCS_PROC_CTLS2, vmx_adjust_ctls(vmx_caps.proc2, proc2));
	vmcs_write(VMCS_EXIT_CTLS, vmx_adjust_ctls(vmx_caps.exit, exit));
	vmcs_write(VMCS_ENTRY_CTLS, vmx_adjust_ctls(vmx_caps.entry, ENTRY_LOAD_PAT | ENTRY_LOAD_EFER));
	vmcs_write(VMCS_EXCEPTION_BITMAP, 0);
	vmcs_write(VMCS_PF_ERRCODE_MASK, 0);
	vmcs_write(VMCS_PF_ERRCODE_MATCH, 0);
	vmcs_write(VMCS_CR3_TARGET_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	vmcs_write(VMCS_TSC_OFFSET, 0);
	vmcs_write(VMCS_EPT_POINTER, pgtable_eptp(&v->vm->ept, false));
	vmcs_write(VMCS_VPID, v->vpid);
	/* Built on the vCPU's own pCPU before its first entry (and at each
	 * reset): whatever an earlier owner of these tags left there goes. */
	invalidate_tags(pgtable_eptp(&v->vm->ept, false), v->vpid, (proc2 & PROC2_VPID) != 0);
	/* The guest owns CR0/CR4 except the bits VMX operation pins: those are
	 * masked, and the guest reads its own value from the shadow. */
	vmcs_write(VMCS_CR0_MASK, CR0_NE);
	vmcs_write(VMCS_CR4_MASK, CR4_VMXE);
}

static void vmcs_write_seg(enum vmcs_field sel, const struct seg_state *s)
{
	/* Selector, base, limit and AR fields of one register are 2 apart per
	 * register in each group, so derive them from the selector field. */
	unsigned idx = (sel - VMCS_GUEST_ES_SEL) / 2;

	vmcs_write(sel, s->sel);
	vmcs_write((enum vmcs_field)(VMCS_GUEST_ES_BASE + 2 * idx), s->base);
	vmcs_write((enum vmcs_field)(VMCS_GUEST_ES_LIMIT + 2 * idx), s->limit);
	vmcs_write((enum vmcs_field)(VMCS_GUEST_ES_AR + 2 * idx), s->ar);
}

void vcpu_load_state(struct vcpu *v, const struct vcpu_boot_state *st)
{
	uint64_t entry = vmcs_read(VMCS_ENTRY_CTLS);

	vmcs_write(VMCS_GUEST_CR0, (st->cr0 | (vmx_caps.cr0_fixed0 & ~(CR0_PE | CR0_PG))) &
		   vmx_caps.cr0_fixed1);
	vmcs_write(VMCS_CR0_SHADOW, st->cr0);
	vmcs_write(VMCS_GUEST_CR3, st->cr3);
	vmcs_write(VMCS_GUEST_CR4, (st->cr4 | vmx_caps.cr4_fixed0) & vmx_caps.cr4_fixed1);
	vmcs_write(VMCS_CR4_SHADOW, st->cr4);
	vmcs_write(VMCS_GUEST_EFER, st->efer);
	if (st->efer & EFER_LMA)
		entry |= ENTRY_IA32E_GUEST;
	else
		entry &= ~(uint64_t)ENTRY_IA32E_GUEST;
	vmcs_write(VMCS_ENTRY_CTLS, entry);

	vmcs_write_seg(VMCS_GUEST_ES_SEL, &st->es);
	vmcs_write_seg(VMCS_GUEST_CS_SEL, &st->cs);
	vmcs_write_seg(VMCS_GUEST_SS_SEL, &st->ss);
	vmcs_write_seg(VMCS_GUEST_DS_SEL, &st->ds);
	vmcs_write_seg(VMCS_GUEST_FS_SEL, &st->fs);
	vmcs_write_seg(VMCS_GUEST_GS_SEL, &st->gs);
	vmcs_write_seg(VMCS_GUEST_LDTR_SEL, &st->ldtr);
	vmcs_write_seg(VMCS_GUEST_TR_SEL, &st->tr);
	vmcs_write(VMCS_GUEST_GDTR_BASE, st->gdt_base);
	vmcs_write(VMCS_GUEST_GDTR_LIMIT, st->gdt_limit);
	vmcs_write(VMCS_GUEST_IDTR_BASE, st->idt_base);
	vmcs_write(VMCS_GUEST_IDTR_LIMIT, st->idt_limit);

	vmcs_write(VMCS_GUEST_RIP, st->rip);
	vmcs_write(VMCS_GUEST_RSP, st->rsp);
	vmcs_write(VMCS_GUEST_RFLAGS, st->rflags | 0x2);
	vmcs_write(VMCS_GUEST_DR7, 0x400);
	vmcs_write(VMCS_GUEST_DEBUGCTL, 0);
	vmcs_write(VMCS_GUEST_PAT, 0x0007040600070406ULL);	/* power-on PAT */
	vmcs_write(VMCS_GUEST_SYSENTER_CS, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_ESP, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_EIP, 0);
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_write(VMCS_GUEST_ACTIVITY, st->activity);
	vmcs_write(VMCS_GUEST_PENDING_DBG, 0);
	vmcs_write(VMCS_VMCS_LINK_PTR, ~0ULL);
	memcpy(v->regs.gpr, st->gpr, sizeof(v->regs.gpr));
}

/* XSAVE header (SDM Vol. 1 §13.4.2): XSTATE_BV at byte 512 of the area. */
#define XSAVE_HDR_XSTATE_BV	512

static const uint32_t switched_msrs[6] = {
	0xC0000081U, 0xC0000082U, 0xC0000083U, 0xC0000084U,	/* STAR, LSTAR, CSTAR, FMASK */
	0xC0000102U,						/* KERNEL_GS_BASE */
	0xC0000103U,						/* TSC_AUX */
};

static bool have_xsave(void)
{
	return (read_cr4() & CR4_OSXSAVE) != 0;
}

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

static void xsetbv0(uint64_t v)
{
	__asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/*
 * CR2, DR0-DR3 and DR6 are not part of the VMCS guest state (SDM Vol. 3 §25.4.1
 * lists CR0, CR3, CR4 and DR7 only): two vCPUs sharing a pCPU would otherwise see
 * each other's values.  A vCPU preempted between a #PF and its handler's read
 * of CR2 (the VMX-preemption timer fires whatever RFLAGS.IF) would resume with
 * the other vCPU's fault address, and its kernel would kill a process for a
 * fault at the wrong address.
 */
static void save_regs_outside_vmcs(struct vcpu *v)
{
	v->ctx.cr2 = read_cr2();
	v->ctx.dr[0] = read_dr0();
	v->ctx.dr[1] = read_dr1();
	v->ctx.dr[2] = read_dr2();
	v->ctx.dr[3] = read_dr3();
	v->ctx.dr6 = read_dr6();
}

static void load_regs_outside_vmcs(const struct vcpu *v)
{
	write_cr2(v->ctx.cr2);
	write_dr0(v->ctx.dr[0]);
	write_dr1(v->ctx.dr[1]);
	write_dr2(v->ctx.dr[2]);
	write_dr3(v->ctx.dr[3]);
	write_dr6(v->ctx.dr6);
}

/*
 * XSAVE/XRSTOR with every component XCR0 enables (SDM Vol. 1 §13.7, §13.8).
 * A zeroed area has XSTATE_BV = 0, so XRSTOR puts each component in its
 * initial configuration; MXCSR, which XRSTOR loads anyway, is preset to its
 * reset value 0x1F80 in the vCPU's fresh area.
 */
/*
 * x87 and SSE state are switched whatever the guest's XCR0.  A guest that
 * never enabled XSAVE (CR4.OSXSAVE = 0: firmware, a kernel that turned XSAVE
 * off, the test guests) has XCR0 = 1 but uses the XMM registers and MXCSR
 * all the same, and XSAVE saves those only with XCR0[1] set (SDM Vol. 1
 * §13.7): both XSAVE and XRSTOR run with XCR0[1:0] set, then the guest's own
 * XCR0 is put back (the SSE unit works whatever XCR0 says).
 */
#define XCR0_X87_SSE	3ULL

void vcpu_switch_context(struct vcpu *prev, struct vcpu *next)
{
	bool xs = have_xsave();

	if (prev == next)
		return;
	if (prev != NULL) {
		for (unsigned i = 0; i < ARRAY_SIZE(switched_msrs); i++)
			prev->ctx.msrs[i] = rdmsr(switched_msrs[i]);
		save_regs_outside_vmcs(prev);
		if (xs && prev->xsave_area != NULL) {
			uint64_t mask = (prev->ctx.xcr0 = xgetbv0()) | XCR0_X87_SSE;

			if (mask != prev->ctx.xcr0)
				xsetbv0(mask);
			__asm__ volatile("xsave64 %0" : "+m"(*(uint8_t (*)[PAGE_SIZE])prev->xsave_area)
					 : "a"(~0U), "d"(~0U) : "memory");
			/* XSAVE leaves the XSTATE_BV bits of components outside XCR0 as an
			 * earlier save wrote them (SDM Vol. 1 §13.7); a guest that has since
			 * cleared them from XCR0 would make the XRSTOR below #GP.  Those
			 * components are disabled: restore them in their initial state. */
			*(uint64_t *)((uint8_t *)prev->xsave_area + XSAVE_HDR_XSTATE_BV) &= mask;
		} else if (prev->xsave_area != NULL) {
			__asm__ volatile("fxsave64 %0" : "=m"(*(uint8_t (*)[512])prev->xsave_area));
		}
		prev->ctx.saved = true;
	}
	if (next == NULL)
		return;
	if (!next->ctx.saved) {
		memset(next->ctx.msrs, 0, sizeof(next->ctx.msrs));
		next->ctx.xcr0 = 1;		/* x87 only, as after RESET */
		next->ctx.cr2 = 0;
		memset(next->ctx.dr, 0, sizeof(next->ctx.dr));
		next->ctx.dr6 = 0xFFFF0FF0ULL;	/* DR6 after RESET (SDM Vol. 3 §18.2.3) */
	}
	load_regs_outside_vmcs(next);
	for (unsigned i = 0; i < ARRAY_SIZE(switched_msrs); i++)
		wrmsr(switched_msrs[i], next->ctx.msrs[i]);
	if (xs && next->xsave_area != NULL) {
		/* The area holds only components of the guest's XCR0 and x87/SSE
		 * (masked at save), so XRSTOR under that mask restores all of it. */
		xsetbv0(next->ctx.xcr0 | XCR0_X87_SSE);
		__asm__ volatile("xrstor64 %0" : : "m"(*(uint8_t (*)[PAGE_SIZE])next->xsave_area),
				 "a"(~0U), "d"(~0U) : "memory");
		if ((next->ctx.xcr0 | XCR0_X87_SSE) != next->ctx.xcr0)
			xsetbv0(next->ctx.xcr0 | 1);
	} else if (next->xsave_area != NULL) {
		__asm__ volatile("fxrstor64 %0" : : "m"(*(uint8_t (*)[512])next->xsave_area));
	}
}

struct vcpu *vcpu_alloc(struct vm *vm, uint32_t pcpu)
{
	struct vcpu *v;

	_Static_assert(sizeof(struct vcpu) <= PAGE_SIZE, "struct vcpu must fit in a page");
	if (vm->vcpu_count >= MAX_VCPUS_PER_VM)
		return NULL;
	v = page_alloc();
	if (v == NULL)
		return NULL;
	v->vmcs = page_alloc();
	if (v->vmcs == NULL) {
		page_free(v);
		return NULL;
	}
	*(uint32_t *)v->vmcs = vmx_caps.revision;
	v->xsave_area = page_alloc();
	if (v->xsave_area == NULL) {
		page_free(v->vmcs);
		page_free(v);
		return NULL;
	}
	memset(v->xsave_area, 0, PAGE_SIZE);
	*(uint32_t *)((uint8_t *)v->xsave_area + 24) = 0x1F80;	/* MXCSR */
	v->vm = vm;
	v->id = vm->vcpu_count;
	v->pcpu = pcpu;
	v->vpid = vpid_alloc();
	if (vm->hv_tick) {
		/* 10 ms; the timer counts TSC >> IA32_VMX_MISC[4:0] (SDM §26.5.1). */
		uint64_t period = ((uint64_t)tsc_khz * 10) >> (rdmsr(MSR_IA32_VMX_MISC) & 0x1F);

		v->tick_period = period > 0xFFFFFFFFULL ? 0xFFFFFFFFU : (uint32_t)MAX(period, 1ULL);
	}
	vm->vcpus[vm->vcpu_count++] = v;
	return v;
}

int vcpu_init_vmcs(struct vcpu *v, const struct vcpu_boot_state *st)
{
	v->launched = false;
	if (vmcs_load(hva2hpa(v->vmcs), true) != 0)
		return -EIO;
	vmcs_init_host();
	vmcs_init_controls(v);
	vcpu_load_state(v, st);
	v->vmcs_ready = true;
	return 0;
}

struct vcpu *vcpu_create(struct vm *vm, const struct vcpu_boot_state *st)
{
	struct vcpu *v = vcpu_alloc(vm, this_cpu_id());

	if (v == NULL)
		return NULL;
	if (vcpu_init_vmcs(v, st) != 0) {
		vm->vcpus[--vm->vcpu_count] = NULL;
		page_free(v->xsave_area);
		page_free(v->vmcs);
		page_free(v);
		return NULL;
	}
	return v;
}

void vcpu_release(struct vcpu *v)
{
	uint64_t pa = hva2hpa(v->vmcs);

	if (v->vmcs_ready)
		__asm__ volatile("vmclear %0" : : "m"(pa) : "cc", "memory");
	page_free(v->xsave_area);
	page_free(v->vmcs);
	page_free(v);
}

void vcpu_stop(struct vcpu *v, const char *reason)
{
	v->stopped = true;
	v->stop_reason = reason;
}

void vcpu_skip_instruction(struct vcpu *v)
{
	vmcs_write(VMCS_GUEST_RIP, vmcs_read(VMCS_GUEST_RIP) + vmcs_read(VMCS_EXIT_INSTR_LEN));
}

void vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_errcode, uint32_t errcode)
{
	/* SDM §25.8.3: valid | type 3 (hardware exception) | vector */
	uint32_t info = (1U << 31) | (3U << 8) | vector;

	if (has_errcode) {
		info |= 1U << 11;
		vmcs_write(VMCS_ENTRY_EXC_ERRCODE, errcode);
	}
	vmcs_write(VMCS_ENTRY_INTR_INFO, info);
}

void vcpu_make_request(struct vcpu *v, uint32_t req)
{
	__atomic_fetch_or(&v->requests, req, __ATOMIC_SEQ_CST);
	vcpu_kick(v);
}

void vcpu_timer_deadline(struct vcpu *v, uint64_t deadline)
{
	uint64_t now = rdtsc(), left;

	(void)v;
	if (deadline == 0 || !(vmcs_read(VMCS_PIN_CTLS) & PIN_PREEMPT_TIMER))
		return;
	/* The timer counts TSC >> IA32_VMX_MISC[4:0] (SDM Vol. 3 §26.5.1). */
	left = deadline > now ? (deadline - now) >> (rdmsr(MSR_IA32_VMX_MISC) & 0x1F) : 0;
	if (left < vmcs_read(VMCS_PREEMPTION_TIMER))
		vmcs_write(VMCS_PREEMPTION_TIMER, left);
}

void vcpu_run(struct vcpu *v)
{
	this_cpu()->current_vcpu = v;
	for (;;) {
		uint32_t req = __atomic_load_n(&v->requests, __ATOMIC_ACQUIRE);

		/* Requests are handled even for a stopped vCPU: pause and
		 * release must be acknowledged whatever the guest did. */
		if (req & ~VCPU_REQ_RELEASE)
			vcpu_handle_requests(v);
		if (v->blocked != 0 || v->stopped || (req & VCPU_REQ_RELEASE))
			break;
		if (v->yield) {
			v->yield = false;
			break;
		}
		if (v->vm->virt_irq)
			virq_before_entry(v);
		if (vmx_vmrun(&v->regs, v->launched) != 0) {
			pr_err("VM %s vCPU %u: VM entry failed, VM-instruction error %lu",
			       v->vm->name, v->id, vmcs_read(VMCS_VM_INSTR_ERROR));
			vmexit_fatal(v, "VM entry failed");
			break;
		}
		v->launched = true;
		v->exits++;
		this_cpu()->exits++;
		vmexit_handle(v);
	}
	this_cpu()->current_vcpu = NULL;
}

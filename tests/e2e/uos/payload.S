/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * uos-minimal guest payload: a flat binary loaded at UOS_LOAD_GPA and started
 * in real mode (CS base 0, IP = UOS_LOAD_GPA, CR0 = 0x10).  It switches to
 * protected mode, then to long mode, reporting each step on UOS_PORT_STEP,
 * then makes every access the test client expects (uos-proto.h): port I/O of
 * sizes 1/2/4, MMIO of sizes 1/2/4/8, PCI configuration reads and a write,
 * an IOAPIC-routed interrupt and an MSI that wake HLT, two VMCALLs that must
 * fail, and optionally a timed loop of port reads.  Every value the client
 * returns is checked here; a mismatch is reported on UOS_PORT_FAILVAL and
 * UOS_PORT_FAIL.  It ends with the number of passed checks on UOS_PORT_DONE.
 *
 * Register conventions at entry: EBX = UOS_MODE_* flags, ESI = benchmark
 * iterations, EDI = IOAPIC pins the platform must have (UOS_IOAPIC_PINS).
 */
#include "uos-proto.h"

#define MSR_EFER	0xC0000080
#define EFER_LME	(1 << 8)
#define EFER_LMA	(1 << 10)
#define CR0_PE		(1 << 0)
#define CR0_PG		(1 << 31)
#define CR4_PAE		(1 << 5)
#define PTE_P_RW	0x3
#define PDE_2M		0x83		/* present, writable, PS (2 MiB page) */
#define PDE_PCD_PWT	0x18		/* uncached: the top GiB holds MMIO */
#define HC_GET_API_VERSION	0x80000000
#define HC_CREATE_VM		0x80000010
#define LAPIC_ID	0x20
#define LAPIC_VER	0x30
#define LAPIC_TPR	0x80
#define LAPIC_EOI	0xB0
#define LAPIC_SVR	0xF0
#define IOAPIC_WIN	0x10
#define IOAPIC_VER_IDX	0x01
#define IOAPIC_RTE_LO	(0x10 + 2 * UOS_IRQ_GSI)
#define IOAPIC_RTE_HI	(IOAPIC_RTE_LO + 1)

	.set uos_nchecks, 0

/* out \val (an immediate) to \port as a dword; clobbers EAX, EDX. */
.macro PUT32 port, val
	movw $\port, %dx
	movl $\val, %eax
	outl %eax, %dx
.endm

/* RDX = the TSC, read once every earlier instruction is done (LFENCE; RDTSC). */
.macro TSC_RDX
	lfence
	rdtsc
	shlq $32, %rdx
	orq %rax, %rdx
.endm

/*
 * R12D runs of \insn with DX = UOS_PORT_BENCH; R13 = the TSC before the loop.
 * Clobbers RAX, RCX, RDX.
 */
.macro BENCH_LOOP insn:vararg
	TSC_RDX
	movq %rdx, %r13
	movl %r12d, %ecx
	movw $UOS_PORT_BENCH, %dx
	.balign 16
1:	\insn
	decl %ecx
	jnz 1b
.endm

/*
 * Halt until an interrupt handler has made the dword \count non-zero, with
 * no window for a lost wake-up (IF = 1 after), then check it is 1 (\code).
 */
.macro WAIT_ONE count, code
1:	cli
	cmpl $0, \count(%rip)
	jne 2f
	sti				/* STI shadow: HLT runs before any delivery */
	hlt
	jmp 1b
2:	sti
	movl \count(%rip), %eax
	movl $1, %r9d
	CHK \code
.endm

/*
 * Hypercall \hc (RDI = UOS_SCRATCH_GPA, RSI = 0) as a User VM: report RAX
 * on UOS_PORT_RESULT and check it is -EPERM (\code).  Clobbers RBX.
 */
.macro VMCALL_EPERM hc, code
	movl $\hc, %r8d
	movl $UOS_SCRATCH_GPA, %edi
	xorl %esi, %esi
	xorl %eax, %eax			/* RAX is not an input: make it defined */
	vmcall
	movq %rax, %rbx
	movw $UOS_PORT_RESULT, %dx
	outl %eax, %dx
	movq %rbx, %rax
	movq $-1, %r9
	CHK \code
.endm

/*
 * 64-bit check: RAX (got) == R9 (want), else report \code.  Counted at
 * assembly time when \counted is 1 (the checks every run makes).
 */
.macro CHK code, counted=1
	.if \counted
	.set uos_nchecks, uos_nchecks + 1
	.endif
	cmpq %r9, %rax
	jne .Lbad\@
	incl uos_pass(%rip)
	jmp .Lok\@
.Lbad\@:
	movl $\code, %edi
	call uos_fail64
.Lok\@:
.endm

/* ------------------------------------------------------------------------ */
	.section .text.entry, "ax"
	.code16
	.globl uos_entry
uos_entry:
	cli
	cld
	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw $UOS_STACK_TOP, %sp
	movl %ebx, uos_mode
	movl %esi, uos_iters
	movl %edi, uos_pins
	PUT32 UOS_PORT_STEP, UOS_STEP_REAL

	/* SDM Vol. 3A 9.9.1: load a GDT, set CR0.PE, far jump to a 32-bit CS. */
	lgdtl uos_gdt_desc
	movl %cr0, %eax
	orl $CR0_PE, %eax
	movl %eax, %cr0
	ljmpl $UOS_SEL_CODE32, $uos_pm32

/* ------------------------------------------------------------------------ */
	.code32
uos_pm32:
	movw $UOS_SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	movl $UOS_STACK_TOP, %esp

	.set uos_nchecks, uos_nchecks + 1
	movl %cr0, %eax
	testl $CR0_PE, %eax
	jz 1f
	incl uos_pass
	jmp 2f
1:	PUT32 UOS_PORT_FAIL, UOS_CHK_PE
2:	PUT32 UOS_PORT_STEP, UOS_STEP_PROT

	/*
	 * A busy TSS in TR before long mode: VM entry into an IA-32e guest
	 * requires TR type 11 (SDM Vol. 3C 26.3.1.2); LTR of a type-9
	 * descriptor makes it 11, and long mode keeps the loaded TR.
	 */
	movl $UOS_TSS_GPA, %edi
	xorl %eax, %eax
	movl $(104 / 4), %ecx
	rep stosl
	movw $UOS_SEL_TSS, %ax
	ltr %ax

	/* Identity map 4 GiB with 2 MiB pages: PML4, one PDPT, four PDs. */
	movl $UOS_PT_GPA, %edi
	xorl %eax, %eax
	movl $(6 * 4096 / 4), %ecx
	rep stosl
	movl $(UOS_PT_GPA + 0x1000 + PTE_P_RW), UOS_PT_GPA
	movl $(UOS_PT_GPA + 0x1000), %edi
	movl $(UOS_PT_GPA + 0x2000 + PTE_P_RW), %eax
	movl $4, %ecx
1:	movl %eax, (%edi)
	addl $8, %edi
	addl $0x1000, %eax
	loop 1b
	movl $(UOS_PT_GPA + 0x2000), %edi
	movl $PDE_2M, %eax
	xorl %ecx, %ecx
1:	movl %eax, %edx
	cmpl $1536, %ecx		/* 3 GiB and up: MMIO, uncached */
	jb 2f
	orl $PDE_PCD_PWT, %edx
2:	movl %edx, (%edi, %ecx, 8)
	addl $0x200000, %eax
	incl %ecx
	cmpl $2048, %ecx
	jb 1b

	/* SDM Vol. 3A 9.8.5: PAE, CR3, EFER.LME, then CR0.PG; far jump to 64-bit. */
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $UOS_PT_GPA, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl %cr0, %eax
	orl $CR0_PG, %eax
	movl %eax, %cr0
	ljmp $UOS_SEL_CODE64, $uos_lm64

/* ------------------------------------------------------------------------ */
	.code64
uos_lm64:
	movw $UOS_SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movq $UOS_STACK_TOP, %rsp

	movl $MSR_EFER, %ecx
	rdmsr
	andl $EFER_LMA, %eax
	movl $EFER_LMA, %r9d
	CHK UOS_CHK_LMA
	PUT32 UOS_PORT_STEP, UOS_STEP_LONG

	testl $UOS_MODE_HOLD, uos_mode(%rip)
	jnz uos_hold

	/* Port I/O: writes of each size, then reads (SDM Vol. 2 IN/OUT). */
	movw $UOS_PORT_DATA, %dx
	movb $UOS_OUT8, %al
	outb %al, %dx
	movw $UOS_OUT16, %ax
	outw %ax, %dx
	movl $UOS_OUT32, %eax
	outl %eax, %dx
	/* 8- and 16-bit destinations keep the rest of RAX; 32-bit zero-extends. */
	movabsq $UOS_FILL, %rax
	inb %dx, %al
	movabsq $((UOS_FILL & ~0xFF) | UOS_IN8), %r9
	CHK UOS_CHK_IN8
	movabsq $UOS_FILL, %rax
	movw $UOS_PORT_DATA, %dx
	inw %dx, %ax
	movabsq $((UOS_FILL & ~0xFFFF) | UOS_IN16), %r9
	CHK UOS_CHK_IN16
	movabsq $UOS_FILL, %rax
	movw $UOS_PORT_DATA, %dx
	inl %dx, %eax
	movl $UOS_IN32, %r9d
	CHK UOS_CHK_IN32

	/* MMIO: register-form MOV of each size (the common decoder path). */
	movl $UOS_MMIO_BASE, %ebx
	movb $UOS_MMIO_W8, %al
	movb %al, UOS_MMIO_OFF_W8(%rbx)
	movw $UOS_MMIO_W16, %ax
	movw %ax, UOS_MMIO_OFF_W16(%rbx)
	movl $UOS_MMIO_W32, %eax
	movl %eax, UOS_MMIO_OFF_W32(%rbx)
	movabsq $UOS_MMIO_W64, %rax
	movq %rax, UOS_MMIO_OFF_W64(%rbx)
	movabsq $UOS_FILL, %rax
	movb UOS_MMIO_OFF_R8(%rbx), %al
	movabsq $((UOS_FILL & ~0xFF) | UOS_MMIO_R8), %r9
	CHK UOS_CHK_MMIO8
	movabsq $UOS_FILL, %rax
	movw UOS_MMIO_OFF_R16(%rbx), %ax
	movabsq $((UOS_FILL & ~0xFFFF) | UOS_MMIO_R16), %r9
	CHK UOS_CHK_MMIO16
	movabsq $UOS_FILL, %rax
	movl UOS_MMIO_OFF_R32(%rbx), %eax
	movl $UOS_MMIO_R32, %r9d
	CHK UOS_CHK_MMIO32
	movabsq $UOS_FILL, %rax
	movq UOS_MMIO_OFF_R64(%rbx), %rax
	movabsq $UOS_MMIO_R64, %r9
	CHK UOS_CHK_MMIO64

	/* PCI configuration mechanism #1 (PCI Local Bus 3.0, 3.2.2.3.2). */
	movw $0xCF8, %dx
	movl $UOS_PCI_CF8_REG0, %eax
	outl %eax, %dx
	movw $0xCFC, %dx
	inl %dx, %eax
	movl $UOS_PCI_ID, %r9d
	CHK UOS_CHK_PCI_ID
	xorl %eax, %eax
	movw $0xCFE, %dx
	inw %dx, %ax
	movl $UOS_PCI_DEVICE, %r9d
	CHK UOS_CHK_PCI_DEVICE
	movw $0xCF8, %dx
	movl $UOS_PCI_CF8_REG4, %eax
	outl %eax, %dx
	movw $0xCFC, %dx
	movw $UOS_PCI_CMD_WRITE, %ax
	outw %ax, %dx
	movw $0xCF8, %dx
	xorl %eax, %eax
	outl %eax, %dx

	call uos_setup_interrupts

	/* IOAPIC pin, edge: the client raises it when it sees WAIT_IRQ. */
	sti
	PUT32 UOS_PORT_STEP, UOS_STEP_WAIT_IRQ
	WAIT_ONE uos_irq_count, UOS_CHK_IRQ_COUNT
	movl uos_msi_count(%rip), %eax
	xorl %r9d, %r9d
	CHK UOS_CHK_IRQ_NO_MSI
	PUT32 UOS_PORT_STEP, UOS_STEP_GOT_IRQ

	PUT32 UOS_PORT_STEP, UOS_STEP_WAIT_MSI
	WAIT_ONE uos_msi_count, UOS_CHK_MSI_COUNT
	movl uos_irq_count(%rip), %eax
	movl $1, %r9d
	CHK UOS_CHK_MSI_NO_IRQ
	PUT32 UOS_PORT_STEP, UOS_STEP_GOT_MSI

	/* Hypercalls are for the Service VM only: both must fail with -EPERM. */
	PUT32 UOS_PORT_STEP, UOS_STEP_VMCALL
	VMCALL_EPERM HC_GET_API_VERSION, UOS_CHK_VMCALL_API
	VMCALL_EPERM HC_CREATE_VM, UOS_CHK_VMCALL_CREATE

	testl $UOS_MODE_BENCH, uos_mode(%rip)
	jz 1f
	call uos_bench
1:
	movl uos_pass(%rip), %eax
	orl $(UOS_GUEST_CHECKS << UOS_DONE_MAGIC_SHIFT), %eax
	movw $UOS_PORT_DONE, %dx
	outl %eax, %dx
uos_stop:
	cli
	hlt
	jmp uos_stop

/* Hold mode: heartbeats on UOS_PORT_HOLD until the VM is destroyed. */
uos_hold:
	PUT32 UOS_PORT_STEP, UOS_STEP_HOLD
	xorl %ebx, %ebx
1:	incl %ebx
	movl %ebx, %eax
	movw $UOS_PORT_HOLD, %dx
	outl %eax, %dx
	movl $100000, %ecx
2:	pause
	loop 2b
	jmp 1b

/*
 * Benchmark: the same loop with and without one inl, each bracketed by
 * RDTSC; the client divides the difference by the iteration count.  Results
 * go out as four dwords: empty loop lo/hi, inl loop lo/hi.
 */
uos_bench:
	PUT32 UOS_PORT_STEP, UOS_STEP_BENCH
	movl uos_iters(%rip), %r12d
	testl %r12d, %r12d
	jnz 1f
	movl $1, %r12d
1:	cmpl $UOS_BENCH_ITERS_MAX, %r12d
	jbe 1f
	movl $UOS_BENCH_ITERS_MAX, %r12d
1:	movw $UOS_PORT_BENCH, %dx
	BENCH_LOOP nop
	TSC_RDX
	subq %r13, %rdx
	movq %rdx, %r14			/* empty loop */
	BENCH_LOOP inl %dx, %eax
	movl %eax, %ebx			/* the last value read */
	TSC_RDX
	subq %r13, %rdx
	movq %rdx, %r15			/* inl loop */
	movw $UOS_PORT_RESULT, %dx
	movl %r14d, %eax
	outl %eax, %dx
	movq %r14, %rax
	shrq $32, %rax
	outl %eax, %dx
	movl %r15d, %eax
	outl %eax, %dx
	movq %r15, %rax
	shrq $32, %rax
	outl %eax, %dx
	movl %ebx, %eax
	movl $UOS_BENCH_REPLY, %r9d
	CHK UOS_CHK_BENCH_VALUE, 0
	ret

/*
 * Report a failed check: got (RAX) and want (R9) on UOS_PORT_FAILVAL, then
 * the check id (EDI) on UOS_PORT_FAIL.  Preserves every register.
 */
uos_fail64:
	pushq %rax
	pushq %rdx
	movw $UOS_PORT_FAILVAL, %dx
	outl %eax, %dx
	shrq $32, %rax
	outl %eax, %dx
	movq %r9, %rax
	outl %eax, %dx
	shrq $32, %rax
	outl %eax, %dx
	movl %edi, %eax
	movw $UOS_PORT_FAIL, %dx
	outl %eax, %dx
	popq %rdx
	popq %rax
	ret

/*
 * IDT (SDM Vol. 3A 6.14.1, 64-bit interrupt gates), local APIC (SDM Vol. 3A
 * 10.9: SVR enables it) and the IOAPIC redirection entry of UOS_IRQ_GSI
 * (82093AA datasheet 3.2.4: fixed, physical, edge, active high, unmasked).
 */
uos_setup_interrupts:
	leaq uos_idt(%rip), %rdi
	xorl %ecx, %ecx
1:	leaq uos_isr_unexpected(%rip), %rax
	cmpl $32, %ecx
	jae 2f
	leaq uos_exc_stubs(%rip), %rax
	movl %ecx, %edx
	shll $4, %edx
	addq %rdx, %rax
2:	cmpl $UOS_VEC_IRQ, %ecx
	jne 3f
	leaq uos_isr_irq(%rip), %rax
3:	cmpl $UOS_VEC_MSI, %ecx
	jne 4f
	leaq uos_isr_msi(%rip), %rax
4:	movw %ax, (%rdi)
	movw $UOS_SEL_CODE64, 2(%rdi)
	movw $0x8E00, 4(%rdi)		/* present, DPL 0, 64-bit interrupt gate */
	shrq $16, %rax
	movw %ax, 6(%rdi)
	shrq $16, %rax
	movl %eax, 8(%rdi)
	movl $0, 12(%rdi)
	addq $16, %rdi
	incl %ecx
	cmpl $256, %ecx
	jb 1b
	lidt uos_idt_desc(%rip)

	/* The PIC stays out of the way (emulated by the hypervisor). */
	movb $0xFF, %al
	outb %al, $0x21
	outb %al, $0xA1

	movl $UOS_LAPIC_GPA, %ebx
	movl LAPIC_ID(%rbx), %eax
	shrl $24, %eax
	xorl %r9d, %r9d
	CHK UOS_CHK_LAPIC_ID
	movl LAPIC_VER(%rbx), %eax
	andl $0xF0, %eax
	movl $0x10, %r9d
	CHK UOS_CHK_LAPIC_VER
	movl $0x1FF, %eax
	movl %eax, LAPIC_SVR(%rbx)
	xorl %eax, %eax
	movl %eax, LAPIC_TPR(%rbx)
	movl LAPIC_SVR(%rbx), %eax
	andl $0x1FF, %eax
	movl $0x1FF, %r9d
	CHK UOS_CHK_LAPIC_SVR

	movl $UOS_IOAPIC_GPA, %ebx
	movl $IOAPIC_VER_IDX, %eax
	movl %eax, (%rbx)
	movl IOAPIC_WIN(%rbx), %eax
	shrl $16, %eax
	andl $0xFF, %eax
	movl uos_pins(%rip), %r9d
	decl %r9d
	CHK UOS_CHK_IOAPIC_PINS
	movl $IOAPIC_RTE_HI, %eax
	movl %eax, (%rbx)
	xorl %eax, %eax			/* destination APIC id 0 */
	movl %eax, IOAPIC_WIN(%rbx)
	movl $IOAPIC_RTE_LO, %eax
	movl %eax, (%rbx)
	movl $UOS_VEC_IRQ, %eax
	movl %eax, IOAPIC_WIN(%rbx)
	movl IOAPIC_WIN(%rbx), %eax
	andl $0x1A7FF, %eax		/* without delivery status and remote IRR */
	movl $UOS_VEC_IRQ, %r9d
	CHK UOS_CHK_IOAPIC_RTE
	ret

uos_eoi:
	pushq %rax
	pushq %rcx
	movl $UOS_LAPIC_GPA, %eax
	xorl %ecx, %ecx
	movl %ecx, LAPIC_EOI(%rax)
	popq %rcx
	popq %rax
	ret

uos_isr_irq:
	incl uos_irq_count(%rip)
	call uos_eoi
	iretq

uos_isr_msi:
	incl uos_msi_count(%rip)
	call uos_eoi
	iretq

uos_isr_unexpected:
	pushq %rax
	pushq %rdi
	pushq %r9
	xorl %eax, %eax
	xorl %r9d, %r9d
	movl $UOS_CHK_UNEXPECTED_VEC, %edi
	call uos_fail64
	popq %r9
	popq %rdi
	popq %rax
	iretq

/* One 16-byte stub per exception vector: push the vector, report, stop. */
	.balign 16
uos_exc_stubs:
	.set vec, 0
	.rept 32
	.balign 16
	pushq $vec
	jmp uos_exc_common
	.set vec, vec + 1
	.endr

uos_exc_common:
	popq %rax
	movl %eax, %edi
	addl $UOS_CHK_EXCEPTION, %edi
	movq %cr2, %r9
	call uos_fail64
	jmp uos_stop

	.if uos_nchecks != UOS_GUEST_CHECKS
	.error "UOS_GUEST_CHECKS in uos-proto.h does not match the CHK sites"
	.endif

/* ------------------------------------------------------------------------ */
	.section .data, "aw"
	.balign 8
uos_gdt:
	.quad 0
	.quad 0x00CF9A000000FFFF	/* 0x08: 32-bit code, base 0, 4 GiB */
	.quad 0x00CF92000000FFFF	/* 0x10: data, base 0, 4 GiB */
	.quad 0x00AF9A000000FFFF	/* 0x18: 64-bit code */
	/* 0x20: TSS at UOS_TSS_GPA, limit 103, type 9 (available), present */
	.quad (0x67 | (UOS_TSS_GPA << 16) | (0x89 << 40))
	.quad 0				/* bits 63:32 of the base in long mode */
uos_gdt_end:
uos_gdt_desc:
	.word uos_gdt_end - uos_gdt - 1
	.long uos_gdt
uos_idt_desc:
	.word 256 * 16 - 1
	.quad uos_idt
	.balign 4
uos_mode:	.long 0
uos_iters:	.long 0
uos_pins:	.long 0
uos_pass:	.long 0
uos_irq_count:	.long 0
uos_msi_count:	.long 0

	.section .bss, "aw", @nobits
	.balign 16
uos_idt:
	.skip 256 * 16

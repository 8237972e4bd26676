/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The built-in test guest: 64-bit code run in VMX non-root on every pCPU at
 * boot (hypervisor option test=smoke|bench).  It is copied to guest-physical
 * TEST_GUEST_CODE and must be position independent.  Each check reports
 * (id << 8) | passed on port 0xE0; the count of checks goes to port 0xE1.
 * The ports are emulated by common/test_vm.c.
 *
 * The guest has a virtual LAPIC (0xFEE00000, kept in %r15), IOAPIC
 * (0xFEC00000, kept in %r14) and 8259A pair.  Interrupt handlers count
 * their vector at CNT + 4 * vector; PORT_IRQLINE drives a GSI through
 * virq_set_irqline() ((op << 8) | gsi), PORT_MSI injects an MSI through
 * virq_inject_msi() ((dest << 16) | data); reading either returns the
 * call's result.
 */
#define PORT_REPORT	0xE0
#define PORT_DONE	0xE1
#define PORT_SCRATCH	0xE2
#define PORT_HLTCOUNT	0xE3
#define PORT_BENCH	0xE5
#define PORT_IRQLINE	0xE6
#define PORT_MSI	0xE7
#define PORT_TICKS	0xE4
#define PORT_TICK_TSC	0xE8
#define DATA		0x8000
#define CNT		0x8400		/* 256 interrupt counters */
#define IDT		0x9000
#define GDT		0xA000
#define GDTR		0xA100
#define IDTR		0xA110
#define LAPIC		0xFEE00000
#define IOAPIC		0xFEC00000
#define IRQ_SET_HIGH	0
#define IRQ_SET_LOW	1
#define IRQ_RAISING	2
#define HC_API_VERSION	0x80000000
#define HC_TEST_ECHO	0x800000F0
#define HC_TEST_BENCH	0x800000F1
#define HC_UNKNOWN	0x800000FF
#define BENCH_ITERS	10000

/* Report ZF as the result of check \id. */
.macro REPORT id
	setz	%al
	movzbl	%al, %eax
	orl	$(\id << 8), %eax
	outl	%eax, $PORT_REPORT
.endm

/* IDT entry \vec -> handler \h: 64-bit interrupt gate, CS 0x08 (SDM Vol. 3 §6.14.1). */
.macro SETGATE vec, h
	leaq	\h(%rip), %rax
	movw	%ax, IDT + 16 * \vec
	movw	$0x08, IDT + 16 * \vec + 2
	movw	$0x8E00, IDT + 16 * \vec + 4
	shrq	$16, %rax
	movw	%ax, IDT + 16 * \vec + 6
	shrq	$16, %rax
	movl	%eax, IDT + 16 * \vec + 8
	movl	$0, IDT + 16 * \vec + 12
.endm

/* Handler counting \vec; eoi: 0 none, 1 xAPIC MMIO, 2 x2APIC MSR, 3 8259A. */
.macro HANDLER vec, eoi
h_\vec:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	incl	CNT + 4 * \vec
	.if \eoi == 1
	movl	$LAPIC, %eax
	movl	$0, 0xB0(%rax)
	.elseif \eoi == 2
	movl	$0x80B, %ecx
	xorl	%eax, %eax
	xorl	%edx, %edx
	wrmsr
	.elseif \eoi == 3
	movb	$0x20, %al
	outb	%al, $0x20
	.endif
	popq	%rdx
	popq	%rcx
	popq	%rax
	iretq
.endm

/* Program IOAPIC pin \pin: low dword \lo, destination APIC ID 0. */
.macro IOAPIC_RTE pin, lo
	movl	$(0x11 + 2 * \pin), (%r14)
	movl	$0, 0x10(%r14)
	movl	$(0x10 + 2 * \pin), (%r14)
	movl	$\lo, 0x10(%r14)
.endm

.macro IRQLINE gsi, op
	movl	$((\op << 8) | \gsi), %eax
	outl	%eax, $PORT_IRQLINE
.endm

	.section .rodata
	.code64
	.globl test_guest_start, test_guest_end
test_guest_start:
	/* 1: hypervisor signature */
	movl	$0x40000000, %eax
	xorl	%ecx, %ecx
	cpuid
	cmpl	$0x4E524341, %ebx		/* "ACRN" */
	jne	1f
	cmpl	$0x4E524341, %ecx
	jne	1f
	cmpl	$0x4E524341, %edx
1:	REPORT	1

	/* 2: CPUID.1 hides VMX and sets the hypervisor bit */
	movl	$1, %eax
	xorl	%ecx, %ecx
	cpuid
	andl	$0x80000020, %ecx
	cmpl	$0x80000000, %ecx
	REPORT	2

	/* 3: 32-bit OUT then IN through the emulated scratch port */
	movl	$0x12345678, %eax
	outl	%eax, $PORT_SCRATCH
	xorl	%eax, %eax
	inl	$PORT_SCRATCH, %eax
	cmpl	$0xEDCBA987, %eax
	REPORT	3

	/* 4: 8-bit IN preserves the upper bits of RAX */
	movb	$0x5A, %al
	outb	%al, $PORT_SCRATCH
	movl	$0x11223344, %eax
	inb	$PORT_SCRATCH, %al
	cmpl	$0x112233A5, %eax
	REPORT	4

	/* Flat GDT (code64 0x08, data 0x10) and IDT for interrupt delivery. */
	movq	$0, GDT
	movabsq	$0x00AF9B000000FFFF, %rax
	movq	%rax, GDT + 8
	movabsq	$0x00CF93000000FFFF, %rax
	movq	%rax, GDT + 16
	movw	$23, GDTR
	movq	$GDT, GDTR + 2
	lgdt	GDTR
	SETGATE	0x23, h_0x23
	SETGATE	0x40, h_0x40
	SETGATE	0x41, h_0x41
	SETGATE	0x50, h_0x50
	SETGATE	0x51, h_0x51
	SETGATE	0x52, h_0x52
	SETGATE	0x60, h_0x60
	SETGATE	0x61, h_0x61
	SETGATE	0x70, h_0x70
	SETGATE	0x75, h_0x75
	movw	$0xFFF, IDTR
	movq	$IDT, IDTR + 2
	lidt	IDTR
	movl	$LAPIC, %r15d
	movl	$IOAPIC, %r14d

	/* 10: xAPIC ID 0 (vCPU 0), version 0x14 with max LVT entry 6 */
	movl	0x20(%r15), %eax
	testl	%eax, %eax
	jne	1f
	movl	0x30(%r15), %eax
	andl	$0x00FF00FF, %eax
	cmpl	$0x00060014, %eax
1:	REPORT	10

	/* 11: SVR resets to 0xFF (disabled) and the enable bit sticks */
	movl	0xF0(%r15), %eax
	cmpl	$0xFF, %eax
	jne	1f
	movl	$0x1FF, 0xF0(%r15)
	movl	0xF0(%r15), %eax
	cmpl	$0x1FF, %eax
1:	REPORT	11

	/* 5: HLT exits and resumes on the one-shot LAPIC timer (vector 0x50) */
	movl	$0x50, 0x320(%r15)		/* LVT timer: one-shot, unmasked */
	movl	$0xB, 0x3E0(%r15)		/* divide by 1 */
	movl	$0x4000, 0x380(%r15)		/* initial count */
	sti
	hlt
	inl	$PORT_HLTCOUNT, %eax
	cmpl	$1, %eax
	jne	1f
	cmpl	$1, CNT + 4 * 0x50
	jne	1f
	movl	0x390(%r15), %eax		/* current count is 0 after expiry */
	testl	%eax, %eax
1:	REPORT	5

	/* 6: test hypercall returns ~arg0 */
	movl	$HC_TEST_ECHO, %r8d
	movabsq	$0x1122334455667788, %rdi
	vmcall
	movabsq	$0xEEDDCCBBAA998877, %rbx
	cmpq	%rbx, %rax
	REPORT	6

	/* 7: unknown hypercall -> -ENOSYS */
	movl	$HC_UNKNOWN, %r8d
	vmcall
	cmpq	$-38, %rax
	REPORT	7

	/* 8: GET_API_VERSION writes {1, 0} to guest memory */
	movq	$-1, DATA
	movl	$HC_API_VERSION, %r8d
	movl	$DATA, %edi
	vmcall
	testq	%rax, %rax
	jne	1f
	cmpl	$1, DATA
	jne	1f
	cmpl	$0, DATA + 4
1:	REPORT	8

	/* 9: a GPA the VM does not own -> -EFAULT, nothing written */
	movl	$HC_API_VERSION, %r8d
	movl	$0x00400000, %edi		/* hypervisor image, not mapped for us */
	vmcall
	cmpq	$-14, %rax
	REPORT	9

	/* 12: self IPI through the ICR is delivered and EOIed (ISR clear) */
	movl	$0, 0x310(%r15)
	movl	$0x40040, 0x300(%r15)		/* shorthand self, fixed, 0x40 */
	cmpl	$1, CNT + 4 * 0x40
	jne	1f
	movl	0x120(%r15), %eax		/* ISR 0x40-0x5F: bit 0 = 0x40 */
	andl	$1, %eax
	cmpl	$0, %eax
1:	REPORT	12

	/* 20: with IF = 0 the IPI waits in the IRR; after STI it arrives only
	 * once the STI shadow (one instruction) is over: interrupt window */
	cli
	movl	$0x40040, 0x300(%r15)
	cmpl	$1, CNT + 4 * 0x40
	jne	1f
	sti
	movl	CNT + 4 * 0x40, %ebx		/* in the STI shadow: still 1 */
	cmpl	$1, %ebx
	jne	1f
	cmpl	$2, CNT + 4 * 0x40
1:	REPORT	20

	/* 13: TPR 0x80 holds back vector 0x75 in the IRR; TPR 0 lets it in */
	movl	$0x80, 0x80(%r15)
	movl	$0x40075, 0x300(%r15)
	cmpl	$0, CNT + 4 * 0x75
	jne	1f
	movl	0x230(%r15), %eax		/* IRR 0x60-0x7F */
	andl	$(1 << 0x15), %eax
	cmpl	$(1 << 0x15), %eax
	jne	1f
	movl	$0, 0x80(%r15)
	cmpl	$1, CNT + 4 * 0x75
1:	REPORT	13

	/* 21: CR8 reads and writes the vLAPIC TPR bits 7:4 */
	movl	$9, %eax
	movq	%rax, %cr8
	movl	0x80(%r15), %eax
	cmpl	$0x90, %eax
	jne	1f
	movl	$0x30, 0x80(%r15)
	movq	%cr8, %rbx
	cmpq	$3, %rbx
	jne	1f
	xorl	%eax, %eax
	movq	%rax, %cr8
	movl	0x80(%r15), %eax
	testl	%eax, %eax
1:	REPORT	21

	/* 14: an edge IOAPIC pin raised by virq_set_irqline() */
	IOAPIC_RTE 5, 0x60
	IRQLINE	5, IRQ_RAISING
	inl	$PORT_IRQLINE, %eax
	testl	%eax, %eax
	jne	1f
	cmpl	$1, CNT + 4 * 0x60
1:	REPORT	14

	/* 15: level pin: remote IRR set until EOI; EOI with the line still
	 * high re-delivers; after the line drops an EOI clears remote IRR */
	IOAPIC_RTE 6, 0x8061
	IRQLINE	6, IRQ_SET_HIGH
	cmpl	$1, CNT + 4 * 0x61
	jne	1f
	movl	$0x1C, (%r14)
	movl	0x10(%r14), %eax
	andl	$0x4000, %eax
	cmpl	$0x4000, %eax
	jne	1f
	movl	$0, 0xB0(%r15)			/* EOI, line high: sent again */
	cmpl	$2, CNT + 4 * 0x61
	jne	1f
	IRQLINE	6, IRQ_SET_LOW
	movl	$0, 0xB0(%r15)			/* EOI, line low: nothing */
	cmpl	$2, CNT + 4 * 0x61
	jne	1f
	movl	$0x1C, (%r14)
	movl	0x10(%r14), %eax
	andl	$0x4000, %eax
	cmpl	$0, %eax
1:	REPORT	15

	/* 16: an MSI (destination 0, vector 0x70) from virq_inject_msi() */
	movl	$0x0070, %eax
	outl	%eax, $PORT_MSI
	inl	$PORT_MSI, %eax
	testl	%eax, %eax
	jne	1f
	cmpl	$1, CNT + 4 * 0x70
1:	REPORT	16

	/* 17: 8259A IRQ3 through LINT0 in ExtINT mode (vector base 0x20) */
	movl	$0x700, 0x350(%r15)		/* LINT0: ExtINT, unmasked */
	movb	$0x11, %al			/* ICW1: edge, cascade, ICW4 */
	outb	%al, $0x20
	movb	$0x20, %al			/* ICW2: vectors 0x20-0x27 */
	outb	%al, $0x21
	movb	$0x04, %al			/* ICW3: slave on IR2 */
	outb	%al, $0x21
	movb	$0x01, %al			/* ICW4: 8086 mode */
	outb	%al, $0x21
	movb	$0xF7, %al			/* OCW1: only IRQ3 unmasked */
	outb	%al, $0x21
	IRQLINE	3, IRQ_RAISING
	cmpl	$1, CNT + 4 * 0x23
	jne	1f
	movb	$0x0B, %al			/* OCW3: read ISR */
	outb	%al, $0x20
	inb	$0x20, %al
	cmpb	$0, %al				/* the handler's EOI cleared it */
1:	REPORT	17

	/* 18: x2APIC mode: version and ID MSRs, self IPI MSR, EOI MSR */
	movl	$0x1B, %ecx
	rdmsr
	orl	$0x400, %eax			/* EXTD */
	wrmsr
	movl	$0x803, %ecx
	rdmsr
	andl	$0xFF, %eax
	cmpl	$0x14, %eax
	jne	1f
	movl	$0x802, %ecx
	rdmsr
	testl	%eax, %eax
	jne	1f
	movl	$0x83F, %ecx
	movl	$0x41, %eax
	xorl	%edx, %edx
	wrmsr
	cmpl	$1, CNT + 4 * 0x41
	jne	1f
	movl	$0x1B, %ecx
	rdmsr
	andl	$0x400, %eax
	cmpl	$0x400, %eax
1:	REPORT	18

	/* 19: TSC-deadline timer (x2APIC MSRs) wakes HLT, then reads 0 */
	cli
	movl	$0x832, %ecx
	movl	$((2 << 17) | 0x51), %eax	/* LVT timer: TSC deadline */
	xorl	%edx, %edx
	wrmsr
	rdtsc
	addl	$0x20000, %eax
	adcl	$0, %edx
	movl	$0x6E0, %ecx
	wrmsr
	sti
	hlt
	cmpl	$1, CNT + 4 * 0x51
	jne	1f
	movl	$0x6E0, %ecx
	rdmsr
	orl	%edx, %eax
1:	REPORT	19

	/* 22: a one-shot timer interrupts a guest that never exits: the
	 * VMX-preemption timer is armed for the deadline (well before the
	 * 10 ms poll period, 800k TSC ticks at Bochs' 80 MHz) */
	movl	$0x832, %ecx
	movl	$0x52, %eax			/* LVT timer: one-shot, vector 0x52 */
	xorl	%edx, %edx
	wrmsr
	movl	$0x83E, %ecx
	movl	$0xB, %eax			/* divide by 1 */
	wrmsr
	rdtsc
	shlq	$32, %rdx
	orq	%rdx, %rax
	movq	%rax, %r13
	movl	$0x838, %ecx
	movl	$0x4000, %eax			/* initial count */
	xorl	%edx, %edx
	wrmsr
	movl	$2000000, %ecx
2:	cmpl	$0, CNT + 4 * 0x52
	jne	3f
	decl	%ecx
	jnz	2b
3:	rdtsc
	shlq	$32, %rdx
	orq	%rdx, %rax
	subq	%r13, %rax
	cmpl	$1, CNT + 4 * 0x52
	jne	1f
	cmpq	$0x80000, %rax
	ja	1f				/* ZF is 0 here: reported as failed */
	xorl	%eax, %eax			/* ZF = 1 */
1:	REPORT	22

	/* 23: hypervisor ticks still come while the guest exits far more
	 * often than the tick period (here an I/O exit every few hundred
	 * instructions, for 3.5 periods): at least 2 ticks */
	inl	$PORT_TICK_TSC, %eax
	movl	%eax, %r14d
	imulq	$7, %r14, %r14			/* 3.5 periods */
	shrq	$1, %r14
	inl	$PORT_TICKS, %eax
	movl	%eax, %r15d
	rdtsc
	shlq	$32, %rdx
	orq	%rdx, %rax
	movq	%rax, %r13
2:	inl	$PORT_SCRATCH, %eax
	rdtsc
	shlq	$32, %rdx
	orq	%rdx, %rax
	subq	%r13, %rax
	cmpq	%r14, %rax
	jb	2b
	inl	$PORT_TICKS, %eax
	subl	%r15d, %eax
	cmpl	$2, %eax
	jb	1f				/* ZF is 0 here: reported as failed */
	xorl	%eax, %eax			/* ZF = 1 */
1:	REPORT	23

	movl	$23, %eax
	outl	%eax, $PORT_DONE

	/* Benchmarks, when the hypervisor asks for them. */
	inl	$PORT_BENCH, %eax
	testl	%eax, %eax
	jz	halt_loop

	/* bench 1: CPUID round trip */
	movl	$BENCH_ITERS, %r12d
	rdtsc
	shlq	$32, %rdx
	orq	%rdx, %rax
	movq	%rax, %r13
2:	xorl	%eax, %eax
	xorl	%ecx, %ecx
	cpuid
	decl	%r12d
	jnz	2b
	rdtsc
	shlq	$32, %rdx
	orq	%rdx, %rax
	subq	%r13, %rax
	movq	%rax, %rsi
	movl	$1, %edi
	movl	$HC_TEST_BENCH, %r8d
	vmcall

	/* bench 2: VMCALL round trip */
	movl	$BENCH_ITERS, %r12d
	rdtsc
	shlq	$32, %rdx
	orq	%rdx, %rax
	movq	%rax, %r13
3:	movl	$HC_TEST_ECHO, %r8d
	vmcall
	decl	%r12d
	jnz	3b
	rdtsc
	shlq	$32, %rdx
	orq	%rdx, %rax
	subq	%r13, %rax
	movq	%rax, %rsi
	movl	$2, %edi
	movl	$HC_TEST_BENCH, %r8d
	vmcall

	/* bench 3: the empty loop, to subtract its cost */
	movl	$BENCH_ITERS, %r12d
	rdtsc
	shlq	$32, %rdx
	orq	%rdx, %rax
	movq	%rax, %r13
4:	movl	$HC_TEST_ECHO, %r8d
	decl	%r12d
	jnz	4b
	rdtsc
	shlq	$32, %rdx
	orq	%rdx, %rax
	subq	%r13, %rax
	movq	%rax, %rsi
	movl	$3, %edi
	movl	$HC_TEST_BENCH, %r8d
	vmcall

halt_loop:
	hlt
	jmp	halt_loop

	HANDLER	0x23, 3
	HANDLER	0x40, 1
	HANDLER	0x41, 2
	HANDLER	0x50, 1
	HANDLER	0x51, 2
	HANDLER	0x52, 2
	HANDLER	0x60, 1
	HANDLER	0x61, 0
	HANDLER	0x70, 1
	HANDLER	0x75, 1
test_guest_end:

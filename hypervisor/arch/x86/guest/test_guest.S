/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The built-in test guest: 64-bit code run in VMX non-root on every pCPU at
 * boot (hypervisor option test=smoke|bench).  It is copied to guest-physical
 * TEST_GUEST_CODE and must be position independent.  Each check reports
 * (id << 8) | passed on port 0xE0; the count of checks goes to port 0xE1.
 * The ports are emulated by common/test_vm.c.
 */
#define PORT_REPORT	0xE0
#define PORT_DONE	0xE1
#define PORT_SCRATCH	0xE2
#define PORT_HLTCOUNT	0xE3
#define PORT_BENCH	0xE5
#define DATA		0x8000
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

	/* 5: HLT exits and the guest resumes after it */
	hlt
	inl	$PORT_HLTCOUNT, %eax
	cmpl	$1, %eax
	REPORT	5

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

	movl	$9, %eax
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
test_guest_end:

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Interrupt and exception entry stubs, one per vector.  Each pushes a dummy
 * error code where the CPU does not (SDM Vol. 3 §6.13), then the vector, then
 * all general registers, and calls trap_handler(struct trap_frame *).  One
 * stub per vector (rather than one shared "unexpected" stub) lets the handler
 * count and name the vector that really fired.
 */
	.text
.macro TRAP_NOERR vec
	.align 16
trap_stub_\vec:
	pushq	$0
	pushq	$\vec
	jmp	trap_common
.endm
.macro TRAP_ERR vec
	.align 16
trap_stub_\vec:
	pushq	$\vec
	jmp	trap_common
.endm

TRAP_NOERR 0
TRAP_NOERR 1
TRAP_NOERR 2
TRAP_NOERR 3
TRAP_NOERR 4
TRAP_NOERR 5
TRAP_NOERR 6
TRAP_NOERR 7
TRAP_ERR   8
TRAP_NOERR 9
TRAP_ERR   10
TRAP_ERR   11
TRAP_ERR   12
TRAP_ERR   13
TRAP_ERR   14
TRAP_NOERR 15
TRAP_NOERR 16
TRAP_ERR   17
TRAP_NOERR 18
TRAP_NOERR 19
TRAP_NOERR 20
TRAP_ERR   21
TRAP_NOERR 22
TRAP_NOERR 23
TRAP_NOERR 24
TRAP_NOERR 25
TRAP_NOERR 26
TRAP_NOERR 27
TRAP_NOERR 28
TRAP_ERR   29
TRAP_ERR   30
TRAP_NOERR 31
/* vectors 32-255: external, IPI or spurious interrupts, never with an error code */
	.altmacro
.macro IRQ_STUBS from, to
	TRAP_NOERR \from
	.if \to-\from
	IRQ_STUBS %(\from+1), \to
	.endif
.endm
	IRQ_STUBS 32, 95
	IRQ_STUBS 96, 159
	IRQ_STUBS 160, 223
	IRQ_STUBS 224, 255
	.noaltmacro

trap_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, %rdi
	cld
	call	trap_handler
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp
	iretq

	.section .rodata
	.align 8
	.globl trap_stubs
trap_stubs:
	/* trap_stubs[v] = entry of vector v, for all 256 vectors */
	.altmacro
.macro STUB_ADDRS from, to
	.quad trap_stub_\from
	.if \to-\from
	STUB_ADDRS %(\from+1), \to
	.endif
.endm
	STUB_ADDRS 0, 63
	STUB_ADDRS 64, 127
	STUB_ADDRS 128, 191
	STUB_ADDRS 192, 255
	.noaltmacro

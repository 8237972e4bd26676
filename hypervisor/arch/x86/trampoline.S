/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AP start-up trampoline, copied to TRAMPOLINE_BASE (below 1 MiB) and entered
 * in real mode at CS:IP = (TRAMPOLINE_BASE >> 4):0 by the STARTUP IPI
 * (SDM Vol. 3 §8.4.4.1).  It goes real -> protected -> long mode with the
 * BSP's page tables and jumps to ap_entry64 with the stack the BSP chose.
 * Code here is position-dependent on TRAMPOLINE_BASE: every absolute address
 * is written as TRAMPOLINE_BASE + (label - trampoline_start).
 */
#include <arch/x86/seg.h>

#define T(x)	(TRAMPOLINE_BASE + ((x) - trampoline_start))

	.section .rodata
	.align 16
	.globl trampoline_start, trampoline_end
	.globl tramp_cr3, tramp_stack, tramp_arg
trampoline_start:
	.code16
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	lgdtl	(tramp_gdtr - trampoline_start)
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	ljmpl	$HV_CS32, $T(tramp32)

	.code32
tramp32:
	movl	$HV_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%cr4, %eax
	orl	$0x20, %eax			/* PAE */
	movl	%eax, %cr4
	movl	T(tramp_cr3), %eax
	movl	%eax, %cr3
	movl	$0xC0000080, %ecx
	rdmsr
	orl	$0x100, %eax			/* EFER.LME */
	wrmsr
	movl	%cr0, %eax
	orl	$0x80010001, %eax		/* PG | WP | PE */
	movl	%eax, %cr0
	ljmpl	$HV_CS64, $T(tramp64)

	.code64
tramp64:
	movq	T(tramp_stack), %rsp
	movq	T(tramp_arg), %rdi
	xorl	%ebp, %ebp
	movabsq	$ap_entry64, %rax
	jmpq	*%rax

	.align 16
tramp_gdt:
	.quad	0
	.quad	0x00AF9A000000FFFF		/* 0x08: 64-bit code */
	.quad	0x00CF92000000FFFF		/* 0x10: data */
	.quad	0x00CF9A000000FFFF		/* 0x18: 32-bit code */
tramp_gdt_end:
tramp_gdtr:
	.short	tramp_gdt_end - tramp_gdt - 1
	.long	T(tramp_gdt)
	.align 8
tramp_cr3:
	.quad	0
tramp_stack:
	.quad	0
tramp_arg:
	.quad	0
trampoline_end:

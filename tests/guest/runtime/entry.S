/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test-guest runtime: boot headers, 32-bit entry, switch to 64-bit long mode, the AP
 * start-up trampoline and the 256 interrupt stubs.
 *
 * Entry contract (Multiboot 0.6.96 section 3.2, Multiboot2 1.0 section 3.3): 32-bit protected
 * mode, flat segments, paging off, interrupts off, EAX = loader magic, EBX = boot information.
 * Long mode (SDM Vol. 3A 10.8.5): CR4.PAE, then EFER.LME, then CR0.PG with CR3 pointing at
 * a PML4 that identity-maps [0, 4 GiB) with 2 MiB pages (3 GiB and up uncached: MMIO).
 */
#include "rt_layout.h"

	.section .mbhdr, "a"
	/* Multiboot 1 header (spec 3.1.1): magic, flags (bit 1: memory info wanted), checksum. */
	.balign 4
mb1_header:
	.long 0x1BADB002
	.long 0x00000002
	.long -(0x1BADB002 + 0x00000002)

	/* Multiboot 2 header (spec 3.1.1), architecture 0 (i386), only the end tag. */
	.balign 8
mb2_header:
	.long 0xE85250D6
	.long 0
	.long mb2_header_end - mb2_header
	.long -(0xE85250D6 + 0 + (mb2_header_end - mb2_header))
	.word 0, 0
	.long 8
mb2_header_end:

	.code32
	.text
	.globl _start
_start:
	cli
	cld
	movl %eax, rt_boot_magic
	movl %ebx, rt_boot_info
	/* Zero .bss (loaders should, but the page tables and stacks must not inherit junk). */
	movl $__bss_start, %edi
	movl $__bss_end, %ecx
	subl %edi, %ecx
	shrl $2, %ecx
	xorl %eax, %eax
	rep stosl
	movl $rt_bsp_stack_top, %esp

	/* PML4[0] -> PDPT; PDPT[0..3] -> PD0..PD3; PDx[i] = 2 MiB page. */
	movl $rt_pdpt, %eax
	orl $0x3, %eax
	movl %eax, rt_pml4
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $12, %eax
	addl $rt_pd, %eax
	orl $0x3, %eax
	movl %eax, rt_pdpt(,%ecx,8)
	incl %ecx
	cmpl $4, %ecx
	jb 1b
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $21, %eax
	orl $0x83, %eax			/* P | RW | PS */
	cmpl $1536, %ecx
	jb 3f
	orl $0x18, %eax			/* PWT | PCD from 3 GiB: LAPIC, IOAPIC, MMIO */
3:	movl %eax, rt_pd(,%ecx,8)
	incl %ecx
	cmpl $2048, %ecx
	jb 2b

	.globl rt_ap_start32
rt_ap_start32:
	/* Shared by the BSP and the APs (which arrive from the trampoline with CS = 0x18). */
	lgdt rt_gdt_ptr
	movw $RT_SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	movl %cr4, %eax
	orl $0x20, %eax			/* CR4.PAE */
	movl %eax, %cr4
	movl $rt_pml4, %eax
	movl %eax, %cr3
	movl $0xC0000080, %ecx		/* IA32_EFER */
	rdmsr
	orl $0x100, %eax		/* LME */
	wrmsr
	movl %cr0, %eax
	orl $0x80000001, %eax		/* PG | PE */
	movl %eax, %cr0
	ljmp $RT_SEL_CODE64, $long_mode

	.code64
long_mode:
	movw $RT_SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	/* An AP takes the stack the BSP published; the BSP (rt_ap_stack == 0) keeps its own. */
	movq rt_ap_stack(%rip), %rax
	testq %rax, %rax
	jz 4f
	movq %rax, %rsp
	xorl %ebp, %ebp
	call rt_ap_main
	jmp 5f
4:	movl $rt_bsp_stack_top, %esp
	xorl %ebp, %ebp
	call rt_main
5:	cli
	hlt
	jmp 5b

/*
 * Real-mode AP trampoline, copied to RT_TRAMPOLINE (SIPI vector RT_TRAMPOLINE >> 12).
 * SDM Vol. 3A 9.4.4.1 / 11.6.1: the AP starts at CS = vector << 8, IP = 0 in real mode.
 * It loads the runtime's GDT and enters rt_ap_start32 in 32-bit protected mode.
 */
	.code16
	.globl rt_tramp_start, rt_tramp_end
rt_tramp_start:
	cli
	xorw %ax, %ax
	movw %ax, %ds
	lgdtl RT_TRAMPOLINE + (tramp_gdtr - rt_tramp_start)
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	/* Flat data segments now: rt_ap_start32 reads rt_gdt_ptr above the real-mode 64 KiB limit. */
	movw $RT_SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	ljmpl $RT_SEL_CODE32, $rt_ap_start32
	.balign 8
tramp_gdtr:
	.word rt_gdt_end - rt_gdt - 1
	.long rt_gdt
rt_tramp_end:

	.code64
/*
 * Interrupt stubs: one 16-byte stub per vector.  Vectors 8, 10-14, 17, 21, 29 and 30 push an
 * error code (SDM Vol. 3A 6.15 / 6.13); the others push a zero so one frame layout serves all.
 */
	.balign 16
	.globl rt_isr_stubs
rt_isr_stubs:
	vec = 0
	.rept 256
	.balign 16
	.if (vec == 8) || (vec >= 10 && vec <= 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq $0
	.endif
	pushq $vec
	jmp isr_common
	vec = vec + 1
	.endr

isr_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	cld
	call rt_trap
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp
	iretq

	.data
	.balign 16
	.globl rt_gdt, rt_gdt_end
rt_gdt:
	.quad 0
	.quad 0x00AF9A000000FFFF	/* 0x08: 64-bit code */
	.quad 0x00CF92000000FFFF	/* 0x10: flat data */
	.quad 0x00CF9A000000FFFF	/* 0x18: 32-bit flat code (APs out of the trampoline) */
rt_gdt_end:
	.balign 8
	.word 0
rt_gdt_ptr:
	.word rt_gdt_end - rt_gdt - 1
	.quad rt_gdt

	.globl rt_boot_magic, rt_boot_info, rt_ap_stack
rt_boot_magic:	.long 0
rt_boot_info:	.long 0
rt_ap_stack:	.quad 0

	.bss
	.balign 4096
	.globl rt_pml4, rt_pdpt, rt_pd
rt_pml4:	.space 4096
rt_pdpt:	.space 4096
rt_pd:		.space 4 * 4096
	.balign 16
	.space RT_BSP_STACK_SIZE
	.globl rt_bsp_stack_top
rt_bsp_stack_top:

	.section .note.GNU-stack, "", @progbits

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Boot entry: multiboot1/multiboot2 headers and the 32-bit -> 64-bit switch.
 *
 * Both loaders enter in 32-bit protected mode with paging off, flat segments,
 * EAX = loader magic and EBX = physical address of the boot information
 * (Multiboot 0.6.96 §3.2, Multiboot2 1.0 §3.3).  We build an identity map of
 * the low 4 GiB with 2 MiB pages, enter long mode and call bsp_main(magic, info).
 */
#include <arch/x86/seg.h>

#define MB1_MAGIC	0x1BADB002
#define MB1_FLAGS	0x00000003	/* page-align modules, want memory info */
#define MB2_MAGIC	0xE85250D6

	.section .multiboot_header, "a"
	.align 4
mb1_header:
	.long	MB1_MAGIC
	.long	MB1_FLAGS
	.long	-(MB1_MAGIC + MB1_FLAGS)

	.align 8
mb2_header:
	.long	MB2_MAGIC
	.long	0				/* i386 */
	.long	mb2_header_end - mb2_header
	.long	-(MB2_MAGIC + (mb2_header_end - mb2_header))
	/* module alignment tag: modules page aligned */
	.align 8
	.short	6, 0
	.long	8
	/* end tag */
	.align 8
	.short	0, 0
	.long	8
mb2_header_end:

	.section .text.entry, "ax"
	.code32
	.globl hv_entry32
hv_entry32:
	cli
	cld
	movl	%eax, boot_magic
	movl	%ebx, boot_info

	/* zero .bss (the page pool is a separate NOLOAD section, zeroed per page) */
	movl	$hv_bss_start, %edi
	movl	$hv_bss_end, %ecx
	subl	%edi, %ecx
	shrl	$2, %ecx
	xorl	%eax, %eax
	rep stosl

	movl	$boot_stack_top, %esp

	/* Long mode is a hard requirement: without it there is nothing we can say
	 * except through the serial port, so write a short line on COM1 and COM2. */
	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x80000001, %eax
	jb	no_long_mode
	movl	$0x80000001, %eax
	cpuid
	btl	$29, %edx
	jnc	no_long_mode

	/* PML4[0] -> PDPT, PDPT[0..3] -> PD0..3, PDn[i] = 2 MiB page */
	movl	$boot_pdpt, %eax
	orl	$0x3, %eax
	movl	%eax, boot_pml4
	movl	$boot_pd, %eax
	orl	$0x3, %eax
	movl	$boot_pdpt, %edi
	movl	$4, %ecx
1:	movl	%eax, (%edi)
	addl	$0x1000, %eax
	addl	$8, %edi
	loop	1b

	movl	$boot_pd, %edi
	movl	$0x83, %eax			/* P | RW | PS */
	xorl	%edx, %edx
	movl	$2048, %ecx
2:	movl	%eax, (%edi)
	movl	%edx, 4(%edi)
	addl	$0x200000, %eax
	adcl	$0, %edx
	addl	$8, %edi
	loop	2b

	lgdt	boot_gdtr

	movl	%cr4, %eax
	orl	$0x20, %eax			/* PAE */
	movl	%eax, %cr4
	movl	$boot_pml4, %eax
	movl	%eax, %cr3
	movl	$0xC0000080, %ecx		/* EFER.LME */
	rdmsr
	orl	$0x100, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$0x80010001, %eax		/* PG | WP | PE */
	movl	%eax, %cr0
	ljmp	$HV_CS64, $entry64

no_long_mode:
	movl	$no_lm_msg, %esi
3:	movb	(%esi), %al
	testb	%al, %al
	jz	4f
	movw	$0x2F8, %dx
	outb	%al, %dx
	movw	$0x3F8, %dx
	outb	%al, %dx
	incl	%esi
	jmp	3b
4:	cli
	hlt
	jmp	4b

	.code64
entry64:
	movl	$HV_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	movq	$boot_stack_top, %rsp
	xorl	%ebp, %ebp
	movl	boot_magic, %edi
	movl	boot_info, %esi
	call	bsp_main
5:	cli
	hlt
	jmp	5b

	.section .rodata
no_lm_msg:
	.asciz	"ACRN hypervisor: VMX not supported: CPU has no long mode\r\nhalted\r\n"

	.section .data
	.align 16
	.globl boot_gdt
boot_gdt:
	.quad	0
	.quad	0x00AF9A000000FFFF		/* 0x08: 64-bit code */
	.quad	0x00CF92000000FFFF		/* 0x10: data */
	.quad	0x00CF9A000000FFFF		/* 0x18: 32-bit code */
boot_gdt_end:
	.align 8
	.globl boot_gdtr
boot_gdtr:
	.short	boot_gdt_end - boot_gdt - 1
	.quad	boot_gdt
boot_magic:
	.long	0
boot_info:
	.long	0

	.section .bss
	.align 4096
	.globl boot_pml4
boot_pml4:
	.skip	4096
boot_pdpt:
	.skip	4096
boot_pd:
	.skip	4 * 4096
	.align 16
boot_stack:
	.skip	BOOT_STACK_SIZE
boot_stack_top:

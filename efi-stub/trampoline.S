/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Long mode -> 32-bit protected mode with paging off, then jump to a
 * multiboot2 entry (Multiboot2 spec 1.0 §3.3: EAX = 0x36D76289, EBX = info,
 * CS a flat 32-bit code segment, DS/ES/FS/GS/SS flat 32-bit data segments,
 * CR0.PG = 0, CR0.PE = 1, EFLAGS.IF = 0).
 *
 * Leaving long mode follows Intel SDM Vol. 3A §10.8.5 ("Initializing IA-32e
 * Mode", the reverse order for deactivation): switch to compatibility mode
 * through a far transfer to a 32-bit code segment, clear CR0.PG (which also
 * clears EFER.LMA), then clear EFER.LME.  The code doing so must be
 * identity-mapped and below 4 GiB: acrn.efi copies tramp_start..tramp_end to
 * such a page and calls it there, so everything here is position independent
 * and nothing in the trampoline is ever written (its GDT is read-only data
 * addressed relative to RIP).
 *
 * SysV calling convention: RDI = entry, RSI = mbi, RDX = tramp_copy list.
 */
#define CS32	0x08
#define DS32	0x10
#define MB2_BOOTLOADER_MAGIC	0x36D76289
#define MSR_EFER	0xC0000080
#define EFER_LME	(1 << 8)
#define CR0_PG		(1 << 31)
#define CR4_PCIDE	(1 << 17)

	.section .text
	.globl tramp_start, tramp_end
	.code64
	.balign 16
tramp_start:
	cli
	cld
	movl	%edi, %ebp			/* entry: kept in EBP */
	movl	%esi, %ebx			/* mbi: EBX is where it must end up */
	movl	%edx, %edi			/* copy list */

	/* CR0.PG cannot be cleared while CR4.PCIDE = 1 (SDM Vol. 3A §4.10.1). */
	movq	%cr4, %rax
	andq	$~CR4_PCIDE, %rax
	movq	%rax, %cr4

	/* GDTR image on the (still valid) firmware stack: limit, 64-bit base. */
	leaq	tramp_gdt(%rip), %rax
	subq	$16, %rsp
	movw	$(tramp_gdt_end - tramp_gdt - 1), (%rsp)
	movq	%rax, 2(%rsp)
	lgdt	(%rsp)

	/* Far return to compatibility mode: pops RIP, then CS. */
	leaq	tramp_compat(%rip), %rax
	pushq	$CS32
	pushq	%rax
	lretq

	.code32
tramp_compat:
	movl	$DS32, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %fs
	movl	%eax, %gs
	movl	%eax, %ss

	movl	%cr0, %eax
	andl	$~CR0_PG, %eax
	movl	%eax, %cr0

	movl	$MSR_EFER, %ecx
	rdmsr
	andl	$~EFER_LME, %eax
	wrmsr

	/* Block moves into memory the firmware owned until ExitBootServices
	 * (its page tables and stacks may have lived there: hence paging off
	 * first and no stack from here on). */
	movl	%edi, %edx
1:	movl	8(%edx), %ecx			/* copy_len */
	movl	12(%edx), %eax			/* zero_len */
	testl	%ecx, %ecx
	jnz	2f
	testl	%eax, %eax
	jz	3f				/* all-zero entry: end of list */
2:	movl	0(%edx), %edi
	movl	4(%edx), %esi
	rep movsb
	movl	%eax, %ecx
	xorl	%eax, %eax
	rep stosb
	addl	$16, %edx
	jmp	1b

3:	movl	$MB2_BOOTLOADER_MAGIC, %eax
	jmp	*%ebp

	.balign 8
tramp_gdt:
	.quad	0
	.quad	0x00CF9A000000FFFF		/* 0x08: 32-bit code, base 0, 4 GiB */
	.quad	0x00CF92000000FFFF		/* 0x10: data, base 0, 4 GiB */
tramp_gdt_end:
tramp_end:

	.section .note.GNU-stack, "", @progbits

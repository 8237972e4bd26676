/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Multiboot2 entry of the e2e runner's self-test kernel.
 * Header layout: Multiboot2 specification 1.0, section 3.1.1 (magic, architecture 0 = i386
 * protected mode, header length, checksum) followed by the terminating tag (type 0, size 8).
 * GRUB enters in 32-bit protected mode, paging off, EAX = 0x36d76289, EBX = boot information.
 */
	.section .mb2hdr, "a"
	.balign 8
mb2_start:
	.long 0xe85250d6
	.long 0
	.long mb2_end - mb2_start
	.long -(0xe85250d6 + 0 + (mb2_end - mb2_start))
	.word 0, 0
	.long 8
mb2_end:

	.text
	.globl _start
_start:
	cli
	movl $stack_top, %esp
	pushl %ebx		/* boot information address */
	pushl %eax		/* loader magic */
	call selftest_main
1:	hlt
	jmp 1b

	.bss
	.balign 16
	.space 8192
stack_top:

	.section .note.GNU-stack, "", @progbits

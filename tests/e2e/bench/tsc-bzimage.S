/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tsc-bzimage: a stand-in "Linux kernel" for GRUB's linux command that only reports the TSC at
 * its entry, i.e. how many instructions BIOS + GRUB (loading the kernel and the initrd) took
 * before a kernel loaded through the Linux boot protocol gets control.  Used by
 * tests/e2e/scenarios/grub-linux-bench.sh, which pads it to the size of the real kernel so that
 * GRUB reads as many bytes as in native-boot-bench.
 *
 * Layout (Documentation of the Linux x86 boot protocol, "The real-mode kernel header"): one
 * boot sector holding the setup header at 0x1f1, one (empty) setup sector, then the
 * protected-mode part.  Protocol version 2.09 with relocatable_kernel = 0: GRUB loads the
 * protected-mode part at 0x100000 and jumps to code32_start in 32-bit protected mode with flat
 * segments, paging and interrupts off and ESI = boot_params; it provides no stack.
 *
 * Prints "BENCH grub_linux_kernel_entry <tsc> instructions" on COM1, then writes "Shutdown" to
 * Bochs' port 0x8900.  FILE_SIZE (-DFILE_SIZE=bytes) is the size of the output file.
 */
#ifndef FILE_SIZE
#define FILE_SIZE 4096
#endif
#define SETUP_SECTS	1
#define PM_OFFSET	((SETUP_SECTS + 1) * 512)	/* file offset of the protected-mode part */
#define PM_BASE		0x100000			/* where GRUB loads it */
#define PM_ADDR(l)	(PM_BASE + ((l) - pm_start))	/* run-time address of label l */
#define STACK_TOP	(PM_BASE + 0x2000)		/* inside the image: zero padding */
#define COM1		0x3f8

	.text
	.code16
	.globl	_start
_start:
	.org	0x1f1
	.byte	SETUP_SECTS			/* 0x1f1 setup_sects */
	.word	0				/* 0x1f2 root_flags */
	.long	(FILE_SIZE - PM_OFFSET + 15) / 16	/* 0x1f4 syssize, 16-byte units */
	.word	0				/* 0x1f8 ram_size */
	.word	0xffff				/* 0x1fa vid_mode: normal */
	.word	0				/* 0x1fc root_dev */
	.word	0xaa55				/* 0x1fe boot_flag */
	.byte	0xeb, 0x66			/* 0x200 jump (real-mode entry, unused) */
	.ascii	"HdrS"				/* 0x202 header */
	.word	0x0209				/* 0x206 version */
	.long	0				/* 0x208 realmode_swtch */
	.word	0				/* 0x20c start_sys_seg */
	.word	0				/* 0x20e kernel_version */
	.byte	0				/* 0x210 type_of_loader (GRUB writes it) */
	.byte	0x01				/* 0x211 loadflags: LOADED_HIGH */
	.word	0				/* 0x212 setup_move_size */
	.long	PM_BASE				/* 0x214 code32_start */
	.long	0				/* 0x218 ramdisk_image */
	.long	0				/* 0x21c ramdisk_size */
	.long	0				/* 0x220 bootsect_kludge */
	.word	0				/* 0x224 heap_end_ptr */
	.byte	0				/* 0x226 ext_loader_ver */
	.byte	0				/* 0x227 ext_loader_type */
	.long	0				/* 0x228 cmd_line_ptr */
	.long	0x37ffffff			/* 0x22c initrd_addr_max */
	.long	0x100000			/* 0x230 kernel_alignment */
	.byte	0				/* 0x234 relocatable_kernel: no */
	.byte	0				/* 0x235 min_alignment */
	.word	0				/* 0x236 xloadflags */
	.long	2047				/* 0x238 cmdline_size */

	.org	PM_OFFSET
	.code32
pm_start:
	rdtsc					/* first instruction: the figure */
	cld
	mov	$STACK_TOP, %esp
	mov	%eax, %ebp			/* TSC low */
	mov	%edx, %edi			/* TSC high */
	/* COM1 as 8N1 (16550: LCR 0x80 opens the divisor latch, divisor 1, then LCR 0x03): the
	 * BIOS leaves the word length at 5 bits and nothing else has set the UART up yet. */
	mov	$(COM1 + 3), %dx
	mov	$0x80, %al
	outb	%al, %dx
	mov	$COM1, %dx
	mov	$1, %al
	outb	%al, %dx
	inc	%dx
	xor	%al, %al
	outb	%al, %dx
	mov	$(COM1 + 3), %dx
	mov	$0x03, %al
	outb	%al, %dx
	mov	$PM_ADDR(msg_head), %esi
	call	puts
	/* Decimal digits of edi:ebp, least significant first, pushed on the stack: divide the
	 * high half by 10, then the remainder:low half (DIV cannot overflow that way). */
	xor	%ecx, %ecx
	mov	$10, %ebx
1:	mov	%edi, %eax
	xor	%edx, %edx
	div	%ebx
	mov	%eax, %edi
	mov	%ebp, %eax
	div	%ebx
	mov	%eax, %ebp
	add	$'0', %edx
	push	%edx
	inc	%ecx
	mov	%edi, %eax
	or	%ebp, %eax
	jnz	1b
2:	pop	%eax
	call	putc
	loop	2b
	mov	$PM_ADDR(msg_tail), %esi
	call	puts
	/* Let the UART finish (LSR bit 6: transmitter empty) before ending the emulator. */
	mov	$(COM1 + 5), %dx
3:	inb	%dx, %al
	test	$0x40, %al
	jz	3b
	mov	$0x8900, %dx
	mov	$PM_ADDR(msg_shutdown), %esi
4:	lodsb
	test	%al, %al
	jz	5f
	outb	%al, %dx
	jmp	4b
5:	cli
	hlt
	jmp	5b

/* putc: AL to COM1 once the transmit holding register is empty (LSR bit 5). */
putc:
	push	%edx
	push	%eax
	mov	$(COM1 + 5), %dx
6:	inb	%dx, %al
	test	$0x20, %al
	jz	6b
	pop	%eax
	mov	$COM1, %dx
	outb	%al, %dx
	pop	%edx
	ret

/* puts: the NUL-terminated string at ESI to COM1. */
puts:
7:	lodsb
	test	%al, %al
	jz	8f
	call	putc
	jmp	7b
8:	ret

msg_head:	.asciz	"BENCH grub_linux_kernel_entry "
msg_tail:	.asciz	" instructions\n"
msg_shutdown:	.asciz	"Shutdown"

	.org	FILE_SIZE			/* pad: GRUB reads as many bytes as for the real kernel */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hello-bzimage: the smallest User VM kernel acrn-dm's -k loader accepts, for the uos-verified
 * scenario (tests/e2e/scenarios/uos-verified.sh).  It prints one line on COM1 and powers the
 * VM off, so a signed-kernel boot costs seconds of emulation instead of a Linux boot.
 *
 * Layout (Linux Documentation/arch/x86/boot.rst, "The real-mode kernel header"): the boot
 * sector with the setup header at 0x1F1, one empty setup sector, then the protected-mode
 * part.  Protocol 2.09, not relocatable: acrn-dm loads the protected-mode part at 1 MiB and
 * enters it in 32-bit protected mode, flat segments, paging and interrupts off, no stack.
 *
 * Power-off: SLP_TYP = 5 (the \_S5 value acrn-dm's DSDT publishes) with SLP_EN written to
 * PM1a_CNT at port 0x404 (ACPI 6.5 §4.8.3.2.1); acrn-dm then exits 0.
 */
#define SETUP_SECTS	1
#define PM_OFFSET	((SETUP_SECTS + 1) * 512)
#define PM_BASE		0x100000
#define PM_ADDR(l)	(PM_BASE + ((l) - pm_start))
#define STACK_TOP	0x90000				/* low RAM, below the BIOS area */
#define COM1		0x3f8
#define COM_LSR		(COM1 + 5)
#define LSR_THRE	0x20
#define PM1A_CNT	0x404
#define PM1_S5_SLP_EN	((5 << 10) | (1 << 13))

	.text
	.code16
	.globl	_start
_start:
	.org	0x1f1
	.byte	SETUP_SECTS			/* 0x1f1 setup_sects */
	.word	0				/* 0x1f2 root_flags */
	.long	(pm_end - pm_start) / 16	/* 0x1f4 syssize, 16-byte units */
	.word	0, 0xffff, 0			/* 0x1f8 ram_size, vid_mode, root_dev */
	.word	0xaa55				/* 0x1fe boot_flag */
	.byte	0xeb, hdr_end - 0x202		/* 0x200 jump over the header */
	.ascii	"HdrS"				/* 0x202 */
	.word	0x0209				/* 0x206 protocol version */
	.long	0				/* 0x208 realmode_swtch */
	.word	0, 0				/* 0x20c start_sys_seg, kernel_version */
	.byte	0				/* 0x210 type_of_loader */
	.byte	0x01				/* 0x211 loadflags: LOADED_HIGH */
	.word	0				/* 0x212 setup_move_size */
	.long	PM_BASE				/* 0x214 code32_start */
	.long	0, 0, 0				/* 0x218 ramdisk_image, ramdisk_size, bootsect_kludge */
	.word	0				/* 0x224 heap_end_ptr */
	.byte	0, 0				/* 0x226 ext_loader_ver, ext_loader_type */
	.long	0				/* 0x228 cmd_line_ptr */
	.long	0x37ffffff			/* 0x22c initrd_addr_max */
	.long	0x100000			/* 0x230 kernel_alignment */
	.byte	0, 0				/* 0x234 relocatable_kernel: no; min_alignment */
	.word	0				/* 0x236 xloadflags */
	.long	255				/* 0x238 cmdline_size */
hdr_end:

	.org	PM_OFFSET
	.code32
pm_start:
	cld
	mov	$STACK_TOP, %esp
	mov	$PM_ADDR(msg), %esi
1:	lodsb
	test	%al, %al
	jz	3f
	mov	%al, %bl
	mov	$COM_LSR, %dx
2:	inb	%dx, %al			/* wait for an empty transmit holding register */
	test	$LSR_THRE, %al
	jz	2b
	mov	$COM1, %dx
	mov	%bl, %al
	outb	%al, %dx
	jmp	1b
3:	mov	$PM1A_CNT, %dx
	mov	$PM1_S5_SLP_EN, %ax
	outw	%ax, %dx
4:	cli
	hlt
	jmp	4b

/* uos-verified.sh flips one bit of this text ('h' -> 'H'): the image stays bootable. */
msg:	.asciz	"uos-verified: kernel says hello\n"
	.balign	16
pm_end:

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VM entry and exit.  vmx_vmrun(regs, launched) saves the callee-saved
 * registers and the regs pointer on the stack, points HOST_RSP at that
 * frame, loads the guest's general registers and enters.  On a VM exit the
 * CPU resumes at vmx_exit_entry with RSP = that frame, so the guest registers
 * are stored back and vmx_vmrun returns 0 to its caller as if it had just
 * finished.  RSP/RIP/RFLAGS of the guest live in the VMCS.
 *
 * struct guest_regs offsets: register number * 8 (rax 0, rcx 1, rdx 2,
 * rbx 3, rsp 4 (unused), rbp 5, rsi 6, rdi 7, r8..r15 8..15).
 */
#include <arch/x86/vmx/vmcs_fields.h>

	.text
	.globl vmx_vmrun
vmx_vmrun:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rdi
	movq	$VMCS_HOST_RSP, %rax
	vmwrite	%rsp, %rax
	jbe	vmrun_fail
	cmpl	$0, %esi
	movq	0*8(%rdi), %rax
	movq	1*8(%rdi), %rcx
	movq	2*8(%rdi), %rdx
	movq	3*8(%rdi), %rbx
	movq	5*8(%rdi), %rbp
	movq	6*8(%rdi), %rsi
	movq	8*8(%rdi), %r8
	movq	9*8(%rdi), %r9
	movq	10*8(%rdi), %r10
	movq	11*8(%rdi), %r11
	movq	12*8(%rdi), %r12
	movq	13*8(%rdi), %r13
	movq	14*8(%rdi), %r14
	movq	15*8(%rdi), %r15
	movq	7*8(%rdi), %rdi
	jne	1f
	vmlaunch
	jmp	vmrun_fail
1:	vmresume
vmrun_fail:
	popq	%rdi
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	movl	$1, %eax
	ret

	.globl vmx_exit_entry
vmx_exit_entry:
	pushq	%rdi
	movq	8(%rsp), %rdi
	movq	%rax, 0*8(%rdi)
	movq	%rcx, 1*8(%rdi)
	movq	%rdx, 2*8(%rdi)
	movq	%rbx, 3*8(%rdi)
	movq	%rbp, 5*8(%rdi)
	movq	%rsi, 6*8(%rdi)
	movq	%r8, 8*8(%rdi)
	movq	%r9, 9*8(%rdi)
	movq	%r10, 10*8(%rdi)
	movq	%r11, 11*8(%rdi)
	movq	%r12, 12*8(%rdi)
	movq	%r13, 13*8(%rdi)
	movq	%r14, 14*8(%rdi)
	movq	%r15, 15*8(%rdi)
	popq	%rax
	movq	%rax, 7*8(%rdi)
	popq	%rdi
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	xorl	%eax, %eax
	ret

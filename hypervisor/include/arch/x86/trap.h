/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file trap.h
 * Exception frames and the fatal-exception report.
 */
#ifndef ARCH_X86_TRAP_H
#define ARCH_X86_TRAP_H

#include <stdint.h>

/** Layout pushed by arch/x86/idt.S, lowest address first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

/** C entry of every exception stub. */
void trap_handler(struct trap_frame *f);

/** Print a stack trace by walking frame pointers from rbp. */
void dump_stack(uint64_t rbp);

#endif /* ARCH_X86_TRAP_H */

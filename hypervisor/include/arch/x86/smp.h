/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file smp.h
 * Bring-up of the application processors listed in the MADT.
 */
#ifndef ARCH_X86_SMP_H
#define ARCH_X86_SMP_H

#include <stdint.h>
#include <arch/x86/acpi.h>

/**
 * Start every enabled CPU of the MADT except the BSP, one at a time; each runs
 * ap_main().  @return the number of pCPUs online (BSP included).
 */
uint32_t smp_start_aps(const struct acpi_platform *plat);

/** Entry of every AP in C, on its own stack with its tables loaded. */
void ap_main(struct per_cpu *pc) __attribute__((noreturn));

#endif /* ARCH_X86_SMP_H */

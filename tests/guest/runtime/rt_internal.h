/* SPDX-License-Identifier: BSD-3-Clause */
/* Runtime-internal interfaces between rt.c, rt_hw.c and rt_acpi.c (not for guests). */
#ifndef TESTS_GUEST_RT_INTERNAL_H
#define TESTS_GUEST_RT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

extern uint64_t rt_pd[2048];			/* entry.S: 2 MiB page directory entries */
extern volatile uint64_t rt_ap_stack;		/* entry.S */
extern const uint8_t rt_tramp_start[], rt_tramp_end[];

extern uint32_t rt_pm1a_cnt;	/* PM1a control port (0 if no FADT) */
extern uint32_t rt_s5_slp_typ;	/* SLP_TYP for S5 */
extern bool rt_s5_found;	/* rt_s5_slp_typ came from the DSDT */

/** Wait (bounded) until COM1 has sent every character: power-off must not cut a line. */
void rt_console_flush(void);
/** Load the runtime's IDT on this CPU. */
void rt_idt_load(void);
/** Software-enable this CPU's local APIC (SVR), TPR 0, LVTs masked. */
void rt_apic_init_cpu(void);
/** Measure rt_tsc_per_us against the PIT. */
void rt_tsc_calibrate(void);
/** Find the MADT and FADT. */
void rt_acpi_init(void);
/** Exception and interrupt dispatch (entry.S). */
struct rt_frame;
void rt_trap(struct rt_frame *f);

#endif /* TESTS_GUEST_RT_INTERNAL_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file seg.h
 * Segment selectors of the hypervisor's GDT (same layout at boot and after).
 */
#ifndef ARCH_X86_SEG_H
#define ARCH_X86_SEG_H

#define HV_CS64		0x08
#define HV_DS		0x10
#define HV_CS32		0x18
#define HV_TSS		0x20	/* 16-byte system descriptor: slots 4 and 5 */
#define HV_GDT_ENTRIES	6

#define BOOT_STACK_SIZE	0x4000

/* Physical address the AP start-up trampoline is copied to (below 1 MiB). */
#define TRAMPOLINE_BASE	0x8000

#endif /* ARCH_X86_SEG_H */

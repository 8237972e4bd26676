/* SPDX-License-Identifier: BSD-3-Clause */
/* Constants shared by the runtime's assembly and C code. */
#ifndef RT_LAYOUT_H
#define RT_LAYOUT_H

#define RT_SEL_CODE64		0x08
#define RT_SEL_DATA		0x10
#define RT_SEL_CODE32		0x18
#define RT_TRAMPOLINE		0x8000	/**< AP real-mode entry, SIPI vector 0x08 */
#define RT_BSP_STACK_SIZE	16384
#define RT_AP_STACK_SIZE	8192
#define RT_MAX_CPUS		8

#endif /* RT_LAYOUT_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file uos-proto.h
 * The contract between the uos-minimal guest payload (payload.S) and its test
 * client (uos-minimal.c): guest memory layout, the ports and MMIO region the
 * payload touches, the values both sides expect, progress steps and the ids
 * of the checks the guest makes.  Only #defines: payload.S includes it too.
 */
#ifndef UOS_PROTO_H
#define UOS_PROTO_H

/* Guest physical memory (RAM is [0, UOS_RAM_SIZE), given with SET_MEMSEG). */
#define UOS_RAM_SIZE		0x200000	/**< 2 MiB of guest RAM at GPA 0 */
#define UOS_LOAD_GPA		0x1000		/**< payload load address and entry */
#define UOS_STACK_TOP		0x8000		/**< initial stack (grows down) */
#define UOS_TSS_GPA		0x9F00		/**< 104-byte TSS (TR must be a busy TSS) */
#define UOS_PT_GPA		0x10000		/**< PML4, PDPT, 4 PDs: identity map of 4 GiB */
#define UOS_SCRATCH_GPA		0x20000		/**< zeroed page: argument of the guest's VMCALLs */
#define UOS_PAYLOAD_MAX		(UOS_STACK_TOP - 0x1000 - UOS_LOAD_GPA)	/**< keep 4 KiB of stack */

/* GDT selectors built by the payload. */
#define UOS_SEL_CODE32		0x08
#define UOS_SEL_DATA		0x10
#define UOS_SEL_CODE64		0x18
#define UOS_SEL_TSS		0x20

/* Ports: all forwarded to the client as PORTIO requests. */
#define UOS_PORT_STEP		0x600	/**< out dword: progress step (UOS_STEP_*) */
#define UOS_PORT_FAIL		0x604	/**< out dword: a guest check failed (UOS_CHK_*) */
#define UOS_PORT_FAILVAL	0x608	/**< out 4 dwords before FAIL: got lo/hi, want lo/hi */
#define UOS_PORT_RESULT		0x60C	/**< out dword: a value for the client to check/print */
#define UOS_PORT_DONE		0x610	/**< out dword: passed guest checks; the run ends */
#define UOS_PORT_DATA		0x614	/**< in/out of size 1, 2 and 4 */
#define UOS_PORT_BENCH		0x618	/**< in dword, repeated: the round-trip benchmark */
#define UOS_PORT_HOLD		0x61C	/**< out dword, repeated: hold mode heartbeat */

/* The MMIO test region (neither RAM nor LAPIC/IOAPIC: forwarded as MMIO). */
#define UOS_MMIO_BASE		0xD0000000

/*
 * Modes: RBX at entry (SET_VCPU_REGS).  RSI at entry: benchmark iterations;
 * RDI: the IOAPIC pins the guest must find (UOS_IOAPIC_PINS on ACRN).
 */
#define UOS_MODE_BENCH		0x1	/**< after the checks, time UOS_PORT_BENCH reads */
#define UOS_MODE_HOLD		0x2	/**< after reaching long mode, heartbeat forever */
#define UOS_BENCH_ITERS_MAX	1000000

/* Progress steps written to UOS_PORT_STEP, in this order. */
#define UOS_STEP_REAL		1	/**< running in real mode */
#define UOS_STEP_PROT		2	/**< CR0.PE set, 32-bit code segment */
#define UOS_STEP_LONG		3	/**< EFER.LMA set, 64-bit code segment */
#define UOS_STEP_HOLD		4	/**< hold mode: heartbeats follow */
#define UOS_STEP_WAIT_IRQ	5	/**< IDT/LAPIC/IOAPIC ready: raise UOS_IRQ_GSI now */
#define UOS_STEP_GOT_IRQ	6	/**< the IOAPIC interrupt woke the HLT */
#define UOS_STEP_WAIT_MSI	7	/**< inject the MSI now */
#define UOS_STEP_GOT_MSI	8	/**< the MSI woke the HLT */
#define UOS_STEP_VMCALL		9	/**< two VMCALL results follow on UOS_PORT_RESULT */
#define UOS_STEP_BENCH		10	/**< bench mode: UOS_PORT_BENCH reads follow */

/* Interrupts. */
#define UOS_IRQ_GSI		20	/**< IOAPIC pin, above the PIC's 16: IOAPIC only */
#define UOS_VEC_IRQ		0x40	/**< vector programmed into that pin's RTE */
#define UOS_VEC_MSI		0x41	/**< vector of the injected MSI */
#define UOS_MSI_ADDR		0xFEE00000	/**< destination APIC id 0, physical */
#define UOS_LAPIC_GPA		0xFEE00000
#define UOS_IOAPIC_GPA		0xFEC00000
#define UOS_IOAPIC_PINS		48

/* PCI configuration accesses: bus 0, device 3, function 0. */
#define UOS_PCI_DEV		3
#define UOS_PCI_CF8_REG0	0x80001800	/**< enable | dev 3 << 11 | register 0 */
#define UOS_PCI_CF8_REG4	0x80001804	/**< register 4 (command) */

/* Values written by the guest (client checks them). */
#define UOS_OUT8		0x11
#define UOS_OUT16		0x2233
#define UOS_OUT32		0x44556677
#define UOS_MMIO_W8		0x12
#define UOS_MMIO_W16		0x3456
#define UOS_MMIO_W32		0x789ABCDE
#define UOS_MMIO_W64		0x0123456789ABCDEF
#define UOS_PCI_CMD_WRITE	0x0006
#define UOS_DONE_MAGIC_SHIFT	16	/**< DONE value: checks passed | total << 16 */

/* Values returned to the guest (guest checks them). */
#define UOS_IN8			0x88
#define UOS_IN16		0x99AA
#define UOS_IN32		0xBBCCDDEE
#define UOS_MMIO_R8		0xA1
#define UOS_MMIO_R16		0xB2C3
#define UOS_MMIO_R32		0xD4E5F607
#define UOS_MMIO_R64		0x18293A4B5C6D7E8F
#define UOS_PCI_ID		0x7E57ACE5	/**< register 0 (device << 16 | vendor) */
#define UOS_PCI_DEVICE		0x7E57		/**< register 2, 16-bit read at 0xCFE */
#define UOS_BENCH_REPLY		0x600DBEEF
#define UOS_FILL		0x5555555555555555	/**< RAX before partial reads */

/* Offsets inside the MMIO region. */
#define UOS_MMIO_OFF_W8		0x00
#define UOS_MMIO_OFF_W16	0x02
#define UOS_MMIO_OFF_W32	0x04
#define UOS_MMIO_OFF_W64	0x08
#define UOS_MMIO_OFF_R8		0x10
#define UOS_MMIO_OFF_R16	0x12
#define UOS_MMIO_OFF_R32	0x14
#define UOS_MMIO_OFF_R64	0x18

/* Guest check ids, reported on UOS_PORT_FAIL when a check fails. */
#define UOS_CHK_PE		1	/**< CR0.PE after the switch */
#define UOS_CHK_LMA		2	/**< EFER.LMA after paging is on */
#define UOS_CHK_IN8		3	/**< inb: AL = UOS_IN8, RAX 63:8 unchanged */
#define UOS_CHK_IN16		4	/**< inw: AX = UOS_IN16, RAX 63:16 unchanged */
#define UOS_CHK_IN32		5	/**< inl: RAX = UOS_IN32 zero-extended */
#define UOS_CHK_MMIO8		6	/**< 8-bit MMIO read merges into RAX */
#define UOS_CHK_MMIO16		7
#define UOS_CHK_MMIO32		8	/**< 32-bit read zero-extends */
#define UOS_CHK_MMIO64		9
#define UOS_CHK_PCI_ID		10	/**< PCI register 0 dword */
#define UOS_CHK_PCI_DEVICE	11	/**< PCI register 2 word */
#define UOS_CHK_LAPIC_ID	12	/**< LAPIC ID register: APIC id 0 */
#define UOS_CHK_LAPIC_VER	13	/**< LAPIC version: integrated APIC (0x1X) */
#define UOS_CHK_LAPIC_SVR	14	/**< SVR reads back enabled, vector 0xFF */
#define UOS_CHK_IOAPIC_PINS	15	/**< IOAPIC version: max RTE = pins - 1 */
#define UOS_CHK_IOAPIC_RTE	16	/**< the RTE reads back */
#define UOS_CHK_IRQ_COUNT	17	/**< exactly one IOAPIC interrupt */
#define UOS_CHK_IRQ_NO_MSI	18	/**< and no MSI yet */
#define UOS_CHK_MSI_COUNT	19	/**< exactly one MSI */
#define UOS_CHK_MSI_NO_IRQ	20	/**< and no second IOAPIC interrupt */
#define UOS_CHK_VMCALL_API	21	/**< VMCALL GET_API_VERSION from a User VM: -EPERM */
#define UOS_CHK_VMCALL_CREATE	22	/**< VMCALL CREATE_VM from a User VM: -EPERM */
#define UOS_CHK_BENCH_VALUE	23	/**< last benchmark read returned UOS_BENCH_REPLY */
#define UOS_CHK_UNEXPECTED_VEC	0x80	/**< an interrupt on a vector nobody raised */
#define UOS_CHK_EXCEPTION	0x100	/**< + vector: exception (got = vector, want = CR2) */

/** Checks on the path every run takes (payload.S asserts the count at build time). */
#define UOS_GUEST_CHECKS	22

#endif /* UOS_PROTO_H */

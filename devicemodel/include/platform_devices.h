/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file platform_devices.h
 * The legacy platform of a User VM: COM1/COM2 (16550A), RTC/CMOS, PIT +
 * port 0x61, ACPI PM registers and the 0xCF9 reset register, wired into
 * acrn-dm's port I/O dispatch, the timer thread and the back-end's
 * set_irqline.  The ports and interrupt lines below are the ones the ACPI
 * tables (acpi_tables.h) publish.
 */
#ifndef DM_PLATFORM_DEVICES_H
#define DM_PLATFORM_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vmctx;

/** Legacy UARTs: base port and ISA IRQ (= GSI).  Only com1/com2 are wired. */
#define PLATFORM_NUARTS		2
#define PLATFORM_COM1_PORT	0x3f8
#define PLATFORM_COM1_IRQ	4
#define PLATFORM_COM2_PORT	0x2f8
#define PLATFORM_COM2_IRQ	3

/**
 * GSIs driven through vmm_ops.set_irqline.  ISA IRQ n is GSI n, except the
 * PIT: IRQ 0 arrives on IOAPIC pin 2 (MADT interrupt source override), so
 * acrn-dm pulses GSI 2 and the hypervisor routes GSI 2 to 8259 input 0.
 */
#define PLATFORM_PIT_GSI	2
#define PLATFORM_RTC_GSI	8
#define PLATFORM_SCI_GSI	9
/**
 * The SCI is a level, active-low line (MADT override flags 0x000F).
 * set_irqline levels are electrical: asserted = VMM_GSI_SET_LOW, idle high.
 */
#define PLATFORM_SCI_ACTIVE_LOW	true

/** Base port and IRQ of UART @p idx (0 = com1); false if idx is not wired. */
bool platform_uart_resources(unsigned int idx, uint16_t *port, uint8_t *irq);

/**
 * Create the platform devices of @p ctx (after vmctx_create(), before the
 * IOREQ thread starts): UARTs for each `-l com1|com2` with its back-end
 * started, RTC with the memory sizes in CMOS, PIT, ACPI PM.  ACPI S5 requests
 * VM_STOP_POWEROFF and the reset register VM_STOP_RESET (vm_request_stop()).
 * @param err  one-line reason on failure
 * @return 0 or a negative errno (everything undone)
 */
int platform_devices_init(struct vmctx *ctx, char *err, size_t errlen);

/**
 * Return the devices to their power-on state after a VM reset (the VM is
 * paused): UARTs and PM registers reset, PIT re-created; the RTC keeps
 * running and keeps CMOS, as a battery-backed MC146818A does.
 */
void platform_devices_reset(struct vmctx *ctx);

/**
 * Press the ACPI power button (a graceful power-off request to the guest).
 * @return 0, or -ENODEV when the VM has no ACPI PM device.
 */
int platform_devices_power_button(struct vmctx *ctx);

/**
 * Unregister and free everything platform_devices_init() created.  Call
 * after the IOREQ thread has stopped.  Safe if init failed or never ran.
 */
void platform_devices_deinit(struct vmctx *ctx);

#endif /* DM_PLATFORM_DEVICES_H */

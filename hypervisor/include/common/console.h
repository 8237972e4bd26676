/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file console.h
 * The hypervisor console: one UART, chosen on the command line
 * (console=com1|com2|mmio@0xADDR; default com2, so COM1 stays with the Service VM).
 */
#ifndef COMMON_CONSOLE_H
#define COMMON_CONSOLE_H

#include <stdint.h>
#include <stdbool.h>

/** UART description: either a legacy I/O port base or an MMIO base. */
struct uart_cfg {
	bool mmio;
	uint64_t base;
};

/**
 * Parse a console= value into a UART description.
 * @return 0, or -EINVAL for an unknown value (cfg left unchanged).
 */
int console_parse(const char *spec, struct uart_cfg *cfg);

/** Program the UART (115200 8N1, FIFOs on) and make it the console. */
void console_init(const struct uart_cfg *cfg);

/** Write n bytes, turning "\n" into "\r\n". */
void console_write(const char *s, unsigned long n);

/** Wait (bounded) until the UART has sent every byte written so far. */
void console_flush(void);

/** One received byte, or -1 when none is waiting. */
int console_getc(void);

/** The UART the console uses (so the hypervisor can hide it from VMs). */
const struct uart_cfg *console_uart(void);

#endif /* COMMON_CONSOLE_H */

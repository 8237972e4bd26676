/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Polled 16550 UART driver for the hypervisor console, on legacy I/O ports
 * or memory-mapped (byte-wide registers).  Register offsets: PC16550D datasheet.
 */
#include <common/console.h>
#include <arch/x86/cpu.h>
#include <arch/x86/spinlock.h>
#include <lib/errno.h>
#include <lib/string.h>

#define UART_THR	0	/* transmit holding (DLAB=0) */
#define UART_RBR	0	/* receive buffer (DLAB=0) */
#define UART_DLL	0	/* divisor latch low (DLAB=1) */
#define UART_IER	1
#define UART_DLM	1
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define LSR_DR		0x01
#define LSR_THRE	0x20
#define LSR_TEMT	0x40

static struct uart_cfg uart = { .mmio = false, .base = 0x2F8 };
static spinlock_t uart_lock = SPINLOCK_INIT;

static uint8_t uart_in(unsigned reg)
{
	if (uart.mmio)
		return *(volatile uint8_t *)(uintptr_t)(uart.base + reg);
	return inb((uint16_t)(uart.base + reg));
}

static void uart_out(unsigned reg, uint8_t v)
{
	if (uart.mmio)
		*(volatile uint8_t *)(uintptr_t)(uart.base + reg) = v;
	else
		outb((uint16_t)(uart.base + reg), v);
}

static int parse_hex(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	int n = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (; *s != '\0' && *s != ' '; s++, n++) {
		char c = *s;
		unsigned d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -EINVAL;
		if (n >= 16)
			return -EINVAL;
		v = (v << 4) | d;
	}
	if (n == 0)
		return -EINVAL;
	*out = v;
	return 0;
}

int console_parse(const char *spec, struct uart_cfg *cfg)
{
	uint64_t addr;

	if (strncmp(spec, "com1", 4) == 0 && (spec[4] == '\0' || spec[4] == ' ')) {
		cfg->mmio = false;
		cfg->base = 0x3F8;
		return 0;
	}
	if (strncmp(spec, "com2", 4) == 0 && (spec[4] == '\0' || spec[4] == ' ')) {
		cfg->mmio = false;
		cfg->base = 0x2F8;
		return 0;
	}
	if (strncmp(spec, "mmio@", 5) == 0 && parse_hex(spec + 5, &addr) == 0 &&
	    addr != 0 && addr < (1ULL << 32)) {
		cfg->mmio = true;
		cfg->base = addr;
		return 0;
	}
	return -EINVAL;
}

void console_init(const struct uart_cfg *cfg)
{
	uart = *cfg;
	uart_out(UART_IER, 0x00);
	uart_out(UART_LCR, 0x80);	/* DLAB */
	uart_out(UART_DLL, 0x01);	/* 115200 baud */
	uart_out(UART_DLM, 0x00);
	uart_out(UART_LCR, 0x03);	/* 8N1 */
	uart_out(UART_FCR, 0x07);	/* FIFO on, cleared */
	uart_out(UART_MCR, 0x03);	/* DTR | RTS */
}

static void uart_putc(char c)
{
	/* Bounded wait: a dead UART must not hang the hypervisor. */
	for (unsigned i = 0; i < 100000 && !(uart_in(UART_LSR) & LSR_THRE); i++)
		cpu_relax();
	uart_out(UART_THR, (uint8_t)c);
}

void console_write(const char *s, unsigned long n)
{
	spin_lock(&uart_lock);
	for (unsigned long i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
	spin_unlock(&uart_lock);
}

void console_flush(void)
{
	for (unsigned i = 0; i < 1000000 && !(uart_in(UART_LSR) & LSR_TEMT); i++)
		cpu_relax();
}

int console_getc(void)
{
	int c = -1;

	spin_lock(&uart_lock);
	if (uart_in(UART_LSR) & LSR_DR)
		c = uart_in(UART_RBR);
	spin_unlock(&uart_lock);
	return c;
}

const struct uart_cfg *console_uart(void)
{
	return &uart;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Self-test kernel for the e2e runner: proves that GRUB boots a multiboot2 image from the ISO
 * mkiso.sh builds, that its command line and modules arrive, and that COM1, COM2 and port 0xE9
 * reach the runner's logs. Command-line words change the ending: "panic" prints a PANIC line,
 * "triple" triple-faults, "hang" never shuts down (for the runner's failure and timeout paths).
 */
#include <stdint.h>

static inline void sel_outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t sel_inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

/* 16550 UART: DLAB in LCR bit 7 selects the divisor latch; LSR bit 5 = transmit holding empty. */
static void sel_uart_init(uint16_t base)
{
	sel_outb(base + 3, 0x80); sel_outb(base + 0, 1); sel_outb(base + 1, 0);
	sel_outb(base + 3, 0x03); sel_outb(base + 2, 0x07); sel_outb(base + 4, 0x03);
}
static void sel_puts(uint16_t port, const char *s)
{
	for (; *s; s++) {
		if (port != 0xe9)
			for (int i = 0; i < 100000 && !(sel_inb(port + 5) & 0x20); i++) ;
		sel_outb(port, (uint8_t)*s);
	}
}
/* LSR bit 6 (transmitter empty): let the last byte leave both UARTs before Bochs stops. */
static void sel_drain(void)
{
	for (int i = 0; i < 1000000 && !(sel_inb(0x2f8 + 5) & sel_inb(0x3f8 + 5) & 0x40); i++) ;
}
static void sel_putu(uint16_t port, uint64_t v)	/* no libgcc: bitwise long division by 10 */
{
	char buf[24]; int n = sizeof(buf) - 1; buf[n] = 0;
	do {
		uint64_t q = 0; uint32_t r = 0;
		for (int b = 63; b >= 0; b--) {
			r = (r << 1) | (uint32_t)((v >> b) & 1);
			if (r >= 10) { r -= 10; q |= 1ull << b; }
		}
		buf[--n] = (char)('0' + r); v = q;
	} while (v && n > 0);
	sel_puts(port, &buf[n]);
}
static int sel_has_word(const char *s, const char *w)
{
	for (; *s; s++) {
		int i = 0;
		while (w[i] && s[i] == w[i]) i++;
		if (!w[i] && (s[i] == 0 || s[i] == ' ')) return 1;
	}
	return 0;
}

void selftest_main(uint32_t magic, uint32_t mbi)
{
	const char *cmdline = ""; uint32_t mods = 0; uint32_t lo, hi;
	sel_uart_init(0x3f8); sel_uart_init(0x2f8);
	sel_puts(0x3f8, "selftest: com1 alive\n");
	sel_puts(0xe9, "selftest: e9 alive\n");
	if (magic != 0x36d76289u) { sel_puts(0x2f8, "selftest: bad multiboot2 magic\n"); return; }
	sel_puts(0x2f8, "selftest: multiboot2 magic ok\n");
	/* Boot information: u32 total_size, u32 reserved, then 8-byte aligned tags (MB2 spec 3.6). */
	uint32_t total = *(volatile uint32_t *)mbi;
	for (uint32_t off = 8; total <= 0x100000 && off + 8 <= total; ) {
		uint32_t type = *(uint32_t *)(mbi + off), size = *(uint32_t *)(mbi + off + 4);
		if (type == 0 || size < 8) break;
		if (type == 1) cmdline = (const char *)(mbi + off + 8);
		if (type == 3) {
			mods++;
			sel_puts(0x2f8, "selftest: module '"); sel_puts(0x2f8, (const char *)(mbi + off + 16));
			sel_puts(0x2f8, "' bytes "); sel_putu(0x2f8, *(uint32_t *)(mbi + off + 12) - *(uint32_t *)(mbi + off + 8));
			sel_puts(0x2f8, "\n");
		}
		off += (size + 7) & ~7u;
	}
	sel_puts(0x2f8, "selftest: cmdline '"); sel_puts(0x2f8, cmdline); sel_puts(0x2f8, "'\n");
	sel_puts(0x2f8, "selftest: modules "); sel_putu(0x2f8, mods); sel_puts(0x2f8, "\n");
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	sel_puts(0x2f8, "BENCH selftest_boot_tsc "); sel_putu(0x2f8, ((uint64_t)hi << 32) | lo);
	sel_puts(0x2f8, " instructions\n");
	if (sel_has_word(cmdline, "panic")) sel_puts(0x2f8, "PANIC: selftest asked to panic\n");
	if (sel_has_word(cmdline, "triple")) {	/* empty IDT: the breakpoint escalates to a triple fault */
		static const struct { uint16_t limit; uint32_t base; } __attribute__((packed)) idt0 = { 0, 0 };
		sel_puts(0x2f8, "selftest: triple fault next\n");
		sel_drain();
		__asm__ volatile("lidt %0; int3" : : "m"(idt0));
	}
	if (sel_has_word(cmdline, "hang")) { sel_puts(0x2f8, "selftest: hanging\n"); return; }
	sel_puts(0x2f8, "selftest: done\n");
	sel_drain();
	sel_puts(0x8900, "Shutdown");
}

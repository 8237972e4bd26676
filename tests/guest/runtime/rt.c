/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test-guest runtime, C part: start-up, console, printf, check reporting, exception and
 * interrupt dispatch, power-off.  Hardware helpers are in rt_hw.c, ACPI and SMP in rt_acpi.c.
 */
#include "rt.h"
#include "rt_internal.h"

volatile struct rt_fault rt_last_fault;
volatile uint32_t rt_irq_count[256];
static rt_irq_fn irq_handlers[256];

static volatile uint32_t n_pass, n_fail, n_skip;
static volatile uint32_t console_lock;

/* ---- libc subset the compiler may call on its own ---- */
void *memset(void *d, int c, size_t n)
{
	uint8_t *p = d;

	while (n-- > 0)
		*p++ = (uint8_t)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *p = d;
	const uint8_t *q = s;

	while (n-- > 0)
		*p++ = *q++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *p = a, *q = b;

	for (; n > 0; n--, p++, q++)
		if (*p != *q)
			return *p < *q ? -1 : 1;
	return 0;
}

void *rt_memset(void *d, int c, size_t n) { return memset(d, c, n); }
void *rt_memcpy(void *d, const void *s, size_t n) { return memcpy(d, s, n); }
int rt_memcmp(const void *a, const void *b, size_t n) { return memcmp(a, b, n); }

/* ---- console: COM1 (16550, polled) and the port 0xE9 debug console ---- */
#define COM1		0x3F8
#define COM_LSR_THRE	0x20

static void serial_init(void)
{
	rt_outb(COM1 + 1, 0x00);	/* no interrupts */
	rt_outb(COM1 + 3, 0x80);	/* DLAB */
	rt_outb(COM1 + 0, 0x01);	/* 115200 baud */
	rt_outb(COM1 + 1, 0x00);
	rt_outb(COM1 + 3, 0x03);	/* 8N1 */
	rt_outb(COM1 + 2, 0xC7);	/* FIFO on, cleared */
	rt_outb(COM1 + 4, 0x03);	/* DTR, RTS */
}

static void console_putc(char c)
{
	/* Bounded: a missing UART reads 0xFF (THRE set) or never empties; neither may hang us. */
	for (int i = 0; i < 100000 && !(rt_inb(COM1 + 5) & COM_LSR_THRE); i++)
		rt_pause();
	rt_outb(COM1, (uint8_t)c);
	rt_outb(0xE9, (uint8_t)c);
}

void rt_console_flush(void)
{
	/* LSR bit 6 (TEMT): holding register and shift register both empty. */
	for (int i = 0; i < 1000000 && !(rt_inb(COM1 + 5) & 0x40); i++)
		rt_pause();
}

static void console_puts(const char *s)
{
	while (*s != '\0')
		console_putc(*s++);
}

static void console_lock_get(void)
{
	/* Bounded spin: a CPU that died holding the lock must not silence the others. */
	for (uint32_t i = 0; i < 10000000; i++) {
		if (__atomic_exchange_n(&console_lock, 1, __ATOMIC_ACQUIRE) == 0)
			return;
		rt_pause();
	}
}

static void console_lock_put(void)
{
	__atomic_store_n(&console_lock, 0, __ATOMIC_RELEASE);
}

/* ---- printf ---- */
static void put_num(uint64_t v, unsigned int base, bool neg, int width, char pad)
{
	char buf[24];
	int n = 0;

	do {
		buf[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v != 0);
	if (neg)
		buf[n++] = '-';
	for (; width > n; width--)
		console_putc(pad);
	while (n > 0)
		console_putc(buf[--n]);
}

static void do_vprintf(const char *fmt, va_list ap)
{
	for (; *fmt != '\0'; fmt++) {
		int width = 0, lng = 0;
		char pad = ' ';
		uint64_t u;
		int64_t s;

		if (*fmt != '%') {
			console_putc(*fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0')
			pad = '0', fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l')
			lng++, fmt++;
		switch (*fmt) {
		case 'd':
		case 'i':
			s = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			put_num(s < 0 ? -(uint64_t)s : (uint64_t)s, 10, s < 0, width, pad);
			break;
		case 'u':
		case 'x':
			u = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
			put_num(u, *fmt == 'u' ? 10 : 16, false, width, pad);
			break;
		case 'p':
			console_putc('0');
			console_putc('x');
			put_num((uint64_t)(uintptr_t)va_arg(ap, void *), 16, false, width, pad);
			break;
		case 'c':
			console_putc((char)va_arg(ap, int));
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);

			console_puts(str != NULL ? str : "(null)");
			break;
		}
		case '%':
			console_putc('%');
			break;
		case '\0':
			return;
		default:
			console_putc('?');
			break;
		}
	}
}

void rt_vprintf(const char *fmt, va_list ap)
{
	console_lock_get();
	do_vprintf(fmt, ap);
	console_lock_put();
}

void rt_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rt_vprintf(fmt, ap);
	va_end(ap);
}

/* ---- reporting ---- */
void rt_pass(const char *name)
{
	rt_atomic_xadd(&n_pass, 1);
	rt_printf("PASS %s\n", name);
}

static void fail_v(const char *name, const char *fmt, va_list ap)
{
	rt_atomic_xadd(&n_fail, 1);
	console_lock_get();
	console_puts("FAIL ");
	console_puts(name);
	console_puts(": ");
	do_vprintf(fmt, ap);
	console_putc('\n');
	console_lock_put();
}

void rt_fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fail_v(name, fmt, ap);
	va_end(ap);
}

void rt_skip(const char *name, const char *reason)
{
	rt_atomic_xadd(&n_skip, 1);
	rt_printf("SKIP %s: %s\n", name, reason);
}

bool rt_check(const char *name, bool cond, const char *fmt, ...)
{
	va_list ap;

	if (cond) {
		rt_pass(name);
		return true;
	}
	va_start(ap, fmt);
	fail_v(name, fmt, ap);
	va_end(ap);
	return false;
}

void rt_finish(void)
{
	uint32_t done = n_pass + n_fail + n_skip;

	rt_cli();
	if (done != rt_guest_plan) {
		rt_atomic_xadd(&n_fail, 1);
		rt_printf("FAIL plan: %u checks declared, %u reported\n", rt_guest_plan, done);
	}
	rt_printf("SUMMARY: %u passed, %u failed, %u skipped\n", n_pass, n_fail, n_skip);
	rt_poweroff();
}

/* ---- exceptions and interrupts ---- */
struct extable_entry {
	uint64_t insn, fixup;
};
extern const struct extable_entry __extable_start[], __extable_end[];
extern const uint8_t rt_isr_stubs[];

/* 64-bit IDT gate descriptors (SDM Vol. 3A 6.14.1): interrupt gates, DPL 0, no IST. */
static uint64_t idt[512] __attribute__((aligned(16)));

void rt_fault_clear(void)
{
	rt_last_fault.vector = RT_NO_FAULT;
	rt_last_fault.error = 0;
	rt_last_fault.cr2 = 0;
	rt_last_fault.rip = 0;
}

static void idt_init(void)
{
	for (unsigned int v = 0; v < 256; v++) {
		uint64_t a = (uint64_t)(uintptr_t)rt_isr_stubs + 16 * v;

		idt[2 * v] = (a & 0xFFFF) | ((uint64_t)RT_SEL_CODE64 << 16) |
			     (0x8EULL << 40) | (((a >> 16) & 0xFFFF) << 48);
		idt[2 * v + 1] = a >> 32;
	}
}

void rt_idt_load(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} p = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

	__asm__ volatile("lidt %0" :: "m"(p));
}

void rt_set_irq_handler(uint8_t vec, rt_irq_fn fn)
{
	irq_handlers[vec] = fn;
}

void rt_trap(struct rt_frame *f)
{
	uint64_t vec = f->vector & 0xFF;

	if (vec == 2 || vec >= 32) {
		rt_irq_fn fn = irq_handlers[vec];

		rt_atomic_xadd(&rt_irq_count[vec], 1);
		if (fn != NULL)
			fn(f);
		else if (vec >= 32 && vec != RT_SPURIOUS_VECTOR)
			rt_apic_eoi();
		return;
	}
	for (const struct extable_entry *e = __extable_start; e < __extable_end; e++) {
		if (e->insn == f->rip) {
			rt_last_fault.error = f->error;
			rt_last_fault.cr2 = vec == 14 ? rt_read_cr2() : 0;
			rt_last_fault.rip = f->rip;
			rt_last_fault.vector = vec;
			f->rip = e->fixup;
			return;
		}
	}
	rt_fail("unexpected_exception", "vector %lu error 0x%lx rip 0x%lx cr2 0x%lx on APIC %u",
		vec, f->error, f->rip, vec == 14 ? rt_read_cr2() : 0, rt_apic_id());
	rt_finish();
}

uint64_t rt_rdmsr_safe(uint32_t msr, uint64_t *val)
{
	uint32_t lo = 0, hi = 0;

	rt_fault_clear();
	__asm__ volatile("1: rdmsr\n2:\n\t" RT_EXTABLE("1b", "2b")
			 : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	*val = ((uint64_t)hi << 32) | lo;
	return rt_last_fault.vector;
}

uint64_t rt_wrmsr_safe(uint32_t msr, uint64_t val)
{
	rt_fault_clear();
	__asm__ volatile("1: wrmsr\n2:\n\t" RT_EXTABLE("1b", "2b")
			 :: "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)) : "memory");
	return rt_last_fault.vector;
}

uint64_t rt_write_cr4_safe(uint64_t val)
{
	rt_fault_clear();
	__asm__ volatile("1: mov %0, %%cr4\n2:\n\t" RT_EXTABLE("1b", "2b") :: "r"(val) : "memory");
	return rt_last_fault.vector;
}

uint64_t rt_xsetbv_safe(uint32_t xcr, uint64_t val)
{
	rt_fault_clear();
	__asm__ volatile("1: xsetbv\n2:\n\t" RT_EXTABLE("1b", "2b")
			 :: "c"(xcr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)) : "memory");
	return rt_last_fault.vector;
}

/* ---- 8259: remapped to 0x20-0x2F and fully masked, so a stray IRQ is not a "#DF" ---- */
static void pic_mask_all(void)
{
	rt_outb(0x20, 0x11);
	rt_outb(0xA0, 0x11);
	rt_outb(0x21, 0x20);
	rt_outb(0xA1, 0x28);
	rt_outb(0x21, 0x04);
	rt_outb(0xA1, 0x02);
	rt_outb(0x21, 0x01);
	rt_outb(0xA1, 0x01);
	rt_outb(0x21, 0xFF);
	rt_outb(0xA1, 0xFF);
}

const char *rt_cmdline(void)
{
	/* Multiboot 1 information (spec 3.3): flags bit 2, cmdline at offset 16. */
	const volatile uint32_t *mbi = (const volatile uint32_t *)(uintptr_t)rt_boot_info;

	if (rt_boot_magic != 0x2BADB002U || mbi == NULL || (mbi[0] & (1U << 2)) == 0 || mbi[4] == 0)
		return "";
	return (const char *)(uintptr_t)mbi[4];
}

bool rt_cmdline_has(const char *word)
{
	const char *p = rt_cmdline();
	size_t n = 0;

	while (word[n] != '\0')
		n++;
	while (*p != '\0') {
		const char *start = p;

		while (*p != '\0' && *p != ' ')
			p++;
		if ((size_t)(p - start) == n && memcmp(start, word, n) == 0)
			return true;
		while (*p == ' ')
			p++;
	}
	return false;
}

void rt_main(void);
void rt_main(void)
{
	serial_init();
	pic_mask_all();
	idt_init();
	rt_idt_load();
	rt_fault_clear();
	rt_printf("PLAN %s %u\n", rt_guest_name, rt_guest_plan);
	rt_printf("# boot magic 0x%x info 0x%x\n", rt_boot_magic, rt_boot_info);
	rt_apic_init_cpu();
	rt_tsc_calibrate();
	rt_acpi_init();
	rt_printf("# tsc %lu/us, %u cpu(s) in MADT, pm1a_cnt 0x%x slp_typ %u (%s)\n",
		  rt_tsc_per_us, rt_ncpus_madt, rt_pm1a_cnt, rt_s5_slp_typ,
		  rt_s5_found ? "from \\_S5" : "default");
	rt_guest_main();
	rt_finish();
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The platform devices wired into acrn-dm: every access goes through the
 * fake back-end's request page and the PIO dispatch, interrupts are read
 * back from the fake's set_irqline record, stop requests from the VM.
 * Also the timer facility (core/timer.c) they run on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dm_log.h"
#include "dm_timer.h"
#include "dmtest.h"
#include "hw/acpi_pm.h"
#include "hw/pit_8254.h"
#include "hw/rtc_cmos.h"
#include "hw/uart_16550.h"
#include "io_dispatch.h"
#include "platform_devices.h"

struct pvm {
	struct dmtest_vm vm;
	char dir[32];
	char com1[64];
};

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

static int setup(void **state)
{
	struct pvm *p = calloc(1, sizeof(*p));
	char spec[80];

	if (p == NULL)
		return -1;
	strcpy(p->dir, "/tmp/dmplat.XXXXXX");
	if (mkdtemp(p->dir) == NULL)
		return -1;
	snprintf(p->com1, sizeof(p->com1), "%s/com1.out", p->dir);
	snprintf(spec, sizeof(spec), "com1,file,%s", p->com1);
	if (dmtest_vm_create(&p->vm, "-m", "64M", "-l", spec, "vm", NULL) != 0)
		return -1;
	if (platform_devices_init(p->vm.ctx, p->vm.err, sizeof(p->vm.err)) != 0)
		return -1;
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	struct pvm *p = *state;

	platform_devices_deinit(p->vm.ctx);
	dmtest_vm_destroy(&p->vm);
	unlink(p->com1);
	rmdir(p->dir);
	free(p);
	return 0;
}

static struct vmctx *ctx_of(void **state)
{
	return ((struct pvm *)*state)->vm.ctx;
}

static void outb(struct vmctx *ctx, uint32_t port, uint8_t v)
{
	uint64_t val = v;

	assert_int_equal(vmm_test_pio(ctx, ACRN_IOREQ_DIR_WRITE, port, 1, &val), 0);
}

static void outw(struct vmctx *ctx, uint32_t port, uint16_t v)
{
	uint64_t val = v;

	assert_int_equal(vmm_test_pio(ctx, ACRN_IOREQ_DIR_WRITE, port, 2, &val), 0);
}

static uint8_t inb(struct vmctx *ctx, uint32_t port)
{
	uint64_t val = 0;

	assert_int_equal(vmm_test_pio(ctx, ACRN_IOREQ_DIR_READ, port, 1, &val), 0);
	return (uint8_t)val;
}

static uint32_t inl(struct vmctx *ctx, uint32_t port)
{
	uint64_t val = 0;

	assert_int_equal(vmm_test_pio(ctx, ACRN_IOREQ_DIR_READ, port, 4, &val), 0);
	return (uint32_t)val;
}

static void test_platform_uart_loopback_through_dispatch(void **state)
{
	struct vmctx *ctx = ctx_of(state);

	outb(ctx, 0x3f8 + UART_REG_MCR, UART_MCR_LOOP);
	outb(ctx, 0x3f8 + UART_REG_THR, 'A');
	assert_true(inb(ctx, 0x3f8 + UART_REG_LSR) & UART_LSR_DR);
	assert_int_equal(inb(ctx, 0x3f8 + UART_REG_RBR), 'A');
	assert_false(inb(ctx, 0x3f8 + UART_REG_LSR) & UART_LSR_DR);
	/* A word read at MSR covers MSR and SCR; one at SCR runs past the window. */
	outb(ctx, 0x3f8 + UART_REG_SCR, 0x5a);
	{
		uint64_t v = 0;

		assert_int_equal(vmm_test_pio(ctx, ACRN_IOREQ_DIR_READ, 0x3f8 + UART_REG_MSR, 2,
					      &v), 0);
		assert_int_equal(v >> 8, 0x5a);
		assert_int_equal(vmm_test_pio(ctx, ACRN_IOREQ_DIR_READ, 0x3f8 + UART_REG_SCR, 2,
					      &v), 0);
		assert_int_equal(v, 0xff5a);
	}
	/* COM2 is not configured: its ports are unhandled (all-ones). */
	assert_int_equal(inb(ctx, 0x2f8 + UART_REG_LSR), 0xff);
}

static void test_platform_uart_thre_asserts_irq4(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	struct vmm_test_state *st = vmm_test_get(ctx);

	assert_int_equal(st->irq_level[4], 0);
	outb(ctx, 0x3f8 + UART_REG_MCR, UART_MCR_OUT2);
	outb(ctx, 0x3f8 + UART_REG_IER, UART_IER_ETBEI);
	assert_int_equal(st->irq_level[4], 1);
	assert_int_equal(st->irq_level[3], 0);
	/* Reading IIR with THRE as the source clears it and lowers the line. */
	assert_int_equal(inb(ctx, 0x3f8 + UART_REG_IIR) & UART_IIR_ID_MASK, UART_IIR_THRI);
	assert_int_equal(st->irq_level[4], 0);
}

static void test_platform_uart_tx_reaches_file_backend(void **state)
{
	struct pvm *p = *state;
	char buf[8] = "";
	int fd;
	ssize_t n = 0;

	outb(p->vm.ctx, 0x3f8 + UART_REG_THR, 'o');
	outb(p->vm.ctx, 0x3f8 + UART_REG_THR, 'k');
	for (int i = 0; i < 200 && n < 2; i++) {
		fd = open(p->com1, O_RDONLY);
		if (fd >= 0) {
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
		}
		if (n < 2)
			sleep_ms(5);
	}
	assert_int_equal(n, 2);
	assert_string_equal(buf, "ok");
}

static bool is_bcd(uint8_t v)
{
	return (v & 0xf) <= 9 && (v >> 4) <= 9;
}

static uint8_t cmos(struct vmctx *ctx, uint8_t idx)
{
	outb(ctx, 0x70, idx);
	return inb(ctx, 0x71);
}

static void test_platform_rtc_reads_plausible_bcd_date(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	time_t now = time(NULL);
	struct tm tm;
	uint8_t year, month, mday, century;

	gmtime_r(&now, &tm);
	year = cmos(ctx, RTC_YEAR);
	month = cmos(ctx, RTC_MONTH);
	mday = cmos(ctx, RTC_MDAY);
	century = cmos(ctx, RTC_CENTURY);
	assert_true(is_bcd(year) && is_bcd(month) && is_bcd(mday) && is_bcd(century));
	assert_int_equal((century >> 4) * 10 + (century & 0xf), (tm.tm_year + 1900) / 100);
	assert_int_equal((year >> 4) * 10 + (year & 0xf), tm.tm_year % 100);
	assert_true(month >= 0x01 && month <= 0x12);
	assert_true(mday >= 0x01 && mday <= 0x31);
	assert_int_equal(cmos(ctx, RTC_REG_D) & RTC_D_VRT, RTC_D_VRT);
	/* Memory sizes: (64 MiB - 16 MiB) / 64 KiB = 0x300 at 0x34/0x35. */
	assert_int_equal(cmos(ctx, CMOS_MEM16M_LO), 0x00);
	assert_int_equal(cmos(ctx, CMOS_MEM16M_HI), 0x03);
}

/* Latch and read counter 2 (LSB then MSB). */
static uint16_t pit2_count(struct vmctx *ctx)
{
	uint8_t lo, hi;

	outb(ctx, 0x43, 0x80);		/* counter 2, latch */
	lo = inb(ctx, 0x42);
	hi = inb(ctx, 0x42);
	return (uint16_t)(lo | hi << 8);
}

static void test_platform_pit_channel2_counts_while_gate_high(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	uint16_t a, b, c, d;

	outb(ctx, PIT_PORT_61, 0x00);		/* gate 2 low */
	outb(ctx, 0x43, 0xb0);			/* counter 2, LSB/MSB, mode 0, binary */
	outb(ctx, 0x42, 0xff);
	outb(ctx, 0x42, 0xff);
	a = pit2_count(ctx);
	sleep_ms(3);
	b = pit2_count(ctx);
	assert_int_equal(a, b);			/* mode 0 pauses while the gate is low */
	outb(ctx, PIT_PORT_61, PIT_P61_GATE2);
	assert_int_equal(inb(ctx, PIT_PORT_61) & PIT_P61_GATE2, PIT_P61_GATE2);
	c = pit2_count(ctx);
	sleep_ms(3);
	d = pit2_count(ctx);
	/* 3 ms at 1.193182 MHz is ~3580 ticks; allow for a slow host. */
	assert_true(d < c);
	assert_true(c - d >= 3000);
	assert_int_equal(inb(ctx, PIT_PORT_61) & PIT_P61_OUT2, 0);	/* not at terminal count */
}

static void test_platform_pit_counter0_pulses_gsi2_from_timer_thread(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	struct vmm_test_state *st = vmm_test_get(ctx);
	unsigned int before = st->irq_changes[2];

	outb(ctx, 0x43, 0x34);			/* counter 0, LSB/MSB, mode 2 */
	outb(ctx, 0x40, 0xa9);			/* 1193 = 1 ms */
	outb(ctx, 0x40, 0x04);
	/* Missed periods coalesce on a loaded host: wait for 5 pulses, up to 2 s. */
	for (int i = 0; i < 400 && st->irq_changes[2] - before < 5; i++)
		sleep_ms(5);
	outb(ctx, 0x43, 0x30);			/* mode 0, no count: stops the periodic output */
	assert_true(st->irq_changes[2] - before >= 5);
	assert_int_equal(st->irq_level[2], 0);	/* pulses leave the line low */
	assert_int_equal(st->irq_changes[0], 0);	/* IRQ 0 is GSI 2, never GSI 0 */
}

static void test_platform_pm_timer_runs_at_3_58_mhz(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	uint32_t a, b;

	a = inl(ctx, ACPI_PM_TMR_ADDR);
	sleep_ms(10);
	b = inl(ctx, ACPI_PM_TMR_ADDR);
	assert_true(a < (1u << 24) && b < (1u << 24));	/* 24-bit counter */
	/* 10 ms = 35795 ticks; the counter may wrap once in between. */
	assert_true(((b - a) & 0xffffff) >= 35000);
	assert_true(((b - a) & 0xffffff) < 3579545);
}

static void test_platform_s5_write_requests_poweroff(void **state)
{
	struct vmctx *ctx = ctx_of(state);

	assert_int_equal(vm_take_stop_request(ctx), VM_STOP_NONE);
	/* S3 (no sleep support): the platform wakes at once, no stop request. */
	outw(ctx, ACPI_PM1A_CNT_ADDR, (ACPI_SLP_TYP_S3 << ACPI_PM1_SLP_TYP_SHIFT) | ACPI_PM1_SLP_EN);
	assert_int_equal(vm_take_stop_request(ctx), VM_STOP_NONE);
	/* SLP_TYP 5 without SLP_EN does nothing either. */
	outw(ctx, ACPI_PM1A_CNT_ADDR, ACPI_SLP_TYP_S5 << ACPI_PM1_SLP_TYP_SHIFT);
	assert_int_equal(vm_take_stop_request(ctx), VM_STOP_NONE);
	outw(ctx, ACPI_PM1A_CNT_ADDR, (ACPI_SLP_TYP_S5 << ACPI_PM1_SLP_TYP_SHIFT) | ACPI_PM1_SLP_EN);
	assert_int_equal(vm_take_stop_request(ctx), VM_STOP_POWEROFF);
}

static void test_platform_cf9_reset_value_requests_reset(void **state)
{
	struct vmctx *ctx = ctx_of(state);

	outb(ctx, ACPI_RESET_ADDR, ACPI_RST_SYS);	/* no RST_CPU: stored only */
	assert_int_equal(vm_take_stop_request(ctx), VM_STOP_NONE);
	assert_int_equal(inb(ctx, ACPI_RESET_ADDR) & ACPI_RST_SYS, ACPI_RST_SYS);
	outb(ctx, ACPI_RESET_ADDR, ACPI_RESET_VALUE);
	assert_int_equal(vm_take_stop_request(ctx), VM_STOP_RESET);
}

static void test_platform_sci_idles_high_as_active_low_line(void **state)
{
	struct vmm_test_state *st = vmm_test_get(ctx_of(state));

	assert_int_equal(st->irq_level[9], 1);
	assert_int_equal(st->irq_changes[9], 1);
}

static void test_platform_reset_stops_pit_and_resets_uart(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	struct vmm_test_state *st = vmm_test_get(ctx);
	unsigned int n;

	outb(ctx, 0x3f8 + UART_REG_IER, UART_IER_ERBFI);
	outb(ctx, 0x43, 0x34);
	outb(ctx, 0x40, 0xa9);
	outb(ctx, 0x40, 0x04);
	sleep_ms(5);
	platform_devices_reset(ctx);
	n = st->irq_changes[2];
	sleep_ms(20);
	assert_int_equal(st->irq_changes[2], n);	/* the new PIT is unprogrammed */
	assert_int_equal(inb(ctx, 0x3f8 + UART_REG_IER), 0);
	/* Still wired after the reset. */
	outb(ctx, 0x43, 0xb0);
	outb(ctx, 0x42, 0x34);
	outb(ctx, 0x42, 0x12);
	assert_int_equal(pit2_count(ctx), 0x1234);
}

static int dummy_io(struct vmctx *ctx, int dir, uint64_t addr, int size, uint64_t *val,
		    void *arg)
{
	return 0;
}

static void test_platform_init_fails_cleanly_when_ports_are_taken(void **state)
{
	struct dmtest_vm vm;

	/* Someone else owns the PIT ports: init fails, leaves nothing behind. */
	assert_int_equal(dmtest_vm_create(&vm, "-m", "16M", "vm", NULL), 0);
	assert_int_equal(pio_register(vm.ctx, "squatter", 0x42, 1, dummy_io, NULL), 0);
	assert_int_equal(platform_devices_init(vm.ctx, vm.err, sizeof(vm.err)), -EEXIST);
	assert_null(vm.ctx->platform);
	assert_true(vm.err[0] != '\0');
	/* The RTC registered before the failure is gone again. */
	assert_int_equal(pio_register(vm.ctx, "rtc-again", 0x70, 4, dummy_io, NULL), 0);
	dmtest_vm_destroy(&vm);
}

static void test_platform_deinit_unregisters_everything(void **state)
{
	struct dmtest_vm vm;

	assert_int_equal(dmtest_vm_create(&vm, "-m", "16M", "vm", NULL), 0);
	assert_int_equal(platform_devices_init(vm.ctx, vm.err, sizeof(vm.err)), 0);
	assert_int_equal(platform_devices_init(vm.ctx, vm.err, sizeof(vm.err)), -EEXIST);
	platform_devices_deinit(vm.ctx);
	/* Everything unregistered: a second init succeeds. */
	assert_int_equal(platform_devices_init(vm.ctx, vm.err, sizeof(vm.err)), 0);
	platform_devices_deinit(vm.ctx);
	assert_null(vm.ctx->platform);
	dmtest_vm_destroy(&vm);
}

/* ---- timer facility ---- */

struct tcount {
	int fired;
	uint64_t at;
	int order;
	int *seq;
	struct dm_timer *rearm;
	int sleep_ms;
};

static void tcount_cb(void *arg)
{
	struct tcount *c = arg;

	if (c->sleep_ms)
		sleep_ms(c->sleep_ms);
	c->at = dm_timer_now_ns();
	c->order = ++*c->seq;
	__atomic_add_fetch(&c->fired, 1, __ATOMIC_SEQ_CST);
}

static void test_timer_fires_once_in_deadline_order(void **state)
{
	int seq = 0;
	struct tcount a = { .seq = &seq }, b = { .seq = &seq };
	struct dm_timer ta, tb;
	uint64_t now = dm_timer_now_ns();

	assert_int_equal(dm_timer_init(&ta, tcount_cb, &a), 0);
	assert_int_equal(dm_timer_init(&tb, tcount_cb, &b), 0);
	assert_int_equal(dm_timer_arm(&ta, now + 20000000), 0);
	assert_int_equal(dm_timer_arm(&tb, now + 5000000), 0);
	for (int i = 0; i < 400 && __atomic_load_n(&a.fired, __ATOMIC_SEQ_CST) == 0; i++)
		sleep_ms(5);
	sleep_ms(20);				/* a second (wrong) callback would show now */
	assert_int_equal(a.fired, 1);
	assert_int_equal(b.fired, 1);
	assert_int_equal(b.order, 1);
	assert_int_equal(a.order, 2);
	assert_true(a.at >= now + 20000000);
	assert_false(dm_timer_is_armed(&ta));
	dm_timer_deinit(&ta);
	dm_timer_deinit(&tb);
}

static void test_timer_cancel_and_rearm(void **state)
{
	int seq = 0;
	struct tcount a = { .seq = &seq };
	struct dm_timer t;
	uint64_t now = dm_timer_now_ns();

	assert_int_equal(dm_timer_init(&t, tcount_cb, &a), 0);
	assert_int_equal(dm_timer_arm(&t, now + 50000000), 0);
	assert_true(dm_timer_is_armed(&t));
	assert_int_equal(dm_timer_cancel(&t), 0);
	assert_false(dm_timer_is_armed(&t));
	sleep_ms(70);
	assert_int_equal(a.fired, 0);
	/* Re-arming replaces the deadline: one callback, at the later time. */
	now = dm_timer_now_ns();
	assert_int_equal(dm_timer_arm(&t, now + 2000000), 0);
	assert_int_equal(dm_timer_arm(&t, now + 15000000), 0);
	for (int i = 0; i < 400 && __atomic_load_n(&a.fired, __ATOMIC_SEQ_CST) == 0; i++)
		sleep_ms(5);
	sleep_ms(20);
	assert_int_equal(a.fired, 1);
	assert_true(a.at >= now + 15000000);
	dm_timer_deinit(&t);
	assert_int_equal(dm_timer_arm(&t, now), -EINVAL);
}

static void test_timer_deinit_waits_for_running_callback(void **state)
{
	int seq = 0;
	struct tcount a = { .seq = &seq, .sleep_ms = 30 };
	struct dm_timer t;

	assert_int_equal(dm_timer_init(&t, tcount_cb, &a), 0);
	assert_int_equal(dm_timer_arm(&t, dm_timer_now_ns()), 0);
	sleep_ms(5);				/* the callback is now sleeping */
	dm_timer_deinit(&t);
	assert_int_equal(__atomic_load_n(&a.fired, __ATOMIC_SEQ_CST), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_platform_uart_loopback_through_dispatch,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_platform_uart_thre_asserts_irq4, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_platform_uart_tx_reaches_file_backend, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_platform_rtc_reads_plausible_bcd_date, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_platform_pit_channel2_counts_while_gate_high,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_platform_pit_counter0_pulses_gsi2_from_timer_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_platform_pm_timer_runs_at_3_58_mhz, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_platform_s5_write_requests_poweroff, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_platform_cf9_reset_value_requests_reset, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_platform_sci_idles_high_as_active_low_line,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_platform_reset_stops_pit_and_resets_uart,
						setup, teardown),
		cmocka_unit_test(test_platform_init_fails_cleanly_when_ports_are_taken),
		cmocka_unit_test(test_platform_deinit_unregisters_everything),
		cmocka_unit_test(test_timer_fires_once_in_deadline_order),
		cmocka_unit_test(test_timer_cancel_and_rearm),
		cmocka_unit_test(test_timer_deinit_waits_for_running_callback),
	};

	dm_log_set_level(DM_LOG_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

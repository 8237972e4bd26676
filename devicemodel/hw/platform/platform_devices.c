/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Glue between the pure platform device cores (uart_16550, rtc_cmos,
 * pit_8254, acpi_pm) and acrn-dm: port I/O dispatch, the timer thread
 * (core/timer.c), the back-end's set_irqline, UART back-ends, and
 * vm_request_stop() for ACPI S5 and the reset register.
 *
 * Interrupt lines (doc/acrn-dm-boot.md, "Interrupts"):
 *   COM1 IRQ 4, COM2 IRQ 3, RTC IRQ 8: ISA edge lines, driven high while
 *     the device requests (set_irqline SET_HIGH/SET_LOW on changes);
 *   PIT: a rising pulse on GSI 2 per OUT0 edge (MADT: IRQ 0 -> GSI 2);
 *   SCI: GSI 9, level, active low (MADT override flags 0x000F): asserted
 *     is electrical low, so the idle line is driven high at start-up.
 *
 * Threads: port handlers run on the IOREQ thread, timer callbacks on the
 * timer thread, UART input on each back-end's thread; every core has its
 * own mutex.  The only pointer that changes after init is the PIT (it is
 * re-created on VM reset), guarded by pd->pit_lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DM_LOG_PREFIX "platform: "
#include "dm_log.h"
#include "dm_timer.h"
#include "hw/acpi_pm.h"
#include "hw/pit_8254.h"
#include "hw/rtc_cmos.h"
#include "hw/uart_16550.h"
#include "hw/uart_backend.h"
#include "io_dispatch.h"
#include "platform_devices.h"
#include "vmctx.h"
#include "vmm.h"

struct platform_devices;

struct plat_uart {
	struct platform_devices *pd;
	uint16_t port;
	uint8_t irq;
	struct uart_16550 *uart;
	struct uart_backend *be;
	int tty_fd;			/* DM_COM_TTY: opened here, closed after the back-end */
	bool registered;
};

/* Port ranges this file registers, so deinit removes exactly those. */
#define PLAT_MAX_RANGES	12

struct platform_devices {
	struct vmctx *ctx;
	struct plat_uart uarts[PLATFORM_NUARTS];
	struct rtc_cmos *rtc;
	struct dm_timer rtc_timer;
	pthread_rwlock_t pit_lock;
	struct pit_8254 *pit;
	struct dm_timer pit_timer;
	struct acpi_pm *pm;
	struct dm_timer pm_timer;
	unsigned int nranges;
	struct { uint32_t base, len; } ranges[PLAT_MAX_RANGES];
};

static const struct { uint16_t port; uint8_t irq; } plat_com[PLATFORM_NUARTS] = {
	{ PLATFORM_COM1_PORT, PLATFORM_COM1_IRQ },
	{ PLATFORM_COM2_PORT, PLATFORM_COM2_IRQ },
};

bool platform_uart_resources(unsigned int idx, uint16_t *port, uint8_t *irq)
{
	if (idx >= PLATFORM_NUARTS)
		return false;
	*port = plat_com[idx].port;
	*irq = plat_com[idx].irq;
	return true;
}

/* Drive a GSI; a failure is logged (the guest loses an interrupt, acrn-dm goes on). */
static void plat_irqline(struct platform_devices *pd, uint32_t gsi, uint32_t op)
{
	int rc = pd->ctx->vmm->set_irqline(pd->ctx, gsi, op);

	if (rc != 0)
		pr_warn("set_irqline(GSI %u, op %u) failed: %s", gsi, op, strerror(-rc));
}

static uint64_t plat_now_ns(void *arg)
{
	return dm_timer_now_ns();
}

/*
 * Byte-wise port access for byte-register devices: a word or dword access
 * touches consecutive registers (PC ISA decoding); bytes past the device's
 * window read 0xff and are dropped on writes.
 */
typedef int (*plat_byte_read_t)(void *dev, uint32_t off, uint8_t *val);
typedef int (*plat_byte_write_t)(void *dev, uint32_t off, uint8_t val);

static void plat_bytewise(void *dev, uint32_t nregs, int dir, uint32_t off, int size,
			  uint64_t *val, plat_byte_read_t rd, plat_byte_write_t wr)
{
	uint64_t out = 0;
	uint8_t b;

	for (int i = 0; i < size && i < 8; i++) {
		b = 0xff;
		if (dir == ACRN_IOREQ_DIR_READ) {
			if (off + (uint32_t)i < nregs)
				rd(dev, off + (uint32_t)i, &b);
			out |= (uint64_t)b << (8 * i);
		} else if (off + (uint32_t)i < nregs) {
			wr(dev, off + (uint32_t)i, (uint8_t)(*val >> (8 * i)));
		}
	}
	if (dir == ACRN_IOREQ_DIR_READ)
		*val = out;
}

/* ---- UART (PC16550D) ---- */

static void plat_uart_irq(void *arg, bool level)
{
	struct plat_uart *pu = arg;

	plat_irqline(pu->pd, pu->irq, level ? VMM_GSI_SET_HIGH : VMM_GSI_SET_LOW);
}

static void plat_uart_tx(void *arg, uint8_t byte)
{
	struct plat_uart *pu = arg;

	if (pu->be != NULL)
		uart_backend_tx(pu->be, byte);
}

static void plat_uart_rx_ready(void *arg)
{
	struct plat_uart *pu = arg;

	if (pu->be != NULL)
		uart_backend_rx_ready(pu->be);
}

static const struct uart_ops plat_uart_ops = {
	.irq_set = plat_uart_irq,
	.tx = plat_uart_tx,
	.rx_ready = plat_uart_rx_ready,
};

static int plat_uart_rd(void *dev, uint32_t off, uint8_t *val)
{
	return uart_read(dev, off, val);
}

static int plat_uart_wr(void *dev, uint32_t off, uint8_t val)
{
	return uart_write(dev, off, val);
}

/* COM port registers (PC16550D datasheet Table II) at base + 0..7. */
static int plat_uart_io(struct vmctx *ctx, int dir, uint64_t addr, int size, uint64_t *val,
			void *arg)
{
	struct plat_uart *pu = arg;

	plat_bytewise(pu->uart, UART_NREGS, dir, (uint32_t)(addr - pu->port), size, val,
		      plat_uart_rd, plat_uart_wr);
	return 0;
}

/* The -l back-end of one COM port. */
static int plat_uart_open_backend(struct plat_uart *pu, const struct dm_com_config *com)
{
	char spec[DM_OPT_STR_MAX + 8];

	switch (com->backend) {
	case DM_COM_STDIO:
		return uart_backend_open("stdio", &pu->be);
	case DM_COM_TCP:
		snprintf(spec, sizeof(spec), "tcp:%u", com->port);
		return uart_backend_open(spec, &pu->be);
	case DM_COM_FILE:
		snprintf(spec, sizeof(spec), "file:%s", com->path);
		return uart_backend_open(spec, &pu->be);
	case DM_COM_TTY:
		pu->tty_fd = open(com->path, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (pu->tty_fd < 0)
			return -errno;
		return uart_backend_open_fds(pu->tty_fd, pu->tty_fd, &pu->be);
	default:
		return -EINVAL;
	}
}

/* ---- RTC / CMOS (MC146818A) ---- */

static void plat_rtc_irq(void *arg, bool level)
{
	plat_irqline(arg, PLATFORM_RTC_GSI, level ? VMM_GSI_SET_HIGH : VMM_GSI_SET_LOW);
}

static void plat_rtc_arm(void *arg, uint64_t when_ns)
{
	struct platform_devices *pd = arg;

	dm_timer_arm(&pd->rtc_timer, when_ns);
}

static void plat_rtc_cancel(void *arg)
{
	struct platform_devices *pd = arg;

	dm_timer_cancel(&pd->rtc_timer);
}

static void plat_rtc_fired(void *arg)
{
	struct platform_devices *pd = arg;

	rtc_timer_fired(pd->rtc);
}

static const struct rtc_ops plat_rtc_ops = {
	.now_ns = plat_now_ns,
	.irq_set = plat_rtc_irq,
	.timer_arm = plat_rtc_arm,
	.timer_cancel = plat_rtc_cancel,
};

static int plat_rtc_rd(void *dev, uint32_t off, uint8_t *val)
{
	return rtc_pio_read(dev, off, val);
}

static int plat_rtc_wr(void *dev, uint32_t off, uint8_t val)
{
	return rtc_pio_write(dev, off, val);
}

/* Ports 0x70-0x73: index/data of the two CMOS banks. */
static int plat_rtc_io(struct vmctx *ctx, int dir, uint64_t addr, int size, uint64_t *val,
		       void *arg)
{
	struct platform_devices *pd = arg;

	plat_bytewise(pd->rtc, RTC_NPORTS, dir, (uint32_t)(addr - RTC_BASE_PORT), size, val,
		      plat_rtc_rd, plat_rtc_wr);
	return 0;
}

/* ---- PIT (8254) and port 0x61 ---- */

static void plat_pit_pulse(void *arg)
{
	plat_irqline(arg, PLATFORM_PIT_GSI, VMM_GSI_RAISING_PULSE);
}

static void plat_pit_arm(void *arg, uint64_t when_ns)
{
	struct platform_devices *pd = arg;

	dm_timer_arm(&pd->pit_timer, when_ns);
}

static void plat_pit_cancel(void *arg)
{
	struct platform_devices *pd = arg;

	dm_timer_cancel(&pd->pit_timer);
}

static void plat_pit_fired(void *arg)
{
	struct platform_devices *pd = arg;

	pthread_rwlock_rdlock(&pd->pit_lock);
	if (pd->pit != NULL)
		pit_timer_fired(pd->pit);
	pthread_rwlock_unlock(&pd->pit_lock);
}

static const struct pit_ops plat_pit_ops = {
	.now_ns = plat_now_ns,
	.irq_pulse = plat_pit_pulse,
	.timer_arm = plat_pit_arm,
	.timer_cancel = plat_pit_cancel,
};

static int plat_pit_rd(void *dev, uint32_t off, uint8_t *val)
{
	return pit_read(dev, off, val);
}

static int plat_pit_wr(void *dev, uint32_t off, uint8_t val)
{
	return pit_write(dev, off, val);
}

/* Ports 0x40-0x43: counters 0-2 and the control word (8254 datasheet). */
static int plat_pit_io(struct vmctx *ctx, int dir, uint64_t addr, int size, uint64_t *val,
		       void *arg)
{
	struct platform_devices *pd = arg;

	int rc = 0;

	pthread_rwlock_rdlock(&pd->pit_lock);
	if (pd->pit != NULL)		/* NULL only if re-creating it after a reset failed */
		plat_bytewise(pd->pit, PIT_NPORTS, dir, (uint32_t)(addr - PIT_BASE_PORT), size,
			      val, plat_pit_rd, plat_pit_wr);
	else
		rc = -ENODEV;
	pthread_rwlock_unlock(&pd->pit_lock);
	return rc;
}

/* Port 0x61 (AT "NMI status and control"): gate 2, speaker, refresh, OUT2. */
static int plat_port61_io(struct vmctx *ctx, int dir, uint64_t addr, int size, uint64_t *val,
			  void *arg)
{
	struct platform_devices *pd = arg;

	int rc = 0;

	pthread_rwlock_rdlock(&pd->pit_lock);
	if (pd->pit == NULL)
		rc = -ENODEV;
	else if (dir == ACRN_IOREQ_DIR_READ)
		*val = pit_port61_read(pd->pit) | (dm_io_ones(size) & ~0xffULL);
	else
		pit_port61_write(pd->pit, (uint8_t)*val);
	pthread_rwlock_unlock(&pd->pit_lock);
	return rc;
}

/* ---- ACPI PM registers and the reset register (ACPI 6.5 §4.8.3) ---- */

static void plat_pm_sci(void *arg, bool level)
{
	bool low = PLATFORM_SCI_ACTIVE_LOW ? level : !level;

	plat_irqline(arg, PLATFORM_SCI_GSI, low ? VMM_GSI_SET_LOW : VMM_GSI_SET_HIGH);
}

static void plat_pm_poweroff(void *arg)
{
	struct platform_devices *pd = arg;

	pr_info("guest entered S5: powering off");
	vm_request_stop(pd->ctx, VM_STOP_POWEROFF);
}

static void plat_pm_reset(void *arg)
{
	struct platform_devices *pd = arg;

	pr_info("guest wrote the reset register: resetting");
	vm_request_stop(pd->ctx, VM_STOP_RESET);
}

static void plat_pm_arm(void *arg, uint64_t when_ns)
{
	struct platform_devices *pd = arg;

	dm_timer_arm(&pd->pm_timer, when_ns);
}

static void plat_pm_cancel(void *arg)
{
	struct platform_devices *pd = arg;

	dm_timer_cancel(&pd->pm_timer);
}

static void plat_pm_fired(void *arg)
{
	struct platform_devices *pd = arg;

	acpi_pm_timer_fired(pd->pm);
}

static const struct acpi_pm_ops plat_pm_ops = {
	.now_ns = plat_now_ns,
	.sci_set = plat_pm_sci,
	.poweroff = plat_pm_poweroff,
	.reset = plat_pm_reset,
	.timer_arm = plat_pm_arm,
	.timer_cancel = plat_pm_cancel,
};

static int plat_pm_io(struct vmctx *ctx, int dir, uint64_t addr, int size, uint64_t *val,
		      void *arg)
{
	struct platform_devices *pd = arg;
	uint32_t v = (uint32_t)*val;
	int rc;

	if (size > 4)
		return -EINVAL;
	if (dir == ACRN_IOREQ_DIR_READ) {
		rc = acpi_pm_pio_read(pd->pm, (uint16_t)addr, (unsigned int)size, &v);
		*val = v;
	} else {
		rc = acpi_pm_pio_write(pd->pm, (uint16_t)addr, (unsigned int)size, v);
	}
	return rc;
}

/* ---- Life cycle ---- */

static int plat_register(struct platform_devices *pd, const char *name, uint32_t base,
			 uint32_t len, dm_io_handler_t fn, void *arg)
{
	int rc;

	if (pd->nranges == PLAT_MAX_RANGES)
		return -ENOSPC;
	rc = pio_register(pd->ctx, name, base, len, fn, arg);
	if (rc == 0) {
		pd->ranges[pd->nranges].base = base;
		pd->ranges[pd->nranges].len = len;
		pd->nranges++;
	}
	return rc;
}

static int plat_init_uarts(struct platform_devices *pd, char *err, size_t errlen)
{
	const struct dm_config *cfg = pd->ctx->cfg;
	int rc;

	for (unsigned int i = PLATFORM_NUARTS; i < DM_MAX_COM; i++)
		if (cfg->com[i].backend != DM_COM_NONE)
			pr_warn("com%u is not emulated (only com1 and com2): ignored", i + 1);
	for (unsigned int i = 0; i < PLATFORM_NUARTS; i++) {
		struct plat_uart *pu = &pd->uarts[i];

		if (cfg->com[i].backend == DM_COM_NONE)
			continue;
		rc = uart_create(&plat_uart_ops, pu, &pu->uart);
		if (rc == 0)
			rc = plat_uart_open_backend(pu, &cfg->com[i]);
		if (rc != 0) {
			dm_errf(err, errlen, "com%u: cannot open its back-end: %s", i + 1,
				 strerror(-rc));
			return rc;
		}
		rc = plat_register(pd, i == 0 ? "com1" : "com2", pu->port, UART_NREGS,
				   plat_uart_io, pu);
		if (rc == 0)
			rc = uart_backend_start(pu->be, pu->uart);
		if (rc != 0) {
			dm_errf(err, errlen, "com%u: %s", i + 1, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static int plat_init_rtc(struct platform_devices *pd)
{
	int rc;

	rc = dm_timer_init(&pd->rtc_timer, plat_rtc_fired, pd);
	/* Linux expects the RTC in UTC unless told otherwise. */
	if (rc == 0)
		rc = rtc_create(&plat_rtc_ops, pd, (int64_t)time(NULL), &pd->rtc);
	if (rc == 0)
		rc = rtc_set_memsize(pd->rtc, pd->ctx->lowmem, pd->ctx->highmem);
	if (rc == 0)
		rc = plat_register(pd, "rtc", RTC_BASE_PORT, RTC_NPORTS, plat_rtc_io, pd);
	return rc;
}

static int plat_init_pit(struct platform_devices *pd)
{
	int rc;

	rc = dm_timer_init(&pd->pit_timer, plat_pit_fired, pd);
	if (rc == 0)
		rc = pit_create(&plat_pit_ops, pd, &pd->pit);
	if (rc == 0)
		rc = plat_register(pd, "pit", PIT_BASE_PORT, PIT_NPORTS, plat_pit_io, pd);
	if (rc == 0)
		rc = plat_register(pd, "port61", PIT_PORT_61, 1, plat_port61_io, pd);
	return rc;
}

static int plat_init_pm(struct platform_devices *pd)
{
	int rc;

	rc = dm_timer_init(&pd->pm_timer, plat_pm_fired, pd);
	if (rc == 0)
		rc = acpi_pm_create(NULL, &plat_pm_ops, pd, &pd->pm);
	if (rc == 0)
		rc = plat_register(pd, "pm1a_evt", ACPI_PM1A_EVT_ADDR, ACPI_PM1_EVT_LEN,
				   plat_pm_io, pd);
	if (rc == 0)
		rc = plat_register(pd, "pm1a_cnt", ACPI_PM1A_CNT_ADDR, ACPI_PM1_CNT_LEN,
				   plat_pm_io, pd);
	if (rc == 0)
		rc = plat_register(pd, "pm_tmr", ACPI_PM_TMR_ADDR, ACPI_PM_TMR_LEN, plat_pm_io, pd);
	if (rc == 0)
		rc = plat_register(pd, "reset", ACPI_RESET_ADDR, 1, plat_pm_io, pd);
	/* The SCI is active low: its idle electrical level is high. */
	if (rc == 0)
		plat_pm_sci(pd, false);
	return rc;
}

int platform_devices_init(struct vmctx *ctx, char *err, size_t errlen)
{
	struct platform_devices *pd;
	int rc;

	if (ctx->platform != NULL)
		return -EEXIST;
	pd = calloc(1, sizeof(*pd));
	if (pd == NULL)
		return -ENOMEM;
	pd->ctx = ctx;
	pthread_rwlock_init(&pd->pit_lock, NULL);
	for (unsigned int i = 0; i < PLATFORM_NUARTS; i++) {
		pd->uarts[i].pd = pd;
		pd->uarts[i].port = plat_com[i].port;
		pd->uarts[i].irq = plat_com[i].irq;
		pd->uarts[i].tty_fd = -1;
	}
	ctx->platform = pd;

	rc = plat_init_uarts(pd, err, errlen);
	if (rc != 0)
		goto fail;
	rc = plat_init_rtc(pd);
	if (rc == 0)
		rc = plat_init_pit(pd);
	if (rc == 0)
		rc = plat_init_pm(pd);
	if (rc != 0) {
		dm_errf(err, errlen, "cannot create the platform devices: %s", strerror(-rc));
		goto fail;
	}
	return 0;
fail:
	platform_devices_deinit(ctx);
	return rc;
}

int platform_devices_power_button(struct vmctx *ctx)
{
	struct platform_devices *pd = ctx->platform;

	if (pd == NULL || pd->pm == NULL)
		return -ENODEV;
	acpi_pm_press_power_button(pd->pm);
	return 0;
}

void platform_devices_reset(struct vmctx *ctx)
{
	struct platform_devices *pd = ctx->platform;
	struct pit_8254 *pit = NULL;

	if (pd == NULL)
		return;
	for (unsigned int i = 0; i < PLATFORM_NUARTS; i++)
		if (pd->uarts[i].uart != NULL)
			uart_reset(pd->uarts[i].uart);
	if (pd->pm != NULL)
		acpi_pm_reset(pd->pm);
	/*
	 * The 8254 has no reset input: re-create it.  Stop its timer first,
	 * without pit_lock (the callback takes it), then swap under the lock.
	 */
	dm_timer_deinit(&pd->pit_timer);
	pthread_rwlock_wrlock(&pd->pit_lock);
	pit_destroy(pd->pit);
	pd->pit = NULL;
	if (dm_timer_init(&pd->pit_timer, plat_pit_fired, pd) == 0 &&
	    pit_create(&plat_pit_ops, pd, &pit) == 0)
		pd->pit = pit;
	pthread_rwlock_unlock(&pd->pit_lock);
	if (pd->pit == NULL) {
		pr_err("cannot re-create the PIT after reset");
		vm_request_stop(ctx, VM_STOP_ERROR);
	}
}

void platform_devices_deinit(struct vmctx *ctx)
{
	struct platform_devices *pd = ctx->platform;

	if (pd == NULL)
		return;
	while (pd->nranges > 0) {
		pd->nranges--;
		pio_unregister(ctx, pd->ranges[pd->nranges].base, pd->ranges[pd->nranges].len);
	}
	/* No callback may run once the devices are gone. */
	dm_timer_deinit(&pd->rtc_timer);
	dm_timer_deinit(&pd->pit_timer);
	dm_timer_deinit(&pd->pm_timer);
	acpi_pm_destroy(pd->pm);
	pit_destroy(pd->pit);
	rtc_destroy(pd->rtc);
	for (unsigned int i = 0; i < PLATFORM_NUARTS; i++) {
		struct plat_uart *pu = &pd->uarts[i];

		/* The back-end thread pushes into the UART: stop it first. */
		uart_backend_close(pu->be);
		uart_destroy(pu->uart);
		if (pu->tty_fd >= 0)
			close(pu->tty_fd);
	}
	pthread_rwlock_destroy(&pd->pit_lock);
	free(pd);
	ctx->platform = NULL;
}

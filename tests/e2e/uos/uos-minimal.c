/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * uos-minimal: the User VM test client of issue #4.  It creates a VM through
 * the VHM (/dev/acrn_vhm), loads payload.S into 2 MiB of guest RAM, starts it
 * in real mode and serves its I/O requests, checking each one (type,
 * direction, address, size, value) against the sequence the payload is known
 * to produce (uos-proto.h).  The values it returns are checked by the guest,
 * which reports mismatches on a port.  One "PASS uos-minimal/<check>" or
 * "FAIL uos-minimal/<check>: reason" line per check, then "SUMMARY: N passed,
 * M failed"; exit status 1 on any failure.  Run with --help for the modes.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <linux/acrn.h>

#include "uos-minimal.h"
#include "uos-proto.h"

/* The payload image, from payload-blob.S (.incbin of payload.bin). */
extern const uint8_t uos_payload_start[];
extern const uint8_t uos_payload_end[];

#define UOS_SEQ_MAX		48
#define UOS_FAKE_DIR		"/sys/kernel/debug/acrn_vhm_fake/"

enum uos_act { ACT_NONE, ACT_IRQ, ACT_MSI, ACT_HOLD, ACT_DONE };

/* One expected request; @value is what a write must carry or a read returns. */
struct uos_expect {
	const char *name;
	uint32_t type, dir;
	uint64_t addr;
	uint32_t bdf, size;
	uint64_t value;
	uint32_t count;		/* 1: once; N: N times in a row; 0: until the end */
	bool any_value;		/* a measurement: recorded, not compared */
	enum uos_act act;
};

struct uos_opts {
	unsigned int timeout_s;
	unsigned int irq_delay_ms;
	unsigned int loop;
	unsigned int bench_iters;
	uint64_t cpu_affinity;
	const char *corrupt;	/* UOS_CORRUPT: flip bit 0 of this entry's replies */
	bool bench, hold, ring3, plumbing, quiet, create_only;
	const struct uos_vmm_ops *ops;
};

/* State of one run. */
struct uos_run {
	const struct uos_opts *o;
	struct uos_vm *vm;
	struct uos_expect seq[UOS_SEQ_MAX];
	size_t nseq, pos;
	uint32_t rep;
	bool done, entry_failed;
	uint32_t done_value;
	uint32_t failval[4];
	unsigned int nfailval;
	uint32_t results[8];
	unsigned int nresults;
	struct timespec last;
};

static int uos_passed, uos_failed;
static volatile sig_atomic_t uos_stop_req;

/* ------------------------------------------------------------------ */
/* Shared by the backends (uos-vhm.c, uos-kvm.c)                       */

void *uos_vm_alloc(size_t size, const struct uos_vm_config *cfg, int *err)
{
	void *vm;

	if (cfg->payload_len > UOS_PAYLOAD_MAX) {
		*err = -E2BIG;
		return NULL;
	}
	vm = calloc(1, size);
	if (!vm)
		*err = -ENOMEM;
	return vm;
}

int uos_ram_map(void **ram, const struct uos_vm_config *cfg, int mmap_flags)
{
	void *p = mmap(NULL, UOS_RAM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | mmap_flags, -1, 0);

	if (p == MAP_FAILED) {
		*ram = NULL;
		return -ENOMEM;
	}
	memcpy((uint8_t *)p + UOS_LOAD_GPA, cfg->payload, cfg->payload_len);
	*ram = p;
	return 0;
}

void uos_ram_unmap(void *ram)
{
	if (ram)
		munmap(ram, UOS_RAM_SIZE);
}

/* ------------------------------------------------------------------ */

static void uos_vreport(bool ok, bool quiet, const char *check, const char *fmt, va_list ap)
{
	char detail[512] = "";

	if (fmt)
		vsnprintf(detail, sizeof(detail), fmt, ap);
	if (ok) {
		uos_passed++;
		if (quiet)
			return;
		if (detail[0])
			printf("PASS uos-minimal/%s (%s)\n", check, detail);
		else
			printf("PASS uos-minimal/%s\n", check);
	} else {
		uos_failed++;
		printf("FAIL uos-minimal/%s: %s\n", check, detail[0] ? detail : "failed");
	}
	fflush(stdout);
}

/* One check line; @fmt is the detail (PASS) or the reason (FAIL). */
static bool uos_check(const struct uos_opts *o, bool ok, const char *check, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	uos_vreport(ok, o && o->quiet, check, fmt, ap);
	va_end(ap);
	return ok;
}

static const char *uos_type_name(uint32_t t)
{
	switch (t) {
	case ACRN_IOREQ_TYPE_PORTIO: return "pio";
	case ACRN_IOREQ_TYPE_MMIO: return "mmio";
	case ACRN_IOREQ_TYPE_PCICFG: return "pcicfg";
	}
	return "bad";
}

static void uos_format_req(char *buf, size_t len, const struct uos_req *r)
{
	if (r->type == ACRN_IOREQ_TYPE_PCICFG)
		snprintf(buf, len, "pcicfg %s %02x:%02x.%x reg %#llx size %u value %#llx",
			 r->dir ? "write" : "read", r->bdf >> 8, (r->bdf >> 3) & 0x1F, r->bdf & 7,
			 (unsigned long long)r->addr, r->size, (unsigned long long)r->value);
	else
		snprintf(buf, len, "%s %s %#llx size %u value %#llx", uos_type_name(r->type),
			 r->dir ? "write" : "read", (unsigned long long)r->addr, r->size,
			 (unsigned long long)r->value);
}

/* ------------------------------------------------------------------------ */
/* The sequence the payload produces (payload.S, in program order).         */

static void uos_add(struct uos_run *run, struct uos_expect e)
{
	if (run->nseq < UOS_SEQ_MAX)
		run->seq[run->nseq++] = e;
}

#define UOS_PIO(n, d, p, s, v) \
	(struct uos_expect){ .name = n, .type = ACRN_IOREQ_TYPE_PORTIO, .dir = d, .addr = p, \
			     .size = s, .value = v, .count = 1 }
#define UOS_MMIO(n, d, off, s, v) \
	(struct uos_expect){ .name = n, .type = ACRN_IOREQ_TYPE_MMIO, .dir = d, \
			     .addr = UOS_MMIO_BASE + (off), .size = s, .value = v, .count = 1 }
#define UOS_PCI(n, d, reg, s, v) \
	(struct uos_expect){ .name = n, .type = ACRN_IOREQ_TYPE_PCICFG, .dir = d, .addr = reg, \
			     .bdf = UOS_PCI_DEV << 3, .size = s, .value = v, .count = 1 }
#define UOS_STEP(n, v)	UOS_PIO(n, ACRN_IOREQ_DIR_WRITE, UOS_PORT_STEP, 4, v)
#define W		ACRN_IOREQ_DIR_WRITE
#define R		ACRN_IOREQ_DIR_READ

static void uos_build_seq(struct uos_run *run)
{
	const struct uos_opts *o = run->o;
	struct uos_expect e;

	run->nseq = 0;
	uos_add(run, UOS_STEP("step_real_mode", UOS_STEP_REAL));
	uos_add(run, UOS_STEP("step_protected_mode", UOS_STEP_PROT));
	uos_add(run, UOS_STEP("step_long_mode", UOS_STEP_LONG));
	if (o->hold) {
		e = UOS_STEP("step_hold", UOS_STEP_HOLD);
		e.act = ACT_HOLD;
		uos_add(run, e);
		e = UOS_PIO("hold_heartbeat", W, UOS_PORT_HOLD, 4, 0);
		e.count = 0;
		e.any_value = true;
		uos_add(run, e);
		return;
	}
	uos_add(run, UOS_PIO("pio_out8", W, UOS_PORT_DATA, 1, UOS_OUT8));
	uos_add(run, UOS_PIO("pio_out16", W, UOS_PORT_DATA, 2, UOS_OUT16));
	uos_add(run, UOS_PIO("pio_out32", W, UOS_PORT_DATA, 4, UOS_OUT32));
	uos_add(run, UOS_PIO("pio_in8", R, UOS_PORT_DATA, 1, UOS_IN8));
	uos_add(run, UOS_PIO("pio_in16", R, UOS_PORT_DATA, 2, UOS_IN16));
	uos_add(run, UOS_PIO("pio_in32", R, UOS_PORT_DATA, 4, UOS_IN32));
	uos_add(run, UOS_MMIO("mmio_write8", W, UOS_MMIO_OFF_W8, 1, UOS_MMIO_W8));
	uos_add(run, UOS_MMIO("mmio_write16", W, UOS_MMIO_OFF_W16, 2, UOS_MMIO_W16));
	uos_add(run, UOS_MMIO("mmio_write32", W, UOS_MMIO_OFF_W32, 4, UOS_MMIO_W32));
	uos_add(run, UOS_MMIO("mmio_write64", W, UOS_MMIO_OFF_W64, 8, UOS_MMIO_W64));
	uos_add(run, UOS_MMIO("mmio_read8", R, UOS_MMIO_OFF_R8, 1, UOS_MMIO_R8));
	uos_add(run, UOS_MMIO("mmio_read16", R, UOS_MMIO_OFF_R16, 2, UOS_MMIO_R16));
	uos_add(run, UOS_MMIO("mmio_read32", R, UOS_MMIO_OFF_R32, 4, UOS_MMIO_R32));
	uos_add(run, UOS_MMIO("mmio_read64", R, UOS_MMIO_OFF_R64, 8, UOS_MMIO_R64));
	/* 0xCF8 is answered by the VHM; 0xCFC-0xCFF arrive folded as PCICFG. */
	uos_add(run, UOS_PCI("pcicfg_read32", R, 0, 4, UOS_PCI_ID));
	uos_add(run, UOS_PCI("pcicfg_read16", R, 2, 2, UOS_PCI_DEVICE));
	uos_add(run, UOS_PCI("pcicfg_write16", W, 4, 2, UOS_PCI_CMD_WRITE));
	e = UOS_STEP("step_wait_irq", UOS_STEP_WAIT_IRQ);
	e.act = ACT_IRQ;
	uos_add(run, e);
	uos_add(run, UOS_STEP("irqline_woke_hlt", UOS_STEP_GOT_IRQ));
	e = UOS_STEP("step_wait_msi", UOS_STEP_WAIT_MSI);
	e.act = ACT_MSI;
	uos_add(run, e);
	uos_add(run, UOS_STEP("msi_woke_hlt", UOS_STEP_GOT_MSI));
	uos_add(run, UOS_STEP("step_vmcall", UOS_STEP_VMCALL));
	/* A User VM's VMCALL: -EPERM in RAX (the guest checks all 64 bits). */
	uos_add(run, UOS_PIO("user_vm_vmcall_api_version_refused", W, UOS_PORT_RESULT, 4, 0xFFFFFFFF));
	uos_add(run, UOS_PIO("user_vm_vmcall_create_vm_refused", W, UOS_PORT_RESULT, 4, 0xFFFFFFFF));
	if (o->bench) {
		uos_add(run, UOS_STEP("step_bench", UOS_STEP_BENCH));
		e = UOS_PIO("bench_inl", R, UOS_PORT_BENCH, 4, UOS_BENCH_REPLY);
		e.count = o->bench_iters;
		uos_add(run, e);
		for (int i = 0; i < 4; i++) {
			e = UOS_PIO("bench_result", W, UOS_PORT_RESULT, 4, 0);
			e.any_value = true;
			uos_add(run, e);
		}
	}
	e = UOS_PIO("guest_done", W, UOS_PORT_DONE, 4, 0);
	e.any_value = true;
	e.act = ACT_DONE;
	uos_add(run, e);
}

/* ------------------------------------------------------------------------ */
/* Serving requests.                                                        */

static const char *uos_guest_check_name(uint32_t id)
{
	static const char *const names[] = {
		[UOS_CHK_PE] = "cr0_pe", [UOS_CHK_LMA] = "efer_lma",
		[UOS_CHK_IN8] = "inb_value", [UOS_CHK_IN16] = "inw_value",
		[UOS_CHK_IN32] = "inl_value", [UOS_CHK_MMIO8] = "mmio_read8_value",
		[UOS_CHK_MMIO16] = "mmio_read16_value", [UOS_CHK_MMIO32] = "mmio_read32_value",
		[UOS_CHK_MMIO64] = "mmio_read64_value", [UOS_CHK_PCI_ID] = "pcicfg_read32_value",
		[UOS_CHK_PCI_DEVICE] = "pcicfg_read16_value", [UOS_CHK_LAPIC_ID] = "lapic_id",
		[UOS_CHK_LAPIC_VER] = "lapic_version", [UOS_CHK_LAPIC_SVR] = "lapic_svr",
		[UOS_CHK_IOAPIC_PINS] = "ioapic_pins", [UOS_CHK_IOAPIC_RTE] = "ioapic_rte",
		[UOS_CHK_IRQ_COUNT] = "irq_count", [UOS_CHK_IRQ_NO_MSI] = "irq_without_msi",
		[UOS_CHK_MSI_COUNT] = "msi_count", [UOS_CHK_MSI_NO_IRQ] = "msi_without_irq",
		[UOS_CHK_VMCALL_API] = "vmcall_api_version", [UOS_CHK_VMCALL_CREATE] = "vmcall_create_vm",
		[UOS_CHK_BENCH_VALUE] = "bench_value",
	};

	if (id < sizeof(names) / sizeof(names[0]) && names[id])
		return names[id];
	if (id == UOS_CHK_UNEXPECTED_VEC)
		return "unexpected_interrupt";
	if (id >= UOS_CHK_EXCEPTION && id < UOS_CHK_EXCEPTION + 32)
		return "exception";
	return "unknown";
}

/* The guest reported a failed check: got/want came first on FAILVAL. */
static void uos_guest_fail(struct uos_run *run, uint32_t id)
{
	char check[64];
	uint64_t got = run->failval[0] | (uint64_t)run->failval[1] << 32;
	uint64_t want = run->failval[2] | (uint64_t)run->failval[3] << 32;

	snprintf(check, sizeof(check), "guest_%s", uos_guest_check_name(id));
	if (id >= UOS_CHK_EXCEPTION && id < UOS_CHK_EXCEPTION + 32)
		uos_check(run->o, false, check, "vector %u (CR2 %#llx): the guest stopped",
			  id - UOS_CHK_EXCEPTION, (unsigned long long)want);
	else if (run->nfailval == 4)
		uos_check(run->o, false, check, "guest check %#x: got %#llx, want %#llx", id,
			  (unsigned long long)got, (unsigned long long)want);
	else
		uos_check(run->o, false, check, "guest check %#x failed", id);
	run->nfailval = 0;
}

static bool uos_req_matches(const struct uos_expect *e, const struct uos_req *r)
{
	if (r->type != e->type || r->dir != e->dir || r->addr != e->addr || r->size != e->size)
		return false;
	if (e->type == ACRN_IOREQ_TYPE_PCICFG && r->bdf != e->bdf)
		return false;
	if (e->dir == ACRN_IOREQ_DIR_WRITE && !e->any_value && r->value != e->value)
		return false;
	return true;
}

static void uos_advance(struct uos_run *run)
{
	run->pos++;
	run->rep = 0;
	run->entry_failed = false;
}

/* Check @r against the sequence; sets the reply of a read; returns the action. */
static enum uos_act uos_expect_req(struct uos_run *run, struct uos_req *r)
{
	const struct uos_expect *e;
	char got[160];

	if (run->pos >= run->nseq) {
		uos_format_req(got, sizeof(got), r);
		uos_check(run->o, false, "no_request_after_done", "got %s", got);
		if (r->dir == ACRN_IOREQ_DIR_READ)
			r->value = ~0ULL;
		return ACT_NONE;
	}
	e = &run->seq[run->pos];
	if (r->dir == ACRN_IOREQ_DIR_READ) {
		r->value = e->value;	/* keep the guest going even on a mismatch */
		/* Self-test of the guest's checks: a wrong reply must be reported. */
		if (run->o->corrupt && strcmp(run->o->corrupt, e->name) == 0)
			r->value ^= 1;
	}
	if (!uos_req_matches(e, r)) {
		struct uos_req want = {
			.type = e->type, .dir = e->dir, .addr = e->addr, .bdf = e->bdf,
			.size = e->size, .value = e->value,
		};
		char wantbuf[160];

		uos_format_req(got, sizeof(got), r);
		uos_format_req(wantbuf, sizeof(wantbuf), &want);
		if (!run->entry_failed)
			uos_check(run->o, false, e->name, "request %u: got %s, want %s", run->rep + 1,
				  got, wantbuf);
		run->entry_failed = true;
		/* A repeated entry stays current; anything else moves on. */
		if (e->count == 1)
			uos_advance(run);
		return ACT_NONE;
	}
	if (e->type == ACRN_IOREQ_TYPE_PORTIO && e->addr == UOS_PORT_RESULT &&
	    run->nresults < sizeof(run->results) / sizeof(run->results[0]))
		run->results[run->nresults++] = (uint32_t)r->value;
	run->rep++;
	if (e->count == 0) {
		if (run->rep == 1)
			uos_check(run->o, true, e->name, "first one");
		return e->act;
	}
	if (run->rep < e->count)
		return e->act;
	if (!run->entry_failed) {
		uos_format_req(got, sizeof(got), r);
		if (e->count > 1)
			uos_check(run->o, true, e->name, "%u x %s", e->count, got);
		else
			uos_check(run->o, true, e->name, "%s", got);
	}
	enum uos_act act = e->act;

	uos_advance(run);
	return act;
}

static bool uos_is_guest_report(const struct uos_req *r, uint16_t port)
{
	return r->type == ACRN_IOREQ_TYPE_PORTIO && r->dir == ACRN_IOREQ_DIR_WRITE &&
	       r->addr == port && r->size == 4;
}

static void uos_sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Handle one request; returns false when the run cannot go on. */
static bool uos_serve(struct uos_run *run, struct uos_req *r)
{
	const struct uos_opts *o = run->o;
	enum uos_act act = ACT_NONE;
	int ret;

	if (r->type == UINT32_MAX) {
		uos_check(o, false, "request_well_formed", "slot %u held a malformed request", r->vcpu);
	} else if (uos_is_guest_report(r, UOS_PORT_FAILVAL)) {
		if (run->nfailval < 4)
			run->failval[run->nfailval] = (uint32_t)r->value;
		run->nfailval++;
	} else if (uos_is_guest_report(r, UOS_PORT_FAIL)) {
		uos_guest_fail(run, (uint32_t)r->value);
	} else {
		act = uos_expect_req(run, r);
		if (act == ACT_DONE) {
			run->done = true;
			run->done_value = (uint32_t)r->value;
		}
	}
	ret = o->ops->complete(run->vm, r);
	if (ret) {
		uos_check(o, false, "notify_request_finish", "%s", strerror(-ret));
		return false;
	}
	switch (act) {
	case ACT_IRQ:
		/* Let the guest reach HLT first: the interrupt must wake it. */
		uos_sleep_ms(o->irq_delay_ms);
		ret = o->ops->irqline(run->vm, UOS_IRQ_GSI, UOS_IRQLINE_RAISING_PULSE);
		if (ret)
			uos_check(o, false, "set_irqline", "gsi %u: %s", UOS_IRQ_GSI, strerror(-ret));
		else
			uos_check(o, true, "set_irqline", "gsi %u raising pulse", UOS_IRQ_GSI);
		break;
	case ACT_MSI:
		uos_sleep_ms(o->irq_delay_ms);
		ret = o->ops->msi(run->vm, UOS_MSI_ADDR, UOS_VEC_MSI);
		if (ret)
			uos_check(o, false, "inject_msi", "vector %#x: %s", UOS_VEC_MSI, strerror(-ret));
		else
			uos_check(o, true, "inject_msi", "vector %#x", UOS_VEC_MSI);
		break;
	case ACT_HOLD:
		printf("uos-minimal: holding vm %d\n", o->ops->vmid(run->vm));
		fflush(stdout);
		break;
	default:
		break;
	}
	return true;
}

static double uos_elapsed(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) + (double)(now.tv_nsec - since->tv_nsec) / 1e9;
}

/* Serve until DONE, a timeout, a fatal error or a stop request. */
static void uos_serve_loop(struct uos_run *run)
{
	const struct uos_opts *o = run->o;
	struct uos_req r;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &run->last);
	while (!run->done && !uos_stop_req) {
		ret = o->ops->next(run->vm, &r);
		if (ret == -EINTR) {
			if (uos_elapsed(&run->last) > o->timeout_s) {
				uos_check(o, false, "timeout", "no request for %u s, waiting for %s",
					  o->timeout_s, run->pos < run->nseq ? run->seq[run->pos].name : "nothing");
				return;
			}
			continue;
		}
		if (ret) {
			uos_check(o, false, "attach_ioreq_client", "%s", strerror(-ret));
			return;
		}
		clock_gettime(CLOCK_MONOTONIC, &run->last);
		if (!uos_serve(run, &r))
			return;
	}
}

/* ------------------------------------------------------------------------ */
/* The fake-hypervisor run: a thread plays the guest through debugfs.       */

struct uos_fake {
	struct uos_run *run;
	pthread_t thread;
	int failures;
};

static int uos_fake_inject(uint32_t type, uint32_t dir, uint64_t addr, uint32_t size, uint64_t value)
{
	char buf[128];
	FILE *f = fopen(UOS_FAKE_DIR "inject", "w");
	int ok;

	if (!f)
		return -errno;
	snprintf(buf, sizeof(buf), "0 %u %u %llx %u %llx", type, dir, (unsigned long long)addr,
		 size, (unsigned long long)value);
	ok = fputs(buf, f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -EIO;
}

/* Wait until the fake freed slot 0 (HC_NOTIFY_REQUEST_FINISH); its value. */
static int uos_fake_wait(struct uos_run *run, uint64_t *value)
{
	uint32_t state;

	for (int i = 0; i < 1000 && !uos_stop_req; i++) {
		if (uos_vhm_peek(run->vm, 0, &state, value))
			return -EINVAL;
		if (state == ACRN_IOREQ_STATE_FREE)
			return 0;
		uos_sleep_ms(5);
	}
	return -ETIMEDOUT;
}

static int uos_fake_one(struct uos_fake *f, uint32_t type, uint32_t dir, uint64_t addr,
			uint32_t size, uint64_t value, uint64_t *reply)
{
	int ret = uos_fake_inject(type, dir, addr, size, value);

	if (ret == 0)
		ret = uos_fake_wait(f->run, reply);
	if (ret)
		f->failures++;
	return ret;
}

/* Play one expected request as the guest would make it; check read replies. */
static void uos_fake_play(struct uos_fake *f, const struct uos_expect *e, uint32_t n)
{
	uint64_t reply = 0, v = e->dir == ACRN_IOREQ_DIR_WRITE ? e->value : 0;
	uint32_t cf8;

	if (e->any_value && e->addr == UOS_PORT_DONE)
		v = UOS_GUEST_CHECKS | UOS_GUEST_CHECKS << UOS_DONE_MAGIC_SHIFT;
	else if (e->any_value)
		v = n;
	if (e->type == ACRN_IOREQ_TYPE_PCICFG) {
		cf8 = 0x80000000U | e->bdf << 8 | ((uint32_t)e->addr & 0xFC);
		if (uos_fake_one(f, ACRN_IOREQ_TYPE_PORTIO, ACRN_IOREQ_DIR_WRITE, 0xCF8, 4, cf8, &reply))
			return;
		uos_fake_one(f, ACRN_IOREQ_TYPE_PORTIO, e->dir, 0xCFC + (e->addr & 3), e->size, v, &reply);
	} else {
		uos_fake_one(f, e->type, e->dir, e->addr, e->size, v, &reply);
	}
	if (e->dir == ACRN_IOREQ_DIR_READ && (reply & ((e->size == 8) ? ~0ULL : (1ULL << (8 * e->size)) - 1)) != e->value) {
		printf("FAIL uos-minimal/fake_guest_%s: reply %#llx, want %#llx\n", e->name,
		       (unsigned long long)reply, (unsigned long long)e->value);
		f->failures++;
	}
}

static void *uos_fake_thread(void *arg)
{
	struct uos_fake *f = arg;
	const struct uos_run *run = f->run;

	for (size_t i = 0; i < run->nseq && !uos_stop_req; i++) {
		const struct uos_expect *e = &run->seq[i];
		uint32_t n = e->count ? e->count : UINT32_MAX;

		for (uint32_t k = 0; k < n && !uos_stop_req; k++) {
			uos_fake_play(f, e, k);
			if (f->failures)
				return NULL;
			if (e->count == 0)
				uos_sleep_ms(10);	/* hold heartbeats */
		}
	}
	return NULL;
}

/* "key value" from the fake's stats; -1 when absent. */
static long long uos_fake_stat(const char *key, int base)
{
	char k[64], v[64];
	FILE *f = fopen(UOS_FAKE_DIR "stats", "r");
	long long ret = -1;

	if (!f)
		return -1;
	while (fscanf(f, "%63s %63s", k, v) == 2)
		if (strcmp(k, key) == 0) {
			ret = strtoll(v, NULL, base);
			break;
		}
	fclose(f);
	return ret;
}

/* ------------------------------------------------------------------------ */
/* One run: create, start, serve, check the end, destroy.                   */

static void uos_check_end(struct uos_run *run)
{
	const struct uos_opts *o = run->o;
	uint32_t want_pass = UOS_GUEST_CHECKS + (o->bench ? 1 : 0);
	uint32_t passed = run->done_value & 0xFFFF, total = run->done_value >> UOS_DONE_MAGIC_SHIFT;

	if (run->pos == run->nseq)
		uos_check(o, true, "every_request_seen", "%zu expected requests", run->nseq);
	else
		uos_check(o, false, "every_request_seen", "DONE came before %s", run->seq[run->pos].name);
	if (total == UOS_GUEST_CHECKS && passed == want_pass)
		uos_check(o, true, "guest_checks", "%u of %u passed in the guest", passed, want_pass);
	else
		uos_check(o, false, "guest_checks", "%u passed, want %u (guest total %u, client %u)",
			  passed, want_pass, total, UOS_GUEST_CHECKS);
	if (o->bench && run->nresults >= 6) {
		uint64_t empty = run->results[2] | (uint64_t)run->results[3] << 32;
		uint64_t inl = run->results[4] | (uint64_t)run->results[5] << 32;
		bool ok = inl > empty && o->bench_iters > 0;

		uos_check(o, ok, "bench_measured", "%u iterations: %llu with inl, %llu empty", o->bench_iters,
			  (unsigned long long)inl, (unsigned long long)empty);
		if (ok)
			printf("BENCH uos_inl_roundtrip %llu instructions\n",
			       (unsigned long long)((inl - empty) / o->bench_iters));
	}
}

static int uos_run_once(const struct uos_opts *o)
{
	static struct uos_run run;
	struct uos_fake fake = { .run = &run };
	struct uos_vm_config cfg = {
		.payload = uos_payload_start,
		.payload_len = (size_t)(uos_payload_end - uos_payload_start),
		.mode = (o->bench ? UOS_MODE_BENCH : 0) | (o->hold ? UOS_MODE_HOLD : 0),
		.bench_iters = o->bench_iters,
		.ioapic_pins = o->ops->ioapic_pins,
		.cpu_affinity = o->cpu_affinity,
	};
	int failed_before = uos_failed, ret;
	long long irq_before = -1, msi_before = -1;
	bool created;

	memset(&run, 0, sizeof(run));
	run.o = o;
	uos_build_seq(&run);
	ret = o->ops->create(&run.vm, &cfg);
	if (!uos_check(o, ret == 0, "create_vm", ret ? "%s" : "%s backend, vm %d, %zu-byte payload",
		       ret ? strerror(-ret) : o->ops->name, o->ops->vmid(run.vm), cfg.payload_len))
		goto out;
	if (o->plumbing) {
		irq_before = uos_fake_stat("irqline_last", 16);
		msi_before = uos_fake_stat("msi_count", 10);
	}
	ret = o->ops->start(run.vm);
	if (!uos_check(o, ret == 0, "start_vm", "%s", ret ? strerror(-ret) : ""))
		goto out;
	if (o->plumbing && pthread_create(&fake.thread, NULL, uos_fake_thread, &fake) != 0) {
		uos_check(o, false, "fake_guest_thread", "pthread_create failed");
		goto out;
	}
	uos_serve_loop(&run);
	if (o->plumbing) {
		uos_stop_req = uos_stop_req ? uos_stop_req : (run.done ? 0 : 1);
		pthread_join(fake.thread, NULL);
		uos_check(o, fake.failures == 0, "fake_guest_played_sequence", fake.failures ?
			  "%d injections failed or timed out" : "", fake.failures);
		if (!o->hold && run.done) {
			long long irq = uos_fake_stat("irqline_last", 16), msi = uos_fake_stat("msi_count", 10);

			uos_check(o, irq == (long long)(UOS_IRQ_GSI | (uint64_t)UOS_IRQLINE_RAISING_PULSE << 32),
				  "fake_saw_set_irqline", "last %#llx (before %#llx)", irq, irq_before);
			uos_check(o, msi == msi_before + 1 && uos_fake_stat("msi_last_data", 16) == UOS_VEC_MSI,
				  "fake_saw_inject_msi", "%lld MSIs (before %lld)", msi, msi_before);
		}
	}
	if (run.done)
		uos_check_end(&run);
	else if (!o->hold)
		uos_check(o, false, "guest_done", "the run ended before the guest's DONE");
out:
	/* DESTROY_VM is a check only for a VM that exists; the rest is cleanup. */
	created = o->ops->vmid(run.vm) >= 0;
	ret = o->ops->destroy(run.vm);
	if (created)
		uos_check(o, ret == 0, "destroy_vm", "%s", ret ? strerror(-ret) : "");
	return uos_failed == failed_before ? 0 : -1;
}

/*
 * A created, never started VM (what the hypervisor accepts SET_IOREQ_BUFFER
 * for): the negative IOREQ-buffer checks use its id.  Destroyed on SIGTERM,
 * or by the VHM when the process is killed.
 */
static void uos_create_only(const struct uos_opts *o)
{
	struct uos_vm *vm = NULL;
	struct uos_vm_config cfg = {
		.payload = uos_payload_start,
		.payload_len = (size_t)(uos_payload_end - uos_payload_start),
		.ioapic_pins = o->ops->ioapic_pins,
		.cpu_affinity = o->cpu_affinity,
	};
	int ret = o->ops->create(&vm, &cfg);

	if (ret)
		uos_check(o, false, "create_vm", "%s", strerror(-ret));
	else if (uos_check(o, true, "create_vm", "vm %d, not started", o->ops->vmid(vm))) {
		printf("uos-minimal: created vm %d\n", o->ops->vmid(vm));
		fflush(stdout);
		while (!uos_stop_req)
			pause();	/* the 250 ms alarm wakes it */
	}
	ret = o->ops->destroy(vm);
	uos_check(o, ret == 0, "destroy_vm", "%s", ret ? strerror(-ret) : "");
}

/* ------------------------------------------------------------------------ */
/* Ring 3 VMCALL: the hypervisor must inject #GP (SIGSEGV), not serve it.   */

static sigjmp_buf uos_trap_jmp;
static volatile sig_atomic_t uos_trap_sig, uos_trap_code;

static void uos_trap(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	uos_trap_sig = sig;
	uos_trap_code = si->si_code;
	siglongjmp(uos_trap_jmp, 1);
}

static void uos_ring3_vmcall(const struct uos_opts *o, const char *check, unsigned long id)
{
	struct sigaction sa, old_segv, old_ill;
	volatile long ret = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = uos_trap;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGILL, &sa, &old_ill);
	uos_trap_sig = 0;
	if (sigsetjmp(uos_trap_jmp, 1) == 0) {
		register unsigned long r8 __asm__("r8") = id;
		long rax;

		/* A harmless request: a scratch buffer address that is not ours. */
		__asm__ volatile("vmcall" : "=a"(rax) : "r"(r8), "D"(0x1000UL), "S"(0UL) : "memory");
		ret = rax;
	}
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGILL, &old_ill, NULL);
	if (uos_trap_sig == SIGSEGV)
		uos_check(o, true, check, "SIGSEGV (#GP), si_code %d", (int)uos_trap_code);
	else if (uos_trap_sig == SIGILL)
		uos_check(o, false, check, "SIGILL (#UD): no hypervisor handled the VMCALL");
	else
		uos_check(o, false, check, "VMCALL from ring 3 returned %ld", ret);
}

/* ------------------------------------------------------------------------ */

static void uos_on_alarm(int sig)
{
	(void)sig;	/* only interrupts the blocking wait */
}

static void uos_on_stop(int sig)
{
	(void)sig;
	uos_stop_req = 1;
}

static void uos_signals(void)
{
	struct sigaction sa;
	struct itimerval it = { .it_interval = { 0, 250000 }, .it_value = { 0, 250000 } };

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = uos_on_alarm;	/* no SA_RESTART: the ioctl returns EINTR */
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = uos_on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

static void uos_usage(FILE *f)
{
	fprintf(f,
		"usage: uos-minimal [options]\n"
		"Creates a User VM through /dev/acrn_vhm, runs the payload and checks every request.\n"
		"  (no option)          one run with every check\n"
		"  --loop N             create, run and destroy the VM N times (one summary line)\n"
		"  --bench              add the timed inl loop: BENCH uos_inl_roundtrip N instructions\n"
		"  --iters N            benchmark iterations (default 1000, max %u)\n"
		"  --hold               reach long mode, then heartbeat until killed (kill tests)\n"
		"  --create-only        create the VM (RAM, registers, IOREQ client), do not start it;\n"
		"                       print \"uos-minimal: created vm N\" and wait until killed\n"
		"  --ring3-vmcall       only check that VMCALL from ring 3 raises SIGSEGV\n"
		"  --plumbing-only      against the VHM's fake hypervisor (kernel-modules/vhm/tests):\n"
		"                       a thread plays the guest through its debugfs inject file\n"
		"  --kvm                run the payload under Linux KVM instead (proves the payload)\n"
		"  --timeout S          fail when no request arrives for S seconds (default 10)\n"
		"  --irq-delay MS       wait before injecting an interrupt (default 20)\n"
		"  --cpu-affinity MASK  CREATE_VM cpu_affinity (default 0x1: pCPU 0, shared with the\n"
		"                       Service VM; 0 lets the hypervisor use its dedicated pCPUs)\n"
		"  --quiet              print only FAIL lines and the summary\n"
		"  --help               this text\n"
		"Environment: UOS_CORRUPT=<request name> flips bit 0 of that read's reply\n"
		"(self-test: the guest must report it, e.g. UOS_CORRUPT=pio_in8).\n"
		"Output: PASS uos-minimal/<check> or FAIL uos-minimal/<check>: reason, one per line,\n"
		"then SUMMARY: N passed, M failed.  Exit status 1 on any failure.\n",
		UOS_BENCH_ITERS_MAX);
}

static bool uos_parse_uint(const char *s, unsigned long long max, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno == 0 && end != s && *end == '\0' && *v <= max;
}

static int uos_parse(int argc, char **argv, struct uos_opts *o)
{
	static const struct option longopts[] = {
		{ "loop", required_argument, NULL, 'l' }, { "bench", no_argument, NULL, 'b' },
		{ "iters", required_argument, NULL, 'n' }, { "hold", no_argument, NULL, 'H' },
		{ "ring3-vmcall", no_argument, NULL, '3' }, { "plumbing-only", no_argument, NULL, 'p' },
		{ "kvm", no_argument, NULL, 'k' }, { "create-only", no_argument, NULL, 'c' }, { "timeout", required_argument, NULL, 't' },
		{ "irq-delay", required_argument, NULL, 'd' },
		{ "cpu-affinity", required_argument, NULL, 'a' }, { "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	unsigned long long v;
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (!uos_parse_uint(optarg, 100000, &v) || v == 0)
				return -EINVAL;
			o->loop = (unsigned int)v;
			break;
		case 'b': o->bench = true; break;
		case 'n':
			if (!uos_parse_uint(optarg, UOS_BENCH_ITERS_MAX, &v) || v == 0)
				return -EINVAL;
			o->bench_iters = (unsigned int)v;
			break;
		case 'H': o->hold = true; break;
		case '3': o->ring3 = true; break;
		case 'p': o->plumbing = true; break;
		case 'c': o->create_only = true; break;
		case 'k': o->ops = &uos_kvm_ops; break;
		case 't':
			if (!uos_parse_uint(optarg, 3600, &v) || v == 0)
				return -EINVAL;
			o->timeout_s = (unsigned int)v;
			break;
		case 'd':
			if (!uos_parse_uint(optarg, 10000, &v))
				return -EINVAL;
			o->irq_delay_ms = (unsigned int)v;
			break;
		case 'a':
			if (!uos_parse_uint(optarg, ~0ULL, &v))
				return -EINVAL;
			o->cpu_affinity = v;
			break;
		case 'q': o->quiet = true; break;
		case 'h': uos_usage(stdout); exit(0);
		default: return -EINVAL;
		}
	}
	if (optind != argc || (o->plumbing && (o->bench || o->ops == &uos_kvm_ops)) ||
	    (o->hold && (o->bench || o->loop)))
		return -EINVAL;
	return 0;
}

int main(int argc, char **argv)
{
	struct uos_opts o = {
		.timeout_s = 10, .irq_delay_ms = 20, .bench_iters = 1000, .ops = &uos_vhm_ops,
		.cpu_affinity = 0x1,
	};

	o.corrupt = getenv("UOS_CORRUPT");
	if (uos_parse(argc, argv, &o)) {
		uos_usage(stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	uos_signals();
	if (o.create_only) {
		uos_create_only(&o);
	} else if (o.ring3) {
		uos_ring3_vmcall(&o, "ring3_vmcall_get_api_version_gp", 0x80000000UL);
		uos_ring3_vmcall(&o, "ring3_vmcall_create_vm_gp", 0x80000010UL);
	} else if (o.loop) {
		unsigned int i, ok = 0;
		int failed_before = uos_failed, passed_before = uos_passed;
		struct uos_opts q = o;

		q.quiet = true;
		for (i = 0; i < o.loop && !uos_stop_req; i++) {
			if (uos_run_once(&q) != 0) {
				printf("uos-minimal: run %u of %u failed\n", i + 1, o.loop);
				break;
			}
			ok++;
		}
		/* The loop is one check; the quiet runs' own checks are not counted. */
		uos_passed = passed_before;
		uos_failed = failed_before;
		uos_check(&o, ok == o.loop, "create_destroy_loop", ok == o.loop ? "%u runs" :
			  "%u of %u runs passed", ok, o.loop);
	} else {
		uos_run_once(&o);
	}
	printf("SUMMARY: %d passed, %d failed\n", uos_passed, uos_failed);
	return uos_failed ? 1 : 0;
}

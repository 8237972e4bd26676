/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Host fakes for user_vm.c: see fake_hv.h for what is real and what is not.
 * Host-only code: it may use libc.
 */
#include <asm/prctl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fake_hv.h"
#include <arch/x86/ioapic.h>

#include <common/user_vm.h>

#include <common/vm.h>
#include <common/log.h>
#include <common/page_alloc.h>
#include <common/sched.h>
#include <common/service_vm.h>
#include <arch/x86/cpu.h>
#include <arch/x86/per_cpu.h>
#include <arch/x86/timer.h>
#include <arch/x86/guest/mmio_emul.h>
#include <arch/x86/guest/virq.h>
#include <arch/x86/guest/vmsr.h>
#include <lib/errno.h>
#include <lib/util.h>

struct fake_hv fake;
struct fake_mmio fake_mmio;
struct fake_string_io fake_string_io;
struct fake_virq fake_virq;
int fake_vmcs_init_ret;
bool fake_log_verbose;

struct per_cpu per_cpu_data[MAX_PCPUS];
uint32_t pcpu_count;

/* Static so that repeated init/fini (the fuzzer) costs no allocation. */
static uint8_t sos_ram_buf[FAKE_SOS_RAM_SIZE] __attribute__((aligned(2 << 20)));
static uint8_t hv_res_buf[FAKE_HV_RES_SIZE] __attribute__((aligned(2 << 20)));
static uint8_t ro_page_buf[PAGE_SIZE] __attribute__((aligned(4096)));

/* ------------------------------------------------------------------ */
/* Pages                                                               */

static long pages_out;
static unsigned page_fail_countdown;
static long page_budget = -1;
/* Every page handed out and not yet returned, so a page the code under test
 * leaks is still freed at fake_hv_fini() (the count is what the tests check;
 * LeakSanitizer would otherwise fail the whole binary). */
static void **reg;
static size_t reg_n, reg_cap;

void *page_alloc(void)
{
	void *p;

	if (page_fail_countdown != 0 && --page_fail_countdown == 0)
		return NULL;
	if (page_budget == 0)
		return NULL;
	if (page_budget > 0)
		page_budget--;
	if (reg_n == reg_cap) {
		reg_cap = reg_cap ? 2 * reg_cap : 256;
		reg = realloc(reg, reg_cap * sizeof(*reg));
		if (reg == NULL)
			abort();
	}
	p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	if (p == NULL)
		abort();
	memset(p, 0, PAGE_SIZE);
	reg[reg_n++] = p;
	pages_out++;
	return p;
}

void page_free(void *page)
{
	if (page == NULL)
		return;
	for (size_t i = 0; i < reg_n; i++) {
		if (reg[i] == page) {
			reg[i] = reg[--reg_n];
			pages_out--;
			free(page);
			return;
		}
	}
	fprintf(stderr, "fake: page_free(%p) of a page not allocated (double or foreign free)\n",
		page);
	abort();
}

long fake_pages_outstanding(void)
{
	return pages_out;
}

void fake_page_fail_at(unsigned n)
{
	page_fail_countdown = n;
}

void fake_page_limit(long n)
{
	page_budget = n;
}

/* ------------------------------------------------------------------ */
/* Log, time, upcall, MMIO, MSRs, VMCS                                 */

static unsigned log_lines;
static unsigned long udelay_calls;
static unsigned upcalls;

/* The last line printed, for tests that check what the hypervisor says. */
static char last_line[256];

/*
 * Weak: a test binary that links the real common/log.c (tests/unit/hv_log)
 * gets the real printk and panic, the log buffer it tests.
 */
__attribute__((weak)) void printk(int level, const char *fmt, ...)
{
	va_list ap;

	log_lines++;
	va_start(ap, fmt);
	vsnprintf(last_line, sizeof(last_line), fmt, ap);
	va_end(ap);
	if (fake_log_verbose)
		fprintf(stderr, "[%d] %s", level, last_line);
}

const char *fake_log_last(void)
{
	return last_line;
}

__attribute__((weak)) void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "PANIC: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	abort();
}

unsigned fake_log_lines(void)
{
	return log_lines;
}

void udelay(uint32_t us)
{
	udelay_calls++;
	fake_pcpus_run();
}

unsigned long fake_udelay_calls(void)
{
	return udelay_calls;
}

void service_vm_upcall(void)
{
	upcalls++;
}

unsigned fake_upcalls(void)
{
	return upcalls;
}

int mmio_emulate(struct vcpu *v, uint64_t gpa, bool is_write)
{
	fake_mmio.calls++;
	fake_mmio.v = v;
	fake_mmio.gpa = gpa;
	fake_mmio.is_write = is_write;
	return fake_mmio.ret;
}

int vcpu_string_io_finish(struct vcpu *v, uint32_t val)
{
	fake_string_io.calls++;
	fake_string_io.v = v;
	fake_string_io.val = val;
	v->io.str_active = false;
	return fake_string_io.ret;
}

/* As the real one: one page, everything intercepted but a few MSRs. */
int vmsr_setup_user_vm(struct vm *vm)
{
	vm->msr_bitmap = page_alloc();
	if (vm->msr_bitmap == NULL)
		return -ENOMEM;
	memset(vm->msr_bitmap, 0xFF, PAGE_SIZE);
	return 0;
}

#define FAKE_VMCS_SLOTS 8
static struct { uint32_t field; uint64_t val; } vmcs_vals[FAKE_VMCS_SLOTS];
static unsigned vmcs_nvals;

void fake_vmcs_set(uint32_t f, uint64_t v)
{
	for (unsigned i = 0; i < vmcs_nvals; i++) {
		if (vmcs_vals[i].field == f) {
			vmcs_vals[i].val = v;
			return;
		}
	}
	if (vmcs_nvals < FAKE_VMCS_SLOTS) {
		vmcs_vals[vmcs_nvals].field = f;
		vmcs_vals[vmcs_nvals++].val = v;
	}
}

uint64_t vmcs_read(enum vmcs_field f)
{
	for (unsigned i = 0; i < vmcs_nvals; i++)
		if (vmcs_vals[i].field == (uint32_t)f)
			return vmcs_vals[i].val;
	return 0;
}

void vmcs_write(enum vmcs_field f, uint64_t v)
{
	fake_vmcs_set((uint32_t)f, v);
}

static unsigned intr_shadow_ends;

void vmcs_end_intr_shadow(void)
{
	intr_shadow_ends++;
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY,
		   vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) & ~(uint64_t)(INTR_BLOCK_STI | INTR_BLOCK_MOVSS));
}

unsigned fake_intr_shadow_ends(void)
{
	return intr_shadow_ends;
}

/* ------------------------------------------------------------------ */
/* Virtual interrupt controllers (arch/x86/guest/virq.h)               */

/*
 * The fakes keep the contract of virq.c where user_vm.c relies on it: no
 * controllers without vm->virt_irq, none twice, a vLAPIC only once the VM
 * has controllers, and nothing claimed, pending or injected for a VM (or
 * vCPU) without them.  vm->virq is one page of the fake allocator, so a
 * VM freed without virq_vm_deinit() shows as a leaked page.
 */
int virq_vm_init(struct vm *vm)
{
	void *q;

	fake_virq.vm_init_calls++;
	fake_virq.vm_init_vm = vm;
	if (!vm->virt_irq || vm->virq != NULL)
		return -EINVAL;
	if (fake_virq.vm_init_ret != 0)
		return fake_virq.vm_init_ret;
	q = page_alloc();
	if (q == NULL)
		return -ENOMEM;
	vm->virq = q;
	fake_virq.vm_inits++;
	return 0;
}

void virq_vm_deinit(struct vm *vm)
{
	fake_virq.vm_deinits++;
	fake_virq.vm_deinit_vm = vm;
	if (vm->virq == NULL)
		return;
	for (uint32_t i = 0; i < vm->vcpu_count; i++)
		vm->vcpus[i]->virq = NULL;
	page_free(vm->virq);
	vm->virq = NULL;
}

int virq_vcpu_init(struct vcpu *v)
{
	fake_virq.vcpu_init_calls++;
	if (!v->vm->virt_irq || v->vm->virq == NULL || v->virq != NULL)
		return -EINVAL;
	if (fake_virq.vcpu_init_fail_at != 0 && --fake_virq.vcpu_init_fail_at == 0)
		return fake_virq.vcpu_init_err != 0 ? fake_virq.vcpu_init_err : -ENOMEM;
	v->virq = v->vm->virq;		/* a marker: the fake keeps no per-vCPU state */
	fake_virq.vcpu_inits++;
	return 0;
}

bool fake_virq_vm_live(const struct vm *vm)
{
	return vm->virq != NULL;
}

/* What each virq_pio() / virq_mmio() call leaves for the tests: fake_virq.<kind>_*. */
#define FAKE_VIRQ_RECORD(kind, v, where_field, where, size, write, val)	\
	do {								\
		fake_virq.kind##_calls++;				\
		fake_virq.kind##_vcpu = (v);				\
		fake_virq.kind##_last_##where_field = (where);		\
		fake_virq.kind##_last_size = (size);			\
		fake_virq.kind##_last_write = (write);			\
		fake_virq.kind##_last_val = (val);			\
	} while (0)

int virq_pio(struct vcpu *v, uint16_t port, unsigned size, bool write, uint32_t *val)
{
	FAKE_VIRQ_RECORD(pio, v, port, port, size, write, *val);
	if (v->vm->virq == NULL || !fake_virq.pio_claim || port != fake_virq.pio_port)
		return -ENOENT;
	fake_virq.pio_claimed++;
	if (!write)
		*val = fake_virq.pio_read_val;
	return 0;
}

int virq_mmio(struct vcpu *v, uint64_t gpa, unsigned size, bool write, uint64_t *val)
{
	FAKE_VIRQ_RECORD(mmio, v, gpa, gpa, size, write, *val);
	if (v->virq == NULL || !fake_virq.mmio_claim || gpa < fake_virq.mmio_base ||
	    gpa - fake_virq.mmio_base >= fake_virq.mmio_size)
		return -ENOENT;
	fake_virq.mmio_claimed++;
	if (!write)
		*val = fake_virq.mmio_read_val;
	return 0;
}

bool virq_halt_wake(struct vcpu *v, bool if_set)
{
	fake_virq.pending_calls++;
	fake_virq.pending_vcpu = v;
	return v->virq != NULL && (fake_virq.nmi || (if_set && fake_virq.pending));
}

bool virq_pending(struct vcpu *v)
{
	return virq_halt_wake(v, true);
}

int virq_set_irqline(struct vm *vm, uint32_t gsi, uint32_t op)
{
	fake_virq.irqline_calls++;
	fake_virq.irqline_vm = vm;
	fake_virq.irqline_gsi = gsi;
	fake_virq.irqline_op = op;
	fake_virq.irqline_logical = false;
	return vm->virq == NULL ? -EINVAL : fake_virq.irqline_ret;
}

/* Recorded like virq_set_irqline() (asserted as SET_HIGH), flagged as logical. */
int virq_set_gsi_asserted(struct vm *vm, uint32_t gsi, bool asserted)
{
	int rc = virq_set_irqline(vm, gsi, asserted ? ACRN_HC_IRQLINE_SET_HIGH : ACRN_HC_IRQLINE_SET_LOW);

	fake_virq.irqline_logical = true;
	return rc;
}

uint32_t fake_ioapic_masked;
unsigned fake_ioapic_calls;

int ioapic_set_gsi_masked(uint32_t gsi, bool masked)
{
	fake_ioapic_calls++;
	if (gsi >= FAKE_IOAPIC_PINS)
		return -EINVAL;
	if (masked)
		fake_ioapic_masked |= 1U << gsi;
	else
		fake_ioapic_masked &= ~(1U << gsi);
	return 0;
}

int virq_inject_msi(struct vm *vm, uint64_t addr, uint64_t data)
{
	fake_virq.msi_calls++;
	fake_virq.msi_vm = vm;
	fake_virq.msi_addr = addr;
	fake_virq.msi_data = data;
	return vm->virq == NULL ? -EINVAL : fake_virq.msi_ret;
}

/* ------------------------------------------------------------------ */
/* vCPUs                                                               */

struct vcpu_info {
	const struct vcpu *v;
	unsigned entries, inits, skips, sipis;
	bool has_state;
	struct vcpu_boot_state last;
};

#define MAX_INFOS (MAX_VMS * MAX_VCPUS_PER_VM)
static struct vcpu_info infos[MAX_INFOS];

static struct vcpu_info *info_of(const struct vcpu *v)
{
	for (unsigned i = 0; i < MAX_INFOS; i++)
		if (infos[i].v == v)
			return &infos[i];
	return NULL;
}

static uint16_t next_vpid = 1;

struct vcpu *vcpu_alloc(struct vm *vm, uint32_t pcpu)
{
	struct vcpu_info *info = info_of(NULL);
	struct vcpu *v;

	if (vm->vcpu_count >= MAX_VCPUS_PER_VM || info == NULL)
		return NULL;
	v = page_alloc();
	if (v == NULL)
		return NULL;
	v->vmcs = page_alloc();
	if (v->vmcs == NULL) {
		page_free(v);
		return NULL;
	}
	v->vm = vm;
	v->id = vm->vcpu_count;
	v->pcpu = pcpu;
	v->vpid = next_vpid++;
	memset(info, 0, sizeof(*info));
	info->v = v;
	vm->vcpus[vm->vcpu_count++] = v;
	return v;
}

int vcpu_init_vmcs(struct vcpu *v, const struct vcpu_boot_state *st)
{
	struct vcpu_info *info = info_of(v);

	if (info != NULL) {
		info->inits++;
		info->last = *st;
		info->has_state = true;
	}
	if (fake_vmcs_init_ret != 0)
		return fake_vmcs_init_ret;
	v->vmcs_ready = true;
	return 0;
}

void vcpu_release(struct vcpu *v)
{
	struct vcpu_info *info = info_of(v);

	if (info != NULL)
		memset(info, 0, sizeof(*info));
	/* The real one VMCLEARs a VMCS still marked ready; here that would be
	 * a VMCS freed while some pCPU may still hold it current. */
	if (v->vmcs_ready && fake_log_verbose)
		fprintf(stderr, "fake: vCPU freed with its VMCS ready\n");
	page_free(v->vmcs);
	page_free(v);
}

/* The real-mode state a SIPI with this vector starts (SDM Vol. 3 §8.4.4.1). */
void vcpu_boot_state_sipi(struct vcpu_boot_state *st, uint8_t vector)
{
	struct seg_state data = { 0, 0, 0xFFFF, 0x93 };

	memset(st, 0, sizeof(*st));
	st->rflags = 0x2;
	st->cr0 = CR0_ET | CR0_CD | CR0_NW;
	st->cs = (struct seg_state){ (uint16_t)(vector << 8), (uint64_t)vector << 12, 0xFFFF, 0x9B };
	st->ss = st->ds = st->es = st->fs = st->gs = data;
	st->tr = (struct seg_state){ 0, 0, 0xFFFF, 0x8B };
	st->ldtr = (struct seg_state){ 0, 0, 0xFFFF, 0x82 };
	st->gdt_limit = 0xFFFF;
	st->idt_limit = 0xFFFF;
}

void vcpu_make_request(struct vcpu *v, uint32_t req)
{
	__atomic_fetch_or(&v->requests, req, __ATOMIC_RELEASE);
}

void vcpu_skip_instruction(struct vcpu *v)
{
	struct vcpu_info *info = info_of(v);

	if (info != NULL)
		info->skips++;
}

void vcpu_stop(struct vcpu *v, const char *reason)
{
	v->stopped = true;
	v->stop_reason = reason;
}

/* The per-vCPU counters: 0 for a vCPU the fake has not seen. */
#define FAKE_VCPU_COUNTER(name, field)			\
	unsigned name(const struct vcpu *v)		\
	{						\
		struct vcpu_info *info = info_of(v);	\
							\
		return info != NULL ? info->field : 0;	\
	}

FAKE_VCPU_COUNTER(fake_vcpu_entries, entries)
FAKE_VCPU_COUNTER(fake_vcpu_vmcs_inits, inits)
FAKE_VCPU_COUNTER(fake_vcpu_skips, skips)
FAKE_VCPU_COUNTER(fake_vcpu_sipis, sipis)

const struct vcpu_boot_state *fake_vcpu_last_state(const struct vcpu *v)
{
	struct vcpu_info *info = info_of(v);

	return info != NULL && info->has_state ? &info->last : NULL;
}

/* ------------------------------------------------------------------ */
/* Scheduler and pCPUs                                                 */

static struct vcpu *runq[MAX_PCPUS][SCHED_MAX_PER_PCPU];
static bool dedicated[MAX_PCPUS];
static bool stuck[MAX_PCPUS];

int sched_attach(struct vcpu *v)
{
	if (v->pcpu >= MAX_PCPUS)
		return -EINVAL;
	for (unsigned i = 0; i < SCHED_MAX_PER_PCPU; i++) {
		if (runq[v->pcpu][i] == NULL) {
			runq[v->pcpu][i] = v;
			v->queued = true;
			return 0;
		}
	}
	return -EBUSY;
}

void sched_set_dedicated(uint32_t pcpu)
{
	if (pcpu < MAX_PCPUS)
		dedicated[pcpu] = true;
}

bool sched_is_dedicated(uint32_t pcpu)
{
	return pcpu < MAX_PCPUS && dedicated[pcpu];
}

/* Idle counters the tests move (sched.c counts them on hardware). */
uint64_t fake_idle_halts[MAX_PCPUS], fake_idle_kicks[MAX_PCPUS];

void sched_idle_stats(uint32_t pcpu, uint64_t *halts, uint64_t *kicks)
{
	*halts = pcpu < MAX_PCPUS ? fake_idle_halts[pcpu] : 0;
	*kicks = pcpu < MAX_PCPUS ? fake_idle_kicks[pcpu] : 0;
}

void fake_sched_set_shared(uint32_t pcpu)
{
	if (pcpu < MAX_PCPUS)
		dedicated[pcpu] = false;
}

void fake_sched_forget(const struct vcpu *v)
{
	for (uint32_t p = 0; p < MAX_PCPUS; p++)
		for (unsigned i = 0; i < SCHED_MAX_PER_PCPU; i++)
			if (runq[p][i] == v)
				runq[p][i] = NULL;	/* v may be freed: compared only */
}

bool fake_in_runq(const struct vcpu *v)
{
	for (uint32_t p = 0; p < MAX_PCPUS; p++)
		for (unsigned i = 0; i < SCHED_MAX_PER_PCPU; i++)
			if (runq[p][i] == v)
				return true;
	return false;
}

unsigned fake_runq_len(uint32_t pcpu)
{
	unsigned n = 0;

	for (unsigned i = 0; pcpu < MAX_PCPUS && i < SCHED_MAX_PER_PCPU; i++)
		n += runq[pcpu][i] != NULL;
	return n;
}

void fake_pcpu_set_stuck(uint32_t pcpu, bool s)
{
	if (pcpu < MAX_PCPUS)
		stuck[pcpu] = s;
}

/* What vcpu_handle_requests() does with each request (arch/x86/vmx/vmexit.c). */
static void handle_requests(struct vcpu *v)
{
	uint32_t req = __atomic_fetch_and(&v->requests, VCPU_REQ_RELEASE, __ATOMIC_ACQ_REL) &
		       ~VCPU_REQ_RELEASE;

	if (req & VCPU_REQ_INIT) {
		v->wait_sipi = true;		/* vcpu_park() */
		v->blocked &= ~VCPU_BLOCK_HALT;
		if (v->vm->user_vm)
			v->blocked |= VCPU_BLOCK_SIPI;
	}
	if ((req & VCPU_REQ_SIPI) && v->wait_sipi) {
		struct vcpu_info *info = info_of(v);

		v->wait_sipi = false;
		v->blocked &= ~(VCPU_BLOCK_SIPI | VCPU_BLOCK_HALT);
		if (info != NULL)
			info->sipis++;		/* vcpu_start_at(v, v->sipi_vector) */
	}
	if (req & VCPU_REQ_OFFLINE)
		v->blocked |= VCPU_BLOCK_OFFLINE;
	if (req & VCPU_REQ_RESUME)
		v->blocked &= ~VCPU_BLOCK_PAUSED;
	if (req & VCPU_REQ_PAUSE) {
		v->blocked |= VCPU_BLOCK_PAUSED;
		__atomic_fetch_or(&v->acked, VCPU_REQ_PAUSE, __ATOMIC_RELEASE);
	}
	if ((req & VCPU_REQ_RESET) && v->vm->ops->request != NULL)
		v->vm->ops->request(v, VCPU_REQ_RESET);
	if ((req & VCPU_REQ_IOREQ_DONE) && v->vm->ops->ioreq_done != NULL)
		v->vm->ops->ioreq_done(v);
}

/* One pass of sched_loop() (common/sched.c) with vcpu_run() minus the entry. */
void fake_pcpu_run(uint32_t pcpu)
{
	if (pcpu >= MAX_PCPUS || stuck[pcpu])
		return;
	for (unsigned i = 0; i < SCHED_MAX_PER_PCPU; i++) {
		struct vcpu *v = runq[pcpu][i];
		struct vcpu_info *info;
		uint32_t req;

		if (v == NULL)
			continue;
		req = __atomic_load_n(&v->requests, __ATOMIC_ACQUIRE);
		/* As wants_cpu(): the controllers wake a vCPU that only halts. */
		if (req == 0 && !v->stopped && v->blocked == VCPU_BLOCK_HALT &&
		    v->vm->virt_irq && virq_halt_wake(v, v->halt_if))
			v->blocked = 0;
		if (req & VCPU_REQ_RELEASE) {
			/* As release(): VMCLEAR, leave the queue, clear the request, ack. */
			v->vmcs_ready = false;
			runq[pcpu][i] = NULL;
			v->queued = false;
			__atomic_fetch_and(&v->requests, ~VCPU_REQ_RELEASE, __ATOMIC_ACQ_REL);
			__atomic_fetch_or(&v->acked, VCPU_REQ_RELEASE, __ATOMIC_RELEASE);
			continue;
		}
		if (req == 0 && (v->blocked != 0 || v->stopped))
			continue;
		if (!v->vmcs_ready) {
			v->vm->ops->request(v, VCPU_REQ_RESET);
			if (!v->vmcs_ready) {
				vcpu_stop(v, "no VMCS");
				continue;
			}
		}
		if (req & ~VCPU_REQ_RELEASE)
			handle_requests(v);
		if (v->blocked != 0 || v->stopped)
			continue;
		info = info_of(v);
		if (info != NULL)
			info->entries++;
	}
}

/* As sched_local_request(): the caller's own pCPU acts at once. */
void sched_local_request(struct vcpu *v, uint32_t req)
{
	if (req & VCPU_REQ_RELEASE) {
		v->vmcs_ready = false;
		for (unsigned i = 0; v->pcpu < MAX_PCPUS && i < SCHED_MAX_PER_PCPU; i++)
			if (runq[v->pcpu][i] == v)
				runq[v->pcpu][i] = NULL;
		v->queued = false;
		__atomic_fetch_and(&v->requests, ~VCPU_REQ_RELEASE, __ATOMIC_ACQ_REL);
		__atomic_fetch_or(&v->acked, VCPU_REQ_RELEASE, __ATOMIC_RELEASE);
		return;
	}
	if (req & VCPU_REQ_PAUSE) {
		v->blocked |= VCPU_BLOCK_PAUSED;
		__atomic_fetch_or(&v->acked, VCPU_REQ_PAUSE, __ATOMIC_RELEASE);
	}
}

/*
 * this_cpu() reads the per-CPU self pointer at %gs:0, as in the hypervisor:
 * point the host thread's GS base at per_cpu_data[pcpu].
 */
void fake_set_this_cpu(uint32_t pcpu)
{
	per_cpu_data[pcpu].self = &per_cpu_data[pcpu];
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)&per_cpu_data[pcpu]) != 0)
		abort();
}

void fake_pcpus_run(void)
{
	for (uint32_t p = 0; p < MAX_PCPUS; p++)
		fake_pcpu_run(p);
}

/* ------------------------------------------------------------------ */
/* Service VM: e820 and memory                                         */

static const struct vm_ops sos_ops;

/* True when [gpa, gpa+size) lies inside one RAM range of the fake e820. */
bool service_vm_ram_ok(uint64_t gpa, uint64_t size)
{
	uint64_t base = (uint64_t)(uintptr_t)sos_ram_buf;
	uint64_t end = gpa + size;

	if (size == 0 || end < gpa)
		return false;
	return gpa >= base && end <= base + FAKE_SOS_RAM_SIZE;
}

/* Anything outside the fake Service VM RAM counts as device memory. */
bool service_vm_mmio_ok(uint64_t pa, uint64_t size)
{
	uint64_t base = (uint64_t)(uintptr_t)sos_ram_buf;

	if (size == 0 || pa + size < pa)
		return false;
	return pa + size <= base || pa >= base + FAKE_SOS_RAM_SIZE;
}

uint64_t fake_sos_gpa(size_t off)
{
	return (uint64_t)(uintptr_t)sos_ram_buf + off;
}

void *fake_sos_ptr(size_t off)
{
	return sos_ram_buf + off;
}

int fake_hv_init(void)
{
	struct vm *sos;

	pages_out = 0;
	page_fail_countdown = 0;
	page_budget = -1;
	log_lines = 0;
	udelay_calls = 0;
	upcalls = 0;
	fake_vmcs_init_ret = 0;
	vmcs_nvals = 0;
	memset(&fake_mmio, 0, sizeof(fake_mmio));
	memset(&fake_virq, 0, sizeof(fake_virq));
	fake_ioapic_masked = 0;
	fake_ioapic_calls = 0;
	intr_shadow_ends = 0;
	memset(infos, 0, sizeof(infos));
	memset(runq, 0, sizeof(runq));
	memset(dedicated, 0, sizeof(dedicated));
	memset(stuck, 0, sizeof(stuck));
	fake_log_verbose = getenv("USER_VM_VERBOSE") != NULL;
	/* The parameter pages the tests use; the rest is left as it was. */
	memset(sos_ram_buf, 0, 64 * 1024);
	memset(ro_page_buf, 0, sizeof(ro_page_buf));

	memset(&fake, 0, sizeof(fake));
	fake.sos_ram = sos_ram_buf;
	fake.hv_res = hv_res_buf;
	fake.ro_page = ro_page_buf;
	pcpu_count = FAKE_PCPUS;
	for (uint32_t i = 0; i < MAX_PCPUS; i++) {
		per_cpu_data[i].self = &per_cpu_data[i];
		per_cpu_data[i].cpu_id = i;
		per_cpu_data[i].apic_id = i == 0 ? 0 : 2 * i + 1;
	}
	fake_set_this_cpu(0);		/* the hypercalls come from pCPU 0 */

	sos = vm_create("service-vm", &sos_ops, NULL);
	if (sos == NULL || sos->id != 0)
		return -1;
	sos->privileged = true;
	if (vm_map(sos, fake_sos_gpa(0), fake_sos_gpa(0), FAKE_SOS_RAM_SIZE,
		   PGT_R | PGT_W | PGT_X | PGT_MT_WB | PGT_LARGE_OK) != 0)
		return -1;
	if (vm_map(sos, (uint64_t)(uintptr_t)ro_page_buf, (uint64_t)(uintptr_t)ro_page_buf,
		   PAGE_SIZE, PGT_R | PGT_MT_WB) != 0)
		return -1;
	for (uint32_t i = 0; i < FAKE_PCPUS; i++)
		if (vcpu_alloc(sos, i) == NULL)
			return -1;
	fake.sos = sos;
	fake.caller = sos->vcpus[0];
	return 0;
}

void fake_hv_fini(void)
{
	memset(stuck, 0, sizeof(stuck));
	for (uint16_t id = 1; id < MAX_VMS; id++) {
		struct vm *vm = vm_get(id);

		struct vcpu *vcpus[MAX_VCPUS_PER_VM];
		uint32_t n;

		if (vm == NULL || !vm->user_vm)
			continue;
		n = vm->vcpu_count;
		memcpy(vcpus, vm->vcpus, sizeof(vcpus));
		if (hc_destroy_vm(fake.caller, id) != 0 && vm_get(id) == vm) {
			page_free(vm->msr_bitmap);
			vm_destroy(vm);	/* refused: take it down behind its back */
		}
		/* A vCPU freed while still queued (a defect a test reported)
		 * must not be touched by the next VM's acknowledgement wait. */
		for (uint32_t i = 0; i < n; i++)
			fake_sched_forget(vcpus[i]);
	}
	if (fake.sos != NULL)
		vm_destroy(fake.sos);
	/* Whatever is left leaked; the tests that care counted it already. */
	while (reg_n > 0)
		page_free(reg[reg_n - 1]);
	free(reg);
	reg = NULL;
	reg_cap = 0;
	memset(&fake, 0, sizeof(fake));
}

/* As sched_serve_local_requests(): nothing runs on the test thread's pCPU. */
void sched_serve_local_requests(void)
{
}

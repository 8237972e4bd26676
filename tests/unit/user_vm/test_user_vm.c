/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the User VM hypercalls (hypervisor/common/user_vm.c), run
 * unchanged against the fakes of fake_hv.c: the Service VM's memory is a
 * host buffer, so each test puts a parameter structure at a guest-physical
 * address, makes the hypercall as Service VM vCPU 0 would, and inspects
 * what it wrote back, what the User VM's EPT (the real lib/pgtable.c) now
 * maps, the IOREQ page and the page count.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fake_hv.h"

/* An assertion whose failure names the defect it guards against. */
#define assert_true_msg(ok, what)	do { if (!(ok)) fail_msg("%s", what); } while (0)

#include <common/user_vm.h>
#include <common/vm.h>
#include <common/sched.h>
#include <arch/x86/cpu.h>
#include <arch/x86/per_cpu.h>
#include <public/acrn_common.h>
#include <lib/errno.h>
#include <lib/pgtable.h>
#include <lib/util.h>

/* Where the tests put things in Service VM RAM (byte offsets). */
#define OFF_PARAM	0x0000UL	/* parameter structures */
#define OFF_BATCH	0x0800UL	/* struct acrn_hc_memory_region_batch */
#define OFF_REGIONS	0x1000UL	/* region arrays (one page) */
#define OFF_IOREQ	0x2000UL	/* IOREQ page */
#define OFF_IOREQ2	0x3000UL	/* a second IOREQ page */
#define OFF_GUEST	0x200000UL	/* backing of User VM memory, 4 MiB */

#define ALL_RIGHTS	(ACRN_HC_MEM_ACCESS_READ | ACRN_HC_MEM_ACCESS_WRITE | ACRN_HC_MEM_ACCESS_EXEC)

/* user_vm.c counts its VMs in a static; a VM a test leaves undestroyable is
 * taken down behind its back by fake_hv_fini(), so compare with the count at
 * the start of the test. */
static unsigned count0;

static unsigned vm_count(void)
{
	return user_vm_count() - count0;
}

static int setup(void **state)
{
	count0 = user_vm_count();
	return fake_hv_init() == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	fake_hv_fini();
	return 0;
}

/* ------------------------------------------------------------------ */
/* Helpers: hypercalls as the Service VM makes them                    */

static void dedicate(uint32_t first, uint32_t last)
{
	for (uint32_t p = first; p <= last; p++)
		sched_set_dedicated(p);
}

static struct acrn_hc_vm_creation *cv_param(void)
{
	return fake_sos_ptr(OFF_PARAM);
}

/* HC_CREATE_VM with the parameter at OFF_PARAM; ioreq_off 0 = no buffer. */
static int64_t create_flags(uint16_t vcpus, uint64_t affinity, size_t ioreq_off, uint64_t flags,
			    uint16_t *vmid)
{
	struct acrn_hc_vm_creation *cv = cv_param();
	int64_t ret;

	memset(cv, 0, sizeof(*cv));
	cv->vcpu_num = vcpus;
	cv->vm_flag = flags;
	cv->cpu_affinity = affinity;
	cv->ioreq_buf = ioreq_off != 0 ? fake_sos_gpa(ioreq_off) : 0;
	cv->vmid = 0xEEEE;
	ret = hc_create_vm(fake.caller, fake_sos_gpa(OFF_PARAM));
	if (vmid != NULL)
		*vmid = cv->vmid;
	return ret;
}

static int64_t create(uint16_t vcpus, uint64_t affinity, size_t ioreq_off, uint16_t *vmid)
{
	return create_flags(vcpus, affinity, ioreq_off, 0, vmid);
}

/* A VM with @vcpus vCPUs on pCPUs 1.., with an IOREQ page at OFF_IOREQ. */
static uint16_t make_vm(uint16_t vcpus)
{
	uint16_t vmid = 0;

	dedicate(1, FAKE_PCPUS - 1);
	assert_int_equal(create(vcpus, 0, OFF_IOREQ, &vmid), 0);
	assert_non_null(vm_get(vmid));
	return vmid;
}

/* HC_CREATE_VM that must succeed; the new VM. */
static struct vm *created_vm(uint16_t vcpus, uint64_t affinity, size_t ioreq_off)
{
	uint16_t id;

	assert_int_equal(create(vcpus, affinity, ioreq_off, &id), 0);
	return vm_get(id);
}

static struct acrn_hc_io_request_buffer *ioreq_page(size_t off)
{
	return fake_sos_ptr(off);
}

static void region(struct acrn_hc_memory_region_op *r, uint32_t type, uint64_t gpa,
		   uint64_t sos_pa, uint64_t size, uint32_t attr)
{
	r->type = type;
	r->attr = attr;
	r->user_vm_pa = gpa;
	r->service_vm_pa = sos_pa;
	r->size = size;
}

/* HC_VM_SET_MEMORY_REGIONS for @n regions placed at OFF_REGIONS. */
static int64_t set_regions(uint16_t vmid, const struct acrn_hc_memory_region_op *r, uint32_t n)
{
	struct acrn_hc_memory_region_batch *b = fake_sos_ptr(OFF_BATCH);

	if (n > 0 && n <= ACRN_HC_MAX_REGIONS_PER_BATCH)
		memcpy(fake_sos_ptr(OFF_REGIONS), r, n * sizeof(*r));
	memset(b, 0, sizeof(*b));
	b->vmid = vmid;
	b->regions_num = n;
	b->regions_gpa = fake_sos_gpa(OFF_REGIONS);
	return hc_set_memory_regions(fake.caller, fake_sos_gpa(OFF_BATCH));
}

static int ept_query(uint16_t vmid, uint64_t gpa, uint64_t *hpa, uint32_t *prot)
{
	return pgtable_query(&vm_get(vmid)->ept, gpa, hpa, prot, NULL);
}

static struct acrn_hc_vcpu_regs *regs_param(uint16_t vcpu_id)
{
	struct acrn_hc_vcpu_regs *p = fake_sos_ptr(OFF_PARAM);

	memset(p, 0, sizeof(*p));
	p->vcpu_id = vcpu_id;
	p->vcpu_regs.cs_limit = 0xFFFF;
	p->vcpu_regs.cs_ar = 0x9B;
	return p;
}

static int64_t set_regs(uint16_t vmid)
{
	return hc_set_vcpu_regs(fake.caller, vmid, fake_sos_gpa(OFF_PARAM));
}

static int64_t set_ioreq(uint16_t vmid, uint64_t buf)
{
	struct acrn_hc_ioreq_buffer *p = fake_sos_ptr(OFF_PARAM);

	p->ioreq_buf = buf;
	return hc_set_ioreq_buffer(fake.caller, vmid, fake_sos_gpa(OFF_PARAM));
}

/* HC_START_VM that must succeed, then one round of the pCPUs. */
static void start_and_run(uint16_t vmid)
{
	assert_int_equal(hc_start_vm(fake.caller, vmid), 0);
	fake_pcpus_run();
}

/* What the BSP's vLAPIC does for an INIT-SIPI (virq.c lapic_init_sipi()). */
static void send_init_sipi(struct vcpu *v, uint8_t vector)
{
	v->sipi_vector = vector;
	vcpu_make_request(v, VCPU_REQ_INIT | VCPU_REQ_SIPI);
}

/* A started VM with @n vCPUs that ran once, its APs started by INIT/SIPI. */
static struct vm *running_vm(uint16_t n)
{
	uint16_t id = make_vm(n);
	struct vm *vm = vm_get(id);

	assert_int_equal(hc_start_vm(fake.caller, id), 0);
	for (uint32_t i = 1; i < vm->vcpu_count; i++)
		send_init_sipi(vm->vcpus[i], 0x9F);
	fake_pcpus_run();
	for (uint32_t i = 0; i < vm->vcpu_count; i++)
		assert_int_equal(vm->vcpus[i]->blocked, 0);
	return vm;
}

/* ------------------------------------------------------------------ */
/* HC_CREATE_VM                                                        */

static void test_create_refuses_zero_vcpus(void **state)
{
	long pages = fake_pages_outstanding();

	dedicate(1, 3);
	assert_int_equal(create(0, 0x2, OFF_IOREQ, NULL), -EINVAL);
	assert_int_equal(vm_count(), 0);
	assert_null(vm_get(1));
	assert_int_equal(fake_pages_outstanding(), pages);
}

static void test_create_refuses_more_than_max_vcpus(void **state)
{
	dedicate(1, 3);
	assert_int_equal(create(MAX_VCPUS_PER_VM + 1, 0, OFF_IOREQ, NULL), -EINVAL);
	assert_int_equal(create(0xFFFF, 0, OFF_IOREQ, NULL), -EINVAL);
	assert_null(vm_get(1));
	assert_int_equal(vm_count(), 0);
}

static void test_create_param_outside_caller_memory_is_efault_and_creates_nothing(void **state)
{
	long pages = fake_pages_outstanding();
	const uint64_t bad[] = {
		fake_sos_gpa(FAKE_SOS_RAM_SIZE),		/* just past its RAM */
		fake_sos_gpa(FAKE_SOS_RAM_SIZE) - 8,		/* straddles the end */
		(uint64_t)(uintptr_t)fake.hv_res,		/* the hypervisor's */
		0, ~0ULL - 4, 1ULL << 52,
	};

	dedicate(1, 3);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(hc_create_vm(fake.caller, bad[i]), -EFAULT);
	assert_int_equal(vm_count(), 0);
	assert_null(vm_get(1));
	assert_int_equal(fake_pages_outstanding(), pages);
}

static void test_create_param_read_only_is_efault_and_leaves_nothing(void **state)
{
	struct acrn_hc_vm_creation *cv = (struct acrn_hc_vm_creation *)fake.ro_page;
	long pages = fake_pages_outstanding();

	dedicate(1, 3);
	cv->vcpu_num = 1;
	cv->ioreq_buf = fake_sos_gpa(OFF_IOREQ);
	/* Readable, so the VM is created; the vmid cannot be written back. */
	assert_int_equal(hc_create_vm(fake.caller, (uint64_t)(uintptr_t)cv), -EFAULT);
	assert_int_equal(vm_count(), 0);
	assert_null(vm_get(1));
	assert_int_equal(fake_pages_outstanding(), pages);
}

static void test_create_refuses_unaligned_ioreq_buf(void **state)
{
	dedicate(1, 3);
	assert_int_equal(create(1, 0, OFF_IOREQ + 8, NULL), -EINVAL);
	assert_int_equal(create(1, 0, OFF_IOREQ + 0x800, NULL), -EINVAL);
	assert_null(vm_get(1));
}

static void test_create_refuses_ioreq_buf_outside_service_vm_ram(void **state)
{
	struct acrn_hc_vm_creation *cv = cv_param();
	const uint64_t bad[] = {
		(uint64_t)(uintptr_t)fake.hv_res,
		fake_sos_gpa(FAKE_SOS_RAM_SIZE),
		~0ULL & PAGE_MASK,
	};

	dedicate(1, 3);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(cv, 0, sizeof(*cv));
		cv->vcpu_num = 1;
		cv->ioreq_buf = bad[i];
		assert_int_equal(hc_create_vm(fake.caller, fake_sos_gpa(OFF_PARAM)), -EINVAL);
	}
	assert_null(vm_get(1));
	/* The last page of RAM is fine. */
	assert_int_equal(create(1, 0, FAKE_SOS_RAM_SIZE - PAGE_SIZE, NULL), 0);
}

static void test_create_sets_the_scheduling_class_from_vm_flag(void **state)
{
	const struct { uint64_t flags; int8_t rank; } ok[] = {
		{ 0, SCHED_RANK_NORMAL },
		{ ACRN_VM_FLAG_PRIO(ACRN_VM_PRIO_NORMAL), SCHED_RANK_NORMAL },
		{ ACRN_VM_FLAG_PRIO(ACRN_VM_PRIO_HIGH), SCHED_RANK_HIGH },
		{ ACRN_VM_FLAG_PRIO(ACRN_VM_PRIO_LOW), SCHED_RANK_LOW },
	};
	uint16_t id;

	dedicate(1, 3);
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(create_flags(1, 0x2, OFF_IOREQ, ok[i].flags, &id), 0);
		assert_int_equal(vm_get(id)->sched_rank, ok[i].rank);
		assert_int_equal(hc_destroy_vm(fake.caller, id), 0);
	}
}

static void test_create_refuses_reserved_vm_flags(void **state)
{
	long pages = fake_pages_outstanding();
	const uint64_t bad[] = {
		ACRN_VM_FLAG_PRIO(3),		/* the reserved class */
		1, 1ULL << 7, 1ULL << 10, 1ULL << 63,
		ACRN_VM_FLAG_PRIO(ACRN_VM_PRIO_HIGH) | 1,
	};

	dedicate(1, 3);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(create_flags(1, 0x2, OFF_IOREQ, bad[i], NULL), -EINVAL);
	assert_int_equal(vm_count(), 0);
	assert_int_equal(fake_pages_outstanding(), pages);
}

static void test_create_writes_vmid_back_and_pins_vcpus(void **state)
{
	uint16_t a, b;
	struct vm *vm;

	dedicate(1, 3);
	assert_int_equal(create(2, 0x6, OFF_IOREQ, &a), 0);
	assert_int_equal(a, 1);
	assert_int_equal(cv_param()->vcpu_num, 2);
	assert_int_equal(create(1, 0x8, OFF_IOREQ2, &b), 0);
	assert_int_equal(b, 2);
	assert_int_equal(vm_count(), 2);
	vm = vm_get(a);
	assert_non_null(vm);
	assert_true(vm->user_vm);
	assert_false(vm->privileged);
	assert_int_equal(vm->vcpu_count, 2);
	assert_int_equal(vm->vcpus[0]->pcpu, 1);
	assert_int_equal(vm->vcpus[1]->pcpu, 2);
	assert_int_equal(vm_get(b)->vcpus[0]->pcpu, 3);
	/* Created, not started: nothing is on a run queue. */
	assert_false(fake_in_runq(vm->vcpus[0]));
}

static void test_create_affinity_zero_uses_dedicated_pcpus_in_order(void **state)
{
	struct vm *vm;

	dedicate(2, 3);
	vm = created_vm(2, 0, OFF_IOREQ);
	assert_int_equal(vm->vcpus[0]->pcpu, 2);
	assert_int_equal(vm->vcpus[1]->pcpu, 3);
	/* Three vCPUs need three dedicated pCPUs. */
	assert_int_equal(create(3, 0, OFF_IOREQ2, NULL), -EINVAL);
}

/* Shared scheduling: a pCPU the Service VM still runs on may host User VM vCPUs. */
static void test_create_affinity_may_name_service_vm_pcpus(void **state)
{
	struct vm *vm;

	dedicate(1, 1);
	vm = created_vm(3, 0x7, OFF_IOREQ);
	assert_int_equal(vm->vcpus[0]->pcpu, 0);	/* the BSP, shared */
	assert_int_equal(vm->vcpus[1]->pcpu, 1);	/* dedicated */
	assert_int_equal(vm->vcpus[2]->pcpu, 2);	/* shared */
	/* Without an affinity only dedicated pCPUs are taken. */
	assert_int_equal(create(2, 0, OFF_IOREQ2, NULL), -EINVAL);
}

static void test_create_affinity_beyond_pcpus_or_too_few_bits_is_einval(void **state)
{
	dedicate(1, 3);
	assert_int_equal(create(1, 1ULL << FAKE_PCPUS, OFF_IOREQ, NULL), -EINVAL);
	assert_int_equal(create(1, 1ULL << 63, OFF_IOREQ, NULL), -EINVAL);
	assert_int_equal(create(3, 0x6, OFF_IOREQ, NULL), -EINVAL);
	assert_null(vm_get(1));
}

static void test_create_too_many_vms_is_enomem_without_leak(void **state)
{
	long pages;
	uint16_t id;

	dedicate(1, 3);
	for (unsigned i = 1; i < MAX_VMS; i++) {
		assert_int_equal(create(1, 0x2, OFF_IOREQ, &id), 0);
		assert_int_equal(id, i);
	}
	pages = fake_pages_outstanding();
	assert_int_equal(create(1, 0x2, OFF_IOREQ, NULL), -ENOMEM);
	assert_int_equal(fake_pages_outstanding(), pages);
	assert_int_equal(vm_count(), MAX_VMS - 1);
	/* A freed slot is reused. */
	assert_int_equal(hc_destroy_vm(fake.caller, 3), 0);
	assert_int_equal(create(1, 0x2, OFF_IOREQ, &id), 0);
	assert_int_equal(id, 3);
}

/* Every page allocation of HC_CREATE_VM failing in turn: -ENOMEM, nothing kept. */
static void test_create_out_of_pages_at_each_step_is_enomem_without_leak(void **state)
{
	unsigned n;
	int64_t ret;

	dedicate(1, 3);
	for (n = 1; n < 64; n++) {
		long pages = fake_pages_outstanding();

		fake_page_fail_at(n);
		ret = create(3, 0, OFF_IOREQ, NULL);
		fake_page_fail_at(0);
		if (ret == 0)
			break;
		assert_int_equal(ret, -ENOMEM);
		assert_int_equal(vm_count(), 0);
		assert_null(vm_get(1));
		assert_int_equal(fake_pages_outstanding(), pages);
	}
	assert_true(n > 4);		/* several allocations were exercised */
	assert_int_equal(ret, 0);
}

static void test_create_marks_every_ioreq_slot_free(void **state)
{
	memset(ioreq_page(OFF_IOREQ), 0x5A, PAGE_SIZE);
	make_vm(1);
	for (unsigned i = 0; i < ACRN_HC_IO_REQUEST_MAX; i++)
		assert_int_equal(ioreq_page(OFF_IOREQ)->req_slot[i].processed,
				 ACRN_HC_IOREQ_STATE_FREE);
}

/* ------------------------------------------------------------------ */
/* Virtual interrupt controllers: creation and teardown                */

static void test_create_gives_vm_and_every_vcpu_interrupt_controllers(void **state)
{
	uint16_t id = make_vm(3);
	struct vm *vm = vm_get(id);

	assert_true(vm->virt_irq);
	assert_true(fake_virq_vm_live(vm));
	assert_int_equal(fake_virq.vm_inits, 1);
	assert_ptr_equal(fake_virq.vm_init_vm, vm);
	assert_int_equal(fake_virq.vcpu_inits, 3);
	for (uint32_t i = 0; i < vm->vcpu_count; i++)
		assert_non_null(vm->vcpus[i]->virq);
	assert_int_equal(fake_virq.vm_deinits, 0);
}

static void test_create_virq_vm_init_failure_is_enomem_without_leak(void **state)
{
	static const int errs[] = { -ENOMEM, -EINVAL };
	long pages = fake_pages_outstanding();
	uint16_t id;

	dedicate(1, 3);
	for (size_t i = 0; i < ARRAY_SIZE(errs); i++) {
		fake_virq.vm_init_ret = errs[i];
		assert_int_equal(create(3, 0, OFF_IOREQ, NULL), -ENOMEM);
		assert_int_equal(vm_count(), 0);
		assert_null(vm_get(1));
		assert_int_equal(fake_pages_outstanding(), pages);
	}
	assert_int_equal(fake_virq.vcpu_init_calls, 0);	/* no vLAPIC without a VM's controllers */
	/* The slot is free again: the next VM gets id 1. */
	fake_virq.vm_init_ret = 0;
	assert_int_equal(create(3, 0, OFF_IOREQ, &id), 0);
	assert_int_equal(id, 1);
}

/* A vLAPIC that cannot be made, for each vCPU in turn: nothing kept. */
static void test_create_virq_vcpu_init_failure_is_enomem_without_leak(void **state)
{
	long pages = fake_pages_outstanding();

	dedicate(1, 3);
	for (unsigned n = 1; n <= 3; n++) {
		unsigned deinits = fake_virq.vm_deinits;

		fake_virq.vcpu_init_fail_at = n;
		assert_int_equal(create(3, 0, OFF_IOREQ, NULL), -ENOMEM);
		assert_int_equal(fake_virq.vcpu_init_fail_at, 0);	/* it was reached */
		assert_int_equal(fake_virq.vm_deinits, deinits + 1);
		assert_int_equal(vm_count(), 0);
		assert_null(vm_get(1));
		assert_int_equal(fake_pages_outstanding(), pages);
	}
}

static void test_destroy_frees_interrupt_controllers(void **state)
{
	long pages = fake_pages_outstanding();
	uint16_t id = make_vm(2);
	struct vm *vm = vm_get(id);

	start_and_run(id);
	assert_int_equal(hc_destroy_vm(fake.caller, id), 0);
	assert_int_equal(fake_virq.vm_deinits, 1);
	assert_ptr_equal(fake_virq.vm_deinit_vm, vm);	/* compared only: it is freed */
	assert_int_equal(fake_pages_outstanding(), pages);
}

static void test_destroy_refused_keeps_interrupt_controllers(void **state)
{
	uint16_t id = make_vm(2);
	struct vm *vm = vm_get(id);

	start_and_run(id);
	fake_pcpu_set_stuck(2, true);
	assert_int_equal(hc_destroy_vm(fake.caller, id), -ETIMEDOUT);
	assert_int_equal(fake_virq.vm_deinits, 0);
	assert_true(fake_virq_vm_live(vm));
	assert_non_null(vm->vcpus[0]->virq);
	fake_pcpu_set_stuck(2, false);
}

/* ------------------------------------------------------------------ */
/* HC_DESTROY_VM, HC_START_VM, HC_PAUSE_VM, HC_RESET_VM                */

typedef int64_t (*vmid_hc)(struct vcpu *, uint64_t);
static const vmid_hc lifecycle[] = { hc_destroy_vm, hc_start_vm, hc_pause_vm, hc_reset_vm };

static void test_lifecycle_calls_refuse_unknown_vmid(void **state)
{
	const uint64_t bad[] = { 2, MAX_VMS - 1, MAX_VMS, 0xFFFF, (1ULL << 32) | 1, ~0ULL };

	make_vm(1);
	for (size_t h = 0; h < ARRAY_SIZE(lifecycle); h++)
		for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
			assert_int_equal(lifecycle[h](fake.caller, bad[i]), -EINVAL);
	assert_non_null(vm_get(1));
}

static void test_lifecycle_calls_refuse_the_service_vm(void **state)
{
	for (size_t h = 0; h < ARRAY_SIZE(lifecycle); h++)
		assert_int_equal(lifecycle[h](fake.caller, 0), -EINVAL);
	assert_ptr_equal(vm_get(0), fake.sos);
	assert_int_equal(hc_set_vcpu_regs(fake.caller, 0, fake_sos_gpa(OFF_PARAM)), -EINVAL);
	assert_int_equal(set_ioreq(0, fake_sos_gpa(OFF_IOREQ)), -EINVAL);
	assert_int_equal(hc_notify_request_finish(fake.caller, 0, 0), -EINVAL);
	assert_int_equal(fake.sos->vcpus[0]->requests, 0);
}

static void test_start_without_ioreq_buffer_is_refused(void **state)
{
	uint16_t id;

	dedicate(1, 3);
	assert_int_equal(create(1, 0, 0, &id), 0);
	assert_int_equal(hc_start_vm(fake.caller, id), -EINVAL);
	assert_false(fake_in_runq(vm_get(id)->vcpus[0]));
	/* Once it has one, it starts. */
	assert_int_equal(set_ioreq(id, fake_sos_gpa(OFF_IOREQ)), 0);
	assert_int_equal(hc_start_vm(fake.caller, id), 0);
}

static void test_start_runs_vcpus_from_reset_state_on_their_pcpus(void **state)
{
	uint16_t id = make_vm(2);
	struct vm *vm = vm_get(id);
	const struct vcpu_boot_state *st;

	assert_int_equal(hc_start_vm(fake.caller, id), 0);
	assert_true(fake_in_runq(vm->vcpus[0]));
	assert_true(fake_in_runq(vm->vcpus[1]));
	fake_pcpus_run();
	assert_int_equal(fake_vcpu_vmcs_inits(vm->vcpus[0]), 1);
	assert_int_equal(fake_vcpu_entries(vm->vcpus[0]), 1);
	st = fake_vcpu_last_state(vm->vcpus[0]);
	assert_non_null(st);
	/* SDM Vol. 3 §9.1.1: the BSP starts at F000:FFF0, base FFFF0000. */
	assert_int_equal(st->cs.sel, 0xF000);
	assert_int_equal(st->cs.base, 0xFFFF0000ULL);
	assert_int_equal(st->rip, 0xFFF0);
	assert_int_equal(st->activity, VCPU_ACTIVITY_ACTIVE);
	assert_false(vm->vcpus[0]->wait_sipi);
	/* The AP waits off the pCPU for its SIPI: no VMCS, no entry yet. */
	assert_int_equal(vm->vcpus[1]->blocked, VCPU_BLOCK_SIPI);
	assert_int_equal(fake_vcpu_vmcs_inits(vm->vcpus[1]), 0);
	assert_int_equal(fake_vcpu_entries(vm->vcpus[1]), 0);
}

static void test_start_twice_is_ebusy(void **state)
{
	uint16_t id = make_vm(1);

	assert_int_equal(hc_start_vm(fake.caller, id), 0);
	assert_int_equal(hc_start_vm(fake.caller, id), -EBUSY);
	assert_int_equal(fake_runq_len(1), 1);	/* not queued twice */
}

static void test_start_failing_on_a_full_run_queue_leaves_no_vcpu_queued(void **state)
{
	uint16_t id;
	struct vm *vm;

	dedicate(1, 3);
	/* Fill pCPU 2's run queue. */
	for (unsigned i = 0; i < SCHED_MAX_PER_PCPU; i++) {
		assert_int_equal(create(1, 0x4, OFF_IOREQ, &id), 0);
		assert_int_equal(hc_start_vm(fake.caller, id), 0);
	}
	assert_int_equal(fake_runq_len(2), SCHED_MAX_PER_PCPU);
	assert_int_equal(create(2, 0x6, OFF_IOREQ2, &id), 0);
	vm = vm_get(id);
	assert_int_equal(hc_start_vm(fake.caller, id), -EBUSY);
	assert_true_msg(!fake_in_runq(vm->vcpus[0]),
		  "HC_START_VM failing with -EBUSY on vCPU n leaves vCPUs 0..n-1 on their run "
		  "queues while the VM stays CREATED: they run, a retry queues them twice, and "
		  "HC_DESTROY_VM (no release for a CREATED VM whose vCPU 0 has no VMCS yet) frees "
		  "vCPUs still queued");
	assert_int_equal(hc_destroy_vm(fake.caller, id), 0);
	fake_pcpus_run();
}

static void test_reset_while_running_is_ebusy(void **state)
{
	uint16_t id = make_vm(1);

	start_and_run(id);
	assert_int_equal(hc_reset_vm(fake.caller, id), -EBUSY);
	assert_true(fake_in_runq(vm_get(id)->vcpus[0]));
	assert_true(vm_get(id)->vcpus[0]->vmcs_ready);
}

static void test_pause_of_never_started_vm_is_einval(void **state)
{
	uint16_t id = make_vm(1);

	assert_int_equal(hc_pause_vm(fake.caller, id), -EINVAL);
	assert_int_equal(vm_get(id)->vcpus[0]->requests, 0);
}

static void test_pause_stops_entries_until_start_resumes(void **state)
{
	uint16_t id = make_vm(2);
	struct vcpu *v0 = vm_get(id)->vcpus[0], *v1 = vm_get(id)->vcpus[1];
	unsigned e0;

	start_and_run(id);
	assert_int_equal(hc_pause_vm(fake.caller, id), 0);
	assert_true(v0->blocked & VCPU_BLOCK_PAUSED);
	assert_true(v1->blocked & VCPU_BLOCK_PAUSED);
	assert_true(fake_udelay_calls() > 0);	/* it waited for the pCPUs */
	e0 = fake_vcpu_entries(v0);
	fake_pcpus_run();
	assert_int_equal(fake_vcpu_entries(v0), e0);
	/* Pausing twice is harmless. */
	assert_int_equal(hc_pause_vm(fake.caller, id), 0);
	start_and_run(id);
	assert_false(v0->blocked & VCPU_BLOCK_PAUSED);
	assert_int_equal(fake_vcpu_entries(v0), e0 + 1);
}

static void test_pause_with_stuck_pcpu_times_out(void **state)
{
	uint16_t id = make_vm(1);

	assert_int_equal(hc_start_vm(fake.caller, id), 0);
	fake_pcpu_set_stuck(1, true);
	assert_int_equal(hc_pause_vm(fake.caller, id), -ETIMEDOUT);
	/* Not paused: a reset must still be refused. */
	assert_int_equal(hc_reset_vm(fake.caller, id), -EBUSY);
}

static void test_destroy_running_vm_releases_vcpus_first(void **state)
{
	uint16_t id = make_vm(2);

	start_and_run(id);
	assert_int_equal(hc_destroy_vm(fake.caller, id), 0);
	assert_null(vm_get(id));
	assert_int_equal(fake_runq_len(1), 0);
	assert_int_equal(fake_runq_len(2), 0);
	assert_int_equal(vm_count(), 0);
}

static void test_destroy_keeps_vm_when_a_pcpu_does_not_acknowledge(void **state)
{
	uint16_t id = make_vm(2);
	int64_t ret;

	start_and_run(id);
	fake_pcpu_set_stuck(2, true);
	assert_int_equal(hc_destroy_vm(fake.caller, id), -ETIMEDOUT);
	assert_non_null(vm_get(id));
	assert_int_equal(vm_count(), 1);
	fake_pcpu_set_stuck(2, false);
	ret = hc_destroy_vm(fake.caller, id);
	assert_true_msg(ret == 0 && vm_get(id) == NULL,
		  "HC_DESTROY_VM retried after a -ETIMEDOUT never succeeds: the vCPUs that did "
		  "release are on no run queue, so nobody acknowledges the new VCPU_REQ_RELEASE");
}

/* 50 VMs of @vcpus vCPUs made and destroyed (started, run and paused
 * first if @start): no page may stay allocated. */
static void create_destroy_50_times(uint16_t vcpus, bool start)
{
	long pages = fake_pages_outstanding();
	uint16_t id;

	dedicate(1, 3);
	for (int i = 0; i < 50; i++) {
		assert_int_equal(create(vcpus, 0, OFF_IOREQ, &id), 0);
		if (start) {
			start_and_run(id);
			assert_int_equal(hc_pause_vm(fake.caller, id), 0);
		}
		assert_int_equal(hc_destroy_vm(fake.caller, id), 0);
		if (start)
			assert_int_equal(fake_runq_len(1) + fake_runq_len(2), 0);
	}
	if (!start)
		assert_int_equal(vm_count(), 0);
	assert_int_equal(fake_pages_outstanding(), pages);
}

static void test_create_destroy_50_times_leaks_no_page(void **state)
{
	create_destroy_50_times(3, false);
}

static void test_start_pause_destroy_50_times_leaks_no_page(void **state)
{
	create_destroy_50_times(2, true);
}

static void test_reset_of_paused_vm_restores_start_state_and_frees_slots(void **state)
{
	uint16_t id = make_vm(1);
	struct vcpu *v = vm_get(id)->vcpus[0];
	struct acrn_hc_regs *r = &regs_param(0)->vcpu_regs;

	r->rip = 0x1000;
	assert_int_equal(set_regs(id), 0);
	start_and_run(id);
	assert_int_equal(fake_vcpu_last_state(v)->rip, 0x1000);
	assert_int_equal(hc_pause_vm(fake.caller, id), 0);
	ioreq_page(OFF_IOREQ)->req_slot[0].processed = ACRN_HC_IOREQ_STATE_PROCESSING;
	assert_int_equal(hc_reset_vm(fake.caller, id), 0);
	assert_false(fake_in_runq(v));		/* released */
	assert_false(v->vmcs_ready);
	assert_int_equal(ioreq_page(OFF_IOREQ)->req_slot[0].processed, ACRN_HC_IOREQ_STATE_FREE);
	/* Reset is allowed again, and a reset VM can be configured again. */
	assert_int_equal(hc_reset_vm(fake.caller, id), 0);
	assert_int_equal(set_regs(id), 0);
}

/* Start and run, pause, reset, start and run again: every step must succeed. */
static void run_reset_and_rerun(uint16_t vmid)
{
	start_and_run(vmid);
	assert_int_equal(hc_pause_vm(fake.caller, vmid), 0);
	assert_int_equal(hc_reset_vm(fake.caller, vmid), 0);
	start_and_run(vmid);
}

static void test_reset_then_start_runs_vcpus_again(void **state)
{
	uint16_t id = make_vm(1);
	struct vcpu *v = vm_get(id)->vcpus[0];
	const struct vcpu_boot_state *st;

	run_reset_and_rerun(id);
	fake_pcpus_run();
	assert_true(fake_in_runq(v) && fake_vcpu_vmcs_inits(v) == 2);
	st = fake_vcpu_last_state(v);
	assert_int_equal(st->rip, 0xFFF0);
	assert_int_equal(st->cs.base, 0xFFFF0000ULL);
}

static void test_destroy_after_reset_and_restart_succeeds(void **state)
{
	uint16_t id = make_vm(1);
	int64_t ret;

	run_reset_and_rerun(id);
	ret = hc_destroy_vm(fake.caller, id);
	assert_true(ret == 0 && vm_get(id) == NULL);
}

/* A one-vCPU VM on pCPU 0, the caller's own, started and run once. */
static struct vcpu *vcpu_on_callers_pcpu(uint16_t *vmid)
{
	struct vm *vm = created_vm(1, 0x1, OFF_IOREQ);

	*vmid = vm->id;
	start_and_run(vm->id);
	return vm->vcpus[0];
}

/*
 * A vCPU on the caller's own pCPU cannot run while the hypercall waits:
 * pause and release must be carried out at once, not waited for.
 */
static void test_pause_and_destroy_act_at_once_for_vcpu_on_callers_pcpu(void **state)
{
	uint16_t id;
	struct vcpu *v = vcpu_on_callers_pcpu(&id);

	assert_true(v->vmcs_ready);
	fake_pcpu_set_stuck(0, true);		/* pCPU 0 is busy in this hypercall */
	assert_int_equal(hc_pause_vm(fake.caller, id), 0);
	assert_true(v->blocked & VCPU_BLOCK_PAUSED);
	assert_int_equal(hc_destroy_vm(fake.caller, id), 0);
	assert_null(vm_get(id));
	assert_int_equal(fake_runq_len(0), 0);
	assert_true(fake_udelay_calls() < 10);
}

static void test_reset_then_start_on_callers_pcpu_runs_again(void **state)
{
	uint16_t id;
	struct vcpu *v = vcpu_on_callers_pcpu(&id);

	assert_int_equal(hc_pause_vm(fake.caller, id), 0);
	assert_int_equal(hc_reset_vm(fake.caller, id), 0);
	assert_false(fake_in_runq(v));
	start_and_run(id);
	assert_true(fake_in_runq(v));
	assert_int_equal(fake_vcpu_vmcs_inits(v), 2);
	assert_int_equal(hc_destroy_vm(fake.caller, id), 0);
}

/* ------------------------------------------------------------------ */
/* Virtual interrupt controllers: reset, INIT/SIPI                     */

/* HC_RESET_VM gives the VM controllers as at power-on: old ones freed, new
 * ones made for the VM and for each vCPU. */
static void expect_controllers_recreated(struct vm *vm, int64_t ret)
{
	unsigned deinits = fake_virq.vm_deinits, inits = fake_virq.vm_inits;
	unsigned vcpu_inits = fake_virq.vcpu_inits;
	long pages = fake_pages_outstanding();

	assert_int_equal(hc_reset_vm(fake.caller, vm->id), ret);
	assert_int_equal(fake_virq.vm_deinits, deinits + 1);
	assert_ptr_equal(fake_virq.vm_deinit_vm, vm);
	assert_int_equal(fake_virq.vm_inits, inits + 1);
	assert_int_equal(fake_virq.vcpu_inits, vcpu_inits + vm->vcpu_count);
	assert_true(fake_virq_vm_live(vm));
	for (uint32_t i = 0; i < vm->vcpu_count; i++)
		assert_ptr_equal(vm->vcpus[i]->virq, vm->virq);
	/* The old ones went back: one page for one. */
	assert_int_equal(fake_pages_outstanding(), pages);
}

static void test_reset_of_paused_vm_recreates_interrupt_controllers(void **state)
{
	uint16_t id = make_vm(3);
	struct vm *vm = vm_get(id);

	start_and_run(id);
	assert_int_equal(hc_pause_vm(fake.caller, id), 0);
	expect_controllers_recreated(vm, 0);
	/* Again, and on the CREATED VM that reset left. */
	expect_controllers_recreated(vm, 0);
}

static void test_reset_of_never_started_vm_recreates_interrupt_controllers(void **state)
{
	uint16_t id = make_vm(2);

	expect_controllers_recreated(vm_get(id), 0);
}

static void test_reset_while_running_keeps_interrupt_controllers(void **state)
{
	uint16_t id = make_vm(1);

	assert_int_equal(hc_start_vm(fake.caller, id), 0);
	assert_int_equal(hc_reset_vm(fake.caller, id), -EBUSY);
	assert_int_equal(fake_virq.vm_deinits, 0);
	assert_int_equal(fake_virq.vm_inits, 1);
}

/* The error of the controllers is the hypercall's; a retry then succeeds. */
static void test_reset_propagates_interrupt_controller_failure(void **state)
{
	uint16_t id = make_vm(2);
	struct vm *vm = vm_get(id);

	fake_virq.vm_init_ret = -ENOMEM;
	assert_int_equal(hc_reset_vm(fake.caller, id), -ENOMEM);
	fake_virq.vm_init_ret = 0;
	fake_virq.vcpu_init_fail_at = 2;
	fake_virq.vcpu_init_err = -ENOMEM;
	assert_int_equal(hc_reset_vm(fake.caller, id), -ENOMEM);
	assert_int_equal(fake_virq.vcpu_init_fail_at, 0);
	/* Half-built controllers are not kept, and a VM without them may not start. */
	assert_false(fake_virq_vm_live(vm));
	assert_int_equal(hc_start_vm(fake.caller, id), -ENOMEM);
	assert_int_equal(hc_reset_vm(fake.caller, id), 0);
	assert_true(fake_virq_vm_live(vm));
	start_and_run(id);
	assert_int_equal(fake_vcpu_entries(vm->vcpus[0]), 1);
}

/* SDM Vol. 3 §8.4.1: after power-on only the BSP runs; APs wait for INIT-SIPI-SIPI. */
static void test_start_blocks_aps_until_sipi_and_not_the_bsp(void **state)
{
	uint16_t id = make_vm(3);
	struct vm *vm = vm_get(id);
	struct vcpu *bsp = vm->vcpus[0], *ap1 = vm->vcpus[1], *ap2 = vm->vcpus[2];

	assert_int_equal(hc_start_vm(fake.caller, id), 0);
	assert_int_equal(bsp->blocked, 0);
	assert_int_equal(ap1->blocked, VCPU_BLOCK_SIPI);
	assert_int_equal(ap2->blocked, VCPU_BLOCK_SIPI);
	assert_true(fake_in_runq(ap1) && fake_in_runq(ap2));	/* queued, not runnable */
	fake_pcpus_run();
	fake_pcpus_run();
	assert_int_equal(fake_vcpu_entries(bsp), 2);
	assert_int_equal(fake_vcpu_entries(ap1), 0);
	assert_int_equal(fake_vcpu_entries(ap2), 0);
	/* The BSP starts AP 1 only. */
	send_init_sipi(ap1, 0x9F);
	fake_pcpus_run();
	assert_int_equal(fake_vcpu_sipis(ap1), 1);
	assert_int_equal(ap1->blocked, 0);
	assert_int_equal(fake_vcpu_entries(ap1), 1);
	assert_int_equal(ap2->blocked, VCPU_BLOCK_SIPI);
	assert_int_equal(fake_vcpu_entries(ap2), 0);
	assert_int_equal(fake_vcpu_vmcs_inits(ap2), 0);
}

static void test_start_after_reset_blocks_aps_again(void **state)
{
	struct vm *vm = running_vm(2);

	assert_int_equal(vm->vcpus[1]->blocked, 0);
	assert_int_equal(hc_pause_vm(fake.caller, vm->id), 0);
	assert_int_equal(hc_reset_vm(fake.caller, vm->id), 0);
	assert_int_equal(hc_start_vm(fake.caller, vm->id), 0);
	assert_int_equal(vm->vcpus[0]->blocked, 0);
	assert_int_equal(vm->vcpus[1]->blocked, VCPU_BLOCK_SIPI);
}

/* Resuming a paused VM is not a power-on: started APs keep running. */
static void test_resume_after_pause_does_not_block_started_aps(void **state)
{
	struct vm *vm = running_vm(2);
	struct vcpu *ap = vm->vcpus[1];
	unsigned e;

	assert_int_equal(hc_pause_vm(fake.caller, vm->id), 0);
	e = fake_vcpu_entries(ap);
	assert_int_equal(hc_start_vm(fake.caller, vm->id), 0);
	fake_pcpus_run();
	assert_int_equal(ap->blocked, 0);
	assert_int_equal(fake_vcpu_entries(ap), e + 1);
}

/* ------------------------------------------------------------------ */
/* HC_SET_VCPU_REGS                                                    */

static void test_set_vcpu_regs_refuses_vcpu_id_out_of_range(void **state)
{
	uint16_t id = make_vm(2);

	regs_param(2);
	assert_int_equal(set_regs(id), -EINVAL);
	regs_param(0xFFFF);
	assert_int_equal(set_regs(id), -EINVAL);
	regs_param(1);
	assert_int_equal(set_regs(id), 0);
}

static void test_set_vcpu_regs_bad_param_gpa_is_efault(void **state)
{
	uint16_t id = make_vm(1);

	assert_int_equal(hc_set_vcpu_regs(fake.caller, id, fake_sos_gpa(FAKE_SOS_RAM_SIZE)), -EFAULT);
	assert_int_equal(hc_set_vcpu_regs(fake.caller, id,
					  fake_sos_gpa(FAKE_SOS_RAM_SIZE) - 100), -EFAULT);
	assert_int_equal(hc_set_vcpu_regs(fake.caller, id, ~0ULL - 10), -EFAULT);
}

/* Starts the VM and returns the state vCPU @vcpu was given. */
static const struct vcpu_boot_state *started_state(uint16_t id, uint32_t vcpu)
{
	start_and_run(id);
	return fake_vcpu_last_state(vm_get(id)->vcpus[vcpu]);
}

/* A refused call leaves the start state as it was (the reset state). */
static void expect_refused(uint16_t id, struct acrn_hc_vcpu_regs *p)
{
	assert_int_equal(set_regs(id), -EINVAL);
	(void)p;
}

static void test_set_vcpu_regs_refuses_pg_without_pe(void **state)
{
	uint16_t id = make_vm(1);
	struct acrn_hc_vcpu_regs *p = regs_param(0);

	p->vcpu_regs.cr0 = CR0_PG;
	expect_refused(id, p);
	assert_int_equal(started_state(id, 0)->rip, 0xFFF0);
}

static void test_set_vcpu_regs_refuses_efer_reserved_bits(void **state)
{
	uint16_t id = make_vm(1);
	const uint64_t bad[] = { 1ULL << 1, 1ULL << 9, 1ULL << 12, 1ULL << 63 };

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct acrn_hc_vcpu_regs *p = regs_param(0);

		p->vcpu_regs.ia32_efer = bad[i] | EFER_SCE;
		expect_refused(id, p);
	}
	regs_param(0)->vcpu_regs.ia32_efer = EFER_SCE | EFER_NXE | EFER_LME;
	assert_int_equal(set_regs(id), 0);
}

static void test_set_vcpu_regs_refuses_lma_without_pg(void **state)
{
	uint16_t id = make_vm(1);
	struct acrn_hc_vcpu_regs *p = regs_param(0);

	p->vcpu_regs.cr0 = CR0_PE;
	p->vcpu_regs.ia32_efer = EFER_LME | EFER_LMA;
	expect_refused(id, p);
}

static void test_set_vcpu_regs_refuses_cr4_vmxe(void **state)
{
	uint16_t id = make_vm(1);
	struct acrn_hc_vcpu_regs *p = regs_param(0);

	p->vcpu_regs.cr4 = CR4_VMXE | CR4_PAE;
	expect_refused(id, p);
}

static void test_set_vcpu_regs_refuses_zero_cs_limit(void **state)
{
	uint16_t id = make_vm(1);
	struct acrn_hc_vcpu_regs *p = regs_param(0);

	p->vcpu_regs.cs_limit = 0;
	expect_refused(id, p);
}

static void test_set_vcpu_regs_while_running_is_ebusy(void **state)
{
	uint16_t id = make_vm(1);

	assert_int_equal(hc_start_vm(fake.caller, id), 0);
	regs_param(0);
	assert_int_equal(set_regs(id), -EBUSY);
}

/* On the BSP: an AP starts where its SIPI says, whatever its start state. */
/* An AP whose registers the device model set starts there, without INIT/SIPI. */
static void test_set_vcpu_regs_of_ap_starts_it_without_sipi(void **state)
{
	uint16_t id = make_vm(3);
	struct vm *vm = vm_get(id);
	struct acrn_hc_regs *r = &regs_param(1)->vcpu_regs;
	const struct vcpu_boot_state *st;

	r->rip = 0x2000;
	assert_int_equal(set_regs(id), 0);
	st = started_state(id, 1);
	assert_non_null(st);
	assert_int_equal(st->rip, 0x2000);
	assert_int_equal(vm->vcpus[1]->blocked, 0);
	assert_false(vm->vcpus[1]->wait_sipi);
	assert_int_equal(vm->vcpus[2]->blocked, VCPU_BLOCK_SIPI);
}

static void test_set_vcpu_regs_real_mode_data_segments_get_selector_base(void **state)
{
	uint16_t id = make_vm(2);
	struct acrn_hc_regs *r = &regs_param(0)->vcpu_regs;
	const struct vcpu_boot_state *st;

	r->cs_sel = 0x1000;
	r->cs_base = 0x10000;
	r->ss_sel = 0x2000;
	r->ds_sel = 0x1234;
	r->es_sel = 0xFFFF;
	r->fs_sel = 0x0001;
	r->gs_sel = 0x8000;
	r->rip = 0x100;
	r->gprs.rsp = 0xFFFE;
	r->gprs.rsi = 0x5678;
	assert_int_equal(set_regs(id), 0);
	st = started_state(id, 0);
	assert_non_null(st);
	assert_int_equal(st->cs.sel, 0x1000);
	assert_int_equal(st->cs.base, 0x10000);
	assert_int_equal(st->ss.base, 0x20000);
	assert_int_equal(st->ds.base, 0x12340);
	assert_int_equal(st->es.base, 0xFFFF0);
	assert_int_equal(st->fs.base, 0x10);
	assert_int_equal(st->gs.base, 0x80000);
	assert_int_equal(st->ds.sel, 0x1234);
	assert_int_equal(st->ds.limit, 0xFFFF);
	assert_int_equal(st->rip, 0x100);
	assert_int_equal(st->rsp, 0xFFFE);
	assert_int_equal(st->gpr[GPR_RSI], 0x5678);
	assert_true(st->rflags & 0x2);		/* reserved bit 1 always set */
	assert_int_equal(st->activity, VCPU_ACTIVITY_ACTIVE);
}

static void test_set_vcpu_regs_long_mode_state_is_stored(void **state)
{
	uint16_t id = make_vm(1);
	struct acrn_hc_regs *r = &regs_param(0)->vcpu_regs;
	const struct vcpu_boot_state *st;

	r->cr0 = CR0_PE | CR0_PG | CR0_ET;
	r->cr4 = CR4_PAE;
	r->cr3 = 0x9000;
	r->ia32_efer = EFER_LME | EFER_LMA;
	r->cs_sel = 0x10;
	r->cs_ar = 0xA09B;
	r->cs_limit = 0xFFFFFFFF;
	r->ds_sel = 0x18;
	r->ss_sel = 0x18;
	r->gdt.base = 0x5000;
	r->gdt.limit = 0x27;
	r->idt.base = 0x6000;
	r->idt.limit = 0xFFF;
	r->rip = 0x1000000;
	r->rflags = 0;
	r->gprs.rax = 0xA;
	r->gprs.r15 = 0xF15;
	assert_int_equal(set_regs(id), 0);
	st = started_state(id, 0);
	assert_int_equal(st->cr0, CR0_PE | CR0_PG | CR0_ET);
	assert_int_equal(st->cr3, 0x9000);
	assert_int_equal(st->cr4, CR4_PAE);
	assert_int_equal(st->efer, EFER_LME | EFER_LMA);
	assert_int_equal(st->cs.ar, 0xA09B);
	assert_int_equal(st->ds.base, 0);
	assert_int_equal(st->ds.limit, 0xFFFFFFFFU);
	assert_int_equal(st->ds.ar, 0xC093);
	assert_int_equal(st->gdt_base, 0x5000);
	assert_int_equal(st->gdt_limit, 0x27);
	assert_int_equal(st->idt_base, 0x6000);
	assert_int_equal(st->idt_limit, 0xFFF);
	assert_int_equal(st->rip, 0x1000000);
	assert_int_equal(st->rflags, 0x2);
	assert_int_equal(st->gpr[GPR_RAX], 0xA);
	assert_int_equal(st->gpr[GPR_R15], 0xF15);
}

/* ------------------------------------------------------------------ */
/* HC_VM_SET_MEMORY_REGIONS                                            */

static void test_regions_refuse_zero_or_more_than_128(void **state)
{
	uint16_t id = make_vm(1);
	struct acrn_hc_memory_region_op r[ACRN_HC_MAX_REGIONS_PER_BATCH];

	for (unsigned i = 0; i < ARRAY_SIZE(r); i++)
		region(&r[i], ACRN_HC_MEM_REGION_ADD, (uint64_t)i * PAGE_SIZE,
		       fake_sos_gpa(OFF_GUEST) + (uint64_t)i * PAGE_SIZE, PAGE_SIZE, ALL_RIGHTS);
	assert_int_equal(set_regions(id, r, 0), -EINVAL);
	assert_int_equal(set_regions(id, r, ACRN_HC_MAX_REGIONS_PER_BATCH + 1), -EINVAL);
	assert_int_equal(set_regions(id, r, 0xFFFFFFFFU), -EINVAL);
	assert_int_equal(ept_query(id, 0, NULL, NULL), -ENOENT);
	/* 128 is fine. */
	assert_int_equal(set_regions(id, r, ACRN_HC_MAX_REGIONS_PER_BATCH), 0);
	assert_int_equal(ept_query(id, 127 * PAGE_SIZE, NULL, NULL), 0);
}

static void test_regions_refuse_unknown_vm(void **state)
{
	struct acrn_hc_memory_region_op r;

	make_vm(1);
	region(&r, ACRN_HC_MEM_REGION_ADD, 0, fake_sos_gpa(OFF_GUEST), PAGE_SIZE, ALL_RIGHTS);
	assert_int_equal(set_regions(0, &r, 1), -EINVAL);	/* the Service VM */
	assert_int_equal(set_regions(5, &r, 1), -EINVAL);
	assert_int_equal(set_regions(0xFFFF, &r, 1), -EINVAL);
}

static void test_regions_bad_batch_or_array_gpa_is_efault(void **state)
{
	uint16_t id = make_vm(1);
	struct acrn_hc_memory_region_batch *b = fake_sos_ptr(OFF_BATCH);
	struct acrn_hc_memory_region_op r[2];

	assert_int_equal(hc_set_memory_regions(fake.caller, fake_sos_gpa(FAKE_SOS_RAM_SIZE)), -EFAULT);
	assert_int_equal(hc_set_memory_regions(fake.caller, ~0ULL - 8), -EFAULT);
	region(&r[0], ACRN_HC_MEM_REGION_ADD, 0, fake_sos_gpa(OFF_GUEST), PAGE_SIZE, ALL_RIGHTS);
	r[1] = r[0];
	r[1].user_vm_pa = PAGE_SIZE;
	/* The array itself outside, or running off the end of, Service VM memory. */
	memcpy(fake_sos_ptr(FAKE_SOS_RAM_SIZE - sizeof(r[0])), &r[0], sizeof(r[0]));
	b->vmid = id;
	b->regions_num = 2;
	b->regions_gpa = fake_sos_gpa(FAKE_SOS_RAM_SIZE - sizeof(r[0]));
	assert_int_equal(hc_set_memory_regions(fake.caller, fake_sos_gpa(OFF_BATCH)), -EFAULT);
	b->regions_gpa = (uint64_t)(uintptr_t)fake.hv_res;
	assert_int_equal(hc_set_memory_regions(fake.caller, fake_sos_gpa(OFF_BATCH)), -EFAULT);
	b->regions_gpa = ~0ULL - 16;
	assert_int_equal(hc_set_memory_regions(fake.caller, fake_sos_gpa(OFF_BATCH)), -EFAULT);
	assert_int_equal(ept_query(id, 0, NULL, NULL), -ENOENT);
}

/* Each bad region, put after a valid one: refused, and nothing mapped. */
static void expect_batch_refused(uint16_t id, const struct acrn_hc_memory_region_op *bad,
				 int64_t err)
{
	struct acrn_hc_memory_region_op r[2];
	long pages = fake_pages_outstanding();

	region(&r[0], ACRN_HC_MEM_REGION_ADD, 0x100000, fake_sos_gpa(OFF_GUEST), 0x10000,
	       ALL_RIGHTS | ACRN_HC_MEM_TYPE_WB);
	r[1] = *bad;
	assert_int_equal(set_regions(id, r, 2), err);
	assert_int_equal(ept_query(id, 0x100000, NULL, NULL), -ENOENT);
	assert_int_equal(fake_pages_outstanding(), pages);
}

static void test_regions_refuse_unaligned_or_empty(void **state)
{
	uint16_t id = make_vm(1);
	struct acrn_hc_memory_region_op bad;
	uint64_t pa = fake_sos_gpa(OFF_GUEST + 0x100000);

	region(&bad, ACRN_HC_MEM_REGION_ADD, 0x200800, pa, PAGE_SIZE, ALL_RIGHTS);
	expect_batch_refused(id, &bad, -EINVAL);
	region(&bad, ACRN_HC_MEM_REGION_ADD, 0x200000, pa, PAGE_SIZE + 1, ALL_RIGHTS);
	expect_batch_refused(id, &bad, -EINVAL);
	region(&bad, ACRN_HC_MEM_REGION_ADD, 0x200000, pa, 0, ALL_RIGHTS);
	expect_batch_refused(id, &bad, -EINVAL);
	region(&bad, ACRN_HC_MEM_REGION_ADD, 0x200000, pa + 0x10, PAGE_SIZE, ALL_RIGHTS);
	expect_batch_refused(id, &bad, -EFAULT);
	region(&bad, ACRN_HC_MEM_REGION_DEL, 0x200001, 0, PAGE_SIZE, 0);
	expect_batch_refused(id, &bad, -EINVAL);
}

static void test_regions_refuse_gpa_overflow_and_beyond_512g(void **state)
{
	uint16_t id = make_vm(1);
	struct acrn_hc_memory_region_op bad;
	uint64_t pa = fake_sos_gpa(OFF_GUEST);

	region(&bad, ACRN_HC_MEM_REGION_ADD, ~0ULL & PAGE_MASK, pa, 2 * PAGE_SIZE, ALL_RIGHTS);
	expect_batch_refused(id, &bad, -EINVAL);
	region(&bad, ACRN_HC_MEM_REGION_ADD, PAGE_SIZE, pa, ~0ULL & PAGE_MASK, ALL_RIGHTS);
	expect_batch_refused(id, &bad, -EINVAL);
	region(&bad, ACRN_HC_MEM_REGION_ADD, (1ULL << 39) - PAGE_SIZE, pa, 2 * PAGE_SIZE, ALL_RIGHTS);
	expect_batch_refused(id, &bad, -EINVAL);
	region(&bad, ACRN_HC_MEM_REGION_ADD, 1ULL << 39, pa, PAGE_SIZE, ALL_RIGHTS);
	expect_batch_refused(id, &bad, -EINVAL);
	region(&bad, ACRN_HC_MEM_REGION_DEL, 1ULL << 40, 0, PAGE_SIZE, 0);
	expect_batch_refused(id, &bad, -EINVAL);
	/* The last page below 512 GiB is a User VM address. */
	region(&bad, ACRN_HC_MEM_REGION_ADD, (1ULL << 39) - PAGE_SIZE, pa, PAGE_SIZE, ALL_RIGHTS);
	assert_int_equal(set_regions(id, &bad, 1), 0);
	assert_int_equal(ept_query(id, (1ULL << 39) - 1, NULL, NULL), 0);
}

static void test_regions_refuse_backing_that_is_not_service_vm_ram(void **state)
{
	uint16_t id = make_vm(1);
	struct acrn_hc_memory_region_op bad;
	uint64_t hv = (uint64_t)(uintptr_t)fake.hv_res;

	/* The hypervisor's own (reserved) range. */
	region(&bad, ACRN_HC_MEM_REGION_ADD, 0x400000, hv, PAGE_SIZE, ALL_RIGHTS);
	expect_batch_refused(id, &bad, -EFAULT);
	/* RAM at the start, running off its end. */
	region(&bad, ACRN_HC_MEM_REGION_ADD, 0x400000, fake_sos_gpa(FAKE_SOS_RAM_SIZE - PAGE_SIZE),
	       2 * PAGE_SIZE, ALL_RIGHTS);
	expect_batch_refused(id, &bad, -EFAULT);
	/* Wrapping around the address space. */
	region(&bad, ACRN_HC_MEM_REGION_ADD, 0x400000, ~0ULL & PAGE_MASK, 2 * PAGE_SIZE, ALL_RIGHTS);
	expect_batch_refused(id, &bad, -EFAULT);
	region(&bad, ACRN_HC_MEM_REGION_ADD, 0x400000, 0, PAGE_SIZE, ALL_RIGHTS);
	expect_batch_refused(id, &bad, -EFAULT);
}

static void test_regions_refuse_lapic_and_ioapic_pages(void **state)
{
	uint16_t id = make_vm(1);
	struct acrn_hc_memory_region_op bad;
	uint64_t pa = fake_sos_gpa(OFF_GUEST);

	region(&bad, ACRN_HC_MEM_REGION_ADD, 0xFEE00000ULL, pa, PAGE_SIZE, ALL_RIGHTS);
	expect_batch_refused(id, &bad, -EINVAL);
	region(&bad, ACRN_HC_MEM_REGION_ADD, 0xFEC00000ULL, pa, PAGE_SIZE, ALL_RIGHTS);
	expect_batch_refused(id, &bad, -EINVAL);
	/* Covering them from below. */
	region(&bad, ACRN_HC_MEM_REGION_ADD, 0xFEBFF000ULL, pa, 2 * PAGE_SIZE, ALL_RIGHTS);
	expect_batch_refused(id, &bad, -EINVAL);
	region(&bad, ACRN_HC_MEM_REGION_ADD, 0xFEC00000ULL - 0x100000, pa, 0x200000, ALL_RIGHTS);
	expect_batch_refused(id, &bad, -EINVAL);
	/* The pages next to them are ordinary addresses. */
	region(&bad, ACRN_HC_MEM_REGION_ADD, 0xFEE01000ULL, pa, PAGE_SIZE, ALL_RIGHTS);
	assert_int_equal(set_regions(id, &bad, 1), 0);
	region(&bad, ACRN_HC_MEM_REGION_ADD, 0xFEBFF000ULL, pa, PAGE_SIZE, ALL_RIGHTS);
	assert_int_equal(set_regions(id, &bad, 1), 0);
}

static void test_regions_refuse_write_without_read_or_no_rights(void **state)
{
	uint16_t id = make_vm(1);
	struct acrn_hc_memory_region_op bad;
	uint64_t pa = fake_sos_gpa(OFF_GUEST);

	region(&bad, ACRN_HC_MEM_REGION_ADD, 0x200000, pa, PAGE_SIZE, ACRN_HC_MEM_ACCESS_WRITE);
	expect_batch_refused(id, &bad, -EINVAL);
	region(&bad, ACRN_HC_MEM_REGION_ADD, 0x200000, pa, PAGE_SIZE,
	       ACRN_HC_MEM_ACCESS_WRITE | ACRN_HC_MEM_ACCESS_EXEC);
	expect_batch_refused(id, &bad, -EINVAL);
	region(&bad, ACRN_HC_MEM_REGION_ADD, 0x200000, pa, PAGE_SIZE, ACRN_HC_MEM_TYPE_WB);
	expect_batch_refused(id, &bad, -EINVAL);
}

static void test_regions_refuse_unknown_operation(void **state)
{
	uint16_t id = make_vm(1);
	struct acrn_hc_memory_region_op bad;

	region(&bad, 1, 0x200000, fake_sos_gpa(OFF_GUEST), PAGE_SIZE, ALL_RIGHTS);
	expect_batch_refused(id, &bad, -EINVAL);
	region(&bad, 0x80000000U, 0x200000, fake_sos_gpa(OFF_GUEST), PAGE_SIZE, ALL_RIGHTS);
	expect_batch_refused(id, &bad, -EINVAL);
}

static void test_regions_add_maps_service_vm_pages_then_del_unmaps_all(void **state)
{
	uint16_t id = make_vm(1);
	struct acrn_hc_memory_region_op r[2];
	long pages = fake_pages_outstanding();
	uint64_t hpa;
	uint32_t prot;

	region(&r[0], ACRN_HC_MEM_REGION_ADD, 0, fake_sos_gpa(OFF_GUEST), 0x200000,
	       ALL_RIGHTS | ACRN_HC_MEM_TYPE_WB);
	region(&r[1], ACRN_HC_MEM_REGION_ADD, 0x100000000ULL, fake_sos_gpa(OFF_GUEST + 0x200000),
	       0x3000, ACRN_HC_MEM_ACCESS_READ | ACRN_HC_MEM_TYPE_UC);
	assert_int_equal(set_regions(id, r, 2), 0);
	assert_int_equal(ept_query(id, 0x1234, &hpa, &prot), 0);
	assert_int_equal(hpa, fake_sos_gpa(OFF_GUEST) + 0x1234);
	assert_int_equal(prot & (PGT_R | PGT_W | PGT_X), PGT_R | PGT_W | PGT_X);
	assert_int_equal(ept_query(id, 0x100002000ULL, &hpa, &prot), 0);
	assert_int_equal(hpa, fake_sos_gpa(OFF_GUEST + 0x202000));
	assert_int_equal(prot & (PGT_R | PGT_W | PGT_X), PGT_R);
	assert_int_equal(ept_query(id, 0x100003000ULL, NULL, NULL), -ENOENT);
	assert_int_equal(ept_query(id, 0x200000, NULL, NULL), -ENOENT);

	region(&r[0], ACRN_HC_MEM_REGION_DEL, 0, 0, 0x200000, 0);
	region(&r[1], ACRN_HC_MEM_REGION_DEL, 0x100000000ULL, 0, 0x3000, 0);
	assert_int_equal(set_regions(id, r, 2), 0);
	assert_int_equal(ept_query(id, 0, NULL, NULL), -ENOENT);
	assert_int_equal(ept_query(id, 0x1FF000, NULL, NULL), -ENOENT);
	assert_int_equal(ept_query(id, 0x100000000ULL, NULL, NULL), -ENOENT);
	assert_int_equal(ept_query(id, 0x100002000ULL, NULL, NULL), -ENOENT);
	/* The EPT's table pages went back too. */
	assert_int_equal(fake_pages_outstanding(), pages);
}

static void test_regions_memory_types_map_to_ept_types(void **state)
{
	static const struct { uint32_t attr, mt; } types[] = {
		{ ACRN_HC_MEM_TYPE_WB, PGT_MT_WB }, { ACRN_HC_MEM_TYPE_WT, PGT_MT_WT },
		{ ACRN_HC_MEM_TYPE_UC, PGT_MT_UC }, { ACRN_HC_MEM_TYPE_WC, PGT_MT_WC },
		{ ACRN_HC_MEM_TYPE_WP, PGT_MT_WP }, { 0, PGT_MT_WB },
	};
	uint16_t id = make_vm(1);
	struct acrn_hc_memory_region_op r[ARRAY_SIZE(types)];
	uint32_t prot;

	for (unsigned i = 0; i < ARRAY_SIZE(types); i++)
		region(&r[i], ACRN_HC_MEM_REGION_ADD, 0x10000000ULL + i * PAGE_SIZE,
		       fake_sos_gpa(OFF_GUEST) + i * PAGE_SIZE, PAGE_SIZE,
		       ACRN_HC_MEM_ACCESS_READ | ACRN_HC_MEM_ACCESS_EXEC | types[i].attr);
	assert_int_equal(set_regions(id, r, ARRAY_SIZE(types)), 0);
	for (unsigned i = 0; i < ARRAY_SIZE(types); i++) {
		assert_int_equal(ept_query(id, 0x10000000ULL + i * PAGE_SIZE, NULL, &prot), 0);
		assert_int_equal(prot & PGT_MT_MASK, types[i].mt);
		assert_int_equal(prot & (PGT_R | PGT_W | PGT_X), PGT_R | PGT_X);
	}
}

static void test_regions_change_asks_running_vcpus_to_flush_ept(void **state)
{
	uint16_t id = make_vm(1);
	struct vcpu *v = vm_get(id)->vcpus[0];
	struct acrn_hc_memory_region_op r;

	region(&r, ACRN_HC_MEM_REGION_ADD, 0, fake_sos_gpa(OFF_GUEST), PAGE_SIZE, ALL_RIGHTS);
	assert_int_equal(set_regions(id, &r, 1), 0);
	assert_false(v->requests & VCPU_REQ_FLUSH_EPT);	/* no VMCS yet: nothing cached */
	start_and_run(id);
	region(&r, ACRN_HC_MEM_REGION_DEL, 0, 0, PAGE_SIZE, 0);
	assert_int_equal(set_regions(id, &r, 1), 0);
	assert_true(v->requests & VCPU_REQ_FLUSH_EPT);
}

/* ------------------------------------------------------------------ */
/* HC_SET_IOREQ_BUFFER                                                 */

static uint16_t make_vm_without_ioreq(void)
{
	uint16_t id;

	dedicate(1, 3);
	assert_int_equal(create(2, 0, 0, &id), 0);
	return id;
}

static void test_ioreq_buffer_bad_param_gpa_is_efault(void **state)
{
	uint16_t id = make_vm_without_ioreq();

	assert_int_equal(hc_set_ioreq_buffer(fake.caller, id, fake_sos_gpa(FAKE_SOS_RAM_SIZE)), -EFAULT);
	assert_int_equal(hc_set_ioreq_buffer(fake.caller, id, fake_sos_gpa(FAKE_SOS_RAM_SIZE) - 4),
			 -EFAULT);
	assert_int_equal(hc_set_ioreq_buffer(fake.caller, id, (uint64_t)(uintptr_t)fake.hv_res),
			 -EFAULT);
	assert_int_equal(hc_start_vm(fake.caller, id), -EINVAL);	/* still has none */
}

static void test_ioreq_buffer_refuses_unaligned_and_non_ram(void **state)
{
	uint16_t id = make_vm_without_ioreq();

	assert_int_equal(set_ioreq(id, fake_sos_gpa(OFF_IOREQ) + 0x100), -EINVAL);
	assert_int_equal(set_ioreq(id, fake_sos_gpa(OFF_IOREQ) + 1), -EINVAL);
	assert_int_equal(set_ioreq(id, (uint64_t)(uintptr_t)fake.hv_res), -EINVAL);
	assert_int_equal(set_ioreq(id, fake_sos_gpa(FAKE_SOS_RAM_SIZE)), -EINVAL);
	assert_int_equal(set_ioreq(id, 0), -EINVAL);
	assert_int_equal(set_ioreq(id, ~0ULL & PAGE_MASK), -EINVAL);
	assert_int_equal(set_ioreq(7, fake_sos_gpa(OFF_IOREQ)), -EINVAL);
	assert_int_equal(hc_start_vm(fake.caller, id), -EINVAL);
}

static void test_ioreq_buffer_while_running_is_ebusy(void **state)
{
	uint16_t id = make_vm(1);

	assert_int_equal(hc_start_vm(fake.caller, id), 0);
	memset(ioreq_page(OFF_IOREQ2), 0x77, PAGE_SIZE);
	assert_int_equal(set_ioreq(id, fake_sos_gpa(OFF_IOREQ2)), -EBUSY);
	assert_int_equal(ioreq_page(OFF_IOREQ2)->req_slot[0].processed, 0x77777777U);
}

static void test_ioreq_buffer_marks_all_16_slots_free(void **state)
{
	uint16_t id = make_vm_without_ioreq();
	struct acrn_hc_io_request_buffer *page = ioreq_page(OFF_IOREQ2);

	memset(page, 0xA5, PAGE_SIZE);
	assert_int_equal(set_ioreq(id, fake_sos_gpa(OFF_IOREQ2)), 0);
	for (unsigned i = 0; i < ACRN_HC_IO_REQUEST_MAX; i++)
		assert_int_equal(page->req_slot[i].processed, ACRN_HC_IOREQ_STATE_FREE);
	assert_int_equal(hc_start_vm(fake.caller, id), 0);
}

/* ------------------------------------------------------------------ */
/* HC_NOTIFY_REQUEST_FINISH and the IOREQ flow                         */

static void test_notify_refuses_bad_vmid_or_vcpu(void **state)
{
	uint16_t id = make_vm(2);

	assert_int_equal(hc_notify_request_finish(fake.caller, id, 2), -EINVAL);
	assert_int_equal(hc_notify_request_finish(fake.caller, id, ~0ULL), -EINVAL);
	assert_int_equal(hc_notify_request_finish(fake.caller, id, 1ULL << 32), -EINVAL);
	assert_int_equal(hc_notify_request_finish(fake.caller, 6, 0), -EINVAL);
	assert_int_equal(hc_notify_request_finish(fake.caller, MAX_VMS, 0), -EINVAL);
	assert_int_equal(vm_get(id)->vcpus[0]->requests, 0);
	assert_int_equal(vm_get(id)->vcpus[1]->requests, 0);
	assert_int_equal(hc_notify_request_finish(fake.caller, id, 1), 0);
	assert_true(vm_get(id)->vcpus[1]->requests & VCPU_REQ_IOREQ_DONE);
}

static int guest_pio(struct vcpu *v, uint16_t port, unsigned size, bool write, uint32_t val)
{
	return v->vm->ops->pio(v, port, size, write, &val);
}

/* The Service VM completes slot @vcpu with @value and notifies; the pCPUs run. */
static void complete(struct vm *vm, uint32_t vcpu, uint64_t value, bool mmio)
{
	struct acrn_hc_io_request *s = &ioreq_page(OFF_IOREQ)->req_slot[vcpu];

	if (mmio)
		s->reqs.mmio_request.value = value;
	else
		s->reqs.pio_request.value = (uint32_t)value;
	__atomic_store_n(&s->processed, ACRN_HC_IOREQ_STATE_COMPLETE, __ATOMIC_RELEASE);
	assert_int_equal(hc_notify_request_finish(fake.caller, vm->id, vcpu), 0);
	fake_pcpus_run();
}

/* A VM with enough forwarded round trips reports where their time went when destroyed. */
static void io_round_trips_then_destroy(unsigned n, bool want_stats)
{
	struct vm *vm = running_vm(1);
	struct vcpu *v = vm->vcpus[0];
	unsigned lines;

	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(guest_pio(v, 0x600, 4, false, 0), -EINPROGRESS);
		complete(vm, 0, i, false);
	}
	/* Its pCPUs' idle counters moved during its life: the report gives the difference. */
	for (unsigned p = 0; p < MAX_PCPUS; p++) {
		fake_idle_halts[p] += 7;
		fake_idle_kicks[p] += 4;
	}
	lines = fake_log_lines();
	assert_int_equal(hc_destroy_vm(fake.caller, vm->id), 0);
	if (want_stats) {
		assert_int_equal(fake_log_lines(), lines + 5);	/* destroyed, idle, summary, 2 BENCH */
		assert_non_null(strstr(fake_log_last(), "BENCH uos_notify_to_consumed "));
	} else {
		assert_int_equal(fake_log_lines(), lines + 2);	/* destroyed, idle */
		assert_non_null(strstr(fake_log_last(), "; idle: pcpu"));
		assert_non_null(strstr(fake_log_last(), " 7 halts, 4 kicks;"));
	}
}

static void test_io_stats_printed_after_100_round_trips(void **state)
{
	io_round_trips_then_destroy(100, true);
}

static void test_io_stats_not_printed_for_few_round_trips(void **state)
{
	io_round_trips_then_destroy(99, false);
}

static void test_pio_write_posts_pending_request_in_vcpu_slot(void **state)
{
	struct vm *vm = running_vm(2);
	struct vcpu *v = vm->vcpus[1];
	struct acrn_hc_io_request *s = &ioreq_page(OFF_IOREQ)->req_slot[1];
	unsigned up = fake_upcalls();

	s->reqs.data[7] = 0x1111;	/* stale data the hypervisor must clear */
	s->completion_polling = 1;
	assert_int_equal(guest_pio(v, 0x3F8, 1, true, 0x41), -EINPROGRESS);
	assert_int_equal(s->processed, ACRN_HC_IOREQ_STATE_PENDING);
	assert_int_equal(s->type, ACRN_HC_IOREQ_TYPE_PORTIO);
	assert_int_equal(s->reqs.pio_request.direction, ACRN_HC_IOREQ_DIR_WRITE);
	assert_int_equal(s->reqs.pio_request.address, 0x3F8);
	assert_int_equal(s->reqs.pio_request.size, 1);
	assert_int_equal(s->reqs.pio_request.value, 0x41);
	assert_int_equal(s->reqs.data[7], 0);
	assert_int_equal(s->completion_polling, 0);
	assert_int_equal(fake_upcalls(), up + 1);
	assert_true(v->blocked & VCPU_BLOCK_IOREQ);
	/* Slot 0 (the other vCPU) is untouched; the blocked vCPU does not run. */
	assert_int_equal(ioreq_page(OFF_IOREQ)->req_slot[0].processed, ACRN_HC_IOREQ_STATE_FREE);
	fake_pcpus_run();
	assert_int_equal(fake_vcpu_entries(v), 1);
	/* Completing a write frees the slot, resumes the vCPU, leaves RAX alone. */
	v->regs.gpr[GPR_RAX] = 0x1234;
	complete(vm, 1, 0xFFFFFFFF, false);
	assert_int_equal(s->processed, ACRN_HC_IOREQ_STATE_FREE);
	assert_false(v->blocked & VCPU_BLOCK_IOREQ);
	assert_int_equal(v->regs.gpr[GPR_RAX], 0x1234);
	assert_int_equal(fake_vcpu_skips(v), 1);
	assert_int_equal(fake_vcpu_entries(v), 2);
}

static void test_pio_read_posts_pending_read(void **state)
{
	struct vm *vm = running_vm(1);
	struct acrn_hc_io_request *s = &ioreq_page(OFF_IOREQ)->req_slot[0];

	assert_int_equal(guest_pio(vm->vcpus[0], 0xCFC, 4, false, 0xDEAD), -EINPROGRESS);
	assert_int_equal(s->processed, ACRN_HC_IOREQ_STATE_PENDING);
	assert_int_equal(s->reqs.pio_request.direction, ACRN_HC_IOREQ_DIR_READ);
	assert_int_equal(s->reqs.pio_request.address, 0xCFC);
	assert_int_equal(s->reqs.pio_request.size, 4);
	assert_int_equal(s->reqs.pio_request.value, 0);	/* no value leaks in a read */
}

static void test_pio_read_completion_sets_rax_by_size(void **state)
{
	static const struct { unsigned size; uint64_t rax; } cases[] = {
		{ 1, 0x11223344556677DDULL },	/* AL only */
		{ 2, 0x112233445566CCDDULL },	/* AX only */
		{ 4, 0x00000000AABBCCDDULL },	/* EAX, zero-extended (SDM Vol. 1 §3.4.1.1) */
	};
	struct vm *vm = running_vm(1);
	struct vcpu *v = vm->vcpus[0];

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		v->regs.gpr[GPR_RAX] = 0x1122334455667788ULL;
		assert_int_equal(guest_pio(v, 0x60, cases[i].size, false, 0), -EINPROGRESS);
		complete(vm, 0, 0xAABBCCDDU, false);
		assert_int_equal(v->regs.gpr[GPR_RAX], cases[i].rax);
		assert_false(v->blocked & VCPU_BLOCK_IOREQ);
		assert_int_equal(fake_vcpu_skips(v), i + 1);
	}
}

/* An INS/OUTS element (str_active) is finished by the string I/O glue with the
 * port's value, never by the IN path: RAX stays, nothing skipped here. */
static void test_pio_string_element_completion_goes_to_string_io(void **state)
{
	struct vm *vm = running_vm(1);
	struct vcpu *v = vm->vcpus[0];

	memset(&fake_string_io, 0, sizeof(fake_string_io));
	v->regs.gpr[GPR_RAX] = 0x1122334455667788ULL;
	v->io.str_active = true;
	assert_int_equal(guest_pio(v, 0x511, 1, false, 0), -EINPROGRESS);
	complete(vm, 0, 0x51, false);
	assert_int_equal(fake_string_io.calls, 1);
	assert_ptr_equal(fake_string_io.v, v);
	assert_int_equal(fake_string_io.val, 0x51);
	assert_int_equal(v->regs.gpr[GPR_RAX], 0x1122334455667788ULL);
	assert_int_equal(fake_vcpu_skips(v), 0);
	assert_false(v->blocked & VCPU_BLOCK_IOREQ);
	/* A plain IN afterwards takes the RAX path again. */
	assert_int_equal(guest_pio(v, 0x511, 1, false, 0), -EINPROGRESS);
	complete(vm, 0, 0x45, false);
	assert_int_equal(fake_string_io.calls, 1);
	assert_int_equal(v->regs.gpr[GPR_RAX] & 0xFF, 0x45);
	/* The glue failing (INS to an unmapped address) stops the vCPU. */
	fake_string_io.ret = -EFAULT;
	v->io.str_active = true;
	assert_int_equal(guest_pio(v, 0x511, 1, false, 0), -EINPROGRESS);
	complete(vm, 0, 0x00, false);
	assert_int_equal(fake_string_io.calls, 2);
	assert_true(v->stopped);
}

static void test_pio_completion_not_complete_is_not_consumed(void **state)
{
	static const uint32_t states[] = { ACRN_HC_IOREQ_STATE_PENDING,
					   ACRN_HC_IOREQ_STATE_PROCESSING };
	struct vm *vm = running_vm(1);
	struct vcpu *v = vm->vcpus[0];
	struct acrn_hc_io_request *s = &ioreq_page(OFF_IOREQ)->req_slot[0];

	v->regs.gpr[GPR_RAX] = 0x55;
	assert_int_equal(guest_pio(v, 0x70, 1, false, 0), -EINPROGRESS);
	for (unsigned i = 0; i < ARRAY_SIZE(states); i++) {
		s->reqs.pio_request.value = 0x99;
		s->processed = states[i];
		assert_int_equal(hc_notify_request_finish(fake.caller, vm->id, 0), 0);
		fake_pcpus_run();
		assert_int_equal(s->processed, states[i]);
		assert_true(v->blocked & VCPU_BLOCK_IOREQ);
		assert_int_equal(v->regs.gpr[GPR_RAX], 0x55);
		assert_int_equal(fake_vcpu_skips(v), 0);
	}
	complete(vm, 0, 0x99, false);
	assert_int_equal(v->regs.gpr[GPR_RAX], 0x99);
}

static void test_stray_completion_without_request_changes_nothing(void **state)
{
	struct vm *vm = running_vm(1);
	struct vcpu *v = vm->vcpus[0];
	struct acrn_hc_io_request *s = &ioreq_page(OFF_IOREQ)->req_slot[0];

	v->regs.gpr[GPR_RAX] = 0x77;
	s->reqs.pio_request.value = 0x12;
	s->processed = ACRN_HC_IOREQ_STATE_COMPLETE;
	assert_int_equal(hc_notify_request_finish(fake.caller, vm->id, 0), 0);
	fake_pcpus_run();
	assert_int_equal(v->regs.gpr[GPR_RAX], 0x77);
	assert_int_equal(fake_vcpu_skips(v), 0);
	assert_int_equal(s->processed, ACRN_HC_IOREQ_STATE_COMPLETE);
}

/* A completion that came in after a reset freed the slot: the vCPU takes the slot back. */
static void test_pio_stale_completion_in_slot_is_reused(void **state)
{
	struct vm *vm = running_vm(1);
	struct acrn_hc_io_request *s = &ioreq_page(OFF_IOREQ)->req_slot[0];

	s->processed = ACRN_HC_IOREQ_STATE_COMPLETE;
	assert_int_equal(guest_pio(vm->vcpus[0], 0x3F8, 1, true, 0x41), -EINPROGRESS);
	assert_int_equal(s->processed, ACRN_HC_IOREQ_STATE_PENDING);
	assert_int_equal(s->reqs.pio_request.address, 0x3F8);
	assert_true(vm->vcpus[0]->blocked & VCPU_BLOCK_IOREQ);
}

static void test_pio_busy_slot_refuses_new_request(void **state)
{
	static const uint32_t states[] = { ACRN_HC_IOREQ_STATE_PENDING,
					   ACRN_HC_IOREQ_STATE_PROCESSING, 0x1234 };
	struct vm *vm = running_vm(1);
	struct acrn_hc_io_request *s = &ioreq_page(OFF_IOREQ)->req_slot[0];
	unsigned up = fake_upcalls();

	for (unsigned i = 0; i < ARRAY_SIZE(states); i++) {
		s->processed = states[i];
		s->reqs.pio_request.address = 0xBEEF;
		assert_int_equal(guest_pio(vm->vcpus[0], 0x3F8, 1, true, 1), -EIO);
		assert_int_equal(s->processed, states[i]);
		assert_int_equal(s->reqs.pio_request.address, 0xBEEF);
	}
	assert_int_equal(fake_upcalls(), up);
	assert_false(vm->vcpus[0]->blocked & VCPU_BLOCK_IOREQ);
}

static void test_pio_without_ioreq_buffer_is_eio(void **state)
{
	uint16_t id = make_vm_without_ioreq();
	struct vcpu *v = vm_get(id)->vcpus[0];

	assert_int_equal(guest_pio(v, 0x3F8, 1, true, 1), -EIO);
	assert_int_equal(v->blocked, 0);
	assert_int_equal(fake_upcalls(), 0);
}

/* Port 0x80 (I/O delay, POST codes) never reaches the device model, even without a buffer. */
static void test_pio_port_0x80_is_absorbed_without_a_request(void **state)
{
	struct vm *vm = running_vm(1);
	struct vcpu *v = vm->vcpus[0];
	unsigned up = fake_upcalls();
	static const struct { unsigned size; uint32_t ones; } c[] = {
		{ 1, 0xFF }, { 2, 0xFFFF }, { 4, 0xFFFFFFFFU } };

	assert_int_equal(guest_pio(v, 0x80, 1, true, 0x55), 0);
	for (unsigned i = 0; i < ARRAY_SIZE(c); i++) {
		uint32_t val = 0x12;

		assert_int_equal(vm->ops->pio(v, 0x80, c[i].size, false, &val), 0);
		assert_int_equal(val, c[i].ones);
	}
	assert_int_equal(fake_upcalls(), up);
	assert_int_equal(v->blocked, 0);
	assert_int_equal(guest_pio(vm_get(make_vm_without_ioreq())->vcpus[0], 0x80, 1, true, 1), 0);
}

static void test_mmio_read_is_forwarded_and_completion_replays_it(void **state)
{
	struct vm *vm = running_vm(1);
	struct vcpu *v = vm->vcpus[0];
	struct acrn_hc_io_request *s = &ioreq_page(OFF_IOREQ)->req_slot[0];
	uint64_t val = 0xFFFF;

	fake_vmcs_set(VMCS_GUEST_PHYS_ADDR, 0xD0000010ULL);
	fake_vmcs_set(VMCS_EXIT_QUALIFICATION, 1);	/* a read (SDM Table 28-7 bit 1 clear) */
	assert_int_equal(vm->ops->mmio(v, 0xD0000010ULL, 2, false, &val), -EINPROGRESS);
	assert_int_equal(s->processed, ACRN_HC_IOREQ_STATE_PENDING);
	assert_int_equal(s->type, ACRN_HC_IOREQ_TYPE_MMIO);
	assert_int_equal(s->reqs.mmio_request.direction, ACRN_HC_IOREQ_DIR_READ);
	assert_int_equal(s->reqs.mmio_request.address, 0xD0000010ULL);
	assert_int_equal(s->reqs.mmio_request.size, 2);
	assert_int_equal(s->reqs.mmio_request.value, 0);

	complete(vm, 0, 0x123456789ULL, true);
	assert_int_equal(fake_mmio.calls, 1);
	assert_ptr_equal(fake_mmio.v, v);
	assert_int_equal(fake_mmio.gpa, 0xD0000010ULL);
	assert_false(fake_mmio.is_write);
	assert_int_equal(s->processed, ACRN_HC_IOREQ_STATE_FREE);
	/* The re-emulated instruction gets the value, masked to its size. */
	val = 0;
	assert_int_equal(vm->ops->mmio(v, 0xD0000010ULL, 2, false, &val), 0);
	assert_int_equal(val, 0x6789);
	assert_false(v->stopped);
}

static void test_mmio_completion_failure_stops_vcpu(void **state)
{
	struct vm *vm = running_vm(1);
	struct vcpu *v = vm->vcpus[0];
	uint64_t val = 7;

	fake_vmcs_set(VMCS_GUEST_PHYS_ADDR, 0xD0000000ULL);
	fake_vmcs_set(VMCS_EXIT_QUALIFICATION, 2);	/* a write */
	assert_int_equal(vm->ops->mmio(v, 0xD0000000ULL, 4, true, &val), -EINPROGRESS);
	assert_int_equal(ioreq_page(OFF_IOREQ)->req_slot[0].reqs.mmio_request.value, 7);
	fake_mmio.ret = -EIO;
	complete(vm, 0, 0, true);
	assert_true(fake_mmio.is_write);
	assert_true(v->stopped);
}

/* ------------------------------------------------------------------ */
/* HLT, and I/O the interrupt controllers claim                        */

/* @v halted (@e entries so far): a round of the pCPUs leaves it so; once
 * *@wake is set (an interrupt or NMI for it), the next round enters it. */
static void expect_halted_until(struct vcpu *v, unsigned e, bool *wake)
{
	fake_pcpus_run();
	assert_int_equal(v->blocked, VCPU_BLOCK_HALT);
	assert_int_equal(fake_vcpu_entries(v), e);
	*wake = true;
	fake_pcpus_run();
	assert_int_equal(v->blocked, 0);
	assert_int_equal(fake_vcpu_entries(v), e + 1);
}

static void test_hlt_with_nothing_pending_blocks_vcpu_until_interrupt(void **state)
{
	struct vm *vm = running_vm(2);
	struct vcpu *v = vm->vcpus[1];
	unsigned e = fake_vcpu_entries(v);

	fake_vmcs_set(VMCS_GUEST_RFLAGS, RFLAGS_IF | 2);
	assert_int_equal(vm->ops->hlt(v), 0);
	assert_int_equal(v->blocked, VCPU_BLOCK_HALT);
	assert_ptr_equal(fake_virq.pending_vcpu, v);
	assert_int_equal(fake_vcpu_skips(v), 0);	/* handle_hlt() skips the HLT */
	assert_int_equal(vm->vcpus[0]->blocked, 0);
	/* The scheduler wakes it once the controllers have something. */
	expect_halted_until(v, e, &fake_virq.pending);
}

static void test_hlt_with_interrupt_pending_does_not_block(void **state)
{
	struct vm *vm = running_vm(1);
	struct vcpu *v = vm->vcpus[0];
	unsigned calls = fake_virq.pending_calls;

	fake_virq.pending = true;
	fake_vmcs_set(VMCS_GUEST_RFLAGS, RFLAGS_IF | 2);
	assert_int_equal(vm->ops->hlt(v), 0);
	assert_int_equal(v->blocked, 0);
	assert_int_equal(fake_virq.pending_calls, calls + 1);
	assert_ptr_equal(fake_virq.pending_vcpu, v);
	assert_int_equal(fake_vcpu_skips(v), 0);
}

/* "CLI; HLT": a maskable interrupt neither prevents nor ends the halt; an NMI does (SDM Vol. 3 §9.9). */
static void test_hlt_with_if_clear_waits_for_nmi_only(void **state)
{
	struct vm *vm = running_vm(1);
	struct vcpu *v = vm->vcpus[0];
	unsigned e = fake_vcpu_entries(v);

	fake_vmcs_set(VMCS_GUEST_RFLAGS, 2);
	fake_virq.pending = true;
	assert_int_equal(vm->ops->hlt(v), 0);
	assert_int_equal(v->blocked, VCPU_BLOCK_HALT);
	expect_halted_until(v, e, &fake_virq.nmi);
}

/* An NMI pending at the HLT: the vCPU does not halt even with IF = 0. */
static void test_hlt_with_nmi_pending_and_if_clear_does_not_block(void **state)
{
	struct vm *vm = running_vm(1);
	struct vcpu *v = vm->vcpus[0];

	fake_vmcs_set(VMCS_GUEST_RFLAGS, 2);
	fake_virq.nmi = true;
	assert_int_equal(vm->ops->hlt(v), 0);
	assert_int_equal(v->blocked, 0);
}

/* "STI; HLT": the shadow must not hold the wake-up interrupt back. */
static void test_hlt_ends_sti_and_mov_ss_shadow_but_not_nmi_blocking(void **state)
{
	struct vm *vm = running_vm(1);
	struct vcpu *v = vm->vcpus[0];

	for (int pending = 0; pending <= 1; pending++) {
		fake_virq.pending = pending;
		fake_vmcs_set(VMCS_GUEST_INTERRUPTIBILITY,
			      INTR_BLOCK_STI | INTR_BLOCK_MOVSS | INTR_BLOCK_NMI);
		assert_int_equal(vm->ops->hlt(v), 0);
		assert_int_equal(vmcs_read(VMCS_GUEST_INTERRUPTIBILITY), INTR_BLOCK_NMI);
		assert_int_equal(fake_intr_shadow_ends(), (unsigned)pending + 1);
	}
}

static void test_pio_claimed_by_virq_is_not_forwarded(void **state)
{
	struct vm *vm = running_vm(2);
	struct vcpu *v = vm->vcpus[1];
	struct acrn_hc_io_request *s = &ioreq_page(OFF_IOREQ)->req_slot[1];
	uint32_t val = 0x5A;

	fake_virq.pio_claim = true;
	fake_virq.pio_port = 0x21;
	fake_virq.pio_read_val = 0xAB;
	assert_int_equal(vm->ops->pio(v, 0x21, 1, true, &val), 0);
	assert_int_equal(fake_virq.pio_claimed, 1);
	assert_ptr_equal(fake_virq.pio_vcpu, v);
	assert_int_equal(fake_virq.pio_last_port, 0x21);
	assert_int_equal(fake_virq.pio_last_size, 1);
	assert_true(fake_virq.pio_last_write);
	assert_int_equal(fake_virq.pio_last_val, 0x5A);
	val = 0;
	assert_int_equal(vm->ops->pio(v, 0x21, 1, false, &val), 0);
	assert_false(fake_virq.pio_last_write);
	assert_int_equal(val, 0xAB);
	/* Neither became an IOREQ. */
	assert_int_equal(fake_upcalls(), 0);
	assert_int_equal(s->processed, ACRN_HC_IOREQ_STATE_FREE);
	assert_int_equal(v->blocked, 0);
	/* Another port is the device model's, after virq_pio() declined it. */
	assert_int_equal(guest_pio(v, 0x20, 1, true, 0x11), -EINPROGRESS);
	assert_int_equal(fake_virq.pio_calls, 3);
	assert_int_equal(fake_virq.pio_claimed, 2);
	assert_int_equal(fake_upcalls(), 1);
	assert_int_equal(s->processed, ACRN_HC_IOREQ_STATE_PENDING);
	assert_int_equal(s->reqs.pio_request.address, 0x20);
	assert_int_equal(s->reqs.pio_request.value, 0x11);
	assert_true(v->blocked & VCPU_BLOCK_IOREQ);
}

static void test_mmio_claimed_by_virq_is_not_forwarded(void **state)
{
	struct vm *vm = running_vm(1);
	struct vcpu *v = vm->vcpus[0];
	struct acrn_hc_io_request *s = &ioreq_page(OFF_IOREQ)->req_slot[0];
	uint64_t val = 0;

	fake_virq.mmio_claim = true;
	fake_virq.mmio_base = 0xFEE00000ULL;
	fake_virq.mmio_size = PAGE_SIZE;
	fake_virq.mmio_read_val = 0x14;
	assert_int_equal(vm->ops->mmio(v, 0xFEE00030ULL, 4, false, &val), 0);
	assert_int_equal(val, 0x14);
	assert_ptr_equal(fake_virq.mmio_vcpu, v);
	assert_int_equal(fake_virq.mmio_last_gpa, 0xFEE00030ULL);
	assert_int_equal(fake_virq.mmio_last_size, 4);
	assert_false(fake_virq.mmio_last_write);
	val = 0x1234567890ULL;
	assert_int_equal(vm->ops->mmio(v, 0xFEE000B0ULL, 8, true, &val), 0);
	assert_true(fake_virq.mmio_last_write);
	assert_int_equal(fake_virq.mmio_last_val, 0x1234567890ULL);
	assert_int_equal(fake_virq.mmio_claimed, 2);
	assert_int_equal(fake_upcalls(), 0);
	assert_int_equal(s->processed, ACRN_HC_IOREQ_STATE_FREE);
	assert_int_equal(v->io.n_done, 0);	/* nothing to replay */
	assert_int_equal(v->blocked, 0);
	/* Just past the claimed page: forwarded. */
	fake_vmcs_set(VMCS_GUEST_PHYS_ADDR, 0xFEE01000ULL);
	val = 0;
	assert_int_equal(vm->ops->mmio(v, 0xFEE01000ULL, 4, false, &val), -EINPROGRESS);
	assert_int_equal(fake_virq.mmio_calls, 3);
	assert_int_equal(fake_upcalls(), 1);
	assert_int_equal(s->processed, ACRN_HC_IOREQ_STATE_PENDING);
	assert_int_equal(s->type, ACRN_HC_IOREQ_TYPE_MMIO);
	assert_int_equal(s->reqs.mmio_request.address, 0xFEE01000ULL);
}

/* ------------------------------------------------------------------ */
/* HC_SET_IRQLINE and HC_INJECT_MSI                                    */

/* virq_*() has been called @calls times, the last one (number @n) for VM @id. */
static void expect_call_n_for_vm(unsigned calls, struct vm *last_vm, unsigned n, uint16_t id)
{
	assert_int_equal(calls, n);
	assert_ptr_equal(last_vm, vm_get(id));
}

static const uint64_t bad_vmids[] = { 0, 2, MAX_VMS - 1, MAX_VMS, 0xFFFF, (1ULL << 32) | 1, ~0ULL };

static void test_set_irqline_refuses_unknown_vmid_and_the_service_vm(void **state)
{
	make_vm(1);
	for (size_t i = 0; i < ARRAY_SIZE(bad_vmids); i++)
		assert_int_equal(hc_set_irqline(fake.caller, bad_vmids[i],
						ACRN_HC_IRQLINE_ARG(4, ACRN_HC_IRQLINE_SET_HIGH)), -EINVAL);
	assert_int_equal(fake_virq.irqline_calls, 0);
}

/* gsi is bits 31:0, op bits 63:32; checking them is virq_set_irqline()'s job. */
static void test_set_irqline_passes_gsi_and_op_through_to_that_vm(void **state)
{
	static const struct { uint32_t gsi, op; } cases[] = {
		{ 4, ACRN_HC_IRQLINE_SET_HIGH }, { 0, ACRN_HC_IRQLINE_SET_LOW },
		{ 47, ACRN_HC_IRQLINE_RAISING_PULSE }, { 9, ACRN_HC_IRQLINE_FALLING_PULSE },
		{ 0xFFFFFFFFU, 0xFFFFFFFFU }, { 48, 0x80000004U },
	};
	uint16_t a = make_vm(1), b;

	assert_int_equal(create(1, 0x4, OFF_IOREQ2, &b), 0);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint16_t id = i & 1 ? a : b;

		assert_int_equal(hc_set_irqline(fake.caller, id,
						ACRN_HC_IRQLINE_ARG(cases[i].gsi, cases[i].op)), 0);
		expect_call_n_for_vm(fake_virq.irqline_calls, fake_virq.irqline_vm, i + 1, id);
		assert_int_equal(fake_virq.irqline_gsi, cases[i].gsi);
		assert_int_equal(fake_virq.irqline_op, cases[i].op);
	}
}

static void test_set_irqline_returns_what_virq_returns(void **state)
{
	uint16_t id = make_vm(1);

	fake_virq.irqline_ret = -EINVAL;
	assert_int_equal(hc_set_irqline(fake.caller, id, ACRN_HC_IRQLINE_ARG(48, 0)), -EINVAL);
	fake_virq.irqline_ret = 0;
	assert_int_equal(hc_set_irqline(fake.caller, id, ACRN_HC_IRQLINE_ARG(1, 0)), 0);
	assert_int_equal(fake_virq.irqline_calls, 2);
}

static struct acrn_hc_msi_entry *msi_param(size_t off, uint64_t addr, uint64_t data)
{
	struct acrn_hc_msi_entry *m = fake_sos_ptr(off);

	m->msi_addr = addr;
	m->msi_data = data;
	return m;
}

static void test_inject_msi_refuses_unknown_vmid_and_the_service_vm(void **state)
{
	make_vm(1);
	msi_param(OFF_PARAM, 0xFEE00000ULL, 0x30);
	for (size_t i = 0; i < ARRAY_SIZE(bad_vmids); i++)
		assert_int_equal(hc_inject_msi(fake.caller, bad_vmids[i], fake_sos_gpa(OFF_PARAM)),
				 -EINVAL);
	assert_int_equal(fake_virq.msi_calls, 0);
}

static void test_inject_msi_param_outside_service_vm_ram_is_efault(void **state)
{
	uint16_t id = make_vm(1);
	const uint64_t bad[] = {
		fake_sos_gpa(FAKE_SOS_RAM_SIZE),		/* just past its RAM */
		fake_sos_gpa(FAKE_SOS_RAM_SIZE) - 8,		/* straddles the end */
		(uint64_t)(uintptr_t)fake.hv_res,		/* the hypervisor's */
		(uint64_t)(uintptr_t)fake.hv_res + FAKE_HV_RES_SIZE - 16,
		0, ~0ULL - 4, 1ULL << 52,
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(hc_inject_msi(fake.caller, id, bad[i]), -EFAULT);
	assert_int_equal(fake_virq.msi_calls, 0);
	/* The last 16 bytes of RAM, and a read-only page, are fine: it is only read. */
	msi_param(FAKE_SOS_RAM_SIZE - sizeof(struct acrn_hc_msi_entry), 0xFEE00000ULL, 0x31);
	assert_int_equal(hc_inject_msi(fake.caller, id,
				       fake_sos_gpa(FAKE_SOS_RAM_SIZE - sizeof(struct acrn_hc_msi_entry))),
			 0);
	assert_int_equal(fake_virq.msi_data, 0x31);
	assert_int_equal(hc_inject_msi(fake.caller, id, (uint64_t)(uintptr_t)fake.ro_page), 0);
	assert_int_equal(fake_virq.msi_calls, 2);
}

/* Address and data go through whole (64 bits each): validating them is virq's job. */
static void test_inject_msi_passes_address_and_data_through_to_that_vm(void **state)
{
	static const struct { uint64_t addr, data; } cases[] = {
		{ 0xFEE01000ULL, 0x4031 },			/* APIC ID 1, fixed, vector 0x31 */
		{ 0xFEE0F00CULL, 0xC0FF },			/* logical, RH, level */
		{ 0x123456789ABCDEF0ULL, 0xFEDCBA9876543210ULL },	/* nonsense, unchanged */
	};
	uint16_t a = make_vm(1), b;

	assert_int_equal(create(2, 0x6, OFF_IOREQ2, &b), 0);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint16_t id = i & 1 ? a : b;

		msi_param(OFF_PARAM, cases[i].addr, cases[i].data);
		assert_int_equal(hc_inject_msi(fake.caller, id, fake_sos_gpa(OFF_PARAM)), 0);
		expect_call_n_for_vm(fake_virq.msi_calls, fake_virq.msi_vm, i + 1, id);
		assert_int_equal(fake_virq.msi_addr, cases[i].addr);
		assert_int_equal(fake_virq.msi_data, cases[i].data);
	}
}

static void test_inject_msi_returns_what_virq_returns(void **state)
{
	uint16_t id = make_vm(1);

	msi_param(OFF_PARAM, 0xFEE00000ULL, 1ULL << 32);
	fake_virq.msi_ret = -EINVAL;
	assert_int_equal(hc_inject_msi(fake.caller, id, fake_sos_gpa(OFF_PARAM)), -EINVAL);
	fake_virq.msi_ret = 0;
	assert_int_equal(hc_inject_msi(fake.caller, id, fake_sos_gpa(OFF_PARAM)), 0);
	assert_int_equal(fake_virq.msi_calls, 2);
}

/* ------------------------------------------------------------------ */
/* HC_SERVICE_VM_OFFLINE_CPU                                           */

static void test_offline_cpu_refuses_unknown_apic_id(void **state)
{
	const uint64_t bad[] = { 2, 4, 1, 0xFF, 0xFFFFFFFFULL, (1ULL << 32) | 3 };

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(hc_offline_cpu(fake.caller, bad[i]), -EINVAL);
	for (uint32_t p = 0; p < MAX_PCPUS; p++)
		assert_false(sched_is_dedicated(p));
}

static void test_offline_cpu_refuses_the_bsp(void **state)
{
	assert_int_equal(hc_offline_cpu(fake.caller, per_cpu_data[0].apic_id), -EINVAL);
	assert_false(sched_is_dedicated(0));
	assert_int_equal(fake.sos->vcpus[0]->requests, 0);
}

static void test_offline_cpu_marks_pcpu_dedicated_and_offlines_its_vcpu(void **state)
{
	uint16_t id;

	/* pCPU 2 has APIC id 5: the id, not the index, selects it. */
	assert_int_equal(per_cpu_data[2].apic_id, 5);
	assert_int_equal(hc_offline_cpu(fake.caller, 5), 0);
	assert_true(sched_is_dedicated(2));
	assert_false(sched_is_dedicated(1));
	assert_false(sched_is_dedicated(5));
	assert_true(fake.sos->vcpus[2]->requests & VCPU_REQ_OFFLINE);
	assert_int_equal(fake.sos->vcpus[1]->requests, 0);
	/* Again: harmless. */
	assert_int_equal(hc_offline_cpu(fake.caller, 5), 0);
	/* A User VM created without an affinity now lands on pCPU 2. */
	assert_int_equal(create(1, 0, OFF_IOREQ, &id), 0);
	assert_int_equal(vm_get(id)->vcpus[0]->pcpu, 2);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_create_refuses_zero_vcpus),
		T(test_create_refuses_more_than_max_vcpus),
		T(test_create_param_outside_caller_memory_is_efault_and_creates_nothing),
		T(test_create_param_read_only_is_efault_and_leaves_nothing),
		T(test_create_refuses_unaligned_ioreq_buf),
		T(test_create_refuses_ioreq_buf_outside_service_vm_ram),
		T(test_create_writes_vmid_back_and_pins_vcpus),
		T(test_create_sets_the_scheduling_class_from_vm_flag),
		T(test_create_refuses_reserved_vm_flags),
		T(test_create_affinity_zero_uses_dedicated_pcpus_in_order),
		T(test_create_affinity_may_name_service_vm_pcpus),
		T(test_create_affinity_beyond_pcpus_or_too_few_bits_is_einval),
		T(test_create_too_many_vms_is_enomem_without_leak),
		T(test_create_out_of_pages_at_each_step_is_enomem_without_leak),
		T(test_create_marks_every_ioreq_slot_free),
		T(test_create_gives_vm_and_every_vcpu_interrupt_controllers),
		T(test_create_virq_vm_init_failure_is_enomem_without_leak),
		T(test_create_virq_vcpu_init_failure_is_enomem_without_leak),
		T(test_destroy_frees_interrupt_controllers),
		T(test_destroy_refused_keeps_interrupt_controllers),
		T(test_lifecycle_calls_refuse_unknown_vmid),
		T(test_lifecycle_calls_refuse_the_service_vm),
		T(test_start_without_ioreq_buffer_is_refused),
		T(test_start_runs_vcpus_from_reset_state_on_their_pcpus),
		T(test_start_twice_is_ebusy),
		T(test_start_failing_on_a_full_run_queue_leaves_no_vcpu_queued),
		T(test_reset_while_running_is_ebusy),
		T(test_pause_of_never_started_vm_is_einval),
		T(test_pause_stops_entries_until_start_resumes),
		T(test_pause_with_stuck_pcpu_times_out),
		T(test_destroy_running_vm_releases_vcpus_first),
		T(test_destroy_keeps_vm_when_a_pcpu_does_not_acknowledge),
		T(test_create_destroy_50_times_leaks_no_page),
		T(test_start_pause_destroy_50_times_leaks_no_page),
		T(test_reset_of_paused_vm_restores_start_state_and_frees_slots),
		T(test_reset_then_start_runs_vcpus_again),
		T(test_destroy_after_reset_and_restart_succeeds),
		T(test_pause_and_destroy_act_at_once_for_vcpu_on_callers_pcpu),
		T(test_reset_then_start_on_callers_pcpu_runs_again),
		T(test_reset_of_paused_vm_recreates_interrupt_controllers),
		T(test_reset_of_never_started_vm_recreates_interrupt_controllers),
		T(test_reset_while_running_keeps_interrupt_controllers),
		T(test_reset_propagates_interrupt_controller_failure),
		T(test_start_blocks_aps_until_sipi_and_not_the_bsp),
		T(test_start_after_reset_blocks_aps_again),
		T(test_resume_after_pause_does_not_block_started_aps),
		T(test_set_vcpu_regs_refuses_vcpu_id_out_of_range),
		T(test_set_vcpu_regs_bad_param_gpa_is_efault),
		T(test_set_vcpu_regs_refuses_pg_without_pe),
		T(test_set_vcpu_regs_refuses_efer_reserved_bits),
		T(test_set_vcpu_regs_refuses_lma_without_pg),
		T(test_set_vcpu_regs_refuses_cr4_vmxe),
		T(test_set_vcpu_regs_refuses_zero_cs_limit),
		T(test_set_vcpu_regs_while_running_is_ebusy),
		T(test_set_vcpu_regs_of_ap_starts_it_without_sipi),
		T(test_set_vcpu_regs_real_mode_data_segments_get_selector_base),
		T(test_set_vcpu_regs_long_mode_state_is_stored),
		T(test_regions_refuse_zero_or_more_than_128),
		T(test_regions_refuse_unknown_vm),
		T(test_regions_bad_batch_or_array_gpa_is_efault),
		T(test_regions_refuse_unaligned_or_empty),
		T(test_regions_refuse_gpa_overflow_and_beyond_512g),
		T(test_regions_refuse_backing_that_is_not_service_vm_ram),
		T(test_regions_refuse_lapic_and_ioapic_pages),
		T(test_regions_refuse_write_without_read_or_no_rights),
		T(test_regions_refuse_unknown_operation),
		T(test_regions_add_maps_service_vm_pages_then_del_unmaps_all),
		T(test_regions_memory_types_map_to_ept_types),
		T(test_regions_change_asks_running_vcpus_to_flush_ept),
		T(test_ioreq_buffer_bad_param_gpa_is_efault),
		T(test_ioreq_buffer_refuses_unaligned_and_non_ram),
		T(test_ioreq_buffer_while_running_is_ebusy),
		T(test_ioreq_buffer_marks_all_16_slots_free),
		T(test_notify_refuses_bad_vmid_or_vcpu),
		T(test_io_stats_printed_after_100_round_trips),
		T(test_io_stats_not_printed_for_few_round_trips),
		T(test_pio_write_posts_pending_request_in_vcpu_slot),
		T(test_pio_read_posts_pending_read),
		T(test_pio_read_completion_sets_rax_by_size),
		T(test_pio_string_element_completion_goes_to_string_io),
		T(test_pio_completion_not_complete_is_not_consumed),
		T(test_stray_completion_without_request_changes_nothing),
		T(test_pio_busy_slot_refuses_new_request),
		T(test_pio_without_ioreq_buffer_is_eio),
		T(test_pio_stale_completion_in_slot_is_reused),
		T(test_pio_port_0x80_is_absorbed_without_a_request),
		T(test_mmio_read_is_forwarded_and_completion_replays_it),
		T(test_mmio_completion_failure_stops_vcpu),
		T(test_hlt_with_nothing_pending_blocks_vcpu_until_interrupt),
		T(test_hlt_with_interrupt_pending_does_not_block),
		T(test_hlt_with_if_clear_waits_for_nmi_only),
		T(test_hlt_with_nmi_pending_and_if_clear_does_not_block),
		T(test_hlt_ends_sti_and_mov_ss_shadow_but_not_nmi_blocking),
		T(test_pio_claimed_by_virq_is_not_forwarded),
		T(test_mmio_claimed_by_virq_is_not_forwarded),
		T(test_set_irqline_refuses_unknown_vmid_and_the_service_vm),
		T(test_set_irqline_passes_gsi_and_op_through_to_that_vm),
		T(test_set_irqline_returns_what_virq_returns),
		T(test_inject_msi_refuses_unknown_vmid_and_the_service_vm),
		T(test_inject_msi_param_outside_service_vm_ram_is_efault),
		T(test_inject_msi_passes_address_and_data_through_to_that_vm),
		T(test_inject_msi_returns_what_virq_returns),
		T(test_offline_cpu_refuses_unknown_apic_id),
		T(test_offline_cpu_refuses_the_bsp),
		T(test_offline_cpu_marks_pcpu_dedicated_and_offlines_its_vcpu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

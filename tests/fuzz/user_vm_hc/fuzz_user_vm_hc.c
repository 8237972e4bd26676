/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the User VM hypercalls (hypervisor/common/user_vm.c)
 * on the host fakes of tests/unit/user_vm/fake_hv.c.
 *
 * The input is a program: each step takes an opcode byte, then the bytes
 * it needs — parameter blobs copied into the fake Service VM's memory and
 * arguments (vmids, vCPU ids, addresses chosen from interesting ones or
 * taken raw).  Steps call every hc_* entry point, a guest's port and MMIO
 * accesses and HLT through the VM's ops, Service VM completions of IOREQ
 * slots, INIT/SIPI from a BSP, scheduler passes, and turn the knobs of the
 * fakes (MMIO completion result; the interrupt controllers' failures,
 * claimed port and page, pending interrupt).  Checked after every step:
 *  - each hypercall returns 0 or one of the errnos it may return;
 *  - every User VM EPT maps only Service VM RAM, below 512 GiB, never the
 *    LAPIC or IOAPIC page;
 *  - the Service VM (VM 0) is never touched and no User VM has a vCPU
 *    count outside 1..MAX_VCPUS_PER_VM;
 * and at the end, destroying every VM returns the page count to what the
 * Service VM alone holds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../unit/user_vm/fake_hv.h"

#include <common/user_vm.h>
#include <common/vm.h>
#include <common/sched.h>
#include <arch/x86/per_cpu.h>
#include <public/acrn_common.h>
#include <lib/errno.h>

#include "../fuzz_input.h"
#include <lib/pgtable.h>
#include <lib/util.h>

#define OFF_PARAM	0x0000UL
#define OFF_BATCH	0x0800UL
#define OFF_REGIONS	0x1000UL
#define OFF_IOREQ	0x2000UL
#define OFF_MSI		0x0C00UL

/* Copy up to len input bytes to Service VM memory at off (zero the rest). */
static void take_blob(struct input *in, size_t off, size_t len)
{
	take_bytes(in, fake_sos_ptr(off), len);
}

/* An address: mostly one that means something here, sometimes raw. */
static uint64_t take_addr(struct input *in)
{
	uint8_t sel = take8(in);
	uint64_t off;

	switch (sel & 7) {
	case 0:
		return fake_sos_gpa(OFF_PARAM);
	case 1:
		return fake_sos_gpa(OFF_IOREQ);
	case 2:
		off = (take64(in) % FAKE_SOS_RAM_SIZE) & ~(uint64_t)((sel & 8) ? 0 : PAGE_SIZE - 1);
		return fake_sos_gpa(off);
	case 3:
		return (uint64_t)(uintptr_t)fake.hv_res + ((sel >> 3) << 12);
	case 4:
		return fake_sos_gpa(FAKE_SOS_RAM_SIZE) - ((sel >> 3) << 3);
	case 5:
		return (uint64_t)(uintptr_t)fake.ro_page;
	default:
		return take64(in);
	}
}

static bool errno_ok(int64_t r)
{
	switch (r) {
	case 0: case -EINVAL: case -EFAULT: case -ENOMEM: case -EBUSY: case -ETIMEDOUT:
		return true;
	default:
		return false;
	}
}

static void check_ret(const char *what, int64_t r)
{
	if (getenv("USER_VM_FUZZ_TRACE") != NULL)
		fprintf(stderr, "%s -> %ld\n", what, (long)r);
	if (!errno_ok(r)) {
		fprintf(stderr, "%s returned %ld\n", what, (long)r);
		abort();
	}
}

/* Every leaf of a User VM's EPT maps Service VM RAM (ARCHITECTURE.md item 6). */
static void check_ept(struct vm *vm)
{
	uint64_t ram = fake_sos_gpa(0), ram_end = ram + FAKE_SOS_RAM_SIZE;
	uint64_t gpa = 0;

	while (gpa < PGTABLE_VA_LIMIT) {
		uint64_t hpa, size;
		uint32_t prot;
		int r = pgtable_query(&vm->ept, gpa, &hpa, &prot, &size);

		if (r == 0) {
			if (hpa < ram || hpa + size > ram_end || gpa + size > (1ULL << 39) ||
			    (gpa <= 0xFEE00000ULL && 0xFEE00000ULL < gpa + size) ||
			    (gpa <= 0xFEC00000ULL && 0xFEC00000ULL < gpa + size) ||
			    ((prot & PGT_W) && !(prot & PGT_R))) {
				fprintf(stderr, "VM %u maps %#lx+%#lx -> %#lx prot %#x\n", vm->id,
					(unsigned long)gpa, (unsigned long)size, (unsigned long)hpa, prot);
				abort();
			}
		} else if (r != -ENOENT) {
			abort();
		}
		gpa += size;
	}
}

static void check_invariants(void)
{
	struct vm *sos = vm_get(0);

	if (sos != fake.sos || !sos->privileged || sos->user_vm)
		abort();
	for (uint16_t id = 1; id < MAX_VMS; id++) {
		struct vm *vm = vm_get(id);

		if (vm == NULL)
			continue;
		if (!vm->user_vm || vm->vcpu_count == 0 || vm->vcpu_count > MAX_VCPUS_PER_VM)
			abort();
		/* No vCPU keeps a vLAPIC of controllers that were freed. */
		for (uint32_t i = 0; i < vm->vcpu_count; i++)
			if (vm->vcpus[i]->virq != NULL && vm->vcpus[i]->virq != vm->virq)
				abort();
		check_ept(vm);
	}
}

static struct vcpu *pick_vcpu(struct input *in)
{
	struct vm *vm = vm_get((uint16_t)(take8(in) % MAX_VMS));
	uint8_t i = take8(in);

	if (vm == NULL || !vm->user_vm)
		return NULL;
	return vm->vcpus[i % vm->vcpu_count];
}

/* Bit i set: vCPU i of VM @vmid is on a run queue. */
static uint32_t queued_mask(uint64_t vmid)
{
	struct vm *vm = vmid < MAX_VMS ? vm_get((uint16_t)vmid) : NULL;
	uint32_t m = 0;

	for (uint32_t i = 0; vm != NULL && vm->user_vm && i < vm->vcpu_count; i++)
		if (fake_in_runq(vm->vcpus[i]))
			m |= 1U << i;
	return m;
}

/*
 * Known defect (test_start_failing_on_a_full_run_queue_leaves_no_vcpu_queued):
 * a failed HC_START_VM leaves the vCPUs it queued before the failure on
 * their queues.  Unless USER_VM_STRICT is set, take them off again so the
 * fuzzer keeps looking for other problems.
 */
static void after_failed_start(uint64_t vmid, uint32_t before)
{
	uint32_t added = queued_mask(vmid) & ~before;
	struct vm *vm;

	if (added == 0)
		return;
	if (getenv("USER_VM_STRICT") != NULL)
		abort();
	vm = vm_get((uint16_t)vmid);
	for (uint32_t i = 0; i < vm->vcpu_count; i++)
		if (added & (1U << i))
			fake_sched_forget(vm->vcpus[i]);
}

static void step(struct input *in)
{
	uint8_t op = take8(in);
	uint64_t vmid = take8(in);
	struct vcpu *v;
	int64_t r;

	if (vmid >= 0xF0)
		vmid = take64(in);	/* the odd huge id */
	else
		vmid %= MAX_VMS + 1;
	switch (op % 19) {
	case 0:
		take_blob(in, OFF_PARAM, sizeof(struct acrn_hc_vm_creation));
		if (op & 0x80) {	/* a usable IOREQ page more often than chance */
			struct acrn_hc_vm_creation *cv = fake_sos_ptr(OFF_PARAM);

			cv->ioreq_buf = fake_sos_gpa(OFF_IOREQ);
			cv->vcpu_num = (uint16_t)(cv->vcpu_num % 4 + 1);
			/* Only a class in vm_flag (reserved bits refuse the VM): any of the four. */
			cv->vm_flag &= ACRN_VM_FLAG_PRIO_MASK;
		}
		check_ret("create", hc_create_vm(fake.caller, (op & 0x40) ? take_addr(in) :
					       fake_sos_gpa(OFF_PARAM)));
		break;
	case 1:
		check_ret("destroy", hc_destroy_vm(fake.caller, vmid));
		break;
	case 2: {
		uint32_t before = queued_mask(vmid);

		r = hc_start_vm(fake.caller, vmid);
		check_ret("start", r);
		if (r != 0)
			after_failed_start(vmid, before);
		break;
	}
	case 3:
		check_ret("pause", hc_pause_vm(fake.caller, vmid));
		break;
	case 4:
		check_ret("reset", hc_reset_vm(fake.caller, vmid));
		break;
	case 5:
		take_blob(in, OFF_PARAM, sizeof(struct acrn_hc_vcpu_regs));
		if (op & 0x80) {	/* steer towards a state that passes the checks */
			struct acrn_hc_vcpu_regs *p = fake_sos_ptr(OFF_PARAM);

			p->vcpu_id %= 4;
			p->vcpu_regs.cs_limit |= 1;
			p->vcpu_regs.cr4 &= ~(1ULL << 13);
			p->vcpu_regs.ia32_efer &= 0xD01;
			if (p->vcpu_regs.cr0 & (1ULL << 31))
				p->vcpu_regs.cr0 |= 1;
			else
				p->vcpu_regs.ia32_efer &= ~0x400ULL;
		}
		check_ret("set_vcpu_regs", hc_set_vcpu_regs(fake.caller, vmid,
				(op & 0x40) ? take_addr(in) : fake_sos_gpa(OFF_PARAM)));
		break;
	case 6: {
		struct acrn_hc_memory_region_batch *b = fake_sos_ptr(OFF_BATCH);
		uint8_t n = take8(in);

		take_blob(in, OFF_REGIONS, (size_t)(n % 8 + 1) * sizeof(struct acrn_hc_memory_region_op));
		if (op & 0x80) {	/* steer the regions towards valid ones */
			struct acrn_hc_memory_region_op *rg = fake_sos_ptr(OFF_REGIONS);

			for (unsigned i = 0; i < (unsigned)(n % 8 + 1); i++) {
				rg[i].type &= 2;
				rg[i].user_vm_pa &= 0x3FFFFFF000ULL;
				rg[i].service_vm_pa = fake_sos_gpa(rg[i].service_vm_pa %
								   FAKE_SOS_RAM_SIZE) & PAGE_MASK;
				rg[i].size = (rg[i].size % 0x400 + 1) << 12;
			}
		}
		memset(b, 0, sizeof(*b));
		b->vmid = (uint16_t)vmid;
		b->regions_num = (op & 0x40) ? (uint32_t)take64(in) : (uint32_t)(n % 8 + 1);
		b->regions_gpa = (op & 0x20) ? take_addr(in) : fake_sos_gpa(OFF_REGIONS);
		check_ret("set_memory_regions", hc_set_memory_regions(fake.caller,
				(op & 0x10) ? take_addr(in) : fake_sos_gpa(OFF_BATCH)));
		break;
	}
	case 7: {
		struct acrn_hc_ioreq_buffer *p = fake_sos_ptr(OFF_PARAM);

		p->ioreq_buf = take_addr(in);
		check_ret("set_ioreq_buffer", hc_set_ioreq_buffer(fake.caller, vmid,
				(op & 0x40) ? take_addr(in) : fake_sos_gpa(OFF_PARAM)));
		break;
	}
	case 8:
		check_ret("notify", hc_notify_request_finish(fake.caller, vmid,
				(op & 0x40) ? take64(in) : take8(in)));
		break;
	case 9:
		check_ret("offline_cpu", hc_offline_cpu(fake.caller, (op & 0x40) ? take64(in) : take8(in)));
		break;
	case 10: {
		uint32_t val = (uint32_t)take64(in);
		static const unsigned sizes[] = { 1, 2, 4, 4 };

		v = pick_vcpu(in);
		if (v != NULL && !(v->blocked & VCPU_BLOCK_IOREQ)) {
			r = v->vm->ops->pio(v, (uint16_t)take64(in), sizes[op >> 6], (op & 0x20) != 0, &val);
			if (r != -EINPROGRESS && r != -EIO && r != 0)
				abort();
		}
		break;
	}
	case 11: {
		uint64_t val = take64(in);
		static const unsigned sizes[] = { 1, 2, 4, 8 };

		v = pick_vcpu(in);
		if (v != NULL && !(v->blocked & VCPU_BLOCK_IOREQ)) {
			fake_vmcs_set(VMCS_GUEST_PHYS_ADDR, take64(in));
			fake_vmcs_set(VMCS_EXIT_QUALIFICATION, take8(in));
			r = v->vm->ops->mmio(v, take64(in), sizes[op >> 6], (op & 0x20) != 0, &val);
			if (r != -EINPROGRESS && r != -EIO && r != 0)
				abort();
		}
		break;
	}
	case 12: {
		/* The Service VM writes a slot of the (first) IOREQ page. */
		struct acrn_hc_io_request *s =
			&((struct acrn_hc_io_request_buffer *)fake_sos_ptr(OFF_IOREQ))->req_slot[take8(in) % 16];
		uint8_t what = take8(in);

		if (what & 1)
			s->reqs.data[take8(in) % 8] = take64(in);
		__atomic_store_n(&s->processed, (uint32_t)(what >> 1) % 5, __ATOMIC_RELEASE);
		break;
	}
	case 13:
		fake_pcpus_run();
		break;
	case 14:
		check_ret("set_irqline", hc_set_irqline(fake.caller, vmid,
				(op & 0x40) ? take64(in) : ACRN_HC_IRQLINE_ARG(take8(in), take8(in) % 5)));
		break;
	case 15: {
		struct acrn_hc_msi_entry *m = fake_sos_ptr(OFF_MSI);

		m->msi_addr = take64(in);
		m->msi_data = take64(in);
		check_ret("inject_msi", hc_inject_msi(fake.caller, vmid,
				(op & 0x40) ? take_addr(in) : fake_sos_gpa(OFF_MSI)));
		break;
	}
	case 16:
		/* HLT: only a vCPU in guest mode executes one. */
		v = pick_vcpu(in);
		if (v != NULL && v->blocked == 0 && !v->stopped && v->vmcs_ready &&
		    v->vm->ops->hlt(v) != 0)
			abort();
		break;
	case 17:
		/* The BSP's vLAPIC sends INIT and/or SIPI (virq.c lapic_init_sipi()). */
		v = pick_vcpu(in);
		if (v != NULL) {
			v->sipi_vector = take8(in);
			vcpu_make_request(v, ((op >> 5) & 1 ? VCPU_REQ_INIT : 0) |
					     ((op >> 6) & 1 ? VCPU_REQ_SIPI : 0));
		}
		break;
	default: {
		/* Knobs of the fakes. */
		uint8_t k = take8(in);

		fake_mmio.ret = (op & 0x80) ? -EIO : 0;
		fake_virq.pending = k & 1;
		fake_virq.vm_init_ret = (k & 0x06) == 0x06 ? -ENOMEM : 0;
		fake_virq.vcpu_init_fail_at = (k & 0x18) == 0x18 ? take8(in) % 4 : 0;
		fake_virq.pio_claim = (k & 0x20) != 0;
		fake_virq.pio_port = (uint16_t)take64(in);
		fake_virq.mmio_claim = (k & 0x40) != 0;
		fake_virq.mmio_base = (k & 0x80) ? 0xFEE00000ULL : take64(in);
		fake_virq.mmio_size = PAGE_SIZE;
		fake_virq.irqline_ret = (op & 0x40) ? -EINVAL : 0;
		fake_virq.msi_ret = (op & 0x20) ? -EINVAL : 0;
		break;
	}
	}
	check_invariants();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	long base;

	if (fake_hv_init() != 0)
		abort();
	base = fake_pages_outstanding();
	/* pCPUs 2 and 3 are offline in the Service VM: User VMs may use them. */
	sched_set_dedicated(2);
	sched_set_dedicated(3);
	for (unsigned steps = 0; in.n > 0 && steps < 64; steps++)
		step(&in);

	/* Destroy everything: the Service VM's pages are all that may remain. */
	for (uint16_t id = 1; id < MAX_VMS; id++) {
		struct vm *vm = vm_get(id);

		if (vm == NULL)
			continue;
		int64_t r = hc_destroy_vm(fake.caller, id);

		if (r != 0 || vm_get(id) != NULL) {
			fprintf(stderr, "VM %u cannot be destroyed (%ld)\n", id, (long)r);
			abort();
		}
	}
	if (fake_pages_outstanding() != base) {
		fprintf(stderr, "%ld pages leaked\n", fake_pages_outstanding() - base);
		abort();
	}
	fake_hv_fini();
	return 0;
}

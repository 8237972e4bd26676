/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The VHM backend of uos-minimal: drives /dev/acrn_vhm through the
 * <linux/acrn.h> UAPI exactly as a device model does.
 *
 * IOREQ protocol (kernel-modules/vhm/vhm_ioreq.c, ARCHITECTURE.md item 3):
 * the VHM turns a PENDING slot into PROCESSING and wakes the client blocked
 * in ATTACH_IOREQ_CLIENT; the client copies the slot ONCE, validates the
 * copy, writes the read value, stores COMPLETE (release) and calls
 * NOTIFY_REQUEST_FINISH, which tells the hypervisor to resume the vCPU.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/acrn.h>

#include "uos-minimal.h"
#include "uos-proto.h"

struct uos_vm {
	int fd;
	uint16_t vmid;
	uint16_t vcpu_num;
	bool created;
	struct acrn_io_request_buffer *iobuf;	/* page-aligned, pinned by the VHM */
	void *ram;
	uint32_t next_slot;			/* round-robin scan start */
};

static int uos_vhm_ioctl(struct uos_vm *vm, unsigned long req, unsigned long arg)
{
	return ioctl(vm->fd, req, arg) < 0 ? -errno : 0;
}

static int uos_vhm_open(void)
{
	int fd = open("/dev/acrn_vhm", O_RDWR | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		fd = open("/dev/acrn_hsm", O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int uos_vhm_set_regs(struct uos_vm *vm, const struct uos_vm_config *cfg)
{
	struct acrn_vcpu_regs r;

	/* The User VM contract: real mode, CS 0:UOS_LOAD_GPA, CR0.ET only. */
	memset(&r, 0, sizeof(r));
	r.vcpu_id = 0;
	r.vcpu_regs.gprs.rbx = cfg->mode;
	r.vcpu_regs.gprs.rsi = cfg->bench_iters;
	r.vcpu_regs.gprs.rdi = cfg->ioapic_pins;
	r.vcpu_regs.gprs.rsp = UOS_STACK_TOP;
	r.vcpu_regs.rip = UOS_LOAD_GPA;
	r.vcpu_regs.cs_base = 0;
	r.vcpu_regs.cs_limit = 0xFFFF;
	r.vcpu_regs.cs_ar = 0x9B;
	r.vcpu_regs.cs_sel = 0;
	r.vcpu_regs.cr0 = 0x10;
	r.vcpu_regs.rflags = 0x2;
	r.vcpu_regs.gdt.limit = 0xFFFF;
	r.vcpu_regs.idt.limit = 0xFFFF;
	return uos_vhm_ioctl(vm, ACRN_IOCTL_SET_VCPU_REGS, (unsigned long)&r);
}

static int uos_vhm_create(struct uos_vm **vmp, const struct uos_vm_config *cfg)
{
	struct acrn_vm_creation cv;
	struct acrn_vm_memmap map;
	struct uos_vm *vm;
	uint32_t i;
	int ret;

	vm = uos_vm_alloc(sizeof(*vm), cfg, &ret);
	if (!vm)
		return ret;
	vm->fd = -1;
	*vmp = vm;
	ret = uos_vhm_open();
	if (ret < 0)
		return ret;
	vm->fd = ret;

	/* A pinned user page starts in no state: mark every slot FREE first. */
	vm->iobuf = aligned_alloc(4096, sizeof(*vm->iobuf));
	if (!vm->iobuf)
		return -ENOMEM;
	memset(vm->iobuf, 0, sizeof(*vm->iobuf));
	for (i = 0; i < ACRN_IO_REQUEST_MAX; i++)
		vm->iobuf->req_slot[i].processed = ACRN_IOREQ_STATE_FREE;

	memset(&cv, 0, sizeof(cv));
	cv.ioreq_buf = (uintptr_t)vm->iobuf;
	cv.vcpu_num = 1;		/* one BSP (the hypervisor may write back its count) */
	cv.cpu_affinity = cfg->cpu_affinity;
	for (i = 0; i < sizeof(cv.uuid); i++)
		((uint8_t *)&cv.uuid)[i] = (uint8_t)(0xA0 + i);
	ret = uos_vhm_ioctl(vm, ACRN_IOCTL_CREATE_VM, (unsigned long)&cv);
	if (ret)
		return ret;
	vm->created = true;
	vm->vmid = cv.vmid;
	vm->vcpu_num = cv.vcpu_num;
	if (vm->vcpu_num == 0 || vm->vcpu_num > ACRN_IO_REQUEST_MAX)
		return -EPROTO;

	ret = uos_ram_map(&vm->ram, cfg, MAP_POPULATE);
	if (ret)
		return ret;
	memset(&map, 0, sizeof(map));
	map.type = ACRN_MEMMAP_RAM;
	map.attr = ACRN_MEM_ACCESS_RWX | ACRN_MEM_TYPE_WB;
	map.user_vm_pa = 0;
	map.vma_base = (uintptr_t)vm->ram;
	map.len = UOS_RAM_SIZE;
	ret = uos_vhm_ioctl(vm, ACRN_IOCTL_SET_MEMSEG, (unsigned long)&map);
	if (ret)
		return ret;
	ret = uos_vhm_set_regs(vm, cfg);
	if (ret)
		return ret;
	return uos_vhm_ioctl(vm, ACRN_IOCTL_CREATE_IOREQ_CLIENT, 0);
}

static int uos_vhm_start(struct uos_vm *vm)
{
	return uos_vhm_ioctl(vm, ACRN_IOCTL_START_VM, 0);
}

/* Validate our copy of a slot (the same rules the VHM applies). */
static int uos_vhm_decode(const struct acrn_io_request *c, uint32_t vcpu, struct uos_req *r)
{
	const struct acrn_pio_request *p = &c->reqs.pio_request;
	const struct acrn_mmio_request *m = &c->reqs.mmio_request;
	const struct acrn_pci_request *q = &c->reqs.pci_request;

	memset(r, 0, sizeof(*r));
	r->type = c->type;
	r->vcpu = vcpu;
	switch (c->type) {
	case ACRN_IOREQ_TYPE_PORTIO:
		if (p->direction > 1 || (p->size != 1 && p->size != 2 && p->size != 4) ||
		    p->address > 0xFFFF)
			return -EPROTO;
		r->dir = p->direction;
		r->addr = p->address;
		r->size = (uint32_t)p->size;
		r->value = p->value;
		return 0;
	case ACRN_IOREQ_TYPE_MMIO:
		if (m->direction > 1 ||
		    (m->size != 1 && m->size != 2 && m->size != 4 && m->size != 8))
			return -EPROTO;
		r->dir = m->direction;
		r->addr = m->address;
		r->size = (uint32_t)m->size;
		r->value = m->value;
		return 0;
	case ACRN_IOREQ_TYPE_PCICFG:
		if (q->direction > 1 || (q->size != 1 && q->size != 2 && q->size != 4) ||
		    q->bus > 255 || q->dev > 31 || q->func > 7 || q->reg > 0xFFF)
			return -EPROTO;
		r->dir = q->direction;
		r->addr = q->reg;
		r->bdf = q->bus << 8 | q->dev << 3 | q->func;
		r->size = (uint32_t)q->size;
		r->value = q->value;
		return 0;
	}
	return -EPROTO;
}

/* The first slot in PROCESSING that the VHM left to user space. */
static int uos_vhm_scan(struct uos_vm *vm, struct uos_req *req)
{
	struct acrn_io_request copy;
	uint32_t n, i;

	for (n = 0; n < vm->vcpu_num; n++) {
		i = (vm->next_slot + n) % vm->vcpu_num;
		struct acrn_io_request *slot = &vm->iobuf->req_slot[i];

		if (__atomic_load_n(&slot->processed, __ATOMIC_ACQUIRE) != ACRN_IOREQ_STATE_PROCESSING ||
		    __atomic_load_n(&slot->kernel_handled, __ATOMIC_RELAXED))
			continue;
		memcpy(&copy, slot, sizeof(copy));	/* the one read of the slot */
		/*
		 * The VHM answers 0xCF8 itself, passing through PROCESSING without
		 * kernel_handled: on SMP we may glimpse it there.  Never ours.
		 */
		if (copy.type == ACRN_IOREQ_TYPE_PORTIO && copy.reqs.pio_request.address == 0xCF8 &&
		    copy.reqs.pio_request.size == 4)
			continue;
		vm->next_slot = i + 1;
		if (uos_vhm_decode(&copy, i, req)) {
			/* Not ours to guess: finish it so the vCPU is not stuck. */
			fprintf(stderr, "uos-minimal: slot %u: malformed request type %u\n", i, copy.type);
			req->dir = ACRN_IOREQ_DIR_WRITE;
			req->type = UINT32_MAX;
			req->vcpu = i;
		}
		return 0;
	}
	return -EAGAIN;
}

static int uos_vhm_next(struct uos_vm *vm, struct uos_req *req)
{
	int ret;

	for (;;) {
		if (uos_vhm_scan(vm, req) == 0)
			return 0;
		/* Blocks until the VHM flags a request for us (or a signal). */
		ret = uos_vhm_ioctl(vm, ACRN_IOCTL_ATTACH_IOREQ_CLIENT, 0);
		if (ret == -EINTR)
			return -EINTR;
		if (ret)
			return ret;
	}
}

static int uos_vhm_complete(struct uos_vm *vm, const struct uos_req *req)
{
	struct acrn_io_request *slot;
	struct acrn_ioreq_notify n;

	if (req->vcpu >= vm->vcpu_num)
		return -EINVAL;
	slot = &vm->iobuf->req_slot[req->vcpu];
	if (req->dir == ACRN_IOREQ_DIR_READ) {
		switch (req->type) {
		case ACRN_IOREQ_TYPE_PORTIO:
			slot->reqs.pio_request.value = (uint32_t)req->value;
			break;
		case ACRN_IOREQ_TYPE_MMIO:
			slot->reqs.mmio_request.value = req->value;
			break;
		case ACRN_IOREQ_TYPE_PCICFG:
			slot->reqs.pci_request.value = (uint32_t)req->value;
			break;
		}
	}
	__atomic_store_n(&slot->processed, ACRN_IOREQ_STATE_COMPLETE, __ATOMIC_RELEASE);
	memset(&n, 0, sizeof(n));
	n.vmid = vm->vmid;
	n.vcpu = req->vcpu;
	return uos_vhm_ioctl(vm, ACRN_IOCTL_NOTIFY_REQUEST_FINISH, (unsigned long)&n);
}

static int uos_vhm_irqline(struct uos_vm *vm, uint32_t gsi, uint32_t op)
{
	/* struct acrn_irqline_ops by value: gsi in bits 31:0, op in 63:32. */
	uint64_t arg = (uint64_t)gsi | (uint64_t)op << 32;

	return uos_vhm_ioctl(vm, ACRN_IOCTL_SET_IRQLINE, (unsigned long)arg);
}

static int uos_vhm_msi(struct uos_vm *vm, uint64_t addr, uint64_t data)
{
	struct acrn_msi_entry m = { .msi_addr = addr, .msi_data = data };

	return uos_vhm_ioctl(vm, ACRN_IOCTL_INJECT_MSI, (unsigned long)&m);
}

int uos_vhm_peek(struct uos_vm *vm, uint32_t vcpu, uint32_t *state, uint64_t *value)
{
	const struct acrn_io_request *slot;

	if (!vm || !vm->iobuf || vcpu >= vm->vcpu_num)
		return -EINVAL;
	slot = &vm->iobuf->req_slot[vcpu];
	*state = __atomic_load_n(&slot->processed, __ATOMIC_ACQUIRE);
	*value = slot->type == ACRN_IOREQ_TYPE_MMIO ? slot->reqs.mmio_request.value :
		 slot->type == ACRN_IOREQ_TYPE_PCICFG ? slot->reqs.pci_request.value :
		 slot->reqs.pio_request.value;
	return 0;
}

static int uos_vhm_vmid(struct uos_vm *vm)
{
	return vm && vm->created ? vm->vmid : -1;
}

static int uos_vhm_destroy(struct uos_vm *vm)
{
	int ret = 0;

	if (!vm)
		return 0;
	if (vm->created)
		ret = uos_vhm_ioctl(vm, ACRN_IOCTL_DESTROY_VM, 0);
	/* Closing the file destroys the VM too, and unpins what is left. */
	if (vm->fd >= 0)
		close(vm->fd);
	uos_ram_unmap(vm->ram);
	free(vm->iobuf);
	free(vm);
	return ret;
}

const struct uos_vmm_ops uos_vhm_ops = UOS_VMM_OPS(vhm, UOS_IOAPIC_PINS);

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The KVM backend of uos-minimal (--kvm): runs the same payload under Linux
 * KVM on a development host, turning KVM_EXIT_IO/KVM_EXIT_MMIO into the
 * requests the VHM would deliver, so the payload and the checker are proven
 * without ACRN.  Like the VHM, it answers 0xCF8 itself and folds 0xCFC-0xCFF
 * into PCICFG requests (PCI Local Bus 3.0, 3.2.2.3.2).  Known differences
 * from the ACRN contract: KVM's IOAPIC has 24 pins (the guest is told so at
 * entry, in RDI); a VMCALL that KVM does not complete is answered here with
 * -EPERM, as ACRN answers a User VM.
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
#include <linux/kvm.h>

#include "uos-minimal.h"
#include "uos-proto.h"

#define UOS_KVM_CPUID_MAX	128

enum uos_kvm_exit { EXIT_NONE, EXIT_IO, EXIT_MMIO };

struct uos_vm {
	int kvm, vmfd, vcpufd;
	struct kvm_run *run;
	size_t run_size;
	void *ram;
	uint32_t cf8;
	enum uos_kvm_exit pending;
};

static int uos_kvm_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

static int uos_kvm_cpuid(struct uos_vm *vm)
{
	size_t sz = sizeof(struct kvm_cpuid2) + UOS_KVM_CPUID_MAX * sizeof(struct kvm_cpuid_entry2);
	struct kvm_cpuid2 *c = calloc(1, sz);
	int ret;

	if (!c)
		return -ENOMEM;
	c->nent = UOS_KVM_CPUID_MAX;
	ret = uos_kvm_ioctl(vm->kvm, KVM_GET_SUPPORTED_CPUID, c);
	if (ret == 0)
		ret = uos_kvm_ioctl(vm->vcpufd, KVM_SET_CPUID2, c);
	free(c);
	return ret;
}

static int uos_kvm_regs(struct uos_vm *vm, const struct uos_vm_config *cfg)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	int ret = uos_kvm_ioctl(vm->vcpufd, KVM_GET_SREGS, &s);

	if (ret)
		return ret;
	/* The same start state the VHM backend asks ACRN for. */
	s.cs.selector = 0;
	s.cs.base = 0;
	s.cs.limit = 0xFFFF;
	s.cs.type = 0xB;
	s.cs.present = 1;
	s.cs.s = 1;
	s.cs.dpl = 0;
	s.cs.db = 0;
	s.cs.l = 0;
	s.cs.g = 0;
	s.cr0 = 0x10;
	s.cr4 = 0;
	s.efer = 0;
	ret = uos_kvm_ioctl(vm->vcpufd, KVM_SET_SREGS, &s);
	if (ret)
		return ret;
	memset(&r, 0, sizeof(r));
	r.rip = UOS_LOAD_GPA;
	r.rflags = 0x2;
	r.rbx = cfg->mode;
	r.rsi = cfg->bench_iters;
	r.rdi = cfg->ioapic_pins;
	r.rsp = UOS_STACK_TOP;
	return uos_kvm_ioctl(vm->vcpufd, KVM_SET_REGS, &r);
}

static int uos_kvm_create(struct uos_vm **vmp, const struct uos_vm_config *cfg)
{
	struct kvm_userspace_memory_region mr;
	struct uos_vm *vm;
	int ret;

	vm = uos_vm_alloc(sizeof(*vm), cfg, &ret);
	if (!vm)
		return ret;
	vm->kvm = vm->vmfd = vm->vcpufd = -1;
	*vmp = vm;
	vm->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm < 0)
		return -errno;
	vm->vmfd = ioctl(vm->kvm, KVM_CREATE_VM, 0);
	if (vm->vmfd < 0)
		return -errno;
	ioctl(vm->vmfd, KVM_SET_TSS_ADDR, 0xFFFBD000UL);	/* Intel needs it; AMD ignores */
	ret = uos_kvm_ioctl(vm->vmfd, KVM_CREATE_IRQCHIP, NULL);
	if (ret)
		return ret;
	ret = uos_ram_map(&vm->ram, cfg, MAP_NORESERVE);
	if (ret)
		return ret;
	memset(&mr, 0, sizeof(mr));
	mr.slot = 0;
	mr.guest_phys_addr = 0;
	mr.memory_size = UOS_RAM_SIZE;
	mr.userspace_addr = (uintptr_t)vm->ram;
	ret = uos_kvm_ioctl(vm->vmfd, KVM_SET_USER_MEMORY_REGION, &mr);
	if (ret)
		return ret;
	vm->vcpufd = ioctl(vm->vmfd, KVM_CREATE_VCPU, 0);
	if (vm->vcpufd < 0)
		return -errno;
	ret = ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (ret < 0)
		return -errno;
	vm->run_size = (size_t)ret;
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpufd, 0);
	if (vm->run == MAP_FAILED) {
		vm->run = NULL;
		return -ENOMEM;
	}
	ret = uos_kvm_cpuid(vm);
	if (ret)
		return ret;
	return uos_kvm_regs(vm, cfg);
}

static int uos_kvm_start(struct uos_vm *vm)
{
	return vm->run ? 0 : -EINVAL;
}

/* A port access: 0xCF8 answered here; 0xCFC-0xCFF folded to PCICFG.  */
static bool uos_kvm_io(struct uos_vm *vm, struct uos_req *r)
{
	struct kvm_run *run = vm->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint32_t v = 0, off;

	memset(r, 0, sizeof(*r));
	r->type = ACRN_IOREQ_TYPE_PORTIO;
	r->dir = run->io.direction == KVM_EXIT_IO_OUT ? ACRN_IOREQ_DIR_WRITE : ACRN_IOREQ_DIR_READ;
	r->addr = run->io.port;
	r->size = run->io.size;
	if (r->dir == ACRN_IOREQ_DIR_WRITE)
		memcpy(&v, data, r->size);
	r->value = v;
	if (r->addr == 0xCF8 && r->size == 4) {
		if (r->dir == ACRN_IOREQ_DIR_WRITE)
			vm->cf8 = v & 0x80FFFFFCU;
		else
			memcpy(data, &vm->cf8, 4);
		return false;
	}
	off = (uint32_t)r->addr - 0xCFC;
	if (r->addr >= 0xCFC && r->addr <= 0xCFF && (vm->cf8 & 0x80000000U) && off + r->size <= 4) {
		r->type = ACRN_IOREQ_TYPE_PCICFG;
		r->bdf = (vm->cf8 >> 8) & 0xFFFF;
		r->addr = (vm->cf8 & 0xFC) + off;
	}
	return true;
}

/*
 * Some hosts' KVM neither exits to user space nor answers a VMCALL it does
 * not know (on AMD it is #UD, emulated): the vCPU spins on it.  When a run
 * is interrupted with RIP on a VMCALL, answer as ACRN does for a User VM:
 * RAX = -EPERM, RIP past the instruction.
 */
static bool uos_kvm_fix_vmcall(struct uos_vm *vm)
{
	static const uint8_t vmcall[3] = { 0x0F, 0x01, 0xC1 };
	struct kvm_regs r;

	if (ioctl(vm->vcpufd, KVM_GET_REGS, &r) < 0 || r.rip > UOS_RAM_SIZE - sizeof(vmcall) ||
	    memcmp((uint8_t *)vm->ram + r.rip, vmcall, sizeof(vmcall)) != 0)
		return false;
	r.rax = (uint64_t)-EPERM;
	r.rip += sizeof(vmcall);
	return ioctl(vm->vcpufd, KVM_SET_REGS, &r) == 0;
}

static int uos_kvm_next(struct uos_vm *vm, struct uos_req *r)
{
	struct kvm_run *run = vm->run;

	for (;;) {
		if (ioctl(vm->vcpufd, KVM_RUN, 0) < 0) {
			if (errno == EINTR && uos_kvm_fix_vmcall(vm))
				continue;
			return errno == EINTR ? -EINTR : -errno;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (run->io.count != 1 || run->io.size > 4)
				return -EPROTO;
			if (!uos_kvm_io(vm, r))
				continue;
			vm->pending = EXIT_IO;
			return 0;
		case KVM_EXIT_MMIO:
			memset(r, 0, sizeof(*r));
			if (run->mmio.len == 0 || run->mmio.len > 8)
				return -EPROTO;
			r->type = ACRN_IOREQ_TYPE_MMIO;
			r->dir = run->mmio.is_write ? ACRN_IOREQ_DIR_WRITE : ACRN_IOREQ_DIR_READ;
			r->addr = run->mmio.phys_addr;
			r->size = run->mmio.len;
			if (run->mmio.is_write)
				memcpy(&r->value, run->mmio.data, r->size);
			vm->pending = EXIT_MMIO;
			return 0;
		case KVM_EXIT_INTR:
			return -EINTR;
		default:
			fprintf(stderr, "uos-minimal: KVM exit reason %u\n", run->exit_reason);
			return -EIO;
		}
	}
}

static int uos_kvm_complete(struct uos_vm *vm, const struct uos_req *r)
{
	struct kvm_run *run = vm->run;

	if (r->dir == ACRN_IOREQ_DIR_READ) {
		if (vm->pending == EXIT_IO)
			memcpy((uint8_t *)run + run->io.data_offset, &r->value, run->io.size);
		else if (vm->pending == EXIT_MMIO)
			memcpy(run->mmio.data, &r->value, run->mmio.len);
	}
	vm->pending = EXIT_NONE;
	return 0;
}

static int uos_kvm_irqline(struct uos_vm *vm, uint32_t gsi, uint32_t op)
{
	struct kvm_irq_level l = { .irq = gsi, .level = 1 };
	int ret;

	if (op != UOS_IRQLINE_RAISING_PULSE)
		return -EINVAL;
	ret = uos_kvm_ioctl(vm->vmfd, KVM_IRQ_LINE, &l);
	l.level = 0;
	return ret ? ret : uos_kvm_ioctl(vm->vmfd, KVM_IRQ_LINE, &l);
}

static int uos_kvm_msi(struct uos_vm *vm, uint64_t addr, uint64_t data)
{
	struct kvm_msi m = {
		.address_lo = (uint32_t)addr, .address_hi = (uint32_t)(addr >> 32), .data = (uint32_t)data,
	};

	/* KVM_SIGNAL_MSI returns 1 when delivered. */
	return ioctl(vm->vmfd, KVM_SIGNAL_MSI, &m) < 0 ? -errno : 0;
}

static int uos_kvm_vmid(struct uos_vm *vm)
{
	return vm ? vm->vmfd : -1;
}

static int uos_kvm_destroy(struct uos_vm *vm)
{
	struct kvm_regs r;

	if (!vm)
		return 0;
	/* UOS_KVM_DEBUG=1: where the guest was when the run ended. */
	if (getenv("UOS_KVM_DEBUG") && vm->vcpufd >= 0 && ioctl(vm->vcpufd, KVM_GET_REGS, &r) == 0)
		fprintf(stderr, "uos-minimal: kvm: rip %#llx rax %#llx rsp %#llx\n",
			(unsigned long long)r.rip, (unsigned long long)r.rax, (unsigned long long)r.rsp);
	if (vm->run)
		munmap(vm->run, vm->run_size);
	if (vm->vcpufd >= 0)
		close(vm->vcpufd);
	if (vm->vmfd >= 0)
		close(vm->vmfd);
	if (vm->kvm >= 0)
		close(vm->kvm);
	uos_ram_unmap(vm->ram);
	free(vm);
	return 0;
}

/* 24 pins: KVM's in-kernel IOAPIC. */
const struct uos_vmm_ops uos_kvm_ops = UOS_VMM_OPS(kvm, 24);

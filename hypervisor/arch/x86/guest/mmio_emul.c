/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MMIO emulation glue between a VM exit and the pure instruction emulator.
 * The VMCS reports the guest-physical address of the access but not the
 * instruction (SDM Vol. 3 §28.2.1: the instruction length field is
 * undefined for EPT violations), so the instruction is fetched from guest
 * memory at CS.base + RIP and decoded here.
 */
#define pr_fmt(fmt) "mmio: " fmt
#include <arch/x86/guest/mmio_emul.h>
#include <arch/x86/guest/guest_walk.h>
#include <arch/x86/instr_emul.h>
#include <arch/x86/vmx/vmx.h>
#include <arch/x86/cpu.h>
#include <arch/x86/msr.h>
#include <common/vm.h>
#include <common/log.h>
#include <lib/errno.h>
#include <lib/string.h>
#include <lib/util.h>

#define PAGE_MASK_4K	0xFFFULL

static int read_gpa(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	*val = 0;
	return vm_copy_from_gpa(ctx, val, gpa, size);
}

int vcpu_gla2gpa(struct vcpu *v, uint64_t gla, uint64_t *gpa)
{
	struct guest_paging pg = {
		.cr0 = vmcs_read(VMCS_GUEST_CR0),
		.cr3 = vmcs_read(VMCS_GUEST_CR3),
		.cr4 = vmcs_read(VMCS_GUEST_CR4),
		.efer = vmcs_read(VMCS_GUEST_EFER),
	};

	return guest_walk(&pg, gla, gpa, read_gpa, v->vm);
}

/* Copy guest-linear memory page by page; returns the bytes copied. */
static size_t copy_from_gla(struct vcpu *v, void *dst, uint64_t gla, size_t len)
{
	size_t done = 0;

	while (done < len) {
		size_t chunk = MIN(len - done, (size_t)(PAGE_SIZE - ((gla + done) & PAGE_MASK_4K)));
		uint64_t gpa;

		if (vcpu_gla2gpa(v, gla + done, &gpa) != 0 ||
		    vm_copy_from_gpa(v->vm, (uint8_t *)dst + done, gpa, chunk) != 0)
			break;
		done += chunk;
	}
	return done;
}

/* Copy into guest-linear memory page by page. @return 0 or -EFAULT (nothing partial is undone). */
static int copy_to_gla(struct vcpu *v, uint64_t gla, const void *src, size_t len)
{
	size_t done = 0;

	while (done < len) {
		size_t chunk = MIN(len - done, (size_t)(PAGE_SIZE - ((gla + done) & PAGE_MASK_4K)));
		uint64_t gpa;

		if (vcpu_gla2gpa(v, gla + done, &gpa) != 0 ||
		    vm_copy_to_gpa(v->vm, gpa, (const uint8_t *)src + done, chunk) != 0)
			return -EFAULT;
		done += chunk;
	}
	return 0;
}

/* VMX_BASIC[54]: the instruction-information field is valid for INS/OUTS. */
#define VMX_BASIC_INS_OUTS_INFO	(1ULL << 54)

int vcpu_string_io_start(struct vcpu *v, uint64_t qual, uint32_t *val)
{
	static const enum vmcs_field base[] = {
		VMCS_GUEST_ES_BASE, VMCS_GUEST_CS_BASE, VMCS_GUEST_SS_BASE,
		VMCS_GUEST_DS_BASE, VMCS_GUEST_FS_BASE, VMCS_GUEST_GS_BASE,
	};
	uint64_t cs_ar = vmcs_read(VMCS_GUEST_CS_AR);
	bool long_mode = (vmcs_read(VMCS_GUEST_EFER) & EFER_LMA) && (cs_ar & (1U << 13));
	struct string_io *s = &v->io.str;
	uint32_t info;
	int ret;

	if (rdmsr(MSR_IA32_VMX_BASIC) & VMX_BASIC_INS_OUTS_INFO) {
		info = (uint32_t)vmcs_read(VMCS_EXIT_INSTR_INFO);
	} else {
		/* No information: the default address size of the code segment, DS. */
		info = (uint32_t)STRING_IO_DS << 15;
		info |= (long_mode ? 2U : (cs_ar >> 14) & 1) << 7;
	}
	ret = string_io_begin(s, qual, info, v->regs.gpr, vmcs_read(base[string_io_segment(qual, info)]),
			      long_mode);
	if (ret < 0) {
		pr_err("VM %s vCPU %u: string I/O with qualification %#lx, information %#x not emulated",
		       v->vm->name, v->id, qual, info);
		return ret;
	}
	if (ret == 0) {
		vcpu_skip_instruction(v);	/* REP with a zero count */
		return 0;
	}
	*val = 0;
	if (!s->in && copy_from_gla(v, val, s->gla, s->size) != s->size) {
		pr_err("VM %s vCPU %u: OUTS from unmapped linear address %#lx", v->vm->name, v->id, s->gla);
		return -EFAULT;
	}
	v->io.str_active = true;
	return 1;
}

int vcpu_string_io_finish(struct vcpu *v, uint32_t val)
{
	struct string_io *s = &v->io.str;

	v->io.str_active = false;
	if (s->in && copy_to_gla(v, s->gla, &val, s->size) != 0) {
		pr_err("VM %s vCPU %u: INS to unmapped linear address %#lx", v->vm->name, v->id, s->gla);
		return -EFAULT;
	}
	if (string_io_advance(s, v->regs.gpr, (vmcs_read(VMCS_GUEST_RFLAGS) & INSTR_EMUL_RFLAGS_DF) != 0))
		vcpu_skip_instruction(v);
	return 0;
}

struct mmio_ctx {
	struct vcpu *v;
};

static int op_mmio_read(void *ctx, uint64_t gpa, uint64_t *val, unsigned int size)
{
	struct vcpu *v = ((struct mmio_ctx *)ctx)->v;

	*val = 0;
	return v->vm->ops->mmio(v, gpa, size, false, val);
}

static int op_mmio_write(void *ctx, uint64_t gpa, uint64_t val, unsigned int size)
{
	struct vcpu *v = ((struct mmio_ctx *)ctx)->v;

	return v->vm->ops->mmio(v, gpa, size, true, &val);
}

static int op_mem_read(void *ctx, uint64_t gla, void *buf, unsigned int size)
{
	struct vcpu *v = ((struct mmio_ctx *)ctx)->v;

	return copy_from_gla(v, buf, gla, size) == size ? 0 : -EFAULT;
}

static int op_mem_write(void *ctx, uint64_t gla, const void *buf, unsigned int size)
{
	struct vcpu *v = ((struct mmio_ctx *)ctx)->v;
	uint64_t gpa, val = 0;

	/* MOVS to ordinary memory: one operand never crosses a page here,
	 * as the emulator moves one element (<= 8 bytes, aligned by the guest
	 * in practice); a crossing is refused rather than half done. */
	if (((gla & PAGE_MASK_4K) + size) > PAGE_SIZE || size > sizeof(val) ||
	    vcpu_gla2gpa(v, gla, &gpa) != 0)
		return -EFAULT;
	if (vm_copy_to_gpa(v->vm, gpa, buf, size) == 0)
		return 0;
	/* Not guest RAM: a MOVS whose source and destination are both MMIO
	 * (the exit was for the source, SDM Vol. 2B MOVS reads first).  The
	 * destination is one more emulated access, forwarded and replayed
	 * like the source's. */
	memcpy(&val, buf, size);
	return v->vm->ops->mmio(v, gpa, size, true, &val);
}

static const struct instr_emul_ops mmio_ops = {
	.mmio_read = op_mmio_read,
	.mmio_write = op_mmio_write,
	.mem_read = op_mem_read,
	.mem_write = op_mem_write,
};

static void read_regs(struct vcpu *v, struct instr_emul_regs *r)
{
	static const enum vmcs_field base[INSTR_EMUL_NR_SEGS] = {
		VMCS_GUEST_ES_BASE, VMCS_GUEST_CS_BASE, VMCS_GUEST_SS_BASE,
		VMCS_GUEST_DS_BASE, VMCS_GUEST_FS_BASE, VMCS_GUEST_GS_BASE,
	};
	uint64_t cs_ar = vmcs_read(VMCS_GUEST_CS_AR);

	memcpy(r->gpr, v->regs.gpr, sizeof(r->gpr));
	r->gpr[INSTR_EMUL_RSP] = vmcs_read(VMCS_GUEST_RSP);
	r->rip = vmcs_read(VMCS_GUEST_RIP);
	r->rflags = vmcs_read(VMCS_GUEST_RFLAGS);
	for (unsigned i = 0; i < INSTR_EMUL_NR_SEGS; i++)
		r->seg_base[i] = vmcs_read(base[i]);
	/* CR0.PE from the guest's view; EFER.LMA and CS.L select 64-bit mode. */
	if (!(vmcs_read(VMCS_CR0_SHADOW) & CR0_PE) && !(vmcs_read(VMCS_GUEST_CR0) & CR0_PE))
		r->mode = INSTR_EMUL_MODE_REAL;
	else if ((vmcs_read(VMCS_GUEST_EFER) & EFER_LMA) && (cs_ar & (1U << 13)))
		r->mode = INSTR_EMUL_MODE_64BIT;
	else
		r->mode = INSTR_EMUL_MODE_PROTECTED;
	r->cs_d = (cs_ar >> 14) & 1;
}

int mmio_emulate(struct vcpu *v, uint64_t gpa, bool is_write)
{
	struct mmio_ctx ctx = { v };
	struct instr_emul_access acc = { gpa, is_write };
	struct instr_emul_regs r;
	uint8_t buf[INSTR_EMUL_MAX_LEN];
	uint64_t gla;
	size_t len;
	int ret;

	if (v->vm->ops->mmio == NULL)
		return -ENOENT;
	read_regs(v, &r);
	gla = r.seg_base[INSTR_EMUL_CS] + r.rip;
	if (r.mode != INSTR_EMUL_MODE_64BIT)
		gla &= 0xFFFFFFFFULL;
	len = copy_from_gla(v, buf, gla, sizeof(buf));
	if (len == 0) {
		pr_err("VM %s vCPU %u: cannot fetch the instruction at %#lx", v->vm->name, v->id, gla);
		return -EFAULT;
	}
	v->io.replay = 0;
	ret = instr_emul_run(buf, len, &r, &acc, &mmio_ops, &ctx);
	if (ret != 0) {
		if (ret != -ENOENT && ret != -EINPROGRESS)
			pr_err("VM %s vCPU %u: MMIO at %#lx: instruction %02x %02x %02x %02x at %#lx not emulated (%d)",
			       v->vm->name, v->id, gpa, buf[0], len > 1 ? buf[1] : 0,
			       len > 2 ? buf[2] : 0, len > 3 ? buf[3] : 0, gla, ret);
		return ret;
	}
	v->io.n_done = 0;	/* the instruction is complete: forget its accesses */
	memcpy(v->regs.gpr, r.gpr, sizeof(v->regs.gpr));
	vmcs_write(VMCS_GUEST_RSP, r.gpr[INSTR_EMUL_RSP]);
	vmcs_write(VMCS_GUEST_RIP, r.rip);
	vmcs_write(VMCS_GUEST_RFLAGS, r.rflags);
	return 0;
}

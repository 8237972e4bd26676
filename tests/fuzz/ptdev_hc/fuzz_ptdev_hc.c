/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz the passthrough hypercalls (hypervisor/common/ptdev.c) as a hostile
 * Service VM would make them, between HC_CREATE_VM / HC_DESTROY_VM, physical
 * interrupts and EOIs.  A shadow model of who owns what is kept alongside:
 *  - every result is 0 or one of the documented errnos;
 *  - a physical function has at most one owner, always a live User VM, and
 *    it is the one the shadow says (assign succeeded, not yet released),
 *    checked for every BDF the input named;
 *  - a virtual line is raised only for a pin mapped to that VM, never twice
 *    without an EOI in between, and lowered at EOI;
 *  - MSI/MSI-X remapping (HC_VM_PCI_MSIX_REMAP) succeeds only for the
 *    owner, answers a compatibility-format message with a host vector of
 *    the MSI range, and a host vector injects only into a live User VM a
 *    message in the interrupt window;
 *  - after every VM is destroyed nothing is owned, no pin is forwarded and
 *    no host vector is remapped.
 *
 * An input that starts with "VT" runs with VT-d: the real driver (vtd.c) on
 * the register model of tests/unit/vtd, one unit for every device, with
 * interrupt remapping when the next byte is odd (else QI only).  Then an
 * unmasked message comes back remappable (data 0) and the model delivers it
 * through its IRTE to a host vector of the MSI range on a pCPU that
 * ptdev_msi_phys_irq() takes as the mapping's, and only from that device;
 * a masked one holds no IRTE; a failed remap (the fuzzer may make the next
 * interrupt entry cache invalidation fail) changes no mapping and no IRTE;
 * and after every VM is destroyed no IRTE is left.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_hv.h"

#include <common/ptdev.h>
#include <common/user_vm.h>
#include <common/vm.h>
#include <common/sched.h>
#include <public/acrn_common.h>
#include <lib/errno.h>
#include <arch/x86/per_cpu.h>
#include <arch/x86/vtd.h>

#include "../fuzz_input.h"
#include "../../unit/vtd/vtd_model.h"
#include "../../unit/pgtable/pgt_test_mem.h"

#define UNIT		0xFED90000ULL

/* VT-d for this input: 0 none, 1 a unit with QI, 2 with QI and IR. */
static int vtd_mode;
static struct pgt_test_mem tmem;
static struct vtm model;
static struct vtm_unit *unit;

static void vtd_begin(struct input *in)
{
	static bool arena;
	struct dmar_info info;

	vtd_mode = 0;
	if (in->n < 3 || in->p[0] != 'V' || in->p[1] != 'T')
		return;
	in->p += 2;
	in->n -= 2;
	vtd_mode = (take8(in) & 1U) != 0 ? 2 : 1;
	if (!arena) {
		pgt_test_mem_init(&tmem);
		arena = true;
	}
	pgt_test_mem_reset(&tmem);
	memset(&model, 0, sizeof(model));
	model.mem = &pgt_test_ops;
	model.mem_ctx = &tmem;
	vtm_attach(&model);
	unit = vtm_add_unit(&model, UNIT);
	unit->ecap |= VTM_ECAP_QI | (vtd_mode == 2 ? VTM_ECAP_IR : 0);
	memset(&info, 0, sizeof(info));
	info.host_addr_width = 39;
	info.unit_count = 1;
	info.units[0].reg_base = UNIT;
	info.units[0].include_all = true;
	if (vtd_setup(&info, &vtm_ops, &model) != 0)
		abort();
}

static void vtd_end(void)
{
	if (vtd_mode == 0)
		return;
	vtd_teardown();
	if (tmem.live != 0 || unit->ire_bad != 0 || unit->bad_access != 0)
		abort();		/* a table page leaked, or IR enabled wrongly */
	vtd_mode = 0;
}

/* IRTEs of the unit that deliver for requester @sid. */
static unsigned irtes_present(uint16_t sid)
{
	struct vtm_irq out;
	unsigned n = 0;

	for (uint16_t k = 0; vtd_mode == 2 && k < VTD_IRT_ENTRIES; k++)
		if (vtm_msi(unit, sid, vtd_irte_msi_addr(k), 0, &out) == 0)
			n++;
	return n;
}

/* The pCPU whose APIC ID is @apic_id, or FAKE_PCPUS. */
static uint32_t pcpu_of(uint32_t apic_id)
{
	uint32_t p;

	for (p = 0; p < FAKE_PCPUS && per_cpu_data[p].apic_id != apic_id; p++)
		;
	return p;
}

#define OFF_PARAM	0x0000UL
#define OFF_DEV		0x0800UL
#define OFF_IRQ		0x0C00UL
#define OFF_MSI		0x0E00UL

/* BDFs from a small set most of the time, so collisions happen. */
static uint16_t take_bdf(struct input *in)
{
	uint8_t b = take8(in);

	return (b & 0x80) ? (uint16_t)(take8(in) << 8 | take8(in)) : (uint16_t)((b & 7) << 3);
}

static uint32_t take_pin(struct input *in)
{
	uint8_t b = take8(in);

	return (b & 0x80) ? (uint32_t)take64(in) : (uint32_t)(b % 26);
}

/* Shadow: owner VM id (0 = none) per physical BDF; the BDFs ever named. */
static uint16_t owner[65536];
static uint16_t touched[256];
static unsigned ntouched;

static void touch(uint16_t bdf)
{
	for (unsigned i = 0; i < ntouched; i++)
		if (touched[i] == bdf)
			return;
	if (ntouched < 256)
		touched[ntouched++] = bdf;
}

static void check(const char *what, int64_t r)
{
	switch (r) {
	case 0: case -EINVAL: case -EFAULT: case -EBUSY: case -ENODEV: case -ENOSPC:
	case -ENOENT: case -ENOTSUP: case -ENOMEM: case -ETIMEDOUT: case -EIO:
		return;
	default:
		fprintf(stderr, "%s returned %ld\n", what, (long)r);
		abort();
	}
}

static void check_owners(void)
{
	for (unsigned i = 0; i < ntouched; i++) {
		uint16_t bdf = touched[i];
		struct vm *vm = ptdev_owner(bdf);

		if (vm == NULL ? owner[bdf] != 0 : (vm != vm_get(owner[bdf]) || !vm->user_vm)) {
			fprintf(stderr, "%04x owned by %p, shadow says VM %u\n", bdf, (void *)vm,
				owner[bdf]);
			abort();
		}
	}
}

/* With IR: the message @m came back with is delivered as the mapping says. */
static void check_remapped(const struct acrn_hc_msix_remap *m)
{
	bool masked = (m->vector_ctl & ACRN_HC_MSIX_VECTOR_MASKED) != 0;
	uint32_t addr = (uint32_t)m->msi_addr;
	struct vtm_irq out;

	if (masked) {
		if ((addr & 0x10U) != 0)
			abort();	/* a masked message names an IRTE */
		return;
	}
	if ((m->msi_addr >> 32) != 0 || (addr & 0xFFF0001FU) != 0xFEE00010U || m->msi_data != 0)
		abort();		/* not a remappable-format message */
	if (vtm_msi(unit, m->phys_bdf, addr, 0, &out) != 0 || !out.remapped || out.logical ||
	    out.level || out.delivery != VTD_DELIVERY_FIXED ||
	    out.vector < PTDEV_MSI_VECTOR_BASE ||
	    out.vector >= PTDEV_MSI_VECTOR_BASE + PTDEV_MSI_VECTORS ||
	    pcpu_of(out.dest) >= FAKE_PCPUS || !ptdev_msi_phys_irq(pcpu_of(out.dest), out.vector))
		abort();		/* the IRTE does not deliver to the mapping's host vector */
	if (vtm_msi(unit, (uint16_t)(m->phys_bdf ^ 1U), addr, 0, &out) != VTM_FR_IR_SID)
		abort();		/* another requester may use the entry */
}

static void msix_remap_step(struct input *in, uint64_t vmid, uint64_t gpa, bool bad_iec)
{
	struct acrn_hc_msix_remap *m = fake_sos_ptr(OFF_MSI);
	struct vm *vm = vmid < MAX_VMS ? vm_get((uint16_t)vmid) : NULL;
	uint8_t f = take8(in);
	unsigned count = 0, irtes = 0;
	int64_t r;

	memset(m, 0, sizeof(*m));
	m->phys_bdf = take_bdf(in);
	m->virt_bdf = take_bdf(in);
	m->msix = (f & 0x80) ? (int32_t)take8(in) : (int32_t)(f & 1);
	m->msix_entry_index = (f & 0x40) ? (int32_t)take64(in) : (int32_t)(take8(in) % 8);
	m->msi_ctl = (f & 0x20) ? (uint16_t)take64(in) : (uint16_t)((f >> 1) & 1);
	m->vector_ctl = (f & 0x10) ? (uint32_t)take64(in) : (uint32_t)((f >> 2) & 1);
	m->msi_addr = (f & 0x08) ? take64(in) : 0xFEE00000ULL | (uint64_t)(take8(in) % 4) << 12;
	m->msi_data = (f & 0x08) ? (uint32_t)take64(in) : take8(in);
	touch(m->phys_bdf);
	if (vm != NULL) {
		count = ptdev_msi_count(vm);
		irtes = irtes_present(m->phys_bdf);
	}
	if (vtd_mode != 0 && bad_iec)
		unit->qi_bad_type = 4;	/* the next IEC invalidation is refused */
	r = hc_vm_pci_msix_remap(fake.caller, vmid, gpa ? gpa : fake_sos_gpa(OFF_MSI));
	if (vtd_mode != 0)
		unit->qi_bad_type = 0;
	check("msix_remap", r);
	if (r != 0 && gpa == 0 && vm != NULL && vm_get((uint16_t)vmid) == vm &&
	    (ptdev_msi_count(vm) != count || irtes_present(m->phys_bdf) != irtes))
		abort();		/* a refused remap left state behind */
	if (r != 0 || gpa != 0)
		return;
	if (owner[m->phys_bdf] != vmid)
		abort();		/* remapped a message of a device not its own */
	if ((m->msi_ctl & ACRN_HC_MSIX_REMAP_ENABLE) == 0)
		return;
	if (vtd_mode == 2 && (m->msi_addr & 0x10U) != 0) {
		check_remapped(m);
		return;
	}
	if (vtd_mode == 2)
		check_remapped(m);	/* compatibility format: only when masked */
	if ((m->msi_addr & ~0xFF000ULL) != 0xFEE00000ULL || m->msi_data < PTDEV_MSI_VECTOR_BASE ||
	    m->msi_data >= PTDEV_MSI_VECTOR_BASE + PTDEV_MSI_VECTORS)
		abort();		/* not a compatibility-format message to a host vector */
}

static void step(struct input *in)
{
	uint8_t op = take8(in);
	uint64_t vmid = take8(in);
	struct acrn_hc_pcidev *d = fake_sos_ptr(OFF_DEV);
	struct acrn_hc_ptdev_irq *q = fake_sos_ptr(OFF_IRQ);
	uint64_t gpa;
	int64_t r;

	vmid = vmid >= 0xF0 ? take64(in) : vmid % (MAX_VMS + 1);
	gpa = (op & 0x80) ? take64(in) : 0;
	switch (op % 10) {
	case 0: {
		struct acrn_hc_vm_creation *cv = fake_sos_ptr(OFF_PARAM);

		memset(cv, 0, sizeof(*cv));
		cv->vcpu_num = 1;
		check("create", hc_create_vm(fake.caller, fake_sos_gpa(OFF_PARAM)));
		break;
	}
	case 1: {
		struct vm *vm = vmid < MAX_VMS ? vm_get((uint16_t)vmid) : NULL;

		r = hc_destroy_vm(fake.caller, vmid);
		check("destroy", r);
		if (r == 0 && vm != NULL)
			for (unsigned i = 0; i < ntouched; i++)
				if (owner[touched[i]] == vmid)
					owner[touched[i]] = 0;
		break;
	}
	case 2:
	case 3:
		memset(d, 0, sizeof(*d));
		d->type = (op & 0x40) ? (uint32_t)take64(in) : 0;
		d->phys_bdf = take_bdf(in);
		d->virt_bdf = take_bdf(in);
		d->intr_pin = take8(in) % 6;
		d->intr_line = take8(in);
		touch(d->phys_bdf);
		if (op % 10 == 2) {
			r = hc_assign_pcidev(fake.caller, vmid, gpa ? gpa : fake_sos_gpa(OFF_DEV));
			check("assign", r);
			if (r == 0) {
				if (owner[d->phys_bdf] != 0)
					abort();	/* assigned twice */
				owner[d->phys_bdf] = (uint16_t)vmid;
			}
		} else {
			r = hc_deassign_pcidev(fake.caller, vmid, gpa ? gpa : fake_sos_gpa(OFF_DEV));
			check("deassign", r);
			if (r == 0) {
				if (owner[d->phys_bdf] != vmid)
					abort();	/* took another VM's device */
				owner[d->phys_bdf] = 0;
			}
		}
		break;
	case 4:
	case 5:
		memset(q, 0, sizeof(*q));
		q->type = (op & 0x40) ? take8(in) % 4 : ACRN_HC_PTDEV_IRQ_INTX;
		q->phys_bdf = take_bdf(in);
		q->virt_bdf = take_bdf(in);
		q->intx.phys_pin = take_pin(in);
		q->intx.virt_pin = take_pin(in);
		q->intx.is_pic_pin = (op & 0x20) ? take8(in) % 3 : 0;
		r = (op % 10 == 4 ? hc_set_ptdev_intr_info : hc_reset_ptdev_intr_info)
			(fake.caller, vmid, gpa ? gpa : fake_sos_gpa(OFF_IRQ));
		check("intr", r);
		if (r == 0 && op % 10 == 4 && owner[q->phys_bdf] != vmid)
			abort();		/* forwarded a pin of a device not its own */
		break;
	case 6: {
		uint32_t pin = take_pin(in);
		unsigned before = fake_virq.irqline_calls;
		bool masked = ptdev_intx_phys_masked(pin);
		unsigned ioapic_before = fake_ioapic_calls;
		bool ours;

		/* Half through the hypercall the VHM makes, half directly. */
		if (take8(in) & 1U) {
			int64_t r = hc_ptdev_intx_fired(fake.caller, pin);

			ours = r == 0;
			if (r != 0 && r != -ENOENT && r != -EINVAL)
				abort();
		} else {
			ours = ptdev_intx_phys_irq(pin);
		}
		if (!ours && (fake_virq.irqline_calls != before || fake_ioapic_calls != ioapic_before))
			abort();		/* raised a line or masked a pin nobody owns */
		if (ours && pin < FAKE_IOAPIC_PINS && (fake_ioapic_masked & (1U << pin)) == 0)
			abort();		/* forwarded without masking the physical pin */
		if (masked && fake_virq.irqline_calls != before)
			abort();		/* raised twice without an EOI */
		if (fake_virq.irqline_calls != before &&
		    (fake_virq.irqline_op != ACRN_HC_IRQLINE_SET_HIGH ||
		     fake_virq.irqline_vm == NULL || !fake_virq.irqline_vm->user_vm))
			abort();
		break;
	}
	case 8:
		msix_remap_step(in, vmid, gpa, (op & 0x40) != 0);
		break;
	case 9: {
		uint32_t pcpu = take8(in) % (FAKE_PCPUS + 1);
		uint32_t vector = PTDEV_MSI_VECTOR_BASE - 2U + take8(in) % (PTDEV_MSI_VECTORS + 4U);
		unsigned before = fake_virq.msi_calls;

		(void)ptdev_msi_phys_irq(pcpu, vector);
		if (fake_virq.msi_calls != before &&
		    (fake_virq.msi_vm == NULL || !fake_virq.msi_vm->user_vm ||
		     (fake_virq.msi_addr >> 20) != 0xFEEU || (fake_virq.msi_data >> 16) != 0))
			abort();		/* injected into a non-User VM, or junk */
		break;
	}
	default: {
		struct vm *vm = vmid < MAX_VMS ? vm_get((uint16_t)vmid) : NULL;
		uint32_t line = take_pin(in);
		unsigned before = fake_virq.irqline_calls;
		int pin;

		if (vm == NULL)
			break;
		pin = ptdev_intx_eoi(vm, line);
		if (pin >= 0 && (fake_virq.irqline_calls != before + 1 ||
				 fake_virq.irqline_op != ACRN_HC_IRQLINE_SET_LOW ||
				 fake_virq.irqline_gsi != line || ptdev_intx_phys_masked((uint32_t)pin)))
			abort();
		if (pin >= 0 && pin < (int)FAKE_IOAPIC_PINS && (fake_ioapic_masked & (1U << pin)) != 0)
			abort();		/* EOI left the physical pin masked */
		if (pin < 0 && fake_virq.irqline_calls != before)
			abort();
		break;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };

	if (fake_hv_init() != 0)
		abort();
	vtd_begin(&in);
	for (unsigned i = 0; i < ntouched; i++)
		owner[touched[i]] = 0;
	ntouched = 0;
	for (uint32_t p = 1; p < FAKE_PCPUS; p++)
		sched_set_dedicated(p);
	for (unsigned steps = 0; in.n > 0 && steps < 64; steps++)
		step(&in);
	check_owners();
	for (uint16_t id = 1; id < MAX_VMS; id++)
		if (vm_get(id) != NULL && hc_destroy_vm(fake.caller, id) != 0)
			abort();
	for (unsigned i = 0; i < ntouched; i++)
		owner[touched[i]] = 0;
	check_owners();
	for (uint32_t pin = 0; pin < 64; pin++)
		if (ptdev_intx_phys_irq(pin))
			abort();		/* still forwarded after every VM is gone */
	for (uint32_t pcpu = 0; pcpu < FAKE_PCPUS; pcpu++)
		for (uint32_t v = 0; v < PTDEV_MSI_VECTORS; v++)
			if (ptdev_msi_phys_irq(pcpu, PTDEV_MSI_VECTOR_BASE + v))
				abort();	/* a host vector still remapped */
	for (unsigned i = 0; i < ntouched; i++)
		if (irtes_present(touched[i]) != 0)
			abort();	/* an IRTE outlived its VM */
	fake_hv_fini();
	vtd_end();
	return 0;
}

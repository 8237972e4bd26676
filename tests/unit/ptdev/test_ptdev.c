/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the passthrough hypercalls and of INTx forwarding
 * (hypervisor/common/ptdev.c).  User VMs are made with the real
 * HC_CREATE_VM on the fakes of tests/unit/user_vm/fake_hv.c; parameters are
 * put in the fake Service VM RAM exactly as the VHM passes them; the fake
 * virq records which virtual line went high or low.
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

#include <common/ptdev.h>
#include <common/user_vm.h>
#include <common/vm.h>
#include <common/sched.h>
#include <arch/x86/per_cpu.h>
#include <public/acrn_common.h>
#include <public/acrn_hypercall.h>
#include <lib/errno.h>
#include <lib/pgtable.h>
#include <lib/util.h>
#include <arch/x86/vtd.h>
#include "../vtd/vtd_model.h"
#include "../pgtable/pgt_test_mem.h"

#define OFF_PARAM	0x0000UL
#define OFF_DEV		0x0800UL
#define OFF_IRQ		0x0C00UL
#define OFF_MSI		0x0E00UL
#define OFF_BATCH	0x1000UL
#define OFF_REGION	0x1100UL

#define BDF(b, d, f)	((uint16_t)(((b) << 8) | ((d) << 3) | (f)))
#define PHYS		BDF(0, 4, 0)	/* the NE2000 of the Bochs scenario */
#define VIRT		BDF(0, 3, 0)

static int setup(void **state)
{
	return fake_hv_init() == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	fake_hv_fini();
	return 0;
}

static uint16_t make_vm(void)
{
	struct acrn_hc_vm_creation *cv = fake_sos_ptr(OFF_PARAM);

	for (uint32_t p = 1; p < FAKE_PCPUS; p++)
		sched_set_dedicated(p);
	memset(cv, 0, sizeof(*cv));
	cv->vcpu_num = 1;
	assert_int_equal(hc_create_vm(fake.caller, fake_sos_gpa(OFF_PARAM)), 0);
	assert_non_null(vm_get(cv->vmid));
	return cv->vmid;
}

static struct acrn_hc_pcidev *dev(uint16_t phys, uint16_t virt)
{
	struct acrn_hc_pcidev *p = fake_sos_ptr(OFF_DEV);

	memset(p, 0, sizeof(*p));
	p->phys_bdf = phys;
	p->virt_bdf = virt;
	p->intr_pin = 1;
	p->intr_line = 11;
	p->bar[0] = 0xC001;
	return p;
}

static int64_t assign(uint64_t vmid, uint16_t phys, uint16_t virt)
{
	dev(phys, virt);
	return hc_assign_pcidev(fake.caller, vmid, fake_sos_gpa(OFF_DEV));
}

static int64_t deassign(uint64_t vmid, uint16_t phys, uint16_t virt)
{
	dev(phys, virt);
	return hc_deassign_pcidev(fake.caller, vmid, fake_sos_gpa(OFF_DEV));
}

static struct acrn_hc_ptdev_irq *irq(uint16_t phys, uint16_t virt, uint32_t ppin, uint32_t vpin)
{
	struct acrn_hc_ptdev_irq *q = fake_sos_ptr(OFF_IRQ);

	memset(q, 0, sizeof(*q));
	q->type = ACRN_HC_PTDEV_IRQ_INTX;
	q->phys_bdf = phys;
	q->virt_bdf = virt;
	q->intx.phys_pin = ppin;
	q->intx.virt_pin = vpin;
	return q;
}

static int64_t set_intx(uint64_t vmid, uint16_t phys, uint16_t virt, uint32_t ppin, uint32_t vpin)
{
	irq(phys, virt, ppin, vpin);
	return hc_set_ptdev_intr_info(fake.caller, vmid, fake_sos_gpa(OFF_IRQ));
}

static int64_t reset_intx(uint64_t vmid, uint16_t phys, uint16_t virt, uint32_t ppin, uint32_t vpin)
{
	irq(phys, virt, ppin, vpin);
	return hc_reset_ptdev_intr_info(fake.caller, vmid, fake_sos_gpa(OFF_IRQ));
}


static struct acrn_hc_msix_remap *msi(uint16_t phys, uint16_t virt, int32_t msix, int32_t index,
				      uint64_t addr, uint32_t data)
{
	struct acrn_hc_msix_remap *r = fake_sos_ptr(OFF_MSI);

	memset(r, 0, sizeof(*r));
	r->phys_bdf = phys;
	r->virt_bdf = virt;
	r->msix = msix;
	r->msix_entry_index = index;
	r->msi_addr = addr;
	r->msi_data = data;
	r->msi_ctl = ACRN_HC_MSIX_REMAP_ENABLE;
	return r;
}

static int64_t remap(uint64_t vmid)
{
	return hc_vm_pci_msix_remap(fake.caller, vmid, fake_sos_gpa(OFF_MSI));
}

/* Enable MSI-X entry @index with guest message @addr/@data. */
static int64_t remap_entry(uint64_t vmid, int32_t index, uint64_t addr, uint32_t data)
{
	msi(PHYS, VIRT, 1, index, addr, data);
	return remap(vmid);
}

static int64_t unmap_entry(uint64_t vmid, int32_t index)
{
	msi(PHYS, VIRT, 1, index, 0, 0)->msi_ctl = 0;
	return remap(vmid);
}

/* ------------------------------------------------------------------ */

/* The structures are the UAPI ones byte for byte (the VHM passes them on). */
static void test_layouts_match_linux_uapi(void **state)
{
	assert_int_equal(sizeof(struct acrn_hc_pcidev), 36);
	assert_int_equal(offsetof(struct acrn_hc_pcidev, intr_line), 8);
	assert_int_equal(offsetof(struct acrn_hc_pcidev, bar), 12);
	assert_int_equal(sizeof(struct acrn_hc_ptdev_irq), 20);
	assert_int_equal(offsetof(struct acrn_hc_ptdev_irq, intx.phys_pin), 12);
}

static void test_unknown_vm_and_service_vm_are_refused(void **state)
{
	static const uint64_t bad[] = { 0, 5, MAX_VMS, 0xFFFF, ~0ULL };

	make_vm();
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(assign(bad[i], PHYS, VIRT), -EINVAL);
		assert_int_equal(deassign(bad[i], PHYS, VIRT), -EINVAL);
		assert_int_equal(set_intx(bad[i], PHYS, VIRT, 11, 5), -EINVAL);
		assert_int_equal(reset_intx(bad[i], PHYS, VIRT, 11, 5), -EINVAL);
	}
	assert_null(ptdev_owner(PHYS));
}

static void test_param_outside_service_vm_ram_is_efault(void **state)
{
	uint16_t id = make_vm();

	assert_int_equal(hc_assign_pcidev(fake.caller, id, 1ULL << 45), -EFAULT);
	assert_int_equal(hc_set_ptdev_intr_info(fake.caller, id, 1ULL << 45), -EFAULT);
	assert_null(ptdev_owner(PHYS));
}

static void test_assign_records_owner_and_deassign_gives_back(void **state)
{
	uint16_t id = make_vm();

	assert_null(ptdev_owner(PHYS));
	assert_int_equal(assign(id, PHYS, VIRT), 0);
	assert_ptr_equal(ptdev_owner(PHYS), vm_get(id));
	assert_int_equal(deassign(id, PHYS, VIRT), 0);
	assert_null(ptdev_owner(PHYS));
	assert_int_equal(deassign(id, PHYS, VIRT), -ENODEV);
}

static void test_assign_validates_fields(void **state)
{
	uint16_t id = make_vm();
	struct acrn_hc_pcidev *p;

	assert_int_equal(assign(id, 0, VIRT), -EINVAL);			/* host bridge */
	assert_int_equal(assign(id, PHYS, BDF(0, 0, 0)), -EINVAL);	/* virtual host bridge */
	assert_int_equal(assign(id, PHYS, BDF(1, 3, 0)), -EINVAL);	/* no virtual bus 1 */
	p = dev(PHYS, VIRT);
	p->intr_pin = 5;
	assert_int_equal(hc_assign_pcidev(fake.caller, id, fake_sos_gpa(OFF_DEV)), -EINVAL);
	p = dev(PHYS, VIRT);
	p->type = 2;
	assert_int_equal(hc_assign_pcidev(fake.caller, id, fake_sos_gpa(OFF_DEV)), -EINVAL);
	assert_null(ptdev_owner(PHYS));
	p = dev(PHYS, VIRT);
	p->type = ACRN_HC_PTDEV_QUIRK_ASSIGN;
	assert_int_equal(hc_assign_pcidev(fake.caller, id, fake_sos_gpa(OFF_DEV)), 0);
}

static void test_device_assigned_twice_or_to_two_vms_is_ebusy(void **state)
{
	uint16_t a = make_vm(), b = make_vm();

	assert_int_not_equal(a, b);
	assert_int_equal(assign(a, PHYS, VIRT), 0);
	assert_int_equal(assign(a, PHYS, VIRT), -EBUSY);
	assert_int_equal(assign(a, PHYS, BDF(0, 5, 0)), -EBUSY);
	assert_int_equal(assign(b, PHYS, VIRT), -EBUSY);
	assert_ptr_equal(ptdev_owner(PHYS), vm_get(a));
	/* one virtual slot, one device */
	assert_int_equal(assign(a, BDF(0, 6, 0), VIRT), -EBUSY);
	/* the other VM may use the same virtual slot for another device */
	assert_int_equal(assign(b, BDF(0, 6, 0), VIRT), 0);
	/* B cannot take A's device away */
	assert_int_equal(deassign(b, PHYS, VIRT), -ENODEV);
	assert_ptr_equal(ptdev_owner(PHYS), vm_get(a));
	/* deassign must name the slot it was assigned to */
	assert_int_equal(deassign(a, PHYS, BDF(0, 5, 0)), -ENODEV);
	assert_int_equal(deassign(a, PHYS, VIRT), 0);
	assert_int_equal(assign(b, PHYS, BDF(0, 7, 0)), 0);
}

static void test_assign_table_full_is_enospc(void **state)
{
	uint16_t id = make_vm();
	uint32_t n;

	for (n = 0; n < PTDEV_MAX; n++)
		assert_int_equal(assign(id, BDF(1, n, 0), BDF(0, n + 1, 0)), 0);
	assert_int_equal(assign(id, BDF(2, 0, 0), BDF(0, 30, 0)), -ENOSPC);
	assert_int_equal(deassign(id, BDF(1, 0, 0), BDF(0, 1, 0)), 0);
	assert_int_equal(assign(id, BDF(2, 0, 0), BDF(0, 30, 0)), 0);
}

static void test_destroy_gives_devices_and_pins_back(void **state)
{
	uint16_t a = make_vm(), b;

	assert_int_equal(assign(a, PHYS, VIRT), 0);
	assert_int_equal(set_intx(a, PHYS, VIRT, 11, 5), 0);
	assert_int_equal(hc_destroy_vm(fake.caller, a), 0);
	assert_null(ptdev_owner(PHYS));
	assert_false(ptdev_intx_phys_irq(11));
	b = make_vm();
	assert_int_equal(assign(b, PHYS, VIRT), 0);
	assert_int_equal(set_intx(b, PHYS, VIRT, 11, 5), 0);
}

static void test_intx_needs_the_device_assigned_to_that_vm(void **state)
{
	uint16_t a = make_vm(), b = make_vm();

	assert_int_equal(set_intx(a, PHYS, VIRT, 11, 5), -ENODEV);
	assert_int_equal(assign(a, PHYS, VIRT), 0);
	assert_int_equal(set_intx(b, PHYS, VIRT, 11, 5), -ENODEV);
	assert_int_equal(set_intx(a, PHYS, BDF(0, 9, 0), 11, 5), -ENODEV);
	assert_false(ptdev_intx_phys_irq(11));
	assert_int_equal(set_intx(a, PHYS, VIRT, 11, 5), 0);
	assert_true(ptdev_intx_phys_irq(11));
}

static void test_intx_validates_type_and_pin_ranges(void **state)
{
	uint16_t id = make_vm();
	struct acrn_hc_ptdev_irq *q;

	assert_int_equal(assign(id, PHYS, VIRT), 0);
	assert_int_equal(set_intx(id, PHYS, VIRT, PTDEV_PHYS_PINS, 5), -EINVAL);
	assert_int_equal(set_intx(id, PHYS, VIRT, 0xFFFFFFFFU, 5), -EINVAL);
	assert_int_equal(set_intx(id, PHYS, VIRT, 11, PTDEV_VIOAPIC_PINS), -EINVAL);
	q = irq(PHYS, VIRT, 11, 16);
	q->intx.is_pic_pin = 1;		/* the PIC has 16 lines */
	assert_int_equal(hc_set_ptdev_intr_info(fake.caller, id, fake_sos_gpa(OFF_IRQ)), -EINVAL);
	q = irq(PHYS, VIRT, 11, 5);
	q->intx.is_pic_pin = 2;
	assert_int_equal(hc_set_ptdev_intr_info(fake.caller, id, fake_sos_gpa(OFF_IRQ)), -EINVAL);
	q = irq(PHYS, VIRT, 11, 5);
	q->type = ACRN_HC_PTDEV_IRQ_MSI;
	assert_int_equal(hc_set_ptdev_intr_info(fake.caller, id, fake_sos_gpa(OFF_IRQ)), -ENOTSUP);
	q = irq(PHYS, VIRT, 11, 5);
	q->type = 7;
	assert_int_equal(hc_set_ptdev_intr_info(fake.caller, id, fake_sos_gpa(OFF_IRQ)), -EINVAL);
	assert_false(ptdev_intx_phys_irq(11));
	assert_int_equal(set_intx(id, PHYS, VIRT, PTDEV_PHYS_PINS - 1, PTDEV_VIOAPIC_PINS - 1), 0);
}

static void test_intx_pins_are_not_shared(void **state)
{
	uint16_t a = make_vm(), b = make_vm();
	uint16_t other = BDF(0, 6, 0);

	assert_int_equal(assign(a, PHYS, VIRT), 0);
	assert_int_equal(assign(a, other, BDF(0, 4, 0)), 0);
	assert_int_equal(assign(b, BDF(0, 7, 0), VIRT), 0);
	assert_int_equal(set_intx(a, PHYS, VIRT, 11, 5), 0);
	assert_int_equal(set_intx(a, PHYS, VIRT, 11, 5), -EBUSY);		/* twice */
	assert_int_equal(set_intx(a, PHYS, VIRT, 10, 6), -EBUSY);		/* 2nd pin, same device */
	assert_int_equal(set_intx(a, other, BDF(0, 4, 0), 11, 6), -EBUSY);	/* same phys pin */
	assert_int_equal(set_intx(a, other, BDF(0, 4, 0), 10, 5), -EBUSY);	/* same line */
	assert_int_equal(set_intx(b, BDF(0, 7, 0), VIRT, 11, 5), -EBUSY);	/* pin owned by A */
	/* the same virtual line number in another VM is another line */
	assert_int_equal(set_intx(b, BDF(0, 7, 0), VIRT, 10, 5), 0);
}

static void test_reset_removes_only_the_exact_mapping(void **state)
{
	uint16_t id = make_vm();

	assert_int_equal(assign(id, PHYS, VIRT), 0);
	assert_int_equal(reset_intx(id, PHYS, VIRT, 11, 5), -ENOENT);
	assert_int_equal(set_intx(id, PHYS, VIRT, 11, 5), 0);
	assert_int_equal(reset_intx(id, PHYS, VIRT, 11, 6), -ENOENT);
	assert_int_equal(reset_intx(id, PHYS, VIRT, 10, 5), -ENOENT);
	assert_true(ptdev_intx_phys_irq(11));
	assert_int_equal(reset_intx(id, PHYS, VIRT, 11, 5), 0);
	/* a line left high is lowered, and the pin is the Service VM's again */
	assert_int_equal(fake_virq.irqline_gsi, 5);
	assert_int_equal(fake_virq.irqline_op, ACRN_HC_IRQLINE_SET_LOW);
	assert_false(ptdev_intx_phys_irq(11));
	assert_int_equal(set_intx(id, PHYS, VIRT, 11, 5), 0);
}

/*
 * Level-triggered flow: fire → line asserted, pin masked; EOI → deasserted, unmask.
 * Asserted logically (irqline_logical): the User VM programs a PCI INTx pin active
 * low, so an electrical "high" would be its idle level (the first Bochs run of
 * uos-passthru counted 0 interrupts that way).
 */
static void test_intx_level_flow_raises_until_eoi(void **state)
{
	uint16_t id = make_vm();
	struct vm *vm = vm_get(id);

	assert_int_equal(assign(id, PHYS, VIRT), 0);
	assert_int_equal(set_intx(id, PHYS, VIRT, 11, 5), 0);
	assert_false(ptdev_intx_phys_irq(10));		/* not ours: the Service VM's */
	assert_int_equal(fake_virq.irqline_calls, 0);
	assert_int_equal(ptdev_intx_eoi(vm, 5), -1);	/* nothing pending */

	assert_int_equal(fake_ioapic_masked, 0);		/* Service VM's pin untouched */

	assert_true(ptdev_intx_phys_irq(11));
	assert_int_equal(fake_virq.irqline_calls, 1);
	assert_ptr_equal(fake_virq.irqline_vm, vm);
	assert_int_equal(fake_virq.irqline_gsi, 5);
	assert_int_equal(fake_virq.irqline_op, ACRN_HC_IRQLINE_SET_HIGH);
	assert_true(fake_virq.irqline_logical);
	assert_true(ptdev_intx_phys_masked(11));
	assert_int_equal(fake_ioapic_masked, 1U << 11);	/* physical pin masked */
	/* fires again before the EOI (spurious): no second assertion */
	assert_true(ptdev_intx_phys_irq(11));
	assert_int_equal(fake_virq.irqline_calls, 1);

	assert_int_equal(ptdev_intx_eoi(vm, 6), -1);	/* another line */
	assert_int_equal(fake_ioapic_masked, 1U << 11);	/* still masked */
	assert_int_equal(ptdev_intx_eoi(vm, 5), 11);
	assert_int_equal(fake_virq.irqline_calls, 2);
	assert_int_equal(fake_virq.irqline_op, ACRN_HC_IRQLINE_SET_LOW);
	assert_true(fake_virq.irqline_logical);
	assert_false(ptdev_intx_phys_masked(11));
	assert_int_equal(fake_ioapic_masked, 0);		/* unmasked by the EOI */
	assert_int_equal(ptdev_intx_eoi(vm, 5), -1);	/* once */

	assert_true(ptdev_intx_phys_irq(11));		/* device still asserts */
	assert_int_equal(fake_virq.irqline_calls, 3);
	assert_int_equal(fake_virq.irqline_op, ACRN_HC_IRQLINE_SET_HIGH);
	assert_int_equal(fake_ioapic_masked, 1U << 11);
}

/* HC_PTDEV_INTX_FIRED, as the VHM issues it from the Service VM's handler. */
static void test_intx_fired_hypercall_forwards_only_mapped_pins(void **state)
{
	uint16_t id = make_vm();
	struct vm *vm = vm_get(id);

	assert_int_equal(hc_ptdev_intx_fired(fake.caller, PTDEV_PHYS_PINS), -EINVAL);
	assert_int_equal(hc_ptdev_intx_fired(fake.caller, 0xFFFFFFFFFFFFFFFFULL), -EINVAL);
	assert_int_equal(hc_ptdev_intx_fired(fake.caller, 11), -ENOENT);
	assert_int_equal(fake_ioapic_calls, 0);
	assert_int_equal(assign(id, PHYS, VIRT), 0);
	assert_int_equal(set_intx(id, PHYS, VIRT, 11, 17), 0);
	assert_int_equal(hc_ptdev_intx_fired(fake.caller, 10), -ENOENT);
	assert_int_equal(fake_ioapic_calls, 0);
	assert_int_equal(hc_ptdev_intx_fired(fake.caller, 11), 0);
	assert_int_equal(fake_virq.irqline_gsi, 17);
	assert_int_equal(fake_virq.irqline_op, ACRN_HC_IRQLINE_SET_HIGH);
	assert_int_equal(fake_ioapic_masked, 1U << 11);
	/* The line is lowered when the mapping goes; the pin stays masked for
	 * the Service VM's kernel, which freed the interrupt first. */
	assert_int_equal(reset_intx(id, PHYS, VIRT, 11, 17), 0);
	assert_int_equal(fake_virq.irqline_op, ACRN_HC_IRQLINE_SET_LOW);
	assert_int_equal(fake_virq.irqline_gsi, 17);
	assert_int_equal(hc_ptdev_intx_fired(fake.caller, 11), -ENOENT);
	assert_int_equal(ptdev_intx_eoi(vm, 17), -1);
}

static void test_deassign_drops_its_intx_mapping(void **state)
{
	uint16_t id = make_vm();

	assert_int_equal(assign(id, PHYS, VIRT), 0);
	assert_int_equal(set_intx(id, PHYS, VIRT, 11, 5), 0);
	assert_true(ptdev_intx_phys_irq(11));
	assert_int_equal(deassign(id, PHYS, VIRT), 0);
	assert_int_equal(fake_virq.irqline_op, ACRN_HC_IRQLINE_SET_LOW);
	assert_false(ptdev_intx_phys_irq(11));
	assert_int_equal(ptdev_intx_eoi(vm_get(id), 5), -1);
}


/* ---- MSI / MSI-X remapping ---- */

static void test_msix_remap_layout_is_acrns(void **state)
{
	assert_int_equal(sizeof(struct acrn_hc_msix_remap), 32);
	assert_int_equal(offsetof(struct acrn_hc_msix_remap, msi_addr), 8);
	assert_int_equal(offsetof(struct acrn_hc_msix_remap, msix_entry_index), 24);
}

static void test_msix_remap_refuses_hostile_values(void **state)
{
	uint16_t id = make_vm();
	struct vm *vm = vm_get(id);
	struct acrn_hc_msix_remap *r;

	/* Not this VM's function (not assigned, then another virtual BDF). */
	assert_int_equal(remap_entry(id, 0, 0xFEE00000, 0x41), -ENODEV);
	assert_int_equal(assign(id, PHYS, VIRT), 0);
	msi(PHYS, BDF(0, 6, 0), 1, 0, 0xFEE00000, 0x41);
	assert_int_equal(remap(id), -ENODEV);
	/* Not a User VM, parameter outside Service VM RAM. */
	assert_int_equal(remap_entry(0, 0, 0xFEE00000, 0x41), -EINVAL);
	assert_int_equal(hc_vm_pci_msix_remap(fake.caller, id, 0xFFFFFFFFF000ULL), -EFAULT);
	/* Entry index past any MSI-X table, negative; MSI has one message. */
	assert_int_equal(remap_entry(id, (int32_t)ACRN_HC_MSIX_MAX_ENTRIES, 0xFEE00000, 0x41), -EINVAL);
	assert_int_equal(remap_entry(id, -1, 0xFEE00000, 0x41), -EINVAL);
	msi(PHYS, VIRT, 0, 1, 0xFEE00000, 0x41);
	assert_int_equal(remap(id), -EINVAL);
	msi(PHYS, VIRT, 2, 0, 0xFEE00000, 0x41);
	assert_int_equal(remap(id), -EINVAL);
	/* Messages: not the interrupt window, vector < 16, NMI/INIT/ExtINT
	 * delivery, reserved data bits, reserved delivery mode. */
	assert_int_equal(remap_entry(id, 0, 0, 0x41), -EINVAL);
	assert_int_equal(remap_entry(id, 0, 0xFED00000, 0x41), -EINVAL);
	assert_int_equal(remap_entry(id, 0, 0xFEE00000, 0x0F), -EINVAL);
	assert_int_equal(remap_entry(id, 0, 0xFEE00000, 0x441), -EINVAL);
	assert_int_equal(remap_entry(id, 0, 0xFEE00000, 0x541), -EINVAL);
	assert_int_equal(remap_entry(id, 0, 0xFEE00000, 0x741), -EINVAL);
	assert_int_equal(remap_entry(id, 0, 0xFEE00000, 0x10041), -EINVAL);
	/* Unknown flag bits. */
	r = msi(PHYS, VIRT, 1, 0, 0xFEE00000, 0x41);
	r->msi_ctl |= 2;
	assert_int_equal(remap(id), -EINVAL);
	r = msi(PHYS, VIRT, 1, 0, 0xFEE00000, 0x41);
	r->vector_ctl = 2;
	assert_int_equal(remap(id), -EINVAL);
	r = msi(PHYS, VIRT, 1, 0, 0xFEE00000, 0x41);
	r->reserved = 1;
	assert_int_equal(remap(id), -EINVAL);
	/* A refused call leaves the parameter as it was. */
	assert_int_equal(r->msi_addr, 0xFEE00000);
	/* Dropping what does not exist. */
	assert_int_equal(unmap_entry(id, 5), -ENOENT);
	assert_int_equal(ptdev_msi_count(vm), 0);
}

static void test_msix_remap_gives_host_vector_and_injects_guest_message(void **state)
{
	uint16_t id = make_vm();
	struct vm *vm = vm_get(id);
	struct acrn_hc_msix_remap *r;
	uint32_t pcpu = vm->vcpus[0]->pcpu, v3, v4;

	assert_int_equal(assign(id, PHYS, VIRT), 0);
	assert_int_equal(remap_entry(id, 3, 0xFEE00000, 0x4031), 0);
	r = fake_sos_ptr(OFF_MSI);
	/* Physical message: compatibility format to the vCPU's pCPU. */
	assert_int_equal(r->msi_addr, 0xFEE00000ULL | ((uint64_t)per_cpu_data[pcpu].apic_id << 12));
	v3 = r->msi_data;
	assert_in_range(v3, PTDEV_MSI_VECTOR_BASE, PTDEV_MSI_VECTOR_BASE + PTDEV_MSI_VECTORS - 1);
	assert_int_equal(remap_entry(id, 4, 0xFEE00000, 0x52), 0);
	v4 = ((struct acrn_hc_msix_remap *)fake_sos_ptr(OFF_MSI))->msi_data;
	assert_int_not_equal(v3, v4);
	assert_int_equal(ptdev_msi_count(vm), 2);

	/* The host vector arrives: the guest's own message is injected. */
	assert_true(ptdev_msi_phys_irq(pcpu, v3));
	assert_int_equal(fake_virq.msi_calls, 1);
	assert_ptr_equal(fake_virq.msi_vm, vm);
	assert_int_equal(fake_virq.msi_addr, 0xFEE00000);
	assert_int_equal(fake_virq.msi_data, 0x4031);
	assert_true(ptdev_msi_phys_irq(pcpu, v4));
	assert_int_equal(fake_virq.msi_data, 0x52);
	/* Another pCPU or a vector outside the range is not ours. */
	assert_false(ptdev_msi_phys_irq(pcpu + 1, v3));
	assert_false(ptdev_msi_phys_irq(pcpu, 0x30));
	assert_int_equal(fake_virq.msi_calls, 2);

	/* The guest changes the entry: same host vector, new guest message. */
	assert_int_equal(remap_entry(id, 3, 0xFEE00000, 0x77), 0);
	assert_int_equal(((struct acrn_hc_msix_remap *)fake_sos_ptr(OFF_MSI))->msi_data, v3);
	assert_true(ptdev_msi_phys_irq(pcpu, v3));
	assert_int_equal(fake_virq.msi_data, 0x77);

	/* Masked by the guest: the vector is still the entry's, nothing injected. */
	r = msi(PHYS, VIRT, 1, 3, 0xFEE00000, 0x77);
	r->vector_ctl = ACRN_HC_MSIX_VECTOR_MASKED;
	assert_int_equal(remap(id), 0);
	assert_true(ptdev_msi_phys_irq(pcpu, v3));
	assert_int_equal(fake_virq.msi_calls, 3);

	/* Dropped: the vector is free and no longer forwarded. */
	assert_int_equal(unmap_entry(id, 3), 0);
	assert_false(ptdev_msi_phys_irq(pcpu, v3));
	assert_int_equal(ptdev_msi_count(vm), 1);
}

static void test_msi_and_msix_entries_are_distinct(void **state)
{
	uint16_t id = make_vm();
	struct vm *vm = vm_get(id);

	assert_int_equal(assign(id, PHYS, VIRT), 0);
	msi(PHYS, VIRT, 0, 0, 0xFEE00000, 0x45);
	assert_int_equal(remap(id), 0);
	assert_int_equal(remap_entry(id, 0, 0xFEE00000, 0x46), 0);
	assert_int_equal(ptdev_msi_count(vm), 2);
	assert_int_equal(unmap_entry(id, 0), 0);
	assert_int_equal(ptdev_msi_count(vm), 1);
}

static void test_msi_host_vectors_run_out_with_enospc(void **state)
{
	uint16_t id = make_vm();

	assert_int_equal(assign(id, PHYS, VIRT), 0);
	for (int32_t i = 0; i < (int32_t)PTDEV_MSI_VECTORS; i++)
		assert_int_equal(remap_entry(id, i, 0xFEE00000, 0x41), 0);
	assert_int_equal(remap_entry(id, PTDEV_MSI_VECTORS, 0xFEE00000, 0x41), -ENOSPC);
	assert_int_equal(unmap_entry(id, 7), 0);
	assert_int_equal(remap_entry(id, PTDEV_MSI_VECTORS, 0xFEE00000, 0x41), 0);
}

static void test_deassign_and_destroy_drop_msi_mappings(void **state)
{
	uint16_t id = make_vm();
	struct vm *vm = vm_get(id);
	uint32_t pcpu = vm->vcpus[0]->pcpu, vec;

	assert_int_equal(assign(id, PHYS, VIRT), 0);
	assert_int_equal(remap_entry(id, 1, 0xFEE00000, 0x41), 0);
	vec = ((struct acrn_hc_msix_remap *)fake_sos_ptr(OFF_MSI))->msi_data;
	assert_int_equal(deassign(id, PHYS, VIRT), 0);
	assert_int_equal(ptdev_msi_count(vm), 0);
	assert_false(ptdev_msi_phys_irq(pcpu, vec));

	assert_int_equal(assign(id, PHYS, VIRT), 0);
	assert_int_equal(remap_entry(id, 1, 0xFEE00000, 0x41), 0);
	ptdev_release_vm(vm);	/* what HC_DESTROY_VM does first */
	assert_int_equal(ptdev_msi_count(vm), 0);
	assert_false(ptdev_msi_phys_irq(pcpu, vec));
}

/* The guest's target vCPU shares its pCPU with the Service VM, which owns that LAPIC. */
static void test_msi_on_a_shared_pcpu_is_ebusy(void **state)
{
	uint16_t id = make_vm();
	struct vm *vm = vm_get(id);

	assert_int_equal(assign(id, PHYS, VIRT), 0);
	fake_sched_set_shared(vm->vcpus[0]->pcpu);
	assert_int_equal(remap_entry(id, 0, 0xFEE00000, 0x41), -EBUSY);
	assert_int_equal(ptdev_msi_count(vm), 0);
}

/* ---- MSI through VT-d interrupt remapping (vtd.c on the register model) ---- */

#define UNIT		0xFED90000ULL
#define OTHER_SID	BDF(0, 5, 0)	/* a device that is not the VM's */

static struct ir_fixture {
	struct pgt_test_mem tmem;	/* the unit's tables */
	struct vtm model;
	struct dmar_info info;
	struct vtm_unit *u;
} *irf;

/*
 * One remapping unit for every device (INCLUDE_PCI_ALL), brought up by the
 * real driver: with @ecap QI+IR it remaps interrupts, with QI alone not.
 */
static int ir_setup_ecap(uint64_t ecap)
{
	if (fake_hv_init() != 0)
		return -1;
	irf = calloc(1, sizeof(*irf));
	if (irf == NULL)
		return -1;
	pgt_test_mem_init(&irf->tmem);
	irf->model.mem = &pgt_test_ops;
	irf->model.mem_ctx = &irf->tmem;
	vtm_attach(&irf->model);
	irf->u = vtm_add_unit(&irf->model, UNIT);
	irf->u->ecap |= ecap;
	irf->info.host_addr_width = 39;
	irf->info.unit_count = 1;
	irf->info.units[0].reg_base = UNIT;
	irf->info.units[0].include_all = true;
	return vtd_setup(&irf->info, &vtm_ops, &irf->model) == 0 ? 0 : -1;
}

static int ir_setup(void **state)
{
	return ir_setup_ecap(VTM_ECAP_QI | VTM_ECAP_IR);
}

static int noir_setup(void **state)
{
	return ir_setup_ecap(VTM_ECAP_QI);
}

static int ir_teardown(void **state)
{
	fake_hv_fini();		/* destroys the VMs: ptdev, then VT-d, let go */
	vtd_teardown();
	assert_int_equal(irf->tmem.live, 0);
	assert_int_equal(irf->u->ire_bad, 0);
	pgt_test_mem_fini(&irf->tmem);
	free(irf);
	irf = NULL;
	return 0;
}

/* Interrupt remapping entries of the unit that deliver for @sid. */
static unsigned int irtes_present(uint16_t sid)
{
	unsigned int n = 0;
	struct vtm_irq out;

	for (uint16_t k = 0; k < VTD_IRT_ENTRIES; k++)
		if (vtm_msi(irf->u, sid, vtd_irte_msi_addr(k), 0, &out) == 0)
			n++;
	return n;
}

static struct acrn_hc_msix_remap *last_msg(void)
{
	return fake_sos_ptr(OFF_MSI);
}

/* A User VM with two vCPUs on two dedicated pCPUs. */
static uint16_t make_vm2(void)
{
	struct acrn_hc_vm_creation *cv = fake_sos_ptr(OFF_PARAM);

	for (uint32_t p = 1; p < FAKE_PCPUS; p++)
		sched_set_dedicated(p);
	memset(cv, 0, sizeof(*cv));
	cv->vcpu_num = 2;
	assert_int_equal(hc_create_vm(fake.caller, fake_sos_gpa(OFF_PARAM)), 0);
	assert_non_null(vm_get(cv->vmid));
	assert_int_equal(vm_get(cv->vmid)->vcpu_count, 2);
	assert_int_not_equal(vm_get(cv->vmid)->vcpus[0]->pcpu, vm_get(cv->vmid)->vcpus[1]->pcpu);
	return cv->vmid;
}

static void test_msi_ir_gives_remappable_message_and_programs_the_irte(void **state)
{
	uint16_t id = make_vm();
	struct vm *vm = vm_get(id);
	uint32_t pcpu = vm->vcpus[0]->pcpu;
	struct vtm_irq out;
	uint32_t addr;

	assert_int_equal(assign(id, PHYS, VIRT), 0);
	assert_int_equal(remap_entry(id, 3, 0xFEE00000, 0x4031), 0);
	addr = (uint32_t)last_msg()->msi_addr;
	/* Remappable format (VT-d §5.1): 0xFEE, interrupt format bit 4, SHV 0; data 0. */
	assert_int_equal(last_msg()->msi_addr >> 32, 0);
	assert_int_equal(addr & 0xFFF0001FU, 0xFEE00010U);
	assert_int_equal(last_msg()->msi_data, 0);
	assert_non_null(strstr(fake_log_last(), "remapped via IRTE"));

	/* What the unit delivers when the device writes that message. */
	assert_int_equal(vtm_msi(irf->u, PHYS, addr, 0, &out), 0);
	assert_true(out.remapped);
	assert_int_equal(out.dest, per_cpu_data[pcpu].apic_id);
	assert_false(out.logical);
	assert_false(out.level);
	assert_int_equal(out.delivery, VTD_DELIVERY_FIXED);
	assert_in_range(out.vector, PTDEV_MSI_VECTOR_BASE,
			PTDEV_MSI_VECTOR_BASE + PTDEV_MSI_VECTORS - 1);
	/* That host vector is the entry's: the guest's message is injected. */
	assert_true(ptdev_msi_phys_irq(pcpu, out.vector));
	assert_int_equal(fake_virq.msi_calls, 1);
	assert_int_equal(fake_virq.msi_data, 0x4031);
	/* Only the device itself may use the entry. */
	assert_int_equal(vtm_msi(irf->u, OTHER_SID, addr, 0, &out), VTM_FR_IR_SID);
	assert_int_equal(irtes_present(PHYS), 1);

	/* A second entry gets an IRTE of its own. */
	assert_int_equal(remap_entry(id, 4, 0xFEE00000, 0x52), 0);
	assert_int_not_equal((uint32_t)last_msg()->msi_addr, addr);
	assert_int_equal(irtes_present(PHYS), 2);
}

static void test_msi_ir_remap_of_the_same_entry_updates_its_irte(void **state)
{
	uint16_t id = make_vm2();
	struct vm *vm = vm_get(id);
	uint32_t p0 = vm->vcpus[0]->pcpu, p1 = vm->vcpus[1]->pcpu;
	struct vtm_irq out;
	uint32_t addr;
	uint8_t v0;

	assert_int_equal(assign(id, PHYS, VIRT), 0);
	assert_int_equal(remap_entry(id, 3, 0xFEE00000, 0x41), 0);
	addr = (uint32_t)last_msg()->msi_addr;
	assert_int_equal(vtm_msi(irf->u, PHYS, addr, 0, &out), 0);	/* now in the IEC */
	v0 = out.vector;

	/* New guest vector, same target: same entry, same host side. */
	assert_int_equal(remap_entry(id, 3, 0xFEE00000, 0x42), 0);
	assert_int_equal((uint32_t)last_msg()->msi_addr, addr);
	assert_int_equal(last_msg()->msi_data, 0);
	assert_int_equal(irtes_present(PHYS), 1);

	/* Retargeted to vCPU 1 (APIC ID 1): the same entry now names p1. */
	assert_int_equal(remap_entry(id, 3, 0xFEE01000, 0x43), 0);
	assert_int_equal((uint32_t)last_msg()->msi_addr, addr);
	assert_int_equal(irtes_present(PHYS), 1);
	assert_int_equal(vtm_msi(irf->u, PHYS, addr, 0, &out), 0);	/* IEC was invalidated */
	assert_int_equal(out.dest, per_cpu_data[p1].apic_id);
	assert_true(ptdev_msi_phys_irq(p1, out.vector));
	assert_int_equal(fake_virq.msi_data, 0x43);
	assert_false(ptdev_msi_phys_irq(p0, v0));	/* the old vector was given back */
}

static void test_msi_ir_drop_deassign_and_destroy_clear_the_irte(void **state)
{
	uint16_t id = make_vm();
	struct vm *vm = vm_get(id);
	struct vtm_irq out;
	uint32_t addr;

	assert_int_equal(assign(id, PHYS, VIRT), 0);
	assert_int_equal(remap_entry(id, 1, 0xFEE00000, 0x41), 0);
	addr = (uint32_t)last_msg()->msi_addr;
	assert_int_equal(vtm_msi(irf->u, PHYS, addr, 0, &out), 0);	/* cached */
	assert_int_equal(unmap_entry(id, 1), 0);
	assert_int_equal(vtm_msi(irf->u, PHYS, addr, 0, &out), VTM_FR_IR_NP);
	assert_int_equal(irtes_present(PHYS), 0);

	/* The guest's MSI (not MSI-X) the same way. */
	msi(PHYS, VIRT, 0, 0, 0xFEE00000, 0x45);
	assert_int_equal(remap(id), 0);
	assert_int_equal(irtes_present(PHYS), 1);
	msi(PHYS, VIRT, 0, 0, 0, 0)->msi_ctl = 0;
	assert_int_equal(remap(id), 0);
	assert_int_equal(irtes_present(PHYS), 0);

	assert_int_equal(remap_entry(id, 1, 0xFEE00000, 0x41), 0);
	assert_int_equal(irtes_present(PHYS), 1);
	assert_int_equal(deassign(id, PHYS, VIRT), 0);
	assert_int_equal(irtes_present(PHYS), 0);

	assert_int_equal(assign(id, PHYS, VIRT), 0);
	assert_int_equal(remap_entry(id, 1, 0xFEE00000, 0x41), 0);
	assert_int_equal(remap_entry(id, 2, 0xFEE00000, 0x42), 0);
	assert_int_equal(irtes_present(PHYS), 2);
	ptdev_release_vm(vm);	/* what HC_DESTROY_VM does first */
	assert_int_equal(irtes_present(PHYS), 0);
	assert_int_equal(ptdev_msi_count(vm), 0);
}

static void test_msi_ir_masked_holds_no_irte(void **state)
{
	uint16_t id = make_vm();
	struct vm *vm = vm_get(id);
	uint32_t pcpu = vm->vcpus[0]->pcpu;
	struct acrn_hc_msix_remap *r;
	struct vtm_irq out;
	uint32_t addr;

	assert_int_equal(assign(id, PHYS, VIRT), 0);
	assert_int_equal(remap_entry(id, 3, 0xFEE00000, 0x41), 0);
	addr = (uint32_t)last_msg()->msi_addr;
	assert_int_equal(vtm_msi(irf->u, PHYS, addr, 0, &out), 0);	/* cached */
	assert_int_equal(irtes_present(PHYS), 1);

	/* The guest masks it: the entry goes (and out of the IEC). */
	r = msi(PHYS, VIRT, 1, 3, 0xFEE00000, 0x41);
	r->vector_ctl = ACRN_HC_MSIX_VECTOR_MASKED;
	assert_int_equal(remap(id), 0);
	assert_int_equal(vtm_msi(irf->u, PHYS, addr, 0, &out), VTM_FR_IR_NP);
	assert_int_equal(irtes_present(PHYS), 0);
	assert_int_equal(ptdev_msi_count(vm), 1);	/* the mapping and its vector stay */
	assert_non_null(strstr(fake_log_last(), "no IRTE"));
	/* The message returned for the masked entry names no entry either. */
	assert_int_equal(last_msg()->msi_addr & 0x10U, 0);

	/* A new entry the guest enables masked holds none either. */
	r = msi(PHYS, VIRT, 1, 4, 0xFEE00000, 0x42);
	r->vector_ctl = ACRN_HC_MSIX_VECTOR_MASKED;
	assert_int_equal(remap(id), 0);
	assert_int_equal(irtes_present(PHYS), 0);
	assert_int_equal(ptdev_msi_count(vm), 2);

	/* Unmasked: remappable again, through an entry holding the same host vector. */
	assert_int_equal(remap_entry(id, 3, 0xFEE00000, 0x41), 0);
	assert_int_equal(last_msg()->msi_addr & 0xFFF0001FU, 0xFEE00010U);
	assert_int_equal(irtes_present(PHYS), 1);
	assert_int_equal(vtm_msi(irf->u, PHYS, (uint32_t)last_msg()->msi_addr, 0, &out), 0);
	assert_true(ptdev_msi_phys_irq(pcpu, out.vector));
	assert_int_equal(fake_virq.msi_data, 0x41);
}

/*
 * A new VM's MSI remapped without IRTE: the compatibility-format message
 * (physical destination = the pCPU, data = a host vector the pCPU serves),
 * and the log says so.
 */
static void expect_compatibility_format(bool with_vtd)
{
	uint16_t id = make_vm();
	struct vm *vm = vm_get(id);
	uint32_t pcpu = vm->vcpus[0]->pcpu;

	assert_int_equal(vtd_present(), with_vtd);
	assert_int_equal(assign(id, PHYS, VIRT), 0);
	assert_int_equal(remap_entry(id, 3, 0xFEE00000, 0x41), 0);
	assert_int_equal(last_msg()->msi_addr,
			 0xFEE00000ULL | ((uint64_t)per_cpu_data[pcpu].apic_id << 12));
	assert_in_range(last_msg()->msi_data, PTDEV_MSI_VECTOR_BASE,
			PTDEV_MSI_VECTOR_BASE + PTDEV_MSI_VECTORS - 1);
	assert_true(ptdev_msi_phys_irq(pcpu, last_msg()->msi_data));
	assert_non_null(strstr(fake_log_last(), "compatibility format"));
}

/* VT-d present but its unit does not remap interrupts: compatibility format, as without VT-d. */
static void test_msi_unit_without_ir_keeps_compatibility_format(void **state)
{
	expect_compatibility_format(true);
}

/* No DMAR at all (emulators): the same. */
static void test_msi_without_vtd_logs_compatibility_format(void **state)
{
	expect_compatibility_format(false);
}

/* The unit's table is full: -ENOSPC, and no mapping or host vector is left behind. */
static void test_msi_ir_table_full_leaves_no_state(void **state)
{
	uint16_t id = make_vm();
	struct vm *vm = vm_get(id);
	struct vtd_irq irq = { .vector = 0x99, .dest = 0 };
	uint16_t idx = VTD_IRTE_NEW;

	assert_int_equal(assign(id, PHYS, VIRT), 0);
	for (uint32_t k = 0; k < VTD_IRT_ENTRIES; k++) {
		idx = VTD_IRTE_NEW;
		assert_int_equal(vtd_irte_set(vm, OTHER_SID, &irq, &idx), 0);
	}
	assert_int_equal(remap_entry(id, 3, 0xFEE00000, 0x41), -ENOSPC);
	assert_int_equal(ptdev_msi_count(vm), 0);
	for (uint32_t v = 0; v < PTDEV_MSI_VECTORS; v++)
		assert_false(ptdev_msi_phys_irq(vm->vcpus[0]->pcpu, PTDEV_MSI_VECTOR_BASE + v));

	/* One entry free: the mapping takes it and the first host vector (none leaked). */
	assert_int_equal(vtd_irte_clear(vm, OTHER_SID, idx), 0);
	assert_int_equal(remap_entry(id, 3, 0xFEE00000, 0x41), 0);
	assert_int_equal((uint32_t)last_msg()->msi_addr, vtd_irte_msi_addr(idx));
	assert_int_equal(ptdev_msi_count(vm), 1);
	assert_true(ptdev_msi_phys_irq(vm->vcpus[0]->pcpu, PTDEV_MSI_VECTOR_BASE));
}

/* The unit fails the interrupt entry cache invalidation: the error, and no state. */
static void test_msi_ir_invalidation_error_leaves_no_state(void **state)
{
	uint16_t id = make_vm2();
	struct vm *vm = vm_get(id);
	uint32_t p0 = vm->vcpus[0]->pcpu, p1 = vm->vcpus[1]->pcpu;
	struct vtm_irq out;
	uint32_t addr;
	int64_t ret;

	assert_int_equal(assign(id, PHYS, VIRT), 0);
	irf->u->qi_bad_type = 4;	/* the next IEC invalidation descriptor is refused */
	ret = remap_entry(id, 3, 0xFEE00000, 0x41);
	assert_true(ret == -EIO || ret == -ETIMEDOUT);
	assert_int_equal(ptdev_msi_count(vm), 0);
	assert_int_equal(irtes_present(PHYS), 0);
	for (uint32_t v = 0; v < PTDEV_MSI_VECTORS; v++)
		assert_false(ptdev_msi_phys_irq(p0, PTDEV_MSI_VECTOR_BASE + v));

	/* A mapped entry retargeted to vCPU 1 when the invalidation fails keeps its old target. */
	assert_int_equal(remap_entry(id, 3, 0xFEE00000, 0x41), 0);
	addr = (uint32_t)last_msg()->msi_addr;
	irf->u->qi_bad_type = 4;
	ret = remap_entry(id, 3, 0xFEE01000, 0x42);
	assert_true(ret == -EIO || ret == -ETIMEDOUT);
	assert_int_equal(vtm_msi(irf->u, PHYS, addr, 0, &out), 0);
	assert_int_equal(out.dest, per_cpu_data[p0].apic_id);
	assert_true(ptdev_msi_phys_irq(p0, out.vector));
	assert_int_equal(fake_virq.msi_data, 0x41);		/* the old guest message */
	/* p1's vector was not kept: a mapping there gets the first one. */
	assert_int_equal(remap_entry(id, 4, 0xFEE01000, 0x43), 0);
	assert_true(ptdev_msi_phys_irq(p1, PTDEV_MSI_VECTOR_BASE));
	assert_int_equal(fake_virq.msi_data, 0x43);
}

/* ---- MMIO BARs for the EPT ---- */

static void test_mmio_ok_only_inside_an_owned_memory_bar(void **state)
{
	uint16_t id = make_vm(), other = make_vm();
	struct acrn_hc_pcidev *p = dev(PHYS, VIRT);

	p->bar[0] = 0xC001;			/* I/O */
	p->bar[1] = 0xFEB00000;			/* 32-bit memory: at most 1 MiB */
	p->bar[2] = 0x80000004;			/* 64-bit memory at 0x4_8000_0000 */
	p->bar[3] = 0x4;
	assert_int_equal(hc_assign_pcidev(fake.caller, id, fake_sos_gpa(OFF_DEV)), 0);
	assert_true(ptdev_mmio_ok(vm_get(id), 0xFEB00000, 0x1000));
	assert_true(ptdev_mmio_ok(vm_get(id), 0xFEBFF000, 0x1000));
	assert_true(ptdev_mmio_ok(vm_get(id), 0x480000000ULL, 0x80000000ULL));
	assert_false(ptdev_mmio_ok(vm_get(id), 0xFEBFF000, 0x2000));	/* past the BAR */
	assert_false(ptdev_mmio_ok(vm_get(id), 0xFEAFF000, 0x1000));	/* before it */
	assert_false(ptdev_mmio_ok(vm_get(id), 0xC000, 0x1000));		/* the I/O BAR */
	assert_false(ptdev_mmio_ok(vm_get(id), 0xFEB00000, 0));
	assert_false(ptdev_mmio_ok(vm_get(other), 0xFEB00000, 0x1000));	/* not its device */
	assert_int_equal(deassign(id, PHYS, VIRT), 0);
	assert_false(ptdev_mmio_ok(vm_get(id), 0xFEB00000, 0x1000));
}

/* One HC_VM_SET_MEMORY_REGIONS ADD of [gpa, gpa+size) -> host @hpa with @attr. */
static int64_t map_region(uint16_t vmid, uint64_t gpa, uint64_t hpa, uint64_t size, uint32_t attr)
{
	struct acrn_hc_memory_region_batch *b = fake_sos_ptr(OFF_BATCH);
	struct acrn_hc_memory_region_op *r = fake_sos_ptr(OFF_REGION);

	memset(b, 0, sizeof(*b));
	memset(r, 0, sizeof(*r));
	r->type = ACRN_HC_MEM_REGION_ADD;
	r->attr = attr;
	r->user_vm_pa = gpa;
	r->service_vm_pa = hpa;
	r->size = size;
	b->vmid = vmid;
	b->regions_num = 1;
	b->regions_gpa = fake_sos_gpa(OFF_REGION);
	return hc_set_memory_regions(fake.caller, fake_sos_gpa(OFF_BATCH));
}

/* The set-memory-region hypercall takes a passed-through BAR, uncached, and nothing else. */
static void test_set_memory_regions_maps_an_owned_bar_uncached_only(void **state)
{
	const uint32_t rw = ACRN_HC_MEM_ACCESS_READ | ACRN_HC_MEM_ACCESS_WRITE;
	uint16_t id = make_vm(), other = make_vm();
	struct acrn_hc_pcidev *p = dev(PHYS, VIRT);
	uint64_t hpa = 0;

	p->bar[1] = 0xFEB00000;
	assert_int_equal(hc_assign_pcidev(fake.caller, id, fake_sos_gpa(OFF_DEV)), 0);
	assert_int_equal(map_region(id, 0xC0000000, 0xFEB00000, 0x2000, rw | ACRN_HC_MEM_TYPE_WB),
			 -EFAULT);
	assert_int_equal(map_region(id, 0xC0000000, 0xFEC00000, 0x1000, rw | ACRN_HC_MEM_TYPE_UC),
			 -EFAULT);
	assert_int_equal(map_region(other, 0xC0000000, 0xFEB00000, 0x1000, rw | ACRN_HC_MEM_TYPE_UC),
			 -EFAULT);
	assert_int_equal(map_region(id, 0xC0000000, 0xFEB00000, 0x2000, rw | ACRN_HC_MEM_TYPE_UC), 0);
	assert_int_equal(pgtable_query(&vm_get(id)->ept, 0xC0001000, &hpa, NULL, NULL), 0);
	assert_int_equal(hpa, 0xFEB01000);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define IR(f) cmocka_unit_test_setup_teardown(f, ir_setup, ir_teardown)
#define NOIR(f) cmocka_unit_test_setup_teardown(f, noir_setup, ir_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_layouts_match_linux_uapi),
		T(test_unknown_vm_and_service_vm_are_refused),
		T(test_param_outside_service_vm_ram_is_efault),
		T(test_assign_records_owner_and_deassign_gives_back),
		T(test_assign_validates_fields),
		T(test_device_assigned_twice_or_to_two_vms_is_ebusy),
		T(test_assign_table_full_is_enospc),
		T(test_destroy_gives_devices_and_pins_back),
		T(test_intx_needs_the_device_assigned_to_that_vm),
		T(test_intx_validates_type_and_pin_ranges),
		T(test_intx_pins_are_not_shared),
		T(test_reset_removes_only_the_exact_mapping),
		T(test_intx_level_flow_raises_until_eoi),
		T(test_deassign_drops_its_intx_mapping),
		T(test_intx_fired_hypercall_forwards_only_mapped_pins),
		T(test_msix_remap_layout_is_acrns),
		T(test_msix_remap_refuses_hostile_values),
		T(test_msix_remap_gives_host_vector_and_injects_guest_message),
		T(test_msi_and_msix_entries_are_distinct),
		T(test_msi_host_vectors_run_out_with_enospc),
		T(test_deassign_and_destroy_drop_msi_mappings),
		T(test_msi_on_a_shared_pcpu_is_ebusy),
		IR(test_msi_ir_gives_remappable_message_and_programs_the_irte),
		IR(test_msi_ir_remap_of_the_same_entry_updates_its_irte),
		IR(test_msi_ir_drop_deassign_and_destroy_clear_the_irte),
		IR(test_msi_ir_masked_holds_no_irte),
		NOIR(test_msi_unit_without_ir_keeps_compatibility_format),
		T(test_msi_without_vtd_logs_compatibility_format),
		IR(test_msi_ir_table_full_leaves_no_state),
		IR(test_msi_ir_invalidation_error_leaves_no_state),
		T(test_mmio_ok_only_inside_an_owned_memory_bar),
		T(test_set_memory_regions_maps_an_owned_bar_uncached_only),
	};

	return cmocka_run_group_tests_name("ptdev", tests, NULL, NULL);
}

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
#include <public/acrn_common.h>
#include <public/acrn_hypercall.h>
#include <lib/errno.h>
#include <lib/util.h>

#define OFF_PARAM	0x0000UL
#define OFF_DEV		0x0800UL
#define OFF_IRQ		0x0C00UL

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

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

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
	};

	return cmocka_run_group_tests_name("ptdev", tests, NULL, NULL);
}

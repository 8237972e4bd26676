/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file ptdev.h
 * PCI passthrough: which physical PCI function is assigned to which User VM
 * (HC_ASSIGN/DEASSIGN_PCIDEV) and which physical IOAPIC pin of such a
 * device is forwarded to which virtual IOAPIC line of that VM
 * (HC_SET/RESET_PTDEV_INTR_INFO).
 *
 * The hc_* functions follow the conventions of user_vm.h: the caller is a
 * Service VM vCPU holding user_vm_lock(), pointer arguments are Service VM
 * GPAs copied once, every field is validated, the result is 0 or -errno.
 *
 * BARs: MMIO BARs are not mapped by the hypervisor yet and PIO BARs stay
 * trapped (the User VM's I/O exits are forwarded to acrn-dm, which reaches
 * the device through sysfs); see doc/passthrough.md.
 */
#ifndef COMMON_PTDEV_H
#define COMMON_PTDEV_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct vcpu;

/** Passthrough devices in the whole system. */
#define PTDEV_MAX		16U
/** INTx mappings in the whole system (one per device is the norm). */
#define PTDEV_INTX_MAX		16U
/** Virtual IOAPIC lines of a User VM (vioapic.c has 24 pins). */
#define PTDEV_VIOAPIC_PINS	24U
/** Physical IOAPIC pins accepted (the first IOAPIC's 24 pins). */
#define PTDEV_PHYS_PINS		24U
/** Virtual PIC lines (is_pic_pin). */
#define PTDEV_PIC_PINS		16U
/** MSI messages and MSI-X entries remapped at once, all VMs together. */
#define PTDEV_MSI_MAX		64U
/**
 * Host vectors the hypervisor hands to remapped MSIs, on each pCPU that runs
 * a User VM vCPU alone (only there does an external interrupt exit with the
 * vector acknowledged, so the whole vector space is the hypervisor's).
 */
#define PTDEV_MSI_VECTOR_BASE	0x40U
#define PTDEV_MSI_VECTORS	32U

int64_t hc_assign_pcidev(struct vcpu *caller, uint64_t vmid, uint64_t param_gpa);
int64_t hc_deassign_pcidev(struct vcpu *caller, uint64_t vmid, uint64_t param_gpa);
int64_t hc_set_ptdev_intr_info(struct vcpu *caller, uint64_t vmid, uint64_t param_gpa);
int64_t hc_reset_ptdev_intr_info(struct vcpu *caller, uint64_t vmid, uint64_t param_gpa);

/** Drop every assignment and mapping of @p vm (it is being destroyed). */
void ptdev_release_vm(struct vm *vm);

/** The VM physical BDF @p bdf is assigned to, or NULL. */
struct vm *ptdev_owner(uint16_t bdf);

/**
 * HC_PTDEV_INTX_FIRED: the Service VM's VHM took the physical interrupt of
 * GSI @p phys_pin on behalf of a User VM (doc/passthrough.md, "INTx").
 * @return 0 when forwarded, -ENOENT when no User VM has that pin, -EINVAL
 * for a pin out of range.
 */
int64_t hc_ptdev_intx_fired(struct vcpu *caller, uint64_t phys_pin);

/**
 * The physical IOAPIC pin @p phys_pin fired (level-triggered): if a User VM
 * owns it, the physical pin is masked (arch/x86/ioapic.h) and the VM's
 * virtual line goes high, once, until that VM's EOI.  Returns true when the
 * interrupt was a passthrough one (consumed), false when it belongs to the
 * Service VM.  Takes no virq lock while holding the ptdev one.
 */
bool ptdev_intx_phys_irq(uint32_t phys_pin);

/**
 * @p vm EOIed its virtual line @p virt_pin (called from the vIOAPIC EOI path,
 * VM's virq lock held): deassert the line, unmask the physical pin and return
 * it, or -1 when no passthrough pin was waiting.
 */
int ptdev_intx_eoi(struct vm *vm, uint32_t virt_pin);

/** Is physical pin @p phys_pin masked while its User VM handles it? (tests, shell) */
bool ptdev_intx_phys_masked(uint32_t phys_pin);

/**
 * HC_VM_PCI_MSIX_REMAP (struct acrn_hc_msix_remap, acrn_common.h): create,
 * update or drop the remapping of one MSI message / MSI-X entry of a
 * function assigned to User VM @p vmid; on enable the physical message is
 * written back to the parameter.  Service VM only (the dispatcher checks).
 * @return 0 or a negative errno (see the structure's documentation)
 */
int64_t hc_vm_pci_msix_remap(struct vcpu *caller, uint64_t vmid, uint64_t param_gpa);

/**
 * A physical interrupt with host @p vector arrived on pCPU @p pcpu (an
 * acknowledged external-interrupt exit): if it is a remapped MSI, inject
 * the guest's message into its VM unless the guest masked it.
 * @return true if the vector belongs to a remapped MSI (the caller EOIs)
 */
bool ptdev_msi_phys_irq(uint32_t pcpu, uint32_t vector);

/**
 * True when host range [hpa, hpa+size) may be mapped into @p vm as device
 * memory: it lies inside a memory BAR of a function assigned to @p vm (the
 * BAR values HC_ASSIGN_PCIDEV recorded; a BAR is aligned to its size, so
 * it ends at the latest at base + lowest set bit of base) and touches no
 * RAM and not the hypervisor (service_vm_mmio_ok()).
 */
bool ptdev_mmio_ok(const struct vm *vm, uint64_t hpa, uint64_t size);

/** Remapped MSIs currently held by @p vm (tests, shell). */
uint32_t ptdev_msi_count(const struct vm *vm);

#endif /* COMMON_PTDEV_H */

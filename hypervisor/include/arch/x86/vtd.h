/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file vtd.h
 * Intel VT-d DMA remapping (VT-d spec rev. 3+): the remapping units of the
 * DMAR table, legacy-mode root and context tables, one second-level
 * page-table domain per VM (lib/pgtable.h, PGT_FMT_VTD) mirroring the VM's
 * EPT, context-cache and IOTLB invalidation through the invalidation queue
 * (ECAP.QI) or the registers, interrupt remapping (ECAP.IR, with QI) with
 * entries the passthrough code programs per device, and fault recording
 * registers reported to the console.
 *
 * Without a DMAR table (emulators, some boards) vtd_init() logs one warning,
 * vtd_present() is false and every assignment fails with -ENODEV.
 *
 * Not thread-safe by itself: callers serialise (one lock in vtd.c does it for
 * the exported calls).
 */
#ifndef ARCH_X86_VTD_H
#define ARCH_X86_VTD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <arch/x86/acpi.h>
#include <arch/x86/dmar.h>
#include <lib/pgtable.h>

struct vm;

/** Most devices one VM may have assigned at a time. */
#define VTD_MAX_DEVS_PER_VM	16

/**
 * Everything impure the driver needs: register access to a unit (by the
 * DRHD register base), delays, cache write-back for units that do not snoop
 * table walks (ECAP.C = 0), and page memory for the tables.
 */
struct vtd_ops {
	uint32_t (*read32)(void *ctx, uint64_t reg_base, uint32_t off);
	void (*write32)(void *ctx, uint64_t reg_base, uint32_t off, uint32_t val);
	uint64_t (*read64)(void *ctx, uint64_t reg_base, uint32_t off);
	void (*write64)(void *ctx, uint64_t reg_base, uint32_t off, uint64_t val);
	/** Busy-wait about @p us microseconds (bounded polling of status bits). */
	void (*delay_us)(void *ctx, uint32_t us);
	/** Write [va, va+len) back to memory (CLFLUSH); may be NULL if all units snoop. */
	void (*flush_cache)(void *ctx, const void *va, size_t len);
	/** Pages for root, context and second-level tables. */
	const struct pgtable_ops *mem;
};

/** How long a command/status handshake or an invalidation may take. */
#define VTD_POLL_TIMEOUT_US	10000U

/** Interrupt remapping table entries per unit (indices 0..255). */
#define VTD_IRT_ENTRIES		256U
/** vtd_irte_set(): allocate a new entry. */
#define VTD_IRTE_NEW		0xFFFFU
/** Delivery modes of a remapped interrupt (as in the MSI data register). */
#define VTD_DELIVERY_FIXED	0U
#define VTD_DELIVERY_LOWPRI	1U

/**
 * Find the DMAR table through @p plat and bring up every remapping unit in
 * it (hypervisor glue, vtd_hv.c).  Translation is enabled on every unit by
 * vtd_attach_service_vm(), or, without a Service VM, on a unit when the
 * first device behind it is assigned.
 * @return 0 when at least one unit is usable, -ENODEV without DMAR,
 *         -EINVAL on a garbled DMAR, or the error of the last unit
 */
int vtd_init(const struct acpi_platform *plat);

/**
 * Bring up the units of an already parsed DMAR table through @p ops (the
 * hypervisor calls it from vtd_init(); unit tests call it with a model).
 * Resets all earlier state first, so it may be called again.
 * @return 0 when at least one unit is usable, otherwise -ENODEV,
 *         -ETIMEDOUT (a unit did not acknowledge a command), -ENOTSUP, -ENOMEM
 */
int vtd_setup(const struct dmar_info *info, const struct vtd_ops *ops, void *ctx);

/** Forget every unit and free every table (unit tests; nothing is disabled). */
void vtd_teardown(void);

/** @return whether at least one remapping unit is in use. */
bool vtd_present(void);

/**
 * The register range of the @p i-th remapping unit of the DMAR table
 * (0-based, units the hypervisor could not use included): its base and its
 * size in whole pages, covering the IOTLB and fault recording registers of a
 * unit in use, one page for the others.  The Service VM must not reach them.
 * @return 0, -ENOENT past the last unit (or without VT-d)
 */
int vtd_unit_regs(uint32_t i, uint64_t *base, uint64_t *size);

/**
 * Create the Service VM's DMA domain and give it every device under every
 * unit, then turn translation on everywhere.  Call once, when @p sos's EPT is
 * complete: the domain mirrors it (so the Service VM's devices reach exactly
 * the memory the Service VM does, never the hypervisor's) plus every RMRR
 * identity-mapped.  Later vm_map()/vm_unmap() keep it in sync (vtd_map()).
 * Devices without a context entry of their own use one shared context table
 * per unit; a bus gets its own copy when a device on it is assigned.
 * @return 0 (also when already attached), -ENODEV (no VT-d), -EINVAL,
 *         -EBUSY (another VM attached, or @p sos already has a domain),
 *         -ENOMEM (nothing changed), -ETIMEDOUT / -EIO (a unit did not flush
 *         or enable: its entries are written, translation may be off there)
 */
int vtd_attach_service_vm(struct vm *sos);

/**
 * Give @p vm's domain the DMA of device @p bdf (segment 0): on the first
 * device of a VM its second-level table is built from the VM's EPT (every
 * page readable or writable by the guest), then the device's context entry
 * points at it, caches are invalidated and translation enabled.  A device of
 * the Service VM (after vtd_attach_service_vm()) moves: its entry is made not
 * present and the Service VM's domain invalidated first.  For the Service VM
 * itself this is a no-op (0) for devices it holds, -EBUSY for a User VM's.
 * Mappings the VM gains later must be added with vtd_map().
 * @return 0 (also when already assigned to @p vm), -ENODEV (no VT-d or no unit
 *         covers the device), -EBUSY (assigned to another User VM), -ENOSPC
 *         (too many devices), -ENOMEM (the device stays where it was), -ETIMEDOUT
 */
int vtd_assign_device(struct vm *vm, uint16_t bdf);

/**
 * Take device @p bdf away from @p vm: its context entry is made not present
 * and caches invalidated; then, with a Service VM attached, the entry points
 * at the Service VM's domain again (and that domain is invalidated), else DMA
 * from the device stays blocked and faults.  The VM's domain is freed with
 * its last device.
 * @return 0, -ENODEV (no VT-d), -ENOENT (not assigned to @p vm; always for
 *         the Service VM), -ETIMEDOUT
 */
int vtd_unassign_device(struct vm *vm, uint16_t bdf);

/**
 * Unassign every device of @p vm (back to the Service VM's domain, see
 * vtd_unassign_device()) and clear its interrupt remapping entries (VM
 * destruction).  For the Service VM: all its context entries become not
 * present (its devices are blocked) and its domain is freed.
 */
void vtd_release_vm(struct vm *vm);

/**
 * Add [gpa, gpa+size) -> hpa to @p vm's domain if it has one, and flush the
 * IOTLB of its domain.  @return 0 (also when the VM has no domain), or the
 * pgtable_map() error.
 */
int vtd_map(struct vm *vm, uint64_t gpa, uint64_t hpa, uint64_t size, uint32_t prot);

/** Remove [gpa, gpa+size) from @p vm's domain, if any, and flush its IOTLB. */
int vtd_unmap(struct vm *vm, uint64_t gpa, uint64_t size);

/** What a remapped interrupt delivers on the host. */
struct vtd_irq {
	uint8_t vector;		/**< host vector, 16..255 */
	uint32_t dest;		/**< APIC ID (physical) or logical destination, 0..255 (xAPIC) */
	bool logical;		/**< destination mode logical */
	uint8_t delivery;	/**< VTD_DELIVERY_FIXED or VTD_DELIVERY_LOWPRI */
	bool level;		/**< level-triggered (else edge) */
};

/**
 * Program an interrupt remapping entry for the MSI/MSI-X of device @p sid
 * (bus << 8 | dev << 3 | fn, segment 0) of @p vm.  With *@p index ==
 * VTD_IRTE_NEW a free entry of the device's unit is taken and its index
 * stored in *@p index; otherwise the entry *@p index, which must be one
 * that @p vm holds for @p sid, is updated in place (one atomic store).
 * The entry only accepts interrupts whose requester ID is @p sid (SVT = 1,
 * SQ = 0) and records a fault otherwise; the interrupt entry cache is
 * invalidated afterwards.  The device must then be programmed with
 * vtd_irte_msi_addr(*index) and MSI data 0.
 * @return 0, -ENODEV (no VT-d, or the device's unit does not remap
 *         interrupts: keep compatibility-format MSIs), -EINVAL (bad
 *         arguments: vector < 16, dest > 255, other delivery modes),
 *         -EPERM (entry not @p vm's for @p sid), -ENOSPC (table full),
 *         -ETIMEDOUT / -EIO (invalidation failed; the entry is written)
 */
int vtd_irte_set(struct vm *vm, uint16_t sid, const struct vtd_irq *irq, uint16_t *index);

/**
 * Clear entry @p index of @p vm for device @p sid and invalidate it in the
 * interrupt entry cache; the entry is free again once that succeeded.
 * vtd_release_vm() clears all entries of a VM.
 * @return 0, -ENODEV, -EINVAL, -EPERM (not @p vm's for @p sid), -ETIMEDOUT, -EIO
 */
int vtd_irte_clear(struct vm *vm, uint16_t sid, uint16_t index);

/**
 * The remappable-format MSI address (VT-d spec §5.1: 0xFEE, handle =
 * @p index, SHV = 0) to program into the device for entry @p index;
 * the MSI data is then 0.
 */
uint32_t vtd_irte_msi_addr(uint16_t index);

/**
 * Read every unit's fault recording registers, print one line per recorded
 * fault (source, address or interrupt index, read/write, reason) and clear them.
 * @return the number of faults reported
 */
unsigned int vtd_report_faults(void);

#endif /* ARCH_X86_VTD_H */

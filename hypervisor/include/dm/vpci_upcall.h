/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file vpci_upcall.h
 * The upcall function: a tiny virtual PCI function the hypervisor shows the
 * Service VM so that a stock kernel's VHM driver can obtain an interrupt with
 * public kernel APIs (a PCI driver + MSI).  The hypervisor raises the upcall
 * by delivering the MSI the Service VM programmed.  Pure config-space model.
 *
 * IDs: vendor 0xACE0, device 0x0001, class 0x088000 (other system peripheral).
 * These are placeholders for a reference design: a product must use a PCI
 * vendor ID assigned to it.
 */
#ifndef DM_VPCI_UPCALL_H
#define DM_VPCI_UPCALL_H

#include <stdint.h>
#include <stdbool.h>

#define VPCI_UPCALL_VENDOR	0xACE0U
#define VPCI_UPCALL_DEVICE	0x0001U
#define VPCI_UPCALL_CLASS	0x088000U
#define VPCI_UPCALL_MSI_CAP	0x40U

struct vpci_upcall {
	uint8_t cfg[256];
};

/** Reset the function's configuration space to its power-on values. */
void vpci_upcall_init(struct vpci_upcall *f);

/**
 * Configuration read of size 1, 2 or 4 at offset (naturally aligned).
 * Misaligned or oversized accesses read as all-ones.
 */
uint32_t vpci_upcall_cfg_read(const struct vpci_upcall *f, uint32_t offset, uint32_t size);

/** Configuration write; read-only bits and misaligned accesses are ignored. */
void vpci_upcall_cfg_write(struct vpci_upcall *f, uint32_t offset, uint32_t size, uint32_t val);

/**
 * The MSI to send for an upcall.
 * @return false when the guest has not enabled MSI (nothing may be sent).
 */
bool vpci_upcall_msi(const struct vpci_upcall *f, uint64_t *addr, uint32_t *data);

#endif /* DM_VPCI_UPCALL_H */

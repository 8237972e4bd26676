/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file passthru.h
 * `-s N,passthru,BUS/DEV/FUNC[,unsafe]`: a physical PCI function of the
 * Service VM handed to the User VM (doc/passthrough.md).
 *
 * Everything acrn-dm learns about or does to the host device goes through
 * the sysfs files of the function under passthru_sysfs_root ("/sys"; the
 * tests point it at a fake tree): config, resource, resourceN, irq, reset,
 * driver/unbind, bus/pci/drivers/NAME/bind, class/iommu.
 */
#ifndef DM_HW_PASSTHRU_H
#define DM_HW_PASSTHRU_H

#include <stddef.h>

struct dm_config;

/**
 * Refuse, before any VM exists, a passthru device without "unsafe" on a
 * host without an IOMMU (so the refusal is acrn-dm's only output line).
 * @return 0, or -EPERM with @p err filled
 */
int passthru_precheck(const struct dm_config *cfg, char *err, size_t errlen);

/** Root of the sysfs tree used by passthru devices (default "/sys"). */
extern const char *passthru_sysfs_root;

#endif /* DM_HW_PASSTHRU_H */

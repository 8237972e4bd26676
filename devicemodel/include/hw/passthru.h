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

/** Root of the sysfs tree used by passthru devices (default "/sys"). */
extern const char *passthru_sysfs_root;

#endif /* DM_HW_PASSTHRU_H */

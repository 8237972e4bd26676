/* SPDX-License-Identifier: BSD-3-Clause */
/** @file fake_pciaccess.h  State of the libpciaccess fake (fake_pciaccess.c). */
#ifndef TESTS_DM_FAKE_PCIACCESS_H
#define TESTS_DM_FAKE_PCIACCESS_H

/** pci_system_init() calls not yet matched by pci_system_cleanup(). */
extern int fake_pciaccess_live;

#endif /* TESTS_DM_FAKE_PCIACCESS_H */

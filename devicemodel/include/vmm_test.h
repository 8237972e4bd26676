/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file vmm_test.h
 * vmm_test_ops: an in-process fake VMM back-end for tests/dm (in the spirit
 * of QEMU's qtest).  Tests post port I/O, MMIO and PCI configuration requests
 * into the request page exactly as the hypervisor would, let the device model
 * handle them, and observe what it asked of the "hypervisor": interrupt line
 * levels, MSIs, memory segments, completions.
 */
#ifndef DM_VMM_TEST_H
#define DM_VMM_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/acrn.h>

#include "vmm.h"

struct vmctx;

#define VMM_TEST_GSIS		128	/**< lines tracked */
#define VMM_TEST_MSIS		256	/**< MSIs recorded */
#define VMM_TEST_MEMSEGS	16
#define VMM_TEST_PCIDEVS	8
#define VMM_TEST_EVENTFDS	8	/**< ioeventfds / irqfds registered at once */
#define VMM_TEST_REMAPS		64	/**< MSI remap calls recorded */

/** Everything the fake records. */
struct vmm_test_state {
	bool vm_created, vm_started, vm_paused;
	unsigned int vm_resets;
	struct acrn_vm_creation cv;
	size_t nmemsegs;
	struct acrn_vm_memmap memsegs[VMM_TEST_MEMSEGS];
	uint8_t irq_level[VMM_TEST_GSIS];	/**< 1 = high */
	unsigned int irq_changes[VMM_TEST_GSIS];	/**< set_irqline calls per GSI */
	unsigned int irq_pulses[VMM_TEST_GSIS];	/**< of which raising or falling pulses */
	size_t nmsi;
	struct acrn_msi_entry msi[VMM_TEST_MSIS];
	unsigned int msi_total;			/**< every MSI, also past VMM_TEST_MSIS */
	unsigned int notify_count[ACRN_IO_REQUEST_MAX];
	bool client_created, client_destroyed;
	unsigned int kicks;			/**< posted, not yet seen by attach */
	/* Passthrough: what is assigned / forwarded now, and the call counts. */
	size_t npcidev;
	struct acrn_pcidev pcidev[VMM_TEST_PCIDEVS];
	size_t nptirq;
	struct acrn_ptdev_irq ptirq[VMM_TEST_PCIDEVS];
	unsigned int assigns, deassigns, ptirq_sets, ptirq_resets;
	int assign_ret;				/**< knob: != 0 makes assign_pcidev fail */
	unsigned int memseg_sets, memseg_unsets;	/**< set_memseg / unset_memseg calls */
	/*
	 * MSI remapping: every call as acrn-dm made it (its input), and the
	 * answer: physical address 0xFEE01000, data 0x40 + entry index (0x60
	 * for MSI); remap_ret != 0 makes enabling calls fail with it.
	 */
	size_t nremap;
	struct acrn_vhm_msix_remap remap[VMM_TEST_REMAPS];
	int remap_ret;
	/* ioeventfd / irqfd: what is registered now, and how often a write hit one. */
	size_t nioeventfd;
	struct acrn_ioeventfd ioeventfd[VMM_TEST_EVENTFDS];
	size_t nirqfd;
	struct acrn_irqfd irqfd[VMM_TEST_EVENTFDS];
	unsigned int ioeventfd_hits;
	unsigned int irqfd_msis;		/**< MSIs sent for a signalled irqfd */
	int eventfd_ret;			/**< knob: != 0 makes ioeventfd/irqfd assigns fail */
};

/** The fake back-end. */
extern const struct vmm_ops vmm_test_ops;

/** The fake's record for @p ctx (created with vmm_test_ops). */
struct vmm_test_state *vmm_test_get(struct vmctx *ctx);

/**
 * Post one request into slot @p vcpu as PROCESSING, without handling it.
 * @return 0, -EBUSY if the slot is not FREE/COMPLETE, -EINVAL for a bad vcpu
 */
int vmm_test_post(struct vmctx *ctx, uint32_t vcpu, const struct acrn_io_request *req);

/** Wake the IOREQ thread (as the VHM does after posting). */
void vmm_test_kick(struct vmctx *ctx);

/**
 * Wait up to @p timeout_ms for slot @p vcpu to become COMPLETE, then copy it
 * to @p out (may be NULL) and mark it FREE.  @return 0 or -ETIMEDOUT
 */
int vmm_test_wait(struct vmctx *ctx, uint32_t vcpu, int timeout_ms, struct acrn_io_request *out);

/**
 * Post a port access on vCPU 0 and handle it synchronously.  A write that
 * matches a registered ioeventfd signals its eventfd and completes without
 * reaching the device model, as in the VHM.
 * @return 0 if it was completed and notified (read value in *val), else -EIO
 */
int vmm_test_pio(struct vmctx *ctx, int dir, uint32_t port, int size, uint64_t *val);

/** As vmm_test_pio() for an MMIO access. */
int vmm_test_mmio(struct vmctx *ctx, int dir, uint64_t addr, int size, uint64_t *val);

/** As vmm_test_pio() for a PCI configuration access (ACRN_IOREQ_TYPE_PCICFG). */
int vmm_test_pcicfg(struct vmctx *ctx, int dir, uint32_t bus, uint32_t dev, uint32_t func,
		    uint32_t reg, int size, uint32_t *val);

/**
 * Wait up to @p timeout_ms for an MSI after the first @p seen ones (as a vCPU
 * halts until its interrupt arrives).  Registered irqfds that were signalled
 * send their MSI here (the VHM would at once).
 * @return msi_total (== @p seen on timeout)
 */
unsigned int vmm_test_wait_msi(struct vmctx *ctx, unsigned int seen, int timeout_ms);

/**
 * Copy @p len bytes between guest memory at @p gpa and @p buf, as a DMA
 * agent or the guest itself would.  @return 0, or -EFAULT if the range is
 * not entirely guest RAM
 */
int vmm_test_gpa_write(struct vmctx *ctx, uint64_t gpa, const void *buf, size_t len);
int vmm_test_gpa_read(struct vmctx *ctx, uint64_t gpa, void *buf, size_t len);

#endif /* DM_VMM_TEST_H */

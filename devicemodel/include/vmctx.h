/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file vmctx.h
 * struct vmctx: one User VM as acrn-dm sees it, and its life cycle.
 */
#ifndef DM_VMCTX_H
#define DM_VMCTX_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/acrn.h>

#include "dm_config.h"
#include "vmm.h"

/** Why a VM should stop running (vm_request_stop()). */
enum vm_stop_reason {
	VM_STOP_NONE = 0,
	VM_STOP_POWEROFF,	/**< guest powered off (ACPI S5, debug exit): acrn-dm exits 0 */
	VM_STOP_RESET,		/**< guest asked for a reset (0xCF9, keyboard controller, triple fault) */
	VM_STOP_ERROR,		/**< the device model cannot go on (logged by the caller) */
};

struct pio_table;
struct mmio_table;
struct pci_bus;
struct platform_devices;

/** One User VM. */
struct vmctx {
	const struct dm_config *cfg;		/**< parsed command line (not owned) */
	const struct vmm_ops *vmm;		/**< back-end */
	void *vmm_priv;				/**< back-end private state */
	uint16_t vmid;
	uint16_t ncpus;
	bool vm_created;
	struct acrn_io_request_buffer *ioreq_buf;	/**< shared with the hypervisor */

	/* Guest memory (guest_mem.c). */
	uint8_t *mem_base;			/**< host address of GPA 0 */
	size_t mem_reserved;			/**< bytes of address space reserved */
	uint64_t lowmem;			/**< RAM at [0, lowmem) */
	uint64_t highmem;			/**< RAM at [4 GiB, 4 GiB + highmem) */
	bool mem_hugetlb;

	/* I/O dispatch (pio.c, mmio.c) and PCI (hw/pci/). */
	struct pio_table *pio;
	struct mmio_table *mmio;
	struct pci_bus *pci;

	/* IOREQ loop (ioreq.c). */
	pthread_t ioreq_thread;
	/** Held by the IOREQ thread while it handles requests and by a VM reset:
	 *  a request in flight is completed before the reset frees the slots,
	 *  never into the slot of the restarted VM. */
	pthread_mutex_t ioreq_lock;
	bool ioreq_running;
	int quit;				/**< set atomically to stop the loop */
	/** Called from the IOREQ thread if the loop ends without being asked to. */
	void (*on_loop_exit)(struct vmctx *ctx);
	/** Pending vm_request_stop() reason (enum vm_stop_reason), read atomically. */
	int stop_reason;
	/** Called (from any thread) by vm_request_stop(); main() wakes up on it. */
	void (*on_stop_request)(struct vmctx *ctx);

	/* Legacy platform devices (hw/platform/platform_devices.c). */
	struct platform_devices *platform;
	/* --ovmf image mapped below 4 GiB (core/boot_linux.c). */
	void *fw_mem;				/**< host mapping, NULL if none */
	size_t fw_size;
};

/** CREATE_VM's vm_flag for @p cfg: the scheduling class of --priority. */
uint64_t vmctx_vm_flag(const struct dm_config *cfg);

/**
 * Create a VM from @p cfg on back-end @p vmm: open the back-end, create the VM,
 * allocate and map guest memory, create the I/O tables and the PCI devices.
 * @param err  one-line reason on failure
 * @return 0 and *out, or a negative errno (everything undone)
 */
int vmctx_create(const struct dm_config *cfg, const struct vmm_ops *vmm, struct vmctx **out,
		 char *err, size_t errlen);

/**
 * Boot hook, called by main() after the devices exist and before the vCPUs
 * start: load the kernel/initrd/OVMF/ELF named in ctx->cfg into guest memory
 * (vm_map_gpa) and set the boot vCPU's registers (ctx->vmm->set_vcpu_regs).
 * main.c holds a weak default that only logs; a boot loader file provides the
 * real one.  @return 0 or a negative errno (acrn-dm then exits with status 2)
 */
int dm_boot_prepare(struct vmctx *ctx, char *err, size_t errlen);

/**
 * Ask main() to power off, reset or abandon the VM.  Safe from any thread,
 * including device emulation called from the IOREQ thread; the first request
 * wins until vm_take_stop_request() consumes it.
 */
void vm_request_stop(struct vmctx *ctx, enum vm_stop_reason why);

/** Consume the pending stop request (VM_STOP_NONE if there is none). */
enum vm_stop_reason vm_take_stop_request(struct vmctx *ctx);

/** Tear a VM down in reverse order; safe on a partly created @p ctx. */
void vmctx_destroy(struct vmctx *ctx);

#endif /* DM_VMCTX_H */

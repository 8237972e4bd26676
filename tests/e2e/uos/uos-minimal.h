/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file uos-minimal.h
 * Internal interface of the uos-minimal test client: one I/O request as the
 * checker sees it, and the VMM backends that produce them (the VHM's
 * /dev/acrn_vhm, or, to prove the payload and the checker on a development
 * host, Linux KVM).
 */
#ifndef UOS_MINIMAL_H
#define UOS_MINIMAL_H

#include <stddef.h>
#include <stdint.h>

/** One request from the guest, already validated by the backend. */
struct uos_req {
	uint32_t type;		/**< ACRN_IOREQ_TYPE_PORTIO / _MMIO / _PCICFG */
	uint32_t dir;		/**< ACRN_IOREQ_DIR_READ / _WRITE */
	uint64_t addr;		/**< port, GPA, or PCI register (PCICFG) */
	uint32_t bdf;		/**< PCICFG: bus << 8 | dev << 3 | func */
	uint32_t size;		/**< 1, 2, 4 or 8 */
	uint64_t value;		/**< write: the guest's value; read: the reply */
	uint32_t vcpu;		/**< slot / vCPU the request came from */
};

/** What the guest is started with. */
struct uos_vm_config {
	const void *payload;	/**< flat image, loaded at UOS_LOAD_GPA */
	size_t payload_len;
	uint32_t mode;		/**< UOS_MODE_* (RBX at entry) */
	uint32_t bench_iters;	/**< RSI at entry */
	uint32_t ioapic_pins;	/**< RDI at entry: pins the guest must find */
	uint64_t cpu_affinity;	/**< CREATE_VM cpu_affinity (bitmap of pCPUs) */
};

struct uos_vm;

/** A VMM backend.  Every function returns 0 or a negative errno. */
struct uos_vmm_ops {
	const char *name;
	/** IOAPIC pins of this VMM's User VMs (ACRN: UOS_IOAPIC_PINS). */
	uint32_t ioapic_pins;
	/** Create the VM, give it RAM holding the payload, set the BSP registers. */
	int (*create)(struct uos_vm **vmp, const struct uos_vm_config *cfg);
	/** Start the BSP. */
	int (*start)(struct uos_vm *vm);
	/**
	 * Wait for the next request.  Returns -EINTR when a signal interrupted
	 * the wait (the caller checks its timeout and calls again).
	 */
	int (*next)(struct uos_vm *vm, struct uos_req *req);
	/** Complete @req (read replies in req->value) and let the vCPU go on. */
	int (*complete)(struct uos_vm *vm, const struct uos_req *req);
	/** SET_IRQLINE: @op is ACRN_HC_IRQLINE_*-style (2 = raising pulse). */
	int (*irqline)(struct uos_vm *vm, uint32_t gsi, uint32_t op);
	/** INJECT_MSI. */
	int (*msi)(struct uos_vm *vm, uint64_t addr, uint64_t data);
	/** The VM id (-1 when the backend has none). */
	int (*vmid)(struct uos_vm *vm);
	/** DESTROY_VM (or its equivalent) and free everything; @vm may be NULL. */
	int (*destroy)(struct uos_vm *vm);
};

/**
 * The ops of backend @b (uos_<b>_create, uos_<b>_start, ...), named "b", whose
 * User VMs have @pins IOAPIC pins.
 */
#define UOS_VMM_OPS(b, pins) {				\
	.name = #b,					\
	.ioapic_pins = (pins),				\
	.create = uos_##b##_create,			\
	.start = uos_##b##_start,			\
	.next = uos_##b##_next,				\
	.complete = uos_##b##_complete,			\
	.irqline = uos_##b##_irqline,			\
	.msi = uos_##b##_msi,				\
	.vmid = uos_##b##_vmid,				\
	.destroy = uos_##b##_destroy,			\
}

/*
 * What both backends' create() and destroy() do alike (uos-minimal.c).
 */
/**
 * A zeroed backend VM of @size bytes for @cfg; NULL with *@err set to -E2BIG
 * (the payload does not fit below the stack) or -ENOMEM.
 */
void *uos_vm_alloc(size_t size, const struct uos_vm_config *cfg, int *err);
/**
 * Map the guest's RAM (UOS_RAM_SIZE bytes, private anonymous, plus @mmap_flags)
 * and copy the payload to UOS_LOAD_GPA.  *@ram is NULL on failure (-ENOMEM).
 */
int uos_ram_map(void **ram, const struct uos_vm_config *cfg, int mmap_flags);
/** Unmap what uos_ram_map() mapped; @ram may be NULL. */
void uos_ram_unmap(void *ram);

/** The VHM backend (/dev/acrn_vhm, falling back to /dev/acrn_hsm). */
extern const struct uos_vmm_ops uos_vhm_ops;
/** The KVM backend (/dev/kvm), for proving the payload on a host. */
extern const struct uos_vmm_ops uos_kvm_ops;

/**
 * Test hook of the VHM backend (the fake-hypervisor run plays the guest):
 * the state and value of IOREQ slot @vcpu.
 */
int uos_vhm_peek(struct uos_vm *vm, uint32_t vcpu, uint32_t *state, uint64_t *value);

/** IRQ line operations, the values of <linux/acrn.h>'s acrn_irqline_ops.op. */
#define UOS_IRQLINE_RAISING_PULSE	2U

#endif /* UOS_MINIMAL_H */

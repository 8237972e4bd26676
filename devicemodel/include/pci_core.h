/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file pci_core.h
 * The PCI core (PCI Local Bus Specification 3.0): bus 0, a registry of device
 * types, per-function configuration space with write masks, BAR allocation,
 * sizing and relocation, capabilities, MSI, MSI-X and INTx.
 *
 * A device is one file with one const struct pci_vdev_ops registered by
 * PCI_VDEV_REGISTER(); `-s slot[:func],name,...` instantiates it.
 */
#ifndef DM_PCI_CORE_H
#define DM_PCI_CORE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "dm_config.h"

struct vmctx;
struct pci_vdev;

/* Configuration space header offsets (PCI 3.0 §6.1). */
#define PCIR_VENDOR		0x00
#define PCIR_DEVICE		0x02
#define PCIR_COMMAND		0x04
#define PCIR_STATUS		0x06
#define PCIR_REVID		0x08
#define PCIR_PROGIF		0x09
#define PCIR_SUBCLASS		0x0a
#define PCIR_CLASS		0x0b
#define PCIR_CACHELNSZ		0x0c
#define PCIR_LATTIMER		0x0d
#define PCIR_HDRTYPE		0x0e
#define PCIR_BAR0		0x10
#define PCIR_SUBVEND		0x2c
#define PCIR_SUBDEV		0x2e
#define PCIR_ROM		0x30
#define PCIR_CAP_PTR		0x34
#define PCIR_INTLINE		0x3c
#define PCIR_INTPIN		0x3d

#define PCIM_CMD_PORTEN		0x0001
#define PCIM_CMD_MEMEN		0x0002
#define PCIM_CMD_BUSMASTER	0x0004
#define PCIM_CMD_PERRESPEN	0x0040
#define PCIM_CMD_SERRESPEN	0x0100
#define PCIM_CMD_INTXDIS	0x0400
#define PCIM_STATUS_INTXSTAT	0x0008
#define PCIM_STATUS_CAPPRESENT	0x0010
#define PCIM_HDRTYPE_MULTI	0x80

#define PCIY_MSI		0x05
#define PCIY_MSIX		0x11

#define PCI_CFG_SIZE		256
#define PCI_BAR_COUNT		6
#define PCI_MSIX_MAX_VECTORS	2048

/* Address windows handed out to BARs. */
#define PCI_PIO_BASE		0x2000ULL
#define PCI_PIO_LIMIT		0x10000ULL
#define PCI_MMIO32_BASE		0xc0000000ULL
#define PCI_MMIO32_LIMIT	0xe0000000ULL
#define PCI_MMIO64_SIZE		(64ULL << 30)

/** Kind of a BAR. */
enum pci_bar_type {
	PCI_BAR_NONE = 0,
	PCI_BAR_IO,
	PCI_BAR_MEM32,
	PCI_BAR_MEM64,		/**< takes this BAR and the next */
	PCI_BAR_MEM64_HI,	/**< upper half of the previous BAR */
};

/** One BAR of a function. */
struct pci_bar {
	enum pci_bar_type type;
	uint64_t addr;		/**< current guest address */
	uint64_t size;		/**< power of two */
	bool registered;	/**< handler present in the PIO/MMIO table at addr */
	struct pci_vdev *dev;
	int idx;
};

/** One MSI-X table entry (PCI 3.0 §6.8.2.6). */
struct pci_msix_entry {
	uint64_t addr;
	uint32_t data;
	uint32_t vector_control;	/**< bit 0: mask */
};

/** A device type, registered once with PCI_VDEV_REGISTER(). */
struct pci_vdev_ops {
	const char *class_name;
	/** Set up @p dev from its -s options; allocate BARs, capabilities, INTx. */
	int (*vdev_init)(struct vmctx *ctx, struct pci_vdev *dev, const struct dm_dev_config *cfg);
	/** Release what vdev_init() allocated. */
	void (*vdev_deinit)(struct vmctx *ctx, struct pci_vdev *dev);
	/** Optional config write hook: return 0 if handled, -ENOENT for default handling. */
	int (*vdev_cfgwrite)(struct vmctx *ctx, struct pci_vdev *dev, int offset, int bytes,
			     uint32_t val);
	/** Optional config read hook: return 0 if handled, -ENOENT for default handling. */
	int (*vdev_cfgread)(struct vmctx *ctx, struct pci_vdev *dev, int offset, int bytes,
			    uint32_t *val);
	/** Write to BAR @p idx at @p offset (never called for MSI-X table/PBA). */
	void (*vdev_barwrite)(struct vmctx *ctx, struct pci_vdev *dev, int idx, uint64_t offset,
			      int size, uint64_t val);
	/** Read from BAR @p idx at @p offset. */
	uint64_t (*vdev_barread)(struct vmctx *ctx, struct pci_vdev *dev, int idx,
				 uint64_t offset, int size);
	/** Optional: return the device to its power-on state (config space is restored by the core). */
	void (*vdev_reset)(struct vmctx *ctx, struct pci_vdev *dev);
};

/** Place a device type in the registry (one line, at file scope). */
#define PCI_VDEV_REGISTER(ops)						\
	static const struct pci_vdev_ops *const pci_vdev_reg_##ops	\
	__attribute__((section("pci_vdev_set"), used, aligned(sizeof(void *)))) = &(ops)

/** One PCI function. */
struct pci_vdev {
	const struct pci_vdev_ops *ops;
	struct vmctx *ctx;
	uint8_t bus, slot, func;
	char name[DM_DEV_NAME_MAX + 1];
	void *arg;			/**< the device's private state */
	char init_err[160];		/**< vdev_init may explain its failure here (one line) */
	pthread_mutex_t lock;		/**< guards interrupt state (MSI, MSI-X, INTx) */

	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t cfg_init[PCI_CFG_SIZE];	/**< config space after init: what a reset restores */
	uint8_t wmask[PCI_CFG_SIZE];	/**< writable bits */
	uint8_t w1cmask[PCI_CFG_SIZE];	/**< write-1-to-clear bits */
	struct pci_bar bar[PCI_BAR_COUNT];
	uint8_t capend;			/**< next free capability offset */
	uint8_t lastcap;		/**< offset of the last capability, 0 if none */

	struct {
		uint8_t capoff;		/**< 0: no MSI capability */
		bool enabled;
		uint64_t addr;
		uint16_t data;
		uint32_t nmsgs;		/**< enabled vectors (MME) */
	} msi;

	struct {
		uint8_t capoff;		/**< 0: no MSI-X capability */
		bool enabled;
		bool function_mask;
		int bar;		/**< BAR holding table and PBA */
		uint32_t table_offset;
		uint32_t table_count;
		uint32_t pba_offset;
		uint32_t pba_size;	/**< bytes */
		struct pci_msix_entry *table;
		uint64_t *pba;
	} msix;

	struct {
		uint8_t pin;		/**< 1 = INTA# .. 4 = INTD#, 0: none */
		uint32_t gsi;
		bool asserted;		/**< the device wants the line high */
		bool line_high;		/**< what we told the back-end */
	} lintr;
};

/** Bus 0: all functions plus the BAR allocators. */
struct pci_bus {
	struct pci_vdev *dev[DM_PCI_SLOTS][DM_PCI_FUNCS];
	uint64_t pio_next, mmio32_next, mmio64_next, mmio64_base, mmio64_limit;
	uint32_t cf8;			/**< CONFIG_ADDRESS latch */
	bool cf8_registered;
};

/** Find a registered device type by name; NULL if unknown. */
const struct pci_vdev_ops *pci_vdev_find_ops(const char *name);

/**
 * Create bus 0 from the -s entries of ctx->cfg (adding the host bridge at
 * 0:0.0 when absent) and register the 0xCF8/0xCFC handlers.
 * @return 0 or a negative errno (with @p err naming the problem)
 */
int pci_init(struct vmctx *ctx, char *err, size_t errlen);

/**
 * Platform reset: every function gets back the configuration space it had
 * after initialisation (BARs at their assigned addresses, MSI/MSI-X off,
 * MSI-X vectors masked, no pending bits), INTx lines go low, and each
 * device's vdev_reset hook runs.  Call with the vCPUs paused.
 */
void pci_reset(struct vmctx *ctx);

/** Deinit every device and free the bus. */
void pci_deinit(struct vmctx *ctx);

/** The function at @p slot:@p func of bus 0, or NULL. */
struct pci_vdev *pci_get_vdev(struct vmctx *ctx, int bus, int slot, int func);

/**
 * A configuration space access (PCICFG request or 0xCFC).  Absent functions
 * read all-ones; registers beyond 0xFF read 0 and ignore writes.
 * @return 0, or -EINVAL for a malformed access (reads return all-ones)
 */
int pci_cfg_access(struct vmctx *ctx, int dir, uint32_t bus, uint32_t slot, uint32_t func,
		   uint32_t reg, int size, uint32_t *val);

/** Config space helpers for devices (no side effects; @p off + size must be <= 256). */
void pci_set_cfgdata8(struct pci_vdev *dev, int off, uint8_t val);
void pci_set_cfgdata16(struct pci_vdev *dev, int off, uint16_t val);
void pci_set_cfgdata32(struct pci_vdev *dev, int off, uint32_t val);
uint8_t pci_get_cfgdata8(const struct pci_vdev *dev, int off);
uint16_t pci_get_cfgdata16(const struct pci_vdev *dev, int off);
uint32_t pci_get_cfgdata32(const struct pci_vdev *dev, int off);
/**
 * The core's handling of a configuration write (write masks, BAR moves,
 * command, MSI/MSI-X): for a vdev_cfgwrite hook that acts after it, then
 * returns 0.  Called with dev->lock held, as the hook is.
 */
void pci_emul_cfgwrite(struct pci_vdev *dev, int off, int bytes, uint32_t val);

/** Make bits @p mask of the @p bytes-wide register at @p off guest-writable. */
void pci_set_wmask(struct pci_vdev *dev, int off, int bytes, uint32_t mask);

/**
 * Allocate BAR @p idx of @p type and @p size (rounded up to a power of two,
 * at least 4 for I/O, 16 for memory), enable decoding and register its handler.
 * @return 0, -EINVAL, -ENOSPC (window exhausted), -EEXIST
 */
int pci_emul_alloc_bar(struct pci_vdev *dev, int idx, enum pci_bar_type type, uint64_t size);

/**
 * Append a capability (@p len bytes starting with the ID; the next pointer
 * byte is filled in by the core).  @return its offset (> 0) or a negative errno.
 */
int pci_emul_add_capability(struct pci_vdev *dev, const uint8_t *cap, int len);

/** Add a 64-bit MSI capability with @p nmsgs (power of two, 1..32) vectors. */
int pci_emul_add_msicap(struct pci_vdev *dev, int nmsgs);

/**
 * Add an MSI-X capability with @p nvec vectors; table at offset 0 and PBA
 * (4 KiB aligned) in a new MEM32 BAR @p barnum owned by the core.
 */
int pci_emul_add_msixcap(struct pci_vdev *dev, int nvec, int barnum);

/** Send MSI vector @p index if MSI is enabled; -EAGAIN if not enabled. */
int pci_generate_msi(struct pci_vdev *dev, int index);

/** Send MSI-X vector @p index; if masked, set its pending bit (returns -EAGAIN). */
int pci_generate_msix(struct pci_vdev *dev, int index);

/** True if the guest enabled MSI / MSI-X. */
bool pci_msi_enabled(struct pci_vdev *dev);
bool pci_msix_enabled(struct pci_vdev *dev);

/** Give the function an INTx pin and a GSI (written to the Interrupt Line register). */
int pci_lintr_request(struct pci_vdev *dev);

/** Raise / lower the function's INTx line (level triggered; honours INTx Disable). */
int pci_lintr_assert(struct pci_vdev *dev);
int pci_lintr_deassert(struct pci_vdev *dev);

/* Internal to the PCI core (pci_core.c <-> pci_msi.c). */
void pci_msi_cfgwrite(struct pci_vdev *dev, int off, int bytes);
void pci_msix_cfgwrite(struct pci_vdev *dev, int off, int bytes);
bool pci_msix_bar_access(struct pci_vdev *dev, int idx, int dir, uint64_t off, int size,
			 uint64_t *val);
void pci_msix_free(struct pci_vdev *dev);

#endif /* DM_PCI_CORE_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file pgtable.h
 * Builder and editor for 4-level x86 page tables in three formats:
 * EPT (guest-physical to host-physical, Intel SDM Vol. 3 "EPT paging-structure
 * entries"), IA-32e 4-level paging (the hypervisor's own tables, SDM Vol. 3
 * §4.5) and VT-d second-level translation (VT-d spec §9.8).
 *
 * The library is pure: it reaches memory only through struct pgtable_ops.
 * It is NOT thread-safe: the caller serialises every call on one table and
 * invalidates TLBs / paging-structure caches (INVLPG, INVEPT, IOTLB flush)
 * after any change, before a page handed to ops->free_page can be reused.
 *
 * Failure guarantee: map, unmap and protect are all-or-nothing.  Every page
 * they may need is allocated before the first entry is written, so -ENOMEM
 * (and every other error) leaves the table exactly as it was and all pages
 * allocated during the call already returned through ops->free_page.
 */
#ifndef LIB_PGTABLE_H
#define LIB_PGTABLE_H

#include <stdbool.h>
#include <stdint.h>

/** Access permissions, a bit set. */
#define PGT_R  (1U << 0)   /**< readable */
#define PGT_W  (1U << 1)   /**< writable */
#define PGT_X  (1U << 2)   /**< executable (EPT: supervisor execute); not expressible in VT-d */
#define PGT_U  (1U << 3)   /**< user-accessible (IA-32e only) */

/**
 * Memory type, bits 8..10 of prot.  EPT: the entry's memory type field.
 * IA-32e: selects a PAT index, see PGTABLE_IA32E_PAT.  VT-d: not expressible.
 * The values 2, 3 and 7 are invalid (-EINVAL).
 */
#define PGT_MT_SHIFT 8
#define PGT_MT_MASK  (7U << PGT_MT_SHIFT)
#define PGT_MT_UC (0U << 8)
#define PGT_MT_WC (1U << 8)
#define PGT_MT_WT (4U << 8)
#define PGT_MT_WP (5U << 8)
#define PGT_MT_WB (6U << 8)

/**
 * Allow 2 MiB / 1 GiB leaves where alignment permits, and let map/protect
 * fold a table whose 512 leaves became uniform back into one large leaf.
 * Never reported by query.
 */
#define PGT_LARGE_OK (1U << 12)

/** EPT: set "ignore PAT" (the EPT memory type wins over the guest PAT). Dropped elsewhere. */
#define PGT_IGNORE_PAT (1U << 13)
/** VT-d: set SNP (force snooping). Only valid if ECAP.SC=1. Dropped elsewhere. */
#define PGT_SNOOP      (1U << 14)
/** IA-32e: set G (global translation). Dropped elsewhere. */
#define PGT_GLOBAL     (1U << 15)

/** Every prot bit the API knows; any other bit makes map/protect fail with -EINVAL. */
#define PGT_PROT_ALL (PGT_R | PGT_W | PGT_X | PGT_U | PGT_MT_MASK | PGT_LARGE_OK | \
		      PGT_IGNORE_PAT | PGT_SNOOP | PGT_GLOBAL)

/**
 * The IA32_PAT MSR value the IA-32e format assumes (SDM Vol. 3 §13.12).
 * Entries PA0..PA3 equal the power-up default (WB, WT, UC-, UC), so WB, WT
 * and UC mappings are right even before the MSR is written; PA4 = WC,
 * PA5 = WP.  The hypervisor writes this value to IA32_PAT on every pCPU.
 */
#define PGTABLE_IA32E_PAT 0x0007050100070406ULL

/** Highest virtual (input) address + 1 of every format: 4-level, 48 bits. */
#define PGTABLE_VA_LIMIT (1ULL << 48)
/** Highest physical (output) address + 1 the entry formats can hold. */
#define PGTABLE_PA_LIMIT (1ULL << 52)

/** Entry layout family. */
enum pgtable_format {
	PGT_FMT_EPT,	/**< Intel EPT, used through pgtable_eptp() */
	PGT_FMT_IA32E,	/**< IA-32e 4-level paging, root goes to CR3 */
	PGT_FMT_VTD,	/**< VT-d second level, root goes to the context entry (AW=2, 48 bits) */
};

/** Everything impure the library needs.  All four callbacks are mandatory. */
struct pgtable_ops {
	/** Return a zeroed, 4 KiB-aligned 4 KiB page, or NULL. */
	void *(*alloc_page)(void *ctx);
	/** Take back a page obtained from alloc_page. */
	void (*free_page)(void *ctx, void *page);
	/** Physical address of a page obtained from alloc_page. */
	uint64_t (*virt_to_phys)(void *ctx, const void *va);
	/** Inverse of virt_to_phys for page-table pages. */
	void *(*phys_to_virt)(void *ctx, uint64_t pa);
};

/** One page table.  Caller-allocated; fields are private to pgtable.c. */
struct pgtable {
	enum pgtable_format fmt;
	const struct pgtable_ops *ops;
	void *ctx;
	uint64_t *root;		/**< PML4 (virtual address) */
	uint64_t root_pa;
	bool allow_2m;
	bool allow_1g;
};

/**
 * Create an empty table (allocates the root page).
 * @param pt       caller-allocated storage
 * @param fmt      entry format
 * @param ops      memory callbacks, must stay valid until pgtable_destroy()
 * @param ctx      passed to every callback
 * @param allow_1g whether 1 GiB leaves may be used (the CPU/IOMMU supports them)
 * @return 0, -EINVAL (bad format or ops), -ENOMEM
 */
int pgtable_init(struct pgtable *pt, enum pgtable_format fmt, const struct pgtable_ops *ops,
		 void *ctx, bool allow_1g);

/**
 * Restrict the leaf sizes map may choose (default after init: 2 MiB allowed,
 * 1 GiB as passed to pgtable_init()).  1 GiB leaves are only made while
 * 2 MiB leaves are allowed too, because splitting one yields 2 MiB leaves.
 * Existing leaves are not changed, and splitting one always yields leaves
 * of the next smaller size.
 * @param pt       the table
 * @param allow_2m whether 2 MiB leaves may be created
 * @param allow_1g whether 1 GiB leaves may be created
 */
void pgtable_set_leaf_sizes(struct pgtable *pt, bool allow_2m, bool allow_1g);

/**
 * Map [va, va+size) to [pa, pa+size) with prot, replacing whatever was there.
 * Uses 2 MiB / 1 GiB leaves where PGT_LARGE_OK is set and va, pa and size
 * allow; splits existing large leaves that are partly covered.  With
 * PGT_LARGE_OK a table the change leaves with 512 leaves of one prot and
 * consecutive, aligned addresses is replaced by one large leaf.
 * @param pt   the table
 * @param va   input address, 4 KiB aligned
 * @param pa   output address, 4 KiB aligned
 * @param size bytes, 4 KiB multiple, non-zero
 * @param prot PGT_* bits; must grant an access the format can express
 *             (EPT: R, W or X, and W needs R; IA-32e: R; VT-d: R or W)
 * @return 0, -EINVAL (alignment, range, prot), -ENOMEM (table unchanged)
 */
int pgtable_map(struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t size, uint32_t prot);

/**
 * Remove every translation in [va, va+size).  Holes are fine.  Large leaves
 * that are partly covered are split; table pages that become empty are freed.
 * @return 0, -EINVAL (alignment, range), -ENOMEM (only when splitting; table unchanged)
 */
int pgtable_unmap(struct pgtable *pt, uint64_t va, uint64_t size);

/**
 * Change the permissions / memory type of every translation in [va, va+size),
 * keeping addresses and leaf sizes (large leaves partly covered are split)
 * and the accessed/dirty bits the hardware set.  prot may include
 * PGT_LARGE_OK to merge tables made uniform again (as in pgtable_map()).
 * @return 0, -EINVAL (alignment, range, prot), -ENOENT (some page in the range
 *         is not mapped; table unchanged), -ENOMEM (table unchanged)
 */
int pgtable_protect(struct pgtable *pt, uint64_t va, uint64_t size, uint32_t prot);

/**
 * Translate one address.
 * @param pt        the table
 * @param va        any address below PGTABLE_VA_LIMIT (need not be aligned)
 * @param pa        out (may be NULL): the translation of va itself
 * @param prot      out (may be NULL): PGT_* bits as stored (bits the format
 *                  cannot express read back as 0; never PGT_LARGE_OK)
 * @param page_size out (may be NULL): leaf size, 4 KiB, 2 MiB or 1 GiB; on
 *                  -ENOENT the size of the aligned unmapped block holding va
 *                  (4 KiB, 2 MiB, 1 GiB or 512 GiB), so a caller can skip it
 * @return 0, -ENOENT (not mapped), -EINVAL (va out of range)
 */
int pgtable_query(const struct pgtable *pt, uint64_t va, uint64_t *pa, uint32_t *prot,
		  uint64_t *page_size);

/**
 * Free every page-table page, the root included.  The table must no longer
 * be in use by any CPU or IOMMU.  Safe to call twice.
 */
void pgtable_destroy(struct pgtable *pt);

/** @return physical address of the root (PML4) page: CR3, EPTP or VT-d SLPTPTR base. */
uint64_t pgtable_root_pa(const struct pgtable *pt);

/**
 * EPTP value for the VMCS (SDM Vol. 3 §24.6.11): memory type WB for the
 * paging structures, page-walk length 4, root physical address.
 * @param pt        an EPT table
 * @param enable_ad set bit 6 (accessed/dirty flags; needs IA32_VMX_EPT_VPID_CAP bit 21)
 * @return the EPTP, or 0 if pt is not an EPT table
 */
uint64_t pgtable_eptp(const struct pgtable *pt, bool enable_ad);

#endif /* LIB_PGTABLE_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file vtd_model.h
 * A register-level model of VT-d remapping units for the unit tests of
 * hypervisor/arch/x86/vtd.c.  It implements what the driver touches
 * (VT-d spec §11.4): CAP/ECAP, GCMD -> GSTS handshakes (SRTP latches RTADDR,
 * TE), CCMD and IOTLB register invalidation, fault status and recording
 * registers; and it walks the root, context and second-level tables the
 * driver wrote to translate a "DMA" the way hardware would (§3.4, §9),
 * with a context cache and an IOTLB that only invalidation clears, and a
 * recorded fault when translation fails.
 *
 * With ECAP.QI set it has the invalidation queue (IQH/IQT/IQA/ICS, §6.5.2):
 * descriptors are fetched from memory at IQH..IQT when IQT is written (or
 * later, or never), checked for reserved bits and types like hardware does
 * (an invalid one sets FSTS.IQE and stops the queue until IQE is cleared),
 * and executed: context-cache, IOTLB, interrupt entry cache invalidation,
 * wait with status write.  With ECAP.IR it remaps MSIs (vtm_msi) through
 * the table latched by SIRTP and an interrupt entry cache.
 */
#ifndef VTD_MODEL_H
#define VTD_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <lib/pgtable.h>

#define VTM_MAX_UNITS	4
#define VTM_NFR		4		/* fault recording registers per unit */
#define VTM_FRO		0x40U		/* CAP.FRO: records at 0x400 */
#define VTM_IRO		0x50U		/* ECAP.IRO: IOTLB register at 0x508 */
#define VTM_CACHE	64

/* Fault reasons the model records (VT-d spec appendix A). */
#define VTM_FR_ROOT_NP	0x1U
#define VTM_FR_CTX_NP	0x2U
#define VTM_FR_SL_WRITE	0x5U	/* write to a page without W */
#define VTM_FR_SL_READ	0x6U	/* read of a page without R */
#define VTM_FR_IR_INDEX	0x21U	/* interrupt index beyond the table */
#define VTM_FR_IR_NP	0x22U	/* IRTE not present */
#define VTM_FR_IR_RSVD	0x24U	/* reserved bit in the IRTE */
#define VTM_FR_IR_CFI	0x25U	/* compatibility-format interrupt blocked */
#define VTM_FR_IR_SID	0x26U	/* source-id verification failed */

#define VTM_ECAP_QI	(1ULL << 1)
#define VTM_ECAP_IR	(1ULL << 3)
#define VTM_QI_LOG	64

struct vtm_desc {
	uint64_t lo, hi;
};

struct vtm_iec {
	bool valid;
	uint16_t index;
	uint64_t lo, hi;
};

/** An interrupt as the model delivers it to the "CPU". */
struct vtm_irq {
	bool remapped;
	uint8_t vector, dest, delivery;
	bool logical, level;
};

struct vtm_ctx_cache {
	bool valid;
	uint16_t bdf;
	uint64_t lo, hi;
};

struct vtm_tlb {
	bool valid;
	uint16_t did;
	uint64_t page;		/* input page */
	uint64_t hpa;		/* output page */
	bool r, w;
};

struct vtm_unit {
	uint64_t base;
	uint64_t cap, ecap;
	bool never_ack;			/* GCMD and invalidations are never acknowledged */
	bool refuse_inval;		/* invalidations complete with IAIG/CAIG = 0 */
	uint32_t gsts;
	uint64_t rtaddr, rtaddr_latched;
	uint64_t ccmd, iotlb;
	uint32_t fsts, fectl;
	uint64_t frcd[VTM_NFR][2];
	uint32_t next_fault;
	/* what the driver did */
	unsigned int srtp_count, ctx_inval, iotlb_inval, iotlb_dom_inval, gcmd_writes;
	unsigned int gcmd_multi;	/* GCMD writes that changed more than one bit */
	uint16_t last_iotlb_did;
	unsigned int bad_access;	/* accesses to registers the model lacks */
	struct vtm_ctx_cache cc[VTM_CACHE];
	struct vtm_tlb tlb[VTM_CACHE];
	/* queued invalidation */
	uint64_t iqa, iqh, iqt;
	uint32_t ics;
	bool qi_stall;			/* descriptors are never fetched */
	unsigned int qi_lazy;		/* fetch only after this many delay_us calls */
	unsigned int qi_lazy_left;
	unsigned int qi_bad_type;	/* the next descriptor of this type is "invalid", once */
	unsigned int qi_done[16];	/* descriptors executed, by type */
	struct vtm_desc qi_log[VTM_QI_LOG];	/* executed descriptors, in order */
	unsigned int qi_log_len;
	unsigned int reg_inval_with_qi;	/* CCMD/IOTLB register use while QI is on */
	unsigned int qie_bad;		/* QI enabled with IQT != 0 or no IQA */
	/* interrupt remapping */
	uint64_t irta, irta_latched;
	unsigned int sirtp_count, iec_global, iec_index;
	uint16_t last_iec_index;
	unsigned int ire_bad;		/* IRE set without QI or without a latched table */
	unsigned int at_qie, at_sirtp, at_cfi, at_ire;	/* gcmd_writes when each took effect */
	struct vtm_iec iec[VTM_CACHE];
};

struct vtm {
	struct vtm_unit units[VTM_MAX_UNITS];
	unsigned int unit_count;
	uint64_t delay_us;		/* total time the driver waited */
	unsigned int flushes;		/* flush_cache calls */
	void *mem_ctx;			/* struct pgt_test_mem holding the tables */
	const struct pgtable_ops *mem;
};

/** Make @p m the model vtm_dma() walks tables of. */
void vtm_attach(struct vtm *m);

/** Add a unit at @p base with default capabilities (4-level, 2 MiB, 16 domains). */
struct vtm_unit *vtm_add_unit(struct vtm *m, uint64_t base);

/** The ops table for vtd_setup(); its ctx is the struct vtm. */
extern const struct vtd_ops vtm_ops;

/**
 * DMA from @p bdf to @p iova through unit @p u, as hardware does it: with
 * translation off the address passes; otherwise root/context/second-level
 * walk (through the caches), and on failure a fault is recorded.
 * @return 0 and *hpa, or the fault reason
 */
int vtm_dma(struct vtm_unit *u, uint16_t bdf, uint64_t iova, bool write, uint64_t *hpa);

/**
 * MSI write of (@p addr, @p data) by device @p sid through unit @p u: with
 * IR off or a compatibility-format address with CFI set it passes as is;
 * otherwise it is remapped through the interrupt entry cache or the table,
 * and a fault is recorded (unless the entry has FPD) when that fails.
 * @return 0 and *out, or the fault reason
 */
int vtm_msi(struct vtm_unit *u, uint16_t sid, uint32_t addr, uint32_t data, struct vtm_irq *out);

#endif /* VTD_MODEL_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VT-d DMA remapping, legacy translation mode (Intel VT-d spec §3.4, §9,
 * §10, §11).  All register access goes through struct vtd_ops so that the
 * same code runs against a register-level model in tests/unit/vtd.
 *
 * Layout: one root table per unit (256 root entries, one per bus) pointing
 * to context tables (256 entries, one per device/function); a context entry
 * points at the second-level table of the VM the device belongs to.  Every
 * VM with a device has one domain (domain ID vm->id + 1) whose second-level
 * table mirrors the guest memory of its EPT, shared by all units (all need
 * 4-level second-level tables, SAGAW bit 2).
 *
 * The Service VM's domain (vtd_attach_service_vm()) holds every device no
 * User VM has.  Rather than 256 context tables per unit (1 MiB), each unit
 * has one shared context table whose entries all point at it, and every bus
 * root entry points there; a bus gets a private copy (one page) the first
 * time a device on it is assigned to a User VM, so editing that device's
 * entry never touches another bus; when its last User VM device goes back
 * the bus returns to the shared table and the copy is freed.  Assignment
 * moves a device's entry from the Service VM's domain to the User VM's and
 * back.  Attach turns
 * translation on; without a Service VM translation stays off on a unit until
 * a device behind it is assigned (with TE set, DMA of every device without a
 * present context entry is blocked).
 *
 * Invalidation goes through the invalidation queue (§6.5.2) on units with
 * ECAP.QI, else through the CCMD/IOTLB registers (§6.5.1).  Every submission
 * ends with a wait descriptor writing a fresh sequence number to a status
 * word, and is polled for like a register handshake.  Units with ECAP.IR
 * and a working queue get an interrupt remapping table (§5.1, §9.10) of
 * VTD_IRT_ENTRIES entries that the passthrough code fills via vtd_irte_set();
 * compatibility-format interrupts keep passing (GCMD.CFI) so that devices
 * not yet programmed with remappable MSIs, and the IOAPIC, work unchanged.
 */
#define pr_fmt(fmt) "vtd: " fmt
#include <arch/x86/vtd.h>
#include <arch/x86/spinlock.h>
#include <common/log.h>
#include <common/vm.h>
#include <lib/errno.h>
#include <lib/string.h>
#include <lib/util.h>

/* ---- register layout, VT-d §11.4 ---------------------------------------- */

#define VTD_REG_VER	0x00U
#define VTD_REG_CAP	0x08U
#define VTD_REG_ECAP	0x10U
#define VTD_REG_GCMD	0x18U
#define VTD_REG_GSTS	0x1CU
#define VTD_REG_RTADDR	0x20U
#define VTD_REG_CCMD	0x28U
#define VTD_REG_FSTS	0x34U
#define VTD_REG_FECTL	0x38U
#define VTD_REG_IQH	0x80U
#define VTD_REG_IQT	0x88U
#define VTD_REG_IQA	0x90U
#define VTD_REG_IRTA	0xB8U

/* Fields: F(name, first bit, width).  One table per register or entry. */
#define VTD_FIELD_ENUM(name, shift, width) name##_SHIFT = (shift), name##_WIDTH = (width),
#define FMASK(name)	(((width_mask(name##_WIDTH)) << name##_SHIFT))
#define FGET(name, v)	(((uint64_t)(v) >> name##_SHIFT) & width_mask(name##_WIDTH))
#define FSET(name, x)	(((uint64_t)(x) & width_mask(name##_WIDTH)) << name##_SHIFT)

static inline uint64_t width_mask(unsigned int w)
{
	return w >= 64U ? ~0ULL : (1ULL << w) - 1U;
}

/* §11.4.2 Capability register. */
#define CAP_LAYOUT(F)			\
	F(CAP_ND,	0,  3)		\
	F(CAP_RWBF,	4,  1)		\
	F(CAP_CM,	7,  1)		\
	F(CAP_SAGAW,	8,  5)		\
	F(CAP_MGAW,	16, 6)		\
	F(CAP_FRO,	24, 10)		\
	F(CAP_SLLPS,	34, 4)		\
	F(CAP_NFR,	40, 8)

/* §11.4.3 Extended capability register. */
#define ECAP_LAYOUT(F)			\
	F(ECAP_C,	0,  1)		\
	F(ECAP_QI,	1,  1)		\
	F(ECAP_IR,	3,  1)		\
	F(ECAP_PT,	6,  1)		\
	F(ECAP_SC,	7,  1)		\
	F(ECAP_IRO,	8,  10)

/* §11.4.4/5 Global command and status: same bit for a command and its status. */
#define GCMD_LAYOUT(F)			\
	F(GCMD_CFI,	23, 1)		\
	F(GCMD_SIRTP,	24, 1)		\
	F(GCMD_IRE,	25, 1)		\
	F(GCMD_QIE,	26, 1)		\
	F(GCMD_WBF,	27, 1)		\
	F(GCMD_SRTP,	30, 1)		\
	F(GCMD_TE,	31, 1)

/* §11.4.7.1 Context command register. */
#define CCMD_LAYOUT(F)			\
	F(CCMD_DID,	0,  16)		\
	F(CCMD_SID,	16, 16)		\
	F(CCMD_FM,	32, 2)		\
	F(CCMD_CAIG,	59, 2)		\
	F(CCMD_CIRG,	61, 2)		\
	F(CCMD_ICC,	63, 1)

/* §11.4.8.1 IOTLB invalidate register (at ECAP.IRO * 16 + 8). */
#define IOTLB_LAYOUT(F)			\
	F(IOTLB_DID,	32, 16)		\
	F(IOTLB_DW,	48, 1)		\
	F(IOTLB_DR,	49, 1)		\
	F(IOTLB_IAIG,	57, 2)		\
	F(IOTLB_IIRG,	60, 2)		\
	F(IOTLB_IVT,	63, 1)

/* §11.4.9.1/2 Fault status and event control. */
#define FAULT_LAYOUT(F)			\
	F(FSTS_PFO,	0,  1)		\
	F(FSTS_PPF,	1,  1)		\
	F(FSTS_IQE,	4,  1)		\
	F(FSTS_ICE,	5,  1)		\
	F(FSTS_ITE,	6,  1)		\
	F(FSTS_FRI,	8,  8)		\
	F(FECTL_IM,	31, 1)

/* §11.4.14 Fault recording register, upper 64 bits (lower: FI in 63:12,
 * for interrupt requests the interrupt index in 63:48). */
#define FRCD_LAYOUT(F)			\
	F(FRCD_LO_IIDX,	48, 16)		\
	F(FRCD_SID,	0,  16)		\
	F(FRCD_FR,	32, 8)		\
	F(FRCD_T,	62, 1)		\
	F(FRCD_F,	63, 1)

/* §9.1 root entry (low 64 bits) and §9.3 context entry (both halves). */
#define ENTRY_LAYOUT(F)			\
	F(RE_P,		0,  1)		\
	F(RE_CTP,	12, 52)		\
	F(CE_P,		0,  1)		\
	F(CE_FPD,	1,  1)		\
	F(CE_TT,	2,  2)		\
	F(CE_SLPTPTR,	12, 52)		\
	F(CE_AW,	0,  3)		\
	F(CE_DID,	8,  16)

/*
 * IQA_REG, IQH_REG/IQT_REG (index of 128-bit descriptors) of §11.4, and
 * the §6.5.2 invalidation descriptors (first qword unless _HI).
 */
#define QI_LAYOUT(F)			\
	F(IQA_QS,	0,  3)		\
	F(IQA_DW,	11, 1)		\
	F(IQA_ADDR,	12, 52)		\
	F(IQ_IDX,	4,  15)		\
	F(DSC_TYPE,	0,  4)		\
	F(DSC_G,	4,  2)		\
	F(DSC_DID,	16, 16)		\
	F(DSC_IOTLB_DW,	6,  1)		\
	F(DSC_IOTLB_DR,	7,  1)		\
	F(DSC_IEC_G,	4,  1)		\
	F(DSC_IEC_IM,	27, 5)		\
	F(DSC_IEC_IIDX,	32, 16)		\
	F(DSC_WAIT_SW,	5,  1)		\
	F(DSC_WAIT_DATA, 32, 32)	\
	F(DSC_WAIT_ADDR_HI, 2, 62)

/*
 * IRTA_REG of §11.4, §9.10 IRTE for remapped interrupts (xAPIC destination;
 * _HI fields in the second qword), §5.1 remappable-format MSI address.
 */
#define IR_LAYOUT(F)			\
	F(IRTA_S,	0,  4)		\
	F(IRTA_EIME,	11, 1)		\
	F(IRTA_ADDR,	12, 52)		\
	F(IRTE_P,	0,  1)		\
	F(IRTE_FPD,	1,  1)		\
	F(IRTE_DM,	2,  1)		\
	F(IRTE_RH,	3,  1)		\
	F(IRTE_TM,	4,  1)		\
	F(IRTE_DLM,	5,  3)		\
	F(IRTE_V,	16, 8)		\
	F(IRTE_DST_XAPIC, 40, 8)	\
	F(IRTE_SID_HI,	0,  16)		\
	F(IRTE_SQ_HI,	16, 2)		\
	F(IRTE_SVT_HI,	18, 2)		\
	F(MSI_HANDLE_15, 2, 1)		\
	F(MSI_SHV,	3,  1)		\
	F(MSI_REMAPPABLE, 4, 1)		\
	F(MSI_HANDLE,	5,  15)

enum {
	CAP_LAYOUT(VTD_FIELD_ENUM)
	ECAP_LAYOUT(VTD_FIELD_ENUM)
	GCMD_LAYOUT(VTD_FIELD_ENUM)
	CCMD_LAYOUT(VTD_FIELD_ENUM)
	IOTLB_LAYOUT(VTD_FIELD_ENUM)
	FAULT_LAYOUT(VTD_FIELD_ENUM)
	FRCD_LAYOUT(VTD_FIELD_ENUM)
	ENTRY_LAYOUT(VTD_FIELD_ENUM)
	QI_LAYOUT(VTD_FIELD_ENUM)
	IR_LAYOUT(VTD_FIELD_ENUM)
};

#define GRAN_GLOBAL	1U	/* CIRG / IIRG: global invalidation */
#define GRAN_DOMAIN	2U	/* CIRG / IIRG: domain-selective */
#define DSC_CC		1U	/* §6.5.2 descriptor types */
#define DSC_IOTLB	2U
#define DSC_IEC		4U
#define DSC_WAIT	5U
#define VTD_QI_LEN	256U	/* IQA.QS = 0: one page of 128-bit descriptors */
#define IRTA_S_256	7U	/* 2^(S+1) = VTD_IRT_ENTRIES entries, one page */
#define SVT_SID		1U	/* verify the requester against SID, SQ */
#define SQ_ALL_BITS	0U	/* compare all 16 bits of the requester ID */
#define MSI_ADDR_BASE	0xFEE00000U
#define FSTS_QI_ERRORS	(FMASK(FSTS_IQE) | FMASK(FSTS_ICE) | FMASK(FSTS_ITE))
#define CE_TT_UNTRANSLATED 0U	/* §9.3: untranslated requests through the second level */
#define CE_AW_48	2U	/* 4-level table, 48-bit guest address width */
#define SAGAW_4LEVEL	BIT(2)
#define SLLPS_2M	BIT(0)
#define SLLPS_1G	BIT(1)
/* Persistent GSTS bits a GCMD write must repeat (§11.4.4: one command at a time). */
#define GSTS_KEEP	(FMASK(GCMD_TE) | FMASK(GCMD_QIE) | FMASK(GCMD_IRE) | FMASK(GCMD_CFI))

/* ---- state -------------------------------------------------------------- */

/* A root or context entry: 128 bits. */
struct vtd_entry {
	uint64_t lo;
	uint64_t hi;
};

struct vtd_unit {
	uint64_t reg;			/* register base */
	uint64_t cap, ecap;
	uint32_t iotlb_off;		/* IOTLB register */
	uint32_t frcd_off;		/* first fault recording register */
	uint32_t nfr;			/* number of fault recording registers */
	struct vtd_entry *root;		/* 256 entries, one per bus */
	struct vtd_entry *sos_ct;	/* shared context table: every entry -> Service VM */
	bool te;			/* translation enabled */
	struct vtd_entry *qi;		/* invalidation queue; NULL: register-based */
	uint32_t *qi_status;		/* page whose first word wait descriptors write */
	uint32_t qi_tail;		/* next descriptor slot */
	uint32_t qi_seq;		/* status data of the last wait descriptor */
	struct vtd_entry *irt;		/* interrupt remapping table, when allocated */
	bool ir;			/* interrupt remapping enabled */
	uint8_t irte_vm[VTD_IRT_ENTRIES];	/* owner vm->id + 1; 0: free */
};

struct vtd_domain {
	bool live;
	struct pgtable sl;
	uint32_t dev_count;
	uint16_t devs[VTD_MAX_DEVS_PER_VM];
};

static struct {
	const struct vtd_ops *ops;
	void *ctx;
	struct dmar_info info;
	uint32_t unit_count;
	int unit_of_dmar[DMAR_MAX_UNITS];	/* dmar unit index -> units[] index, -1 unusable */
	struct vtd_unit units[DMAR_MAX_UNITS];
	struct vtd_domain domains[MAX_VMS];
	bool allow_2m, allow_1g;
	struct vm *sos;		/* the Service VM once attached: owner of every unassigned device */
} vtd;

static spinlock_t vtd_lock = SPINLOCK_INIT;

/* ---- register helpers --------------------------------------------------- */

static uint32_t rd32(const struct vtd_unit *u, uint32_t off)
{
	return vtd.ops->read32(vtd.ctx, u->reg, off);
}

static uint64_t rd64(const struct vtd_unit *u, uint32_t off)
{
	return vtd.ops->read64(vtd.ctx, u->reg, off);
}

static void wr32(const struct vtd_unit *u, uint32_t off, uint32_t v)
{
	vtd.ops->write32(vtd.ctx, u->reg, off, v);
}

static void wr64(const struct vtd_unit *u, uint32_t off, uint64_t v)
{
	vtd.ops->write64(vtd.ctx, u->reg, off, v);
}

/* Make a table write visible to a unit that does not snoop its walks (§6.1). */
static void vtd_flush(const struct vtd_unit *u, const void *va, size_t len)
{
	if (!FGET(ECAP_C, u->ecap) && vtd.ops->flush_cache != NULL)
		vtd.ops->flush_cache(vtd.ctx, va, len);
}

/*
 * Poll a 32- or 64-bit register until (value & mask) == want, at most
 * VTD_POLL_TIMEOUT_US.  Hardware normally answers within microseconds; a
 * unit that never does must not hang the hypervisor.
 */
static int vtd_poll(const struct vtd_unit *u, uint32_t off, bool wide, uint64_t mask,
		    uint64_t want, const char *what)
{
	for (uint32_t t = 0; t <= VTD_POLL_TIMEOUT_US; t++) {
		uint64_t v = wide ? rd64(u, off) : rd32(u, off);

		if ((v & mask) == want)
			return 0;
		vtd.ops->delay_us(vtd.ctx, 1);
	}
	pr_err("unit %#llx: %s not acknowledged within %u us", (unsigned long long)u->reg, what,
	       VTD_POLL_TIMEOUT_US);
	return -ETIMEDOUT;
}

/* §10.4.4/5: set or clear one GCMD bit, keeping the others, and wait for GSTS. */
static int vtd_gcmd(const struct vtd_unit *u, uint32_t bit, bool on, const char *what)
{
	uint32_t sts = rd32(u, VTD_REG_GSTS) & (uint32_t)GSTS_KEEP;

	sts = on ? (sts | bit) : (sts & ~bit);
	wr32(u, VTD_REG_GCMD, sts);
	return vtd_poll(u, VTD_REG_GSTS, false, bit, on ? bit : 0U, what);
}

/* §6.5.1.1 register-based context-cache invalidation, global. */
static int vtd_inval_context(const struct vtd_unit *u)
{
	int ret;

	wr64(u, VTD_REG_CCMD, FMASK(CCMD_ICC) | FSET(CCMD_CIRG, GRAN_GLOBAL));
	ret = vtd_poll(u, VTD_REG_CCMD, true, FMASK(CCMD_ICC), 0, "context-cache invalidation");
	if (ret == 0 && FGET(CCMD_CAIG, rd64(u, VTD_REG_CCMD)) == 0U) {
		pr_err("unit %#llx: context-cache invalidation refused", (unsigned long long)u->reg);
		ret = -EIO;
	}
	return ret;
}

/* §6.5.1.2 register-based IOTLB invalidation, global (did 0) or of one domain. */
static int vtd_inval_iotlb(const struct vtd_unit *u, uint16_t did)
{
	uint64_t cmd = FMASK(IOTLB_IVT) | FMASK(IOTLB_DR) | FMASK(IOTLB_DW);
	int ret;

	cmd |= did == 0 ? FSET(IOTLB_IIRG, GRAN_GLOBAL) :
			  FSET(IOTLB_IIRG, GRAN_DOMAIN) | FSET(IOTLB_DID, did);
	wr64(u, u->iotlb_off, cmd);
	ret = vtd_poll(u, u->iotlb_off, true, FMASK(IOTLB_IVT), 0, "IOTLB invalidation");
	if (ret == 0 && FGET(IOTLB_IAIG, rd64(u, u->iotlb_off)) == 0U) {
		pr_err("unit %#llx: IOTLB invalidation refused", (unsigned long long)u->reg);
		ret = -EIO;
	}
	return ret;
}

/* ---- queued invalidation, §6.5.2 ----------------------------------------- */

static void vtd_qi_put(struct vtd_unit *u, uint64_t lo, uint64_t hi)
{
	struct vtd_entry *d = &u->qi[u->qi_tail];

	d->lo = lo;
	d->hi = hi;
	vtd_flush(u, d, sizeof(*d));
	u->qi_tail = (u->qi_tail + 1U) % VTD_QI_LEN;
}

static uint32_t vtd_qi_head(const struct vtd_unit *u)
{
	return (uint32_t)FGET(IQ_IDX, rd64(u, VTD_REG_IQH)) % VTD_QI_LEN;
}

/*
 * §6.5.2.10: on IQE the unit stops at the descriptor IQH points to until
 * IQE is cleared; that descriptor is replaced by a wait descriptor without
 * any action so the queue moves on.  ITE and ICE concern device-TLB
 * invalidations, which this driver does not submit: reported and cleared.
 */
static int vtd_qi_error(struct vtd_unit *u, uint32_t fsts)
{
	if (FGET(FSTS_IQE, fsts)) {
		uint32_t head = vtd_qi_head(u);
		struct vtd_entry *d = &u->qi[head];

		pr_err("unit %#llx: invalidation queue error at descriptor %u (%#llx %#llx), skipped",
		       (unsigned long long)u->reg, head, (unsigned long long)d->lo,
		       (unsigned long long)d->hi);
		d->lo = FSET(DSC_TYPE, DSC_WAIT);
		d->hi = 0;
		vtd_flush(u, d, sizeof(*d));
	}
	if (FGET(FSTS_ITE, fsts))
		pr_err("unit %#llx: invalidation time-out error", (unsigned long long)u->reg);
	if (FGET(FSTS_ICE, fsts))
		pr_err("unit %#llx: invalidation completion error", (unsigned long long)u->reg);
	wr32(u, VTD_REG_FSTS, fsts & (uint32_t)FSTS_QI_ERRORS);	/* RW1C */
	return -EIO;
}

static uint32_t vtd_qi_status(const struct vtd_unit *u)
{
	/* The unit writes the word behind the cache's back when it does not snoop. */
	vtd_flush(u, u->qi_status, sizeof(*u->qi_status));
	return *(volatile uint32_t *)u->qi_status;
}

/*
 * Wait for the status write of sequence number @p seq.  After a queue error
 * the wait descriptor may never write (it was the bad one, or the unit
 * dropped it): once the queue is drained the error is final.
 */
static int vtd_qi_wait(struct vtd_unit *u, uint32_t seq)
{
	int ret = 0;

	for (uint32_t t = 0; t <= VTD_POLL_TIMEOUT_US; t++) {
		uint32_t fsts;

		if (vtd_qi_status(u) == seq)
			return ret;
		fsts = rd32(u, VTD_REG_FSTS);
		if (fsts & (uint32_t)FSTS_QI_ERRORS)
			ret = vtd_qi_error(u, fsts);
		else if (ret != 0 && vtd_qi_head(u) == u->qi_tail)
			return ret;
		vtd.ops->delay_us(vtd.ctx, 1);
	}
	pr_err("unit %#llx: invalidation wait not completed within %u us",
	       (unsigned long long)u->reg, VTD_POLL_TIMEOUT_US);
	return -ETIMEDOUT;
}

/* Queue @p n descriptors and a wait descriptor with status write, then wait. */
static int vtd_qi_submit(struct vtd_unit *u, const struct vtd_entry *d, uint32_t n)
{
	uint32_t used = (u->qi_tail + VTD_QI_LEN - vtd_qi_head(u)) % VTD_QI_LEN;
	uint64_t status_pa = vtd.ops->mem->virt_to_phys(vtd.ctx, u->qi_status);

	/* Only a unit that stopped fetching leaves descriptors behind. */
	if (used + n + 1U >= VTD_QI_LEN) {
		pr_err("unit %#llx: invalidation queue full", (unsigned long long)u->reg);
		return -EBUSY;
	}
	if (++u->qi_seq == 0)
		u->qi_seq = 1;	/* 0 is what the status word starts as */
	for (uint32_t i = 0; i < n; i++)
		vtd_qi_put(u, d[i].lo, d[i].hi);
	vtd_qi_put(u, FSET(DSC_TYPE, DSC_WAIT) | FMASK(DSC_WAIT_SW) | FSET(DSC_WAIT_DATA, u->qi_seq),
		   status_pa & FMASK(DSC_WAIT_ADDR_HI));
	wr64(u, VTD_REG_IQT, FSET(IQ_IDX, u->qi_tail));
	return vtd_qi_wait(u, u->qi_seq);
}

/*
 * Global context-cache (when @p context) and IOTLB invalidation, the IOTLB
 * of domain @p did only when did != 0, through the queue or the registers.
 */
static int vtd_invalidate(struct vtd_unit *u, bool context, uint16_t did)
{
	uint64_t dw_dr = FMASK(DSC_IOTLB_DW) | FMASK(DSC_IOTLB_DR);
	struct vtd_entry d[2];
	uint32_t n = 0;
	int ret;

	if (u->qi == NULL) {
		ret = context ? vtd_inval_context(u) : 0;
		return ret != 0 ? ret : vtd_inval_iotlb(u, did);
	}
	if (context)
		d[n++] = (struct vtd_entry){ FSET(DSC_TYPE, DSC_CC) | FSET(DSC_G, GRAN_GLOBAL), 0 };
	d[n++] = (struct vtd_entry){
		FSET(DSC_TYPE, DSC_IOTLB) | dw_dr |
		(did == 0 ? FSET(DSC_G, GRAN_GLOBAL) : FSET(DSC_G, GRAN_DOMAIN) | FSET(DSC_DID, did)),
		0 };
	return vtd_qi_submit(u, d, n);
}

/* Interrupt entry cache: everything (@p all) or entry @p index (§6.5.2.7). */
static int vtd_inval_iec(struct vtd_unit *u, bool all, uint16_t index)
{
	struct vtd_entry d = { FSET(DSC_TYPE, DSC_IEC), 0 };

	if (!all)
		d.lo |= FMASK(DSC_IEC_G) | FSET(DSC_IEC_IM, 0) | FSET(DSC_IEC_IIDX, index);
	return vtd_qi_submit(u, &d, 1);
}

/* QI bring-up (IQA_REG, IQT_REG): an empty queue, IQT = 0, then GCMD.QIE and GSTS.QIES. */
static int vtd_qi_enable(struct vtd_unit *u)
{
	const struct pgtable_ops *m = vtd.ops->mem;

	u->qi = m->alloc_page(vtd.ctx);
	u->qi_status = m->alloc_page(vtd.ctx);
	if (u->qi == NULL || u->qi_status == NULL)
		return -ENOMEM;
	vtd_flush(u, u->qi, PAGE_SIZE);
	vtd_flush(u, u->qi_status, sizeof(*u->qi_status));
	u->qi_tail = 0;
	wr64(u, VTD_REG_IQT, 0);
	/* DW = 0: 128-bit descriptors; QS = 0: VTD_QI_LEN of them. */
	wr64(u, VTD_REG_IQA, (m->virt_to_phys(vtd.ctx, u->qi) & FMASK(IQA_ADDR)) | FSET(IQA_QS, 0));
	return vtd_gcmd(u, (uint32_t)FMASK(GCMD_QIE), true, "queued invalidation enable");
}

/*
 * IR bring-up (§5.1, IRTA_REG): table pointer (SIRTP), interrupt entry cache flushed,
 * compatibility-format interrupts kept passing (CFI), then IRE.  EIME = 0:
 * xAPIC destinations (8-bit APIC IDs).
 */
static int vtd_ir_enable(struct vtd_unit *u)
{
	const struct pgtable_ops *m = vtd.ops->mem;
	int ret;

	u->irt = m->alloc_page(vtd.ctx);
	if (u->irt == NULL)
		return -ENOMEM;
	vtd_flush(u, u->irt, PAGE_SIZE);
	wr64(u, VTD_REG_IRTA, (m->virt_to_phys(vtd.ctx, u->irt) & FMASK(IRTA_ADDR)) |
	     FSET(IRTA_S, IRTA_S_256));
	ret = vtd_gcmd(u, (uint32_t)FMASK(GCMD_SIRTP), true, "interrupt remapping table pointer");
	if (ret == 0)
		ret = vtd_inval_iec(u, true, 0);
	if (ret == 0)
		ret = vtd_gcmd(u, (uint32_t)FMASK(GCMD_CFI), true, "compatibility-format interrupts");
	if (ret == 0)
		ret = vtd_gcmd(u, (uint32_t)FMASK(GCMD_IRE), true, "interrupt remapping enable");
	u->ir = ret == 0;
	return ret;
}

/* ---- unit bring-up ------------------------------------------------------ */

static void vtd_unit_free(struct vtd_unit *u)
{
	const struct pgtable_ops *m = vtd.ops->mem;
	void *pages[] = { u->qi, u->qi_status, u->irt };

	for (uint32_t i = 0; i < ARRAY_SIZE(pages); i++) {
		if (pages[i] != NULL)
			m->free_page(vtd.ctx, pages[i]);
	}
	u->qi = NULL;
	u->qi_status = NULL;
	u->irt = NULL;
	u->ir = false;
	if (u->root == NULL)
		return;
	for (uint32_t bus = 0; bus < 256U; bus++) {
		void *ct;

		if (!FGET(RE_P, u->root[bus].lo))
			continue;
		ct = m->phys_to_virt(vtd.ctx, u->root[bus].lo & FMASK(RE_CTP));
		if (ct != u->sos_ct)	/* the shared one is freed once, below */
			m->free_page(vtd.ctx, ct);
	}
	if (u->sos_ct != NULL)
		m->free_page(vtd.ctx, u->sos_ct);
	u->sos_ct = NULL;
	m->free_page(vtd.ctx, u->root);
	u->root = NULL;
}

/* Firmware (or an earlier kernel) may have left translation, IR or QI on. */
static int vtd_unit_quiesce(const struct vtd_unit *u)
{
	const struct {
		uint32_t bit;
		const char *what;
	} off[] = {
		{ (uint32_t)FMASK(GCMD_TE), "translation disable" },
		{ (uint32_t)FMASK(GCMD_IRE), "interrupt remapping disable" },
		{ (uint32_t)FMASK(GCMD_QIE), "queued invalidation disable" },	/* IR needs it: last */
	};

	for (uint32_t i = 0; i < ARRAY_SIZE(off); i++) {
		int ret = 0;

		if (rd32(u, VTD_REG_GSTS) & off[i].bit)
			ret = vtd_gcmd(u, off[i].bit, false, off[i].what);
		if (ret != 0)
			return ret;
	}
	return 0;
}

/*
 * §10.4: read the capabilities, install an empty root table (SRTP), flush
 * the caches the unit may hold from firmware, leave translation off.
 */
static int vtd_unit_init(struct vtd_unit *u, const struct dmar_unit *d)
{
	const struct pgtable_ops *m = vtd.ops->mem;
	int ret;

	memset(u, 0, sizeof(*u));
	u->reg = d->reg_base;
	u->cap = rd64(u, VTD_REG_CAP);
	u->ecap = rd64(u, VTD_REG_ECAP);
	u->iotlb_off = (uint32_t)FGET(ECAP_IRO, u->ecap) * 16U + 8U;
	u->frcd_off = (uint32_t)FGET(CAP_FRO, u->cap) * 16U;
	u->nfr = (uint32_t)FGET(CAP_NFR, u->cap) + 1U;
	pr_info("unit %#llx: version %#x, cap %#llx, ecap %#llx", (unsigned long long)u->reg,
		rd32(u, VTD_REG_VER), (unsigned long long)u->cap, (unsigned long long)u->ecap);
	if (!(FGET(CAP_SAGAW, u->cap) & SAGAW_4LEVEL)) {
		pr_warn("unit %#llx: no 4-level second-level tables (SAGAW %#llx): not used",
			(unsigned long long)u->reg, (unsigned long long)FGET(CAP_SAGAW, u->cap));
		return -ENOTSUP;
	}
	/* With TE left on, our empty root table would block all DMA. */
	ret = vtd_unit_quiesce(u);
	if (ret != 0)
		return ret;
	u->root = m->alloc_page(vtd.ctx);
	if (u->root == NULL)
		return -ENOMEM;
	vtd_flush(u, u->root, PAGE_SIZE);
	/* Fault events are polled (vtd_report_faults), not signalled. */
	wr32(u, VTD_REG_FECTL, (uint32_t)FMASK(FECTL_IM));
	wr64(u, VTD_REG_RTADDR, m->virt_to_phys(vtd.ctx, u->root));	/* RTT = 0: legacy */
	ret = vtd_gcmd(u, (uint32_t)FMASK(GCMD_SRTP), true, "root table pointer");
	if (ret == 0 && FGET(ECAP_QI, u->ecap))
		ret = vtd_qi_enable(u);
	if (ret == 0)
		ret = vtd_invalidate(u, true, 0);
	if (ret != 0) {
		vtd_unit_free(u);
		return ret;
	}
	/* Without the queue there is no way to flush the interrupt entry cache. */
	if (FGET(ECAP_IR, u->ecap) && u->qi == NULL)
		pr_warn("unit %#llx: interrupt remapping needs queued invalidation: not used",
			(unsigned long long)u->reg);
	else if (FGET(ECAP_IR, u->ecap) && vtd_ir_enable(u) != 0)
		pr_warn("unit %#llx: interrupt remapping not used", (unsigned long long)u->reg);
	pr_info("unit %#llx: %s invalidation, interrupt remapping %s", (unsigned long long)u->reg,
		u->qi != NULL ? "queued" : "register-based", u->ir ? "on" : "off");
	return 0;
}

void vtd_teardown(void)
{
	if (vtd.ops != NULL) {
		for (uint32_t i = 0; i < MAX_VMS; i++) {
			if (vtd.domains[i].live)
				pgtable_destroy(&vtd.domains[i].sl);
		}
		for (uint32_t i = 0; i < vtd.unit_count; i++)
			vtd_unit_free(&vtd.units[i]);
	}
	memset(&vtd, 0, sizeof(vtd));
}

int vtd_setup(const struct dmar_info *info, const struct vtd_ops *ops, void *ctx)
{
	int ret = -ENODEV;
	bool all_2m = true, all_1g = true;

	vtd_teardown();
	if (info == NULL || ops == NULL || ops->mem == NULL)
		return -ENODEV;
	vtd.ops = ops;
	vtd.ctx = ctx;
	vtd.info = *info;
	for (uint32_t i = 0; i < info->unit_count && i < DMAR_MAX_UNITS; i++) {
		struct vtd_unit *u = &vtd.units[vtd.unit_count];
		int r = vtd_unit_init(u, &info->units[i]);

		vtd.unit_of_dmar[i] = -1;
		if (r != 0) {
			ret = r;
			pr_err("unit %#llx unusable (%d): devices behind it cannot be assigned",
			       (unsigned long long)info->units[i].reg_base, r);
			continue;
		}
		vtd.unit_of_dmar[i] = (int)vtd.unit_count++;
		all_2m = all_2m && (FGET(CAP_SLLPS, u->cap) & SLLPS_2M);
		all_1g = all_1g && (FGET(CAP_SLLPS, u->cap) & SLLPS_1G);
	}
	if (vtd.unit_count == 0) {
		vtd.ops = NULL;
		return ret;
	}
	/* The domains' tables are shared, so leaves only as large as every unit knows. */
	vtd.allow_2m = all_2m;
	vtd.allow_1g = all_2m && all_1g;
	pr_info("%u remapping unit(s) ready, %u RMRR(s)", vtd.unit_count, info->rmrr_count);
	return 0;
}

bool vtd_present(void)
{
	return vtd.unit_count > 0;
}

int vtd_unit_regs(uint32_t i, uint64_t *base, uint64_t *size)
{
	const struct vtd_unit *u;
	uint32_t end;

	if (!vtd_present() || i >= vtd.info.unit_count)
		return -ENOENT;
	*base = vtd.info.units[i].reg_base;
	*size = PAGE_SIZE;
	if (vtd.unit_of_dmar[i] < 0)
		return 0;
	u = &vtd.units[vtd.unit_of_dmar[i]];
	/* IRO and FRO are 10-bit fields (x16 bytes): at most 16 KiB + the registers. */
	end = MAX(u->iotlb_off + 16U, u->frcd_off + u->nfr * 16U);
	*size = MAX((uint64_t)PAGE_SIZE, ALIGN_UP((uint64_t)end, PAGE_SIZE));
	return 0;
}

/* ---- domains ------------------------------------------------------------ */

/* CAP.ND = 0 still gives 16 domain IDs (§11.4.2): enough for vm->id + 1, 0 unused. */
_Static_assert(MAX_VMS < 16, "domain IDs vm->id + 1 must fit the smallest CAP.ND");

static uint16_t vtd_did(const struct vm *vm)
{
	return (uint16_t)(vm->id + 1U);	/* 0 stays unused (reserved when CAP.CM = 1) */
}

/*
 * Copy every guest-accessible page of the VM's EPT into the second-level
 * table, leaf by leaf.  Unmapped blocks are skipped whole (pgtable_query
 * reports their size), so a sparse 48-bit space costs a few queries.
 */
static int vtd_domain_mirror(struct vtd_domain *d, const struct vm *vm)
{
	uint64_t va = 0;

	while (va < PGTABLE_VA_LIMIT) {
		uint64_t pa, size;
		uint32_t prot;
		int ret = pgtable_query(&vm->ept, va, &pa, &prot, &size);

		if (ret == -ENOENT) {
			va = ALIGN_DOWN(va, size) + size;
			continue;
		}
		if (ret != 0)
			return ret;
		prot &= PGT_R | PGT_W;
		if (prot != 0) {
			ret = pgtable_map(&d->sl, va, pa, size, prot | PGT_LARGE_OK);
			if (ret != 0)
				return ret;
		}
		va += size;
	}
	return 0;
}

/*
 * Identity-map the RMRRs naming @p bdf (every RMRR of segment 0 when @p all:
 * the Service VM's domain serves all its devices, also those behind bridges
 * whose scopes are not resolved): firmware keeps DMA-ing there (§8.4).
 */
static int vtd_domain_rmrr(struct vtd_domain *d, uint16_t bdf, bool all)
{
	for (uint32_t i = 0; i < vtd.info.rmrr_count; i++) {
		const struct dmar_rmrr *r = &vtd.info.rmrrs[i];
		uint64_t base = ALIGN_DOWN(r->base, PAGE_SIZE);
		uint64_t end = ALIGN_UP(r->limit + 1U, PAGE_SIZE);
		bool named = all;
		int ret;

		for (uint32_t s = 0; s < r->scope_count && !named; s++)
			named = r->scopes[s].resolved && r->scopes[s].bdf == bdf;
		if (r->segment != 0 || !named)
			continue;
		if (end <= base || end > PGTABLE_VA_LIMIT)
			return -EINVAL;
		ret = pgtable_map(&d->sl, base, base, end - base, PGT_R | PGT_W);
		if (ret != 0)
			return ret;
		if (all)
			pr_info("Service VM: RMRR %#llx-%#llx identity-mapped",
				(unsigned long long)r->base, (unsigned long long)r->limit);
		else
			pr_info("%02x:%02x.%x: RMRR %#llx-%#llx identity-mapped", bdf >> 8,
				(bdf >> 3) & 0x1FU, bdf & 7U, (unsigned long long)r->base,
				(unsigned long long)r->limit);
	}
	return 0;
}

static int vtd_domain_get(struct vm *vm, struct vtd_domain **out)
{
	struct vtd_domain *d = &vtd.domains[vm->id];
	int ret;

	if (!d->live) {
		ret = pgtable_init(&d->sl, PGT_FMT_VTD, vtd.ops->mem, vtd.ctx, vtd.allow_1g);
		if (ret != 0)
			return ret;
		pgtable_set_leaf_sizes(&d->sl, vtd.allow_2m, vtd.allow_1g);
		d->live = true;
		d->dev_count = 0;
		ret = vtd_domain_mirror(d, vm);
		if (ret != 0) {
			pgtable_destroy(&d->sl);
			d->live = false;
			return ret;
		}
	}
	*out = d;
	return 0;
}

static bool vtd_is_sos_domain(const struct vtd_domain *d)
{
	return vtd.sos != NULL && d == &vtd.domains[vtd.sos->id];
}

/* Free a User VM's domain with its last device; the Service VM's stays. */
static void vtd_domain_put(struct vtd_domain *d)
{
	if (d->live && d->dev_count == 0 && !vtd_is_sos_domain(d)) {
		pgtable_destroy(&d->sl);
		d->live = false;
	}
}

/* ---- context entries ---------------------------------------------------- */

/* Common checks of the exported calls: VT-d present, a valid VM, @p args_ok. */
static int vtd_check_vm(const struct vm *vm, bool args_ok)
{
	if (!vtd_present())
		return -ENODEV;
	return vm != NULL && vm->id < MAX_VMS && args_ok ? 0 : -EINVAL;
}

static struct vtd_unit *vtd_unit_of(uint16_t bdf)
{
	int i = dmar_unit_for(&vtd.info, bdf);

	if (i < 0 || vtd.unit_of_dmar[i] < 0)
		return NULL;
	return &vtd.units[vtd.unit_of_dmar[i]];
}

/* The physical address a root entry or context table page stands for. */
static uint64_t vtd_pa(const void *va)
{
	return vtd.ops->mem->virt_to_phys(vtd.ctx, va);
}

/* §9.3: fill a context entry, the high half first, the present bit last. */
static void vtd_ce_set(const struct vtd_unit *u, struct vtd_entry *ce, uint16_t did,
		       const struct vtd_domain *d)
{
	ce->hi = FSET(CE_AW, CE_AW_48) | FSET(CE_DID, did);
	vtd_flush(u, ce, sizeof(*ce));
	ce->lo = (pgtable_root_pa(&d->sl) & FMASK(CE_SLPTPTR)) |
		 FSET(CE_TT, CE_TT_UNTRANSLATED) | FMASK(CE_P);
	vtd_flush(u, ce, sizeof(*ce));
}

/* Make a context entry not present, then clear the rest. */
static void vtd_ce_clear(const struct vtd_unit *u, struct vtd_entry *ce)
{
	ce->lo = 0;
	vtd_flush(u, ce, sizeof(*ce));
	ce->hi = 0;
	vtd_flush(u, ce, sizeof(*ce));
}

static uint16_t vtd_sos_did(void)
{
	return vtd.sos != NULL ? vtd_did(vtd.sos) : 0U;
}

static void vtd_ce_set_sos(const struct vtd_unit *u, struct vtd_entry *ce)
{
	vtd_ce_set(u, ce, vtd_sos_did(), &vtd.domains[vtd.sos->id]);
}

/*
 * The context entry of @p bdf.  With @p create a missing context table is
 * allocated, and a bus still on the unit's shared Service VM table gets its
 * own copy of it (copy-on-write: the copy starts with the same entries, so
 * the unit sees no change until the caller edits one of them).
 * @return the entry, NULL when absent (!create) or out of memory (create)
 */
static struct vtd_entry *vtd_context(struct vtd_unit *u, uint16_t bdf, bool create)
{
	const struct pgtable_ops *m = vtd.ops->mem;
	struct vtd_entry *re = &u->root[bdf >> 8];
	struct vtd_entry *ct = NULL, *copy;

	if (FGET(RE_P, re->lo)) {
		ct = m->phys_to_virt(vtd.ctx, re->lo & FMASK(RE_CTP));
		if (!create || ct != u->sos_ct)
			return &ct[bdf & 0xFFU];
	} else if (!create) {
		return NULL;
	}
	copy = m->alloc_page(vtd.ctx);
	if (copy == NULL)
		return NULL;
	if (ct != NULL)
		memcpy(copy, ct, PAGE_SIZE);
	vtd_flush(u, copy, PAGE_SIZE);
	re->hi = 0;
	re->lo = (vtd_pa(copy) & FMASK(RE_CTP)) | FMASK(RE_P);	/* one 64-bit store */
	vtd_flush(u, re, sizeof(*re));
	return &copy[bdf & 0xFFU];
}

int vtd_assign_device(struct vm *vm, uint16_t bdf)
{
	struct vtd_domain *d;
	struct vtd_unit *u;
	struct vtd_entry *ce;
	uint16_t did, from = 0;
	int ret;

	ret = vtd_check_vm(vm, true);
	if (ret != 0)
		return ret;
	did = vtd_did(vm);
	spin_lock(&vtd_lock);
	u = vtd_unit_of(bdf);
	if (u == NULL) {
		ret = -ENODEV;
		goto out;
	}
	ce = vtd_context(u, bdf, false);
	if (ce != NULL && FGET(CE_P, ce->lo))
		from = (uint16_t)FGET(CE_DID, ce->hi);
	/*
	 * Already there: nothing to do (for the Service VM, whose domain holds
	 * every device no User VM has).  Only a device of the Service VM moves;
	 * one of another User VM must be unassigned from it first.
	 */
	if (from != 0 && (from == did || from != vtd_sos_did() || vm == vtd.sos)) {
		ret = from == did ? 0 : -EBUSY;
		goto out;
	}
	if (vm == vtd.sos) {
		ret = -EBUSY;	/* not reachable while the Service VM's entries are all present */
		goto out;
	}
	/* Everything that may fail (memory) before the device leaves its domain. */
	ret = vtd_domain_get(vm, &d);
	if (ret != 0)
		goto out;
	if (d->dev_count == VTD_MAX_DEVS_PER_VM) {
		ret = -ENOSPC;
		goto put;
	}
	ret = vtd_domain_rmrr(d, bdf, false);
	if (ret != 0)
		goto put;
	ce = vtd_context(u, bdf, true);
	if (ce == NULL) {
		ret = -ENOMEM;
		goto put;
	}
	if (from != 0) {
		/* A present entry is not rewritten in place: not present, flushed, then the new one. */
		vtd_ce_clear(u, ce);
		ret = vtd_invalidate(u, true, from);
		if (ret != 0) {
			vtd_ce_set_sos(u, ce);	/* the device stays with the Service VM */
			goto put;
		}
	}
	vtd_ce_set(u, ce, did, d);
	d->devs[d->dev_count++] = bdf;
	ret = vtd_invalidate(u, true, did);
	if (ret == 0 && !u->te) {
		ret = vtd_gcmd(u, (uint32_t)FMASK(GCMD_TE), true, "translation enable");
		u->te = ret == 0;
	}
	if (ret == 0)
		pr_info("%02x:%02x.%x assigned to VM %u (domain %u%s)", bdf >> 8, (bdf >> 3) & 0x1FU,
			bdf & 7U, vm->id, did, from != 0 ? ", from the Service VM's" : "");
	goto out;	/* the entry stays: unassign undoes it even after a timeout */
put:
	vtd_domain_put(d);
out:
	spin_unlock(&vtd_lock);
	return ret;
}

/*
 * A bus whose private context table is the shared one again (its last User
 * VM device went back) returns to the shared table; the copy is freed once
 * the context cache is known to have forgotten it, else it stays in use.
 */
static int vtd_ct_reclaim(struct vtd_unit *u, uint16_t bus)
{
	const struct pgtable_ops *m = vtd.ops->mem;
	struct vtd_entry *re = &u->root[bus];
	struct vtd_entry *ct = m->phys_to_virt(vtd.ctx, re->lo & FMASK(RE_CTP));
	uint64_t own = re->lo;
	int ret;

	if (ct == u->sos_ct || memcmp(ct, u->sos_ct, PAGE_SIZE) != 0)
		return 0;
	re->lo = (vtd_pa(u->sos_ct) & FMASK(RE_CTP)) | FMASK(RE_P);
	vtd_flush(u, re, sizeof(*re));
	ret = vtd_invalidate(u, true, vtd_sos_did());
	if (ret != 0) {
		re->lo = own;	/* same entries either way: keep the copy */
		vtd_flush(u, re, sizeof(*re));
		return ret;
	}
	m->free_page(vtd.ctx, ct);
	return 0;
}

/*
 * Called with vtd_lock held.  The device goes back to the Service VM's
 * domain when there is one, else it is blocked (context entry not present).
 */
static int vtd_unassign_locked(struct vm *vm, uint16_t bdf)
{
	struct vtd_domain *d = &vtd.domains[vm->id];
	uint16_t did = vtd_did(vm);
	struct vtd_unit *u = vtd_unit_of(bdf);
	struct vtd_entry *ce = u != NULL ? vtd_context(u, bdf, false) : NULL;
	uint32_t i;
	int ret;

	if (vm == vtd.sos || ce == NULL || !FGET(CE_P, ce->lo) || FGET(CE_DID, ce->hi) != did ||
	    !d->live)
		return -ENOENT;
	vtd_ce_clear(u, ce);
	ret = vtd_invalidate(u, true, did);
	for (i = 0; i < d->dev_count && d->devs[i] != bdf; i++)
		;
	if (i < d->dev_count)
		d->devs[i] = d->devs[--d->dev_count];
	/* Only free the table once the unit is known to have forgotten it. */
	if (ret == 0)
		vtd_domain_put(d);
	else
		pr_err("VM %u domain kept: the unit may still cache it", vm->id);
	if (vtd.sos != NULL) {
		int r;

		vtd_ce_set_sos(u, ce);
		r = vtd_invalidate(u, true, vtd_sos_did());
		if (r == 0)
			r = vtd_ct_reclaim(u, bdf >> 8);
		ret = ret != 0 ? ret : r;
	}
	return ret;
}

int vtd_unassign_device(struct vm *vm, uint16_t bdf)
{
	bool back;
	int ret;

	ret = vtd_check_vm(vm, true);
	if (ret != 0)
		return ret;
	spin_lock(&vtd_lock);
	ret = vtd_unassign_locked(vm, bdf);
	back = vtd.sos != NULL;
	spin_unlock(&vtd_lock);
	if (ret == 0)
		pr_info("%02x:%02x.%x removed from VM %u%s", bdf >> 8, (bdf >> 3) & 0x1FU, bdf & 7U,
			vm->id, back ? ", back to the Service VM" : "");
	return ret;
}

/*
 * Give every device under every unit to the Service VM's domain: one shared
 * context table per unit whose 256 entries all point at the domain, used by
 * every bus that has no table of its own; buses that already have one get
 * the Service VM in their free entries.  Then caches are flushed and
 * translation turned on.  Called with vtd_lock held, vtd.sos not yet set.
 */
static int vtd_sos_attach_locked(struct vm *sos)
{
	const struct pgtable_ops *m = vtd.ops->mem;
	uint16_t did = vtd_did(sos);
	struct vtd_domain *d;
	uint32_t fresh = 0;	/* units whose shared table this call allocated */
	int ret = 0;

	if (vtd.domains[sos->id].live)
		return -EBUSY;	/* devices were assigned to it as to a User VM */
	ret = vtd_domain_get(sos, &d);
	if (ret != 0)
		return ret;
	ret = vtd_domain_rmrr(d, 0, true);
	/* A unit keeps its shared table after a detach (root entries still point there). */
	for (uint32_t i = 0; ret == 0 && i < vtd.unit_count; i++) {
		if (vtd.units[i].sos_ct != NULL)
			continue;
		vtd.units[i].sos_ct = m->alloc_page(vtd.ctx);
		if (vtd.units[i].sos_ct == NULL)
			ret = -ENOMEM;
		else
			fresh |= 1U << i;
	}
	if (ret != 0) {
		for (uint32_t i = 0; i < vtd.unit_count; i++) {
			if (fresh & (1U << i)) {
				m->free_page(vtd.ctx, vtd.units[i].sos_ct);
				vtd.units[i].sos_ct = NULL;
			}
		}
		pgtable_destroy(&d->sl);
		d->live = false;
		return ret;
	}
	vtd.sos = sos;	/* nothing below allocates: the rest cannot be half done */
	for (uint32_t i = 0; i < vtd.unit_count; i++) {
		struct vtd_unit *u = &vtd.units[i];

		for (uint32_t k = 0; k < 256U; k++)
			vtd_ce_set(u, &u->sos_ct[k], did, d);
		for (uint32_t bus = 0; bus < 256U; bus++) {
			struct vtd_entry *re = &u->root[bus];
			struct vtd_entry *ct;

			if (!FGET(RE_P, re->lo)) {
				re->hi = 0;
				re->lo = (vtd_pa(u->sos_ct) & FMASK(RE_CTP)) | FMASK(RE_P);
				vtd_flush(u, re, sizeof(*re));
				continue;
			}
			ct = m->phys_to_virt(vtd.ctx, re->lo & FMASK(RE_CTP));
			for (uint32_t k = 0; k < 256U; k++) {
				if (!FGET(CE_P, ct[k].lo))
					vtd_ce_set(u, &ct[k], did, d);
			}
		}
	}
	for (uint32_t i = 0; i < vtd.unit_count; i++) {
		struct vtd_unit *u = &vtd.units[i];
		int r = vtd_invalidate(u, true, 0);

		if (r == 0 && !u->te) {
			r = vtd_gcmd(u, (uint32_t)FMASK(GCMD_TE), true, "translation enable");
			u->te = r == 0;
		}
		if (r == 0)
			pr_info("Service VM domain %u on unit %#llx, translation on", did,
				(unsigned long long)u->reg);
		else
			pr_err("unit %#llx: Service VM domain %u not in force (%d)",
			       (unsigned long long)u->reg, did, r);
		ret = ret != 0 ? ret : r;
	}
	return ret;
}

int vtd_attach_service_vm(struct vm *sos)
{
	int ret;

	ret = vtd_check_vm(sos, true);
	if (ret != 0)
		return ret;
	spin_lock(&vtd_lock);
	if (vtd.sos != NULL)
		ret = vtd.sos == sos ? 0 : -EBUSY;
	else
		ret = vtd_sos_attach_locked(sos);
	spin_unlock(&vtd_lock);
	return ret;
}

/*
 * The Service VM goes away: every entry of its domain becomes not present
 * (its devices are blocked, User VMs' devices stay), and the domain is freed
 * once every unit has forgotten it.  Called with vtd_lock held.
 */
static void vtd_sos_detach_locked(void)
{
	const struct pgtable_ops *m = vtd.ops->mem;
	uint16_t did = vtd_sos_did();
	int ret = 0;

	for (uint32_t i = 0; i < vtd.unit_count; i++) {
		struct vtd_unit *u = &vtd.units[i];
		int r;

		for (uint32_t bus = 0; bus < 256U; bus++) {
			struct vtd_entry *re = &u->root[bus];
			struct vtd_entry *ct;

			if (!FGET(RE_P, re->lo))
				continue;
			ct = m->phys_to_virt(vtd.ctx, re->lo & FMASK(RE_CTP));
			if (ct == u->sos_ct)
				continue;	/* cleared once, below */
			for (uint32_t k = 0; k < 256U; k++) {
				if (FGET(CE_P, ct[k].lo) && FGET(CE_DID, ct[k].hi) == did)
					vtd_ce_clear(u, &ct[k]);
			}
		}
		for (uint32_t k = 0; k < 256U; k++)
			vtd_ce_clear(u, &u->sos_ct[k]);
		r = vtd_invalidate(u, true, did);
		ret = ret != 0 ? ret : r;
	}
	if (ret == 0) {
		pgtable_destroy(&vtd.domains[vtd.sos->id].sl);
		vtd.domains[vtd.sos->id].live = false;
	} else {
		pr_err("Service VM domain kept: a unit may still cache it");
	}
	vtd.sos = NULL;
}

static int vtd_irte_clear_locked(struct vtd_unit *u, uint16_t index);

void vtd_release_vm(struct vm *vm)
{
	struct vtd_domain *d;

	if (!vtd_present() || vm == NULL || vm->id >= MAX_VMS)
		return;
	spin_lock(&vtd_lock);
	if (vm == vtd.sos)
		vtd_sos_detach_locked();
	d = &vtd.domains[vm->id];
	while (d->live && d->dev_count > 0) {
		if (vtd_unassign_locked(vm, d->devs[d->dev_count - 1U]) != 0)
			break;
	}
	for (uint32_t i = 0; i < vtd.unit_count; i++) {
		struct vtd_unit *u = &vtd.units[i];

		for (uint16_t k = 0; u->ir && k < VTD_IRT_ENTRIES; k++) {
			if (u->irte_vm[k] == vm->id + 1U)
				(void)vtd_irte_clear_locked(u, k);
		}
	}
	spin_unlock(&vtd_lock);
}

/* Flush the domain's IOTLB entries on every unit with translation on. */
static int vtd_flush_domain(uint16_t did)
{
	int ret = 0;

	for (uint32_t i = 0; i < vtd.unit_count; i++) {
		int r = vtd.units[i].te ? vtd_invalidate(&vtd.units[i], false, did) : 0;

		ret = ret != 0 ? ret : r;
	}
	return ret;
}

int vtd_map(struct vm *vm, uint64_t gpa, uint64_t hpa, uint64_t size, uint32_t prot)
{
	struct vtd_domain *d;
	int ret = 0;

	if (!vtd_present() || vm == NULL || vm->id >= MAX_VMS)
		return 0;
	spin_lock(&vtd_lock);
	d = &vtd.domains[vm->id];
	if (d->live && (prot & (PGT_R | PGT_W)) != 0) {
		ret = pgtable_map(&d->sl, gpa, hpa, size, (prot & (PGT_R | PGT_W)) | PGT_LARGE_OK);
		if (ret == 0)
			ret = vtd_flush_domain(vtd_did(vm));
	}
	spin_unlock(&vtd_lock);
	return ret;
}

int vtd_unmap(struct vm *vm, uint64_t gpa, uint64_t size)
{
	struct vtd_domain *d;
	int ret = 0;

	if (!vtd_present() || vm == NULL || vm->id >= MAX_VMS)
		return 0;
	spin_lock(&vtd_lock);
	d = &vtd.domains[vm->id];
	if (d->live) {
		ret = pgtable_unmap(&d->sl, gpa, size);
		if (ret == 0)
			ret = vtd_flush_domain(vtd_did(vm));
	}
	spin_unlock(&vtd_lock);
	return ret;
}

/* ---- interrupt remapping entries, §9.10 ----------------------------------- */

static bool vtd_irq_ok(const struct vtd_irq *irq)
{
	/* Vectors 0-15 are not deliverable; SMI, NMI, INIT, ExtINT are not for guests. */
	return irq != NULL && irq->vector >= 16U && irq->dest <= 0xFFU &&
	       (irq->delivery == VTD_DELIVERY_FIXED || irq->delivery == VTD_DELIVERY_LOWPRI);
}

/* The unit remapping @p sid's interrupts and whether @p vm may use its entry @p index. */
static int vtd_irte_lookup(const struct vm *vm, uint16_t sid, uint16_t index, struct vtd_unit **out)
{
	struct vtd_unit *u = vtd_unit_of(sid);

	if (u == NULL || !u->ir)
		return -ENODEV;
	*out = u;
	if (index == VTD_IRTE_NEW)
		return 0;
	if (index >= VTD_IRT_ENTRIES || u->irte_vm[index] != vm->id + 1U ||
	    FGET(IRTE_SID_HI, u->irt[index].hi) != sid)
		return -EPERM;
	return 0;
}

int vtd_irte_set(struct vm *vm, uint16_t sid, const struct vtd_irq *irq, uint16_t *index)
{
	struct vtd_unit *u;
	struct vtd_entry *e;
	uint16_t i;
	int ret;

	ret = vtd_check_vm(vm, vtd_irq_ok(irq) && index != NULL);
	if (ret != 0)
		return ret;
	spin_lock(&vtd_lock);
	i = *index;
	ret = vtd_irte_lookup(vm, sid, i, &u);
	if (ret != 0)
		goto out;
	if (i == VTD_IRTE_NEW) {
		for (i = 0; i < VTD_IRT_ENTRIES && u->irte_vm[i] != 0; i++)
			;
		if (i == VTD_IRT_ENTRIES) {
			ret = -ENOSPC;
			goto out;
		}
		u->irte_vm[i] = (uint8_t)(vm->id + 1U);
		*index = i;
	}
	e = &u->irt[i];
	if (!FGET(IRTE_P, e->lo)) {
		/* Source validation in place before the entry turns present. */
		e->hi = FSET(IRTE_SID_HI, sid) | FSET(IRTE_SQ_HI, SQ_ALL_BITS) | FSET(IRTE_SVT_HI, SVT_SID);
		vtd_flush(u, e, sizeof(*e));
	}
	/* One 64-bit store: the unit never sees half an update.  FPD = 0: faults recorded. */
	e->lo = FMASK(IRTE_P) | FSET(IRTE_DM, irq->logical) | FSET(IRTE_TM, irq->level) |
		FSET(IRTE_DLM, irq->delivery) | FSET(IRTE_V, irq->vector) |
		FSET(IRTE_DST_XAPIC, irq->dest);
	vtd_flush(u, e, sizeof(*e));
	ret = vtd_inval_iec(u, false, i);
out:
	spin_unlock(&vtd_lock);
	return ret;
}

/* Called with vtd_lock held. */
static int vtd_irte_clear_locked(struct vtd_unit *u, uint16_t index)
{
	struct vtd_entry *e = &u->irt[index];
	int ret;

	e->lo = 0;		/* not present first */
	vtd_flush(u, e, sizeof(*e));
	e->hi = 0;
	vtd_flush(u, e, sizeof(*e));
	ret = vtd_inval_iec(u, false, index);
	/* A cached copy may still deliver: the entry stays taken until flushed. */
	if (ret == 0)
		u->irte_vm[index] = 0;
	else
		pr_err("unit %#llx: interrupt entry %u kept: the unit may still cache it",
		       (unsigned long long)u->reg, index);
	return ret;
}

int vtd_irte_clear(struct vm *vm, uint16_t sid, uint16_t index)
{
	struct vtd_unit *u;
	int ret;

	ret = vtd_check_vm(vm, index != VTD_IRTE_NEW);
	if (ret != 0)
		return ret;
	spin_lock(&vtd_lock);
	ret = vtd_irte_lookup(vm, sid, index, &u);
	if (ret == 0)
		ret = vtd_irte_clear_locked(u, index);
	spin_unlock(&vtd_lock);
	return ret;
}

uint32_t vtd_irte_msi_addr(uint16_t index)
{
	return MSI_ADDR_BASE | (uint32_t)(FMASK(MSI_REMAPPABLE) | FSET(MSI_HANDLE, index) |
					  FSET(MSI_HANDLE_15, index >> 15));
}

/* ---- faults, §7.2.1 ------------------------------------------------------ */

/* Fault reasons, VT-d spec appendix A (legacy mode and interrupt remapping). */
static const char *vtd_fault_reason(uint32_t fr)
{
	static const char *const reasons[] = {
		[0x01] = "root entry not present",
		[0x02] = "context entry not present",
		[0x03] = "invalid context entry",
		[0x04] = "address beyond the address width",
		[0x05] = "write not permitted",
		[0x06] = "read not permitted",
		[0x07] = "second-level table access error",
		[0x08] = "root table access error",
		[0x09] = "context table access error",
		[0x0A] = "reserved bit in root entry",
		[0x0B] = "reserved bit in context entry",
		[0x0C] = "reserved bit in second-level entry",
		[0x0D] = "translation type blocked",
		[0x20] = "reserved bit in interrupt request",
		[0x21] = "interrupt index beyond the table",
		[0x22] = "interrupt entry not present",
		[0x23] = "interrupt remapping table access error",
		[0x24] = "reserved bit in interrupt entry",
		[0x25] = "compatibility-format interrupt blocked",
		[0x26] = "interrupt source-id check failed",
	};

	return fr < ARRAY_SIZE(reasons) && reasons[fr] != NULL ? reasons[fr] : "unknown";
}

static unsigned int vtd_unit_faults(const struct vtd_unit *u)
{
	uint32_t fsts = rd32(u, VTD_REG_FSTS);
	uint32_t idx = (uint32_t)FGET(FSTS_FRI, fsts);
	unsigned int n = 0;

	if (FGET(FSTS_PPF, fsts)) {
		/* Records fill cyclically from FRI; stop at the first empty one. */
		for (uint32_t k = 0; k < u->nfr; k++) {
			uint32_t off = u->frcd_off + ((idx + k) % u->nfr) * 16U;
			uint64_t hi = rd64(u, off + 8U);
			uint64_t lo;
			uint16_t sid;
			uint32_t fr;

			if (!FGET(FRCD_F, hi))
				break;
			lo = rd64(u, off);
			sid = (uint16_t)FGET(FRCD_SID, hi);
			fr = (uint32_t)FGET(FRCD_FR, hi);
			if (fr >= 0x20U && fr < 0x30U)
				pr_err("interrupt fault: unit %#llx, %02x:%02x.%x index %u, reason %#x (%s)",
				       (unsigned long long)u->reg, sid >> 8, (sid >> 3) & 0x1FU, sid & 7U,
				       (unsigned int)FGET(FRCD_LO_IIDX, lo), fr, vtd_fault_reason(fr));
			else
				pr_err("DMA fault: unit %#llx, %02x:%02x.%x %s %#llx, reason %#x (%s)",
				       (unsigned long long)u->reg, sid >> 8, (sid >> 3) & 0x1FU, sid & 7U,
				       FGET(FRCD_T, hi) ? "read" : "write",
				       (unsigned long long)(lo & ~0xFFFULL), fr, vtd_fault_reason(fr));
			wr64(u, off + 8U, FMASK(FRCD_F));	/* RW1C */
			n++;
		}
	}
	if (FGET(FSTS_PFO, fsts)) {
		pr_err("DMA fault: unit %#llx, fault records overflowed (faults lost)",
		       (unsigned long long)u->reg);
		wr32(u, VTD_REG_FSTS, (uint32_t)FMASK(FSTS_PFO));
	}
	return n;
}

unsigned int vtd_report_faults(void)
{
	unsigned int n = 0;

	if (!vtd_present())
		return 0;
	spin_lock(&vtd_lock);
	for (uint32_t i = 0; i < vtd.unit_count; i++)
		n += vtd_unit_faults(&vtd.units[i]);
	spin_unlock(&vtd_lock);
	return n;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Register-level model of VT-d remapping units, see vtd_model.h.
 * Register offsets and bits follow the VT-d spec §11.4; the table formats
 * §9.1 (root entry), §9.3 (context entry) and §9.8 (second-level entries),
 * §6.5.2 (invalidation descriptors), §9.10 (IRTE), §5.1 (remappable MSI).
 * Written from the spec independently of vtd.c: it has its own constants.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arch/x86/vtd.h>
#include "vtd_model.h"

#define R_VER	0x00U
#define R_CAP	0x08U
#define R_ECAP	0x10U
#define R_GCMD	0x18U
#define R_GSTS	0x1CU
#define R_RTADDR 0x20U
#define R_CCMD	0x28U
#define R_FSTS	0x34U
#define R_FECTL	0x38U
#define R_IQH	0x80U
#define R_IQT	0x88U
#define R_IQA	0x90U
#define R_ICS	0x9CU
#define R_IRTA	0xB8U
#define R_IVA	(VTM_IRO * 16U)
#define R_IOTLB	(VTM_IRO * 16U + 8U)
#define R_FRCD	(VTM_FRO * 16U)

#define ST_TE	(1U << 31)
#define ST_RTP	(1U << 30)
#define ST_QIE	(1U << 26)
#define ST_IRE	(1U << 25)
#define ST_IRTP	(1U << 24)
#define ST_CFI	(1U << 23)
#define ONE_SHOT (ST_RTP | (1U << 29) | (1U << 27) | ST_IRTP)
#define PERSIST	(ST_TE | ST_QIE | ST_IRE | ST_CFI)
#define FS_IQE	(1U << 4)
#define FS_QI_ERRORS (FS_IQE | (1U << 5) | (1U << 6))

static struct vtm_unit *unit_at(struct vtm *m, uint64_t base)
{
	for (unsigned int i = 0; i < m->unit_count; i++) {
		if (m->units[i].base == base)
			return &m->units[i];
	}
	fprintf(stderr, "vtd model: access to unknown unit %#llx\n", (unsigned long long)base);
	abort();
}

struct vtm_unit *vtm_add_unit(struct vtm *m, uint64_t base)
{
	struct vtm_unit *u = &m->units[m->unit_count++];

	memset(u, 0, sizeof(*u));
	u->base = base;
	u->cap = (2ULL << 0)			/* ND: 256 domains */
		| (1ULL << 10)			/* SAGAW: 4-level */
		| (47ULL << 16)			/* MGAW 48 bits */
		| ((uint64_t)VTM_FRO << 24)
		| (1ULL << 34)			/* SLLPS: 2 MiB */
		| ((uint64_t)(VTM_NFR - 1) << 40);
	u->ecap = ((uint64_t)VTM_IRO << 8);	/* C = 0: table writes need a flush */
	return u;
}

static void gcmd_write(struct vtm_unit *u, uint32_t v)
{
	uint32_t persistent = v & ~ONE_SHOT;
	uint32_t changed = (persistent ^ (u->gsts & ~ONE_SHOT)) | (v & ONE_SHOT);

	u->gcmd_writes++;
	if (__builtin_popcount(changed) > 1)
		u->gcmd_multi++;
	u->gsts &= ~(v & (ST_RTP | ST_IRTP));	/* cleared on the command, set on completion */
	if (u->never_ack)
		return;
	if (v & ST_RTP) {
		u->rtaddr_latched = u->rtaddr;
		u->srtp_count++;
		u->gsts |= ST_RTP;
		memset(u->cc, 0, sizeof(u->cc));
	}
	if (v & ST_IRTP) {
		u->irta_latched = u->irta;
		u->sirtp_count++;
		u->at_sirtp = u->gcmd_writes;
		u->gsts |= ST_IRTP;
		memset(u->iec, 0, sizeof(u->iec));
	}
	if ((changed & ST_QIE) && (persistent & ST_QIE)) {
		if (u->iqt != 0 || u->iqa == 0)
			u->qie_bad++;
		u->iqh = 0;
		u->at_qie = u->gcmd_writes;
	}
	if ((changed & ST_IRE) && (persistent & ST_IRE)) {
		if (!(u->gsts & ST_QIE) || u->sirtp_count == 0)
			u->ire_bad++;
		u->at_ire = u->gcmd_writes;
	}
	if ((changed & ST_CFI) && (persistent & ST_CFI))
		u->at_cfi = u->gcmd_writes;
	if ((changed & ST_QIE) && !(persistent & ST_QIE))
		u->iqh = 0;
	u->gsts = (u->gsts & ONE_SHOT) | (persistent & PERSIST);
}

static void ccmd_write(struct vtm_unit *u, uint64_t v)
{
	uint64_t cirg = (v >> 61) & 3U;

	u->ccmd = v;
	if (u->gsts & ST_QIE)
		u->reg_inval_with_qi++;
	if (!(v >> 63) || u->never_ack)
		return;
	u->ctx_inval++;
	if (cirg == 1U || cirg == 2U || cirg == 3U)
		memset(u->cc, 0, sizeof(u->cc));	/* the model flushes everything it caches */
	u->ccmd = (v & ~(1ULL << 63) & ~(3ULL << 59)) | ((u->refuse_inval ? 0ULL : cirg) << 59);
}

static void tlb_drop(struct vtm_unit *u, unsigned int gran, uint16_t did)
{
	for (int i = 0; i < VTM_CACHE; i++) {
		if (gran == 1U || (gran >= 2U && u->tlb[i].did == did))
			u->tlb[i].valid = false;
	}
	if (gran == 2U) {
		u->iotlb_dom_inval++;
		u->last_iotlb_did = did;
	}
}

static void iotlb_write(struct vtm_unit *u, uint64_t v)
{
	uint64_t iirg = (v >> 60) & 3U;
	uint16_t did = (uint16_t)(v >> 32);

	u->iotlb = v;
	if (u->gsts & ST_QIE)
		u->reg_inval_with_qi++;
	if (!(v >> 63) || u->never_ack)
		return;
	u->iotlb_inval++;
	tlb_drop(u, (unsigned int)iirg, did);
	u->iotlb = (v & ~(1ULL << 63) & ~(3ULL << 57)) | ((u->refuse_inval ? 0ULL : iirg) << 57);
}

static void *model_va(struct vtm *m, uint64_t pa)
{
	return (uint8_t *)m->mem->phys_to_virt(m->mem_ctx, pa & ~0xFFFULL) + (pa & 0xFFFU);
}

/* Execute one descriptor; false: invalid (reserved bits, type), hardware sets IQE. */
static bool qi_exec(struct vtm *m, struct vtm_unit *u, uint64_t lo, uint64_t hi)
{
	unsigned int type = lo & 0xFU, g = (lo >> 4) & 3U;

	if ((lo >> 9) & 7U)
		return false;		/* upper type bits: scalable-mode descriptors */
	if (type != 0 && u->qi_bad_type == type) {
		u->qi_bad_type = 0;
		return false;
	}
	switch (type) {
	case 1:			/* context-cache: G 5:4, DID 31:16, SID 47:32, FM 49:48 */
		if (g == 0 || (lo & 0xFFFC00000000F1C0ULL) || hi)
			return false;
		memset(u->cc, 0, sizeof(u->cc));
		break;
	case 2:			/* IOTLB: G 5:4, DW 6, DR 7, DID 31:16; ADDR/IH/AM in hi */
		if (g == 0 || (lo & 0xFFFFFFFF0000F100ULL) || (g != 3U && hi))
			return false;
		tlb_drop(u, g, (uint16_t)(lo >> 16));
		break;
	case 4:			/* IEC: G 4, IM 31:27, IIDX 47:32 */
		if ((lo & 0xFFFF000007FFF1E0ULL) || hi)
			return false;
		if (lo & 0x10U) {
			uint32_t mask = ~((1U << ((lo >> 27) & 31U)) - 1U);

			u->iec_index++;
			u->last_iec_index = (uint16_t)(lo >> 32);
			for (int i = 0; i < VTM_CACHE; i++) {
				if ((u->iec[i].index & mask) == (u->last_iec_index & mask))
					u->iec[i].valid = false;
			}
		} else {
			u->iec_global++;
			memset(u->iec, 0, sizeof(u->iec));
		}
		break;
	case 5:			/* wait: IF 4, SW 5, FN 6, data 63:32; address in hi 63:2 */
		if ((lo & 0xFFFFF180ULL) || (hi & 3U))
			return false;
		if (lo & 0x20U) {
			uint32_t data = (uint32_t)(lo >> 32);

			memcpy(model_va(m, hi), &data, sizeof(data));
		}
		if (lo & 0x10U)
			u->ics |= 1U;
		break;
	default:
		return false;
	}
	u->qi_done[type]++;
	if (u->qi_log_len < VTM_QI_LOG)
		u->qi_log[u->qi_log_len++] = (struct vtm_desc){ lo, hi };
	return true;
}

/* Fetch and execute IQH..IQT; stop (IQE) at an invalid descriptor. */
static void qi_run(struct vtm *m, struct vtm_unit *u)
{
	uint32_t len = 256U << (u->iqa & 7U);
	const uint64_t *q;

	if (!(u->gsts & ST_QIE) || u->qi_stall || (u->fsts & FS_IQE))
		return;
	if ((len > 256U))
		abort();	/* the model reads one page */
	q = m->mem->phys_to_virt(m->mem_ctx, u->iqa & ~0xFFFULL);
	while (u->iqh != u->iqt) {
		uint32_t i = (uint32_t)(u->iqh >> 4);

		if (!qi_exec(m, u, q[i * 2U], q[i * 2U + 1U])) {
			u->fsts |= FS_IQE;
			return;
		}
		u->iqh = (uint64_t)((i + 1U) % len) << 4;
	}
}

static void iqt_write(struct vtm *m, struct vtm_unit *u, uint64_t v)
{
	if ((v & ~0x7FFF0ULL) || (v >> 4) >= (256U << (u->iqa & 7U))) {
		u->fsts |= FS_IQE;	/* invalid tail */
		return;
	}
	u->iqt = v;
	if (u->qi_lazy != 0)
		u->qi_lazy_left = u->qi_lazy;
	else
		qi_run(m, u);
}

static void update_ppf(struct vtm_unit *u)
{
	bool any = false;

	for (int i = 0; i < VTM_NFR; i++)
		any = any || (u->frcd[i][1] >> 63);
	u->fsts = any ? (u->fsts | 2U) : (u->fsts & ~2U);
}

static uint32_t m_read32(void *ctx, uint64_t base, uint32_t off)
{
	struct vtm_unit *u = unit_at(ctx, base);

	switch (off) {
	case R_VER: return 0x10;
	case R_GSTS: return u->gsts;
	case R_FSTS: return u->fsts;
	case R_FECTL: return u->fectl;
	case R_ICS: return u->ics;
	default: u->bad_access++; return 0xFFFFFFFFU;
	}
}

static void m_write32(void *ctx, uint64_t base, uint32_t off, uint32_t val)
{
	struct vtm_unit *u = unit_at(ctx, base);

	switch (off) {
	case R_GCMD: gcmd_write(u, val); break;
	case R_FSTS:		/* PFO, IQE, ICE, ITE are RW1C; the queue resumes */
		u->fsts &= ~(val & (1U | FS_QI_ERRORS));
		qi_run(ctx, u);
		break;
	case R_FECTL: u->fectl = val & (1U << 31); break;
	case R_ICS: u->ics &= ~(val & 1U); break;
	default: u->bad_access++; break;
	}
}

static uint64_t m_read64(void *ctx, uint64_t base, uint32_t off)
{
	struct vtm_unit *u = unit_at(ctx, base);

	if (off >= R_FRCD && off < R_FRCD + VTM_NFR * 16U && off % 8U == 0)
		return u->frcd[(off - R_FRCD) / 16U][(off / 8U) & 1U];
	switch (off) {
	case R_CAP: return u->cap;
	case R_ECAP: return u->ecap;
	case R_RTADDR: return u->rtaddr;
	case R_CCMD: return u->ccmd;
	case R_IOTLB: return u->iotlb;
	case R_IQH: return u->iqh;
	case R_IQT: return u->iqt;
	case R_IQA: return u->iqa;
	case R_IRTA: return u->irta;
	default: u->bad_access++; return ~0ULL;
	}
}

static void m_write64(void *ctx, uint64_t base, uint32_t off, uint64_t val)
{
	struct vtm_unit *u = unit_at(ctx, base);

	if (off >= R_FRCD && off < R_FRCD + VTM_NFR * 16U && off % 16U == 8U) {
		if (val >> 63)	/* F is RW1C, the rest read-only */
			u->frcd[(off - R_FRCD) / 16U][1] &= ~(1ULL << 63);
		update_ppf(u);
		return;
	}
	switch (off) {
	case R_RTADDR: u->rtaddr = val; break;
	case R_CCMD: ccmd_write(u, val); break;
	case R_IOTLB: iotlb_write(u, val); break;
	case R_IQT: iqt_write(ctx, u, val); break;
	case R_IQA:		/* not while QI is on */
		if (u->gsts & ST_QIE)
			u->bad_access++;
		u->iqa = val;
		break;
	case R_IRTA: u->irta = val; break;
	default: u->bad_access++; break;
	}
}

static void m_delay(void *ctx, uint32_t us)
{
	struct vtm *m = ctx;

	m->delay_us += us;
	for (unsigned int i = 0; i < m->unit_count; i++) {
		struct vtm_unit *u = &m->units[i];

		if (u->qi_lazy_left != 0 && --u->qi_lazy_left == 0)
			qi_run(m, u);
	}
}

static void m_flush(void *ctx, const void *va, size_t len)
{
	((struct vtm *)ctx)->flushes++;
}

static void *m_alloc(void *ctx)
{
	struct vtm *m = ctx;

	return m->mem->alloc_page(m->mem_ctx);
}

static void m_free(void *ctx, void *page)
{
	struct vtm *m = ctx;

	m->mem->free_page(m->mem_ctx, page);
}

static uint64_t m_v2p(void *ctx, const void *va)
{
	struct vtm *m = ctx;

	return m->mem->virt_to_phys(m->mem_ctx, va);
}

static void *m_p2v(void *ctx, uint64_t pa)
{
	struct vtm *m = ctx;

	return m->mem->phys_to_virt(m->mem_ctx, pa);
}

static const struct pgtable_ops vtm_mem_ops = {
	.alloc_page = m_alloc,
	.free_page = m_free,
	.virt_to_phys = m_v2p,
	.phys_to_virt = m_p2v,
};

const struct vtd_ops vtm_ops = {
	.read32 = m_read32,
	.write32 = m_write32,
	.read64 = m_read64,
	.write64 = m_write64,
	.delay_us = m_delay,
	.flush_cache = m_flush,
	.mem = &vtm_mem_ops,
};

/* The model reaches table memory through the test allocator directly. */
static struct vtm *the_model;

static int record(struct vtm_unit *u, uint64_t lo, uint64_t hi, int fr)
{
	uint32_t i = u->next_fault % VTM_NFR;

	if (u->frcd[i][1] >> 63) {
		u->fsts |= 1U;		/* PFO: no free record */
		return fr;
	}
	u->frcd[i][0] = lo;
	u->frcd[i][1] = hi | ((uint64_t)fr << 32) | (1ULL << 63);
	if (!(u->fsts & 2U))
		u->fsts = (u->fsts & ~0xFF00U) | (i << 8);
	u->next_fault++;
	update_ppf(u);
	return fr;
}

static int record_fault(struct vtm_unit *u, uint16_t bdf, uint64_t iova, bool write, int fr)
{
	return record(u, iova & ~0xFFFULL, bdf | ((write ? 0ULL : 1ULL) << 62), fr);
}

/* Interrupt faults: the interrupt index in FI 63:48 (§7.2.1). */
static int record_irq_fault(struct vtm_unit *u, uint16_t sid, uint32_t index, int fr)
{
	return record(u, (uint64_t)(index & 0xFFFFU) << 48, sid, fr);
}

static bool context_of(struct vtm *m, struct vtm_unit *u, uint16_t bdf, uint64_t *lo, uint64_t *hi)
{
	const uint64_t *root, *ct;

	for (int i = 0; i < VTM_CACHE; i++) {
		if (u->cc[i].valid && u->cc[i].bdf == bdf) {
			*lo = u->cc[i].lo;
			*hi = u->cc[i].hi;
			return true;
		}
	}
	root = m->mem->phys_to_virt(m->mem_ctx, u->rtaddr_latched & ~0xFFFULL);
	if (!(root[(bdf >> 8) * 2] & 1U))
		return false;
	ct = m->mem->phys_to_virt(m->mem_ctx, root[(bdf >> 8) * 2] & ~0xFFFULL);
	*lo = ct[(bdf & 0xFFU) * 2];
	*hi = ct[(bdf & 0xFFU) * 2 + 1];
	if (!(*lo & 1U))
		return false;	/* not-present entries are not cached (CAP.CM = 0) */
	for (int i = 0; i < VTM_CACHE; i++) {
		if (!u->cc[i].valid) {
			u->cc[i] = (struct vtm_ctx_cache){ true, bdf, *lo, *hi };
			break;
		}
	}
	return true;
}

int vtm_dma(struct vtm_unit *u, uint16_t bdf, uint64_t iova, bool write, uint64_t *hpa)
{
	struct vtm *m = the_model;
	uint64_t lo, hi, e = 0, pa;
	uint16_t did;
	unsigned int level;
	bool r = true, w = true;
	const uint64_t *tbl;

	if (!(u->gsts & ST_TE)) {
		*hpa = iova;
		return 0;
	}
	if (!context_of(m, u, bdf, &lo, &hi)) {
		const uint64_t *root = m->mem->phys_to_virt(m->mem_ctx, u->rtaddr_latched & ~0xFFFULL);

		return record_fault(u, bdf, iova, write,
				    (root[(bdf >> 8) * 2] & 1U) ? VTM_FR_CTX_NP : VTM_FR_ROOT_NP);
	}
	if ((hi & 7U) != 2U || ((lo >> 2) & 3U) != 0U) {
		fprintf(stderr, "vtd model: context entry AW/TT the model does not do\n");
		abort();
	}
	did = (uint16_t)(hi >> 8);
	for (int i = 0; i < VTM_CACHE; i++) {
		struct vtm_tlb *t = &u->tlb[i];

		if (t->valid && t->did == did && t->page == (iova & ~0xFFFULL)) {
			if ((write && !t->w) || (!write && !t->r))
				break;
			*hpa = t->hpa | (iova & 0xFFFU);
			return 0;
		}
	}
	pa = lo & ~0xFFFULL;
	for (level = 4; level >= 1; level--) {
		tbl = m->mem->phys_to_virt(m->mem_ctx, pa);
		e = tbl[(iova >> (12U + 9U * (level - 1U))) & 511U];
		r = r && (e & 1U);
		w = w && (e & 2U);
		if (!(e & 3U))
			return record_fault(u, bdf, iova, write, write ? VTM_FR_SL_WRITE : VTM_FR_SL_READ);
		if (level == 1 || (level <= 3 && (e & 0x80U)))
			break;
		pa = e & 0x000FFFFFFFFFF000ULL;
	}
	if ((write && !w) || (!write && !r))
		return record_fault(u, bdf, iova, write, write ? VTM_FR_SL_WRITE : VTM_FR_SL_READ);
	{
		uint64_t lsize = 1ULL << (12U + 9U * (level - 1U));
		uint64_t out = (e & 0x000FFFFFFFFFF000ULL & ~(lsize - 1U)) | (iova & (lsize - 1U));

		for (int i = 0; i < VTM_CACHE; i++) {
			if (!u->tlb[i].valid) {
				u->tlb[i] = (struct vtm_tlb){ true, did, iova & ~0xFFFULL,
							      out & ~0xFFFULL, r, w };
				break;
			}
		}
		*hpa = out;
	}
	return 0;
}

void vtm_attach(struct vtm *m)
{
	the_model = m;
}

/* The IRTE for @p index, through the interrupt entry cache. */
static void irte_of(struct vtm *m, struct vtm_unit *u, uint32_t index, uint64_t *lo, uint64_t *hi)
{
	const uint64_t *irt;

	for (int i = 0; i < VTM_CACHE; i++) {
		if (u->iec[i].valid && u->iec[i].index == index) {
			*lo = u->iec[i].lo;
			*hi = u->iec[i].hi;
			return;
		}
	}
	irt = m->mem->phys_to_virt(m->mem_ctx, u->irta_latched & ~0xFFFULL);
	*lo = irt[index * 2U];
	*hi = irt[index * 2U + 1U];
	if (!(*lo & 1U))
		return;		/* not-present entries are not cached */
	for (int i = 0; i < VTM_CACHE; i++) {
		if (!u->iec[i].valid) {
			u->iec[i] = (struct vtm_iec){ true, (uint16_t)index, *lo, *hi };
			break;
		}
	}
}

/* SVT/SQ/SID check of the requester (§9.10). */
static bool sid_ok(uint64_t hi, uint16_t sid)
{
	static const uint16_t sq_mask[4] = { 0xFFFF, 0xFFFB, 0xFFF9, 0xFFF8 };
	uint16_t want = (uint16_t)hi;

	switch ((hi >> 18) & 3U) {
	case 0: return true;
	case 1: return (sid & sq_mask[(hi >> 16) & 3U]) == (want & sq_mask[(hi >> 16) & 3U]);
	case 2: return (sid >> 8) >= (want >> 8) && (sid >> 8) <= (want & 0xFFU);
	default: return false;
	}
}

/* Faults qualified by the entry: FPD = 1 suppresses the record. */
static int entry_fault(struct vtm_unit *u, uint16_t sid, uint32_t index, uint64_t lo, int fr)
{
	return (lo & 2U) ? fr : record_irq_fault(u, sid, index, fr);
}

int vtm_msi(struct vtm_unit *u, uint16_t sid, uint32_t addr, uint32_t data, struct vtm_irq *out)
{
	struct vtm *m = the_model;
	uint32_t index, entries;
	uint64_t lo, hi;

	memset(out, 0, sizeof(*out));
	if (!(u->gsts & ST_IRE) || !(addr & 0x10U)) {
		if ((u->gsts & ST_IRE) && !(u->gsts & ST_CFI))
			return record_irq_fault(u, sid, 0, VTM_FR_IR_CFI);
		out->vector = (uint8_t)data;
		out->dest = (uint8_t)(addr >> 12);
		out->logical = (addr >> 2) & 1U;
		out->delivery = (data >> 8) & 7U;
		out->level = (data >> 15) & 1U;
		return 0;
	}
	index = ((addr >> 5) & 0x7FFFU) | (((addr >> 2) & 1U) << 15);
	if (addr & 8U)
		index += data & 0xFFFFU;
	entries = 2U << (u->irta_latched & 0xFU);
	if (entries > 256U)
		abort();	/* the model reads one page */
	if (index >= entries)
		return record_irq_fault(u, sid, index, VTM_FR_IR_INDEX);
	irte_of(m, u, index, &lo, &hi);
	if (!(lo & 1U))
		return entry_fault(u, sid, index, lo, VTM_FR_IR_NP);
	/* xAPIC mode: bits 14:12, 15 (posted), 31:24, 39:32, 63:48 and 127:84 are reserved. */
	if ((lo & 0xFFFF00FFFF00F000ULL) || (hi >> 20))
		return entry_fault(u, sid, index, lo, VTM_FR_IR_RSVD);
	if (!sid_ok(hi, sid))
		return entry_fault(u, sid, index, lo, VTM_FR_IR_SID);
	out->remapped = true;
	out->vector = (uint8_t)(lo >> 16);
	out->dest = (uint8_t)(lo >> 40);
	out->logical = (lo >> 2) & 1U;
	out->delivery = (lo >> 5) & 7U;
	out->level = (lo >> 4) & 1U;
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Register-level model of VT-d remapping units, see vtd_model.h.
 * Register offsets and bits follow the VT-d spec §11.4; the table formats
 * §9.1 (root entry), §9.3 (context entry) and §9.8 (second-level entries).
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
#define R_IVA	(VTM_IRO * 16U)
#define R_IOTLB	(VTM_IRO * 16U + 8U)
#define R_FRCD	(VTM_FRO * 16U)

#define ST_TE	(1U << 31)
#define ST_RTP	(1U << 30)
#define ONE_SHOT (ST_RTP | (1U << 29) | (1U << 27) | (1U << 24))

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
	if (v & ST_RTP)
		u->gsts &= ~ST_RTP;	/* cleared on the command, set on completion */
	if (u->never_ack)
		return;
	if (v & ST_RTP) {
		u->rtaddr_latched = u->rtaddr;
		u->srtp_count++;
		u->gsts |= ST_RTP;
		memset(u->cc, 0, sizeof(u->cc));
	}
	u->gsts = (u->gsts & ONE_SHOT) | (persistent & ST_TE);
}

static void ccmd_write(struct vtm_unit *u, uint64_t v)
{
	uint64_t cirg = (v >> 61) & 3U;

	u->ccmd = v;
	if (!(v >> 63) || u->never_ack)
		return;
	u->ctx_inval++;
	if (cirg == 1U || cirg == 2U || cirg == 3U)
		memset(u->cc, 0, sizeof(u->cc));	/* the model flushes everything it caches */
	u->ccmd = (v & ~(1ULL << 63) & ~(3ULL << 59)) | ((u->refuse_inval ? 0ULL : cirg) << 59);
}

static void iotlb_write(struct vtm_unit *u, uint64_t v)
{
	uint64_t iirg = (v >> 60) & 3U;
	uint16_t did = (uint16_t)(v >> 32);

	u->iotlb = v;
	if (!(v >> 63) || u->never_ack)
		return;
	u->iotlb_inval++;
	for (int i = 0; i < VTM_CACHE; i++) {
		if (iirg == 1U || (iirg >= 2U && u->tlb[i].did == did))
			u->tlb[i].valid = false;
	}
	if (iirg == 2U) {
		u->iotlb_dom_inval++;
		u->last_iotlb_did = did;
	}
	u->iotlb = (v & ~(1ULL << 63) & ~(3ULL << 57)) | ((u->refuse_inval ? 0ULL : iirg) << 57);
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
	default: u->bad_access++; return 0xFFFFFFFFU;
	}
}

static void m_write32(void *ctx, uint64_t base, uint32_t off, uint32_t val)
{
	struct vtm_unit *u = unit_at(ctx, base);

	switch (off) {
	case R_GCMD: gcmd_write(u, val); break;
	case R_FSTS: u->fsts &= ~(val & 1U); break;	/* PFO is RW1C */
	case R_FECTL: u->fectl = val & (1U << 31); break;
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
	default: u->bad_access++; break;
	}
}

static void m_delay(void *ctx, uint32_t us)
{
	((struct vtm *)ctx)->delay_us += us;
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

static int record_fault(struct vtm_unit *u, uint16_t bdf, uint64_t iova, bool write, int fr)
{
	uint32_t i = u->next_fault % VTM_NFR;

	if (u->frcd[i][1] >> 63) {
		u->fsts |= 1U;		/* PFO: no free record */
		return fr;
	}
	u->frcd[i][0] = iova & ~0xFFFULL;
	u->frcd[i][1] = bdf | ((uint64_t)fr << 32) | ((write ? 0ULL : 1ULL) << 62) | (1ULL << 63);
	if (!(u->fsts & 2U))
		u->fsts = (u->fsts & ~0xFF00U) | (i << 8);
	u->next_fault++;
	update_ppf(u);
	return fr;
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

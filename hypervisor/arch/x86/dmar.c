/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DMAR table parser (Intel VT-d spec §8).  The table comes from firmware and
 * is trusted no further than its checksum: every structure length is checked
 * against what is left of the table before a byte of it is read, zero-length
 * structures end the walk as an error (they would loop forever), and a table
 * that describes more than the fixed arrays hold is refused rather than
 * truncated, because a truncated unit list would leave devices untranslated.
 */
#include <arch/x86/dmar.h>
#include <lib/errno.h>
#include <lib/string.h>

/* VT-d §8.1: the 36-byte ACPI header, HAW, flags, 10 reserved bytes. */
#define DMAR_HDR_LEN		48U
#define DMAR_OFF_HAW		36U
#define DMAR_OFF_FLAGS		37U
#define DMAR_MAX_LEN		(1U << 20)

/* Remapping structure types (§8.2) and the fixed part of the two we use. */
#define DMAR_TYPE_DRHD		0U
#define DMAR_TYPE_RMRR		1U
#define DRHD_FIXED_LEN		16U	/* type, length, flags, size, segment, base */
#define RMRR_FIXED_LEN		24U	/* type, length, reserved, segment, base, limit */
#define DRHD_INCLUDE_PCI_ALL	0x01U

/* Device scope (§8.3.1): type, length, 2 reserved, enumeration ID, start bus, path. */
#define SCOPE_FIXED_LEN		6U

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static int dmar_fail(struct dmar_info *out, int err, const char *why)
{
	out->unit_count = 0;
	out->rmrr_count = 0;
	out->error = why;
	return err;
}

/* Parse the device scopes in [p, p+len) into scopes[], at most DMAR_MAX_SCOPES. */
static int dmar_parse_scopes(const uint8_t *p, size_t len, struct dmar_scope *scopes,
			     uint32_t *count, const char **why)
{
	size_t off = 0;

	*count = 0;
	while (off < len) {
		const uint8_t *s = p + off;
		uint8_t slen;
		struct dmar_scope *sc;

		if (len - off < SCOPE_FIXED_LEN) {
			*why = "device scope runs past its structure";
			return -EINVAL;
		}
		slen = s[1];
		if (slen < SCOPE_FIXED_LEN || slen > len - off || (slen - SCOPE_FIXED_LEN) % 2U != 0) {
			*why = "device scope with a bad length";
			return -EINVAL;
		}
		if (*count == DMAR_MAX_SCOPES) {
			*why = "too many device scopes in one structure";
			return -E2BIG;
		}
		sc = &scopes[(*count)++];
		sc->type = s[0];
		sc->enum_id = s[4];
		sc->start_bus = s[5];
		sc->depth = (uint8_t)((slen - SCOPE_FIXED_LEN) / 2U);
		/* Path element: device number, then function number (§8.3.1.1). */
		sc->resolved = sc->depth == 1 && s[6] < 32U && s[7] < 8U;
		sc->bdf = sc->resolved ?
			(uint16_t)(((unsigned int)s[5] << 8) | ((unsigned int)s[6] << 3) | s[7]) : 0;
		off += slen;
	}
	return 0;
}

static int dmar_parse_drhd(const uint8_t *p, uint16_t len, struct dmar_info *out)
{
	struct dmar_unit *u;
	const char *why = NULL;
	int ret;

	if (len < DRHD_FIXED_LEN)
		return dmar_fail(out, -EINVAL, "DRHD shorter than its fixed part");
	if (out->unit_count == DMAR_MAX_UNITS)
		return dmar_fail(out, -E2BIG, "more remapping units than supported");
	u = &out->units[out->unit_count];
	memset(u, 0, sizeof(*u));
	u->include_all = (p[4] & DRHD_INCLUDE_PCI_ALL) != 0;
	u->segment = rd16(p + 6);
	u->reg_base = rd64(p + 8);
	if (u->reg_base == 0 || (u->reg_base & 0xFFFU) != 0)
		return dmar_fail(out, -EINVAL, "DRHD register base zero or not page aligned");
	ret = dmar_parse_scopes(p + DRHD_FIXED_LEN, len - DRHD_FIXED_LEN, u->scopes,
				&u->scope_count, &why);
	if (ret != 0)
		return dmar_fail(out, ret, why);
	out->unit_count++;
	return 0;
}

static int dmar_parse_rmrr(const uint8_t *p, uint16_t len, struct dmar_info *out)
{
	struct dmar_rmrr *r;
	const char *why = NULL;
	int ret;

	if (len < RMRR_FIXED_LEN)
		return dmar_fail(out, -EINVAL, "RMRR shorter than its fixed part");
	if (out->rmrr_count == DMAR_MAX_RMRRS)
		return dmar_fail(out, -E2BIG, "more reserved memory regions than supported");
	r = &out->rmrrs[out->rmrr_count];
	memset(r, 0, sizeof(*r));
	r->segment = rd16(p + 6);
	r->base = rd64(p + 8);
	r->limit = rd64(p + 16);
	if (r->limit < r->base)
		return dmar_fail(out, -EINVAL, "RMRR limit below its base");
	ret = dmar_parse_scopes(p + RMRR_FIXED_LEN, len - RMRR_FIXED_LEN, r->scopes,
				&r->scope_count, &why);
	if (ret != 0)
		return dmar_fail(out, ret, why);
	out->rmrr_count++;
	return 0;
}

int dmar_parse(const uint8_t *tbl, size_t len, struct dmar_info *out)
{
	uint32_t tlen;
	uint8_t sum = 0;
	size_t off;

	memset(out, 0, sizeof(*out));
	if (tbl == NULL || len < DMAR_HDR_LEN || memcmp(tbl, "DMAR", 4) != 0)
		return dmar_fail(out, -EINVAL, "no DMAR signature");
	tlen = rd32(tbl + 4);
	if (tlen < DMAR_HDR_LEN || tlen > len || tlen > DMAR_MAX_LEN)
		return dmar_fail(out, -EINVAL, "table length out of range");
	for (uint32_t i = 0; i < tlen; i++)
		sum = (uint8_t)(sum + tbl[i]);
	if (sum != 0)
		return dmar_fail(out, -EINVAL, "bad checksum");
	out->host_addr_width = (uint8_t)(tbl[DMAR_OFF_HAW] + 1U);
	out->flags = tbl[DMAR_OFF_FLAGS];

	for (off = DMAR_HDR_LEN; off < tlen;) {
		const uint8_t *p = tbl + off;
		uint16_t type, slen;
		int ret = 0;

		if (tlen - off < 4U)
			return dmar_fail(out, -EINVAL, "remapping structure header runs past the table");
		type = rd16(p);
		slen = rd16(p + 2);
		if (slen < 4U || slen > tlen - off)
			return dmar_fail(out, -EINVAL, "remapping structure with a bad length");
		if (type == DMAR_TYPE_DRHD)
			ret = dmar_parse_drhd(p, slen, out);
		else if (type == DMAR_TYPE_RMRR)
			ret = dmar_parse_rmrr(p, slen, out);
		/* ATSR, RHSA, ANDD, SATC...: not needed for remapping, skipped. */
		if (ret != 0)
			return ret;
		off += slen;
	}
	if (out->unit_count == 0)
		return dmar_fail(out, -EINVAL, "no remapping unit");
	return 0;
}

int dmar_hide(uint8_t *tbl, size_t len)
{
	uint32_t tlen;
	uint8_t sum = 0;

	if (tbl == NULL || len < DMAR_HDR_LEN || memcmp(tbl, "DMAR", 4) != 0)
		return -EINVAL;
	tlen = rd32(tbl + 4);
	if (tlen < DMAR_HDR_LEN || tlen > len)
		return -EINVAL;
	for (uint32_t i = 0; i < tlen; i++)
		sum = (uint8_t)(sum + tbl[i]);
	if (sum != 0)
		return -EINVAL;
	/* ACPI checksum (offset 9): all bytes sum to 0; 'D' -> 'X' adds 0x14. */
	tbl[0] = 'X';
	tbl[9] = (uint8_t)(tbl[9] - ('X' - 'D'));
	return 0;
}

int dmar_unit_for(const struct dmar_info *info, uint16_t bdf)
{
	int all = -1;

	for (uint32_t i = 0; i < info->unit_count; i++) {
		const struct dmar_unit *u = &info->units[i];

		if (u->segment != 0)
			continue;
		if (u->include_all && all < 0)
			all = (int)i;
		for (uint32_t s = 0; s < u->scope_count; s++) {
			const struct dmar_scope *sc = &u->scopes[s];

			if ((sc->type == DMAR_SCOPE_ENDPOINT || sc->type == DMAR_SCOPE_BRIDGE) &&
			    sc->resolved && sc->bdf == bdf)
				return (int)i;
		}
	}
	return all;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * crypto-probe: which of libcrypto's CPU-specific code paths compute wrong results on this
 * (emulated) CPU.  Built statically in the uos-verified scenario's prepare() and run in the
 * Service VM (under the hypervisor) or in a native Linux boot, once per OPENSSL_ia32cap mask
 * the caller sets (libcrypto reads it once, at start-up).
 *
 *   crypto-probe FILE SIG KEY.pem SHA256-HEX
 *
 * One line: "crypto-probe: cap=W0:W2 sha256=ok|BAD ecdsa=ok|BAD ecdsa-digest=ok|BAD
 * p256-mul=ok|BAD mont-256=ok|BAD mont-3072=ok|BAD adox=ok|BAD...|n/a".  Each check has its
 * own reference:
 *   sha256       SHA-256 of FILE against SHA256-HEX (computed on the build host)
 *   ecdsa        EVP_DigestVerify of SIG over FILE (what acrn-dm does)
 *   ecdsa-digest the same signature against the host's digest: the EC part alone
 *   p256-mul     k*G on the named curve (OpenSSL's P-256 assembly, ecp_nistz256) against the
 *                same curve built from its parameters (generic Montgomery arithmetic)
 *   mont-N       BN_mod_mul_montgomery (bn_mul_mont assembly) against BN_mod_mul (BN_mul and
 *                BN_div), on pseudo-random N-bit operands
 *   adox         the ADOX instruction on two known answers (libcrypto's MULX/ADCX/ADOX paths
 *                need it; it is not a libcrypto check and leaves the exit status alone)
 * Exit status: 0 when every libcrypto check passed, 1 otherwise, 3 on a setup error.
 */
#include <cpuid.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

/* libcrypto's capability vector (crypto/cryptlib.c); reachable when linked statically. */
extern unsigned int OPENSSL_ia32cap_P[4];

static unsigned char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && n < (1L << 24) &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n)) != NULL &&
	    fread(buf, 1, (size_t)n, f) == (size_t)n) {
		*len = (size_t)n;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static int hex_to_bytes(const char *hex, unsigned char *out, size_t n)
{
	if (strlen(hex) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned int b;

		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return -1;
		out[i] = (unsigned char)b;
	}
	return 0;
}

/*
 * adox: the instruction itself (SDM Vol. 2 ADOX): dest = dest + src + OF, and OF becomes the
 * unsigned carry out of bit 63, like CF in ADCX.  Two cases tell a carry from a signed
 * overflow: 1 + 0xFFFF...F carries (OF=1) without a signed overflow, 0x7FFF...F + 1 overflows
 * signed without a carry (OF=0).  "n/a" without ADX in CPUID (the instruction would #UD).
 */
static int adox64(uint64_t a, uint64_t b, uint64_t *sum)
{
	uint8_t of;

	__asm__("xor %%eax, %%eax\n\t"		/* OF = 0 (and CF = 0) */
		"adox %2, %0\n\t"
		"seto %1"
		: "+r"(a), "=q"(of) : "r"(b) : "rax", "cc");
	*sum = a;
	return of;
}

static const char *check_adox(void)
{
	unsigned int eax, ebx, ecx, edx;
	uint64_t s1, s2;
	int of1, of2;

	if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) || !(ebx & (1U << 19)))
		return "n/a";
	of1 = adox64(1, ~0ULL, &s1);
	of2 = adox64(0x7FFFFFFFFFFFFFFFULL, 1, &s2);
	if (s1 == 0 && of1 == 1 && s2 == 0x8000000000000000ULL && of2 == 0)
		return "ok";
	/* OF set like a signed overflow instead of the carry: name it */
	return of1 == 0 && of2 == 1 ? "BAD(OF=signed-overflow)" : "BAD";
}

/* Deterministic operands: the same on every run, no RNG involved. */
static void fill(BIGNUM *x, int bits, unsigned int *seed)
{
	unsigned char b[512];
	int n = bits / 8;

	for (int i = 0; i < n; i++) {
		*seed = *seed * 1103515245U + 12345U;
		b[i] = (unsigned char)(*seed >> 16);
	}
	BN_bin2bn(b, n, x);
}

/* mont-N: 200 products a*b mod m, Montgomery assembly against schoolbook + division. */
static const char *check_mont(int bits)
{
	BN_CTX *ctx = BN_CTX_new();
	BN_MONT_CTX *mont = BN_MONT_CTX_new();
	BIGNUM *m = BN_new(), *a = BN_new(), *b = BN_new(), *am = BN_new(), *bm = BN_new();
	BIGNUM *r1 = BN_new(), *r2 = BN_new();
	unsigned int seed = (unsigned int)bits;
	const char *res = "ok";

	if (ctx == NULL || mont == NULL || m == NULL || a == NULL || b == NULL || am == NULL ||
	    bm == NULL || r1 == NULL || r2 == NULL) {
		res = "ERR";
		goto out;
	}
	fill(m, bits, &seed);
	BN_set_bit(m, bits - 1);
	BN_set_bit(m, 0);			/* odd, full length */
	if (!BN_MONT_CTX_set(mont, m, ctx)) {
		res = "ERR";
		goto out;
	}
	for (int i = 0; i < 200; i++) {
		fill(a, bits, &seed);
		fill(b, bits, &seed);
		BN_nnmod(a, a, m, ctx);
		BN_nnmod(b, b, m, ctx);
		if (!BN_to_montgomery(am, a, mont, ctx) || !BN_to_montgomery(bm, b, mont, ctx) ||
		    !BN_mod_mul_montgomery(r1, am, bm, mont, ctx) ||
		    !BN_from_montgomery(r1, r1, mont, ctx) || !BN_mod_mul(r2, a, b, m, ctx)) {
			res = "ERR";
			break;
		}
		if (BN_cmp(r1, r2) != 0) {
			res = "BAD";
			break;
		}
	}
out:
	BN_free(m); BN_free(a); BN_free(b); BN_free(am); BN_free(bm); BN_free(r1); BN_free(r2);
	BN_MONT_CTX_free(mont);
	BN_CTX_free(ctx);
	return res;
}

/* p256-mul: k*G for 20 scalars, named curve (nistz256) against an explicit-parameter copy. */
static const char *check_p256(void)
{
	BN_CTX *ctx = BN_CTX_new();
	EC_GROUP *named = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1), *gen = NULL;
	BIGNUM *p = BN_new(), *a = BN_new(), *b = BN_new(), *k = BN_new();
	BIGNUM *x1 = BN_new(), *y1 = BN_new(), *x2 = BN_new(), *y2 = BN_new();
	EC_POINT *g = NULL, *r1 = NULL, *r2 = NULL;
	unsigned int seed = 256;
	const char *res = "ok";

	if (ctx == NULL || named == NULL || p == NULL || a == NULL || b == NULL || k == NULL ||
	    x1 == NULL || y1 == NULL || x2 == NULL || y2 == NULL ||
	    !EC_GROUP_get_curve(named, p, a, b, ctx) ||
	    (gen = EC_GROUP_new_curve_GFp(p, a, b, ctx)) == NULL ||
	    (g = EC_POINT_new(gen)) == NULL ||
	    !EC_POINT_get_affine_coordinates(named, EC_GROUP_get0_generator(named), x1, y1, ctx) ||
	    !EC_POINT_set_affine_coordinates(gen, g, x1, y1, ctx) ||
	    !EC_GROUP_set_generator(gen, g, EC_GROUP_get0_order(named), BN_value_one()) ||
	    (r1 = EC_POINT_new(named)) == NULL || (r2 = EC_POINT_new(gen)) == NULL) {
		res = "ERR";
		goto out;
	}
	for (int i = 0; i < 20; i++) {
		fill(k, 256, &seed);
		if (!EC_POINT_mul(named, r1, k, NULL, NULL, ctx) ||
		    !EC_POINT_mul(gen, r2, k, NULL, NULL, ctx) ||
		    !EC_POINT_get_affine_coordinates(named, r1, x1, y1, ctx) ||
		    !EC_POINT_get_affine_coordinates(gen, r2, x2, y2, ctx)) {
			res = "ERR";
			break;
		}
		if (BN_cmp(x1, x2) != 0 || BN_cmp(y1, y2) != 0) {
			res = "BAD";
			break;
		}
	}
out:
	EC_POINT_free(g); EC_POINT_free(r1); EC_POINT_free(r2);
	EC_GROUP_free(named); EC_GROUP_free(gen);
	BN_free(p); BN_free(a); BN_free(b); BN_free(k);
	BN_free(x1); BN_free(y1); BN_free(x2); BN_free(y2);
	BN_CTX_free(ctx);
	return res;
}

int main(int argc, char **argv)
{
	unsigned char want[32], got[32], *data, *sig;
	size_t len, siglen;
	unsigned int mdlen = 0;
	EVP_PKEY *key;
	EVP_PKEY_CTX *pctx;
	EVP_MD_CTX *md;
	FILE *f;
	const char *sha, *ec, *ecd, *p256, *m256, *m3072, *adox;

	if (argc != 5 || hex_to_bytes(argv[4], want, sizeof(want)) != 0) {
		fprintf(stderr, "usage: crypto-probe FILE SIG KEY.pem SHA256-HEX\n");
		return 3;
	}
	data = read_file(argv[1], &len);
	sig = read_file(argv[2], &siglen);
	f = fopen(argv[3], "r");
	key = f != NULL ? PEM_read_PUBKEY(f, NULL, NULL, NULL) : NULL;
	if (f != NULL)
		fclose(f);
	if (data == NULL || sig == NULL || key == NULL) {
		fprintf(stderr, "crypto-probe: cannot read %s\n",
			data == NULL ? argv[1] : sig == NULL ? argv[2] : argv[3]);
		return 3;
	}
	/* sha256 */
	sha = EVP_Digest(data, len, got, &mdlen, EVP_sha256(), NULL) && mdlen == 32 ?
	      (memcmp(got, want, 32) == 0 ? "ok" : "BAD") : "ERR";
	/* ecdsa: digest and signature check in one, as acrn-dm calls it */
	md = EVP_MD_CTX_new();
	ec = md != NULL && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1 ?
	     (EVP_DigestVerify(md, sig, siglen, data, len) == 1 ? "ok" : "BAD") : "ERR";
	EVP_MD_CTX_free(md);
	/* ecdsa-digest: the host's digest, so only the EC arithmetic is on trial */
	pctx = EVP_PKEY_CTX_new(key, NULL);
	ecd = pctx != NULL && EVP_PKEY_verify_init(pctx) == 1 ?
	      (EVP_PKEY_verify(pctx, sig, siglen, want, 32) == 1 ? "ok" : "BAD") : "ERR";
	EVP_PKEY_CTX_free(pctx);
	p256 = check_p256();
	m256 = check_mont(256);
	m3072 = check_mont(3072);
	adox = check_adox();
	printf("crypto-probe: cap=%08x%08x:%08x%08x sha256=%s ecdsa=%s ecdsa-digest=%s "
	       "p256-mul=%s mont-256=%s mont-3072=%s adox=%s\n",
	       OPENSSL_ia32cap_P[1], OPENSSL_ia32cap_P[0], OPENSSL_ia32cap_P[3],
	       OPENSSL_ia32cap_P[2], sha, ec, ecd, p256, m256, m3072, adox);
	EVP_PKEY_free(key);
	free(data);
	free(sig);
	return strcmp(sha, "ok") || strcmp(ec, "ok") || strcmp(ecd, "ok") || strcmp(p256, "ok") ||
	       strcmp(m256, "ok") || strcmp(m3072, "ok") ? 1 : 0;
}

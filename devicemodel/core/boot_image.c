/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Boot images into memory, and their signatures (acrn-dm --verify-key).
 *
 * Each loader (-k/-r, --ovmf, -E) gets its image from boot_read_image(): one read() pass into
 * a buffer, the signature checked over that buffer, and only then the buffer handed back.
 * Re-opening the path to verify it would let the file change between check and use.
 *
 * Algorithms, both over SHA-256 of the whole file (FIPS 180-4):
 *   RSA key:  RSASSA-PSS (RFC 8017 §8.1), MGF1 with SHA-256, salt length 32 (the digest's);
 *             the signature is exactly as long as the modulus.
 *   EC key:   ECDSA on P-256 (FIPS 186-4 §6), signature a DER ECDSA-Sig-Value (RFC 3279
 *             §2.2.3), accepted only in its one strict DER encoding.
 * The algorithm follows from the key, never from the signature: a signature of another form
 * (PKCS#1 v1.5, ECDSA for an RSA key, ...) is refused with a line saying so.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#define DM_LOG_PREFIX "boot: "
#include "boot_image.h"
#include "dm_config.h"
#include "dm_log.h"

struct boot_key {
	EVP_PKEY *pkey;
	bool is_rsa;		/* else EC P-256 */
	int bits;
	char *name;		/* the path, for messages */
};

int boot_read_file(const char *what, const char *path, uint64_t max, uint8_t **out,
		   size_t *len, char *err, size_t errlen)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t got = 0;
	ssize_t r;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		dm_errf(err, errlen, "cannot open %s %s: %s", what, path, strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		dm_errf(err, errlen, "%s %s: not a regular file", what, path);
		rc = -EINVAL;
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		dm_errf(err, errlen, "%s %s: %lld bytes is too large (at most %llu)", what, path,
			(long long)st.st_size, (unsigned long long)max);
		rc = -E2BIG;
		goto out;
	}
	buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	if (buf == NULL) {
		dm_errf(err, errlen, "%s %s: out of memory", what, path);
		rc = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = r < 0 ? -errno : -EIO;
			dm_errf(err, errlen, "cannot read %s %s: %s", what, path,
				r < 0 ? strerror(errno) : "file shrank while reading");
			free(buf);
			buf = NULL;
			goto out;
		}
		got += (size_t)r;
	}
	*out = buf;
	*len = got;
out:
	close(fd);
	return rc;
}

void boot_key_free(struct boot_key *key)
{
	if (key == NULL)
		return;
	EVP_PKEY_free(key->pkey);
	free(key->name);
	free(key);
}

/* Only RSA >= 2048 bits and EC P-256: say which rule @p pkey breaks. */
static int boot_key_check(const char *name, EVP_PKEY *pkey, bool *is_rsa, char *err,
			  size_t errlen)
{
	char group[64] = "";
	size_t glen = 0;

	if (EVP_PKEY_is_a(pkey, "RSA")) {
		*is_rsa = true;
		if (EVP_PKEY_get_bits(pkey) < BOOT_RSA_MIN_BITS) {
			dm_errf(err, errlen, "key %s: RSA-%d is too short (at least %d bits)", name,
				EVP_PKEY_get_bits(pkey), BOOT_RSA_MIN_BITS);
			return -EINVAL;
		}
		return 0;
	}
	if (EVP_PKEY_is_a(pkey, "EC")) {
		*is_rsa = false;
		if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group,
						   sizeof(group), &glen) != 1 ||
		    strcmp(group, "prime256v1") != 0) {
			dm_errf(err, errlen, "key %s: EC curve %s is not accepted (P-256 only)", name,
				group[0] != '\0' ? group : "(unnamed)");
			return -EINVAL;
		}
		return 0;
	}
	dm_errf(err, errlen, "key %s: %s keys are not accepted (RSA or EC P-256)", name,
		EVP_PKEY_get0_type_name(pkey) != NULL ? EVP_PKEY_get0_type_name(pkey) : "unknown");
	return -EINVAL;
}

int boot_key_parse(const char *name, const uint8_t *pem, size_t len, struct boot_key **out,
		   char *err, size_t errlen)
{
	struct boot_key *key;
	EVP_PKEY *pkey = NULL;
	bool is_rsa = false;
	BIO *bio;
	int rc;

	if (len > INT_MAX) {
		dm_errf(err, errlen, "key %s: not a PEM public key", name);
		return -EINVAL;
	}
	bio = BIO_new_mem_buf(pem, (int)len);
	if (bio != NULL)
		pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ERR_clear_error();
	if (pkey == NULL) {
		dm_errf(err, errlen, "key %s: not a PEM public key (-----BEGIN PUBLIC KEY-----)", name);
		return bio == NULL ? -ENOMEM : -EINVAL;
	}
	rc = boot_key_check(name, pkey, &is_rsa, err, errlen);
	if (rc != 0) {
		EVP_PKEY_free(pkey);
		return rc;
	}
	key = calloc(1, sizeof(*key));
	if (key == NULL || (key->name = strdup(name)) == NULL) {
		free(key);
		EVP_PKEY_free(pkey);
		dm_errf(err, errlen, "key %s: out of memory", name);
		return -ENOMEM;
	}
	key->pkey = pkey;
	key->is_rsa = is_rsa;
	key->bits = EVP_PKEY_get_bits(pkey);
	*out = key;
	return 0;
}

int boot_key_load(const char *path, struct boot_key **out, char *err, size_t errlen)
{
	uint8_t *pem = NULL;
	size_t len = 0;
	int rc;

	rc = boot_read_file("key", path, BOOT_KEY_FILE_MAX, &pem, &len, err, errlen);
	if (rc == 0)
		rc = boot_key_parse(path, pem, len, out, err, errlen);
	free(pem);
	return rc;
}

/* True if @p sig is exactly the strict DER encoding of an ECDSA-Sig-Value. */
static bool sig_is_der_ecdsa(const uint8_t *sig, size_t len)
{
	const unsigned char *p = sig;
	unsigned char *der = NULL;
	ECDSA_SIG *s;
	bool ok;
	int n;

	if (len == 0 || len > BOOT_SIG_MAX)
		return false;
	s = d2i_ECDSA_SIG(NULL, &p, (long)len);
	if (s == NULL) {
		ERR_clear_error();
		return false;
	}
	n = i2d_ECDSA_SIG(s, &der);
	ok = p == sig + len && n == (int)len && memcmp(der, sig, len) == 0;
	OPENSSL_free(der);
	ECDSA_SIG_free(s);
	return ok;
}

/*
 * After a failed PSS check, tell a PKCS#1 v1.5 signature (RFC 8017 §9.2: EM = 00 01 FF..FF 00
 * DigestInfo, at least 8 FF) from a wrong key or a modified file: recover the raw EM.
 * Diagnostic only: the decision was the PSS check's.
 */
static bool sig_is_rsa_pkcs1_v15(const struct boot_key *key, const uint8_t *sig, size_t len)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(key->pkey, NULL);
	unsigned char em[BOOT_SIG_MAX];
	size_t n = sizeof(em), i = 2;
	bool v15 = false;

	if (c != NULL && len <= sizeof(em) && EVP_PKEY_verify_recover_init(c) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(c, RSA_NO_PADDING) == 1 &&
	    EVP_PKEY_verify_recover(c, em, &n, sig, len) == 1 && n == len && n > 11 &&
	    em[0] == 0x00 && em[1] == 0x01) {
		while (i < n && em[i] == 0xff)
			i++;
		v15 = i >= 10 && i < n && em[i] == 0x00;
	}
	ERR_clear_error();
	EVP_PKEY_CTX_free(c);
	return v15;
}

/* Refuse a signature that cannot be of the key's algorithm before trying it. */
static int boot_sig_form(const struct boot_key *key, const uint8_t *sig, size_t siglen,
			 char *err, size_t errlen)
{
	size_t want = (size_t)EVP_PKEY_get_size(key->pkey);

	if (!key->is_rsa) {
		if (sig_is_der_ecdsa(sig, siglen))
			return 0;
		dm_errf(err, errlen, "signature (%zu bytes) is not a DER ECDSA signature (truncated, "
			"or another algorithm), key %s is EC P-256", siglen, key->name);
		return -EINVAL;
	}
	if (siglen == want)
		return 0;
	if (sig_is_der_ecdsa(sig, siglen))
		dm_errf(err, errlen, "signature is ECDSA, key %s is RSA-%d (RSA-PSS required)",
			key->name, key->bits);
	else
		dm_errf(err, errlen, "signature is %zu bytes, an RSA-%d signature has %zu "
			"(truncated, or another algorithm)", siglen, key->bits, want);
	return -EINVAL;
}

int boot_verify_sig(const struct boot_key *key, const uint8_t *img, size_t len,
		    const uint8_t *sig, size_t siglen, char *err, size_t errlen)
{
	static const uint8_t empty[1];
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *md;
	int rc, ok;

	rc = boot_sig_form(key, sig, siglen, err, errlen);
	if (rc != 0)
		return rc;
	md = EVP_MD_CTX_new();
	if (md == NULL || EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, key->pkey) != 1 ||
	    (key->is_rsa &&
	     (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
	      EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1))) {
		dm_errf(err, errlen, "cannot set up the signature check (OpenSSL)");
		rc = -ENOMEM;
		goto out;
	}
	ok = EVP_DigestVerify(md, sig, siglen, img != NULL ? img : empty, len);
	if (ok == 1) {
		rc = 0;
	} else if (key->is_rsa && sig_is_rsa_pkcs1_v15(key, sig, siglen)) {
		dm_errf(err, errlen, "signature uses RSA PKCS#1 v1.5 padding, key %s requires "
			"RSA-PSS", key->name);
		rc = -EINVAL;
	} else {
		dm_errf(err, errlen, "signature does not verify with key %s", key->name);
		rc = -EBADMSG;
	}
out:
	ERR_clear_error();
	EVP_MD_CTX_free(md);
	return rc;
}

/* Load the key, read PATH.sig and check @p img with them; @p err names the image. */
static int boot_verify_file(const char *keypath, const char *what, const char *path,
			    const uint8_t *img, size_t len, char *err, size_t errlen)
{
	struct boot_key *key = NULL;
	uint8_t *sig = NULL;
	size_t siglen = 0;
	char *sigpath = NULL, why[384];
	int rc;

	rc = boot_key_load(keypath, &key, err, errlen);
	if (rc != 0)
		return rc;
	if (asprintf(&sigpath, "%s%s", path, BOOT_SIG_SUFFIX) < 0) {
		sigpath = NULL;
		dm_errf(err, errlen, "%s %s: out of memory", what, path);
		rc = -ENOMEM;
		goto out;
	}
	rc = boot_read_file("signature", sigpath, BOOT_SIG_MAX, &sig, &siglen, why, sizeof(why));
	if (rc == 0)
		rc = boot_verify_sig(key, img, len, sig, siglen, why, sizeof(why));
	if (rc != 0) {
		dm_errf(err, errlen, "%s %s: %s", what, path, why);
		goto out;
	}
	pr_info("%s %s: signature verified with key %s (%s)", what, path, keypath,
		key->is_rsa ? "RSA-PSS, SHA-256" : "ECDSA P-256, SHA-256");
out:
	free(sig);
	free(sigpath);
	boot_key_free(key);
	return rc;
}

int boot_read_image(const struct dm_config *cfg, const char *what, const char *path,
		    uint64_t max, uint8_t **out, size_t *len, char *err, size_t errlen)
{
	uint8_t *img = NULL;
	size_t ilen = 0;
	int rc;

	rc = boot_read_file(what, path, max, &img, &ilen, err, errlen);
	if (rc == 0 && cfg != NULL && cfg->verify_key != NULL)
		rc = boot_verify_file(cfg->verify_key, what, path, img, ilen, err, errlen);
	if (rc != 0) {
		free(img);
		return rc;
	}
	*out = img;
	*len = ilen;
	return 0;
}

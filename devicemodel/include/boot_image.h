/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file boot_image.h
 * Reading the boot images of a User VM (-k kernel, -r initrd, --ovmf firmware, -E ELF) into
 * memory, and, with --verify-key KEY.pem, checking each one against its detached signature
 * FILE.sig before any loader sees it.  The signature is checked over the very bytes the
 * loader then copies into guest memory: the file is read once, never re-opened.
 *
 * Signatures (doc/verified-boot.md): SHA-256 of the whole file, signed with RSA-PSS (MGF1
 * SHA-256, salt length 32) when KEY.pem holds an RSA public key of at least 2048 bits, or
 * with ECDSA (DER ECDSA-Sig-Value) when it holds an EC P-256 key.  Nothing else is accepted.
 */
#ifndef DM_BOOT_IMAGE_H
#define DM_BOOT_IMAGE_H

#include <stddef.h>
#include <stdint.h>

struct dm_config;

#define BOOT_SIG_SUFFIX		".sig"		/**< FILE.sig beside FILE */
#define BOOT_SIG_MAX		2048U		/**< RSA-16384; a DER ECDSA P-256 one is <= 72 */
#define BOOT_KEY_FILE_MAX	65536U		/**< a public key PEM is far smaller */
#define BOOT_RSA_MIN_BITS	2048

/** A public key accepted by --verify-key (opaque: it wraps an OpenSSL EVP_PKEY). */
struct boot_key;

/**
 * Parse a PEM public key ("BEGIN PUBLIC KEY") held in memory: RSA of at least
 * BOOT_RSA_MIN_BITS bits, or EC on P-256.
 * @param name  how to name the key in messages (its path)
 * @return 0 and *out (free with boot_key_free()), -EINVAL (not a PEM public key, or a key
 *         type or size that is refused) or -ENOMEM, with @p err set
 */
int boot_key_parse(const char *name, const uint8_t *pem, size_t len, struct boot_key **out,
		   char *err, size_t errlen);

/** boot_key_parse() of the file @p path (a regular file of at most BOOT_KEY_FILE_MAX bytes). */
int boot_key_load(const char *path, struct boot_key **out, char *err, size_t errlen);

/** Release a key; NULL is allowed. */
void boot_key_free(struct boot_key *key);

/**
 * Check @p sig, a detached signature of @p img, with @p key.  The signature's form must be
 * the key's algorithm: an RSA key takes an RSA-PSS signature of exactly the modulus size, an
 * EC key a strict DER ECDSA-Sig-Value; anything else is refused, not tried.
 * @param err  the reason, without any file name ("signature does not verify with key K")
 * @return 0 if it verifies; -EBADMSG if it is well formed but does not verify; -EINVAL if it
 *         cannot be a signature of this key's algorithm (length, encoding, PKCS#1 v1.5
 *         padding where PSS is required); -ENOMEM
 */
int boot_verify_sig(const struct boot_key *key, const uint8_t *img, size_t len,
		    const uint8_t *sig, size_t siglen, char *err, size_t errlen);

/**
 * Read a whole regular file of at most @p max bytes with read() (no mmap: a file truncated
 * under us must not SIGBUS acrn-dm).
 * @param what  how to name the file in messages ("kernel", "initrd", "ELF image", ...)
 * @return 0 with *out (malloc'd, free() it) and *len; or a negative errno with @p err set
 *         ("cannot open kernel /x: ...", "kernel /x: not a regular file", ...)
 */
int boot_read_file(const char *what, const char *path, uint64_t max, uint8_t **out,
		   size_t *len, char *err, size_t errlen);

/**
 * boot_read_file(), then, when @p cfg names a --verify-key, load that key, read PATH.sig and
 * boot_verify_sig() the bytes just read.  On any failure nothing is returned, so no byte of
 * an unverified image can reach a loader.
 * @param err  one line naming the file and the reason, e.g.
 *             "kernel /uos/vmlinuz: signature does not verify with key k.pem"
 * @return 0 with *out and *len; or a negative errno (the verification ones are those of
 *         boot_verify_sig(), -ENOENT for a missing PATH.sig)
 */
int boot_read_image(const struct dm_config *cfg, const char *what, const char *path,
		    uint64_t max, uint8_t **out, size_t *len, char *err, size_t errlen);

#endif /* DM_BOOT_IMAGE_H */

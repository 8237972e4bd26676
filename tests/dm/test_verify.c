/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrn-dm --verify-key: detached signatures of boot images (core/boot_image.c).
 *
 * Keys are made here, at test time, with OpenSSL (RSA-2048 twice, EC P-256 twice, and the
 * kinds that must be refused); signatures are made with the same APIs in every form the
 * verifier must accept or refuse.  The loader tests run dm_boot_prepare() on the fake
 * back-end and check that a refused image leaves guest memory untouched and vCPU 0 unset.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "boot_image.h"
#include "boot_linux.h"
#include "dmtest.h"
#include "boot_fixture.h"

#ifndef DMTEST_TOP
#define DMTEST_TOP "."
#endif

enum sig_alg { SIG_PSS, SIG_PSS_MAX_SALT, SIG_PKCS1_V15, SIG_ECDSA };

struct vfx {
	char dir[32];
	EVP_PKEY *rsa, *rsa2, *ec, *ec2;
	char rsa_pem[64], rsa2_pem[64], ec_pem[64], ec2_pem[64];
};
static struct vfx fx;

/* set_vcpu_regs recorded: a refused image must never reach it. */
static struct vmm_ops rec_ops;
static int rec_regs_calls;

static int rec_set_vcpu_regs(struct vmctx *ctx, const struct acrn_vcpu_regs *regs)
{
	rec_regs_calls++;
	return vmm_test_ops.set_vcpu_regs(ctx, regs);
}

static void path_in(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", fx.dir, name);
}

static void write_pubkey(EVP_PKEY *k, const char *path)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(PEM_write_PUBKEY(f, k), 1);
	assert_int_equal(fclose(f), 0);
}

static int group_setup(void **state)
{
	strcpy(fx.dir, "/tmp/dmverify.XXXXXX");
	if (mkdtemp(fx.dir) == NULL)
		return -1;
	fx.rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	fx.rsa2 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	fx.ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	fx.ec2 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (fx.rsa == NULL || fx.rsa2 == NULL || fx.ec == NULL || fx.ec2 == NULL)
		return -1;
	path_in(fx.rsa_pem, sizeof(fx.rsa_pem), "rsa.pem");
	path_in(fx.rsa2_pem, sizeof(fx.rsa2_pem), "rsa2.pem");
	path_in(fx.ec_pem, sizeof(fx.ec_pem), "ec.pem");
	path_in(fx.ec2_pem, sizeof(fx.ec2_pem), "ec2.pem");
	write_pubkey(fx.rsa, fx.rsa_pem);
	write_pubkey(fx.rsa2, fx.rsa2_pem);
	write_pubkey(fx.ec, fx.ec_pem);
	write_pubkey(fx.ec2, fx.ec2_pem);
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[64];

	EVP_PKEY_free(fx.rsa);
	EVP_PKEY_free(fx.rsa2);
	EVP_PKEY_free(fx.ec);
	EVP_PKEY_free(fx.ec2);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx.dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Sign SHA-256(@p buf) with @p k in form @p alg; returns the signature length. */
static size_t sign_buf(EVP_PKEY *k, enum sig_alg alg, const uint8_t *buf, size_t len,
		       uint8_t *sig, size_t max)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	size_t n = max;

	assert_non_null(md);
	assert_int_equal(EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, k), 1);
	if (alg == SIG_PSS || alg == SIG_PSS_MAX_SALT) {
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, alg == SIG_PSS ?
				 RSA_PSS_SALTLEN_DIGEST : RSA_PSS_SALTLEN_MAX), 1);
	} else if (alg == SIG_PKCS1_V15) {
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING), 1);
	}
	assert_int_equal(EVP_DigestSign(md, sig, &n, buf, len), 1);
	EVP_MD_CTX_free(md);
	return n;
}

/* Write @p buf to DIR/@p name and, unless @p k is NULL, its signature to DIR/@p name.sig. */
static void put_signed(const char *name, const uint8_t *buf, size_t len, EVP_PKEY *k,
		       enum sig_alg alg, char *path, size_t pathlen)
{
	uint8_t sig[BOOT_SIG_MAX];
	char sigpath[96];
	size_t n;

	path_in(path, pathlen, name);
	assert_int_equal(write_file(path, buf, len), 0);
	snprintf(sigpath, sizeof(sigpath), "%s.sig", path);
	unlink(sigpath);
	if (k == NULL)
		return;
	n = sign_buf(k, alg, buf, len, sig, sizeof(sig));
	assert_int_equal(write_file(sigpath, sig, n), 0);
}

/* boot_verify_sig() of @p img against @p sig with the key file @p pem; *why gets the reason. */
static int verify_with(const char *pem, const uint8_t *img, size_t len, const uint8_t *sig,
		       size_t siglen, char *why, size_t whylen)
{
	struct boot_key *key = NULL;
	int rc;

	assert_int_equal(boot_key_load(pem, &key, why, whylen), 0);
	why[0] = '\0';
	rc = boot_verify_sig(key, img, len, sig, siglen, why, whylen);
	boot_key_free(key);
	return rc;
}

static uint8_t image[8192];

static void fill_image(void)
{
	for (size_t i = 0; i < sizeof(image); i++)
		image[i] = (uint8_t)(i * 13 + 1);
}

/*
 * Sign the test image with @p signer in form @p alg and check it with the key file @p pem:
 * expect @p rc and, unless @p reason is NULL, that text in the reason.
 */
static void expect_sig(EVP_PKEY *signer, enum sig_alg alg, const char *pem, int rc,
		       const char *reason)
{
	uint8_t sig[BOOT_SIG_MAX];
	char why[256];
	size_t n;

	fill_image();
	n = sign_buf(signer, alg, image, sizeof(image), sig, sizeof(sig));
	assert_int_equal(verify_with(pem, image, sizeof(image), sig, n, why, sizeof(why)), rc);
	if (reason != NULL)
		assert_non_null(strstr(why, reason));
}

static void test_verify_rsa_pss_signature_verifies(void **state)
{
	expect_sig(fx.rsa, SIG_PSS, fx.rsa_pem, 0, NULL);
}

static void test_verify_ecdsa_p256_signature_verifies(void **state)
{
	expect_sig(fx.ec, SIG_ECDSA, fx.ec_pem, 0, NULL);
}

static void test_verify_flipped_image_byte_does_not_verify(void **state)
{
	uint8_t rsig[BOOT_SIG_MAX], esig[BOOT_SIG_MAX];
	size_t rn, en;
	char why[256], want[160];

	fill_image();
	rn = sign_buf(fx.rsa, SIG_PSS, image, sizeof(image), rsig, sizeof(rsig));
	en = sign_buf(fx.ec, SIG_ECDSA, image, sizeof(image), esig, sizeof(esig));
	/* The first, a middle and the last byte: each single flip is caught. */
	for (size_t at = 0; at < sizeof(image); at += sizeof(image) / 2 - 1) {
		image[at] ^= 0x01;
		assert_int_equal(verify_with(fx.rsa_pem, image, sizeof(image), rsig, rn, why,
					     sizeof(why)), -EBADMSG);
		snprintf(want, sizeof(want), "signature does not verify with key %s", fx.rsa_pem);
		assert_string_equal(why, want);
		assert_int_equal(verify_with(fx.ec_pem, image, sizeof(image), esig, en, why,
					     sizeof(why)), -EBADMSG);
		image[at] ^= 0x01;
	}
	/* One byte more or less is another file too. */
	assert_int_equal(verify_with(fx.rsa_pem, image, sizeof(image) - 1, rsig, rn, why,
				     sizeof(why)), -EBADMSG);
}

static void test_verify_truncated_signature_refused(void **state)
{
	uint8_t sig[BOOT_SIG_MAX];
	char why[256];
	size_t n;

	fill_image();
	n = sign_buf(fx.rsa, SIG_PSS, image, sizeof(image), sig, sizeof(sig));
	assert_int_equal(verify_with(fx.rsa_pem, image, sizeof(image), sig, n - 1, why,
				     sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "255 bytes, an RSA-2048 signature has 256"));
	assert_int_equal(verify_with(fx.rsa_pem, image, sizeof(image), sig, 0, why, sizeof(why)),
			 -EINVAL);

	n = sign_buf(fx.ec, SIG_ECDSA, image, sizeof(image), sig, sizeof(sig));
	for (size_t cut = 1; cut < n; cut++) {
		assert_int_equal(verify_with(fx.ec_pem, image, sizeof(image), sig, n - cut, why,
					     sizeof(why)), -EINVAL);
		assert_non_null(strstr(why, "not a DER ECDSA signature"));
	}
	/* Trailing bytes after a valid DER value are not tolerated either. */
	sig[n] = 0;
	assert_int_equal(verify_with(fx.ec_pem, image, sizeof(image), sig, n + 1, why,
				     sizeof(why)), -EINVAL);
}

static void test_verify_wrong_key_does_not_verify(void **state)
{
	expect_sig(fx.rsa, SIG_PSS, fx.rsa2_pem, -EBADMSG, fx.rsa2_pem);
	expect_sig(fx.ec, SIG_ECDSA, fx.ec2_pem, -EBADMSG, "signature does not verify with key");
}

static void test_verify_wrong_algorithm_refused(void **state)
{
	/* RSA key, PKCS#1 v1.5 signature: the right key and bytes, the wrong padding. */
	expect_sig(fx.rsa, SIG_PKCS1_V15, fx.rsa_pem, -EINVAL,
		   "signature uses RSA PKCS#1 v1.5 padding, key");
	expect_sig(fx.rsa, SIG_PKCS1_V15, fx.rsa_pem, -EINVAL, "requires RSA-PSS");
	/* RSA key, ECDSA signature; EC key, RSA-PSS signature. */
	expect_sig(fx.ec, SIG_ECDSA, fx.rsa_pem, -EINVAL, "signature is ECDSA, key");
	expect_sig(fx.rsa, SIG_PSS, fx.ec_pem, -EINVAL, "not a DER ECDSA signature");
	/* PSS, but with a salt as long as the modulus allows: not the digest-length salt. */
	expect_sig(fx.rsa, SIG_PSS_MAX_SALT, fx.rsa_pem, -EBADMSG, "does not verify");
}

/* Key files acrn-dm must refuse at --verify-key, with the reason. */
static void expect_key_refused(EVP_PKEY *k, bool private_pem, const char *reason)
{
	struct boot_key *key = NULL;
	char path[96], why[256];
	FILE *f;

	path_in(path, sizeof(path), "refused.pem");
	f = fopen(path, "w");
	assert_non_null(f);
	if (private_pem)
		assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
	else
		assert_int_equal(PEM_write_PUBKEY(f, k), 1);
	fclose(f);
	assert_int_equal(boot_key_load(path, &key, why, sizeof(why)), -EINVAL);
	assert_null(key);
	assert_non_null(strstr(why, path));
	assert_non_null(strstr(why, reason));
}

static void test_verify_weak_or_foreign_keys_refused(void **state)
{
	EVP_PKEY *rsa1024 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	struct boot_key *key = NULL;
	char why[256];

	assert_non_null(rsa1024);
	assert_non_null(p384);
	assert_non_null(ed);
	expect_key_refused(rsa1024, false, "RSA-1024 is too short");
	expect_key_refused(p384, false, "EC curve secp384r1 is not accepted");
	expect_key_refused(ed, false, "ED25519 keys are not accepted");
	expect_key_refused(fx.ec, true, "not a PEM public key");	/* a private key file */
	assert_int_equal(boot_key_parse("junk", (const uint8_t *)"hello", 5, &key, why,
					sizeof(why)), -EINVAL);
	assert_int_equal(boot_key_load("/nonexistent/k.pem", &key, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "cannot open key /nonexistent/k.pem"));
	EVP_PKEY_free(rsa1024);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(ed);
}

/* Guest memory where a kernel, zero page and ACPI tables would go: still all zero. */
static void assert_guest_untouched(struct vmctx *ctx)
{
	static uint8_t buf[PM_SIZE], zero[PM_SIZE];

	assert_int_equal(vmm_test_gpa_read(ctx, BOOT_KERNEL_ADDR, buf, PM_SIZE), 0);
	assert_memory_equal(buf, zero, PM_SIZE);
	assert_int_equal(vmm_test_gpa_read(ctx, BOOT_ZEROPAGE_ADDR, buf, 4096), 0);
	assert_memory_equal(buf, zero, 4096);
	assert_int_equal(vmm_test_gpa_read(ctx, 0xE0000, buf, 64), 0);
	assert_memory_equal(buf, zero, 64);
	assert_int_equal(rec_regs_calls, 0);
}

static int boot_vm(struct dmtest_vm *vm, const char *key, const char *kpath, const char *ipath)
{
	rec_ops = vmm_test_ops;
	rec_ops.set_vcpu_regs = rec_set_vcpu_regs;
	rec_regs_calls = 0;
	if (key != NULL)
		assert_int_equal(dmtest_vm_create_ops(vm, &rec_ops, "-m", "64M", "--verify-key", key,
						      "-k", kpath, "-r", ipath, "vm", NULL), 0);
	else
		assert_int_equal(dmtest_vm_create_ops(vm, &rec_ops, "-m", "64M", "-k", kpath,
						      "-r", ipath, "vm", NULL), 0);
	return dm_boot_prepare(vm->ctx, vm->err, sizeof(vm->err));
}

/* A bzImage and a 6-byte initrd written as DIR/TAG-k and DIR/TAG-i. */
struct boot_files {
	char k[96], i[96];
	uint8_t *img;
	size_t len;
};

static enum sig_alg alg_of(EVP_PKEY *k)
{
	return k != NULL && EVP_PKEY_is_a(k, "RSA") ? SIG_PSS : SIG_ECDSA;
}

/* Sign the kernel with @p kk and the initrd with @p ki, each in its key's form (NULL: none). */
static void put_boot_files(struct boot_files *b, const char *tag, EVP_PKEY *kk, EVP_PKEY *ki)
{
	char name[32];

	b->img = make_bzimage(0x020f, 2047, &b->len);
	snprintf(name, sizeof(name), "%s-k", tag);
	put_signed(name, b->img, b->len, kk, alg_of(kk), b->k, sizeof(b->k));
	snprintf(name, sizeof(name), "%s-i", tag);
	put_signed(name, (const uint8_t *)"initrd", 6, ki, alg_of(ki), b->i, sizeof(b->i));
}

static void test_verify_signed_kernel_and_initrd_boot(void **state)
{
	struct dmtest_vm vm;
	struct boot_files b;
	uint8_t got[PM_SIZE];

	put_boot_files(&b, "rsa", fx.rsa, fx.rsa);
	assert_int_equal(boot_vm(&vm, fx.rsa_pem, b.k, b.i), 0);
	assert_int_equal(vmm_test_gpa_read(vm.ctx, BOOT_KERNEL_ADDR, got, PM_SIZE), 0);
	assert_memory_equal(got, b.img + SETUP_SIZE, PM_SIZE);
	assert_int_equal(rec_regs_calls, 1);
	dmtest_vm_destroy(&vm);
	free(b.img);

	put_boot_files(&b, "ec", fx.ec, fx.ec);
	assert_int_equal(boot_vm(&vm, fx.ec_pem, b.k, b.i), 0);
	assert_int_equal(rec_regs_calls, 1);
	dmtest_vm_destroy(&vm);
	free(b.img);
}

static void test_verify_flipped_kernel_refused_before_guest_memory(void **state)
{
	struct dmtest_vm vm;
	struct boot_files b;
	char want[320];

	put_boot_files(&b, "flip", fx.rsa, fx.rsa);
	/* The same bytes with one bit changed in the protected-mode part: still a valid bzImage. */
	b.img[SETUP_SIZE + 100] ^= 0x20;
	assert_int_equal(write_file(b.k, b.img, b.len), 0);
	assert_int_equal(boot_vm(&vm, fx.rsa_pem, b.k, b.i), -EBADMSG);
	snprintf(want, sizeof(want), "kernel %s: signature does not verify with key %s", b.k,
		 fx.rsa_pem);
	assert_string_equal(vm.err, want);
	assert_guest_untouched(vm.ctx);
	dmtest_vm_destroy(&vm);

	/* Without --verify-key nothing changes: the very same file loads. */
	assert_int_equal(boot_vm(&vm, NULL, b.k, b.i), 0);
	assert_int_equal(rec_regs_calls, 1);
	dmtest_vm_destroy(&vm);
	free(b.img);
}

static void test_verify_missing_or_bad_initrd_signature_refused(void **state)
{
	struct dmtest_vm vm;
	struct boot_files b;
	char want[320];

	put_boot_files(&b, "unsigned", fx.ec, NULL);
	assert_int_equal(boot_vm(&vm, fx.ec_pem, b.k, b.i), -ENOENT);
	snprintf(want, sizeof(want), "initrd %s: cannot open signature %s.sig: No such file or "
		 "directory", b.i, b.i);
	assert_string_equal(vm.err, want);
	assert_guest_untouched(vm.ctx);		/* the kernel verified, but was not loaded alone */
	dmtest_vm_destroy(&vm);
	free(b.img);

	/* Signed by the other EC key. */
	put_boot_files(&b, "other", fx.ec, fx.ec2);
	assert_int_equal(boot_vm(&vm, fx.ec_pem, b.k, b.i), -EBADMSG);
	assert_non_null(strstr(vm.err, "initrd "));
	assert_guest_untouched(vm.ctx);
	dmtest_vm_destroy(&vm);
	free(b.img);
}

static void test_verify_key_problems_refuse_the_boot(void **state)
{
	struct dmtest_vm vm;
	struct boot_files b;

	put_boot_files(&b, "key", fx.rsa, fx.rsa);
	assert_int_equal(boot_vm(&vm, "/nonexistent.pem", b.k, b.i), -ENOENT);
	assert_string_equal(vm.err, "cannot open key /nonexistent.pem: No such file or directory");
	assert_guest_untouched(vm.ctx);
	dmtest_vm_destroy(&vm);
	/* The image itself as the key. */
	assert_int_equal(boot_vm(&vm, b.k, b.k, b.i), -EINVAL);
	assert_non_null(strstr(vm.err, "not a PEM public key"));
	dmtest_vm_destroy(&vm);
	free(b.img);
}

static void test_verify_ovmf_and_elf_images_are_checked_first(void **state)
{
	struct dmtest_vm vm;
	char path[96];
	static uint8_t fw[64 * 1024];

	memset(fw, 0x90, sizeof(fw));
	put_signed("ovmf.fd", fw, sizeof(fw), fx.ec, SIG_ECDSA, path, sizeof(path));
	assert_int_equal(dmtest_vm_create(&vm, "-m", "64M", "--verify-key", fx.ec_pem, "--ovmf",
					  path, "vm", NULL), 0);
	assert_int_equal(dm_boot_prepare(vm.ctx, vm.err, sizeof(vm.err)), 0);
	assert_non_null(vm.ctx->fw_mem);
	dm_boot_release(vm.ctx);
	dmtest_vm_destroy(&vm);

	fw[sizeof(fw) - 16] ^= 1;		/* the reset vector */
	assert_int_equal(write_file(path, fw, sizeof(fw)), 0);
	assert_int_equal(dmtest_vm_create(&vm, "-m", "64M", "--verify-key", fx.ec_pem, "--ovmf",
					  path, "vm", NULL), 0);
	assert_int_equal(dm_boot_prepare(vm.ctx, vm.err, sizeof(vm.err)), -EBADMSG);
	assert_non_null(strstr(vm.err, "firmware "));
	assert_null(vm.ctx->fw_mem);		/* never mapped */
	dmtest_vm_destroy(&vm);

	/* -E: a signed non-ELF file passes the signature, then the ELF parser refuses it;
	 * unsigned, it never reaches the parser. */
	put_signed("guest.elf", fw, 64, fx.rsa, SIG_PSS, path, sizeof(path));
	assert_int_equal(dmtest_vm_create(&vm, "-m", "64M", "--verify-key", fx.rsa_pem, "-E",
					  path, "vm", NULL), 0);
	assert_int_equal(dm_boot_prepare(vm.ctx, vm.err, sizeof(vm.err)), -ENOEXEC);
	assert_non_null(strstr(vm.err, "not an ELF file"));
	put_signed("guest.elf", fw, 64, NULL, SIG_PSS, path, sizeof(path));
	assert_int_equal(dm_boot_prepare(vm.ctx, vm.err, sizeof(vm.err)), -ENOENT);
	assert_non_null(strstr(vm.err, "ELF image "));
	assert_non_null(strstr(vm.err, "cannot open signature"));
	dmtest_vm_destroy(&vm);
}

static void test_verify_option_given_once(void **state)
{
	struct dm_config cfg;
	char err[256];
	char *argv[] = { "acrn-dm", "--verify-key", "a.pem", "--verify-key=b.pem", "vm", NULL };

	assert_int_equal(dm_config_parse(&cfg, 5, argv, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "option --verify-key given twice");
	dm_config_free(&cfg);
	assert_int_equal(dm_config_parse(&cfg, 3, (char *[]){ "acrn-dm", "--verify-key=k.pem",
					 "vm", NULL }, err, sizeof(err)), 0);
	assert_string_equal(cfg.verify_key, "k.pem");
	dm_config_free(&cfg);
}

/* misc/sign-image.sh (openssl CLI) makes keys and signatures this verifier accepts. */
static void test_verify_accepts_sign_image_sh_output(void **state)
{
	static const char *const types[] = { "rsa", "ec" };
	char cmd[512], img[96], pem[96], why[256];
	uint8_t *sig = NULL;
	size_t siglen = 0;

	fill_image();
	path_in(img, sizeof(img), "cli.img");
	assert_int_equal(write_file(img, image, sizeof(image)), 0);
	for (size_t i = 0; i < 2; i++) {
		snprintf(cmd, sizeof(cmd), "%s/misc/sign-image.sh keygen %s %s/cli-%s >/dev/null && "
			 "%s/misc/sign-image.sh sign %s/cli-%s.key %s >/dev/null", DMTEST_TOP,
			 types[i], fx.dir, types[i], DMTEST_TOP, fx.dir, types[i], img);
		assert_int_equal(system(cmd), 0);
		snprintf(pem, sizeof(pem), "%s/cli-%s.pem", fx.dir, types[i]);
		snprintf(cmd, sizeof(cmd), "%s.sig", img);
		assert_int_equal(boot_read_file("signature", cmd, BOOT_SIG_MAX, &sig, &siglen, why,
						sizeof(why)), 0);
		assert_int_equal(verify_with(pem, image, sizeof(image), sig, siglen, why,
					     sizeof(why)), 0);
		free(sig);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify_rsa_pss_signature_verifies),
		cmocka_unit_test(test_verify_ecdsa_p256_signature_verifies),
		cmocka_unit_test(test_verify_flipped_image_byte_does_not_verify),
		cmocka_unit_test(test_verify_truncated_signature_refused),
		cmocka_unit_test(test_verify_wrong_key_does_not_verify),
		cmocka_unit_test(test_verify_wrong_algorithm_refused),
		cmocka_unit_test(test_verify_weak_or_foreign_keys_refused),
		cmocka_unit_test(test_verify_signed_kernel_and_initrd_boot),
		cmocka_unit_test(test_verify_flipped_kernel_refused_before_guest_memory),
		cmocka_unit_test(test_verify_missing_or_bad_initrd_signature_refused),
		cmocka_unit_test(test_verify_key_problems_refuse_the_boot),
		cmocka_unit_test(test_verify_ovmf_and_elf_images_are_checked_first),
		cmocka_unit_test(test_verify_option_given_once),
		cmocka_unit_test(test_verify_accepts_sign_image_sh_output),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * virtio-rnd: device-writable buffers come back full of random bytes, on the
 * modern and the legacy interface, for chains of several buffers and several
 * chains per kick.
 */
#include "virtio_driver.h"

#include <stdlib.h>

#define SLOT_RND	4
#define QSZ		16
#define F_V1		(1ULL << VIRTIO_F_VERSION_1)
#define BUFSZ		4096

static int setup(void **state)
{
	return dmtest_setup(state, "-m", "64M", "-s", "4,virtio-rnd", "vm", NULL);
}

#define teardown dmtest_teardown
#define ctx_of dmtest_ctx

/* Distinct byte values: ~256 for 4 KiB of random data, 1 for a zeroed buffer. */
static int distinct(const uint8_t *b, size_t n)
{
	bool seen[256] = { false };
	int k = 0;

	for (size_t i = 0; i < n; i++)
		if (!seen[b[i]]) {
			seen[b[i]] = true;
			k++;
		}
	return k;
}

static void fill_and_check(struct vdrv *d, uint8_t *out)
{
	static uint8_t zero[BUFSZ];
	struct vd_buf b = { VD_DATA, BUFSZ, true };
	uint32_t id, len;

	assert_int_equal(vmm_test_gpa_write(d->ctx, VD_DATA, zero, BUFSZ), 0);
	vd_post(d, 0, &b, 1);
	vd_kick(d, 0);
	assert_int_equal(vd_wait_used(d, 0, &id, &len, 1000), 0);
	assert_int_equal(len, BUFSZ);
	assert_int_equal(vmm_test_gpa_read(d->ctx, VD_DATA, out, BUFSZ), 0);
	assert_true(distinct(out, BUFSZ) > 200);
}

static void test_virtio_rnd_returns_random_bytes_modern(void **state)
{
	static uint8_t a[BUFSZ], b[BUFSZ];
	struct vdrv d;

	vd_open(&d, ctx_of(state), SLOT_RND, false);
	vd_bringup(&d, F_V1, 1, QSZ);
	fill_and_check(&d, a);
	fill_and_check(&d, b);
	assert_memory_not_equal(a, b, BUFSZ);
	vd_set_status(&d, 0);
}

static void test_virtio_rnd_returns_random_bytes_legacy(void **state)
{
	static uint8_t a[BUFSZ];
	struct vdrv d;

	vd_open(&d, ctx_of(state), SLOT_RND, true);
	vd_bringup(&d, 0, 1, 0);
	assert_int_equal(d.q[0].size, 64);
	fill_and_check(&d, a);
	vd_set_status(&d, 0);
}

static void test_virtio_rnd_fills_every_buffer_of_every_chain(void **state)
{
	static uint8_t zero[3 * 512], got[3 * 512];
	struct vd_buf c1[2] = { { VD_DATA, 512, true }, { VD_DATA + 512, 512, true } };
	struct vd_buf c2 = { VD_DATA + 1024, 512, true };
	uint32_t id, len, total = 0;
	struct vdrv d;

	vd_open(&d, ctx_of(state), SLOT_RND, false);
	vd_bringup(&d, F_V1, 1, QSZ);
	assert_int_equal(vmm_test_gpa_write(d.ctx, VD_DATA, zero, sizeof(zero)), 0);
	vd_post(&d, 0, c1, 2);
	vd_post(&d, 0, &c2, 1);
	vd_kick(&d, 0);
	assert_int_equal(vd_wait_used(&d, 0, &id, &len, 1000), 0);
	assert_int_equal(id, 0);
	total += len;
	assert_int_equal(len, 1024);
	assert_int_equal(vd_wait_used(&d, 0, &id, &len, 1000), 0);
	assert_int_equal(id, 2);
	total += len;
	assert_int_equal(total, 1536);
	assert_int_equal(vmm_test_gpa_read(d.ctx, VD_DATA, got, sizeof(got)), 0);
	for (int i = 0; i < 3; i++)
		assert_true(distinct(got + 512 * i, 512) > 100);
	vd_set_status(&d, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_virtio_rnd_returns_random_bytes_modern),
		cmocka_unit_test(test_virtio_rnd_returns_random_bytes_legacy),
		cmocka_unit_test(test_virtio_rnd_fills_every_buffer_of_every_chain),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

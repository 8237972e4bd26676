/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the DMAR parser (hypervisor/arch/x86/dmar.c) and the VT-d
 * driver (hypervisor/arch/x86/vtd.c, vtd_hv.c's no-DMAR path) against the
 * register-level model in vtd_model.c.  DMAR tables are built by hand with
 * the layouts of VT-d spec §8: header §8.1, DRHD §8.3, device scope §8.3.1,
 * RMRR §8.4.  Every check of an assignment goes through the model's table
 * walk, i.e. what a device's DMA would get.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lib/errno.h>
#include <arch/x86/dmar.h>
#include <arch/x86/vtd.h>
#include <common/vm.h>
#include "vtd_model.h"
#include "../pgtable/pgt_test_mem.h"

/* ---- hypervisor services the code under test links against -------------- */

static char logbuf[65536];
static size_t loglen;

void printk(int level, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(logbuf + loglen, sizeof(logbuf) - loglen, fmt, ap);
	va_end(ap);
	if (n > 0)
		loglen = loglen + (size_t)n < sizeof(logbuf) ? loglen + (size_t)n : sizeof(logbuf) - 1;
}

void udelay(uint32_t us)
{
	fail_msg("udelay called: the driver must wait through its ops");
}

void *page_alloc(void)
{
	fail_msg("page_alloc called: the driver must allocate through its ops");
	return NULL;
}

void page_free(void *p)
{
	fail_msg("page_free called");
}

static unsigned int log_count(const char *needle)
{
	unsigned int n = 0;

	for (const char *p = logbuf; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* ---- DMAR builder --------------------------------------------------------- */

struct tbl {
	uint8_t b[4096];
	size_t len;
};

static void put(struct tbl *t, size_t off, uint64_t v, unsigned int n)
{
	memcpy(t->b + off, &v, n);
}

static void tbl_begin(struct tbl *t)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->b, "DMAR", 4);
	t->b[8] = 1;		/* revision */
	t->b[36] = 38;		/* HAW: 39 bits */
	t->b[37] = 1;		/* INTR_REMAP */
	t->len = 48;
}

/* A DRHD with @p nscope endpoint scopes on bus 0 (devs[i], function 0). */
static void tbl_drhd(struct tbl *t, uint64_t base, bool all, const uint8_t *devs, unsigned int nscope)
{
	size_t s = t->len;

	put(t, s, 0, 2);
	put(t, s + 2, 16 + 8U * nscope, 2);
	t->b[s + 4] = all ? 1 : 0;
	put(t, s + 6, 0, 2);
	put(t, s + 8, base, 8);
	for (unsigned int i = 0; i < nscope; i++) {
		size_t d = s + 16 + 8U * i;

		t->b[d] = DMAR_SCOPE_ENDPOINT;
		t->b[d + 1] = 8;
		t->b[d + 5] = 0;	/* start bus */
		t->b[d + 6] = devs[i];
		t->b[d + 7] = 0;
	}
	t->len += 16 + 8U * nscope;
}

static void tbl_rmrr(struct tbl *t, uint64_t base, uint64_t limit, uint8_t dev)
{
	size_t s = t->len;

	put(t, s, 1, 2);
	put(t, s + 2, 24 + 8, 2);
	put(t, s + 8, base, 8);
	put(t, s + 16, limit, 8);
	t->b[s + 24] = DMAR_SCOPE_ENDPOINT;
	t->b[s + 25] = 8;
	t->b[s + 30] = dev;
	t->len += 32;
}

static void tbl_end(struct tbl *t)
{
	uint8_t sum = 0;

	put(t, 4, t->len, 4);
	t->b[9] = 0;
	for (size_t i = 0; i < t->len; i++)
		sum = (uint8_t)(sum + t->b[i]);
	t->b[9] = (uint8_t)-sum;
}

#define BDF(b, d, f) ((uint16_t)(((b) << 8) | ((d) << 3) | (f)))

/* ---- DMAR parser ---------------------------------------------------------- */

static void test_dmar_parses_units_scopes_and_rmrr(void **state)
{
	static struct dmar_info info;
	static struct tbl t;
	const uint8_t gfx[] = { 2 };

	tbl_begin(&t);
	tbl_drhd(&t, 0xFED90000, false, gfx, 1);
	tbl_drhd(&t, 0xFED91000, true, NULL, 0);
	tbl_rmrr(&t, 0x7C000000, 0x7C7FFFFF, 0x14);
	tbl_end(&t);
	assert_int_equal(dmar_parse(t.b, t.len, &info), 0);
	assert_null(info.error);
	assert_int_equal(info.host_addr_width, 39);
	assert_int_equal(info.unit_count, 2);
	assert_int_equal(info.units[0].reg_base, 0xFED90000);
	assert_false(info.units[0].include_all);
	assert_int_equal(info.units[0].scope_count, 1);
	assert_true(info.units[0].scopes[0].resolved);
	assert_int_equal(info.units[0].scopes[0].bdf, BDF(0, 2, 0));
	assert_true(info.units[1].include_all);
	assert_int_equal(info.rmrr_count, 1);
	assert_int_equal(info.rmrrs[0].base, 0x7C000000);
	assert_int_equal(info.rmrrs[0].limit, 0x7C7FFFFF);
	assert_int_equal(info.rmrrs[0].scopes[0].bdf, BDF(0, 0x14, 0));
	/* The graphics device belongs to the first unit, everything else to the catch-all. */
	assert_int_equal(dmar_unit_for(&info, BDF(0, 2, 0)), 0);
	assert_int_equal(dmar_unit_for(&info, BDF(0, 3, 0)), 1);
	assert_int_equal(dmar_unit_for(&info, BDF(5, 0, 0)), 1);
}

/* Hidden from the Service VM: still valid ACPI (checksum), no longer a DMAR table. */
static void test_dmar_hide_renames_and_keeps_checksum(void **state)
{
	static struct dmar_info info;
	static struct tbl t, copy;
	const uint8_t gfx[] = { 2 };
	uint8_t sum = 0;

	(void)state;
	tbl_begin(&t);
	tbl_drhd(&t, 0xFED90000, false, gfx, 1);
	tbl_end(&t);
	copy = t;
	/* Refused, and nothing changed: too short a buffer, a bad checksum. */
	assert_int_equal(dmar_hide(t.b, t.len - 1), -EINVAL);
	t.b[20] ^= 1;
	assert_int_equal(dmar_hide(t.b, t.len), -EINVAL);
	t.b[20] ^= 1;
	assert_memory_equal(t.b, copy.b, t.len);

	assert_int_equal(dmar_hide(t.b, t.len), 0);
	assert_memory_equal(t.b, "XMAR", 4);
	for (size_t i = 0; i < t.len; i++)
		sum = (uint8_t)(sum + t.b[i]);
	assert_int_equal(sum, 0);
	assert_memory_equal(t.b + 4, copy.b + 4, 5);		/* length, revision */
	assert_memory_equal(t.b + 10, copy.b + 10, t.len - 10);	/* the rest */
	assert_int_equal(dmar_parse(t.b, t.len, &info), -EINVAL);
	assert_int_equal(dmar_hide(t.b, t.len), -EINVAL);	/* hidden already */
}

static void expect_rejected(struct tbl *t, size_t len, int err)
{
	static struct dmar_info info;

	memset(&info, 0x5A, sizeof(info));
	assert_int_equal(dmar_parse(t->b, len, &info), err);
	assert_int_equal(info.unit_count, 0);
	assert_int_equal(info.rmrr_count, 0);
	assert_non_null(info.error);
}

static void test_dmar_rejects_structure_past_end(void **state)
{
	static struct tbl t;

	tbl_begin(&t);
	tbl_drhd(&t, 0xFED90000, true, NULL, 0);
	put(&t, 48 + 2, 200, 2);	/* the DRHD claims 200 bytes, 16 remain */
	tbl_end(&t);
	expect_rejected(&t, t.len, -EINVAL);
	/* A table whose length exceeds what the caller could map. */
	tbl_begin(&t);
	tbl_drhd(&t, 0xFED90000, true, NULL, 0);
	tbl_end(&t);
	expect_rejected(&t, t.len - 1, -EINVAL);
}

static void test_dmar_rejects_zero_length_structure(void **state)
{
	static struct tbl t;

	tbl_begin(&t);
	tbl_drhd(&t, 0xFED90000, true, NULL, 0);
	t.len += 8;			/* a structure of type 1, length 0 */
	put(&t, 64, 1, 2);
	tbl_end(&t);
	expect_rejected(&t, t.len, -EINVAL);
}

static void test_dmar_rejects_bad_device_scope(void **state)
{
	static struct tbl t;
	const uint8_t dev[] = { 3 };

	tbl_begin(&t);
	tbl_drhd(&t, 0xFED90000, true, dev, 1);
	t.b[48 + 16 + 1] = 0;		/* scope length 0 */
	tbl_end(&t);
	expect_rejected(&t, t.len, -EINVAL);
	tbl_begin(&t);
	tbl_drhd(&t, 0xFED90000, true, dev, 1);
	t.b[48 + 16 + 1] = 40;		/* scope past its DRHD */
	tbl_end(&t);
	expect_rejected(&t, t.len, -EINVAL);
}

static void test_dmar_rejects_too_many_units(void **state)
{
	static struct tbl t;

	tbl_begin(&t);
	for (unsigned int i = 0; i <= DMAR_MAX_UNITS; i++)
		tbl_drhd(&t, 0xFED90000 + 0x1000U * i, false, NULL, 0);
	tbl_end(&t);
	expect_rejected(&t, t.len, -E2BIG);
}

static void test_dmar_rejects_bad_checksum_and_no_unit(void **state)
{
	static struct tbl t;

	tbl_begin(&t);
	tbl_drhd(&t, 0xFED90000, true, NULL, 0);
	tbl_end(&t);
	t.b[40] ^= 1;
	expect_rejected(&t, t.len, -EINVAL);
	tbl_begin(&t);
	tbl_end(&t);
	expect_rejected(&t, t.len, -EINVAL);
}

/* Random structures behind a valid header: never a crash, never a partial result. */
static void test_dmar_random_tables_never_crash(void **state)
{
	static struct dmar_info info;
	static struct tbl t;
	unsigned int seed = 12345, ok = 0;

	for (int iter = 0; iter < 20000; iter++) {
		size_t body = (size_t)(rand_r(&seed) % 200);
		int ret;

		tbl_begin(&t);
		for (size_t i = 0; i < body; i++)
			t.b[48 + i] = (uint8_t)rand_r(&seed);
		/* Bias towards plausible structures so the walk goes deep. */
		if (body >= 4) {
			put(&t, 48, (uint64_t)(rand_r(&seed) % 3), 2);
			put(&t, 50, (uint64_t)(rand_r(&seed) % (body + 8)), 2);
		}
		t.len = 48 + body;
		tbl_end(&t);
		ret = dmar_parse(t.b, t.len, &info);
		assert_true(ret == 0 || ret == -EINVAL || ret == -E2BIG);
		if (ret == 0) {
			ok++;
			assert_true(info.unit_count >= 1 && info.unit_count <= DMAR_MAX_UNITS);
		} else {
			assert_int_equal(info.unit_count, 0);
		}
	}
	(void)ok;
}

/* ---- driver against the model ------------------------------------------------ */

#define UNIT0	0xFED90000ULL
#define UNIT1	0xFED91000ULL
#define RAM_HPA	0x80000000ULL
#define RO_GPA	0x800000ULL
#define RO_HPA	0x90000000ULL
#define XO_GPA	0xA00000ULL

struct fixture {
	struct pgt_test_mem tmem;	/* VT-d tables */
	struct pgt_test_mem emem;	/* the VM's EPT */
	struct vtm model;
	struct dmar_info info;
	struct vm *vm, *vm2;
	struct vm *sos;			/* Service VM, id 0 */
};

static struct vm *make_sos(struct fixture *f);

static struct vm *make_vm(struct fixture *f, uint16_t id)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	assert_non_null(vm);
	vm->id = id;
	assert_int_equal(pgtable_init(&vm->ept, PGT_FMT_EPT, &pgt_test_ops, &f->emem, false), 0);
	/* 4 MiB of RAM (large leaves where possible), a read-only page, an execute-only page. */
	assert_int_equal(pgtable_map(&vm->ept, 0, RAM_HPA, 4U << 20,
				     PGT_R | PGT_W | PGT_X | PGT_MT_WB | PGT_LARGE_OK), 0);
	assert_int_equal(pgtable_map(&vm->ept, RO_GPA, RO_HPA, 4096, PGT_R | PGT_MT_WB), 0);
	assert_int_equal(pgtable_map(&vm->ept, XO_GPA, 0xA0000000, 4096, PGT_X | PGT_MT_WB), 0);
	return vm;
}

static int fx_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	pgt_test_mem_init(&f->tmem);
	pgt_test_mem_init(&f->emem);
	f->model.mem = &pgt_test_ops;
	f->model.mem_ctx = &f->tmem;
	vtm_attach(&f->model);
	f->vm = make_vm(f, 2);
	f->vm2 = make_vm(f, 5);
	f->sos = make_sos(f);
	loglen = 0;
	logbuf[0] = '\0';
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fixture *f = *state;

	vtd_teardown();
	assert_int_equal(f->tmem.live, 0);	/* every table page came back */
	for (unsigned int i = 0; i < f->model.unit_count; i++) {
		assert_int_equal(f->model.units[i].bad_access, 0);
		assert_int_equal(f->model.units[i].gcmd_multi, 0);
		assert_int_equal(f->model.units[i].reg_inval_with_qi, 0);
		assert_int_equal(f->model.units[i].qie_bad, 0);
		assert_int_equal(f->model.units[i].ire_bad, 0);
	}
	pgtable_destroy(&f->vm->ept);
	pgtable_destroy(&f->vm2->ept);
	pgtable_destroy(&f->sos->ept);
	free(f->vm);
	free(f->vm2);
	free(f->sos);
	pgt_test_mem_fini(&f->tmem);
	pgt_test_mem_fini(&f->emem);
	free(f);
	return 0;
}

/* Two units: UNIT0 owns 00:02.0, UNIT1 is INCLUDE_PCI_ALL; RMRR for 00:14.0. */
static void two_units(struct fixture *f)
{
	static struct tbl t;
	const uint8_t gfx[] = { 2 };

	tbl_begin(&t);
	tbl_drhd(&t, UNIT0, false, gfx, 1);
	tbl_drhd(&t, UNIT1, true, NULL, 0);
	tbl_rmrr(&t, 0x7C000000, 0x7C001FFF, 0x14);
	tbl_end(&t);
	assert_int_equal(dmar_parse(t.b, t.len, &f->info), 0);
	vtm_add_unit(&f->model, UNIT0);
	vtm_add_unit(&f->model, UNIT1);
}

static void test_vtd_no_dmar_warns_once_and_refuses(void **state)
{
	struct fixture *f = *state;
	struct acpi_platform plat;

	memset(&plat, 0, sizeof(plat));
	assert_int_equal(vtd_init(&plat), -ENODEV);
	assert_int_equal(log_count("no DMAR"), 1);
	assert_int_equal(log_count("\n"), 1);	/* one line, nothing else */
	assert_false(vtd_present());
	assert_int_equal(vtd_assign_device(f->vm, BDF(0, 3, 0)), -ENODEV);
	assert_int_equal(vtd_unassign_device(f->vm, BDF(0, 3, 0)), -ENODEV);
	assert_int_equal(vtd_map(f->vm, 0, RAM_HPA, 4096, PGT_R), 0);
	assert_int_equal(vtd_report_faults(), 0);
	vtd_release_vm(f->vm);
	assert_int_equal(f->tmem.live, 0);
}

static void test_vtd_setup_installs_root_table_and_flushes(void **state)
{
	struct fixture *f = *state;

	two_units(f);
	assert_int_equal(vtd_setup(&f->info, &vtm_ops, &f->model), 0);
	assert_true(vtd_present());
	for (unsigned int i = 0; i < 2; i++) {
		struct vtm_unit *u = &f->model.units[i];
		const uint64_t *root = pgt_test_p2v(&f->tmem, u->rtaddr_latched);

		assert_int_equal(u->srtp_count, 1);
		for (unsigned int b = 0; b < 512; b++)
			assert_int_equal(root[b], 0);	/* empty: nothing translated yet */
		assert_int_equal(u->ctx_inval, 1);
		assert_int_equal(u->iotlb_inval, 1);
		assert_false(u->gsts & (1U << 31));	/* TE stays off until a device is assigned */
		assert_true(u->fectl & (1U << 31));	/* fault interrupts masked: polled */
	}
	assert_true(f->model.flushes > 0);		/* ECAP.C = 0: tables written back */
}

static void test_vtd_setup_times_out_on_unit_that_never_acks(void **state)
{
	struct fixture *f = *state;

	two_units(f);
	f->model.units[0].never_ack = true;
	f->model.units[1].never_ack = true;
	assert_int_equal(vtd_setup(&f->info, &vtm_ops, &f->model), -ETIMEDOUT);
	assert_false(vtd_present());
	assert_int_equal(log_count("root table pointer not acknowledged"), 2);
	/* Bounded: each unit waited about VTD_POLL_TIMEOUT_US, no more. */
	assert_true(f->model.delay_us >= VTD_POLL_TIMEOUT_US);
	assert_true(f->model.delay_us <= 2U * (VTD_POLL_TIMEOUT_US + 1U));
	assert_int_equal(f->tmem.live, 0);
	assert_int_equal(vtd_assign_device(f->vm, BDF(0, 3, 0)), -ENODEV);
}

/* Firmware left translation on: it is turned off before our empty root table is installed. */
static void test_vtd_setup_turns_off_translation_left_by_firmware(void **state)
{
	struct fixture *f = *state;

	two_units(f);
	f->model.units[1].gsts = 1U << 31;
	assert_int_equal(vtd_setup(&f->info, &vtm_ops, &f->model), 0);
	assert_false(f->model.units[1].gsts & (1U << 31));
	assert_int_equal(f->model.units[1].srtp_count, 1);
	assert_int_equal(f->model.units[1].gcmd_writes, 2);	/* TE off, then SRTP */
}

static void test_vtd_one_bad_unit_leaves_the_other(void **state)
{
	struct fixture *f = *state;

	two_units(f);
	f->model.units[0].cap &= ~(0x1FULL << 8);	/* SAGAW: no 4-level tables */
	assert_int_equal(vtd_setup(&f->info, &vtm_ops, &f->model), 0);
	assert_int_equal(log_count("no 4-level"), 1);
	/* 00:02.0 sits behind the unusable unit, 00:03.0 behind the good one. */
	assert_int_equal(vtd_assign_device(f->vm, BDF(0, 2, 0)), -ENODEV);
	assert_int_equal(vtd_assign_device(f->vm, BDF(0, 3, 0)), 0);
}

/* The Service VM loses each unit's whole register span: IOTLB and fault records included. */
static void test_vtd_unit_regs_span_registers_of_each_unit(void **state)
{
	struct fixture *f = *state;
	uint64_t base, size;

	assert_int_equal(vtd_unit_regs(0, &base, &size), -ENOENT);	/* no VT-d yet */
	two_units(f);
	/* UNIT1's fault records at 0x1F00: 4 of them end at 0x1F40, in the second page. */
	f->model.units[1].cap = (f->model.units[1].cap & ~(0x3FFULL << 24)) | (0x1F0ULL << 24);
	assert_int_equal(vtd_setup(&f->info, &vtm_ops, &f->model), 0);
	assert_int_equal(vtd_unit_regs(0, &base, &size), 0);
	assert_int_equal(base, UNIT0);
	assert_int_equal(size, 0x1000);
	assert_int_equal(vtd_unit_regs(1, &base, &size), 0);
	assert_int_equal(base, UNIT1);
	assert_int_equal(size, 0x2000);
	assert_int_equal(vtd_unit_regs(2, &base, &size), -ENOENT);
	vtd_teardown();
	assert_int_equal(vtd_unit_regs(0, &base, &size), -ENOENT);
}

/* A unit the hypervisor could not use is still kept from the Service VM (one page). */
static void test_vtd_unit_regs_include_unusable_unit(void **state)
{
	struct fixture *f = *state;
	uint64_t base, size;

	two_units(f);
	f->model.units[0].cap &= ~(0x1FULL << 8);	/* SAGAW: no 4-level tables */
	assert_int_equal(vtd_setup(&f->info, &vtm_ops, &f->model), 0);
	assert_int_equal(vtd_unit_regs(0, &base, &size), 0);
	assert_int_equal(base, UNIT0);
	assert_int_equal(size, 0x1000);
	assert_int_equal(vtd_unit_regs(1, &base, &size), 0);
	assert_int_equal(base, UNIT1);
}

static void test_vtd_assign_translates_guest_memory(void **state)
{
	struct fixture *f = *state;
	struct vtm_unit *u1 = &f->model.units[1];
	uint64_t hpa;
	const uint64_t *root, *ct;

	two_units(f);
	assert_int_equal(vtd_setup(&f->info, &vtm_ops, &f->model), 0);
	assert_int_equal(vtd_assign_device(f->vm, BDF(0, 3, 0)), 0);
	assert_true(u1->gsts & (1U << 31));			/* TE on */
	assert_false(f->model.units[0].gsts & (1U << 31));	/* the other unit untouched */
	/* The context entry as the spec lays it out: DID = vm->id + 1, AW = 48 bits. */
	root = pgt_test_p2v(&f->tmem, u1->rtaddr_latched);
	assert_true(root[0] & 1U);
	ct = pgt_test_p2v(&f->tmem, root[0] & ~0xFFFULL);
	assert_int_equal(ct[BDF(0, 3, 0) * 2 + 1], (3U << 8) | 2U);
	assert_true(ct[BDF(0, 3, 0) * 2] & 1U);
	/* DMA sees the guest's memory as the EPT maps it. */
	assert_int_equal(vtm_dma(u1, BDF(0, 3, 0), 0x1234, true, &hpa), 0);
	assert_int_equal(hpa, RAM_HPA + 0x1234);
	assert_int_equal(vtm_dma(u1, BDF(0, 3, 0), 0x3FFFF8, false, &hpa), 0);
	assert_int_equal(hpa, RAM_HPA + 0x3FFFF8);
	assert_int_equal(vtm_dma(u1, BDF(0, 3, 0), RO_GPA + 8, false, &hpa), 0);
	assert_int_equal(hpa, RO_HPA + 8);
	assert_int_equal(vtm_dma(u1, BDF(0, 3, 0), RO_GPA, true, &hpa), VTM_FR_SL_WRITE);
	assert_int_equal(vtm_dma(u1, BDF(0, 3, 0), XO_GPA, false, &hpa), VTM_FR_SL_READ);
	assert_int_equal(vtm_dma(u1, BDF(0, 3, 0), 0x400000, false, &hpa), VTM_FR_SL_READ);
	/* Another device on the unit has no context entry: blocked. */
	assert_int_equal(vtm_dma(u1, BDF(0, 4, 0), 0x1000, false, &hpa), VTM_FR_CTX_NP);
	assert_int_equal(vtm_dma(u1, BDF(1, 0, 0), 0x1000, false, &hpa), VTM_FR_ROOT_NP);
	/* Assigning again to the same VM is fine; to another VM it is not. */
	assert_int_equal(vtd_assign_device(f->vm, BDF(0, 3, 0)), 0);
	assert_int_equal(vtd_assign_device(f->vm2, BDF(0, 3, 0)), -EBUSY);
	assert_int_equal(u1->iotlb_dom_inval, 1);
	assert_int_equal(u1->last_iotlb_did, 3);
}

static void test_vtd_unassign_blocks_dma_and_frees_domain(void **state)
{
	struct fixture *f = *state;
	struct vtm_unit *u1 = &f->model.units[1];
	unsigned int live_before;
	uint64_t hpa;

	two_units(f);
	assert_int_equal(vtd_setup(&f->info, &vtm_ops, &f->model), 0);
	live_before = f->tmem.live;
	assert_int_equal(vtd_assign_device(f->vm, BDF(0, 3, 0)), 0);
	assert_int_equal(vtd_assign_device(f->vm, BDF(0, 5, 1)), 0);
	/* Warm the model's context cache and IOTLB. */
	assert_int_equal(vtm_dma(u1, BDF(0, 3, 0), 0x2000, true, &hpa), 0);
	assert_int_equal(vtd_unassign_device(f->vm2, BDF(0, 3, 0)), -ENOENT);
	assert_int_equal(vtd_unassign_device(f->vm, BDF(0, 3, 0)), 0);
	/* Only an invalidation makes the unit forget the cached entry. */
	assert_int_equal(vtm_dma(u1, BDF(0, 3, 0), 0x2000, true, &hpa), VTM_FR_CTX_NP);
	assert_int_equal(vtm_dma(u1, BDF(0, 5, 1), 0x2000, true, &hpa), 0);
	assert_int_equal(vtd_unassign_device(f->vm, BDF(0, 3, 0)), -ENOENT);
	/* Now free for the other VM. */
	assert_int_equal(vtd_assign_device(f->vm2, BDF(0, 3, 0)), 0);
	assert_int_equal(vtm_dma(u1, BDF(0, 3, 0), 0x2000, true, &hpa), 0);
	vtd_release_vm(f->vm);
	vtd_release_vm(f->vm2);
	assert_int_equal(vtm_dma(u1, BDF(0, 5, 1), 0x2000, true, &hpa), VTM_FR_CTX_NP);
	/* Domains freed; the context table for bus 0 stays with the unit. */
	assert_int_equal(f->tmem.live, live_before + 1);
}

static void test_vtd_unmap_invalidates_iotlb(void **state)
{
	struct fixture *f = *state;
	struct vtm_unit *u1 = &f->model.units[1];
	uint64_t hpa;

	two_units(f);
	assert_int_equal(vtd_setup(&f->info, &vtm_ops, &f->model), 0);
	assert_int_equal(vtd_assign_device(f->vm, BDF(0, 3, 0)), 0);
	assert_int_equal(vtm_dma(u1, BDF(0, 3, 0), 0x5000, false, &hpa), 0);
	assert_int_equal(vtd_unmap(f->vm, 0x5000, 0x1000), 0);
	assert_int_equal(vtm_dma(u1, BDF(0, 3, 0), 0x5000, false, &hpa), VTM_FR_SL_READ);
	assert_int_equal(vtm_dma(u1, BDF(0, 3, 0), 0x6000, false, &hpa), 0);
	/* New memory of the VM becomes reachable by its devices. */
	assert_int_equal(vtd_map(f->vm, 0x10000000, 0xB0000000, 0x1000, PGT_R | PGT_W), 0);
	assert_int_equal(vtm_dma(u1, BDF(0, 3, 0), 0x10000010, true, &hpa), 0);
	assert_int_equal(hpa, 0xB0000010);
	/* A VM without devices has no domain: nothing to do. */
	assert_int_equal(vtd_map(f->vm2, 0x10000000, 0xB0000000, 0x1000, PGT_R), 0);
}

static void test_vtd_rmrr_identity_mapped_for_its_device(void **state)
{
	struct fixture *f = *state;
	struct vtm_unit *u1 = &f->model.units[1];
	uint64_t hpa;

	two_units(f);
	assert_int_equal(vtd_setup(&f->info, &vtm_ops, &f->model), 0);
	assert_int_equal(vtd_assign_device(f->vm, BDF(0, 0x14, 0)), 0);
	assert_int_equal(vtm_dma(u1, BDF(0, 0x14, 0), 0x7C001008, true, &hpa), 0);
	assert_int_equal(hpa, 0x7C001008);
	assert_int_equal(vtm_dma(u1, BDF(0, 0x14, 0), 0x7C002000, true, &hpa), VTM_FR_SL_WRITE);
}

static void test_vtd_device_scope_selects_unit(void **state)
{
	struct fixture *f = *state;
	uint64_t hpa;

	two_units(f);
	assert_int_equal(vtd_setup(&f->info, &vtm_ops, &f->model), 0);
	assert_int_equal(vtd_assign_device(f->vm, BDF(0, 2, 0)), 0);
	assert_true(f->model.units[0].gsts & (1U << 31));
	assert_false(f->model.units[1].gsts & (1U << 31));
	assert_int_equal(vtm_dma(&f->model.units[0], BDF(0, 2, 0), 0x1000, false, &hpa), 0);
	assert_int_equal(hpa, RAM_HPA + 0x1000);
}

static void test_vtd_report_faults_prints_and_clears(void **state)
{
	struct fixture *f = *state;
	struct vtm_unit *u1 = &f->model.units[1];
	uint64_t hpa;

	two_units(f);
	assert_int_equal(vtd_setup(&f->info, &vtm_ops, &f->model), 0);
	assert_int_equal(vtd_report_faults(), 0);
	assert_int_equal(vtd_assign_device(f->vm, BDF(0, 3, 0)), 0);
	assert_int_equal(vtm_dma(u1, BDF(0, 4, 2), 0x123456, true, &hpa), VTM_FR_CTX_NP);
	assert_int_equal(vtm_dma(u1, BDF(0, 3, 0), RO_GPA + 0x10, true, &hpa), VTM_FR_SL_WRITE);
	assert_int_equal(vtd_report_faults(), 2);
	assert_int_equal(log_count("00:04.2 write 0x123000, reason 0x2 (context entry not present)"), 1);
	assert_int_equal(log_count("00:03.0 write 0x800000, reason 0x5"), 1);
	assert_false(u1->fsts & 2U);			/* records cleared */
	assert_int_equal(vtd_report_faults(), 0);
	/* More faults than records: the overflow is reported and cleared. */
	for (int i = 0; i < VTM_NFR + 2; i++)
		vtm_dma(u1, BDF(0, 4, 0), 0x1000U * (unsigned int)i, false, &hpa);
	assert_int_equal(vtd_report_faults(), VTM_NFR);
	assert_int_equal(log_count("overflowed"), 1);
	assert_false(u1->fsts & 1U);
	assert_int_equal(log_count("00:04.0 read 0x3000, reason 0x2"), 1);
}

static void test_vtd_invalidation_refused_is_an_error(void **state)
{
	struct fixture *f = *state;

	two_units(f);
	assert_int_equal(vtd_setup(&f->info, &vtm_ops, &f->model), 0);
	f->model.units[1].refuse_inval = true;
	assert_int_equal(vtd_assign_device(f->vm, BDF(0, 3, 0)), -EIO);
	assert_int_equal(log_count("invalidation refused"), 1);
	/* The entry was written: unassign still removes it (and the domain once flushed). */
	f->model.units[1].refuse_inval = false;
	assert_int_equal(vtd_unassign_device(f->vm, BDF(0, 3, 0)), 0);
}

/* ---- queued invalidation ------------------------------------------------------ */

#define IQ_CC_GLOBAL	(0x1ULL | (1ULL << 4))			/* type 1, G = global */
#define IQ_DW_DR	((1ULL << 6) | (1ULL << 7))
#define IQ_IOTLB_GLOBAL	(0x2ULL | (1ULL << 4) | IQ_DW_DR)	/* type 2, G = global */
#define IQ_IOTLB_DOM(d)	(0x2ULL | (2ULL << 4) | IQ_DW_DR | ((uint64_t)(d) << 16))
#define IQ_WAIT_SW	(0x5ULL | (1ULL << 5))			/* type 5, status write */

static void qi_units(struct fixture *f, bool ir)
{
	two_units(f);
	for (unsigned int i = 0; i < 2; i++)
		f->model.units[i].ecap |= VTM_ECAP_QI | (ir ? VTM_ECAP_IR : 0);
}

/* QI (and IR) units, brought up. */
static void qi_ready(struct fixture *f, bool ir)
{
	qi_units(f, ir);
	assert_int_equal(vtd_setup(&f->info, &vtm_ops, &f->model), 0);
}

/* A wait descriptor: status write, aligned address, and the word it wrote. */
static void check_wait(struct fixture *f, const struct vtm_desc *d)
{
	uint32_t status;

	assert_int_equal(d->lo & 0xFFFFFFFFULL, IQ_WAIT_SW);
	assert_int_equal(d->hi & 3U, 0);
	memcpy(&status, pgt_test_p2v(&f->tmem, d->hi & ~0xFFFULL) + (d->hi & 0xFFFU), 4);
	assert_int_equal(status, (uint32_t)(d->lo >> 32));
	assert_int_not_equal(status, 0);
}

static void test_vtd_qi_enabled_and_used_for_setup_flush(void **state)
{
	struct fixture *f = *state;

	qi_ready(f, false);
	for (unsigned int i = 0; i < 2; i++) {
		struct vtm_unit *u = &f->model.units[i];
		const uint64_t *q;

		assert_true(u->gsts & (1U << 26));		/* QIES */
		assert_int_equal(u->iqa & 0xFFFU, 0);		/* QS = 0, DW = 0: 128-bit */
		assert_true(u->at_qie > u->srtp_count - 1U);	/* after the root table */
		assert_int_equal(u->ctx_inval, 0);		/* no register-based invalidation */
		assert_int_equal(u->iotlb_inval, 0);
		/* Three descriptors written from IQT 0 on, and IQT moved past them. */
		assert_int_equal(u->iqt, 3U << 4);
		assert_int_equal(u->iqh, u->iqt);
		q = pgt_test_p2v(&f->tmem, u->iqa & ~0xFFFULL);
		assert_int_equal(q[0], IQ_CC_GLOBAL);
		assert_int_equal(q[1], 0);
		assert_int_equal(q[2], IQ_IOTLB_GLOBAL);
		assert_int_equal(q[3], 0);
		assert_int_equal(u->qi_log_len, 3);
		check_wait(f, &u->qi_log[2]);
		assert_int_equal(u->qi_log[2].lo, q[4]);
		assert_false(u->gsts & (1U << 25));		/* no IR without ECAP.IR */
		assert_int_equal(u->sirtp_count, 0);
	}
	assert_true(log_count("queued invalidation, interrupt remapping off") == 2);
}

static void test_vtd_qi_assign_unassign_unmap_invalidate_through_queue(void **state)
{
	struct fixture *f = *state;
	struct vtm_unit *u1 = &f->model.units[1];
	uint64_t hpa;
	uint32_t first_status;

	qi_ready(f, false);
	assert_int_equal(vtd_assign_device(f->vm, BDF(0, 3, 0)), 0);
	assert_int_equal(u1->qi_log_len, 6);
	assert_int_equal(u1->qi_log[3].lo, IQ_CC_GLOBAL);
	assert_int_equal(u1->qi_log[4].lo, IQ_IOTLB_DOM(3));	/* domain vm->id + 1 */
	check_wait(f, &u1->qi_log[5]);
	first_status = (uint32_t)(u1->qi_log[2].lo >> 32);
	assert_int_not_equal((uint32_t)(u1->qi_log[5].lo >> 32), first_status);	/* fresh each time */
	assert_int_equal(vtm_dma(u1, BDF(0, 3, 0), 0x5000, false, &hpa), 0);
	assert_int_equal(hpa, RAM_HPA + 0x5000);
	/* The IOTLB entry only goes away through the queued invalidation. */
	assert_int_equal(vtd_unmap(f->vm, 0x5000, 0x1000), 0);
	assert_int_equal(vtm_dma(u1, BDF(0, 3, 0), 0x5000, false, &hpa), VTM_FR_SL_READ);
	assert_int_equal(u1->qi_log[6].lo, IQ_IOTLB_DOM(3));
	assert_int_equal(vtm_dma(u1, BDF(0, 3, 0), 0x6000, true, &hpa), 0);
	assert_int_equal(vtd_unassign_device(f->vm, BDF(0, 3, 0)), 0);
	assert_int_equal(vtm_dma(u1, BDF(0, 3, 0), 0x6000, true, &hpa), VTM_FR_CTX_NP);
	assert_int_equal(u1->ctx_inval + u1->iotlb_inval, 0);
	assert_int_equal(vtd_report_faults(), 2);
}

/* The unit fetches only after a while: the driver polls, then succeeds. */
static void test_vtd_qi_wait_completes_while_polling(void **state)
{
	struct fixture *f = *state;

	qi_units(f, false);
	f->model.units[0].qi_lazy = 7;
	f->model.units[1].qi_lazy = 7;
	assert_int_equal(vtd_setup(&f->info, &vtm_ops, &f->model), 0);
	assert_int_equal(f->model.units[1].qi_log_len, 3);
	assert_true(f->model.delay_us >= 2U * 6U && f->model.delay_us < 100U);
	assert_int_equal(vtd_assign_device(f->vm, BDF(0, 3, 0)), 0);
	assert_int_equal(log_count("not completed"), 0);
}

static void test_vtd_qi_never_completing_unit_times_out(void **state)
{
	struct fixture *f = *state;

	qi_units(f, false);
	f->model.units[0].qi_stall = true;
	f->model.units[1].qi_stall = true;
	assert_int_equal(vtd_setup(&f->info, &vtm_ops, &f->model), -ETIMEDOUT);
	assert_false(vtd_present());
	assert_int_equal(log_count("invalidation wait not completed within 10000 us"), 2);
	assert_true(f->model.delay_us >= VTD_POLL_TIMEOUT_US);
	assert_true(f->model.delay_us <= 2U * (VTD_POLL_TIMEOUT_US + 1U));
	assert_int_equal(f->tmem.live, 0);
}

/* A unit that stops fetching after bring-up: each flush times out, then the queue is full. */
static void test_vtd_qi_stalled_queue_fills_and_is_refused(void **state)
{
	struct fixture *f = *state;
	int ret = 0;
	unsigned int calls = 0;

	qi_ready(f, false);
	assert_int_equal(vtd_assign_device(f->vm, BDF(0, 3, 0)), 0);
	f->model.units[1].qi_stall = true;
	while (calls < 300 && (ret = vtd_map(f->vm, 0x20000000, 0xB0000000, 4096, PGT_R)) != -EBUSY) {
		assert_int_equal(ret, -ETIMEDOUT);
		calls++;
	}
	assert_int_equal(ret, -EBUSY);
	assert_true(calls >= 120 && calls < 128);	/* 2 slots each, 256 in the queue */
	assert_int_equal(log_count("invalidation queue full"), 1);
}

static void test_vtd_qi_error_reported_skipped_and_queue_recovers(void **state)
{
	struct fixture *f = *state;
	struct vtm_unit *u1 = &f->model.units[1];
	uint64_t hpa;
	uint64_t t0;

	qi_ready(f, false);
	u1->qi_bad_type = 2;		/* the unit rejects the next IOTLB descriptor */
	assert_int_equal(vtd_assign_device(f->vm, BDF(0, 3, 0)), -EIO);
	assert_int_equal(log_count("invalidation queue error at descriptor 4"), 1);
	assert_false(u1->fsts & (1U << 4));	/* IQE cleared */
	assert_int_equal(u1->iqh, u1->iqt);	/* drained */
	/* The queue works again: unassign and a new assignment go through it. */
	assert_int_equal(vtd_unassign_device(f->vm, BDF(0, 3, 0)), 0);
	assert_int_equal(vtd_assign_device(f->vm, BDF(0, 3, 0)), 0);
	assert_int_equal(vtm_dma(u1, BDF(0, 3, 0), 0x1000, false, &hpa), 0);
	assert_int_equal(hpa, RAM_HPA + 0x1000);
	assert_int_equal(vtd_unassign_device(f->vm, BDF(0, 3, 0)), 0);
	assert_int_equal(vtm_dma(u1, BDF(0, 3, 0), 0x1000, false, &hpa), VTM_FR_CTX_NP);
	/* The wait descriptor itself rejected: no status write ever, yet no full timeout. */
	t0 = f->model.delay_us;
	u1->qi_bad_type = 5;
	assert_int_equal(vtd_assign_device(f->vm, BDF(0, 3, 0)), -EIO);
	assert_int_equal(log_count("invalidation queue error"), 2);
	assert_true(f->model.delay_us - t0 < 10U);
	assert_int_equal(vtd_unassign_device(f->vm, BDF(0, 3, 0)), 0);
}

static void test_vtd_no_qi_no_ir_keeps_register_invalidation(void **state)
{
	struct fixture *f = *state;
	struct vtd_irq irq = { .vector = 0x40, .dest = 1 };
	uint16_t idx = VTD_IRTE_NEW;

	two_units(f);
	f->model.units[1].ecap |= VTM_ECAP_IR;	/* IR without QI: cannot flush the IEC */
	assert_int_equal(vtd_setup(&f->info, &vtm_ops, &f->model), 0);
	for (unsigned int i = 0; i < 2; i++) {
		struct vtm_unit *u = &f->model.units[i];

		assert_int_equal(u->ctx_inval, 1);
		assert_int_equal(u->iotlb_inval, 1);
		assert_int_equal(u->iqa, 0);
		assert_int_equal(u->iqt, 0);
		assert_false(u->gsts & ((1U << 26) | (1U << 25) | (1U << 23)));
		assert_int_equal(u->sirtp_count, 0);
	}
	assert_int_equal(log_count("interrupt remapping needs queued invalidation"), 1);
	assert_int_equal(vtd_assign_device(f->vm, BDF(0, 3, 0)), 0);
	assert_int_equal(f->model.units[1].ctx_inval, 2);
	assert_int_equal(vtd_irte_set(f->vm, BDF(0, 3, 0), &irq, &idx), -ENODEV);
	assert_int_equal(idx, VTD_IRTE_NEW);
}

/* ---- interrupt remapping ---------------------------------------------------------- */

static void test_vtd_ir_enabled_after_qi_in_order(void **state)
{
	struct fixture *f = *state;

	qi_ready(f, true);
	for (unsigned int i = 0; i < 2; i++) {
		struct vtm_unit *u = &f->model.units[i];

		assert_true(u->gsts & (1U << 25));		/* IRES */
		assert_true(u->gsts & (1U << 23));		/* CFIS: compatibility MSIs still pass */
		assert_true(u->gsts & (1U << 24));		/* IRTPS */
		assert_int_equal(u->sirtp_count, 1);
		assert_true(u->at_qie < u->at_sirtp);
		assert_true(u->at_sirtp < u->at_cfi);
		assert_true(u->at_cfi < u->at_ire);
		assert_int_equal(u->irta_latched & 0xFU, 7);		/* 2^(7+1) = 256 entries */
		assert_false(u->irta_latched & (1U << 11));		/* EIME = 0: xAPIC */
		assert_int_equal(u->iec_global, 1);			/* flushed before IRE */
		assert_int_equal(u->qi_log[3].lo, 0x4ULL);		/* IEC, global */
	}
	assert_int_equal(log_count("queued invalidation, interrupt remapping on"), 2);
}

static void test_vtd_irte_format_and_source_validation(void **state)
{
	struct fixture *f = *state;
	struct vtm_unit *u1 = &f->model.units[1];
	struct vtd_irq fixed = { .vector = 0x45, .dest = 3, .delivery = VTD_DELIVERY_FIXED };
	struct vtd_irq lowpri = { .vector = 0xE1, .dest = 0x81, .logical = true,
				  .delivery = VTD_DELIVERY_LOWPRI, .level = true };
	uint16_t a = VTD_IRTE_NEW, b = VTD_IRTE_NEW;
	struct vtm_irq out;
	const uint64_t *irt;

	qi_ready(f, true);
	assert_int_equal(vtd_irte_set(f->vm, BDF(0, 3, 0), &fixed, &a), 0);
	assert_int_equal(vtd_irte_set(f->vm, BDF(0, 3, 0), &lowpri, &b), 0);
	assert_true(a < VTD_IRT_ENTRIES && b < VTD_IRT_ENTRIES && a != b);
	irt = pgt_test_p2v(&f->tmem, u1->irta_latched & ~0xFFFULL);
	/* P, FPD = 0, DM = 0, TM = 0, DLM = 0, V 23:16, xAPIC destination 47:40. */
	assert_int_equal(irt[a * 2], 1ULL | (0x45ULL << 16) | (3ULL << 40));
	/* SID, SQ = 0 (all 16 bits), SVT = 1 (verify SID). */
	assert_int_equal(irt[a * 2 + 1], BDF(0, 3, 0) | (1ULL << 18));
	assert_int_equal(irt[b * 2], 1ULL | (1ULL << 2) | (1ULL << 4) | (1ULL << 5) |
			 (0xE1ULL << 16) | (0x81ULL << 40));
	/* Each change flushed its entry from the interrupt entry cache. */
	assert_int_equal(u1->iec_index, 2);
	assert_int_equal(u1->last_iec_index, b);
	/* The remappable MSI the device sends arrives as programmed ... */
	assert_int_equal(vtd_irte_msi_addr(a) & 0xFFF0001FU, 0xFEE00010U);
	assert_int_equal(vtm_msi(u1, BDF(0, 3, 0), vtd_irte_msi_addr(a), 0, &out), 0);
	assert_true(out.remapped);
	assert_int_equal(out.vector, 0x45);
	assert_int_equal(out.dest, 3);
	assert_int_equal(vtm_msi(u1, BDF(0, 3, 0), vtd_irte_msi_addr(b), 0, &out), 0);
	assert_true(out.logical && out.level);
	assert_int_equal(out.delivery, 1);
	assert_int_equal(out.vector, 0xE1);
	/* ... but not from another device using the same entry, nor an unused entry. */
	assert_int_equal(vtm_msi(u1, BDF(0, 4, 0), vtd_irte_msi_addr(a), 0, &out), VTM_FR_IR_SID);
	assert_int_equal(vtm_msi(u1, BDF(0, 3, 1), vtd_irte_msi_addr(a), 0, &out), VTM_FR_IR_SID);
	assert_int_equal(vtm_msi(u1, BDF(0, 3, 0), vtd_irte_msi_addr(200), 0, &out), VTM_FR_IR_NP);
	/* Compatibility-format MSIs (not yet remapped devices, CFI on) still pass. */
	assert_int_equal(vtm_msi(u1, BDF(0, 5, 0), 0xFEE02000U, 0x31, &out), 0);
	assert_false(out.remapped);
	assert_int_equal(out.vector, 0x31);
	assert_int_equal(vtd_report_faults(), 3);
	assert_int_equal(log_count("interrupt fault: unit 0xfed91000, 00:04.0 index 0, "
				   "reason 0x26 (interrupt source-id check failed)"), a == 0 ? 1 : 0);
	assert_int_equal(log_count("reason 0x26 (interrupt source-id check failed)"), 2);
	assert_int_equal(log_count("index 200, reason 0x22 (interrupt entry not present)"), 1);
}

static void test_vtd_irte_update_and_clear_invalidate_iec(void **state)
{
	struct fixture *f = *state;
	struct vtm_unit *u1 = &f->model.units[1];
	struct vtd_irq irq = { .vector = 0x50, .dest = 2 };
	uint16_t idx = VTD_IRTE_NEW;
	struct vtm_irq out;

	qi_ready(f, true);
	assert_int_equal(vtd_irte_set(f->vm, BDF(0, 3, 0), &irq, &idx), 0);
	assert_int_equal(vtm_msi(u1, BDF(0, 3, 0), vtd_irte_msi_addr(idx), 0, &out), 0);	/* cached */
	irq.vector = 0x51;
	assert_int_equal(vtd_irte_set(f->vm, BDF(0, 3, 0), &irq, &idx), 0);
	assert_int_equal(vtm_msi(u1, BDF(0, 3, 0), vtd_irte_msi_addr(idx), 0, &out), 0);
	assert_int_equal(out.vector, 0x51);
	/* Clearing: the cached entry is dropped by the IEC invalidation, the device is refused. */
	assert_int_equal(vtd_irte_clear(f->vm, BDF(0, 3, 0), idx), 0);
	assert_int_equal(u1->last_iec_index, idx);
	assert_int_equal(u1->qi_log[u1->qi_log_len - 2].lo, 0x4ULL | (1ULL << 4) | ((uint64_t)idx << 32));
	assert_int_equal(vtm_msi(u1, BDF(0, 3, 0), vtd_irte_msi_addr(idx), 0, &out), VTM_FR_IR_NP);
	assert_int_equal(vtd_irte_clear(f->vm, BDF(0, 3, 0), idx), -EPERM);	/* free now */
}

static void test_vtd_irte_refuses_foreign_and_bad_requests(void **state)
{
	struct fixture *f = *state;
	struct vtd_irq irq = { .vector = 0x60, .dest = 1 };
	struct vtd_irq bad = irq;
	uint16_t idx = VTD_IRTE_NEW, other = VTD_IRTE_NEW, n = 0;
	struct vtm_irq out;

	qi_ready(f, true);
	assert_int_equal(vtd_irte_set(f->vm, BDF(0, 3, 0), &irq, &idx), 0);
	/* Another VM, or another device of the same VM, cannot touch the entry. */
	assert_int_equal(vtd_irte_set(f->vm2, BDF(0, 3, 0), &irq, &idx), -EPERM);
	assert_int_equal(vtd_irte_set(f->vm, BDF(0, 4, 0), &irq, &idx), -EPERM);
	assert_int_equal(vtd_irte_clear(f->vm2, BDF(0, 3, 0), idx), -EPERM);
	assert_int_equal(vtd_irte_clear(f->vm, BDF(0, 3, 0), 300), -EPERM);
	n = 256;
	assert_int_equal(vtd_irte_set(f->vm, BDF(0, 3, 0), &irq, &n), -EPERM);
	bad.vector = 15;
	assert_int_equal(vtd_irte_set(f->vm, BDF(0, 3, 0), &bad, &other), -EINVAL);
	bad = irq;
	bad.dest = 256;
	assert_int_equal(vtd_irte_set(f->vm, BDF(0, 3, 0), &bad, &other), -EINVAL);
	bad = irq;
	bad.delivery = 2;	/* SMI */
	assert_int_equal(vtd_irte_set(f->vm, BDF(0, 3, 0), &bad, &other), -EINVAL);
	assert_int_equal(vtd_irte_set(f->vm, BDF(0, 3, 0), NULL, &other), -EINVAL);
	assert_int_equal(other, VTD_IRTE_NEW);
	/* The table fills up: 256 entries per unit. */
	for (n = 1; n < VTD_IRT_ENTRIES; n++) {
		other = VTD_IRTE_NEW;
		assert_int_equal(vtd_irte_set(f->vm2, BDF(0, 5, 0), &irq, &other), 0);
	}
	other = VTD_IRTE_NEW;
	assert_int_equal(vtd_irte_set(f->vm2, BDF(0, 5, 0), &irq, &other), -ENOSPC);
	/* Destroying a VM clears its entries and nothing else. */
	vtd_release_vm(f->vm2);
	assert_int_equal(vtm_msi(&f->model.units[1], BDF(0, 5, 0), vtd_irte_msi_addr(idx == 0 ? 1 : 0),
				 0, &out), VTM_FR_IR_NP);
	assert_int_equal(vtm_msi(&f->model.units[1], BDF(0, 3, 0), vtd_irte_msi_addr(idx), 0, &out), 0);
	other = VTD_IRTE_NEW;
	assert_int_equal(vtd_irte_set(f->vm2, BDF(0, 5, 0), &irq, &other), 0);
}

/* ---- the Service VM's domain ---------------------------------------------- */

#define SOS_ID		0U		/* domain 1 */
#define HV_START	0x400000ULL	/* a hole in the Service VM's EPT: hypervisor memory */
#define HV_END		0x600000ULL
#define SOS_TOP		0x1000000ULL
#define TE_BIT		(1U << 31)

/* The Service VM: identity EPT of [0, SOS_TOP) minus [HV_START, HV_END). */
static struct vm *make_sos(struct fixture *f)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	uint32_t rwx = PGT_R | PGT_W | PGT_X | PGT_MT_WB | PGT_LARGE_OK;

	assert_non_null(vm);
	vm->id = SOS_ID;
	assert_int_equal(pgtable_init(&vm->ept, PGT_FMT_EPT, &pgt_test_ops, &f->emem, false), 0);
	assert_int_equal(pgtable_map(&vm->ept, 0, 0, HV_START, rwx), 0);
	assert_int_equal(pgtable_map(&vm->ept, HV_END, HV_END, SOS_TOP - HV_END, rwx), 0);
	return vm;
}

/* DMA of @p bdf through unit @p u reaches its Service VM address 1:1, not the hypervisor. */
static void expect_sos_dma(struct vtm_unit *u, uint16_t bdf)
{
	uint64_t hpa = 0;

	assert_int_equal(vtm_dma(u, bdf, 0x2008, true, &hpa), 0);
	assert_int_equal(hpa, 0x2008);
	assert_int_equal(vtm_dma(u, bdf, HV_END + 0x10, false, &hpa), 0);
	assert_int_equal(hpa, HV_END + 0x10);
	assert_int_equal(vtm_dma(u, bdf, HV_START, true, &hpa), VTM_FR_SL_WRITE);
	assert_int_equal(vtm_dma(u, bdf, HV_END - 8, false, &hpa), VTM_FR_SL_READ);
	/* RMRRs are the Service VM's too, whatever device they name. */
	assert_int_equal(vtm_dma(u, bdf, 0x7C000010, true, &hpa), 0);
	assert_int_equal(hpa, 0x7C000010);
}

/* DMA of @p bdf reaches f->vm's RAM (User VM, domain 3). */
static void expect_uos_dma(struct vtm_unit *u, uint16_t bdf)
{
	uint64_t hpa = 0;

	assert_int_equal(vtm_dma(u, bdf, 0x2008, true, &hpa), 0);
	assert_int_equal(hpa, RAM_HPA + 0x2008);
	assert_int_equal(vtm_dma(u, bdf, HV_END + 0x10, false, &hpa), VTM_FR_SL_READ);
}

static const uint64_t *root_of(struct fixture *f, const struct vtm_unit *u)
{
	return pgt_test_p2v(&f->tmem, u->rtaddr_latched);
}

static void test_vtd_sos_attach_gives_every_device_the_sos_domain(void **state)
{
	struct fixture *f = *state;
	struct vtm_unit *u0 = &f->model.units[0], *u1 = &f->model.units[1];
	struct vm *sos = f->sos;
	unsigned int live_before;
	const uint64_t *root;

	two_units(f);
	assert_int_equal(vtd_setup(&f->info, &vtm_ops, &f->model), 0);
	live_before = f->tmem.live;
	assert_int_equal(vtd_attach_service_vm(sos), 0);
	/* Translation on at once, on both units, one line each. */
	assert_true(u0->gsts & TE_BIT);
	assert_true(u1->gsts & TE_BIT);
	assert_int_equal(log_count("Service VM domain 1 on unit 0xfed90000, translation on"), 1);
	assert_int_equal(log_count("Service VM domain 1 on unit 0xfed91000, translation on"), 1);
	/* Device-scope unit and INCLUDE_PCI_ALL unit, any bus, any function. */
	expect_sos_dma(u0, BDF(0, 2, 0));
	expect_sos_dma(u1, BDF(0, 3, 0));
	expect_sos_dma(u1, BDF(0, 0x14, 0));
	expect_sos_dma(u1, BDF(7, 1, 2));
	expect_sos_dma(u1, BDF(255, 31, 7));
	/* One shared context table per unit: every bus points at the same page. */
	for (unsigned int i = 0; i < 2; i++) {
		root = root_of(f, &f->model.units[i]);
		for (unsigned int b = 0; b < 256; b++) {
			assert_true(root[2 * b] & 1U);
			assert_int_equal(root[2 * b], root[0]);
		}
	}
	assert_true(f->tmem.live - live_before < 16);	/* not 256 context tables per unit */
	/* Attaching again is a no-op; another VM cannot take the role. */
	assert_int_equal(vtd_attach_service_vm(sos), 0);
	assert_int_equal(vtd_attach_service_vm(f->vm), -EBUSY);
}

static void test_vtd_sos_domain_follows_map_and_unmap(void **state)
{
	struct fixture *f = *state;
	struct vtm_unit *u1 = &f->model.units[1];
	struct vm *sos = f->sos;
	uint64_t hpa;

	two_units(f);
	assert_int_equal(vtd_setup(&f->info, &vtm_ops, &f->model), 0);
	assert_int_equal(vtd_attach_service_vm(sos), 0);
	assert_int_equal(vtm_dma(u1, BDF(0, 3, 0), 0x5000, false, &hpa), 0);	/* cached */
	assert_int_equal(vtd_unmap(sos, 0x5000, 0x1000), 0);
	assert_int_equal(vtm_dma(u1, BDF(0, 3, 0), 0x5000, false, &hpa), VTM_FR_SL_READ);
	assert_int_equal(vtd_map(sos, 0x20000000, 0x20000000, 0x1000, PGT_R | PGT_W), 0);
	assert_int_equal(vtm_dma(u1, BDF(0, 3, 0), 0x20000040, true, &hpa), 0);
	assert_int_equal(hpa, 0x20000040);
	assert_int_equal(u1->last_iotlb_did, 1);
}

static void test_vtd_sos_assign_moves_device_and_unassign_gives_it_back(void **state)
{
	struct fixture *f = *state;
	struct vtm_unit *u1 = &f->model.units[1];
	struct vm *sos = f->sos;
	unsigned int live_attached;

	two_units(f);
	assert_int_equal(vtd_setup(&f->info, &vtm_ops, &f->model), 0);
	assert_int_equal(vtd_attach_service_vm(sos), 0);
	live_attached = f->tmem.live;
	expect_sos_dma(u1, BDF(0, 3, 0));	/* warms the context cache and IOTLB */
	assert_int_equal(vtd_assign_device(f->vm, BDF(0, 3, 0)), 0);
	expect_uos_dma(u1, BDF(0, 3, 0));
	/* Its neighbours stay with the Service VM. */
	expect_sos_dma(u1, BDF(0, 4, 0));
	expect_sos_dma(u1, BDF(1, 3, 0));
	/* Another User VM cannot take it; the Service VM neither; its own devices: no-op. */
	assert_int_equal(vtd_assign_device(f->vm2, BDF(0, 3, 0)), -EBUSY);
	assert_int_equal(vtd_assign_device(sos, BDF(0, 3, 0)), -EBUSY);
	assert_int_equal(vtd_assign_device(sos, BDF(0, 4, 0)), 0);
	assert_int_equal(vtd_unassign_device(sos, BDF(0, 4, 0)), -ENOENT);
	expect_sos_dma(u1, BDF(0, 4, 0));
	assert_int_equal(vtd_unassign_device(f->vm2, BDF(0, 3, 0)), -ENOENT);
	expect_uos_dma(u1, BDF(0, 3, 0));
	/* Back to the Service VM, through the caches. */
	assert_int_equal(vtd_unassign_device(f->vm, BDF(0, 3, 0)), 0);
	assert_int_equal(log_count("back to the Service VM"), 1);
	expect_sos_dma(u1, BDF(0, 3, 0));
	assert_int_equal(vtd_unassign_device(f->vm, BDF(0, 3, 0)), -ENOENT);
	/* Release does the same for every device of the VM. */
	assert_int_equal(vtd_assign_device(f->vm2, BDF(0, 3, 0)), 0);
	assert_int_equal(vtd_assign_device(f->vm2, BDF(0, 5, 1)), 0);
	assert_int_equal(vtd_assign_device(f->vm2, BDF(3, 0, 0)), 0);
	vtd_release_vm(f->vm2);
	expect_sos_dma(u1, BDF(0, 3, 0));
	expect_sos_dma(u1, BDF(0, 5, 1));
	expect_sos_dma(u1, BDF(3, 0, 0));
	/* User VM domains freed; buses 0 and 3 are back on the shared table, their copies freed. */
	assert_int_equal(f->tmem.live, live_attached);
	assert_int_equal(root_of(f, u1)[2 * 0], root_of(f, u1)[2 * 1]);
	assert_int_equal(root_of(f, u1)[2 * 3], root_of(f, u1)[2 * 1]);
}

/* The move invalidates the Service VM's domain, then the User VM's, and back. */
static void test_vtd_sos_move_invalidates_both_domains(void **state)
{
	struct fixture *f = *state;
	struct vtm_unit *u1 = &f->model.units[1];
	struct vm *sos = f->sos;
	unsigned int n;

	qi_ready(f, false);
	assert_int_equal(vtd_attach_service_vm(sos), 0);
	n = u1->qi_log_len;
	assert_int_equal(vtd_assign_device(f->vm, BDF(0, 3, 0)), 0);
	assert_int_equal(u1->qi_log_len, n + 6);
	assert_int_equal(u1->qi_log[n].lo, IQ_CC_GLOBAL);
	assert_int_equal(u1->qi_log[n + 1].lo, IQ_IOTLB_DOM(1));
	assert_int_equal(u1->qi_log[n + 3].lo, IQ_CC_GLOBAL);
	assert_int_equal(u1->qi_log[n + 4].lo, IQ_IOTLB_DOM(3));
	n = u1->qi_log_len;
	assert_int_equal(vtd_unassign_device(f->vm, BDF(0, 3, 0)), 0);
	/* User VM's domain out, Service VM's in, then bus 0 back on the shared table. */
	assert_int_equal(u1->qi_log_len, n + 9);
	assert_int_equal(u1->qi_log[n].lo, IQ_CC_GLOBAL);
	assert_int_equal(u1->qi_log[n + 1].lo, IQ_IOTLB_DOM(3));
	assert_int_equal(u1->qi_log[n + 3].lo, IQ_CC_GLOBAL);
	assert_int_equal(u1->qi_log[n + 4].lo, IQ_IOTLB_DOM(1));
	assert_int_equal(u1->qi_log[n + 6].lo, IQ_CC_GLOBAL);
	expect_sos_dma(u1, BDF(0, 3, 0));
}

/* A bus's private copy of the shared table: the User VM's device stays on that bus. */
static void test_vtd_sos_context_copy_does_not_leak_across_buses(void **state)
{
	struct fixture *f = *state;
	struct vtm_unit *u1 = &f->model.units[1];
	struct vm *sos = f->sos;
	const uint64_t *root, *shared, *copy;
	uint64_t hpa;

	two_units(f);
	assert_int_equal(vtd_setup(&f->info, &vtm_ops, &f->model), 0);
	assert_int_equal(vtd_attach_service_vm(sos), 0);
	root = root_of(f, u1);
	shared = pgt_test_p2v(&f->tmem, root[2 * 1] & ~0xFFFULL);
	assert_int_equal(vtd_assign_device(f->vm, BDF(2, 3, 0)), 0);
	assert_int_not_equal(root[2 * 2], root[2 * 1]);	/* bus 2 has its own table now */
	copy = pgt_test_p2v(&f->tmem, root[2 * 2] & ~0xFFFULL);
	assert_int_equal(copy[0x18 * 2 + 1] >> 8, 3);		/* 02:03.0: domain 3 */
	assert_int_equal(shared[0x18 * 2 + 1] >> 8, 1);	/* x:03.0 elsewhere: domain 1 */
	assert_int_equal(copy[0x19 * 2 + 1], shared[0x19 * 2 + 1]);	/* the rest copied */
	assert_int_equal(copy[0x19 * 2], shared[0x19 * 2]);
	expect_uos_dma(u1, BDF(2, 3, 0));
	for (unsigned int b = 0; b < 256; b += 17)
		if (b != 2)
			expect_sos_dma(u1, BDF(b, 3, 0));
	expect_sos_dma(u1, BDF(2, 3, 1));
	/* A second User VM on another bus gets another copy; the first is untouched. */
	assert_int_equal(vtd_assign_device(f->vm2, BDF(5, 3, 0)), 0);
	assert_int_equal(vtm_dma(u1, BDF(5, 3, 0), 0x2000, true, &hpa), 0);
	assert_int_equal(hpa, RAM_HPA + 0x2000);
	assert_int_equal(copy[0x18 * 2 + 1] >> 8, 3);
	assert_int_equal(shared[0x18 * 2 + 1] >> 8, 1);
	expect_uos_dma(u1, BDF(2, 3, 0));
	expect_sos_dma(u1, BDF(6, 3, 0));
}

/* Out of memory at every step of attach: nothing changes, and a retry works. */
static void test_vtd_sos_attach_out_of_memory_changes_nothing(void **state)
{
	struct fixture *f = *state;
	struct vtm_unit *u1 = &f->model.units[1];
	struct vm *sos = f->sos;
	unsigned int failures = 0;
	int ret;

	two_units(f);
	assert_int_equal(vtd_setup(&f->info, &vtm_ops, &f->model), 0);
	for (unsigned long n = 1;; n++) {
		unsigned int live = f->tmem.live;

		f->tmem.fail_at = f->tmem.allocs + n;
		f->tmem.fail_after = true;
		ret = vtd_attach_service_vm(sos);
		f->tmem.fail_at = 0;
		if (ret == 0)
			break;
		assert_int_equal(ret, -ENOMEM);
		failures++;
		assert_int_equal(f->tmem.live, live);
		assert_false(u1->gsts & TE_BIT);
		for (unsigned int b = 0; b < 512; b++)
			assert_int_equal(root_of(f, u1)[b], 0);
		/* Without a Service VM domain assignment works as before. */
		assert_int_equal(vtd_assign_device(f->vm, BDF(0, 3, 0)), 0);
		assert_int_equal(vtd_unassign_device(f->vm, BDF(0, 3, 0)), 0);
		vtd_teardown();
		assert_int_equal(f->tmem.live, 0);
		for (unsigned int i = 0; i < 2; i++)
			f->model.units[i].gsts = 0;
		assert_int_equal(vtd_setup(&f->info, &vtm_ops, &f->model), 0);
	}
	assert_true(failures >= 3);	/* domain tables, RMRR, shared tables of both units */
	expect_sos_dma(u1, BDF(0, 3, 0));
}

/* Out of memory while moving a device: it stays with the Service VM. */
static void test_vtd_sos_assign_out_of_memory_keeps_device_with_sos(void **state)
{
	struct fixture *f = *state;
	struct vtm_unit *u1 = &f->model.units[1];
	struct vm *sos = f->sos;
	unsigned int failures = 0;
	const uint64_t *root;
	int ret;

	two_units(f);
	assert_int_equal(vtd_setup(&f->info, &vtm_ops, &f->model), 0);
	assert_int_equal(vtd_attach_service_vm(sos), 0);
	root = root_of(f, u1);
	for (unsigned long n = 1;; n++) {
		unsigned int live = f->tmem.live;

		expect_sos_dma(u1, BDF(4, 3, 0));
		f->tmem.fail_at = f->tmem.allocs + n;
		f->tmem.fail_after = true;
		ret = vtd_assign_device(f->vm, BDF(4, 3, 0));
		f->tmem.fail_at = 0;
		if (ret == 0)
			break;
		assert_int_equal(ret, -ENOMEM);
		failures++;
		assert_int_equal(f->tmem.live, live);	/* the User VM's domain freed again */
		assert_int_equal(root[2 * 4], root[2 * 5]);	/* bus 4 still on the shared table */
		expect_sos_dma(u1, BDF(4, 3, 0));
	}
	assert_true(failures >= 2);	/* domain tables, the bus's copy */
	expect_uos_dma(u1, BDF(4, 3, 0));
	expect_sos_dma(u1, BDF(4, 4, 0));
}

/* The Service VM goes: its devices are blocked and its domain freed; User VMs' stay. */
static void test_vtd_sos_release_blocks_its_devices(void **state)
{
	struct fixture *f = *state;
	struct vtm_unit *u1 = &f->model.units[1];
	struct vm *sos = f->sos;
	unsigned int live_before;
	uint64_t hpa;

	two_units(f);
	assert_int_equal(vtd_setup(&f->info, &vtm_ops, &f->model), 0);
	live_before = f->tmem.live;
	assert_int_equal(vtd_attach_service_vm(sos), 0);
	assert_int_equal(vtd_assign_device(f->vm, BDF(0, 3, 0)), 0);
	expect_sos_dma(u1, BDF(0, 4, 0));
	vtd_release_vm(sos);
	assert_int_equal(vtm_dma(u1, BDF(0, 4, 0), 0x2000, true, &hpa), VTM_FR_CTX_NP);
	assert_int_equal(vtm_dma(u1, BDF(9, 0, 0), 0x2000, true, &hpa), VTM_FR_CTX_NP);
	expect_uos_dma(u1, BDF(0, 3, 0));
	/* Shared tables of both units and bus 0's copy remain; the User VM's domain too. */
	vtd_release_vm(f->vm);
	assert_int_equal(vtm_dma(u1, BDF(0, 3, 0), 0x2000, true, &hpa), VTM_FR_CTX_NP);
	assert_int_equal(f->tmem.live, live_before + 3);
	/* Attached again, it reuses the shared tables and fills bus 0's copy. */
	assert_int_equal(vtd_attach_service_vm(sos), 0);
	expect_sos_dma(u1, BDF(0, 4, 0));
	expect_sos_dma(u1, BDF(0, 3, 0));
	expect_sos_dma(u1, BDF(9, 0, 0));
	expect_sos_dma(&f->model.units[0], BDF(0, 2, 0));
	assert_int_equal(vtd_assign_device(f->vm, BDF(0, 3, 0)), 0);
	expect_uos_dma(u1, BDF(0, 3, 0));
}

/* The unit refuses the invalidation of the Service VM's domain: the device stays with it. */
static void test_vtd_sos_move_refused_invalidation_keeps_device_with_sos(void **state)
{
	struct fixture *f = *state;
	struct vtm_unit *u1 = &f->model.units[1];
	struct vm *sos = f->sos;
	const uint64_t *root, *ct;
	unsigned int live;

	two_units(f);
	assert_int_equal(vtd_setup(&f->info, &vtm_ops, &f->model), 0);
	assert_int_equal(vtd_attach_service_vm(sos), 0);
	live = f->tmem.live;
	u1->refuse_inval = true;
	assert_int_equal(vtd_assign_device(f->vm, BDF(0, 3, 0)), -EIO);
	u1->refuse_inval = false;
	root = root_of(f, u1);
	ct = pgt_test_p2v(&f->tmem, root[0] & ~0xFFFULL);
	assert_true(ct[0x18 * 2] & 1U);
	assert_int_equal(ct[0x18 * 2 + 1] >> 8, 1);	/* still domain 1 */
	expect_sos_dma(u1, BDF(0, 3, 0));
	assert_int_equal(f->tmem.live, live + 1);	/* only bus 0's copy: no User VM domain */
	assert_int_equal(vtd_unassign_device(f->vm, BDF(0, 3, 0)), -ENOENT);
	/* Once the unit answers again the move works. */
	assert_int_equal(vtd_assign_device(f->vm, BDF(0, 3, 0)), 0);
	expect_uos_dma(u1, BDF(0, 3, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dmar_parses_units_scopes_and_rmrr),
		cmocka_unit_test(test_dmar_rejects_structure_past_end),
		cmocka_unit_test(test_dmar_rejects_zero_length_structure),
		cmocka_unit_test(test_dmar_rejects_bad_device_scope),
		cmocka_unit_test(test_dmar_rejects_too_many_units),
		cmocka_unit_test(test_dmar_rejects_bad_checksum_and_no_unit),
		cmocka_unit_test(test_dmar_random_tables_never_crash),
		cmocka_unit_test(test_dmar_hide_renames_and_keeps_checksum),
		cmocka_unit_test_setup_teardown(test_vtd_unit_regs_span_registers_of_each_unit, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_unit_regs_include_unusable_unit, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_no_dmar_warns_once_and_refuses, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_setup_installs_root_table_and_flushes, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_setup_times_out_on_unit_that_never_acks, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_setup_turns_off_translation_left_by_firmware, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_one_bad_unit_leaves_the_other, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_assign_translates_guest_memory, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_unassign_blocks_dma_and_frees_domain, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_unmap_invalidates_iotlb, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_rmrr_identity_mapped_for_its_device, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_device_scope_selects_unit, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_report_faults_prints_and_clears, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_invalidation_refused_is_an_error, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_qi_enabled_and_used_for_setup_flush, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_qi_assign_unassign_unmap_invalidate_through_queue, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_qi_wait_completes_while_polling, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_qi_never_completing_unit_times_out, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_qi_stalled_queue_fills_and_is_refused, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_qi_error_reported_skipped_and_queue_recovers, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_no_qi_no_ir_keeps_register_invalidation, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_ir_enabled_after_qi_in_order, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_irte_format_and_source_validation, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_irte_update_and_clear_invalidate_iec, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_irte_refuses_foreign_and_bad_requests, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_sos_attach_gives_every_device_the_sos_domain, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_sos_domain_follows_map_and_unmap, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_sos_assign_moves_device_and_unassign_gives_it_back, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_sos_move_invalidates_both_domains, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_sos_context_copy_does_not_leak_across_buses, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_sos_attach_out_of_memory_changes_nothing, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_sos_assign_out_of_memory_keeps_device_with_sos, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_sos_release_blocks_its_devices, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vtd_sos_move_refused_invalidation_keeps_device_with_sos, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

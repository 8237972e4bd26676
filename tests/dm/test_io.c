/* SPDX-License-Identifier: BSD-3-Clause */
/* Guest memory, PIO/MMIO dispatch and the IOREQ path, on the fake back-end. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "dm_log.h"
#include "dmtest.h"
#include "guest_mem.h"
#include "io_dispatch.h"
#include "ioreq.h"

struct rec {
	int calls;
	int dir;
	uint64_t addr;
	int size;
	uint64_t last_write;
	uint64_t read_value;
};

static int rec_handler(struct vmctx *ctx, int dir, uint64_t addr, int size, uint64_t *val,
		       void *arg)
{
	struct rec *r = arg;

	r->calls++;
	r->dir = dir;
	r->addr = addr;
	r->size = size;
	if (dir == ACRN_IOREQ_DIR_WRITE)
		r->last_write = *val;
	else
		*val = r->read_value;
	return 0;
}

static int setup(void **state)
{
	return dmtest_setup(state, "-m", "16M", "-c", "2", "vm", NULL);
}

#define teardown dmtest_teardown
#define ctx_of dmtest_ctx

/* --- guest memory --- */

static void test_mem_map_gpa_rejects_ranges_outside_ram(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	uint64_t ram = 16ULL << 20;
	uint8_t *p;

	p = vm_map_gpa(ctx, 0, ram);
	assert_non_null(p);
	p[ram - 1] = 0x5a;			/* the whole range really is mapped */
	assert_ptr_equal(vm_map_gpa(ctx, ram - 1, 1), p + ram - 1);
	assert_null(vm_map_gpa(ctx, ram - 1, 2));
	assert_null(vm_map_gpa(ctx, ram, 1));
	assert_null(vm_map_gpa(ctx, 0, ram + 1));
	assert_null(vm_map_gpa(ctx, 0x1000, 0));
	assert_null(vm_map_gpa(ctx, 0x1000, SIZE_MAX));		/* gpa + len wraps */
	assert_null(vm_map_gpa(ctx, UINT64_MAX, 2));
	assert_null(vm_map_gpa(ctx, DM_HIGHMEM_BASE, 1));	/* no highmem in a 16M VM */
}

static void test_mem_guest_writes_visible_through_map(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	uint8_t buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, back[8];
	uint64_t top = (16ULL << 20) - 8;

	assert_int_equal(vmm_test_gpa_write(ctx, 0x9000, buf, sizeof(buf)), 0);
	assert_memory_equal((uint8_t *)vm_map_gpa(ctx, 0x9000, 8), buf, 8);
	assert_int_equal(vmm_test_gpa_write(ctx, top, buf, sizeof(buf)), 0);
	assert_int_equal(vmm_test_gpa_read(ctx, top, back, sizeof(back)), 0);
	assert_memory_equal(back, buf, 8);
	assert_int_equal(vmm_test_gpa_write(ctx, top + 1, buf, sizeof(buf)), -EFAULT);
	assert_int_equal(vmm_test_gpa_read(ctx, DM_LOWMEM_LIMIT, back, 1), -EFAULT);
}

static void test_mem_segments_reported_to_backend(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	struct vmm_test_state *st = vmm_test_get(ctx);

	assert_int_equal(st->nmemsegs, 1);
	assert_int_equal(st->memsegs[0].type, ACRN_MEMMAP_RAM);
	assert_true(st->memsegs[0].user_vm_pa == 0);
	assert_true(st->memsegs[0].len == 16ULL << 20);
	assert_true(st->memsegs[0].vma_base == (uint64_t)(uintptr_t)vm_map_gpa(ctx, 0, 1));
	assert_int_equal(st->cv.vcpu_num, 2);
	assert_true(st->cv.ioreq_buf == (uint64_t)(uintptr_t)ctx->ioreq_buf);
}

static void test_mem_highmem_split_at_pci_hole(void **state)
{
	struct dmtest_vm vm;
	struct vmm_test_state *st;

	assert_int_equal(dmtest_vm_create(&vm, "-m", "3G", "big", NULL), 0);
	st = vmm_test_get(vm.ctx);
	assert_true(vm.ctx->lowmem == DM_LOWMEM_LIMIT);
	assert_true(vm.ctx->highmem == 1ULL << 30);
	assert_int_equal(st->nmemsegs, 2);
	assert_true(st->memsegs[1].user_vm_pa == DM_HIGHMEM_BASE);
	assert_non_null(vm_map_gpa(vm.ctx, DM_LOWMEM_LIMIT - 8, 8));
	assert_null(vm_map_gpa(vm.ctx, DM_LOWMEM_LIMIT - 8, 9));	/* into the hole */
	assert_null(vm_map_gpa(vm.ctx, DM_LOWMEM_LIMIT, 1));
	assert_non_null(vm_map_gpa(vm.ctx, DM_HIGHMEM_BASE + (1ULL << 30) - 4, 4));
	assert_null(vm_map_gpa(vm.ctx, DM_HIGHMEM_BASE + (1ULL << 30) - 4, 5));
	dmtest_vm_destroy(&vm);
}

/* --- dispatch tables --- */

static void test_pio_overlapping_registration_rejected(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	struct rec r = { 0 };

	assert_int_equal(pio_register(ctx, "a", 0x400, 8, rec_handler, &r), 0);
	assert_int_equal(pio_register(ctx, "b", 0x407, 1, rec_handler, &r), -EEXIST);
	assert_int_equal(pio_register(ctx, "c", 0x3f8, 9, rec_handler, &r), -EEXIST);
	assert_int_equal(pio_register(ctx, "d", 0x3fc, 0x10, rec_handler, &r), -EEXIST);
	assert_int_equal(pio_register(ctx, "e", 0x408, 1, rec_handler, &r), 0);
	assert_int_equal(pio_register(ctx, "f", 0xffff, 2, rec_handler, &r), -EINVAL);
	assert_int_equal(pio_register(ctx, "g", 0x500, 0, rec_handler, &r), -EINVAL);
	assert_int_equal(pio_unregister(ctx, 0x400, 4), -ENOENT);	/* must match exactly */
	assert_int_equal(pio_unregister(ctx, 0x400, 8), 0);
	assert_int_equal(pio_unregister(ctx, 0x408, 1), 0);
}

static void test_pio_unhandled_port_reads_all_ones(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	uint64_t v;

	v = 0;
	assert_int_equal(vmm_test_pio(ctx, ACRN_IOREQ_DIR_READ, 0x1234, 1, &v), 0);
	assert_true(v == 0xff);
	v = 0;
	assert_int_equal(vmm_test_pio(ctx, ACRN_IOREQ_DIR_READ, 0x1234, 2, &v), 0);
	assert_true(v == 0xffff);
	v = 0;
	assert_int_equal(vmm_test_pio(ctx, ACRN_IOREQ_DIR_READ, 0x1234, 4, &v), 0);
	assert_true(v == 0xffffffffULL);
	v = 0x12;	/* an unhandled write is completed and dropped */
	assert_int_equal(vmm_test_pio(ctx, ACRN_IOREQ_DIR_WRITE, 0x1234, 1, &v), 0);
}

static void test_pio_request_reaches_handler_with_masked_value(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	struct rec r = { .read_value = 0xdeadbeefcafe };
	uint64_t v;

	assert_int_equal(pio_register(ctx, "t", 0x600, 4, rec_handler, &r), 0);
	v = 0x11223344;
	assert_int_equal(vmm_test_pio(ctx, ACRN_IOREQ_DIR_WRITE, 0x602, 2, &v), 0);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.addr, 0x602);
	assert_int_equal(r.size, 2);
	assert_true(r.last_write == 0x3344);
	assert_int_equal(vmm_test_pio(ctx, ACRN_IOREQ_DIR_READ, 0x601, 1, &v), 0);
	assert_true(v == 0xfe);				/* truncated to the access size */
	assert_int_equal(pio_unregister(ctx, 0x600, 4), 0);
	assert_int_equal(vmm_test_pio(ctx, ACRN_IOREQ_DIR_READ, 0x601, 1, &v), 0);
	assert_int_equal(r.calls, 2);			/* gone after unregister */
	assert_true(v == 0xff);
}

static void test_mmio_overlap_rejected_and_lookup_sorted(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	struct rec a = { .read_value = 0xa }, b = { .read_value = 0xb }, c = { .read_value = 0xc };
	uint64_t v;

	assert_int_equal(mmio_register(ctx, "b", 0xd0002000, 0x1000, rec_handler, &b), 0);
	assert_int_equal(mmio_register(ctx, "a", 0xd0000000, 0x1000, rec_handler, &a), 0);
	assert_int_equal(mmio_register(ctx, "c", 0xd0004000, 0x1000, rec_handler, &c), 0);
	assert_int_equal(mmio_register(ctx, "x", 0xd0000fff, 2, rec_handler, &a), -EEXIST);
	assert_int_equal(mmio_register(ctx, "y", 0xd0001000, 0x1001, rec_handler, &a), -EEXIST);
	assert_int_equal(mmio_register(ctx, "z", 0xcfffffff, 0x2000, rec_handler, &a), -EEXIST);
	assert_int_equal(mmio_register(ctx, "w", UINT64_MAX - 10, 100, rec_handler, &a), -EINVAL);
	assert_int_equal(vmm_test_mmio(ctx, ACRN_IOREQ_DIR_READ, 0xd0004008, 8, &v), 0);
	assert_true(v == 0xc);
	assert_int_equal(vmm_test_mmio(ctx, ACRN_IOREQ_DIR_READ, 0xd0000ffc, 4, &v), 0);
	assert_true(v == 0xa);
	/* An access that runs off the end of its range is not dispatched. */
	assert_int_equal(vmm_test_mmio(ctx, ACRN_IOREQ_DIR_READ, 0xd0000ffe, 4, &v), 0);
	assert_true(v == 0xffffffffULL);
	assert_int_equal(vmm_test_mmio(ctx, ACRN_IOREQ_DIR_READ, 0xd0001000, 8, &v), 0);
	assert_true(v == ~0ULL);
	assert_int_equal(a.calls + b.calls + c.calls, 2);
	assert_int_equal(mmio_unregister(ctx, 0xd0000000, 0x1000), 0);
	assert_int_equal(mmio_unregister(ctx, 0xd0002000, 0x1000), 0);
	assert_int_equal(mmio_unregister(ctx, 0xd0004000, 0x1000), 0);
}

static int unhandled_lines;

static void count_unhandled(enum dm_log_level level, const char *line)
{
	if (strstr(line, "unhandled") != NULL)
		unhandled_lines++;
}

static void test_pio_unhandled_logged_once_per_port_and_rate_limited(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	uint64_t v;

	dm_log_set_sink(count_unhandled);
	unhandled_lines = 0;
	for (int i = 0; i < 50; i++)
		assert_int_equal(vmm_test_pio(ctx, ACRN_IOREQ_DIR_READ, 0x5555, 1, &v), 0);
	assert_int_equal(unhandled_lines, 1);
	/* A guest probing many ports cannot flood the log: at most 10 lines a second. */
	unhandled_lines = 0;
	for (uint32_t port = 0x8000; port < 0x8000 + 200; port++)
		assert_int_equal(vmm_test_pio(ctx, ACRN_IOREQ_DIR_READ, port, 1, &v), 0);
	assert_true(unhandled_lines >= 1 && unhandled_lines <= 20);	/* may straddle a second */
	dm_log_set_sink(NULL);
}

/* --- IOREQ validation and completion --- */

static struct acrn_io_request pio_req(uint32_t dir, uint64_t port, uint64_t size, uint32_t val)
{
	struct acrn_io_request r;

	memset(&r, 0, sizeof(r));
	r.type = ACRN_IOREQ_TYPE_PORTIO;
	r.reqs.pio_request.direction = dir;
	r.reqs.pio_request.address = port;
	r.reqs.pio_request.size = size;
	r.reqs.pio_request.value = val;
	return r;
}

static void test_ioreq_validate_rejects_bad_requests(void **state)
{
	struct acrn_io_request r;

	r = pio_req(ACRN_IOREQ_DIR_READ, 0x60, 1, 0);
	assert_int_equal(ioreq_validate(&r), 0);
	r = pio_req(ACRN_IOREQ_DIR_READ, 0x60, 3, 0);
	assert_int_equal(ioreq_validate(&r), -EINVAL);
	r = pio_req(ACRN_IOREQ_DIR_READ, 0x60, 8, 0);		/* no 8-byte port I/O */
	assert_int_equal(ioreq_validate(&r), -EINVAL);
	r = pio_req(ACRN_IOREQ_DIR_READ, 0x10000, 1, 0);
	assert_int_equal(ioreq_validate(&r), -EINVAL);
	r = pio_req(ACRN_IOREQ_DIR_READ, 0xffff, 2, 0);
	assert_int_equal(ioreq_validate(&r), -EINVAL);
	r = pio_req(2, 0x60, 1, 0);
	assert_int_equal(ioreq_validate(&r), -EINVAL);
	r.type = 7;
	assert_int_equal(ioreq_validate(&r), -EINVAL);

	memset(&r, 0, sizeof(r));
	r.type = ACRN_IOREQ_TYPE_MMIO;
	r.reqs.mmio_request.size = 8;
	r.reqs.mmio_request.address = 0xfee00000;
	assert_int_equal(ioreq_validate(&r), 0);
	r.reqs.mmio_request.address = UINT64_MAX - 3;
	assert_int_equal(ioreq_validate(&r), -EINVAL);
	r.reqs.mmio_request.address = 0;
	r.reqs.mmio_request.size = 0;
	assert_int_equal(ioreq_validate(&r), -EINVAL);

	memset(&r, 0, sizeof(r));
	r.type = ACRN_IOREQ_TYPE_PCICFG;
	r.reqs.pci_request.size = 2;
	r.reqs.pci_request.reg = 2;
	assert_int_equal(ioreq_validate(&r), 0);
	r.reqs.pci_request.reg = 3;			/* crosses a dword */
	assert_int_equal(ioreq_validate(&r), -EINVAL);
	r.reqs.pci_request.reg = 0;
	r.reqs.pci_request.dev = 32;
	assert_int_equal(ioreq_validate(&r), -EINVAL);
	r.reqs.pci_request.dev = 0;
	r.reqs.pci_request.func = 8;
	assert_int_equal(ioreq_validate(&r), -EINVAL);
}

static void test_ioreq_pending_slot_left_to_the_kernel(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	struct rec r = { .read_value = 0x42 };
	struct acrn_io_request req = pio_req(ACRN_IOREQ_DIR_READ, 0x700, 4, 0);

	assert_int_equal(pio_register(ctx, "t", 0x700, 4, rec_handler, &r), 0);
	assert_int_equal(vmm_test_post(ctx, 1, &req), 0);
	/* Back to PENDING, as if the VHM had not handed it over yet. */
	__atomic_store_n(&ctx->ioreq_buf->req_slot[1].processed, ACRN_IOREQ_STATE_PENDING,
			 __ATOMIC_RELEASE);
	assert_int_equal(ioreq_handle_slot(ctx, 1), 0);
	assert_int_equal(r.calls, 0);
	assert_int_equal(ctx->ioreq_buf->req_slot[1].processed, ACRN_IOREQ_STATE_PENDING);
	ctx->ioreq_buf->req_slot[1].processed = ACRN_IOREQ_STATE_FREE;
	assert_int_equal(pio_unregister(ctx, 0x700, 4), 0);
}

static void test_ioreq_invalid_request_completed_without_dispatch(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	struct vmm_test_state *st = vmm_test_get(ctx);
	struct rec r = { .read_value = 0x42 };
	struct acrn_io_request req = pio_req(ACRN_IOREQ_DIR_READ, 0x700, 3, 0);
	unsigned int before = st->notify_count[1];

	assert_int_equal(pio_register(ctx, "t", 0x700, 4, rec_handler, &r), 0);
	assert_int_equal(vmm_test_post(ctx, 1, &req), 0);
	assert_int_equal(ioreq_handle_slot(ctx, 1), -EINVAL);
	assert_int_equal(r.calls, 0);
	assert_int_equal(ctx->ioreq_buf->req_slot[1].processed, ACRN_IOREQ_STATE_COMPLETE);
	assert_true(ctx->ioreq_buf->req_slot[1].reqs.pio_request.value == 0xffffffffU);
	assert_int_equal(st->notify_count[1], before + 1);
	ctx->ioreq_buf->req_slot[1].processed = ACRN_IOREQ_STATE_FREE;

	req.type = 9;	/* unknown type: completed, never dispatched */
	assert_int_equal(vmm_test_post(ctx, 1, &req), 0);
	assert_int_equal(ioreq_handle_slot(ctx, 1), -EINVAL);
	assert_int_equal(r.calls, 0);
	assert_int_equal(st->notify_count[1], before + 2);
	ctx->ioreq_buf->req_slot[1].processed = ACRN_IOREQ_STATE_FREE;
	assert_int_equal(pio_unregister(ctx, 0x700, 4), 0);
}

static void test_ioreq_idle_and_kernel_handled_slots_untouched(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	struct vmm_test_state *st = vmm_test_get(ctx);
	struct acrn_io_request req = pio_req(ACRN_IOREQ_DIR_READ, 0x80, 1, 0);
	unsigned int before = st->notify_count[0];

	assert_int_equal(ioreq_handle_slot(ctx, 0), 0);		/* FREE */
	assert_int_equal(ioreq_handle_slot(ctx, 16), -EINVAL);	/* no such slot */
	req.kernel_handled = 1;
	assert_int_equal(vmm_test_post(ctx, 0, &req), 0);
	assert_int_equal(ioreq_handle_slot(ctx, 0), 0);
	assert_int_equal(ctx->ioreq_buf->req_slot[0].processed, ACRN_IOREQ_STATE_PROCESSING);
	assert_int_equal(st->notify_count[0], before);
	ctx->ioreq_buf->req_slot[0].processed = ACRN_IOREQ_STATE_FREE;
}

/*
 * A handler that rewrites the shared slot while the request is being handled,
 * as a hostile other side could: the device model must keep using its copy.
 */
static int tamper_handler(struct vmctx *ctx, int dir, uint64_t addr, int size, uint64_t *val,
			  void *arg)
{
	struct acrn_io_request *slot = &ctx->ioreq_buf->req_slot[0];
	int *calls = arg;

	(*calls)++;
	slot->type = ACRN_IOREQ_TYPE_MMIO;
	slot->reqs.pio_request.size = 8;
	slot->reqs.pio_request.direction = ACRN_IOREQ_DIR_WRITE;
	slot->reqs.pio_request.address = 0x9999;
	*val = 0xabcdef12;
	return 0;
}

static void test_ioreq_slot_is_read_once(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	struct acrn_io_request req = pio_req(ACRN_IOREQ_DIR_READ, 0x710, 1, 0);
	int calls = 0;

	assert_int_equal(pio_register(ctx, "tamper", 0x710, 1, tamper_handler, &calls), 0);
	assert_int_equal(vmm_test_post(ctx, 0, &req), 0);
	assert_int_equal(ioreq_handle_slot(ctx, 0), 1);
	assert_int_equal(calls, 1);
	/* The value went back as a 1-byte port read (the copy), not an 8-byte MMIO one. */
	assert_true(ctx->ioreq_buf->req_slot[0].reqs.pio_request.value == 0x12);
	assert_int_equal(ctx->ioreq_buf->req_slot[0].processed, ACRN_IOREQ_STATE_COMPLETE);
	ctx->ioreq_buf->req_slot[0].processed = ACRN_IOREQ_STATE_FREE;
	assert_int_equal(pio_unregister(ctx, 0x710, 1), 0);
}

static void test_ioreq_loop_thread_completes_posted_request(void **state)
{
	struct vmctx *ctx = ctx_of(state);
	struct rec r = { .read_value = 0x5a5a };
	struct acrn_io_request req = pio_req(ACRN_IOREQ_DIR_READ, 0x720, 2, 0), out;

	assert_int_equal(pio_register(ctx, "t", 0x720, 2, rec_handler, &r), 0);
	assert_int_equal(ioreq_loop_start(ctx), 0);
	assert_int_equal(vmm_test_post(ctx, 1, &req), 0);
	vmm_test_kick(ctx);
	assert_int_equal(vmm_test_wait(ctx, 1, 5000, &out), 0);
	assert_true(out.reqs.pio_request.value == 0x5a5a);
	assert_int_equal(r.calls, 1);
	ioreq_loop_stop(ctx);
	assert_true(vmm_test_get(ctx)->client_destroyed);
	assert_int_equal(pio_unregister(ctx, 0x720, 2), 0);
}

static int stop_callbacks;

static void count_stop(struct vmctx *ctx)
{
	stop_callbacks++;
}

static void test_vm_stop_request_first_wins_until_taken(void **state)
{
	struct vmctx *ctx = ctx_of(state);

	ctx->on_stop_request = count_stop;
	stop_callbacks = 0;
	assert_int_equal(vm_take_stop_request(ctx), VM_STOP_NONE);
	vm_request_stop(ctx, VM_STOP_POWEROFF);
	vm_request_stop(ctx, VM_STOP_RESET);		/* must not override the power-off */
	assert_int_equal(stop_callbacks, 1);
	assert_int_equal(vm_take_stop_request(ctx), VM_STOP_POWEROFF);
	assert_int_equal(vm_take_stop_request(ctx), VM_STOP_NONE);
	vm_request_stop(ctx, VM_STOP_RESET);
	assert_int_equal(stop_callbacks, 2);
	assert_int_equal(vm_take_stop_request(ctx), VM_STOP_RESET);
	ctx->on_stop_request = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mem_map_gpa_rejects_ranges_outside_ram),
		cmocka_unit_test(test_mem_guest_writes_visible_through_map),
		cmocka_unit_test(test_mem_segments_reported_to_backend),
		cmocka_unit_test(test_mem_highmem_split_at_pci_hole),
		cmocka_unit_test(test_pio_overlapping_registration_rejected),
		cmocka_unit_test(test_pio_unhandled_port_reads_all_ones),
		cmocka_unit_test(test_pio_request_reaches_handler_with_masked_value),
		cmocka_unit_test(test_pio_unhandled_logged_once_per_port_and_rate_limited),
		cmocka_unit_test(test_mmio_overlap_rejected_and_lookup_sorted),
		cmocka_unit_test(test_ioreq_validate_rejects_bad_requests),
		cmocka_unit_test(test_ioreq_pending_slot_left_to_the_kernel),
		cmocka_unit_test(test_ioreq_invalid_request_completed_without_dispatch),
		cmocka_unit_test(test_ioreq_idle_and_kernel_handled_slots_untouched),
		cmocka_unit_test(test_ioreq_slot_is_read_once),
		cmocka_unit_test(test_ioreq_loop_thread_completes_posted_request),
		cmocka_unit_test(test_vm_stop_request_first_wins_until_taken),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

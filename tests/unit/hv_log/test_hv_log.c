/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the hypervisor log buffer: the ring (lib/logring.c), printk
 * into it (common/log.c) and HC_GET_HV_LOG (common/log_hc.c), also through
 * the hypercall dispatcher (common/hypercall.c) for the privilege check.
 * The Service VM, its EPT and its RAM are the fakes of tests/unit/user_vm
 * (fake_hv.c): the Service VM's memory is a host buffer, so each test puts
 * a struct acrn_hc_hv_log at a guest-physical address, makes the call as
 * Service VM vCPU 0 would, and reads what was written back.
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

#include "../user_vm/fake_hv.h"

#include <common/log.h>
#include <common/vm.h>
#include <common/page_alloc.h>
#include <public/acrn_common.h>
#include <public/acrn_hypercall.h>
#include <lib/errno.h>
#include <lib/logring.h>

/* Where the tests put things in Service VM RAM (byte offsets). */
#define OFF_PARAM	0x0000UL	/* struct acrn_hc_hv_log */
#define OFF_BUF		0x1000UL	/* the destination buffer */
#define BUF_ROOM	(64 * 1024UL)	/* bytes the tests watch after OFF_BUF */
#define FILL		0xA5

/* ------------------------------------------------------------------ */
/* What common/log.c and common/hypercall.c need besides the fakes      */

static char console[1 << 16];
static size_t console_len;

void console_write(const char *s, unsigned long n)
{
	size_t room = sizeof(console) - console_len;

	if (n > room)
		n = room;
	memcpy(console + console_len, s, n);
	console_len += n;
}

void page_alloc_stats(size_t *free_pages, size_t *total_pages)
{
	*free_pages = 0;
	*total_pages = 0;
}

static bool console_has(const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i + n <= console_len; i++)
		if (memcmp(console + i, s, n) == 0)
			return true;
	return false;
}

static unsigned exceptions;

void vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_errcode, uint32_t errcode)
{
	exceptions++;
}

/* ------------------------------------------------------------------ */
/* Helpers                                                              */

static int setup(void **state)
{
	console_len = 0;
	exceptions = 0;
	if (fake_hv_init() != 0)
		return -1;
	memset(fake_sos_ptr(OFF_BUF), FILL, BUF_ROOM + 64);
	return 0;
}

static int teardown(void **state)
{
	fake_hv_fini();
	return 0;
}

/* The log's head now: a read of 0 bytes reports it. */
static uint64_t log_head(void)
{
	struct logring_span s;
	char c;

	assert_int_equal(log_read_at(0, &c, 0, &s), 0);
	return s.head;
}

static struct acrn_hc_hv_log *param(void)
{
	return fake_sos_ptr(OFF_PARAM);
}

/* Fill in the parameter page and make the call as the Service VM. */
static int64_t get_log(uint64_t pos, uint64_t buf, uint32_t len)
{
	struct acrn_hc_hv_log *p = param();

	memset(p, 0xEE, sizeof(*p));	/* outputs must be written, not left */
	p->pos = pos;
	p->buf = buf;
	p->len = len;
	return hc_get_hv_log(fake.caller, fake_sos_gpa(OFF_PARAM));
}

static bool buf_untouched(size_t from, size_t n)
{
	const uint8_t *b = fake_sos_ptr(OFF_BUF);

	for (size_t i = from; i < from + n; i++)
		if (b[i] != FILL)
			return false;
	return true;
}

/* Log @p n bytes of numbered lines; return the text logged. */
static char *log_lines(unsigned first, size_t n)
{
	char *text = malloc(n + 64), line[64];
	size_t len = 0;

	assert_non_null(text);
	for (unsigned i = first; len < n; i++) {
		int k = snprintf(line, sizeof(line), "log line %u\n", i);

		printk(LOG_DEBUG, "log line %u\n", i);
		memcpy(text + len, line, (size_t)k);
		len += (size_t)k;
	}
	text[len] = '\0';
	return text;
}

/* ------------------------------------------------------------------ */
/* The ring                                                             */

static void test_logring_read_from_zero_returns_everything_written(void **state)
{
	char store[32], out[32];
	struct logring r = { store, sizeof(store), 0 };
	struct logring_span s;

	logring_write(&r, "hello ", 6);
	logring_write(&r, "world\n", 6);
	assert_int_equal(logring_read(&r, 0, out, sizeof(out), &s), 0);
	assert_int_equal(s.copied, 12);
	assert_memory_equal(out, "hello world\n", 12);
	assert_int_equal(s.next, 12);
	assert_int_equal(s.head, 12);
	assert_int_equal(s.lost, 0);
}

static void test_logring_wrap_reports_lost_and_starts_at_oldest(void **state)
{
	const char *text = "0123456789abcdefghijklmnopqrstuvwxyzABCD";	/* 40 bytes */
	char store[16], out[64];
	struct logring r = { store, sizeof(store), 0 };
	struct logring_span s;

	for (size_t i = 0; i < 40; i += 7)
		logring_write(&r, text + i, i + 7 <= 40 ? 7 : 40 - i);
	assert_int_equal(logring_oldest(&r), 24);
	assert_int_equal(logring_read(&r, 0, out, sizeof(out), &s), 0);
	assert_int_equal(s.lost, 24);
	assert_int_equal(s.copied, 16);
	assert_memory_equal(out, text + 24, 16);
	assert_int_equal(s.next, 40);
	/* A position inside what is held loses nothing. */
	assert_int_equal(logring_read(&r, 30, out, sizeof(out), &s), 0);
	assert_int_equal(s.lost, 0);
	assert_int_equal(s.copied, 10);
	assert_memory_equal(out, text + 30, 10);
}

static void test_logring_small_reads_across_the_wrap_reassemble_it(void **state)
{
	const char *text = "the quick brown fox jumps over the lazy dog";	/* 43 bytes */
	char store[13], out[64], chunk[5];
	struct logring r = { store, sizeof(store), 0 };
	struct logring_span s;
	uint64_t pos;
	size_t len = 0;

	logring_write(&r, text, 43);
	pos = logring_oldest(&r);
	assert_int_equal(pos, 30);
	do {
		assert_int_equal(logring_read(&r, pos, chunk, sizeof(chunk), &s), 0);
		assert_int_equal(s.lost, 0);
		assert_in_range(s.copied, 0, sizeof(chunk));
		memcpy(out + len, chunk, s.copied);
		len += s.copied;
		pos = s.next;
	} while (s.copied > 0);
	assert_int_equal(len, 13);
	assert_memory_equal(out, text + 30, 13);
}

static void test_logring_write_longer_than_the_ring_keeps_its_end(void **state)
{
	char store[8], out[8];
	struct logring r = { store, sizeof(store), 3 };	/* not at offset 0 */
	struct logring_span s;

	logring_write(&r, "abcdefghijklmnopqrst", 20);
	assert_int_equal(r.head, 23);
	assert_int_equal(logring_read(&r, 0, out, sizeof(out), &s), 0);
	assert_int_equal(s.lost, 15);
	assert_int_equal(s.copied, 8);
	assert_memory_equal(out, "mnopqrst", 8);
}

static void test_logring_position_beyond_head_is_einval(void **state)
{
	char store[8], out[8];
	struct logring r = { store, sizeof(store), 0 };
	struct logring_span s = { 1, 2, 3, 4 };

	logring_write(&r, "abc", 3);
	assert_int_equal(logring_read(&r, 4, out, sizeof(out), &s), -EINVAL);
	assert_int_equal(logring_read(&r, UINT64_MAX, out, sizeof(out), &s), -EINVAL);
	/* The head itself is fine: nothing new yet. */
	assert_int_equal(logring_read(&r, 3, out, sizeof(out), &s), 0);
	assert_int_equal(s.copied, 0);
	assert_int_equal(s.next, 3);
}

/* ------------------------------------------------------------------ */
/* printk into the buffer                                               */

static void test_printk_lines_are_read_back_at_their_position(void **state)
{
	uint64_t pos = log_head();
	struct logring_span s;
	char out[128];

	printk(LOG_INFO, "banner %d %s\n", 42, "ok");
	printk(LOG_DEBUG, "quiet detail\n");
	assert_int_equal(log_read_at(pos, out, sizeof(out), &s), 0);
	assert_int_equal(s.copied, 26);
	assert_memory_equal(out, "banner 42 ok\nquiet detail\n", 26);
	assert_int_equal(s.next, pos + 26);
	/* The console only shows what passes the level; the buffer has both. */
	assert_true(console_has("banner 42 ok\n"));
	assert_false(console_has("quiet detail"));
}

static void test_log_read_gives_the_newest_bytes(void **state)
{
	char out[16];

	printk(LOG_DEBUG, "older line\nnewest line\n");
	assert_int_equal(log_read(out, 12), 12);
	assert_memory_equal(out, "newest line\n", 12);
}

/* ------------------------------------------------------------------ */
/* HC_GET_HV_LOG                                                        */

static void test_hv_log_copies_bytes_and_writes_back_positions(void **state)
{
	uint64_t pos = log_head();

	printk(LOG_DEBUG, "VM 1 created\n");
	assert_int_equal(get_log(pos, fake_sos_gpa(OFF_BUF), 256), 0);
	assert_int_equal(param()->copied, 13);
	assert_memory_equal(fake_sos_ptr(OFF_BUF), "VM 1 created\n", 13);
	assert_true(buf_untouched(13, 256 - 13));
	assert_int_equal(param()->next, pos + 13);
	assert_int_equal(param()->head, pos + 13);
	assert_int_equal(param()->lost, 0);
	assert_int_equal(param()->pos, pos);
	assert_int_equal(param()->len, 256);
}

static void test_hv_log_sequential_reads_reassemble_the_log(void **state)
{
	uint64_t pos = log_head();
	char *text = log_lines(0, 10000), *got = malloc(12000);
	size_t len = 0;

	assert_non_null(got);
	for (int calls = 0; calls < 100; calls++) {
		assert_int_equal(get_log(pos, fake_sos_gpa(OFF_BUF), 1000), 0);
		if (param()->copied == 0)
			break;
		assert_in_range(param()->copied, 1, 1000);
		memcpy(got + len, fake_sos_ptr(OFF_BUF), param()->copied);
		len += param()->copied;
		assert_int_equal(param()->next, pos + param()->copied);
		pos = param()->next;
	}
	assert_int_equal(len, strlen(text));
	assert_memory_equal(got, text, len);
	assert_int_equal(param()->next, param()->head);
	free(text);
	free(got);
}

static void test_hv_log_len_is_capped_at_read_max(void **state)
{
	uint64_t pos = log_head();
	char *text = log_lines(0, 3 * ACRN_HV_LOG_READ_MAX);

	assert_int_equal(get_log(pos, fake_sos_gpa(OFF_BUF), UINT32_MAX), 0);
	assert_int_equal(param()->copied, ACRN_HV_LOG_READ_MAX);
	assert_memory_equal(fake_sos_ptr(OFF_BUF), text, ACRN_HV_LOG_READ_MAX);
	assert_true(buf_untouched(ACRN_HV_LOG_READ_MAX, BUF_ROOM - ACRN_HV_LOG_READ_MAX));
	assert_int_equal(param()->next, pos + ACRN_HV_LOG_READ_MAX);
	free(text);
}

static void test_hv_log_reports_bytes_lost_to_the_wrap(void **state)
{
	uint64_t head;
	char *text;

	text = log_lines(0, 70 * 1024);		/* more than the 64 KiB ring */
	head = log_head();
	assert_int_equal(get_log(0, fake_sos_gpa(OFF_BUF), 100), 0);
	assert_int_equal(param()->lost, head - 64 * 1024);
	assert_int_equal(param()->copied, 100);
	assert_int_equal(param()->next, head - 64 * 1024 + 100);
	/* The oldest byte held is the one 64 KiB before the head. */
	assert_memory_equal(fake_sos_ptr(OFF_BUF), text + strlen(text) - 64 * 1024, 100);
	free(text);
}

static void test_hv_log_position_beyond_head_is_einval(void **state)
{
	uint64_t head = log_head();

	assert_int_equal(get_log(head + 1, fake_sos_gpa(OFF_BUF), 64), -EINVAL);
	assert_int_equal(get_log(UINT64_MAX, fake_sos_gpa(OFF_BUF), 64), -EINVAL);
	assert_true(buf_untouched(0, 64));
	assert_int_equal(param()->copied, 0xEEEEEEEEU);	/* nothing written back */
}

static void test_hv_log_buffer_outside_service_vm_ram_is_einval(void **state)
{
	const struct { uint64_t gpa; uint32_t len; } bad[] = {
		{ (uint64_t)(uintptr_t)fake.hv_res, 64 },		/* the hypervisor's */
		{ (uint64_t)(uintptr_t)fake.ro_page, 64 },		/* mapped, not RAM */
		{ fake_sos_gpa(FAKE_SOS_RAM_SIZE - 16), 64 },		/* runs off the end */
		{ UINT64_MAX - 8, 64 },					/* wraps */
		{ 0, 64 },
	};
	uint64_t pos = log_head();

	printk(LOG_DEBUG, "a line that must go nowhere\n");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(fake.hv_res, FILL, 128);
		assert_int_equal(get_log(pos, bad[i].gpa, bad[i].len), -EINVAL);
		assert_int_equal(((uint8_t *)fake.hv_res)[0], FILL);
		assert_int_equal(fake.ro_page[0], 0);
	}
	/* The end of Service VM RAM itself is fine when the copy fits. */
	assert_int_equal(get_log(pos, fake_sos_gpa(FAKE_SOS_RAM_SIZE - 16), 16), 0);
	assert_int_equal(param()->copied, 16);
}

static void test_hv_log_unreadable_or_readonly_parameter_is_efault(void **state)
{
	struct acrn_hc_hv_log *ro = (struct acrn_hc_hv_log *)fake.ro_page;
	uint64_t pos = log_head();

	printk(LOG_DEBUG, "something\n");
	assert_int_equal(hc_get_hv_log(fake.caller, (uint64_t)(uintptr_t)fake.hv_res), -EFAULT);
	assert_int_equal(hc_get_hv_log(fake.caller, UINT64_MAX - 4), -EFAULT);
	/* Readable but not writable: the results cannot be written back. */
	ro->pos = pos;
	ro->buf = fake_sos_gpa(OFF_BUF);
	ro->len = 64;
	assert_int_equal(hc_get_hv_log(fake.caller, (uint64_t)(uintptr_t)fake.ro_page), -EFAULT);
	assert_int_equal(ro->copied, 0);
}

static void test_hv_log_len_zero_only_reports_positions(void **state)
{
	uint64_t pos = log_head();

	printk(LOG_DEBUG, "0123456789\n");
	/* No buffer is needed (nor checked) for a query. */
	assert_int_equal(get_log(pos, (uint64_t)(uintptr_t)fake.hv_res, 0), 0);
	assert_int_equal(param()->copied, 0);
	assert_int_equal(param()->next, pos);
	assert_int_equal(param()->head, pos + 11);
	assert_int_equal(param()->lost, 0);
}

/* Make HC_GET_HV_LOG through the dispatcher as vCPU 0 of @p vm; RAX. */
static int64_t vmcall_get_log(struct vcpu *v, uint64_t pos)
{
	struct acrn_hc_hv_log *p = param();

	memset(p, 0, sizeof(*p));
	p->pos = pos;
	p->buf = fake_sos_gpa(OFF_BUF);
	p->len = 64;
	v->regs.gpr[GPR_R8] = HC_GET_HV_LOG;
	v->regs.gpr[GPR_RDI] = fake_sos_gpa(OFF_PARAM);
	v->regs.gpr[GPR_RSI] = 0;
	hypercall_handle(v);
	return (int64_t)v->regs.gpr[GPR_RAX];
}

static void test_hv_log_hypercall_is_for_the_service_vm_only(void **state)
{
	uint64_t pos = log_head();

	printk(LOG_DEBUG, "secret\n");
	assert_int_equal(vmcall_get_log(fake.caller, pos), 0);
	assert_int_equal(param()->copied, 7);
	memset(fake_sos_ptr(OFF_BUF), FILL, 64);

	/* Any other VM gets what every privileged call gives it. */
	fake.sos->privileged = false;
	assert_int_equal(vmcall_get_log(fake.caller, pos), -EPERM);
	fake.sos->test_hypercalls = true;	/* the built-in test VM */
	assert_int_equal(vmcall_get_log(fake.caller, pos), -EPERM);
	fake.sos->test_hypercalls = false;
	fake.sos->privileged = true;
	assert_true(buf_untouched(0, 64));
	assert_int_equal(param()->copied, 0);
	assert_int_equal(exceptions, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_logring_read_from_zero_returns_everything_written),
		T(test_logring_wrap_reports_lost_and_starts_at_oldest),
		T(test_logring_small_reads_across_the_wrap_reassemble_it),
		T(test_logring_write_longer_than_the_ring_keeps_its_end),
		T(test_logring_position_beyond_head_is_einval),
		T(test_printk_lines_are_read_back_at_their_position),
		T(test_log_read_gives_the_newest_bytes),
		T(test_hv_log_copies_bytes_and_writes_back_positions),
		T(test_hv_log_sequential_reads_reassemble_the_log),
		T(test_hv_log_len_is_capped_at_read_max),
		T(test_hv_log_reports_bytes_lost_to_the_wrap),
		T(test_hv_log_position_beyond_head_is_einval),
		T(test_hv_log_buffer_outside_service_vm_ram_is_einval),
		T(test_hv_log_unreadable_or_readonly_parameter_is_efault),
		T(test_hv_log_len_zero_only_reports_positions),
		T(test_hv_log_hypercall_is_for_the_service_vm_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

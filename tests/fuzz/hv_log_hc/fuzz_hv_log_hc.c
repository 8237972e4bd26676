/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for HC_GET_HV_LOG (hypervisor/common/log_hc.c) with the
 * real log buffer, on the Service VM fakes of tests/unit/user_vm.
 *
 * The input is a program: each step either logs a line of input-chosen
 * length, or makes the hypercall with a parameter structure from the input,
 * its position and buffer either raw or picked near interesting values (the
 * head, the oldest byte held, the ends of Service VM RAM, the hypervisor's
 * reserved range, the read-only page).  Checked after every call:
 *  - the result is 0, -EFAULT or -EINVAL;
 *  - on success: copied <= min(len, ACRN_HV_LOG_READ_MAX), next = pos +
 *    lost + copied, next <= head, and the bytes copied are the log's bytes
 *    at [next - copied, next) (a shadow copy of everything logged);
 *  - no byte of Service VM RAM outside the parameter structure and
 *    [buf, buf + copied) changed, and the reserved range never does.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../unit/user_vm/fake_hv.h"

#include <common/log.h>
#include <common/vm.h>
#include <public/acrn_common.h>
#include <lib/errno.h>

#include "../fuzz_input.h"

#define OFF_PARAM	0x0000UL
#define WATCH		(64 * 1024UL)		/* Service VM bytes compared each step */
#define SHADOW_MAX	(1UL << 22)

void console_write(const char *s, unsigned long n)
{
}

/* Everything logged since the process started (the log is a static). */
static char *shadow;
static uint64_t shadow_len, shadow_base;	/* shadow[0] is position shadow_base */

static uint64_t head_now(void)
{
	struct logring_span s;
	char c;

	log_read_at(0, &c, 0, &s);
	return s.head;
}

static void log_line(struct input *in)
{
	char line[200];
	unsigned n = take8(in) % 180;

	for (unsigned i = 0; i < n; i++)
		line[i] = (char)('a' + (i + n) % 26);
	line[n] = '\0';
	printk(LOG_DEBUG, "%s\n", line);
	if (shadow_len + n + 1 > SHADOW_MAX) {	/* keep the newest half */
		memmove(shadow, shadow + SHADOW_MAX / 2, shadow_len - SHADOW_MAX / 2);
		shadow_len -= SHADOW_MAX / 2;
		shadow_base += SHADOW_MAX / 2;
	}
	memcpy(shadow + shadow_len, line, n);
	shadow[shadow_len + n] = '\n';
	shadow_len += n + 1;
}

static uint64_t pick_addr(struct input *in)
{
	uint8_t k = take8(in);
	uint64_t d = take8(in);

	switch (k % 6) {
	case 0: return fake_sos_gpa(0x1000 + d * 64);
	case 1: return fake_sos_gpa(FAKE_SOS_RAM_SIZE) - d;
	case 2: return (uint64_t)(uintptr_t)fake.hv_res + d * 8;
	case 3: return (uint64_t)(uintptr_t)fake.ro_page + d;
	case 4: return UINT64_MAX - d;
	default: return take64(in);
	}
}

static uint64_t pick_pos(struct input *in)
{
	uint64_t head = head_now(), d = take64(in) % 70000;

	switch (take8(in) % 4) {
	case 0: return head >= d ? head - d : 0;
	case 1: return head + d;
	case 2: return d;
	default: return take64(in);
	}
}

static void call(struct input *in)
{
	static uint8_t before[WATCH], hv_before[256];
	struct acrn_hc_hv_log *p = fake_sos_ptr(OFF_PARAM), q;
	uint64_t buf_off, lo, hi;
	int64_t r;

	q.pos = pick_pos(in);
	q.buf = pick_addr(in);
	q.len = (take8(in) & 1) ? (uint32_t)take64(in) : take8(in) * 40U;
	memcpy(p, &q, sizeof(q));
	memcpy(before, fake_sos_ptr(0), WATCH);
	memcpy(hv_before, fake.hv_res, sizeof(hv_before));
	r = hc_get_hv_log(fake.caller, fake_sos_gpa(OFF_PARAM));
	if (r != 0 && r != -EFAULT && r != -EINVAL) {
		fprintf(stderr, "result %ld\n", (long)r);
		abort();
	}
	if (memcmp(hv_before, fake.hv_res, sizeof(hv_before)) != 0)
		abort();
	lo = hi = 0;
	if (r == 0) {
		uint32_t max = q.len < ACRN_HV_LOG_READ_MAX ? q.len : ACRN_HV_LOG_READ_MAX;

		if (p->copied > max || p->next != q.pos + p->lost + p->copied || p->next > p->head ||
		    p->head != head_now())
			abort();
		/* (A buffer over the structure itself is overwritten by the results.) */
		if (p->copied > 0 && p->next - p->copied >= shadow_base &&
		    (q.buf >= fake_sos_gpa(sizeof(q)) || q.buf + p->copied <= fake_sos_gpa(0)) &&
		    memcmp((char *)(uintptr_t)q.buf, shadow + (p->next - p->copied - shadow_base),
			   p->copied) != 0)
			abort();
		lo = q.buf;
		hi = q.buf + p->copied;
	}
	/* Nothing else in the watched window of Service VM RAM changed. */
	for (size_t i = sizeof(q); i < WATCH; i++) {
		buf_off = fake_sos_gpa(i);
		if (buf_off >= lo && buf_off < hi)
			continue;
		if (((uint8_t *)fake_sos_ptr(0))[i] != before[i]) {
			fprintf(stderr, "Service VM byte %#zx changed\n", i);
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };

	if (shadow == NULL) {
		shadow = malloc(SHADOW_MAX);
		if (shadow == NULL)
			abort();
		shadow_base = head_now();
	}
	if (fake_hv_init() != 0)
		abort();
	for (unsigned steps = 0; in.n > 0 && steps < 256; steps++) {
		if (take8(&in) & 1)
			log_line(&in);
		else
			call(&in);
	}
	fake_hv_fini();
	return 0;
}

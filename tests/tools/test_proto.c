/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The monitor wire format: every type survives encode -> decode, and every
 * malformed input (bad magic, version, length, truncation, strings without
 * their NUL or with garbage after it, unknown types) is refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "monitor_proto.h"

static uint8_t buf[MONITOR_MSG_MAX + 64];

static size_t encode_ok(const struct monitor_msg *m)
{
	size_t n = 0;

	assert_int_equal(monitor_msg_encode(m, buf, sizeof(buf), &n), 0);
	assert_true(n >= MONITOR_HDR_SIZE);
	return n;
}

/* Round trip, then the decoded message encodes to the same bytes. */
static void roundtrip(const struct monitor_msg *m, struct monitor_msg *out)
{
	static uint8_t again[MONITOR_MSG_MAX];
	size_t n = encode_ok(m), used = 0, n2 = 0;

	assert_int_equal(monitor_msg_decode(buf, n, out, &used), 0);
	assert_int_equal(used, n);
	assert_int_equal(out->type, m->type);
	assert_int_equal(out->seq, m->seq);
	assert_int_equal(monitor_msg_encode(out, again, sizeof(again), &n2), 0);
	assert_int_equal(n2, n);
	assert_memory_equal(again, buf, n);
}

static void test_proto_header_layout_is_little_endian(void **state)
{
	struct monitor_msg m = { .type = MONITOR_MSG_PAUSE, .seq = 0x01020304 };
	size_t n = encode_ok(&m);
	static const uint8_t want[16] = { 'A', 'C', 'R', 'M', 1, 0, 4, 0, 0, 0, 0, 0,
					  4, 3, 2, 1 };

	assert_int_equal(n, 16);
	assert_memory_equal(buf, want, 16);
}

static void test_proto_roundtrip_every_request_type(void **state)
{
	struct monitor_msg m, out;

	for (uint16_t t = MONITOR_MSG_STOP; t <= MONITOR_MSG_TYPE_LAST; t++) {
		memset(&m, 0, sizeof(m));
		m.type = t;
		m.seq = 1000u + t;
		if (t == MONITOR_MSG_STOP)
			m.flags = MONITOR_STOP_FORCE;
		if (t == MONITOR_MSG_BLKRESCAN) {
			m.slot = 31;
			m.func = 7;
			strcpy(m.path, "/var/lib/vm/disk.img");
		}
		roundtrip(&m, &out);
		assert_int_equal(out.flags, m.flags);
		assert_int_equal(out.slot, m.slot);
		assert_int_equal(out.func, m.func);
		assert_string_equal(out.path, m.path);
	}
}

static void test_proto_roundtrip_every_reply_type(void **state)
{
	struct monitor_msg m, out;

	for (uint16_t t = MONITOR_MSG_STOP; t <= MONITOR_MSG_TYPE_LAST; t++) {
		memset(&m, 0, sizeof(m));
		m.type = t | MONITOR_REPLY;
		m.seq = 7;
		m.status = t == MONITOR_MSG_QUERY_STATE ? 0 : -EBUSY;
		if (t == MONITOR_MSG_QUERY_STATE) {
			m.info.vcpus = 4;
			m.info.mem_bytes = 3ULL << 30;
			m.info.start_time = 0x123456789ULL;
			m.info.pid = 4242;
			monitor_set_field(m.info.state, MONITOR_STATE_MAX, "paused");
			monitor_set_field(m.info.name, MONITOR_NAME_MAX, "vm-1.test");
		}
		roundtrip(&m, &out);
		assert_int_equal(out.status, m.status);
		if (t == MONITOR_MSG_QUERY_STATE) {
			assert_int_equal(out.info.vcpus, 4);
			assert_true(out.info.mem_bytes == (3ULL << 30));
			assert_true(out.info.start_time == 0x123456789ULL);
			assert_int_equal(out.info.pid, 4242);
			assert_string_equal(out.info.state, "paused");
			assert_string_equal(out.info.name, "vm-1.test");
		}
	}
	/* A failed query carries no info; the error reply to nothing too. */
	memset(&m, 0, sizeof(m));
	m.type = MONITOR_MSG_QUERY_STATE | MONITOR_REPLY;
	m.status = -EIO;
	assert_int_equal(encode_ok(&m), MONITOR_HDR_SIZE + 4);
	roundtrip(&m, &out);
	m.type = MONITOR_MSG_ERROR;
	m.status = -EOPNOTSUPP;
	roundtrip(&m, &out);
	assert_int_equal(out.status, -EOPNOTSUPP);
}

static void test_proto_bad_magic_version_and_size_are_refused(void **state)
{
	struct monitor_msg m = { .type = MONITOR_MSG_QUERY_STATE }, out;
	size_t n = encode_ok(&m), used = 99;

	buf[0] ^= 1;
	assert_int_equal(monitor_msg_decode(buf, n, &out, &used), -EBADMSG);
	assert_int_equal(used, 0);
	buf[0] ^= 1;
	buf[4] = 2;
	assert_int_equal(monitor_msg_decode(buf, n, &out, &used), -EPROTONOSUPPORT);
	buf[4] = 1;
	/* Payload length above the maximum, and one far beyond the buffer. */
	buf[8] = (MONITOR_PAYLOAD_MAX + 1) & 0xff;
	buf[9] = (MONITOR_PAYLOAD_MAX + 1) >> 8;
	assert_int_equal(monitor_msg_decode(buf, sizeof(buf), &out, &used), -EMSGSIZE);
	memset(buf + 8, 0xff, 4);
	assert_int_equal(monitor_msg_decode(buf, n, &out, &used), -EMSGSIZE);
	assert_int_equal(used, 0);
}

static void test_proto_length_larger_than_buffer_is_truncated(void **state)
{
	struct monitor_msg m = { .type = MONITOR_MSG_BLKRESCAN }, out;
	size_t n, used = 5;

	strcpy(m.path, "/img");
	n = encode_ok(&m);
	for (size_t cut = 0; cut < n; cut++) {
		assert_int_equal(monitor_msg_decode(buf, cut, &out, &used), -EAGAIN);
		assert_int_equal(used, 0);
	}
	assert_int_equal(monitor_msg_decode(buf, n, &out, &used), 0);
}

static void test_proto_unterminated_or_padded_path_is_refused(void **state)
{
	struct monitor_msg m = { .type = MONITOR_MSG_BLKRESCAN, .seq = 9 }, out;
	size_t n, used;

	strcpy(m.path, "/a/b");
	n = encode_ok(&m);
	/* Replace the NUL by a character: the string runs to the end. */
	buf[n - 1] = 'x';
	assert_int_equal(monitor_msg_decode(buf, n, &out, &used), -EINVAL);
	assert_int_equal(used, n);		/* framing intact: skippable */
	assert_int_equal(out.seq, 9);
	/* A NUL inside the path, i.e. bytes after the terminator. */
	buf[n - 1] = '\0';
	buf[MONITOR_HDR_SIZE + MONITOR_BLK_PATH_OFF + 1] = '\0';
	assert_int_equal(monitor_msg_decode(buf, n, &out, &used), -EINVAL);
	/* Empty path and non-zero reserved bytes. */
	n = encode_ok(&m);
	buf[MONITOR_HDR_SIZE + 2] = 1;
	assert_int_equal(monitor_msg_decode(buf, n, &out, &used), -EINVAL);
	m.path[0] = '\0';
	assert_int_equal(monitor_msg_encode(&m, buf, sizeof(buf), &n), -EINVAL);
}

static void test_proto_query_reply_strings_must_be_terminated_and_zero_padded(void **state)
{
	struct monitor_msg m = { .type = MONITOR_MSG_QUERY_STATE | MONITOR_REPLY }, out;
	size_t n, used;
	size_t state_off = MONITOR_HDR_SIZE + 4 + 24, name_off = state_off + MONITOR_STATE_MAX;

	monitor_set_field(m.info.state, MONITOR_STATE_MAX, "running");
	monitor_set_field(m.info.name, MONITOR_NAME_MAX, "vm1");
	n = encode_ok(&m);
	memset(buf + name_off, 'a', MONITOR_NAME_MAX);		/* no NUL in the field */
	assert_int_equal(monitor_msg_decode(buf, n, &out, &used), -EINVAL);
	n = encode_ok(&m);
	buf[state_off + MONITOR_STATE_MAX - 1] = 'z';		/* garbage after the NUL */
	assert_int_equal(monitor_msg_decode(buf, n, &out, &used), -EINVAL);
	n = encode_ok(&m);
	buf[name_off] = '\033';					/* terminal escape */
	assert_int_equal(monitor_msg_decode(buf, n, &out, &used), -EINVAL);
	n = encode_ok(&m);
	buf[name_off] = '\0';					/* empty name */
	memset(buf + name_off, 0, MONITOR_NAME_MAX);
	assert_int_equal(monitor_msg_decode(buf, n, &out, &used), -EINVAL);
	/* The encoder refuses what the decoder would. */
	m.info.name[0] = '\0';
	assert_int_equal(monitor_msg_encode(&m, buf, sizeof(buf), &n), -EINVAL);
}

static void test_proto_unknown_type_is_refused_but_skippable(void **state)
{
	struct monitor_msg m = { .type = MONITOR_MSG_PAUSE, .seq = 77 }, out;
	size_t n = encode_ok(&m), used;

	for (unsigned int t = 0; t < 0x10000; t++) {
		if (monitor_is_request_type(t) ||
		    ((t & MONITOR_REPLY) && (monitor_is_request_type(t & ~MONITOR_REPLY) ||
					     t == MONITOR_MSG_ERROR)))
			continue;
		buf[6] = (uint8_t)t;
		buf[7] = (uint8_t)(t >> 8);
		assert_int_equal(monitor_msg_decode(buf, n, &out, &used), -EOPNOTSUPP);
		assert_int_equal(used, n);
		assert_int_equal(out.type, t);
		assert_int_equal(out.seq, 77);
	}
	m.type = 0;
	assert_int_equal(monitor_msg_encode(&m, buf, sizeof(buf), &n), -EINVAL);
	m.type = MONITOR_MSG_TYPE_LAST + 1;
	assert_int_equal(monitor_msg_encode(&m, buf, sizeof(buf), &n), -EINVAL);
}

static void test_proto_payload_length_must_match_type(void **state)
{
	struct monitor_msg m = { .type = MONITOR_MSG_PAUSE }, out;
	size_t n, used;

	n = encode_ok(&m);
	buf[8] = 1;			/* one stray byte after a request without payload */
	buf[n] = 0;
	assert_int_equal(monitor_msg_decode(buf, n + 1, &out, &used), -EINVAL);
	assert_int_equal(used, n + 1);
	m.type = MONITOR_MSG_STOP;
	n = encode_ok(&m);
	buf[8] = 2;			/* STOP with a short flag word */
	assert_int_equal(monitor_msg_decode(buf, n - 2, &out, &used), -EINVAL);
	buf[8] = 4;
	buf[MONITOR_HDR_SIZE] = 2;	/* undefined flag bit */
	assert_int_equal(monitor_msg_decode(buf, n, &out, &used), -EINVAL);
	m.flags = 2;
	assert_int_equal(monitor_msg_encode(&m, buf, sizeof(buf), &n), -EINVAL);
}

static void test_proto_reply_status_must_be_zero_or_errno(void **state)
{
	struct monitor_msg m = { .type = MONITOR_MSG_PAUSE | MONITOR_REPLY }, out;
	size_t n, used;

	n = encode_ok(&m);
	buf[MONITOR_HDR_SIZE] = 1;	/* status +1 */
	assert_int_equal(monitor_msg_decode(buf, n, &out, &used), -EINVAL);
	memset(buf + MONITOR_HDR_SIZE, 0, 4);
	buf[MONITOR_HDR_SIZE + 3] = 0x80;	/* INT32_MIN */
	assert_int_equal(monitor_msg_decode(buf, n, &out, &used), -EINVAL);
	m.status = -5000;
	assert_int_equal(monitor_msg_encode(&m, buf, sizeof(buf), &n), -EINVAL);
	m.type = MONITOR_MSG_ERROR;
	m.status = 0;			/* an error reply must carry an error */
	assert_int_equal(monitor_msg_encode(&m, buf, sizeof(buf), &n), -EINVAL);
}

static void test_proto_oversized_path_and_small_buffer_are_refused(void **state)
{
	static struct monitor_msg m = { .type = MONITOR_MSG_BLKRESCAN }, out;
	size_t n, used;

	/* The longest path fits exactly in the largest payload. */
	memset(m.path, 'p', MONITOR_PATH_MAX - 1);
	m.path[0] = '/';
	m.path[MONITOR_PATH_MAX - 1] = '\0';
	n = encode_ok(&m);
	assert_int_equal(n, MONITOR_MSG_MAX);
	assert_int_equal(monitor_msg_decode(buf, n, &out, &used), 0);
	assert_int_equal(strlen(out.path), MONITOR_PATH_MAX - 1);
	/* One more byte has no terminator inside the field. */
	m.path[MONITOR_PATH_MAX - 1] = 'p';
	assert_int_equal(monitor_msg_encode(&m, buf, sizeof(buf), &n), -EINVAL);
	m.path[MONITOR_PATH_MAX - 1] = '\0';
	assert_int_equal(monitor_msg_encode(&m, buf, MONITOR_MSG_MAX - 1, &n), -ENOSPC);
}

static void test_proto_two_messages_in_one_buffer_decode_in_turn(void **state)
{
	struct monitor_msg a = { .type = MONITOR_MSG_PAUSE, .seq = 1 };
	struct monitor_msg b = { .type = MONITOR_MSG_STOP, .seq = 2, .flags = 1 }, out;
	size_t na, nb, used;

	assert_int_equal(monitor_msg_encode(&a, buf, sizeof(buf), &na), 0);
	assert_int_equal(monitor_msg_encode(&b, buf + na, sizeof(buf) - na, &nb), 0);
	assert_int_equal(monitor_msg_decode(buf, na + nb, &out, &used), 0);
	assert_int_equal(used, na);
	assert_int_equal(out.seq, 1);
	assert_int_equal(monitor_msg_decode(buf + used, nb, &out, &used), 0);
	assert_int_equal(out.seq, 2);
	assert_int_equal(out.flags, MONITOR_STOP_FORCE);
}

static void test_proto_names(void **state)
{
	assert_string_equal(monitor_type_name(MONITOR_MSG_CONTINUE), "continue");
	assert_string_equal(monitor_type_name(MONITOR_MSG_BLKRESCAN | MONITOR_REPLY), "blkrescan");
	assert_string_equal(monitor_type_name(99), "unknown");
	assert_string_equal(monitor_state_name(MONITOR_STATE_PAUSED), "paused");
	assert_string_equal(monitor_state_name((enum monitor_vm_state)77), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proto_header_layout_is_little_endian),
		cmocka_unit_test(test_proto_roundtrip_every_request_type),
		cmocka_unit_test(test_proto_roundtrip_every_reply_type),
		cmocka_unit_test(test_proto_bad_magic_version_and_size_are_refused),
		cmocka_unit_test(test_proto_length_larger_than_buffer_is_truncated),
		cmocka_unit_test(test_proto_unterminated_or_padded_path_is_refused),
		cmocka_unit_test(test_proto_query_reply_strings_must_be_terminated_and_zero_padded),
		cmocka_unit_test(test_proto_unknown_type_is_refused_but_skippable),
		cmocka_unit_test(test_proto_payload_length_must_match_type),
		cmocka_unit_test(test_proto_reply_status_must_be_zero_or_errno),
		cmocka_unit_test(test_proto_oversized_path_and_small_buffer_are_refused),
		cmocka_unit_test(test_proto_two_messages_in_one_buffer_decode_in_turn),
		cmocka_unit_test(test_proto_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

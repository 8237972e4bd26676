/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the monitor wire format (monitor_proto.c).  The input
 * is a byte stream as a client or a server could send it; it is decoded
 * message by message, as the monitor thread does.  Properties:
 *   - decode never reads past the input (ASan) and reports a size that fits;
 *   - peek and decode agree on the framing;
 *   - a decoded message is the canonical encoding of itself:
 *     encode(decode(x)) == x, byte for byte;
 *   - decoded strings end inside their fields;
 *   - a rejected message with intact framing can be skipped, and the stream
 *     then goes on from the next message.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor_proto.h"

static uint8_t out[MONITOR_MSG_MAX];
static struct monitor_msg m;

static void check(int cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (off < size) {
		const uint8_t *p = data + off;
		size_t len = size - off, used = 1, framed = 0, n = 0;
		int rc = monitor_msg_decode(p, len, &m, &used);
		int prc = monitor_msg_peek(p, len, &framed);

		check(used <= len);
		if (prc != 0) {
			/* No usable header: decode says the same and consumes nothing. */
			check(rc == prc && used == 0);
			break;
		}
		if (rc == -EAGAIN) {
			check(used == 0 && framed > len);
			break;
		}
		check(used == framed && used >= MONITOR_HDR_SIZE && used <= MONITOR_MSG_MAX);
		if (rc == 0) {
			check(monitor_msg_encode(&m, out, sizeof(out), &n) == 0);
			check(n == used && memcmp(out, p, n) == 0);
			check(strnlen(m.path, sizeof(m.path)) < sizeof(m.path));
			check(strnlen(m.info.state, sizeof(m.info.state)) < sizeof(m.info.state));
			check(strnlen(m.info.name, sizeof(m.info.name)) < sizeof(m.info.name));
			check((m.type & MONITOR_REPLY) ? (m.status <= 0 && m.status > -4096)
						       : monitor_is_request_type(m.type));
			/* Too small a buffer is refused, never overrun. */
			check(monitor_msg_encode(&m, out, n - 1, &n) == -ENOSPC);
		} else {
			check(rc == -EINVAL || rc == -EOPNOTSUPP);
		}
		off += used;
	}
	return 0;
}

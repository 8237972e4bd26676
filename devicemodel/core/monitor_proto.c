/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Codec of the monitor protocol (monitor_proto.h).  Everything arriving on
 * the socket is hostile: the header is checked before the length is trusted,
 * the length before the payload is read, and each payload must be exactly the
 * canonical encoding of its type -- no slack bytes, no string running past its
 * field, no padding that is not zero.  Integers are assembled byte by byte, so
 * the code does not depend on host byte order or alignment.
 */
#include <errno.h>
#include <string.h>

#include "monitor_proto.h"

#define STATUS_MIN	(-4095)		/* errno values are below 4096 */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | ((uint64_t)get32(p + 4) << 32);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

bool monitor_is_request_type(uint32_t type)
{
	return type >= MONITOR_MSG_STOP && type <= MONITOR_MSG_TYPE_LAST;
}

const char *monitor_type_name(uint32_t type)
{
	static const char *const names[] = {
		[MONITOR_MSG_STOP] = "stop",
		[MONITOR_MSG_SUSPEND] = "suspend",
		[MONITOR_MSG_RESUME] = "resume",
		[MONITOR_MSG_PAUSE] = "pause",
		[MONITOR_MSG_CONTINUE] = "continue",
		[MONITOR_MSG_QUERY_STATE] = "query",
		[MONITOR_MSG_BLKRESCAN] = "blkrescan",
		[MONITOR_MSG_RESET] = "reset",
	};

	type &= ~MONITOR_REPLY;
	return monitor_is_request_type(type) ? names[type] : "unknown";
}

const char *monitor_state_name(enum monitor_vm_state state)
{
	static const char *const names[MONITOR_STATE_COUNT] = {
		[MONITOR_STATE_STARTING] = "starting",
		[MONITOR_STATE_RUNNING] = "running",
		[MONITOR_STATE_PAUSED] = "paused",
		[MONITOR_STATE_SUSPENDED] = "suspended",
		[MONITOR_STATE_STOPPING] = "stopping",
	};

	if ((unsigned int)state >= MONITOR_STATE_COUNT)
		return "unknown";
	return names[state];
}

int monitor_set_field(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);
	int rc = 0;

	if (size == 0)
		return -ENAMETOOLONG;
	if (n >= size) {
		n = size - 1;
		rc = -ENAMETOOLONG;
	}
	memset(dst, 0, size);
	memcpy(dst, src, n);
	return rc;
}

/*
 * A fixed-size text field: printable ASCII, NUL-terminated inside the field,
 * zero after the NUL (so the encoding is unique), not empty.
 */
static bool field_is_valid(const char *f, size_t size)
{
	size_t i = 0;

	while (i < size && f[i] != '\0') {
		if ((unsigned char)f[i] < 0x20 || (unsigned char)f[i] > 0x7e)
			return false;
		i++;
	}
	if (i == 0 || i == size)
		return false;
	for (; i < size; i++)
		if (f[i] != '\0')
			return false;
	return true;
}

static bool status_is_valid(int32_t status)
{
	return status <= 0 && status >= STATUS_MIN;
}

int monitor_msg_peek(const uint8_t *buf, size_t len, size_t *msg_len)
{
	uint32_t plen;

	*msg_len = 0;
	if (len < MONITOR_HDR_SIZE)
		return -EAGAIN;
	if (get32(buf) != MONITOR_MAGIC)
		return -EBADMSG;
	if (get16(buf + 4) != MONITOR_VERSION)
		return -EPROTONOSUPPORT;
	plen = get32(buf + 8);
	if (plen > MONITOR_PAYLOAD_MAX)
		return -EMSGSIZE;
	*msg_len = MONITOR_HDR_SIZE + plen;
	return 0;
}

static int decode_request(const uint8_t *p, uint32_t plen, struct monitor_msg *m)
{
	switch (m->type) {
	case MONITOR_MSG_STOP:
		if (plen != 4)
			return -EINVAL;
		m->flags = get32(p);
		return (m->flags & ~MONITOR_STOP_FORCE) != 0 ? -EINVAL : 0;
	case MONITOR_MSG_BLKRESCAN: {
		const uint8_t *path = p + MONITOR_BLK_PATH_OFF;
		size_t n;

		/* At least one path byte plus its NUL; the NUL is the last byte. */
		if (plen < MONITOR_BLK_PATH_OFF + 2 || get16(p + 2) != 0)
			return -EINVAL;
		n = plen - MONITOR_BLK_PATH_OFF;
		if (memchr(path, '\0', n) != path + n - 1)
			return -EINVAL;
		m->slot = p[0];
		m->func = p[1];
		memcpy(m->path, path, n);
		return 0;
	}
	default:
		return plen != 0 ? -EINVAL : 0;
	}
}

static int decode_info(const uint8_t *p, struct monitor_vm_info *info)
{
	info->vcpus = get16(p);
	if (get16(p + 2) != 0)
		return -EINVAL;
	info->mem_bytes = get64(p + 4);
	info->start_time = get64(p + 12);
	info->pid = get32(p + 20);
	memcpy(info->state, p + 24, MONITOR_STATE_MAX);
	memcpy(info->name, p + 24 + MONITOR_STATE_MAX, MONITOR_NAME_MAX);
	if (!field_is_valid(info->state, MONITOR_STATE_MAX) ||
	    !field_is_valid(info->name, MONITOR_NAME_MAX))
		return -EINVAL;
	return 0;
}

static int decode_reply(const uint8_t *p, uint32_t plen, struct monitor_msg *m)
{
	uint16_t req = m->type & ~MONITOR_REPLY;

	if (req != 0 && !monitor_is_request_type(req))
		return -EOPNOTSUPP;
	if (plen < 4)
		return -EINVAL;
	m->status = (int32_t)get32(p);
	if (!status_is_valid(m->status) || (req == 0 && m->status == 0))
		return -EINVAL;
	if (req == MONITOR_MSG_QUERY_STATE && m->status == 0) {
		if (plen != 4 + MONITOR_INFO_SIZE)
			return -EINVAL;
		return decode_info(p + 4, &m->info);
	}
	return plen != 4 ? -EINVAL : 0;
}

int monitor_msg_decode(const uint8_t *buf, size_t len, struct monitor_msg *m, size_t *consumed)
{
	size_t total;
	uint32_t plen;
	int rc;

	*consumed = 0;
	rc = monitor_msg_peek(buf, len, &total);
	if (rc != 0)
		return rc;
	if (len < total)
		return -EAGAIN;
	memset(m, 0, sizeof(*m));
	m->type = get16(buf + 6);
	m->seq = get32(buf + 12);
	plen = (uint32_t)(total - MONITOR_HDR_SIZE);
	*consumed = total;
	if (m->type & MONITOR_REPLY)
		rc = decode_reply(buf + MONITOR_HDR_SIZE, plen, m);
	else if (monitor_is_request_type(m->type))
		rc = decode_request(buf + MONITOR_HDR_SIZE, plen, m);
	else
		rc = -EOPNOTSUPP;
	if (rc != 0) {
		/* Keep only what identifies the message, for the error reply. */
		uint16_t type = m->type;
		uint32_t seq = m->seq;

		memset(m, 0, sizeof(*m));
		m->type = type;
		m->seq = seq;
	}
	return rc;
}

/* Payload of @p m into @p p (room for MONITOR_PAYLOAD_MAX bytes); its length, or -EINVAL. */
static long encode_payload(const struct monitor_msg *m, uint8_t *p)
{
	uint16_t req = m->type & ~MONITOR_REPLY;
	size_t n;

	if (!(m->type & MONITOR_REPLY)) {
		switch (m->type) {
		case MONITOR_MSG_STOP:
			if (m->flags & ~MONITOR_STOP_FORCE)
				return -EINVAL;
			put32(p, m->flags);
			return 4;
		case MONITOR_MSG_BLKRESCAN:
			n = strnlen(m->path, MONITOR_PATH_MAX);
			if (n == 0 || n == MONITOR_PATH_MAX)
				return -EINVAL;
			p[0] = m->slot;
			p[1] = m->func;
			put16(p + 2, 0);
			memcpy(p + MONITOR_BLK_PATH_OFF, m->path, n + 1);
			return (long)(MONITOR_BLK_PATH_OFF + n + 1);
		default:
			return monitor_is_request_type(m->type) ? 0 : -EINVAL;
		}
	}
	if ((req != 0 && !monitor_is_request_type(req)) || !status_is_valid(m->status) ||
	    (req == 0 && m->status == 0))
		return -EINVAL;
	put32(p, (uint32_t)m->status);
	if (req != MONITOR_MSG_QUERY_STATE || m->status != 0)
		return 4;
	if (!field_is_valid(m->info.state, MONITOR_STATE_MAX) ||
	    !field_is_valid(m->info.name, MONITOR_NAME_MAX))
		return -EINVAL;
	put16(p + 4, m->info.vcpus);
	put16(p + 6, 0);
	put64(p + 8, m->info.mem_bytes);
	put64(p + 16, m->info.start_time);
	put32(p + 24, m->info.pid);
	memcpy(p + 28, m->info.state, MONITOR_STATE_MAX);
	memcpy(p + 28 + MONITOR_STATE_MAX, m->info.name, MONITOR_NAME_MAX);
	return 4 + MONITOR_INFO_SIZE;
}

int monitor_msg_encode(const struct monitor_msg *m, uint8_t *buf, size_t len, size_t *out_len)
{
	uint8_t payload[MONITOR_PAYLOAD_MAX];
	long plen;

	*out_len = 0;
	plen = encode_payload(m, payload);
	if (plen < 0)
		return (int)plen;
	if (len < MONITOR_HDR_SIZE + (size_t)plen)
		return -ENOSPC;
	put32(buf, MONITOR_MAGIC);
	put16(buf + 4, MONITOR_VERSION);
	put16(buf + 6, m->type);
	put32(buf + 8, (uint32_t)plen);
	put32(buf + 12, m->seq);
	memcpy(buf + MONITOR_HDR_SIZE, payload, (size_t)plen);
	*out_len = MONITOR_HDR_SIZE + (size_t)plen;
	return 0;
}

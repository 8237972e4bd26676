/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file monitor_proto.h
 * Wire format of acrn-dm's monitor socket, shared by acrn-dm (the server),
 * acrnctl and acrnd (the clients).
 *
 * Every message is a 16-byte header followed by @c length payload bytes, all
 * integers little-endian:
 *
 * | offset | size | field                                           |
 * |-------:|-----:|-------------------------------------------------|
 * | 0      | 4    | magic, MONITOR_MAGIC ("ACRM")                   |
 * | 4      | 2    | version, MONITOR_VERSION                        |
 * | 6      | 2    | type, enum monitor_msg_type (replies: | 0x8000) |
 * | 8      | 4    | length of the payload, <= MONITOR_PAYLOAD_MAX   |
 * | 12     | 4    | seq, chosen by the client, echoed by the reply  |
 *
 * Request payloads: STOP carries a u32 flag word (bit 0: force; other bits
 * zero); BLKRESCAN carries u8 slot, u8 function, u16 zero, then the image path
 * NUL-terminated, the NUL being the last payload byte; every other request
 * has an empty payload.
 *
 * Reply payloads start with an i32 status (0 or -errno).  A successful
 * QUERY_STATE reply continues with struct monitor_vm_info: u16 vCPUs, u16
 * zero, u64 memory bytes, u64 start time (seconds since the epoch), u32 pid,
 * char state[16], char name[32] (each NUL-terminated, zero-padded).
 * A message the server cannot attribute to a request is answered with type
 * MONITOR_MSG_ERROR.
 *
 * The codec is pure (no allocation, no I/O) and accepts only the canonical
 * encoding, so encode(decode(x)) == x for every x that decodes.
 */
#ifndef DM_MONITOR_PROTO_H
#define DM_MONITOR_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MONITOR_MAGIC		0x4d524341U	/**< "ACRM" as little-endian bytes */
#define MONITOR_VERSION		1U
#define MONITOR_HDR_SIZE	16U
#define MONITOR_PAYLOAD_MAX	4096U		/**< largest payload accepted */
#define MONITOR_MSG_MAX		(MONITOR_HDR_SIZE + MONITOR_PAYLOAD_MAX)
#define MONITOR_REPLY		0x8000U		/**< type bit of replies */
#define MONITOR_STOP_FORCE	0x1U		/**< STOP flag: no guest shutdown, stop now */
#define MONITOR_BLK_PATH_OFF	4U		/**< BLKRESCAN: path offset in the payload */
/** BLKRESCAN path buffer, NUL included. */
#define MONITOR_PATH_MAX	(MONITOR_PAYLOAD_MAX - MONITOR_BLK_PATH_OFF)
#define MONITOR_STATE_MAX	16U		/**< state name field, NUL included */
#define MONITOR_NAME_MAX	32U		/**< VM name field, NUL included */
#define MONITOR_INFO_SIZE	72U		/**< encoded struct monitor_vm_info */

/** Message types.  A reply has the request's type | MONITOR_REPLY. */
enum monitor_msg_type {
	MONITOR_MSG_STOP = 1,		/**< stop the VM (guest shutdown unless forced) */
	MONITOR_MSG_SUSPEND = 2,	/**< suspend to RAM */
	MONITOR_MSG_RESUME = 3,		/**< resume from suspend */
	MONITOR_MSG_PAUSE = 4,		/**< stop the vCPUs */
	MONITOR_MSG_CONTINUE = 5,	/**< run the vCPUs again after PAUSE */
	MONITOR_MSG_QUERY_STATE = 6,	/**< state, vCPUs, memory, start time */
	MONITOR_MSG_BLKRESCAN = 7,	/**< change a virtio-blk backing file */
	MONITOR_MSG_RESET = 8,		/**< reset the VM */
	MONITOR_MSG_TYPE_LAST = MONITOR_MSG_RESET,
	/** Reply to a message that could not be decoded (unknown type, bad payload). */
	MONITOR_MSG_ERROR = MONITOR_REPLY,
};

/** Life-cycle state of a VM as its acrn-dm reports it. */
enum monitor_vm_state {
	MONITOR_STATE_STARTING = 0,
	MONITOR_STATE_RUNNING,
	MONITOR_STATE_PAUSED,
	MONITOR_STATE_SUSPENDED,
	MONITOR_STATE_STOPPING,
	MONITOR_STATE_COUNT,
};

/** Body of a successful QUERY_STATE reply. */
struct monitor_vm_info {
	uint16_t vcpus;
	uint64_t mem_bytes;
	uint64_t start_time;			/**< seconds since the epoch */
	uint32_t pid;				/**< of acrn-dm */
	char state[MONITOR_STATE_MAX];		/**< monitor_state_name() */
	char name[MONITOR_NAME_MAX];		/**< VM name */
};

/** A decoded message; which fields count depends on @c type. */
struct monitor_msg {
	uint16_t type;				/**< enum monitor_msg_type, | MONITOR_REPLY */
	uint32_t seq;
	uint32_t flags;				/**< STOP request: MONITOR_STOP_* */
	uint8_t slot, func;			/**< BLKRESCAN request */
	char path[MONITOR_PATH_MAX];		/**< BLKRESCAN request, 1..MONITOR_PATH_MAX-1 chars */
	int32_t status;				/**< replies: 0 or -errno (> -4096) */
	struct monitor_vm_info info;		/**< QUERY_STATE reply with status 0 */
};

/**
 * Check the header at @p buf and tell how long the whole message is.
 * @param len       bytes available at @p buf
 * @param msg_len   on success, MONITOR_HDR_SIZE + payload length
 * @return 0; -EAGAIN if fewer than MONITOR_HDR_SIZE bytes; -EBADMSG bad magic;
 *         -EPROTONOSUPPORT other version; -EMSGSIZE payload above MONITOR_PAYLOAD_MAX.
 *         After any error but -EAGAIN the stream cannot be re-synchronised.
 */
int monitor_msg_peek(const uint8_t *buf, size_t len, size_t *msg_len);

/**
 * Decode and validate the message at the start of @p buf.
 * @param len       bytes available at @p buf (may hold more than one message)
 * @param m         filled on success; on -EOPNOTSUPP/-EINVAL only type and seq
 * @param consumed  message size when the header was valid (also on -EOPNOTSUPP
 *                  and -EINVAL, so the caller can skip the message), else 0
 * @return 0; the errors of monitor_msg_peek(); -EAGAIN truncated payload;
 *         -EOPNOTSUPP unknown type; -EINVAL payload not canonical for its type
 *         (wrong length, bad flags, unterminated or padded string, bad status)
 */
int monitor_msg_decode(const uint8_t *buf, size_t len, struct monitor_msg *m, size_t *consumed);

/**
 * Encode @p m (validated as monitor_msg_decode() would) into @p buf.
 * @param out_len   bytes written
 * @return 0; -EINVAL if @p m is not a valid message; -ENOSPC if @p len is too small
 */
int monitor_msg_encode(const struct monitor_msg *m, uint8_t *buf, size_t len, size_t *out_len);

/** True if @p type is a known request type (not a reply). */
bool monitor_is_request_type(uint32_t type);

/** Printable name of request type @p type ("stop", ...), "unknown" otherwise. */
const char *monitor_type_name(uint32_t type);

/** Printable name of @p state ("running", ...), "unknown" if out of range. */
const char *monitor_state_name(enum monitor_vm_state state);

/**
 * Fill @p dst (a field of @p size bytes) with @p src, NUL-terminated and
 * zero-padded as the wire format requires.
 * @return 0, or -ENAMETOOLONG if @p src does not fit (dst then holds a truncated copy)
 */
int monitor_set_field(char *dst, size_t size, const char *src);

#endif /* DM_MONITOR_PROTO_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file log.h
 * Logging: printk() goes to the console (when its level passes loglevel) and
 * always into an in-memory log buffer that the Service VM can read.
 *
 * Each .c file may define pr_fmt before including this header to prefix its
 * messages, e.g. #define pr_fmt(fmt) "vmx: " fmt
 */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include <stdint.h>
#include <stddef.h>
#include <lib/logring.h>

enum log_level {
	LOG_ERR = 1,
	LOG_WARN = 2,
	LOG_INFO = 3,
	LOG_DEBUG = 4,
};

#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif

/** Print at a level; returns nothing. Safe from any pCPU. */
void printk(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Set or read the console log level (messages above it only go to the buffer). */
void log_set_level(int level);
int log_get_level(void);

/** Copy the newest part of the log buffer (at most size bytes) into out. */
size_t log_read(char *out, size_t size);

/**
 * Copy at most @p size bytes of the log buffer from position @p pos on (see
 * lib/logring.h: a position counts the bytes logged since boot) into @p out.
 * @return 0, or -EINVAL when @p pos is beyond the newest byte.
 */
int log_read_at(uint64_t pos, char *out, size_t size, struct logring_span *span);

struct vcpu;

/**
 * HC_GET_HV_LOG (common/log_hc.c): copy log bytes into the caller's buffer
 * as struct acrn_hc_hv_log at @p param_gpa asks.  The caller is the Service
 * VM (hypercall.c checks).  @return 0 or a negative errno.
 */
int64_t hc_get_hv_log(struct vcpu *caller, uint64_t param_gpa);

#define pr_err(fmt, ...)  printk(LOG_ERR, pr_fmt(fmt) "\n", ##__VA_ARGS__)
#define pr_warn(fmt, ...) printk(LOG_WARN, pr_fmt(fmt) "\n", ##__VA_ARGS__)
#define pr_info(fmt, ...) printk(LOG_INFO, pr_fmt(fmt) "\n", ##__VA_ARGS__)
#define pr_dbg(fmt, ...)  printk(LOG_DEBUG, pr_fmt(fmt) "\n", ##__VA_ARGS__)

/** Report a fatal hypervisor error and stop this pCPU.  Prints "PANIC". */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif /* COMMON_LOG_H */

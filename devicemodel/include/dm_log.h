/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file dm_log.h
 * acrn-dm logging: pr_err/pr_warn/pr_info/pr_dbg with a per-file prefix.
 * A file defines DM_LOG_PREFIX (e.g. "pci: ") before including this header.
 */
#ifndef DM_LOG_H
#define DM_LOG_H

/** Severity of a log line; lines above the current level are dropped. */
enum dm_log_level {
	DM_LOG_ERR = 0,
	DM_LOG_WARN,
	DM_LOG_INFO,
	DM_LOG_DBG,
};

/** Write one log line ("acrn-dm: " + message + newline) to stderr. */
void dm_log(enum dm_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Set the most verbose level printed (default DM_LOG_INFO). */
void dm_log_set_level(enum dm_log_level level);

/**
 * Format a one-line error message into a caller's buffer (err may be NULL or
 * errlen 0: then nothing is written).  The parse/boot/init functions report
 * their errors this way; only main() prints them and decides the exit status.
 */
void dm_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/**
 * Send log lines to @p sink instead of stderr (NULL restores stderr).  Used by
 * tests to count lines; the sink gets the line without "acrn-dm: " or newline.
 */
void dm_log_set_sink(void (*sink)(enum dm_log_level level, const char *line));

#ifndef DM_LOG_PREFIX
#define DM_LOG_PREFIX ""
#endif

#define pr_err(fmt, ...)  dm_log(DM_LOG_ERR, DM_LOG_PREFIX fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...) dm_log(DM_LOG_WARN, DM_LOG_PREFIX fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...) dm_log(DM_LOG_INFO, DM_LOG_PREFIX fmt, ##__VA_ARGS__)
#define pr_dbg(fmt, ...)  dm_log(DM_LOG_DBG, DM_LOG_PREFIX fmt, ##__VA_ARGS__)

#endif /* DM_LOG_H */

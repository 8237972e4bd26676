/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file hvlog.h
 * The core of acrnlog, apart from /dev/acrn_vhm: reading the hypervisor's
 * log buffer by position (acrn_vhm_uapi.h, ACRN_VHM_IOCTL_GET_HV_LOG), the
 * mark file of "acrnlog -c", and the whole command line.  The device is
 * reached only through struct hvlog_ops, so tests/tools drives all of it
 * against a fake hypervisor (the hypervisor's own ring, lib/logring.c).
 */
#ifndef ACRNLOG_HVLOG_H
#define ACRNLOG_HVLOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "acrn_vhm_uapi.h"

/** Default mark file of "acrnlog -c". */
#define HVLOG_MARK_FILE		"/run/acrn/acrnlog.mark"
/** Default device. */
#define HVLOG_DEVICE		"/dev/acrn_vhm"
/** Poll interval of "acrnlog -f", milliseconds. */
#define HVLOG_FOLLOW_MS		500U

/** What the core needs of the outside world. */
struct hvlog_ops {
	/** One ACRN_VHM_IOCTL_GET_HV_LOG; @return 0 or a negative errno. */
	int (*read)(void *ctx, struct acrn_vhm_hv_log *req);
	/**
	 * "acrnlog -f" between two reads: wait @p ms milliseconds.
	 * @return true to go on, false to stop (a signal arrived).
	 */
	bool (*wait)(void *ctx, unsigned ms);
};

/** A reader: where it is in the log, and what it has seen. */
struct hvlog {
	const struct hvlog_ops *ops;
	void *ctx;
	uint64_t pos;		/**< next position to read */
	uint64_t lost;		/**< bytes overwritten before they were read, in total */
	bool skip_partial;	/**< drop bytes up to the next newline (after a loss) */
};

/**
 * Copy the log from r->pos up to the head as it was at the call into @p out.
 * When bytes were overwritten before they could be read, one line on
 * @p err says how many, and the broken first line is dropped.
 * @return 0, or a negative errno of a read (-EIO: @p out failed).
 */
int hvlog_drain(struct hvlog *r, FILE *out, FILE *err);

/** The head now (a read of 0 bytes); @return 0 or a negative errno. */
int hvlog_head(struct hvlog *r, uint64_t *head);

/** Read the mark file: 0 and *pos, -ENOENT (none) or another negative errno. */
int hvlog_mark_load(const char *path, uint64_t *pos);

/** Write the mark file (atomically, creating its directory); 0 or a negative errno. */
int hvlog_mark_save(const char *path, uint64_t pos);

/** The device and mark file "acrnlog" uses (defaults or -d / -m). */
struct hvlog_opts {
	const char *device;
	const char *mark_file;
	bool follow, clear, all;
};

/**
 * Parse the command line into @p o.  @return -1 to go on, else the exit
 * status (0 after --help, 2 after a usage error with its one line on @p err).
 */
int hvlog_parse_args(int argc, char **argv, struct hvlog_opts *o, FILE *out, FILE *err);

/**
 * Everything acrnlog does once the device is open: start at the mark (or
 * at the oldest byte), print, follow, save the mark.  Every failure is one
 * line "acrnlog: ..." on @p err.  @return the exit status (0 or 1).
 */
int hvlog_run(const struct hvlog_opts *o, const struct hvlog_ops *ops, void *ctx,
	      FILE *out, FILE *err);

#endif /* ACRNLOG_HVLOG_H */

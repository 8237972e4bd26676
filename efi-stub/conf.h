/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file conf.h
 * acrn.conf: the line-based configuration file read by acrn.efi.
 *
 * Format (see doc/uefi.md): one `key=value` per line; blank lines and lines
 * whose first non-blank character is '#' are ignored; spaces and tabs around
 * the key and the value are dropped; CR LF and LF line ends are both accepted.
 * Keys: hypervisor (required), hv_cmdline, kernel, kernel_cmdline, initrd.
 * Paths are on the ESP acrn.efi was loaded from; '/' may stand for '\'.
 *
 * Pure code: no UEFI calls, compiled into acrn.efi and into the host tests.
 */
#ifndef EFI_STUB_CONF_H
#define EFI_STUB_CONF_H

#include <stddef.h>
#include <stdint.h>

/** Longest path (bytes, without the NUL) accepted for a file. */
#define CONF_PATH_MAX		255
/** Longest hypervisor command line: the hypervisor keeps 511 bytes + NUL. */
#define CONF_HV_CMDLINE_MAX	511
/** Longest kernel command line: the hypervisor keeps 255 bytes per module. */
#define CONF_KERNEL_CMDLINE_MAX	255
/** Largest configuration file accepted. */
#define CONF_FILE_MAX		(64U * 1024U)

/** The parsed configuration; empty strings mean "not given". */
struct conf {
	char hypervisor[CONF_PATH_MAX + 1];
	char hv_cmdline[CONF_HV_CMDLINE_MAX + 1];
	char kernel[CONF_PATH_MAX + 1];
	char kernel_cmdline[CONF_KERNEL_CMDLINE_MAX + 1];
	char initrd[CONF_PATH_MAX + 1];
};

/** Where and why conf_parse() refused the file. */
struct conf_error {
	uint32_t line;		/**< 1-based line number, 0 for whole-file errors */
	const char *why;	/**< static English text, never NULL after an error */
};

/**
 * Parse an acrn.conf file.
 * @param buf  file contents (need not be NUL-terminated; a NUL byte is an error)
 * @param len  number of bytes in buf, at most CONF_FILE_MAX
 * @param out  filled on success; contents unspecified on error
 * @param err  filled on error
 * @return 0; -EINVAL for a syntax error, an unknown or repeated key, a
 *         missing hypervisor= line, initrd= without kernel=, or a path with
 *         characters other than printable ASCII; -E2BIG for a file or a value
 *         longer than its limit.
 */
int conf_parse(const char *buf, size_t len, struct conf *out, struct conf_error *err);

/**
 * Turn a configured path into an absolute ESP path: '/' becomes '\', and a
 * path not starting with '\' is taken relative to dir.
 * @param dir  directory of acrn.conf, absolute, with or without trailing '\'
 * @param path a path as stored by conf_parse()
 * @param out  result buffer
 * @param size size of out in bytes
 * @return 0, -E2BIG if the result does not fit, -EINVAL for an empty path
 *         or a dir that is not absolute.
 */
int conf_resolve_path(const char *dir, const char *path, char *out, size_t size);

#endif /* EFI_STUB_CONF_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file dm_config.h
 * acrn-dm configuration: the command line is parsed once, here, into a typed
 * struct dm_config.  Devices read their options from it; nothing else parses
 * argv or splits option strings again.
 */
#ifndef DM_CONFIG_H
#define DM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DM_PCI_SLOTS		32	/**< devices on bus 0 */
#define DM_PCI_FUNCS		8	/**< functions per device */
#define DM_MAX_VCPUS		16	/**< one IOREQ slot per vCPU */
#define DM_MAX_COM		4	/**< com1..com4 */
#define DM_VM_NAME_MAX		31	/**< longest VM name accepted */
#define DM_DEV_NAME_MAX		31	/**< longest device type name */
#define DM_DEV_OPTS_MAX		32	/**< options after the device name */
#define DM_OPT_STR_MAX		4096	/**< longest single option argument */
#define DM_MEM_MAX		(1ULL << 40)	/**< 1 TiB: far above any host here */

/** One device option: "key=value", or a bare word (value == NULL). */
struct dm_kv {
	char *key;
	char *value;
};

/** One `-s slot[:func],dev[,opts]` entry. */
struct dm_dev_config {
	uint8_t slot;
	uint8_t func;
	char *name;			/**< device type, looked up in the PCI registry */
	size_t nopts;
	struct dm_kv opts[DM_DEV_OPTS_MAX];
};

/** Back-end of a legacy serial port (`-l comN,...`). */
enum dm_com_backend {
	DM_COM_NONE = 0,
	DM_COM_STDIO,
	DM_COM_TTY,
	DM_COM_TCP,
	DM_COM_FILE,
};

/** One `-l comN,...` entry. */
struct dm_com_config {
	enum dm_com_backend backend;
	char *path;			/**< TTY, FILE */
	uint16_t port;			/**< TCP */
};

/** Scheduling class of the User VM and of acrn-dm's IOREQ thread (`--priority`). */
enum dm_prio {
	DM_PRIO_NORMAL = 0,
	DM_PRIO_HIGH,
	DM_PRIO_LOW,
};

/** What main() should do after a successful parse. */
enum dm_action {
	DM_ACTION_RUN = 0,
	DM_ACTION_HELP,
	DM_ACTION_VERSION,
};

/** The whole configuration of one acrn-dm process. */
struct dm_config {
	enum dm_action action;
	uint64_t mem_size;		/**< bytes, > 0, multiple of 4 KiB */
	uint16_t ncpus;			/**< 1..DM_MAX_VCPUS */
	uint64_t cpu_affinity;		/**< bitmap of pCPUs, 0 = not given */
	enum dm_prio prio;		/**< --priority (default normal) */
	bool have_prio;			/**< --priority given */
	bool has_uuid;
	uint8_t uuid[16];
	char *kernel;			/**< -k */
	char *initrd;			/**< -r */
	char *bootargs;			/**< -B */
	char *ovmf;			/**< --ovmf */
	char *elf;			/**< -E */
	bool debugexit;			/**< --debugexit */
	bool acpi;			/**< -A (accepted for launch-script compatibility) */
	bool virtio_msix;		/**< -W */
	bool no_mptable;		/**< -Y */
	char *mac_seed;			/**< --mac_seed (virtio-net MAC derivation) */
	char *verify_key;		/**< --verify-key: public key PEM; boot images need FILE.sig */
	size_t nignored;		/**< accepted-but-unsupported ACRN options seen */
	const char *ignored[8];		/**< their names (static strings), for a warning */
	struct dm_com_config com[DM_MAX_COM];
	size_t ndevs;
	struct dm_dev_config *devs;	/**< sorted by slot, func; unique */
	char *vm_name;			/**< last positional argument */
};

/**
 * Parse acrn-dm's command line.
 * @param cfg    zero-initialised or garbage; filled on return (free with dm_config_free
 *               whatever the result)
 * @param argc   argument count (argv[0] is the program name)
 * @param argv   arguments; not modified
 * @param err    buffer for a one-line message naming the problem (may be NULL)
 * @param errlen size of @p err
 * @return 0, or -EINVAL (bad input) / -ENOMEM with @p err filled
 */
int dm_config_parse(struct dm_config *cfg, int argc, char *const argv[],
		    char *err, size_t errlen);

/** Release everything dm_config_parse() allocated; @p cfg may be reused. */
void dm_config_free(struct dm_config *cfg);

/**
 * Parse a memory size: a number with an optional K/M/G/T suffix (optional
 * trailing 'B'); a plain number is in megabytes (acrn-dm/bhyve convention).
 * @return 0 and *out in bytes, or -EINVAL / -ERANGE
 */
int dm_parse_memsize(const char *s, uint64_t *out);

/** Value of option @p key of a device ("key=value"), NULL if absent or bare. */
const char *dm_dev_opt(const struct dm_dev_config *dev, const char *key);

/** True if the bare word @p key (no '=') appears among the device options. */
bool dm_dev_has_flag(const struct dm_dev_config *dev, const char *key);

/** The @p idx-th bare word among the options (e.g. a disk image path), or NULL. */
const char *dm_dev_positional(const struct dm_dev_config *dev, size_t idx);

/** The version string printed by -v ("acrn-dm X.Y"). */
const char *dm_version_string(void);

/** Print the usage text to @p stream (a FILE *). */
void dm_config_usage(void *stream, const char *prog);

#endif /* DM_CONFIG_H */

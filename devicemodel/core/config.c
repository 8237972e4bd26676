/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrn-dm command line parser.
 *
 * Everything a launch script passes is parsed here, once, into struct
 * dm_config.  The syntax follows ACRN's acrn-dm (itself bhyve's) so existing
 * launch scripts work: -m, -c, -s, -l, -k, -r, -B, -E, -U, --ovmf,
 * --cpu_affinity, --debugexit, the VM name last; --verify-key is ours.
 *
 * We do not use getopt_long(): it keeps global state, permutes argv and prints
 * its own messages.  This parser is reentrant (the fuzzer calls it millions of
 * times), never touches argv and reports exactly one line per error.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "dm_config.h"
#include "dm_log.h"

#define DM_VERSION_STRING "acrn-dm 0.1"

/* Strict unsigned decimal: digits only, no sign, no blanks, overflow checked. */
static int cfg_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (s == NULL || *s == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int dm_parse_memsize(const char *s, uint64_t *out)
{
	uint64_t v = 0, shift = 20;	/* no suffix: megabytes */
	const char *p = s;

	if (s == NULL || *s < '0' || *s > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	switch (*p) {
	case '\0': break;
	case 'k': case 'K': shift = 10; p++; break;
	case 'm': case 'M': shift = 20; p++; break;
	case 'g': case 'G': shift = 30; p++; break;
	case 't': case 'T': shift = 40; p++; break;
	default: return -EINVAL;
	}
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p != '\0')
		return -EINVAL;
	if (v == 0)
		return -EINVAL;
	if (v > (DM_MEM_MAX >> shift))
		return -ERANGE;
	v <<= shift;
	/* Guest RAM is mapped in 4 KiB pages: round up (cannot overflow, v <= 1 TiB). */
	*out = (v + 0xfffULL) & ~0xfffULL;
	return 0;
}

static int cfg_strdup(char **dst, const char *src)
{
	*dst = strdup(src);
	return *dst == NULL ? -ENOMEM : 0;
}

/* A string option given once: a second -k is almost certainly a script bug. */
static int cfg_set_once(char **dst, const char *val, const char *opt, char *err, size_t errlen)
{
	if (*dst != NULL) {
		dm_errf(err, errlen, "option %s given twice", opt);
		return -EINVAL;
	}
	if (*val == '\0') {
		dm_errf(err, errlen, "option %s: empty argument", opt);
		return -EINVAL;
	}
	return cfg_strdup(dst, val);
}

/* "slot", "slot:func" or "0:slot:func" (bus 0 only), all decimal. */
static int cfg_parse_bdf(const char *s, uint8_t *slot, uint8_t *func)
{
	char buf[32];
	char *parts[3];
	size_t n = 0;
	uint64_t v[3];
	char *p;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	p = buf;
	parts[n++] = p;
	while ((p = strchr(p, ':')) != NULL) {
		if (n == 3)
			return -EINVAL;
		*p++ = '\0';
		parts[n++] = p;
	}
	for (size_t i = 0; i < n; i++)
		if (cfg_parse_u64(parts[i], 255, &v[i]) != 0)
			return -EINVAL;
	if (n == 3) {
		if (v[0] != 0)
			return -EINVAL;	/* only bus 0 exists */
		v[0] = v[1];
		v[1] = v[2];
	} else if (n == 1) {
		v[1] = 0;
	}
	if (v[0] >= DM_PCI_SLOTS || v[1] >= DM_PCI_FUNCS)
		return -EINVAL;
	*slot = (uint8_t)v[0];
	*func = (uint8_t)v[1];
	return 0;
}

/* Split "a,b=c,d" into the device's key/value list (strings are copied). */
static int cfg_parse_devopts(struct dm_dev_config *dev, char *rest, char *err, size_t errlen)
{
	char *tok, *next, *eq;
	int rc;

	for (tok = rest; tok != NULL; tok = next) {
		next = strchr(tok, ',');
		if (next != NULL)
			*next++ = '\0';
		if (*tok == '\0') {
			dm_errf(err, errlen, "device %s: empty option", dev->name);
			return -EINVAL;
		}
		if (dev->nopts == DM_DEV_OPTS_MAX) {
			dm_errf(err, errlen, "device %s: more than %d options", dev->name,
				DM_DEV_OPTS_MAX);
			return -EINVAL;
		}
		eq = strchr(tok, '=');
		if (eq == tok) {
			dm_errf(err, errlen, "device %s: option '%s' has no key", dev->name, tok);
			return -EINVAL;
		}
		if (eq != NULL)
			*eq = '\0';
		rc = cfg_strdup(&dev->opts[dev->nopts].key, tok);
		if (rc == 0 && eq != NULL)
			rc = cfg_strdup(&dev->opts[dev->nopts].value, eq + 1);
		dev->nopts++;	/* count it even on failure so dm_config_free releases it */
		if (rc != 0)
			return rc;
	}
	return 0;
}

static void cfg_free_dev(struct dm_dev_config *dev)
{
	for (size_t i = 0; i < dev->nopts; i++) {
		free(dev->opts[i].key);
		free(dev->opts[i].value);
	}
	free(dev->name);
	memset(dev, 0, sizeof(*dev));
}

/* -s slot[:func],dev[,opts] */
static int cfg_parse_slot(struct dm_config *cfg, const char *arg, char *err, size_t errlen)
{
	struct dm_dev_config dev, *devs;
	char *copy, *name, *rest;
	int rc = -EINVAL;

	memset(&dev, 0, sizeof(dev));
	copy = strdup(arg);
	if (copy == NULL)
		return -ENOMEM;
	name = strchr(copy, ',');
	if (name == NULL) {
		dm_errf(err, errlen, "option -s '%s': expected slot[:func],device[,options]", arg);
		goto out;
	}
	*name++ = '\0';
	if (cfg_parse_bdf(copy, &dev.slot, &dev.func) != 0) {
		dm_errf(err, errlen, "option -s: invalid slot '%s' (slot 0-31, function 0-7)", copy);
		goto out;
	}
	rest = strchr(name, ',');
	if (rest != NULL)
		*rest++ = '\0';
	if (*name == '\0' || strlen(name) > DM_DEV_NAME_MAX) {
		dm_errf(err, errlen, "option -s %u:%u: invalid device name", dev.slot, dev.func);
		goto out;
	}
	for (size_t i = 0; i < cfg->ndevs; i++) {
		if (cfg->devs[i].slot == dev.slot && cfg->devs[i].func == dev.func) {
			dm_errf(err, errlen, "option -s: slot %u:%u used twice", dev.slot, dev.func);
			goto out;
		}
	}
	rc = cfg_strdup(&dev.name, name);
	if (rc == 0 && rest != NULL)
		rc = cfg_parse_devopts(&dev, rest, err, errlen);
	if (rc != 0)
		goto out;
	devs = realloc(cfg->devs, (cfg->ndevs + 1) * sizeof(*devs));
	if (devs == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	cfg->devs = devs;
	/* Keep the array sorted by (slot, func): the PCI core walks it in order. */
	size_t pos = cfg->ndevs;
	while (pos > 0 && (devs[pos - 1].slot * DM_PCI_FUNCS + devs[pos - 1].func) >
			  (dev.slot * DM_PCI_FUNCS + dev.func)) {
		devs[pos] = devs[pos - 1];
		pos--;
	}
	devs[pos] = dev;
	cfg->ndevs++;
	free(copy);
	return 0;
out:
	cfg_free_dev(&dev);
	free(copy);
	return rc;
}

/* -l comN,stdio | comN,tty,PATH | comN,tcp,PORT | comN,file,PATH | comN,/dev/PATH */
static int cfg_parse_lpc(struct dm_config *cfg, const char *arg, char *err, size_t errlen)
{
	struct dm_com_config *com;
	const char *kind, *param;
	size_t kindlen;
	uint64_t port;

	if (strncmp(arg, "com", 3) != 0 || arg[3] < '1' || arg[3] > '0' + DM_MAX_COM ||
	    arg[4] != ',') {
		dm_errf(err, errlen, "option -l '%s': expected comN,backend (N = 1..%d)", arg,
			DM_MAX_COM);
		return -EINVAL;
	}
	com = &cfg->com[arg[3] - '1'];
	if (com->backend != DM_COM_NONE) {
		dm_errf(err, errlen, "option -l: com%c configured twice", arg[3]);
		return -EINVAL;
	}
	kind = arg + 5;
	param = strchr(kind, ',');
	kindlen = param != NULL ? (size_t)(param - kind) : strlen(kind);
	if (param != NULL)
		param++;
	if (kindlen == 5 && strncmp(kind, "stdio", 5) == 0 && param == NULL) {
		com->backend = DM_COM_STDIO;
		return 0;
	}
	if (kind[0] == '/' && param == NULL) {	/* bhyve style: a bare device path */
		com->backend = DM_COM_TTY;
		return cfg_strdup(&com->path, kind);
	}
	if (param != NULL && *param != '\0') {
		if (kindlen == 3 && strncmp(kind, "tty", 3) == 0) {
			com->backend = DM_COM_TTY;
			return cfg_strdup(&com->path, param);
		}
		if (kindlen == 4 && strncmp(kind, "file", 4) == 0) {
			com->backend = DM_COM_FILE;
			return cfg_strdup(&com->path, param);
		}
		if (kindlen == 3 && strncmp(kind, "tcp", 3) == 0) {
			if (cfg_parse_u64(param, 65535, &port) != 0 || port == 0) {
				dm_errf(err, errlen, "option -l: invalid TCP port '%s'", param);
				return -EINVAL;
			}
			com->backend = DM_COM_TCP;
			com->port = (uint16_t)port;
			return 0;
		}
	}
	dm_errf(err, errlen, "option -l '%s': backend must be stdio, tty,PATH, tcp,PORT or file,PATH",
		arg);
	return -EINVAL;
}

/* --cpu_affinity 0,1,3: physical CPU ids, each < 64. */
static int cfg_parse_affinity(struct dm_config *cfg, const char *arg, char *err, size_t errlen)
{
	char buf[256];
	char *tok, *next;
	uint64_t cpu, mask = 0;

	if (cfg->cpu_affinity != 0) {
		dm_errf(err, errlen, "option --cpu_affinity given twice");
		return -EINVAL;
	}
	if (strlen(arg) >= sizeof(buf)) {
		dm_errf(err, errlen, "option --cpu_affinity: list too long");
		return -EINVAL;
	}
	strcpy(buf, arg);
	for (tok = buf; tok != NULL; tok = next) {
		next = strchr(tok, ',');
		if (next != NULL)
			*next++ = '\0';
		if (cfg_parse_u64(tok, 63, &cpu) != 0) {
			dm_errf(err, errlen, "option --cpu_affinity: invalid CPU '%s' (0-63)", tok);
			return -EINVAL;
		}
		mask |= 1ULL << cpu;
	}
	cfg->cpu_affinity = mask;
	return 0;
}

/* --priority high|normal|low: the User VM's scheduling class (doc/user-vms.md, "Scheduling"). */
static int cfg_parse_prio(struct dm_config *cfg, const char *val, char *err, size_t errlen)
{
	static const char *const names[] = {
		[DM_PRIO_NORMAL] = "normal", [DM_PRIO_HIGH] = "high", [DM_PRIO_LOW] = "low",
	};

	if (cfg->have_prio) {
		dm_errf(err, errlen, "option --priority given twice");
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(val, names[i]) == 0) {
			cfg->prio = (enum dm_prio)i;
			cfg->have_prio = true;
			return 0;
		}
	}
	dm_errf(err, errlen, "option --priority: '%s' is not high, normal or low", val);
	return -EINVAL;
}

static bool cfg_valid_vm_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > DM_VM_NAME_MAX || s[0] == '-' || s[0] == '.')
		return false;
	/* The name ends up in socket and log file names: keep it to a safe set. */
	for (; *s != '\0'; s++) {
		char c = *s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

enum cfg_opt_id {
	OPT_MEM, OPT_CPUS, OPT_SLOT, OPT_LPC, OPT_KERNEL, OPT_INITRD, OPT_BOOTARGS,
	OPT_ELF, OPT_UUID, OPT_OVMF, OPT_AFFINITY, OPT_DEBUGEXIT, OPT_HELP, OPT_VERSION,
	OPT_ACPI, OPT_MSIX, OPT_NOMPTABLE, OPT_MAC_SEED, OPT_PRIORITY, OPT_VERIFY_KEY, OPT_IGNORED,
};

struct cfg_opt {
	char shortname;		/* 0: long only */
	const char *longname;	/* NULL: short only */
	bool has_arg;
	enum cfg_opt_id id;
};

static const struct cfg_opt cfg_opts[] = {
	{ 'm', "memsize", true, OPT_MEM },
	{ 'c', "cpus", true, OPT_CPUS },
	{ 's', "pci_slot", true, OPT_SLOT },
	{ 'l', "lpc", true, OPT_LPC },
	{ 'k', "kernel", true, OPT_KERNEL },
	{ 'r', "ramdisk", true, OPT_INITRD },
	{ 'B', "bootargs", true, OPT_BOOTARGS },
	{ 'E', "elf_file", true, OPT_ELF },
	{ 'U', "uuid", true, OPT_UUID },
	{ 0, "ovmf", true, OPT_OVMF },
	{ 0, "cpu_affinity", true, OPT_AFFINITY },
	{ 0, "debugexit", false, OPT_DEBUGEXIT },
	{ 'h', "help", false, OPT_HELP },
	{ 'v', "version", false, OPT_VERSION },
	{ 'A', "acpi", false, OPT_ACPI },
	{ 'W', "virtio_msix", false, OPT_MSIX },
	{ 'Y', "mptgen", false, OPT_NOMPTABLE },
	{ 0, "mac_seed", true, OPT_MAC_SEED },
	{ 0, "priority", true, OPT_PRIORITY },
	{ 0, "verify-key", true, OPT_VERIFY_KEY },
	/*
	 * ACRN options that launch scripts pass but that change nothing this
	 * device model does yet: accepted so the scripts run, reported by main().
	 */
	{ 0, "logger_setting", true, OPT_IGNORED },
	{ 0, "pm_notify_channel", true, OPT_IGNORED },
	{ 0, "pm_by_vuart", true, OPT_IGNORED },
	{ 0, "virtio_poll", true, OPT_IGNORED },
	{ 0, "intr_monitor", true, OPT_IGNORED },
	{ 0, "windows", false, OPT_IGNORED },
	{ 0, "ptdev_no_reset", false, OPT_IGNORED },
};

/* Apply one option whose argument (if any) is @p val. */
static int cfg_apply(struct dm_config *cfg, const struct cfg_opt *o, const char *val,
		     bool *have_mem, bool *have_cpus, char *err, size_t errlen)
{
	uint64_t v;
	int rc;

	if (val != NULL && strlen(val) > DM_OPT_STR_MAX) {
		dm_errf(err, errlen, "option %s: argument longer than %d bytes",
			o->longname, DM_OPT_STR_MAX);
		return -EINVAL;
	}
	switch (o->id) {
	case OPT_MEM:
		if (*have_mem) {
			dm_errf(err, errlen, "option -m given twice");
			return -EINVAL;
		}
		rc = dm_parse_memsize(val, &cfg->mem_size);
		if (rc != 0) {
			dm_errf(err, errlen, "option -m: invalid memory size '%s'", val);
			return -EINVAL;
		}
		*have_mem = true;
		return 0;
	case OPT_CPUS:
		if (*have_cpus || cfg_parse_u64(val, DM_MAX_VCPUS, &v) != 0 || v == 0) {
			dm_errf(err, errlen, "option -c: '%s' is not a vCPU count 1..%d (or repeated)",
				val, DM_MAX_VCPUS);
			return -EINVAL;
		}
		cfg->ncpus = (uint16_t)v;
		*have_cpus = true;
		return 0;
	case OPT_SLOT:
		return cfg_parse_slot(cfg, val, err, errlen);
	case OPT_LPC:
		return cfg_parse_lpc(cfg, val, err, errlen);
	case OPT_KERNEL:
		return cfg_set_once(&cfg->kernel, val, "-k", err, errlen);
	case OPT_INITRD:
		return cfg_set_once(&cfg->initrd, val, "-r", err, errlen);
	case OPT_BOOTARGS:
		return cfg_set_once(&cfg->bootargs, val, "-B", err, errlen);
	case OPT_ELF:
		return cfg_set_once(&cfg->elf, val, "-E", err, errlen);
	case OPT_OVMF:
		return cfg_set_once(&cfg->ovmf, val, "--ovmf", err, errlen);
	case OPT_UUID:
		if (cfg->has_uuid || uuid_parse(val, cfg->uuid) != 0) {
			dm_errf(err, errlen, "option -U: invalid UUID '%s' (or repeated)", val);
			return -EINVAL;
		}
		cfg->has_uuid = true;
		return 0;
	case OPT_AFFINITY:
		return cfg_parse_affinity(cfg, val, err, errlen);
	case OPT_DEBUGEXIT:
		cfg->debugexit = true;
		return 0;
	case OPT_HELP:
		cfg->action = DM_ACTION_HELP;
		return 0;
	case OPT_VERSION:
		cfg->action = DM_ACTION_VERSION;
		return 0;
	case OPT_ACPI:
		cfg->acpi = true;
		return 0;
	case OPT_MSIX:
		cfg->virtio_msix = true;
		return 0;
	case OPT_NOMPTABLE:
		cfg->no_mptable = true;
		return 0;
	case OPT_MAC_SEED:
		return cfg_set_once(&cfg->mac_seed, val, "--mac_seed", err, errlen);
	case OPT_PRIORITY:
		return cfg_parse_prio(cfg, val, err, errlen);
	case OPT_VERIFY_KEY:
		return cfg_set_once(&cfg->verify_key, val, "--verify-key", err, errlen);
	case OPT_IGNORED:
		if (cfg->nignored < sizeof(cfg->ignored) / sizeof(cfg->ignored[0]))
			cfg->ignored[cfg->nignored++] = o->longname;
		return 0;
	}
	return -EINVAL;
}

/* Find the option named by argv[i]; *inl is set to an inline argument if any. */
static const struct cfg_opt *cfg_lookup(const char *a, const char **inl)
{
	*inl = NULL;
	if (a[1] == '-') {
		const char *eq = strchr(a + 2, '=');
		size_t n = eq != NULL ? (size_t)(eq - (a + 2)) : strlen(a + 2);

		for (size_t i = 0; i < sizeof(cfg_opts) / sizeof(cfg_opts[0]); i++) {
			const char *ln = cfg_opts[i].longname;

			if (ln != NULL && strlen(ln) == n && strncmp(ln, a + 2, n) == 0) {
				*inl = eq != NULL ? eq + 1 : NULL;
				return &cfg_opts[i];
			}
		}
		return NULL;
	}
	for (size_t i = 0; i < sizeof(cfg_opts) / sizeof(cfg_opts[0]); i++) {
		if (cfg_opts[i].shortname != 0 && cfg_opts[i].shortname == a[1]) {
			if (a[2] != '\0')
				*inl = a + 2;	/* -m512M */
			return &cfg_opts[i];
		}
	}
	return NULL;
}

/* Cross-option checks, once everything is known. */
static int cfg_finish(struct dm_config *cfg, bool have_mem, bool have_cpus, char *err,
		      size_t errlen)
{
	int naff = __builtin_popcountll(cfg->cpu_affinity);

	if (cfg->vm_name == NULL) {
		dm_errf(err, errlen, "missing VM name (last argument)");
		return -EINVAL;
	}
	if (!have_mem)
		cfg->mem_size = 256ULL << 20;
	if (naff > DM_MAX_VCPUS) {
		dm_errf(err, errlen, "option --cpu_affinity: more than %d CPUs", DM_MAX_VCPUS);
		return -EINVAL;
	}
	if (!have_cpus)
		cfg->ncpus = naff > 0 ? (uint16_t)naff : 1;
	if (naff > 0 && cfg->ncpus > naff) {
		dm_errf(err, errlen, "-c %u exceeds the %d CPUs of --cpu_affinity", cfg->ncpus, naff);
		return -EINVAL;
	}
	return 0;
}

int dm_config_parse(struct dm_config *cfg, int argc, char *const argv[], char *err, size_t errlen)
{
	bool have_mem = false, have_cpus = false, no_more_opts = false;
	const struct cfg_opt *o;
	const char *val;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (a == NULL)
			break;
		if (no_more_opts || a[0] != '-' || a[1] == '\0') {
			if (cfg->vm_name != NULL) {
				dm_errf(err, errlen, "unexpected argument '%s' (VM name already given)", a);
				return -EINVAL;
			}
			if (!cfg_valid_vm_name(a)) {
				dm_errf(err, errlen, "invalid VM name '%s' (1-%d of A-Z a-z 0-9 _ - .)",
					a, DM_VM_NAME_MAX);
				return -EINVAL;
			}
			rc = cfg_strdup(&cfg->vm_name, a);
			if (rc != 0)
				return rc;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			no_more_opts = true;
			continue;
		}
		o = cfg_lookup(a, &val);
		if (o == NULL || (!o->has_arg && val != NULL)) {
			dm_errf(err, errlen, "unknown option '%.64s'", a);
			return -EINVAL;
		}
		if (o->has_arg && val == NULL) {
			if (i + 1 >= argc || argv[i + 1] == NULL) {
				dm_errf(err, errlen, "option '%s' requires an argument", a);
				return -EINVAL;
			}
			val = argv[++i];
		}
		rc = cfg_apply(cfg, o, val, &have_mem, &have_cpus, err, errlen);
		if (rc != 0) {
			if (rc == -ENOMEM)
				dm_errf(err, errlen, "out of memory");
			return rc;
		}
		if (cfg->action != DM_ACTION_RUN)
			return 0;	/* -h / -v: nothing else matters */
	}
	return cfg_finish(cfg, have_mem, have_cpus, err, errlen);
}

void dm_config_free(struct dm_config *cfg)
{
	for (size_t i = 0; i < cfg->ndevs; i++)
		cfg_free_dev(&cfg->devs[i]);
	free(cfg->devs);
	for (size_t i = 0; i < DM_MAX_COM; i++)
		free(cfg->com[i].path);
	free(cfg->kernel);
	free(cfg->initrd);
	free(cfg->bootargs);
	free(cfg->ovmf);
	free(cfg->elf);
	free(cfg->mac_seed);
	free(cfg->verify_key);
	free(cfg->vm_name);
	memset(cfg, 0, sizeof(*cfg));
}

const char *dm_dev_opt(const struct dm_dev_config *dev, const char *key)
{
	for (size_t i = 0; i < dev->nopts; i++)
		if (dev->opts[i].value != NULL && strcmp(dev->opts[i].key, key) == 0)
			return dev->opts[i].value;
	return NULL;
}

bool dm_dev_has_flag(const struct dm_dev_config *dev, const char *key)
{
	for (size_t i = 0; i < dev->nopts; i++)
		if (dev->opts[i].value == NULL && strcmp(dev->opts[i].key, key) == 0)
			return true;
	return false;
}

const char *dm_dev_positional(const struct dm_dev_config *dev, size_t idx)
{
	for (size_t i = 0; i < dev->nopts; i++) {
		if (dev->opts[i].value != NULL)
			continue;
		if (idx == 0)
			return dev->opts[i].key;
		idx--;
	}
	return NULL;
}

void dm_config_usage(void *stream, const char *prog)
{
	fprintf((FILE *)stream,
		"Usage: %s [options] VM_NAME\n"
		"  -m, --memsize SIZE        guest memory (K/M/G/T suffix; plain number = MiB; default 256M)\n"
		"  -c, --cpus N              vCPUs (1-%d; default: CPUs of --cpu_affinity, else 1)\n"
		"  -s SLOT[:FUNC],DEV[,OPTS] PCI device on bus 0 (repeatable; OPTS: word or key=value)\n"
		"  -l comN,BACKEND           legacy UART: stdio | tty,PATH | tcp,PORT | file,PATH\n"
		"  -k, --kernel PATH         Linux kernel (bzImage)\n"
		"  -r, --ramdisk PATH        initrd\n"
		"  -B, --bootargs \"CMDLINE\"  kernel command line\n"
		"  -E, --elf_file PATH       ELF image to load\n"
		"      --ovmf PATH           UEFI firmware (OVMF.fd)\n"
		"  -U, --uuid UUID           VM UUID\n"
		"      --cpu_affinity LIST   physical CPUs for the vCPUs, e.g. 0,1\n"
		"      --priority CLASS      high, normal (default) or low: the VM's turn on the pCPUs\n"
		"                            it shares with other User VMs, and its IOREQ thread's\n"
		"                            Linux class (SCHED_FIFO 1 / SCHED_OTHER / nice 10)\n"
		"      --debugexit           enable the debug-exit port\n"
		"      --mac_seed STRING     seed for virtio-net MAC addresses\n"
		"      --verify-key KEY.pem  boot only images whose FILE.sig verifies with this public\n"
		"                            key (RSA-PSS or ECDSA P-256 over SHA-256; doc/verified-boot.md)\n"
		"      --logger_setting, --pm_notify_channel, --pm_by_vuart, --virtio_poll,\n"
		"      --intr_monitor (with argument), --windows, --ptdev_no_reset\n"
		"                            accepted for ACRN launch scripts; not supported, ignored\n"
		"  -A, -W, -Y                accepted for compatibility (ACPI, virtio MSI-X, no MP table)\n"
		"  -h, --help                this text\n"
		"  -v, --version             print the version\n",
		prog, DM_MAX_VCPUS);
}

/** Version string printed by -v. */
const char *dm_version_string(void)
{
	return DM_VERSION_STRING;
}

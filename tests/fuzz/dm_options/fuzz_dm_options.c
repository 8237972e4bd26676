/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for acrn-dm's command-line parser.  The input is split at
 * '\n' into argv[1..].  The parser must never crash or leak (ASan/LSan), must
 * report every failure as one non-empty line, and a successful parse must
 * satisfy the invariants the rest of acrn-dm relies on.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dm_config.h"

#define FZ_MAX_ARGS 64

static void fz_check(int cond)
{
	if (!cond)
		abort();
}

static void fz_check_config(const struct dm_config *c)
{
	int naff = __builtin_popcountll(c->cpu_affinity);

	if (c->action != DM_ACTION_RUN)
		return;
	fz_check(c->mem_size > 0 && c->mem_size % 4096 == 0 && c->mem_size <= DM_MEM_MAX);
	fz_check(c->ncpus >= 1 && c->ncpus <= DM_MAX_VCPUS);
	fz_check(naff == 0 || c->ncpus <= naff);
	fz_check(c->vm_name != NULL && strlen(c->vm_name) >= 1 &&
		 strlen(c->vm_name) <= DM_VM_NAME_MAX && strchr(c->vm_name, '/') == NULL);
	for (size_t i = 0; i < c->ndevs; i++) {
		const struct dm_dev_config *d = &c->devs[i];

		fz_check(d->slot < DM_PCI_SLOTS && d->func < DM_PCI_FUNCS);
		/* Sorted strictly: unique slots. */
		if (i > 0)
			fz_check(c->devs[i - 1].slot * 8 + c->devs[i - 1].func <
				 d->slot * 8 + d->func);
		fz_check(d->name != NULL && d->name[0] != '\0' &&
			 strlen(d->name) <= DM_DEV_NAME_MAX && strchr(d->name, ',') == NULL);
		fz_check(d->nopts <= DM_DEV_OPTS_MAX);
		for (size_t k = 0; k < d->nopts; k++) {
			fz_check(d->opts[k].key != NULL && d->opts[k].key[0] != '\0');
			fz_check(strchr(d->opts[k].key, ',') == NULL &&
				 strchr(d->opts[k].key, '=') == NULL);
			if (d->opts[k].value != NULL)
				fz_check(strchr(d->opts[k].value, ',') == NULL);
		}
	}
	for (int i = 0; i < DM_MAX_COM; i++) {
		const struct dm_com_config *com = &c->com[i];

		if (com->backend == DM_COM_TTY || com->backend == DM_COM_FILE)
			fz_check(com->path != NULL && com->path[0] != '\0');
		if (com->backend == DM_COM_TCP)
			fz_check(com->port != 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *argv[FZ_MAX_ARGS + 1], err[256];
	struct dm_config cfg, again;
	int argc = 0, rc, rc2;
	char *p;

	if (size > 8192)
		return 0;
	buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = (char *)"acrn-dm";
	for (p = buf; argc < FZ_MAX_ARGS; ) {
		char *nl = memchr(p, '\n', (size_t)(buf + size - p));

		argv[argc++] = p;
		if (nl == NULL)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	argv[argc] = NULL;

	memset(err, 'x', sizeof(err));
	rc = dm_config_parse(&cfg, argc, argv, err, sizeof(err));
	if (rc != 0) {
		fz_check(err[0] != '\0' && memchr(err, '\0', sizeof(err)) != NULL);
		fz_check(strchr(err, '\n') == NULL);
	} else {
		fz_check_config(&cfg);
	}
	/* The parser is a pure function of argv: a second run agrees. */
	rc2 = dm_config_parse(&again, argc, argv, NULL, 0);
	fz_check(rc == rc2);
	if (rc == 0)
		fz_check(again.mem_size == cfg.mem_size && again.ndevs == cfg.ndevs &&
			 again.ncpus == cfg.ncpus && again.action == cfg.action);
	dm_config_free(&again);
	dm_config_free(&cfg);
	free(buf);
	return 0;
}

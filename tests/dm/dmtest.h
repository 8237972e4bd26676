/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared helpers of the tests/dm suites: build a VM on the fake back-end
 * from an acrn-dm command line, exactly as main() would.
 */
#ifndef TESTS_DM_DMTEST_H
#define TESTS_DM_DMTEST_H

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "dm_config.h"
#include "vmctx.h"
#include "vmm_test.h"

struct dmtest_vm {
	struct dm_config cfg;
	struct vmctx *ctx;
	char err[256];
};

/* Parse a NULL-terminated argument list and create the VM; returns the errno. */
static inline int dmtest_vm_create(struct dmtest_vm *vm, ...)
{
	char *argv[64];
	int argc = 0, rc;
	va_list ap;
	char *a;

	memset(vm, 0, sizeof(*vm));
	argv[argc++] = (char *)"acrn-dm";
	va_start(ap, vm);
	while ((a = va_arg(ap, char *)) != NULL && argc < 63)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	rc = dm_config_parse(&vm->cfg, argc, argv, vm->err, sizeof(vm->err));
	if (rc != 0)
		return rc;
	return vmctx_create(&vm->cfg, &vmm_test_ops, &vm->ctx, vm->err, sizeof(vm->err));
}

static inline void dmtest_vm_destroy(struct dmtest_vm *vm)
{
	vmctx_destroy(vm->ctx);
	vm->ctx = NULL;
	dm_config_free(&vm->cfg);
}

#endif /* TESTS_DM_DMTEST_H */

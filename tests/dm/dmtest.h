/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared helpers of the tests/dm suites: build a VM on the fake back-end
 * from an acrn-dm command line, exactly as main() would.
 */
#ifndef TESTS_DM_DMTEST_H
#define TESTS_DM_DMTEST_H

#include <stdarg.h>
#include <stdio.h>
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

static inline int dmtest_vm_create_opsv(struct dmtest_vm *vm, const struct vmm_ops *ops,
					va_list ap)
{
	char *argv[64];
	int argc = 0, rc;
	char *a;

	memset(vm, 0, sizeof(*vm));
	argv[argc++] = (char *)"acrn-dm";
	while ((a = va_arg(ap, char *)) != NULL && argc < 63)
		argv[argc++] = a;
	argv[argc] = NULL;
	rc = dm_config_parse(&vm->cfg, argc, argv, vm->err, sizeof(vm->err));
	if (rc != 0)
		return rc;
	return vmctx_create(&vm->cfg, ops, &vm->ctx, vm->err, sizeof(vm->err));
}

static inline int dmtest_vm_createv(struct dmtest_vm *vm, va_list ap)
{
	return dmtest_vm_create_opsv(vm, &vmm_test_ops, ap);
}

/* Parse a NULL-terminated argument list and create the VM; returns the errno. */
static inline int dmtest_vm_create(struct dmtest_vm *vm, ...)
{
	va_list ap;
	int rc;

	va_start(ap, vm);
	rc = dmtest_vm_createv(vm, ap);
	va_end(ap);
	return rc;
}

/* As dmtest_vm_create() on back-end @p ops (vmm_test_ops with some calls recorded). */
static inline int dmtest_vm_create_ops(struct dmtest_vm *vm, const struct vmm_ops *ops, ...)
{
	va_list ap;
	int rc;

	va_start(ap, ops);
	rc = dmtest_vm_create_opsv(vm, ops, ap);
	va_end(ap);
	return rc;
}

static inline void dmtest_vm_destroy(struct dmtest_vm *vm)
{
	vmctx_destroy(vm->ctx);
	vm->ctx = NULL;
	dm_config_free(&vm->cfg);
}

/*
 * cmocka group fixtures: *state becomes a VM made from the NULL-terminated
 * argument list (the error is printed when that fails); dmtest_ctx() is its
 * context and dmtest_teardown() destroys it.
 */
static inline int dmtest_setup(void **state, ...)
{
	struct dmtest_vm *vm = calloc(1, sizeof(*vm));
	va_list ap;
	int rc;

	if (vm == NULL)
		return -1;
	va_start(ap, state);
	rc = dmtest_vm_createv(vm, ap);
	va_end(ap);
	if (rc != 0) {
		fprintf(stderr, "dmtest: cannot create the VM: %s\n", vm->err);
		free(vm);
		return -1;
	}
	*state = vm;
	return 0;
}

static inline int dmtest_teardown(void **state)
{
	struct dmtest_vm *vm = *state;

	dmtest_vm_destroy(vm);
	free(vm);
	return 0;
}

static inline struct vmctx *dmtest_ctx(void **state)
{
	return ((struct dmtest_vm *)*state)->ctx;
}

#endif /* TESTS_DM_DMTEST_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The real back-end (core/vmm_vhm.c) against intercepted open()/ioctl()
 * (linked with -Wl,--wrap=open,--wrap=ioctl): device fallback order, error
 * reporting, and that each operation issues the <linux/acrn.h> ioctl with the
 * argument layout the kernel expects.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmctx.h"
#include "vmm.h"

#define FAKE_FD 77

static int open_errno[2];		/* errno for /dev/acrn_vhm, /dev/acrn_hsm; 0 = opens */
static char opened[64];
static unsigned long last_req, last_arg;
static struct acrn_ioreq_notify last_notify;
static struct acrn_msi_entry last_msi;
static int ioctl_errno;

int __wrap_open(const char *path, int flags, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);

int __wrap_open(const char *path, int flags, ...)
{
	int idx = strcmp(path, "/dev/acrn_vhm") == 0 ? 0 : strcmp(path, "/dev/acrn_hsm") == 0 ? 1 : -1;

	if (idx < 0 || open_errno[idx] != 0) {
		errno = idx < 0 ? ENOENT : open_errno[idx];
		return -1;
	}
	strncpy(opened, path, sizeof(opened) - 1);
	return FAKE_FD;
}

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;

	va_start(ap, req);
	last_arg = va_arg(ap, unsigned long);
	va_end(ap);
	last_req = req;
	assert_int_equal(fd, FAKE_FD);
	if (req == (unsigned long)ACRN_IOCTL_NOTIFY_REQUEST_FINISH)
		memcpy(&last_notify, (void *)last_arg, sizeof(last_notify));
	if (req == (unsigned long)ACRN_IOCTL_INJECT_MSI)
		memcpy(&last_msi, (void *)last_arg, sizeof(last_msi));
	if (req == (unsigned long)ACRN_IOCTL_CREATE_VM)
		((struct acrn_vm_creation *)last_arg)->vmid = 5;
	if (ioctl_errno != 0) {
		errno = ioctl_errno;
		return -1;
	}
	return 0;
}

static void test_vhm_open_falls_back_to_hsm(void **state)
{
	struct vmctx ctx;

	memset(&ctx, 0, sizeof(ctx));
	open_errno[0] = ENOENT;
	open_errno[1] = 0;
	assert_int_equal(vmm_vhm_ops.open(&ctx), 0);
	assert_string_equal(opened, "/dev/acrn_hsm");
	vmm_vhm_ops.close(&ctx);
	assert_null(ctx.vmm_priv);
}

static void test_vhm_open_reports_first_real_error(void **state)
{
	struct vmctx ctx;

	memset(&ctx, 0, sizeof(ctx));
	open_errno[0] = ENOENT;
	open_errno[1] = ENOENT;
	assert_int_equal(vmm_vhm_ops.open(&ctx), -ENOENT);
	open_errno[0] = EACCES;	/* present but not permitted: say so, not "no such file" */
	assert_int_equal(vmm_vhm_ops.open(&ctx), -EACCES);
	assert_null(ctx.vmm_priv);
}

static void test_vhm_ioctls_use_uapi_layouts(void **state)
{
	struct acrn_vm_creation cv;
	struct vmctx ctx;

	memset(&ctx, 0, sizeof(ctx));
	memset(&cv, 0, sizeof(cv));
	open_errno[0] = 0;
	assert_int_equal(vmm_vhm_ops.open(&ctx), 0);
	assert_string_equal(opened, "/dev/acrn_vhm");

	assert_int_equal(vmm_vhm_ops.create_vm(&ctx, &cv), 0);
	assert_true(last_req == (unsigned long)ACRN_IOCTL_CREATE_VM && last_arg == (unsigned long)&cv);
	assert_int_equal(cv.vmid, 5);
	ctx.vmid = cv.vmid;

	assert_int_equal(vmm_vhm_ops.set_irqline(&ctx, 19, VMM_GSI_SET_LOW), 0);
	assert_true(last_req == (unsigned long)ACRN_IOCTL_SET_IRQLINE);
	assert_true(last_arg == (19UL | (1UL << 32)));	/* { u32 gsi; u32 op; } by value */

	assert_int_equal(vmm_vhm_ops.notify_request_finish(&ctx, 3), 0);
	assert_true(last_req == (unsigned long)ACRN_IOCTL_NOTIFY_REQUEST_FINISH);
	assert_int_equal(last_notify.vmid, 5);
	assert_int_equal(last_notify.vcpu, 3);

	assert_int_equal(vmm_vhm_ops.inject_msi(&ctx, 0xfee00000, 0x4041), 0);
	assert_true(last_req == (unsigned long)ACRN_IOCTL_INJECT_MSI);
	assert_true(last_msi.msi_addr == 0xfee00000 && last_msi.msi_data == 0x4041);

	assert_int_equal(vmm_vhm_ops.attach_ioreq_client(&ctx), 0);
	assert_true(last_req == (unsigned long)ACRN_IOCTL_ATTACH_IOREQ_CLIENT);
	assert_int_equal(vmm_vhm_ops.start_vm(&ctx), 0);
	assert_true(last_req == (unsigned long)ACRN_IOCTL_START_VM);

	ioctl_errno = EFAULT;			/* failures come back as -errno */
	assert_int_equal(vmm_vhm_ops.pause_vm(&ctx), -EFAULT);
	assert_true(last_req == (unsigned long)ACRN_IOCTL_PAUSE_VM);
	ioctl_errno = 0;
	vmm_vhm_ops.close(&ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vhm_open_falls_back_to_hsm),
		cmocka_unit_test(test_vhm_open_reports_first_real_error),
		cmocka_unit_test(test_vhm_ioctls_use_uapi_layouts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

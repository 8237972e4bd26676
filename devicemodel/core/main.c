/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrn-dm entry point: parse the configuration, open the VMM back-end,
 * create the VM and its devices, load the boot image, run the IOREQ loop
 * until SIGINT/SIGTERM (or the loop ends), then tear everything down.
 *
 * Exit status: 0 after a clean stop (signal or guest power-off), 1 if the
 * IOREQ loop or a reset failed, 2 for any start-up error (bad option, no VHM
 * device, VM creation failure).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DM_LOG_PREFIX ""
#include "boot_linux.h"
#include "dm_config.h"
#include "dm_log.h"
#include "ioreq.h"
#include "pci_core.h"
#include "platform_devices.h"
#include "monitor.h"
#include "vmctx.h"
#include "vmm.h"

/* Default boot hook: no loader linked in yet. */
__attribute__((weak)) int dm_boot_prepare(struct vmctx *ctx, char *err, size_t errlen)
{
	const struct dm_config *cfg = ctx->cfg;

	if (cfg->kernel != NULL || cfg->ovmf != NULL || cfg->elf != NULL)
		pr_warn("no boot loader built in: -k/--ovmf/-E ignored");
	return 0;
}

/* The IOREQ thread ended on its own: wake main() (signals are blocked everywhere). */
static void main_loop_exited(struct vmctx *ctx)
{
	vm_request_stop(ctx, VM_STOP_ERROR);
}

/* A device asked for power-off/reset/abort: wake main(). */
static void main_stop_requested(struct vmctx *ctx)
{
	kill(getpid(), SIGUSR1);
}

/*
 * Guest-requested reset: stop the vCPUs, drop requests in flight, reset the
 * VM in the hypervisor, return PCI devices to their post-init state, reload
 * the boot image and start again.  @return 0 or a negative errno
 */
static int main_reset_vm(struct vmctx *ctx)
{
	char err[256] = "";
	int rc;

	pr_info("resetting VM %s", ctx->cfg->vm_name);
	rc = ctx->vmm->pause_vm(ctx);
	/* The request that asked for the reset (a write to 0xCF9 or PM1a_CNT)
	 * is still being completed on the IOREQ thread: let it finish first. */
	pthread_mutex_lock(&ctx->ioreq_lock);
	if (rc == 0)
		rc = ctx->vmm->clear_vm_ioreq(ctx);
	if (rc == 0)
		rc = ctx->vmm->reset_vm(ctx);
	if (rc == 0) {
		pci_reset(ctx);
		platform_devices_reset(ctx);
	}
	if (rc == 0)
		rc = dm_boot_prepare(ctx, err, sizeof(err));
	if (rc == 0)
		rc = ctx->vmm->start_vm(ctx);
	pthread_mutex_unlock(&ctx->ioreq_lock);
	if (rc != 0)
		pr_err("reset of VM %s failed: %s", ctx->cfg->vm_name,
		       err[0] != '\0' ? err : strerror(-rc));
	return rc;
}

/* Wait for a signal or a stop request; returns the exit status of acrn-dm. */
static int main_wait(struct vmctx *ctx, const sigset_t *set)
{
	int sig;

	for (;;) {
		sigwait(set, &sig);
		if (sig != SIGUSR1) {
			pr_info("%s: stopping VM %s", strsignal(sig), ctx->cfg->vm_name);
			return 0;
		}
		switch (vm_take_stop_request(ctx)) {
		case VM_STOP_POWEROFF:
			pr_info("VM %s powered off", ctx->cfg->vm_name);
			return 0;
		case VM_STOP_RESET:
			if (main_reset_vm(ctx) != 0)
				return 1;
			break;
		case VM_STOP_ERROR:
			return 1;
		case VM_STOP_NONE:
			break;
		}
	}
}

/* Stop the IOREQ thread before the devices it calls into go away. */
static void main_teardown(struct vmctx *ctx)
{
	ioreq_loop_stop(ctx);
	platform_devices_deinit(ctx);
	dm_boot_release(ctx);
	vmctx_destroy(ctx);
}

static int main_run(struct dm_config *cfg)
{
	char err[256] = "";
	struct vmctx *ctx;
	sigset_t set;
	int rc, status;

	/* Block the stop signals before any thread exists: all of them inherit it. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	for (size_t i = 0; i < cfg->nignored; i++)
		pr_warn("option --%s is not supported: ignored", cfg->ignored[i]);
	rc = vmctx_create(cfg, &vmm_vhm_ops, &ctx, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "acrn-dm: %s\n", err[0] != '\0' ? err : strerror(-rc));
		return 2;
	}
	ctx->on_loop_exit = main_loop_exited;
	ctx->on_stop_request = main_stop_requested;
	rc = platform_devices_init(ctx, err, sizeof(err));
	if (rc == 0)
		rc = dm_boot_prepare(ctx, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "acrn-dm: %s\n", err[0] != '\0' ? err : strerror(-rc));
		main_teardown(ctx);
		return 2;
	}
	rc = ioreq_loop_start(ctx);
	if (rc == 0)
		rc = ctx->vmm->start_vm(ctx);
	if (rc != 0) {
		fprintf(stderr, "acrn-dm: cannot start VM %s: %s\n", cfg->vm_name, strerror(-rc));
		main_teardown(ctx);
		return 2;
	}
	pr_info("VM %s (id %u) running with %u vCPUs, %llu MiB", cfg->vm_name, ctx->vmid,
		ctx->ncpus, (unsigned long long)(cfg->mem_size >> 20));
	monitor_start(ctx, cfg->vm_name);	/* logs its own error; the VM runs unmanaged */
	status = main_wait(ctx, &set);
	monitor_stop();				/* before teardown: its ops use ctx */
	ctx->vmm->pause_vm(ctx);
	main_teardown(ctx);
	return status;
}

int main(int argc, char **argv)
{
	struct dm_config cfg;
	char err[256];
	int rc;

	rc = dm_config_parse(&cfg, argc, argv, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "acrn-dm: %s\n", err[0] != '\0' ? err : strerror(-rc));
		dm_config_free(&cfg);
		return 2;
	}
	switch (cfg.action) {
	case DM_ACTION_HELP:
		dm_config_usage(stdout, "acrn-dm");
		rc = 0;
		break;
	case DM_ACTION_VERSION:
		printf("%s\n", dm_version_string());
		rc = 0;
		break;
	case DM_ACTION_RUN:
		rc = main_run(&cfg);
		break;
	}
	dm_config_free(&cfg);
	return rc;
}

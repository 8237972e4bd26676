/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrnlog: print the hypervisor's log buffer from the Service VM.
 * This file is the glue to /dev/acrn_vhm (open, the ioctl, signals); the
 * rest is hvlog.c, which tests/tools runs against a fake hypervisor.
 * Every failure is one line "acrnlog: ..." on stderr and exit status 1
 * (2 for a usage error).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "hvlog.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int dev_read(void *ctx, struct acrn_vhm_hv_log *req)
{
	int fd = *(int *)ctx;

	while (ioctl(fd, ACRN_VHM_IOCTL_GET_HV_LOG, req) != 0) {
		if (errno != EINTR || stop)
			return -errno;
	}
	return 0;
}

/* Sleep in short steps so SIGINT/SIGTERM end "acrnlog -f" at once. */
static bool dev_wait(void *ctx, unsigned ms)
{
	struct timespec step = { 0, 50 * 1000000L };

	for (unsigned waited = 0; waited < ms && !stop; waited += 50)
		nanosleep(&step, NULL);
	return !stop;
}

static const struct hvlog_ops dev_ops = { dev_read, dev_wait };

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct hvlog_opts o;
	int fd, rc;

	rc = hvlog_parse_args(argc, argv, &o, stdout, stderr);
	if (rc >= 0)
		return rc;
	fd = open(o.device, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			fprintf(stderr, "acrnlog: no %s (load acrn_vhm.ko; acrnlog runs in the Service VM)\n",
				o.device);
		else
			fprintf(stderr, "acrnlog: cannot open %s: %s\n", o.device, strerror(errno));
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);	/* no SA_RESTART: a sleep or ioctl returns */
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);	/* "acrnlog | head": a write error, one line */
	rc = hvlog_run(&o, &dev_ops, &fd, stdout, stderr);
	close(fd);
	return rc;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrnlog's core (hvlog.h): the reader, the mark file and the command line.
 *
 * Positions count the bytes the hypervisor logged since it booted; they only
 * grow, and the hypervisor's ring holds the newest 64 KiB.  So "where the
 * reader is" is one number, "-c" stores that number in a file, and a reader
 * that fell behind learns from the reply how many bytes it missed.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hvlog.h"

#define EXIT_FAIL	1
#define EXIT_USAGE	2

/* One read at pos of at most len bytes into buf; the reply is checked. */
static int hvlog_read(struct hvlog *r, uint64_t pos, char *buf, uint32_t len,
		      struct acrn_vhm_hv_log *q)
{
	int ret;

	memset(q, 0, sizeof(*q));
	q->pos = pos;
	q->buf = (uintptr_t)buf;
	q->len = len;
	ret = r->ops->read(r->ctx, q);
	if (ret != 0)
		return ret;
	/* Not from a guest, but a module of another version could say anything. */
	if (q->copied > len || q->next != pos + q->lost + q->copied || q->next > q->head)
		return -EPROTO;
	return 0;
}

/* Write n bytes, dropping the rest of a line broken by a loss first. */
static int hvlog_emit(struct hvlog *r, const char *p, size_t n, FILE *out)
{
	if (r->skip_partial) {
		const char *nl = memchr(p, '\n', n);

		if (nl == NULL)
			return 0;
		r->skip_partial = false;
		n -= (size_t)(nl + 1 - p);
		p = nl + 1;
	}
	if (n > 0 && fwrite(p, 1, n, out) != n)
		return -EPIPE;
	return 0;
}

int hvlog_drain(struct hvlog *r, FILE *out, FILE *err)
{
	static char buf[ACRN_VHM_HV_LOG_READ_MAX];
	struct acrn_vhm_hv_log q;
	uint64_t end = 0;
	bool first = true;
	int ret;

	do {
		ret = hvlog_read(r, r->pos, buf, sizeof(buf), &q);
		if (ret != 0)
			return ret;
		if (first)
			end = q.head;	/* a busy hypervisor must not keep us here */
		first = false;
		if (q.lost > 0) {
			fprintf(err, "acrnlog: %" PRIu64 " bytes of the log were overwritten before they could be read\n",
				(uint64_t)q.lost);
			r->lost += q.lost;
			r->skip_partial = true;
		}
		ret = hvlog_emit(r, buf, q.copied, out);
		if (ret != 0)
			return ret;
		r->pos = q.next;
	} while (q.copied > 0 && r->pos < end);
	if (fflush(out) != 0 || ferror(out))
		return -EPIPE;
	return 0;
}

/* The head and the oldest byte still held (a read of nothing from 0). */
static int hvlog_bounds(struct hvlog *r, uint64_t *head, uint64_t *oldest)
{
	struct acrn_vhm_hv_log q;
	int ret = hvlog_read(r, 0, NULL, 0, &q);

	if (ret == 0) {
		*head = q.head;
		*oldest = q.lost;
	}
	return ret;
}

int hvlog_head(struct hvlog *r, uint64_t *head)
{
	uint64_t oldest;

	return hvlog_bounds(r, head, &oldest);
}

int hvlog_mark_load(const char *path, uint64_t *pos)
{
	char text[32], *end;
	unsigned long long v;
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return -errno;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	if (n == 0 || text[0] < '0' || text[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno != 0 || (*end != '\0' && strcmp(end, "\n") != 0))
		return -EINVAL;
	*pos = v;
	return 0;
}

int hvlog_mark_save(const char *path, uint64_t pos)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 32], *slash;
	FILE *f;
	int ret = 0;

	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			return -errno;
	}
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	f = fopen(tmp, "w");
	if (f == NULL)
		return -errno;
	if (fprintf(f, "%" PRIu64 "\n", pos) < 0)
		ret = -EIO;
	if (fclose(f) != 0 && ret == 0)
		ret = -errno;
	if (ret == 0 && rename(tmp, path) != 0)
		ret = -errno;
	if (ret != 0)
		unlink(tmp);
	return ret;
}

static const char usage[] = "acrnlog [-f] [-c] [-a] [-d DEVICE] [-m FILE]";

static const char help[] =
	"Usage: %s\n"
	"\n"
	"Print the hypervisor's log buffer.  Run it in the Service VM, with acrn_vhm.ko\n"
	"loaded.  The hypervisor keeps everything it logs (also what its console level\n"
	"hides) in a ring of 64 KiB; acrnlog prints what the ring holds, or what came\n"
	"after the mark the last \"acrnlog -c\" left.\n"
	"\n"
	"  -f, --follow        then keep printing new messages until interrupted\n"
	"  -c, --clear         then mark everything printed as read: the next acrnlog\n"
	"                      starts after it (the hypervisor's buffer is unchanged)\n"
	"  -a, --all           ignore the mark: print everything the ring holds\n"
	"  -d, --device PATH   the VHM device (default " HVLOG_DEVICE ")\n"
	"  -m, --mark-file F   where -c keeps the mark (default " HVLOG_MARK_FILE ")\n"
	"  -h, --help          this text\n"
	"\n"
	"When messages were overwritten before they could be read, one line on stderr\n"
	"says how many bytes were lost.  Exit status: 0, 1 on failure (one line on\n"
	"stderr), 2 on a usage error.\n";

int hvlog_parse_args(int argc, char **argv, struct hvlog_opts *o, FILE *out, FILE *err)
{
	static const struct option longopts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "clear", no_argument, NULL, 'c' },
		{ "all", no_argument, NULL, 'a' },
		{ "device", required_argument, NULL, 'd' },
		{ "mark-file", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->device = HVLOG_DEVICE;
	o->mark_file = HVLOG_MARK_FILE;
	optind = 0;		/* a full re-initialisation (glibc): tests parse many times */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":fcad:m:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': o->follow = true; break;
		case 'c': o->clear = true; break;
		case 'a': o->all = true; break;
		case 'd': o->device = optarg; break;
		case 'm': o->mark_file = optarg; break;
		case 'h':
			fprintf(out, help, usage);
			return 0;
		case ':':
			fprintf(err, "acrnlog: option '%s' needs an argument (usage: %s)\n",
				argv[optind - 1], usage);
			return EXIT_USAGE;
		default:
			fprintf(err, "acrnlog: unknown option '%s' (usage: %s)\n", argv[optind - 1], usage);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(err, "acrnlog: unexpected argument '%s' (usage: %s)\n", argv[optind], usage);
		return EXIT_USAGE;
	}
	if (o->device[0] == '\0' || o->mark_file[0] == '\0') {
		fprintf(err, "acrnlog: empty path (usage: %s)\n", usage);
		return EXIT_USAGE;
	}
	return -1;
}

/* The one line for a failed read. */
static int read_failed(const struct hvlog_opts *o, int ret, FILE *err)
{
	switch (ret) {
	case -EPERM:
	case -EACCES:
		fprintf(err, "acrnlog: the hypervisor refused: this is not the Service VM\n");
		break;
	case -ENOTTY:
		fprintf(err, "acrnlog: %s cannot read the hypervisor log (acrn_vhm.ko older than acrnlog?)\n",
			o->device);
		break;
	case -ENOSYS:
		fprintf(err, "acrnlog: the hypervisor has no log interface (HC_GET_HV_LOG; older hypervisor?)\n");
		break;
	case -EPIPE:
		fprintf(err, "acrnlog: cannot write the log to standard output\n");
		break;
	case -EPROTO:
		fprintf(err, "acrnlog: %s gave an inconsistent answer\n", o->device);
		break;
	default:
		fprintf(err, "acrnlog: reading the hypervisor log: %s\n", strerror(-ret));
		break;
	}
	return EXIT_FAIL;
}

int hvlog_run(const struct hvlog_opts *o, const struct hvlog_ops *ops, void *ctx,
	      FILE *out, FILE *err)
{
	struct hvlog r = { .ops = ops, .ctx = ctx };
	uint64_t head, oldest, mark;
	int ret;

	ret = hvlog_bounds(&r, &head, &oldest);
	if (ret != 0)
		return read_failed(o, ret, err);
	/* From the mark, if there is a valid one; else from the oldest byte held. */
	r.pos = oldest;
	r.skip_partial = oldest > 0;	/* the ring has wrapped: its first line is cut */
	if (!o->all) {
		ret = hvlog_mark_load(o->mark_file, &mark);
		if (ret == 0 && mark <= head) {
			r.pos = mark;
			r.skip_partial = false;
		} else if (ret == 0) {
			fprintf(err, "acrnlog: mark %" PRIu64 " is beyond the log (%" PRIu64
				" bytes; the hypervisor restarted?): printing all of it\n", mark, head);
		} else if (ret != -ENOENT) {
			fprintf(err, "acrnlog: ignoring mark file %s: %s\n", o->mark_file, strerror(-ret));
		}
	}
	ret = hvlog_drain(&r, out, err);
	while (ret == 0 && o->follow && ops->wait(ctx, HVLOG_FOLLOW_MS))
		ret = hvlog_drain(&r, out, err);
	if (ret != 0)
		return read_failed(o, ret, err);
	if (o->clear) {
		ret = hvlog_mark_save(o->mark_file, r.pos);
		if (ret != 0) {
			fprintf(err, "acrnlog: cannot write mark file %s: %s\n", o->mark_file, strerror(-ret));
			return EXIT_FAIL;
		}
	}
	return 0;
}

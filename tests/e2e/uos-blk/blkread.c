/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * blkread: the disk reader of the uos-blk-bench scenario (static, runs in the Service VM and in
 * the User VM; busybox has no fio).
 *
 *   blkread gen FILE MIB                    write MIB MiB of the pattern below to FILE
 *   blkread seq PATH BS MIB NAME [direct]   read MIB MiB from offset 0 in BS-byte pread() calls
 *   blkread seqv PATH BS MIB NAME [huge]    the same with preadv() into BS / 4 KiB separate pages
 *                                           (every other page of a buffer twice the size), as
 *                                           acrn-dm reads for a User VM's O_DIRECT request;
 *                                           "huge": the buffer in transparent huge pages
 *   blkread rand PATH COUNT MIB NAME [direct]
 *                                           COUNT 4 KiB pread() calls at offsets drawn from a
 *                                           fixed-seed xorshift64 over the first MIB MiB
 *
 * "direct" opens with O_DIRECT (a block device: every read() is one request to the device,
 * no page cache, no read-ahead).  Every byte read is checked against the pattern -- the 8-byte
 * word at offset o holds (o / 8) * 0x9E3779B97F4A7C15 + 0x5DEECE66D -- so data from a wrong
 * offset fails too.  Only the pread() calls are timed: RDTSC before and after each one, summed;
 * under Bochs with clock sync=none a tick is an emulated instruction, and e2e.hz=TICKS (kernel
 * command line, the emulator's ips; default 80000000) turns ticks into emulated seconds.
 * Output: "blkread: ..." detail lines and "BENCH NAME_seq_mibps X MiB/s" or
 * "BENCH NAME_rand4k_iops X IOPS"; exit status 1 on any error or mismatch.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/uio.h>

#include "../lib/rdtsc.h"

#define MIB		(1024ULL * 1024)
#define RAND_BS		4096U
#define RAND_SEED	0x2545F4914F6CDD1DULL

static uint64_t word_at(uint64_t off)
{
	return (off / 8) * 0x9E3779B97F4A7C15ULL + 0x5DEECE66DULL;
}

static void fill(uint64_t *buf, size_t len, uint64_t off)
{
	for (size_t i = 0; i < len / 8; i++)
		buf[i] = word_at(off + 8 * i);
}

/* Index of the first bad word, or -1. */
static long check(const uint64_t *buf, size_t len, uint64_t off)
{
	for (size_t i = 0; i < len / 8; i++)
		if (buf[i] != word_at(off + 8 * i))
			return (long)i;
	return -1;
}

static unsigned long long arg_num(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *s == '\0' || *end != '\0' || v == 0) {
		fprintf(stderr, "blkread: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

/* Emulated ticks per second: e2e.hz= on the kernel command line, else 80 M. */
static double ticks_per_second(void)
{
	char line[4096];
	FILE *f = fopen("/proc/cmdline", "r");
	double hz = 80e6;

	if (f != NULL) {
		if (fgets(line, sizeof(line), f) != NULL) {
			const char *p = strstr(line, "e2e.hz=");

			if (p != NULL && strtod(p + 7, NULL) > 0)
				hz = strtod(p + 7, NULL);
		}
		fclose(f);
	}
	return hz;
}

static void *buffer(size_t len)
{
	void *p = NULL;

	if (posix_memalign(&p, 4096, len) != 0) {
		fprintf(stderr, "blkread: out of memory (%zu bytes)\n", len);
		exit(1);
	}
	return p;
}

/*
 * Physically contiguous runs in the @p len-byte buffer @p buf (its pages are
 * resident: it was just read into), from /proc/self/pagemap (bits 0-54 the
 * frame number, bit 63 present; root only, which /init is).  Adjacent frames
 * are what the guest's block layer merges into one segment, so this is the
 * number of data buffers its O_DIRECT requests carry.  0 if unknown.
 */
static unsigned int phys_runs(const void *buf, size_t len)
{
	const uint64_t pfn_mask = (1ULL << 55) - 1, present = 1ULL << 63;
	uint64_t prev = 0, e;
	unsigned int runs = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	for (size_t off = 0; off < len; off += RAND_BS) {
		uintptr_t va = (uintptr_t)buf + off;

		if (pread(fd, &e, sizeof(e), (off_t)(va / RAND_BS * sizeof(e))) != sizeof(e) ||
		    !(e & present) || (e & pfn_mask) == 0) {
			runs = 0;
			break;
		}
		if (off == 0 || (e & pfn_mask) != prev + 1)
			runs++;
		prev = e & pfn_mask;
	}
	close(fd);
	return runs;
}

static int open_in(const char *path, int direct)
{
	int fd = open(path, O_RDONLY | (direct ? O_DIRECT : 0));

	if (fd < 0)
		fprintf(stderr, "blkread: open %s%s: %s\n", path, direct ? " (O_DIRECT)" : "",
			strerror(errno));
	return fd;
}

/* Interrupt counts by /proc/interrupts line, summed over the CPUs. */
#define IRQ_LINES	64
struct irqsnap {
	unsigned int n;
	char name[IRQ_LINES][12];
	unsigned long long count[IRQ_LINES];
};

static void irq_snap(struct irqsnap *s)
{
	char line[1024];
	FILE *f = fopen("/proc/interrupts", "r");

	s->n = 0;
	if (f == NULL)
		return;
	if (fgets(line, sizeof(line), f) == NULL) {	/* the CPU header */
		fclose(f);
		return;
	}
	while (s->n < IRQ_LINES && fgets(line, sizeof(line), f) != NULL) {
		char *p = strchr(line, ':'), *end;
		unsigned long long sum = 0, v;

		if (p == NULL)
			continue;
		*p++ = '\0';
		for (;;) {
			v = strtoull(p, &end, 10);
			if (end == p)
				break;
			sum += v;
			p = end;
		}
		snprintf(s->name[s->n], sizeof(s->name[0]), "%s", line + strspn(line, " "));
		s->count[s->n++] = sum;
	}
	fclose(f);
}

/* "NAME +DELTA ..." for every line that moved between @p a and @p b. */
static void irq_print(const struct irqsnap *a, const struct irqsnap *b)
{
	unsigned int moved = 0;

	printf("blkread: interrupts during the run:");
	for (unsigned int i = 0; i < b->n; i++)
		for (unsigned int j = 0; j < a->n; j++)
			if (strcmp(a->name[j], b->name[i]) == 0 && b->count[i] != a->count[j]) {
				printf(" %s +%llu", b->name[i], b->count[i] - a->count[j]);
				moved++;
			}
	printf("%s\n", moved == 0 ? " none" : "");
}

/* Ticks of each timed read: their sum, and the spread (is a slow run slow throughout?). */
struct tstat {
	uint64_t sum;
	size_t n;
	uint64_t *v;	/* n of them, room for as many reads as the run makes */
	struct irqsnap irq0;
};

static void tstat_init(struct tstat *t, uint64_t reads)
{
	t->sum = 0;
	t->n = 0;
	t->v = calloc((size_t)reads, sizeof(*t->v));
	if (t->v == NULL) {
		fprintf(stderr, "blkread: out of memory (%llu reads)\n", (unsigned long long)reads);
		exit(1);
	}
	irq_snap(&t->irq0);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * "min M median M p90 P max X" of the reads' ticks, the interrupts the run saw,
 * and the page faults and context switches so far (getrusage); frees the samples.
 */
static void tstat_print(struct tstat *t)
{
	struct irqsnap irq1;
	struct rusage ru;

	irq_snap(&irq1);
	irq_print(&t->irq0, &irq1);

	if (t->n > 0) {
		qsort(t->v, t->n, sizeof(*t->v), cmp_u64);
		printf("blkread: ticks per read: min %llu median %llu p90 %llu max %llu\n",
		       (unsigned long long)t->v[0], (unsigned long long)t->v[t->n / 2],
		       (unsigned long long)t->v[t->n * 9 / 10], (unsigned long long)t->v[t->n - 1]);
	}
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		printf("blkread: so far: %ld minor + %ld major page faults, %ld + %ld context switches\n",
		       ru.ru_minflt, ru.ru_majflt, ru.ru_nvcsw, ru.ru_nivcsw);
	free(t->v);
	t->v = NULL;
}

/* One timed pread() of @p len bytes at @p off, checked; its ticks go to @p t. */
static int timed_read(int fd, const char *path, uint64_t *buf, size_t len, uint64_t off,
		      struct tstat *t)
{
	uint64_t t0 = rdtsc();
	ssize_t r = pread(fd, buf, len, (off_t)off);
	uint64_t d = rdtsc() - t0;
	long bad;

	t->sum += d;
	t->v[t->n++] = d;
	if (r != (ssize_t)len) {
		fprintf(stderr, "blkread: read %s at %llu: %s\n", path, (unsigned long long)off,
			r < 0 ? strerror(errno) : "short read");
		return -1;
	}
	bad = check(buf, len, off);
	if (bad >= 0) {
		fprintf(stderr, "blkread: %s: wrong data at byte %llu\n", path,
			(unsigned long long)(off + 8 * (uint64_t)bad));
		return -1;
	}
	return 0;
}

static int gen(const char *path, uint64_t bytes)
{
	const size_t chunk = MIB;
	uint64_t *buf = buffer(chunk);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0) {
		fprintf(stderr, "blkread: create %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (uint64_t off = 0; off < bytes; off += chunk) {
		fill(buf, chunk, off);
		if (write(fd, buf, chunk) != (ssize_t)chunk) {
			fprintf(stderr, "blkread: write %s at %llu failed\n", path,
				(unsigned long long)off);
			close(fd);
			return 1;
		}
	}
	free(buf);
	return close(fd) == 0 ? 0 : 1;
}

static int seq(const char *path, size_t bs, uint64_t bytes, const char *name, int direct)
{
	uint64_t *buf = buffer(bs), ticks, off;
	int fd = open_in(path, direct);
	struct tstat t;
	double secs;

	if (fd < 0)
		return 1;
	if (bs % RAND_BS != 0 || bytes % bs != 0) {
		fprintf(stderr, "blkread: %llu bytes is not a multiple of BS %zu (4 KiB multiple)\n",
			(unsigned long long)bytes, bs);
		return 1;
	}
	tstat_init(&t, bytes / bs);
	for (off = 0; off < bytes; off += bs)
		if (timed_read(fd, path, buf, bs, off, &t) != 0)
			return 1;
	close(fd);
	ticks = t.sum;
	secs = (double)ticks / ticks_per_second();
	printf("blkread: seq %s%s: %llu MiB in %llu x %zu-byte reads, %llu ticks in pread(), data ok"
	       " (buffer: %u physically contiguous runs of pages)\n",
	       path, direct ? " O_DIRECT" : "", (unsigned long long)(bytes / MIB),
	       (unsigned long long)(bytes / bs), bs, (unsigned long long)ticks, phys_runs(buf, bs));
	tstat_print(&t);
	printf("BENCH %s_seq_mibps %.1f MiB/s\n", name, (double)bytes / MIB / secs);
	return 0;
}

/*
 * seq with preadv(): BS / 4 KiB iovecs, each a separate page (no two adjacent);
 * with @p huge in transparent huge pages, as acrn-dm's guest memory is.
 */
static int seqv(const char *path, size_t bs, uint64_t bytes, const char *name, int huge)
{
	size_t n = bs / RAND_BS;
	uint8_t *buf;

	if (huge) {
		size_t len = 2 * bs + (2U << 20);
		uint8_t *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED) {
			fprintf(stderr, "blkread: mmap: %s\n", strerror(errno));
			return 1;
		}
		buf = (uint8_t *)(((uintptr_t)m + (2U << 20) - 1) & ~(uintptr_t)((2U << 20) - 1));
		if (madvise(buf, 2 * bs, MADV_HUGEPAGE) != 0)
			fprintf(stderr, "blkread: madvise(MADV_HUGEPAGE): %s\n", strerror(errno));
		memset(buf, 0, 2 * bs);
	} else {
		buf = (uint8_t *)buffer(2 * bs);
	}
	struct iovec *iov = calloc(n, sizeof(*iov));
	int fd = open_in(path, 0);
	struct tstat t;
	double secs;

	if (fd < 0 || iov == NULL)
		return 1;
	if (bs % RAND_BS != 0 || bytes % bs != 0 || n > 1024) {
		fprintf(stderr, "blkread: BS must be 4 KiB .. 4 MiB in 4 KiB steps, MIB a multiple\n");
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		iov[i] = (struct iovec){ buf + 2 * RAND_BS * i, RAND_BS };
	tstat_init(&t, bytes / bs);
	for (uint64_t off = 0; off < bytes; off += bs) {
		uint64_t t0 = rdtsc();
		ssize_t r = preadv(fd, iov, (int)n, (off_t)off);
		uint64_t d = rdtsc() - t0;

		t.sum += d;
		t.v[t.n++] = d;
		if (r != (ssize_t)bs) {
			fprintf(stderr, "blkread: preadv %s at %llu: %s\n", path,
				(unsigned long long)off, r < 0 ? strerror(errno) : "short read");
			return 1;
		}
		for (size_t i = 0; i < n; i++)
			if (check(iov[i].iov_base, RAND_BS, off + RAND_BS * i) >= 0) {
				fprintf(stderr, "blkread: %s: wrong data near byte %llu\n", path,
					(unsigned long long)(off + RAND_BS * i));
				return 1;
			}
	}
	close(fd);
	secs = (double)t.sum / ticks_per_second();
	printf("blkread: seqv %s: %llu MiB in %llu x %zu-byte preadv() of %zu pages%s, %llu ticks, data ok\n",
	       path, (unsigned long long)(bytes / MIB), (unsigned long long)(bytes / bs), bs, n,
	       huge ? " (huge pages)" : "", (unsigned long long)t.sum);
	tstat_print(&t);
	printf("BENCH %s_seq_mibps %.1f MiB/s\n", name, (double)bytes / MIB / secs);
	return 0;
}

static int rnd(const char *path, uint64_t count, uint64_t bytes, const char *name, int direct)
{
	uint64_t *buf = buffer(RAND_BS), ticks, x = RAND_SEED, blocks = bytes / RAND_BS;
	int fd = open_in(path, direct);
	struct tstat t;
	double secs;

	if (fd < 0)
		return 1;
	tstat_init(&t, count);
	for (uint64_t i = 0; i < count; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (timed_read(fd, path, buf, RAND_BS, (x % blocks) * RAND_BS, &t) != 0)
			return 1;
	}
	close(fd);
	ticks = t.sum;
	secs = (double)ticks / ticks_per_second();
	printf("blkread: rand %s%s: %llu x 4 KiB over %llu MiB, %llu ticks in pread() (%llu per read), data ok\n",
	       path, direct ? " O_DIRECT" : "", (unsigned long long)count,
	       (unsigned long long)(bytes / MIB), (unsigned long long)ticks,
	       (unsigned long long)(ticks / count));
	tstat_print(&t);
	printf("BENCH %s_rand4k_iops %.0f IOPS\n", name, (double)count / secs);
	return 0;
}

/*
 * COUNT rounds of xorshift64, timed: pure computation, so ticks per round
 * above the Service VM's are time the vCPU did not get (the other VM on the
 * pCPU, the hypervisor, the guest's own interrupts).
 */
static int spin(uint64_t count, const char *name)
{
	volatile uint64_t sink;
	uint64_t x = RAND_SEED, t0 = rdtsc(), ticks;

	for (uint64_t i = 0; i < count; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	ticks = rdtsc() - t0;
	sink = x;
	(void)sink;
	printf("blkread: spin: %llu rounds, %llu ticks (%.2f per round)\n",
	       (unsigned long long)count, (unsigned long long)ticks, (double)ticks / count);
	printf("BENCH %s_spin_ticks %.2f ticks\n", name, (double)ticks / count);
	return 0;
}

int main(int argc, char **argv)
{
	int direct = argc == 7 && strcmp(argv[6], "direct") == 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && strcmp(argv[1], "spin") == 0)
		return spin(arg_num(argv[2], "COUNT"), argv[3]);
	if (argc == 4 && strcmp(argv[1], "gen") == 0)
		return gen(argv[2], arg_num(argv[3], "MIB") * MIB);
	if ((argc == 6 || direct) && strcmp(argv[1], "seq") == 0)
		return seq(argv[2], (size_t)arg_num(argv[3], "BS"), arg_num(argv[4], "MIB") * MIB,
			   argv[5], direct);
	if ((argc == 6 || (argc == 7 && strcmp(argv[6], "huge") == 0)) &&
	    strcmp(argv[1], "seqv") == 0)
		return seqv(argv[2], (size_t)arg_num(argv[3], "BS"), arg_num(argv[4], "MIB") * MIB,
			    argv[5], argc == 7);
	if ((argc == 6 || direct) && strcmp(argv[1], "rand") == 0)
		return rnd(argv[2], arg_num(argv[3], "COUNT"), arg_num(argv[4], "MIB") * MIB,
			   argv[5], direct);
	fprintf(stderr, "usage: blkread gen FILE MIB | spin COUNT NAME | seq PATH BS MIB NAME [direct] | "
			"seqv PATH BS MIB NAME [huge] | "
			"rand PATH COUNT MIB NAME [direct]\n");
	return 2;
}

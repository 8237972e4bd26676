/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * blkread: the disk reader of the uos-blk-bench scenario (static, runs in the Service VM and in
 * the User VM; busybox has no fio).
 *
 *   blkread gen FILE MIB                    write MIB MiB of the pattern below to FILE
 *   blkread seq PATH BS MIB NAME [direct]   read MIB MiB from offset 0 in BS-byte pread() calls
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

/* One timed pread() of @p len bytes at @p off, checked; adds its ticks to *ticks. */
static int timed_read(int fd, const char *path, uint64_t *buf, size_t len, uint64_t off,
		      uint64_t *ticks)
{
	uint64_t t0 = rdtsc();
	ssize_t r = pread(fd, buf, len, (off_t)off);
	long bad;

	*ticks += rdtsc() - t0;
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
	uint64_t *buf = buffer(bs), ticks = 0, off;
	int fd = open_in(path, direct);
	double secs;

	if (fd < 0)
		return 1;
	if (bs % RAND_BS != 0 || bytes % bs != 0) {
		fprintf(stderr, "blkread: %llu bytes is not a multiple of BS %zu (4 KiB multiple)\n",
			(unsigned long long)bytes, bs);
		return 1;
	}
	for (off = 0; off < bytes; off += bs)
		if (timed_read(fd, path, buf, bs, off, &ticks) != 0)
			return 1;
	close(fd);
	secs = (double)ticks / ticks_per_second();
	printf("blkread: seq %s%s: %llu MiB in %llu x %zu-byte reads, %llu ticks in pread(), data ok"
	       " (buffer: %u physically contiguous runs of pages)\n",
	       path, direct ? " O_DIRECT" : "", (unsigned long long)(bytes / MIB),
	       (unsigned long long)(bytes / bs), bs, (unsigned long long)ticks, phys_runs(buf, bs));
	printf("BENCH %s_seq_mibps %.1f MiB/s\n", name, (double)bytes / MIB / secs);
	return 0;
}

static int rnd(const char *path, uint64_t count, uint64_t bytes, const char *name, int direct)
{
	uint64_t *buf = buffer(RAND_BS), ticks = 0, x = RAND_SEED, blocks = bytes / RAND_BS;
	int fd = open_in(path, direct);
	double secs;

	if (fd < 0)
		return 1;
	for (uint64_t i = 0; i < count; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (timed_read(fd, path, buf, RAND_BS, (x % blocks) * RAND_BS, &ticks) != 0)
			return 1;
	}
	close(fd);
	secs = (double)ticks / ticks_per_second();
	printf("blkread: rand %s%s: %llu x 4 KiB over %llu MiB, %llu ticks in pread() (%llu per read), data ok\n",
	       path, direct ? " O_DIRECT" : "", (unsigned long long)count,
	       (unsigned long long)(bytes / MIB), (unsigned long long)ticks,
	       (unsigned long long)(ticks / count));
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
	if ((argc == 6 || direct) && strcmp(argv[1], "rand") == 0)
		return rnd(argv[2], arg_num(argv[3], "COUNT"), arg_num(argv[4], "MIB") * MIB,
			   argv[5], direct);
	fprintf(stderr, "usage: blkread gen FILE MIB | spin COUNT NAME | seq PATH BS MIB NAME [direct] | "
			"rand PATH COUNT MIB NAME [direct]\n");
	return 2;
}

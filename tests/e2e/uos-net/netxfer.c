/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * netxfer: the TCP bulk sender/receiver of the uos-net-bench scenario (static; busybox nc
 * copies through a 1 KiB-class buffer and exits on the first EOF it sees, so it neither
 * loads the link nor tells whether everything arrived).
 *
 *   netxfer recv PORT BYTES           accept one connection on PORT, read until EOF into a
 *                                     BYTES buffer (more is counted, not kept), answer
 *                                     "<count>\n" at once, then "<fnv>\n" (the checksum of the
 *                                     bytes kept), close; prints "netxfer: recv ..." and
 *                                     exits 1 unless exactly BYTES arrived
 *   netxfer send IP PORT BYTES NAME   fill BYTES of xorshift64 data (before timing), connect,
 *                                     write it in 64 KiB calls, shut down the sending half and
 *                                     wait for the receiver's count: the interval, in TSC
 *                                     ticks, is the transfer; then compare count and checksum
 *                                     and print "BENCH NAME <KiB/s> KiB/s" (e2e.hz= on the
 *                                     kernel command line: ticks per emulated second, default
 *                                     80 M); exit 1 on any mismatch or error
 *
 * The checksum is FNV-1a over 64-bit words (order-sensitive: reordered, lost or duplicated
 * segments change it).  Sockets time out after 300 s so that a stalled queue fails the run.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "../lib/rdtsc.h"

#define CHUNK		(64 * 1024)
#define MAX_BYTES	(256ULL << 20)
#define FNV_OFF		0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL

static uint64_t fnv_words(const uint8_t *p, size_t len)
{
	uint64_t h = FNV_OFF, w;

	for (size_t i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * FNV_PRIME;
	}
	for (size_t i = len & ~(size_t)7; i < len; i++)
		h = (h ^ p[i]) * FNV_PRIME;
	return h;
}

static unsigned long long num(const char *s, const char *what, unsigned long long max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *s == '\0' || *end != '\0' || v == 0 || v > max) {
		fprintf(stderr, "netxfer: bad %s '%s' (1..%llu)\n", what, s, max);
		exit(2);
	}
	return v;
}

static void timeouts(int fd)
{
	struct timeval tv = { .tv_sec = 300 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static double hz(void)
{
	char buf[4096];
	FILE *f = fopen("/proc/cmdline", "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	const char *p;
	double v = 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	p = strstr(buf, "e2e.hz=");
	if (p)
		v = strtod(p + 7, NULL);
	return v > 0 ? v : 80e6;
}

/* One line from fd (the receiver's answers), at most len - 1 bytes; -1 on EOF/error. */
static int read_line(int fd, char *line, size_t len)
{
	size_t n = 0;

	while (n + 1 < len) {
		ssize_t r = read(fd, line + n, 1);

		if (r <= 0)
			return -1;
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	return 0;
}

static int do_recv(int port, size_t bytes)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	uint8_t *buf = malloc(bytes), scratch[CHUNK];
	unsigned long long got = 0;
	int ls, fd, one = 1;
	char ans[64];

	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (!buf || ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 1)) {
		perror("netxfer: recv: set-up");
		return 1;
	}
	fd = accept(ls, NULL, NULL);
	if (fd < 0) {
		perror("netxfer: recv: accept");
		return 1;
	}
	timeouts(fd);
	for (;;) {
		size_t room = got < bytes ? bytes - got : 0;
		ssize_t r = room ? read(fd, buf + got, room) : read(fd, scratch, sizeof(scratch));

		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "netxfer: recv %d: read after %llu bytes: %s\n", port, got,
				strerror(errno));
			return 1;
		}
		got += (unsigned long long)r;
	}
	/* The count first: the sender's clock stops on it, the checksum is not timed. */
	snprintf(ans, sizeof(ans), "%llu\n", got);
	if (write(fd, ans, strlen(ans)) < 0)
		perror("netxfer: recv: answer");
	snprintf(ans, sizeof(ans), "%016llx\n",
		 (unsigned long long)fnv_words(buf, got < bytes ? got : bytes));
	if (write(fd, ans, strlen(ans)) < 0)
		perror("netxfer: recv: answer");
	close(fd);
	printf("netxfer: recv %d: %llu bytes (expected %zu), fnv %s", port, got, bytes, ans);
	return got == bytes ? 0 : 1;
}

static int do_send(const char *ip, int port, size_t bytes, const char *name)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	uint8_t *buf = malloc(bytes);
	uint64_t x = 0x9E3779B97F4A7C15ULL, t0, t1, sum;
	unsigned long long count;
	char line[64], want[32];
	size_t off;
	int fd;

	if (!buf || inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
		fprintf(stderr, "netxfer: send: bad address '%s' or no memory\n", ip);
		return 2;
	}
	for (off = 0; off < bytes; off++) {
		if ((off & 7) == 0) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		buf[off] = (uint8_t)(x >> (8 * (off & 7)));
	}
	sum = fnv_words(buf, bytes);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("netxfer: send: socket");
		return 1;
	}
	timeouts(fd);
	t0 = rdtsc();
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		fprintf(stderr, "netxfer: send: connect %s:%d: %s\n", ip, port, strerror(errno));
		return 1;
	}
	for (off = 0; off < bytes;) {
		size_t n = bytes - off < CHUNK ? bytes - off : CHUNK;
		ssize_t w = write(fd, buf + off, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fprintf(stderr, "netxfer: send: write at %zu: %s\n", off, strerror(errno));
			return 1;
		}
		off += (size_t)w;
	}
	shutdown(fd, SHUT_WR);
	if (read_line(fd, line, sizeof(line))) {
		fprintf(stderr, "netxfer: send: no count from the receiver\n");
		return 1;
	}
	t1 = rdtsc();
	count = strtoull(line, NULL, 10);
	if (read_line(fd, line, sizeof(line))) {
		fprintf(stderr, "netxfer: send: no checksum from the receiver\n");
		return 1;
	}
	close(fd);
	snprintf(want, sizeof(want), "%016llx", (unsigned long long)sum);
	printf("netxfer: send %s:%d: %zu bytes in %llu ticks; receiver got %llu, fnv %s (sent %s)\n",
	       ip, port, bytes, (unsigned long long)(t1 - t0), count, line, want);
	if (count != bytes || strcmp(line, want) != 0) {
		printf("netxfer: send %s:%d: data lost or corrupted\n", ip, port);
		return 1;
	}
	printf("BENCH %s %.0f KiB/s\n", name, (double)bytes / 1024.0 * hz() / (double)(t1 - t0));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "recv") == 0)
		return do_recv((int)num(argv[2], "port", 65535), num(argv[3], "byte count", MAX_BYTES));
	if (argc == 6 && strcmp(argv[1], "send") == 0)
		return do_send(argv[2], (int)num(argv[3], "port", 65535),
			       num(argv[4], "byte count", MAX_BYTES), argv[5]);
	fprintf(stderr, "usage: netxfer recv PORT BYTES | netxfer send IP PORT BYTES NAME\n");
	return 2;
}

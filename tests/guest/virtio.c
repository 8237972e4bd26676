/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * virtio: a hostile driver for acrn-dm's virtio-rnd (doc/virtio.md).  The guest drives the
 * device through its legacy I/O BAR and its modern (Virtio 1.2 §4.1.4) memory BAR, sets up a
 * split virtqueue (§2.7) in its own RAM, and then breaks the rules one at a time: a looping
 * chain, indices beyond the queue, a chain longer than the queue, zero-length and wrapping
 * buffers, buffers outside guest RAM or on the device's own BAR, malformed indirect tables, an
 * avail index that jumps, and queue sizes and ring addresses the device must refuse.
 *
 * Each hostile case gives two checks: "<case>_needs_reset" — the device sets NEEDS_RESET
 * (0x40), completes nothing, raises the configuration interrupt (ISR bit 1) when DRIVER_OK was
 * set, and ignores a good request kicked after it; and "<case>_recovers" — after a reset (status
 * 0) and a fresh set-up a good request completes with fresh random bytes, so acrn-dm kept
 * running and the device works.  Two accepted boundary cases (a chain and an indirect table of
 * exactly the queue size) show the limits are not off by one.
 *
 * acrn-dm logs one line per hostile case, with the reason (doc/virtio.md).  The guest cannot read
 * acrn-dm's stderr, so after each case it prints "# expect-dm-log <the line>" and the guest-tests
 * Service VM checks that acrn-dm logged each exactly as often: this tells apart, say, a loop
 * refused by the loop check (ELOOP) from one that only ran out of iovecs (E2BIG).
 *
 * Only under acrn-dm with `-s N,virtio-rnd` (transitional, the default virtio_mode).
 */
#include "rt.h"

RT_GUEST(virtio, 44);

#define VIRTIO_VENDOR		0x1AF4
#define VRND_TRANSITIONAL_ID	0x1005

/* Device status (§2.1). */
#define S_ACK			0x01
#define S_DRIVER		0x02
#define S_DRIVER_OK		0x04
#define S_FEATURES_OK		0x08
#define S_NEEDS_RESET		0x40
#define S_RUNNING		(S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK)
#define S_LEGACY_RUNNING	(S_ACK | S_DRIVER | S_DRIVER_OK)

#define ISR_QUEUE		0x1
#define ISR_CONFIG		0x2

#define F_INDIRECT_DESC		28	/* VIRTIO_RING_F_INDIRECT_DESC */
#define F_VERSION_1_HI		(1U << 0)	/* bit 32 in the high word */

/* Legacy register block, I/O BAR 0 (§4.1.4.8). */
#define L_HOST_FEATURES		0x00
#define L_GUEST_FEATURES	0x04
#define L_QUEUE_PFN		0x08
#define L_QUEUE_SIZE		0x0C
#define L_QUEUE_SEL		0x0E
#define L_QUEUE_NOTIFY		0x10
#define L_STATUS		0x12
#define L_ISR			0x13

/* Modern common configuration (§4.1.4.3), found through the vendor capabilities (§4.1.4). */
#define M_DFSELECT		0x00
#define M_DF			0x04
#define M_GFSELECT		0x08
#define M_GF			0x0C
#define M_STATUS		0x14
#define M_Q_SELECT		0x16
#define M_Q_SIZE		0x18
#define M_Q_ENABLE		0x1C
#define M_Q_NOTIFY_OFF		0x1E
#define M_Q_DESC		0x20
#define M_Q_AVAIL		0x28
#define M_Q_USED		0x30
#define CAP_VENDOR		0x09
#define CAP_COMMON		1
#define CAP_NOTIFY		2
#define CAP_ISR			3

#define DESC_NEXT		1
#define DESC_WRITE		2
#define DESC_INDIRECT		4

#define QMAX			64	/* the largest queue this guest sets up (acrn-dm's rnd: 64) */
#define REQ_LEN			64
#define PAGE			4096
#define WAIT_US			100000	/* a completion should be there at once */
#define QUIET_US		2000	/* and a refused one should stay away this long */

#define MB1_MAGIC		0x2BADB002U
#define MBI_MEM			(1U << 0)	/* Multiboot 1 information: mem_lower/upper */

struct vdesc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

static uint8_t ring[2 * PAGE] __attribute__((aligned(PAGE)));
static struct vdesc itab[QMAX + 8] __attribute__((aligned(16)));
static uint8_t buf[REQ_LEN * 2] __attribute__((aligned(64)));
static uint8_t last_random[REQ_LEN];

static struct {
	uint16_t io;			/* BAR 0 */
	uint64_t common;		/* modern structures (identity mapped, uncached above 3 GiB) */
	uint64_t isr;
	uint64_t notify_base;
	uint32_t notify_mult;
	uint64_t notify;		/* queue 0's notify address */
	bool legacy;			/* which interface this set-up uses */
	uint16_t size;
	uint16_t avail_idx;
	volatile struct vdesc *desc;
	volatile uint16_t *avail;	/* flags, idx, ring[size] */
	volatile uint8_t *used;		/* flags, idx, {id, len}[size] */
} dev;

static uint16_t qmax;			/* the device's queue size (legacy QUEUE_SIZE) */
static uint16_t qsmall;			/* a queue the modern driver shrinks to */
static uint64_t ram_end;		/* first byte after guest RAM */
static const char *setup_err;		/* why the last set-up failed */
static unsigned int dev_slot;
static uint16_t bad_size;		/* the queue size a set-up case wrote */

static inline void barrier(void) { __asm__ volatile("" ::: "memory"); }

/* Common configuration registers at @p off. */
#define COMMON(type, off)	(*(volatile type *)(uintptr_t)(dev.common + (off)))

static uint8_t m_r8(uint32_t off) { return COMMON(uint8_t, off); }
static uint16_t m_r16(uint32_t off) { return COMMON(uint16_t, off); }
static uint32_t m_r32(uint32_t off) { return COMMON(uint32_t, off); }
static void m_w8(uint32_t off, uint8_t v) { COMMON(uint8_t, off) = v; }
static void m_w16(uint32_t off, uint16_t v) { COMMON(uint16_t, off) = v; }
static void m_w32(uint32_t off, uint32_t v) { COMMON(uint32_t, off) = v; }

static void m_w64(uint32_t off, uint64_t v)
{
	m_w32(off, (uint32_t)v);
	m_w32(off + 4, (uint32_t)(v >> 32));
}

static uint8_t status_read(void)
{
	return dev.legacy ? rt_inb(dev.io + L_STATUS) : m_r8(M_STATUS);
}

static void status_write(uint8_t v)
{
	if (dev.legacy)
		rt_outb(dev.io + L_STATUS, v);
	else
		m_w8(M_STATUS, v);
}

static uint8_t isr_read(void)
{
	return dev.legacy ? rt_inb(dev.io + L_ISR) : *(volatile uint8_t *)(uintptr_t)dev.isr;
}

static void notify(void)
{
	barrier();
	if (dev.legacy)
		rt_outw(dev.io + L_QUEUE_NOTIFY, 0);
	else
		*(volatile uint16_t *)(uintptr_t)dev.notify = 0;
}

static uint16_t used_idx(void)
{
	return *(volatile uint16_t *)(dev.used + 2);
}

static void used_elem(uint16_t i, uint32_t *id, uint32_t *len)
{
	volatile uint32_t *e = (volatile uint32_t *)(dev.used + 4 + 8 * (i % dev.size));

	*id = e[0];
	*len = e[1];
}

/* The legacy layout (§2.7.2 "Legacy Interfaces"), used for both interfaces. */
static void ring_layout(uint16_t size)
{
	uint64_t base = (uint64_t)(uintptr_t)ring;
	uint64_t avail = base + 16ULL * size;
	uint64_t used = (avail + 6 + 2ULL * size + PAGE - 1) & ~(uint64_t)(PAGE - 1);

	rt_memset(ring, 0, sizeof(ring));
	dev.size = size;
	dev.avail_idx = 0;
	dev.desc = (volatile struct vdesc *)(uintptr_t)base;
	dev.avail = (volatile uint16_t *)(uintptr_t)avail;
	dev.used = (volatile uint8_t *)(uintptr_t)used;
}

/* Reset, ACKNOWLEDGE, DRIVER, features (and FEATURES_OK on the modern interface). */
static bool drv_begin(bool legacy)
{
	dev.legacy = legacy;
	status_write(0);
	if (status_read() != 0) {
		setup_err = "status not 0 after reset";
		return false;
	}
	status_write(S_ACK);
	status_write(S_ACK | S_DRIVER);
	if (legacy) {
		rt_outl(dev.io + L_GUEST_FEATURES, 0);
		return true;
	}
	m_w32(M_DFSELECT, 0);
	if (!(m_r32(M_DF) & (1U << F_INDIRECT_DESC))) {
		setup_err = "INDIRECT_DESC not offered";
		return false;
	}
	m_w32(M_DFSELECT, 1);
	if (!(m_r32(M_DF) & F_VERSION_1_HI)) {
		setup_err = "VERSION_1 not offered";
		return false;
	}
	m_w32(M_GFSELECT, 0);
	m_w32(M_GF, 1U << F_INDIRECT_DESC);
	m_w32(M_GFSELECT, 1);
	m_w32(M_GF, F_VERSION_1_HI);
	status_write(S_ACK | S_DRIVER | S_FEATURES_OK);
	if (!(status_read() & S_FEATURES_OK)) {
		setup_err = "FEATURES_OK refused";
		return false;
	}
	return true;
}

/* Modern queue 0 registers; the caller checks what the device made of them. */
static void m_queue(uint16_t size, uint64_t desc, uint64_t avail, uint64_t used)
{
	m_w16(M_Q_SELECT, 0);
	dev.notify = dev.notify_base + (uint64_t)m_r16(M_Q_NOTIFY_OFF) * dev.notify_mult;
	m_w16(M_Q_SIZE, size);
	m_w64(M_Q_DESC, desc);
	m_w64(M_Q_AVAIL, avail);
	m_w64(M_Q_USED, used);
	m_w16(M_Q_ENABLE, 1);
}

/* A whole driver initialisation (§3.1.1) with queue 0 of @p size entries. */
static bool drv_setup(bool legacy, uint16_t size)
{
	if (!drv_begin(legacy))
		return false;
	if (legacy) {
		rt_outw(dev.io + L_QUEUE_SEL, 0);
		size = rt_inw(dev.io + L_QUEUE_SIZE);
		if (size != qmax) {
			setup_err = "legacy queue size changed";
			return false;
		}
		ring_layout(size);
		rt_outl(dev.io + L_QUEUE_PFN, (uint32_t)((uintptr_t)ring / PAGE));
		status_write(S_LEGACY_RUNNING);
	} else {
		ring_layout(size);
		m_queue(size, (uintptr_t)dev.desc, (uintptr_t)dev.avail, (uintptr_t)dev.used);
		if (m_r16(M_Q_ENABLE) != 1) {
			setup_err = "queue_enable did not stick";
			return false;
		}
		status_write(S_RUNNING);
	}
	if (status_read() & S_NEEDS_RESET) {
		setup_err = "NEEDS_RESET after a good set-up";
		return false;
	}
	return true;
}

static void set_desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	dev.desc[i].addr = addr;
	dev.desc[i].len = len;
	dev.desc[i].flags = flags;
	dev.desc[i].next = next;
}

static void set_itab(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	itab[i].addr = addr;
	itab[i].len = len;
	itab[i].flags = flags;
	itab[i].next = next;
}

/* Make @p head available and kick (§2.7.13). */
static void post(uint16_t head)
{
	dev.avail[2 + dev.avail_idx % dev.size] = head;
	barrier();
	dev.avail_idx++;
	dev.avail[1] = dev.avail_idx;
	notify();
}

static bool wait_used(uint16_t want, uint64_t us)
{
	uint64_t end = rt_rdtsc() + us * (rt_tsc_per_us ? rt_tsc_per_us : 1000);

	while (used_idx() != want) {
		if (rt_rdtsc() > end)
			return false;
		rt_pause();
	}
	return true;
}

static unsigned int nonzero(const uint8_t *p, size_t n)
{
	unsigned int c = 0;

	for (size_t i = 0; i < n; i++)
		c += p[i] != 0;
	return c;
}

/*
 * The chain at @p head was posted for @p len bytes of buf: it must complete as used element
 * 0 with that length, with random bytes (at least half of them non-zero, and not the same as
 * the last request's), the queue interrupt in the ISR and the status still good.
 */
static void check_completes(const char *name, uint16_t head, uint32_t len)
{
	uint8_t want = dev.legacy ? S_LEGACY_RUNNING : S_RUNNING;
	bool done = wait_used(1, WAIT_US);
	uint32_t id = 0xFFFFFFFFU, ulen = 0;
	uint8_t isr = isr_read(), st = status_read();
	unsigned int nz = nonzero(buf, len);
	bool fresh = rt_memcmp(buf, last_random, REQ_LEN) != 0;

	if (done)
		used_elem(0, &id, &ulen);
	rt_check(name, done && id == head && ulen == len && nz >= len / 2 && fresh &&
		 isr == ISR_QUEUE && st == want,
		 "used idx %u id %u len %u (want %u/%u), %u of %u bytes non-zero, %s, isr 0x%x, "
		 "status 0x%x (want 0x%x)", used_idx(), id, ulen, head, len, nz, len,
		 fresh ? "fresh" : "same as last time", isr, st, want);
	rt_memcpy(last_random, buf, REQ_LEN);
}

/* One good 64-byte request on descriptor 0. */
static void good_request(const char *name)
{
	rt_memset(buf, 0, sizeof(buf));
	set_desc(0, (uintptr_t)buf, REQ_LEN, DESC_WRITE, 0);
	post(0);
	check_completes(name, 0, REQ_LEN);
}

/*
 * After a hostile request: NEEDS_RESET, nothing completed, the configuration interrupt if
 * DRIVER_OK was set, and (if a queue is live) a good request kicked now is ignored.
 */
static void check_needs_reset(const char *name, bool live, uint16_t used0)
{
	uint8_t st, isr;
	uint16_t used;
	uint16_t qen = 0;

	rt_udelay(QUIET_US);
	st = status_read();
	isr = isr_read();
	if (live) {
		rt_memset(buf, 0, sizeof(buf));
		set_desc(0, (uintptr_t)buf, REQ_LEN, DESC_WRITE, 0);
		post(0);
		rt_udelay(QUIET_US);
	} else {
		qen = m_r16(M_Q_ENABLE);
	}
	used = used_idx();
	rt_check(name, (st & S_NEEDS_RESET) && used == used0 && nonzero(buf, REQ_LEN) == 0 &&
		 isr == (live ? ISR_CONFIG : 0) && qen == 0,
		 "status 0x%x, used idx %u (was %u), %u bytes written, isr 0x%x (want 0x%x), "
		 "queue_enable %u", st, used, used0, nonzero(buf, REQ_LEN), isr,
		 live ? ISR_CONFIG : 0, qen);
}

/* For the Service VM: acrn-dm should have logged this line (fmt's %u: @p v) once more. */
static void expect_dm_log(const char *fmt, unsigned int v)
{
	rt_printf("# expect-dm-log virtio: virtio-rnd at %u:0: ", dev_slot);
	rt_printf(fmt, v);
	rt_printf("; device needs reset\n");
}

/* Reset the device, set it up again and prove a good request completes. */
static void check_recovers(const char *name, bool legacy)
{
	if (!drv_setup(legacy, qmax)) {
		rt_fail(name, "set-up after reset: %s (status 0x%x)", setup_err, status_read());
		return;
	}
	good_request(name);
}

/* ---- hostile requests: each runs on a fresh, live queue of the case's size ---- */

static void h_loop(void)
{
	set_desc(0, (uintptr_t)buf, 16, DESC_WRITE | DESC_NEXT, 1);
	set_desc(1, (uintptr_t)buf + 16, 16, DESC_WRITE | DESC_NEXT, 0);
	post(0);
}

static void h_head_out_of_range(void)
{
	set_desc(0, (uintptr_t)buf, REQ_LEN, DESC_WRITE, 0);
	post(dev.size);
}

/* Every descriptor of the table chained, the last one pointing past the table. */
static void h_chain_longer_than_queue(void)
{
	for (uint16_t i = 0; i < dev.size; i++)
		set_desc(i, (uintptr_t)buf + 8 * i, 8, DESC_WRITE | DESC_NEXT, i + 1);
	post(0);
}

static void h_zero_length(void)
{
	set_desc(0, (uintptr_t)buf, 0, DESC_WRITE, 0);
	post(0);
}

static void h_addr_outside_ram(void)
{
	set_desc(0, ram_end, REQ_LEN, DESC_WRITE, 0);
	post(0);
}

/* DMA onto the device's own registers. */
static void h_addr_in_device_bar(void)
{
	set_desc(0, dev.common, REQ_LEN, DESC_WRITE, 0);
	post(0);
}

static void h_buffer_straddles_ram_end(void)
{
	set_desc(0, ram_end - 32, REQ_LEN, DESC_WRITE, 0);
	post(0);
}

static void h_addr_len_wraps(void)
{
	set_desc(0, 0xFFFFFFFFFFFFFFC0ULL, 0x80, DESC_WRITE, 0);
	post(0);
}

/* An indirect table of one entry more than the queue size, well formed otherwise. */
static void h_indirect_longer_than_queue(void)
{
	uint16_t n = dev.size + 1;

	for (uint16_t i = 0; i < n; i++)
		set_itab(i, (uintptr_t)buf + 8 * i, 8, DESC_WRITE | (i + 1 < n ? DESC_NEXT : 0),
			 i + 1 < n ? i + 1 : 0);
	set_desc(0, (uintptr_t)itab, 16U * n, DESC_INDIRECT, 0);
	post(0);
}

static void h_indirect_loop(void)
{
	set_itab(0, (uintptr_t)buf, 16, DESC_WRITE | DESC_NEXT, 1);
	set_itab(1, (uintptr_t)buf + 16, 16, DESC_WRITE | DESC_NEXT, 0);
	set_desc(0, (uintptr_t)itab, 32, DESC_INDIRECT, 0);
	post(0);
}

static void h_indirect_nested(void)
{
	set_itab(0, (uintptr_t)&itab[1], 16, DESC_INDIRECT, 0);
	set_itab(1, (uintptr_t)buf, REQ_LEN, DESC_WRITE, 0);
	set_desc(0, (uintptr_t)itab, 32, DESC_INDIRECT, 0);
	post(0);
}

/* avail->idx one more than a whole ring ahead of what the device consumed. */
static void h_avail_idx_jump(void)
{
	set_desc(0, (uintptr_t)buf, REQ_LEN, DESC_WRITE, 0);
	dev.avail_idx = dev.size + 1;
	barrier();
	dev.avail[1] = dev.avail_idx;
	notify();
}

static void h_readable_after_writable(void)
{
	set_desc(0, (uintptr_t)buf, 16, DESC_WRITE | DESC_NEXT, 1);
	set_desc(1, (uintptr_t)buf + 16, 16, 0, 0);
	post(0);
}

/* ---- hostile set-ups: the queue is never enabled ---- */

static void bad_queue(uint16_t size, uint64_t desc_off)
{
	ring_layout(qmax);
	if (!drv_begin(false)) {
		rt_printf("# set-up before the hostile queue: %s\n", setup_err);
		return;
	}
	m_queue(size, (uintptr_t)ring + desc_off, (uintptr_t)dev.avail, (uintptr_t)dev.used);
}

static void bad_size_queue(uint16_t size)
{
	bad_size = size;
	bad_queue(size, 0);
}

static void h_queue_size_not_pow2(void) { bad_size_queue(qmax - qmax / 4); }	/* 48 of 64 */
static void h_queue_size_above_max(void) { bad_size_queue(2 * qmax); }
static void h_queue_size_zero(void) { bad_size_queue(0); }
static void h_ring_misaligned(void) { bad_queue(qmax, 8); }

static void h_ring_outside_ram(void)
{
	bad_queue(qmax, ram_end - (uintptr_t)ring);
}

struct hostile {
	const char *needs_reset;	/* check names */
	const char *recovers;
	int qsize;			/* live queue first: Q_MAX or Q_SMALL; 0: a set-up case */
	void (*run)(void);
	const char *why;		/* acrn-dm's reason in its log line (%u: bad_size) */
};

#define Q_MAX	1
#define Q_SMALL	2
#define HOSTILE(n, q, why) { "virtio/" #n "_needs_reset", "virtio/" #n "_recovers", q, h_##n, why }
/* acrn-dm is linked with glibc: these are its strerror() texts. */
#define CHAIN(e)	"malformed chain on queue 0 (" e ")"
#define E_LOOP		CHAIN("Too many levels of symbolic links")
#define E_INVAL		CHAIN("Invalid argument")
#define E_FAULT		CHAIN("Bad address")
#define E_PROTO		CHAIN("Protocol error")
#define E_QSIZE		"queue size %u invalid"
#define E_RING		"queue 0 rings not in guest RAM or misaligned"

static const struct hostile cases[] = {
	HOSTILE(loop, Q_MAX, E_LOOP),
	HOSTILE(head_out_of_range, Q_MAX, E_INVAL),
	HOSTILE(chain_longer_than_queue, Q_SMALL, E_INVAL),
	HOSTILE(zero_length, Q_MAX, E_INVAL),
	HOSTILE(addr_outside_ram, Q_MAX, E_FAULT),
	HOSTILE(addr_in_device_bar, Q_MAX, E_FAULT),
	HOSTILE(buffer_straddles_ram_end, Q_MAX, E_FAULT),
	HOSTILE(addr_len_wraps, Q_MAX, E_FAULT),
	HOSTILE(indirect_longer_than_queue, Q_SMALL, E_INVAL),
	HOSTILE(indirect_loop, Q_MAX, E_LOOP),
	HOSTILE(indirect_nested, Q_MAX, E_INVAL),
	HOSTILE(avail_idx_jump, Q_MAX, E_PROTO),
	HOSTILE(readable_after_writable, Q_MAX, E_INVAL),
	HOSTILE(queue_size_not_pow2, 0, E_QSIZE),
	HOSTILE(queue_size_above_max, 0, E_QSIZE),
	HOSTILE(queue_size_zero, 0, E_QSIZE),
	HOSTILE(ring_outside_ram, 0, E_RING),
	HOSTILE(ring_misaligned, 0, E_RING),
};

/* Memory BAR @p bar of @p slot (32- or 64-bit), or 0. */
static uint64_t mem_bar(unsigned int slot, unsigned int bar)
{
	uint32_t lo, hi = 0;

	if (bar > 5)
		return 0;
	lo = rt_pci_read32(slot, 0, 0x10 + 4 * bar);
	if (lo & 1)
		return 0;
	if ((lo & 6) == 4 && bar < 5)
		hi = rt_pci_read32(slot, 0, 0x14 + 4 * bar);
	return ((uint64_t)hi << 32) | (lo & ~0xFU);
}

/* The modern structures from the vendor capabilities (§4.1.4); false if one is missing. */
static bool find_caps(unsigned int slot)
{
	unsigned int ptr = rt_pci_read32(slot, 0, 0x34) & 0xFC;

	if (!(rt_pci_read32(slot, 0, 0x04) & (1U << 20)))	/* status: capability list */
		return false;
	for (unsigned int n = 0; ptr >= 0x40 && n < 48; n++) {
		uint32_t h = rt_pci_read32(slot, 0, ptr);
		uint64_t base = mem_bar(slot, rt_pci_read32(slot, 0, ptr + 4) & 0xFF);
		uint64_t off = rt_pci_read32(slot, 0, ptr + 8);

		if ((h & 0xFF) == CAP_VENDOR && base != 0) {
			switch ((h >> 24) & 0xFF) {
			case CAP_COMMON:
				dev.common = base + off;
				break;
			case CAP_ISR:
				dev.isr = base + off;
				break;
			case CAP_NOTIFY:
				dev.notify_base = base + off;
				dev.notify_mult = rt_pci_read32(slot, 0, ptr + 16);
				break;
			default:
				break;
			}
		}
		ptr = (h >> 8) & 0xFC;
	}
	return dev.common != 0 && dev.isr != 0 && dev.notify_base != 0;
}

static bool find_device(unsigned int *slot)
{
	for (unsigned int s = 0; s < 32; s++) {
		uint32_t b0;

		if (rt_pci_read32(s, 0, 0) != ((uint32_t)VRND_TRANSITIONAL_ID << 16 | VIRTIO_VENDOR))
			continue;
		*slot = s;
		b0 = rt_pci_read32(s, 0, 0x10);
		if ((b0 & 1) == 0 || (b0 & ~3U) == 0)
			return false;
		dev.io = (uint16_t)(b0 & ~3U);
		return find_caps(s);
	}
	return false;
}

/* A chain, then an indirect table, of exactly the queue size: both are fine. */
static void boundaries(void)
{
	if (!drv_setup(false, qsmall)) {
		rt_fail("virtio/chain_of_queue_size_completes", "set-up: %s", setup_err);
	} else {
		rt_memset(buf, 0, sizeof(buf));
		for (uint16_t i = 0; i < qsmall; i++)
			set_desc(i, (uintptr_t)buf + 8 * i, 8,
				 DESC_WRITE | (i + 1 < qsmall ? DESC_NEXT : 0), i + 1 < qsmall ? i + 1 : 0);
		post(0);
		check_completes("virtio/chain_of_queue_size_completes", 0, 8 * qsmall);
	}
	if (!drv_setup(false, qsmall)) {
		rt_fail("virtio/indirect_of_queue_size_completes", "set-up: %s", setup_err);
		return;
	}
	rt_memset(buf, 0, sizeof(buf));
	for (uint16_t i = 0; i < qsmall; i++)
		set_itab(i, (uintptr_t)buf + 8 * i, 8, DESC_WRITE | (i + 1 < qsmall ? DESC_NEXT : 0),
			 i + 1 < qsmall ? i + 1 : 0);
	/* The last descriptor as the head: the used id must name it. */
	set_desc(qsmall - 1, (uintptr_t)itab, 16 * qsmall, DESC_INDIRECT, 0);
	post(qsmall - 1);
	check_completes("virtio/indirect_of_queue_size_completes", qsmall - 1, 8 * qsmall);
}

void rt_guest_main(void)
{
	const volatile uint32_t *mbi = (const volatile uint32_t *)(uintptr_t)rt_boot_info;
	unsigned int slot = 0;
	uint16_t used0;
	bool found = find_device(&slot);

	dev_slot = slot;
	rt_check("virtio/device_found", found, "no transitional virtio-rnd (1AF4:1005) with an "
		 "I/O BAR 0 and common, ISR and notify capabilities on bus 0");
	if (!found)
		return;
	/* Multiboot 1: mem_upper is the RAM above 1 MiB in KiB (acrn-dm: lowmem - 1 MiB). */
	ram_end = rt_boot_magic == MB1_MAGIC && (mbi[0] & MBI_MEM) ? 0x100000ULL + 1024ULL * mbi[2] :
		  0xC0000000ULL;
	rt_outw(dev.io + L_QUEUE_SEL, 0);
	qmax = rt_inw(dev.io + L_QUEUE_SIZE);
	qsmall = qmax / 2 < 8 ? qmax / 2 : 8;
	if (qmax > QMAX || qsmall < 2 || (qmax & (qmax - 1)) != 0) {
		rt_fail("virtio/queue_size", "legacy QUEUE_SIZE %u: want a power of two in 4..%u",
			qmax, QMAX);
		return;
	}
	rt_printf("# virtio-rnd at slot %u: I/O 0x%x, common 0x%lx, ISR 0x%lx, notify 0x%lx x%u; "
		  "queue size %u; RAM ends at 0x%lx\n", slot, dev.io, dev.common, dev.isr,
		  dev.notify_base, dev.notify_mult, qmax, ram_end);

	/* The legacy interface: a request, a loop, and a reset. */
	if (drv_setup(true, QMAX))
		good_request("virtio/legacy_good_request");
	else
		rt_fail("virtio/legacy_good_request", "set-up: %s", setup_err);
	/* On the same queue: the good request is used element 0 already. */
	used0 = used_idx();
	rt_memset(buf, 0, sizeof(buf));
	h_loop();
	check_needs_reset("virtio/legacy_loop_needs_reset", true, used0);
	expect_dm_log(E_LOOP, 0);
	check_recovers("virtio/legacy_loop_recovers", true);

	/* The modern interface. */
	rt_check("virtio/modern_features_ok", drv_begin(false), "%s", setup_err);
	if (drv_setup(false, QMAX))
		good_request("virtio/modern_good_request");
	else
		rt_fail("virtio/modern_good_request", "set-up: %s", setup_err);
	boundaries();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct hostile *h = &cases[i];

		if (h->qsize != 0 && !drv_setup(false, h->qsize == Q_MAX ? qmax : qsmall)) {
			rt_fail(h->needs_reset, "set-up: %s", setup_err);
			rt_fail(h->recovers, "not run");
			continue;
		}
		rt_memset(buf, 0, sizeof(buf));
		h->run();
		check_needs_reset(h->needs_reset, h->qsize != 0, 0);
		expect_dm_log(h->why, bad_size);
		check_recovers(h->recovers, false);
	}
	status_write(0);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test-guest runtime: ACPI table discovery (MADT for the CPUs, FADT and the DSDT's \_S5 for
 * power-off), power-off, and AP start-up.
 *
 * Tables come from firmware or acrn-dm: lengths are bounded and checksums checked before a
 * table is believed, so a broken table makes the runtime fall back, not wander off.
 */
#include "rt.h"
#include "rt_internal.h"

unsigned int rt_ncpus_madt = 1;
uint32_t rt_cpu_apic_id[RT_MAX_CPUS];
volatile uint32_t rt_cpus_online = 1;
uint32_t rt_pm1a_cnt;
uint32_t rt_pm1a_evt;
uint32_t rt_s5_slp_typ = 5;
bool rt_s5_found;

#define ACPI_TABLE_MAX	(1U << 20)

static uint32_t rd32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static bool sum_ok(const uint8_t *p, uint32_t len)
{
	uint8_t s = 0;

	while (len-- > 0)
		s += *p++;
	return s == 0;
}

/* ACPI 6.5 5.2.5.1: the RSDP is on a 16-byte boundary in the EBDA's first KiB or in
 * 0xE0000-0xFFFFF. */
static const uint8_t *rsdp_scan(uint64_t start, uint64_t len)
{
	for (uint64_t a = start; a + 20 <= start + len; a += 16) {
		const uint8_t *p = (const uint8_t *)(uintptr_t)a;

		if (memcmp(p, "RSD PTR ", 8) == 0 && sum_ok(p, 20))
			return p;
	}
	return NULL;
}

/* A table header at @p addr that is below 4 GiB, of sane length and correct checksum. */
static const uint8_t *table_at(uint64_t addr)
{
	const uint8_t *t;
	uint32_t len;

	if (addr == 0 || addr >= 0x100000000ULL - ACPI_TABLE_MAX)
		return NULL;
	t = (const uint8_t *)(uintptr_t)addr;
	len = rd32(t + 4);
	if (len < 36 || len > ACPI_TABLE_MAX || !sum_ok(t, len))
		return NULL;
	return t;
}

/* ACPI 6.5 5.2.12: MADT entries type 0 (Processor Local APIC) and 9 (Processor Local x2APIC). */
static void parse_madt(const uint8_t *t)
{
	uint32_t len = rd32(t + 4), off = 44;
	unsigned int n = 0;

	while (off + 2 <= len) {
		uint8_t type = t[off], elen = t[off + 1];

		if (elen < 2 || off + elen > len)
			break;
		if (type == 0 && elen >= 8 && (rd32(t + off + 4) & 1) && n < RT_MAX_CPUS)
			rt_cpu_apic_id[n++] = t[off + 3];
		else if (type == 9 && elen >= 16 && (rd32(t + off + 8) & 1) && n < RT_MAX_CPUS)
			rt_cpu_apic_id[n++] = rd32(t + off + 4);
		off += elen;
	}
	if (n > 0)
		rt_ncpus_madt = n;
}

/*
 * The S5 sleep type lives in the DSDT as Name(_S5, Package(){ typA, typB, ... }) (ACPI 6.5
 * 7.4.2).  AML encoding (20.2): NameOp 0x08, NameString "_S5_", PackageOp 0x12, PkgLength,
 * NumElements, then the first element as ZeroOp, OneOp or BytePrefix 0x0A + byte.
 */
static void parse_s5(const uint8_t *dsdt)
{
	uint32_t len = rd32(dsdt + 4);

	if (rt_s5_found)
		return;
	/* Shortest match: "_S5_" 0x12 PkgLength NumElements element = 8 bytes (Bochs' DSDT
	 * ends exactly there). */
	for (uint32_t i = 36; i + 8 <= len; i++) {
		const uint8_t *p = dsdt + i;
		uint32_t k;

		if (memcmp(p, "_S5_", 4) != 0 || p[4] != 0x12)
			continue;
		k = 5 + 1 + (p[5] >> 6);	/* PkgLength: lead byte + bits 7:6 more bytes */
		k++;				/* NumElements */
		if (i + k >= len)
			return;
		if (p[k] == 0x0A && i + k + 1 < len)
			rt_s5_slp_typ = p[k + 1] & 7;
		else if (p[k] == 0x00 || p[k] == 0x01)
			rt_s5_slp_typ = p[k];
		else
			return;
		rt_s5_found = true;
		return;
	}
}

/* ACPI 6.5 5.2.9: FADT PM1a_EVT_BLK at 56, PM1a_CNT_BLK at 64, DSDT at 40, X_DSDT at 140. */
static void parse_fadt(const uint8_t *t)
{
	uint32_t len = rd32(t + 4);
	const uint8_t *dsdt = NULL;

	if (len >= 60)
		rt_pm1a_evt = rd32(t + 56) & 0xFFFF;
	if (len >= 68)
		rt_pm1a_cnt = rd32(t + 64) & 0xFFFF;
	if (len >= 148)
		dsdt = table_at(rd64(t + 140));
	if (dsdt == NULL)
		dsdt = table_at(rd32(t + 40));
	if (dsdt != NULL)
		parse_s5(dsdt);
}

void rt_acpi_init(void)
{
	uint64_t ebda = (uint64_t)*(volatile uint16_t *)0x40E << 4;
	const uint8_t *rsdp = NULL, *root = NULL;
	uint32_t esz;

	rt_cpu_apic_id[0] = rt_apic_id();
	if (ebda >= 0x80000 && ebda < 0xA0000)
		rsdp = rsdp_scan(ebda, 1024);
	if (rsdp == NULL)
		rsdp = rsdp_scan(0xE0000, 0x20000);
	if (rsdp == NULL)
		return;
	if (rsdp[15] >= 2 && sum_ok(rsdp, 36))
		root = table_at(rd64(rsdp + 24));
	esz = root != NULL ? 8 : 4;
	if (root == NULL)
		root = table_at(rd32(rsdp + 16));
	if (root == NULL)
		return;
	for (uint32_t off = 36; off + esz <= rd32(root + 4); off += esz) {
		const uint8_t *t = table_at(esz == 8 ? rd64(root + off) : rd32(root + off));

		if (t == NULL)
			continue;
		if (memcmp(t, "APIC", 4) == 0)
			parse_madt(t);
		else if (memcmp(t, "FACP", 4) == 0)
			parse_fadt(t);
		else if (memcmp(t, "SSDT", 4) == 0 && !rt_s5_found)
			parse_s5(t);	/* \_S5 may live in any definition block (Bochs: an SSDT) */
	}
}

/*
 * Power off.  ACPI 6.5 4.8.3.2.1: writing SLP_TYP (bits 12:10) with SLP_EN (bit 13) to
 * PM1a_CNT enters the sleep state; acrn-dm's default PM1a control port is 0x404.  Bochs
 * ends the emulation on the string "Shutdown" at port 0x8900.  Then stop for good.
 */
void rt_poweroff(void)
{
	uint16_t port = rt_pm1a_cnt != 0 ? (uint16_t)rt_pm1a_cnt : 0x404;
	const char *s = "Shutdown";

	rt_cli();
	rt_console_flush();
	rt_outw(port, (uint16_t)((rt_s5_slp_typ & 7) << 10 | (1U << 13)));
	rt_udelay(1000);
	while (*s != '\0')
		rt_outb(0x8900, (uint8_t)*s++);
	for (;;)
		__asm__ volatile("cli; hlt");
}

#define PM1_PWRBTN_STS	0x0100

bool rt_power_button(void)
{
	uint16_t port = rt_pm1a_evt != 0 ? (uint16_t)rt_pm1a_evt : 0x400;

	if (!(rt_inw(port) & PM1_PWRBTN_STS))
		return false;
	rt_outw(port, PM1_PWRBTN_STS);
	return true;
}

/* ---- SMP ---- */
static uint8_t ap_stacks[RT_MAX_CPUS][RT_AP_STACK_SIZE] __attribute__((aligned(16)));
static void (*volatile ap_fn)(unsigned int cpu);
static volatile uint32_t ap_index;

void rt_ap_main(void);
void rt_ap_main(void)
{
	unsigned int me = ap_index;

	rt_idt_load();
	rt_apic_init_cpu();
	rt_atomic_xadd(&rt_cpus_online, 1);
	if (ap_fn != NULL)
		ap_fn(me);
	for (;;)
		__asm__ volatile("sti; hlt");
}

/* SDM Vol. 3A 9.4.4.1 (MP initialization, typical BSP sequence): INIT, 10 ms, SIPI, 200 us,
 * SIPI; the second SIPI only if the AP has not answered. */
static bool start_one(uint32_t apic_id, unsigned int idx)
{
	uint32_t want = rt_cpus_online + 1;

	ap_index = idx;
	rt_ap_stack = (uint64_t)(uintptr_t)&ap_stacks[idx][RT_AP_STACK_SIZE];
	rt_apic_send_ipi(apic_id, APIC_ICR_INIT | APIC_ICR_LEVEL | APIC_ICR_ASSERT);
	rt_udelay(200);
	rt_apic_send_ipi(apic_id, APIC_ICR_INIT | APIC_ICR_LEVEL);
	rt_udelay(10000);
	for (int i = 0; i < 2; i++) {
		rt_apic_send_ipi(apic_id, APIC_ICR_STARTUP | (RT_TRAMPOLINE >> 12));
		if (rt_wait_count(&rt_cpus_online, want, i == 0 ? 200 : 100000))
			return true;
	}
	return false;
}

unsigned int rt_smp_start(void (*fn)(unsigned int cpu))
{
	uint32_t me = rt_apic_id();
	unsigned int idx = 1;

	memcpy((void *)(uintptr_t)RT_TRAMPOLINE, rt_tramp_start,
	       (size_t)(rt_tramp_end - rt_tramp_start));
	ap_fn = fn;
	for (unsigned int i = 0; i < rt_ncpus_madt && idx < RT_MAX_CPUS; i++) {
		if (rt_cpu_apic_id[i] == me)
			continue;
		if (!start_one(rt_cpu_apic_id[i], idx))
			rt_printf("# APIC %u did not start\n", rt_cpu_apic_id[i]);
		else
			idx++;
	}
	rt_ap_stack = 0;
	return rt_cpus_online;
}

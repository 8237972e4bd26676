/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: random sequences of register reads/writes (xAPIC MMIO,
 * x2APIC and APIC-base MSRs, IOAPIC window), clock advances, host-timer
 * expiries (real and stale), interrupt injection/acceptance and EOIs on a
 * pair of vLAPICs wired to one vIOAPIC.
 *
 * Checked after every step:
 *  - IRR/ISR/TMR never hold vectors 0..15;
 *  - ISR holds at most one vector per priority class (stacking rule);
 *  - PPR and vlapic_pending_intr() agree with a reference model;
 *  - the host timer the model believes armed is the one the fake armed;
 *  - a stale or early timer expiry delivers nothing;
 *  - IOAPIC remote IRR only on level entries; failed MMIO reads return 0.
 * The VM's 8259A pair rides along (port I/O, inputs, INTA cycles):
 *  - notify() fires exactly on INTR changes and matches vpic_intr_asserted();
 *  - a pending vector is what the next INTA returns, within a chip's range,
 *    and sets that chip's ISR bit unless AEOI; level IRR bits follow lines.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <lib/errno.h>
#include <dm/vlapic.h>
#include <dm/vioapic.h>
#include <dm/vpic.h>

#define NR 2U

#define CHECK(c) do { if (!(c)) { __builtin_trap(); } } while (0)

struct fake_timer {
	bool armed;
	uint64_t deadline;
};

static struct vlapic lapic[NR];
static struct fake_timer tmr[NR];
static struct vioapic ioapic;
static uint64_t now;
static unsigned depth;

static uint64_t f_now(void *ctx) { (void)ctx; return now; }

static void f_arm(void *ctx, uint64_t d)
{
	struct fake_timer *t = ctx;

	t->armed = true;
	t->deadline = d;
}

static void f_cancel(void *ctx) { ((struct fake_timer *)ctx)->armed = false; }

static uint64_t f_dest_mask(void *ctx, uint32_t dest, bool logical, bool x2apic)
{
	uint64_t m = 0;
	unsigned i;

	static const struct vlapic *const all[NR] = { &lapic[0], &lapic[1] };

	(void)ctx;
	for (i = 0; i < NR; i++)
		if (vlapic_match_dest(&lapic[i], dest, logical, x2apic))
			m |= 1ULL << i;
	CHECK(vlapic_dest_mask_of(all, NR, dest, logical, x2apic, false) == m);
	CHECK(vlapic_dest_mask_of(all, NR, dest, logical, x2apic, true) == (m & (~m + 1)));
	return m;
}

static void f_send_ipi(void *ctx, uint64_t mask, uint32_t mode, uint32_t vector)
{
	unsigned i;

	(void)ctx;
	CHECK(mask != 0 && (mask >> NR) == 0);
	CHECK(mode != VLAPIC_DM_LOWPRI && mode != VLAPIC_DM_SMI && mode != VLAPIC_DM_EXTINT);
	CHECK(mode != VLAPIC_DM_FIXED || (vector >= 16 && vector <= 255));
	depth++;
	CHECK(depth < 8);
	for (i = 0; i < NR; i++) {
		if (!(mask & (1ULL << i)))
			continue;
		if (mode == VLAPIC_DM_FIXED)
			(void)vlapic_set_intr(&lapic[i], vector, false);
		else if (mode == VLAPIC_DM_INIT)
			vlapic_deliver_init(&lapic[i]);
		else if (mode == VLAPIC_DM_SIPI)
			(void)vlapic_deliver_sipi(&lapic[i], vector);
	}
	depth--;
}

static void f_eoi(void *ctx, uint32_t vector)
{
	(void)ctx;
	CHECK(vector >= 16 && vector <= 255);
	depth++;
	CHECK(depth < 8);
	vioapic_eoi(&ioapic, vector);
	depth--;
}

static void f_init_sipi(void *ctx, uint32_t vcpu, bool is_sipi, uint32_t vector)
{
	(void)ctx;
	CHECK(vcpu < NR && vector <= 255);
	(void)is_sipi;
}

static const struct vlapic_ops lops = {
	.now = f_now, .timer_arm = f_arm, .timer_cancel = f_cancel,
	.dest_mask = f_dest_mask, .send_ipi = f_send_ipi, .eoi_level = f_eoi,
	.init_sipi = f_init_sipi, .kick = NULL,
};

static void f_deliver(void *ctx, uint32_t dest, bool logical, uint32_t mode, uint32_t vector, bool level)
{
	uint64_t mask;
	unsigned i;

	(void)ctx;
	CHECK(dest <= 0xFF && mode <= 7 && vector <= 0xFF);
	if (mode != VLAPIC_DM_FIXED && mode != VLAPIC_DM_LOWPRI)
		return;
	mask = f_dest_mask(NULL, dest, logical, false);
	if (mode == VLAPIC_DM_LOWPRI)
		mask &= ~mask + 1;
	for (i = 0; i < NR; i++)
		if (mask & (1ULL << i))
			(void)vlapic_set_intr(&lapic[i], vector, level);
}

static const struct vioapic_ops iops = { .deliver = f_deliver };

static struct vpic pic;
static bool pic_intr;

static void f_notify(void *ctx, bool asserted)
{
	(void)ctx;
	CHECK(asserted != pic_intr);	/* only on a change */
	pic_intr = asserted;
}

static const struct vpic_ops pops = { .notify = f_notify };

/* Input reader: exhausted input reads as zeros. */
struct rd {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct rd *r, unsigned bytes)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < bytes; i++) {
		v <<= 8;
		if (r->n) {
			v |= *r->p++;
			r->n--;
		}
	}
	return v;
}

static uint32_t regword(const struct vlapic *v, uint32_t off) { return v->regs[off / 4]; }

static bool vec_set(const struct vlapic *v, uint32_t base, uint32_t vec)
{
	return (regword(v, base + (vec / 32) * 16) >> (vec % 32)) & 1;
}

static int ref_highest(const struct vlapic *v, uint32_t base)
{
	int vec;

	for (vec = 255; vec >= 0; vec--)
		if (vec_set(v, base, (uint32_t)vec))
			return vec;
	return -1;
}

static void check_lapic(unsigned i)
{
	const struct vlapic *v = &lapic[i];
	uint32_t cls[16] = { 0 }, tpr, isr_cls, ppr, vec;
	int isrv, irrv, rc;
	unsigned k;

	for (k = 0; k < 16; k++) {
		CHECK(!vec_set(v, VLAPIC_OFF_IRR0, k));
		CHECK(!vec_set(v, VLAPIC_OFF_ISR0, k));
		CHECK(!vec_set(v, VLAPIC_OFF_TMR0, k));
	}
	for (k = 16; k < 256; k++)
		if (vec_set(v, VLAPIC_OFF_ISR0, k))
			cls[k >> 4]++;
	for (k = 0; k < 16; k++)
		CHECK(cls[k] <= 1);
	tpr = regword(v, VLAPIC_OFF_TPR);
	CHECK(tpr <= 0xFF);
	isrv = ref_highest(v, VLAPIC_OFF_ISR0);
	isr_cls = isrv < 0 ? 0 : ((uint32_t)isrv & 0xF0);
	ppr = (tpr & 0xF0) >= isr_cls ? tpr : isr_cls;
	CHECK(vlapic_get_ppr(v) == ppr);
	irrv = ref_highest(v, VLAPIC_OFF_IRR0);
	rc = vlapic_pending_intr(&lapic[i], &vec);
	if (irrv >= 0 && ((uint32_t)irrv & 0xF0) > (ppr & 0xF0) &&
	    (vlapic_get_apicbase(v) & VLAPIC_BASE_EN)) {
		CHECK(rc == 0 && vec == (uint32_t)irrv);
	} else {
		CHECK(rc == -ENOENT);
	}
	/* The model's view of the host timer matches what it asked for. */
	CHECK(tmr[i].armed == v->timer_armed);
	if (tmr[i].armed)
		CHECK(tmr[i].deadline == v->timer_deadline);
}

static void check_ioapic(void)
{
	unsigned pin;
	uint64_t rte;

	for (pin = 0; pin < VIOAPIC_PINS; pin++) {
		CHECK(vioapic_get_rte(&ioapic, pin, &rte) == 0);
		if (!(rte & VIOAPIC_RTE_LEVEL))
			CHECK(!(rte & VIOAPIC_RTE_REM_IRR));
		CHECK(!(rte & VIOAPIC_RTE_DELIVS));
	}
	CHECK(vioapic_get_rte(&ioapic, VIOAPIC_PINS, &rte) == -EINVAL);
}

static void timer_expiry(unsigned i)
{
	struct vlapic *v = &lapic[i];
	uint32_t before[24];
	bool real = tmr[i].armed && now >= tmr[i].deadline;
	unsigned k;

	for (k = 0; k < 8; k++) {
		before[k] = regword(v, VLAPIC_OFF_IRR0 + k * 16);
		before[8 + k] = regword(v, VLAPIC_OFF_ISR0 + k * 16);
		before[16 + k] = regword(v, VLAPIC_OFF_TMR0 + k * 16);
	}
	uint32_t lvt = regword(v, VLAPIC_OFF_LVT_TIMER);

	if (real)
		tmr[i].armed = false;	/* the host one-shot timer is consumed */
	vlapic_timer_expired(v);
	if (real) {
		/* A due, unmasked timer on an enabled APIC always delivers. */
		if (!(lvt & VLAPIC_LVT_MASKED) && vlapic_is_enabled(v) && (lvt & 0xFF) >= 16)
			CHECK(vec_set(v, VLAPIC_OFF_IRR0, lvt & 0xFF));
		return;
	}
	for (k = 0; k < 8; k++) {
		CHECK(before[k] == regword(v, VLAPIC_OFF_IRR0 + k * 16));
		CHECK(before[8 + k] == regword(v, VLAPIC_OFF_ISR0 + k * 16));
		CHECK(before[16 + k] == regword(v, VLAPIC_OFF_TMR0 + k * 16));
	}
}

static void setup(uint8_t cfgbyte)
{
	unsigned i;

	now = 1 + (cfgbyte & 0x0F) * 1000ULL;
	depth = 0;
	memset(tmr, 0, sizeof(tmr));
	for (i = 0; i < NR; i++) {
		struct vlapic_config cfg = {
			.vcpu_id = i, .nr_vcpus = NR, .apic_id = i * ((cfgbyte & 0x10) ? 0x11 : 1),
			.bsp = i == 0, .directed_eoi = (cfgbyte & 0x20) != 0,
			.tsc_per_bus_tick = 1U + (cfgbyte >> 6),
		};
		CHECK(vlapic_init(&lapic[i], &cfg, &lops, &tmr[i]) == 0);
	}
	CHECK(vioapic_init(&ioapic, 1, &iops, NULL) == 0);
	pic_intr = false;
	CHECK(vpic_init(&pic, &pops, NULL) == 0);
}

static void check_vpic(void)
{
	uint32_t vec;
	unsigned c;

	CHECK(vpic_intr_asserted(&pic) == pic_intr);
	CHECK((vpic_pending_intr(&pic, &vec) == 0) == pic_intr);
	for (c = 0; c < 2; c++) {
		const struct vpic_chip *ch = &pic.chip[c];

		CHECK((ch->irr & ch->elcr) == (ch->lines & ch->elcr));
		CHECK((ch->elcr & (c ? 0x21 : 0x07)) == 0);
		CHECK(ch->lowest < 8);
	}
}

static void vpic_inta_step(void)
{
	uint32_t want, got;
	bool from_chip = false;
	unsigned c;

	if (vpic_pending_intr(&pic, &want) != 0)
		return;
	CHECK(vpic_inta(&pic, &got) == 0);
	CHECK(got == want);
	/* Both chips may share a vector base: one of the matching chips took it. */
	for (c = 0; c < 2; c++) {
		const struct vpic_chip *ch = &pic.chip[c];

		if ((got & 0xF8) != ch->vector_base)
			continue;
		if (ch->auto_eoi || (got & 7) == 7 || (ch->isr & (1U << (got & 7))))
			from_chip = true;
	}
	CHECK(from_chip);
}

static const uint16_t pic_ports[8] = { 0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1, 0x22, 0x4D2 };

static void step(struct rd *r)
{
	unsigned op = (unsigned)take(r, 1) % 20, i = (unsigned)take(r, 1) % NR;
	struct vlapic *v = &lapic[i];
	uint32_t off, size, val32, vec;
	uint64_t val64;
	int rc;

	switch (op) {
	case 0:		/* xAPIC MMIO write: mostly register offsets, sometimes anything */
		off = (uint32_t)take(r, 1);
		off = (off & 0x40) ? (uint32_t)take(r, 2) & 0xFFF : (off & 0x3F) << 4;
		size = (take(r, 1) & 1) ? 4 : (uint32_t)take(r, 1) % 9;
		(void)vlapic_mmio_write(v, off, size, (uint32_t)take(r, 4));
		break;
	case 1:		/* xAPIC MMIO read */
		off = (uint32_t)take(r, 1);
		off = (off & 0x40) ? (uint32_t)take(r, 2) & 0xFFF : (off & 0x3F) << 4;
		val32 = 0xA5A5A5A5;
		rc = vlapic_mmio_read(v, off, 4, &val32);
		CHECK(rc == 0 || val32 == 0);
		CHECK(rc != 0 || vlapic_is_x2apic(v) == false);
		break;
	case 2:		/* MSR write */
		off = (uint32_t)take(r, 1);
		off = off == 0xFE ? VLAPIC_MSR_APIC_BASE : off == 0xFD ? VLAPIC_MSR_TSC_DEADLINE :
		      VLAPIC_MSR_X2APIC_FIRST + off;
		val64 = take(r, 8);
		if (off == VLAPIC_MSR_APIC_BASE)	/* keep the base plausible, flags random */
			val64 = 0xFEE00000ULL | (val64 & 0xD00);
		else if (off == VLAPIC_MSR_TSC_DEADLINE)
			val64 = now + (val64 & 0xFFFFF);
		else if (take(r, 1) & 1)
			val64 &= 0xFFFFFFFFULL;
		(void)vlapic_msr_write(v, off, val64);
		break;
	case 3:		/* MSR read */
		off = VLAPIC_MSR_X2APIC_FIRST + (uint32_t)take(r, 1);
		rc = vlapic_msr_read(v, off, &val64);
		CHECK(rc == 0 || rc == -EINVAL);
		CHECK(rc != 0 || vlapic_is_x2apic(v));
		break;
	case 4:		/* time passes */
		now += take(r, 3);
		break;
	case 5:		/* host timer fires (or a stale one) */
		timer_expiry(i);
		break;
	case 6:		/* device interrupt */
		vec = (uint32_t)take(r, 1);
		vec |= (take(r, 1) & 0x80) ? 0x100 : 0;
		(void)vlapic_set_intr(v, vec, take(r, 1) & 1);
		break;
	case 7:		/* the CPU takes the pending interrupt */
		if (vlapic_pending_intr(v, &vec) == 0)
			CHECK(vlapic_intr_accepted(v, vec) == 0);
		break;
	case 8:		/* EOI through whichever view is live */
		if (vlapic_is_x2apic(v))
			CHECK(vlapic_msr_write(v, 0x80B, 0) == 0);
		else
			(void)vlapic_mmio_write(v, VLAPIC_OFF_EOI, 4, 0);
		break;
	case 9:		/* IOAPIC MMIO write */
		off = (uint32_t)take(r, 1) & 0x7F;
		(void)vioapic_mmio_write(&ioapic, off, 4, (uint32_t)take(r, 4));
		break;
	case 10:	/* IOAPIC MMIO read */
		val32 = 0xA5A5A5A5;
		rc = vioapic_mmio_read(&ioapic, (uint32_t)take(r, 1) & 0x7F, 4, &val32);
		CHECK(rc == 0 || val32 == 0);
		break;
	case 11:	/* IOAPIC input */
		off = (uint32_t)take(r, 1) % 50;
		(void)vioapic_set_irq(&ioapic, off, (uint32_t)take(r, 1) % 4);
		break;
	case 12:
		vioapic_eoi(&ioapic, (uint32_t)take(r, 1));
		break;
	case 13:	/* INIT, SIPI, or a local interrupt source */
		switch (take(r, 1) % 3) {
		case 0:
			vlapic_deliver_init(v);
			break;
		case 1:
			(void)vlapic_deliver_sipi(v, (uint32_t)take(r, 1));
			break;
		default:
			(void)vlapic_fire_lvt(v, 0x2F0 + 0x10 * ((uint32_t)take(r, 1) % 10));
			break;
		}
		break;
	case 14:	/* a buggy accept: any vector, or any IRR vector whatever the PPR */
		if (take(r, 1) & 1) {
			(void)vlapic_intr_accepted(v, (uint32_t)take(r, 2) & 0x1FF);
			break;
		}
		val32 = (uint32_t)take(r, 1);
		for (vec = 0; vec < 256; vec++) {
			if (vec_set(v, VLAPIC_OFF_IRR0, vec) && val32-- == 0) {
				bool ok = (vec & 0xF0) > (vlapic_get_ppr(v) & 0xF0);

				rc = vlapic_intr_accepted(v, vec);
				CHECK(ok ? rc == 0 : rc == -EINVAL);
				break;
			}
		}
		break;
	case 16:	/* 8259A port write */
		off = pic_ports[take(r, 1) & 7];
		size = (take(r, 1) & 7) ? 1 : 2;
		(void)vpic_pio_write(&pic, (uint16_t)off, size, (uint32_t)take(r, 1));
		break;
	case 17:	/* 8259A port read */
		val32 = 0;
		off = pic_ports[take(r, 1) & 7];
		size = (take(r, 1) & 7) ? 1 : 4;
		rc = vpic_pio_read(&pic, (uint16_t)off, size, &val32);
		CHECK(rc == 0 ? val32 <= 0xFF : val32 == 0xFF);
		break;
	case 18:	/* 8259A input */
		off = (uint32_t)take(r, 1) % 17;
		(void)vpic_set_irq(&pic, off, (uint32_t)take(r, 1) % 4);
		break;
	case 19:	/* CPU INTA cycle */
		vpic_inta_step();
		break;
	default:	/* read every register through the live view */
		for (off = 0; off < 0x400; off += 16) {
			val32 = 0;
			(void)vlapic_mmio_read(v, off, 4, &val32);
		}
		for (off = VLAPIC_MSR_X2APIC_FIRST; off < VLAPIC_MSR_X2APIC_FIRST + 0x40; off++)
			(void)vlapic_msr_read(v, off, &val64);
		(void)vlapic_msr_read(v, VLAPIC_MSR_TSC_DEADLINE, &val64);
		if ((regword(v, VLAPIC_OFF_LVT_TIMER) >> 17 & 3) != VLAPIC_LVT_TIMER_TSCDEADLINE)
			CHECK(val64 == 0);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r = { data, size };
	unsigned steps = 0, i;

	if (size < 1)
		return 0;
	setup((uint8_t)take(&r, 1));
	while (r.n > 0 && steps++ < 2000) {
		step(&r);
		for (i = 0; i < NR; i++)
			check_lapic(i);
		check_ioapic();
		check_vpic();
		CHECK(depth == 0);
	}
	return 0;
}

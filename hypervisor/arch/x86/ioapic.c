/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Physical IOAPIC redirection-entry masking (arch/x86/ioapic.h).
 *
 * 82093AA §3.1: IOREGSEL (offset 0x00) selects a register, IOWIN (0x10)
 * reads or writes it; register 0x01 is the version (bits 23:16 = number of
 * entries - 1), registers 0x10 + 2n / 0x11 + 2n the low / high half of
 * entry n, whose bit 16 masks the pin.  The registers lie below 4 GiB and are
 * reached through the hypervisor's identity map.
 */
#define pr_fmt(fmt) "ioapic: " fmt
#include <arch/x86/ioapic.h>
#include <arch/x86/acpi.h>
#include <arch/x86/spinlock.h>
#include <common/log.h>
#include <common/page_alloc.h>
#include <lib/errno.h>

#define IOREGSEL	0x00U
#define IOWIN		0x10U
#define IOAPIC_VER	0x01U
#define IOAPIC_RTE_LO(n)	(0x10U + 2U * (n))
#define IOAPIC_RTE_MASKED	(1U << 16)

struct ioapic {
	volatile uint32_t *regs;
	uint32_t gsi_base, pins;
};

static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static uint32_t ioapic_count;
static spinlock_t ioapic_lock = SPINLOCK_INIT;

static uint32_t ioapic_read(struct ioapic *io, uint32_t reg)
{
	io->regs[IOREGSEL / 4U] = reg;
	return io->regs[IOWIN / 4U];
}

static void ioapic_write(struct ioapic *io, uint32_t reg, uint32_t val)
{
	io->regs[IOREGSEL / 4U] = reg;
	io->regs[IOWIN / 4U] = val;
}

uint32_t ioapic_init(const struct acpi_platform *plat)
{
	ioapic_count = 0;
	for (uint32_t i = 0; i < plat->ioapic_count && i < ACPI_MAX_IOAPICS; i++) {
		struct ioapic *io = &ioapics[ioapic_count];

		if (plat->ioapics[i].addr == 0U)
			continue;
		io->regs = hpa2hva(plat->ioapics[i].addr);
		io->gsi_base = plat->ioapics[i].gsi_base;
		io->pins = ((ioapic_read(io, IOAPIC_VER) >> 16) & 0xFFU) + 1U;
		pr_info("IOAPIC %u at %#x: GSI %u-%u", plat->ioapics[i].id, plat->ioapics[i].addr,
			io->gsi_base, io->gsi_base + io->pins - 1U);
		ioapic_count++;
	}
	return ioapic_count;
}

int ioapic_set_gsi_masked(uint32_t gsi, bool masked)
{
	for (uint32_t i = 0; i < ioapic_count; i++) {
		struct ioapic *io = &ioapics[i];
		uint32_t sel, lo;

		if (gsi < io->gsi_base || gsi - io->gsi_base >= io->pins)
			continue;
		spin_lock(&ioapic_lock);
		sel = io->regs[IOREGSEL / 4U];
		lo = ioapic_read(io, IOAPIC_RTE_LO(gsi - io->gsi_base));
		lo = masked ? (lo | IOAPIC_RTE_MASKED) : (lo & ~IOAPIC_RTE_MASKED);
		ioapic_write(io, IOAPIC_RTE_LO(gsi - io->gsi_base), lo);
		io->regs[IOREGSEL / 4U] = sel;
		spin_unlock(&ioapic_lock);
		return 0;
	}
	return -EINVAL;
}

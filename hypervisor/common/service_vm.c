/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Service VM set-up.  Memory: identity EPT over everything but the
 * hypervisor's own image (which the Service VM's e820 marks reserved), RAM
 * write-back, the rest uncached.  Boot: the Linux 32-bit boot protocol
 * (protected mode, paging off, ESI = zero page), so no guest page tables are
 * needed.  The boot vCPU runs on the BSP; every AP parks a vCPU in
 * wait-for-SIPI, started when Linux sends INIT/SIPI to it.
 *
 * The Service VM drives the physical LAPIC directly (reads, EOI, timer) but
 * its LAPIC page is mapped read-only: every write exits and is replayed on
 * the hardware, except INIT and STARTUP IPIs, which the hypervisor emulates
 * on the target vCPU.  A physical INIT would reset a pCPU out of VMX
 * operation (and under Bochs stays pending in VMX non-root, see vmexit.c).
 */
#define pr_fmt(fmt) "sos: " fmt
#include <common/service_vm.h>
#include <common/vm.h>
#include <common/console.h>
#include <common/page_alloc.h>
#include <common/log.h>
#include <common/sched.h>
#include <arch/x86/vmx/vmx.h>
#include <boot/linux_loader.h>
#include <arch/x86/guest/vmsr.h>
#include <arch/x86/lapic.h>
#include <arch/x86/vtd.h>
#include <arch/x86/spinlock.h>
#include <dm/vpci_upcall.h>
#include <arch/x86/per_cpu.h>
#include <arch/x86/cpu.h>
#include <arch/x86/msr.h>
#include <lib/errno.h>
#include <lib/string.h>
#include <lib/util.h>

/* Low-memory pages for the zero page, the command line and a boot GDT. */
#define SOS_ZERO_PAGE	0x90000ULL
#define SOS_CMDLINE	0x91000ULL
#define SOS_GDT		0x92000ULL

extern char hv_image_start[], hv_image_end[];

static struct vm *sos;
static struct vpci_upcall upcall_fn;
static uint32_t upcall_dev;		/* device number on bus 0 */
static uint32_t pci_cf8;		/* the Service VM's latched 0xCF8 */
static spinlock_t pci_lock = SPINLOCK_INIT;
static volatile bool sos_ready;
static struct boot_mem_range sos_e820[LINUX_E820_MAX];
static uint32_t sos_e820_count;
static uint64_t sos_entry;
static uint64_t sos_lapic_base;
static uint32_t sos_icr_hi[MAX_VCPUS_PER_VM];	/* each vCPU's last ICR high word */

struct vm *service_vm(void)
{
	return sos;
}

bool service_vm_ram_ok(uint64_t gpa, uint64_t size)
{
	uint64_t end = gpa + size;

	if (size == 0 || end < gpa)
		return false;
	/* The e820 is sorted and its RAM never covers the hypervisor (reserved). */
	for (uint32_t i = 0; i < sos_e820_count; i++) {
		const struct boot_mem_range *r = &sos_e820[i];

		if (r->type == BOOT_MEM_RAM && gpa >= r->base && end <= r->base + r->len)
			return true;
	}
	return false;
}

bool service_vm_mmio_ok(uint64_t pa, uint64_t size)
{
	uint64_t end = pa + size;

	if (size == 0 || end < pa)
		return false;
	if (pa < (uint64_t)(uintptr_t)hv_image_end && (uint64_t)(uintptr_t)hv_image_start < end)
		return false;
	for (uint32_t i = 0; i < sos_e820_count; i++) {
		const struct boot_mem_range *r = &sos_e820[i];

		if (r->type == BOOT_MEM_RAM && pa < r->base + r->len && r->base < end)
			return false;
	}
	return true;
}

static const struct boot_module *find_module(const struct boot_info *bi, bool initrd)
{
	for (uint32_t i = 0; i < bi->mod_count; i++) {
		bool is_initrd = strncmp(bi->mods[i].cmdline, "initrd", 6) == 0;

		if (is_initrd == initrd)
			return &bi->mods[i];
	}
	return NULL;
}

bool service_vm_present(const struct boot_info *bi)
{
	return find_module(bi, false) != NULL;
}

static void hw_pio(uint16_t port, unsigned size, bool write, uint32_t *val)
{
	if (write) {
		if (size == 1)
			outb(port, (uint8_t)*val);
		else if (size == 2)
			outw(port, (uint16_t)*val);
		else
			outl(port, *val);
	} else {
		*val = size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
	}
}

/*
 * PCI configuration mechanism #1 (PCI 3.0 §3.2.2.3.2).  0xCF8 is latched
 * here and only reaches the hardware together with the data access, so the
 * upcall function can live at a bus-0 slot the hardware leaves empty.
 */
static void sos_pci_cfg(uint16_t port, unsigned size, bool write, uint32_t *val)
{
	uint32_t addr = pci_cf8;
	uint32_t dev = (addr >> 11) & 0x1F, fn = (addr >> 8) & 7, bus = (addr >> 16) & 0xFF;
	uint32_t reg = (addr & 0xFC) + (port - 0xCFC);

	if ((addr & (1U << 31)) && bus == 0 && upcall_dev != 0 && dev == upcall_dev) {
		if (fn != 0) {
			if (!write)
				*val = 0xFFFFFFFFU;
		} else if (write) {
			vpci_upcall_cfg_write(&upcall_fn, reg, size, *val);
		} else {
			*val = vpci_upcall_cfg_read(&upcall_fn, reg, size);
		}
		return;
	}
	outl(0xCF8, addr);
	hw_pio(port, size, write, val);
}

static int sos_pio(struct vcpu *v, uint16_t port, unsigned size, bool write, uint32_t *val)
{
	if (port == 0xCF8 && size == 4) {
		if (write)
			pci_cf8 = *val;
		else
			*val = pci_cf8;
		return 0;
	}
	if (port >= 0xCFC && port <= 0xCFF) {
		spin_lock(&pci_lock);
		sos_pci_cfg(port, size, write, val);
		spin_unlock(&pci_lock);
		return 0;
	}
	if (port >= 0xCF8 && port <= 0xCFB) {
		/* Byte/word accesses: the reset control register 0xCF9 and
		 * mechanism #2 probes belong to the platform. */
		hw_pio(port, size, write, val);
		return 0;
	}
	/* The hypervisor console is invisible: reads float high, writes vanish. */
	if (!write)
		*val = 0xFFFFFFFFU;
	return 0;
}

/* Pick the highest bus-0 device number the hardware does not use. */
static uint32_t find_free_pci_slot(void)
{
	for (uint32_t dev = 31; dev > 0; dev--) {
		outl(0xCF8, (1U << 31) | (dev << 11));
		if ((inl(0xCFC) & 0xFFFF) == 0xFFFF)
			return dev;
	}
	return 0;
}

void service_vm_upcall(void)
{
	uint64_t addr;
	uint32_t data;

	/* MSI address: bits 19:12 destination, bit 2 logical mode (SDM §11.11.1). */
	if (vpci_upcall_msi(&upcall_fn, &addr, &data))
		lapic_send_fixed((uint32_t)(addr >> 12) & 0xFF, (addr & 4) != 0, (uint8_t)data);
}

#define LAPIC_REG_ICR_LO	0x300U
#define LAPIC_REG_ICR_HI	0x310U
#define ICR_MODE(lo)		(((lo) >> 8) & 7U)
#define ICR_MODE_INIT		5U
#define ICR_MODE_STARTUP	6U
#define ICR_LOGICAL		(1U << 11)
#define ICR_LEVEL_ASSERT	(1U << 14)
#define ICR_TRIGGER_LEVEL	(1U << 15)
#define ICR_SHORTHAND(lo)	(((lo) >> 18) & 3U)

/* Does the ICR (lo, hi) of the sender address this vCPU? (SDM §11.6.1) */
static bool icr_targets(const struct vcpu *sender, const struct vcpu *t, uint32_t lo, uint32_t hi)
{
	uint32_t dest = hi >> 24;

	switch (ICR_SHORTHAND(lo)) {
	case 1:
		return t == sender;
	case 2:
		return true;
	case 3:
		return t != sender;
	default:
		if (lo & ICR_LOGICAL)
			return false;	/* Linux starts CPUs by physical ID only */
		return dest == 0xFF || dest == per_cpu_data[t->pcpu].apic_id;
	}
}

/*
 * INIT and STARTUP IPIs from the Service VM (SDM §8.4.4.1, §11.6.1):
 * posted to the target vCPUs instead of the hardware.  An INIT level
 * de-assert (level trigger, level 0) only synchronises arbitration IDs.
 */
static void sos_emulate_init_sipi(struct vcpu *v, uint32_t lo)
{
	uint32_t mode = ICR_MODE(lo);

	if (mode == ICR_MODE_INIT && (lo & ICR_TRIGGER_LEVEL) && !(lo & ICR_LEVEL_ASSERT))
		return;
	for (uint32_t i = 0; i < sos->vcpu_count; i++) {
		struct vcpu *t = sos->vcpus[i];

		if (t == NULL || !icr_targets(v, t, lo, sos_icr_hi[v->id]))
			continue;
		if (mode == ICR_MODE_INIT) {
			vcpu_make_request(t, VCPU_REQ_INIT);
		} else {
			t->sipi_vector = (uint8_t)lo;
			vcpu_make_request(t, VCPU_REQ_SIPI);
		}
	}
}

/*
 * The remapping units' registers are the hypervisor's: out of the Service
 * VM's EPT (its identity map covers the low 4 GiB), so that it cannot turn
 * translation off or rewrite the tables' pointers.  Its accesses exit to
 * sos_mmio(), which answers like an absent device (vtd_regs_at()).
 */
static int unmap_vtd_registers(struct vm *vm)
{
	uint64_t base, size;
	int ret = 0;

	for (uint32_t i = 0; ret == 0 && vtd_unit_regs(i, &base, &size) == 0; i++) {
		ret = vm_unmap(vm, base, size);
		if (ret == 0)
			pr_info("remapping unit registers %#lx-%#lx not mapped for the Service VM", base,
				base + size - 1);
	}
	return ret;
}

static bool vtd_regs_at(uint64_t gpa)
{
	uint64_t base, size;

	for (uint32_t i = 0; vtd_unit_regs(i, &base, &size) == 0; i++) {
		if (gpa >= base && gpa - base < size)
			return true;
	}
	return false;
}

static int sos_mmio(struct vcpu *v, uint64_t gpa, unsigned size, bool write, uint64_t *val)
{
	uint32_t off = (uint32_t)(gpa - sos_lapic_base);
	static bool vtd_warned;

	if (vtd_regs_at(gpa)) {
		/* Reads as an absent device, writes dropped; said once. */
		if (!__atomic_exchange_n(&vtd_warned, true, __ATOMIC_RELAXED))
			pr_warn("Service VM %s remapping unit register %#lx: not allowed, ignored",
				write ? "wrote" : "read", gpa);
		if (!write)
			*val = ~0ULL;
		return 0;
	}
	if (gpa < sos_lapic_base || gpa >= sos_lapic_base + PAGE_SIZE)
		return -ENOENT;
	/* xAPIC registers are 32 bits wide at 16-byte strides (SDM §11.4.1);
	 * other accesses have undefined results: reads give 0, writes vanish. */
	if (size != 4 || (off & 0xF) != 0) {
		if (!write)
			*val = 0;
		return 0;
	}
	if (!write) {
		*val = lapic_read(off);
		return 0;
	}
	if (off == LAPIC_REG_ICR_HI) {
		sos_icr_hi[v->id] = (uint32_t)*val;
		lapic_write(off, (uint32_t)*val);
	} else if (off == LAPIC_REG_ICR_LO) {
		uint32_t lo = (uint32_t)*val, mode = ICR_MODE(lo);

		if (mode == ICR_MODE_INIT || mode == ICR_MODE_STARTUP)
			sos_emulate_init_sipi(v, lo);
		else	/* high word again: the hypervisor may have sent an IPI since */
			lapic_send_icr(sos_icr_hi[v->id] >> 24, lo);
	} else {
		lapic_write(off, (uint32_t)*val);
	}
	return 0;
}

/*
 * HLT exits so that an idle Service VM vCPU can lend its pCPU to User VMs
 * (shared scheduling).  The instruction is completed here: with User VM
 * vCPUs on the pCPU the Service VM vCPU leaves it to the scheduler, which
 * runs them or idles polling for the Service VM's next interrupt; otherwise
 * it re-enters in the HLT activity state and its next physical interrupt
 * wakes it directly.  The STI / MOV-SS blocking in force belonged to the
 * HLT and ends with it.
 */
static int sos_hlt(struct vcpu *v)
{
	vmcs_end_intr_shadow();
	/* With User VM vCPUs on the pCPU the hypervisor idles for it (sched.c). */
	if (sched_has_uos(v->pcpu))
		v->blocked |= VCPU_BLOCK_HALT;
	else
		vmcs_write(VMCS_GUEST_ACTIVITY, VCPU_ACTIVITY_HLT);
	return 0;
}

static const struct vm_ops sos_ops = {
	.pio = sos_pio,
	.mmio = sos_mmio,
	.hlt = sos_hlt,
};

static void io_intercept(struct vm *vm, uint16_t port, unsigned count)
{
	for (unsigned p = port; p < (unsigned)port + count && p <= 0xFFFF; p++)
		vm->io_bitmap[p >> 15][(p & 0x7FFF) / 8] |= (uint8_t)(1U << (p % 8));
}

static void sort_e820(void)
{
	for (uint32_t i = 1; i < sos_e820_count; i++) {
		struct boot_mem_range r = sos_e820[i];
		uint32_t j = i;

		while (j > 0 && sos_e820[j - 1].base > r.base) {
			sos_e820[j] = sos_e820[j - 1];
			j--;
		}
		sos_e820[j] = r;
	}
}

/* Identity EPT: all of the low 4 GiB and RAM above it, minus the hypervisor. */
static int build_identity_ept(struct vm *vm)
{
	uint64_t hv_start = (uint64_t)(uintptr_t)hv_image_start;
	uint64_t hv_end = (uint64_t)(uintptr_t)hv_image_end;
	uint32_t rwx = PGT_R | PGT_W | PGT_X | PGT_LARGE_OK;
	int ret;

	ret = vm_map(vm, 0, 0, hv_start, rwx | PGT_MT_UC);
	if (ret == 0)
		ret = vm_map(vm, hv_end, hv_end, (4ULL << 30) - hv_end, rwx | PGT_MT_UC);
	for (uint32_t i = 0; ret == 0 && i < sos_e820_count; i++) {
		uint64_t b = ALIGN_UP(sos_e820[i].base, PAGE_SIZE);
		uint64_t e = ALIGN_DOWN(sos_e820[i].base + sos_e820[i].len, PAGE_SIZE);

		if (sos_e820[i].type != BOOT_MEM_RAM || e <= b)
			continue;
		ret = vm_map(vm, b, b, e - b, rwx | PGT_MT_WB);
	}
	/* The LAPIC page read-only: writes exit to sos_mmio(). */
	sos_lapic_base = rdmsr(MSR_IA32_APIC_BASE) & 0xFFFFFF000ULL;
	if (ret == 0)
		ret = vm_map(vm, sos_lapic_base, sos_lapic_base, PAGE_SIZE, PGT_R | PGT_MT_UC);
	return ret;
}

static int load_kernel(const struct boot_info *bi)
{
	const struct boot_module *km = find_module(bi, false), *im = find_module(bi, true);
	const uint8_t *img = hpa2hva(km->start);
	size_t len = (size_t)(km->end - km->start);
	struct linux_image li;
	struct linux_boot_params_in in = { 0 };
	uint64_t load = (uint64_t)(uintptr_t)hv_image_end;
	size_t clen;
	int ret;

	ret = linux_parse_image(img, len, &li);
	if (ret != 0) {
		pr_err("Service VM kernel is not a usable bzImage (%d)", ret);
		return ret;
	}
	/* Load above the hypervisor and every module, kernel-aligned. */
	for (uint32_t i = 0; i < bi->mod_count; i++)
		load = MAX(load, bi->mods[i].end);
	load = ALIGN_UP(load, (uint64_t)li.kernel_alignment);
	if (load + li.init_size > (4ULL << 30)) {
		pr_err("no room below 4 GiB for the Service VM kernel");
		return -ENOMEM;
	}
	memmove(hpa2hva(load), img + li.setup_len, li.pm_len);

	clen = strnlen(km->cmdline, sizeof(km->cmdline));
	if (li.cmdline_size != 0 && clen > li.cmdline_size)
		clen = li.cmdline_size;
	memcpy(hpa2hva(SOS_CMDLINE), km->cmdline, clen);
	((char *)hpa2hva(SOS_CMDLINE))[clen] = '\0';

	in.load_addr = load;
	in.cmdline_pa = SOS_CMDLINE;
	if (im != NULL) {
		in.initrd_pa = im->start;
		in.initrd_len = im->end - im->start;
	}
	in.e820 = sos_e820;
	in.e820_count = sos_e820_count;
	ret = linux_build_zero_page(hpa2hva(SOS_ZERO_PAGE), img, &li, &in);
	if (ret != 0)
		return ret;
	sos_entry = load;
	pr_info("kernel: boot protocol %u.%02u, %lu KiB loaded at %#lx, initrd %lu KiB at %#lx",
		li.version >> 8, li.version & 0xFF, (uint64_t)li.pm_len >> 10, load,
		in.initrd_len >> 10, in.initrd_pa);
	pr_info("command line: %s", (const char *)hpa2hva(SOS_CMDLINE));
	return 0;
}

int service_vm_create(const struct boot_info *bi)
{
	const struct uart_cfg *con = console_uart();
	int ret;

	sos_e820_count = 0;
	for (uint32_t i = 0; i < bi->mmap_count && i < LINUX_E820_MAX; i++)
		sos_e820[sos_e820_count++] = bi->mmap[i];
	sort_e820();
	ret = e820_set_range(sos_e820, &sos_e820_count, LINUX_E820_MAX,
			     (uint64_t)(uintptr_t)hv_image_start, (uint64_t)(uintptr_t)hv_image_end,
			     BOOT_MEM_RESERVED);
	if (ret != 0)
		return ret;

	sos = vm_create("service-vm", &sos_ops, NULL);
	if (sos == NULL)
		return -ENOMEM;
	sos->privileged = true;
	sos->lapic_passthrough = true;
	sos->hv_tick = true;
	sos->io_bitmap[0] = page_alloc();
	sos->io_bitmap[1] = page_alloc();
	if (sos->io_bitmap[0] == NULL || sos->io_bitmap[1] == NULL || vmsr_setup_service_vm(sos) != 0)
		return -ENOMEM;
	if (!con->mmio)
		io_intercept(sos, (uint16_t)con->base, 8);
	io_intercept(sos, 0xCF8, 8);
	vpci_upcall_init(&upcall_fn);
	upcall_dev = find_free_pci_slot();
	if (upcall_dev == 0)
		pr_warn("no free PCI slot on bus 0: no upcall function");
	else
		pr_info("upcall function %04x:%04x at PCI 00:%02x.0", VPCI_UPCALL_VENDOR,
			VPCI_UPCALL_DEVICE, upcall_dev);

	ret = build_identity_ept(sos);
	if (ret != 0) {
		pr_err("cannot build the Service VM's EPT (%d)", ret);
		return ret;
	}
	ret = unmap_vtd_registers(sos);
	if (ret != 0) {
		pr_err("cannot take the remapping units' registers out of the Service VM's EPT (%d)",
		       ret);
		return ret;
	}
	/* Its devices' DMA through a domain mirroring that EPT, before anything enables VT-d. */
	ret = vtd_attach_service_vm(sos);
	if (ret != 0 && ret != -ENODEV) {
		pr_err("cannot give the Service VM's devices a DMA domain (%d)", ret);
		return ret;
	}
	ret = load_kernel(bi);
	if (ret != 0)
		return ret;

	/* A flat GDT the 32-bit entry may rely on until it loads its own. */
	uint64_t *gdt = hpa2hva(SOS_GDT);

	memset(gdt, 0, PAGE_SIZE);
	gdt[2] = 0x00CF9A000000FFFFULL;	/* 0x10: __BOOT_CS */
	gdt[3] = 0x00CF92000000FFFFULL;	/* 0x18: __BOOT_DS */
	__atomic_store_n(&sos_ready, true, __ATOMIC_RELEASE);
	return 0;
}

void service_vm_run_vcpu(void)
{
	struct vcpu_boot_state st;
	struct vcpu *v;

	while (!__atomic_load_n(&sos_ready, __ATOMIC_ACQUIRE))
		cpu_relax();
	if (this_cpu_id() == 0) {
		vcpu_boot_state_protected(&st, sos_entry);
		st.gpr[GPR_RSI] = SOS_ZERO_PAGE;
		st.gdt_base = SOS_GDT;
		st.gdt_limit = 0x1F;
	} else {
		/* Parked in HLT with interrupts off, as a CPU that has not been
		 * started yet, until Linux's emulated INIT-SIPI-SIPI reaches it. */
		vcpu_boot_state_sipi(&st, 0);
		st.activity = VCPU_ACTIVITY_HLT;
	}
	/* vCPU ids follow pCPU ids: the BSP's vCPU must be vCPU 0. */
	while (sos->vcpu_count != this_cpu_id())
		cpu_relax();
	v = vcpu_create(sos, &st);
	if (v == NULL) {
		pr_err("pcpu%u: cannot create the Service VM vCPU", this_cpu_id());
		return;
	}
	v->wait_sipi = v->id != 0;
	pr_info("pcpu%u: running Service VM vCPU %u", this_cpu_id(), v->id);
	if (v->id == 0) {
		/* Under Bochs with clock sync=none the TSC counts instructions. */
		printk(LOG_ERR, "BENCH hv_entry_to_sos_entry %lu instructions\n",
		       rdtsc() - hv_entry_tsc);
	}
	sched_loop(v);
	pr_err("Service VM vCPU %u stopped: %s", v->id, v->stop_reason);
}

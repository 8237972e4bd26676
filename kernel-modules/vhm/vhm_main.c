/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrn_vhm.ko: /dev/acrn_vhm for acrn-dm on a stock Service VM kernel.
 *
 * This file: hypervisor detection, the misc device, the ioctl table (copy
 * each argument once, validate it, hand it to the owner file) and the
 * offline_cpu sysfs attribute.  See doc/vhm.md.
 */
#define pr_fmt(fmt) "acrn_vhm: " fmt

#include <linux/cpu.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/processor.h>
#include <asm/smp.h>

#include "acrn_vhm_uapi.h"
#include "vhm.h"
#include "vhm_hypercall.h"

/*
 * The hypervisor reads the kernel copy of these UAPI structures through the
 * acrn_hc_* types of acrn_common.h: both must have one layout.
 */
#define VHM_SAME_LAYOUT(u, h) \
	static_assert(sizeof(struct u) == sizeof(struct h), #u)
#define VHM_SAME_OFFSET(u, h, f) \
	static_assert(offsetof(struct u, f) == offsetof(struct h, f), #u "." #f)

VHM_SAME_LAYOUT(acrn_vm_creation, acrn_hc_vm_creation);
VHM_SAME_OFFSET(acrn_vm_creation, acrn_hc_vm_creation, vcpu_num);
VHM_SAME_OFFSET(acrn_vm_creation, acrn_hc_vm_creation, uuid);
VHM_SAME_OFFSET(acrn_vm_creation, acrn_hc_vm_creation, vm_flag);
static_assert(ACRN_VHM_VM_FLAG_PRIO(ACRN_VHM_VM_PRIO_HIGH) == ACRN_VM_FLAG_PRIO(ACRN_VM_PRIO_HIGH) &&
	      ACRN_VHM_VM_FLAG_PRIO(ACRN_VHM_VM_PRIO_LOW) == ACRN_VM_FLAG_PRIO(ACRN_VM_PRIO_LOW) &&
	      ACRN_VHM_VM_PRIO_NORMAL == ACRN_VM_PRIO_NORMAL, "vm_flag scheduling class");
VHM_SAME_OFFSET(acrn_vm_creation, acrn_hc_vm_creation, ioreq_buf);
VHM_SAME_OFFSET(acrn_vm_creation, acrn_hc_vm_creation, cpu_affinity);
VHM_SAME_LAYOUT(acrn_vcpu_regs, acrn_hc_vcpu_regs);
VHM_SAME_OFFSET(acrn_vcpu_regs, acrn_hc_vcpu_regs, vcpu_regs);
VHM_SAME_LAYOUT(acrn_regs, acrn_hc_regs);
VHM_SAME_OFFSET(acrn_regs, acrn_hc_regs, gdt);
VHM_SAME_OFFSET(acrn_regs, acrn_hc_regs, idt);
VHM_SAME_OFFSET(acrn_regs, acrn_hc_regs, rip);
VHM_SAME_OFFSET(acrn_regs, acrn_hc_regs, rflags);
VHM_SAME_OFFSET(acrn_regs, acrn_hc_regs, cs_ar);
VHM_SAME_OFFSET(acrn_regs, acrn_hc_regs, cs_sel);
VHM_SAME_OFFSET(acrn_regs, acrn_hc_regs, tr_sel);
VHM_SAME_LAYOUT(acrn_io_request, acrn_hc_io_request);
VHM_SAME_OFFSET(acrn_io_request, acrn_hc_io_request, reqs);
VHM_SAME_OFFSET(acrn_io_request, acrn_hc_io_request, kernel_handled);
VHM_SAME_OFFSET(acrn_io_request, acrn_hc_io_request, processed);
VHM_SAME_LAYOUT(acrn_pio_request, acrn_hc_pio_request);
VHM_SAME_OFFSET(acrn_pio_request, acrn_hc_pio_request, value);
VHM_SAME_LAYOUT(acrn_pci_request, acrn_hc_pci_request);
VHM_SAME_OFFSET(acrn_pci_request, acrn_hc_pci_request, reg);
VHM_SAME_LAYOUT(acrn_mmio_request, acrn_hc_mmio_request);
VHM_SAME_OFFSET(acrn_mmio_request, acrn_hc_mmio_request, value);
VHM_SAME_LAYOUT(acrn_io_request_buffer, acrn_hc_io_request_buffer);
VHM_SAME_LAYOUT(acrn_msi_entry, acrn_hc_msi_entry);
VHM_SAME_OFFSET(acrn_msi_entry, acrn_hc_msi_entry, msi_data);
VHM_SAME_LAYOUT(acrn_ptdev_irq, acrn_hc_ptdev_irq);
VHM_SAME_OFFSET(acrn_ptdev_irq, acrn_hc_ptdev_irq, intx);
VHM_SAME_LAYOUT(acrn_pcidev, acrn_hc_pcidev);
VHM_SAME_OFFSET(acrn_pcidev, acrn_hc_pcidev, bar);
VHM_SAME_LAYOUT(acrn_cstate_data, acrn_hc_cstate_data);
VHM_SAME_OFFSET(acrn_cstate_data, acrn_hc_cstate_data, power);
VHM_SAME_LAYOUT(acrn_pstate_data, acrn_hc_pstate_data);
VHM_SAME_LAYOUT(acrn_acpi_generic_address, acrn_hc_acpi_generic_address);
static_assert(offsetof(struct acrn_vm_memmap, service_vm_pa) ==
	      offsetof(struct acrn_hc_memory_region_op, service_vm_pa));
static_assert(offsetof(struct acrn_vm_memmap, len) ==
	      offsetof(struct acrn_hc_memory_region_op, size));
static_assert(ACRN_IOREQ_STATE_PENDING == ACRN_HC_IOREQ_STATE_PENDING);
static_assert(ACRN_IOREQ_STATE_COMPLETE == ACRN_HC_IOREQ_STATE_COMPLETE);
static_assert(ACRN_IOREQ_STATE_PROCESSING == ACRN_HC_IOREQ_STATE_PROCESSING);
static_assert(ACRN_IOREQ_STATE_FREE == ACRN_HC_IOREQ_STATE_FREE);
static_assert(ACRN_IOREQ_TYPE_PCICFG == ACRN_HC_IOREQ_TYPE_PCICFG);
static_assert(ACRN_IO_REQUEST_MAX == ACRN_HC_IO_REQUEST_MAX);
static_assert(ACRN_MEM_ACCESS_RWX == ACRN_HC_MEM_ACCESS_RIGHT_MASK);
static_assert(ACRN_MEM_TYPE_MASK == ACRN_HC_MEM_TYPE_MASK);
static_assert(ACRN_PMCMD_GET_CX_DATA == ACRN_HC_PMCMD_GET_CX_DATA);
VHM_SAME_LAYOUT(acrn_vhm_hv_log, acrn_hc_hv_log);
VHM_SAME_OFFSET(acrn_vhm_hv_log, acrn_hc_hv_log, copied);
VHM_SAME_OFFSET(acrn_vhm_hv_log, acrn_hc_hv_log, head);
static_assert(ACRN_VHM_HV_LOG_READ_MAX == ACRN_HV_LOG_READ_MAX);
VHM_SAME_LAYOUT(acrn_vhm_msix_remap, acrn_hc_msix_remap);
VHM_SAME_OFFSET(acrn_vhm_msix_remap, acrn_hc_msix_remap, msi_addr);
VHM_SAME_OFFSET(acrn_vhm_msix_remap, acrn_hc_msix_remap, vector_ctl);
static_assert(ACRN_VHM_MSIX_REMAP_ENABLE == ACRN_HC_MSIX_REMAP_ENABLE &&
	      ACRN_VHM_MSIX_VECTOR_MASKED == ACRN_HC_MSIX_VECTOR_MASKED);

/* Highest GSI accepted by SET_IRQLINE: far above any virtual IOAPIC's pins. */
#define VHM_MAX_GSI	256U

/* ------------------------------------------------------------------------ */
/* Detection: CPUID leaves of acrn_hypercall.h.                             */

static bool vhm_is_acrn_service_vm(void)
{
	u32 eax, sig[3];

	if (IS_ENABLED(VHM_FAKE_HV))
		return true;
	/* Leaves 0x4000xxxx mean nothing on bare metal (SDM Vol. 2A, CPUID). */
	if (!boot_cpu_has(X86_FEATURE_HYPERVISOR))
		return false;
	cpuid(ACRN_CPUID_SIGNATURE_LEAF, &eax, &sig[0], &sig[1], &sig[2]);
	if (memcmp(sig, ACRN_CPUID_SIGNATURE, sizeof(sig)) != 0 ||
	    eax < ACRN_CPUID_FEATURES_LEAF)
		return false;
	return (cpuid_eax(ACRN_CPUID_FEATURES_LEAF) & ACRN_CPUID_FEATURE_PRIVILEGED) != 0;
}

/* ------------------------------------------------------------------------ */
/* ioctls: each handler gets a kernel copy made once; it validates it.      */

#define vhm_bad(fmt, ...) ({						\
	pr_err_ratelimited("%s: " fmt "\n", current->comm, ##__VA_ARGS__);	\
	-EINVAL; })

static bool vhm_all_zero(const void *p, size_t len)
{
	return memchr_inv(p, 0, len) == NULL;
}

static int vhm_set_vcpu_regs(struct vhm_vm *vm, struct acrn_vcpu_regs *r)
{
	const struct acrn_regs *g = &r->vcpu_regs;

	if (r->vcpu_id >= vm->vcpu_num)
		return vhm_bad("SET_VCPU_REGS: vcpu %u >= %u", r->vcpu_id, vm->vcpu_num);
	if (!vhm_all_zero(r->reserved, sizeof(r->reserved)) ||
	    !vhm_all_zero(g->reserved_64, sizeof(g->reserved_64)) ||
	    !vhm_all_zero(g->reserved_32, sizeof(g->reserved_32)) ||
	    !vhm_all_zero(g->gdt.reserved, sizeof(g->gdt.reserved)) ||
	    !vhm_all_zero(g->idt.reserved, sizeof(g->idt.reserved)))
		return vhm_bad("SET_VCPU_REGS: reserved fields not zero");
	return vhm_hc_vm_ptr(HC_SET_VCPU_REGS, vm->vmid, r);
}

/* MSI address: bits 31:20 are 0xFEE (SDM Vol. 3, 11.11.1); data is 32-bit. */
static int vhm_inject_msi(struct vhm_vm *vm, const struct acrn_msi_entry *m)
{
	if ((m->msi_addr & 0xFFF00000ULL) != 0xFEE00000ULL || (m->msi_addr >> 32) != 0 ||
	    (m->msi_data >> 32) != 0)
		return vhm_bad("INJECT_MSI: bad address %#llx / data %#llx",
			       m->msi_addr, m->msi_data);
	return vhm_hc_inject_msi(vm->vmid, m->msi_addr, m->msi_data);
}

static int vhm_set_irqline(struct vhm_vm *vm, u64 arg)
{
	u32 gsi = lower_32_bits(arg), op = upper_32_bits(arg);

	if (op > ACRN_HC_IRQLINE_FALLING_PULSE || gsi >= VHM_MAX_GSI)
		return vhm_bad("SET_IRQLINE: gsi %u op %u", gsi, op);
	return vhm_hc_set_irqline(vm->vmid, arg);
}

/* The monitor buffer stays pinned until replaced or the VM goes away. */
static int vhm_intr_monitor(struct vhm_vm *vm, unsigned long uaddr)
{
	struct page *page;
	int ret;

	if (!PAGE_ALIGNED(uaddr) || uaddr == 0)
		return vhm_bad("VM_INTR_MONITOR: buffer %#lx not page aligned", uaddr);
	ret = vhm_mm_pin_one(uaddr, &page);
	if (ret)
		return ret;
	ret = vhm_hc_intr_monitor(vm->vmid, page_to_phys(page));
	if (ret) {
		unpin_user_page(page);
		return ret;
	}
	if (vm->intr_page)
		unpin_user_pages_dirty_lock(&vm->intr_page, 1, true);
	vm->intr_page = page;
	return 0;
}

static int vhm_ptdev_intr(struct vhm_vm *vm, bool set, struct acrn_ptdev_irq *p)
{
	if (p->type > ACRN_PTDEV_IRQ_MSIX || p->intx.is_pic_pin > 1 ||
	    (p->type == ACRN_PTDEV_IRQ_INTX &&
	     (p->intx.virt_pin >= VHM_MAX_GSI || p->intx.phys_pin >= VHM_MAX_GSI)))
		return vhm_bad("PTDEV_INTR: type %u pins %u/%u", p->type,
			       p->intx.virt_pin, p->intx.phys_pin);
	return set ? vhm_ptdev_intx_set(vm, p) : vhm_ptdev_intx_reset(vm, p);
}

static int vhm_pcidev(struct vhm_vm *vm, unsigned long id, struct acrn_pcidev *p)
{
	/* Interrupt pin: 0 none, 1..4 INTA#..INTD# (PCI Local Bus spec 6.2.4). */
	if ((p->type & ~ACRN_PTDEV_QUIRK_ASSIGN) != 0 || p->intr_pin > 4)
		return vhm_bad("PCIDEV: type %#x pin %u", p->type, p->intr_pin);
	return vhm_hc_vm_ptr(id, vm->vmid, p);
}

/*
 * VM_PCI_MSIX_REMAP: the structure goes in and comes back with the physical
 * message.  The hypervisor validates it completely; the obvious nonsense is
 * refused here with a reason in the kernel log.
 */
static long vhm_msix_remap(struct vhm_vm *vm, void __user *uarg)
{
	struct acrn_vhm_msix_remap *k;
	long ret;

	k = memdup_user(uarg, sizeof(*k));
	if (IS_ERR(k))
		return PTR_ERR(k);
	if ((k->msix != 0 && k->msix != 1) || k->reserved ||
	    (k->msi_ctl & ~ACRN_VHM_MSIX_REMAP_ENABLE)) {
		ret = vhm_bad("VM_PCI_MSIX_REMAP: msix %d control %#x", k->msix, k->msi_ctl);
		goto out;
	}
	ret = vhm_hc_vm_ptr(HC_VM_PCI_MSIX_REMAP, vm->vmid, k);
	if (ret == 0 && copy_to_user(uarg, k, sizeof(*k)))
		ret = -EFAULT;
out:
	kfree(k);
	return ret;
}

/* PM_GET_CPU_STATE: the same user u64 holds the command in and the result out. */
static long vhm_pm_get_cpu_state(void __user *uarg)
{
	u64 cmd;
	size_t len;
	void *buf;
	long ret;

	if (copy_from_user(&cmd, uarg, sizeof(cmd)))
		return -EFAULT;
	switch (cmd & PMCMD_TYPE_MASK) {
	case ACRN_PMCMD_GET_PX_CNT:
	case ACRN_PMCMD_GET_CX_CNT:
		len = sizeof(u64);
		break;
	case ACRN_PMCMD_GET_PX_DATA:
		len = sizeof(struct acrn_pstate_data);
		break;
	case ACRN_PMCMD_GET_CX_DATA:
		len = sizeof(struct acrn_cstate_data);
		break;
	default:
		return vhm_bad("PM_GET_CPU_STATE: command %#llx", cmd);
	}
	if (upper_32_bits(cmd) != 0)
		return vhm_bad("PM_GET_CPU_STATE: command %#llx", cmd);
	buf = kzalloc(len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = vhm_hc_pm_get_cpu_state(cmd, buf);
	if (ret == 0 && copy_to_user(uarg, buf, len))
		ret = -EFAULT;
	kfree(buf);
	return ret;
}

/*
 * ACRN_VHM_IOCTL_GET_HV_LOG: the hypervisor writes into a kernel bounce
 * buffer (it takes physical addresses), which is then copied to the user's.
 * The length is capped here, so the hypervisor never sees more than its
 * maximum, and a result claiming more than was asked for is not trusted.
 */
static long vhm_get_hv_log(void __user *uarg)
{
	struct acrn_vhm_hv_log req;
	struct acrn_hc_hv_log *hc;
	void __user *ubuf;
	char *kbuf = NULL;
	u32 len;
	long ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	len = min_t(u32, req.len, ACRN_VHM_HV_LOG_READ_MAX);
	ubuf = u64_to_user_ptr(req.buf);
	if (len && !access_ok(ubuf, len))
		return -EFAULT;
	hc = kzalloc(sizeof(*hc), GFP_KERNEL);
	if (len)
		kbuf = kmalloc(len, GFP_KERNEL);
	if (!hc || (len && !kbuf)) {
		ret = -ENOMEM;
		goto out;
	}
	hc->pos = req.pos;
	hc->buf = kbuf ? virt_to_phys(kbuf) : 0;
	hc->len = len;
	ret = vhm_hc_get_hv_log(hc);
	if (ret)
		goto out;
	if (hc->copied > len || hc->next > hc->head) {
		pr_err_ratelimited("GET_HV_LOG: hypervisor returned %u bytes for %u\n",
				   hc->copied, len);
		ret = -EIO;
		goto out;
	}
	req.copied = hc->copied;
	req.next = hc->next;
	req.lost = hc->lost;
	req.head = hc->head;
	if (copy_to_user(ubuf, kbuf, req.copied) || copy_to_user(uarg, &req, sizeof(req)))
		ret = -EFAULT;
out:
	kfree(kbuf);
	kfree(hc);
	return ret;
}

static long vhm_create_vm_ioctl(struct vhm_vm *vm, void __user *uarg)
{
	struct acrn_vm_creation cv;
	long ret;

	if (copy_from_user(&cv, uarg, sizeof(cv)))
		return -EFAULT;
	if (cv.reserved0 || cv.reserved1)
		return vhm_bad("CREATE_VM: reserved fields not zero");
	ret = vhm_vm_create(vm, &cv);
	if (ret == 0 && copy_to_user(uarg, &cv, sizeof(cv))) {
		vhm_vm_destroy(vm);
		ret = -EFAULT;
	}
	return ret;
}

/* ioctls that carry one fixed-size structure, copied once into kmalloc'ed memory. */
static long vhm_struct_ioctl(struct vhm_vm *vm, unsigned int cmd, void *k)
{
	switch (cmd) {
	case ACRN_IOCTL_SET_VCPU_REGS:
		return vhm_set_vcpu_regs(vm, k);
	case ACRN_IOCTL_INJECT_MSI:
		return vhm_inject_msi(vm, k);
	case ACRN_IOCTL_SET_MEMSEG:
		return vhm_mm_set_memseg(vm, k);
	case ACRN_IOCTL_UNSET_MEMSEG:
		return vhm_mm_unset_memseg(vm, k);
	case ACRN_IOCTL_SET_PTDEV_INTR:
		return vhm_ptdev_intr(vm, true, k);
	case ACRN_IOCTL_RESET_PTDEV_INTR:
		return vhm_ptdev_intr(vm, false, k);
	case ACRN_IOCTL_ASSIGN_PCIDEV:
		return vhm_pcidev(vm, HC_ASSIGN_PCIDEV, k);
	case ACRN_IOCTL_DEASSIGN_PCIDEV:
		return vhm_pcidev(vm, HC_DEASSIGN_PCIDEV, k);
	case ACRN_IOCTL_IOEVENTFD:
		return vhm_ioeventfd_config(vm, k);
	case ACRN_IOCTL_IRQFD:
		return vhm_irqfd_config(vm, k);
	case ACRN_IOCTL_NOTIFY_REQUEST_FINISH: {
		const struct acrn_ioreq_notify *n = k;

		if (n->vmid != vm->vmid || n->reserved)
			return vhm_bad("NOTIFY_REQUEST_FINISH: vmid %u (mine %u)", n->vmid, vm->vmid);
		return vhm_ioreq_notify_finish(vm, n->vcpu);
	}
	}
	return -ENOTTY;
}

static bool vhm_is_struct_ioctl(unsigned int cmd)
{
	switch (cmd) {
	case ACRN_IOCTL_SET_VCPU_REGS: case ACRN_IOCTL_INJECT_MSI:
	case ACRN_IOCTL_SET_MEMSEG: case ACRN_IOCTL_UNSET_MEMSEG:
	case ACRN_IOCTL_SET_PTDEV_INTR: case ACRN_IOCTL_RESET_PTDEV_INTR:
	case ACRN_IOCTL_ASSIGN_PCIDEV: case ACRN_IOCTL_DEASSIGN_PCIDEV:
	case ACRN_IOCTL_IOEVENTFD: case ACRN_IOCTL_IRQFD:
	case ACRN_IOCTL_NOTIFY_REQUEST_FINISH:
		return true;
	}
	return false;
}

/* ioctls on a created VM; vm->lock held. */
static long vhm_vm_ioctl(struct vhm_vm *vm, unsigned int cmd, unsigned long arg)
{
	void *k;
	long ret;

	if (vhm_is_struct_ioctl(cmd)) {
		k = memdup_user((void __user *)arg, _IOC_SIZE(cmd));
		if (IS_ERR(k))
			return PTR_ERR(k);
		ret = vhm_struct_ioctl(vm, cmd, k);
		kfree(k);
		return ret;
	}
	switch (cmd) {
	case ACRN_IOCTL_DESTROY_VM:
		return vhm_vm_destroy(vm);
	case ACRN_IOCTL_START_VM:
		return vhm_hc_start_vm(vm->vmid);
	case ACRN_IOCTL_PAUSE_VM:
		return vhm_hc_pause_vm(vm->vmid);
	case ACRN_IOCTL_RESET_VM:
		ret = vhm_hc_reset_vm(vm->vmid);
		if (ret == 0)
			WRITE_ONCE(vm->pci_cf8, 0);	/* CONFIG_ADDRESS resets to 0 */
		return ret;
	case ACRN_IOCTL_SET_IRQLINE:
		return vhm_set_irqline(vm, arg);
	case ACRN_IOCTL_VM_INTR_MONITOR:
		return vhm_intr_monitor(vm, arg);
	case ACRN_IOCTL_CREATE_IOREQ_CLIENT:
		return vhm_ioreq_create_client(vm);
	case ACRN_IOCTL_DESTROY_IOREQ_CLIENT:
		vhm_ioreq_destroy_client(vm);
		return 0;
	case ACRN_IOCTL_CLEAR_VM_IOREQ:
		return vhm_ioreq_clear(vm);
	case ACRN_VHM_IOCTL_VM_PCI_MSIX_REMAP:
		return vhm_msix_remap(vm, (void __user *)arg);
	}
	return -ENOTTY;
}

static long vhm_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct vhm_vm *vm = file->private_data;
	long ret;

	/* None needs the VM lock: two have no VM, the other blocks. */
	if (cmd == ACRN_IOCTL_PM_GET_CPU_STATE)
		return vhm_pm_get_cpu_state((void __user *)arg);
	if (cmd == ACRN_VHM_IOCTL_GET_HV_LOG)
		return vhm_get_hv_log((void __user *)arg);
	if (cmd == ACRN_IOCTL_ATTACH_IOREQ_CLIENT)
		return vhm_ioreq_attach_client(vm);

	mutex_lock(&vm->lock);
	if (cmd == ACRN_IOCTL_CREATE_VM)
		ret = vm->created ? -EEXIST : vhm_create_vm_ioctl(vm, (void __user *)arg);
	else if (!vm->created)
		ret = -ENODEV;
	else
		ret = vhm_vm_ioctl(vm, cmd, arg);
	mutex_unlock(&vm->lock);
	return ret;
}

static int vhm_open(struct inode *inode, struct file *file)
{
	struct vhm_vm *vm;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	vm = vhm_vm_alloc();
	if (!vm)
		return -ENOMEM;
	file->private_data = vm;
	return 0;
}

static int vhm_release(struct inode *inode, struct file *file)
{
	vhm_vm_free(file->private_data);
	return 0;
}

/*
 * mmap of offset 0, one page: the kernel-allocated IOREQ page, for a device
 * model that passed ioreq_buf = 0 to CREATE_VM.
 */
static int vhm_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct vhm_vm *vm = file->private_data;
	int ret = -ENODEV;

	if (vma->vm_pgoff != 0 || vma->vm_end - vma->vm_start != PAGE_SIZE)
		return -EINVAL;
	mutex_lock(&vm->lock);
	if (vm->created && vm->ioreq_page && !vm->ioreq_pinned)
		ret = vm_insert_page(vma, vma->vm_start, vm->ioreq_page);
	mutex_unlock(&vm->lock);
	return ret;
}

static const struct file_operations vhm_fops = {
	.owner = THIS_MODULE,
	.open = vhm_open,
	.release = vhm_release,
	.unlocked_ioctl = vhm_ioctl,
	.mmap = vhm_mmap,
	.llseek = noop_llseek,
};

/* ------------------------------------------------------------------------ */
/* sysfs: offline_cpu hands a Service VM CPU back to the hypervisor.        */

static ssize_t offline_cpu_store(struct device *dev, struct device_attribute *attr,
				 const char *buf, size_t count)
{
	unsigned int cpu;
	u32 apicid;
	long ret;

	if (kstrtouint(buf, 0, &cpu) || cpu >= nr_cpu_ids || !cpu_possible(cpu)) {
		pr_err_ratelimited("offline_cpu: bad CPU number\n");
		return -EINVAL;
	}
	apicid = per_cpu(x86_cpu_to_apicid, cpu);
	ret = remove_cpu(cpu);
	if (ret)
		return ret;
	ret = vhm_hc_offline_cpu(apicid);
	if (ret) {
		pr_err("offline_cpu: hypervisor refused CPU %u (APIC id %u): %ld\n",
		       cpu, apicid, ret);
		return ret;
	}
	return count;
}
static DEVICE_ATTR_WO(offline_cpu);

static struct attribute *vhm_attrs[] = {
	&dev_attr_offline_cpu.attr,
	NULL,
};
ATTRIBUTE_GROUPS(vhm);

static struct miscdevice vhm_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = VHM_NAME,
	.fops = &vhm_fops,
	.groups = vhm_groups,
	.mode = 0600,
};

/* ------------------------------------------------------------------------ */

static int __init vhm_init(void)
{
	struct acrn_hc_api_version ver = { 0 };
	int ret;

#ifdef VHM_FAKE_HV
	vhm_fake_init();
#endif
	if (!vhm_is_acrn_service_vm()) {
		pr_err("not running as the ACRN Service VM (CPUID 0x40000000/1)\n");
		return -ENODEV;
	}
	ret = vhm_hc_get_api_version(&ver);
	if (ret || ver.major != ACRN_API_MAJOR) {
		pr_err("hypervisor API %u.%u (hypercall %d), need %u.x\n",
		       ver.major, ver.minor, ret, ACRN_API_MAJOR);
		return -ENODEV;
	}
	ret = vhm_ioreq_init();
	if (ret)
		return ret;
	ret = vhm_upcall_init();
	if (ret)
		goto err_ioreq;
	ret = misc_register(&vhm_miscdev);
	if (ret)
		goto err_upcall;
	pr_info("hypervisor API %u.%u, /dev/%s ready\n", ver.major, ver.minor, VHM_NAME);
	return 0;

err_upcall:
	vhm_upcall_exit();
err_ioreq:
	vhm_ioreq_exit();
#ifdef VHM_FAKE_HV
	vhm_fake_exit();
#endif
	return ret;
}

static void __exit vhm_exit(void)
{
	/* No file is open: each holds a module reference through vhm_fops.owner. */
	misc_deregister(&vhm_miscdev);
	vhm_upcall_exit();
	vhm_ioreq_exit();
#ifdef VHM_FAKE_HV
	vhm_fake_exit();
#endif
}

module_init(vhm_init);
module_exit(vhm_exit);
MODULE_DESCRIPTION("ACRN Virtio and Hypervisor Service Module (/dev/acrn_vhm)");
MODULE_LICENSE("Dual BSD/GPL");

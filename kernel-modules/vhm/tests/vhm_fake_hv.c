/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TEST BUILD ONLY (make VHM_FAKE_HV=1): a fake hypervisor behind
 * vhm_hcall(), so the module's ioctl, pinning, IOREQ and teardown paths run
 * in QEMU without VMX.  It keeps one VM's state, answers the hypercalls the
 * way the real one must (reading parameters from the physical addresses it is
 * given), and offers debugfs files:
 *   acrn_vhm_fake/inject  "vcpu type dir addr size value": put a PENDING
 *                         request into that slot and raise the upcall;
 *   acrn_vhm_fake/stats   counters, one "key value" per line;
 *   acrn_vhm_fake/log     what is written is appended to the fake's log
 *                         ring (FAKE_LOG_SIZE bytes), read by HC_GET_HV_LOG.
 * The upcall: when QEMU's "edu" device (1234:11e8) is present and bound to
 * the module (new_id), the fake raises its MSI (write to BAR0 + 0x60), so the
 * real PCI upcall path runs; otherwise it kicks the dispatch directly.
 */
#define pr_fmt(fmt) "acrn_vhm_fake: " fmt

#include <linux/debugfs.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/uaccess.h>

#include "vhm.h"
#include "vhm_hypercall.h"

static struct {
	struct acrn_hc_io_request_buffer *ioreq;
	u16 next_vmid;
	u64 created, destroyed, ioreq_set, vcpu_regs, irqline_last;
	u64 notify_count, notify_last_vcpu, notify_last_state;
	u64 msi_count, msi_last_addr, msi_last_data;
	long long msi_last_tid;		/* the task that made the hypercall, -1 for an interrupt */
	u64 notify_last_hardirq;	/* the last NOTIFY_REQUEST_FINISH came from a hard IRQ */
	u64 add_pages, add_regions, del_ops, batches;
	unsigned long first_pfn;	/* first page of the last RAM ADD */
	unsigned long ioreq_pfn;
} fake;

/* The log ring: positions count the bytes ever appended (acrn_common.h). */
#define FAKE_LOG_SIZE	8192U
static char fake_log[FAKE_LOG_SIZE];
static u64 fake_log_head, fake_log_calls, fake_log_max_len;

static DEFINE_SPINLOCK(fake_lock);
static struct dentry *fake_dir;
static struct pci_dev *fake_edu;
static void __iomem *fake_edu_bar;
static u64 fake_msi_raised;

#define EDU_IRQ_RAISE	0x60

/* Raise the upcall through the edu device's MSI once a driver enabled it. */
static void fake_upcall(void)
{
	if (!fake_edu) {
		fake_edu = pci_get_device(0x1234, 0x11e8, NULL);
		if (fake_edu)
			fake_edu_bar = pci_iomap(fake_edu, 0, 0);
	}
	if (fake_edu_bar && fake_edu->msi_enabled) {
		iowrite32(1, fake_edu_bar + EDU_IRQ_RAISE);
		fake_msi_raised++;
		return;
	}
	vhm_ioreq_kick();
}

static void *fake_va(unsigned long pa)
{
	return phys_to_virt(pa);
}

static long fake_regions(unsigned long pa)
{
	struct acrn_hc_memory_region_batch *b = fake_va(pa);
	struct acrn_hc_memory_region_op *r;
	u32 i;

	if (b->regions_num == 0 || b->regions_num > ACRN_HC_MAX_REGIONS_PER_BATCH)
		return -EINVAL;
	r = fake_va(b->regions_gpa);
	fake.batches++;
	for (i = 0; i < b->regions_num; i++) {
		if (!PAGE_ALIGNED(r[i].size) || !PAGE_ALIGNED(r[i].user_vm_pa))
			return -EINVAL;
		if (r[i].type == ACRN_HC_MEM_REGION_DEL) {
			fake.del_ops++;
			continue;
		}
		if (!pfn_valid(PHYS_PFN(r[i].service_vm_pa)))
			continue;	/* MMIO */
		if (r[i].user_vm_pa == 0 || fake.add_regions == 0)
			fake.first_pfn = PHYS_PFN(r[i].service_vm_pa);
		fake.add_pages += r[i].size >> PAGE_SHIFT;
		fake.add_regions++;
	}
	return 0;
}

static long fake_notify(unsigned long vcpu)
{
	struct acrn_hc_io_request *slot;

	if (!fake.ioreq || vcpu >= ACRN_HC_IO_REQUEST_MAX)
		return -EINVAL;
	slot = &fake.ioreq->req_slot[vcpu];
	fake.notify_count++;
	fake.notify_last_vcpu = vcpu;
	fake.notify_last_state = smp_load_acquire(&slot->processed);
	fake.notify_last_hardirq = !!in_hardirq();
	/* The hypervisor resumes the vCPU and frees the slot. */
	smp_store_release(&slot->processed, ACRN_HC_IOREQ_STATE_FREE);
	return 0;
}

/* HC_GET_HV_LOG with the hypervisor's contract (common/log_hc.c). */
static long fake_get_hv_log(unsigned long pa)
{
	struct acrn_hc_hv_log *p = fake_va(pa);
	u64 oldest = fake_log_head > FAKE_LOG_SIZE ? fake_log_head - FAKE_LOG_SIZE : 0;
	u64 start, n, i;
	char *out;

	fake_log_calls++;
	fake_log_max_len = max_t(u64, fake_log_max_len, p->len);
	n = min_t(u64, p->len, ACRN_HV_LOG_READ_MAX);
	if (n && (!pfn_valid(PHYS_PFN(p->buf)) || !pfn_valid(PHYS_PFN(p->buf + n - 1))))
		return -EINVAL;
	if (p->pos > fake_log_head)
		return -EINVAL;
	start = max(p->pos, oldest);
	n = min(n, fake_log_head - start);
	out = n ? fake_va(p->buf) : NULL;
	for (i = 0; i < n; i++)
		out[i] = fake_log[(start + i) % FAKE_LOG_SIZE];
	p->copied = n;
	p->next = start + n;
	p->lost = start - p->pos;
	p->head = fake_log_head;
	return 0;
}

static long fake_vm_hcall(unsigned long id, unsigned long a0, unsigned long a1)
{
	struct acrn_hc_vm_creation *cv;
	struct acrn_hc_msi_entry *msi;

	switch (id) {
	case HC_CREATE_VM:
		cv = fake_va(a0);
		if (!pfn_valid(PHYS_PFN(cv->ioreq_buf)))
			return -EINVAL;
		cv->vmid = ++fake.next_vmid;
		cv->vcpu_num = 4;
		fake.created++;
		return 0;
	case HC_SET_IOREQ_BUFFER:
		fake.ioreq_pfn = PHYS_PFN(*(u64 *)fake_va(a1));
		fake.ioreq = fake_va(*(u64 *)fake_va(a1));
		fake.ioreq_set++;
		return 0;
	case HC_DESTROY_VM:
		fake.ioreq = NULL;
		fake.destroyed++;
		return 0;
	case HC_NOTIFY_REQUEST_FINISH:
		return fake_notify(a1);
	case HC_VM_SET_MEMORY_REGIONS:
		return fake_regions(a0);
	case HC_INJECT_MSI:
		msi = fake_va(a1);
		fake.msi_count++;
		fake.msi_last_addr = msi->msi_addr;
		fake.msi_last_data = msi->msi_data;
		fake.msi_last_tid = in_task() ? task_pid_nr(current) : -1;
		return 0;
	case HC_SET_IRQLINE:
		fake.irqline_last = a1;
		return 0;
	case HC_SET_VCPU_REGS:
		fake.vcpu_regs++;
		return 0;
	case HC_GET_HV_LOG:
		return fake_get_hv_log(a0);
	}
	return 0;
}

long vhm_fake_hcall(unsigned long id, unsigned long a0, unsigned long a1)
{
	struct acrn_hc_api_version *ver;
	unsigned long flags;
	long ret;

	if (id == HC_GET_API_VERSION) {
		ver = fake_va(a0);
		ver->major = ACRN_API_MAJOR;
		ver->minor = ACRN_API_MINOR;
		return 0;
	}
	if (id == HC_PM_GET_CPU_STATE) {
		*(u64 *)fake_va(a1) = 0x1234;
		return 0;
	}
	spin_lock_irqsave(&fake_lock, flags);
	ret = fake_vm_hcall(id, a0, a1);
	spin_unlock_irqrestore(&fake_lock, flags);
	return ret;
}

static ssize_t fake_inject_write(struct file *f, const char __user *ubuf, size_t len, loff_t *off)
{
	struct acrn_hc_io_request *slot;
	u32 vcpu, type, dir;
	u64 addr, size, value;
	char buf[128];

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	if (sscanf(buf, "%u %u %u %llx %llu %llx", &vcpu, &type, &dir, &addr, &size, &value) != 6 ||
	    vcpu >= ACRN_HC_IO_REQUEST_MAX || !fake.ioreq)
		return -EINVAL;
	slot = &fake.ioreq->req_slot[vcpu];
	memset(slot, 0, offsetof(struct acrn_hc_io_request, processed));
	slot->type = type;
	if (type == ACRN_HC_IOREQ_TYPE_MMIO) {
		slot->reqs.mmio_request.direction = dir;
		slot->reqs.mmio_request.address = addr;
		slot->reqs.mmio_request.size = size;
		slot->reqs.mmio_request.value = value;
	} else {
		slot->reqs.pio_request.direction = dir;
		slot->reqs.pio_request.address = addr;
		slot->reqs.pio_request.size = size;
		slot->reqs.pio_request.value = value;
	}
	smp_store_release(&slot->processed, ACRN_HC_IOREQ_STATE_PENDING);
	fake_upcall();
	return len;
}

static ssize_t fake_log_write(struct file *f, const char __user *ubuf, size_t len, loff_t *off)
{
	char buf[256];
	unsigned long flags;
	size_t i;

	if (len > sizeof(buf))
		len = sizeof(buf);
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	spin_lock_irqsave(&fake_lock, flags);
	for (i = 0; i < len; i++)
		fake_log[(fake_log_head + i) % FAKE_LOG_SIZE] = buf[i];
	fake_log_head += len;
	spin_unlock_irqrestore(&fake_lock, flags);
	return len;
}

static int fake_stats_show(struct seq_file *s, void *unused)
{
	seq_printf(s, "created %llu\ndestroyed %llu\nioreq_set %llu\nvcpu_regs %llu\n",
		   fake.created, fake.destroyed, fake.ioreq_set, fake.vcpu_regs);
	seq_printf(s, "irqline_last %llx\nnotify_count %llu\nnotify_last_vcpu %llu\n",
		   fake.irqline_last, fake.notify_count, fake.notify_last_vcpu);
	seq_printf(s, "notify_last_state %llu\nmsi_count %llu\nmsi_last_addr %llx\n",
		   fake.notify_last_state, fake.msi_count, fake.msi_last_addr);
	seq_printf(s, "msi_last_tid %lld\nnotify_last_hardirq %llu\n", fake.msi_last_tid,
		   fake.notify_last_hardirq);
	seq_printf(s, "msi_last_data %llx\nadd_pages %llu\nadd_regions %llu\ndel_ops %llu\n",
		   fake.msi_last_data, fake.add_pages, fake.add_regions, fake.del_ops);
	seq_printf(s, "batches %llu\nupcall_msi %llu\n", fake.batches, fake_msi_raised);
	seq_printf(s, "ram_pinned %d\n", fake.first_pfn &&
		   page_maybe_dma_pinned(pfn_to_page(fake.first_pfn)));
	seq_printf(s, "log_head %llu\nlog_calls %llu\nlog_max_len %llu\n",
		   fake_log_head, fake_log_calls, fake_log_max_len);
	seq_printf(s, "ioreq_pinned %d\n", fake.ioreq_pfn &&
		   page_maybe_dma_pinned(pfn_to_page(fake.ioreq_pfn)));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(fake_stats);

static const struct file_operations fake_inject_fops = {
	.owner = THIS_MODULE,
	.write = fake_inject_write,
};

static const struct file_operations fake_log_fops = {
	.owner = THIS_MODULE,
	.write = fake_log_write,
};

void vhm_fake_init(void)
{
	pr_warn("TEST BUILD: fake hypervisor, no VMCALL is issued\n");
	fake_dir = debugfs_create_dir("acrn_vhm_fake", NULL);
	debugfs_create_file("inject", 0200, fake_dir, NULL, &fake_inject_fops);
	debugfs_create_file("stats", 0400, fake_dir, NULL, &fake_stats_fops);
	debugfs_create_file("log", 0200, fake_dir, NULL, &fake_log_fops);
}

void vhm_fake_exit(void)
{
	debugfs_remove_recursive(fake_dir);
	if (fake_edu_bar)
		pci_iounmap(fake_edu, fake_edu_bar);
	pci_dev_put(fake_edu);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HC_GET_HV_LOG: the Service VM reads the log buffer (acrnlog).
 *
 * The parameter structure is copied in once and only the copy is used.  The
 * destination must be Service VM RAM (service_vm_ram_ok(), as for the IOREQ
 * page) and is written through the caller's EPT (vm_copy_to_gpa()), so the
 * call can neither reach hypervisor memory nor a device's MMIO.  The bytes go
 * through a bounce buffer: the log lock is never held while guest memory is
 * written, so a fault or a printk() on that path cannot deadlock.
 */
#define pr_fmt(fmt) "hcall: " fmt
#include <common/log.h>
#include <common/service_vm.h>
#include <common/vm.h>
#include <arch/x86/spinlock.h>
#include <public/acrn_common.h>
#include <lib/errno.h>

static char bounce[ACRN_HV_LOG_READ_MAX];
static spinlock_t bounce_lock = SPINLOCK_INIT;

int64_t hc_get_hv_log(struct vcpu *caller, uint64_t param_gpa)
{
	struct acrn_hc_hv_log p;
	struct logring_span span;
	uint32_t len;
	int ret;

	if (vm_copy_from_gpa(caller->vm, &p, param_gpa, sizeof(p)) != 0)
		return -EFAULT;
	len = p.len < ACRN_HV_LOG_READ_MAX ? p.len : ACRN_HV_LOG_READ_MAX;
	if (len > 0 && !service_vm_ram_ok(p.buf, len))
		return -EINVAL;
	spin_lock(&bounce_lock);
	ret = log_read_at(p.pos, bounce, len, &span);
	if (ret == 0 && span.copied > 0 &&
	    vm_copy_to_gpa(caller->vm, p.buf, bounce, span.copied) != 0)
		ret = -EFAULT;
	spin_unlock(&bounce_lock);
	if (ret != 0)
		return ret;
	p.copied = (uint32_t)span.copied;
	p.next = span.next;
	p.lost = span.lost;
	p.head = span.head;
	if (vm_copy_to_gpa(caller->vm, param_gpa, &p, sizeof(p)) != 0)
		return -EFAULT;
	return 0;
}

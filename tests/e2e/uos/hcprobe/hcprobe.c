/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hcprobe: issue one raw ACRN hypercall from ring 0 of the Service VM, for
 * the negative checks of the uos-minimal scenario (a hypercall whose GPA
 * points at hypervisor memory, an IOREQ buffer outside Service VM RAM, ...).
 *
 *   echo "ID ARG0 ARG1" > /proc/hcprobe    # VMCALL: R8 = ID, RDI = ARG0, RSI = ARG1
 *   cat /proc/hcprobe                       # "ret R buf B": RAX as a signed number,
 *                                           # B the first u64 of the @ buffer after the call
 *
 * Numbers take a 0x prefix for hex.  An argument "@V" is the physical address
 * of a zeroed kernel page whose first u64 is V (a parameter structure such as
 * struct acrn_hc_ioreq_buffer); "@@" is that page holding the physical address
 * of a second zeroed page of Service VM RAM owned by the module (a valid IOREQ
 * buffer, the positive control); only one argument may use "@".  The module
 * refuses to load unless CPUID says it runs on ACRN (a VMCALL elsewhere #UDs).
 * Test build only: never load it on a production Service VM.
 */
#define pr_fmt(fmt) "hcprobe: " fmt

#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/processor.h>

#define HCPROBE_CMD_MAX	128

static DEFINE_MUTEX(hcprobe_lock);
static long hcprobe_ret;
static u64 hcprobe_buf0;
static unsigned long hcprobe_page;	/* the "@" parameter page */
static unsigned long hcprobe_target;	/* "@@": a page of RAM, never freed (a VM may use it) */

static long hcprobe_vmcall(unsigned long id, unsigned long a0, unsigned long a1)
{
	register unsigned long r8 asm("r8") = id;
	long ret;

	asm volatile("vmcall" : "=a"(ret) : "r"(r8), "D"(a0), "S"(a1) : "memory");
	return ret;
}

/* One argument: a number, or "@V" for the parameter page holding V. */
static int hcprobe_arg(char *tok, unsigned long *val, bool *used_page)
{
	u64 v;

	if (tok[0] == '@') {
		if (*used_page)
			return -EINVAL;
		if (strcmp(tok, "@@") == 0)
			v = virt_to_phys((void *)hcprobe_target);
		else if (kstrtou64(tok + 1, 0, &v))
			return -EINVAL;
		*used_page = true;
		memset((void *)hcprobe_page, 0, PAGE_SIZE);
		*(u64 *)hcprobe_page = v;
		*val = virt_to_phys((void *)hcprobe_page);
		return 0;
	}
	if (kstrtou64(tok, 0, &v))
		return -EINVAL;
	*val = v;
	return 0;
}

static ssize_t hcprobe_write(struct file *file, const char __user *ubuf, size_t len, loff_t *off)
{
	char buf[HCPROBE_CMD_MAX], *p, *tok[3];
	unsigned long v[3];
	bool used_page = false;
	int i, ret;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	p = strim(buf);
	for (i = 0; i < 3; i++) {
		tok[i] = strsep(&p, " \t");
		if (!tok[i] || !*tok[i])
			return -EINVAL;
	}
	if (p && *skip_spaces(p))
		return -EINVAL;
	mutex_lock(&hcprobe_lock);
	for (i = 0, ret = 0; i < 3 && ret == 0; i++)
		ret = hcprobe_arg(tok[i], &v[i], &used_page);
	if (ret == 0) {
		hcprobe_ret = hcprobe_vmcall(v[0], v[1], v[2]);
		hcprobe_buf0 = used_page ? *(u64 *)hcprobe_page : 0;
		pr_info("hypercall %#lx (%#lx, %#lx) = %ld\n", v[0], v[1], v[2], hcprobe_ret);
	}
	mutex_unlock(&hcprobe_lock);
	return ret ? ret : (ssize_t)len;
}

static int hcprobe_show(struct seq_file *s, void *unused)
{
	mutex_lock(&hcprobe_lock);
	seq_printf(s, "ret %ld buf %#llx\n", hcprobe_ret, hcprobe_buf0);
	mutex_unlock(&hcprobe_lock);
	return 0;
}

static int hcprobe_open(struct inode *inode, struct file *file)
{
	return single_open(file, hcprobe_show, NULL);
}

static const struct proc_ops hcprobe_fops = {
	.proc_open = hcprobe_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
	.proc_write = hcprobe_write,
};

/* CPUID 0x40000000: "ACRNACRNACRN" in EBX, ECX, EDX (acrn_hypercall.h). */
static bool hcprobe_on_acrn(void)
{
	unsigned int eax, sig[3];

	if (!boot_cpu_has(X86_FEATURE_HYPERVISOR))
		return false;
	cpuid(0x40000000, &eax, &sig[0], &sig[1], &sig[2]);
	return memcmp(sig, "ACRNACRNACRN", 12) == 0;
}

static int __init hcprobe_init(void)
{
	if (!hcprobe_on_acrn()) {
		pr_err("not running on ACRN: refusing to load\n");
		return -ENODEV;
	}
	hcprobe_page = get_zeroed_page(GFP_KERNEL);
	if (!hcprobe_page)
		return -ENOMEM;
	/* Handed to the hypervisor as an IOREQ page: leaked on unload on purpose. */
	hcprobe_target = get_zeroed_page(GFP_KERNEL);
	if (!hcprobe_target) {
		free_page(hcprobe_page);
		return -ENOMEM;
	}
	if (!proc_create("hcprobe", 0600, NULL, &hcprobe_fops)) {
		free_page(hcprobe_target);
		free_page(hcprobe_page);
		return -ENOMEM;
	}
	pr_warn("TEST MODULE: raw hypercalls through /proc/hcprobe\n");
	return 0;
}

static void __exit hcprobe_exit(void)
{
	remove_proc_entry("hcprobe", NULL);
	free_page(hcprobe_page);
}

module_init(hcprobe_init);
module_exit(hcprobe_exit);
MODULE_LICENSE("Dual BSD/GPL");
MODULE_DESCRIPTION("uos-minimal test probe: raw ACRN hypercalls from Service VM ring 0");

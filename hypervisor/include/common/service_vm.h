/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file service_vm.h
 * The Service VM (VM0): a Linux kernel started by the hypervisor through the
 * Linux boot protocol, identity-mapped (GPA == HPA), owning every device but
 * the hypervisor's console UART.
 *
 * Boot modules: the first module whose command line is not "initrd" is the
 * bzImage, and its module command line is the kernel command line; a module
 * whose command line starts with "initrd" is the initramfs.
 */
#ifndef COMMON_SERVICE_VM_H
#define COMMON_SERVICE_VM_H

#include <stdbool.h>
#include <stdint.h>
#include <boot/boot_info.h>

struct vm;

/** True when the boot modules contain a kernel to start. */
bool service_vm_present(const struct boot_info *bi);

/**
 * Create the Service VM and load its kernel (on the BSP).
 * @return 0 or -errno, with one log line naming the problem.
 */
int service_vm_create(const struct boot_info *bi);

/** Run this pCPU's vCPU of the Service VM (BSP: the boot vCPU; APs: wait for SIPI). */
void service_vm_run_vcpu(void);

/** Interrupt the Service VM through the upcall function's MSI (if enabled). */
void service_vm_upcall(void);

/** TSC at hypervisor entry (bsp_main), for the boot-path benchmark. */
extern uint64_t hv_entry_tsc;

/** True when [gpa, gpa+size) lies inside one RAM range of the Service VM's e820. */
bool service_vm_ram_ok(uint64_t gpa, uint64_t size);

/**
 * True when [pa, pa+size) touches neither RAM of the Service VM's e820 nor
 * the hypervisor: what a device's MMIO range mapped into a User VM must be.
 */
bool service_vm_mmio_ok(uint64_t pa, uint64_t size);

/** The Service VM, or NULL before it exists. */
struct vm *service_vm(void);

#endif /* COMMON_SERVICE_VM_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file boot_fuzz_vm.h
 * Shared harness of the dm_boot_linux and dm_boot_elf fuzz targets: one VM
 * (256 MiB, fake back-end) created once, a recorder on set_vcpu_regs, a cheap
 * reset of guest RAM between inputs, and a check, through the kernel's page
 * residency (mincore), that a loader touched only the guest pages it should.
 */
#ifndef BOOT_FUZZ_VM_H
#define BOOT_FUZZ_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/acrn.h>

struct vmctx;

#define BFZ_MEM_SIZE	(256ULL << 20)	/**< guest RAM: all of it low, no highmem */

/** A guest physical range [start, start + len). */
struct bfz_range {
	uint64_t start;
	uint64_t len;
};

/** Create the VM once (aborts on failure) and return it. */
struct vmctx *bfz_vm(void);

/** Forget recorded registers, clear the error buffer, give all guest RAM back (zero). */
void bfz_reset(void);

/** Error buffer handed to the loaders. */
char *bfz_err(void);
/** Its size. */
size_t bfz_errlen(void);

/** Number of set_vcpu_regs calls since bfz_reset(); the last call's argument in *regs. */
unsigned int bfz_regs(struct acrn_vcpu_regs *regs);

/**
 * Abort (so libFuzzer keeps the input) unless every guest RAM page touched
 * since bfz_reset() intersects one of @p allowed.  @p what names the case.
 */
void bfz_check_touched(const struct bfz_range *allowed, size_t n, const char *what);

/** Count one outcome; the totals are printed at exit ("accepted N, rejected M"). */
void bfz_count(bool accepted);

/** Abort with a message: a property was violated. */
void bfz_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/** True if [gpa, gpa + len) lies inside guest RAM (len >= 1, overflow-safe). */
bool bfz_in_ram(uint64_t gpa, uint64_t len);

/** Little-endian readers for images and guest memory. */
uint16_t bfz_rd16(const uint8_t *p);
uint32_t bfz_rd32(const uint8_t *p);
uint64_t bfz_rd64(const uint8_t *p);

#endif /* BOOT_FUZZ_VM_H */

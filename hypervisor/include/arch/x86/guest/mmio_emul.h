/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file mmio_emul.h
 * Completing a guest access that hit emulated MMIO (an EPT violation on a
 * page the hypervisor keeps unmapped or read-only): fetch the instruction at
 * the guest RIP through the guest's page tables, decode and emulate it with
 * the instr_emul library, and reach the device through the VM's mmio hook.
 */
#ifndef ARCH_X86_GUEST_MMIO_EMUL_H
#define ARCH_X86_GUEST_MMIO_EMUL_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/**
 * Emulate the instruction that caused an EPT violation at @p gpa.  On
 * success the guest registers and RIP are updated.
 * @return 0; -ENOENT if the VM's mmio hook does not claim @p gpa; or
 *         another negative errno (the instruction could not be fetched or
 *         is not emulated).
 */
int mmio_emulate(struct vcpu *v, uint64_t gpa, bool is_write);

/** Translate a guest linear address of the current vCPU. @return 0 or -errno. */
int vcpu_gla2gpa(struct vcpu *v, uint64_t gla, uint64_t *gpa);

/**
 * INS/OUTS after an I/O-instruction exit (string_io.h): decode the element
 * into v->io.str and, for OUTS, read it from guest memory into @p val.
 * @return 1: do the port access for v->io.str (then vcpu_string_io_finish());
 *         0: nothing to move, the instruction was skipped; -errno: the
 *         encoding or the guest address is bad (the vCPU cannot go on).
 */
int vcpu_string_io_start(struct vcpu *v, uint64_t qual, uint32_t *val);

/**
 * The port access of v->io.str is done (@p val: what an INS read): store it
 * for INS, step the registers, skip the instruction once it is complete.
 * @return 0 or -EFAULT (INS into an unmapped guest address).
 */
int vcpu_string_io_finish(struct vcpu *v, uint32_t val);

#endif /* ARCH_X86_GUEST_MMIO_EMUL_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file fake_mmio.h
 * A fake MMIO device and guest memory for the instruction-emulator tests:
 * byte arrays plus a log of every access the emulator made.
 */
#ifndef TESTS_UNIT_INSTR_EMUL_FAKE_MMIO_H
#define TESTS_UNIT_INSTR_EMUL_FAKE_MMIO_H

#include <stdbool.h>
#include <stdint.h>
#include <arch/x86/instr_emul.h>

#define FAKE_MMIO_BASE	0xFED00000ULL	/**< gpa of fake_dev.mmio[0] */
#define FAKE_MMIO_SIZE	0x100U
#define FAKE_RAM_BASE	0x7000ULL	/**< gla of fake_dev.ram[0] */
#define FAKE_RAM_SIZE	0x100U
#define FAKE_LOG_MAX	32U

/** Kind of access recorded in the log. */
enum fake_kind { FAKE_MMIO_READ, FAKE_MMIO_WRITE, FAKE_MEM_READ, FAKE_MEM_WRITE };

/** One logged access. */
struct fake_access {
	enum fake_kind kind;
	uint64_t addr;		/**< gpa for MMIO, gla for memory */
	unsigned int size;
	uint64_t val;		/**< little-endian value read or written */
};

/** Device state and access log. */
struct fake_dev {
	uint8_t mmio[FAKE_MMIO_SIZE];
	uint8_t ram[FAKE_RAM_SIZE];
	struct fake_access log[FAKE_LOG_MAX];
	unsigned int nlog;
	int read_ret;		/**< returned by mmio_read when non-zero */
	int write_ret;		/**< returned by mmio_write when non-zero */
	uint64_t read_junk;	/**< ORed above the access size into every mmio_read value */
};

/** Ops that route to a struct fake_dev passed as ctx. */
extern const struct instr_emul_ops fake_ops;
/** Same, without mem_read/mem_write. */
extern const struct instr_emul_ops fake_ops_mmio_only;

/** Reset the device: zero memory and log, no failures. */
void fake_reset(struct fake_dev *d);
/** Store @p val little-endian at MMIO offset @p off. */
void fake_mmio_set(struct fake_dev *d, unsigned int off, uint64_t val, unsigned int size);
/** Load @p size bytes little-endian from MMIO offset @p off. */
uint64_t fake_mmio_get(const struct fake_dev *d, unsigned int off, unsigned int size);

#endif /* TESTS_UNIT_INSTR_EMUL_FAKE_MMIO_H */

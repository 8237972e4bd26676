/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmio_emulate() on the host: a 32-bit protected-mode vCPU without paging (GLA == GPA) whose
 * guest RAM is 64 KiB of a host buffer; everything else is MMIO handled by a fake vm->ops->mmio
 * that records each access.  Proves the glue's MOVS paths: RAM <-> MMIO and MMIO -> MMIO (both
 * operands emulated, the destination becoming a second MMIO access).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <arch/x86/guest/mmio_emul.h>
#include <arch/x86/cpu.h>
#include <common/vm.h>
#include <lib/errno.h>

#define RAM_SIZE	0x10000ULL
#define MMIO_SRC	0xD0000000ULL
#define MMIO_DST	0xD0001000ULL
#define CODE		0x1000ULL
#define NOWHERE		0xE0000000ULL	/* neither RAM nor emulated */

static uint8_t ram[RAM_SIZE];
static struct { uint64_t gpa, val; unsigned size; bool write; } acc[8];
static unsigned nacc;
static uint64_t mmio_read_value;

/* ---- fakes ---- */
void printk(int level, const char *fmt, ...)
{
}

static int fake_copy(uint64_t gpa, void *buf, size_t len, bool to_guest)
{
	if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
		return -EFAULT;
	if (to_guest)
		memcpy(&ram[gpa], buf, len);
	else
		memcpy(buf, &ram[gpa], len);
	return 0;
}

/* The string-I/O glue in mmio_emul.c is tested in unit/string_io and unit/user_vm. */
void vcpu_skip_instruction(struct vcpu *v)
{
}

int vm_copy_from_gpa(struct vm *vm, void *dst, uint64_t gpa, size_t len)
{
	return fake_copy(gpa, dst, len, false);
}

int vm_copy_to_gpa(struct vm *vm, uint64_t gpa, const void *src, size_t len)
{
	return fake_copy(gpa, (void *)src, len, true);
}

static struct { uint32_t f; uint64_t v; } vmcs[16];
static unsigned nvmcs;

uint64_t vmcs_read(enum vmcs_field f)
{
	for (unsigned i = 0; i < nvmcs; i++)
		if (vmcs[i].f == (uint32_t)f)
			return vmcs[i].v;
	return 0;
}

void vmcs_write(enum vmcs_field f, uint64_t v)
{
	for (unsigned i = 0; i < nvmcs; i++)
		if (vmcs[i].f == (uint32_t)f) {
			vmcs[i].v = v;
			return;
		}
	assert_true(nvmcs < 16);
	vmcs[nvmcs].f = (uint32_t)f;
	vmcs[nvmcs++].v = v;
}

static int fake_mmio(struct vcpu *v, uint64_t gpa, unsigned size, bool write, uint64_t *val)
{
	if (gpa < RAM_SIZE || gpa >= NOWHERE)
		return -ENOENT;
	assert_true(nacc < 8);
	acc[nacc].gpa = gpa;
	acc[nacc].size = size;
	acc[nacc].write = write;
	acc[nacc].val = write ? *val : mmio_read_value;
	if (!write)
		*val = mmio_read_value;
	nacc++;
	return 0;
}

static const struct vm_ops ops = { .mmio = fake_mmio };
static struct vm vm;
static struct vcpu vcpu;

/* 32-bit flat protected mode, paging off, the instruction bytes at CODE. */
static void setup_vcpu(const uint8_t *insn, size_t len)
{
	memset(ram, 0, sizeof(ram));
	memset(&vcpu, 0, sizeof(vcpu));
	memset(&vm, 0, sizeof(vm));
	nvmcs = 0;
	nacc = 0;
	vm.ops = &ops;
	vcpu.vm = &vm;
	memcpy(&ram[CODE], insn, len);
	vmcs_write(VMCS_GUEST_CR0, CR0_PE);
	vmcs_write(VMCS_CR0_SHADOW, CR0_PE);
	vmcs_write(VMCS_GUEST_CS_AR, 0xC09B);	/* D = 1 */
	vmcs_write(VMCS_GUEST_RIP, CODE);
	vmcs_write(VMCS_GUEST_RFLAGS, 0x2);
}

/* ---- tests ---- */

static void test_mmio_emul_movs_mmio_to_mmio_writes_destination_as_mmio(void **state)
{
	static const uint8_t movsd[] = { 0xA5 };

	setup_vcpu(movsd, sizeof(movsd));
	vcpu.regs.gpr[GPR_RSI] = MMIO_SRC + 8;
	vcpu.regs.gpr[GPR_RDI] = MMIO_DST + 4;
	mmio_read_value = 0xCAFEF00D;
	assert_int_equal(mmio_emulate(&vcpu, MMIO_SRC + 8, false), 0);
	assert_int_equal(nacc, 2);
	assert_int_equal(acc[0].gpa, MMIO_SRC + 8);
	assert_false(acc[0].write);
	assert_int_equal(acc[0].size, 4);
	assert_int_equal(acc[1].gpa, MMIO_DST + 4);
	assert_true(acc[1].write);
	assert_int_equal(acc[1].size, 4);
	assert_int_equal(acc[1].val, 0xCAFEF00D);
	assert_int_equal(vcpu.regs.gpr[GPR_RSI], MMIO_SRC + 12);
	assert_int_equal(vcpu.regs.gpr[GPR_RDI], MMIO_DST + 8);
	assert_int_equal(vmcs_read(VMCS_GUEST_RIP), CODE + 1);
}

static void test_mmio_emul_movs_mmio_to_ram_writes_ram(void **state)
{
	static const uint8_t movsw[] = { 0x66, 0xA5 };

	setup_vcpu(movsw, sizeof(movsw));
	vcpu.regs.gpr[GPR_RSI] = MMIO_SRC;
	vcpu.regs.gpr[GPR_RDI] = 0x3000;
	mmio_read_value = 0xBEEF;
	assert_int_equal(mmio_emulate(&vcpu, MMIO_SRC, false), 0);
	assert_int_equal(nacc, 1);
	assert_int_equal(ram[0x3000] | ram[0x3001] << 8, 0xBEEF);
	assert_int_equal(vcpu.regs.gpr[GPR_RDI], 0x3002);
	assert_int_equal(vmcs_read(VMCS_GUEST_RIP), CODE + 2);
}

static void test_mmio_emul_movs_ram_to_mmio_reads_ram(void **state)
{
	static const uint8_t movsb[] = { 0xA4 };

	setup_vcpu(movsb, sizeof(movsb));
	ram[0x2000] = 0x5A;
	vcpu.regs.gpr[GPR_RSI] = 0x2000;
	vcpu.regs.gpr[GPR_RDI] = MMIO_DST;
	assert_int_equal(mmio_emulate(&vcpu, MMIO_DST, true), 0);
	assert_int_equal(nacc, 1);
	assert_true(acc[0].write);
	assert_int_equal(acc[0].val, 0x5A);
	assert_int_equal(acc[0].size, 1);
}

static void test_mmio_emul_movs_destination_error_leaves_registers(void **state)
{
	static const uint8_t movsd[] = { 0xA5 };

	/* A destination that is neither RAM nor emulated (-ENOENT from the op): refused,
	 * nothing written back. */
	setup_vcpu(movsd, sizeof(movsd));
	vcpu.regs.gpr[GPR_RSI] = MMIO_SRC;
	vcpu.regs.gpr[GPR_RDI] = NOWHERE;
	mmio_read_value = 1;
	assert_int_equal(mmio_emulate(&vcpu, MMIO_SRC, false), -ENOENT);
	assert_int_equal(vcpu.regs.gpr[GPR_RDI], NOWHERE);
	assert_int_equal(vmcs_read(VMCS_GUEST_RIP), CODE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mmio_emul_movs_mmio_to_mmio_writes_destination_as_mmio),
		cmocka_unit_test(test_mmio_emul_movs_mmio_to_ram_writes_ram),
		cmocka_unit_test(test_mmio_emul_movs_ram_to_mmio_reads_ram),
		cmocka_unit_test(test_mmio_emul_movs_destination_error_leaves_registers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

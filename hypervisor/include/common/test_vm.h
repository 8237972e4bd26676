/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file test_vm.h
 * The built-in test guest (hypervisor option test=smoke|bench).
 */
#ifndef COMMON_TEST_VM_H
#define COMMON_TEST_VM_H

#include <stdbool.h>

/**
 * Create the test VM on this pCPU, run it to completion and print one
 * "guest-test: pcpuN: ..." verdict line (and BENCH lines when bench is set).
 * @return true when every check passed.
 */
bool test_vm_run(bool bench);

#endif /* COMMON_TEST_VM_H */

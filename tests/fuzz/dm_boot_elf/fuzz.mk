# SPDX-License-Identifier: BSD-3-Clause
# acrn-dm -E (boot_elf_load) on one 256 MiB VM of the fake back-end; shares the harness
# in tests/fuzz/dm_boot_linux/boot_fuzz_vm.c.  vmctx_create() pulls in the PCI core and
# platform devices, so this links the object set tests/dm uses.
BOOT_FUZZ_DM_SRCS := $(filter-out devicemodel/core/main.c devicemodel/core/vmm_vhm.c, \
	$(patsubst $(TOP)/%,%,$(sort $(wildcard $(TOP)/devicemodel/core/*.c \
	$(TOP)/devicemodel/hw/*/*.c))))
SRCS := tests/fuzz/dm_boot_elf/fuzz_boot_elf.c tests/fuzz/dm_boot_linux/boot_fuzz_vm.c \
	$(BOOT_FUZZ_DM_SRCS)
CFLAGS_EXTRA := -I$(TOP)/devicemodel/include -I$(TOP)/tests/fuzz/dm_boot_linux -D_GNU_SOURCE \
	-pthread -Wl,--no-as-needed -luuid -lpciaccess -lcrypto

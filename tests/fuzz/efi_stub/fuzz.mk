SRCS := efi-stub/tests/fuzz_efi_stub.c efi-stub/conf.c efi-stub/elf_image.c efi-stub/mb2_info.c hypervisor/boot/multiboot.c
CFLAGS_EXTRA := -I$(TOP)/efi-stub

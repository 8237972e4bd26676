SRCS := tests/unit/linux_loader/test_linux_loader.c hypervisor/boot/linux_loader.c

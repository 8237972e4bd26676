SRCS := tests/unit/vpci_upcall/test_vpci_upcall.c hypervisor/dm/vpci_upcall.c

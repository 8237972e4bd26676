# SPDX-License-Identifier: BSD-3-Clause
SRCS := tests/unit/vtd/test_vtd.c tests/unit/vtd/vtd_model.c hypervisor/arch/x86/vtd.c \
	hypervisor/arch/x86/vtd_hv.c hypervisor/arch/x86/dmar.c hypervisor/lib/pgtable.c

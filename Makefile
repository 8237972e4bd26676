# Top-level build of the hypervisor stack.  Every component has its own
# Makefile; this one wires them together and provides the user-facing targets.
#
#   make            build everything that builds on this machine
#   make deps       install build/test dependencies (idempotent) and fetch the guest kernel
#   make run        deps + build + boot the whole stack in Bochs, consoles on the terminal
#   make check      deps + build + every test (unit, fuzz, dm, e2e); ends with "N passed, N failed"
#   make e2e [E2E=name]   end-to-end scenarios in Bochs
#   make bench      benchmarks, figures written to doc/performance.md
#   make image      a GPT disk image with an ESP (acrn.efi + hypervisor + Service VM kernel)
#   make unit | fuzz | dmtest     one class of tests

TOP   := $(CURDIR)
BUILD ?= $(TOP)/build
export TOP BUILD

.PHONY: all deps hypervisor devicemodel vhm tools efi image unit fuzz dmtest e2e bench check run clean help

all: hypervisor devicemodel tools efi

help:
	@sed -n '3,13p' Makefile | sed 's/^# \{0,1\}//'

deps:
	@misc/deps.sh

hypervisor:
	@$(MAKE) --no-print-directory -C hypervisor O=$(BUILD)/hypervisor

devicemodel:
	@$(MAKE) --no-print-directory -C devicemodel O=$(BUILD)/devicemodel

tools:
	@$(MAKE) --no-print-directory -C tools/acrnctl O=$(BUILD)/tools
	@$(MAKE) --no-print-directory -C tools/acrnlog O=$(BUILD)/tools

vhm:
	@$(MAKE) --no-print-directory -C kernel-modules/vhm O=$(BUILD)/vhm

efi:
	@$(MAKE) --no-print-directory -C efi-stub O=$(BUILD)/efi-stub

image: deps hypervisor efi
	@misc/mkimage.sh -o $(BUILD)/acrn-uefi.img --kernel $(BUILD)/kernel/vmlinuz --hv-cmdline "console=com2" $(IMAGE_ARGS)

unit:
	@$(MAKE) --no-print-directory -C tests/unit O=$(BUILD)/tests/unit
	@tests/unit/run.sh

fuzz:
	@$(MAKE) --no-print-directory -C tests/fuzz O=$(BUILD)/tests/fuzz
	@tests/fuzz/run.sh

dmtest:
	@$(MAKE) --no-print-directory -C tests/dm O=$(BUILD)/tests/dm
	@tests/dm/run.sh

# Scenarios named efi-* boot a UEFI disk image in QEMU + OVMF (tests/e2e/efi/run.sh), unless
# tests/e2e/scenarios has a file of that name (efi-sos-boot: OVMF in Bochs); every other one
# runs in Bochs (tests/e2e/run.sh).  Without E2E, both sets run.
BOCHS_EFI_E2E := $(patsubst tests/e2e/scenarios/%.sh,%,$(wildcard tests/e2e/scenarios/efi-*.sh))
EFI_E2E := $(filter-out $(BOCHS_EFI_E2E),$(filter efi-%,$(E2E)))
BOCHS_E2E := $(filter-out $(EFI_E2E),$(E2E))

e2e: deps hypervisor
	@if [ -z "$(E2E)" ]; then tests/e2e/run.sh && tests/e2e/efi/run.sh; else \
	  rc=0; \
	  if [ -n "$(BOCHS_E2E)" ]; then tests/e2e/run.sh $(BOCHS_E2E) || rc=1; fi; \
	  if [ -n "$(EFI_E2E)" ]; then $(MAKE) --no-print-directory efi && tests/e2e/efi/run.sh $(EFI_E2E) || rc=1; fi; \
	  exit $$rc; fi

bench: deps hypervisor
	@tests/bench/run.sh

check: deps
	@tests/check.sh

run: deps all
	@misc/run.sh

clean:
	rm -rf $(BUILD)

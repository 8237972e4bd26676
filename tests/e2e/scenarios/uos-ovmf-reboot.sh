# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034  # a declarative file read by tests/e2e/lib/common.sh
# uos-ovmf with the uos-linux reboot: the User VM reboots once (acrn-dm resets it, OVMF starts
# again at the reset vector from a fresh copy of the image) and powers off on the second boot.
UOS_OVMF_BOOTS=2
. "$E2E_SCENARIOS/uos-ovmf.sh"
unset UOS_OVMF_BOOTS
DESC="uos-ovmf, rebooting once through OVMF before the power-off: $DESC"
TIMEOUT=4200
CHECK=0 ; BENCH=0

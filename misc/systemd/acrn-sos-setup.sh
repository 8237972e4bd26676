#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# acrn-sos-setup: prepare a Service VM for User VMs (acrn-sos-setup.service).
#
#   acrn-sos-setup [start]    huge pages, VHM module, bridge, monitor directory
#   acrn-sos-setup stop       remove the bridge "start" created
#   acrn-sos-setup --help
#
# Configuration: /etc/default/acrn-sos (another file with ACRN_SOS_CONFIG=path),
# a shell fragment sourced if it exists.  A variable already set in the
# environment wins over the file (handy for one-off runs).  Variables:
#
#   ACRN_HUGEPAGES=0         2 MiB huge pages to reserve (/proc/sys/vm/nr_hugepages).
#                            0: none; acrn-dm then backs guest RAM with ordinary
#                            memory, which the VHM pins.  The pool is only ever
#                            raised, never shrunk.  acrn-dm uses huge pages for a
#                            VM only if HugePages_Free (/proc/meminfo) covers the
#                            VM's whole -m size; it maps them anonymously
#                            (MAP_HUGETLB, devicemodel/core/guest_mem.c), so no
#                            hugetlbfs mount is needed and none is made.
#   ACRN_VHM_KO=             path of acrn_vhm.ko, insmod'ed if "modprobe acrn_vhm"
#                            fails.  Empty: modprobe only.
#   ACRN_BRIDGE=acrn-br0     bridge for the User VMs' tap devices, created with
#                            "ip link add NAME type bridge" and brought up.
#                            Empty: no bridge.  An existing bridge of that name
#                            is used as it is and never removed by "stop".
#   ACRN_BRIDGE_UPLINK=      network interface enslaved to the bridge (its IP
#                            address belongs on the bridge then).  Empty: none.
#   ACRN_MNGR_DIR=/run/acrn/mngr
#                            acrn-dm's monitor socket directory, created 0700
#                            (the same variable acrn-dm, acrnctl and acrnd read).
#
# start: every step checks first, so running it again changes nothing.
# The VHM step is skipped when /dev/acrn_vhm (or the in-tree /dev/acrn_hsm)
# already exists; otherwise it waits up to 5 s for /dev/acrn_vhm.
# stop: deletes the bridge only if start created it (recorded in
# /run/acrn/sos-setup.bridge); the module, huge pages and directories stay.
#
# Progress goes to stdout; a failure prints one line on stderr,
# "acrn-sos-setup: STEP: PROBLEM", and exits with status 1.

PROG=acrn-sos-setup
STATE_FILE=/run/acrn/sos-setup.bridge
WAIT_SECONDS=5

usage() {
	cat <<EOF
Usage: $PROG [start|stop]
       $PROG --help

  start   (default) reserve huge pages, load the VHM module and wait for
          /dev/acrn_vhm, create the bridge, create the monitor directory
  stop    delete the bridge start created; the VHM module, huge pages and
          directories are left as they are

Configuration (/etc/default/acrn-sos, or the file named by ACRN_SOS_CONFIG;
the environment overrides it):
  ACRN_HUGEPAGES=0          2 MiB huge pages to reserve (0: none)
  ACRN_VHM_KO=              acrn_vhm.ko to insmod if modprobe fails
  ACRN_BRIDGE=acrn-br0      bridge to create (empty: none)
  ACRN_BRIDGE_UPLINK=       interface to enslave to the bridge (empty: none)
  ACRN_MNGR_DIR=/run/acrn/mngr   monitor socket directory

Exit status: 0 success, 1 failure (one line on stderr).
EOF
}

say() {
	printf '%s: %s\n' "$PROG" "$*"
}

# fail STEP PROBLEM: the one error line, then exit 1.
fail() {
	printf '%s: %s: %s\n' "$PROG" "$1" "$2" >&2
	exit 1
}

# first_line TEXT: the first non-empty line of TEXT (for command output in errors).
first_line() {
	printf '%s\n' "$1" | sed -n '/./{p;q;}'
}

# wait_for SECONDS TEST-ARGS...: "test TEST-ARGS" now and once a second until true.
wait_for() {
	n=$1
	shift
	while :; do
		test "$@" && return 0
		[ "$n" -gt 0 ] || return 1
		n=$((n - 1))
		sleep 1
	done
}

is_netdev() {
	[ -e "/sys/class/net/$1" ]
}

load_config() {
	conf=${ACRN_SOS_CONFIG:-/etc/default/acrn-sos}
	# Remember what the environment set, so that it wins over the file.
	for v in ACRN_HUGEPAGES ACRN_VHM_KO ACRN_BRIDGE ACRN_BRIDGE_UPLINK ACRN_MNGR_DIR; do
		eval "_set_$v=\${$v+1}; _val_$v=\${$v-}"
	done
	if [ -f "$conf" ]; then
		[ -r "$conf" ] || fail "configuration" "cannot read $conf"
		# shellcheck disable=SC1090  # the path is configurable
		. "$conf" || fail "configuration" "$conf failed (status $?)"
	fi
	for v in ACRN_HUGEPAGES ACRN_VHM_KO ACRN_BRIDGE ACRN_BRIDGE_UPLINK ACRN_MNGR_DIR; do
		eval "if [ -n \"\$_set_$v\" ]; then $v=\$_val_$v; fi"
	done
	# No colon for ACRN_BRIDGE: set but empty means "no bridge".
	ACRN_HUGEPAGES=${ACRN_HUGEPAGES:-0}
	ACRN_VHM_KO=${ACRN_VHM_KO:-}
	ACRN_BRIDGE=${ACRN_BRIDGE-acrn-br0}
	ACRN_BRIDGE_UPLINK=${ACRN_BRIDGE_UPLINK:-}
	ACRN_MNGR_DIR=${ACRN_MNGR_DIR:-/run/acrn/mngr}

	case $ACRN_HUGEPAGES in
	'' | *[!0-9]*) fail "configuration" "ACRN_HUGEPAGES='$ACRN_HUGEPAGES' is not a number of pages" ;;
	esac
	if [ -z "$ACRN_BRIDGE" ] && [ -n "$ACRN_BRIDGE_UPLINK" ]; then
		fail "configuration" "ACRN_BRIDGE_UPLINK=$ACRN_BRIDGE_UPLINK needs ACRN_BRIDGE"
	fi
	case $ACRN_MNGR_DIR in
	/*) ;;
	*) fail "configuration" "ACRN_MNGR_DIR='$ACRN_MNGR_DIR' is not an absolute path" ;;
	esac
}

need_root() {
	[ "$(id -u)" = 0 ] || fail "$1" "must run as root"
}

setup_hugepages() {
	want=$ACRN_HUGEPAGES
	if [ "$want" -eq 0 ]; then
		say "huge pages: none requested (ACRN_HUGEPAGES=0); guest memory will be ordinary pinned memory"
		return 0
	fi
	size=$(sed -n 's/^Hugepagesize: *\([0-9]*\) kB/\1/p' /proc/meminfo 2>/dev/null)
	[ -n "$size" ] || fail "huge pages" "the kernel has no huge page support (no Hugepagesize in /proc/meminfo)"
	[ "$size" = 2048 ] ||
		fail "huge pages" "default huge page size is $size kB, acrn-dm needs 2048 kB (drop default_hugepagesz= from the kernel command line)"
	have=$(cat /proc/sys/vm/nr_hugepages 2>/dev/null) ||
		fail "huge pages" "cannot read /proc/sys/vm/nr_hugepages"
	if [ "$have" -ge "$want" ]; then
		say "huge pages: $have reserved (wanted $want), nothing to do"
		return 0
	fi
	echo "$want" 2>/dev/null >/proc/sys/vm/nr_hugepages ||
		fail "huge pages" "cannot write $want to /proc/sys/vm/nr_hugepages"
	got=$(cat /proc/sys/vm/nr_hugepages)
	if [ "$got" -lt "$want" ]; then
		# Not fatal: acrn-dm falls back to ordinary memory for a VM that does not fit.
		printf '%s: huge pages: warning: only %s of %s reserved (memory fragmented; reserve them on the kernel command line: hugepages=%s)\n' \
			"$PROG" "$got" "$want" "$want" >&2
	else
		say "huge pages: $got reserved ($((got * 2)) MiB)"
	fi
}

setup_vhm() {
	if [ -c /dev/acrn_vhm ]; then
		say "VHM: /dev/acrn_vhm present"
		return 0
	fi
	if [ -c /dev/acrn_hsm ]; then
		say "VHM: /dev/acrn_hsm present (the kernel's own HSM driver), acrn_vhm not needed"
		return 0
	fi
	if [ -d /sys/module/acrn_vhm ]; then
		say "VHM: acrn_vhm already loaded"
	else
		if out=$(modprobe acrn_vhm 2>&1); then
			say "VHM: modprobe acrn_vhm done"
		elif [ -n "$ACRN_VHM_KO" ]; then
			[ -r "$ACRN_VHM_KO" ] ||
				fail "load VHM module" "modprobe acrn_vhm failed and ACRN_VHM_KO=$ACRN_VHM_KO is not readable"
			out=$(insmod "$ACRN_VHM_KO" 2>&1) ||
				fail "load VHM module" "insmod $ACRN_VHM_KO failed: $(first_line "$out") (see dmesg)"
			say "VHM: insmod $ACRN_VHM_KO done"
		else
			fail "load VHM module" "modprobe acrn_vhm failed: $(first_line "$out") (install acrn_vhm.ko and run depmod, or set ACRN_VHM_KO)"
		fi
	fi
	wait_for "$WAIT_SECONDS" -c /dev/acrn_vhm ||
		fail "wait for /dev/acrn_vhm" "acrn_vhm is loaded but /dev/acrn_vhm did not appear within ${WAIT_SECONDS} s (see dmesg)"
	say "VHM: /dev/acrn_vhm ready"
}

setup_bridge() {
	br=$ACRN_BRIDGE
	if [ -z "$br" ]; then
		say "bridge: none (ACRN_BRIDGE is empty)"
		return 0
	fi
	command -v ip >/dev/null 2>&1 || fail "bridge $br" "the ip command (iproute2) is missing"
	if is_netdev "$br"; then
		[ -d "/sys/class/net/$br/bridge" ] ||
			fail "bridge $br" "$br exists and is not a bridge"
		say "bridge: $br exists"
	else
		out=$(ip link add name "$br" type bridge 2>&1) ||
			fail "bridge $br" "ip link add failed: $(first_line "$out")"
		# Record it, so that stop removes only what start created.
		{ mkdir -p "${STATE_FILE%/*}" && echo "$br" >"$STATE_FILE"; } ||
			fail "bridge $br" "cannot write $STATE_FILE"
		say "bridge: $br created"
	fi
	if [ -n "$ACRN_BRIDGE_UPLINK" ]; then
		up=$ACRN_BRIDGE_UPLINK
		wait_for "$WAIT_SECONDS" -e "/sys/class/net/$up" ||
			fail "bridge uplink $up" "no network interface $up (waited ${WAIT_SECONDS} s)"
		if [ "$(readlink "/sys/class/net/$up/master" 2>/dev/null)" = "../$br" ] ||
			[ -e "/sys/class/net/$br/brif/$up" ]; then
			say "bridge: $up already in $br"
		else
			out=$(ip link set dev "$up" master "$br" 2>&1) ||
				fail "bridge uplink $up" "ip link set master $br failed: $(first_line "$out")"
			say "bridge: $up added to $br"
		fi
		out=$(ip link set dev "$up" up 2>&1) ||
			fail "bridge uplink $up" "ip link set up failed: $(first_line "$out")"
	fi
	out=$(ip link set dev "$br" up 2>&1) ||
		fail "bridge $br" "ip link set up failed: $(first_line "$out")"
	say "bridge: $br up"
}

setup_mngr_dir() {
	d=$ACRN_MNGR_DIR
	# Parents 0755, the socket directory itself 0700, as acrn-dm creates them.
	{ mkdir -p "${d%/*}" && mkdir -p "$d" && chmod 0700 "$d"; } ||
		fail "monitor directory" "cannot create $d"
	say "monitor directory: $d ready"
}

do_start() {
	need_root "start"
	setup_hugepages
	setup_vhm
	setup_bridge
	setup_mngr_dir
	say "Service VM ready for User VMs"
}

do_stop() {
	need_root "stop"
	if [ -f "$STATE_FILE" ]; then
		br=$(cat "$STATE_FILE")
		if [ -n "$br" ] && is_netdev "$br"; then
			out=$(ip link del dev "$br" 2>&1) ||
				fail "remove bridge $br" "ip link del failed: $(first_line "$out")"
			say "bridge: $br removed"
		else
			say "bridge: $br already gone"
		fi
		rm -f "$STATE_FILE" || fail "remove bridge $br" "cannot remove $STATE_FILE"
	else
		say "bridge: none created by $PROG, nothing to remove"
	fi
	say "VHM module left loaded; huge pages and $ACRN_MNGR_DIR left as they are"
}

case ${1:-start} in
-h | --help | help)
	usage
	exit 0
	;;
start | stop) ;;
*)
	printf '%s: usage: unknown command '\''%s'\'' (try --help)\n' "$PROG" "$1" >&2
	exit 1
	;;
esac
[ $# -le 1 ] || fail "usage" "too many arguments (try --help)"

load_config
case ${1:-start} in
start) do_start ;;
stop) do_stop ;;
esac
exit 0

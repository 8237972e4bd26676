# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=sh
#
# Helpers for initramfs /init scripts (busybox sh).  misc/mkinitramfs.sh installs this file
# as /lib/e2e/init-common.sh; an init script starts with
#     #!/bin/sh
#     . /lib/e2e/init-common.sh
#     init_mount_basics

# init_mount_basics: /proc, /sys, /dev (devtmpfs), /dev/pts, /tmp, /run; quiet kernel console.
init_mount_basics() {
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev 2>/dev/null || mount -t tmpfs -o mode=0755 tmpfs /dev
	mkdir -p /dev/pts /dev/shm
	mount -t devpts devpts /dev/pts 2>/dev/null
	mount -t tmpfs tmpfs /tmp
	mount -t tmpfs tmpfs /run
	[ -d /sys/kernel/debug ] && mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	# Kernel messages below warning level would interleave with the test's own lines.
	echo 4 > /proc/sys/kernel/printk 2>/dev/null
	export PATH=/bin:/sbin:/usr/bin:/usr/sbin
	return 0
}

# init_say TEXT...: one line on the console (the kernel's console= device).
init_say() {
	echo "$*" > /dev/console
}

# init_load_modules: modprobe every module listed in /lib/modules/<abi>/load.list, in order;
# prints "init: module NAME failed" for each that does not load and returns non-zero then.
init_load_modules() {
	_rc=0
	for _list in /lib/modules/*/load.list; do
		[ -f "$_list" ] || continue
		while read -r _m; do
			[ -n "$_m" ] || continue
			modprobe "$_m" 2>/dev/null || { init_say "init: module $_m failed"; _rc=1; }
		done < "$_list"
	done
	return $_rc
}

# The kernel's background memory work so far (compaction, page migration, THP), one line:
# work that lands on a pCPU another VM shares shows up in that VM's timings.
init_mmstat() {
	grep -E '^(compact_migrate_scanned|compact_free_scanned|compact_isolated|compact_stall|thp_fault_alloc|thp_collapse_alloc|pgmigrate_success) ' /proc/vmstat | tr '\n' ' '
}

# init_drain_console: wait (at most 5 s) until ttyS0 has sent what init wrote: its transmit
# count in /proc/tty/driver/serial stops moving.  Without it, a burst of lines just before
# poweroff dies in the tty buffer.
init_drain_console() {
	_prev='' _n=0
	while [ "$_n" -lt 50 ]; do
		_tx=$(sed -n 's/^0: .* tx:\([0-9]*\).*/\1/p' /proc/tty/driver/serial 2>/dev/null)
		[ -z "$_tx" ] && { sleep 1; return; }
		[ "$_tx" = "$_prev" ] && return
		_prev=$_tx _n=$((_n + 1))
		sleep 0.1
	done
}

# init_poweroff: flush, then power off (ACPI S5).  "tsc shutdown", when /bin/tsc exists,
# ends Bochs directly through its 0x8900 port, in case the ACPI path is not taken.
init_poweroff() {
	sync
	init_drain_console
	[ -x /bin/tsc ] && /bin/tsc shutdown 2>/dev/null
	poweroff -f
	while :; do sleep 1; done
}

# init_shell: an interactive shell on the console with job control, respawned on exit.
init_shell() {
	while :; do
		setsid -c /bin/sh -l 2>/dev/null || /bin/sh
	done
}

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# make run: boot the whole stack in Bochs with its consoles on your terminal.
#   hypervisor (build/hypervisor/acrn.32.out)  -- multiboot2 --
#   Service VM kernel (build/kernel/vmlinuz) + an interactive busybox initramfs (shell on ttyS0)
#
# Usage: misc/run.sh [--no-tmux] [--cpus N] [--megs N] [--hv-cmdline ARGS] [--sos-cmdline ARGS]
#        misc/run.sh --stop        stop a running instance (from any terminal)
#
# Consoles:  COM1 = Service VM console (ttyS0, a root shell), COM2 = hypervisor console/shell.
#   With tmux (default when installed): one tmux window, three panes -- COM1 (top), COM2
#   (middle), Bochs itself (bottom: port 0xE9 output and the Bochs debugger).  Move between
#   panes with Ctrl-b <arrow>; quit with Ctrl-b & (kills the window and Bochs) or misc/run.sh --stop.
#   Without tmux (--no-tmux): COM1 is this terminal; COM2 output goes to build/run/com2.log
#   (follow it with: tail -f build/run/com2.log); quit with misc/run.sh --stop from another
#   terminal, or Ctrl-C if the terminal still delivers it.
# Environment: RUN_HV (multiboot2 image, default build/hypervisor/acrn.32.out),
#   RUN_KERNEL (default build/kernel/vmlinuz), BUILD (default build/).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/e2e/lib/common.sh"
build=${BUILD:-$top/build}
rundir=$build/run
hv=${RUN_HV:-$build/hypervisor/acrn.32.out}
kernel=${RUN_KERNEL:-$build/kernel/vmlinuz}
use_tmux=auto cpus=2 megs=1024
hv_cmdline="console=com2"
sos_cmdline="console=ttyS0,115200 loglevel=4"

die() { echo "run: $*" >&2; exit 1; }

stop_running() {
  local pid
  read -r pid _ 2>/dev/null < "$rundir/bochs.pid" || { echo "run: nothing running"; return 0; }
  if e2e_is_bochs "$pid"; then kill -TERM "$pid"; echo "run: stopped Bochs (pid $pid)"; fi
  rm -f "$rundir/bochs.pid"
  if command -v tmux >/dev/null && [ -f "$rundir/tmux.session" ]; then
    tmux kill-session -t "$(cat "$rundir/tmux.session")" 2>/dev/null || true
    rm -f "$rundir/tmux.session"
  fi
}

while [ $# -gt 0 ]; do
  case $1 in
    --no-tmux) use_tmux=no; shift ;;
    --tmux) use_tmux=yes; shift ;;
    --cpus) cpus=$2; shift 2 ;;
    --megs) megs=$2; shift 2 ;;
    --hv-cmdline) hv_cmdline=$2; shift 2 ;;
    --sos-cmdline) sos_cmdline=$2; shift 2 ;;
    --stop) stop_running; exit 0 ;;
    -h|--help) awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
case $cpus in ''|*[!0-9]*) die "--cpus wants a number" ;; esac
case $megs in ''|*[!0-9]*) die "--megs wants a number" ;; esac
[ -f "$hv" ] || die "$hv missing: build it with 'make hypervisor'"
[ -f "$kernel" ] || die "$kernel missing: run 'make deps'"
command -v bochs >/dev/null || die "bochs missing: run 'make deps'"
if [ "$use_tmux" = auto ]; then
  if command -v tmux >/dev/null; then use_tmux=yes; else use_tmux=no; fi
fi
[ "$use_tmux" = no ] || command -v tmux >/dev/null || die "tmux is not installed (use --no-tmux)"
if [ "$use_tmux" = no ] || [ -z "${TMUX:-}" ]; then
  [ -t 0 ] && [ -t 1 ] || die "make run needs an interactive terminal (the e2e tests are the headless way: make e2e)"
fi
if pid=$(e2e_pidfile_bochs "$rundir"); then
  die "already running (Bochs pid $pid): misc/run.sh --stop first"
fi

mkdir -p "$rundir"
# --- Service VM initramfs: busybox, the stack's user-space tools when built, a shell on ttyS0.
adds=()
add_with_libs() {	# add_with_libs BINARY DEST: a dynamically linked tool and its libraries
  local bin=$1 dest=$2 lib
  adds+=(--add "$bin:$dest")
  while read -r lib; do
    [ -n "$lib" ] && [ -f "$lib" ] && adds+=(--add "$lib:$lib")
  done < <(ldd "$bin" 2>/dev/null | grep -o '/[^ ]*' | sort -u)
}
[ -x "$build/devicemodel/acrn-dm" ] && add_with_libs "$build/devicemodel/acrn-dm" /usr/bin/acrn-dm
[ -x "$build/tools/acrnctl" ] && add_with_libs "$build/tools/acrnctl" /usr/bin/acrnctl
[ -x "$build/tools/acrnd" ] && add_with_libs "$build/tools/acrnd" /usr/bin/acrnd
vhm=$(ls "$build"/vhm/*.ko 2>/dev/null | head -n1 || true)
[ -n "$vhm" ] && adds+=(--add "$vhm:/lib/modules/extra/${vhm##*/}")
cat > "$rundir/init" <<'EOF'
#!/bin/sh
. /lib/e2e/init-common.sh
init_mount_basics
hostname service-vm
init_load_modules
for m in /lib/modules/extra/*.ko; do
	[ -f "$m" ] && { insmod "$m" && init_say "init: loaded ${m##*/}" || init_say "init: ${m##*/} failed to load"; }
done
init_say "Service VM: busybox shell on ttyS0 ('poweroff -f' ends the VM)"
init_shell
EOF
echo "run: building the Service VM initramfs"
"$top/misc/mkinitramfs.sh" "$rundir/initrd.img" --init "$rundir/init" "${adds[@]}" \
  --modules virtio_net,virtio_blk,virtio_console,tun,ne2k-pci

echo "run: building the ISO"
"$top/misc/mkiso.sh" -o "$rundir/boot.iso" --mb2 "$hv" --cmdline "$hv_cmdline" \
  --module "$kernel|$sos_cmdline" --module "$rundir/initrd.img|initrd"

# Scenario-shaped variables for the shared bochsrc template.
e2e_defaults
CPUS=$cpus MEGS=$megs
# Only "c": after Ctrl-C the debugger prompt stays (c = continue, quit = end Bochs).
printf 'c\n' > "$rundir/bochs.cmds"

say_consoles() {
  cat <<EOF
================================================================================
 make run -- hypervisor + Service VM in Bochs ($cpus CPUs, $megs MB, ~80 M instructions/s:
 the Service VM needs 2-3 minutes to reach its shell)
  COM1  Service VM console (root shell on ttyS0)      $1
  COM2  hypervisor console / shell                    $2
  port 0xE9 and the Bochs debugger                    $3
 Quit: $4
 Logs and images: ${rundir#"$top"/}/
================================================================================
EOF
}

if [ "$use_tmux" = yes ]; then
  session=acrn-run-$$
  echo "$session" > "$rundir/tmux.session"
  say_consoles "top tmux pane" "middle tmux pane" "bottom tmux pane" \
    "Ctrl-b & (then y) closes everything; Ctrl-b d detaches (tmux attach -t $session); misc/run.sh --stop" \
    > "$rundir/consoles.txt"
  # The serial panes run a command that never reads its tty, so every key goes to Bochs.
  hold="cat '$rundir/consoles.txt'; exec sleep 2147483647"
  tmux new-session -d -s "$session" -n acrn -x "$(tput cols 2>/dev/null || echo 160)" \
    -y "$(tput lines 2>/dev/null || echo 48)" "$hold"
  p1=$(tmux display-message -p -t "$session:0.0" '#{pane_id}')
  p2=$(tmux split-window -v -P -F '#{pane_id}' -t "$p1" "exec sleep 2147483647")
  tty1=$(tmux display-message -p -t "$p1" '#{pane_tty}')
  tty2=$(tmux display-message -p -t "$p2" '#{pane_tty}')
  e2e_render_bochsrc "$rundir/bochsrc" "$rundir/boot.iso" "$rundir" \
    "enabled=1, mode=term, dev=$tty1" "enabled=1, mode=term, dev=$tty2"
  # The Bochs pane: its stdout shows port 0xE9, its stdin is the debugger (Ctrl-C breaks in).
  # The inner sh records its PID and execs Bochs in the foreground, so Bochs keeps the tty.
  cat > "$rundir/bochs-pane.sh" <<EOF
#!/bin/sh
cd '$rundir' || exit 1
echo 'Bochs: port 0xE9 output below; Ctrl-C here enters the Bochs debugger (c = continue, quit = end)'
sh -c 'echo \$\$ > bochs.pid; exec bochs -f bochsrc -q -rc bochs.cmds 2>bochs.err'
rm -f bochs.pid
echo 'run: Bochs exited; closing in 5 s'
sleep 5
tmux kill-session -t '$session'
EOF
  p3=$(tmux split-window -v -l 8 -P -F '#{pane_id}' -t "$p2" "sh '$rundir/bochs-pane.sh'")
  tmux set-option -t "$session" pane-border-status top >/dev/null
  tmux select-pane -t "$p1" -T "COM1: Service VM console (ttyS0)"
  tmux select-pane -t "$p2" -T "COM2: hypervisor console"
  tmux select-pane -t "$p3" -T "Bochs: port 0xE9 + debugger"
  tmux select-pane -t "$p1"
  cat "$rundir/consoles.txt"
  sleep 1
  if [ -n "${TMUX:-}" ]; then
    tmux switch-client -t "$session"
  else
    tmux attach-session -t "$session" || true
    if tmux has-session -t "$session" 2>/dev/null; then
      echo "run: still running in tmux session $session (tmux attach -t $session; misc/run.sh --stop)"
    else
      rm -f "$rundir/tmux.session"
    fi
  fi
  exit 0
fi

tty1=$(tty)
: > "$rundir/com2.log"
e2e_render_bochsrc "$rundir/bochsrc" "$rundir/boot.iso" "$rundir" \
  "enabled=1, mode=term, dev=$tty1" "enabled=1, mode=file, dev=$rundir/com2.log"
say_consoles "this terminal" "tail -f ${rundir#"$top"/}/com2.log (output only)" \
  "${rundir#"$top"/}/bochs.out" "misc/run.sh --stop from another terminal (or Ctrl-C)"
saved=$(stty -g)
cleanup() { e2e_bochs_stop; rm -f "$rundir/bochs.pid"; stty "$saved" 2>/dev/null || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
SCEN_DIR=$rundir
bochs -f "$rundir/bochsrc" -q -rc "$rundir/bochs.cmds" </dev/null >"$rundir/bochs.out" 2>"$rundir/bochs.err" &
E2E_BOCHS_PID=$!
echo "$E2E_BOCHS_PID" > "$rundir/bochs.pid"
wait "$E2E_BOCHS_PID" || true
stty "$saved" 2>/dev/null || stty sane 2>/dev/null || true
echo
echo "run: Bochs exited (logs in ${rundir#"$top"/}/)"

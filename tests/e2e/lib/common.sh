# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# End-to-end runner library: scenario loading, ISO and bochsrc generation, running one
# scenario in Bochs and judging its logs.  Sourced by tests/e2e/run.sh, tests/bench/run.sh
# and misc/run.sh; defines only e2e_* functions and E2E_* variables.

E2E_TOP=${E2E_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
E2E_BUILD=${E2E_BUILD:-${BUILD:-$E2E_TOP/build}/e2e}
E2E_SCENARIOS=$E2E_TOP/tests/e2e/scenarios
E2E_POLL=${E2E_POLL:-0.5}
E2E_BOCHS_PID=
E2E_PEER_PID=

# e2e_scenario_names: every scenario file's name, sorted.
e2e_scenario_names() {
  local f
  for f in "$E2E_SCENARIOS"/*.sh; do
    [ -e "$f" ] || continue
    f=${f##*/}
    echo "${f%.sh}"
  done | LC_ALL=C sort
}

# e2e_scenario_var NAME VAR: value of VAR once scenario NAME is loaded (in a subshell).
e2e_scenario_var() {
  ( e2e_load "$1" >/dev/null 2>&1 || exit 1; eval "printf '%s\n' \"\${$2}\"" )
}

# e2e_defaults: every scenario variable at its default value.
# shellcheck disable=SC2034  # read by scenario files, the runner and bench/run.sh
e2e_defaults() {
  DESC=""
  CPU_MODEL=corei7_skylake_x CPUS=1 MEGS=1024 TIMEOUT=240 EST=""
  IPS=80000000 TIME0=946684800 ROMIMAGE=/usr/share/bochs/BIOS-bochs-latest
  HV=build/hypervisor/acrn.32.out HV_CMDLINE="" KERNEL_MB=""
  MODULES=()
  LINUX="" INITRD="" LINUX_CMDLINE=""
  EXPECT=()
  FAIL_ON='PANIC|Triple fault'
  WATCH="com1 com2 e9"
  CHECK=1 BENCH=0 UNTIL_EXIT=0 EXPECT_FAIL=""
  BOCHS_EXTRA="" BOOT_DISK=""
  HV_SHELL=() HV_SHELL_COM="" HV_SHELL_PROMPT='ACRN:\\>' HV_SHELL_TIMEOUT=30
  unset -f prepare 2>/dev/null || true
}

# e2e_load NAME: defaults, then the scenario file; sets SCEN_NAME and SCEN_DIR.
e2e_load() {
  local name=$1
  case $name in
    ''|*[!A-Za-z0-9_-]*) echo "e2e: bad scenario name '$name'" >&2; return 1 ;;
  esac
  [ -f "$E2E_SCENARIOS/$name.sh" ] || { echo "e2e: no scenario '$name'" >&2; return 1; }
  e2e_defaults
  # shellcheck disable=SC2034  # for scenario files and their prepare() hooks
  SCEN_NAME=$name SCEN_DIR=$E2E_BUILD/$name TOP=$E2E_TOP
  # shellcheck source=/dev/null
  . "$E2E_SCENARIOS/$name.sh"
}

# e2e_abspath PATH: PATH made absolute against the repository root.
e2e_abspath() {
  case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$E2E_TOP/$1" ;; esac
}

# e2e_make_iso OUT: the GRUB ISO for the loaded scenario (multiboot2 or native Linux).
e2e_make_iso() {
  local out=$1 m path args=()
  if [ -n "$LINUX" ]; then
    args=(--linux "$(e2e_abspath "$LINUX")" --cmdline "$LINUX_CMDLINE")
    [ -z "$INITRD" ] || args+=(--initrd "$(e2e_abspath "$INITRD")")
  else
    if [ -n "$KERNEL_MB" ]; then path=$KERNEL_MB
    elif [ "$HV" != none ]; then path=$HV
    else echo "e2e: HV=none needs LINUX= or KERNEL_MB=" >&2; return 1
    fi
    path=$(e2e_abspath "$path")
    [ -f "$path" ] || { echo "e2e: boot image $path missing" >&2; return 1; }
    args=(--mb2 "$path" --cmdline "$HV_CMDLINE")
    for m in "${MODULES[@]}"; do
      case $m in *'|'*) args+=(--module "$(e2e_abspath "${m%%|*}")|${m#*|}") ;;
                  *) args+=(--module "$(e2e_abspath "$m")") ;; esac
    done
  fi
  "$E2E_TOP/misc/mkiso.sh" -o "$out" "${args[@]}"
}

# e2e_render_bochsrc OUT ISO DIR [COM1 COM2 DISPLAY]: fill misc/bochsrc.in.
# COM1/COM2 are the option lists after "com1:" (default: files DIR/com1.log, DIR/com2.log).
e2e_render_bochsrc() {
  local out=$1 iso=$2 dir=$3
  local com1=${4:-"enabled=1, mode=file, dev=$dir/com1.log"}
  local com2=${5:-"enabled=1, mode=file, dev=$dir/com2.log"}
  local display=${6:-'rfb, options="timeout=0"'}
  local s err=ignore
  [ "${E2E_DEBUG:-0}" = 1 ] && err=report
  s=$(cat "$E2E_TOP/misc/bochsrc.in") || return 1
  # Quoted replacements: bash 5.2 would otherwise expand '&' in them.
  s=${s//@MEGS@/"$MEGS"}
  s=${s//@CPU_MODEL@/"$CPU_MODEL"}
  s=${s//@CPUS@/"$CPUS"}
  s=${s//@IPS@/"$IPS"}
  s=${s//@TIME0@/"$TIME0"}
  s=${s//@ROMIMAGE@/"$ROMIMAGE"}
  if [ -n "${BOOT_DISK:-}" ]; then
    s=${s//@BOOT_DEVICE@/"ata0-master: type=disk, path=$(e2e_abspath "$BOOT_DISK"), mode=flat"$'\n'"boot: disk"}
  else
    s=${s//@BOOT_DEVICE@/"ata0-master: type=cdrom, path=$iso, status=inserted"$'\n'"boot: cdrom"}
  fi
  s=${s//@COM1@/"$com1"}
  s=${s//@COM2@/"$com2"}
  s=${s//@DISPLAY@/"$display"}
  s=${s//@LOG@/"$dir/bochs.log"}
  s=${s//@ERROR_ACTION@/"$err"}
  s=${s//@EXTRA@/"$BOCHS_EXTRA"}
  printf '%s\n' "$s" > "$out"
}

# e2e_bochs_start DIR: start Bochs on DIR/bochsrc in the background; sets E2E_BOCHS_PID and
# writes DIR/bochs.pid (the parent runner's last-resort cleanup reads it).
e2e_bochs_start() {
  local dir=$1
  printf 'c\nquit\n' > "$dir/bochs.cmds"
  bochs -f "$dir/bochsrc" -q -rc "$dir/bochs.cmds" </dev/null >"$dir/bochs.out" 2>"$dir/bochs.err" &
  E2E_BOCHS_PID=$!
  # "<bochs pid> <owner pid>": a runner's cleanup only kills a Bochs its own subshell started.
  echo "$E2E_BOCHS_PID $BASHPID" > "$dir/bochs.pid"
}

# e2e_is_bochs PID: true if PID is alive and is a Bochs process (guards against PID reuse).
# Debian's /usr/bin/bochs is a shell wrapper that execs bochs-bin under the same PID.
e2e_is_bochs() {
  local comm
  [ -n "$1" ] || return 1
  comm=$(cat "/proc/$1/comm" 2>/dev/null) || return 1
  [ "$comm" = bochs ] || [ "$comm" = bochs-bin ]
}

# e2e_bochs_stop: stop the Bochs this shell started (TERM, then KILL after 2 s) and reap it,
# then its serial peer, if any.
e2e_bochs_stop() {
  local pid=$E2E_BOCHS_PID i
  [ -n "$pid" ] || { e2e_peer_stop; return 0; }
  if e2e_is_bochs "$pid"; then
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 20); do e2e_is_bochs "$pid" || break; sleep 0.1; done
    e2e_is_bochs "$pid" && kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
  E2E_BOCHS_PID=
  [ -z "${SCEN_DIR:-}" ] || rm -f "$SCEN_DIR/bochs.pid"
  e2e_peer_stop
  return 0
}

# e2e_shell_com: the COM port (com1/com2) of the hypervisor console that HV_SHELL types into:
# HV_SHELL_COM, else the console=comN option of HV_CMDLINE, else com2 (the hypervisor's default).
e2e_shell_com() {
  if [ -n "$HV_SHELL_COM" ]; then echo "$HV_SHELL_COM"; return; fi
  case " $HV_CMDLINE " in
    *' console=com1 '*) echo com1 ;;
    *) echo com2 ;;
  esac
}

# e2e_peer_start DIR COM: start lib/serial_peer.py as the socket peer of port COM: it logs what
# Bochs sends to DIR/COM.log and types the HV_SHELL entries; results in DIR/shell.results.
# Sets E2E_PEER_PID and E2E_PEER_OPT (the bochsrc option list for that port); on failure
# returns 1 with the reason in E2E_PEER_ERR.
e2e_peer_start() {
  local dir=$1 com=$2 e w port='' i scale args=()
  E2E_PEER_OPT='' E2E_PEER_ERR=''
  case $com in com1|com2) ;; *) E2E_PEER_ERR="HV_SHELL_COM must be com1 or com2, not '$com'"; return 1 ;; esac
  : > "$dir/shell.script"
  for e in "${HV_SHELL[@]}"; do
    case $e in *$'\n'*) E2E_PEER_ERR="HV_SHELL entry with a newline"; return 1 ;; esac
    printf '%s\n' "$e" >> "$dir/shell.script"
  done
  for w in $(e2e_watch_files "$dir"); do
    [ "$w" = "$dir/$com.log" ] || args+=(--watch "$w")
  done
  case $HV_SHELL_TIMEOUT in ''|*[!0-9]*) E2E_PEER_ERR="bad HV_SHELL_TIMEOUT '$HV_SHELL_TIMEOUT'"; return 1 ;; esac
  scale=${E2E_TIMEOUT_SCALE:-100}
  case $scale in ''|*[!0-9]*) scale=100 ;; esac
  : > "$dir/shell.results"
  python3 "$E2E_TOP/tests/e2e/lib/serial_peer.py" --log "$dir/$com.log" \
    --port-file "$dir/shell.port" --script "$dir/shell.script" --results "$dir/shell.results" \
    --name "$SCEN_NAME" --prompt "$HV_SHELL_PROMPT" \
    --timeout "$(( HV_SHELL_TIMEOUT * scale / 100 ))" "${args[@]}" \
    </dev/null >"$dir/shell-peer.log" 2>&1 &
  E2E_PEER_PID=$!
  for i in $(seq 100); do
    [ -s "$dir/shell.port" ] && break
    kill -0 "$E2E_PEER_PID" 2>/dev/null || break
    sleep 0.05
  done
  read -r port 2>/dev/null < "$dir/shell.port"
  case $port in
    ''|*[!0-9]*) E2E_PEER_ERR="serial peer did not start: $(tail -n1 "$dir/shell-peer.log")"
                 e2e_peer_stop; return 1 ;;
  esac
  E2E_PEER_OPT="enabled=1, mode=socket-client, dev=127.0.0.1:$port"
}

# e2e_peer_stop: let the serial peer drain and exit (it ends when Bochs closes its socket),
# then reap it; KILL after 3 s.
e2e_peer_stop() {
  local pid=$E2E_PEER_PID i
  [ -n "$pid" ] || return 0
  for i in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  E2E_PEER_PID=
  return 0
}

# e2e_shell_judge DIR FINAL: with HV_SHELL entries, turn a pass of e2e_judge into running
# (commands still pending) or fail (a command failed, or still pending when FINAL=1).
e2e_shell_judge() {
  local dir=$1 final=$2 n ndone line
  n=${#HV_SHELL[@]}
  [ "$n" -gt 0 ] && [ "$E2E_VERDICT" = pass ] || return 0
  ndone=$(grep -c -E '^(PASS|FAIL) ' "$dir/shell.results" 2>/dev/null)
  ndone=${ndone:-0}
  if [ "$ndone" -lt "$n" ]; then
    E2E_VERDICT=running E2E_REASON="missing shell replies ($ndone of $n commands done)"
    [ "$final" = 1 ] && E2E_VERDICT=fail
    return 0
  fi
  line=$(grep -a -m1 '^FAIL ' "$dir/shell.results")
  [ -z "$line" ] || E2E_VERDICT=fail E2E_REASON="${line#FAIL }"
  return 0
}

# e2e_kill_pidfile DIR OWNER: kill the Bochs recorded in DIR/bochs.pid if the subshell OWNER
# started it (runner cleanup, backstop for a subshell that could not stop its Bochs).
e2e_kill_pidfile() {
  local pid owner
  read -r pid owner 2>/dev/null < "$1/bochs.pid" || return 0
  [ "$owner" = "$2" ] || return 0
  e2e_is_bochs "$pid" && kill -KILL "$pid" 2>/dev/null
  rm -f "$1/bochs.pid"
  return 0
}

# e2e_pidfile_bochs DIR: the PID of the live Bochs recorded in DIR/bochs.pid, if any.
e2e_pidfile_bochs() {
  local pid owner
  read -r pid owner 2>/dev/null < "$1/bochs.pid" || return 1
  e2e_is_bochs "$pid" && echo "$pid"
}

# e2e_update_e9 DIR: DIR/e9.log = Bochs' stdout without the debugger's own lines (port 0xE9
# output shares stdout with the debugger's banner and stop messages).
e2e_update_e9() {
  grep -a -v -E '^(Next at t=|\([0-9]+\)[. ]?\[|<bochs:[0-9]+>|=+$|[[:space:]]*(Bochs x86 Emulator|Built from SVN|Timestamp:))' \
    "$1/bochs.out" > "$1/e9.log" 2>/dev/null || true
}

# e2e_bochs_exit_msg DIR: " (<Bochs' last words>)" when Bochs ended on a panic, e.g. a triple
# fault or a configuration error; empty otherwise.
e2e_bochs_exit_msg() {
  local msg
  msg=$(grep -a -A1 'Bochs is exiting with the following message' "$1/bochs.err" 2>/dev/null |
        tail -n1 | tr -d '\r' | sed 's/^[[:space:]]*//')
  case $msg in ''|*'Shutdown port: shutdown requested'*) return 0 ;; esac
  printf ' (%s)' "${msg:0:160}"
}

# e2e_watch_files DIR: the log files named by WATCH.
e2e_watch_files() {
  local w
  for w in $WATCH; do
    case $w in
      com1|com2|e9) echo "$1/$w.log" ;;
      bochslog) echo "$1/bochs.log" ;;
      *) echo "e2e: unknown WATCH entry '$w'" >&2 ;;
    esac
  done
}

# e2e_judge DIR FINAL: sets E2E_VERDICT (pass/fail/running) and E2E_REASON from the logs.
# FINAL=1 when Bochs is gone (exited or stopped): missing EXPECT lines then mean failure.
e2e_judge() {
  local dir=$1 final=$2 files=() f line i missing=
  mapfile -t files < <(e2e_watch_files "$dir")
  for f in "${files[@]}"; do [ -e "$f" ] || : > "$f"; done
  [[ " $WATCH " == *" e9 "* ]] && e2e_update_e9 "$dir"
  if [ -n "$FAIL_ON" ]; then
    line=$(grep -a -h -E -m1 -- "$FAIL_ON" "${files[@]}" 2>/dev/null | head -n1 | tr -d '\r')
    if [ -n "$line" ]; then
      # Bochs writes a COM log a character at a time: while it runs, give the matched line a
      # moment to be complete, so the reason (which EXPECT_FAIL may match) holds all of it.
      if [ "$final" != 1 ]; then
        sleep "$E2E_POLL"
        [[ " $WATCH " == *" e9 "* ]] && e2e_update_e9 "$dir"
        line=$(grep -a -h -E -m1 -- "$FAIL_ON" "${files[@]}" 2>/dev/null | head -n1 | tr -d '\r')
      fi
      E2E_VERDICT=fail E2E_REASON="matched '${line:0:160}'"
      return
    fi
  fi
  for i in "${!EXPECT[@]}"; do
    [ "${E2E_SEEN[$i]:-0}" = 1 ] && continue
    if grep -a -q -E -- "${EXPECT[$i]}" "${files[@]}" 2>/dev/null; then
      E2E_SEEN[$i]=1
      # When each line first showed (wall seconds since the scenario started, within one
      # poll): where a long scenario spends its time.
      [ -n "${start:-}" ] && echo "$(( $(date +%s) - start )) s  ${EXPECT[$i]}" >> "$dir/expect-times.log"
    elif [ -z "$missing" ]; then
      missing=${EXPECT[$i]}
    fi
  done
  if [ -z "$missing" ] && { [ "$UNTIL_EXIT" != 1 ] || [ "$final" = 1 ]; }; then
    E2E_VERDICT=pass E2E_REASON=
  elif [ "$final" = 1 ]; then
    E2E_VERDICT=fail E2E_REASON="missing '$missing'"
  else
    E2E_VERDICT=running E2E_REASON="missing '$missing'"
  fi
}

# e2e_run_one NAME: build, boot and judge one scenario; prints one PASS/FAIL line (plus log
# tails on failure).  Returns 0 on PASS.  Meant to run in its own subshell.
e2e_run_one() {
  local name=$1 dir start now elapsed verdict reason f rel timeout other
  start=$(date +%s)
  rel=build/e2e/$name/
  # Load once in a subshell to capture why a scenario cannot be loaded, then for real.
  if ! other=$( (e2e_load "$name") 2>&1 >/dev/null ); then
    echo "FAIL $name (${other:-scenario file failed to load})"
    return 1
  fi
  e2e_load "$name" >/dev/null 2>&1
  dir=$SCEN_DIR
  case $dir in "$E2E_TOP"/*) rel=${dir#"$E2E_TOP"/}/ ;; *) rel=$dir/ ;; esac
  mkdir -p "$dir"
  # Two runners on one scenario would share (and clobber) its directory.
  if other=$(e2e_pidfile_bochs "$dir"); then
    echo "FAIL $name (already running in another runner: Bochs pid $other; logs: $rel)"
    return 1
  fi
  rm -f "$dir"/{com1,com2,e9}.log "$dir"/bochs.{out,err,log,pid} "$dir/boot.iso" "$dir/prepare.log" "$dir/prepare.env" "$dir/expect-times.log" \
        "$dir"/shell.{script,port,results} "$dir/shell-peer.log"
  trap 'e2e_bochs_stop; exit 130' INT TERM
  trap 'e2e_bochs_stop' EXIT
  E2E_SEEN=()
  verdict='' reason=''
  if declare -F prepare >/dev/null && ! (cd "$E2E_TOP" && prepare) >"$dir/prepare.log" 2>&1; then
    verdict=fail reason="prepare failed: $(tail -n1 "$dir/prepare.log")"
  fi
  # prepare() may set variables (e.g. KERNEL_MB): source its exports, written by e2e_export.
  [ -f "$dir/prepare.env" ] && . "$dir/prepare.env"
  # BOOT_DISK: the firmware boots a disk image that prepare() made; no GRUB ISO.
  if [ -z "$verdict" ] && [ -n "$BOOT_DISK" ] && [ ! -f "$(e2e_abspath "$BOOT_DISK")" ]; then
    verdict=fail reason="BOOT_DISK $BOOT_DISK missing"
  fi
  if [ -z "$verdict" ] && [ -z "$BOOT_DISK" ] && ! e2e_make_iso "$dir/boot.iso" >"$dir/mkiso.log" 2>&1; then
    verdict=fail reason="ISO build failed: $(tail -n1 "$dir/mkiso.log")"
  fi
  if [ -z "$verdict" ] && [ ${#EXPECT[@]} -eq 0 ]; then
    verdict=fail reason="scenario has no EXPECT lines"
  fi
  if [ -z "$verdict" ] && ! command -v bochs >/dev/null; then
    verdict=fail reason="bochs not installed (run misc/deps.sh)"
  fi
  local com1opt='' com2opt=''
  if [ -z "$verdict" ] && [ ${#HV_SHELL[@]} -gt 0 ]; then
    # The hypervisor console goes to a socket peer that logs it and types the commands.
    if e2e_peer_start "$dir" "$(e2e_shell_com)"; then
      [ "$(e2e_shell_com)" = com1 ] && com1opt=$E2E_PEER_OPT || com2opt=$E2E_PEER_OPT
    else
      verdict=fail reason="shell: $E2E_PEER_ERR"
    fi
  fi
  if [ -z "$verdict" ]; then
    e2e_render_bochsrc "$dir/bochsrc" "$dir/boot.iso" "$dir" "$com1opt" "$com2opt"
    # E2E_TIMEOUT_SCALE (integer percent, default 100) stretches every TIMEOUT on a busy host.
    timeout=${E2E_TIMEOUT_SCALE:-100}
    case $timeout in ''|*[!0-9]*) timeout=100 ;; esac
    timeout=$(( TIMEOUT * timeout / 100 ))
    start=$(date +%s)
    e2e_bochs_start "$dir"
    while :; do
      sleep "$E2E_POLL"
      now=$(date +%s)
      if ! e2e_is_bochs "$E2E_BOCHS_PID"; then
        wait "$E2E_BOCHS_PID" 2>/dev/null
        e2e_peer_stop		# the peer reports the commands it could not run, then exits
        e2e_judge "$dir" 1
        e2e_shell_judge "$dir" 1
        [ "$E2E_VERDICT" = fail ] && [ "$E2E_REASON" != "${E2E_REASON#missing}" ] &&
          E2E_REASON="bochs exited$(e2e_bochs_exit_msg "$dir"), $E2E_REASON"
        break
      fi
      e2e_judge "$dir" 0
      e2e_shell_judge "$dir" 0
      [ "$E2E_VERDICT" != running ] && break
      if [ $((now - start)) -ge "$timeout" ]; then
        e2e_bochs_stop
        e2e_judge "$dir" 1
        e2e_shell_judge "$dir" 1
        [ "$E2E_VERDICT" = fail ] && [ "$E2E_REASON" != "${E2E_REASON#missing}" ] &&
          E2E_REASON="timeout after ${timeout}s, $E2E_REASON"
        # UNTIL_EXIT=1 promises that the guest ends the run itself: a hang at the end fails.
        [ "$E2E_VERDICT" = pass ] && [ "$UNTIL_EXIT" = 1 ] &&
          E2E_VERDICT=fail E2E_REASON="timeout after ${timeout}s, Bochs did not exit (UNTIL_EXIT=1)"
        break
      fi
    done
    e2e_bochs_stop
    verdict=$E2E_VERDICT reason=$E2E_REASON
  fi
  elapsed=$(( $(date +%s) - start ))
  # One PASS/FAIL line per HV_SHELL entry, before the scenario's own line (indented in a
  # negative scenario, whose failures are expected).
  if [ ${#HV_SHELL[@]} -gt 0 ] && [ -s "$dir/shell.results" ]; then
    if [ -n "$EXPECT_FAIL" ]; then
      grep -a -E '^(PASS|FAIL) ' "$dir/shell.results" | sed 's/^/    /'
    else
      grep -a -E '^(PASS|FAIL) ' "$dir/shell.results"
    fi
  fi
  if [ -n "$EXPECT_FAIL" ]; then
    # Negative scenario: it passes when the run fails for the expected reason.
    if [ "$verdict" = fail ] && [[ $reason =~ $EXPECT_FAIL ]]; then
      verdict=pass reason="failed as expected: $reason"
    else
      reason="expected a failure matching '$EXPECT_FAIL', got ${reason:-a pass}"
      verdict=fail
    fi
  fi
  if [ "$verdict" = pass ]; then
    echo "PASS $name (${elapsed}s)"
    trap - EXIT INT TERM
    return 0
  fi
  echo "FAIL $name ($reason; logs: $rel)"
  for f in $(e2e_watch_files "$dir"); do
    [ -s "$f" ] || continue
    echo "    --- ${f##*/} (last 20 lines)"
    tail -n 20 "$f" | tr -d '\r' | awk '{ print "    " $0 }'
  done
  [ ! -s "$dir/prepare.log" ] || [ "${reason#prepare}" = "$reason" ] ||
    { echo "    --- prepare.log (last 20 lines)"; tail -n 20 "$dir/prepare.log" | awk '{ print "    " $0 }'; }
  trap - EXIT INT TERM
  return 1
}

# e2e_export VAR...: from prepare(), hand variables back to the runner (prepare runs in a
# subshell so a failing hook cannot corrupt the runner's state).
e2e_export() {
  local v
  for v in "$@"; do declare -p "$v"; done >> "$SCEN_DIR/prepare.env"
}

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Serial peer for one Bochs COM port in socket-client mode.

Listens on 127.0.0.1 (an ephemeral port, so two runs never collide), writes the
port number to --port-file, accepts Bochs' connection and appends every byte it
receives to --log (flushed at once: the runner's EXPECT/FAIL_ON read that file
while Bochs runs).  With --script it also types commands into the port:

  one entry per line, "after|command|expect"
    after   regex (Python re): wait until a line of a --watch file (or of --log)
            matches; empty = go on as soon as the previous entry finished;
            "@N" = wait N seconds (of wall-clock time) after the previous entry
    command typed one character at a time (each after the echo of the
            previous one), then CR
    expect  regex (Python re, MULTILINE): must match the port's output that
            follows the echo of the command (from the first newline received
            after the CR) within --timeout seconds

Each entry writes one line to --results: "PASS <name>/shell: <command>" or
"FAIL <name>/shell: <command> (<why>)".  After a match the peer waits (at most
--timeout seconds) for --prompt before the next entry, so a command's output
is complete before the next one is typed.  The peer exits when Bochs closes the
connection; entries not reached by then are reported as not run.
"""
import argparse
import os
import re
import select
import socket
import sys
import time


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--script")
    ap.add_argument("--results")
    ap.add_argument("--name", default="scenario")
    ap.add_argument("--watch", action="append", default=[])
    ap.add_argument("--prompt", default="")
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--char-delay", type=float, default=0.05)
    ap.add_argument("--echo-timeout", type=float, default=3.0)
    ap.add_argument("--accept-timeout", type=float, default=60.0)
    return ap.parse_args()


def shorten(cmd):
    """The command as shown in a result line: long test lines are abbreviated."""
    return cmd if len(cmd) <= 60 else "%s... (%d characters)" % (cmd[:32], len(cmd))


def load_script(path):
    """Entries as (after, command, expect); bad lines become entries that fail."""
    entries = []
    if not path:
        return entries
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line == "":
                continue
            parts = line.split("|", 2)
            if len(parts) != 3:
                entries.append((None, line, "malformed entry, want after|command|expect"))
                continue
            after, cmd, expect = parts
            try:
                if not re.fullmatch(r"@[0-9]+", after):
                    re.compile(after)
                re.compile(expect)
            except re.error as e:
                entries.append((None, cmd, "bad regex: %s" % e))
                continue
            entries.append((after, cmd, expect))
    return entries


class Watcher:
    """Reads the watched files incrementally and matches complete lines."""

    def __init__(self, paths):
        self.paths = paths
        self.offsets = {p: 0 for p in paths}
        self.partial = {p: "" for p in paths}
        self.lines = []		# every complete line seen so far, in arrival order

    def poll(self):
        for p in self.paths:
            try:
                with open(p, "rb") as f:
                    f.seek(self.offsets[p])
                    data = f.read()
            except OSError:
                continue
            if not data:
                continue
            self.offsets[p] += len(data)
            text = self.partial[p] + data.decode("latin-1").replace("\r", "")
            parts = text.split("\n")
            self.partial[p] = parts.pop()
            self.lines.extend(parts)

    def seen(self, regex):
        rx = re.compile(regex)
        return any(rx.search(line) for line in self.lines + list(self.partial.values()))


class Peer:
    def __init__(self, args):
        self.args = args
        self.conn = None
        self.log = open(args.log, "ab")
        self.out = ""		# everything received, CR removed, for expect matching
        self.closed = False

    def pump(self, wait):
        """Move whatever Bochs sent to the log; wait at most `wait` seconds for it."""
        if self.closed:
            time.sleep(wait)
            return
        r, _, _ = select.select([self.conn], [], [], wait)
        if not r:
            return
        try:
            data = self.conn.recv(65536)
        except OSError:
            data = b""
        if not data:
            self.closed = True
            return
        self.log.write(data)
        self.log.flush()
        self.out += data.decode("latin-1").replace("\r", "")

    def send(self, text):
        """Type text.  The hypervisor reads its UART from a polling loop (every
        10 ms of emulated time while a VM runs) and the UART FIFO holds 16 bytes,
        so a character goes out only when the previous one was echoed (or, once
        an echo failed to come within --echo-timeout, e.g. past the end of the
        line buffer, after --char-delay)."""
        wait_echo = True
        for ch in text.encode("latin-1", "replace"):
            if self.closed:
                return False
            mark = len(self.out)
            try:
                self.conn.sendall(bytes([ch]))
            except OSError:
                self.closed = True
                return False
            echo = chr(ch) if wait_echo and 0x20 <= ch < 0x7F else None
            deadline = time.monotonic() + (self.args.echo_timeout if echo else self.args.char_delay)
            while time.monotonic() < deadline and not self.closed:
                if echo is not None and echo in self.out[mark:]:
                    break
                self.pump(min(0.05, max(0.0, deadline - time.monotonic())))
            else:
                if echo is not None:
                    wait_echo = False
        return True


def run_entry(peer, watch, entry, args):
    """Returns None on success, or the reason of the failure."""
    after, cmd, expect = entry
    if after is None:
        return expect
    if re.fullmatch(r"@[0-9]+", after):
        deadline = time.monotonic() + int(after[1:])
        while time.monotonic() < deadline:
            if peer.closed:
                return "Bochs ended during the %s s wait" % after[1:]
            peer.pump(0.2)
        after = ""
    while after != "":
        watch.poll()
        if watch.seen(after):
            break
        if peer.closed:
            return "Bochs ended before '%s' appeared" % after
        peer.pump(0.2)
    if not peer.send(cmd):
        return "connection closed while typing"
    start = len(peer.out)	# the reply starts at the first newline after this CR
    if not peer.send("\r"):
        return "connection closed while typing"
    rx = re.compile(expect, re.MULTILINE)
    prompt = re.compile(args.prompt) if args.prompt else None
    deadline = time.monotonic() + args.timeout
    matched = False
    while time.monotonic() < deadline:
        nl = peer.out.find("\n", start)
        if nl >= 0:
            body = peer.out[nl + 1:]
            if not matched and rx.search(body):
                matched = True
            # Complete once the next prompt follows the output (or there is no prompt).
            if matched and (prompt is None or prompt.search(body)):
                return None
        if peer.closed:
            break
        peer.pump(0.1)
    if matched:
        return None		# matched, but no prompt came back (e.g. reboot)
    tail = peer.out[start:][-120:].replace("\n", "\\n")
    return "no match for '%s' in %s; output: '%s'" % (
        expect, "time" if not peer.closed else "the output before Bochs ended", tail)


def main():
    args = parse_args()
    entries = load_script(args.script)
    results = open(args.results, "a") if args.results else sys.stdout

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.rename(tmp, args.port_file)

    srv.settimeout(args.accept_timeout)
    try:
        conn, _ = srv.accept()
    except OSError:
        for _, cmd, _ in entries:
            print("FAIL %s/shell: %s (Bochs never connected)" % (args.name, shorten(cmd)),
                  file=results)
        return 1
    srv.close()
    conn.setblocking(False)
    peer = Peer(args)
    peer.conn = conn
    watch = Watcher(args.watch + [args.log])

    failed = 0
    for i, entry in enumerate(entries):
        why = run_entry(peer, watch, entry, args)
        cmd = shorten(entry[1])
        if why is None:
            print("PASS %s/shell: %s" % (args.name, cmd), file=results, flush=True)
        else:
            failed += 1
            print("FAIL %s/shell: %s (%s)" % (args.name, cmd, why), file=results, flush=True)
        if peer.closed:
            for _, c, _ in entries[i + 1:]:
                failed += 1
                print("FAIL %s/shell: %s (not run: Bochs ended)" % (args.name, shorten(c)),
                      file=results, flush=True)
            break
    # Keep the log complete until Bochs goes away.
    while not peer.closed:
        peer.pump(1.0)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

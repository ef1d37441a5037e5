#!/usr/bin/env python3
"""udp_probe.py - sends one datagram to each target in turn, round after
round, until killed (or for DURATION seconds), and counts the answers.
Each datagram goes out on a fresh socket (a new connection for conntrack)
and, with --same, a second one on a socket kept for the whole run (one
connection, judged again after every reload). A target "permit" must
echo every datagram within TIMEOUT; a target "deny" none within
DENY_WAIT. OUT is rewritten atomically after every round, one line per
target and socket kind:

    ADDR PORT EXPECT fresh|same sent=N answered=A late=L

("late": answers that came after their wait was over: for a permitted
port they are counted as not answered).

    udp_probe.py OUT TARGET... [--interval S] [--timeout S] [--deny-wait S]
                 [--duration S] [--same]
    TARGET: ADDR:PORT:permit|deny (an IPv6 ADDR in brackets)
"""
import argparse
import os
import select
import signal
import socket
import sys
import time


class Target:
    def __init__(self, spec, same):
        addr, port, expect = spec.rsplit(":", 2)
        self.addr = addr.strip("[]")
        self.port = int(port)
        self.expect = expect
        self.fam = socket.AF_INET6 if ":" in self.addr else socket.AF_INET
        self.kinds = {"fresh": [0, 0, 0]}
        self.same = None
        if same:
            self.same = socket.socket(self.fam, socket.SOCK_DGRAM)
            self.same.connect((self.addr, self.port))
            self.kinds["same"] = [0, 0, 0]


def exchange(sock, tok, wait, counts):
    """Sends tok, waits up to wait seconds for it to come back."""
    counts[0] += 1
    try:
        sock.send(tok)
    except OSError:
        return
    deadline = time.monotonic() + wait
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return
        r, _, _ = select.select([sock], [], [], left)
        if not r:
            return
        try:
            data = sock.recv(2048)
        except OSError:
            return
        if data == tok:
            counts[1] += 1
            return
        counts[2] += 1  # an answer to an earlier datagram


def drain(sock, counts):
    while True:
        r, _, _ = select.select([sock], [], [], 0)
        if not r:
            return
        try:
            sock.recv(2048)
        except OSError:
            return
        counts[2] += 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("targets", nargs="+")
    ap.add_argument("--interval", type=float, default=0.01)
    ap.add_argument("--timeout", type=float, default=2.0)
    ap.add_argument("--deny-wait", type=float, default=0.05)
    ap.add_argument("--duration", type=float, default=0)
    ap.add_argument("--same", action="store_true")
    a = ap.parse_args()
    targets = [Target(t, a.same) for t in a.targets]
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    end = time.monotonic() + a.duration if a.duration else None
    seq = 0

    def dump():
        with open(a.out + ".tmp", "w") as f:
            for t in targets:
                for kind, (n, ok, late) in t.kinds.items():
                    f.write("%s %d %s %s sent=%d answered=%d late=%d\n" % (
                        t.addr, t.port, t.expect, kind, n, ok, late))
        os.replace(a.out + ".tmp", a.out)

    while not stop and (end is None or time.monotonic() < end):
        for t in targets:
            wait = a.timeout if t.expect == "permit" else a.deny_wait
            seq += 1
            with socket.socket(t.fam, socket.SOCK_DGRAM) as s:
                s.connect((t.addr, t.port))
                exchange(s, b"p%d" % seq, wait, t.kinds["fresh"])
                drain(s, t.kinds["fresh"])
            if t.same:
                drain(t.same, t.kinds["same"])
                seq += 1
                exchange(t.same, b"p%d" % seq, wait, t.kinds["same"])
        dump()
        time.sleep(a.interval)
    dump()
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""udp_stream.py - a steady stream of datagrams from one socket to
HOST:PORT at RATE a second until SIGTERM, counting the echoes that come
back. At the end it waits WAIT seconds for late echoes, then writes
"sent=N echoed=E errors=X" to OUT (X: sends that failed).

    udp_stream.py HOST PORT RATE OUT [--wait S]
"""
import argparse
import os
import select
import signal
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("rate", type=float)
    ap.add_argument("out")
    ap.add_argument("--wait", type=float, default=1.0)
    a = ap.parse_args()
    fam = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.connect((a.host, a.port))
    s.setblocking(False)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    sent = echoed = 0
    start = time.monotonic()

    def drain(wait):
        nonlocal echoed
        end = time.monotonic() + wait
        while True:
            left = end - time.monotonic()
            r, _, _ = select.select([s], [], [], max(0.0, left))
            if not r:
                if left <= 0:
                    return
                continue
            try:
                while True:
                    s.recv(2048)
                    echoed += 1
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                pass

    slots = errors = 0
    while not stop:
        due = start + slots / a.rate
        now = time.monotonic()
        if now < due:
            drain(due - now)
            continue
        slots += 1
        try:
            s.send(b"s%d" % slots)
            sent += 1
        except OSError:
            errors += 1
    drain(a.wait)
    with open(a.out + ".tmp", "w") as f:
        f.write("sent=%d echoed=%d errors=%d\n" % (sent, echoed, errors))
    os.replace(a.out + ".tmp", a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""connect_loop.py - opens connections at a steady rate until killed (or for
DURATION seconds) and counts them by outcome. --expect answered: each must
be set up and deliver the server's greeting; --expect dropped: none may be
set up within TIMEOUT. After every attempt OUT is rewritten atomically as
"attempts=N good=G bad=B".

    connect_loop.py HOST PORT OUT --expect answered|dropped
                    [--interval S] [--timeout S] [--duration S]
"""
import argparse
import os
import socket
import sys
import time


def attempt(host, port, timeout):
    """True when a connection is set up and the server says something."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        try:
            s.connect((host, port))
            return len(s.recv(64)) > 0
        except OSError:
            return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("out")
    ap.add_argument("--expect", choices=["answered", "dropped"], required=True)
    ap.add_argument("--interval", type=float, default=0.02)
    ap.add_argument("--timeout", type=float, default=1.0)
    ap.add_argument("--duration", type=float, default=0)
    a = ap.parse_args()
    want = a.expect == "answered"
    n = good = 0
    end = time.monotonic() + a.duration if a.duration else None
    while end is None or time.monotonic() < end:
        n += 1
        good += attempt(a.host, a.port, a.timeout) == want
        with open(a.out + ".tmp", "w") as f:
            f.write("attempts=%d good=%d bad=%d\n" % (n, good, n - good))
        os.replace(a.out + ".tmp", a.out)
        time.sleep(a.interval)
    return 0


if __name__ == "__main__":
    sys.exit(main())

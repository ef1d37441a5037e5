#!/usr/bin/env python3
"""idle_exchange.py - one TCP connection that exchanges a line with an echo
server at once, then stays idle (not a byte either way) until GO holds a
line, then exchanges one more line. Writes "connected", then "ok N" or
"fail N" (no answer within TIMEOUT) per exchange to OUT, then exits.

    idle_exchange.py HOST PORT OUT GO [--timeout S] [--wait S]
"""
import argparse
import os
import socket
import sys
import time


def exchange(s, n, timeout):
    tok = b"x%d\n" % n
    buf = b""
    deadline = time.monotonic() + timeout
    try:
        s.sendall(tok)
        while tok not in buf and time.monotonic() < deadline:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            data = s.recv(4096)
            if not data:
                break
            buf += data
    except OSError:
        pass
    return tok in buf


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("out")
    ap.add_argument("go")
    ap.add_argument("--timeout", type=float, default=2.0)
    ap.add_argument("--wait", type=float, default=300.0)
    a = ap.parse_args()
    fam = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(3)
    s.connect((a.host, a.port))
    with open(a.out, "a", buffering=1) as log:
        log.write("connected\n")
        log.write("%s 1\n" % ("ok" if exchange(s, 1, a.timeout) else "fail"))
        end = time.monotonic() + a.wait
        while not (os.path.exists(a.go) and os.path.getsize(a.go) > 0):
            if time.monotonic() > end:
                log.write("no go\n")
                return 1
            time.sleep(0.05)
        log.write("%s 2\n" % ("ok" if exchange(s, 2, a.timeout) else "fail"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

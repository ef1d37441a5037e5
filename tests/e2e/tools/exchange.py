#!/usr/bin/env python3
"""exchange.py - one long-lived TCP connection that exchanges a line with an
echo server every INTERVAL seconds and writes one line per exchange to OUT:
"ok N" or "fail N" (no answer within TIMEOUT). Runs until killed, until
COUNT exchanges were made, or until MAXFAIL exchanges in a row failed.

    exchange.py HOST PORT OUT [--interval S] [--timeout S] [--count N]
                [--maxfail N] [--bind ADDR]
"""
import argparse
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("out")
    ap.add_argument("--interval", type=float, default=0.1)
    ap.add_argument("--timeout", type=float, default=1.0)
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--maxfail", type=int, default=5)
    ap.add_argument("--bind", default=None)
    a = ap.parse_args()
    fam = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(3)
    if a.bind:
        s.bind((a.bind, 0))
    s.connect((a.host, a.port))
    s.settimeout(a.timeout)
    buf = b""
    fails = n = 0
    with open(a.out, "a", buffering=1) as log:
        log.write("connected\n")
        while not a.count or n < a.count:
            n += 1
            tok = b"x%d\n" % n
            ok = False
            try:
                s.sendall(tok)
                deadline = time.monotonic() + a.timeout
                while tok not in buf and time.monotonic() < deadline:
                    s.settimeout(max(0.01, deadline - time.monotonic()))
                    data = s.recv(4096)
                    if not data:
                        break
                    buf += data
                ok = tok in buf
                buf = buf.split(tok, 1)[1] if ok else buf
            except OSError:
                ok = False
            log.write("%s %d\n" % ("ok" if ok else "fail", n))
            fails = 0 if ok else fails + 1
            if fails >= a.maxfail:
                break
            time.sleep(a.interval)
    return 0


if __name__ == "__main__":
    sys.exit(main())

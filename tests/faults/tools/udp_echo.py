#!/usr/bin/env python3
"""udp_echo.py - UDP echo servers on ADDR:PORT pairs that count what they
receive. Every datagram is sent back. OUT is rewritten atomically every
0.2 s, and at SIGTERM, as one "ADDR PORT N" line per server.

    udp_echo.py OUT ADDR:PORT...     (ADDR:PORT; an IPv6 ADDR in brackets)
"""
import os
import select
import signal
import socket
import sys
import time


def parse(spec):
    host, port = spec.rsplit(":", 1)
    return host.strip("[]"), int(port)


def main():
    out = sys.argv[1]
    socks = {}
    for spec in sys.argv[2:]:
        host, port = parse(spec)
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind((host, port))
        s.setblocking(False)
        socks[s] = [host, port, 0]
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))

    def dump():
        with open(out + ".tmp", "w") as f:
            for host, port, n in socks.values():
                f.write("%s %d %d\n" % (host, port, n))
        os.replace(out + ".tmp", out)

    dump()
    last = time.monotonic()
    while not stop:
        try:
            ready, _, _ = select.select(list(socks), [], [], 0.2)
        except InterruptedError:
            continue
        for s in ready:
            while True:
                try:
                    data, peer = s.recvfrom(2048)
                except (BlockingIOError, InterruptedError):
                    break
                socks[s][2] += 1
                try:
                    s.sendto(data, peer)
                except OSError:
                    pass
        if time.monotonic() - last >= 0.2:
            dump()
            last = time.monotonic()
    dump()
    return 0


if __name__ == "__main__":
    sys.exit(main())

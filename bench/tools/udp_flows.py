#!/usr/bin/env python3
"""udp_flows.py SRC DST FIRST_PORT COUNT SOCKETS: one UDP datagram to each of
COUNT destination ports from each of SOCKETS source ports: COUNT * SOCKETS
flows (conntrack entries on the receiving side), paced in bursts of 500."""
import socket
import sys
import time


def main():
    src, dst, first, count, nsock = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
        int(sys.argv[4]), int(sys.argv[5])
    socks = []
    for _ in range(nsock):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((src, 0))
        socks.append(s)
    sent = 0
    for s in socks:
        for p in range(first, first + count):
            s.sendto(b"x", (dst, p))
            sent += 1
            if sent % 500 == 0:
                time.sleep(0.004)
    print("sent=%d" % sent)
    return 0


if __name__ == "__main__":
    sys.exit(main())

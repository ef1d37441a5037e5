#!/usr/bin/env python3
"""connect_lat.py HOST PORT N: opens N TCP connections one after another and
prints the connect() times' p50 and p99 in microseconds: "p50=U p99=U n=N"."""
import socket
import sys
import time


def main():
    host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    times = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        t = time.perf_counter_ns()
        s.connect((host, port))
        times.append((time.perf_counter_ns() - t) // 1000)
        s.close()
    times.sort()
    print("p50=%d p99=%d n=%d" % (times[len(times) // 2], times[len(times) * 99 // 100], n))
    return 0


if __name__ == "__main__":
    sys.exit(main())

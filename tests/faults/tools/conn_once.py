#!/usr/bin/env python3
"""conn_once.py - one TCP connection attempt, bounded by TIMEOUT seconds:
writes "answered T" when the server's greeting arrived (T: the wall clock
then, in seconds), "failed T REASON" otherwise, to OUT.

    conn_once.py HOST PORT TIMEOUT OUT
"""
import os
import socket
import sys
import time


def main():
    host, port, timeout, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    res = "failed"
    why = ""
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        try:
            s.connect((host, port))
            if s.recv(64):
                res = "answered"
            else:
                why = "closed"
        except OSError as e:
            why = type(e).__name__
    with open(out + ".tmp", "w") as f:
        f.write("%s %.3f %s\n" % (res, time.time(), why))
    os.replace(out + ".tmp", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""ctfill.py - fills the conntrack table of the current network namespace
through ctnetlink, or empties it again of what it put there.

    ctfill.py fill DST COUNT MARK [--timeout S]
        inserts up to COUNT UDP entries, ASSURED and SEEN_REPLY (the kernel
        never drops those early to make room), with connmark MARK and a
        timeout of S seconds (default 3600): from documentation sources
        (192.0.2.1-254, 203.0.113.1-254, source ports from 1024) to DST port
        9. Stops at the first refusal (ENOMEM: the table is full). Prints
        "inserted N refused M first-error ERRNO".
    ctfill.py flush MARK
        deletes every entry whose connmark is MARK, in one request.

Many requests go in one sendmsg; only refusals are answered (and the last
request of each batch, to keep in step). Speaks nfnetlink itself: no
library needed.
"""
import errno
import os
import socket
import struct
import sys

NETLINK_NETFILTER = 12
NETLINK_CAP_ACK = 10
NLM_F_REQUEST, NLM_F_ACK, NLM_F_EXCL, NLM_F_CREATE = 0x1, 0x4, 0x200, 0x400
NLMSG_ERROR = 2
CT_NEW, CT_DELETE = 0x100, 0x102          # NFNL_SUBSYS_CTNETLINK << 8 | msg
CTA_TUPLE_ORIG, CTA_TUPLE_REPLY, CTA_STATUS, CTA_TIMEOUT, CTA_MARK = 1, 2, 3, 7, 8
CTA_MARK_MASK = 21
CTA_TUPLE_IP, CTA_TUPLE_PROTO = 1, 2
CTA_IP_V4_SRC, CTA_IP_V4_DST = 1, 2
CTA_PROTO_NUM, CTA_PROTO_SRC_PORT, CTA_PROTO_DST_PORT = 1, 2, 3
NLA_F_NESTED = 0x8000
IPS_SEEN_REPLY, IPS_ASSURED, IPS_CONFIRMED = 0x2, 0x4, 0x8
NETS = (bytes((192, 0, 2)), bytes((203, 0, 113)))
BATCH = 1000


def attr(kind, payload):
    a = struct.pack("=HH", 4 + len(payload), kind) + payload
    return a + b"\0" * (-len(a) % 4)


def nest(kind, *attrs):
    return attr(kind | NLA_F_NESTED, b"".join(attrs))


def tuple_(kind, src, dst, sport, dport):
    return nest(kind,
                nest(CTA_TUPLE_IP, attr(CTA_IP_V4_SRC, src), attr(CTA_IP_V4_DST, dst)),
                nest(CTA_TUPLE_PROTO, attr(CTA_PROTO_NUM, bytes((socket.IPPROTO_UDP,))),
                     attr(CTA_PROTO_SRC_PORT, struct.pack("!H", sport)),
                     attr(CTA_PROTO_DST_PORT, struct.pack("!H", dport))))


def message(kind, flags, seq, body):
    nfgen = struct.pack("=BBH", socket.AF_INET, 0, 0)
    return struct.pack("=IHHII", 16 + len(nfgen) + len(body), kind, flags, seq, 0) + nfgen + body


def open_nl():
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    s.setsockopt(270, NETLINK_CAP_ACK, 1)   # SOL_NETLINK: errors without the request
    s.bind((0, 0))
    return s


def answers(s, want_seq):
    """Reads answers up to the ack of want_seq; returns {seq: errno}."""
    errs = {}
    while True:
        data = s.recv(1 << 20)
        off = 0
        while off + 16 <= len(data):
            ln, kind, _, seq, _ = struct.unpack_from("=IHHII", data, off)
            if kind == NLMSG_ERROR:
                err = -struct.unpack_from("=i", data, off + 16)[0]
                if err:
                    errs[seq] = err
                if seq == want_seq:
                    return errs
            off += (ln + 3) & ~3


def fill(dst, count, mark, timeout):
    s = open_nl()
    dst = socket.inet_aton(dst)
    tail = (attr(CTA_STATUS, struct.pack("!I", IPS_SEEN_REPLY | IPS_ASSURED | IPS_CONFIRMED)) +
            attr(CTA_TIMEOUT, struct.pack("!I", timeout)) + attr(CTA_MARK, struct.pack("!I", mark)))
    inserted = refused = 0
    first = 0
    i = 0
    while i < count:
        n = min(BATCH, count - i)
        msgs = []
        for k in range(i, i + n):
            src = NETS[k % 2] + bytes((1 + (k // 2) % 254,))
            sport = 1024 + k // 508
            body = tuple_(CTA_TUPLE_ORIG, src, dst, sport, 9) + \
                tuple_(CTA_TUPLE_REPLY, dst, src, 9, sport) + tail
            flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | (NLM_F_ACK if k == i + n - 1 else 0)
            msgs.append(message(CT_NEW, flags, k + 1, body))
        s.send(b"".join(msgs))
        errs = answers(s, i + n)
        refused += len(errs)
        inserted += n - len(errs)
        if errs and not first:
            first = errs[min(errs)]
        i += n
        if errs:
            break
    print("inserted %d refused %d first-error %s" %
          (inserted, refused, errno.errorcode.get(first, first) if first else "none"))
    return 0


def flush(mark):
    s = open_nl()
    body = attr(CTA_MARK, struct.pack("!I", mark)) + attr(CTA_MARK_MASK, struct.pack("!I", 0xFFFFFFFF))
    s.send(message(CT_DELETE, NLM_F_REQUEST | NLM_F_ACK, 1, body))
    errs = answers(s, 1)
    if errs:
        print("flush refused: %s" % os.strerror(errs[1]), file=sys.stderr)
        return 1
    return 0


def main(argv):
    if len(argv) >= 5 and argv[1] == "fill":
        timeout = 3600
        if len(argv) == 7 and argv[5] == "--timeout":
            timeout = int(argv[6])
        return fill(argv[2], int(argv[3]), int(argv[4], 0), timeout)
    if len(argv) == 3 and argv[1] == "flush":
        return flush(int(argv[2], 0))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

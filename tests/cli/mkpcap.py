#!/usr/bin/env python3
"""mkpcap.py - writes the capture the CLI replay tests read, in one framing.

    mkpcap.py FRAMING OUT [--snaplen N] [--linktype N] [--cut BYTES]

FRAMING: en10mb (Ethernet, with an ARP frame too), vlan (802.1Q and QinQ
tags), sll, sll2, raw, ipv4 (LINKTYPE_IPV4 holding only the IPv4 packets),
pcapng (Ethernet in a pcapng file). --snaplen cuts every frame to N bytes,
--linktype writes another link type into the header, --cut drops the last
BYTES bytes of the file (a capture cut short).
The packets, between the host 198.51.100.2 / 2001:db8:1::2 and remote hosts:
an SSH connection, a refused HTTP connection (its SYN sent twice), a lone
ACK, a DNS query answered, a ping answered, an echo reply nobody asked for,
an IPv6 neighbour solicitation, a packet between two other hosts.
"""
import argparse
import struct

HOST, REMOTE, OTHER = "198.51.100.2", "203.0.113.7", "203.0.113.9"
SYN, ACK, FIN, SA = 0x02, 0x10, 0x01, 0x12
T0 = 1700000000


def a4(s):
    return bytes(int(x) for x in s.split("."))


def ip4(src, dst, proto, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0x4000, 64, proto, 0,
                    a4(src), a4(dst))
    return h + payload


def tcp(sp, dp, flags, data=b""):
    return struct.pack("!HHIIBBHHH", sp, dp, 1, 0, 0x50, flags, 1000, 0, 0) + data


def udp(sp, dp, data):
    return struct.pack("!HHHH", sp, dp, 8 + len(data), 0) + data


def icmp(t, ident):
    return struct.pack("!BBHHH", t, 0, 0, ident, 1)


def nd6():
    src = bytes.fromhex("20010db8000100000000000000000010")
    dst = bytes.fromhex("20010db8000100000000000000000002")
    body = struct.pack("!BBHI", 135, 0, 0, 0) + dst
    return struct.pack("!IHBB", 0x60000000, len(body), 58, 255) + src + dst + body


PACKETS = [  # (seconds after T0, IP packet)
    (0.0, ip4(REMOTE, HOST, 6, tcp(51000, 22, SYN))),
    (0.01, ip4(HOST, REMOTE, 6, tcp(22, 51000, SA))),
    (0.02, ip4(REMOTE, HOST, 6, tcp(51000, 22, ACK, b"SSH-2.0-x\r\n"))),
    (0.5, ip4(REMOTE, HOST, 6, tcp(51001, 80, SYN))),
    (1.5, ip4(REMOTE, HOST, 6, tcp(51001, 80, SYN))),
    (2.0, ip4(REMOTE, HOST, 6, tcp(40000, 443, ACK))),
    (3.0, ip4(HOST, REMOTE, 17, udp(40001, 53, b"query"))),
    (3.1, ip4(REMOTE, HOST, 17, udp(53, 40001, b"answer"))),
    (4.0, ip4(REMOTE, HOST, 1, icmp(8, 0x1234))),
    (4.1, ip4(HOST, REMOTE, 1, icmp(0, 0x1234))),
    (5.0, ip4(REMOTE, HOST, 1, icmp(0, 0x5555))),
    (6.0, nd6()),
    (7.0, ip4(REMOTE, OTHER, 6, tcp(1234, 22, SYN))),
    (8.0, ip4(REMOTE, HOST, 6, tcp(51000, 22, FIN | ACK))),
    (8.1, ip4(HOST, REMOTE, 6, tcp(22, 51000, FIN | ACK))),
]

ARP = bytes.fromhex("0001080006040001020202020202c6336402000000000000c6336407")


def ethertype(ip):
    return 0x86DD if ip[0] >> 4 == 6 else 0x0800


def frames(framing):
    """(time, frame) in the framing."""
    mac = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02"
    out = []
    for t, ip in PACKETS:
        et = ethertype(ip)
        if framing in ("en10mb", "pcapng"):
            f = mac + struct.pack("!H", et) + ip
        elif framing == "vlan":
            tags = struct.pack("!HH", 0x8100, 7) if et == 0x0800 else \
                struct.pack("!HHHH", 0x88A8, 5, 0x8100, 7)
            f = mac + tags + struct.pack("!H", et) + ip
        elif framing == "sll":
            f = struct.pack("!HHH8sH", 0, 1, 6, mac[:8], et) + ip
        elif framing == "sll2":
            f = struct.pack("!HHIHBB8s", et, 0, 2, 1, 0, 6, mac[:8]) + ip
        elif framing == "ipv4":
            if et != 0x0800:
                continue
            f = ip
        else:
            f = ip
        out.append((t, f))
    if framing in ("en10mb", "pcapng"):
        out.insert(1, (0.005, mac + struct.pack("!H", 0x0806) + ARP))
    return out


LINKTYPES = {"en10mb": 1, "vlan": 1, "pcapng": 1, "sll": 113, "sll2": 276, "raw": 101,
             "ipv4": 228}


def pcap(framing, snaplen, linktype):
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype))
    for t, f in frames(framing):
        ts = T0 + t
        cap = f[:snaplen]
        out += struct.pack("<IIII", int(ts), round((ts % 1) * 1e6), len(cap), len(f)) + cap
    return out


def block(btype, body):
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def pcapng(framing, snaplen, linktype):
    out = bytearray(block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
    out += block(1, struct.pack("<HHI", linktype, 0, snaplen))
    for t, f in frames(framing):
        us = round((T0 + t) * 1e6)
        cap = f[:snaplen]
        out += block(6, struct.pack("<IIIII", 0, us >> 32, us & 0xFFFFFFFF, len(cap), len(f)) + cap)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("framing", choices=sorted(LINKTYPES))
    ap.add_argument("out")
    ap.add_argument("--snaplen", type=int, default=65535)
    ap.add_argument("--linktype", type=int)
    ap.add_argument("--cut", type=int, default=0)
    a = ap.parse_args()
    lt = a.linktype if a.linktype is not None else LINKTYPES[a.framing]
    data = (pcapng if a.framing == "pcapng" else pcap)(a.framing, a.snaplen, lt)
    with open(a.out, "wb") as f:
        f.write(data[:len(data) - a.cut] if a.cut else data)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""seeds.py TARGET DIR - seed inputs for the binary fuzz targets: raw
packets (fuzz_packet), NFQUEUE netlink messages around them (fuzz_nfqmsg),
verdict records (fuzz_vlog_roundtrip). Documentation addresses only."""
import ipaddress
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def v4(proto, l4, frag=0, src="192.0.2.1", dst="198.51.100.2"):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, frag, 64, proto, 0,
                      ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + l4


def v6(nh, l4, src="2001:db8::1", dst="2001:db8::2"):
    return struct.pack("!IHBB16s16s", 0x60000000, len(l4), nh, 64,
                       ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed) + l4


tcp = struct.pack("!HHIIBBHHH", 51000, 22, 1, 0, 0x50, 0x02, 65535, 0, 0)
udp = struct.pack("!HHHH", 40000, 53, 12, 0) + b"abcd"
icmp = struct.pack("!BBHI", 8, 0, 0, 0)
icmp6 = struct.pack("!BBHI", 128, 0, 0, 0)
hbh = struct.pack("!BB6s", 6, 0, b"\x01\x04\0\0\0\0")  # hop-by-hop, then TCP
frag6 = struct.pack("!BBHI", 17, 0, 0x0001, 7)          # first fragment, then UDP

PACKETS = {
    "v4-tcp": v4(6, tcp),
    "v4-udp": v4(17, udp),
    "v4-icmp": v4(1, icmp),
    "v4-frag": v4(6, tcp, frag=0x0010),
    "v4-gre": v4(47, b"\0" * 8),
    "v6-tcp": v6(6, tcp),
    "v6-icmp6": v6(58, icmp6),
    "v6-hbh-tcp": v6(0, hbh + tcp),
    "v6-frag-udp": v6(44, frag6 + udp),
}


def nla(t, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, t) + payload + b"\0" * (-n % 4)


def nfq(pkt, cap=None):
    body = struct.pack("=BBH", 2, 0, 0)  # nfgenmsg: AF_INET, version 0, queue 0
    body += nla(1, struct.pack("!IHB", 7, 0x0800, 1))  # NFQA_PACKET_HDR: id, proto, hook
    body += nla(10, pkt)  # NFQA_PAYLOAD
    if cap is not None:
        body += nla(17, struct.pack("!I", cap))  # NFQA_CAP_LEN
    return struct.pack("=IHHII", 16 + len(body), 3 << 8, 0, 1, 0) + body


def main():
    target, out = sys.argv[1], sys.argv[2]
    seeds = {}
    if target == "fuzz_packet":
        for name, p in PACKETS.items():
            seeds[name] = b"\0" + p
            seeds[name + "-longer"] = b"\x84" + p
    elif target == "fuzz_nfqmsg":
        for name, p in PACKETS.items():
            seeds[name] = nfq(p)
            seeds[name + "-cap"] = nfq(p[:24], len(p))
    elif target == "fuzz_vlog_roundtrip":
        for i, (proto, fl) in enumerate([(6, 0), (17, 0), (1, 0), (58, 0), (47, 0), (6, 1)]):
            head = bytes([i << 2 & 0x3F, proto, fl, 0xC7, 0x38, 0, 22, 0, 0, 0, 60, i & 1])
            head += bytes(range(32))
            seeds["rec-%d" % i] = head + b"HTTP Server"
    for name, data in seeds.items():
        with open("%s/seed-%s" % (out, name), "wb") as f:
            f.write(data)


main()

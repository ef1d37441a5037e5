#!/bin/bash
# fragments.sh - hand-built IPv6 fragments over the veth (raw Ethernet frames
# from the client): a datagram to a denied port whose UDP header hides in
# the second fragment (first fragment holding only a destination options
# header, RFC 7112) must be dropped as a malformed bad-fragment and never
# reach the listener, although the policy's default permits and non-first
# fragments have no ports. Controls: the same frames, whole or fragmented
# the normal way, reach a permitted port, and a whole datagram to the denied
# port is denied - so the raw path and reassembly work. docs/security.md.
. "$(dirname "$0")/lib.sh"

pc_init fragments 60
pc_need iptables ip6tables python3
pc_need_bins daemon
pc_topo

policy=$PC_TMP/policy.conf
pc_policy "$policy" "default = permit" "log = deny" "log-rate = 1000" <<EOF
[Secret]
action = deny
protocol = udp
local-port = 5354
EOF

# The listener: every datagram to 5353 or 5354 becomes a line "PORT PAYLOAD".
cat >"$PC_TMP/listen.py" <<'EOF'
import select, socket, sys
socks = {}
for port in (5353, 5354):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind((sys.argv[1], port))
    socks[s] = port
with open(sys.argv[2], "a") as out:
    while True:
        for s in select.select(list(socks), [], [])[0]:
            data = s.recv(65535)
            out.write("%d %s\n" % (socks[s], data.decode("ascii", "replace")))
            out.flush()
EOF
: >"$PC_TMP/got"
pc_bg "$PC_SRV" python3 -u "$PC_TMP/listen.py" "$SRV6" "$PC_TMP/got"
pc_wait_listen "$PC_SRV" udp 5353 5354

pc_check "hooks up" pc_hooks up -c "$policy"
pc_daemon_start "$policy"

srv_mac=$(ip -n "$PC_SRV" -o link show veth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
[ -n "$srv_mac" ] || pc_bail "no MAC address for the server's veth0"

# send CASE PORT TOKEN: one datagram of TOKEN (padded to 64 bytes), sent
# as CASE: whole, frag (UDP header in the first fragment), hidden (UDP
# header in the second fragment, behind a destination options header).
send() {
	pc_c python3 - veth0 "$srv_mac" "$CLI6" "$SRV6" "$@" <<'EOF'
import socket, struct, sys
ifname, dmac, src, dst, case, port, token = sys.argv[1:8]
port = int(port)
s6 = socket.inet_pton(socket.AF_INET6, src)
d6 = socket.inet_pton(socket.AF_INET6, dst)

def csum(b):
    if len(b) % 2:
        b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return ~t & 0xffff

data = token.encode().ljust(64, b".")
ulen = 8 + len(data)
pseudo = s6 + d6 + struct.pack("!IxxxB", ulen, 17)
udp = struct.pack("!HHHH", 40000, port, ulen, 0) + data
udp = udp[:6] + struct.pack("!H", csum(pseudo + udp) or 0xffff) + udp[8:]

def ip6(nh, payload):
    return struct.pack("!IHBB", 6 << 28, len(payload), nh, 64) + s6 + d6 + payload

def fh(nh, off8, more):
    return struct.pack("!BBHI", nh, 0, off8 << 3 | more, 0x5eed)

if case == "whole":
    pkts = [ip6(17, udp)]
elif case == "frag":      # UDP header and 16 data bytes, then the rest
    pkts = [ip6(44, fh(17, 0, 1) + udp[:24]), ip6(44, fh(17, 3, 0) + udp[24:])]
else:                     # hidden: [dest opts] | [UDP header + data]
    dopt = struct.pack("!BB", 17, 0) + b"\x01\x04\0\0\0\0"  # PadN, 8 bytes
    frag = dopt + udp
    pkts = [ip6(44, fh(60, 0, 1) + frag[:8]), ip6(44, fh(60, 1, 0) + frag[8:])]

sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
sock.bind((ifname, 0))
smac = sock.getsockname()[4]
eth = bytes.fromhex(dmac.replace(":", "")) + smac + b"\x86\xdd"
for p in pkts:
    sock.send(eth + p)
EOF
}

# got PORT TOKEN: the listener received TOKEN on PORT (waits 2 s at most).
got() { pc_wait_file "$PC_TMP/got" "^$1 $2" 1 2; }

pc_check "control: a whole datagram reaches the permitted port" \
	eval 'send whole 5353 whole-ok && got 5353 whole-ok'
pc_check "control: a datagram fragmented the usual way reaches it too" \
	eval 'send frag 5353 frag-ok && got 5353 frag-ok'
pc_check_not "control: a whole datagram to the denied port is denied" \
	eval 'send whole 5354 whole-denied && got 5354 whole-denied'

bad_before=$(pc_count "$PC_TMP/daemon.log" 'reason=bad-fragment')
pc_check_not "attack: the UDP header hidden in the second fragment does not reach the denied port" \
	eval 'send hidden 5354 hidden-attack && got 5354 hidden-attack'
pc_check "attack: the first fragment was dropped as malformed (reason=bad-fragment)" \
	pc_wait_file "$PC_TMP/daemon.log" 'reason=bad-fragment' $((bad_before + 1)) 3
pc_check "the listener got nothing on the denied port" test "$(pc_count "$PC_TMP/got" '^5354 ')" -eq 0

pc_daemon_stop
pc_check "hooks down" pc_hooks down -c "$policy"
pc_finish

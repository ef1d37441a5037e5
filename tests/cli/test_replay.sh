#!/usr/bin/env bash
# CLI tests of the capture replay and of diff: explain --pcap on the same
# packets in every link-layer framing it reads (exact answers), --summary,
# every kind of bad capture named with its file and packet, diff's rules,
# traffic and exit status on a capture and on a verdict log (text, JSON,
# garbage lines counted). The captures come from mkpcap.py.
# Usage: test_replay.sh BUILD_DIR
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { bad "python3 is installed (it writes the captures)"; finish; exit; }
mk() { python3 "$here/mkpcap.py" "$@"; }
pol=$here/replay.conf
local_=198.51.100.2,2001:db8:1::2
cd "$tmp" || exit 1

# --- the answers, in every framing ---
mk en10mb en.pcap
expect_rc "explain --pcap: exit 0" 0 "$pc" explain -c "$pol" --pcap en.pcap --local "$local_"
cp "$tmp/out" en.out
cat >want <<'EOF'
in tcp 203.0.113.7 198.51.100.2 51000 22	permit	SSH Server	2023-11-14T22:13:20.000000Z	2023-11-14T22:13:28.100000Z	5	211	new
in tcp 203.0.113.7 198.51.100.2 51001 80	deny	Deny TCP	2023-11-14T22:13:20.500000Z	2023-11-14T22:13:21.500000Z	2	80	new
in tcp 203.0.113.7 198.51.100.2 40000 443	deny	(invalid)	2023-11-14T22:13:22.000000Z	2023-11-14T22:13:22.000000Z	1	40	invalid
out udp 198.51.100.2 203.0.113.7 40001 53	permit	DNS Client	2023-11-14T22:13:23.000000Z	2023-11-14T22:13:23.100000Z	2	67	new
in icmp 203.0.113.7 198.51.100.2 8 0	permit	Ping	2023-11-14T22:13:24.000000Z	2023-11-14T22:13:24.100000Z	2	56	new
in icmp 203.0.113.7 198.51.100.2 0 0	deny	(invalid)	2023-11-14T22:13:25.000000Z	2023-11-14T22:13:25.000000Z	1	28	invalid
in icmpv6 2001:db8:1::10 2001:db8:1::2 135 0	permit	IPv6 neighbour discovery	2023-11-14T22:13:26.000000Z	2023-11-14T22:13:26.000000Z	1	64	untracked
- tcp 203.0.113.7 203.0.113.9 1234 22	none	(not local)	2023-11-14T22:13:27.000000Z	2023-11-14T22:13:27.000000Z	1	40	not-local
EOF
if diff -u want en.out >d; then ok "explain --pcap: one line per connection, as the daemon decides"
else bad "explain --pcap: one line per connection" "$(cat d)"; fi
empty "explain --pcap: nothing on stderr" "$tmp/err"
for f in vlan sll sll2 raw pcapng; do
	mk "$f" "$f.pcap"
	expect_rc "explain --pcap $f: exit 0" 0 "$pc" explain -c "$pol" --pcap "$f.pcap" --local "$local_"
	if cmp -s en.out "$tmp/out"; then ok "explain --pcap $f: the same answers as Ethernet"
	else bad "explain --pcap $f: the same answers" "$(diff en.out "$tmp/out")"; fi
done
mk ipv4 ipv4.pcap
expect_rc "explain --pcap LINKTYPE_IPV4: exit 0" 0 "$pc" explain -c "$pol" --pcap ipv4.pcap --local "$local_"
if grep -v icmpv6 en.out | cmp -s - "$tmp/out"; then ok "explain --pcap LINKTYPE_IPV4: the IPv4 answers"
else bad "explain --pcap LINKTYPE_IPV4" "$(cat "$tmp/out")"; fi
expect_rc "explain --pcap - reads stdin" 0 sh -c "'$pc' explain -c '$pol' --pcap - --local '$local_' <en.pcap"
if cmp -s en.out "$tmp/out"; then ok "explain --pcap -: the same answers"; else bad "explain --pcap -" "$(cat "$tmp/out")"; fi
# every connection's answer is what explain gives its first packet
grep -v 'invalid$\|not-local$' en.out | cut -f1 >firsts
grep -v 'invalid$\|not-local$' en.out | cut -f2,3 >replayed
"$pc" explain -c "$pol" --verify --format short <firsts >explained 2>&1
if cmp -s replayed explained && [ "$(wc -l <firsts)" -eq 5 ]; then
	ok "explain --pcap: each verdict is explain's for the connection's first packet"
else bad "explain --pcap: each verdict is explain's for the first packet" "$(diff replayed explained)"; fi

expect_rc "explain --pcap --summary: exit 0" 0 "$pc" explain -c "$pol" --pcap en.pcap --local "$local_" --summary
has "--summary: SSH Server's connection, packets and bytes" "$tmp/out" "          1            5             211  permit   SSH Server"
has "--summary: invalid counted" "$tmp/out" "          2            2              68  deny     (invalid)"
has "--summary: totals" "$tmp/out" "8 connections, 15 IP packets of 16 frames (1 not IP)"

# stateful = no: each direction of a tuple on its own
sed 's/^default = deny$/default = deny\nstateful = no/' "$pol" >stateless.conf
expect_rc "explain --pcap, stateful = no: exit 0" 0 "$pc" explain -c stateless.conf --pcap en.pcap --local "$local_"
has "stateful = no: the SSH answers are packets of their own" "$tmp/out" \
	"out tcp 198.51.100.2 203.0.113.7 22 51000	deny	Deny TCP	2023-11-14T22:13:20.010000Z	2023-11-14T22:13:28.100000Z	2	80	packet"

# --- bad captures: named with the file and the packet ---
mk en10mb cut.pcap --cut 30
expect_rc "a truncated capture: exit 1" 1 "$pc" explain -c "$pol" --pcap cut.pcap --local "$local_"
same_text "a truncated capture: file and packet named" "$tmp/err" \
	"portcullis explain: cut.pcap: packet 16: truncated dump file; tried to read 54 captured bytes, only got 24 (the packets before it are replayed)"
[ "$(wc -l <"$tmp/out")" -eq 8 ] && ok "a truncated capture: the packets before it answered" ||
	bad "a truncated capture: the packets before it answered" "$(cat "$tmp/out")"
mk pcapng cutng.pcap --cut 30
expect_rc "a truncated pcapng: exit 1" 1 "$pc" explain -c "$pol" --pcap cutng.pcap --local "$local_"
has "a truncated pcapng: file and packet named" "$tmp/err" "portcullis explain: cutng.pcap: packet 16: truncated pcapng dump file"
mk en10mb wifi.pcap --linktype 105
expect_rc "an unknown link type: exit 1" 1 "$pc" explain -c "$pol" --pcap wifi.pcap --local "$local_"
same_text "an unknown link type: named" "$tmp/err" \
	"portcullis explain: wifi.pcap: link type 105 (IEEE802_11) is not one the replay reads (Ethernet, Linux cooked SLL or SLL2, raw IP)"
mk en10mb snap.pcap --snaplen 40
expect_rc "a snap length shorter than the headers: exit 1" 1 "$pc" explain -c "$pol" --pcap snap.pcap --local "$local_"
has "a short snap length: the first packet named" "$tmp/err" \
	"portcullis explain: snap.pcap: packet 1: only 26 of its 40 bytes were captured, fewer than its headers need (snap length 40): it is not decided; capture with -s 0"
has "a short snap length: counted" "$tmp/err" "portcullis explain: snap.pcap: 15 packets not decided: the capture cut their headers"
mk en10mb tiny.pcap --snaplen 10
expect_rc "frames shorter than their link header: exit 1" 1 "$pc" explain -c "$pol" --pcap tiny.pcap --local "$local_"
same_text "frames shorter than their link header: counted" "$tmp/err" \
	"portcullis explain: tiny.pcap: 16 frames shorter than the link-layer header, not decided (first: packet 1)"
python3 - en.pcap corrupt.pcap <<'EOF'
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
second = 24 + 16 + struct.unpack("<I", d[24 + 8:24 + 12])[0]
d[second + 8:second + 12] = struct.pack("<I", 0x7FFFFFFF)
open(sys.argv[2], "wb").write(d)
EOF
expect_rc "a corrupt record: exit 1" 1 "$pc" explain -c "$pol" --pcap corrupt.pcap --local "$local_"
has "a corrupt record: file and packet named" "$tmp/err" "portcullis explain: corrupt.pcap: packet 2: invalid packet capture length 2147483647"
head -c 100 /dev/urandom >junk.pcap
expect_rc "not a capture: exit 1" 1 "$pc" explain -c "$pol" --pcap junk.pcap --local "$local_"
same_text "not a capture: said so" "$tmp/err" "portcullis explain: junk.pcap: unknown file format"
expect_rc "no such capture: exit 1" 1 "$pc" explain -c "$pol" --pcap none.pcap --local "$local_"
same_text "no such capture: said so" "$tmp/err" "portcullis explain: none.pcap: No such file or directory"
# random damage never crashes it
for i in 1 2 3 4 5 6 7 8; do
	python3 - en.pcap fuzz.pcap "$i" <<'EOF'
import random, sys
d = bytearray(open(sys.argv[1], "rb").read())
r = random.Random(int(sys.argv[3]))
for _ in range(12):
    d[r.randrange(24, len(d))] = r.randrange(256)
open(sys.argv[2], "wb").write(d[:r.randrange(24, len(d) + 1)])
EOF
	timeout 10 "$pc" explain -c "$pol" --pcap fuzz.pcap --local "$local_" >/dev/null 2>&1
	rc=$?
	[ "$rc" -le 1 ] && ok "damaged capture $i: exit $rc, no crash" || bad "damaged capture $i: no crash" "exit $rc"
done

# --- usage ---
expect_rc "--pcap without --local: exit 2" 2 "$pc" explain -c "$pol" --pcap en.pcap
has "--pcap without --local: says what is missing" "$tmp/err" "portcullis explain: --pcap needs --local ADDR[/LEN][,...]"
expect_rc "--local any: exit 2" 2 "$pc" explain -c "$pol" --pcap en.pcap --local any
has "--local any: refused" "$tmp/err" "portcullis explain: --local: 'any' is not the host's address"
expect_rc "--summary without --pcap: exit 2" 2 "$pc" explain -c "$pol" --summary
expect_rc "--pcap with -v: exit 2" 2 "$pc" explain -c "$pol" --pcap en.pcap --local "$local_" -v
expect_rc "--flows 3: exit 2" 2 "$pc" explain -c "$pol" --pcap en.pcap --local "$local_" --flows 3
expect_rc "--flows 16: a tiny table still answers" 0 "$pc" explain -c "$pol" --pcap en.pcap --local "$local_" --flows 16

# --- diff ---
sed -e '/^\[HTTP Server\]/,/^$/s/^enabled = no$/enabled = yes/' \
    -e '/^\[DNS Client\]/,/^$/s/^remote-port = 53$/remote-port = 853/' "$pol" >new.conf
printf '\n[Web Admin]\naction = permit\nprotocol = tcp\nlocal-port = 8443\n' >>new.conf
expect_rc "diff: the rules differ: exit 1" 1 "$pc" diff "$pol" new.conf
cat >want <<EOF
old: $pol
new: new.conf

rules:
  switched  'HTTP Server': off -> on
  changed   'DNS Client': remote-port: 53 -> 853
  added     'Web Admin' (on): action = permit, protocol = tcp, local-port = 8443
EOF
if diff -u want "$tmp/out" >d; then ok "diff: the rule-level difference"; else bad "diff: the rule-level difference" "$(cat d)"; fi
expect_rc "diff: a policy with itself: exit 0" 0 "$pc" diff "$pol" "$pol"
has "diff: no difference" "$tmp/out" "  (no difference)"
expect_rc "diff -c OLD NEW: the same" 1 "$pc" diff -c "$pol" new.conf
expect_rc "diff --pcap: verdicts change: exit 1" 1 "$pc" diff "$pol" new.conf --pcap en.pcap --local "$local_"
cat >want <<'EOF'

traffic (en.pcap): 15 IP packets, 8 connections: 2 change verdict

deny -> permit: 1 connection, 2 packets: 'Deny TCP' -> 'HTTP Server'
  busiest remote addresses: 203.0.113.7 (1)
    in tcp 203.0.113.7 198.51.100.2 51001 80	2023-11-14T22:13:20.500000Z	2023-11-14T22:13:21.500000Z	2	80

permit -> deny: 1 connection, 2 packets: 'DNS Client' -> (the default)
  busiest remote addresses: 203.0.113.7 (1)
    out udp 198.51.100.2 203.0.113.7 40001 53	2023-11-14T22:13:23.000000Z	2023-11-14T22:13:23.100000Z	2	67
EOF
if sed -n '/^traffic/,$p' "$tmp/out" | diff -u <(tail -n +2 want) - >d; then ok "diff --pcap: the connections that change, by rule"
else bad "diff --pcap: the connections that change, by rule" "$(cat d)"; fi
expect_rc "diff --pcap: nothing changes: exit 0" 0 "$pc" diff "$pol" "$pol" --pcap en.pcap --local "$local_"
has "diff --pcap: nothing changes: said so" "$tmp/out" "traffic (en.pcap): 15 IP packets, 8 connections: 0 change verdict"
expect_rc "diff --pcap: a truncated capture: exit 2" 2 "$pc" diff "$pol" new.conf --pcap cut.pcap --local "$local_"
expect_rc "diff: a policy with errors: exit 2" 2 "$pc" diff "$pol" "$here/bad.conf"
expect_rc "diff: --pcap and --log: exit 2" 2 "$pc" diff "$pol" new.conf --pcap en.pcap --local "$local_" --log x
expect_rc "diff: no NEW: exit 2" 2 "$pc" diff
expect_rc "diff: three operands: exit 2" 2 "$pc" diff a b c

# the verdict log: state=new lines (and stateless ones) are connections
cat >v.log <<'EOF'
time=2026-11-28T12:00:00.000Z level=info msg="portcullisd started: 6 rules, 5 enabled"
time=2026-11-28T12:00:01.000Z verdict=deny rule="Deny TCP" dir=in proto=tcp src=203.0.113.9 sport=51234 dst=198.51.100.2 dport=80 len=60 state=new
time=2026-11-28T12:00:02.000Z verdict=deny rule="Deny TCP" dir=in proto=tcp src=203.0.113.9 sport=51235 dst=198.51.100.2 dport=80 len=60 state=new
this is not a verdict line
{"time":"2026-11-28T12:00:03.000Z","verdict":"deny","rule":"Deny TCP","dir":"in","proto":"tcp","src":"2001:db8::66","sport":5000,"dst":"2001:db8:1::2","dport":80,"len":80,"state":"new"}
time=2026-11-28T12:00:04.000Z verdict=permit rule="DNS Client" dir=out proto=udp src=198.51.100.2 sport=40000 dst=203.0.113.53 dport=53 len=60 state=new
time=2026-11-28T12:00:05.000Z verdict=deny rule="(invalid)" dir=in proto=tcp src=203.0.113.9 sport=1 dst=198.51.100.2 dport=80 len=40 state=invalid
time=2026-11-28T12:00:06.000Z verdict=permit rule="SSH Server" dir=in proto=tcp src=203.0.113.10 sport=40000 dst=198.51.100.2 dport=22 len=60 state=new
verdict=bogus
EOF
expect_rc "diff --log: verdicts change: exit 1" 1 "$pc" diff "$pol" new.conf --log v.log
has "diff --log: the lines read and the connections" "$tmp/out" "traffic (v.log): 9 lines, 5 connections: 4 change verdict"
has "diff --log: deny -> permit by HTTP Server" "$tmp/out" "deny -> permit: 3 connections, 3 packets: 'Deny TCP' -> 'HTTP Server'"
has "diff --log: the busiest remote first" "$tmp/out" "  busiest remote addresses: 203.0.113.9 (2), 2001:db8::66 (1)"
has "diff --log: the JSON line's connection" "$tmp/out" "    in tcp 2001:db8::66 2001:db8:1::2 5000 80	2026-11-28T12:00:03.000000Z"
has "diff --log: DNS Client's query now denied" "$tmp/out" "permit -> deny: 1 connection, 1 packets: 'DNS Client' -> (the default)"
hasnt "diff --log: an invalid line is no connection" "$tmp/out" "    in tcp 203.0.113.9 198.51.100.2 1 80"
sed -n '1p' "$tmp/err" | grep -q '^portcullis diff: v.log: 2 unparseable lines (first: line 4: ' &&
	ok "diff --log: garbage lines counted, the first named" ||
	bad "diff --log: garbage lines counted, the first named" "$(cat "$tmp/err")"
expect_rc "diff --log: the log against OLD itself: exit 0" 0 "$pc" diff "$pol" "$pol" --log v.log
sed 's/rule="SSH Server"/rule="Deny TCP"/' v.log >other.log
expect_rc "diff --log: a log of another policy: still answers" 0 "$pc" diff "$pol" "$pol" --log other.log
has "diff --log: a log of another policy: said so" "$tmp/err" \
	"portcullis diff: other.log: 1 connection logged with another answer than OLD gives (first: line 8): the log is of another policy"
expect_rc "diff --log: no such log: exit 2" 2 "$pc" diff "$pol" new.conf --log none.log
has "diff --log: no such log: named" "$tmp/err" "portcullis diff: none.log: No such file or directory"

finish

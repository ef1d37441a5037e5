#!/bin/bash
# replay.sh - the capture replay says what the daemon did: real traffic
# (TCP and UDP, admitted and refused, both directions, pings, lone ACKs,
# neighbour discovery) is captured with tcpdump in the server namespace while
# portcullisd decides it with log = all; `portcullis explain --pcap` of the
# capture must give every connection the verdict, rule and state the daemon
# logged, and name nothing the daemon did not log, for stateful = yes and no.
# Then `portcullis diff` of the policy against itself with HTTP Server
# switched off names exactly the connections HTTP Server decided, from the
# capture and from the daemon's own log.
. "$(dirname "$0")/lib.sh"

pc_init replay 150
pc_need iptables ip6tables ncat nmap tcpdump python3 ping ss
pc_need_bins daemon
pc_topo

pc_srv_tcp 22 80 3306
pc_bg "$PC_SRV" ncat -u -l -k -e /bin/cat "$SRV4" 5353
pc_wait_listen "$PC_SRV" udp 5353
pc_srv_echo "$PC_CLI" 9000 9001

write_policy() { # write_policy FILE STATEFUL
	pc_policy "$1" "stateful = $2" "log = all" "log-format = json" "log-rate = 100000" <<EOF
$(pc_rules_nd)
direction = both

[SSH Server]
action = permit
protocol = tcp
direction = $3
local-port = 22

[HTTP Server]
action = permit
protocol = tcp
direction = $3
local-port = 80

[Echo Client]
action = permit
protocol = tcp
direction = $4
remote-port = 9000

[Ping]
action = permit
protocol = icmp
icmp-type = echo-request, echo-reply

[Ping6]
action = permit
protocol = icmpv6
icmp-type = echo-request, echo-reply

[Deny TCP]
action = deny
protocol = tcp
EOF
}

# The server's own addresses: a packet to one is in, from one out.
srv_ll=$(pc_s ip -6 -o addr show dev veth0 scope link | sed -n 's/.* inet6 \([^/]*\)\/.*/\1/p')
[ -n "$srv_ll" ] || pc_bail "no link-local address on the server's veth0"
local_="$SRV4,$SRV6,$srv_ll"

# traffic: what the client and the server do while the capture runs.
traffic() {
	pc_tcp_ok $SRV4 22
	pc_tcp_ok $SRV6 22
	pc_tcp_ok $SRV4 80
	pc_tcp_ok $SRV4 80 $CLI4_B
	pc_tcp_ok $SRV6 80
	pc_tcp_blocked $SRV4 3306
	pc_c timeout 3 ncat -u -w 1 $SRV4 5353 </dev/null >/dev/null 2>&1 <<<"probe"
	pc_ping_ok $SRV4
	pc_ping_ok $SRV6
	pc_s_ping_ok $CLI4
	echo hi | pc_s timeout 3 ncat -w 1 $CLI4 9000 >/dev/null 2>&1
	echo hi | pc_s timeout 3 ncat -w 1 $CLI4 9001 >/dev/null 2>&1
	pc_c timeout 30 nmap -n -Pn -sA -T4 --max-retries 0 -p 80,3306 $SRV4 >/dev/null 2>&1
	sleep 1
}

# run NAME STATEFUL DIR-SERVER DIR-CLIENT: the daemon with log = all, the
# capture around the traffic; leaves $PC_TMP/NAME.pcap and NAME.log.
run() {
	local name=$1 i
	write_policy "$PC_TMP/$name.conf" "$2" "$3" "$4"
	pc_check "$name: hooks up" pc_hooks up -c "$PC_TMP/$name.conf"
	: >"$PC_TMP/daemon.log"
	pc_daemon_start "$PC_TMP/$name.conf"
	sleep 0.5
	pc_bg "$PC_SRV" tcpdump -i veth0 -n -s 0 -U -w "$PC_TMP/$name.pcap" 2>"$PC_TMP/$name.tcpdump"
	local tcpdump=$PC_LAST_PID
	for ((i = 0; i < 100; i++)); do
		grep -q 'listening on' "$PC_TMP/$name.tcpdump" && break
		sleep 0.05
	done
	grep -q 'listening on' "$PC_TMP/$name.tcpdump" || pc_bail "$name: tcpdump did not start"
	traffic
	kill -INT "$tcpdump"
	wait "$tcpdump" 2>/dev/null
	pc_check "$name: daemon stops" pc_daemon_stop
	cp "$PC_TMP/daemon.log" "$PC_TMP/$name.log"
	pc_hooks down -c "$PC_TMP/$name.conf" >/dev/null 2>&1
}

# compare NAME: the replay's answers against the daemon's log lines, by
# tuple; the daemon lines of the capture's time span count (outbound
# packets the daemon dropped never reach tcpdump: they cannot be compared).
compare() {
	local name=$1
	"$PORTCULLIS" explain -c "$PC_TMP/$name.conf" --pcap "$PC_TMP/$name.pcap" \
		--local "$local_" >"$PC_TMP/$name.replay" 2>"$PC_TMP/$name.replay.err"
	rc=$?
	pc_check "$name: explain --pcap exits 0 ($(head -c 200 "$PC_TMP/$name.replay.err"))" \
		test "$rc" -eq 0
	python3 - "$PC_TMP/$name.log" "$PC_TMP/$name.replay" "$PC_TMP/$name.pcap" \
		>"$PC_TMP/$name.cmp" 2>&1 <<'EOF'
import datetime, json, struct, sys

def tuple_of(d):
    t = [d["dir"], d["proto"], d["src"], d["dst"]]
    if "sport" in d:
        t += [str(d["sport"]), str(d["dport"])]
    elif "type" in d:
        t += [str(d["type"]), str(d["code"])]
    return " ".join(t)

def ts(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()

# the capture's span (pcap, microseconds)
data = open(sys.argv[3], "rb").read()
off, first, last = 24, None, None
while off + 16 <= len(data):
    sec, usec, cap, _ = struct.unpack("<IIII", data[off:off + 16])
    t = sec + usec / 1e6
    first = t if first is None else first
    last = t
    off += 16 + cap
daemon = {}
for line in open(sys.argv[1]):
    if not line.startswith("{"):
        continue
    d = json.loads(line)
    if "verdict" not in d or "dir" not in d or "reason" in d:
        continue
    t = ts(d["time"])
    if t < first - 0.005 or t > last + 0.005:
        continue
    if d["dir"] == "out" and d["verdict"] == "deny":
        continue  # dropped in OUTPUT: not in the capture
    state = d.get("state", "packet")
    if state == "revalidated":
        continue
    daemon.setdefault(tuple_of(d), set()).add((d["verdict"], d["rule"], state))
replay = {}
for line in open(sys.argv[2]):
    f = line.rstrip("\n").split("\t")
    replay.setdefault(f[0], set()).add((f[1], f[2], f[7]))
bad = 0
for k, v in sorted(replay.items()):
    if v == {("none", "(not local)", "not-local")} and k not in daemon:
        continue  # a group the host is not in: never delivered, never decided
    if daemon.get(k) != v:
        print("replay %s %s, daemon %s" % (k, sorted(v), sorted(daemon.get(k, []))))
        bad += 1
for k, v in sorted(daemon.items()):
    if k not in replay:
        print("daemon logged %s %s, the replay has nothing" % (k, sorted(v)))
        bad += 1
print("%d tuples compared, %d differ" % (len(replay), bad))
sys.exit(1 if bad or len(replay) < 10 else 0)
EOF
	rc=$?
	pc_check "$name: the replay's verdicts are the daemon's ($(tail -1 "$PC_TMP/$name.cmp"))" \
		test "$rc" -eq 0
	[ "${PC_E2E_VERBOSE:-0}" = 1 ] && sed 's/^/#   /' "$PC_TMP/$name.cmp"
	grep -v '^[0-9]* tuples' "$PC_TMP/$name.cmp" | head -20 | sed 's/^/#   /'
}

run stateful yes in out
compare stateful
r=$PC_TMP/stateful.replay
pc_check "stateful: SSH over IPv4 and IPv6 admitted as connections" \
	test "$(grep -c $'\tpermit\tSSH Server\t.*\tnew$' "$r")" -eq 2
pc_check "stateful: 3306 refused by Deny TCP" grep -q $'^in tcp .* 3306\tdeny\tDeny TCP\t' "$r"
pc_check "stateful: nmap's lone ACKs are invalid" grep -q $'^in tcp .* 80\tdeny\t(invalid)\t.*\tinvalid$' "$r"
pc_check "stateful: the server's echo connection is its own" grep -q $'^out tcp .* 9000\tpermit\tEcho Client\t' "$r"
pc_check "stateful: neighbour discovery decided alone" grep -q $'\tpermit\tIPv6 neighbour discovery\t.*\tuntracked$' "$r"

run stateless no both both
compare stateless
pc_check "stateless: the server's answers are decided too" \
	grep -q $'^out tcp 198.51.100.2 .* 22 [0-9]*\tpermit\tSSH Server\t.*\tpacket$' "$PC_TMP/stateless.replay"

# diff: HTTP Server switched off names exactly its connections.
off=$PC_TMP/http-off.conf
sed '/^\[HTTP Server\]$/a enabled = no' "$PC_TMP/stateful.conf" >"$off"
"$PORTCULLIS" diff "$PC_TMP/stateful.conf" "$off" --pcap "$PC_TMP/stateful.pcap" \
	--local "$local_" >"$PC_TMP/diff.out" 2>"$PC_TMP/diff.err"
rc=$?
pc_check "diff --pcap: exit 1, verdicts change ($(head -c 200 "$PC_TMP/diff.err"))" test "$rc" -eq 1
grep $'\tHTTP Server\t' "$r" | cut -f1 | sort >"$PC_TMP/http.want"
grep '^    ' "$PC_TMP/diff.out" | sed 's/^    //' | cut -f1 | sort >"$PC_TMP/http.got"
pc_check "diff --pcap: exactly the connections of HTTP Server ($(wc -l <"$PC_TMP/http.want"))" \
	sh -c "test -s '$PC_TMP/http.want' && cmp -s '$PC_TMP/http.want' '$PC_TMP/http.got'"
pc_check "diff --pcap: the rule switched off is named" \
	grep -q "^  switched  'HTTP Server': on -> off$" "$PC_TMP/diff.out"
pc_check "diff --pcap: grouped 'HTTP Server' -> 'Deny TCP'" \
	grep -q "^permit -> deny: 3 connections, .*: 'HTTP Server' -> 'Deny TCP'$" "$PC_TMP/diff.out"
"$PORTCULLIS" diff "$PC_TMP/stateful.conf" "$off" --log "$PC_TMP/stateful.log" \
	>"$PC_TMP/difflog.out" 2>"$PC_TMP/difflog.err"
rc=$?
pc_check "diff --log: exit 1 ($(head -c 200 "$PC_TMP/difflog.err"))" test "$rc" -eq 1
grep '^    ' "$PC_TMP/difflog.out" | sed 's/^    //' | cut -f1 | sort >"$PC_TMP/httplog.got"
pc_check "diff --log: the same connections from the daemon's log" \
	cmp -s "$PC_TMP/http.want" "$PC_TMP/httplog.got"
pc_check "diff --log: the log agrees with the old policy" \
	sh -c "! grep -q 'another policy' '$PC_TMP/difflog.err'"
"$PORTCULLIS" diff "$PC_TMP/stateful.conf" "$PC_TMP/stateful.conf" --pcap "$PC_TMP/stateful.pcap" \
	--local "$local_" >/dev/null 2>&1
rc=$?
pc_check "diff of a policy with itself: exit 0" test "$rc" -eq 0
pc_finish

#!/usr/bin/env bash
# The shipped policy, conf/portcullis.conf: it checks clean, is laid out as
# promised, and decides packets as an APS-style public server should.
# Usage: test_shipped.sh BUILD_DIR
. "$(dirname "$0")/lib.sh"
conf="$here/../../conf/portcullis.conf"

check() { # check NAME CONDITION-CMD... (the details come from $detail)
	local name=$1; shift
	if "$@"; then ok "$name"; else bad "$name" "$detail"; fi
}

"$pc" check -c "$conf" >"$tmp/out" 2>"$tmp/err"
rc=$?
detail="exit $rc: $(cat "$tmp/out" "$tmp/err")"
check "check: exit 0" test "$rc" -eq 0
check "check: configuration OK" grep -qx "configuration OK" "$tmp/out"
check "check: no warning, nothing on stderr" test ! -s "$tmp/err"
check "check: 40 rules, 11 enabled" grep -q ": 40 rules, 11 enabled$" "$tmp/out"
check "check: SSH Server admits SSH" grep -q ": SSH (tcp port 22) is admitted by 'SSH Server'$" "$tmp/out"

# Sections, in order, with what each says.
awk '
	/^\[/ { if (name != "") print name "|" en "|" act "|" dir "|" com
		name = substr($0, 2, length($0) - 2); en = "-"; act = "-"; dir = "-"
		com = (prev ~ /^# [^ ].*[^ ]$/ && prev2 !~ /^#/) ? "c" : "no-comment"; }
	/^enabled = / { en = $3 }
	/^action = / { act = $3 }
	/^direction = / { dir = $3 }
	{ prev2 = prev; prev = $0 }
	END { print name "|" en "|" act "|" dir "|" com }' "$conf" | sed 1d >"$tmp/rules"
detail=$(grep -v '|c$' "$tmp/rules")
check "40 rule sections" test "$(wc -l <"$tmp/rules")" -eq 40
check "one comment line right before every rule" test "$(grep -c '|c$' "$tmp/rules")" -eq 40
# connections: a Server rule admits those opened to it, a Client rule those
# this host opens; the global rules stand in both directions
detail=$(grep -Ev '^[^|]*Server( \([^)]*\))?\|[^|]*\|[^|]*\|in\||^[^|]*Client( \([^)]*\))?\|[^|]*\|[^|]*\|out\||^(Deny|ICMP|IPv6)[^|]*\|[^|]*\|[^|]*\|both\|' "$tmp/rules")
detail=$(grep -v '(active data)' <<<"$detail")
check "Server rules say in, Client rules out, global rules both" test -z "$detail"
# FTP's active-mode data connection is opened by the server
detail=$(grep '(active data)' "$tmp/rules")
check "FTP active data: Server out, Client in" test "$(grep -c 'Server (active data)|no|permit|out|\|Client (active data)|no|permit|in|' "$tmp/rules")" -eq 2
grep -q '^stateful = yes$' "$conf"
check "stateful = yes" test $? -eq 0
detail=$(grep -v '|yes|\||no|' "$tmp/rules")
check "every rule has an explicit enabled line" test "$(grep -Ec '\|(yes|no)\|' "$tmp/rules")" -eq 40

cut -d'|' -f1,2 "$tmp/rules" | grep '|yes$' | cut -d'|' -f1 >"$tmp/on"
cat >"$tmp/want_on" <<'EOF'
Deny TCP
Deny UDP
ICMP
ICMPv6
IPv6 Neighbour Discovery
IPv6 Multicast Listener Discovery
IPv6 Multicast Router Discovery
IPv6 SEND Certificate Path
DNS Client
DNS Client (tcp)
SSH Server
EOF
detail=$(diff "$tmp/want_on" "$tmp/on")
check "on: the global rules, DNS Client, SSH Server; nothing else" diff -q "$tmp/want_on" "$tmp/on"

for app in DNS FTP HTTP HTTPS "Receiving Email" "Sending Email" "Network Management" \
	"Network Time" "Terminal Services" "Windows Networking" SQL SSH; do
	for side in Server Client; do
		detail="no rule [$app $side]"
		check "[$app $side] exists" grep -qxF "[$app $side]" "$conf"
	done
done
detail=$(grep -E '^(\[Deny|action = deny)' "$conf")
check "only Deny TCP and Deny UDP deny" test "$(grep -c '^action = deny' "$conf")" -eq 2

detail=$(sed -n '/^\[portcullis\]/,/^\[/p' "$conf")
for k in default queue fail log log-target log-format log-rate pid-file status-file; do
	check "setting $k spelled out with a comment" \
		awk -v k="$k" '/^\[portcullis\]/ { s = 1; next } /^\[/ { s = 0 }
			s && $1 == k && prev ~ /^# / { found = 1 } { prev = $0 } END { exit !found }' "$conf"
done
check "settings are the defaults" grep -qx "default = deny" "$conf"
check "fail closed" grep -qx "fail = closed" "$conf"

detail=$(awk 'length > 199 { print FNR ": " length }' "$conf")
check "no line over 199 bytes" test -z "$detail"
detail=$(grep '^icmp-type' "$conf" | grep -E '(^icmp-type = |, )[0-9]')
check "icmp-type by name" test -z "$detail"
detail=$(grep -n $'\r' "$conf")
check "LF line ends" test -z "$detail"

# What it decides: a public server with only SSH open. stateful = yes: each
# line is the first packet of a connection (answers pass without a rule), so
# a host opening a connection from port 22 and a "reply" from port 53 that
# answers nothing are denied.
cat >"$tmp/packets" <<'EOF'
in tcp 203.0.113.7 198.51.100.2 51000 22
out tcp 198.51.100.2 203.0.113.7 22 51000
in tcp 203.0.113.7 198.51.100.2 51000 80
in tcp 203.0.113.7 198.51.100.2 51000 3389
out udp 198.51.100.2 192.0.2.53 40000 53
in udp 192.0.2.53 198.51.100.2 53 40000
out tcp 198.51.100.2 192.0.2.53 40000 53
in udp 203.0.113.7 198.51.100.2 40000 53
out tcp 198.51.100.2 192.0.2.80 40000 443
in icmp 192.0.2.1 198.51.100.2 8 0
out icmp 198.51.100.2 192.0.2.1 0 0
in icmp 192.0.2.1 198.51.100.2 3 4
in icmp 192.0.2.1 198.51.100.2 13 0
in icmp 192.0.2.1 198.51.100.2 5 0
in icmpv6 fe80::1 2001:db8::2 135 0
out icmpv6 2001:db8::2 fe80::1 136 0
in icmpv6 fe80::1 ff02::1 134 0
in icmpv6 fe80::1 ff02::1 130 0
in icmpv6 2001:db8::1 2001:db8::2 2 0
in icmpv6 2001:db8::1 2001:db8::2 3 0
in icmpv6 2001:db8::1 2001:db8::2 3 1
in icmpv6 2001:db8::1 2001:db8::2 4 0
in icmpv6 2001:db8::1 2001:db8::2 4 1
in icmpv6 2001:db8::1 2001:db8::2 137 0
in tcp 2001:db8::7 2001:db8::2 51000 22
in 47 192.0.2.1 198.51.100.2
EOF
cat >"$tmp/want" <<'EOF'
permit	SSH Server
deny	Deny TCP
deny	Deny TCP
deny	Deny TCP
permit	DNS Client
deny	Deny UDP
permit	DNS Client (tcp)
deny	Deny UDP
deny	Deny TCP
permit	ICMP
permit	ICMP
permit	ICMP
deny	-
deny	-
permit	IPv6 Neighbour Discovery
permit	IPv6 Neighbour Discovery
permit	IPv6 Neighbour Discovery
permit	IPv6 Multicast Listener Discovery
permit	ICMPv6
permit	ICMPv6
deny	-
deny	-
permit	ICMPv6
deny	-
permit	SSH Server
deny	-
EOF
"$pc" explain --verify -c "$conf" <"$tmp/packets" >"$tmp/got" 2>"$tmp/err"
paste "$tmp/packets" "$tmp/want" >"$tmp/want.long"
detail=$(diff "$tmp/got" "$tmp/want.long"; cat "$tmp/err")
check "explain: the verdicts of a public server with SSH open" cmp -s "$tmp/want.long" "$tmp/got"

finish

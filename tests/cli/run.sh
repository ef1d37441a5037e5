#!/usr/bin/env bash
# CLI tests for portcullis check and explain. Usage: run.sh BUILD_DIR
. "$(dirname "$0")/lib.sh"

cd "$here"
expect_rc "check: good policy exits 0" 0 "$pc" check -c policy.conf
has "check: says configuration OK" "$tmp/out" "configuration OK"
has "check: summary counts rules" "$tmp/out" "policy.conf: 9 rules, 8 enabled"

expect_rc "check: bad policy exits 1" 1 "$pc" check -c bad.conf
has "check: bad default named with its line" "$tmp/err" "bad.conf:2: default:"
has "check: missing action at the section line" "$tmp/err" "bad.conf:4: rule 'No action' has no action"
has "check: port out of range" "$tmp/err" "bad.conf:10: local-port: 70000 is out of range"
has "check: ports without tcp/udp" "$tmp/err" "bad.conf:14: local-port needs protocol = tcp or udp"
has "check: host bits in a prefix" "$tmp/err" "bad.conf:18: remote-address:"
n=$(grep -c '^bad.conf:[0-9]' "$tmp/err")
[ "$n" -eq 5 ] && ok "check: all 5 errors reported" || bad "check: all 5 errors reported" "got $n"

expect_rc "check: missing file exits 1" 1 "$pc" check -c "$tmp/nonexistent.conf"
same_text "check: missing file: says so, and how to name another" "$tmp/err" \
	"portcullis: cannot read $tmp/nonexistent.conf: No such file or directory (-c FILE names another policy)"

expect_rc "check: shadowed rule is a warning, exit 0" 0 "$pc" check -c shadowed.conf
has "check: warns about the dead permit" "$tmp/err" "shadowed.conf:6: warning: rule 'Permit web'"
has "check: still OK" "$tmp/out" "configuration OK"

expect_rc "explain: packets exit 0" 0 "$pc" explain -c policy.conf <packets.txt
if diff -u packets.expected "$tmp/out" >"$tmp/diff"; then ok "explain: verdicts as expected"
else bad "explain: verdicts as expected" "$(cat "$tmp/diff")"; fi

expect_rc "explain --format short: exits 0" 0 "$pc" explain --format short -c policy.conf <packets.txt
if cut -f2- packets.expected | diff -u - "$tmp/out" >"$tmp/diff"; then ok "explain --format short: two columns"
else bad "explain --format short: two columns" "$(cat "$tmp/diff")"; fi
expect_rc "explain --verify: exits 0" 0 "$pc" explain --verify -c policy.conf <packets.txt
if diff -u packets.expected "$tmp/out" >"$tmp/diff"; then ok "explain --verify: same answers"
else bad "explain --verify: same answers" "$(cat "$tmp/diff")"; fi
printf 'in  tcp\t192.0.2.10 192.0.2.1  51000 80\n' >"$tmp/one"
expect_rc "explain: spacing" 0 "$pc" explain -c policy.conf <"$tmp/one"
same_text "explain: the packet's words echoed with one space" "$tmp/out" \
	"in tcp 192.0.2.10 192.0.2.1 51000 80	permit	HTTP Server"
expect_rc "explain --format bogus: exit 2" 2 "$pc" explain --format bogus -c policy.conf </dev/null
has "explain --format bogus: says what is wrong" "$tmp/err" \
	"portcullis explain: --format: 'bogus' is neither long nor short"

printf 'in tcp 192.0.2.10 192.0.2.1 51000 80\nin tcp nonsense\nout udp 192.0.2.1 192.0.2.53 40000 53\n' \
	>"$tmp/mixed"
expect_rc "explain: a bad line makes exit 1" 1 "$pc" explain -c policy.conf <"$tmp/mixed"
same_text "explain: bad line reported with its number" "$tmp/err" \
	"stdin:2: too few words: expected DIR PROTO SRC DST [SPORT DPORT | TYPE CODE | frag]"
n=$(wc -l <"$tmp/out")
[ "$n" -eq 2 ] && ok "explain: other lines still answered" || bad "explain: other lines still answered" "got $n lines"

# explain names the field that is wrong
while IFS='|' read -r line msg; do
	printf '%s\n' "$line" >"$tmp/one"
	expect_rc "explain: bad $msg: exit 1" 1 "$pc" explain -c policy.conf <"$tmp/one"
	same_text "explain: names the field: $msg" "$tmp/err" "stdin:1: $msg"
done <<'EOF'
in tcp 203.0.113.999 198.51.100.2 51000 22|source: '203.0.113.999' is not an address
in tcp 203.0.113.9 198.51.100.2.1 51000 22|destination: '198.51.100.2.1' is not an address
in tcp 203.0.113.9 198.51.100.2 70000 22|source port: 70000 is out of range (0-65535)
in tcp 203.0.113.9 198.51.100.2 51000 x|destination port: 'x' is not a number
sideways tcp 203.0.113.9 198.51.100.2 51000 22|direction: 'sideways' is neither in nor out
in tcpp 203.0.113.9 198.51.100.2 51000 22|protocol: unknown protocol 'tcpp' (any, tcp, udp, icmp, icmpv6, or 0-255)
in any 203.0.113.9 198.51.100.2|protocol: a packet has one protocol, not any
in tcp 203.0.113.9 2001:db8::1 51000 22|source and destination are of different families
in icmp 203.0.113.9 198.51.100.2 bogus 0|ICMP type: unknown ICMP type 'bogus'
in icmp 203.0.113.9 198.51.100.2 8 300|ICMP code: 300 is out of range (0-255)
in tcp 203.0.113.9 198.51.100.2 22|after the addresses: expected SPORT DPORT or frag
in tcp 203.0.113.9 198.51.100.2 1 2 3|too many words: expected DIR PROTO SRC DST [SPORT DPORT | TYPE CODE | frag]
EOF

echo 'in tcp 192.0.2.10 192.0.2.1 51000 80' >"$tmp/one"
expect_rc "explain -v: exits 0" 0 "$pc" explain -v -c policy.conf <"$tmp/one"
same_text "explain -v: the packet, its verdict, the runner-up and the settling field" "$tmp/out" \
	"in tcp 192.0.2.10 192.0.2.1 51000 80	permit	HTTP Server
  stateful: this decides the connection the packet opens; its later packets, both ways, pass without a lookup
  beats	Deny TCP (deny)	on local-port: width 1 vs 65536"
echo 'in udp 192.0.2.10 192.0.2.1 5000 5000' >"$tmp/one"
expect_rc "explain -v: default" 0 "$pc" explain -v -c policy.conf <"$tmp/one"

# a TYPE/CODE in the TYPE field was taken as TYPE, its /CODE dropped
echo 'in icmp 192.0.2.10 192.0.2.1 3/4 0' >"$tmp/one"
expect_rc "explain: TYPE/CODE in the TYPE field is refused" 1 "$pc" explain -c policy.conf <"$tmp/one"
has "explain: the message names the TYPE field" "$tmp/err" "stdin:1: ICMP type: '3/4' is not one ICMP type"
echo 'in icmp 192.0.2.10 192.0.2.1 3 256' >"$tmp/one"
expect_rc "explain: bad CODE is refused" 1 "$pc" explain -c policy.conf <"$tmp/one"
has "explain: the message names the CODE field" "$tmp/err" "stdin:1: ICMP code:"
echo 'in tcp 192.0.2.10 192.0.2.1 51000 x' >"$tmp/one"
expect_rc "explain: bad DPORT is refused" 1 "$pc" explain -c policy.conf <"$tmp/one"
has "explain: the message names the DPORT field" "$tmp/err" "stdin:1: destination port:"

# a one-rule policy: the index has no record vector (clang UBSan caught
# pointer arithmetic on NULL in rec_parent)
printf '[A]\naction = deny\nremote-address = 192.0.2.1\n' >"$tmp/one.conf"
echo 'in tcp 192.0.2.1 198.51.100.2 51000 22' >"$tmp/one"
expect_rc "explain: one-rule policy" 0 "$pc" explain -c "$tmp/one.conf" <"$tmp/one"
has "explain: one-rule policy decides by its rule" "$tmp/out" "deny	A"

expect_rc "unknown subcommand exits 2" 2 "$pc" frobnicate
has "unknown subcommand: says which" "$tmp/err" "portcullis: unknown subcommand 'frobnicate'"
finish

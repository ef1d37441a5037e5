#!/bin/bash
# genwrap.sh - the generations wrap, and no connection rides through it:
# with mark-mask = 0x3f00 (6 bits: generations 1..7) connections opened under
# policy A stay idle (not a packet) through exactly 7 reloads, so that the
# last reload's table has their generation again. Policy A permits ports 80
# and 8080, policy B only 8080, and the reloads alternate B, A, ..., B. Before
# that last table serves (in the sweep ahead after reload 6, while nothing
# can mark with that generation), the daemon clears their connmarks through
# ctnetlink (daemon/ctsweep.c); their next packet is judged under B: the
# connections to 80 (IPv4 and IPv6) are dropped with one state=revalidated
# deny line each, the one to 8080 goes on with a state=revalidated permit
# line. A connection to 8080 opened after the first reload is of the next
# generation: the sweep ahead after reload 7 clears it, a reload before its
# turn, and it goes on too. Without the sweep (before ctsweep.c) the
# connections to 80 went on, decided under A: docs/security.md 3.12.
. "$(dirname "$0")/lib.sh"

pc_init genwrap 150
pc_need iptables ip6tables ncat python3 ss conntrack
pc_need_bins daemon
pc_topo

MASK=0x3f00 WRAP=7
policy=$PC_TMP/portcullis.conf
# write_policy permit|deny: the action of "Web" (port 80)
write_policy() {
	{
		pc_rules_nd
		cat <<EOF

[SSH]
action = permit
protocol = tcp
direction = in
local-port = 22

[Web]
action = $1
protocol = tcp
direction = in
local-port = 80

[Alt]
action = permit
protocol = tcp
direction = in
local-port = 8080
EOF
	} | pc_policy "$policy" "stateful = yes" "mark-mask = $MASK" "log = all" "default = deny"
}
# idle NAME HOST PORT: a connection that exchanges one line, then waits
# for $PC_TMP/NAME.go before its second exchange
idle() {
	local i
	: >"$PC_TMP/$1.log"
	pc_bg "$PC_CLI" python3 "$PC_E2E_DIR/tools/idle_exchange.py" "$2" "$3" \
		"$PC_TMP/$1.log" "$PC_TMP/$1.go" --timeout 2
	for ((i = 0; i < 60; i++)); do
		grep -q '^ok 1$' "$PC_TMP/$1.log" && return 0
		sleep 0.05
	done
	return 1
}
# go NAME...: the second exchange of each, then waits for its outcome
go() {
	local n i
	for n in "$@"; do echo go >"$PC_TMP/$n.go"; done
	for n in "$@"; do
		for ((i = 0; i < 100; i++)); do
			grep -q ' 2$' "$PC_TMP/$n.log" && break
			sleep 0.05
		done
	done
}
second() { sed -n 's/^\([a-z]*\) 2$/\1/p' "$PC_TMP/$1.log"; }
# ctmark SPORT: the conntrack mark of the IPv4 connection from that port
ctmark() {
	pc_s conntrack -L -p tcp --sport "$1" 2>/dev/null | sed -n 's/.* mark=\([0-9]*\).*/\1/p' |
		head -n 1
}
# ctmarks PORT: the mark-mask bits of each connection to PORT, sorted
ctmarks() {
	pc_s conntrack -L -p tcp --dport "$1" 2>/dev/null | sed -n 's/.* mark=\([0-9]*\).*/\1/p' |
		while read -r v; do printf '0x%x\n' $((v & MASK)); done | sort | tr '\n' ' '
}
lines() { pc_count "$PC_TMP/daemon.log" "$1"; }

pc_srv_echo "$PC_SRV" 80 8080
write_policy permit
pc_check "hooks up" pc_hooks up -c "$policy"
pc_daemon_start "$policy"
g0=$(pc_status fast-path-generation)
pc_check "the fast path accepts generation $g0" test "${g0:-0}" -ge 1 -a "${g0:-0}" -le $WRAP

pc_check "an IPv4 connection to Web (80) under A" idle web4 $SRV4 80
pc_check "an IPv6 connection to Web (80) under A" idle web6 $SRV6 80
pc_check "an IPv4 connection to Alt (8080) under A" idle alt $SRV4 8080
sleep 0.3
sp=$(pc_c ss -Htn state established "( dport = :80 )" | awk '$4 ~ /^198/ { print $3 }' |
	sed 's/.*://' | head -n 1)
m=$(ctmark "$sp")
# bits of 0x3f00 from the lowest: S 8, K 9, P 10, G 11..13
pc_check "its connmark carries K, P and generation $g0 ($m)" \
	test "$((${m:-0} & MASK))" -eq "$(((g0 << 11) | 0x600))"

for i in $(seq $WRAP); do
	if ((i % 2)); then write_policy deny; else write_policy permit; fi
	pc_daemon_reload || pc_fail "reload $i"
	if ((i == 1)); then
		pc_check "a connection to Alt opened under generation $((g0 % WRAP + 1))" \
			idle late $SRV4 8080
	fi
done
g=$(pc_status fast-path-generation)
pc_check "$WRAP reloads later the generation is $g0 again ($g)" test "$g" = "$g0"
pc_check "the connections were idle: no exchange since the first" \
	test "$(cat "$PC_TMP"/{web4,web6,alt,late}.log | grep -c ' [2-9]$')" -eq 0
# the sweep ahead after reload 6 cleared the 3 connections of generation
# g0 (nothing could mark with g0 until reload 7); the one after reload 7
# clears the later connection (generation g1), a reload before its turn
g1=$((g0 % WRAP + 1))
for ((i = 0; i < 50; i++)); do
	[ "$(pc_status fast-path-swept)" = 4 ] && break
	sleep 0.1
done
pc_check "the sweeps ahead cleared the 3 connections of generation $g0 and the later one" \
	test "$(pc_status fast-path-swept)" = 4
said="fast path: 3 connections idle since generation $g0 will be judged again"
pc_check "and said so" test "$(lines "$said")" -eq 1
said="fast path: 1 connections idle since generation $g1 will be judged again"
pc_check "and of the later one" test "$(lines "$said")" -eq 1
pc_check "no sweep failed" test "$(pc_status fast-path-sweep-errors)" = 0
m=$(ctmark "$sp")
pc_check "the connmark of the IPv4 connection to Web has no bit of mark-mask ($m)" \
	test -n "$m" -a "$((${m:-1} & MASK))" -eq 0

m=$(ctmarks 8080)
pc_check "to Alt: both connmarks cleared ($m)" test "$m" = "0x0 0x0 "

go web4 web6 alt late
pc_check "the IPv4 connection to Web is dropped under B ($(second web4))" \
	test "$(second web4)" = fail
pc_check "the IPv6 connection to Web is dropped under B ($(second web6))" \
	test "$(second web6)" = fail
pc_check "the connection to Alt goes on under B ($(second alt))" test "$(second alt)" = ok
pc_check "the later connection to Alt goes on ($(second late))" test "$(second late)" = ok
pc_check "one revalidated deny line for each connection to Web" \
	test "$(lines 'verdict=deny .*dport=80 .*state=revalidated')" -eq 2
pc_check "one revalidated permit line for each connection to Alt" \
	test "$(lines 'verdict=permit rule="Alt" .*dport=8080 .*state=revalidated')" -eq 2
r=$(pc_status revalidated)
pc_check "4 connections judged again ($r)" test "$r" -eq 4
pc_check "portcullisd still runs" pc_daemon_alive
pc_finish

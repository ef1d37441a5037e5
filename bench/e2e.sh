#!/bin/bash
# bench/e2e.sh - end-to-end benchmark (issue 5, items 2 and 3).
#
# Two network namespaces over a veth pair, documentation addresses only:
#   sender   192.0.2.1  runs udp_flood send
#   guarded  192.0.2.2  runs udp_flood recv and what is measured:
#     (a)  nothing: no queue
#     (b)  nfq_floor, the classic loop (one recv, one verdict per packet),
#          behind "iptables -A INPUT -j NFQUEUE --queue-num 0"
#     (b') nfq_floor -b, batched (recvmmsg, one batch verdict per receive)
#     (c)  portcullisd with a 10,000-rule policy, hooked by "portcullis hooks up"
#     (d1) iptables, a linear chain of 1,000 "-s NET -j DROP" rules, then ACCEPT
#     (d2) the same with 10,000 rules
# For every case and round: delivered packets/s (what the receiver got in a
# fixed window while the sender sent as fast as it could), the CPU time per
# delivered packet (sender, receiver and the NFQUEUE program; less noisy than
# the rates on a shared machine) and the one-way latency p50/p99 at a
# moderate fixed rate. docs/performance.md explains the method and the
# numbers. Then reload under load
# (item 3): portcullisd on a 100,000-rule policy A, RELOADS SIGHUPs
# alternating A and B while traffic flows at RELOAD_RATE to port P1 (both
# permit it) and P2 (both deny it): reload time, packets of P1 lost (by
# sequence number), packets of P2 delivered (wrong verdicts). When valgrind
# is installed, the user-space instructions per packet of (b), (b') and (c)
# are counted too (callgrind; stable where the timings are noisy).
#
# Nothing is done in the root namespace: every iptables command runs inside
# the guarded namespace. Everything started is killed by pid, the namespaces
# are deleted on exit, the whole run is bounded by LIMIT_S.
#
# usage: bash bench/e2e.sh        (as root; binaries from PC_BIN_DIR, default build/)
# Environment: ROUNDS (5), SEND_S (3.5), WARMUP_S (1), WINDOW_S (2),
#   LAT_RATE (10000), LAT_S (2), RELOADS (100), RELOAD_RATE (10000),
#   RELOAD_RULES (100000), CG_PACKETS (10000, 0: no callgrind), CG_RATE (5000),
#   CASES ("a b b2 c d1 d2"), PIN (CPU of the sender,CPU of the guarded side;
#   default 0,1; empty: no pinning), RELOAD_PINS (the storm's modes:
#   "pinned unpinned", or "unpinned" when PIN is empty), LIMIT_S (1200), BENCH_KEEP=1 keeps the
#   temporary directory.
# Exit status: 0 all cases ran and went through what they measure, 1 a case
# failed or a measurement is missing, 77 not root. Targets missed are reported
# in the table, not in the exit status.
set -u

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
BIN=${PC_BIN_DIR:-$ROOT/build}
ROUNDS=${ROUNDS:-5}
SEND_S=${SEND_S:-3.5}
WARMUP_S=${WARMUP_S:-1}
WINDOW_S=${WINDOW_S:-2}
LAT_RATE=${LAT_RATE:-10000}
LAT_S=${LAT_S:-2}
RELOADS=${RELOADS:-100}
RELOAD_RATE=${RELOAD_RATE:-10000}
RELOAD_RULES=${RELOAD_RULES:-100000}
CG_PACKETS=${CG_PACKETS:-10000}
CG_RATE=${CG_RATE:-5000}
LIMIT_S=${LIMIT_S:-1200}
PIN=${PIN-0,1}
RELOAD_PINS=${RELOAD_PINS:-$([ -n "$PIN" ] && echo pinned unpinned || echo unpinned)}

SND=192.0.2.1
DST=192.0.2.2
P1=5001
P2=5002

NS_S=pcb-snd-$$
NS_G=pcb-grd-$$
BENCH_NAME=e2e
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

# ---- topology ----------------------------------------------------------

topology() {
	veth_pair
	ip -n "$NS_G" addr add "$DST/24" dev veth0 || die "address"
	# no ARP resolution in the measurements: permanent neighbours
	ip -n "$NS_S" neigh replace "$DST" lladdr "$(mac "$NS_G")" dev veth0 nud permanent
	ip -n "$NS_G" neigh replace "$SND" lladdr "$(mac "$NS_S")" dev veth0 nud permanent
}

# ---- rule sets ---------------------------------------------------------

# blocklist N SEED: N distinct IPv4 prefixes (mostly /24, some /32, /22,
# /20), none of them containing the sender's address.
blocklist() {
	awk -v n="$1" -v seed="$2" 'BEGIN {
		srand(seed)
		while (k < n) {
			o1 = 1 + int(rand() * 223); o2 = int(rand() * 256)
			o3 = int(rand() * 256); o4 = int(rand() * 256)
			if (o1 == 127 || o1 == 10) continue
			r = rand()
			if (r < 0.80) { len = 24; o4 = 0 }
			else if (r < 0.95) len = 32
			else if (r < 0.98) { len = 22; o3 -= o3 % 4; o4 = 0 }
			else { len = 20; o3 -= o3 % 16; o4 = 0 }
			m = len == 20 ? 16 : len == 22 ? 4 : 1
			if (o1 == 192 && o2 == 0 && o3 == 2 - 2 % m) continue
			p = o1 "." o2 "." o3 "." o4 "/" len
			if (p in seen) continue
			seen[p] = 1
			print p
			k++
		}
	}'
}

# settings_section: the [portcullis] section every benchmark policy shares.
settings_section() {
	cat <<EOF
[portcullis]
default = deny
queue = 0
fail = closed
log = deny
log-target = file:$TMP/verdicts.log
log-rate = 100
pid-file = $TMP/portcullisd.pid
status-file = $TMP/status/status
stateful = no

[Deny TCP]
action = deny
protocol = tcp

[Deny UDP]
action = deny
protocol = udp

[ICMP]
action = permit
protocol = icmp
icmp-type = echo-request, echo-reply, destination-unreachable, time-exceeded

EOF
}

# block_rules FILE: one deny rule per prefix of FILE.
block_rules() {
	awk '{ printf "[block %d]\naction = deny\nremote-address = %s\n\n", NR, $1 }' "$1"
}

# policy_c: 10,000 rules: the three globals, the bench port, 9,996 blocks.
policy_c() {
	settings_section
	printf '[Bench UDP]\naction = permit\nprotocol = udp\ndirection = in\nlocal-port = %s\n\n' "$P1"
	block_rules "$TMP/block10k.txt"
}

# policy_a / policy_b: RELOAD_RULES rules each, blocklists of different
# content. Both permit P1 and deny P2, by different rules: A permits a port
# range and denies P2 by a more specific rule; B permits P1 alone and leaves
# P2 to "Deny UDP".
policy_a() {
	settings_section
	printf '[Bench ports]\naction = permit\nprotocol = udp\ndirection = in\nlocal-port = %s-%s\n\n' \
		$((P1 - 1)) $((P2 + 8))
	printf '[Bench no P2]\naction = deny\nprotocol = udp\ndirection = in\nlocal-port = %s\n\n' "$P2"
	block_rules "$TMP/blockA.txt"
}

policy_b() {
	settings_section
	printf '[Bench P1]\naction = permit\nprotocol = udp\nlocal-port = %s\n\n' "$P1"
	block_rules "$TMP/blockB.txt"
}

# iptables_chain N: iptables-restore input, N DROP rules then ACCEPT for P1.
iptables_chain() {
	printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n'
	head -n "$1" "$TMP/block10k.txt" | awk '{ print "-A INPUT -s " $1 " -j DROP" }'
	printf -- '-A INPUT -p udp --dport %s -j ACCEPT\n-A INPUT -j DROP\nCOMMIT\n' "$P1"
}

make_rules() {
	local n
	blocklist 9996 1 >"$TMP/block10k.txt"
	policy_c >"$TMP/policy_c.conf"
	n=$((RELOAD_RULES - 5))
	blocklist "$n" 2 >"$TMP/blockA.txt"
	blocklist "$n" 3 >"$TMP/blockB.txt"
	policy_a >"$TMP/policy_a.conf"
	policy_b >"$TMP/policy_b.conf"
	iptables_chain 1000 >"$TMP/chain1k.rules"
	iptables_chain 9996 >"$TMP/chain10k.rules"
	for n in c a b; do
		"$BIN/portcullis" check -c "$TMP/policy_$n.conf" >"$TMP/check_$n.out" 2>&1 ||
			{ cat "$TMP/check_$n.out" >&2; die "policy_$n does not load"; }
	done
}

# ---- what is measured ----------------------------------------------------

FLOOR_PID=
DAEMON_PID=

# flush the guarded namespace's filter table (never the root namespace's)
guard_flush() {
	g iptables -w -F
	g iptables -w -X
}

case_up() {
	case $1 in
	a) ;;
	b | b2)
		g iptables -w -A INPUT -j NFQUEUE --queue-num 0 || die "NFQUEUE rule"
		rm -f "$TMP/floor.ready"
		if [ "$1" = b ]; then
			bg "$NS_G" FLOOR_PID "$BIN/nfq_floor" -t 120 -R "$TMP/floor.ready" \
				>"$TMP/floor.out"
		else
			bg "$NS_G" FLOOR_PID "$BIN/nfq_floor" -b -t 120 -R "$TMP/floor.ready" \
				>"$TMP/floor.out"
		fi
		wait_file "$TMP/floor.ready" 10 || die "nfq_floor did not bind the queue"
		;;
	c) daemon_start "$TMP/policy_c.conf" ;;
	d1) g iptables-restore -w <"$TMP/chain1k.rules" || die "iptables-restore" ;;
	d2) g iptables-restore -w <"$TMP/chain10k.rules" || die "iptables-restore" ;;
	esac
}

# case_down CASE OUT: tears the case down; writes how many packets the
# mechanism saw into OUT (the proof that the traffic went through it).
case_down() {
	local seen=
	case $1 in
	a) seen=na ;;
	b | b2)
		stop "$FLOOR_PID"
		cp "$TMP/floor.out" "$2.floor"
		guard_flush
		;;
	c)
		daemon_stop
		seen=$(sed -n 's/^packets=//p' "$TMP/status/status")
		;;
	d1 | d2)
		seen=$(g iptables -w -L INPUT -n -v -x | awk '$3 == "ACCEPT" && /dpt:'"$P1"'/ { print $1 }')
		guard_flush
		;;
	esac
	echo "$seen" >"$2"
}

# run_traffic OUT_PREFIX RECV_ARGS -- SEND_ARGS: one receiver, one sender.
run_traffic() {
	local out=$1 rpid spid
	shift
	local rargs=() sargs=()
	while [ "$1" != -- ]; do rargs+=("$1"); shift; done
	shift
	sargs=("$@")
	rm -f "$TMP/recv.ready"
	bg "$NS_G" rpid "$BIN/udp_flood" recv -R "$TMP/recv.ready" "${rargs[@]}" >"$out.recv"
	wait_file "$TMP/recv.ready" 10 || die "receiver did not start"
	bg "$NS_S" spid "$BIN/udp_flood" send -d "$DST" "${sargs[@]}" >"$out.send"
	reap "$spid" || problem "sender failed ($out)"
	reap "$rpid" || problem "receiver failed ($out)"
}

# sched_ns PID: CPU time all threads of the process have run, in ns (softirq
# work done in their context included)
sched_ns() {
	cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f", s }'
}

# cpu_ns OUT_PREFIX: CPU time of sender and receiver of one traffic run, ns
cpu_ns() {
	awk -v s="$(kv cpu_s "$1.send" "send total")" -v r="$(kv cpu_s "$1.recv" "recv total")" \
		'BEGIN { printf "%.0f", (s + r) * 1e9 }'
}

measure() { # CASE ROUND
	local c=$1 r=$2 o="$TMP/m.$1.$2" seen floor pid= c0=0 c1=0
	case_up "$c"
	case $c in b | b2) pid=$FLOOR_PID ;; c) pid=$DAEMON_PID ;; esac
	[ -n "$pid" ] && c0=$(sched_ns "$pid")
	run_traffic "$o.tput" -p "$P1" -w "$WARMUP_S" -W "$WINDOW_S" -i 800 -t 30 -- \
		-p "$P1" -r 0 -b 64 -t "$SEND_S" -n 1000000000
	[ -n "$pid" ] && c1=$(sched_ns "$pid")
	sleep 0.3
	run_traffic "$o.lat" -p "$P1" -w 0.5 -i 800 -t 30 -- \
		-p "$P1" -r "$LAT_RATE" -b 1 -t "$LAT_S" -n 1000000000
	case_down "$c" "$o.seen"
	seen=$(cat "$o.seen")
	if [ "$c" = b ] || [ "$c" = b2 ]; then
		floor=$(kv packets "$o.seen.floor" floor)
		seen=${floor:-0}
	fi
	local pps p50 p99 got all ns_all ns_cons
	pps=$(kv rate_pps "$o.tput.recv" "recv total")
	all=$(kv unique "$o.tput.recv" "recv total")
	got=$(kv unique "$o.lat.recv" "recv total")
	p50=$(kv lat_p50_us "$o.lat.recv" "recv total")
	p99=$(kv lat_p99_us "$o.lat.recv" "recv total")
	if [ -z "$pps" ] || [ -z "$p50" ] || [ "${got:-0}" -eq 0 ] || [ "${all:-0}" -eq 0 ]; then
		problem "case $c round $r: no measurement"
		return
	fi
	if [ "$seen" != na ] && [ "${seen:-0}" -lt $((all + got)) ] 2>/dev/null; then
		problem "case $c round $r: the mechanism saw ${seen:-0} packets, fewer than delivered"
	fi
	# CPU per packet delivered in the throughput run: all three processes, the consumer
	ns_cons=$(((c1 - c0) / all))
	ns_all=$((($(cpu_ns "$o.tput") + c1 - c0) / all))
	printf '%s %s %s %s %s %s %s %s\n' "$c" "$r" "$pps" "$p50" "$p99" "${seen:-0}" \
		"$ns_all" "$ns_cons" >>"$TMP/results"
	log "round $r case $c: $pps pps, latency p50 $p50 us p99 $p99 us, CPU $ns_all ns/packet" \
		"(consumer $ns_cons) (mechanism saw ${seen:-?})"
}

# ---- instructions per packet (callgrind) ---------------------------------

# cg_case CASE: the user-space instructions the consumer of case b, b2 or c
# spends per packet, counted by callgrind between the start and the end of a
# fixed burst (start-up, policy load and shut-down are not counted).
cg_case() {
	local c=$1 pid o="$TMP/cg.$1" ir got
	local vg=(valgrind --tool=callgrind --callgrind-out-file="$o.out")
	rm -f "$TMP/floor.ready" "$TMP/status/status"
	case $c in
	b | b2)
		g iptables -w -A INPUT -j NFQUEUE --queue-num 0 || die "NFQUEUE rule"
		bg "$NS_G" pid "${vg[@]}" "$BIN/nfq_floor" $([ "$c" = b2 ] && echo -b) -t 300 \
			-R "$TMP/floor.ready" >"$o.floor" 2>"$o.vg"
		wait_file "$TMP/floor.ready" 60 || die "nfq_floor under valgrind did not start"
		;;
	c)
		mkdir -p "$TMP/status"
		g "$BIN/portcullis" hooks up -c "$TMP/policy_c.conf" >>"$TMP/hooks.log" 2>&1 ||
			die "hooks up failed"
		bg "$NS_G" pid "${vg[@]}" "$BIN/portcullisd" -c "$TMP/policy_c.conf" -f 2>"$o.vg"
		wait_file "$TMP/status/status" 120 || die "portcullisd under valgrind did not start"
		;;
	esac
	callgrind_control -z "$pid" >/dev/null 2>&1 || problem "callgrind_control -z failed"
	run_traffic "$o" -p "$P1" -i 1000 -t 60 -- -p "$P1" -r "$CG_RATE" -b 1 -n "$CG_PACKETS" -t 60
	ir=$(callgrind_control -e "$pid" 2>/dev/null | awk '/^ *Th / { gsub(",", "", $3); s += $3 } END { print s + 0 }')
	stop "$pid"
	if [ "$c" = c ]; then
		g "$BIN/portcullis" hooks down >>"$TMP/hooks.log" 2>&1 || problem "hooks down failed"
	else
		guard_flush
	fi
	got=$(kv unique "$o.recv" "recv total")
	if [ "${ir:-0}" -eq 0 ] || [ "${got:-0}" -eq 0 ]; then
		problem "callgrind case $c: no count"
		return
	fi
	echo "$c $ir $got" >>"$TMP/cg.results"
	log "callgrind case $c: $ir instructions for $got packets"
}

# ---- reload under load ---------------------------------------------------

# reload_under_load MODE: the storm with the guarded side pinned to one CPU
# as in the cases above (MODE pinned: daemon, its loader thread, receiver
# and softirqs share CPU ${PIN#*,}) or not pinned at all (unpinned).
reload_under_load() {
	local o="$TMP/reload.$1" rpid spid saved_pin=$PIN
	[ "$1" = unpinned ] && PIN=
	ln -f "$TMP/policy_a.conf" "$TMP/policy.conf"
	daemon_start "$TMP/policy.conf"
	rm -f "$TMP/recv.ready"
	bg "$NS_G" rpid "$BIN/udp_flood" recv -R "$TMP/recv.ready" -p "$P1,$P2" -i 1500 \
		-t "$LIMIT_S" >"$o.recv"
	wait_file "$TMP/recv.ready" 10 || die "receiver did not start"
	bg "$NS_S" spid "$BIN/udp_flood" send -d "$DST" -p "$P1,$P2" -r "$RELOAD_RATE" -b 1 \
		-t "$LIMIT_S" -n 1000000000 >"$o.send"
	sleep 1
	"$BIN/reload_timer" -p "$DAEMON_PID" -s "$TMP/status/status" -c "$TMP/policy.conf" \
		-n "$RELOADS" -g 50 "$TMP/policy_a.conf" "$TMP/policy_b.conf" >"$o.timer" ||
		problem "not every reload succeeded"
	sleep 1
	stop "$spid"
	reap "$rpid" || problem "receiver failed (reload)"
	g cat /proc/net/netfilter/nfnetlink_queue >"$o.kqueue" 2>/dev/null
	daemon_stop
	PIN=$saved_pin
}

reload_breakdown() {
	"$BIN/reload_timer" -B -n 6 "$TMP/policy_a.conf" "$TMP/policy_b.conf" >"$TMP/reload.breakdown" ||
		problem "breakdown failed"
}

# ---- report ----------------------------------------------------------------

report() {
	local sent1 uniq1 wrong sent2 lost
	printf '\nEnd to end: UDP, %s-byte payload, veth between two namespaces; median of %s rounds\n' \
		32 "$ROUNDS"
	awk -v lat_rate="$LAT_RATE" '
	BEGIN {
		name["a"] = "(a)  no queue"
		name["b"] = "(b)  nfq_floor, classic loop"
		name["b2"] = "(b\x27) nfq_floor, batched"
		name["c"] = "(c)  portcullisd, 10k rules"
		name["d1"] = "(d1) iptables, 1k-rule chain"
		name["d2"] = "(d2) iptables, 10k-rule chain"
		split("a b b2 c d1 d2", order, " ")
	}
	{
		pps[$1, $2] = $3; p50[$1, $2] = $4; p99[$1, $2] = $5
		cpu[$1, $2] = $7; cons[$1, $2] = $8; rounds[$2] = 1
		if ($2 > nrounds) nrounds = $2
	}
	function sort_median(v, n,    i, j, t) {
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
			if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
		return n == 0 ? -1 : n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	}
	function med(arr, c,    v, n, r) {
		n = 0
		for (r in rounds) if ((c, r) in arr) v[++n] = arr[c, r] + 0
		return sort_median(v, n)
	}
	# The median over rounds of num[x]/num[y] (den: of den[y]/den[x]), each
	# ratio taken within one round; the ratio of every round, in round
	# order, goes to per_round.
	function ratio(arr, x, y, inverse,    v, n, r, a, b) {
		n = 0
		per_round = ""
		for (r = 1; r <= nrounds; r++) if ((x, r) in arr && (y, r) in arr) {
			a = arr[x, r] + 0; b = arr[y, r] + 0
			if (a <= 0 || b <= 0) continue
			v[++n] = inverse ? b / a : a / b
			per_round = per_round sprintf(" %.2f", v[n])
		}
		return sort_median(v, n)
	}
	# one ratio line; target < 0: no target
	function show(label, v, target, what) {
		if (v < 0)
			printf "%s = n/a (not measured)\n", label
		else if (target < 0)
			printf "%s = %.3f   (%s)   rounds:%s\n", label, v, what, per_round
		else
			printf "%s = %.3f   %s: %s   rounds:%s\n", label, v, what, \
				(v >= target && (target != 1 || v > 1) ? "met" : "MISSED"), per_round
	}
	function table(    i, c, r, lo, hi, base, cn) {
		printf "%-30s %10s %15s %8s %9s %8s %9s %9s\n", "case", "delivered", "min-max", \
			"p50 us", "p99 us", "added", "CPU ns", "consumer"
		printf "%-30s %10s %15s %8s %9s %8s %9s %9s\n", "", "pkt/s", "pkt/s", "", "", \
			"p50 us", "/packet", "ns/pkt"
		base = med(p50, "a")
		for (i = 1; i <= 6; i++) {
			c = order[i]; lo = -1; hi = -1
			for (r in rounds) if ((c, r) in pps) {
				if (lo < 0 || pps[c, r] < lo) lo = pps[c, r]
				if (pps[c, r] > hi) hi = pps[c, r]
			}
			if (lo < 0) continue
			cn = med(cons, c)
			printf "%-30s %10.0f %15s %8.1f %9.1f %8.1f %9.0f %9s\n", name[c], med(pps, c), \
				sprintf("%.0f-%.0f", lo, hi), med(p50, c), med(p99, c), med(p50, c) - base, \
				med(cpu, c), (cn > 0 ? sprintf("%.0f", cn) : "-")
		}
	}
	END {
		table()
		printf "latency at %d packets/s; added = p50 minus the p50 of (a). CPU: sender, consumer\n", lat_rate
		printf "and receiver together per packet delivered in the throughput run; consumer: the\n"
		printf "NFQUEUE program alone (its softirq work, the reinjection, included).\n\n"
		print "delivered packets/s, ratios within a round, median over rounds:"
		show("(c)/(b) ", ratio(pps, "c", "b", 0), 0.95, "target >= 0.95")
		show("(c)/(b\x27)", ratio(pps, "c", "b2", 0), -1, "against the batched floor")
		show("(c)/(d1)", ratio(pps, "c", "d1", 0), 1, "target > 1")
		show("(c)/(d2)", ratio(pps, "c", "d2", 0), 1, "target > 1")
		print "the same by CPU per packet (cost of the floor / cost of portcullisd; less noisy):"
		show("(c)/(b) ", ratio(cpu, "c", "b", 1), 0.95, "target >= 0.95")
		show("(c)/(b\x27)", ratio(cpu, "c", "b2", 1), -1, "against the batched floor")
		show("(c)/(d1)", ratio(cpu, "c", "d1", 1), 1, "target > 1")
		show("(c)/(d2)", ratio(cpu, "c", "d2", 1), 1, "target > 1")
	}' "$TMP/results"

	if [ -s "$TMP/cg.results" ]; then
		printf '\nUser-space instructions per packet (callgrind, %s packets at %s packets/s):\n' \
			"$CG_PACKETS" "$CG_RATE"
		awk '{ name["b"] = "(b)  nfq_floor, classic loop"; name["b2"] = "(b\x27) nfq_floor, batched"
		       name["c"] = "(c)  portcullisd, 10k rules"
		       ipp[$1] = $2 / $3; printf "%-32s %10.0f\n", name[$1], ipp[$1] }
		     END { if (("b2" in ipp) && ("c" in ipp))
				printf "(c) minus (b\x27): %.0f instructions per packet for parsing, deciding, counting\n", ipp["c"] - ipp["b2"] }' \
			"$TMP/cg.results"
	fi
	[ -s "$TMP/reload.breakdown" ] || return 0
	printf '\nReload under load: %s SIGHUPs alternating two %s-rule policies, %s packets/s\n' \
		"$RELOADS" "$RELOAD_RULES" "$RELOAD_RATE"
	for m in $RELOAD_PINS; do
		reload_report "$m"
	done
	printf 'reload steps offline (median ms): %s\n' "$(cut -d' ' -f3- "$TMP/reload.breakdown")"
}

# reload_report MODE: the storm's lines.
reload_report() {
	local t="$TMP/reload.$1" sent1 sent2 uniq1 wrong lost
	[ -s "$t.timer" ] || { problem "no reload timings ($1)"; return; }
	sent1=$(kv sent "$t.send" "send port=$P1")
	sent2=$(kv sent "$t.send" "send port=$P2")
	uniq1=$(kv unique "$t.recv" "recv port=$P1")
	wrong=$(kv received "$t.recv" "recv port=$P2")
	lost=$((${sent1:-0} - ${uniq1:-0}))
	if [ "$1" = pinned ]; then
		printf '%s: guarded side pinned to CPU %s, as in the cases above\n' "$1" "${PIN#*,}"
	else
		printf '%s: no CPU pinning\n' "$1"
	fi
	printf '  reload time (SIGHUP to new status file): p50 %s ms, p90 %s, p99 %s, max %s ms   target <= 250 ms: %s\n' \
		"$(kv p50_ms "$t.timer")" "$(kv p90_ms "$t.timer")" \
		"$(kv p99_ms "$t.timer")" "$(kv max_ms "$t.timer")" \
		"$(awk -v m="$(kv max_ms "$t.timer")" 'BEGIN { print m <= 250 ? "met" : "MISSED" }')"
	printf '  the daemon'"'"'s own figure (last-reload-ms, up to the swap): p50 %s ms, p90 %s, max %s ms\n' \
		"$(kv p50_ms "$t.timer" daemon)" "$(kv p90_ms "$t.timer" daemon)" "$(kv max_ms "$t.timer" daemon)"
	printf '  reloads ok %s of %s, failed %s, timed out %s\n' "$(kv ok "$t.timer")" \
		"$RELOADS" "$(kv failed "$t.timer")" "$(kv timeouts "$t.timer")"
	printf '  port %s (permitted by both): sent %s, delivered %s, lost %s   target 0: %s\n' \
		"$P1" "${sent1:-?}" "${uniq1:-?}" "$lost" "$([ "$lost" -eq 0 ] && echo met || echo MISSED)"
	printf '  port %s (denied by both):    sent %s, delivered %s (wrong verdicts)   target 0: %s\n' \
		"$P2" "${sent2:-?}" "${wrong:-?}" "$([ "${wrong:-1}" -eq 0 ] && echo met || echo MISSED)"
	printf '  latency during the storm: p50 %s us, p99 %s us, max %s us\n' \
		"$(kv lat_p50_us "$t.recv" "recv total")" \
		"$(kv lat_p99_us "$t.recv" "recv total")" \
		"$(kv lat_max_us "$t.recv" "recv total")"
	awk '{ printf "  kernel queue %s: dropped (queue full) %s, dropped (socket full) %s\n", $1, $6, $7 }' \
		"$t.kqueue" 2>/dev/null
	if [ -z "$sent2" ] || [ "${sent2:-0}" -eq 0 ] || [ "${sent1:-0}" -eq 0 ]; then
		problem "the reload test sent nothing"
	fi
}

# ---- main ------------------------------------------------------------------

[ "$(id -u)" -eq 0 ] || { echo "SKIPPED bench/e2e.sh: needs root (network namespaces, iptables)"; exit 77; }
for t in ip iptables iptables-restore awk; do
	command -v "$t" >/dev/null || die "$t is not installed"
done
for b in portcullis portcullisd nfq_floor udp_flood reload_timer; do
	[ -x "$BIN/$b" ] || die "no $BIN/$b (build first: cmake --build build)"
done
bench_setup pc-bench

topology
log "generating the rule sets"
make_rules
: >"$TMP/results"
for ((r = 1; r <= ROUNDS; r++)); do
	for c in ${CASES:-a b b2 c d1 d2}; do
		measure "$c" "$r"
	done
done
if [ "$CG_PACKETS" -gt 0 ] && command -v valgrind >/dev/null && command -v callgrind_control >/dev/null; then
	log "instructions per packet under callgrind"
	for c in b b2 c; do
		cg_case "$c"
	done
fi
if [ "$RELOADS" -gt 0 ]; then
	for m in $RELOAD_PINS; do
		log "reload under load ($m): $RELOADS reloads of $RELOAD_RULES-rule policies"
		reload_under_load "$m"
	done
	reload_breakdown
fi
report
exit "$FAILED"

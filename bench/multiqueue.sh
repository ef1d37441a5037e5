#!/bin/bash
# bench/multiqueue.sh - portcullisd with one queue against two (issue 5,
# item 4): the same traffic through queue = 0 and through queue = 0-1.
#
# Two network namespaces over a veth pair, documentation addresses only:
#   sender   192.0.2.1             two udp_flood senders, as fast as they can
#   guarded  192.0.2.2 - .9        udp_flood recv (both ports) and portcullisd
# --queue-balance spreads flows by their addresses, with a per-boot random
# hash: the script first finds one guarded address the hash sends to queue 0
# and one it sends to queue 1, then each sender floods one of them. Cases,
# side by side in every round:
#   a   no queue (what the path carries without a filter)
#   q1  portcullisd, queue = 0   (one worker thread for both flows)
#   q2  portcullisd, queue = 0-1 (one worker thread per flow)
# Reported: delivered packets/s (median and range over the rounds), the
# per-round ratio q2/q1, and how the daemon's packets split over its queues.
#
# usage: bash bench/multiqueue.sh   (as root; binaries from PC_BIN_DIR, default build/)
# Environment: ROUNDS (5), SEND_S (4), WARMUP_S (1), WINDOW_S (2.5),
#   CASES ("a q1 q2"), LIMIT_S (600), BENCH_KEEP=1 keeps the temporary directory.
# Exit status: 0 every case measured, 1 a case failed, 77 not root.
set -u

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
BIN=${PC_BIN_DIR:-$ROOT/build}
ROUNDS=${ROUNDS:-5}
SEND_S=${SEND_S:-4}
WARMUP_S=${WARMUP_S:-1}
WINDOW_S=${WINDOW_S:-2.5}
CASES=${CASES:-a q1 q2}
LIMIT_S=${LIMIT_S:-600}

SND=192.0.2.1
P_A=5001
P_B=5002
NS_S=pcm-snd-$$
NS_G=pcm-grd-$$
BENCH_NAME=multiqueue
PIN=
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

topology() {
	local i mac_g
	veth_pair
	mac_g=$(mac "$NS_G")
	for i in 2 3 4 5 6 7 8 9; do
		ip -n "$NS_G" addr add "192.0.2.$i/24" dev veth0 || die "address"
		ip -n "$NS_S" neigh replace "192.0.2.$i" lladdr "$mac_g" dev veth0 nud permanent
	done
	ip -n "$NS_G" neigh replace "$SND" lladdr "$(mac "$NS_S")" dev veth0 nud permanent
}

# policy QUEUE: permits the two bench ports, denies the rest.
policy() {
	cat <<EOF
[portcullis]
default = deny
queue = $1
fail = closed
log = none
pid-file = $TMP/portcullisd.pid
status-file = $TMP/status/status
stateful = no

[Bench]
action = permit
protocol = udp
direction = in
local-port = $P_A-$P_B

[Deny UDP]
action = deny
protocol = udp
EOF
}

# queue_ids: "QUEUE ID_SEQUENCE" for every bound queue of the guarded namespace.
queue_ids() { g cat /proc/net/netfilter/nfnetlink_queue | awk '{ print $1, $8 }'; }

# pick_addresses: DST_A (balanced to queue 0) and DST_B (to queue 1).
pick_addresses() {
	local i before after q0 q1 spid
	daemon_start "$TMP/q2.conf"
	DST_A= DST_B=
	for i in 2 3 4 5 6 7 8 9; do
		before=$(queue_ids)
		bg "$NS_S" spid "$BIN/udp_flood" send -d "192.0.2.$i" -p "$P_A" -n 50 -r 5000 -b 1 \
			>/dev/null
		reap "$spid"
		sleep 0.2
		after=$(queue_ids)
		q0=$(($(awk '$1 == 0 { print $2 }' <<<"$after") - $(awk '$1 == 0 { print $2 }' <<<"$before")))
		q1=$(($(awk '$1 == 1 { print $2 }' <<<"$after") - $(awk '$1 == 1 { print $2 }' <<<"$before")))
		if [ "$q0" -ge 50 ] && [ "$q1" -eq 0 ] && [ -z "$DST_A" ]; then
			DST_A=192.0.2.$i
		elif [ "$q1" -ge 50 ] && [ "$q0" -eq 0 ] && [ -z "$DST_B" ]; then
			DST_B=192.0.2.$i
		fi
	done
	daemon_stop
	[ -n "$DST_A" ] && [ -n "$DST_B" ] || die "no address pair that the hash splits over two queues"
	log "queue 0 gets $SND -> $DST_A, queue 1 gets $SND -> $DST_B"
}

measure() { # CASE ROUND
	local c=$1 r=$2 o="$TMP/m.$1.$2" rpid sa sb pps q0= q1=
	case $c in
	q1) daemon_start "$TMP/q1.conf" ;;
	q2) daemon_start "$TMP/q2.conf" ;;
	esac
	rm -f "$TMP/recv.ready"
	bg "$NS_G" rpid "$BIN/udp_flood" recv -R "$TMP/recv.ready" -p "$P_A,$P_B" -n 1 \
		-w "$WARMUP_S" -W "$WINDOW_S" -i 800 -t 60 >"$o.recv"
	wait_file "$TMP/recv.ready" 10 || die "receiver did not start"
	bg "$NS_S" sa "$BIN/udp_flood" send -d "$DST_A" -p "$P_A" -r 0 -b 64 -t "$SEND_S" \
		-n 1000000000 >"$o.sendA"
	bg "$NS_S" sb "$BIN/udp_flood" send -d "$DST_B" -p "$P_B" -r 0 -b 64 -t "$SEND_S" \
		-n 1000000000 >"$o.sendB"
	reap "$sa" || FAILED=1
	reap "$sb" || FAILED=1
	reap "$rpid" || FAILED=1
	if [ "$c" != a ]; then
		daemon_stop
		q0=$(sed -n 's/^queue\.0\.packets=//p' "$TMP/status/status")
		q1=$(sed -n 's/^queue\.1\.packets=//p' "$TMP/status/status")
	fi
	pps=$(kv rate_pps "$o.recv" "recv total")
	[ -n "$pps" ] && [ "${pps%.*}" -gt 0 ] || { log "case $c round $r: no measurement"; FAILED=1; return; }
	echo "$c $r $pps ${q0:--} ${q1:--}" >>"$TMP/results"
	log "round $r case $c: $pps pkt/s delivered (queue 0: ${q0:--}, queue 1: ${q1:--} packets)"
}

report() {
	awk '
	{ pps[$1, $2] = $3; q0[$1, $2] = $4; q1[$1, $2] = $5; seen[$1] = 1; if ($2 > n) n = $2 }
	function median(v, k,    i, j, t) {
		for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
		return k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
	}
	function row(c, label,    v, k, r, lo, hi, share) {
		if (!(c in seen)) return
		k = 0; lo = -1; hi = 0; share = ""
		for (r = 1; r <= n; r++) if ((c, r) in pps) {
			v[++k] = pps[c, r] + 0
			if (lo < 0 || v[k] < lo) lo = v[k]
			if (v[k] > hi) hi = v[k]
			if (c == "q2" && q0[c, r] + q1[c, r] > 0)
				share = share sprintf(" %.0f%%", 100 * q1[c, r] / (q0[c, r] + q1[c, r]))
		}
		printf "%-34s %10.0f %10.0f-%-10.0f%s\n", label, median(v, k), lo, hi, \
			share != "" ? "  queue 1 share:" share : ""
	}
	END {
		printf "%-34s %10s %21s\n", "case", "pkt/s", "min-max"
		row("a", "(a)  no queue")
		row("q1", "(q1) portcullisd, queue = 0")
		row("q2", "(q2) portcullisd, queue = 0-1")
		if (("q1" in seen) && ("q2" in seen)) {
			k = 0; line = ""
			for (r = 1; r <= n; r++) if (("q1", r) in pps && ("q2", r) in pps && pps["q1", r] > 0) {
				v[++k] = pps["q2", r] / pps["q1", r]
				line = line sprintf(" %.2f", v[k])
			}
			if (k) printf "q2/q1 = %.3f (median of per-round ratios:%s)\n", median(v, k), line
		}
	}' "$TMP/results"
}

[ "$(id -u)" -eq 0 ] || { echo "multiqueue: needs root (network namespaces)"; exit 77; }
for b in portcullis portcullisd udp_flood; do
	[ -x "$BIN/$b" ] || die "no $b in $BIN (set PC_BIN_DIR)"
done
bench_setup pc-bench-mq
topology
policy 0 >"$TMP/q1.conf"
policy 0-1 >"$TMP/q2.conf"
pick_addresses
: >"$TMP/results"
for ((r = 1; r <= ROUNDS; r++)); do
	for c in $CASES; do
		measure "$c" "$r"
		sleep 0.3
	done
done
printf '\nportcullisd, one queue against two: UDP flood from two flows, %s rounds, %s CPUs\n' \
	"$ROUNDS" "$(nproc)"
report
exit "$FAILED"

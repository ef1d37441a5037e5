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

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
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
TMP=
PIDS=()
WATCHDOG=
FAILED=0

log() { printf '# %s\n' "$*" >&2; }
die() { printf 'multiqueue: %s\n' "$*" >&2; exit 1; }

cleanup() {
	local rc=$? pid
	trap - EXIT TERM INT
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	[ -n "$WATCHDOG" ] && kill "$WATCHDOG" 2>/dev/null
	ip netns del "$NS_S" 2>/dev/null
	ip netns del "$NS_G" 2>/dev/null
	if [ -n "$TMP" ] && [ "${BENCH_KEEP:-0}" = 1 ]; then
		log "kept $TMP"
	elif [ -n "$TMP" ]; then
		rm -rf "$TMP"
	fi
	exit "$rc"
}

# bg NS VAR CMD...: CMD in namespace NS in the background, its pid in VAR.
bg() {
	local ns=$1 var=$2
	shift 2
	ip netns exec "$ns" "$@" &
	printf -v "$var" '%s' "$!"
	PIDS+=("$!")
}

forget() {
	local i
	for i in "${!PIDS[@]}"; do
		[ "${PIDS[$i]}" = "$1" ] && unset 'PIDS[i]'
	done
	return 0
}

reap() {
	local rc=0
	wait "$1" || rc=$?
	forget "$1"
	return "$rc"
}

stop() {
	kill -TERM "$1" 2>/dev/null
	reap "$1"
}

wait_file() {
	local i
	for ((i = 0; i < $2 * 50; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.02
	done
	return 1
}

g() { ip netns exec "$NS_G" "$@"; }
kv() { sed -n "/^${3:-}/s/.*[ ]$1=\([^ ]*\).*/\1/p" "$2" | head -n 1; }

topology() {
	local ns mac_s mac_g i
	ip netns add "$NS_S" || die "ip netns add"
	ip netns add "$NS_G" || die "ip netns add"
	ip -n "$NS_S" link add veth0 type veth peer name veth0 netns "$NS_G" || die "veth"
	for ns in "$NS_S" "$NS_G"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
		ip -n "$ns" link set lo up
		ip -n "$ns" link set veth0 up || die "veth up"
	done
	ip -n "$NS_S" addr add "$SND/24" dev veth0 || die "address"
	mac_s=$(ip -n "$NS_S" -br link show veth0 | awk '{print $3}')
	mac_g=$(ip -n "$NS_G" -br link show veth0 | awk '{print $3}')
	for i in 2 3 4 5 6 7 8 9; do
		ip -n "$NS_G" addr add "192.0.2.$i/24" dev veth0 || die "address"
		ip -n "$NS_S" neigh replace "192.0.2.$i" lladdr "$mac_g" dev veth0 nud permanent
	done
	ip -n "$NS_G" neigh replace "$SND" lladdr "$mac_s" dev veth0 nud permanent
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

DAEMON_PID=
daemon_start() { # CONF
	rm -rf "$TMP/status"
	mkdir -p "$TMP/status"
	g "$BIN/portcullis" hooks up -c "$1" >>"$TMP/hooks.log" 2>&1 || die "hooks up failed"
	bg "$NS_G" DAEMON_PID "$BIN/portcullisd" -c "$1" -f 2>>"$TMP/daemon.log"
	wait_file "$TMP/status/status" 30 || die "portcullisd did not start (see $TMP/daemon.log)"
}

daemon_stop() {
	stop "$DAEMON_PID" || { log "portcullisd did not exit 0"; FAILED=1; }
	g "$BIN/portcullis" hooks down >>"$TMP/hooks.log" 2>&1 || die "hooks down failed"
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
TMP=$(mktemp -d /tmp/pc-bench-mq.XXXXXX) || die "mktemp"
(
	trap - EXIT
	trap 'kill "$sp" 2>/dev/null; exit 0' TERM
	sleep "$LIMIT_S" &
	sp=$!
	wait "$sp" && kill -TERM $$
) 2>/dev/null &
WATCHDOG=$!
trap cleanup EXIT
trap 'exit 1' TERM INT
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

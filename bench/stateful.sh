#!/bin/bash
# bench/stateful.sh - connections through portcullisd (stateful = yes),
# side by side in one run with no firewall and with the equivalent stateful
# iptables ruleset (ct established accept, then the same policy as iptables
# rules):
#   bulk   iperf3 TCP, IPERF_S seconds: Gbit/s
#   conns  nginx + ab, keep-alive off: new connections (requests) per second
#   lat    connect() time of CONNECTS connections one after another (python):
#          p50/p99 in microseconds; what the first packet's trip through the
#          daemon adds is the difference to iptables
# each ROUNDS times, the cases interleaved; then reload time with 0 and with
# FLOWS open connections (UDP flows the daemon admitted; conntrack timeout
# raised inside the namespace): the daemon's own last-reload-ms and the time
# from SIGHUP to the status file's new generation, RELOADS each.
#
# Namespaces only (192.0.2.1 client, 192.0.2.2 server); nothing in the root
# namespace. usage: bash bench/stateful.sh (root; PC_BIN_DIR, default build/)
# Environment: ROUNDS (3), IPERF_S (5), AB_N (20000), AB_C (8), CONNECTS (2000),
#   RELOADS (20), FLOWS (100000), CASES ("none ipt pc"), PIN (0,1), LIMIT_S (1200)
set -u

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
BIN=${PC_BIN_DIR:-$ROOT/build}
ROUNDS=${ROUNDS:-3}
IPERF_S=${IPERF_S:-5}
AB_N=${AB_N:-20000}
AB_C=${AB_C:-8}
CONNECTS=${CONNECTS:-2000}
RELOADS=${RELOADS:-20}
FLOWS=${FLOWS:-100000}
CASES=${CASES:-none ipt pc}
LIMIT_S=${LIMIT_S:-1200}
PIN=${PIN-0,1}
SND=192.0.2.1
DST=192.0.2.2
NS_S=pcb-cli-$$
NS_G=pcb-srv-$$
BENCH_NAME=stateful
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "bench/stateful.sh: needs root" >&2; exit 77; }
for c in iperf3 nginx ab python3 iptables-restore; do
	command -v "$c" >/dev/null || PATH=$PATH:/usr/sbin:/sbin
	command -v "$c" >/dev/null || die "$c is not installed"
done
bench_setup pc-bench-stateful
veth_pair
ip -n "$NS_G" addr add "$DST/24" dev veth0 || die "address"
ip -n "$NS_S" neigh replace "$DST" lladdr "$(mac "$NS_G")" dev veth0 nud permanent
ip -n "$NS_G" neigh replace "$SND" lladdr "$(mac "$NS_S")" dev veth0 nud permanent
ip netns exec "$NS_S" sysctl -qw net.ipv4.ip_local_port_range="10000 60999"
ip netns exec "$NS_S" sysctl -qw net.ipv4.tcp_tw_reuse=1
s() { ip netns exec "$NS_S" "$@"; }
st() { sed -n "s/^$1=//p" "$TMP/status/status" 2>/dev/null; } # st KEY: from the status file

policy=$TMP/policy.conf
cat >"$policy" <<EOF
[portcullis]
default = deny
log = none
pid-file = $TMP/portcullisd.pid
status-file = $TMP/status/status
stateful = yes

[Deny TCP]
action = deny
protocol = tcp

[Deny UDP]
action = deny
protocol = udp

[ICMP]
action = permit
protocol = icmp
icmp-type = echo-request

[iperf Server]
action = permit
protocol = tcp
direction = in
local-port = 5201

[HTTP Server]
action = permit
protocol = tcp
direction = in
local-port = 80

[Flows]
action = permit
protocol = udp
direction = in
local-port = 10000-60000
EOF
cat >"$TMP/ipt.rules" <<'EOF'
*filter
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A INPUT -m conntrack --ctstate INVALID -j DROP
-A INPUT -p tcp --syn --dport 5201 -j ACCEPT
-A INPUT -p tcp --syn --dport 80 -j ACCEPT
-A INPUT -p udp --dport 10000:60000 -j ACCEPT
-A INPUT -p icmp --icmp-type echo-request -j ACCEPT
-A INPUT -p tcp -j DROP
-A INPUT -p udp -j DROP
-A OUTPUT -o lo -j ACCEPT
-A OUTPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A OUTPUT -m conntrack --ctstate INVALID -j DROP
-A OUTPUT -p tcp -j DROP
-A OUTPUT -p udp -j DROP
COMMIT
EOF
mkdir -p "$TMP/nginx"
cat >"$TMP/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $TMP/nginx;
	proxy_temp_path $TMP/nginx;
	fastcgi_temp_path $TMP/nginx;
	uwsgi_temp_path $TMP/nginx;
	scgi_temp_path $TMP/nginx;
	server { listen $DST:80; location / { return 200 "ok\n"; } }
}
EOF
bg "$NS_G" NGINX_PID nginx -c "$TMP/nginx.conf" -p "$TMP/nginx"
sleep 0.5

case_up() {
	case $1 in
	ipt) g iptables-restore <"$TMP/ipt.rules" || die "iptables-restore" ;;
	pc) daemon_start "$policy" ;;
	esac
	g conntrack -F >/dev/null 2>&1
}
case_down() {
	case $1 in
	ipt) g iptables -F INPUT && g iptables -F OUTPUT ;;
	pc) daemon_stop ;;
	esac
}

bulk() { # Gbit/s of one iperf3 run
	local pid out
	bg "$NS_G" pid iperf3 -s -B "$DST" -1 >/dev/null 2>&1
	sleep 0.3
	out=$(s iperf3 -c "$DST" -t "$IPERF_S" -f g 2>&1 | awk '/receiver/ { print $7 }')
	reap "$pid" >/dev/null 2>&1
	echo "${out:-0}"
}
conns() { s ab -q -n "$AB_N" -c "$AB_C" "http://$DST/" 2>&1 | awk '/^Requests per second/ { print $4 }'; }
lat() { s python3 "$BENCH_DIR/tools/connect_lat.py" "$DST" 80 "$CONNECTS"; }

declare -A R
for r in $(seq "$ROUNDS"); do
	for c in $CASES; do
		case_up "$c"
		R[$c,bulk,$r]=$(bulk)
		R[$c,conns,$r]=$(conns)
		R[$c,lat,$r]=$(lat)
		case_down "$c"
		log "round $r $c: bulk ${R[$c,bulk,$r]} Gbit/s, ${R[$c,conns,$r]} conn/s, ${R[$c,lat,$r]}"
	done
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { for r in $(seq "$ROUNDS"); do echo "${R[$1,$2,$r]}" | sed -n "s/.*$3=\([0-9]*\).*/\1/p;/=/!p"; done | median; }
printf '\n%-6s %12s %14s %12s %12s\n' case "bulk Gbit/s" "new conn/s" "connect p50" "connect p99"
for c in $CASES; do
	printf '%-6s %12s %14s %10s us %10s us\n' "$c" "$(col "$c" bulk x)" "$(col "$c" conns x)" \
		"$(col "$c" lat p50)" "$(col "$c" lat p99)"
done
for r in $(seq "$ROUNDS"); do
	printf 'round %s:' "$r"
	for c in $CASES; do printf ' %s %s/%s/%s' "$c" "${R[$c,bulk,$r]}" "${R[$c,conns,$r]}" "${R[$c,lat,$r]}"; done
	printf '\n'
done

# ---- reload time, 0 and FLOWS open connections ------------------------
reloads() { # RELOADS SIGHUPs; prints "daemon=MS outside=MS" medians
	local i gen t0 n out=$TMP/reload.times
	: >"$out"
	for ((i = 0; i < RELOADS; i++)); do
		gen=$(st reload-generation)
		t0=$EPOCHREALTIME
		kill -HUP "$DAEMON_PID"
		for ((n = 0; n < 5000; n++)); do
			[ "$(st reload-generation)" != "$gen" ] && break
			sleep 0.001
		done
		awk -v a="$t0" -v b="$EPOCHREALTIME" -v d="$(st last-reload-ms)" \
			'BEGIN { printf "%d %.1f\n", d, (b - a) * 1000 }' >>"$out"
	done
	printf 'daemon=%s outside=%s\n' "$(cut -d' ' -f1 "$out" | median)" "$(cut -d' ' -f2 "$out" | median)"
}
if [[ " $CASES " == *" pc "* ]]; then
	g sysctl -qw net.netfilter.nf_conntrack_udp_timeout=600
	daemon_start "$policy"
	r0=$(reloads)
	s python3 "$BENCH_DIR/tools/udp_flows.py" "$SND" "$DST" 10000 $((FLOWS / 2)) 2 >/dev/null
	sleep 1
	ct=$(g cat /proc/sys/net/netfilter/nf_conntrack_count)
	r1=$(reloads)
	kill -USR1 "$DAEMON_PID"
	sleep 0.3
	log "connections decided by the daemon: $(st connections), packets seen: $(st packets)"
	daemon_stop
	printf '\nreload, median of %s: 0 connections: %s; %s conntrack entries: %s\n' \
		"$RELOADS" "$r0" "$ct" "$r1"
fi
exit "$FAILED"

#!/bin/bash
# sigstop.sh - the daemon stopped (SIGSTOP) for 5 s, in both fail modes.
# stateful = yes: an established connection flows on (the kernel's fast
# path); new connections wait in the queue; a flood of datagrams to a
# denied port fills the queue, and then fail = closed drops what does not
# fit while fail = open lets it through, unfiltered; after SIGCONT the
# daemon decides what waited, and new connections work at once. A denied
# port never answers with fail = closed; with fail = open a connection
# that slipped through is judged again, and cut, once the daemon runs.
# stateless (stateful = no): the same flood, counted: queued + dropped
# (closed) or queued + leaked (open) = sent, give or take the few packets
# of the hosts' own that also wait in the queue. Only the test's own
# namespaces see any traffic.
. "$(dirname "$0")/../e2e/lib.sh"

pc_init sigstop 150
pc_need iptables ip6tables ncat python3 ss
pc_need_bins daemon
pc_topo

FLOOD=${PC_SIGSTOP_FLOOD:-10000}
STOP_S=5
tools=$(dirname "$0")/tools
pc_srv_tcp 2001 2002
pc_srv_echo "$PC_SRV" 2005 2006
pc_bg "$PC_SRV" python3 "$tools/udp_echo.py" "$PC_TMP/udp.srv" "$SRV4:3001" "$SRV4:3002"
PC_LISTEN_MIN=1 pc_wait_listen "$PC_SRV" udp 3001 3002

# qstat FIELD: queue 0's counter in the server namespace (nfnetlink_queue:
# total = waiting for a verdict, dropped = queue full, user = socket full).
qstat() {
	local col
	case $1 in
	total) col=3 ;;
	dropped) col=6 ;;
	user) col=7 ;;
	esac
	pc_s awk -v c="$col" '$1 == 0 { print $c }' /proc/net/netfilter/nfnetlink_queue
}
kdrops() { echo $(($(qstat dropped) + $(qstat user))); }
# received PORT: datagrams the UDP server got on PORT so far (it writes
# its counts every 0.2 s).
received() {
	sleep 0.5
	awk -v p="$1" '$2 == p { print $3 }' "$PC_TMP/udp.srv"
}
# flood PORT N: N datagrams from the client, paced so that the veth's
# backlog never overflows (what is lost, the queue loses).
flood() {
	pc_c python3 - "$SRV4" "$1" "$2" <<'PY'
import socket, sys, time
dst, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(n):
    s.sendto(b"flood %d" % i, (dst, port))
    if i % 20 == 19:
        time.sleep(0.001)
PY
}
now() { echo "${EPOCHREALTIME/,/.}"; }
# after A B: B - A in tenths of a second (wall clock).
after() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
write_policy() { # FILE FAIL STATEFUL
	pc_policy "$1" "stateful = $3" "fail = $2" "default = deny" "log = none" <<END
$(pc_rules_nd)

[Service]
action = permit
protocol = tcp
local-port = 2001, 2005

[Echo]
action = permit
protocol = udp
local-port = 3001
END
}
start() { # MODE STATEFUL
	policy=$PC_TMP/$1-$2.conf
	write_policy "$policy" "$1" "$2"
	pc_check "$1/$2: hooks up" pc_hooks up -c "$policy"
	pc_daemon_start "$policy"
	pc_check "$1/$2: before the stop, TCP 2001 answers" pc_tcp_ok $SRV4 2001
	pc_check "$1/$2: before the stop, TCP 2002 is dropped" pc_tcp_blocked $SRV4 2002
}

stateful() {
	local m=$1 t_stop t_cont t c0 d0 q0 q1 d1 leak drained held
	start "$m" yes
	pc_check "$m: a long-lived connection (2005)" \
		pc_exchange "$PC_CLI" "$PC_TMP/long-$m.log" $SRV4 2005 --maxfail 1000
	local long=$PC_LAST_PID
	c0=$(received 3002)
	d0=$(kdrops)
	kill -STOP "$PC_DAEMON_PID"
	t_stop=$(now)
	pc_bg "$PC_CLI" python3 "$tools/conn_once.py" $SRV4 2001 20 "$PC_TMP/held-$m"
	pc_bg "$PC_CLI" python3 "$tools/conn_once.py" $SRV4 2002 12 "$PC_TMP/heldd-$m"
	sleep 0.6
	q0=$(qstat total)
	pc_check "$m, stopped: the new connections' SYNs wait in the queue ($q0 waiting)" \
		test "$q0" -ge 2 -a ! -e "$PC_TMP/held-$m"
	flood 3002 "$FLOOD"
	q1=$(qstat total)
	d1=$(($(kdrops) - d0))
	leak=$(($(received 3002) - c0))
	pc_log "$m, stopped: $FLOOD datagrams to denied UDP 3002: $((q1 - q0)) queued" \
		"(queue now $q1), $d1 dropped by the kernel, $leak delivered"
	if [ "$m" = closed ]; then
		pc_check "closed, queue full: the excess is dropped ($d1), none delivered ($leak)" \
			test "$leak" -eq 0 -a "$d1" -ge $((FLOOD - q1))
	else
		pc_check "open, queue full: the excess passes unfiltered ($leak), none dropped ($d1)" \
			test "$d1" -eq 0 -a "$leak" -ge $((FLOOD - q1)) -a "$leak" -gt 0
	fi
	if [ "$m" = closed ]; then
		pc_check "closed, queue full: a new connection to 2001 fails" pc_tcp_blocked $SRV4 2001
		pc_check "closed, queue full: the denied port is dropped" pc_tcp_blocked $SRV4 2002
	else
		pc_check "open, queue full: a new connection to 2001 passes" pc_tcp_ok $SRV4 2001
		pc_check "open, queue full: the denied port 2002 answers too (fail open)" \
			pc_tcp_ok $SRV4 2002
		pc_check "open, queue full: a connection to the denied echo port 2006 is set up" \
			pc_exchange "$PC_CLI" "$PC_TMP/slipped.log" $SRV4 2006 --maxfail 1000 \
			--timeout 0.3
		slipped=$PC_LAST_PID
	fi
	t=$(after "$t_stop" "$(now)")
	sleep "$(awk -v t="$t" -v s=$STOP_S 'BEGIN { print (t < s ? s - t : 0) }')"
	t_cont=$(now) # taken before: what waited cannot complete before the signal
	kill -CONT "$PC_DAEMON_PID"
	pc_log "$m: stopped for $(after "$t_stop" "$t_cont") s"
	[ "$m" = open ] && slipped_ok=$(grep -c '^ok' "$PC_TMP/slipped.log")
	for ((i = 0; i < 100; i++)); do
		[ "$(qstat total)" -eq 0 ] && break
		sleep 0.05
	done
	drained=$(after "$t_cont" "$(now)")
	pc_check "$m, resumed: the queue is decided within 2 s ($drained s)" test "$(qstat total)" -eq 0
	pc_check "$m, resumed: a new connection to 2001 answers" pc_tcp_ok $SRV4 2001
	pc_check "$m, resumed: IPv6 too" pc_tcp_ok $SRV6 2001
	pc_check "$m, resumed: 2002 is dropped" pc_tcp_blocked $SRV4 2002
	pc_check "$m, resumed: UDP 3001 echoes" pc_udp_ok $SRV4 3001
	pc_wait_file "$PC_TMP/held-$m" . 1 10
	read -r held t _ <"$PC_TMP/held-$m" 2>/dev/null
	pc_log "$m: the connection opened during the stop: $held $(after "$t_cont" "${t:-0}") s after SIGCONT"
	if [ "$m" = closed ]; then
		pc_check "closed: it waited, and completed within 3 s of SIGCONT" test "$held" = answered \
			-a "$(awk -v a="$t_cont" -v b="$t" 'BEGIN { print (b >= a && b - a < 3) }')" = 1
	else
		pc_check "open: it completed (at the latest 3 s after SIGCONT)" test "$held" = answered \
			-a "$(awk -v a="$t_cont" -v b="$t" 'BEGIN { print (b - a < 3) }')" = 1
	fi
	pc_wait_file "$PC_TMP/heldd-$m" . 1 14
	read -r held t _ <"$PC_TMP/heldd-$m" 2>/dev/null
	if [ "$m" = closed ]; then
		pc_check "closed: the denied port's connection opened in the stop never answered ($held)" \
			test "$held" = failed
	else
		pc_log "open: the denied port's connection opened in the stop: $held"
	fi
	if [ "$m" = open ]; then
		local ok2 fail2
		ok2=$(grep -c '^ok' "$PC_TMP/slipped.log")
		fail2=$(grep -c '^fail' "$PC_TMP/slipped.log")
		kill -TERM "$slipped"
		pc_log "open: the connection that slipped through: $slipped_ok exchanges in the stop," \
			"$((ok2 - slipped_ok)) after SIGCONT, then $fail2 failed"
		pc_check "open, resumed: the slipped connection to 2006 is judged again and cut" \
			test "$((ok2 - slipped_ok))" -le 3 -a "$fail2" -ge 5
	fi
	pc_check "$m: the long-lived connection never missed an exchange" \
		test "$(grep -c '^fail' "$PC_TMP/long-$m.log")" -eq 0 -a \
		"$(grep -c '^ok' "$PC_TMP/long-$m.log")" -ge 50
	pc_log "$m: $(grep -c '^ok' "$PC_TMP/long-$m.log") exchanges over the long-lived connection"
	kill -TERM "$long"
	pc_check "$m: the daemon runs" pc_daemon_alive
	pc_check "$m: SIGTERM, exit 0" pc_daemon_stop
}

stateless() {
	local m=$1 c0 d0 q d leak denied0 denied1 packets0 packets1
	start "$m" no
	c0=$(received 3002)
	d0=$(kdrops)
	denied0=$(pc_status denied)
	packets0=$(pc_status packets)
	kill -STOP "$PC_DAEMON_PID"
	flood 3002 "$FLOOD"
	q=$(qstat total)
	d=$(($(kdrops) - d0))
	leak=$(($(received 3002) - c0))
	kill -CONT "$PC_DAEMON_PID"
	pc_log "stateless $m: $FLOOD datagrams to denied UDP 3002 while stopped:" \
		"$q queued, $d dropped, $leak delivered"
	# stateless, every packet is queued: a few of the hosts' own (neighbour
	# discovery, the end of an earlier probe) may take slots too
	if [ "$m" = closed ]; then
		pc_check "stateless closed: queued + dropped = sent ($q + $d, $FLOOD sent), none delivered" \
			test $((q + d - FLOOD)) -ge 0 -a $((q + d - FLOOD)) -le 10 -a "$leak" -eq 0
	else
		pc_check "stateless open: queued + delivered = sent ($q + $leak, $FLOOD sent), none dropped" \
			test $((q + leak - FLOOD)) -ge 0 -a $((q + leak - FLOOD)) -le 10 -a "$d" -eq 0
	fi
	pc_check "stateless $m: the queue was full (over 4000 waiting)" test "$q" -gt 4000
	sleep 1
	denied1=$(pc_status denied)
	packets1=$(pc_status packets)
	pc_check "stateless $m, resumed: the $q queued packets decided ($((packets1 - packets0)))" \
		test $((packets1 - packets0)) -ge "$q"
	pc_check "stateless $m, resumed: the queued datagrams denied ($((denied1 - denied0)))" \
		test $((denied1 - denied0)) -ge $((q - 10))
	pc_check "stateless $m, resumed: still none delivered beyond the $leak" \
		test "$(($(received 3002) - c0))" -eq "$leak"
	pc_check "stateless $m, resumed: TCP 2001 answers" pc_tcp_ok $SRV4 2001
	pc_check "stateless $m, resumed: the status file shows the kernel's drops ($d)" \
		test "$(($(pc_status queue-dropped) + $(pc_status user-dropped)))" -ge "$d"
	pc_check "stateless $m: SIGTERM, exit 0" pc_daemon_stop
}

stateful closed
stateful open
stateless closed
stateless open
pc_finish

#!/bin/bash
# logflood.sh - a log flood: nmap over all 65,535 TCP ports of the server
# and a UDP scan of a range, while SYNs from random spoofed sources (the
# documentation ranges) arrive at random ports, against a stateful policy
# that logs every denial with a small log-rate. Checked: the verdict lines
# keep to the rate (never more in a second than the rate plus its burst),
# a permitted connection made during the flood gets through at once, every
# packet the kernel queued was decided, and the suppressed= counts are
# exact: logged denials + suppressed = the daemon's count of denials, also
# as portcullis log --summary adds them up. Traffic only between the test's
# own network namespaces, to and from documentation addresses.
. "$(dirname "$0")/../e2e/lib.sh"

pc_init logflood 150
pc_need iptables ip6tables iptables-save ncat nmap python3
pc_need_bins daemon
pc_topo

rate=20           # log-rate: lines a second, and the bucket (burst) size
flood_rate=8000   # spoofed SYNs a second
flood_secs=25
udp_ports=1-3000
policy=$PC_TMP/policy.conf
log=$PC_TMP/daemon.log
pc_policy "$policy" "stateful = yes" "default = deny" "log = deny" "log-rate = $rate" <<END
$(pc_rules_nd)

[Web]
action = permit
protocol = tcp
local-port = 80
END

# Spoofed sources have no route back: reverse-path filtering must not drop
# them before the hooks do (loose or off in the server's namespace).
for k in all default veth0; do
	pc_s sysctl -qw "net.ipv4.conf.$k.rp_filter=0" || pc_bail "rp_filter=0 ($k)"
done

# queued: packets the hook rules handed to the queue (both families, both
# chains): the NFQUEUE rules' counters.
queued() {
	{ pc_s iptables-save -c; pc_s ip6tables-save -c; } |
		awk '/-j NFQUEUE/ { sub(/^\[/, ""); split($1, c, ":"); n += c[1] } END { print n + 0 }'
}

# kstats: the kernel's numbers of queue 0 into kq (waiting), kd (dropped:
# queue full), ku (not delivered to the socket), ids (id sequence: packets
# put in the queue), and the hits of the NFQUEUE rules into hits, read
# until two readings of the hits agree (nothing in flight).
kstats() {
	local h i
	for ((i = 0; i < 20; i++)); do
		h=$(queued)
		read -r kq kd ku ids < <(pc_s awk '$1 == 0 { print $3, $6, $7, $8 }' \
			/proc/net/netfilter/nfnetlink_queue)
		hits=$(queued)
		[ "$h" -eq "$hits" ] && [ "$kq" -eq 0 ] && return 0
		sleep 0.25
	done
	return 1
}

pc_srv_tcp 80
pc_check "hooks up" pc_hooks up -c "$policy"
pc_daemon_start "$policy"
# Packets that met the NFQUEUE rules before the daemon bound the queue were
# dropped by the kernel (no listener): counted by the rules, never queued.
kstats || pc_bail "the queue does not settle"
early=$((hits - ids - kd))
pc_check "before the flood: the permitted port answers" pc_tcp_ok $SRV4 80
denied0=$(pc_status denied)

# The flood: spoofed SYNs, a full TCP scan, then a UDP scan, all at once.
pc_bg "$PC_CLI" python3 "$PC_ROOT/tests/faults/tools/synflood.py" $SRV4 $flood_rate $flood_secs \
	--avoid 80 >"$PC_TMP/flood.out" 2>&1
flood_pid=$PC_LAST_PID
start=$EPOCHREALTIME
pc_bg "$PC_CLI" bash -c "timeout 100 nmap -n -Pn -sS -T5 --max-retries 0 --min-rate 4000 -p- \
	-oG '$PC_TMP/tcp.gnmap' $SRV4 >'$PC_TMP/tcp.out' 2>&1;
	timeout 40 nmap -n -Pn -sU -T5 --max-retries 0 --min-rate 2000 -p $udp_ports \
	-oG '$PC_TMP/udp.gnmap' $SRV4 >'$PC_TMP/udp.out' 2>&1"
scan_pid=$PC_LAST_PID

# During the flood: a permitted connection every 2 s gets through, each
# within 3 s (ncat's own connect timeout is 2 s: one SYN lost to a full
# queue would already miss it).
probes=0 slow=0 worst=0
sleep 2
while pc_running "$flood_pid"; do
	t0=$EPOCHREALTIME
	if pc_tcp_ok $SRV4 80; then
		ms=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
		[ "$ms" -gt "$worst" ] && worst=$ms
		[ "$ms" -le 3000 ] || slow=$((slow + 1))
	else
		slow=$((slow + 1))
	fi
	probes=$((probes + 1))
	sleep 2
done
wait "$flood_pid"
sent=$(cat "$PC_TMP/flood.out")
wait "$scan_pid"
secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
pc_log "spoofed SYNs sent: $sent; scans and flood took ${secs}s; probes: $probes, worst ${worst} ms"
pc_check "the flood ran (over $((flood_rate * flood_secs / 2)) spoofed SYNs sent)" \
	test "${sent:-0}" -gt $((flood_rate * flood_secs / 2))
pc_check "during the flood: $probes permitted connections, each within 3 s (worst ${worst} ms)" \
	test "$probes" -ge 5 -a "$slow" -eq 0
pc_check "the daemon runs" pc_daemon_alive

# Every packet the kernel put in the queue was decided: the kernel numbers
# them (id sequence), and every id went to the daemon, unless the kernel
# could not deliver it (user dropped). And every hit of the NFQUEUE rules
# since the daemon bound the queue got an id or was dropped as the queue
# was full. A packet in flight (IPv6 neighbour discovery comes now and
# then) may make one reading miss: up to 5 s for them to agree.
for ((i = 0; i < 10; i++)); do
	kstats
	pk=$(pc_status packets)
	[ "$ids" -eq $((pk + ku)) ] && [ $((hits - early)) -eq $((ids + kd)) ] && break
	sleep 0.5
done
pc_log "NFQUEUE rule hits $hits ($early before the daemon bound the queue); kernel's queue:" \
	"ids $ids, dropped $kd (full), $ku (not delivered), $kq waiting; the daemon decided $pk"
pc_check "the daemon decided every packet the kernel queued ($pk + $ku undelivered = $ids ids)" \
	test "$ids" -eq $((pk + ku))
pc_check "every hit of the NFQUEUE rules was queued or dropped as the queue was full" \
	test $((hits - early)) -eq $((ids + kd))

# The scans saw the policy: no port closed (nothing answered with a RST or
# an ICMP error), every TCP port filtered but 80, which is open unless its
# one probe was lost to a full queue (counted above).
tcp_line=$(grep 'Ports:' "$PC_TMP/tcp.gnmap")
open_tcp=$(grep -o '[0-9]*/open/tcp' <<<"$tcp_line" | tr '\n' ' ')
filtered_tcp=$(sed -n 's/.*Ignored State: filtered (\([0-9]*\)).*/\1/p' <<<"$tcp_line")
pc_log "TCP scan: open $open_tcp; filtered ${filtered_tcp:-?}"
if [ "$kd" -eq 0 ]; then
	pc_check "the TCP scan: port 80 open, the other 65,534 filtered" \
		test "$open_tcp" = "80/open/tcp " -a "${filtered_tcp:-0}" -eq 65534
else
	pc_check "the TCP scan: port 80 open or filtered, all others filtered (queue full $kd times)" \
		test $((${filtered_tcp:-0} + $(wc -w <<<"$open_tcp"))) -eq 65535 -a \
		"$(grep -c '/closed/' <<<"$tcp_line")" -eq 0
fi
pc_check "the UDP scan: all ${udp_ports#1-} ports open|filtered (none answered)" \
	grep -q "Ignored State: open|filtered (${udp_ports#1-})" "$PC_TMP/udp.gnmap"
pc_check "after the flood: the permitted port answers" pc_tcp_ok $SRV4 80
# A denied connection's first packet is dropped before conntrack confirms
# it: the flood leaves no entry behind.
ct=$(pc_s cat /proc/sys/net/netfilter/nf_conntrack_count)
pc_check "the denied connections left no conntrack entry ($ct entries, the permitted probes)" test "$ct" -lt 200

# Stop: the pending suppressed= count is written when the log is closed,
# and the status file's last write (running=no) holds the final counts.
pc_check "SIGTERM: exit 0" pc_daemon_stop
st() { sed -n "s/^$1=//p" "$PC_TMP/status"; }
pc_check "the last status says running=no" test "$(st running)" = no
denied=$(st denied)
conns=$(st connections)
invalid=$(st invalid)
malformed=$(st malformed)
qdrop=$(($(st queue-dropped) + $(st user-dropped)))
logged=$(grep -c ' verdict=deny ' "$log")
supp_lines=$(grep -c ' suppressed=[0-9]*$' "$log")
supp=$(awk '/ suppressed=[0-9]+$/ { sub(/.* suppressed=/, ""); n += $0 } END { print n + 0 }' "$log")
pc_log "denied $denied (connections $conns, invalid $invalid, malformed $malformed;" \
	"$((denied - denied0)) in the flood), queue drops $qdrop"
pc_log "log: $logged denials logged + $supp suppressed (in $supp_lines reports) = $((logged + supp))"
probes_sent=$((sent + 65534 + ${udp_ports#1-}))
pc_check "every probe of the flood ($probes_sent sent) was denied or dropped at the queue" \
	test "$((denied - denied0 + qdrop))" -ge "$probes_sent"
# Stateful: the daemon decides connections. Every denial was a new
# connection's first packet (no invalid or malformed packet among them).
pc_check "every denial was a connection's (invalid $invalid, malformed $malformed, denied <= connections)" \
	test "$invalid" -eq 0 -a "$malformed" -eq 0 -a "$denied" -le "$conns"
pc_check "logged + suppressed = denied, exactly ($logged + $supp = $denied)" \
	test "$((logged + supp))" -eq "$denied"
pc_check "the status file's log-suppressed is the sum of the suppressed= lines" \
	test "$(st log-suppressed)" -eq "$supp"
pc_check "no verdict line is a permit" test "$(grep -c ' verdict=permit ' "$log")" -eq 0

# portcullis log --summary adds the same up.
"$PORTCULLIS" log --summary "$log" >"$PC_TMP/summary" 2>"$PC_TMP/summary.err"
pc_log "summary: $(grep -E 'suppressed:|^ *[0-9]+ +deny' "$PC_TMP/summary" | tr -s ' ' | paste -sd';')"
pc_check "log --summary: suppressed: $supp lines in $supp_lines reports" \
	grep -q "suppressed: $supp lines in $supp_lines reports" "$PC_TMP/summary"
sum_deny=$(awk '/^hits per rule:/ { r = 1; next } r && $2 == "deny" { n += $1 } r && /^$/ { r = 0 } END { print n + 0 }' \
	"$PC_TMP/summary")
pc_check "log --summary: $logged denials over the rules ($sum_deny)" test "$sum_deny" -eq "$logged"
pc_check "log --summary: every line parsed" test ! -s "$PC_TMP/summary.err"

# The rate: never more than rate + burst (2 x $rate) verdict lines in any
# one-second window; over the whole flood, about $rate a second. The lines
# carry the time they were written (milliseconds), the bucket runs on the
# time the batch was received, a few ms earlier: one line more is allowed
# for that.
read -r peak total span < <(grep ' verdict=' "$log" | sed -n 's/^time=\([^ ]*\) .*/\1/p' |
	python3 -c '
import sys, datetime
ts = [datetime.datetime.strptime(l.strip(), "%Y-%m-%dT%H:%M:%S.%fZ").timestamp() for l in sys.stdin]
peak, j = 0, 0
for i, t in enumerate(ts):
    while ts[j] <= t - 1.0:
        j += 1
    peak = max(peak, i - j + 1)
print(peak, len(ts), "%.1f" % (ts[-1] - ts[0]))')
bound=$(awk -v r=$rate -v s="$span" 'BEGIN { printf "%d", r * (s + 1) + 2 }')
pc_log "verdict lines: $total over ${span}s, at most $peak in any second (rate $rate, burst $rate)"
pc_check "never more than rate + burst ($((2 * rate)), +1) lines in a second: $peak" \
	test "$peak" -le $((2 * rate + 1))
pc_check "at most rate x (span + 1) lines in all: $total <= $bound" test "$total" -le "$bound"
pc_finish

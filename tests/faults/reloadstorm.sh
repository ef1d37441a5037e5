#!/bin/bash
# reloadstorm.sh - 1,000 SIGHUPs (stateful = yes) alternating two valid
# policies A and B with broken ones of eight kinds, under TCP and UDP
# traffic over IPv4 and IPv6. Every broken policy also permits the ports
# both valid ones deny, so a broken file taken even in part would leak.
# Over the whole storm: ports both policies permit deliver every
# connection and every datagram, ports both deny deliver none, two
# long-lived connections never miss an exchange, every valid policy is
# taken and every broken one refused (status file and daemon messages),
# and memory stays flat. After the storm the ports A and B disagree on
# follow the last valid policy. (tests/e2e/churn.sh does valid-only
# reloads under connection churn.)
. "$(dirname "$0")/../e2e/lib.sh"

pc_init reloadstorm 150
pc_need iptables ip6tables ncat python3 ss
pc_need_bins daemon
pc_topo

RELOADS=${PC_STORM_RELOADS:-1000}
STREAM_RATE=${PC_STORM_RATE:-250} # datagrams/s of each UDP stream
RSS_GROWTH_MAX=256 # kB from reload 100 to reload $RELOADS (see docs/security.md)
tools=$(dirname "$0")/tools
e2etools=$PC_E2E_DIR/tools
policy=$PC_TMP/policy.conf

# valid NAME TCP-PORT UDP-PORT [RULES]: a policy permitting TCP 2001 and
# 2005, UDP 3001, and the given ports of its own; default deny.
valid() {
	pc_policy "$PC_TMP/$1.conf" "stateful = yes" "default = deny" "log = none" <<END
$(pc_rules_nd)

[Both TCP]
action = permit
protocol = tcp
direction = in
local-port = 2001, 2005

[Both UDP]
action = permit
protocol = udp
direction = in
local-port = 3001, 3005

[Only $1 TCP]
action = permit
protocol = tcp
direction = in
local-port = $2

[Only $1 UDP]
action = permit
protocol = udp
direction = in
local-port = $3
${4:-}
END
}
valid A 2003 3003
valid B 2004 3004
# what every broken version adds: the ports A and B deny, opened
leak='
[Leak TCP]
protocol = tcp
local-port = 2002
action = permit

[Leak UDP]
protocol = udp
local-port = 3002, 3006
action = permit'
# broken NAME TEXT: policy A, the leak rule, then TEXT.
broken() { valid "$1" 2003 3003 "$leak
$2"; }
broken syntax '[Bad]
this line has no equals sign'
broken unknownkey '[Bad]
action = deny
colour = red'
broken badaddr '[Bad]
action = deny
remote-address = 192.0.2.300'
broken dupname '[Both UDP]
action = deny
protocol = udp'
broken nolist "[Bad]
action = deny
remote-address = file:$PC_TMP/no-such-list.txt"
broken badport '[Bad]
action = deny
local-port = 70000'
printf '[Bad]\naction = deny\ndescription = a NUL \0 byte\n' >"$PC_TMP/nul.tail"
valid nul 2003 3003 "$leak"
cat "$PC_TMP/nul.tail" >>"$PC_TMP/nul.conf"
# truncated: cut inside the leak rule's last value ("action = per")
valid truncated 2003 3003 "$leak"
cut=$(grep -b '^action = permit$' "$PC_TMP/truncated.conf" | tail -n 1 | cut -d: -f1)
truncate -s $((cut + 12)) "$PC_TMP/truncated.conf"
bad_kinds="syntax unknownkey badaddr dupname nolist badport nul truncated"
versions=()
i=0
for b in $bad_kinds; do
	v=A
	[ $((i % 2)) -eq 1 ] && v=B
	versions+=("ok:$PC_TMP/$v.conf" "failed:$PC_TMP/$b.conf")
	i=$((i + 1))
done

for v in A B; do
	pc_check "portcullis check: policy $v is valid" \
		"$PORTCULLIS" check -c "$PC_TMP/$v.conf" >/dev/null 2>&1
done
for b in $bad_kinds; do
	pc_check_not "portcullis check: the $b policy is refused" \
		timeout 10 "$PORTCULLIS" check -c "$PC_TMP/$b.conf" >/dev/null 2>&1
done
tail -c 20 "$PC_TMP/truncated.conf" | grep -q 'action = per$' || pc_bail "truncation"
# without its defect a broken version loads, and opens the denied ports
valid leaky 2003 3003 "$leak"
got=$(printf 'in tcp %s %s 40000 2002\nin udp %s %s 40000 3002\nin udp %s %s 40000 3006\n' \
	$CLI4 $SRV4 $CLI4 $SRV4 $CLI6 $SRV6 |
	"$PORTCULLIS" explain --format short -c "$PC_TMP/leaky.conf" 2>&1 | cut -f1 | tr '\n' ' ')
pc_check "the broken versions without their defect permit 2002, 3002, 3006 ($got)" \
	test "$got" = "permit permit permit "

cp "$PC_TMP/A.conf" "$policy"
pc_srv_tcp 2001 2002 2003 2004
pc_srv_echo "$PC_SRV" 2005
udp_ports="3001 3002 3003 3004 3005 3006"
specs=()
for p in $udp_ports; do specs+=("$SRV4:$p" "[$SRV6]:$p"); done
pc_bg "$PC_SRV" python3 "$tools/udp_echo.py" "$PC_TMP/udp.srv" "${specs[@]}"
udp_srv=$PC_LAST_PID
PC_LISTEN_MIN=2 pc_wait_listen "$PC_SRV" udp $udp_ports
pc_check "hooks up" pc_hooks up -c "$policy"
pc_daemon_start "$policy"
rss_start=$(pc_rss "$PC_DAEMON_PID")
pc_check "before the storm: TCP 2001 answers" pc_tcp_ok $SRV4 2001
pc_check "before the storm: TCP 2002 is dropped" pc_tcp_blocked $SRV4 2002
pc_check "before the storm: UDP 3001 echoes" pc_udp_ok $SRV4 3001

pc_check "long-lived connection over IPv4 (2005)" \
	pc_exchange "$PC_CLI" "$PC_TMP/long4.log" $SRV4 2005 --maxfail 100000
long4=$PC_LAST_PID
pc_check "long-lived connection over IPv6 (2005)" \
	pc_exchange "$PC_CLI" "$PC_TMP/long6.log" $SRV6 2005 --maxfail 100000
long6=$PC_LAST_PID
loops=()
for dst in $SRV4 $SRV6; do
	tag=v4
	[ "$dst" = $SRV6 ] && tag=v6
	pc_bg "$PC_CLI" python3 "$e2etools/connect_loop.py" "$dst" 2001 "$PC_TMP/tcp-permit-$tag" \
		--expect answered --interval 0.03 --timeout 3
	loops+=("$PC_LAST_PID")
	pc_bg "$PC_CLI" python3 "$e2etools/connect_loop.py" "$dst" 2002 "$PC_TMP/tcp-deny-$tag" \
		--expect dropped --interval 0.03 --timeout 0.3
	loops+=("$PC_LAST_PID")
done
pc_bg "$PC_CLI" python3 "$tools/udp_probe.py" "$PC_TMP/udp.cli" --same --interval 0.002 --deny-wait 0.005 \
	"$SRV4:3001:permit" "[$SRV6]:3001:permit" "$SRV4:3002:deny" "[$SRV6]:3002:deny"
loops+=("$PC_LAST_PID")
# steady streams, one socket each: 3005 permitted, 3006 denied
streams=()
for dst in $SRV4 $SRV6; do
	for p in 3005 3006; do
		pc_bg "$PC_CLI" python3 "$tools/udp_stream.py" "$dst" $p "$STREAM_RATE" \
			"$PC_TMP/stream-$dst-$p"
		streams+=("$PC_LAST_PID")
	done
done
sleep 1

msgs_ok0=$(pc_msgs_count 'reloaded: ')
msgs_bad0=$(pc_msgs_count 'config has errors, not reloading')
python3 "$tools/storm.py" "$PC_DAEMON_PID" "$PC_TMP/status" "$policy" "$RELOADS" \
	"${versions[@]}" --rss-at "100,$RELOADS" >"$PC_TMP/storm.out" ||
	pc_fail "storm: $(head -n 1 "$PC_TMP/storm.out")"
sleep 1
kill -TERM "${loops[@]}" "${streams[@]}" "$long4" "$long6" 2>/dev/null
wait "${loops[@]}" "${streams[@]}" "$long4" "$long6" 2>/dev/null
pc_log "$(head -n 1 "$PC_TMP/storm.out")"
grep '^wrong' "$PC_TMP/storm.out" | head -n 5 | sed 's/^/# /'
res=$(head -n 1 "$PC_TMP/storm.out")
field() { sed -n "s/.*[ ^]$1=\([^ ]*\).*/\1/p" <<<" $res"; }
taken=$(field taken)
refused=$(field refused)
half=$((RELOADS / 2))
pc_check "$RELOADS reloads: $half valid taken ($taken), $half broken refused ($refused)" \
	test "${taken:-x}" = "$half" -a "${refused:-x}" = "$half"
pc_check "each reload's result was the expected one ($(field wrong) wrong)" \
	test "$(field wrong)" = 0
pc_check "the status file counts them (reloads-ok, reloads-failed)" \
	test "$(pc_status reloads-ok)" = "$half" -a "$(pc_status reloads-failed)" = "$half"
ok_msgs=$(($(pc_msgs_count 'reloaded: ') - msgs_ok0))
bad_msgs=$(($(pc_msgs_count 'config has errors, not reloading') - msgs_bad0))
pc_check "the daemon said 'reloaded' $ok_msgs times, 'config has errors' $bad_msgs times" \
	test "$ok_msgs" = "$half" -a "$bad_msgs" = "$half"
pc_check "every refusal names the file (FILE:LINE)" \
	test "$(pc_msgs_count "$policy:[0-9]+: ")" -ge "$half"

for f in tcp-permit-v4 tcp-permit-v6 tcp-deny-v4 tcp-deny-v6; do
	c=$(cat "$PC_TMP/$f" 2>/dev/null)
	pc_log "$f: $c"
	pc_check "TCP $f during the storm: $c" \
		grep -Eq '^attempts=[0-9]{2,} good=[0-9]+ bad=0$' "$PC_TMP/$f"
done
sed 's/^/# udp: /' "$PC_TMP/udp.cli"
while read -r addr port expect kind sent answered late; do
	n=${sent#sent=}
	a=${answered#answered=}
	if [ "$expect" = permit ]; then
		pc_check "UDP $addr $port ($kind socket): $a/$n echoed" \
			test "$n" -ge 100 -a "$a" = "$n"
	else
		pc_check "UDP $addr $port ($kind socket): 0/$n echoed (${late#late=} late)" \
			test "$n" -ge 100 -a "$a" = 0 -a "${late#late=}" = 0
	fi
done <"$PC_TMP/udp.cli"
kill -TERM "$udp_srv" 2>/dev/null
sleep 0.5
sed 's/^/# udp server received: /' "$PC_TMP/udp.srv"
pc_check "the server received no datagram on the denied UDP port 3002" \
	test "$(awk '$2 == 3002 { n += $3 } END { print n + 0 }' "$PC_TMP/udp.srv")" = 0
for dst in $SRV4 $SRV6; do
	for p in 3005 3006; do
		read -r sent echoed errors <"$PC_TMP/stream-$dst-$p"
		sent=${sent#sent=} echoed=${echoed#echoed=} errors=${errors#errors=}
		got=$(awk -v a="$dst" -v p=$p '$1 == a && $2 == p { print $3 }' "$PC_TMP/udp.srv")
		if [ $p = 3005 ]; then
			pc_check "UDP stream to $dst $p: $got/$sent received, $echoed echoed" \
				test "$sent" -ge 1000 -a "$got" = "$sent" -a "$echoed" = "$sent" \
				-a "$errors" = 0
		else
			pc_check "UDP stream to $dst $p (denied): $got/$sent received" \
				test "$sent" -ge 1000 -a "$got" = 0 -a "$echoed" = 0
		fi
	done
done
for v in 4 6; do
	f=$PC_TMP/long$v.log
	pc_check "long-lived IPv$v connection: $(grep -c '^ok' "$f") exchanges, 0 failed" \
		test "$(grep -c '^fail' "$f")" -eq 0 -a "$(grep -c '^ok' "$f")" -ge 50
done
dropped=$(($(pc_status queue-dropped) + $(pc_status user-dropped)))
pc_check "no packet dropped by the kernel for want of queue room ($dropped)" test "$dropped" -eq 0

rss100=$(field 'rss@100')
rss_end=$(field "rss@$RELOADS")
pc_log "RSS: start $rss_start kB, after 100 reloads $rss100 kB, after $RELOADS $rss_end kB"
if grep -q __asan_init "$PORTCULLISD"; then # its quarantine holds freed memory back
	pc_log "portcullisd is built with ASan: memory not checked"
else
	pc_check "memory bounded: +$((rss_end - rss100)) kB from reload 100 to $RELOADS (max $RSS_GROWTH_MAX)" \
		test "$((rss_end - rss100))" -le "$RSS_GROWTH_MAX"
fi

# The ports A and B disagree on follow the last valid policy, then the other.
pc_bg "$PC_SRV" python3 "$tools/udp_echo.py" "$PC_TMP/udp.srv" "${specs[@]}"
PC_LISTEN_MIN=2 pc_wait_listen "$PC_SRV" udp $udp_ports
last=$(basename "$(field last-valid)" .conf)
for v in "$last" $([ "$last" = A ] && echo B || echo A); do
	if [ "$v" != "$last" ]; then
		cp "$PC_TMP/$v.conf" "$policy"
		pc_check "reload to policy $v" pc_daemon_reload
	fi
	yes=2003 no=2004
	[ "$v" = B ] && yes=2004 no=2003
	pc_check "policy $v: TCP $yes answers (v4)" pc_tcp_ok $SRV4 $yes
	pc_check "policy $v: TCP $yes answers (v6)" pc_tcp_ok $SRV6 $yes
	pc_check "policy $v: TCP $no is dropped (v4)" pc_tcp_blocked $SRV4 $no
	pc_check "policy $v: TCP $no is dropped (v6)" pc_tcp_blocked $SRV6 $no
	pc_check "policy $v: UDP $((yes + 1000)) echoes (v6)" pc_udp_ok $SRV6 $((yes + 1000))
	pc_check_not "policy $v: UDP $((no + 1000)) gets no echo (v4)" pc_udp_ok $SRV4 $((no + 1000))
done
pc_check "portcullisd still runs" pc_daemon_alive
pc_check "SIGTERM: exit 0" pc_daemon_stop
pc_finish

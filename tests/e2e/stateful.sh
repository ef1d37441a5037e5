#!/bin/bash
# stateful.sh - the shipped policy decides connections: scans from source
# port 53 see only what the Server rules admit, the server's own DNS queries,
# pings and the ICMP errors about them get through, a lone ACK is invalid;
# with stateful = no the same scan gets through (the seed's hole, kept on
# request).
. "$(dirname "$0")/lib.sh"

pc_init stateful 150
pc_need iptables ip6tables ncat nmap dig dnsmasq python3 ping ss
pc_need_bins daemon
pc_topo

policy=$PC_TMP/portcullis.conf
pc_shipped "$policy"
grep -q '^stateful = yes$' "$policy" || pc_bail "the shipped policy is not stateful"

pc_srv_tcp 22 3306 5432
pc_bg "$PC_SRV" ncat -u -l -k -e /bin/cat "$SRV4" 5353
pc_wait_listen "$PC_SRV" udp 5353
pc_bg "$PC_CLI" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
	--bind-interfaces --listen-address="$CLI4" --port=53 --pid-file= --user=root \
	--address=/portcullis.test/192.0.2.53 --log-facility="$PC_TMP/dnsmasq.log"
pc_wait_listen "$PC_CLI" udp 53

pc_check "hooks up" pc_hooks up -c "$policy"
pc_daemon_start "$policy"

# open_ports FILE: the open ports of an nmap -oG file, space separated.
open_ports() { grep -o '[0-9]*/open/[a-z]*' "$1" | cut -d/ -f1 | sort -n | tr '\n' ' '; }
scan() { # scan NAME NMAP-ARGS...: nmap from the client into $PC_TMP/NAME.gnmap
	local name=$1
	shift
	pc_c timeout 60 nmap -n -Pn -T4 --max-retries 1 --host-timeout 50s "$@" \
		-oG "$PC_TMP/$name.gnmap" >"$PC_TMP/$name.out" 2>&1
}

pc_check "SSH Server answers" pc_tcp_ok $SRV4 22
pc_check "SSH Server answers over IPv6" pc_tcp_ok $SRV6 22
scan syn53 -sS -g 53 -p 22,3306,5432 $SRV4
o=$(open_ports "$PC_TMP/syn53.gnmap")
pc_check "nmap -sS -g 53: only 22 is open ($o)" test "$o" = "22 "
scan syn53v6 -6 -sS -g 53 -p 22,3306,5432 $SRV6
o=$(open_ports "$PC_TMP/syn53v6.gnmap")
pc_check "IPv6: nmap -sS -g 53: only 22 is open ($o)" test "$o" = "22 "
scan udp53 -sU -g 53 -p 53,5353 $SRV4
o=$(open_ports "$PC_TMP/udp53.gnmap")
pc_check "nmap -sU -g 53: nothing is open, 5353 echoes but no Server rule admits it ($o)" \
	test -z "$o"
pc_check "TCP connect from source port 53 to 5432 fails" \
	sh -c "! ip netns exec $PC_CLI timeout 4 ncat -p 53 --recv-only -w 1500ms $SRV4 5432 >/dev/null 2>&1"

dig_raw() { pc_s timeout 5 dig +time=2 +tries=1 +short @"$1" portcullis.test A 2>&1; }
dns() { dig_raw "$1" | grep -v '^;'; }
pc_check "the server's own DNS query is answered" test "$(dns $CLI4)" = 192.0.2.53
pc_check "the server's own ping is answered" pc_s_ping_ok $CLI4
pc_check "the server's own ping6 is answered" pc_s_ping_ok $CLI6
# nothing listens on 53 at the client's second address: the port
# unreachable it sends back is related to the query and must get in
start=$EPOCHREALTIME
out=$(dig_raw $CLI4_B)
secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
pc_log "dig to a host without a name server: ${secs}s: $out"
pc_check "a DNS query to a host with no name server fails at once (${secs}s < 1.5s)" \
	awk -v s="$secs" 'BEGIN { exit !(s < 1.5) }'
pc_check "... because the port unreachable came back" grep -qi "refused\|unreachable" <<<"$out"

inv0=$(pc_status invalid)
scan ack -sA -p 22,80,5432 $SRV4
pc_check "nmap -sA gets no RST back: no port unfiltered" \
	sh -c "! grep -q '/unfiltered/' '$PC_TMP/ack.gnmap' && grep -q '/filtered/' '$PC_TMP/ack.gnmap'"
inv1=$(pc_status invalid)
pc_check "status counts the lone ACKs as invalid ($inv0 -> $inv1)" test "$((inv1 - inv0))" -ge 3
pc_check "the log names them (invalid)" \
	grep -q 'verdict=deny rule="(invalid)" dir=in proto=tcp .* dport=5432 .*state=invalid' \
	"$PC_TMP/daemon.log"
pc_check "the log says state=new for new connections" \
	grep -q 'rule="Deny TCP" dir=in proto=tcp .* dport=3306 .*state=new$' "$PC_TMP/daemon.log"
c=$(pc_status connections)
p=$(pc_status packets)
pc_check "status counts connections ($c) and packets ($p)" test "${c:-0}" -gt 0 -a "${p:-0}" -ge "${c:-0}"
pc_check "status says stateful" test "$(pc_status stateful)" = yes

# The same scan against the stateless model with the seed's mirrored DNS
# Client rule: the hole is there, as documented.
pc_check "daemon stops" pc_daemon_stop
sed -i -e 's/^stateful = yes$/stateful = no/' \
	-e '/^\[DNS Client\( (tcp)\)\{0,1\}\]$/,/^$/s/^direction = out$/direction = both/' "$policy"
pc_check "hooks up (stateless)" pc_hooks up -c "$policy"
pc_check "stateless hooks have no fast path chain" \
	sh -c "! ip netns exec $PC_SRV iptables -S PORTCULLIS-FAST >/dev/null 2>&1"
pc_daemon_start "$policy"
scan syn53s -sS -g 53 -p 22,3306,5432 $SRV4
o=$(open_ports "$PC_TMP/syn53s.gnmap")
pc_check "stateful = no: nmap -sS -g 53 sees all three open ($o)" test "$o" = "22 3306 5432 "
scan udp53s -sU -g 53 -p 53,5353 $SRV4
o=$(open_ports "$PC_TMP/udp53s.gnmap")
pc_check "stateful = no: nmap -sU -g 53 sees the echo on 5353 ($o)" test "$o" = "5353 "
pc_check "portcullisd still runs" pc_daemon_alive
pc_finish

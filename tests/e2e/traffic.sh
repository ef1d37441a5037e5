#!/bin/bash
# traffic.sh - a client talks to the guarded server with real tools: TCP to
# permitted and denied ports (ncat, curl), UDP, ping, the same over IPv6, and
# an outbound DNS query from the server allowed by a DNS-client rule.
. "$(dirname "$0")/lib.sh"

pc_init traffic 90
pc_need iptables ip6tables ncat curl ping dig dnsmasq python3 ss
pc_need_bins daemon
pc_topo

policy=$PC_TMP/policy.conf
pc_policy "$policy" "default = deny" "fail = closed" "log = deny" <<EOF
$(pc_rules_nd)

[Echo service]
action = permit
protocol = tcp
local-port = 2222

[Web]
action = permit
protocol = tcp
local-port = 8000

[UDP echo]
action = permit
protocol = udp
local-port = 5300

[Deny telnet]
action = deny
protocol = tcp
local-port = 23

[Ping]
action = permit
protocol = icmp
icmp-type = 8/0,0/0

[Ping6]
action = permit
protocol = icmpv6
icmp-type = 128,129

[DNS client]
action = permit
protocol = udp
remote-port = 53
description = the server may ask any resolver
EOF

pc_srv_tcp 2222 2223 23
pc_srv_udp 5300 5301
pc_srv_http 8000
pc_wait_listen "$PC_SRV" tcp 2222 2223 23 8000
pc_wait_listen "$PC_SRV" udp 5300 5301

# A resolver in the client namespace, on the DNS port and on another one.
for port in 53 5353; do
	pc_bg "$PC_CLI" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
		--bind-interfaces --listen-address="$CLI4" --port="$port" --pid-file= --user=root \
		--address=/portcullis.test/192.0.2.53 --log-facility="$PC_TMP/dnsmasq-$port.log"
done
pc_wait_listen "$PC_CLI" udp 53 5353

pc_check "hooks up" pc_hooks up -c "$policy"
pc_daemon_start "$policy"

pc_check "TCP to a permitted port (ncat)" pc_tcp_ok $SRV4 2222
pc_check "TCP to the permitted web port (curl)" pc_http_ok "http://$SRV4:8000/index.txt"
pc_check "TCP to a port no rule permits is dropped" pc_tcp_blocked $SRV4 2223
pc_check "TCP to a denied port is dropped" pc_tcp_blocked $SRV4 23
pc_check "UDP to a permitted port is echoed" pc_udp_ok $SRV4 5300
pc_check_not "UDP to a port no rule permits gets no answer" pc_udp_ok $SRV4 5301
pc_check "ping is answered" pc_ping_ok $SRV4

pc_check "IPv6: TCP to a permitted port" pc_tcp_ok $SRV6 2222
pc_check "IPv6: curl to the web port" pc_http_ok "http://[$SRV6]:8000/index.txt"
pc_check "IPv6: TCP to a port no rule permits is dropped" pc_tcp_blocked $SRV6 2223
pc_check "IPv6: TCP to a denied port is dropped" pc_tcp_blocked $SRV6 23
pc_check "IPv6: UDP to a permitted port is echoed" pc_udp_ok $SRV6 5300
pc_check_not "IPv6: UDP to another port gets no answer" pc_udp_ok $SRV6 5301
pc_check "IPv6: ping is answered" pc_ping_ok $SRV6

dns() {
	pc_s timeout 5 dig +time=2 +tries=1 +short -p "$1" @"$CLI4" portcullis.test A 2>/dev/null |
		grep -v "^;"
}
pc_check "outbound DNS query to port 53 is answered" test "$(dns 53)" = 192.0.2.53
pc_check "outbound DNS query to another port is dropped" test -z "$(dns 5353)"

pc_check "portcullisd still runs" pc_daemon_alive
pc_finish

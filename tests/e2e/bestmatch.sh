#!/bin/bash
# bestmatch.sh - best match proven by traffic from three client addresses:
# a subnet deny beats a service permit (longer remote prefix), and a host
# permit beats the subnet deny (longer still). The policy spreads packets
# over two queues (queue = 2-3, --queue-balance): the verdicts must not care.
. "$(dirname "$0")/lib.sh"

pc_init bestmatch 60
pc_need iptables ip6tables ncat ping
pc_need_bins daemon
pc_topo

policy=$PC_TMP/policy.conf
pc_policy "$policy" "default = deny" "log = deny" "queue = 2-3" <<EOF
[Service]
action = permit
protocol = tcp
local-port = 2222
description = anybody may use the service...

[Deny subnet]
action = deny
remote-address = 198.51.100.16/28
description = ...except this subnet (remote /28 beats remote any)...

[Permit host]
action = permit
remote-address = $CLI4_C
description = ...except this host of it (remote /32 beats /28), on every port

[Ping]
action = permit
protocol = icmp
EOF

pc_srv_tcp 2222 2223
pc_check "hooks up" pc_hooks up -c "$policy"
pc_daemon_start "$policy"

pc_check "$CLI4 (service permit only) reaches 2222" pc_tcp_ok $SRV4 2222 $CLI4
pc_check "$CLI4 does not reach 2223 (default deny)" pc_tcp_blocked $SRV4 2223 $CLI4
pc_check "$CLI4_B (in the denied /28) does not reach 2222" pc_tcp_blocked $SRV4 2222 $CLI4_B
pc_check_not "$CLI4_B gets no ping answer (subnet deny beats the ping permit)" \
	pc_ping_ok $SRV4 $CLI4_B
pc_check "$CLI4_C (host permit inside the /28) reaches 2222" pc_tcp_ok $SRV4 2222 $CLI4_C
pc_check "$CLI4_C reaches 2223 too (the host rule is any port)" pc_tcp_ok $SRV4 2223 $CLI4_C
pc_check "$CLI4 gets a ping answer" pc_ping_ok $SRV4 $CLI4

pc_check "portcullisd still runs" pc_daemon_alive
pc_finish

#!/bin/bash
# failmode.sh - kill -9 of the daemon: with fail = closed nothing passes
# any more (and a new daemon restores service); with fail = open everything
# passes, even what the policy denies.
. "$(dirname "$0")/lib.sh"

pc_init failmode 60
pc_need iptables ip6tables ncat
pc_need_bins daemon
pc_topo

write_policy() {
	pc_policy "$1" "default = deny" "fail = $2" "log = none" <<EOF
$(pc_rules_nd)

[Service]
action = permit
protocol = tcp
local-port = 2222
EOF
}
closed=$PC_TMP/closed.conf
open=$PC_TMP/open.conf
write_policy "$closed" closed
write_policy "$open" open

pc_srv_tcp 2222 2223

pc_log "fail = closed"
pc_check "hooks up (closed)" pc_hooks up -c "$closed"
pc_daemon_start "$closed"
pc_check "closed, daemon up: the permitted port answers" pc_tcp_ok $SRV4 2222
pc_check "closed, daemon up: the denied port is dropped" pc_tcp_blocked $SRV4 2223
pc_daemon_stop KILL
pc_check_not "closed: kill -9 ended the daemon" pc_daemon_alive
pc_check "closed, daemon killed: the permitted port is dropped" pc_tcp_blocked $SRV4 2222
pc_check "closed, daemon killed: IPv6 too" pc_tcp_blocked $SRV6 2222
pc_daemon_start "$closed"
pc_check "closed, daemon restarted: the permitted port answers again" pc_tcp_ok $SRV4 2222
pc_check "closed, daemon restarted: SIGTERM exits 0" pc_daemon_stop

pc_log "fail = open"
pc_check "hooks up (open)" pc_hooks up -c "$open"
pc_daemon_start "$open"
pc_check "open, daemon up: the permitted port answers" pc_tcp_ok $SRV4 2222
pc_check "open, daemon up: the denied port is dropped" pc_tcp_blocked $SRV4 2223
pc_daemon_stop KILL
pc_check_not "open: kill -9 ended the daemon" pc_daemon_alive
pc_check "open, daemon killed: the permitted port answers" pc_tcp_ok $SRV4 2222
pc_check "open, daemon killed: the denied port answers too (bypass)" pc_tcp_ok $SRV4 2223
pc_check "open, daemon killed: IPv6 too" pc_tcp_ok $SRV6 2223

pc_finish

#!/bin/bash
# reload.sh - SIGHUP opens and closes a port live, without a restart; a
# broken file on SIGHUP keeps the old policy and says so with FILE:LINE.
. "$(dirname "$0")/lib.sh"

pc_init reload 60
pc_need iptables ip6tables ncat
pc_need_bins daemon
pc_topo

policy=$PC_TMP/policy.conf
pc_policy "$policy" "default = deny" "log = deny" <<EOF
$(pc_rules_nd)

[Service]
action = permit
protocol = tcp
local-port = 2222

[Extra]
enabled = no
action = permit
protocol = tcp
local-port = 2223
EOF

# set_extra yes|no: switches the Extra rule in the policy file.
set_extra() {
	sed -i "/^\[Extra\]/,/^\[/ s/^enabled = .*/enabled = $1/" "$policy"
	grep -A1 '^\[Extra\]' "$policy" | grep -q "enabled = $1"
}

pc_srv_tcp 2222 2223
pc_check "hooks up" pc_hooks up -c "$policy"
pc_daemon_start "$policy"
pid=$PC_DAEMON_PID
pc_check "2222 answers" pc_tcp_ok $SRV4 2222
pc_check "2223 is dropped (rule disabled)" pc_tcp_blocked $SRV4 2223

pc_check "policy edited: Extra enabled" set_extra yes
pc_check "SIGHUP: the daemon reloads" pc_daemon_reload
pc_check "reloaded: N rules, M enabled in T ms is logged" \
	test "$(pc_msgs_count 'reloaded: 3 rules, 3 enabled in [0-9]+ ms')" -eq 1
pc_check "the status file has the reload's duration" \
	grep -Eq '^last-reload-ms=[0-9]+$' "$PC_TMP/status"
pc_check "2223 answers now" pc_tcp_ok $SRV4 2223
pc_check "2223 answers over IPv6 too" pc_tcp_ok $SRV6 2223
pc_check "2222 still answers" pc_tcp_ok $SRV4 2222

pc_check "policy edited: Extra disabled" set_extra no
pc_check "SIGHUP: the daemon reloads again" pc_daemon_reload
pc_check "reloaded: 3 rules, 2 enabled is logged" \
	test "$(pc_msgs_count 'reloaded: 3 rules, 2 enabled')" -eq 1
pc_check "2223 is dropped again" pc_tcp_blocked $SRV4 2223

# A broken file that would also enable Extra: nothing of it may apply.
set_extra yes
printf '\n[Broken]\naction = maybe\n' >>"$policy"
bad_line=$(grep -n '^action = maybe' "$policy" | cut -d: -f1)
pc_check "SIGHUP with a broken file: the daemon answers" pc_daemon_reload
pc_check "'config has errors, not reloading' is logged" \
	test "$(pc_msgs_count 'config has errors, not reloading')" -eq 1
pc_check "the error names FILE:LINE" test "$(pc_msgs_count "$policy:$bad_line")" -ge 1
pc_check "the old policy still holds: 2223 is dropped" pc_tcp_blocked $SRV4 2223
pc_check "the old policy still holds: 2222 answers" pc_tcp_ok $SRV4 2222

# Repaired: the file applies again.
sed -i '/^\[Broken\]/,$d' "$policy"
pc_check "SIGHUP with the repaired file: the daemon reloads" pc_daemon_reload
pc_check "2223 answers after the repair" pc_tcp_ok $SRV4 2223

pc_check "never restarted: same process all along" test "$PC_DAEMON_PID" = "$pid"
pc_check "portcullisd still runs" pc_daemon_alive
pc_check "SIGTERM: exit status 0" pc_daemon_stop
pc_finish

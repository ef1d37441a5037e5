#!/bin/bash
# scan.sh - nmap from the client sees exactly the permitted ports open and
# every other one filtered (listeners stand behind denied ports too), and the
# scan stays within the log rate, with suppressed= lines for the rest.
. "$(dirname "$0")/lib.sh"

pc_init scan 90
pc_need iptables ip6tables ncat nmap
pc_need_bins daemon
pc_topo

rate=5
policy=$PC_TMP/policy.conf
pc_policy "$policy" "default = deny" "log = deny" "log-rate = $rate" <<EOF
$(pc_rules_nd)

[SSH]
action = permit
protocol = tcp
local-port = 22

[Web]
action = permit
protocol = tcp
local-port = 80,8080

[Telnet]
action = deny
protocol = tcp
local-port = 23
EOF

# Listeners on permitted and on denied ports: "filtered" must come from the
# policy, not from an absent listener.
pc_srv_tcp 22 23 80 81 8080 8081
pc_check "hooks up" pc_hooks up -c "$policy"
pc_daemon_start "$policy"
pc_check "before the scan: a permitted port answers" pc_tcp_ok $SRV4 80

ports=1-1024,8000-8100
nports=$((1024 + 101))
verdicts_before=$(pc_count "$PC_TMP/daemon.log" 'verdict=|"verdict"')
start=$EPOCHREALTIME
pc_c timeout 60 nmap -n -Pn -sS -T4 --max-retries 1 --host-timeout 50s -p "$ports" \
	-oG "$PC_TMP/scan.gnmap" $SRV4 >"$PC_TMP/scan.out" 2>&1
rc=$?
secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
pc_log "nmap took ${secs}s for $nports ports"
pc_check "nmap ran (exit 0)" test "$rc" -eq 0

line=$(grep 'Ports:' "$PC_TMP/scan.gnmap")
open_ports=$(grep -o '[0-9]*/open/tcp' <<<"$line" | cut -d/ -f1 | sort -n | tr '\n' ' ')
listed_filtered=$(grep -o '[0-9]*/filtered/tcp' <<<"$line" | wc -l)
ignored_filtered=$(sed -n 's/.*Ignored State: filtered (\([0-9]*\)).*/\1/p' <<<"$line")
filtered=$((listed_filtered + ${ignored_filtered:-0}))
pc_log "open: $open_ports; filtered: $filtered"
pc_check "exactly the permitted ports are open (22 80 8080)" test "$open_ports" = "22 80 8080 "
pc_check "no port is closed (nothing answers with a RST)" \
	test "$(grep -c '/closed/' <<<"$line")" -eq 0
pc_check "every other port is filtered ($((nports - 3)))" test "$filtered" -eq $((nports - 3))

# The log: the bucket holds $rate lines and refills at $rate a second, so
# over T seconds at most rate * (T + 1) lines (2 more for timing slack), and
# a suppressed= line tells what was left out.
pc_wait_file "$PC_TMP/daemon.log" 'suppressed=' 1 3
logged=$(($(pc_count "$PC_TMP/daemon.log" 'verdict=|"verdict"') - verdicts_before))
elapsed=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
bound=$(awk -v r=$rate -v s="$elapsed" 'BEGIN { printf "%d", r * (s + 1) + 2 }')
pc_log "verdict lines in ${elapsed}s: $logged (bound $bound, > $nports packets denied)"
pc_check "the scan logged some verdicts" test "$logged" -ge 1
pc_check "the scan stayed within the log rate" test "$logged" -le "$bound"
pc_check "suppressed= is logged" grep -q 'suppressed=[1-9]' "$PC_TMP/daemon.log"

# The same, smaller, over IPv6.
pc_c timeout 30 nmap -6 -n -Pn -sS -T4 --max-retries 1 --host-timeout 25s -p 20-25,79-81,8079-8081 \
	-oG "$PC_TMP/scan6.gnmap" $SRV6 >/dev/null 2>&1
line6=$(grep 'Ports:' "$PC_TMP/scan6.gnmap")
open6=$(grep -o '[0-9]*/open/tcp' <<<"$line6" | cut -d/ -f1 | sort -n | tr '\n' ' ')
filtered6=$(($(grep -o '[0-9]*/filtered/tcp' <<<"$line6" | wc -l) +
	$(sed -n 's/.*Ignored State: filtered (\([0-9]*\)).*/\1/p' <<<"$line6" | grep . || echo 0)))
pc_check "IPv6: exactly the permitted ports are open ($open6)" test "$open6" = "22 80 8080 "
pc_check "IPv6: the other 9 are filtered ($filtered6)" test "$filtered6" -eq 9

pc_check "after the scan: a permitted port answers at once" pc_tcp_ok $SRV4 80
pc_check "portcullisd still runs" pc_daemon_alive
pc_finish

#!/bin/bash
# bulk.sh - a 1 GB transfer on a permitted connection (stateful = yes) is
# seen by the daemon only at its start: every later packet takes the
# kernel's fast path.
. "$(dirname "$0")/lib.sh"

pc_init bulk 120
pc_need iptables ip6tables ncat python3 ss
pc_need_bins daemon
pc_topo

policy=$PC_TMP/policy.conf
pc_policy "$policy" "stateful = yes" <<EOF
$(pc_rules_nd)

[Bulk Server]
action = permit
protocol = tcp
direction = in
local-port = 5001
EOF

pc_bg "$PC_SRV" sh -c "ncat -l -p 5001 --recv-only | wc -c >'$PC_TMP/received'"
pc_wait_listen "$PC_SRV" tcp 5001
pc_check "hooks up" pc_hooks up -c "$policy"
pc_daemon_start "$policy"
p0=$(pc_status packets)
bytes=$((1 << 30))
start=$EPOCHREALTIME
pc_check "1 GB goes through" pc_c timeout 60 sh -c \
	"head -c $bytes /dev/zero | ncat --send-only $SRV4 5001"
for _ in $(seq 50); do [ -s "$PC_TMP/received" ] && break; sleep 0.1; done
secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
got=$(tr -d ' ' <"$PC_TMP/received" 2>/dev/null)
pc_check "all of it arrived ($got bytes in ${secs}s)" test "$got" = "$bytes"
p1=$(pc_status packets)
pc_log "the daemon saw $((p1 - p0)) packets of the transfer"
pc_check "the daemon saw a handful of its packets ($((p1 - p0)) <= 10)" test "$((p1 - p0))" -le 10
pc_check "one connection decided" test "$(pc_status connections)" -ge 1
pc_check "portcullisd still runs" pc_daemon_alive
pc_finish

#!/bin/bash
# churn.sh - 1,000 reloads (stateful = yes) while connections open and close
# at a steady rate: no permitted connection is refused, no denied one is
# admitted (each port's verdict checked with explain against both policy
# versions), established connections see no failed exchange, and the
# daemon's memory does not grow.
. "$(dirname "$0")/lib.sh"

pc_init churn 170
pc_need iptables ip6tables ncat python3 ss
pc_need_bins daemon
pc_topo

RELOADS=${PC_CHURN_RELOADS:-1000}
rules() { # rules yes|no: the policy's rules, "Other" switched on or off
	cat <<EOF
$(pc_rules_nd)

[Open]
action = permit
protocol = tcp
direction = in
local-port = 2223

[Deny TCP]
action = deny
protocol = tcp

[Other]
enabled = $1
action = permit
protocol = tcp
direction = in
local-port = 9999
EOF
}
policy=$PC_TMP/policy.conf
rules yes | pc_policy "$PC_TMP/a.conf" "stateful = yes"
rules no | pc_policy "$PC_TMP/b.conf" "stateful = yes"
cp "$PC_TMP/a.conf" "$policy"
for v in a b; do
	got=$(printf 'in tcp %s %s 40000 2223\nin tcp %s %s 40000 2224\n' $CLI4 $SRV4 $CLI4 $SRV4 |
		"$PORTCULLIS" explain --format short -c "$PC_TMP/$v.conf" 2>&1 | cut -f1 | tr '\n' ' ')
	pc_check "explain, policy $v: 2223 permit, 2224 deny ($got)" test "$got" = "permit deny "
done

pc_srv_tcp 2223 2224
pc_srv_echo "$PC_SRV" 2225
pc_check "hooks up" pc_hooks up -c "$policy"
pc_daemon_start "$policy"
rules yes | sed 's/^local-port = 2223$/local-port = 2223, 2225/' | pc_policy "$PC_TMP/a.conf" "stateful = yes"
rules no | sed 's/^local-port = 2223$/local-port = 2223, 2225/' | pc_policy "$PC_TMP/b.conf" "stateful = yes"
cp "$PC_TMP/a.conf" "$policy"
pc_check "first reload" pc_daemon_reload
pc_check "a long-lived connection to 2225" pc_exchange "$PC_CLI" "$PC_TMP/long.log" $SRV4 2225 \
	--maxfail 1000
tool=$PC_E2E_DIR/tools/connect_loop.py
pc_bg "$PC_CLI" python3 "$tool" $SRV4 2223 "$PC_TMP/open.count" --expect answered --interval 0.01
pc_bg "$PC_CLI" python3 "$tool" $SRV4 2224 "$PC_TMP/denied.count" --expect dropped \
	--interval 0.01 --timeout 0.3
pc_bg "$PC_CLI" python3 "$tool" $SRV6 2223 "$PC_TMP/open6.count" --expect answered --interval 0.05

python3 "$PC_E2E_DIR/tools/reload_loop.py" "$PC_DAEMON_PID" "$PC_TMP/status" "$policy" 100 \
	"$PC_TMP/b.conf" "$PC_TMP/a.conf" >"$PC_TMP/reloads.1" || pc_fail "the first 100 reloads"
rss0=$(pc_rss "$PC_DAEMON_PID")
python3 "$PC_E2E_DIR/tools/reload_loop.py" "$PC_DAEMON_PID" "$PC_TMP/status" "$policy" \
	$((RELOADS - 100)) "$PC_TMP/b.conf" "$PC_TMP/a.conf" >"$PC_TMP/reloads.2" ||
	pc_fail "the other reloads"
rss1=$(pc_rss "$PC_DAEMON_PID")
sleep 0.5
kill "${PC_PIDS[@]: -3}" 2>/dev/null
pc_log "$(cat "$PC_TMP/reloads.1") / $(cat "$PC_TMP/reloads.2")"
ok=$(pc_status reloads-ok)
pc_check "$RELOADS reloads went through ($ok ok)" test "${ok:-0}" -ge "$RELOADS"
for f in open open6 denied; do
	c=$(cat "$PC_TMP/$f.count")
	pc_log "$f: $c"
	pc_check "$f connections during the reloads: $c" \
		sh -c "grep -Eq '^attempts=[0-9]{2,} good=[0-9]+ bad=0$' '$PC_TMP/$f.count'"
done
pc_check "the long-lived connection: 0 failed exchanges ($(grep -c '^ok' "$PC_TMP/long.log") ok)" \
	test "$(grep -c '^fail' "$PC_TMP/long.log")" -eq 0
pc_log "RSS after 100 reloads ${rss0} kB, after $RELOADS ${rss1} kB"
pc_check "memory does not grow (${rss0} -> ${rss1} kB)" test "$((rss1 - rss0))" -le 1024
pc_check "portcullisd still runs" pc_daemon_alive
pc_finish

#!/bin/bash
# conns.sh - live connections under stateful = yes: an inbound connection
# to "HTTP Server" and an outbound one under "SSH Client" keep exchanging
# data across 20 reloads that change unrelated rules, and stop within one
# exchange when their rule is disabled; after kill -9 (fail = closed) an
# established connection goes on while new ones are dropped, and a restarted
# daemon whose policy denies it cuts it at its next packet.
. "$(dirname "$0")/lib.sh"

pc_init conns 150
pc_need iptables ip6tables ncat python3 ss
pc_need_bins daemon
pc_topo

policy=$PC_TMP/portcullis.conf
pc_shipped "$policy"
out() { timeout 30 "$@" >"$PC_TMP/cmd.out" 2>&1; }
# oks FILE / fails FILE: exchanges that went through / did not
oks() { grep -c '^ok ' "$1"; }
fails() { grep -c '^fail ' "$1"; }
# cut_within FILE N: after the first N lines, at most one more exchange went
# through before the first failure, and none after it
cut_within() {
	awk -v n="$2" 'NR > n && /^ok / { if (failed) late++; else early++ }
		NR > n && /^fail / { failed = 1 }
		END { exit !(failed && early <= 1 && late == 0) }' "$1"
}

pc_srv_echo "$PC_SRV" 80 22
pc_srv_echo "$PC_CLI" 22
pc_check "hooks up" pc_hooks up -c "$policy"
pc_daemon_start "$policy"
pc_check "enable HTTP Server and SSH Client" out "$PORTCULLIS" enable -c "$policy" \
	"HTTP Server" "SSH Client"

in_log=$PC_TMP/in.log out_log=$PC_TMP/out.log
pc_check "an inbound connection to HTTP Server exchanges data" pc_exchange "$PC_CLI" "$in_log" $SRV4 80
in_pid=$PC_LAST_PID
pc_check "an outbound connection under SSH Client exchanges data" \
	pc_exchange "$PC_SRV" "$out_log" $CLI4 22
pkts0=$(pc_status packets) x0=$(($(oks "$in_log") + $(oks "$out_log")))
sleep 1
pkts1=$(pc_status packets) x1=$(($(oks "$in_log") + $(oks "$out_log")))
# each exchange is at least 4 packets; neighbour discovery may add a few
pc_check "the connections pass in the kernel: $((x1 - x0)) exchanges, $((pkts1 - pkts0)) packets seen" \
	test "$((x1 - x0))" -ge 10 -a "$((pkts1 - pkts0))" -le 5

rule=("SQL Server" "Network Time Client")
for i in $(seq 20); do
	if ((i % 2)); then op=enable; else op=disable; fi
	out "$PORTCULLIS" "$op" -c "$policy" "${rule[i % 2]}" || pc_fail "reload $i ($op)"
	sleep 0.15
done
pc_check "20 reloads went through" test "$(pc_status reloads-ok)" -ge 21
sleep 0.3
pc_check "inbound: 0 failed exchanges across 20 reloads ($(oks "$in_log") ok)" \
	test "$(fails "$in_log")" -eq 0 -a "$(oks "$in_log")" -ge 20
pc_check "outbound: 0 failed exchanges across 20 reloads ($(oks "$out_log") ok)" \
	test "$(fails "$out_log")" -eq 0 -a "$(oks "$out_log")" -ge 20
r=$(pc_status revalidated)
pc_check "the live connections were judged again ($r)" test "${r:-0}" -ge 20

n=$(wc -l <"$in_log")
pc_check "disable HTTP Server" out "$PORTCULLIS" disable -c "$policy" "HTTP Server"
sleep 1.5
pc_check "the inbound connection stops within one exchange" cut_within "$in_log" "$n"
pc_check "one log line for the cut connection" test "$(pc_count "$PC_TMP/daemon.log" \
	'verdict=deny rule="Deny TCP" dir=in .*dport=80 .*state=revalidated')" -eq 1
n=$(wc -l <"$out_log")
pc_check "disable SSH Client" out "$PORTCULLIS" disable -c "$policy" "SSH Client"
sleep 1.5
pc_check "the outbound connection stops within one exchange" cut_within "$out_log" "$n"
pc_check "one log line for it, the connection as it was opened (out, dport 22)" \
	test "$(pc_count "$PC_TMP/daemon.log" \
	'verdict=deny rule="Deny TCP" dir=out proto=tcp src=198.51.100.2 .*dport=22 .*state=revalidated')" -eq 1

# kill -9 with fail = closed: established connections go on in the kernel
ssh_log=$PC_TMP/ssh.log
pc_check "an inbound connection to SSH Server" pc_exchange "$PC_CLI" "$ssh_log" $SRV4 22 --maxfail 100
kill -KILL "$PC_DAEMON_PID"
pc_daemon_stop KILL >/dev/null
n=$(oks "$ssh_log")
sleep 1
pc_check "after kill -9 the established connection goes on ($n -> $(oks "$ssh_log") ok)" \
	test "$(oks "$ssh_log")" -ge $((n + 5)) -a "$(fails "$ssh_log")" -eq 0
pc_check "a new connection to SSH Server is dropped" pc_tcp_blocked $SRV4 22
pc_check "disable SSH Server while no daemon runs (--force: the lockout guard)" out "$PORTCULLIS" disable --force -c "$policy" "SSH Server"
n=$(wc -l <"$ssh_log")
pc_daemon_start "$policy"
sleep 1.5
pc_check "the restarted daemon cuts it at its next packet" cut_within "$ssh_log" "$n"
pc_check "the fast path moved to a new generation" test "$(pc_status fast-path-generation)" -gt 0
pc_check "portcullisd still runs" pc_daemon_alive
pc_finish

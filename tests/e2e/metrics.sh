#!/bin/bash
# metrics.sh - metrics-file: portcullisd writes its counters for node_exporter's
# textfile collector. The file appears at start (replacing a symlink planted
# at its path, never writing through it), passes `promtool check metrics`,
# counts real traffic per verdict, connection and rule (a rule name with
# odd characters as its label), shows a good and a refused reload at once,
# moves when a reload changes metrics-file (the old file removed), says
# once that it cannot write a bad path, is rewritten every 5 s, leaves no
# temporary file and ends with portcullis_running 0.
. "$(dirname "$0")/lib.sh"

pc_init metrics 120
pc_need iptables ip6tables ncat
pc_need_bins daemon
# promtool: on PATH, or where .ci/packages.sh's pc_install_promtool puts it
promtool=$(command -v promtool || echo "${PC_PROMTOOL_DIR:-/var/cache/portcullis-ci/bin}/promtool")
[ -x "$promtool" ] || pc_skip "no promtool (bash .ci/run extracts it: pc_install_promtool in .ci/packages.sh)"
pc_topo

tf=$PC_TMP/textfile
mkdir -p "$tf"
prom=$tf/portcullis.prom
odd="Web Zürich = {x} #1, 'q' ü"
write_policy() { # write_policy FILE METRICS-PATH
	pc_policy "$1" "stateful = yes" "metrics-file = $2" <<EOF
$(pc_rules_nd)

[$odd]
action = permit
direction = in
protocol = tcp
local-port = 8080

[Deny TCP]
action = deny
protocol = tcp
EOF
}
policy=$PC_TMP/portcullis.conf
write_policy "$policy" "$prom"

# metric NAME: the value of the sample NAME (with its labels) in the file
metric() { awk -v m="$1" 'index($0, m " ") == 1 { print $NF }' "$prom"; }
# wait_metric NAME MIN SECONDS: until the sample is at least MIN
wait_metric() {
	local i v
	for ((i = 0; i < $3 * 10; i++)); do
		v=$(metric "$1")
		[ -n "$v" ] && [ "$v" -ge "$2" ] && return 0
		sleep 0.1
	done
	pc_log "$1 is '$v', wanted at least $2"
	return 1
}
promcheck() { "$promtool" check metrics <"$1" >"$PC_TMP/promtool.out" 2>&1 || { cat "$PC_TMP/promtool.out"; return 1; }; }
only_file() { [ "$(ls -A "$tf")" = "$(basename "$1")" ]; }

# a symlink at the path: it is replaced, its target never written
echo victim >"$PC_TMP/victim"
ln -s "$PC_TMP/victim" "$prom"

pc_srv_tcp 8080 23
pc_check "hooks up" pc_hooks up -c "$policy"
pc_daemon_start "$policy"
pc_check "the file appears at start" wait_metric portcullis_running 1 3
pc_check "the symlink was replaced by a regular file" test -f "$prom" -a ! -L "$prom"
pc_check "the symlink's target was not written" test "$(cat "$PC_TMP/victim")" = victim
pc_check "promtool check metrics passes on the first write" promcheck "$prom"

ino=$(stat -c %i "$prom")
pc_check "a connection to the odd-named rule" pc_tcp_ok $SRV4 8080
pc_check "a connection Deny TCP drops" pc_tcp_blocked $SRV4 23
pc_check "the file is rewritten within 5 s: the rule's hit under its escaped name" \
	wait_metric "portcullis_rule_hits_total{rule=\"$odd\"}" 1 7
pc_check "the file was replaced (a new inode), not written in place" \
	test "$(stat -c %i "$prom")" != "$ino"
pc_check "connections counted" wait_metric portcullis_connections_total 1 1
pc_check "permits counted" wait_metric 'portcullis_verdicts_total{verdict="permit"}' 1 1
pc_check "denies counted" wait_metric 'portcullis_verdicts_total{verdict="deny"}' 1 1
pc_check "Deny TCP's hits counted" wait_metric 'portcullis_rule_hits_total{rule="Deny TCP"}' 1 1
pc_check "packets = permitted + denied" test "$(metric portcullis_packets_total)" -eq \
	$(($(metric 'portcullis_verdicts_total{verdict="permit"}') + $(metric 'portcullis_verdicts_total{verdict="deny"}')))
pc_check "per-queue packets" wait_metric 'portcullis_queue_packets_total{queue="0"}' 1 1
pc_check "promtool check metrics passes with traffic counted" promcheck "$prom"

# every 5 s even without traffic: the mtime moves on
m1=$(stat -c %Y.%y "$prom")
sleep 5.5
pc_check "rewritten every 5 s without traffic" test "$(stat -c %Y.%y "$prom")" != "$m1"

pc_check "a reload" pc_daemon_reload
pc_check "the reload shows at once: reloads ok = 1" wait_metric 'portcullis_reloads_total{result="ok"}' 1 2
pc_check "last reload time set" wait_metric portcullis_last_reload_timestamp_seconds 1 1
pc_check "last reload succeeded" test "$(metric portcullis_last_reload_success)" = 1
cp "$policy" "$PC_TMP/good.conf"
echo "bad line" >>"$policy"
pc_check "a reload of a broken file" pc_daemon_reload
pc_check "refused reload counted at once" wait_metric 'portcullis_reloads_total{result="failed"}' 1 2
pc_check "last reload success is 0" test "$(metric portcullis_last_reload_success)" = 0
pc_check "promtool passes after the reloads" promcheck "$prom"

# a reload that moves the file: written at the new path, the old one removed
prom2=$tf/moved.prom
write_policy "$policy" "$prom2"
pc_check "a reload moving metrics-file" pc_daemon_reload
pc_check "the new file appears" pc_wait_file "$prom2" '^portcullis_running 1$' 1 3
pc_check "the old file is removed" test ! -e "$prom"
prom=$prom2
pc_check "no temporary file left behind" only_file "$prom"

# a path that cannot be written: said once, not every 5 s; the daemon serves on
write_policy "$policy" "$PC_TMP/no-such-dir/portcullis.prom"
pc_check "a reload to an unwritable metrics-file" pc_daemon_reload
pc_check "the failure is logged" pc_wait_msgs 'cannot write the metrics file' 1 3
sleep 5.5
pc_check "once, not at every write" test "$(pc_msgs_count 'cannot write the metrics file')" -eq 1
pc_check "the daemon serves on" pc_tcp_ok $SRV4 8080
write_policy "$policy" "$prom"
pc_check "a reload back" pc_daemon_reload
pc_check "written again" pc_wait_file "$prom" '^portcullis_reloads_total\{result="ok"\} 4$' 1 3

pc_check "SIGTERM exits 0" pc_daemon_stop
pc_check "the last write says portcullis_running 0" test "$(metric portcullis_running)" = 0
pc_check "promtool passes on the last write" promcheck "$prom"
pc_check "no temporary file left at exit" only_file "$prom"
pc_check "the daemon logged no other metrics error" \
	test "$(pc_msgs_count 'cannot write the metrics')" -eq 1
pc_check "hooks down" pc_hooks down -c "$policy"
pc_finish

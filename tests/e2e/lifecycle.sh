#!/bin/bash
# lifecycle.sh - portcullisd start to stop: refuses a bad policy (exit 1,
# errors on stderr), writes its pid file, sends READY=1, RELOADING=1,
# READY=1, STOPPING=1 in that order on $NOTIFY_SOCKET around a start, a
# reload and a stop, writes the status file on SIGUSR1, exits 0 on SIGTERM.
. "$(dirname "$0")/lib.sh"

pc_init lifecycle 60
pc_need iptables ip6tables ncat python3
pc_need_bins daemon
pc_topo

bad=$PC_TMP/bad.conf
printf '[portcullis]\nqueue = 0\n\n[Bad]\naction = maybe\n' >"$bad"
out=$(pc_s timeout 10 "$PORTCULLISD" -c "$bad" -f 2>&1 >/dev/null)
rc=$?
pc_check "a bad policy: portcullisd exits 1" test "$rc" -eq 1
pc_check "a bad policy: the error is on stderr with FILE:LINE" grep -q "$bad:5" <<<"$out"

policy=$PC_TMP/policy.conf
pc_policy "$policy" "default = deny" <<EOF
[Service]
action = permit
protocol = tcp
local-port = 2222
EOF
pc_srv_tcp 2222
pc_check "hooks up" pc_hooks up -c "$policy"
pc_daemon_start "$policy"
pc_check "the pid file holds the daemon's pid" \
	test "$(cat "$PC_TMP/portcullisd.pid" 2>/dev/null)" = "$PC_DAEMON_PID"
pc_check "2222 answers" pc_tcp_ok $SRV4 2222

kill -USR1 "$PC_DAEMON_PID"
pc_check "SIGUSR1 writes the status file" pc_wait_file "$PC_TMP/status" . 1 5
pc_check "SIGHUP: the daemon reloads" pc_daemon_reload
pc_check "SIGTERM: exit status 0" pc_daemon_stop
pc_wait_file "$PC_TMP/notify.log" '^STOPPING=1$' 1 2
states=$(grep -E '^(READY|RELOADING|STOPPING)=' "$PC_TMP/notify.log" | tr '\n' ' ')
pc_log "notify states: $states"
pc_check "sd_notify: READY=1 RELOADING=1 READY=1 STOPPING=1, in order" \
	test "$states" = "READY=1 RELOADING=1 READY=1 STOPPING=1 "
pc_check_not "after SIGTERM: nothing runs" pc_daemon_alive
pc_finish

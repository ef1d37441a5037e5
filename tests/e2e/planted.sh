#!/bin/bash
# planted.sh - portcullisd runs as root: what someone plants at the paths it
# writes must neither redirect its writes nor block it. A FIFO at the pid
# file (an open for writing would wait for a reader for ever) and a symlink
# at the status file are replaced, not opened; a symlink at the log file
# makes the daemon refuse to start (exit 1) instead of appending through it.
# docs/security.md.
. "$(dirname "$0")/lib.sh"

pc_init planted 60
pc_need python3
pc_need_bins daemon
pc_topo

policy=$PC_TMP/policy.conf
pc_policy "$policy" "default = permit" <<EOF
[Telnet]
action = deny
protocol = tcp
local-port = 23
EOF

echo "keep me" >"$PC_TMP/victim"
mkfifo "$PC_TMP/portcullisd.pid" || pc_bail "mkfifo"
ln -s "$PC_TMP/victim" "$PC_TMP/status" || pc_bail "ln -s"

pc_daemon_start "$policy" # bails unless READY=1 comes within 5 s
pc_pass "a FIFO at the pid file does not block the start"
pc_check "the pid file is now a regular file with the daemon's pid" \
	eval 'test -f "$PC_TMP/portcullisd.pid" && ! test -p "$PC_TMP/portcullisd.pid" &&
		test "$(cat "$PC_TMP/portcullisd.pid")" = "$PC_DAEMON_PID"'
kill -USR1 "$PC_DAEMON_PID"
pc_check "SIGUSR1: the status file is written" \
	pc_wait_file "$PC_TMP/status" '^pid=' 1 3
pc_check "the symlink at the status file was replaced, not written through" \
	eval 'test ! -L "$PC_TMP/status" && test "$(cat "$PC_TMP/victim")" = "keep me"'
pc_check "SIGTERM: exit 0" pc_daemon_stop
pc_check "the pid file is removed at exit" test ! -e "$PC_TMP/portcullisd.pid"

# A symlink at the log file: refused at start, the target untouched.
ln -s "$PC_TMP/victim" "$PC_TMP/linked.log"
sed "s|^log-target = .*|log-target = file:$PC_TMP/linked.log|" "$policy" >"$PC_TMP/p2.conf"
pc_s timeout 10 "$PORTCULLISD" -c "$PC_TMP/p2.conf" -f >"$PC_TMP/p2.out" 2>&1
rc=$?
pc_check "a symlinked log file: portcullisd refuses to start (exit 1)" test "$rc" -eq 1
pc_check "and says it cannot open the log file" grep -q 'cannot open the log file' "$PC_TMP/p2.out"
pc_check "the symlink's target is untouched" test "$(cat "$PC_TMP/victim")" = "keep me"

# A pid file that cannot be written (its directory is a file): status and
# enable/disable could not find the daemon, so it must not run.
sed "s|^pid-file = .*|pid-file = $PC_TMP/victim/portcullisd.pid|" "$policy" >"$PC_TMP/p3.conf"
pc_s timeout 10 "$PORTCULLISD" -c "$PC_TMP/p3.conf" -f >"$PC_TMP/p3.out" 2>&1
rc=$?
pc_check "an unwritable pid file: portcullisd refuses to start (exit 1)" test "$rc" -eq 1
pc_check "and says why" grep -q 'not starting: cannot write the pid file' "$PC_TMP/p3.out"
pc_finish

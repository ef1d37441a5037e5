#!/bin/bash
# logfull.sh - the verdict log on a full file system: a 64 KiB tmpfs filled
# by a flood of logged denials. The daemon stays up and decides every
# packet, the log holds whole lines only, the lines it could not write are
# counted (status file, portcullis status, a warning of the daemon), and
# logging resumes once there is space again. Traffic only between the
# test's own network namespaces; the tmpfs is mounted on the test's
# temporary directory and unmounted on exit.
. "$(dirname "$0")/../e2e/lib.sh"

pc_init logfull 120
pc_need iptables ip6tables ncat python3 mount umount
pc_need_bins daemon
logfs=$PC_TMP/logfs
mkdir -p "$logfs" || pc_bail "mkdir $logfs"
mount -t tmpfs -o size=64k,mode=0755 pc-logfull "$logfs" || pc_skip "cannot mount a tmpfs"
# unmount before pc_cleanup removes the directory; it must see the test's status
trap 'rc=$?; umount -l "$logfs" 2>/dev/null; (exit $rc); pc_cleanup' EXIT
pc_topo

flood=3000
policy=$PC_TMP/policy.conf
log=$logfs/verdicts.log
pc_policy "$policy" "default = deny" "log = deny" "log-rate = 100000" <<END
$(pc_rules_nd)

[Echo]
action = permit
protocol = udp
local-port = 7777
END
sed -i "s|^log-target = .*|log-target = file:$log|" "$policy"

# send PORT COUNT: COUNT UDP datagrams from the client to the server's PORT,
# paced so that the queue (1024 packets) never overflows.
send() {
	pc_c python3 - "$SRV4" "$1" "$2" <<'PY'
import socket, sys, time
dst, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(n):
    s.sendto(b"flood %d" % i, (dst, port))
    if i % 50 == 49:
        time.sleep(0.002)
PY
}

# status KEY: a key of the status file, fresh (portcullis status asks for it).
status() {
	"$PORTCULLIS" status -c "$policy" >"$PC_TMP/status.out" 2>&1
	sed -n "s/^$1=//p" "$PC_TMP/status"
}

# whole: every line of the log ends in a newline and reads back.
whole() {
	[ ! -s "$log" ] || [ "$(tail -c 1 "$log" | od -An -c | tr -d ' ')" = '\n' ] || return 1
	"$PORTCULLIS" log "$log" >/dev/null 2>"$PC_TMP/read.err" &&
		! grep -q unparseable "$PC_TMP/read.err"
}

pc_srv_udp 7777
pc_check "hooks up" pc_hooks up -c "$policy"
pc_daemon_start "$policy"
pc_check "before the flood: the permitted port answers" pc_udp_ok $SRV4 7777

send 5555 "$flood"
sleep 1
pc_check "after $flood logged denials: the daemon runs" pc_daemon_alive
denied=$(status denied)
dropped=$(($(status queue-dropped) + $(status user-dropped)))
pc_log "denied=$denied queue drops=$dropped log size=$(stat -c %s "$log")"
pc_check "every datagram was decided (denied >= $flood, no queue drop)" \
	test "${denied:-0}" -ge "$flood" -a "$dropped" -eq 0
pc_check "the log file system is full (log over 60 KiB)" test "$(stat -c %s "$log")" -gt 61440
errors=$(status log-write-errors)
pc_log "log-write-errors=$errors"
pc_check "the status file counts the lines not written" test "${errors:-0}" -gt 0
pc_check "portcullis status shows them" grep -Eq "^log errors: +$errors " "$PC_TMP/status.out"
pc_check "the daemon warns about them" \
	pc_wait_file "$PC_TMP/daemon.out" 'verdict log: [0-9]+ lines not written' 1 3
pc_check "the full log holds whole lines only" whole
pc_check "while the log is full: the permitted port answers" pc_udp_ok $SRV4 7777

mount -o remount,size=1m "$logfs" || pc_bail "remount"
before=$(status log-write-errors) # its own summary line may still have failed
send 5556 50
pc_check "space returns: logging resumes (50 new lines)" pc_wait_file "$log" 'dport=5556 ' 50 5
pc_check "after space returned: whole lines only" whole
pc_check "after space returned: no new write error" test "$(status log-write-errors)" -eq "$before"
pc_check "SIGTERM: exit 0" pc_daemon_stop
pc_finish

#!/bin/bash
# toggle.sh - the shipped policy guarding a server; `portcullis enable` and
# `disable` open and close a port live, `list` shows the hits of the rules
# that decided real traffic, `status` counts it.
. "$(dirname "$0")/lib.sh"

pc_init toggle 90
pc_need iptables ip6tables ncat ping
pc_need_bins daemon
pc_topo

policy=$PC_TMP/portcullis.conf
pc_shipped "$policy"

# out CMD...: runs a portcullis command; its stdout+stderr in $PC_TMP/cmd.out.
out() { timeout 30 "$@" >"$PC_TMP/cmd.out" 2>&1; }
said() { grep -qF -- "$1" "$PC_TMP/cmd.out"; }
# hits NAME: the HITS column of rule NAME in `portcullis list` (last field).
hits() {
	"$PORTCULLIS" list -c "$policy" 2>/dev/null |
		awk -v n="$1" 'NR == 1 { s = index($0, "NAME"); next }
			{ name = substr($0, s); sub(/ +[0-9]+$/, "", name); if (name == n) print $NF }'
}
# status_num KEY: a number from `portcullis status` ("packets:", "  denied:").
status_num() {
	"$PORTCULLIS" status -c "$policy" 2>/dev/null | awk -v k="$1" '$1 == k { print $2 }'
}

pc_srv_tcp 22 80
pc_check "hooks up" pc_hooks up -c "$policy"
pc_daemon_start "$policy"
pid=$PC_DAEMON_PID

pc_check "shipped policy: SSH Server answers" pc_tcp_ok $SRV4 22
pc_check "shipped policy: SSH Server answers over IPv6" pc_tcp_ok $SRV6 22
pc_check "shipped policy: port 80 is dropped" pc_tcp_blocked $SRV4 80
pc_check "shipped policy: ping answers" pc_ping_ok $SRV4
pc_check "shipped policy: ping6 answers" pc_ping_ok $SRV6

pc_check "enable \"HTTP Server\": exit 0" out "$PORTCULLIS" enable -c "$policy" "HTTP Server"
pc_check "enable says applied" said "changed HTTP Server; applied: portcullisd (pid $pid)"
pc_check "port 80 answers now" pc_tcp_ok $SRV4 80
pc_check "port 80 answers over IPv6 too" pc_tcp_ok $SRV6 80
pc_check "SSH still answers" pc_tcp_ok $SRV4 22

h=$(hits "HTTP Server")
pc_check "list: HTTP Server has hits ($h)" test "${h:-0}" -gt 0
h=$(hits "Deny TCP")
pc_check "list: Deny TCP keeps its hits from before the reload ($h)" test "${h:-0}" -gt 0
h=$(hits "SSH Server")
pc_check "list: SSH Server has hits ($h)" test "${h:-0}" -gt 0
h=$(hits "SQL Server")
pc_check "list: SQL Server has none ($h)" test "$h" = 0
pc_check "list: HTTP Server is on" sh -c "'$PORTCULLIS' list -c '$policy' | grep -Eq '^on .* HTTP Server +[0-9]+\$'"

p=$(status_num packets:)
pc_check "status: packets counted ($p)" test "${p:-0}" -gt 0
p=$(status_num permitted:)
pc_check "status: permitted counted ($p)" test "${p:-0}" -gt 0
p=$(status_num denied:)
pc_check "status: denied counted ($p)" test "${p:-0}" -gt 0
pc_check "status: one reload, ok" sh -c "'$PORTCULLIS' status -c '$policy' | grep -q '1 ok, 0 failed'"

pc_check "disable \"HTTP Server\": exit 0" out "$PORTCULLIS" disable -c "$policy" "HTTP Server"
pc_check "disable says applied" said "applied: portcullisd (pid $pid)"
pc_check "port 80 is dropped again" pc_tcp_blocked $SRV4 80

pc_check "disable \"SSH Server\": refused by the lockout guard" sh -c "! '$PORTCULLIS' disable -c '$policy' 'SSH Server' 2>/dev/null"
pc_check "disable --force \"SSH Server\": exit 0" out "$PORTCULLIS" disable --force -c "$policy" "SSH Server"
pc_check "port 22 is dropped" pc_tcp_blocked $SRV4 22
pc_check "enable \"SSH Server\": exit 0" out "$PORTCULLIS" enable -c "$policy" "SSH Server"
pc_check "port 22 answers again" pc_tcp_ok $SRV4 22

pc_check "never restarted: same process all along" test "$(cat "$PC_TMP/portcullisd.pid")" = "$pid"
pc_check "SIGTERM: exit status 0" pc_daemon_stop
pc_check "hooks down" pc_hooks down -c "$policy"
pc_finish

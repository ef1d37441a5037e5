#!/bin/bash
# conntrackfull.sh - a stateful policy with the server namespace's conntrack
# table full. nf_conntrack_max is global and read-only inside a namespace
# (it is never written here); each namespace counts its own entries against
# it, so the test fills its own server namespace to that limit, with
# ASSURED UDP entries inserted through ctnetlink (tools/ctfill.py: the
# kernel never drops assured entries early to make room). Checked: memory
# per entry stays modest; a connection set up before goes on; new
# connections fail, with fail = closed and with fail = open alike, because
# the kernel drops a packet it cannot track before any hook rule sees it
# (the daemon never sees it: its packet count does not move); the daemon
# runs and portcullis status warns; once the entries are deleted new
# connections work again; and no entry reaches the root namespace's table.
# Traffic only between the test's own network namespaces.
. "$(dirname "$0")/../e2e/lib.sh"

pc_init conntrackfull 150
pc_need iptables ip6tables ncat python3 conntrack
pc_need_bins daemon
pc_topo

mark=0xc0ffee # the connmark of our filler entries (no bit of mark-mask)
ctfill="$PC_ROOT/tests/faults/tools/ctfill.py"
policy=$PC_TMP/policy.conf
rules() {
	cat <<END
$(pc_rules_nd)

[Echo]
action = permit
protocol = tcp
local-port = 7000

[Web]
action = permit
protocol = tcp
local-port = 80

[Out]
action = permit
protocol = tcp
direction = out
remote-port = 9000
END
}
rules | pc_policy "$policy" "stateful = yes" "default = deny" "log = deny" "fail = closed"

# ct_drops: packets the server namespace's conntrack dropped (table full),
# summed over the CPUs.
ct_drops() {
	pc_s conntrack -S | sed -n 's/.* drop=\([0-9]*\) .*/\1/p' | awk '{ n += $1 } END { print n + 0 }'
}
ct_count() { pc_s cat /proc/sys/net/netfilter/nf_conntrack_count; }
root_count() { cat /proc/sys/net/netfilter/nf_conntrack_count; }
root_ours() { conntrack -L --mark "$((mark))" 2>/dev/null | grep -c '^udp'; }
unreclaimable() { sed -n 's/^SUnreclaim: *\([0-9]*\) kB/\1/p' /proc/meminfo; }
# exchanges: "ok" lines of the established connection so far
exchanges() { pc_count "$PC_TMP/ex.out" '^ok '; }
ex_fails() { pc_count "$PC_TMP/ex.out" '^fail '; }

# new_conn_fails MODE: with the table full, a new connection to the
# permitted port (and to a denied one that has a listener) is not set up;
# the kernel's conntrack drops the SYNs (its drop count grows) and the
# daemon never sees them (its counts of new connections and denials do
# not move; the established connection's packets may be judged again).
new_conn_fails() {
	local d0 p0 d1 p1
	pc_check "$1: the table is full ($(ct_count) of $max)" test "$(ct_count)" -eq "$max"
	d0=$(ct_drops)
	p0="$(pc_status connections)/$(pc_status denied)"
	pc_check "$1: a new connection to the permitted port fails" pc_tcp_blocked $SRV4 80
	pc_check "$1: a new connection to a denied port fails too" pc_tcp_blocked $SRV4 81
	pc_check "$1: the server cannot open a permitted connection either" out_blocked
	d1=$(ct_drops)
	p1="$(pc_status connections)/$(pc_status denied)"
	pc_log "$1: conntrack drops $d0 -> $d1, daemon's connections/denied $p0 -> $p1"
	pc_check "$1: the kernel's conntrack dropped the SYNs (drop $d0 -> $d1)" test "$d1" -ge $((d0 + 3))
	pc_check "$1: the daemon never saw them (connections/denied stay $p0)" test "$p1" = "$p0"
	pc_check "$1: the table is still full ($(ct_count) of $max)" test "$(ct_count)" -eq "$max"
}

# out_ok / out_blocked: a connection from the server to the client's port
# 9000 (permitted outbound) is set up / is not.
out_ok() { [ "$(pc_s timeout 4 ncat --recv-only -w 2 $CLI4 9000 2>/dev/null)" = hello-9000 ]; }
out_blocked() {
	local err
	err=$(pc_s timeout 4 ncat --recv-only -w 1500ms $CLI4 9000 2>&1 >/dev/null) && return 1
	! grep -qi refused <<<"$err"
}

# exchanging SECONDS: the established connection goes on meanwhile.
exchanging() {
	local n0 n1
	n0=$(exchanges)
	sleep "$2"
	n1=$(exchanges)
	pc_check "$1: the established connection goes on ($n0 -> $n1 exchanges, $(ex_fails) failed)" \
		test "$n1" -ge $((n0 + 5)) -a "$(ex_fails)" -eq 0
}

root0=$(root_count)
pc_srv_echo "$PC_SRV" 7000
pc_srv_tcp 80 81
pc_bg "$PC_CLI" ncat -l -k -p 9000 -e "/bin/echo hello-9000"
pc_wait_listen "$PC_CLI" tcp 9000
pc_check "hooks up" pc_hooks up -c "$policy"
pc_daemon_start "$policy"
pc_check "before: a new connection to the permitted port works" pc_tcp_ok $SRV4 80
pc_check "before: the denied port is closed" pc_tcp_blocked $SRV4 81
pc_check "before: the server opens a permitted connection" out_ok
pc_check "before: a long-lived connection is set up" \
	pc_exchange "$PC_CLI" "$PC_TMP/ex.out" $SRV4 7000 --interval 0.1 --timeout 2

max=$(pc_s cat /proc/sys/net/netfilter/nf_conntrack_max)
[ -n "$max" ] || pc_bail "nf_conntrack_max unreadable in the namespace"
[ "$max" -gt 0 ] || pc_skip "nf_conntrack_max is 0 (no limit): the table cannot be filled"
# some 400 bytes an entry: more than 1M entries is more memory than a test may take
[ "$max" -le 1048576 ] || pc_skip "nf_conntrack_max is $max: too large to fill here"
pc_log "nf_conntrack_max (global, read-only in the namespace): $max; in use: $(ct_count)"

# The kernel makes room in a full table by dropping entries it may drop
# early (unassured ones, TCP in TIME_WAIT or closing): the connections the
# checks above closed would make room for as many new ones. They go first;
# then only the live connection and our assured entries are left.
for st in TIME_WAIT CLOSE CLOSE_WAIT FIN_WAIT LAST_ACK; do
	pc_s conntrack -D -p tcp --state $st >/dev/null 2>&1
done
pc_log "before the fill: $(ct_count) entries ($(pc_s conntrack -L 2>/dev/null | awk '{ print $1, $4 }' | tr '\n' ';'))"

# Fill it: more than it can hold; the kernel refuses the rest (ENOMEM).
mem0=$(unreclaimable)
t0=$EPOCHREALTIME
out=$(pc_s python3 "$ctfill" fill $SRV4 $((max + 1000)) $mark) || pc_bail "ctfill: $out"
secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
mem1=$(unreclaimable)
read -r _ inserted _ refused _ why <<<"$out"
per=$(( (mem1 - mem0) * 1024 / (inserted ? inserted : 1) ))
pc_log "filled in ${secs}s: $out; count $(ct_count) of $max;" \
	"unreclaimable kernel memory +$(( (mem1 - mem0) / 1024 )) MiB, $per B per entry"
pc_check "the table is full ($(ct_count) of $max)" test "$(ct_count)" -eq "$max"
pc_check "the kernel refused the entries over the limit ($refused, $why)" \
	test "$refused" -gt 0 -a "$why" = ENOMEM
pc_check "memory per entry is modest ($per B <= 1024 B)" test "$per" -le 1024

# fail = closed
exchanging "full, fail = closed" 2
new_conn_fails "full, fail = closed"
pc_check "the daemon runs" pc_daemon_alive
"$PORTCULLIS" status -c "$policy" >"$PC_TMP/status.out" 2>&1
pc_log "status: $(grep '^conntrack:' "$PC_TMP/status.out")"
pc_check "the status file has the count and the limit" \
	test "$(pc_status conntrack-count)" -eq "$max" -a "$(pc_status conntrack-max)" -eq "$max"
pc_check "portcullis status warns" grep -Eq "^conntrack: +$max of $max entries - NEARLY FULL: new connections fail" \
	"$PC_TMP/status.out"

# fail = open: the same (the queue's bypass never comes into it).
rules | pc_policy "$policy" "stateful = yes" "default = deny" "log = deny" "fail = open"
pc_check "fail = open: hooks up" pc_hooks up -c "$policy"
pc_check "fail = open: reloaded" pc_daemon_reload
pc_check "fail = open: in service" test "$(pc_status fail)" = open
exchanging "full, fail = open" 2
new_conn_fails "full, fail = open"
pc_check "the daemon runs" pc_daemon_alive

# Space again: our entries deleted, new connections work at once.
pc_check "the filler entries are deleted" pc_s python3 "$ctfill" flush $mark
pc_log "after the flush: $(ct_count) entries"
pc_check "the table is nearly empty again ($(ct_count) entries)" test "$(ct_count)" -lt 100
pc_check "after the flush: a new connection works" pc_tcp_ok $SRV4 80
pc_check "after the flush: the denied port is still closed" pc_tcp_blocked $SRV4 81
pc_check "after the flush: the server opens a permitted connection" out_ok
exchanging "after the flush" 1
"$PORTCULLIS" status -c "$policy" >"$PC_TMP/status.out" 2>&1
pc_check "portcullis status no longer warns" test "$(grep -c 'NEARLY FULL' "$PC_TMP/status.out")" -eq 0
pc_check "the root namespace holds none of our entries" test "$(root_ours)" -eq 0

# Full once more, then the namespace goes: its entries go with it.
pc_s python3 "$ctfill" fill $SRV4 $((max + 1000)) $mark >/dev/null || pc_bail "second fill"
mem1=$(unreclaimable)
pc_check "SIGTERM: exit 0" pc_daemon_stop
for pid in "${PC_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
for pid in "${PC_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
ip netns del "$PC_SRV" || pc_bail "ip netns del"
for ((i = 0; i < 100; i++)); do
	[ $(( (mem1 - $(unreclaimable)) * 1024 )) -ge $((max * 128)) ] && break
	sleep 0.1
done
mem2=$(unreclaimable)
pc_log "namespace deleted: unreclaimable kernel memory $((mem1 / 1024)) -> $((mem2 / 1024)) MiB after $((i / 10)) s"
pc_check "deleting the namespace frees its entries (at least 128 B each)" \
	test $(( (mem1 - mem2) * 1024 )) -ge $((max * 128))
root1=$(root_count)
pc_log "root namespace: $root0 entries before, $root1 after"
pc_check "no entry reached the root namespace ($root0 -> $root1)" \
	test "$(root_ours)" -eq 0 -a "$root1" -lt $((root0 + 1000))
pc_finish

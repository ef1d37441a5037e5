#!/bin/bash
# hooks.sh - "portcullis hooks up|down" in a server namespace: the chains,
# idempotency, policy changes, foreign rules left alone, fail closed/open
# without a daemon, clean removal, clear errors.
. "$(dirname "$0")/lib.sh"

pc_init hooks 60
pc_need iptables ip6tables iptables-save ip6tables-save ncat ping
pc_need_bins
pc_topo

root_before=$( { iptables-save; ip6tables-save; } 2>/dev/null | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//')

# Rules of "someone else" that must survive everything.
pc_s iptables -w -A INPUT -s 203.0.113.99 -j DROP &&
	pc_s iptables -w -N FOREIGN &&
	pc_s iptables -w -A FOREIGN -d 192.0.2.7 -j RETURN &&
	pc_s ip6tables -w -A OUTPUT -d 2001:db8:ffff::1 -j DROP || pc_bail "foreign rules"
before=$(pc_rules_save)

pc_srv_tcp 2222
pc_wait_listen "$PC_SRV" tcp 2222
pc_check "without hooks the client reaches the server" pc_tcp_ok $SRV4 2222

# A bad policy: exit 1, FILE:LINE on stderr, nothing installed.
bad=$PC_TMP/bad.conf
printf '[portcullis]\nqueue = 3\n\n[Bad rule]\naction = maybe\n' >"$bad"
out=$(pc_hooks up -c "$bad" 2>&1)
rc=$?
pc_check "hooks up on a bad policy exits 1" test "$rc" -eq 1
pc_check "hooks up on a bad policy reports FILE:LINE" grep -q "$bad:5" <<<"$out"
pc_check "hooks up on a bad policy installs nothing" test "$(pc_rules_save)" = "$before"

# A missing iptables is reported, not ignored.
mkdir -p "$PC_TMP/empty"
closed=$PC_TMP/closed.conf
pc_policy "$closed" "queue = 3" "fail = closed" </dev/null
out=$(pc_s env PATH="$PC_TMP/empty" "$PORTCULLIS" hooks up -c "$closed" 2>&1)
rc=$?
pc_check "hooks up without iptables exits 1" test "$rc" -eq 1
pc_check "hooks up without iptables names the program" grep -q "iptables-restore" <<<"$out"

# up: both families, jumps first in INPUT and OUTPUT, own chains exact.
pc_check "hooks up exits 0" pc_hooks up -c "$closed"
for t in iptables ip6tables; do
	pc_check "$t: INPUT jumps to PORTCULLIS-IN first" \
		test "$(pc_s $t -w -S INPUT | sed -n 2p)" = "-A INPUT -j PORTCULLIS-IN"
	pc_check "$t: OUTPUT jumps to PORTCULLIS-OUT first" \
		test "$(pc_s $t -w -S OUTPUT | sed -n 2p)" = "-A OUTPUT -j PORTCULLIS-OUT"
	pc_check "$t: PORTCULLIS-IN returns loopback and queues the rest" test \
		"$(pc_s $t -w -S PORTCULLIS-IN)" = "-N PORTCULLIS-IN
-A PORTCULLIS-IN -i lo -j RETURN
-A PORTCULLIS-IN -j NFQUEUE --queue-num 3"
	pc_check "$t: PORTCULLIS-OUT returns loopback and queues the rest" test \
		"$(pc_s $t -w -S PORTCULLIS-OUT)" = "-N PORTCULLIS-OUT
-A PORTCULLIS-OUT -o lo -j RETURN
-A PORTCULLIS-OUT -j NFQUEUE --queue-num 3"
done
pc_check "foreign rules are still there" \
	test "$(pc_rules_save | grep -c -e 203.0.113.99 -e FOREIGN -e 2001:db8:ffff::1)" -eq 4
once=$(pc_rules_save)
pc_check "hooks up twice exits 0" pc_hooks up -c "$closed"
pc_check "hooks up twice = once" test "$(pc_rules_save)" = "$once"

# fail = closed and no daemon: nothing but loopback passes.
pc_check_not "fail closed, no daemon: TCP is dropped" pc_tcp_ok $SRV4 2222
pc_check_not "fail closed, no daemon: ping is dropped" pc_ping_ok $SRV4
pc_check "fail closed, no daemon: loopback v4 still works" \
	pc_s_ping_ok 127.0.0.1
pc_check "fail closed, no daemon: loopback v6 still works" \
	pc_s_ping_ok ::1

# A changed policy updates the chains in place: queue range, bypass, fan-out.
open=$PC_TMP/open.conf
pc_policy "$open" "queue = 4-7" "fail = open" </dev/null
pc_check "hooks up after a policy change exits 0" pc_hooks up -c "$open" --cpu-fanout
for t in iptables ip6tables; do
	rules=$(pc_s $t -w -S)
	pc_check "$t: the queue rules follow the new policy" test \
		"$(grep -c -- '-j NFQUEUE --queue-balance 4:7 --queue-bypass --queue-cpu-fanout$' <<<"$rules")" -eq 2
	pc_check "$t: the old queue rules are gone" test "$(grep -c -- '--queue-num' <<<"$rules")" -eq 0
	pc_check "$t: still one jump each" \
		test "$(grep -c -- '-j PORTCULLIS-' <<<"$rules")" -eq 2
done
pc_check "fail open, no daemon: TCP passes (queue bypass)" pc_tcp_ok $SRV4 2222
pc_check "fail open, no daemon: ping passes" pc_ping_ok $SRV4

# After a daemon failure (systemd's ExecStopPost with SERVICE_RESULT set), a
# fail = closed policy keeps the chains; fail = open or a clean stop removes them.
pc_check "hooks up (fail closed) again" pc_hooks up -c "$closed"
closed_rules=$(pc_rules_save)
pc_check "down after a failure, fail closed: exit 0" \
	pc_s env SERVICE_RESULT=signal "$PORTCULLIS" hooks down -c "$closed"
pc_check "down after a failure, fail closed: the chains stay" test "$(pc_rules_save)" = "$closed_rules"
pc_check_not "down after a failure, fail closed: TCP is still dropped" pc_tcp_ok $SRV4 2222
pc_check "down after a failure with a broken policy: removed" \
	pc_s env SERVICE_RESULT=signal "$PORTCULLIS" hooks down -c "$bad"
pc_check "  ... nothing left" test "$(pc_rules_save)" = "$before"
pc_check "hooks up (fail open) again" pc_hooks up -c "$open"
pc_check "down after a failure, fail open: exit 0" \
	pc_s env SERVICE_RESULT=exit-code "$PORTCULLIS" hooks down -c "$open"
pc_check "down after a failure, fail open: removed" test "$(pc_rules_save)" = "$before"
pc_check "hooks up (fail closed) once more" pc_hooks up -c "$closed"
pc_check "down after a clean stop: exit 0" \
	pc_s env SERVICE_RESULT=success "$PORTCULLIS" hooks down -c "$closed"
pc_check "down after a clean stop: removed" test "$(pc_rules_save)" = "$before"
pc_check "hooks up (fail open) for the next checks" pc_hooks up -c "$open"

# down: back to exactly what was there, twice, even with a broken policy.
pc_check "hooks down exits 0" pc_hooks down
pc_check "hooks down leaves no rule behind" test "$(pc_rules_save)" = "$before"
pc_check "hooks down when absent exits 0" pc_hooks down -c "$bad"
pc_check "hooks down twice changes nothing" test "$(pc_rules_save)" = "$before"
pc_check "after hooks down the client reaches the server" pc_tcp_ok $SRV4 2222

# Usage errors.
pc_check "hooks without up|down is a usage error (2)" \
	sh -c '"$1" hooks sideways >/dev/null 2>&1; test $? -eq 2' sh "$PORTCULLIS"

root_after=$( { iptables-save; ip6tables-save; } 2>/dev/null | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//')
pc_check "the root namespace's rules were not touched" test "$root_before" = "$root_after"

pc_finish

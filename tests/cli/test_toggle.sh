#!/usr/bin/env bash
# CLI tests for portcullis enable, disable, list and status.
# Usage: test_toggle.sh BUILD_DIR
#
# Without a daemon: on temporary copies of the shipped policy. With a daemon
# (root only): portcullisd runs inside a network namespace this script
# creates (its queue binds there; no hook rule is installed anywhere), and
# is killed by pid and the namespace deleted on exit.
# Exit status: 0 all passed, 1 a check failed, 77 the daemon part was
# skipped (not root) and the rest passed.
. "$(dirname "$0")/lib.sh"
pcd="$build/portcullisd"
shipped="$here/../../conf/portcullis.conf"
ns=
dpid=

cleanup() {
	if [ -n "$dpid" ]; then
		kill -CONT "$dpid" 2>/dev/null
		kill -TERM "$dpid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$dpid" 2>/dev/null
	fi
	[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

same() { # same NAME FILE1 FILE2
	if cmp -s "$2" "$3"; then ok "$1"; else bad "$1" "$(diff "$2" "$3" | head -20)"; fi
}
# rule_state FILE NAME: the enabled value the loader sees, from portcullis list
rule_state() {
	"$pc" list -c "$1" 2>/dev/null | awk -v n="$2" '
		NR == 1 { s = index($0, "NAME"); next }
		{ name = substr($0, s); sub(/ +[0-9-]*$/, "", name); if (name == n) print $1 }'
}
is_state() { # is_state NAME FILE RULE on|off
	local got
	got=$(rule_state "$2" "$3")
	if [ "$got" = "$4" ]; then ok "$1"; else bad "$1" "rule '$3' is '$got', wanted '$4'"; fi
}

# policy DIR: the shipped policy with its daemon files in DIR
policy() {
	sed -e "s|^pid-file = .*|pid-file = $1/portcullisd.pid|" \
	    -e "s|^status-file = .*|status-file = $1/status|" \
	    -e "s|^log-target = .*|log-target = stderr|" "$shipped"
}

# ---- without a daemon ----
mkdir -p "$tmp/a"
conf=$tmp/a/portcullis.conf
policy "$tmp/a" >"$conf"
chmod 640 "$conf"
chown 0:daemon "$conf" 2>/dev/null || true
cp -p "$conf" "$tmp/orig.conf"
expect_rc "shipped-derived policy checks" 0 "$pc" check -c "$conf"
has "11 rules enabled" "$tmp/out" "40 rules, 11 enabled"

expect_rc "disable an already disabled rule: exit 0" 0 "$pc" disable -c "$conf" "HTTP Server"
has "says it already was" "$tmp/out" "HTTP Server: already disabled"
same "file untouched" "$tmp/orig.conf" "$conf"

expect_rc "disable DNS Client: exit 0" 0 "$pc" disable -c "$conf" "DNS Client"
has "says what changed, and that it applies at next start" "$tmp/out" \
	"changed DNS Client, DNS Client (tcp); portcullisd is not running: applies at next start"
n=$(diff "$tmp/orig.conf" "$conf" | grep -c '^[<>]')
[ "$n" -eq 4 ] && ok "exactly two lines changed" || bad "exactly two lines changed" "$(diff "$tmp/orig.conf" "$conf")"
diff "$tmp/orig.conf" "$conf" | grep '^>' | grep -qvx '> enabled = no' &&
	bad "changed lines say enabled = no" "$(diff "$tmp/orig.conf" "$conf")" ||
	ok "changed lines say enabled = no"
is_state "DNS Client is off" "$conf" "DNS Client" off
is_state "DNS Client (tcp) is off" "$conf" "DNS Client (tcp)" off
is_state "SSH Server still on" "$conf" "SSH Server" on
[ "$(stat -c %a "$conf")" = 640 ] && ok "mode kept" || bad "mode kept" "$(stat -c %a "$conf")"
[ "$(stat -c %U:%G "$conf")" = "$(stat -c %U:%G "$tmp/orig.conf")" ] && ok "owner kept" ||
	bad "owner kept" "$(stat -c %U:%G "$conf")"
[ "$(ls -A "$tmp/a")" = portcullis.conf ] && ok "no temporary file left" || bad "no temporary file left" "$(ls -A "$tmp/a")"

expect_rc "enable DNS Client again: exit 0" 0 "$pc" enable -c "$conf" "DNS Client"
same "back to the original, byte for byte" "$tmp/orig.conf" "$conf"

# What a killed edit leaves (".NAME.XXXXXX") goes with the next edit; other files stay.
touch "$tmp/a/.portcullis.conf.AbC123" "$tmp/a/.portcullis.conf.keep" "$tmp/a/.other.conf.AbC123"
expect_rc "disable with stale temporary files beside: exit 0" 0 "$pc" disable -c "$conf" "DNS Client"
[ ! -e "$tmp/a/.portcullis.conf.AbC123" ] && ok "a killed edit's temporary file is removed" ||
	bad "a killed edit's temporary file is removed" "$(ls -A "$tmp/a")"
[ -e "$tmp/a/.portcullis.conf.keep" ] && [ -e "$tmp/a/.other.conf.AbC123" ] &&
	ok "files of other names stay" || bad "files of other names stay" "$(ls -A "$tmp/a")"
rm -f "$tmp/a/.portcullis.conf.keep" "$tmp/a/.other.conf.AbC123"
cp -p "$tmp/orig.conf" "$conf"

# One size limit for the daemon and the editor (256 MiB): a 65 MiB policy
# (comments) was refused by enable/disable only.
cp -p "$conf" "$tmp/a/big.conf"
yes '# padding padding padding padding padding padding padding padding padding' |
	head -c $((65 << 20)) >>"$tmp/a/big.conf"
echo >>"$tmp/a/big.conf"
expect_rc "a 65 MiB policy checks" 0 "$pc" check -c "$tmp/a/big.conf"
expect_rc "a 65 MiB policy can be edited" 0 "$pc" disable --force -c "$tmp/a/big.conf" "SSH Server"
is_state "and is" "$tmp/a/big.conf" "SSH Server" off
rm -f "$tmp/a/big.conf"

# SIGKILL at random points of 100 edits: the policy always loads, and once
# an edit runs to its end no temporary file is left.
broke=0 seen=0
for i in $(seq 100); do
	if ((i % 2)); then verb=disable; else verb=enable; fi
	"$pc" "$verb" -c "$conf" "DNS Client" >/dev/null 2>&1 &
	p=$!
	sleep "0.00$((RANDOM % 10))$((RANDOM % 10))"
	kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	"$pc" check -c "$conf" >/dev/null 2>&1 || broke=$((broke + 1))
	ls -A "$tmp/a" | grep -q '^\.portcullis\.conf\.' && seen=$((seen + 1))
done
[ "$broke" -eq 0 ] && ok "100 killed edits: the policy always loads" ||
	bad "100 killed edits: the policy always loads" "$broke times it did not"
expect_rc "an edit after the killed ones: exit 0" 0 "$pc" enable -c "$conf" "DNS Client"
[ "$(ls -A "$tmp/a")" = portcullis.conf ] && ok "no temporary file left after killed edits ($seen of 100 left one until the next)" ||
	bad "no temporary file left after killed edits" "$(ls -A "$tmp/a")"
cp -p "$tmp/orig.conf" "$conf"

expect_rc "several names" 0 "$pc" enable -c "$conf" "HTTP Server" "HTTPS Server" "SSH Server"
has "both changed" "$tmp/out" "changed HTTP Server, HTTPS Server;"
has "the third already was" "$tmp/out" "SSH Server: already enabled"
is_state "HTTPS Server on" "$conf" "HTTPS Server" on
cp -p "$tmp/orig.conf" "$conf"

expect_rc "unknown name: exit 1" 1 "$pc" disable -c "$conf" "SSH Server" "http server" "Nothing At All"
has "names the unknown rule with close matches" "$tmp/err" \
	"no rule named 'http server'; did you mean 'HTTP Server'"
has "names the other unknown rule" "$tmp/err" "no rule named 'Nothing At All'"
hasnt "no suggestion for a far name" "$tmp/err" "'Nothing At All'; did you mean"
has "says the file is not changed" "$tmp/err" "not changed"
same "unknown name: nothing changed, not even the known rule" "$tmp/orig.conf" "$conf"

cp "$conf" "$tmp/a/broken.conf"
printf '\n[Broken]\naction = maybe\n' >>"$tmp/a/broken.conf"
cp "$tmp/a/broken.conf" "$tmp/broken.orig"
expect_rc "invalid result: exit 1" 1 "$pc" disable -c "$tmp/a/broken.conf" "SSH Server"
has "the loader's error is shown" "$tmp/err" "broken.conf:$(grep -n '^action = maybe' "$tmp/broken.orig" | cut -d: -f1): action:"
has "says the file is not changed" "$tmp/err" "the edited policy has errors"
same "invalid result: nothing changed" "$tmp/broken.orig" "$tmp/a/broken.conf"
rm -f "$tmp/a/broken.conf"

printf '[A]\naction = deny\n\0\n' >"$tmp/a/nul.conf"
expect_rc "a NUL byte: exit 1" 1 "$pc" disable -c "$tmp/a/nul.conf" A
has "says why" "$tmp/err" "NUL byte"
rm -f "$tmp/a/nul.conf"

sed 's/$/\r/' "$conf" >"$tmp/a/crlf.conf"
cp "$tmp/a/crlf.conf" "$tmp/crlf.orig"
expect_rc "CRLF file: exit 0" 0 "$pc" enable -c "$tmp/a/crlf.conf" "HTTP Server"
n=$(grep -c $'\r$' "$tmp/a/crlf.conf")
[ "$n" -eq "$(wc -l <"$tmp/a/crlf.conf")" ] && ok "CRLF kept on every line" || bad "CRLF kept on every line" "$n CRLF lines"
n=$(diff "$tmp/crlf.orig" "$tmp/a/crlf.conf" | grep -c '^[<>]')
[ "$n" -eq 2 ] && ok "CRLF file: one line changed" || bad "CRLF file: one line changed" "$(diff "$tmp/crlf.orig" "$tmp/a/crlf.conf")"
rm -f "$tmp/a/crlf.conf"

ln -s portcullis.conf "$tmp/a/link.conf"
expect_rc "through a symlink: exit 0" 0 "$pc" enable -c "$tmp/a/link.conf" "HTTP Server"
[ -L "$tmp/a/link.conf" ] && ok "the symlink stays a symlink" || bad "the symlink stays a symlink"
is_state "its target changed" "$conf" "HTTP Server" on
rm -f "$tmp/a/link.conf"
cp -p "$tmp/orig.conf" "$conf"

# Concurrent edits: each waits for the others' (flock), none is lost.
par=("FTP Server" "FTP Client" "HTTP Client" "HTTPS Server" "HTTPS Client" "Network Time Server"
	"Network Time Client" "Terminal Services Server" "SQL Server" "SSH Client")
pids=()
for r in "${par[@]}"; do
	timeout 30 "$pc" enable -c "$conf" "$r" >/dev/null 2>"$tmp/par.err" &
	pids+=($!)
done
prc=0
for p in "${pids[@]}"; do wait "$p" || prc=1; done
[ "$prc" -eq 0 ] && ok "10 concurrent enables: all exit 0" || bad "10 concurrent enables: all exit 0" "$(cat "$tmp/par.err")"
lost=
for r in "${par[@]}"; do [ "$(rule_state "$conf" "$r")" = on ] || lost="$lost '$r'"; done
[ -z "$lost" ] && ok "10 concurrent enables: none lost" || bad "10 concurrent enables: none lost" "still off:$lost"
cp -p "$tmp/orig.conf" "$conf"

expect_rc "enable without a name: usage, exit 2" 2 "$pc" enable -c "$conf"
has "enable without a name: says what is missing" "$tmp/err" \
	"portcullis enable: name the rules to enable (portcullis list shows them)"
expect_rc "enable HTTP Server unquoted: exit 1" 1 "$pc" enable -c "$conf" HTTP Server
has "unquoted: the hint to quote" "$tmp/err" \
	"portcullis enable: 'HTTP Server' is one rule: quote a name with spaces (portcullis enable \"HTTP Server\")"
same "unquoted: nothing changed" "$tmp/orig.conf" "$conf"
expect_rc "enable NAME -c FILE: a late -c is taken" 0 "$pc" enable "HTTP Server" -c "$conf"
is_state "a late -c: the rule of that file changed" "$conf" "HTTP Server" on
cp -p "$tmp/orig.conf" "$conf"
expect_rc "missing file: exit 1" 1 "$pc" enable -c "$tmp/a/none.conf" X
has "names the file" "$tmp/err" "none.conf"

expect_rc "status without a daemon: exit 3" 3 "$pc" status -c "$conf"
has "says not running" "$tmp/out" "not running (no pid file"
echo $$ >"$tmp/a/portcullisd.pid"
expect_rc "status with a stale pid file: exit 3" 3 "$pc" status -c "$conf"
has "says whose pid it is" "$tmp/out" "not portcullisd"
expect_rc "enable with a stale pid file: exit 0" 0 "$pc" enable -c "$conf" "HTTP Server"
has "applies at next start" "$tmp/out" "portcullisd is not running: applies at next start"
rm -f "$tmp/a/portcullisd.pid"
cp -p "$tmp/orig.conf" "$conf"

expect_rc "list without a daemon: exit 0" 0 "$pc" list -c "$conf"
[ "$(wc -l <"$tmp/out")" -eq 41 ] && ok "list: a title and 40 rows" || bad "list: a title and 40 rows" "$(wc -l <"$tmp/out")"
hasnt "list: no hits column without a daemon" "$tmp/out" "HITS"
w=$(awk '{ if (length > m) m = length } END { print m }' "$tmp/out")
[ "$w" -le 100 ] && ok "list: at most 100 columns ($w)" || bad "list: at most 100 columns" "$w columns"
grep -Eq '^ON +ACTION +PROTO +DIR +PORTS/TYPES +ADDRESSES +NAME$' "$tmp/out" && ok "list: the titles" ||
	bad "list: the titles" "$(head -1 "$tmp/out")"
grep -Eq '^on +permit +tcp +in +local 22 +any +SSH Server$' "$tmp/out" && ok "list: the SSH Server row" ||
	bad "list: the SSH Server row" "$(grep 'SSH Server' "$tmp/out")"
grep -Eq '^off +permit +udp +out +remote 1434 +any +SQL Client \(udp\)$' "$tmp/out" && ok "list: a client row" ||
	bad "list: a client row" "$(grep 'SQL Client' "$tmp/out")"
grep -Eq '^on +permit +icmp +both +echo-request,echo-reply,\+3 +any +ICMP$' "$tmp/out" && ok "list: the ICMP row" ||
	bad "list: the ICMP row" "$(grep 'ICMP$' "$tmp/out")"
grep -Eq '^on +permit +icmpv6 +both +multicast-router-advertise~ +any +IPv6 Multicast Router Discovery$' \
	"$tmp/out" && ok "list: a cell cut short ends in ~" || bad "list: a cell cut short ends in ~" "$(grep 'Router' "$tmp/out")"
awk '{ print $1 }' "$tmp/out" | sed 1d | uniq >"$tmp/onoff"
[ "$(tr '\n' ' ' <"$tmp/onoff")" = "on off " ] && ok "list: the enabled rules first" ||
	bad "list: the enabled rules first" "$(cat "$tmp/out")"
expect_rc "list -v: exit 0" 0 "$pc" list -v -c "$conf"
has "list -v: full ICMP types" "$tmp/out" "echo-request,echo-reply,destination-unreachable,time-exceeded,parameter-problem"
has "list -v: nothing cut" "$tmp/out" "multicast-router-advertisement,multicast-router-solicitation"
expect_rc "list --enabled: exit 0" 0 "$pc" list --enabled -c "$conf"
[ "$(wc -l <"$tmp/out")" -eq 12 ] && ok "list --enabled: a title and the 11 enabled rules" ||
	bad "list --enabled: a title and the 11 enabled rules" "$(cat "$tmp/out")"

# ---- with a daemon ----
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null; then
	echo "SKIPPED daemon tests: need root and iproute2"
	printf '\n%d passed, %d failed, daemon part skipped\n' "$passes" "$fails"
	[ "$fails" -eq 0 ] && exit 77
	exit 1
fi
[ -x "$pcd" ] || { bad "portcullisd exists" "no $pcd"; exit 1; }

ns=pc-toggle-$$
ip netns add "$ns" || { bad "ip netns add $ns"; exit 1; }
ip -n "$ns" link set lo up
mkdir -p "$tmp/d"
conf=$tmp/d/portcullis.conf
policy "$tmp/d" >"$conf"
ip netns exec "$ns" "$pcd" -c "$conf" -f >"$tmp/d/daemon.log" 2>&1 &
dpid=$!
for _ in $(seq 100); do [ -s "$tmp/d/status" ] && [ -s "$tmp/d/portcullisd.pid" ] && break; sleep 0.05; done
[ "$(cat "$tmp/d/portcullisd.pid" 2>/dev/null)" = "$dpid" ] && ok "daemon started, pid file written" ||
	{ bad "daemon started, pid file written" "$(cat "$tmp/d/daemon.log")"; exit 1; }

expect_rc "status: exit 0" 0 "$pc" status -c "$conf"
has "status: running with its pid" "$tmp/out" "running (pid $dpid, up "
has "status: the policy" "$tmp/out" "$conf"
has "status: queue" "$tmp/out" "queue:          0"
has "status: fail mode" "$tmp/out" "fail mode:      closed"
has "status: rules" "$tmp/out" "rules:          40 loaded, 11 enabled"
has "status: no reload yet" "$tmp/out" "last reload:    none since start"
has "status: packets" "$tmp/out" "packets:        0"
for k in permitted denied malformed; do has "status: $k" "$tmp/out" "  $k:"; done
for k in "queue drops:" "no rule:" "forwarded:" "verdict errors:" "bad messages:" "log suppressed:"; do
	has "status: $k" "$tmp/out" "$k"
done

# status reads the pid-file line of a policy with errors elsewhere
cp "$conf" "$tmp/d/broken.conf"
printf '\n[Broken]\naction = maybe\n' >>"$tmp/d/broken.conf"
expect_rc "status of a policy with errors: exit 0" 0 "$pc" status -c "$tmp/d/broken.conf"
has "status of a policy with errors: still finds the daemon" "$tmp/out" "running (pid $dpid, up "
has "status of a policy with errors: says it used its lines" "$tmp/err" \
	"portcullis status: $tmp/d/broken.conf has errors (portcullis check -c $tmp/d/broken.conf shows them); its pid-file and status-file lines are used"
rm -f "$tmp/d/broken.conf"
# status writes nothing to the daemon's log
before=$(wc -l <"$tmp/d/daemon.log")
for _ in 1 2 3; do "$pc" status -c "$conf" >/dev/null 2>&1; done
after=$(wc -l <"$tmp/d/daemon.log")
[ "$before" -eq "$after" ] && ok "status: three times, no line in the daemon's log" ||
	bad "status: three times, no line in the daemon's log" "$(tail -n $((after - before)) "$tmp/d/daemon.log")"
# as a user who may not signal the daemon: the numbers as they are, said so
if command -v setpriv >/dev/null; then
	chmod 755 "$tmp" "$tmp/d"
	chmod 644 "$conf"
	nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
	expect_rc "status as nobody: exit 0" 0 "${nobody[@]}" "$pc" status -c "$conf"
	has "status as nobody: running" "$tmp/out" "running (pid $dpid, up "
	has "status as nobody: how old the numbers are" "$tmp/out" "numbers as of:  "
	has "status as nobody: says why they are not fresh" "$tmp/err" \
		"portcullis status: these numbers are not fresh: this user may not signal portcullisd (pid $dpid) (Operation not permitted); run it as root for fresh ones"
	expect_rc "list as nobody: exit 0" 0 "${nobody[@]}" "$pc" list -c "$conf"
	has "list as nobody: the hits column" "$tmp/out" "HITS"
	has "list as nobody: says the hits are not fresh" "$tmp/err" \
		"portcullis list: the hits as portcullisd (pid $dpid) last wrote them: this user may not signal it for fresh ones (run it as root)"
	chmod 600 "$tmp/d/portcullisd.pid"
	expect_rc "status as nobody, pid file unreadable: exit 4" 4 "${nobody[@]}" "$pc" status -c "$conf"
	has "unreadable pid file: unknown, and why" "$tmp/out" \
		"portcullisd:    unknown (cannot read the pid file $tmp/d/portcullisd.pid: Permission denied)"
	has "unreadable pid file: what to do" "$tmp/err" "portcullis status: run it as root, or as a user who may read $tmp/d/portcullisd.pid"
	chmod 644 "$tmp/d/portcullisd.pid"
	chmod 600 "$conf"
	"${nobody[@]}" "$pc" status -c "$conf" >"$tmp/out" 2>"$tmp/err"
	has "unreadable policy: says so, and that the defaults are used" "$tmp/err" \
		"portcullis status: cannot read $conf: Permission denied; looking where the defaults say (root can read it)"
	expect_rc "list as nobody, policy unreadable: exit 1" 1 "${nobody[@]}" "$pc" list -c "$conf"
	same_text "list: unreadable policy: says so, and what is needed" "$tmp/err" \
		"portcullis: cannot read $conf: Permission denied (it needs root, or a user who may read it)"
	chmod 700 "$tmp"
else
	skip "status as a user who may not signal the daemon (needs setpriv)"
fi

expect_rc "disable SSH Server with a daemon: refused, exit 1" 1 "$pc" disable -c "$conf" "SSH Server"
has "refused: says why" "$tmp/err" "portcullis disable: this would lock out remote administrators: no enabled rule would admit SSH (tcp port 22) from any address ('Deny TCP' would deny it); 'SSH Server' admits it now"
has "refused: says the file is unchanged" "$tmp/err" "portcullis disable: $conf not changed (--force changes it anyway)"
is_state "refused: SSH Server still on" "$conf" "SSH Server" on
expect_rc "disable --force with a daemon: exit 0" 0 "$pc" disable --force -c "$conf" "SSH Server"
has "--force: the guard's words as a warning" "$tmp/err" "portcullis disable: warning: this would lock out remote administrators"
has "says applied" "$tmp/out" "changed SSH Server; applied: portcullisd (pid $dpid) reloaded: 40 rules, 10 enabled"
has "the daemon logs the same warning at reload" "$tmp/d/daemon.log" \
	"warning: $conf: warning: SSH (tcp port 22): no enabled rule admits it from any address ('Deny TCP' denies it): remote administrators are locked out"
expect_rc "status after: exit 0" 0 "$pc" status -c "$conf"
has "status: 10 enabled" "$tmp/out" "40 loaded, 10 enabled"
has "status: the reload went well" "$tmp/out" ", ok: reloaded: 40 rules, 10 enabled"
has "status: one reload" "$tmp/out" "reloads:        1 ok, 0 failed"

expect_rc "list with a daemon: exit 0" 0 "$pc" list -c "$conf"
has "list: a hits column" "$tmp/out" "HITS"
grep -Eq '^off +permit +tcp +in +local 22 +any +SSH Server +0$' "$tmp/out" &&
	ok "list: SSH Server off, 0 hits" || bad "list: SSH Server off, 0 hits" "$(cat "$tmp/out")"

expect_rc "enable again: exit 0" 0 "$pc" enable -c "$conf" "SSH Server"
has "says applied" "$tmp/out" "applied: portcullisd (pid $dpid) reloaded: 40 rules, 11 enabled"
expect_rc "nothing to change, daemon still reloads: exit 0" 0 "$pc" enable -c "$conf" "SSH Server"
has "says it already was and applied" "$tmp/out" "applied:"

# The daemon rejects a reload the file check cannot foresee: a log file it cannot open.
sed -i "s|^log-target = .*|log-target = file:$tmp/d/no-such-dir/verdicts.log|" "$conf"
expect_rc "daemon rejects the reload: exit 1" 1 "$pc" disable --force -c "$conf" "SSH Server"
has "says the daemon rejected it and why" "$tmp/err" "daemon rejected the reload: cannot open the log file"
expect_rc "status after the rejection: exit 0" 0 "$pc" status -c "$conf"
has "status: last reload failed" "$tmp/out" ", failed: cannot open the log file"
has "status: old policy still served" "$tmp/out" "40 loaded, 11 enabled"
sed -i "s|^log-target = .*|log-target = stderr|" "$conf"
expect_rc "fixed file: enable applies" 0 "$pc" enable -c "$conf" "SSH Server"

# Live SSH connections (the conntrack table of the daemon's namespace): a
# change that denies them is refused and names them.
ip netns exec "$ns" iptables -A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT 2>/dev/null
ip netns exec "$ns" sh -c 'sleep 25 | timeout 30 ncat -l 127.0.0.1 22' >/dev/null 2>&1 &
lpid=$!
for _ in $(seq 50); do ip netns exec "$ns" ss -ltn | grep -q '127.0.0.1:22 ' && break; sleep 0.1; done
ip netns exec "$ns" sh -c 'sleep 20 | timeout 25 ncat 127.0.0.1 22' >/dev/null 2>&1 &
cpid=$!
for _ in $(seq 50); do
	grep -q 'ESTABLISHED.*dport=22 ' "/proc/$dpid/net/nf_conntrack" 2>/dev/null && break; sleep 0.1
done
cport=$(sed -n 's/.*ESTABLISHED src=127.0.0.1 dst=127.0.0.1 sport=\([0-9]*\) dport=22 .*/\1/p' \
	"/proc/$dpid/net/nf_conntrack" 2>/dev/null | head -1)
if [ -n "$cport" ]; then
	cp "$conf" "$tmp/live.orig"
	printf '\n[Loopback block]\nenabled = no\naction = deny\nremote-address = 127.0.0.0/8\n' >>"$conf"
	cp "$conf" "$tmp/live.before"
	expect_rc "a change that cuts a live SSH connection: refused" 1 "$pc" enable -c "$conf" "Loopback block"
	same_text "names the live connection and the rule that would deny it" "$tmp/err" \
		"portcullis enable: the change would cut these live SSH connections:
  from 127.0.0.1 port $cport to 127.0.0.1 port 22 (denied by 'Loopback block')
portcullis enable: $conf not changed (--force changes it anyway)"
	same "refused: file unchanged" "$tmp/live.before" "$conf"
	cp "$tmp/live.orig" "$conf"
else
	bad "a live SSH connection in conntrack" "$(cat "/proc/$dpid/net/nf_conntrack" 2>&1 | head -5)"
fi
kill "$cpid" "$lpid" 2>/dev/null
wait "$cpid" "$lpid" 2>/dev/null

# A daemon that does not answer: the command gives up after 10 s.
nrel=$(grep -c '^reloaded: ' "$tmp/d/daemon.log")
kill -STOP "$dpid"
start=$SECONDS
expect_rc "stopped daemon: exit 1" 1 "$pc" disable --force -c "$conf" "SSH Server"
has "says it did not report" "$tmp/err" "did not report the reload within 10 s"
[ $((SECONDS - start)) -le 15 ] && ok "gave up within 15 s" || bad "gave up within 15 s" "$((SECONDS - start)) s"
kill -CONT "$dpid"
# the late SIGHUP's load runs on its thread (with the conntrack sweep):
# a status asked for meanwhile still shows the old table
for _ in $(seq 100); do
	[ "$(grep -c '^reloaded: ' "$tmp/d/daemon.log")" -gt "$nrel" ] && break
	sleep 0.05
done
expect_rc "status -> fresh numbers once it runs again" 0 "$pc" status -c "$conf"
has "the late reload was applied" "$tmp/out" "40 loaded, 10 enabled"

kill -TERM "$dpid"
wait "$dpid"
rc=$?
dpid=
[ "$rc" -eq 0 ] && ok "daemon exited 0" || bad "daemon exited 0" "exit $rc"
expect_rc "status after the daemon stopped: exit 3" 3 "$pc" status -c "$conf"
has "says not running" "$tmp/out" "not running"
expect_rc "enable with the daemon stopped: exit 0" 0 "$pc" enable -c "$conf" "SSH Server"
has "applies at next start" "$tmp/out" "changed SSH Server; portcullisd is not running: applies at next start"

finish

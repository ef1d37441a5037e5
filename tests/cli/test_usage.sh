#!/usr/bin/env bash
# Help, version and usage errors of portcullis and portcullisd: --help/-h on
# every subcommand (one line per option), --version/-V, options in any
# position, and every usage error says what was wrong (exit 2).
# Usage: test_usage.sh BUILD_DIR
. "$(dirname "$0")/lib.sh"
pcd="$build/portcullisd"
version=$(sed -n 's/^project(portcullis VERSION \([0-9.]*\).*/\1/p' "$here/../../CMakeLists.txt")

subs="check explain hooks log enable disable list status"
for s in $subs; do
	for h in --help -h; do
		expect_rc "$s $h: exit 0" 0 "$pc" "$s" "$h"
		grep -q "^usage: portcullis $s " "$tmp/out" && ok "$s $h: its usage" || bad "$s $h: its usage" "$(cat "$tmp/out")"
		empty "$s $h: nothing on stderr" "$tmp/err"
	done
	has "$s --help: -h on a line" "$tmp/out" "  -h, --help"
	has "$s --help: -V on a line" "$tmp/out" "  -V, --version"
	expect_rc "$s --version: exit 0" 0 "$pc" "$s" --version
	same_text "$s --version: the version" "$tmp/out" "portcullis $version"
	expect_rc "$s --bogus: exit 2" 2 "$pc" "$s" --bogus
	same_text "$s --bogus: says what was wrong, then the usage" "$tmp/err" \
		"portcullis $s: unknown option '--bogus'
$(grep '^usage: ' <("$pc" "$s" --help))
(portcullis $s --help says more)"
done
for s in check explain list status enable disable; do
	expect_rc "$s -c without a FILE: exit 2" 2 "$pc" "$s" -c
	has "$s -c without a FILE: says so" "$tmp/err" "portcullis $s: option '-c' needs an argument"
done
expect_rc "--config without a FILE: exit 2" 2 "$pc" list --config
has "--config without a FILE: says so" "$tmp/err" "portcullis list: option '--config' needs an argument"
expect_rc "an unknown short option: exit 2" 2 "$pc" list -x
has "an unknown short option: says which" "$tmp/err" "portcullis list: unknown option '-x'"
expect_rc "-v is explained" 0 "$pc" explain --help
has "explain --help: what -v does" "$tmp/out" "  -v, --verbose         also every other matching rule, and the field it lost on"
expect_rc "list --help" 0 "$pc" list --help
has "list --help: what -v does" "$tmp/out" "  -v, --verbose         every cell whole, however wide the table gets"

expect_rc "portcullis --version: exit 0" 0 "$pc" --version
same_text "portcullis --version" "$tmp/out" "portcullis $version"
expect_rc "portcullis -V: exit 0" 0 "$pc" -V
same_text "portcullis -V" "$tmp/out" "portcullis $version"
expect_rc "portcullis --help: exit 0" 0 "$pc" --help
for s in $subs; do has "portcullis --help: lists $s" "$tmp/out" "  portcullis $s "; done
expect_rc "portcullis help list: exit 0" 0 "$pc" help list
grep -q '^usage: portcullis list ' "$tmp/out" && ok "portcullis help list: the usage of list" || bad "portcullis help list" "$(cat "$tmp/out")"
expect_rc "portcullis help bogus: exit 2" 2 "$pc" help bogus
has "portcullis help bogus: says which" "$tmp/err" "portcullis: unknown subcommand 'bogus'"
expect_rc "portcullis alone: exit 2" 2 "$pc"
has "portcullis alone: says what is missing" "$tmp/err" "portcullis: no subcommand given"
expect_rc "portcullis --bogus: exit 2" 2 "$pc" --bogus
has "portcullis --bogus: says which" "$tmp/err" "portcullis: unknown option '--bogus'"

# options in any position
expect_rc "-c before the subcommand" 0 "$pc" -c "$here/policy.conf" check
has "-c before the subcommand: that policy" "$tmp/out" "policy.conf: 9 rules, 8 enabled"
expect_rc "-c after an operand-less subcommand's option" 0 "$pc" list -v -c "$here/policy.conf"
echo 'in tcp 192.0.2.10 192.0.2.1 51000 80' >"$tmp/one"
expect_rc "options after -c, in any order" 0 "$pc" explain -c "$here/policy.conf" --format short -v <"$tmp/one"
head -1 "$tmp/out" >"$tmp/first"
same_text "options in any order: all taken" "$tmp/first" "permit	HTTP Server"

# operands where none belong, and bad operands
expect_rc "check with an operand: exit 2" 2 "$pc" check -c "$here/policy.conf" extra
has "check with an operand: says which" "$tmp/err" "portcullis check: unexpected argument 'extra'"
expect_rc "explain with an operand: exit 2" 2 "$pc" explain packets.txt
has "explain with an operand: says packets come on stdin" "$tmp/err" \
	"portcullis explain: unexpected argument 'packets.txt' (packets are read from stdin)"
expect_rc "hooks sideways: exit 2" 2 "$pc" hooks sideways
has "hooks sideways: says what was wrong" "$tmp/err" "portcullis hooks: 'sideways' is neither up nor down"
expect_rc "hooks alone: exit 2" 2 "$pc" hooks
has "hooks alone: says what is missing" "$tmp/err" "portcullis hooks: say up or down"
expect_rc "log with two files: exit 2" 2 "$pc" log a b
has "log with two files: says so" "$tmp/err" "portcullis log: one FILE at most: 'b' is a second one"
expect_rc "log --verdict maybe: exit 2" 2 "$pc" log --verdict maybe /dev/null
has "log --verdict maybe: says so" "$tmp/err" "portcullis log: --verdict: 'maybe' is neither permit nor deny"

# portcullisd
for h in --help -h; do
	expect_rc "portcullisd $h: exit 0" 0 "$pcd" "$h"
	has "portcullisd $h: its usage" "$tmp/out" "usage: portcullisd [-c FILE] [-f]"
	has "portcullisd $h: -f on a line" "$tmp/out" "  -f, --foreground    log the daemon's messages to stderr instead of syslog"
done
for v in --version -V; do
	expect_rc "portcullisd $v: exit 0" 0 "$pcd" "$v"
	same_text "portcullisd $v" "$tmp/out" "portcullisd (portcullis) $version"
done
expect_rc "portcullisd --bogus: exit 2" 2 "$pcd" --bogus
same_text "portcullisd --bogus: says what was wrong" "$tmp/err" "portcullisd: unknown option '--bogus'
usage: portcullisd [-c FILE] [-f]
(portcullisd --help says more)"
expect_rc "portcullisd -c: exit 2" 2 "$pcd" -c
has "portcullisd -c: says so" "$tmp/err" "portcullisd: option needs an argument: '-c'"
expect_rc "portcullisd extra: exit 2" 2 "$pcd" -f extra
has "portcullisd extra: says which" "$tmp/err" "portcullisd: unexpected argument 'extra'"
expect_rc "portcullisd with a missing policy: exit 1" 1 "$pcd" -f -c "$tmp/none.conf"
same_text "portcullisd with a missing policy: says so" "$tmp/err" \
	"portcullisd: cannot read the policy $tmp/none.conf: No such file or directory (-c FILE names another one)"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && command -v ip >/dev/null; then
	# in a namespace of its own, so that no queue of the machine's is touched
	ns=pc-usage-$$
	trap 'ip netns del "$ns" 2>/dev/null; rm -rf "$tmp"' EXIT
	ip netns add "$ns"
	sed -e "s|^pid-file = .*|pid-file = $tmp/pid|" -e "s|^status-file = .*|status-file = $tmp/status|" \
	    -e "s|^log-target = .*|log-target = stderr|" "$here/../../conf/portcullis.conf" >"$tmp/p.conf"
	chmod 755 "$tmp"; chmod 644 "$tmp/p.conf"
	expect_rc "portcullisd as nobody: exit 1" 1 ip netns exec "$ns" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=-all "$pcd" -f -c "$tmp/p.conf"
	has "portcullisd as nobody: names itself and CAP_NET_ADMIN" "$tmp/err" \
		"portcullisd: cannot bind queue 0: it needs CAP_NET_ADMIN (run it as root, or as systemd's unit does)"
	# the lockout guard's warning comes at start, before the queue is bound
	awk '/^\[SSH Server\]/ { s = 1 } s && /^enabled = / { $0 = "enabled = no"; s = 0 } { print }' \
		"$tmp/p.conf" >"$tmp/nossh.conf"
	chmod 644 "$tmp/nossh.conf"
	expect_rc "portcullisd, no SSH rule: exit 1 (as nobody)" 1 ip netns exec "$ns" setpriv --reuid=nobody \
		--regid=nogroup --clear-groups --inh-caps=-all "$pcd" -f -c "$tmp/nossh.conf"
	has "portcullisd at start: the lockout warning" "$tmp/err" \
		"$tmp/nossh.conf: warning: SSH (tcp port 22): no enabled rule admits it from any address ('Deny TCP' denies it): remote administrators are locked out"
else
	skip "portcullisd without CAP_NET_ADMIN (needs root, setpriv and iproute2)"
fi
finish

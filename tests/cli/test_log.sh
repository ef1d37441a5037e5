#!/usr/bin/env bash
# CLI tests for portcullis log. Usage: test_log.sh BUILD_DIR
# verdicts.log holds text, JSON and syslog-prefixed verdict lines, suppressed=
# lines, a daemon message, a blank line and 3 unparseable lines (7, 15, 16).
# Unparseable lines are counted on stderr and do not change the exit status.
. "$(dirname "$0")/lib.sh"
# same NAME FILE: FILE equals the text on stdin
same() {
	if diff -u - "$2" >"$tmp/diff"; then ok "$1"; else bad "$1" "$(cat "$tmp/diff")"; fi
}
# lines NAME N...: stdout is exactly lines N... of verdicts.log
lines() {
	local name=$1; shift
	local sel; sel=$(printf '%sp;' "$@")
	sed -n "$sel" verdicts.log | same "$name" "$tmp/out"
}

cd "$here"
garbage="portcullis log: verdicts.log: 3 unparseable lines (first: line 7: not a verdict log line)"

# --- printing lines as they are ---
expect_rc "no filter: exit 0 despite garbage" 0 "$pc" log verdicts.log
lines "no filter: every parsed line, verbatim" 1 2 3 4 5 6 8 9 10 11 13 14 17
echo "$garbage" | same "garbage: counted on stderr with the first one" "$tmp/err"

expect_rc "--rule: exit 0" 0 "$pc" log --rule "Deny TCP" verdicts.log
lines "--rule: text, JSON and fragment lines of that rule" 2 3 6 17

expect_rc "--rule -: exit 0" 0 "$pc" log verdicts.log --rule -
lines "--rule -: the default's decisions" 9

expect_rc "--rule with an escaped name" 0 "$pc" log --rule 'Say "hi"' verdicts.log
lines "--rule: the name is compared unescaped" 13

expect_rc "--rule (malformed)" 0 "$pc" log --rule '(malformed)' verdicts.log
lines "--rule (malformed): malformed packets" 11

expect_rc "--rule unknown: exit 0" 0 "$pc" log --rule "No Such Rule" verdicts.log
empty "--rule unknown: nothing printed" "$tmp/out"

expect_rc "--verdict permit" 0 "$pc" log --verdict permit verdicts.log
lines "--verdict permit: only permits" 4 10

expect_rc "--verdict deny --rule" 0 "$pc" log --verdict deny --rule "SSH Server" verdicts.log
empty "--verdict deny --rule SSH Server: nothing" "$tmp/out"

expect_rc "--since ISO" 0 "$pc" log --since 2026-11-28T12:00:05Z verdicts.log
lines "--since: lines at or after the time" 6 8 9 10 13 14 17
has "--since: undated lines left out, said on stderr" "$tmp/err" \
	"portcullis log: verdicts.log: 1 line without a time left out by --since"

expect_rc "--since with an offset" 0 "$pc" log --since 2026-11-28T13:00:10+01:00 verdicts.log
lines "--since +01:00: converted to UTC" 13 14 17

expect_rc "--since + --rule" 0 "$pc" log --since 2026-11-28T12:00:03Z --rule "Deny TCP" verdicts.log
lines "--since + --rule: both apply" 6 17

# relative times against lines written now
now_minus() { date -u -d "-$1" +%Y-%m-%dT%H:%M:%S.000Z; }
{
	echo "time=$(now_minus '2 hours') verdict=deny rule=\"Old\" dir=in proto=47 src=192.0.2.1 dst=192.0.2.2 len=20"
	echo "time=$(now_minus '5 minutes') verdict=deny rule=\"New\" dir=in proto=47 src=192.0.2.1 dst=192.0.2.2 len=20"
	echo "$(date +%Y-%m-%dT%H:%M:%S%z) host portcullisd[1]: verdict=deny rule=\"Journal\" dir=in proto=47 src=192.0.2.1 dst=192.0.2.2 len=20"
} >"$tmp/recent.log"
expect_rc "--since 10m" 0 "$pc" log --since 10m "$tmp/recent.log"
n=$(grep -c . "$tmp/out"); grep -q '"New"' "$tmp/out" && grep -q Journal "$tmp/out" && [ "$n" -eq 2 ] \
	&& ok "--since 10m: the recent two (time key and journal prefix)" \
	|| bad "--since 10m: the recent two" "$(cat "$tmp/out")"
expect_rc "--since 3h" 0 "$pc" log --since 3h "$tmp/recent.log"
n=$(grep -c . "$tmp/out"); [ "$n" -eq 3 ] && ok "--since 3h: all three" || bad "--since 3h: all three" "got $n"
expect_rc "--since 1d" 0 "$pc" log --since 1d "$tmp/recent.log"
n=$(grep -c . "$tmp/out"); [ "$n" -eq 3 ] && ok "--since 1d: all three" || bad "--since 1d: all three" "got $n"

# --- stdin ---
expect_rc "stdin as -" 0 "$pc" log --rule "Deny UDP" - <verdicts.log
lines "stdin as -: same lines" 5
has "stdin: named stdin on stderr" "$tmp/err" "portcullis log: stdin: 3 unparseable lines"
expect_rc "stdin from a pipe without FILE" 0 bash -c "cat verdicts.log | '$pc' log --verdict permit"
lines "pipe: same lines" 4 10

# --- summary ---
expect_rc "--summary: exit 0" 0 "$pc" log --summary verdicts.log
same "--summary: the tables" "$tmp/out" <<'EOF'
top denied remote addresses:
       3  203.0.113.9
       1  192.0.2.99
       1  198.51.100.77
       1  2001:db8::66
       1  203.0.113.53

top denied local ports:
       2  23/tcp
       1  161/udp
       1  40001/udp
       1  445/tcp

hits per rule:
       4  deny    Deny TCP
       1  deny    (default)
       1  deny    (malformed)
       1  deny    Deny UDP
       1  deny    Say "hi"
       1  permit  DNS Client
       1  permit  SSH Server

suppressed: 150 lines in 2 reports
EOF
echo "$garbage" | same "--summary: garbage count on stderr" "$tmp/err"

expect_rc "--summary --verdict permit" 0 "$pc" log --summary --verdict permit verdicts.log
same "--summary --verdict permit: no denied tables, suppressed still counted" "$tmp/out" <<'EOF'
top denied remote addresses:
  (none)

top denied local ports:
  (none)

hits per rule:
       1  permit  DNS Client
       1  permit  SSH Server

suppressed: 150 lines in 2 reports
EOF

expect_rc "--summary --since" 0 "$pc" log --summary --since 2026-11-28T12:00:07Z verdicts.log
same "--summary --since: only later lines" "$tmp/out" <<'EOF'
top denied remote addresses:
       1  192.0.2.99
       1  198.51.100.77
       1  203.0.113.53

top denied local ports:
       1  40001/udp

hits per rule:
       1  deny    (default)
       1  deny    Deny TCP
       1  deny    Say "hi"
       1  permit  DNS Client

suppressed: 30 lines in 1 reports
EOF

# top 10: twelve addresses, the last two folded
for i in $(seq 1 12); do
	for _ in $(seq 1 $((13 - i))); do
		echo "verdict=deny rule=\"Deny TCP\" dir=in proto=tcp src=203.0.113.$i sport=1 dst=198.51.100.2 dport=$((1000 + i)) len=40"
	done
done >"$tmp/scan.log"
expect_rc "--summary of a scan" 0 "$pc" log --summary "$tmp/scan.log"
sed -n '1,4p;10,12p' "$tmp/out" >"$tmp/part"
same "--summary: top 10 and how many more" "$tmp/part" <<'EOF'
top denied remote addresses:
      12  203.0.113.1
      11  203.0.113.2
      10  203.0.113.3
       4  203.0.113.9
       3  203.0.113.10
  (2 more)
EOF
has "--summary: ports folded too" "$tmp/out" "      12  1001/tcp"
empty "--summary of a clean log: nothing on stderr" "$tmp/err"

# --- over-long and binary lines ---
{
	head -c 5000 /dev/zero | tr '\0' x; echo
	head -c 100000 /dev/zero | tr '\0' y; echo
	printf 'verdict=deny rule="a\0b" dir=in len=1 reason=x\n'
	sed -n 2p verdicts.log
	printf '%s' "$(sed -n 4p verdicts.log)" # no final newline
} >"$tmp/long.log"
expect_rc "over-long lines: exit 0" 0 "$pc" log "$tmp/long.log"
sed -n '2p;4p' verdicts.log | same "over-long lines: the good lines still read" "$tmp/out"
has "over-long lines: counted" "$tmp/err" "3 unparseable lines (first: line 1: line longer than 4096 bytes)"

# --- errors ---
expect_rc "missing file: exit 1" 1 "$pc" log "$tmp/nonexistent.log"
has "missing file: named" "$tmp/err" "nonexistent.log: No such file or directory"
expect_rc "a directory: exit 1" 1 "$pc" log "$tmp"
expect_rc "bad --verdict: exit 2" 2 "$pc" log --verdict maybe verdicts.log
has "bad --verdict: said" "$tmp/err" "'maybe' is neither permit nor deny"
expect_rc "bad --since: exit 2" 2 "$pc" log --since yesterday verdicts.log
has "bad --since: said" "$tmp/err" "--since: 'yesterday'"
expect_rc "--since without unit: exit 2" 2 "$pc" log --since 10 verdicts.log
expect_rc "--since bad date: exit 2" 2 "$pc" log --since 2026-02-30 verdicts.log
expect_rc "two files: exit 2" 2 "$pc" log verdicts.log verdicts.log
expect_rc "unknown option: exit 2" 2 "$pc" log --frobnicate verdicts.log
expect_rc "--help: exit 0" 0 "$pc" log --help
has "--help: usage" "$tmp/out" "usage: portcullis log [FILE|-|--journal] [-f]"

finish

#!/usr/bin/env bash
# CLI tests for portcullis log --follow and --journal. Usage: test_follow.sh BUILD_DIR
# --follow reads a file in a temporary directory as it grows, across a
# logrotate-style rename (a line still written to the old file included) and
# a truncation, and stops on SIGINT or SIGTERM with exit 0. --journal runs
# journalctl: here a stand-in on PATH that records its arguments and prints
# journal lines (no journald runs on a test machine; tests/system/deb.sh reads
# the real journal under systemd). Every wait is bounded.
. "$(dirname "$0")/lib.sh"

cd "$here"
log=$tmp/verdicts.log
v() { sed -n "${1}p" verdicts.log; } # line N of verdicts.log
follower=

# wait_lines FILE N: FILE has at least N lines (5 s at most)
wait_lines() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(grep -c '' "$1" 2>/dev/null)" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}
# wait_open PID FILE: PID has FILE open (5 s at most)
wait_open() {
	local i f
	for ((i = 0; i < 100; i++)); do
		for f in /proc/"$1"/fd/*; do
			[ "$(readlink "$f")" = "$2" ] && return 0
		done
		sleep 0.05
	done
	return 1
}
# start_follow ARGS...: portcullis log ARGS in the background, into $tmp/fout, $tmp/ferr
start_follow() {
	: >"$tmp/fout"
	"$pc" log "$@" >"$tmp/fout" 2>"$tmp/ferr" &
	follower=$!
}
# stop_follow NAME SIGNAL: the follower ends with exit 0 within 5 s of SIGNAL
stop_follow() {
	local i rc
	kill "-$2" "$follower"
	for ((i = 0; i < 100; i++)); do
		kill -0 "$follower" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$follower" 2>/dev/null; then
		kill -KILL "$follower"
		wait "$follower"
		bad "$1" "still running 5 s after SIG$2"
		return
	fi
	wait "$follower"
	rc=$?
	if [ "$rc" -eq 0 ]; then ok "$1"; else bad "$1" "exit $rc" "$(cat "$tmp/ferr")"; fi
}
trap '[ -n "$follower" ] && kill -KILL "$follower" 2>/dev/null; rm -rf "$tmp"' EXIT
same() { # same NAME FILE: FILE equals the text on stdin
	if diff -u - "$2" >"$tmp/diff"; then ok "$1"; else bad "$1" "$(cat "$tmp/diff")"; fi
}

# --- across a rename and a truncation ---
{ v 2; v 3; } >"$log"
start_follow --follow --verdict deny "$log"
wait_open "$follower" "$log" && ok "--follow: opens the file" || bad "--follow: opens the file"
v 4 >>"$log" # a permit: not selected
v 6 >>"$log"
wait_lines "$tmp/fout" 1 && ok "--follow: a line appended is printed" ||
	bad "--follow: a line appended is printed" "$(cat "$tmp/fout" "$tmp/ferr")"
mv "$log" "$log.1"
v 17 >>"$log.1" # written to the old file before the daemon reopens its log
printf 'verdict=deny rule="Cut' >>"$log.1" # the old file ends in a cut line
v 9 >"$log"
wait_lines "$tmp/fout" 3 && ok "--follow: the new file after a rename" ||
	bad "--follow: the new file after a rename" "$(cat "$tmp/fout" "$tmp/ferr")"
: >"$log" # copytruncate
sleep 0.5  # the follower sees the file shorter than what it read
v 13 >>"$log"
wait_lines "$tmp/fout" 4 && ok "--follow: the file again from its start after a truncation" ||
	bad "--follow: the file again from its start after a truncation" "$(cat "$tmp/fout")"
stop_follow "--follow: SIGINT ends it, exit 0" INT
{ v 6; v 17; v 9; v 13; } | same "--follow: exactly the selected lines, in order" "$tmp/fout"
has "--follow: the cut line, counted at the end" "$tmp/ferr" \
	"portcullis log: $log: 1 unparseable line (first: line 4: "

# --- --since: from the start; --summary at SIGTERM ---
{ v 1; v 2; v 3; v 4; } >"$log"
start_follow -f --since 2026-11-28T12:00:02Z --summary "$log"
wait_open "$follower" "$log" || bad "--follow --since: opens the file"
v 5 >>"$log"
sleep 0.5 # read before the signal
stop_follow "--follow --summary: SIGTERM ends it, exit 0" TERM
same "--follow --since --summary: the old lines from --since on and the new one" "$tmp/fout" <<'EOF'
top denied remote addresses:
       1  2001:db8::66
       1  203.0.113.9

top denied local ports:
       1  161/udp
       1  445/tcp

hits per rule:
       1  deny    Deny TCP
       1  deny    Deny UDP
       1  permit  SSH Server

suppressed: 0 lines in 0 reports
EOF
empty "--follow --summary: nothing on stderr" "$tmp/ferr"

# --- usage and errors ---
expect_rc "--follow without FILE: exit 2" 2 "$pc" log --follow
has "--follow without FILE: said" "$tmp/err" "--follow needs a FILE or --journal"
expect_rc "--follow -: exit 2" 2 "$pc" log --follow - </dev/null
expect_rc "--follow of a missing file: exit 1" 1 "$pc" log --follow "$tmp/missing.log"
same_text "--follow of a missing file: said" "$tmp/err" \
	"portcullis log: $tmp/missing.log: No such file or directory"
expect_rc "--journal with a FILE: exit 2" 2 "$pc" log --journal "$log"
has "--journal with a FILE: said" "$tmp/err" "--journal reads the journal: no FILE ('$log') with it"

# --- --journal: what journalctl is asked, and what comes back ---
mkdir "$tmp/bin"
cat >"$tmp/bin/journalctl" <<'EOF'
#!/bin/sh
# a stand-in for journalctl: records its arguments, prints journal lines
printf '%s\n' "$@" >"$JARGS"
printf '%s\n' \
	'2026-11-28T13:00:01+0100 web1 systemd[1]: Started portcullis.service - portcullis.' \
	'2026-11-28T13:00:02+0100 web1 portcullisd[812]: verdict=deny rule="Deny TCP" dir=in proto=tcp src=203.0.113.9 sport=51234 dst=198.51.100.2 dport=23 len=60' \
	'2026-11-28T13:00:03+0100 web1 portcullisd[812]: verdict=permit rule="SSH Server" dir=in proto=tcp src=192.0.2.10 sport=40000 dst=198.51.100.2 dport=22 len=60'
[ "$JFOLLOW" = yes ] && exec sleep 30
exit "${JSTATUS:-0}"
EOF
chmod 755 "$tmp/bin/journalctl"
export JARGS=$tmp/jargs
jpath=$tmp/bin:$PATH

PATH=$jpath expect_rc "--journal: exit 0" 0 "$pc" log --journal --verdict deny
same_text "--journal: the selected line as journalctl printed it" "$tmp/out" \
	'2026-11-28T13:00:02+0100 web1 portcullisd[812]: verdict=deny rule="Deny TCP" dir=in proto=tcp src=203.0.113.9 sport=51234 dst=198.51.100.2 dport=23 len=60'
same_text "--journal: journalctl -u portcullis.service -o short-iso, no pager" "$JARGS" \
	"$(printf '%s\n' --quiet --no-pager --output=short-iso --unit=portcullis.service)"
same_text "--journal: systemd's own line counted as unparseable" "$tmp/err" \
	"portcullis log: journal: 1 unparseable line (first: line 1: not a verdict log line)"

PATH=$jpath expect_rc "--journal --since: exit 0" 0 "$pc" log --journal --since 2026-11-28T12:00:03Z
same_text "--journal --since: handed to journalctl as @SECONDS" "$JARGS" \
	"$(printf '%s\n' --quiet --no-pager --output=short-iso --unit=portcullis.service \
		--since=@1795867203)"
has "--journal --since: and applied to the lines' times" "$tmp/out" 'rule="SSH Server"'
hasnt "--journal --since: an earlier line left out" "$tmp/out" 'rule="Deny TCP"'

JSTATUS=1 PATH=$jpath expect_rc "--journal: journalctl failing: exit 1" 1 "$pc" log --journal
has "--journal: journalctl failing: said" "$tmp/err" \
	"portcullis log: journalctl exited with status 1"
mkdir "$tmp/nojc" && ln -s "$(command -v timeout)" "$(command -v cat)" "$tmp/nojc/"
PATH=$tmp/nojc expect_rc "--journal without journalctl: exit 1" 1 "$pc" log --journal
same_text "--journal without journalctl: said" "$tmp/err" \
	"portcullis log: cannot run journalctl: No such file or directory"

JFOLLOW=yes PATH=$jpath start_follow --journal --follow --rule "SSH Server"
wait_lines "$tmp/fout" 1 && ok "--journal --follow: lines as they come" ||
	bad "--journal --follow: lines as they come" "$(cat "$tmp/ferr")"
same_text "--journal --follow: journalctl -f from now on" "$JARGS" \
	"$(printf '%s\n' --quiet --no-pager --output=short-iso --unit=portcullis.service \
		--follow --lines=0)"
# the stand-in, exec'd into sleep
for ((i = 0; i < 100; i++)); do
	jpid=$(pgrep -P "$follower" -x sleep) && break
	sleep 0.05
done
stop_follow "--journal --follow: SIGTERM ends it, exit 0" TERM
if [ -n "$jpid" ] && ! kill -0 "$jpid" 2>/dev/null; then ok "--journal --follow: journalctl stopped too"
else bad "--journal --follow: journalctl stopped too" "pid '$jpid' still there"; kill "$jpid" 2>/dev/null; fi
JFOLLOW=yes PATH=$jpath start_follow --journal -f --since 2026-11-28T12:00:00Z
wait_lines "$tmp/fout" 2 || bad "--journal -f --since: lines"
stop_follow "--journal -f --since: SIGINT ends it, exit 0" INT
same_text "--journal -f --since: journalctl -f from then, every line" "$JARGS" \
	"$(printf '%s\n' --quiet --no-pager --output=short-iso --unit=portcullis.service \
		--since=@1795867200 --follow --no-tail)"

finish

#!/usr/bin/env bash
# CLI tests for the bash completion (tools/portcullis.bash-completion): the
# completion function is called as bash calls it, with COMP_WORDS and
# COMP_CWORD, and its COMPREPLY compared. It must offer every subcommand and
# option the built program's usage names, and the policy's rule names.
# Usage: test_completion.sh BUILD_DIR
. "$(dirname "$0")/lib.sh"
comp="$here/../../tools/portcullis.bash-completion"
shipped="$here/../../conf/portcullis.conf"

# shellcheck source=/dev/null
. "$comp" || { bad "source $comp"; finish; exit; }
ok "the completion file loads"

# complete WORD...: COMPREPLY for a command line whose last word is the one
# being completed, one candidate a line in $tmp/reply.
complete_line() {
	COMP_WORDS=(portcullis "$@")
	COMP_CWORD=$#
	COMP_LINE="portcullis $*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_portcullis portcullis "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	if ((${#COMPREPLY[@]})); then printf '%s\n' "${COMPREPLY[@]}"; fi | sort >"$tmp/reply"
}
# expect NAME WANT...: the reply is exactly WANT (in any order).
expect() {
	local name=$1
	shift
	if (($#)); then printf '%s\n' "$@"; fi | sort >"$tmp/want"
	if cmp -s "$tmp/want" "$tmp/reply"; then ok "$name"
	else bad "$name" "wanted:" "$(cat "$tmp/want")" "got:" "$(cat "$tmp/reply")"; fi
}
# offers NAME WORD: the reply holds WORD.
offers() {
	if grep -qxF -- "$2" "$tmp/reply"; then ok "$1"
	else bad "$1" "no '$2' in:" "$(cat "$tmp/reply")"; fi
}

complete -F _portcullis portcullis 2>/dev/null
[ "$(complete -p portcullis 2>/dev/null)" = "complete -F _portcullis portcullis" ] &&
	ok "registered for portcullis" || bad "registered for portcullis" "$(complete -p portcullis)"

# The subcommands and options the program itself lists.
subs=$("$pc" -h | sed -n 's/^  portcullis \([a-z]*\) .*/\1/p')
[ -n "$subs" ] || bad "portcullis -h lists subcommands" "$("$pc" -h)"
complete_line ""
for s in $subs; do
	offers "subcommand $s (from portcullis -h)" "$s"
done
[ "$(wc -l <"$tmp/reply")" -eq $(($(wc -w <<<"$subs") + 2)) ] &&
	ok "no subcommand portcullis -h does not list (besides -h, --help)" ||
	bad "no subcommand portcullis -h does not list" "$(cat "$tmp/reply")"
for s in $subs; do
	for o in $("$pc" "$s" -h | head -1 | grep -oE -- '(^|[[ |])--?[a-z][a-z-]*' | tr -d '[ |'); do
		complete_line "$s" "$o"
		offers "$s $o (from portcullis $s -h)" "$o"
	done
	complete_line "$s" "-h"
	offers "$s -h" "-h"
done

complete_line en
expect "en -> enable" enable
complete_line hooks ""
expect "hooks: up or down" up down
complete_line hooks --c
expect "hooks --c: its long options" --config --cpu-fanout
complete_line log --verdict ""
expect "log --verdict: permit or deny" permit deny
complete_line log --s
expect "log --s: --since, --summary" --since --summary
complete_line log --f
expect "log --f: --follow" --follow
complete_line log --journal --f
expect "log --journal --f: --follow" --follow
complete_line log --journal ""
expect "log --journal: no FILE after it"

# Rule names, from the policy -c names (spaces and parentheses escaped).
complete_line enable -c "$shipped" HT
expect "enable HT<TAB>: the HTTP rules, escaped" 'HTTP\ Client' 'HTTP\ Server' \
	'HTTPS\ Client' 'HTTPS\ Server'
complete_line disable -c "$shipped" 'HTTP\ S'
expect "disable HTTP\\ S<TAB>: HTTP Server" 'HTTP\ Server'
complete_line enable -c "$shipped" '"HTTP S'
expect "enable \"HTTP S<TAB>: unescaped in a quoted word" 'HTTP Server'
complete_line enable -c "$shipped" "DNS Client" 'DNS\ Client\ ('
expect "a second name, its parentheses escaped" 'DNS\ Client\ \(tcp\)'
complete_line enable -c "$shipped" ""
n=$(grep -c '^\[' "$shipped")
[ "$(wc -l <"$tmp/reply")" -eq $((n - 1)) ] && ok "every rule, not [portcullis] ($((n - 1)))" ||
	bad "every rule, not [portcullis]" "$(wc -l <"$tmp/reply") of $((n - 1))"
hasnt "[portcullis] is no rule" "$tmp/reply" "portcullis"
complete_line enable -c "$tmp/none.conf" HT
expect "no policy file: no names, no error"

complete_line explain --pcap x.pcap --l
expect "explain --l: --local" --local
complete_line explain --local ""
expect "explain --local ADDRS: nothing to offer"
complete_line diff --
expect "diff --: its long options" --pcap --local --flows --log --help

# Files after -c.
: >"$tmp/pol-a.conf"
: >"$tmp/pol-b.conf"
complete_line check -c "$tmp/pol-"
expect "check -c FILE: file names" "$tmp/pol-a.conf" "$tmp/pol-b.conf"
complete_line diff "$tmp/pol-"
expect "diff OLD NEW: file names" "$tmp/pol-a.conf" "$tmp/pol-b.conf"
complete_line diff a.conf b.conf --pcap "$tmp/pol-"
expect "diff --pcap FILE: file names" "$tmp/pol-a.conf" "$tmp/pol-b.conf"

finish

#!/usr/bin/env bash
# Man page tests. Usage: test_man.sh BUILD_DIR
# - every page of docs/man renders with groff and man without a warning;
# - portcullis.conf(5)'s worked example holds: its policy passes
#   `portcullis check` and every packet gets the verdict and rule the page says;
# - portcullis(8) documents exactly the subcommands the program knows, and
#   the options of `portcullis log`; portcullisd(8) the options of portcullisd.
. "$(dirname "$0")/lib.sh"
man_dir=$(cd "$here/../../docs/man" && pwd)

# same NAME A B: the sorted word lists in files A and B are equal
same_set() {
	if diff <(sort -u "$2") <(sort -u "$3") >"$tmp/diff"; then ok "$1"; else bad "$1" "$(cat "$tmp/diff")"; fi
}

for tool in groff man; do
	command -v "$tool" >/dev/null || { bad "$tool is installed (apt-get install groff-base man-db)"; }
done

# --- every page renders without a warning ---
for page in portcullis.8 portcullisd.8 portcullis.conf.5; do
	f="$man_dir/$page"
	if [ ! -f "$f" ]; then
		bad "$page exists"
		continue
	fi
	if groff -man -Tutf8 -ww -z "$f" 2>"$tmp/err" && [ ! -s "$tmp/err" ]; then
		ok "$page: groff -ww without warnings"
	else
		bad "$page: groff -ww without warnings" "$(cat "$tmp/err")"
	fi
	if MANWIDTH=80 man --warnings=w -l "$f" >"$tmp/out" 2>"$tmp/err" && [ ! -s "$tmp/err" ] &&
		grep -q '^NAME' "$tmp/out"; then
		ok "$page: man -l renders it"
	else
		bad "$page: man -l renders it" "$(cat "$tmp/err")"
	fi
done
for page in "$man_dir"/*; do
	case $page in *.5 | *.8) ;; *) bad "docs/man holds only .5 and .8 pages" "$page" ;; esac
done

# --- portcullis.conf(5): the worked example ---
conf5="$man_dir/portcullis.conf.5"
unroff() { sed -e 's/\\-/-/g' -e 's/\\e/\\/g' -e 's/\\&//g'; }
sed -n '/^\.\\" begin policy/,/^\.\\" end policy/p' "$conf5" | grep -v '^\.' | unroff >"$tmp/example.conf"
if "$pc" check -c "$tmp/example.conf" >"$tmp/out" 2>"$tmp/err" && [ ! -s "$tmp/err" ]; then
	ok "portcullis.conf(5): the example policy checks clean"
else
	bad "portcullis.conf(5): the example policy checks clean" "$(cat "$tmp/err")"
fi
: >"$tmp/packets"
: >"$tmp/want"
state=none
while IFS= read -r line; do
	case $state,$line in
	*,.TP) state=tag ;;
	tag,.B\ *)
		printf '%s\n' "${line#.B }" | unroff >>"$tmp/packets"
		state=result
		;;
	result,*)
		rest=${line#'\(-> '}
		verdict=${rest%% *}
		rest=${rest#* by }
		if [[ $rest == 'the default'* ]]; then
			rule=-
		else
			rule=${rest#'\(lq'}
			rule=${rule%%'\(rq'*}
		fi
		printf '%s\t%s\n' "$verdict" "$rule" >>"$tmp/want"
		state=none
		;;
	esac
done < <(sed -n '/^\.\\" begin packets/,/^\.\\" end packets/p' "$conf5")
n=$(wc -l <"$tmp/packets")
[ "$n" -ge 10 ] && ok "portcullis.conf(5): $n example packets found" ||
	bad "portcullis.conf(5): example packets found" "only $n"
"$pc" explain --verify --format short -c "$tmp/example.conf" <"$tmp/packets" >"$tmp/got" 2>"$tmp/err"
if diff -u "$tmp/want" "$tmp/got" >"$tmp/diff"; then
	ok "portcullis.conf(5): every example packet decided as the page says"
else
	bad "portcullis.conf(5): every example packet decided as the page says" "$(cat "$tmp/diff")" \
		"$(cat "$tmp/err")"
fi

# --- portcullis(8): the subcommands ---
page8="$man_dir/portcullis.8"
"$pc" -h | sed -n 's/^  portcullis \([a-z]*\).*/\1/p' >"$tmp/known"
[ -s "$tmp/known" ] && ok "portcullis -h lists subcommands" || bad "portcullis -h lists subcommands"
sed -n '/^\.SH COMMANDS/,/^\.SH /p' "$page8" | sed -n 's/^\.SS "\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' |
	tr ',' '\n' | tr -d ' ' >"$tmp/sections"
same_set "portcullis(8): a COMMANDS section per subcommand, no other" "$tmp/known" "$tmp/sections"
sed -n '/^\.SH SYNOPSIS/,/^\.SH /p' "$page8" | sed -n 's/^\.B portcullis \([a-z]*\).*/\1/p' >"$tmp/synopsis"
same_set "portcullis(8): the SYNOPSIS names every subcommand, no other" "$tmp/known" "$tmp/synopsis"
"$pc" log -h | grep -o -- '--[a-z]*' | grep -vx -- '--help\|--version' >"$tmp/logopts"
sed -n '/^\.SS log/,/^\.SH /p' "$page8" | grep -o -- '^\.[BI]* *\\-\\-[a-z]*' |
	sed 's/.*\\-\\-/--/' >"$tmp/logdoc"
same_set "portcullis(8): the options of portcullis log" "$tmp/logopts" "$tmp/logdoc"

# --- portcullisd(8): the options ---
if [ -x "$build/portcullisd" ]; then
	"$build/portcullisd" -h | sed -n 's/^  \(-[a-zA-Z]\), \(--[a-z-]*\).*/\1 \2/p' >"$tmp/dopts"
	sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$man_dir/portcullisd.8" |
		sed -n 's/^\.BR \\\(-[a-zA-Z]\) ", " \\-\\\(-[a-z\\-]*\).*/\1 -\2/p' |
		sed 's/\\-/-/g' >"$tmp/ddoc"
	[ -s "$tmp/dopts" ] && same_set "portcullisd(8): the options of portcullisd" "$tmp/dopts" "$tmp/ddoc" ||
		bad "portcullisd -h lists options"
else
	skip "portcullisd(8): the options of portcullisd (no $build/portcullisd)"
fi

finish

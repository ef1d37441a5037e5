# lib.sh - shared harness of the CLI tests (sourced by each, never run).
#
# A test starts with `. "$(dirname "$0")/lib.sh"`; its first argument is the
# build directory (default: build). Then:
#   here   this directory (tests/cli), absolute
#   build  the build directory, absolute; pc, the CLI in it
#   tmp    a fresh temporary directory, removed on exit (a test that sets its
#          own EXIT trap removes it there)
# and the checks below print PASS NAME or FAIL NAME with the details; finish
# prints the counts and fails when a check did.
set -uo pipefail
# The lockout guard looks at the SSH session a command runs in: the tests
# give one explicitly where they mean to.
unset SSH_CONNECTION
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build}" && pwd)
pc="$build/portcullis"
tmp=$(mktemp -d "/tmp/pc-cli-$(basename "$0" .sh).XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0 passes=0 skips=0

ok() { passes=$((passes + 1)); echo "PASS $1"; }
bad() { fails=$((fails + 1)); echo "FAIL $1"; shift; printf '  %s\n' "$@"; }
skip() { skips=$((skips + 1)); echo "SKIPPED $1"; }

# expect_rc NAME WANT_RC CMD...: runs CMD (30 s at most), output in $tmp/out, $tmp/err
expect_rc() {
	local name=$1 want=$2; shift 2
	timeout 30 "$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$name"
	else bad "$name" "exit $rc, wanted $want" "$(cat "$tmp/out" "$tmp/err")"; fi
}
has() { # has NAME FILE TEXT
	if grep -qF -- "$3" "$2"; then ok "$1"; else bad "$1" "no '$3' in:" "$(cat "$2")"; fi
}
hasnt() { # hasnt NAME FILE TEXT
	if grep -qF -- "$3" "$2"; then bad "$1" "unexpected '$3' in:" "$(cat "$2")"; else ok "$1"; fi
}
same_text() { # same_text NAME FILE TEXT: FILE holds exactly TEXT (and a newline)
	if [ "$(cat "$2")" = "$3" ]; then ok "$1"; else bad "$1" "wanted:" "$3" "got:" "$(cat "$2")"; fi
}
empty() { # empty NAME FILE
	if [ ! -s "$2" ]; then ok "$1"; else bad "$1" "not empty:" "$(cat "$2")"; fi
}

# finish: the counts; fails (status 1) when a check failed.
finish() {
	printf '\n%d passed, %d failed' "$passes" "$fails"
	[ "$skips" -eq 0 ] || printf ', %d skipped' "$skips"
	printf '\n'
	[ "$fails" -eq 0 ]
}

#!/bin/bash
# run.sh - runs the end-to-end tests (all, or those named) and prints
# PASS / FAIL / SKIPPED for each, the output of each failure, and a closing
# "N passed, N failed, N skipped" line. Exits 1 when any test failed, or
# when any was skipped and PC_E2E_STRICT=1 (as .ci/run sets it).
#
#   tests/e2e/run.sh [BUILD_DIR] [TEST...]      e.g. run.sh build hooks traffic
#
# BUILD_DIR (or $PC_BIN_DIR; default: build/ at the top of the tree) holds
# portcullis and portcullisd.
# Each test is bounded by PC_E2E_TIMEOUT seconds (default 120) on top of its
# own limit. PC_E2E_VERBOSE=1 prints every test's full output.
dir=$(cd "$(dirname "$0")" && pwd)
limit=${PC_E2E_TIMEOUT:-120}
if [ $# -gt 0 ] && [ -d "$1" ]; then
	PC_BIN_DIR=$1
	shift
fi
if [ -n "${PC_BIN_DIR:-}" ]; then
	PC_BIN_DIR=$(cd "$PC_BIN_DIR" && pwd) || exit 2
	export PC_BIN_DIR
fi

tests=()
if [ $# -gt 0 ]; then
	for t in "$@"; do
		t=$(basename "$t" .sh)
		[ -f "$dir/$t.sh" ] || { echo "run.sh: no test $t" >&2; exit 2; }
		tests+=("$t")
	done
else
	for f in "$dir"/*.sh; do
		t=$(basename "$f" .sh)
		[ "$t" = lib ] || [ "$t" = run ] || tests+=("$t")
	done
fi

pass=0 fail=0 skip=0
failed=()
out=$(mktemp /tmp/pc-e2e-run.XXXXXX) || exit 2
trap 'rm -f "$out"' EXIT
start_all=$SECONDS
for t in "${tests[@]}"; do
	start=$SECONDS
	timeout -k 5 "$limit" bash "$dir/$t.sh" >"$out" 2>&1
	rc=$?
	secs=$((SECONDS - start))
	if [ "${PC_E2E_VERBOSE:-0}" = 1 ]; then
		sed "s/^/    /" "$out"
	fi
	case $rc in
	0)
		pass=$((pass + 1))
		printf 'PASS     %-12s (%ds)\n' "$t" "$secs"
		;;
	77)
		skip=$((skip + 1))
		printf 'SKIPPED  %-12s %s\n' "$t" "$(grep -m1 '^SKIPPED' "$out" | cut -d: -f2-)"
		;;
	*)
		fail=$((fail + 1))
		failed+=("$t")
		[ "$rc" -eq 124 ] && echo "    (killed after ${limit}s)" >>"$out"
		printf 'FAIL     %-12s (%ds, exit %d)\n' "$t" "$secs" "$rc"
		if [ "${PC_E2E_VERBOSE:-0}" != 1 ]; then
			grep -v '^ok - ' "$out" | sed "s/^/    /"
		fi
		;;
	esac
done
echo "e2e: $((SECONDS - start_all))s${failed:+, failed: ${failed[*]}}"
echo "$pass passed, $fail failed, $skip skipped"
if [ "$skip" -gt 0 ] && [ "${PC_E2E_STRICT:-0}" = 1 ]; then
	echo "e2e: PC_E2E_STRICT=1: a skipped test is a failure here (a tool is missing, or not root)"
	exit 1
fi
[ "$fail" -eq 0 ]

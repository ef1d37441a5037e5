#!/bin/bash
# run.sh - the fault tests (each in network namespaces of its own, with the
# end-to-end tests' harness, tests/e2e/lib.sh): PASS / FAIL / SKIPPED for
# each and a closing count. Exits 1 when any failed, or when any was skipped
# and PC_E2E_STRICT=1 (as .ci/run sets it).
#
#   tests/faults/run.sh [BUILD_DIR] [TEST...]
dir=$(cd "$(dirname "$0")" && pwd)
limit=${PC_E2E_TIMEOUT:-180}
if [ $# -gt 0 ] && [ -d "$1" ]; then
	PC_BIN_DIR=$(cd "$1" && pwd) || exit 2
	export PC_BIN_DIR
	shift
fi
tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
	for f in "$dir"/*.sh; do
		[ "$(basename "$f")" = run.sh ] || tests+=("$(basename "$f" .sh)")
	done
fi
pass=0 fail=0 skip=0
out=$(mktemp /tmp/pc-faults-run.XXXXXX) || exit 2
trap 'rm -f "$out"' EXIT
for t in "${tests[@]}"; do
	start=$SECONDS
	timeout -k 5 "$limit" bash "$dir/$t.sh" >"$out" 2>&1
	rc=$?
	case $rc in
	0)
		pass=$((pass + 1))
		printf 'PASS     %-12s (%ds)\n' "$t" $((SECONDS - start)) ;;
	77)
		skip=$((skip + 1))
		printf 'SKIPPED  %-12s %s\n' "$t" "$(grep -m1 '^SKIPPED' "$out" | cut -d: -f2-)" ;;
	*)
		fail=$((fail + 1))
		printf 'FAIL     %-12s (exit %d)\n' "$t" "$rc"
		grep -v '^ok - ' "$out" | sed 's/^/    /' ;;
	esac
done
echo "$pass passed, $fail failed, $skip skipped"
if [ "$skip" -gt 0 ] && [ "${PC_E2E_STRICT:-0}" = 1 ]; then
	echo "faults: PC_E2E_STRICT=1: a skipped test is a failure here"
	exit 1
fi
[ "$fail" -eq 0 ]

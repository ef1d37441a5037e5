#!/usr/bin/env bash
# The test suite: build with warnings as errors, unit tests, unit tests again
# under ASan+UBSan (gcc, then everything built by clang), the fuzz targets for
# FUZZ_SECONDS (30) each, CLI tests, end-to-end and fault tests in network
# namespaces, the system test (the Debian package under systemd in a
# container). Every
# part runs even when one before it failed (a build failure stops it); the
# last line counts the whole suite: "N passed, N failed" (test programs,
# CLI test scripts and end-to-end tests), and the exit status is 1 when
# anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}
passed=0 failed=0 skipped=0
failures=()

step() { printf '\n=== %s ===\n' "$*"; }
die() { echo "tests/run.sh: $*" >&2; echo "$passed passed, $((failed + 1)) failed"; exit 1; }
count() { # count NAME PASSED FAILED [SKIPPED]
	passed=$((passed + $2))
	failed=$((failed + $3))
	skipped=$((skipped + ${4:-0}))
	[ "$3" -eq 0 ] || failures+=("$1")
}
# ctest_in DIR NAME [ENV...]: runs ctest there and counts its tests
ctest_in() {
	local d=$1 name=$2 log total bad
	shift 2
	log=$(mktemp /tmp/pc-run-ctest.XXXXXX)
	(cd "$d" && env "$@" ctest -L unit --output-on-failure) 2>&1 | tee "$log"
	total=$(sed -n 's/.* tests failed out of \([0-9]*\)$/\1/p' "$log" | tail -1)
	bad=$(sed -n 's/.*, \([0-9]*\) tests failed out of .*/\1/p' "$log" | tail -1)
	rm -f "$log"
	[ -n "$total" ] || { count "$name" 0 1; return; }
	count "$name" $((total - bad)) "$bad"
}
# e2e ARGS...: tests/e2e/run.sh, counted from its closing line
e2e() {
	local log line rc
	log=$(mktemp /tmp/pc-run-e2e.XXXXXX)
	bash tests/e2e/run.sh "$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" | tail -1)
	rm -f "$log"
	if [ -z "$line" ]; then count "e2e $*" 0 1; return; fi
	set -- $line
	count "e2e" "$1" "$3" "$5"
	# PC_E2E_STRICT=1: a skip fails the run; run.sh says so
	[ "$rc" -eq 0 ] || [ "$3" -ne 0 ] || count "e2e (strict: skipped tests)" 0 1
}

step "build (warnings are errors)"
cmake -S . -B build -DPC_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || die "cmake failed"
cmake --build build -j"$jobs" || die "build failed"

step "unit tests"
ctest_in build "unit tests"

step "unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build-asan -DPC_WERROR=ON -DPC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null ||
	die "cmake (asan) failed"
cmake --build build-asan -j"$jobs" || die "build (asan) failed"
ctest_in build-asan "unit tests (asan)" ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

step "everything built by clang, unit and CLI tests under ASan + UBSan"
# clang's UBSan checks what gcc's does not (pointer arithmetic on NULL, for one).
if CC=clang cmake -S . -B build-clang -DPC_WERROR=ON -DPC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
	>/dev/null && cmake --build build-clang -j"$jobs"; then
	ctest_in build-clang "unit tests (clang)" ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	rc=0
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		bash tests/cli/run.sh build-clang || rc=$?
	if [ "$rc" -eq 0 ]; then count "CLI tests (clang)" 1 0; else count "CLI tests (clang)" 0 1; fi
else
	count "build (clang)" 0 1
fi

step "fuzz targets (libFuzzer, clang, ASan + UBSan), ${FUZZ_SECONDS:-30} s each"
rc=0
FUZZ_SECONDS=${FUZZ_SECONDS:-30} bash fuzz/run.sh || rc=$?
if [ "$rc" -eq 0 ]; then count "fuzz" 1 0; else count "fuzz" 0 1; fi

step "CLI tests"
for t in tests/cli/run.sh tests/cli/test_*.sh; do
	echo "--- $t"
	rc=0
	bash "$t" build || rc=$?
	case $rc in
	0) count "$t" 1 0 ;;
	77) echo "SKIPPED $t (needs root)"; count "$t" 0 0 1 ;;
	*) echo "FAIL $t (exit $rc)"; count "$t" 0 1 ;;
	esac
done

step "end-to-end tests (network namespaces)"
e2e build

step "multi-queue daemon under ASan and TSan"
e2e build-asan multiqueue
if cmake -S . -B build-tsan -DPC_WERROR=ON -DPC_TSAN=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null &&
	cmake --build build-tsan -j"$jobs" --target portcullisd portcullis-cli test_grace; then
	if build-tsan/test_grace; then count test_grace-tsan 1 0; else count test_grace-tsan 0 1; fi
	e2e build-tsan multiqueue
else
	count "build (tsan)" 0 1
fi

step "fault tests (network namespaces)"
rc=0
bash tests/faults/run.sh build || rc=$?
case $rc in
0) count "fault tests" 1 0 ;;
77) count "fault tests" 0 0 1 ;;
*) count "fault tests" 0 1 ;;
esac

step "system test: the Debian package under systemd (tests/system)"
rc=0
bash tests/system/deb.sh || rc=$?
case $rc in
0) count "system test" 1 0 ;;
77)
	count "system test" 0 0 1
	if [ "${PC_E2E_STRICT:-0}" = 1 ]; then
		echo "system: PC_E2E_STRICT=1: a skipped test is a failure here (a tool is missing, or not root)"
		count "system test (strict: skipped)" 0 1
	fi
	;;
*) echo "FAIL tests/system/deb.sh (exit $rc)"; count "system test" 0 1 ;;
esac

step "total"
((${#failures[@]} == 0)) || echo "failed: ${failures[*]}"
printf '%d passed, %d failed' "$passed" "$failed"
[ "$skipped" -eq 0 ] || printf ', %d skipped' "$skipped"
printf '\n'
[ "$failed" -eq 0 ]

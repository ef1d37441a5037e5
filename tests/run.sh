#!/usr/bin/env bash
# The test suite: build with warnings as errors, unit tests, unit tests again
# under ASan+UBSan (gcc, then everything built by clang), the fuzz targets for
# FUZZ_SECONDS (30) each, CLI tests, end-to-end and fault tests in network
# namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}

step() { printf '\n=== %s ===\n' "$*"; }

step "build (warnings are errors)"
cmake -S . -B build -DPC_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"

step "unit tests"
(cd build && ctest --output-on-failure)

step "unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build-asan -DPC_WERROR=ON -DPC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j"$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure)

step "everything built by clang, unit and CLI tests under ASan + UBSan"
# clang's UBSan checks what gcc's does not (pointer arithmetic on NULL, for one).
CC=clang cmake -S . -B build-clang -DPC_WERROR=ON -DPC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-clang -j"$jobs"
(cd build-clang && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure)
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	bash tests/cli/run.sh build-clang

step "fuzz targets (libFuzzer, clang, ASan + UBSan), ${FUZZ_SECONDS:-30} s each"
FUZZ_SECONDS=${FUZZ_SECONDS:-30} bash fuzz/run.sh

step "CLI tests"
for t in tests/cli/run.sh tests/cli/test_*.sh; do
	echo "--- $t"
	rc=0
	bash "$t" build || rc=$?
	case $rc in
	0) ;;
	77) echo "SKIPPED $t (needs root)" ;;
	*) echo "FAIL $t (exit $rc)"; exit 1 ;;
	esac
done

step "end-to-end tests (network namespaces)"
bash tests/e2e/run.sh build

step "fault tests (network namespaces)"
bash tests/faults/run.sh build

step "multi-queue daemon under ASan and TSan"
bash tests/e2e/run.sh build-asan multiqueue
cmake -S . -B build-tsan -DPC_WERROR=ON -DPC_TSAN=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-tsan -j"$jobs" --target portcullisd portcullis-cli test_grace
build-tsan/test_grace
bash tests/e2e/run.sh build-tsan multiqueue

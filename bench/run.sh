#!/bin/bash
# bench/run.sh - the whole benchmark: build, the classifier, end to end.
#
# usage: bash bench/run.sh        (as root for the end-to-end part)
# Environment: BUILD_DIR (default build) is configured here and the programs
# the benchmark runs are built in it;
# everything bench/e2e.sh reads (ROUNDS, RELOADS, ...) passes through.
# Prints the machine, then bench_classify's table, bench/explain.sh's,
# bench/e2e.sh's, then bench/stateful.sh's (when iperf3, nginx, ab are here).
# Exit status: the first failure of the build, bench_classify or e2e.sh.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-build}
case $BUILD_DIR in /*) ;; *) BUILD_DIR=$ROOT/$BUILD_DIR ;; esac

machine() {
	printf 'machine: %s CPUs, %s, kernel %s, %s\n' "$(nproc)" \
		"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" \
		"$(uname -r)" "$(date -u '+%Y-%m-%d %H:%M UTC')"
	printf 'load average before the run: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
}

log=$(mktemp /tmp/pc-bench-build.XXXXXX) || exit 1
if ! { cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPC_BENCH=ON &&
	cmake --build "$BUILD_DIR" -j"$(nproc)" --target bench_classify portcullis-cli portcullisd \
		nfq_floor udp_flood reload_timer; } >"$log" 2>&1; then
	tail -n 30 "$log" >&2
	echo "bench/run.sh: the build failed" >&2
	rm -f "$log"
	exit 1
fi
rm -f "$log"
machine
printf '\n== Classifier (bench_classify) ==\n'
"$BUILD_DIR/bench_classify" || exit 1
printf '\n== portcullis explain at scale (bench/explain.sh) ==\n'
bash "$ROOT/bench/explain.sh" "$BUILD_DIR"
erc=$?
printf '\n== End to end and reload under load (bench/e2e.sh) ==\n'
PC_BIN_DIR=$BUILD_DIR bash "$ROOT/bench/e2e.sh"
rc=$?
if command -v iperf3 >/dev/null && command -v ab >/dev/null && PATH=$PATH:/usr/sbin command -v nginx >/dev/null; then
	printf '\n== Connections, stateful = yes (bench/stateful.sh) ==\n'
	PC_BIN_DIR=$BUILD_DIR bash "$ROOT/bench/stateful.sh" || rc=${rc:-1}
else
	printf '\n== Connections: skipped, iperf3, nginx and ab are not installed ==\n'
fi
[ "$rc" -ne 0 ] || rc=$erc
printf 'load average after the run: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
exit "$rc"

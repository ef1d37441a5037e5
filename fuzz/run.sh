#!/usr/bin/env bash
# fuzz/run.sh - builds the libFuzzer targets of fuzz/ with clang (ASan+UBSan)
# and runs each for a bounded time; fails on any finding (a crash, a
# sanitizer report, a property that does not hold, a timeout, a leak).
#
#   bash fuzz/run.sh [TARGET...]     every fuzz/fuzz_*.c target by default
#
# FUZZ_SECONDS  seconds per target (default 60)
# FUZZ_BUILD    build directory (default build-fuzz)
# FUZZ_WORK     corpora and findings (default $FUZZ_BUILD/work): a corpus
#               grows over runs; seeds come from tests/data, tests/cli, conf,
#               and fuzz/regress/TARGET (past findings, fixed)
# JOBS          build jobs (default 2)
#
# A finding is left as $FUZZ_WORK/TARGET/crash-* (or leak-, timeout-, oom-);
# replay it with: $FUZZ_BUILD/fuzz/TARGET FILE
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
build=${FUZZ_BUILD:-build-fuzz}
work=${FUZZ_WORK:-$build/work}
jobs=${JOBS:-2}

if [ $# -gt 0 ]; then
	targets=("$@")
else
	targets=()
	for f in fuzz/fuzz_*.c; do targets+=("$(basename "$f" .c)"); done
fi

CC=clang cmake -S . -B "$build" -DPC_WERROR=ON -DPC_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	>/dev/null
cmake --build "$build" -j"$jobs" --target "${targets[@]}"

# seeds TARGET DIR: the seed corpus of a target, made from the tree's test data
seeds() {
	local t=$1 dir=$2 i=0 f line
	mkdir -p "$dir"
	case $t in
	fuzz_loader | fuzz_polline)
		for f in tests/data/*.conf tests/cli/*.conf conf/portcullis.conf; do
			cp "$f" "$dir/seed-$(basename "$f")"
		done ;;
	fuzz_confedit) # a control byte (on/off, which rule), then the policy
		for f in tests/data/*.conf tests/cli/*.conf conf/portcullis.conf; do
			{ printf '\x00'; cat "$f"; } >"$dir/seed-off-$(basename "$f")"
			{ printf '\x07'; cat "$f"; } >"$dir/seed-on-$(basename "$f")"
		done ;;
	fuzz_logread)
		while IFS= read -r line; do
			i=$((i + 1))
			printf '%s\n' "$line" >"$dir/seed-verdicts-$i"
		done <tests/cli/verdicts.log ;;
	fuzz_pktline)
		while IFS= read -r line; do
			i=$((i + 1))
			printf '%s\n' "$line" >"$dir/seed-packets-$i"
		done <tests/cli/packets.txt ;;
	fuzz_packet | fuzz_nfqmsg | fuzz_vlog_roundtrip)
		python3 fuzz/seeds.py "$t" "$dir" ;;
	fuzz_pcap) # the CLI test's capture in every framing it reads
		for f in en10mb vlan sll sll2 raw ipv4 pcapng; do
			python3 tests/cli/mkpcap.py "$f" "$dir/seed-$f.pcap"
		done ;;
	esac
	# findings of the past, fixed: they must stay fixed
	[ -d "fuzz/regress/$t" ] && cp fuzz/regress/"$t"/* "$dir/" || true
}

fail=0
for t in "${targets[@]}"; do
	dir=$work/$t
	seeds "$t" "$dir/corpus"
	echo "--- $t: ${secs} s"
	rc=0
	(cd "$dir" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$OLDPWD/$build/fuzz/$t" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 \
		-max_len=4096 -print_final_stats=1 corpus >log 2>&1) || rc=$?
	grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$dir/log" || true
	if [ "$rc" -ne 0 ]; then
		echo "FAIL $t (exit $rc): finding in $dir, log $dir/log"
		grep -E 'property failed|ERROR:|MISMATCH|SUMMARY' "$dir/log" | head -5 || true
		fail=1
	else
		echo "PASS $t"
	fi
done
exit $fail

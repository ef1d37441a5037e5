#!/bin/bash
# bench/explain.sh - portcullis explain at scale: 300,000 packet lines
# against a 100-rule and a 100,000-rule policy (a blocklist), policy load
# excluded. Target (docs/performance.md): the large policy within 1.5 x the
# time of the small one.
#
# usage: bash bench/explain.sh [BUILD_DIR]   (default build; needs portcullis)
# Environment: LINES (300000), RUNS (3: each time is the median of RUNS),
# SMALL and LARGE (100 and 100000: the rules of the two policies).
# The load time of each policy is measured alone (explain with no input)
# and subtracted. Prints one row per policy and the ratio; exit 1 when the
# target is missed.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${1:-${BUILD_DIR:-build}}
case $BUILD_DIR in /*) ;; *) BUILD_DIR=$ROOT/$BUILD_DIR ;; esac
PC=$BUILD_DIR/portcullis
NLINES=${LINES:-300000}
RUNS=${RUNS:-3}
SMALL=${SMALL:-100}
LARGE=${LARGE:-100000}
[ -x "$PC" ] || { echo "bench/explain.sh: no $PC (build it first)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/pc-bench-explain.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

# policy N: an APS-style server (SSH, HTTP, DNS, Deny TCP/UDP) and a
# blocklist: N - 6 rules, each denying one address of 198.18.0.0/15.
policy() {
	awk -v n="$1" 'BEGIN {
		print "[portcullis]\ndefault = deny\n"
		print "[Deny TCP]\naction = deny\nprotocol = tcp\n"
		print "[Deny UDP]\naction = deny\nprotocol = udp\n"
		print "[SSH Server]\naction = permit\nprotocol = tcp\nlocal-port = 22\n"
		print "[HTTP Server]\naction = permit\nprotocol = tcp\nlocal-port = 80,443\n"
		print "[DNS Client]\naction = permit\nprotocol = udp\nremote-port = 53\n"
		print "[ICMP]\naction = permit\nprotocol = icmp\n"
		for (i = 0; i < n - 6; i++)
			printf "[Block %d]\naction = deny\nremote-address = 198.%d.%d.%d\n\n", i,
				18 + int(i / 65536), int(i / 256) % 256, i % 256
	}'
}

# The packets: in to the server's ports from the blocklist's range (about
# three in four listed), from 203.0.113.0/24, and some UDP and ICMP.
packets() {
	awk -v n="$NLINES" 'BEGIN {
		srand(12345)
		split("22 80 443 25 3389", port, " ")
		for (i = 0; i < n; i++) {
			r = int(rand() * 100)
			src = r < 70 ? sprintf("198.%d.%d.%d", 18 + int(rand() * 2), int(rand() * 256),
					       int(rand() * 256)) : sprintf("203.0.113.%d", int(rand() * 256))
			if (r % 10 == 0)
				printf "in udp %s 198.51.100.2 53 %d\n", src, 1024 + int(rand() * 60000)
			else if (r % 10 == 1)
				printf "in icmp %s 198.51.100.2 8 0\n", src
			else
				printf "in tcp %s 198.51.100.2 %d %s\n", src, 1024 + int(rand() * 60000),
					port[1 + int(rand() * 5)]
		}
	}'
}

# secs CMD...: wall seconds of one run (stdout discarded)
secs() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null || return 1
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# measure N: "load explain" seconds (medians) for the N-rule policy
measure() {
	local n=$1 i loads=() runs=()
	policy "$n" >"$tmp/p$n.conf"
	"$PC" explain -c "$tmp/p$n.conf" </dev/null >/dev/null ||
		{ echo "bench/explain.sh: the $n-rule policy does not load" >&2; return 1; }
	for ((i = 0; i < RUNS; i++)); do
		loads+=("$(secs "$PC" explain -c "$tmp/p$n.conf" </dev/null)") || return 1
		runs+=("$(secs "$PC" explain -c "$tmp/p$n.conf" <"$tmp/packets")") || return 1
	done
	echo "$(printf '%s\n' "${loads[@]}" | median) $(printf '%s\n' "${runs[@]}" | median)"
}

packets >"$tmp/packets"
printf 'machine: %s CPUs, %s, load average %s\n' "$(nproc)" \
	"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" \
	"$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%d packet lines, median of %d runs; explain time = run - load\n\n' "$NLINES" "$RUNS"
printf '%8s  %9s  %9s  %10s  %12s\n' rules "load s" "run s" "explain s" "packets/s"
declare -A t
for n in "$SMALL" "$LARGE"; do
	read -r load run < <(measure "$n") || exit 1
	[ -n "${run:-}" ] || exit 1
	t[$n]=$(awk -v a="$run" -v b="$load" 'BEGIN { printf "%.6f\n", a - b }')
	printf '%8d  %9.3f  %9.3f  %10.3f  %12.0f\n' "$n" "$load" "$run" "${t[$n]}" \
		"$(awk -v n="$NLINES" -v t="${t[$n]}" 'BEGIN { print n / t }')"
done
ratio=$(awk -v a="${t[$LARGE]}" -v b="${t[$SMALL]}" 'BEGIN { printf "%.3f\n", a / b }')
printf '\n%d rules / %d rules: %.2f x (target: at most 1.5 x)\n' "$LARGE" "$SMALL" "$ratio"
awk -v r="$ratio" 'BEGIN { exit !(r <= 1.5) }'

# shellcheck shell=bash disable=SC2034  # FAILED, DAEMON_PID: read by the scripts that source this
# bench/lib.sh - what the end-to-end benchmarks share: process bookkeeping,
# cleanup, a time limit, the two-namespace topology and portcullisd start/stop.
# Sourced by bench/e2e.sh and bench/multiqueue.sh, which set before use:
#   BENCH_NAME   prefix of error messages
#   NS_S, NS_G   the sender's and the guarded namespace (created here)
#   SND          the sender's address; BIN, the binaries; LIMIT_S
#   PIN          optional "CPU of the sender,CPU of the guarded side"
# and may set BENCH_KEEP=1 to keep TMP. Nothing here touches the root
# namespace; everything started with bg is killed by pid on exit.

TMP=
PIDS=()
WATCHDOG=
FAILED=0 # the scripts exit with it
DAEMON_PID=

log() { printf '# %s\n' "$*" >&2; }
die() { printf '%s: %s\n' "$BENCH_NAME" "$*" >&2; exit 1; }
problem() { printf '%s: %s\n' "$BENCH_NAME" "$*" >&2; FAILED=1; }

cleanup() {
	local rc=$? pid
	trap - EXIT TERM INT
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	[ -n "$WATCHDOG" ] && kill "$WATCHDOG" 2>/dev/null
	ip netns del "$NS_S" 2>/dev/null
	ip netns del "$NS_G" 2>/dev/null
	if [ -n "$TMP" ] && [ "${BENCH_KEEP:-0}" = 1 ]; then
		log "kept $TMP"
	elif [ -n "$TMP" ]; then
		rm -rf "$TMP"
	fi
	exit "$rc"
}

# start_watchdog: SIGTERM to this script after LIMIT_S seconds.
start_watchdog() {
	(
		trap - EXIT
		trap 'kill "$sp" 2>/dev/null; exit 0' TERM
		sleep "$LIMIT_S" &
		sp=$!
		wait "$sp" && kill -TERM $$
	) 2>/dev/null &
	WATCHDOG=$!
}

# bench_setup PREFIX: the temporary directory, the traps, the time limit.
bench_setup() {
	TMP=$(mktemp -d "/tmp/$1.XXXXXX") || die mktemp
	chmod 755 "$TMP"
	trap cleanup EXIT
	trap 'problem "time limit of $LIMIT_S s reached"; exit 1' TERM
	trap 'exit 1' INT
	start_watchdog
}

# bg NS VAR CMD...: runs CMD in namespace NS in the background (pinned to
# PIN's CPU for that side when PIN is set); its pid (ip netns exec execs the
# command) is stored in VAR and remembered for cleanup.
bg() {
	local ns=$1 var=$2 pin=()
	shift 2
	if [ -n "${PIN:-}" ]; then
		pin=(taskset -c "$([ "$ns" = "$NS_S" ] && echo "${PIN%,*}" || echo "${PIN#*,}")")
	fi
	ip netns exec "$ns" "${pin[@]}" "$@" &
	printf -v "$var" '%s' "$!"
	PIDS+=("$!")
}

# forget PID: a process that has been waited for is no longer ours to kill.
forget() {
	local i
	for i in "${!PIDS[@]}"; do
		[ "${PIDS[$i]}" = "$1" ] && unset 'PIDS[i]'
	done
	return 0
}

# reap PID: waits for a process that ends by itself; its exit status.
reap() {
	local rc=0
	wait "$1" || rc=$?
	forget "$1"
	return "$rc"
}

# stop PID: SIGTERM, wait; the exit status.
stop() {
	kill -TERM "$1" 2>/dev/null
	reap "$1"
}

# wait_file PATH SECONDS
wait_file() {
	local i
	for ((i = 0; i < $2 * 50; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.02
	done
	return 1
}

# kv KEY FILE [PREFIX]: the value of KEY= on the line starting with PREFIX.
kv() {
	sed -n "/^${3:-}/s/.*[ ]$1=\([^ ]*\).*/\1/p" "$2" | head -n 1
}

g() { ip netns exec "$NS_G" "$@"; }

# veth_pair: NS_S and NS_G joined by veth0, IPv6 off, SND on the sender's
# side; the caller adds the guarded addresses and the neighbours.
veth_pair() {
	local ns
	ip netns add "$NS_S" || die "ip netns add"
	ip netns add "$NS_G" || die "ip netns add"
	ip -n "$NS_S" link add veth0 type veth peer name veth0 netns "$NS_G" || die "veth"
	for ns in "$NS_S" "$NS_G"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
		ip -n "$ns" link set lo up
		ip -n "$ns" link set veth0 up || die "veth up"
	done
	ip -n "$NS_S" addr add "$SND/24" dev veth0 || die "address"
}

# mac NS: veth0's hardware address in NS.
mac() { ip -n "$1" -br link show veth0 | awk '{print $3}'; }

# daemon_start CONF: hooks up in the guarded namespace, portcullisd in the
# background (DAEMON_PID), back once its status file exists.
daemon_start() {
	rm -rf "$TMP/status"
	mkdir -p "$TMP/status"
	g "$BIN/portcullis" hooks up -c "$1" >>"$TMP/hooks.log" 2>&1 || die "hooks up failed"
	bg "$NS_G" DAEMON_PID "$BIN/portcullisd" -c "$1" -f 2>>"$TMP/daemon.log"
	wait_file "$TMP/status/status" 30 || die "portcullisd did not start (see $TMP/daemon.log)"
}

# daemon_stop: SIGTERM (the daemon writes its last status), then hooks down.
daemon_stop() {
	stop "$DAEMON_PID" || problem "portcullisd did not exit 0"
	g "$BIN/portcullis" hooks down >>"$TMP/hooks.log" 2>&1 || problem "hooks down failed"
}

# lib.sh - shared harness of the end-to-end tests (sourced, never run).
#
# Each test builds its own pair of network namespaces joined by a veth pair:
#   server  (runs hooks + portcullisd)  veth0  198.51.100.2/24   2001:db8:1::2/64
#   client  (runs the real tools)       veth0  198.51.100.10/24  2001:db8:1::10/64
#                                              198.51.100.20, 198.51.100.21 (extra sources)
# Only documentation addresses are used, and no rule ever goes into the root
# namespace. Everything started is killed by pid and the namespaces are deleted
# on exit, whatever happened. Exit status: 0 pass, 1 fail, 77 skipped.
#
# Environment: PC_BIN_DIR (default ../../build) holds portcullis and
# portcullisd, or PORTCULLIS / PORTCULLISD name them; PC_E2E_KEEP=1 keeps the
# temporary directory; PC_E2E_VERBOSE=1 shows the daemon log on failure too.

# iproute2, iptables and dnsmasq live in sbin, which a CI PATH may lack.
PATH=$PATH:/usr/sbin:/sbin
PC_E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PC_ROOT=$(cd "$PC_E2E_DIR/../.." && pwd)
PC_BIN_DIR=${PC_BIN_DIR:-$PC_ROOT/build}
PORTCULLIS=${PORTCULLIS:-$PC_BIN_DIR/portcullis}
PORTCULLISD=${PORTCULLISD:-$PC_BIN_DIR/portcullisd}

SRV4=198.51.100.2
SRV6=2001:db8:1::2
CLI4=198.51.100.10
CLI4_B=198.51.100.20
CLI4_C=198.51.100.21
CLI6=2001:db8:1::10

PC_PIDS=()
PC_NETNS=()
PC_FAILED=0
PC_CHECKS=0
PC_TMP=
PC_NAME=
PC_DAEMON_PID=
PC_NOTIFY_PID=
PC_WATCHDOG_PID=

pc_log() { printf '# %s\n' "$*"; }

# pc_skip REASON: the test cannot run here; never reported as passed.
pc_skip() {
	printf 'SKIPPED %s: %s\n' "$PC_NAME" "$*"
	exit 77
}

# pc_bail REASON: a set-up step failed; the test fails at once.
pc_bail() {
	printf 'not ok - %s\n' "$*"
	PC_FAILED=$((PC_FAILED + 1))
	exit 1
}

pc_pass() { PC_CHECKS=$((PC_CHECKS + 1)); printf 'ok - %s\n' "$*"; }

pc_fail() {
	PC_CHECKS=$((PC_CHECKS + 1))
	PC_FAILED=$((PC_FAILED + 1))
	printf 'not ok - %s\n' "$*"
}

# pc_check DESC CMD...: the command must succeed.
pc_check() {
	local desc=$1
	shift
	if "$@"; then pc_pass "$desc"; else pc_fail "$desc"; fi
}

# pc_check_not DESC CMD...: the command must fail.
pc_check_not() {
	local desc=$1
	shift
	if "$@"; then pc_fail "$desc"; else pc_pass "$desc"; fi
}

# pc_finish: the test's verdict from its checks.
pc_finish() {
	if [ "$PC_CHECKS" -eq 0 ]; then
		pc_fail "no check ran"
	fi
	if [ "$PC_FAILED" -ne 0 ]; then
		printf '# %s: %d of %d checks failed\n' "$PC_NAME" "$PC_FAILED" "$PC_CHECKS"
		exit 1
	fi
	printf '# %s: all %d checks passed\n' "$PC_NAME" "$PC_CHECKS"
	exit 0
}

pc_cleanup() {
	local rc=$? pid ns
	trap - EXIT TERM INT
	if [ -n "$PC_WATCHDOG_PID" ]; then
		kill -TERM "$PC_WATCHDOG_PID" 2>/dev/null
		wait "$PC_WATCHDOG_PID" 2>/dev/null
	fi
	for pid in "${PC_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	# processes started inside our own namespaces (ip netns exec children)
	for ns in "${PC_NETNS[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
	done
	for pid in "${PC_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for ns in "${PC_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -n "$PC_TMP" ]; then
		pc_show_logs
	fi
	if [ -n "$PC_TMP" ] && [ "${PC_E2E_KEEP:-0}" != 1 ]; then
		rm -rf "$PC_TMP"
	elif [ -n "$PC_TMP" ]; then
		pc_log "kept $PC_TMP"
	fi
	exit "$rc"
}

pc_show_logs() {
	local f
	for f in "$PC_TMP"/daemon.log "$PC_TMP"/daemon.out "$PC_TMP"/notify.log; do
		[ -s "$f" ] || continue
		pc_log "--- last lines of $(basename "$f")"
		tail -n 15 "$f" | sed 's/^/#   /'
	done
}

# pc_init NAME SECONDS [noroot]: root check (unless noroot), temporary
# directory, cleanup trap and a time limit on the whole test.
pc_init() {
	PC_NAME=$1
	local limit=$2
	if [ "${3:-}" != noroot ]; then
		[ "$(id -u)" -eq 0 ] || pc_skip "needs root (network namespaces, iptables)"
		command -v ip >/dev/null || pc_skip "iproute2 (ip) is not installed"
	fi
	PC_TMP=$(mktemp -d "/tmp/pc-e2e-$PC_NAME.XXXXXX") || pc_bail "mktemp"
	chmod 755 "$PC_TMP"
	# Started before our traps are set: a child forked with them would run
	# pc_cleanup itself if killed before it execs.
	bash -c 'trap "kill \$sp 2>/dev/null; exit 0" TERM
		sleep "$1" & sp=$!
		wait "$sp" && kill -TERM "$2"' watchdog "$limit" $$ 2>/dev/null &
	PC_WATCHDOG_PID=$!
	trap pc_cleanup EXIT
	trap 'pc_fail "time limit of '"$limit"' s reached"; exit 1' TERM
	trap 'exit 1' INT
}

# pc_need CMD...: skip the test when a tool is missing.
pc_need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || pc_skip "$c is not installed"
	done
}

# pc_need_bins [daemon]: the programs under test must exist (their absence
# is a failure, not a skip).
pc_need_bins() {
	[ -x "$PORTCULLIS" ] || pc_bail "no portcullis at $PORTCULLIS (set PC_BIN_DIR)"
	if [ "${1:-}" = daemon ]; then
		[ -x "$PORTCULLISD" ] || pc_bail "no portcullisd at $PORTCULLISD (set PC_BIN_DIR)"
	fi
	return 0
}

# Run in the server / client namespace.
pc_s() { ip netns exec "$PC_SRV" "$@"; }
pc_c() { ip netns exec "$PC_CLI" "$@"; }

# pc_bg NS CMD...: starts CMD in namespace NS in the background; its pid
# (ip netns exec execs the command, so the pid is the command's) goes into
# PC_PIDS and PC_LAST_PID.
pc_bg() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@" &
	PC_LAST_PID=$!
	PC_PIDS+=("$PC_LAST_PID")
}

# pc_topo: the two namespaces and the veth between them.
pc_topo() {
	PC_SRV=pcs-$$-$PC_NAME
	PC_CLI=pcc-$$-$PC_NAME
	ip netns add "$PC_SRV" || pc_bail "ip netns add $PC_SRV"
	PC_NETNS+=("$PC_SRV")
	ip netns add "$PC_CLI" || pc_bail "ip netns add $PC_CLI"
	PC_NETNS+=("$PC_CLI")
	ip -n "$PC_SRV" link add veth0 type veth peer name veth0 netns "$PC_CLI" ||
		pc_bail "veth pair"
	local ns
	for ns in "$PC_SRV" "$PC_CLI"; do
		ip -n "$ns" link set lo up || pc_bail "lo up in $ns"
	done
	ip -n "$PC_SRV" addr add "$SRV4/24" dev veth0 &&
		ip -n "$PC_SRV" addr add "$SRV6/64" dev veth0 nodad &&
		ip -n "$PC_CLI" addr add "$CLI4/24" dev veth0 &&
		ip -n "$PC_CLI" addr add "$CLI4_B/24" dev veth0 &&
		ip -n "$PC_CLI" addr add "$CLI4_C/24" dev veth0 &&
		ip -n "$PC_CLI" addr add "$CLI6/64" dev veth0 nodad &&
		ip -n "$PC_SRV" link set veth0 up &&
		ip -n "$PC_CLI" link set veth0 up || pc_bail "addresses"
}

# pc_policy FILE [SETTING...]: writes a policy whose [portcullis] section
# holds the test's files, the given "key = value" settings, then the rules
# read from stdin. Without a "stateful = ..." setting the policy is
# stateless (stateful = no): the tests written for the per-packet model.
pc_policy() {
	local file=$1 s
	shift
	{
		printf '[portcullis]\n'
		printf 'pid-file = %s\n' "$PC_TMP/portcullisd.pid"
		printf 'status-file = %s\n' "$PC_TMP/status"
		printf 'log-target = file:%s\n' "$PC_TMP/daemon.log"
		case " $* " in
		*" stateful ="* | *" stateful="*) ;;
		*) printf 'stateful = no\n' ;;
		esac
		for s in "$@"; do
			printf '%s\n' "$s"
		done
		printf '\n'
		cat
	} >"$file"
}

# The rules every traffic test needs: IPv6 neighbour discovery both ways.
pc_rules_nd() {
	cat <<'EOF'
[IPv6 neighbour discovery]
action = permit
protocol = icmpv6
icmp-type = 133,134,135,136
description = without it no IPv6 packet reaches the peer
EOF
}

pc_hooks() { pc_s "$PORTCULLIS" hooks "$@"; }

# pc_wait_file FILE PATTERN COUNT SECONDS: waits until FILE has at least
# COUNT lines matching the extended regex PATTERN.
pc_wait_file() {
	local file=$1 pat=$2 count=$3 secs=$4 i
	for ((i = 0; i < secs * 20; i++)); do
		if [ -f "$file" ] && [ "$(grep -Ec -- "$pat" "$file")" -ge "$count" ]; then
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# pc_count FILE PATTERN: lines of FILE matching the extended regex.
pc_count() {
	local n
	n=$(grep -Ec -- "$2" "$1" 2>/dev/null)
	echo "${n:-0}"
}

# pc_notify_start: a datagram socket that records sd_notify messages, one
# assignment per line, in $PC_TMP/notify.log.
pc_notify_start() {
	PC_NOTIFY_SOCKET=$PC_TMP/notify.sock
	: >"$PC_TMP/notify.log"
	python3 -u - "$PC_NOTIFY_SOCKET" "$PC_TMP/notify.log" <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as log:
    while True:
        msg = s.recv(4096).decode("utf-8", "replace")
        for line in msg.split("\n"):
            if line:
                log.write(line + "\n")
        log.flush()
EOF
	PC_NOTIFY_PID=$!
	PC_PIDS+=("$PC_NOTIFY_PID")
	local i
	for ((i = 0; i < 100; i++)); do
		[ -S "$PC_NOTIFY_SOCKET" ] && return 0
		sleep 0.05
	done
	pc_bail "notify receiver did not start"
}

# pc_daemon_start POLICY: starts portcullisd in the foreground in the server
# namespace and waits (5 s at most) for its READY=1.
pc_daemon_start() {
	local policy=$1 ready
	[ -n "$PC_NOTIFY_PID" ] || pc_notify_start
	ready=$(pc_count "$PC_TMP/notify.log" '^READY=1$')
	NOTIFY_SOCKET=$PC_NOTIFY_SOCKET pc_bg "$PC_SRV" "$PORTCULLISD" -c "$policy" -f \
		>>"$PC_TMP/daemon.out" 2>&1
	PC_DAEMON_PID=$PC_LAST_PID
	if ! pc_wait_file "$PC_TMP/notify.log" '^READY=1$' $((ready + 1)) 5; then
		pc_running "$PC_DAEMON_PID" || pc_bail "portcullisd exited at start"
		pc_bail "portcullisd sent no READY=1 within 5 s"
	fi
}

# pc_msgs_count PATTERN: lines matching PATTERN in the daemon's own messages,
# on stderr (-f) or in the log file (the larger count: it may write both).
pc_msgs_count() {
	local a b
	a=$(pc_count "$PC_TMP/daemon.out" "$1")
	b=$(pc_count "$PC_TMP/daemon.log" "$1")
	echo $((a > b ? a : b))
}

# pc_wait_msgs PATTERN COUNT SECONDS: waits until pc_msgs_count reaches COUNT.
pc_wait_msgs() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		[ "$(pc_msgs_count "$1")" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# pc_daemon_reload: SIGHUP, then waits (5 s at most) for the daemon to say
# that it reloaded or that it refused to.
pc_daemon_reload() {
	local pat='reloaded: |config has errors, not reloading' n
	n=$(pc_msgs_count "$pat")
	kill -HUP "$PC_DAEMON_PID" || return 1
	pc_wait_msgs "$pat" $((n + 1)) 5
}

# pc_running PID: the process exists and is not a zombie (a child that
# exited stays a zombie until waited for, and kill -0 still finds it).
pc_running() {
	local st
	st=$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\).*/\1/p' "/proc/$1/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# pc_daemon_stop [SIGNAL]: SIGTERM (or SIGNAL), then waits for the exit
# (5 s at most). Returns the daemon's exit status (124: still running).
pc_daemon_stop() {
	local i
	kill "-${1:-TERM}" "$PC_DAEMON_PID" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		pc_running "$PC_DAEMON_PID" || break
		sleep 0.05
	done
	pc_running "$PC_DAEMON_PID" && return 124
	wait "$PC_DAEMON_PID"
}

# pc_daemon_alive: portcullisd still runs.
pc_daemon_alive() { pc_running "$PC_DAEMON_PID"; }

# Listeners in the server namespace (both families).
# pc_srv_tcp PORT...: answers each connection with "hello-PORT".
pc_srv_tcp() {
	local p
	for p in "$@"; do
		pc_bg "$PC_SRV" ncat -l -k -p "$p" -e "/bin/echo hello-$p"
	done
	PC_LISTEN_MIN=2 pc_wait_listen "$PC_SRV" tcp "$@"
}

# pc_srv_udp PORT...: echoes each datagram back. One listener per family:
# ncat's UDP listener keeps to the family of its first peer.
pc_srv_udp() {
	local p
	for p in "$@"; do
		pc_bg "$PC_SRV" ncat -u -l -k -e /bin/cat "$SRV4" "$p"
		pc_bg "$PC_SRV" ncat -u -l -k -e /bin/cat "$SRV6" "$p"
	done
	PC_LISTEN_MIN=2 pc_wait_listen "$PC_SRV" udp "$@"
}

# pc_srv_http PORT: python's web server over a directory holding index.txt.
pc_srv_http() {
	mkdir -p "$PC_TMP/www"
	echo "portcullis-e2e-$$" >"$PC_TMP/www/index.txt"
	pc_bg "$PC_SRV" python3 -m http.server "$1" --bind :: --directory "$PC_TMP/www" \
		>/dev/null 2>&1
}

# pc_wait_listen NS PROTO PORT...: waits (5 s at most) until each port has
# a listening socket (PC_LISTEN_MIN of them, default 1).
pc_wait_listen() {
	local ns=$1 proto=$2 p i opt=-tln
	shift 2
	[ "$proto" = udp ] && opt=-uln
	for p in "$@"; do
		for ((i = 0; i < 100; i++)); do
			[ "$(ip netns exec "$ns" ss -H "$opt" "sport = :$p" | wc -l)" -ge \
				"${PC_LISTEN_MIN:-1}" ] && break
			sleep 0.05
		done
		[ "$i" -lt 100 ] || pc_bail "nothing listens on $proto port $p in $ns"
	done
}

# Client probes. Each is bounded by timeout.
# pc_tcp_ok DST PORT [SRC]: connects and reads the server's greeting.
pc_tcp_ok() {
	local out
	out=$(pc_c timeout 4 ncat --recv-only -w 2 ${3:+-s "$3"} "$1" "$2" 2>/dev/null)
	[ "$out" = "hello-$2" ]
}

# pc_tcp_blocked DST PORT [SRC]: the connection must not even be set up
# (dropped, not refused): ncat's 1.5 s connect timeout expires.
pc_tcp_blocked() {
	local err rc
	err=$(pc_c timeout 4 ncat --recv-only -w 1500ms ${3:+-s "$3"} "$1" "$2" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" -ne 0 ] && ! grep -qi refused <<<"$err"
}

# pc_udp_ok DST PORT: a datagram comes back echoed.
pc_udp_ok() {
	local tok=udp-$RANDOM-$$ out
	# stdin stays open a second so that ncat waits for the answer
	out=$( (printf '%s\n' "$tok"; sleep 1) | pc_c timeout 4 ncat -u "$1" "$2" 2>/dev/null)
	[ "$out" = "$tok" ]
}

# pc_ping_ok DST [SRC]: one echo request from the client is answered.
pc_ping_ok() { pc_c timeout 4 ping -n -q -c 1 -W 2 ${2:+-I "$2"} "$1" >/dev/null 2>&1; }
# pc_s_ping_ok DST: the same from the server.
pc_s_ping_ok() { pc_s timeout 4 ping -n -q -c 1 -W 2 "$1" >/dev/null 2>&1; }

# pc_http_ok URL: curl gets the test page.
pc_http_ok() {
	local out
	out=$(pc_c timeout 5 curl -sS -g --max-time 3 "$1" 2>/dev/null)
	[ "$out" = "portcullis-e2e-$$" ]
}

# pc_rules_save: both families' rule sets of the server namespace, without
# comments and counters.
pc_rules_save() {
	{
		pc_s iptables-save
		pc_s ip6tables-save
	} | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//'
}

# pc_shipped FILE: the shipped policy (conf/portcullis.conf) with the
# test's pid, status and log files.
pc_shipped() {
	sed -e "s|^pid-file = .*|pid-file = $PC_TMP/portcullisd.pid|" \
	    -e "s|^status-file = .*|status-file = $PC_TMP/status|" \
	    -e "s|^log-target = .*|log-target = file:$PC_TMP/daemon.log|" \
	    "$PC_ROOT/conf/portcullis.conf" >"$1" || pc_bail "policy"
}

# pc_status KEY: KEY's value in a fresh status file (SIGUSR1, then waits
# up to 2 s for the file's seq to grow).
pc_status() {
	local f=$PC_TMP/status seq i
	seq=$(sed -n 's/^seq=//p' "$f" 2>/dev/null)
	kill -USR1 "$PC_DAEMON_PID" 2>/dev/null
	for ((i = 0; i < 40; i++)); do
		[ "$(sed -n 's/^seq=//p' "$f" 2>/dev/null)" != "$seq" ] && break
		sleep 0.05
	done
	sed -n "s/^$1=//p" "$f"
}

# pc_srv_echo NS PORT...: TCP echo servers (every line comes back).
pc_srv_echo() {
	local ns=$1 p
	shift
	for p in "$@"; do
		pc_bg "$ns" ncat -l -k -p "$p" -e /bin/cat
	done
	PC_LISTEN_MIN=2 pc_wait_listen "$ns" tcp "$@"
}

# pc_exchange NS OUT HOST PORT [ARGS...]: a long-lived connection that
# exchanges a line every 0.1 s, one "ok N"/"fail N" line each in OUT
# (tools/exchange.py); waits until it is connected.
pc_exchange() {
	local ns=$1 out=$2 i
	shift 2
	: >"$out"
	pc_bg "$ns" python3 "$PC_E2E_DIR/tools/exchange.py" "$1" "$2" "$out" "${@:3}"
	for ((i = 0; i < 60; i++)); do
		grep -q '^ok ' "$out" && return 0
		sleep 0.05
	done
	return 1
}

# pc_rss PID: resident memory in kB.
pc_rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }

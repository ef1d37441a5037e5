#!/usr/bin/env bash
# quickstart.sh - portcullisd with the shipped policy guarding a throwaway
# network namespace, while real clients in a second namespace try allowed and
# denied connections; then the verdict log and `portcullis status`.
# Run as root on Debian 12: installs what is missing, builds, cleans up after
# itself. Nothing touches the machine's own network namespace.
set -u
cd "$(dirname "$0")/.." || exit 1
[ "$(id -u)" -eq 0 ] || { echo "quickstart: run me as root (I create network namespaces)" >&2; exit 1; }
log=$(mktemp /tmp/pc-quickstart.XXXXXX) || exit 1
trap 'rm -f "$log"' EXIT
. .ci/packages.sh
missing=$(pc_missing_packages | tr '\n' ' ')
if [ -n "$missing" ]; then
	echo "== installing the Debian packages it needs (apt-get, a few minutes): $missing"
	pc_install_packages >"$log" 2>&1 ||
		{ cat "$log"; echo "quickstart: package installation failed" >&2; exit 1; }
else
	echo "== the Debian packages it needs are installed (.ci/packages.sh)"
fi
echo "== building portcullis and portcullisd in build/ (cmake; a minute or so on two cores)"
{ cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake --build build -j2; } >"$log" 2>&1 ||
	{ tail -n 40 "$log"; echo "quickstart: build failed" >&2; exit 1; }

. tests/e2e/lib.sh
pc_init quickstart 120
pc_topo
say() { printf '\n== %s\n' "$*"; }
# quote ARG: ARG as a shell word that pastes back as itself
quote() {
	if [[ $1 =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then printf '%s' "$1"
	else printf "'%s'" "${1//\'/\'\\\'\'}"; fi
}
# run CMD...: shows the command as it can be pasted, then runs it
run() {
	local a line='$'
	for a in "$@"; do line+=" $(quote "$a")"; done
	printf '%s\n' "$line"
	"$@"
}

policy=$PC_TMP/portcullis.conf
sed -e "s|^pid-file = .*|pid-file = $PC_TMP/portcullisd.pid|" \
    -e "s|^status-file = .*|status-file = $PC_TMP/status|" \
    -e "s|^log-target = .*|log-target = file:$PC_TMP/daemon.log|" \
    conf/portcullis.conf >"$policy" || pc_bail "policy"

say "server namespace $PC_SRV ($SRV4, $SRV6), client namespace $PC_CLI ($CLI4)"
pc_srv_tcp 22
pc_srv_http 80
run "$PORTCULLIS" check -c "$policy"
pc_check "hook rules installed in the server namespace" pc_hooks up -c "$policy"
pc_daemon_start "$policy"
echo "portcullisd runs (pid $PC_DAEMON_PID) with the shipped policy: SSH Server, DNS Client and the global rules on"

say "the client tries the server"
pc_check "SSH (tcp/22, rule 'SSH Server' is on): answered" pc_tcp_ok "$SRV4" 22
pc_check "SSH over IPv6: answered" pc_tcp_ok "$SRV6" 22
pc_check "HTTP (tcp/80, 'HTTP Server' is off): dropped by 'Deny TCP'" \
	pc_tcp_blocked "$SRV4" 80
pc_check "ping (rule 'ICMP'): answered" pc_ping_ok "$SRV4"
pc_check "ping6 (the ICMPv6 rules): answered" pc_ping_ok "$SRV6"
say "nmap from the client sees only SSH"
pc_c timeout 60 nmap -n -Pn --max-retries 1 --host-timeout 30s -p 21,22,25,80,443,3389 "$SRV4" |
	grep -E '^[0-9]+/tcp'

say "switching HTTP Server on, live"
run "$PORTCULLIS" enable -c "$policy" "HTTP Server"
pc_check "HTTP now answers (curl)" pc_http_ok "http://$SRV4/index.txt"
run "$PORTCULLIS" disable -c "$policy" "HTTP Server"
pc_check "HTTP is dropped again" pc_tcp_blocked "$SRV4" 80

say "who was turned away: the verdict log"
run "$PORTCULLIS" log "$PC_TMP/daemon.log" --verdict deny | tail -n 8
say "summary"
run "$PORTCULLIS" log "$PC_TMP/daemon.log" --summary
say "status"
run "$PORTCULLIS" status -c "$policy"
say "list"
run "$PORTCULLIS" list -c "$policy"

pc_check "portcullisd stops cleanly on SIGTERM" pc_daemon_stop
pc_check "hook rules removed" pc_hooks down -c "$policy"
pc_finish

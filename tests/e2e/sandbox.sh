#!/bin/bash
# sandbox.sh - portcullisd and `portcullis hooks` work inside the sandbox
# that systemd/portcullis.service puts them in, checked without systemd
# (this machine's PID 1 is not systemd): both run with the unit's
# CapabilityBoundingSet and no new privileges (setpriv), under strace,
# through a start, traffic, SIGHUP (which moves the stateful fast path with
# iptables-restore), SIGUSR1, SIGUSR2, metrics-file writes and SIGTERM; then every
# system call they made must be allowed by the unit's SystemCallFilter=
# lines (expanded by systemd-analyze), every socket must be of a family in
# RestrictAddressFamilies=, and no mapping may be writable and executable
# (MemoryDenyWriteExecute=).
. "$(dirname "$0")/lib.sh"

pc_init sandbox 120
pc_need iptables ip6tables ncat strace setpriv capsh systemd-analyze
pc_need_bins daemon
unit=$PC_ROOT/systemd/portcullis.service
[ -f "$unit" ] || pc_bail "no $unit"
pc_topo

# unit_values KEY: the values of every KEY= line of the unit, one a line.
unit_values() { sed -n "s/^$1=//p" "$unit"; }

caps=$(unit_values CapabilityBoundingSet | tr ' ' '\n' | sed 's/^CAP_//' | tr 'A-Z\n' 'a-z,')
caps=${caps%,}
[ -n "$caps" ] || pc_bail "no CapabilityBoundingSet= in the unit"
families=$(unit_values RestrictAddressFamilies | tr ' ' '\n')

# $sandboxed OUT CMD...: CMD with the unit's capabilities only, traced into
# OUT (strace -D: the traced command keeps the pid it was started with).
sandboxed=$PC_TMP/sandboxed
cat >"$sandboxed" <<EOF
#!/bin/sh
out=\$1
shift
exec setpriv --bounding-set=-all,+${caps//,/,+} --no-new-privs -- \\
	strace -D -f -qq -o "\$out" -- "\$@"
EOF
real_daemon=$PORTCULLISD
PORTCULLISD=$PC_TMP/portcullisd-sandboxed
printf '#!/bin/sh\nexec "%s" "%s" "%s" "$@"\n' "$sandboxed" "$PC_TMP/trace.daemon" "$real_daemon" \
	>"$PORTCULLISD"
chmod 755 "$sandboxed" "$PORTCULLISD"

policy=$PC_TMP/policy.conf
pc_policy "$policy" "default = deny" "log = deny" "stateful = yes" \
	"metrics-file = $PC_TMP/metrics.prom" <<EOF
$(pc_rules_nd)

[Service]
action = permit
protocol = tcp
local-port = 2222
EOF

pc_srv_tcp 2222 2223
pc_check "hooks up with the unit's capabilities only" \
	pc_s "$sandboxed" "$PC_TMP/trace.hooks" "$PORTCULLIS" hooks up -c "$policy"
pc_daemon_start "$policy"
bnd=$(sed -n 's/^CapBnd:[[:space:]]*//p' "/proc/$PC_DAEMON_PID/status")
pc_check "the daemon runs with the unit's capabilities only ($(capsh --decode="$bnd" 2>/dev/null))" \
	test "$(capsh --decode="$bnd" 2>/dev/null | sed 's/^[^=]*=//')" = "cap_${caps//,/,cap_}"
pc_check "2222 answers" pc_tcp_ok $SRV4 2222
pc_check "2223 is dropped" pc_tcp_blocked $SRV4 2223
# fast FAMILY: the connmark the fast path accepts (stateful = yes)
fast() { pc_s "$1" -S PORTCULLIS-FAST 2>/dev/null | grep -o -m1 'mark 0x[0-9a-f]*/'; }
f4=$(fast iptables) f6=$(fast ip6tables)
pc_check "the sandboxed daemon set the fast path at start ($f4, $f6)" test -n "$f4" -a -n "$f6"
pc_check "SIGHUP reloads" pc_daemon_reload
g4=$(fast iptables) g6=$(fast ip6tables)
pc_check "the sandboxed daemon moved the fast path on reload ($f4 -> $g4, $f6 -> $g6)" \
	test -n "$g4" -a "$g4" != "$f4" -a -n "$g6" -a "$g6" != "$f6"
pc_check "2222 answers after the reload" pc_tcp_ok $SRV4 2222
pc_check "SIGUSR1 (status) is taken" kill -USR1 "$PC_DAEMON_PID"
pc_check "SIGUSR2 (reopen the log) is taken" kill -USR2 "$PC_DAEMON_PID"
pc_check "2223 is still dropped, and logged" pc_tcp_blocked $SRV4 2223
sleep 0.5
pc_check "status reads the daemon" sh -c "'$PORTCULLIS' status -c '$policy' | grep -q running"
pc_check "the metrics file is written" pc_wait_file "$PC_TMP/metrics.prom" '^portcullis_running 1$' 1 5
pc_check "SIGTERM: exit status 0" pc_daemon_stop
pc_check "hooks down with the unit's capabilities only" \
	pc_s "$sandboxed" "$PC_TMP/trace.hooks-down" "$PORTCULLIS" hooks down
pc_check "the verdict log got the dropped attempts" grep -q "verdict=deny" "$PC_TMP/daemon.log"

# expand GROUP: the system calls of a systemd-analyze filter set, nested sets
# expanded.
expand() {
	local s
	for s in $(systemd-analyze syscall-filter "$1" | sed -n 's/^ \{4\}\([@a-z_0-9-]*\)$/\1/p'); do
		case $s in
		@*) expand "$s" ;;
		*) echo "$s" ;;
		esac
	done
}

allowed=$PC_TMP/allowed
denied=$PC_TMP/denied
: >"$allowed"
: >"$denied"
unit_values SystemCallFilter | while read -r v; do
	if [ "${v#\~}" != "$v" ]; then
		for s in ${v#\~}; do expand "$s" >>"$denied"; done
	else
		for s in $v; do expand "$s" >>"$allowed"; done
	fi
done
sort -u -o "$allowed" "$allowed"
sort -u -o "$denied" "$denied"
pc_check "SystemCallFilter expands to an allow list ($(wc -l <"$allowed") calls)" test -s "$allowed"
pc_check "and a deny list ($(wc -l <"$denied") calls)" test -s "$denied"

for who in daemon hooks hooks-down; do
	trace=$PC_TMP/trace.$who
	used=$PC_TMP/used.$who
	sed -nE 's/^[0-9]+ +([a-z_0-9]+)\(.*/\1/p' "$trace" | sort -u >"$used"
	pc_check "$who: traced system calls ($(wc -l <"$used"))" test "$(wc -l <"$used")" -gt 10
	outside=$(comm -23 "$used" "$allowed" | tr '\n' ' ')
	pc_check "$who: every system call is in the allow list${outside:+ (not: $outside)}" test -z "$outside"
	inside=$(comm -12 "$used" "$denied" | tr '\n' ' ')
	pc_check "$who: no system call is in the deny list${inside:+ (used: $inside)}" test -z "$inside"
	fams=$(sed -nE 's/^[0-9]+ +socket\((AF_[A-Z0-9]+),.*/\1/p' "$trace" | sort -u | tr '\n' ' ')
	bad=
	for f in $fams; do
		grep -qx "$f" <<<"$families" || bad="$bad $f"
	done
	pc_check "$who: sockets only of RestrictAddressFamilies (${fams% })${bad:+, not:$bad}" test -z "$bad"
	pc_check_not "$who: no writable and executable mapping" \
		grep -E '(mmap|mprotect|pkey_mprotect)\(.*PROT_WRITE\|PROT_EXEC|(mmap|mprotect)\(.*PROT_EXEC\|.*PROT_WRITE' "$trace"
done
pc_finish

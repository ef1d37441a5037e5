#!/bin/bash
# deb.sh - the Debian package under a real systemd: build it, install it into
# a Debian 12 root booted by systemd-nspawn (systemd 252 as PID 1, in the
# server namespace of tests/e2e/lib.sh, clients in the client namespace), and
# check install, enable, traffic, toggle, reload (good and broken), the
# journal, logrotate, a crash, the sandbox, an upgrade, stop and purge.
#
#   tests/system/deb.sh          (root; exit 0 pass, 1 fail, 77 skipped)
#
# The first run makes the root with debootstrap (about a minute with a near
# mirror) and caches it as a tarball in $PC_SYS_CACHE; later runs unpack it.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/lib.sh"

pc_init system 900
pc_need debootstrap systemd-nspawn nsenter dpkg-buildpackage dh lintian ncat flock
[ -d /sys/fs/cgroup/unified ] || [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] ||
	pc_skip "no cgroup2 hierarchy for systemd-nspawn"

sys_exit() {
	local rc=$?
	if [ "$rc" -ne 0 ] && [ -n "$SYS_PID1" ] && pc_running "${SYS_NSPAWN_PID:-0}"; then
		pc_log "--- journalctl -u portcullis (last 25 lines)"
		ct journalctl -u portcullis --no-pager -n 25 2>&1 | sed 's/^/#   /'
	fi
	sys_teardown
	(exit "$rc")
	pc_cleanup
}
trap sys_exit EXIT

conf=/etc/portcullis/portcullis.conf

# in_ct TEXT FILE: the container's FILE holds TEXT.
in_ct() { ct grep -qF -- "$1" "$2"; }
# chains: the hook chains and the jumps to them, in both families.
chains() {
	local t
	for t in iptables ip6tables; do
		ct "$t" -w 5 -S PORTCULLIS-IN >/dev/null 2>&1 &&
			ct "$t" -w 5 -S PORTCULLIS-OUT >/dev/null 2>&1 &&
			ct "$t" -w 5 -C INPUT -j PORTCULLIS-IN 2>/dev/null &&
			ct "$t" -w 5 -C OUTPUT -j PORTCULLIS-OUT 2>/dev/null || return 1
	done
}
# no_hooks: no PORTCULLIS chain or jump in either family.
no_hooks() {
	! { ct iptables-save; ct ip6tables-save; } 2>/dev/null | grep -q PORTCULLIS
}
prop() { ct systemctl show -P "$1" portcullis.service; }
# reload: systemctl reload, then waits (10 s at most) for the daemon's
# answer in the journal. Returns 0 (reloaded), 1 (refused: config errors)
# or 2 (no answer, or systemctl failed).
reload() {
	local pat='reloaded: |config has errors, not reloading' n i last
	n=$(ct journalctl -u portcullis -o cat --no-pager | grep -Ec "$pat")
	ct systemctl reload portcullis || return 2
	for ((i = 0; i < 100; i++)); do
		last=$(ct journalctl -u portcullis -o cat --no-pager | grep -E "$pat")
		if [ "$(grep -c . <<<"$last")" -gt "$n" ]; then
			grep -q 'reloaded: ' <<<"$(tail -n 1 <<<"$last")" && return 0
			return 1
		fi
		sleep 0.1
	done
	return 2
}
# wait_status PATTERN: the unit's status text (the daemon's STATUS=) matches
# the extended regex PATTERN within 10 s.
wait_status() {
	local i
	for ((i = 0; i < 100; i++)); do
		grep -Eq -- "$1" <<<"$(prop StatusText)" && return 0
		sleep 0.1
	done
	pc_log "status text: $(prop StatusText)"
	return 1
}
# wait_ct_file FILE PATTERN: the container's FILE has a line matching
# PATTERN within 10 s.
wait_ct_file() {
	local i
	for ((i = 0; i < 100; i++)); do
		ct grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# running_new_binary: the main process runs the installed portcullisd (not
# a deleted one an upgrade replaced).
main_exe() { ct readlink "/proc/$(prop MainPID)/exe"; }
# no_daemon: no portcullisd process in the container.
no_daemon() {
	! ct sh -c 'grep -qx portcullisd /proc/[0-9]*/comm' 2>/dev/null
}
# cap_only_net_admin PID: effective, permitted and bounding sets are exactly
# CAP_NET_ADMIN (bit 12).
cap_only_net_admin() {
	local st
	st=$(ct cat "/proc/$1/status") || return 1
	for f in CapEff CapPrm CapBnd; do
		grep -qx "$f:[[:space:]]*0000000000001000" <<<"$st" || return 1
	done
}
status_is() { ct grep -qx "$2:[[:space:]]*$3" "/proc/$1/status"; }
# mount_opts PID PATH: the options of the mount PATH lies on, as PID sees it.
mount_opts() {
	ct cat "/proc/$1/mountinfo" | awk -v p="$2" '
		{ m = $5; if ((p == m || index(p, m == "/" ? "/" : m "/") == 1) && length(m) >= best) {
			best = length(m); opts = $6 } }
		END { print opts }'
}
ro_for() { [[ ,$(mount_opts "$1" "$2"), == *,ro,* ]]; }
rw_for() { [[ ,$(mount_opts "$1" "$2"), == *,rw,* ]]; }

# ---- the package -------------------------------------------------------------
pc_log "building the package (dpkg-buildpackage -us -uc -b)"
start=$SECONDS
sys_build_debs "$PC_ROOT" "$PC_TMP/pkg" || {
	tail -n 30 "$PC_TMP/build.log" | sed 's/^/#   /'
	pc_bail "dpkg-buildpackage failed"
}
pc_log "built in $((SECONDS - start)) s"
deb=$(ls "$PC_TMP"/pkg/portcullis_*_amd64.deb 2>/dev/null | head -1)
[ -n "$deb" ] || pc_bail "no portcullis_VERSION_amd64.deb in $PC_TMP/pkg"
version=$(dpkg-deb -f "$deb" Version)
pc_pass "dpkg-buildpackage -us -uc -b builds $(basename "$deb")"
lintian --fail-on error,warning "$PC_TMP"/pkg/portcullis_*_amd64.changes >"$PC_TMP/lintian.out" 2>&1
lint_rc=$?
lint=$(grep -v 'running with root privileges' "$PC_TMP/lintian.out")
[ -z "$lint" ] || printf '#   %s\n' "$lint"
pc_check "lintian: no error or warning" test "$lint_rc" -eq 0 -a -z "$(grep -E '^[EW]:' <<<"$lint")"
pc_check "Depends: iptables and the shared libraries (dh_shlibdeps)" \
	grep -Eq '(^|, )iptables(,|$).*libnetfilter-queue1' <<<"$(dpkg-deb -f "$deb" Depends)"

# ---- the root and the container ----------------------------------------------------
start=$SECONDS
tarball=$(sys_root_tarball "$deb") || pc_bail "cannot make the Debian root (debootstrap)"
mkdir "$PC_TMP/root" && tar --numeric-owner -xzf "$tarball" -C "$PC_TMP/root" ||
	pc_bail "cannot unpack $tarball"
pc_log "root ready in $((SECONDS - start)) s ($tarball)"
cp "$deb" "$PC_TMP/root/root/" || pc_bail "cannot copy the package into the root"
pc_topo
start=$SECONDS
sys_boot "$PC_TMP/root" "$PC_SRV"
pc_log "booted in $((SECONDS - start)) s: $(ct systemctl --version | head -1)"

# Listeners: SSH Server's port, HTTP Server's (off in the shipped policy) and
# one no rule permits until the admin adds one.
for p in 22 80 8080; do
	ct systemd-run -q --unit="pc-listen-$p" ncat -l -k -p "$p" -e "/bin/echo hello-$p" ||
		pc_bail "cannot start a listener on $p"
done
PC_LISTEN_MIN=1 pc_wait_listen "$PC_SRV" tcp 22 80 8080
pc_check "without portcullis the client reaches port 80" pc_tcp_ok "$SRV4" 80

# ---- install: not enabled, not started ------------------------------------------
out=$PC_TMP/install.out
ct env DEBIAN_FRONTEND=noninteractive apt-get install -y "/root/$(basename "$deb")" \
	</dev/null >"$out" 2>&1
pc_check "apt install ./$(basename "$deb") succeeds" test $? -eq 0
pc_check "postinst says the service is neither enabled nor started" \
	grep -q 'installed but neither enabled nor started' "$out"
pc_check "postinst reminds of SSH Server" grep -q '"SSH Server" is on' "$out"
pc_check "the unit is installed disabled" test "$(ct systemctl is-enabled portcullis)" = disabled
pc_check "the unit is not started" test "$(ct systemctl is-active portcullis)" = inactive
pc_check "no hook rule after install" no_hooks
pc_check "the policy is a conffile" \
	grep -q "^ $conf " <<<"$(ct dpkg-query -W -f='${Conffiles}\n' portcullis)"
pc_check "the policy is mode 0640" test "$(ct stat -c %a "$conf")" = 640
pc_check "bash completion in /usr/share/bash-completion/completions" \
	ct test -s /usr/share/bash-completion/completions/portcullis
pc_check "logrotate file in /etc/logrotate.d" ct test -s /etc/logrotate.d/portcullis
pc_check "portcullis check passes on the shipped policy" ct portcullis check

# node_exporter's textfile directory, as Debian's prometheus-node-exporter
# makes it: the unit lets the daemon write its metrics-file there.
textdir=/var/lib/prometheus/node-exporter
ct mkdir -p "$textdir" || pc_bail "mkdir $textdir"

# ---- enable --now -------------------------------------------------------------------
start=$SECONDS
ct systemctl enable --now portcullis >"$PC_TMP/enable.out" 2>&1
rc=$?
pc_log "systemctl enable --now took $((SECONDS - start)) s"
pc_check "systemctl enable --now portcullis succeeds" test "$rc" -eq 0
# Type=notify: the start job ends only with READY=1, whose STATUS= we see.
pc_check "the unit is Type=notify" test "$(prop Type)" = notify
pc_check "active as soon as it returns (READY=1)" test "$(prop ActiveState)" = active
pc_check "the status text is the READY=1 message" grep -Eq '^queue 0: [0-9]+ rules' <<<"$(prop StatusText)"
pc_check "enabled" test "$(ct systemctl is-enabled portcullis)" = enabled
pc_check "the hook chains exist (iptables and ip6tables)" chains
pid=$(prop MainPID)
pc_check "the main process is portcullisd" test "$(ct cat "/proc/$pid/comm")" = portcullisd

# ---- traffic --------------------------------------------------------------------------
pc_check "a client reaches SSH Server (IPv4)" pc_tcp_ok "$SRV4" 22
pc_check "a client reaches SSH Server (IPv6)" pc_tcp_ok "$SRV6" 22
pc_check "port 80 is dropped (HTTP Server off)" pc_tcp_blocked "$SRV4" 80
pc_check "port 8080 is dropped (Deny TCP)" pc_tcp_blocked "$SRV4" 8080

# ---- stateful: the sandboxed daemon keeps the kernel's fast path ----------------------
# fast FAMILY: the connmark the fast-path chain accepts now
fast() { ct "$1" -S PORTCULLIS-FAST 2>/dev/null | grep -o -m1 'mark 0x[0-9a-f]*/'; }
f4=$(fast iptables) f6=$(fast ip6tables)
pc_check "the daemon set the fast path under its sandbox ($f4, $f6)" test -n "$f4" -a -n "$f6"
ct portcullis status >"$PC_TMP/st.out" 2>&1
pc_check "portcullis status: stateful, the fast path's generation" \
	sh -c "grep -q '^model: *stateful' '$PC_TMP/st.out' && grep -q '^fast path: *generation [1-9]' '$PC_TMP/st.out'"

# ---- portcullis enable / disable --------------------------------------------------
pc_check "portcullis enable \"HTTP Server\" applies" ct portcullis enable "HTTP Server"
pc_check "then port 80 answers" pc_tcp_ok "$SRV4" 80
pc_check "portcullis disable \"HTTP Server\" applies" ct portcullis disable "HTTP Server"
pc_check "then port 80 is dropped again" pc_tcp_blocked "$SRV4" 80

# ---- a hand edit and systemctl reload ---------------------------------------------------
ct sh -c "printf '\n[Test 8080]\naction = permit\nprotocol = tcp\nlocal-port = 8080\n' >>$conf"
pc_check "systemctl reload portcullis: reloaded" reload
pc_check "the status text says so" wait_status '^reloaded: '
pc_check "the reloads moved the fast path ($f4 -> $(fast iptables))" \
	test -n "$(fast iptables)" -a "$(fast iptables)" != "$f4" -a "$(fast ip6tables)" != "$f6"
ct journalctl -u portcullis -o cat --no-pager >"$PC_TMP/journal.out" 2>&1
pc_check "no fast path error in the journal" \
	sh -c "! grep -v 'will be judged again' '$PC_TMP/journal.out' | grep -q 'fast path:'"
# the conntrack sweep (ctnetlink) ran at start and at each reload under the sandbox
pc_check "the conntrack sweeps worked under the sandbox (fast-path-sweep-errors=0)" \
	ct grep -qx 'fast-path-sweep-errors=0' /run/portcullis/status
pc_check "the added rule serves: port 8080 answers" pc_tcp_ok "$SRV4" 8080

# metrics-file, turned on by a reload, under the sandbox
prom=$textdir/portcullis.prom
ct sed -i "s|^\[portcullis\]\$|[portcullis]\nmetrics-file = $prom|" "$conf"
pc_check "metrics-file in node_exporter's directory: reloaded" reload
pc_check "the daemon writes $prom" wait_ct_file "$prom" '^portcullis_running 1$'
pc_check "with the hits of SSH Server" \
	wait_ct_file "$prom" '^portcullis_rule_hits_total\{rule="SSH Server"\} [1-9]'
pc_check "mode 0644 despite UMask=0077 (node_exporter runs as prometheus)" \
	test "$(ct stat -c %a "$prom")" = 644
promtool=$(command -v promtool || echo "${PC_PROMTOOL_DIR:-/var/cache/portcullis-ci/bin}/promtool")
if [ -x "$promtool" ]; then
	pc_check "promtool check metrics passes on it" \
		sh -c "'$promtool' check metrics <'$PC_TMP/root$prom'"
else
	pc_log "no promtool: $prom not checked with it (tests/e2e/metrics.sh fails without it)"
fi

# A broken file: the reload fails visibly, the old policy keeps serving.
ct sh -c "printf '\n[Broken]\naction = maybe\n' >>$conf"
reload
pc_check "systemctl reload of a broken file: refused" test $? -eq 1
pc_check "the status text says so" wait_status 'config has errors'
ct systemctl status portcullis --no-pager -l >"$PC_TMP/status.out" 2>&1
pc_check "systemctl status shows it" grep -q 'Status: "config has errors, not reloading' \
	"$PC_TMP/status.out"
pc_check "systemctl status shows the error line" grep -q "$conf:[0-9]*:.*maybe" "$PC_TMP/status.out"
pc_check "still active, same process" test "$(prop ActiveState)/$(prop MainPID)" = "active/$pid"
pc_check "the old policy serves on: 22 answers" pc_tcp_ok "$SRV4" 22
pc_check "the old policy serves on: 8080 answers" pc_tcp_ok "$SRV4" 8080
pc_check "the old policy serves on: 80 is dropped" pc_tcp_blocked "$SRV4" 80
ct sed -i '/^\[Broken\]$/,$d' "$conf"
pc_check "the repaired file reloads" reload

# ---- a connection idle through a whole wrap of the generations (31 reloads) ------------
# The sweep (daemon/ctsweep.c, ctnetlink) clears its connmark under the
# sandbox before its generation serves again; it goes on under its rule.
ct systemd-run -q --unit=pc-echo-9090 ncat -l -k -p 9090 -e /bin/cat ||
	pc_bail "cannot start an echo server on 9090"
PC_LISTEN_MIN=1 pc_wait_listen "$PC_SRV" tcp 9090
ct sh -c "printf '\n[Echo 9090]\naction = permit\nprotocol = tcp\nlocal-port = 9090\n' >>$conf"
pc_check "a rule for an echo server on 9090: reloaded" reload
: >"$PC_TMP/idle.log"
pc_bg "$PC_CLI" python3 "$PC_E2E_DIR/tools/idle_exchange.py" "$SRV4" 9090 "$PC_TMP/idle.log" \
	"$PC_TMP/idle.go" --timeout 3
pc_wait_file "$PC_TMP/idle.log" '^ok 1$' 1 5
gen=$(ct sed -n 's/^fast-path-generation=//p' /run/portcullis/status)
pc_check "an idle connection to Echo 9090 under generation $gen" grep -q '^ok 1$' "$PC_TMP/idle.log"
for i in $(seq 31); do reload || pc_fail "wrap: reload $i"; done
pc_check "31 reloads later the generation is $gen again" \
	ct grep -qx "fast-path-generation=$gen" /run/portcullis/status
ct journalctl -u portcullis -o cat --no-pager >"$PC_TMP/wrap.out" 2>&1
pc_check "the sweep cleared it under the sandbox (the journal says so)" grep -Eq \
	"fast path: [1-9][0-9]* connections idle since generation $gen will be judged again" \
	"$PC_TMP/wrap.out"
echo go >"$PC_TMP/idle.go"
pc_wait_file "$PC_TMP/idle.log" ' 2$' 1 8
pc_check "the connection goes on, judged again ($(tail -n 1 "$PC_TMP/idle.log"))" \
	grep -q '^ok 2$' "$PC_TMP/idle.log"
pc_check "no sweep failed (fast-path-sweep-errors=0)" \
	ct grep -qx 'fast-path-sweep-errors=0' /run/portcullis/status

# ---- the journal ---------------------------------------------------------------------
ct journalctl -u portcullis -o cat --no-pager >"$PC_TMP/journal.out" 2>&1
pc_check "journalctl -u portcullis has the verdict lines" \
	grep -q 'verdict=deny rule="Deny TCP" dir=in proto=tcp .*dport=80 ' "$PC_TMP/journal.out"
ct sh -c 'journalctl -u portcullis -o cat --no-pager | portcullis log --verdict deny' \
	>"$PC_TMP/log.out" 2>"$PC_TMP/log.err"
pc_check "portcullis log reads them from the journal" grep -q 'dport=8080 ' "$PC_TMP/log.out"
pc_check "portcullis log --verdict deny drops the rest" \
	test -z "$(grep -v 'verdict=deny' "$PC_TMP/log.out")"
ct portcullis log --journal --verdict deny >"$PC_TMP/jlog.out" 2>"$PC_TMP/jlog.err"
pc_check "portcullis log --journal: exit 0" test $? -eq 0
pc_check "portcullis log --journal reads them, with the journal's time and tag" \
	grep -Eq '^[0-9-]+T[0-9:]+[+-][0-9]{4} [^ ]+ portcullisd\[[0-9]+\]: verdict=deny .*dport=8080 ' \
	"$PC_TMP/jlog.out"
pc_check "portcullis log --journal --verdict deny drops the rest" \
	test -z "$(grep -v 'verdict=deny' "$PC_TMP/jlog.out")"
# --follow: from now on, until SIGINT (timeout sends it after 8 s)
ct timeout --preserve-status -s INT 8 portcullis log --journal --follow --verdict deny \
	>"$PC_TMP/jf.out" 2>"$PC_TMP/jf.err" &
jf=$!
sleep 1.5 # journalctl -f is reading
pc_tcp_blocked "$SRV4" 83
wait "$jf"
pc_check "portcullis log --journal --follow: exit 0 at SIGINT" test $? -eq 0
pc_check "portcullis log --journal --follow: a line logged after it started" \
	grep -q 'verdict=deny .*dport=83 ' "$PC_TMP/jf.out"
pc_check "portcullis log --journal --follow: no line from before it started" \
	sh -c "! grep -q 'dport=8080 ' '$PC_TMP/jf.out'"

# ---- log-target = file: and logrotate ------------------------------------------------------
vlog=/var/log/portcullis/verdicts.log
ct sed -i "s|^log-target = syslog\$|log-target = file:$vlog|" "$conf"
pc_check "log-target = file: reloads" reload
pc_tcp_blocked "$SRV4" 81
pc_check "verdict lines go to $vlog" wait_ct_file "$vlog" 'dport=81 '
# portcullis log --follow across the rotation (SIGINT after 10 s)
ct timeout --preserve-status -s INT 10 portcullis log --follow --verdict deny "$vlog" \
	>"$PC_TMP/follow.out" 2>"$PC_TMP/follow.err" &
follow=$!
sleep 0.5 # at the end of the file
pc_tcp_blocked "$SRV4" 84
pc_check "the line for port 84 is in $vlog" wait_ct_file "$vlog" 'dport=84 '
pc_check "logrotate -f /etc/logrotate.d/portcullis succeeds" \
	ct logrotate -f /etc/logrotate.d/portcullis
pc_check "the old log was rotated" ct grep -q 'dport=81 ' "$vlog.1"
pc_tcp_blocked "$SRV4" 82
pc_check "after SIGUSR2 the daemon writes a new $vlog" wait_ct_file "$vlog" 'dport=82 '
pc_check "and nothing more into the rotated one" ct sh -c "! grep -q 'dport=82 ' $vlog.1"
wait "$follow"
pc_check "portcullis log --follow: exit 0 at SIGINT" test $? -eq 0
pc_check "portcullis log --follow: the line before the rotation and the one after it" \
	sh -c "grep 'verdict=deny' '$PC_TMP/follow.out' | grep -o 'dport=8[0-9] ' | uniq | tr -d '\n' |
		grep -qx 'dport=84 dport=82 '"
pc_check "portcullis log reads the file" \
	grep -q 'dport=82 ' <<<"$(ct portcullis log "$vlog" --verdict deny)"

# ---- a crash: fail = closed, Restart=on-failure ---------------------------------------------
pc_check "the policy fails closed" in_ct 'fail = closed' "$conf"
restarts=$(prop NRestarts)
pc_check "systemctl kill -s KILL portcullis" ct systemctl kill -s KILL portcullis
# RestartSec=1s: probed at once, within half a second, nothing passes.
pc_check "while it is down, SSH Server's port is dropped" \
	pc_c timeout 2 sh -c "! ncat --recv-only -w 500ms $SRV4 22 >/dev/null 2>&1"
pc_check "while it is down, the hook chains stay" chains
for ((i = 0; i < 150; i++)); do
	[ "$(prop ActiveState)" = active ] && [ "$(prop MainPID)" != "$pid" ] && break
	sleep 0.1
done
pc_check "systemd restarted it" test "$(prop ActiveState)" = active -a "$(prop MainPID)" != "$pid"
pc_check "NRestarts went up" test "$(prop NRestarts)" -gt "${restarts:-0}"
pc_check "the hook chains are still there" chains
pc_check "after the restart SSH Server answers" pc_tcp_ok "$SRV4" 22
pid=$(prop MainPID)

# ---- the sandbox, from the daemon's own process -----------------------------------------
pc_check "only CAP_NET_ADMIN (effective, permitted, bounding)" cap_only_net_admin "$pid"
pc_check "NoNewPrivs" status_is "$pid" NoNewPrivs 1
pc_check "a seccomp filter (mode 2)" status_is "$pid" Seccomp 2
pc_check "/usr is read-only" ro_for "$pid" /usr
pc_check "/etc is read-only" ro_for "$pid" /etc
pc_check "/run is read-only" ro_for "$pid" /run
pc_check "/run/portcullis is writable" rw_for "$pid" /run/portcullis
pc_check "/var/log/portcullis is writable" rw_for "$pid" /var/log/portcullis
pc_check "$textdir is writable (metrics-file)" rw_for "$pid" "$textdir"
pc_check "its /proc hides other processes" \
	grep -q 'hidepid=invisible' <<<"$(ct cat "/proc/$pid/mountinfo")"

# ---- upgrade ------------------------------------------------------------------------------
new=$version+systest1
sys_bump_version "$PC_TMP/pkg" "$new"
start=$SECONDS
sys_rebuild_debs "$PC_TMP/pkg" "$PC_TMP/rebuild.log" -nc ||
	{ tail -n 20 "$PC_TMP/rebuild.log" | sed 's/^/#   /'; pc_bail "the rebuild failed"; }
pc_log "rebuilt $new in $((SECONDS - start)) s"
cp "$PC_TMP/pkg/portcullis_${new}_amd64.deb" "$PC_TMP/root/root/" || pc_bail "no $new package"
ct md5sum "$conf" >"$PC_TMP/conf.md5"
ct env DEBIAN_FRONTEND=noninteractive apt-get install -y "/root/portcullis_${new}_amd64.deb" \
	</dev/null >"$PC_TMP/upgrade.out" 2>&1
pc_check "apt install of $new over $version succeeds" test $? -eq 0
pc_check "the installed version is $new" \
	test "$(ct dpkg-query -W -f='${Version}' portcullis)" = "$new"
pc_check "the edited policy is kept" \
	test "$(ct md5sum "$conf")" = "$(cat "$PC_TMP/conf.md5")"
pc_check "no .dpkg-dist or .dpkg-new beside it" \
	test -z "$(ct find /etc/portcullis -name '*.dpkg-*')"
pc_check "the service runs after the upgrade" test "$(prop ActiveState)" = active
pc_check "it runs the new binary (restarted)" test "$(main_exe)" = /usr/sbin/portcullisd
pc_check "and the edited policy: 8080 answers" pc_tcp_ok "$SRV4" 8080
pc_check "and 80 is dropped" pc_tcp_blocked "$SRV4" 80
pc_check "the hook chains exist" chains

# ---- stop ------------------------------------------------------------------------------------
pc_check "systemctl stop portcullis" ct systemctl stop portcullis
pc_check "stop removes the hook chains and jumps" no_hooks
pc_check "no portcullisd runs" no_daemon
pc_check "unfiltered again: 80 answers" pc_tcp_ok "$SRV4" 80

# ---- purge, while it runs ---------------------------------------------------------------------
pc_check "systemctl start portcullis" ct systemctl start portcullis
pc_check "started: the hook chains exist" chains
ct sh -c 'echo 203.0.113.0/24 >/etc/portcullis/admins.list'
ct env DEBIAN_FRONTEND=noninteractive apt-get purge -y portcullis </dev/null >"$PC_TMP/purge.out" 2>&1
pc_check "apt purge portcullis succeeds" test $? -eq 0
pc_check "no hook rule after purge" no_hooks
pc_check "no portcullisd after purge" no_daemon
pc_check "the unit is gone" \
	test "$(ct systemctl show -P LoadState portcullis.service 2>/dev/null)" = not-found
pc_check "no enablement link is left" \
	test -z "$(ct find /etc/systemd/system -name 'portcullis.service')"
pc_check "/var/log/portcullis is gone" ct test ! -e /var/log/portcullis
pc_check "/run/portcullis is gone" ct test ! -e /run/portcullis
pc_check "dpkg removed the conffile" ct test ! -e "$conf"
pc_check "an admin's own file in /etc/portcullis stays" ct test -s /etc/portcullis/admins.list
pc_check "dpkg forgot the package" ct sh -c '! dpkg-query -W portcullis >/dev/null 2>&1'
pc_check "traffic flows unfiltered" pc_tcp_ok "$SRV4" 80

pc_finish

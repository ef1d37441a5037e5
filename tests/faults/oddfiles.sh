#!/bin/bash
# oddfiles.sh - the policy path replaced by what is not a policy: a FIFO
# (without and with a writer), a directory, a symbolic link loop, a
# dangling link, a link to /dev/zero, a sparse file over the size limit,
# an empty file, a file with a NUL byte. On each SIGHUP the daemon stays
# up and answers at once (a reload that blocked would hang every later
# one), says what is wrong naming the file, and the old policy serves on;
# `portcullis check` fails with a message naming the file, without
# hanging. A mode 000 file is read by root like any other (the daemon
# under the unit, without CAP_DAC_OVERRIDE, cannot: checked with setpriv).
# Then a valid policy is taken again.
. "$(dirname "$0")/../e2e/lib.sh"

pc_init oddfiles 150
pc_need iptables ip6tables ncat mkfifo truncate
pc_need_bins daemon
pc_topo

policy=$PC_TMP/policy.conf
write_policy() { # FILE PORT...: a policy permitting TCP to PORT...
	local f=$1
	shift
	pc_policy "$f" "stateful = yes" "default = deny" "log = none" <<END
$(pc_rules_nd)

[Service]
action = permit
protocol = tcp
direction = in
local-port = $(echo "$@" | sed 's/ /, /g')
END
}
write_policy "$PC_TMP/A.conf" 2001
write_policy "$PC_TMP/B.conf" 2001 2002
cp "$PC_TMP/A.conf" "$policy"

# place NAME: puts the odd thing NAME at the policy's path.
place() {
	local new=$PC_TMP/new
	rm -rf "$new"
	case $1 in
	fifo | fifo-writer) mkfifo "$new" ;;
	directory) mkdir "$new" && cp "$PC_TMP/A.conf" "$new/policy.conf" ;;
	symlink-loop) ln -s "$policy" "$new" ;;
	dangling) ln -s "$PC_TMP/no-such-file.conf" "$new" ;;
	dev-zero) ln -s /dev/zero "$new" ;;
	too-big) cp "$PC_TMP/B.conf" "$new" && truncate -s 300M "$new" ;;
	empty) : >"$new" ;;
	nul) cp "$PC_TMP/B.conf" "$new" && printf 'description = a NUL \0 byte\n' >>"$new" ;;
	esac || return 1
	rm -rf "$policy" # rename cannot put a directory over a file
	mv -T "$new" "$policy"
}
# what NAME: the reason the daemon and check must give.
what() {
	case $1 in
	fifo | fifo-writer | directory | dev-zero) echo 'not a regular file' ;;
	symlink-loop) echo 'Too many levels of symbolic links' ;;
	dangling) echo 'No such file or directory' ;;
	too-big) echo 'file too large' ;;
	empty) echo 'no section: the file is empty' ;;
	nul) echo 'contains a NUL byte' ;;
	esac
}

pc_srv_tcp 2001 2002
pc_check "hooks up" pc_hooks up -c "$policy"
pc_daemon_start "$policy"
pc_check "policy A: 2001 answers" pc_tcp_ok $SRV4 2001
pc_check "policy A: 2002 is dropped" pc_tcp_blocked $SRV4 2002

for odd in fifo fifo-writer directory symlink-loop dangling dev-zero too-big empty nul; do
	place "$odd" || pc_bail "cannot make the $odd"
	if [ "$odd" = fifo-writer ]; then
		# the FIFO held open by a writer, a valid policy waiting in it
		exec 9<>"$policy"
		cat "$PC_TMP/B.conf" >&9
	fi
	bad0=$(pc_msgs_count 'config has errors, not reloading')
	pc_check "$odd: the daemon answers the SIGHUP within 5 s" pc_daemon_reload
	pc_check "$odd: the reload is refused ('config has errors')" \
		test "$(pc_msgs_count 'config has errors, not reloading')" -eq $((bad0 + 1))
	pc_check "$odd: the daemon names the file: $(what "$odd")" \
		test "$(pc_msgs_count "$policy(:[0-9]+)?: .*$(what "$odd")")" -ge 1
	pc_check "$odd: the status file says so" \
		test "$(pc_status last-reload-result)" = failed
	pc_check "$odd: the old policy serves on: 2001 answers" pc_tcp_ok $SRV4 2001
	pc_check "$odd: the old policy serves on: 2002 is dropped" pc_tcp_blocked $SRV4 2002
	timeout 10 "$PORTCULLIS" check -c "$policy" >"$PC_TMP/check.out" 2>&1
	rc=$?
	pc_log "check: $(head -n 1 "$PC_TMP/check.out") (exit $rc)"
	pc_check "$odd: portcullis check exits 1 at once" test "$rc" -eq 1
	pc_check "$odd: portcullis check names the file and why" \
		grep -Eq "$policy(:[0-9]+)?: .*$(what "$odd")" "$PC_TMP/check.out"
	[ "$odd" = fifo-writer ] && exec 9>&-
	pc_check "$odd: the daemon runs" pc_daemon_alive
done

# mode 000: root reads it as any other file.
rm -rf "$policy"
cp "$PC_TMP/B.conf" "$policy" && chmod 000 "$policy"
pc_check "mode 000, policy B: root's reload takes it" pc_daemon_reload
pc_check "mode 000: the status file says ok" test "$(pc_status last-reload-result)" = ok
pc_check "mode 000: 2002 answers (policy B)" pc_tcp_ok $SRV4 2002
pc_check "mode 000: portcullis check as root: OK" "$PORTCULLIS" check -c "$policy" >/dev/null 2>&1
if command -v setpriv >/dev/null; then
	setpriv --bounding-set=-dac_override,-dac_read_search "$PORTCULLIS" check -c "$policy" \
		>"$PC_TMP/check.out" 2>&1
	rc=$?
	pc_log "check without CAP_DAC_OVERRIDE: $(head -n 1 "$PC_TMP/check.out") (exit $rc)"
	pc_check "mode 000, without CAP_DAC_OVERRIDE (as under the unit): check exits 1" \
		test "$rc" -eq 1
	pc_check "mode 000, without CAP_DAC_OVERRIDE: 'cannot read FILE: Permission denied'" \
		grep -q "cannot read $policy: Permission denied" "$PC_TMP/check.out"
else
	pc_log "setpriv missing: the mode 000 case without CAP_DAC_OVERRIDE is not run"
fi

# a valid policy again, atomically, is taken
cp "$PC_TMP/A.conf" "$PC_TMP/new" && mv -T "$PC_TMP/new" "$policy"
pc_check "policy A again: the reload is taken" pc_daemon_reload
pc_check "policy A again: the status file says ok" test "$(pc_status last-reload-result)" = ok
pc_check "policy A again: 2002 is dropped" pc_tcp_blocked $SRV4 2002
pc_check "policy A again: 2001 answers" pc_tcp_ok $SRV4 2001
pc_check "reloads counted: 11 attempts, 9 refused" \
	test "$(pc_status reloads-failed)" = 9 -a "$(pc_status reload-generation)" = 11
pc_check "SIGTERM: exit 0" pc_daemon_stop
pc_finish

#!/bin/bash
# systemd.sh - systemd/portcullis.service: what issue 3 asks of it, a clean
# "systemd-analyze verify", and the "security --offline" exposure (<= 2.0).
. "$(dirname "$0")/lib.sh"

pc_init systemd 60 noroot
pc_need systemd-analyze
pc_need_bins daemon

unit=$PC_ROOT/systemd/portcullis.service
[ -f "$unit" ] || pc_bail "no $unit"

# has KEY=VALUE: the unit holds exactly that line.
has() { grep -qxF -- "$1" "$unit"; }

pc_check "Type=notify" has "Type=notify"
pc_check "ExecStartPre installs the hooks" grep -qE '^ExecStartPre=/usr/sbin/portcullis hooks up( |$)' "$unit"
pc_check "ExecStart runs portcullisd in the foreground" grep -qE '^ExecStart=/usr/sbin/portcullisd .*-f( |$)' "$unit"
pc_check "ExecStopPost removes the hooks" grep -qE '^ExecStopPost=/usr/sbin/portcullis hooks down( |$)' "$unit"
pc_check "ExecReload sends SIGHUP (the shell's kill: /bin/kill is procps')" \
	has "ExecReload=/bin/sh -c 'kill -HUP \"\$MAINPID\"'"
pc_check "Restart=on-failure" has "Restart=on-failure"
pc_check "RuntimeDirectory for pid and status files" has "RuntimeDirectory=portcullis"
for opt in CapabilityBoundingSet=CAP_NET_ADMIN NoNewPrivileges=yes ProtectSystem=strict \
	ProtectHome=yes PrivateTmp=yes "RestrictAddressFamilies=AF_NETLINK AF_UNIX" \
	SystemCallFilter=@system-service SystemCallArchitectures=native MemoryDenyWriteExecute=yes; do
	pc_check "hardening: $opt" has "$opt"
done
pc_check_not "never PrivateNetwork" grep -q '^PrivateNetwork' "$unit"
pc_check_not "no PrivateUsers (CAP_NET_ADMIN must act on the host namespace)" \
	grep -q '^PrivateUsers' "$unit"

# Documentation= names our man pages.
for page in $(sed -n 's/^Documentation=//p' "$unit"); do
	case $page in
	man:*)
		name=${page#man:}
		file=$PC_ROOT/docs/man/${name%(*}.$(sed 's/.*(\(.*\))/\1/' <<<"$name")
		pc_check "Documentation=$page is docs/man/$(basename "$file")" test -f "$file"
		;;
	esac
done

# verify checks that the programs exist: point a copy at the built ones.
# It also runs man(1) on the Documentation= pages: give it ours.
copy=$PC_TMP/portcullis.service
sed -e "s|/usr/sbin/portcullisd |$PORTCULLISD |" -e "s|/usr/sbin/portcullis |$PORTCULLIS |" \
	"$unit" >"$copy"
mkdir -p "$PC_TMP/man/man5" "$PC_TMP/man/man8"
cp "$PC_ROOT"/docs/man/*.5 "$PC_TMP/man/man5/" 2>/dev/null
cp "$PC_ROOT"/docs/man/*.8 "$PC_TMP/man/man8/" 2>/dev/null
man_opt=--man=yes
if ! command -v man >/dev/null; then
	man_opt=--man=no
	pc_log "man(1) is not installed: verify skips the Documentation= pages"
fi
out=$(cd "$PC_TMP" && MANPATH=$PC_TMP/man systemd-analyze verify "$man_opt" "$copy" 2>&1)
rc=$?
pc_check "systemd-analyze verify exits 0" test "$rc" -eq 0
pc_check "systemd-analyze verify says nothing" test -z "$out"
[ -z "$out" ] || printf '#   %s\n' "$out"

out=$(systemd-analyze security --offline=true "$unit" 2>&1)
exposure=$(sed -n 's/.*Overall exposure level for portcullis.service: \([0-9.]*\).*/\1/p' <<<"$out")
pc_log "systemd-analyze security --offline=true: exposure $exposure"
pc_check "the exposure level is known" test -n "$exposure"
pc_check "exposure <= 2.0" awk -v e="$exposure" 'BEGIN { exit !(e != "" && e <= 2.0) }'
grep '✗' <<<"$out" | sed 's/  */ /g; s/^/#   /'

pc_finish

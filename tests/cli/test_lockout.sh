#!/usr/bin/env bash
# The lockout guard (lib/lockout.c): check, enable and disable know which
# enabled rules admit inbound SSH; an empty policy under default = deny.
# Usage: test_lockout.sh BUILD_DIR
. "$(dirname "$0")/lib.sh"
cd "$tmp" || exit 1

pol() { # pol FILE LINES...: a policy of those lines
	local f=$1; shift
	printf '%s\n' "$@" >"$f"
}

# ---- empty ----
pol empty.conf '[portcullis]' 'default = deny'
expect_rc "empty policy under default = deny: exit 1" 1 "$pc" check -c empty.conf
same_text "empty: says why, and what to do" "$tmp/err" \
	"empty.conf: no rule is enabled and default = deny: every packet is dropped (allow-empty = yes if that is meant)
empty.conf: configuration has errors"
empty "empty: nothing on stdout" "$tmp/out"
: >zero.conf
expect_rc "a zero-byte policy: exit 1" 1 "$pc" check -c zero.conf
has "a zero-byte policy: no section, a truncated file?" "$tmp/err" "zero.conf: no section: the file is empty or holds only comments"
expect_rc "empty --force: exit 0" 0 "$pc" check --force -c empty.conf
same_text "empty --force: a warning" "$tmp/err" \
	"empty.conf: warning: no rule is enabled and default = deny: every packet is dropped"
has "empty --force: OK" "$tmp/out" "configuration OK"
pol allow.conf '[portcullis]' 'default = deny' 'allow-empty = yes'
expect_rc "allow-empty = yes: exit 0" 0 "$pc" check -c allow.conf
has "allow-empty = yes: still a warning" "$tmp/err" "allow.conf: warning: no rule is enabled"
pol off.conf '[portcullis]' '[A]' 'enabled = no' 'action = permit'
expect_rc "rules, none enabled: exit 1" 1 "$pc" check -c off.conf
has "rules, none enabled: the same error" "$tmp/err" "off.conf: no rule is enabled and default = deny"
pol open.conf '[portcullis]' 'default = permit'
expect_rc "empty under default = permit: exit 0" 0 "$pc" check -c open.conf
empty "default = permit: no warning" "$tmp/err"
has "default = permit: admits SSH" "$tmp/out" "open.conf: SSH (tcp port 22) is admitted by the default (permit)"
pol badallow.conf '[portcullis]' 'allow-empty = maybe'
expect_rc "allow-empty = maybe: exit 1" 1 "$pc" check -c badallow.conf
has "allow-empty = maybe: FILE:LINE" "$tmp/err" "badallow.conf:2: allow-empty:"

# ---- no rule admits SSH ----
pol nossh.conf '[Deny TCP]' 'action = deny' 'protocol = tcp' '[Web]' 'action = permit' \
	'protocol = tcp' 'local-port = 80'
expect_rc "no SSH rule: a warning, exit 0" 0 "$pc" check -c nossh.conf
same_text "no SSH rule: the warning" "$tmp/err" \
	"nossh.conf: warning: SSH (tcp port 22): no enabled rule admits it from any address ('Deny TCP' denies it): remote administrators are locked out"
pol nossh2.conf '[Web]' 'action = permit' 'protocol = tcp' 'local-port = 80'
expect_rc "no rule for SSH, the default denies: exit 0" 0 "$pc" check -c nossh2.conf
has "the default named" "$tmp/err" "no enabled rule admits it from any address (the default denies it)"

# an admin network: admitted from somewhere is admitted
pol admins.conf '[Deny TCP]' 'action = deny' 'protocol = tcp' '[SSH]' 'action = permit' \
	'protocol = tcp' 'local-port = 22' 'remote-address = 198.51.100.0/24'
expect_rc "SSH from an admin network: exit 0" 0 "$pc" check -c admins.conf
empty "SSH from an admin network: no warning" "$tmp/err"
has "SSH from an admin network: admitted by it" "$tmp/out" "admins.conf: SSH (tcp port 22) is admitted by 'SSH'"

# exact over the remote address: every address denied by more specific rules
pol halves.conf '[SSH]' 'action = permit' 'protocol = tcp' 'local-port = 22' \
	'[Low]' 'action = deny' 'remote-address = 0.0.0.0/1' \
	'[High]' 'action = deny' 'remote-address = 128.0.0.0/1' \
	'[Six]' 'action = deny' 'remote-address = ::/1, 8000::/1'
expect_rc "both halves denied: exit 0" 0 "$pc" check -c halves.conf
has "both halves denied: the warning" "$tmp/err" "halves.conf: warning: SSH (tcp port 22): no enabled rule admits it from any address ('Low' denies it)"
sed -i 's|^remote-address = 128.0.0.0/1|remote-address = 128.0.0.0/2|' halves.conf
expect_rc "a quarter left: exit 0" 0 "$pc" check -c halves.conf
empty "a quarter left: no warning" "$tmp/err"
has "a quarter left: admitted by SSH" "$tmp/out" "halves.conf: SSH (tcp port 22) is admitted by 'SSH'"

# ---- ssh-port ----
pol port.conf '[portcullis]' 'ssh-port = 2222' '[Deny TCP]' 'action = deny' 'protocol = tcp' \
	'[SSH Server]' 'action = permit' 'protocol = tcp' 'local-port = 22'
expect_rc "ssh-port = 2222, a rule for 22: exit 0" 0 "$pc" check -c port.conf
has "ssh-port: the port named, and where it comes from" "$tmp/err" \
	"port.conf: warning: SSH (tcp port 2222, ssh-port): no enabled rule admits it from any address ('Deny TCP' denies it)"
sed -i 's/^local-port = 22$/local-port = 22, 2222/' port.conf
expect_rc "ssh-port = 2222 admitted: exit 0" 0 "$pc" check -c port.conf
has "ssh-port admitted" "$tmp/out" "port.conf: SSH (tcp port 2222, ssh-port) is admitted by 'SSH Server'"
for v in 0 70000 x; do
	pol badport.conf '[portcullis]' "ssh-port = $v"
	expect_rc "ssh-port = $v: exit 1" 1 "$pc" check -c badport.conf
	has "ssh-port = $v: FILE:LINE and why" "$tmp/err" "badport.conf:2: ssh-port: '$v' is not a port (1-65535)"
done

# ---- the session this runs in (SSH_CONNECTION) ----
p=$here/policy.conf # SSH Server from 198.51.100.0/24; Partner host 203.0.113.7; Blocked net 203.0.113.0/24
SSH_CONNECTION="198.51.100.7 51000 192.0.2.1 22" expect_rc "session from the admin network: exit 0" 0 "$pc" check -c "$p"
has "the session: admitted by SSH Server" "$tmp/out" \
	"policy.conf: SSH (tcp port 22, from SSH_CONNECTION): the SSH session this runs in is admitted by 'SSH Server'"
SSH_CONNECTION="203.0.113.7 51000 192.0.2.1 22" expect_rc "session from the partner: exit 0" 0 "$pc" check -c "$p"
has "the session: admitted by Partner host" "$tmp/out" "the SSH session this runs in is admitted by 'Partner host'"
SSH_CONNECTION="203.0.113.9 51000 192.0.2.1 22" expect_rc "session from a blocked net: exit 0" 0 "$pc" check -c "$p"
same_text "the session: denied, by which rule" "$tmp/err" \
	"$p: warning: SSH (tcp port 22, from SSH_CONNECTION): the SSH session this runs in, from 203.0.113.9 port 51000, is denied by 'Blocked net'"
SSH_CONNECTION="198.51.100.7 51000 192.0.2.1 2222" expect_rc "session on port 2222: exit 0" 0 "$pc" check -c "$p"
has "the session's port is the one looked at" "$tmp/err" \
	"SSH (tcp port 2222, from SSH_CONNECTION): the SSH session this runs in, from 198.51.100.7 port 51000, is denied by 'Deny TCP'"
SSH_CONNECTION="2001:db8::7 51000 2001:db8::1 22" expect_rc "an IPv6 session: exit 0" 0 "$pc" check -c "$p"
has "an IPv6 session: denied by Deny TCP" "$tmp/err" "from 2001:db8::7 port 51000, is denied by 'Deny TCP'"
SSH_CONNECTION="garbage" expect_rc "SSH_CONNECTION garbage: as if none" 0 "$pc" check -c "$p"
has "garbage: the any-address answer" "$tmp/out" "policy.conf: SSH (tcp port 22) is admitted by 'SSH Server', 'Partner host'"

# ---- enable/disable ----
cp "$p" t.conf
cp t.conf orig.conf
SSH_CONNECTION="198.51.100.7 51000 192.0.2.1 22" expect_rc "disable the rule of this session: refused, exit 1" 1 \
	"$pc" disable -c t.conf "SSH Server"
same_text "refused: why, and the rule that admits it now" "$tmp/err" \
	"portcullis disable: this would lock you out: SSH (tcp port 22, from SSH_CONNECTION): the SSH session this runs in, from 198.51.100.7 port 51000, would be denied by 'Deny TCP'; 'SSH Server' admits it now
portcullis disable: $tmp/t.conf not changed (--force changes it anyway)"
cmp -s orig.conf t.conf && ok "refused: file unchanged" || bad "refused: file unchanged"
SSH_CONNECTION="203.0.113.7 51000 192.0.2.1 22" expect_rc "disable SSH Server from the partner's session: exit 0" 0 \
	"$pc" disable -c t.conf "SSH Server"
empty "partner's session still admitted: no warning" "$tmp/err"
cp orig.conf t.conf
expect_rc "no session: disable one of two admitting rules: exit 0" 0 "$pc" disable -c t.conf "Partner host"
expect_rc "no session: disable the last admitting rule: refused" 1 "$pc" disable -c t.conf "SSH Server"
has "no session: says which rule admits it now" "$tmp/err" \
	"no enabled rule would admit SSH (tcp port 22) from any address ('Deny TCP' would deny it); 'SSH Server' admits it now"
expect_rc "--force: done" 0 "$pc" disable --force -c t.conf "SSH Server"
has "--force: a warning" "$tmp/err" "portcullis disable: warning: this would lock out remote administrators"
has "--force: changed" "$tmp/out" "changed SSH Server;"
expect_rc "already locked out: other changes go through" 0 "$pc" enable -c t.conf "SQL Server"
has "already locked out: a warning" "$tmp/err" \
	"portcullis enable: warning: SSH (tcp port 22) is not admitted from any address, before or after this change"
pol one.conf '[portcullis]' 'default = deny' '[Only]' 'action = permit'
expect_rc "disabling the last rule: refused" 1 "$pc" disable -c one.conf Only
has "the last rule: says every packet would be dropped" "$tmp/err" \
	"portcullis disable: no rule would be enabled and default = deny: every packet would be dropped"
finish

#!/bin/bash
# log.sh - verdict lines carry the documented keys in the documented order,
# in text and in JSON: a rule's deny, the default's deny (rule=-), ICMP
# (type/code instead of ports), another protocol (no ports), IPv6, a permit
# logged by a rule's log = yes, and nothing for a rule's log = no.
. "$(dirname "$0")/lib.sh"

pc_init log 90
pc_need iptables ip6tables ncat ping nmap python3
pc_need_bins daemon
pc_topo

write_policy() {
	pc_policy "$1" "default = deny" "log = deny" "log-rate = 1000" "log-format = $2" <<EOF
$(pc_rules_nd)

[Service]
action = permit
protocol = tcp
local-port = 2222
log = yes

[Deny telnet]
action = deny
protocol = tcp
local-port = 23

[Quiet deny]
action = deny
protocol = tcp
local-port = 2224
log = no
EOF
}
text=$PC_TMP/text.conf
json=$PC_TMP/json.conf
write_policy "$text" text
write_policy "$json" json
log=$PC_TMP/daemon.log

pc_srv_tcp 2222 2223 2224 23
pc_check "hooks up" pc_hooks up -c "$text"

# The traffic each run makes.
traffic() {
	pc_tcp_ok $SRV4 2222 >/dev/null
	pc_tcp_blocked $SRV4 23
	pc_tcp_blocked $SRV4 2223
	pc_tcp_blocked $SRV4 2224
	pc_tcp_blocked $SRV6 23
	pc_ping_ok $SRV4
	pc_c timeout 10 nmap -n -Pn -sO -p 47 --max-retries 0 $SRV4 >/dev/null 2>&1
}

# expect DESC REGEX: a line of the log matches (waits 3 s at most).
expect() { pc_check "$1" pc_wait_file "$log" "$2" 1 3; }

pc_log "log-format = text"
pc_daemon_start "$text"
traffic
P='[0-9]+'
expect "text: a rule's deny" \
	"verdict=deny rule=\"Deny telnet\" dir=in proto=tcp src=$CLI4 sport=$P dst=$SRV4 dport=23 len=$P\$"
expect "text: the default's deny has rule=-" \
	"verdict=deny rule=- dir=in proto=tcp src=$CLI4 sport=$P dst=$SRV4 dport=2223 len=$P\$"
expect "text: IPv6" \
	"verdict=deny rule=\"Deny telnet\" dir=in proto=tcp src=$CLI6 sport=$P dst=$SRV6 dport=23 len=$P\$"
expect "text: ICMP has type and code instead of ports" \
	"verdict=deny rule=- dir=in proto=icmp src=$CLI4 dst=$SRV4 type=8 code=0 len=84\$"
expect "text: another protocol has no ports" \
	"verdict=deny rule=- dir=in proto=(47|gre) src=$CLI4 dst=$SRV4 len=$P\$"
expect "text: a permit logged by log = yes (in)" \
	"verdict=permit rule=\"Service\" dir=in proto=tcp src=$CLI4 sport=$P dst=$SRV4 dport=2222 len=$P\$"
expect "text: a permit logged by log = yes (out)" \
	"verdict=permit rule=\"Service\" dir=out proto=tcp src=$SRV4 sport=2222 dst=$CLI4 dport=$P len=$P\$"
pc_check "text: log = no keeps a deny out of the log" test "$(pc_count "$log" 'dport=2224')" -eq 0
pc_check "text: IPv6 neighbour discovery (permitted) is not logged" \
	test "$(pc_count "$log" 'proto=icmpv6 .*type=13[3-6] ')" -eq 0
pc_check "text: SIGTERM exits 0" pc_daemon_stop

pc_log "log-format = json"
mv "$log" "$PC_TMP/text.log"
pc_daemon_start "$json"
traffic
pc_wait_file "$log" '"proto":"(47|gre)"' 1 3
pc_check "json: SIGTERM exits 0" pc_daemon_stop
pc_check "json: every verdict line is one object with the documented keys in order" \
	python3 - "$log" "$CLI4" "$SRV4" <<'EOF'
import json, sys

path, cli, srv = sys.argv[1:4]
want = {
    "tcp": ["verdict", "rule", "dir", "proto", "src", "sport", "dst", "dport", "len"],
    "icmp": ["verdict", "rule", "dir", "proto", "src", "dst", "type", "code", "len"],
    "other": ["verdict", "rule", "dir", "proto", "src", "dst", "len"],
}
seen = set()
ok = True
for n, line in enumerate(open(path), 1):
    if '"verdict"' not in line:
        continue
    obj = json.loads(line[line.index("{"):])   # raises on a broken line
    keys = [k for k in obj if k != "time"]
    kind = obj["proto"] if obj["proto"] in ("tcp", "icmp") else "other"
    if obj["proto"] in ("udp", "icmpv6"):
        continue
    if keys != want[kind]:
        print(f"line {n}: keys {keys}, want {want[kind]}")
        ok = False
    if kind == "tcp" and not isinstance(obj["dport"], int):
        print(f"line {n}: dport is not a number")
        ok = False
    if obj["src"] == cli and obj["dst"] == srv:
        seen.add((obj["verdict"], obj["rule"], kind, obj.get("dport")))
need = {("deny", "Deny telnet", "tcp", 23), ("deny", "-", "tcp", 2223),
        ("permit", "Service", "tcp", 2222), ("deny", "-", "icmp", None),
        ("deny", "-", "other", None)}
missing = need - seen
if missing:
    print("missing:", sorted(map(str, missing)))
    ok = False
if any(d == 2224 for _, _, _, d in seen):
    print("a log = no rule was logged")
    ok = False
sys.exit(0 if ok else 1)
EOF
pc_finish

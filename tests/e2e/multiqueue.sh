#!/bin/bash
# multiqueue.sh - queue = 0-1: one worker thread per queue, both sharing one
# table, while many SIGHUPs alternate two policies under traffic.
#
# The client sends UDP from 16 source addresses (--queue-balance hashes on
# the addresses, so both queues get packets) to an echo port the policies
# permit and to a port they deny. Meanwhile RELOADS SIGHUPs alternate
# policy A and B (same rule names, different rules). Then: every datagram to
# the permitted port was answered, none to the denied port arrived, each
# queue decided packets, the status counters and the per-rule hits add up
# exactly to what was sent, the verdict log kept one rate for both workers,
# SIGTERM exits 0. Run it against ASan and TSan builds too:
#   PC_BIN_DIR=build-tsan tests/e2e/run.sh multiqueue
# Environment: MQ_RELOADS (100), MQ_RATE (datagrams/s offered, 10000).
. "$(dirname "$0")/lib.sh"

pc_init multiqueue 170
pc_need iptables ip6tables python3
pc_need_bins daemon
pc_topo

# A sanitizer report must end the daemon with an error (when not set already).
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:exitcode=66}

RELOADS=${MQ_RELOADS:-100}
RATE=${MQ_RATE:-10000}
ECHO=7000
CLOSED=7001
LOG_RATE=20
SRCS=()
for i in $(seq 64 79); do
	SRCS+=("198.51.100.$i")
	ip -n "$PC_CLI" addr add "198.51.100.$i/24" dev veth0 || pc_bail "client address"
done

# policy NAME CLOSED_PORTS EXTRA: the rules both policies share by name.
policy() {
	pc_policy "$PC_TMP/$1.conf" "default = deny" "log = deny" "log-rate = $LOG_RATE" \
		"queue = 0-1" <<EOF
$(pc_rules_nd)

[Echo]
action = permit
protocol = udp
direction = in
local-port = $ECHO

[Echo replies]
action = permit
protocol = udp
direction = out
local-port = $ECHO

[Closed]
action = deny
protocol = udp
local-port = $2
$3
EOF
}
policy A "$CLOSED" ""
# B: the closed port in a range, and 300 more rules that never match
policy B "$CLOSED-$((CLOSED + 1))" "$(for i in $(seq 1 300); do
	printf '\n[Block %d]\naction = deny\nremote-address = 203.0.113.%d\n' "$i" $((i % 250))
done)"
conf=$PC_TMP/policy.conf
cp "$PC_TMP/A.conf" "$conf"

# The echo server: answers on ECHO; anything arriving on CLOSED is recorded.
cat >"$PC_TMP/echo.py" <<'EOF'
import select, socket, sys
addr, echo, closed, leak = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
socks = {}
for port in (echo, closed):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, 33, 1 << 22)  # SO_RCVBUFFORCE
    s.setsockopt(socket.SOL_SOCKET, 32, 1 << 22)  # SO_SNDBUFFORCE
    s.bind((addr, port))
    socks[s] = port
# receives never block, sends do (the answers wait in the queue for their
# verdicts and hold the socket's send buffer meanwhile)
while True:
    for s in select.select(list(socks), [], [])[0]:
        while True:
            try:
                data, peer = s.recvfrom(2048, socket.MSG_DONTWAIT)
            except BlockingIOError:
                break
            if socks[s] == closed:
                with open(leak, "a") as f:
                    f.write("%s %s\n" % (peer[0], data[:20]))
            s.sendto(data, peer)
EOF

# The client: every source address sends to both ports in turn at RATE
# datagrams/s until SIGTERM (or 120 s), then waits 2 s for late answers and
# prints what it sent and what came back, per port. It waits (sends
# nothing) while WINDOW datagrams to the first port are unanswered, so a
# slow daemon (a sanitizer build) slows the traffic down instead of
# overflowing the queues (4096 packets each).
cat >"$PC_TMP/send.py" <<'EOF'
import select, signal, socket, sys, time
dst, rate, ports, srcs = sys.argv[1], float(sys.argv[2]), [int(p) for p in sys.argv[3].split(",")], sys.argv[4:]
WINDOW = 1000
stop = False
def on_term(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_term)
socks, port_of, sent, got = [], {}, {p: 0 for p in ports}, {p: set() for p in ports}
bad = 0
for a in srcs:
    for p in ports:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, 33, 1 << 20)  # SO_RCVBUFFORCE
        s.bind((a, 0))
        s.connect((dst, p))
        s.setblocking(False)
        socks.append(s)
        port_of[s] = p
def drain(until):
    global bad
    while True:
        left = until - time.monotonic()
        if left <= 0:
            return
        for s in select.select(socks, [], [], left)[0]:
            while True:
                try:
                    data = s.recv(2048)
                except (BlockingIOError, ConnectionRefusedError):
                    break
                try:
                    seq = int(data)
                except ValueError:
                    bad += 1
                    continue
                got[port_of[s]].add(seq)
seq, step = 0, len(socks) / rate
start = nxt = time.monotonic()
print("started", flush=True)
waited = 0
while not stop and time.monotonic() - start < 120:
    if sent[ports[0]] - len(got[ports[0]]) >= WINDOW:
        waited += 1
        nxt += step
        drain(nxt)
        continue
    for s in socks:
        try:
            s.send(b"%d" % seq)
            sent[port_of[s]] += 1
        except (BlockingIOError, ConnectionRefusedError):
            pass
        seq += 1
    nxt += step
    drain(nxt)
drain(time.monotonic() + 2)
for p in ports:
    print("port=%d sent=%d answered=%d" % (p, sent[p], len(got[p])))
print("bad=%d window-full=%d" % (bad, waited))
EOF

pc_bg "$PC_SRV" python3 "$PC_TMP/echo.py" "$SRV4" $ECHO $CLOSED "$PC_TMP/leak.log"
pc_wait_listen "$PC_SRV" udp $ECHO $CLOSED
pc_check "hooks up (queue = 0-1: --queue-balance 0:1)" pc_hooks up -c "$conf"
pc_check "the hook rules balance over queues 0 and 1" \
	test "$(pc_s iptables -w -S | grep -c -- '--queue-balance 0:1')" -ge 2
start_s=$SECONDS
# started with a relative path: the status file names the policy absolutely
cd "$PC_TMP" || pc_bail "cd"
pc_daemon_start policy.conf
cd - >/dev/null || pc_bail "cd"
pid=$PC_DAEMON_PID

# thread_names: the names of the daemon's threads, one a line.
thread_names() { cat /proc/"$pid"/task/*/comm 2>/dev/null; }
pc_check "a worker thread serves queue 0" grep -qx 'pcd-queue-0' <(thread_names)
pc_check "a worker thread serves queue 1" grep -qx 'pcd-queue-1' <(thread_names)

# status KEY: a value of the status file.
status() { sed -n "s/^$1=//p" "$PC_TMP/status" | head -n 1; }
# hits NAME: the hits of a rule in the status file.
hits() { sed -n "s/^rule=\([0-9]*\) $1\$/\1/p" "$PC_TMP/status"; }
pc_check "the status names the policy by its absolute path (-c policy.conf)" \
	test "$(status policy)" = "$(realpath "$PC_TMP")/policy.conf"

pc_bg "$PC_CLI" python3 -u "$PC_TMP/send.py" "$SRV4" "$RATE" "$ECHO,$CLOSED" "${SRCS[@]}" \
	>"$PC_TMP/send.out" 2>&1
sender=$PC_LAST_PID
pc_wait_file "$PC_TMP/send.out" '^started' 1 10 || pc_bail "the sender did not start"
sleep 1

# RELOADS SIGHUPs, alternating B and A, each waited for (the file is
# replaced by a rename, so a load reads one whole policy).
ok=0
for ((i = 1; i <= RELOADS; i++)); do
	next=$([ $((i % 2)) -eq 1 ] && echo B || echo A)
	cp "$PC_TMP/$next.conf" "$conf.new" && mv "$conf.new" "$conf"
	if pc_daemon_reload; then
		ok=$((ok + 1))
	else
		pc_log "reload $i: no answer within 5 s"
	fi
	pc_daemon_alive || break
done
pc_check "$RELOADS SIGHUPs under traffic: each reloaded" test "$ok" -eq "$RELOADS"
pc_check "no reload failed" test "$(pc_msgs_count 'config has errors')" -eq 0
sleep 1
pc_check "portcullisd still runs" pc_daemon_alive

kill -TERM "$sender"
wait "$sender"
pc_log "sender: $(tr '\n' ' ' <"$PC_TMP/send.out")"
# sent PORT / answered PORT: the sender's counts.
sent() { sed -n "s/^port=$1 sent=\([0-9]*\) .*/\1/p" "$PC_TMP/send.out"; }
answered() { sed -n "s/^port=$1 .*answered=\([0-9]*\)/\1/p" "$PC_TMP/send.out"; }
s_echo=$(sent $ECHO)
s_closed=$(sent $CLOSED)
pc_check "the sender sent to both ports" test "${s_echo:-0}" -gt 1000 -a "${s_closed:-0}" -gt 1000
pc_check "every datagram to the permitted port was answered ($(answered $ECHO) of $s_echo)" \
	test "$(answered $ECHO)" = "$s_echo"
pc_check "no datagram to the denied port was answered" test "$(answered $CLOSED)" = 0
pc_check "no datagram reached the denied port's listener" test ! -s "$PC_TMP/leak.log"
pc_check "no answer was garbled" grep -q '^bad=0 ' "$PC_TMP/send.out"

"$PORTCULLIS" status -c "$conf" >"$PC_TMP/status.out" 2>&1
pc_check "portcullis status shows queue 0's packets" grep -Eq '^  queue 0 +[1-9][0-9]*$' "$PC_TMP/status.out"
pc_check "portcullis status shows queue 1's packets" grep -Eq '^  queue 1 +[1-9][0-9]*$' "$PC_TMP/status.out"

rc=0
pc_daemon_stop || rc=$?
elapsed=$((SECONDS - start_s))
pc_check "SIGTERM: exit 0" test "$rc" -eq 0
pc_check "no sanitizer report" \
	test "$(grep -Ec 'Sanitizer|runtime error' "$PC_TMP/daemon.out")" -eq 0
pc_check "last status written at exit" test "$(status running)" = no

# The last status holds every decision: the counters must add up exactly.
packets=$(status packets)
q0=$(status queue.0.packets)
q1=$(status queue.1.packets)
pc_log "status: packets=$packets queue.0=$q0 queue.1=$q1 permitted=$(status permitted)" \
	"denied=$(status denied) default-hits=$(status default-hits) reloads-ok=$(status reloads-ok)"
pc_check "queue 0 decided packets" test "${q0:-0}" -gt 0
pc_check "queue 1 decided packets" test "${q1:-0}" -gt 0
pc_check "queue.0 + queue.1 = packets" test $((q0 + q1)) -eq "$packets"
pc_check "packets = permitted + denied" \
	test "$packets" -eq $(($(status permitted) + $(status denied)))
pc_check "reloads-ok = $RELOADS" test "$(status reloads-ok)" -eq "$RELOADS"
pc_check "nothing dropped by the kernel or the socket" test \
	"$(status queue-dropped)$(status user-dropped)$(status enobufs)$(status verdict-errors)" = 0000
pc_check "hits of Echo = datagrams sent to it ($(hits Echo))" test "$(hits Echo)" = "$s_echo"
pc_check "hits of Echo replies = answers ($(hits 'Echo replies'))" \
	test "$(hits 'Echo replies')" = "$s_echo"
pc_check "hits of Closed = datagrams sent to it ($(hits Closed))" test "$(hits Closed)" = "$s_closed"
pc_check "permitted = the permit rules' hits" test "$(status permitted)" -eq \
	$(($(hits Echo) + $(hits 'Echo replies') + $(hits 'IPv6 neighbour discovery')))
pc_check "denied = Closed + default + malformed" test "$(status denied)" -eq \
	$(($(hits Closed) + $(status default-hits) + $(status malformed)))

# One token bucket for both workers: at most LOG_RATE lines a second (plus
# the first burst) over the daemon's whole life.
lines=$(pc_count "$PC_TMP/daemon.log" ' verdict=deny ')
pc_log "verdict lines: $lines in ${elapsed}s at log-rate $LOG_RATE"
pc_check "verdict lines logged" test "$lines" -gt 0
pc_check "verdict lines within one log-rate for both workers" \
	test "$lines" -le $((LOG_RATE * (elapsed + 2)))
pc_check "suppressed lines reported" test "$(pc_count "$PC_TMP/daemon.log" 'suppressed=')" -gt 0
pc_finish

#!/bin/bash
# killededits.sh - 200 edits (portcullis enable / disable of a name that
# selects two rules) SIGKILLed at random points spanning the whole edit,
# while the daemon of that policy runs and reloads. After every kill: the
# policy loads (portcullis check), it is byte for byte the state before the
# edit or the state after it (never a mix, never another rule changed), the
# edit lock is free, and a temporary file of ours is left only until the
# next edit, which removes it. The daemon never meets a broken file
# (no failed reload), and ends up serving what the file says.
# tests/cli/test_toggle.sh kills edits without a daemon; this is the same
# under a live daemon, at scale. The daemon runs in the test's own network
# namespace (no hook rule is installed: no traffic is needed).
. "$(dirname "$0")/../e2e/lib.sh"

pc_init killededits 150
pc_need python3 flock cmp
pc_need_bins daemon
pc_topo

runs=${PC_KILLED_EDITS:-200}
killafter=$PC_ROOT/tests/faults/tools/killafter.py
name="DNS Client" # selects "DNS Client" and "DNS Client (tcp)"
dir=$PC_TMP/pol
mkdir -p "$dir" || pc_bail "mkdir"
policy=$dir/p.conf
pc_shipped "$policy"

# temps: files of our temporary pattern (".p.conf.XXXXXX") beside the policy.
temps() { find "$dir" -maxdepth 1 -name '.p.conf.??????' | wc -l; }
state() {
	if cmp -s "$policy" "$PC_TMP/on.conf"; then echo on
	elif cmp -s "$policy" "$PC_TMP/off.conf"; then echo off
	else echo other; fi
}
enabled_in_file() { "$PORTCULLIS" list --enabled -c "$policy" | sed 1d | wc -l; }

pc_daemon_start "$policy"

# The two states, and how long an edit takes with the daemon reloading.
"$PORTCULLIS" enable -c "$policy" "$name" >/dev/null 2>&1 || pc_bail "enable $name"
cp "$policy" "$PC_TMP/on.conf"
t0=$EPOCHREALTIME
"$PORTCULLIS" disable -c "$policy" "$name" >"$PC_TMP/edit.out" 2>&1 || pc_bail "disable $name"
ms=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
cp "$policy" "$PC_TMP/off.conf"
pc_check "an edit changes the two rules' lines only" \
	test "$(diff "$PC_TMP/on.conf" "$PC_TMP/off.conf" | grep -c '^[<>]')" -eq 4
pc_check "an edit reloads the daemon" grep -q "applied: portcullisd (pid $PC_DAEMON_PID) reloaded" \
	"$PC_TMP/edit.out"
# the shortest of three edits: one slowed by the machine's load would put
# most kills after the rename
for verb in enable disable; do
	t0=$EPOCHREALTIME
	"$PORTCULLIS" "$verb" -c "$policy" "$name" >/dev/null 2>&1 || pc_bail "$verb $name"
	t=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
	((t < ms)) && ms=$t
done
cmp -s "$policy" "$PC_TMP/off.conf" || pc_bail "enable and disable did not give the same file"
span=$((ms * 5 / 4 + 5))
pc_log "an edit with its reload takes ${ms} ms (the shortest of 3): kills at 0..${span} ms"

changed=0 unchanged=0 finished=0 failed_edits=0 left=0 broken=0 mixed=0 stuck=0 swept=0
for ((i = 1; i <= runs; i++)); do
	before=$(state)
	if [ "$before" = on ]; then verb=disable; else verb=enable; fi
	# half the kills anywhere in the edit, half in its first quarter
	# (reading, editing, checking and writing the file; the rest is the
	# daemon's reload)
	us=$(( (RANDOM * 32768 + RANDOM) % ((i % 2 ? span / 4 : span) * 1000 + 1) ))
	case $(python3 "$killafter" "$us" "$PORTCULLIS" "$verb" -c "$policy" "$name") in
	killed) ;;
	finished\ 0) finished=$((finished + 1)) ;;
	*) failed_edits=$((failed_edits + 1)) ;;
	esac
	"$PORTCULLIS" check -c "$policy" >/dev/null 2>&1 || broken=$((broken + 1))
	case $(state) in
	"$before") unchanged=$((unchanged + 1)) ;;
	on | off) changed=$((changed + 1)) ;;
	*) mixed=$((mixed + 1)); cp "$policy" "$PC_TMP/mixed.$i.conf" ;;
	esac
	[ "$(temps)" -eq 0 ] || left=$((left + 1))
	flock -n "$policy" true || stuck=$((stuck + 1))
	# Every 25th: an edit left alone runs to its end, sweeps what the
	# killed ones left, and applies.
	if ((i % 25 == 0)); then
		if [ "$(state)" = on ]; then verb=disable; else verb=enable; fi
		if timeout 30 "$PORTCULLIS" "$verb" -c "$policy" "$name" >"$PC_TMP/edit.out" 2>&1 &&
			grep -q 'applied: ' "$PC_TMP/edit.out" && [ "$(temps)" -eq 0 ]; then
			swept=$((swept + 1))
		else
			pc_log "edit after kill $i: $(cat "$PC_TMP/edit.out"); $(ls -A "$dir")"
		fi
	fi
done
pc_log "$runs kills: $unchanged before the rename, $changed after ($finished edits had finished);" \
	"a temporary file was beside the policy after $left of them"
pc_check "$runs killed edits: the policy always loads" test "$broken" -eq 0
pc_check "$runs killed edits: always the state before or after, byte for byte" test "$mixed" -eq 0
pc_check "the kills fell on both sides of the rename ($unchanged before, $changed after)" \
	test "$unchanged" -ge $((runs / 20)) -a "$changed" -ge $((runs / 20))
pc_check "no edit that ran to its end failed" test "$failed_edits" -eq 0
pc_check "the edit lock was never left taken" test "$stuck" -eq 0
pc_check "every edit after kills ran to its end and left no temporary file ($swept of $((runs / 25)))" \
	test "$swept" -eq $((runs / 25))

# A last edit: it succeeds, leaves the directory clean, and the daemon
# serves the file.
if [ "$(state)" = on ]; then verb=disable; else verb=enable; fi
pc_check "the edit after all kills: exit 0" timeout 30 "$PORTCULLIS" "$verb" -c "$policy" "$name" \
	>"$PC_TMP/edit.out"
pc_check "no temporary file is left ($(ls -A "$dir" | tr '\n' ' '))" test "$(ls -A "$dir")" = p.conf
pc_check "the daemon runs" pc_daemon_alive
pc_check "the daemon serves the file's rules ($(enabled_in_file) enabled)" \
	test "$(pc_status enabled)" -eq "$(enabled_in_file)"
failed=$(pc_status reloads-failed)
pc_log "daemon reloads: $(pc_status reloads-ok) ok, $failed failed"
pc_check "the daemon never met a broken policy (0 failed reloads)" test "$failed" -eq 0
pc_check "SIGTERM: exit 0" pc_daemon_stop
pc_finish

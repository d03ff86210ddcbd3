#!/usr/bin/env bash
# t-gate-lock-timeout.sh: mutating verbs share one host-wide lock (busy: 75),
# a hanging qm is killed at its timeout (124), and a dropped connection
# (SIGHUP, closed stdout) does not stop a cycle.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/gate.sh"
scratch

qm_standin running
# The sleep itself holds the lock's fd, so killing it frees the lock.
(exec 9>"$T/lock/breakglass-pve-gate.lock" && flock 9 && exec sleep 5) &
holder=$!
on_exit "kill $holder"
for _ in $(seq 50); do
	flock -n "$T/lock/breakglass-pve-gate.lock" true || break
	sleep 0.05
done
gate_run stop
expect_eq "stop while the lock is held exits 75" 75 "$GATE_RC"
expect_eq "busy: result line" "breakglass-gate: verb=stop exit=75 state=unknown" "$GATE_LAST"
expect_match "busy: message says to retry" "another power verb is running" "$GATE_ERR"
expect_eq "busy: qm never ran" "" "$(qm_calls)"
gate_run status
expect_eq "status does not wait for the lock" 0 "$GATE_RC"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null

# Two gates at once: the second mutating verb finds the first's lock.
qm_standin running
echo 1 > "$T/qm/delay"
gate_run cycle > /dev/null &
first=$!
for _ in $(seq 50); do
	grep -q stop "$T/qm/calls" && break
	sleep 0.05
done
gate_run start
expect_eq "a second mutating verb during a cycle exits 75" 75 "$GATE_RC"
wait "$first"
expect_eq "the first cycle finished" "running" "$(cat "$T/qm/state")"

# A hanging qm is killed when its timeout passes.
qm_standin running
echo status > "$T/qm/hang"
t0=$(date +%s%N)
gate_run status --timeout-max 1
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_eq "hanging status exits 124" 124 "$GATE_RC"
expect_eq "hanging status: result line" "breakglass-gate: verb=status exit=124 state=unknown" "$GATE_LAST"
if [ "$ms" -ge 900 ] && [ "$ms" -lt 4000 ]; then ok "hanging status ends at its timeout"; else notok "hanging status ends at its timeout" "took ${ms} ms"; fi

qm_standin stopped
echo start > "$T/qm/hang"
gate_run start --timeout-max 1
expect_eq "hanging start exits 124" 124 "$GATE_RC"
expect_eq "hanging start still reads the state" "breakglass-gate: verb=start exit=124 state=stopped" "$GATE_LAST"
if kill -0 "$(cat "$T/qm/hang.pid")" 2>/dev/null; then
	notok "hanging start was killed" "pid $(cat "$T/qm/hang.pid") still runs"
else
	ok "hanging start was killed"
fi

# A child of qm that keeps its stdout open does not hold the gate.
qm_standin stopped
touch "$T/qm/daemon"
t0=$(date +%s%N)
gate_run start
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_eq "start with a lingering child of qm reaches running" 0 "$GATE_RC"
expect_within "start does not wait for qm's lingering child" "$ms" 2000

# A dropped connection: stdout closed and SIGHUP mid-cycle.
qm_standin running
echo 1 > "$T/qm/delay"
mapfile -t args < <(gate_argv)
env -i PATH=/usr/bin:/bin SSH_ORIGINAL_COMMAND=cycle "$GATE" "${args[@]}" 2>/dev/null | head -c 0 &
for _ in $(seq 50); do
	grep -q stop "$T/qm/calls" && break
	sleep 0.05
done
gpid=$(gate_pid || true)
expect_match "the cycling gate is found to send it SIGHUP" "^[0-9]+$" "$gpid"
[ -n "$gpid" ] && kill -HUP "$gpid"
for _ in $(seq 100); do
	[ "$(tail -n 1 "$T/qm/calls")" = "qm status 102" ] && grep -q "qm start" "$T/qm/calls" && break
	sleep 0.05
done
wait
expect_eq "cycle survives SIGHUP and a closed stdout" "running" "$(cat "$T/qm/state")"
expect_eq "cycle after a hangup read the state at the end" "qm status 102" "$(tail -n 1 "$T/qm/calls")"
finish

#!/usr/bin/env bash
# t-gate-verbs.sh: each verb runs its fixed qm argv against the stand-in,
# reads the state back, and exits 0 only when the goal state is observed.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/gate.sh"
scratch

# expect_calls NAME: compare qm_calls with stdin, diff -u on failure.
expect_calls() {
	local d
	if d=$(diff -u - <(qm_calls)); then ok "$1"; else notok "$1" "$d"; fi
}

qm_standin stopped
gate_run status
expect_eq "status of a stopped VM exits 0" 0 "$GATE_RC"
expect_eq "status of a stopped VM: result line" "breakglass-gate: verb=status exit=0 state=stopped" "$GATE_LAST"
expect_match "status relays qm status --verbose" "^name: devvm" "$GATE_OUT"
expect_calls "status runs qm status --verbose only" <<'EOT'
qm status 102 --verbose
EOT

qm_standin stopped
gate_run start
expect_eq "start of a stopped VM exits 0" 0 "$GATE_RC"
expect_eq "start: result line" "breakglass-gate: verb=start exit=0 state=running" "$GATE_LAST"
expect_calls "start runs qm start, then reads the status" <<'EOT'
qm start 102
qm status 102
EOT

qm_standin running
gate_run start
expect_eq "start of a running VM still reaches the goal" 0 "$GATE_RC"
expect_match "start of a running VM relays qm's message" "VM 102 already running" "$GATE_ERR"

qm_standin running
gate_run stop
expect_eq "stop: result line" "breakglass-gate: verb=stop exit=0 state=stopped" "$GATE_LAST"
expect_calls "stop is a hard stop" <<'EOT'
qm stop 102 --overrule-shutdown 1
qm status 102
EOT

qm_standin running
gate_run reset
expect_eq "reset of a running VM: result line" "breakglass-gate: verb=reset exit=0 state=running" "$GATE_LAST"
expect_calls "reset runs qm reset, then reads the status" <<'EOT'
qm reset 102
qm status 102
EOT

qm_standin stopped
gate_run reset
expect_eq "reset of a stopped VM exits 1" 1 "$GATE_RC"
expect_eq "reset of a stopped VM: result line" "breakglass-gate: verb=reset exit=1 state=stopped" "$GATE_LAST"
expect_match "reset of a stopped VM relays qm's message" "VM 102 not running" "$GATE_ERR"

qm_standin running
gate_run cycle --timeout-max 1
expect_eq "cycle: result line" "breakglass-gate: verb=cycle exit=0 state=running" "$GATE_LAST"
expect_calls "cycle stops, waits for stopped, starts, reads the status" <<'EOT'
qm stop 102 --overrule-shutdown 1
qm status 102
qm start 102
qm status 102
EOT

qm_standin running
echo locked > "$T/qm/mode"
gate_run stop
expect_eq "stop of a locked VM exits 1" 1 "$GATE_RC"
expect_eq "stop of a locked VM: state stays running" "breakglass-gate: verb=stop exit=1 state=running" "$GATE_LAST"
expect_match "stop of a locked VM relays qm's message" "VM is locked \(backup\)" "$GATE_ERR"

qm_standin running
echo lockfile > "$T/qm/mode"
gate_run cycle --timeout-max 1
expect_eq "cycle with qm's config lock busy exits 1" 1 "$GATE_RC"
expect_match "cycle with qm's config lock busy relays qm's message" "can't lock file '/var/lock/qemu-server/lock-102.conf' - got timeout" "$GATE_ERR"
expect_eq "cycle that could not stop does not start" "" "$(grep 'start' "$T/qm/calls")"

qm_standin stopped
echo fail > "$T/qm/mode"
gate_run start
expect_eq "start that qm fails: result line" "breakglass-gate: verb=start exit=1 state=stopped" "$GATE_LAST"

qm_standin running
gate_run forensics
expect_eq "forensics exits 0 when the status was read" 0 "$GATE_RC"
expect_eq "forensics: result line" "breakglass-gate: verb=forensics exit=0 state=running" "$GATE_LAST"
for label in status config pending tasks monitor agent journal; do
	expect_match "forensics labels its $label section" "^=== $label: " "$GATE_OUT"
done
expect_match "forensics shows a failing step as failed" "=== agent: failed \(exit 255" "$GATE_OUT"
expect_match "forensics goes on after a failing step" "=== journal: ok" "$GATE_OUT"
expect_match "forensics feeds the monitor its command" "VM status: running" "$GATE_OUT"
expect_calls "forensics runs only read-only commands" <<'EOT'
qm status 102 --verbose
qm config 102 --current
qm pending 102
pvenode task list --vmid 102 --limit 20
qm monitor 102
qm guest cmd 102 ping
journalctl --no-pager --output=short-iso --lines=100 --since=-6h --grep \b102\b
EOT

qm_standin running
echo status > "$T/qm/hang"
gate_run forensics --timeout-max 1
expect_eq "forensics with a hanging status exits 1" 1 "$GATE_RC"
expect_match "forensics marks the hanging step timed out" "=== status: timed out \(exit 124" "$GATE_OUT"
expect_match "forensics runs the steps after a timeout" "=== config: ok" "$GATE_OUT"
finish
